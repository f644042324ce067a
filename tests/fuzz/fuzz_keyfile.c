/* libFuzzer target: Autobahn key file parser (wamp_cryptosign_key_from_keyfile_bytes). A key
 * that parses must sign and verify. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <wamp/cryptosign.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wamp_cryptosign_key *k = NULL;
    if (wamp_cryptosign_key_from_keyfile_bytes((const char *)data, size, &k) == WAMP_OK) {
        uint8_t sig[64];
        if (wamp_cryptosign_key_can_sign(k)) {
            if (wamp_cryptosign_key_sign(k, data, size, sig) != WAMP_OK) abort();
            if (wamp_cryptosign_key_verify(k, data, size, sig) != WAMP_OK) abort();
        }
        wamp_cryptosign_key_free(k);
    } else if (k) {
        abort();
    }
    return 0;
}
