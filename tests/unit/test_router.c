/*
 * The sans-I/O router core driven by scripted sessions: exact JSON messages in and out.
 * Ids are deterministic: the router's random hook returns 0, 1, 2, ... so session ids and
 * publication ids are predictable (session id = random + 1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "router/router_int.h"
#include "support.h"

typedef struct tsess {
    wamp_router_session *s;
    bool closed;
    char reason[128];
    int outputs;
} tsess;

static uint64_t g_counter;
static uint64_t counter_rand(void *user)
{
    (void)user;
    return g_counter++;
}

static void t_output(wamp_router_session *s, void *user)
{
    ((tsess *)user)->outputs++;
}

static void t_close(wamp_router_session *s, const char *reason, void *user)
{
    tsess *t = user;
    t->closed = true;
    snprintf(t->reason, sizeof t->reason, "%s", reason);
}

static const wamp_router_session_cbs CBS = {t_output, t_close};

static wamp_router *mk_router(wamp_router_options *o)
{
    wamp_router_options d = {0};
    if (!o) o = &d;
    g_counter = 0;
    o->random = counter_rand;
    wamp_router *r = NULL;
    assert_int_equal(wamp_router_new(o, &r), WAMP_OK);
    assert_int_equal(wamp_router_add_realm(r, "realm1"), WAMP_OK);
    return r;
}

static void mk_sess_ser(wamp_router *r, tsess *t, const char *ser)
{
    memset(t, 0, sizeof *t);
    assert_int_equal(
        wamp_router_session_new(r, wamp_serializer_by_name(ser), &CBS, t, "test", &t->s), WAMP_OK);
}

static void mk_sess(wamp_router *r, tsess *t)
{
    mk_sess_ser(r, t, "json");
}

static int in(tsess *t, const char *json)
{
    return wamp_router_session_receive(t->s, (const uint8_t *)json, strlen(json));
}

static char *pop(tsess *t)
{
    wamp_buf b = {0};
    if (!wamp_router_session_pop(t->s, &b)) return NULL;
    wamp_buf_append_byte(&b, 0);
    return (char *)b.data;
}

static void out_(tsess *t, const char *expected, int line)
{
    char *got = pop(t);
    if (!got || strcmp(got, expected) != 0) {
        fprintf(stderr, "line %d:\n  expected %s\n  got      %s\n", line, expected,
                got ? got : "(nothing)");
        free(got);
        fail();
    }
    free(got);
}
#define out(t, e) out_((t), (e), __LINE__)

static void none_(tsess *t, int line)
{
    char *got = pop(t);
    if (got) {
        fprintf(stderr, "line %d: unexpected %s\n", line, got);
        free(got);
        fail();
    }
}
#define none(t) none_((t), __LINE__)

/* Pops a WELCOME and returns its session id. */
static wamp_id welcome_(tsess *t, int line)
{
    char *got = pop(t);
    if (!got || strncmp(got, "[2,", 3) != 0) {
        fprintf(stderr, "line %d: expected WELCOME, got %s\n", line, got ? got : "(nothing)");
        free(got);
        fail();
    }
    wamp_id id = strtoull(got + 3, NULL, 10);
    free(got);
    return id;
}
#define welcome(t) welcome_((t), __LINE__)

/* The WELCOME roles the router announces. */
#define ROUTER_ROLES                                                                               \
    "\"roles\":{\"broker\":{\"features\":{\"publisher_identification\":true,"                      \
    "\"pattern_based_subscription\":true,\"session_meta_api\":true,"                               \
    "\"subscription_meta_api\":true,\"subscriber_blackwhite_listing\":true,"                       \
    "\"publisher_exclusion\":true,\"event_history\":true,\"payload_transparency\":true,"           \
    "\"payload_encryption_cryptobox\":true,\"event_retention\":true,"                              \
    "\"payload_passthru_mode\":true}},\"dealer\":{\"features\":{\"caller_identification\":"        \
    "true,\"pattern_based_registration\":true,\"session_meta_api\":true,"                          \
    "\"registration_meta_api\":true,\"shared_registration\":true,\"call_timeout\":true,"           \
    "\"call_canceling\":true,\"progressive_call_results\":true,\"payload_transparency\":"          \
    "true,\"testament_meta_api\":true,\"payload_encryption_cryptobox\":true,"                      \
    "\"progressive_call_invocations\":true,\"payload_passthru_mode\":true}}}"

#define HELLO_ALL                                                                                  \
    "[1,\"realm1\",{\"roles\":{\"publisher\":{},\"subscriber\":{},\"caller\":{\"features\":{"      \
    "\"progressive_call_results\":true,\"call_canceling\":true}},\"callee\":{\"features\":{"       \
    "\"progressive_call_results\":true,\"call_canceling\":true}}}}]"
#define HELLO_PLAIN "[1,\"realm1\",{\"roles\":{\"caller\":{},\"callee\":{}}}]"

static wamp_id join(wamp_router *r, tsess *t)
{
    mk_sess(r, t);
    assert_int_equal(in(t, HELLO_ALL), WAMP_OK);
    return welcome(t);
}

static void done(wamp_router *r, tsess **ts, size_t n)
{
    for (size_t i = 0; i < n; i++)
        wamp_router_session_free(ts[i]->s);
    assert_int_equal(wamp_router_free(r), WAMP_OK);
}

/* ---------------------------------------------------------------- session lifecycle */

static void test_welcome(void **state)
{
    wamp_router *r = mk_router(NULL);
    tsess a;
    mk_sess(r, &a);
    assert_int_equal(in(&a, HELLO_ALL), WAMP_OK);
    char *w = pop(&a);
    assert_non_null(w);
    /* session id = first random + 1; then the generated authid */
    assert_string_equal(
        w, "[2,1,{\"realm\":\"realm1\",\"authid\":\"BAAA-AAAA-AAAA\",\"authrole\":"
           "\"anonymous\",\"authmethod\":\"anonymous\",\"authprovider\":\"static\"," ROUTER_ROLES
           ",\"agent\":\"libwamp-" WAMP_VERSION_STRING "\"}]");
    free(w);
    wamp_router_session_info info;
    wamp_router_session_get_info(a.s, &info);
    assert_int_equal(info.session, 1);
    assert_string_equal(info.realm, "realm1");
    assert_int_equal(wamp_router_session_count(r), 1);
    /* clean GOODBYE handshake */
    assert_int_equal(in(&a, "[6,{},\"wamp.close.normal\"]"), WAMP_OK);
    out(&a, "[6,{},\"wamp.close.goodbye_and_out\"]");
    none(&a);
    assert_true(a.closed);
    assert_int_equal(in(&a, "[6,{},\"wamp.close.normal\"]"), WAMP_ECLOSED);
    tsess *all[] = {&a};
    done(r, all, 1);
}

static void test_session_ids_unique(void **state)
{
    wamp_router *r = mk_router(NULL);
    tsess a, b;
    wamp_id ia = join(r, &a);
    g_counter = 0; /* the same random number again: the router must draw another */
    wamp_id ib = join(r, &b);
    assert_true(ia >= 1 && ia <= WAMP_ID_MAX);
    assert_true(ib >= 1 && ib <= WAMP_ID_MAX);
    assert_true(ia != ib);
    tsess *all[] = {&a, &b};
    done(r, all, 2);
}

static void test_no_such_realm(void **state)
{
    wamp_router *r = mk_router(NULL);
    tsess a;
    mk_sess(r, &a);
    in(&a, "[1,\"nope\",{\"roles\":{\"caller\":{}}}]");
    out(&a, "[3,{\"message\":\"no such realm\"},\"wamp.error.no_such_realm\"]");
    assert_true(a.closed);
    wamp_router_session_free(a.s);
    assert_int_equal(wamp_router_free(r), WAMP_OK);

    /* auto-created realms */
    wamp_router_options o = {0};
    o.auto_create_realms = true;
    r = mk_router(&o);
    mk_sess(r, &a);
    in(&a, "[1,\"other.realm\",{\"roles\":{\"caller\":{}}}]");
    welcome(&a);
    assert_false(a.closed);
    tsess *all[] = {&a};
    done(r, all, 1);
}

static void test_protocol_violations(void **state)
{
    wamp_router *r = mk_router(NULL);
    tsess a, b, c, d, e;
    mk_sess(r, &a);
    /* a message before HELLO */
    in(&a, "[32,1,{},\"com.topic\"]");
    out(&a, "[3,{\"message\":\"message before the session was established\"},"
            "\"wamp.error.protocol_violation\"]");
    assert_true(a.closed);
    /* malformed JSON */
    mk_sess(r, &b);
    assert_int_not_equal(in(&b, "[1,\"realm1\""), WAMP_OK);
    char *m = pop(&b);
    assert_non_null(m);
    assert_non_null(strstr(m, "wamp.error.protocol_violation"));
    free(m);
    assert_true(b.closed);
    /* a second HELLO */
    join(r, &c);
    in(&c, HELLO_ALL);
    out(&c, "[3,{\"message\":\"HELLO received after the session was established\"},"
            "\"wamp.error.protocol_violation\"]");
    assert_true(c.closed);
    /* a router-to-client message */
    join(r, &d);
    in(&d, "[36,1,2,{}]");
    out(&d, "[3,{\"message\":\"unexpected EVENT from a client\"},"
            "\"wamp.error.protocol_violation\"]");
    /* an invalid message (bad URI) */
    join(r, &e);
    assert_int_equal(in(&e, "[32,1,{},\"a b\"]"), WAMP_EPROTO);
    m = pop(&e);
    assert_non_null(strstr(m, "wamp.error.protocol_violation"));
    free(m);
    assert_true(e.closed);
    tsess *all[] = {&a, &b, &c, &d, &e};
    done(r, all, 5);
}

static void test_shutdown(void **state)
{
    wamp_router *r = mk_router(NULL);
    tsess a, b;
    join(r, &a);
    mk_sess(r, &b);
    assert_int_equal(wamp_router_shutdown(r, WAMP_CLOSE_SYSTEM_SHUTDOWN), 2);
    out(&a, "[6,{},\"wamp.close.system_shutdown\"]");
    assert_false(a.closed);
    out(&b, "[3,{\"message\":\"router shutting down\"},\"wamp.error.system_shutdown\"]");
    assert_true(b.closed);
    /* messages are ignored until the client's GOODBYE */
    in(&a, "[32,1,{},\"com.topic\"]");
    none(&a);
    in(&a, "[6,{},\"wamp.close.goodbye_and_out\"]");
    none(&a);
    assert_true(a.closed);
    tsess *all[] = {&a, &b};
    done(r, all, 2);
}

/* ---------------------------------------------------------------- broker */

static void test_pubsub_basic(void **state)
{
    wamp_router *r = mk_router(NULL);
    tsess a, b, c;
    join(r, &a); /* id 1 */
    join(r, &b); /* id 3 */
    join(r, &c); /* id 5 */
    in(&a, "[32,1,{},\"com.topic\"]");
    out(&a, "[33,1,1]");
    in(&b, "[32,7,{},\"com.topic\"]");
    out(&b, "[33,7,1]"); /* the same subscription id for the same topic */
    in(&b, "[32,8,{},\"com.topic\"]");
    out(&b, "[33,8,1]"); /* idempotent */
    /* args/kwargs are forwarded byte for byte (never decoded): note the spaces */
    in(&c, "[16,2,{\"acknowledge\":true},\"com.topic\",[1,  \"x\"],{\"k\": [true]}]");
    out(&a, "[36,1,7,{},[1,  \"x\"],{\"k\": [true]}]");
    out(&b, "[36,1,7,{},[1,  \"x\"],{\"k\": [true]}]");
    out(&c, "[17,2,7]");
    none(&a);
    /* exclude_me defaults to true; false delivers to the publisher */
    in(&a, "[16,3,{},\"com.topic\",[1]]");
    none(&a);
    out(&b, "[36,1,8,{},[1]]");
    in(&a, "[16,4,{\"exclude_me\":false},\"com.topic\"]");
    out(&a, "[36,1,9,{}]");
    out(&b, "[36,1,9,{}]");
    /* exclude / eligible by session id, authid, authrole */
    in(&c, "[16,5,{\"exclude\":[1]},\"com.topic\"]");
    none(&a);
    out(&b, "[36,1,10,{}]");
    in(&c, "[16,6,{\"eligible\":[1]},\"com.topic\"]");
    out(&a, "[36,1,11,{}]");
    none(&b);
    in(&c, "[16,7,{\"exclude_authrole\":[\"anonymous\"]},\"com.topic\"]");
    none(&a);
    none(&b);
    in(&c, "[16,8,{\"eligible_authrole\":[\"anonymous\"],\"exclude\":[3]},\"com.topic\"]");
    out(&a, "[36,1,13,{}]");
    none(&b);
    wamp_router_session_info ia;
    wamp_router_session_get_info(a.s, &ia);
    char buf[200];
    snprintf(buf, sizeof buf, "[16,9,{\"eligible_authid\":[\"%s\"]},\"com.topic\"]", ia.authid);
    in(&c, buf);
    out(&a, "[36,1,14,{}]");
    none(&b);
    snprintf(buf, sizeof buf, "[16,10,{\"exclude_authid\":[\"%s\"]},\"com.topic\"]", ia.authid);
    in(&c, buf);
    none(&a);
    out(&b, "[36,1,15,{}]");
    /* publisher disclosure */
    in(&c, "[16,11,{\"disclose_me\":true},\"com.topic\"]");
    wamp_router_session_info ic;
    wamp_router_session_get_info(c.s, &ic);
    snprintf(buf, sizeof buf,
             "[36,1,16,{\"publisher\":5,\"publisher_authid\":\"%s\",\"publisher_authrole\":"
             "\"anonymous\"}]",
             ic.authid);
    out(&a, buf);
    out(&b, buf);
    /* unsubscribe */
    in(&a, "[34,12,1]");
    out(&a, "[35,12]");
    in(&a, "[34,13,1]");
    out(&a, "[8,34,13,{},\"wamp.error.no_such_subscription\"]");
    in(&c, "[16,14,{},\"com.topic\"]");
    none(&a);
    out(&b, "[36,1,17,{}]");
    in(&b, "[34,15,1]");
    out(&b, "[35,15]");
    /* no subscriber left: a new subscription gets a new id */
    in(&b, "[32,16,{},\"com.topic\"]");
    out(&b, "[33,16,2]");
    tsess *all[] = {&a, &b, &c};
    done(r, all, 3);
}

static void test_pubsub_patterns(void **state)
{
    wamp_router *r = mk_router(NULL);
    tsess a, b, c;
    join(r, &a);
    join(r, &b);
    join(r, &c);
    in(&a, "[32,1,{\"match\":\"prefix\"},\"com.myapp\"]");
    out(&a, "[33,1,1]");
    in(&b, "[32,2,{\"match\":\"wildcard\"},\"com..update\"]");
    out(&b, "[33,2,2]");
    in(&b, "[32,3,{},\"com.myapp.update\"]");
    out(&b, "[33,3,3]");
    in(&c, "[16,4,{},\"com.myapp.update\",[\"x\"]]");
    out(&a, "[36,1,7,{\"topic\":\"com.myapp.update\"},[\"x\"]]");
    out(&b, "[36,3,7,{},[\"x\"]]"); /* exact subscriptions first */
    out(&b, "[36,2,7,{\"topic\":\"com.myapp.update\"},[\"x\"]]");
    in(&c, "[16,5,{},\"com.other.update\"]");
    none(&a);
    out(&b, "[36,2,8,{\"topic\":\"com.other.update\"}]");
    in(&c, "[16,6,{},\"com.myapp2.x.y\"]"); /* broker prefix: plain string prefix */
    out(&a, "[36,1,9,{\"topic\":\"com.myapp2.x.y\"}]");
    none(&b);
    in(&c, "[16,7,{},\"com.update\"]"); /* wildcard: component count must match */
    none(&a);
    none(&b);
    tsess *all[] = {&a, &b, &c};
    done(r, all, 3);
}

static void test_retained(void **state)
{
    wamp_router *r = mk_router(NULL);
    tsess a, b;
    join(r, &a); /* 1 */
    join(r, &b); /* 3 */
    in(&a, "[16,1,{\"retain\":true,\"acknowledge\":true},\"com.r.t1\",[1]]");
    out(&a, "[17,1,5]");
    in(&a, "[16,2,{\"retain\":true},\"com.r.t1\",[2]]"); /* replaces */
    in(&a, "[16,3,{\"retain\":true,\"disclose_me\":true},\"com.r.t2\",[3]]");
    in(&b, "[32,1,{\"get_retained\":true},\"com.r.t1\"]");
    out(&b, "[33,1,1]");
    out(&b, "[36,1,6,{\"retained\":true},[2]]");
    none(&b);
    in(&b, "[32,2,{},\"com.r.t2\"]"); /* no get_retained: nothing */
    out(&b, "[33,2,2]");
    none(&b);
    in(&b, "[32,3,{\"match\":\"prefix\",\"get_retained\":true},\"com.r.\"]");
    out(&b, "[33,3,3]");
    char *e1 = pop(&b), *e2 = pop(&b);
    assert_non_null(e1);
    assert_non_null(e2);
    /* two retained events (map order): one of each topic */
    const char *t1 = "[36,3,6,{\"topic\":\"com.r.t1\",\"retained\":true},[2]]";
    wamp_router_session_info ia;
    wamp_router_session_get_info(a.s, &ia);
    char t2[256];
    snprintf(t2, sizeof t2,
             "[36,3,7,{\"publisher\":1,\"publisher_authid\":\"%s\",\"publisher_authrole\":"
             "\"anonymous\",\"topic\":\"com.r.t2\",\"retained\":true},[3]]",
             ia.authid);
    assert_true((strcmp(e1, t1) == 0 && strcmp(e2, t2) == 0) ||
                (strcmp(e1, t2) == 0 && strcmp(e2, t1) == 0));
    free(e1);
    free(e2);
    none(&b);
    tsess *all[] = {&a, &b};
    done(r, all, 2);
}

static void test_payload_passthru(void **state)
{
    wamp_router *r = mk_router(NULL);
    tsess a, b;
    join(r, &a);
    join(r, &b);
    in(&a, "[32,1,{},\"com.enc\"]");
    out(&a, "[33,1,1]");
    in(&b, "[16,2,{\"ppt_scheme\":\"mqtt\",\"ppt_serializer\":\"native\"},\"com.enc\",["
           "\"\\u0000AAEC\"]]");
    out(&a, "[36,1,5,{\"ppt_scheme\":\"mqtt\",\"ppt_serializer\":\"native\"},[\"\\u0000AAEC\"]]");
    in(&b, "[16,3,{\"enc_algo\":\"cryptobox\",\"enc_serializer\":\"json\"},\"com.enc\","
           "\"\\u0000AAEC\"]");
    out(&a, "[36,1,6,{\"enc_algo\":\"cryptobox\",\"enc_serializer\":\"json\"},\"\\u0000AAEC\"]");
    tsess *all[] = {&a, &b};
    done(r, all, 2);
}

/* One EVENT reaches JSON, MessagePack (plain and batched) and CBOR receivers, each correctly
 * encoded; the publisher's raw args are transcoded. */
static void test_event_serializers(void **state)
{
    wamp_router *r = mk_router(NULL);
    tsess pub, sj, sm, smb, sc;
    join(r, &pub);
    const char *names[] = {"json", "msgpack", "msgpack.batched", "cbor"};
    tsess *subs[] = {&sj, &sm, &smb, &sc};
    for (int i = 0; i < 4; i++) {
        mk_sess_ser(r, subs[i], names[i]);
        wamp_serializer *ser = NULL;
        assert_int_equal(wamp_serializer_new(wamp_serializer_by_name(names[i]), &ser), WAMP_OK);
        wamp_arena *ar = wamp_arena_new(0);
        wamp_value list;
        const char *j[] = {HELLO_ALL, "[32,1,{},\"com.t\"]"};
        for (int k = 0; k < 2; k++) {
            assert_int_equal(wamp_value_decode(WAMP_SER_JSON, (const uint8_t *)j[k], strlen(j[k]),
                                               ar, NULL, &list),
                             WAMP_OK);
            wamp_buf b = {0};
            assert_int_equal(wamp_serializer_serialize(ser, &list, &b), WAMP_OK);
            assert_int_equal(wamp_router_session_receive(subs[i]->s, b.data, b.len), WAMP_OK);
            wamp_buf_free(&b);
        }
        wamp_buf w = {0};
        assert_true(wamp_router_session_pop(subs[i]->s, &w)); /* WELCOME */
        assert_true(wamp_router_session_pop(subs[i]->s, &w)); /* SUBSCRIBED */
        wamp_buf_free(&w);
        wamp_arena_free(ar);
        wamp_serializer_free(ser);
    }
    in(&pub, "[16,2,{},\"com.t\",[1,\"two\",{\"three\":3.5}],{\"k\":null}]");
    for (int i = 0; i < 4; i++) {
        wamp_buf w = {0};
        assert_true(wamp_router_session_pop(subs[i]->s, &w));
        wamp_serializer *ser = NULL;
        assert_int_equal(wamp_serializer_new(wamp_serializer_by_name(names[i]), &ser), WAMP_OK);
        wamp_arena *ar = wamp_arena_new(0);
        wamp_value *msgs;
        size_t count;
        assert_int_equal(wamp_serializer_unserialize(ser, w.data, w.len, ar, NULL, &msgs, &count),
                         WAMP_OK);
        assert_int_equal(count, 1);
        wamp_buf j = {0};
        assert_int_equal(wamp_value_encode(WAMP_SER_JSON, &msgs[0], &j), WAMP_OK);
        wamp_buf_append_byte(&j, 0);
        assert_string_equal((char *)j.data,
                            "[36,1,11,{},[1,\"two\",{\"three\":3.5}],{\"k\":null}]");
        wamp_buf_free(&j);
        wamp_buf_free(&w);
        wamp_arena_free(ar);
        wamp_serializer_free(ser);
    }
    tsess *all[] = {&pub, &sj, &sm, &smb, &sc};
    done(r, all, 5);
}

/* FlatBuffers sessions, scripted in JSON: fb_in() encodes a JSON message as FlatBuffers, fb_pop()
 * decodes the router's FlatBuffers payload and returns its JSON form (args/kwargs travel as CBOR
 * inside FlatBuffers: bytes come back as bytes, "\u0000<base64>" in JSON). */
static void fb_in_(tsess *t, const char *json, int line)
{
    wamp_arena *a = wamp_arena_new(0);
    wamp_message m;
    wamp_msg_error err;
    wamp_buf b = {0};
    int rc =
        wamp_message_decode(WAMP_SER_JSON, (const uint8_t *)json, strlen(json), a, NULL, &m, &err);
    if (!rc) rc = wamp_message_encode(WAMP_SER_FLATBUFFERS, &m, a, &b);
    if (!rc) rc = wamp_router_session_receive(t->s, b.data, b.len);
    if (rc) {
        fprintf(stderr, "line %d: %s: %s\n", line, json, wamp_strerror(rc));
        fail();
    }
    wamp_buf_free(&b);
    wamp_arena_free(a);
}
#define fb_in(t, j) fb_in_((t), (j), __LINE__)

static char *fb_pop_(tsess *t, wamp_buf *raw, int line)
{
    wamp_buf b = {0}, j = {0};
    if (!wamp_router_session_pop(t->s, &b)) return NULL;
    wamp_arena *a = wamp_arena_new(0);
    wamp_message m;
    wamp_msg_error err;
    wamp_value list;
    int rc = wamp_message_decode_flatbuffers(b.data, b.len, WAMP_FBS_SCHEMA_CURRENT, a, &m, &err);
    if (!rc) rc = wamp_message_marshal(&m, a, &list);
    if (!rc) rc = wamp_value_encode(WAMP_SER_JSON, &list, &j);
    if (!rc) rc = wamp_buf_append_byte(&j, 0);
    if (rc) {
        fprintf(stderr, "line %d: the router sent no valid FlatBuffers message: %s\n", line,
                wamp_strerror(rc));
        fail();
    }
    if (raw) {
        wamp_buf_free(raw);
        *raw = b;
    } else {
        wamp_buf_free(&b);
    }
    wamp_arena_free(a);
    return (char *)j.data;
}

static void fb_out_(tsess *t, const char *expected, wamp_buf *raw, int line)
{
    char *got = fb_pop_(t, raw, line);
    if (!got || strcmp(got, expected) != 0) {
        fprintf(stderr, "line %d:\n  expected %s\n  got      %s\n", line, expected,
                got ? got : "(nothing)");
        free(got);
        fail();
    }
    free(got);
}
#define fb_out(t, e)          fb_out_((t), (e), NULL, __LINE__)
#define fb_out_raw(t, e, raw) fb_out_((t), (e), (raw), __LINE__)

/* Mixed fan-out between JSON, MessagePack and FlatBuffers sessions: a JSON publisher's raw JSON
 * args reach FlatBuffers subscribers (transcoded to the CBOR vectors of the schema, bytes
 * included), a FlatBuffers publisher's args reach JSON and MessagePack subscribers, the EVENT is
 * encoded once for every FlatBuffers receiver of a subscription (identical bytes), and pattern
 * topics, publisher disclosure, retained events and acknowledgements cross serializers. */
static void test_event_flatbuffers_mixed(void **state)
{
    wamp_router *r = mk_router(NULL);
    tsess pj, pf, sj, sf1, sf2, sm;
    wamp_id ipj = join(r, &pj);
    mk_sess_ser(r, &pf, "flatbuffers");
    fb_in(&pf, HELLO_ALL);
    char *w = fb_pop_(&pf, NULL, __LINE__);
    assert_non_null(w);
    assert_memory_equal(w, "[2,", 3);
    wamp_id ipf = strtoull(w + 3, NULL, 10);
    free(w);
    join(r, &sj);
    mk_sess_ser(r, &sf1, "flatbuffers");
    mk_sess_ser(r, &sf2, "flatbuffers");
    tsess *fsubs[] = {&sf1, &sf2};
    for (int i = 0; i < 2; i++) {
        fb_in(fsubs[i], HELLO_ALL);
        free(fb_pop_(fsubs[i], NULL, __LINE__)); /* WELCOME */
    }
    mk_sess_ser(r, &sm, "msgpack");
    {
        wamp_arena *a = wamp_arena_new(0);
        wamp_buf b = {0};
        wamp_message m;
        assert_int_equal(wamp_message_decode(WAMP_SER_JSON, (const uint8_t *)HELLO_ALL,
                                             strlen(HELLO_ALL), a, NULL, &m, NULL),
                         WAMP_OK);
        assert_int_equal(wamp_message_encode(WAMP_SER_MSGPACK, &m, a, &b), WAMP_OK);
        assert_int_equal(wamp_router_session_receive(sm.s, b.data, b.len), WAMP_OK);
        assert_true(wamp_router_session_pop(sm.s, &b)); /* WELCOME */
        wamp_buf_clear(&b);
        static const uint8_t msub[] = {0x94, 0x20, 0x01, 0x80, 0xa5, 'c', 'o', 'm', '.', 't'};
        assert_int_equal(wamp_router_session_receive(sm.s, msub, sizeof msub), WAMP_OK);
        assert_true(wamp_router_session_pop(sm.s, &b)); /* SUBSCRIBED */
        wamp_buf_free(&b);
        wamp_arena_free(a);
    }
    in(&sj, "[32,1,{},\"com.t\"]");
    char *sjd = pop(&sj);
    assert_non_null(sjd);
    free(sjd);
    fb_in(&sf1, "[32,1,{},\"com.t\"]");
    char *sub1 = fb_pop_(&sf1, NULL, __LINE__);
    fb_in(&sf2, "[32,1,{},\"com.t\"]");
    fb_out(&sf2, sub1); /* the same subscription */
    free(sub1);
    fb_in(&sf2, "[32,2,{\"match\":\"prefix\"},\"com.\"]");
    char *sub2 = fb_pop_(&sf2, NULL, __LINE__);
    wamp_id psub = strtoull(sub2 + strlen("[33,2,"), NULL, 10);
    free(sub2);

    /* JSON publisher -> JSON, MessagePack and FlatBuffers subscribers */
    in(&pj, "[16,7,{\"acknowledge\":true,\"disclose_me\":true},\"com.t\","
            "[1,\"two\",{\"three\":3.5},\"\\u0000AQI=\",-5,18446744073709551615],"
            "{\"k\":null,\"u\":\"\xc3\xa9\"}]");
    char *ack = pop(&pj);
    assert_non_null(ack);
    assert_memory_equal(ack, "[17,7,", 6);
    wamp_id pub1 = strtoull(ack + 6, NULL, 10);
    free(ack);
    char want[512], want2[512];
    snprintf(want, sizeof want,
             "[36,1,%llu,{\"publisher\":%llu,\"publisher_authid\":\"%s\","
             "\"publisher_authrole\":\"anonymous\"},"
             "[1,\"two\",{\"three\":3.5},\"\\u0000AQI=\",-5,18446744073709551615],"
             "{\"k\":null,\"u\":\"\xc3\xa9\"}]",
             (unsigned long long)pub1, (unsigned long long)ipj, "BAAA-AAAA-AAAA");
    out(&sj, want);
    wamp_buf raw1 = {0}, raw2 = {0};
    fb_out_raw(&sf1, want, &raw1);
    fb_out_raw(&sf2, want, &raw2);
    /* encoded once for both FlatBuffers receivers of subscription 1 */
    assert_int_equal(raw1.len, raw2.len);
    assert_memory_equal(raw1.data, raw2.data, raw1.len);
    /* sf2's prefix subscription: its own EVENT, naming the topic */
    snprintf(want2, sizeof want2,
             "[36,%llu,%llu,{\"publisher\":%llu,\"publisher_authid\":\"%s\","
             "\"publisher_authrole\":\"anonymous\",\"topic\":\"com.t\"},"
             "[1,\"two\",{\"three\":3.5},\"\\u0000AQI=\",-5,18446744073709551615],"
             "{\"k\":null,\"u\":\"\xc3\xa9\"}]",
             (unsigned long long)psub, (unsigned long long)pub1, (unsigned long long)ipj,
             "BAAA-AAAA-AAAA");
    fb_out(&sf2, want2);
    wamp_buf mb = {0};
    assert_true(wamp_router_session_pop(sm.s, &mb));
    {
        wamp_arena *a = wamp_arena_new(0);
        wamp_message m;
        wamp_buf j = {0};
        assert_int_equal(wamp_message_decode(WAMP_SER_MSGPACK, mb.data, mb.len, a, NULL, &m, NULL),
                         WAMP_OK);
        assert_int_equal(wamp_message_encode(WAMP_SER_JSON, &m, a, &j), WAMP_OK);
        wamp_buf_append_byte(&j, 0);
        assert_string_equal((char *)j.data, want);
        wamp_buf_free(&j);
        wamp_arena_free(a);
    }

    /* FlatBuffers publisher -> every serializer; retained for a later FlatBuffers subscriber */
    fb_in(&pf, "[16,8,{\"acknowledge\":true,\"retain\":true,\"exclude_me\":false},\"com.t\","
               "[\"\\u0000AAEC\",[true,false,null]],{\"n\":-1.5}]");
    ack = fb_pop_(&pf, NULL, __LINE__);
    assert_non_null(ack);
    assert_memory_equal(ack, "[17,8,", 6);
    wamp_id pub2 = strtoull(ack + 6, NULL, 10);
    free(ack);
    snprintf(want, sizeof want, "[36,1,%llu,{},[\"\\u0000AAEC\",[true,false,null]],{\"n\":-1.5}]",
             (unsigned long long)pub2);
    out(&sj, want);
    fb_out(&sf1, want);
    fb_out(&sf2, want);
    snprintf(want2, sizeof want2,
             "[36,%llu,%llu,{\"topic\":\"com.t\"},[\"\\u0000AAEC\",[true,false,null]],"
             "{\"n\":-1.5}]",
             (unsigned long long)psub, (unsigned long long)pub2);
    fb_out(&sf2, want2);
    assert_true(wamp_router_session_pop(sm.s, &mb));
    {
        /* MessagePack: the bytes arrive as bin */
        static const uint8_t mwant_head[] = {0x96, 0x24, 0x01};
        assert_memory_equal(mb.data, mwant_head, 3);
        static const uint8_t bin[] = {0xc4, 0x03, 0x00, 0x01, 0x02};
        bool found = false;
        for (size_t i = 0; i + sizeof bin <= mb.len; i++)
            if (!memcmp(mb.data + i, bin, sizeof bin)) found = true;
        assert_true(found);
    }
    none(&pf); /* not subscribed itself */
    /* the retained event reaches a FlatBuffers subscriber with get_retained, flagged */
    fb_in(&pf, "[32,9,{\"get_retained\":true},\"com.t\"]");
    fb_out(&pf, "[33,9,1]");
    snprintf(want, sizeof want,
             "[36,1,%llu,{\"retained\":true},[\"\\u0000AAEC\",[true,false,null]],{\"n\":-1.5}]",
             (unsigned long long)pub2);
    fb_out(&pf, want);
    none(&pf);
    none(&sf1);
    none(&sf2);
    none(&sj);

    wamp_router_stats st;
    wamp_router_get_stats(r, &st);
    assert_int_equal(st.events_unencodable, 0);
    assert_int_equal(st.events_queued, 11);
    (void)ipf;
    wamp_buf_free(&raw1);
    wamp_buf_free(&raw2);
    wamp_buf_free(&mb);
    tsess *all[] = {&pj, &pf, &sj, &sf1, &sf2, &sm};
    done(r, all, 6);
}

static void test_queue_overflow(void **state)
{
    wamp_router_options o = {0};
    o.max_queue_messages = 3;
    wamp_router *r = mk_router(&o);
    tsess a, b;
    join(r, &a);
    join(r, &b);
    in(&a, "[32,1,{},\"com.t\"]");
    out(&a, "[33,1,1]");
    in(&b, "[16,1,{},\"com.t\"]");
    in(&b, "[16,2,{},\"com.t\"]");
    in(&b, "[16,3,{},\"com.t\"]");
    assert_false(a.closed);
    wamp_router_session_stats st;
    wamp_router_session_get_stats(a.s, &st);
    assert_int_equal(st.queued_messages, 3);
    in(&b, "[16,4,{},\"com.t\"]"); /* a 4th: a is disconnected */
    assert_true(a.closed);
    assert_string_equal(a.reason, "queue overflow");
    wamp_router_session_get_stats(a.s, &st);
    assert_int_equal(st.overflows, 1);
    assert_int_equal(st.queued_messages, 0);
    none(&a);
    /* the subscription went with it; b keeps working */
    in(&b, "[32,5,{},\"com.t\"]");
    out(&b, "[33,5,2]");
    wamp_router_stats rs;
    wamp_router_get_stats(r, &rs);
    assert_int_equal(rs.sessions_dropped_overflow, 1);
    assert_int_equal(rs.publications, 4);
    assert_int_equal(rs.events_queued, 3);
    assert_int_equal(rs.events_overflow, 1);
    tsess *all[] = {&a, &b};
    done(r, all, 2);
}

/* The spec scenario multisession/advanced/publisher_exclusion_disabled.json. */
static void test_conformance_publisher_exclusion_disabled(void **state)
{
    const char *rel = "multisession/advanced/publisher_exclusion_disabled.json";
    size_t len = 0;
    char *text = wt_read_file(wt_conformance_path(rel), &len);
    if (!text) {
        char p[512];
        snprintf(p, sizeof p, "%s/../../shared/conformance/wamp-proto-testsuite/%s",
                 WAMP_SOURCE_DIR, rel);
        text = wt_read_file(p, &len);
    }
    assert_non_null(text);
    wamp_arena *ar = wamp_arena_new(0);
    wamp_value doc;
    assert_int_equal(wamp_value_decode(WAMP_SER_JSON, (uint8_t *)text, len, ar, NULL, &doc),
                     WAMP_OK);
    wamp_value *seq = wamp_value_dict_getc(&doc, "sequence");
    assert_non_null(seq);
    wamp_router *r = mk_router(NULL);
    tsess a;
    join(r, &a);
    int64_t file_sub = -1;
    wamp_id real_sub = 0;
    int events = 0;
    for (size_t i = 0; i < wamp_value_count(seq); i++) {
        wamp_value *step = wamp_value_list_at(seq, i);
        wamp_str from, type;
        assert_true(wamp_value_get_string(wamp_value_dict_getc(step, "from"), &from));
        wamp_value *msg = wamp_value_dict_getc(step, "message");
        assert_true(wamp_value_get_string(wamp_value_dict_getc(msg, "type"), &type));
        wamp_buf wire = {0};
        if (wamp_str_eqc(from, "session_1")) {
            /* build the wire message from the step */
            wamp_value l = wamp_value_list();
            char tn[32];
            snprintf(tn, sizeof tn, "%.*s", (int)type.len, type.ptr);
            assert_int_equal(
                wamp_value_list_push(ar, &l, wamp_value_int(wamp_msg_type_from_name(tn))), 0);
            wamp_value_list_push(ar, &l, *wamp_value_dict_getc(msg, "request_id"));
            wamp_value_list_push(ar, &l, *wamp_value_dict_getc(msg, "options"));
            wamp_value_list_push(ar, &l, *wamp_value_dict_getc(msg, "topic"));
            wamp_value *args = wamp_value_dict_getc(msg, "args");
            if (args) wamp_value_list_push(ar, &l, *args);
            assert_int_equal(wamp_value_encode(WAMP_SER_JSON, &l, &wire), WAMP_OK);
            assert_int_equal(wamp_router_session_receive(a.s, wire.data, wire.len), WAMP_OK);
        } else {
            char *got = pop(&a);
            assert_non_null(got);
            wamp_value g;
            assert_int_equal(wamp_value_decode(WAMP_SER_JSON, (uint8_t *)got, strlen(got), ar,
                                               &(wamp_decode_opts){.copy_strings = true}, &g),
                             WAMP_OK);
            free(got);
            char tn[32];
            snprintf(tn, sizeof tn, "%.*s", (int)type.len, type.ptr);
            int64_t gt;
            assert_true(wamp_value_get_int(wamp_value_list_at(&g, 0), &gt));
            assert_int_equal(gt, wamp_msg_type_from_name(tn));
            if (gt == WAMP_MSG_SUBSCRIBED) {
                assert_true(wamp_value_equal(wamp_value_list_at(&g, 1),
                                             wamp_value_dict_getc(msg, "request_id")));
                assert_true(
                    wamp_value_get_int(wamp_value_dict_getc(msg, "subscription_id"), &file_sub));
                int64_t rs;
                assert_true(wamp_value_get_int(wamp_value_list_at(&g, 2), &rs));
                real_sub = (wamp_id)rs;
            } else if (gt == WAMP_MSG_EVENT) {
                int64_t sid;
                assert_true(wamp_value_get_int(wamp_value_list_at(&g, 1), &sid));
                assert_true(file_sub >= 0);
                assert_int_equal((wamp_id)sid, real_sub);
                assert_true(wamp_value_equal(wamp_value_list_at(&g, 3),
                                             wamp_value_dict_getc(msg, "details")));
                assert_true(
                    wamp_value_equal(wamp_value_list_at(&g, 4), wamp_value_dict_getc(msg, "args")));
                events++;
            }
        }
        wamp_buf_free(&wire);
    }
    none(&a);
    assert_int_equal(events, 1);
    tsess *all[] = {&a};
    done(r, all, 1);
    wamp_arena_free(ar);
    free(text);
}

/* ---------------------------------------------------------------- dealer */

static void test_rpc_basic(void **state)
{
    wamp_router *r = mk_router(NULL);
    tsess a, b;
    join(r, &a); /* 1 */
    join(r, &b); /* 3 */
    in(&a, "[48,1,{},\"com.add\",[1,2]]");
    out(&a, "[8,48,1,{},\"wamp.error.no_such_procedure\"]");
    in(&b, "[64,1,{},\"com.add\"]");
    out(&b, "[65,1,1]");
    in(&b, "[64,2,{},\"com.add\"]");
    out(&b, "[8,64,2,{},\"wamp.error.procedure_already_exists\"]");
    in(&a, "[64,3,{},\"com.add\"]");
    out(&a, "[8,64,3,{},\"wamp.error.procedure_already_exists\"]");
    in(&a, "[48,2,{},\"com.add\",[1, 2],{\"x\":1}]");
    out(&b, "[68,1,1,{},[1, 2],{\"x\":1}]");
    in(&b, "[70,1,{},[3]]");
    out(&a, "[50,2,{},[3]]");
    in(&b, "[70,1,{},[3]]"); /* late YIELD: discarded */
    none(&a);
    /* callee ERROR goes back to the caller with its payload */
    in(&a, "[48,3,{\"disclose_me\":true},\"com.add\"]");
    wamp_router_session_info ia;
    wamp_router_session_get_info(a.s, &ia);
    char buf[256];
    snprintf(buf, sizeof buf,
             "[68,2,1,{\"caller\":1,\"caller_authid\":\"%s\",\"caller_authrole\":\"anonymous\"}]",
             ia.authid);
    out(&b, buf);
    in(&b, "[8,68,2,{},\"com.error.bad\",[\"why\"]]");
    out(&a, "[8,48,3,{},\"com.error.bad\",[\"why\"]]");
    /* unregister */
    in(&a, "[66,4,1]");
    out(&a, "[8,66,4,{},\"wamp.error.no_such_registration\"]");
    in(&b, "[66,5,1]");
    out(&b, "[67,5]");
    in(&a, "[48,6,{},\"com.add\"]");
    out(&a, "[8,48,6,{},\"wamp.error.no_such_procedure\"]");
    /* a client may not send ERROR for anything but INVOCATION */
    in(&a, "[8,48,7,{},\"com.x\"]");
    out(&a, "[3,{\"message\":\"ERROR may only answer an INVOCATION\"},"
            "\"wamp.error.protocol_violation\"]");
    tsess *all[] = {&a, &b};
    done(r, all, 2);
}

/* The spec's pattern-based registration test set (rpc_pattern_based_registration.md). */
static void test_rpc_pattern_choice(void **state)
{
    wamp_router *r = mk_router(NULL);
    tsess a, c[7];
    join(r, &a);
    const char *regs[] = {
        "[64,1,{},\"a1.b2.c3.d4.e55\"]",
        "[64,1,{\"match\":\"prefix\"},\"a1.b2.c3\"]",
        "[64,1,{\"match\":\"prefix\"},\"a1.b2.c3.d4\"]",
        "[64,1,{\"match\":\"wildcard\"},\"a1.b2..d4.e5\"]",
        "[64,1,{\"match\":\"wildcard\"},\"a1.b2.c33..e5\"]",
        "[64,1,{\"match\":\"wildcard\"},\"a1.b2..d4.e5..g7\"]",
        "[64,1,{\"match\":\"wildcard\"},\"a1.b2..d4..f6.g7\"]",
    };
    for (int i = 0; i < 7; i++) {
        join(r, &c[i]);
        in(&c[i], regs[i]);
        char e[32];
        snprintf(e, sizeof e, "[65,1,%d]", i + 1);
        out(&c[i], e);
    }
    struct {
        const char *uri;
        int callee; /* 1..7, 0: no_such_procedure */
    } cases[] = {
        {"a1.b2.c3.d4.e55", 1}, {"a1.b2.c3.d98.e74", 2}, {"a1.b2.c3.d4.e325", 3},
        {"a1.b2.c55.d4.e5", 4}, {"a1.b2.c33.d4.e5", 5},  {"a1.b2.c88.d4.e5.f6.g7", 6},
        {"a2.b2.c2.d2.e2", 0},
    };
    for (int i = 0; i < 7; i++) {
        char m[128];
        snprintf(m, sizeof m, "[48,%d,{},\"%s\"]", 10 + i, cases[i].uri);
        in(&a, m);
        if (!cases[i].callee) {
            snprintf(m, sizeof m, "[8,48,%d,{},\"wamp.error.no_such_procedure\"]", 10 + i);
            out(&a, m);
            continue;
        }
        for (int k = 0; k < 7; k++) {
            if (k + 1 != cases[i].callee) {
                none(&c[k]);
                continue;
            }
            char *got = pop(&c[k]);
            assert_non_null(got);
            char want[64];
            snprintf(want, sizeof want, "[68,");
            assert_true(strncmp(got, want, 4) == 0);
            /* registration id k+1; pattern registrations carry the called procedure */
            char reg[32];
            snprintf(reg, sizeof reg, ",%d,{", k + 1);
            assert_non_null(strstr(got, reg));
            if (k > 0) assert_non_null(strstr(got, cases[i].uri));
            /* answer so that the call ends */
            wamp_id inv = strtoull(got + 4, NULL, 10);
            free(got);
            snprintf(m, sizeof m, "[70,%llu,{}]", (unsigned long long)inv);
            in(&c[k], m);
            snprintf(m, sizeof m, "[50,%d,{}]", 10 + i);
            out(&a, m);
        }
    }
    tsess *all[] = {&a, &c[0], &c[1], &c[2], &c[3], &c[4], &c[5], &c[6]};
    done(r, all, 8);
}

static void test_rpc_shared(void **state)
{
    wamp_router *r = mk_router(NULL);
    tsess a, c1, c2, c3;
    join(r, &a);
    join(r, &c1);
    join(r, &c2);
    join(r, &c3);
    in(&c1, "[64,1,{\"invoke\":\"roundrobin\"},\"com.rr\"]");
    out(&c1, "[65,1,1]");
    in(&c2, "[64,1,{\"invoke\":\"roundrobin\"},\"com.rr\"]");
    out(&c2, "[65,1,1]");
    in(&c3, "[64,1,{\"invoke\":\"random\"},\"com.rr\"]");
    out(&c3, "[8,64,1,{},\"wamp.error.procedure_exists_with_different_invocation_policy\"]");
    in(&c3, "[64,2,{},\"com.rr\"]");
    out(&c3, "[8,64,2,{},\"wamp.error.procedure_exists_with_different_invocation_policy\"]");
    in(&a, "[48,1,{},\"com.rr\"]");
    out(&c1, "[68,1,1,{}]");
    in(&a, "[48,2,{},\"com.rr\"]");
    out(&c2, "[68,2,1,{}]");
    in(&a, "[48,3,{},\"com.rr\"]");
    out(&c1, "[68,3,1,{}]");
    none(&c2);
    /* first / last */
    in(&c1, "[64,4,{\"invoke\":\"first\"},\"com.fl\"]");
    out(&c1, "[65,4,2]");
    in(&c2, "[64,4,{\"invoke\":\"first\"},\"com.fl\"]");
    out(&c2, "[65,4,2]");
    in(&a, "[48,4,{},\"com.fl\"]");
    out(&c1, "[68,4,2,{}]");
    in(&c3, "[64,5,{\"invoke\":\"last\"},\"com.last\"]");
    out(&c3, "[65,5,3]");
    in(&c1, "[64,5,{\"invoke\":\"last\"},\"com.last\"]");
    out(&c1, "[65,5,3]");
    in(&a, "[48,5,{},\"com.last\"]");
    out(&c1, "[68,5,3,{}]");
    /* concurrency: c2 takes one call at a time */
    in(&c2, "[64,6,{\"concurrency\":1},\"com.one\"]");
    out(&c2, "[65,6,4]");
    in(&a, "[48,6,{},\"com.one\"]");
    out(&c2, "[68,6,4,{}]");
    in(&a, "[48,7,{},\"com.one\"]");
    out(&a, "[8,48,7,{},\"wamp.error.no_available_callee\",[\"all callees are at their "
            "concurrency limit\"]]");
    in(&c2, "[70,6,{}]");
    out(&a, "[50,6,{}]");
    in(&a, "[48,8,{},\"com.one\"]");
    out(&c2, "[68,7,4,{}]");
    /* force_reregister: c3 takes com.one over */
    in(&c3, "[64,9,{\"force_reregister\":true},\"com.one\"]");
    out(&c2, "[67,0,{\"reason\":\"wamp.error.force_reregister\",\"registration\":4}]");
    out(&c3, "[65,9,4]");
    tsess *all[] = {&a, &c1, &c2, &c3};
    done(r, all, 4);
}

static void test_rpc_progressive_timeout(void **state)
{
    wamp_router *r = mk_router(NULL);
    tsess a, b, p;
    join(r, &a);
    join(r, &b);
    mk_sess(r, &p); /* a callee without progressive results or canceling */
    in(&p, HELLO_PLAIN);
    welcome(&p);
    in(&b, "[64,1,{},\"com.prog\"]");
    out(&b, "[65,1,1]");
    in(&a, "[48,1,{\"receive_progress\":true},\"com.prog\"]");
    out(&b, "[68,1,1,{\"receive_progress\":true}]");
    in(&b, "[70,1,{\"progress\":true},[1]]");
    out(&a, "[50,1,{\"progress\":true},[1]]");
    in(&b, "[70,1,{\"progress\":true},[2]]");
    out(&a, "[50,1,{\"progress\":true},[2]]");
    in(&b, "[70,1,{},[3]]");
    out(&a, "[50,1,{},[3]]");
    /* timeout: measured from the tick time */
    wamp_router_tick(r, 1000);
    in(&a, "[48,2,{\"timeout\":500},\"com.prog\"]");
    out(&b, "[68,2,1,{}]");
    wamp_router_tick(r, 1499);
    none(&a);
    wamp_router_tick(r, 1500);
    out(&b, "[69,2,{\"mode\":\"killnowait\",\"reason\":\"wamp.error.timeout\"}]");
    out(&a, "[8,48,2,{},\"wamp.error.timeout\"]");
    in(&b, "[70,2,{}]"); /* late */
    none(&a);
    /* a callee without canceling gets no INTERRUPT, and no receive_progress */
    in(&p, "[64,1,{},\"com.plain\"]");
    out(&p, "[65,1,2]");
    in(&a, "[48,3,{\"timeout\":10,\"receive_progress\":true},\"com.plain\"]");
    out(&p, "[68,3,2,{}]");
    wamp_router_tick(r, 2000);
    none(&p);
    out(&a, "[8,48,3,{},\"wamp.error.timeout\"]");
    tsess *all[] = {&a, &b, &p};
    done(r, all, 3);
}

static void test_rpc_cancel(void **state)
{
    wamp_router *r = mk_router(NULL);
    tsess a, b, p;
    join(r, &a);
    join(r, &b);
    mk_sess(r, &p);
    in(&p, HELLO_PLAIN);
    welcome(&p);
    in(&b, "[64,1,{},\"com.slow\"]");
    out(&b, "[65,1,1]");
    /* skip: caller answered at once, no INTERRUPT, a late YIELD is discarded */
    in(&a, "[48,1,{},\"com.slow\"]");
    out(&b, "[68,1,1,{}]");
    in(&a, "[49,1,{\"mode\":\"skip\"}]");
    out(&a, "[8,48,1,{},\"wamp.error.canceled\"]");
    none(&b);
    in(&b, "[70,1,{}]");
    none(&a);
    /* killnowait */
    in(&a, "[48,2,{},\"com.slow\"]");
    out(&b, "[68,2,1,{}]");
    in(&a, "[49,2,{\"mode\":\"killnowait\"}]");
    out(&b, "[69,2,{\"mode\":\"killnowait\",\"reason\":\"wamp.error.canceled\"}]");
    out(&a, "[8,48,2,{},\"wamp.error.canceled\"]");
    /* kill: waits for the callee's answer */
    in(&a, "[48,3,{},\"com.slow\"]");
    out(&b, "[68,3,1,{}]");
    in(&a, "[49,3,{\"mode\":\"kill\"}]");
    out(&b, "[69,3,{\"mode\":\"kill\",\"reason\":\"wamp.error.canceled\"}]");
    none(&a);
    in(&a, "[49,3,{\"mode\":\"kill\"}]"); /* repeated: ignored */
    none(&b);
    in(&b, "[8,68,3,{},\"wamp.error.canceled\"]");
    out(&a, "[8,48,3,{},\"wamp.error.canceled\"]");
    /* no mode: killnowait */
    in(&a, "[48,4,{},\"com.slow\"]");
    out(&b, "[68,4,1,{}]");
    in(&a, "[49,4,{}]");
    out(&b, "[69,4,{\"mode\":\"killnowait\",\"reason\":\"wamp.error.canceled\"}]");
    out(&a, "[8,48,4,{},\"wamp.error.canceled\"]");
    /* callee without call_canceling: kill degrades to skip */
    in(&p, "[64,1,{},\"com.p\"]");
    out(&p, "[65,1,2]");
    in(&a, "[48,5,{},\"com.p\"]");
    out(&p, "[68,5,2,{}]");
    in(&a, "[49,5,{\"mode\":\"kill\"}]");
    none(&p);
    out(&a, "[8,48,5,{},\"wamp.error.canceled\"]");
    /* callee leaves mid-call: the caller gets wamp.error.canceled */
    in(&a, "[48,6,{},\"com.slow\"]");
    out(&b, "[68,6,1,{}]");
    in(&b, "[6,{},\"wamp.close.normal\"]");
    out(&b, "[6,{},\"wamp.close.goodbye_and_out\"]");
    out(&a, "[8,48,6,{},\"wamp.error.canceled\",[\"callee left the realm\"]]");
    in(&a, "[48,7,{},\"com.slow\"]");
    out(&a, "[8,48,7,{},\"wamp.error.no_such_procedure\"]");
    /* caller leaves mid-call: the callee gets INTERRUPT killnowait */
    tsess c;
    join(r, &c);
    in(&c, "[64,1,{},\"com.c\"]");
    out(&c, "[65,1,3]");
    in(&a, "[48,8,{},\"com.c\"]");
    out(&c, "[68,7,3,{}]");
    wamp_router_session_free(a.s);
    out(&c, "[69,7,{\"mode\":\"killnowait\",\"reason\":\"wamp.error.canceled\"}]");
    in(&c, "[70,7,{}]"); /* discarded */
    none(&c);
    tsess *all[] = {&b, &p, &c};
    done(r, all, 3);
}

/* ---------------------------------------------------------------- authorization hooks */

static bool deny_secret(void *user, const wamp_router_session_info *who, wamp_router_action action,
                        wamp_str uri)
{
    return !(uri.len >= 10 && memcmp(uri.ptr, "com.secret", 10) == 0);
}

static void test_authorization(void **state)
{
    wamp_router_options o = {0};
    o.auth.authorize = deny_secret;
    wamp_router *r = mk_router(&o);
    tsess a;
    join(r, &a);
    in(&a, "[32,1,{},\"com.secret.t\"]");
    out(&a, "[8,32,1,{},\"wamp.error.not_authorized\"]");
    in(&a, "[16,2,{\"acknowledge\":true},\"com.secret.t\"]");
    out(&a, "[8,16,2,{},\"wamp.error.not_authorized\"]");
    in(&a, "[16,3,{},\"com.secret.t\"]");
    none(&a);
    in(&a, "[64,4,{},\"com.secret.p\"]");
    out(&a, "[8,64,4,{},\"wamp.error.not_authorized\"]");
    in(&a, "[48,5,{},\"com.secret.p\"]");
    out(&a, "[8,48,5,{},\"wamp.error.not_authorized\"]");
    in(&a, "[64,6,{},\"com.public.p\"]");
    out(&a, "[65,6,1]");
    /* every denial is counted, acknowledged or not */
    wamp_router_session_stats ss;
    wamp_router_session_get_stats(a.s, &ss);
    assert_int_equal(ss.denied, 5);
    wamp_router_stats rs;
    wamp_router_get_stats(r, &rs);
    assert_int_equal(rs.denied, 5);
    assert_int_equal(rs.publications, 0);
    tsess *all[] = {&a};
    done(r, all, 1);
}

/* ---------------------------------------------------------------- authentication hooks */

static int h_hello(void *user, wamp_router_session *s, const wamp_message *hello,
                   wamp_router_auth_result *res, wamp_message *challenge, const char **why)
{
    if (wamp_str_eqc(hello->hello.authid, "anon")) {
        res->authid = "anon";
        res->authrole = "guest";
        res->authmethod = "anonymous";
        return WAMP_OK;
    }
    if (!wamp_str_eqc(hello->hello.authid, "joe")) {
        *why = WAMP_ERROR_NO_SUCH_PRINCIPAL;
        return WAMP_EAUTH;
    }
    *challenge = wamp_message_challenge("ticket");
    return WAMP_EAGAIN;
}

static int h_auth(void *user, wamp_router_session *s, const wamp_message *m,
                  wamp_router_auth_result *res, const char **why)
{
    if (!wamp_str_eqc(m->authenticate.signature, "pw")) {
        *why = WAMP_ERROR_NOT_AUTHORIZED;
        return WAMP_EAUTH;
    }
    res->authid = "joe";
    res->authrole = "user";
    res->authmethod = "ticket";
    return WAMP_OK;
}

static void test_auth_hooks(void **state)
{
    wamp_router_options o = {0};
    o.auth.hello = h_hello;
    o.auth.authenticate = h_auth;
    wamp_router *r = mk_router(&o);
    tsess a, b, c, d, e;
    mk_sess(r, &a);
    in(&a, "[1,\"realm1\",{\"roles\":{\"caller\":{}},\"authmethods\":[\"ticket\"],"
           "\"authid\":\"joe\"}]");
    out(&a, "[4,\"ticket\",{}]");
    in(&a, "[5,\"pw\",{}]");
    out(&a, "[2,1,{\"realm\":\"realm1\",\"authid\":\"joe\",\"authrole\":\"user\","
            "\"authmethod\":\"ticket\",\"authprovider\":\"static\"," ROUTER_ROLES
            ",\"agent\":\"libwamp-" WAMP_VERSION_STRING "\"}]");
    mk_sess(r, &b);
    in(&b, "[1,\"realm1\",{\"roles\":{\"caller\":{}},\"authid\":\"joe\"}]");
    out(&b, "[4,\"ticket\",{}]");
    in(&b, "[5,\"wrong\",{}]");
    out(&b, "[3,{\"message\":\"authentication failed\"},\"wamp.error.not_authorized\"]");
    assert_true(b.closed);
    mk_sess(r, &c);
    in(&c, "[1,\"realm1\",{\"roles\":{\"caller\":{}},\"authid\":\"eve\"}]");
    out(&c, "[3,{\"message\":\"authentication failed\"},\"wamp.error.no_such_principal\"]");
    mk_sess(r, &d);
    in(&d, "[5,\"pw\",{}]"); /* AUTHENTICATE without CHALLENGE */
    out(&d, "[3,{\"message\":\"AUTHENTICATE without a CHALLENGE\"},"
            "\"wamp.error.protocol_violation\"]");
    mk_sess(r, &e);
    in(&e, "[1,\"realm1\",{\"roles\":{\"caller\":{}},\"authid\":\"anon\"}]");
    welcome(&e);
    wamp_router_session_info info;
    wamp_router_session_get_info(e.s, &info);
    assert_string_equal(info.authrole, "guest");
    tsess *all[] = {&a, &b, &c, &d, &e};
    done(r, all, 5);
}

/* ---------------------------------------------------------------- meta API */

static void test_meta(void **state)
{
    wamp_router *r = mk_router(NULL);
    tsess a, b;
    join(r, &a); /* session 1, authid BAAA-AAAA-AAAA */
    in(&a, "[32,1,{},\"wamp.session.on_join\"]");
    out(&a, "[33,1,1]");
    in(&a, "[32,2,{},\"wamp.session.on_leave\"]");
    out(&a, "[33,2,2]");
    in(&a, "[32,3,{},\"wamp.subscription.on_create\"]");
    out(&a, "[33,3,3]");
    in(&a, "[32,4,{},\"wamp.registration.on_register\"]");
    out(&a, "[33,4,4]");
    join(r, &b); /* session 3, authid DAAA-AAAA-AAAA */
    out(&a, "[36,1,5,{},[{\"session\":3,\"authid\":\"DAAA-AAAA-AAAA\",\"authrole\":"
            "\"anonymous\",\"authmethod\":\"anonymous\",\"authprovider\":\"static\","
            "\"serializer\":\"json\",\"transport\":\"test\"}]]");
    in(&b, "[32,1,{\"match\":\"prefix\"},\"com.x\"]");
    out(&b, "[33,1,5]");
    out(&a, "[36,3,6,{},[3,{\"id\":5,\"uri\":\"com.x\",\"match\":\"prefix\"}]]");
    in(&b, "[64,2,{},\"com.x.proc\"]");
    out(&b, "[65,2,1]");
    out(&a, "[36,4,7,{},[3,1]]");
    in(&a, "[48,10,{},\"wamp.session.count\"]");
    out(&a, "[50,10,{},[2]]");
    in(&a, "[48,11,{},\"wamp.session.list\"]");
    char *l = pop(&a);
    assert_true(!strcmp(l, "[50,11,{},[[1,3]]]") || !strcmp(l, "[50,11,{},[[3,1]]]"));
    free(l);
    in(&a, "[48,12,{},\"wamp.session.get\",[3]]");
    out(&a, "[50,12,{},[{\"session\":3,\"authid\":\"DAAA-AAAA-AAAA\",\"authrole\":"
            "\"anonymous\",\"authmethod\":\"anonymous\",\"authprovider\":\"static\","
            "\"serializer\":\"json\",\"transport\":\"test\"}]]");
    in(&a, "[48,13,{},\"wamp.session.get\",[99]]");
    out(&a, "[8,48,13,{},\"wamp.error.no_such_session\"]");
    in(&a, "[48,14,{},\"wamp.subscription.lookup\",[\"com.x\",{\"match\":\"prefix\"}]]");
    out(&a, "[50,14,{},[5]]");
    in(&a, "[48,15,{},\"wamp.subscription.lookup\",[\"com.x\"]]");
    out(&a, "[50,15,{},[null]]");
    in(&a, "[48,16,{},\"wamp.subscription.match\",[\"com.x.y\"]]");
    out(&a, "[50,16,{},[[5]]]");
    in(&a, "[48,17,{},\"wamp.subscription.get\",[5]]");
    out(&a, "[50,17,{},[{\"id\":5,\"uri\":\"com.x\",\"match\":\"prefix\"}]]");
    in(&a, "[48,18,{},\"wamp.subscription.list_subscribers\",[5]]");
    out(&a, "[50,18,{},[[3]]]");
    in(&a, "[48,19,{},\"wamp.subscription.count_subscribers\",[5]]");
    out(&a, "[50,19,{},[1]]");
    in(&a, "[48,20,{},\"wamp.subscription.get\",[77]]");
    out(&a, "[8,48,20,{},\"wamp.error.no_such_subscription\"]");
    in(&a, "[48,21,{},\"wamp.registration.lookup\",[\"com.x.proc\"]]");
    out(&a, "[50,21,{},[1]]");
    in(&a, "[48,22,{},\"wamp.registration.match\",[\"com.x.proc\"]]");
    out(&a, "[50,22,{},[1]]");
    in(&a, "[48,23,{},\"wamp.registration.get\",[1]]");
    out(&a, "[50,23,{},[{\"id\":1,\"uri\":\"com.x.proc\",\"match\":\"exact\",\"invoke\":"
            "\"single\"}]]");
    in(&a, "[48,24,{},\"wamp.registration.list_callees\",[1]]");
    out(&a, "[50,24,{},[[3]]]");
    in(&a, "[48,25,{},\"wamp.registration.count_callees\",[1]]");
    out(&a, "[50,25,{},[1]]");
    in(&a, "[48,26,{},\"wamp.no.such.meta\"]");
    out(&a, "[8,48,26,{},\"wamp.error.no_such_procedure\"]");
    /* kill: b is told GOODBYE wamp.close.killed; its answer ends it; a sees on_leave */
    in(&a, "[48,27,{},\"wamp.session.kill\",[3]]");
    out(&b, "[6,{},\"wamp.close.killed\"]");
    out(&a, "[50,27,{}]");
    in(&b, "[6,{},\"wamp.close.goodbye_and_out\"]");
    assert_true(b.closed);
    out(&a, "[36,2,8,{},[3,\"DAAA-AAAA-AAAA\",\"anonymous\"]]");
    in(&a, "[48,28,{},\"wamp.session.count\"]");
    out(&a, "[50,28,{},[1]]");
    tsess *all[] = {&a, &b};
    done(r, all, 2);
}

static void test_testament(void **state)
{
    wamp_router *r = mk_router(NULL);
    tsess a, b, c;
    join(r, &a);
    join(r, &b);
    join(r, &c);
    in(&a, "[32,1,{},\"com.will\"]");
    out(&a, "[33,1,1]");
    in(&b, "[48,1,{},\"wamp.session.add_testament\",[\"com.will\",[\"bye\",1],{\"k\":true}]]");
    out(&b, "[50,1,{}]");
    in(&b, "[48,2,{},\"wamp.session.add_testament\",[\"bad uri#\"]]");
    out(&b, "[8,48,2,{},\"wamp.error.invalid_argument\"]");
    /* c adds one and flushes it */
    in(&c, "[48,3,{},\"wamp.session.add_testament\",[\"com.will\",[\"never\"]]]");
    out(&c, "[50,3,{}]");
    in(&c, "[48,4,{},\"wamp.session.flush_testaments\"]");
    out(&c, "[50,4,{},[1]]");
    in(&c, "[6,{},\"wamp.close.normal\"]");
    out(&c, "[6,{},\"wamp.close.goodbye_and_out\"]");
    none(&a);
    /* b's transport goes away: its testament is published */
    wamp_router_session_free(b.s);
    out(&a, "[36,1,7,{},[\"bye\",1],{\"k\":true}]");
    none(&a);
    tsess *all[] = {&a, &c};
    done(r, all, 2);
}

/* Pops an EVENT of subscription sub and checks the text after its publication id. */
static void event_(tsess *t, int sub, const char *tail, int line)
{
    char *got = pop(t);
    char head[32];
    snprintf(head, sizeof head, "[36,%d,", sub);
    const char *rest =
        got && !strncmp(got, head, strlen(head)) ? strchr(got + strlen(head), ',') : NULL;
    if (!rest || strcmp(rest, tail) != 0) {
        fprintf(stderr, "line %d:\n  expected %s<id>%s\n  got      %s\n", line, head, tail,
                got ? got : "(nothing)");
        free(got);
        fail();
    }
    free(got);
}
#define event(t, sub, tail) event_((t), (sub), (tail), __LINE__)

/* add_testament's publish_options (positional or kwargs) and scope, flush by scope */
static void test_testament_options(void **state)
{
    wamp_router *r = mk_router(NULL);
    tsess a, b, c, d;
    wamp_id aid = join(r, &a);
    join(r, &b);
    wamp_id cid = join(r, &c);
    in(&a, "[32,1,{},\"com.will\"]");
    out(&a, "[33,1,1]");
    in(&c, "[32,1,{},\"com.will\"]");
    out(&c, "[33,1,1]");
    char m[512];
    snprintf(m, sizeof m,
             "[48,1,{},\"wamp.session.add_testament\",[\"com.will\",[\"excl\"],{}],"
             "{\"publish_options\":{\"exclude\":[%llu],\"acknowledge\":true}}]",
             (unsigned long long)aid);
    in(&b, m);
    out(&b, "[50,1,{}]");
    snprintf(m, sizeof m,
             "[48,2,{},\"wamp.session.add_testament\",[\"com.will\",[\"only-c\"],{},"
             "{\"eligible\":[%llu]},\"detached\"]]",
             (unsigned long long)cid);
    in(&b, m);
    out(&b, "[50,2,{}]");
    in(&b, "[48,3,{},\"wamp.session.add_testament\",[\"com.will\",[\"kept\"],{\"k\":1}],"
           "{\"publish_options\":{\"retain\":true},\"scope\":\"destroyed\"}]");
    out(&b, "[50,3,{}]");
    /* refused: unknown option, a badly typed list, an unknown scope */
    in(&b, "[48,4,{},\"wamp.session.add_testament\",[\"com.will\",[],{},{\"bogus\":1}]]");
    out(&b, "[8,48,4,{},\"wamp.error.invalid_argument\"]");
    in(&b, "[48,5,{},\"wamp.session.add_testament\",[\"com.will\",[],{},"
           "{\"eligible_authid\":[1]}]]");
    out(&b, "[8,48,5,{},\"wamp.error.invalid_argument\"]");
    in(&b, "[48,6,{},\"wamp.session.add_testament\",[\"com.will\",[],{},null,\"forever\"]]");
    out(&b, "[8,48,6,{},\"wamp.error.testament_error\"]");
    in(&b, "[48,7,{},\"wamp.session.flush_testaments\",[\"x\"]]");
    out(&b, "[8,48,7,{},\"wamp.error.testament_error\"]");
    /* d: flushing one scope leaves the other */
    join(r, &d);
    in(&d, "[48,1,{},\"wamp.session.add_testament\",[\"com.will\",[\"d-destroyed\"],{}]]");
    out(&d, "[50,1,{}]");
    in(&d, "[48,2,{},\"wamp.session.add_testament\",[\"com.will\",[\"d-detached\"],{}],"
           "{\"scope\":\"detached\"}]");
    out(&d, "[50,2,{}]");
    in(&d, "[48,3,{},\"wamp.session.flush_testaments\",[],{\"scope\":\"detached\"}]");
    out(&d, "[50,3,{},[1]]");
    in(&d, "[48,4,{},\"wamp.session.flush_testaments\",[\"detached\"]]");
    out(&d, "[50,4,{},[0]]");
    wamp_router_session_free(d.s);
    event(&a, 1, ",{},[\"d-destroyed\"]]");
    event(&c, 1, ",{},[\"d-destroyed\"]]");
    none(&a);
    none(&c);
    /* b leaves: both scopes go out in order, filtered; the retained one stays */
    wamp_router_session_free(b.s);
    event(&c, 1, ",{},[\"excl\"]]");
    event(&c, 1, ",{},[\"only-c\"]]");
    event(&c, 1, ",{},[\"kept\"],{\"k\":1}]");
    none(&c);
    event(&a, 1, ",{},[\"kept\"],{\"k\":1}]");
    none(&a);
    in(&a, "[32,2,{\"get_retained\":true},\"com.will\"]");
    out(&a, "[33,2,1]");
    event(&a, 1, ",{\"retained\":true},[\"kept\"],{\"k\":1}]");
    tsess *all[] = {&a, &c};
    done(r, all, 2);
}

/* ---------------------------------------------------------------- pattern index */

static uint64_t g_rng;
static uint32_t rng(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return (uint32_t)(g_rng >> 11);
}

/* Sends one message (printf format) and returns the first reply (malloc'd). */
static char *call_(tsess *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *call_(tsess *t, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    assert_int_equal(in(t, msg), WAMP_OK);
    char *got = pop(t);
    while (got && strncmp(got, "[36,", 4) == 0) { /* meta events */
        free(got);
        got = pop(t);
    }
    assert_non_null(got);
    return got;
}

/* The id after the request id of [TYPE,REQ,ID...]. */
static wamp_id third_int(const char *m)
{
    const char *p = strchr(m, ',');
    assert_non_null(p);
    p = strchr(p + 1, ',');
    assert_non_null(p);
    return strtoull(p + 1, NULL, 10);
}

/* Reference semantics, written independently of the router: components split on '.'. */
static size_t ref_split(const char *u, const char **c, size_t *l)
{
    size_t n = 0;
    const char *p = u;
    for (;;) {
        const char *d = strchr(p, '.');
        size_t len = d ? (size_t)(d - p) : strlen(p);
        c[n] = p;
        l[n++] = len;
        if (!d) return n;
        p = d + 1;
    }
}

static bool ref_wild(const char *pat, const char *uri)
{
    const char *pc[16], *uc[16];
    size_t pl[16], ul[16];
    size_t np = ref_split(pat, pc, pl), nu = ref_split(uri, uc, ul);
    if (np != nu) return false;
    for (size_t i = 0; i < np; i++)
        if (pl[i] && (pl[i] != ul[i] || memcmp(pc[i], uc[i], pl[i]) != 0)) return false;
    return true;
}

static bool ref_prefix(const char *pat, const char *uri)
{
    return strncmp(pat, uri, strlen(pat)) == 0;
}

/* Dealer prefix: on a component boundary. */
static bool ref_prefix_comp(const char *pat, const char *uri)
{
    size_t n = strlen(pat);
    return ref_prefix(pat, uri) && (uri[n] == 0 || uri[n] == '.' || pat[n - 1] == '.');
}

/* Runs of concrete components, e.g. "a.b..c" -> {2,1}. */
static size_t ref_runs(const char *pat, size_t *runs)
{
    const char *c[16];
    size_t l[16], n = ref_split(pat, c, l), k = 0, cur = 0;
    for (size_t i = 0; i < n; i++) {
        if (l[i])
            cur++;
        else if (cur) {
            runs[k++] = cur;
            cur = 0;
        }
    }
    if (cur) runs[k++] = cur;
    return k;
}

/* > 0 when wildcard a is more specific than b. */
static int ref_wild_cmp(const char *a, const char *b)
{
    size_t ra[16], rb[16];
    size_t na = ref_runs(a, ra), nb = ref_runs(b, rb);
    for (size_t i = 0;; i++) {
        size_t x = i < na ? ra[i] : 0, y = i < nb ? rb[i] : 0;
        if (x != y) return x > y ? 1 : -1;
        if (!x) return 0;
    }
}

static const char *const COMPS[] = {"a", "b", "ab", "ba", "c"};

static void rand_uri(char *out, size_t cap, bool allow_empty)
{
    size_t n = 1 + rng() % 4, o = 0;
    out[0] = 0;
    for (size_t i = 0; i < n; i++) {
        const char *c = allow_empty && rng() % 3 == 0 ? "" : COMPS[rng() % 5];
        o += (size_t)snprintf(out + o, cap - o, "%s%s", i ? "." : "", c);
    }
}

typedef struct rpat {
    char uri[40];
    wamp_match m;
    wamp_id id;
    bool live;
} rpat;

static void rand_pattern(rpat *p)
{
    p->m = (wamp_match)(rng() % 3);
    rand_uri(p->uri, sizeof p->uri, p->m == WAMP_MATCH_WILDCARD);
    if (p->m == WAMP_MATCH_PREFIX) {
        size_t len = strlen(p->uri);
        p->uri[1 + rng() % len] = 0; /* any string prefix, may end inside a component */
        /* a prefix ending with '.' is fine; one ending with ".." cannot come up */
    }
    if (p->m == WAMP_MATCH_WILDCARD && !strchr(p->uri, '.')) {
        p->m = WAMP_MATCH_EXACT;
        if (!p->uri[0]) strcpy(p->uri, "a");
    }
}

static const char *match_opt(wamp_match m)
{
    return m == WAMP_MATCH_PREFIX     ? "{\"match\":\"prefix\"}"
           : m == WAMP_MATCH_WILDCARD ? "{\"match\":\"wildcard\"}"
                                      : "{}";
}

static int cmp_id(const void *a, const void *b)
{
    wamp_id x = *(const wamp_id *)a, y = *(const wamp_id *)b;
    return x < y ? -1 : x > y;
}

/* ids of a RESULT [50,req,{},[[i,j,...]]] or [50,req,{},[null]] */
static size_t result_ids(const char *m, wamp_id *ids, size_t cap)
{
    const char *p = strstr(m, "[[");
    size_t n = 0;
    if (!p) return 0;
    p += 2;
    while (*p && *p != ']' && n < cap) {
        ids[n++] = strtoull(p, (char **)&p, 10);
        if (*p == ',') p++;
    }
    return n;
}

static void sub_add(tsess *sb, rpat *x, wamp_id *req)
{
    rand_pattern(x);
    char *a =
        call_(sb, "[32,%llu,%s,\"%s\"]", (unsigned long long)(*req)++, match_opt(x->m), x->uri);
    if (strncmp(a, "[33,", 4) != 0) fprintf(stderr, "%s: %s\n", x->uri, a);
    assert_true(strncmp(a, "[33,", 4) == 0);
    x->id = third_int(a);
    x->live = true;
    free(a);
}

static void reg_add(tsess *ce, rpat *x, wamp_id *req)
{
    rand_pattern(x);
    char *a =
        call_(ce, "[64,%llu,%s,\"%s\"]", (unsigned long long)(*req)++, match_opt(x->m), x->uri);
    x->live = strncmp(a, "[65,", 4) == 0; /* duplicates: procedure_already_exists */
    if (x->live) x->id = third_int(a);
    free(a);
}

static void test_index_differential(void **state)
{
    enum { NPAT = 300, NTOPIC = 300, ROUNDS = 3 };
    for (uint64_t seed = 1; seed <= 4; seed++) {
        g_rng = 0x9e3779b97f4a7c15ULL * seed;
        wamp_router *r = mk_router(NULL);
        tsess sb, ce, q;
        join(r, &sb);
        join(r, &ce);
        join(r, &q);
        static rpat subs[NPAT], regs[NPAT];
        memset(subs, 0, sizeof subs);
        memset(regs, 0, sizeof regs);
        wamp_id req = 1;
        for (int round = 0; round < ROUNDS; round++) {
            /* (re)fill free slots, then remove about a third: the tries split and merge */
            for (size_t i = 0; i < NPAT; i++) {
                if (!subs[i].live && (round == 0 || rng() % 2)) sub_add(&sb, &subs[i], &req);
                if (!regs[i].live && (round == 0 || rng() % 2)) reg_add(&ce, &regs[i], &req);
            }
            for (size_t i = 0; i < NPAT; i++) {
                if (rng() % 3) continue;
                if (subs[i].live) {
                    free(call_(&sb, "[34,%llu,%llu]", (unsigned long long)req++,
                               (unsigned long long)subs[i].id));
                    for (size_t k = 0; k < NPAT; k++) /* one subscription per pattern */
                        if (subs[k].live && subs[k].id == subs[i].id) subs[k].live = false;
                }
                if (regs[i].live) {
                    free(call_(&ce, "[66,%llu,%llu]", (unsigned long long)req++,
                               (unsigned long long)regs[i].id));
                    regs[i].live = false;
                }
            }
            for (size_t t = 0; t < NTOPIC; t++) {
                char topic[40];
                rand_uri(topic, sizeof topic, false);
                /* broker: every matching subscription */
                wamp_id want[NPAT], got[NPAT];
                size_t nw = 0;
                for (size_t i = 0; i < NPAT; i++) {
                    if (!subs[i].live) continue;
                    bool hit = subs[i].m == WAMP_MATCH_EXACT    ? strcmp(subs[i].uri, topic) == 0
                               : subs[i].m == WAMP_MATCH_PREFIX ? ref_prefix(subs[i].uri, topic)
                                                                : ref_wild(subs[i].uri, topic);
                    bool dup = false;
                    for (size_t k = 0; k < nw; k++)
                        dup |= want[k] == subs[i].id;
                    if (hit && !dup) want[nw++] = subs[i].id;
                }
                char *a = call_(&q, "[48,%llu,{},\"wamp.subscription.match\",[\"%s\"]]",
                                (unsigned long long)req++, topic);
                size_t ng = result_ids(a, got, NPAT);
                free(a);
                qsort(want, nw, sizeof *want, cmp_id);
                qsort(got, ng, sizeof *got, cmp_id);
                assert_int_equal(ng, nw);
                for (size_t k = 0; k < nw; k++)
                    assert_int_equal(got[k], want[k]);
                /* dealer: exact, else longest component prefix, else most specific wildcard */
                rpat *best = NULL;
                for (size_t i = 0; i < NPAT && !best; i++)
                    if (regs[i].live && regs[i].m == WAMP_MATCH_EXACT &&
                        !strcmp(regs[i].uri, topic))
                        best = &regs[i];
                for (size_t i = 0; i < NPAT && (!best || best->m != WAMP_MATCH_EXACT); i++)
                    if (regs[i].live && regs[i].m == WAMP_MATCH_PREFIX &&
                        ref_prefix_comp(regs[i].uri, topic) &&
                        (!best || strlen(regs[i].uri) > strlen(best->uri)))
                        best = &regs[i];
                if (!best)
                    for (size_t i = 0; i < NPAT; i++) {
                        if (!regs[i].live || regs[i].m != WAMP_MATCH_WILDCARD ||
                            !ref_wild(regs[i].uri, topic))
                            continue;
                        int c = best ? ref_wild_cmp(regs[i].uri, best->uri) : 1;
                        if (c > 0 || (c == 0 && regs[i].id < best->id)) best = &regs[i];
                    }
                char expect[64];
                a = call_(&q, "[48,%llu,{},\"wamp.registration.match\",[\"%s\"]]",
                          (unsigned long long)req, topic);
                if (best)
                    snprintf(expect, sizeof expect, "[50,%llu,{},[%llu]]", (unsigned long long)req,
                             (unsigned long long)best->id);
                else
                    snprintf(expect, sizeof expect, "[50,%llu,{},[null]]", (unsigned long long)req);
                req++;
                if (strcmp(a, expect) != 0)
                    fprintf(stderr, "topic %s: %s vs %s\n", topic, a, expect);
                assert_string_equal(a, expect);
                free(a);
                /* lookup of a live pattern finds exactly its own id */
                rpat *lp = &subs[rng() % NPAT];
                if (lp->live) {
                    a = call_(&q, "[48,%llu,{},\"wamp.subscription.lookup\",[\"%s\",%s]]",
                              (unsigned long long)req, lp->uri, match_opt(lp->m));
                    snprintf(expect, sizeof expect, "[50,%llu,{},[%llu]]", (unsigned long long)req,
                             (unsigned long long)lp->id);
                    req++;
                    assert_string_equal(a, expect);
                    free(a);
                }
            }
        }
        tsess *all[] = {&sb, &ce, &q};
        done(r, all, 3);
    }
}

/* The trie work of a publish and a call does not depend on unrelated patterns. */
static void test_index_unrelated_work(void **state)
{
    wamp_router *r = mk_router(NULL);
    tsess a, b;
    join(r, &a);
    join(r, &b);
    in(&a, "[32,1,{\"match\":\"prefix\"},\"com.app.topic\"]");
    out(&a, "[33,1,1]");
    in(&a, "[32,2,{\"match\":\"wildcard\"},\"com..topic.x\"]");
    out(&a, "[33,2,2]");
    in(&b, "[64,3,{\"match\":\"prefix\"},\"com.app.proc\"]");
    out(&b, "[65,3,1]");
    in(&b, "[64,4,{\"match\":\"wildcard\"},\"com..proc.x\"]");
    out(&b, "[65,4,2]");
    uint64_t work[2];
    for (int round = 0; round < 2; round++) {
        uint64_t v0 = wamp__router_index_visits(r);
        in(&b, "[16,10,{},\"com.app.topic.x\",[1]]");
        out(&a, "[36,1,5,{\"topic\":\"com.app.topic.x\"},[1]]");
        out(&a, "[36,2,5,{\"topic\":\"com.app.topic.x\"},[1]]");
        in(&a, "[48,11,{},\"com.app.proc.x\",[]]");
        char *iv = pop(&b);
        assert_non_null(iv);
        assert_true(strncmp(iv, "[68,", 4) == 0);
        assert_non_null(strstr(iv, ",1,{\"procedure\":\"com.app.proc.x\"}")); /* prefix wins */
        wamp_id inv = third_int(iv) ? strtoull(iv + 4, NULL, 10) : 0;
        free(iv);
        char y[64];
        snprintf(y, sizeof y, "[70,%llu,{}]", (unsigned long long)inv);
        in(&b, y);
        out(&a, "[50,11,{}]");
        work[round] = wamp__router_index_visits(r) - v0;
        if (round == 1) break;
        /* 10,000 unrelated patterns of each kind, many sharing the first components */
        char m[128];
        for (int i = 0; i < 10000; i++) {
            snprintf(m, sizeof m, "[32,%d,{\"match\":\"prefix\"},\"com.app.other%d\"]", 100 + i, i);
            in(&a, m);
            free(pop(&a));
            snprintf(m, sizeof m, "[32,%d,{\"match\":\"wildcard\"},\"com.n%d..x\"]", 100 + i, i);
            in(&a, m);
            free(pop(&a));
            snprintf(m, sizeof m, "[64,%d,{\"match\":\"prefix\"},\"org.x%d\"]", 100 + i, i);
            in(&b, m);
            free(pop(&b));
            snprintf(m, sizeof m, "[64,%d,{\"match\":\"wildcard\"},\"com..proc.y%d\"]", 100 + i, i);
            in(&b, m);
            free(pop(&b));
        }
        none(&a);
        none(&b);
        g_counter = 4; /* same publication id in both rounds */
    }
    /* bounded by the URI lengths with or without 40,000 unrelated patterns; the unrelated
     * prefix patterns can only add the split points on the URI's own path (here one: the
     * radix edge "com.app.topic" now splits after "com.app.") */
    size_t bound = 2 * (strlen("com.app.topic.x") + 8);
    assert_true(work[0] > 0 && work[0] <= bound);
    assert_true(work[1] <= bound);
    assert_true(work[1] >= work[0] && work[1] <= work[0] + 2);
    tsess *all[] = {&a, &b};
    done(r, all, 2);
}

/* ---------------------------------------------------------------- event history */

static uint64_t g_clock;
static uint64_t fake_time_ns(void *user)
{
    (void)user;
    return g_clock += 1000;
}

static void test_event_history(void **state)
{
    wamp_router_options o = {0};
    o.time_ns = fake_time_ns;
    g_clock = 1700000000000000000ull;
    wamp_router *r = mk_router(&o);
    assert_int_equal(wamp_router_add_event_history(r, "realm1", "com.hist", WAMP_MATCH_EXACT, 3),
                     WAMP_OK);
    assert_int_equal(wamp_router_add_event_history(r, "realm1", "com.hist", WAMP_MATCH_EXACT, 3),
                     WAMP_EEXIST);
    assert_int_equal(wamp_router_add_event_history(r, "nope", "com.x", WAMP_MATCH_EXACT, 3),
                     WAMP_ENOTFOUND);
    assert_int_equal(wamp_router_add_event_history(r, "realm1", "com.x", WAMP_MATCH_EXACT, 0),
                     WAMP_EINVAL);
    assert_int_equal(wamp_router_add_event_history(r, "realm1", "com..x", WAMP_MATCH_EXACT, 3),
                     WAMP_EURI);
    assert_int_equal(wamp_router_add_event_history(r, "realm1", "com.pre", WAMP_MATCH_PREFIX, 2),
                     WAMP_OK);
    tsess a, b, c;
    join(r, &a); /* session 1 */
    join(r, &b); /* session 3 */
    mk_sess_ser(r, &c, "msgpack");
    assert_int_equal(in(&a, "[32,1,{},\"com.hist\"]"), WAMP_OK);
    out(&a, "[33,1,1]"); /* the history's own subscription */
    in(&a, "[32,2,{},\"com.nohist\"]");
    out(&a, "[33,2,3]");
    /* events before and while subscribed all count; the oldest drop beyond the limit */
    in(&b, "[16,1,{},\"com.hist\",[1]]");
    out(&a, "[36,1,5,{},[1]]");
    in(&b, "[16,2,{\"disclose_me\":true},\"com.hist\",[2],{\"k\":2}]");
    out(&a, "[36,1,6,{\"publisher\":3,\"publisher_authid\":\"DAAA-AAAA-AAAA\","
            "\"publisher_authrole\":\"anonymous\"},[2],{\"k\":2}]");
    in(&a, "[34,3,1]");
    out(&a, "[35,3]");
    in(&b, "[16,3,{},\"com.hist\"]");
    none(&a);
    in(&b, "[16,4,{},\"com.hist\",[4]]");
    in(&b, "[16,5,{},\"com.pre.x\",[\"p\"]]"); /* prefix history, nobody subscribed */
    in(&b, "[48,6,{},\"wamp.subscription.get_events\",[1]]");
    out(&b, "[50,6,{},[[{\"time_ns\":1700000000000004000,\"realm\":\"realm1\",\"session_id\":null,"
            "\"authid\":null,\"authrole\":null,\"publication\":8,\"topic\":\"com.hist\","
            "\"args\":[4],\"kwargs\":null},"
            "{\"time_ns\":1700000000000003000,\"realm\":\"realm1\",\"session_id\":null,"
            "\"authid\":null,\"authrole\":null,\"publication\":7,\"topic\":\"com.hist\","
            "\"args\":null,\"kwargs\":null},"
            "{\"time_ns\":1700000000000002000,\"realm\":\"realm1\",\"session_id\":3,"
            "\"authid\":\"DAAA-AAAA-AAAA\",\"authrole\":\"anonymous\",\"publication\":6,"
            "\"topic\":\"com.hist\",\"args\":[2],\"kwargs\":{\"k\":2}}]]]");
    in(&b, "[48,7,{},\"wamp.subscription.get_events\",[1,1]]");
    out(&b, "[50,7,{},[[{\"time_ns\":1700000000000004000,\"realm\":\"realm1\",\"session_id\":null,"
            "\"authid\":null,\"authrole\":null,\"publication\":8,\"topic\":\"com.hist\","
            "\"args\":[4],\"kwargs\":null}]]]");
    /* the subscription lives on without subscribers */
    in(&b, "[48,8,{},\"wamp.subscription.lookup\",[\"com.pre\",{\"match\":\"prefix\"}]]");
    out(&b, "[50,8,{},[2]]");
    in(&b, "[48,9,{},\"wamp.subscription.get_events\",[2,0]]");
    out(&b, "[50,9,{},[[]]]");
    /* a msgpack publisher: the stored msgpack payload is transcoded for the JSON caller */
    static const uint8_t hello_mp[] = {0x93, 0x01, 0xa6, 'r', 'e', 'a', 'l',  'm',  '1', 0x81,
                                       0xa5, 'r',  'o',  'l', 'e', 's', 0x81, 0xa9, 'p', 'u',
                                       'b',  'l',  'i',  's', 'h', 'e', 'r',  0x80};
    assert_int_equal(wamp_router_session_receive(c.s, hello_mp, sizeof hello_mp), WAMP_OK);
    wamp_buf w = {0};
    assert_true(wamp_router_session_pop(c.s, &w));
    wamp_buf_free(&w);
    /* [16, 1, {}, "com.pre.y", ["m", 1.5]] */
    static const uint8_t pub_mp[] = {0x95, 0x10, 0x01, 0x80, 0xa9, 'c',  'o',  'm', '.',
                                     'p',  'r',  'e',  '.',  'y',  0x92, 0xa1, 'm', 0xcb,
                                     0x3f, 0xf8, 0,    0,    0,    0,    0,    0};
    assert_int_equal(wamp_router_session_receive(c.s, pub_mp, sizeof pub_mp), WAMP_OK);
    in(&b, "[48,10,{},\"wamp.subscription.get_events\",[2]]");
    out(&b, "[50,10,{},[[{\"time_ns\":1700000000000006000,\"realm\":\"realm1\",\"session_id\":null,"
            "\"authid\":null,\"authrole\":null,\"publication\":12,\"topic\":\"com.pre.y\","
            "\"args\":[\"m\",1.5],\"kwargs\":null},"
            "{\"time_ns\":1700000000000005000,\"realm\":\"realm1\",\"session_id\":null,"
            "\"authid\":null,\"authrole\":null,\"publication\":9,\"topic\":\"com.pre.x\","
            "\"args\":[\"p\"],\"kwargs\":null}]]]");
    /* errors */
    in(&b, "[48,11,{},\"wamp.subscription.get_events\",[3]]");
    out(&b, "[8,48,11,{},\"wamp.error.history_unavailable\"]");
    in(&b, "[48,12,{},\"wamp.subscription.get_events\",[99]]");
    out(&b, "[8,48,12,{},\"wamp.error.no_such_subscription\"]");
    in(&b, "[48,13,{},\"wamp.subscription.get_events\",[\"x\"]]");
    out(&b, "[8,48,13,{},\"wamp.error.invalid_argument\"]");
    tsess *all[] = {&a, &b, &c};
    done(r, all, 3);
}

/* ---------------------------------------------------------------- internal calls */

typedef struct icall_res {
    int calls;
    int status;
    char error[64];
    char arg0[64];
    int64_t kw;
} icall_res;

static void icall_cb(void *user, int status, const char *error, const wamp_value *args,
                     const wamp_value *kwargs)
{
    icall_res *x = user;
    x->calls++;
    x->status = status;
    snprintf(x->error, sizeof x->error, "%s", error ? error : "");
    x->arg0[0] = 0;
    x->kw = -1;
    wamp_str a0;
    if (args && wamp_value_count(args) && wamp_value_get_string(wamp_value_list_at(args, 0), &a0))
        snprintf(x->arg0, sizeof x->arg0, "%.*s", (int)a0.len, a0.ptr);
    const wamp_value *k = kwargs ? wamp_value_dict_getc(kwargs, "k") : NULL;
    if (k) wamp_value_get_int(k, &x->kw);
}

static void test_internal_call(void **state)
{
    wamp_router *r = mk_router(NULL);
    tsess b;
    join(r, &b);
    wamp_router_tick(r, 1000);
    icall_res x = {0};
    uint64_t h = 0;
    assert_int_equal(wamp_router_call(r, "realm1", "com.auth", NULL, NULL, 0, icall_cb, &x, &h),
                     WAMP_ENOTFOUND);
    assert_int_equal(wamp_router_call(r, "nowhere", "com.auth", NULL, NULL, 0, icall_cb, &x, &h),
                     WAMP_ENOTFOUND);
    in(&b, "[64,1,{},\"com.auth\"]");
    out(&b, "[65,1,1]");
    /* result: args and kwargs decoded for the callback, which runs only on YIELD */
    wamp_arena *a = wamp_arena_new(0);
    wamp_value args = wamp_value_list();
    assert_int_equal(wamp_value_list_push(a, &args, wamp_value_cstring(a, "realm1")), WAMP_OK);
    assert_int_equal(wamp_router_call(r, "realm1", "com.auth", &args, NULL, 0, icall_cb, &x, &h),
                     WAMP_OK);
    assert_int_equal(x.calls, 0);
    out(&b, "[68,1,1,{},[\"realm1\"]]");
    in(&b, "[70,1,{},[\"ok\"],{\"k\":7}]");
    assert_int_equal(x.calls, 1);
    assert_int_equal(x.status, WAMP_OK);
    assert_string_equal(x.arg0, "ok");
    assert_int_equal(x.kw, 7);
    in(&b, "[70,1,{},[\"late\"]]"); /* late: discarded */
    assert_int_equal(x.calls, 1);
    /* ERROR: the URI and payload */
    assert_int_equal(wamp_router_call(r, "realm1", "com.auth", NULL, NULL, 0, icall_cb, &x, &h),
                     WAMP_OK);
    out(&b, "[68,2,1,{}]");
    in(&b, "[8,68,2,{},\"com.example.denied\",[\"why\"]]");
    assert_int_equal(x.calls, 2);
    assert_int_equal(x.status, WAMP_EAPPLICATION);
    assert_string_equal(x.error, "com.example.denied");
    assert_string_equal(x.arg0, "why");
    /* timeout: the callee is interrupted */
    assert_int_equal(wamp_router_call(r, "realm1", "com.auth", NULL, NULL, 500, icall_cb, &x, &h),
                     WAMP_OK);
    out(&b, "[68,3,1,{}]");
    wamp_router_tick(r, 1499);
    assert_int_equal(x.calls, 2);
    wamp_router_tick(r, 1500);
    assert_int_equal(x.calls, 3);
    assert_int_equal(x.status, WAMP_ETIMEOUT);
    out(&b, "[69,3,{\"mode\":\"killnowait\",\"reason\":\"wamp.error.timeout\"}]");
    /* cancel: no callback, INTERRUPT */
    assert_int_equal(wamp_router_call(r, "realm1", "com.auth", NULL, NULL, 0, icall_cb, &x, &h),
                     WAMP_OK);
    out(&b, "[68,4,1,{}]");
    wamp_router_call_cancel(r, h);
    out(&b, "[69,4,{\"mode\":\"killnowait\",\"reason\":\"wamp.error.canceled\"}]");
    in(&b, "[70,4,{}]");
    assert_int_equal(x.calls, 3);
    wamp_router_call_cancel(r, h); /* finished: ignored */
    /* the callee leaves: canceled */
    assert_int_equal(wamp_router_call(r, "realm1", "com.auth", NULL, NULL, 0, icall_cb, &x, &h),
                     WAMP_OK);
    out(&b, "[68,5,1,{}]");
    wamp_router_session_free(b.s);
    assert_int_equal(x.calls, 4);
    assert_int_equal(x.status, WAMP_ECANCELED);
    assert_int_equal(wamp_router_call(r, "realm1", "com.auth", NULL, NULL, 0, icall_cb, &x, &h),
                     WAMP_ENOTFOUND);
    wamp_arena_free(a);
    assert_int_equal(wamp_router_free(r), WAMP_OK);
}

/* ---------------------------------------------------------------- asynchronous auth hooks */

static wamp_router_session *g_pending[4];
static int g_npending;

static int pend_hello(void *user, wamp_router_session *s, const wamp_message *hello,
                      wamp_router_auth_result *res, wamp_message *challenge, const char **why)
{
    g_pending[g_npending++ & 3] = s;
    return WAMP_ROUTER_AUTH_PENDING;
}

static int pend_auth(void *user, wamp_router_session *s, const wamp_message *m,
                     wamp_router_auth_result *res, const char **why)
{
    g_pending[g_npending++ & 3] = s;
    return WAMP_ROUTER_AUTH_PENDING;
}

static void test_auth_pending(void **state)
{
    wamp_router_options o = {0};
    o.auth.hello = pend_hello;
    o.auth.authenticate = pend_auth;
    g_npending = 0;
    wamp_router *r = mk_router(&o);
    tsess a, b, c;
    mk_sess(r, &a);
    assert_int_equal(wamp_router_session_pending_id(a.s), 0);
    assert_int_equal(wamp_router_session_auth_complete(a.s, WAMP_OK, NULL, NULL, NULL),
                     WAMP_ESTATE);
    in(&a, "[1,\"realm1\",{\"roles\":{\"caller\":{}},\"authid\":\"joe\"}]");
    none(&a);
    assert_int_equal(g_npending, 1);
    assert_ptr_equal(g_pending[0], a.s);
    wamp_id pid = wamp_router_session_pending_id(a.s);
    assert_true(pid > 0);
    /* challenge later, then the AUTHENTICATE decision later too */
    wamp_message ch = wamp_message_challenge("ticket");
    assert_int_equal(wamp_router_session_auth_complete(a.s, WAMP_EAGAIN, NULL, &ch, NULL), WAMP_OK);
    out(&a, "[4,\"ticket\",{}]");
    assert_int_equal(wamp_router_session_auth_complete(a.s, WAMP_OK, NULL, NULL, NULL),
                     WAMP_ESTATE);
    in(&a, "[5,\"pw\",{}]");
    none(&a);
    wamp_router_auth_result res = {"joe", "user", "ticket", "dynamic"};
    assert_int_equal(wamp_router_session_auth_complete(a.s, WAMP_OK, &res, NULL, NULL), WAMP_OK);
    char buf[1200];
    snprintf(buf, sizeof buf,
             "[2,%llu,{\"realm\":\"realm1\",\"authid\":\"joe\",\"authrole\":\"user\","
             "\"authmethod\":\"ticket\",\"authprovider\":\"dynamic\"," ROUTER_ROLES
             ",\"agent\":\"libwamp-" WAMP_VERSION_STRING "\"}]",
             (unsigned long long)pid);
    out(&a, buf);
    assert_int_equal(wamp_router_session_pending_id(a.s), pid);
    /* denied later, with the authenticator's URI */
    mk_sess(r, &b);
    in(&b, "[1,\"realm1\",{\"roles\":{\"caller\":{}}}]");
    none(&b);
    assert_int_equal(
        wamp_router_session_auth_complete(b.s, WAMP_EAUTH, NULL, NULL, "com.example.denied"),
        WAMP_OK);
    out(&b, "[3,{\"message\":\"authentication failed\"},\"com.example.denied\"]");
    assert_true(b.closed);
    /* a message while the router decides is a protocol violation; a late decision is refused */
    mk_sess(r, &c);
    in(&c, "[1,\"realm1\",{\"roles\":{\"caller\":{}}}]");
    in(&c, "[5,\"early\",{}]");
    out(&c, "[3,{\"message\":\"message while the router is authenticating the session\"},"
            "\"wamp.error.protocol_violation\"]");
    assert_true(c.closed);
    assert_int_equal(wamp_router_session_auth_complete(c.s, WAMP_OK, &res, NULL, NULL),
                     WAMP_ESTATE);
    tsess *all[] = {&a, &b, &c};
    done(r, all, 3);
}

/* ---------------------------------------------------------------- meta API: kill, lists, events */

static const uint64_t *g_script;
static size_t g_script_n;
static uint64_t script_rand(void *user)
{
    (void)user;
    if (g_script_n) {
        g_script_n--;
        return *g_script++;
    }
    return 1000 + g_counter++;
}

static void test_meta_kill_by(void **state)
{
    /* session id = value + 1; authid from the next value (1: BAAA-AAAA-AAAA, 2: CAAA-..) */
    static const uint64_t script[] = {9, 1, 19, 1, 29, 2, 39, 1, 49, 3, 59, 4};
    g_script = script;
    g_script_n = sizeof script / sizeof *script;
    wamp_router_options o = {0};
    wamp_router *r = mk_router(&o);
    wamp_router_free(r);
    o.random = script_rand;
    assert_int_equal(wamp_router_new(&o, &r), WAMP_OK);
    assert_int_equal(wamp_router_add_realm(r, "realm1"), WAMP_OK);
    tsess a, b, c, d, e, f;
    assert_int_equal(join(r, &a), 10);
    assert_int_equal(join(r, &b), 20);
    assert_int_equal(join(r, &c), 30);
    assert_int_equal(join(r, &d), 40);
    /* by authid with reason and message kwargs: every other session with that authid */
    in(&c, "[48,1,{},\"wamp.session.kill_by_authid\",[\"BAAA-AAAA-AAAA\"],"
           "{\"reason\":\"com.example.kicked\",\"message\":\"bye\"}]");
    for (tsess *t = &a; t; t = t == &a ? &b : t == &b ? &d : NULL)
        out(t, "[6,{\"message\":\"bye\"},\"com.example.kicked\"]");
    out(&c, "[50,1,{},[[40,20,10]]]");
    in(&a, "[6,{},\"wamp.close.goodbye_and_out\"]");
    assert_true(a.closed);
    in(&b, "[6,{},\"wamp.close.goodbye_and_out\"]");
    in(&d, "[6,{},\"wamp.close.goodbye_and_out\"]");
    assert_true(b.closed && d.closed);
    assert_int_equal(join(r, &e), 50);
    assert_int_equal(join(r, &f), 60);
    /* by authrole, reason positional: not the caller itself */
    in(&c, "[48,2,{},\"wamp.session.kill_by_authrole\",[\"anonymous\","
           "\"wamp.close.system_shutdown\"]]");
    out(&f, "[6,{},\"wamp.close.system_shutdown\"]");
    out(&e, "[6,{},\"wamp.close.system_shutdown\"]");
    out(&c, "[50,2,{},[[60,50]]]");
    none(&c);
    /* the caller's own authid: nobody else has it, the caller stays */
    in(&c, "[48,3,{},\"wamp.session.kill_by_authid\",[\"CAAA-AAAA-AAAA\"]]");
    out(&c, "[50,3,{},[[]]]");
    in(&c, "[48,4,{},\"wamp.session.kill_by_authrole\",[\"nobody\"]]");
    out(&c, "[50,4,{},[[]]]");
    /* bad arguments */
    in(&c, "[48,5,{},\"wamp.session.kill_by_authid\",[\"x\"],{\"reason\":\"not a uri\"}]");
    out(&c, "[8,48,5,{},\"wamp.error.invalid_argument\"]");
    in(&c, "[48,6,{},\"wamp.session.kill_by_authrole\"]");
    out(&c, "[8,48,6,{},\"wamp.error.invalid_argument\"]");
    in(&c, "[48,7,{},\"wamp.session.kill\",[30]]");
    out(&c, "[8,48,7,{},\"wamp.error.no_such_session\"]");
    /* kill by id with a message */
    tsess g;
    wamp_id ig = join(r, &g);
    char m[160];
    snprintf(m, sizeof m, "[48,8,{},\"wamp.session.kill\",[%llu],{\"message\":\"go\"}]",
             (unsigned long long)ig);
    in(&c, m);
    out(&g, "[6,{\"message\":\"go\"},\"wamp.close.killed\"]");
    out(&c, "[50,8,{}]");
    tsess *all[] = {&a, &b, &c, &d, &e, &f, &g};
    done(r, all, 7);
}

static void test_meta_lists_and_events(void **state)
{
    wamp_router *r = mk_router(NULL);
    tsess m, x, y;
    join(r, &m); /* session 1 */
    static const char *const topics[] = {
        "wamp.subscription.on_subscribe",  "wamp.subscription.on_unsubscribe",
        "wamp.subscription.on_delete",     "wamp.registration.on_create",
        "wamp.registration.on_unregister", "wamp.registration.on_delete"};
    char buf[256];
    for (int i = 0; i < 6; i++) {
        snprintf(buf, sizeof buf, "[32,%d,{},\"%s\"]", i + 1, topics[i]);
        in(&m, buf);
        snprintf(buf, sizeof buf, "[33,%d,%d]", i + 1, i + 1);
        out(&m, buf);
    }
    join(r, &x); /* session 3 */
    join(r, &y); /* session 5 */
    /* publication ids: random + 1, from 7 on */
    in(&x, "[32,1,{},\"com.t\"]");
    out(&x, "[33,1,7]");
    out(&m, "[36,1,7,{},[3,7]]"); /* on_subscribe (session, subscription) */
    in(&y, "[32,1,{},\"com.t\"]");
    out(&y, "[33,1,7]");
    out(&m, "[36,1,8,{},[5,7]]");
    in(&y, "[32,2,{\"match\":\"prefix\"},\"com.p\"]");
    out(&y, "[33,2,8]");
    out(&m, "[36,1,9,{},[5,8]]");
    in(&y, "[32,3,{\"match\":\"wildcard\"},\"com..w\"]");
    out(&y, "[33,3,9]");
    out(&m, "[36,1,10,{},[5,9]]");
    in(&x, "[64,2,{},\"com.proc\"]");
    out(&x, "[65,2,1]");
    out(&m, "[36,4,11,{},[3,{\"id\":1,\"uri\":\"com.proc\",\"match\":\"exact\","
            "\"invoke\":\"single\"}]]");
    in(&y, "[64,4,{\"match\":\"prefix\"},\"com.pp\"]");
    out(&y, "[65,4,2]");
    out(&m, "[36,4,12,{},[5,{\"id\":2,\"uri\":\"com.pp\",\"match\":\"prefix\","
            "\"invoke\":\"single\"}]]");
    /* lists by match policy; the router's own wamp.* subscriptions are not listed */
    in(&m, "[48,10,{},\"wamp.subscription.list\"]");
    out(&m, "[50,10,{},[{\"exact\":[7],\"prefix\":[8],\"wildcard\":[9]}]]");
    in(&m, "[48,11,{},\"wamp.registration.list\"]");
    out(&m, "[50,11,{},[{\"exact\":[1],\"prefix\":[2],\"wildcard\":[]}]]");
    /* unsubscribe: on_unsubscribe only while another subscriber remains */
    in(&x, "[34,3,7]");
    out(&x, "[35,3]");
    out(&m, "[36,2,13,{},[3,7]]");
    none(&m);
    /* unregister: on_unregister then on_delete */
    in(&x, "[66,4,1]");
    out(&x, "[67,4]");
    out(&m, "[36,5,14,{},[3,1]]");
    out(&m, "[36,6,15,{},[3,1]]");
    /* y disconnects: each subscription on_unsubscribe + on_delete, registrations likewise */
    wamp_router_session_free(y.s);
    out(&m, "[36,2,16,{},[5,7]]");
    out(&m, "[36,3,17,{},[5,7]]");
    out(&m, "[36,2,18,{},[5,8]]");
    out(&m, "[36,3,19,{},[5,8]]");
    out(&m, "[36,2,20,{},[5,9]]");
    out(&m, "[36,3,21,{},[5,9]]");
    out(&m, "[36,5,22,{},[5,2]]");
    out(&m, "[36,6,23,{},[5,2]]");
    none(&m);
    in(&m, "[48,12,{},\"wamp.subscription.list\"]");
    out(&m, "[50,12,{},[{\"exact\":[],\"prefix\":[],\"wildcard\":[]}]]");
    in(&m, "[48,13,{},\"wamp.registration.list\"]");
    out(&m, "[50,13,{},[{\"exact\":[],\"prefix\":[],\"wildcard\":[]}]]");
    tsess *all[] = {&m, &x};
    done(r, all, 2);
}

/* ---------------------------------------------------------------- progressive call invocations */

#define HELLO_PCI                                                                                  \
    "[1,\"realm1\",{\"roles\":{\"caller\":{\"features\":{\"progressive_call_invocations\":true,"   \
    "\"progressive_call_results\":true,\"call_canceling\":true}},\"callee\":{\"features\":{"       \
    "\"progressive_call_invocations\":true,\"progressive_call_results\":true,"                     \
    "\"call_canceling\":true}}}}]"

static wamp_id join_with(wamp_router *r, tsess *t, const char *hello)
{
    mk_sess(r, t);
    assert_int_equal(in(t, hello), WAMP_OK);
    return welcome(t);
}

static void test_progressive_invocations(void **state)
{
    wamp_router *r = mk_router(NULL);
    tsess c, e, old, plain;
    join_with(r, &c, HELLO_PCI);       /* session 1 */
    join_with(r, &e, HELLO_PCI);       /* session 3 */
    join_with(r, &old, HELLO_ALL);     /* session 5: callee without the feature */
    join_with(r, &plain, HELLO_PLAIN); /* session 7: caller without the feature */
    in(&e, "[64,1,{},\"com.up\"]");
    out(&e, "[65,1,1]");
    in(&e, "[64,2,{\"match\":\"prefix\"},\"com.pre\"]");
    out(&e, "[65,2,2]");
    in(&old, "[64,1,{},\"com.old\"]");
    out(&old, "[65,1,3]");
    /* the initiating CALL: its options hold for the whole call */
    in(&c, "[48,1,{\"progress\":true,\"receive_progress\":true,\"disclose_me\":true},\"com.up\","
           "[\"a\"]]");
    out(&e, "[68,1,1,{\"receive_progress\":true,\"caller\":1,\"caller_authid\":"
            "\"BAAA-AAAA-AAAA\",\"caller_authrole\":\"anonymous\",\"progress\":true},[\"a\"]]");
    /* continuations: same request id, same INVOCATION id, to the same callee */
    in(&c, "[48,1,{\"progress\":true},\"com.up\",[\"b\"]]");
    out(&e, "[68,1,1,{\"receive_progress\":true,\"caller\":1,\"caller_authid\":"
            "\"BAAA-AAAA-AAAA\",\"caller_authrole\":\"anonymous\",\"progress\":true},[\"b\"]]");
    /* progressive results interleave */
    in(&e, "[70,1,{\"progress\":true},[\"ra\"]]");
    out(&c, "[50,1,{\"progress\":true},[\"ra\"]]");
    /* the final CALL (no progress) ends the stream */
    in(&c, "[48,1,{},\"com.up\",[\"c\"]]");
    out(&e, "[68,1,1,{\"receive_progress\":true,\"caller\":1,\"caller_authid\":"
            "\"BAAA-AAAA-AAAA\",\"caller_authrole\":\"anonymous\"},[\"c\"]]");
    in(&e, "[70,1,{},[\"done\"]]");
    out(&c, "[50,1,{},[\"done\"]]");
    /* a late continuation of the completed call is discarded */
    in(&c, "[48,1,{\"progress\":true},\"com.up\",[\"late\"]]");
    none(&c);
    none(&e);
    /* a progressive call completed by the callee's ERROR; the next chunk is discarded too */
    in(&c, "[48,2,{\"progress\":true},\"com.pre.x\",[1]]");
    out(&e, "[68,2,2,{\"procedure\":\"com.pre.x\",\"progress\":true},[1]]");
    in(&e, "[8,68,2,{},\"com.error.full\"]");
    out(&c, "[8,48,2,{},\"com.error.full\"]");
    in(&c, "[48,2,{\"progress\":true},\"com.pre.x\",[2]]");
    none(&c);
    none(&e);
    /* a callee without the feature: feature_not_supported, nothing invoked */
    in(&c, "[48,3,{\"progress\":true},\"com.old\",[1]]");
    out(&c, "[8,48,3,{},\"wamp.error.feature_not_supported\",[\"the callee does not support "
            "progressive call invocations\"]]");
    none(&old);
    /* an ordinary call with progress false behaves as before */
    in(&c, "[48,4,{\"progress\":false},\"com.up\",[9]]");
    out(&e, "[68,3,1,{},[9]]");
    in(&e, "[70,3,{},[10]]");
    out(&c, "[50,4,{},[10]]");
    /* continuing with another procedure is a protocol violation */
    in(&c, "[48,5,{\"progress\":true},\"com.up\"]");
    out(&e, "[68,4,1,{\"progress\":true}]");
    assert_int_equal(in(&c, "[48,5,{\"progress\":true},\"com.pre.y\"]"), WAMP_OK);
    out(&c, "[3,{\"message\":\"CALL with the request id of a call still running\"},"
            "\"wamp.error.protocol_violation\"]");
    assert_true(c.closed);
    /* the caller is gone: the callee is interrupted */
    out(&e, "[69,4,{\"mode\":\"killnowait\",\"reason\":\"wamp.error.canceled\"}]");
    /* a caller that did not announce the feature but sends progress is served (wampy 8) */
    in(&plain, "[48,1,{\"progress\":true},\"com.up\",[1]]");
    out(&e, "[68,5,1,{\"progress\":true},[1]]");
    in(&plain, "[48,1,{},\"com.up\",[2]]");
    out(&e, "[68,5,1,{},[2]]");
    in(&e, "[70,5,{},[3]]");
    out(&plain, "[50,1,{},[3]]");
    none(&e);
    tsess *all[] = {&c, &e, &old, &plain};
    done(r, all, 4);
}

/* A FlatBuffers callee: roles.fbs has no progressive_call_invocations feature, so a progressive
 * CALL for it is refused; progressive results, receive_progress and bytes cross from the
 * FlatBuffers YIELDs to the JSON caller. */
static void test_flatbuffers_callee(void **state)
{
    wamp_router *r = mk_router(NULL);
    tsess c, f;
    join_with(r, &c, HELLO_PCI); /* session 1 */
    mk_sess_ser(r, &f, "flatbuffers");
    fb_in(&f, HELLO_PCI);
    free(fb_pop_(&f, NULL, __LINE__)); /* WELCOME */
    fb_in(&f, "[64,1,{},\"com.fb\"]");
    fb_out(&f, "[65,1,1]");
    in(&c, "[48,1,{\"progress\":true},\"com.fb\",[1]]");
    out(&c, "[8,48,1,{},\"wamp.error.feature_not_supported\",[\"the callee does not support "
            "progressive call invocations\"]]");
    none(&f);
    in(&c, "[48,2,{\"receive_progress\":true},\"com.fb\",[\"\\u0000/w==\"],{\"n\":1}]");
    fb_out(&f, "[68,1,1,{\"receive_progress\":true},[\"\\u0000/w==\"],{\"n\":1}]");
    fb_in(&f, "[70,1,{\"progress\":true},[\"\\u0000AA==\"]]");
    out(&c, "[50,2,{\"progress\":true},[\"\\u0000AA==\"]]");
    fb_in(&f, "[70,1,{},[],{\"done\":true}]");
    out(&c, "[50,2,{},[],{\"done\":true}]");
    none(&c);
    none(&f);
    tsess *all[] = {&c, &f};
    done(r, all, 2);
}

/* ---------------------------------------------------------------- callee eligibility, counters */

static void test_call_eligibility(void **state)
{
    wamp_router *r = mk_router(NULL);
    tsess c, e1, e2;
    join(r, &c);  /* session 1 */
    join(r, &e1); /* session 3, authid DAAA-AAAA-AAAA */
    join(r, &e2); /* session 5 */
    in(&e1, "[64,1,{\"invoke\":\"roundrobin\"},\"com.s\"]");
    out(&e1, "[65,1,1]");
    in(&e2, "[64,1,{\"invoke\":\"roundrobin\"},\"com.s\"]");
    out(&e2, "[65,1,1]");
    in(&e1, "[64,2,{\"concurrency\":1},\"com.lim\"]");
    out(&e1, "[65,2,2]");
    in(&c, "[64,1,{},\"com.me\"]");
    out(&c, "[65,1,3]");
    /* exclude / eligible by session, authid, authrole */
    in(&c, "[48,1,{\"exclude\":[3,5]},\"com.s\"]");
    out(&c, "[8,48,1,{},\"wamp.error.no_eligible_callee\",[\"the call's exclude/eligible options "
            "leave no callee\"]]");
    in(&c, "[48,2,{\"eligible\":[5]},\"com.s\"]");
    out(&e2, "[68,1,1,{}]");
    in(&e2, "[70,1,{}]");
    out(&c, "[50,2,{}]");
    in(&c, "[48,3,{\"eligible\":[5]},\"com.s\"]"); /* round robin yields to eligibility */
    out(&e2, "[68,2,1,{}]");
    in(&e2, "[70,2,{}]");
    out(&c, "[50,3,{}]");
    in(&c, "[48,4,{\"eligible_authid\":[\"DAAA-AAAA-AAAA\"]},\"com.s\"]");
    out(&e1, "[68,3,1,{}]");
    in(&e1, "[70,3,{}]");
    out(&c, "[50,4,{}]");
    in(&c, "[48,5,{\"exclude_authrole\":[\"anonymous\"]},\"com.s\"]");
    out(&c, "[8,48,5,{},\"wamp.error.no_eligible_callee\",[\"the call's exclude/eligible options "
            "leave no callee\"]]");
    none(&e1);
    none(&e2);
    /* concurrency limit: no_available_callee; eligibility is checked first */
    in(&c, "[48,6,{},\"com.lim\"]");
    out(&e1, "[68,4,2,{}]");
    in(&c, "[48,7,{},\"com.lim\"]");
    out(&c, "[8,48,7,{},\"wamp.error.no_available_callee\",[\"all callees are at their "
            "concurrency limit\"]]");
    in(&c, "[48,8,{\"eligible\":[5]},\"com.lim\"]");
    out(&c, "[8,48,8,{},\"wamp.error.no_eligible_callee\",[\"the call's exclude/eligible options "
            "leave no callee\"]]");
    /* caller exclusion: off by default for calls */
    in(&c, "[48,9,{\"exclude_me\":true},\"com.me\"]");
    out(&c, "[8,48,9,{},\"wamp.error.no_eligible_callee\",[\"the call's exclude/eligible options "
            "leave no callee\"]]");
    in(&c, "[48,10,{},\"com.me\"]");
    out(&c, "[68,5,3,{}]");
    in(&c, "[70,5,{}]");
    out(&c, "[50,10,{}]");
    /* malformed options */
    in(&c, "[48,11,{\"exclude\":\"x\"},\"com.s\"]");
    out(&c, "[8,48,11,{},\"wamp.error.invalid_argument\",[\"exclude/eligible options must be "
            "lists of session ids, authids or authroles\"]]");
    in(&c, "[48,12,{\"eligible_authid\":[1]},\"com.s\"]");
    out(&c, "[8,48,12,{},\"wamp.error.invalid_argument\",[\"exclude/eligible options must be "
            "lists of session ids, authids or authroles\"]]");
    in(&c, "[48,13,{},\"com.nothing\"]");
    out(&c, "[8,48,13,{},\"wamp.error.no_such_procedure\"]");
    in(&e1, "[8,68,4,{},\"com.err\"]");
    out(&c, "[8,48,6,{},\"com.err\"]");
    wamp_router_stats rs;
    wamp_router_get_stats(r, &rs);
    assert_int_equal(rs.calls, 5);
    assert_int_equal(rs.calls_results, 4);
    assert_int_equal(rs.calls_errors, 1);
    assert_int_equal(rs.calls_no_eligible_callee, 4);
    assert_int_equal(rs.calls_no_available_callee, 1);
    assert_int_equal(rs.calls_no_such_procedure, 1);
    assert_int_equal(rs.sessions_joined, 3);
    tsess *all[] = {&c, &e1, &e2};
    done(r, all, 3);
}

/* An EVENT that cannot be encoded for one serializer is dropped for those receivers only. */
static void test_event_unencodable(void **state)
{
    wamp_router *r = mk_router(NULL);
    tsess js, mp, pub;
    join(r, &js);
    mk_sess_ser(r, &mp, "msgpack");
    mk_sess_ser(r, &pub, "msgpack");
    /* [1,"realm1",{"roles":{"subscriber":{},"publisher":{}}}] */
    static const uint8_t hello[] = {0x93, 0x01, 0xa6, 'r', 'e', 'a', 'l',  'm',  '1',  0x81,
                                    0xa5, 'r',  'o',  'l', 'e', 's', 0x82, 0xaa, 's',  'u',
                                    'b',  's',  'c',  'r', 'i', 'b', 'e',  'r',  0x80, 0xa9,
                                    'p',  'u',  'b',  'l', 'i', 's', 'h',  'e',  'r',  0x80};
    wamp_buf b = {0};
    for (tsess *t = &mp; t; t = t == &mp ? &pub : NULL) {
        assert_int_equal(wamp_router_session_receive(t->s, hello, sizeof hello), WAMP_OK);
        assert_true(wamp_router_session_pop(t->s, &b));
    }
    in(&js, "[32,1,{},\"com.nan\"]");
    out(&js, "[33,1,1]");
    /* [32, 1, {}, "com.nan"] */
    static const uint8_t sub[] = {0x94, 0x20, 0x01, 0x80, 0xa7, 'c', 'o', 'm', '.', 'n', 'a', 'n'};
    assert_int_equal(wamp_router_session_receive(mp.s, sub, sizeof sub), WAMP_OK);
    assert_true(wamp_router_session_pop(mp.s, &b));
    /* [16, 1, {}, "com.nan", [NaN]]: JSON cannot carry NaN */
    static const uint8_t p[] = {0x95, 0x10, 0x01, 0x80, 0xa7, 'c',  'o', 'm', '.', 'n', 'a',
                                'n',  0x91, 0xcb, 0x7f, 0xf8, 0x00, 0,   0,   0,   0,   0};
    assert_int_equal(wamp_router_session_receive(pub.s, p, sizeof p), WAMP_OK);
    none(&js);
    assert_true(wamp_router_session_pop(mp.s, &b)); /* the msgpack subscriber has it */
    assert_int_equal(b.data[0], 0x95);
    assert_int_equal(b.data[1], 36);
    wamp_buf_free(&b);
    wamp_router_session_stats ss;
    wamp_router_session_get_stats(js.s, &ss);
    assert_int_equal(ss.events_unencodable, 1);
    wamp_router_session_get_stats(mp.s, &ss);
    assert_int_equal(ss.events_unencodable, 0);
    wamp_router_stats rs;
    wamp_router_get_stats(r, &rs);
    assert_int_equal(rs.events_unencodable, 1);
    assert_int_equal(rs.events_queued, 1);
    assert_int_equal(rs.publications, 1);
    assert_false(js.closed);
    tsess *all[] = {&js, &mp, &pub};
    done(r, all, 3);
}

/* ---------------------------------------------------------------- disclosure permission */

static int g_disclose_calls[8];
static char g_disclose_last[64];
static int disclose_open(void *user, const wamp_router_session_info *who, wamp_router_action action,
                         wamp_str uri)
{
    assert_true(action == WAMP_ACTION_DISCLOSE_CALLER || action == WAMP_ACTION_DISCLOSE_PUBLISHER);
    assert_non_null(who->authid);
    g_disclose_calls[action]++;
    snprintf(g_disclose_last, sizeof g_disclose_last, "%.*s", (int)uri.len, uri.ptr);
    if (uri.len >= 10 && memcmp(uri.ptr, "com.asked.", 10) == 0) return -1; /* no policy */
    return uri.len >= 9 && memcmp(uri.ptr, "com.open.", 9) == 0;
}

static void test_disclosure_permission(void **state)
{
    wamp_router_options o = {0};
    o.auth.disclose = disclose_open;
    memset(g_disclose_calls, 0, sizeof g_disclose_calls);
    wamp_router *r = mk_router(&o);
    tsess a, b;
    join(r, &a); /* session 1 */
    join(r, &b); /* session 3, DAAA-AAAA-AAAA */
    in(&a, "[32,1,{\"match\":\"prefix\"},\"com\"]");
    out(&a, "[33,1,1]");
    /* allowed: disclosed without being asked (Crossbar's disclose permission) */
    in(&b, "[16,1,{},\"com.open.t\",[1]]");
    out(&a, "[36,1,5,{\"publisher\":3,\"publisher_authid\":\"DAAA-AAAA-AAAA\","
            "\"publisher_authrole\":\"anonymous\",\"topic\":\"com.open.t\"},[1]]");
    assert_string_equal(g_disclose_last, "com.open.t");
    /* not allowed: hidden although asked */
    in(&b, "[16,2,{\"disclose_me\":true},\"com.closed.t\",[2]]");
    out(&a, "[36,1,6,{\"topic\":\"com.closed.t\"},[2]]");
    assert_int_equal(g_disclose_calls[WAMP_ACTION_DISCLOSE_PUBLISHER], 2);
    /* retained events keep the decision made at publication */
    in(&b, "[16,3,{\"retain\":true},\"com.open.r\",[3]]");
    out(&a, "[36,1,7,{\"publisher\":3,\"publisher_authid\":\"DAAA-AAAA-AAAA\","
            "\"publisher_authrole\":\"anonymous\",\"topic\":\"com.open.r\"},[3]]");
    in(&b, "[32,4,{\"get_retained\":true},\"com.open.r\"]");
    out(&b, "[33,4,2]");
    out(&b, "[36,2,7,{\"publisher\":3,\"publisher_authid\":\"DAAA-AAAA-AAAA\","
            "\"publisher_authrole\":\"anonymous\",\"retained\":true},[3]]");
    /* calls: the callee's disclose_caller does not override a refusal */
    in(&b, "[64,5,{\"disclose_caller\":true},\"com.closed.p\"]");
    out(&b, "[65,5,1]");
    in(&b, "[64,6,{},\"com.open.p\"]");
    out(&b, "[65,6,2]");
    in(&a, "[48,2,{\"disclose_me\":true},\"com.closed.p\"]");
    out(&b, "[68,1,1,{}]");
    assert_string_equal(g_disclose_last, "com.closed.p");
    in(&a, "[48,3,{},\"com.open.p\"]");
    out(&b, "[68,2,2,{\"caller\":1,\"caller_authid\":\"BAAA-AAAA-AAAA\",\"caller_authrole\":"
            "\"anonymous\"}]");
    assert_int_equal(g_disclose_calls[WAMP_ACTION_DISCLOSE_CALLER], 2);
    assert_int_equal(g_disclose_calls[WAMP_ACTION_CALL], 0); /* never asked for other actions */
    /* no policy for the uri (< 0): disclosed only when asked, as without a hook */
    in(&b, "[16,7,{},\"com.asked.t\",[4]]");
    out(&a, "[36,1,8,{\"topic\":\"com.asked.t\"},[4]]");
    in(&b, "[16,8,{\"disclose_me\":true},\"com.asked.t\",[5]]");
    out(&a, "[36,1,9,{\"publisher\":3,\"publisher_authid\":\"DAAA-AAAA-AAAA\","
            "\"publisher_authrole\":\"anonymous\",\"topic\":\"com.asked.t\"},[5]]");
    tsess *all[] = {&a, &b};
    done(r, all, 2);
}

/* ---------------------------------------------------------------- robustness */

/* A caller leaving mid-progressive-result; a callee leaving mid-progressive-result; a session
 * leaving with pending subscriptions and registrations. */
static void test_disconnect_cleanup(void **state)
{
    wamp_router *r = mk_router(NULL);
    tsess a, b, c, w;
    join(r, &a); /* session 1: caller */
    join(r, &b); /* session 3: callee */
    join(r, &c); /* session 5: second caller, also a subscriber */
    join(r, &w); /* session 7: watcher */
    in(&b, "[64,1,{},\"com.stream\"]");
    out(&b, "[65,1,1]");
    in(&a, "[48,1,{\"receive_progress\":true},\"com.stream\"]");
    out(&b, "[68,1,1,{\"receive_progress\":true}]");
    in(&b, "[70,1,{\"progress\":true},[1]]");
    out(&a, "[50,1,{\"progress\":true},[1]]");
    /* the caller goes away in the middle of the stream */
    wamp_router_session_free(a.s);
    a.s = NULL;
    out(&b, "[69,1,{\"mode\":\"killnowait\",\"reason\":\"wamp.error.canceled\"}]");
    in(&b, "[70,1,{\"progress\":true},[2]]"); /* late: discarded, nobody to send it to */
    in(&b, "[70,1,{},[3]]");
    none(&b);
    assert_false(b.closed);
    /* the callee goes away in the middle of another stream: the caller gets canceled */
    in(&c, "[48,1,{\"receive_progress\":true},\"com.stream\"]");
    out(&b, "[68,2,1,{\"receive_progress\":true}]");
    in(&b, "[70,2,{\"progress\":true},[\"x\"]]");
    out(&c, "[50,1,{\"progress\":true},[\"x\"]]");
    /* pending subscriptions of c: exact, prefix, wildcard, one shared with w */
    in(&c, "[32,2,{},\"com.t\"]");
    out(&c, "[33,2,1]");
    in(&c, "[32,3,{\"match\":\"prefix\"},\"com.p\"]");
    out(&c, "[33,3,2]");
    in(&c, "[32,4,{\"match\":\"wildcard\"},\"com..w\"]");
    out(&c, "[33,4,3]");
    in(&w, "[32,1,{},\"com.t\"]");
    out(&w, "[33,1,1]");
    wamp_router_session_free(b.s);
    b.s = NULL;
    out(&c, "[8,48,1,{},\"wamp.error.canceled\",[\"callee left the realm\"]]");
    in(&c, "[48,5,{},\"com.stream\"]");
    out(&c, "[8,48,5,{},\"wamp.error.no_such_procedure\"]");
    /* c leaves with its subscriptions pending */
    wamp_router_session_free(c.s);
    c.s = NULL;
    in(&w, "[48,2,{},\"wamp.subscription.list\"]");
    out(&w, "[50,2,{},[{\"exact\":[1],\"prefix\":[],\"wildcard\":[]}]]");
    in(&w, "[48,3,{},\"wamp.subscription.count_subscribers\",[1]]");
    out(&w, "[50,3,{},[1]]");
    in(&w, "[48,4,{},\"wamp.subscription.match\",[\"com.p.x\"]]");
    out(&w, "[50,4,{},[null]]");
    in(&w, "[48,5,{},\"wamp.registration.list\"]");
    out(&w, "[50,5,{},[{\"exact\":[],\"prefix\":[],\"wildcard\":[]}]]");
    in(&w, "[16,6,{\"exclude_me\":false},\"com.t\",[1]]");
    out(&w, "[36,1,9,{},[1]]");
    in(&w, "[48,7,{},\"wamp.session.count\"]");
    out(&w, "[50,7,{},[1]]");
    wamp_router_stats rs;
    wamp_router_get_stats(r, &rs);
    assert_int_equal(rs.calls, 2);
    assert_int_equal(rs.calls_callee_left, 1);
    tsess *all[] = {&w};
    done(r, all, 1);
}

/* A slow subscriber under a publish flood is dropped; every other subscriber gets every event,
 * in order. */
static void test_slow_subscriber_flood(void **state)
{
    enum { NSUB = 10, NPUB = 2000, QMAX = 64 };
    wamp_router_options o = {0};
    o.max_queue_messages = QMAX;
    wamp_router *r = mk_router(&o);
    tsess subs[NSUB], pub;
    int got[NSUB] = {0};
    for (int i = 0; i < NSUB; i++) {
        if (i % 2)
            join(r, &subs[i]);
        else {
            mk_sess_ser(r, &subs[i], "json.batched");
            assert_int_equal(in(&subs[i], HELLO_ALL "\x1e"), WAMP_OK);
            char *w = pop(&subs[i]);
            assert_non_null(w);
            assert_true(strncmp(w, "[2,", 3) == 0);
            free(w);
        }
        const char *m = (i % 2) ? "[32,1,{},\"com.flood\"]" : "[32,1,{},\"com.flood\"]\x1e";
        assert_int_equal(in(&subs[i], m), WAMP_OK);
        free(pop(&subs[i]));
    }
    join(r, &pub);
    const int slow = 3;
    for (int n = 0; n < NPUB; n++) {
        char m[64];
        snprintf(m, sizeof m, "[16,%d,{},\"com.flood\",[%d]]", n + 1, n);
        assert_int_equal(in(&pub, m), WAMP_OK);
        for (int i = 0; i < NSUB; i++) {
            if (i == slow) continue; /* never drained */
            char *e;
            while ((e = pop(&subs[i]))) {
                /* [36,1,<publication>,{},[<n>]] (plus a batch separator) */
                const char *p = strrchr(e, '[');
                assert_non_null(p);
                assert_int_equal(atoi(p + 1), got[i]);
                got[i]++;
                free(e);
            }
        }
    }
    for (int i = 0; i < NSUB; i++) {
        if (i == slow) continue;
        assert_int_equal(got[i], NPUB);
        assert_false(subs[i].closed);
    }
    assert_true(subs[slow].closed);
    assert_string_equal(subs[slow].reason, "queue overflow");
    wamp_router_session_stats ss;
    wamp_router_session_get_stats(subs[slow].s, &ss);
    assert_int_equal(ss.overflows, 1);
    assert_int_equal(ss.messages_out, 2 + QMAX); /* WELCOME, SUBSCRIBED, then QMAX events */
    wamp_router_stats rs;
    wamp_router_get_stats(r, &rs);
    assert_int_equal(rs.sessions_dropped_overflow, 1);
    assert_int_equal(rs.publications, NPUB);
    assert_int_equal(rs.events_queued, (uint64_t)(NSUB - 1) * NPUB + QMAX);
    assert_int_equal(rs.events_overflow, 1);
    tsess *all[NSUB + 1];
    for (int i = 0; i < NSUB; i++)
        all[i] = &subs[i];
    all[NSUB] = &pub;
    done(r, all, NSUB + 1);
}

/* A long prefix pattern is one radix edge: matching it is a few node visits, not one per byte,
 * and removing it leaves the index empty (no leak under ASan). */
static void test_index_long_prefix(void **state)
{
    enum { LEN = 60000 };
    wamp_router *r = mk_router(NULL);
    tsess a, b;
    join(r, &a);
    join(r, &b);
    char *uri = malloc(LEN + 1), *msg = malloc(LEN + 128);
    assert_non_null(uri);
    assert_non_null(msg);
    memset(uri, 'x', LEN);
    memcpy(uri, "com.", 4);
    uri[LEN] = 0;
    snprintf(msg, LEN + 128, "[32,1,{\"match\":\"prefix\"},\"%s\"]", uri);
    assert_int_equal(in(&a, msg), WAMP_OK);
    out(&a, "[33,1,1]");
    snprintf(msg, LEN + 128, "[32,2,{\"match\":\"prefix\"},\"%.*sy\"]", LEN / 2, uri); /* split */
    assert_int_equal(in(&a, msg), WAMP_OK);
    out(&a, "[33,2,2]");
    uint64_t v0 = wamp__router_index_visits(r);
    snprintf(msg, LEN + 128, "[16,3,{},\"%s.z\"]", uri);
    assert_int_equal(in(&b, msg), WAMP_OK);
    char *ev = pop(&a);
    assert_non_null(ev);
    assert_true(strncmp(ev, "[36,1,", 6) == 0);
    free(ev);
    none(&a);
    assert_true(wamp__router_index_visits(r) - v0 <= 4);
    in(&a, "[34,4,1]");
    out(&a, "[35,4]");
    in(&a, "[34,5,2]");
    out(&a, "[35,5]");
    in(&a, "[48,6,{},\"wamp.subscription.list\"]");
    out(&a, "[50,6,{},[{\"exact\":[],\"prefix\":[],\"wildcard\":[]}]]");
    free(uri);
    free(msg);
    tsess *all[] = {&a, &b};
    done(r, all, 2);
}

/* ---------------------------------------------------------------- asynchronous authorization */

static int g_az_calls;
static int az_async(void *user, wamp_router_session *s, const wamp_router_session_info *who,
                    wamp_router_action action, wamp_str uri, const wamp_value *options)
{
    g_az_calls++;
    if (uri.len >= 8 && memcmp(uri.ptr, "com.dyn.", 8) == 0) return WAMP_ROUTER_AUTH_PENDING;
    if (uri.len >= 9 && memcmp(uri.ptr, "com.deny.", 9) == 0) return 0;
    return 1;
}

static void test_authorize_async(void **state)
{
    wamp_router_options o = {0};
    o.auth.authorize_async = az_async;
    g_az_calls = 0;
    wamp_router *r = mk_router(&o);
    tsess a, b;
    join(r, &a);
    join(r, &b);
    in(&b, "[64,1,{},\"com.dyn.p\"]"); /* pending: held */
    none(&b);
    in(&b, "[64,2,{},\"com.ok.p\"]"); /* held behind it, not yet asked */
    in(&b, "[16,3,{\"acknowledge\":true},\"com.deny.t\"]");
    none(&b);
    assert_int_equal(g_az_calls, 1);
    assert_int_equal(wamp_router_session_authorize_complete(a.s, true), WAMP_ESTATE);
    assert_int_equal(wamp_router_session_authorize_complete(b.s, true), WAMP_OK);
    out(&b, "[65,1,1]");
    out(&b, "[65,2,2]");
    out(&b, "[8,16,3,{},\"wamp.error.not_authorized\"]");
    none(&b);
    assert_int_equal(g_az_calls, 3);
    /* denied later: not_authorized; the callee's YIELD is not held behind a pending CALL */
    in(&a, "[48,1,{},\"com.ok.p\"]");
    out(&b, "[68,1,2,{}]");
    in(&a, "[48,2,{},\"com.dyn.p\"]");
    none(&b);
    in(&b, "[70,1,{},[1]]");
    out(&a, "[50,1,{},[1]]");
    assert_int_equal(wamp_router_session_authorize_complete(a.s, false), WAMP_OK);
    out(&a, "[8,48,2,{},\"wamp.error.not_authorized\"]");
    none(&b);
    /* the session goes away with held messages: freed */
    in(&a, "[48,3,{},\"com.dyn.p\"]");
    in(&a, "[48,4,{},\"com.ok.p\"]");
    tsess *all[] = {&a, &b};
    done(r, all, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_welcome),
        cmocka_unit_test(test_session_ids_unique),
        cmocka_unit_test(test_no_such_realm),
        cmocka_unit_test(test_protocol_violations),
        cmocka_unit_test(test_shutdown),
        cmocka_unit_test(test_pubsub_basic),
        cmocka_unit_test(test_pubsub_patterns),
        cmocka_unit_test(test_retained),
        cmocka_unit_test(test_payload_passthru),
        cmocka_unit_test(test_event_serializers),
        cmocka_unit_test(test_event_flatbuffers_mixed),
        cmocka_unit_test(test_flatbuffers_callee),
        cmocka_unit_test(test_queue_overflow),
        cmocka_unit_test(test_conformance_publisher_exclusion_disabled),
        cmocka_unit_test(test_rpc_basic),
        cmocka_unit_test(test_rpc_pattern_choice),
        cmocka_unit_test(test_rpc_shared),
        cmocka_unit_test(test_rpc_progressive_timeout),
        cmocka_unit_test(test_rpc_cancel),
        cmocka_unit_test(test_authorization),
        cmocka_unit_test(test_auth_hooks),
        cmocka_unit_test(test_meta),
        cmocka_unit_test(test_testament),
        cmocka_unit_test(test_testament_options),
        cmocka_unit_test(test_index_differential),
        cmocka_unit_test(test_index_unrelated_work),
        cmocka_unit_test(test_index_long_prefix),
        cmocka_unit_test(test_event_history),
        cmocka_unit_test(test_meta_kill_by),
        cmocka_unit_test(test_meta_lists_and_events),
        cmocka_unit_test(test_progressive_invocations),
        cmocka_unit_test(test_call_eligibility),
        cmocka_unit_test(test_event_unencodable),
        cmocka_unit_test(test_disclosure_permission),
        cmocka_unit_test(test_disconnect_cleanup),
        cmocka_unit_test(test_slow_subscriber_flood),
        cmocka_unit_test(test_internal_call),
        cmocka_unit_test(test_auth_pending),
        cmocka_unit_test(test_authorize_async),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
