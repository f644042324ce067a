/* Framer base: output, events, pings, the public wamp_framer_* entry points. */
#include "transport/framer.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- byte buffer */

int wamp__tbuf_grow(wamp__tbuf *b, size_t extra)
{
    if (extra <= b->cap - b->len) return WAMP_OK;
    if (extra > SIZE_MAX / 2 - b->len) return WAMP_ENOMEM;
    size_t need = b->len + extra;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    uint8_t *p = realloc(b->data, cap);
    if (!p) return WAMP_ENOMEM;
    b->data = p;
    b->cap = cap;
    return WAMP_OK;
}

int wamp__tbuf_append(wamp__tbuf *b, const void *data, size_t n)
{
    if (n == 0) return WAMP_OK;
    int rc = wamp__tbuf_reserve(b, n);
    if (rc) return rc;
    memcpy(b->data + b->len, data, n);
    b->len += n;
    return WAMP_OK;
}

void wamp__tbuf_consume(wamp__tbuf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

void wamp__tbuf_free(wamp__tbuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* ---------------------------------------------------------------- helpers */

bool wamp__ascii_ieqn(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z') x = (unsigned char)(x + 32);
        if (y >= 'A' && y <= 'Z') y = (unsigned char)(y + 32);
        if (x != y) return false;
        if (x == 0) return true;
    }
    return true;
}

bool wamp__ascii_ieq(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    return la == lb && wamp__ascii_ieqn(a, b, la);
}

bool wamp__utf8_feed(wamp__utf8 *u, const uint8_t *s, size_t n)
{
    if (u->bad) return false;
    size_t i = 0;
    while (i < n) {
        if (u->need == 0) {
            /* ASCII fast path, 32 then 8 bytes at a time */
            while (i + 32 <= n) {
                uint64_t w[4];
                memcpy(w, s + i, 32);
                if ((w[0] | w[1] | w[2] | w[3]) & 0x8080808080808080ull) break;
                i += 32;
            }
            while (i + 8 <= n) {
                uint64_t w;
                memcpy(&w, s + i, 8);
                if (w & 0x8080808080808080ull) break;
                i += 8;
            }
            if (i >= n) break;
            uint8_t c = s[i++];
            if (c < 0x80) continue;
            if (c < 0xC2 || c > 0xF4) goto bad;
            if (c < 0xE0) {
                u->need = 1, u->lo = 0x80, u->hi = 0xBF;
            } else if (c < 0xF0) {
                u->need = 2;
                u->lo = c == 0xE0 ? 0xA0 : 0x80;
                u->hi = c == 0xED ? 0x9F : 0xBF;
            } else {
                u->need = 3;
                u->lo = c == 0xF0 ? 0x90 : 0x80;
                u->hi = c == 0xF4 ? 0x8F : 0xBF;
            }
        } else {
            uint8_t c = s[i++];
            if (c < u->lo || c > u->hi) goto bad;
            u->need--;
            u->lo = 0x80, u->hi = 0xBF;
        }
    }
    return true;
bad:
    u->bad = true;
    return false;
}

/* ---------------------------------------------------------------- base */

void wamp__framer_init(wamp_framer *f, const wamp__framer_ops *ops, bool is_server,
                       wamp_channel_framing framing, const wamp_framer_cbs *cbs, void *user)
{
    f->ops = ops;
    if (cbs) f->cbs = *cbs;
    f->user = user;
    f->state = WAMP_FRAMER_INIT;
    f->is_server = is_server;
    f->framing = framing;
}

int wamp__framer_emit(wamp_framer *f, const void *data, size_t len)
{
    if (len == 0) return WAMP_OK;
    f->stats.bytes_out += len;
    if (f->cbs.on_write) {
        f->cbs.on_write(f, f->user, data, len);
        return WAMP_OK;
    }
    return wamp__tbuf_append(&f->out, data, len);
}

void wamp__framer_open(wamp_framer *f)
{
    f->state = WAMP_FRAMER_OPEN;
    if (f->cbs.on_open) f->cbs.on_open(f, f->user);
}

void wamp__framer_error(wamp_framer *f, int err, const char *detail)
{
    if (f->state == WAMP_FRAMER_CLOSED) return;
    if (f->cbs.on_error) f->cbs.on_error(f, f->user, err, detail);
}

void wamp__framer_closed(wamp_framer *f, int code, const char *reason, size_t rlen, bool clean)
{
    if (f->state == WAMP_FRAMER_CLOSED) return;
    f->state = WAMP_FRAMER_CLOSED;
    if (f->cbs.on_close) f->cbs.on_close(f, f->user, code, reason ? reason : "", rlen, clean);
}

int wamp__framer_handshake(wamp_framer *f, const wamp_handshake_info *info)
{
    if (!f->cbs.on_handshake) return 0;
    f->in_handshake_cb = true;
    int v = f->cbs.on_handshake(f, f->user, info);
    f->in_handshake_cb = false;
    return v;
}

int wamp__framer_ping_sent(wamp_framer *f, const uint8_t *data, size_t len)
{
    f->stats.pings_out++;
    if (f->npings == WAMP__MAX_PINGS) {
        /* forget the oldest: the heartbeat has failed long before this */
        free(f->pings[0].data);
        memmove(&f->pings[0], &f->pings[1], sizeof f->pings[0] * (WAMP__MAX_PINGS - 1));
        f->npings--;
    }
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy) return WAMP_ENOMEM;
    if (len) memcpy(copy, data, len);
    f->pings[f->npings].data = copy;
    f->pings[f->npings].len = len;
    f->npings++;
    return WAMP_OK;
}

void wamp__framer_pong_received(wamp_framer *f, const uint8_t *data, size_t len)
{
    f->stats.pongs_in++;
    if (f->hb_pending && len == 8) {
        uint8_t want[8];
        for (int i = 0; i < 8; i++)
            want[i] = (uint8_t)(f->hb_count >> (56 - 8 * i));
        if (!memcmp(want, data, 8)) f->hb_pending = false;
    }
    /* A pong answers the ping it echoes and every older one: a peer may answer only the most
     * recent of several pings (RFC 6455 §5.5.3). */
    for (unsigned i = 0; i < f->npings; i++) {
        if (f->pings[i].len != len || (len && memcmp(f->pings[i].data, data, len) != 0)) continue;
        for (unsigned j = 0; j <= i; j++)
            free(f->pings[j].data);
        memmove(&f->pings[0], &f->pings[i + 1], sizeof f->pings[0] * (f->npings - i - 1));
        f->npings -= i + 1;
        break;
    }
    if (f->cbs.on_pong) f->cbs.on_pong(f, f->user, data, len);
}

/* ---------------------------------------------------------------- public */

void wamp_framer_free(wamp_framer *f)
{
    if (!f) return;
    if (f->ops->destroy) f->ops->destroy(f);
    for (unsigned i = 0; i < f->npings; i++)
        free(f->pings[i].data);
    wamp__tbuf_free(&f->out);
    free(f);
}

int wamp_framer_start(wamp_framer *f)
{
    if (!f) return WAMP_EINVAL;
    if (f->started) return WAMP_ESTATE;
    f->started = true;
    return f->ops->start(f);
}

int wamp_framer_feed(wamp_framer *f, const uint8_t *data, size_t len)
{
    if (!f || (!data && len)) return WAMP_EINVAL;
    if (f->state == WAMP_FRAMER_CLOSED) return WAMP_ECLOSED;
    f->stats.bytes_in += len;
    return f->ops->feed(f, data, len);
}

int wamp_framer_eof(wamp_framer *f)
{
    if (!f) return WAMP_EINVAL;
    if (f->state == WAMP_FRAMER_CLOSED) return WAMP_OK;
    return f->ops->eof(f);
}

int wamp_framer_send(wamp_framer *f, const uint8_t *data, size_t len)
{
    if (!f || (!data && len)) return WAMP_EINVAL;
    return wamp__framer_send(f, data, len);
}

int wamp_framer_ping(wamp_framer *f, const uint8_t *payload, size_t len)
{
    if (!f || (!payload && len)) return WAMP_EINVAL;
    if (!f->ops->ping) return WAMP_EUNSUPPORTED;
    if (f->state != WAMP_FRAMER_OPEN) return WAMP_ESTATE;
    return f->ops->ping(f, payload, len);
}

unsigned wamp_framer_pings_outstanding(const wamp_framer *f)
{
    return f ? f->npings : 0;
}

int wamp_framer_heartbeat(wamp_framer *f)
{
    if (!f) return WAMP_EINVAL;
    if (f->state != WAMP_FRAMER_OPEN) return WAMP_ESTATE;
    if (!f->ops->ping) return WAMP_OK;
    if (f->hb_pending) return WAMP_ETIMEOUT;
    bool alive = f->stats.bytes_in != f->hb_rx_mark;
    f->hb_rx_mark = f->stats.bytes_in;
    if (alive) return WAMP_OK;
    f->hb_count++;
    uint8_t p[8];
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(f->hb_count >> (56 - 8 * i));
    int rc = f->ops->ping(f, p, 8);
    if (rc == WAMP_OK) f->hb_pending = true;
    return rc;
}

int wamp_framer_close(wamp_framer *f, int code, const char *reason)
{
    if (!f) return WAMP_EINVAL;
    if (f->state == WAMP_FRAMER_CLOSING || f->state == WAMP_FRAMER_CLOSED) return WAMP_ECLOSED;
    return f->ops->close(f, code, reason);
}

void wamp_framer_output(const wamp_framer *f, const uint8_t **data, size_t *len)
{
    *data = f->out.data;
    *len = f->out.len;
}

void wamp_framer_output_consume(wamp_framer *f, size_t n)
{
    wamp__tbuf_consume(&f->out, n);
}

size_t wamp_framer_output_pending(const wamp_framer *f)
{
    return f->out.len;
}

int wamp_framer_add_header(wamp_framer *f, const char *name, const char *value)
{
    if (!f || !name || !value) return WAMP_EINVAL;
    if (!f->add_header || !f->in_handshake_cb || !f->is_server) return WAMP_ESTATE;
    return f->add_header(f, name, value);
}

wamp_framer_state wamp_framer_get_state(const wamp_framer *f)
{
    return f->state;
}
wamp_channel_framing wamp_framer_framing(const wamp_framer *f)
{
    return f->framing;
}
bool wamp_framer_is_server(const wamp_framer *f)
{
    return f->is_server;
}
wamp_serializer_id wamp_framer_serializer(const wamp_framer *f)
{
    return f->serializer;
}
bool wamp_framer_batched(const wamp_framer *f)
{
    return f->batched;
}
uint32_t wamp_framer_peer_max_message_size(const wamp_framer *f)
{
    return f->peer_max;
}
const char *wamp_framer_protocol(const wamp_framer *f)
{
    return f->protocol;
}
const char *wamp_framer_extensions(const wamp_framer *f)
{
    return f->extensions;
}
const wamp_http_message *wamp_framer_http_received(const wamp_framer *f)
{
    return f->http_in;
}
const wamp_http_message *wamp_framer_http_sent(const wamp_framer *f)
{
    return f->http_out;
}
void *wamp_framer_user(const wamp_framer *f)
{
    return f->user;
}
void wamp_framer_get_stats(const wamp_framer *f, wamp_framer_stats *out)
{
    *out = f->stats;
}

wamp_channel_framing wamp_framing_sniff(const uint8_t *data, size_t len)
{
    if (!data || len == 0) return WAMP_FRAMING_NONE;
    return data[0] == 0x7F ? WAMP_FRAMING_RAWSOCKET : WAMP_FRAMING_WEBSOCKET;
}

void wamp_framer_fill_details(const wamp_framer *f, wamp_transport_details *d)
{
    if (f->channel_type != WAMP_CHANNEL_NONE) d->channel_type = f->channel_type;
    d->channel_framing = f->framing;
    d->channel_serializer = f->serializer;
    d->batched = f->batched;
    d->is_server = f->is_server ? 1 : 0;
    d->websocket_protocol = f->protocol;
    d->websocket_extensions_in_use = f->extensions;
    d->http_headers_received = f->http_in;
    d->http_headers_sent = f->http_out;
    if (f->http_in && f->is_server) d->http_cbtid = wamp_http_cookie(f->http_in, "cbtid");
}
