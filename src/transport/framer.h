/* Internal framer base shared by rawsocket.c, websocket.c and memory.c (see transport.h). */
#ifndef WAMP_TRANSPORT_FRAMER_H
#define WAMP_TRANSPORT_FRAMER_H

#include <wamp/transport.h>

#include <string.h>

/* A plain growable byte buffer (the transport's own, independent of wamp_buf's code). */
typedef struct wamp__tbuf {
    uint8_t *data;
    size_t len;
    size_t cap;
} wamp__tbuf;

int wamp__tbuf_grow(wamp__tbuf *b, size_t extra); /* the slow path of wamp__tbuf_reserve */
/* Makes room for extra more bytes. Returns WAMP_OK or WAMP_ENOMEM. Inline: the common case
 * (room already there) runs once per message. */
static inline int wamp__tbuf_reserve(wamp__tbuf *b, size_t extra)
{
    if (extra <= b->cap - b->len) return WAMP_OK;
    return wamp__tbuf_grow(b, extra);
}
int wamp__tbuf_append(wamp__tbuf *b, const void *data, size_t n);
void wamp__tbuf_consume(wamp__tbuf *b, size_t n); /* drops the first n bytes */
void wamp__tbuf_free(wamp__tbuf *b);

/* memcpy for the small payloads of the per-message path without a library call: sizes up to
 * 32 bytes move as two (possibly overlapping) loads and stores, larger ones go to memcpy.
 * Never touches bytes outside d[0..n). */
static inline void wamp__copy(uint8_t *d, const uint8_t *s, size_t n)
{
    if (n > 32) {
        memcpy(d, s, n);
    } else if (n >= 16) {
        uint64_t a[2], b[2];
        memcpy(a, s, 16);
        memcpy(b, s + n - 16, 16);
        memcpy(d, a, 16);
        memcpy(d + n - 16, b, 16);
    } else if (n >= 8) {
        uint64_t a, b;
        memcpy(&a, s, 8);
        memcpy(&b, s + n - 8, 8);
        memcpy(d, &a, 8);
        memcpy(d + n - 8, &b, 8);
    } else if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        memcpy(d, &a, 4);
        memcpy(d + n - 4, &b, 4);
    } else if (n) {
        uint8_t a = s[0], b = s[n / 2], c = s[n - 1];
        d[0] = a;
        d[n / 2] = b;
        d[n - 1] = c;
    }
}

typedef struct wamp__framer_ops {
    int (*start)(wamp_framer *f);
    int (*feed)(wamp_framer *f, const uint8_t *data, size_t len);
    int (*eof)(wamp_framer *f);
    int (*send)(wamp_framer *f, const uint8_t *data, size_t len);
    int (*ping)(wamp_framer *f, const uint8_t *payload, size_t len);
    int (*close)(wamp_framer *f, int code, const char *reason);
    void (*destroy)(wamp_framer *f); /* frees the implementation's state, not f itself */
} wamp__framer_ops;

#define WAMP__MAX_PINGS 8

struct wamp_framer {
    const wamp__framer_ops *ops;
    wamp_framer_cbs cbs;
    void *user;
    wamp_framer_state state;
    wamp_channel_framing framing;
    wamp_channel_type channel_type; /* memory pairs only; NONE otherwise */
    bool is_server;
    bool in_handshake_cb;
    bool started;
    wamp_serializer_id serializer;
    bool batched;
    uint32_t peer_max; /* RawSocket */
    wamp__tbuf out;    /* output, when cbs.on_write is NULL */
    wamp_framer_stats stats;
    /* outstanding pings (payload copies), oldest first */
    struct {
        uint8_t *data;
        size_t len;
    } pings[WAMP__MAX_PINGS];
    unsigned npings;
    /* heartbeat */
    uint64_t hb_rx_mark, hb_count;
    bool hb_pending;
    /* WebSocket (NULL otherwise) */
    const char *protocol;
    const char *extensions;
    const wamp_http_message *http_in;
    const wamp_http_message *http_out;
    int (*add_header)(wamp_framer *f, const char *name, const char *value);
};

/* wamp_framer_send() without the argument checks (f non-NULL, data non-NULL when len > 0):
 * for the runtime's per-message send path, which checked them already. */
static inline int wamp__framer_send(wamp_framer *f, const uint8_t *data, size_t len)
{
    if (f->state != WAMP_FRAMER_OPEN)
        return f->state == WAMP_FRAMER_CLOSING || f->state == WAMP_FRAMER_CLOSED ? WAMP_ECLOSED
                                                                                 : WAMP_ESTATE;
    int rc = f->ops->send(f, data, len);
    if (rc == WAMP_OK) {
        f->stats.messages_out++;
        f->stats.payload_out += len;
    }
    return rc;
}

/* Initialises the common part. */
void wamp__framer_init(wamp_framer *f, const wamp__framer_ops *ops, bool is_server,
                       wamp_channel_framing framing, const wamp_framer_cbs *cbs, void *user);

/* Emits bytes (on_write or output buffer). Returns WAMP_OK or WAMP_ENOMEM. */
int wamp__framer_emit(wamp_framer *f, const void *data, size_t len);

/* Space for len output bytes at the end of the output (on_write_buffer), counted as output;
 * NULL when the callback is not set or declines (then emit a copy with wamp__framer_emit).
 * Inline: it runs once per sent frame. */
static inline uint8_t *wamp__framer_emit_buffer(wamp_framer *f, size_t len)
{
    if (len == 0 || !f->cbs.on_write || !f->cbs.on_write_buffer) return NULL;
    uint8_t *p = f->cbs.on_write_buffer(f, f->user, len);
    if (p) f->stats.bytes_out += len;
    return p;
}

/* Event helpers: run the callback if set. */
void wamp__framer_open(wamp_framer *f);
/* Inline: it runs once per received message. */
static inline void wamp__framer_message(wamp_framer *f, const uint8_t *data, size_t len,
                                        bool binary)
{
    f->stats.messages_in++;
    f->stats.payload_in += len;
    if (f->cbs.on_message) f->cbs.on_message(f, f->user, data, len, binary);
}
void wamp__framer_error(wamp_framer *f, int err, const char *detail);
/* Moves to CLOSED and calls on_close (once). */
void wamp__framer_closed(wamp_framer *f, int code, const char *reason, size_t rlen, bool clean);
/* Calls on_handshake; returns its verdict (0 = accept). */
int wamp__framer_handshake(wamp_framer *f, const wamp_handshake_info *info);

/* Pings: remembers an outgoing ping payload; matches an incoming pong. */
int wamp__framer_ping_sent(wamp_framer *f, const uint8_t *data, size_t len);
void wamp__framer_pong_received(wamp_framer *f, const uint8_t *data, size_t len);

/* Incremental UTF-8 validation (Hoehrmann-style DFA, written out as explicit ranges).
 * state 0 = accept; WAMP__UTF8_REJECT = invalid; other = inside a sequence. */
#define WAMP__UTF8_REJECT 0xFFu
typedef struct wamp__utf8 {
    unsigned need;  /* continuation bytes still expected */
    uint8_t lo, hi; /* allowed range of the next continuation byte */
    bool bad;
} wamp__utf8;
/* Feeds bytes; returns false as soon as the input can no longer be valid UTF-8.
 * ASCII runs are skipped 32 bytes at a time. */
bool wamp__utf8_feed(wamp__utf8 *u, const uint8_t *s, size_t n);
/* True when the input ended on a code-point boundary. */
static inline bool wamp__utf8_complete(const wamp__utf8 *u)
{
    return !u->bad && u->need == 0;
}

/* ASCII case-insensitive compare of NUL-terminated strings / n bytes. */
bool wamp__ascii_ieq(const char *a, const char *b);
bool wamp__ascii_ieqn(const char *a, const char *b, size_t n);

#endif
