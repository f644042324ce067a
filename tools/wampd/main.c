/*
 * wampd — the libwamp router daemon: the sans-I/O router core (wamp/router.h) served on
 * listeners of the libuv runtime (wamp/net.h).
 *
 *   wampd                      embedded default: realm "realm1", anonymous may do everything,
 *                              WebSocket (any path, e.g. /ws) + RawSocket on 127.0.0.1:8080
 *   wampd --listen HOST:PORT   override the default listener (port 0: ephemeral)
 *   wampd --config FILE        Crossbar-shaped node configuration (see config.c)
 *   wampd --check [--config F] validate the configuration and exit (0 valid, 1 invalid)
 *   wampd --version
 *   wampd --log-level error|warn|info|debug|trace
 *
 * On start it prints "LISTENING <host> <port>" on stdout per listener (for scripts and tests).
 * SIGTERM / SIGINT: GOODBYE wamp.close.system_shutdown to every session, then exit once they
 * are gone (or after a 3 s grace period).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <wamp/wamp.h>

#include "wampd.h"

static wamp_loop *g_loop;
static wamp_router *g_router;
static wamp_log_level g_level = WAMP_LOG_INFO;
static bool g_shutting;
static wamp_timer *g_tick, *g_grace;
static int g_sigpipe[2] = {-1, -1};
static void *g_sigwatch;
static wamp_loop_hooks g_hooks;

typedef struct conn {
    struct conn *prev, *next;
    wamp_transport *t;
    wamp_router_session *s;
    wamp_buf pending; /* a popped payload the transport refused (ELIMIT): retried on drain */
    bool blocked;
    bool closing;
    void *auth; /* config.c's per-connection auth state */
} conn;

static conn *g_conns;
static size_t g_nconns;

void wampd_log(wamp_log_level lvl, const char *fmt, ...)
{
    if (lvl > g_level) return;
    static const char *names[] = {"ERROR", "WARN", "INFO", "DEBUG", "TRACE"};
    char ts[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s wampd %-5s ", ts, names[lvl]);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void router_log(void *user, wamp_log_level lvl, const char *msg)
{
    (void)user;
    wampd_log(lvl, "%s", msg);
}

/* ---------------------------------------------------------------- connections */

static void flush(conn *c)
{
    if (c->blocked) return;
    if (c->pending.len) {
        int rc = wamp_transport_send(c->t, c->pending.data, c->pending.len);
        if (rc == WAMP_ELIMIT) {
            c->blocked = true;
            return;
        }
        wamp_buf_clear(&c->pending);
    }
    while (wamp_router_session_pop(c->s, &c->pending)) {
        int rc = wamp_transport_send(c->t, c->pending.data, c->pending.len);
        if (rc == WAMP_ELIMIT) {
            c->blocked = true;
            return;
        }
        if (rc != WAMP_OK && rc != WAMP_ECLOSED)
            wampd_log(WAMP_LOG_WARN, "send failed: %s", wamp_strerror(rc));
        wamp_buf_clear(&c->pending);
    }
}

static void s_output(wamp_router_session *s, void *user)
{
    (void)s;
    flush(user);
}

static void s_close(wamp_router_session *s, const char *reason, void *user)
{
    (void)s;
    conn *c = user;
    wampd_log(WAMP_LOG_DEBUG, "closing connection: %s", reason);
    c->closing = true;
    flush(c);
    wamp_transport_close(c->t, 1000, NULL);
}

static void maybe_exit(void)
{
    if (g_shutting && g_nconns == 0) wamp_loop_stop(g_loop);
}

static void t_message(wamp_transport *t, const uint8_t *data, size_t len, void *user)
{
    (void)t;
    conn *c = user;
    if (c->closing) return;
    wamp_router_session_receive(c->s, data, len);
}

static void t_drain(wamp_transport *t, void *user)
{
    (void)t;
    conn *c = user;
    c->blocked = false;
    flush(c);
}

static void conn_free(conn *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        g_conns = c->next;
    if (c->next) c->next->prev = c->prev;
    g_nconns--;
    wamp_router_session_free(c->s);
    wampd_auth_conn_free(c->auth);
    wamp_buf_free(&c->pending);
    free(c);
}

static void t_close(wamp_transport *t, int status, int code, const char *reason, void *user)
{
    (void)t;
    (void)reason;
    conn *c = user;
    wampd_log(WAMP_LOG_DEBUG, "transport closed: %s (code %d)", wamp_err_name(status), code);
    conn_free(c);
    maybe_exit();
}

void *wampd_conn_auth(wamp_router_session *s)
{
    conn *c = wamp_router_session_get_user(s);
    return c ? c->auth : NULL;
}

wamp_transport *wampd_conn_transport(wamp_router_session *s)
{
    conn *c = wamp_router_session_get_user(s);
    return c ? c->t : NULL;
}

static void on_accept(wamp_listener *l, wamp_transport *t, void *user)
{
    (void)user;
    static const wamp_transport_callbacks tcbs = {t_message, t_drain, t_close};
    static const wamp_router_session_cbs scbs = {s_output, s_close};
    if (g_shutting) {
        wamp_transport_free(t);
        return;
    }
    const wamp_serializer_info *ser =
        wamp_serializer_by_id(wamp_transport_serializer(t), wamp_transport_batched(t));
    conn *c = calloc(1, sizeof *c);
    if (!c || !ser) {
        free(c);
        wamp_transport_free(t);
        return;
    }
    wamp_stream_info si;
    wamp_stream_get_info(wamp_transport_stream(t), &si);
    char tinfo[200];
    snprintf(tinfo, sizeof tinfo, "%s %s", wamp_channel_framing_name(wamp_transport_framing(t)),
             si.peer ? si.peer : "?");
    c->t = t;
    c->auth = wampd_auth_conn_new(l);
    wamp_transport_details td;
    wamp_transport_details_init(&td);
    wamp_transport_get_details(t, &td);
    const char *ws_path = td.http_headers_received ? td.http_headers_received->path : NULL;
    wampd_auth_conn_set_transport(c->auth, wamp_channel_framing_name(wamp_transport_framing(t)),
                                  si.peer, ws_path);
    if (si.has_peer_cert)
        wampd_auth_conn_set_peer_cert(c->auth, si.peer_cert_der, si.peer_cert_der_len);
    int rc = wamp_router_session_new(g_router, ser, &scbs, c, tinfo, &c->s);
    if (rc != WAMP_OK) {
        wampd_log(WAMP_LOG_WARN, "cannot attach a session (%s): %s", ser->name, wamp_strerror(rc));
        wampd_auth_conn_free(c->auth);
        free(c);
        wamp_transport_free(t);
        return;
    }
    c->next = g_conns;
    if (g_conns) g_conns->prev = c;
    g_conns = c;
    g_nconns++;
    wamp_transport_set_callbacks(t, &tcbs, c);
    wampd_log(WAMP_LOG_DEBUG, "connection: %s, serializer %s", tinfo, ser->subprotocol);
}

/* ---------------------------------------------------------------- timers and signals */

static void on_tick(wamp_timer *t, void *user)
{
    (void)t;
    (void)user;
    wamp_router_tick(g_router, wamp_loop_now(g_loop));
}

static void on_grace(wamp_timer *t, void *user)
{
    (void)t;
    (void)user;
    wampd_log(WAMP_LOG_INFO, "shutdown grace period over: closing %zu connection(s)", g_nconns);
    while (g_conns) {
        conn *c = g_conns;
        wamp_transport_free(c->t);
        conn_free(c);
    }
    wamp_loop_stop(g_loop);
}

static void on_signal_write(int sig)
{
    unsigned char b = (unsigned char)sig;
    int saved = errno;
    if (write(g_sigpipe[1], &b, 1) < 0) { /* nothing to do */
    }
    errno = saved;
}

static void on_signal(int fd, unsigned events, void *user)
{
    (void)events;
    (void)user;
    unsigned char b = 0;
    if (read(fd, &b, 1) <= 0) return;
    if (g_shutting) return;
    g_shutting = true;
    wampd_log(WAMP_LOG_INFO, "signal %d: shutting down", b);
    wampd_listeners_free();
    size_t n = wamp_router_shutdown(g_router, WAMP_CLOSE_SYSTEM_SHUTDOWN);
    wampd_log(WAMP_LOG_INFO, "told %zu session(s) goodbye", n);
    /* connections that never joined are closed at once */
    for (conn *c = g_conns; c; c = c->next) {
        wamp_router_session_info info;
        wamp_router_session_get_info(c->s, &info);
        if (!info.session && !c->closing) {
            c->closing = true;
            wamp_transport_close(c->t, 1001, NULL);
        }
    }
    if (wamp_timer_new(g_loop, on_grace, NULL, &g_grace) == WAMP_OK)
        wamp_timer_start(g_grace, 3000, 0);
    maybe_exit();
}

/* ---------------------------------------------------------------- main */

static void usage(FILE *f)
{
    fprintf(f, "usage: wampd [--config FILE] [--check] [--listen HOST:PORT] "
               "[--log-level error|warn|info|debug|trace] [--version]\n");
}

int main(int argc, char **argv)
{
    const char *config = NULL, *listen = NULL;
    bool check = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--version")) {
            printf("wampd %s (libwamp %s)\n", WAMP_VERSION_STRING, wamp_version());
            return 0;
        } else if (!strcmp(argv[i], "--check")) {
            check = true;
        } else if (!strcmp(argv[i], "--config") && i + 1 < argc) {
            config = argv[++i];
        } else if (!strcmp(argv[i], "--listen") && i + 1 < argc) {
            listen = argv[++i];
        } else if (!strcmp(argv[i], "--log-level") && i + 1 < argc) {
            const char *l = argv[++i];
            static const char *names[] = {"error", "warn", "info", "debug", "trace"};
            int k = -1;
            for (int j = 0; j < 5; j++)
                if (!strcmp(l, names[j])) k = j;
            if (k < 0) {
                fprintf(stderr, "wampd: unknown log level '%s'\n", l);
                return 2;
            }
            g_level = (wamp_log_level)k;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }

    wampd_config *cfg = NULL;
    char err[512];
    if (wampd_config_load(config, &cfg, err, sizeof err) != WAMP_OK) {
        fprintf(stderr, "wampd: invalid configuration: %s\n", err);
        return 1;
    }
    if (check) {
        printf("wampd: configuration %s is valid\n", config ? config : "(embedded default)");
        wampd_config_free(cfg);
        return 0;
    }

    int rc = wamp_loop_new(&g_loop);
    if (rc != WAMP_OK) {
        fprintf(stderr, "wampd: cannot create the loop: %s\n", wamp_strerror(rc));
        return 1;
    }
    wamp_router_options ro = {0};
    ro.log = router_log;
    ro.log_level = g_level;
    ro.max_queue_bytes = 64u * 1024u * 1024u;
    wampd_config_router_options(cfg, &ro);
    rc = wamp_router_new(&ro, &g_router);
    if (rc == WAMP_OK) rc = wampd_config_apply(cfg, g_router);
    if (rc != WAMP_OK) {
        fprintf(stderr, "wampd: cannot set up the router: %s\n", wamp_strerror(rc));
        return 1;
    }
    rc = wampd_listeners_start(cfg, g_loop, listen, on_accept);
    if (rc != WAMP_OK) return 1;

    if (pipe(g_sigpipe) == 0) {
        wamp_loop_hooks_default(g_loop, &g_hooks);
        g_hooks.io_start(g_hooks.ctx, g_sigpipe[0], WAMP_IO_READ, on_signal, NULL, &g_sigwatch);
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal_write;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
    }
    wamp_timer_new(g_loop, on_tick, NULL, &g_tick);
    wamp_router_tick(g_router, wamp_loop_now(g_loop));
    wamp_timer_start(g_tick, 50, 50);

    wamp_loop_run(g_loop, WAMP_RUN_DEFAULT);

    wampd_listeners_free();
    while (g_conns) {
        conn *c = g_conns;
        wamp_transport_free(c->t);
        conn_free(c);
    }
    wamp_timer_free(g_tick);
    wamp_timer_free(g_grace);
    if (g_sigwatch) g_hooks.io_stop(g_hooks.ctx, g_sigwatch);
    /* let the loop finish internal teardown */
    wamp_loop_run(g_loop, WAMP_RUN_NOWAIT);
    wamp_router_free(g_router);
    wampd_config_free(cfg);
    rc = wamp_loop_free(g_loop);
    if (rc != WAMP_OK) wampd_log(WAMP_LOG_WARN, "loop teardown: %s", wamp_strerror(rc));
    wampd_log(WAMP_LOG_INFO, "bye");
    return 0;
}
