/* Internals of cryptosign keys shared by the key loaders. */
#ifndef WAMP_CRYPTOSIGN_INT_H
#define WAMP_CRYPTOSIGN_INT_H

#include <wamp/cryptosign.h>

struct wamp_cryptosign_key {
    bool can_sign;
    uint8_t pk[32];
    uint8_t sk[64]; /* libsodium secret key: seed || public key (signing keys only) */
    char *comment;
    wamp_cryptosign_sign_cb sign_cb; /* external signer (security module), or NULL */
    void *sign_user;
};

/* Comment from len bytes (NUL bytes rejected: WAMP_EKEYFILE). */
int wamp__cryptosign_new(bool can_sign, const uint8_t key[32], const char *comment,
                         size_t comment_len, wamp_cryptosign_key **out);
/* Reads a whole (small) file; malloc'd, NUL-terminated. WAMP_EIO, WAMP_ETOOBIG (> 1 MiB). */
int wamp__crypto_read_file(const char *path, char **data, size_t *len);

/* BIP-32 private derivation along path, writing the private key and, when chain is not NULL,
 * the chain code of the final node (wamp_bip32_derive() is this without the chain code). */
int wamp__bip32_derive_node(const uint8_t *seed, size_t seedlen, const char *path, uint8_t key[32],
                            uint8_t *chain);

#endif
