/* Components (component.h): a reconnecting client with a table of handlers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wamp/component.h"
#include "common/str_int.h"

typedef struct centry {
    struct centry *next;
    struct wamp_component *owner;
    wamp_id handle; /* component handle */
    bool is_reg;
    char *uri;
    wamp_subscribe_opts sopts;
    wamp_register_opts ropts;
    wamp_event_cb on_event;
    wamp_invocation_cb on_invocation;
    void *user;
    wamp_id sh;    /* session handle while established (or pending) */
    bool pending;  /* SUBSCRIBE / REGISTER not answered yet */
    bool removed;  /* removed from the table while pending: freed when answered */
    bool in_ready; /* counted in the owner's ready_wait */
} centry;

typedef struct ctransport {
    char *url;
    wamp_transport_options opts;
    bool has_opts;
    const char *proto[1];
    wamp_component_retry retry;
    unsigned attempts; /* connection attempts since the last join */
    double delay;      /* current retry delay (ms) */
} ctransport;

enum conn_state { C_IDLE, C_CONNECTING, C_OPEN };
enum timer_what { T_NONE, T_RETRY, T_DONE };

struct wamp_component {
    wamp_loop *loop;
    wamp_client *client;
    wamp_timer *timer;
    enum timer_what timer_what;
    ctransport *tr;
    size_t ntr, cur;
    char *realm, *authid, *authrole;
    wamp_arena *arena; /* authextra copy */
    wamp_value authextra;
    bool has_authextra, resumable;
    wamp_authenticator *auth;
    double (*random)(void *user);
    void *random_user;
    uint64_t rng;
    wamp_component_callbacks cb;
    void *user;
    enum conn_state conn;
    bool running, stopping, first;
    int done_status;
    unsigned failures;
    centry *entries;
    wamp_id next_handle;
    size_t ready_wait;
    bool ready_pending, establishing, freeing;
};

void wamp_component_retry_defaults(wamp_component_retry *r)
{
    r->initial_retry_delay_ms = 1500;
    r->max_retry_delay_ms = 300000;
    r->retry_delay_growth = 1.5;
    r->retry_delay_jitter = 0.1;
    r->max_retries = -1;
}

static double default_random(void *user)
{
    uint64_t *state = user;
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1.0p-53;
}

static void user_error(wamp_component *c, int code, const char *text)
{
    if (c->cb.on_user_error) c->cb.on_user_error(c->user, c, code, text);
}

/* ---------------------------------------------------------------- retry scheduling */

static bool can_reconnect(const ctransport *t)
{
    return t->retry.max_retries < 0 || t->attempts < (unsigned)t->retry.max_retries + 1;
}

static double next_delay(wamp_component *c, ctransport *t)
{
    if (t->attempts == 0) return 0;
    double d = t->delay * t->retry.retry_delay_growth;
    double u = c->random(c->random_user);
    if (!(u >= 0 && u < 1)) u = 0.5; /* a broken source must not break the arithmetic */
    d += d * t->retry.retry_delay_jitter * (2 * u - 1);
    if (d > t->retry.max_retry_delay_ms) d = t->retry.max_retry_delay_ms;
    if (!(d > 0)) d = 0;
    t->delay = d;
    return d;
}

static void finish(wamp_component *c, int status)
{
    c->done_status = status;
    c->timer_what = T_DONE;
    wamp_timer_start(c->timer, 0, 0);
}

static void schedule_next(wamp_component *c)
{
    if (c->stopping) {
        finish(c, WAMP_OK);
        return;
    }
    size_t pick = c->ntr;
    for (size_t k = 1; k <= c->ntr; k++) {
        size_t i = (c->cur + k) % c->ntr;
        if (can_reconnect(&c->tr[i])) {
            pick = i;
            break;
        }
    }
    if (pick == c->ntr) {
        if (c->cb.on_exhausted) c->cb.on_exhausted(c->user, c);
        finish(c, WAMP_ETRANSPORTLOST);
        return;
    }
    c->cur = pick;
    ctransport *t = &c->tr[pick];
    unsigned before = t->attempts;
    double d = next_delay(c, t);
    uint64_t ms = (uint64_t)d;
    if (!c->first && c->cb.on_retry) {
        wamp_component_retry_info info = {pick, c->failures, before, ms};
        c->cb.on_retry(c->user, c, &info);
    }
    c->first = false;
    if (c->stopping) { /* stopped from on_retry */
        finish(c, WAMP_OK);
        return;
    }
    c->timer_what = T_RETRY;
    wamp_timer_start(c->timer, ms, 0);
}

static void attempt_failed(wamp_component *c, int status)
{
    c->conn = C_IDLE;
    if (c->cb.on_disconnect) c->cb.on_disconnect(c->user, c, c->cur, status);
    c->failures++;
    schedule_next(c);
}

static void attempt_connect(wamp_component *c)
{
    ctransport *t = &c->tr[c->cur];
    t->attempts++;
    c->conn = C_CONNECTING;
    int rc = wamp_client_connect(c->client, t->url, t->has_opts ? &t->opts : NULL);
    if (rc) attempt_failed(c, rc);
}

static void on_timer(wamp_timer *tm, void *user)
{
    (void)tm;
    wamp_component *c = user;
    enum timer_what w = c->timer_what;
    c->timer_what = T_NONE;
    if (w == T_RETRY) {
        if (c->stopping)
            finish(c, WAMP_OK);
        else
            attempt_connect(c);
    } else if (w == T_DONE) {
        c->running = false;
        c->stopping = false;
        if (c->cb.on_done) c->cb.on_done(c->user, c, c->done_status);
    }
}

/* ---------------------------------------------------------------- the handler table */

static void entry_free(wamp_component *c, centry *e)
{
    for (centry **pp = &c->entries; *pp; pp = &(*pp)->next) {
        if (*pp == e) {
            *pp = e->next;
            break;
        }
    }
    free(e->uri);
    free(e);
}

static void check_ready(wamp_component *c)
{
    if (!c->ready_pending || c->establishing || c->ready_wait) return;
    c->ready_pending = false;
    wamp_session *s = wamp_client_session(c->client);
    if (c->cb.on_ready && wamp_session_is_attached(s)) c->cb.on_ready(c->user, c, s);
}

static void entry_done(void *user, wamp_session *s, wamp_id handle, wamp_id id,
                       const wamp_error *err)
{
    (void)id;
    centry *e = user;
    wamp_component *c = e->owner;
    e->pending = false;
    if (c->freeing) return;
    if (err) {
        e->sh = 0;
        if (err->code == WAMP_EAPPLICATION && !e->removed) {
            char text[300];
            snprintf(text, sizeof text, "%s %s refused: %.*s", e->is_reg ? "register" : "subscribe",
                     e->uri, (int)err->uri.len, err->uri.ptr ? err->uri.ptr : "");
            user_error(c, err->code, text);
        }
    } else {
        e->sh = handle;
    }
    if (e->removed) {
        if (e->in_ready && c->ready_wait) c->ready_wait--;
        e->in_ready = false;
        if (e->sh) {
            if (e->is_reg)
                wamp_session_unregister(s, e->sh, NULL, NULL);
            else
                wamp_session_unsubscribe(s, e->sh, NULL, NULL);
        }
        entry_free(c, e);
        check_ready(c);
        return;
    }
    if (e->in_ready) {
        e->in_ready = false;
        if (c->ready_wait) c->ready_wait--;
        check_ready(c);
    }
}

static void ev_tramp(void *user, wamp_session *s, const wamp_event *ev)
{
    centry *e = user;
    if (e->removed) return;
    wamp_event copy = *ev;
    copy.handle = e->handle;
    e->on_event(e->user, s, &copy);
}

static void inv_tramp(void *user, wamp_session *s, const wamp_invocation *inv)
{
    centry *e = user;
    if (e->removed) {
        wamp_error err = {.uri = wamp_str_c("wamp.error.no_such_registration")};
        wamp_session_error(s, inv->request, &err);
        return;
    }
    wamp_invocation copy = *inv;
    copy.handle = e->handle;
    e->on_invocation(e->user, s, &copy);
}

static void int_tramp(void *user, wamp_session *s, wamp_id request, wamp_cancel_mode mode)
{
    centry *e = user;
    if (e->ropts.on_interrupt) e->ropts.on_interrupt(e->user, s, request, mode);
}

/* Subscribes / registers e on the joined session. */
static int establish(wamp_component *c, centry *e)
{
    wamp_session *s = wamp_client_session(c->client);
    int rc;
    e->pending = true;
    if (c->ready_pending) {
        e->in_ready = true;
        c->ready_wait++;
    }
    wamp_id h = 0;
    if (e->is_reg) {
        wamp_register_opts o = e->ropts;
        if (o.on_interrupt) o.on_interrupt = int_tramp;
        rc = wamp_session_register(s, e->uri, &o, inv_tramp, e, entry_done, e, &h);
    } else {
        rc = wamp_session_subscribe(s, e->uri, &e->sopts, ev_tramp, e, entry_done, e, &h);
    }
    if (rc) {
        e->pending = false;
        if (e->in_ready) {
            e->in_ready = false;
            c->ready_wait--;
        }
        return rc;
    }
    if (e->pending) e->sh = h; /* else entry_done already ran */
    return WAMP_OK;
}

static int add_entry(wamp_component *c, bool is_reg, const char *uri, const void *opts,
                     wamp_event_cb on_event, wamp_invocation_cb on_inv, void *user, wamp_id *handle)
{
    if (!c || !uri || (!on_event && !on_inv)) return WAMP_EINVAL;
    centry *e = calloc(1, sizeof *e);
    if (!e || !(e->uri = wamp__strdup(uri))) {
        free(e);
        return WAMP_ENOMEM;
    }
    e->owner = c;
    e->is_reg = is_reg;
    if (is_reg) {
        if (opts) e->ropts = *(const wamp_register_opts *)opts;
        e->on_invocation = on_inv;
    } else {
        if (opts) e->sopts = *(const wamp_subscribe_opts *)opts;
        e->on_event = on_event;
    }
    e->user = user;
    e->handle = ++c->next_handle;
    if (wamp_session_is_attached(wamp_client_session(c->client))) {
        int rc = establish(c, e);
        if (rc) {
            free(e->uri);
            free(e);
            return rc;
        }
    }
    e->next = c->entries;
    c->entries = e;
    if (handle) *handle = e->handle;
    return WAMP_OK;
}

int wamp_component_subscribe(wamp_component *c, const char *topic, const wamp_subscribe_opts *o,
                             wamp_event_cb handler, void *user, wamp_id *handle)
{
    return add_entry(c, false, topic, o, handler, NULL, user, handle);
}

int wamp_component_register(wamp_component *c, const char *procedure, const wamp_register_opts *o,
                            wamp_invocation_cb handler, void *user, wamp_id *handle)
{
    return add_entry(c, true, procedure, o, NULL, handler, user, handle);
}

static int remove_entry(wamp_component *c, bool is_reg, wamp_id handle)
{
    if (!c) return WAMP_EINVAL;
    centry *e = c->entries;
    while (e && (e->handle != handle || e->is_reg != is_reg || e->removed))
        e = e->next;
    if (!e) return WAMP_ENOTFOUND;
    if (e->pending) {
        e->removed = true; /* entry_done finishes the job */
        return WAMP_OK;
    }
    if (e->sh) {
        wamp_session *s = wamp_client_session(c->client);
        if (is_reg)
            wamp_session_unregister(s, e->sh, NULL, NULL);
        else
            wamp_session_unsubscribe(s, e->sh, NULL, NULL);
    }
    entry_free(c, e);
    return WAMP_OK;
}

int wamp_component_unsubscribe(wamp_component *c, wamp_id handle)
{
    return remove_entry(c, false, handle);
}

int wamp_component_unregister(wamp_component *c, wamp_id handle)
{
    return remove_entry(c, true, handle);
}

/* ---------------------------------------------------------------- session callbacks */

static void s_connect(void *user, wamp_session *s)
{
    wamp_component *c = user;
    c->conn = C_OPEN;
    if (c->stopping) {
        wamp_client_disconnect(c->client);
        return;
    }
    wamp_join_opts o = {.realm = c->realm,
                        .auth = c->auth,
                        .authid = c->authid,
                        .authrole = c->authrole,
                        .authextra = c->has_authextra ? &c->authextra : NULL,
                        .resumable = c->resumable};
    int rc = wamp_session_join(s, &o);
    if (rc) {
        user_error(c, rc, "join failed");
        wamp_client_disconnect(c->client);
    }
}

static int s_challenge(void *user, wamp_session *s, const wamp_challenge *ch, wamp_arena *a,
                       wamp_value *sig, wamp_value *extra)
{
    wamp_component *c = user;
    return c->cb.on_challenge(c->user, s, ch, a, sig, extra);
}

static void s_join(void *user, wamp_session *s, const wamp_session_details *d)
{
    wamp_component *c = user;
    ctransport *t = &c->tr[c->cur];
    t->attempts = 0;
    t->delay = t->retry.initial_retry_delay_ms;
    c->failures = 0;
    c->ready_pending = true;
    c->ready_wait = 0;
    c->establishing = true;
    for (centry *e = c->entries; e; e = e->next) {
        if (e->removed || e->pending || e->sh) continue;
        int rc = establish(c, e);
        if (rc) {
            char text[300];
            snprintf(text, sizeof text, "%s %s: %s", e->is_reg ? "register" : "subscribe", e->uri,
                     wamp_strerror(rc));
            user_error(c, rc, text);
        }
        if (!wamp_session_is_attached(s)) break;
    }
    c->establishing = false;
    if (c->cb.on_join && wamp_session_is_attached(s)) c->cb.on_join(c->user, c, s, d);
    check_ready(c);
}

static void s_leave(void *user, wamp_session *s, const wamp_close_details *d)
{
    wamp_component *c = user;
    /* the session forgot its subscriptions and registrations (pending ones completed) */
    for (centry *e = c->entries; e; e = e->next) {
        e->sh = 0;
        e->pending = false;
        e->in_ready = false;
    }
    c->ready_pending = false;
    c->ready_wait = 0;
    if (c->cb.on_leave) c->cb.on_leave(c->user, c, s, d);
    wamp_client_disconnect(c->client);
}

static void s_disconnect(void *user, wamp_session *s, bool clean)
{
    (void)s;
    (void)clean;
    wamp_component *c = user;
    if (!c->running || c->conn == C_IDLE) return;
    attempt_failed(c, wamp_client_last_error(c->client));
}

static void s_user_error(void *user, wamp_session *s, int code, const char *text)
{
    (void)s;
    user_error(user, code, text);
}

/* ---------------------------------------------------------------- life cycle */

int wamp_component_new(wamp_loop *loop, const wamp_component_config *cfg, wamp_component **out)
{
    if (!loop || !cfg || !out || !cfg->realm || !cfg->transports || !cfg->transport_count)
        return WAMP_EINVAL;
    wamp_component *c = calloc(1, sizeof *c);
    if (!c) return WAMP_ENOMEM;
    c->loop = loop;
    c->cb = cfg->cb;
    c->user = cfg->user;
    c->auth = cfg->auth;
    c->resumable = cfg->resumable;
    c->random = cfg->random ? cfg->random : default_random;
    c->rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)c;
    c->random_user = cfg->random ? cfg->random_user : &c->rng;
    int rc = WAMP_ENOMEM;
    c->ntr = cfg->transport_count;
    c->tr = calloc(c->ntr, sizeof *c->tr);
    c->arena = wamp_arena_new(0);
    if (!c->tr || !c->arena || !(c->realm = wamp__strdup(cfg->realm))) goto fail;
    if ((cfg->authid && !(c->authid = wamp__strdup(cfg->authid))) ||
        (cfg->authrole && !(c->authrole = wamp__strdup(cfg->authrole))))
        goto fail;
    if (cfg->authextra) {
        rc = WAMP_EINVAL;
        if (wamp_value_type_of(cfg->authextra) != WAMP_VALUE_DICT) goto fail;
        rc = wamp_value_copy(c->arena, &c->authextra, cfg->authextra);
        if (rc) goto fail;
        c->has_authextra = true;
    }
    for (size_t i = 0; i < c->ntr; i++) {
        const wamp_component_transport *src = &cfg->transports[i];
        ctransport *t = &c->tr[i];
        rc = WAMP_EINVAL;
        if (!src->url) goto fail;
        if (src->retry)
            t->retry = *src->retry;
        else
            wamp_component_retry_defaults(&t->retry);
        const wamp_component_retry *r = &t->retry;
        if (!(r->initial_retry_delay_ms >= 0) || !(r->max_retry_delay_ms >= 0) ||
            !(r->retry_delay_growth >= 0) || !(r->retry_delay_jitter >= 0) || r->max_retries < -1)
            goto fail;
        wamp_url u;
        rc = wamp_url_parse(src->url, &u);
        if (rc) goto fail;
        bool ws = u.is_websocket;
        wamp_url_free(&u);
        if (src->options) {
            t->opts = *src->options;
            t->has_opts = true;
        }
        if (src->serializer) {
            const wamp_serializer_info *info = wamp_serializer_by_name(src->serializer);
            rc = WAMP_EINVAL;
            if (!info || (!ws && info->batched)) goto fail;
            t->has_opts = true;
            if (ws) {
                t->proto[0] = info->subprotocol;
                t->opts.websocket.protocols = t->proto;
                t->opts.websocket.protocol_count = 1;
            } else {
                t->opts.rawsocket.serializer = info->id;
            }
        }
        rc = WAMP_ENOMEM;
        if (!(t->url = wamp__strdup(src->url))) goto fail;
    }
    wamp_session_callbacks scb = {.on_connect = s_connect,
                                  .on_challenge = cfg->cb.on_challenge ? s_challenge : NULL,
                                  .on_join = s_join,
                                  .on_leave = s_leave,
                                  .on_disconnect = s_disconnect,
                                  .on_user_error = s_user_error};
    rc = wamp_client_new(loop, &scb, c, &c->client);
    if (!rc) rc = wamp_timer_new(loop, on_timer, c, &c->timer);
    if (rc) goto fail;
    if (cfg->payload_codec)
        wamp_session_set_payload_codec(wamp_client_session(c->client), cfg->payload_codec);
    *out = c;
    return WAMP_OK;
fail:
    wamp_component_free(c);
    return rc;
}

int wamp_component_start(wamp_component *c)
{
    if (!c) return WAMP_EINVAL;
    if (c->running) return WAMP_ESTATE;
    c->running = true;
    c->stopping = false;
    c->first = true;
    c->failures = 0;
    for (size_t i = 0; i < c->ntr; i++) {
        c->tr[i].attempts = 0;
        c->tr[i].delay = c->tr[i].retry.initial_retry_delay_ms;
    }
    c->cur = c->ntr - 1; /* the first pick is transport 0 */
    schedule_next(c);
    return WAMP_OK;
}

int wamp_component_stop(wamp_component *c, const char *reason)
{
    if (!c) return WAMP_EINVAL;
    if (!c->running) return WAMP_ESTATE;
    if (c->stopping) return WAMP_OK;
    c->stopping = true;
    if (c->timer_what == T_RETRY) {
        wamp_timer_stop(c->timer);
        finish(c, WAMP_OK);
        return WAMP_OK;
    }
    if (c->timer_what == T_DONE) return WAMP_OK;
    wamp_session *s = wamp_client_session(c->client);
    if (wamp_session_is_attached(s)) {
        if (wamp_session_leave(s, reason, NULL) == WAMP_OK) return WAMP_OK;
    }
    if (c->conn == C_OPEN) wamp_client_disconnect(c->client);
    /* C_CONNECTING: s_connect or the failure ends it */
    return WAMP_OK;
}

bool wamp_component_is_running(const wamp_component *c)
{
    return c && c->running;
}

wamp_session *wamp_component_session(wamp_component *c)
{
    return c ? wamp_client_session(c->client) : NULL;
}

size_t wamp_component_transport_index(const wamp_component *c)
{
    return c ? c->cur : 0;
}

void wamp_component_free(wamp_component *c)
{
    if (!c) return;
    c->freeing = true;
    c->running = false;
    wamp_client_free(c->client);
    wamp_timer_free(c->timer);
    while (c->entries) {
        centry *e = c->entries;
        c->entries = e->next;
        free(e->uri);
        free(e);
    }
    if (c->tr)
        for (size_t i = 0; i < c->ntr; i++)
            free(c->tr[i].url);
    free(c->tr);
    free(c->realm);
    free(c->authid);
    free(c->authrole);
    wamp_arena_free(c->arena);
    free(c);
}
