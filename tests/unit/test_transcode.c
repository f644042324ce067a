/* wamp_value_transcode() against the tree path: for seeded random values in every format and
 * for every (from, to) pair, the streaming transcoders (msgpack/cbor -> json, msgpack <-> cbor)
 * and the fallback must give exactly encode_to(decode_from(x)), byte for byte, and invalid input
 * of every kind must give the same error code both ways (with the output buffer unchanged). */
#include "support.h"
#include "support/randval.h"

#include <stdlib.h>
#include <string.h>

static const wamp_serializer_id k_fmt[] = {WAMP_SER_JSON, WAMP_SER_MSGPACK, WAMP_SER_CBOR,
                                           WAMP_SER_UBJSON};
#define NFMT 4

static unsigned long g_checked, g_ok;

/* The reference: decode with NULL options into an arena, then encode. */
static int tree_path(wamp_serializer_id from, const uint8_t *raw, size_t len, wamp_serializer_id to,
                     wamp_buf *out)
{
    wamp_arena *a = wamp_arena_new(256);
    assert_non_null(a);
    wamp_value v;
    int rc = wamp_value_decode(from, raw, len, a, NULL, &v);
    if (!rc) rc = wamp_value_encode(to, &v, out);
    wamp_arena_free(a);
    return rc;
}

/* Compares both paths; returns the common result code. */
static int check_pair(wamp_serializer_id from, const uint8_t *raw, size_t len,
                      wamp_serializer_id to)
{
    static const uint8_t prefix[3] = {'x', 'y', 'z'};
    wamp_buf ref = {0}, got = {0};
    assert_int_equal(wamp_buf_append(&got, prefix, 3), WAMP_OK);
    int rref = tree_path(from, raw, len, to, &ref);
    int rgot = wamp_value_transcode(from, raw, len, to, &got);
    if (from == to) { /* a byte copy by contract, whatever the bytes */
        assert_int_equal(rgot, WAMP_OK);
        assert_int_equal(got.len, 3 + len);
        if (len) assert_memory_equal(got.data + 3, raw, len);
    } else {
        if (rref != rgot)
            fail_msg("from %d to %d (len %zu): tree %s, transcode %s", (int)from, (int)to, len,
                     wamp_strerror(rref), wamp_strerror(rgot));
        if (rref) {
            assert_int_equal(got.len, 3); /* unchanged on error */
        } else {
            assert_int_equal(got.len, 3 + ref.len);
            assert_memory_equal(got.data + 3, ref.data, ref.len);
            g_ok++;
        }
    }
    assert_memory_equal(got.data, prefix, 3);
    g_checked++;
    wamp_buf_free(&ref);
    wamp_buf_free(&got);
    return from == to ? WAMP_OK : rref;
}

static void check_all_targets(wamp_serializer_id from, const uint8_t *raw, size_t len)
{
    for (int t = 0; t < NFMT; t++)
        check_pair(from, raw, len, k_fmt[t]);
}

/* Every prefix, single-byte mutations and a trailing byte of a valid encoding. */
static void check_mutations(wt_rng *r, wamp_serializer_id from, const uint8_t *raw, size_t len)
{
    uint8_t *m = malloc(len + 1);
    assert_non_null(m);
    memcpy(m, raw, len);
    size_t step = len > 64 ? len / 16 : 1;
    for (size_t cut = 0; cut < len; cut += step)
        check_all_targets(from, m, cut);
    for (int k = 0; k < 4 && len; k++) {
        size_t at = (size_t)wt_rng_below(r, len);
        uint8_t old = m[at];
        m[at] = (uint8_t)wt_rng_next(r);
        check_all_targets(from, m, len);
        m[at] = old;
    }
    m[len] = (uint8_t)wt_rng_next(r);
    check_all_targets(from, m, len + 1);
    free(m);
}

static void test_random_values(void **state)
{
    (void)state;
    wt_rng r = {0x5eed7a11c0dec5ull};
    unsigned long before_ok = g_ok;
    for (int i = 0; i < 2500; i++) {
        wamp_arena *a = wamp_arena_new(4096);
        assert_non_null(a);
        wamp_value v = wt_rand_value(&r, a, 1 + (int)wt_rng_below(&r, 6));
        for (int f = 0; f < NFMT; f++) {
            wamp_buf enc = {0};
            if (wamp_value_encode(k_fmt[f], &v, &enc) == WAMP_OK) {
                check_all_targets(k_fmt[f], enc.data, enc.len);
                if (i % 8 == 0) check_mutations(&r, k_fmt[f], enc.data, enc.len);
            }
            wamp_buf_free(&enc);
        }
        wamp_arena_free(a);
    }
    /* the property must have been exercised on successes, not only on shared errors */
    assert_true(g_ok - before_ok > 20000);
}

typedef struct bad_case {
    wamp_serializer_id from;
    const char *bytes;
    size_t len;
    int expect; /* the error (or WAMP_OK) decode + encode to JSON (JSON: to msgpack) gives */
} bad_case;

#define BC(f, s, e)                                                                                \
    {                                                                                              \
        f, s, sizeof s - 1, e                                                                      \
    }

static const bad_case k_cases[] = {
    /* msgpack */
    BC(WAMP_SER_MSGPACK, "", WAMP_ETRUNCATED),
    BC(WAMP_SER_MSGPACK, "\xc1", WAMP_ESYNTAX),
    BC(WAMP_SER_MSGPACK, "\xd4\x01\x02", WAMP_EEXTTYPE),
    BC(WAMP_SER_MSGPACK, "\xc7\x01\x05\x00", WAMP_EEXTTYPE),
    BC(WAMP_SER_MSGPACK, "\x81\x01\x02", WAMP_EKEYTYPE),
    BC(WAMP_SER_MSGPACK,
       "\x82\xa1"
       "a\x01\xa1"
       "a\x02",
       WAMP_EDUPKEY),
    BC(WAMP_SER_MSGPACK, "\xa2\xc3\x28", WAMP_EUTF8),
    BC(WAMP_SER_MSGPACK, "\x81\xa1\xff\x01", WAMP_EUTF8),
    BC(WAMP_SER_MSGPACK, "\x93\x01\x02", WAMP_ETRUNCATED),
    BC(WAMP_SER_MSGPACK, "\xdd\xff\xff\xff\xff", WAMP_ETRUNCATED),
    BC(WAMP_SER_MSGPACK, "\x01\x02", WAMP_ETRAILING),
    BC(WAMP_SER_MSGPACK, "\xcb\x7f\xf8\x00\x00\x00\x00\x00\x00", WAMP_ENUMBER), /* NaN */
    BC(WAMP_SER_MSGPACK, "\x92\x01\xca\x7f\x80\x00\x00", WAMP_ENUMBER),         /* +inf f32 */
    BC(WAMP_SER_MSGPACK,
       "\x92\xc4\x03\x00\x01\x02\xa3\x00"
       "ab",
       WAMP_OK),
    BC(WAMP_SER_MSGPACK,
       "\x83\xa1"
       "a\x90\xa1"
       "b\x80\xa1"
       "c\xca\x3f\xc0\x00\x00",
       WAMP_OK),
    BC(WAMP_SER_MSGPACK,
       "\x94\xcf\xff\xff\xff\xff\xff\xff\xff\xff\xd3\x80\x00\x00\x00\x00\x00"
       "\x00\x00\xe0\xd0\x80",
       WAMP_OK),
    /* a decoding error after a NaN wins over the NaN's encoding error */
    BC(WAMP_SER_MSGPACK, "\x92\xcb\x7f\xf8\x00\x00\x00\x00\x00\x00\xc1", WAMP_ESYNTAX),
    BC(WAMP_SER_MSGPACK, "\xcb\x7f\xf8\x00\x00\x00\x00\x00\x00\x00", WAMP_ETRAILING),
    BC(WAMP_SER_MSGPACK,
       "\x82\xa1"
       "a\xca\x7f\xc0\x00\x00\xa1"
       "a\x01",
       WAMP_EDUPKEY),
    BC(WAMP_SER_MSGPACK,
       "\x92\x81\xa1"
       "a\x01\x91",
       WAMP_ETRUNCATED),
    BC(WAMP_SER_MSGPACK,
       "\x82\xa1"
       "a\x81\xa1"
       "a\x01\xa1"
       "b\x81\xa1"
       "a\x02",
       WAMP_OK),
    /* cbor */
    BC(WAMP_SER_CBOR, "", WAMP_ETRUNCATED),
    BC(WAMP_SER_CBOR, "\x1c", WAMP_ESYNTAX),
    BC(WAMP_SER_CBOR, "\xa1\x01\x02", WAMP_EKEYTYPE),
    BC(WAMP_SER_CBOR,
       "\xa2\x61"
       "a\x01\x61"
       "a\x02",
       WAMP_EDUPKEY),
    BC(WAMP_SER_CBOR, "\x62\xc3\x28", WAMP_EUTF8),
    BC(WAMP_SER_CBOR, "\x3b\x80\x00\x00\x00\x00\x00\x00\x00", WAMP_ENUMBER),
    BC(WAMP_SER_CBOR, "\xf9\x7c\x00", WAMP_ENUMBER), /* half +inf */
    BC(WAMP_SER_CBOR, "\xf0", WAMP_EEXTTYPE),
    BC(WAMP_SER_CBOR, "\xff", WAMP_ESYNTAX),
    BC(WAMP_SER_CBOR, "\x83\x01\x02", WAMP_ETRUNCATED),
    BC(WAMP_SER_CBOR, "\x01\x02", WAMP_ETRAILING),
    BC(WAMP_SER_CBOR, "\x84\xf9\x3c\x00\xfa\x3f\xc0\x00\x00\xf7\x40", WAMP_OK),
    BC(WAMP_SER_CBOR,
       "\x9f\x01\x61"
       "a\xff",
       WAMP_OK),                                            /* indefinite */
    BC(WAMP_SER_CBOR, "\xc1\x1a\x00\x01\x00\x00", WAMP_OK), /* tag 1 */
    BC(WAMP_SER_CBOR, "\xc2\x49\x01\x00\x00\x00\x00\x00\x00\x00\x00", WAMP_ENUMBER), /* 2^64 */
    BC(WAMP_SER_CBOR, "\xc2\x48\xff\xff\xff\xff\xff\xff\xff\xff", WAMP_OK),          /* 2^64-1 */
    BC(WAMP_SER_CBOR,
       "\xbf\x61"
       "a\x01\x61"
       "a\x02\xff",
       WAMP_EDUPKEY),
    /* json and ubjson (tree path) */
    BC(WAMP_SER_JSON, "[1,2", WAMP_ETRUNCATED),
    BC(WAMP_SER_JSON, "{\"a\":1,\"a\":2}", WAMP_EDUPKEY),
    BC(WAMP_SER_JSON, "\"\\u0000@@\"", WAMP_EBASE64),
    BC(WAMP_SER_JSON, "[1.5,\"\\u0000AAEC\",{\"k\":[true,null]}]", WAMP_OK),
    BC(WAMP_SER_UBJSON, "[i\x01", WAMP_ETRUNCATED),
};

static void test_invalid_inputs(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof k_cases / sizeof k_cases[0]; i++) {
        const bad_case *c = &k_cases[i];
        wamp_serializer_id to = c->from == WAMP_SER_JSON ? WAMP_SER_MSGPACK : WAMP_SER_JSON;
        int rc = check_pair(c->from, (const uint8_t *)c->bytes, c->len, to);
        if (rc != c->expect)
            fail_msg("case %zu: got %s, expected %s", i, wamp_strerror(rc),
                     wamp_strerror(c->expect));
        check_all_targets(c->from, (const uint8_t *)c->bytes, c->len);
    }
}

/* Nesting at and beyond the default depth limit, for the binary sources. */
static void test_depth(void **state)
{
    (void)state;
    uint8_t buf[80];
    for (size_t depth = WAMP_DEFAULT_MAX_DEPTH - 1; depth <= WAMP_DEFAULT_MAX_DEPTH + 1; depth++) {
        memset(buf, 0x91, depth); /* msgpack fixarray of 1 */
        buf[depth] = 0x07;
        int rc = check_pair(WAMP_SER_MSGPACK, buf, depth + 1, WAMP_SER_JSON);
        assert_int_equal(rc, depth <= WAMP_DEFAULT_MAX_DEPTH ? WAMP_OK : WAMP_EDEPTH);
        check_all_targets(WAMP_SER_MSGPACK, buf, depth + 1);
        memset(buf, 0x81, depth); /* cbor array of 1 */
        rc = check_pair(WAMP_SER_CBOR, buf, depth + 1, WAMP_SER_JSON);
        assert_int_equal(rc, depth <= WAMP_DEFAULT_MAX_DEPTH ? WAMP_OK : WAMP_EDEPTH);
        check_all_targets(WAMP_SER_CBOR, buf, depth + 1);
    }
}

/* Random byte strings (mostly invalid) in every format. */
static void test_random_bytes(void **state)
{
    (void)state;
    wt_rng r = {42};
    uint8_t buf[48];
    for (int i = 0; i < 20000; i++) {
        size_t n = (size_t)wt_rng_below(&r, sizeof buf);
        for (size_t k = 0; k < n; k++)
            buf[k] = (uint8_t)wt_rng_next(&r);
        check_all_targets(k_fmt[i % NFMT], buf, n);
    }
}

/* Regressions found by fuzz_transcode / fuzz_cbor: a tag in a map-key position (the streaming
 * CBOR -> MessagePack path must leave such input to the tree path, as it does any tag). */
static void test_tagged_keys(void **state)
{
    (void)state;
    static const struct {
        const char *b;
        size_t n;
    } cases[] = {{"\xa1\xc4\x61\x61\x02", 5},
                 {"\xa1\xd8\x20\x61\x6b\x01", 6},
                 {"\x82\x01\xa1\xc1\x61\x61\x02", 7},
                 {"\xa1\x5f\x41\x61\xff\x02", 6}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        check_all_targets(WAMP_SER_CBOR, (const uint8_t *)cases[i].b, cases[i].n);
}

static void test_known_bytes(void **state)
{
    (void)state;
    /* {"a":[1,-1,1.5,"\u0000AQI=",null,true]} from msgpack and cbor */
    static const char mp[] = "\x81\xa1"
                             "a\x96\x01\xff\xcb\x3f\xf8\x00\x00\x00\x00\x00\x00\xc4"
                             "\x02\x01\x02\xc0\xc3";
    static const char cb[] = "\xa1\x61"
                             "a\x86\x01\x20\xf9\x3e\x00\x42\x01\x02\xf6\xf5";
    static const char want[] = "{\"a\":[1,-1,1.5,\"\\u0000AQI=\",null,true]}";
    wamp_buf out = {0};
    assert_int_equal(wamp_value_transcode(WAMP_SER_MSGPACK, (const uint8_t *)mp, sizeof mp - 1,
                                          WAMP_SER_JSON, &out),
                     WAMP_OK);
    assert_int_equal(out.len, sizeof want - 1);
    assert_memory_equal(out.data, want, out.len);
    wamp_buf_clear(&out);
    assert_int_equal(wamp_value_transcode(WAMP_SER_CBOR, (const uint8_t *)cb, sizeof cb - 1,
                                          WAMP_SER_JSON, &out),
                     WAMP_OK);
    assert_int_equal(out.len, sizeof want - 1);
    assert_memory_equal(out.data, want, out.len);
    wamp_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_bytes),  cmocka_unit_test(test_invalid_inputs),
        cmocka_unit_test(test_depth),        cmocka_unit_test(test_random_values),
        cmocka_unit_test(test_random_bytes), cmocka_unit_test(test_tagged_keys),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    printf("transcode: %lu comparisons, %lu successful conversions\n", g_checked, g_ok);
    return rc;
}
