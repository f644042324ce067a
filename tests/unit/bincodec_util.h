/* Helpers shared by test_msgpack.c and test_cbor.c (header-only, static). */
#ifndef WAMP_TEST_BINCODEC_UTIL_H
#define WAMP_TEST_BINCODEC_UTIL_H

#include "support.h"
#include "support/randval.h"

#include <stdlib.h>
#include <string.h>

/* Hex without blanks (the expected side of a comparison may be written with spaces). */
static inline char *bc_norm_hex(const char *hex)
{
    size_t n;
    uint8_t *b = wt_unhex(hex, &n);
    assert_non_null(b);
    char *h = wt_hex(b, n);
    free(b);
    return h;
}

/* Decodes hex with serializer ser (strings copied, so the value outlives the bytes). */
static inline int bc_dec(wamp_serializer_id ser, const char *hex, wamp_arena *a, wamp_value *v)
{
    size_t n;
    uint8_t *b = wt_unhex(hex, &n);
    assert_non_null(b);
    wamp_decode_opts o = {0};
    o.copy_strings = true;
    int rc = wamp_value_decode(ser, b, n, a, &o, v);
    free(b);
    return rc;
}

/* Asserts that v encodes to exactly hex. */
static inline void bc_enc_is(wamp_serializer_id ser, const wamp_value *v, const char *hex)
{
    wamp_buf out = {0};
    assert_int_equal(wamp_value_encode(ser, v, &out), WAMP_OK);
    char *got = wt_hex(out.data, out.len), *want = bc_norm_hex(hex);
    if (strcmp(got, want) != 0) fail_msg("encoding %s, expected %s", got, want);
    free(got);
    free(want);
    wamp_buf_free(&out);
}

/* Asserts that hex decodes to a value equal to want and re-encodes to the same bytes when
 * roundtrip is set. */
static inline void bc_dec_is(wamp_serializer_id ser, const char *hex, const wamp_value *want,
                             bool roundtrip)
{
    wamp_arena *a = wamp_arena_new(0);
    wamp_value v;
    int rc = bc_dec(ser, hex, a, &v);
    if (rc) fail_msg("decoding %s: %s", hex, wamp_err_name(rc));
    if (!wamp_value_equal(&v, want)) {
        wamp_buf d1 = {0}, d2 = {0};
        wamp_value_dump(&d1, &v);
        wamp_value_dump(&d2, want);
        wamp_buf_append_byte(&d1, 0);
        wamp_buf_append_byte(&d2, 0);
        fail_msg("decoding %s gave %s, expected %s", hex, (char *)d1.data, (char *)d2.data);
    }
    if (roundtrip) bc_enc_is(ser, &v, hex);
    wamp_arena_free(a);
}

/* Asserts that hex fails to decode with err. */
static inline void bc_dec_err(wamp_serializer_id ser, const char *hex, int err)
{
    wamp_arena *a = wamp_arena_new(0);
    wamp_value v;
    int rc = bc_dec(ser, hex, a, &v);
    if (rc != err)
        fail_msg("decoding %s: got %s, expected %s", hex, wamp_err_name(rc), wamp_err_name(err));
    if (err) assert_true(wamp_value_is_null(&v));
    wamp_arena_free(a);
}

/* Every proper prefix of a valid encoding is WAMP_ETRUNCATED; one extra byte is
 * WAMP_ETRAILING. */
static inline void bc_prefixes(wamp_serializer_id ser, const uint8_t *b, size_t n)
{
    wamp_arena *a = wamp_arena_new(0);
    uint8_t *copy = malloc(n + 1);
    memcpy(copy, b, n);
    for (size_t k = 0; k < n; k++) {
        wamp_value v;
        wamp_arena_reset(a);
        /* A fresh heap copy of exactly k bytes so ASan sees any overread. */
        uint8_t *p = malloc(k ? k : 1);
        memcpy(p, b, k);
        int rc = wamp_value_decode(ser, p, k, a, NULL, &v);
        free(p);
        if (rc != WAMP_ETRUNCATED) {
            char *h = wt_hex(b, n);
            fail_msg("prefix %zu of %s: %s", k, h, wamp_err_name(rc));
        }
    }
    copy[n] = 0;
    wamp_value v;
    assert_int_equal(wamp_value_decode(ser, copy, n + 1, a, NULL, &v), WAMP_ETRAILING);
    assert_int_equal(wamp_value_decode(ser, copy, n, a, NULL, &v), WAMP_OK);
    free(copy);
    wamp_arena_free(a);
}

static inline void bc_prefixes_hex(wamp_serializer_id ser, const char *hex)
{
    size_t n;
    uint8_t *b = wt_unhex(hex, &n);
    bc_prefixes(ser, b, n);
    free(b);
}

/* n bytes of header (hex) followed by `count` copies of the byte `fill`. */
static inline uint8_t *bc_make(const char *header, size_t count, uint8_t fill, size_t *len)
{
    size_t h;
    uint8_t *hb = wt_unhex(header, &h);
    uint8_t *b = malloc(h + count + 1);
    memcpy(b, hb, h);
    memset(b + h, fill, count);
    free(hb);
    *len = h + count;
    return b;
}

/* Encodes v, decodes the result (borrowing), and checks equality and a byte-identical
 * second encoding. */
static inline void bc_roundtrip(wamp_serializer_id ser, const wamp_value *v)
{
    wamp_buf e1 = {0}, e2 = {0};
    assert_int_equal(wamp_value_encode(ser, v, &e1), WAMP_OK);
    wamp_arena *a = wamp_arena_new(0);
    wamp_value d;
    int rc = wamp_value_decode(ser, e1.data, e1.len, a, NULL, &d);
    if (rc) fail_msg("round trip decode: %s", wamp_err_name(rc));
    assert_true(wamp_value_equal(v, &d));
    assert_int_equal(wamp_value_encode(ser, &d, &e2), WAMP_OK);
    assert_int_equal(e1.len, e2.len);
    assert_memory_equal(e1.data, e2.data, e1.len);
    wamp_arena_free(a);
    wamp_buf_free(&e1);
    wamp_buf_free(&e2);
}

/* The streaming transcoder from `from` to `to` writes exactly what decode + encode writes. */
static inline void bc_transcode_matches(wamp_serializer_id from, wamp_serializer_id to,
                                        const wamp_value *v)
{
    wamp_buf src = {0}, want = {0}, got = {0};
    assert_int_equal(wamp_value_encode(from, v, &src), WAMP_OK);
    wamp_arena *a = wamp_arena_new(0);
    wamp_value d;
    assert_int_equal(wamp_value_decode(from, src.data, src.len, a, NULL, &d), WAMP_OK);
    assert_int_equal(wamp_value_encode(to, &d, &want), WAMP_OK);
    wamp_buf_append(&got, "pre", 3);
    assert_int_equal(wamp_value_transcode(from, src.data, src.len, to, &got), WAMP_OK);
    assert_int_equal(got.len, want.len + 3);
    assert_memory_equal(got.data + 3, want.data, want.len);
    wamp_arena_free(a);
    wamp_buf_free(&src);
    wamp_buf_free(&want);
    wamp_buf_free(&got);
}

/* Transcoding malformed input fails with the decoder's error and leaves out untouched. */
static inline void bc_transcode_err(wamp_serializer_id from, wamp_serializer_id to, const char *hex,
                                    int err)
{
    size_t n;
    uint8_t *b = wt_unhex(hex, &n);
    wamp_buf out = {0};
    wamp_buf_append(&out, "pre", 3);
    int rc = wamp_value_transcode(from, b, n, to, &out);
    if (rc != err) fail_msg("transcoding %s: %s", hex, wamp_err_name(rc));
    assert_int_equal(out.len, 3);
    wamp_buf_free(&out);
    free(b);
}

#endif
