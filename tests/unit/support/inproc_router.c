/* In-process router for tests (see inproc_router.h). */
#include "inproc_router.h"

#include <stdlib.h>

typedef struct wt_conn {
    struct wt_conn *next;
    wt_router *r;
    wamp_transport *t;
    wamp_router_session *s;
    wamp_buf out;
    bool closing;
} wt_conn;

struct wt_router {
    wamp_loop *loop;
    wamp_router *router;
    wamp_listener *l;
    wamp_timer *tick;
    wt_conn *conns;
    size_t nconns, accepted;
};

static void unlink_conn(wt_conn *c)
{
    for (wt_conn **pp = &c->r->conns; *pp; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    }
    c->r->nconns--;
}

static void conn_free(wt_conn *c)
{
    unlink_conn(c);
    wamp_router_session_free(c->s);
    wamp_buf_free(&c->out);
    free(c);
}

static void s_output(wamp_router_session *s, void *user)
{
    wt_conn *c = user;
    while (wamp_router_session_pop(s, &c->out))
        wamp_transport_send(c->t, c->out.data, c->out.len);
}

static void s_close(wamp_router_session *s, const char *reason, void *user)
{
    (void)reason;
    wt_conn *c = user;
    s_output(s, c);
    c->closing = true;
    wamp_transport_close(c->t, 1000, NULL);
}

static void t_message(wamp_transport *t, const uint8_t *data, size_t len, void *user)
{
    (void)t;
    wt_conn *c = user;
    if (!c->closing) wamp_router_session_receive(c->s, data, len);
}

static void t_close(wamp_transport *t, int status, int code, const char *reason, void *user)
{
    (void)t;
    (void)status;
    (void)code;
    (void)reason;
    conn_free(user);
}

static void on_accept(wamp_listener *l, wamp_transport *t, void *user)
{
    (void)l;
    wt_router *r = user;
    static const wamp_transport_callbacks tcbs = {t_message, NULL, t_close};
    static const wamp_router_session_cbs scbs = {s_output, s_close};
    const wamp_serializer_info *ser =
        wamp_serializer_by_id(wamp_transport_serializer(t), wamp_transport_batched(t));
    wt_conn *c = calloc(1, sizeof *c);
    if (!c || !ser || wamp_router_session_new(r->router, ser, &scbs, c, "test", &c->s)) {
        free(c);
        wamp_transport_free(t);
        return;
    }
    c->r = r;
    c->t = t;
    c->next = r->conns;
    r->conns = c;
    r->nconns++;
    r->accepted++;
    wamp_transport_set_callbacks(t, &tcbs, c);
}

static void on_tick(wamp_timer *t, void *user)
{
    (void)t;
    wt_router *r = user;
    wamp_router_tick(r->router, wamp_loop_now(r->loop));
}

wt_router *wt_router_start(wamp_loop *loop)
{
    wt_router *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->loop = loop;
    wamp_listener_options lo = {0};
    if (wamp_router_new(NULL, &r->router) || wamp_router_add_realm(r->router, "realm1") ||
        wamp_listener_new(loop, &lo, on_accept, r, &r->l) ||
        wamp_timer_new(loop, on_tick, r, &r->tick)) {
        wt_router_free(r);
        return NULL;
    }
    wamp_router_tick(r->router, wamp_loop_now(loop));
    wamp_timer_start(r->tick, 20, 20);
    return r;
}

uint16_t wt_router_port(const wt_router *r)
{
    return wamp_listener_port(r->l);
}

size_t wt_router_connections(const wt_router *r)
{
    return r->nconns;
}

size_t wt_router_accepted(const wt_router *r)
{
    return r->accepted;
}

void wt_router_drop_all(wt_router *r)
{
    while (r->conns) {
        wt_conn *c = r->conns;
        wamp_transport_free(c->t);
        conn_free(c);
    }
}

void wt_router_stop_listening(wt_router *r)
{
    wamp_listener_free(r->l);
    r->l = NULL;
}

void wt_router_free(wt_router *r)
{
    if (!r) return;
    wt_router_drop_all(r);
    wamp_listener_free(r->l);
    wamp_timer_free(r->tick);
    if (r->router) wamp_router_free(r->router);
    free(r);
}
