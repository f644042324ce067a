/*
 * libwamp — WAMP-cryptobox end-to-end payload encryption: Autobahn's cryptobox.KeyRing, and the
 * payload codec interface (Autobahn's IPayloadCodec) the session uses for payload transparency.
 *
 * Format (byte-compatible with Autobahn|Python 22.7.1, autobahn/wamp/cryptobox.py):
 *   plaintext = JSON {"uri": <uri>, "args": <list|null>, "kwargs": <dict|null>} (UTF-8; binary
 *               values as the WAMP JSON "\u0000"+base64 strings)
 *   payload   = nonce (24 random bytes) ‖ crypto_box(plaintext) — NaCl's
 *               curve25519-xsalsa20-poly1305 Box (16-byte MAC first), as PyNaCl's Box.encrypt()
 *   message   enc_algo "cryptobox", enc_serializer "json", no enc_key.
 * Boxes: an originator (caller, publisher) encrypts CALL/PUBLISH and decrypts RESULT/ERROR with
 * Box(originator_priv, responder_pub); a responder (callee, subscriber) decrypts INVOCATION/EVENT
 * and encrypts YIELD/ERROR with Box(responder_priv, originator_pub).
 * Key lookup: the key set whose URI is the longest *string prefix* of the URI (Autobahn's
 * StringTrie.longest_prefix_value: "com.app" also matches "com.application.x"), else the
 * default key (set for URI ""), else none (encode: the payload travels in clear).
 * Keys are 32-byte Curve25519 keys in standard base64 (PyNaCl's Base64Encoder).
 */
#ifndef WAMP_CRYPTOBOX_H
#define WAMP_CRYPTOBOX_H

#include "common.h"
#include "value.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Base64 text of a 32-byte key: 44 characters + NUL. */
#define WAMP_CRYPTOBOX_KEY_B64_SIZE 45
/* Hex text of a 32-byte key: 64 characters + NUL. */
#define WAMP_CRYPTOBOX_KEY_HEX_SIZE 65

/* An encoded (encrypted) application payload: the message fields of payload transparency.
 * Borrowed or arena memory as stated by the function that fills it. */
typedef struct wamp_encoded_payload {
    wamp_str payload;        /* the bytes that travel in place of args/kwargs */
    wamp_str enc_algo;       /* "cryptobox" */
    wamp_str enc_serializer; /* "json" */
    wamp_str enc_key;        /* {NULL, 0}: none */
} wamp_encoded_payload;

/*
 * A payload codec (Autobahn's IPayloadCodec), set on a session. Both functions allocate their
 * results in arena a (which must outlive them).
 *  encode(user, is_originating, uri, args, kwargs, a, out, encoded): args (LIST) and kwargs
 *      (DICT) may be NULL. *encoded = false (and WAMP_OK) means "no key for this URI: send the
 *      payload in clear". Errors are passed on to the application.
 *  decode(user, is_originating, uri, in, a, args, kwargs): uri is the URI of the envelope (the
 *      procedure, topic or error URI) and selects the key; *args / *kwargs receive a LIST / DICT
 *      or NULL value. Returns WAMP_OK; WAMP_EDECRYPT (no key, forged or corrupted payload,
 *      malformed plaintext: send/raise wamp.error.encryption.decrypt_error); WAMP_ETRUSTEDURI
 *      (the URI inside the payload is not the envelope's:
 *      wamp.error.encryption.trusted_uri_mismatch); WAMP_EUNSUPPORTED (enc_algo or
 *      enc_serializer not handled: decrypt_error too). wamp_cryptobox_error_uri() maps them.
 */
typedef struct wamp_payload_codec {
    void *user;
    int (*encode)(void *user, bool is_originating, wamp_str uri, const wamp_value *args,
                  const wamp_value *kwargs, wamp_arena *a, wamp_encoded_payload *out,
                  bool *encoded);
    int (*decode)(void *user, bool is_originating, wamp_str uri, const wamp_encoded_payload *in,
                  wamp_arena *a, wamp_value *args, wamp_value *kwargs);
} wamp_payload_codec;

/* The WAMP error URI for a decode error: WAMP_ETRUSTEDURI gives
 * "wamp.error.encryption.trusted_uri_mismatch", every other error
 * "wamp.error.encryption.decrypt_error". */
WAMP_API const char *wamp_cryptobox_error_uri(int err);

/* A new random Curve25519 key pair as base64 (KeyRing.generate_key) or lower-case hex
 * (generate_key_hex) text. WAMP_OK, WAMP_EINVAL, WAMP_ECRYPTO. */
WAMP_API int wamp_cryptobox_generate_key(char priv[WAMP_CRYPTOBOX_KEY_B64_SIZE],
                                         char pub[WAMP_CRYPTOBOX_KEY_B64_SIZE]);
WAMP_API int wamp_cryptobox_generate_key_hex(char priv[WAMP_CRYPTOBOX_KEY_HEX_SIZE],
                                             char pub[WAMP_CRYPTOBOX_KEY_HEX_SIZE]);
/* The base64 public key of a base64 private key. WAMP_OK or WAMP_EINVAL. */
WAMP_API int wamp_cryptobox_public_key(const char *priv, char pub[WAMP_CRYPTOBOX_KEY_B64_SIZE]);

/* The keys of one URI (Autobahn's cryptobox.Key), base64 text, each may be NULL. A private key
 * implies its public key (a public key given beside it must match it). At least one box must
 * be possible: originator (originator_priv + responder_pub) or responder (responder_priv +
 * originator_pub). */
typedef struct wamp_cryptobox_key {
    const char *originator_priv;
    const char *originator_pub;
    const char *responder_priv;
    const char *responder_pub;
} wamp_cryptobox_key;

typedef struct wamp_keyring wamp_keyring;

/* New empty key ring; caller frees with wamp_keyring_free(). WAMP_OK, WAMP_ENOMEM,
 * WAMP_ECRYPTO. */
WAMP_API int wamp_keyring_new(wamp_keyring **out);
/* Wipes every key and frees. NULL is a no-op. */
WAMP_API void wamp_keyring_free(wamp_keyring *kr);
/* Sets the keys of uri ("" sets the default key), replacing earlier ones; key NULL removes
 * them. Key text is parsed and not kept. WAMP_OK, WAMP_EINVAL (bad base64, wrong length,
 * mismatching public key, no box possible), WAMP_ENOMEM. */
WAMP_API int wamp_keyring_set_key(wamp_keyring *kr, const char *uri, const wamp_cryptobox_key *key);
/* Autobahn's set_key(uri, "<priv>"): one private key for both roles (a shared secret box). */
WAMP_API int wamp_keyring_set_shared_key(wamp_keyring *kr, const char *uri, const char *priv);

/* KeyRing.encode / decode (see wamp_payload_codec for the contract). The payload bytes and
 * strings are allocated in a. encode: WAMP_OK, WAMP_EINVAL (args not a LIST or kwargs not a
 * DICT), a serializer error of the arguments, WAMP_ENOMEM. */
WAMP_API int wamp_keyring_encode(wamp_keyring *kr, bool is_originating, wamp_str uri,
                                 const wamp_value *args, const wamp_value *kwargs, wamp_arena *a,
                                 wamp_encoded_payload *out, bool *encoded);
WAMP_API int wamp_keyring_decode(wamp_keyring *kr, bool is_originating, wamp_str uri,
                                 const wamp_encoded_payload *in, wamp_arena *a, wamp_value *args,
                                 wamp_value *kwargs);
/* The key ring as a payload codec (borrowing kr, which must outlive the codec's use). */
WAMP_API wamp_payload_codec wamp_keyring_codec(wamp_keyring *kr);

#ifdef __cplusplus
}
#endif
#endif
