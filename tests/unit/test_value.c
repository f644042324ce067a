/* Unit tests of src/value: arena, builders, accessors, dicts, uniqueness, equality, deep copy
 * and the debug printer. */
#include "support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}

/* The debug form of v as a malloc'd C string. */
static char *dump(const wamp_value *v)
{
    wamp_buf b = {0};
    assert_int_equal(wamp_value_dump(&b, v), WAMP_OK);
    assert_int_equal(wamp_buf_append_byte(&b, 0), WAMP_OK);
    return (char *)b.data;
}

static void assert_dump(const wamp_value *v, const char *expect)
{
    char *s = dump(v);
    assert_string_equal(s, expect);
    free(s);
}

/* ---------------------------------------------------------------- arena */

static void test_arena_alignment(void **state)
{
    wamp_arena *a = wamp_arena_new(256);
    assert_non_null(a);
    size_t sizes[] = {1, 3, 7, 8, 15, 16, 17, 31, 33, 100, 0, 5, 1000, 4096, 2};
    for (int round = 0; round < 50; round++) {
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            unsigned char *p = wamp_arena_alloc(a, sizes[i]);
            assert_non_null(p);
            assert_int_equal((uintptr_t)p % 16, 0);
            memset(p, 0xab, sizes[i]); /* ASan: the whole size is usable */
        }
    }
    wamp_arena_free(a);
}

static void test_arena_used_and_zero_size(void **state)
{
    wamp_arena *a = wamp_arena_new(0);
    assert_int_equal(wamp_arena_used(a), 0);
    void *p = wamp_arena_alloc(a, 10);
    void *q = wamp_arena_alloc(a, 0);
    void *r = wamp_arena_alloc(a, 0);
    assert_non_null(q);
    assert_non_null(r);
    assert_ptr_not_equal(q, r);
    assert_ptr_not_equal(p, q);
    assert_int_equal(wamp_arena_used(a), 10);
    assert_non_null(wamp_arena_alloc(a, 22));
    assert_int_equal(wamp_arena_used(a), 32);
    assert_int_equal(wamp_arena_used(NULL), 0);
    wamp_arena_free(a);
    wamp_arena_free(NULL);
}

static void test_arena_bump_is_contiguous(void **state)
{
    wamp_arena *a = wamp_arena_new(1024);
    unsigned char *p1 = wamp_arena_alloc(a, 10);
    unsigned char *p2 = wamp_arena_alloc(a, 16);
    unsigned char *p3 = wamp_arena_alloc(a, 17);
    unsigned char *p4 = wamp_arena_alloc(a, 1);
    assert_ptr_equal(p2, p1 + 16);
    assert_ptr_equal(p3, p2 + 16);
    assert_ptr_equal(p4, p3 + 32);
    wamp_arena_free(a);
}

static void test_arena_large_blocks(void **state)
{
    wamp_arena *a = wamp_arena_new(128);
    unsigned char *small1 = wamp_arena_alloc(a, 16);
    /* far larger than any block: gets a block of its own, the current block stays current */
    size_t big = 3u << 20;
    unsigned char *huge = wamp_arena_alloc(a, big);
    assert_non_null(huge);
    assert_int_equal((uintptr_t)huge % 16, 0);
    memset(huge, 0x5a, big);
    unsigned char *small2 = wamp_arena_alloc(a, 16);
    assert_ptr_equal(small2, small1 + 16);
    assert_int_equal(wamp_arena_used(a), 32 + big);

    /* many allocations spill over into a chain of growing blocks; all stay intact */
    enum { N = 20000 };
    unsigned char **ptrs = malloc(N * sizeof *ptrs);
    for (int i = 0; i < N; i++) {
        size_t n = 1 + (size_t)(i % 97);
        ptrs[i] = wamp_arena_alloc(a, n);
        assert_non_null(ptrs[i]);
        memset(ptrs[i], i & 0xff, n);
    }
    for (int i = 0; i < N; i++) {
        size_t n = 1 + (size_t)(i % 97);
        for (size_t k = 0; k < n; k++)
            assert_int_equal(ptrs[i][k], i & 0xff);
    }
    for (size_t k = 0; k < big; k += 4096)
        assert_int_equal(huge[k], 0x5a);
    free(ptrs);
    wamp_arena_free(a);
}

static void test_arena_reset_keeps_first_block(void **state)
{
    wamp_arena *a = wamp_arena_new(512);
    unsigned char *first = wamp_arena_alloc(a, 8);
    for (int i = 0; i < 1000; i++)
        assert_non_null(wamp_arena_alloc(a, 100)); /* more blocks */
    assert_non_null(wamp_arena_alloc(a, 1 << 20)); /* a huge one */
    assert_true(wamp_arena_used(a) > 100000);
    wamp_arena_reset(a);
    assert_int_equal(wamp_arena_used(a), 0);
    unsigned char *again = wamp_arena_alloc(a, 8);
    assert_ptr_equal(again, first);
    /* the arena works normally after reset, blocks and all */
    for (int i = 0; i < 1000; i++) {
        unsigned char *p = wamp_arena_alloc(a, 100);
        assert_non_null(p);
        memset(p, 1, 100);
    }
    wamp_arena_reset(a);
    wamp_arena_reset(NULL);
    wamp_arena_free(a);
}

static void test_arena_overflow(void **state)
{
    wamp_arena *a = wamp_arena_new(64);
    assert_null(wamp_arena_alloc(a, SIZE_MAX));
    assert_null(wamp_arena_alloc(a, SIZE_MAX - 15));
    assert_null(wamp_arena_alloc(a, SIZE_MAX / 2));
    assert_null(wamp_arena_alloc(a, (size_t)1 << 52));  /* representable, not allocatable */
    assert_null(wamp_arena_calloc(a, SIZE_MAX / 2, 4)); /* count * size overflows */
    assert_null(wamp_arena_calloc(a, 4, SIZE_MAX / 2));
    assert_null(wamp_arena_strndup(a, "x", SIZE_MAX));
    assert_null(wamp_arena_strndup(a, NULL, 3));
    assert_null(wamp_arena_alloc(NULL, 1));
    assert_null(wamp_arena_new(SIZE_MAX));
    assert_null(wamp_arena_new(SIZE_MAX - 100));
    assert_null(wamp_arena_new((size_t)1 << 52));
    assert_int_equal(wamp_arena_used(a), 0);
    /* still usable */
    assert_non_null(wamp_arena_alloc(a, 10));
    wamp_arena_free(a);
}

static void test_arena_calloc_strndup(void **state)
{
    wamp_arena *a = wamp_arena_new(64);
    /* dirty the first block, reset, then calloc must zero the reused memory */
    memset(wamp_arena_alloc(a, 48), 0xff, 48);
    wamp_arena_reset(a);
    uint32_t *z = wamp_arena_calloc(a, 12, sizeof(uint32_t));
    assert_non_null(z);
    for (int i = 0; i < 12; i++)
        assert_int_equal(z[i], 0);
    assert_non_null(wamp_arena_calloc(a, 0, 8));

    char *s = wamp_arena_strndup(a, "abc\0def", 7);
    assert_memory_equal(s, "abc\0def", 7);
    assert_int_equal(s[7], 0);
    char *e = wamp_arena_strndup(a, NULL, 0);
    assert_non_null(e);
    assert_int_equal(e[0], 0);
    wamp_arena_free(a);
}

/* ---------------------------------------------------------------- scalars and accessors */

static void test_type_names(void **state)
{
    const char *names[] = {"null",   "bool",  "int",  "uint", "double",
                           "string", "bytes", "list", "dict", "raw"};
    for (int t = WAMP_VALUE_NULL; t <= WAMP_VALUE_RAW; t++)
        assert_string_equal(wamp_value_type_name((wamp_value_type)t), names[t]);
    assert_string_equal(wamp_value_type_name((wamp_value_type)99), "unknown");
}

static void test_scalars(void **state)
{
    wamp_value v = wamp_value_null();
    assert_true(wamp_value_is_null(&v));
    assert_int_equal(wamp_value_type_of(&v), WAMP_VALUE_NULL);

    bool b = false;
    v = wamp_value_bool(true);
    assert_true(wamp_value_get_bool(&v, &b));
    assert_true(b);
    int64_t i;
    assert_false(wamp_value_get_int(&v, &i));

    double d = 0;
    v = wamp_value_double(2.5);
    assert_true(wamp_value_get_double(&v, &d));
    assert_true(d == 2.5);
    assert_false(wamp_value_get_int(&v, &i));
    v = wamp_value_int(3);
    assert_false(wamp_value_get_double(&v, &d)); /* no silent int -> double */
    assert_false(wamp_value_get_bool(&v, &b));
    wamp_str s;
    assert_false(wamp_value_get_string(&v, &s));
    assert_false(wamp_value_get_bytes(&v, &s));
    assert_int_equal(wamp_value_count(&v), 0);
    assert_null(wamp_value_list_at(&v, 0));
    assert_null(wamp_value_dict_entry(&v, 0));
    assert_null(wamp_value_dict_getc(&v, "x"));
}

static void test_int_uint_normalisation(void **state)
{
    int64_t i;
    uint64_t u;
    wamp_value v = wamp_value_uint(5);
    assert_int_equal(v.type, WAMP_VALUE_INT);
    assert_true(wamp_value_get_int(&v, &i));
    assert_int_equal(i, 5);
    assert_true(wamp_value_get_uint(&v, &u));
    assert_int_equal(u, 5);

    v = wamp_value_uint((uint64_t)INT64_MAX);
    assert_int_equal(v.type, WAMP_VALUE_INT);
    assert_true(wamp_value_get_int(&v, &i));
    assert_true(i == INT64_MAX);

    v = wamp_value_uint((uint64_t)INT64_MAX + 1);
    assert_int_equal(v.type, WAMP_VALUE_UINT);
    assert_false(wamp_value_get_int(&v, &i));
    assert_true(wamp_value_get_uint(&v, &u));
    assert_true(u == (uint64_t)INT64_MAX + 1);

    v = wamp_value_uint(UINT64_MAX);
    assert_true(wamp_value_get_uint(&v, &u));
    assert_true(u == UINT64_MAX);

    v = wamp_value_int(-1);
    assert_false(wamp_value_get_uint(&v, &u));
    assert_true(wamp_value_get_int(&v, &i));
    assert_int_equal(i, -1);
    v = wamp_value_int(INT64_MIN);
    assert_true(wamp_value_get_int(&v, &i));
    assert_true(i == INT64_MIN);
    v = wamp_value_int(0);
    assert_true(wamp_value_get_uint(&v, &u));
    assert_int_equal(u, 0);

    /* a UINT holding a small number (built by hand) still reads as int */
    wamp_value w = {.type = WAMP_VALUE_UINT, .as.u = 7};
    assert_true(wamp_value_get_int(&w, &i));
    assert_int_equal(i, 7);
    wamp_value seven = wamp_value_int(7);
    assert_true(wamp_value_equal(&w, &seven));
    assert_true(wamp_value_equal(&seven, &w));
}

static void test_strings_and_bytes(void **state)
{
    wamp_arena *a = wamp_arena_new(0);
    char src[] = {'a', 0, 'b', 'c'};
    wamp_value v = wamp_value_string(a, src, sizeof src);
    assert_int_equal(v.type, WAMP_VALUE_STRING);
    assert_int_equal(v.len, 4);
    assert_ptr_not_equal(v.as.s, src);
    src[0] = 'X'; /* the copy is independent */
    wamp_str s;
    assert_true(wamp_value_get_string(&v, &s));
    assert_int_equal(s.len, 4);
    assert_memory_equal(s.ptr, "a\0bc", 4);
    assert_int_equal(s.ptr[4], 0); /* NUL-terminated copy */
    assert_false(wamp_value_get_bytes(&v, &s));

    v = wamp_value_cstring(a, "hello");
    assert_true(wamp_value_get_string(&v, &s));
    assert_true(wamp_str_eqc(s, "hello"));
    v = wamp_value_cstring(a, NULL);
    assert_true(wamp_value_is_null(&v));
    v = wamp_value_string(a, "", 0);
    assert_int_equal(v.type, WAMP_VALUE_STRING);
    assert_int_equal(v.len, 0);
    v = wamp_value_string(a, NULL, 0);
    assert_int_equal(v.type, WAMP_VALUE_STRING);
    v = wamp_value_string(a, NULL, 3);
    assert_true(wamp_value_is_null(&v));
    v = wamp_value_string(NULL, "x", 1);
    assert_true(wamp_value_is_null(&v));

    const char *text = "borrowed";
    v = wamp_value_string_borrow(text, 8);
    assert_ptr_equal(v.as.s, text);
    assert_true(wamp_value_get_string(&v, &s));
    assert_ptr_equal(s.ptr, text);
    assert_int_equal(s.len, 8);
    v = wamp_value_string_borrow(text, (size_t)UINT32_MAX + 1);
    assert_true(wamp_value_is_null(&v));

    uint8_t raw[] = {0, 1, 2, 255};
    v = wamp_value_bytes(a, raw, sizeof raw);
    assert_int_equal(v.type, WAMP_VALUE_BYTES);
    assert_true(wamp_value_get_bytes(&v, &s));
    assert_ptr_not_equal(s.ptr, (const char *)raw);
    assert_memory_equal(s.ptr, raw, 4);
    assert_false(wamp_value_get_string(&v, &s));
    v = wamp_value_bytes_borrow(raw, sizeof raw);
    assert_true(wamp_value_get_bytes(&v, &s));
    assert_ptr_equal(s.ptr, (const char *)raw);

    v = wamp_value_raw_borrow(WAMP_SER_MSGPACK, raw, 3);
    assert_int_equal(v.type, WAMP_VALUE_RAW);
    assert_int_equal(v.ser, WAMP_SER_MSGPACK);
    assert_int_equal(v.len, 3);
    assert_ptr_equal(v.as.raw, raw);
    v = wamp_value_raw_borrow(256, raw, 3);
    assert_true(wamp_value_is_null(&v));
    v = wamp_value_raw_borrow(-1, raw, 3);
    assert_true(wamp_value_is_null(&v));
    wamp_arena_free(a);
}

/* ---------------------------------------------------------------- lists */

static void test_list(void **state)
{
    wamp_arena *a = wamp_arena_new(0);
    wamp_value l = wamp_value_list();
    assert_int_equal(l.type, WAMP_VALUE_LIST);
    assert_int_equal(wamp_value_count(&l), 0);
    assert_null(wamp_value_list_at(&l, 0));
    for (int i = 0; i < 1000; i++)
        assert_int_equal(wamp_value_list_push(a, &l, wamp_value_int(i * 3)), WAMP_OK);
    assert_int_equal(wamp_value_count(&l), 1000);
    assert_true(l.cap >= 1000);
    for (int i = 0; i < 1000; i++) {
        int64_t x;
        assert_true(wamp_value_get_int(wamp_value_list_at(&l, (size_t)i), &x));
        assert_int_equal(x, i * 3);
    }
    assert_null(wamp_value_list_at(&l, 1000));

    /* reserve: no reallocation while pushing into reserved room */
    wamp_value r = wamp_value_list();
    assert_int_equal(wamp_value_list_reserve(a, &r, 100), WAMP_OK);
    assert_int_equal(r.cap, 100);
    wamp_value *items = r.as.items;
    for (int i = 0; i < 100; i++)
        wamp_value_list_push(a, &r, wamp_value_bool(i & 1));
    assert_ptr_equal(r.as.items, items);
    assert_int_equal(wamp_value_list_push(a, &r, wamp_value_null()), WAMP_OK);
    assert_ptr_not_equal(r.as.items, items);
    assert_int_equal(r.cap, 200); /* doubling */
    assert_int_equal(wamp_value_list_reserve(a, &r, (size_t)UINT32_MAX), WAMP_ERANGE);

    /* nested containers are shared by value */
    wamp_value outer = wamp_value_list();
    assert_int_equal(wamp_value_list_push(a, &outer, l), WAMP_OK);
    assert_int_equal(wamp_value_count(wamp_value_list_at(&outer, 0)), 1000);

    wamp_value notlist = wamp_value_dict();
    assert_int_equal(wamp_value_list_push(a, &notlist, wamp_value_null()), WAMP_EINVAL);
    assert_int_equal(wamp_value_list_reserve(a, &notlist, 1), WAMP_EINVAL);
    assert_int_equal(wamp_value_list_push(a, NULL, wamp_value_null()), WAMP_EINVAL);
    wamp_value empty = wamp_value_list();
    assert_int_equal(wamp_value_list_push(NULL, &empty, wamp_value_null()), WAMP_EINVAL);
    wamp_arena_free(a);
}

/* ---------------------------------------------------------------- dicts */

static void test_dict_set_get_replace_order(void **state)
{
    wamp_arena *a = wamp_arena_new(0);
    wamp_value d = wamp_value_dict();
    assert_int_equal(d.type, WAMP_VALUE_DICT);
    char key[] = "alpha";
    assert_int_equal(wamp_value_dict_setc(a, &d, key, wamp_value_int(1)), WAMP_OK);
    key[0] = 'X'; /* the key was copied */
    assert_int_equal(wamp_value_dict_setc(a, &d, "beta", wamp_value_int(2)), WAMP_OK);
    assert_int_equal(wamp_value_dict_set(a, &d, "g\0mma", 5, wamp_value_int(3)), WAMP_OK);
    assert_int_equal(wamp_value_dict_setc(a, &d, "", wamp_value_int(4)), WAMP_OK);
    assert_int_equal(wamp_value_count(&d), 4);

    int64_t x;
    assert_true(wamp_value_get_int(wamp_value_dict_getc(&d, "alpha"), &x));
    assert_int_equal(x, 1);
    assert_null(wamp_value_dict_getc(&d, "Xlpha"));
    assert_null(wamp_value_dict_getc(&d, "g")); /* NUL inside a key is significant */
    assert_true(wamp_value_get_int(wamp_value_dict_get(&d, "g\0mma", 5), &x));
    assert_int_equal(x, 3);
    assert_true(wamp_value_get_int(wamp_value_dict_getc(&d, ""), &x));
    assert_int_equal(x, 4);
    assert_null(wamp_value_dict_getc(&d, "alph"));
    assert_null(wamp_value_dict_getc(&d, NULL));

    /* replace keeps position and count */
    assert_int_equal(wamp_value_dict_setc(a, &d, "alpha", wamp_value_cstring(a, "one")), WAMP_OK);
    assert_int_equal(wamp_value_count(&d), 4);
    assert_true(wamp_str_eqc(wamp_value_dict_entry(&d, 0)->key, "alpha"));
    assert_int_equal(wamp_value_dict_entry(&d, 0)->value.type, WAMP_VALUE_STRING);
    assert_dump(&d, "{\"alpha\": \"one\", \"beta\": 2, \"g\\u0000mma\": 3, \"\": 4}");
    /* replacing an existing key needs no arena */
    assert_int_equal(wamp_value_dict_setc(NULL, &d, "beta", wamp_value_null()), WAMP_OK);
    assert_int_equal(wamp_value_dict_setc(NULL, &d, "new", wamp_value_null()), WAMP_EINVAL);

    /* remove keeps the order of the rest */
    assert_true(wamp_value_dict_remove(&d, "beta", 4));
    assert_false(wamp_value_dict_remove(&d, "beta", 4));
    assert_false(wamp_value_dict_remove(&d, "g", 1));
    assert_dump(&d, "{\"alpha\": \"one\", \"g\\u0000mma\": 3, \"\": 4}");
    assert_true(wamp_value_dict_remove(&d, "", 0));
    assert_true(wamp_value_dict_remove(&d, "alpha", 5));
    assert_dump(&d, "{\"g\\u0000mma\": 3}");
    assert_true(wamp_value_dict_remove(&d, "g\0mma", 5));
    assert_int_equal(wamp_value_count(&d), 0);
    assert_dump(&d, "{}");
    /* and the dict grows again after removals */
    assert_int_equal(wamp_value_dict_setc(a, &d, "z", wamp_value_bool(false)), WAMP_OK);
    assert_dump(&d, "{\"z\": false}");

    wamp_value l = wamp_value_list();
    assert_int_equal(wamp_value_dict_setc(a, &l, "k", wamp_value_null()), WAMP_EINVAL);
    assert_int_equal(wamp_value_dict_set(a, &d, NULL, 2, wamp_value_null()), WAMP_EINVAL);
    assert_int_equal(wamp_value_dict_setc(a, &d, NULL, wamp_value_null()), WAMP_EINVAL);
    assert_false(wamp_value_dict_remove(&l, "k", 1));
    assert_false(wamp_value_dict_remove(NULL, "k", 1));
    wamp_arena_free(a);
}

static void test_dict_many_keys(void **state)
{
    wamp_arena *a = wamp_arena_new(0);
    wamp_value d = wamp_value_dict();
    char k[16];
    for (int i = 0; i < 500; i++) {
        snprintf(k, sizeof k, "k%d", i);
        assert_int_equal(wamp_value_dict_setc(a, &d, k, wamp_value_int(i)), WAMP_OK);
    }
    for (int i = 0; i < 500; i++) {
        snprintf(k, sizeof k, "k%d", i);
        int64_t x;
        assert_true(wamp_value_get_int(wamp_value_dict_getc(&d, k), &x));
        assert_int_equal(x, i);
        assert_true(wamp_str_eqc(wamp_value_dict_entry(&d, (size_t)i)->key, k));
    }
    assert_null(wamp_value_dict_entry(&d, 500));
    assert_int_equal(wamp_value_dict_check_unique(&d), WAMP_OK);
    wamp_arena_free(a);
}

static void test_dict_append_borrows(void **state)
{
    wamp_arena *a = wamp_arena_new(0);
    wamp_value d = wamp_value_dict();
    const char *key = "borrowed";
    assert_int_equal(wamp_value_dict_append(a, &d, wamp_str_c(key), wamp_value_int(1)), WAMP_OK);
    assert_ptr_equal(wamp_value_dict_entry(&d, 0)->key.ptr, key);
    /* append does not look: a duplicate goes in, and check_unique finds it */
    assert_int_equal(wamp_value_dict_append(a, &d, wamp_str_c(key), wamp_value_int(2)), WAMP_OK);
    assert_int_equal(wamp_value_count(&d), 2);
    assert_int_equal(wamp_value_dict_check_unique(&d), WAMP_EDUPKEY);
    wamp_str bad = {NULL, 3};
    assert_int_equal(wamp_value_dict_append(a, &d, bad, wamp_value_null()), WAMP_EINVAL);
    wamp_value l = wamp_value_list();
    assert_int_equal(wamp_value_dict_append(a, &l, wamp_str_c("x"), wamp_value_null()),
                     WAMP_EINVAL);
    wamp_arena_free(a);
}

/* A dict of n keys "key<i>" (formatted into the arena), appended without checks. */
static wamp_value make_dict(wamp_arena *a, int n, int first)
{
    wamp_value d = wamp_value_dict();
    for (int i = 0; i < n; i++) {
        char k[24];
        int len = snprintf(k, sizeof k, "key%d", first + i);
        char *kk = wamp_arena_strndup(a, k, (size_t)len);
        assert_int_equal(
            wamp_value_dict_append(a, &d, (wamp_str){kk, (size_t)len}, wamp_value_int(first + i)),
            WAMP_OK);
    }
    return d;
}

static void test_check_unique_small(void **state)
{
    wamp_arena *a = wamp_arena_new(0);
    wamp_value d = wamp_value_dict();
    assert_int_equal(wamp_value_dict_check_unique(&d), WAMP_OK); /* empty */
    d = make_dict(a, 10, 0);
    assert_int_equal(wamp_value_dict_check_unique(&d), WAMP_OK);
    wamp_value_dict_append(a, &d, wamp_str_c("key3"), wamp_value_null());
    assert_int_equal(wamp_value_dict_check_unique(&d), WAMP_EDUPKEY);

    /* keys that differ only after an embedded NUL or by length are distinct */
    wamp_value e = wamp_value_dict();
    wamp_value_dict_append(a, &e, (wamp_str){"a\0b", 3}, wamp_value_null());
    wamp_value_dict_append(a, &e, (wamp_str){"a\0c", 3}, wamp_value_null());
    wamp_value_dict_append(a, &e, (wamp_str){"a", 1}, wamp_value_null());
    wamp_value_dict_append(a, &e, (wamp_str){"", 0}, wamp_value_null());
    assert_int_equal(wamp_value_dict_check_unique(&e), WAMP_OK);
    wamp_value_dict_append(a, &e, (wamp_str){NULL, 0}, wamp_value_null());
    assert_int_equal(wamp_value_dict_check_unique(&e), WAMP_EDUPKEY); /* "" twice */

    wamp_value l = wamp_value_list();
    assert_int_equal(wamp_value_dict_check_unique(&l), WAMP_EINVAL);
    assert_int_equal(wamp_value_dict_check_unique(NULL), WAMP_EINVAL);
    wamp_arena_free(a);
}

static void test_check_unique_large(void **state)
{
    wamp_arena *a = wamp_arena_new(1 << 20);
    enum { N = 100000 };
    wamp_value d = make_dict(a, N, 0);
    assert_int_equal(wamp_value_dict_check_unique(&d), WAMP_OK);

    /* duplicate of the first key at the very end */
    wamp_value_dict_append(a, &d, wamp_str_c("key0"), wamp_value_null());
    assert_int_equal(wamp_value_dict_check_unique(&d), WAMP_EDUPKEY);
    d.len--;
    assert_int_equal(wamp_value_dict_check_unique(&d), WAMP_OK);
    /* duplicate of a middle key */
    wamp_value_dict_append(a, &d, wamp_str_c("key54321"), wamp_value_null());
    assert_int_equal(wamp_value_dict_check_unique(&d), WAMP_EDUPKEY);

    /* sizes around the small/large boundary */
    for (int n = 14; n <= 20; n++) {
        wamp_value s = make_dict(a, n, 0);
        assert_int_equal(wamp_value_dict_check_unique(&s), WAMP_OK);
        wamp_value_dict_append(a, &s, wamp_str_c("key0"), wamp_value_null());
        assert_int_equal(wamp_value_dict_check_unique(&s), WAMP_EDUPKEY);
    }
    wamp_arena_free(a);
}

/* ---------------------------------------------------------------- equality */

static void test_equal_scalars(void **state)
{
    wamp_value x, y;
    x = wamp_value_null(), y = wamp_value_null();
    assert_true(wamp_value_equal(&x, &y));
    y = wamp_value_bool(false);
    assert_false(wamp_value_equal(&x, &y));
    x = wamp_value_bool(false);
    assert_true(wamp_value_equal(&x, &y));
    x = wamp_value_bool(true);
    assert_false(wamp_value_equal(&x, &y));

    x = wamp_value_int(-1);
    y = wamp_value_uint(UINT64_MAX);
    assert_false(wamp_value_equal(&x, &y));
    assert_false(wamp_value_equal(&y, &x));
    x = wamp_value_uint(UINT64_MAX);
    assert_true(wamp_value_equal(&x, &y));
    wamp_value u = {.type = WAMP_VALUE_UINT, .as.u = 0};
    x = wamp_value_int(0);
    assert_true(wamp_value_equal(&x, &u));
    x = wamp_value_int(INT64_MIN);
    u.as.u = (uint64_t)1 << 63; /* same bits, different number */
    assert_false(wamp_value_equal(&x, &u));
    assert_false(wamp_value_equal(&u, &x));

    x = wamp_value_int(1);
    y = wamp_value_double(1.0);
    assert_false(wamp_value_equal(&x, &y));
    x = wamp_value_double(0.0);
    y = wamp_value_double(-0.0);
    assert_true(wamp_value_equal(&x, &y));
    x = wamp_value_double(0.1 + 0.2);
    y = wamp_value_double(0.3);
    assert_false(wamp_value_equal(&x, &y));
    x = wamp_value_double(NAN);
    y = wamp_value_double(NAN);
    assert_true(wamp_value_equal(&x, &y));
    uint64_t bits;
    memcpy(&bits, &y.as.d, sizeof bits);
    bits ^= 1; /* another NaN payload */
    memcpy(&y.as.d, &bits, sizeof bits);
    assert_true(isnan(y.as.d));
    assert_false(wamp_value_equal(&x, &y));
    y = wamp_value_double(INFINITY);
    assert_false(wamp_value_equal(&x, &y));
    x = wamp_value_double(INFINITY);
    assert_true(wamp_value_equal(&x, &y));

    assert_true(wamp_value_equal(NULL, NULL));
    assert_false(wamp_value_equal(&x, NULL));
    assert_false(wamp_value_equal(NULL, &x));
}

static void test_equal_strings_raw(void **state)
{
    wamp_arena *a = wamp_arena_new(0);
    wamp_value x = wamp_value_string(a, "a\0b", 3), y = wamp_value_string_borrow("a\0b", 3);
    assert_true(wamp_value_equal(&x, &y));
    y = wamp_value_string_borrow("a\0c", 3);
    assert_false(wamp_value_equal(&x, &y));
    y = wamp_value_string_borrow("a", 1);
    assert_false(wamp_value_equal(&x, &y));
    y = wamp_value_bytes_borrow("a\0b", 3);
    assert_false(wamp_value_equal(&x, &y)); /* string != bytes */
    x = wamp_value_bytes(a, "a\0b", 3);
    assert_true(wamp_value_equal(&x, &y));
    x = wamp_value_string_borrow(NULL, 0);
    y = wamp_value_string(a, "", 0);
    assert_true(wamp_value_equal(&x, &y));

    x = wamp_value_raw_borrow(WAMP_SER_JSON, "[1]", 3);
    y = wamp_value_raw_borrow(WAMP_SER_JSON, "[1]", 3);
    assert_true(wamp_value_equal(&x, &y));
    y = wamp_value_raw_borrow(WAMP_SER_MSGPACK, "[1]", 3);
    assert_false(wamp_value_equal(&x, &y));
    y = wamp_value_raw_borrow(WAMP_SER_JSON, "[2]", 3);
    assert_false(wamp_value_equal(&x, &y));
    y = wamp_value_string_borrow("[1]", 3);
    assert_false(wamp_value_equal(&x, &y)); /* raw is never equal to a decoded value */
    wamp_arena_free(a);
}

static void test_equal_containers(void **state)
{
    wamp_arena *a = wamp_arena_new(0);
    wamp_value l1 = wamp_value_list(), l2 = wamp_value_list();
    assert_true(wamp_value_equal(&l1, &l2));
    wamp_value_list_push(a, &l1, wamp_value_int(1));
    wamp_value_list_push(a, &l1, wamp_value_cstring(a, "x"));
    assert_false(wamp_value_equal(&l1, &l2));
    wamp_value_list_push(a, &l2, wamp_value_cstring(a, "x"));
    wamp_value_list_push(a, &l2, wamp_value_int(1));
    assert_false(wamp_value_equal(&l1, &l2)); /* lists are ordered */
    wamp_value l3 = wamp_value_list();
    wamp_value_list_push(a, &l3, wamp_value_uint(1));
    wamp_value_list_push(a, &l3, wamp_value_string_borrow("x", 1));
    assert_true(wamp_value_equal(&l1, &l3));
    wamp_value d0 = wamp_value_dict();
    assert_false(wamp_value_equal(&l2, &d0)); /* empty list != empty dict */
    wamp_value e = wamp_value_list();
    assert_false(wamp_value_equal(&e, &d0));

    /* dicts: order-insensitive */
    wamp_value d1 = wamp_value_dict(), d2 = wamp_value_dict();
    wamp_value_dict_setc(a, &d1, "a", wamp_value_int(1));
    wamp_value_dict_setc(a, &d1, "b", l1);
    wamp_value_dict_setc(a, &d1, "c", wamp_value_null());
    wamp_value_dict_setc(a, &d2, "c", wamp_value_null());
    wamp_value_dict_setc(a, &d2, "b", l3);
    assert_false(wamp_value_equal(&d1, &d2)); /* size differs */
    wamp_value_dict_setc(a, &d2, "a", wamp_value_int(1));
    assert_true(wamp_value_equal(&d1, &d2));
    assert_true(wamp_value_equal(&d2, &d1));
    wamp_value_dict_setc(a, &d2, "a", wamp_value_int(2));
    assert_false(wamp_value_equal(&d1, &d2));
    wamp_value_dict_setc(a, &d2, "a", wamp_value_int(1));
    wamp_value_dict_remove(&d2, "c", 1);
    wamp_value_dict_setc(a, &d2, "d", wamp_value_null());
    assert_false(wamp_value_equal(&d1, &d2)); /* same size, different key */

    /* nesting: dict in list in dict */
    wamp_value n1 = wamp_value_list(), n2 = wamp_value_list();
    wamp_value_list_push(a, &n1, d1);
    wamp_value_list_push(a, &n2, d1);
    assert_true(wamp_value_equal(&n1, &n2));
    /* push copies the struct: n2's element shares d1's entries, so d1 and n1 see the change */
    wamp_value_list_at(&n2, 0)->as.entries[0].value = wamp_value_int(9);
    assert_true(wamp_value_equal(&n1, &n2));
    int64_t nine;
    assert_true(wamp_value_get_int(wamp_value_dict_getc(&d1, "a"), &nine));
    assert_int_equal(nine, 9);
    *wamp_value_list_at(&n2, 0) = d2;
    assert_false(wamp_value_equal(&n1, &n2));

    /* duplicate keys pair up in insertion order */
    wamp_value x = wamp_value_dict(), y = wamp_value_dict();
    wamp_value_dict_append(a, &x, wamp_str_c("k"), wamp_value_int(1));
    wamp_value_dict_append(a, &x, wamp_str_c("j"), wamp_value_int(0));
    wamp_value_dict_append(a, &x, wamp_str_c("k"), wamp_value_int(2));
    wamp_value_dict_append(a, &y, wamp_str_c("j"), wamp_value_int(0));
    wamp_value_dict_append(a, &y, wamp_str_c("k"), wamp_value_int(1));
    wamp_value_dict_append(a, &y, wamp_str_c("k"), wamp_value_int(2));
    assert_true(wamp_value_equal(&x, &y));
    y.as.entries[1].value = wamp_value_int(2);
    y.as.entries[2].value = wamp_value_int(1);
    assert_false(wamp_value_equal(&x, &y));
    wamp_arena_free(a);
}

static void test_equal_large_dicts(void **state)
{
    wamp_arena *a = wamp_arena_new(1 << 20);
    enum { N = 100000 };
    wamp_value d1 = make_dict(a, N, 0);
    /* d2: same entries in reverse order */
    wamp_value d2 = wamp_value_dict();
    for (int i = N - 1; i >= 0; i--) {
        wamp_kv *kv = wamp_value_dict_entry(&d1, (size_t)i);
        assert_int_equal(wamp_value_dict_append(a, &d2, kv->key, kv->value), WAMP_OK);
    }
    assert_true(wamp_value_equal(&d1, &d2));
    assert_true(wamp_value_equal(&d1, &d1));
    d2.as.entries[N / 2].value = wamp_value_int(-1);
    assert_false(wamp_value_equal(&d1, &d2));
    d2.as.entries[N / 2].value = d1.as.entries[N - 1 - N / 2].value;
    assert_true(wamp_value_equal(&d2, &d1));
    d2.as.entries[7].key = wamp_str_c("other");
    assert_false(wamp_value_equal(&d1, &d2));

    /* boundary sizes, shuffled by rotation */
    for (int n = 15; n <= 18; n++) {
        wamp_value s1 = make_dict(a, n, 0), s2 = wamp_value_dict();
        for (int i = 0; i < n; i++) {
            wamp_kv *kv = wamp_value_dict_entry(&s1, (size_t)((i + 5) % n));
            wamp_value_dict_append(a, &s2, kv->key, kv->value);
        }
        assert_true(wamp_value_equal(&s1, &s2));
        s2.as.entries[0].value = wamp_value_null();
        assert_false(wamp_value_equal(&s1, &s2));
    }
    wamp_arena_free(a);
}

/* ---------------------------------------------------------------- copy */

static void test_copy_deep_and_independent(void **state)
{
    wamp_arena *src_arena = wamp_arena_new(64);
    char *borrowed = malloc(16);
    memcpy(borrowed, "bor\0rowed", 10);
    uint8_t *rawbuf = malloc(4);
    memcpy(rawbuf, "\x93\x01\x02\x03", 4);

    wamp_value inner = wamp_value_dict();
    wamp_value_dict_append(src_arena, &inner, (wamp_str){borrowed, 3}, wamp_value_int(-5));
    wamp_value_dict_setc(src_arena, &inner, "u", wamp_value_uint(UINT64_MAX));
    wamp_value_dict_setc(src_arena, &inner, "e", wamp_value_list());
    wamp_value_dict_setc(src_arena, &inner, "ed", wamp_value_dict());
    wamp_value src = wamp_value_list();
    wamp_value_list_push(src_arena, &src, wamp_value_string_borrow(borrowed, 9));
    wamp_value_list_push(src_arena, &src, wamp_value_bytes_borrow(borrowed, 4));
    wamp_value_list_push(src_arena, &src, wamp_value_raw_borrow(WAMP_SER_MSGPACK, rawbuf, 4));
    wamp_value_list_push(src_arena, &src, inner);
    wamp_value_list_push(src_arena, &src, wamp_value_double(0.5));
    wamp_value_list_push(src_arena, &src, wamp_value_bool(true));
    wamp_value_list_push(src_arena, &src, wamp_value_null());
    const char *expect = "[\"bor\\u0000rowed\", b\"626f7200\", raw<2>:93010203, {\"bor\": -5, "
                         "\"u\": 18446744073709551615, \"e\": [], \"ed\": {}}, 0.5, true, null]";
    assert_dump(&src, expect);

    wamp_arena *dst_arena = wamp_arena_new(0);
    wamp_value copy;
    assert_int_equal(wamp_value_copy(dst_arena, &copy, &src), WAMP_OK);
    assert_true(wamp_value_equal(&copy, &src));
    assert_ptr_not_equal(copy.as.items, src.as.items);
    assert_ptr_not_equal(wamp_value_list_at(&copy, 0)->as.s, borrowed);
    assert_int_equal(wamp_value_list_at(&copy, 0)->as.s[9], 0); /* NUL-terminated */

    /* destroy everything the source pointed to: the copy must not care (ASan checks) */
    memset(borrowed, 'Z', 16);
    free(borrowed);
    free(rawbuf);
    wamp_arena_free(src_arena);
    assert_dump(&copy, expect);

    /* the copy is a normal, growable value */
    wamp_value *d = wamp_value_list_at(&copy, 3);
    assert_int_equal(wamp_value_dict_setc(dst_arena, d, "more", wamp_value_int(1)), WAMP_OK);
    assert_int_equal(wamp_value_list_push(dst_arena, &copy, wamp_value_int(2)), WAMP_OK);
    assert_int_equal(wamp_value_count(&copy), 8);
    wamp_arena_free(dst_arena);
}

static void test_copy_scalars_alias_errors(void **state)
{
    wamp_arena *a = wamp_arena_new(0);
    wamp_value v = wamp_value_double(-2.25), c;
    assert_int_equal(wamp_value_copy(a, &c, &v), WAMP_OK);
    assert_true(wamp_value_equal(&v, &c));
    assert_int_equal(wamp_arena_used(a), 0); /* scalars need no memory */

    /* in place: a borrowed string becomes owned */
    char buf[] = "temp";
    v = wamp_value_string_borrow(buf, 4);
    assert_int_equal(wamp_value_copy(a, &v, &v), WAMP_OK);
    assert_ptr_not_equal(v.as.s, buf);
    buf[0] = 'X';
    assert_dump(&v, "\"temp\"");

    assert_int_equal(wamp_value_copy(NULL, &c, &v), WAMP_EINVAL);
    assert_true(wamp_value_is_null(&c));
    assert_int_equal(wamp_value_copy(a, NULL, &v), WAMP_EINVAL);
    assert_int_equal(wamp_value_copy(a, &c, NULL), WAMP_EINVAL);
    wamp_arena_free(a);
}

/* ---------------------------------------------------------------- printer */

static void test_dump_exact(void **state)
{
    wamp_arena *a = wamp_arena_new(0);
    wamp_value v;
    v = wamp_value_null();
    assert_dump(&v, "null");
    v = wamp_value_bool(true);
    assert_dump(&v, "true");
    v = wamp_value_bool(false);
    assert_dump(&v, "false");
    v = wamp_value_int(INT64_MIN);
    assert_dump(&v, "-9223372036854775808");
    v = wamp_value_int(INT64_MAX);
    assert_dump(&v, "9223372036854775807");
    v = wamp_value_uint(UINT64_MAX);
    assert_dump(&v, "18446744073709551615");
    v = wamp_value_double(0.1);
    assert_dump(&v, "0.10000000000000001");
    v = wamp_value_double(1.0);
    assert_dump(&v, "1");
    v = wamp_value_double(-1e300);
    assert_dump(&v, "-1.0000000000000001e+300");
    v = wamp_value_double(INFINITY);
    assert_dump(&v, "inf");
    v = wamp_value_double(NAN);
    assert_dump(&v, "nan");
    v = wamp_value_string_borrow("q\"\\/\n\r\t\b\f\x01\x1f\x7f\0 \xc3\xa9", 16);
    assert_dump(&v, "\"q\\\"\\\\/\\n\\r\\t\\b\\f\\u0001\\u001f\\u007f\\u0000 \xc3\xa9\"");
    v = wamp_value_string_borrow("", 0);
    assert_dump(&v, "\"\"");
    v = wamp_value_bytes_borrow("\x00\xff\x10", 3);
    assert_dump(&v, "b\"00ff10\"");
    v = wamp_value_bytes_borrow(NULL, 0);
    assert_dump(&v, "b\"\"");
    v = wamp_value_raw_borrow(WAMP_SER_JSON, "[1]", 3);
    assert_dump(&v, "raw<1>:5b315d");

    wamp_value d = wamp_value_dict(), l = wamp_value_list();
    wamp_value_list_push(a, &l, wamp_value_int(1));
    wamp_value_list_push(a, &l, wamp_value_list());
    wamp_value_list_push(a, &l, wamp_value_cstring(a, "x"));
    wamp_value_dict_setc(a, &d, "a\"b", l);
    wamp_value_dict_setc(a, &d, "d", wamp_value_dict());
    assert_dump(&d, "{\"a\\\"b\": [1, [], \"x\"], \"d\": {}}");

    /* long bytes go through the chunked hex writer */
    uint8_t big[300];
    for (int i = 0; i < 300; i++)
        big[i] = (uint8_t)i;
    v = wamp_value_bytes_borrow(big, sizeof big);
    char *s = dump(&v);
    char *hex = wt_hex(big, sizeof big);
    assert_int_equal(strlen(s), 603);
    assert_memory_equal(s, "b\"", 2);
    assert_memory_equal(s + 2, hex, 600);
    assert_string_equal(s + 602, "\"");
    free(hex);
    free(s);

    /* dump appends */
    wamp_buf b = {0};
    wamp_buf_append(&b, "x=", 2);
    v = wamp_value_int(3);
    assert_int_equal(wamp_value_dump(&b, &v), WAMP_OK);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, "x=3", 3);
    assert_int_equal(wamp_value_dump(NULL, &v), WAMP_EINVAL);
    assert_int_equal(wamp_value_dump(&b, NULL), WAMP_EINVAL);
    wamp_buf_free(&b);
    wamp_arena_free(a);
}

static void test_print_to_file(void **state)
{
    wamp_arena *a = wamp_arena_new(0);
    wamp_value d = wamp_value_dict();
    wamp_value_dict_setc(a, &d, "k", wamp_value_bytes(a, "\x01", 1));
    wamp_value_dict_setc(a, &d, "n", wamp_value_double(-0.5));
    FILE *f = tmpfile();
    assert_non_null(f);
    wamp_value_print(f, &d);
    fputc('|', f);
    wamp_value_print(f, NULL);
    wamp_value_print(NULL, &d); /* no-op */
    rewind(f);
    char got[128] = {0};
    size_t n = fread(got, 1, sizeof got - 1, f);
    fclose(f);
    got[n] = 0;
    assert_string_equal(got, "{\"k\": b\"01\", \"n\": -0.5}|(null)");
    wamp_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arena_alignment),
        cmocka_unit_test(test_arena_used_and_zero_size),
        cmocka_unit_test(test_arena_bump_is_contiguous),
        cmocka_unit_test(test_arena_large_blocks),
        cmocka_unit_test(test_arena_reset_keeps_first_block),
        cmocka_unit_test(test_arena_overflow),
        cmocka_unit_test(test_arena_calloc_strndup),
        cmocka_unit_test(test_type_names),
        cmocka_unit_test(test_scalars),
        cmocka_unit_test(test_int_uint_normalisation),
        cmocka_unit_test(test_strings_and_bytes),
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_dict_set_get_replace_order),
        cmocka_unit_test(test_dict_many_keys),
        cmocka_unit_test(test_dict_append_borrows),
        cmocka_unit_test(test_check_unique_small),
        cmocka_unit_test(test_check_unique_large),
        cmocka_unit_test(test_equal_scalars),
        cmocka_unit_test(test_equal_strings_raw),
        cmocka_unit_test(test_equal_containers),
        cmocka_unit_test(test_equal_large_dicts),
        cmocka_unit_test(test_copy_deep_and_independent),
        cmocka_unit_test(test_copy_scalars_alias_errors),
        cmocka_unit_test(test_dump_exact),
        cmocka_unit_test(test_print_to_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
