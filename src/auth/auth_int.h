/* Internals shared by the client and router sides of authentication (SCRAM arithmetic). */
#ifndef WAMP_AUTH_INT_H
#define WAMP_AUTH_INT_H

#include <wamp/auth.h>

typedef enum wamp__scram_kdf {
    WAMP__KDF_NONE = 0,
    WAMP__KDF_ARGON2ID13, /* "argon2id-13" (Autobahn) or "argon2id13" (spec) */
    WAMP__KDF_PBKDF2,
} wamp__scram_kdf;

/* SaltedPassword: raw 32 bytes, or (Autobahn argon2) the 43-char unpadded base64 text. */
typedef struct wamp__scram_salted {
    uint8_t data[64];
    size_t len;
} wamp__scram_salted;

/* Limits on peer-chosen SCRAM costs so a hostile router cannot make us burn CPU or RAM. */
#define WAMP__SCRAM_MAX_ITERATIONS 10000000u
#define WAMP__SCRAM_MAX_MEMORY     (1024u * 1024u) /* KiB: 1 GiB */

wamp__scram_kdf wamp__scram_kdf_parse(wamp_str name);
/* true for "scram" (Autobahn flavour), false for "wamp-scram". */
bool wamp__scram_is_autobahn(wamp_str method);

/* Computes SaltedPassword. salt_raw is the decoded salt (argon2 needs 16 bytes), salt_text the
 * CHALLENGE.salt text (the Autobahn PBKDF2 path uses it undecoded). */
int wamp__scram_salted_password(bool autobahn, wamp__scram_kdf kdf, wamp_str password,
                                const uint8_t *salt_raw, size_t salt_raw_len, const char *salt_text,
                                size_t salt_text_len, uint32_t iterations, uint32_t memory,
                                wamp__scram_salted *out);
/* ClientKey, StoredKey, ServerKey from SaltedPassword (client_key may be NULL). */
void wamp__scram_keys(const wamp__scram_salted *sp, uint8_t client_key[32], uint8_t stored_key[32],
                      uint8_t server_key[32]);
/* AuthMessage of either flavour, appended to out. cbind_type NULL: no binding. */
int wamp__scram_auth_message(bool autobahn, wamp_buf *out, wamp_str authid, wamp_str client_nonce,
                             wamp_str nonce, wamp_str salt_b64, uint32_t iterations,
                             wamp_str cbind_type, const uint8_t *cbind, size_t cbind_len);

#endif
