/* Cross-serializer property test: for pseudo-random values (seeded, deterministic) restricted
 * to what all four value formats carry, every serializer A round-trips (decode(encode_A(v)) ==
 * v) and transcoding A -> B gives exactly encode_B(v). A codec that reports an error, including
 * WAMP_EUNSUPPORTED, fails the test: no format is skipped. */
#include "support.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const wamp_serializer_id k_formats[] = {WAMP_SER_JSON, WAMP_SER_MSGPACK, WAMP_SER_CBOR,
                                               WAMP_SER_UBJSON};
#define NFORMATS 4

static uint64_t g_rng = 0x2545f4914f6cdd1du;
static uint64_t rnd(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}

static void random_text(char *s, size_t *n, size_t max)
{
    static const char *const pieces[] = {
        "a",    "Z",    "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", " ", "\"", "\\", "/", "\n",
        "\x01", "\x7f", "0"};
    size_t k = rnd() % max, len = 0;
    for (size_t i = 0; i < k; i++) {
        const char *p = pieces[rnd() % (sizeof pieces / sizeof pieces[0])];
        memcpy(s + len, p, strlen(p));
        len += strlen(p);
    }
    /* a leading NUL marks bytes in Autobahn's JSON convention; a NUL elsewhere is text */
    if (len > 1 && rnd() % 8 == 0) {
        size_t at = 1 + rnd() % (len - 1);
        if ((unsigned char)s[at] < 0x80) s[at] = 0; /* only replace ASCII: stays UTF-8 */
    }
    if (len && s[0] == 0) s[0] = 'a';
    *n = len;
}

/* Finite doubles only: JSON carries neither NaN nor infinities. */
static double random_double(void)
{
    switch (rnd() % 6) {
    case 0: return (double)(int32_t)rnd() / 64.0;
    case 1: return (rnd() & 1) ? 0.0 : -0.0;
    case 2: return ldexp((double)(rnd() >> 11), -1074 + (int)(rnd() % 40)); /* subnormals */
    default: {
        uint64_t bits = rnd();
        double d;
        memcpy(&d, &bits, 8);
        return isfinite(d) ? d : (double)(int64_t)bits;
    }
    }
}

static wamp_value random_value(wamp_arena *a, int depth)
{
    char s[400];
    size_t n;
    switch (rnd() % (depth >= 4 ? 8 : 11)) {
    case 0: return wamp_value_null();
    case 1: return wamp_value_bool(rnd() & 1);
    case 2: return wamp_value_int((int64_t)(rnd() >> (rnd() % 64)));
    case 3: return wamp_value_uint(rnd() | (rnd() & 1 ? 1ull << 63 : 0));
    case 4: return wamp_value_int((int64_t)(rnd() % 70000) - 35000);
    case 5: return wamp_value_double(random_double());
    case 6:
    case 7: random_text(s, &n, rnd() % 10 == 0 ? 60 : 8); return wamp_value_string(a, s, n);
    case 8: {
        n = rnd() % (rnd() % 10 == 0 ? 300 : 12);
        for (size_t i = 0; i < n; i++)
            s[i] = (char)rnd();
        return wamp_value_bytes(a, s, n);
    }
    case 9: {
        wamp_value l = wamp_value_list();
        size_t k = rnd() % 6;
        for (size_t i = 0; i < k; i++)
            assert_int_equal(wamp_value_list_push(a, &l, random_value(a, depth + 1)), 0);
        return l;
    }
    default: {
        wamp_value o = wamp_value_dict();
        size_t k = rnd() % 6;
        for (size_t i = 0; i < k; i++) {
            random_text(s, &n, 6);
            assert_int_equal(wamp_value_dict_set(a, &o, s, n, random_value(a, depth + 1)), 0);
        }
        return o;
    }
    }
}

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
    wamp_arena *a = wamp_arena_new(0), *scratch = wamp_arena_new(0);
    for (int iter = 0; iter < 3000; iter++) {
        wamp_arena_reset(a);
        wamp_arena_reset(scratch);
        wamp_value v = random_value(a, 0);
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
