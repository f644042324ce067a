/*
 * TLS channel binding peer of interop.auth.tls_binding (tls_binding.py).
 *
 *   tls_client mkcerts DIR
 *       writes a throwaway CA and a "localhost" server certificate (tests/unit/support/tlscerts.c)
 *   tls_client join URL CA_FILE SEED_HEX [--binding TYPE] [--wrong-cid] [--authid ID]
 *       joins realm1 through the client runtime (client.h) with cryptosign (key from the 32-byte
 *       seed), optionally bound to the TLS channel (TYPE "tls-unique"); the runtime hands the
 *       transport's channel id to the session. --wrong-cid overwrites it after the join started,
 *       as if the handshake had been relayed over another TLS channel.
 *       Prints "JOINED <authid> <authmethod> <authrole>" (exit 0) or "ABORT <reason> <message>"
 *       (exit 2); a connection failure prints "CONNECT <error>" (exit 3).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/tlscerts.h"
#include "wamp/auth.h"
#include "wamp/client.h"

typedef struct app {
    wamp_loop *loop;
    wamp_client *client;
    wamp_authenticator *auth;
    bool wrong_cid;
    bool joined;
    int exit_code;
} app;

static void on_connect(void *user, wamp_session *s)
{
    app *a = user;
    wamp_join_opts o = {.realm = "realm1", .auth = a->auth};
    int rc = wamp_session_join(s, &o);
    if (rc) {
        printf("JOINFAIL %s\n", wamp_err_name(rc));
        wamp_client_disconnect(a->client);
        return;
    }
    if (a->wrong_cid) {
        uint8_t other[32];
        memset(other, 0x5a, sizeof other);
        wamp_authenticator_set_channel_id(a->auth, "tls-unique", other, sizeof other);
    }
}

static void on_join(void *user, wamp_session *s, const wamp_session_details *d)
{
    app *a = user;
    a->joined = true;
    a->exit_code = 0;
    printf("JOINED %.*s %.*s %.*s\n", (int)d->authid.len, d->authid.ptr, (int)d->authmethod.len,
           d->authmethod.ptr, (int)d->authrole.len, d->authrole.ptr);
    wamp_session_leave(s, NULL, NULL);
}

static void on_leave(void *user, wamp_session *s, const wamp_close_details *d)
{
    (void)s;
    app *a = user;
    if (!a->joined) {
        a->exit_code = 2;
        printf("ABORT %.*s %.*s\n", (int)d->reason.len, d->reason.ptr ? d->reason.ptr : "",
               (int)d->message.len, d->message.ptr ? d->message.ptr : "");
    }
    wamp_client_disconnect(a->client);
}

static void on_disconnect(void *user, wamp_session *s, bool clean)
{
    (void)s;
    (void)clean;
    app *a = user;
    if (!a->joined && a->exit_code == 1) {
        printf("CONNECT %s\n", wamp_err_name(wamp_client_last_error(a->client)));
        a->exit_code = 3;
    }
    wamp_loop_stop(a->loop);
}

static const char *opt(int argc, char **argv, const char *name)
{
    for (int i = 0; i + 1 < argc; i++)
        if (!strcmp(argv[i], name)) return argv[i + 1];
    return NULL;
}

static bool flag(int argc, char **argv, const char *name)
{
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], name)) return true;
    return false;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 3 && !strcmp(argv[1], "mkcerts")) return wt_make_certs(argv[2]) ? 1 : 0;
    if (argc < 5 || strcmp(argv[1], "join")) {
        fprintf(stderr, "usage: tls_client mkcerts DIR | join URL CA SEED_HEX [--binding TYPE] "
                        "[--wrong-cid] [--authid ID]\n");
        return 64;
    }
    app a = {.exit_code = 1, .wrong_cid = flag(argc, argv, "--wrong-cid")};
    wamp_auth_config ac = {.privkey_hex = argv[4],
                           .channel_binding = opt(argc, argv, "--binding"),
                           .authid = opt(argc, argv, "--authid")};
    int rc = wamp_authenticator_new("cryptosign", &ac, &a.auth);
    if (rc) {
        printf("AUTHENTICATOR %s\n", wamp_err_name(rc));
        return 1;
    }
    wamp_session_callbacks cb = {.on_connect = on_connect,
                                 .on_join = on_join,
                                 .on_leave = on_leave,
                                 .on_disconnect = on_disconnect};
    if ((rc = wamp_loop_new(&a.loop)) || (rc = wamp_client_new(a.loop, &cb, &a, &a.client))) {
        printf("SETUP %s\n", wamp_err_name(rc));
        return 1;
    }
    wamp_tls_options tls = {.ca_file = argv[3]};
    wamp_transport_options to = {0};
    if (!strncmp(argv[2], "wss:", 4) || !strncmp(argv[2], "rss:", 4)) to.stream.tls = &tls;
    rc = wamp_client_connect(a.client, argv[2], &to);
    if (rc) {
        printf("CONNECT %s\n", wamp_err_name(rc));
        a.exit_code = 3;
    } else {
        wamp_loop_run(a.loop, WAMP_RUN_DEFAULT);
    }
    wamp_client_free(a.client);
    wamp_authenticator_free(a.auth);
    wamp_loop_run(a.loop, WAMP_RUN_NOWAIT);
    wamp_loop_free(a.loop);
    return a.exit_code;
}
