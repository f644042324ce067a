/* Shared body of fuzz_msgpack.c and fuzz_cbor.c: decode; re-encode; decode; equal; the second
 * encoding is byte-identical (our encoding is canonical); a lazy (raw_from) decode succeeds
 * exactly when the full decode does, and its re-encoding decodes to the same value; the
 * transcoding into the other binary format and back gives the same bytes. */
#ifndef FUZZ_BINARY_ROUNDTRIP_H
#define FUZZ_BINARY_ROUNDTRIP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wamp/wamp.h>

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "check failed: %s (%s:%d)\n", #c, __FILE__, __LINE__);                 \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static size_t fz_raw_from(int64_t first, size_t count, void *user)
{
    (void)count;
    (void)user;
    return (size_t)(first & 7);
}

/* Replaces every NaN by the quiet NaN 0x7ff8000000000000 (CBOR writes every NaN as f97e00,
 * as cbor2 does, so NaN payloads do not survive); true when one had other bits. */
static bool fz_canon_nan(wamp_value *v)
{
    bool odd = false;
    uint64_t bits, canon = 0x7ff8000000000000ull;
    switch (v->type) {
    case WAMP_VALUE_DOUBLE:
        if (v->as.d != v->as.d) {
            memcpy(&bits, &v->as.d, 8);
            odd = bits != canon;
            memcpy(&v->as.d, &canon, 8);
        }
        break;
    case WAMP_VALUE_LIST:
        for (uint32_t i = 0; i < v->len; i++)
            odd |= fz_canon_nan(&v->as.items[i]);
        break;
    case WAMP_VALUE_DICT:
        for (uint32_t i = 0; i < v->len; i++)
            odd |= fz_canon_nan(&v->as.entries[i].value);
        break;
    default: break;
    }
    return odd;
}

static int fz_roundtrip(wamp_serializer_id ser, wamp_serializer_id other, const uint8_t *data,
                        size_t size)
{
    wamp_arena *a = wamp_arena_new(0);
    wamp_value v, v2, lazy;
    wamp_buf e1 = {0}, e2 = {0}, o = {0}, back = {0};
    int rc = wamp_value_decode(ser, data, size, a, NULL, &v);
    wamp_decode_opts lo = {.raw_from = fz_raw_from};
    int lrc = wamp_value_decode(ser, data, size, a, &lo, &lazy);
    CHECK((rc == 0) == (lrc == 0));
    /* the streaming transcoder fails exactly like decoding and otherwise writes what
     * decoding + encoding writes */
    wamp_buf t = {0}, t0 = {0};
    int trc = wamp_value_transcode(ser, data, size, other, &t);
    CHECK(trc == rc);
    CHECK(trc != 0 || t.len > 0);
    if (rc == 0) {
        CHECK(wamp_value_encode(other, &v, &t0) == 0);
        CHECK(t.len == t0.len && memcmp(t.data, t0.data, t.len) == 0);
    }
    wamp_buf_free(&t);
    wamp_buf_free(&t0);
    if (rc == 0) {
        bool odd = fz_canon_nan(&v);
        CHECK(wamp_value_encode(ser, &v, &e1) == 0);
        CHECK(wamp_value_decode(ser, e1.data, e1.len, a, NULL, &v2) == 0);
        CHECK(wamp_value_equal(&v, &v2));
        wamp_buf_clear(&e2);
        CHECK(wamp_value_encode(ser, &v2, &e2) == 0);
        CHECK(e1.len == e2.len && memcmp(e1.data, e2.data, e1.len) == 0);
        if (odd) goto out;
        /* the lazy value re-encodes (raw spans copied) to something equal to v */
        wamp_buf_clear(&e2);
        CHECK(wamp_value_encode(ser, &lazy, &e2) == 0);
        CHECK(wamp_value_decode(ser, e2.data, e2.len, a, NULL, &v2) == 0);
        CHECK(wamp_value_equal(&v, &v2));
        /* and transcodes (raw spans too) like the full value */
        wamp_buf_clear(&e2);
        CHECK(wamp_value_encode(other, &lazy, &e2) == 0);
        CHECK(wamp_value_encode(other, &v, &o) == 0);
        CHECK(e2.len == o.len && memcmp(e2.data, o.data, o.len) == 0);
        CHECK(wamp_value_transcode(other, o.data, o.len, ser, &back) == 0);
        CHECK(back.len == e1.len && memcmp(back.data, e1.data, e1.len) == 0);
    }
out:
    wamp_buf_free(&e1);
    wamp_buf_free(&e2);
    wamp_buf_free(&o);
    wamp_buf_free(&back);
    wamp_arena_free(a);
    return 0;
}

#endif
