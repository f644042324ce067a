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
        /* written back and read again it is the same key */
        wamp_buf b = {0};
        wamp_cryptosign_key *k2 = NULL;
        bool priv = wamp_cryptosign_key_can_sign(k);
        if (wamp_cryptosign_key_write_keyfile(k, priv, NULL, &b) != WAMP_OK) abort();
        if (wamp_cryptosign_key_from_keyfile_bytes((const char *)b.data, b.len, &k2) != WAMP_OK)
            abort();
        uint8_t p1[32], p2[32];
        wamp_cryptosign_key_public(k, p1);
        wamp_cryptosign_key_public(k2, p2);
        if (memcmp(p1, p2, 32) != 0 || wamp_cryptosign_key_can_sign(k2) != priv) abort();
        wamp_cryptosign_key_free(k2);
        wamp_buf_free(&b);
        wamp_cryptosign_key_free(k);
    } else if (k) {
        abort();
    }
    return 0;
}
