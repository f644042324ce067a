/* libFuzzer target: the key store file parsers (src/crypto/keystore.c). The first byte picks
 * the outer header (even) or the decrypted body (odd). A body that parses must serialise back
 * to exactly the bytes it came from; a header that parses must have bounded KDF costs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/keystore_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const uint8_t *d = data + 1;
    size_t n = size - 1;
    if (data[0] % 2 == 0) {
        wamp__ks_header h;
        if (wamp__keystore_parse_header(d, n, &h) == WAMP_OK) {
            if (h.opslimit < 1 || h.opslimit > 32 || h.memlimit_kib > (1u << 20)) abort();
            if (h.box != d + 72 || h.boxlen != n - 72) abort();
        }
        return 0;
    }
    wamp__ks_body b;
    if (wamp__keystore_parse_body(d, n, &b) == WAMP_OK) {
        wamp_buf out = {0};
        if (wamp__keystore_write_body(&b, &out) != WAMP_OK) abort();
        if (out.len != n || memcmp(out.data, d, n) != 0) abort();
        wamp_buf_free(&out);
        wamp__keystore_body_free(&b);
    }
    return 0;
}
