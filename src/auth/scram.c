/* SCRAM arithmetic shared by the client authenticators and the router (both flavours). */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "auth/auth_int.h"
#include "crypto/crypto_util.h"

wamp__scram_kdf wamp__scram_kdf_parse(wamp_str name)
{
    if (wamp_str_eqc(name, "argon2id-13") || wamp_str_eqc(name, "argon2id13"))
        return WAMP__KDF_ARGON2ID13;
    if (wamp_str_eqc(name, "pbkdf2")) return WAMP__KDF_PBKDF2;
    return WAMP__KDF_NONE;
}

bool wamp__scram_is_autobahn(wamp_str method)
{
    return wamp_str_eqc(method, "scram");
}

int wamp__scram_salted_password(bool autobahn, wamp__scram_kdf kdf, wamp_str password,
                                const uint8_t *salt_raw, size_t salt_raw_len, const char *salt_text,
                                size_t salt_text_len, uint32_t iterations, uint32_t memory,
                                wamp__scram_salted *out)
{
    memset(out, 0, sizeof *out);
    if (iterations == 0 || iterations > WAMP__SCRAM_MAX_ITERATIONS) return WAMP_ERANGE;
    if (kdf == WAMP__KDF_PBKDF2) {
        const void *salt = autobahn ? (const void *)salt_text : (const void *)salt_raw;
        size_t len = autobahn ? salt_text_len : salt_raw_len;
        out->len = 32;
        return wamp_pbkdf2(WAMP_HASH_SHA256, password.ptr, password.len, salt, len, iterations,
                           out->data, 32);
    }
    if (kdf != WAMP__KDF_ARGON2ID13) return WAMP_EUNSUPPORTED;
    /* Argon2 needs a salt of 8 bytes or more; p=1 is what both flavours prescribe */
    if (salt_raw_len < WAMP__ARGON2_MIN_SALT) return WAMP_ERANGE;
    if (memory < 8 || memory > WAMP__SCRAM_MAX_MEMORY) return WAMP_ERANGE;
    uint8_t tag[32];
    wamp__argon2id_input in = {.password = password.ptr,
                               .password_len = password.len,
                               .salt = salt_raw,
                               .salt_len = salt_raw_len,
                               .passes = iterations,
                               .memory_kib = memory,
                               .lanes = 1};
    int rc = wamp__auth_argon2id(&in, tag, sizeof tag);
    if (rc) return rc == WAMP_EINVAL ? WAMP_ERANGE : rc;
    if (autobahn) {
        /* Autobahn keeps the unpadded base64 text of the tag (argon2's encoded form) */
        char text[64];
        sodium_bin2base64(text, sizeof text, tag, sizeof tag,
                          sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
        out->len = strlen(text);
        memcpy(out->data, text, out->len);
        sodium_memzero(text, sizeof text);
    } else {
        memcpy(out->data, tag, sizeof tag);
        out->len = sizeof tag;
    }
    sodium_memzero(tag, sizeof tag);
    return WAMP_OK;
}

void wamp__scram_keys(const wamp__scram_salted *sp, uint8_t client_key[32], uint8_t stored_key[32],
                      uint8_t server_key[32])
{
    uint8_t ck[32];
    wamp__crypto_hmac256(ck, sp->data, sp->len, "Client Key", 10);
    if (stored_key) wamp__crypto_sha256(stored_key, ck, 32);
    if (server_key) wamp__crypto_hmac256(server_key, sp->data, sp->len, "Server Key", 10);
    if (client_key) memcpy(client_key, ck, 32);
    sodium_memzero(ck, sizeof ck);
}

static int append_str(wamp_buf *b, wamp_str s)
{
    return wamp_buf_append(b, s.ptr ? s.ptr : "", s.len);
}

static int append_c(wamp_buf *b, const char *s)
{
    return wamp_buf_append(b, s, strlen(s));
}

/* RFC 5802 saslname escaping: "," -> "=2C", "=" -> "=3D" */
static int append_saslname(wamp_buf *b, wamp_str s)
{
    int rc = WAMP_OK;
    for (size_t i = 0; i < s.len && !rc; i++) {
        if (s.ptr[i] == ',')
            rc = append_c(b, "=2C");
        else if (s.ptr[i] == '=')
            rc = append_c(b, "=3D");
        else
            rc = wamp_buf_append_byte(b, (uint8_t)s.ptr[i]);
    }
    return rc;
}

int wamp__scram_auth_message(bool autobahn, wamp_buf *out, wamp_str authid, wamp_str client_nonce,
                             wamp_str nonce, wamp_str salt_b64, uint32_t iterations,
                             wamp_str cbind_type, const uint8_t *cbind, size_t cbind_len)
{
    char num[16];
    size_t start = out->len;
    snprintf(num, sizeof num, "%u", iterations);
    int rc = append_c(out, "n=");
    if (!rc) rc = autobahn ? append_str(out, authid) : append_saslname(out, authid);
    if (!rc) rc = append_c(out, ",r=");
    if (!rc) rc = append_str(out, client_nonce);
    if (!rc) rc = append_c(out, ",r=");
    if (!rc) rc = append_str(out, nonce);
    if (!rc) rc = append_c(out, ",s=");
    if (!rc) rc = append_str(out, salt_b64);
    if (!rc) rc = append_c(out, ",i=");
    if (!rc) rc = append_c(out, num);
    if (!rc) rc = append_c(out, ",c=");
    if (!rc && autobahn) {
        rc = append_str(out, cbind_type);
    } else if (!rc) {
        wamp_buf gs2 = {0};
        if (cbind_type.ptr) {
            rc = append_c(&gs2, "p=");
            if (!rc) rc = append_str(&gs2, cbind_type);
            if (!rc) rc = append_c(&gs2, ",,");
            if (!rc && cbind_len) rc = wamp_buf_append(&gs2, cbind, cbind_len);
        } else {
            rc = append_c(&gs2, "n,,");
        }
        if (!rc) rc = wamp__crypto_b64(out, gs2.data, gs2.len);
        wamp_buf_free(&gs2);
    }
    if (!rc) rc = append_c(out, ",r=");
    if (!rc) rc = append_str(out, nonce);
    if (rc) out->len = start;
    return rc;
}
