/* CBOR value codec: RFC 8949 Appendix A examples, byte-exact vectors for every type and size
 * class as cbor2 writes them, tags, indefinite lengths, malformed input of every kind, lazy
 * (raw_from) decoding, bounded memory, random round trips. */
#include "bincodec_util.h"

#include <math.h>

#define CB WAMP_SER_CBOR

static wamp_arena *A;

static int setup(void **state)
{
    A = wamp_arena_new(0);
    return 0;
}
static int teardown(void **state)
{
    wamp_arena_free(A);
    return 0;
}

static wamp_value I(int64_t i)
{
    return wamp_value_int(i);
}
static wamp_value U(uint64_t u)
{
    return wamp_value_uint(u);
}
static wamp_value D(double d)
{
    return wamp_value_double(d);
}
static wamp_value S(const char *s)
{
    return wamp_value_cstring(A, s);
}
static wamp_value B(const char *s, size_t n)
{
    return wamp_value_bytes(A, s, n);
}
static wamp_value L(int n, ...)
{
    wamp_value l = wamp_value_list();
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        wamp_value_list_push(A, &l, va_arg(ap, wamp_value));
    va_end(ap);
    return l;
}
static wamp_value M(int n, ...)
{
    wamp_value m = wamp_value_dict();
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        const char *k = va_arg(ap, const char *);
        wamp_value_dict_setc(A, &m, k, va_arg(ap, wamp_value));
    }
    va_end(ap);
    return m;
}
static wamp_value range(int from, int to)
{
    wamp_value l = wamp_value_list();
    for (int i = from; i <= to; i++)
        wamp_value_list_push(A, &l, I(i));
    return l;
}

/* ---------------------------------------------------------------- RFC 8949 Appendix A */

static void test_rfc8949_appendix_a(void **state)
{
    /* Integers: decode, encode (cbor2 writes the same shortest forms), every prefix. */
    static const struct {
        int64_t i;
        const char *hex;
    } ints[] = {{0, "00"},
                {1, "01"},
                {10, "0a"},
                {23, "17"},
                {24, "1818"},
                {25, "1819"},
                {100, "1864"},
                {1000, "1903e8"},
                {1000000, "1a000f4240"},
                {1000000000000LL, "1b000000e8d4a51000"},
                {-1, "20"},
                {-10, "29"},
                {-100, "3863"},
                {-1000, "3903e7"}};
    for (size_t k = 0; k < sizeof ints / sizeof ints[0]; k++) {
        wamp_value v = I(ints[k].i);
        bc_dec_is(CB, ints[k].hex, &v, true);
        bc_prefixes_hex(CB, ints[k].hex);
    }
    wamp_value v = U(UINT64_MAX);
    bc_dec_is(CB, "1bffffffffffffffff", &v, true);
    /* 2^64, -2^64 and -2^64-1 do not fit our integers: WAMP_ENUMBER, never a double */
    bc_dec_err(CB, "c249010000000000000000", WAMP_ENUMBER);
    bc_dec_err(CB, "3bffffffffffffffff", WAMP_ENUMBER);
    bc_dec_err(CB, "c349010000000000000000", WAMP_ENUMBER);

    /* Floats: decoded exactly from every width. */
    static const struct {
        double d;
        const char *hex;
    } fl[] = {{0.0, "f90000"},
              {-0.0, "f98000"},
              {1.0, "f93c00"},
              {1.1, "fb3ff199999999999a"},
              {1.5, "f93e00"},
              {65504.0, "f97bff"},
              {100000.0, "fa47c35000"},
              {3.4028234663852886e+38, "fa7f7fffff"},
              {1.0e+300, "fb7e37e43c8800759c"},
              {5.960464477539063e-8, "f90001"},
              {0.00006103515625, "f90400"},
              {-4.0, "f9c400"},
              {-4.1, "fbc010666666666666"},
              {INFINITY, "f97c00"},
              {-INFINITY, "f9fc00"},
              {INFINITY, "fa7f800000"},
              {-INFINITY, "faff800000"},
              {INFINITY, "fb7ff0000000000000"},
              {-INFINITY, "fbfff0000000000000"}};
    for (size_t k = 0; k < sizeof fl / sizeof fl[0]; k++) {
        v = D(fl[k].d);
        bc_dec_is(CB, fl[k].hex, &v, false);
        bc_prefixes_hex(CB, fl[k].hex);
    }
    const char *nans[] = {"f97e00", "fa7fc00000", "fb7ff8000000000000"};
    for (size_t k = 0; k < 3; k++) {
        assert_int_equal(bc_dec(CB, nans[k], A, &v), WAMP_OK);
        assert_int_equal(v.type, WAMP_VALUE_DOUBLE);
        assert_true(isnan(v.as.d));
        uint64_t bits;
        memcpy(&bits, &v.as.d, 8);
        assert_true(bits == 0x7ff8000000000000ull);
    }

    /* Simple values */
    v = wamp_value_bool(false);
    bc_dec_is(CB, "f4", &v, true);
    v = wamp_value_bool(true);
    bc_dec_is(CB, "f5", &v, true);
    v = wamp_value_null();
    bc_dec_is(CB, "f6", &v, true);
    bc_dec_is(CB, "f7", &v, false); /* undefined reads as null */
    bc_dec_err(CB, "f0", WAMP_EEXTTYPE);
    bc_dec_err(CB, "f8ff", WAMP_EEXTTYPE);

    /* Tags: 0 and 1 pass their content through, other tags are dropped. */
    v = S("2013-03-21T20:04:00Z");
    bc_dec_is(CB, "c074323031332d30332d32315432303a30343a30305a", &v, false);
    v = I(1363896240);
    bc_dec_is(CB, "c11a514b67b0", &v, false);
    v = D(1363896240.5);
    bc_dec_is(CB, "c1fb41d452d9ec200000", &v, false);
    v = B("\x01\x02\x03\x04", 4);
    bc_dec_is(CB, "d74401020304", &v, false);
    v = B("dIETF", 5);
    bc_dec_is(CB, "d818456449455446", &v, false);
    v = S("http://www.example.com");
    bc_dec_is(CB, "d82076687474703a2f2f7777772e6578616d706c652e636f6d", &v, false);

    /* Strings */
    static const struct {
        const char *s;
        size_t n;
        bool text;
        const char *hex;
    } st[] = {{"", 0, false, "40"},
              {"\x01\x02\x03\x04", 4, false, "4401020304"},
              {"", 0, true, "60"},
              {"a", 1, true, "6161"},
              {"IETF", 4, true, "6449455446"},
              {"\"\\", 2, true, "62225c"},
              {"\xc3\xbc", 2, true, "62c3bc"},
              {"\xe6\xb0\xb4", 3, true, "63e6b0b4"},
              {"\xf0\x90\x85\x91", 4, true, "64f0908591"}};
    for (size_t k = 0; k < sizeof st / sizeof st[0]; k++) {
        v = st[k].text ? wamp_value_string(A, st[k].s, st[k].n) : B(st[k].s, st[k].n);
        bc_dec_is(CB, st[k].hex, &v, true);
        bc_prefixes_hex(CB, st[k].hex);
    }

    /* Arrays and maps */
    v = L(0);
    bc_dec_is(CB, "80", &v, true);
    v = L(3, I(1), I(2), I(3));
    bc_dec_is(CB, "83010203", &v, true);
    wamp_value nested = L(3, I(1), L(2, I(2), I(3)), L(2, I(4), I(5)));
    bc_dec_is(CB, "8301820203820405", &nested, true);
    wamp_value r25 = range(1, 25);
    const char *hex25 = "98190102030405060708090a0b0c0d0e0f101112131415161718181819";
    bc_dec_is(CB, hex25, &r25, true);
    bc_prefixes_hex(CB, hex25);
    v = M(0);
    bc_dec_is(CB, "a0", &v, true);
    bc_dec_err(CB, "a201020304", WAMP_EKEYTYPE); /* {1: 2, 3: 4}: keys must be text */
    v = M(2, "a", I(1), "b", L(2, I(2), I(3)));
    bc_dec_is(CB, "a26161016162820203", &v, true);
    wamp_value ab = L(2, S("a"), M(1, "b", S("c")));
    bc_dec_is(CB, "826161a161626163", &ab, true);
    v = M(5, "a", S("A"), "b", S("B"), "c", S("C"), "d", S("D"), "e", S("E"));
    bc_dec_is(CB, "a56161614161626142616361436164614461656145", &v, true);
    bc_prefixes_hex(CB, "a56161614161626142616361436164614461656145");

    /* Indefinite lengths */
    v = B("\x01\x02\x03\x04\x05", 5);
    bc_dec_is(CB, "5f42010243030405ff", &v, false);
    bc_prefixes_hex(CB, "5f42010243030405ff");
    v = S("streaming");
    bc_dec_is(CB, "7f657374726561646d696e67ff", &v, false);
    bc_prefixes_hex(CB, "7f657374726561646d696e67ff");
    v = L(0);
    bc_dec_is(CB, "9fff", &v, false);
    bc_dec_is(CB, "9f018202039f0405ffff", &nested, false);
    bc_dec_is(CB, "9f01820203820405ff", &nested, false);
    bc_dec_is(CB, "83018202039f0405ff", &nested, false);
    bc_dec_is(CB, "83019f0203ff820405", &nested, false);
    bc_prefixes_hex(CB, "9f018202039f0405ffff");
    bc_dec_is(CB, "9f0102030405060708090a0b0c0d0e0f101112131415161718181819ff", &r25, false);
    v = M(2, "a", I(1), "b", L(2, I(2), I(3)));
    bc_dec_is(CB, "bf61610161629f0203ffff", &v, false);
    bc_prefixes_hex(CB, "bf61610161629f0203ffff");
    bc_dec_is(CB, "826161bf61626163ff", &ab, false);
    v = M(2, "Fun", wamp_value_bool(true), "Amt", I(-2));
    bc_dec_is(CB, "bf6346756ef563416d7421ff", &v, false);
}

/* ---------------------------------------------------------------- encoder, as cbor2 */

static void test_encode_like_cbor2(void **state)
{
    wamp_value v;
    /* doubles: float64 always, except NaN and infinities (cbor2's special case) */
    static const struct {
        double d;
        const char *hex;
    } fl[] = {{0.0, "fb0000000000000000"},
              {-0.0, "fb8000000000000000"},
              {1.0, "fb3ff0000000000000"},
              {1.5, "fb3ff8000000000000"},
              {1.1, "fb3ff199999999999a"},
              {100000.0, "fb40f86a0000000000"},
              {INFINITY, "f97c00"},
              {-INFINITY, "f9fc00"},
              {NAN, "f97e00"},
              {5e-324, "fb0000000000000001"}};
    for (size_t k = 0; k < sizeof fl / sizeof fl[0]; k++) {
        v = D(fl[k].d);
        bc_enc_is(CB, &v, fl[k].hex);
    }
    uint64_t nanbits = 0xfff8000000000123ull; /* any NaN, any payload */
    memcpy(&v.as.d, &nanbits, 8);
    bc_enc_is(CB, &v, "f97e00");
    /* integers around every boundary */
    static const struct {
        int64_t i;
        const char *hex;
    } ints[] = {{23, "17"},
                {24, "1818"},
                {255, "18ff"},
                {256, "190100"},
                {65535, "19ffff"},
                {65536, "1a00010000"},
                {4294967295LL, "1affffffff"},
                {4294967296LL, "1b0000000100000000"},
                {INT64_MAX, "1b7fffffffffffffff"},
                {-24, "37"},
                {-25, "3818"},
                {-256, "38ff"},
                {-257, "390100"},
                {-65536, "39ffff"},
                {-65537, "3a00010000"},
                {-4294967296LL, "3affffffff"},
                {-4294967297LL, "3b0000000100000000"},
                {INT64_MIN, "3b7fffffffffffffff"}};
    for (size_t k = 0; k < sizeof ints / sizeof ints[0]; k++) {
        v = I(ints[k].i);
        bc_enc_is(CB, &v, ints[k].hex);
        bc_dec_is(CB, ints[k].hex, &v, true);
        bc_prefixes_hex(CB, ints[k].hex);
    }
    v = U((uint64_t)INT64_MAX + 1);
    bc_enc_is(CB, &v, "1b8000000000000000");
    /* non-shortest arguments are accepted on decode */
    v = I(5);
    const char *fives[] = {"1805", "190005", "1a00000005", "1b0000000000000005"};
    for (size_t k = 0; k < 4; k++)
        bc_dec_is(CB, fives[k], &v, false);
    v = I(-1);
    bc_dec_is(CB, "3b0000000000000000", &v, false);
    v = I(INT64_MIN);
    bc_dec_is(CB, "3b7fffffffffffffff", &v, true);
    bc_dec_err(CB, "3b8000000000000000", WAMP_ENUMBER);
    v = S("abc");
    bc_dec_is(CB, "7803616263", &v, false);
    bc_dec_is(CB, "7b0000000000000003616263", &v, false);
    v = L(1, I(1));
    bc_dec_is(CB, "9b000000000000000101", &v, false);
}

/* Strings, bytes, arrays, maps in every length class: header bytes by hand. */
static void check_sizes(unsigned major, size_t n, const char *header)
{
    wamp_value v;
    wamp_buf want = {0};
    size_t hl;
    uint8_t *h = wt_unhex(header, &hl);
    wamp_buf_append(&want, h, hl);
    free(h);
    char *s = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        s[i] = (char)('a' + i % 26);
    switch (major) {
    case 2:
        v = B(s, n);
        wamp_buf_append(&want, s, n);
        break;
    case 3:
        v = wamp_value_string(A, s, n);
        wamp_buf_append(&want, s, n);
        break;
    case 4:
        v = wamp_value_list();
        for (size_t i = 0; i < n; i++) {
            wamp_value_list_push(A, &v, wamp_value_bool(i & 1));
            wamp_buf_append_byte(&want, i & 1 ? 0xf5 : 0xf4);
        }
        break;
    default:
        v = wamp_value_dict();
        for (size_t i = 0; i < n; i++) {
            char k[16];
            int kl = snprintf(k, sizeof k, "%zx", i);
            wamp_value_dict_append(A, &v, (wamp_str){wamp_arena_strndup(A, k, kl), kl},
                                   wamp_value_null());
            wamp_buf_append_byte(&want, (uint8_t)(0x60 | kl));
            wamp_buf_append(&want, k, kl);
            wamp_buf_append_byte(&want, 0xf6);
        }
    }
    wamp_buf out = {0};
    assert_int_equal(wamp_value_encode(CB, &v, &out), WAMP_OK);
    assert_int_equal(out.len, want.len);
    assert_memory_equal(out.data, want.data, out.len);
    wamp_value d;
    assert_int_equal(wamp_value_decode(CB, out.data, out.len, A, NULL, &d), WAMP_OK);
    assert_true(wamp_value_equal(&v, &d));
    if ((major == 2 || major == 3) && n) assert_ptr_equal(d.as.s, (const char *)out.data + hl);
    if (n < 30) bc_prefixes(CB, out.data, out.len);
    wamp_buf_free(&out);
    wamp_buf_free(&want);
    free(s);
}

static void test_size_classes(void **state)
{
    static const struct {
        size_t n;
        const char *h;
    } sz[] = {{0, "00"},       {23, "17"},        {24, "1818"},         {255, "18ff"},
              {256, "190100"}, {65535, "19ffff"}, {65536, "1a00010000"}};
    for (unsigned major = 2; major <= 5; major++) {
        for (size_t k = 0; k < sizeof sz / sizeof sz[0]; k++) {
            char header[16];
            unsigned first = (unsigned)strtoul((char[3]){sz[k].h[0], sz[k].h[1], 0}, NULL, 16);
            snprintf(header, sizeof header, "%02x%s", (major << 5) | first, sz[k].h + 2);
            check_sizes(major, sz[k].n, header);
        }
    }
}

/* ---------------------------------------------------------------- tags */

static void test_tags(void **state)
{
    wamp_value v;
    /* bignums that fit */
    v = I(5);
    bc_dec_is(CB, "c24105", &v, false);
    v = I(0);
    bc_dec_is(CB, "c240", &v, false);
    v = I(-1);
    bc_dec_is(CB, "c340", &v, false);
    v = U(UINT64_MAX);
    bc_dec_is(CB, "c248ffffffffffffffff", &v, false);
    bc_dec_is(CB, "c24a0000ffffffffffffffff", &v, false); /* leading zeros */
    v = I(INT64_MIN);
    bc_dec_is(CB, "c3487fffffffffffffff", &v, false);
    v = I(258);
    bc_dec_is(CB, "c25f41014102ff", &v, false); /* indefinite byte string */
    bc_dec_err(CB, "c3488000000000000000", WAMP_ENUMBER);
    bc_dec_err(CB, "c249010000000000000000", WAMP_ENUMBER);
    bc_dec_err(CB, "c201", WAMP_ESYNTAX);
    bc_dec_err(CB, "c26161", WAMP_ESYNTAX);
    bc_dec_err(CB, "c2", WAMP_ETRUNCATED);
    bc_prefixes_hex(CB, "c24a0000ffffffffffffffff");
    /* decimal fractions: the correctly rounded double */
    v = D(273.15);
    bc_dec_is(CB, "c48221196ab3", &v, false);
    v = D(1.5e11);
    bc_dec_is(CB, "c4820a0f", &v, false);
    v = D(-0.1);
    bc_dec_is(CB, "c4822020", &v, false);
    v = D(184467440737095.51615); /* bignum mantissa 2^64-1 */
    bc_dec_is(CB, "c48224c248ffffffffffffffff", &v, false);
    v = D(123456789.0e-300);
    bc_dec_is(CB, "c48239012b 1a075bcd15", &v, false);
    bc_dec_err(CB, "c482190400 01", WAMP_ENUMBER); /* 1e1024 overflows */
    bc_dec_err(CB, "c48301 02 03", WAMP_ESYNTAX);
    bc_dec_err(CB, "c4 01", WAMP_ESYNTAX);
    bc_dec_err(CB, "c4 82 f9 3c00 01", WAMP_ESYNTAX);
    bc_dec_err(CB, "c4 82 01 6161", WAMP_ESYNTAX);
    bc_dec_err(CB, "c4 82 01 c249010000000000000000", WAMP_ENUMBER);
    bc_dec_err(CB, "c4 82 1b8000000000000000 01", WAMP_ENUMBER);
    bc_prefixes_hex(CB, "c48221196ab3");
    /* self-describe and chains: only the innermost tag counts */
    v = L(1, I(1));
    bc_dec_is(CB, "d9d9f7 8101", &v, false);
    v = I(5);
    bc_dec_is(CB, "d9d9f7 c2 4105", &v, false);
    bc_dec_is(CB, "d9d9f7 d9d9f7 d9d9f7 05", &v, false);
}

/* Bigfloat (tag 5) is an ordinary dropped tag: its content, the list, remains. */
static void test_tag_dropped(void **state)
{
    wamp_value v = L(2, I(-1), I(3));
    bc_dec_is(CB, "c5822003", &v, false);
    v = M(1, "k", I(1));
    bc_dec_is(CB, "a1 d820 616b 01", &v, false); /* tagged key */
    bc_dec_err(CB, "a1 c2 4101 01", WAMP_EKEYTYPE);
    /* tag bomb: a long chain is iterative, not recursive */
    size_t n;
    uint8_t *b = bc_make("", 200001, 0xc6, &n);
    b[n - 1] = 0x01;
    wamp_value d;
    assert_int_equal(wamp_value_decode(CB, b, n, A, NULL, &d), WAMP_OK);
    assert_true(wamp_value_equal(&d, &(wamp_value){.type = WAMP_VALUE_INT, .as.i = 1}));
    b[n - 1] = 0xc6;
    assert_int_equal(wamp_value_decode(CB, b, n, A, NULL, &d), WAMP_ETRUNCATED);
    free(b);
}

/* ---------------------------------------------------------------- malformed */

static void test_malformed(void **state)
{
    bc_dec_err(CB, "", WAMP_ETRUNCATED);
    /* reserved additional information 28-30 in every major type */
    for (unsigned major = 0; major < 8; major++)
        for (unsigned ai = 28; ai <= 30; ai++) {
            char hex[3];
            snprintf(hex, sizeof hex, "%02x", major << 5 | ai);
            bc_dec_err(CB, hex, WAMP_ESYNTAX);
        }
    /* indefinite length where none is allowed */
    bc_dec_err(CB, "1f", WAMP_ESYNTAX);
    bc_dec_err(CB, "3f", WAMP_ESYNTAX);
    bc_dec_err(CB, "df", WAMP_ESYNTAX);
    /* break outside an indefinite item, or in the wrong place */
    bc_dec_err(CB, "ff", WAMP_ESYNTAX);
    bc_dec_err(CB, "8201ff", WAMP_ESYNTAX);
    bc_dec_err(CB, "a16161ff", WAMP_ESYNTAX);
    bc_dec_err(CB, "bf6161ff", WAMP_ESYNTAX);
    bc_dec_err(CB, "9f01ffff", WAMP_ETRAILING);
    /* unterminated indefinite items */
    bc_dec_err(CB, "9f0102", WAMP_ETRUNCATED);
    bc_dec_err(CB, "bf616101", WAMP_ETRUNCATED);
    bc_dec_err(CB, "5f4101", WAMP_ETRUNCATED);
    /* chunks: same major type, definite */
    bc_dec_err(CB, "5f6161ff", WAMP_ESYNTAX);
    bc_dec_err(CB, "7f4161ff", WAMP_ESYNTAX);
    bc_dec_err(CB, "5f5fffff", WAMP_ESYNTAX);
    bc_dec_err(CB, "7f7fffff", WAMP_ESYNTAX);
    bc_dec_err(CB, "5f01ff", WAMP_ESYNTAX);
    /* two-byte simple value below 32 is not well-formed */
    bc_dec_err(CB, "f818", WAMP_ESYNTAX);
    bc_dec_err(CB, "f81f", WAMP_ESYNTAX);
    bc_dec_err(CB, "f820", WAMP_EEXTTYPE);
    bc_dec_err(CB, "e0", WAMP_EEXTTYPE);
    bc_dec_err(CB, "f3", WAMP_EEXTTYPE);
    /* UTF-8: bad bytes, overlongs, surrogates, a character split across chunks */
    bc_dec_err(CB, "61ff", WAMP_EUTF8);
    bc_dec_err(CB, "62c080", WAMP_EUTF8);
    bc_dec_err(CB, "63eda080", WAMP_EUTF8);
    bc_dec_err(CB, "7f61c361bcff", WAMP_EUTF8);
    bc_dec_err(CB, "a161ff01", WAMP_EUTF8);
    bc_dec_err(CB, "4161", WAMP_OK);
    /* keys */
    bc_dec_err(CB, "a1f601", WAMP_EKEYTYPE);
    bc_dec_err(CB, "a1410101", WAMP_EKEYTYPE);
    bc_dec_err(CB, "bf0101ff", WAMP_EKEYTYPE);
    bc_dec_err(CB, "a2616101616102", WAMP_EDUPKEY);
    bc_dec_err(CB, "bf616101616102ff", WAMP_EDUPKEY);
    bc_dec_err(CB, "a2616101 7f6161ff 02", WAMP_EDUPKEY); /* chunked key equals plain key */
    bc_dec_err(CB, "a2616101 7f6162ff 02", WAMP_OK);
    /* duplicate keys in maps of every size class of the checker (pairwise, one-byte and
     * four-byte hash slots), the duplicate first, last, or absent */
    static const size_t sizes[] = {2, 8, 9, 40, 254, 255, 300, 5000};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        for (int variant = 0; variant < 3; variant++) {
            wamp_buf b = {0};
            uint8_t h[3] = {0xb9, (uint8_t)(n >> 8), (uint8_t)n};
            wamp_buf_append(&b, h, 3);
            for (size_t i = 0; i < n; i++) {
                char key[16];
                size_t id = i;
                if (variant == 0 && i == 1) id = 0;         /* second key repeats the first */
                if (variant == 1 && i == n - 1) id = n - 2; /* last key repeats the one before */
                int kl = snprintf(key, sizeof key, "key-%zu", id);
                wamp_buf_append_byte(&b, (uint8_t)(0x60 | kl));
                wamp_buf_append(&b, key, (size_t)kl);
                wamp_buf_append_byte(&b, 0xf6);
            }
            char *hex = wt_hex(b.data, b.len);
            bc_dec_err(CB, hex, variant < 2 ? WAMP_EDUPKEY : WAMP_OK);
            free(hex);
            wamp_buf_free(&b);
        }
    }
    /* lengths beyond the input */
    bc_dec_err(CB, "5bffffffffffffffff", WAMP_ETRUNCATED);
    bc_dec_err(CB, "7bffffffffffffffff", WAMP_ETRUNCATED);
    bc_dec_err(CB, "9bffffffffffffffff", WAMP_ETRUNCATED);
    bc_dec_err(CB, "bbffffffffffffffff", WAMP_ETRUNCATED);
    bc_dec_err(CB, "bb7fffffffffffffff", WAMP_ETRUNCATED);
    bc_dec_err(CB, "8243616263", WAMP_ETRUNCATED);
    bc_dec_err(CB, "5f5bffffffffffffffffff", WAMP_ETRUNCATED);
    /* the streaming transcoder reports what decoding reports, on both its paths */
    bc_transcode_err(CB, WAMP_SER_MSGPACK, "ff", WAMP_ESYNTAX);
    bc_transcode_err(CB, WAMP_SER_MSGPACK, "8261ff01", WAMP_EUTF8);
    bc_transcode_err(CB, WAMP_SER_MSGPACK, "a2616101616102", WAMP_EDUPKEY);
    bc_transcode_err(CB, WAMP_SER_MSGPACK, "bf616101616102ff", WAMP_EDUPKEY);
    bc_transcode_err(CB, WAMP_SER_MSGPACK, "a10101", WAMP_EKEYTYPE);
    bc_transcode_err(CB, WAMP_SER_MSGPACK, "3b8000000000000000", WAMP_ENUMBER);
    bc_transcode_err(CB, WAMP_SER_MSGPACK, "c3488000000000000000", WAMP_ENUMBER);
    bc_transcode_err(CB, WAMP_SER_MSGPACK, "9bffffffffffffffff", WAMP_ETRUNCATED);
    bc_transcode_err(CB, WAMP_SER_MSGPACK, "f0", WAMP_EEXTTYPE);
    bc_transcode_err(CB, WAMP_SER_MSGPACK, "0000", WAMP_ETRAILING);
    /* tags and indefinite lengths take the tree path, with the same result */
    wamp_buf out = {0};
    uint8_t tagged[] = {0xd9, 0xd9, 0xf7, 0x9f, 0xc2, 0x41, 0x05, 0xf9, 0x3c, 0x00, 0xff};
    assert_int_equal(wamp_value_transcode(CB, tagged, sizeof tagged, WAMP_SER_MSGPACK, &out), 0);
    char *h = wt_hex(out.data, out.len);
    assert_string_equal(h, "9205cb3ff0000000000000");
    free(h);
    wamp_buf_free(&out);
    /* trailing bytes */
    bc_dec_err(CB, "0000", WAMP_ETRAILING);
}

static void test_bounds(void **state)
{
    wamp_value v;
    const char *bombs[] = {"9bffffffffffffffff",   "bbffffffffffffffff",
                           "5bffffffffffffffff",   "819bffffffffffffffff",
                           "9f9bffffffffffffffff", "9a0000ffff 9a0000fffe 9a0000fffd"};
    for (size_t k = 0; k < sizeof bombs / sizeof bombs[0]; k++) {
        wamp_arena *a = wamp_arena_new(0);
        size_t base = wamp_arena_used(a);
        assert_int_equal(bc_dec(CB, bombs[k], a, &v), WAMP_ETRUNCATED);
        assert_true(wamp_arena_used(a) - base < 1024);
        wamp_arena_free(a);
    }
    size_t n;
    uint8_t *b = bc_make("", 3000, 0, &n);
    for (size_t i = 0; i < 1000; i++) {
        b[3 * i] = 0x99;
        b[3 * i + 1] = 0x03;
        b[3 * i + 2] = 0xe8;
    }
    wamp_decode_opts o = {.max_depth = 2000};
    wamp_arena *a = wamp_arena_new(0);
    assert_int_equal(wamp_value_decode(CB, b, n, a, &o, &v), WAMP_ETRUNCATED);
    assert_true(wamp_arena_used(a) < 64 * n);
    free(b);
    /* depth: definite and indefinite nesting */
    b = bc_make("", 100000, 0x81, &n);
    assert_int_equal(wamp_value_decode(CB, b, n, a, NULL, &v), WAMP_EDEPTH);
    memset(b, 0x9f, n);
    assert_int_equal(wamp_value_decode(CB, b, n, a, NULL, &v), WAMP_EDEPTH);
    for (size_t i = 0; i + 1 < n; i += 2)
        b[i] = 0xa1, b[i + 1] = 0x60;
    assert_int_equal(wamp_value_decode(CB, b, n, a, NULL, &v), WAMP_EDEPTH);
    free(b);
    o.max_depth = 2;
    uint8_t ok[] = {0x81, 0x9f, 0xff}, deep[] = {0x81, 0x9f, 0x80, 0xff},
            tagged[] = {0x81, 0xd8, 0x20, 0x81, 0x80};
    assert_int_equal(wamp_value_decode(CB, ok, 3, a, &o, &v), WAMP_OK);
    assert_int_equal(wamp_value_decode(CB, deep, 4, a, &o, &v), WAMP_EDEPTH);
    assert_int_equal(wamp_value_decode(CB, tagged, 5, a, &o, &v), WAMP_EDEPTH);
    wamp_arena_free(a);
}

/* ---------------------------------------------------------------- encoder errors, copy */

static void test_encode_errors_and_copy(void **state)
{
    wamp_buf out = {0};
    wamp_buf_append(&out, "xy", 2);
    wamp_value bad = wamp_value_string(A, "\xed\xa0\x80", 3);
    assert_int_equal(wamp_value_encode(CB, &bad, &out), WAMP_EUTF8);
    wamp_value m = wamp_value_dict();
    wamp_value_dict_append(A, &m, (wamp_str){"\xff", 1}, wamp_value_null());
    wamp_value l = L(2, I(1), m);
    assert_int_equal(wamp_value_encode(CB, &l, &out), WAMP_EUTF8);
    assert_int_equal(out.len, 2);
    wamp_buf_free(&out);

    /* indefinite multi-chunk strings are built in the arena; copy_strings copies the rest */
    uint8_t in[] = {0x83, 0x63, 'a',  'b',  'c', 0x7f, 0x61, 'x',  0x61,
                    'y',  0xff, 0xa1, 0x61, 'k', 0x5f, 0x41, 0x07, 0xff};
    wamp_value v;
    assert_int_equal(wamp_value_decode(CB, in, sizeof in, A, NULL, &v), WAMP_OK);
    assert_ptr_equal(wamp_value_list_at(&v, 0)->as.s, (const char *)in + 2);
    assert_int_equal(wamp_value_list_at(&v, 1)->len, 2);
    assert_memory_equal(wamp_value_list_at(&v, 1)->as.s, "xy", 2);
    /* one chunk: still borrowed */
    assert_ptr_equal(wamp_value_dict_getc(wamp_value_list_at(&v, 2), "k")->as.s,
                     (const char *)in + 16);
    wamp_decode_opts o = {.copy_strings = true};
    assert_int_equal(wamp_value_decode(CB, in, sizeof in, A, &o, &v), WAMP_OK);
    uint8_t saved[sizeof in];
    memcpy(saved, in, sizeof in);
    memset(in, 0, sizeof in);
    wamp_value want = L(3, S("abc"), S("xy"), M(1, "k", B("\x07", 1)));
    assert_true(wamp_value_equal(&v, &want));
    memcpy(in, saved, sizeof in);
}

/* ---------------------------------------------------------------- lazy decoding */

static size_t g_count;
static int64_t g_first;
static size_t raw_from_cb(int64_t first, size_t count, void *user)
{
    g_first = first;
    g_count = count;
    return *(size_t *)user;
}

static void test_raw_from(void **state)
{
    /* [48, 7, {"a": 1}, "proc", [1, [2]], {"k": "v"}, 5] */
    const char *hex = "87 1830 07 a1616101 6470726f63 82 01 81 02 a1616b6176 05";
    size_t n;
    uint8_t *b = wt_unhex(hex, &n);
    size_t from = 4;
    wamp_decode_opts o = {.raw_from = raw_from_cb, .raw_user = &from};
    wamp_value v;
    assert_int_equal(wamp_value_decode(CB, b, n, A, &o, &v), WAMP_OK);
    assert_int_equal(g_first, 48);
    assert_int_equal(g_count, 7);
    assert_int_equal(wamp_value_list_at(&v, 2)->type, WAMP_VALUE_DICT);
    wamp_value *r4 = wamp_value_list_at(&v, 4), *r5 = wamp_value_list_at(&v, 5);
    assert_int_equal(r4->type, WAMP_VALUE_RAW);
    assert_int_equal(r4->ser, WAMP_SER_CBOR);
    assert_ptr_equal(r4->as.raw, b + 13);
    assert_int_equal(r4->len, 4);
    assert_int_equal(r5->type, WAMP_VALUE_RAW);
    assert_int_equal(r5->len, 5);
    assert_int_equal(wamp_value_list_at(&v, 6)->type, WAMP_VALUE_INT);
    wamp_buf out = {0};
    assert_int_equal(wamp_value_encode(CB, &v, &out), WAMP_OK);
    assert_int_equal(out.len, n);
    assert_memory_equal(out.data, b, n);
    wamp_buf_clear(&out);
    assert_int_equal(wamp_value_encode(WAMP_SER_MSGPACK, &v, &out), WAMP_OK);
    char *h = wt_hex(out.data, out.len),
         *want = bc_norm_hex("97 30 07 81a16101 a470726f63 92 01 91 02 81a16ba176 05");
    assert_string_equal(h, want);
    free(h);
    free(want);
    wamp_buf_free(&out);
    free(b);
    /* behind a self-describe tag; with indefinite elements */
    b = wt_unhex("d9d9f7 83 1830 9f01ff bf6161 01ff", &n);
    from = 1;
    assert_int_equal(wamp_value_decode(CB, b, n, A, &o, &v), WAMP_OK);
    assert_int_equal(wamp_value_list_at(&v, 1)->type, WAMP_VALUE_RAW);
    assert_int_equal(wamp_value_list_at(&v, 1)->len, 3);
    assert_int_equal(wamp_value_list_at(&v, 2)->type, WAMP_VALUE_RAW);
    assert_int_equal(wamp_value_list_at(&v, 2)->len, 5);
    free(b);
    /* validated in full */
    from = 2;
    const char *bad[] = {"83 1830 07 81ff",   "83 1830 07 a2616101616102",
                         "83 1830 07 8161ff", "83 1830 07 a10101",
                         "83 1830 07 81f0",   "83 1830 07 8201",
                         "83 1830 07 c38101", "83 1830 07 81 c3488000000000000000"};
    const int err[] = {WAMP_ESYNTAX,  WAMP_EDUPKEY,    WAMP_EUTF8,   WAMP_EKEYTYPE,
                       WAMP_EEXTTYPE, WAMP_ETRUNCATED, WAMP_ESYNTAX, WAMP_ENUMBER};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        b = wt_unhex(bad[k], &n);
        int rc = wamp_value_decode(CB, b, n, A, &o, &v);
        if (rc != err[k]) fail_msg("%s: %s", bad[k], wamp_err_name(rc));
        free(b);
    }
    /* not a message, or an indefinite top level: decoded in full */
    g_count = 0;
    b = wt_unhex("9f 1830 8101 ff", &n);
    assert_int_equal(wamp_value_decode(CB, b, n, A, &o, &v), WAMP_OK);
    assert_int_equal(g_count, 0);
    assert_int_equal(wamp_value_list_at(&v, 1)->type, WAMP_VALUE_LIST);
    free(b);
    b = wt_unhex("c2 4105", &n);
    assert_int_equal(wamp_value_decode(CB, b, n, A, &o, &v), WAMP_OK);
    assert_int_equal(v.as.i, 5);
    free(b);
}

/* ---------------------------------------------------------------- random round trips */

static void test_random_roundtrip(void **state)
{
    wt_rng r = {8949};
    wamp_arena *a = wamp_arena_new(0);
    for (int i = 0; i < 3000; i++) {
        wamp_arena_reset(a);
        wamp_value v = wt_rand_value(&r, a, 5);
        bc_roundtrip(CB, &v);
        bc_transcode_matches(CB, WAMP_SER_MSGPACK, &v);
        wamp_buf c = {0}, m = {0}, c2 = {0};
        assert_int_equal(wamp_value_encode(CB, &v, &c), WAMP_OK);
        assert_int_equal(wamp_value_transcode(CB, c.data, c.len, WAMP_SER_MSGPACK, &m), WAMP_OK);
        assert_int_equal(wamp_value_transcode(WAMP_SER_MSGPACK, m.data, m.len, CB, &c2), WAMP_OK);
        assert_int_equal(c.len, c2.len);
        assert_memory_equal(c.data, c2.data, c.len);
        if (i % 50 == 0 && c.len < 400) bc_prefixes(CB, c.data, c.len);
        wamp_buf_free(&c);
        wamp_buf_free(&m);
        wamp_buf_free(&c2);
    }
    wamp_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rfc8949_appendix_a, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encode_like_cbor2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_size_classes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tag_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encode_errors_and_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_raw_from, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_roundtrip, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
