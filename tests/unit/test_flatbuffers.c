/* FlatBuffers serializer (src/message/flatbuffers.c): round trips of every message type, the
 * wamp-proto test suite's FlatBuffers samples, and hostile buffers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

/* marshal m into a list value in arena a */
static wamp_value marshal(wamp_arena *a, const wamp_message *m)
{
    wamp_value v;
    assert_int_equal(wamp_message_marshal(m, a, &v), WAMP_OK);
    return v;
}

static void assert_same(wamp_arena *a, const wamp_message *x, const wamp_message *y)
{
    wamp_value vx = marshal(a, x), vy = marshal(a, y);
    if (!wamp_value_equal(&vx, &vy)) {
        wamp_buf bx = {0}, by = {0};
        wamp_value_dump(&bx, &vx);
        wamp_value_dump(&by, &vy);
        wamp_buf_append_byte(&bx, 0);
        wamp_buf_append_byte(&by, 0);
        fail_msg("differ:\n  %s\n  %s", (char *)bx.data, (char *)by.data);
    }
}

/* encode -> decode -> same marshalled list; returns the encoding length */
static size_t roundtrip(wamp_arena *a, const wamp_message *m, wamp_fbs_schema s)
{
    wamp_buf b = {0};
    wamp_message back;
    wamp_msg_error err;
    assert_int_equal(wamp_message_encode_flatbuffers(m, s, &b), WAMP_OK);
    int rc = wamp_message_decode_flatbuffers(b.data, b.len, s, a, &back, &err);
    if (rc) fail_msg("%s: decode %s: %s", wamp_msg_type_name(m->type), wamp_err_name(rc), err.text);
    assert_same(a, m, &back);
    size_t n = b.len;
    /* every truncation is refused or decodes to the same message, never crashes */
    for (size_t cut = 0; cut < b.len; cut++) {
        uint8_t *t = malloc(cut ? cut : 1);
        memcpy(t, b.data, cut);
        wamp_message x;
        if (wamp_message_decode_flatbuffers(t, cut, s, a, &x, NULL) == WAMP_OK)
            assert_same(a, m, &x);
        free(t);
    }
    /* every single-byte corruption: no crash, and clean result codes */
    for (size_t i = 0; i < b.len; i++) {
        uint8_t *t = malloc(b.len);
        memcpy(t, b.data, b.len);
        t[i] ^= 0xff;
        wamp_message x;
        int r = wamp_message_decode_flatbuffers(t, b.len, s, a, &x, NULL);
        assert_true(r <= 0);
        free(t);
    }
    wamp_buf_free(&b);
    return n;
}

static wamp_value strlist(wamp_arena *a, const char *x, const char *y)
{
    wamp_value l = wamp_value_list();
    wamp_value_list_push(a, &l, wamp_value_cstring(a, x));
    wamp_value_list_push(a, &l, wamp_value_cstring(a, y));
    return l;
}

static wamp_value intlist(wamp_arena *a, int64_t x, int64_t y)
{
    wamp_value l = wamp_value_list();
    wamp_value_list_push(a, &l, wamp_value_int(x));
    wamp_value_list_push(a, &l, wamp_value_int(y));
    return l;
}

static void payload(wamp_arena *a, wamp_message *m)
{
    m->args = wamp_value_list();
    wamp_value_list_push(a, &m->args, wamp_value_int(-7));
    wamp_value_list_push(a, &m->args, wamp_value_cstring(a, "héllo"));
    wamp_value_list_push(a, &m->args, wamp_value_bytes(a, "\x00\x01", 2));
    wamp_value_list_push(a, &m->args, wamp_value_double(0.5));
    m->kwargs = wamp_value_dict();
    wamp_value_dict_setc(a, &m->kwargs, "k", wamp_value_bool(true));
    wamp_value_dict_setc(a, &m->kwargs, "n", wamp_value_null());
}

static wamp_value fwd(wamp_arena *a)
{
    wamp_value l = wamp_value_list();
    wamp_value d = wamp_value_dict();
    wamp_value_dict_setc(a, &d, "session", wamp_value_int(123456789012));
    wamp_value_dict_setc(a, &d, "authid", wamp_value_cstring(a, "alice"));
    wamp_value_dict_setc(a, &d, "authrole", wamp_value_cstring(a, "user"));
    wamp_value_list_push(a, &l, d);
    d = wamp_value_dict();
    wamp_value_dict_setc(a, &d, "session", wamp_value_int(7));
    wamp_value_dict_setc(a, &d, "authid", wamp_value_null());
    wamp_value_dict_setc(a, &d, "authrole", wamp_value_cstring(a, "router"));
    wamp_value_list_push(a, &l, d);
    return l;
}

/* Fills m (room for 40) with rich messages of every type; returns how many. */
static size_t all_messages(wamp_arena *a, wamp_message *m)
{
    wamp_roles cr = {0}, rr = {0};
    wamp_roles_client_default(&cr);
    wamp_roles_set_feature(&rr, WAMP_ROLE_BROKER, WAMP_FEATURE_PUBLISHER_IDENTIFICATION, true);
    wamp_roles_set_feature(&rr, WAMP_ROLE_BROKER, WAMP_FEATURE_EVENT_RETENTION, false);
    wamp_roles_add(&rr, WAMP_ROLE_DEALER);
    wamp_roles_set_feature(&rr, WAMP_ROLE_DEALER, WAMP_FEATURE_CALL_CANCELING, true);

    size_t n = 0;
    m[n] = wamp_message_hello("com.example.realm", &cr);
    m[n].hello.authmethods = strlist(a, "wampcra", "cryptosign");
    m[n].hello.authid = wamp_str_c("joe");
    m[n].hello.authrole = wamp_str_c("admin");
    m[n].hello.resumable = WAMP_OPT_TRUE;
    n++;
    m[n++] = wamp_message_hello(NULL, &cr);
    m[n] = wamp_message_welcome(9129137332, &rr);
    m[n].welcome.realm = wamp_str_c("realm1");
    m[n].welcome.authid = wamp_str_c("joe");
    m[n].welcome.authrole = wamp_str_c("admin");
    m[n].welcome.authmethod = wamp_str_c("ticket");
    m[n].welcome.authprovider = wamp_str_c("static");
    m[n].welcome.resumed = WAMP_OPT_TRUE;
    n++;
    m[n++] = wamp_message_abort(WAMP_ERROR_NO_SUCH_REALM, "no such realm");
    m[n++] = wamp_message_challenge("cryptosign");
    m[n++] = wamp_message_authenticate("c2lnbmF0dXJl");
    m[n] = wamp_message_goodbye(WAMP_CLOSE_NORMAL, "bye");
    m[n++].goodbye.resumable = WAMP_OPT_TRUE;
    m[n] = wamp_message_error(WAMP_MSG_CALL, 7814135, "com.myapp.error");
    payload(a, &m[n]);
    m[n++].forward_for = fwd(a);
    m[n] = wamp_message_publish(239714735, "com.myapp.topic1");
    payload(a, &m[n]);
    m[n].publish.acknowledge = WAMP_OPT_TRUE;
    m[n].publish.exclude_me = WAMP_OPT_FALSE;
    m[n].publish.exclude = intlist(a, 1, 9007199254740992);
    m[n].publish.exclude_authid = strlist(a, "a", "b");
    m[n].publish.exclude_authrole = strlist(a, "r", "");
    m[n].publish.eligible = intlist(a, 3, 4);
    m[n].publish.eligible_authid = strlist(a, "c", "d");
    m[n].publish.eligible_authrole = strlist(a, "x", "y");
    m[n].publish.retain = WAMP_OPT_TRUE;
    m[n].publish.transaction_hash = wamp_str_c("th");
    m[n++].forward_for = fwd(a);
    m[n] = wamp_message_publish(5, "com.myapp.enc");
    m[n].payload = (wamp_str){"\x82\xa5\x00\xff", 4};
    m[n].enc_algo = wamp_str_c("cryptobox");
    m[n].enc_serializer = wamp_str_c("msgpack");
    m[n++].enc_key = wamp_str_c("abcdef");
    m[n++] = wamp_message_published(239714735, 4429313566);
    m[n] = wamp_message_subscribe(713845233, "com..topic", WAMP_MATCH_WILDCARD);
    m[n++].subscribe.get_retained = WAMP_OPT_TRUE;
    m[n++] = wamp_message_subscribed(713845233, 5512315355);
    m[n++] = wamp_message_unsubscribe(85346237, 5512315355);
    m[n++] = wamp_message_unsubscribed(85346237);
    m[n] = wamp_message_unsubscribed(0);
    m[n].unsubscribed.subscription = WAMP_OPT_INT(5512315355);
    m[n++].unsubscribed.reason = wamp_str_c("wamp.close.killed");
    m[n] = wamp_message_event(9823526, 112233445566);
    payload(a, &m[n]);
    m[n].event.publisher = WAMP_OPT_INT(42);
    m[n].event.publisher_authid = wamp_str_c("pa");
    m[n].event.publisher_authrole = wamp_str_c("pr");
    m[n].event.topic = wamp_str_c("com.myapp.topic1");
    m[n].event.retained = WAMP_OPT_FALSE;
    m[n].event.transaction_hash = wamp_str_c("th");
    m[n].event.x_acknowledged_delivery = WAMP_OPT_TRUE;
    m[n++].forward_for = fwd(a);
    m[n++] = wamp_message_event_received(5512315355);
    m[n] = wamp_message_call(7814135, "com.myapp.proc");
    payload(a, &m[n]);
    m[n].call.timeout = WAMP_OPT_INT(1000);
    m[n].call.receive_progress = WAMP_OPT_TRUE;
    m[n].call.transaction_hash = wamp_str_c("t");
    m[n].call.caller = WAMP_OPT_INT(99);
    m[n].call.caller_authid = wamp_str_c("ca");
    m[n].call.caller_authrole = wamp_str_c("cr");
    m[n++].forward_for = fwd(a);
    m[n++] = wamp_message_cancel(7814135, WAMP_CANCEL_KILLNOWAIT);
    m[n++] = wamp_message_cancel(7814135, WAMP_CANCEL_SKIP);
    m[n] = wamp_message_result(7814135);
    payload(a, &m[n]);
    m[n].result.progress = WAMP_OPT_TRUE;
    m[n].result.callee = WAMP_OPT_INT(5);
    m[n].result.callee_authid = wamp_str_c("x");
    m[n++].result.callee_authrole = wamp_str_c("y");
    m[n] = wamp_message_register(25349185, "com.myapp.", WAMP_MATCH_PREFIX);
    m[n].register_.invoke = WAMP_INVOKE_ROUNDROBIN;
    m[n].register_.concurrency = WAMP_OPT_INT(3);
    m[n++].register_.force_reregister = WAMP_OPT_TRUE;
    m[n++] = wamp_message_registered(25349185, 2103333224);
    m[n++] = wamp_message_unregister(788923562, 2103333224);
    m[n] = wamp_message_unregistered(0);
    m[n++].unregistered.registration = WAMP_OPT_INT(2103333224);
    m[n] = wamp_message_invocation(6131533, 9823526);
    payload(a, &m[n]);
    m[n].invocation.procedure = wamp_str_c("com.myapp.proc");
    m[n].invocation.timeout = WAMP_OPT_INT(10);
    m[n].invocation.receive_progress = WAMP_OPT_TRUE;
    m[n].invocation.caller = WAMP_OPT_INT(1);
    m[n].invocation.caller_authid = wamp_str_c("i");
    m[n].invocation.caller_authrole = wamp_str_c("r");
    m[n].invocation.transaction_hash = wamp_str_c("h");
    m[n++].forward_for = fwd(a);
    m[n] = wamp_message_interrupt(6131533, WAMP_CANCEL_KILLNOWAIT);
    m[n++].interrupt.reason = wamp_str_c(WAMP_ERROR_CANCELED);
    m[n] = wamp_message_yield(6131533);
    payload(a, &m[n]);
    m[n].yield.progress = WAMP_OPT_TRUE;
    m[n].yield.callee = WAMP_OPT_INT(8);
    m[n++].forward_for = fwd(a);
    return n;
}

static void test_roundtrip_all_types(void **state)
{
    (void)state;
    wamp_arena *a = wamp_arena_new(0);
    wamp_message m[40];
    size_t n = all_messages(a, m);

    bool seen[400] = {false};
    for (size_t i = 0; i < n; i++) {
        roundtrip(a, &m[i], WAMP_FBS_SCHEMA_CURRENT);
        seen[m[i].type] = true;
        if (m[i].type == WAMP_MSG_PUBLISH || m[i].type == WAMP_MSG_EVENT) {
            wamp_message c = m[i];
            c.forward_for = wamp_value_null(); /* not in the 22.7.1 tables */
            roundtrip(a, &c, WAMP_FBS_SCHEMA_AB22);
        } else {
            wamp_buf b = {0};
            assert_int_equal(wamp_message_encode_flatbuffers(&m[i], WAMP_FBS_SCHEMA_AB22, &b),
                             WAMP_EUNSUPPORTED);
            assert_int_equal(b.len, 0);
        }
    }
    static const int all[] = {1,  2,   3,  4,  5,  6,  8,  16, 17, 32, 33, 34, 35,
                              36, 337, 48, 49, 50, 64, 65, 66, 67, 68, 69, 70};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        assert_true(seen[all[i]]);

    /* the generic message API dispatches to this codec */
    wamp_buf b = {0};
    wamp_message back;
    assert_int_equal(wamp_message_encode(WAMP_SER_FLATBUFFERS, &m[8], a, &b), WAMP_OK);
    assert_int_equal(wamp_message_decode(WAMP_SER_FLATBUFFERS, b.data, b.len, a, NULL, &back, NULL),
                     WAMP_OK);
    assert_same(a, &m[8], &back);
    wamp_buf_free(&b);
    wamp_arena_free(a);
}

/* The serializer object (wamp_serializer_new("flatbuffers")): list values in, FlatBuffers
 * payloads out and back, Autobahn's statistics, no batching. */
static void test_serializer_object(void **state)
{
    (void)state;
    wamp_arena *a = wamp_arena_new(0);
    const wamp_serializer_info *info = wamp_serializer_by_name("flatbuffers");
    assert_non_null(info);
    assert_int_equal(info->id, WAMP_SER_FLATBUFFERS);
    assert_true(info->binary);
    assert_false(info->batched);
    assert_string_equal(info->subprotocol, "wamp.2.flatbuffers");
    assert_ptr_equal(wamp_serializer_by_subprotocol("wamp.2.flatbuffers"), info);
    assert_ptr_equal(wamp_serializer_by_id(WAMP_SER_FLATBUFFERS, false), info);

    /* batching refused, as Autobahn's FlatBuffersSerializer(batched=True) raises */
    assert_null(wamp_serializer_by_name("flatbuffers.batched"));
    assert_null(wamp_serializer_by_subprotocol("wamp.2.flatbuffers.batched"));
    assert_null(wamp_serializer_by_id(WAMP_SER_FLATBUFFERS, true));
    wamp_serializer_info fake = *info;
    fake.batched = true;
    fake.subprotocol = "wamp.2.flatbuffers.batched";
    wamp_serializer *s = (wamp_serializer *)1;
    assert_int_equal(wamp_serializer_new(&fake, &s), WAMP_EUNSUPPORTED);
    assert_null(s);

    assert_int_equal(wamp_serializer_new(info, &s), WAMP_OK);
    assert_ptr_equal(wamp_serializer_info_of(s), info);
    wamp_message m[40];
    size_t n = all_messages(a, m);
    uint64_t bytes = 0, rated = 0;
    for (size_t i = 0; i < n; i++) {
        wamp_value list = marshal(a, &m[i]);
        wamp_buf out = {0}, direct = {0};
        assert_int_equal(wamp_serializer_serialize(s, &list, &out), WAMP_OK);
        /* exactly the message codec's bytes */
        assert_int_equal(wamp_message_encode_flatbuffers(&m[i], WAMP_FBS_SCHEMA_CURRENT, &direct),
                         WAMP_OK);
        assert_int_equal(out.len, direct.len);
        assert_memory_equal(out.data, direct.data, out.len);
        wamp_value *msgs = NULL;
        size_t count = 0;
        assert_int_equal(wamp_serializer_unserialize(s, out.data, out.len, a, NULL, &msgs, &count),
                         WAMP_OK);
        assert_int_equal(count, 1);
        /* the unserialized list is a valid message equal to the original */
        wamp_message back;
        wamp_msg_error err;
        int rc = wamp_message_parse(&msgs[0], a, &back, &err);
        if (rc) fail_msg("%s: %s", wamp_msg_type_name(m[i].type), err.text);
        assert_same(a, &m[i], &back);
        /* copy_strings: the result does not borrow the payload */
        wamp_decode_opts co = {.copy_strings = true};
        assert_int_equal(wamp_serializer_unserialize(s, out.data, out.len, a, &co, &msgs, &count),
                         WAMP_OK);
        memset(out.data, 0, out.len);
        assert_int_equal(wamp_message_parse(&msgs[0], a, &back, NULL), WAMP_OK);
        assert_same(a, &m[i], &back);
        /* one serialize and two unserializes of direct.len bytes each */
        bytes += 3 * direct.len;
        rated += 3 * ((direct.len + WAMP_RATED_MESSAGE_SIZE - 1) / WAMP_RATED_MESSAGE_SIZE);
        wamp_buf_free(&out);
        wamp_buf_free(&direct);
    }
    wamp_serializer_stats st;
    wamp_serializer_stats_get(s, false, true, &st);
    assert_string_equal(st.serializer, "flatbuffers");
    assert_int_equal(st.serialized.messages, n);
    assert_int_equal(st.unserialized.messages, 2 * n);
    assert_int_equal(st.messages, 3 * n);
    assert_int_equal(st.bytes, bytes);
    assert_int_equal(st.rated_messages, rated);
    assert_int_equal(st.serialized.bytes * 2, st.unserialized.bytes);

    /* errors: not a WAMP message, a broken payload, too big; nothing counted */
    wamp_value bad = wamp_value_list();
    wamp_value_list_push(a, &bad, wamp_value_int(999));
    wamp_buf out = {0};
    assert_int_equal(wamp_serializer_serialize(s, &bad, &out), WAMP_EMSGTYPE);
    assert_int_equal(out.len, 0);
    wamp_value *msgs;
    size_t count;
    static const uint8_t junk[] = {1, 2, 3, 4, 5, 6, 7, 8};
    assert_true(wamp_serializer_unserialize(s, junk, sizeof junk, a, NULL, &msgs, &count) < 0);
    assert_null(msgs);
    wamp_value list = marshal(a, &m[0]);
    assert_int_equal(wamp_serializer_serialize(s, &list, &out), WAMP_OK);
    wamp_decode_opts small = {.max_size = out.len - 1};
    assert_int_equal(wamp_serializer_unserialize(s, out.data, out.len, a, &small, &msgs, &count),
                     WAMP_ETOOBIG);
    wamp_serializer_stats st2;
    wamp_serializer_stats_get(s, true, true, &st2);
    assert_int_equal(st2.unserialized.messages, st.unserialized.messages);
    assert_int_equal(st2.serialized.messages, st.serialized.messages + 1);
    wamp_serializer_stats_get(s, false, false, &st2);
    assert_int_equal(st2.messages, 0);
    wamp_buf_free(&out);
    wamp_serializer_free(s);
    wamp_arena_free(a);
}

/* ---------------------------------------------------------------- a router speaking it */

static uint64_t g_rand;
static uint64_t next_rand(void *user)
{
    (void)user;
    return ++g_rand;
}
static void r_output(wamp_router_session *s, void *user)
{
    (void)s;
    (void)user;
}
static void r_close(wamp_router_session *s, const char *reason, void *user)
{
    (void)s;
    (void)reason;
    *(bool *)user = true;
}

/* Sends m to the router as FlatBuffers (through a serializer object, as a runtime would). */
static void fb_send(wamp_router_session *rs, wamp_serializer *ser, wamp_arena *a,
                    const wamp_message *m)
{
    wamp_buf b = {0};
    wamp_value list = marshal(a, m);
    assert_int_equal(wamp_serializer_serialize(ser, &list, &b), WAMP_OK);
    assert_int_equal(wamp_router_session_receive(rs, b.data, b.len), WAMP_OK);
    wamp_buf_free(&b);
}

/* Pops the router's next payload to a FlatBuffers session and decodes it. */
static wamp_message fb_recv(wamp_router_session *rs, wamp_serializer *ser, wamp_arena *a)
{
    wamp_buf b = {0};
    assert_true(wamp_router_session_pop(rs, &b));
    wamp_value *msgs;
    size_t n;
    assert_int_equal(wamp_serializer_unserialize(ser, b.data, b.len, a,
                                                 &(wamp_decode_opts){.copy_strings = true}, &msgs,
                                                 &n),
                     WAMP_OK);
    wamp_message m;
    wamp_msg_error err;
    int rc = wamp_message_parse(&msgs[0], a, &m, &err);
    if (rc) fail_msg("router sent an invalid message: %s", err.text);
    wamp_buf_free(&b);
    return m;
}

/* wamp_router attaches a FlatBuffers session like any other: HELLO/WELCOME, SUBSCRIBE,
 * REGISTER, and a call from a JSON caller (INVOCATION args/kwargs, YIELD back as RESULT).
 * (EVENT delivery to FlatBuffers subscribers is not covered: the router encodes EVENTs with
 * wamp_value_encode(), which has no FlatBuffers codec; see docs/serializers.md.) */
static void test_router_session(void **state)
{
    (void)state;
    wamp_arena *a = wamp_arena_new(0);
    wamp_router_options o = {.random = next_rand};
    wamp_router *r;
    assert_int_equal(wamp_router_new(&o, &r), WAMP_OK);
    assert_int_equal(wamp_router_add_realm(r, "realm1"), WAMP_OK);
    const wamp_serializer_info *fbi = wamp_serializer_by_name("flatbuffers");
    bool fb_closed = false, js_closed = false;
    wamp_router_session *fs, *js;
    wamp_router_session_cbs cbs = {r_output, r_close};
    assert_int_equal(wamp_router_session_new(r, fbi, &cbs, &fb_closed, "fbs", &fs), WAMP_OK);
    assert_int_equal(
        wamp_router_session_new(r, wamp_serializer_by_name("json"), &cbs, &js_closed, "json", &js),
        WAMP_OK);
    wamp_serializer *ser;
    assert_int_equal(wamp_serializer_new(fbi, &ser), WAMP_OK);

    wamp_roles roles = {0};
    wamp_roles_client_default(&roles);
    wamp_message hello = wamp_message_hello("realm1", &roles);
    fb_send(fs, ser, a, &hello);
    wamp_message w = fb_recv(fs, ser, a);
    assert_int_equal(w.type, WAMP_MSG_WELCOME);
    assert_true(w.welcome.session > 0);
    assert_true(wamp_str_eqc(w.welcome.realm, "realm1"));
    assert_true(wamp_roles_has(&w.welcome.roles, WAMP_ROLE_BROKER));

    wamp_message sub = wamp_message_subscribe(1, "com.example.topic", WAMP_MATCH_EXACT);
    fb_send(fs, ser, a, &sub);
    wamp_message subd = fb_recv(fs, ser, a);
    assert_int_equal(subd.type, WAMP_MSG_SUBSCRIBED);
    assert_int_equal(subd.subscribed.request, 1);

    wamp_message reg = wamp_message_register(2, "com.example.proc", WAMP_MATCH_EXACT);
    fb_send(fs, ser, a, &reg);
    wamp_message regd = fb_recv(fs, ser, a);
    assert_int_equal(regd.type, WAMP_MSG_REGISTERED);
    assert_int_equal(regd.registered.request, 2);

    /* a JSON caller calls the FlatBuffers callee: args/kwargs cross serializers both ways */
    static const char jhello[] = "[1,\"realm1\",{\"roles\":{\"caller\":{}}}]";
    assert_int_equal(wamp_router_session_receive(js, (const uint8_t *)jhello, strlen(jhello)),
                     WAMP_OK);
    wamp_buf b = {0};
    assert_true(wamp_router_session_pop(js, &b)); /* WELCOME */
    static const char jcall[] =
        "[48,7,{},\"com.example.proc\",[1,\"two\",3.5,\"\\u0000AQI=\"],{\"k\":[true,null]}]";
    assert_int_equal(wamp_router_session_receive(js, (const uint8_t *)jcall, strlen(jcall)),
                     WAMP_OK);
    wamp_message inv = fb_recv(fs, ser, a);
    assert_int_equal(inv.type, WAMP_MSG_INVOCATION);
    assert_int_equal(inv.invocation.registration, regd.registered.registration);
    wamp_value want;
    static const char wargs[] = "[[1,\"two\",3.5,\"\\u0000AQI=\"],{\"k\":[true,null]}]";
    assert_int_equal(
        wamp_value_decode(WAMP_SER_JSON, (const uint8_t *)wargs, strlen(wargs), a, NULL, &want),
        WAMP_OK);
    assert_true(wamp_value_equal(&inv.args, &want.as.items[0]));
    assert_true(wamp_value_equal(&inv.kwargs, &want.as.items[1]));
    wamp_message y = wamp_message_yield(inv.invocation.request);
    y.args = wamp_value_list();
    wamp_value_list_push(a, &y.args, wamp_value_bytes(a, "\x01\x02", 2));
    fb_send(fs, ser, a, &y);
    assert_true(wamp_router_session_pop(js, &b));
    wamp_buf_append_byte(&b, 0);
    assert_string_equal((char *)b.data, "[50,7,{},[\"\\u0000AQI=\"]]");
    assert_false(wamp_router_session_pop(fs, &b));

    wamp_serializer_stats st;
    wamp_serializer_stats_get(ser, false, true, &st);
    assert_int_equal(st.serialized.messages, 4);   /* HELLO, SUBSCRIBE, REGISTER, YIELD */
    assert_int_equal(st.unserialized.messages, 4); /* WELCOME, SUBSCRIBED, REGISTERED, INVOCATION */
    assert_false(fb_closed);
    assert_false(js_closed);
    wamp_buf_free(&b);
    wamp_serializer_free(ser);
    wamp_router_session_free(fs);
    wamp_router_session_free(js);
    assert_int_equal(wamp_router_free(r), WAMP_OK);
    wamp_arena_free(a);
}

static void test_encode_errors(void **state)
{
    (void)state;
    wamp_arena *a = wamp_arena_new(0);
    wamp_buf b = {0};
    wamp_buf_append(&b, "xy", 2);
    wamp_message m = wamp_message_publish(1, "t");
    m.payload = wamp_str_c("p");
    m.enc_algo = wamp_str_c("x_custom"); /* no enum value in the schema */
    assert_int_equal(wamp_message_encode_flatbuffers(&m, WAMP_FBS_SCHEMA_CURRENT, &b), WAMP_EINVAL);
    assert_int_equal(b.len, 2);
    m = wamp_message_call(1, "p");
    m.call.timeout = WAMP_OPT_INT(1ll << 33); /* uint32 field */
    assert_int_equal(wamp_message_encode_flatbuffers(&m, WAMP_FBS_SCHEMA_CURRENT, &b), WAMP_EINVAL);
    m = wamp_message_publish(1, "t");
    m.publish.exclude = strlist(a, "a", "b"); /* [uint64] */
    assert_int_equal(wamp_message_encode_flatbuffers(&m, WAMP_FBS_SCHEMA_CURRENT, &b), WAMP_EINVAL);
    assert_int_equal(b.len, 2);
    /* a progressive call invocation chunk: no slot for `progress`, refused (not dropped) */
    m = wamp_message_call(1, "p");
    m.call.progress = WAMP_OPT_TRUE;
    assert_int_equal(wamp_message_encode_flatbuffers(&m, WAMP_FBS_SCHEMA_CURRENT, &b),
                     WAMP_EUNSUPPORTED);
    m = wamp_message_invocation(1, 2);
    m.invocation.progress = WAMP_OPT_TRUE;
    assert_int_equal(wamp_message_encode(WAMP_SER_FLATBUFFERS, &m, a, &b), WAMP_EUNSUPPORTED);
    assert_int_equal(b.len, 2);
    m.invocation.progress = WAMP_OPT_FALSE; /* the final chunk / an ordinary one encodes */
    wamp_buf ok = {0};
    assert_int_equal(wamp_message_encode_flatbuffers(&m, WAMP_FBS_SCHEMA_CURRENT, &ok), WAMP_OK);
    wamp_buf_free(&ok);
    /* appending after existing bytes keeps the message decodable at its own offset */
    m = wamp_message_publish(1, "com.t");
    assert_int_equal(wamp_message_encode_flatbuffers(&m, WAMP_FBS_SCHEMA_CURRENT, &b), WAMP_OK);
    wamp_message back;
    assert_int_equal(wamp_message_decode_flatbuffers(b.data + 2, b.len - 2, WAMP_FBS_SCHEMA_CURRENT,
                                                     a, &back, NULL),
                     WAMP_OK);
    assert_same(a, &m, &back);
    wamp_buf_free(&b);
    wamp_arena_free(a);
}

/* The schema's Map (HELLO/WELCOME authextra, CHALLENGE/AUTHENTICATE extra) holds one string
 * pair: such a dict round-trips (null entries aside), any other dict is dropped. */
static void test_map_extra(void **state)
{
    (void)state;
    wamp_arena *a = wamp_arena_new(0);
    wamp_buf b = {0};
    wamp_message back;
    wamp_message c = wamp_message_challenge("wampcra");
    c.challenge.extra = wamp_value_dict();
    assert_int_equal(wamp_value_dict_setc(a, &c.challenge.extra, "challenge",
                                          wamp_value_cstring(a, "{\"nonce\":\"x\"}")),
                     WAMP_OK);
    assert_int_equal(wamp_message_encode_flatbuffers(&c, WAMP_FBS_SCHEMA_CURRENT, &b), WAMP_OK);
    assert_int_equal(
        wamp_message_decode_flatbuffers(b.data, b.len, WAMP_FBS_SCHEMA_CURRENT, a, &back, NULL),
        WAMP_OK);
    assert_true(wamp_value_equal(&back.challenge.extra, &c.challenge.extra));
    /* a null entry is not carried; the one string pair is */
    wamp_value want = c.challenge.extra;
    assert_int_equal(
        wamp_value_dict_setc(a, &c.challenge.extra, "channel_binding", wamp_value_null()), WAMP_OK);
    wamp_buf_clear(&b);
    assert_int_equal(wamp_message_encode_flatbuffers(&c, WAMP_FBS_SCHEMA_CURRENT, &b), WAMP_OK);
    assert_int_equal(
        wamp_message_decode_flatbuffers(b.data, b.len, WAMP_FBS_SCHEMA_CURRENT, a, &back, NULL),
        WAMP_OK);
    assert_int_equal(wamp_value_count(&back.challenge.extra), 1);
    assert_true(wamp_value_equal(&back.challenge.extra, &want));
    /* two pairs (a salted WAMP-CRA challenge) or a non-string value: dropped, {} on the wire */
    assert_int_equal(
        wamp_value_dict_setc(a, &c.challenge.extra, "salt", wamp_value_cstring(a, "s")), WAMP_OK);
    wamp_buf_clear(&b);
    assert_int_equal(wamp_message_encode_flatbuffers(&c, WAMP_FBS_SCHEMA_CURRENT, &b), WAMP_OK);
    assert_int_equal(
        wamp_message_decode_flatbuffers(b.data, b.len, WAMP_FBS_SCHEMA_CURRENT, a, &back, NULL),
        WAMP_OK);
    assert_int_equal(wamp_value_count(&back.challenge.extra), 0);
    c.challenge.extra = wamp_value_dict();
    assert_int_equal(wamp_value_dict_setc(a, &c.challenge.extra, "iterations", wamp_value_int(9)),
                     WAMP_OK);
    wamp_buf_clear(&b);
    assert_int_equal(wamp_message_encode_flatbuffers(&c, WAMP_FBS_SCHEMA_CURRENT, &b), WAMP_OK);
    assert_int_equal(
        wamp_message_decode_flatbuffers(b.data, b.len, WAMP_FBS_SCHEMA_CURRENT, a, &back, NULL),
        WAMP_OK);
    assert_int_equal(wamp_value_count(&back.challenge.extra), 0);
    /* HELLO authextra (cryptosign's pubkey) and AUTHENTICATE extra */
    wamp_roles roles = {0};
    wamp_roles_client_default(&roles);
    wamp_message h = wamp_message_hello("realm1", &roles);
    h.hello.authextra = wamp_value_dict();
    assert_int_equal(
        wamp_value_dict_setc(a, &h.hello.authextra, "pubkey", wamp_value_cstring(a, "ab12")),
        WAMP_OK);
    wamp_buf_clear(&b);
    assert_int_equal(wamp_message_encode_flatbuffers(&h, WAMP_FBS_SCHEMA_CURRENT, &b), WAMP_OK);
    assert_int_equal(
        wamp_message_decode_flatbuffers(b.data, b.len, WAMP_FBS_SCHEMA_CURRENT, a, &back, NULL),
        WAMP_OK);
    assert_true(wamp_value_equal(&back.hello.authextra, &h.hello.authextra));
    wamp_message au = wamp_message_authenticate("sig");
    au.authenticate.extra = h.hello.authextra;
    wamp_buf_clear(&b);
    assert_int_equal(wamp_message_encode_flatbuffers(&au, WAMP_FBS_SCHEMA_CURRENT, &b), WAMP_OK);
    assert_int_equal(
        wamp_message_decode_flatbuffers(b.data, b.len, WAMP_FBS_SCHEMA_CURRENT, a, &back, NULL),
        WAMP_OK);
    assert_true(wamp_value_equal(&back.authenticate.extra, &h.hello.authextra));
    /* every truncation of a Map-carrying message is refused, never read out of bounds */
    for (size_t n = 0; n < b.len; n++)
        assert_int_not_equal(
            wamp_message_decode_flatbuffers(b.data, n, WAMP_FBS_SCHEMA_CURRENT, a, &back, NULL),
            WAMP_OK);
    wamp_buf_free(&b);
    wamp_arena_free(a);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void test_hostile(void **state)
{
    (void)state;
    wamp_arena *a = wamp_arena_new(0);
    wamp_message m = wamp_message_publish(77, "com.topic");
    payload(a, &m);
    m.publish.exclude_authid = strlist(a, "a", "b");
    wamp_buf b = {0};
    assert_int_equal(wamp_message_encode_flatbuffers(&m, WAMP_FBS_SCHEMA_CURRENT, &b), WAMP_OK);
    wamp_message x;
    wamp_msg_error err;
    uint8_t *t = malloc(b.len);

    /* root offset past the end */
    memcpy(t, b.data, b.len);
    put32(t, (uint32_t)b.len);
    assert_int_equal(wamp_message_decode_flatbuffers(t, b.len, 0, a, &x, &err), WAMP_ESYNTAX);
    put32(t, 0xfffffffcu);
    assert_int_equal(wamp_message_decode_flatbuffers(t, b.len, 0, a, &x, &err), WAMP_ESYNTAX);
    /* vtable out of range: the root table's soffset */
    memcpy(t, b.data, b.len);
    uint32_t root = (uint32_t)t[0] | (uint32_t)t[1] << 8;
    put32(t + root, 0x7fffffffu);
    assert_int_equal(wamp_message_decode_flatbuffers(t, b.len, 0, a, &x, &err), WAMP_ESYNTAX);
    put32(t + root, (uint32_t) - (int32_t)b.len);
    assert_int_equal(wamp_message_decode_flatbuffers(t, b.len, 0, a, &x, &err), WAMP_ESYNTAX);
    /* huge vector / string lengths: every aligned u32 that holds a small length */
    size_t hits = 0;
    for (size_t i = 4; i + 4 <= b.len; i += 4) {
        memcpy(t, b.data, b.len);
        uint32_t v = (uint32_t)t[i] | (uint32_t)t[i + 1] << 8 | (uint32_t)t[i + 2] << 16 |
                     (uint32_t)t[i + 3] << 24;
        if (v != 9 && v != 2) continue; /* "com.topic", the two-element authid vector */
        put32(t + i, 0xfffffff0u);
        int rc = wamp_message_decode_flatbuffers(t, b.len, 0, a, &x, &err);
        assert_int_equal(rc, WAMP_ESYNTAX);
        hits++;
    }
    assert_true(hits >= 2);
    /* string without its NUL */
    memcpy(t, b.data, b.len);
    char *s = memmem(t, b.len, "com.topic", 9);
    assert_non_null(s);
    s[9] = 'x';
    assert_int_equal(wamp_message_decode_flatbuffers(t, b.len, 0, a, &x, &err), WAMP_ESYNTAX);
    /* invalid UTF-8 */
    memcpy(t, b.data, b.len);
    s = memmem(t, b.len, "com.topic", 9);
    s[0] = (char)0xc0;
    assert_int_equal(wamp_message_decode_flatbuffers(t, b.len, 0, a, &x, &err), WAMP_EUTF8);
    /* unknown union tag */
    memcpy(t, b.data, b.len);
    uint8_t *tag = memchr(t + root, 16, 16);
    assert_non_null(tag);
    *tag = 99;
    assert_int_equal(wamp_message_decode_flatbuffers(t, b.len, 0, a, &x, &err), WAMP_EMSGTYPE);
    /* tiny and empty inputs */
    assert_int_equal(wamp_message_decode_flatbuffers((const uint8_t *)"", 0, 0, a, &x, &err),
                     WAMP_ESYNTAX);
    assert_int_equal(wamp_message_decode_flatbuffers(NULL, 0, 0, a, &x, &err), WAMP_ESYNTAX);
    free(t);
    wamp_buf_free(&b);
    wamp_arena_free(a);
}

/* The wamp-proto test suite: every FlatBuffers sample decodes to the message its JSON sample
 * gives; our encoding decodes to the same message again. */
static const char *const files[] = {"advanced/cancel",    "advanced/eventreceived",
                                    "advanced/interrupt", "basic/abort",
                                    "basic/authenticate", "basic/call",
                                    "basic/challenge",    "basic/error",
                                    "basic/event",        "basic/goodbye",
                                    "basic/hello",        "basic/invocation",
                                    "basic/publish",      "basic/published",
                                    "basic/register",     "basic/registered",
                                    "basic/result",       "basic/subscribe",
                                    "basic/subscribed",   "basic/unregister",
                                    "basic/unregistered", "basic/unsubscribe",
                                    "basic/unsubscribed", "basic/welcome",
                                    "basic/yield"};

/* The suite lives beside the checkout (WAMP_CONFORMANCE_DIR); from a worktree one directory
 * further up; $WAMP_CONFORMANCE_DIR overrides both. */
static const char *suite_dir(void)
{
    const char *tries[] = {getenv("WAMP_CONFORMANCE_DIR"), WAMP_CONFORMANCE_DIR,
                           WAMP_SOURCE_DIR "/../../shared/conformance/wamp-proto-testsuite"};
    for (size_t i = 0; i < 3; i++) {
        char p[4096];
        if (!tries[i]) continue;
        snprintf(p, sizeof p, "%s/singlemessage/basic/publish.json", tries[i]);
        FILE *f = fopen(p, "rb");
        if (f) {
            fclose(f);
            return tries[i];
        }
    }
    fail_msg("conformance suite not found (set WAMP_CONFORMANCE_DIR)");
    return NULL;
}

static void test_conformance_samples(void **state)
{
    (void)state;
    const char *dir = suite_dir();
    size_t checked = 0, noroles = 0, identical = 0;
    for (size_t fi = 0; fi < sizeof files / sizeof *files; fi++) {
        char rel[4200];
        snprintf(rel, sizeof rel, "%s/singlemessage/%s.json", dir, files[fi]);
        size_t len;
        char *text = wt_read_file(rel, &len);
        assert_non_null(text);
        wamp_arena *a = wamp_arena_new(0);
        wamp_value doc;
        assert_int_equal(wamp_value_decode(WAMP_SER_JSON, (uint8_t *)text, len, a, NULL, &doc), 0);
        wamp_value *samples = wamp_value_dict_getc(&doc, "samples");
        for (size_t i = 0; i < wamp_value_count(samples); i++) {
            wamp_value *sm = wamp_value_list_at(samples, i);
            wamp_value *sers = wamp_value_dict_getc(sm, "serializers");
            wamp_value *fb = sers ? wamp_value_dict_getc(sers, "flatbuffers") : NULL;
            wamp_value *js = sers ? wamp_value_dict_getc(sers, "json") : NULL;
            if (!fb || !js) continue;
            /* the reference: the JSON sample through the message layer */
            wamp_str jhex;
            assert_true(wamp_value_get_string(
                wamp_value_dict_getc(wamp_value_list_at(js, 0), "bytes_hex"), &jhex));
            size_t jn;
            uint8_t *jb = wt_unhex(wamp_arena_strndup(a, jhex.ptr, jhex.len), &jn);
            wamp_message ref;
            wamp_msg_error jerr;
            int jrc = wamp_message_decode(WAMP_SER_JSON, jb, jn, a, NULL, &ref, &jerr);
            if (jrc) fail_msg("%s sample %zu: JSON reference: %s", rel, i, jerr.text);
            for (size_t k = 0; k < wamp_value_count(fb); k++) {
                wamp_str hex;
                assert_true(wamp_value_get_string(
                    wamp_value_dict_getc(wamp_value_list_at(fb, k), "bytes_hex"), &hex));
                size_t n;
                uint8_t *bytes = wt_unhex(wamp_arena_strndup(a, hex.ptr, hex.len), &n);
                wamp_message got;
                wamp_msg_error err;
                int rc = wamp_message_decode_flatbuffers(bytes, n, WAMP_FBS_SCHEMA_CURRENT, a, &got,
                                                         &err);
                if (ref.type == WAMP_MSG_HELLO || ref.type == WAMP_MSG_WELCOME) {
                    /* the suite's generator left out the required `roles` table: refused */
                    assert_int_not_equal(rc, WAMP_OK);
                    noroles++;
                    free(bytes);
                    continue;
                }
                if (rc) fail_msg("%s sample %zu: %s: %s", rel, i, wamp_err_name(rc), err.text);
                assert_same(a, &ref, &got);
                wamp_buf out = {0};
                assert_int_equal(
                    wamp_message_encode_flatbuffers(&got, WAMP_FBS_SCHEMA_CURRENT, &out), 0);
                wamp_message again;
                assert_int_equal(
                    wamp_message_decode_flatbuffers(out.data, out.len, 0, a, &again, NULL), 0);
                assert_same(a, &ref, &again);
                if (out.len == n && !memcmp(out.data, bytes, n)) identical++;
                wamp_buf_free(&out);
                free(bytes);
                checked++;
            }
            free(jb);
        }
        wamp_arena_free(a);
        free(text);
    }
    printf("flatbuffers samples: %zu decoded equal to their JSON sample, %zu without roles "
           "refused, %zu re-encoded byte-identical\n",
           checked, noroles, identical);
    assert_true(checked >= 30);
    assert_int_equal(noroles, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_all_types), cmocka_unit_test(test_serializer_object),
        cmocka_unit_test(test_encode_errors),       cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_conformance_samples), cmocka_unit_test(test_router_session),
        cmocka_unit_test(test_map_extra),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
