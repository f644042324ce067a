/*
 * libFuzzer target for the JSON value codec.
 *
 * For every input: decode it fully and with raw_from (args/kwargs kept raw from an index taken
 * from the input) and require the same result code. When decoding succeeds:
 *  - encode -> decode must give a value equal to the first decode (wamp_value_equal),
 *  - encoding is idempotent: encode(decode(encode(v))) == encode(v) byte for byte,
 *  - the raw-span decode re-encodes to JSON that decodes to the same value.
 * Any violation aborts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wamp/serializer.h>
#include <wamp/value.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t raw_at;
static size_t raw_from(int64_t first, size_t count, void *user)
{
    (void)first;
    (void)count;
    (void)user;
    return raw_at;
}

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_json: %s\n", what);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wamp_arena *a = wamp_arena_new(size * 2 + 256);
    if (!a) return 0;
    wamp_decode_opts opts = {.copy_strings = size && (data[0] & 1)};
    wamp_value v, back, rawv;
    int rc = wamp_value_decode(WAMP_SER_JSON, data, size, a, &opts, &v);

    raw_at = size ? data[size - 1] % 8 : 0;
    wamp_decode_opts ropts = opts;
    ropts.raw_from = raw_from;
    int rrc = wamp_value_decode(WAMP_SER_JSON, data, size, a, &ropts, &rawv);
    check(rc == rrc, "raw_from decode disagrees with full decode");
    if (rc) {
        wamp_arena_free(a);
        return 0;
    }

    wamp_buf e1 = {0}, e2 = {0}, e3 = {0};
    rc = wamp_value_encode(WAMP_SER_JSON, &v, &e1);
    check(rc == WAMP_OK, "encode of a decoded value failed");
    rc = wamp_value_decode(WAMP_SER_JSON, e1.data, e1.len, a, NULL, &back);
    check(rc == WAMP_OK, "decode of our own encoding failed");
    check(wamp_value_equal(&v, &back), "round trip changed the value");
    rc = wamp_value_encode(WAMP_SER_JSON, &back, &e2);
    check(rc == WAMP_OK && e1.len == e2.len && memcmp(e1.data, e2.data, e1.len) == 0,
          "encoding is not idempotent");

    rc = wamp_value_encode(WAMP_SER_JSON, &rawv, &e3);
    check(rc == WAMP_OK, "encode with raw spans failed");
    rc = wamp_value_decode(WAMP_SER_JSON, e3.data, e3.len, a, NULL, &back);
    check(rc == WAMP_OK, "decode of an encoding with raw spans failed");
    check(wamp_value_equal(&v, &back), "raw spans changed the value");

    wamp_buf_free(&e1);
    wamp_buf_free(&e2);
    wamp_buf_free(&e3);
    wamp_arena_free(a);
    return 0;
}
