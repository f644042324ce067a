/*
 * bench_echo — echo throughput and round-trip latency over libwamp's runtime (RawSocket,
 * WebSocket, WebSocket + permessage-deflate) beside a bare TCP echo written directly on libuv,
 * all on 127.0.0.1 and measured in the same run, in one process and one loop thread (client
 * and server share the thread in every case, so the ratios compare like with like).
 *
 *   latency:    one message in flight; p50 / p99 round trip.
 *   throughput: a window of messages in flight; messages/s and MB/s (payload, one way).
 *
 * Usage: bench_echo [--quick]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include <wamp/net.h>

static bool quick;

/* ---------------------------------------------------------------- payload */

/* JSON-like text (a WAMP EVENT with varying numbers): compressible as real traffic is. */
static uint8_t *make_payload(size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    size_t off = 0;
    uint32_t x = 12345;
    while (off < n) {
        x = x * 1103515245u + 12345u;
        char rec[128];
        int k = snprintf(rec, sizeof rec,
                         "[36,%u,%u,{},[\"sensor-%u\",%u.%02u,true],{\"unit\":\"C\"}]", x % 100000,
                         (x >> 8) % 1000000, (x >> 4) % 64, (x >> 12) % 100, (x >> 3) % 100);
        size_t take = (size_t)k < n - off ? (size_t)k : n - off;
        memcpy(p + off, rec, take);
        off += take;
    }
    return p;
}

/* ---------------------------------------------------------------- a transport under test */

typedef struct peer peer;
typedef struct runner {
    wamp_loop *loop;
    uv_loop_t *uv; /* bare TCP only */
    const char *name;
    /* the client side */
    int (*send)(struct runner *r, const uint8_t *data, size_t len);
    size_t size;
    const uint8_t *payload;
    /* progress */
    uint64_t received, sent, target;
    size_t window;
    uint64_t t_sent;
    double *rtts;
    size_t nrtt;
    bool done;
    /* wamp */
    wamp_transport *client;
    wamp_listener *listener;
    /* bare */
    uv_tcp_t bare_srv, bare_cli, bare_conn;
    uint64_t bare_rx; /* bytes received toward the current message */
    uint8_t *bare_buf;
} runner;

static void on_reply(runner *r)
{
    r->received++;
    if (r->rtts && r->nrtt < r->target)
        r->rtts[r->nrtt++] = (double)(uv_hrtime() - r->t_sent) / 1e3;
    if (r->received == r->target) {
        r->done = true;
        return;
    }
    while (r->sent < r->target && r->sent - r->received < r->window) {
        r->t_sent = uv_hrtime();
        if (r->send(r, r->payload, r->size) != 0) {
            fprintf(stderr, "send failed\n");
            exit(1);
        }
        r->sent++;
    }
}

/* ---- libwamp transports */

static void srv_msg(wamp_transport *t, const uint8_t *data, size_t len, void *user)
{
    if (wamp_transport_send(t, data, len) != 0) {
        fprintf(stderr, "echo failed\n");
        exit(1);
    }
}

static void srv_accept(wamp_listener *l, wamp_transport *t, void *user)
{
    static const wamp_transport_callbacks cbs = {srv_msg, NULL, NULL};
    wamp_transport_set_callbacks(t, &cbs, NULL);
}

static void cli_msg(wamp_transport *t, const uint8_t *data, size_t len, void *user)
{
    on_reply(user);
}

static bool connected;
static void cli_connected(wamp_transport *t, int status, void *user)
{
    runner *r = user;
    static const wamp_transport_callbacks cbs = {cli_msg, NULL, NULL};
    if (status != 0) {
        fprintf(stderr, "connect: %s\n", wamp_strerror(status));
        exit(1);
    }
    r->client = t;
    wamp_transport_set_callbacks(t, &cbs, r);
    connected = true;
}

static int wamp_send(runner *r, const uint8_t *d, size_t n)
{
    return wamp_transport_send(r->client, d, n);
}

static void wamp_setup(runner *r, const char *scheme, bool deflate)
{
    wamp_listener_options lo = {0};
    lo.transport.websocket.deflate.enabled = deflate;
    if (wamp_listener_new(r->loop, &lo, srv_accept, NULL, &r->listener) != 0) exit(1);
    char url[128];
    snprintf(url, sizeof url, "%s://127.0.0.1:%u%s", scheme, wamp_listener_port(r->listener),
             strcmp(scheme, "ws") == 0 ? "/" : "");
    static const char *proto = "wamp.2.json";
    wamp_transport_options o = {0};
    o.websocket.deflate.enabled = deflate;
    o.websocket.protocols = &proto;
    o.websocket.protocol_count = 1;
    o.rawsocket.serializer = WAMP_SER_JSON;
    connected = false;
    if (wamp_transport_connect(r->loop, url, &o, cli_connected, r, NULL) != 0) exit(1);
    while (!connected)
        wamp_loop_run(r->loop, WAMP_RUN_ONCE);
    r->send = wamp_send;
}

static void wamp_teardown(runner *r)
{
    wamp_transport_free(r->client);
    wamp_listener_free(r->listener);
    for (int i = 0; i < 10; i++)
        wamp_loop_run(r->loop, WAMP_RUN_NOWAIT);
}

/* ---- bare TCP on libuv: the reference */

static void bare_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    static char b[65536];
    buf->base = b;
    buf->len = sizeof b;
}

typedef struct bare_wreq {
    uv_write_t req;
    uv_buf_t buf;
} bare_wreq;

static void bare_written(uv_write_t *req, int status)
{
    bare_wreq *w = (bare_wreq *)req;
    free(w->buf.base);
    free(w);
}

static int bare_write(uv_stream_t *s, const void *data, size_t n)
{
    /* copy, as the runtime does, so both sides pay for one copy per write */
    bare_wreq *w = malloc(sizeof *w);
    w->buf = uv_buf_init(malloc(n ? n : 1), (unsigned)n);
    memcpy(w->buf.base, data, n);
    return uv_write(&w->req, s, &w->buf, 1, bare_written);
}

static void bare_srv_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    if (n > 0) bare_write(s, buf->base, (size_t)n);
}

static void bare_on_conn(uv_stream_t *srv, int status)
{
    runner *r = srv->data;
    uv_tcp_init(r->uv, &r->bare_conn);
    uv_accept(srv, (uv_stream_t *)&r->bare_conn);
    uv_tcp_nodelay(&r->bare_conn, 1);
    uv_read_start((uv_stream_t *)&r->bare_conn, bare_alloc, bare_srv_read);
}

static void bare_cli_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    runner *r = s->data;
    if (n <= 0) return;
    r->bare_rx += (uint64_t)n;
    while (r->bare_rx >= r->size && r->size > 0) {
        r->bare_rx -= r->size;
        on_reply(r);
    }
}

static uv_connect_t bare_creq;
static void bare_connected(uv_connect_t *req, int status)
{
    runner *r = req->data;
    uv_tcp_nodelay(&r->bare_cli, 1);
    r->bare_cli.data = r;
    uv_read_start((uv_stream_t *)&r->bare_cli, bare_alloc, bare_cli_read);
    connected = true;
}

static int bare_send(runner *r, const uint8_t *d, size_t n)
{
    return bare_write((uv_stream_t *)&r->bare_cli, d, n);
}

static void bare_setup(runner *r)
{
    r->uv = uv_default_loop();
    uv_tcp_init(r->uv, &r->bare_srv);
    r->bare_srv.data = r;
    struct sockaddr_in a;
    uv_ip4_addr("127.0.0.1", 0, &a);
    uv_tcp_bind(&r->bare_srv, (struct sockaddr *)&a, 0);
    uv_listen((uv_stream_t *)&r->bare_srv, 16, bare_on_conn);
    int len = sizeof a;
    uv_tcp_getsockname(&r->bare_srv, (struct sockaddr *)&a, &len);
    uv_tcp_init(r->uv, &r->bare_cli);
    bare_creq.data = r;
    connected = false;
    uv_tcp_connect(&bare_creq, &r->bare_cli, (struct sockaddr *)&a, bare_connected);
    while (!connected)
        uv_run(r->uv, UV_RUN_ONCE);
    r->send = bare_send;
    r->bare_rx = 0;
}

static void bare_teardown(runner *r)
{
    uv_close((uv_handle_t *)&r->bare_cli, NULL);
    uv_close((uv_handle_t *)&r->bare_conn, NULL);
    uv_close((uv_handle_t *)&r->bare_srv, NULL);
    uv_run(r->uv, UV_RUN_DEFAULT);
}

/* ---------------------------------------------------------------- measuring */

typedef struct result {
    double msgs_per_s, mb_per_s, p50_us, p99_us;
} result;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void drive(runner *r)
{
    while (!r->done) {
        if (r->uv)
            uv_run(r->uv, UV_RUN_ONCE);
        else
            wamp_loop_run(r->loop, WAMP_RUN_ONCE);
    }
}

static void measure(runner *r, size_t size, result *res)
{
    r->size = size;
    r->payload = make_payload(size);
    /* latency: one in flight */
    size_t n_lat = quick ? 300 : (size >= 65536 ? 2000 : 10000);
    r->rtts = calloc(n_lat, sizeof(double));
    r->nrtt = 0;
    r->window = 1;
    r->target = n_lat;
    r->received = 0;
    r->sent = 1;
    r->done = false;
    r->t_sent = uv_hrtime();
    r->send(r, r->payload, size);
    drive(r);
    qsort(r->rtts, r->nrtt, sizeof(double), cmp_double);
    res->p50_us = r->rtts[r->nrtt / 2];
    res->p99_us = r->rtts[(size_t)((double)r->nrtt * 0.99)];
    free(r->rtts);
    r->rtts = NULL;
    /* throughput: a window in flight */
    uint64_t total_bytes = quick ? (8u << 20) : (size >= 65536 ? (512u << 20) : (64u << 20));
    uint64_t n = total_bytes / (size ? size : 1);
    if (n < 2000) n = 2000;
    if (n > 1000000) n = 1000000;
    r->window = size >= 65536 ? 16 : 128;
    r->target = n;
    r->received = 0;
    r->sent = 0;
    r->done = false;
    uint64_t t0 = uv_hrtime();
    while (r->sent < r->window && r->sent < r->target) {
        r->send(r, r->payload, size);
        r->sent++;
    }
    drive(r);
    double secs = (double)(uv_hrtime() - t0) / 1e9;
    res->msgs_per_s = (double)n / secs;
    res->mb_per_s = (double)n * (double)size / secs / 1e6;
    free((void *)r->payload);
}

int main(int argc, char **argv)
{
    quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    static const size_t sizes[] = {32, 1024, 65536};
    static const char *names[] = {"bare TCP (libuv)", "RawSocket", "WebSocket",
                                  "WebSocket+deflate"};
    printf("echo over 127.0.0.1, client and server in one loop thread; throughput = payload one "
           "way\n");
    printf("%-18s %8s %12s %10s %9s %9s %9s %9s\n", "transport", "size", "msgs/s", "MB/s", "p50 us",
           "p99 us", "x bare", "(lat)");
    for (size_t si = 0; si < 3; si++) {
        result base = {0};
        for (int k = 0; k < 4; k++) {
            runner r = {0};
            r.name = names[k];
            result res;
            wamp_framer_stats fs = {0};
            if (k == 0) {
                bare_setup(&r);
                measure(&r, sizes[si], &res);
                bare_teardown(&r);
                base = res;
            } else {
                wamp_loop_new(&r.loop);
                wamp_setup(&r, k == 1 ? "rs" : "ws", k == 3);
                measure(&r, sizes[si], &res);
                wamp_framer_get_stats(wamp_transport_framer(r.client), &fs);
                wamp_teardown(&r);
                if (wamp_loop_free(r.loop) != 0) fprintf(stderr, "loop not freed\n");
            }
            /* "x bare": throughput of bare TCP divided by ours (1.00 = as fast; higher = slower) */
            printf("%-18s %8zu %12.0f %10.1f %9.1f %9.1f %9.2f %9.2f", names[k], sizes[si],
                   res.msgs_per_s, res.mb_per_s, res.p50_us, res.p99_us,
                   base.msgs_per_s / res.msgs_per_s, res.p50_us / base.p50_us);
            if (k == 3 && fs.bytes_out)
                printf("  ratio %.2f (wire %llu / payload %llu)",
                       (double)fs.bytes_out / (double)fs.payload_out,
                       (unsigned long long)fs.bytes_out, (unsigned long long)fs.payload_out);
            printf("\n");
            fflush(stdout);
        }
    }
    printf("x bare = bare msgs/s / ours (throughput slowdown); (lat) = our p50 / bare p50.\n");
    printf("deflate cost: compare the WebSocket+deflate row with the WebSocket row.\n");
    return 0;
}
