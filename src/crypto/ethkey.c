/* Ethereum keys: secp256k1 through libsecp256k1 (with its recovery module), addresses with
 * EIP-55 checksums, digest signing and signer recovery (Autobahn's IEthereumKey). */
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wamp/cryptosign.h>
#include <wamp/ethkey.h>

#include "crypto/crypto_util.h"
#include "crypto/keccak.h"

struct wamp_ethkey {
    secp256k1_context *ctx; /* for signing (randomized) */
    uint8_t priv[32];
    uint8_t pub[64];
    uint8_t addr[20];
};

static void addr_of_pub(const uint8_t pub[64], uint8_t addr[20])
{
    uint8_t h[32];
    wamp_keccak256(pub, 64, h);
    memcpy(addr, h + 12, 20);
}

WAMP_API void wamp_eth_address_format(const uint8_t addr[20], char out[43])
{
    char hex[41];
    uint8_t h[32];
    wamp__crypto_hex(hex, addr, 20);
    wamp_keccak256(hex, 40, h);
    out[0] = '0';
    out[1] = 'x';
    for (int i = 0; i < 40; i++) {
        int nib = (h[i / 2] >> (i % 2 ? 0 : 4)) & 0xf;
        char c = hex[i];
        out[2 + i] = (c >= 'a' && c <= 'f' && nib >= 8) ? (char)(c - 'a' + 'A') : c;
    }
    out[42] = '\0';
}

WAMP_API int wamp_eth_address_parse(const char *text, size_t len, uint8_t addr[20])
{
    if (!text || !addr) return WAMP_EINVAL;
    if (len >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        text += 2;
        len -= 2;
    }
    uint8_t a[20];
    if (len != 40 || wamp__crypto_unhex(a, 20, text, 40)) return WAMP_EINVAL;
    bool lower = false, upper = false;
    for (int i = 0; i < 40; i++) {
        if (text[i] >= 'a' && text[i] <= 'f') lower = true;
        if (text[i] >= 'A' && text[i] <= 'F') upper = true;
    }
    if (lower && upper) {
        char want[43];
        wamp_eth_address_format(a, want);
        if (memcmp(want + 2, text, 40) != 0) return WAMP_EINVAL;
    }
    memcpy(addr, a, 20);
    return WAMP_OK;
}

WAMP_API int wamp_ethkey_from_bytes(const uint8_t priv[32], wamp_ethkey **out)
{
    if (!priv || !out) return WAMP_EINVAL;
    *out = NULL;
    if (wamp__crypto_init()) return WAMP_ECRYPTO;
    if (!secp256k1_ec_seckey_verify(secp256k1_context_static, priv)) return WAMP_EINVAL;
    wamp_ethkey *k = calloc(1, sizeof *k);
    if (!k) return WAMP_ENOMEM;
    k->ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (!k->ctx) {
        free(k);
        return WAMP_ENOMEM;
    }
    uint8_t seed[32], ser[65];
    randombytes_buf(seed, sizeof seed);
    secp256k1_pubkey pub;
    size_t len = sizeof ser;
    if (!secp256k1_context_randomize(k->ctx, seed) ||
        !secp256k1_ec_pubkey_create(k->ctx, &pub, priv) ||
        !secp256k1_ec_pubkey_serialize(k->ctx, ser, &len, &pub, SECP256K1_EC_UNCOMPRESSED)) {
        wamp_ethkey_free(k);
        return WAMP_ECRYPTO;
    }
    memcpy(k->priv, priv, 32);
    memcpy(k->pub, ser + 1, 64);
    addr_of_pub(k->pub, k->addr);
    *out = k;
    return WAMP_OK;
}

WAMP_API int wamp_ethkey_generate(wamp_ethkey **out)
{
    if (!out) return WAMP_EINVAL;
    *out = NULL;
    if (wamp__crypto_init()) return WAMP_ECRYPTO;
    uint8_t priv[32];
    int rc = WAMP_ECRYPTO;
    for (int tries = 0; tries < 16 && rc == WAMP_ECRYPTO; tries++) {
        randombytes_buf(priv, sizeof priv);
        rc = wamp_ethkey_from_bytes(priv, out);
        if (rc == WAMP_EINVAL) rc = WAMP_ECRYPTO; /* out of range: draw again */
    }
    sodium_memzero(priv, sizeof priv);
    return rc;
}

WAMP_API int wamp_ethkey_from_seedphrase(const char *phrase, uint32_t index, wamp_ethkey **out)
{
    uint8_t seed[64], key[32];
    char path[64];
    if (!phrase || !out) return WAMP_EINVAL;
    *out = NULL;
    if (index >= 0x80000000u) return WAMP_EINVAL;
    snprintf(path, sizeof path, "m/44'/60'/0'/0/%u", index);
    int rc = wamp_bip39_seed(phrase, "", seed);
    if (!rc) rc = wamp_bip32_derive(seed, sizeof seed, path, key);
    if (!rc) rc = wamp_ethkey_from_bytes(key, out);
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(key, sizeof key);
    return rc;
}

WAMP_API void wamp_ethkey_free(wamp_ethkey *key)
{
    if (!key) return;
    if (key->ctx) secp256k1_context_destroy(key->ctx);
    sodium_memzero(key, sizeof *key);
    free(key);
}

WAMP_API void wamp_ethkey_private_key(const wamp_ethkey *key, uint8_t out[32])
{
    memcpy(out, key->priv, 32);
}

WAMP_API void wamp_ethkey_public_key(const wamp_ethkey *key, uint8_t out[64])
{
    memcpy(out, key->pub, 64);
}

WAMP_API void wamp_ethkey_address(const wamp_ethkey *key, uint8_t out[20])
{
    memcpy(out, key->addr, 20);
}

WAMP_API void wamp_ethkey_address_text(const wamp_ethkey *key, char out[43])
{
    wamp_eth_address_format(key->addr, out);
}

WAMP_API const char *wamp_ethkey_type(const wamp_ethkey *key)
{
    (void)key;
    return "ethereum";
}

WAMP_API int wamp_ethkey_sign_hash(const wamp_ethkey *key, const uint8_t hash[32], uint8_t sig[65])
{
    if (!key || !hash || !sig) return WAMP_EINVAL;
    secp256k1_ecdsa_recoverable_signature rs;
    int recid = 0;
    if (!secp256k1_ecdsa_sign_recoverable(key->ctx, &rs, hash, key->priv, NULL, NULL) ||
        !secp256k1_ecdsa_recoverable_signature_serialize_compact(key->ctx, sig, &recid, &rs))
        return WAMP_ECRYPTO;
    sig[64] = (uint8_t)(27 + recid);
    return WAMP_OK;
}

WAMP_API int wamp_eth_recover_hash(const uint8_t hash[32], const uint8_t sig[65], uint8_t addr[20])
{
    if (!hash || !sig || !addr) return WAMP_EINVAL;
    const secp256k1_context *ctx = secp256k1_context_static;
    int v = sig[64];
    if (v >= 27) v -= 27;
    if (v != 0 && v != 1) return WAMP_ESIGNATURE;
    secp256k1_ecdsa_recoverable_signature rs;
    secp256k1_ecdsa_signature plain;
    secp256k1_pubkey pub;
    uint8_t ser[65];
    size_t len = sizeof ser;
    if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &rs, sig, v))
        return WAMP_ESIGNATURE;
    secp256k1_ecdsa_recoverable_signature_convert(ctx, &plain, &rs);
    if (secp256k1_ecdsa_signature_normalize(ctx, NULL, &plain)) return WAMP_ESIGNATURE; /* high s */
    if (!secp256k1_ecdsa_recover(ctx, &pub, &rs, hash) ||
        !secp256k1_ec_pubkey_serialize(ctx, ser, &len, &pub, SECP256K1_EC_UNCOMPRESSED))
        return WAMP_ESIGNATURE;
    addr_of_pub(ser + 1, addr);
    return WAMP_OK;
}

WAMP_API int wamp_ethkey_sign_typed_data(const wamp_ethkey *key, const wamp_value *typed,
                                         uint8_t sig[65])
{
    uint8_t h[32];
    if (!key || !sig) return WAMP_EINVAL;
    int rc = wamp_eip712_hash(typed, h);
    return rc ? rc : wamp_ethkey_sign_hash(key, h, sig);
}

WAMP_API int wamp_eth_recover_typed_data(const wamp_value *typed, const uint8_t sig[65],
                                         uint8_t addr[20])
{
    uint8_t h[32];
    if (!sig || !addr) return WAMP_EINVAL;
    int rc = wamp_eip712_hash(typed, h);
    return rc ? rc : wamp_eth_recover_hash(h, sig, addr);
}

WAMP_API int wamp_eth_verify_typed_data(const wamp_value *typed, const uint8_t sig[65],
                                        const uint8_t signer[20])
{
    uint8_t a[20];
    if (!signer) return WAMP_EINVAL;
    int rc = wamp_eth_recover_typed_data(typed, sig, a);
    if (rc) return rc;
    return sodium_memcmp(a, signer, 20) == 0 ? WAMP_OK : WAMP_ESIGNATURE;
}
