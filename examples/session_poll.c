/*
 * A WAMP client session driven from a plain poll() loop: no libuv, no library runtime. The
 * session (session.h) and the RawSocket framer (transport.h) are sans-I/O; this program owns
 * the socket, the clock and the loop, and glues them together:
 *   socket bytes -> wamp_framer_feed() -> on_message -> wamp_message_decode() ->
 *   wamp_session_receive();   session send -> wamp_message_encode() -> wamp_framer_send() ->
 *   framer output -> socket;  clock -> wamp_session_tick() / wamp_session_next_deadline().
 *
 *   example_session_poll HOST PORT
 *
 * Joins realm1 (MessagePack over RawSocket), registers com.example.poll.echo, subscribes to
 * com.example.poll.news, then publishes to that topic (exclude_me false, so the event comes
 * back) and calls the echo procedure with a 5 s caller-side timeout, prints what comes back,
 * leaves. Exit status 0 on success, 1 on failure, 2 on a 10 s overall timeout.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <wamp/wamp.h>

typedef struct app {
    wamp_framer *f;
    wamp_session *s;
    wamp_arena *arena;
    uint64_t t0;
    int got;  /* event + result */
    int done; /* 0 running, 1 left cleanly, -1 failure */
} app;

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t session_clock(void *user)
{
    app *a = user;
    return now_ms() - a->t0;
}

/* ---------------------------------------------------------------- session -> framer */

static int s_send(void *user, const wamp_message *m)
{
    app *a = user;
    wamp_arena *ar = wamp_arena_new(0);
    wamp_buf b = {0};
    int rc = ar ? wamp_message_encode(wamp_framer_serializer(a->f), m, ar, &b) : WAMP_ENOMEM;
    if (!rc) rc = wamp_framer_send(a->f, b.data, b.len);
    wamp_buf_free(&b);
    wamp_arena_free(ar);
    return rc;
}

/* ---------------------------------------------------------------- the application */

static void got_one(app *a, wamp_session *s)
{
    if (++a->got == 2) wamp_session_leave(s, NULL, NULL);
}

static void on_event(void *user, wamp_session *s, const wamp_event *ev)
{
    wamp_str text = {0};
    wamp_value_get_string(wamp_value_list_at(&ev->args, 0), &text);
    printf("event: %.*s\n", (int)text.len, text.ptr ? text.ptr : "");
    got_one(user, s);
}

static void on_echo(void *user, wamp_session *s, const wamp_invocation *inv)
{
    (void)user;
    wamp_session_yield(s, inv->request, &inv->args, NULL, false);
}

static void on_result(void *user, wamp_session *s, wamp_id req, const wamp_call_result *res,
                      const wamp_error *err)
{
    (void)req;
    app *a = user;
    wamp_str text = {0};
    if (err || !wamp_value_get_string(wamp_value_list_at(&res->args, 0), &text)) {
        fprintf(stderr, "call failed: %.*s\n", err ? (int)err->uri.len : 0,
                err ? err->uri.ptr : "");
        a->done = -1;
        wamp_session_leave(s, NULL, NULL);
        return;
    }
    printf("result: %.*s\n", (int)text.len, text.ptr);
    got_one(a, s);
}

static void on_ready(app *a, wamp_session *s)
{
    wamp_arena_reset(a->arena);
    wamp_value args = wamp_value_list();
    wamp_value_list_push(a->arena, &args, wamp_value_cstring(a->arena, "news from poll()"));
    wamp_publish_opts po = {.exclude_me = WAMP_OPT_FALSE};
    wamp_session_publish(s, "com.example.poll.news", &args, NULL, &po, NULL, NULL, NULL);
    wamp_value cargs = wamp_value_list();
    wamp_value_list_push(a->arena, &cargs, wamp_value_cstring(a->arena, "echo from poll()"));
    wamp_call_opts co = {.cancel_after_ms = 5000};
    wamp_session_call(s, "com.example.poll.echo", &cargs, NULL, &co, on_result, a, NULL);
}

static void on_subscribed(void *user, wamp_session *s, wamp_id h, wamp_id id, const wamp_error *err)
{
    (void)h;
    (void)id;
    app *a = user;
    if (err) {
        a->done = -1;
        wamp_session_leave(s, NULL, NULL);
        return;
    }
    on_ready(a, s);
}

static void on_registered(void *user, wamp_session *s, wamp_id h, wamp_id id, const wamp_error *err)
{
    (void)h;
    (void)id;
    app *a = user;
    if (err) {
        a->done = -1;
        wamp_session_leave(s, NULL, NULL);
        return;
    }
    wamp_session_subscribe(s, "com.example.poll.news", NULL, on_event, a, on_subscribed, a, NULL);
}

static void s_connect(void *user, wamp_session *s)
{
    (void)user;
    wamp_join_opts o = {.realm = "realm1"};
    wamp_session_join(s, &o);
}

static void s_join(void *user, wamp_session *s, const wamp_session_details *d)
{
    printf("joined %.*s as session %llu\n", (int)d->realm.len, d->realm.ptr,
           (unsigned long long)d->session);
    wamp_session_register(s, "com.example.poll.echo", NULL, on_echo, user, on_registered, user,
                          NULL);
}

static void s_leave(void *user, wamp_session *s, const wamp_close_details *d)
{
    (void)s;
    app *a = user;
    printf("left: %.*s\n", (int)d->reason.len, d->reason.ptr);
    if (a->done == 0) a->done = a->got == 2 ? 1 : -1;
    wamp_framer_close(a->f, 1000, NULL);
}

/* ---------------------------------------------------------------- framer -> session */

static void f_open(wamp_framer *f, void *user)
{
    (void)f;
    app *a = user;
    wamp_session_transport_open(a->s);
}

static void f_message(wamp_framer *f, void *user, const uint8_t *data, size_t len, bool bin)
{
    (void)bin;
    app *a = user;
    wamp_arena *ar = wamp_arena_new(0);
    wamp_message m;
    wamp_msg_error e;
    int rc = wamp_message_decode(wamp_framer_serializer(f), data, len, ar, NULL, &m, &e);
    wamp_session_tick(a->s, session_clock(a));
    if (rc)
        wamp_session_abort(a->s, NULL, e.text); /* the router sent garbage */
    else
        wamp_session_receive(a->s, &m);
    wamp_arena_free(ar);
}

static void f_close(wamp_framer *f, void *user, int code, const char *reason, size_t rlen,
                    bool clean)
{
    (void)f;
    (void)code;
    (void)reason;
    (void)rlen;
    app *a = user;
    wamp_session_transport_closed(a->s, clean ? WAMP_OK : WAMP_EPEERCLOSED);
    if (a->done == 0) a->done = -1;
}

static int dial(const char *host, const char *port)
{
    struct addrinfo hints = {0}, *res, *ai;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &res)) return -1;
    int fd = -1;
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0) continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s HOST PORT\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    app a = {.t0 = now_ms(), .arena = wamp_arena_new(0)};
    int fd = dial(argv[1], argv[2]);
    if (fd < 0) {
        perror("connect");
        return 1;
    }
    wamp_session_callbacks scb = {
        .send = s_send, .on_connect = s_connect, .on_join = s_join, .on_leave = s_leave};
    wamp_framer_cbs fcbs = {.on_open = f_open, .on_message = f_message, .on_close = f_close};
    wamp_rawsocket_options ro = {.serializer = WAMP_SER_MSGPACK};
    if (wamp_session_new(&scb, &a, &a.s) || wamp_rawsocket_new(&a.f, false, &ro, &fcbs, &a))
        return 1;
    wamp_session_set_clock(a.s, session_clock, &a);
    wamp_framer_start(a.f);

    int status = 1;
    for (;;) {
        uint64_t now = session_clock(&a);
        if (now > 10000) {
            fprintf(stderr, "timeout\n");
            status = 2;
            break;
        }
        wamp_session_tick(a.s, now);
        if (wamp_framer_get_state(a.f) == WAMP_FRAMER_CLOSED && !wamp_framer_output_pending(a.f))
            break;
        /* sleep until I/O or the session's next deadline (at most 100 ms) */
        int timeout = 100;
        uint64_t dl;
        if (wamp_session_next_deadline(a.s, &dl)) timeout = dl > now ? (int)(dl - now) : 0;
        if (timeout > 100) timeout = 100;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (wamp_framer_output_pending(a.f)) p.events |= POLLOUT;
        int n = poll(&p, 1, timeout);
        if (n < 0 && errno != EINTR) break;
        if (p.revents & POLLOUT) {
            const uint8_t *out;
            size_t len;
            wamp_framer_output(a.f, &out, &len);
            ssize_t w = send(fd, out, len, MSG_NOSIGNAL);
            if (w > 0)
                wamp_framer_output_consume(a.f, (size_t)w);
            else if (w < 0 && errno != EAGAIN && errno != EINTR)
                break;
        }
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            uint8_t buf[65536];
            ssize_t r = recv(fd, buf, sizeof buf, 0);
            if (r > 0) {
                wamp_framer_feed(a.f, buf, (size_t)r);
            } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
                wamp_framer_eof(a.f);
            }
        }
    }
    if (status != 2) status = a.done == 1 ? 0 : 1;
    wamp_session_free(a.s);
    wamp_framer_free(a.f);
    wamp_arena_free(a.arena);
    close(fd);
    return status;
}
