/* Equality and duplicate-key detection. Both must stay fast on hostile input (a decoder hands
 * us a dict of 100k keys chosen by a peer), so large dicts never take quadratic paths. */
#include <wamp/value.h>

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "value/value_internal.h"

/* ---------------------------------------------------------------- keyed hashing */

/* SipHash-2-4 (libsodium's crypto_shorthash) with a per-process random key, so that a peer
 * cannot precompute keys that collide in the hash set below. */
static unsigned char hash_key[crypto_shorthash_KEYBYTES];
static pthread_once_t hash_once = PTHREAD_ONCE_INIT;

static void hash_init(void)
{
    /* if libsodium cannot initialise, the all-zero key still gives correct (only less
     * flood-resistant) results */
    if (sodium_init() >= 0) randombytes_buf(hash_key, sizeof hash_key);
}

static uint64_t key_hash(wamp_str k)
{
    unsigned char out[crypto_shorthash_BYTES];
    crypto_shorthash(out, (const unsigned char *)(k.len ? k.ptr : ""), k.len, hash_key);
    uint64_t h;
    memcpy(&h, out, sizeof h);
    return h;
}

/* ---------------------------------------------------------------- duplicate keys */

static int unique_small(const wamp_value *d)
{
    for (uint32_t i = 1; i < d->len; i++)
        for (uint32_t j = 0; j < i; j++)
            if (wamp_str_eq(d->as.entries[i].key, d->as.entries[j].key)) return WAMP_EDUPKEY;
    return WAMP_OK;
}

int wamp_value_dict_check_unique(const wamp_value *dict)
{
    if (!dict || dict->type != WAMP_VALUE_DICT) return WAMP_EINVAL;
    if (dict->len <= WAMP__VALUE_SMALL_DICT) return unique_small(dict);

    pthread_once(&hash_once, hash_init);
    size_t cap = 64; /* power of two, at least twice the entries: load factor <= 1/2 */
    while (cap < (size_t)dict->len * 2)
        cap *= 2;
    uint32_t *slots = calloc(cap, sizeof *slots); /* entry index + 1; 0 = empty */
    if (!slots) return WAMP_ENOMEM;
    int rc = WAMP_OK;
    for (uint32_t i = 0; i < dict->len && rc == WAMP_OK; i++) {
        wamp_str k = dict->as.entries[i].key;
        size_t s = (size_t)key_hash(k) & (cap - 1);
        while (slots[s]) {
            if (wamp_str_eq(dict->as.entries[slots[s] - 1].key, k)) {
                rc = WAMP_EDUPKEY;
                break;
            }
            s = (s + 1) & (cap - 1);
        }
        slots[s] = i + 1;
    }
    free(slots);
    return rc;
}

/* ---------------------------------------------------------------- equality */

static bool double_eq(double a, double b)
{
    if (a == b) return true; /* also 0.0 == -0.0 */
    uint64_t x, y;
    memcpy(&x, &a, sizeof x);
    memcpy(&y, &b, sizeof y);
    return a != a && x == y; /* NaN equals NaN of the same bits */
}

static bool bytes_eq(const void *a, const void *b, uint32_t len)
{
    return len == 0 || a == b || memcmp(a, b, len) == 0;
}

static int key_cmp(wamp_str a, wamp_str b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n ? memcmp(a.ptr, b.ptr, n) : 0;
    if (c) return c;
    return (a.len > b.len) - (a.len < b.len);
}

/* Orders pointers to entries by key, then by position, so equal keys keep insertion order. */
static int kvp_cmp(const void *pa, const void *pb)
{
    const wamp_kv *a = *(const wamp_kv *const *)pa, *b = *(const wamp_kv *const *)pb;
    int c = key_cmp(a->key, b->key);
    if (c) return c;
    return (a > b) - (a < b);
}

/* Small dicts: each entry of a is matched with the first not yet matched entry of b with the
 * same key (so duplicate keys pair up in insertion order, as in dict_eq_sorted). */
static bool dict_eq_small(const wamp_value *a, const wamp_value *b)
{
    bool used[WAMP__VALUE_SMALL_DICT] = {false};
    for (uint32_t i = 0; i < a->len; i++) {
        const wamp_kv *x = &a->as.entries[i];
        uint32_t j = 0;
        while (j < b->len && (used[j] || !wamp_str_eq(x->key, b->as.entries[j].key)))
            j++;
        if (j == b->len || !wamp_value_equal(&x->value, &b->as.entries[j].value)) return false;
        used[j] = true;
    }
    return true;
}

/* Large dicts: sort entry pointers of both by key (O(n log n), not attackable), then compare
 * pairwise. */
static bool dict_eq_sorted(const wamp_value *a, const wamp_value *b)
{
    size_t n = a->len;
    const wamp_kv **pa = malloc(2 * n * sizeof *pa);
    if (!pa) {
        /* out of memory: fall back to the quadratic scan, still correct */
        for (uint32_t i = 0; i < a->len; i++) {
            const wamp_kv *x = &a->as.entries[i];
            const wamp_value *y = wamp_value_dict_get(b, x->key.ptr, x->key.len);
            if (!y || !wamp_value_equal(&x->value, y)) return false;
        }
        return wamp_value_dict_check_unique(a) == WAMP_OK &&
               wamp_value_dict_check_unique(b) == WAMP_OK;
    }
    const wamp_kv **pb = pa + n;
    for (size_t i = 0; i < n; i++) {
        pa[i] = &a->as.entries[i];
        pb[i] = &b->as.entries[i];
    }
    qsort(pa, n, sizeof *pa, kvp_cmp);
    qsort(pb, n, sizeof *pb, kvp_cmp);
    bool eq = true;
    for (size_t i = 0; i < n && eq; i++)
        eq = wamp_str_eq(pa[i]->key, pb[i]->key) && wamp_value_equal(&pa[i]->value, &pb[i]->value);
    free(pa);
    return eq;
}

static bool dict_eq(const wamp_value *a, const wamp_value *b)
{
    if (a->len != b->len) return false;
    /* fast path: same keys in the same order (the usual case for re-encoded data) */
    uint32_t i = 0;
    while (i < a->len && wamp_str_eq(a->as.entries[i].key, b->as.entries[i].key)) {
        if (!wamp_value_equal(&a->as.entries[i].value, &b->as.entries[i].value)) return false;
        i++;
    }
    if (i == a->len) return true;
    return a->len <= WAMP__VALUE_SMALL_DICT ? dict_eq_small(a, b) : dict_eq_sorted(a, b);
}

bool wamp_value_equal(const wamp_value *a, const wamp_value *b)
{
    if (!a || !b) return a == b;
    if (a->type != b->type) {
        if (a->type == WAMP_VALUE_INT && b->type == WAMP_VALUE_UINT)
            return a->as.i >= 0 && (uint64_t)a->as.i == b->as.u;
        if (a->type == WAMP_VALUE_UINT && b->type == WAMP_VALUE_INT)
            return b->as.i >= 0 && (uint64_t)b->as.i == a->as.u;
        return false;
    }
    switch ((wamp_value_type)a->type) {
    case WAMP_VALUE_NULL: return true;
    case WAMP_VALUE_BOOL: return a->as.b == b->as.b;
    case WAMP_VALUE_INT: return a->as.i == b->as.i;
    case WAMP_VALUE_UINT: return a->as.u == b->as.u;
    case WAMP_VALUE_DOUBLE: return double_eq(a->as.d, b->as.d);
    case WAMP_VALUE_STRING:
    case WAMP_VALUE_BYTES: return a->len == b->len && bytes_eq(a->as.s, b->as.s, a->len);
    case WAMP_VALUE_RAW:
        return a->ser == b->ser && a->len == b->len && bytes_eq(a->as.raw, b->as.raw, a->len);
    case WAMP_VALUE_LIST:
        if (a->len != b->len) return false;
        for (uint32_t i = 0; i < a->len; i++)
            if (!wamp_value_equal(&a->as.items[i], &b->as.items[i])) return false;
        return true;
    case WAMP_VALUE_DICT: return dict_eq(a, b);
    }
    return false;
}
