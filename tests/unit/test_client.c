/*
 * Unit tests of src/session/client.c: the client runtime adapter over a real transport on
 * 127.0.0.1 (ws:// and rs://) against an in-process scripted router built on wamp_listener:
 * join, a call answered, a call timed out through the runtime's timer (CANCEL on the wire),
 * leave with the GOODBYE handshake, and an unparsable router message answered with ABORT.
 */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct router {
    wamp_listener *l;
    wamp_transport *t;
    wamp_buf log; /* message types received, with ',' */
    bool garbage_after_welcome;
    bool event_after_welcome; /* an EVENT for a subscription never made: protocol violation */
    bool closed;
} router;

static void r_send(wamp_transport *t, const char *json)
{
    wamp_arena *a = wamp_arena_new(0);
    wamp_message m;
    wamp_msg_error e;
    assert_int_equal(
        wamp_message_decode(WAMP_SER_JSON, (const uint8_t *)json, strlen(json), a, NULL, &m, &e),
        WAMP_OK);
    wamp_buf b = {0};
    assert_int_equal(wamp_message_encode(wamp_transport_serializer(t), &m, a, &b), WAMP_OK);
    wamp_transport_send(t, b.data, b.len); /* may be closing already */
    wamp_buf_free(&b);
    wamp_arena_free(a);
}

static void r_msg(wamp_transport *t, const uint8_t *data, size_t len, void *user)
{
    router *r = user;
    wamp_arena *a = wamp_arena_new(0);
    wamp_message m;
    wamp_msg_error e;
    int rc = wamp_message_decode(wamp_transport_serializer(t), data, len, a, NULL, &m, &e);
    if (rc) fail_msg("router got an invalid message: %s", e.text);
    const char *name = wamp_msg_type_name(m.type);
    wamp_buf_append(&r->log, name, strlen(name));
    wamp_buf_append_byte(&r->log, ',');
    switch (m.type) {
    case WAMP_MSG_HELLO:
        r_send(t, "[2,42,{\"roles\":{\"dealer\":{}},\"authrole\":\"anonymous\"}]");
        if (r->event_after_welcome) r_send(t, "[36,999,1,{}]");
        if (r->garbage_after_welcome) {
            /* a well-encoded list that is no valid message (EVENT with a string id) */
            static const char bad[] = "[36,\"x\"]";
            wamp_value v;
            wamp_buf b = {0};
            assert_int_equal(
                wamp_value_decode(WAMP_SER_JSON, (const uint8_t *)bad, sizeof bad - 1, a, NULL, &v),
                WAMP_OK);
            assert_int_equal(wamp_value_encode(wamp_transport_serializer(t), &v, &b), WAMP_OK);
            wamp_transport_send(t, b.data, b.len);
            wamp_buf_free(&b);
        }
        break;
    case WAMP_MSG_CALL:
        if (wamp_str_eqc(m.call.procedure, "com.add")) {
            char out[64];
            snprintf(out, sizeof out, "[50,%llu,{},[5]]", (unsigned long long)m.call.request);
            r_send(t, out);
        }
        break;
    case WAMP_MSG_CANCEL: {
        char out[80];
        snprintf(out, sizeof out, "[8,48,%llu,{},\"wamp.error.canceled\"]",
                 (unsigned long long)m.cancel.request);
        r_send(t, out);
        break;
    }
    case WAMP_MSG_GOODBYE: r_send(t, "[6,{},\"wamp.close.goodbye_and_out\"]"); break;
    default: break;
    }
    wamp_arena_free(a);
}

static void r_close(wamp_transport *t, int status, int code, const char *reason, void *user)
{
    (void)t;
    (void)status;
    (void)code;
    (void)reason;
    router *r = user;
    r->t = NULL;
    r->closed = true;
}

static void r_accept(wamp_listener *l, wamp_transport *t, void *user)
{
    (void)l;
    router *r = user;
    static const wamp_transport_callbacks cbs = {r_msg, NULL, r_close};
    r->t = t;
    wamp_transport_set_callbacks(t, &cbs, r);
}

typedef struct app {
    wamp_client *c;
    wamp_buf log;
    int pending;
    bool done;
} app;

static void a_result(void *user, wamp_session *s, wamp_id req, const wamp_call_result *res,
                     const wamp_error *err)
{
    (void)req;
    app *a = user;
    char tmp[128];
    if (res) {
        int64_t v = 0;
        wamp_value_get_int(wamp_value_list_at(&res->args, 0), &v);
        snprintf(tmp, sizeof tmp, "result:%lld;", (long long)v);
    } else {
        snprintf(tmp, sizeof tmp, "error:%s,%.*s;", wamp_err_name(err->code), (int)err->uri.len,
                 err->uri.ptr);
    }
    wamp_buf_append(&a->log, tmp, strlen(tmp));
    if (res && a->pending == 2) {
        wamp_call_opts slow = {.cancel_after_ms = 50};
        assert_int_equal(wamp_session_call(s, "com.slow", NULL, NULL, &slow, a_result, a, NULL), 0);
    }
    if (--a->pending == 0 && wamp_session_is_attached(s))
        assert_int_equal(wamp_session_leave(s, NULL, NULL), WAMP_OK);
}

static void a_connect(void *user, wamp_session *s)
{
    (void)user;
    wamp_join_opts o = {.realm = "realm1"};
    assert_int_equal(wamp_session_join(s, &o), WAMP_OK);
}

static void a_join(void *user, wamp_session *s, const wamp_session_details *d)
{
    app *a = user;
    char tmp[64];
    snprintf(tmp, sizeof tmp, "join:%llu;", (unsigned long long)d->session);
    wamp_buf_append(&a->log, tmp, strlen(tmp));
    a->pending = 2;
    /* com.slow (caller-side timeout) goes out once com.add answered: the order of the two
     * completions does not depend on how fast the machine is */
    assert_int_equal(wamp_session_call(s, "com.add", NULL, NULL, NULL, a_result, a, NULL), 0);
}

static void a_leave(void *user, wamp_session *s, const wamp_close_details *d)
{
    (void)s;
    app *a = user;
    char tmp[160];
    snprintf(tmp, sizeof tmp, "leave:%.*s;", (int)d->reason.len, d->reason.ptr);
    wamp_buf_append(&a->log, tmp, strlen(tmp));
    wamp_client_disconnect(a->c);
}

static void a_disconnect(void *user, wamp_session *s, bool clean)
{
    (void)s;
    app *a = user;
    char tmp[64];
    snprintf(tmp, sizeof tmp, "disconnect:%d;", clean);
    wamp_buf_append(&a->log, tmp, strlen(tmp));
    a->done = true;
}

static void on_deadline(wamp_timer *t, void *user)
{
    (void)t;
    *(bool *)user = true;
}

static void run_until(wamp_loop *loop, const bool *flag)
{
    bool expired = false;
    wamp_timer *t;
    assert_int_equal(wamp_timer_new(loop, on_deadline, &expired, &t), WAMP_OK);
    wamp_timer_start(t, 10000, 0);
    while (!*flag && !expired)
        wamp_loop_run(loop, WAMP_RUN_ONCE);
    wamp_timer_free(t);
    assert_true(*flag);
}

static void strip_log(wamp_buf *b, char *out, size_t n)
{
    snprintf(out, n, "%.*s", (int)b->len, (const char *)b->data);
    wamp_buf_clear(b);
}

static void scenario(const char *scheme, bool garbage)
{
    wamp_loop *loop;
    assert_int_equal(wamp_loop_new(&loop), WAMP_OK);
    router r = {.garbage_after_welcome = garbage};
    wamp_listener_options lo = {0};
    assert_int_equal(wamp_listener_new(loop, &lo, r_accept, &r, &r.l), WAMP_OK);
    char url[128];
    snprintf(url, sizeof url, "%s://127.0.0.1:%u%s", scheme, wamp_listener_port(r.l),
             scheme[0] == 'w' ? "/ws" : "");
    app a = {0};
    wamp_session_callbacks cb = {.on_connect = a_connect,
                                 .on_join = a_join,
                                 .on_leave = a_leave,
                                 .on_disconnect = a_disconnect};
    assert_int_equal(wamp_client_new(loop, &cb, &a, &a.c), WAMP_OK);
    assert_int_equal(wamp_client_connect(a.c, url, NULL), WAMP_OK);
    assert_int_equal(wamp_client_connect(a.c, url, NULL), WAMP_ESTATE);
    run_until(loop, &a.done);
    run_until(loop, &r.closed);
    char got[512];
    strip_log(&a.log, got, sizeof got);
    if (garbage) {
        /* the garbage follows WELCOME on the stream: only com.add is out when it arrives */
        assert_string_equal(got, "join:42;error:WAMP_EABORTED,wamp.error.protocol_violation;"
                                 "leave:wamp.error.protocol_violation;disconnect:1;");
    } else {
        assert_string_equal(got, "join:42;result:5;error:WAMP_ETIMEOUT,wamp.error.timeout;"
                                 "leave:wamp.close.goodbye_and_out;disconnect:1;");
    }
    strip_log(&r.log, got, sizeof got);
    if (garbage) {
        /* the client's ABORT arrives; its calls may or may not have been sent before */
        assert_non_null(strstr(got, "HELLO,"));
        assert_non_null(strstr(got, "ABORT,"));
    } else {
        assert_string_equal(got, "HELLO,CALL,CALL,CANCEL,GOODBYE,");
    }
    assert_int_equal(wamp_client_last_error(a.c), WAMP_OK);
    wamp_client_free(a.c);
    wamp_buf_free(&a.log);
    wamp_buf_free(&r.log);
    wamp_listener_free(r.l);
    for (int i = 0; i < 4; i++)
        wamp_loop_run(loop, WAMP_RUN_NOWAIT);
    assert_int_equal(wamp_loop_free(loop), WAMP_OK);
}

static void test_client_ws(void **state)
{
    (void)state;
    scenario("ws", false);
}

static void test_client_rs(void **state)
{
    (void)state;
    scenario("rs", false);
}

static void test_client_garbage(void **state)
{
    (void)state;
    scenario("rs", true);
}

static void test_client_refused(void **state)
{
    (void)state;
    wamp_loop *loop;
    assert_int_equal(wamp_loop_new(&loop), WAMP_OK);
    /* a port nothing listens on: bind a listener, note its port, free it */
    wamp_listener *l;
    wamp_listener_options lo = {0};
    assert_int_equal(wamp_listener_new(loop, &lo, r_accept, NULL, &l), WAMP_OK);
    char url[128];
    snprintf(url, sizeof url, "rs://127.0.0.1:%u", wamp_listener_port(l));
    wamp_listener_free(l);
    app a = {0};
    wamp_session_callbacks cb = {.on_disconnect = a_disconnect};
    assert_int_equal(wamp_client_new(loop, &cb, &a, &a.c), WAMP_OK);
    assert_int_equal(wamp_client_connect(a.c, "nope://x", NULL), WAMP_EURL);
    assert_int_equal(wamp_client_connect(a.c, url, NULL), WAMP_OK);
    run_until(loop, &a.done);
    assert_int_equal(wamp_client_last_error(a.c), WAMP_ECONNREFUSED);
    char got[128];
    strip_log(&a.log, got, sizeof got);
    assert_string_equal(got, "disconnect:0;");
    wamp_client_free(a.c);
    wamp_buf_free(&a.log);
    for (int i = 0; i < 4; i++)
        wamp_loop_run(loop, WAMP_RUN_NOWAIT);
    assert_int_equal(wamp_loop_free(loop), WAMP_OK);
}

/* ================================================================ transport details, user errors
 */

typedef struct tapp {
    wamp_client *c;
    wamp_buf log;
    char peer_want[64];
    bool done;
} tapp;

static void t_log(tapp *a, const char *text)
{
    wamp_buf_append(&a->log, text, strlen(text));
}

static int t_welcome(void *user, wamp_session *s, const wamp_session_details *d)
{
    tapp *a = user;
    /* the transport's details from the client API and in SessionDetails */
    wamp_transport_details td;
    assert_int_equal(wamp_client_transport_details(a->c, &td), WAMP_OK);
    assert_non_null(d->transport);
    assert_ptr_equal(d->transport, wamp_session_transport_details(s));
    assert_string_equal(td.peer, a->peer_want);
    assert_string_equal(d->transport->peer, a->peer_want);
    assert_int_equal(strncmp(td.own, "tcp4:127.0.0.1:", 15), 0);
    assert_string_equal(d->transport->own, td.own);
    assert_int_equal(td.channel_type, WAMP_CHANNEL_TCP);
    assert_int_equal(d->transport->channel_framing, td.channel_framing);
    assert_int_equal(d->transport->channel_serializer, td.channel_serializer);
    assert_int_equal(td.is_server, 0);
    assert_int_equal(td.is_secure, 0);
    char tmp[160];
    snprintf(tmp, sizeof tmp, "welcome:%.*s,%d,%s;", (int)d->serializer.len, d->serializer.ptr,
             (int)td.channel_framing, td.websocket_protocol ? td.websocket_protocol : "-");
    t_log(a, tmp);
    return WAMP_OK;
}

static void t_user_error(void *user, wamp_session *s, int code, const char *text)
{
    (void)s;
    tapp *a = user;
    char tmp[200];
    snprintf(tmp, sizeof tmp, "uerr:%s,%s;", wamp_err_name(code), text);
    t_log(a, tmp);
}

static void t_leave(void *user, wamp_session *s, const wamp_close_details *d)
{
    (void)s;
    tapp *a = user;
    char tmp[160];
    snprintf(tmp, sizeof tmp, "leave:%.*s;", (int)d->reason.len, d->reason.ptr);
    t_log(a, tmp);
    wamp_client_disconnect(a->c);
}

static void t_disconnect(void *user, wamp_session *s, bool clean)
{
    tapp *a = user;
    wamp_transport_details td;
    assert_int_equal(wamp_client_transport_details(a->c, &td), WAMP_ESTATE);
    assert_null(wamp_session_transport_details(s));
    char tmp[64];
    snprintf(tmp, sizeof tmp, "disconnect:%d;", clean);
    t_log(a, tmp);
    a->done = true;
}

static void details_scenario(const char *scheme, const wamp_transport_options *opts,
                             const char *want)
{
    wamp_loop *loop;
    assert_int_equal(wamp_loop_new(&loop), WAMP_OK);
    router r = {.event_after_welcome = true};
    wamp_listener_options lo = {0};
    assert_int_equal(wamp_listener_new(loop, &lo, r_accept, &r, &r.l), WAMP_OK);
    char url[128];
    snprintf(url, sizeof url, "%s://127.0.0.1:%u%s", scheme, wamp_listener_port(r.l),
             scheme[0] == 'w' ? "/ws" : "");
    tapp a = {0};
    snprintf(a.peer_want, sizeof a.peer_want, "tcp4:127.0.0.1:%u", wamp_listener_port(r.l));
    wamp_session_callbacks cb = {.on_connect = a_connect,
                                 .on_welcome = t_welcome,
                                 .on_leave = t_leave,
                                 .on_disconnect = t_disconnect,
                                 .on_user_error = t_user_error};
    assert_int_equal(wamp_client_new(loop, &cb, &a, &a.c), WAMP_OK);
    wamp_transport_details td;
    assert_int_equal(wamp_client_transport_details(NULL, &td), WAMP_EINVAL);
    assert_int_equal(wamp_client_transport_details(a.c, NULL), WAMP_EINVAL);
    assert_int_equal(wamp_client_transport_details(a.c, &td), WAMP_ESTATE); /* not connected */
    assert_int_equal(wamp_client_connect(a.c, url, opts), WAMP_OK);
    assert_int_equal(wamp_client_transport_details(a.c, &td), WAMP_ESTATE); /* connecting */
    run_until(loop, &a.done);
    run_until(loop, &r.closed);
    char got[512];
    strip_log(&a.log, got, sizeof got);
    assert_string_equal(got, want);
    assert_int_equal(wamp_client_transport_details(a.c, &td), WAMP_ESTATE);
    wamp_client_free(a.c);
    wamp_buf_free(&a.log);
    wamp_buf_free(&r.log);
    wamp_listener_free(r.l);
    for (int i = 0; i < 4; i++)
        wamp_loop_run(loop, WAMP_RUN_NOWAIT);
    assert_int_equal(wamp_loop_free(loop), WAMP_OK);
}

/* wamp_client_transport_details() and SessionDetails.serializer/.transport over real sockets;
 * on_user_error reaches the application through the client (a protocol violation by the
 * router: an EVENT for a subscription never made, answered with ABORT). */
static void test_client_transport_details(void **state)
{
    (void)state;
    static const char *const cbor[] = {"wamp.2.cbor"};
    wamp_transport_options ws = {0};
    ws.websocket.protocols = cbor;
    ws.websocket.protocol_count = 1;
    details_scenario("ws", &ws,
                     "welcome:cbor,2,wamp.2.cbor;"
                     "uerr:WAMP_EPROTO,EVENT received for a non-subscribed subscription;"
                     "leave:wamp.error.protocol_violation;disconnect:1;");
    wamp_transport_options rs = {0};
    rs.rawsocket.serializer = WAMP_SER_MSGPACK;
    details_scenario("rs", &rs,
                     "welcome:msgpack,3,-;"
                     "uerr:WAMP_EPROTO,EVENT received for a non-subscribed subscription;"
                     "leave:wamp.error.protocol_violation;disconnect:1;");
}

/* ================================================================ teardown in flight */

typedef struct fapp {
    wamp_client *c;
    int completions;
    int code;
    bool joined, disconnected;
} fapp;

static void f_result(void *user, wamp_session *s, wamp_id req, const wamp_call_result *res,
                     const wamp_error *err)
{
    (void)s;
    (void)req;
    fapp *a = user;
    assert_null(res);
    a->completions++;
    a->code = err->code;
}

static void f_join(void *user, wamp_session *s, const wamp_session_details *d)
{
    (void)d;
    fapp *a = user;
    /* nobody answers com.never: one call waits on its caller-side timer, one on nothing */
    wamp_call_opts timed = {.cancel_after_ms = 60000};
    assert_int_equal(wamp_session_call(s, "com.never", NULL, NULL, &timed, f_result, a, NULL), 0);
    assert_int_equal(wamp_session_call(s, "com.never", NULL, NULL, NULL, f_result, a, NULL), 0);
    a->joined = true;
}

static void f_disconnect(void *user, wamp_session *s, bool clean)
{
    (void)s;
    (void)clean;
    ((fapp *)user)->disconnected = true;
}

static bool buf_has(const wamp_buf *b, const char *needle)
{
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%.*s", (int)b->len, b->data ? (const char *)b->data : "");
    return strstr(tmp, needle) != NULL;
}

/* wamp_client_free() while joined with calls in flight and the session timer armed: each call
 * completes once with WAMP_ECLOSED, no other callback runs, the loop frees cleanly with no
 * timer or handle left behind (ASan, memcheck.test_client). */
static void test_client_free_in_flight(void **state)
{
    (void)state;
    wamp_loop *loop;
    assert_int_equal(wamp_loop_new(&loop), WAMP_OK);
    router r = {0};
    wamp_listener_options lo = {0};
    assert_int_equal(wamp_listener_new(loop, &lo, r_accept, &r, &r.l), WAMP_OK);
    char url[128];
    snprintf(url, sizeof url, "ws://127.0.0.1:%u/ws", wamp_listener_port(r.l));
    fapp a = {0};
    wamp_session_callbacks cb = {
        .on_connect = a_connect, .on_join = f_join, .on_disconnect = f_disconnect};
    assert_int_equal(wamp_client_new(loop, &cb, &a, &a.c), WAMP_OK);
    assert_int_equal(wamp_client_connect(a.c, url, NULL), WAMP_OK);
    run_until(loop, &a.joined);
    /* both CALLs reach the router before the client goes (10 s watchdog) */
    bool expired = false;
    wamp_timer *t;
    assert_int_equal(wamp_timer_new(loop, on_deadline, &expired, &t), WAMP_OK);
    wamp_timer_start(t, 10000, 0);
    while (!buf_has(&r.log, "CALL,CALL,") && !expired)
        wamp_loop_run(loop, WAMP_RUN_ONCE);
    wamp_timer_free(t);
    assert_true(buf_has(&r.log, "CALL,CALL,"));
    assert_int_equal(a.completions, 0);
    wamp_client_free(a.c);
    assert_int_equal(a.completions, 2);
    assert_int_equal(a.code, WAMP_ECLOSED);
    assert_false(a.disconnected);
    run_until(loop, &r.closed); /* the router sees the connection go */
    assert_int_equal(a.completions, 2);
    wamp_buf_free(&r.log);
    wamp_listener_free(r.l);
    for (int i = 0; i < 4; i++)
        wamp_loop_run(loop, WAMP_RUN_NOWAIT);
    assert_int_equal(wamp_loop_free(loop), WAMP_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_ws),
        cmocka_unit_test(test_client_rs),
        cmocka_unit_test(test_client_garbage),
        cmocka_unit_test(test_client_refused),
        cmocka_unit_test(test_client_transport_details),
        cmocka_unit_test(test_client_free_in_flight),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
