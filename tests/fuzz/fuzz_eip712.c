/* libFuzzer target: EIP-712 typed data hashing (src/crypto/eip712.c) over JSON typed data, the
 * shape a peer sends. Hashing must never crash, recurse without bound or leak; a digest that is
 * computed must be stable, and a signature over it must recover the signer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <wamp/ethkey.h>
#include <wamp/serializer.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static wamp_ethkey *key;
    if (!key) {
        uint8_t priv[32];
        wamp_keccak256("cow", 3, priv);
        if (wamp_ethkey_from_bytes(priv, &key)) abort();
    }
    wamp_arena *a = wamp_arena_new(0);
    wamp_value td;
    if (wamp_value_decode(WAMP_SER_JSON, data, size, a, NULL, &td) == WAMP_OK) {
        uint8_t h1[32], h2[32];
        if (wamp_eip712_hash(&td, h1) == WAMP_OK) {
            if (wamp_eip712_hash(&td, h2) != WAMP_OK || memcmp(h1, h2, 32) != 0) abort();
            uint8_t sig[65], addr[20], want[20];
            if (wamp_ethkey_sign_typed_data(key, &td, sig) != WAMP_OK) abort();
            if (wamp_eth_recover_typed_data(&td, sig, addr) != WAMP_OK) abort();
            wamp_ethkey_address(key, want);
            if (memcmp(addr, want, 20) != 0) abort();
        }
        wamp_buf b = {0};
        (void)wamp_eip712_encode_type(&td, "Mail", &b);
        wamp_buf_free(&b);
    }
    wamp_arena_free(a);
    return 0;
}
