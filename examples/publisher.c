/*
 * A publisher: publishes N acknowledged events [i, "tick"] to com.example.ticks (i = 1..N),
 * printing each publication id, then leaves.
 *
 *   example_publisher [URL] [N]    N defaults to 3
 */
#include <stdio.h>
#include <stdlib.h>

#include <wamp/wamp.h>

typedef struct app {
    wamp_loop *loop;
    wamp_client *client;
    long n, acked;
    int status;
} app;

static void on_published(void *user, wamp_session *s, wamp_id req, wamp_id pub,
                         const wamp_error *err)
{
    (void)req;
    app *a = user;
    if (err) {
        fprintf(stderr, "publish failed: %.*s\n", (int)err->uri.len, err->uri.ptr);
        a->status = 1;
    } else {
        printf("published %ld (publication %llu)\n", a->acked + 1, (unsigned long long)pub);
    }
    if (++a->acked == a->n) wamp_session_leave(s, NULL, NULL);
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
    app *a = user;
    wamp_arena *ar = wamp_arena_new(0);
    wamp_publish_opts o = {.acknowledge = true};
    for (long i = 1; i <= a->n; i++) {
        wamp_value args = wamp_value_list();
        wamp_value_list_push(ar, &args, wamp_value_int(i));
        wamp_value_list_push(ar, &args, wamp_value_cstring(ar, "tick"));
        if (wamp_session_publish(s, "com.example.ticks", &args, NULL, &o, on_published, a, NULL)) {
            a->status = 1;
            a->acked++;
        }
    }
    wamp_arena_free(ar);
    if (a->acked == a->n) wamp_session_leave(s, NULL, NULL);
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
