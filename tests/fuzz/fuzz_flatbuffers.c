/*
 * libFuzzer target for the FlatBuffers serializer (src/message/flatbuffers.c).
 *
 * For every input and both schema generations: decode; when accepted, encode, decode again and
 * the two messages must marshal to equal lists; and the re-encoding must be a fixed point
 * (encode(decode(encode(m))) == encode(m)). Any violation aborts; the sanitizers catch the rest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wamp/flatbuffers.h>
#include <wamp/value.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_flatbuffers: %s\n", what);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int schema = 0; schema < 2; schema++) {
        wamp_arena *a = wamp_arena_new(0);
        wamp_message m, m2, m3;
        wamp_buf b1 = {0}, b2 = {0};
        if (wamp_message_decode_flatbuffers(data, size, (wamp_fbs_schema)schema, a, &m, NULL) ==
            WAMP_OK) {
            check(wamp_message_encode_flatbuffers(&m, (wamp_fbs_schema)schema, &b1) == WAMP_OK,
                  "accepted message does not encode");
            check(wamp_message_decode_flatbuffers(b1.data, b1.len, (wamp_fbs_schema)schema, a, &m2,
                                                  NULL) == WAMP_OK,
                  "our encoding does not decode");
            wamp_value l1, l2;
            check(wamp_message_marshal(&m, a, &l1) == WAMP_OK, "marshal 1");
            check(wamp_message_marshal(&m2, a, &l2) == WAMP_OK, "marshal 2");
            check(wamp_value_equal(&l1, &l2), "round trip differs");
            check(wamp_message_encode_flatbuffers(&m2, (wamp_fbs_schema)schema, &b2) == WAMP_OK,
                  "re-encode");
            check(b1.len == b2.len && !memcmp(b1.data, b2.data, b1.len), "encoding not stable");
            check(wamp_message_decode_flatbuffers(b2.data, b2.len, (wamp_fbs_schema)schema, a, &m3,
                                                  NULL) == WAMP_OK,
                  "re-decode");
        }
        wamp_buf_free(&b1);
        wamp_buf_free(&b2);
        wamp_arena_free(a);
    }
    return 0;
}
