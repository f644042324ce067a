/* libwamp runtime — TLS contexts (OpenSSL). The record layer runs over memory BIOs in stream.c. */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "net/net_internal.h"
#include "common/str_int.h"

struct wamp__tls_ctx {
    SSL_CTX *ctx;
    int refs;
    char *server_name;
    bool skip_verify;
};

static int proto_version(wamp_tls_version v, int dflt)
{
    switch (v) {
    case WAMP_TLS_1_2: return TLS1_2_VERSION;
    case WAMP_TLS_1_3: return TLS1_3_VERSION;
    default: return dflt;
    }
}

int wamp__tls_ctx_new(const wamp_tls_options *o, bool is_server, wamp__tls_ctx **out)
{
    static const wamp_tls_options dflt = {0};
    if (!o) o = &dflt;
    if (is_server && (!o->cert_file || !o->key_file)) return WAMP_EINVAL;
    wamp__tls_ctx *c = calloc(1, sizeof *c);
    if (!c) return WAMP_ENOMEM;
    c->refs = 1;
    c->skip_verify = o->insecure_skip_verify;
    c->ctx = SSL_CTX_new(is_server ? TLS_server_method() : TLS_client_method());
    if (!c->ctx) goto fail;
    SSL_CTX_set_min_proto_version(c->ctx, proto_version(o->min_version, TLS1_2_VERSION));
    SSL_CTX_set_max_proto_version(c->ctx, proto_version(o->max_version, TLS1_3_VERSION));
    SSL_CTX_set_options(c->ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    if (o->ciphers && SSL_CTX_set_cipher_list(c->ctx, o->ciphers) != 1) goto fail;

    bool want_ca = !is_server || o->verify_client != WAMP_TLS_CLIENT_CERT_NONE;
    if (want_ca) {
        if (o->ca_file || o->ca_dir) {
            if (SSL_CTX_load_verify_locations(c->ctx, o->ca_file, o->ca_dir) != 1) goto fail;
        } else if (SSL_CTX_set_default_verify_paths(c->ctx) != 1) {
            goto fail;
        }
    }
    if (o->cert_file) {
        if (SSL_CTX_use_certificate_chain_file(c->ctx, o->cert_file) != 1) goto fail;
        if (!o->key_file || SSL_CTX_use_PrivateKey_file(c->ctx, o->key_file, SSL_FILETYPE_PEM) != 1)
            goto fail;
        if (SSL_CTX_check_private_key(c->ctx) != 1) goto fail;
    }
    if (is_server) {
        static const unsigned char sid[] = "libwamp";
        SSL_CTX_set_session_id_context(c->ctx, sid, sizeof sid - 1);
        int mode = SSL_VERIFY_NONE;
        if (o->verify_client == WAMP_TLS_CLIENT_CERT_OPTIONAL) mode = SSL_VERIFY_PEER;
        if (o->verify_client == WAMP_TLS_CLIENT_CERT_REQUIRED)
            mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
        SSL_CTX_set_verify(c->ctx, mode, NULL);
    } else {
        SSL_CTX_set_verify(c->ctx, c->skip_verify ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
        if (o->server_name && !(c->server_name = wamp__strdup(o->server_name))) goto fail;
    }
    *out = c;
    return WAMP_OK;
fail:
    ERR_clear_error();
    wamp__tls_ctx_unref(c);
    return WAMP_ETLS;
}

void wamp__tls_ctx_ref(wamp__tls_ctx *c)
{
    c->refs++;
}

void wamp__tls_ctx_unref(wamp__tls_ctx *c)
{
    if (!c || --c->refs > 0) return;
    SSL_CTX_free(c->ctx);
    free(c->server_name);
    free(c);
}

void *wamp__tls_ctx_ssl_ctx(wamp__tls_ctx *c)
{
    return c->ctx;
}

const char *wamp__tls_ctx_server_name(wamp__tls_ctx *c)
{
    return c->server_name;
}

bool wamp__tls_ctx_skip_verify(wamp__tls_ctx *c)
{
    return c->skip_verify;
}
