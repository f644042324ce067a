/* Helpers shared by the binary value codecs (msgpack.c, cbor.c): big-endian loads and
 * stores, a UTF-8 check with an ASCII fast path, duplicate-key detection, and builders that
 * fill the public wamp_value struct directly (the decoders' fast path). */
#ifndef WAMP_CODEC_BINCOMMON_H
#define WAMP_CODEC_BINCOMMON_H

#include "codec/codec.h"

#include <math.h>
#include <string.h>

static inline uint16_t wamp__be16(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}
static inline uint32_t wamp__be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t wamp__be64(const uint8_t *p)
{
    return (uint64_t)wamp__be32(p) << 32 | wamp__be32(p + 4);
}
static inline void wamp__put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static inline void wamp__put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}
static inline void wamp__put_be64(uint8_t *p, uint64_t v)
{
    wamp__put_be32(p, (uint32_t)(v >> 32));
    wamp__put_be32(p + 4, (uint32_t)v);
}

/* True when s[0..n) is valid UTF-8. Pure-ASCII text (the usual case) is recognised with a
 * few overlapping word loads; anything else goes to wamp__utf8_valid(). */
static inline bool wamp__bin_text_ok(const uint8_t *s, size_t n)
{
    const uint64_t hi = 0x8080808080808080ull;
    uint64_t w;
    uint32_t a, b;
    if (n >= 8) {
        for (size_t i = 0; i + 8 <= n; i += 8) {
            memcpy(&w, s + i, 8);
            if (w & hi) return wamp__utf8_valid(s, n);
        }
        memcpy(&w, s + n - 8, 8);
        return (w & hi) ? wamp__utf8_valid(s, n) : true;
    }
    if (n >= 4) {
        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        return ((a | b) & 0x80808080u) ? wamp__utf8_valid(s, n) : true;
    }
    if (n == 0) return true;
    return ((s[0] | s[n / 2] | s[n - 1]) & 0x80) ? wamp__utf8_valid(s, n) : true;
}

/* An IEEE half-precision float, exactly (subnormals, infinities; a NaN keeps its payload). */
static inline double wamp__half_to_double(uint16_t h)
{
    unsigned e = (h >> 10) & 31u, m = h & 0x3ffu;
    double v;
    if (e == 31) {
        uint64_t bits = (uint64_t)(h & 0x8000u) << 48 | 0x7ff0000000000000ull | (uint64_t)m << 42;
        memcpy(&v, &bits, 8);
        return v;
    }
    v = e == 0 ? ldexp((double)m, -24) : ldexp((double)(m + 1024), (int)e - 25);
    return (h & 0x8000u) ? -v : v;
}

/* WAMP_OK when the n keys are pairwise distinct, WAMP_EDUPKEY when two are equal, or
 * WAMP_ENOMEM. The keys are read at `first`, then every `stride` bytes (so the keys of a
 * wamp_kv array can be checked in place). Small maps are compared pairwise, larger ones go
 * through a seeded hash table; a probe sequence longer than a small limit (keys crafted to
 * collide) switches to sorting, so the worst case stays O(n log n). */
int wamp__bin_keys_unique(const wamp_str *first, size_t stride, size_t n);

/* Values filled in directly (no allocation). */
static inline void wamp__bin_set_int(wamp_value *v, int64_t i)
{
    memset(v, 0, sizeof *v);
    v->type = WAMP_VALUE_INT;
    v->as.i = i;
}
static inline void wamp__bin_set_uint(wamp_value *v, uint64_t u)
{
    memset(v, 0, sizeof *v);
    if (u > (uint64_t)INT64_MAX) {
        v->type = WAMP_VALUE_UINT;
        v->as.u = u;
    } else {
        v->type = WAMP_VALUE_INT;
        v->as.i = (int64_t)u;
    }
}
static inline void wamp__bin_set_double(wamp_value *v, double d)
{
    memset(v, 0, sizeof *v);
    v->type = WAMP_VALUE_DOUBLE;
    v->as.d = d;
}
static inline void wamp__bin_set_simple(wamp_value *v, wamp_value_type t, bool b)
{
    memset(v, 0, sizeof *v);
    v->type = (uint8_t)t;
    v->as.b = b;
}

/* A STRING, BYTES or RAW value of n bytes at p: borrowed, or copied into the arena
 * (NUL-terminated) when copy is set. Returns WAMP_OK, WAMP_ETOOBIG or WAMP_ENOMEM. */
static inline int wamp__bin_set_span(wamp_arena *a, wamp_value *v, wamp_value_type t,
                                     const uint8_t *p, size_t n, bool copy)
{
    if (n > UINT32_MAX) return WAMP_ETOOBIG;
    if (copy) {
        char *c = wamp_arena_strndup(a, (const char *)p, n);
        if (!c) return WAMP_ENOMEM;
        p = (const uint8_t *)c;
    }
    memset(v, 0, sizeof *v);
    v->type = (uint8_t)t;
    v->len = (uint32_t)n;
    if (t == WAMP_VALUE_RAW)
        v->as.raw = p;
    else
        v->as.s = (const char *)p;
    return WAMP_OK;
}

#endif
