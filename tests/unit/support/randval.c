/* Seeded random value trees; see randval.h. */
#include "randval.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

uint64_t wt_rng_next(wt_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t wt_rng_below(wt_rng *r, uint64_t n)
{
    return wt_rng_next(r) % n;
}

static const int64_t edges[] = {0,
                                1,
                                -1,
                                23,
                                24,
                                -24,
                                -25,
                                31,
                                32,
                                -32,
                                -33,
                                127,
                                128,
                                -128,
                                -129,
                                255,
                                256,
                                -256,
                                -257,
                                32767,
                                32768,
                                -32768,
                                -32769,
                                65535,
                                65536,
                                -65536,
                                -65537,
                                2147483647,
                                2147483648LL,
                                -2147483648LL,
                                -2147483649LL,
                                4294967295LL,
                                4294967296LL,
                                INT64_MAX,
                                INT64_MIN,
                                INT64_MIN + 1};

static int64_t rand_int(wt_rng *r)
{
    int64_t e = edges[wt_rng_below(r, sizeof edges / sizeof edges[0])];
    switch (wt_rng_below(r, 4)) {
    case 0: return e;
    case 1: return (int64_t)((uint64_t)e + 1);
    case 2: return (int64_t)((uint64_t)e - 1);
    default: return (int64_t)wt_rng_next(r) >> wt_rng_below(r, 64);
    }
}

static size_t rand_len(wt_rng *r)
{
    static const size_t lens[] = {0, 1, 5, 23, 24, 31, 32, 33, 255, 256, 300};
    return lens[wt_rng_below(r, sizeof lens / sizeof lens[0])];
}

/* Appends random UTF-8 until at least n bytes are written (at most n + 3). */
static size_t rand_text(wt_rng *r, char *out, size_t n)
{
    static const char *chars[] = {"a",
                                  "z",
                                  "0",
                                  " ",
                                  "\"",
                                  "\\",
                                  "\x01",
                                  "~",
                                  "\xc3\xbc",
                                  "\xe6\xb0\xb4",
                                  "\xf0\x90\x85\x91",
                                  "\xef\xbf\xbf",
                                  "\0"};
    size_t len = 0;
    while (len < n) {
        const char *c = chars[wt_rng_below(r, sizeof chars / sizeof chars[0])];
        size_t cl = c[0] ? strlen(c) : 1;
        memcpy(out + len, c, cl);
        len += cl;
    }
    return len;
}

static wamp_value gen(wt_rng *r, wamp_arena *a, int max_depth, bool portable);

wamp_value wt_rand_value(wt_rng *r, wamp_arena *a, int max_depth)
{
    return gen(r, a, max_depth, false);
}

wamp_value wt_rand_portable_value(wt_rng *r, wamp_arena *a, int max_depth)
{
    return gen(r, a, max_depth, true);
}

/* A finite double: edges, scaled integers, subnormals, random finite bit patterns. */
static double finite_double(wt_rng *r)
{
    static const double edges[] = {0.0,
                                   -0.0,
                                   1.0,
                                   -1.5,
                                   0.1,
                                   5e-324,
                                   2.2250738585072014e-308,
                                   1.7976931348623157e308,
                                   65504.0,
                                   1e-7,
                                   123456789.125};
    uint64_t bits = wt_rng_next(r);
    double d;
    switch (wt_rng_below(r, 5)) {
    case 0: return edges[wt_rng_below(r, sizeof edges / sizeof edges[0])];
    case 1: return (double)rand_int(r);
    case 2: return (double)(int64_t)bits / 1024.0;
    case 3:
        bits &= 0x800fffffffffffffull; /* exponent 0: a subnormal (or a zero) */
    /* fall through */
    default:
        memcpy(&d, &bits, 8);
        if (!isfinite(d)) d = (double)(int64_t)bits; /* exponent all ones: make it finite */
        return d;
    }
}

static wamp_value gen(wt_rng *r, wamp_arena *a, int max_depth, bool portable)
{
    unsigned kind = (unsigned)wt_rng_below(r, max_depth > 0 ? 10 : 8);
    char tmp[400];
    switch (kind) {
    case 0: return wamp_value_null();
    case 1: return wamp_value_bool(wt_rng_below(r, 2));
    case 2: return wamp_value_int(rand_int(r));
    case 3: return wamp_value_uint((uint64_t)INT64_MAX + 1 + wt_rng_below(r, UINT64_MAX / 2));
    case 4: {
        if (portable) return wamp_value_double(finite_double(r));
        uint64_t bits = wt_rng_next(r);
        double d;
        switch (wt_rng_below(r, 4)) {
        case 0: d = (double)rand_int(r); break;
        case 1: d = (double)(int64_t)bits / 1024.0; break;
        default: memcpy(&d, &bits, 8);
        }
        if (d != d) {
            bits = 0x7ff8000000000000ull;
            memcpy(&d, &bits, 8);
        }
        return wamp_value_double(d);
    }
    case 5:
    case 6: {
        size_t n = rand_text(r, tmp, rand_len(r));
        if (portable && n && tmp[0] == 0) tmp[0] = 'a'; /* JSON: a leading NUL means bytes */
        return wamp_value_string(a, tmp, n);
    }
    case 7: {
        size_t n = rand_len(r);
        for (size_t i = 0; i < n; i++)
            tmp[i] = (char)wt_rng_next(r);
        return wamp_value_bytes(a, tmp, n);
    }
    case 8: {
        wamp_value l = wamp_value_list();
        size_t n = wt_rng_below(r, 3) ? wt_rng_below(r, 6) : wt_rng_below(r, 40);
        for (size_t i = 0; i < n; i++)
            wamp_value_list_push(a, &l, gen(r, a, max_depth - 1, portable));
        return l;
    }
    default: {
        wamp_value d = wamp_value_dict();
        size_t n = wt_rng_below(r, 3) ? wt_rng_below(r, 6) : wt_rng_below(r, 40);
        for (size_t i = 0; i < n; i++) {
            size_t kl = rand_text(r, tmp, wt_rng_below(r, 12));
            kl += (size_t)snprintf(tmp + kl, sizeof tmp - kl, "#%zu", i);
            wamp_value_dict_set(a, &d, tmp, kl, gen(r, a, max_depth - 1, portable));
        }
        return d;
    }
    }
}
