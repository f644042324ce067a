/*
 * Tree-free transcoding of MessagePack into JSON (the json codec's transcode_from hook): a
 * router relaying args/kwargs from a msgpack session to a JSON one pays this for every message.
 *
 * MessagePack puts a count in front of each container, so one pass writes the JSON: a small
 * stack remembers, per open container, how many elements are still due and whether the next
 * one is a key (for ':' and ','). The same pass performs msgpack.c's checks in its decoder's
 * order (see msgpack_to_json), so the decoding errors are exactly those of the tree path
 * (wamp_value_decode() with NULL options), and the writing goes through json.c's own
 * primitives (jsonwrite.h), so the bytes and the encoding errors (NaN and infinities:
 * WAMP_ENUMBER) are too. tests/unit/test_transcode.c and tests/fuzz/fuzz_transcode.c compare
 * both paths byte for byte.
 *
 * CBOR (and UBJSON) -> JSON take the tree path: a streaming CBOR -> JSON that first validated
 * with cbor.c and then wrote was measured slower than decode + encode (bench_transcode; 113 M
 * against 98 M instructions for 2000 conversions of the 1 KiB kwargs), since validating costs
 * about as much as decoding; only a fused pass like the msgpack one would pay.
 */
#include "codec/bincommon.h"
#include "codec/bintranscode.h"
#include "codec/jsonwrite.h"

#include <stdlib.h>

static inline int put(wamp_buf *b, const char *s, size_t n)
{
    if (b->cap - b->len < n && wamp_buf_reserve(b, n)) return WAMP_ENOMEM;
    memcpy(b->data + b->len, s, n);
    b->len += n;
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

/*
 * One fused pass: it performs msgpack.c's checks in the same order as its decoder (the count
 * and length checks against the bytes still available after what the open containers are owed,
 * the depth limit, str keys, UTF-8, ext types, duplicate keys at the end of each map) while it
 * writes the JSON, so the first decoding error is the one decoding reports. An encoding error
 * (a NaN or infinite double: WAMP_ENUMBER) is only remembered, since a decoding error later in
 * the input takes precedence in decode + encode; codec.c drops the partial output on error.
 */

typedef struct mframe {
    uint64_t left;  /* elements still due (keys and values of a map both count) */
    uint64_t idx;   /* elements started */
    size_t keybase; /* map: its first key in the key stack */
    bool map;
} mframe;

#define LOCAL_KEYS 128

typedef struct mstate {
    const uint8_t *s, *end;
    size_t pending;
    wamp_buf *b;
    wamp_str *keys;
    size_t nkeys, capkeys;
    size_t depth;
    wamp_str lkeys[LOCAL_KEYS];
    mframe st[WAMP_DEFAULT_MAX_DEPTH];
} mstate;

static inline size_t m_avail(const mstate *m)
{
    return (size_t)(m->end - m->s) - m->pending;
}

static inline int m_rd_be(mstate *m, unsigned w, uint64_t *v)
{
    if (m_avail(m) < w) return WAMP_ETRUNCATED;
    *v = be_n(m->s, w);
    m->s += w;
    return WAMP_OK;
}

static int m_push_key(mstate *m, const uint8_t *p, size_t n)
{
    if (m->nkeys == m->capkeys) {
        size_t ncap = m->capkeys * 2;
        wamp_str *k =
            m->keys == m->lkeys ? malloc(ncap * sizeof *k) : realloc(m->keys, ncap * sizeof *k);
        if (!k) return WAMP_ENOMEM;
        if (m->keys == m->lkeys) memcpy(k, m->lkeys, sizeof m->lkeys);
        m->keys = k;
        m->capkeys = ncap;
    }
    m->keys[m->nkeys].ptr = (const char *)p;
    m->keys[m->nkeys].len = n;
    m->nkeys++;
    return WAMP_OK;
}

/* A map key (rd_key() of msgpack.c): a str, UTF-8; written with its ':'. */
static inline int m_key(mstate *m)
{
    if (m_avail(m) < 1) return WAMP_ETRUNCATED;
    uint8_t b = *m->s;
    uint64_t n;
    int rc;
    if (b >= 0xa0 && b <= 0xbf) {
        n = b & 31u;
        m->s++;
    } else if (b >= 0xd9 && b <= 0xdb) {
        m->s++;
        if ((rc = m_rd_be(m, 1u << (b - 0xd9), &n))) return rc;
    } else {
        return WAMP_EKEYTYPE;
    }
    if (n > m_avail(m)) return WAMP_ETRUNCATED;
    const uint8_t *k = m->s;
    m->s += n;
    /* the writer's UTF-8 check is the decoder's (both wamp__utf8_seq): WAMP_EUTF8 alike */
    if ((rc = wamp__json_write_string(m->b, k, (size_t)n))) return rc;
    if ((rc = m_push_key(m, k, (size_t)n))) return rc;
    return put(m->b, ":", 1);
}

/* dec_array() / dec_map() up to the elements: limits, then '[' / '{' (or the empty pair). */
static inline int m_open(mstate *m, bool map, uint64_t n, bool *opened)
{
    *opened = false;
    if (m->depth >= WAMP_DEFAULT_MAX_DEPTH) return WAMP_EDEPTH;
    if (map ? n > m_avail(m) / 2 : n > m_avail(m)) return WAMP_ETRUNCATED;
    if (n > UINT32_MAX) return WAMP_ETOOBIG;
    if (!n) return put(m->b, map ? "{}" : "[]", 2);
    int rc = put(m->b, map ? "{" : "[", 1);
    if (rc) return rc;
    mframe *f = &m->st[m->depth++];
    f->left = map ? 2 * n : n;
    f->idx = 0;
    f->map = map;
    f->keybase = m->nkeys;
    m->pending += f->left;
    *opened = true;
    return WAMP_OK;
}

/* A str or bin of n bytes at the cursor (dec_span()). */
static inline int m_span(mstate *m, uint64_t n, bool text)
{
    if (n > m_avail(m)) return WAMP_ETRUNCATED;
    const uint8_t *p = m->s;
    m->s += n;
    if (!text) return wamp__json_write_bytes(m->b, p, (size_t)n);
    /* WAMP_EUTF8 exactly when the decoder's check fails (the same wamp__utf8_seq) */
    return wamp__json_write_string(m->b, p, (size_t)n);
}

static int m_run(mstate *m, int *enc_err)
{
    int rc;
    for (;;) {
        if (m->depth) {
            mframe *f = &m->st[m->depth - 1];
            uint64_t i = f->idx++;
            f->left--;
            m->pending--;
            if (f->map) {
                if (!(i & 1)) {
                    if (i && (rc = put(m->b, ",", 1))) return rc;
                    if ((rc = m_key(m))) return rc;
                    continue; /* its value is due next */
                }
            } else if (i && (rc = put(m->b, ",", 1))) {
                return rc;
            }
        }
        if (m_avail(m) < 1) return WAMP_ETRUNCATED;
        uint8_t b = *m->s++;
        uint64_t u;
        bool opened;
        if (b <= 0x7f) {
            rc = put_small(m->b, b);
        } else if (b >= 0xe0) {
            rc = wamp__json_write_int(m->b, (int8_t)b);
        } else if (b <= 0x9f) {
            rc = m_open(m, b <= 0x8f, b & 15u, &opened);
            if (!rc && opened) continue;
        } else if (b <= 0xbf) {
            rc = m_span(m, b & 31u, true);
        } else if (b == 0xcb) {
            if ((rc = m_rd_be(m, 8, &u))) return rc;
            double x;
            memcpy(&x, &u, 8);
            rc = wamp__json_write_double(m->b, x);
            if (rc == WAMP_ENUMBER) {
                if (!*enc_err) *enc_err = rc;
                rc = WAMP_OK;
            }
        } else if (b == 0xc2 || b == 0xc3) {
            rc = b == 0xc3 ? put(m->b, "true", 4) : put(m->b, "false", 5);
        } else if (b >= 0xcc && b <= 0xcf) {
            if ((rc = m_rd_be(m, 1u << (b - 0xcc), &u))) return rc;
            rc = wamp__json_write_uint(m->b, u);
        } else {
            switch (b) {
            case 0xc0: rc = put(m->b, "null", 4); break;
            case 0xc1: return WAMP_ESYNTAX;
            case 0xc4:
            case 0xc5:
            case 0xc6:
                if ((rc = m_rd_be(m, 1u << (b - 0xc4), &u))) return rc;
                rc = m_span(m, u, false);
                break;
            case 0xc7:
            case 0xc8:
            case 0xc9:
            case 0xd4:
            case 0xd5:
            case 0xd6:
            case 0xd7:
            case 0xd8: return WAMP_EEXTTYPE;
            case 0xca: {
                if ((rc = m_rd_be(m, 4, &u))) return rc;
                uint32_t bits = (uint32_t)u;
                float fl;
                memcpy(&fl, &bits, 4);
                rc = wamp__json_write_double(m->b, (double)fl);
                if (rc == WAMP_ENUMBER) {
                    if (!*enc_err) *enc_err = rc;
                    rc = WAMP_OK;
                }
                break;
            }
            case 0xd0:
            case 0xd1:
            case 0xd2:
            case 0xd3: {
                unsigned w = 1u << (b - 0xd0);
                if ((rc = m_rd_be(m, w, &u))) return rc;
                int64_t i = w == 1   ? (int8_t)u
                            : w == 2 ? (int16_t)u
                            : w == 4 ? (int32_t)u
                                     : (int64_t)u;
                rc = wamp__json_write_int(m->b, i);
                break;
            }
            case 0xd9:
            case 0xda:
            case 0xdb:
                if ((rc = m_rd_be(m, 1u << (b - 0xd9), &u))) return rc;
                rc = m_span(m, u, true);
                break;
            default: /* 0xdc..0xdf */
                if ((rc = m_rd_be(m, (b & 1u) ? 4 : 2, &u))) return rc;
                rc = m_open(m, b >= 0xde, u, &opened);
                if (!rc && opened) continue;
            }
        }
        if (rc) return rc;
        /* a complete value: close the containers it completes */
        while (m->depth && m->st[m->depth - 1].left == 0) {
            mframe *f = &m->st[m->depth - 1];
            if (f->map) {
                size_t n = m->nkeys - f->keybase;
                if ((rc = wamp__bin_keys_unique(&m->keys[f->keybase], sizeof(wamp_str), n)))
                    return rc;
                m->nkeys = f->keybase;
            }
            if ((rc = put(m->b, f->map ? "}" : "]", 1))) return rc;
            m->depth--;
        }
        if (!m->depth) return WAMP_OK;
    }
}

static int msgpack_to_json(const uint8_t *raw, size_t len, wamp_buf *out)
{
    if (len > WAMP_DEFAULT_MAX_SIZE) return WAMP_ETOOBIG;
    if (len == 0) return WAMP_ETRUNCATED;
    /* a size hint only: every write checks its room */
    if (wamp_buf_reserve(out, len + len / 2 + 16)) return WAMP_ENOMEM;
    mstate m;
    m.s = raw;
    m.end = raw + len;
    m.pending = 0;
    m.b = out;
    m.keys = m.lkeys;
    m.nkeys = 0;
    m.capkeys = LOCAL_KEYS;
    m.depth = 0;
    int enc_err = WAMP_OK;
    int rc = m_run(&m, &enc_err);
    if (m.keys != m.lkeys) free(m.keys);
    if (rc) return rc;
    if (m.s != m.end) return WAMP_ETRAILING;
    return enc_err;
}

int wamp__json_transcode_from(wamp_serializer_id from, const uint8_t *raw, size_t len,
                              wamp_buf *out)
{
    if (!raw && len) return WAMP_EINVAL;
    switch (from) {
    case WAMP_SER_MSGPACK: return msgpack_to_json(raw, len, out);
    default: return wamp__bin_transcode_tree(from, raw, len, WAMP_SER_JSON, out);
    }
}
