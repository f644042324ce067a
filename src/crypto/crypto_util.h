/* Internal helpers of the security layers (auth, crypto): hex, base64, HMAC, SHA-256, XOR,
 * thin wrappers over libsodium and OpenSSL so the rest of the code reads plainly. */
#ifndef WAMP_CRYPTO_UTIL_H
#define WAMP_CRYPTO_UTIL_H

#include <wamp/common.h>

/* Lower-case hex of n bytes into out (2n chars + NUL). */
void wamp__crypto_hex(char *out, const uint8_t *in, size_t n);
/* Decodes exactly n bytes from hex text of exactly 2n chars (either case). WAMP_OK or
 * WAMP_EINVAL. */
int wamp__crypto_unhex(uint8_t *out, size_t n, const char *hex, size_t hexlen);
/* Standard base64 with padding of n bytes appended to buf (+ NUL, not counted in len). */
int wamp__crypto_b64(wamp_buf *buf, const uint8_t *in, size_t n);
/* Size of the base64 text of n bytes including NUL. */
size_t wamp__crypto_b64_size(size_t n);
/* Standard base64 with padding into out (size wamp__crypto_b64_size(n)). */
void wamp__crypto_b64_to(char *out, const uint8_t *in, size_t n);
/* Strict standard base64 (padding required) decode into out (cap bytes); *outlen receives the
 * length. WAMP_OK or WAMP_EBASE64 (bad text or more than cap bytes). */
int wamp__crypto_unb64(uint8_t *out, size_t cap, size_t *outlen, const char *b64, size_t len);
/* HMAC-SHA256 with any key length. */
void wamp__crypto_hmac256(uint8_t out[32], const void *key, size_t keylen, const void *msg,
                          size_t msglen);
void wamp__crypto_sha256(uint8_t out[32], const void *msg, size_t len);
/* Constant-time equality of n bytes. */
bool wamp__crypto_eq(const void *a, const void *b, size_t n);
/* Initialises libsodium once (thread-safe in libsodium). WAMP_OK or WAMP_ECRYPTO. */
int wamp__crypto_init(void);

#endif
