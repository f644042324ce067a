/*
 * Drives a RawSocket client framer from a plain poll() loop — no libuv, no library runtime:
 * the framer is sans-I/O, so any loop can own the socket.
 *
 *   example_rawsocket_poll <host> <port> [realm]
 *
 * Connects over TCP, does the RawSocket handshake (JSON), sends HELLO, prints every message
 * received, answers WELCOME with GOODBYE and exits 0 when the router's GOODBYE arrives (1 on
 * any failure, 2 on a 10 s timeout).
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <wamp/transport.h>

typedef struct app {
    const char *realm;
    int done; /* 0 running, 1 success, -1 failure */
} app;

static void send_text(wamp_framer *f, const char *s)
{
    int rc = wamp_framer_send(f, (const uint8_t *)s, strlen(s));
    if (rc)
        fprintf(stderr, "send: %s\n", wamp_strerror(rc));
    else
        printf("> %s\n", s);
}

static void on_open(wamp_framer *f, void *user)
{
    app *a = user;
    char hello[512];
    snprintf(
        hello, sizeof hello,
        "[1,\"%s\",{\"roles\":{\"caller\":{},\"callee\":{},\"publisher\":{},\"subscriber\":{}}}]",
        a->realm);
    printf("rawsocket open, router accepts up to %u bytes\n",
           (unsigned)wamp_framer_peer_max_message_size(f));
    send_text(f, hello);
}

static void on_message(wamp_framer *f, void *user, const uint8_t *data, size_t len, bool bin)
{
    app *a = user;
    (void)bin;
    printf("< %.*s\n", (int)len, (const char *)data);
    if (len > 3 && memcmp(data, "[2,", 3) == 0) { /* WELCOME */
        send_text(f, "[6,{},\"wamp.close.normal\"]");
    } else if (len > 3 && memcmp(data, "[6,", 3) == 0) { /* GOODBYE */
        a->done = 1;
    } else if (len > 3 && memcmp(data, "[3,", 3) == 0) { /* ABORT */
        a->done = -1;
    }
}

static void on_error(wamp_framer *f, void *user, int err, const char *detail)
{
    (void)f;
    (void)user;
    fprintf(stderr, "transport error: %s (%s)\n", detail, wamp_strerror(err));
}

static void on_close(wamp_framer *f, void *user, int code, const char *reason, size_t rlen,
                     bool clean)
{
    app *a = user;
    (void)f;
    printf("transport closed (%d%s %.*s)\n", code, clean ? ", clean" : "", (int)rlen, reason);
    if (a->done == 0) a->done = -1;
}

static int dial(const char *host, const char *port)
{
    struct addrinfo hints = {0}, *res, *ai;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc) {
        fprintf(stderr, "%s: %s\n", host, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0) continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) perror("connect");
    return fd;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s <host> <port> [realm]\n", argv[0]);
        return 1;
    }
    app a = {.realm = argc > 3 ? argv[3] : "realm1"};
    int fd = dial(argv[1], argv[2]);
    if (fd < 0) return 1;

    wamp_framer_cbs cbs = {
        .on_open = on_open, .on_message = on_message, .on_error = on_error, .on_close = on_close};
    wamp_rawsocket_options opts = {.serializer = WAMP_SER_JSON};
    wamp_framer *f;
    if (wamp_rawsocket_new(&f, false, &opts, &cbs, &a) != WAMP_OK) return 1;
    wamp_framer_start(f); /* queues the 4-octet handshake */

    int waited = 0;
    while (a.done == 0 || wamp_framer_output_pending(f) > 0) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (wamp_framer_output_pending(f)) p.events |= POLLOUT;
        int n = poll(&p, 1, 100);
        if (n < 0 && errno != EINTR) break;
        if (n == 0 && (waited += 100) >= 10000) {
            fprintf(stderr, "timeout\n");
            a.done = -2;
            break;
        }
        if (p.revents & POLLOUT) {
            const uint8_t *out;
            size_t len;
            wamp_framer_output(f, &out, &len);
            ssize_t w = send(fd, out, len, MSG_NOSIGNAL);
            if (w > 0)
                wamp_framer_output_consume(f, (size_t)w);
            else if (w < 0 && errno != EAGAIN && errno != EINTR)
                break;
        }
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            uint8_t buf[65536];
            ssize_t r = recv(fd, buf, sizeof buf, 0);
            if (r > 0) {
                wamp_framer_feed(f, buf, (size_t)r);
            } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
                wamp_framer_eof(f);
                break;
            }
        }
        if (wamp_framer_get_state(f) == WAMP_FRAMER_CLOSED && !wamp_framer_output_pending(f)) break;
    }
    close(fd);
    wamp_framer_free(f);
    return a.done == 1 ? 0 : a.done == -2 ? 2 : 1;
}
