/* In-memory transport pair, transport details (peer strings, channel_typeid, marshal). */
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "support/transport_rec.h"

static void memory_sync(void **st)
{
    wt_rec ra = {0}, rb = {0};
    rb.echo = true;
    wamp_framer *a, *b;
    wamp_memory_options o = {.serializer = WAMP_SER_CBOR};
    assert_int_equal(wamp_memory_pair_new(&a, &b, &o, &wt_rec_cbs, &ra, &wt_rec_cbs, &rb), WAMP_OK);
    assert_int_equal(wamp_framer_start(a), WAMP_OK);
    assert_int_equal(wamp_framer_start(b), WAMP_OK);
    assert_int_equal(wamp_framer_feed(a, (const uint8_t *)"x", 1), WAMP_EUNSUPPORTED);
    assert_int_equal(wamp_framer_ping(a, NULL, 0), WAMP_EUNSUPPORTED);
    /* synchronous: b echoes from inside its on_message, before send returns */
    assert_int_equal(wamp_framer_send(a, (const uint8_t *)"\x81\x01", 2), WAMP_OK);
    assert_string_equal(ra.log, "open;msg(b):8101;");
    assert_string_equal(rb.log, "open;msg(b):8101;");
    wamp_transport_details d;
    wamp_transport_details_init(&d);
    wamp_framer_fill_details(b, &d);
    char tid[64];
    assert_int_equal(wamp_transport_channel_typeid(&d, tid, sizeof tid), WAMP_OK);
    assert_string_equal(tid, "memory-native-cbor");
    assert_int_equal(d.is_server, 1);
    assert_int_equal(wamp_framer_close(a, 3000, "done"), WAMP_OK);
    assert_string_equal(ra.log, "open;msg(b):8101;close(3000,1,done);");
    assert_string_equal(rb.log, "open;msg(b):8101;close(3000,1,done);");
    assert_int_equal(wamp_framer_send(b, (const uint8_t *)"x", 1), WAMP_ECLOSED);
    wamp_framer_free(a);
    wamp_framer_free(b);
}

static void memory_queued(void **st)
{
    wt_rec ra = {0}, rb = {0};
    rb.echo = true;
    wamp_framer *a, *b;
    wamp_memory_options o = {.queued = true}; /* JSON: text */
    assert_int_equal(wamp_memory_pair_new(&a, &b, &o, &wt_rec_cbs, &ra, &wt_rec_cbs, &rb), WAMP_OK);
    assert_int_equal(wamp_framer_send(a, (const uint8_t *)"[1]", 3), WAMP_OK);
    assert_int_equal(wamp_framer_send(a, (const uint8_t *)"[2]", 3), WAMP_OK);
    assert_string_equal(rb.log, ""); /* nothing until pumped */
    assert_int_equal(wamp_framer_close(a, 0, NULL), WAMP_OK);
    assert_int_equal(wamp_framer_get_state(a), WAMP_FRAMER_CLOSING);
    /* 2 messages + 2 echoes queued behind them... the close is queued before the echoes */
    int n = wamp_memory_pump(b);
    assert_true(n >= 3);
    assert_string_equal(rb.log, "msg(t):5b315d;msg(t):5b325d;close(1000,1,);");
    assert_string_equal(ra.log, "close(1000,1,);");
    assert_int_equal(wamp_memory_pump(a), 0);
    wamp_framer_free(b);
    wamp_framer_free(a);
}

static void memory_free_one_side(void **st)
{
    wt_rec ra = {0}, rb = {0};
    wamp_framer *a, *b;
    wamp_memory_options o = {.queued = true};
    assert_int_equal(wamp_memory_pair_new(&a, &b, &o, &wt_rec_cbs, &ra, &wt_rec_cbs, &rb), WAMP_OK);
    wamp_framer_send(a, (const uint8_t *)"[1]", 3);
    wamp_framer_send(b, (const uint8_t *)"[2]", 3);
    wamp_framer_free(a); /* drops what a sent and what was queued for it */
    assert_string_equal(rb.log, "close(1006,0,);");
    assert_int_equal(wamp_memory_pump(b), 0);
    assert_int_equal(wamp_framer_send(b, (const uint8_t *)"x", 1), WAMP_ECLOSED);
    wamp_framer_free(b);
    wamp_framer_free(NULL);
}

static void details_strings(void **st)
{
    char s[64];
    assert_int_equal(wamp_transport_format_tcp(s, sizeof s, 4, "127.0.0.1", 38810), WAMP_OK);
    assert_string_equal(s, "tcp4:127.0.0.1:38810");
    assert_int_equal(wamp_transport_format_tcp(s, sizeof s, 6, "::1", 8080), WAMP_OK);
    assert_string_equal(s, "tcp6:::1:8080");
    assert_int_equal(wamp_transport_format_tcp(s, sizeof s, 5, "x", 1), WAMP_EINVAL);
    assert_int_equal(wamp_transport_format_unix(s, sizeof s, "/tmp/file.sock"), WAMP_OK);
    assert_string_equal(s, "unix:/tmp/file.sock");
    assert_int_equal(wamp_transport_format_unix(s, sizeof s, ""), WAMP_OK);
    assert_string_equal(s, "unix");
    assert_int_equal(wamp_transport_format_unix(s, 8, "/tmp/file.sock"), WAMP_ERANGE);
    assert_string_equal(s, "unix:/t");
    wamp_transport_details d;
    wamp_transport_details_init(&d);
    assert_int_equal(wamp_transport_channel_typeid(&d, s, sizeof s), WAMP_OK);
    assert_string_equal(s, "null-null-null");
    d.channel_type = WAMP_CHANNEL_TLS;
    d.channel_framing = WAMP_FRAMING_WEBSOCKET;
    d.channel_serializer = WAMP_SER_MSGPACK;
    assert_int_equal(wamp_transport_channel_typeid(&d, s, sizeof s), WAMP_OK);
    assert_string_equal(s, "tls-websocket-msgpack");
    d.channel_type = WAMP_CHANNEL_FUNCTION;
    d.channel_framing = WAMP_FRAMING_NATIVE;
    d.channel_serializer = WAMP_SER_FLATBUFFERS;
    assert_int_equal(wamp_transport_channel_typeid(&d, s, sizeof s), WAMP_OK);
    assert_string_equal(s, "function-native-flatbuffers");
    assert_string_equal(wamp_channel_type_name((wamp_channel_type)99), "null");
    assert_string_equal(wamp_channel_framing_name(WAMP_FRAMING_RAWSOCKET), "rawsocket");
    assert_string_equal(wamp_channel_serializer_name(WAMP_SER_UBJSON), "ubjson");
}

static void details_marshal(void **st)
{
    /* a WebSocket server framer after a handshake, plus what a runtime knows */
    const char *req = "GET /ws HTTP/1.1\r\nHost: localhost:8080\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: wamp.2.json\r\n"
                      "X-Dup: a\r\nx-dup: b\r\nCookie: cbtid=t1\r\n\r\n";
    wamp_framer *f;
    assert_int_equal(wamp_websocket_new(&f, true, NULL, NULL, NULL), WAMP_OK);
    assert_int_equal(wamp_framer_feed(f, (const uint8_t *)req, strlen(req)), WAMP_OK);
    wamp_transport_details d;
    wamp_transport_details_init(&d);
    wamp_framer_fill_details(f, &d);
    d.channel_type = WAMP_CHANNEL_TCP;
    wamp_transport_format_tcp(d.own, sizeof d.own, 4, "127.0.0.1", 8080);
    wamp_transport_format_tcp(d.peer, sizeof d.peer, 4, "127.0.0.1", 38810);
    d.own_pid = 1234;
    d.is_secure = 0;
    d.channel_id_tls_unique_len = 2;
    d.channel_id_tls_unique[0] = 0xAB;
    d.channel_id_tls_unique[1] = 0xCD;
    wamp_arena *a = wamp_arena_new(0);
    wamp_value v;
    assert_int_equal(wamp_transport_details_to_value(&d, a, &v), WAMP_OK);
    assert_int_equal(wamp_value_count(&v), 17);
    wamp_str s;
    assert_true(wamp_value_get_string(wamp_value_dict_getc(&v, "channel_type"), &s));
    assert_true(wamp_str_eqc(s, "tcp"));
    assert_true(wamp_value_get_string(wamp_value_dict_getc(&v, "channel_framing"), &s));
    assert_true(wamp_str_eqc(s, "websocket"));
    assert_true(wamp_value_get_string(wamp_value_dict_getc(&v, "channel_serializer"), &s));
    assert_true(wamp_str_eqc(s, "json"));
    assert_true(wamp_value_get_string(wamp_value_dict_getc(&v, "peer"), &s));
    assert_true(wamp_str_eqc(s, "tcp4:127.0.0.1:38810"));
    bool b;
    assert_true(wamp_value_get_bool(wamp_value_dict_getc(&v, "is_server"), &b));
    assert_true(b);
    assert_true(wamp_value_get_bool(wamp_value_dict_getc(&v, "is_secure"), &b));
    assert_false(b);
    int64_t i;
    assert_true(wamp_value_get_int(wamp_value_dict_getc(&v, "own_pid"), &i));
    assert_int_equal(i, 1234);
    assert_true(wamp_value_is_null(wamp_value_dict_getc(&v, "own_tid")));
    assert_true(wamp_value_is_null(wamp_value_dict_getc(&v, "peer_cert")));
    assert_true(wamp_value_is_null(wamp_value_dict_getc(&v, "websocket_extensions_in_use")));
    assert_true(wamp_value_get_bytes(
        wamp_value_dict_getc(wamp_value_dict_getc(&v, "channel_id"), "tls-unique"), &s));
    assert_int_equal(s.len, 2);
    const wamp_value *hr = wamp_value_dict_getc(&v, "http_headers_received");
    assert_true(wamp_value_get_string(wamp_value_dict_getc(hr, "x-dup"), &s));
    assert_true(wamp_str_eqc(s, "a, b"));
    assert_true(wamp_value_get_string(wamp_value_dict_getc(hr, "host"), &s));
    assert_true(wamp_str_eqc(s, "localhost:8080"));
    const wamp_value *hs = wamp_value_dict_getc(&v, "http_headers_sent");
    assert_true(wamp_value_get_string(wamp_value_dict_getc(hs, "sec-websocket-protocol"), &s));
    assert_true(wamp_str_eqc(s, "wamp.2.json"));
    assert_true(wamp_value_get_string(wamp_value_dict_getc(&v, "http_cbtid"), &s));
    assert_true(wamp_str_eqc(s, "t1"));
    assert_true(wamp_value_get_string(wamp_value_dict_getc(&v, "websocket_protocol"), &s));
    assert_true(wamp_str_eqc(s, "wamp.2.json"));
    wamp_arena_free(a);
    wamp_framer_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(memory_sync),          cmocka_unit_test(memory_queued),
        cmocka_unit_test(memory_free_one_side), cmocka_unit_test(details_strings),
        cmocka_unit_test(details_marshal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
