/* interop.e2e peer: a libwamp client with a cryptobox key ring as its payload codec.
 *   - registers com.e2e.c.echo and subscribes com.e2e.c.topic (responder keys for "com.e2e.c.");
 *   - prints READY once both are acknowledged;
 *   - on the first event of com.e2e.c.topic: calls com.e2e.py.add(2, 3) and publishes to
 *     com.e2e.py.topic (originator keys for "com.e2e.py."), prints what it saw, then leaves.
 * Every line it prints names the enc_algo the payload arrived with ("-": in clear).
 * Usage: e2e_peer URL REALM C_RESPONDER_PRIV PY_ORIGINATOR_PUB C_ORIGINATOR_PRIV PY_RESPONDER_PUB
 *        e2e_peer URL REALM --no-codec
 *   (--no-codec: registers com.e2e.c.nocodec without a payload codec and prints READY; an
 *   encrypted INVOCATION is answered by the session with wamp.error.no_payload_codec and
 *   reported through on_user_error (USERERROR line), after which it leaves; INVOKED is printed
 *   if the handler ever runs.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wamp/client.h>
#include <wamp/cryptobox.h>
#include <wamp/wamp.h>

typedef struct peer {
    wamp_loop *loop;
    wamp_client *client;
    wamp_keyring *kr;
    const char *realm;
    int acks;
    int status;
    bool event_seen;
    bool no_codec;
} peer;

static void print_payload(const char *what, const wamp_value *args, const wamp_value *kwargs,
                          wamp_str enc)
{
    wamp_buf b = {0};
    if (args && !wamp_value_is_null(args)) wamp_value_dump(&b, args);
    wamp_buf_append(&b, " ", 1);
    if (kwargs && !wamp_value_is_null(kwargs)) wamp_value_dump(&b, kwargs);
    wamp_buf_append_byte(&b, 0);
    printf("%s %s enc=%.*s\n", what, (char *)b.data, enc.ptr ? (int)enc.len : 1,
           enc.ptr ? enc.ptr : "-");
    fflush(stdout);
    wamp_buf_free(&b);
}

static void ready(peer *p)
{
    if (++p->acks == 2) {
        printf("READY\n");
        fflush(stdout);
    }
}

static void done(void *user, wamp_session *s, wamp_id handle, wamp_id id, const wamp_error *err)
{
    (void)s, (void)handle, (void)id;
    peer *p = user;
    if (err) {
        printf("FAIL register/subscribe: %.*s\n", (int)err->uri.len, err->uri.ptr);
        p->status = 1;
        wamp_client_disconnect(p->client);
        return;
    }
    ready(p);
}

static void echo(void *user, wamp_session *s, const wamp_invocation *inv)
{
    (void)user;
    print_payload("INVOCATION", &inv->args, &inv->kwargs, inv->enc_algo);
    /* answer with the arguments and a marker only the decrypting callee can add */
    wamp_arena *a = wamp_arena_new(0);
    wamp_value res = wamp_value_list();
    for (size_t i = 0; i < wamp_value_count(&inv->args); i++)
        wamp_value_list_push(a, &res, *wamp_value_list_at(&inv->args, i));
    wamp_value_list_push(a, &res, wamp_value_string_borrow("seen-by-c", 9));
    wamp_session_yield(s, inv->request, &res, &inv->kwargs, false);
    wamp_arena_free(a);
}

static void published(void *user, wamp_session *s, wamp_id req, wamp_id pub, const wamp_error *err)
{
    (void)req, (void)pub;
    peer *p = user;
    printf("PUBLISHED %s\n", err ? "error" : "ok");
    fflush(stdout);
    if (err) p->status = 1;
    wamp_session_leave(s, NULL, NULL);
}

static void result(void *user, wamp_session *s, wamp_id req, const wamp_call_result *res,
                   const wamp_error *err)
{
    (void)req;
    peer *p = user;
    if (err) {
        printf("CALLERROR %.*s\n", (int)err->uri.len, err->uri.ptr);
        p->status = 1;
    } else {
        print_payload("RESULT", &res->args, &res->kwargs, res->enc_algo);
    }
    wamp_arena *a = wamp_arena_new(0);
    wamp_value args = wamp_value_list();
    wamp_value_list_push(a, &args, wamp_value_string_borrow("hello from c", 12));
    wamp_publish_opts o = {.acknowledge = true};
    if (wamp_session_publish(s, "com.e2e.py.topic", &args, NULL, &o, published, p, NULL)) {
        p->status = 1;
        wamp_session_leave(s, NULL, NULL);
    }
    wamp_arena_free(a);
}

static void on_event(void *user, wamp_session *s, const wamp_event *ev)
{
    peer *p = user;
    print_payload("EVENT", &ev->args, &ev->kwargs, ev->enc_algo);
    if (p->event_seen) return;
    p->event_seen = true;
    wamp_arena *a = wamp_arena_new(0);
    wamp_value args = wamp_value_list();
    wamp_value_list_push(a, &args, wamp_value_int(2));
    wamp_value_list_push(a, &args, wamp_value_int(3));
    if (wamp_session_call(s, "com.e2e.py.add", &args, NULL, NULL, result, p, NULL)) {
        p->status = 1;
        wamp_session_leave(s, NULL, NULL);
    }
    wamp_arena_free(a);
}

static void on_connect(void *user, wamp_session *s)
{
    peer *p = user;
    wamp_join_opts o = {.realm = p->realm};
    if (wamp_session_join(s, &o)) wamp_client_disconnect(p->client);
}

static void nocodec_handler(void *user, wamp_session *s, const wamp_invocation *inv)
{
    (void)user;
    printf("INVOKED\n");
    fflush(stdout);
    wamp_session_yield(s, inv->request, NULL, NULL, false);
}

static void nocodec_user_error(void *user, wamp_session *s, int code, const char *text)
{
    (void)user, (void)text;
    printf("USERERROR %s\n", wamp_err_name(code));
    fflush(stdout);
    if (code == WAMP_ENOCODEC) wamp_session_leave(s, NULL, NULL);
}

static void on_join(void *user, wamp_session *s, const wamp_session_details *d)
{
    (void)d;
    peer *p = user;
    if (p->no_codec) {
        p->acks = 1; /* the one acknowledgement makes READY */
        if (wamp_session_register(s, "com.e2e.c.nocodec", NULL, nocodec_handler, p, done, p, NULL))
            wamp_session_leave(s, NULL, NULL);
        return;
    }
    wamp_payload_codec c = wamp_keyring_codec(p->kr);
    wamp_session_set_payload_codec(s, &c);
    if (wamp_session_register(s, "com.e2e.c.echo", NULL, echo, p, done, p, NULL) ||
        wamp_session_subscribe(s, "com.e2e.c.topic", NULL, on_event, p, done, p, NULL)) {
        p->status = 1;
        wamp_session_leave(s, NULL, NULL);
    }
}

static void on_leave(void *user, wamp_session *s, const wamp_close_details *d)
{
    (void)s;
    peer *p = user;
    printf("LEFT %.*s\n", (int)d->reason.len, d->reason.ptr);
    fflush(stdout);
    wamp_client_disconnect(p->client);
}

static void on_disconnect(void *user, wamp_session *s, bool clean)
{
    (void)s, (void)clean;
    peer *p = user;
    wamp_loop_stop(p->loop);
}

int main(int argc, char **argv)
{
    bool no_codec = argc == 4 && strcmp(argv[3], "--no-codec") == 0;
    if (argc != 7 && !no_codec) {
        fprintf(stderr,
                "usage: e2e_peer URL REALM C_RESP_PRIV PY_ORIG_PUB C_ORIG_PRIV PY_RESP_PUB\n"
                "       e2e_peer URL REALM --no-codec\n");
        return 2;
    }
    peer p = {.realm = argv[2], .status = 0, .no_codec = no_codec};
    int rc = WAMP_OK;
    if (!no_codec) {
        wamp_cryptobox_key responder = {.responder_priv = argv[3], .originator_pub = argv[4]};
        wamp_cryptobox_key originator = {.originator_priv = argv[5], .responder_pub = argv[6]};
        rc = wamp_keyring_new(&p.kr);
        if (!rc) rc = wamp_keyring_set_key(p.kr, "com.e2e.c.", &responder);
        if (!rc) rc = wamp_keyring_set_key(p.kr, "com.e2e.py.", &originator);
    }
    wamp_session_callbacks cb = {.on_connect = on_connect,
                                 .on_join = on_join,
                                 .on_leave = on_leave,
                                 .on_disconnect = on_disconnect,
                                 .on_user_error = no_codec ? nocodec_user_error : NULL};
    if (!rc) rc = wamp_loop_new(&p.loop);
    if (!rc) rc = wamp_client_new(p.loop, &cb, &p, &p.client);
    if (!rc) rc = wamp_client_connect(p.client, argv[1], NULL);
    if (rc) {
        fprintf(stderr, "e2e_peer: %s\n", wamp_strerror(rc));
        p.status = 1;
    } else {
        wamp_loop_run(p.loop, WAMP_RUN_DEFAULT);
    }
    wamp_client_free(p.client);
    if (p.loop) {
        wamp_loop_run(p.loop, WAMP_RUN_NOWAIT);
        wamp_loop_free(p.loop);
    }
    wamp_keyring_free(p.kr);
    return p.status;
}
