/* MessagePack value codec: byte-exact vectors for every type and size class, malformed input
 * of every kind, lazy (raw_from) decoding, bounded memory, random round trips. */
#include "bincodec_util.h"

#include <math.h>

#define MP WAMP_SER_MSGPACK

/* ---------------------------------------------------------------- scalars */

static void test_ints(void **state)
{
    static const struct {
        int64_t i;
        const char *hex;
    } v[] = {
        {0, "00"},
        {1, "01"},
        {127, "7f"},
        {128, "cc80"},
        {255, "ccff"},
        {256, "cd0100"},
        {65535, "cdffff"},
        {65536, "ce00010000"},
        {4294967295LL, "ceffffffff"},
        {4294967296LL, "cf0000000100000000"},
        {INT64_MAX, "cf7fffffffffffffff"},
        {-1, "ff"},
        {-32, "e0"},
        {-33, "d0df"},
        {-128, "d080"},
        {-129, "d1ff7f"},
        {-32768, "d18000"},
        {-32769, "d2ffff7fff"},
        {-2147483648LL, "d280000000"},
        {-2147483649LL, "d3ffffffff7fffffff"},
        {INT64_MIN, "d38000000000000000"},
    };
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
        wamp_value x = wamp_value_int(v[k].i);
        bc_enc_is(MP, &x, v[k].hex);
        bc_dec_is(MP, v[k].hex, &x, true);
        bc_prefixes_hex(MP, v[k].hex);
    }
    /* uint64 above INT64_MAX */
    wamp_value u = wamp_value_uint(UINT64_MAX);
    assert_int_equal(u.type, WAMP_VALUE_UINT);
    bc_enc_is(MP, &u, "cfffffffffffffffff");
    bc_dec_is(MP, "cfffffffffffffffff", &u, true);
    u = wamp_value_uint((uint64_t)INT64_MAX + 1);
    bc_dec_is(MP, "cf8000000000000000", &u, true);
    /* a UINT-typed small value encodes like the int */
    wamp_value small = {.type = WAMP_VALUE_UINT, .as.u = 200};
    bc_enc_is(MP, &small, "ccc8");

    /* Non-minimal forms decode to the same numbers (and re-encode minimally). */
    wamp_value five = wamp_value_int(5), m1 = wamp_value_int(-1);
    const char *fives[] = {"cc05", "cd0005", "ce00000005", "cf0000000000000005",
                           "d005", "d10005", "d200000005", "d30000000000000005"};
    for (size_t k = 0; k < 8; k++)
        bc_dec_is(MP, fives[k], &five, false);
    const char *m1s[] = {"d0ff", "d1ffff", "d2ffffffff", "d3ffffffffffffffff"};
    for (size_t k = 0; k < 4; k++)
        bc_dec_is(MP, m1s[k], &m1, false);
    wamp_arena *a = wamp_arena_new(0);
    wamp_value got;
    assert_int_equal(bc_dec(MP, "d3ffffffffffffffff", a, &got), WAMP_OK);
    assert_int_equal(got.type, WAMP_VALUE_INT);
    assert_int_equal(got.as.i, -1);
    assert_int_equal(bc_dec(MP, "cf0000000000000005", a, &got), WAMP_OK);
    assert_int_equal(got.type, WAMP_VALUE_INT);
    wamp_arena_free(a);
}

static void test_scalars(void **state)
{
    wamp_value n = wamp_value_null(), t = wamp_value_bool(true), f = wamp_value_bool(false);
    bc_enc_is(MP, &n, "c0");
    bc_enc_is(MP, &t, "c3");
    bc_enc_is(MP, &f, "c2");
    bc_dec_is(MP, "c0", &n, true);
    bc_dec_is(MP, "c3", &t, true);
    bc_dec_is(MP, "c2", &f, true);

    /* doubles: always float64, as msgpack-python packs a Python float */
    static const struct {
        double d;
        const char *hex;
    } d[] = {
        {0.0, "cb0000000000000000"},      {-0.0, "cb8000000000000000"},
        {1.5, "cb3ff8000000000000"},      {1.1, "cb3ff199999999999a"},
        {-4.1, "cbc010666666666666"},     {1e300, "cb7e37e43c8800759c"},
        {INFINITY, "cb7ff0000000000000"}, {-INFINITY, "cbfff0000000000000"},
        {5e-324, "cb0000000000000001"},
    };
    for (size_t k = 0; k < sizeof d / sizeof d[0]; k++) {
        wamp_value x = wamp_value_double(d[k].d);
        bc_enc_is(MP, &x, d[k].hex);
        bc_dec_is(MP, d[k].hex, &x, true);
        bc_prefixes_hex(MP, d[k].hex);
    }
    wamp_value nan = wamp_value_double(NAN);
    wamp_buf out = {0};
    assert_int_equal(wamp_value_encode(MP, &nan, &out), WAMP_OK);
    assert_int_equal(out.len, 9);
    assert_int_equal(out.data[0], 0xcb);
    wamp_buf_free(&out);

    /* float32 is widened exactly */
    wamp_value x = wamp_value_double(1.5);
    bc_dec_is(MP, "ca3fc00000", &x, false);
    x = wamp_value_double((double)3.4028234663852886e+38f);
    bc_dec_is(MP, "ca7f7fffff", &x, false);
    x = wamp_value_double(-INFINITY);
    bc_dec_is(MP, "caff800000", &x, false);
    x = wamp_value_double(0.1f);
    bc_dec_is(MP, "ca3dcccccd", &x, false);
    wamp_arena *a = wamp_arena_new(0);
    assert_int_equal(bc_dec(MP, "ca7fc00000", a, &x), WAMP_OK);
    assert_true(isnan(x.as.d));
    bc_prefixes_hex(MP, "ca3fc00000");
    wamp_arena_free(a);
}

/* ---------------------------------------------------------------- strings and bytes */

/* A value of n bytes: text 'x' * n or bytes 0..255 repeated; checks header + payload. */
static void check_span(bool text, size_t n, const char *header)
{
    wamp_arena *a = wamp_arena_new(0);
    char *s = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        s[i] = text ? (char)('a' + i % 26) : (char)i;
    wamp_value v = text ? wamp_value_string(a, s, n) : wamp_value_bytes(a, s, n);
    wamp_buf out = {0};
    assert_int_equal(wamp_value_encode(MP, &v, &out), WAMP_OK);
    size_t hl;
    uint8_t *h = wt_unhex(header, &hl);
    assert_int_equal(out.len, hl + n);
    assert_memory_equal(out.data, h, hl);
    assert_memory_equal(out.data + hl, s, n);
    wamp_value d;
    assert_int_equal(wamp_value_decode(MP, out.data, out.len, a, NULL, &d), WAMP_OK);
    assert_int_equal(d.type, text ? WAMP_VALUE_STRING : WAMP_VALUE_BYTES);
    assert_true(wamp_value_equal(&v, &d));
    /* zero copy: the decoded payload points into the input */
    if (n) assert_ptr_equal(d.as.s, (const char *)out.data + hl);
    if (n < 300) bc_prefixes(MP, out.data, out.len);
    free(h);
    free(s);
    wamp_buf_free(&out);
    wamp_arena_free(a);
}

static void test_strings_bytes(void **state)
{
    check_span(true, 0, "a0");
    check_span(true, 1, "a1");
    check_span(true, 31, "bf");
    check_span(true, 32, "d920");
    check_span(true, 255, "d9ff");
    check_span(true, 256, "da0100");
    check_span(true, 65535, "daffff");
    check_span(true, 65536, "db00010000");
    check_span(false, 0, "c400");
    check_span(false, 1, "c401");
    check_span(false, 255, "c4ff");
    check_span(false, 256, "c50100");
    check_span(false, 65535, "c5ffff");
    check_span(false, 65536, "c600010000");

    wamp_arena *a = wamp_arena_new(0);
    wamp_value s = wamp_value_cstring(a, "IETF");
    bc_enc_is(MP, &s, "a449455446");
    /* UTF-8 and embedded NUL */
    s = wamp_value_string(a, "\xc3\xbc\0\xe6\xb0\xb4\xf0\x90\x85\x91", 10);
    bc_enc_is(MP, &s, "aa c3bc 00 e6b0b4 f0908591");
    bc_dec_is(MP, "aac3bc00e6b0b4f0908591", &s, true);
    /* non-minimal length classes decode */
    s = wamp_value_cstring(a, "abc");
    bc_dec_is(MP, "d903616263", &s, false);
    bc_dec_is(MP, "da0003616263", &s, false);
    bc_dec_is(MP, "db00000003616263", &s, false);
    wamp_value b = wamp_value_bytes(a, "abc", 3);
    bc_dec_is(MP, "c50003616263", &b, false);
    bc_dec_is(MP, "c600000003616263", &b, false);
    wamp_arena_free(a);
}

/* ---------------------------------------------------------------- containers */

static void check_array(size_t n, const char *header)
{
    wamp_arena *a = wamp_arena_new(0);
    wamp_value l = wamp_value_list();
    for (size_t i = 0; i < n; i++)
        assert_int_equal(wamp_value_list_push(a, &l, wamp_value_null()), 0);
    wamp_buf out = {0};
    assert_int_equal(wamp_value_encode(MP, &l, &out), WAMP_OK);
    size_t hl;
    uint8_t *h = wt_unhex(header, &hl);
    assert_int_equal(out.len, hl + n);
    assert_memory_equal(out.data, h, hl);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(out.data[hl + i], 0xc0);
    wamp_value d;
    assert_int_equal(wamp_value_decode(MP, out.data, out.len, a, NULL, &d), WAMP_OK);
    assert_int_equal(d.type, WAMP_VALUE_LIST);
    assert_int_equal(wamp_value_count(&d), n);
    assert_true(wamp_value_equal(&l, &d));
    if (n < 40) bc_prefixes(MP, out.data, out.len);
    free(h);
    wamp_buf_free(&out);
    wamp_arena_free(a);
}

/* A map of n entries: keys "k<i>" (fixstr), values i (ints). */
static void check_map(size_t n, const char *header)
{
    wamp_arena *a = wamp_arena_new(0);
    wamp_value m = wamp_value_dict();
    wamp_buf want = {0};
    size_t hl;
    uint8_t *h = wt_unhex(header, &hl);
    wamp_buf_append(&want, h, hl);
    for (size_t i = 0; i < n; i++) {
        char k[16];
        int kl = snprintf(k, sizeof k, "k%zu", i);
        assert_int_equal(wamp_value_dict_append(a, &m, (wamp_str){wamp_arena_strndup(a, k, kl), kl},
                                                wamp_value_int((int64_t)i)),
                         0);
        wamp_buf_append_byte(&want, (uint8_t)(0xa0 | kl));
        wamp_buf_append(&want, k, kl);
        wamp_value iv = wamp_value_int((int64_t)i);
        assert_int_equal(wamp_value_encode(MP, &iv, &want), 0);
    }
    wamp_buf out = {0};
    assert_int_equal(wamp_value_encode(MP, &m, &out), WAMP_OK);
    assert_int_equal(out.len, want.len);
    assert_memory_equal(out.data, want.data, out.len);
    wamp_value d;
    assert_int_equal(wamp_value_decode(MP, out.data, out.len, a, NULL, &d), WAMP_OK);
    assert_int_equal(d.type, WAMP_VALUE_DICT);
    assert_true(wamp_value_equal(&m, &d));
    /* insertion order is kept */
    if (n > 1) assert_true(wamp_str_eqc(wamp_value_dict_entry(&d, 1)->key, "k1"));
    if (n < 20) bc_prefixes(MP, out.data, out.len);
    free(h);
    wamp_buf_free(&want);
    wamp_buf_free(&out);
    wamp_arena_free(a);
}

static void test_containers(void **state)
{
    check_array(0, "90");
    check_array(1, "91");
    check_array(15, "9f");
    check_array(16, "dc0010");
    check_array(65535, "dcffff");
    check_array(65536, "dd00010000");
    check_map(0, "80");
    check_map(1, "81");
    check_map(15, "8f");
    check_map(16, "de0010");
    check_map(65535, "deffff");
    check_map(65536, "df00010000");

    /* nested, against hand-written bytes: [1, [2, 3], {"a": [true, null]}, b"\x01"] */
    wamp_arena *a = wamp_arena_new(0);
    wamp_value v = wamp_value_list(), inner = wamp_value_list(), m = wamp_value_dict(),
               mi = wamp_value_list();
    wamp_value_list_push(a, &inner, wamp_value_int(2));
    wamp_value_list_push(a, &inner, wamp_value_int(3));
    wamp_value_list_push(a, &mi, wamp_value_bool(true));
    wamp_value_list_push(a, &mi, wamp_value_null());
    wamp_value_dict_setc(a, &m, "a", mi);
    wamp_value_list_push(a, &v, wamp_value_int(1));
    wamp_value_list_push(a, &v, inner);
    wamp_value_list_push(a, &v, m);
    wamp_value_list_push(a, &v, wamp_value_bytes(a, "\x01", 1));
    const char *hex = "94 01 92 02 03 81 a1 61 92 c3 c0 c4 01 01";
    bc_enc_is(MP, &v, hex);
    bc_dec_is(MP, hex, &v, true);
    bc_prefixes_hex(MP, hex);
    /* non-minimal container headers decode */
    bc_dec_is(MP, "dd00000004 01 dc0002 02 03 de0001 a161 92 c3 c0 c40101", &v, false);
    bc_dec_is(MP, "94 01 92 02 03 df00000001 d90161 92 c3 c0 c50001 01", &v, false);
    wamp_arena_free(a);
}

/* ---------------------------------------------------------------- malformed input */

static void test_malformed(void **state)
{
    bc_dec_err(MP, "", WAMP_ETRUNCATED);
    bc_dec_err(MP, "c1", WAMP_ESYNTAX);
    bc_dec_err(MP, "91c1", WAMP_ESYNTAX);
    bc_dec_err(MP, "81a161c1", WAMP_ESYNTAX);
    /* ext types of every form, timestamp included */
    bc_dec_err(MP, "d40100", WAMP_EEXTTYPE);
    bc_dec_err(MP, "d5010000", WAMP_EEXTTYPE);
    bc_dec_err(MP, "d6ff00000000", WAMP_EEXTTYPE);
    bc_dec_err(MP, "d7ff0000000000000000", WAMP_EEXTTYPE);
    bc_dec_err(MP, "d80100000000000000000000000000000000", WAMP_EEXTTYPE);
    bc_dec_err(MP, "c70001", WAMP_EEXTTYPE);
    bc_dec_err(MP, "c8000001", WAMP_EEXTTYPE);
    bc_dec_err(MP, "c90000000001", WAMP_EEXTTYPE);
    bc_dec_err(MP, "91d40100", WAMP_EEXTTYPE);
    /* invalid UTF-8 in values and keys: bad byte, overlong, surrogate, > U+10FFFF, cut */
    bc_dec_err(MP, "a1ff", WAMP_EUTF8);
    bc_dec_err(MP, "a2c080", WAMP_EUTF8);
    bc_dec_err(MP, "a3eda080", WAMP_EUTF8);
    bc_dec_err(MP, "a4f4908080", WAMP_EUTF8);
    bc_dec_err(MP, "a2e6b0", WAMP_EUTF8);
    bc_dec_err(MP, "d903616263ff", WAMP_ETRAILING);
    bc_dec_err(MP, "d90461626380", WAMP_EUTF8);
    bc_dec_err(MP, "81a1ff01", WAMP_EUTF8);
    bc_dec_err(MP, "91a1ff", WAMP_EUTF8);
    /* bytes may hold anything */
    bc_dec_err(MP, "c401ff", WAMP_OK);
    /* map keys must be strings */
    bc_dec_err(MP, "810101", WAMP_EKEYTYPE);
    bc_dec_err(MP, "81c0c0", WAMP_EKEYTYPE);
    bc_dec_err(MP, "81c4016101", WAMP_EKEYTYPE);
    bc_dec_err(MP, "819000", WAMP_EKEYTYPE);
    bc_dec_err(MP, "818000", WAMP_EKEYTYPE);
    /* duplicate keys, small and large maps, in decoded and validated-only positions */
    bc_dec_err(MP, "82a16101a16102", WAMP_EDUPKEY);
    bc_dec_err(MP, "82a0c0a0c0", WAMP_EDUPKEY);
    bc_dec_err(MP, "82a16101d9016102", WAMP_EDUPKEY);
    bc_dec_err(MP, "82a16101a16201", WAMP_OK);
    wamp_buf big = {0};
    wamp_buf_append(&big, "\xde\x00\x28", 3);
    for (int i = 0; i < 40; i++) {
        char k[3] = {(char)0xa2, (char)('a' + i % 26), (char)('a' + i / 26)};
        if (i == 39) k[1] = 'c', k[2] = 'a'; /* equals key 2 */
        wamp_buf_append(&big, k, 3);
        wamp_buf_append_byte(&big, 0x01);
    }
    char *h = wt_hex(big.data, big.len);
    bc_dec_err(MP, h, WAMP_EDUPKEY);
    free(h);
    big.data[big.len - 2] = 'z';
    h = wt_hex(big.data, big.len);
    bc_dec_err(MP, h, WAMP_OK);
    free(h);
    wamp_buf_free(&big);
    /* the streaming transcoder reports what decoding reports */
    bc_transcode_err(MP, WAMP_SER_CBOR, "c1", WAMP_ESYNTAX);
    bc_transcode_err(MP, WAMP_SER_CBOR, "93a16101a1ff", WAMP_EUTF8);
    bc_transcode_err(MP, WAMP_SER_CBOR, "82a16101a16102", WAMP_EDUPKEY);
    bc_transcode_err(MP, WAMP_SER_CBOR, "810101", WAMP_EKEYTYPE);
    bc_transcode_err(MP, WAMP_SER_CBOR, "91d40100", WAMP_EEXTTYPE);
    bc_transcode_err(MP, WAMP_SER_CBOR, "ddffffffff", WAMP_ETRUNCATED);
    bc_transcode_err(MP, WAMP_SER_CBOR, "c0c0", WAMP_ETRAILING);
    bc_transcode_err(MP, WAMP_SER_CBOR, "", WAMP_ETRUNCATED);
    /* trailing bytes */
    bc_dec_err(MP, "c0c0", WAMP_ETRAILING);
    bc_dec_err(MP, "9000", WAMP_ETRAILING);
    /* lengths beyond the input */
    bc_dec_err(MP, "a5616263", WAMP_ETRUNCATED);
    bc_dec_err(MP, "dbffffffff", WAMP_ETRUNCATED);
    bc_dec_err(MP, "c6ffffffff00", WAMP_ETRUNCATED);
    bc_dec_err(MP, "ddffffffff", WAMP_ETRUNCATED);
    bc_dec_err(MP, "dfffffffff", WAMP_ETRUNCATED);
    bc_dec_err(MP, "920000c0", WAMP_ETRAILING);
    /* an element's declared length may not eat the bytes its siblings need */
    bc_dec_err(MP, "92a3616263", WAMP_ETRUNCATED);
    bc_dec_err(MP, "82a161c0", WAMP_ETRUNCATED);
}

/* Tiny inputs declaring huge counts fail fast and allocate next to nothing. Nested declared
 * counts cannot add up either: memory stays proportional to the input. */
static void test_no_allocation_bomb(void **state)
{
    wamp_arena *a = wamp_arena_new(0);
    wamp_value v;
    size_t base = wamp_arena_used(a);
    const char *bombs[] = {"ddffffffff", "dfffffffff",   "dbffffffff",
                           "c6ffffffff", "91ddffffffff", "dd0000ffff dd0000fffe dd0000fffd"};
    for (size_t k = 0; k < sizeof bombs / sizeof bombs[0]; k++) {
        wamp_arena_reset(a);
        assert_int_equal(bc_dec(MP, bombs[k], a, &v), WAMP_ETRUNCATED);
        assert_true(wamp_arena_used(a) - base < 1024);
    }
    /* 1000 nested array16 headers each declaring 1000 elements, then nothing: every level
     * must see that the bytes are owed to the levels around it. */
    size_t n = 0;
    uint8_t *b = bc_make("", 3000, 0, &n);
    for (size_t i = 0; i < 1000; i++) {
        b[3 * i] = 0xdc;
        b[3 * i + 1] = 0x03;
        b[3 * i + 2] = 0xe8;
    }
    wamp_decode_opts o = {.max_depth = 2000};
    wamp_arena_reset(a);
    assert_int_equal(wamp_value_decode(MP, b, n, a, &o, &v), WAMP_ETRUNCATED);
    assert_true(wamp_arena_used(a) < 64 * n);
    free(b);
    wamp_arena_free(a);
}

static void test_depth(void **state)
{
    wamp_arena *a = wamp_arena_new(0);
    wamp_value v;
    size_t n;
    uint8_t *b = bc_make("", 100000, 0x91, &n);
    b[n - 1] = 0x90;
    assert_int_equal(wamp_value_decode(MP, b, n, a, NULL, &v), WAMP_EDEPTH);
    free(b);
    b = bc_make("", 100000, 0x81, &n); /* {"":{"":...}} needs keys: also a bomb of maps */
    for (size_t i = 0; i + 1 < n; i += 2)
        b[i + 1] = 0xa0;
    assert_int_equal(wamp_value_decode(MP, b, n, a, NULL, &v), WAMP_EDEPTH);
    free(b);
    wamp_decode_opts o = {.max_depth = 3};
    uint8_t ok[] = {0x91, 0x91, 0x90}, deep[] = {0x91, 0x91, 0x91, 0x90},
            mdeep[] = {0x91, 0x81, 0xa0, 0x91, 0x80};
    assert_int_equal(wamp_value_decode(MP, ok, 3, a, &o, &v), WAMP_OK);
    assert_int_equal(wamp_value_decode(MP, deep, 4, a, &o, &v), WAMP_EDEPTH);
    assert_int_equal(wamp_value_decode(MP, mdeep, 5, a, &o, &v), WAMP_EDEPTH);
    /* the default limit is 64 levels */
    b = bc_make("", 64, 0x91, &n);
    b[63] = 0x90;
    assert_int_equal(wamp_value_decode(MP, b, n, a, NULL, &v), WAMP_OK);
    b = realloc(b, 65);
    b[63] = 0x91;
    b[64] = 0x90;
    assert_int_equal(wamp_value_decode(MP, b, 65, a, NULL, &v), WAMP_EDEPTH);
    free(b);
    /* max_size */
    wamp_decode_opts small = {.max_size = 2};
    assert_int_equal(wamp_value_decode(MP, deep, 4, a, &small, &v), WAMP_ETOOBIG);
    wamp_arena_free(a);
}

/* ---------------------------------------------------------------- encoder errors */

static void test_encode_errors(void **state)
{
    wamp_arena *a = wamp_arena_new(0);
    wamp_buf out = {0};
    wamp_buf_append(&out, "xy", 2);
    wamp_value bad = wamp_value_string(a, "a\xff", 2);
    assert_int_equal(wamp_value_encode(MP, &bad, &out), WAMP_EUTF8);
    assert_int_equal(out.len, 2);
    wamp_value l = wamp_value_list();
    wamp_value_list_push(a, &l, wamp_value_int(1));
    wamp_value_list_push(a, &l, bad);
    assert_int_equal(wamp_value_encode(MP, &l, &out), WAMP_EUTF8);
    assert_int_equal(out.len, 2);
    wamp_value m = wamp_value_dict();
    wamp_value_dict_append(a, &m, (wamp_str){"\xc0\x80", 2}, wamp_value_null());
    assert_int_equal(wamp_value_encode(MP, &m, &out), WAMP_EUTF8);
    assert_int_equal(out.len, 2);
    /* nesting deeper than the encoder's limit */
    wamp_value deep = wamp_value_list();
    for (int i = 0; i < 2000; i++) {
        wamp_value outer = wamp_value_list();
        wamp_value_list_push(a, &outer, deep);
        deep = outer;
    }
    assert_int_equal(wamp_value_encode(MP, &deep, &out), WAMP_EDEPTH);
    assert_int_equal(out.len, 2);
    wamp_buf_free(&out);
    wamp_arena_free(a);
}

/* ---------------------------------------------------------------- borrowing and copying */

static void test_borrow_copy(void **state)
{
    uint8_t in[] = {0x92, 0xa3, 'a', 'b', 'c', 0x81, 0xa1, 'k', 0xc4, 0x01, 0x07};
    wamp_arena *a = wamp_arena_new(0);
    wamp_value v, *s, *bv;
    assert_int_equal(wamp_value_decode(MP, in, sizeof in, a, NULL, &v), WAMP_OK);
    s = wamp_value_list_at(&v, 0);
    assert_ptr_equal(s->as.s, (const char *)in + 2);
    assert_ptr_equal(wamp_value_dict_entry(wamp_value_list_at(&v, 1), 0)->key.ptr,
                     (const char *)in + 7);
    wamp_decode_opts o = {.copy_strings = true};
    assert_int_equal(wamp_value_decode(MP, in, sizeof in, a, &o, &v), WAMP_OK);
    uint8_t saved[sizeof in];
    memcpy(saved, in, sizeof in);
    memset(in, 'X', sizeof in);
    s = wamp_value_list_at(&v, 0);
    assert_int_equal(s->len, 3);
    assert_memory_equal(s->as.s, "abc", 3);
    assert_int_equal(s->as.s[3], 0);
    wamp_kv *kv = wamp_value_dict_entry(wamp_value_list_at(&v, 1), 0);
    assert_true(wamp_str_eqc(kv->key, "k"));
    bv = &kv->value;
    assert_int_equal(bv->type, WAMP_VALUE_BYTES);
    assert_int_equal(bv->as.s[0], 7);
    memcpy(in, saved, sizeof in);
    wamp_arena_free(a);
}

/* ---------------------------------------------------------------- lazy decoding */

static size_t g_first;
static size_t g_count;
static size_t raw_from_4(int64_t first, size_t count, void *user)
{
    g_first = (size_t)first;
    g_count = count;
    return *(size_t *)user;
}

static void test_raw_from(void **state)
{
    /* [48, 7, {"a": 1}, "proc", [1, [2]], {"k": "v"}, 5] */
    const char *hex = "97 30 07 81a16101 a470726f63 92 01 91 02 81a16ba176 05";
    size_t n;
    uint8_t *b = wt_unhex(hex, &n);
    wamp_arena *a = wamp_arena_new(0);
    size_t from = 4;
    wamp_decode_opts o = {.raw_from = raw_from_4, .raw_user = &from};
    wamp_value v;
    assert_int_equal(wamp_value_decode(MP, b, n, a, &o, &v), WAMP_OK);
    assert_int_equal(g_first, 48);
    assert_int_equal(g_count, 7);
    assert_int_equal(wamp_value_list_at(&v, 2)->type, WAMP_VALUE_DICT);
    assert_int_equal(wamp_value_list_at(&v, 3)->type, WAMP_VALUE_STRING);
    wamp_value *r4 = wamp_value_list_at(&v, 4), *r5 = wamp_value_list_at(&v, 5);
    assert_int_equal(r4->type, WAMP_VALUE_RAW);
    assert_int_equal(r4->ser, WAMP_SER_MSGPACK);
    assert_int_equal(r4->len, 4);
    assert_ptr_equal(r4->as.raw, b + 12);
    assert_int_equal(r5->type, WAMP_VALUE_RAW);
    assert_int_equal(r5->len, 5);
    assert_memory_equal(r5->as.raw, b + 16, 5);
    assert_int_equal(wamp_value_list_at(&v, 6)->type, WAMP_VALUE_INT); /* scalars decoded */
    /* re-encoding copies the raw spans: identical bytes */
    wamp_buf out = {0};
    assert_int_equal(wamp_value_encode(MP, &v, &out), WAMP_OK);
    assert_int_equal(out.len, n);
    assert_memory_equal(out.data, b, n);
    /* into CBOR: the raw spans are transcoded */
    wamp_buf_clear(&out);
    assert_int_equal(wamp_value_encode(WAMP_SER_CBOR, &v, &out), WAMP_OK);
    char *h = wt_hex(out.data, out.len),
         *want = bc_norm_hex("87 1830 07 a1616101 6470726f63 82 01 81 02 a1616b6176 05");
    assert_string_equal(h, want);
    free(h);
    free(want);
    /* the raw span decodes to what a full decode gives */
    wamp_value full, sub;
    assert_int_equal(wamp_value_decode(MP, b, n, a, NULL, &full), WAMP_OK);
    assert_int_equal(wamp_value_decode(MP, r4->as.raw, r4->len, a, NULL, &sub), WAMP_OK);
    assert_true(wamp_value_equal(&sub, wamp_value_list_at(&full, 4)));
    /* copy_strings copies raw spans too */
    o.copy_strings = true;
    assert_int_equal(wamp_value_decode(MP, b, n, a, &o, &v), WAMP_OK);
    assert_ptr_not_equal(wamp_value_list_at(&v, 4)->as.raw, b + 12);
    assert_memory_equal(wamp_value_list_at(&v, 4)->as.raw, b + 12, 4);
    o.copy_strings = false;
    /* SIZE_MAX: nothing raw */
    from = SIZE_MAX;
    assert_int_equal(wamp_value_decode(MP, b, n, a, &o, &v), WAMP_OK);
    assert_true(wamp_value_equal(&v, &full));
    /* from 0: every container, scalars still decoded */
    from = 0;
    assert_int_equal(wamp_value_decode(MP, b, n, a, &o, &v), WAMP_OK);
    assert_int_equal(wamp_value_list_at(&v, 2)->type, WAMP_VALUE_RAW);
    assert_int_equal(wamp_value_list_at(&v, 0)->type, WAMP_VALUE_INT);
    free(b);

    /* raw spans are validated in full */
    from = 2;
    const char *bad[] = {"93 30 07 91c1",     "93 30 07 82a16101a16102", "93 30 07 91a1ff",
                         "93 30 07 81 01 01", "93 30 07 91d40100",       "93 30 07 92 01",
                         "93 30 07 dcffff"};
    const int err[] = {WAMP_ESYNTAX,  WAMP_EDUPKEY,    WAMP_EUTF8,     WAMP_EKEYTYPE,
                       WAMP_EEXTTYPE, WAMP_ETRUNCATED, WAMP_ETRUNCATED};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        b = wt_unhex(bad[k], &n);
        assert_int_equal(wamp_value_decode(MP, b, n, a, &o, &v), err[k]);
        free(b);
    }
    o.max_depth = 2;
    b = wt_unhex("93 30 07 91 91 90", &n);
    assert_int_equal(wamp_value_decode(MP, b, n, a, &o, &v), WAMP_EDEPTH);
    free(b);
    o.max_depth = 0;
    /* not a message: decoded in full, raw_from not called */
    g_count = 0;
    b = wt_unhex("92 a161 91 01", &n);
    assert_int_equal(wamp_value_decode(MP, b, n, a, &o, &v), WAMP_OK);
    assert_int_equal(g_count, 0);
    assert_int_equal(wamp_value_list_at(&v, 1)->type, WAMP_VALUE_LIST);
    free(b);
    b = wt_unhex("81 a161 91 01", &n);
    assert_int_equal(wamp_value_decode(MP, b, n, a, &o, &v), WAMP_OK);
    assert_int_equal(v.type, WAMP_VALUE_DICT);
    free(b);
    b = wt_unhex("90", &n);
    assert_int_equal(wamp_value_decode(MP, b, n, a, &o, &v), WAMP_OK);
    assert_int_equal(g_count, 0);
    free(b);
    b = wt_unhex("93 30 07", &n);
    assert_int_equal(wamp_value_decode(MP, b, n, a, &o, &v), WAMP_ETRUNCATED);
    free(b);
    wamp_buf_free(&out);
    wamp_arena_free(a);
}

/* ---------------------------------------------------------------- random round trips */

static void test_random_roundtrip(void **state)
{
    wt_rng r = {20261125};
    wamp_arena *a = wamp_arena_new(0);
    for (int i = 0; i < 3000; i++) {
        wamp_arena_reset(a);
        wamp_value v = wt_rand_value(&r, a, 5);
        bc_roundtrip(MP, &v);
        bc_transcode_matches(MP, WAMP_SER_CBOR, &v);
        /* and through CBOR and back */
        wamp_buf c = {0}, m = {0}, m2 = {0};
        assert_int_equal(wamp_value_encode(MP, &v, &m), WAMP_OK);
        assert_int_equal(wamp_value_transcode(MP, m.data, m.len, WAMP_SER_CBOR, &c), WAMP_OK);
        assert_int_equal(wamp_value_transcode(WAMP_SER_CBOR, c.data, c.len, MP, &m2), WAMP_OK);
        assert_int_equal(m.len, m2.len);
        assert_memory_equal(m.data, m2.data, m.len);
        if (i % 50 == 0 && m.len < 400) bc_prefixes(MP, m.data, m.len);
        wamp_buf_free(&c);
        wamp_buf_free(&m);
        wamp_buf_free(&m2);
    }
    wamp_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ints),
        cmocka_unit_test(test_scalars),
        cmocka_unit_test(test_strings_bytes),
        cmocka_unit_test(test_containers),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_no_allocation_bomb),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_encode_errors),
        cmocka_unit_test(test_borrow_copy),
        cmocka_unit_test(test_raw_from),
        cmocka_unit_test(test_random_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
