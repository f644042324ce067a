/* Keccak-256 (Ethereum's hash: Keccak with the original 0x01 padding, not FIPS 202 SHA3-256),
 * incremental. Internal to the crypto layer; the one-shot form is wamp_keccak256() (ethkey.h). */
#ifndef WAMP_CRYPTO_KECCAK_H
#define WAMP_CRYPTO_KECCAK_H

#include <stddef.h>
#include <stdint.h>

typedef struct wamp__keccak {
    uint64_t s[25];
    size_t pos; /* bytes absorbed into the current block (rate 136) */
} wamp__keccak;

void wamp__keccak_init(wamp__keccak *k);
void wamp__keccak_update(wamp__keccak *k, const void *data, size_t len);
/* Writes the 32-byte digest and wipes the state. */
void wamp__keccak_final(wamp__keccak *k, uint8_t out[32]);

#endif
