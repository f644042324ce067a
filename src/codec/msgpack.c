/*
 * MessagePack value codec (https://github.com/msgpack/msgpack/blob/master/spec.md).
 *
 * Written by hand rather than on top of msgpack-c: our decoder borrows strings and bytes
 * straight from the input (zero copy), allocates from the caller's per-message arena, and
 * keeps the router's args/kwargs as validated but still-encoded RAW spans (opts->raw_from).
 * msgpack-c's object model (its own msgpack_object tree in a msgpack_zone) allows none of
 * that without a second pass and copy. msgpack-c serves as the oracle of the differential
 * fuzzer (tests/fuzz/fuzz_msgpack_diff.c) and as the reference of the benchmark instead.
 *
 * Decoding: the whole format is read — positive/negative fixint, uint/int 8..64, float 32/64,
 * nil, bool, str/bin/array/map in every size class. Deliberate restrictions of our value
 * model (each one an error, never a silent change):
 *  - ext and fixext (0xc7-0xc9, 0xd4-0xd8, including the timestamp type -1): WAMP_EEXTTYPE;
 *  - 0xc1 (never used by the format): WAMP_ESYNTAX;
 *  - map keys must be str (our dicts have string keys): WAMP_EKEYTYPE; duplicate keys:
 *    WAMP_EDUPKEY;
 *  - str must hold valid UTF-8: WAMP_EUTF8.
 * A declared length or element count is checked against the bytes that remain BEFORE any
 * allocation; the bytes still owed to the unfinished containers around the current element
 * are reserved too (`pending`), so the memory of a decode is bounded by a constant times the
 * input length however the counts nest. Integers: non-negative values above INT64_MAX become
 * WAMP_VALUE_UINT, all others WAMP_VALUE_INT, whatever width they were sent in. float32 is
 * widened to double exactly. Nesting of arrays and maps is limited by opts->max_depth (the
 * top-level container is level 1). With opts->raw_from, a top-level array whose first element
 * is an integer has its later container elements kept as WAMP_VALUE_RAW (fully validated);
 * any other top-level value is simply decoded in full.
 *
 * Encoding matches msgpack-python's packb(obj, use_bin_type=True), which is what Autobahn's
 * MsgPackObjectSerializer calls, byte for byte: every integer in its smallest form
 * (non-negative ones as fixint/uint8..64, negative ones as negative fixint/int8..64), every
 * length in its smallest class (fixstr/str8/16/32, bin8/16/32, fixarray/array16/32,
 * fixmap/map16/32), doubles always as float64 (0xcb), strings as str, bytes as bin.
 * Strings and keys must be valid UTF-8 (WAMP_EUTF8); nesting deeper than ENC_MAX_DEPTH gives
 * WAMP_EDEPTH (it also stops a value tree that contains itself).
 */
#include "codec/bincommon.h"
#include "codec/bintranscode.h"

#include <stdlib.h>

#define ENC_MAX_DEPTH 1024

/* ---------------------------------------------------------------- decoder */

typedef struct mp_dec {
    const uint8_t *p, *end;
    size_t pending; /* bytes the open containers still need for their remaining elements */
    wamp_arena *a;
    size_t max_depth;
    bool copy;
} mp_dec;

static int dec_value(mp_dec *d, wamp_value *out, size_t depth);

/* Bytes available to the current element: what remains minus what enclosing containers are
 * still owed (at least one byte per element). Invariant: pending <= end - p. */
static inline size_t avail(const mp_dec *d)
{
    return (size_t)(d->end - d->p) - d->pending;
}

static inline int rd_be(mp_dec *d, unsigned nbytes, uint64_t *v)
{
    if (avail(d) < nbytes) return WAMP_ETRUNCATED;
    const uint8_t *p = d->p;
    switch (nbytes) {
    case 1: *v = p[0]; break;
    case 2: *v = wamp__be16(p); break;
    case 4: *v = wamp__be32(p); break;
    default: *v = wamp__be64(p); break;
    }
    d->p += nbytes;
    return WAMP_OK;
}

static int dec_span(mp_dec *d, wamp_value *out, size_t n, wamp_value_type t)
{
    if (n > avail(d)) return WAMP_ETRUNCATED;
    const uint8_t *s = d->p;
    if (t == WAMP_VALUE_STRING && !wamp__bin_text_ok(s, n)) return WAMP_EUTF8;
    d->p += n;
    return out ? wamp__bin_set_span(d->a, out, t, s, n, d->copy) : WAMP_OK;
}

/* dec_value() with the commonest elements (positive fixint, fixstr) handled in line. */
static inline int dec_elem(mp_dec *d, wamp_value *out, size_t depth)
{
    if (avail(d) >= 1) {
        uint8_t b = *d->p;
        if (b <= 0x7f) {
            d->p++;
            if (out) wamp__bin_set_int(out, b);
            return WAMP_OK;
        }
        if (b >= 0xa0 && b <= 0xbf) {
            d->p++;
            return dec_span(d, out, b & 31u, WAMP_VALUE_STRING);
        }
    }
    return dec_value(d, out, depth);
}

static int dec_array(mp_dec *d, wamp_value *out, size_t n, size_t depth)
{
    if (depth >= d->max_depth) return WAMP_EDEPTH;
    if (n > avail(d)) return WAMP_ETRUNCATED;
    if (n > UINT32_MAX) return WAMP_ETOOBIG;
    wamp_value *items = NULL;
    if (out && n) {
        items = wamp_arena_alloc(d->a, n * sizeof *items);
        if (!items) return WAMP_ENOMEM;
    }
    d->pending += n;
    for (size_t i = 0; i < n; i++) {
        d->pending--;
        int rc = dec_elem(d, items ? &items[i] : NULL, depth + 1);
        if (rc) return rc;
    }
    if (out) {
        memset(out, 0, sizeof *out);
        out->type = WAMP_VALUE_LIST;
        out->len = out->cap = (uint32_t)n;
        out->as.items = items;
    }
    return WAMP_OK;
}

/* A map key: must be a str. */
static int rd_key(mp_dec *d, wamp_str *key)
{
    if (avail(d) < 1) return WAMP_ETRUNCATED;
    uint8_t b = *d->p;
    uint64_t n;
    int rc = WAMP_OK;
    if (b >= 0xa0 && b <= 0xbf) {
        n = b & 31u;
        d->p++;
    } else if (b >= 0xd9 && b <= 0xdb) {
        d->p++;
        rc = rd_be(d, 1u << (b - 0xd9), &n);
    } else {
        return WAMP_EKEYTYPE;
    }
    if (rc) return rc;
    if (n > avail(d)) return WAMP_ETRUNCATED;
    if (!wamp__bin_text_ok(d->p, n)) return WAMP_EUTF8;
    key->ptr = (const char *)d->p;
    key->len = n;
    d->p += n;
    if (d->copy) {
        key->ptr = wamp_arena_strndup(d->a, key->ptr, n);
        if (!key->ptr) return WAMP_ENOMEM;
    }
    return WAMP_OK;
}

static int dec_map(mp_dec *d, wamp_value *out, size_t n, size_t depth)
{
    if (depth >= d->max_depth) return WAMP_EDEPTH;
    if (n > avail(d) / 2) return WAMP_ETRUNCATED;
    if (n > UINT32_MAX) return WAMP_ETOOBIG;
    int rc = WAMP_OK;
    wamp_kv *entries = NULL;
    wamp_str stack[32], *keys = NULL; /* skip mode: keys only, for the duplicate check */
    if (out) {
        if (n) {
            entries = wamp_arena_alloc(d->a, n * sizeof *entries);
            if (!entries) return WAMP_ENOMEM;
        }
    } else {
        keys = n <= 32 ? stack : malloc(n * sizeof *keys);
        if (!keys) return WAMP_ENOMEM;
    }
    d->pending += 2 * n;
    for (size_t i = 0; i < n; i++) {
        d->pending--;
        rc = rd_key(d, entries ? &entries[i].key : &keys[i]);
        if (rc) goto done;
        d->pending--;
        rc = dec_elem(d, entries ? &entries[i].value : NULL, depth + 1);
        if (rc) goto done;
    }
    if (entries)
        rc = wamp__bin_keys_unique(&entries[0].key, sizeof *entries, n);
    else
        rc = wamp__bin_keys_unique(keys, sizeof *keys, n);
    if (!rc && out) {
        memset(out, 0, sizeof *out);
        out->type = WAMP_VALUE_DICT;
        out->len = out->cap = (uint32_t)n;
        out->as.entries = entries;
    }
done:
    if (keys && keys != stack) free(keys);
    return rc;
}

/* Decodes one value into *out, or only validates it when out is NULL. */
static int dec_value(mp_dec *d, wamp_value *out, size_t depth)
{
    if (avail(d) < 1) return WAMP_ETRUNCATED;
    uint8_t b = *d->p++;
    uint64_t u;
    int rc;
    if (b <= 0x7f) {
        if (out) wamp__bin_set_int(out, b);
        return WAMP_OK;
    }
    if (b >= 0xe0) {
        if (out) wamp__bin_set_int(out, (int8_t)b);
        return WAMP_OK;
    }
    if (b <= 0x8f) return dec_map(d, out, b & 15u, depth);
    if (b <= 0x9f) return dec_array(d, out, b & 15u, depth);
    if (b <= 0xbf) return dec_span(d, out, b & 31u, WAMP_VALUE_STRING);
    /* The commonest remaining forms get their own (better predicted) branches. */
    if (b == 0xcb) {
        if ((rc = rd_be(d, 8, &u))) return rc;
        if (out) {
            double x;
            memcpy(&x, &u, 8);
            wamp__bin_set_double(out, x);
        }
        return WAMP_OK;
    }
    if (b == 0xc2 || b == 0xc3) {
        if (out) wamp__bin_set_simple(out, WAMP_VALUE_BOOL, b == 0xc3);
        return WAMP_OK;
    }
    if (b >= 0xcc && b <= 0xcf) {
        if ((rc = rd_be(d, 1u << (b - 0xcc), &u))) return rc;
        if (out) wamp__bin_set_uint(out, u);
        return WAMP_OK;
    }
    switch (b) {
    case 0xc0:
        if (out) wamp__bin_set_simple(out, WAMP_VALUE_NULL, false);
        return WAMP_OK;
    case 0xc1: return WAMP_ESYNTAX;
    case 0xc2:
    case 0xc3:
        if (out) wamp__bin_set_simple(out, WAMP_VALUE_BOOL, b == 0xc3);
        return WAMP_OK;
    case 0xc4:
    case 0xc5:
    case 0xc6:
        if ((rc = rd_be(d, 1u << (b - 0xc4), &u))) return rc;
        return dec_span(d, out, u, WAMP_VALUE_BYTES);
    case 0xc7:
    case 0xc8:
    case 0xc9: return WAMP_EEXTTYPE;
    case 0xca:
        if ((rc = rd_be(d, 4, &u))) return rc;
        if (out) {
            uint32_t bits = (uint32_t)u;
            float f;
            memcpy(&f, &bits, 4);
            wamp__bin_set_double(out, (double)f);
        }
        return WAMP_OK;
    case 0xcb:
        if ((rc = rd_be(d, 8, &u))) return rc;
        if (out) {
            double x;
            memcpy(&x, &u, 8);
            wamp__bin_set_double(out, x);
        }
        return WAMP_OK;
    case 0xcc:
    case 0xcd:
    case 0xce:
    case 0xcf:
        if ((rc = rd_be(d, 1u << (b - 0xcc), &u))) return rc;
        if (out) wamp__bin_set_uint(out, u);
        return WAMP_OK;
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3: {
        unsigned nb = 1u << (b - 0xd0);
        if ((rc = rd_be(d, nb, &u))) return rc;
        if (out) {
            int64_t i;
            switch (nb) {
            case 1: i = (int8_t)(uint8_t)u; break;
            case 2: i = (int16_t)(uint16_t)u; break;
            case 4: i = (int32_t)(uint32_t)u; break;
            default: i = (int64_t)u; break;
            }
            wamp__bin_set_int(out, i);
        }
        return WAMP_OK;
    }
    case 0xd4:
    case 0xd5:
    case 0xd6:
    case 0xd7:
    case 0xd8: return WAMP_EEXTTYPE;
    case 0xd9:
    case 0xda:
    case 0xdb:
        if ((rc = rd_be(d, 1u << (b - 0xd9), &u))) return rc;
        return dec_span(d, out, u, WAMP_VALUE_STRING);
    case 0xdc:
    case 0xdd:
        if ((rc = rd_be(d, b == 0xdc ? 2 : 4, &u))) return rc;
        return dec_array(d, out, u, depth);
    default: /* 0xde, 0xdf */
        if ((rc = rd_be(d, b == 0xde ? 2 : 4, &u))) return rc;
        return dec_map(d, out, u, depth);
    }
}

static inline bool is_container(uint8_t b)
{
    return (b >= 0x80 && b <= 0x9f) || (b >= 0xdc && b <= 0xdf);
}

/* Top level with opts->raw_from: an array whose elements from raw_from(...) on are kept as
 * RAW spans when they are containers. Anything else is decoded in full. */
static int dec_top_lazy(mp_dec *d, const wamp_decode_opts *o, wamp_value *out)
{
    uint8_t b = *d->p;
    uint64_t n;
    int rc;
    if (b >= 0x90 && b <= 0x9f) {
        n = b & 15u;
        d->p++;
    } else if (b == 0xdc || b == 0xdd) {
        d->p++;
        if ((rc = rd_be(d, b == 0xdc ? 2 : 4, &n))) return rc;
    } else {
        return dec_value(d, out, 0);
    }
    if (d->max_depth < 1) return WAMP_EDEPTH;
    if (n > avail(d)) return WAMP_ETRUNCATED;
    wamp_value *items = NULL;
    if (n) {
        items = wamp_arena_alloc(d->a, n * sizeof *items);
        if (!items) return WAMP_ENOMEM;
    }
    size_t from = SIZE_MAX;
    d->pending += n;
    for (size_t i = 0; i < n; i++) {
        d->pending--;
        if (i >= from && avail(d) >= 1 && is_container(*d->p)) {
            const uint8_t *start = d->p;
            if ((rc = dec_value(d, NULL, 1))) return rc;
            rc = wamp__bin_set_span(d->a, &items[i], WAMP_VALUE_RAW, start, (size_t)(d->p - start),
                                    d->copy);
            items[i].ser = WAMP_SER_MSGPACK;
        } else {
            rc = dec_value(d, &items[i], 1);
        }
        if (rc) return rc;
        if (i == 0 && items[0].type == WAMP_VALUE_INT)
            from = o->raw_from(items[0].as.i, (size_t)n, o->raw_user);
    }
    memset(out, 0, sizeof *out);
    out->type = WAMP_VALUE_LIST;
    out->len = out->cap = (uint32_t)n;
    out->as.items = items;
    return WAMP_OK;
}

static int mp_decode(const uint8_t *data, size_t len, wamp_arena *a, const wamp_decode_opts *o,
                     wamp_value *out)
{
    mp_dec d = {data, data + len, 0, a, o->max_depth, o->copy_strings};
    int rc;
    if (len == 0) return WAMP_ETRUNCATED;
    if (o->raw_from)
        rc = dec_top_lazy(&d, o, out);
    else
        rc = dec_value(&d, out, 0);
    if (rc) return rc;
    return d.p == d.end ? WAMP_OK : WAMP_ETRAILING;
}

int wamp__msgpack_validate(const uint8_t *data, size_t len)
{
    /* The limits wamp_value_decode() applies with NULL options; validation never allocates
     * from the arena (NULL). */
    mp_dec d = {data, data + len, 0, NULL, WAMP_DEFAULT_MAX_DEPTH, false};
    if (len > WAMP_DEFAULT_MAX_SIZE) return WAMP_ETOOBIG;
    if (len == 0) return WAMP_ETRUNCATED;
    int rc = dec_value(&d, NULL, 0);
    if (rc) return rc;
    return d.p == d.end ? WAMP_OK : WAMP_ETRAILING;
}

/* ---------------------------------------------------------------- encoder */

/* The encoder writes through a cursor cached out of the wamp_buf; b->len is brought up to
 * date before anything else touches the buffer (RAW transcoding) and at the end. */
typedef struct mp_enc {
    wamp_buf *b;
    uint8_t *p, *end;
} mp_enc;

static inline void sync_out(mp_enc *e)
{
    e->b->len = (size_t)(e->p - e->b->data);
}
static inline void sync_in(mp_enc *e)
{
    e->p = e->b->data + e->b->len;
    e->end = e->b->data + e->b->cap;
}

static int grow(mp_enc *e, size_t n)
{
    sync_out(e);
    if (wamp_buf_reserve(e->b, n)) return WAMP_ENOMEM;
    sync_in(e);
    return WAMP_OK;
}

#define NEED(e, n)                                                                                 \
    do {                                                                                           \
        if ((size_t)((e)->end - (e)->p) < (n) && grow((e), (n))) return WAMP_ENOMEM;               \
    } while (0)

/* A one-byte tag then an n-byte big-endian argument (room already ensured). */
static inline void put_tag_be(mp_enc *e, uint8_t tag, unsigned n, uint64_t v)
{
    uint8_t *p = e->p;
    p[0] = tag;
    switch (n) {
    case 0: break;
    case 1: p[1] = (uint8_t)v; break;
    case 2: wamp__put_be16(p + 1, (uint16_t)v); break;
    case 4: wamp__put_be32(p + 1, (uint32_t)v); break;
    default: wamp__put_be64(p + 1, v); break;
    }
    e->p = p + 1 + n;
}

static inline void put_uint(mp_enc *e, uint64_t u)
{
    if (u < 128)
        *e->p++ = (uint8_t)u;
    else if (u <= UINT8_MAX)
        put_tag_be(e, 0xcc, 1, u);
    else if (u <= UINT16_MAX)
        put_tag_be(e, 0xcd, 2, u);
    else if (u <= UINT32_MAX)
        put_tag_be(e, 0xce, 4, u);
    else
        put_tag_be(e, 0xcf, 8, u);
}

static inline void put_int(mp_enc *e, int64_t i)
{
    if (i >= 0)
        put_uint(e, (uint64_t)i);
    else if (i >= -32)
        *e->p++ = (uint8_t)(int8_t)i;
    else if (i >= INT8_MIN)
        put_tag_be(e, 0xd0, 1, (uint64_t)i);
    else if (i >= INT16_MIN)
        put_tag_be(e, 0xd1, 2, (uint64_t)i);
    else if (i >= INT32_MIN)
        put_tag_be(e, 0xd2, 4, (uint64_t)i);
    else
        put_tag_be(e, 0xd3, 8, (uint64_t)i);
}

/* Header of a str (fix, 8, 16, 32) or bin (8, 16, 32), then the bytes. */
static inline int put_span(mp_enc *e, bool text, const char *s, size_t n)
{
    if (n > UINT32_MAX) return WAMP_ETOOBIG;
    if (text && !wamp__bin_text_ok((const uint8_t *)s, n)) return WAMP_EUTF8;
    NEED(e, 5 + n);
    uint8_t *p = e->p;
    if (text && n < 32)
        *p++ = (uint8_t)(0xa0 | n);
    else if (n <= UINT8_MAX)
        *p++ = text ? 0xd9 : 0xc4, *p++ = (uint8_t)n;
    else if (n <= UINT16_MAX)
        *p++ = text ? 0xda : 0xc5, wamp__put_be16(p, (uint16_t)n), p += 2;
    else
        *p++ = text ? 0xdb : 0xc6, wamp__put_be32(p, (uint32_t)n), p += 4;
    if (n) memcpy(p, s, n);
    e->p = p + n;
    return WAMP_OK;
}

/* Header of an array (fix 0x90, 16 0xdc, 32 0xdd) or map (fix 0x80, 16 0xde, 32 0xdf). */
static inline void put_count(mp_enc *e, bool map, uint32_t n)
{
    if (n < 16)
        *e->p++ = (uint8_t)((map ? 0x80 : 0x90) | n);
    else if (n <= UINT16_MAX)
        put_tag_be(e, map ? 0xde : 0xdc, 2, n);
    else
        put_tag_be(e, map ? 0xdf : 0xdd, 4, n);
}

static int enc_value(mp_enc *e, const wamp_value *v, unsigned depth)
{
    int rc;
    switch (v->type) {
    case WAMP_VALUE_STRING: return put_span(e, true, v->as.s, v->len);
    case WAMP_VALUE_BYTES: return put_span(e, false, v->as.s, v->len);
    case WAMP_VALUE_RAW:
        sync_out(e);
        rc = wamp__codec_encode_raw(WAMP_SER_MSGPACK, v, e->b);
        sync_in(e);
        return rc;
    default: break;
    }
    NEED(e, 9);
    switch (v->type) {
    case WAMP_VALUE_NULL: *e->p++ = 0xc0; return WAMP_OK;
    case WAMP_VALUE_BOOL: *e->p++ = v->as.b ? 0xc3 : 0xc2; return WAMP_OK;
    case WAMP_VALUE_INT: put_int(e, v->as.i); return WAMP_OK;
    case WAMP_VALUE_UINT: put_uint(e, v->as.u); return WAMP_OK;
    case WAMP_VALUE_DOUBLE: {
        uint64_t bits;
        memcpy(&bits, &v->as.d, 8);
        put_tag_be(e, 0xcb, 8, bits);
        return WAMP_OK;
    }
    case WAMP_VALUE_LIST:
        if (depth >= ENC_MAX_DEPTH) return WAMP_EDEPTH;
        put_count(e, false, v->len);
        for (uint32_t i = 0; i < v->len; i++)
            if ((rc = enc_value(e, &v->as.items[i], depth + 1))) return rc;
        return WAMP_OK;
    case WAMP_VALUE_DICT:
        if (depth >= ENC_MAX_DEPTH) return WAMP_EDEPTH;
        put_count(e, true, v->len);
        for (uint32_t i = 0; i < v->len; i++) {
            const wamp_kv *kv = &v->as.entries[i];
            if ((rc = put_span(e, true, kv->key.ptr, kv->key.len))) return rc;
            if ((rc = enc_value(e, &kv->value, depth + 1))) return rc;
        }
        return WAMP_OK;
    default: return WAMP_EINVAL;
    }
}

static int mp_encode(const wamp_value *v, wamp_buf *out)
{
    size_t mark = out->len;
    if (wamp_buf_reserve(out, 64)) return WAMP_ENOMEM;
    mp_enc e = {out, NULL, NULL};
    sync_in(&e);
    int rc = enc_value(&e, v, 0);
    if (rc)
        out->len = mark;
    else
        sync_out(&e);
    return rc;
}

static int mp_transcode_from(wamp_serializer_id from, const uint8_t *raw, size_t len, wamp_buf *out)
{
    if (from == WAMP_SER_CBOR) return wamp__bin_cbor_to_msgpack(raw, len, out);
    return wamp__bin_transcode_tree(from, raw, len, WAMP_SER_MSGPACK, out);
}

const wamp__codec wamp__codec_msgpack = {WAMP_SER_MSGPACK, mp_decode, mp_encode, mp_transcode_from};
