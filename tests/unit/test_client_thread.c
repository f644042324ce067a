/*
 * The thread-safe entry of client.h: another pthread posts (wamp_loop_post()) a publish, a
 * call and (after the call's result was handed back to it) a leave for a client joined to the
 * in-process router; each posted function runs on the loop thread (checked with pthread_equal), the
 * publish reaches the client's own subscription, the call is answered by its own registration, and
 * the leave completes the GOODBYE handshake. The worker thread never touches the session.
 */
#include "support.h"
#include "support/inproc_router.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct app {
    wamp_loop *loop;
    wamp_client *c;
    pthread_t loop_thread;
    pthread_t worker;
    bool worker_started;
    int posted_on_loop_thread, posted_elsewhere;
    bool subscribed, registered;
    wamp_buf log;
    bool done;
    /* the call's result handed back to the worker */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool have_result;
    int64_t result;
} app;

/* A job owns everything it needs (nothing is borrowed across threads). */
typedef struct job {
    app *a;
    char uri[64];
    int64_t n;
} job;

static void logs(app *a, const char *s)
{
    wamp_buf_append(&a->log, s, strlen(s));
}

static void check_thread(app *a)
{
    if (pthread_equal(pthread_self(), a->loop_thread))
        a->posted_on_loop_thread++;
    else
        a->posted_elsewhere++;
}

static void on_published(void *user, wamp_session *s, wamp_id req, wamp_id pub,
                         const wamp_error *err)
{
    (void)s;
    (void)req;
    (void)pub;
    logs(user, err ? "published-error;" : "published;");
}

static void do_publish(wamp_loop *loop, void *user)
{
    (void)loop;
    job *j = user;
    check_thread(j->a);
    wamp_arena *ar = wamp_arena_new(0);
    wamp_value args = wamp_value_list();
    wamp_value_list_push(ar, &args, wamp_value_int(j->n));
    wamp_publish_opts o = {.acknowledge = true, .exclude_me = WAMP_OPT_FALSE};
    assert_int_equal(wamp_session_publish(wamp_client_session(j->a->c), j->uri, &args, NULL, &o,
                                          on_published, j->a, NULL),
                     WAMP_OK);
    wamp_arena_free(ar);
    free(j);
}

static void on_result(void *user, wamp_session *s, wamp_id req, const wamp_call_result *res,
                      const wamp_error *err)
{
    (void)s;
    (void)req;
    app *a = user;
    char tmp[64];
    int64_t v = -1;
    if (res) wamp_value_get_int(wamp_value_list_at(&res->args, 0), &v);
    snprintf(tmp, sizeof tmp, err ? "call-error;" : "result:%lld;", (long long)v);
    logs(a, tmp);
    pthread_mutex_lock(&a->mu);
    a->have_result = true;
    a->result = v;
    pthread_cond_signal(&a->cv);
    pthread_mutex_unlock(&a->mu);
}

static void do_call(wamp_loop *loop, void *user)
{
    (void)loop;
    job *j = user;
    check_thread(j->a);
    wamp_arena *ar = wamp_arena_new(0);
    wamp_value args = wamp_value_list();
    wamp_value_list_push(ar, &args, wamp_value_int(j->n));
    assert_int_equal(wamp_session_call(wamp_client_session(j->a->c), j->uri, &args, NULL, NULL,
                                       on_result, j->a, NULL),
                     WAMP_OK);
    wamp_arena_free(ar);
    free(j);
}

static void do_leave(wamp_loop *loop, void *user)
{
    (void)loop;
    job *j = user;
    check_thread(j->a);
    assert_int_equal(wamp_session_leave(wamp_client_session(j->a->c), NULL, NULL), WAMP_OK);
    free(j);
}

static job *new_job(app *a, const char *uri, int64_t n)
{
    job *j = calloc(1, sizeof *j);
    assert_non_null(j);
    j->a = a;
    snprintf(j->uri, sizeof j->uri, "%s", uri ? uri : "");
    j->n = n;
    return j;
}

static void *worker(void *arg)
{
    app *a = arg;
    /* the order is kept: publish, then call */
    if (wamp_loop_post(a->loop, do_publish, new_job(a, "com.example.topic", 7))) return a;
    if (wamp_loop_post(a->loop, do_call, new_job(a, "com.example.double", 21))) return a;
    /* wait for the result handed back by the loop thread, then leave */
    pthread_mutex_lock(&a->mu);
    while (!a->have_result)
        pthread_cond_wait(&a->cv, &a->mu);
    int64_t got = a->result;
    pthread_mutex_unlock(&a->mu);
    if (got != 42) return a;
    if (wamp_loop_post(a->loop, do_leave, new_job(a, NULL, 0))) return a;
    return NULL;
}

static void on_event(void *user, wamp_session *s, const wamp_event *ev)
{
    (void)s;
    char tmp[64];
    int64_t v = -1;
    wamp_value_get_int(wamp_value_list_at(&ev->args, 0), &v);
    snprintf(tmp, sizeof tmp, "event:%lld;", (long long)v);
    logs(user, tmp);
}

static void on_invocation(void *user, wamp_session *s, const wamp_invocation *inv)
{
    (void)user;
    int64_t v = 0;
    wamp_value_get_int(wamp_value_list_at(&inv->args, 0), &v);
    wamp_arena *ar = wamp_arena_new(0);
    wamp_value args = wamp_value_list();
    wamp_value_list_push(ar, &args, wamp_value_int(v * 2));
    assert_int_equal(wamp_session_yield(s, inv->request, &args, NULL, false), WAMP_OK);
    wamp_arena_free(ar);
}

static void maybe_start_worker(app *a)
{
    if (!a->subscribed || !a->registered || a->worker_started) return;
    a->worker_started = true;
    assert_int_equal(pthread_create(&a->worker, NULL, worker, a), 0);
}

static void on_sub(void *user, wamp_session *s, wamp_id h, wamp_id id, const wamp_error *err)
{
    (void)s;
    (void)h;
    (void)id;
    assert_null(err);
    app *a = user;
    a->subscribed = true;
    maybe_start_worker(a);
}

static void on_reg(void *user, wamp_session *s, wamp_id h, wamp_id id, const wamp_error *err)
{
    (void)s;
    (void)h;
    (void)id;
    assert_null(err);
    app *a = user;
    a->registered = true;
    maybe_start_worker(a);
}

static void a_connect(void *user, wamp_session *s)
{
    (void)user;
    wamp_join_opts o = {.realm = "realm1"};
    assert_int_equal(wamp_session_join(s, &o), WAMP_OK);
}

static void a_join(void *user, wamp_session *s, const wamp_session_details *d)
{
    (void)d;
    app *a = user;
    assert_int_equal(
        wamp_session_subscribe(s, "com.example.topic", NULL, on_event, a, on_sub, a, NULL), 0);
    assert_int_equal(
        wamp_session_register(s, "com.example.double", NULL, on_invocation, a, on_reg, a, NULL), 0);
}

static void a_leave(void *user, wamp_session *s, const wamp_close_details *d)
{
    (void)s;
    app *a = user;
    char tmp[128];
    snprintf(tmp, sizeof tmp, "leave:%.*s;", (int)d->reason.len, d->reason.ptr);
    logs(a, tmp);
    wamp_client_disconnect(a->c);
}

static void a_disconnect(void *user, wamp_session *s, bool clean)
{
    (void)s;
    (void)clean;
    app *a = user;
    a->done = true;
}

static void on_deadline(wamp_timer *t, void *user)
{
    (void)t;
    *(bool *)user = true;
}

static void test_post_from_thread(void **state)
{
    (void)state;
    app a = {0};
    assert_int_equal(wamp_loop_new(&a.loop), WAMP_OK);
    a.loop_thread = pthread_self();
    pthread_mutex_init(&a.mu, NULL);
    pthread_cond_init(&a.cv, NULL);
    wt_router *r = wt_router_start(a.loop);
    assert_non_null(r);
    char url[96];
    snprintf(url, sizeof url, "ws://127.0.0.1:%u/ws", wt_router_port(r));
    wamp_session_callbacks cb = {.on_connect = a_connect,
                                 .on_join = a_join,
                                 .on_leave = a_leave,
                                 .on_disconnect = a_disconnect};
    assert_int_equal(wamp_client_new(a.loop, &cb, &a, &a.c), WAMP_OK);
    assert_int_equal(wamp_client_connect(a.c, url, NULL), WAMP_OK);
    bool expired = false;
    wamp_timer *t;
    assert_int_equal(wamp_timer_new(a.loop, on_deadline, &expired, &t), WAMP_OK);
    wamp_timer_start(t, 10000, 0);
    while (!a.done && !expired)
        wamp_loop_run(a.loop, WAMP_RUN_ONCE);
    wamp_timer_free(t);
    assert_true(a.done);
    assert_true(a.worker_started);
    void *wres = &a;
    assert_int_equal(pthread_join(a.worker, &wres), 0);
    assert_null(wres); /* every post succeeded and the worker saw the result 42 */
    assert_int_equal(a.posted_on_loop_thread, 3);
    assert_int_equal(a.posted_elsewhere, 0);
    char got[256];
    snprintf(got, sizeof got, "%.*s", (int)a.log.len, (const char *)a.log.data);
    /* the event and PUBLISHED may come in either order; the call follows both, the leave last */
    bool ev_first =
        strcmp(got, "event:7;published;result:42;leave:wamp.close.goodbye_and_out;") == 0;
    bool ack_first =
        strcmp(got, "published;event:7;result:42;leave:wamp.close.goodbye_and_out;") == 0;
    if (!ev_first && !ack_first) fail_msg("unexpected log: %s", got);
    wamp_client_free(a.c);
    wt_router_free(r);
    wamp_buf_free(&a.log);
    for (int i = 0; i < 4; i++)
        wamp_loop_run(a.loop, WAMP_RUN_NOWAIT);
    assert_int_equal(wamp_loop_free(a.loop), WAMP_OK);
    pthread_mutex_destroy(&a.mu);
    pthread_cond_destroy(&a.cv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_post_from_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
