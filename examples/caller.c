/*
 * A caller: calls com.example.add2(2, 3) and the progressive com.example.countdown(3) (see
 * callee.c), prints the results, leaves.
 *
 *   example_caller [URL]      URL defaults to ws://127.0.0.1:8080/ws
 *
 * Exit status 0 when both calls succeeded, 1 otherwise.
 */
#include <stdio.h>

#include <wamp/wamp.h>

typedef struct app {
    wamp_loop *loop;
    wamp_client *client;
    int pending;
    int status;
} app;

static void done_one(app *a, wamp_session *s)
{
    if (--a->pending == 0) wamp_session_leave(s, NULL, NULL);
}

static void on_add2(void *user, wamp_session *s, wamp_id req, const wamp_call_result *res,
                    const wamp_error *err)
{
    (void)req;
    app *a = user;
    int64_t sum = 0;
    if (err || !wamp_value_get_int(wamp_value_list_at(&res->args, 0), &sum)) {
        fprintf(stderr, "add2 failed: %.*s\n", err ? (int)err->uri.len : 0,
                err ? err->uri.ptr : "");
        a->status = 1;
    } else {
        printf("add2(2, 3) = %lld\n", (long long)sum);
    }
    done_one(a, s);
}

static void on_countdown(void *user, wamp_session *s, wamp_id req, const wamp_call_result *res,
                         const wamp_error *err)
{
    (void)req;
    app *a = user;
    if (err) {
        fprintf(stderr, "countdown failed: %.*s\n", (int)err->uri.len, err->uri.ptr);
        a->status = 1;
        done_one(a, s);
        return;
    }
    wamp_str text = {0};
    int64_t n = 0;
    if (res->progress && wamp_value_get_int(wamp_value_list_at(&res->args, 0), &n)) {
        printf("countdown progress: %lld\n", (long long)n);
    } else if (!res->progress && wamp_value_get_string(wamp_value_list_at(&res->args, 0), &text)) {
        printf("countdown result: %.*s\n", (int)text.len, text.ptr);
        done_one(a, s);
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
    app *a = user;
    printf("joined %.*s as session %llu\n", (int)d->realm.len, d->realm.ptr,
           (unsigned long long)d->session);
    wamp_arena *ar = wamp_arena_new(0);
    wamp_value args = wamp_value_list();
    wamp_value_list_push(ar, &args, wamp_value_int(2));
    wamp_value_list_push(ar, &args, wamp_value_int(3));
    a->pending = 2;
    if (wamp_session_call(s, "com.example.add2", &args, NULL, NULL, on_add2, a, NULL)) {
        a->status = 1;
        a->pending--;
    }
    wamp_value n = wamp_value_list();
    wamp_value_list_push(ar, &n, wamp_value_int(3));
    /* on_progress set: the call asks for progressive results (receive_progress) */
    wamp_call_opts co = {.on_progress = on_countdown, .timeout_ms = 5000};
    if (wamp_session_call(s, "com.example.countdown", &n, NULL, &co, on_countdown, a, NULL)) {
        a->status = 1;
        a->pending--;
    }
    wamp_arena_free(ar);
    if (a->pending == 0) wamp_session_leave(s, NULL, NULL);
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
    app a = {0};
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
