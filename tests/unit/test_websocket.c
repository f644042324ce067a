/* WebSocket framer: scripted peers, exact bytes in and out (RFC 6455, RFC 7692). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "support.h"
#include "support/transport_rec.h"

/* ---------------------------------------------------------------- byte builder */

typedef struct bb {
    uint8_t *d;
    size_t n;
} bb;

static void bb_put(bb *b, const void *p, size_t n)
{
    b->d = realloc(b->d, b->n + n + 1);
    if (n) memcpy(b->d + b->n, p, n);
    b->n += n;
}
static void bb_str(bb *b, const char *s)
{
    bb_put(b, s, strlen(s));
}
static void bb_hex(bb *b, const char *hex)
{
    size_t n;
    uint8_t *d = wt_unhex(hex, &n);
    assert_non_null(d);
    bb_put(b, d, n);
    free(d);
}
/* A frame with first byte b0; masked with key (4 bytes) unless key is NULL. */
static void bb_frame(bb *b, uint8_t b0, const uint8_t *key, const void *pl, size_t n)
{
    uint8_t h[14];
    size_t hl = 2;
    h[0] = b0;
    if (n < 126) {
        h[1] = (uint8_t)n;
    } else if (n < 65536) {
        h[1] = 126, h[2] = (uint8_t)(n >> 8), h[3] = (uint8_t)n, hl = 4;
    } else {
        h[1] = 127;
        for (int i = 0; i < 8; i++)
            h[2 + i] = (uint8_t)((uint64_t)n >> (56 - 8 * i));
        hl = 10;
    }
    if (key) {
        h[1] |= 0x80;
        memcpy(h + hl, key, 4);
        hl += 4;
    }
    bb_put(b, h, hl);
    const uint8_t *p = pl;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = key ? p[i] ^ key[i & 3] : p[i];
        bb_put(b, &c, 1);
    }
}
static char *bb_tohex(const bb *b)
{
    char *s = malloc(2 * b->n + 1);
    for (size_t i = 0; i < b->n; i++)
        sprintf(s + 2 * i, "%02x", b->d[i]);
    s[2 * b->n] = '\0';
    return s;
}
static void bb_free(bb *b)
{
    free(b->d);
    b->d = NULL;
    b->n = 0;
}

static const uint8_t K[4] = {0x37, 0xfa, 0x21, 0x3d}; /* RFC 6455 §5.7 masking key */

/* ---------------------------------------------------------------- scenario runner */

typedef struct wsscen {
    bool server;
    wamp_websocket_options o;
    int reject;
    bool echo;
    bool close_on_msg;
    const char *add_name, *add_value;
    const bb *in;
} wsscen;

static void ws_run(const wsscen *s, size_t chunk, char **log, char **out)
{
    wt_rec *r = calloc(1, sizeof *r);
    r->reject = s->reject;
    r->echo = s->echo;
    r->close_on_msg = s->close_on_msg;
    r->add_header_name = s->add_name;
    r->add_header_value = s->add_value;
    unsigned counter = 0;
    wamp_websocket_options o = s->o;
    if (!s->server) {
        o.random = wt_counter_random;
        o.random_user = &counter;
        if (!o.host) o.host = "localhost:8080";
    }
    wamp_framer *f = NULL;
    assert_int_equal(wamp_websocket_new(&f, s->server, &o, &wt_rec_cbs, r), WAMP_OK);
    assert_int_equal(wamp_framer_start(f), WAMP_OK);
    for (size_t off = 0; off < s->in->n;) {
        size_t c = s->in->n - off < chunk ? s->in->n - off : chunk;
        int rc = wamp_framer_feed(f, s->in->d + off, c);
        off += c;
        if (rc == WAMP_ECLOSED) break;
    }
    *out = wt_drain_hex(f);
    *log = strdup(r->log);
    wamp_framer_free(f);
    free(r);
}

static void ws_check(const wsscen *s, const char *want_log, const bb *want_out)
{
    static const size_t chunks[] = {SIZE_MAX, 1, 7};
    char *want_hex = bb_tohex(want_out);
    for (size_t i = 0; i < 3; i++) {
        char *log, *out;
        ws_run(s, chunks[i], &log, &out);
        if (strcmp(log, want_log) != 0) fprintf(stderr, "chunk %zu log: %.300s\n", chunks[i], log);
        assert_string_equal(log, want_log);
        assert_string_equal(out, want_hex);
        free(log);
        free(out);
    }
    free(want_hex);
}

/* ---------------------------------------------------------------- fixtures */

#define REQ_HEAD                                                                                   \
    "GET /ws HTTP/1.1\r\nHost: localhost:8080\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"    \
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
#define REQ_JSON REQ_HEAD "Sec-WebSocket-Protocol: wamp.2.json\r\n\r\n"
#define RESP_JSON                                                                                  \
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"            \
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: "               \
    "wamp.2.json\r\n\r\n"
#define HS_JSON "hs(1,0,wamp.2.json,0,-);open;"

#define CLI_REQ                                                                                    \
    "GET / HTTP/1.1\r\nHost: localhost:8080\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"      \
    "Sec-WebSocket-Key: AAECAwQFBgcICQoLDA0ODw==\r\nSec-WebSocket-Version: 13\r\n"                 \
    "Sec-WebSocket-Protocol: wamp.2.json\r\n\r\n"
#define CLI_RESP_HEAD                                                                              \
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"            \
    "Sec-WebSocket-Accept: Bz3qJYTGdOe8gUSpLosEdiLKDrk=\r\nSec-WebSocket-Protocol: "               \
    "wamp.2.json\r\n"
#define CLI_RESP CLI_RESP_HEAD "\r\n"

static const char *const json_only[] = {"wamp.2.json"};

/* Server (JSON) fed REQ_JSON + frames; the output starts with RESP_JSON. */
static void server_case(const bb *frames, const char *log_tail, const char *out_frames_hex,
                        size_t max_msg)
{
    bb in = {0}, want = {0};
    bb_str(&in, REQ_JSON);
    bb_put(&in, frames->d, frames->n);
    bb_str(&want, RESP_JSON);
    bb_hex(&want, out_frames_hex);
    wsscen s = {.server = true,
                .o = {.protocols = json_only, .protocol_count = 1, .max_message_size = max_msg},
                .in = &in};
    size_t ll = strlen(HS_JSON) + strlen(log_tail) + 1;
    char *log = malloc(ll);
    snprintf(log, ll, "%s%s", HS_JSON, log_tail);
    ws_check(&s, log, &want);
    free(log);
    bb_free(&in);
    bb_free(&want);
}

/* One masked frame from the client must fail the connection with `code`. */
static void server_fails(uint8_t b0, const void *pl, size_t n, const char *log_tail,
                         const char *close_hex)
{
    bb fr = {0};
    bb_frame(&fr, b0, K, pl, n);
    server_case(&fr, log_tail, close_hex, 0);
    bb_free(&fr);
}

/* ---------------------------------------------------------------- server handshake */

static void server_handshake_rfc(void **st)
{
    /* RFC 6455 §1.3 key; Autobahn-like request with cookies and origin */
    bb in = {0};
    bb_str(&in,
           "GET /chat?x=1 HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n"
           "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
           "Origin: http://example.com\r\nSec-WebSocket-Protocol: wamp.2.json, wamp.2.msgpack\r\n"
           "Sec-WebSocket-Version: 13\r\nCookie: cbtid=abc123; x=\"y z\"\r\nCookie: b=2\r\n\r\n");
    wt_rec r = {0};
    wamp_framer *f;
    assert_int_equal(wamp_websocket_new(&f, true, NULL, &wt_rec_cbs, &r), WAMP_OK);
    assert_int_equal(wamp_framer_feed(f, in.d, in.n), WAMP_OK);
    /* default preference: cbor > msgpack > ubjson > json — whatever the client's order */
    size_t n;
    char *out = wt_drain_text(f, &n);
    assert_string_equal(
        out, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
             "Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
             "Sec-WebSocket-Protocol: wamp.2.msgpack\r\n\r\n");
    free(out);
    assert_string_equal(r.log, "hs(2,0,wamp.2.msgpack,0,-);open;");
    const wamp_http_message *m = wamp_framer_http_received(f);
    assert_non_null(m);
    assert_string_equal(m->method, "GET");
    assert_string_equal(m->target, "/chat?x=1");
    assert_string_equal(m->path, "/chat");
    assert_string_equal(m->query, "x=1");
    assert_int_equal(m->header_count, 9);
    assert_string_equal(wamp_http_get(m, "origin"), "http://example.com");
    assert_string_equal(wamp_http_get(m, "COOKIE"), "cbtid=abc123; x=\"y z\"");
    assert_int_equal(m->cookie_count, 3);
    assert_string_equal(wamp_http_cookie(m, "cbtid"), "abc123");
    assert_string_equal(wamp_http_cookie(m, "x"), "y z");
    assert_string_equal(wamp_http_cookie(m, "b"), "2");
    assert_null(wamp_http_cookie(m, "nope"));
    assert_true(wamp_http_has_token(m, "connection", "UPGRADE"));
    assert_false(wamp_http_has_token(m, "connection", "close"));
    const wamp_http_message *sent = wamp_framer_http_sent(f);
    assert_int_equal(sent->status, 101);
    assert_string_equal(sent->reason, "Switching Protocols");
    assert_string_equal(wamp_http_get(sent, "sec-websocket-protocol"), "wamp.2.msgpack");
    assert_string_equal(wamp_framer_protocol(f), "wamp.2.msgpack");
    assert_int_equal(wamp_framer_serializer(f), WAMP_SER_MSGPACK);
    wamp_transport_details d;
    wamp_transport_details_init(&d);
    wamp_framer_fill_details(f, &d);
    assert_string_equal(d.http_cbtid, "abc123");
    assert_string_equal(d.websocket_protocol, "wamp.2.msgpack");
    assert_ptr_equal(d.http_headers_received, m);
    assert_int_equal(d.channel_framing, WAMP_FRAMING_WEBSOCKET);
    assert_int_equal(d.is_server, 1);
    wamp_framer_free(f);
    bb_free(&in);
}

static void server_protocol_preference(void **st)
{
    /* server order decides: json preferred over msgpack although the client lists msgpack first */
    const char *const prefs[] = {"wamp.2.json", "wamp.2.msgpack"};
    bb in = {0}, want = {0};
    bb_str(&in, REQ_HEAD
           "Sec-WebSocket-Protocol: wamp.2.msgpack\r\nSec-WebSocket-Protocol: wamp.2.json\r\n\r\n");
    bb_str(&want, RESP_JSON);
    wsscen s = {.server = true, .o = {.protocols = prefs, .protocol_count = 2}, .in = &in};
    ws_check(&s, HS_JSON, &want);
    bb_free(&in);
    bb_free(&want);
    /* batched variants are distinct subprotocols */
    const char *const bat[] = {"wamp.2.cbor.batched"};
    bb_str(&in, REQ_HEAD "Sec-WebSocket-Protocol: wamp.2.cbor, wamp.2.cbor.batched\r\n\r\n");
    bb_str(&want,
           "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
           "Sec-WebSocket-Protocol: wamp.2.cbor.batched\r\n\r\n");
    wsscen s2 = {.server = true, .o = {.protocols = bat, .protocol_count = 1}, .in = &in};
    ws_check(&s2, "hs(3,1,wamp.2.cbor.batched,0,-);open;", &want);
    bb_free(&in);
    bb_free(&want);
}

static void http_error_case(const char *req, size_t max_head, size_t max_headers, int reject,
                            int status, const char *reason, const char *body, bool is426,
                            bool reaches_handshake)
{
    bb in = {0}, want = {0};
    bb_str(&in, req);
    char head[1024];
    snprintf(
        head, sizeof head,
        "HTTP/1.1 %d %s\r\n%sContent-Type: text/plain; charset=utf-8\r\nContent-Length: %zu\r\n"
        "Connection: close\r\n\r\n%s",
        status, reason, is426 ? "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n" : "",
        strlen(body), body);
    bb_str(&want, head);
    wsscen s = {.server = true,
                .reject = reject,
                .o = {.protocols = json_only,
                      .protocol_count = 1,
                      .max_http_head = max_head,
                      .max_http_headers = max_headers},
                .in = &in};
    char log[512];
    snprintf(log, sizeof log, "%serr(-60);close(%d,0,%s);",
             reaches_handshake ? "hs(1,0,wamp.2.json,0,-);" : "", status, body);
    ws_check(&s, log, &want);
    bb_free(&in);
    bb_free(&want);
}

#define ERR400(req, body) http_error_case(req, 0, 0, 0, 400, "Bad Request", body, false, false)
#define ERR426(req, body) http_error_case(req, 0, 0, 0, 426, "Upgrade Required", body, true, false)

static void server_handshake_errors(void **st)
{
    const char *proto = "Sec-WebSocket-Protocol: wamp.2.json\r\n";
    char req[2048];
    ERR400("POST /ws HTTP/1.1\r\nHost: a\r\n\r\n", "method must be GET");
    ERR400("GET /ws HTTP/1.0\r\nHost: a\r\n\r\n", "HTTP/1.1 required");
    ERR400("GET /ws HTTP/2.0\r\nHost: a\r\n\r\n", "malformed HTTP request");
    ERR400("GET /ws\r\nHost: a\r\n\r\n", "malformed HTTP request");
    ERR400("GET  /ws HTTP/1.1\r\nHost: a\r\n\r\n", "malformed HTTP request");
    ERR400("GET /ws HTTP/1.1\r\nHost a\r\n\r\n", "malformed HTTP request");
    ERR400("GET /ws HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", "malformed HTTP request");
    ERR400("GET /ws HTTP/1.1\r\nBad Name: a\r\n\r\n", "malformed HTTP request");
    ERR400("GET /ws HTTP/1.1\r\nHost: a\x01\r\n\r\n", "malformed HTTP request");
    ERR400("GET /ws HTTP/1.1\r\nHost: a\rb\r\n\r\n", "malformed HTTP request");
    ERR400("\r\n\r\n", "malformed HTTP request");
    ERR400("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n", "exactly one Host header required");
    ERR400("GET /ws HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "exactly one Host header required");
    ERR426("GET /ws HTTP/1.1\r\nHost: a\r\n\r\n", "WebSocket upgrade required");
    ERR426("GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n",
           "WebSocket upgrade required");
    ERR426("GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: keep-alive\r\n\r\n",
           "Connection: Upgrade required");
    ERR400("GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: WebSocket\r\nConnection: upgrade\r\n\r\n",
           "Sec-WebSocket-Version missing");
    ERR426("GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Version: 8\r\n\r\n",
           "unsupported WebSocket version");
    const char *base =
        "GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Version: 13\r\n";
    snprintf(req, sizeof req, "%s%s\r\n", base, proto);
    ERR400(req, "bad Sec-WebSocket-Key");
    snprintf(req, sizeof req, "%sSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ\r\n%s\r\n", base, proto);
    ERR400(req, "bad Sec-WebSocket-Key");
    snprintf(req, sizeof req, "%sSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ*=\r\n%s\r\n", base,
             proto);
    ERR400(req, "bad Sec-WebSocket-Key");
    snprintf(req, sizeof req, "%sSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n%s\r\n", base,
             proto);
    ERR400(req, "bad Sec-WebSocket-Key"); /* 21 bytes */
    const char *withkey = REQ_HEAD;
    snprintf(req, sizeof req, "%s\r\n", withkey);
    ERR400(req, "no acceptable WAMP WebSocket subprotocol offered");
    snprintf(req, sizeof req, "%sSec-WebSocket-Protocol: chat, wamp.2.jsonx, wamp.1.json\r\n\r\n",
             withkey);
    ERR400(req, "no acceptable WAMP WebSocket subprotocol offered");
    /* deflate disabled: the extension header is not even looked at */
    http_error_case(REQ_JSON, 0, 0, 503, 503, "Service Unavailable", "connection denied", false,
                    true);
    http_error_case(REQ_JSON, 0, 0, 42, 403, "Forbidden", "connection denied", false, true);
    /* bounds */
    http_error_case(REQ_JSON, 0, 4, 0, 400, "Bad Request", "too many header fields", false, false);
    http_error_case(REQ_JSON, 64, 0, 0, 400, "Bad Request", "request head too large", false, false);
    /* bare LF never completes a head: bounded by max_http_head */
    http_error_case(
        "GET /ws HTTP/1.1\nHost: a\n\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 40,
        0, 0, 400, "Bad Request", "request head too large", false, false);
}

static void server_extra_headers(void **st)
{
    bb in = {0}, want = {0};
    bb_str(&in, REQ_JSON);
    bb_str(&want,
           "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: "
           "wamp.2.json\r\n"
           "Server: libwamp\r\nSet-Cookie: cbtid=xyz\r\n\r\n");
    const wamp_http_header hdrs[] = {{"Server", "libwamp"}};
    wsscen s = {
        .server = true,
        .o = {.protocols = json_only, .protocol_count = 1, .headers = hdrs, .header_count = 1},
        .add_name = "Set-Cookie",
        .add_value = "cbtid=xyz",
        .in = &in};
    ws_check(&s, HS_JSON, &want);
    bb_free(&in);
    bb_free(&want);
    /* outside on_handshake it is refused */
    wamp_framer *f;
    assert_int_equal(wamp_websocket_new(&f, true, NULL, NULL, NULL), WAMP_OK);
    assert_int_equal(wamp_framer_add_header(f, "X", "y"), WAMP_ESTATE);
    wamp_framer_free(f);
}

static void server_close_in_handshake(void **st)
{
    wt_rec r = {0};
    wamp_framer *f;
    wamp_websocket_options o = {.protocols = json_only, .protocol_count = 1};
    assert_int_equal(wamp_websocket_new(&f, true, &o, &wt_rec_cbs, &r), WAMP_OK);
    assert_int_equal(wamp_framer_feed(f, (const uint8_t *)"GET / HTTP/1.1\r\n", 16), WAMP_OK);
    assert_int_equal(wamp_framer_close(f, 1001, "busy"), WAMP_OK);
    char *out = wt_drain_text(f, NULL);
    assert_string_equal(
        out, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
             "Content-Length: 4\r\nConnection: close\r\n\r\nbusy");
    free(out);
    assert_string_equal(r.log, "err(-60);close(503,0,busy);");
    wamp_framer_free(f);
}

/* ---------------------------------------------------------------- frames (server side) */

static void server_frames_rfc(void **st)
{
    bb fr = {0};
    /* RFC 6455 §5.7: a single-frame masked text message "Hello" */
    bb_hex(&fr, "818537fa213d7f9f4d5158");
    /* fragmented masked text, a ping between the fragments */
    bb_frame(&fr, 0x01, K, "Hel", 3);
    bb_frame(&fr, 0x89, K, "Hello", 5);
    bb_frame(&fr, 0x80, K, "lo", 2);
    /* empty text, 256-byte and 65536-byte binary (16- and 64-bit lengths) */
    bb_frame(&fr, 0x81, K, "", 0);
    uint8_t *big = malloc(65536);
    for (size_t i = 0; i < 65536; i++)
        big[i] = (uint8_t)i;
    bb_frame(&fr, 0x82, K, big, 256);
    bb_frame(&fr, 0x82, K, big, 65536);
    /* unsolicited pong */
    bb_frame(&fr, 0x8A, K, "p", 1);
    bb log = {0};
    bb_str(&log, "msg(t):48656c6c6f;ping:48656c6c6f;msg(t):48656c6c6f;msg(t):;msg(b):");
    char *hx = malloc(2 * 65536 + 1);
    for (size_t i = 0; i < 256; i++)
        sprintf(hx + 2 * i, "%02x", big[i]);
    bb_str(&log, hx);
    bb_str(&log, ";msg(b):");
    for (size_t i = 0; i < 65536; i++)
        sprintf(hx + 2 * i, "%02x", big[i]);
    bb_str(&log, hx);
    bb_str(&log, ";pong:70;");
    bb_put(&log, "", 1);
    /* the pong echoes the ping, unmasked (RFC 6455 §5.7 "Unmasked Pong") */
    server_case(&fr, (const char *)log.d, "8a0548656c6c6f", 0);
    free(hx);
    free(big);
    bb_free(&fr);
    bb_free(&log);
}

static void server_invalid_frames(void **st)
{
    const char *p1002 = "8802"
                        "03ea",
               *p1007 = "8802"
                        "03ef",
               *p1009 = "8802"
                        "03f1";
    /* reserved bits without extension */
    server_fails(0xC1, "a", 1, "err(-61);close(1002,0,RSV1 set without permessage-deflate);",
                 p1002);
    server_fails(0xA1, "a", 1, "err(-61);close(1002,0,reserved bits set);", p1002);
    server_fails(0x91, "a", 1, "err(-61);close(1002,0,reserved bits set);", p1002);
    /* reserved opcodes */
    const uint8_t ops[] = {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF};
    for (size_t i = 0; i < sizeof ops; i++)
        server_fails((uint8_t)(0x80 | ops[i]), "", 0, "err(-61);close(1002,0,reserved opcode);",
                     p1002);
    /* unmasked client frame */
    bb fr = {0};
    bb_frame(&fr, 0x81, NULL, "Hello", 5);
    server_case(&fr, "err(-61);close(1002,0,unmasked client frame);", p1002, 0);
    bb_free(&fr);
    /* control frames: fragmented, too long */
    server_fails(0x09, "x", 1, "err(-61);close(1002,0,fragmented control frame);", p1002);
    char pl[126];
    memset(pl, 'x', sizeof pl);
    server_fails(0x89, pl, 126, "err(-61);close(1002,0,control frame too long);", p1002);
    server_fails(0x88, pl, 126, "err(-61);close(1002,0,control frame too long);", p1002);
    /* continuation without start; new message while fragmented */
    server_fails(0x80, "x", 1, "err(-61);close(1002,0,continuation without a message);", p1002);
    bb_frame(&fr, 0x01, K, "a", 1);
    bb_frame(&fr, 0x81, K, "b", 1);
    server_case(&fr, "err(-61);close(1002,0,new message inside a fragmented one);", p1002, 0);
    bb_free(&fr);
    bb_frame(&fr, 0x02, K, "a", 1);
    bb_frame(&fr, 0x02, K, "b", 1);
    server_case(&fr, "err(-61);close(1002,0,new message inside a fragmented one);", p1002, 0);
    bb_free(&fr);
    /* invalid UTF-8 */
    server_fails(0x81,
                 "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64",
                 20, "err(-22);close(1007,0,invalid UTF-8 in text message);", p1007);
    server_fails(0x81, "\xc0\xaf", 2, "err(-22);close(1007,0,invalid UTF-8 in text message);",
                 p1007);
    server_fails(0x81, "\xf4\x90\x80\x80", 4,
                 "err(-22);close(1007,0,invalid UTF-8 in text message);", p1007);
    server_fails(0x81, "\xce", 1, "err(-22);close(1007,0,invalid UTF-8 in text message);", p1007);
    /* a code point split across fragments is fine */
    bb_frame(&fr, 0x01, K, "\xce", 1);
    bb_frame(&fr, 0x80, K, "\xba", 1);
    server_case(&fr, "msg(t):ceba;", "", 0);
    bb_free(&fr);
    /* invalid across fragments: fails at the second fragment, before the message ends */
    bb_frame(&fr, 0x01, K, "ok\xce", 3);
    bb_frame(&fr, 0x00, K, "\x41", 1);
    bb_frame(&fr, 0x80, K, "zz", 2);
    server_case(&fr, "err(-22);close(1007,0,invalid UTF-8 in text message);", p1007, 0);
    bb_free(&fr);
    /* ends inside a sequence */
    bb_frame(&fr, 0x01, K, "ok", 2);
    bb_frame(&fr, 0x80, K, "\xe2\x82", 2);
    server_case(&fr, "err(-22);close(1007,0,invalid UTF-8 in text message);", p1007, 0);
    bb_free(&fr);
    /* fail fast inside a frame: the payload streams, so bad UTF-8 at its start is seen before
     * the rest of a large frame arrives */
    char *bigt = malloc(100000);
    memset(bigt, 'a', 100000);
    bigt[10] = (char)0xff;
    bb_frame(&fr, 0x81, K, bigt, 100000);
    fr.n = 200; /* only the beginning of the frame arrives */
    server_case(&fr, "err(-22);close(1007,0,invalid UTF-8 in text message);", p1007, 0);
    bb_free(&fr);
    free(bigt);
    /* binary is not checked */
    server_fails(0x82, "\xff", 1, "msg(b):ff;", "");
    /* message size limit: single frame and across fragments */
    bb_frame(&fr, 0x81, K, "0123456789abcdefg", 17);
    server_case(&fr, "err(-24);close(1009,0,message too big);", p1009, 16);
    bb_free(&fr);
    bb_frame(&fr, 0x81, K, "0123456789abcdef", 16);
    server_case(&fr, "msg(t):30313233343536373839616263646566;", "", 16);
    bb_free(&fr);
    bb_frame(&fr, 0x01, K, "0123456789", 10);
    bb_frame(&fr, 0x80, K, "abcdefg", 7);
    server_case(&fr, "err(-24);close(1009,0,message too big);", p1009, 16);
    bb_free(&fr);
    /* 64-bit length with the top bit set */
    bb_hex(&fr, "81ff8000000000000001"
                "37fa213d");
    server_case(&fr, "err(-61);close(1002,0,frame length has its top bit set);", p1002, 0);
    bb_free(&fr);
    /* oversize is detected from the header alone */
    bb_hex(&fr, "82ff0000000100000000"
                "37fa213d");
    server_case(&fr, "err(-24);close(1009,0,message too big);", p1009, 0);
    bb_free(&fr);
}

static void server_close_codes(void **st)
{
    const char *p1002 = "880203ea";
    /* valid codes are echoed */
    const unsigned ok[] = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010,
                           1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        uint8_t p[2] = {(uint8_t)(ok[i] >> 8), (uint8_t)ok[i]};
        char log[64], hex[16];
        snprintf(log, sizeof log, "close(%u,1,);", ok[i]);
        snprintf(hex, sizeof hex, "8802%02x%02x", p[0], p[1]);
        server_fails(0x88, p, 2, log, hex);
    }
    /* invalid codes: protocol error */
    const unsigned bad[] = {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t p[2] = {(uint8_t)(bad[i] >> 8), (uint8_t)bad[i]};
        server_fails(0x88, p, 2, "err(-61);close(1002,0,invalid close code);", p1002);
    }
    /* empty close: answered with an empty close, code 1005 reported */
    server_fails(0x88, "", 0, "close(1005,1,);", "8800");
    /* reason text */
    server_fails(0x88,
                 "\x03\xe8"
                 "bye",
                 5, "close(1000,1,bye);", "880203e8");
    /* payload of length 1 */
    server_fails(0x88, "\x03", 1, "err(-61);close(1002,0,close frame with a 1-byte payload);",
                 p1002);
    /* invalid UTF-8 in the reason */
    server_fails(0x88, "\x03\xe8\xff", 3, "err(-22);close(1007,0,invalid UTF-8 in close reason);",
                 "880203ef");
    /* nothing after the close is looked at */
    bb fr = {0};
    bb_frame(&fr, 0x88, K, "\x03\xe8", 2);
    bb_frame(&fr, 0x81, K, "late", 4);
    server_case(&fr, "close(1000,1,);", "880203e8", 0);
    bb_free(&fr);
}

static void server_sends(void **st)
{
    /* echo from inside on_message: text frames for JSON, unmasked from a server; fragmented */
    bb in = {0}, want = {0};
    bb_str(&in, REQ_JSON);
    bb_frame(&in, 0x81, K, "[1,2,3]", 7);
    bb_str(&want, RESP_JSON);
    bb_hex(&want, "0103 5b312c"
                  "0003 322c33"
                  "8001 5d");
    wsscen s = {.server = true,
                .echo = true,
                .o = {.protocols = json_only, .protocol_count = 1, .fragment_size = 3},
                .in = &in};
    ws_check(&s, HS_JSON "msg(t):5b312c322c335d;", &want);
    bb_free(&in);
    bb_free(&want);
    /* close from inside on_message, then the peer's close completes the handshake */
    bb_str(&in, REQ_JSON);
    bb_frame(&in, 0x81, K, "x", 1);
    bb_frame(&in, 0x81, K, "y", 1); /* still delivered while CLOSING */
    bb_frame(&in, 0x88, K, "\x03\xe8", 2);
    bb_str(&want, RESP_JSON);
    bb_hex(&want, "880503e8627965");
    wsscen s2 = {.server = true,
                 .close_on_msg = true,
                 .o = {.protocols = json_only, .protocol_count = 1},
                 .in = &in};
    ws_check(&s2, HS_JSON "msg(t):78;msg(t):79;close(1000,1,);", &want);
    bb_free(&in);
    bb_free(&want);
}

static void close_and_ping_api(void **st)
{
    wt_rec r = {0};
    wamp_framer *f;
    wamp_websocket_options o = {.protocols = json_only, .protocol_count = 1};
    assert_int_equal(wamp_websocket_new(&f, true, &o, &wt_rec_cbs, &r), WAMP_OK);
    assert_int_equal(wamp_framer_ping(f, (const uint8_t *)"x", 1), WAMP_ESTATE);
    assert_int_equal(wamp_framer_feed(f, (const uint8_t *)REQ_JSON, strlen(REQ_JSON)), WAMP_OK);
    free(wt_drain_hex(f));
    uint8_t big[126] = {0};
    assert_int_equal(wamp_framer_ping(f, big, 126), WAMP_ETOOBIG);
    assert_int_equal(wamp_framer_ping(f, (const uint8_t *)"hb", 2), WAMP_OK);
    assert_int_equal(wamp_framer_pings_outstanding(f), 1);
    char *o1 = wt_drain_hex(f);
    assert_string_equal(o1, "89026862");
    free(o1);
    bb fr = {0};
    bb_frame(&fr, 0x8A, K, "hb", 2);
    assert_int_equal(wamp_framer_feed(f, fr.d, fr.n), WAMP_OK);
    assert_int_equal(wamp_framer_pings_outstanding(f), 0);
    bb_free(&fr);
    /* invalid close requests */
    assert_int_equal(wamp_framer_close(f, 1005, NULL), WAMP_EINVAL);
    assert_int_equal(wamp_framer_close(f, 999, NULL), WAMP_EINVAL);
    assert_int_equal(wamp_framer_close(f, 1000, "\xff"), WAMP_EINVAL);
    char longr[125];
    memset(longr, 'r', 124);
    longr[124] = 0;
    assert_int_equal(wamp_framer_close(f, 1000, longr), WAMP_EINVAL);
    assert_int_equal(wamp_framer_close(f, 4000, "app"), WAMP_OK);
    assert_int_equal(wamp_framer_get_state(f), WAMP_FRAMER_CLOSING);
    assert_int_equal(wamp_framer_send(f, (const uint8_t *)"x", 1), WAMP_ECLOSED);
    char *o2 = wt_drain_hex(f);
    assert_string_equal(o2, "88050fa0617070");
    free(o2);
    /* the peer never answers: the runtime reports the end of the stream */
    wamp_framer_eof(f);
    assert_string_equal(r.log, HS_JSON "pong:6862;close(1006,0,);");
    wamp_framer_free(f);
}

/* ---------------------------------------------------------------- client */

static void client_handshake_ok(void **st)
{
    bb in = {0}, want = {0};
    bb_str(&in, CLI_RESP);
    bb_frame(&in, 0x81, NULL, "[2]", 3); /* unmasked from the server */
    bb_frame(&in, 0x89, NULL, "pi", 2);  /* ping: answered with a masked pong */
    bb_frame(&in, 0x88, NULL,
             "\x03\xe9"
             "gone",
             6); /* close 1001: echoed, masked */
    bb_str(&want, CLI_REQ);
    const uint8_t k1[4] = {16, 17, 18, 19}, k2[4] = {20, 21, 22, 23};
    bb_frame(&want, 0x8A, k1, "pi", 2);
    bb_frame(&want, 0x88, k2, "\x03\xe9", 2);
    wsscen s = {.o = {.protocols = json_only, .protocol_count = 1}, .in = &in};
    ws_check(&s, HS_JSON "msg(t):5b325d;ping:7069;close(1001,1,gone);", &want);
    bb_free(&in);
    bb_free(&want);
    /* the client's own messages are masked with fresh keys */
    bb_str(&in, CLI_RESP);
    bb_frame(&in, 0x81, NULL, "ab", 2);
    bb_str(&want, CLI_REQ);
    bb_frame(&want, 0x81, k1, "ab", 2);
    wsscen e = {.echo = true, .o = {.protocols = json_only, .protocol_count = 1}, .in = &in};
    ws_check(&e, HS_JSON "msg(t):6162;", &want);
    bb_free(&in);
    bb_free(&want);
}

static void client_request_options(void **st)
{
    unsigned counter = 0;
    const wamp_http_header h[] = {{"Authorization", "Bearer x"}};
    wamp_websocket_options o = {.host = "[::1]:8080",
                                .resource = "/ws?a=b",
                                .origin = "http://localhost",
                                .headers = h,
                                .header_count = 1,
                                .deflate = {.enabled = true, .server_max_window_bits = 10},
                                .random = wt_counter_random,
                                .random_user = &counter};
    wamp_framer *f;
    assert_int_equal(wamp_websocket_new(&f, false, &o, NULL, NULL), WAMP_OK);
    assert_int_equal(wamp_framer_feed(f, (const uint8_t *)"x", 1), WAMP_ESTATE);
    assert_int_equal(wamp_framer_start(f), WAMP_OK);
    char *out = wt_drain_text(f, NULL);
    assert_string_equal(
        out,
        "GET /ws?a=b HTTP/1.1\r\nHost: [::1]:8080\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: AAECAwQFBgcICQoLDA0ODw==\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Protocol: wamp.2.cbor, wamp.2.msgpack, wamp.2.ubjson, wamp.2.json, "
        "wamp.2.cbor.batched, wamp.2.msgpack.batched, wamp.2.ubjson.batched, wamp.2.json.batched, "
        "wamp.2.flatbuffers\r\n"
        "Origin: http://localhost\r\n"
        "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=10; "
        "client_max_window_bits\r\n"
        "Authorization: Bearer x\r\n\r\n");
    free(out);
    const wamp_http_message *sent = wamp_framer_http_sent(f);
    assert_string_equal(sent->path, "/ws");
    assert_string_equal(wamp_http_get(sent, "authorization"), "Bearer x");
    wamp_framer_free(f);
    /* option validation */
    wamp_websocket_options bad = {0};
    assert_int_equal(wamp_websocket_new(&f, false, &bad, NULL, NULL), WAMP_EINVAL); /* no host */
    const char *const unknown[] = {"chat"};
    bad.host = "h";
    bad.protocols = unknown;
    bad.protocol_count = 1;
    assert_int_equal(wamp_websocket_new(&f, false, &bad, NULL, NULL), WAMP_EINVAL);
    bad.protocols = NULL;
    bad.deflate.server_max_window_bits = 16;
    assert_int_equal(wamp_websocket_new(&f, false, &bad, NULL, NULL), WAMP_EINVAL);
    bad.deflate.server_max_window_bits = 0;
    bad.deflate.client_max_window_bits = 8; /* our compressor cannot do 8 */
    assert_int_equal(wamp_websocket_new(&f, false, &bad, NULL, NULL), WAMP_EINVAL);
    bad.host = "h";
    bad.origin = "http://x\r\nX-Injected: 1";
    assert_int_equal(wamp_websocket_new(&f, false, &bad, NULL, NULL), WAMP_EINVAL);
    bad.origin = NULL;
    const wamp_http_header inj[] = {{"X-A", "v\r\nX-Injected: 1"}};
    bad.headers = inj;
    bad.header_count = 1;
    assert_int_equal(wamp_websocket_new(&f, false, &bad, NULL, NULL), WAMP_EINVAL);
    const wamp_http_header badname[] = {{"X A", "v"}};
    bad.headers = badname;
    assert_int_equal(wamp_websocket_new(&f, false, &bad, NULL, NULL), WAMP_EINVAL);
    bad.headers = NULL;
    bad.header_count = 0;
    bad.host = "bad host";
    bad.deflate.client_max_window_bits = 0;
    assert_int_equal(wamp_websocket_new(&f, false, &bad, NULL, NULL), WAMP_EINVAL);
}

static void client_fail_case(const char *resp, const char *log)
{
    bb in = {0}, want = {0};
    bb_str(&in, resp);
    bb_str(&want, CLI_REQ);
    wsscen s = {.o = {.protocols = json_only, .protocol_count = 1}, .in = &in};
    ws_check(&s, log, &want);
    bb_free(&in);
    bb_free(&want);
}

static void client_handshake_errors(void **st)
{
    client_fail_case("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
                     "err(-60);close(404,0,server refused the WebSocket upgrade);");
    client_fail_case("HTTP/1.1 101\r\n\r\n",
                     "err(-60);close(1002,0,response lacks Upgrade: websocket);");
    client_fail_case("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
                     "err(-60);close(1002,0,response lacks Connection: Upgrade);");
    client_fail_case(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: "
        "wamp.2.json\r\n\r\n",
        "err(-60);close(1002,0,bad Sec-WebSocket-Accept);");
    client_fail_case(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: Bz3qJYTGdOe8gUSpLosEdiLKDrk=\r\n\r\n",
        "err(-60);close(1002,0,server chose a subprotocol we did not offer);");
    client_fail_case(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: Bz3qJYTGdOe8gUSpLosEdiLKDrk=\r\nSec-WebSocket-Protocol: "
        "wamp.2.cbor\r\n\r\n",
        "err(-60);close(1002,0,server chose a subprotocol we did not offer);");
    client_fail_case(CLI_RESP_HEAD "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
                     "err(-60);close(1002,0,bad Sec-WebSocket-Extensions in response);");
    client_fail_case("HTTP/1.1 1O1 Switching\r\n\r\n",
                     "err(-60);close(1002,0,malformed HTTP response);");
    client_fail_case("HTTP/1.1 101 Switching Protocols\r\nUpgrade websocket\r\n\r\n",
                     "err(-60);close(1002,0,malformed HTTP response);");
    /* a masked frame from the server */
    bb in = {0}, want = {0};
    bb_str(&in, CLI_RESP);
    bb_frame(&in, 0x81, K, "x", 1);
    bb_str(&want, CLI_REQ);
    const uint8_t k1[4] = {16, 17, 18, 19};
    bb_frame(&want, 0x88, k1, "\x03\xea", 2);
    wsscen s = {.o = {.protocols = json_only, .protocol_count = 1}, .in = &in};
    ws_check(&s, HS_JSON "err(-61);close(1002,0,masked server frame);", &want);
    bb_free(&in);
    bb_free(&want);
}

/* ---------------------------------------------------------------- permessage-deflate */

/* A client that negotiated deflate with the given response extension line, fed frames. */
static void deflate_client_case(const char *ext_line, const bb *frames, const char *log_tail,
                                size_t max_msg, const bb *want_frames)
{
    bb in = {0}, want = {0};
    bb_str(&in, CLI_RESP_HEAD);
    bb_str(&in, "Sec-WebSocket-Extensions: ");
    bb_str(&in, ext_line);
    bb_str(&in, "\r\n\r\n");
    bb_put(&in, frames->d, frames->n);
    bb_str(&want,
           "GET / HTTP/1.1\r\nHost: localhost:8080\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: AAECAwQFBgcICQoLDA0ODw==\r\nSec-WebSocket-Version: 13\r\n"
           "Sec-WebSocket-Protocol: wamp.2.json\r\n"
           "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n");
    if (want_frames) bb_put(&want, want_frames->d, want_frames->n);
    wsscen s = {.o = {.protocols = json_only,
                      .protocol_count = 1,
                      .max_message_size = max_msg,
                      .deflate = {.enabled = true}},
                .in = &in};
    char log[4096];
    snprintf(log, sizeof log, "hs(1,0,wamp.2.json,0,%s);open;%s", ext_line, log_tail);
    ws_check(&s, log, &want);
    bb_free(&in);
    bb_free(&want);
}

static void deflate_rfc7692_examples(void **st)
{
    const char *hello = "msg(t):48656c6c6f;";
    bb fr = {0};
    /* 7.2.3.1 a message compressed in one frame */
    bb_hex(&fr, "c107f248cdc9c90700");
    deflate_client_case("permessage-deflate", &fr, hello, 0, NULL);
    bb_free(&fr);
    /* 7.2.3.1 the same message fragmented */
    bb_hex(&fr, "4103f248cd"
                "8004c9c90700");
    deflate_client_case("permessage-deflate", &fr, hello, 0, NULL);
    bb_free(&fr);
    /* 7.2.3.2 sharing the LZ77 window: the second message refers to the first */
    bb_hex(&fr, "c107f248cdc9c90700"
                "c105f200110000");
    deflate_client_case("permessage-deflate", &fr, "msg(t):48656c6c6f;msg(t):48656c6c6f;", 0, NULL);
    bb_free(&fr);
    /* 7.2.3.3 a DEFLATE block with no compression */
    bb_hex(&fr, "c10b000500faff48656c6c6f00");
    deflate_client_case("permessage-deflate", &fr, hello, 0, NULL);
    bb_free(&fr);
    /* 7.2.3.4 a block with BFINAL set */
    bb_hex(&fr, "c108f348cdc9c9070000");
    deflate_client_case("permessage-deflate", &fr, hello, 0, NULL);
    bb_free(&fr);
    /* 7.2.3.5 two DEFLATE blocks in one message */
    bb_hex(&fr, "c10df24805000000ffffcac9c90700");
    deflate_client_case("permessage-deflate", &fr, hello, 0, NULL);
    bb_free(&fr);
    /* an uncompressed message is still fine */
    bb_frame(&fr, 0x81, NULL, "Hello", 5);
    deflate_client_case("permessage-deflate", &fr, hello, 0, NULL);
    bb_free(&fr);
    /* RSV1 on a continuation frame is a protocol error */
    bb_hex(&fr, "4103f248cd"
                "c004c9c90700");
    bb want = {0};
    const uint8_t k1[4] = {16, 17, 18, 19};
    bb_frame(&want, 0x88, k1, "\x03\xea", 2);
    deflate_client_case("permessage-deflate", &fr,
                        "err(-61);close(1002,0,RSV1 set without permessage-deflate);", 0, &want);
    bb_free(&fr);
    bb_free(&want);
    /* corrupt compressed data */
    bb_hex(&fr, "c103ffffff");
    bb_frame(&want, 0x88, k1, "\x03\xef", 2);
    deflate_client_case("permessage-deflate", &fr,
                        "err(-61);close(1007,0,invalid compressed data);", 0, &want);
    bb_free(&fr);
    bb_free(&want);
}

static void deflate_server_sends_rfc_bytes(void **st)
{
    /* a server with deflate compresses "Hello" exactly as RFC 7692 7.2.3.1/7.2.3.2 show */
    const char *const json[] = {"wamp.2.json"};
    for (int nct = 0; nct < 2; nct++) {
        bb in = {0};
        bb_str(&in, REQ_HEAD "Sec-WebSocket-Protocol: wamp.2.json\r\n");
        bb_str(
            &in,
            nct ? "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n\r\n"
                : "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n");
        wamp_websocket_options o = {
            .protocols = json, .protocol_count = 1, .deflate = {.enabled = true}};
        wt_rec r = {0};
        wamp_framer *f;
        assert_int_equal(wamp_websocket_new(&f, true, &o, &wt_rec_cbs, &r), WAMP_OK);
        assert_int_equal(wamp_framer_feed(f, in.d, in.n), WAMP_OK);
        free(wt_drain_text(f, NULL));
        assert_string_equal(wamp_framer_extensions(f),
                            nct ? "permessage-deflate; server_no_context_takeover"
                                : "permessage-deflate");
        assert_int_equal(wamp_framer_send(f, (const uint8_t *)"Hello", 5), WAMP_OK);
        assert_int_equal(wamp_framer_send(f, (const uint8_t *)"Hello", 5), WAMP_OK);
        char *out = wt_drain_hex(f);
        assert_string_equal(out, nct ? "c107f248cdc9c90700"
                                       "c107f248cdc9c90700"
                                     : "c107f248cdc9c90700"
                                       "c105f200110000");
        free(out);
        /* an empty message is a single 00 (RFC 7692 7.2.3.6), also right after a sync flush */
        assert_int_equal(wamp_framer_send(f, (const uint8_t *)"", 0), WAMP_OK);
        assert_int_equal(wamp_framer_send(f, (const uint8_t *)"", 0), WAMP_OK);
        out = wt_drain_hex(f);
        assert_string_equal(out, "c10100c10100");
        free(out);
        /* and reads compressed masked frames from the client */
        bb fr = {0};
        uint8_t z[] = {0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00};
        bb_frame(&fr, 0xC1, K, z, sizeof z);
        assert_int_equal(wamp_framer_feed(f, fr.d, fr.n), WAMP_OK);
        assert_string_equal(
            r.log, nct ? "hs(1,0,wamp.2.json,0,permessage-deflate; "
                         "server_no_context_takeover);open;msg(t):48656c6c6f;"
                       : "hs(1,0,wamp.2.json,0,permessage-deflate);open;msg(t):48656c6c6f;");
        bb_free(&fr);
        bb_free(&in);
        wamp_framer_free(f);
    }
}

static void deflate_roundtrip_and_bomb(void **st)
{
    /* client <-> server through each other's output, large messages, fragmented */
    unsigned counter = 0;
    wt_rec rc = {0}, rs = {0};
    wamp_websocket_options oc = {.host = "h",
                                 .protocols = json_only,
                                 .protocol_count = 1,
                                 .fragment_size = 1000,
                                 .deflate = {.enabled = true, .client_no_context_takeover = true},
                                 .random = wt_counter_random,
                                 .random_user = &counter};
    wamp_websocket_options os = {.protocols = json_only,
                                 .protocol_count = 1,
                                 .max_message_size = 100000,
                                 .deflate = {.enabled = true, .server_max_window_bits = 10}};
    wamp_framer *c, *s;
    assert_int_equal(wamp_websocket_new(&c, false, &oc, &wt_rec_cbs, &rc), WAMP_OK);
    assert_int_equal(wamp_websocket_new(&s, true, &os, &wt_rec_cbs, &rs), WAMP_OK);
    wamp_framer_start(c);
    const uint8_t *d;
    size_t n;
    wamp_framer_output(c, &d, &n);
    assert_int_equal(wamp_framer_feed(s, d, n), WAMP_OK);
    wamp_framer_output_consume(c, n);
    wamp_framer_output(s, &d, &n);
    assert_int_equal(wamp_framer_feed(c, d, n), WAMP_OK);
    wamp_framer_output_consume(s, n);
    assert_string_equal(
        wamp_framer_extensions(s),
        "permessage-deflate; client_no_context_takeover; server_max_window_bits=10");
    assert_string_equal(wamp_framer_extensions(c), wamp_framer_extensions(s));
    char *msg = malloc(100000);
    for (size_t i = 0; i < 100000; i++)
        msg[i] = (char)('a' + (i * 7 + i / 13) % 26);
    assert_int_equal(wamp_framer_send(c, (const uint8_t *)msg, 100000), WAMP_OK);
    wamp_framer_output(c, &d, &n);
    assert_true(n < 100000);
    rs.len = 0;
    rs.log[0] = 0;
    assert_int_equal(wamp_framer_feed(s, d, n), WAMP_OK);
    wamp_framer_output_consume(c, n);
    assert_int_equal(strlen(rs.log), strlen("msg(t):;") + 200000);
    /* zip bomb: 1 MB of zeros compresses to about 1 KB; the server stops at 100000 bytes */
    uint8_t *zeros = calloc(1, 1 << 20);
    wamp_framer_free(c);
    z_stream z = {0};
    deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY);
    uint8_t *comp = malloc(1 << 20);
    z.next_in = zeros;
    z.avail_in = 1 << 20;
    z.next_out = comp;
    z.avail_out = 1 << 20;
    deflate(&z, Z_SYNC_FLUSH);
    size_t cl = (1 << 20) - z.avail_out - 4;
    deflateEnd(&z);
    bb fr = {0};
    bb_frame(&fr, 0xC2, K, comp, cl);
    rs.len = 0;
    rs.log[0] = 0;
    assert_int_equal(wamp_framer_feed(s, fr.d, fr.n), WAMP_ETOOBIG);
    assert_string_equal(rs.log, "err(-24);close(1009,0,message too big after decompression);");
    bb_free(&fr);
    free(comp);
    free(zeros);
    free(msg);
    wamp_framer_free(s);
}

/* Server negotiation: offer line -> answer line (NULL: no extension in the answer). */
static void neg_server(wamp_deflate_options o, const char *offer, const char *answer)
{
    bb in = {0};
    bb_str(&in, REQ_JSON);
    in.n -= 2; /* drop the final CRLF */
    if (offer) {
        bb_str(&in, "Sec-WebSocket-Extensions: ");
        bb_str(&in, offer);
        bb_str(&in, "\r\n");
    }
    bb_str(&in, "\r\n");
    o.enabled = true;
    wamp_websocket_options wo = {.protocols = json_only, .protocol_count = 1, .deflate = o};
    wamp_framer *f;
    wt_rec r = {0};
    assert_int_equal(wamp_websocket_new(&f, true, &wo, &wt_rec_cbs, &r), WAMP_OK);
    int rc = wamp_framer_feed(f, in.d, in.n);
    if (answer && strcmp(answer, "400") == 0) {
        assert_int_equal(rc, WAMP_EHANDSHAKE);
        assert_int_equal(wamp_framer_http_sent(f)->status, 400);
    } else {
        assert_int_equal(rc, WAMP_OK);
        const char *got = wamp_http_get(wamp_framer_http_sent(f), "Sec-WebSocket-Extensions");
        if (!answer) {
            assert_null(got);
            assert_null(wamp_framer_extensions(f));
        } else {
            assert_non_null(got);
            assert_string_equal(got, answer);
        }
    }
    wamp_framer_free(f);
    bb_free(&in);
}

static void deflate_negotiation_server(void **st)
{
    wamp_deflate_options none = {0};
    neg_server(none, NULL, NULL);
    neg_server(none, "permessage-deflate", "permessage-deflate");
    neg_server(none, "x-webkit-deflate-frame, permessage-deflate", "permessage-deflate");
    neg_server(none, "permessage-deflate; client_max_window_bits", "permessage-deflate");
    neg_server(none, "permessage-deflate; server_no_context_takeover",
               "permessage-deflate; server_no_context_takeover");
    neg_server(none, "permessage-deflate; client_no_context_takeover",
               "permessage-deflate; client_no_context_takeover");
    neg_server(none, "permessage-deflate; server_max_window_bits=12",
               "permessage-deflate; server_max_window_bits=12");
    neg_server(none, "permessage-deflate; server_max_window_bits=\"12\"",
               "permessage-deflate; server_max_window_bits=12");
    /* 8 cannot be honoured by zlib: the first offer is declined, the fallback accepted */
    neg_server(none, "permessage-deflate; server_max_window_bits=8, permessage-deflate",
               "permessage-deflate");
    neg_server(none, "permessage-deflate; server_max_window_bits=8", NULL);
    /* invalid offers are declined (not fatal) */
    neg_server(none, "permessage-deflate; server_max_window_bits=16", NULL);
    neg_server(none, "permessage-deflate; server_max_window_bits=7", NULL);
    neg_server(none, "permessage-deflate; server_max_window_bits=010", NULL);
    neg_server(none, "permessage-deflate; server_max_window_bits", NULL);
    neg_server(none, "permessage-deflate; client_max_window_bits=abc", NULL);
    neg_server(none, "permessage-deflate; server_no_context_takeover=1", NULL);
    neg_server(none, "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
               NULL);
    neg_server(none, "permessage-deflate; foo", NULL);
    neg_server(none, "foo, bar; baz=1", NULL);
    /* malformed header: 400 */
    neg_server(none, "permessage-deflate; =", "400");
    neg_server(none, "permessage-deflate; a=\"unterminated", "400");
    neg_server(none, ";;", "400");
    /* server options */
    wamp_deflate_options snct = {.server_no_context_takeover = true};
    neg_server(snct, "permessage-deflate", "permessage-deflate; server_no_context_takeover");
    wamp_deflate_options cnct = {.client_no_context_takeover = true};
    neg_server(cnct, "permessage-deflate", "permessage-deflate; client_no_context_takeover");
    wamp_deflate_options smwb = {.server_max_window_bits = 11};
    neg_server(smwb, "permessage-deflate", "permessage-deflate; server_max_window_bits=11");
    neg_server(smwb, "permessage-deflate; server_max_window_bits=9",
               "permessage-deflate; server_max_window_bits=9");
    neg_server(smwb, "permessage-deflate; server_max_window_bits=13",
               "permessage-deflate; server_max_window_bits=11");
    wamp_deflate_options cmwb = {.client_max_window_bits = 10};
    neg_server(cmwb, "permessage-deflate", "permessage-deflate");
    neg_server(cmwb, "permessage-deflate; client_max_window_bits",
               "permessage-deflate; client_max_window_bits=10");
    neg_server(cmwb, "permessage-deflate; client_max_window_bits=9",
               "permessage-deflate; client_max_window_bits=9");
    neg_server(cmwb, "permessage-deflate; client_max_window_bits=12",
               "permessage-deflate; client_max_window_bits=10");
    wamp_deflate_options all = {.server_no_context_takeover = true,
                                .client_no_context_takeover = true,
                                .server_max_window_bits = 12,
                                .client_max_window_bits = 9};
    neg_server(all, "permessage-deflate; client_max_window_bits; server_max_window_bits=10",
               "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
               "server_max_window_bits=10; client_max_window_bits=9");
    /* deflate disabled on the server: the offer is ignored */
    bb in = {0};
    bb_str(&in, REQ_HEAD "Sec-WebSocket-Protocol: wamp.2.json\r\nSec-WebSocket-Extensions: "
                         "permessage-deflate\r\n\r\n");
    bb want = {0};
    bb_str(&want, RESP_JSON);
    wsscen s = {.server = true, .o = {.protocols = json_only, .protocol_count = 1}, .in = &in};
    ws_check(&s, HS_JSON, &want);
    bb_free(&in);
    bb_free(&want);
}

/* Client negotiation: our options, the server's answer -> accepted (1), none (0), failure (-1). */
static void neg_client(wamp_deflate_options o, const char *answer, int expect,
                       const char *expect_offer)
{
    unsigned counter = 0;
    o.enabled = true;
    wamp_websocket_options wo = {.host = "localhost:8080",
                                 .protocols = json_only,
                                 .protocol_count = 1,
                                 .deflate = o,
                                 .random = wt_counter_random,
                                 .random_user = &counter};
    wamp_framer *f;
    assert_int_equal(wamp_websocket_new(&f, false, &wo, NULL, NULL), WAMP_OK);
    wamp_framer_start(f);
    const char *offer = wamp_http_get(wamp_framer_http_sent(f), "Sec-WebSocket-Extensions");
    assert_string_equal(offer, expect_offer);
    wamp_framer_output_consume(f, wamp_framer_output_pending(f));
    bb in = {0};
    bb_str(&in, CLI_RESP_HEAD);
    if (answer) {
        bb_str(&in, "Sec-WebSocket-Extensions: ");
        bb_str(&in, answer);
        bb_str(&in, "\r\n");
    }
    bb_str(&in, "\r\n");
    int rc = wamp_framer_feed(f, in.d, in.n);
    if (expect < 0) {
        assert_int_equal(rc, WAMP_EHANDSHAKE);
    } else {
        assert_int_equal(rc, WAMP_OK);
        if (expect)
            assert_string_equal(wamp_framer_extensions(f), answer);
        else
            assert_null(wamp_framer_extensions(f));
    }
    bb_free(&in);
    wamp_framer_free(f);
}

static void deflate_negotiation_client(void **st)
{
    const char *plain = "permessage-deflate; client_max_window_bits";
    wamp_deflate_options d = {0};
    neg_client(d, NULL, 0, plain);
    neg_client(d, "permessage-deflate", 1, plain);
    neg_client(d, "permessage-deflate; server_no_context_takeover", 1, plain);
    neg_client(d, "permessage-deflate; client_no_context_takeover", 1, plain);
    neg_client(d, "permessage-deflate; server_max_window_bits=8", 1, plain);
    neg_client(d, "permessage-deflate; client_max_window_bits=8", 1, plain); /* compress with 9 */
    neg_client(d, "permessage-deflate; client_max_window_bits=15", 1, plain);
    neg_client(d, "permessage-deflate; client_max_window_bits", -1, plain); /* value required */
    neg_client(d, "permessage-deflate; server_max_window_bits=16", -1, plain);
    neg_client(d, "permessage-deflate; foo", -1, plain);
    neg_client(d, "permessage-deflate, permessage-deflate", -1, plain);
    neg_client(d, "x-webkit-deflate-frame", -1, plain);
    wamp_deflate_options snct = {.server_no_context_takeover = true};
    const char *o1 = "permessage-deflate; server_no_context_takeover; client_max_window_bits";
    neg_client(snct, "permessage-deflate", -1, o1);
    neg_client(snct, "permessage-deflate; server_no_context_takeover", 1, o1);
    wamp_deflate_options smwb = {.server_max_window_bits = 10};
    const char *o2 = "permessage-deflate; server_max_window_bits=10; client_max_window_bits";
    neg_client(smwb, "permessage-deflate", -1, o2);
    neg_client(smwb, "permessage-deflate; server_max_window_bits=11", -1, o2);
    neg_client(smwb, "permessage-deflate; server_max_window_bits=9", 1, o2);
    wamp_deflate_options cmwb = {.client_max_window_bits = 11, .client_no_context_takeover = true};
    const char *o3 = "permessage-deflate; client_no_context_takeover; client_max_window_bits=11";
    neg_client(cmwb, "permessage-deflate", 1, o3);
    neg_client(cmwb, "permessage-deflate; client_max_window_bits=12", -1, o3);
    neg_client(cmwb, "permessage-deflate; client_max_window_bits=10", 1, o3);
    /* extensions answered although we offered none */
    unsigned counter = 0;
    wamp_websocket_options wo = {.host = "h",
                                 .protocols = json_only,
                                 .protocol_count = 1,
                                 .random = wt_counter_random,
                                 .random_user = &counter};
    wamp_framer *f;
    assert_int_equal(wamp_websocket_new(&f, false, &wo, NULL, NULL), WAMP_OK);
    wamp_framer_start(f);
    bb in = {0};
    bb_str(&in, CLI_RESP_HEAD "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n");
    assert_int_equal(wamp_framer_feed(f, in.d, in.n), WAMP_EHANDSHAKE);
    bb_free(&in);
    wamp_framer_free(f);
}

/* ---------------------------------------------------------------- whole-stream equivalence */

static void interleaved_pair(void **st)
{
    /* a client and a server talking through each other's output in random-sized pieces */
    unsigned counter = 7;
    wt_rec rc = {0}, rs = {0};
    rs.echo = true;
    wamp_websocket_options oc = {.host = "h",
                                 .random = wt_counter_random,
                                 .random_user = &counter,
                                 .fragment_size = 5,
                                 .deflate = {.enabled = true, .min_size = 8}};
    wamp_websocket_options os = {.deflate = {.enabled = true}};
    wamp_framer *c, *s;
    assert_int_equal(wamp_websocket_new(&c, false, &oc, &wt_rec_cbs, &rc), WAMP_OK);
    assert_int_equal(wamp_websocket_new(&s, true, &os, &wt_rec_cbs, &rs), WAMP_OK);
    wamp_framer_start(c);
    unsigned seed = 1;
    int sent = 0;
    for (int round = 0; round < 400; round++) {
        if (wamp_framer_get_state(c) == WAMP_FRAMER_OPEN &&
            (sent == 0 || (sent == 1 && round == 200))) {
            sent++;
            char m[64];
            snprintf(m, sizeof m, "message number %d, with some text to compress", sent);
            assert_int_equal(wamp_framer_send(c, (const uint8_t *)m, strlen(m)), WAMP_OK);
            assert_int_equal(wamp_framer_send(c, (const uint8_t *)"tiny", 4), WAMP_OK);
        }
        wamp_framer *from[2] = {c, s}, *to[2] = {s, c};
        for (int k = 0; k < 2; k++) {
            const uint8_t *d;
            size_t n;
            wamp_framer_output(from[k], &d, &n);
            seed = seed * 1103515245u + 12345u;
            size_t take = n ? 1 + (seed >> 16) % (n < 40 ? n : 40) : 0;
            if (take) {
                uint8_t *copy = malloc(take);
                memcpy(copy, d, take);
                wamp_framer_output_consume(from[k], take);
                assert_int_equal(wamp_framer_feed(to[k], copy, take), WAMP_OK);
                free(copy);
            }
        }
    }
    assert_int_equal(sent, 2);
    assert_int_equal(wamp_framer_output_pending(c) + wamp_framer_output_pending(s), 0);
    assert_string_equal(wamp_framer_protocol(c), "wamp.2.cbor");
    assert_string_equal(
        rc.log,
        "hs(3,0,wamp.2.cbor,0,permessage-deflate);open;"
        "msg(b):"
        "6d657373616765206e756d62657220312c207769746820736f6d65207465787420746f20636f6d7072657373;"
        "msg(b):74696e79;"
        "msg(b):"
        "6d657373616765206e756d62657220322c207769746820736f6d65207465787420746f20636f6d7072657373;"
        "msg(b):74696e79;");
    wamp_framer_free(c);
    wamp_framer_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(server_handshake_rfc),
        cmocka_unit_test(server_protocol_preference),
        cmocka_unit_test(server_handshake_errors),
        cmocka_unit_test(server_extra_headers),
        cmocka_unit_test(server_close_in_handshake),
        cmocka_unit_test(server_frames_rfc),
        cmocka_unit_test(server_invalid_frames),
        cmocka_unit_test(server_close_codes),
        cmocka_unit_test(server_sends),
        cmocka_unit_test(close_and_ping_api),
        cmocka_unit_test(client_handshake_ok),
        cmocka_unit_test(client_request_options),
        cmocka_unit_test(client_handshake_errors),
        cmocka_unit_test(deflate_rfc7692_examples),
        cmocka_unit_test(deflate_server_sends_rfc_bytes),
        cmocka_unit_test(deflate_roundtrip_and_bomb),
        cmocka_unit_test(deflate_negotiation_server),
        cmocka_unit_test(deflate_negotiation_client),
        cmocka_unit_test(interleaved_pair),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
