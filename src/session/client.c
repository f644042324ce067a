/* The client runtime adapter (client.h): a session over a net.h transport. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wamp/client.h"

#define SCRATCH_ARENA 1024 /* first block of the per-message scratch arena */

struct wamp_client {
    wamp_loop *loop;
    wamp_session *session;
    wamp_session_callbacks app; /* the application's callbacks */
    void *user;
    wamp_transport *transport;
    bool connecting;
    wamp_serializer *ser;
    wamp_timer *timer;
    wamp_arena *arena; /* scratch for one message in or out */
    wamp_buf out;
    int last_error;
};

static uint64_t loop_clock(void *user)
{
    return wamp_loop_now(((wamp_client *)user)->loop);
}

static void rearm(wamp_client *c)
{
    uint64_t dl;
    if (!wamp_session_next_deadline(c->session, &dl)) {
        wamp_timer_stop(c->timer);
        return;
    }
    uint64_t now = wamp_loop_now(c->loop);
    wamp_timer_start(c->timer, dl > now ? dl - now : 0, 0);
}

static void on_timer(wamp_timer *t, void *user)
{
    (void)t;
    wamp_client *c = user;
    wamp_session_tick(c->session, wamp_loop_now(c->loop));
    rearm(c);
}

static int c_send(void *user, const wamp_message *m)
{
    wamp_client *c = user;
    if (!c->transport || !c->ser) return WAMP_ECLOSED;
    /* may be called re-entrantly (a callback of a received message sends): its own arena */
    wamp_arena *a = wamp_arena_new(0);
    if (!a) return WAMP_ENOMEM;
    wamp_value v;
    wamp_buf b = {0};
    int rc = wamp_message_marshal(m, a, &v);
    if (!rc) rc = wamp_serializer_serialize(c->ser, &v, &b);
    if (!rc) rc = wamp_transport_send(c->transport, b.data, b.len);
    wamp_buf_free(&b);
    wamp_arena_free(a);
    rearm(c);
    return rc;
}

/* Session callbacks: forward to the application with its user pointer. */
static void c_connect(void *user, wamp_session *s)
{
    wamp_client *c = user;
    if (c->app.on_connect) c->app.on_connect(c->user, s);
}

static int c_challenge(void *user, wamp_session *s, const wamp_challenge *ch, wamp_arena *a,
                       wamp_value *sig, wamp_value *extra)
{
    wamp_client *c = user;
    return c->app.on_challenge(c->user, s, ch, a, sig, extra);
}

static int c_welcome(void *user, wamp_session *s, const wamp_session_details *d)
{
    wamp_client *c = user;
    return c->app.on_welcome ? c->app.on_welcome(c->user, s, d) : WAMP_OK;
}

static void c_join(void *user, wamp_session *s, const wamp_session_details *d)
{
    wamp_client *c = user;
    if (c->app.on_join) c->app.on_join(c->user, s, d);
}

static void c_leave(void *user, wamp_session *s, const wamp_close_details *d)
{
    wamp_client *c = user;
    if (c->app.on_leave) c->app.on_leave(c->user, s, d);
}

static void c_disconnect(void *user, wamp_session *s, bool clean)
{
    wamp_client *c = user;
    if (c->app.on_disconnect) c->app.on_disconnect(c->user, s, clean);
}

static void c_user_error(void *user, wamp_session *s, int code, const char *text)
{
    wamp_client *c = user;
    if (c->app.on_user_error) c->app.on_user_error(c->user, s, code, text);
}

/* Decodes one transport message into the scratch arena and hands it to the session. */
static void deliver(wamp_client *c, const uint8_t *data, size_t len)
{
    wamp_value *msgs;
    size_t n;
    wamp_session_tick(c->session, wamp_loop_now(c->loop));
    int rc = wamp_serializer_unserialize(c->ser, data, len, c->arena, NULL, &msgs, &n);
    if (rc) {
        char text[120];
        snprintf(text, sizeof text, "undecodable payload: %s", wamp_strerror(rc));
        wamp_session_abort(c->session, NULL, text);
        return;
    }
    for (size_t i = 0; i < n && c->transport; i++) {
        wamp_message m;
        wamp_msg_error e;
        rc = wamp_message_parse(&msgs[i], c->arena, &m, &e);
        if (rc) {
            wamp_session_abort(c->session, NULL, e.text);
            return;
        }
        wamp_session_receive(c->session, &m);
    }
    if (c->transport) rearm(c);
}

static void t_message(wamp_transport *t, const uint8_t *data, size_t len, void *user)
{
    (void)t;
    wamp_client *c = user;
    deliver(c, data, len);
    /* at once, not before the next message: blocks a big message (WELCOME) added are not
     * kept by an idle session */
    wamp_arena_reset(c->arena);
}

static void t_close(wamp_transport *t, int status, int code, const char *reason, void *user)
{
    (void)t;
    (void)code;
    (void)reason;
    wamp_client *c = user;
    c->transport = NULL; /* freed by the runtime when this returns */
    c->last_error = status;
    wamp_timer_stop(c->timer);
    wamp_session_transport_closed(c->session, status);
    wamp_serializer_free(c->ser);
    c->ser = NULL;
}

static void t_connected(wamp_transport *t, int status, void *user)
{
    wamp_client *c = user;
    c->connecting = false;
    c->last_error = status;
    if (status) {
        c->transport = NULL;
        if (c->app.on_disconnect) c->app.on_disconnect(c->user, c->session, false);
        return;
    }
    const wamp_serializer_info *info =
        wamp_serializer_by_id(wamp_transport_serializer(t), wamp_transport_batched(t));
    if (!info || wamp_serializer_new(info, &c->ser)) {
        c->last_error = WAMP_EUNSUPPORTED;
        wamp_transport_free(t);
        c->transport = NULL;
        if (c->app.on_disconnect) c->app.on_disconnect(c->user, c->session, false);
        return;
    }
    c->transport = t;
    /* TLS channel binding values for a cryptosign / wamp-scram join bound to the channel */
    wamp_session_set_channel_id(c->session, NULL, NULL, 0);
    wamp_stream_info si;
    wamp_stream_get_info(wamp_transport_stream(t), &si);
    if (si.is_secure && si.has_channel_id) {
        wamp_session_set_channel_id(c->session, "tls-unique", si.channel_id_tls_unique, 32);
        wamp_session_set_channel_id(c->session, "tls-exporter", si.channel_id_tls_exporter, 32);
    }
    /* Autobahn's SessionDetails.serializer / .transport (pointers live as long as t) */
    wamp_transport_details td;
    wamp_transport_details_init(&td);
    wamp_transport_get_details(t, &td);
    wamp_session_set_transport_details(c->session, &td);
    wamp_transport_callbacks cbs = {t_message, NULL, t_close};
    wamp_transport_set_callbacks(t, &cbs, c);
    wamp_session_tick(c->session, wamp_loop_now(c->loop));
    wamp_session_transport_open(c->session);
}

int wamp_client_new(wamp_loop *loop, const wamp_session_callbacks *cb, void *user,
                    wamp_client **out)
{
    if (!loop || !cb || !out) return WAMP_EINVAL;
    wamp_client *c = calloc(1, sizeof *c);
    if (!c) return WAMP_ENOMEM;
    c->loop = loop;
    c->app = *cb;
    c->user = user;
    wamp_session_callbacks mine = {c_send,       c_connect,   cb->on_challenge ? c_challenge : NULL,
                                   c_welcome,    c_join,      c_leave,
                                   c_disconnect, c_user_error};
    int rc = wamp_session_new(&mine, c, &c->session);
    if (!rc) rc = wamp_timer_new(loop, on_timer, c, &c->timer);
    /* The scratch arena's first block is kept for the client's life: 1 KiB holds a decoded
     * RPC or event message with a small payload (~200 B for a call with one 32 B argument);
     * bigger ones add blocks that the reset after that message frees again. */
    if (!rc && !(c->arena = wamp_arena_new(SCRATCH_ARENA))) rc = WAMP_ENOMEM;
    if (rc) {
        wamp_client_free(c);
        return rc;
    }
    wamp_session_set_clock(c->session, loop_clock, c);
    *out = c;
    return WAMP_OK;
}

int wamp_client_connect(wamp_client *c, const char *url, const wamp_transport_options *opts)
{
    if (!c || !url) return WAMP_EINVAL;
    if (c->transport || c->connecting) return WAMP_ESTATE;
    wamp_transport *t = NULL;
    int rc = wamp_transport_connect(c->loop, url, opts, t_connected, c, &t);
    if (rc) return rc;
    c->connecting = true;
    c->transport = t;
    return WAMP_OK;
}

wamp_session *wamp_client_session(wamp_client *c)
{
    return c ? c->session : NULL;
}

int wamp_client_transport_details(const wamp_client *c, wamp_transport_details *d)
{
    if (!c || !d) return WAMP_EINVAL;
    if (!c->transport || c->connecting) return WAMP_ESTATE;
    wamp_transport_details_init(d);
    wamp_transport_get_details(c->transport, d);
    return WAMP_OK;
}

int wamp_client_last_error(const wamp_client *c)
{
    return c ? c->last_error : WAMP_EINVAL;
}

void wamp_client_disconnect(wamp_client *c)
{
    if (c && c->transport && !c->connecting) wamp_transport_close(c->transport, 0, NULL);
}

void wamp_client_free(wamp_client *c)
{
    if (!c) return;
    wamp_transport *t = c->transport;
    c->transport = NULL;
    wamp_transport_free(t);
    wamp_session_free(c->session);
    wamp_timer_free(c->timer);
    wamp_serializer_free(c->ser);
    wamp_arena_free(c->arena);
    wamp_buf_free(&c->out);
    free(c);
}
