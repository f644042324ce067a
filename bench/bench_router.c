/*
 * bench_router — the router benchmark of issue 7 and the client benchmark of issue 6.
 *
 * One load generator (this program, on libwamp's runtime) is pointed, in the same run, at:
 *   - wampd (our router, a child process) over WebSocket+JSON and RawSocket+MessagePack,
 *   - the fox-wamp router (npm, a node child process) over WebSocket+JSON (all it speaks),
 *   - a bare TCP relay written directly on libuv (this program in --relay mode, a child process):
 *     length-prefixed frames relayed between connections with no WAMP at all — the floor.
 *
 * Figures: sequential RPC p50/p99 round trip; calls/s with 8 concurrent callers; fan-out
 * deliveries/s to 10, 100 and 1,000 subscribers with 32 B and 1 KiB payloads (every delivery
 * is counted: "lost" must be 0); publish cost with 10,000 idle unrelated subscriptions (exact,
 * and for wampd also prefix/wildcard patterns); router memory per idle joined session (RSS of
 * the router process). Each row prints the relay floor or the other router beside it as a
 * ratio. Then the client comparison: our C client against an AutobahnJS client
 * (bench/autobahnjs_client.js, node) calling the same procedure on the same wampd: calls/s,
 * p50/p99, and client memory per session and per pending call.
 *
 * RPC uses full libwamp client sessions (wamp_client). Fan-out subscribers and the publisher
 * are "light" clients on wamp_transport that send pre-encoded HELLO/SUBSCRIBE/PUBLISH and only
 * read the message type of what arrives, so that the generator (one core) is not what limits
 * the router (the other core). The publisher keeps a bounded window of undelivered events, so
 * no router queue overflows and nothing may be lost.
 *
 * Usage: bench_router [--quick]       (paths of wampd, node and fox-wamp are compiled in)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include <wamp/wamp.h>

#ifndef WAMPD_PATH
#define WAMPD_PATH "wampd"
#endif
#ifndef WAMP_SOURCE_DIR
#define WAMP_SOURCE_DIR "."
#endif

static wamp_loop *L;
static bool g_quick;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct_us(uint64_t *v, size_t n, double p)
{
    if (n == 0) return 0;
    qsort(v, n, sizeof *v, cmp_u64);
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return (double)v[i] / 1e3;
}

/* Runs the loop until *done or timeout_s passes; false on timeout. */
static bool run_until(const bool *done, double timeout_s)
{
    uint64_t end = now_ns() + (uint64_t)(timeout_s * 1e9);
    while (!*done) {
        if (now_ns() > end) return false;
        wamp_loop_run(L, WAMP_RUN_NOWAIT);
        if (!*done) wamp_loop_run(L, WAMP_RUN_ONCE);
    }
    return true;
}

static void settle(void)
{
    for (int i = 0; i < 50; i++)
        wamp_loop_run(L, WAMP_RUN_NOWAIT);
}

/* ================================================================ the bare relay (child mode) */

/*
 * Frames are a 4-byte big-endian length + payload. The first frame of a connection is "H" (the
 * hub) or "C" (a client; clients are numbered 1, 2, ... in order). A frame from client i goes to
 * the hub prefixed with i (4 bytes); a frame from the hub starts with the destination (4 bytes;
 * 0xFFFFFFFF = every client) which is stripped. Writes are coalesced per read callback.
 */
typedef struct rconn {
    uv_tcp_t tcp;
    uint32_t id; /* 0 = hub, UINT32_MAX = not yet known */
    size_t live; /* index in r_live (clients) */
    bool closing;
    uint8_t *buf, *obuf;
    size_t len, cap, olen, ocap;
    struct rconn *next;
} rconn;

static uv_loop_t *RL;
static rconn *r_hub, *r_clients[65536], *r_live[65536];
static uint32_t r_nclients;
static size_t r_nlive;

typedef struct rwrite {
    uv_write_t req;
    uv_buf_t b;
} rwrite;

/* Output is appended to a per-connection buffer and written once per read callback (the same
 * coalescing a real router does), so the floor is not made slow by one write per frame. */
static rconn *r_dirty[65536];
static size_t r_ndirty;

static void r_written(uv_write_t *req, int status)
{
    (void)status;
    rwrite *w = (rwrite *)req;
    free(w->b.base);
    free(w);
}

static void r_send(rconn *c, const uint8_t *prefix, size_t plen, const uint8_t *p, size_t n)
{
    if (!c) return;
    size_t total = 4 + plen + n;
    if (c->olen + total > c->ocap) {
        c->ocap = (c->olen + total) * 2;
        c->obuf = realloc(c->obuf, c->ocap);
    }
    if (c->olen == 0) r_dirty[r_ndirty++ & 0xffff] = c;
    uint8_t *o = c->obuf + c->olen;
    uint32_t fl = (uint32_t)(plen + n);
    o[0] = (uint8_t)(fl >> 24), o[1] = (uint8_t)(fl >> 16), o[2] = (uint8_t)(fl >> 8);
    o[3] = (uint8_t)fl;
    if (plen) memcpy(o + 4, prefix, plen);
    memcpy(o + 4 + plen, p, n);
    c->olen += total;
}

static void r_flush(void)
{
    for (size_t i = 0; i < r_ndirty; i++) {
        rconn *c = r_dirty[i];
        if (!c->olen) continue;
        rwrite *w = malloc(sizeof *w);
        w->b = uv_buf_init((char *)c->obuf, (unsigned)c->olen);
        c->obuf = NULL;
        c->olen = c->ocap = 0;
        if (c->closing || uv_write(&w->req, (uv_stream_t *)&c->tcp, &w->b, 1, r_written) != 0) {
            free(w->b.base);
            free(w);
        }
    }
    r_ndirty = 0;
}

static void r_frame(rconn *c, const uint8_t *p, size_t n)
{
    if (c->id == UINT32_MAX) {
        r_send(c, NULL, 0, (const uint8_t *)"K", 1); /* registered: the client may start */
        if (n == 1 && p[0] == 'H') {
            c->id = 0;
            r_hub = c;
        } else {
            c->id = ++r_nclients;
            r_clients[c->id & 0xffff] = c;
            c->live = r_nlive;
            r_live[r_nlive++ & 0xffff] = c;
        }
        return;
    }
    if (c->id != 0) {
        uint8_t pre[4] = {(uint8_t)(c->id >> 24), (uint8_t)(c->id >> 16), (uint8_t)(c->id >> 8),
                          (uint8_t)c->id};
        r_send(r_hub, pre, 4, p, n);
        return;
    }
    if (n < 4) return;
    uint32_t dst = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    if (dst == UINT32_MAX) {
        for (size_t i = 0; i < r_nlive; i++)
            r_send(r_live[i], NULL, 0, p + 4, n - 4);
    } else if (dst >= 1 && dst <= r_nclients) {
        r_send(r_clients[dst & 0xffff], NULL, 0, p + 4, n - 4);
    }
}

static void r_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
    (void)hint;
    rconn *c = h->data;
    if (c->cap - c->len < 65536) {
        c->cap = c->cap * 2 + 65536;
        c->buf = realloc(c->buf, c->cap);
    }
    *b = uv_buf_init((char *)c->buf + c->len, (unsigned)(c->cap - c->len));
}

static void r_closed(uv_handle_t *h)
{
    rconn *c = h->data;
    for (size_t i = 0; i < r_ndirty; i++)
        if (r_dirty[i] == c) r_dirty[i] = r_dirty[--r_ndirty];
    free(c->buf);
    free(c->obuf);
    free(c);
}

static void r_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    (void)b;
    rconn *c = s->data;
    if (n < 0) {
        c->closing = true;
        if (c == r_hub) r_hub = NULL;
        if (c->id != 0 && c->id != UINT32_MAX) {
            r_clients[c->id & 0xffff] = NULL;
            rconn *last = r_live[--r_nlive];
            r_live[c->live] = last;
            last->live = c->live;
        }
        uv_close((uv_handle_t *)s, r_closed);
        return;
    }
    c->len += (size_t)n;
    size_t off = 0;
    while (c->len - off >= 4) {
        const uint8_t *q = c->buf + off;
        size_t fl = (size_t)q[0] << 24 | (size_t)q[1] << 16 | (size_t)q[2] << 8 | q[3];
        if (c->len - off - 4 < fl) break;
        r_frame(c, q + 4, fl);
        off += 4 + fl;
    }
    memmove(c->buf, c->buf + off, c->len - off);
    c->len -= off;
    r_flush();
}

static void r_accept(uv_stream_t *srv, int status)
{
    if (status < 0) return;
    rconn *c = calloc(1, sizeof *c);
    c->id = UINT32_MAX;
    uv_tcp_init(RL, &c->tcp);
    c->tcp.data = c;
    if (uv_accept(srv, (uv_stream_t *)&c->tcp) != 0) {
        uv_close((uv_handle_t *)&c->tcp, r_closed);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    uv_read_start((uv_stream_t *)&c->tcp, r_alloc, r_read);
}

static int relay_main(void)
{
    RL = uv_default_loop();
    uv_tcp_t srv;
    uv_tcp_init(RL, &srv);
    struct sockaddr_in a;
    uv_ip4_addr("127.0.0.1", 0, &a);
    if (uv_tcp_bind(&srv, (struct sockaddr *)&a, 0) != 0 ||
        uv_listen((uv_stream_t *)&srv, 4096, r_accept) != 0)
        return 1;
    int len = sizeof a;
    uv_tcp_getsockname(&srv, (struct sockaddr *)&a, &len);
    printf("LISTENING 127.0.0.1 %u\n", ntohs(a.sin_port));
    fflush(stdout);
    return uv_run(RL, UV_RUN_DEFAULT);
}

/* ================================================================ child processes */

typedef struct child {
    pid_t pid;
    unsigned port;
    FILE *out;
} child;

/* Starts argv with stdout on a pipe and waits for a line "LISTENING host port" or a line that is
 * just a port number (fox_router.js). */
static bool spawn(child *c, char *const argv[])
{
    int p[2];
    if (pipe(p) != 0) return false;
    c->pid = fork();
    if (c->pid < 0) return false;
    if (c->pid == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        int devnull = open("/dev/null", 1);
        if (devnull >= 0) dup2(devnull, 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(p[1]);
    c->out = fdopen(p[0], "r");
    char line[256];
    while (fgets(line, sizeof line, c->out)) {
        unsigned port;
        char host[64];
        if (sscanf(line, "LISTENING %63s %u", host, &port) == 2 || sscanf(line, "%u", &port) == 1) {
            c->port = port;
            return true;
        }
    }
    return false;
}

static void stop_child(child *c)
{
    if (c->pid <= 0) return;
    kill(c->pid, SIGKILL);
    waitpid(c->pid, NULL, 0);
    if (c->out) fclose(c->out);
    c->pid = 0;
}

static long rss_kb(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld", &kb) == 1) break;
    fclose(f);
    return kb;
}

/* ================================================================ targets */

typedef enum { T_RELAY, T_WAMP } tkind;

typedef struct target {
    const char *name;
    tkind kind;
    char url[160];
    wamp_serializer_id ser;
    unsigned port;
    pid_t pid;
    wamp_transport_options topts;
} target;

static const char *const P_JSON[] = {"wamp.2.json"};
static const char *const P_MSGPACK[] = {"wamp.2.msgpack"};

static void target_wamp(target *t, const char *name, const char *scheme, unsigned port,
                        wamp_serializer_id ser, pid_t pid)
{
    memset(t, 0, sizeof *t);
    t->name = name;
    t->kind = T_WAMP;
    t->ser = ser;
    t->port = port;
    t->pid = pid;
    snprintf(t->url, sizeof t->url, "%s://127.0.0.1:%u%s", scheme, port,
             scheme[0] == 'w' ? "/ws" : "");
    if (scheme[0] == 'w') {
        t->topts.websocket.protocols = ser == WAMP_SER_JSON ? P_JSON : P_MSGPACK;
        t->topts.websocket.protocol_count = 1;
    } else {
        t->topts.rawsocket.serializer = ser;
    }
    t->topts.stream.write_limit = 1u << 30;
}

/* ================================================================ light clients */

typedef struct lc {
    const target *tg;
    wamp_transport *t; /* T_WAMP */
    wamp_stream *st;   /* T_RELAY */
    wamp_buf rbuf;
    bool open, joined, subscribed, failed;
    uint64_t events;
    const char *sub_topic;
    wamp_match sub_match;
} lc;

static struct {
    size_t opened, joined, subscribed, failed;
    uint64_t delivered;
} G;

/* Encodes a JSON-text message into serializer ser (appended to out). */
static void enc(wamp_serializer_id ser, const char *json, wamp_buf *out)
{
    wamp_arena *a = wamp_arena_new(0);
    wamp_value v;
    if (wamp_value_decode(WAMP_SER_JSON, (const uint8_t *)json, strlen(json), a, NULL, &v) != 0 ||
        wamp_value_encode(ser, &v, out) != 0) {
        fprintf(stderr, "bench_router: cannot encode %s\n", json);
        exit(1);
    }
    wamp_arena_free(a);
}

/* The WAMP message type of an encoded message, or -1. */
static int msg_type(wamp_serializer_id ser, const uint8_t *p, size_t n)
{
    if (ser == WAMP_SER_JSON) {
        size_t i = 0;
        while (i < n && (p[i] == '[' || p[i] == ' '))
            i++;
        int t = 0;
        while (i < n && p[i] >= '0' && p[i] <= '9')
            t = t * 10 + (p[i++] - '0');
        return t;
    }
    if (n >= 2 && (p[0] & 0xf0) == 0x90 && p[1] < 0x80) return p[1];
    if (n >= 2 && (p[0] & 0xf0) == 0x90 && p[1] == 0xcc && n >= 3) return p[2];
    return -1;
}

static void lc_send_json(lc *c, const char *json)
{
    wamp_buf b = {0};
    enc(c->tg->ser, json, &b);
    wamp_transport_send(c->t, b.data, b.len);
    wamp_buf_free(&b);
}

static void lc_on_message(wamp_transport *t, const uint8_t *d, size_t n, void *user)
{
    (void)t;
    lc *c = user;
    int type = msg_type(c->tg->ser, d, n);
    if (type == 36) {
        c->events++;
        G.delivered++;
    } else if (type == 2) {
        c->joined = true;
        G.joined++;
        if (c->sub_topic) {
            char m[256];
            snprintf(m, sizeof m, "[32,1,{%s},\"%s\"]",
                     c->sub_match == WAMP_MATCH_PREFIX     ? "\"match\":\"prefix\""
                     : c->sub_match == WAMP_MATCH_WILDCARD ? "\"match\":\"wildcard\""
                                                           : "",
                     c->sub_topic);
            lc_send_json(c, m);
        }
    } else if (type == 33) {
        c->subscribed = true;
        G.subscribed++;
    } else if (type == 3) {
        c->failed = true;
        G.failed++;
    }
}

static void lc_on_close(wamp_transport *t, int status, int code, const char *reason, void *user)
{
    (void)t, (void)status, (void)code, (void)reason;
    lc *c = user;
    if (!c->failed) G.failed++;
    c->failed = true;
    c->t = NULL;
}

static void lc_connected(wamp_transport *t, int status, void *user)
{
    lc *c = user;
    if (status != 0) {
        c->t = NULL;
        c->failed = true;
        G.failed++;
        return;
    }
    c->open = true;
    G.opened++;
    wamp_transport_callbacks cb = {.on_message = lc_on_message, .on_close = lc_on_close};
    wamp_transport_set_callbacks(t, &cb, c);
    lc_send_json(c, "[1,\"realm1\",{\"roles\":{\"subscriber\":{},\"publisher\":{}}}]");
}

/* relay light client: a stream with length-prefixed frames */
static void rl_frame(lc *c, const uint8_t *p, size_t n)
{
    if (!c->joined && n == 1 && p[0] == 'K') { /* the relay's registration ack */
        c->joined = c->subscribed = true;
        G.joined++, G.subscribed++;
        return;
    }
    c->events++;
    G.delivered++;
}

static void rl_read(wamp_stream *s, const uint8_t *d, size_t n, void *user)
{
    (void)s;
    lc *c = user;
    wamp_buf_append(&c->rbuf, d, n);
    size_t off = 0;
    while (c->rbuf.len - off >= 4) {
        const uint8_t *q = c->rbuf.data + off;
        size_t fl = (size_t)q[0] << 24 | (size_t)q[1] << 16 | (size_t)q[2] << 8 | q[3];
        if (c->rbuf.len - off - 4 < fl) break;
        rl_frame(c, q + 4, fl);
        off += 4 + fl;
    }
    memmove(c->rbuf.data, c->rbuf.data + off, c->rbuf.len - off);
    c->rbuf.len -= off;
}

static void rl_send(wamp_stream *s, const void *p, size_t n)
{
    uint8_t h[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
    wamp_iovec iov[2] = {{h, 4}, {p, n}};
    wamp_stream_writev(s, iov, 2);
}

static void rl_on_close(wamp_stream *s, int status, void *user)
{
    (void)s, (void)status;
    lc *c = user;
    c->st = NULL;
}

static void rl_connected(wamp_stream *s, int status, void *user)
{
    lc *c = user;
    if (status != 0) {
        c->st = NULL;
        c->failed = true;
        G.failed++;
        return;
    }
    c->st = s;
    wamp_stream_callbacks cb = {.on_read = rl_read, .on_close = rl_on_close};
    wamp_stream_set_callbacks(s, &cb, c);
    rl_send(s, c->sub_topic ? "H" : "C", 1);
    c->open = true;
    G.opened++;
}

static void lc_start(lc *c, const target *tg, const char *topic, wamp_match match, bool hub)
{
    memset(c, 0, sizeof *c);
    c->tg = tg;
    c->sub_topic = topic;
    c->sub_match = match;
    if (tg->kind == T_WAMP) {
        if (wamp_transport_connect(L, tg->url, &tg->topts, lc_connected, c, &c->t) != 0) {
            c->failed = true;
            G.failed++;
        }
    } else {
        c->sub_topic = hub ? "hub" : NULL;
        if (wamp_stream_connect_tcp(L, "127.0.0.1", (uint16_t)tg->port, NULL, rl_connected, c,
                                    &c->st) != 0) {
            c->failed = true;
            G.failed++;
        }
    }
}

static void lc_stop(lc *c)
{
    if (c->t) wamp_transport_free(c->t);
    if (c->st) wamp_stream_free(c->st);
    c->t = NULL;
    c->st = NULL;
    wamp_buf_free(&c->rbuf);
}

/* Waits until count clients are subscribed (or joined when !sub). */
static bool wait_count(const size_t *counter, size_t want, double timeout_s)
{
    uint64_t end = now_ns() + (uint64_t)(timeout_s * 1e9);
    while (*counter + G.failed < want) {
        if (now_ns() > end) return false;
        wamp_loop_run(L, WAMP_RUN_ONCE);
    }
    return G.failed == 0;
}

static void reset_counters(void)
{
    memset(&G, 0, sizeof G);
}

/* ================================================================ fan-out */

typedef struct fanout_res {
    double per_s;
    uint64_t lost;
    bool ok;
} fanout_res;

static fanout_res fanout(const target *tg, size_t nsubs, size_t payload, size_t events,
                         size_t idle_subs, bool idle_patterns)
{
    fanout_res r = {0};
    reset_counters();
    lc *subs = calloc(nsubs, sizeof *subs);
    lc pub, idle;
    memset(&idle, 0, sizeof idle);
    for (size_t i = 0; i < nsubs; i++)
        lc_start(&subs[i], tg, "bench.fan", WAMP_MATCH_EXACT, false);
    lc_start(&pub, tg, NULL, WAMP_MATCH_EXACT, true);
    bool ok = wait_count(&G.subscribed, nsubs + (tg->kind == T_RELAY), 60);
    if (ok && tg->kind == T_WAMP) ok = wait_count(&G.joined, nsubs + 1, 30);
    /* idle unrelated subscriptions, all on one session */
    if (ok && idle_subs && tg->kind == T_WAMP) {
        lc_start(&idle, tg, NULL, WAMP_MATCH_EXACT, false);
        ok = wait_count(&G.joined, nsubs + 2, 30);
        size_t before = G.subscribed;
        wamp_buf b = {0};
        for (size_t i = 0; ok && i < idle_subs; i++) {
            char m[200];
            const char *opt = "";
            if (idle_patterns && i % 2 == 0) opt = "\"match\":\"prefix\"";
            if (idle_patterns && i % 2 == 1) opt = "\"match\":\"wildcard\"";
            if (idle_patterns && i % 2 == 1)
                snprintf(m, sizeof m, "[32,%zu,{%s},\"idle.w%zu..x%zu\"]", i + 2, opt, i, i);
            else
                snprintf(m, sizeof m, "[32,%zu,{%s},\"idle.t%zu.x\"]", i + 2, opt, i);
            lc_send_json(&idle, m);
        }
        wamp_buf_free(&b);
        /* SUBSCRIBED replies are counted via type 33 on the idle client */
        uint64_t end = now_ns() + 60000000000ull;
        while (ok && G.subscribed < before + idle_subs && now_ns() < end)
            wamp_loop_run(L, WAMP_RUN_ONCE);
        ok = ok && G.subscribed >= before + idle_subs;
    }
    if (!ok) {
        fprintf(stderr, "bench_router: %s: fan-out setup failed (%zu failed)\n", tg->name,
                G.failed);
        goto out;
    }
    /* pre-encode the PUBLISH (payload string of `payload` bytes) with a patchable id */
    char *pl = malloc(payload + 1);
    memset(pl, 'x', payload);
    pl[payload] = 0;
    size_t window = nsubs >= 1000 ? 8 : nsubs >= 100 ? 32 : 128;
    uint64_t want = (uint64_t)events * nsubs;
    G.delivered = 0;
    uint64_t t0 = now_ns(), published = 0;
    char *json = malloc(payload + 128);
    wamp_buf frame = {0};
    uint64_t deadline = t0 + 60000000000ull;
    while (G.delivered < want && now_ns() < deadline) {
        while (published < events && published * nsubs - G.delivered < window * nsubs) {
            published++;
            wamp_buf_clear(&frame);
            if (tg->kind == T_WAMP) {
                snprintf(json, payload + 128, "[16,%" PRIu64 ",{},\"bench.fan\",[\"%s\"]]",
                         published, pl);
                enc(tg->ser, json, &frame);
                wamp_transport_send(pub.t, frame.data, frame.len);
            } else {
                /* the same JSON PUBLISH bytes, broadcast by the hub */
                uint8_t dst[4] = {0xff, 0xff, 0xff, 0xff};
                wamp_buf_append(&frame, dst, 4);
                int n =
                    snprintf(json, payload + 128, "[36,1,%" PRIu64 ",{},[\"%s\"]]", published, pl);
                wamp_buf_append(&frame, json, (size_t)n);
                rl_send(pub.st, frame.data, frame.len);
            }
        }
        wamp_loop_run(L, WAMP_RUN_ONCE);
    }
    uint64_t t1 = now_ns();
    r.lost = want - G.delivered;
    r.ok = r.lost == 0 && G.failed == 0;
    r.per_s = (double)G.delivered / ((double)(t1 - t0) / 1e9);
    free(json);
    free(pl);
    wamp_buf_free(&frame);
out:
    for (size_t i = 0; i < nsubs; i++)
        lc_stop(&subs[i]);
    lc_stop(&pub);
    lc_stop(&idle);
    free(subs);
    settle();
    return r;
}

/* ================================================================ idle sessions: memory */

static double mem_per_session(const target *tg, size_t n)
{
    if (tg->pid <= 0) return -1;
    reset_counters();
    settle();
    long before = rss_kb(tg->pid);
    lc *cs = calloc(n, sizeof *cs);
    for (size_t i = 0; i < n; i++)
        lc_start(&cs[i], tg, NULL, WAMP_MATCH_EXACT, tg->kind == T_RELAY && i == 0);
    bool ok = wait_count(&G.joined, n, 60);
    /* let the router finish its own work */
    for (int i = 0; i < 20; i++) {
        wamp_loop_run(L, WAMP_RUN_NOWAIT);
        usleep(5000);
    }
    long after = rss_kb(tg->pid);
    for (size_t i = 0; i < n; i++)
        lc_stop(&cs[i]);
    free(cs);
    settle();
    if (!ok || before < 0 || after < 0) return -1;
    return (double)(after - before) * 1024.0 / (double)n;
}

/* ================================================================ RPC with full sessions */

typedef struct rpc_peer {
    wamp_client *c;
    wamp_session *s;
    bool joined, registered, failed;
    uint64_t t_sent;
    uint64_t done, want;
    uint64_t *rtts;
    size_t nrtt;
    wamp_value args;
    wamp_arena *arena;
} rpc_peer;

static size_t g_rpc_joined, g_rpc_inflight_done;
static bool g_rpc_finished;
static size_t g_callers_left;

static void rp_on_connect(void *user, wamp_session *s)
{
    (void)user;
    wamp_join_opts jo = {.realm = "realm1"};
    wamp_session_join(s, &jo);
}

static void rp_on_join(void *user, wamp_session *s, const wamp_session_details *d)
{
    (void)s, (void)d;
    rpc_peer *p = user;
    p->joined = true;
    g_rpc_joined++;
}

static void rp_on_leave(void *user, wamp_session *s, const wamp_close_details *d)
{
    (void)s, (void)d;
    rpc_peer *p = user;
    if (!p->joined) p->failed = true;
}

static void echo_handler(void *user, wamp_session *s, const wamp_invocation *inv)
{
    (void)user;
    /* a non-empty kwargs always (to every router, for the same bytes): fox-wamp forwards an
     * absent ArgumentsKw as null, which WAMP forbids (an empty dict is omitted on the wire) */
    static wamp_arena *a;
    static wamp_value kw;
    if (!a) {
        a = wamp_arena_new(0);
        kw = wamp_value_dict();
        wamp_value_dict_setc(a, &kw, "n", wamp_value_int(1));
    }
    wamp_session_yield(s, inv->request, &inv->args, &kw, false);
}

static void hold_handler(void *user, wamp_session *s, const wamp_invocation *inv)
{
    (void)user, (void)s, (void)inv; /* never answers: the caller's calls stay pending */
}

static void reg_done(void *user, wamp_session *s, wamp_id h, wamp_id id, const wamp_error *err)
{
    (void)s, (void)h, (void)id;
    rpc_peer *p = user;
    if (err) p->failed = true;
    p->registered = true;
    g_rpc_inflight_done++;
}

static void issue_call(rpc_peer *p);

static void call_done(void *user, wamp_session *s, wamp_id req, const wamp_call_result *res,
                      const wamp_error *err)
{
    (void)s, (void)req;
    rpc_peer *p = user;
    if (!res || err) {
        if (!p->failed && err && p->rtts)
            fprintf(stderr, "bench_router: call failed: %s %.*s %.*s\n", wamp_err_name(err->code),
                    (int)err->uri.len, err->uri.ptr, (int)err->message.len, err->message.ptr);
        p->failed = true;
        g_rpc_finished = true;
        return;
    }
    if (p->rtts) p->rtts[p->nrtt++] = now_ns() - p->t_sent;
    if (++p->done < p->want)
        issue_call(p);
    else if (--g_callers_left == 0)
        g_rpc_finished = true;
}

static void issue_call(rpc_peer *p)
{
    p->t_sent = now_ns();
    if (wamp_session_call(p->s, "bench.echo", &p->args, NULL, NULL, call_done, p, NULL) != 0) {
        p->failed = true;
        g_rpc_finished = true;
    }
}

static bool rp_connect(rpc_peer *p, const target *tg)
{
    memset(p, 0, sizeof *p);
    wamp_session_callbacks cb = {
        .on_connect = rp_on_connect, .on_join = rp_on_join, .on_leave = rp_on_leave};
    if (wamp_client_new(L, &cb, p, &p->c) != 0) return false;
    p->s = wamp_client_session(p->c);
    /* the harness's own argument list (one 32 B string): a small arena, so that "client
     * memory per joined session" counts the client and not 4 KiB of harness data */
    p->arena = wamp_arena_new(256);
    p->args = wamp_value_list();
    wamp_value_list_push(p->arena, &p->args,
                         wamp_value_cstring(p->arena, "0123456789abcdef0123456789abcdef"));
    return wamp_client_connect(p->c, tg->url, &tg->topts) == 0;
}

static void rp_free(rpc_peer *p)
{
    if (p->c) wamp_client_free(p->c);
    wamp_arena_free(p->arena);
    free(p->rtts);
    memset(p, 0, sizeof *p);
}

typedef struct rpc_res {
    double p50, p99, per_s;
    bool ok;
} rpc_res;

/* relay RPC: callers are relay clients, the hub echoes each frame back to its sender */
typedef struct relay_rpc {
    lc hub;
    lc *callers;
    size_t n;
} relay_rpc;

static relay_rpc *g_rr;
static uint64_t g_rr_want;
static uint64_t *g_rr_rtts;
static size_t g_rr_nrtt;
static uint64_t *g_rr_sent;
static uint64_t *g_rr_done;

static const char RPC_FRAME[] = "[48,1,{},\"bench.echo\",[\"0123456789abcdef0123456789abcdef\"]]";

static void rr_frame_any(lc *c, const uint8_t *p, size_t n);

static void rr_read(wamp_stream *s, const uint8_t *d, size_t n, void *user)
{
    (void)s;
    lc *c = user;
    wamp_buf_append(&c->rbuf, d, n);
    size_t off = 0;
    while (c->rbuf.len - off >= 4) {
        const uint8_t *q = c->rbuf.data + off;
        size_t fl = (size_t)q[0] << 24 | (size_t)q[1] << 16 | (size_t)q[2] << 8 | q[3];
        if (c->rbuf.len - off - 4 < fl) break;
        rr_frame_any(c, q + 4, fl);
        off += 4 + fl;
    }
    memmove(c->rbuf.data, c->rbuf.data + off, c->rbuf.len - off);
    c->rbuf.len -= off;
}

static void rr_frame_any(lc *c, const uint8_t *p, size_t n)
{
    relay_rpc *rr = g_rr;
    if (c == &rr->hub) { /* [src id][payload] -> answer [src id][result] */
        if (n < 4) return;
        char reply[128];
        int rl = snprintf(reply, sizeof reply, "[50,1,{},[\"0123456789abcdef0123456789abcdef\"]]");
        uint8_t *o = malloc(4 + (size_t)rl);
        memcpy(o, p, 4);
        memcpy(o + 4, reply, (size_t)rl);
        rl_send(c->st, o, 4 + (size_t)rl);
        free(o);
        return;
    }
    size_t i = (size_t)(c - rr->callers);
    if (g_rr_rtts) g_rr_rtts[g_rr_nrtt++] = now_ns() - g_rr_sent[i];
    if (++g_rr_done[i] < g_rr_want) {
        g_rr_sent[i] = now_ns();
        rl_send(c->st, RPC_FRAME, sizeof RPC_FRAME - 1);
    } else if (--g_callers_left == 0) {
        g_rpc_finished = true;
    }
}

static rpc_res rpc_relay(const target *tg, size_t ncallers, uint64_t calls_each, bool lat)
{
    rpc_res r = {0};
    reset_counters();
    relay_rpc rr = {0};
    g_rr = &rr;
    rr.n = ncallers;
    rr.callers = calloc(ncallers, sizeof *rr.callers);
    lc_start(&rr.hub, tg, NULL, WAMP_MATCH_EXACT, true);
    if (!wait_count(&G.joined, 1, 10)) return r;
    for (size_t i = 0; i < ncallers; i++)
        lc_start(&rr.callers[i], tg, NULL, WAMP_MATCH_EXACT, false);
    if (!wait_count(&G.joined, ncallers + 1, 10)) return r;
    settle();
    wamp_stream_callbacks cb = {.on_read = rr_read, .on_close = rl_on_close};
    wamp_stream_set_callbacks(rr.hub.st, &cb, &rr.hub);
    for (size_t i = 0; i < ncallers; i++)
        wamp_stream_set_callbacks(rr.callers[i].st, &cb, &rr.callers[i]);
    g_rr_want = calls_each;
    g_rr_rtts = lat ? calloc(calls_each * ncallers, sizeof *g_rr_rtts) : NULL;
    g_rr_nrtt = 0;
    g_rr_sent = calloc(ncallers, sizeof *g_rr_sent);
    g_rr_done = calloc(ncallers, sizeof *g_rr_done);
    g_callers_left = ncallers;
    g_rpc_finished = false;
    uint64_t t0 = now_ns();
    for (size_t i = 0; i < ncallers; i++) {
        g_rr_sent[i] = now_ns();
        rl_send(rr.callers[i].st, RPC_FRAME, sizeof RPC_FRAME - 1);
    }
    r.ok = run_until(&g_rpc_finished, 60);
    uint64_t t1 = now_ns();
    r.per_s = (double)(calls_each * ncallers) / ((double)(t1 - t0) / 1e9);
    if (lat) {
        r.p50 = pct_us(g_rr_rtts, g_rr_nrtt, 0.50);
        r.p99 = pct_us(g_rr_rtts, g_rr_nrtt, 0.99);
    }
    free(g_rr_rtts);
    g_rr_rtts = NULL;
    free(g_rr_sent);
    free(g_rr_done);
    lc_stop(&rr.hub);
    for (size_t i = 0; i < ncallers; i++)
        lc_stop(&rr.callers[i]);
    free(rr.callers);
    settle();
    return r;
}

static rpc_res rpc_wamp(const target *tg, size_t ncallers, uint64_t calls_each, bool lat)
{
    rpc_res r = {0};
    rpc_peer callee;
    rpc_peer *callers = calloc(ncallers, sizeof *callers);
    g_rpc_joined = 0;
    g_rpc_inflight_done = 0;
    bool ok = rp_connect(&callee, tg);
    for (size_t i = 0; ok && i < ncallers; i++)
        ok = rp_connect(&callers[i], tg);
    uint64_t end = now_ns() + 20000000000ull;
    while (ok && g_rpc_joined < ncallers + 1 && now_ns() < end)
        wamp_loop_run(L, WAMP_RUN_ONCE);
    ok = ok && g_rpc_joined == ncallers + 1;
    wamp_register_opts ro = {0};
    if (ok)
        ok = wamp_session_register(callee.s, "bench.echo", &ro, echo_handler, NULL, reg_done,
                                   &callee, NULL) == 0;
    while (ok && !callee.registered && now_ns() < end)
        wamp_loop_run(L, WAMP_RUN_ONCE);
    ok = ok && callee.registered && !callee.failed;
    if (ok) {
        g_callers_left = ncallers;
        g_rpc_finished = false;
        for (size_t i = 0; i < ncallers; i++) {
            callers[i].want = calls_each;
            if (lat) callers[i].rtts = calloc(calls_each, sizeof(uint64_t));
        }
        uint64_t t0 = now_ns();
        for (size_t i = 0; i < ncallers; i++)
            issue_call(&callers[i]);
        ok = run_until(&g_rpc_finished, 60);
        uint64_t t1 = now_ns();
        for (size_t i = 0; i < ncallers; i++)
            ok = ok && !callers[i].failed && callers[i].done == calls_each;
        r.per_s = (double)(calls_each * ncallers) / ((double)(t1 - t0) / 1e9);
        if (lat) {
            r.p50 = pct_us(callers[0].rtts, callers[0].nrtt, 0.50);
            r.p99 = pct_us(callers[0].rtts, callers[0].nrtt, 0.99);
        }
    }
    r.ok = ok;
    rp_free(&callee);
    for (size_t i = 0; i < ncallers; i++)
        rp_free(&callers[i]);
    free(callers);
    settle();
    return r;
}

static rpc_res rpc(const target *tg, size_t ncallers, uint64_t calls_each, bool lat)
{
    return tg->kind == T_RELAY ? rpc_relay(tg, ncallers, calls_each, lat)
                               : rpc_wamp(tg, ncallers, calls_each, lat);
}

/* ================================================================ client comparison */

typedef struct client_res {
    double per_s, p50, p99, bytes_session, bytes_pending;
    bool ok;
} client_res;

static size_t heap_used(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

/* Our client: sequential calls to bench.echo (a callee in another process) and memory. */
static client_res client_ours(const target *tg, uint64_t calls, size_t nsessions, size_t npending)
{
    client_res r = {0};
    rpc_peer caller;
    g_rpc_joined = 0;
    bool ok = rp_connect(&caller, tg);
    uint64_t end = now_ns() + 20000000000ull;
    while (ok && g_rpc_joined < 1 && now_ns() < end)
        wamp_loop_run(L, WAMP_RUN_ONCE);
    ok = ok && g_rpc_joined == 1;
    if (ok) {
        caller.want = calls;
        caller.rtts = calloc(calls, sizeof(uint64_t));
        g_callers_left = 1;
        g_rpc_finished = false;
        uint64_t t0 = now_ns();
        issue_call(&caller);
        ok = run_until(&g_rpc_finished, 60) && !caller.failed;
        uint64_t t1 = now_ns();
        r.per_s = (double)calls / ((double)(t1 - t0) / 1e9);
        r.p50 = pct_us(caller.rtts, caller.nrtt, 0.50);
        r.p99 = pct_us(caller.rtts, caller.nrtt, 0.99);
    }
    /* memory per pending call: npending calls to bench.hold that are never answered */
    if (ok) {
        settle();
        size_t h0 = heap_used();
        for (size_t i = 0; ok && i < npending; i++)
            ok = wamp_session_call(caller.s, "bench.hold", &caller.args, NULL, NULL, call_done,
                                   &caller, NULL) == 0;
        settle();
        size_t h1 = heap_used();
        r.bytes_pending = ((double)h1 - (double)h0) / (double)npending;
    }
    /* pending calls complete (with an error) when the client goes: not a failure here */
    caller.failed = true;
    rp_free(&caller);
    settle();
    /* memory per joined session */
    if (ok) {
        rpc_peer *ps = calloc(nsessions, sizeof *ps);
        g_rpc_joined = 0;
        size_t h0 = heap_used();
        for (size_t i = 0; ok && i < nsessions; i++)
            ok = rp_connect(&ps[i], tg);
        end = now_ns() + 30000000000ull;
        while (ok && g_rpc_joined < nsessions && now_ns() < end)
            wamp_loop_run(L, WAMP_RUN_ONCE);
        ok = ok && g_rpc_joined == nsessions;
        settle();
        size_t h1 = heap_used();
        r.bytes_session = ((double)h1 - (double)h0) / (double)nsessions;
        for (size_t i = 0; i < nsessions; i++)
            rp_free(&ps[i]);
        free(ps);
        settle();
    }
    r.ok = ok;
    return r;
}

/* The callee process for the client comparison: registers bench.echo and bench.hold. */
static int callee_main(const char *url)
{
    if (wamp_loop_new(&L) != 0) return 1;
    target tg;
    target_wamp(&tg, "wampd", "ws", 0, WAMP_SER_JSON, 0);
    snprintf(tg.url, sizeof tg.url, "%s", url);
    rpc_peer p;
    g_rpc_joined = 0;
    if (!rp_connect(&p, &tg)) return 1;
    while (g_rpc_joined < 1 && !p.failed)
        wamp_loop_run(L, WAMP_RUN_ONCE);
    wamp_register_opts ro = {0};
    wamp_session_register(p.s, "bench.echo", &ro, echo_handler, NULL, reg_done, &p, NULL);
    wamp_session_register(p.s, "bench.hold", &ro, hold_handler, NULL, reg_done, &p, NULL);
    while (g_rpc_inflight_done < 2)
        wamp_loop_run(L, WAMP_RUN_ONCE);
    printf("LISTENING ready 1\n");
    fflush(stdout);
    wamp_loop_run(L, WAMP_RUN_DEFAULT);
    return 0;
}

static client_res client_autobahnjs(const char *url, uint64_t calls, size_t nsessions,
                                    size_t npending)
{
    client_res r = {0};
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "node --expose-gc %s/bench/autobahnjs_client.js %s/node_modules %s %" PRIu64
             " %zu %zu 2>/tmp/bench_router_autobahnjs.log",
             WAMP_SOURCE_DIR, WAMP_SOURCE_DIR, url, calls, nsessions, npending);
    FILE *f = popen(cmd, "r");
    if (!f) return r;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "RESULT %lf %lf %lf %lf %lf", &r.per_s, &r.p50, &r.p99, &r.bytes_session,
                   &r.bytes_pending) == 5)
            r.ok = true;
    }
    if (pclose(f) != 0) r.ok = false;
    return r;
}

/* ================================================================ printing */

static void row(const char *what, const char *unit, double ours, const char *ref_name, double ref,
                bool lower_better)
{
    double ratio = ref > 0 && ours > 0 ? (lower_better ? ours / ref : ref / ours) : 0;
    printf("  %-44s %12.1f %-8s  %-9s %12.1f  ratio %6.2fx%s\n", what, ours, unit, ref_name, ref,
           ratio, ratio >= 1.0 ? " (slower)" : "");
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--relay") == 0) return relay_main();
    if (argc >= 3 && strcmp(argv[1], "--callee") == 0) return callee_main(argv[2]);
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--quick") == 0) g_quick = true;

    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 8192) {
        rl.rlim_cur = rl.rlim_max < 65536 ? rl.rlim_max : 65536;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);

    child wampd = {0}, fox = {0}, relay = {0}, callee = {0};
    char *wargv[] = {(char *)WAMPD_PATH, "--listen", "127.0.0.1:0", "--log-level", "error", NULL};
    char *rargv[] = {argv[0], "--relay", NULL};
    char foxjs[512], nm[512];
    snprintf(foxjs, sizeof foxjs, "%s/tests/interop/session/fox_router.js", WAMP_SOURCE_DIR);
    snprintf(nm, sizeof nm, "%s/node_modules", WAMP_SOURCE_DIR);
    char *fargv[] = {"node", foxjs, nm, NULL};
    if (!spawn(&wampd, wargv) || !spawn(&relay, rargv)) {
        fprintf(stderr, "bench_router: cannot start wampd or the relay\n");
        return 1;
    }
    bool have_fox = spawn(&fox, fargv);
    if (!have_fox) fprintf(stderr, "bench_router: fox-wamp not available (npm install?)\n");
    if (wamp_loop_new(&L) != 0) return 1;

    target t_relay = {.name = "relay", .kind = T_RELAY, .port = relay.port, .pid = relay.pid};
    target t_ws, t_rs, t_fox;
    target_wamp(&t_ws, "wampd ws/json", "ws", wampd.port, WAMP_SER_JSON, wampd.pid);
    target_wamp(&t_rs, "wampd rs/msgpack", "rs", wampd.port, WAMP_SER_MSGPACK, wampd.pid);
    target_wamp(&t_fox, "fox ws/json", "ws", fox.port, WAMP_SER_JSON, fox.pid);

    uint64_t nseq = g_quick ? 2000 : 20000, nconc = g_quick ? 1000 : 10000;
    printf("bench_router: load generator = libwamp C client; every row beside a reference from "
           "the same run\n");
    printf("  (ratio = how many times slower / bigger than the reference; < 1 = better)\n\n");

    printf("sequential RPC (1 caller, 1 callee, 32 B string arg), %" PRIu64 " calls\n", nseq);
    rpc_res rr = rpc(&t_relay, 1, nseq, true);
    rpc_res rw = rpc(&t_ws, 1, nseq, true);
    rpc_res rs = rpc(&t_rs, 1, nseq, true);
    rpc_res rf = have_fox ? rpc(&t_fox, 1, nseq, true) : (rpc_res){0};
    printf("  %-18s p50 %8.1f us  p99 %8.1f us  %10.0f calls/s%s\n", "relay floor", rr.p50, rr.p99,
           rr.per_s, rr.ok ? "" : "  FAILED");
    printf("  %-18s p50 %8.1f us  p99 %8.1f us  %10.0f calls/s%s\n", t_ws.name, rw.p50, rw.p99,
           rw.per_s, rw.ok ? "" : "  FAILED");
    printf("  %-18s p50 %8.1f us  p99 %8.1f us  %10.0f calls/s%s\n", t_rs.name, rs.p50, rs.p99,
           rs.per_s, rs.ok ? "" : "  FAILED");
    if (have_fox)
        printf("  %-18s p50 %8.1f us  p99 %8.1f us  %10.0f calls/s%s\n", t_fox.name, rf.p50, rf.p99,
               rf.per_s, rf.ok ? "" : "  FAILED");
    row("wampd rs/msgpack p50 vs relay floor", "us", rs.p50, "relay", rr.p50, true);
    row("wampd ws/json p50 vs relay floor", "us", rw.p50, "relay", rr.p50, true);
    if (have_fox) row("wampd ws/json p50 vs fox-wamp", "us", rw.p50, "fox", rf.p50, true);
    double best = rs.p50 < rw.p50 ? rs.p50 : rw.p50;
    printf("  target: sequential RPC p50 within 1.5x of the relay floor: %.2fx -> %s\n\n",
           best / rr.p50, best / rr.p50 <= 1.5 ? "MET" : "NOT MET");

    printf("calls/s with 8 concurrent callers (one call in flight each), %" PRIu64 " calls each\n",
           nconc);
    rpc_res cr = rpc(&t_relay, 8, nconc, false);
    rpc_res cw = rpc(&t_ws, 8, nconc, false);
    rpc_res cs = rpc(&t_rs, 8, nconc, false);
    rpc_res cf = have_fox ? rpc(&t_fox, 8, nconc, false) : (rpc_res){0};
    row("wampd rs/msgpack calls/s (relay)", "calls/s", cs.per_s, "relay", cr.per_s, false);
    row("wampd ws/json calls/s (relay)", "calls/s", cw.per_s, "relay", cr.per_s, false);
    if (have_fox)
        row("wampd ws/json calls/s vs fox-wamp", "calls/s", cw.per_s, "fox", cf.per_s, false);
    if (!cr.ok || !cw.ok || !cs.ok || (have_fox && !cf.ok)) printf("  some runs FAILED\n");
    printf("\n");

    printf("fan-out deliveries/s (1 publisher, N subscribers; lost must be 0)\n");
    size_t subs[] = {10, 100, 1000};
    size_t sizes[] = {32, 1024};
    bool met_1m = false, all_ok = true;
    for (size_t si = 0; si < 2; si++) {
        for (size_t ni = 0; ni < 3; ni++) {
            size_t n = subs[ni], sz = sizes[si];
            size_t ev = (g_quick ? 200000 : 2000000) / n;
            if (sz > 100) ev /= 4;
            fanout_res fr = fanout(&t_relay, n, sz, ev, 0, false);
            fanout_res fw = fanout(&t_ws, n, sz, ev, 0, false);
            fanout_res fs = fanout(&t_rs, n, sz, ev, 0, false);
            fanout_res ff =
                have_fox ? fanout(&t_fox, n, sz, ev / 4 + 1, 0, false) : (fanout_res){0};
            printf("  %4zu subs %5zu B: relay %10.0f/s  wampd-rs %10.0f/s (lost %" PRIu64
                   ")  wampd-ws %10.0f/s (lost %" PRIu64 ")  fox %9.0f/s (lost %" PRIu64 ")\n",
                   n, sz, fr.per_s, fs.per_s, fs.lost, fw.per_s, fw.lost, ff.per_s, ff.lost);
            printf("      wampd-rs reaches %.2f of the relay floor; wampd-ws is %.1fx fox-wamp\n",
                   fr.per_s > 0 ? fs.per_s / fr.per_s : 0, ff.per_s > 0 ? fw.per_s / ff.per_s : 0);
            all_ok = all_ok && fs.ok && fw.ok && fr.ok && (!have_fox || ff.ok);
            if (n == 100 && sz == 32 && (fs.per_s >= 1e6 || fw.per_s >= 1e6)) met_1m = true;
        }
    }
    printf("  target: >= 1,000,000 deliveries/s with 100 subscribers at 32 B: %s; no lost "
           "event: %s\n\n",
           met_1m ? "MET" : "NOT MET", all_ok ? "MET" : "NOT MET");

    printf("publish cost with 10,000 idle unrelated subscriptions (10 subscribers, 32 B)\n");
    size_t evi = g_quick ? 5000 : 50000;
    fanout(&t_rs, 10, 32, evi, 0, false); /* warm-up: the first run pays for cold caches */
    fanout_res b0 = fanout(&t_rs, 10, 32, evi, 0, false);
    fanout_res b1 = fanout(&t_rs, 10, 32, evi, 10000, false);
    fanout_res b2 = fanout(&t_rs, 10, 32, evi, 10000, true);
    row("wampd, 10,000 idle exact subscriptions", "deliv/s", b1.per_s, "no idle", b0.per_s, false);
    row("wampd, 10,000 idle prefix/wildcard", "deliv/s", b2.per_s, "no idle", b0.per_s, false);
    if (have_fox) {
        fanout_res f0 = fanout(&t_fox, 10, 32, evi / 10, 0, false);
        fanout_res f1 = fanout(&t_fox, 10, 32, evi / 10, 10000, false);
        row("fox-wamp, 10,000 idle exact subscriptions", "deliv/s", f1.per_s, "no idle", f0.per_s,
            false);
    }
    printf("\n");

    printf("router memory per idle joined session (RSS delta of a fresh router process over "
           "1,000 sessions)\n");
    double mw = -1, mr = -1, mf = -1;
    {
        child fw = {0}, fr = {0}, ff = {0};
        target tw, tr = {.name = "relay", .kind = T_RELAY};
        if (spawn(&fw, wargv)) {
            target_wamp(&tw, "wampd", "rs", fw.port, WAMP_SER_MSGPACK, fw.pid);
            mw = mem_per_session(&tw, 1000);
            stop_child(&fw);
        }
        if (spawn(&fr, rargv)) {
            tr.port = fr.port, tr.pid = fr.pid;
            mr = mem_per_session(&tr, 1000);
            stop_child(&fr);
        }
        if (have_fox && spawn(&ff, fargv)) {
            target tf;
            target_wamp(&tf, "fox", "ws", ff.port, WAMP_SER_JSON, ff.pid);
            mf = mem_per_session(&tf, 1000);
            stop_child(&ff);
        }
    }
    row("wampd bytes/session vs relay bytes/conn", "B", mw, "relay", mr, true);
    if (have_fox) row("wampd bytes/session vs fox-wamp", "B", mw, "fox", mf, true);
    printf("  target: at most 16 KiB per idle session: %s\n\n",
           mw >= 0 && mw <= 16384 ? "MET" : "NOT MET");

    printf("client: libwamp C client vs AutobahnJS 22.11.1 (node), same wampd, same callee\n");
    char wsurl[160];
    snprintf(wsurl, sizeof wsurl, "ws://127.0.0.1:%u/ws", wampd.port);
    char *cargv[] = {argv[0], "--callee", wsurl, NULL};
    if (spawn(&callee, cargv)) {
        client_res co = client_ours(&t_ws, nseq, 200, 10000);
        client_res cj = client_autobahnjs(wsurl, nseq, 200, 10000);
        if (!co.ok) printf("  libwamp client run FAILED\n");
        if (!cj.ok) printf("  AutobahnJS run FAILED (see /tmp/bench_router_autobahnjs.log)\n");
        row("sequential calls/s", "calls/s", co.per_s, "autobahn", cj.per_s, false);
        row("p50 round trip", "us", co.p50, "autobahn", cj.p50, true);
        row("p99 round trip", "us", co.p99, "autobahn", cj.p99, true);
        row("client memory per joined session", "B", co.bytes_session, "autobahn", cj.bytes_session,
            true);
        row("client memory per pending call", "B", co.bytes_pending, "autobahn", cj.bytes_pending,
            true);
        stop_child(&callee);
    } else {
        printf("  callee process did not start\n");
    }

    stop_child(&wampd);
    stop_child(&relay);
    stop_child(&fox);
    wamp_loop_free(L);
    return 0;
}
