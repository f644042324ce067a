/* RawSocket framer: byte-exact scripted peers, every handshake error, every invalid frame. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "support/transport_rec.h"

typedef struct scen {
    bool server;
    wamp_rawsocket_options o;
    int reject;
    bool echo;
    const char *in; /* hex */
} scen;

/* Runs a scenario feeding `chunk` bytes at a time; returns log and output (hex). */
static void run(const scen *s, size_t chunk, char **log, char **out)
{
    wt_rec *r = calloc(1, sizeof *r);
    r->reject = s->reject;
    r->echo = s->echo;
    wamp_framer *f = NULL;
    assert_int_equal(wamp_rawsocket_new(&f, s->server, &s->o, &wt_rec_cbs, r), WAMP_OK);
    assert_int_equal(wamp_framer_start(f), WAMP_OK);
    size_t n = 0;
    uint8_t *in = wt_unhex(s->in, &n);
    assert_non_null(in);
    for (size_t off = 0; off < n;) {
        size_t c = n - off < chunk ? n - off : chunk;
        int rc = wamp_framer_feed(f, in + off, c);
        off += c;
        if (rc == WAMP_ECLOSED) break;
    }
    *out = wt_drain_hex(f);
    *log = strdup(r->log);
    free(in);
    wamp_framer_free(f);
    free(r);
}

/* Same events and bytes whole, byte by byte and in 3-, 5- and 7-byte pieces (reads that end
 * inside a header or a payload, a partial frame completed from the next read); and as
 * expected. */
static void check(const scen *s, const char *want_log, const char *want_out)
{
    static const size_t chunks[] = {SIZE_MAX, 1, 3, 5, 7};
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        char *log, *out;
        run(s, chunks[i], &log, &out);
        assert_string_equal(log, want_log);
        assert_string_equal(out, want_out);
        free(log);
        free(out);
    }
}

/* ---------------------------------------------------------------- server handshake */

static void server_ok(void **st)
{
    scen s = {.server = true, .in = "7ff10000"};
    check(&s, "hs(1,0,-,16777216,-);open;", "7ff10000");
    scen s2 = {.server = true, .o = {.max_message_size = 512}, .in = "7f120000"};
    check(&s2, "hs(2,0,-,1024,-);open;", "7f020000");
    scen s3 = {.server = true, .o = {.max_message_size = 513}, .in = "7f030000"};
    check(&s3, "hs(3,0,-,512,-);open;", "7f130000");
    scen s4 = {.server = true, .in = "7ff50000"}; /* flatbuffers accepted by default */
    check(&s4, "hs(5,0,-,16777216,-);open;", "7ff50000");
}

static void server_errors(void **st)
{
    /* 1: serializer unsupported (not in the mask, 0, reserved 6..15) */
    scen s = {.server = true, .o = {.serializers = 1u << WAMP_SER_JSON}, .in = "7ff30000"};
    check(&s, "err(-60);close(1,0,rawsocket: serializer unsupported);", "7f100000");
    scen s0 = {.server = true, .in = "7ff00000"};
    check(&s0, "err(-60);close(1,0,rawsocket: serializer unsupported);", "7f100000");
    scen s6 = {.server = true, .in = "7ff60000"};
    check(&s6, "err(-60);close(1,0,rawsocket: serializer unsupported);", "7f100000");
    /* 2: maximum message length unacceptable */
    scen s2 = {.server = true, .o = {.min_peer_max_message_size = 4096}, .in = "7f210000"};
    check(&s2, "err(-60);close(2,0,rawsocket: maximum message length unacceptable);", "7f200000");
    scen s2ok = {.server = true, .o = {.min_peer_max_message_size = 4096}, .in = "7f310000"};
    check(&s2ok, "hs(1,0,-,4096,-);open;", "7ff10000");
    /* 3: reserved octets */
    scen s3 = {.server = true, .in = "7ff10001"};
    check(&s3, "err(-60);close(3,0,rawsocket: use of reserved bits);", "7f300000");
    scen s3b = {.server = true, .in = "7ff18000"};
    check(&s3b, "err(-60);close(3,0,rawsocket: use of reserved bits);", "7f300000");
    /* 4: the embedding code is at its connection limit */
    scen s4 = {.server = true, .reject = WAMP_RAWSOCKET_ERR_MAX_CONNECTIONS, .in = "7ff10000"};
    check(&s4,
          "hs(1,0,-,16777216,-);err(-60);close(4,0,rawsocket: maximum connection count reached);",
          "7f400000");
    /* bad magic: no reply */
    scen sm = {.server = true, .in = "47455420"};
    check(&sm, "err(-60);close(1002,0,rawsocket: bad magic octet);", "");
}

static void server_close_during_handshake(void **st)
{
    wamp_framer *f;
    wt_rec r = {0};
    assert_int_equal(wamp_rawsocket_new(&f, true, NULL, &wt_rec_cbs, &r), WAMP_OK);
    assert_int_equal(wamp_framer_close(f, 0, NULL), WAMP_OK);
    char *out = wt_drain_hex(f);
    assert_string_equal(out, "7f400000");
    assert_string_equal(r.log, "close(4,1,);");
    assert_int_equal(wamp_framer_feed(f, (const uint8_t *)"\x7f", 1), WAMP_ECLOSED);
    free(out);
    wamp_framer_free(f);
}

/* ---------------------------------------------------------------- client handshake */

static void client_handshake(void **st)
{
    scen s = {.in = "7ff10000"};
    check(&s, "hs(1,0,-,16777216,-);open;", "7ff10000");
    scen s2 = {.o = {.serializer = WAMP_SER_CBOR, .max_message_size = 2048}, .in = "7f230000"};
    check(&s2, "hs(3,0,-,2048,-);open;", "7f230000");
    /* error replies */
    scen e1 = {.in = "7f100000"};
    check(&e1, "err(-60);close(1,0,rawsocket: serializer unsupported);", "7ff10000");
    scen e2 = {.in = "7f200000"};
    check(&e2, "err(-60);close(2,0,rawsocket: maximum message length unacceptable);", "7ff10000");
    scen e3 = {.in = "7f300000"};
    check(&e3, "err(-60);close(3,0,rawsocket: use of reserved bits);", "7ff10000");
    scen e4 = {.in = "7f400000"};
    check(&e4, "err(-60);close(4,0,rawsocket: maximum connection count reached);", "7ff10000");
    /* wrong serializer echoed, reserved octets, bad magic */
    scen w = {.in = "7ff20000"};
    check(&w, "err(-60);close(1002,0,rawsocket: router answered another serializer);", "7ff10000");
    scen rv = {.in = "7ff10100"};
    check(&rv, "err(-60);close(1002,0,rawsocket: reserved octets set in reply);", "7ff10000");
    scen bm = {.in = "00f10000"};
    check(&bm, "err(-60);close(1002,0,rawsocket: bad magic octet);", "7ff10000");
    /* the client may veto */
    scen vt = {.reject = 1, .in = "7ff10000"};
    check(&vt, "hs(1,0,-,16777216,-);err(-60);close(1002,0,rawsocket: handshake rejected);",
          "7ff10000");
}

/* ---------------------------------------------------------------- frames */

static void frames(void **st)
{
    /* two messages, a ping (answered with a pong echoing it), in one stream */
    scen s = {.server = true,
              .in = "7ff10000"
                    "00000003 5b315d"
                    "01000004 deadbeef"
                    "00000000"
                    "00000002 7b7d"};
    check(&s, "hs(1,0,-,16777216,-);open;msg(t):5b315d;ping:deadbeef;msg(t):;msg(t):7b7d;",
          "7ff10000"
          "02000004deadbeef");
    /* binary serializers give binary messages */
    scen b = {.server = true, .in = "7ff20000 00000002 9100"};
    check(&b, "hs(2,0,-,16777216,-);open;msg(b):9100;", "7ff20000");
    /* echo from inside on_message */
    scen e = {.server = true, .echo = true, .in = "7ff10000 00000001 31"};
    check(&e, "hs(1,0,-,16777216,-);open;msg(t):31;",
          "7ff10000"
          "0000000131");
}

static void invalid_frames(void **st)
{
    scen r = {.server = true, .in = "7ff10000 10000000"};
    check(&r,
          "hs(1,0,-,16777216,-);open;err(-61);close(1002,0,rawsocket: reserved bits set in frame "
          "header);",
          "7ff10000");
    scen r2 = {.server = true, .in = "7ff10000 80000000"};
    check(&r2,
          "hs(1,0,-,16777216,-);open;err(-61);close(1002,0,rawsocket: reserved bits set in frame "
          "header);",
          "7ff10000");
    for (int t = 3; t <= 7; t++) {
        char in[64];
        snprintf(in, sizeof in, "7ff10000 0%d000000", t);
        scen rt = {.server = true, .in = in};
        check(&rt,
              "hs(1,0,-,16777216,-);open;err(-61);close(1002,0,rawsocket: reserved frame type);",
              "7ff10000");
    }
    /* X bit with low length bits: a length above 2^24 */
    scen x = {.server = true, .in = "7ff10000 08000001"};
    check(&x,
          "hs(1,0,-,16777216,-);open;err(-61);close(1002,0,rawsocket: frame length above 2^24);",
          "7ff10000");
    /* over our limit (512): rejected on the header, before the payload */
    scen big = {.server = true, .o = {.max_message_size = 512}, .in = "7ff10000 00000201"};
    check(
        &big,
        "hs(1,0,-,16777216,-);open;err(-24);close(1009,0,rawsocket: frame larger than our limit);",
        "7f010000");
    /* exactly the limit is fine */
    char *in = malloc(8 + 9 + 1024 + 1);
    strcpy(in, "7ff10000 00000200");
    for (int i = 0; i < 512; i++)
        strcat(in, "61");
    scen ok = {.server = true, .o = {.max_message_size = 512}, .in = in};
    char *want = malloc(2048 + 64);
    strcpy(want, "hs(1,0,-,16777216,-);open;msg(t):");
    for (int i = 0; i < 512; i++)
        strcat(want, "61");
    strcat(want, ";");
    check(&ok, want, "7f010000");
    free(in);
    free(want);
    /* a 2^24 message needs the X bit; with a smaller limit it is too big */
    scen xbig = {.server = true, .o = {.max_message_size = 1u << 20}, .in = "7ff10000 08000000"};
    check(
        &xbig,
        "hs(1,0,-,16777216,-);open;err(-24);close(1009,0,rawsocket: frame larger than our limit);",
        "7fb10000");
}

static void x_bit_exactly_2_24(void **st)
{
    /* receive a 2^24 payload (header 08 00 00 00) and send one back */
    size_t n = 1u << 24;
    wamp_framer *f;
    wt_rec *r = calloc(1, sizeof *r);
    assert_int_equal(wamp_rawsocket_new(&f, true, NULL, &wt_rec_cbs, r), WAMP_OK);
    uint8_t hs[4] = {0x7f, 0xf2, 0, 0};
    assert_int_equal(wamp_framer_feed(f, hs, 4), WAMP_OK);
    uint8_t *buf = malloc(4 + n);
    buf[0] = 0x08, buf[1] = buf[2] = buf[3] = 0;
    memset(buf + 4, 0xAB, n);
    /* in 64 KiB pieces */
    for (size_t off = 0; off < 4 + n; off += 65536) {
        size_t c = 4 + n - off < 65536 ? 4 + n - off : 65536;
        assert_int_equal(wamp_framer_feed(f, buf + off, c), WAMP_OK);
    }
    wamp_framer_stats stt;
    wamp_framer_get_stats(f, &stt);
    assert_int_equal(stt.messages_in, 1);
    assert_int_equal(stt.payload_in, n);
    wamp_framer_output_consume(f, wamp_framer_output_pending(f));
    assert_int_equal(wamp_framer_send(f, buf + 4, n), WAMP_OK);
    const uint8_t *o;
    size_t ol;
    wamp_framer_output(f, &o, &ol);
    assert_int_equal(ol, 4 + n);
    assert_memory_equal(o, "\x08\x00\x00\x00", 4);
    assert_int_equal(wamp_framer_send(f, buf, n + 1), WAMP_ETOOBIG);
    free(buf);
    wamp_framer_free(f);
    free(r);
}

static void send_limits(void **st)
{
    wamp_framer *f;
    wt_rec r = {0};
    assert_int_equal(wamp_rawsocket_new(&f, false, NULL, &wt_rec_cbs, &r), WAMP_OK);
    uint8_t msg[1024];
    memset(msg, 'x', sizeof msg);
    assert_int_equal(wamp_framer_send(f, msg, 1), WAMP_ESTATE); /* before the handshake */
    assert_int_equal(wamp_framer_start(f), WAMP_OK);
    assert_int_equal(wamp_framer_start(f), WAMP_ESTATE);
    free(wt_drain_hex(f));
    /* the router accepts 512 bytes (L = 0) */
    assert_int_equal(wamp_framer_feed(f, (const uint8_t *)"\x7f\x01\x00\x00", 4), WAMP_OK);
    assert_int_equal(wamp_framer_peer_max_message_size(f), 512);
    assert_int_equal(wamp_framer_send(f, msg, 513), WAMP_ETOOBIG);
    assert_int_equal(wamp_framer_output_pending(f), 0); /* nothing sent */
    assert_int_equal(wamp_framer_send(f, msg, 512), WAMP_OK);
    const uint8_t *o;
    size_t ol;
    wamp_framer_output(f, &o, &ol);
    assert_int_equal(ol, 516);
    assert_memory_equal(o, "\x00\x00\x02\x00", 4);
    wamp_framer_output_consume(f, ol);
    assert_int_equal(wamp_framer_ping(f, msg, 513), WAMP_ETOOBIG);
    /* a ping too large to echo within the peer's limit fails the connection */
    uint8_t ping[4 + 600] = {0x01, 0x00, 0x02, 0x58};
    assert_int_equal(wamp_framer_feed(f, ping, sizeof ping), WAMP_ETOOBIG);
    wamp_framer_free(f);
}

static void ping_pong(void **st)
{
    wamp_framer *f;
    wt_rec r = {0};
    assert_int_equal(wamp_rawsocket_new(&f, false, NULL, &wt_rec_cbs, &r), WAMP_OK);
    wamp_framer_start(f);
    wamp_framer_feed(f, (const uint8_t *)"\x7f\xf1\x00\x00", 4);
    free(wt_drain_hex(f));
    assert_int_equal(wamp_framer_ping(f, (const uint8_t *)"\x01\x02", 2), WAMP_OK);
    assert_int_equal(wamp_framer_ping(f, (const uint8_t *)"\x03", 1), WAMP_OK);
    char *o = wt_drain_hex(f);
    assert_string_equal(o, "010000020102"
                           "0100000103");
    free(o);
    assert_int_equal(wamp_framer_pings_outstanding(f), 2);
    /* an unsolicited pong does not count */
    wamp_framer_feed(f, (const uint8_t *)"\x02\x00\x00\x01\x09", 5);
    assert_int_equal(wamp_framer_pings_outstanding(f), 2);
    wamp_framer_feed(f, (const uint8_t *)"\x02\x00\x00\x02\x01\x02", 6);
    assert_int_equal(wamp_framer_pings_outstanding(f), 1);
    wamp_framer_feed(f, (const uint8_t *)"\x02\x00\x00\x01\x03", 5);
    assert_int_equal(wamp_framer_pings_outstanding(f), 0);
    /* answering only the newest ping settles the older ones too */
    wamp_framer_ping(f, (const uint8_t *)"a", 1);
    wamp_framer_ping(f, (const uint8_t *)"b", 1);
    wamp_framer_ping(f, (const uint8_t *)"c", 1);
    assert_int_equal(wamp_framer_pings_outstanding(f), 3);
    wamp_framer_feed(f,
                     (const uint8_t *)"\x02\x00\x00\x01"
                                      "b",
                     5);
    assert_int_equal(wamp_framer_pings_outstanding(f), 1);
    wamp_framer_feed(f,
                     (const uint8_t *)"\x02\x00\x00\x01"
                                      "c",
                     5);
    assert_int_equal(wamp_framer_pings_outstanding(f), 0);
    free(wt_drain_hex(f));
    assert_string_equal(r.log,
                        "hs(1,0,-,16777216,-);open;pong:09;pong:0102;pong:03;pong:62;pong:63;");
    wamp_framer_free(f);
}

static void heartbeat(void **st)
{
    wamp_framer *f;
    wt_rec r = {0};
    assert_int_equal(wamp_rawsocket_new(&f, true, NULL, &wt_rec_cbs, &r), WAMP_OK);
    assert_int_equal(wamp_framer_heartbeat(f), WAMP_ESTATE);
    wamp_framer_feed(f, (const uint8_t *)"\x7f\xf1\x00\x00", 4);
    free(wt_drain_hex(f));
    /* bytes arrived since the (implicit) previous tick: alive, nothing sent */
    assert_int_equal(wamp_framer_heartbeat(f), WAMP_OK);
    assert_int_equal(wamp_framer_output_pending(f), 0);
    /* silence: a ping with the tick counter */
    assert_int_equal(wamp_framer_heartbeat(f), WAMP_OK);
    char *o = wt_drain_hex(f);
    assert_string_equal(o, "010000080000000000000001");
    free(o);
    /* answered: the next tick sees traffic, the one after pings again */
    wamp_framer_feed(f, (const uint8_t *)"\x02\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00\x01", 12);
    assert_int_equal(wamp_framer_pings_outstanding(f), 0);
    assert_int_equal(wamp_framer_heartbeat(f), WAMP_OK);
    assert_int_equal(wamp_framer_output_pending(f), 0);
    assert_int_equal(wamp_framer_heartbeat(f), WAMP_OK);
    o = wt_drain_hex(f);
    assert_string_equal(o, "010000080000000000000002");
    free(o);
    /* a message is not a pong: the next tick times out */
    wamp_framer_feed(f, (const uint8_t *)"\x00\x00\x00\x01x", 5);
    assert_int_equal(wamp_framer_heartbeat(f), WAMP_ETIMEOUT);
    assert_int_equal(wamp_framer_output_pending(f), 0);
    wamp_framer_free(f);
}

static void eof_and_close(void **st)
{
    wamp_framer *f;
    wt_rec r = {0};
    assert_int_equal(wamp_rawsocket_new(&f, true, NULL, &wt_rec_cbs, &r), WAMP_OK);
    wamp_framer_feed(f, (const uint8_t *)"\x7f\xf1\x00\x00", 4);
    wamp_framer_eof(f);
    assert_string_equal(r.log, "hs(1,0,-,16777216,-);open;close(1000,0,);");
    wamp_framer_free(f);
    memset(&r, 0, sizeof r);
    assert_int_equal(wamp_rawsocket_new(&f, true, NULL, &wt_rec_cbs, &r), WAMP_OK);
    wamp_framer_feed(f, (const uint8_t *)"\x7f\xf1\x00\x00\x00\x00\x00\x05\x01", 9);
    wamp_framer_eof(f); /* in the middle of a frame */
    assert_string_equal(r.log, "hs(1,0,-,16777216,-);open;close(1006,0,);");
    wamp_framer_eof(f); /* once only */
    assert_string_equal(r.log, "hs(1,0,-,16777216,-);open;close(1006,0,);");
    wamp_framer_free(f);
    memset(&r, 0, sizeof r);
    assert_int_equal(wamp_rawsocket_new(&f, true, NULL, &wt_rec_cbs, &r), WAMP_OK);
    wamp_framer_feed(f, (const uint8_t *)"\x7f\xf1\x00\x00", 4);
    assert_int_equal(wamp_framer_close(f, 0, "done"), WAMP_OK);
    assert_int_equal(wamp_framer_close(f, 0, NULL), WAMP_ECLOSED);
    assert_int_equal(wamp_framer_send(f, (const uint8_t *)"x", 1), WAMP_ECLOSED);
    assert_string_equal(r.log, "hs(1,0,-,16777216,-);open;close(1000,1,done);");
    wamp_framer_free(f);
}

typedef struct wsink {
    uint8_t buf[256];
    size_t len;
} wsink;

static void sink_write(wamp_framer *f, void *user, const uint8_t *d, size_t n)
{
    wsink *s = user;
    memcpy(s->buf + s->len, d, n);
    s->len += n;
}

static void write_callback(void **st)
{
    wsink s = {0};
    wamp_framer_cbs cbs = {.on_write = sink_write};
    wamp_framer *f;
    wamp_rawsocket_options o = {.serializer = WAMP_SER_MSGPACK, .max_message_size = 65536};
    assert_int_equal(wamp_rawsocket_new(&f, false, &o, &cbs, &s), WAMP_OK);
    wamp_framer_start(f);
    assert_int_equal(s.len, 4);
    assert_memory_equal(s.buf, "\x7f\x72\x00\x00", 4);
    assert_int_equal(wamp_framer_output_pending(f), 0);
    wamp_framer_feed(f, (const uint8_t *)"\x7f\x72\x00\x00", 4);
    assert_int_equal(wamp_framer_get_state(f), WAMP_FRAMER_OPEN);
    assert_int_equal(wamp_framer_serializer(f), WAMP_SER_MSGPACK);
    wamp_framer_send(f, (const uint8_t *)"\x91\x01", 2);
    assert_int_equal(s.len, 10);
    assert_memory_equal(s.buf + 4, "\x00\x00\x00\x02\x91\x01", 6);
    wamp_transport_details d;
    wamp_transport_details_init(&d);
    wamp_framer_fill_details(f, &d);
    d.channel_type = WAMP_CHANNEL_TCP;
    char tid[64];
    assert_int_equal(wamp_transport_channel_typeid(&d, tid, sizeof tid), WAMP_OK);
    assert_string_equal(tid, "tcp-rawsocket-msgpack");
    assert_int_equal(d.is_server, 0);
    wamp_framer_free(f);
}

static void length_exponent(void **st)
{
    assert_int_equal(wamp_rawsocket_length_exponent(0), 15);
    assert_int_equal(wamp_rawsocket_length_exponent(1), 0);
    assert_int_equal(wamp_rawsocket_length_exponent(512), 0);
    assert_int_equal(wamp_rawsocket_length_exponent(513), 1);
    assert_int_equal(wamp_rawsocket_length_exponent(65536), 7);
    assert_int_equal(wamp_rawsocket_length_exponent(1u << 24), 15);
    assert_int_equal(wamp_rawsocket_length_exponent(UINT32_MAX), 15);
    assert_int_equal(wamp_framing_sniff((const uint8_t *)"\x7f", 1), WAMP_FRAMING_RAWSOCKET);
    assert_int_equal(wamp_framing_sniff((const uint8_t *)"GET", 3), WAMP_FRAMING_WEBSOCKET);
    assert_int_equal(wamp_framing_sniff(NULL, 0), WAMP_FRAMING_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(server_ok),
        cmocka_unit_test(server_errors),
        cmocka_unit_test(server_close_during_handshake),
        cmocka_unit_test(client_handshake),
        cmocka_unit_test(frames),
        cmocka_unit_test(invalid_frames),
        cmocka_unit_test(x_bit_exactly_2_24),
        cmocka_unit_test(send_limits),
        cmocka_unit_test(ping_pong),
        cmocka_unit_test(heartbeat),
        cmocka_unit_test(eof_and_close),
        cmocka_unit_test(write_callback),
        cmocka_unit_test(length_exponent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
