/*
 * libwamp — WAMP authentication: helpers, client authenticators and the router's side.
 *
 * Everything here is sans-I/O: no sockets, no clocks, no threads. Where time matters (TOTP,
 * the WAMP-CRA challenge timestamp) the caller passes it in. Randomness comes from libsodium's
 * randombytes. Secrets are wiped (sodium_memzero) when the objects holding them are freed.
 *
 * Methods (authmethod strings):
 *   "anonymous"   no challenge.
 *   "ticket"      the secret (ticket, password or token) is sent as the signature.
 *   "wampcra"     HMAC-SHA256 over the router's challenge JSON text; salted variant derives the
 *                 key with PBKDF2-HMAC-SHA256 first (Autobahn's derive_key()).
 *   "cryptosign"  Ed25519 signature over a 32-byte router challenge, optionally XORed with the
 *                 TLS channel id ("tls-unique") — see cryptosign.h for keys.
 *   "wamp-scram"  SCRAM-SHA-256 as written in the WAMP specification (RFC 5802/7677 adapted).
 *   "scram"       SCRAM as Autobahn|Python and Crossbar.io implement it (see below).
 *   "totp"        (router side) a 6-digit RFC 6238 code sent as the signature; the client side is
 *                 ticket-like: configure the code the user typed as the secret.
 *
 * The two SCRAM flavours (selected by the method name)
 * ----------------------------------------------------
 *                       "wamp-scram" (spec)             "scram" (Autobahn/Crossbar)
 *   kdf names           "argon2id13", "pbkdf2"          "argon2id-13", "pbkdf2"
 *   SaltedPassword      raw 32-byte KDF output          argon2: the unpadded base64 TEXT of the
 *                                                       32-byte tag (43 chars); pbkdf2: raw bytes
 *   KDF salt            base64-decoded CHALLENGE.salt   argon2: base64-decoded; pbkdf2: the salt
 *                                                       string's bytes as sent (not decoded)
 *   client-first-bare   n=<authid, "=2C"/"=3D" escaped> n=<authid unescaped>,r=<client nonce>
 *   client-final c=     base64(gs2 header [+ cbind])    c=<channel_binding or "">
 *                       ("biws" without binding)
 *   nonce check         CHALLENGE.nonce must start      not checked (Autobahn does not)
 *                       with the client nonce
 *   AUTHENTICATE.extra  nonce, channel_binding,         {}
 *                       cbind_data
 *   server signature    WELCOME.authextra.verifier      WELCOME.authextra.scram_server_signature
 * Neither flavour applies SASLprep: authid and password are used as the UTF-8 bytes given
 * (identical for ASCII, which is what Autobahn's saslprep() leaves unchanged).
 *
 * Argon2id (v1.3, RFC 9106) comes from the Argon2 reference implementation (libargon2, the library
 * argon2-cffi and so Autobahn use): parallelism 1 (what both flavours require), any salt of
 * 8 bytes or more (shorter: WAMP_ERANGE), memory 8 KiB .. 1 GiB, 32-byte tag.
 */
#ifndef WAMP_AUTH_H
#define WAMP_AUTH_H

#include "common.h"
#include "value.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ================================================================ helpers (autobahn.wamp.auth) */

/* Hash functions for wamp_pbkdf2(); 0 is SHA-256, Autobahn's default. */
typedef enum wamp_hash {
    WAMP_HASH_SHA256 = 0,
    WAMP_HASH_SHA1 = 1,
    WAMP_HASH_SHA512 = 2,
} wamp_hash;

/*
 * PBKDF2-HMAC (RFC 8018) of data with salt: writes keylen bytes to out.
 * iterations and keylen must be >= 1. Returns WAMP_OK, WAMP_EINVAL or WAMP_ECRYPTO.
 */
WAMP_API int wamp_pbkdf2(wamp_hash hash, const void *data, size_t datalen, const void *salt,
                         size_t saltlen, uint32_t iterations, uint8_t *out, size_t keylen);

/*
 * Autobahn's derive_key(): base64(PBKDF2-HMAC-SHA256(secret, salt, iterations, keylen)) with
 * padding and no newline, NUL-terminated, appended to out. iterations 0 means 1000 and
 * keylen 0 means 32 (Autobahn's defaults); keylen is limited to 1024.
 * Returns WAMP_OK, WAMP_EINVAL, WAMP_ENOMEM or WAMP_ECRYPTO.
 */
WAMP_API int wamp_auth_derive_key(wamp_str secret, wamp_str salt, uint32_t iterations,
                                  uint32_t keylen, wamp_buf *out);

/* Length of a WAMP-CRA signature: base64 of 32 bytes, plus the NUL. */
#define WAMP_AUTH_WCS_SIZE 45

/*
 * Autobahn's compute_wcs(): base64(HMAC-SHA256(key, challenge)) into out (44 chars + NUL).
 * The key is used as given (for salted WAMP-CRA pass the derive_key() text).
 */
WAMP_API int wamp_auth_compute_wcs(wamp_str key, wamp_str challenge, char out[WAMP_AUTH_WCS_SIZE]);

/*
 * Autobahn's generate_wcs(): length random characters from [A-Za-z0-9] (uniform, rejection
 * sampled from libsodium's CSPRNG) written to out, which must hold length + 1 bytes.
 */
WAMP_API int wamp_auth_generate_wcs(size_t length, char *out);

/*
 * Autobahn's generate_totp_secret(): Base32 (RFC 4648, upper case) of length random bytes,
 * NUL-terminated, appended to out. length 0 means 10 (16 characters). Returns WAMP_OK,
 * WAMP_EINVAL (length > 1024) or WAMP_ENOMEM.
 */
WAMP_API int wamp_auth_generate_totp_secret(size_t length, wamp_buf *out);

/*
 * RFC 6238 TOTP (HMAC-SHA1, 30 s step, 6 digits) as Autobahn's compute_totp(): secret is
 * Base32 (upper or lower case, '=' padding optional), unix_time the current time in seconds
 * (the library has no clock), offset a number of steps added (-1, 0, +1). Writes 6 digits +
 * NUL. Returns WAMP_OK, WAMP_EINVAL (bad Base32 or empty secret) or WAMP_ECRYPTO.
 */
WAMP_API int wamp_auth_compute_totp(wamp_str secret, int64_t unix_time, int offset, char out[7]);

/*
 * Autobahn's check_totp(): WAMP_OK when code equals the TOTP at unix_time for offsets 0, +1 or
 * -1 (compared in constant time), WAMP_EAUTH when it does not, WAMP_EINVAL for a bad secret.
 */
WAMP_API int wamp_auth_check_totp(wamp_str secret, wamp_str code, int64_t unix_time);

/* RFC 4648 Base32 helpers (no library offers Base32). encode appends upper case text with '='
 * padding and a NUL; decode accepts either case and optional padding, appends bytes. */
WAMP_API int wamp_base32_encode(const void *data, size_t len, wamp_buf *out);
WAMP_API int wamp_base32_decode(wamp_str text, wamp_buf *out);

/* A SCRAM credential as stored by a router (Crossbar's config.json "principals" entry). */
typedef struct wamp_scram_credential {
    char kdf[16];        /* "argon2id-13", "argon2id13" or "pbkdf2" */
    uint32_t iterations; /* time cost or PBKDF2 iterations */
    uint32_t memory;     /* KiB, argon2 only */
    uint8_t salt[64];    /* raw salt */
    size_t salt_len;
    uint8_t stored_key[32];
    uint8_t server_key[32];
} wamp_scram_credential;

/*
 * Autobahn's derive_scram_credential(): Argon2id v1.3, t=4096, m=512 KiB, p=1, 32-byte tag;
 * salt = SHA-256(email)[0..16) when salt is NULL (else 16 bytes given); SaltedPassword is
 * the unpadded base64 text of the tag (Autobahn flavour). Fills *cred (kdf "argon2id-13").
 */
WAMP_API int wamp_auth_derive_scram_credential(wamp_str email, wamp_str password,
                                               const uint8_t *salt16, wamp_scram_credential *cred);
/*
 * Same, for any flavour and parameters: method "scram" (Autobahn flavour) or "wamp-scram"
 * (spec flavour) decides how SaltedPassword is formed (see the table above); kdf is
 * "argon2id-13" / "argon2id13" (either name in either flavour; memory in KiB) or "pbkdf2";
 * the salt is raw bytes (sent base64-encoded in CHALLENGE.salt), up to 64 bytes (Argon2: at
 * least 8). The credential then verifies that flavour's proofs. cred->kdf receives the
 * flavour's canonical name. Returns WAMP_OK; WAMP_EINVAL (NULL argument, salt over 64 bytes);
 * WAMP_EUNSUPPORTED (unknown method or kdf); WAMP_ERANGE (iterations 0 or over 10 million,
 * Argon2 memory outside 8 KiB .. 1 GiB, Argon2 salt under 8 bytes); WAMP_ENOMEM; WAMP_ECRYPTO.
 */
WAMP_API int wamp_auth_scram_credential(const char *method, const char *kdf, wamp_str password,
                                        const uint8_t *salt, size_t salt_len, uint32_t iterations,
                                        uint32_t memory, wamp_scram_credential *cred);
/*
 * The credential as the dict Autobahn returns: kdf, memory, iterations, salt (hex),
 * stored-key (hex), server-key (hex), in that order, built in arena a.
 */
WAMP_API int wamp_scram_credential_to_value(const wamp_scram_credential *cred, wamp_arena *a,
                                            wamp_value *out);
/* The same as JSON text (Python json.dumps() layout: ", " and ": "), appended + NUL. */
WAMP_API int wamp_scram_credential_to_json(const wamp_scram_credential *cred, wamp_buf *out);
/* Reads a credential dict (hex salt/keys as above; "memory" optional for pbkdf2). */
WAMP_API int wamp_scram_credential_from_value(const wamp_value *dict, wamp_scram_credential *cred);

/* ================================================================ client authenticators */

typedef struct wamp_authenticator wamp_authenticator;
struct wamp_cryptosign_key;

/*
 * Configuration of a client authenticator (Autobahn's create_authenticator(name, **kwargs)).
 * Zero-initialise; every pointer is borrowed only during wamp_authenticator_new() (all of it is
 * copied). Which fields matter depends on the method:
 *   anonymous:   authid, authrole, authextra
 *   ticket/totp: + secret (the ticket; required)
 *   wampcra:     + authid (required), secret (required)
 *   scram, wamp-scram: + authid (required), secret (the password; required), client_nonce
 *                (base64 text; NULL: 16 random bytes), channel_binding (wamp-scram only)
 *   cryptosign:  + key (a signing key) or privkey_hex (64 hex chars seed); channel_binding
 *                ("tls-unique", "tls-exporter" or NULL; may also come as
 *                authextra.channel_binding; the channel id must then be 32 bytes).
 * authextra (a dict or NULL) is deep-copied and sent in HELLO; methods add their own keys
 * (cryptosign: pubkey and channel_binding; scram: nonce, channel_binding).
 */
typedef struct wamp_auth_config {
    const char *authid;
    const char *authrole;
    const wamp_value *authextra;
    const char *secret;
    size_t secret_len; /* 0: strlen(secret) */
    const struct wamp_cryptosign_key *key;
    const char *privkey_hex;
    const char *channel_binding;
    const char *client_nonce;
} wamp_auth_config;

/*
 * Creates an authenticator for method (see the list at the top). Returns WAMP_OK,
 * WAMP_EUNSUPPORTED (unknown method), WAMP_EINVAL (missing or bad configuration: e.g. no
 * secret, a pubkey in authextra that does not match the key), WAMP_ENOMEM.
 * Free with wamp_authenticator_free().
 */
WAMP_API int wamp_authenticator_new(const char *method, const wamp_auth_config *cfg,
                                    wamp_authenticator **out);
/* Frees the authenticator and wipes its secrets. NULL is a no-op. */
WAMP_API void wamp_authenticator_free(wamp_authenticator *auth);
/* The method name it was created with. */
WAMP_API const char *wamp_authenticator_method(const wamp_authenticator *auth);

/*
 * Sets the TLS channel id (e.g. the 32-byte tls-unique value) once the transport knows it.
 * type is the binding name ("tls-unique"). Used by cryptosign and wamp-scram when a channel
 * binding was configured. Returns WAMP_OK, WAMP_EINVAL (len > 64).
 */
WAMP_API int wamp_authenticator_set_channel_id(wamp_authenticator *auth, const char *type,
                                               const uint8_t *id, size_t len);

/*
 * Adds this authenticator's HELLO.Details entries to details (a dict, built in arena a):
 * authmethods ([method]), authid and authrole when configured, authextra (the configured
 * dict merged with the method's keys). Call once per session attempt (it fixes the SCRAM
 * client nonce). Returns WAMP_OK, WAMP_EINVAL (details not a dict), WAMP_ENOMEM.
 */
WAMP_API int wamp_authenticator_hello(wamp_authenticator *auth, wamp_arena *a, wamp_value *details);

/*
 * Answers a CHALLENGE: method is CHALLENGE.AuthMethod, extra its Extra dict. On success
 * *signature is the string to send in AUTHENTICATE.Signature and *extra_out the dict for
 * AUTHENTICATE.Extra (both in arena a). Returns WAMP_OK; WAMP_EAUTH when the challenge does
 * not fit (other method, anonymous challenged, missing or malformed fields, SCRAM nonce not
 * extending ours, cryptosign binding requested but no channel id, SCRAM costs or an Argon2 salt
 * out of range); WAMP_EUNSUPPORTED (unknown kdf); WAMP_ENOMEM; WAMP_ECRYPTO.
 */
WAMP_API int wamp_authenticator_on_challenge(wamp_authenticator *auth, wamp_str method,
                                             const wamp_value *extra, wamp_arena *a,
                                             wamp_value *signature, wamp_value *extra_out);

/*
 * Checks WELCOME.Details.authextra (may be NULL). SCRAM verifies the server signature
 * (constant time) and returns WAMP_ESIGNATURE on mismatch or absence, WAMP_ESTATE when no
 * challenge was answered; the other methods return WAMP_OK.
 */
WAMP_API int wamp_authenticator_on_welcome(wamp_authenticator *auth, const wamp_value *authextra);

/* ================================================================ router side */

/* The parts of HELLO.Details authentication looks at (Autobahn's HelloDetails). Borrowed. */
typedef struct wamp_auth_hello {
    wamp_str realm;
    const wamp_value *authmethods; /* list of strings or NULL */
    wamp_str authid;               /* ptr NULL: absent */
    wamp_str authrole;             /* ptr NULL: absent */
    const wamp_value *authextra;   /* dict or NULL */
    uint64_t session;              /* the session id the client will get (pending_session) */
} wamp_auth_hello;

/* WELCOME data on success (Autobahn's Accept). Strings point into the result's arena or
 * into the pending object (live until it is freed). */
typedef struct wamp_auth_accept {
    const char *realm;
    const char *authid;
    const char *authrole;
    const char *authmethod;
    const char *authprovider;
    wamp_value authextra; /* dict (maybe empty): goes into WELCOME.Details.authextra */
} wamp_auth_accept;

/* ABORT data on failure (Autobahn's Deny). reason is a static URI. */
typedef struct wamp_auth_deny {
    const char *reason;  /* e.g. "wamp.error.not_authorized" */
    const char *message; /* static English text */
} wamp_auth_deny;

/* A CHALLENGE to send (Autobahn's Challenge). */
typedef struct wamp_auth_challenge {
    const char *method;
    wamp_value extra; /* dict in the result's arena */
} wamp_auth_challenge;

typedef enum wamp_auth_outcome_kind {
    WAMP_AUTH_CHALLENGE = 1,
    WAMP_AUTH_ACCEPT = 2,
    WAMP_AUTH_DENY = 3,
} wamp_auth_outcome_kind;

typedef struct wamp_auth_outcome {
    wamp_auth_outcome_kind kind;
    wamp_auth_challenge challenge;
    wamp_auth_accept accept;
    wamp_auth_deny deny;
} wamp_auth_outcome;

/* Verifies a ticket for authid: return WAMP_OK to accept, anything else to deny. */
typedef int (*wamp_auth_ticket_cb)(void *user, wamp_str authid, wamp_str ticket);

/*
 * What the router knows about the principal the client claims (looked up by the router from
 * its static configuration or a dynamic authenticator). Borrowed for the duration of
 * wamp_auth_pending_hello(); everything needed later is copied.
 */
typedef struct wamp_auth_principal {
    const char *authid;       /* NULL: take HELLO's authid (cryptosign: hex pubkey when absent) */
    const char *authrole;     /* required */
    const char *authprovider; /* NULL: "static" */
    const char *realm;        /* NULL: HELLO's realm; else the realm assigned (Crossbar "realm") */
    const wamp_value *authextra; /* dict for WELCOME.Details.authextra, or NULL */
    /* ticket: a constant-time compare against secret, or the callback when set */
    const char *secret; /* ticket; wampcra: the HMAC key (for salted users the derived
                           key text, as Crossbar stores it) */
    wamp_auth_ticket_cb ticket_verify;
    void *ticket_user;
    /* wampcra salted variant: sent in CHALLENGE.Extra when salt is set */
    const char *salt;
    uint32_t iterations; /* 0: 1000 */
    uint32_t keylen;     /* 0: 32 */
    /* scram / wamp-scram */
    const wamp_scram_credential *scram;
    /* cryptosign: authorized public keys (32 bytes each) */
    const uint8_t (*authorized_keys)[32];
    size_t authorized_count;
    /* totp: Base32 secret */
    const char *totp_secret;
} wamp_auth_principal;

/* Router-side settings of one authentication attempt. Zero-initialise. */
typedef struct wamp_auth_server_config {
    int64_t now_ms;            /* current UTC time in ms (WAMP-CRA timestamp, TOTP) */
    const uint8_t *channel_id; /* TLS channel id (32 bytes tls-unique) or NULL */
    size_t channel_id_len;
    const char *channel_binding; /* its type, "tls-unique" */
    /* cryptosign router authentication: sign HELLO.authextra.challenge with this key
     * (borrowed: it must outlive the pending object) */
    const struct wamp_cryptosign_key *router_key;
    /* scram test hook: fixed server nonce bytes (NULL: 16 random bytes), sent base64-encoded
     * after the client nonce */
    const uint8_t *server_nonce;
    size_t server_nonce_len;
    /* with server_nonce: its bytes are the nonce text itself (printable ASCII without ','):
     * "wamp-scram" appends it verbatim to the client nonce (e.g. RFC 7677's
     * "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"); "wampcra" uses it as the challenge's "nonce" instead of
     * 64 random characters (with a fixed now_ms the challenge is then fixed: tests, benchmarks) */
    bool server_nonce_is_text;
} wamp_auth_server_config;

typedef struct wamp_auth_pending wamp_auth_pending;

/*
 * Starts the router side of one authentication with method (one of the list at the top).
 * cfg is copied (channel id and server nonce included; router_key is borrowed). Returns
 * WAMP_OK, WAMP_EUNSUPPORTED, WAMP_EINVAL (channel id or nonce longer than 64 bytes; a text
 * server nonce for another method than "wamp-scram" or "wampcra", or with a ',' or a byte
 * outside 0x21..0x7e), WAMP_ENOMEM.
 */
WAMP_API int wamp_auth_pending_new(const char *method, const wamp_auth_server_config *cfg,
                                   wamp_auth_pending **out);
/* Frees it and wipes its secrets. NULL is a no-op. */
WAMP_API void wamp_auth_pending_free(wamp_auth_pending *p);

/*
 * Handles HELLO for the principal (NULL: unknown principal -> DENY no_such_principal).
 * *out becomes a CHALLENGE (ticket, wampcra, scram, cryptosign, totp), an ACCEPT (anonymous)
 * or a DENY; values are built in arena a, which must live as long as *out is used.
 * Returns WAMP_OK (see out->kind) or WAMP_ENOMEM / WAMP_EINVAL / WAMP_ESTATE.
 */
WAMP_API int wamp_auth_pending_hello(wamp_auth_pending *p, const wamp_auth_hello *hello,
                                     const wamp_auth_principal *principal, wamp_arena *a,
                                     wamp_auth_outcome *out);

/*
 * Handles AUTHENTICATE (signature and extra): *out becomes ACCEPT or DENY (reason
 * wamp.error.not_authorized for a wrong signature). All comparisons are constant-time.
 * Only one AUTHENTICATE is accepted per pending object (a second gives WAMP_ESTATE).
 */
WAMP_API int wamp_auth_pending_authenticate(wamp_auth_pending *p, wamp_str signature,
                                            const wamp_value *extra, wamp_arena *a,
                                            wamp_auth_outcome *out);

/*
 * Looks the principal up in a Crossbar-style static authentication configuration (the dict of
 * one method under a transport's "auth", e.g. {"type": "static", "principals": {...}}):
 *   anonymous:   {"type": "static", "role": "anonymous"}            (no lookup)
 *   ticket:      principals.<authid>: {"ticket", "role", "realm"?, "extra"?}
 *   totp:        principals.<authid>: {"secret" (Base32), "role", ...}
 *   wampcra:     users.<authid>: {"secret", "role", "salt"?, "iterations"?, "keylen"?}
 *   scram, wamp-scram: principals.<authid>: {"kdf", "iterations", "memory", "salt",
 *                "stored-key", "server-key", "role"} (what derive_scram_credential() prints)
 *   cryptosign:  principals.<authid>: {"authorized_keys": [hex, ...], "role", "realm"?}; found
 *                by HELLO.authextra.pubkey when HELLO has no authid (as Crossbar does)
 * "role" falls back to the config's "default-role". Strings and keys are copied into arena a,
 * which must outlive *out (pass *out to wamp_auth_pending_hello()). Returns WAMP_OK,
 * WAMP_ENOTFOUND (no such principal: deny), WAMP_EUNSUPPORTED (type is not "static", e.g.
 * "dynamic": the router calls its authenticator instead), WAMP_ECONFIG (malformed entry),
 * WAMP_ENOMEM.
 */
WAMP_API int wamp_auth_static_principal(const char *method, const wamp_value *config,
                                        const wamp_auth_hello *hello, wamp_arena *a,
                                        wamp_auth_principal *out);

/* The CHALLENGE.Extra.challenge text of a WAMP-CRA attempt (for tests and logs), or NULL. */
WAMP_API const char *wamp_auth_pending_wampcra_challenge(const wamp_auth_pending *p);

/* Formats a UTC time in ms as Autobahn's utcnow(): "2014-06-22T16:51:41.643Z" (25 bytes). */
WAMP_API int wamp_auth_format_timestamp(int64_t ms, char out[32]);

#ifdef __cplusplus
}
#endif
#endif
