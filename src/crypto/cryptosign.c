/* WAMP-Cryptosign keys: Ed25519 via libsodium (Autobahn's CryptosignKey). */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto_util.h"
#include "crypto/cryptosign_int.h"

int wamp__cryptosign_new(bool can_sign, const uint8_t key[32], const char *comment,
                         size_t comment_len, wamp_cryptosign_key **out)
{
    if (!out || !key) return WAMP_EINVAL;
    *out = NULL;
    if (wamp__crypto_init()) return WAMP_ECRYPTO;
    if (comment && memchr(comment, 0, comment_len)) return WAMP_EKEYFILE;
    wamp_cryptosign_key *k = calloc(1, sizeof *k);
    if (!k) return WAMP_ENOMEM;
    k->can_sign = can_sign;
    if (can_sign) {
        if (crypto_sign_ed25519_seed_keypair(k->pk, k->sk, key) != 0) {
            free(k);
            return WAMP_ECRYPTO;
        }
    } else {
        memcpy(k->pk, key, 32);
    }
    if (comment) {
        k->comment = malloc(comment_len + 1);
        if (!k->comment) {
            wamp_cryptosign_key_free(k);
            return WAMP_ENOMEM;
        }
        memcpy(k->comment, comment, comment_len);
        k->comment[comment_len] = 0;
    }
    *out = k;
    return WAMP_OK;
}

int wamp__crypto_read_file(const char *path, char **data, size_t *len)
{
    if (!path || !data || !len) return WAMP_EINVAL;
    FILE *f = fopen(path, "rb");
    if (!f) return WAMP_EIO;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    int rc = buf ? WAMP_OK : WAMP_ENOMEM;
    while (rc == WAMP_OK) {
        if (n + 1 >= cap) {
            if (cap >= (1u << 20)) {
                rc = WAMP_ETOOBIG;
                break;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                rc = WAMP_ENOMEM;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n - 1, f);
        if (r == 0) {
            if (ferror(f)) rc = WAMP_EIO;
            break;
        }
        n += r;
    }
    fclose(f);
    if (rc) {
        if (buf) sodium_memzero(buf, n);
        free(buf);
        return rc;
    }
    buf[n] = 0;
    *data = buf;
    *len = n;
    return WAMP_OK;
}

WAMP_API int wamp_cryptosign_key_from_bytes(const uint8_t seed[32], const char *comment,
                                            wamp_cryptosign_key **out)
{
    return wamp__cryptosign_new(true, seed, comment, comment ? strlen(comment) : 0, out);
}

WAMP_API int wamp_cryptosign_key_from_pubkey(const uint8_t pubkey[32], const char *comment,
                                             wamp_cryptosign_key **out)
{
    return wamp__cryptosign_new(false, pubkey, comment, comment ? strlen(comment) : 0, out);
}

WAMP_API int wamp_cryptosign_key_from_signer(const uint8_t pubkey[32], wamp_cryptosign_sign_cb sign,
                                             void *user, const char *comment,
                                             wamp_cryptosign_key **out)
{
    if (!sign) return WAMP_EINVAL;
    int rc = wamp__cryptosign_new(false, pubkey, comment, comment ? strlen(comment) : 0, out);
    if (rc) return rc;
    (*out)->can_sign = true;
    (*out)->sign_cb = sign;
    (*out)->sign_user = user;
    return WAMP_OK;
}

WAMP_API int wamp_cryptosign_key_from_file(const char *path, const char *comment,
                                           wamp_cryptosign_key **out)
{
    char *data = NULL;
    size_t len = 0;
    if (!out) return WAMP_EINVAL;
    *out = NULL;
    int rc = wamp__crypto_read_file(path, &data, &len);
    if (rc) return rc;
    rc = len == 32 ? wamp_cryptosign_key_from_bytes((const uint8_t *)data, comment, out)
                   : WAMP_EKEYFILE;
    sodium_memzero(data, len);
    free(data);
    return rc;
}

WAMP_API void wamp_cryptosign_key_free(wamp_cryptosign_key *key)
{
    if (!key) return;
    free(key->comment);
    sodium_memzero(key, sizeof *key);
    free(key);
}

WAMP_API bool wamp_cryptosign_key_can_sign(const wamp_cryptosign_key *key)
{
    return key && key->can_sign;
}

WAMP_API const char *wamp_cryptosign_key_type(const wamp_cryptosign_key *key)
{
    return "cryptosign";
}

WAMP_API const char *wamp_cryptosign_key_comment(const wamp_cryptosign_key *key)
{
    return key ? key->comment : NULL;
}

WAMP_API void wamp_cryptosign_key_public(const wamp_cryptosign_key *key, uint8_t out[32])
{
    memcpy(out, key->pk, 32);
}

WAMP_API void wamp_cryptosign_key_public_hex(const wamp_cryptosign_key *key, char out[65])
{
    wamp__crypto_hex(out, key->pk, 32);
}

WAMP_API int wamp_cryptosign_key_seed(const wamp_cryptosign_key *key, uint8_t out[32])
{
    if (!key || !out) return WAMP_EINVAL;
    if (!key->can_sign || key->sign_cb) return WAMP_ESTATE;
    memcpy(out, key->sk, 32);
    return WAMP_OK;
}

WAMP_API int wamp_cryptosign_key_sign(const wamp_cryptosign_key *key, const void *data, size_t len,
                                      uint8_t sig[64])
{
    if (!key || !sig || (!data && len)) return WAMP_EINVAL;
    if (!key->can_sign) return WAMP_ESTATE;
    if (key->sign_cb) {
        int rc = key->sign_cb(key->sign_user, data, len, sig);
        if (rc) return rc;
        /* a module holding another key (or misbehaving) must not go unnoticed */
        return crypto_sign_ed25519_verify_detached(sig, data ? data : (const void *)"", len,
                                                   key->pk) == 0
                   ? WAMP_OK
                   : WAMP_ESIGNATURE;
    }
    if (crypto_sign_ed25519_detached(sig, NULL, data ? data : (const void *)"", len, key->sk) != 0)
        return WAMP_ECRYPTO;
    return WAMP_OK;
}

WAMP_API int wamp_cryptosign_key_verify(const wamp_cryptosign_key *key, const void *data,
                                        size_t len, const uint8_t sig[64])
{
    if (!key || !sig || (!data && len)) return WAMP_EINVAL;
    if (wamp__crypto_init()) return WAMP_ECRYPTO;
    return crypto_sign_ed25519_verify_detached(sig, data ? data : (const void *)"", len, key->pk) ==
                   0
               ? WAMP_OK
               : WAMP_ESIGNATURE;
}

WAMP_API int wamp_cryptosign_key_sign_challenge(const wamp_cryptosign_key *key,
                                                wamp_str challenge_hex, const uint8_t *channel_id,
                                                char out[WAMP_CRYPTOSIGN_SIGNED_HEX_SIZE])
{
    uint8_t both[96];
    if (!key || !out) return WAMP_EINVAL;
    if (!key->can_sign) return WAMP_ESTATE;
    if (!challenge_hex.ptr ||
        wamp__crypto_unhex(both + 64, 32, challenge_hex.ptr, challenge_hex.len) != WAMP_OK)
        return WAMP_EAUTH;
    if (channel_id)
        for (int i = 0; i < 32; i++)
            both[64 + i] ^= channel_id[i];
    int rc = wamp_cryptosign_key_sign(key, both + 64, 32, both);
    if (rc) return rc;
    wamp__crypto_hex(out, both, sizeof both);
    return WAMP_OK;
}

WAMP_API int wamp_cryptosign_verify_challenge(const uint8_t pubkey[32], const uint8_t challenge[32],
                                              const uint8_t *channel_id, wamp_str signed_hex)
{
    uint8_t both[96], expect[32];
    if (!pubkey || !challenge) return WAMP_EINVAL;
    if (wamp__crypto_init()) return WAMP_ECRYPTO;
    if (!signed_hex.ptr || wamp__crypto_unhex(both, 96, signed_hex.ptr, signed_hex.len))
        return WAMP_EAUTH;
    for (int i = 0; i < 32; i++)
        expect[i] = challenge[i] ^ (channel_id ? channel_id[i] : 0);
    if (!wamp__crypto_eq(both + 64, expect, 32)) return WAMP_EAUTH;
    if (crypto_sign_ed25519_verify_detached(both, both + 64, 32, pubkey) != 0)
        return WAMP_ESIGNATURE;
    return WAMP_OK;
}
