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
/* Argon2's shortest salt (RFC 9106 §3.1: 8 bytes) */
#define WAMP__ARGON2_MIN_SALT 8u

wamp__scram_kdf wamp__scram_kdf_parse(wamp_str name);
/* true for "scram" (Autobahn flavour), false for "wamp-scram". */
bool wamp__scram_is_autobahn(wamp_str method);

/* Argon2id v1.3 (RFC 9106) inputs: password P, salt S (at least 8 bytes), optional secret K and
 * associated data X (NULL/0 when absent), passes t >= 1, memory m in KiB (>= 8 * lanes),
 * lanes p (1 .. 2^24-1). */
typedef struct wamp__argon2id_input {
    const void *password;
    size_t password_len;
    const void *salt;
    size_t salt_len;
    const void *secret;
    size_t secret_len;
    const void *ad;
    size_t ad_len;
    uint32_t passes;
    uint32_t memory_kib;
    uint32_t lanes;
} wamp__argon2id_input;

/* The one Argon2id of the auth layer (libargon2's argon2_ctx): writes the out_len-byte tag
 * (4 .. 2^32-1) to out. Returns WAMP_OK; WAMP_EINVAL (a parameter outside Argon2's ranges:
 * salt shorter than 8 bytes, memory below 8 KiB per lane, no lanes, ...); WAMP_ENOMEM;
 * WAMP_ECRYPTO. Bounding peer-chosen costs is the caller's job. */
int wamp__auth_argon2id(const wamp__argon2id_input *in, uint8_t *out, size_t out_len);

/* Computes SaltedPassword. salt_raw is the decoded salt (argon2: 8 bytes or more, else
 * WAMP_ERANGE), salt_text the CHALLENGE.salt text (the Autobahn PBKDF2 path uses it
 * undecoded). */
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
