/*
 * Unit tests of src/session: the sans-I/O client session driven by a scripted router. Every
 * message the session sends is encoded to JSON (the exact wire bytes) and compared; every
 * message the router sends is JSON decoded and parsed as a transport would. Callbacks append
 * to a log that the tests compare exactly, which also checks exactly-once completion.
 */
#include "support.h"

#include <math.h>
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
    bool ser_errors_ok; /* a message that does not encode is the send's error, not a failure */
    int toobig_type;    /* messages of this type fail with WAMP_ETOOBIG (a transport limit) */
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
    if (r->toobig_type && (int)m->type == r->toobig_type) return WAMP_ETOOBIG;
    wamp_arena *a = wamp_arena_new(0);
    wamp_buf b = {0};
    int rc = wamp_message_encode(WAMP_SER_JSON, m, a, &b);
    if (rc && r->ser_errors_ok) {
        wamp_buf_free(&b);
        wamp_arena_free(a);
        return rc;
    }
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
    "\"pattern_based_subscription\":true,\"subscription_revocation\":true,"                        \
    "\"payload_transparency\":true,\"payload_encryption_cryptobox\":true}},"                       \
    "\"publisher\":{\"features\":{\"publisher_identification\":true,"                              \
    "\"subscriber_blackwhite_listing\":true,\"publisher_exclusion\":true,"                         \
    "\"payload_transparency\":true,\"x_acknowledged_event_delivery\":true,"                        \
    "\"payload_encryption_cryptobox\":true}},"                                                     \
    "\"caller\":{\"features\":{\"caller_identification\":true,\"call_timeout\":true,"              \
    "\"call_canceling\":true,\"progressive_call_results\":true,\"payload_transparency\":true,"     \
    "\"payload_encryption_cryptobox\":true,\"progressive_call_invocations\":true}},"               \
    "\"callee\":{\"features\":{\"caller_identification\":true,"                                    \
    "\"pattern_based_registration\":true,\"shared_registration\":true,"                            \
    "\"call_canceling\":true,\"progressive_call_results\":true,"                                   \
    "\"registration_revocation\":true,\"payload_transparency\":true,"                              \
    "\"payload_encryption_cryptobox\":true,\"progressive_call_invocations\":true}}}"

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

/* ================================================================ serialization errors */

static void test_serialization_errors(void **state)
{
    (void)state;
    rt *r = joined_rt();
    r->ser_errors_ok = true;
    wamp_arena *a = wamp_arena_new(0);
    wamp_value nan = wamp_value_list();
    wamp_value_list_push(a, &nan, wamp_value_double(NAN)); /* JSON cannot carry NaN */
    wamp_id id = 0;
    /* caller and publisher: the serializer's code comes back, nothing stays pending */
    int rc = wamp_session_call(r->s, "com.x", &nan, NULL, NULL, call_cb, r, &id);
    assert_int_equal(rc, WAMP_ENUMBER);
    assert_true(wamp_is_serialization_error(rc));
    assert_false(wamp_is_serialization_error(WAMP_EIO));
    assert_false(wamp_is_serialization_error(WAMP_EPROTO));
    assert_false(wamp_is_serialization_error(WAMP_OK));
    assert_true(wamp_is_serialization_error(WAMP_ETOOBIG));
    wamp_publish_opts ack = {.acknowledge = true};
    assert_int_equal(wamp_session_publish(r->s, "com.t", &nan, NULL, &ack, pub_cb, r, NULL),
                     WAMP_ENUMBER);
    expect_nothing_sent(r);
    assert_false(wamp_session_next_deadline(r->s, NULL));
    /* callee: an unserializable YIELD becomes ERROR wamp.error.invalid_payload */
    assert_int_equal(wamp_session_register(r->s, "com.p", NULL, proc, r, NULL, NULL, NULL),
                     WAMP_OK);
    r->head = r->nout;
    feed(r, "[65,3,100]");
    feed(r, "[68,1,100,{\"receive_progress\":true}]");
    feed(r, "[68,2,100,{}]");
    feed(r, "[68,3,100,{}]");
    expect_log(r, "invoke1@1:-,-,-,-,rp;invoke2@1:-,-,-,-;invoke3@1:-,-,-,-;");
    assert_int_equal(wamp_session_yield(r->s, 1, &nan, NULL, true), WAMP_ENUMBER);
    expect_sent(r, "[8,68,1,{},\"wamp.error.invalid_payload\",[\"the return value of the "
                   "invoked procedure could not be serialized: number not representable\"]]");
    assert_int_equal(wamp_session_yield(r->s, 1, NULL, NULL, false), WAMP_ENOTFOUND);
    wamp_error e = {.uri = wamp_str_c("com.err"), .args = nan};
    assert_int_equal(wamp_session_error(r->s, 2, &e), WAMP_ENUMBER);
    expect_sent(r, "[8,68,2,{},\"wamp.error.invalid_payload\",[\"the return value of the "
                   "invoked procedure could not be serialized: number not representable\"]]");
    /* over the transport's size limit: payload_size_exceeded */
    r->toobig_type = WAMP_MSG_YIELD;
    assert_int_equal(wamp_session_yield(r->s, 3, NULL, NULL, false), WAMP_ETOOBIG);
    r->toobig_type = 0;
    expect_sent(r, "[8,68,3,{},\"wamp.error.payload_size_exceeded\",[\"the return value of the "
                   "invoked procedure could not be sent (size limit): input or output larger "
                   "than the configured limit\"]]");
    expect_nothing_sent(r);
    expect_log(r, "");
    wamp_arena_free(a);
    rt_free(r);
}

/* ================================================================ life cycle extras */

static void test_resume_connected_transaction_hash(void **state)
{
    (void)state;
    rt *r = rt_new();
    assert_false(wamp_session_is_connected(r->s));
    assert_false(wamp_session_is_connected(NULL));
    assert_int_equal(wamp_session_transport_open(r->s), WAMP_OK);
    assert_true(wamp_session_is_connected(r->s));
    wamp_join_opts o = {.realm = "realm1", .resumable = true, .resume_session = 4242};
    assert_int_equal(wamp_session_join(r->s, &o), WAMP_EINVAL); /* no token */
    o.resume_token = "";
    assert_int_equal(wamp_session_join(r->s, &o), WAMP_EINVAL);
    o.resume_token = "tok-1";
    assert_int_equal(wamp_session_join(r->s, &o), WAMP_OK);
    expect_sent(r, "[1,\"realm1\",{" HELLO_ROLES
                   ",\"resumable\":true,\"resume-session\":4242,\"resume-token\":\"tok-1\"}]");
    assert_true(wamp_session_is_connected(r->s));
    assert_false(wamp_session_is_attached(r->s));
    feed(r, "[2,4242,{\"roles\":{\"broker\":{},\"dealer\":{}},\"resumed\":true,"
            "\"resumable\":true,\"resume_token\":\"tok-2\"}]");
    expect_log(r, "connect;welcome:4242;join:4242,-,-,-,-,-,-,dealer,resumed,resumable;");
    assert_true(wamp_str_eqc(wamp_session_details_get(r->s)->resume_token, "tok-2"));
    /* publish/event/invocation transaction_hash */
    wamp_publish_opts po = {.transaction_hash = "tx-9", .acknowledge = true};
    assert_int_equal(wamp_session_publish(r->s, "com.t", NULL, NULL, &po, pub_cb, r, NULL),
                     WAMP_OK);
    expect_sent(r, "[16,1,{\"acknowledge\":true,\"transaction_hash\":\"tx-9\"},\"com.t\"]");
    wamp_session_transport_closed(r->s, WAMP_ECONNRESET);
    assert_false(wamp_session_is_connected(r->s));
    expect_log(r, "puberr1:wamp.close.transport_lost;leave:wamp.close.transport_lost,-;"
                  "disconnect:0;");
    rt_free(r);
}

static void th_ev_cb(void *user, wamp_session *s, const wamp_event *ev)
{
    ev_cb(user, s, ev);
    if (ev->transaction_hash.ptr)
        logf_(user, "tx=%.*s;", (int)ev->transaction_hash.len, ev->transaction_hash.ptr);
}

static void th_proc(void *user, wamp_session *s, const wamp_invocation *inv)
{
    (void)s;
    if (inv->transaction_hash.ptr)
        logf_(user, "invtx=%.*s;", (int)inv->transaction_hash.len, inv->transaction_hash.ptr);
}

static void test_details_transaction_hash(void **state)
{
    (void)state;
    rt *r = joined_rt();
    assert_int_equal(wamp_session_subscribe(r->s, "com.t", NULL, th_ev_cb, r, NULL, NULL, NULL),
                     WAMP_OK);
    assert_int_equal(wamp_session_register(r->s, "com.p", NULL, th_proc, r, NULL, NULL, NULL),
                     WAMP_OK);
    r->head = r->nout;
    feed(r, "[33,1,300]");
    feed(r, "[65,2,400]");
    feed(r, "[36,300,5,{\"transaction_hash\":\"tx-e\"},[1]]");
    feed(r, "[68,6,400,{\"transaction_hash\":\"tx-i\"}]");
    expect_log(r, "event5@1:[1],-,-;tx=tx-e;invtx=tx-i;");
    rt_free(r);
}

static void test_shared_get_retained(void **state)
{
    (void)state;
    rt *r = joined_rt();
    wamp_id h1, h2, h3, h4;
    wamp_subscribe_opts ret = {.get_retained = true};
    assert_int_equal(wamp_session_subscribe(r->s, "com.t", &ret, ev_cb, r, done_cb, r, &h1),
                     WAMP_OK);
    expect_sent(r, "[32,1,{\"get_retained\":true},\"com.t\"]");
    /* shares the pending SUBSCRIBE, which asked for the retained event already */
    wamp_id h1b;
    assert_int_equal(wamp_session_subscribe(r->s, "com.t", &ret, ev_cb, r, done_cb, r, &h1b),
                     WAMP_OK);
    expect_nothing_sent(r);
    feed(r, "[33,1,300]");
    feed(r, "[36,300,10,{\"retained\":true},[\"old\"]]");
    expect_log(r, "done1:300;done2:300;event10@1:[\"old\"],-,-,retained;"
                  "event10@2:[\"old\"],-,-,retained;");
    assert_int_equal(wamp_session_unsubscribe(r->s, h1b, done_cb, r), WAMP_OK);
    expect_log(r, "done2:300;");
    /* no get_retained: joins at once, never sees retained events */
    assert_int_equal(wamp_session_subscribe(r->s, "com.t", NULL, ev_cb, r, done_cb, r, &h2),
                     WAMP_OK);
    expect_log(r, "done3:300;");
    expect_nothing_sent(r);
    /* get_retained on the active subscription: a further SUBSCRIBE asks the broker again */
    assert_int_equal(wamp_session_subscribe(r->s, "com.t", &ret, ev_cb, r, done_cb, r, &h3),
                     WAMP_OK);
    expect_sent(r, "[32,2,{\"get_retained\":true},\"com.t\"]");
    assert_int_equal(wamp_session_unsubscribe(r->s, h3, NULL, NULL), WAMP_ENOTFOUND); /* pending */
    feed(r, "[36,300,11,{},[\"live\"]]"); /* h3 is not active yet */
    expect_log(r, "event11@1:[\"live\"],-,-;event11@3:[\"live\"],-,-;");
    feed(r, "[33,2,300]");
    feed(r, "[36,300,10,{\"retained\":true},[\"old\"]]"); /* only for h3 */
    feed(r, "[36,300,12,{},[\"live2\"]]");
    feed(r, "[36,300,10,{\"retained\":true},[\"late\"]]"); /* nobody waits for one any more */
    expect_log(r, "done4:300;event10@4:[\"old\"],-,-,retained;event12@1:[\"live2\"],-,-;"
                  "event12@3:[\"live2\"],-,-;event12@4:[\"live2\"],-,-;");
    /* a further SUBSCRIBE that fails takes only its handler */
    assert_int_equal(wamp_session_subscribe(r->s, "com.t", &ret, ev_cb, r, done_cb, r, &h4),
                     WAMP_OK);
    expect_sent(r, "[32,3,{\"get_retained\":true},\"com.t\"]");
    feed(r, "[8,32,3,{},\"wamp.error.not_authorized\"]");
    expect_log(r, "done5:WAMP_EAPPLICATION,wamp.error.not_authorized;");
    feed(r, "[36,300,13,{},[3]]");
    expect_log(r, "event13@1:[3],-,-;event13@3:[3],-,-;event13@4:[3],-,-;");
    /* a further SUBSCRIBE whose entry is gone by its answer; the answer is swallowed */
    assert_int_equal(wamp_session_subscribe(r->s, "com.t", &ret, ev_cb, r, done_cb, r, &h4),
                     WAMP_OK);
    expect_sent(r, "[32,4,{\"get_retained\":true},\"com.t\"]");
    feed(r, "[35,0,{\"subscription\":300,\"reason\":\"wamp.error.revoked\"}]"); /* revoked */
    expect_log(r, "done6:WAMP_ECLOSED,wamp.error.revoked;uerr:WAMP_ECLOSED;");
    feed(r, "[33,4,300]");
    expect_log(r, "");
    assert_true(wamp_session_is_attached(r->s));
    /* the session ends with a SUBSCRIBE and its further SUBSCRIBE pending: each handler's
     * done runs exactly once */
    assert_int_equal(wamp_session_subscribe(r->s, "com.u", NULL, ev_cb, r, done_cb, r, &h1),
                     WAMP_OK);
    assert_int_equal(wamp_session_subscribe(r->s, "com.u", &ret, ev_cb, r, done_cb, r, &h2),
                     WAMP_OK);
    expect_sent(r, "[32,5,{},\"com.u\"]");
    expect_sent(r, "[32,6,{\"get_retained\":true},\"com.u\"]");
    wamp_session_transport_closed(r->s, WAMP_ECONNRESET);
    expect_log(r, "done7:WAMP_ETRANSPORTLOST,wamp.close.transport_lost;"
                  "done8:WAMP_ETRANSPORTLOST,wamp.close.transport_lost;"
                  "leave:wamp.close.transport_lost,-;disconnect:0;");
    (void)h1;
    (void)h2;
    rt_free(r);
}

/* ================================================================ callee: chunks, tables, policies
 */

static void chunk_proc(void *user, wamp_session *s, const wamp_invocation *inv)
{
    rt *r = user;
    logf_(r, "chunk%llu:", (unsigned long long)inv->request);
    log_value(r, &inv->args);
    logf_(r, "%s%s;", inv->progress ? ",more" : "", inv->continued ? ",cont" : "");
    if (!inv->progress && r->yield_in_handler) {
        assert_int_equal(wamp_session_yield(s, inv->request, NULL, NULL, false), WAMP_OK);
    }
}

static void test_progressive_invocations(void **state)
{
    (void)state;
    rt *r = joined_rt();
    wamp_arena *a = wamp_arena_new(0);
    wamp_value one = jv(a, "[1]"), two = jv(a, "[2]"), three = jv(a, "[3]");
    wamp_id id = 0, plain = 0;
    /* caller: CALL progress=true, then chunks under the same request id */
    wamp_call_opts o = {.progress = true, .on_progress = call_cb};
    assert_int_equal(wamp_session_call(r->s, "com.up", &one, NULL, &o, call_cb, r, &id), WAMP_OK);
    expect_sent(r, "[48,1,{\"receive_progress\":true,\"progress\":true},\"com.up\",[1]]");
    assert_int_equal(wamp_session_call_progress(r->s, id, &two, NULL, true), WAMP_OK);
    expect_sent(r, "[48,1,{\"receive_progress\":true,\"progress\":true},\"com.up\",[2]]");
    assert_int_equal(wamp_session_call_progress(r->s, id, &(wamp_value){0}, &one, true),
                     WAMP_EINVAL);
    assert_int_equal(wamp_session_call_progress(r->s, id, &three, NULL, false), WAMP_OK);
    expect_sent(r, "[48,1,{\"receive_progress\":true},\"com.up\",[3]]");
    assert_int_equal(wamp_session_call_progress(r->s, id, &three, NULL, false), WAMP_ESTATE);
    assert_int_equal(wamp_session_call_progress(r->s, 99, NULL, NULL, false), WAMP_ENOTFOUND);
    assert_int_equal(wamp_session_call(r->s, "com.x", NULL, NULL, NULL, call_cb, r, &plain),
                     WAMP_OK);
    expect_sent(r, "[48,2,{},\"com.x\"]");
    assert_int_equal(wamp_session_call_progress(r->s, plain, NULL, NULL, false), WAMP_ESTATE);
    /* canceled (kill): no further chunk */
    wamp_id killed = 0;
    assert_int_equal(wamp_session_call(r->s, "com.up", &one, NULL, &o, call_cb, r, &killed),
                     WAMP_OK);
    assert_int_equal(wamp_session_cancel(r->s, killed, WAMP_CANCEL_KILL), WAMP_OK);
    assert_int_equal(wamp_session_call_progress(r->s, killed, &two, NULL, true), WAMP_ESTATE);
    r->head = r->nout;
    feed(r, "[8,48,3,{},\"wamp.error.canceled\"]");
    expect_log(r, "error3:WAMP_EAPPLICATION,wamp.error.canceled,-,-;");
    feed(r, "[50,1,{},[6]]");
    expect_log(r, "result1:[6],-;");
    assert_int_equal(wamp_session_call_progress(r->s, id, NULL, NULL, false), WAMP_ENOTFOUND);
    /* callee: the handler learns each chunk */
    assert_int_equal(wamp_session_register(r->s, "com.up", NULL, chunk_proc, r, NULL, NULL, NULL),
                     WAMP_OK);
    r->head = r->nout;
    feed(r, "[65,4,100]");
    r->yield_in_handler = true;
    feed(r, "[68,7,100,{\"progress\":true},[1]]");
    feed(r, "[68,7,100,{\"progress\":true},[2]]");
    feed(r, "[68,7,100,{},[3]]");
    expect_log(r, "chunk7:[1],more;chunk7:[2],more,cont;chunk7:[3],cont;");
    expect_sent(r, "[70,7,{}]");
    /* a chunk after the final one is a new invocation only once answered: here it is not */
    r->yield_in_handler = false;
    feed(r, "[68,8,100,{},[1]]");
    expect_log(r, "chunk8:[1];");
    feed(r, "[68,9,100,{\"progress\":true},[1]]");
    feed(r, "[68,9,101,{},[2]]"); /* a chunk for another registration */
    expect_sent(r, "[3,{\"message\":\"progressive INVOCATION chunk received for another "
                   "registration\"},\"wamp.error.protocol_violation\"]");
    wamp_buf_clear(&r->log);
    wamp_arena_free(a);
    rt_free(r);

    r = joined_rt();
    assert_int_equal(wamp_session_register(r->s, "com.up", NULL, chunk_proc, r, NULL, NULL, NULL),
                     WAMP_OK);
    r->head = r->nout;
    feed(r, "[65,1,100]");
    feed(r, "[68,8,100,{},[1]]");
    feed(r, "[68,8,100,{},[1]]"); /* not progressive: a duplicate */
    expect_sent(r, "[3,{\"message\":\"INVOCATION received for a request id already invoked\"},"
                   "\"wamp.error.protocol_violation\"]");
    wamp_buf_clear(&r->log);
    rt_free(r);
}

static void table_proc_a(void *user, wamp_session *s, const wamp_invocation *inv)
{
    (void)s;
    logf_(user, "A%llu@%llu;", (unsigned long long)inv->request, (unsigned long long)inv->handle);
}

static void table_proc_b(void *user, wamp_session *s, const wamp_invocation *inv)
{
    (void)s;
    logf_(user, "B%llu@%llu;", (unsigned long long)inv->request, (unsigned long long)inv->handle);
}

static void test_register_table(void **state)
{
    (void)state;
    rt *r = joined_rt();
    wamp_register_opts pre = {.match = WAMP_MATCH_PREFIX, .invoke = WAMP_INVOKE_LAST};
    wamp_procedure table[] = {
        {"add", table_proc_a, NULL},
        {"sub.", table_proc_b, &pre},
    };
    wamp_id h[2] = {5, 5};
    wamp_procedure bad[] = {{"add", table_proc_a, NULL}, {"bad name", table_proc_b, NULL}};
    assert_int_equal(wamp_session_register_table(r->s, "com.calc.", bad, 2, r, done_cb, r, h),
                     WAMP_EURI);
    expect_nothing_sent(r);
    assert_int_equal(h[0], 0);
    wamp_procedure nohandler[] = {{"add", NULL, NULL}};
    assert_int_equal(
        wamp_session_register_table(r->s, "com.calc.", nohandler, 1, r, NULL, NULL, NULL),
        WAMP_EINVAL);
    assert_int_equal(wamp_session_register_table(r->s, "com.calc.", table, 2, r, done_cb, r, h),
                     WAMP_OK);
    expect_sent(r, "[64,1,{},\"com.calc.add\"]");
    expect_sent(r, "[64,2,{\"match\":\"prefix\",\"invoke\":\"last\"},\"com.calc.sub.\"]");
    assert_true(h[0] > 0 && h[1] > h[0]);
    feed(r, "[65,1,10]");
    feed(r, "[65,2,20]");
    feed(r, "[68,1,10,{}]");
    feed(r, "[68,2,20,{\"procedure\":\"com.calc.sub.x\"}]");
    char want[200];
    snprintf(want, sizeof want, "done%llu:10;done%llu:20;A1@%llu;B2@%llu;",
             (unsigned long long)h[0], (unsigned long long)h[1], (unsigned long long)h[0],
             (unsigned long long)h[1]);
    expect_log(r, want);
    assert_int_equal(wamp_session_register_table(r->s, NULL, table, 0, r, NULL, NULL, NULL),
                     WAMP_OK);
    /* a send failure part way: the first entry stays */
    wamp_procedure more[] = {{"com.m.one", table_proc_a, NULL}, {"com.m.two", table_proc_a, NULL}};
    r->send_rc = WAMP_EIO;
    assert_int_equal(wamp_session_register_table(r->s, NULL, more, 2, r, NULL, NULL, h), WAMP_EIO);
    assert_int_equal(h[0], 0);
    assert_int_equal(h[1], 0);
    r->send_rc = 0;
    rt_free(r);
}

static void test_invoke_policies_and_wildcard(void **state)
{
    (void)state;
    rt *r = joined_rt();
    static const struct {
        wamp_invoke invoke;
        const char *opts;
    } cases[] = {
        {WAMP_INVOKE_SINGLE, "{}"},
        {WAMP_INVOKE_FIRST, "{\"invoke\":\"first\"}"},
        {WAMP_INVOKE_LAST, "{\"invoke\":\"last\"}"},
        {WAMP_INVOKE_ROUNDROBIN, "{\"invoke\":\"roundrobin\"}"},
        {WAMP_INVOKE_RANDOM, "{\"invoke\":\"random\"}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wamp_register_opts o = {.invoke = cases[i].invoke};
        assert_int_equal(wamp_session_register(r->s, "com.pol", &o, proc, r, NULL, NULL, NULL),
                         WAMP_OK);
        char want[200];
        snprintf(want, sizeof want, "[64,%zu,%s,\"com.pol\"]", i + 1, cases[i].opts);
        expect_sent(r, want);
    }
    wamp_register_opts bad = {.invoke = (wamp_invoke)(WAMP_INVOKE_RANDOM + 1)};
    assert_int_equal(wamp_session_register(r->s, "com.pol", &bad, proc, r, NULL, NULL, NULL),
                     WAMP_EINVAL);
    /* wildcard: empty components allowed, the actual procedure comes in the details */
    wamp_register_opts wc = {.match = WAMP_MATCH_WILDCARD, .invoke = WAMP_INVOKE_ROUNDROBIN};
    assert_int_equal(wamp_session_register(r->s, "com..get", &wc, proc, r, done_cb, r, NULL),
                     WAMP_OK);
    expect_sent(r, "[64,6,{\"match\":\"wildcard\",\"invoke\":\"roundrobin\"},\"com..get\"]");
    wamp_register_opts exact = {0};
    assert_int_equal(wamp_session_register(r->s, "com..get", &exact, proc, r, NULL, NULL, NULL),
                     WAMP_EURI);
    feed(r, "[65,6,600]");
    feed(r, "[68,1,600,{\"procedure\":\"com.user.get\",\"caller\":3},[\"u\"]]");
    expect_log(r, "done6:600;invoke1@6:[\"u\"],-,com.user.get,-,caller=3;");
    rt_free(r);
}

/* ================================================================ call options, result mapping,
 * define */

static void shape_cb(void *user, wamp_session *s, wamp_id req, const wamp_call_result *res,
                     const wamp_error *err)
{
    (void)s;
    rt *r = user;
    if (err) {
        logf_(r, "error%llu:", (unsigned long long)req);
        log_str(r, err->uri);
        logf_(r, ",kind=%d;", err->kind);
        return;
    }
    static const char *const names[] = {"none", "single", "multi"};
    logf_(r, "%s%llu:%s", res->progress ? "progress" : "result", (unsigned long long)req,
          names[wamp_call_result_shape(res)]);
    const wamp_value *v = wamp_call_result_single(res);
    if (v) {
        logf_(r, "=");
        log_value(r, v);
    }
    if (res->correlation)
        logf_(r, ",corr=%s,%s,%d,%d", res->correlation->id ? res->correlation->id : "-",
              res->correlation->uri ? res->correlation->uri : "-", res->correlation->is_anchor,
              res->correlation->is_last);
    logf_(r, ";");
}

static void test_call_options_and_mapping(void **state)
{
    (void)state;
    rt *r = joined_rt();
    char id[] = "trace-1";
    wamp_call_opts o = {.transaction_hash = "th-42",
                        .on_progress = shape_cb,
                        .correlation = {.id = id, .uri = "com.trace", .is_anchor = WAMP_OPT_TRUE}};
    assert_int_equal(wamp_session_call(r->s, "com.a", NULL, NULL, &o, shape_cb, r, NULL), WAMP_OK);
    memcpy(id, "changed", 7); /* the session keeps its own copy */
    /* transaction_hash on the wire, correlation never */
    expect_sent(r, "[48,1,{\"receive_progress\":true,\"transaction_hash\":\"th-42\"},\"com.a\"]");
    wamp_call_opts d = {.details = true};
    assert_int_equal(wamp_session_call(r->s, "com.b", NULL, NULL, &d, shape_cb, r, NULL), WAMP_OK);
    expect_sent(r, "[48,2,{},\"com.b\"]");
    for (int i = 3; i <= 6; i++)
        assert_int_equal(wamp_session_call(r->s, "com.c", NULL, NULL, NULL, shape_cb, r, NULL),
                         WAMP_OK);
    r->head = r->nout;
    feed(r, "[50,1,{\"progress\":true},[1]]");
    feed(r, "[50,1,{},[7]]");
    feed(r, "[50,2,{},[7]]");           /* details asked: multi even for one value */
    feed(r, "[50,3,{}]");               /* nothing: none */
    feed(r, "[50,4,{},[1,2]]");         /* several values: multi */
    feed(r, "[50,5,{},[1],{\"k\":1}]"); /* kwargs: multi */
    feed(r, "[50,6,{},[],{}]");         /* empty containers: none */
    expect_log(r, "progress1:single=1,corr=trace-1,com.trace,2,0;result1:single=7,corr=trace-1,"
                  "com.trace,2,0;result2:multi;result3:none;result4:multi;result5:multi;"
                  "result6:none;");
    assert_int_equal(wamp_call_result_shape(NULL), WAMP_RESULT_NONE);
    assert_null(wamp_call_result_single(NULL));
    wamp_session_free(r->s);
    r->s = NULL;
    rt_free(r);
}

static void test_define(void **state)
{
    (void)state;
    rt *r = joined_rt();
    assert_int_equal(wamp_session_define(r->s, "com.err bad", 1), WAMP_EURI);
    assert_int_equal(wamp_session_define(r->s, "com.err.a", -1), WAMP_EINVAL);
    assert_int_equal(wamp_session_define(r->s, "com.err.a", 7), WAMP_OK);
    assert_int_equal(wamp_session_define(r->s, "com.err.b", 8), WAMP_OK);
    assert_int_equal(wamp_session_define(r->s, "com.err.b2", 8), WAMP_OK);
    assert_int_equal(wamp_session_define(r->s, "com.err.c", 9), WAMP_OK);
    assert_int_equal(wamp_session_define(r->s, "com.err.c", 0), WAMP_OK); /* removed */
    assert_int_equal(wamp_session_define(r->s, "com.err.none", 0), WAMP_OK);
    assert_int_equal(wamp_session_error_kind(r->s, wamp_str_c("com.err.b2")), 8);
    assert_int_equal(wamp_session_error_kind(r->s, wamp_str_c("com.err")), 0);
    for (int i = 1; i <= 4; i++)
        assert_int_equal(wamp_session_call(r->s, "com.c", NULL, NULL, NULL, shape_cb, r, NULL),
                         WAMP_OK);
    r->head = r->nout;
    feed(r, "[8,48,1,{},\"com.err.a\"]");
    feed(r, "[8,48,2,{},\"com.err.b2\",[1]]");
    feed(r, "[8,48,3,{},\"com.err.c\"]");
    feed(r, "[8,48,4,{},\"com.err.a.sub\"]"); /* exact URIs only, as Autobahn */
    expect_log(r, "error1:com.err.a,kind=7;error2:com.err.b2,kind=8;error3:com.err.c,kind=0;"
                  "error4:com.err.a.sub,kind=0;");
    /* a callee answers with a kind: the first URI defined for it goes out */
    assert_int_equal(wamp_session_register(r->s, "com.p", NULL, proc, r, NULL, NULL, NULL),
                     WAMP_OK);
    r->head = r->nout;
    feed(r, "[65,5,100]");
    feed(r, "[68,1,100,{}]");
    feed(r, "[68,2,100,{}]");
    expect_log(r, "invoke1@1:-,-,-,-;invoke2@1:-,-,-,-;");
    wamp_error e = {.kind = 8};
    assert_int_equal(wamp_session_error(r->s, 1, &e), WAMP_OK);
    expect_sent(r, "[8,68,1,{},\"com.err.b\"]");
    e.kind = 9; /* removed: no URI */
    assert_int_equal(wamp_session_error(r->s, 2, &e), WAMP_EURI);
    e.uri = wamp_str_c("com.err.explicit"); /* an explicit URI wins */
    assert_int_equal(wamp_session_error(r->s, 2, &e), WAMP_OK);
    expect_sent(r, "[8,68,2,{},\"com.err.explicit\"]");
    /* definitions survive a new session on the same object */
    feed(r, "[6,{},\"wamp.close.system_shutdown\"]");
    r->head = r->nout;
    assert_int_equal(wamp_session_error_kind(r->s, wamp_str_c("com.err.a")), 7);
    wamp_buf_clear(&r->log);
    rt_free(r);
}

/* ================================================================ payload codec (cryptobox) */

/* The JSON text of m (as a router would send it). */
static char *msg_json(const wamp_message *m)
{
    wamp_arena *a = wamp_arena_new(0);
    wamp_buf b = {0};
    assert_int_equal(wamp_message_encode(WAMP_SER_JSON, m, a, &b), WAMP_OK);
    wamp_buf_append_byte(&b, 0);
    wamp_arena_free(a);
    return (char *)b.data;
}

/* Parses the next sent message (must be type `type`, encoded with cryptobox/json) and decodes
 * its payload with kr; returns "args|kwargs" JSON in out. */
static void expect_sent_encrypted(rt *r, int type, wamp_keyring *kr, bool originating,
                                  const char *uri, const char *want_plain)
{
    if (r->head >= r->nout) fail_msg("expected an encrypted message, nothing was sent");
    const char *json = r->out[r->head++];
    wamp_arena *a = wamp_arena_new(0);
    wamp_message m;
    wamp_msg_error e;
    assert_int_equal(
        wamp_message_decode(WAMP_SER_JSON, (const uint8_t *)json, strlen(json), a, NULL, &m, &e),
        WAMP_OK);
    assert_int_equal(m.type, type);
    assert_true(wamp_str_eqc(m.enc_algo, "cryptobox"));
    assert_true(wamp_str_eqc(m.enc_serializer, "json"));
    assert_null(m.enc_key.ptr);
    assert_true(m.payload.len > 40);
    assert_true(wamp_value_is_null(&m.args) && wamp_value_is_null(&m.kwargs));
    wamp_encoded_payload in = {m.payload, m.enc_algo, m.enc_serializer, m.enc_key};
    wamp_value args, kwargs;
    assert_int_equal(wamp_keyring_decode(kr, originating, wamp_str_c(uri), &in, a, &args, &kwargs),
                     WAMP_OK);
    wamp_buf b = {0};
    if (wamp_value_is_null(&args))
        wamp_buf_append(&b, "-", 1);
    else
        wamp_value_dump(&b, &args);
    wamp_buf_append(&b, "|", 1);
    if (wamp_value_is_null(&kwargs))
        wamp_buf_append(&b, "-", 1);
    else
        wamp_value_dump(&b, &kwargs);
    wamp_buf_append_byte(&b, 0);
    if (strcmp((char *)b.data, want_plain) != 0)
        fail_msg("decrypted %s, expected %s", (char *)b.data, want_plain);
    wamp_buf_free(&b);
    wamp_arena_free(a);
}

/* The router sends m with its payload encrypted by kr under uri. */
static void feed_encrypted(rt *r, wamp_message m, wamp_keyring *kr, bool originating,
                           const char *uri, const char *args_json, const char *kwargs_json)
{
    wamp_arena *a = wamp_arena_new(0);
    wamp_value args = args_json ? jv(a, args_json) : wamp_value_null();
    wamp_value kwargs = kwargs_json ? jv(a, kwargs_json) : wamp_value_null();
    wamp_encoded_payload ep;
    bool encoded = false;
    assert_int_equal(wamp_keyring_encode(kr, originating, wamp_str_c(uri), args_json ? &args : NULL,
                                         kwargs_json ? &kwargs : NULL, a, &ep, &encoded),
                     WAMP_OK);
    assert_true(encoded);
    m.payload = ep.payload;
    m.enc_algo = ep.enc_algo;
    m.enc_serializer = ep.enc_serializer;
    m.enc_key = ep.enc_key;
    char *json = msg_json(&m);
    feed(r, json);
    free(json);
    wamp_arena_free(a);
}

static void enc_call_cb(void *user, wamp_session *s, wamp_id req, const wamp_call_result *res,
                        const wamp_error *err)
{
    call_cb(user, s, req, res, err);
    rt *r = user;
    if (res && res->enc_algo.ptr) logf_(r, "enc=%.*s;", (int)res->enc_algo.len, res->enc_algo.ptr);
}

typedef struct keys {
    wamp_keyring *caller, *callee, *other;
} keys;

/* Originator (caller, publisher) and responder (callee, subscriber) rings for "com.secret."
 * plus an unrelated ring with other keys for the same URI. */
static keys make_keys(void)
{
    char op[WAMP_CRYPTOBOX_KEY_B64_SIZE], opub[WAMP_CRYPTOBOX_KEY_B64_SIZE];
    char rp[WAMP_CRYPTOBOX_KEY_B64_SIZE], rpub[WAMP_CRYPTOBOX_KEY_B64_SIZE];
    char xp[WAMP_CRYPTOBOX_KEY_B64_SIZE], xpub[WAMP_CRYPTOBOX_KEY_B64_SIZE];
    (void)xpub;
    assert_int_equal(wamp_cryptobox_generate_key(op, opub), WAMP_OK);
    assert_int_equal(wamp_cryptobox_generate_key(rp, rpub), WAMP_OK);
    assert_int_equal(wamp_cryptobox_generate_key(xp, xpub), WAMP_OK);
    keys k;
    assert_int_equal(wamp_keyring_new(&k.caller), WAMP_OK);
    assert_int_equal(wamp_keyring_new(&k.callee), WAMP_OK);
    assert_int_equal(wamp_keyring_new(&k.other), WAMP_OK);
    wamp_cryptobox_key ko = {.originator_priv = op, .responder_pub = rpub};
    wamp_cryptobox_key kr = {.responder_priv = rp, .originator_pub = opub};
    wamp_cryptobox_key kx = {.originator_priv = xp, .responder_priv = xp}; /* unrelated keys */
    assert_int_equal(wamp_keyring_set_key(k.caller, "com.secret.", &ko), WAMP_OK);
    assert_int_equal(wamp_keyring_set_key(k.callee, "com.secret.", &kr), WAMP_OK);
    assert_int_equal(wamp_keyring_set_key(k.other, "com.secret.", &kx), WAMP_OK);
    return k;
}

static void free_keys(keys k)
{
    wamp_keyring_free(k.caller);
    wamp_keyring_free(k.callee);
    wamp_keyring_free(k.other);
}

static void test_payload_codec_caller(void **state)
{
    (void)state;
    keys k = make_keys();
    rt *r = joined_rt();
    assert_null(wamp_session_get_payload_codec(r->s));
    wamp_payload_codec c = wamp_keyring_codec(k.caller);
    wamp_session_set_payload_codec(r->s, &c);
    assert_non_null(wamp_session_get_payload_codec(r->s));
    assert_ptr_equal(wamp_session_get_payload_codec(r->s)->user, k.caller);
    wamp_arena *a = wamp_arena_new(0);
    wamp_value args = jv(a, "[1,2]"), kwargs = jv(a, "{\"k\":\"v\"}");
    /* a URI with a key: encrypted on the wire, the plaintext carries the URI */
    assert_int_equal(
        wamp_session_call(r->s, "com.secret.add", &args, &kwargs, NULL, enc_call_cb, r, NULL),
        WAMP_OK);
    expect_sent_encrypted(r, WAMP_MSG_CALL, k.callee, false, "com.secret.add",
                          "[1, 2]|{\"k\": \"v\"}");
    /* no key: in clear */
    assert_int_equal(
        wamp_session_call(r->s, "com.open.add", &args, NULL, NULL, enc_call_cb, r, NULL), WAMP_OK);
    expect_sent(r, "[48,2,{},\"com.open.add\",[1,2]]");
    /* the encrypted RESULT is decrypted for the application */
    wamp_message res = wamp_message_new(WAMP_MSG_RESULT);
    res.result.request = 1;
    feed_encrypted(r, res, k.callee, false, "com.secret.add", "[3]", NULL);
    expect_log(r, "result1:[3],-;enc=cryptobox;");
    feed(r, "[50,2,{},[3]]");
    expect_log(r, "result2:[3],-;");
    /* forged (other keys), trusted URI mismatch, and an encrypted ERROR */
    for (int i = 3; i <= 6; i++)
        assert_int_equal(
            wamp_session_call(r->s, "com.secret.add", NULL, NULL, NULL, enc_call_cb, r, NULL),
            WAMP_OK);
    r->head = r->nout;
    res.result.request = 3;
    feed_encrypted(r, res, k.other, false, "com.secret.add", "[3]", NULL);
    res.result.request = 4;
    feed_encrypted(r, res, k.callee, false, "com.secret.sub", "[3]", NULL);
    wamp_message err = wamp_message_error(WAMP_MSG_CALL, 5, "com.secret.error.bad");
    feed_encrypted(r, err, k.callee, false, "com.secret.error.bad", "[\"why\"]", "{\"n\":1}");
    err.error.request = 6;
    feed_encrypted(r, err, k.callee, false, "com.secret.error.other", "[\"why\"]", NULL);
    expect_log(r, "error3:WAMP_EDECRYPT,wamp.error.encryption.decrypt_error,-,-;"
                  "error4:WAMP_ETRUSTEDURI,wamp.error.encryption.trusted_uri_mismatch,-,-;"
                  "error5:WAMP_EAPPLICATION,com.secret.error.bad,[\"why\"],{\"n\": 1};"
                  "error6:WAMP_ETRUSTEDURI,wamp.error.encryption.trusted_uri_mismatch,-,-;");
    /* a progressive result that does not decrypt is reported; the call stays pending */
    wamp_call_opts po = {.on_progress = enc_call_cb};
    assert_int_equal(wamp_session_call(r->s, "com.secret.p", NULL, NULL, &po, enc_call_cb, r, NULL),
                     WAMP_OK);
    r->head = r->nout;
    res.result.request = 7;
    res.result.progress = WAMP_OPT_TRUE;
    feed_encrypted(r, res, k.other, false, "com.secret.p", "[1]", NULL);
    feed_encrypted(r, res, k.callee, false, "com.secret.p", "[2]", NULL);
    res.result.progress = WAMP_OPT_UNSET;
    feed_encrypted(r, res, k.callee, false, "com.secret.p", "[3]", NULL);
    expect_log(r, "uerr:WAMP_EDECRYPT;progress7:[2],-;enc=cryptobox;result7:[3],-;enc=cryptobox;");
    /* publications are encrypted too */
    assert_int_equal(
        wamp_session_publish(r->s, "com.secret.t", &args, NULL, NULL, NULL, NULL, NULL), WAMP_OK);
    expect_sent_encrypted(r, WAMP_MSG_PUBLISH, k.callee, false, "com.secret.t", "[1, 2]|-");
    /* clearing the codec: an encrypted RESULT now fails with no_payload_codec */
    wamp_session_set_payload_codec(r->s, NULL);
    assert_null(wamp_session_get_payload_codec(r->s));
    assert_int_equal(
        wamp_session_call(r->s, "com.secret.add", &args, NULL, NULL, enc_call_cb, r, NULL),
        WAMP_OK);
    expect_sent(r, "[48,9,{},\"com.secret.add\",[1,2]]");
    res.result.request = 9;
    feed_encrypted(r, res, k.callee, false, "com.secret.add", "[3]", NULL);
    expect_log(r, "error9:WAMP_ENOCODEC,wamp.error.no_payload_codec,-,-;");
    wamp_arena_free(a);
    rt_free(r);
    free_keys(k);
}

static void enc_proc(void *user, wamp_session *s, const wamp_invocation *inv)
{
    proc(user, s, inv);
    rt *r = user;
    if (inv->enc_algo.ptr) logf_(r, "enc=%.*s;", (int)inv->enc_algo.len, inv->enc_algo.ptr);
}

static void enc_ev_cb(void *user, wamp_session *s, const wamp_event *ev)
{
    ev_cb(user, s, ev);
    rt *r = user;
    if (ev->enc_algo.ptr) logf_(r, "enc=%.*s;", (int)ev->enc_algo.len, ev->enc_algo.ptr);
}

static void test_payload_codec_callee_subscriber(void **state)
{
    (void)state;
    keys k = make_keys();
    rt *r = joined_rt();
    wamp_payload_codec c = wamp_keyring_codec(k.callee);
    wamp_session_set_payload_codec(r->s, &c);
    wamp_id h;
    wamp_register_opts pre = {.match = WAMP_MATCH_PREFIX};
    assert_int_equal(wamp_session_register(r->s, "com.secret.", &pre, enc_proc, r, NULL, NULL, &h),
                     WAMP_OK);
    assert_int_equal(wamp_session_register(r->s, "com.open", NULL, enc_proc, r, NULL, NULL, &h),
                     WAMP_OK);
    assert_int_equal(
        wamp_session_subscribe(r->s, "com.secret.t", NULL, enc_ev_cb, r, NULL, NULL, &h), WAMP_OK);
    r->head = r->nout;
    feed(r, "[65,1,100]");
    feed(r, "[65,2,101]");
    feed(r, "[33,3,300]");
    /* encrypted INVOCATION (procedure from the details): decrypted, the YIELD is encrypted */
    wamp_message iv = wamp_message_new(WAMP_MSG_INVOCATION);
    iv.invocation.request = 10;
    iv.invocation.registration = 100;
    iv.invocation.procedure = wamp_str_c("com.secret.add");
    iv.invocation.receive_progress = WAMP_OPT_TRUE;
    feed_encrypted(r, iv, k.caller, true, "com.secret.add", "[1,2]", NULL);
    expect_log(r, "invoke10@1:[1, 2],-,com.secret.add,-,rp;enc=cryptobox;");
    wamp_arena *a = wamp_arena_new(0);
    wamp_value three = jv(a, "[3]");
    assert_int_equal(wamp_session_yield(r->s, 10, &three, NULL, true), WAMP_OK);
    expect_sent_encrypted(r, WAMP_MSG_YIELD, k.caller, true, "com.secret.add", "[3]|-");
    assert_int_equal(wamp_session_yield(r->s, 10, NULL, &(wamp_value){0}, false), WAMP_OK);
    expect_sent_encrypted(r, WAMP_MSG_YIELD, k.caller, true, "com.secret.add", "-|-");
    /* a clear INVOCATION gets a clear YIELD even with a key for the URI */
    feed(r, "[68,11,100,{\"procedure\":\"com.secret.add\"},[5]]");
    expect_log(r, "invoke11@1:[5],-,com.secret.add,-;");
    assert_int_equal(wamp_session_yield(r->s, 11, &three, NULL, false), WAMP_OK);
    expect_sent(r, "[70,11,{},[3]]");
    /* forged and mismatching INVOCATIONs are answered with the encryption error URIs */
    iv.invocation.request = 12;
    feed_encrypted(r, iv, k.other, true, "com.secret.add", "[1]", NULL);
    expect_sent(r, "[8,68,12,{},\"wamp.error.encryption.decrypt_error\",[\"failed to decode the "
                   "INVOCATION payload\"]]");
    iv.invocation.request = 13;
    feed_encrypted(r, iv, k.caller, true, "com.secret.sub", "[1]", NULL);
    expect_sent(r, "[8,68,13,{},\"wamp.error.encryption.trusted_uri_mismatch\",[\"failed to "
                   "decode the INVOCATION payload\"]]");
    expect_log(r, "uerr:WAMP_EDECRYPT;uerr:WAMP_ETRUSTEDURI;");
    assert_int_equal(wamp_session_yield(r->s, 12, NULL, NULL, false), WAMP_ENOTFOUND);
    /* encrypted EVENT: decrypted under the subscription's topic */
    wamp_message ev = wamp_message_new(WAMP_MSG_EVENT);
    ev.event.subscription = 300;
    ev.event.publication = 77;
    feed_encrypted(r, ev, k.caller, true, "com.secret.t", "[\"hi\"]", NULL);
    expect_log(r, "event77@3:[\"hi\"],-,-;enc=cryptobox;");
    feed_encrypted(r, ev, k.other, true, "com.secret.t", "[\"hi\"]", NULL);
    expect_log(r, "uerr:WAMP_EDECRYPT;");
    /* a progressive invocation whose later chunk does not decrypt is over */
    wamp_register_opts ro = {.on_interrupt = interrupt_cb};
    assert_int_equal(
        wamp_session_register(r->s, "com.secret.up", &ro, enc_proc, r, NULL, NULL, NULL), WAMP_OK);
    r->head = r->nout;
    feed(r, "[65,4,102]");
    wamp_message chunk = wamp_message_new(WAMP_MSG_INVOCATION);
    chunk.invocation.request = 20;
    chunk.invocation.registration = 102;
    chunk.invocation.procedure = wamp_str_c("com.secret.up");
    chunk.invocation.progress = WAMP_OPT_TRUE;
    feed_encrypted(r, chunk, k.caller, true, "com.secret.up", "[1]", NULL);
    expect_log(r, "invoke20@4:[1],-,com.secret.up,-;enc=cryptobox;");
    chunk.invocation.procedure = (wamp_str){0};
    feed_encrypted(r, chunk, k.other, true, "com.secret.up", "[2]", NULL);
    expect_sent(r, "[8,68,20,{},\"wamp.error.encryption.decrypt_error\",[\"failed to decode the "
                   "INVOCATION payload\"]]");
    expect_log(r, "uerr:WAMP_EDECRYPT;interrupt20:killnowait;");
    assert_int_equal(wamp_session_yield(r->s, 20, NULL, NULL, false), WAMP_ENOTFOUND);
    /* without a codec: INVOCATION answered with no_payload_codec, EVENT reported */
    wamp_session_set_payload_codec(r->s, NULL);
    iv.invocation.request = 14;
    feed_encrypted(r, iv, k.caller, true, "com.secret.add", "[1]", NULL);
    expect_sent(r, "[8,68,14,{},\"wamp.error.no_payload_codec\",[\"received encrypted INVOCATION "
                   "payload, but no payload codec active\"]]");
    feed_encrypted(r, ev, k.caller, true, "com.secret.t", "[\"hi\"]", NULL);
    expect_log(r, "uerr:WAMP_ENOCODEC;uerr:WAMP_ENOCODEC;");
    expect_nothing_sent(r);
    wamp_arena_free(a);
    rt_free(r);
    free_keys(k);
}

/* A codec whose encode fails: nothing is sent, the error comes back. */
static int failing_encode(void *user, bool orig, wamp_str uri, const wamp_value *args,
                          const wamp_value *kwargs, wamp_arena *a, wamp_encoded_payload *out,
                          bool *encoded)
{
    (void)user, (void)orig, (void)uri, (void)args, (void)kwargs, (void)a, (void)out;
    *encoded = false;
    return WAMP_ECRYPTO;
}

static int failing_decode(void *user, bool orig, wamp_str uri, const wamp_encoded_payload *in,
                          wamp_arena *a, wamp_value *args, wamp_value *kwargs)
{
    (void)user, (void)orig, (void)uri, (void)in, (void)a, (void)args, (void)kwargs;
    return WAMP_EDECRYPT;
}

static void test_payload_codec_encode_failure(void **state)
{
    (void)state;
    rt *r = joined_rt();
    wamp_payload_codec c = {NULL, failing_encode, failing_decode};
    wamp_session_set_payload_codec(r->s, &c);
    wamp_id id = 0;
    assert_int_equal(wamp_session_call(r->s, "com.x", NULL, NULL, NULL, call_cb, r, &id),
                     WAMP_ECRYPTO);
    assert_int_equal(wamp_session_publish(r->s, "com.t", NULL, NULL, NULL, NULL, NULL, NULL),
                     WAMP_ECRYPTO);
    expect_nothing_sent(r);
    /* a codec without functions counts as none */
    wamp_payload_codec bad = {0};
    wamp_session_set_payload_codec(r->s, &bad);
    assert_null(wamp_session_get_payload_codec(r->s));
    assert_int_equal(wamp_session_call(r->s, "com.x", NULL, NULL, NULL, call_cb, r, &id), WAMP_OK);
    expect_sent(r, "[48,3,{},\"com.x\"]"); /* the failed requests used ids 1 and 2 */
    expect_log(r, "");
    rt_free(r);
}

/* ================================================================ over the in-memory transport */

/*
 * The session over a real serializer and the in-memory transport pair (transport.h), against
 * a scripted router on the other framer: what the session sends is serialized, framed, carried,
 * unserialized and parsed on the router side (then shown as JSON for the comparison); what the
 * router sends is serialized with the same serializer. rt is the first member so that every
 * callback above works unchanged.
 */
typedef struct mt {
    rt r;
    wamp_framer *cf, *rf; /* client side, router side */
    wamp_serializer *cser, *rser;
} mt;

static int mt_send(void *user, const wamp_message *m)
{
    mt *t = user;
    if (t->r.send_rc) return t->r.send_rc;
    wamp_arena *a = wamp_arena_new(0);
    wamp_value v;
    wamp_buf b = {0};
    int rc = wamp_message_marshal(m, a, &v);
    if (!rc) rc = wamp_serializer_serialize(t->cser, &v, &b);
    if (!rc) rc = wamp_framer_send(t->cf, b.data, b.len);
    wamp_buf_free(&b);
    wamp_arena_free(a);
    return rc;
}

static void mt_client_message(wamp_framer *f, void *user, const uint8_t *data, size_t len,
                              bool is_binary)
{
    (void)f, (void)is_binary;
    mt *t = user;
    wamp_arena *a = wamp_arena_new(0);
    wamp_value *msgs;
    size_t n;
    assert_int_equal(wamp_serializer_unserialize(t->cser, data, len, a, NULL, &msgs, &n), WAMP_OK);
    for (size_t i = 0; i < n && t->r.s; i++) {
        wamp_message m;
        assert_int_equal(wamp_message_parse(&msgs[i], a, &m, NULL), WAMP_OK);
        assert_int_equal(wamp_session_receive(t->r.s, &m), WAMP_OK);
    }
    wamp_arena_free(a);
}

static void mt_client_close(wamp_framer *f, void *user, int code, const char *reason, size_t rlen,
                            bool clean)
{
    (void)f, (void)reason, (void)rlen, (void)clean;
    mt *t = user;
    if (t->r.s) wamp_session_transport_closed(t->r.s, code == 1000 ? WAMP_OK : WAMP_ECONNRESET);
}

/* The router received a message: keep it as JSON for expect_sent(). */
static void mt_router_message(wamp_framer *f, void *user, const uint8_t *data, size_t len,
                              bool is_binary)
{
    (void)f, (void)is_binary;
    mt *t = user;
    wamp_arena *a = wamp_arena_new(0);
    wamp_value *msgs;
    size_t n;
    assert_int_equal(wamp_serializer_unserialize(t->rser, data, len, a, NULL, &msgs, &n), WAMP_OK);
    for (size_t i = 0; i < n; i++) {
        wamp_message m;
        assert_int_equal(wamp_message_parse(&msgs[i], a, &m, NULL), WAMP_OK);
        wamp_buf b = {0};
        assert_int_equal(wamp_message_encode(WAMP_SER_JSON, &m, a, &b), WAMP_OK);
        wamp_buf_append_byte(&b, 0);
        if (t->r.nout >= MAXOUT) fail_msg("too many messages sent");
        t->r.out[t->r.nout++] = (char *)b.data;
    }
    wamp_arena_free(a);
}

static mt *mt_new(wamp_serializer_id ser, bool batched)
{
    mt *t = calloc(1, sizeof *t);
    wamp_session_callbacks cb = CBS;
    cb.send = mt_send;
    assert_int_equal(wamp_session_new(&cb, t, &t->r.s), WAMP_OK);
    const wamp_serializer_info *info = wamp_serializer_by_id(ser, batched);
    assert_non_null(info);
    assert_int_equal(wamp_serializer_new(info, &t->cser), WAMP_OK);
    assert_int_equal(wamp_serializer_new(info, &t->rser), WAMP_OK);
    wamp_memory_options mo = {.serializer = ser, .batched = batched, .queued = true};
    wamp_framer_cbs ccb = {.on_message = mt_client_message, .on_close = mt_client_close};
    wamp_framer_cbs rcb = {.on_message = mt_router_message};
    assert_int_equal(wamp_memory_pair_new(&t->cf, &t->rf, &mo, &ccb, t, &rcb, t), WAMP_OK);
    assert_int_equal(wamp_framer_get_state(t->cf), WAMP_FRAMER_OPEN);
    return t;
}

static void mt_pump(mt *t)
{
    assert_true(wamp_memory_pump(t->cf) >= 0);
}

/* The router sends json (serialized with the transport's serializer). */
static void mt_feed(mt *t, const char *json)
{
    wamp_arena *a = wamp_arena_new(0);
    wamp_message m;
    wamp_msg_error e;
    if (wamp_message_decode(WAMP_SER_JSON, (const uint8_t *)json, strlen(json), a, NULL, &m, &e))
        fail_msg("test message does not parse: %s: %s", e.text, json);
    wamp_value v;
    wamp_buf b = {0};
    assert_int_equal(wamp_message_marshal(&m, a, &v), WAMP_OK);
    assert_int_equal(wamp_serializer_serialize(t->rser, &v, &b), WAMP_OK);
    assert_int_equal(wamp_framer_send(t->rf, b.data, b.len), WAMP_OK);
    wamp_buf_free(&b);
    wamp_arena_free(a);
    mt_pump(t);
}

static void mt_free(mt *t)
{
    wamp_session_free(t->r.s);
    t->r.s = NULL;
    wamp_framer_free(t->cf);
    wamp_framer_free(t->rf);
    wamp_serializer_free(t->cser);
    wamp_serializer_free(t->rser);
    for (int i = 0; i < t->r.nout; i++)
        free(t->r.out[i]);
    wamp_buf_free(&t->r.log);
    free(t);
}

static void mt_scenario(wamp_serializer_id ser, bool batched)
{
    mt *t = mt_new(ser, batched);
    rt *r = &t->r;
    assert_int_equal(wamp_session_transport_open(r->s), WAMP_OK);
    wamp_join_opts jo = {.realm = "realm1"};
    assert_int_equal(wamp_session_join(r->s, &jo), WAMP_OK);
    mt_pump(t);
    expect_sent(r, "[1,\"realm1\",{" HELLO_ROLES "}]");
    mt_feed(t, WELCOME);
    expect_log(r, "connect;welcome:9129137332;join:9129137332,-,joe,user,anonymous,static,-,"
                  "dealer,,;");
    /* caller: arguments of every type, progressive results */
    wamp_arena *a = wamp_arena_new(0);
    wamp_value args = jv(a, "[1,-2,\"two\",1.5,true,null,[\"\\u0000AAH/\"],{\"n\":{\"m\":[]}}]");
    wamp_value kwargs = jv(a, "{\"k\":\"\\u00e9\"}");
    wamp_call_opts co = {.on_progress = call_cb, .timeout_ms = 500};
    assert_int_equal(wamp_session_call(r->s, "com.add", &args, &kwargs, &co, call_cb, r, NULL),
                     WAMP_OK);
    mt_pump(t);
    expect_sent(r, "[48,1,{\"timeout\":500,\"receive_progress\":true},\"com.add\",[1,-2,\"two\","
                   "1.5,true,null,[\"\\u0000AAH/\"],{\"n\":{\"m\":[]}}],{\"k\":\"\u00e9\"}]");
    mt_feed(t, "[50,1,{\"progress\":true},[1]]");
    mt_feed(t, "[50,1,{},[\"\\u0000AAH/\"]]");
    expect_log(r, "progress1:[1],-;result1:[b\"0001ff\"],-;");
    /* callee */
    r->yield_in_handler = true;
    assert_int_equal(wamp_session_register(r->s, "com.echo", NULL, proc, r, done_cb, r, NULL),
                     WAMP_OK);
    mt_pump(t);
    expect_sent(r, "[64,2,{},\"com.echo\"]");
    mt_feed(t, "[65,2,100]");
    mt_feed(t, "[68,5,100,{\"caller\":3},[\"x\"]]");
    expect_log(r, "done1:100;invoke5@1:[\"x\"],-,-,-,caller=3;");
    expect_sent(r, "[70,5,{},[42]]");
    r->yield_in_handler = false;
    /* subscriber and publisher */
    assert_int_equal(wamp_session_subscribe(r->s, "com.t", NULL, ev_cb, r, done_cb, r, NULL),
                     WAMP_OK);
    wamp_publish_opts po = {.acknowledge = true, .exclude_me = WAMP_OPT_FALSE};
    assert_int_equal(wamp_session_publish(r->s, "com.t", &args, NULL, &po, pub_cb, r, NULL),
                     WAMP_OK);
    mt_pump(t);
    expect_sent(r, "[32,3,{},\"com.t\"]");
    expect_sent(r, "[16,4,{\"acknowledge\":true,\"exclude_me\":false},\"com.t\",[1,-2,\"two\",1.5,"
                   "true,null,[\"\\u0000AAH/\"],{\"n\":{\"m\":[]}}]]");
    mt_feed(t, "[33,3,300]");
    mt_feed(t, "[17,4,400]");
    mt_feed(t, "[36,300,400,{\"publisher\":9},[\"hi\"]]");
    expect_log(r, "done2:300;published4:400;event400@2:[\"hi\"],-,-,publisher=9;");
    /* cancel in kill mode: the router's ERROR completes the call */
    wamp_id id = 0;
    assert_int_equal(wamp_session_call(r->s, "com.slow", NULL, NULL, NULL, call_cb, r, &id),
                     WAMP_OK);
    assert_int_equal(wamp_session_cancel(r->s, id, WAMP_CANCEL_KILL), WAMP_OK);
    mt_pump(t);
    expect_sent(r, "[48,5,{},\"com.slow\"]");
    expect_sent(r, "[49,5,{\"mode\":\"kill\"}]");
    mt_feed(t, "[8,48,5,{},\"wamp.error.canceled\"]");
    expect_log(r, "error5:WAMP_EAPPLICATION,wamp.error.canceled,-,-;");
    /* the router closes the transport with a call and an invocation in flight */
    assert_int_equal(wamp_session_call(r->s, "com.c", NULL, NULL, NULL, call_cb, r, NULL), WAMP_OK);
    mt_feed(t, "[68,6,100,{}]");
    expect_log(r, "invoke6@1:-,-,-,-;");
    assert_int_equal(wamp_framer_close(t->rf, 1001, "going away"), WAMP_OK);
    mt_pump(t);
    expect_log(r, "error6:WAMP_ETRANSPORTLOST,wamp.close.transport_lost,-,-;"
                  "leave:wamp.close.transport_lost,-;disconnect:0;");
    assert_false(wamp_session_is_connected(r->s));
    assert_int_equal(wamp_session_yield(r->s, 6, NULL, NULL, false), WAMP_ENOTREADY);
    wamp_arena_free(a);
    mt_free(t);
}

static void test_memory_transport(void **state)
{
    (void)state;
    static const struct {
        wamp_serializer_id ser;
        bool batched;
    } sers[] = {
        {WAMP_SER_JSON, false},   {WAMP_SER_JSON, true},   {WAMP_SER_MSGPACK, false},
        {WAMP_SER_MSGPACK, true}, {WAMP_SER_CBOR, false},  {WAMP_SER_CBOR, true},
        {WAMP_SER_UBJSON, false}, {WAMP_SER_UBJSON, true},
    };
    for (size_t i = 0; i < sizeof sers / sizeof sers[0]; i++)
        mt_scenario(sers[i].ser, sers[i].batched);
}

/* Freeing the session over a live transport with a call, an invocation, a subscription, a
 * timer and an encrypted call in flight: each completes exactly once, nothing leaks. */
static void test_memory_transport_teardown(void **state)
{
    (void)state;
    keys k = make_keys();
    mt *t = mt_new(WAMP_SER_MSGPACK, false);
    rt *r = &t->r;
    wamp_session_transport_open(r->s);
    wamp_join_opts jo = {.realm = "realm1"};
    wamp_session_join(r->s, &jo);
    mt_pump(t);
    mt_feed(t, WELCOME);
    wamp_payload_codec c = wamp_keyring_codec(k.caller);
    wamp_session_set_payload_codec(r->s, &c);
    wamp_register_opts ro = {.on_interrupt = interrupt_cb};
    wamp_session_register(r->s, "com.reg", &ro, proc, r, done_cb, r, NULL); /* 1 */
    mt_pump(t);
    mt_feed(t, "[65,1,10]");
    mt_feed(t, "[68,77,10,{\"receive_progress\":true}]");
    wamp_call_opts co = {.cancel_after_ms = 100};
    wamp_session_set_clock(r->s, NULL, NULL);
    wamp_session_call(r->s, "com.secret.x", NULL, NULL, &co, call_cb, r, NULL); /* 2 */
    wamp_session_subscribe(r->s, "com.s", NULL, ev_cb, r, done_cb, r, NULL);    /* 3 */
    mt_pump(t);
    uint64_t dl = 0;
    assert_true(wamp_session_next_deadline(r->s, &dl));
    assert_int_equal(dl, 100);
    expect_log(r, "connect;welcome:9129137332;join:9129137332,-,joe,user,anonymous,static,-,"
                  "dealer,,;done1:10;invoke77@1:-,-,-,-,rp;");
    wamp_session_free(r->s);
    r->s = NULL;
    expect_log(r, "error2:WAMP_ECLOSED,wamp.close.normal,-,-;"
                  "done2:WAMP_ECLOSED,wamp.close.normal;interrupt77:killnowait;");
    mt_pump(t); /* nothing may reach the freed session */
    mt_free(t);
    free_keys(k);
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

/* ================================================================ Autobahn's option and details
 * fields */

static void ff_call_cb(void *user, wamp_session *s, wamp_id req, const wamp_call_result *res,
                       const wamp_error *err)
{
    call_cb(user, s, req, res, err);
    rt *r = user;
    if (res) {
        logf_(r, "ff=");
        log_value(r, &res->forward_for);
        logf_(r, ";");
    }
}

static void log_ident(rt *r, const wamp_session_ident *id)
{
    if (id->session.set)
        logf_(r, "%lld/", (long long)id->session.value);
    else
        logf_(r, "-/");
    log_str(r, id->authid);
    logf_(r, "/");
    log_str(r, id->authrole);
    logf_(r, ";");
}

static void ff_proc(void *user, wamp_session *s, const wamp_invocation *inv)
{
    (void)s;
    rt *r = user;
    wamp_session_ident id;
    wamp_session_ident_from_invocation(inv, &id);
    logf_(r, "inv%llu:ff=", (unsigned long long)inv->request);
    log_value(r, &inv->forward_for);
    logf_(r, ",caller=");
    log_ident(r, &id);
}

static void ff_ev_cb(void *user, wamp_session *s, const wamp_event *ev)
{
    (void)s;
    rt *r = user;
    wamp_session_ident id;
    wamp_session_ident_from_event(ev, &id);
    logf_(r, "ev%llu:ff=", (unsigned long long)ev->publication);
    log_value(r, &ev->forward_for);
    logf_(r, ",publisher=");
    log_ident(r, &id);
}

/* CallOptions.caller / caller_authid / caller_authrole / forward_for and the forward_for of
 * Publish-, Subscribe- and RegisterOptions go on the wire as Autobahn's message_attr() puts
 * them; a malformed forward_for is refused before anything is sent. */
static void test_autobahn_forward_options(void **state)
{
    (void)state;
    rt *r = joined_rt();
    wamp_arena *a = wamp_arena_new(0);
    wamp_value ff = jv(a, "[{\"session\":123,\"authid\":\"alice\",\"authrole\":\"user\"}]");
    wamp_value ff_null_authid = jv(a, "[{\"session\":5,\"authid\":null,\"authrole\":\"r\"}]");
    const char *bad_json[] = {"{}",
                              "[1]",
                              "[{\"authid\":\"a\",\"authrole\":\"r\"}]",
                              "[{\"session\":\"1\",\"authid\":\"a\",\"authrole\":\"r\"}]",
                              "[{\"session\":1,\"authrole\":\"r\"}]",
                              "[{\"session\":1,\"authid\":2,\"authrole\":\"r\"}]",
                              "[{\"session\":1,\"authid\":\"a\"}]",
                              "[{\"session\":1,\"authid\":\"a\",\"authrole\":null}]"};
    for (size_t i = 0; i < sizeof bad_json / sizeof *bad_json; i++) {
        wamp_value bad = jv(a, bad_json[i]);
        wamp_call_opts co = {.forward_for = &bad};
        assert_int_equal(wamp_session_call(r->s, "com.p", NULL, NULL, &co, call_cb, r, NULL),
                         WAMP_EINVAL);
        wamp_publish_opts po = {.forward_for = &bad};
        assert_int_equal(wamp_session_publish(r->s, "com.t", NULL, NULL, &po, NULL, NULL, NULL),
                         WAMP_EINVAL);
        wamp_subscribe_opts so = {.forward_for = &bad};
        assert_int_equal(wamp_session_subscribe(r->s, "com.t", &so, ev_cb, r, NULL, NULL, NULL),
                         WAMP_EINVAL);
        wamp_register_opts ro = {.forward_for = &bad};
        assert_int_equal(wamp_session_register(r->s, "com.p", &ro, proc, r, NULL, NULL, NULL),
                         WAMP_EINVAL);
    }
    expect_nothing_sent(r);
    expect_log(r, "");

    /* caller identity on behalf of another session, and forward_for */
    wamp_call_opts co = {.caller = WAMP_OPT_INT(77),
                         .caller_authid = "bob",
                         .caller_authrole = "admin",
                         .forward_for = &ff};
    wamp_id req;
    assert_int_equal(wamp_session_call(r->s, "com.p", NULL, NULL, &co, ff_call_cb, r, &req),
                     WAMP_OK);
    expect_sent(r,
                "[48,1,{\"caller\":77,\"caller_authid\":\"bob\",\"caller_authrole\":\"admin\","
                "\"forward_for\":[{\"session\":123,\"authid\":\"alice\",\"authrole\":\"user\"}]},"
                "\"com.p\"]");
    /* only caller_authrole, with a null authid in forward_for */
    wamp_call_opts co2 = {.caller_authrole = "svc", .forward_for = &ff_null_authid};
    assert_int_equal(wamp_session_call(r->s, "com.q", NULL, NULL, &co2, ff_call_cb, r, NULL),
                     WAMP_OK);
    expect_sent(r, "[48,2,{\"caller_authrole\":\"svc\",\"forward_for\":[{\"session\":5,"
                   "\"authid\":null,\"authrole\":\"r\"}]},\"com.q\"]");
    /* CallResult.forward_for */
    feed(r, "[50,1,{\"forward_for\":[{\"session\":9,\"authid\":\"c\",\"authrole\":\"d\"}]},[1]]");
    feed(r, "[50,2,{},[2]]");
    expect_log(r, "result1:[1],-;ff=[{\"session\": 9, \"authid\": \"c\", \"authrole\": \"d\"}];"
                  "result2:[2],-;ff=-;");

    wamp_publish_opts po = {.acknowledge = true, .forward_for = &ff};
    assert_int_equal(wamp_session_publish(r->s, "com.t", NULL, NULL, &po, pub_cb, r, NULL),
                     WAMP_OK);
    expect_sent(r, "[16,3,{\"acknowledge\":true,\"forward_for\":[{\"session\":123,"
                   "\"authid\":\"alice\",\"authrole\":\"user\"}]},\"com.t\"]");
    wamp_subscribe_opts so = {.match = WAMP_MATCH_PREFIX, .forward_for = &ff};
    assert_int_equal(wamp_session_subscribe(r->s, "com.t", &so, ff_ev_cb, r, NULL, NULL, NULL),
                     WAMP_OK);
    expect_sent(r, "[32,4,{\"match\":\"prefix\",\"forward_for\":[{\"session\":123,"
                   "\"authid\":\"alice\",\"authrole\":\"user\"}]},\"com.t\"]");
    wamp_register_opts ro = {.invoke = WAMP_INVOKE_ROUNDROBIN, .forward_for = &ff};
    assert_int_equal(wamp_session_register(r->s, "com.p", &ro, ff_proc, r, NULL, NULL, NULL),
                     WAMP_OK);
    expect_sent(r, "[64,5,{\"invoke\":\"roundrobin\",\"forward_for\":[{\"session\":123,"
                   "\"authid\":\"alice\",\"authrole\":\"user\"}]},\"com.p\"]");
    feed(r, "[17,3,1000]");
    feed(r, "[33,4,300]");
    feed(r, "[65,5,400]");
    expect_log(r, "published3:1000;");
    expect_nothing_sent(r);

    /* CallDetails / EventDetails forward_for, and SessionIdent from them: the first forward_for
     * entry (the original peer) wins over caller / publisher */
    feed(r, "[68,10,400,{\"caller\":1,\"caller_authid\":\"router\",\"caller_authrole\":\"trusted\","
            "\"forward_for\":[{\"session\":2,\"authid\":\"orig\",\"authrole\":\"user\"},"
            "{\"session\":3,\"authid\":\"mid\",\"authrole\":\"router\"}]}]");
    feed(r, "[68,11,400,{\"caller\":4,\"caller_authid\":\"direct\",\"caller_authrole\":\"u\"}]");
    feed(r, "[68,12,400,{}]");
    expect_log(r, "inv10:ff=[{\"session\": 2, \"authid\": \"orig\", \"authrole\": \"user\"}, "
                  "{\"session\": 3, \"authid\": \"mid\", \"authrole\": \"router\"}],caller=2/orig/"
                  "user;inv11:ff=-,caller=4/direct/u;inv12:ff=-,caller=-/-/-;");
    feed(r, "[36,300,20,{\"publisher\":1,\"topic\":\"com.t.x\",\"forward_for\":[{\"session\":6,"
            "\"authid\":null,\"authrole\":\"anon\"}]}]");
    feed(r, "[36,300,21,{\"publisher\":7,\"publisher_authid\":\"p\",\"publisher_authrole\":\"q\","
            "\"topic\":\"com.t.y\"}]");
    expect_log(r, "ev20:ff=[{\"session\": 6, \"authid\": null, \"authrole\": \"anon\"}],"
                  "publisher=6/-/anon;ev21:ff=-,publisher=7/p/q;");
    wamp_session_ident id;
    wamp_session_ident_from_invocation(NULL, &id);
    assert_false(id.session.set);
    assert_null(id.authid.ptr);
    wamp_session_ident_from_event(NULL, &id);
    assert_false(id.session.set);
    wamp_arena_free(a);
    rt_free(r);
}

static void td_join(void *user, wamp_session *s, const wamp_session_details *d)
{
    rt *r = user;
    assert_ptr_equal(wamp_session_details_get(s), d);
    logf_(r, "join:");
    log_str(r, d->serializer);
    if (d->transport)
        logf_(r, ",%s,%s,%d;", d->transport->own, d->transport->peer,
              (int)d->transport->channel_framing);
    else
        logf_(r, ",-;");
}

/* SessionDetails.serializer and .transport: what the runtime told the session of its transport,
 * from on_welcome/on_join; forgotten when the transport closes. */
static void test_session_details_transport(void **state)
{
    (void)state;
    rt *r = calloc(1, sizeof *r);
    wamp_session_callbacks cb = CBS;
    cb.on_join = td_join;
    assert_int_equal(wamp_session_new(&cb, r, &r->s), WAMP_OK);
    assert_int_equal(wamp_session_set_transport_details(NULL, NULL), WAMP_EINVAL);
    assert_null(wamp_session_transport_details(r->s));
    /* no details given: SessionDetails has no serializer and no transport */
    assert_int_equal(wamp_session_transport_open(r->s), WAMP_OK);
    wamp_join_opts o = {.realm = "realm1"};
    assert_int_equal(wamp_session_join(r->s, &o), WAMP_OK);
    feed(r, WELCOME);
    expect_log(r, "connect;welcome:9129137332;join:-,-;");
    assert_null(wamp_session_transport_details(r->s));
    wamp_session_transport_closed(r->s, WAMP_OK);
    expect_log(r, "leave:wamp.close.transport_lost,-;disconnect:0;");

    /* a runtime tells the details when the transport opens */
    wamp_transport_details td;
    wamp_transport_details_init(&td);
    td.channel_type = WAMP_CHANNEL_TCP;
    td.channel_framing = WAMP_FRAMING_RAWSOCKET;
    td.channel_serializer = WAMP_SER_MSGPACK;
    snprintf(td.own, sizeof td.own, "tcp4:127.0.0.1:5000");
    snprintf(td.peer, sizeof td.peer, "tcp4:127.0.0.1:8080");
    assert_int_equal(wamp_session_set_transport_details(r->s, &td), WAMP_OK);
    td.peer[0] = 0; /* copied: later changes do not show */
    assert_int_equal(wamp_session_transport_open(r->s), WAMP_OK);
    const wamp_transport_details *got = wamp_session_transport_details(r->s);
    assert_non_null(got);
    assert_string_equal(got->peer, "tcp4:127.0.0.1:8080");
    assert_int_equal(got->channel_serializer, WAMP_SER_MSGPACK);
    assert_int_equal(wamp_session_join(r->s, &o), WAMP_OK);
    feed(r, WELCOME);
    expect_log(r, "connect;welcome:9129137332;join:msgpack,tcp4:127.0.0.1:5000,"
                  "tcp4:127.0.0.1:8080,3;");
    assert_ptr_equal(wamp_session_details_get(r->s)->transport, got);
    /* the batched JSON serializer is still SERIALIZER_ID "json" (Autobahn) */
    assert_int_equal(wamp_session_leave(r->s, NULL, NULL), WAMP_OK);
    feed(r, "[6,{},\"wamp.close.goodbye_and_out\"]");
    expect_log(r, "leave:wamp.close.goodbye_and_out,-;");
    td.channel_serializer = WAMP_SER_JSON;
    td.batched = true;
    td.channel_framing = WAMP_FRAMING_WEBSOCKET;
    assert_int_equal(wamp_session_set_transport_details(r->s, &td), WAMP_OK);
    assert_int_equal(wamp_session_join(r->s, &o), WAMP_OK);
    feed(r, WELCOME);
    expect_log(r, "welcome:9129137332;join:json,tcp4:127.0.0.1:5000,,2;");
    /* the transport closes: the details are forgotten */
    wamp_session_transport_closed(r->s, WAMP_ECONNRESET);
    expect_log(r, "leave:wamp.close.transport_lost,-;disconnect:0;");
    assert_null(wamp_session_transport_details(r->s));
    assert_null(wamp_session_details_get(r->s));
    assert_int_equal(wamp_session_transport_open(r->s), WAMP_OK);
    assert_null(wamp_session_transport_details(r->s));
    assert_int_equal(wamp_session_join(r->s, &o), WAMP_OK);
    feed(r, WELCOME);
    expect_log(r, "connect;welcome:9129137332;join:-,-;");
    /* NULL forgets them */
    assert_int_equal(wamp_session_set_transport_details(r->s, &td), WAMP_OK);
    assert_non_null(wamp_session_transport_details(r->s));
    assert_int_equal(wamp_session_set_transport_details(r->s, NULL), WAMP_OK);
    assert_null(wamp_session_transport_details(r->s));
    rt_free(r);
}

static void free_proc(void *user, wamp_session *s, const wamp_invocation *inv)
{
    rt *r = user;
    logf_(r, "invoke%llu;", (unsigned long long)inv->request);
    wamp_session_free(s); /* deferred to the end of wamp_session_receive() */
    r->s = NULL;
    /* the session stays usable until then; what is started now completes too */
    assert_int_equal(wamp_session_call(s, "com.late", NULL, NULL, NULL, call_cb, r, NULL), WAMP_OK);
}

/* wamp_session_free() while every kind of request, a caller-side timer, a kill-mode cancel
 * awaiting its ERROR, a progressive call invocation half sent, progressive results, an
 * invocation being answered progressively and chunks of an incoming progressive invocation
 * are in flight: each request completes exactly once (WAMP_ECLOSED), each open invocation's
 * handler learns it is over, nothing is sent, nothing leaks (ASan, memcheck.test_session);
 * and the same when the session is freed from inside a handler. */
static void test_free_everything_in_flight(void **state)
{
    (void)state;
    rt *r = joined_rt();
    wamp_arena *a = wamp_arena_new(0);
    wamp_value one = jv(a, "[1]");
    wamp_register_opts ro = {.on_interrupt = interrupt_cb};
    wamp_id h;
    assert_int_equal(wamp_session_register(r->s, "com.reg", &ro, proc, r, done_cb, r, &h),
                     WAMP_OK); /* req 1, handle 1 */
    assert_int_equal(wamp_session_register(r->s, "com.up", &ro, chunk_proc, r, done_cb, r, NULL),
                     WAMP_OK); /* req 2, handle 2 */
    feed(r, "[65,1,10]");
    feed(r, "[65,2,11]");
    feed(r, "[68,77,10,{\"receive_progress\":true}]"); /* answered progressively */
    feed(r, "[68,78,10,{}]");                          /* not answered */
    feed(r, "[68,79,11,{\"progress\":true},[1]]");     /* more chunks to come */
    assert_int_equal(wamp_session_yield(r->s, 77, &one, NULL, true), WAMP_OK);
    wamp_call_opts timed = {.cancel_after_ms = 100, .on_progress = call_cb};
    wamp_call_opts chunked = {.progress = true};
    wamp_publish_opts ack = {.acknowledge = true};
    wamp_id kill = 0;
    assert_int_equal(wamp_session_call(r->s, "com.t", NULL, NULL, &timed, call_cb, r, NULL), 0);
    assert_int_equal(wamp_session_call(r->s, "com.k", NULL, NULL, NULL, call_cb, r, &kill), 0);
    assert_int_equal(wamp_session_cancel(r->s, kill, WAMP_CANCEL_KILL), WAMP_OK);
    assert_int_equal(wamp_session_call(r->s, "com.c", &one, NULL, &chunked, call_cb, r, NULL), 0);
    assert_int_equal(wamp_session_publish(r->s, "com.p", NULL, NULL, &ack, pub_cb, r, NULL), 0);
    assert_int_equal(wamp_session_subscribe(r->s, "com.s", NULL, ev_cb, r, done_cb, r, NULL), 0);
    assert_int_equal(wamp_session_register(r->s, "com.r2", NULL, proc, r, done_cb, r, NULL), 0);
    assert_int_equal(wamp_session_unregister(r->s, h, done_cb, r), WAMP_OK);
    feed(r, "[50,3,{\"progress\":true},[7]]");
    uint64_t dl = 0;
    assert_true(wamp_session_next_deadline(r->s, &dl));
    assert_int_equal(dl, 100);
    r->head = r->nout;
    wamp_buf_clear(&r->log);
    wamp_session_free(r->s);
    r->s = NULL;
    expect_nothing_sent(r);
    /* every request exactly once; the three open invocations are told (killnowait) */
    wamp_buf_append_byte(&r->log, 0);
    const char *log = (const char *)r->log.data;
    static const char *const once[] = {"error3:WAMP_ECLOSED,",    "error4:WAMP_ECLOSED,",
                                       "error5:WAMP_ECLOSED,",    "puberr6:",
                                       "done3:WAMP_ECLOSED,",     "done4:WAMP_ECLOSED,",
                                       "done1:WAMP_ECLOSED,",     "interrupt77:killnowait;",
                                       "interrupt78:killnowait;", "interrupt79:killnowait;"};
    for (size_t i = 0; i < sizeof once / sizeof *once; i++) {
        const char *p = strstr(log, once[i]);
        if (!p) fail_msg("missing %s in %s", once[i], log);
        if (strstr(p + 1, once[i])) fail_msg("%s twice in %s", once[i], log);
    }
    assert_null(strstr(log, "result"));
    wamp_buf_clear(&r->log);
    rt_free(r);

    /* freed from inside a handler, with a timer and a call started after the free */
    r = joined_rt();
    assert_int_equal(wamp_session_register(r->s, "com.f", NULL, free_proc, r, NULL, NULL, NULL),
                     WAMP_OK);
    feed(r, "[65,1,10]");
    assert_int_equal(wamp_session_call(r->s, "com.t", NULL, NULL, &timed, call_cb, r, NULL), 0);
    wamp_session *s = r->s;
    wamp_arena *ma = wamp_arena_new(0);
    wamp_message m;
    wamp_msg_error e;
    static const char inv[] = "[68,90,10,{}]";
    assert_int_equal(
        wamp_message_decode(WAMP_SER_JSON, (const uint8_t *)inv, sizeof inv - 1, ma, NULL, &m, &e),
        WAMP_OK);
    assert_int_equal(wamp_session_receive(s, &m), WAMP_OK);
    wamp_arena_free(ma);
    assert_null(r->s);
    wamp_buf_append_byte(&r->log, 0);
    log = (const char *)r->log.data;
    if (!strstr(log, "invoke90;") || !strstr(log, "error2:WAMP_ECLOSED,") ||
        !strstr(log, "error3:WAMP_ECLOSED,"))
        fail_msg("free inside a handler: %s", log);
    wamp_buf_clear(&r->log);
    rt_free(r);
    wamp_arena_free(a);
}

/* Autobahn's acknowledged event delivery: an EVENT with x_acknowledged_delivery is answered
 * with EVENT_RECEIVED after its handlers ran, only when the broker announced the feature and
 * the EVENT asked for it; an EVENT dropped (undecodable payload) is not acknowledged. */
static void test_acknowledged_event_delivery(void **state)
{
    (void)state;
    wamp_roles roles;
    wamp_session_client_roles(&roles);
    assert_true(wamp_roles_feature(&roles, WAMP_ROLE_PUBLISHER,
                                   WAMP_FEATURE_X_ACKNOWLEDGED_EVENT_DELIVERY));
    /* the broker does not announce it: nothing is sent */
    rt *r = joined_rt();
    assert_int_equal(wamp_session_subscribe(r->s, "com.t", NULL, ev_cb, r, NULL, NULL, NULL), 0);
    r->head = r->nout;
    feed(r, "[33,1,300]");
    feed(r, "[36,300,5,{\"x_acknowledged_delivery\":true},[1]]");
    expect_log(r, "event5@1:[1],-,-;");
    expect_nothing_sent(r);
    rt_free(r);

    r = rt_new();
    assert_int_equal(wamp_session_transport_open(r->s), WAMP_OK);
    wamp_join_opts o = {.realm = "realm1"};
    assert_int_equal(wamp_session_join(r->s, &o), WAMP_OK);
    r->head = r->nout;
    feed(r,
         "[2,55,{\"roles\":{\"broker\":{\"features\":{\"x_acknowledged_event_delivery\":true}}}}]");
    wamp_buf_clear(&r->log);
    wamp_id h2;
    assert_int_equal(wamp_session_subscribe(r->s, "com.t", NULL, ev_cb, r, NULL, NULL, NULL), 0);
    assert_int_equal(wamp_session_subscribe(r->s, "com.t", NULL, ev_cb, r, NULL, NULL, &h2), 0);
    expect_sent(r, "[32,1,{},\"com.t\"]");
    feed(r, "[33,1,300]");
    /* asked: one EVENT_RECEIVED after both handlers */
    feed(r, "[36,300,6,{\"x_acknowledged_delivery\":true},[2]]");
    expect_log(r, "event6@1:[2],-,-;event6@2:[2],-,-;");
    expect_sent(r, "[337,6]");
    /* not asked */
    feed(r, "[36,300,7,{},[3]]");
    feed(r, "[36,300,8,{\"x_acknowledged_delivery\":false},[4]]");
    expect_log(r, "event7@1:[3],-,-;event7@2:[3],-,-;event8@1:[4],-,-;event8@2:[4],-,-;");
    expect_nothing_sent(r);
    /* dropped (encoded payload, no codec): not acknowledged */
    feed(r, "[36,300,9,{\"x_acknowledged_delivery\":true,\"enc_algo\":\"cryptobox\"},"
            "\"\\u0000AAAA\"]");
    expect_log(r, "uerr:WAMP_ENOCODEC;");
    expect_nothing_sent(r);
    rt_free(r);
}

/* ================================================================ unsubscribe / unregister errors
 */

/* The router refuses UNSUBSCRIBE: the done callback gets the error exactly once, the handle is
 * gone, in-flight events are dropped, a repeated answer is a protocol violation, and the topic
 * can be subscribed again. */
static void test_unsubscribe_error(void **state)
{
    (void)state;
    rt *r = joined_rt();
    wamp_id h1, h2;
    assert_int_equal(wamp_session_subscribe(r->s, "com.t", NULL, ev_cb, r, done_cb, r, &h1),
                     WAMP_OK);
    expect_sent(r, "[32,1,{},\"com.t\"]");
    feed(r, "[33,1,1000]");
    expect_log(r, "done1:1000;");
    assert_int_equal(wamp_session_unsubscribe(r->s, h1, done_cb, r), WAMP_OK);
    expect_sent(r, "[34,2,1000]");
    expect_log(r, "");
    feed(r, "[8,34,2,{},\"wamp.error.no_such_subscription\",[\"gone\"]]");
    expect_log(r, "done1:WAMP_EAPPLICATION,wamp.error.no_such_subscription;");
    expect_nothing_sent(r);
    assert_int_equal(wamp_session_unsubscribe(r->s, h1, done_cb, r), WAMP_ENOTFOUND);
    /* an event still in flight for that subscription is dropped, not a violation */
    feed(r, "[36,1000,1,{},[\"late\"]]");
    expect_log(r, "");
    expect_nothing_sent(r);
    /* subscribing again sends a new SUBSCRIBE; the router may hand out the same id */
    assert_int_equal(wamp_session_subscribe(r->s, "com.t", NULL, ev_cb, r, done_cb, r, &h2),
                     WAMP_OK);
    expect_sent(r, "[32,3,{},\"com.t\"]");
    feed(r, "[33,3,1000]");
    expect_log(r, "done2:1000;");
    feed(r, "[36,1000,2,{},[\"again\"]]");
    expect_log(r, "event2@2:[\"again\"],-,-;");
    /* a second answer to the refused UNSUBSCRIBE: it completed already */
    feed(r, "[8,34,2,{},\"wamp.error.no_such_subscription\"]");
    expect_sent(r, "[3,{\"message\":\"ERROR received for a non-pending request\"},"
                   "\"wamp.error.protocol_violation\"]");
    expect_log(r, "uerr:WAMP_EPROTO;leave:wamp.error.protocol_violation,"
                  "ERROR received for a non-pending request;");
    rt_free(r);

    /* UNSUBSCRIBED after the ERROR for the same request is a violation too, and the done
     * callback of the refused request is not called again */
    r = joined_rt();
    wamp_session_subscribe(r->s, "com.t", NULL, ev_cb, r, done_cb, r, &h1);
    feed(r, "[33,1,1000]");
    wamp_session_unsubscribe(r->s, h1, done_cb, r);
    feed(r, "[8,34,2,{},\"wamp.error.not_authorized\"]");
    expect_log(r, "done1:1000;done1:WAMP_EAPPLICATION,wamp.error.not_authorized;");
    feed(r, "[35,2]");
    r->head = r->nout - 1;
    expect_sent(r, "[3,{\"message\":\"UNSUBSCRIBED received for a non-pending request\"},"
                   "\"wamp.error.protocol_violation\"]");
    expect_log(r, "uerr:WAMP_EPROTO;leave:wamp.error.protocol_violation,"
                  "UNSUBSCRIBED received for a non-pending request;");
    rt_free(r);
}

/* The router refuses UNREGISTER: exactly one completion with the error, the handle cannot be
 * unregistered again, and a repeated answer (ERROR or UNREGISTERED) is a protocol violation. */
static void test_unregister_error(void **state)
{
    (void)state;
    rt *r = joined_rt();
    wamp_id h;
    assert_int_equal(wamp_session_register(r->s, "com.a", NULL, proc, r, done_cb, r, &h), WAMP_OK);
    expect_sent(r, "[64,1,{},\"com.a\"]");
    feed(r, "[65,1,100]");
    expect_log(r, "done1:100;");
    assert_int_equal(wamp_session_unregister(r->s, h, done_cb, r), WAMP_OK);
    expect_sent(r, "[66,2,100]");
    feed(r, "[8,66,2,{\"x\":1},\"wamp.error.not_authorized\",[],{\"why\":\"policy\"}]");
    expect_log(r, "done1:WAMP_EAPPLICATION,wamp.error.not_authorized;");
    expect_nothing_sent(r);
    assert_int_equal(wamp_session_unregister(r->s, h, done_cb, r), WAMP_ENOTFOUND);
    feed(r, "[67,2]");
    expect_sent(r, "[3,{\"message\":\"UNREGISTERED received for a non-pending request\"},"
                   "\"wamp.error.protocol_violation\"]");
    expect_log(r, "uerr:WAMP_EPROTO;leave:wamp.error.protocol_violation,"
                  "UNREGISTERED received for a non-pending request;");
    rt_free(r);

    r = joined_rt();
    wamp_session_register(r->s, "com.a", NULL, proc, r, done_cb, r, &h);
    feed(r, "[65,1,100]");
    wamp_session_unregister(r->s, h, done_cb, r);
    feed(r, "[8,66,2,{},\"wamp.error.no_such_registration\"]");
    feed(r, "[8,66,2,{},\"wamp.error.no_such_registration\"]");
    r->head = r->nout - 1;
    expect_sent(r, "[3,{\"message\":\"ERROR received for a non-pending request\"},"
                   "\"wamp.error.protocol_violation\"]");
    expect_log(r, "done1:100;done1:WAMP_EAPPLICATION,wamp.error.no_such_registration;"
                  "uerr:WAMP_EPROTO;leave:wamp.error.protocol_violation,"
                  "ERROR received for a non-pending request;");
    rt_free(r);
}

/* UNSUBSCRIBE (and UNREGISTER) still pending when the session ends, in each way it can end:
 * every done callback is called exactly once with the reason, nothing after. */
static void test_unsubscribe_pending_at_teardown(void **state)
{
    (void)state;
    for (int how = 0; how < 5; how++) {
        rt *r = joined_rt();
        wamp_id h1, h2, h3, h4;
        wamp_session_subscribe(r->s, "com.t", NULL, ev_cb, r, done_cb, r, &h1); /* req 1 */
        wamp_session_subscribe(r->s, "com.u", NULL, ev_cb, r, done_cb, r, &h2); /* req 2 */
        wamp_session_subscribe(r->s, "com.u", NULL, ev_cb, r, done_cb, r, &h3); /* shared */
        wamp_session_register(r->s, "com.p", NULL, proc, r, done_cb, r, &h4);   /* req 3 */
        feed(r, "[33,1,1000]");
        feed(r, "[33,2,2000]");
        feed(r, "[65,3,300]");
        expect_log(r, "done1:1000;done2:2000;done3:2000;done4:300;");
        assert_int_equal(wamp_session_unsubscribe(r->s, h1, done_cb, r), WAMP_OK); /* req 4 */
        assert_int_equal(wamp_session_unsubscribe(r->s, h2, done_cb, r), WAMP_OK); /* local */
        assert_int_equal(wamp_session_unsubscribe(r->s, h3, done_cb, r), WAMP_OK); /* req 5 */
        assert_int_equal(wamp_session_unregister(r->s, h4, done_cb, r), WAMP_OK);  /* req 6 */
        expect_log(r, "done2:2000;");
        r->head = 0;
        expect_sent(r, "[1,\"realm1\",{" HELLO_ROLES "}]");
        expect_sent(r, "[32,1,{},\"com.t\"]");
        expect_sent(r, "[32,2,{},\"com.u\"]");
        expect_sent(r, "[64,3,{},\"com.p\"]");
        expect_sent(r, "[34,4,1000]");
        expect_sent(r, "[34,5,2000]");
        expect_sent(r, "[66,6,300]");
        expect_nothing_sent(r);
        switch (how) {
        case 0: /* transport lost */
            wamp_session_transport_closed(r->s, WAMP_ECONNRESET);
            expect_log(r, "done1:WAMP_ETRANSPORTLOST,wamp.close.transport_lost;"
                          "done3:WAMP_ETRANSPORTLOST,wamp.close.transport_lost;"
                          "done4:WAMP_ETRANSPORTLOST,wamp.close.transport_lost;"
                          "leave:wamp.close.transport_lost,-;disconnect:0;");
            break;
        case 1: /* the router says GOODBYE */
            feed(r, "[6,{},\"wamp.close.system_shutdown\"]");
            expect_sent(r, "[6,{},\"wamp.close.goodbye_and_out\"]");
            expect_log(r, "done1:WAMP_ECLOSED,wamp.close.system_shutdown;"
                          "done3:WAMP_ECLOSED,wamp.close.system_shutdown;"
                          "done4:WAMP_ECLOSED,wamp.close.system_shutdown;"
                          "leave:wamp.close.system_shutdown,-;");
            break;
        case 2: /* the router ABORTs */
            feed(r, "[3,{\"message\":\"kicked\"},\"wamp.close.killed\"]");
            expect_log(r, "done1:WAMP_EABORTED,wamp.close.killed;"
                          "done3:WAMP_EABORTED,wamp.close.killed;"
                          "done4:WAMP_EABORTED,wamp.close.killed;"
                          "leave:wamp.close.killed,kicked;");
            break;
        case 3: /* we leave; one answer still arrives before the router's GOODBYE */
            assert_int_equal(wamp_session_leave(r->s, NULL, NULL), WAMP_OK);
            expect_sent(r, "[6,{},\"wamp.close.normal\"]");
            feed(r, "[35,4]");
            expect_log(r, "done1:0;");
            feed(r, "[6,{},\"wamp.close.goodbye_and_out\"]");
            expect_log(r, "done3:WAMP_ECLOSED,wamp.close.goodbye_and_out;"
                          "done4:WAMP_ECLOSED,wamp.close.goodbye_and_out;"
                          "leave:wamp.close.goodbye_and_out,-;");
            break;
        case 4: /* the application frees the session */
            wamp_session_free(r->s);
            r->s = NULL;
            expect_log(r, "done1:WAMP_ECLOSED,wamp.close.normal;"
                          "done3:WAMP_ECLOSED,wamp.close.normal;"
                          "done4:WAMP_ECLOSED,wamp.close.normal;");
            break;
        }
        expect_nothing_sent(r);
        if (r->s) {
            /* nothing completes twice, nothing is pending any more */
            assert_false(wamp_session_next_deadline(r->s, NULL));
            wamp_session_transport_closed(r->s, WAMP_OK);
            wamp_session_free(r->s);
            r->s = NULL;
            const char *want = how == 0 ? "" : "disconnect:1;";
            expect_log(r, want);
        }
        rt_free(r);
    }
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
        cmocka_unit_test(test_payload_codec_caller),
        cmocka_unit_test(test_payload_codec_callee_subscriber),
        cmocka_unit_test(test_payload_codec_encode_failure),
        cmocka_unit_test(test_call_options_and_mapping),
        cmocka_unit_test(test_define),
        cmocka_unit_test(test_progressive_invocations),
        cmocka_unit_test(test_register_table),
        cmocka_unit_test(test_invoke_policies_and_wildcard),
        cmocka_unit_test(test_resume_connected_transaction_hash),
        cmocka_unit_test(test_details_transaction_hash),
        cmocka_unit_test(test_shared_get_retained),
        cmocka_unit_test(test_serialization_errors),
        cmocka_unit_test(test_memory_transport),
        cmocka_unit_test(test_memory_transport_teardown),
        cmocka_unit_test(test_teardown_in_flight),
        cmocka_unit_test(test_scram_server_signature),
        cmocka_unit_test(test_autobahn_forward_options),
        cmocka_unit_test(test_session_details_transport),
        cmocka_unit_test(test_free_everything_in_flight),
        cmocka_unit_test(test_acknowledged_event_delivery),
        cmocka_unit_test(test_unsubscribe_error),
        cmocka_unit_test(test_unregister_error),
        cmocka_unit_test(test_unsubscribe_pending_at_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
