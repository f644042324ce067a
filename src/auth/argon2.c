/* Argon2id v1.3 (RFC 9106) for every Argon2 user of the auth layer (SCRAM client, router
 * credentials, derive_scram_credential), through the Argon2 reference implementation
 * (libargon2, the library argon2-cffi uses). Its argon2_ctx() takes what libsodium's
 * crypto_pwhash() cannot: any salt length from 8 bytes, any parallelism, a secret key and
 * associated data. */
#include <argon2.h>
#include <stdint.h>
#include <string.h>

#include "auth/auth_int.h"

static uint8_t *mutable_or_null(const void *p)
{
    /* argon2_context has non-const pointers; with ARGON2_DEFAULT_FLAGS nothing is written
     * through pwd, salt, secret or ad (only the CLEAR_PASSWORD/CLEAR_SECRET flags would). */
    return (uint8_t *)(uintptr_t)p;
}

int wamp__auth_argon2id(const wamp__argon2id_input *in, uint8_t *out, size_t out_len)
{
    if (!in || !out) return WAMP_EINVAL;
    if ((!in->password && in->password_len) || (!in->salt && in->salt_len) ||
        (!in->secret && in->secret_len) || (!in->ad && in->ad_len))
        return WAMP_EINVAL;
    /* argon2_context carries 32-bit lengths; refuse rather than truncate */
    if (out_len > UINT32_MAX || in->password_len > UINT32_MAX || in->salt_len > UINT32_MAX ||
        in->secret_len > UINT32_MAX || in->ad_len > UINT32_MAX)
        return WAMP_EINVAL;
    if (in->lanes == 0 || in->lanes > ARGON2_MAX_LANES) return WAMP_EINVAL;
    argon2_context ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.out = out;
    ctx.outlen = (uint32_t)out_len;
    ctx.pwd = mutable_or_null(in->password_len ? in->password : NULL);
    ctx.pwdlen = (uint32_t)in->password_len;
    ctx.salt = mutable_or_null(in->salt_len ? in->salt : NULL);
    ctx.saltlen = (uint32_t)in->salt_len;
    ctx.secret = mutable_or_null(in->secret_len ? in->secret : NULL);
    ctx.secretlen = (uint32_t)in->secret_len;
    ctx.ad = mutable_or_null(in->ad_len ? in->ad : NULL);
    ctx.adlen = (uint32_t)in->ad_len;
    ctx.t_cost = in->passes;
    ctx.m_cost = in->memory_kib;
    ctx.lanes = in->lanes;
    /* the tag does not depend on the thread count; one thread keeps the cost on the caller */
    ctx.threads = 1;
    ctx.version = ARGON2_VERSION_13;
    ctx.flags = ARGON2_DEFAULT_FLAGS;
    int rc = argon2_ctx(&ctx, Argon2_id);
    if (rc == ARGON2_OK) return WAMP_OK;
    memset(out, 0, out_len);
    switch (rc) {
    case ARGON2_MEMORY_ALLOCATION_ERROR: return WAMP_ENOMEM;
    case ARGON2_OUTPUT_PTR_NULL:
    case ARGON2_OUTPUT_TOO_SHORT:
    case ARGON2_OUTPUT_TOO_LONG:
    case ARGON2_PWD_TOO_SHORT:
    case ARGON2_PWD_TOO_LONG:
    case ARGON2_SALT_TOO_SHORT:
    case ARGON2_SALT_TOO_LONG:
    case ARGON2_AD_TOO_SHORT:
    case ARGON2_AD_TOO_LONG:
    case ARGON2_SECRET_TOO_SHORT:
    case ARGON2_SECRET_TOO_LONG:
    case ARGON2_TIME_TOO_SMALL:
    case ARGON2_TIME_TOO_LARGE:
    case ARGON2_MEMORY_TOO_LITTLE:
    case ARGON2_MEMORY_TOO_MUCH:
    case ARGON2_LANES_TOO_FEW:
    case ARGON2_LANES_TOO_MANY:
    case ARGON2_PWD_PTR_MISMATCH:
    case ARGON2_SALT_PTR_MISMATCH:
    case ARGON2_SECRET_PTR_MISMATCH:
    case ARGON2_AD_PTR_MISMATCH: return WAMP_EINVAL;
    default: return WAMP_ECRYPTO;
    }
}
