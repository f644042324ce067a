/*
 * Unit tests of src/session: the sans-I/O client session driven by a scripted router. Every
 * message the session sends is encoded to JSON (the exact wire bytes) and compared; every
 * message the router sends is JSON decoded and parsed as a transport would. Callbacks append
 * to a log that the tests compare exactly, which also checks exactly-once completion.
 */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXOUT 32

typedef struct rt {
    wamp_session *s;
    char *out[MAXOUT];
    int nout, head;
    int send_rc;
    wamp_buf log;
    /* behaviour switches for callbacks */
    bool free_in_leave;
    bool refuse_welcome;
    bool yield_in_handler;
    bool error_in_interrupt;
    bool unsubscribe_in_event;
    wamp_id last_inv;
    wamp_id last_handle;
} rt;

static void logf_(rt *r, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    wamp_buf_append(&r->log, tmp, (size_t)n);
}

static void log_value(rt *r, const wamp_value *v)
{
    if (wamp_value_is_null(v)) {
        logf_(r, "-");
        return;
    }
    wamp_value_dump(&r->log, v);
}

static void log_str(rt *r, wamp_str s)
{
    if (!s.ptr)
        logf_(r, "-");
    else
        wamp_buf_append(&r->log, s.ptr, s.len);
}

static int t_send(void *user, const wamp_message *m)
{
    rt *r = user;
    if (r->send_rc) return r->send_rc;
    wamp_arena *a = wamp_arena_new(0);
    wamp_buf b = {0};
    int rc = wamp_message_encode(WAMP_SER_JSON, m, a, &b);
    if (rc) fail_msg("session sent a message that does not encode: %s", wamp_err_name(rc));
    wamp_buf_append_byte(&b, 0);
    wamp_arena_free(a);
    if (r->nout >= MAXOUT) fail_msg("too many messages sent");
    r->out[r->nout++] = (char *)b.data;
    return WAMP_OK;
}

static void t_connect(void *user, wamp_session *s)
{
    (void)s;
    logf_(user, "connect;");
}

static int t_welcome(void *user, wamp_session *s, const wamp_session_details *d)
{
    (void)s;
    rt *r = user;
    logf_(r, "welcome:%llu;", (unsigned long long)d->session);
    return r->refuse_welcome ? WAMP_EDENIED : WAMP_OK;
}

static void t_join(void *user, wamp_session *s, const wamp_session_details *d)
{
    rt *r = user;
    assert_true(wamp_session_is_attached(s));
    assert_ptr_equal(wamp_session_details_get(s), d);
    logf_(r, "join:%llu,", (unsigned long long)d->session);
    log_str(r, d->realm);
    logf_(r, ",");
    log_str(r, d->authid);
    logf_(r, ",");
    log_str(r, d->authrole);
    logf_(r, ",");
    log_str(r, d->authmethod);
    logf_(r, ",");
    log_str(r, d->authprovider);
    logf_(r, ",");
    log_value(r, &d->authextra);
    logf_(r, ",%s,%s,%s;", wamp_roles_has(&d->router_roles, WAMP_ROLE_DEALER) ? "dealer" : "",
          d->resumed ? "resumed" : "", d->resumable ? "resumable" : "");
}

static void t_leave(void *user, wamp_session *s, const wamp_close_details *d)
{
    rt *r = user;
    assert_false(wamp_session_is_attached(s));
    logf_(r, "leave:");
    log_str(r, d->reason);
    logf_(r, ",");
    log_str(r, d->message);
    logf_(r, ";");
    if (r->free_in_leave) {
        wamp_session_free(s);
        r->s = NULL;
    }
}

static void t_disconnect(void *user, wamp_session *s, bool clean)
{
    (void)s;
    logf_(user, "disconnect:%d;", clean);
}

static void t_user_error(void *user, wamp_session *s, int code, const char *text)
{
    (void)s;
    (void)text;
    logf_(user, "uerr:%s;", wamp_err_name(code));
}

static const wamp_session_callbacks CBS = {t_send, t_connect, NULL,         t_welcome,
                                           t_join, t_leave,   t_disconnect, t_user_error};

static rt *rt_new(void)
{
    rt *r = calloc(1, sizeof *r);
    assert_int_equal(wamp_session_new(&CBS, r, &r->s), WAMP_OK);
    return r;
}

static void rt_free(rt *r)
{
    wamp_session_free(r->s);
    for (int i = 0; i < r->nout; i++)
        free(r->out[i]);
    wamp_buf_free(&r->log);
    free(r);
}

/* The next message the session sent must be exactly json. */
static void expect_sent(rt *r, const char *json)
{
    if (r->head >= r->nout) fail_msg("expected the session to send %s, it sent nothing", json);
    if (strcmp(r->out[r->head], json) != 0)
        fail_msg("sent:     %s\nexpected: %s", r->out[r->head], json);
    r->head++;
}

static void expect_nothing_sent(rt *r)
{
    if (r->head < r->nout) fail_msg("unexpected message sent: %s", r->out[r->head]);
}

/* The callback log since the last check must be exactly want. */
static void expect_log(rt *r, const char *want)
{
    wamp_buf_append_byte(&r->log, 0);
    if (strcmp((char *)r->log.data, want) != 0)
        fail_msg("log:      %s\nexpected: %s", (char *)r->log.data, want);
    wamp_buf_clear(&r->log);
}

/* The router sends json. */
static void feed(rt *r, const char *json)
{
    wamp_arena *a = wamp_arena_new(0);
    wamp_message m;
    wamp_msg_error e;
    int rc =
        wamp_message_decode(WAMP_SER_JSON, (const uint8_t *)json, strlen(json), a, NULL, &m, &e);
    if (rc) fail_msg("test message does not parse: %s: %s", e.text, json);
    assert_int_equal(wamp_session_receive(r->s, &m), WAMP_OK);
    wamp_arena_free(a);
}

static wamp_value jv(wamp_arena *a, const char *json)
{
    wamp_value v;
    assert_int_equal(
        wamp_value_decode(WAMP_SER_JSON, (const uint8_t *)json, strlen(json), a, NULL, &v), 0);
    return v;
}

#define HELLO_ROLES                                                                                \
    "\"roles\":{\"subscriber\":{\"features\":{\"publisher_identification\":true,"                  \
    "\"pattern_based_subscription\":true,\"subscription_revocation\":true}},"                      \
    "\"publisher\":{\"features\":{\"publisher_identification\":true,"                              \
    "\"subscriber_blackwhite_listing\":true,\"publisher_exclusion\":true}},"                       \
    "\"caller\":{\"features\":{\"caller_identification\":true,\"call_timeout\":true,"              \
    "\"call_canceling\":true,\"progressive_call_results\":true}},"                                 \
    "\"callee\":{\"features\":{\"caller_identification\":true,"                                    \
    "\"pattern_based_registration\":true,\"shared_registration\":true,"                            \
    "\"call_canceling\":true,\"progressive_call_results\":true,"                                   \
    "\"registration_revocation\":true}}}"

#define WELCOME                                                                                    \
    "[2,9129137332,{\"roles\":{\"broker\":{},\"dealer\":{}},\"authid\":\"joe\","                   \
    "\"authrole\":\"user\",\"authmethod\":\"anonymous\",\"authprovider\":\"static\"}]"

/* A joined session (anonymous). */
static rt *joined_rt(void)
{
    rt *r = rt_new();
    assert_int_equal(wamp_session_transport_open(r->s), WAMP_OK);
    wamp_join_opts o = {.realm = "realm1"};
    assert_int_equal(wamp_session_join(r->s, &o), WAMP_OK);
    expect_sent(r, "[1,\"realm1\",{" HELLO_ROLES "}]");
    feed(r, WELCOME);
    expect_log(r, "connect;welcome:9129137332;join:9129137332,-,joe,user,anonymous,static,-,"
                  "dealer,,;");
    return r;
}

/* ================================================================ life cycle */

static void test_join_leave(void **state)
{
    (void)state;
    rt *r = rt_new();
    wamp_join_opts o = {.realm = "realm1"};
    assert_int_equal(wamp_session_join(r->s, &o), WAMP_ESTATE); /* no transport */
    assert_int_equal(wamp_session_receive(r->s, &(wamp_message){.type = WAMP_MSG_WELCOME}),
                     WAMP_ESTATE);
    assert_int_equal(wamp_session_transport_open(r->s), WAMP_OK);
    assert_int_equal(wamp_session_transport_open(r->s), WAMP_ESTATE);
    o.realm = "bad realm";
    assert_int_equal(wamp_session_join(r->s, &o), WAMP_EREALM);
    o.realm = "realm1";
    o.resumable = true;
    assert_int_equal(wamp_session_call(r->s, "com.x", NULL, NULL, NULL, NULL, NULL, NULL),
                     WAMP_EINVAL);
    assert_int_equal(wamp_session_leave(r->s, NULL, NULL), WAMP_ENOTREADY);
    assert_int_equal(wamp_session_join(r->s, &o), WAMP_OK);
    expect_sent(r, "[1,\"realm1\",{" HELLO_ROLES ",\"resumable\":true}]");
    assert_int_equal(wamp_session_join(r->s, &o), WAMP_ESTATE);
    assert_false(wamp_session_is_attached(r->s));
    assert_null(wamp_session_details_get(r->s));
    feed(r, "[2,77,{\"roles\":{\"broker\":{}},\"realm\":\"realm1\",\"authextra\":{\"x\":1},"
            "\"resumed\":true,\"resumable\":true,\"resume_token\":\"tok\"}]");
    expect_log(r, "connect;welcome:77;join:77,realm1,-,-,-,-,{\"x\": 1},,resumed,resumable;");
    assert_true(wamp_session_is_attached(r->s));
    assert_int_equal(wamp_session_details_get(r->s)->session, 77);
    assert_int_equal(wamp_session_leave(r->s, "bad uri#", NULL), WAMP_EURI);
    assert_int_equal(wamp_session_leave(r->s, NULL, "bye"), WAMP_OK);
    expect_sent(r, "[6,{\"message\":\"bye\"},\"wamp.close.normal\"]");
    /* still attached until the router answers; new requests are refused */
    assert_true(wamp_session_is_attached(r->s));
    assert_int_equal(wamp_session_leave(r->s, NULL, NULL), WAMP_ENOTREADY);
    feed(r, "[6,{},\"wamp.close.goodbye_and_out\"]");
    expect_log(r, "leave:wamp.close.goodbye_and_out,-;");
    expect_nothing_sent(r);
    assert_false(wamp_session_is_attached(r->s));
    /* join again on the same transport */
    o.resumable = false;
    assert_int_equal(wamp_session_join(r->s, &o), WAMP_OK);
    expect_sent(r, "[1,\"realm1\",{" HELLO_ROLES "}]");
    feed(r, WELCOME);
    expect_log(r, "welcome:9129137332;join:9129137332,-,joe,user,anonymous,static,-,dealer,,;");
    wamp_session_transport_closed(r->s, WAMP_ECONNRESET);
    expect_log(r, "leave:wamp.close.transport_lost,-;disconnect:0;");
    wamp_session_transport_closed(r->s, WAMP_OK); /* twice: no-op */
    expect_log(r, "");
    rt_free(r);
}

static void test_router_goodbye(void **state)
{
    (void)state;
    rt *r = joined_rt();
    feed(r, "[6,{\"message\":\"shutting down\"},\"wamp.close.system_shutdown\"]");
    expect_sent(r, "[6,{},\"wamp.close.goodbye_and_out\"]");
    expect_log(r, "leave:wamp.close.system_shutdown,shutting down;");
    wamp_session_transport_closed(r->s, WAMP_OK);
    expect_log(r, "disconnect:1;");
    rt_free(r);
}

static void test_abort_on_join(void **state)
{
    (void)state;
    rt *r = rt_new();
    wamp_session_transport_open(r->s);
    wamp_join_opts o = {.realm = "nope"};
    assert_int_equal(wamp_session_join(r->s, &o), WAMP_OK);
    expect_sent(r, "[1,\"nope\",{" HELLO_ROLES "}]");
    feed(r, "[3,{\"message\":\"no realm\"},\"wamp.error.no_such_realm\"]");
    expect_log(r, "connect;leave:wamp.error.no_such_realm,no realm;");
    expect_nothing_sent(r);
    assert_false(wamp_session_is_attached(r->s));
    rt_free(r);
}

static void test_refuse_welcome(void **state)
{
    (void)state;
    rt *r = rt_new();
    r->refuse_welcome = true;
    wamp_session_transport_open(r->s);
    wamp_join_opts o = {.realm = "realm1"};
    assert_int_equal(wamp_session_join(r->s, &o), WAMP_OK);
    expect_sent(r, "[1,\"realm1\",{" HELLO_ROLES "}]");
    feed(r, WELCOME);
    expect_sent(r, "[3,{\"message\":\"the application refused WELCOME\"},"
                   "\"wamp.error.cannot_authenticate\"]");
    expect_log(r, "connect;welcome:9129137332;leave:wamp.error.cannot_authenticate,the "
                  "application refused WELCOME;");
    rt_free(r);
}

static void test_ticket_auth(void **state)
{
    (void)state;
    rt *r = rt_new();
    wamp_authenticator *auth;
    wamp_auth_config cfg = {.authid = "joe", .authrole = "user", .secret = "secret!!!"};
    assert_int_equal(wamp_authenticator_new("ticket", &cfg, &auth), WAMP_OK);
    wamp_session_transport_open(r->s);
    wamp_join_opts o = {.realm = "realm1", .auth = auth};
    assert_int_equal(wamp_session_join(r->s, &o), WAMP_OK);
    expect_sent(r, "[1,\"realm1\",{" HELLO_ROLES
                   ",\"authmethods\":[\"ticket\"],\"authid\":\"joe\",\"authrole\":\"user\"}]");
    feed(r, "[4,\"ticket\",{}]");
    expect_sent(r, "[5,\"secret!!!\",{}]");
    feed(r, "[2,5,{\"roles\":{\"broker\":{}},\"authid\":\"joe\",\"authrole\":\"user\","
            "\"authmethod\":\"ticket\",\"authprovider\":\"static\"}]");
    expect_log(r, "connect;welcome:5;join:5,-,joe,user,ticket,static,-,,,;");
    /* a second join attempt on the same authenticator after leaving: wrong challenge aborts */
    wamp_session_leave(r->s, NULL, NULL);
    expect_sent(r, "[6,{},\"wamp.close.normal\"]");
    feed(r, "[6,{},\"wamp.close.goodbye_and_out\"]");
    expect_log(r, "leave:wamp.close.goodbye_and_out,-;");
    assert_int_equal(wamp_session_join(r->s, &o), WAMP_OK);
    r->head = r->nout;
    feed(r, "[4,\"wampcra\",{\"challenge\":\"x\"}]");
    expect_sent(r, "[3,{\"message\":\"cannot answer the wampcra challenge: authentication "
                   "failed\"},\"wamp.error.cannot_authenticate\"]");
    expect_log(r, "leave:wamp.error.cannot_authenticate,cannot answer the wampcra challenge: "
                  "authentication failed;");
    /* anonymous (no authenticator) cannot answer a challenge either */
    wamp_join_opts anon = {.realm = "realm1"};
    assert_int_equal(wamp_session_join(r->s, &anon), WAMP_OK);
    r->head = r->nout;
    feed(r, "[4,\"ticket\",{}]");
    expect_sent(r, "[3,{\"message\":\"cannot answer the ticket challenge: authentication "
                   "failed\"},\"wamp.error.cannot_authenticate\"]");
    expect_log(r, "leave:wamp.error.cannot_authenticate,cannot answer the ticket challenge: "
                  "authentication failed;");
    rt_free(r);
    wamp_authenticator_free(auth);
}

static int custom_challenge(void *user, wamp_session *s, const wamp_challenge *c, wamp_arena *a,
                            wamp_value *sig, wamp_value *extra)
{
    (void)user;
    (void)s;
    assert_true(wamp_str_eqc(c->method, "x_custom"));
    *sig = wamp_value_cstring(a, "sig");
    *extra = wamp_value_dict();
    return wamp_value_dict_setc(a, extra, "k", wamp_value_int(1));
}

static void test_custom_challenge_and_overrides(void **state)
{
    (void)state;
    rt *r = calloc(1, sizeof *r);
    wamp_session_callbacks cb = CBS;
    cb.on_challenge = custom_challenge;
    assert_int_equal(wamp_session_new(&cb, r, &r->s), WAMP_OK);
    wamp_session_transport_open(r->s);
    wamp_arena *a = wamp_arena_new(0);
    wamp_value methods = jv(a, "[\"x_custom\",\"anonymous\"]");
    wamp_value extra = jv(a, "{\"a\":\"b\"}");
    wamp_join_opts o = {.realm = "realm1",
                        .authmethods = &methods,
                        .authid = "me",
                        .authrole = "r",
                        .authextra = &extra};
    assert_int_equal(wamp_session_join(r->s, &o), WAMP_OK);
    expect_sent(r, "[1,\"realm1\",{" HELLO_ROLES ",\"authmethods\":[\"x_custom\",\"anonymous\"],"
                   "\"authid\":\"me\",\"authrole\":\"r\",\"authextra\":{\"a\":\"b\"}}]");
    feed(r, "[4,\"x_custom\",{}]");
    expect_sent(r, "[5,\"sig\",{\"k\":1}]");
    wamp_arena_free(a);
    rt_free(r);
}

static void test_protocol_violations(void **state)
{
    (void)state;
    static const char *const during_join[] = {"[36,1,2,{}]", "[6,{},\"wamp.close.normal\"]",
                                              "[50,1,{}]"};
    for (size_t i = 0; i < 3; i++) {
        rt *r = rt_new();
        wamp_session_transport_open(r->s);
        wamp_join_opts o = {.realm = "realm1"};
        wamp_session_join(r->s, &o);
        r->head = r->nout;
        feed(r, during_join[i]);
        expect_sent(r, "[3,{\"message\":\"unexpected message while joining\"},"
                       "\"wamp.error.protocol_violation\"]");
        expect_log(r, "connect;uerr:WAMP_EPROTO;leave:wamp.error.protocol_violation,"
                      "unexpected message while joining;");
        rt_free(r);
    }
    static const struct {
        const char *in, *text;
    } joined_cases[] = {
        {"[50,1,{}]", "RESULT received for a non-pending request"},
        {"[8,48,1,{},\"wamp.error.x\"]", "ERROR received for a non-pending request"},
        {"[8,68,1,{},\"wamp.error.x\"]",
         "ERROR received for a request type a client does not send"},
        {"[17,1,2]", "PUBLISHED received for a non-pending request"},
        {"[33,1,2]", "SUBSCRIBED received for a non-pending request"},
        {"[35,1]", "UNSUBSCRIBED received for a non-pending request"},
        {"[65,1,2]", "REGISTERED received for a non-pending request"},
        {"[67,1]", "UNREGISTERED received for a non-pending request"},
        {"[36,1,2,{}]", "EVENT received for a non-subscribed subscription"},
        {"[68,1,2,{}]", "INVOCATION received for a non-registered registration"},
        {"[2,1,{\"roles\":{\"broker\":{}}}]", "unexpected message type for a client session"},
        {"[4,\"ticket\",{}]", "unexpected message type for a client session"},
        {"[48,1,{},\"com.x\"]", "unexpected message type for a client session"},
    };
    for (size_t i = 0; i < sizeof joined_cases / sizeof joined_cases[0]; i++) {
        rt *r = joined_rt();
        feed(r, joined_cases[i].in);
        char want[300];
        snprintf(want, sizeof want, "[3,{\"message\":\"%s\"},\"wamp.error.protocol_violation\"]",
                 joined_cases[i].text);
        expect_sent(r, want);
        snprintf(want, sizeof want, "uerr:WAMP_EPROTO;leave:wamp.error.protocol_violation,%s;",
                 joined_cases[i].text);
        expect_log(r, want);
        assert_false(wamp_session_is_attached(r->s));
        rt_free(r);
    }
    /* a message when no session is open */
    rt *r = rt_new();
    wamp_session_transport_open(r->s);
    feed(r, WELCOME);
    expect_sent(r, "[3,{\"message\":\"message received while no session is open\"},"
                   "\"wamp.error.protocol_violation\"]");
    rt_free(r);
}

/* ================================================================ caller */

static void call_cb(void *user, wamp_session *s, wamp_id req, const wamp_call_result *res,
                    const wamp_error *err)
{
    (void)s;
    rt *r = user;
    if (res) {
        logf_(r, "%s%llu:", res->progress ? "progress" : "result", (unsigned long long)req);
        log_value(r, &res->args);
        logf_(r, ",");
        log_value(r, &res->kwargs);
        if (res->callee.set) logf_(r, ",callee=%lld", (long long)res->callee.value);
        logf_(r, ";");
    } else {
        logf_(r, "error%llu:%s,", (unsigned long long)req, wamp_err_name(err->code));
        log_str(r, err->uri);
        logf_(r, ",");
        log_value(r, &err->args);
        logf_(r, ",");
        log_value(r, &err->kwargs);
        logf_(r, ";");
    }
}

static void test_call(void **state)
{
    (void)state;
    rt *r = joined_rt();
    wamp_arena *a = wamp_arena_new(0);
    wamp_value args = jv(a, "[1,\"two\"]"), kwargs = jv(a, "{\"k\":true}");
    wamp_id id = 0;
    assert_int_equal(wamp_session_call(r->s, "com.bad..uri", NULL, NULL, NULL, call_cb, r, &id),
                     WAMP_EURI);
    assert_int_equal(wamp_session_call(r->s, "com.x", &kwargs, NULL, NULL, call_cb, r, &id),
                     WAMP_EINVAL);
    expect_nothing_sent(r);
    assert_int_equal(wamp_session_call(r->s, "com.add", &args, &kwargs, NULL, call_cb, r, &id),
                     WAMP_OK);
    assert_int_equal(id, 1);
    expect_sent(r, "[48,1,{},\"com.add\",[1,\"two\"],{\"k\":true}]");
    wamp_call_opts o = {.timeout_ms = 1500, .disclose_me = true, .on_progress = call_cb};
    assert_int_equal(wamp_session_call(r->s, "com.prog", NULL, NULL, &o, call_cb, r, &id), WAMP_OK);
    assert_int_equal(id, 2);
    expect_sent(r, "[48,2,{\"timeout\":1500,\"receive_progress\":true,\"disclose_me\":true},"
                   "\"com.prog\"]");
    assert_int_equal(wamp_session_call(r->s, "com.fail", NULL, NULL, NULL, call_cb, r, &id),
                     WAMP_OK);
    expect_sent(r, "[48,3,{},\"com.fail\"]");
    feed(r, "[50,2,{\"progress\":true},[1]]");
    feed(r, "[50,2,{\"progress\":true},[2]]");
    feed(r, "[50,1,{\"callee\":42},[3]]");
    feed(r, "[8,48,3,{},\"com.error.oops\",[\"why\"],{\"code\":7}]");
    feed(r, "[50,2,{},[],{\"done\":1}]");
    expect_log(r, "progress2:[1],-;progress2:[2],-;result1:[3],-,callee=42;"
                  "error3:WAMP_EAPPLICATION,com.error.oops,[\"why\"],{\"code\": 7};"
                  "result2:[],{\"done\": 1};");
    /* a progressive result the call did not ask for */
    assert_int_equal(wamp_session_call(r->s, "com.x", NULL, NULL, NULL, call_cb, r, &id), WAMP_OK);
    feed(r, "[50,4,{\"progress\":true}]");
    expect_log(r, "uerr:WAMP_EPROTO;error4:WAMP_EABORTED,wamp.error.protocol_violation,-,-;"
                  "leave:wamp.error.protocol_violation,progressive RESULT received for a call "
                  "that did not ask for them;");
    assert_int_equal(wamp_session_call(r->s, "com.x", NULL, NULL, NULL, call_cb, r, &id),
                     WAMP_ENOTREADY);
    wamp_arena_free(a);
    rt_free(r);
}

static void test_cancel(void **state)
{
    (void)state;
    rt *r = joined_rt();
    wamp_id a, b, c, d;
    wamp_session_call(r->s, "com.a", NULL, NULL, NULL, call_cb, r, &a);
    wamp_session_call(r->s, "com.b", NULL, NULL, NULL, call_cb, r, &b);
    wamp_session_call(r->s, "com.c", NULL, NULL, NULL, call_cb, r, &c);
    wamp_session_call(r->s, "com.d", NULL, NULL, NULL, call_cb, r, &d);
    r->head = r->nout;
    assert_int_equal(wamp_session_cancel(r->s, 99, WAMP_CANCEL_KILL), WAMP_ENOTFOUND);
    /* skip: completes at once; the router's later ERROR is swallowed */
    assert_int_equal(wamp_session_cancel(r->s, a, WAMP_CANCEL_SKIP), WAMP_OK);
    expect_sent(r, "[49,1,{\"mode\":\"skip\"}]");
    expect_log(r, "error1:WAMP_ECANCELED,wamp.error.canceled,-,-;");
    assert_int_equal(wamp_session_cancel(r->s, a, WAMP_CANCEL_SKIP), WAMP_ENOTFOUND);
    feed(r, "[8,48,1,{},\"wamp.error.canceled\"]");
    expect_log(r, "");
    /* after the swallowed answer the request is really gone */
    feed(r, "[50,1,{}]");
    expect_log(r, "uerr:WAMP_EPROTO;error2:WAMP_EABORTED,wamp.error.protocol_violation,-,-;"
                  "error3:WAMP_EABORTED,wamp.error.protocol_violation,-,-;"
                  "error4:WAMP_EABORTED,wamp.error.protocol_violation,-,-;"
                  "leave:wamp.error.protocol_violation,RESULT received for a non-pending "
                  "request;");
    rt_free(r);

    r = joined_rt();
    wamp_session_call(r->s, "com.a", NULL, NULL, NULL, call_cb, r, &a);
    wamp_session_call(r->s, "com.b", NULL, NULL, NULL, call_cb, r, &b);
    wamp_session_call(r->s, "com.c", NULL, NULL, NULL, call_cb, r, &c);
    r->head = r->nout;
    /* kill: waits for the router's answer */
    assert_int_equal(wamp_session_cancel(r->s, a, WAMP_CANCEL_KILL), WAMP_OK);
    expect_sent(r, "[49,1,{\"mode\":\"kill\"}]");
    expect_log(r, "");
    feed(r, "[8,48,1,{},\"wamp.error.canceled\"]");
    expect_log(r, "error1:WAMP_EAPPLICATION,wamp.error.canceled,-,-;");
    /* killnowait: completes at once; a RESULT that crossed the CANCEL is swallowed */
    assert_int_equal(wamp_session_cancel(r->s, b, WAMP_CANCEL_KILLNOWAIT), WAMP_OK);
    expect_sent(r, "[49,2,{\"mode\":\"killnowait\"}]");
    expect_log(r, "error2:WAMP_ECANCELED,wamp.error.canceled,-,-;");
    feed(r, "[50,2,{\"progress\":true}]");
    feed(r, "[50,2,{}]");
    expect_log(r, "");
    /* no mode: the option is left out */
    assert_int_equal(wamp_session_cancel(r->s, c, WAMP_CANCEL_UNSET), WAMP_OK);
    expect_sent(r, "[49,3,{}]");
    r->send_rc = WAMP_ECONNRESET;
    assert_int_equal(wamp_session_cancel(r->s, c, WAMP_CANCEL_KILL), WAMP_ECONNRESET);
    assert_int_equal(wamp_session_call(r->s, "com.e", NULL, NULL, NULL, call_cb, r, NULL),
                     WAMP_ECONNRESET);
    r->send_rc = 0;
    expect_log(r, "");
    wamp_session_transport_closed(r->s, WAMP_ECONNRESET);
    expect_log(r, "error3:WAMP_ETRANSPORTLOST,wamp.close.transport_lost,-,-;"
                  "leave:wamp.close.transport_lost,-;disconnect:0;");
    rt_free(r);
}

static void test_timeout(void **state)
{
    (void)state;
    rt *r = joined_rt();
    uint64_t dl;
    assert_false(wamp_session_next_deadline(r->s, &dl));
    wamp_session_tick(r->s, 1000);
    wamp_call_opts o1 = {.cancel_after_ms = 500};
    wamp_call_opts o2 = {
        .cancel_after_ms = 200, .cancel_mode = WAMP_CANCEL_KILL, .timeout_ms = 150};
    wamp_id a, b;
    wamp_session_call(r->s, "com.slow", NULL, NULL, &o1, call_cb, r, &a);
    wamp_session_call(r->s, "com.slower", NULL, NULL, &o2, call_cb, r, &b);
    expect_sent(r, "[48,1,{},\"com.slow\"]");
    expect_sent(r, "[48,2,{\"timeout\":150},\"com.slower\"]");
    assert_true(wamp_session_next_deadline(r->s, &dl));
    assert_int_equal(dl, 1200);
    wamp_session_tick(r->s, 1199);
    expect_nothing_sent(r);
    expect_log(r, "");
    wamp_session_tick(r->s, 1200);
    expect_sent(r, "[49,2,{\"mode\":\"kill\"}]");
    expect_log(r, "error2:WAMP_ETIMEOUT,wamp.error.timeout,-,-;");
    assert_true(wamp_session_next_deadline(r->s, &dl));
    assert_int_equal(dl, 1500);
    wamp_session_tick(r->s, 100); /* the clock never goes back */
    expect_log(r, "");
    feed(r, "[8,48,2,{},\"wamp.error.canceled\"]"); /* swallowed */
    feed(r, "[50,1,{},[\"in time\"]]");
    expect_log(r, "result1:[\"in time\"],-;");
    assert_false(wamp_session_next_deadline(r->s, &dl));
    wamp_session_tick(r->s, 5000);
    expect_nothing_sent(r);
    expect_log(r, "");
    /* a timeout with the default mode, then the session ends before the router answers */
    wamp_session_call(r->s, "com.x", NULL, NULL, &o1, call_cb, r, &a);
    expect_sent(r, "[48,3,{},\"com.x\"]");
    wamp_session_tick(r->s, 5500);
    expect_sent(r, "[49,3,{\"mode\":\"killnowait\"}]");
    expect_log(r, "error3:WAMP_ETIMEOUT,wamp.error.timeout,-,-;");
    wamp_session_leave(r->s, NULL, NULL);
    feed(r, "[6,{},\"wamp.close.goodbye_and_out\"]");
    expect_log(r, "leave:wamp.close.goodbye_and_out,-;"); /* no second completion */
    rt_free(r);
}

/* ================================================================ callee */

static void done_cb(void *user, wamp_session *s, wamp_id handle, wamp_id id, const wamp_error *err)
{
    (void)s;
    rt *r = user;
    if (err) {
        logf_(r, "done%llu:%s,", (unsigned long long)handle, wamp_err_name(err->code));
        log_str(r, err->uri);
        logf_(r, ";");
    } else {
        logf_(r, "done%llu:%llu;", (unsigned long long)handle, (unsigned long long)id);
    }
}

static void proc(void *user, wamp_session *s, const wamp_invocation *inv)
{
    rt *r = user;
    r->last_inv = inv->request;
    logf_(r, "invoke%llu@%llu:", (unsigned long long)inv->request, (unsigned long long)inv->handle);
    log_value(r, &inv->args);
    logf_(r, ",");
    log_value(r, &inv->kwargs);
    logf_(r, ",");
    log_str(r, inv->procedure);
    logf_(r, ",");
    log_str(r, inv->caller_authid);
    if (inv->caller.set) logf_(r, ",caller=%lld", (long long)inv->caller.value);
    logf_(r, "%s;", inv->receive_progress ? ",rp" : "");
    if (r->yield_in_handler) {
        wamp_arena *a = wamp_arena_new(0);
        wamp_value res = wamp_value_list();
        wamp_value_list_push(a, &res, wamp_value_int(42));
        assert_int_equal(wamp_session_yield(s, inv->request, &res, NULL, false), WAMP_OK);
        assert_int_equal(wamp_session_yield(s, inv->request, &res, NULL, false), WAMP_ENOTFOUND);
        wamp_arena_free(a);
    }
}

static void interrupt_cb(void *user, wamp_session *s, wamp_id request, wamp_cancel_mode mode)
{
    rt *r = user;
    logf_(r, "interrupt%llu:%s;", (unsigned long long)request, wamp_cancel_mode_name(mode));
    if (r->error_in_interrupt && mode == WAMP_CANCEL_KILL) {
        wamp_error e = {.uri = wamp_str_c("com.error.stopped")};
        assert_int_equal(wamp_session_error(s, request, &e), WAMP_OK);
    }
}

static void test_register(void **state)
{
    (void)state;
    rt *r = joined_rt();
    wamp_id h1, h2;
    wamp_register_opts bad = {.match = WAMP_MATCH_EXACT};
    assert_int_equal(wamp_session_register(r->s, "com..x", &bad, proc, r, done_cb, r, &h1),
                     WAMP_EURI);
    assert_int_equal(wamp_session_register(r->s, "com.add", NULL, proc, r, done_cb, r, &h1),
                     WAMP_OK);
    expect_sent(r, "[64,1,{},\"com.add\"]");
    wamp_register_opts o = {.match = WAMP_MATCH_PREFIX,
                            .invoke = WAMP_INVOKE_ROUNDROBIN,
                            .concurrency = 2,
                            .force_reregister = true,
                            .disclose_caller = true,
                            .on_interrupt = interrupt_cb};
    assert_int_equal(wamp_session_register(r->s, "com.math.", &o, proc, r, done_cb, r, &h2),
                     WAMP_OK);
    expect_sent(r, "[64,2,{\"match\":\"prefix\",\"invoke\":\"roundrobin\",\"concurrency\":2,"
                   "\"force_reregister\":true,\"disclose_caller\":true},\"com.math.\"]");
    assert_int_equal(wamp_session_unregister(r->s, h1, NULL, NULL), WAMP_ENOTFOUND); /* pending */
    feed(r, "[65,1,100]");
    feed(r, "[65,2,200]");
    expect_log(r, "done1:100;done2:200;");
    /* synchronous answer */
    r->yield_in_handler = true;
    feed(r, "[68,10,100,{\"caller\":7,\"caller_authid\":\"bob\"},[1,2]]");
    expect_log(r, "invoke10@1:[1, 2],-,-,bob,caller=7;");
    expect_sent(r, "[70,10,{},[42]]");
    r->yield_in_handler = false;
    /* deferred answers with progress */
    feed(r, "[68,11,200,{\"procedure\":\"com.math.sq\",\"receive_progress\":true},[],{\"x\":3}]");
    feed(r, "[68,12,200,{\"procedure\":\"com.math.cube\"}]");
    expect_log(r, "invoke11@2:[],{\"x\": 3},com.math.sq,-,rp;invoke12@2:-,-,com.math.cube,-;");
    assert_int_equal(wamp_session_yield(r->s, 12, NULL, NULL, true), WAMP_EINVAL);
    assert_int_equal(wamp_session_yield(r->s, 11, NULL, NULL, true), WAMP_OK);
    expect_sent(r, "[70,11,{\"progress\":true}]");
    wamp_arena *a = wamp_arena_new(0);
    wamp_value kw = jv(a, "{\"r\":9}");
    assert_int_equal(wamp_session_yield(r->s, 11, NULL, &kw, false), WAMP_OK);
    expect_sent(r, "[70,11,{},[],{\"r\":9}]");
    wamp_error e = {.uri = wamp_str_c("com.error bad")};
    assert_int_equal(wamp_session_error(r->s, 12, &e), WAMP_EURI);
    e.uri = wamp_str_c("com.error.bad");
    e.args = jv(a, "[\"detail\"]");
    assert_int_equal(wamp_session_error(r->s, 12, &e), WAMP_OK);
    expect_sent(r, "[8,68,12,{},\"com.error.bad\",[\"detail\"]]");
    assert_int_equal(wamp_session_error(r->s, 12, &e), WAMP_ENOTFOUND);
    feed(r, "[68,12,200,{}]"); /* the id may be reused once answered */
    expect_log(r, "invoke12@2:-,-,-,-;");
    feed(r, "[68,12,200,{}]");
    expect_sent(r, "[3,{\"message\":\"INVOCATION received for a request id already invoked\"},"
                   "\"wamp.error.protocol_violation\"]");
    expect_log(r, "uerr:WAMP_EPROTO;interrupt12:killnowait;leave:wamp.error.protocol_violation,"
                  "INVOCATION received for a request id already invoked;");
    wamp_arena_free(a);
    rt_free(r);
}

static void test_interrupt_unregister(void **state)
{
    (void)state;
    rt *r = joined_rt();
    wamp_id h1, h2;
    wamp_register_opts o = {.on_interrupt = interrupt_cb};
    wamp_session_register(r->s, "com.a", &o, proc, r, done_cb, r, &h1);
    wamp_session_register(r->s, "com.b", NULL, proc, r, done_cb, r, &h2);
    feed(r, "[65,1,100]");
    feed(r, "[65,2,200]");
    r->head = r->nout;
    feed(r, "[68,1,100,{}]");
    feed(r, "[68,2,100,{}]");
    feed(r, "[68,3,100,{}]");
    feed(r, "[68,4,200,{}]");
    expect_log(r, "done1:100;done2:200;invoke1@1:-,-,-,-;invoke2@1:-,-,-,-;invoke3@1:-,-,-,-;"
                  "invoke4@2:-,-,-,-;");
    /* kill, handler does not answer: the session answers wamp.error.canceled */
    feed(r, "[69,1,{\"mode\":\"kill\"}]");
    expect_log(r, "interrupt1:kill;");
    expect_sent(r, "[8,68,1,{},\"wamp.error.canceled\"]");
    assert_int_equal(wamp_session_yield(r->s, 1, NULL, NULL, false), WAMP_ENOTFOUND);
    /* kill, handler answers itself */
    r->error_in_interrupt = true;
    feed(r, "[69,2,{\"mode\":\"kill\"}]");
    expect_log(r, "interrupt2:kill;");
    expect_sent(r, "[8,68,2,{},\"com.error.stopped\"]");
    expect_nothing_sent(r);
    /* killnowait: nothing is sent, the invocation is over */
    feed(r, "[69,3,{\"mode\":\"killnowait\"}]");
    expect_log(r, "interrupt3:killnowait;");
    expect_nothing_sent(r);
    assert_int_equal(wamp_session_yield(r->s, 3, NULL, NULL, false), WAMP_ENOTFOUND);
    /* no interrupt handler */
    feed(r, "[69,4,{\"mode\":\"kill\"}]");
    expect_sent(r, "[8,68,4,{},\"wamp.error.canceled\"]");
    /* unknown invocation (answer crossed): ignored */
    feed(r, "[69,99,{\"mode\":\"kill\"}]");
    expect_nothing_sent(r);
    expect_log(r, "");
    /* unregister; an invocation in flight still reaches the handler until UNREGISTERED */
    assert_int_equal(wamp_session_unregister(r->s, h1, done_cb, r), WAMP_OK);
    expect_sent(r, "[66,3,100]");
    assert_int_equal(wamp_session_unregister(r->s, h1, done_cb, r), WAMP_ENOTFOUND);
    feed(r, "[68,5,100,{}]");
    expect_log(r, "invoke5@1:-,-,-,-;");
    feed(r, "[67,3]");
    expect_log(r, "done1:0;");
    assert_int_equal(wamp_session_yield(r->s, 5, NULL, NULL, false), WAMP_OK);
    expect_sent(r, "[70,5,{}]");
    /* unregister refused by the router */
    assert_int_equal(wamp_session_unregister(r->s, h2, done_cb, r), WAMP_OK);
    expect_sent(r, "[66,4,200]");
    feed(r, "[8,66,4,{},\"wamp.error.no_such_registration\"]");
    expect_log(r, "done2:WAMP_EAPPLICATION,wamp.error.no_such_registration;");
    /* revocation by the router */
    feed(r, "[67,0,{\"registration\":200,\"reason\":\"wamp.close.killed\"}]");
    expect_log(r, "uerr:WAMP_ECLOSED;");
    feed(r, "[68,6,200,{}]");
    expect_sent(r, "[3,{\"message\":\"INVOCATION received for a non-registered registration\"},"
                   "\"wamp.error.protocol_violation\"]");
    rt_free(r);
}

static void test_register_error(void **state)
{
    (void)state;
    rt *r = joined_rt();
    wamp_id h;
    wamp_session_register(r->s, "com.a", NULL, proc, r, done_cb, r, &h);
    expect_sent(r, "[64,1,{},\"com.a\"]");
    feed(r, "[8,64,1,{},\"wamp.error.procedure_already_exists\"]");
    expect_log(r, "done1:WAMP_EAPPLICATION,wamp.error.procedure_already_exists;");
    assert_int_equal(wamp_session_unregister(r->s, h, NULL, NULL), WAMP_ENOTFOUND);
    /* duplicate registration id from the router */
    wamp_session_register(r->s, "com.b", NULL, proc, r, NULL, NULL, &h);
    wamp_session_register(r->s, "com.c", NULL, proc, r, NULL, NULL, &h);
    feed(r, "[65,2,300]");
    feed(r, "[65,3,300]");
    r->head = r->nout - 1;
    expect_sent(r, "[3,{\"message\":\"REGISTERED received for an already existing "
                   "registration\"},\"wamp.error.protocol_violation\"]");
    rt_free(r);
}

/* ================================================================ publisher / subscriber */

static void pub_cb(void *user, wamp_session *s, wamp_id req, wamp_id pub, const wamp_error *err)
{
    (void)s;
    rt *r = user;
    if (err) {
        logf_(r, "puberr%llu:", (unsigned long long)req);
        log_str(r, err->uri);
        logf_(r, ";");
    } else {
        logf_(r, "published%llu:%llu;", (unsigned long long)req, (unsigned long long)pub);
    }
}

static void test_publish(void **state)
{
    (void)state;
    rt *r = joined_rt();
    wamp_arena *a = wamp_arena_new(0);
    wamp_value args = jv(a, "[\"hi\"]");
    wamp_value ids = jv(a, "[1,2]"), names = jv(a, "[\"a\"]"), roles = jv(a, "[\"r\"]");
    wamp_value badids = jv(a, "[\"x\"]");
    assert_int_equal(wamp_session_publish(r->s, "com..t", NULL, NULL, NULL, NULL, NULL, NULL),
                     WAMP_EURI);
    wamp_publish_opts ack = {.acknowledge = true};
    assert_int_equal(wamp_session_publish(r->s, "com.t", NULL, NULL, &ack, NULL, NULL, NULL),
                     WAMP_EINVAL);
    wamp_publish_opts bad = {.exclude = &badids};
    assert_int_equal(wamp_session_publish(r->s, "com.t", NULL, NULL, &bad, NULL, NULL, NULL),
                     WAMP_EINVAL);
    wamp_id id;
    assert_int_equal(wamp_session_publish(r->s, "com.t", &args, NULL, NULL, NULL, NULL, &id),
                     WAMP_OK);
    assert_int_equal(id, 1);
    expect_sent(r, "[16,1,{},\"com.t\",[\"hi\"]]");
    wamp_publish_opts all = {.acknowledge = true,
                             .exclude_me = WAMP_OPT_FALSE,
                             .exclude = &ids,
                             .exclude_authid = &names,
                             .exclude_authrole = &roles,
                             .eligible = &ids,
                             .eligible_authid = &names,
                             .eligible_authrole = &roles,
                             .retain = true,
                             .disclose_me = true};
    assert_int_equal(wamp_session_publish(r->s, "com.t", NULL, NULL, &all, pub_cb, r, &id),
                     WAMP_OK);
    expect_sent(r, "[16,2,{\"acknowledge\":true,\"exclude_me\":false,\"exclude\":[1,2],"
                   "\"exclude_authid\":[\"a\"],\"exclude_authrole\":[\"r\"],\"eligible\":[1,2],"
                   "\"eligible_authid\":[\"a\"],\"eligible_authrole\":[\"r\"],\"retain\":true,"
                   "\"disclose_me\":true},\"com.t\"]");
    wamp_session_publish(r->s, "com.u", NULL, NULL, &ack, pub_cb, r, &id);
    wamp_session_publish(r->s, "com.v", NULL, NULL, &ack, pub_cb, r, &id);
    feed(r, "[17,2,555]");
    feed(r, "[8,16,3,{},\"wamp.error.not_authorized\"]");
    expect_log(r, "published2:555;puberr3:wamp.error.not_authorized;");
    feed(r, "[17,2,555]"); /* completed already */
    expect_log(r, "uerr:WAMP_EPROTO;puberr4:wamp.error.protocol_violation;"
                  "leave:wamp.error.protocol_violation,PUBLISHED received for a non-pending "
                  "request;");
    wamp_arena_free(a);
    rt_free(r);
}

static void ev_cb(void *user, wamp_session *s, const wamp_event *ev)
{
    rt *r = user;
    logf_(r, "event%llu@%llu:", (unsigned long long)ev->publication,
          (unsigned long long)ev->handle);
    log_value(r, &ev->args);
    logf_(r, ",");
    log_str(r, ev->topic);
    logf_(r, ",");
    log_str(r, ev->publisher_authid);
    if (ev->publisher.set) logf_(r, ",publisher=%lld", (long long)ev->publisher.value);
    logf_(r, "%s;", ev->retained ? ",retained" : "");
    if (r->unsubscribe_in_event) {
        r->unsubscribe_in_event = false;
        assert_int_equal(wamp_session_unsubscribe(s, ev->handle, done_cb, r), WAMP_OK);
        assert_int_equal(wamp_session_unsubscribe(s, r->last_handle, done_cb, r), WAMP_OK);
    }
}

static void test_subscribe(void **state)
{
    (void)state;
    rt *r = joined_rt();
    wamp_id h1, h2, h3, h4;
    wamp_subscribe_opts pat = {.match = WAMP_MATCH_WILDCARD, .get_retained = true};
    assert_int_equal(wamp_session_subscribe(r->s, "com. x", NULL, ev_cb, r, done_cb, r, &h1),
                     WAMP_EURI);
    assert_int_equal(wamp_session_subscribe(r->s, "com.t", NULL, ev_cb, r, done_cb, r, &h1),
                     WAMP_OK);
    expect_sent(r, "[32,1,{},\"com.t\"]");
    /* a second handler while SUBSCRIBE is pending: no second message */
    assert_int_equal(wamp_session_subscribe(r->s, "com.t", NULL, ev_cb, r, done_cb, r, &h2),
                     WAMP_OK);
    expect_nothing_sent(r);
    assert_int_equal(wamp_session_subscribe(r->s, "com..x", &pat, ev_cb, r, done_cb, r, &h3),
                     WAMP_OK);
    expect_sent(r, "[32,2,{\"match\":\"wildcard\",\"get_retained\":true},\"com..x\"]");
    assert_int_equal(wamp_session_unsubscribe(r->s, h1, NULL, NULL), WAMP_ENOTFOUND); /* pending */
    feed(r, "[33,1,1000]");
    feed(r, "[33,2,2000]");
    expect_log(r, "done1:1000;done2:1000;done3:2000;");
    /* a third handler once active: completes at once */
    assert_int_equal(wamp_session_subscribe(r->s, "com.t", NULL, ev_cb, r, done_cb, r, &h4),
                     WAMP_OK);
    expect_log(r, "done4:1000;");
    expect_nothing_sent(r);
    feed(r, "[36,1000,1,{\"publisher\":9,\"publisher_authid\":\"ann\"},[\"a\"]]");
    feed(r, "[36,2000,2,{\"topic\":\"com.y.x\",\"retained\":true}]");
    expect_log(r, "event1@1:[\"a\"],-,ann,publisher=9;event1@2:[\"a\"],-,ann,publisher=9;"
                  "event1@4:[\"a\"],-,ann,publisher=9;event2@3:-,com.y.x,-,retained;");
    /* removing handlers: only the last sends UNSUBSCRIBE */
    assert_int_equal(wamp_session_unsubscribe(r->s, h2, done_cb, r), WAMP_OK);
    expect_log(r, "done2:1000;");
    expect_nothing_sent(r);
    /* a handler that unsubscribes itself and the other during dispatch */
    r->unsubscribe_in_event = true;
    r->last_handle = h4;
    feed(r, "[36,1000,3,{}]");
    expect_log(r, "event3@1:-,-,-;done1:1000;");
    expect_sent(r, "[34,3,1000]");
    /* in-flight events after UNSUBSCRIBE are dropped */
    feed(r, "[36,1000,4,{}]");
    expect_log(r, "");
    feed(r, "[35,3]");
    expect_log(r, "done4:0;");
    /* unknown afterwards */
    assert_int_equal(wamp_session_unsubscribe(r->s, h4, NULL, NULL), WAMP_ENOTFOUND);
    /* subscribe error fails every waiting handler */
    wamp_session_subscribe(r->s, "com.z", NULL, ev_cb, r, done_cb, r, &h1);
    wamp_session_subscribe(r->s, "com.z", NULL, ev_cb, r, done_cb, r, &h2);
    expect_sent(r, "[32,4,{},\"com.z\"]");
    feed(r, "[8,32,4,{},\"wamp.error.not_authorized\"]");
    expect_log(r, "done5:WAMP_EAPPLICATION,wamp.error.not_authorized;"
                  "done6:WAMP_EAPPLICATION,wamp.error.not_authorized;");
    /* revocation */
    feed(r, "[35,0,{\"subscription\":2000}]");
    expect_log(r, "uerr:WAMP_ECLOSED;");
    feed(r, "[36,2000,5,{}]");
    expect_sent(r, "[3,{\"message\":\"EVENT received for a non-subscribed subscription\"},"
                   "\"wamp.error.protocol_violation\"]");
    rt_free(r);
}

/* ================================================================ teardown */

static void test_teardown_in_flight(void **state)
{
    (void)state;
    rt *r = joined_rt();
    wamp_id h;
    wamp_register_opts ro = {.on_interrupt = interrupt_cb};
    wamp_session_register(r->s, "com.reg", &ro, proc, r, done_cb, r, &h); /* req 1, handle 1 */
    feed(r, "[65,1,10]");
    feed(r, "[68,77,10,{}]");
    wamp_call_opts co = {.cancel_after_ms = 100, .on_progress = call_cb};
    wamp_publish_opts ack = {.acknowledge = true};
    wamp_session_call(r->s, "com.c", NULL, NULL, &co, call_cb, r, NULL);     /* 2 */
    wamp_session_publish(r->s, "com.p", NULL, NULL, &ack, pub_cb, r, NULL);  /* 3 */
    wamp_session_subscribe(r->s, "com.s", NULL, ev_cb, r, done_cb, r, NULL); /* 4 */
    wamp_session_subscribe(r->s, "com.s", NULL, ev_cb, r, done_cb, r, NULL); /* 4 */
    wamp_session_register(r->s, "com.r2", NULL, proc, r, done_cb, r, NULL);  /* 5 */
    wamp_session_unregister(r->s, h, done_cb, r);                            /* 6 */
    feed(r, "[50,2,{\"progress\":true},[1]]");
    expect_log(r, "done1:10;invoke77@1:-,-,-,-;progress2:[1],-;");
    wamp_session_transport_closed(r->s, WAMP_ECONNRESET);
    expect_log(r, "error2:WAMP_ETRANSPORTLOST,wamp.close.transport_lost,-,-;"
                  "puberr3:wamp.close.transport_lost;"
                  "done2:WAMP_ETRANSPORTLOST,wamp.close.transport_lost;"
                  "done3:WAMP_ETRANSPORTLOST,wamp.close.transport_lost;"
                  "done4:WAMP_ETRANSPORTLOST,wamp.close.transport_lost;"
                  "done1:WAMP_ETRANSPORTLOST,wamp.close.transport_lost;"
                  "interrupt77:killnowait;leave:wamp.close.transport_lost,-;disconnect:0;");
    assert_false(wamp_session_next_deadline(r->s, NULL));
    wamp_session_tick(r->s, 1000);
    assert_int_equal(wamp_session_yield(r->s, 77, NULL, NULL, false), WAMP_ENOTREADY);
    expect_log(r, "");
    rt_free(r);

    /* ABORT from the router while requests are pending */
    r = joined_rt();
    wamp_session_call(r->s, "com.c", NULL, NULL, NULL, call_cb, r, NULL);
    feed(r, "[3,{\"message\":\"kicked\"},\"wamp.close.killed\"]");
    expect_log(r, "error1:WAMP_EABORTED,wamp.close.killed,-,-;leave:wamp.close.killed,kicked;");
    rt_free(r);

    /* the runtime aborts (undecodable input) */
    r = joined_rt();
    wamp_session_call(r->s, "com.c", NULL, NULL, NULL, call_cb, r, NULL);
    expect_sent(r, "[48,1,{},\"com.c\"]");
    assert_int_equal(wamp_session_abort(r->s, "bad uri#", NULL), WAMP_EURI);
    assert_int_equal(wamp_session_abort(r->s, NULL, "garbage"), WAMP_OK);
    expect_sent(r, "[3,{\"message\":\"garbage\"},\"wamp.error.protocol_violation\"]");
    expect_log(r, "error1:WAMP_EABORTED,wamp.error.protocol_violation,-,-;"
                  "leave:wamp.error.protocol_violation,garbage;");
    assert_int_equal(wamp_session_abort(r->s, NULL, NULL), WAMP_ENOTREADY);
    rt_free(r);

    /* freeing the session inside on_leave, and freeing with requests pending */
    r = joined_rt();
    r->free_in_leave = true;
    wamp_session_call(r->s, "com.c", NULL, NULL, NULL, call_cb, r, NULL);
    feed(r, "[6,{},\"wamp.close.system_shutdown\"]");
    expect_log(r, "error1:WAMP_ECLOSED,wamp.close.system_shutdown,-,-;"
                  "leave:wamp.close.system_shutdown,-;");
    assert_null(r->s);
    rt_free(r);

    r = joined_rt();
    wamp_session_call(r->s, "com.c", NULL, NULL, NULL, call_cb, r, NULL);
    wamp_session_free(r->s);
    r->s = NULL;
    expect_log(r, "error1:WAMP_ECLOSED,wamp.close.normal,-,-;");
    rt_free(r);
}

/* ================================================================ SCRAM server signature */

/* The session verifies the router's SCRAM server signature in WELCOME (the RFC 7677 example,
 * spec flavour): a wrong or missing one makes it ABORT and the join end without on_join. */
#define SCRAM_CHALLENGE                                                                            \
    "[4,\"wamp-scram\",{\"nonce\":\"rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0\","         \
    "\"salt\":\"W22ZaJ0SNY7soEsUEjb6gQ==\",\"iterations\":4096,\"kdf\":\"pbkdf2\","                \
    "\"memory\":null}]"
#define SCRAM_WELCOME(extra)                                                                       \
    "[2,77,{\"roles\":{\"broker\":{}},\"authid\":\"user\",\"authrole\":\"user\","                  \
    "\"authmethod\":\"wamp-scram\",\"authprovider\":\"static\",\"authextra\":{" extra "}}]"

static void scram_join_to_welcome(rt *r, wamp_join_opts *o)
{
    assert_int_equal(wamp_session_join(r->s, o), WAMP_OK);
    expect_sent(r, "[1,\"realm1\",{" HELLO_ROLES ",\"authmethods\":[\"wamp-scram\"],"
                   "\"authid\":\"user\",\"authextra\":{\"nonce\":\"rOprNGfwEbeRWgbNEkqO\","
                   "\"channel_binding\":null}}]");
    feed(r, SCRAM_CHALLENGE);
    expect_sent(r, "[5,\"dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=\",{\"nonce\":"
                   "\"rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0\","
                   "\"channel_binding\":null,\"cbind_data\":null}]");
}

static void test_scram_server_signature(void **state)
{
    (void)state;
    wamp_authenticator *auth;
    wamp_auth_config cfg = {
        .authid = "user", .secret = "pencil", .client_nonce = "rOprNGfwEbeRWgbNEkqO"};
    assert_int_equal(wamp_authenticator_new("wamp-scram", &cfg, &auth), WAMP_OK);
    rt *r = rt_new();
    wamp_session_transport_open(r->s);
    expect_log(r, "connect;");
    wamp_join_opts o = {.realm = "realm1", .auth = auth};
    static const char *const bad[] = {
        /* one bit off (last character), Autobahn's key name only, absent, not base64 */
        "\"verifier\":\"6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G5=\"",
        "\"scram_server_signature\":\"6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=\"",
        "",
        "\"verifier\":\"*\"",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        scram_join_to_welcome(r, &o);
        char welcome[512];
        snprintf(welcome, sizeof welcome,
                 "[2,77,{\"roles\":{\"broker\":{}},\"authid\":\"user\",\"authrole\":\"user\","
                 "\"authmethod\":\"wamp-scram\",\"authprovider\":\"static\","
                 "\"authextra\":{%s}}]",
                 bad[i]);
        feed(r, welcome);
        expect_sent(r, "[3,{\"message\":\"the router's WELCOME failed verification\"},"
                       "\"wamp.error.cannot_authenticate\"]");
        /* no welcome/join callback: the join ended with on_leave */
        expect_log(r, "leave:wamp.error.cannot_authenticate,the router's WELCOME failed "
                      "verification;");
        assert_false(wamp_session_is_attached(r->s));
        assert_null(wamp_session_details_get(r->s));
        expect_nothing_sent(r);
    }
    /* the same transport can join again; the right server signature is accepted */
    scram_join_to_welcome(r, &o);
    feed(r, SCRAM_WELCOME("\"verifier\":\"6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=\""));
    expect_log(r, "welcome:77;join:77,-,user,user,wamp-scram,static,"
                  "{\"verifier\": \"6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=\"},,,;");
    assert_true(wamp_session_is_attached(r->s));
    expect_nothing_sent(r);
    rt_free(r);
    wamp_authenticator_free(auth);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_join_leave),
        cmocka_unit_test(test_router_goodbye),
        cmocka_unit_test(test_abort_on_join),
        cmocka_unit_test(test_refuse_welcome),
        cmocka_unit_test(test_ticket_auth),
        cmocka_unit_test(test_custom_challenge_and_overrides),
        cmocka_unit_test(test_protocol_violations),
        cmocka_unit_test(test_call),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_register),
        cmocka_unit_test(test_interrupt_unregister),
        cmocka_unit_test(test_register_error),
        cmocka_unit_test(test_publish),
        cmocka_unit_test(test_subscribe),
        cmocka_unit_test(test_teardown_in_flight),
        cmocka_unit_test(test_scram_server_signature),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
