/* Helpers shared by the binary value codecs; see bincommon.h. */
#include "codec/bincommon.h"

#include <stdlib.h>

static int cmp_str(const void *pa, const void *pb)
{
    const wamp_str *a = pa, *b = pb;
    if (a->len != b->len) return a->len < b->len ? -1 : 1;
    return a->len ? memcmp(a->ptr, b->ptr, a->len) : 0;
}

static inline bool str_same(const wamp_str *a, const wamp_str *b)
{
    size_t n = a->len;
    if (n != b->len) return false;
    if (n == 0) return true;
    /* first and last bytes first: most distinct keys of equal length differ there */
    if (a->ptr[0] != b->ptr[0] || a->ptr[n - 1] != b->ptr[n - 1]) return false;
    return memcmp(a->ptr, b->ptr, n) == 0;
}

#define KEY_AT(first, stride, i) ((const wamp_str *)((const char *)(first) + (i) * (stride)))

/* Sort fallback: O(n log n) whatever the keys. */
static int keys_unique_sorted(const wamp_str *first, size_t stride, size_t n)
{
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

/* A word-at-a-time hash of a key, keyed by a per-process seed (the address of this function,
 * randomised by ASLR). The seed only makes collisions hard to plan: the probe limit below
 * bounds the work anyway. */
static inline uint64_t load64(const uint8_t *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}
static inline uint64_t load32(const uint8_t *p)
{
    uint32_t w;
    memcpy(&w, p, 4);
    return w;
}

static uint64_t key_hash(const wamp_str *k)
{
    const uint64_t m = 0xbf58476d1ce4e5b9ull;
    uint64_t h = (uint64_t)(uintptr_t)&key_hash ^ (k->len * 0x9e3779b97f4a7c15ull);
    const uint8_t *p = (const uint8_t *)k->ptr;
    size_t n = k->len;
    uint64_t w;
    if (n >= 8) {
        for (; n > 8; n -= 8, p += 8) {
            h = (h ^ load64(p)) * m;
            h ^= h >> 31;
        }
        w = load64(p + n - 8); /* the last 8 bytes, overlapping: no partial loads */
    } else if (n >= 4) {
        w = load32(p) | load32(p + n - 4) << 32;
    } else if (n) {
        w = (uint64_t)p[0] | (uint64_t)p[n / 2] << 8 | (uint64_t)p[n - 1] << 16;
    } else {
        w = 0;
    }
    h = (h ^ w) * m;
    h ^= h >> 29;
    h *= 0x94d049bb133111ebull;
    return h ^ (h >> 32);
}

#define MAX_PROBES 32

int wamp__bin_keys_unique(const wamp_str *first, size_t stride, size_t n)
{
    if (n < 2) return WAMP_OK;
    if (n <= 8) {
        /* WAMP dicts are small: pairwise comparison is the fastest. */
        for (size_t i = 1; i < n; i++)
            for (size_t j = 0; j < i; j++)
                if (str_same(KEY_AT(first, stride, i), KEY_AT(first, stride, j)))
                    return WAMP_EDUPKEY;
        return WAMP_OK;
    }
    if (n > UINT32_MAX / 4) return keys_unique_sorted(first, stride, n);
    /* Open addressing over slot indices + 1 (0: empty), load factor <= 1/2; one-byte slots
     * while the indices fit (a smaller table to clear). */
    size_t size = 16;
    while (size < 2 * n)
        size *= 2;
    size_t mask = size - 1, width = n < 255 ? 1 : 4;
    uint32_t stack[256];
    void *slots = stack;
    if (size * width > sizeof stack) {
        slots = calloc(size, width);
        if (!slots) return keys_unique_sorted(first, stride, n);
    } else {
        memset(slots, 0, size * width);
    }
    uint8_t *s8 = slots;
    uint32_t *s32 = slots;
    int rc = WAMP_OK;
    for (size_t i = 0; i < n && rc == WAMP_OK; i++) {
        const wamp_str *k = KEY_AT(first, stride, i);
        size_t pos = (size_t)key_hash(k) & mask, probes = 0, at;
        while ((at = width == 1 ? s8[pos] : s32[pos]) != 0) {
            if (str_same(KEY_AT(first, stride, at - 1), k)) {
                rc = WAMP_EDUPKEY;
                break;
            }
            pos = (pos + 1) & mask;
            if (++probes > MAX_PROBES) {
                rc = 1; /* pathological clustering: sort instead */
                break;
            }
        }
        if (width == 1)
            s8[pos] = (uint8_t)(i + 1);
        else
            s32[pos] = (uint32_t)(i + 1);
    }
    if (slots != stack) free(slots);
    if (rc == 1) rc = keys_unique_sorted(first, stride, n);
    return rc;
}
