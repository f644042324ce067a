/*
 * libwamp runtime — WAMP transports: a stream (stream.c) driving a sans-I/O framer
 * (src/transport), client connect by URL, and a listener serving WebSocket and RawSocket on
 * one port by sniffing the first byte.
 *
 * Re-entrancy: the framer must not be freed from inside its own callbacks, and the user may
 * free a transport from inside any callback. Every call into the framer is bracketed by
 * busy++/busy--; destruction requested meanwhile is deferred until busy drops to zero.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "net/net_internal.h"
#include "transport/framer.h"

enum { T_CONNECTING, T_HANDSHAKE, T_OPEN, T_CLOSING, T_CLOSED };

/* Open transports of a listener, shared with them (they may outlive the listener). */
typedef struct conn_count {
    int refs;
    size_t live;
} conn_count;

struct wamp_transport {
    wamp_loop *loop;
    wamp_stream *s;
    wamp_framer *f;
    wamp_listener *l; /* while an accepted transport is in its handshake */
    wamp_transport *lprev, *lnext;
    bool is_server;
    int state;
    bool opened, freed, destroy_pending;
    int busy;
    uint32_t handshake_timeout_ms, close_timeout_ms, ping_interval_ms, ping_timeout_ms;
    size_t write_limit;
    uint64_t ping_sent_at; /* loop time of the last PING (or of the open) */
    bool ping_grace;       /* the pong deadline passed; one more turn of I/O before failing */
    uint64_t ping_seq;
    uint64_t ping_bytes_in;   /* framer bytes_in when the ping went out */
    uint64_t ping_bytes_sent; /* stream bytes_sent then */
    wamp_timer *timer;
    /* application flow control (wamp_transport_read_stop): messages that completed in the
     * read during which the application paused wait here, in order */
    bool user_paused;
    struct held_msg *held_head, *held_tail;
    size_t held_bytes;
    wamp_timer *resume_timer;
    conn_count *counted; /* server: counted among its listener's open transports */
    wamp_transport_connect_cb ccb;
    void *cuser;
    wamp_transport_callbacks cbs;
    void *user;
    int err;
    int close_code;
    char close_reason[128];
    bool clean;
    /* runtime details, captured when the transport opens */
    wamp_stream_info info;
    char own[128], peer[128];
    uint8_t cid[32];
    bool has_cid, secure;
    int fd;
    wamp_arena *arena;
    wamp_value peer_cert;
    bool has_peer_cert;
};

typedef struct proto_copy {
    char **protocols;
    size_t protocol_count;
    wamp_http_header *headers;
    size_t header_count;
} proto_copy;

struct wamp_listener {
    wamp_loop *loop;
    wamp_stream_server *srv;
    wamp_listener_options opts;
    proto_copy pc;
    wamp_listener_accept_cb cb;
    void *user;
    wamp_transport *pending;
    wamp_listener_stats st;
    conn_count *count;
};

static void count_unref(conn_count *c)
{
    if (c && --c->refs == 0) free(c);
}

typedef struct held_msg {
    struct held_msg *next;
    size_t len;
    uint8_t data[];
} held_msg;

static void t_finish(wamp_transport *t, int status);

static void drop_held(wamp_transport *t)
{
    while (t->held_head) {
        held_msg *m = t->held_head;
        t->held_head = m->next;
        free(m);
    }
    t->held_tail = NULL;
    t->held_bytes = 0;
}

static void t_destroy(wamp_transport *t)
{
    drop_held(t);
    wamp_timer_free(t->resume_timer);
    wamp_framer_free(t->f);
    wamp_timer_free(t->timer);
    wamp_arena_free(t->arena);
    free(t);
}

static void t_release(wamp_transport *t)
{
    if (t->destroy_pending && t->busy == 0) t_destroy(t);
}

static void l_unlink(wamp_transport *t)
{
    if (!t->l) return;
    if (t->lprev)
        t->lprev->lnext = t->lnext;
    else
        t->l->pending = t->lnext;
    if (t->lnext) t->lnext->lprev = t->lprev;
    t->lprev = t->lnext = NULL;
    t->l = NULL;
}

/* ---------------------------------------------------------------- details */

static void hex_colon(const uint8_t *md, unsigned n, char *out)
{
    for (unsigned i = 0; i < n; i++)
        snprintf(out + i * 3, 4, "%02X%s", md[i], i + 1 < n ? ":" : "");
}

static int set_str(wamp_arena *a, wamp_value *d, const char *k, const char *v)
{
    if (!v) return wamp_value_dict_setc(a, d, k, wamp_value_null());
    return wamp_value_dict_setc(a, d, k, wamp_value_cstring(a, v));
}

static int name_dict(wamp_arena *a, const X509_NAME *name, wamp_value *out)
{
    *out = wamp_value_dict();
    for (int i = 0; i < X509_NAME_entry_count(name); i++) {
        const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
        const char *sn = OBJ_nid2sn(OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)));
        unsigned char *utf8 = NULL;
        int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
        if (n < 0 || !sn) continue;
        char key[64];
        size_t k = 0;
        for (; sn[k] && k < sizeof key - 1; k++)
            key[k] = (char)(sn[k] >= 'A' && sn[k] <= 'Z' ? sn[k] + 32 : sn[k]);
        key[k] = 0;
        wamp_value_dict_remove(out, key, k); /* the last of repeated components wins */
        int r = wamp_value_dict_setc(a, out, key, wamp_value_string(a, (char *)utf8, (size_t)n));
        OPENSSL_free(utf8);
        if (r != 0) return r;
    }
    return WAMP_OK;
}

/* Autobahn's extract_peer_certificate() dict, from the DER certificate. */
static void build_peer_cert(wamp_transport *t, const uint8_t *der, size_t len)
{
    const unsigned char *p = der;
    X509 *c = d2i_X509(NULL, &p, (long)len);
    if (!c) return;
    wamp_arena *a = t->arena;
    wamp_value d = wamp_value_dict();
    char buf[200];
    uint8_t md[64];
    unsigned mdlen;
    static const struct {
        const char *key;
        const EVP_MD *(*fn)(void);
    } digests[] = {{"md5", EVP_md5}, {"sha1", EVP_sha1}, {"sha256", EVP_sha256}};
    int r = 0;
    for (size_t i = 0; i < 3; i++) {
        if (X509_digest(c, digests[i].fn(), md, &mdlen) != 1) continue;
        hex_colon(md, mdlen, buf);
        r |= set_str(a, &d, digests[i].key, buf);
    }
    r |= wamp_value_dict_setc(a, &d, "expired",
                              wamp_value_bool(X509_cmp_current_time(X509_get0_notAfter(c)) < 0));
    snprintf(buf, sizeof buf, "%08lx", X509_subject_name_hash(c));
    r |= set_str(a, &d, "hash", buf);
    uint64_t serial = 0;
    if (ASN1_INTEGER_get_uint64(&serial, X509_get0_serialNumber(c)) == 1)
        r |= wamp_value_dict_setc(a, &d, "serial", wamp_value_uint(serial));
    r |= set_str(a, &d, "signature_algorithm", OBJ_nid2ln(X509_get_signature_nid(c)));
    r |= wamp_value_dict_setc(a, &d, "version", wamp_value_int(X509_get_version(c)));
    r |= set_str(a, &d, "not_before", t->info.peer_cert_not_before);
    r |= set_str(a, &d, "not_after", t->info.peer_cert_not_after);
    wamp_value sub, iss;
    if (name_dict(a, X509_get_subject_name(c), &sub) == 0)
        r |= wamp_value_dict_setc(a, &d, "subject", sub);
    if (name_dict(a, X509_get_issuer_name(c), &iss) == 0)
        r |= wamp_value_dict_setc(a, &d, "issuer", iss);
    X509_free(c);
    /* a failed lookup above (e.g. a serial wider than 64 bits) leaves an error queued, which
     * the next SSL_read/SSL_write on this thread would take for its own failure */
    ERR_clear_error();
    if (r == 0) {
        t->peer_cert = d;
        t->has_peer_cert = true;
    }
}

static void capture_info(wamp_transport *t)
{
    if (!t->s) return;
    wamp_stream_get_info(t->s, &t->info);
    snprintf(t->own, sizeof t->own, "%s", t->info.local ? t->info.local : "");
    snprintf(t->peer, sizeof t->peer, "%s", t->info.peer ? t->info.peer : "");
    t->fd = t->info.fd;
    t->secure = t->info.is_secure;
    t->has_cid = t->info.has_channel_id;
    memcpy(t->cid, t->info.channel_id_tls_unique, 32);
    if (t->info.peer_cert_der && (t->arena || (t->arena = wamp_arena_new(2048))))
        build_peer_cert(t, t->info.peer_cert_der, t->info.peer_cert_der_len);
    /* the strings of info belong to the stream: keep only what was copied */
    t->info.local = t->info.peer = NULL;
    t->info.peer_cert_der = NULL;
}

void wamp_transport_get_details(wamp_transport *t, wamp_transport_details *d)
{
    wamp_transport_details_init(d);
    if (t->f) wamp_framer_fill_details(t->f, d);
    d->channel_type = t->secure ? WAMP_CHANNEL_TLS : WAMP_CHANNEL_TCP;
    snprintf(d->own, sizeof d->own, "%s", t->own);
    snprintf(d->peer, sizeof d->peer, "%s", t->peer);
    d->is_server = t->is_server;
    d->own_pid = getpid();
    d->own_tid = (int64_t)syscall(SYS_gettid);
    d->own_fd = t->fd;
    d->is_secure = t->secure;
    if (t->has_cid) {
        memcpy(d->channel_id_tls_unique, t->cid, 32);
        d->channel_id_tls_unique_len = 32;
    }
    if (t->has_peer_cert) d->peer_cert = &t->peer_cert;
}

/* ---------------------------------------------------------------- timers: handshake, ping */

static uint32_t ping_tick(const wamp_transport *t)
{
    return t->ping_timeout_ms < t->ping_interval_ms ? t->ping_timeout_ms : t->ping_interval_ms;
}

static void on_t_timer(wamp_timer *tm, void *user)
{
    wamp_transport *t = user;
    if (t->state == T_HANDSHAKE || t->state == T_CONNECTING || t->state == T_CLOSING) {
        t->err = WAMP_ETIMEOUT;
        t_finish(t, WAMP_ETIMEOUT);
        return;
    }
    if (t->state != T_OPEN) return;
    /* The timer ticks every min(interval, timeout): at most one PING is outstanding; a new one
     * goes out `interval` after the previous, and an outstanding one fails after `timeout`. */
    uint64_t now = wamp_loop_now(t->loop);
    if (t->user_paused) {
        /* we do not read while the application holds reading: a PONG could not arrive */
        t->ping_sent_at = now;
        return;
    }
    if (wamp_framer_pings_outstanding(t->f) > 0) {
        if (now - t->ping_sent_at < t->ping_timeout_ms) return;
        wamp_framer_stats fs;
        wamp_framer_get_stats(t->f, &fs);
        wamp_stream_stats ss = {0};
        if (t->s) wamp_stream_get_stats(t->s, &ss);
        /* The PONG may be stuck behind a big message the peer is sending, or the PING behind
         * our own big output: bytes arriving, or our output actually draining (the kernel
         * accepting bytes), is not silence. Output merely queued is: a peer that stopped
         * reading makes no progress and times out like a mute one. */
        if (fs.bytes_in != t->ping_bytes_in || ss.bytes_sent != t->ping_bytes_sent) {
            t->ping_bytes_in = fs.bytes_in;
            t->ping_bytes_sent = ss.bytes_sent;
            t->ping_sent_at = now;
            t->ping_grace = false;
            return;
        }
        if (!t->ping_grace) {
            /* After a stall of our own process (a loaded machine), timers run before the
             * socket is read: give the loop one turn of I/O to deliver a PONG that is already
             * waiting in the socket, then decide. */
            t->ping_grace = true;
            wamp_timer_start(t->timer, 1, ping_tick(t));
            return;
        }
        t->err = WAMP_ETIMEOUT;
        t_finish(t, WAMP_ETIMEOUT);
        return;
    }
    if (now - t->ping_sent_at < t->ping_interval_ms) return;
    uint8_t payload[8];
    uint64_t seq = ++t->ping_seq;
    for (int i = 7; i >= 0; i--, seq >>= 8)
        payload[i] = (uint8_t)seq;
    t->busy++;
    wamp_framer_ping(t->f, payload, sizeof payload);
    t->busy--;
    wamp_framer_stats fs;
    wamp_framer_get_stats(t->f, &fs);
    t->ping_bytes_in = fs.bytes_in;
    if (t->s) {
        wamp_stream_stats ss;
        wamp_stream_get_stats(t->s, &ss);
        t->ping_bytes_sent = ss.bytes_sent;
    }
    t->ping_sent_at = now;
    t->ping_grace = false;
    t_release(t);
}

/* ---------------------------------------------------------------- framer callbacks */

static void f_write(wamp_framer *f, void *user, const uint8_t *data, size_t len)
{
    wamp_transport *t = user;
    if (!t->s) return;
    int r = wamp_stream_write(t->s, data, len);
    if (r != 0 && r != WAMP_ECLOSED) {
        t->err = r;
        t_finish(t, r);
    }
}

static uint8_t *f_write_buffer(wamp_framer *f, void *user, size_t len)
{
    wamp_transport *t = user;
    uint8_t *p = NULL;
    /* on failure the framer falls back to on_write, which reports the error */
    if (t->s) wamp_stream_write_buffer(t->s, len, &p);
    return p;
}

static void f_open(wamp_framer *f, void *user)
{
    wamp_transport *t = user;
    t->state = T_OPEN;
    t->opened = true;
    wamp_timer_stop(t->timer);
    capture_info(t);
    if (t->ping_interval_ms) {
        t->ping_sent_at = wamp_loop_now(t->loop);
        wamp_timer_start(t->timer, ping_tick(t), ping_tick(t));
    }
    if (t->is_server) {
        wamp_listener *l = t->l;
        l_unlink(t);
        t->counted = l->count;
        l->count->refs++;
        l->count->live++;
        if (wamp_framer_framing(f) == WAMP_FRAMING_RAWSOCKET)
            l->st.rawsocket++;
        else
            l->st.websocket++;
        l->cb(l, t, l->user);
    } else if (t->ccb) {
        t->ccb(t, WAMP_OK, t->cuser);
    }
}

/* The application paused reading inside this read: keeps the rest of the read's messages, in
 * order. Out of line, so that the per-message path of f_message needs no stack frame. */
static __attribute__((noinline)) void hold_message(wamp_transport *t, const uint8_t *data,
                                                   size_t len)
{
    held_msg *m = malloc(sizeof *m + (len ? len : 1));
    if (!m) {
        t->err = WAMP_ENOMEM;
        t_finish(t, WAMP_ENOMEM);
        return;
    }
    m->next = NULL;
    m->len = len;
    if (len) memcpy(m->data, data, len);
    if (t->held_tail)
        t->held_tail->next = m;
    else
        t->held_head = m;
    t->held_tail = m;
    t->held_bytes += len;
}

static void f_message(wamp_framer *f, void *user, const uint8_t *data, size_t len, bool binary)
{
    wamp_transport *t = user;
    if (t->freed || (t->state != T_OPEN && t->state != T_CLOSING)) return;
    if (t->user_paused || t->held_head) {
        hold_message(t, data, len);
        return;
    }
    if (t->cbs.on_message) t->cbs.on_message(t, data, len, t->user);
}

static void f_error(wamp_framer *f, void *user, int err, const char *detail)
{
    wamp_transport *t = user;
    if (!t->err) t->err = err;
}

static void f_close(wamp_framer *f, void *user, int code, const char *reason, size_t reason_len,
                    bool clean)
{
    wamp_transport *t = user;
    t->close_code = code;
    if (reason_len >= sizeof t->close_reason) reason_len = sizeof t->close_reason - 1;
    if (reason_len) memcpy(t->close_reason, reason, reason_len);
    t->close_reason[reason_len] = 0;
    t->clean = clean;
    if (t->state == T_CLOSED) return;
    /* flush what the framer queued last (Close frame, error reply), then close the stream;
     * the stream's on_close ends the transport */
    if (t->state == T_OPEN || t->state == T_HANDSHAKE) {
        t->state = T_CLOSING;
        wamp_timer_stop(t->timer);
    }
    if (t->s) wamp_stream_close(t->s);
}

/* Server: the listener's connection limit. */
static int f_handshake(wamp_framer *f, void *user, const wamp_handshake_info *info)
{
    wamp_transport *t = user;
    wamp_listener *l = t->l;
    if (l && l->opts.websocket_paths && info->framing == WAMP_FRAMING_WEBSOCKET) {
        const char *path = info->http && info->http->path ? info->http->path : "";
        bool known = false;
        for (const char *const *p = l->opts.websocket_paths; *p && !known; p++)
            known = !strcmp(*p, path);
        if (!known) return 404;
    }
    if (!l || !l->opts.max_connections || l->count->live < l->opts.max_connections) return 0;
    l->st.refused_max_connections++;
    return info->framing == WAMP_FRAMING_RAWSOCKET ? WAMP_RAWSOCKET_ERR_MAX_CONNECTIONS : 503;
}

static const wamp_framer_cbs framer_cbs = {
    .on_handshake = f_handshake,
    .on_write = f_write,
    .on_open = f_open,
    .on_message = f_message,
    .on_error = f_error,
    .on_close = f_close,
    .on_write_buffer = f_write_buffer,
};

/* ---------------------------------------------------------------- stream callbacks */

static int create_server_framer(wamp_transport *t, const uint8_t *data, size_t len);

static void s_read(wamp_stream *s, const uint8_t *data, size_t len, void *user)
{
    wamp_transport *t = user;
    if (!t->f && create_server_framer(t, data, len) != 0) return;
    t->busy++;
    wamp_framer_feed(t->f, data, len);
    t->busy--;
    t_release(t);
}

static void s_drain(wamp_stream *s, void *user)
{
    wamp_transport *t = user;
    if (!t->freed && t->state == T_OPEN && t->cbs.on_drain) t->cbs.on_drain(t, t->user);
}

static void s_close(wamp_stream *s, int status, void *user)
{
    wamp_transport *t = user;
    t->s = NULL; /* the stream is released when this returns */
    if (t->f && wamp_framer_get_state(t->f) != WAMP_FRAMER_CLOSED) {
        t->busy++;
        wamp_framer_eof(t->f);
        t->busy--;
    }
    int st;
    if (t->opened) {
        /* RawSocket has no closing handshake: its end of stream after OPEN is a normal close */
        bool rs_eof = t->f && wamp_framer_framing(t->f) == WAMP_FRAMING_RAWSOCKET &&
                      t->close_code == 1000 && !t->err;
        if (t->clean || rs_eof)
            st = WAMP_OK;
        else if (t->err)
            st = t->err;
        else if (status == WAMP_OK || status == WAMP_EPEERCLOSED)
            st = WAMP_EPEERCLOSED;
        else
            st = status;
    } else {
        st = t->err                                                        ? t->err
             : (t->f && wamp_framer_get_state(t->f) == WAMP_FRAMER_CLOSED) ? WAMP_EHANDSHAKE
                                                                           : status;
        if (st == WAMP_OK) st = WAMP_EHANDSHAKE;
    }
    t_finish(t, st);
}

static const wamp_stream_callbacks stream_cbs = {s_read, s_drain, s_close};

/* ---------------------------------------------------------------- finishing */

static void t_finish(wamp_transport *t, int status)
{
    if (t->state == T_CLOSED) return;
    t->state = T_CLOSED;
    if (t->counted) {
        t->counted->live--;
        count_unref(t->counted);
        t->counted = NULL;
    }
    if (t->timer) wamp_timer_stop(t->timer);
    if (t->s) {
        wamp_stream_free(t->s);
        t->s = NULL;
    }
    if (t->l) {
        t->l->st.failed++;
        l_unlink(t);
    }
    if (!t->freed) {
        if (t->opened) {
            if (t->cbs.on_close)
                t->cbs.on_close(t, status, t->close_code, t->close_reason, t->user);
        } else if (t->ccb) {
            t->ccb(t, status, t->cuser);
        }
    }
    t->freed = true;
    t->destroy_pending = true;
    t_release(t);
}

void wamp_transport_free(wamp_transport *t)
{
    if (!t) return;
    t->freed = true;
    if (t->state != T_CLOSED) {
        t_finish(t, WAMP_ECANCELED);
    }
}

/* ---------------------------------------------------------------- client */

static wamp_transport *t_alloc(wamp_loop *loop, const wamp_transport_options *o)
{
    wamp_transport *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->loop = loop;
    t->fd = -1;
    if (wamp_timer_new(loop, on_t_timer, t, &t->timer) != 0) {
        free(t);
        return NULL;
    }
    t->handshake_timeout_ms =
        o->stream.handshake_timeout_ms ? o->stream.handshake_timeout_ms : 10000;
    t->close_timeout_ms = o->close_timeout_ms ? o->close_timeout_ms : 5000;
    t->ping_interval_ms = o->ping_interval_ms;
    t->ping_timeout_ms = o->ping_timeout_ms ? o->ping_timeout_ms : o->ping_interval_ms;
    t->write_limit = o->stream.write_limit ? o->stream.write_limit : (size_t)64 << 20;
    return t;
}

static void c_connected(wamp_stream *s, int status, void *user)
{
    wamp_transport *t = user;
    if (status != WAMP_OK) {
        t->s = NULL; /* released by the stream after this returns */
        t_finish(t, status);
        return;
    }
    wamp_stream_set_callbacks(s, &stream_cbs, t);
    t->state = T_HANDSHAKE;
    wamp_timer_start(t->timer, t->handshake_timeout_ms, 0);
    t->busy++;
    wamp_framer_start(t->f);
    t->busy--;
    t_release(t);
}

int wamp_transport_connect(wamp_loop *loop, const char *url, const wamp_transport_options *opts,
                           wamp_transport_connect_cb cb, void *user, wamp_transport **out)
{
    static const wamp_transport_options dflt = {0};
    if (!loop || !url || !cb) return WAMP_EINVAL;
    if (!opts) opts = &dflt;
    wamp_url u;
    int r = wamp_url_parse(url, &u);
    if (r != 0) return r;
    wamp_transport *t = t_alloc(loop, opts);
    if (!t) {
        wamp_url_free(&u);
        return WAMP_ENOMEM;
    }
    t->ccb = cb;
    t->cuser = user;
    if (u.is_websocket) {
        char host[300];
        wamp_websocket_options wo = opts->websocket;
        if (!wo.host) {
            wamp_url_host_header(&u, host, sizeof host);
            wo.host = host;
        }
        if (!wo.resource) wo.resource = u.resource;
        r = wamp_websocket_new(&t->f, false, &wo, &framer_cbs, t);
    } else {
        r = wamp_rawsocket_new(&t->f, false, &opts->rawsocket, &framer_cbs, t);
    }
    if (r == 0) {
        wamp_stream_options so = opts->stream;
        static const wamp_tls_options tls_default = {0};
        so.tls = u.is_secure ? (opts->stream.tls ? opts->stream.tls : &tls_default) : NULL;
        if (u.is_unix)
            r = wamp_stream_connect_unix(loop, u.unix_path, &so, c_connected, t, &t->s);
        else
            r = wamp_stream_connect_tcp(loop, u.host, u.port, &so, c_connected, t, &t->s);
    }
    wamp_url_free(&u);
    if (r != 0) {
        t_destroy(t);
        return r;
    }
    if (out) *out = t;
    return WAMP_OK;
}

void wamp_transport_set_callbacks(wamp_transport *t, const wamp_transport_callbacks *cbs,
                                  void *user)
{
    if (!t) return;
    if (cbs)
        t->cbs = *cbs;
    else
        memset(&t->cbs, 0, sizeof t->cbs);
    t->user = user;
}

int wamp_transport_send(wamp_transport *t, const uint8_t *data, size_t len)
{
    if (!t || (len && !data)) return WAMP_EINVAL;
    if (t->state != T_OPEN || !t->s) return WAMP_ECLOSED;
    if (len > t->write_limit || wamp__stream_queued(t->s) + 16 > t->write_limit - len)
        return WAMP_ELIMIT;
    t->busy++;
    int r = wamp__framer_send(t->f, data, len); /* arguments checked above */
    t->busy--;
    if (t->state == T_CLOSED && r == 0) r = t->err ? t->err : WAMP_ECLOSED;
    t_release(t);
    return r;
}

int wamp_transport_close(wamp_transport *t, int code, const char *reason)
{
    if (!t || t->freed) return WAMP_OK;
    if (t->state != T_OPEN) return WAMP_OK;
    t->busy++;
    int r = wamp_framer_close(t->f, code, reason);
    t->busy--;
    if (r == WAMP_EINVAL) {
        t_release(t);
        return r;
    }
    if (t->state == T_OPEN) t->state = T_CLOSING;
    if (t->state == T_CLOSING) wamp_timer_start(t->timer, t->close_timeout_ms, 0);
    t_release(t);
    return WAMP_OK;
}

static void on_resume(wamp_timer *tm, void *user)
{
    wamp_transport *t = user;
    t->busy++;
    while (t->held_head && !t->user_paused && !t->freed &&
           (t->state == T_OPEN || t->state == T_CLOSING)) {
        held_msg *m = t->held_head;
        t->held_head = m->next;
        if (!t->held_head) t->held_tail = NULL;
        t->held_bytes -= m->len;
        if (t->cbs.on_message) t->cbs.on_message(t, m->data, m->len, t->user);
        free(m);
    }
    if (!t->held_head && !t->user_paused && t->s) wamp_stream_read_start(t->s);
    t->busy--;
    t_release(t);
}

void wamp_transport_read_stop(wamp_transport *t)
{
    if (!t || t->user_paused) return;
    t->user_paused = true;
    if (t->s) wamp_stream_read_stop(t->s);
}

int wamp_transport_read_start(wamp_transport *t)
{
    if (!t) return WAMP_EINVAL;
    if (!t->user_paused) return WAMP_OK;
    t->user_paused = false;
    if (!t->held_head) {
        if (t->s) wamp_stream_read_start(t->s);
        return WAMP_OK;
    }
    /* held messages go first, from the loop (never from inside this call) */
    if (!t->resume_timer && wamp_timer_new(t->loop, on_resume, t, &t->resume_timer) != 0)
        return WAMP_ENOMEM;
    return wamp_timer_start(t->resume_timer, 0, 0);
}

size_t wamp_transport_held_input(const wamp_transport *t)
{
    return t ? t->held_bytes : 0;
}

wamp_serializer_id wamp_transport_serializer(const wamp_transport *t)
{
    return t->f ? wamp_framer_serializer(t->f) : WAMP_SER_NONE;
}

bool wamp_transport_batched(const wamp_transport *t)
{
    return t->f && wamp_framer_batched(t->f);
}

wamp_channel_framing wamp_transport_framing(const wamp_transport *t)
{
    return t->f ? wamp_framer_framing(t->f) : WAMP_FRAMING_NONE;
}

wamp_stream *wamp_transport_stream(const wamp_transport *t)
{
    return t->s;
}

wamp_framer *wamp_transport_framer(const wamp_transport *t)
{
    return t->f;
}

/* ---------------------------------------------------------------- listener */

static int create_server_framer(wamp_transport *t, const uint8_t *data, size_t len)
{
    wamp_listener *l = t->l;
    if (!l) return WAMP_ESTATE;
    wamp_channel_framing fr = wamp_framing_sniff(data, len);
    int r = WAMP_EHANDSHAKE;
    const wamp_transport_options *o = &l->opts.transport;
    if (fr == WAMP_FRAMING_RAWSOCKET && !l->opts.no_rawsocket)
        r = wamp_rawsocket_new(&t->f, true, &o->rawsocket, &framer_cbs, t);
    else if (fr == WAMP_FRAMING_WEBSOCKET && !l->opts.no_websocket)
        r = wamp_websocket_new(&t->f, true, &o->websocket, &framer_cbs, t);
    if (r == 0) r = wamp_framer_start(t->f);
    if (r != 0) {
        t->err = r == WAMP_ENOMEM ? r : WAMP_EHANDSHAKE;
        t_finish(t, t->err);
    }
    return r;
}

static void l_accept(wamp_stream_server *srv, wamp_stream *s, void *user)
{
    wamp_listener *l = user;
    l->st.connections++;
    wamp_transport *t = t_alloc(l->loop, &l->opts.transport);
    if (!t) {
        wamp_stream_free(s);
        l->st.failed++;
        return;
    }
    t->is_server = true;
    t->s = s;
    t->state = T_HANDSHAKE;
    t->l = l;
    t->lnext = l->pending;
    if (l->pending) l->pending->lprev = t;
    l->pending = t;
    wamp_stream_set_callbacks(s, &stream_cbs, t);
    wamp_timer_start(t->timer, t->handshake_timeout_ms, 0);
}

static void free_proto_copy(proto_copy *pc)
{
    for (size_t i = 0; i < pc->protocol_count; i++)
        free(pc->protocols[i]);
    free(pc->protocols);
    for (size_t i = 0; i < pc->header_count; i++) {
        free((char *)pc->headers[i].name);
        free((char *)pc->headers[i].value);
    }
    free(pc->headers);
}

static char *sdup(const char *p)
{
    if (!p) return NULL;
    size_t n = strlen(p) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, p, n);
    return d;
}

/* Deep-copies the strings of the server-side WebSocket options a listener keeps. */
static int copy_ws_options(wamp_listener *l)
{
    wamp_websocket_options *w = &l->opts.transport.websocket;
    proto_copy *pc = &l->pc;
    if (w->protocol_count) {
        pc->protocols = calloc(w->protocol_count, sizeof *pc->protocols);
        if (!pc->protocols) return WAMP_ENOMEM;
        pc->protocol_count = w->protocol_count;
        for (size_t i = 0; i < w->protocol_count; i++)
            if (!(pc->protocols[i] = sdup(w->protocols[i]))) return WAMP_ENOMEM;
        w->protocols = (const char *const *)pc->protocols;
    }
    if (w->header_count) {
        pc->headers = calloc(w->header_count, sizeof *pc->headers);
        if (!pc->headers) return WAMP_ENOMEM;
        pc->header_count = w->header_count;
        for (size_t i = 0; i < w->header_count; i++) {
            pc->headers[i].name = sdup(w->headers[i].name);
            pc->headers[i].value = sdup(w->headers[i].value);
            if (!pc->headers[i].name || !pc->headers[i].value) return WAMP_ENOMEM;
        }
        w->headers = pc->headers;
    }
    w->host = w->resource = w->origin = NULL; /* client-only */
    w->random = NULL;
    return WAMP_OK;
}

int wamp_listener_new(wamp_loop *loop, const wamp_listener_options *opts,
                      wamp_listener_accept_cb cb, void *user, wamp_listener **out)
{
    static const wamp_listener_options dflt = {0};
    if (!loop || !cb || !out) return WAMP_EINVAL;
    if (!opts) opts = &dflt;
    if (opts->no_websocket && opts->no_rawsocket) return WAMP_EINVAL;
    wamp_listener *l = calloc(1, sizeof *l);
    if (!l) return WAMP_ENOMEM;
    l->loop = loop;
    l->opts = *opts;
    l->cb = cb;
    l->user = user;
    l->count = calloc(1, sizeof *l->count);
    if (!l->count) {
        free(l);
        return WAMP_ENOMEM;
    }
    l->count->refs = 1;
    int r = copy_ws_options(l);
    if (r == 0) {
        /* validate the framer options once, up front */
        wamp_framer *probe = NULL;
        r = wamp_websocket_new(&probe, true, &l->opts.transport.websocket, NULL, NULL);
        wamp_framer_free(probe);
        if (r == 0) {
            r = wamp_rawsocket_new(&probe, true, &l->opts.transport.rawsocket, NULL, NULL);
            wamp_framer_free(probe);
        }
    }
    if (r == 0) {
        const wamp_stream_options *so = &l->opts.transport.stream;
        if (opts->unix_path)
            r = wamp_stream_listen_unix(loop, opts->unix_path, so, l_accept, l, &l->srv);
        else
            r = wamp_stream_listen_tcp(loop, opts->host ? opts->host : "127.0.0.1", opts->port, so,
                                       l_accept, l, &l->srv);
    }
    l->opts.host = l->opts.unix_path = NULL;
    l->opts.transport.stream.tls = NULL;
    if (r != 0) {
        free_proto_copy(&l->pc);
        count_unref(l->count);
        free(l);
        return r;
    }
    *out = l;
    return WAMP_OK;
}

uint16_t wamp_listener_port(const wamp_listener *l)
{
    return wamp_stream_server_port(l->srv);
}

void wamp_listener_get_stats(const wamp_listener *l, wamp_listener_stats *out)
{
    *out = l->st;
}

void wamp_listener_free(wamp_listener *l)
{
    if (!l) return;
    while (l->pending) {
        wamp_transport *t = l->pending;
        l_unlink(t);
        wamp_transport_free(t);
    }
    wamp_stream_server_free(l->srv);
    free_proto_copy(&l->pc);
    count_unref(l->count);
    free(l);
}
