#include "support/transport_rec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void add(wt_rec *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (r->len < sizeof r->log) {
        int n = vsnprintf(r->log + r->len, sizeof r->log - r->len, fmt, ap);
        if (n > 0) r->len += (size_t)n;
        if (r->len >= sizeof r->log) r->len = sizeof r->log - 1;
    }
    va_end(ap);
}

static void add_hex(wt_rec *r, const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        add(r, "%02x", d[i]);
}

static int on_handshake(wamp_framer *f, void *user, const wamp_handshake_info *hs)
{
    wt_rec *r = user;
    add(r, "hs(%d,%d,%s,%u,%s);", (int)hs->serializer, hs->batched ? 1 : 0,
        hs->protocol ? hs->protocol : "-", (unsigned)hs->peer_max_message_size,
        hs->extensions ? hs->extensions : "-");
    if (r->add_header_name) wamp_framer_add_header(f, r->add_header_name, r->add_header_value);
    return r->reject;
}

static void on_open(wamp_framer *f, void *user)
{
    add(user, "open;");
}

static void on_message(wamp_framer *f, void *user, const uint8_t *d, size_t n, bool bin)
{
    wt_rec *r = user;
    add(r, "msg(%c):", bin ? 'b' : 't');
    add_hex(r, d, n);
    add(r, ";");
    if (r->echo) wamp_framer_send(f, d, n);
    if (r->close_on_msg) wamp_framer_close(f, 1000, "bye");
}

static void on_ping(wamp_framer *f, void *user, const uint8_t *d, size_t n)
{
    add(user, "ping:");
    add_hex(user, d, n);
    add(user, ";");
}

static void on_pong(wamp_framer *f, void *user, const uint8_t *d, size_t n)
{
    add(user, "pong:");
    add_hex(user, d, n);
    add(user, ";");
}

static void on_error(wamp_framer *f, void *user, int err, const char *detail)
{
    add(user, "err(%d);", err);
}

static void on_close(wamp_framer *f, void *user, int code, const char *reason, size_t rlen,
                     bool clean)
{
    add(user, "close(%d,%d,%.*s);", code, clean ? 1 : 0, (int)rlen, reason);
}

const wamp_framer_cbs wt_rec_cbs = {
    .on_handshake = on_handshake,
    .on_open = on_open,
    .on_message = on_message,
    .on_ping = on_ping,
    .on_pong = on_pong,
    .on_error = on_error,
    .on_close = on_close,
};

char *wt_drain_hex(wamp_framer *f)
{
    const uint8_t *d;
    size_t n;
    wamp_framer_output(f, &d, &n);
    char *s = malloc(2 * n + 1);
    for (size_t i = 0; i < n; i++)
        sprintf(s + 2 * i, "%02x", d[i]);
    s[2 * n] = '\0';
    wamp_framer_output_consume(f, n);
    return s;
}

char *wt_drain_text(wamp_framer *f, size_t *len)
{
    const uint8_t *d;
    size_t n;
    wamp_framer_output(f, &d, &n);
    char *s = malloc(n + 1);
    if (n) memcpy(s, d, n);
    s[n] = '\0';
    if (len) *len = n;
    wamp_framer_output_consume(f, n);
    return s;
}

int wt_counter_random(void *user, uint8_t *out, size_t n)
{
    unsigned *st = user;
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)((*st)++);
    return 0;
}
