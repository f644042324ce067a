/* Differential fuzzer of wamp_value_transcode(): the first byte picks the source serializer,
 * the rest is its input; for every target serializer the result code and the bytes must equal
 * those of wamp_value_decode() (NULL options) + wamp_value_encode(), and the output buffer must
 * be left unchanged on error. A mismatch aborts (a finding). */
#include <wamp/wamp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const wamp_serializer_id k_fmt[] = {WAMP_SER_JSON, WAMP_SER_MSGPACK, WAMP_SER_CBOR,
                                           WAMP_SER_UBJSON};

static void check(wamp_serializer_id from, const uint8_t *raw, size_t len, wamp_serializer_id to)
{
    wamp_buf ref = {0}, got = {0};
    wamp_arena *a = wamp_arena_new(256);
    if (!a) abort();
    wamp_value v;
    int rref = wamp_value_decode(from, raw, len, a, NULL, &v);
    if (!rref) rref = wamp_value_encode(to, &v, &ref);
    if (wamp_buf_append(&got, "pfx", 3)) abort();
    int rgot = wamp_value_transcode(from, raw, len, to, &got);
    if (from == to) {
        if (rgot || got.len != 3 + len || (len && memcmp(got.data + 3, raw, len))) abort();
    } else if (rref != rgot) {
        fprintf(stderr, "from %d to %d: tree %d, transcode %d\n", (int)from, (int)to, rref, rgot);
        abort();
    } else if (rref ? got.len != 3
                    : got.len != 3 + ref.len || memcmp(got.data + 3, ref.data, ref.len)) {
        fprintf(stderr, "from %d to %d: different output\n", (int)from, (int)to);
        abort();
    }
    if (memcmp(got.data, "pfx", 3)) abort();
    wamp_arena_free(a);
    wamp_buf_free(&ref);
    wamp_buf_free(&got);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536) return 0;
    wamp_serializer_id from = k_fmt[data[0] % 4];
    for (int t = 0; t < 4; t++)
        check(from, data + 1, size - 1, k_fmt[t]);
    return 0;
}
