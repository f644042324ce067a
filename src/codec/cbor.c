/*
 * CBOR value codec (RFC 8949).
 *
 * Written by hand rather than on top of libcbor: our decoder borrows strings and bytes
 * straight from the input (zero copy), allocates from the caller's per-message arena, and
 * keeps the router's args/kwargs as validated but still-encoded RAW spans (opts->raw_from);
 * libcbor builds its own reference-counted item tree with one malloc per item. libcbor serves
 * as the oracle of the differential fuzzer (tests/fuzz/fuzz_cbor_diff.c) and as the reference
 * of the benchmark instead.
 *
 * Decoding — every major type, definite and indefinite lengths:
 *  - 0/1 integers: non-negative values above INT64_MAX become WAMP_VALUE_UINT, the rest
 *    WAMP_VALUE_INT; a negative integer below INT64_MIN (down to -2^64) is WAMP_ENUMBER.
 *    Non-shortest ("non-preferred") arguments are accepted, as RFC 8949 allows.
 *  - 2/3 byte and text strings; an indefinite-length string is the concatenation of its
 *    chunks, which must be definite strings of the same major type (else WAMP_ESYNTAX); text
 *    must be valid UTF-8 in every chunk (WAMP_EUTF8). A one-chunk string is still borrowed.
 *  - 4/5 arrays and maps; map keys must be text strings (WAMP_EKEYTYPE; tags on a key are
 *    dropped like anywhere else), duplicate keys are WAMP_EDUPKEY.
 *  - 6 tags:
 *      tag 2/3 (bignums): decoded to INT/UINT when the value fits in [-2^63, 2^64-1];
 *        otherwise WAMP_ENUMBER (never a silent double approximation, and no special dict
 *        form). Content other than a byte string is WAMP_ESYNTAX.
 *      tag 4 (decimal fraction [e, m], m an integer or a bignum that fits as above): decoded
 *        to the double nearest to m*10^e, correctly rounded — exactly what a JSON parser reads
 *        from the same decimal; WAMP_ENUMBER when it overflows the double range; malformed
 *        content is WAMP_ESYNTAX.
 *      tag 0/1 (date/time) and every other tag, including the self-describe tag 55799: the
 *        tag is dropped and its content decoded as is. In a chain of tags only the innermost
 *        is interpreted.
 *  - 7: false, true, null; undefined (0xf7) becomes null (our model has no undefined);
 *    half, single and double floats (half decoded exactly, subnormals, infinities and NaN
 *    payloads included); unassigned simple values are WAMP_EEXTTYPE; the two-byte form of a
 *    simple value below 32 and additional information 28-30 (any major type) are
 *    WAMP_ESYNTAX; a break (0xff) outside an indefinite-length item is WAMP_ESYNTAX.
 * Declared lengths and counts are checked against the remaining bytes BEFORE any allocation,
 * bytes still owed to the enclosing containers reserved (`pending`), so the memory of a decode
 * is bounded by a constant times the input length. Nesting of arrays and maps is limited by
 * opts->max_depth (top-level container = level 1). With opts->raw_from, a top-level definite
 * array (optionally behind tags such as 55799) whose first element is an integer has its later
 * container elements kept as WAMP_VALUE_RAW spans (fully validated); anything else is decoded
 * in full.
 *
 * Encoding matches cbor2.dumps() with default options (Autobahn's CBORObjectSerializer) byte
 * for byte: integers and lengths in their shortest form, definite lengths only, doubles as
 * float64 (0xfb) except NaN (f9 7e00) and the infinities (f9 7c00, f9 fc00), which cbor2
 * writes as half floats; strings as text (major 3), bytes as byte strings (major 2), null
 * 0xf6, false/true 0xf4/0xf5. Strings and keys must be valid UTF-8 (WAMP_EUTF8); nesting
 * deeper than ENC_MAX_DEPTH gives WAMP_EDEPTH.
 */
#include "codec/bincommon.h"
#include "codec/bintranscode.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define ENC_MAX_DEPTH 1024
#define AI_INDEF      31u
#define BREAK         0xffu

/* ---------------------------------------------------------------- decoder */

typedef struct cb_dec {
    const uint8_t *p, *end;
    size_t pending; /* bytes the open definite containers still need for their elements */
    wamp_arena *a;
    size_t max_depth;
    bool copy;
    bool nonplain; /* a tag or an indefinite length (or break) was read */
} cb_dec;

static int dec_value(cb_dec *d, wamp_value *out, size_t depth);

static inline size_t avail(const cb_dec *d)
{
    return (size_t)(d->end - d->p) - d->pending;
}

/* Reads an initial byte and its argument; *ai receives the additional information
 * (AI_INDEF for indefinite length / break, then *arg is 0). */
static inline int rd_head(cb_dec *d, unsigned *major, unsigned *ai, uint64_t *arg)
{
    if (avail(d) < 1) return WAMP_ETRUNCATED;
    uint8_t b = *d->p++;
    *major = b >> 5;
    *ai = b & 31u;
    if (*major == 6) d->nonplain = true; /* any tag, map keys included */
    if (*ai < 24) {
        *arg = *ai;
        return WAMP_OK;
    }
    if (*ai == AI_INDEF) {
        *arg = 0;
        d->nonplain = true;
        return WAMP_OK;
    }
    if (*ai > 27) return WAMP_ESYNTAX;
    unsigned n = 1u << (*ai - 24);
    if (avail(d) < n) return WAMP_ETRUNCATED;
    const uint8_t *p = d->p;
    switch (n) {
    case 1: *arg = p[0]; break;
    case 2: *arg = wamp__be16(p); break;
    case 4: *arg = wamp__be32(p); break;
    default: *arg = wamp__be64(p); break;
    }
    d->p += n;
    return WAMP_OK;
}

/*
 * The bytes of a string of major type 2 or 3 whose head was just read. Definite strings and
 * one-chunk indefinite ones point into the input; several chunks are concatenated into the
 * arena (only when `want`; *s is then NULL without want) and *in_arena is set.
 */
static int rd_string(cb_dec *d, unsigned major, unsigned ai, uint64_t arg, bool want,
                     const uint8_t **s, size_t *n, bool *in_arena)
{
    *in_arena = false;
    if (ai != AI_INDEF) {
        if (arg > avail(d)) return WAMP_ETRUNCATED;
        if (major == 3 && !wamp__bin_text_ok(d->p, (size_t)arg)) return WAMP_EUTF8;
        *s = d->p;
        *n = (size_t)arg;
        d->p += arg;
        return WAMP_OK;
    }
    const uint8_t *start = d->p, *first = (const uint8_t *)"";
    size_t total = 0, chunks = 0;
    for (;;) {
        if (avail(d) < 1) return WAMP_ETRUNCATED;
        if (*d->p == BREAK) {
            d->p++;
            break;
        }
        unsigned m, cai;
        uint64_t len;
        int rc = rd_head(d, &m, &cai, &len);
        if (rc) return rc;
        if (m != major || cai == AI_INDEF) return WAMP_ESYNTAX;
        if (len > avail(d)) return WAMP_ETRUNCATED;
        if (major == 3 && !wamp__bin_text_ok(d->p, (size_t)len)) return WAMP_EUTF8;
        if (chunks++ == 0) first = d->p;
        total += (size_t)len;
        d->p += len;
    }
    *n = total;
    if (chunks <= 1) {
        *s = first;
        return WAMP_OK;
    }
    if (!want) {
        *s = NULL;
        return WAMP_OK;
    }
    uint8_t *buf = wamp_arena_alloc(d->a, total + 1);
    if (!buf) return WAMP_ENOMEM;
    /* Second walk over chunks already validated above. */
    cb_dec w = {start, d->p, 0, d->a, 0, false, false};
    size_t off = 0;
    while (*w.p != BREAK) {
        unsigned m = 0, cai = 0;
        uint64_t len = 0;
        (void)rd_head(&w, &m, &cai, &len);
        memcpy(buf + off, w.p, (size_t)len);
        off += (size_t)len;
        w.p += len;
    }
    buf[total] = 0;
    *s = buf;
    *in_arena = true;
    return WAMP_OK;
}

static int dec_span(cb_dec *d, wamp_value *out, unsigned major, unsigned ai, uint64_t arg)
{
    const uint8_t *s;
    size_t n;
    bool in_arena;
    int rc = rd_string(d, major, ai, arg, out != NULL, &s, &n, &in_arena);
    if (rc || !out) return rc;
    return wamp__bin_set_span(d->a, out, major == 3 ? WAMP_VALUE_STRING : WAMP_VALUE_BYTES, s, n,
                              d->copy && !in_arena);
}

/* Grows an arena array of elements of `size` bytes from *cap to hold at least i+1. */
static int grow(wamp_arena *a, void **arr, size_t *cap, size_t size, size_t i)
{
    if (i < *cap) return WAMP_OK;
    size_t ncap = *cap ? *cap * 2 : 8;
    if (ncap > UINT32_MAX) return WAMP_ETOOBIG;
    void *p = wamp_arena_alloc(a, ncap * size);
    if (!p) return WAMP_ENOMEM;
    if (i) memcpy(p, *arr, i * size);
    *arr = p;
    *cap = ncap;
    return WAMP_OK;
}

static void set_container(wamp_value *out, wamp_value_type t, void *arr, size_t n, size_t cap)
{
    memset(out, 0, sizeof *out);
    out->type = (uint8_t)t;
    out->len = (uint32_t)n;
    out->cap = (uint32_t)cap;
    if (t == WAMP_VALUE_LIST)
        out->as.items = arr;
    else
        out->as.entries = arr;
}

static int dec_array(cb_dec *d, wamp_value *out, unsigned ai, uint64_t n, size_t depth)
{
    if (depth >= d->max_depth) return WAMP_EDEPTH;
    int rc;
    wamp_value *items = NULL;
    if (ai != AI_INDEF) {
        if (n > avail(d)) return WAMP_ETRUNCATED;
        if (n > UINT32_MAX) return WAMP_ETOOBIG;
        if (out && n) {
            items = wamp_arena_alloc(d->a, (size_t)n * sizeof *items);
            if (!items) return WAMP_ENOMEM;
        }
        d->pending += (size_t)n;
        for (size_t i = 0; i < n; i++) {
            d->pending--;
            if ((rc = dec_value(d, items ? &items[i] : NULL, depth + 1))) return rc;
        }
        if (out) set_container(out, WAMP_VALUE_LIST, items, (size_t)n, (size_t)n);
        return WAMP_OK;
    }
    size_t i = 0, cap = 0;
    for (;; i++) {
        if (avail(d) < 1) return WAMP_ETRUNCATED;
        if (*d->p == BREAK) {
            d->p++;
            break;
        }
        if (out && (rc = grow(d->a, (void **)&items, &cap, sizeof *items, i))) return rc;
        if ((rc = dec_value(d, out ? &items[i] : NULL, depth + 1))) return rc;
    }
    if (out) set_container(out, WAMP_VALUE_LIST, items, i, cap);
    return WAMP_OK;
}

/* A map key: tags are dropped, then it must be a text string. */
static int rd_key(cb_dec *d, wamp_str *key)
{
    unsigned major, ai;
    uint64_t arg;
    int rc;
    for (;;) {
        if ((rc = rd_head(d, &major, &ai, &arg))) return rc;
        if (major != 6) break;
        if (ai == AI_INDEF) return WAMP_ESYNTAX;
    }
    if (major != 3) return WAMP_EKEYTYPE;
    const uint8_t *s;
    size_t n;
    bool in_arena;
    if ((rc = rd_string(d, 3, ai, arg, true, &s, &n, &in_arena))) return rc;
    key->ptr = (const char *)s;
    key->len = n;
    if (d->copy && !in_arena) {
        key->ptr = wamp_arena_strndup(d->a, key->ptr, n);
        if (!key->ptr) return WAMP_ENOMEM;
    }
    return WAMP_OK;
}

static int dec_map(cb_dec *d, wamp_value *out, unsigned ai, uint64_t n, size_t depth)
{
    if (depth >= d->max_depth) return WAMP_EDEPTH;
    bool indef = ai == AI_INDEF;
    if (!indef && n > avail(d) / 2) return WAMP_ETRUNCATED;
    if (n > UINT32_MAX) return WAMP_ETOOBIG;
    int rc = WAMP_OK;
    wamp_kv *entries = NULL;
    wamp_str stack[32], *keys = NULL; /* validation only: keys for the duplicate check */
    size_t cap = 0, kcap = 0, i = 0;
    if (out) {
        if (!indef && n) {
            entries = wamp_arena_alloc(d->a, (size_t)n * sizeof *entries);
            if (!entries) return WAMP_ENOMEM;
            cap = (size_t)n;
        }
    } else {
        keys = stack;
        kcap = 32;
        if (!indef && n > kcap) {
            keys = malloc((size_t)n * sizeof *keys);
            if (!keys) return WAMP_ENOMEM;
            kcap = (size_t)n;
        }
    }
    if (!indef) d->pending += 2 * (size_t)n;
    for (;; i++) {
        if (!indef) {
            if (i == n) break;
            d->pending--;
        } else {
            if (avail(d) < 1) {
                rc = WAMP_ETRUNCATED;
                goto done;
            }
            if (*d->p == BREAK) {
                d->p++;
                break;
            }
            if (out) {
                if ((rc = grow(d->a, (void **)&entries, &cap, sizeof *entries, i))) goto done;
            } else if (i == kcap) {
                wamp_str *nk = malloc(2 * kcap * sizeof *keys);
                if (!nk) {
                    rc = WAMP_ENOMEM;
                    goto done;
                }
                memcpy(nk, keys, i * sizeof *keys);
                if (keys != stack) free(keys);
                keys = nk;
                kcap *= 2;
            }
        }
        if ((rc = rd_key(d, out ? &entries[i].key : &keys[i]))) goto done;
        if (!indef) d->pending--;
        if ((rc = dec_value(d, out ? &entries[i].value : NULL, depth + 1))) goto done;
    }
    if (out)
        rc = wamp__bin_keys_unique(entries ? &entries[0].key : NULL, sizeof *entries, i);
    else
        rc = wamp__bin_keys_unique(keys, sizeof *keys, i);
    if (!rc && out) set_container(out, WAMP_VALUE_DICT, entries, i, cap);
done:
    if (keys && keys != stack) free(keys);
    return rc;
}

/* Tag 2/3 content: a byte string holding a big-endian magnitude. */
static int dec_bignum(cb_dec *d, wamp_value *out, bool neg)
{
    unsigned major, ai;
    uint64_t arg;
    int rc;
    if ((rc = rd_head(d, &major, &ai, &arg))) return rc;
    if (major != 2) return WAMP_ESYNTAX;
    const uint8_t *s;
    size_t n;
    bool in_arena;
    if ((rc = rd_string(d, 2, ai, arg, true, &s, &n, &in_arena))) return rc;
    while (n && *s == 0)
        s++, n--;
    if (n > 8) return WAMP_ENUMBER;
    uint64_t u = 0;
    for (size_t i = 0; i < n; i++)
        u = u << 8 | s[i];
    if (neg) {
        if (u > (uint64_t)INT64_MAX) return WAMP_ENUMBER;
        if (out) wamp__bin_set_int(out, -1 - (int64_t)u);
    } else if (out) {
        wamp__bin_set_uint(out, u);
    }
    return WAMP_OK;
}

/* Tag 4 content [exponent, mantissa] -> nearest double. */
static int dec_decimal(cb_dec *d, wamp_value *out, size_t depth)
{
    wamp_value t;
    int rc = dec_value(d, &t, depth);
    if (rc) return rc;
    if (t.type != WAMP_VALUE_LIST || t.len != 2) return WAMP_ESYNTAX;
    const wamp_value *e = &t.as.items[0], *m = &t.as.items[1];
    if (e->type == WAMP_VALUE_UINT) return WAMP_ENUMBER;
    if (e->type != WAMP_VALUE_INT || (m->type != WAMP_VALUE_INT && m->type != WAMP_VALUE_UINT))
        return WAMP_ESYNTAX;
    char text[64];
    if (m->type == WAMP_VALUE_INT)
        snprintf(text, sizeof text, "%" PRId64 "e%" PRId64, m->as.i, e->as.i);
    else
        snprintf(text, sizeof text, "%" PRIu64 "e%" PRId64, m->as.u, e->as.i);
    /* strtod rounds correctly; the text has no radix character, so no locale dependence. */
    double x = strtod(text, NULL);
    if (isinf(x)) return WAMP_ENUMBER;
    if (out) wamp__bin_set_double(out, x);
    return WAMP_OK;
}

static int dec_simple(cb_dec *d, wamp_value *out, unsigned ai, uint64_t arg)
{
    switch (ai) {
    case 20:
    case 21:
        if (out) wamp__bin_set_simple(out, WAMP_VALUE_BOOL, ai == 21);
        return WAMP_OK;
    case 22:
    case 23: /* undefined is read as null */
        if (out) wamp__bin_set_simple(out, WAMP_VALUE_NULL, false);
        return WAMP_OK;
    case 24: return arg < 32 ? WAMP_ESYNTAX : WAMP_EEXTTYPE;
    case 25:
        if (out) wamp__bin_set_double(out, wamp__half_to_double((uint16_t)arg));
        return WAMP_OK;
    case 26:
        if (out) {
            uint32_t bits = (uint32_t)arg;
            float f;
            memcpy(&f, &bits, 4);
            wamp__bin_set_double(out, (double)f);
        }
        return WAMP_OK;
    case 27:
        if (out) {
            double x;
            memcpy(&x, &arg, 8);
            wamp__bin_set_double(out, x);
        }
        return WAMP_OK;
    case AI_INDEF: return WAMP_ESYNTAX; /* break outside an indefinite-length item */
    default: return WAMP_EEXTTYPE;      /* unassigned simple values 0..19 */
    }
}

/* Decodes one value into *out, or only validates it when out is NULL. */
static int dec_value(cb_dec *d, wamp_value *out, size_t depth)
{
    unsigned major, ai;
    uint64_t arg;
    int rc = rd_head(d, &major, &ai, &arg);
    if (rc) return rc;
    switch (major) {
    case 0:
        if (ai == AI_INDEF) return WAMP_ESYNTAX;
        if (out) wamp__bin_set_uint(out, arg);
        return WAMP_OK;
    case 1:
        if (ai == AI_INDEF) return WAMP_ESYNTAX;
        if (arg > (uint64_t)INT64_MAX) return WAMP_ENUMBER;
        if (out) wamp__bin_set_int(out, -1 - (int64_t)arg);
        return WAMP_OK;
    case 2:
    case 3: return dec_span(d, out, major, ai, arg);
    case 4: return dec_array(d, out, ai, arg, depth);
    case 5: return dec_map(d, out, ai, arg, depth);
    case 6: {
        if (ai == AI_INDEF) return WAMP_ESYNTAX;
        uint64_t tag = arg;
        /* Chains of tags are read in a loop: only the innermost one is interpreted. */
        while (avail(d) >= 1 && (*d->p >> 5) == 6) {
            if ((rc = rd_head(d, &major, &ai, &tag))) return rc;
            if (ai == AI_INDEF) return WAMP_ESYNTAX;
        }
        if (tag == 2 || tag == 3) return dec_bignum(d, out, tag == 3);
        if (tag == 4) return dec_decimal(d, out, depth);
        return dec_value(d, out, depth);
    }
    default: return dec_simple(d, out, ai, arg);
    }
}

/* Top level with opts->raw_from: a definite array (behind any tags but 2, 3, 4) whose
 * elements from raw_from(...) on are kept as RAW spans when they are containers. */
static int dec_top_lazy(cb_dec *d, const wamp_decode_opts *o, wamp_value *out)
{
    const uint8_t *start = d->p;
    unsigned major, ai;
    uint64_t n, tag = UINT64_MAX;
    int rc;
    for (;;) {
        if ((rc = rd_head(d, &major, &ai, &n))) break;
        if (major != 6 || ai == AI_INDEF) break;
        tag = n;
    }
    if (rc || major != 4 || ai == AI_INDEF || tag == 2 || tag == 3 || tag == 4) {
        d->p = start;
        return dec_value(d, out, 0);
    }
    if (d->max_depth < 1) return WAMP_EDEPTH;
    if (n > avail(d)) return WAMP_ETRUNCATED;
    wamp_value *items = NULL;
    if (n) {
        items = wamp_arena_alloc(d->a, (size_t)n * sizeof *items);
        if (!items) return WAMP_ENOMEM;
    }
    size_t from = SIZE_MAX;
    d->pending += (size_t)n;
    for (size_t i = 0; i < n; i++) {
        d->pending--;
        unsigned m = avail(d) >= 1 ? *d->p >> 5 : 0;
        if (i >= from && (m == 4 || m == 5)) {
            const uint8_t *s = d->p;
            if ((rc = dec_value(d, NULL, 1))) return rc;
            rc =
                wamp__bin_set_span(d->a, &items[i], WAMP_VALUE_RAW, s, (size_t)(d->p - s), d->copy);
            items[i].ser = WAMP_SER_CBOR;
        } else {
            rc = dec_value(d, &items[i], 1);
        }
        if (rc) return rc;
        if (i == 0 && items[0].type == WAMP_VALUE_INT)
            from = o->raw_from(items[0].as.i, (size_t)n, o->raw_user);
    }
    set_container(out, WAMP_VALUE_LIST, items, (size_t)n, (size_t)n);
    return WAMP_OK;
}

static int cb_decode(const uint8_t *data, size_t len, wamp_arena *a, const wamp_decode_opts *o,
                     wamp_value *out)
{
    cb_dec d = {data, data + len, 0, a, o->max_depth, o->copy_strings, false};
    int rc;
    if (len == 0) return WAMP_ETRUNCATED;
    if (o->raw_from)
        rc = dec_top_lazy(&d, o, out);
    else
        rc = dec_value(&d, out, 0);
    if (rc) return rc;
    return d.p == d.end ? WAMP_OK : WAMP_ETRAILING;
}

int wamp__cbor_validate(const uint8_t *data, size_t len, wamp_arena *a, bool *plain)
{
    cb_dec d = {data, data + len, 0, a, WAMP_DEFAULT_MAX_DEPTH, false, false};
    if (plain) *plain = true;
    if (len > WAMP_DEFAULT_MAX_SIZE) return WAMP_ETOOBIG;
    if (len == 0) return WAMP_ETRUNCATED;
    int rc = dec_value(&d, NULL, 0);
    if (plain) *plain = !d.nonplain;
    if (rc) return rc;
    return d.p == d.end ? WAMP_OK : WAMP_ETRAILING;
}

/* ---------------------------------------------------------------- encoder */

static inline uint8_t *room(wamp_buf *b, size_t n)
{
    if (b->cap - b->len < n && wamp_buf_reserve(b, n)) return NULL;
    return b->data + b->len;
}

/* Writes a head in its shortest form into p (room for 9 bytes); returns its length. */
static inline size_t head(uint8_t *p, unsigned major, uint64_t arg)
{
    uint8_t mt = (uint8_t)(major << 5);
    if (arg < 24) {
        p[0] = (uint8_t)(mt | arg);
        return 1;
    }
    if (arg <= UINT8_MAX) {
        p[0] = mt | 24;
        p[1] = (uint8_t)arg;
        return 2;
    }
    if (arg <= UINT16_MAX) {
        p[0] = mt | 25;
        wamp__put_be16(p + 1, (uint16_t)arg);
        return 3;
    }
    if (arg <= UINT32_MAX) {
        p[0] = mt | 26;
        wamp__put_be32(p + 1, (uint32_t)arg);
        return 5;
    }
    p[0] = mt | 27;
    wamp__put_be64(p + 1, arg);
    return 9;
}

static inline int put_head(wamp_buf *b, unsigned major, uint64_t arg)
{
    uint8_t *p = room(b, 9);
    if (!p) return WAMP_ENOMEM;
    b->len += head(p, major, arg);
    return WAMP_OK;
}

static inline int put_bytes(wamp_buf *b, const void *s, size_t n)
{
    uint8_t *p = room(b, n);
    if (!p) return WAMP_ENOMEM;
    memcpy(p, s, n);
    b->len += n;
    return WAMP_OK;
}

static int put_span(wamp_buf *b, unsigned major, const char *s, size_t n)
{
    if (major == 3 && !wamp__bin_text_ok((const uint8_t *)s, n)) return WAMP_EUTF8;
    uint8_t *p = room(b, 9 + n);
    if (!p) return WAMP_ENOMEM;
    size_t h = head(p, major, n);
    if (n) memcpy(p + h, s, n);
    b->len += h + n;
    return WAMP_OK;
}

static int put_double(wamp_buf *b, double x)
{
    static const uint8_t nan[3] = {0xf9, 0x7e, 0x00}, pinf[3] = {0xf9, 0x7c, 0x00},
                         ninf[3] = {0xf9, 0xfc, 0x00};
    if (isnan(x)) return put_bytes(b, nan, 3);
    if (isinf(x)) return put_bytes(b, x > 0 ? pinf : ninf, 3);
    uint8_t *p = room(b, 9);
    if (!p) return WAMP_ENOMEM;
    uint64_t bits;
    memcpy(&bits, &x, 8);
    p[0] = 0xfb;
    wamp__put_be64(p + 1, bits);
    b->len += 9;
    return WAMP_OK;
}

static int enc_value(const wamp_value *v, wamp_buf *b, unsigned depth)
{
    static const uint8_t f4 = 0xf4, f5 = 0xf5, f6 = 0xf6;
    int rc;
    switch (v->type) {
    case WAMP_VALUE_NULL: return put_bytes(b, &f6, 1);
    case WAMP_VALUE_BOOL: return put_bytes(b, v->as.b ? &f5 : &f4, 1);
    case WAMP_VALUE_INT:
        if (v->as.i >= 0) return put_head(b, 0, (uint64_t)v->as.i);
        return put_head(b, 1, (uint64_t)(-(v->as.i + 1)));
    case WAMP_VALUE_UINT: return put_head(b, 0, v->as.u);
    case WAMP_VALUE_DOUBLE: return put_double(b, v->as.d);
    case WAMP_VALUE_STRING: return put_span(b, 3, v->as.s, v->len);
    case WAMP_VALUE_BYTES: return put_span(b, 2, v->as.s, v->len);
    case WAMP_VALUE_LIST:
        if (depth >= ENC_MAX_DEPTH) return WAMP_EDEPTH;
        if ((rc = put_head(b, 4, v->len))) return rc;
        for (uint32_t i = 0; i < v->len; i++)
            if ((rc = enc_value(&v->as.items[i], b, depth + 1))) return rc;
        return WAMP_OK;
    case WAMP_VALUE_DICT:
        if (depth >= ENC_MAX_DEPTH) return WAMP_EDEPTH;
        if ((rc = put_head(b, 5, v->len))) return rc;
        for (uint32_t i = 0; i < v->len; i++) {
            const wamp_kv *kv = &v->as.entries[i];
            if ((rc = put_span(b, 3, kv->key.ptr, kv->key.len))) return rc;
            if ((rc = enc_value(&kv->value, b, depth + 1))) return rc;
        }
        return WAMP_OK;
    case WAMP_VALUE_RAW: return wamp__codec_encode_raw(WAMP_SER_CBOR, v, b);
    default: return WAMP_EINVAL;
    }
}

static int cb_encode(const wamp_value *v, wamp_buf *out)
{
    size_t mark = out->len;
    int rc = enc_value(v, out, 0);
    if (rc) out->len = mark;
    return rc;
}

static int cb_transcode_from(wamp_serializer_id from, const uint8_t *raw, size_t len, wamp_buf *out)
{
    if (from == WAMP_SER_MSGPACK) return wamp__bin_msgpack_to_cbor(raw, len, out);
    return wamp__bin_transcode_tree(from, raw, len, WAMP_SER_CBOR, out);
}

const wamp__codec wamp__codec_cbor = {WAMP_SER_CBOR, cb_decode, cb_encode, cb_transcode_from};
