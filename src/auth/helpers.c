/* Authentication helpers of autobahn.wamp.auth: PBKDF2, WAMP-CRA keys and signatures, TOTP,
 * Base32, SCRAM credentials. */
#include <wamp/auth.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth/auth_int.h"
#include "crypto/crypto_util.h"

static const EVP_MD *md_of(wamp_hash h)
{
    switch (h) {
    case WAMP_HASH_SHA256: return EVP_sha256();
    case WAMP_HASH_SHA1: return EVP_sha1();
    case WAMP_HASH_SHA512: return EVP_sha512();
    }
    return NULL;
}

WAMP_API int wamp_pbkdf2(wamp_hash hash, const void *data, size_t datalen, const void *salt,
                         size_t saltlen, uint32_t iterations, uint8_t *out, size_t keylen)
{
    const EVP_MD *md = md_of(hash);
    static const uint8_t empty[1] = {0};
    if (!md || !out || keylen == 0 || iterations == 0 || iterations > INT32_MAX ||
        keylen > INT32_MAX || datalen > INT32_MAX || saltlen > INT32_MAX || (!data && datalen) ||
        (!salt && saltlen))
        return WAMP_EINVAL;
    if (PKCS5_PBKDF2_HMAC(data ? data : (const void *)empty, (int)datalen, salt ? salt : empty,
                          (int)saltlen, (int)iterations, md, (int)keylen, out) != 1)
        return WAMP_ECRYPTO;
    return WAMP_OK;
}

WAMP_API int wamp_auth_derive_key(wamp_str secret, wamp_str salt, uint32_t iterations,
                                  uint32_t keylen, wamp_buf *out)
{
    uint8_t key[1024];
    if (!out) return WAMP_EINVAL;
    if (iterations == 0) iterations = 1000;
    if (keylen == 0) keylen = 32;
    if (keylen > sizeof key) return WAMP_EINVAL;
    int rc = wamp_pbkdf2(WAMP_HASH_SHA256, secret.ptr, secret.len, salt.ptr, salt.len, iterations,
                         key, keylen);
    if (rc == WAMP_OK) rc = wamp__crypto_b64(out, key, keylen);
    sodium_memzero(key, sizeof key);
    return rc;
}

WAMP_API int wamp_auth_compute_wcs(wamp_str key, wamp_str challenge, char out[WAMP_AUTH_WCS_SIZE])
{
    uint8_t mac[32];
    if (!out || (!key.ptr && key.len) || (!challenge.ptr && challenge.len)) return WAMP_EINVAL;
    if (wamp__crypto_init()) return WAMP_ECRYPTO;
    wamp__crypto_hmac256(mac, key.ptr ? key.ptr : "", key.len, challenge.ptr ? challenge.ptr : "",
                         challenge.len);
    wamp__crypto_b64_to(out, mac, sizeof mac);
    return WAMP_OK;
}

static const char WCS_CHARSET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

WAMP_API int wamp_auth_generate_wcs(size_t length, char *out)
{
    if (!out) return WAMP_EINVAL;
    if (wamp__crypto_init()) return WAMP_ECRYPTO;
    for (size_t i = 0; i < length; i++)
        out[i] = WCS_CHARSET[randombytes_uniform(sizeof WCS_CHARSET - 1)];
    out[length] = 0;
    return WAMP_OK;
}

/* ---------------------------------------------------------------- Base32 (RFC 4648 §6)
 * Written by hand: neither libsodium nor OpenSSL offers Base32. */

static const char B32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

WAMP_API int wamp_base32_encode(const void *data, size_t len, wamp_buf *out)
{
    const uint8_t *p = data;
    if (!out || (!p && len)) return WAMP_EINVAL;
    size_t groups = (len + 4) / 5;
    int rc = wamp_buf_reserve(out, groups * 8 + 1);
    if (rc) return rc;
    char *o = (char *)out->data + out->len;
    for (size_t g = 0; g < groups; g++) {
        uint8_t blk[5] = {0};
        size_t n = len - g * 5 < 5 ? len - g * 5 : 5;
        memcpy(blk, p + g * 5, n);
        uint64_t v = 0;
        for (int i = 0; i < 5; i++)
            v = v << 8 | blk[i];
        static const int chars_for[6] = {0, 2, 4, 5, 7, 8};
        for (int i = 0; i < 8; i++)
            o[i] = i < chars_for[n] ? B32[(v >> (35 - 5 * i)) & 31] : '=';
        o += 8;
    }
    *o = 0;
    out->len += groups * 8;
    return WAMP_OK;
}

static int b32val(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a';
    if (c >= '2' && c <= '7') return c - '2' + 26;
    return -1;
}

WAMP_API int wamp_base32_decode(wamp_str text, wamp_buf *out)
{
    if (!out || (!text.ptr && text.len)) return WAMP_EINVAL;
    size_t n = text.len;
    while (n > 0 && text.ptr[n - 1] == '=')
        n--;
    if (text.len - n > 6) return WAMP_EINVAL;
    /* a trailing group of 1, 3 or 6 characters cannot come from whole bytes */
    size_t rem = n % 8;
    if (rem == 1 || rem == 3 || rem == 6) return WAMP_EINVAL;
    if (text.len != n && text.len % 8 != 0) return WAMP_EINVAL;
    int rc = wamp_buf_reserve(out, n * 5 / 8 + 1);
    if (rc) return rc;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b32val(text.ptr[i]);
        if (v < 0) return WAMP_EINVAL;
        acc = (acc << 5 | (uint32_t)v) & 0xFFFF;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            out->data[out->len++] = (uint8_t)(acc >> bits);
        }
    }
    return WAMP_OK;
}

/* ---------------------------------------------------------------- TOTP (RFC 6238) */

WAMP_API int wamp_auth_compute_totp(wamp_str secret, int64_t unix_time, int offset, char out[7])
{
    wamp_buf key = {0};
    if (!out) return WAMP_EINVAL;
    int rc = wamp_base32_decode(secret, &key);
    if (rc == WAMP_OK && key.len == 0) rc = WAMP_EINVAL;
    if (rc) {
        wamp_buf_free(&key);
        return rc;
    }
    /* floor division, as Python's //; bounded so nothing below can overflow */
    if (unix_time < -(INT64_MAX / 4) || unix_time > INT64_MAX / 4 || offset < -1000000 ||
        offset > 1000000) {
        sodium_memzero(key.data, key.len);
        wamp_buf_free(&key);
        return WAMP_ERANGE;
    }
    int64_t step = unix_time >= 0 ? unix_time / 30 : -((-unix_time + 29) / 30);
    uint64_t counter = (uint64_t)(step + offset);
    uint8_t msg[8], mac[EVP_MAX_MD_SIZE];
    unsigned maclen = 0;
    for (int i = 0; i < 8; i++)
        msg[i] = (uint8_t)(counter >> (56 - 8 * i));
    if (!HMAC(EVP_sha1(), key.data, (int)key.len, msg, sizeof msg, mac, &maclen) || maclen != 20) {
        sodium_memzero(key.data, key.len);
        wamp_buf_free(&key);
        return WAMP_ECRYPTO;
    }
    sodium_memzero(key.data, key.len);
    wamp_buf_free(&key);
    unsigned o = mac[19] & 15;
    uint32_t code = ((uint32_t)mac[o] << 24 | (uint32_t)mac[o + 1] << 16 |
                     (uint32_t)mac[o + 2] << 8 | mac[o + 3]) &
                    0x7fffffff;
    snprintf(out, 7, "%06u", code % 1000000);
    return WAMP_OK;
}

WAMP_API int wamp_auth_check_totp(wamp_str secret, wamp_str code, int64_t unix_time)
{
    static const int offsets[3] = {0, 1, -1};
    bool ok = false;
    for (int i = 0; i < 3; i++) {
        char expect[7];
        int rc = wamp_auth_compute_totp(secret, unix_time, offsets[i], expect);
        if (rc) return rc;
        /* constant time over the 6 digits; the length itself is not secret */
        if (code.len == 6 && code.ptr && wamp__crypto_eq(expect, code.ptr, 6)) ok = true;
    }
    return ok ? WAMP_OK : WAMP_EAUTH;
}

WAMP_API int wamp_auth_generate_totp_secret(size_t length, wamp_buf *out)
{
    uint8_t raw[1024];
    if (length == 0) length = 10;
    if (length > sizeof raw || !out) return WAMP_EINVAL;
    if (wamp__crypto_init()) return WAMP_ECRYPTO;
    randombytes_buf(raw, length);
    int rc = wamp_base32_encode(raw, length, out);
    sodium_memzero(raw, sizeof raw);
    return rc;
}

/* ---------------------------------------------------------------- timestamps */

WAMP_API int wamp_auth_format_timestamp(int64_t ms, char out[32])
{
    if (!out) return WAMP_EINVAL;
    if (ms < -(INT64_MAX / 4) || ms > INT64_MAX / 4) return WAMP_ERANGE;
    int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    int milli = (int)(ms - secs * 1000);
    time_t t = (time_t)secs;
    struct tm tm;
    if (!gmtime_r(&t, &tm)) return WAMP_ERANGE;
    if (tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0) return WAMP_ERANGE;
    char text[96];
    int n = snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, milli);
    if (n < 0 || n >= 32) return WAMP_ERANGE;
    memcpy(out, text, (size_t)n + 1);
    return WAMP_OK;
}

/* ---------------------------------------------------------------- SCRAM credentials */

WAMP_API int wamp_auth_scram_credential(const char *method, const char *kdf, wamp_str password,
                                        const uint8_t *salt, size_t salt_len, uint32_t iterations,
                                        uint32_t memory, wamp_scram_credential *cred)
{
    if (!method || !kdf || !cred || (!salt && salt_len) || salt_len > sizeof cred->salt)
        return WAMP_EINVAL;
    wamp_str m = wamp_str_c(method);
    if (!wamp_str_eqc(m, "scram") && !wamp_str_eqc(m, "wamp-scram")) return WAMP_EUNSUPPORTED;
    bool ab = wamp__scram_is_autobahn(m);
    wamp__scram_kdf k = wamp__scram_kdf_parse(wamp_str_c(kdf));
    if (k == WAMP__KDF_NONE) return WAMP_EUNSUPPORTED;
    if (wamp__crypto_init()) return WAMP_ECRYPTO;
    memset(cred, 0, sizeof *cred);
    snprintf(cred->kdf, sizeof cred->kdf, "%s",
             k == WAMP__KDF_PBKDF2 ? "pbkdf2"
             : ab                  ? "argon2id-13"
                                   : "argon2id13");
    cred->iterations = iterations;
    cred->memory = k == WAMP__KDF_PBKDF2 ? 0 : memory;
    if (salt_len) memcpy(cred->salt, salt, salt_len);
    cred->salt_len = salt_len;
    /* the salt text a router sends: base64 of the raw salt */
    char salt_text[2 * sizeof cred->salt];
    wamp__crypto_b64_to(salt_text, cred->salt, salt_len);
    wamp__scram_salted sp;
    int rc = wamp__scram_salted_password(ab, k, password, cred->salt, salt_len, salt_text,
                                         strlen(salt_text), iterations, memory, &sp);
    if (rc) return rc;
    wamp__scram_keys(&sp, NULL, cred->stored_key, cred->server_key);
    sodium_memzero(&sp, sizeof sp);
    return WAMP_OK;
}

WAMP_API int wamp_auth_derive_scram_credential(wamp_str email, wamp_str password,
                                               const uint8_t *salt16, wamp_scram_credential *cred)
{
    uint8_t salt[32];
    if (wamp__crypto_init()) return WAMP_ECRYPTO;
    if ((!email.ptr && email.len) || !cred) return WAMP_EINVAL;
    if (salt16)
        memcpy(salt, salt16, 16);
    else
        wamp__crypto_sha256(salt, email.ptr ? email.ptr : "", email.len);
    return wamp_auth_scram_credential("scram", "argon2id-13", password, salt, 16, 4096, 512, cred);
}

WAMP_API int wamp_scram_credential_to_value(const wamp_scram_credential *cred, wamp_arena *a,
                                            wamp_value *out)
{
    char salt[2 * sizeof cred->salt + 1], sk[65], svk[65];
    if (!cred || !a || !out || cred->salt_len > sizeof cred->salt) return WAMP_EINVAL;
    wamp__crypto_hex(salt, cred->salt, cred->salt_len);
    wamp__crypto_hex(sk, cred->stored_key, 32);
    wamp__crypto_hex(svk, cred->server_key, 32);
    wamp_value d = wamp_value_dict();
    int rc = wamp_value_dict_setc(a, &d, "kdf", wamp_value_cstring(a, cred->kdf));
    if (!rc) rc = wamp_value_dict_setc(a, &d, "memory", wamp_value_int(cred->memory));
    if (!rc) rc = wamp_value_dict_setc(a, &d, "iterations", wamp_value_int(cred->iterations));
    if (!rc) rc = wamp_value_dict_setc(a, &d, "salt", wamp_value_cstring(a, salt));
    if (!rc) rc = wamp_value_dict_setc(a, &d, "stored-key", wamp_value_cstring(a, sk));
    if (!rc) rc = wamp_value_dict_setc(a, &d, "server-key", wamp_value_cstring(a, svk));
    for (size_t i = 0; !rc && i < wamp_value_count(&d); i++)
        if (wamp_value_is_null(&wamp_value_dict_entry(&d, i)->value)) rc = WAMP_ENOMEM;
    if (rc) return rc;
    *out = d;
    return WAMP_OK;
}

WAMP_API int wamp_scram_credential_to_json(const wamp_scram_credential *cred, wamp_buf *out)
{
    char salt[2 * sizeof cred->salt + 1], sk[65], svk[65], text[512];
    if (!cred || !out || cred->salt_len > sizeof cred->salt) return WAMP_EINVAL;
    wamp__crypto_hex(salt, cred->salt, cred->salt_len);
    wamp__crypto_hex(sk, cred->stored_key, 32);
    wamp__crypto_hex(svk, cred->server_key, 32);
    /* every field is hex, digits or a fixed ASCII name: no JSON escaping is needed */
    int n = snprintf(text, sizeof text,
                     "{\"kdf\": \"%s\", \"memory\": %u, \"iterations\": %u, \"salt\": \"%s\", "
                     "\"stored-key\": \"%s\", \"server-key\": \"%s\"}",
                     cred->kdf, cred->memory, cred->iterations, salt, sk, svk);
    if (n < 0 || (size_t)n >= sizeof text) return WAMP_ERANGE;
    int rc = wamp_buf_reserve(out, (size_t)n + 1);
    if (rc) return rc;
    memcpy(out->data + out->len, text, (size_t)n + 1);
    out->len += (size_t)n;
    return WAMP_OK;
}

static int get_hex_field(const wamp_value *d, const char *key, uint8_t *out, size_t cap,
                         size_t *outlen)
{
    wamp_str s;
    const wamp_value *v = wamp_value_dict_getc(d, key);
    if (!v || !wamp_value_get_string(v, &s) || s.len % 2 || s.len / 2 > cap) return WAMP_EINVAL;
    *outlen = s.len / 2;
    return wamp__crypto_unhex(out, s.len / 2, s.ptr, s.len);
}

static int get_u32_field(const wamp_value *d, const char *key, uint32_t *out, bool required)
{
    int64_t i;
    const wamp_value *v = wamp_value_dict_getc(d, key);
    if (!v || wamp_value_is_null(v)) {
        *out = 0;
        return required ? WAMP_EINVAL : WAMP_OK;
    }
    if (!wamp_value_get_int(v, &i) || i < 0 || i > UINT32_MAX) return WAMP_EINVAL;
    *out = (uint32_t)i;
    return WAMP_OK;
}

WAMP_API int wamp_scram_credential_from_value(const wamp_value *dict, wamp_scram_credential *cred)
{
    wamp_str kdf;
    size_t n = 0;
    wamp_scram_credential c;
    memset(&c, 0, sizeof c);
    if (!dict || !cred || wamp_value_type_of(dict) != WAMP_VALUE_DICT) return WAMP_EINVAL;
    const wamp_value *kv = wamp_value_dict_getc(dict, "kdf");
    if (!kv || !wamp_value_get_string(kv, &kdf) || kdf.len >= sizeof c.kdf) return WAMP_EINVAL;
    wamp__scram_kdf k = wamp__scram_kdf_parse(kdf);
    if (k == WAMP__KDF_NONE) return WAMP_EUNSUPPORTED;
    memcpy(c.kdf, kdf.ptr, kdf.len);
    int rc = get_u32_field(dict, "iterations", &c.iterations, true);
    if (!rc) rc = get_u32_field(dict, "memory", &c.memory, k != WAMP__KDF_PBKDF2);
    if (!rc) rc = get_hex_field(dict, "salt", c.salt, sizeof c.salt, &c.salt_len);
    if (!rc) rc = get_hex_field(dict, "stored-key", c.stored_key, 32, &n);
    if (!rc && n != 32) rc = WAMP_EINVAL;
    if (!rc) rc = get_hex_field(dict, "server-key", c.server_key, 32, &n);
    if (!rc && n != 32) rc = WAMP_EINVAL;
    if (!rc) *cred = c;
    sodium_memzero(&c, sizeof c);
    return rc;
}
