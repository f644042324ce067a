/* Unit tests of src/common: version, error names and texts, string slices, byte buffers. */
#include "support.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Under ASan, let impossible allocations fail with NULL (as plain malloc does) instead of
 * aborting, so the ENOMEM paths can be tested. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}

static void test_version(void **state)
{
    assert_string_equal(wamp_version(), WAMP_VERSION_STRING);
    char expect[32];
    snprintf(expect, sizeof expect, "%d.%d.%d", WAMP_VERSION_MAJOR, WAMP_VERSION_MINOR,
             WAMP_VERSION_PATCH);
    assert_string_equal(wamp_version(), expect);
}

/* Every code of the enum, read from the header itself so a code added there without a line in
 * src/common/error.c makes this test fail. */
typedef struct code {
    char name[48];
    int value;
} code;

static size_t parse_codes(code *out, size_t max)
{
    char *text = wt_read_file(WAMP_SOURCE_DIR "/include/wamp/common.h", NULL);
    assert_non_null(text);
    char *p = strstr(text, "typedef enum wamp_err {");
    assert_non_null(p);
    char *end = strstr(p, "} wamp_err;");
    assert_non_null(end);
    size_t n = 0;
    while ((p = strstr(p, "WAMP_")) && p < end) {
        size_t k = 0;
        while (isalnum((unsigned char)p[k]) || p[k] == '_')
            k++;
        char *q = p + k;
        while (*q == ' ')
            q++;
        if (*q == '=') {
            assert_true(n < max);
            assert_true(k < sizeof out[n].name);
            memcpy(out[n].name, p, k);
            out[n].name[k] = 0;
            out[n].value = (int)strtol(q + 1, NULL, 10);
            n++;
        }
        p += k;
    }
    free(text);
    return n;
}

static void test_every_code_named(void **state)
{
    code codes[256];
    size_t n = parse_codes(codes, 256);
    assert_true(n >= 58); /* the header had 58 codes when this was written */
    for (size_t i = 0; i < n; i++) {
        const char *name = wamp_err_name(codes[i].value);
        const char *text = wamp_strerror(codes[i].value);
        assert_string_equal(name, codes[i].name);
        assert_string_not_equal(name, "WAMP_E?");
        assert_string_not_equal(text, "unknown error");
        assert_true(strlen(text) > 3);
        for (size_t j = 0; j < i; j++) {
            assert_int_not_equal(codes[i].value, codes[j].value);
            assert_string_not_equal(name, wamp_err_name(codes[j].value));
            assert_string_not_equal(text, wamp_strerror(codes[j].value));
        }
    }
}

static void test_unknown_codes(void **state)
{
    assert_string_equal(wamp_err_name(1), "WAMP_E?");
    assert_string_equal(wamp_err_name(-19), "WAMP_E?");
    assert_string_equal(wamp_err_name(-100000), "WAMP_E?");
    assert_string_equal(wamp_strerror(12345), "unknown error");
    assert_string_equal(wamp_strerror(WAMP_ENOMEM), "out of memory");
    assert_string_equal(wamp_err_name(WAMP_OK), "WAMP_OK");
    assert_string_equal(wamp_err_name(WAMP_EDUPKEY), "WAMP_EDUPKEY");
}

static void test_str(void **state)
{
    wamp_str s = wamp_str_c("hello");
    assert_int_equal(s.len, 5);
    assert_true(wamp_str_eqc(s, "hello"));
    assert_false(wamp_str_eqc(s, "hell"));
    assert_false(wamp_str_eqc(s, "hello!"));
    assert_false(wamp_str_eqc(s, "Hello"));

    wamp_str n = wamp_str_c(NULL);
    assert_null(n.ptr);
    assert_int_equal(n.len, 0);
    assert_true(wamp_str_eq(n, wamp_str_c("")));
    assert_true(wamp_str_eqc(n, NULL));
    assert_true(wamp_str_eqc(wamp_str_c(""), NULL));

    /* NUL inside: compared byte for byte, not as C strings */
    wamp_str a = {"a\0b", 3}, b = {"a\0c", 3}, c = {"a\0b", 3};
    assert_false(wamp_str_eq(a, b));
    assert_true(wamp_str_eq(a, c));
    assert_false(wamp_str_eqc(a, "a"));
    wamp_str a2 = {"a", 1};
    assert_false(wamp_str_eq(a, a2));
}

static void test_buf_growth(void **state)
{
    wamp_buf b = {0};
    assert_int_equal(wamp_buf_append(&b, NULL, 0), WAMP_OK);
    assert_int_equal(b.len, 0);
    assert_int_equal(wamp_buf_append_byte(&b, 'x'), WAMP_OK);
    assert_int_equal(b.len, 1);
    assert_int_equal(b.cap, 64);
    size_t prev = b.cap;
    int doublings = 0;
    for (int i = 1; i < 10000; i++) {
        assert_int_equal(wamp_buf_append_byte(&b, (uint8_t)i), WAMP_OK);
        if (b.cap != prev) {
            assert_int_equal(b.cap, prev * 2);
            prev = b.cap;
            doublings++;
        }
    }
    assert_int_equal(b.len, 10000);
    assert_int_equal(b.cap, 16384);
    assert_int_equal(doublings, 8);
    assert_int_equal(b.data[0], 'x');
    for (int i = 1; i < 10000; i++)
        assert_int_equal(b.data[i], (uint8_t)i);

    /* a large append jumps straight to the size it needs (rounded by doubling) */
    static uint8_t big[100000];
    memset(big, 7, sizeof big);
    assert_int_equal(wamp_buf_append(&b, big, sizeof big), WAMP_OK);
    assert_int_equal(b.len, 110000);
    assert_int_equal(b.cap, 131072);
    assert_int_equal(b.data[109999], 7);

    uint8_t *data = b.data;
    size_t cap = b.cap;
    wamp_buf_clear(&b);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, cap);
    assert_ptr_equal(b.data, data);
    assert_int_equal(wamp_buf_append(&b, "abc", 3), WAMP_OK);
    assert_memory_equal(b.data, "abc", 3);

    wamp_buf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    wamp_buf_free(&b); /* twice is fine */
    wamp_buf_free(NULL);
}

static void test_buf_reserve(void **state)
{
    wamp_buf b;
    wamp_buf_init(&b);
    assert_null(b.data);
    assert_int_equal(wamp_buf_reserve(&b, 0), WAMP_OK);
    assert_int_equal(wamp_buf_reserve(&b, 1000), WAMP_OK);
    assert_true(b.cap >= 1000);
    assert_int_equal(b.cap, 1024);
    uint8_t *data = b.data;
    for (int i = 0; i < 1000; i++)
        assert_int_equal(wamp_buf_append_byte(&b, 1), WAMP_OK);
    assert_ptr_equal(b.data, data); /* no reallocation after reserve */
    wamp_buf_free(&b);
}

static void test_buf_enomem_unchanged(void **state)
{
    wamp_buf b = {0};
    assert_int_equal(wamp_buf_append(&b, "hello", 5), WAMP_OK);
    wamp_buf before = b;

    /* len + extra overflows size_t */
    assert_int_equal(wamp_buf_reserve(&b, SIZE_MAX), WAMP_ENOMEM);
    assert_int_equal(wamp_buf_reserve(&b, SIZE_MAX - 4), WAMP_ENOMEM);
    assert_int_equal(wamp_buf_reserve(&b, (size_t)PTRDIFF_MAX - 4), WAMP_ENOMEM);
    assert_memory_equal(&b, &before, sizeof b);
    /* representable but impossible to allocate */
    assert_int_equal(wamp_buf_reserve(&b, (size_t)1 << 62), WAMP_ENOMEM);
    assert_memory_equal(&b, &before, sizeof b);
    assert_memory_equal(b.data, "hello", 5);

    assert_int_equal(wamp_buf_append(&b, NULL, 3), WAMP_EINVAL);
    assert_int_equal(wamp_buf_append(NULL, "x", 1), WAMP_EINVAL);
    assert_int_equal(wamp_buf_reserve(NULL, 1), WAMP_EINVAL);
    assert_memory_equal(&b, &before, sizeof b);
    wamp_buf_clear(NULL);
    wamp_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_every_code_named),
        cmocka_unit_test(test_unknown_codes),
        cmocka_unit_test(test_str),
        cmocka_unit_test(test_buf_growth),
        cmocka_unit_test(test_buf_reserve),
        cmocka_unit_test(test_buf_enomem_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
