/*
 * A callee: registers com.example.add2 (returns a + b) and com.example.countdown (for n,
 * progressive results n, n-1, ..., 1 when the caller asked for them, then the final result
 * "liftoff"). Prints "ready" once both are registered.
 *
 *   example_callee [URL] [N]  serves N invocations, then leaves (default: forever)
 */
#include <stdio.h>
#include <stdlib.h>

#include <wamp/wamp.h>

typedef struct app {
    wamp_loop *loop;
    wamp_client *client;
    long max, served;
    int registered;
    int status;
} app;

static void served(app *a, wamp_session *s)
{
    if (a->max > 0 && ++a->served >= a->max) wamp_session_leave(s, NULL, NULL);
}

static void add2(void *user, wamp_session *s, const wamp_invocation *inv)
{
    int64_t x = 0, y = 0;
    if (!wamp_value_get_int(wamp_value_list_at(&inv->args, 0), &x) ||
        !wamp_value_get_int(wamp_value_list_at(&inv->args, 1), &y)) {
        wamp_error e = {.uri = wamp_str_c("wamp.error.invalid_argument")};
        wamp_session_error(s, inv->request, &e);
    } else {
        wamp_arena *ar = wamp_arena_new(0);
        wamp_value res = wamp_value_list();
        wamp_value_list_push(ar, &res, wamp_value_int(x + y));
        wamp_session_yield(s, inv->request, &res, NULL, false);
        wamp_arena_free(ar);
        printf("add2(%lld, %lld)\n", (long long)x, (long long)y);
    }
    served(user, s);
}

static void countdown(void *user, wamp_session *s, const wamp_invocation *inv)
{
    int64_t n = 0;
    wamp_value_get_int(wamp_value_list_at(&inv->args, 0), &n);
    if (n < 0 || n > 1000) n = 0;
    wamp_arena *ar = wamp_arena_new(0);
    if (inv->receive_progress) {
        for (int64_t i = n; i > 0; i--) {
            wamp_value p = wamp_value_list();
            wamp_value_list_push(ar, &p, wamp_value_int(i));
            wamp_session_yield(s, inv->request, &p, NULL, true);
        }
    }
    wamp_value res = wamp_value_list();
    wamp_value_list_push(ar, &res, wamp_value_cstring(ar, "liftoff"));
    wamp_session_yield(s, inv->request, &res, NULL, false);
    wamp_arena_free(ar);
    printf("countdown(%lld)%s\n", (long long)n, inv->receive_progress ? " progressive" : "");
    served(user, s);
}

static void on_registered(void *user, wamp_session *s, wamp_id h, wamp_id id, const wamp_error *err)
{
    (void)h;
    (void)id;
    app *a = user;
    if (err) {
        fprintf(stderr, "register failed: %.*s\n", (int)err->uri.len, err->uri.ptr);
        a->status = 1;
        wamp_session_leave(s, NULL, NULL);
        return;
    }
    if (++a->registered == 2) {
        printf("ready\n");
        fflush(stdout);
    }
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
    wamp_session_register(s, "com.example.add2", NULL, add2, a, on_registered, a, NULL);
    wamp_session_register(s, "com.example.countdown", NULL, countdown, a, on_registered, a, NULL);
}

static void on_leave(void *user, wamp_session *s, const wamp_close_details *d)
{
    (void)s;
    app *a = user;
    printf("left: %.*s\n", (int)d->reason.len, d->reason.ptr);
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
    app a = {.max = argc > 2 ? strtol(argv[2], NULL, 10) : 0};
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
