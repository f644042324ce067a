/* Keccak-256 written by hand: neither libsodium nor libsecp256k1 offers it, OpenSSL 3.0 (the
 * version Debian ships here) has no plain KECCAK-256 digest (only KMAC; its SHA3-256 pads with
 * 0x06 and gives different digests), and no Debian package provides a C Keccak library.
 * This is the reference Keccak-f[1600] permutation (FIPS 202 §3.2 step mappings) with the
 * original Keccak padding 0x01 … 0x80, rate 1088 bits, as Ethereum uses. */
#include "crypto/keccak.h"

#include <string.h>

#include <wamp/ethkey.h>

#define RATE 136

static const uint64_t RC[24] = {
    0x0000000000000001ull, 0x0000000000008082ull, 0x800000000000808aull, 0x8000000080008000ull,
    0x000000000000808bull, 0x0000000080000001ull, 0x8000000080008081ull, 0x8000000000008009ull,
    0x000000000000008aull, 0x0000000000000088ull, 0x0000000080008009ull, 0x000000008000000aull,
    0x000000008000808bull, 0x800000000000008bull, 0x8000000000008089ull, 0x8000000000008003ull,
    0x8000000000008002ull, 0x8000000000000080ull, 0x000000000000800aull, 0x800000008000000aull,
    0x8000000080008081ull, 0x8000000000008080ull, 0x0000000080000001ull, 0x8000000080008008ull};

/* rho offsets and pi lane order, walked along the (x, y) -> (y, 2x + 3y) cycle */
static const unsigned ROT[24] = {1,  3,  6,  10, 15, 21, 28, 36, 45, 55, 2,  14,
                                 27, 41, 56, 8,  25, 43, 62, 18, 39, 61, 20, 44};
static const unsigned PI[24] = {10, 7,  11, 17, 18, 3, 5,  16, 8,  21, 24, 4,
                                15, 23, 19, 13, 12, 2, 20, 14, 22, 9,  6,  1};

static inline uint64_t rotl(uint64_t x, unsigned n)
{
    return (x << n) | (x >> (64 - n));
}

static void keccak_f(uint64_t s[25])
{
    for (int round = 0; round < 24; round++) {
        uint64_t c[5];
        for (int x = 0; x < 5; x++)
            c[x] = s[x] ^ s[x + 5] ^ s[x + 10] ^ s[x + 15] ^ s[x + 20];
        for (int x = 0; x < 5; x++) {
            uint64_t d = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1);
            for (int y = 0; y < 25; y += 5)
                s[y + x] ^= d;
        }
        uint64_t t = s[1];
        for (int i = 0; i < 24; i++) {
            uint64_t tmp = s[PI[i]];
            s[PI[i]] = rotl(t, ROT[i]);
            t = tmp;
        }
        for (int y = 0; y < 25; y += 5) {
            uint64_t row[5];
            memcpy(row, s + y, sizeof row);
            for (int x = 0; x < 5; x++)
                s[y + x] = row[x] ^ (~row[(x + 1) % 5] & row[(x + 2) % 5]);
        }
        s[0] ^= RC[round];
    }
}

static void xor_byte(uint64_t s[25], size_t i, uint8_t b)
{
    s[i / 8] ^= (uint64_t)b << (8 * (i % 8));
}

void wamp__keccak_init(wamp__keccak *k)
{
    memset(k, 0, sizeof *k);
}

void wamp__keccak_update(wamp__keccak *k, const void *data, size_t len)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < len; i++) {
        xor_byte(k->s, k->pos++, p[i]);
        if (k->pos == RATE) {
            keccak_f(k->s);
            k->pos = 0;
        }
    }
}

void wamp__keccak_final(wamp__keccak *k, uint8_t out[32])
{
    xor_byte(k->s, k->pos, 0x01);
    xor_byte(k->s, RATE - 1, 0x80);
    keccak_f(k->s);
    for (int i = 0; i < 32; i++)
        out[i] = (uint8_t)(k->s[i / 8] >> (8 * (i % 8)));
    volatile uint8_t *v = (volatile uint8_t *)k;
    for (size_t i = 0; i < sizeof *k; i++)
        v[i] = 0;
}

WAMP_API void wamp_keccak256(const void *data, size_t len, uint8_t out[32])
{
    wamp__keccak k;
    wamp__keccak_init(&k);
    wamp__keccak_update(&k, data, len);
    wamp__keccak_final(&k, out);
}
