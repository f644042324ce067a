/* Seeded random value trees for round-trip tests of the codecs (test support, not library). */
#ifndef WAMP_TEST_RANDVAL_H
#define WAMP_TEST_RANDVAL_H

#include <wamp/wamp.h>

/* splitmix64 generator: deterministic for a given seed. */
typedef struct wt_rng {
    uint64_t s;
} wt_rng;

uint64_t wt_rng_next(wt_rng *r);
/* Uniform-ish in [0, n) (n > 0). */
uint64_t wt_rng_below(wt_rng *r, uint64_t n);

/*
 * A random value tree in arena a, nesting at most max_depth containers: null, bool, integers
 * around every encoding boundary, doubles (random bits; a NaN is always the quiet NaN
 * 0x7ff8000000000000 so codecs that canonicalise NaN still round-trip), UTF-8 strings (ASCII
 * and multi-byte characters, lengths around the 31/32/255/256 classes), bytes, lists and
 * dicts (distinct keys). Never RAW. Strings are allocated in a.
 */
wamp_value wt_rand_value(wt_rng *r, wamp_arena *a, int max_depth);

/*
 * The same generator restricted to values that every value serializer (JSON, MessagePack,
 * CBOR, UBJSON) carries without loss, so that decode(encode_A(v)) == v for every A and
 * transcoding A -> B gives encode_B(v):
 *   - doubles are finite (JSON has no NaN or infinities; UBJSON writes them as null); they
 *     include -0.0, subnormals, the largest finite and random bit patterns;
 *   - a string never starts with U+0000 (in JSON that marks base64 bytes); NUL elsewhere is kept;
 *   - integers: every int64 and the uint64 above INT64_MAX (all four carry them).
 * Everything else (bytes, lists, dicts, unicode, lengths around the size classes) as above.
 */
wamp_value wt_rand_portable_value(wt_rng *r, wamp_arena *a, int max_depth);

#endif
