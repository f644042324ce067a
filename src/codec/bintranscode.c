/*
 * Streaming MessagePack <-> CBOR transcoding, without a value tree (a router relaying args
 * and kwargs between a msgpack and a cbor session pays this for every message).
 *
 * Both formats put a count or length in front of everything, so one pass over the input
 * heads, writing the other format's heads and copying string bytes, converts a value. The
 * input is first validated in full by the source codec in validation-only mode, so the result
 * and the error codes are exactly those of decoding + encoding (the fuzzers compare the two
 * byte for byte). The output has at most 2x (msgpack -> cbor) or 3x (cbor -> msgpack) the
 * input size, which is reserved once. CBOR input with tags or indefinite lengths (never
 * written by Autobahn or by us) takes the tree path.
 */
#include "codec/bintranscode.h"

#include "codec/bincommon.h"

#include <math.h>

int wamp__bin_transcode_tree(wamp_serializer_id from, const uint8_t *raw, size_t len,
                             wamp_serializer_id to, wamp_buf *out)
{
    wamp_arena *a = wamp_arena_new(len * 2 + 256);
    if (!a) return WAMP_ENOMEM;
    wamp_value v;
    int rc = wamp_value_decode(from, raw, len, a, NULL, &v);
    if (!rc) rc = wamp_value_encode(to, &v, out);
    wamp_arena_free(a);
    return rc;
}

/* ---------------------------------------------------------------- msgpack -> cbor */

static inline uint8_t *cb_head(uint8_t *p, unsigned major, uint64_t arg)
{
    uint8_t mt = (uint8_t)(major << 5);
    if (arg < 24) {
        *p++ = (uint8_t)(mt | arg);
    } else if (arg <= UINT8_MAX) {
        *p++ = mt | 24;
        *p++ = (uint8_t)arg;
    } else if (arg <= UINT16_MAX) {
        *p++ = mt | 25;
        wamp__put_be16(p, (uint16_t)arg);
        p += 2;
    } else if (arg <= UINT32_MAX) {
        *p++ = mt | 26;
        wamp__put_be32(p, (uint32_t)arg);
        p += 4;
    } else {
        *p++ = mt | 27;
        wamp__put_be64(p, arg);
        p += 8;
    }
    return p;
}

/* As cbor.c (and cbor2): float64, NaN and infinities as half floats. */
static inline uint8_t *cb_double(uint8_t *p, double x)
{
    if (isnan(x) || isinf(x)) {
        *p++ = 0xf9;
        *p++ = isnan(x) ? 0x7e : x > 0 ? 0x7c : 0xfc;
        *p++ = 0;
        return p;
    }
    uint64_t bits;
    memcpy(&bits, &x, 8);
    *p++ = 0xfb;
    wamp__put_be64(p, bits);
    return p + 8;
}

static inline uint64_t be_n(const uint8_t *s, unsigned n)
{
    switch (n) {
    case 1: return s[0];
    case 2: return wamp__be16(s);
    case 4: return wamp__be32(s);
    default: return wamp__be64(s);
    }
}

int wamp__bin_msgpack_to_cbor(const uint8_t *raw, size_t len, wamp_buf *out)
{
    int rc = wamp__msgpack_validate(raw, len);
    if (rc) return rc;
    if (len > (SIZE_MAX - 16) / 2 || wamp_buf_reserve(out, 2 * len + 16)) return WAMP_ENOMEM;
    const uint8_t *s = raw, *end = raw + len;
    uint8_t *p = out->data + out->len;
    while (s < end) {
        uint8_t b = *s++;
        uint64_t n;
        unsigned w;
        if (b <= 0x7f) {
            p = cb_head(p, 0, b);
        } else if (b >= 0xe0) {
            p = cb_head(p, 1, (uint64_t)(-1 - (int8_t)b));
        } else if (b <= 0x8f) {
            p = cb_head(p, 5, b & 15u);
        } else if (b <= 0x9f) {
            p = cb_head(p, 4, b & 15u);
        } else if (b <= 0xbf || (b >= 0xd9 && b <= 0xdb) || (b >= 0xc4 && b <= 0xc6)) {
            bool text = b <= 0xbf || b >= 0xd9;
            if (b <= 0xbf) {
                n = b & 31u;
            } else {
                w = 1u << (text ? b - 0xd9 : b - 0xc4);
                n = be_n(s, w);
                s += w;
            }
            p = cb_head(p, text ? 3 : 2, n);
            if (n) memcpy(p, s, (size_t)n);
            p += n;
            s += n;
        } else if (b == 0xc0) {
            *p++ = 0xf6;
        } else if (b == 0xc2 || b == 0xc3) {
            *p++ = b == 0xc3 ? 0xf5 : 0xf4;
        } else if (b == 0xca) {
            uint32_t bits = wamp__be32(s);
            float f;
            memcpy(&f, &bits, 4);
            p = cb_double(p, (double)f);
            s += 4;
        } else if (b == 0xcb) {
            uint64_t bits = wamp__be64(s);
            double x;
            memcpy(&x, &bits, 8);
            p = cb_double(p, x);
            s += 8;
        } else if (b >= 0xcc && b <= 0xcf) {
            w = 1u << (b - 0xcc);
            p = cb_head(p, 0, be_n(s, w));
            s += w;
        } else if (b >= 0xd0 && b <= 0xd3) {
            w = 1u << (b - 0xd0);
            uint64_t u = be_n(s, w);
            int64_t i = w == 1 ? (int8_t)u : w == 2 ? (int16_t)u : w == 4 ? (int32_t)u : (int64_t)u;
            p = i >= 0 ? cb_head(p, 0, (uint64_t)i) : cb_head(p, 1, (uint64_t)(-(i + 1)));
            s += w;
        } else if (b >= 0xdc && b <= 0xdf) {
            w = (b & 1u) ? 4 : 2;
            p = cb_head(p, b <= 0xdd ? 4 : 5, be_n(s, w));
            s += w;
        } else {
            return WAMP_ESYNTAX; /* unreachable: validated above */
        }
    }
    out->len = (size_t)(p - out->data);
    return WAMP_OK;
}

/* ---------------------------------------------------------------- cbor -> msgpack */

static inline uint8_t *mp_tag_be(uint8_t *p, uint8_t tag, unsigned n, uint64_t v)
{
    *p++ = tag;
    switch (n) {
    case 1: *p = (uint8_t)v; break;
    case 2: wamp__put_be16(p, (uint16_t)v); break;
    case 4: wamp__put_be32(p, (uint32_t)v); break;
    default: wamp__put_be64(p, v); break;
    }
    return p + n;
}

static inline uint8_t *mp_uint(uint8_t *p, uint64_t u)
{
    if (u < 128) {
        *p++ = (uint8_t)u;
        return p;
    }
    if (u <= UINT8_MAX) return mp_tag_be(p, 0xcc, 1, u);
    if (u <= UINT16_MAX) return mp_tag_be(p, 0xcd, 2, u);
    if (u <= UINT32_MAX) return mp_tag_be(p, 0xce, 4, u);
    return mp_tag_be(p, 0xcf, 8, u);
}

static inline uint8_t *mp_negint(uint8_t *p, int64_t i)
{
    if (i >= -32) {
        *p++ = (uint8_t)(int8_t)i;
        return p;
    }
    if (i >= INT8_MIN) return mp_tag_be(p, 0xd0, 1, (uint64_t)i);
    if (i >= INT16_MIN) return mp_tag_be(p, 0xd1, 2, (uint64_t)i);
    if (i >= INT32_MIN) return mp_tag_be(p, 0xd2, 4, (uint64_t)i);
    return mp_tag_be(p, 0xd3, 8, (uint64_t)i);
}

static inline uint8_t *mp_double(uint8_t *p, double x)
{
    uint64_t bits;
    memcpy(&bits, &x, 8);
    return mp_tag_be(p, 0xcb, 8, bits);
}

int wamp__bin_cbor_to_msgpack(const uint8_t *raw, size_t len, wamp_buf *out)
{
    /* One validation pass, which also tells whether a tag or an indefinite length was met
     * (then without an arena it may have stopped early: the tree path decides, with its exact
     * error codes). Plain input needs no arena, so its result is decoding's exactly. */
    bool plain;
    int rc = wamp__cbor_validate(raw, len, NULL, &plain);
    if (!plain) return wamp__bin_transcode_tree(WAMP_SER_CBOR, raw, len, WAMP_SER_MSGPACK, out);
    if (rc) return rc;
    if (len > (SIZE_MAX - 16) / 3 || wamp_buf_reserve(out, 3 * len + 16)) return WAMP_ENOMEM;
    const uint8_t *s = raw, *end = raw + len;
    uint8_t *p = out->data + out->len;
    while (s < end) {
        uint8_t b = *s++;
        unsigned major = b >> 5, ai = b & 31u;
        uint64_t arg = ai;
        if (ai >= 24) {
            unsigned w = 1u << (ai - 24);
            arg = be_n(s, w);
            s += w;
        }
        switch (major) {
        case 0: p = mp_uint(p, arg); break;
        case 1: p = mp_negint(p, -1 - (int64_t)arg); break; /* validated: arg <= INT64_MAX */
        case 2:
        case 3: {
            bool text = major == 3;
            if (text && arg < 32)
                *p++ = (uint8_t)(0xa0 | arg);
            else if (arg <= UINT8_MAX)
                p = mp_tag_be(p, text ? 0xd9 : 0xc4, 1, arg);
            else if (arg <= UINT16_MAX)
                p = mp_tag_be(p, text ? 0xda : 0xc5, 2, arg);
            else
                p = mp_tag_be(p, text ? 0xdb : 0xc6, 4, arg);
            if (arg) memcpy(p, s, (size_t)arg);
            p += arg;
            s += arg;
            break;
        }
        case 4:
        case 5:
            if (arg < 16)
                *p++ = (uint8_t)((major == 5 ? 0x80 : 0x90) | arg);
            else if (arg <= UINT16_MAX)
                p = mp_tag_be(p, major == 5 ? 0xde : 0xdc, 2, arg);
            else
                p = mp_tag_be(p, major == 5 ? 0xdf : 0xdd, 4, arg);
            break;
        default: /* 7: validated, so only these */
            if (ai == 20 || ai == 21) {
                *p++ = ai == 21 ? 0xc3 : 0xc2;
            } else if (ai == 22 || ai == 23) {
                *p++ = 0xc0;
            } else if (ai == 25) {
                p = mp_double(p, wamp__half_to_double((uint16_t)arg));
            } else if (ai == 26) {
                uint32_t bits = (uint32_t)arg;
                float f;
                memcpy(&f, &bits, 4);
                p = mp_double(p, (double)f);
            } else {
                double x;
                memcpy(&x, &arg, 8);
                p = mp_double(p, x);
            }
        }
    }
    out->len = (size_t)(p - out->data);
    return WAMP_OK;
}
