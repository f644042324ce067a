/*
 * framing_peer: drives the sans-I/O WebSocket and RawSocket framers over plain TCP sockets
 * (poll() loop), for interop tests against real peers (python3-websockets, Autobahn).
 *
 *   framing_peer ws-client <port> <subprotocol> <deflate:0|1>
 *       connects to 127.0.0.1:<port>, sends a set of messages, expects each echoed, pings,
 *       closes with 1000. Exit 0 when everything matched and the close was clean.
 *   framing_peer ws-server <deflate:0|1>
 *       listens on 127.0.0.1 (ephemeral port, printed as "PORT <n>" on stdout), accepts one
 *       connection, echoes every message until the peer closes. Exit 0 on a clean close.
 *   framing_peer rs-client <port> 1  /  rs-server
 *       the same for RawSocket (JSON WAMP PUBLISH messages, no ping: see make_wamp_messages).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <wamp/transport.h>

#define NMSG 6

typedef struct peer {
    bool client;
    bool binary;
    int next; /* next message to send (client) */
    int failures;
    bool pong_seen;
    bool wamp_json; /* RawSocket vs Autobahn: WAMP messages, no ping (Autobahn's asyncio
                     * RawSocket raises NotImplementedError on PING) */
    bool closed, clean;
    int close_code;
    uint8_t *msgs[NMSG];
    size_t lens[NMSG];
} peer;

/* RawSocket peers of Autobahn decode what they get: send WAMP PUBLISH messages in JSON, which
 * Autobahn re-serializes byte for byte: [16,<i>,{},"com.example.t",["<letters>"]]. */
static void make_wamp_messages(peer *p)
{
    static const size_t sizes[NMSG] = {5, 0, 125, 1000, 70000, 300000};
    for (int i = 0; i < NMSG; i++) {
        p->msgs[i] = malloc(sizes[i] + 64);
        int h = snprintf((char *)p->msgs[i], 64, "[16,%d,{},\"com.example.t\",[\"", i + 1);
        for (size_t j = 0; j < sizes[i]; j++)
            p->msgs[i][h + j] = (uint8_t)('a' + (j * 7 + i) % 26);
        memcpy(p->msgs[i] + h + sizes[i], "\"]]", 3);
        p->lens[i] = (size_t)h + sizes[i] + 3;
    }
}

static void make_messages(peer *p)
{
    static const size_t sizes[NMSG] = {5, 0, 125, 1000, 70000, 300000};
    if (p->wamp_json) {
        make_wamp_messages(p);
        return;
    }
    for (int i = 0; i < NMSG; i++) {
        p->lens[i] = sizes[i];
        p->msgs[i] = malloc(sizes[i] + 1);
        for (size_t j = 0; j < sizes[i]; j++) {
            if (p->binary)
                p->msgs[i][j] = (uint8_t)((j * 31 + i) ^ (j >> 7));
            else /* printable ASCII, partly repetitive so deflate has work */
                p->msgs[i][j] = (uint8_t)(j % 97 < 60 ? 'a' + (j % 26) : ' ' + ((j * 7 + i) % 90));
        }
    }
}

static void send_next(wamp_framer *f, peer *p)
{
    if (p->next < NMSG) {
        int rc = wamp_framer_send(f, p->msgs[p->next], p->lens[p->next]);
        if (rc) {
            fprintf(stderr, "send: %s\n", wamp_strerror(rc));
            p->failures++;
        }
    } else if (p->wamp_json) {
        p->pong_seen = true;
        wamp_framer_close(f, 1000, "done");
    } else {
        wamp_framer_ping(f, (const uint8_t *)"heartbeat", 9);
    }
}

static void on_open(wamp_framer *f, void *user)
{
    peer *p = user;
    fprintf(stderr, "open: protocol %s, extensions %s\n",
            wamp_framer_protocol(f) ? wamp_framer_protocol(f) : "-",
            wamp_framer_extensions(f) ? wamp_framer_extensions(f) : "-");
    if (p->client) send_next(f, p);
}

static void on_message(wamp_framer *f, void *user, const uint8_t *d, size_t n, bool bin)
{
    peer *p = user;
    if (!p->client) {
        wamp_framer_send(f, d, n);
        return;
    }
    int i = p->next;
    if (i >= NMSG || n != p->lens[i] || (n && memcmp(d, p->msgs[i], n) != 0) || bin != p->binary) {
        fprintf(stderr, "message %d: echo mismatch (len %zu, binary %d)\n", i, n, bin);
        p->failures++;
    }
    p->next++;
    send_next(f, p);
}

static void on_pong(wamp_framer *f, void *user, const uint8_t *d, size_t n)
{
    peer *p = user;
    if (n == 9 && memcmp(d, "heartbeat", 9) == 0 && wamp_framer_pings_outstanding(f) == 0) {
        p->pong_seen = true;
        wamp_framer_close(f, 1000, "done");
    }
}

static void on_error(wamp_framer *f, void *user, int err, const char *detail)
{
    fprintf(stderr, "error: %s (%s)\n", detail, wamp_strerror(err));
}

static void on_close(wamp_framer *f, void *user, int code, const char *reason, size_t rlen,
                     bool clean)
{
    peer *p = user;
    fprintf(stderr, "close: %d %.*s clean=%d\n", code, (int)rlen, reason, clean);
    p->closed = true;
    p->clean = clean;
    p->close_code = code;
    if (!p->client) return;
    /* RawSocket has no closing handshake: our own close is the end */
    if (wamp_framer_framing(f) == WAMP_FRAMING_RAWSOCKET && p->pong_seen) p->clean = true;
}

/* Runs the framer over fd until it is CLOSED and its output is flushed, or the peer hangs up. */
static void pump(int fd, wamp_framer *f)
{
    static uint8_t buf[65536];
    for (;;) {
        /* done: CLOSED with nothing left to write (a WebSocket client waits for the server to
         * close TCP first, RFC 6455 §7.1.1) */
        if (wamp_framer_get_state(f) == WAMP_FRAMER_CLOSED && !wamp_framer_output_pending(f) &&
            !(wamp_framer_framing(f) == WAMP_FRAMING_WEBSOCKET && !wamp_framer_is_server(f)))
            return;
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        if (wamp_framer_output_pending(f)) pf.events |= POLLOUT;
        if (poll(&pf, 1, 10000) <= 0) {
            fprintf(stderr, "poll timeout\n");
            return;
        }
        if (pf.revents & POLLOUT) {
            const uint8_t *d;
            size_t n;
            wamp_framer_output(f, &d, &n);
            ssize_t w = send(fd, d, n, MSG_NOSIGNAL);
            if (w > 0) wamp_framer_output_consume(f, (size_t)w);
            if (w < 0 && errno != EINTR && errno != EAGAIN) return;
        }
        if (pf.revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t r = recv(fd, buf, sizeof buf, 0);
            if (r > 0) {
                wamp_framer_feed(f, buf, (size_t)r);
            } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
                wamp_framer_eof(f);
                return;
            }
        }
    }
}

static int dial(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("connect");
        exit(2);
    }
    return fd;
}

static int accept_one(void)
{
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 1) ||
        getsockname(ls, (struct sockaddr *)&a, &al)) {
        perror("listen");
        exit(2);
    }
    printf("PORT %d\n", ntohs(a.sin_port));
    fflush(stdout);
    int fd = accept(ls, NULL, NULL);
    close(ls);
    return fd;
}

int main(int argc, char **argv)
{
    if (argc < 2) return 2;
    const char *mode = argv[1];
    peer p = {0};
    wamp_framer_cbs cbs = {.on_open = on_open,
                           .on_message = on_message,
                           .on_pong = on_pong,
                           .on_error = on_error,
                           .on_close = on_close};
    wamp_framer *f = NULL;
    int fd;
    if (strcmp(mode, "ws-client") == 0 && argc == 5) {
        p.client = true;
        const char *proto = argv[3];
        p.binary = strstr(proto, "json") == NULL;
        const char *protos[] = {proto};
        char host[64];
        snprintf(host, sizeof host, "127.0.0.1:%s", argv[2]);
        wamp_websocket_options o = {.host = host,
                                    .resource = "/ws",
                                    .protocols = protos,
                                    .protocol_count = 1,
                                    .fragment_size = 16384,
                                    .max_message_size = 1u << 20,
                                    .deflate = {.enabled = atoi(argv[4]) != 0}};
        if (wamp_websocket_new(&f, false, &o, &cbs, &p)) return 2;
        fd = dial(atoi(argv[2]));
    } else if (strcmp(mode, "ws-server") == 0 && argc == 3) {
        wamp_websocket_options o = {.max_message_size = 1u << 20,
                                    .deflate = {.enabled = atoi(argv[2]) != 0}};
        if (wamp_websocket_new(&f, true, &o, &cbs, &p)) return 2;
        fd = accept_one();
    } else if (strcmp(mode, "rs-client") == 0 && argc == 4) {
        p.client = true;
        p.wamp_json = true;
        wamp_rawsocket_options o = {.serializer = (wamp_serializer_id)atoi(argv[3]),
                                    .max_message_size = 1u << 20};
        p.binary = o.serializer != WAMP_SER_JSON;
        if (wamp_rawsocket_new(&f, false, &o, &cbs, &p)) return 2;
        fd = dial(atoi(argv[2]));
    } else if (strcmp(mode, "rs-server") == 0) {
        wamp_rawsocket_options o = {.max_message_size = 1u << 20};
        if (wamp_rawsocket_new(&f, true, &o, &cbs, &p)) return 2;
        fd = accept_one();
    } else {
        fprintf(stderr, "bad arguments\n");
        return 2;
    }
    make_messages(&p);
    wamp_framer_start(f);
    pump(fd, f);
    close(fd);
    bool ok = p.failures == 0 && p.closed && (p.clean || !p.client);
    if (p.client)
        ok = ok && p.next == NMSG && p.pong_seen && p.close_code == 1000;
    else if (wamp_framer_framing(f) == WAMP_FRAMING_WEBSOCKET)
        ok = ok && p.clean;
    for (int i = 0; i < NMSG; i++)
        free(p.msgs[i]);
    wamp_framer_free(f);
    fprintf(stderr, "%s: %s\n", mode, ok ? "OK" : "FAILED");
    return ok ? 0 : 1;
}
