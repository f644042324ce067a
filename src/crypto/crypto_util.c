#include "crypto/crypto_util.h"

#include <sodium.h>
#include <string.h>

void wamp__crypto_hex(char *out, const uint8_t *in, size_t n)
{
    sodium_bin2hex(out, 2 * n + 1, in, n);
}

int wamp__crypto_unhex(uint8_t *out, size_t n, const char *hex, size_t hexlen)
{
    size_t got = 0;
    const char *end = NULL;
    if (hexlen != 2 * n) return WAMP_EINVAL;
    if (sodium_hex2bin(out, n, hex, hexlen, NULL, &got, &end) != 0 || got != n ||
        end != hex + hexlen)
        return WAMP_EINVAL;
    return WAMP_OK;
}

size_t wamp__crypto_b64_size(size_t n)
{
    return sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
}

void wamp__crypto_b64_to(char *out, const uint8_t *in, size_t n)
{
    sodium_bin2base64(out, wamp__crypto_b64_size(n), in, n, sodium_base64_VARIANT_ORIGINAL);
}

int wamp__crypto_b64(wamp_buf *buf, const uint8_t *in, size_t n)
{
    size_t sz = wamp__crypto_b64_size(n);
    int rc = wamp_buf_reserve(buf, sz);
    if (rc) return rc;
    wamp__crypto_b64_to((char *)buf->data + buf->len, in, n);
    buf->len += sz - 1;
    return WAMP_OK;
}

int wamp__crypto_unb64(uint8_t *out, size_t cap, size_t *outlen, const char *b64, size_t len)
{
    const char *end = NULL;
    size_t got = 0;
    if (len % 4 != 0) return WAMP_EBASE64;
    if (sodium_base642bin(out, cap, b64, len, NULL, &got, &end, sodium_base64_VARIANT_ORIGINAL) !=
            0 ||
        end != b64 + len)
        return WAMP_EBASE64;
    *outlen = got;
    return WAMP_OK;
}

void wamp__crypto_hmac256(uint8_t out[32], const void *key, size_t keylen, const void *msg,
                          size_t msglen)
{
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, keylen);
    crypto_auth_hmacsha256_update(&st, msg, msglen);
    crypto_auth_hmacsha256_final(&st, out);
    sodium_memzero(&st, sizeof st);
}

void wamp__crypto_sha256(uint8_t out[32], const void *msg, size_t len)
{
    crypto_hash_sha256(out, msg, len);
}

bool wamp__crypto_eq(const void *a, const void *b, size_t n)
{
    return sodium_memcmp(a, b, n) == 0;
}

int wamp__crypto_init(void)
{
    return sodium_init() < 0 ? WAMP_ECRYPTO : WAMP_OK;
}
