/*
 * wsecho — test peer over libwamp's runtime, for interop tests and benchmarks.
 *
 *   wsecho mkcerts DIR
 *       writes a throwaway CA, server and client certificates into DIR (tests/unit/support).
 *   wsecho serve [--host H] [--port N] [--unix PATH] [--tls DIR] [--client-cert] [--deflate]
 *                [--max BYTES] [--ping MS] [--report] [--exit-after N] [--no-rawsocket]
 *                [--no-websocket] [--tls12]
 *       echoes every WAMP message back on WebSocket and RawSocket (one port, sniffed).
 *       stdout: "LISTEN <port>", then per transport "OPEN <framing> <protocol|-> <ext|->",
 *       "CID <hex>" (TLS: channel_id tls-unique), "MSG <len> <sha256>" (--report),
 *       "CLOSE <status> <code>". Exits when stdin ends or after N transports closed.
 *   wsecho client URL [--sizes a,b,...] [--deflate] [--fragment N] [--protocol P]
 *                [--ca FILE] [--rawsocket-ser N] [--ping MS] [--repeat N]
 *                [--server-no-context-takeover] [--client-no-context-takeover]
 *                [--server-max-window-bits N] [--client-max-window-bits N]
 *       sends a message of each size (printable ASCII, valid as JSON text frames), expects the
 *       same bytes back, prints "OK <size>" per message and "CID <hex>" for TLS; exit 0 when
 *       all echoes matched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <wamp/net.h>

#include "support/tlscerts.h"

static const char *arg(int argc, char **argv, const char *name)
{
    for (int i = 0; i < argc - 1; i++)
        if (strcmp(argv[i], name) == 0) return argv[i + 1];
    return NULL;
}

static bool flag(int argc, char **argv, const char *name)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], name) == 0) return true;
    return false;
}

static void hex(const uint8_t *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", d[i]);
}

static void print_cid(wamp_transport *t)
{
    wamp_transport_details d;
    wamp_transport_get_details(t, &d);
    if (d.channel_id_tls_unique_len) {
        char h[129];
        hex(d.channel_id_tls_unique, d.channel_id_tls_unique_len, h);
        printf("CID %s\n", h);
    }
}

/* ---------------------------------------------------------------- server */

static bool g_report;
static long g_exit_after = -1;
static long g_closed;
static wamp_listener *g_listener;
static wamp_loop *g_loop;

static void srv_msg(wamp_transport *t, const uint8_t *data, size_t len, void *user)
{
    if (g_report) {
        uint8_t md[32];
        unsigned mdl;
        char h[65];
        EVP_Digest(data, len, md, &mdl, EVP_sha256(), NULL);
        hex(md, 32, h);
        printf("MSG %zu %s\n", len, h);
        fflush(stdout);
    }
    int r = wamp_transport_send(t, data, len);
    if (r != 0) fprintf(stderr, "wsecho: send: %s\n", wamp_strerror(r));
}

static void srv_close(wamp_transport *t, int status, int code, const char *reason, void *user)
{
    printf("CLOSE %s %d\n", wamp_err_name(status), code);
    fflush(stdout);
    if (g_exit_after > 0 && ++g_closed >= g_exit_after) wamp_loop_stop(g_loop);
}

static void srv_accept(wamp_listener *l, wamp_transport *t, void *user)
{
    static const wamp_transport_callbacks cbs = {srv_msg, NULL, srv_close};
    wamp_transport_set_callbacks(t, &cbs, NULL);
    wamp_framer *f = wamp_transport_framer(t);
    const char *p = wamp_framer_protocol(f), *e = wamp_framer_extensions(f);
    printf("OPEN %s %s %s\n", wamp_channel_framing_name(wamp_transport_framing(t)), p ? p : "-",
           e ? e : "-");
    print_cid(t);
    fflush(stdout);
}

static void on_stdin(int fd, unsigned events, void *user)
{
    char buf[256];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) wamp_loop_stop(g_loop);
}

static int serve(int argc, char **argv)
{
    wamp_listener_options o = {0};
    o.host = arg(argc, argv, "--host");
    o.port = (uint16_t)atoi(arg(argc, argv, "--port") ? arg(argc, argv, "--port") : "0");
    o.unix_path = arg(argc, argv, "--unix");
    o.no_rawsocket = flag(argc, argv, "--no-rawsocket");
    o.no_websocket = flag(argc, argv, "--no-websocket");
    g_report = flag(argc, argv, "--report");
    if (arg(argc, argv, "--exit-after")) g_exit_after = atol(arg(argc, argv, "--exit-after"));
    size_t max = arg(argc, argv, "--max") ? (size_t)atol(arg(argc, argv, "--max")) : 0;
    o.transport.websocket.max_message_size = max;
    o.transport.rawsocket.max_message_size = (uint32_t)max;
    o.transport.websocket.deflate.enabled = flag(argc, argv, "--deflate");
    if (arg(argc, argv, "--ping"))
        o.transport.ping_interval_ms = (uint32_t)atoi(arg(argc, argv, "--ping"));
    char cert[600], key[600], ca[600];
    wamp_tls_options tls = {0};
    const char *dir = arg(argc, argv, "--tls");
    if (dir) {
        snprintf(cert, sizeof cert, "%s/server.pem", dir);
        snprintf(key, sizeof key, "%s/server.key", dir);
        snprintf(ca, sizeof ca, "%s/ca.pem", dir);
        tls.cert_file = cert;
        tls.key_file = key;
        if (flag(argc, argv, "--client-cert")) {
            tls.ca_file = ca;
            tls.verify_client = WAMP_TLS_CLIENT_CERT_OPTIONAL;
        }
        if (flag(argc, argv, "--tls12")) tls.max_version = WAMP_TLS_1_2;
        o.transport.stream.tls = &tls;
    }
    if (wamp_loop_new(&g_loop) != 0) return 2;
    int r = wamp_listener_new(g_loop, &o, srv_accept, NULL, &g_listener);
    if (r != 0) {
        fprintf(stderr, "wsecho: listen: %s\n", wamp_strerror(r));
        return 2;
    }
    printf("LISTEN %u\n", wamp_listener_port(g_listener));
    fflush(stdout);
    wamp_loop_hooks h;
    wamp_loop_hooks_default(g_loop, &h);
    void *watch = NULL;
    h.io_start(h.ctx, 0, WAMP_IO_READ, on_stdin, NULL, &watch);
    wamp_loop_run(g_loop, WAMP_RUN_DEFAULT);
    h.io_stop(h.ctx, watch);
    wamp_listener_free(g_listener);
    for (int i = 0; i < 10; i++)
        wamp_loop_run(g_loop, WAMP_RUN_NOWAIT);
    return 0;
}

/* ---------------------------------------------------------------- client */

typedef struct cli {
    size_t *sizes;
    size_t nsizes, idx, repeat, rep;
    uint8_t *buf;
    int rc;
    bool done;
} cli;

static void fill(uint8_t *p, size_t n, size_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(' ' + (i * 7 + seed * 13 + i / 251) % 95);
}

static void send_next(wamp_transport *t, cli *c)
{
    if (c->idx == c->nsizes) {
        wamp_transport_close(t, 1000, "done");
        return;
    }
    size_t n = c->sizes[c->idx];
    fill(c->buf, n, c->idx);
    int r = wamp_transport_send(t, c->buf, n);
    if (r != 0) {
        fprintf(stderr, "wsecho: send %zu: %s\n", n, wamp_strerror(r));
        c->rc = 1;
        wamp_transport_close(t, 1000, NULL);
    }
}

static void cli_msg(wamp_transport *t, const uint8_t *data, size_t len, void *user)
{
    cli *c = user;
    size_t n = c->sizes[c->idx];
    fill(c->buf, n, c->idx);
    if (len != n || (n && memcmp(data, c->buf, n) != 0)) {
        printf("MISMATCH %zu (got %zu)\n", n, len);
        c->rc = 1;
    } else if (c->rep + 1 == c->repeat) {
        printf("OK %zu\n", n);
    }
    fflush(stdout);
    if (++c->rep == c->repeat) {
        c->rep = 0;
        c->idx++;
    }
    send_next(t, c);
}

static void cli_close(wamp_transport *t, int status, int code, const char *reason, void *user)
{
    cli *c = user;
    printf("CLOSE %s %d\n", wamp_err_name(status), code);
    if (c->idx != c->nsizes || status != WAMP_OK) c->rc = 1;
    c->done = true;
    wamp_loop_stop(g_loop);
}

static void cli_connected(wamp_transport *t, int status, void *user)
{
    cli *c = user;
    if (status != 0) {
        printf("CONNECT %s\n", wamp_err_name(status));
        c->rc = 1;
        c->done = true;
        wamp_loop_stop(g_loop);
        return;
    }
    static const wamp_transport_callbacks cbs = {cli_msg, NULL, cli_close};
    wamp_transport_set_callbacks(t, &cbs, c);
    wamp_framer *f = wamp_transport_framer(t);
    const char *e = wamp_framer_extensions(f);
    printf("OPEN %s %s\n", wamp_framer_protocol(f) ? wamp_framer_protocol(f) : "-", e ? e : "-");
    print_cid(t);
    send_next(t, c);
}

static int client(int argc, char **argv)
{
    if (argc < 1) return 2;
    const char *url = argv[0];
    cli c = {0};
    const char *sz = arg(argc, argv, "--sizes");
    if (!sz) sz = "0,1,125,126,65535,65536,1000000";
    c.sizes = calloc(64, sizeof *c.sizes);
    size_t maxsz = 1;
    for (const char *p = sz; *p && c.nsizes < 64;) {
        c.sizes[c.nsizes] = strtoul(p, (char **)&p, 10);
        if (c.sizes[c.nsizes] > maxsz) maxsz = c.sizes[c.nsizes];
        c.nsizes++;
        if (*p == ',') p++;
    }
    c.repeat = arg(argc, argv, "--repeat") ? (size_t)atol(arg(argc, argv, "--repeat")) : 1;
    c.buf = malloc(maxsz);
    wamp_transport_options o = {0};
    o.websocket.deflate.enabled = flag(argc, argv, "--deflate");
    /* permessage-deflate parameters to offer (RFC 7692 section 7.1) */
    o.websocket.deflate.server_no_context_takeover =
        flag(argc, argv, "--server-no-context-takeover");
    o.websocket.deflate.client_no_context_takeover =
        flag(argc, argv, "--client-no-context-takeover");
    if (arg(argc, argv, "--server-max-window-bits"))
        o.websocket.deflate.server_max_window_bits =
            (unsigned)atoi(arg(argc, argv, "--server-max-window-bits"));
    if (arg(argc, argv, "--client-max-window-bits"))
        o.websocket.deflate.client_max_window_bits =
            (unsigned)atoi(arg(argc, argv, "--client-max-window-bits"));
    if (arg(argc, argv, "--fragment"))
        o.websocket.fragment_size = (size_t)atol(arg(argc, argv, "--fragment"));
    const char *proto = arg(argc, argv, "--protocol");
    if (proto) {
        o.websocket.protocols = &proto;
        o.websocket.protocol_count = 1;
    }
    o.websocket.max_message_size = maxsz;
    o.rawsocket.max_message_size = (uint32_t)maxsz;
    if (arg(argc, argv, "--rawsocket-ser"))
        o.rawsocket.serializer = (wamp_serializer_id)atoi(arg(argc, argv, "--rawsocket-ser"));
    if (arg(argc, argv, "--ping")) o.ping_interval_ms = (uint32_t)atoi(arg(argc, argv, "--ping"));
    wamp_tls_options tls = {.ca_file = arg(argc, argv, "--ca")};
    o.stream.tls = &tls;
    if (wamp_loop_new(&g_loop) != 0) return 2;
    int r = wamp_transport_connect(g_loop, url, &o, cli_connected, &c, NULL);
    if (r != 0) {
        fprintf(stderr, "wsecho: connect: %s\n", wamp_strerror(r));
        return 2;
    }
    while (!c.done)
        wamp_loop_run(g_loop, WAMP_RUN_DEFAULT);
    for (int i = 0; i < 10; i++)
        wamp_loop_run(g_loop, WAMP_RUN_NOWAIT);
    wamp_loop_free(g_loop);
    free(c.buf);
    free(c.sizes);
    return c.rc;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc >= 3 && strcmp(argv[1], "mkcerts") == 0) return wt_make_certs(argv[2]) == 0 ? 0 : 1;
    if (argc >= 2 && strcmp(argv[1], "serve") == 0) return serve(argc - 2, argv + 2);
    if (argc >= 3 && strcmp(argv[1], "client") == 0) return client(argc - 2, argv + 2);
    fprintf(stderr, "usage: wsecho mkcerts DIR | serve [...] | client URL [...]\n");
    return 2;
}
