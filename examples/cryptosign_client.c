/*
 * A WAMP-Cryptosign authenticated client: loads an Ed25519 key (an Autobahn key file as
 * written by `wamp keys generate`, or an OpenSSH Ed25519 private key), joins realm1 with
 * authmethod cryptosign, prints who the router says we are, and leaves.
 *
 *   example_cryptosign_client URL KEYFILE [AUTHID]
 */
#include <stdio.h>

#include <wamp/wamp.h>

typedef struct app {
    wamp_loop *loop;
    wamp_client *client;
    wamp_authenticator *auth;
    int status;
} app;

static void on_connect(void *user, wamp_session *s)
{
    app *a = user;
    /* the authenticator announces authmethods [cryptosign] and authextra.pubkey in HELLO and
     * signs the router's CHALLENGE */
    wamp_join_opts o = {.realm = "realm1", .auth = a->auth};
    if (wamp_session_join(s, &o)) wamp_client_disconnect(a->client);
}

static void on_join(void *user, wamp_session *s, const wamp_session_details *d)
{
    (void)user;
    printf("joined %.*s as %.*s (role %.*s, authmethod %.*s)\n", (int)d->realm.len, d->realm.ptr,
           (int)d->authid.len, d->authid.ptr, (int)d->authrole.len, d->authrole.ptr,
           (int)d->authmethod.len, d->authmethod.ptr);
    wamp_session_leave(s, NULL, NULL);
}

static void on_leave(void *user, wamp_session *s, const wamp_close_details *d)
{
    (void)s;
    app *a = user;
    printf("left: %.*s\n", (int)d->reason.len, d->reason.ptr);
    if (!wamp_str_eqc(d->reason, "wamp.close.goodbye_and_out") &&
        !wamp_str_eqc(d->reason, "wamp.close.normal"))
        a->status = 1;
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
    if (argc < 3) {
        fprintf(stderr, "usage: %s URL KEYFILE [AUTHID]\n", argv[0]);
        return 2;
    }
    app a = {0};
    wamp_cryptosign_key *key = NULL;
    int rc = wamp_cryptosign_key_from_keyfile(argv[2], &key);
    if (rc) rc = wamp_cryptosign_key_from_ssh_file(argv[2], &key);
    if (rc || !wamp_cryptosign_key_can_sign(key)) {
        fprintf(stderr, "%s: not a private key\n", argv[2]);
        wamp_cryptosign_key_free(key);
        return 1;
    }
    wamp_auth_config cfg = {.authid = argc > 3 ? argv[3] : NULL, .key = key};
    rc = wamp_authenticator_new("cryptosign", &cfg, &a.auth);
    wamp_cryptosign_key_free(key); /* the authenticator keeps its own copy */
    if (rc) {
        fprintf(stderr, "cryptosign: %s\n", wamp_strerror(rc));
        return 1;
    }
    wamp_session_callbacks cb = {.on_connect = on_connect,
                                 .on_join = on_join,
                                 .on_leave = on_leave,
                                 .on_disconnect = on_disconnect};
    a.status = 1; /* until joined and left */
    if (wamp_loop_new(&a.loop) || wamp_client_new(a.loop, &cb, &a, &a.client) ||
        wamp_client_connect(a.client, argv[1], NULL)) {
        fprintf(stderr, "cannot start\n");
        return 1;
    }
    a.status = 0;
    wamp_loop_run(a.loop, WAMP_RUN_DEFAULT);
    wamp_client_free(a.client);
    wamp_loop_run(a.loop, WAMP_RUN_NOWAIT);
    wamp_loop_free(a.loop);
    wamp_authenticator_free(a.auth);
    return a.status;
}
