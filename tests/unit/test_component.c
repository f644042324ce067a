/*
 * Unit tests of src/session/component.c (component.h) against the in-process router
 * (src/router over net.h listeners on 127.0.0.1):
 *   - reconnect after the router drops the connection: re-join, re-subscribe (an event
 *     published after the reconnect arrives), re-register (a call after the reconnect is
 *     answered by the component's handler), for ws and rs with several serializers;
 *   - backoff: the delays on_retry reports follow the documented formula with an injected
 *     random source, cycling through two transports, capped at max delay, and on_exhausted
 *     after max_retries against closed ports;
 *   - ComponentConfig.keyring: the configured payload codec encrypts every connection's calls,
 *     results, publications and events;
 *   - stop during a retry wait ends with on_done(WAMP_OK); a handler removed from the table
 *     is not re-subscribed.
 * Driven by the loop (no sleeps); a watchdog timer bounds each run.
 */
#include "support.h"
#include "support/inproc_router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rnd {
    const double *seq;
    size_t n, i;
} rnd;

static double next_rnd(void *user)
{
    rnd *r = user;
    double v = r->seq[r->i % r->n];
    r->i++;
    return v;
}

typedef struct app {
    wamp_loop *loop;
    wt_router *router;
    wamp_component *comp;
    wamp_buf log;
    int joins, readies, events, invocations, results;
    bool done;
    int done_status;
    bool exhausted;
    wamp_id sub_gone; /* a handle removed from the table before the first join */
} app;

static void logf_(app *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(app *a, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    wamp_buf_append(&a->log, tmp, strlen(tmp));
}

static void on_event(void *user, wamp_session *s, const wamp_event *ev)
{
    (void)s;
    app *a = user;
    int64_t v = -1;
    wamp_value_get_int(wamp_value_list_at(&ev->args, 0), &v);
    logf_(a, "event:%lld%s;", (long long)v, ev->enc_algo.ptr ? "(enc)" : "");
    a->events++;
}

static void on_gone_event(void *user, wamp_session *s, const wamp_event *ev)
{
    (void)s;
    (void)ev;
    app *a = user;
    logf_(a, "gone-event;");
}

static void on_invocation(void *user, wamp_session *s, const wamp_invocation *inv)
{
    app *a = user;
    a->invocations++;
    int64_t v = 0;
    wamp_value_get_int(wamp_value_list_at(&inv->args, 0), &v);
    wamp_arena *ar = wamp_arena_new(0);
    wamp_value args = wamp_value_list();
    wamp_value_list_push(ar, &args, wamp_value_int(v * 10 + a->joins));
    if (inv->enc_algo.ptr) logf_(a, "invocation(enc);");
    assert_int_equal(wamp_session_yield(s, inv->request, &args, NULL, false), WAMP_OK);
    wamp_arena_free(ar);
}

static void drop_posted(wamp_loop *loop, void *user)
{
    (void)loop;
    app *a = user;
    wt_router_drop_all(a->router);
}

static void on_result(void *user, wamp_session *s, wamp_id req, const wamp_call_result *res,
                      const wamp_error *err)
{
    (void)s;
    (void)req;
    app *a = user;
    if (err) {
        logf_(a, "call-error:%.*s;", (int)err->uri.len, err->uri.ptr);
    } else {
        int64_t v = -1;
        wamp_value_get_int(wamp_value_list_at(&res->args, 0), &v);
        logf_(a, "result:%lld%s;", (long long)v, res->enc_algo.ptr ? "(enc)" : "");
    }
    a->results++;
}

static void on_published(void *user, wamp_session *s, wamp_id req, wamp_id pub,
                         const wamp_error *err)
{
    (void)req;
    (void)pub;
    app *a = user;
    assert_null(err);
    /* the event to ourselves precedes nothing in particular: call now, then decide */
    wamp_arena *ar = wamp_arena_new(0);
    wamp_value args = wamp_value_list();
    wamp_value_list_push(ar, &args, wamp_value_int(a->joins));
    assert_int_equal(
        wamp_session_call(s, "com.example.echo", &args, NULL, NULL, on_result, a, NULL), WAMP_OK);
    wamp_arena_free(ar);
}

static void c_join(void *user, wamp_component *c, wamp_session *s, const wamp_session_details *d)
{
    (void)c;
    (void)s;
    (void)d;
    app *a = user;
    a->joins++;
    logf_(a, "join%d;", a->joins);
}

static void c_ready(void *user, wamp_component *c, wamp_session *s)
{
    (void)c;
    app *a = user;
    a->readies++;
    logf_(a, "ready%d;", a->readies);
    /* publish to ourselves (exclude_me false), acknowledged; then call our own procedure */
    wamp_arena *ar = wamp_arena_new(0);
    wamp_value args = wamp_value_list();
    wamp_value_list_push(ar, &args, wamp_value_int(100 + a->joins));
    wamp_publish_opts po = {.acknowledge = true, .exclude_me = WAMP_OPT_FALSE};
    assert_int_equal(
        wamp_session_publish(s, "com.example.topic", &args, NULL, &po, on_published, a, NULL),
        WAMP_OK);
    wamp_arena_free(ar);
}

static void c_leave(void *user, wamp_component *c, wamp_session *s, const wamp_close_details *d)
{
    (void)c;
    (void)s;
    app *a = user;
    logf_(a, "leave:%.*s;", (int)d->reason.len, d->reason.ptr);
}

static void c_retry(void *user, wamp_component *c, const wamp_component_retry_info *info)
{
    (void)c;
    app *a = user;
    logf_(a, "retry(t%zu,a%u,ta%u,%llu);", info->transport, info->attempt, info->transport_attempt,
          (unsigned long long)info->delay_ms);
}

static void c_exhausted(void *user, wamp_component *c)
{
    (void)c;
    app *a = user;
    a->exhausted = true;
    logf_(a, "exhausted;");
}

static void c_done(void *user, wamp_component *c, int status)
{
    (void)c;
    app *a = user;
    a->done = true;
    a->done_status = status;
    logf_(a, "done:%s;", wamp_err_name(status));
}

static void c_user_error(void *user, wamp_component *c, int code, const char *text)
{
    (void)c;
    app *a = user;
    logf_(a, "user-error:%s:%s;", wamp_err_name(code), text);
}

static void on_deadline(wamp_timer *t, void *user)
{
    (void)t;
    *(bool *)user = true;
}

/* Runs the loop until cond(a) holds (10 s watchdog). */
static void run_until(app *a, bool (*cond)(app *))
{
    bool expired = false;
    wamp_timer *t;
    assert_int_equal(wamp_timer_new(a->loop, on_deadline, &expired, &t), WAMP_OK);
    wamp_timer_start(t, 10000, 0);
    while (!cond(a) && !expired)
        wamp_loop_run(a->loop, WAMP_RUN_ONCE);
    wamp_timer_free(t);
    if (!cond(a)) fail_msg("timed out; log: %.*s", (int)a->log.len, (const char *)a->log.data);
}

static bool first_round(app *a)
{
    return a->results >= 1 && a->events >= 1;
}

static bool second_round(app *a)
{
    return a->results >= 2 && a->events >= 2;
}

static bool is_done(app *a)
{
    return a->done;
}

static void teardown_loop(wamp_loop *loop)
{
    for (int i = 0; i < 4; i++)
        wamp_loop_run(loop, WAMP_RUN_NOWAIT);
    assert_int_equal(wamp_loop_free(loop), WAMP_OK);
}

static void reconnect_scenario(const char *scheme, const char *serializer)
{
    app a = {0};
    assert_int_equal(wamp_loop_new(&a.loop), WAMP_OK);
    a.router = wt_router_start(a.loop);
    assert_non_null(a.router);
    char url[128];
    snprintf(url, sizeof url, "%s://127.0.0.1:%u%s", scheme, wt_router_port(a.router),
             scheme[0] == 'w' ? "/ws" : "");
    static const double seq[] = {0.5};
    rnd r = {seq, 1, 0};
    wamp_component_retry retry;
    wamp_component_retry_defaults(&retry);
    retry.initial_retry_delay_ms = 5;
    wamp_component_transport tr = {.url = url, .serializer = serializer, .retry = &retry};
    wamp_component_config cfg = {.transports = &tr,
                                 .transport_count = 1,
                                 .realm = "realm1",
                                 .random = next_rnd,
                                 .random_user = &r,
                                 .cb = {.on_join = c_join,
                                        .on_ready = c_ready,
                                        .on_leave = c_leave,
                                        .on_retry = c_retry,
                                        .on_exhausted = c_exhausted,
                                        .on_done = c_done,
                                        .on_user_error = c_user_error},
                                 .user = &a};
    assert_int_equal(wamp_component_new(a.loop, &cfg, &a.comp), WAMP_OK);
    wamp_id hs, hr, hg;
    assert_int_equal(wamp_component_subscribe(a.comp, "com.example.topic", NULL, on_event, &a, &hs),
                     WAMP_OK);
    assert_int_equal(
        wamp_component_register(a.comp, "com.example.echo", NULL, on_invocation, &a, &hr), WAMP_OK);
    assert_int_equal(
        wamp_component_subscribe(a.comp, "com.example.topic", NULL, on_gone_event, &a, &hg),
        WAMP_OK);
    assert_int_equal(wamp_component_unsubscribe(a.comp, hg), WAMP_OK);
    assert_int_equal(wamp_component_unsubscribe(a.comp, hg), WAMP_ENOTFOUND);
    assert_int_equal(wamp_component_unregister(a.comp, hs), WAMP_ENOTFOUND); /* not a reg */
    assert_false(wamp_component_is_running(a.comp));
    assert_int_equal(wamp_component_start(a.comp), WAMP_OK);
    assert_int_equal(wamp_component_start(a.comp), WAMP_ESTATE);
    run_until(&a, first_round);
    assert_int_equal(wt_router_accepted(a.router), 1);
    /* the server drops the connection (posted: not inside any callback of the router) */
    assert_int_equal(wamp_loop_post(a.loop, drop_posted, &a), WAMP_OK);
    run_until(&a, second_round);
    assert_int_equal(wt_router_accepted(a.router), 2);
    assert_int_equal(wamp_component_stop(a.comp, NULL), WAMP_OK);
    run_until(&a, is_done);
    assert_false(wamp_component_is_running(a.comp));
    char got[1024];
    snprintf(got, sizeof got, "%.*s", (int)a.log.len, (const char *)a.log.data);
    /* the event and the result of each round are both answered; their order is the router's */
    const char *want_a = "join1;ready1;event:101;result:11;leave:wamp.close.transport_lost;"
                         "retry(t0,a1,ta0,0);join2;ready2;event:102;result:22;"
                         "leave:wamp.close.goodbye_and_out;done:WAMP_OK;";
    assert_string_equal(got, want_a);
    assert_int_equal(a.invocations, 2);
    wamp_component_free(a.comp);
    wt_router_free(a.router);
    wamp_buf_free(&a.log);
    teardown_loop(a.loop);
}

static void test_reconnect_ws_json(void **state)
{
    (void)state;
    reconnect_scenario("ws", "json");
}

static void test_reconnect_ws_cbor_batched(void **state)
{
    (void)state;
    reconnect_scenario("ws", "cbor.batched");
}

static void test_reconnect_rs_msgpack(void **state)
{
    (void)state;
    reconnect_scenario("rs", "msgpack");
}

static void test_reconnect_rs_default(void **state)
{
    (void)state;
    reconnect_scenario("rs", NULL);
}

/* A URL nothing listens on: bind a listener, note its port, free it. */
static void no_accept(wamp_listener *l, wamp_transport *t, void *user)
{
    (void)l;
    (void)user;
    wamp_transport_free(t);
}

static void closed_url(wamp_loop *loop, const char *scheme, char *out, size_t n)
{
    wamp_listener *l;
    wamp_listener_options lo = {0};
    assert_int_equal(wamp_listener_new(loop, &lo, no_accept, NULL, &l), WAMP_OK);
    snprintf(out, n, "%s://127.0.0.1:%u%s", scheme, wamp_listener_port(l),
             scheme[0] == 'w' ? "/ws" : "");
    wamp_listener_free(l);
}

/* The documented formula, computed independently of the component. */
static double grow(double d, double growth, double jitter, double u, double max)
{
    d = d * growth;
    d = d + d * jitter * (2 * u - 1);
    return d > max ? max : d;
}

static void test_backoff_exhausted(void **state)
{
    (void)state;
    app a = {0};
    assert_int_equal(wamp_loop_new(&a.loop), WAMP_OK);
    char u0[128], u1[128];
    closed_url(a.loop, "ws", u0, sizeof u0);
    closed_url(a.loop, "rs", u1, sizeof u1);
    static const double seq[] = {0.75, 0.25, 0.5, 0.0};
    rnd r = {seq, 4, 0};
    wamp_component_retry retry = {.initial_retry_delay_ms = 4,
                                  .max_retry_delay_ms = 20,
                                  .retry_delay_growth = 2.5,
                                  .retry_delay_jitter = 0.25,
                                  .max_retries = 2};
    wamp_component_transport tr[2] = {{.url = u0, .retry = &retry}, {.url = u1, .retry = &retry}};
    wamp_component_config cfg = {.transports = tr,
                                 .transport_count = 2,
                                 .realm = "realm1",
                                 .random = next_rnd,
                                 .random_user = &r,
                                 .cb = {.on_join = c_join,
                                        .on_retry = c_retry,
                                        .on_exhausted = c_exhausted,
                                        .on_done = c_done},
                                 .user = &a};
    assert_int_equal(wamp_component_new(a.loop, &cfg, &a.comp), WAMP_OK);
    assert_int_equal(wamp_component_start(a.comp), WAMP_OK);
    run_until(&a, is_done);
    assert_true(a.exhausted);
    assert_int_equal(a.done_status, WAMP_ETRANSPORTLOST);
    assert_int_equal(r.i, 4); /* one random draw per delayed retry */
    /* t0: 4 -> 10 (+25% of 10 * 0.5) = 11.25; t1: 10 - 1.25 = 8.75;
     * t0: 11.25 * 2.5 = 28.125 -> capped 20; t1: 8.75 * 2.5 = 21.875 - 5.47 = 16.40625 */
    double d0 = grow(4, 2.5, 0.25, 0.75, 20), d1 = grow(4, 2.5, 0.25, 0.25, 20);
    double d2 = grow(d0, 2.5, 0.25, 0.5, 20), d3 = grow(d1, 2.5, 0.25, 0.0, 20);
    char want[512];
    snprintf(want, sizeof want,
             "retry(t1,a1,ta0,0);retry(t0,a2,ta1,%llu);retry(t1,a3,ta1,%llu);"
             "retry(t0,a4,ta2,%llu);retry(t1,a5,ta2,%llu);exhausted;done:WAMP_ETRANSPORTLOST;",
             (unsigned long long)d0, (unsigned long long)d1, (unsigned long long)d2,
             (unsigned long long)d3);
    assert_string_equal(want, "retry(t1,a1,ta0,0);retry(t0,a2,ta1,11);retry(t1,a3,ta1,8);"
                              "retry(t0,a4,ta2,20);retry(t1,a5,ta2,16);exhausted;"
                              "done:WAMP_ETRANSPORTLOST;");
    char got[512];
    snprintf(got, sizeof got, "%.*s", (int)a.log.len, (const char *)a.log.data);
    assert_string_equal(got, want);
    assert_int_equal(a.joins, 0);
    /* it can be started again: the counters start over */
    wamp_buf_clear(&a.log);
    a.done = false;
    r.i = 0;
    assert_int_equal(wamp_component_start(a.comp), WAMP_OK);
    run_until(&a, is_done);
    snprintf(got, sizeof got, "%.*s", (int)a.log.len, (const char *)a.log.data);
    assert_string_equal(got, want);
    wamp_component_free(a.comp);
    wamp_buf_free(&a.log);
    teardown_loop(a.loop);
}

static void stop_on_retry(void *user, wamp_component *c, const wamp_component_retry_info *info)
{
    app *a = user;
    c_retry(user, c, info);
    if (info->attempt == 1) assert_int_equal(wamp_component_stop(c, NULL), WAMP_OK);
    (void)a;
}

static void test_stop_while_waiting(void **state)
{
    (void)state;
    app a = {0};
    assert_int_equal(wamp_loop_new(&a.loop), WAMP_OK);
    char u0[128];
    closed_url(a.loop, "rs", u0, sizeof u0);
    static const double seq[] = {0.5};
    rnd r = {seq, 1, 0};
    /* a long delay: the test must not wait for it */
    wamp_component_retry retry = {.initial_retry_delay_ms = 60000,
                                  .max_retry_delay_ms = 600000,
                                  .retry_delay_growth = 1,
                                  .max_retries = -1};
    wamp_component_transport tr = {.url = u0, .retry = &retry};
    wamp_component_config cfg = {.transports = &tr,
                                 .transport_count = 1,
                                 .realm = "realm1",
                                 .random = next_rnd,
                                 .random_user = &r,
                                 .cb = {.on_retry = stop_on_retry, .on_done = c_done},
                                 .user = &a};
    assert_int_equal(wamp_component_new(a.loop, &cfg, &a.comp), WAMP_OK);
    assert_int_equal(wamp_component_start(a.comp), WAMP_OK);
    /* the first attempt fails at once; the retry would wait 60 s: stop then */
    run_until(&a, is_done);
    char got[256];
    snprintf(got, sizeof got, "%.*s", (int)a.log.len, (const char *)a.log.data);
    assert_string_equal(got, "retry(t0,a1,ta1,60000);done:WAMP_OK;");
    assert_int_equal(wamp_component_stop(a.comp, NULL), WAMP_ESTATE);
    wamp_component_free(a.comp);
    wamp_buf_free(&a.log);
    teardown_loop(a.loop);
}

static bool joined_once(app *a)
{
    return a->readies >= 1 && a->results >= 1;
}

/* The first transport is dead, the second (RawSocket, CBOR) works: the component moves on
 * at once (delay 0: first attempt on that transport) and joins there. */
static void test_cycle_to_working_transport(void **state)
{
    (void)state;
    app a = {0};
    assert_int_equal(wamp_loop_new(&a.loop), WAMP_OK);
    a.router = wt_router_start(a.loop);
    assert_non_null(a.router);
    char dead[128], live[128];
    closed_url(a.loop, "ws", dead, sizeof dead);
    snprintf(live, sizeof live, "rs://127.0.0.1:%u", wt_router_port(a.router));
    static const double seq[] = {0.5};
    rnd r = {seq, 1, 0};
    wamp_component_transport tr[2] = {{.url = dead}, {.url = live, .serializer = "cbor"}};
    wamp_component_config cfg = {
        .transports = tr,
        .transport_count = 2,
        .realm = "realm1",
        .random = next_rnd,
        .random_user = &r,
        .cb = {.on_join = c_join, .on_ready = c_ready, .on_retry = c_retry, .on_done = c_done},
        .user = &a};
    assert_int_equal(wamp_component_new(a.loop, &cfg, &a.comp), WAMP_OK);
    assert_int_equal(
        wamp_component_register(a.comp, "com.example.echo", NULL, on_invocation, &a, NULL),
        WAMP_OK);
    assert_int_equal(
        wamp_component_subscribe(a.comp, "com.example.topic", NULL, on_event, &a, NULL), WAMP_OK);
    assert_int_equal(wamp_component_start(a.comp), WAMP_OK);
    run_until(&a, joined_once);
    assert_int_equal(wamp_component_transport_index(a.comp), 1);
    assert_int_equal(wamp_component_stop(a.comp, "wamp.close.system_shutdown"), WAMP_OK);
    run_until(&a, is_done);
    char got[512];
    snprintf(got, sizeof got, "%.*s", (int)a.log.len, (const char *)a.log.data);
    assert_string_equal(got, "retry(t1,a1,ta0,0);join1;ready1;event:101;result:11;done:WAMP_OK;");
    assert_int_equal(r.i, 0); /* no delayed retry, no random draw */
    wamp_component_free(a.comp);
    wt_router_free(a.router);
    wamp_buf_free(&a.log);
    teardown_loop(a.loop);
}

/* Freeing a joined component with requests and registrations live: nothing leaks (ASan),
 * no callback runs afterwards. */
static void test_free_while_joined(void **state)
{
    (void)state;
    app a = {0};
    assert_int_equal(wamp_loop_new(&a.loop), WAMP_OK);
    a.router = wt_router_start(a.loop);
    assert_non_null(a.router);
    char url[128];
    snprintf(url, sizeof url, "ws://127.0.0.1:%u/ws", wt_router_port(a.router));
    wamp_component_transport tr = {.url = url};
    wamp_component_config cfg = {.transports = &tr,
                                 .transport_count = 1,
                                 .realm = "realm1",
                                 .cb = {.on_join = c_join, .on_ready = c_ready, .on_done = c_done},
                                 .user = &a};
    assert_int_equal(wamp_component_new(a.loop, &cfg, &a.comp), WAMP_OK);
    assert_int_equal(
        wamp_component_register(a.comp, "com.example.echo", NULL, on_invocation, &a, NULL),
        WAMP_OK);
    assert_int_equal(
        wamp_component_subscribe(a.comp, "com.example.topic", NULL, on_event, &a, NULL), WAMP_OK);
    assert_int_equal(wamp_component_start(a.comp), WAMP_OK);
    run_until(&a, first_round);
    /* one more subscription in flight while freeing */
    assert_int_equal(
        wamp_component_subscribe(a.comp, "com.example.other", NULL, on_event, &a, NULL), WAMP_OK);
    wamp_component_free(a.comp);
    assert_false(a.done);
    wt_router_free(a.router);
    wamp_buf_free(&a.log);
    teardown_loop(a.loop);
}

static void test_config_errors(void **state)
{
    (void)state;
    wamp_loop *loop;
    assert_int_equal(wamp_loop_new(&loop), WAMP_OK);
    wamp_component *c = NULL;
    wamp_component_transport tr = {.url = "rs://127.0.0.1:9", .serializer = "json.batched"};
    wamp_component_config cfg = {.transports = &tr, .transport_count = 1, .realm = "realm1"};
    assert_int_equal(wamp_component_new(loop, &cfg, &c), WAMP_EINVAL); /* batched over rs */
    tr.serializer = "nope";
    assert_int_equal(wamp_component_new(loop, &cfg, &c), WAMP_EINVAL);
    tr.serializer = NULL;
    tr.url = "http://x";
    assert_int_equal(wamp_component_new(loop, &cfg, &c), WAMP_EURL);
    tr.url = "ws://127.0.0.1:9/ws";
    wamp_component_retry bad = {.max_retries = -2};
    tr.retry = &bad;
    assert_int_equal(wamp_component_new(loop, &cfg, &c), WAMP_EINVAL);
    tr.retry = NULL;
    cfg.realm = NULL;
    assert_int_equal(wamp_component_new(loop, &cfg, &c), WAMP_EINVAL);
    cfg.realm = "realm1";
    cfg.transport_count = 0;
    assert_int_equal(wamp_component_new(loop, &cfg, &c), WAMP_EINVAL);
    assert_null(c);
    teardown_loop(loop);
}

/* ComponentConfig.keyring: the component's payload codec (a cryptobox key ring) is on the
 * session of every connection: before and after a reconnect, the publication to ourselves, the
 * call, its invocation and its result all travel encrypted through the router (each arrives
 * with enc_algo "cryptobox" and decrypts). */
static void test_keyring_payload_codec(void **state)
{
    (void)state;
    char op[WAMP_CRYPTOBOX_KEY_B64_SIZE], opub[WAMP_CRYPTOBOX_KEY_B64_SIZE];
    char rp[WAMP_CRYPTOBOX_KEY_B64_SIZE], rpub[WAMP_CRYPTOBOX_KEY_B64_SIZE];
    assert_int_equal(wamp_cryptobox_generate_key(op, opub), WAMP_OK);
    assert_int_equal(wamp_cryptobox_generate_key(rp, rpub), WAMP_OK);
    wamp_keyring *kr;
    assert_int_equal(wamp_keyring_new(&kr), WAMP_OK);
    /* this component is originator and responder of com.example.* */
    wamp_cryptobox_key k = {.originator_priv = op, .responder_priv = rp};
    assert_int_equal(wamp_keyring_set_key(kr, "com.example.", &k), WAMP_OK);
    wamp_payload_codec codec = wamp_keyring_codec(kr);

    app a = {0};
    assert_int_equal(wamp_loop_new(&a.loop), WAMP_OK);
    a.router = wt_router_start(a.loop);
    assert_non_null(a.router);
    char url[128];
    snprintf(url, sizeof url, "rs://127.0.0.1:%u", wt_router_port(a.router));
    wamp_component_retry retry;
    wamp_component_retry_defaults(&retry);
    retry.initial_retry_delay_ms = 5;
    static const double seq[] = {0.5};
    rnd r = {seq, 1, 0};
    wamp_component_transport tr = {.url = url, .retry = &retry};
    wamp_component_config cfg = {.transports = &tr,
                                 .transport_count = 1,
                                 .realm = "realm1",
                                 .random = next_rnd,
                                 .random_user = &r,
                                 .cb = {.on_join = c_join,
                                        .on_ready = c_ready,
                                        .on_leave = c_leave,
                                        .on_retry = c_retry,
                                        .on_done = c_done,
                                        .on_user_error = c_user_error},
                                 .user = &a,
                                 .payload_codec = &codec};
    assert_int_equal(wamp_component_new(a.loop, &cfg, &a.comp), WAMP_OK);
    const wamp_payload_codec *set = wamp_session_get_payload_codec(wamp_component_session(a.comp));
    assert_non_null(set);
    assert_ptr_equal(set->user, kr);
    assert_int_equal(
        wamp_component_subscribe(a.comp, "com.example.topic", NULL, on_event, &a, NULL), WAMP_OK);
    assert_int_equal(
        wamp_component_register(a.comp, "com.example.echo", NULL, on_invocation, &a, NULL),
        WAMP_OK);
    assert_int_equal(wamp_component_start(a.comp), WAMP_OK);
    run_until(&a, first_round);
    assert_int_equal(wamp_loop_post(a.loop, drop_posted, &a), WAMP_OK);
    run_until(&a, second_round);
    assert_int_equal(wamp_component_stop(a.comp, NULL), WAMP_OK);
    run_until(&a, is_done);
    char got[1024];
    snprintf(got, sizeof got, "%.*s", (int)a.log.len, (const char *)a.log.data);
    /* per round: the event and the invocation each come from the router, in its order */
    const char *p = got;
    for (int round = 1; round <= 2; round++) {
        char want[64];
        snprintf(want, sizeof want, "event:%d(enc);", 100 + round);
        const char *e = strstr(p, want);
        if (!e) fail_msg("no encrypted event %s in %s", want, got);
        snprintf(want, sizeof want, "result:%d(enc);", round * 10 + round);
        const char *res = strstr(p, want);
        if (!res) fail_msg("no encrypted result %s in %s", want, got);
        const char *inv = strstr(p, "invocation(enc);");
        if (!inv || inv > res) fail_msg("no encrypted invocation before %s in %s", want, got);
        p = (e > res ? e : res) + 1;
    }
    assert_null(strstr(got, "user-error"));
    assert_int_equal(a.invocations, 2);
    wamp_component_free(a.comp);
    wt_router_free(a.router);
    wamp_buf_free(&a.log);
    teardown_loop(a.loop);
    wamp_keyring_free(kr);
}

static void l_ready(void *user, wamp_component *c, wamp_session *s)
{
    (void)c;
    (void)s;
    app *a = user;
    a->readies++;
    logf_(a, "ready;");
}

static void l_disconnect(void *user, wamp_component *c, size_t transport, int status)
{
    (void)c;
    logf_(user, "disc(t%zu,%s);", transport, wamp_err_name(status));
}

static void l_user_error(void *user, wamp_component *c, int code, const char *text)
{
    (void)c;
    (void)text;
    logf_(user, "user-error:%s;", wamp_err_name(code));
}

static bool is_ready(app *a)
{
    return a->readies > 0;
}

/* The component's life-cycle hooks in order: on_disconnect for a refused attempt (its status)
 * and for the end of a joined connection, on_retry, on_join, on_user_error for a table entry
 * the router refuses (the same procedure registered twice: procedure_already_exists) before
 * on_ready, on_leave, on_done. */
static void test_lifecycle_hooks(void **state)
{
    (void)state;
    app a = {0};
    assert_int_equal(wamp_loop_new(&a.loop), WAMP_OK);
    a.router = wt_router_start(a.loop);
    assert_non_null(a.router);
    char u0[128], u1[128];
    closed_url(a.loop, "rs", u0, sizeof u0);
    snprintf(u1, sizeof u1, "ws://127.0.0.1:%u/ws", wt_router_port(a.router));
    wamp_component_retry retry;
    wamp_component_retry_defaults(&retry);
    retry.initial_retry_delay_ms = 5;
    static const double seq[] = {0.5};
    rnd r = {seq, 1, 0};
    wamp_component_transport tr[2] = {{.url = u0, .retry = &retry}, {.url = u1, .retry = &retry}};
    wamp_component_config cfg = {.transports = tr,
                                 .transport_count = 2,
                                 .realm = "realm1",
                                 .random = next_rnd,
                                 .random_user = &r,
                                 .cb = {.on_join = c_join,
                                        .on_ready = l_ready,
                                        .on_leave = c_leave,
                                        .on_disconnect = l_disconnect,
                                        .on_retry = c_retry,
                                        .on_exhausted = c_exhausted,
                                        .on_done = c_done,
                                        .on_user_error = l_user_error},
                                 .user = &a};
    assert_int_equal(wamp_component_new(a.loop, &cfg, &a.comp), WAMP_OK);
    assert_int_equal(
        wamp_component_register(a.comp, "com.example.dup", NULL, on_invocation, &a, NULL), WAMP_OK);
    assert_int_equal(
        wamp_component_register(a.comp, "com.example.dup", NULL, on_invocation, &a, NULL), WAMP_OK);
    assert_int_equal(wamp_component_start(a.comp), WAMP_OK);
    run_until(&a, is_ready);
    assert_int_equal(wamp_component_transport_index(a.comp), 1);
    assert_true(wamp_session_is_attached(wamp_component_session(a.comp)));
    assert_int_equal(wamp_component_stop(a.comp, NULL), WAMP_OK);
    run_until(&a, is_done);
    char got[512];
    snprintf(got, sizeof got, "%.*s", (int)a.log.len, (const char *)a.log.data);
    assert_string_equal(got, "disc(t0,WAMP_ECONNREFUSED);retry(t1,a1,ta0,0);join1;"
                             "user-error:WAMP_EAPPLICATION;ready;"
                             "leave:wamp.close.goodbye_and_out;disc(t1,WAMP_OK);done:WAMP_OK;");
    assert_false(a.exhausted);
    wamp_component_free(a.comp);
    wt_router_free(a.router);
    wamp_buf_free(&a.log);
    teardown_loop(a.loop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reconnect_ws_json),
        cmocka_unit_test(test_reconnect_ws_cbor_batched),
        cmocka_unit_test(test_reconnect_rs_msgpack),
        cmocka_unit_test(test_reconnect_rs_default),
        cmocka_unit_test(test_backoff_exhausted),
        cmocka_unit_test(test_stop_while_waiting),
        cmocka_unit_test(test_cycle_to_working_transport),
        cmocka_unit_test(test_free_while_joined),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_keyring_payload_codec),
        cmocka_unit_test(test_lifecycle_hooks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
