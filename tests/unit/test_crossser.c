/* Cross-serializer property test: for pseudo-random values (seeded, deterministic) from ONE
 * generator, wt_rand_portable_value() of support/randval.c (the generator test_transcode uses,
 * restricted to what all four value formats carry: finite doubles only, as JSON has no NaN or
 * infinities; no string starting with U+0000, which JSON reads as base64 bytes), every
 * serializer A in {json, msgpack, cbor, ubjson} round-trips (decode(encode_A(v)) == v) and
 * transcoding encode_A(v) from A to B gives exactly encode_B(v), byte for byte. A codec that
 * reports an error, including WAMP_EUNSUPPORTED, fails the test: no format is skipped. */
#include "support.h"
#include "support/randval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const wamp_serializer_id k_formats[] = {WAMP_SER_JSON, WAMP_SER_MSGPACK, WAMP_SER_CBOR,
                                               WAMP_SER_UBJSON};
#define NFORMATS 4

static void report(const char *what, wamp_serializer_id x, wamp_serializer_id y, int rc,
                   const wamp_value *v)
{
    wamp_buf d = {0};
    wamp_value_dump(&d, v);
    wamp_buf_append_byte(&d, 0);
    print_error("%s %s -> %s: %s\n  value %s\n", what, wamp_serializer_by_id(x, false)->name,
                wamp_serializer_by_id(y, false)->name, wamp_err_name(rc), (char *)d.data);
    wamp_buf_free(&d);
    fail();
}

static void check_value(wamp_arena *scratch, const wamp_value *v)
{
    wamp_buf enc[NFORMATS] = {{0}};
    for (int i = 0; i < NFORMATS; i++) {
        int rc = wamp_value_encode(k_formats[i], v, &enc[i]);
        if (rc) report("encode", k_formats[i], k_formats[i], rc, v);
        wamp_value back;
        rc = wamp_value_decode(k_formats[i], enc[i].data, enc[i].len, scratch, NULL, &back);
        if (rc) report("decode", k_formats[i], k_formats[i], rc, v);
        if (!wamp_value_equal(&back, v)) report("round trip", k_formats[i], k_formats[i], 0, v);
    }
    for (int i = 0; i < NFORMATS; i++) {
        for (int j = 0; j < NFORMATS; j++) {
            wamp_buf t = {0};
            int rc = wamp_value_transcode(k_formats[i], enc[i].data, enc[i].len, k_formats[j], &t);
            if (rc) report("transcode", k_formats[i], k_formats[j], rc, v);
            if (t.len != enc[j].len || memcmp(t.data, enc[j].data, t.len) != 0) {
                char *got = wt_hex(t.data, t.len), *want = wt_hex(enc[j].data, enc[j].len);
                print_error("transcoded %s\n      want %s\n", got, want);
                free(got);
                free(want);
                report("transcode bytes", k_formats[i], k_formats[j], 0, v);
            }
            wamp_buf_free(&t);
        }
    }
    for (int i = 0; i < NFORMATS; i++)
        wamp_buf_free(&enc[i]);
}

static void test_random_values(void **state)
{
    (void)state;
    wt_rng r = {0xc0ffee5eedull};
    wamp_arena *a = wamp_arena_new(0), *scratch = wamp_arena_new(0);
    for (int iter = 0; iter < 3000; iter++) {
        wamp_arena_reset(a);
        wamp_arena_reset(scratch);
        wamp_value v = wt_rand_portable_value(&r, a, (int)wt_rng_below(&r, 6));
        check_value(scratch, &v);
    }
    wamp_arena_free(a);
    wamp_arena_free(scratch);
}

/* The edges of every numeric type, one at a time and together in a WAMP-shaped message. */
static void test_edges(void **state)
{
    wamp_arena *a = wamp_arena_new(0), *scratch = wamp_arena_new(0);
    static const int64_t ints[] = {0,
                                   1,
                                   -1,
                                   23,
                                   24,
                                   -24,
                                   -25,
                                   127,
                                   128,
                                   -128,
                                   -129,
                                   255,
                                   256,
                                   32767,
                                   32768,
                                   -32768,
                                   -32769,
                                   65535,
                                   65536,
                                   INT32_MAX,
                                   (int64_t)INT32_MAX + 1,
                                   INT32_MIN,
                                   (int64_t)INT32_MIN - 1,
                                   4294967295,
                                   4294967296,
                                   INT64_MAX,
                                   INT64_MIN,
                                   9007199254740992};
    static const double dbls[] = {0.0,
                                  -0.0,
                                  1.0,
                                  -1.5,
                                  0.1,
                                  1e300,
                                  -1e-300,
                                  5e-324,
                                  2.5e-310,
                                  2.2250738585072014e-308,
                                  1.7976931348623157e308,
                                  65504.0,
                                  3.4028234663852886e38,
                                  1e-7,
                                  123456789.125};
    wamp_value msg = wamp_value_list(), args = wamp_value_list();
    wamp_value_list_push(a, &msg, wamp_value_int(48));
    wamp_value_list_push(a, &msg, wamp_value_int(1));
    wamp_value_list_push(a, &msg, wamp_value_dict());
    wamp_value_list_push(a, &msg, wamp_value_cstring(a, "com.example.proc"));
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        wamp_value v = wamp_value_int(ints[i]);
        check_value(scratch, &v);
        wamp_value_list_push(a, &args, v);
    }
    wamp_value u = wamp_value_uint(UINT64_MAX);
    check_value(scratch, &u);
    wamp_value_list_push(a, &args, u);
    for (size_t i = 0; i < sizeof dbls / sizeof dbls[0]; i++) {
        wamp_value v = wamp_value_double(dbls[i]);
        check_value(scratch, &v);
        wamp_value_list_push(a, &args, v);
    }
    wamp_value_list_push(a, &args, wamp_value_bytes(a, "", 0));
    wamp_value_list_push(a, &args, wamp_value_cstring(a, ""));
    wamp_value_list_push(a, &msg, args);
    check_value(scratch, &msg);
    wamp_arena_free(a);
    wamp_arena_free(scratch);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_random_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
