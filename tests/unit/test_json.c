/* Unit tests of the JSON value codec (src/codec/json.c) and the shared UTF-8 and base64 helpers
 * (src/codec/utf8.c, src/codec/base64.c). */
#include "support.h"

#include <dirent.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"

static wamp_arena *A;

static int setup(void **state)
{
    A = wamp_arena_new(0);
    return A ? 0 : -1;
}

static int teardown(void **state)
{
    wamp_arena_free(A);
    A = NULL;
    return 0;
}

/* ---------------------------------------------------------------- helpers */

static int decn(const char *s, size_t n, const wamp_decode_opts *o, wamp_value *v)
{
    return wamp_value_decode(WAMP_SER_JSON, (const uint8_t *)s, n, A, o, v);
}

static int dec(const char *s, wamp_value *v)
{
    return decn(s, strlen(s), NULL, v);
}

/* Encodes v into a malloc'd C string (asserts success). */
static char *enc(const wamp_value *v)
{
    wamp_buf b = {0};
    int rc = wamp_value_encode(WAMP_SER_JSON, v, &b);
    if (rc) fail_msg("encode failed: %s", wamp_err_name(rc));
    assert_int_equal(wamp_buf_append_byte(&b, 0), WAMP_OK);
    return (char *)b.data;
}

/* Decodes in and checks that it re-encodes to expect. */
static void rt(const char *in, const char *expect)
{
    wamp_value v;
    int rc = dec(in, &v);
    if (rc) fail_msg("decode of %s failed: %s", in, wamp_err_name(rc));
    char *out = enc(&v);
    if (strcmp(out, expect) != 0) fail_msg("%s -> %s, expected %s", in, out, expect);
    free(out);
}

static void errn(const char *in, size_t n, int code)
{
    wamp_value v;
    int rc = decn(in, n, NULL, &v);
    if (rc != code)
        fail_msg("decode of '%.*s' gave %s, expected %s", (int)n, in, wamp_err_name(rc),
                 wamp_err_name(code));
    assert_true(wamp_value_is_null(&v));
}

static void err(const char *in, int code)
{
    errn(in, strlen(in), code);
}

static void enc_err(const wamp_value *v, int code)
{
    wamp_buf b = {0};
    assert_int_equal(wamp_buf_append(&b, "keep", 4), WAMP_OK);
    assert_int_equal(wamp_value_encode(WAMP_SER_JSON, v, &b), code);
    assert_int_equal(b.len, 4); /* restored */
    assert_memory_equal(b.data, "keep", 4);
    wamp_buf_free(&b);
}

/* ---------------------------------------------------------------- UTF-8 and base64 */

static void test_utf8_valid(void **state)
{
    static const char *ok[] = {
        "",
        "plain ascii text that is longer than eight bytes",
        "\x7f",
        "\xc2\x80",
        "\xdf\xbf",
        "\xe0\xa0\x80",
        "\xed\x9f\xbf", /* U+D7FF */
        "\xee\x80\x80", /* U+E000 */
        "\xef\xbf\xbf",
        "\xf0\x90\x80\x80",
        "\xf4\x8f\xbf\xbf", /* U+10FFFF */
        ("abcdefgh\xe2\x82\xac"
         "abcdefgh\xf0\x9f\x98\x80"),
    };
    static const char *bad[] = {
        "\x80",                     /* stray continuation */
        "\xbf",                     /* stray continuation */
        "\xc0\x80",                 /* overlong NUL */
        "\xc1\xbf",                 /* overlong */
        "\xe0\x80\x80",             /* overlong 3-byte */
        "\xe0\x9f\xbf",             /* overlong 3-byte */
        "\xf0\x80\x80\x80",         /* overlong 4-byte */
        "\xf0\x8f\xbf\xbf",         /* overlong 4-byte */
        "\xed\xa0\x80",             /* U+D800 */
        "\xed\xbf\xbf",             /* U+DFFF */
        "\xed\xa0\xbd\xed\xb8\x80", /* CESU-8 surrogate pair */
        "\xf4\x90\x80\x80",         /* U+110000 */
        "\xf5\x80\x80\x80",
        "\xf8\x88\x80\x80\x80",
        "\xfe",
        "\xff",
        "\xc2",         /* truncated */
        "\xe2\x82",     /* truncated */
        "\xf0\x9f\x98", /* truncated */
        "\xc2\x41",     /* bad continuation */
        "\xe2\x28\xa1",
        "abcdefghijklmnop\xe2\x82", /* truncated after the fast path */
        "abcdefghijklmnop\x80qrstuvwxyz",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (!wamp__utf8_valid((const uint8_t *)ok[i], strlen(ok[i]))) fail_msg("ok[%zu]", i);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (wamp__utf8_valid((const uint8_t *)bad[i], strlen(bad[i]))) fail_msg("bad[%zu]", i);
    assert_true(wamp__utf8_valid((const uint8_t *)"a\0b", 3)); /* NUL is valid UTF-8 */

    /* exhaustive over every code point: the encoder's output is valid, every surrogate not */
    uint8_t b[4];
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
        size_t n;
        if (cp < 0x80) {
            b[0] = (uint8_t)cp;
            n = 1;
        } else if (cp < 0x800) {
            b[0] = (uint8_t)(0xC0 | cp >> 6);
            b[1] = (uint8_t)(0x80 | (cp & 63));
            n = 2;
        } else if (cp < 0x10000) {
            b[0] = (uint8_t)(0xE0 | cp >> 12);
            b[1] = (uint8_t)(0x80 | ((cp >> 6) & 63));
            b[2] = (uint8_t)(0x80 | (cp & 63));
            n = 3;
        } else {
            b[0] = (uint8_t)(0xF0 | cp >> 18);
            b[1] = (uint8_t)(0x80 | ((cp >> 12) & 63));
            b[2] = (uint8_t)(0x80 | ((cp >> 6) & 63));
            b[3] = (uint8_t)(0x80 | (cp & 63));
            n = 4;
        }
        bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
        if (wamp__utf8_valid(b, n) == surrogate) fail_msg("U+%04X", (unsigned)cp);
        if (n > 1 && wamp__utf8_valid(b, n - 1)) fail_msg("truncated U+%04X", (unsigned)cp);
    }
}

static void test_base64(void **state)
{
    static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const coded[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
                                        "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (int i = 0; i < 7; i++) {
        size_t n = strlen(plain[i]);
        char out[16] = {0};
        assert_int_equal(wamp__base64_encoded_len(n), strlen(coded[i]));
        wamp__base64_encode((const uint8_t *)plain[i], n, out);
        assert_string_equal(out, coded[i]);
        uint8_t back[16];
        assert_int_equal(wamp__base64_decode(coded[i], strlen(coded[i]), back), (long)n);
        assert_memory_equal(back, plain[i], n);
    }
    static const char *const badv[] = {
        "Z",      "Zg",   "Zg=",  "Zg=a",     "Z===", "====", "Zm9v=",    "Zm 9v",
        "Zm9v\n", "Zm-v", "Zm_v", "Zg==Zg==", "=Zm9", "Zm=v", "Zm9vY!==", "\xc3\xa9\xc3\xa9"};
    for (size_t i = 0; i < sizeof badv / sizeof badv[0]; i++) {
        uint8_t out[16];
        if (wamp__base64_decode(badv[i], strlen(badv[i]), out) != -1) fail_msg("%s", badv[i]);
    }
    /* all 256 byte values, every length, decoded in place */
    uint8_t data[300], enc_buf[420];
    for (int i = 0; i < 300; i++)
        data[i] = (uint8_t)(i * 7 + 3);
    for (size_t n = 0; n < 300; n++) {
        size_t el = wamp__base64_encoded_len(n);
        wamp__base64_encode(data, n, (char *)enc_buf + 1);
        assert_int_equal(wamp__base64_decode((char *)enc_buf + 1, el, enc_buf), (long)n);
        assert_memory_equal(enc_buf, data, n);
    }
}

/* ---------------------------------------------------------------- decoding */

static void test_scalars(void **state)
{
    wamp_value v;
    assert_int_equal(dec("null", &v), WAMP_OK);
    assert_int_equal(v.type, WAMP_VALUE_NULL);
    bool b;
    assert_int_equal(dec("true", &v), WAMP_OK);
    assert_true(wamp_value_get_bool(&v, &b) && b);
    assert_int_equal(dec(" false ", &v), WAMP_OK);
    assert_true(wamp_value_get_bool(&v, &b) && !b);
    assert_int_equal(dec("\"realm1\"", &v), WAMP_OK);
    wamp_str s;
    assert_true(wamp_value_get_string(&v, &s));
    assert_true(wamp_str_eqc(s, "realm1"));
    assert_int_equal(dec("[1,\"realm1\",{}]", &v), WAMP_OK);
    assert_int_equal(v.type, WAMP_VALUE_LIST);
    assert_int_equal(wamp_value_count(&v), 3);
    assert_int_equal(wamp_value_list_at(&v, 2)->type, WAMP_VALUE_DICT);
    assert_int_equal(wamp_value_count(wamp_value_list_at(&v, 2)), 0);
    rt("[1,\"realm1\",{}]", "[1,\"realm1\",{}]");
    rt(" \t\r\n[ 1 ,\n\"a\" , { \"k\" : [ ] , \"l\":{ } } ] \n", "[1,\"a\",{\"k\":[],\"l\":{}}]");
    rt("[[],[[]],{}]", "[[],[[]],{}]");
}

static void test_escapes(void **state)
{
    static const struct {
        const char *in;
        const char *out; /* decoded bytes */
        size_t n;
    } t[] = {
        {"\"\\\"\"", "\"", 1},
        {"\"\\\\\"", "\\", 1},
        {"\"\\/\"", "/", 1},
        {"\"\\b\"", "\b", 1},
        {"\"\\f\"", "\f", 1},
        {"\"\\n\"", "\n", 1},
        {"\"\\r\"", "\r", 1},
        {"\"\\t\"", "\t", 1},
        {"\"\\u0041\"", "A", 1},
        {"\"a\\u0000b\"", "a\0b", 3}, /* NUL not first: a string */
        {"\"\\u001f\"", "\x1f", 1},
        {"\"\\u007F\"", "\x7f", 1},
        {"\"\\u00e9\"", "\xc3\xa9", 2},
        {"\"\\u00E9\"", "\xc3\xa9", 2},
        {"\"\\u07ff\"", "\xdf\xbf", 2},
        {"\"\\u0800\"", "\xe0\xa0\x80", 3},
        {"\"\\u20AC\"", "\xe2\x82\xac", 3},
        {"\"\\uffff\"", "\xef\xbf\xbf", 3},
        {"\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80", 4},
        {"\"\\uD800\\uDC00\"", "\xf0\x90\x80\x80", 4},
        {"\"\\uDBFF\\uDFFF\"", "\xf4\x8f\xbf\xbf", 4},
        {"\"x\\ud83d\\ude00y\\n\"", "x\xf0\x9f\x98\x80y\n", 7},
        {"\"\xf0\x9f\x98\x80\"", "\xf0\x9f\x98\x80", 4},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        wamp_value v;
        int rc = dec(t[i].in, &v);
        if (rc) fail_msg("%s: %s", t[i].in, wamp_err_name(rc));
        wamp_str s;
        assert_true(wamp_value_get_string(&v, &s));
        assert_int_equal(s.len, t[i].n);
        assert_memory_equal(s.ptr, t[i].out, t[i].n);
    }
    /* all 2048 surrogate combinations of a high/low pair are checked in the random tests;
     * here the invalid forms */
    err("\"\\x\"", WAMP_ESYNTAX);
    err("\"\\U0041\"", WAMP_ESYNTAX);
    err("\"\\a\"", WAMP_ESYNTAX);
    err("\"\\'\"", WAMP_ESYNTAX);
    err("\"\\0\"", WAMP_ESYNTAX);
    err("\"\\\xc3\xa9\"", WAMP_ESYNTAX);
    err("\"\\u12G4\"", WAMP_ESYNTAX);
    err("\"\\u12\"", WAMP_ESYNTAX);
    err("\"\\u\"", WAMP_ESYNTAX);
    err("\"\\u 123\"", WAMP_ESYNTAX);
    err("\"\\ud800\"", WAMP_EUTF8);          /* lone high */
    err("\"\\udfff\"", WAMP_EUTF8);          /* lone low */
    err("\"\\udc00\\ud800\"", WAMP_EUTF8);   /* reversed pair */
    err("\"\\ud800\\u0041\"", WAMP_EUTF8);   /* high + non-low */
    err("\"\\ud800\\ud800\"", WAMP_EUTF8);   /* high + high */
    err("\"\\ud800x\"", WAMP_EUTF8);         /* high + plain */
    err("\"\\ud800\\n\"", WAMP_EUTF8);       /* high + other escape */
    err("\"\\ud800\\udc0g\"", WAMP_ESYNTAX); /* bad hex in the low half */
    err("\"\\", WAMP_ETRUNCATED);
    err("\"\\u00", WAMP_ETRUNCATED);
    err("\"abc", WAMP_ETRUNCATED);
    err("\"abc\\\"", WAMP_ETRUNCATED);
}

static void test_control_chars(void **state)
{
    for (int c = 0; c < 0x20; c++) {
        char in[8] = {'"', 'a', (char)c, 'b', '"'};
        errn(in, 5, WAMP_ESYNTAX);
        char in2[8] = {'{', '"', (char)c, '"', ':', '1', '}'};
        errn(in2, 7, WAMP_ESYNTAX);
    }
    /* DEL and everything above is not a control character for JSON */
    rt("\"a\x7f"
       "b\"",
       "\"a\x7f"
       "b\"");
    /* a control character escaped after a backslash is not an escape either */
    errn("\"\\\n\"", 4, WAMP_ESYNTAX);
}

static void test_invalid_utf8(void **state)
{
    static const char *const bad[] = {
        "\"\x80\"",
        "\"\xc0\xaf\"",
        "\"\xc1\xbf\"",
        "\"\xe0\x80\xaf\"",
        "\"\xf0\x80\x80\xaf\"",
        "\"\xed\xa0\x80\"",
        "\"\xed\xbf\xbf\"",
        "\"\xf4\x90\x80\x80\"",
        "\"\xf5\x80\x80\x80\"",
        "\"\xff\"",
        "\"\xfe\"",
        "\"\xc2\"",
        "\"\xe2\x82\"",
        "\"\xf0\x9f\x98\"",
        "\"abcdefghij\xe2\x82(\"",
        "{\"\xc0\xaf\":1}",
        "[\"ok\",\"\xed\xa0\x80\"]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        err(bad[i], WAMP_EUTF8);
    /* truncated by the end of the input: the input is cut, not malformed */
    err("\"\xe2\x82", WAMP_ETRUNCATED);
    err("\"\xf0\x9f", WAMP_ETRUNCATED);
    err("\"\xc3", WAMP_ETRUNCATED);
    err("\"\xe2\x41", WAMP_EUTF8);
    /* UTF-8 outside strings is a syntax error */
    err("\xc3\xa9", WAMP_ESYNTAX);
    err("\xef\xbb\xbf[]", WAMP_ESYNTAX); /* BOM */
}

static int64_t get_i(const wamp_value *v)
{
    assert_int_equal(v->type, WAMP_VALUE_INT);
    return v->as.i;
}

static double get_d(const char *in)
{
    wamp_value v;
    int rc = dec(in, &v);
    if (rc) fail_msg("%s: %s", in, wamp_err_name(rc));
    if (v.type != WAMP_VALUE_DOUBLE) fail_msg("%s: not a double", in);
    return v.as.d;
}

static void test_numbers(void **state)
{
    wamp_value v;
    assert_int_equal(dec("0", &v), WAMP_OK);
    assert_int_equal(get_i(&v), 0);
    assert_int_equal(dec("-0", &v), WAMP_OK);
    assert_int_equal(get_i(&v), 0);
    assert_int_equal(dec("9223372036854775807", &v), WAMP_OK);
    assert_true(get_i(&v) == INT64_MAX);
    assert_int_equal(dec("-9223372036854775808", &v), WAMP_OK);
    assert_true(get_i(&v) == INT64_MIN);
    assert_int_equal(dec("9223372036854775808", &v), WAMP_OK);
    assert_int_equal(v.type, WAMP_VALUE_UINT);
    assert_true(v.as.u == (uint64_t)INT64_MAX + 1);
    assert_int_equal(dec("18446744073709551615", &v), WAMP_OK);
    assert_int_equal(v.type, WAMP_VALUE_UINT);
    assert_true(v.as.u == UINT64_MAX);
    assert_int_equal(dec("9007199254740993", &v), WAMP_OK); /* 2^53 + 1: exact */
    assert_true(get_i(&v) == 9007199254740993);
    /* outside -2^63 .. 2^64-1: a double */
    assert_true(get_d("18446744073709551616") == 18446744073709551616.0);
    assert_true(get_d("-9223372036854775809") == -9223372036854775808.0);
    assert_true(get_d("100000000000000000000000000000") == 1e29);
    assert_true(get_d("-0.0") == 0.0 && signbit(get_d("-0.0")));
    assert_true(get_d("0.0") == 0.0 && !signbit(get_d("0.0")));
    assert_true(get_d("0.1") == 0.1);
    assert_true(get_d("1.5") == 1.5);
    assert_true(get_d("1e2") == 100.0);
    assert_true(get_d("1E+2") == 100.0);
    assert_true(get_d("1e-2") == 0.01);
    assert_true(get_d("-2.5e-3") == -0.0025);
    assert_true(get_d("1e308") == 1e308);
    assert_true(get_d("1.7976931348623157e308") == DBL_MAX);
    assert_true(get_d("2.2250738585072014e-308") == DBL_MIN);
    assert_true(get_d("5e-324") == 4.9406564584124654e-324);
    assert_true(get_d("4.9406564584124654e-324") == 4.9406564584124654e-324);
    assert_true(get_d("1e-400") == 0.0);
    assert_true(get_d("0e99999999999999999999") == 0.0);
    assert_true(get_d("0.1000000000000000055511151231257827021181583404541015625") == 0.1);
    assert_true(get_d("123456789012345678901234567890.5") == 123456789012345678901234567890.5);
    assert_true(get_d("0.000000000000000000000000000000000000000001") == 1e-42);
    assert_true(get_d("9007199254740993.0") == 9007199254740992.0); /* round half to even */
    /* around the midpoint 2 + 2^-52 between two doubles: correct rounding either way */
    assert_true(get_d("2.0000000000000002220446049250313") == 2.0);
    assert_true(get_d("2.00000000000000022204460492503131") == 2.0000000000000004);
    assert_true(get_d("2.000000000000000222044604925031308084726333618164062") == 2.0);
    assert_true(get_d("2.000000000000000222044604925031308084726333618164063") ==
                2.0000000000000004);
    assert_int_equal(dec("1e309", &v), WAMP_ENUMBER);
    assert_int_equal(dec("-1e309", &v), WAMP_ENUMBER);
    assert_int_equal(dec("[1e99999999999999999]", &v), WAMP_ENUMBER);
    char big[400];
    memset(big, '9', 399);
    big[399] = 0;
    assert_int_equal(dec(big, &v), WAMP_ENUMBER); /* 400 digits overflow a double */
    big[300] = 0;
    assert_int_equal(dec(big, &v), WAMP_OK);
    assert_true(v.type == WAMP_VALUE_DOUBLE && v.as.d == 1e300);

    /* the decimal point is '.' whatever the locale */
    const char *old = setlocale(LC_NUMERIC, NULL);
    char saved[64];
    snprintf(saved, sizeof saved, "%s", old ? old : "C");
    if (setlocale(LC_NUMERIC, "de_DE.UTF-8") || setlocale(LC_NUMERIC, "fr_FR.UTF-8")) {
        assert_true(get_d("123456789012345678901234567890.5") == 123456789012345678901234567890.5);
        assert_true(get_d("0.3") == 0.3);
        wamp_value d = wamp_value_double(1.5e300);
        char *s = enc(&d);
        assert_string_equal(s, "1.5e+300");
        free(s);
        d = wamp_value_double(0.1 + 0.2);
        s = enc(&d);
        assert_string_equal(s, "0.30000000000000004");
        free(s);
    }
    setlocale(LC_NUMERIC, saved);

    /* malformed numbers */
    err("01", WAMP_ESYNTAX);
    err("-01", WAMP_ESYNTAX);
    err("[00]", WAMP_ESYNTAX);
    err("+1", WAMP_ESYNTAX);
    err(".5", WAMP_ESYNTAX);
    err("1.e5", WAMP_ESYNTAX);
    err("1.x", WAMP_ESYNTAX);
    err("1ex", WAMP_ESYNTAX);
    err("1e+x", WAMP_ESYNTAX);
    err("--1", WAMP_ESYNTAX);
    err("-a", WAMP_ESYNTAX);
    err("0x10", WAMP_ETRAILING);
    err("[0x10]", WAMP_ESYNTAX);
    err("NaN", WAMP_ESYNTAX);
    err("Infinity", WAMP_ESYNTAX);
    err("-Infinity", WAMP_ESYNTAX);
    err("[1,NaN]", WAMP_ESYNTAX);
    err("-", WAMP_ETRUNCATED);
    err("1.", WAMP_ETRUNCATED);
    err("1e", WAMP_ETRUNCATED);
    err("1e-", WAMP_ETRUNCATED);
    err("[1.", WAMP_ETRUNCATED);
}

static void test_syntax_errors(void **state)
{
    static const struct {
        const char *in;
        int rc;
    } t[] = {
        {"", WAMP_ETRUNCATED},
        {"   ", WAMP_ETRUNCATED},
        {"[", WAMP_ETRUNCATED},
        {"[1", WAMP_ETRUNCATED},
        {"[1,", WAMP_ETRUNCATED},
        {"[1, ", WAMP_ETRUNCATED},
        {"{", WAMP_ETRUNCATED},
        {"{\"a\"", WAMP_ETRUNCATED},
        {"{\"a\":", WAMP_ETRUNCATED},
        {"{\"a\":1", WAMP_ETRUNCATED},
        {"{\"a\":1,", WAMP_ETRUNCATED},
        {"tr", WAMP_ETRUNCATED},
        {"fals", WAMP_ETRUNCATED},
        {"nul", WAMP_ETRUNCATED},
        {"[1,]", WAMP_ESYNTAX},
        {"[,1]", WAMP_ESYNTAX},
        {"[1,,2]", WAMP_ESYNTAX},
        {"[1 2]", WAMP_ESYNTAX},
        {"{\"a\":1,}", WAMP_ESYNTAX},
        {"{,}", WAMP_ESYNTAX},
        {"{\"a\" 1}", WAMP_ESYNTAX},
        {"{\"a\"::1}", WAMP_ESYNTAX},
        {"{\"a\",1}", WAMP_ESYNTAX},
        {"{a:1}", WAMP_ESYNTAX},
        {"{'a':1}", WAMP_ESYNTAX},
        {"{1:1}", WAMP_ESYNTAX},
        {"{null:1}", WAMP_ESYNTAX},
        {"{\"a\":}", WAMP_ESYNTAX},
        {"[}", WAMP_ESYNTAX},
        {"{]", WAMP_ESYNTAX},
        {"[1}", WAMP_ESYNTAX},
        {"{\"a\":1]", WAMP_ESYNTAX},
        {"]", WAMP_ESYNTAX},
        {"}", WAMP_ESYNTAX},
        {",", WAMP_ESYNTAX},
        {":", WAMP_ESYNTAX},
        {"'a'", WAMP_ESYNTAX},
        {"True", WAMP_ESYNTAX},
        {"nulL", WAMP_ESYNTAX},
        {"trux", WAMP_ESYNTAX},
        {"undefined", WAMP_ESYNTAX},
        {"[true false]", WAMP_ESYNTAX},
        {"/* c */ 1", WAMP_ESYNTAX},
        {"// c\n1", WAMP_ESYNTAX},
        {"[1] // c", WAMP_ETRAILING},
        {"1 2", WAMP_ETRAILING},
        {"[] x", WAMP_ETRAILING},
        {"{}{}", WAMP_ETRAILING},
        {"[1]]", WAMP_ETRAILING},
        {"\"a\"\"b\"", WAMP_ETRAILING},
        {"null,", WAMP_ETRAILING},
        {"truex", WAMP_ETRAILING},
        {"[1]\x1e", WAMP_ETRAILING}, /* a batch separator is not ours to eat */
        {"\v1", WAMP_ESYNTAX},       /* not JSON whitespace */
        {"\f1", WAMP_ESYNTAX},
        {"[1,\xc2\xa0"
         "2]",
         WAMP_ESYNTAX}, /* NBSP */
        {"1\v", WAMP_ETRAILING},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        err(t[i].in, t[i].rc);
    errn("1\0", 2, WAMP_ETRAILING);
    errn("\0", 1, WAMP_ESYNTAX);
    errn("[\0]", 3, WAMP_ESYNTAX);
}

static void test_depth_and_size(void **state)
{
    wamp_value v;
    wamp_decode_opts o = {.max_depth = 3};
    assert_int_equal(decn("[[[1]]]", 7, &o, &v), WAMP_OK);
    assert_int_equal(decn("[[[[1]]]]", 9, &o, &v), WAMP_EDEPTH);
    assert_int_equal(decn("{\"a\":{\"b\":[]}}", 14, &o, &v), WAMP_OK);
    assert_int_equal(decn("{\"a\":{\"b\":[{}]}}", 16, &o, &v), WAMP_EDEPTH);
    assert_int_equal(decn("1", 1, &o, &v), WAMP_OK);

    /* default: 64 levels */
    char buf[300];
    for (int d = 63; d <= 65; d++) {
        memset(buf, '[', (size_t)d);
        memset(buf + d, ']', (size_t)d);
        assert_int_equal(decn(buf, 2 * (size_t)d, NULL, &v), d <= 64 ? WAMP_OK : WAMP_EDEPTH);
    }
    /* a hostile nesting is refused early without recursion, even unterminated */
    size_t n = 200000;
    char *deep = malloc(2 * n);
    memset(deep, '[', n);
    assert_int_equal(decn(deep, n, NULL, &v), WAMP_EDEPTH);
    /* and with a huge limit the iterative parser handles it without a deep C stack */
    memset(deep + n, ']', n);
    o.max_depth = n;
    assert_int_equal(decn(deep, 2 * n, &o, &v), WAMP_OK);
    assert_int_equal(v.type, WAMP_VALUE_LIST);
    wamp_arena_reset(A);
    free(deep);

    /* size limit */
    o = (wamp_decode_opts){.max_size = 7};
    assert_int_equal(decn("[1,2,3]", 7, &o, &v), WAMP_OK);
    assert_int_equal(decn("[1,2,3] ", 8, &o, &v), WAMP_ETOOBIG);
    assert_int_equal(wamp__codec_json.decode((const uint8_t *)"[1,2,3] ", 8, A,
                                             &(wamp_decode_opts){.max_depth = 64, .max_size = 7},
                                             &v),
                     WAMP_ETOOBIG);
}

static void test_duplicates(void **state)
{
    wamp_value v;
    err("{\"a\":1,\"a\":2}", WAMP_EDUPKEY);
    err("{\"a\":1,\"b\":2,\"a\":3}", WAMP_EDUPKEY);
    err("{\"a\":1,\"\\u0061\":2}", WAMP_EDUPKEY); /* equal after unescaping */
    err("{\"\":1,\"\":2}", WAMP_EDUPKEY);
    err("[{\"x\":{\"a\":1,\"a\":1}}]", WAMP_EDUPKEY);
    assert_int_equal(dec("{\"a\":1,\"a\\u0000\":2,\"A\":3,\"\":4}", &v), WAMP_OK);
    assert_int_equal(wamp_value_count(&v), 4);
    assert_int_equal(dec("[{\"a\":1},{\"a\":1}]", &v), WAMP_OK);
    assert_int_equal(dec("{\"a\":{\"a\":{\"a\":1}}}", &v), WAMP_OK);

    /* big dicts take the hashed path; a duplicate anywhere is found */
    for (int count = 13; count <= 20000; count *= 3) {
        wamp_buf b = {0};
        wamp_buf_append(&b, "{", 1);
        for (int i = 0; i < count; i++) {
            char item[48];
            int len = snprintf(item, sizeof item, "%s\"key%d\":%d", i ? "," : "", i, i);
            wamp_buf_append(&b, item, (size_t)len);
        }
        wamp_buf_append(&b, "}", 1);
        assert_int_equal(decn((char *)b.data, b.len, NULL, &v), WAMP_OK);
        assert_int_equal(wamp_value_count(&v), count);
        assert_int_equal(get_i(wamp_value_dict_getc(&v, "key7")), 7);
        b.len--;
        char item[48];
        int len = snprintf(item, sizeof item, ",\"key%d\":0}", count / 2);
        wamp_buf_append(&b, item, (size_t)len);
        assert_int_equal(decn((char *)b.data, b.len, NULL, &v), WAMP_EDUPKEY);
        wamp_buf_free(&b);
        wamp_arena_reset(A);
    }
}

static void test_binary(void **state)
{
    static const uint8_t spec[16] = {0x10, 0xe3, 0xff, 0x90, 0x53, 0x07, 0x5c, 0x52,
                                     0x6f, 0x5f, 0xc0, 0x6d, 0x4f, 0xe3, 0x7c, 0xdb};
    const char *text = "\"\\u0000EOP/kFMHXFJvX8BtT+N82w==\"";
    wamp_value v;
    wamp_str s;
    assert_int_equal(dec(text, &v), WAMP_OK);
    assert_int_equal(v.type, WAMP_VALUE_BYTES);
    assert_true(wamp_value_get_bytes(&v, &s));
    assert_int_equal(s.len, 16);
    assert_memory_equal(s.ptr, spec, 16);
    wamp_value b = wamp_value_bytes_borrow(spec, 16);
    char *out = enc(&b);
    assert_string_equal(out, text);
    free(out);
    /* escapes inside the base64 text are unescaped first */
    assert_int_equal(dec("\"\\u0000EOP\\/kFMHXFJvX8BtT+N82w\\u003d=\"", &v), WAMP_OK);
    assert_true(wamp_value_get_bytes(&v, &s) && s.len == 16 && memcmp(s.ptr, spec, 16) == 0);
    /* empty bytes */
    assert_int_equal(dec("\"\\u0000\"", &v), WAMP_OK);
    assert_int_equal(v.type, WAMP_VALUE_BYTES);
    assert_int_equal(v.len, 0);
    b = wamp_value_bytes_borrow("", 0);
    out = enc(&b);
    assert_string_equal(out, "\"\\u0000\"");
    free(out);
    /* in a message */
    rt("[16,1,{},\"t\",[\"\\u0000AAEC\"]]", "[16,1,{},\"t\",[\"\\u0000AAEC\"]]");
    /* keys stay strings */
    assert_int_equal(dec("{\"\\u0000AAEC\":1}", &v), WAMP_OK);
    assert_true(wamp_value_dict_entry(&v, 0)->key.len == 5);
    /* NUL later in the string: text */
    assert_int_equal(dec("\"A\\u0000AAEC\"", &v), WAMP_OK);
    assert_int_equal(v.type, WAMP_VALUE_STRING);
    /* bad base64 */
    err("\"\\u0000A\"", WAMP_EBASE64);
    err("\"\\u0000AAE\"", WAMP_EBASE64);
    err("\"\\u0000AA=C\"", WAMP_EBASE64);
    err("\"\\u0000====\"", WAMP_EBASE64);
    err("\"\\u0000AA EC\"", WAMP_EBASE64);
    err("\"\\u0000\\u0000\"", WAMP_EBASE64);
    err("\"\\u0000\xc3\xa9\xc3\xa9\"", WAMP_EBASE64);
    err("[1,{\"a\":[\"\\u0000!!!!\"]}]", WAMP_EBASE64);
    /* every length round-trips */
    uint8_t data[100];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 37 + 11);
    for (size_t n = 0; n <= sizeof data; n++) {
        wamp_value x = wamp_value_bytes_borrow(data, n);
        out = enc(&x);
        assert_int_equal(dec(out, &v), WAMP_OK);
        assert_true(wamp_value_equal(&x, &v));
        free(out);
    }
}

static void test_borrow_and_copy(void **state)
{
    const char *in = "{\"key\":\"plain\",\"esc\":\"a\\nb\",\"k\\u0065y2\":[\"x\"]}";
    size_t n = strlen(in);
    wamp_value v;
    assert_int_equal(decn(in, n, NULL, &v), WAMP_OK);
#define INSIDE(p) ((const char *)(p) >= in && (const char *)(p) < in + n)
    wamp_kv *e0 = wamp_value_dict_entry(&v, 0), *e1 = wamp_value_dict_entry(&v, 1),
            *e2 = wamp_value_dict_entry(&v, 2);
    assert_true(INSIDE(e0->key.ptr) && INSIDE(e0->value.as.s));
    assert_true(INSIDE(e1->key.ptr) && !INSIDE(e1->value.as.s));
    assert_memory_equal(e1->value.as.s, "a\nb", 4); /* NUL-terminated copy */
    assert_true(!INSIDE(e2->key.ptr) && wamp_str_eqc(e2->key, "key2"));
    assert_true(INSIDE(wamp_value_list_at(&e2->value, 0)->as.s));
    wamp_decode_opts o = {.copy_strings = true};
    assert_int_equal(decn(in, n, &o, &v), WAMP_OK);
    for (size_t i = 0; i < 3; i++) {
        wamp_kv *e = wamp_value_dict_entry(&v, i);
        assert_false(INSIDE(e->key.ptr));
        if (e->value.type == WAMP_VALUE_STRING) assert_false(INSIDE(e->value.as.s));
    }
    assert_false(INSIDE(wamp_value_list_at(&wamp_value_dict_entry(&v, 2)->value, 0)->as.s));
    assert_string_equal(wamp_value_dict_entry(&v, 0)->value.as.s, "plain");
#undef INSIDE
}

/* ---------------------------------------------------------------- encoding */

static void enc_double(double d, const char *expect)
{
    wamp_value v = wamp_value_double(d);
    char *s = enc(&v);
    if (strcmp(s, expect) != 0) fail_msg("%.17g -> %s, expected %s", d, s, expect);
    free(s);
    /* and it reads back as the same double */
    wamp_value back;
    assert_int_equal(dec(expect, &back), WAMP_OK);
    assert_int_equal(back.type, WAMP_VALUE_DOUBLE);
    assert_memory_equal(&back.as.d, &d, sizeof d);
}

static void test_encode_numbers(void **state)
{
    /* expected strings are Python's json.dumps output (repr of float) */
    enc_double(1.0, "1.0");
    enc_double(-1.0, "-1.0");
    enc_double(0.0, "0.0");
    enc_double(-0.0, "-0.0");
    enc_double(0.1, "0.1");
    enc_double(0.1 + 0.2, "0.30000000000000004");
    enc_double(1.5, "1.5");
    enc_double(123.456, "123.456");
    enc_double(100.0, "100.0");
    enc_double(1e15, "1000000000000000.0");
    enc_double(1e16, "1e+16");
    enc_double(1.5e16, "1.5e+16");
    enc_double(123456789012345.67, "123456789012345.67");
    enc_double(9007199254740992.0, "9007199254740992.0");
    enc_double(0.0001, "0.0001");
    enc_double(0.00001, "1e-05");
    enc_double(2.5e-5, "2.5e-05");
    enc_double(1e22, "1e+22");
    enc_double(1e23, "1e+23");
    enc_double(1e100, "1e+100");
    enc_double(1e308, "1e+308");
    enc_double(DBL_MAX, "1.7976931348623157e+308");
    enc_double(DBL_MIN, "2.2250738585072014e-308");
    enc_double(4.9406564584124654e-324, "5e-324");
    enc_double(1e-323, "1e-323");
    enc_double(2.2250738585072009e-308, "2.225073858507201e-308");
    enc_double(-89.21218872056691, "-89.21218872056691");
    enc_double(885954.2416927523, "885954.2416927523");
    enc_double(1.0 / 3, "0.3333333333333333");
    enc_double(2.0 / 3, "0.6666666666666666");
    enc_double(3.141592653589793, "3.141592653589793");
    enc_double(18446744073709551616.0, "1.8446744073709552e+19");
    enc_double(-9223372036854775808.0, "-9.223372036854776e+18");

    wamp_value v = wamp_value_double(NAN);
    enc_err(&v, WAMP_ENUMBER);
    v = wamp_value_double(INFINITY);
    enc_err(&v, WAMP_ENUMBER);
    v = wamp_value_double(-INFINITY);
    enc_err(&v, WAMP_ENUMBER);

    static const struct {
        const char *in, *out;
    } ints[] = {
        {"0", "0"},
        {"-0", "0"},
        {"7", "7"},
        {"-7", "-7"},
        {"10", "10"},
        {"99", "99"},
        {"100", "100"},
        {"4294967296", "4294967296"},
        {"9007199254740993", "9007199254740993"},
        {"9223372036854775807", "9223372036854775807"},
        {"-9223372036854775808", "-9223372036854775808"},
        {"9223372036854775808", "9223372036854775808"},
        {"18446744073709551615", "18446744073709551615"},
        {"18446744073709551616", "1.8446744073709552e+19"},
        {"1E2", "100.0"},
        {"1.50", "1.5"},
    };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        rt(ints[i].in, ints[i].out);
    v = wamp_value_uint(UINT64_MAX);
    char *s = enc(&v);
    assert_string_equal(s, "18446744073709551615");
    free(s);
    v = wamp_value_int(INT64_MIN);
    s = enc(&v);
    assert_string_equal(s, "-9223372036854775808");
    free(s);
    /* NaN inside a container: the whole encode fails and leaves the buffer as it was */
    wamp_value l = wamp_value_list();
    assert_int_equal(wamp_value_list_push(A, &l, wamp_value_int(1)), WAMP_OK);
    assert_int_equal(wamp_value_list_push(A, &l, wamp_value_double(NAN)), WAMP_OK);
    enc_err(&l, WAMP_ENUMBER);
}

/* Random doubles (all bit patterns) encode and decode back bit for bit. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

static void test_double_roundtrip(void **state)
{
    rng_state = 12345;
    wamp_buf b = {0};
    for (int i = 0; i < 200000; i++) {
        uint64_t bits = rnd();
        if (i % 4 == 1) bits &= 0x800FFFFFFFFFFFFFull; /* subnormals */
        if (i % 4 == 2) bits = (bits & 0x80000000FFFFFFFFull) | (0x3F0ull + i % 64) << 52;
        double d;
        if (i % 4 == 3) {
            d = (double)(int64_t)(rnd() % 2000000 - 1000000) / (double)(1 + rnd() % 100000);
        } else {
            memcpy(&d, &bits, 8);
        }
        if (!isfinite(d)) continue;
        wamp_value v = wamp_value_double(d), back;
        b.len = 0;
        assert_int_equal(wamp_value_encode(WAMP_SER_JSON, &v, &b), WAMP_OK);
        assert_int_equal(decn((char *)b.data, b.len, NULL, &back), WAMP_OK);
        assert_int_equal(back.type, WAMP_VALUE_DOUBLE);
        if (memcmp(&back.as.d, &d, 8) != 0) fail_msg("%.17g -> %.*s", d, (int)b.len, b.data);
        /* shortest: the same number with one significant digit less does not read back */
        char dg[32];
        int nd = 0;
        for (size_t k = 0; k < b.len && b.data[k] != 'e'; k++)
            if (b.data[k] >= '0' && b.data[k] <= '9' && (nd || b.data[k] != '0'))
                dg[nd++] = (char)b.data[k];
        while (nd > 0 && dg[nd - 1] == '0')
            nd--;
        if (nd >= 2) {
            char tmp[40];
            snprintf(tmp, sizeof tmp, "%.*e", nd - 2, d);
            if (strtod(tmp, NULL) == d) fail_msg("%.*s not shortest: %s", (int)b.len, b.data, tmp);
        }
        assert_true(b.len <= 24);
    }
    wamp_buf_free(&b);
}

static void test_encode_strings(void **state)
{
    /* Python: json.dumps(s, ensure_ascii=False) */
    static const struct {
        const char *in;
        size_t n;
        const char *out;
    } t[] = {
        {"", 0, "\"\""},
        {"realm1", 6, "\"realm1\""},
        {"\"", 1, "\"\\\"\""},
        {"\\", 1, "\"\\\\\""},
        {"/", 1, "\"/\""},
        {"\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\""},
        {"a\0b", 3, "\"a\\u0000b\""},
        {"\x01\x1f\x0b", 3, "\"\\u0001\\u001f\\u000b\""},
        {"\x7f", 1, "\"\x7f\""},
        {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14,
         "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""},
        {"\xe2\x80\xa8", 3, "\"\xe2\x80\xa8\""}, /* U+2028 as is */
        {"0123456789abcdef\"0123456789abcdef", 33, "\"0123456789abcdef\\\"0123456789abcdef\""},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        wamp_value v = wamp_value_string_borrow(t[i].in, t[i].n);
        char *s = enc(&v);
        if (strcmp(s, t[i].out) != 0) fail_msg("[%zu] %s != %s", i, s, t[i].out);
        free(s);
    }
    /* empty strings and bytes that point nowhere */
    wamp_value nul[2] = {wamp_value_string_borrow(NULL, 0), wamp_value_bytes_borrow(NULL, 0)};
    char *e0 = enc(&nul[0]), *e1 = enc(&nul[1]);
    assert_string_equal(e0, "\"\"");
    assert_string_equal(e1, "\"\\u0000\"");
    free(e0);
    free(e1);
    wamp_value dv;
    assert_int_equal(wamp_value_decode(WAMP_SER_JSON, NULL, 0, A, NULL, &dv), WAMP_ETRUNCATED);

    /* long strings with many escapes (buffer growth) */
    char big[5000];
    for (int i = 0; i < 5000; i++)
        big[i] = (char)(i % 3 == 0 ? '\n' : i % 3 == 1 ? '\x01' : 'x');
    wamp_value v = wamp_value_string_borrow(big, sizeof big), back;
    char *s = enc(&v);
    assert_int_equal(strlen(s), 2 + 5000 / 3 * (2 + 6 + 1) + 2 + 6);
    assert_int_equal(dec(s, &back), WAMP_OK);
    assert_true(wamp_value_equal(&v, &back));
    free(s);

    /* invalid UTF-8 is refused in strings and keys, and the buffer is restored */
    v = wamp_value_string_borrow("ok\xc0\xaf", 4);
    enc_err(&v, WAMP_EUTF8);
    v = wamp_value_string_borrow("\xed\xa0\x80", 3);
    enc_err(&v, WAMP_EUTF8);
    v = wamp_value_string_borrow("abcdefghijkl\xf4\x90\x80\x80", 16);
    enc_err(&v, WAMP_EUTF8);
    v = wamp_value_string_borrow("\xe2\x82", 2);
    enc_err(&v, WAMP_EUTF8);
    wamp_value d = wamp_value_dict();
    assert_int_equal(wamp_value_dict_append(A, &d, (wamp_str){"\xff", 1}, wamp_value_null()),
                     WAMP_OK);
    enc_err(&d, WAMP_EUTF8);
}

static void test_encode_compact(void **state)
{
    wamp_value msg = wamp_value_list(), details = wamp_value_dict(), roles = wamp_value_dict();
    assert_int_equal(wamp_value_list_push(A, &msg, wamp_value_int(1)), WAMP_OK);
    assert_int_equal(wamp_value_list_push(A, &msg, wamp_value_cstring(A, "realm1")), WAMP_OK);
    assert_int_equal(wamp_value_dict_setc(A, &roles, "caller", wamp_value_dict()), WAMP_OK);
    assert_int_equal(wamp_value_dict_setc(A, &roles, "publisher", wamp_value_dict()), WAMP_OK);
    assert_int_equal(wamp_value_dict_setc(A, &details, "roles", roles), WAMP_OK);
    assert_int_equal(wamp_value_dict_setc(A, &details, "authid", wamp_value_null()), WAMP_OK);
    assert_int_equal(wamp_value_dict_setc(A, &details, "x", wamp_value_bool(true)), WAMP_OK);
    assert_int_equal(wamp_value_list_push(A, &msg, details), WAMP_OK);
    char *s = enc(&msg);
    assert_string_equal(s, "[1,\"realm1\",{\"roles\":{\"caller\":{},\"publisher\":{}},"
                           "\"authid\":null,\"x\":true}]");
    free(s);
    /* raw JSON spans are copied byte for byte */
    wamp_value raw = wamp_value_raw_borrow(WAMP_SER_JSON, "{\"a\": [1, 2]}", 13);
    wamp_value l = wamp_value_list();
    assert_int_equal(wamp_value_list_push(A, &l, raw), WAMP_OK);
    s = enc(&l);
    assert_string_equal(s, "[{\"a\": [1, 2]}]");
    free(s);
    /* encoder depth bound */
    wamp_value deep = wamp_value_list();
    for (int i = 0; i < 1100; i++) {
        wamp_value outer = wamp_value_list();
        assert_int_equal(wamp_value_list_push(A, &outer, deep), WAMP_OK);
        deep = outer;
    }
    enc_err(&deep, WAMP_EDEPTH);
}

/* ---------------------------------------------------------------- raw_from */

static size_t raw_calls;
static int64_t raw_first;
static size_t raw_count;

static size_t raw_cb(int64_t first, size_t count, void *user)
{
    raw_calls++;
    raw_first = first;
    raw_count = count;
    return *(size_t *)user;
}

static void check_span(const wamp_value *v, const char *in, const char *text)
{
    assert_int_equal(v->type, WAMP_VALUE_RAW);
    assert_int_equal(v->ser, WAMP_SER_JSON);
    const char *at = strstr(in, text);
    assert_non_null(at);
    assert_ptr_equal(v->as.raw, (const uint8_t *)at); /* zero-copy, exactly the element */
    assert_int_equal(v->len, strlen(text));
}

static void test_raw_from(void **state)
{
    const char *in =
        "[48,7,{\"disclose_me\":true},\"com.x\",[1,\"a\\n\",{\"b\":[3]}],{\"k\":\"v\"}]";
    size_t from = 4;
    wamp_decode_opts o = {.raw_from = raw_cb, .raw_user = &from};
    wamp_value v;
    raw_calls = 0;
    assert_int_equal(decn(in, strlen(in), &o, &v), WAMP_OK);
    assert_int_equal(raw_calls, 1);
    assert_int_equal(raw_first, 48);
    assert_int_equal(raw_count, 6);
    assert_int_equal(wamp_value_count(&v), 6);
    assert_int_equal(wamp_value_list_at(&v, 2)->type, WAMP_VALUE_DICT);
    bool b;
    assert_true(
        wamp_value_get_bool(wamp_value_dict_getc(wamp_value_list_at(&v, 2), "disclose_me"), &b) &&
        b);
    assert_int_equal(wamp_value_list_at(&v, 3)->type, WAMP_VALUE_STRING);
    check_span(wamp_value_list_at(&v, 4), in, "[1,\"a\\n\",{\"b\":[3]}]");
    check_span(wamp_value_list_at(&v, 5), in, "{\"k\":\"v\"}");
    char *s = enc(&v);
    assert_string_equal(s, in); /* byte-identical re-encoding */
    free(s);
    /* decoding the spans gives what a full decode gives */
    wamp_value full, part;
    assert_int_equal(dec(in, &full), WAMP_OK);
    const wamp_value *r = wamp_value_list_at(&v, 4);
    assert_int_equal(wamp_value_decode(WAMP_SER_JSON, r->as.raw, r->len, A, NULL, &part), WAMP_OK);
    assert_true(wamp_value_equal(&part, wamp_value_list_at(&full, 4)));

    /* whitespace around elements is not part of the spans */
    const char *ws = "[ 36 , 5 , 6 , { } , [ 1 , 2 ] , { \"a\" : 1 } ]";
    from = 3;
    assert_int_equal(decn(ws, strlen(ws), &o, &v), WAMP_OK);
    check_span(wamp_value_list_at(&v, 3), ws, "{ }");
    check_span(wamp_value_list_at(&v, 4), ws, "[ 1 , 2 ]");
    check_span(wamp_value_list_at(&v, 5), ws, "{ \"a\" : 1 }");
    s = enc(&v);
    assert_string_equal(s, "[36,5,6,{ },[ 1 , 2 ],{ \"a\" : 1 }]");
    free(s);

    /* SIZE_MAX: everything decoded; 0: every container raw, scalars decoded */
    from = SIZE_MAX;
    assert_int_equal(decn(in, strlen(in), &o, &v), WAMP_OK);
    assert_true(wamp_value_equal(&v, &full));
    from = 0;
    assert_int_equal(decn(in, strlen(in), &o, &v), WAMP_OK);
    assert_int_equal(wamp_value_list_at(&v, 0)->type, WAMP_VALUE_INT);
    assert_int_equal(wamp_value_list_at(&v, 2)->type, WAMP_VALUE_RAW);
    assert_int_equal(wamp_value_list_at(&v, 3)->type, WAMP_VALUE_STRING);

    /* not a WAMP message shape: decoded completely, callback not called */
    raw_calls = 0;
    from = 0;
    const char *notmsg[] = {"{\"a\":[1]}", "[\"x\",[1]]", "[[1],[2]]",
                            "[]",          "5",           "[18446744073709551615,[1]]",
                            "[1.0,[1]]"};
    for (size_t i = 0; i < sizeof notmsg / sizeof notmsg[0]; i++) {
        assert_int_equal(decn(notmsg[i], strlen(notmsg[i]), &o, &v), WAMP_OK);
        assert_int_equal(dec(notmsg[i], &full), WAMP_OK);
        assert_true(wamp_value_equal(&v, &full));
    }
    assert_int_equal(raw_calls, 0);
    /* negative message codes are passed through */
    assert_int_equal(decn("[-3,[1]]", 8, &o, &v), WAMP_OK);
    assert_int_equal(raw_calls, 1);
    assert_true(raw_first == -3);
    assert_int_equal(wamp_value_list_at(&v, 1)->type, WAMP_VALUE_RAW);

    /* raw spans are still validated completely */
    from = 0;
    static const struct {
        const char *in;
        int rc;
    } bad[] = {
        {"[16,1,{},\"t\",[\"\xc0\xaf\"]]", WAMP_EUTF8},
        {"[16,1,{},\"t\",[],{\"a\":1,\"a\":2}]", WAMP_EDUPKEY},
        {"[16,1,{},\"t\",[],{\"a\":1,\"\\u0061\":2}]", WAMP_EDUPKEY},
        {"[16,1,{},\"t\",[1,]]", WAMP_ESYNTAX},
        {"[16,1,{},\"t\",[\"\\u0000!\"]]", WAMP_EBASE64},
        {"[16,1,{},\"t\",[\"\\ud800\"]]", WAMP_EUTF8},
        {"[16,1,{},\"t\",[\"\\q\"]]", WAMP_ESYNTAX},
        {"[16,1,{},\"t\",[1e999]]", WAMP_ENUMBER},
        {"[16,1,{},\"t\",[[[[[1]]]]]]", WAMP_EDEPTH},
        {"[16,1,{},\"t\",[1]", WAMP_ETRUNCATED},
        {"[16,1,{},\"t\",[1]] x", WAMP_ETRAILING},
    };
    o.max_depth = 5;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = decn(bad[i].in, strlen(bad[i].in), &o, &v);
        if (rc != bad[i].rc)
            fail_msg("%s: %s, expected %s", bad[i].in, wamp_err_name(rc), wamp_err_name(bad[i].rc));
    }
    /* the depth budget counts the outer list also when a raw span is decoded after all */
    from = SIZE_MAX;
    o.max_depth = 3;
    assert_int_equal(decn("[1,[[1]]]", 9, &o, &v), WAMP_OK);
    assert_int_equal(decn("[1,[[[1]]]]", 11, &o, &v), WAMP_EDEPTH);
    /* copy_strings applies to decoded spans too */
    o = (wamp_decode_opts){.raw_from = raw_cb, .raw_user = &from, .copy_strings = true};
    const char *m = "[1,\"realm1\",{\"authid\":\"joe\"}]";
    assert_int_equal(decn(m, strlen(m), &o, &v), WAMP_OK);
    const wamp_value *aid = wamp_value_dict_getc(wamp_value_list_at(&v, 2), "authid");
    assert_true((const char *)aid->as.s < m || (const char *)aid->as.s >= m + strlen(m));
}

/* ---------------------------------------------------------------- random trees */

static wamp_value rand_string(void)
{
    size_t n = rnd() % 24;
    char *buf = wamp_arena_alloc(A, n * 4 + 1);
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t r = (uint32_t)(rnd() % 100), cp;
        if (r < 50)
            cp = 0x20 + (uint32_t)(rnd() % 95);
        else if (r < 65)
            cp = (uint32_t)(rnd() % 0x20);
        else if (r < 70)
            cp = "\"\\/\x7f"[rnd() % 4];
        else if (r < 85)
            cp = 0x80 + (uint32_t)(rnd() % (0xD800 - 0x80));
        else if (r < 95)
            cp = 0xE000 + (uint32_t)(rnd() % 0x2000);
        else
            cp = 0x10000 + (uint32_t)(rnd() % 0x100000);
        if (len == 0 && cp == 0) cp = 'x'; /* a leading NUL would mean bytes */
        if (cp < 0x80) {
            buf[len++] = (char)cp;
        } else if (cp < 0x800) {
            buf[len++] = (char)(0xC0 | cp >> 6);
            buf[len++] = (char)(0x80 | (cp & 63));
        } else if (cp < 0x10000) {
            buf[len++] = (char)(0xE0 | cp >> 12);
            buf[len++] = (char)(0x80 | ((cp >> 6) & 63));
            buf[len++] = (char)(0x80 | (cp & 63));
        } else {
            buf[len++] = (char)(0xF0 | cp >> 18);
            buf[len++] = (char)(0x80 | ((cp >> 12) & 63));
            buf[len++] = (char)(0x80 | ((cp >> 6) & 63));
            buf[len++] = (char)(0x80 | (cp & 63));
        }
    }
    return wamp_value_string_borrow(buf, len);
}

static wamp_value rand_tree(int depth)
{
    unsigned r = (unsigned)(rnd() % (depth > 5 ? 8 : 11));
    switch (r) {
    case 0: return wamp_value_null();
    case 1: return wamp_value_bool(rnd() & 1);
    case 2: return wamp_value_int((int64_t)rnd() >> (rnd() % 64));
    case 3: return wamp_value_uint(rnd() | (1ull << 63));
    case 4: {
        uint64_t bits = rnd();
        double d;
        memcpy(&d, &bits, 8);
        if (!isfinite(d)) d = (double)(int64_t)rnd() / 1024.0;
        return wamp_value_double(d);
    }
    case 5:
    case 6: return rand_string();
    case 7: {
        size_t n = rnd() % 40;
        uint8_t *b = wamp_arena_alloc(A, n + 1);
        for (size_t i = 0; i < n; i++)
            b[i] = (uint8_t)rnd();
        return wamp_value_bytes_borrow(b, n);
    }
    case 8:
    case 9: {
        wamp_value l = wamp_value_list();
        size_t n = rnd() % 8;
        for (size_t i = 0; i < n; i++)
            assert_int_equal(wamp_value_list_push(A, &l, rand_tree(depth + 1)), WAMP_OK);
        return l;
    }
    default: {
        wamp_value d = wamp_value_dict();
        size_t n = rnd() % 8;
        for (size_t i = 0; i < n; i++) {
            wamp_value k = rand_string();
            /* dict_set replaces an existing key: keys stay unique */
            assert_int_equal(wamp_value_dict_set(A, &d, k.as.s, k.len, rand_tree(depth + 1)),
                             WAMP_OK);
        }
        return d;
    }
    }
}

static void test_random_trees(void **state)
{
    rng_state = 0xC0FFEE;
    wamp_buf b1 = {0}, b2 = {0};
    for (int i = 0; i < 3000; i++) {
        wamp_value v = rand_tree(0), back;
        b1.len = 0;
        assert_int_equal(wamp_value_encode(WAMP_SER_JSON, &v, &b1), WAMP_OK);
        int rc = decn((char *)b1.data, b1.len, NULL, &back);
        if (rc) fail_msg("%s: %.*s", wamp_err_name(rc), (int)b1.len, b1.data);
        if (!wamp_value_equal(&v, &back))
            fail_msg("tree %d differs: %.*s", i, (int)b1.len, b1.data);
        b2.len = 0;
        assert_int_equal(wamp_value_encode(WAMP_SER_JSON, &back, &b2), WAMP_OK);
        assert_int_equal(b1.len, b2.len);
        assert_memory_equal(b1.data, b2.data, b1.len);
        /* every element of a top-level list as raw, then re-encoded: identical bytes */
        wamp_value msg = wamp_value_list();
        assert_int_equal(wamp_value_list_push(A, &msg, wamp_value_int(i)), WAMP_OK);
        assert_int_equal(wamp_value_list_push(A, &msg, v), WAMP_OK);
        b1.len = 0;
        assert_int_equal(wamp_value_encode(WAMP_SER_JSON, &msg, &b1), WAMP_OK);
        size_t from = 1;
        wamp_decode_opts o = {.raw_from = raw_cb, .raw_user = &from};
        assert_int_equal(decn((char *)b1.data, b1.len, &o, &back), WAMP_OK);
        b2.len = 0;
        assert_int_equal(wamp_value_encode(WAMP_SER_JSON, &back, &b2), WAMP_OK);
        assert_int_equal(b1.len, b2.len);
        assert_memory_equal(b1.data, b2.data, b1.len);
        if (i % 100 == 99) wamp_arena_reset(A);
    }
    wamp_buf_free(&b1);
    wamp_buf_free(&b2);
}

/* ---------------------------------------------------------------- conformance samples */

/* Every JSON variant of every serialization sample decodes, all variants of a sample are
 * equal, and our encoding equals the variant autobahn-python produces (compact). */
static void check_vectors(const char *path, int *nsamples)
{
    size_t len;
    char *text = wt_read_file(path, &len);
    assert_non_null(text);
    wamp_value doc;
    int rc = decn(text, len, NULL, &doc);
    if (rc) fail_msg("%s: %s", path, wamp_err_name(rc));
    wamp_value *samples = wamp_value_dict_getc(&doc, "samples");
    for (size_t i = 0; samples && i < wamp_value_count(samples); i++) {
        wamp_value *ser = wamp_value_dict_getc(wamp_value_list_at(samples, i), "serializers");
        wamp_value *json = ser ? wamp_value_dict_getc(ser, "json") : NULL;
        if (!json) continue;
        wamp_value first = wamp_value_null();
        bool matched = false;
        char *mine = NULL;
        for (size_t j = 0; j < wamp_value_count(json); j++) {
            wamp_str hex;
            assert_true(wamp_value_get_string(
                wamp_value_dict_getc(wamp_value_list_at(json, j), "bytes_hex"), &hex));
            char *h = wamp_arena_strndup(A, hex.ptr, hex.len);
            size_t n;
            uint8_t *bytes = wt_unhex(h, &n);
            wamp_value v;
            rc = decn((char *)bytes, n, NULL, &v);
            if (rc) fail_msg("%s sample %zu/%zu: %s", path, i, j, wamp_err_name(rc));
            wamp_value copy;
            assert_int_equal(wamp_value_copy(A, &copy, &v), WAMP_OK);
            if (j == 0) {
                first = copy;
                mine = enc(&copy);
            } else {
                assert_true(wamp_value_equal(&first, &copy));
            }
            if (strlen(mine) == n && memcmp(mine, bytes, n) == 0) matched = true;
            free(bytes);
            (*nsamples)++;
        }
        if (!matched) fail_msg("%s sample %zu: our encoding %s matches no variant", path, i, mine);
        free(mine);
    }
    free(text);
}

static void walk(const char *dir, int *n)
{
    DIR *d = opendir(dir);
    if (!d) fail_msg("cannot open %s", dir);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t l = strlen(e->d_name);
        if (l > 5 && strcmp(e->d_name + l - 5, ".json") == 0)
            check_vectors(path, n);
        else if (!strchr(e->d_name, '.'))
            walk(path, n);
    }
    closedir(d);
}

static void test_conformance(void **state)
{
    int n = 0;
    char dir[1024];
    const char *env = getenv("WAMP_CONFORMANCE_DIR"); /* for builds outside the tree layout */
    snprintf(dir, sizeof dir, "%s", env ? env : WAMP_CONFORMANCE_DIR);
    DIR *probe = opendir(dir);
    if (!probe) skip(); /* the shared conformance folder is not beside this checkout */
    closedir(probe);
    strncat(dir, "/singlemessage", sizeof dir - strlen(dir) - 1);
    walk(dir, &n);
    assert_true(n >= 50);
    wamp_arena_reset(A);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_valid),
        cmocka_unit_test(test_base64),
        cmocka_unit_test_setup_teardown(test_scalars, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_control_chars, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_utf8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_numbers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syntax_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_depth_and_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_binary, setup, teardown),
        cmocka_unit_test_setup_teardown(test_borrow_and_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encode_numbers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_double_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encode_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encode_compact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_raw_from, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_trees, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conformance, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
