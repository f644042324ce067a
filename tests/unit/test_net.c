/*
 * Runtime tests: loop, post, timers, hooks, TCP/Unix/TLS streams, backpressure, timeouts,
 * closing. Everything runs on 127.0.0.1, ::1 or temporary Unix paths with ephemeral ports;
 * the loop is driven until a condition holds or a bounded timeout expires (no sleeps).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "support.h"
#include "support/tlscerts.h"
#include <wamp/net.h>

static char g_dir[256];
static char g_path[512];

static const char *tmp_path(const char *name)
{
    snprintf(g_path, sizeof g_path, "%s/%s", g_dir, name);
    return g_path;
}

/* ---------------------------------------------------------------- loop driving */

static void on_deadline(wamp_timer *t, void *user)
{
    *(bool *)user = true;
}

/* Runs the loop until *flag is true or ms elapsed; returns *flag. */
static bool run_until(wamp_loop *loop, const bool *flag, uint64_t ms)
{
    bool expired = false;
    wamp_timer *t;
    assert_int_equal(wamp_timer_new(loop, on_deadline, &expired, &t), WAMP_OK);
    wamp_timer_start(t, ms, 0);
    while (!*flag && !expired)
        wamp_loop_run(loop, WAMP_RUN_ONCE);
    wamp_timer_free(t);
    return *flag;
}

/* Runs remaining internal teardown and frees the loop; must succeed. */
static void loop_done(wamp_loop *loop)
{
    for (int i = 0; i < 4; i++)
        wamp_loop_run(loop, WAMP_RUN_NOWAIT);
    assert_int_equal(wamp_loop_free(loop), WAMP_OK);
}

/* ---------------------------------------------------------------- echo server */

typedef struct server_ctx {
    wamp_stream_server *srv;
    wamp_stream *conn;    /* last accepted */
    bool echo;            /* echo bytes back */
    bool pause_on_accept; /* reader that stops reading */
    int accepted;
    int closed;
    int close_status;
    size_t received;
    bool got_close;
    wamp_stream_info info; /* of the last accepted stream, taken at accept */
    uint8_t cid[32], cid_exp[32];
    bool has_cid;
    char peer_subject[256];
} server_ctx;

static void srv_read(wamp_stream *s, const uint8_t *data, size_t len, void *user)
{
    server_ctx *c = user;
    c->received += len;
    if (c->echo) assert_int_equal(wamp_stream_write(s, data, len), WAMP_OK);
}

static void srv_close(wamp_stream *s, int status, void *user)
{
    server_ctx *c = user;
    c->closed++;
    c->close_status = status;
    c->got_close = true;
    if (c->conn == s) c->conn = NULL;
}

static void srv_accept(wamp_stream_server *srv, wamp_stream *s, void *user)
{
    server_ctx *c = user;
    static const wamp_stream_callbacks cbs = {srv_read, NULL, srv_close};
    c->accepted++;
    c->conn = s;
    wamp_stream_set_callbacks(s, &cbs, c);
    wamp_stream_get_info(s, &c->info);
    c->has_cid = c->info.has_channel_id;
    memcpy(c->cid, c->info.channel_id_tls_unique, 32);
    memcpy(c->cid_exp, c->info.channel_id_tls_exporter, 32);
    c->peer_subject[0] = 0;
    if (c->info.peer_cert_subject)
        snprintf(c->peer_subject, sizeof c->peer_subject, "%s", c->info.peer_cert_subject);
    if (c->pause_on_accept) wamp_stream_read_stop(s);
}

/* ---------------------------------------------------------------- client */

typedef struct client_ctx {
    wamp_stream *s;
    bool done; /* connect finished (either way) */
    int status;
    uint8_t *rx;
    size_t rx_len, rx_cap;
    size_t want; /* done_rx when rx_len >= want */
    bool done_rx;
    int closed;
    int close_status;
    bool got_close;
    int drains;
    bool got_drain;
} client_ctx;

static void cli_read(wamp_stream *s, const uint8_t *data, size_t len, void *user)
{
    client_ctx *c = user;
    if (c->rx_len + len > c->rx_cap) {
        c->rx_cap = (c->rx_len + len) * 2;
        c->rx = realloc(c->rx, c->rx_cap);
        assert_non_null(c->rx);
    }
    memcpy(c->rx + c->rx_len, data, len);
    c->rx_len += len;
    if (c->want && c->rx_len >= c->want) c->done_rx = true;
}

static void cli_drain(wamp_stream *s, void *user)
{
    client_ctx *c = user;
    c->drains++;
    c->got_drain = true;
}

static void cli_close(wamp_stream *s, int status, void *user)
{
    client_ctx *c = user;
    c->closed++;
    c->close_status = status;
    c->got_close = true;
    c->s = NULL;
}

static void cli_connected(wamp_stream *s, int status, void *user)
{
    client_ctx *c = user;
    static const wamp_stream_callbacks cbs = {cli_read, cli_drain, cli_close};
    c->done = true;
    c->status = status;
    if (status == WAMP_OK) {
        c->s = s;
        wamp_stream_set_callbacks(s, &cbs, c);
    } else {
        c->s = NULL;
    }
}

static uint8_t *pattern(size_t n, unsigned seed)
{
    uint8_t *p = malloc(n ? n : 1);
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (uint8_t)x;
    }
    return p;
}

/* Sends n bytes in pieces (several writev calls in one turn), expects them echoed back. */
static void echo_roundtrip(wamp_loop *loop, client_ctx *cc, size_t n)
{
    uint8_t *data = pattern(n, (unsigned)n);
    cc->rx_len = 0;
    cc->want = n;
    cc->done_rx = false;
    size_t off = 0, piece = 1000;
    while (off < n) {
        size_t k = n - off < piece ? n - off : piece;
        size_t h = k / 2;
        wamp_iovec iov[2] = {{data + off, h}, {data + off + h, k - h}};
        assert_int_equal(wamp_stream_writev(cc->s, iov, 2), WAMP_OK);
        off += k;
        piece = piece * 3 + 7;
    }
    assert_true(run_until(loop, &cc->done_rx, 10000));
    assert_int_equal(cc->rx_len, n);
    assert_memory_equal(cc->rx, data, n);
    free(data);
}

static void close_both(wamp_loop *loop, client_ctx *cc, server_ctx *sc)
{
    wamp_stream_close(cc->s);
    assert_true(run_until(loop, &cc->got_close, 5000));
    assert_int_equal(cc->close_status, WAMP_OK);
    assert_true(run_until(loop, &sc->got_close, 5000));
    assert_int_equal(sc->close_status, WAMP_EPEERCLOSED);
    assert_int_equal(cc->closed, 1);
    assert_int_equal(sc->closed, 1);
    wamp_stream_server_free(sc->srv);
    free(cc->rx);
}

static void check_echo(wamp_loop *loop, client_ctx *cc, server_ctx *sc)
{
    assert_true(run_until(loop, &cc->done, 10000));
    assert_int_equal(cc->status, WAMP_OK);
    echo_roundtrip(loop, cc, 1);
    echo_roundtrip(loop, cc, 100000);
    echo_roundtrip(loop, cc, 3u << 20);
    wamp_stream_stats st;
    wamp_stream_get_stats(cc->s, &st);
    assert_int_equal(st.bytes_read, 1 + 100000 + (3u << 20));
    assert_int_equal(st.bytes_written, st.bytes_read);
    assert_int_equal(sc->received, st.bytes_read);
    /* coalescing: many writev calls per roundtrip, few vectored writes */
    assert_true(st.writes < 20);
}

static void test_tcp_echo_ipv4(void **state)
{
    wamp_loop *loop;
    assert_int_equal(wamp_loop_new(&loop), WAMP_OK);
    server_ctx sc = {.echo = true};
    assert_int_equal(wamp_stream_listen_tcp(loop, "127.0.0.1", 0, NULL, srv_accept, &sc, &sc.srv),
                     WAMP_OK);
    uint16_t port = wamp_stream_server_port(sc.srv);
    assert_true(port > 0);
    client_ctx cc = {0};
    assert_int_equal(
        wamp_stream_connect_tcp(loop, "127.0.0.1", port, NULL, cli_connected, &cc, NULL), WAMP_OK);
    check_echo(loop, &cc, &sc);
    wamp_stream_info ci;
    wamp_stream_get_info(cc.s, &ci);
    char want[64];
    snprintf(want, sizeof want, "tcp4:127.0.0.1:%u", port);
    assert_string_equal(ci.peer, want);
    assert_string_equal(sc.info.local, want);
    assert_string_equal(sc.info.peer, ci.local);
    assert_true(sc.info.is_server);
    assert_false(ci.is_server);
    assert_false(ci.is_secure);
    assert_true(ci.fd >= 0);
    assert_int_equal(ci.kind, WAMP_STREAM_TCP);
    close_both(loop, &cc, &sc);
    loop_done(loop);
}

static void test_tcp_echo_ipv6_and_names(void **state)
{
    wamp_loop *loop;
    assert_int_equal(wamp_loop_new(&loop), WAMP_OK);
    server_ctx sc = {.echo = true};
    int r = wamp_stream_listen_tcp(loop, "::1", 0, NULL, srv_accept, &sc, &sc.srv);
    if (r != WAMP_OK) {
        loop_done(loop);
        skip(); /* no IPv6 loopback in this environment */
    }
    uint16_t port = wamp_stream_server_port(sc.srv);
    client_ctx cc = {0};
    assert_int_equal(wamp_stream_connect_tcp(loop, "[::1]", port, NULL, cli_connected, &cc, NULL),
                     WAMP_OK);
    check_echo(loop, &cc, &sc);
    wamp_stream_info ci;
    wamp_stream_get_info(cc.s, &ci);
    char want[64];
    snprintf(want, sizeof want, "tcp6:::1:%u", port);
    assert_string_equal(ci.peer, want);
    close_both(loop, &cc, &sc);
    loop_done(loop);
}

static void test_unix_echo(void **state)
{
    wamp_loop *loop;
    assert_int_equal(wamp_loop_new(&loop), WAMP_OK);
    server_ctx sc = {.echo = true};
    const char *path = tmp_path("echo.sock");
    assert_int_equal(wamp_stream_listen_unix(loop, path, NULL, srv_accept, &sc, &sc.srv), WAMP_OK);
    client_ctx cc = {0};
    assert_int_equal(wamp_stream_connect_unix(loop, path, NULL, cli_connected, &cc, NULL), WAMP_OK);
    check_echo(loop, &cc, &sc);
    wamp_stream_info ci;
    wamp_stream_get_info(cc.s, &ci);
    assert_int_equal(ci.kind, WAMP_STREAM_UNIX);
    char want[600];
    snprintf(want, sizeof want, "unix:%s", path);
    assert_string_equal(ci.peer, want);
    assert_string_equal(sc.info.local, want);
    close_both(loop, &cc, &sc);
    loop_done(loop);
    assert_int_not_equal(access(path, F_OK), 0); /* socket file removed with the server */
}

/* ---------------------------------------------------------------- TLS */

static char ca[512], other_ca[512], srv_cert[512], srv_key[512], cli_cert[512], cli_key[512];

static void tls_echo(bool over_unix, wamp_tls_version maxv, bool client_cert)
{
    wamp_loop *loop;
    assert_int_equal(wamp_loop_new(&loop), WAMP_OK);
    wamp_tls_options stls = {.cert_file = srv_cert, .key_file = srv_key, .max_version = maxv};
    if (client_cert) {
        stls.ca_file = ca;
        stls.verify_client = WAMP_TLS_CLIENT_CERT_REQUIRED;
    }
    wamp_stream_options so = {.tls = &stls};
    server_ctx sc = {.echo = true};
    client_ctx cc = {0};
    wamp_tls_options ctls = {.ca_file = ca, .max_version = maxv};
    if (client_cert) {
        ctls.cert_file = cli_cert;
        ctls.key_file = cli_key;
    }
    wamp_stream_options co = {.tls = &ctls};
    if (over_unix) {
        const char *path = tmp_path("tls.sock");
        assert_int_equal(wamp_stream_listen_unix(loop, path, &so, srv_accept, &sc, &sc.srv), 0);
        ctls.server_name = "localhost";
        assert_int_equal(wamp_stream_connect_unix(loop, path, &co, cli_connected, &cc, NULL), 0);
    } else {
        assert_int_equal(
            wamp_stream_listen_tcp(loop, "127.0.0.1", 0, &so, srv_accept, &sc, &sc.srv), 0);
        assert_int_equal(wamp_stream_connect_tcp(loop, "localhost", wamp_stream_server_port(sc.srv),
                                                 &co, cli_connected, &cc, NULL),
                         0);
    }
    check_echo(loop, &cc, &sc);
    wamp_stream_info ci;
    wamp_stream_get_info(cc.s, &ci);
    assert_true(ci.is_secure);
    assert_true(sc.info.is_secure);
    assert_string_equal(ci.tls_version, maxv == WAMP_TLS_1_2 ? "TLSv1.2" : "TLSv1.3");
    assert_string_equal(ci.peer_cert_subject, "CN=localhost,O=libwamp tests");
    assert_string_equal(ci.peer_cert_issuer, "CN=libwamp test CA,O=libwamp tests");
    assert_true(ci.has_peer_cert && ci.peer_cert_der_len > 100);
    assert_int_equal(strlen(ci.peer_cert_sha256), 95);
    /* both ends derive the same channel ids, and they are not all zero */
    assert_true(ci.has_channel_id && sc.has_cid);
    assert_memory_equal(ci.channel_id_tls_unique, sc.cid, 32);
    assert_memory_equal(ci.channel_id_tls_exporter, sc.cid_exp, 32);
    static const uint8_t zero[32];
    assert_memory_not_equal(ci.channel_id_tls_unique, zero, 32);
    assert_memory_not_equal(ci.channel_id_tls_unique, ci.channel_id_tls_exporter, 32);
    if (!over_unix) assert_string_equal(sc.info.server_name, "localhost"); /* SNI */
    if (client_cert)
        assert_string_equal(sc.peer_subject, "CN=client1,O=libwamp tests");
    else
        assert_string_equal(sc.peer_subject, "");
    close_both(loop, &cc, &sc);
    loop_done(loop);
}

static void test_tls_tcp_echo(void **state)
{
    tls_echo(false, WAMP_TLS_DEFAULT, false);
}

static void test_tls_tcp_echo_tls12_client_cert(void **state)
{
    tls_echo(false, WAMP_TLS_1_2, true);
}

static void test_tls_unix_echo(void **state)
{
    tls_echo(true, WAMP_TLS_DEFAULT, true);
}

/* Connects a TLS client with the given options; returns the connect status. */
static int tls_connect_status(const char *host, wamp_tls_options *ctls, server_ctx *sc_out)
{
    wamp_loop *loop;
    assert_int_equal(wamp_loop_new(&loop), WAMP_OK);
    wamp_tls_options stls = {.cert_file = srv_cert, .key_file = srv_key};
    wamp_stream_options so = {.tls = &stls};
    server_ctx sc = {.echo = true};
    assert_int_equal(wamp_stream_listen_tcp(loop, "127.0.0.1", 0, &so, srv_accept, &sc, &sc.srv),
                     0);
    client_ctx cc = {0};
    wamp_stream_options co = {.tls = ctls};
    assert_int_equal(wamp_stream_connect_tcp(loop, host, wamp_stream_server_port(sc.srv), &co,
                                             cli_connected, &cc, NULL),
                     0);
    assert_true(run_until(loop, &cc.done, 10000));
    if (cc.status == WAMP_OK) {
        wamp_stream_close(cc.s);
        assert_true(run_until(loop, &cc.got_close, 5000));
    }
    /* the server side saw a failed handshake (or a successful one) */
    wamp_stream_server_stats st;
    bool settled = false;
    for (int i = 0; i < 100 && !settled; i++) {
        wamp_stream_server_get_stats(sc.srv, &st);
        settled = st.delivered + st.handshake_failed == st.accepted && st.accepted == 1;
        if (!settled) wamp_loop_run(loop, WAMP_RUN_ONCE);
    }
    assert_true(settled);
    if (sc.conn) wamp_stream_free(sc.conn);
    wamp_stream_server_free(sc.srv);
    if (sc_out) *sc_out = sc;
    loop_done(loop);
    return cc.status;
}

static void test_tls_good_cert(void **state)
{
    wamp_tls_options c = {.ca_file = ca};
    assert_int_equal(tls_connect_status("localhost", &c, NULL), WAMP_OK);
    assert_int_equal(tls_connect_status("127.0.0.1", &c, NULL), WAMP_OK); /* IP SAN */
}

static void test_tls_wrong_host(void **state)
{
    wamp_tls_options c = {.ca_file = ca, .server_name = "wrong.example.com"};
    assert_int_equal(tls_connect_status("127.0.0.1", &c, NULL), WAMP_ECERT);
    /* the same with verification disabled connects */
    wamp_tls_options c2 = {
        .ca_file = ca, .server_name = "wrong.example.com", .insecure_skip_verify = true};
    assert_int_equal(tls_connect_status("127.0.0.1", &c2, NULL), WAMP_OK);
}

static void test_tls_untrusted_ca(void **state)
{
    wamp_tls_options c = {.ca_file = other_ca};
    assert_int_equal(tls_connect_status("localhost", &c, NULL), WAMP_ECERT);
}

static void test_tls_client_cert_required(void **state)
{
    wamp_loop *loop;
    assert_int_equal(wamp_loop_new(&loop), WAMP_OK);
    wamp_tls_options stls = {.cert_file = srv_cert,
                             .key_file = srv_key,
                             .ca_file = ca,
                             .verify_client = WAMP_TLS_CLIENT_CERT_REQUIRED,
                             .max_version = WAMP_TLS_1_2};
    wamp_stream_options so = {.tls = &stls};
    server_ctx sc = {.echo = true};
    assert_int_equal(wamp_stream_listen_tcp(loop, "127.0.0.1", 0, &so, srv_accept, &sc, &sc.srv),
                     0);
    client_ctx cc = {0};
    wamp_tls_options ctls = {.ca_file = ca}; /* no client certificate */
    wamp_stream_options co = {.tls = &ctls};
    assert_int_equal(wamp_stream_connect_tcp(loop, "localhost", wamp_stream_server_port(sc.srv),
                                             &co, cli_connected, &cc, NULL),
                     0);
    assert_true(run_until(loop, &cc.done, 10000));
    assert_int_equal(cc.status, WAMP_ETLS);
    assert_int_equal(sc.accepted, 0);
    wamp_stream_server_free(sc.srv);
    loop_done(loop);
}

static void test_tls_bad_options(void **state)
{
    wamp_loop *loop;
    assert_int_equal(wamp_loop_new(&loop), WAMP_OK);
    wamp_tls_options stls = {.cert_file = "/nonexistent.pem", .key_file = srv_key};
    wamp_stream_options so = {.tls = &stls};
    wamp_stream_server *srv = NULL;
    assert_int_equal(wamp_stream_listen_tcp(loop, "127.0.0.1", 0, &so, srv_accept, NULL, &srv),
                     WAMP_ETLS);
    wamp_tls_options nokey = {.cert_file = srv_cert};
    so.tls = &nokey;
    assert_int_equal(wamp_stream_listen_tcp(loop, "127.0.0.1", 0, &so, srv_accept, NULL, &srv),
                     WAMP_EINVAL);
    loop_done(loop);
}

/* ---------------------------------------------------------------- timeouts and failures */

static void test_connect_refused(void **state)
{
    wamp_loop *loop;
    assert_int_equal(wamp_loop_new(&loop), WAMP_OK);
    server_ctx sc = {0};
    assert_int_equal(wamp_stream_listen_tcp(loop, "127.0.0.1", 0, NULL, srv_accept, &sc, &sc.srv),
                     0);
    uint16_t port = wamp_stream_server_port(sc.srv);
    wamp_stream_server_free(sc.srv); /* nobody listens there now */
    client_ctx cc = {0};
    assert_int_equal(
        wamp_stream_connect_tcp(loop, "127.0.0.1", port, NULL, cli_connected, &cc, NULL), 0);
    assert_true(run_until(loop, &cc.done, 5000));
    assert_int_equal(cc.status, WAMP_ECONNREFUSED);
    /* unix path without a listener */
    client_ctx cu = {0};
    assert_int_equal(
        wamp_stream_connect_unix(loop, tmp_path("nobody.sock"), NULL, cli_connected, &cu, NULL), 0);
    assert_true(run_until(loop, &cu.done, 5000));
    assert_int_equal(cu.status, WAMP_ECONNREFUSED);
    /* a name that does not resolve */
    client_ctx cr = {0};
    assert_int_equal(
        wamp_stream_connect_tcp(loop, "nonexistent.invalid", 1, NULL, cli_connected, &cr, NULL), 0);
    assert_true(run_until(loop, &cr.done, 10000));
    assert_int_equal(cr.status, WAMP_ERESOLVE);
    loop_done(loop);
}

/* A listening socket whose accept queue is full: the kernel drops further SYNs, so a connect
 * neither succeeds nor fails — only our connect timeout ends it. */
static void test_connect_timeout(void **state)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 0), 0);
    socklen_t al = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &al);
    uint16_t port = ntohs(a.sin_port);

    wamp_loop *loop;
    assert_int_equal(wamp_loop_new(&loop), WAMP_OK);
    wamp_stream_options o = {.connect_timeout_ms = 300};
    enum { N = 4 };
    client_ctx cc[N];
    memset(cc, 0, sizeof cc);
    for (int i = 0; i < N; i++)
        assert_int_equal(
            wamp_stream_connect_tcp(loop, "127.0.0.1", port, &o, cli_connected, &cc[i], NULL), 0);
    uint64_t t0 = wamp_loop_now(loop);
    for (int i = 0; i < N; i++)
        assert_true(run_until(loop, &cc[i].done, 5000));
    uint64_t dt = wamp_loop_now(loop) - t0;
    int timeouts = 0;
    for (int i = 0; i < N; i++) {
        if (cc[i].status == WAMP_ETIMEOUT) timeouts++;
        if (cc[i].status == WAMP_OK) wamp_stream_free(cc[i].s);
    }
    /* At least the connects beyond the accept queue time out (how many the kernel queues is
     * its business). Bounds in loop time: never before the timeout; and long before the
     * kernel's own SYN retries (over a minute) would have ended them — generous for a loaded
     * machine. */
    assert_true(timeouts >= 1);
    assert_true(dt >= 300);
    assert_true(dt < 15000);
    close(fd);
    loop_done(loop);
}

/* A TLS client against a server that accepts TCP but never speaks. */
static void test_tls_handshake_timeout(void **state)
{
    wamp_loop *loop;
    assert_int_equal(wamp_loop_new(&loop), WAMP_OK);
    server_ctx sc = {0}; /* plain server: swallows the ClientHello, answers nothing */
    assert_int_equal(wamp_stream_listen_tcp(loop, "127.0.0.1", 0, NULL, srv_accept, &sc, &sc.srv),
                     0);
    wamp_tls_options ctls = {.ca_file = ca};
    wamp_stream_options co = {.tls = &ctls, .handshake_timeout_ms = 200};
    client_ctx cc = {0};
    assert_int_equal(wamp_stream_connect_tcp(loop, "127.0.0.1", wamp_stream_server_port(sc.srv),
                                             &co, cli_connected, &cc, NULL),
                     0);
    uint64_t t0 = wamp_loop_now(loop);
    assert_true(run_until(loop, &cc.done, 15000));
    assert_int_equal(cc.status, WAMP_ETIMEOUT);
    assert_true(wamp_loop_now(loop) - t0 >= 200); /* the timer starts after t0: never earlier */
    /* the ClientHello did arrive (the server may read it only after the client gave up, if
     * the machine stalled us: wait for it rather than assume an order) */
    bool hello = false;
    wamp_timer *hd;
    assert_int_equal(wamp_timer_new(loop, on_deadline, &hello, &hd), WAMP_OK);
    wamp_timer_start(hd, 15000, 0);
    while (sc.received == 0 && !hello)
        wamp_loop_run(loop, WAMP_RUN_ONCE);
    wamp_timer_free(hd);
    assert_true(sc.received > 0);
    /* and the server side: a TLS server whose client never speaks */
    wamp_tls_options stls = {.cert_file = srv_cert, .key_file = srv_key};
    wamp_stream_options so = {.tls = &stls, .handshake_timeout_ms = 200};
    server_ctx st = {0};
    assert_int_equal(wamp_stream_listen_tcp(loop, "127.0.0.1", 0, &so, srv_accept, &st, &st.srv),
                     0);
    client_ctx plain = {0};
    assert_int_equal(wamp_stream_connect_tcp(loop, "127.0.0.1", wamp_stream_server_port(st.srv),
                                             NULL, cli_connected, &plain, NULL),
                     0);
    assert_true(run_until(loop, &plain.done, 15000));
    assert_int_equal(plain.status, WAMP_OK);
    assert_true(run_until(loop, &plain.got_close, 15000)); /* server gave up on us */
    wamp_stream_server_stats ss;
    wamp_stream_server_get_stats(st.srv, &ss);
    assert_int_equal(ss.handshake_failed, 1);
    assert_int_equal(ss.delivered, 0);
    if (sc.conn) wamp_stream_free(sc.conn);
    wamp_stream_server_free(sc.srv);
    wamp_stream_server_free(st.srv);
    free(plain.rx);
    loop_done(loop);
}

/* ---------------------------------------------------------------- backpressure */

typedef struct pump_ctx {
    wamp_stream *s;
    uint8_t *chunk;
    size_t chunk_len;
    size_t accepted;
    bool refused;
    wamp_timer *t;
} pump_ctx;

/* Writes one chunk per loop turn until a write is refused. */
static void pump_tick(wamp_timer *t, void *user)
{
    pump_ctx *p = user;
    int r = wamp_stream_write(p->s, p->chunk, p->chunk_len);
    if (r == WAMP_OK) {
        p->accepted += p->chunk_len;
    } else {
        assert_int_equal(r, WAMP_ELIMIT);
        p->refused = true;
        wamp_timer_stop(t);
    }
}

static void test_backpressure_reader_stops(void **state)
{
    wamp_loop *loop;
    assert_int_equal(wamp_loop_new(&loop), WAMP_OK);
    server_ctx sc = {.pause_on_accept = true};
    assert_int_equal(wamp_stream_listen_tcp(loop, "127.0.0.1", 0, NULL, srv_accept, &sc, &sc.srv),
                     0);
    wamp_stream_options co = {.write_high_water = 256 * 1024,
                              .write_low_water = 64 * 1024,
                              .write_limit = 1024 * 1024,
                              .pause_read_on_backpressure = 1};
    client_ctx cc = {0};
    assert_int_equal(wamp_stream_connect_tcp(loop, "127.0.0.1", wamp_stream_server_port(sc.srv),
                                             &co, cli_connected, &cc, NULL),
                     0);
    assert_true(run_until(loop, &cc.done, 5000));
    assert_int_equal(cc.status, 0);
    pump_ctx p = {.s = cc.s, .chunk_len = 64 * 1024};
    p.chunk = pattern(p.chunk_len, 7);
    assert_int_equal(wamp_timer_new(loop, pump_tick, &p, &p.t), 0);
    wamp_timer_start(p.t, 0, 1);
    assert_true(run_until(loop, &p.refused, 20000));
    wamp_stream_stats st;
    wamp_stream_get_stats(cc.s, &st);
    assert_true(st.write_queued > co.write_high_water);
    assert_true(st.write_queued + p.chunk_len > co.write_limit);
    assert_true(st.writes_refused >= 1);
    assert_true(st.backpressure_pauses >= 1);
    assert_true(st.read_paused);
    assert_int_equal(cc.drains, 0);
    assert_true(sc.received < p.accepted); /* the reader really stopped */
    /* the reader resumes: everything arrives and the writer drains */
    wamp_stream_read_start(sc.conn);
    assert_true(run_until(loop, &cc.got_drain, 20000));
    wamp_stream_get_stats(cc.s, &st);
    assert_true(st.write_queued <= co.write_low_water);
    assert_false(st.read_paused);
    bool all = false;
    for (int i = 0; i < 10000 && !all; i++) {
        all = sc.received == p.accepted;
        if (!all) wamp_loop_run(loop, WAMP_RUN_ONCE);
    }
    assert_int_equal(sc.received, p.accepted);
    wamp_timer_free(p.t);
    free(p.chunk);
    close_both(loop, &cc, &sc);
    loop_done(loop);
}

/* An echo server whose client does not read: the server's write queue fills, and the server
 * stops reading (so it cannot be made to buffer without bound), resuming later. */
static void test_backpressure_echo_server_pauses(void **state)
{
    wamp_loop *loop;
    assert_int_equal(wamp_loop_new(&loop), WAMP_OK);
    wamp_stream_options so = {.write_high_water = 128 * 1024, .write_limit = 64u << 20};
    server_ctx sc = {.echo = true};
    assert_int_equal(wamp_stream_listen_tcp(loop, "127.0.0.1", 0, &so, srv_accept, &sc, &sc.srv),
                     0);
    client_ctx cc = {0};
    assert_int_equal(wamp_stream_connect_tcp(loop, "127.0.0.1", wamp_stream_server_port(sc.srv),
                                             NULL, cli_connected, &cc, NULL),
                     0);
    assert_true(run_until(loop, &cc.done, 5000));
    wamp_stream_read_stop(cc.s);
    pump_ctx p = {.s = cc.s, .chunk_len = 64 * 1024};
    p.chunk = pattern(p.chunk_len, 9);
    assert_int_equal(wamp_timer_new(loop, pump_tick, &p, &p.t), 0);
    wamp_timer_start(p.t, 0, 1);
    /* run until the server paused its reading */
    bool paused = false;
    for (int i = 0; i < 100000 && !paused && !p.refused; i++) {
        wamp_loop_run(loop, WAMP_RUN_ONCE);
        if (sc.conn) {
            wamp_stream_stats ss;
            wamp_stream_get_stats(sc.conn, &ss);
            paused = ss.read_paused && ss.backpressure_pauses >= 1;
        }
    }
    assert_true(paused);
    wamp_timer_stop(p.t);
    wamp_stream_stats ss;
    wamp_stream_get_stats(sc.conn, &ss);
    /* paused means: above high water once, not yet back to low water (hysteresis) */
    assert_true(ss.write_queued > so.write_high_water / 4);
    assert_true(ss.write_queued_peak > so.write_high_water);
    /* the client reads again: all echoed bytes arrive */
    cc.want = p.accepted;
    cc.done_rx = false;
    wamp_stream_read_start(cc.s);
    assert_true(run_until(loop, &cc.done_rx, 30000));
    assert_int_equal(cc.rx_len, p.accepted);
    wamp_stream_get_stats(sc.conn, &ss);
    assert_false(ss.read_paused);
    wamp_timer_free(p.t);
    free(p.chunk);
    close_both(loop, &cc, &sc);
    loop_done(loop);
}

/* ---------------------------------------------------------------- closing */

static void close_while_writing(bool tls)
{
    wamp_loop *loop;
    assert_int_equal(wamp_loop_new(&loop), WAMP_OK);
    wamp_tls_options stls = {.cert_file = srv_cert, .key_file = srv_key};
    wamp_stream_options so = {.tls = tls ? &stls : NULL};
    server_ctx sc = {0};
    assert_int_equal(wamp_stream_listen_tcp(loop, "127.0.0.1", 0, &so, srv_accept, &sc, &sc.srv),
                     0);
    wamp_tls_options ctls = {.ca_file = ca};
    wamp_stream_options co = {.tls = tls ? &ctls : NULL};
    client_ctx cc = {0};
    assert_int_equal(wamp_stream_connect_tcp(loop, "localhost", wamp_stream_server_port(sc.srv),
                                             &co, cli_connected, &cc, NULL),
                     0);
    assert_true(run_until(loop, &cc.done, 5000));
    size_t n = 4u << 20;
    uint8_t *data = pattern(n, 3);
    assert_int_equal(wamp_stream_write(cc.s, data, n), 0);
    wamp_stream_close(cc.s);
    wamp_stream_close(cc.s); /* idempotent */
    assert_int_equal(wamp_stream_write(cc.s, data, 1), WAMP_ECLOSED);
    assert_true(run_until(loop, &sc.got_close, 10000));
    assert_int_equal(sc.received, n); /* graceful: everything queued was delivered */
    assert_int_equal(sc.close_status, WAMP_EPEERCLOSED);
    assert_true(run_until(loop, &cc.got_close, 10000));
    assert_int_equal(cc.closed, 1);
    assert_int_equal(cc.close_status, WAMP_OK);
    /* free while writing: no callback at all, the peer sees the connection end */
    client_ctx c2 = {0};
    sc.got_close = false;
    assert_int_equal(wamp_stream_connect_tcp(loop, "localhost", wamp_stream_server_port(sc.srv),
                                             &co, cli_connected, &c2, NULL),
                     0);
    assert_true(run_until(loop, &c2.done, 5000));
    assert_int_equal(wamp_stream_write(c2.s, data, n), 0);
    wamp_stream_free(c2.s);
    assert_true(run_until(loop, &sc.got_close, 10000));
    assert_int_equal(c2.closed, 0);
    assert_int_equal(sc.closed, 2);
    wamp_stream_server_free(sc.srv);
    free(data);
    free(cc.rx);
    loop_done(loop);
}

static void test_close_while_writing(void **state)
{
    close_while_writing(false);
}

static void test_close_while_writing_tls(void **state)
{
    close_while_writing(true);
}

static void free_in_read(wamp_stream *s, const uint8_t *data, size_t len, void *user)
{
    int *calls = user;
    (*calls)++;
    wamp_stream_free(s);
}

static void fail_close(wamp_stream *s, int status, void *user)
{
    fail_msg("on_close after free");
}

typedef struct accept_free_ctx {
    wamp_stream_server *srv;
    int reads;
    bool accepted;
} accept_free_ctx;

static void accept_free_in_read(wamp_stream_server *srv, wamp_stream *s, void *user)
{
    accept_free_ctx *a = user;
    static const wamp_stream_callbacks cbs = {free_in_read, NULL, fail_close};
    wamp_stream_set_callbacks(s, &cbs, &a->reads);
    a->accepted = true;
}

/* Freeing a stream inside its own on_read, and cancelling a connect: no callback afterwards. */
static void test_free_inside_callbacks(void **state)
{
    wamp_loop *loop;
    assert_int_equal(wamp_loop_new(&loop), WAMP_OK);
    accept_free_ctx a = {0};
    assert_int_equal(
        wamp_stream_listen_tcp(loop, "127.0.0.1", 0, NULL, accept_free_in_read, &a, &a.srv), 0);
    client_ctx cc = {0};
    assert_int_equal(wamp_stream_connect_tcp(loop, "127.0.0.1", wamp_stream_server_port(a.srv),
                                             NULL, cli_connected, &cc, NULL),
                     0);
    assert_true(run_until(loop, &cc.done, 5000));
    uint8_t *data = pattern(1 << 20, 1);
    assert_int_equal(wamp_stream_write(cc.s, data, 1 << 20), 0);
    assert_true(run_until(loop, &cc.got_close, 5000));
    assert_int_equal(a.reads, 1);
    assert_int_not_equal(cc.close_status, WAMP_OK);
    /* cancel a connect in progress */
    client_ctx c2 = {0};
    wamp_stream *pending = NULL;
    assert_int_equal(wamp_stream_connect_tcp(loop, "localhost", wamp_stream_server_port(a.srv),
                                             NULL, cli_connected, &c2, &pending),
                     0);
    assert_non_null(pending);
    wamp_stream_free(pending);
    for (int i = 0; i < 20; i++)
        wamp_loop_run(loop, WAMP_RUN_NOWAIT);
    assert_false(c2.done);
    wamp_stream_server_free(a.srv);
    free(data);
    free(cc.rx);
    loop_done(loop);
}

/* ---------------------------------------------------------------- loop, post, timers, hooks */

typedef struct post_ctx {
    wamp_loop *loop;
    int count;
    int last;
    bool in_order;
    bool done;
    pthread_t loop_thread;
    bool on_loop_thread;
} post_ctx;

#define POSTS 10000

typedef struct post_item {
    post_ctx *c;
    int seq;
} post_item;

static post_item g_items[POSTS];

static void posted(wamp_loop *loop, void *user)
{
    post_item *it = user;
    post_ctx *c = it->c;
    if (it->seq != c->last + 1) c->in_order = false;
    c->last = it->seq;
    c->on_loop_thread = c->on_loop_thread && pthread_equal(pthread_self(), c->loop_thread);
    if (++c->count == POSTS) c->done = true;
}

static void *poster(void *arg)
{
    post_ctx *c = arg;
    for (int i = 0; i < POSTS; i++) {
        g_items[i].c = c;
        g_items[i].seq = i;
        if (wamp_loop_post(c->loop, posted, &g_items[i]) != 0) abort();
    }
    return NULL;
}

static void test_loop_post_from_thread(void **state)
{
    post_ctx c = {.last = -1, .in_order = true, .on_loop_thread = true};
    assert_int_equal(wamp_loop_new(&c.loop), WAMP_OK);
    c.loop_thread = pthread_self();
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, poster, &c), 0);
    assert_true(run_until(c.loop, &c.done, 10000));
    pthread_join(th, NULL);
    assert_int_equal(c.count, POSTS);
    assert_true(c.in_order);
    assert_true(c.on_loop_thread);
    assert_int_equal(wamp_loop_post(c.loop, NULL, NULL), WAMP_EINVAL);
    loop_done(c.loop);
}

typedef struct timer_ctx {
    int fired;
    wamp_timer *self;
    bool done;
} timer_ctx;

static void tick(wamp_timer *t, void *user)
{
    timer_ctx *c = user;
    if (++c->fired == 3) {
        wamp_timer_free(t); /* free inside its own callback */
        c->done = true;
    }
}

static void never(wamp_timer *t, void *user)
{
    fail_msg("stopped/freed timer fired");
}

static void test_timers(void **state)
{
    wamp_loop *loop;
    assert_int_equal(wamp_loop_new(&loop), WAMP_OK);
    timer_ctx c = {0};
    wamp_timer *t, *t2, *t3;
    assert_int_equal(wamp_timer_new(loop, tick, &c, &t), 0);
    assert_int_equal(wamp_timer_start(t, 5, 5), 0);
    assert_int_equal(wamp_timer_new(loop, never, NULL, &t2), 0);
    assert_int_equal(wamp_timer_start(t2, 1, 0), 0);
    wamp_timer_free(t2);
    assert_int_equal(wamp_timer_new(loop, never, NULL, &t3), 0);
    wamp_timer_start(t3, 1, 0);
    wamp_timer_stop(t3);
    uint64_t t0 = wamp_loop_now(loop);
    assert_true(run_until(loop, &c.done, 5000));
    assert_int_equal(c.fired, 3);
    assert_true(wamp_loop_now(loop) - t0 >= 14);
    /* a live timer keeps the loop from being freed */
    assert_int_equal(wamp_loop_free(loop), WAMP_ESTATE);
    wamp_timer_free(t3);
    wamp_timer_free(NULL);
    loop_done(loop);
}

typedef struct hook_ctx {
    wamp_loop_hooks h;
    int fd;
    char got[16];
    size_t got_len;
    bool readable, writable, timer_fired, posted, done;
    void *watch;
} hook_ctx;

static void hook_io(int fd, unsigned events, void *user)
{
    hook_ctx *c = user;
    if (events & WAMP_IO_WRITE) {
        c->writable = true;
        c->h.io_update(c->h.ctx, c->watch, WAMP_IO_READ);
    }
    if (events & WAMP_IO_READ) {
        ssize_t n = read(fd, c->got + c->got_len, sizeof c->got - c->got_len);
        if (n > 0) c->got_len += (size_t)n;
        c->readable = true;
    }
    c->done = c->readable && c->writable && c->timer_fired && c->posted;
}

static void hook_timer_fired(void *user)
{
    hook_ctx *c = user;
    c->timer_fired = true;
    c->done = c->readable && c->writable && c->timer_fired && c->posted;
}

static void hook_posted(void *user)
{
    hook_ctx *c = user;
    c->posted = true;
    c->done = c->readable && c->writable && c->timer_fired && c->posted;
}

static void hook_never(void *user)
{
    fail_msg("disarmed hook timer fired");
}

static void test_hooks_default(void **state)
{
    wamp_loop *loop;
    assert_int_equal(wamp_loop_new(&loop), WAMP_OK);
    hook_ctx c = {0};
    wamp_loop_hooks_default(loop, &c.h);
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(
        c.h.io_start(c.h.ctx, sv[0], WAMP_IO_READ | WAMP_IO_WRITE, hook_io, &c, &c.watch), 0);
    void *tm, *tm2;
    uint64_t t0 = c.h.now_ms(c.h.ctx);
    assert_int_equal(c.h.timer_arm(c.h.ctx, 10, hook_timer_fired, &c, &tm), 0);
    assert_int_equal(c.h.timer_arm(c.h.ctx, 1, hook_never, &c, &tm2), 0);
    c.h.timer_disarm(c.h.ctx, tm2);
    assert_int_equal(c.h.post(c.h.ctx, hook_posted, &c), 0);
    assert_int_equal(write(sv[1], "hello", 5), 5);
    assert_true(run_until(loop, &c.done, 5000));
    assert_int_equal(c.got_len, 5);
    assert_memory_equal(c.got, "hello", 5);
    assert_true(c.h.now_ms(c.h.ctx) - t0 >= 9);
    c.h.timer_disarm(c.h.ctx, tm);
    c.h.io_stop(c.h.ctx, c.watch);
    close(sv[0]);
    close(sv[1]);
    loop_done(loop);
}

/* ---------------------------------------------------------------- WAMP transports */

typedef struct tsrv {
    wamp_listener *l;
    wamp_transport *t;
    int accepted, closed, close_status, msgs;
    bool got_close;
    wamp_transport_details d;
    char peer_cn[64];
    bool echo;
} tsrv;

static void ts_msg(wamp_transport *t, const uint8_t *data, size_t len, void *user)
{
    tsrv *c = user;
    c->msgs++;
    if (c->echo) assert_int_equal(wamp_transport_send(t, data, len), WAMP_OK);
}

static void ts_close(wamp_transport *t, int status, int code, const char *reason, void *user)
{
    tsrv *c = user;
    c->closed++;
    c->close_status = status;
    c->got_close = true;
    c->t = NULL;
}

static void ts_accept(wamp_listener *l, wamp_transport *t, void *user)
{
    tsrv *c = user;
    static const wamp_transport_callbacks cbs = {ts_msg, NULL, ts_close};
    c->accepted++;
    c->t = t;
    wamp_transport_set_callbacks(t, &cbs, c);
    wamp_transport_get_details(t, &c->d);
    c->peer_cn[0] = 0;
    if (c->d.peer_cert) {
        wamp_value *sub = wamp_value_dict_getc(c->d.peer_cert, "subject");
        wamp_value *cn = sub ? wamp_value_dict_getc(sub, "cn") : NULL;
        wamp_str str;
        if (cn && wamp_value_get_string(cn, &str))
            snprintf(c->peer_cn, sizeof c->peer_cn, "%.*s", (int)str.len, str.ptr);
    }
}

typedef struct tcli {
    wamp_transport *t;
    bool done, got_close, got_msg, free_in_msg;
    int status, close_status, closed, msgs;
    uint8_t last[64];
    size_t last_len;
} tcli;

static void tc_msg(wamp_transport *t, const uint8_t *data, size_t len, void *user)
{
    tcli *c = user;
    c->msgs++;
    c->got_msg = true;
    c->last_len = len < sizeof c->last ? len : sizeof c->last;
    if (len) memcpy(c->last, data, c->last_len);
    if (c->free_in_msg) {
        wamp_transport_free(t);
        c->t = NULL;
    }
}

static void tc_close(wamp_transport *t, int status, int code, const char *reason, void *user)
{
    tcli *c = user;
    c->closed++;
    c->close_status = status;
    c->got_close = true;
    c->t = NULL;
}

static void tc_connected(wamp_transport *t, int status, void *user)
{
    tcli *c = user;
    static const wamp_transport_callbacks cbs = {tc_msg, NULL, tc_close};
    c->done = true;
    c->status = status;
    c->t = status == WAMP_OK ? t : NULL;
    if (status == WAMP_OK) wamp_transport_set_callbacks(t, &cbs, c);
}

static void transport_echo(const char *scheme, bool tls)
{
    wamp_loop *loop;
    assert_int_equal(wamp_loop_new(&loop), WAMP_OK);
    tsrv sc = {.echo = true};
    wamp_listener_options lo = {0};
    wamp_tls_options stls = {.cert_file = srv_cert,
                             .key_file = srv_key,
                             .ca_file = ca,
                             .verify_client = WAMP_TLS_CLIENT_CERT_OPTIONAL};
    if (tls) lo.transport.stream.tls = &stls;
    assert_int_equal(wamp_listener_new(loop, &lo, ts_accept, &sc, &sc.l), WAMP_OK);
    char url[128];
    snprintf(url, sizeof url, "%s://localhost:%u%s", scheme, wamp_listener_port(sc.l),
             scheme[0] == 'w' ? "/ws" : "");
    wamp_tls_options ctls = {.ca_file = ca, .cert_file = cli_cert, .key_file = cli_key};
    wamp_transport_options co = {0};
    co.stream.tls = &ctls;
    tcli cc = {0};
    assert_int_equal(wamp_transport_connect(loop, url, &co, tc_connected, &cc, NULL), WAMP_OK);
    assert_true(run_until(loop, &cc.done, 10000));
    assert_int_equal(cc.status, WAMP_OK);
    assert_int_equal(sc.accepted, 1);
    bool ws = scheme[0] == 'w';
    assert_int_equal(wamp_transport_framing(cc.t),
                     ws ? WAMP_FRAMING_WEBSOCKET : WAMP_FRAMING_RAWSOCKET);
    assert_int_equal(sc.d.channel_framing, ws ? WAMP_FRAMING_WEBSOCKET : WAMP_FRAMING_RAWSOCKET);
    assert_int_equal(sc.d.is_server, 1);
    assert_int_equal(sc.d.is_secure, tls ? 1 : 0);
    assert_int_equal(sc.d.channel_type, tls ? WAMP_CHANNEL_TLS : WAMP_CHANNEL_TCP);
    assert_true(strncmp(sc.d.own, "tcp", 3) == 0 && strncmp(sc.d.peer, "tcp", 3) == 0);
    assert_true(sc.d.own_fd >= 0 && sc.d.own_pid > 0 && sc.d.own_tid > 0);
    wamp_transport_details cd;
    wamp_transport_get_details(cc.t, &cd);
    assert_string_equal(cd.peer, sc.d.own);
    assert_string_equal(cd.own, sc.d.peer);
    assert_int_equal(cd.is_server, 0);
    if (tls) {
        assert_int_equal(cd.channel_id_tls_unique_len, 32);
        assert_int_equal(sc.d.channel_id_tls_unique_len, 32);
        assert_memory_equal(cd.channel_id_tls_unique, sc.d.channel_id_tls_unique, 32);
        assert_string_equal(sc.peer_cn, "client1"); /* client certificate as a dict */
        assert_non_null(cd.peer_cert);
        assert_non_null(wamp_value_dict_getc(cd.peer_cert, "sha256"));
    } else {
        assert_int_equal(cd.channel_id_tls_unique_len, 0);
        assert_null(cd.peer_cert);
    }
    static const uint8_t msg[] = "[1,\"realm1\",{}]";
    assert_int_equal(wamp_transport_send(cc.t, msg, sizeof msg - 1), WAMP_OK);
    assert_true(run_until(loop, &cc.got_msg, 5000));
    assert_int_equal(cc.last_len, sizeof msg - 1);
    assert_memory_equal(cc.last, msg, sizeof msg - 1);
    assert_int_equal(wamp_transport_close(cc.t, 1000, "bye"), WAMP_OK);
    assert_int_equal(wamp_transport_send(cc.t, msg, 1), WAMP_ECLOSED);
    assert_true(run_until(loop, &cc.got_close, 5000));
    assert_true(run_until(loop, &sc.got_close, 5000));
    assert_int_equal(cc.close_status, WAMP_OK);
    assert_int_equal(sc.close_status, WAMP_OK);
    assert_int_equal(cc.closed, 1);
    assert_int_equal(sc.closed, 1);
    wamp_listener_stats ls;
    wamp_listener_get_stats(sc.l, &ls);
    assert_int_equal(ws ? ls.websocket : ls.rawsocket, 1);
    assert_int_equal(ls.failed, 0);
    wamp_listener_free(sc.l);
    loop_done(loop);
}

static void test_transport_ws(void **state)
{
    transport_echo("ws", false);
}

static void test_transport_rs(void **state)
{
    transport_echo("rs", false);
}

static void test_transport_wss(void **state)
{
    transport_echo("wss", true);
}

static void test_transport_rss(void **state)
{
    transport_echo("rss", true);
}

/* A raw stream that speaks only the RawSocket handshake, then never answers (no PONG). */
typedef struct mute {
    client_ctx cc;
} mute;

static void test_transport_ping_timeout(void **state)
{
    wamp_loop *loop;
    assert_int_equal(wamp_loop_new(&loop), WAMP_OK);
    tsrv sc = {0};
    wamp_listener_options lo = {0};
    lo.transport.ping_interval_ms = 30;
    lo.transport.ping_timeout_ms =
        500; /* generous: a loaded CI machine must not fail the good client */
    assert_int_equal(wamp_listener_new(loop, &lo, ts_accept, &sc, &sc.l), WAMP_OK);
    /* a well-behaved client: pings are answered, the transport stays up */
    tcli good = {0};
    char url[64];
    snprintf(url, sizeof url, "rs://127.0.0.1:%u", wamp_listener_port(sc.l));
    assert_int_equal(wamp_transport_connect(loop, url, NULL, tc_connected, &good, NULL), 0);
    assert_true(run_until(loop, &good.done, 15000));
    /* run until three pings were answered (however long a loaded machine takes): the good
     * client must not be dropped meanwhile */
    bool expired = false;
    wamp_timer *dl;
    assert_int_equal(wamp_timer_new(loop, on_deadline, &expired, &dl), WAMP_OK);
    wamp_timer_start(dl, 15000, 0);
    wamp_framer_stats fs = {0};
    while (!expired && !good.got_close && sc.t) {
        wamp_framer_get_stats(wamp_transport_framer(sc.t), &fs);
        if (fs.pongs_in >= 3) break;
        wamp_loop_run(loop, WAMP_RUN_ONCE);
    }
    wamp_timer_free(dl);
    assert_false(good.got_close);
    assert_false(sc.got_close);
    assert_true(fs.pings_out >= 3 && fs.pongs_in >= 3);
    wamp_transport_free(good.t);
    assert_true(run_until(loop, &sc.got_close, 5000));
    /* a mute client: handshake, then silence */
    sc.got_close = false;
    client_ctx mc = {0};
    assert_int_equal(wamp_stream_connect_tcp(loop, "127.0.0.1", wamp_listener_port(sc.l), NULL,
                                             cli_connected, &mc, NULL),
                     0);
    assert_true(run_until(loop, &mc.done, 5000));
    static const uint8_t hs[4] = {0x7F, 0xF1, 0, 0};
    wamp_stream_write(mc.s, hs, 4);
    wamp_stream_read_stop(mc.s); /* never reads, never answers */
    uint64_t t0 = wamp_loop_now(loop);
    assert_true(run_until(loop, &sc.got_close, 15000));
    assert_int_equal(sc.close_status, WAMP_ETIMEOUT);
    assert_true(wamp_loop_now(loop) - t0 >= 500); /* not before the pong timeout */
    wamp_stream_free(mc.s);
    free(mc.rx);
    wamp_listener_free(sc.l);
    loop_done(loop);
}

/* The WebSocket upgrade request of a scripted peer (it then does what the test wants). */
static const char ws_upgrade[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                                 "Connection: Upgrade\r\n"
                                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                 "Sec-WebSocket-Version: 13\r\n"
                                 "Sec-WebSocket-Protocol: wamp.2.json\r\n\r\n";

/* Accept: then queue 32 x 1 MiB, far more than the socket buffers hold. */
static void ts_accept_flood(wamp_listener *l, wamp_transport *t, void *user)
{
    ts_accept(l, t, user);
    uint8_t *big = calloc(1, 1u << 20);
    assert_non_null(big);
    memset(big, 'x', 1u << 20);
    for (int i = 0; i < 32; i++)
        assert_int_equal(wamp_transport_send(t, big, 1u << 20), WAMP_OK);
    free(big);
}

/* WebSocket pong timeout: a peer that reads but never answers PINGs is dropped after the pong
 * timeout; so is a peer that stopped reading while we have output queued (the queue does not
 * move, so it does not count as traffic). */
static void test_transport_ws_pong_timeout(void **state)
{
    wamp_loop *loop;
    assert_int_equal(wamp_loop_new(&loop), WAMP_OK);
    tsrv sc = {0};
    wamp_listener_options lo = {0};
    lo.transport.ping_interval_ms = 30;
    lo.transport.ping_timeout_ms = 300;
    assert_int_equal(wamp_listener_new(loop, &lo, ts_accept, &sc, &sc.l), WAMP_OK);
    /* a mute WebSocket peer: upgrade, then read everything and answer nothing */
    client_ctx mc = {0};
    assert_int_equal(wamp_stream_connect_tcp(loop, "127.0.0.1", wamp_listener_port(sc.l), NULL,
                                             cli_connected, &mc, NULL),
                     0);
    assert_true(run_until(loop, &mc.done, 5000));
    assert_int_equal(wamp_stream_write(mc.s, ws_upgrade, sizeof ws_upgrade - 1), WAMP_OK);
    uint64_t t0 = wamp_loop_now(loop);
    assert_true(run_until(loop, &sc.got_close, 10000));
    assert_int_equal(sc.close_status, WAMP_ETIMEOUT);
    assert_true(wamp_loop_now(loop) - t0 >= 250); /* not before the pong timeout */
    assert_int_equal(sc.accepted, 1);
    /* it did get the 101 and at least one PING frame (0x89, unmasked, 8-byte payload) */
    assert_true(mc.rx_len > 12 && memcmp(mc.rx, "HTTP/1.1 101", 12) == 0);
    bool saw_ping = false;
    for (size_t i = 0; i + 6 <= mc.rx_len; i++)
        if (!memcmp(mc.rx + i, "\r\n\r\n", 4)) {
            saw_ping = mc.rx[i + 4] == 0x89 && mc.rx[i + 5] == 8;
            break;
        }
    assert_true(saw_ping);
    assert_true(run_until(loop, &mc.got_close, 5000)); /* and the connection was closed */
    free(mc.rx);
    wamp_listener_free(sc.l);

    /* a peer that stops reading while 32 MiB are queued for it */
    tsrv sf = {0};
    assert_int_equal(wamp_listener_new(loop, &lo, ts_accept_flood, &sf, &sf.l), WAMP_OK);
    client_ctx sc2 = {0};
    assert_int_equal(wamp_stream_connect_tcp(loop, "127.0.0.1", wamp_listener_port(sf.l), NULL,
                                             cli_connected, &sc2, NULL),
                     0);
    assert_true(run_until(loop, &sc2.done, 5000));
    assert_int_equal(wamp_stream_write(sc2.s, ws_upgrade, sizeof ws_upgrade - 1), WAMP_OK);
    wamp_stream_read_stop(sc2.s); /* never reads again */
    t0 = wamp_loop_now(loop);
    assert_true(run_until(loop, &sf.got_close, 20000));
    assert_int_equal(sf.close_status, WAMP_ETIMEOUT);
    assert_true(wamp_loop_now(loop) - t0 >= 250);
    assert_int_equal(sf.accepted, 1);
    wamp_stream_free(sc2.s);
    free(sc2.rx);
    wamp_listener_free(sf.l);
    loop_done(loop);
}

/* ---- read-side flow control */

enum { FC_N = 400, FC_SIZE = 100 * 1024 };

typedef struct fc_srv {
    wamp_listener *l;
    wamp_transport *t;
    unsigned msgs;
    bool order_ok, all;
    unsigned pause_after;
} fc_srv;

static void fc_msg(wamp_transport *t, const uint8_t *data, size_t len, void *user)
{
    fc_srv *c = user;
    uint32_t seq =
        len >= 4
            ? ((uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3])
            : UINT32_MAX;
    if (len != FC_SIZE || seq != c->msgs || data[len - 1] != (uint8_t)seq) c->order_ok = false;
    c->msgs++;
    if (c->msgs == c->pause_after) wamp_transport_read_stop(t);
    if (c->msgs == FC_N) c->all = true;
}

static void fc_accept(wamp_listener *l, wamp_transport *t, void *user)
{
    fc_srv *c = user;
    static const wamp_transport_callbacks cbs = {fc_msg, NULL, NULL};
    c->t = t;
    wamp_transport_set_callbacks(t, &cbs, c);
}

typedef struct quiet {
    wamp_stream *s;
    uint64_t last;
    unsigned still;
    bool done;
} quiet;

/* Every 5 ms: has the client's output stopped moving for 40 ticks in a row? */
static void quiet_tick(wamp_timer *tm, void *user)
{
    quiet *q = user;
    wamp_stream_stats st;
    wamp_stream_get_stats(q->s, &st);
    q->still = st.bytes_sent == q->last ? q->still + 1 : 0;
    q->last = st.bytes_sent;
    if (q->still >= 40) q->done = true;
}

/* An application that stops reading: no message is delivered, held input stays within the
 * documented bound, the peer is pushed back (its output stops draining); reading again
 * delivers everything in order. */
static void test_transport_read_backpressure(void **state)
{
    wamp_loop *loop;
    assert_int_equal(wamp_loop_new(&loop), WAMP_OK);
    fc_srv sc = {.order_ok = true, .pause_after = 1};
    wamp_listener_options lo = {0};
    lo.transport.ping_interval_ms = 20; /* pings must not drop a paused transport */
    lo.transport.ping_timeout_ms = 40;
    assert_int_equal(wamp_listener_new(loop, &lo, fc_accept, &sc, &sc.l), WAMP_OK);
    char url[64];
    snprintf(url, sizeof url, "rs://127.0.0.1:%u", wamp_listener_port(sc.l));
    tcli cc = {0};
    assert_int_equal(wamp_transport_connect(loop, url, NULL, tc_connected, &cc, NULL), 0);
    assert_true(run_until(loop, &cc.done, 15000));
    assert_int_equal(cc.status, WAMP_OK);
    uint8_t *m = malloc(FC_SIZE);
    assert_non_null(m);
    for (uint32_t i = 0; i < FC_N; i++) {
        memset(m, (int)(i * 7), FC_SIZE);
        m[0] = (uint8_t)(i >> 24), m[1] = (uint8_t)(i >> 16), m[2] = (uint8_t)(i >> 8);
        m[3] = (uint8_t)i;
        m[FC_SIZE - 1] = (uint8_t)i;
        assert_int_equal(wamp_transport_send(cc.t, m, FC_SIZE), WAMP_OK);
    }
    free(m);
    /* wait until the client's output no longer drains (or 15 s) */
    quiet q = {.s = wamp_transport_stream(cc.t)};
    wamp_timer *qt;
    assert_int_equal(wamp_timer_new(loop, quiet_tick, &q, &qt), WAMP_OK);
    wamp_timer_start(qt, 5, 5);
    assert_true(run_until(loop, &q.done, 15000));
    wamp_timer_free(qt);
    assert_int_equal(sc.msgs, 1); /* nothing delivered while paused */
    assert_non_null(sc.t);        /* and the pings did not drop it */
    size_t held = wamp_transport_held_input(sc.t);
    assert_true(held <= 256 * 1024 + FC_SIZE); /* one read buffer + one message */
    assert_true(held % FC_SIZE == 0);
    wamp_stream_stats cs;
    wamp_stream_get_stats(wamp_transport_stream(cc.t), &cs);
    assert_true(cs.write_queued > 0); /* the peer was pushed back: 39 MiB did not fit */
    wamp_stream_stats ss;
    wamp_stream_get_stats(wamp_transport_stream(sc.t), &ss);
    assert_true(ss.read_paused);
    /* read again: everything arrives, in order */
    assert_int_equal(wamp_transport_read_start(sc.t), WAMP_OK);
    assert_int_equal(sc.msgs, 1); /* held messages come from the loop, not from the call */
    assert_true(run_until(loop, &sc.all, 30000));
    assert_true(sc.order_ok);
    assert_int_equal(wamp_transport_held_input(sc.t), 0);
    wamp_transport_free(cc.t);
    wamp_transport_free(sc.t);
    wamp_listener_free(sc.l);
    loop_done(loop);
}

/* Connects a scripted peer, sends hello, waits until it has at least want bytes back. */
static void scripted(wamp_loop *loop, uint16_t port, const void *hello, size_t n, size_t want,
                     client_ctx *c)
{
    memset(c, 0, sizeof *c);
    assert_int_equal(wamp_stream_connect_tcp(loop, "127.0.0.1", port, NULL, cli_connected, c, NULL),
                     0);
    assert_true(run_until(loop, &c->done, 15000));
    assert_int_equal(c->status, WAMP_OK);
    c->want = want;
    assert_int_equal(wamp_stream_write(c->s, hello, n), WAMP_OK);
    assert_true(run_until(loop, &c->done_rx, 15000));
}

/* max_connections: beyond it RawSocket answers handshake error 4, WebSocket HTTP 503; our own
 * clients see a failed handshake; once a connection closes, a new one is accepted again. */
static void test_listener_max_connections(void **state)
{
    wamp_loop *loop;
    assert_int_equal(wamp_loop_new(&loop), WAMP_OK);
    tsrv sc = {0};
    wamp_listener_options lo = {.max_connections = 1};
    assert_int_equal(wamp_listener_new(loop, &lo, ts_accept, &sc, &sc.l), WAMP_OK);
    uint16_t port = wamp_listener_port(sc.l);
    char rs_url[64], ws_url[64];
    snprintf(rs_url, sizeof rs_url, "rs://127.0.0.1:%u", port);
    snprintf(ws_url, sizeof ws_url, "ws://127.0.0.1:%u/", port);
    tcli a = {0};
    assert_int_equal(wamp_transport_connect(loop, rs_url, NULL, tc_connected, &a, NULL), 0);
    assert_true(run_until(loop, &a.done, 15000));
    assert_int_equal(a.status, WAMP_OK);
    /* scripted RawSocket peer: JSON, 16 MiB; the answer is exactly 7F 40 00 00 (error 4) */
    static const uint8_t rs_hello[4] = {0x7F, 0xF1, 0, 0};
    client_ctx r;
    scripted(loop, port, rs_hello, 4, 4, &r);
    static const uint8_t rs_err4[4] = {0x7F, 0x40, 0, 0};
    assert_int_equal(r.rx_len, 4);
    assert_memory_equal(r.rx, rs_err4, 4);
    assert_true(run_until(loop, &r.got_close, 15000)); /* and the server closed */
    free(r.rx);
    /* scripted WebSocket peer: HTTP 503 */
    client_ctx w;
    scripted(loop, port, ws_upgrade, sizeof ws_upgrade - 1, 12, &w);
    assert_memory_equal(w.rx, "HTTP/1.1 503", 12);
    assert_true(run_until(loop, &w.got_close, 15000));
    free(w.rx);
    /* our own clients */
    tcli b = {0}, c = {0};
    assert_int_equal(wamp_transport_connect(loop, rs_url, NULL, tc_connected, &b, NULL), 0);
    assert_int_equal(wamp_transport_connect(loop, ws_url, NULL, tc_connected, &c, NULL), 0);
    assert_true(run_until(loop, &b.done, 15000));
    assert_true(run_until(loop, &c.done, 15000));
    assert_int_equal(b.status, WAMP_EHANDSHAKE);
    assert_int_equal(c.status, WAMP_EHANDSHAKE);
    wamp_listener_stats ls;
    wamp_listener_get_stats(sc.l, &ls);
    assert_int_equal(ls.refused_max_connections, 4);
    assert_int_equal(sc.accepted, 1);
    /* the first one goes away: room again */
    wamp_transport_close(a.t, 1000, NULL);
    assert_true(run_until(loop, &sc.got_close, 15000));
    tcli d = {0};
    assert_int_equal(wamp_transport_connect(loop, ws_url, NULL, tc_connected, &d, NULL), 0);
    assert_true(run_until(loop, &d.done, 15000));
    assert_int_equal(d.status, WAMP_OK);
    assert_int_equal(sc.accepted, 2);
    wamp_transport_free(d.t);
    wamp_transport_free(sc.t);
    if (a.t) wamp_transport_free(a.t);
    wamp_listener_free(sc.l);
    loop_done(loop);
}

/* websocket_paths: only the listed request paths upgrade; others get HTTP 404; RawSocket is
 * unaffected */
static void test_listener_websocket_paths(void **state)
{
    wamp_loop *loop;
    assert_int_equal(wamp_loop_new(&loop), WAMP_OK);
    tsrv sc = {0};
    static const char *const paths[] = {"/ws", "/other", NULL};
    wamp_listener_options lo = {.websocket_paths = paths};
    assert_int_equal(wamp_listener_new(loop, &lo, ts_accept, &sc, &sc.l), WAMP_OK);
    uint16_t port = wamp_listener_port(sc.l);
    static const char *const urls[] = {"ws://127.0.0.1:%u/ws?x=1", "ws://127.0.0.1:%u/other",
                                       "ws://127.0.0.1:%u/", "ws://127.0.0.1:%u/ws/",
                                       "rs://127.0.0.1:%u"};
    static const int want[] = {WAMP_OK, WAMP_OK, WAMP_EHANDSHAKE, WAMP_EHANDSHAKE, WAMP_OK};
    for (size_t i = 0; i < 5; i++) {
        char url[64];
        snprintf(url, sizeof url, urls[i], port);
        tcli c = {0};
        assert_int_equal(wamp_transport_connect(loop, url, NULL, tc_connected, &c, NULL), 0);
        assert_true(run_until(loop, &c.done, 15000));
        if (c.status != want[i]) fprintf(stderr, "%s: %s\n", url, wamp_strerror(c.status));
        assert_int_equal(c.status, want[i]);
        if (c.t) wamp_transport_free(c.t);
        if (sc.t) {
            assert_true(run_until(loop, &sc.got_close, 15000));
            wamp_transport_free(sc.t);
            sc.t = NULL;
            sc.got_close = false;
        }
    }
    /* a scripted peer sees the status line */
    client_ctx w;
    scripted(loop, port, ws_upgrade, sizeof ws_upgrade - 1, 12, &w);
    assert_memory_equal(w.rx, "HTTP/1.1 404", 12);
    assert_true(run_until(loop, &w.got_close, 15000));
    free(w.rx);
    assert_int_equal(sc.accepted, 3);
    wamp_listener_free(sc.l);
    loop_done(loop);
}

static void test_transport_handshake_timeouts(void **state)
{
    wamp_loop *loop;
    assert_int_equal(wamp_loop_new(&loop), WAMP_OK);
    /* server side: a client that connects and says nothing */
    tsrv sc = {0};
    wamp_listener_options lo = {0};
    lo.transport.stream.handshake_timeout_ms = 100;
    assert_int_equal(wamp_listener_new(loop, &lo, ts_accept, &sc, &sc.l), WAMP_OK);
    client_ctx mc = {0};
    assert_int_equal(wamp_stream_connect_tcp(loop, "127.0.0.1", wamp_listener_port(sc.l), NULL,
                                             cli_connected, &mc, NULL),
                     0);
    assert_true(run_until(loop, &mc.done, 5000));
    assert_true(run_until(loop, &mc.got_close, 5000)); /* the listener dropped us */
    wamp_listener_stats ls;
    wamp_listener_get_stats(sc.l, &ls);
    assert_int_equal(ls.failed, 1);
    assert_int_equal(sc.accepted, 0);
    /* client side: a server that accepts TCP and never answers the WebSocket upgrade */
    server_ctx silent = {0};
    assert_int_equal(
        wamp_stream_listen_tcp(loop, "127.0.0.1", 0, NULL, srv_accept, &silent, &silent.srv), 0);
    char url[64];
    snprintf(url, sizeof url, "ws://127.0.0.1:%u/", wamp_stream_server_port(silent.srv));
    wamp_transport_options co = {0};
    co.stream.handshake_timeout_ms = 100;
    tcli cc = {0};
    assert_int_equal(wamp_transport_connect(loop, url, &co, tc_connected, &cc, NULL), 0);
    assert_true(run_until(loop, &cc.done, 5000));
    assert_int_equal(cc.status, WAMP_ETIMEOUT);
    assert_true(silent.received > 0); /* the upgrade request arrived */
    /* a framing switched off is refused */
    wamp_listener *rsonly;
    wamp_listener_options lo2 = {.no_websocket = true};
    assert_int_equal(wamp_listener_new(loop, &lo2, ts_accept, &sc, &rsonly), WAMP_OK);
    snprintf(url, sizeof url, "ws://127.0.0.1:%u/", wamp_listener_port(rsonly));
    tcli c2 = {0};
    assert_int_equal(wamp_transport_connect(loop, url, NULL, tc_connected, &c2, NULL), 0);
    assert_true(run_until(loop, &c2.done, 5000));
    assert_int_not_equal(c2.status, WAMP_OK);
    assert_int_equal(wamp_transport_connect(loop, "http://x/", NULL, tc_connected, &c2, NULL),
                     WAMP_EURL);
    if (silent.conn) wamp_stream_free(silent.conn);
    wamp_stream_server_free(silent.srv);
    wamp_listener_free(rsonly);
    wamp_listener_free(sc.l);
    free(mc.rx);
    loop_done(loop);
}

/* Freeing a transport inside its on_message; a listener freed with a handshake pending. */
static void test_transport_free_in_callback(void **state)
{
    wamp_loop *loop;
    assert_int_equal(wamp_loop_new(&loop), WAMP_OK);
    tsrv sc = {.echo = true};
    assert_int_equal(wamp_listener_new(loop, NULL, ts_accept, &sc, &sc.l), WAMP_OK);
    char url[64];
    snprintf(url, sizeof url, "ws://127.0.0.1:%u/", wamp_listener_port(sc.l));
    tcli cc = {.free_in_msg = true};
    assert_int_equal(wamp_transport_connect(loop, url, NULL, tc_connected, &cc, NULL), 0);
    assert_true(run_until(loop, &cc.done, 5000));
    static const uint8_t m[] = "[1]";
    for (int i = 0; i < 5; i++)
        assert_int_equal(wamp_transport_send(cc.t, m, 3), 0);
    assert_true(run_until(loop, &sc.got_close, 5000));
    assert_int_equal(cc.msgs, 1); /* nothing after the free */
    assert_int_equal(cc.closed, 0);
    assert_int_not_equal(sc.close_status, WAMP_OK); /* no closing handshake happened */
    /* limits: a message larger than the write limit is refused, nothing queued */
    tcli c2 = {0};
    wamp_transport_options co = {0};
    co.stream.write_limit = 4096;
    co.stream.write_high_water = 1024;
    assert_int_equal(wamp_transport_connect(loop, url, &co, tc_connected, &c2, NULL), 0);
    assert_true(run_until(loop, &c2.done, 5000));
    uint8_t *big = pattern(8192, 5);
    assert_int_equal(wamp_transport_send(c2.t, big, 8192), WAMP_ELIMIT);
    free(big);
    /* a connection still in its handshake when the listener goes away */
    client_ctx mc = {0};
    assert_int_equal(wamp_stream_connect_tcp(loop, "127.0.0.1", wamp_listener_port(sc.l), NULL,
                                             cli_connected, &mc, NULL),
                     0);
    assert_true(run_until(loop, &mc.done, 5000));
    bool never = false;
    run_until(loop, &never, 20); /* let the listener accept it */
    wamp_listener_free(sc.l);
    assert_true(run_until(loop, &mc.got_close, 5000));
    wamp_transport_free(c2.t);
    free(mc.rx);
    loop_done(loop);
}

/* A sans-I/O framer driven only through the hook table over a plain non-blocking socket (as
 * a user with another event loop would), talking to our listener. */
typedef struct hdrive {
    wamp_loop_hooks h;
    void *watch;
    wamp_framer *f;
    bool opened, got;
    uint8_t reply[32];
    size_t rlen;
} hdrive;

static void hd_open(wamp_framer *f, void *user)
{
    hdrive *c = user;
    c->opened = true;
    assert_int_equal(wamp_framer_send(f, (const uint8_t *)"[1,\"realm1\",{}]", 15), 0);
}

static void hd_msg(wamp_framer *f, void *user, const uint8_t *data, size_t len, bool bin)
{
    hdrive *c = user;
    c->rlen = len < sizeof c->reply ? len : sizeof c->reply;
    memcpy(c->reply, data, c->rlen);
    c->got = true;
}

static void hd_io(int fd, unsigned events, void *user)
{
    hdrive *c = user;
    if (events & WAMP_IO_WRITE) {
        const uint8_t *d;
        size_t n;
        wamp_framer_output(c->f, &d, &n);
        ssize_t w = n ? write(fd, d, n) : 0;
        if (w > 0) wamp_framer_output_consume(c->f, (size_t)w);
    }
    if (events & WAMP_IO_READ) {
        uint8_t buf[4096];
        ssize_t r = read(fd, buf, sizeof buf);
        if (r > 0)
            wamp_framer_feed(c->f, buf, (size_t)r);
        else if (r == 0)
            wamp_framer_eof(c->f);
    }
    unsigned mask = WAMP_IO_READ | (wamp_framer_output_pending(c->f) ? WAMP_IO_WRITE : 0);
    c->h.io_update(c->h.ctx, c->watch, mask);
}

static void test_hooks_drive_framer(void **state)
{
    wamp_loop *loop;
    assert_int_equal(wamp_loop_new(&loop), WAMP_OK);
    tsrv sc = {.echo = true};
    assert_int_equal(wamp_listener_new(loop, NULL, ts_accept, &sc, &sc.l), WAMP_OK);
    hdrive c = {0};
    wamp_loop_hooks_default(loop, &c.h);
    static const wamp_framer_cbs cbs = {.on_open = hd_open, .on_message = hd_msg};
    assert_int_equal(wamp_rawsocket_new(&c.f, false, NULL, &cbs, &c), 0); /* buffered output */
    assert_int_equal(wamp_framer_start(c.f), 0);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                            .sin_port = htons(wamp_listener_port(sc.l))};
    int r = connect(fd, (struct sockaddr *)&a, sizeof a);
    assert_true(r == 0 || errno == EINPROGRESS);
    assert_int_equal(c.h.io_start(c.h.ctx, fd, WAMP_IO_READ | WAMP_IO_WRITE, hd_io, &c, &c.watch),
                     0);
    assert_true(run_until(loop, &c.got, 5000));
    assert_true(c.opened);
    assert_int_equal(c.rlen, 15);
    assert_memory_equal(c.reply, "[1,\"realm1\",{}]", 15);
    assert_int_equal(sc.msgs, 1);
    c.h.io_stop(c.h.ctx, c.watch);
    close(fd);
    wamp_framer_free(c.f);
    assert_true(run_until(loop, &sc.got_close, 5000));
    wamp_listener_free(sc.l);
    loop_done(loop);
}

/* ---------------------------------------------------------------- main */

static int setup_dir(void **state)
{
    snprintf(g_dir, sizeof g_dir, "/tmp/wamp-test-net-XXXXXX");
    if (!mkdtemp(g_dir)) return -1;
    if (wt_make_certs(g_dir) != 0) return -1;
    snprintf(ca, sizeof ca, "%s/ca.pem", g_dir);
    snprintf(other_ca, sizeof other_ca, "%s/other-ca.pem", g_dir);
    snprintf(srv_cert, sizeof srv_cert, "%s/server.pem", g_dir);
    snprintf(srv_key, sizeof srv_key, "%s/server.key", g_dir);
    snprintf(cli_cert, sizeof cli_cert, "%s/client.pem", g_dir);
    snprintf(cli_key, sizeof cli_key, "%s/client.key", g_dir);
    return 0;
}

static int teardown_dir(void **state)
{
    const char *files[] = {"ca.pem",     "other-ca.pem", "server.pem",
                           "server.key", "client.pem",   "client.key"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++)
        unlink(tmp_path(files[i]));
    rmdir(g_dir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loop_post_from_thread),
        cmocka_unit_test(test_timers),
        cmocka_unit_test(test_hooks_default),
        cmocka_unit_test(test_tcp_echo_ipv4),
        cmocka_unit_test(test_tcp_echo_ipv6_and_names),
        cmocka_unit_test(test_unix_echo),
        cmocka_unit_test(test_tls_tcp_echo),
        cmocka_unit_test(test_tls_tcp_echo_tls12_client_cert),
        cmocka_unit_test(test_tls_unix_echo),
        cmocka_unit_test(test_tls_good_cert),
        cmocka_unit_test(test_tls_wrong_host),
        cmocka_unit_test(test_tls_untrusted_ca),
        cmocka_unit_test(test_tls_client_cert_required),
        cmocka_unit_test(test_tls_bad_options),
        cmocka_unit_test(test_connect_refused),
        cmocka_unit_test(test_connect_timeout),
        cmocka_unit_test(test_tls_handshake_timeout),
        cmocka_unit_test(test_backpressure_reader_stops),
        cmocka_unit_test(test_backpressure_echo_server_pauses),
        cmocka_unit_test(test_close_while_writing),
        cmocka_unit_test(test_close_while_writing_tls),
        cmocka_unit_test(test_free_inside_callbacks),
        cmocka_unit_test(test_transport_ws),
        cmocka_unit_test(test_transport_rs),
        cmocka_unit_test(test_transport_wss),
        cmocka_unit_test(test_transport_rss),
        cmocka_unit_test(test_transport_ping_timeout),
        cmocka_unit_test(test_transport_ws_pong_timeout),
        cmocka_unit_test(test_transport_read_backpressure),
        cmocka_unit_test(test_listener_max_connections),
        cmocka_unit_test(test_listener_websocket_paths),
        cmocka_unit_test(test_transport_handshake_timeouts),
        cmocka_unit_test(test_transport_free_in_callback),
        cmocka_unit_test(test_hooks_drive_framer),
    };
    if (getenv("WAMP_TEST_FILTER")) cmocka_set_test_filter(getenv("WAMP_TEST_FILTER"));
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
