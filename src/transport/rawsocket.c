/*
 * RawSocket framing (WAMP spec "RawSocket Transport"): 4-octet handshake, 4-octet frame
 * headers RRRR XTTT + 24-bit length, the X bit standing for a length of exactly 2^24.
 *
 * Differences from Autobahn|Python (asyncio/rawsocket.py), which we read for the facts:
 * Autobahn takes the low 3 bits as the type and the 24 low length bits only, ignoring the
 * RRRR and X bits (a 2^24 frame would read as length 0 there); we reject reserved bits and
 * honour X, as the spec says. Like Autobahn, we fail a frame larger than our announced limit
 * and refuse to send one larger than the peer's.
 */
#include "transport/framer.h"

#include <stdlib.h>
#include <string.h>

#define RS_MAGIC 0x7F
enum { RS_REGULAR = 0, RS_PING = 1, RS_PONG = 2 };

typedef struct rs_framer {
    wamp_framer base;
    wamp_rawsocket_options opts;
    unsigned own_exp;
    uint32_t own_max;
    uint8_t hs[4];
    size_t hslen;
    wamp__tbuf in;
} rs_framer;

unsigned wamp_rawsocket_length_exponent(uint32_t max_message_size)
{
    if (max_message_size == 0) return 15;
    unsigned e = 0;
    while (e < 15 && (1u << (9 + e)) < max_message_size)
        e++;
    return e;
}

static void rs_header(uint8_t h[4], unsigned type, size_t len)
{
    h[0] = (uint8_t)(type | (len == (1u << 24) ? 0x08 : 0));
    h[1] = (uint8_t)(len >> 16);
    h[2] = (uint8_t)(len >> 8);
    h[3] = (uint8_t)len;
}

static int rs_write_frame(wamp_framer *f, unsigned type, const uint8_t *data, size_t len)
{
    uint8_t h[4];
    rs_header(h, type, len);
    uint8_t *out = wamp__framer_emit_buffer(f, 4 + len); /* header + payload in one copy */
    if (out) {
        memcpy(out, h, 4);
        wamp__copy(out + 4, data, len);
        return WAMP_OK;
    }
    int rc = wamp__framer_emit(f, h, 4);
    if (rc == WAMP_OK) rc = wamp__framer_emit(f, data, len);
    return rc;
}

static int rs_fail(wamp_framer *f, int err, int code, const char *detail)
{
    wamp__framer_error(f, err, detail);
    wamp__framer_closed(f, code, detail, strlen(detail), false);
    return err;
}

static const char *rs_error_text(unsigned code)
{
    switch (code) {
    case WAMP_RAWSOCKET_ERR_SERIALIZER: return "rawsocket: serializer unsupported";
    case WAMP_RAWSOCKET_ERR_MAX_LEN: return "rawsocket: maximum message length unacceptable";
    case WAMP_RAWSOCKET_ERR_RESERVED: return "rawsocket: use of reserved bits";
    case WAMP_RAWSOCKET_ERR_MAX_CONNECTIONS: return "rawsocket: maximum connection count reached";
    default: return "rawsocket: handshake refused";
    }
}

/* Server: sends the error reply and closes. */
static int rs_refuse(wamp_framer *f, unsigned code)
{
    uint8_t r[4] = {RS_MAGIC, (uint8_t)(code << 4), 0, 0};
    wamp__framer_emit(f, r, 4);
    return rs_fail(f, WAMP_EHANDSHAKE, (int)code, rs_error_text(code));
}

static int rs_server_handshake(rs_framer *rs)
{
    wamp_framer *f = &rs->base;
    const uint8_t *h = rs->hs;
    if (h[0] != RS_MAGIC) return rs_fail(f, WAMP_EHANDSHAKE, 1002, "rawsocket: bad magic octet");
    if (h[2] || h[3]) return rs_refuse(f, WAMP_RAWSOCKET_ERR_RESERVED);
    unsigned ser = h[1] & 0x0F, lexp = h[1] >> 4;
    uint32_t mask = rs->opts.serializers ? rs->opts.serializers : 0x3Eu; /* ids 1..5 */
    if (ser == 0 || ser > 15 || !(mask & (1u << ser)))
        return rs_refuse(f, WAMP_RAWSOCKET_ERR_SERIALIZER);
    uint32_t peer_max = 1u << (9 + lexp);
    if (peer_max < rs->opts.min_peer_max_message_size)
        return rs_refuse(f, WAMP_RAWSOCKET_ERR_MAX_LEN);
    wamp_handshake_info info = {.framing = WAMP_FRAMING_RAWSOCKET,
                                .is_server = true,
                                .serializer = (wamp_serializer_id)ser,
                                .peer_max_message_size = peer_max};
    int v = wamp__framer_handshake(f, &info);
    if (f->state == WAMP_FRAMER_CLOSED) return WAMP_ECLOSED;
    if (v != 0) return rs_refuse(f, v >= 1 && v <= 15 ? (unsigned)v : 4u);
    uint8_t r[4] = {RS_MAGIC, (uint8_t)((rs->own_exp << 4) | ser), 0, 0};
    int rc = wamp__framer_emit(f, r, 4);
    if (rc) return rs_fail(f, rc, 1011, "rawsocket: out of memory");
    f->serializer = (wamp_serializer_id)ser;
    f->peer_max = peer_max;
    wamp__framer_open(f);
    return WAMP_OK;
}

static int rs_client_handshake(rs_framer *rs)
{
    wamp_framer *f = &rs->base;
    const uint8_t *h = rs->hs;
    if (h[0] != RS_MAGIC) return rs_fail(f, WAMP_EHANDSHAKE, 1002, "rawsocket: bad magic octet");
    unsigned ser = h[1] & 0x0F, hi = h[1] >> 4;
    if (ser == 0) {
        /* error reply; code 0 is illegal but we report it as given */
        wamp__framer_error(f, WAMP_EHANDSHAKE, rs_error_text(hi));
        const char *t = rs_error_text(hi);
        wamp__framer_closed(f, (int)hi, t, strlen(t), false);
        return WAMP_EHANDSHAKE;
    }
    if (h[2] || h[3])
        return rs_fail(f, WAMP_EHANDSHAKE, 1002, "rawsocket: reserved octets set in reply");
    if (ser != (unsigned)rs->opts.serializer)
        return rs_fail(f, WAMP_EHANDSHAKE, 1002, "rawsocket: router answered another serializer");
    uint32_t peer_max = 1u << (9 + hi);
    wamp_handshake_info info = {.framing = WAMP_FRAMING_RAWSOCKET,
                                .is_server = false,
                                .serializer = (wamp_serializer_id)ser,
                                .peer_max_message_size = peer_max};
    int v = wamp__framer_handshake(f, &info);
    if (f->state == WAMP_FRAMER_CLOSED) return WAMP_ECLOSED;
    if (v != 0) return rs_fail(f, WAMP_EHANDSHAKE, 1002, "rawsocket: handshake rejected");
    f->serializer = (wamp_serializer_id)ser;
    f->peer_max = peer_max;
    wamp__framer_open(f);
    return WAMP_OK;
}

/* Parses whole frames in p[0..n); *used receives the bytes consumed. */
static int rs_frames(rs_framer *rs, const uint8_t *p, size_t n, size_t *used)
{
    wamp_framer *f = &rs->base;
    size_t off = 0;
    int rc = WAMP_OK;
    while (f->state == WAMP_FRAMER_OPEN && n - off >= 4) {
        const uint8_t *h = p + off;
        uint32_t low = ((uint32_t)h[1] << 16) | ((uint32_t)h[2] << 8) | h[3];
        if (h[0] == RS_REGULAR && low <= rs->own_max && n - off - 4 >= low) {
            /* the common frame: a whole regular message within our limit */
            off += 4 + (size_t)low;
            wamp__framer_message(f, h + 4, low, f->serializer != WAMP_SER_JSON);
            continue;
        }
        if (h[0] & 0xF0) {
            rc = rs_fail(f, WAMP_EFRAME, 1002, "rawsocket: reserved bits set in frame header");
            break;
        }
        unsigned type = h[0] & 0x07;
        if (type > RS_PONG) {
            rc = rs_fail(f, WAMP_EFRAME, 1002, "rawsocket: reserved frame type");
            break;
        }
        if ((h[0] & 0x08) && low) {
            rc = rs_fail(f, WAMP_EFRAME, 1002, "rawsocket: frame length above 2^24");
            break;
        }
        uint32_t len = (h[0] & 0x08) ? (1u << 24) : low;
        if (len > rs->own_max) {
            rc = rs_fail(f, WAMP_ETOOBIG, 1009, "rawsocket: frame larger than our limit");
            break;
        }
        if (n - off - 4 < len) break;
        const uint8_t *pl = h + 4;
        off += 4 + (size_t)len;
        if (type == RS_REGULAR) {
            wamp__framer_message(f, pl, len, f->serializer != WAMP_SER_JSON);
        } else if (type == RS_PING) {
            f->stats.pings_in++;
            if (len > f->peer_max) {
                rc = rs_fail(f, WAMP_ETOOBIG, 1009, "rawsocket: ping too large to echo");
                break;
            }
            rc = rs_write_frame(f, RS_PONG, pl, len);
            if (rc) {
                rs_fail(f, rc, 1011, "rawsocket: out of memory");
                break;
            }
            f->stats.pongs_out++;
            if (f->cbs.on_ping) f->cbs.on_ping(f, f->user, pl, len);
        } else {
            wamp__framer_pong_received(f, pl, len);
        }
    }
    *used = off;
    return rc;
}

static int rs_feed(wamp_framer *f, const uint8_t *data, size_t len)
{
    rs_framer *rs = (rs_framer *)f;
    size_t off = 0;
    if (f->state == WAMP_FRAMER_INIT) {
        if (!f->is_server) return WAMP_ESTATE;
        f->state = WAMP_FRAMER_HANDSHAKE;
    }
    if (f->state == WAMP_FRAMER_HANDSHAKE) {
        size_t take = 4 - rs->hslen;
        if (take > len) take = len;
        memcpy(rs->hs + rs->hslen, data, take);
        rs->hslen += take;
        off = take;
        if (rs->hslen < 4) return WAMP_OK;
        int rc = f->is_server ? rs_server_handshake(rs) : rs_client_handshake(rs);
        if (rc) return rc;
    }
    if (f->state != WAMP_FRAMER_OPEN) return WAMP_OK;
    data += off;
    len -= off;
    size_t used = 0;
    int rc;
    if (rs->in.len == 0) {
        /* fast path: parse straight from the caller's bytes, keep only a partial frame */
        rc = rs_frames(rs, data, len, &used);
        if (rc == WAMP_OK && f->state == WAMP_FRAMER_OPEN && used < len) {
            rc = wamp__tbuf_append(&rs->in, data + used, len - used);
            if (rc) return rs_fail(f, rc, 1011, "rawsocket: out of memory");
        }
        return rc;
    }
    /* A partial frame waits in rs->in: complete just that frame from the new bytes (appending
     * the whole read would copy every byte received behind it), then parse the rest of the
     * read in place. */
    if (rs->in.len < 4) {
        size_t take = 4 - rs->in.len < len ? 4 - rs->in.len : len;
        rc = wamp__tbuf_append(&rs->in, data, take);
        if (rc) return rs_fail(f, rc, 1011, "rawsocket: out of memory");
        data += take;
        len -= take;
        if (rs->in.len < 4) return WAMP_OK;
    }
    const uint8_t *h = rs->in.data;
    uint32_t low = ((uint32_t)h[1] << 16) | ((uint32_t)h[2] << 8) | h[3];
    uint32_t flen = (h[0] & 0x08) ? (1u << 24) : low;
    bool bad =
        (h[0] & 0xF0) || (h[0] & 0x07) > RS_PONG || ((h[0] & 0x08) && low) || flen > rs->own_max;
    if (!bad) {
        size_t missing = 4 + (size_t)flen - rs->in.len;
        size_t take = missing < len ? missing : len;
        rc = wamp__tbuf_append(&rs->in, data, take);
        if (rc) return rs_fail(f, rc, 1011, "rawsocket: out of memory");
        data += take;
        len -= take;
        if (take < missing) return WAMP_OK;
    }
    /* one whole frame (or a header that fails) */
    rc = rs_frames(rs, rs->in.data, rs->in.len, &used);
    wamp__tbuf_consume(&rs->in, used);
    if (rc || f->state != WAMP_FRAMER_OPEN || len == 0) return rc;
    rc = rs_frames(rs, data, len, &used);
    if (rc == WAMP_OK && f->state == WAMP_FRAMER_OPEN && used < len) {
        rc = wamp__tbuf_append(&rs->in, data + used, len - used);
        if (rc) return rs_fail(f, rc, 1011, "rawsocket: out of memory");
    }
    return rc;
}

static int rs_start(wamp_framer *f)
{
    rs_framer *rs = (rs_framer *)f;
    if (f->state == WAMP_FRAMER_INIT) f->state = WAMP_FRAMER_HANDSHAKE;
    if (f->is_server) return WAMP_OK;
    uint8_t h[4] = {RS_MAGIC, (uint8_t)((rs->own_exp << 4) | (unsigned)rs->opts.serializer), 0, 0};
    return wamp__framer_emit(f, h, 4);
}

static int rs_eof(wamp_framer *f)
{
    rs_framer *rs = (rs_framer *)f;
    if (f->state == WAMP_FRAMER_OPEN && rs->in.len == 0)
        wamp__framer_closed(f, 1000, NULL, 0, false);
    else
        wamp__framer_closed(f, 1006, NULL, 0, false);
    return WAMP_OK;
}

static int rs_send(wamp_framer *f, const uint8_t *data, size_t len)
{
    if (len > f->peer_max) return WAMP_ETOOBIG;
    return rs_write_frame(f, RS_REGULAR, data, len);
}

static int rs_ping(wamp_framer *f, const uint8_t *payload, size_t len)
{
    if (len > f->peer_max) return WAMP_ETOOBIG;
    int rc = wamp__framer_ping_sent(f, payload, len);
    if (rc) return rc;
    return rs_write_frame(f, RS_PING, payload, len);
}

static int rs_close(wamp_framer *f, int code, const char *reason)
{
    if (f->is_server && f->state != WAMP_FRAMER_OPEN) {
        uint8_t r[4] = {RS_MAGIC, WAMP_RAWSOCKET_ERR_MAX_CONNECTIONS << 4, 0, 0};
        wamp__framer_emit(f, r, 4);
        wamp__framer_closed(f, WAMP_RAWSOCKET_ERR_MAX_CONNECTIONS, reason,
                            reason ? strlen(reason) : 0, true);
        return WAMP_OK;
    }
    wamp__framer_closed(f, code ? code : 1000, reason, reason ? strlen(reason) : 0, true);
    return WAMP_OK;
}

static void rs_destroy(wamp_framer *f)
{
    rs_framer *rs = (rs_framer *)f;
    wamp__tbuf_free(&rs->in);
}

static const wamp__framer_ops rs_ops = {
    .start = rs_start,
    .feed = rs_feed,
    .eof = rs_eof,
    .send = rs_send,
    .ping = rs_ping,
    .close = rs_close,
    .destroy = rs_destroy,
};

int wamp_rawsocket_new(wamp_framer **out, bool is_server, const wamp_rawsocket_options *opts,
                       const wamp_framer_cbs *cbs, void *user)
{
    if (!out) return WAMP_EINVAL;
    *out = NULL;
    wamp_rawsocket_options o = {0};
    if (opts) o = *opts;
    if (o.serializer == WAMP_SER_NONE) o.serializer = WAMP_SER_JSON;
    if ((unsigned)o.serializer > 15) return WAMP_EINVAL;
    rs_framer *rs = calloc(1, sizeof *rs);
    if (!rs) return WAMP_ENOMEM;
    wamp__framer_init(&rs->base, &rs_ops, is_server, WAMP_FRAMING_RAWSOCKET, cbs, user);
    rs->opts = o;
    rs->own_exp = wamp_rawsocket_length_exponent(o.max_message_size);
    rs->own_max = 1u << (9 + rs->own_exp);
    *out = &rs->base;
    return WAMP_OK;
}
