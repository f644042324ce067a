/*
 * Tree-free transcoding of MessagePack and CBOR into JSON (the json codec's transcode_from
 * hook): a router relaying args/kwargs from a binary session to a JSON one pays this for every
 * message.
 *
 * Both binary formats put a count in front of each container, so one pass over the heads
 * writes the JSON: a small stack remembers, per open container, how many elements are still
 * due and whether the next one is a key (for ':' and ','). The input is first validated in full
 * by the source codec in validation-only mode (the limits of wamp_value_decode() with NULL
 * options), so decoding errors are exactly those of the tree path; the writing itself goes
 * through json.c's own primitives (jsonwrite.h), so the bytes and the encoding errors (NaN and
 * infinities: WAMP_ENUMBER) are too. CBOR with tags or indefinite lengths (never written by
 * Autobahn or by us) takes the tree path. tests/unit/test_transcode.c and
 * tests/fuzz/fuzz_transcode.c compare both paths byte for byte.
 */
#include "codec/bincommon.h"
#include "codec/bintranscode.h"
#include "codec/jsonwrite.h"

/* Validated input nests at most WAMP_DEFAULT_MAX_DEPTH containers. */
#define TSTACK (WAMP_DEFAULT_MAX_DEPTH + 1)

typedef struct tframe {
    uint64_t left; /* elements still due (keys and values of a map both count) */
    uint64_t idx;  /* elements written so far */
    bool map;
} tframe;

typedef struct tstate {
    wamp_buf *b;
    tframe st[TSTACK];
    size_t depth;
} tstate;

static inline int put(wamp_buf *b, const char *s, size_t n)
{
    if (b->cap - b->len < n && wamp_buf_reserve(b, n)) return WAMP_ENOMEM;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    return WAMP_OK;
}

/* The separator due before the next element of the innermost open container, if any. */
static inline int before(tstate *t)
{
    if (!t->depth) return WAMP_OK;
    tframe *f = &t->st[t->depth - 1];
    uint64_t i = f->idx++;
    f->left--;
    if (!i) return WAMP_OK;
    return put(t->b, f->map && (i & 1) ? ":" : ",", 1);
}

/* After a complete value: closes every container that has received all its elements. */
static inline int after(tstate *t)
{
    while (t->depth && t->st[t->depth - 1].left == 0) {
        int rc = put(t->b, t->st[t->depth - 1].map ? "}" : "]", 1);
        if (rc) return rc;
        t->depth--;
    }
    return WAMP_OK;
}

/* Opens a container of n elements (n pairs for a map). */
static inline int open_container(tstate *t, bool map, uint64_t n)
{
    if (!n) return put(t->b, map ? "{}" : "[]", 2);
    if (t->depth == TSTACK) return WAMP_EDEPTH; /* unreachable: validated */
    int rc = put(t->b, map ? "{" : "[", 1);
    if (rc) return rc;
    tframe *f = &t->st[t->depth++];
    f->left = map ? 2 * n : n;
    f->idx = 0;
    f->map = map;
    return WAMP_OK;
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

/* Small non-negative integers (fixint) without a call. */
static inline int put_small(wamp_buf *b, unsigned v)
{
    char d[3];
    size_t n;
    if (v < 10) {
        d[0] = (char)('0' + v);
        n = 1;
    } else if (v < 100) {
        d[0] = (char)('0' + v / 10);
        d[1] = (char)('0' + v % 10);
        n = 2;
    } else {
        d[0] = (char)('0' + v / 100);
        d[1] = (char)('0' + v / 10 % 10);
        d[2] = (char)('0' + v % 10);
        n = 3;
    }
    return put(b, d, n);
}

/* ---------------------------------------------------------------- msgpack -> json */

static int msgpack_to_json(const uint8_t *raw, size_t len, wamp_buf *out)
{
    int rc = wamp__msgpack_validate(raw, len);
    if (rc) return rc;
    /* a size hint only: every write checks its room */
    if (len < SIZE_MAX / 2 && wamp_buf_reserve(out, len + len / 2 + 16)) return WAMP_ENOMEM;
    tstate t;
    t.b = out;
    t.depth = 0;
    const uint8_t *s = raw, *end = raw + len;
    while (s < end) {
        if ((rc = before(&t))) return rc;
        uint8_t b = *s++;
        uint64_t n;
        unsigned w;
        if (b <= 0x7f) {
            rc = put_small(out, b);
        } else if (b >= 0xe0) {
            rc = wamp__json_write_int(out, (int8_t)b);
        } else if (b <= 0x8f) {
            rc = open_container(&t, true, b & 15u);
            if (!rc && (b & 15u)) continue;
        } else if (b <= 0x9f) {
            rc = open_container(&t, false, b & 15u);
            if (!rc && (b & 15u)) continue;
        } else if (b <= 0xbf) {
            n = b & 31u;
            rc = wamp__json_write_string(out, s, (size_t)n);
            s += n;
        } else if (b >= 0xd9 && b <= 0xdb) {
            w = 1u << (b - 0xd9);
            n = be_n(s, w);
            s += w;
            rc = wamp__json_write_string(out, s, (size_t)n);
            s += n;
        } else if (b >= 0xc4 && b <= 0xc6) {
            w = 1u << (b - 0xc4);
            n = be_n(s, w);
            s += w;
            rc = wamp__json_write_bytes(out, s, (size_t)n);
            s += n;
        } else if (b == 0xc0) {
            rc = put(out, "null", 4);
        } else if (b == 0xc2 || b == 0xc3) {
            rc = b == 0xc3 ? put(out, "true", 4) : put(out, "false", 5);
        } else if (b == 0xca) {
            uint32_t bits = wamp__be32(s);
            float f;
            memcpy(&f, &bits, 4);
            rc = wamp__json_write_double(out, (double)f);
            s += 4;
        } else if (b == 0xcb) {
            uint64_t bits = wamp__be64(s);
            double x;
            memcpy(&x, &bits, 8);
            rc = wamp__json_write_double(out, x);
            s += 8;
        } else if (b >= 0xcc && b <= 0xcf) {
            w = 1u << (b - 0xcc);
            rc = wamp__json_write_uint(out, be_n(s, w));
            s += w;
        } else if (b >= 0xd0 && b <= 0xd3) {
            w = 1u << (b - 0xd0);
            uint64_t u = be_n(s, w);
            int64_t i = w == 1 ? (int8_t)u : w == 2 ? (int16_t)u : w == 4 ? (int32_t)u : (int64_t)u;
            rc = wamp__json_write_int(out, i);
            s += w;
        } else if (b >= 0xdc && b <= 0xdf) {
            w = (b & 1u) ? 4 : 2;
            n = be_n(s, w);
            s += w;
            rc = open_container(&t, b >= 0xde, n);
            if (!rc && n) continue;
        } else {
            return WAMP_ESYNTAX; /* unreachable: validated above */
        }
        if (rc || (rc = after(&t))) return rc;
    }
    return WAMP_OK;
}

/* ---------------------------------------------------------------- cbor -> json */

static int cbor_to_json(const uint8_t *raw, size_t len, wamp_buf *out)
{
    if (!wamp__cbor_plain(raw, len))
        return wamp__bin_transcode_tree(WAMP_SER_CBOR, raw, len, WAMP_SER_JSON, out);
    int rc = wamp__cbor_validate(raw, len, NULL);
    if (rc) return rc;
    if (len < SIZE_MAX / 2 && wamp_buf_reserve(out, len + len / 2 + 16)) return WAMP_ENOMEM;
    tstate t;
    t.b = out;
    t.depth = 0;
    const uint8_t *s = raw, *end = raw + len;
    while (s < end) {
        if ((rc = before(&t))) return rc;
        uint8_t b = *s++;
        unsigned major = b >> 5, ai = b & 31u;
        uint64_t arg = ai;
        if (ai >= 24 && ai <= 27) {
            unsigned w = 1u << (ai - 24);
            arg = be_n(s, w);
            s += w;
        }
        switch (major) {
        case 0:
            rc = arg < 1000 ? put_small(out, (unsigned)arg) : wamp__json_write_uint(out, arg);
            break;
        case 1: rc = wamp__json_write_int(out, -1 - (int64_t)arg); break; /* arg <= INT64_MAX */
        case 2:
            rc = wamp__json_write_bytes(out, s, (size_t)arg);
            s += arg;
            break;
        case 3:
            rc = wamp__json_write_string(out, s, (size_t)arg);
            s += arg;
            break;
        case 4:
        case 5:
            rc = open_container(&t, major == 5, arg);
            if (!rc && arg) continue;
            break;
        default: /* 7, validated: only these */
            if (ai == 20 || ai == 21) {
                rc = ai == 21 ? put(out, "true", 4) : put(out, "false", 5);
            } else if (ai == 22 || ai == 23) {
                rc = put(out, "null", 4);
            } else if (ai == 25) {
                rc = wamp__json_write_double(out, wamp__half_to_double((uint16_t)arg));
            } else if (ai == 26) {
                uint32_t bits = (uint32_t)arg;
                float f;
                memcpy(&f, &bits, 4);
                rc = wamp__json_write_double(out, (double)f);
            } else if (ai == 27) {
                double x;
                memcpy(&x, &arg, 8);
                rc = wamp__json_write_double(out, x);
            } else {
                return WAMP_ESYNTAX; /* unreachable: validated above */
            }
        }
        if (rc || (rc = after(&t))) return rc;
    }
    return WAMP_OK;
}

int wamp__json_transcode_from(wamp_serializer_id from, const uint8_t *raw, size_t len,
                              wamp_buf *out)
{
    if (!raw && len) return WAMP_EINVAL;
    switch (from) {
    case WAMP_SER_MSGPACK: return msgpack_to_json(raw, len, out);
    case WAMP_SER_CBOR: return cbor_to_json(raw, len, out);
    default: return wamp__bin_transcode_tree(from, raw, len, WAMP_SER_JSON, out);
    }
}
