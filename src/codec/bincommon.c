/* Helpers shared by the binary value codecs; see bincommon.h. */
#include "codec/bincommon.h"

#include <stdlib.h>

static int cmp_str(const void *pa, const void *pb)
{
    const wamp_str *a = pa, *b = pb;
    if (a->len != b->len) return a->len < b->len ? -1 : 1;
    return a->len ? memcmp(a->ptr, b->ptr, a->len) : 0;
}

static bool str_same(const wamp_str *a, const wamp_str *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->ptr, b->ptr, a->len) == 0);
}

#define KEY_AT(first, stride, i) ((const wamp_str *)((const char *)(first) + (i) * (stride)))

int wamp__bin_keys_unique(const wamp_str *first, size_t stride, size_t n)
{
    if (n < 2) return WAMP_OK;
    if (n <= 16) {
        /* WAMP dicts are small: pairwise comparison beats sorting. */
        for (size_t i = 1; i < n; i++)
            for (size_t j = 0; j < i; j++)
                if (str_same(KEY_AT(first, stride, i), KEY_AT(first, stride, j)))
                    return WAMP_EDUPKEY;
        return WAMP_OK;
    }
    wamp_str stack[64];
    wamp_str *keys = stack;
    if (n > sizeof stack / sizeof stack[0]) {
        if (n > SIZE_MAX / sizeof *keys) return WAMP_ENOMEM;
        keys = malloc(n * sizeof *keys);
        if (!keys) return WAMP_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        keys[i] = *KEY_AT(first, stride, i);
    qsort(keys, n, sizeof *keys, cmp_str);
    int rc = WAMP_OK;
    for (size_t i = 1; i < n && !rc; i++)
        if (str_same(&keys[i - 1], &keys[i])) rc = WAMP_EDUPKEY;
    if (keys != stack) free(keys);
    return rc;
}

int wamp__bin_set_span(wamp_arena *a, wamp_value *v, wamp_value_type t, const uint8_t *p, size_t n,
                       bool copy)
{
    if (n > UINT32_MAX) return WAMP_ETOOBIG;
    memset(v, 0, sizeof *v);
    v->type = (uint8_t)t;
    v->len = (uint32_t)n;
    if (copy) {
        char *c = wamp_arena_strndup(a, (const char *)p, n);
        if (!c) return WAMP_ENOMEM;
        p = (const uint8_t *)c;
    } else if (n == 0 && p == NULL) {
        p = (const uint8_t *)"";
    }
    if (t == WAMP_VALUE_RAW)
        v->as.raw = p;
    else
        v->as.s = (const char *)p;
    return WAMP_OK;
}
