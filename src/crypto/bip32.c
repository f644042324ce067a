/* BIP-39 seeds and BIP-32 (secp256k1) private key derivation, as Autobahn's xbr._mnemonic
 * derives WAMP-Cryptosign keys from a seed phrase. The path walk is written by hand (no library
 * we use offers BIP-32); the curve arithmetic is libsecp256k1's (public keys, tweak-add mod n),
 * the hashes libsodium's and OpenSSL's. */
#include <secp256k1.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include <wamp/auth.h>

#include "crypto/crypto_util.h"
#include "crypto/cryptosign_int.h"

#define HARDENED 0x80000000u

WAMP_API int wamp_bip39_seed(const char *mnemonic, const char *passphrase, uint8_t out[64])
{
    if (!mnemonic || !out) return WAMP_EINVAL;
    if (!passphrase) passphrase = "";
    size_t pl = strlen(passphrase);
    char salt[8 + 1024];
    if (pl > sizeof salt - 8) return WAMP_EINVAL;
    memcpy(salt, "mnemonic", 8);
    memcpy(salt + 8, passphrase, pl);
    int rc = wamp_pbkdf2(WAMP_HASH_SHA512, mnemonic, strlen(mnemonic), salt, 8 + pl, 2048, out, 64);
    sodium_memzero(salt, sizeof salt);
    return rc;
}

static void hmac512(uint8_t out[64], const uint8_t *key, size_t keylen, const uint8_t *msg,
                    size_t len)
{
    crypto_auth_hmacsha512_state st;
    crypto_auth_hmacsha512_init(&st, key, keylen);
    crypto_auth_hmacsha512_update(&st, msg, len);
    crypto_auth_hmacsha512_final(&st, out);
    sodium_memzero(&st, sizeof st);
}

/* Parses "m/44'/655'/0'/0/3" into indices; returns count or -1. */
static int parse_path(const char *path, uint32_t *idx, int max)
{
    if (path[0] != 'm') return -1;
    const char *p = path + 1;
    int n = 0;
    while (*p) {
        if (*p != '/' || n == max) return -1;
        p++;
        if (*p < '0' || *p > '9') return -1;
        uint64_t v = 0;
        while (*p >= '0' && *p <= '9') {
            v = v * 10 + (uint64_t)(*p - '0');
            if (v >= HARDENED) return -1;
            p++;
        }
        if (*p == '\'' || *p == 'h' || *p == 'H') {
            v |= HARDENED;
            p++;
        }
        idx[n++] = (uint32_t)v;
    }
    return n;
}

static int child(secp256k1_context *ctx, uint8_t key[32], uint8_t chain[32], uint32_t i)
{
    uint8_t data[1 + 32 + 4], h[64];
    if (i & HARDENED) {
        data[0] = 0;
        memcpy(data + 1, key, 32);
    } else {
        secp256k1_pubkey pub;
        size_t len = 33;
        if (!secp256k1_ec_pubkey_create(ctx, &pub, key) ||
            !secp256k1_ec_pubkey_serialize(ctx, data, &len, &pub, SECP256K1_EC_COMPRESSED))
            return WAMP_ECRYPTO;
    }
    for (int b = 0; b < 4; b++)
        data[33 + b] = (uint8_t)(i >> (24 - 8 * b));
    int rc = WAMP_ECRYPTO;
    for (int tries = 0; tries < 8; tries++) {
        hmac512(h, chain, 32, data, sizeof data);
        uint8_t next[32];
        memcpy(next, key, 32);
        /* fails when the tweak is >= n or the sum is 0: retry as SLIP-10 / Autobahn do */
        if (secp256k1_ec_seckey_tweak_add(ctx, next, h)) {
            memcpy(key, next, 32);
            memcpy(chain, h + 32, 32);
            sodium_memzero(next, sizeof next);
            rc = WAMP_OK;
            break;
        }
        data[0] = 1;
        memcpy(data + 1, h + 32, 32);
    }
    sodium_memzero(h, sizeof h);
    sodium_memzero(data, sizeof data);
    return rc;
}

WAMP_API int wamp_bip32_derive(const uint8_t *seed, size_t seedlen, const char *path,
                               uint8_t out[32])
{
    return wamp__bip32_derive_node(seed, seedlen, path, out, NULL);
}

int wamp__bip32_derive_node(const uint8_t *seed, size_t seedlen, const char *path, uint8_t out[32],
                            uint8_t *chain_out)
{
    uint32_t idx[64];
    uint8_t h[64], key[32], chain[32];
    if (!seed || !path || !out) return WAMP_EINVAL;
    int n = parse_path(path, idx, 64);
    if (n < 0) return WAMP_EINVAL;
    if (wamp__crypto_init()) return WAMP_ECRYPTO;
    hmac512(h, (const uint8_t *)"Bitcoin seed", 12, seed, seedlen);
    memcpy(key, h, 32);
    memcpy(chain, h + 32, 32);
    secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    int rc = ctx ? WAMP_OK : WAMP_ENOMEM;
    if (!rc && !secp256k1_ec_seckey_verify(ctx, key)) rc = WAMP_ECRYPTO;
    for (int i = 0; !rc && i < n; i++)
        rc = child(ctx, key, chain, idx[i]);
    if (!rc) memcpy(out, key, 32);
    if (!rc && chain_out) memcpy(chain_out, chain, 32);
    if (ctx) secp256k1_context_destroy(ctx);
    sodium_memzero(h, sizeof h);
    sodium_memzero(key, sizeof key);
    sodium_memzero(chain, sizeof chain);
    return rc;
}

WAMP_API int wamp_cryptosign_key_from_seedphrase(const char *phrase, uint32_t index,
                                                 wamp_cryptosign_key **out)
{
    uint8_t seed[64], key[32];
    char path[64];
    if (!phrase || !out) return WAMP_EINVAL;
    *out = NULL;
    if (index >= HARDENED) return WAMP_EINVAL;
    snprintf(path, sizeof path, "m/44'/655'/0'/0/%u", index);
    int rc = wamp_bip39_seed(phrase, "", seed);
    if (!rc) rc = wamp_bip32_derive(seed, sizeof seed, path, key);
    if (!rc) rc = wamp_cryptosign_key_from_bytes(key, NULL, out);
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(key, sizeof key);
    return rc;
}
