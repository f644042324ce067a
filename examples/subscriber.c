/*
 * A subscriber: subscribes to com.example.ticks, prints "ready" once subscribed and each
 * event's arguments, and leaves after N events.
 *
 *   example_subscriber [URL] [N]   N defaults to 3
 */
#include <stdio.h>
#include <stdlib.h>

#include <wamp/wamp.h>

typedef struct app {
    wamp_loop *loop;
    wamp_client *client;
    long n, seen;
    int status;
} app;

static void on_event(void *user, wamp_session *s, const wamp_event *ev)
{
    app *a = user;
    int64_t i = 0;
    wamp_str word = {0};
    wamp_value_get_int(wamp_value_list_at(&ev->args, 0), &i);
    wamp_value_get_string(wamp_value_list_at(&ev->args, 1), &word);
    printf("event %lld %.*s\n", (long long)i, (int)word.len, word.ptr ? word.ptr : "");
    if (++a->seen == a->n) wamp_session_leave(s, NULL, NULL);
}

static void on_subscribed(void *user, wamp_session *s, wamp_id h, wamp_id id, const wamp_error *err)
{
    (void)h;
    (void)id;
    app *a = user;
    if (err) {
        fprintf(stderr, "subscribe failed: %.*s\n", (int)err->uri.len, err->uri.ptr);
        a->status = 1;
        wamp_session_leave(s, NULL, NULL);
        return;
    }
    printf("ready\n");
    fflush(stdout);
}

static void on_connect(void *user, wamp_session *s)
{
    (void)user;
    wamp_join_opts o = {.realm = "realm1"};
    wamp_session_join(s, &o);
}

static void on_join(void *user, wamp_session *s, const wamp_session_details *d)
{
    (void)d;
    wamp_session_subscribe(s, "com.example.ticks", NULL, on_event, user, on_subscribed, user, NULL);
}

static void on_leave(void *user, wamp_session *s, const wamp_close_details *d)
{
    (void)s;
    (void)d;
    app *a = user;
    wamp_client_disconnect(a->client);
}

static void on_disconnect(void *user, wamp_session *s, bool clean)
{
    (void)s;
    app *a = user;
    if (!clean) a->status = 1;
    wamp_loop_stop(a->loop);
}

int main(int argc, char **argv)
{
    const char *url = argc > 1 ? argv[1] : "ws://127.0.0.1:8080/ws";
    app a = {.n = argc > 2 ? strtol(argv[2], NULL, 10) : 3};
    if (a.n < 1) a.n = 1;
    setvbuf(stdout, NULL, _IOLBF, 0);
    wamp_session_callbacks cb = {.on_connect = on_connect,
                                 .on_join = on_join,
                                 .on_leave = on_leave,
                                 .on_disconnect = on_disconnect};
    if (wamp_loop_new(&a.loop) || wamp_client_new(a.loop, &cb, &a, &a.client) ||
        wamp_client_connect(a.client, url, NULL)) {
        fprintf(stderr, "cannot start\n");
        return 1;
    }
    wamp_loop_run(a.loop, WAMP_RUN_DEFAULT);
    wamp_client_free(a.client);
    wamp_loop_run(a.loop, WAMP_RUN_NOWAIT);
    wamp_loop_free(a.loop);
    return a.status;
}
