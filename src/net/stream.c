/*
 * libwamp runtime — byte streams over TCP and Unix sockets, optionally TLS (OpenSSL over memory
 * BIOs, so one code path serves both socket kinds and the loop never blocks in OpenSSL).
 *
 * Memory: a stream is freed when it is CLOSED and its reference count (open libuv handles,
 * outstanding libuv requests, membership in the loop's dirty list) reaches zero. User callbacks
 * are suppressed once the user called wamp_stream_free() or after on_close.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "net/net_internal.h"
#include "common/str_int.h"

#define CHUNK_MIN 16384
#define ADDR_MAX  128

typedef struct chunk {
    struct chunk *next;
    size_t len, cap;
    uint8_t data[];
} chunk;

typedef struct wreq {
    uv_write_t req;
    wamp_stream *s;
    chunk *chunks;
    size_t bytes;
    unsigned n;
    uv_buf_t bufs[];
} wreq;

enum { ST_RESOLVING, ST_CONNECTING, ST_HANDSHAKING, ST_OPEN, ST_CLOSING, ST_CLOSED };

struct wamp_stream {
    wamp_loop *loop;
    wamp_stream *next_dirty;
    bool dirty;
    /* hot on the per-message write path: kept together, ahead of the libuv handles */
    int refs;
    int state;
    bool reading, bp_paused, user_paused;
    bool freed; /* user called wamp_stream_free(): no more callbacks */
    chunk *q_head, *q_tail;
    size_t q_bytes;
    size_t inflight;
    uint64_t handed; /* bytes given to uv_write (after TLS) */
    wamp_stream_options opts;
    wamp_stream_stats st;
    wamp_stream_callbacks cbs;
    void *user;
    union {
        uv_handle_t h;
        uv_stream_t s;
        uv_tcp_t tcp;
        uv_pipe_t pipe;
    } io;
    bool io_init;
    uv_timer_t timer;
    uv_getaddrinfo_t gai;
    uv_connect_t creq;
    uv_shutdown_t sreq;
    struct addrinfo *ai_list, *ai_next;
    int last_err;
    char *host;
    char *path;

    wamp_stream_kind kind;
    bool is_server;
    bool opened; /* reached ST_OPEN (on_close owed) */
    bool tls_shutdown_sent, shutdown_sent;
    int close_status;

    wamp__tls_ctx *tls;
    SSL *ssl;
    BIO *rbio, *wbio;

    wamp_stream_connect_cb connect_cb;
    void *connect_user;

    wamp_stream_server *srv; /* set while an accepted stream is still in its TLS handshake */
    wamp_stream *hs_prev, *hs_next;

    char local[ADDR_MAX], peer[ADDR_MAX];
    /* TLS details, filled when the handshake completes */
    char *server_name;
    bool has_cid, reused;
    uint8_t cid_unique[32], cid_exporter[32];
    char *cert_subject, *cert_issuer, *cert_serial, *cert_sha256, *cert_nb, *cert_na;
    uint8_t *cert_der;
    size_t cert_der_len;
};

struct wamp_stream_server {
    wamp_loop *loop;
    union {
        uv_handle_t h;
        uv_stream_t s;
        uv_tcp_t tcp;
        uv_pipe_t pipe;
    } io;
    wamp_stream_kind kind;
    wamp_stream_options opts;
    wamp__tls_ctx *tls;
    wamp_stream_accept_cb cb;
    void *user;
    uint16_t port;
    char *path;
    wamp_stream *hs_head;
    wamp_stream_server_stats st;
};

static void flush_now(wamp_stream *s);
static void finish(wamp_stream *s, int status);
static void maybe_proceed_close(wamp_stream *s);
static void tls_read_loop(wamp_stream *s);

wamp_stream **wamp__stream_next_dirty(wamp_stream *s)
{
    return &s->next_dirty;
}

/* ---------------------------------------------------------------- memory */

static void free_chunks(chunk *c)
{
    while (c) {
        chunk *n = c->next;
        free(c);
        c = n;
    }
}

/* Returns written chunks: those of the standard size go to the loop's spare list (bounded),
 * the others are freed. */
static void recycle_chunks(wamp_loop *loop, chunk *c)
{
    while (c) {
        chunk *n = c->next;
        if (c->cap == CHUNK_MIN && loop->chunk_nspare < WAMP__CHUNK_SPARE) {
            c->next = loop->chunk_spare;
            loop->chunk_spare = c;
            loop->chunk_nspare++;
        } else {
            free(c);
        }
        c = n;
    }
}

/* An empty chunk of cap bytes (a spare one when cap is the standard size), or NULL. */
static chunk *chunk_new(wamp_loop *loop, size_t cap)
{
    chunk *c;
    if (cap == CHUNK_MIN && loop->chunk_spare) {
        c = loop->chunk_spare;
        loop->chunk_spare = c->next;
        loop->chunk_nspare--;
    } else if (!(c = malloc(sizeof *c + cap))) {
        return NULL;
    }
    c->next = NULL;
    c->len = 0;
    c->cap = cap;
    return c;
}

void wamp__stream_pool_free(wamp_loop *loop)
{
    free_chunks(loop->chunk_spare);
    loop->chunk_spare = NULL;
    loop->chunk_nspare = 0;
}

static void free_mem(wamp_stream *s)
{
    if (s->ai_list) uv_freeaddrinfo(s->ai_list);
    if (s->ssl) SSL_free(s->ssl);
    wamp__tls_ctx_unref(s->tls);
    free_chunks(s->q_head);
    free(s->host);
    free(s->path);
    free(s->server_name);
    free(s->cert_subject);
    free(s->cert_issuer);
    free(s->cert_serial);
    free(s->cert_sha256);
    free(s->cert_nb);
    free(s->cert_na);
    free(s->cert_der);
    free(s);
}

static void unref(wamp_stream *s)
{
    if (--s->refs == 0 && s->state == ST_CLOSED) free_mem(s);
}

static void on_handle_closed(uv_handle_t *h)
{
    unref(h->data);
}

static void set_defaults(wamp_stream_options *o)
{
    if (!o->connect_timeout_ms) o->connect_timeout_ms = 10000;
    if (!o->handshake_timeout_ms) o->handshake_timeout_ms = 10000;
    if (!o->close_timeout_ms) o->close_timeout_ms = 5000;
    if (!o->write_high_water) o->write_high_water = 1u << 20;
    if (!o->write_low_water || o->write_low_water > o->write_high_water)
        o->write_low_water = o->write_high_water / 4;
    if (!o->write_limit) o->write_limit = (size_t)64 << 20;
    if (o->write_limit < o->write_high_water) o->write_limit = o->write_high_water;
    o->tls = NULL; /* never kept: the context is built at connect/listen time */
}

static wamp_stream *stream_alloc(wamp_loop *loop, const wamp_stream_options *opts)
{
    wamp_stream *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->loop = loop;
    if (opts) s->opts = *opts;
    set_defaults(&s->opts);
    uv_timer_init(&loop->uv, &s->timer);
    s->timer.data = s;
    s->refs = 1; /* the timer handle */
    return s;
}

/* ---------------------------------------------------------------- addresses */

static void fmt_sockaddr(const struct sockaddr_storage *ss, char *out)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        uv_ip4_name(a, ip, sizeof ip);
        snprintf(out, ADDR_MAX, "tcp4:%s:%u", ip, ntohs(a->sin_port));
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        uv_ip6_name(a, ip, sizeof ip);
        snprintf(out, ADDR_MAX, "tcp6:%s:%u", ip, ntohs(a->sin6_port));
    } else {
        snprintf(out, ADDR_MAX, "?");
    }
}

static void fill_addresses(wamp_stream *s)
{
    if (s->kind == WAMP_STREAM_TCP) {
        struct sockaddr_storage ss;
        int len = sizeof ss;
        memset(&ss, 0, sizeof ss);
        if (uv_tcp_getsockname(&s->io.tcp, (struct sockaddr *)&ss, &len) == 0)
            fmt_sockaddr(&ss, s->local);
        len = sizeof ss;
        memset(&ss, 0, sizeof ss);
        if (uv_tcp_getpeername(&s->io.tcp, (struct sockaddr *)&ss, &len) == 0)
            fmt_sockaddr(&ss, s->peer);
    } else {
        /* getsockname/getpeername on the descriptor with a zeroed address: an unnamed end
         * (a connecting client) has an empty path, which libuv's wrappers read past. */
        uv_os_fd_t fd;
        if (uv_fileno(&s->io.h, &fd) != 0) return;
        struct sockaddr_un un;
        socklen_t len = sizeof un;
        memset(&un, 0, sizeof un);
        if (getsockname(fd, (struct sockaddr *)&un, &len) == 0)
            snprintf(s->local, ADDR_MAX, "unix:%.*s", (int)sizeof un.sun_path, un.sun_path);
        len = sizeof un;
        memset(&un, 0, sizeof un);
        if (getpeername(fd, (struct sockaddr *)&un, &len) == 0 && un.sun_path[0])
            snprintf(s->peer, ADDR_MAX, "unix:%.*s", (int)sizeof un.sun_path, un.sun_path);
        else if (s->path)
            snprintf(s->peer, ADDR_MAX, "unix:%s", s->path);
        else
            snprintf(s->peer, ADDR_MAX, "unix:");
    }
}

/* ---------------------------------------------------------------- reading */

static size_t queued(const wamp_stream *s)
{
    return s->q_bytes + s->inflight;
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    wamp_stream *s = h->data;
    buf->base = (char *)s->loop->rbuf;
    buf->len = sizeof s->loop->rbuf;
}

static void on_read(uv_stream_t *h, ssize_t n, const uv_buf_t *buf);

static void update_reading(wamp_stream *s)
{
    bool bp = s->bp_paused && (s->opts.pause_read_on_backpressure > 0 ||
                               (s->opts.pause_read_on_backpressure == 0 && s->is_server));
    bool want = (s->state == ST_OPEN && !bp && !s->user_paused) || s->state == ST_HANDSHAKING;
    s->st.read_paused = s->state == ST_OPEN && !want;
    if (want && !s->reading) {
        if (uv_read_start(&s->io.s, on_alloc, on_read) == 0) s->reading = true;
    } else if (!want && s->reading) {
        uv_read_stop(&s->io.s);
        s->reading = false;
    }
}

static void deliver(wamp_stream *s, const uint8_t *data, size_t n)
{
    s->st.bytes_read += n;
    if (!s->freed && s->cbs.on_read) s->cbs.on_read(s, data, n, s->user);
}

/* True while on_read may still be delivered. */
static bool can_deliver(const wamp_stream *s)
{
    return s->state == ST_OPEN && !s->freed && !s->user_paused;
}

static void on_timeout(uv_timer_t *t);
static void mark_dirty(wamp_stream *s);

static void begin_close(wamp_stream *s, int status)
{
    if (s->state != ST_OPEN) return;
    s->state = ST_CLOSING;
    s->close_status = status;
    update_reading(s);
    /* close_timeout bounds the flush and the TLS/TCP shutdown */
    uv_timer_stop(&s->timer);
    uv_timer_start(&s->timer, on_timeout, s->opts.close_timeout_ms, 0);
    /* the flush at the end of the turn sends what is queued, then proceeds with the close;
     * so no callback ever runs from inside wamp_stream_close() */
    mark_dirty(s);
}

/* ---------------------------------------------------------------- TLS */

static int tls_fail_code(wamp_stream *s)
{
    long v = SSL_get_verify_result(s->ssl);
    ERR_clear_error();
    return v != X509_V_OK ? WAMP_ECERT : WAMP_ETLS;
}

/* Moves TLS output (records) from the write BIO to the socket. */
static void write_chunks(wamp_stream *s, chunk *list, unsigned n, size_t bytes);

static void tls_pump_out(wamp_stream *s)
{
    size_t pend = BIO_ctrl_pending(s->wbio);
    if (!pend) return;
    chunk *c = malloc(sizeof *c + pend);
    if (!c) {
        finish(s, WAMP_ENOMEM);
        return;
    }
    int r = BIO_read(s->wbio, c->data, (int)pend);
    if (r <= 0) {
        free(c);
        return;
    }
    c->next = NULL;
    c->len = c->cap = (size_t)r;
    write_chunks(s, c, 1, c->len);
}

static char *name_string(const X509_NAME *name)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (!b) return NULL;
    X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253);
    char *p;
    long n = BIO_get_mem_data(b, &p);
    char *d = malloc((size_t)n + 1);
    if (d) {
        memcpy(d, p, (size_t)n);
        d[n] = 0;
    }
    BIO_free(b);
    return d;
}

static char *time_string(const ASN1_TIME *t)
{
    ASN1_GENERALIZEDTIME *g = ASN1_TIME_to_generalizedtime(t, NULL);
    if (!g) return NULL;
    char *d = malloc((size_t)g->length + 1);
    if (d) {
        memcpy(d, g->data, (size_t)g->length);
        d[g->length] = 0;
    }
    ASN1_GENERALIZEDTIME_free(g);
    return d;
}

static void tls_collect(wamp_stream *s)
{
    const char *sn = SSL_get_servername(s->ssl, TLSEXT_NAMETYPE_host_name);
    s->server_name = wamp__strdup(sn);
    s->reused = SSL_session_reused(s->ssl) == 1;
    /* tls-unique (RFC 5929): the first Finished message of the latest handshake. Which side
     * sent it follows CPython's ssl.get_channel_binding(), which Autobahn hashes. */
    uint8_t fin[128];
    size_t n;
    if (s->reused != !s->is_server)
        n = SSL_get_finished(s->ssl, fin, sizeof fin);
    else
        n = SSL_get_peer_finished(s->ssl, fin, sizeof fin);
    if (n > 0 && n <= sizeof fin) {
        unsigned int md_len = 0;
        EVP_Digest(fin, n, s->cid_unique, &md_len, EVP_sha256(), NULL);
        static const char label[] = "EXPORTER-Channel-Binding";
        SSL_export_keying_material(s->ssl, s->cid_exporter, 32, label, sizeof label - 1, NULL, 0,
                                   0);
        s->has_cid = true;
    }
    X509 *cert = SSL_get1_peer_certificate(s->ssl);
    if (!cert) return;
    s->cert_subject = name_string(X509_get_subject_name(cert));
    s->cert_issuer = name_string(X509_get_issuer_name(cert));
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
    if (bn) {
        char *hex = BN_bn2hex(bn);
        s->cert_serial = wamp__strdup(hex);
        OPENSSL_free(hex);
        BN_free(bn);
    }
    uint8_t md[32];
    unsigned int mdlen = 0;
    if (X509_digest(cert, EVP_sha256(), md, &mdlen) == 1 && mdlen == 32) {
        s->cert_sha256 = malloc(32 * 3);
        if (s->cert_sha256) {
            for (unsigned i = 0; i < 32; i++)
                snprintf(s->cert_sha256 + i * 3, 4, "%02X%s", md[i], i < 31 ? ":" : "");
        }
    }
    s->cert_nb = time_string(X509_get0_notBefore(cert));
    s->cert_na = time_string(X509_get0_notAfter(cert));
    int len = i2d_X509(cert, NULL);
    if (len > 0 && (s->cert_der = malloc((size_t)len))) {
        uint8_t *p = s->cert_der;
        i2d_X509(cert, &p);
        s->cert_der_len = (size_t)len;
    }
    X509_free(cert);
}

static void opened(wamp_stream *s);

static void tls_handshake(wamp_stream *s)
{
    int r = SSL_do_handshake(s->ssl);
    int err = r == 1 ? SSL_ERROR_NONE : SSL_get_error(s->ssl, r);
    tls_pump_out(s);
    if (s->state != ST_HANDSHAKING) return;
    if (r == 1) {
        tls_collect(s);
        opened(s);
        /* Application data may have arrived together with the last handshake records. */
        if (can_deliver(s)) tls_read_loop(s);
        return;
    }
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return;
    finish(s, tls_fail_code(s));
}

static void tls_read_loop(wamp_stream *s)
{
    while (can_deliver(s)) {
        int r = SSL_read(s->ssl, s->loop->tlsbuf, sizeof s->loop->tlsbuf);
        if (r > 0) {
            deliver(s, s->loop->tlsbuf, (size_t)r);
            continue;
        }
        int err = SSL_get_error(s->ssl, r);
        if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) break;
        if (err == SSL_ERROR_ZERO_RETURN) {
            tls_pump_out(s);
            begin_close(s, WAMP_EPEERCLOSED);
            return;
        }
        ERR_clear_error();
        finish(s, WAMP_ETLS);
        return;
    }
    if (s->state == ST_OPEN || s->state == ST_CLOSING) tls_pump_out(s); /* tickets, key updates */
}

static void on_read(uv_stream_t *h, ssize_t n, const uv_buf_t *buf)
{
    wamp_stream *s = h->data;
    if (n == 0) return;
    if (n < 0) {
        int err = n == UV_EOF ? WAMP_EPEERCLOSED : wamp__net_uverr((int)n);
        if (s->state == ST_OPEN && n == UV_EOF) {
            begin_close(s, WAMP_EPEERCLOSED);
        } else {
            finish(s, err);
        }
        return;
    }
    if (!s->ssl) {
        deliver(s, (const uint8_t *)buf->base, (size_t)n);
        return;
    }
    if (BIO_write(s->rbio, buf->base, (int)n) != (int)n) {
        finish(s, WAMP_ENOMEM);
        return;
    }
    if (s->state == ST_HANDSHAKING)
        tls_handshake(s);
    else
        tls_read_loop(s);
}

/* ---------------------------------------------------------------- writing */

static void on_written(uv_write_t *req, int status)
{
    wreq *w = (wreq *)req;
    wamp_stream *s = w->s;
    s->inflight -= w->bytes;
    recycle_chunks(s->loop, w->chunks);
    free(w);
    if (s->state != ST_CLOSED) {
        if (status < 0) {
            int err = wamp__net_uverr(status);
            if (err == WAMP_EPEERCLOSED) err = WAMP_ECONNRESET;
            /* the peer went away first while we answered its close: that is its close */
            if (s->state == ST_CLOSING && s->close_status == WAMP_EPEERCLOSED)
                err = WAMP_EPEERCLOSED;
            finish(s, err);
        } else {
            if (s->bp_paused && queued(s) <= s->opts.write_low_water) {
                s->bp_paused = false;
                update_reading(s);
                if (!s->freed && s->state == ST_OPEN && s->cbs.on_drain)
                    s->cbs.on_drain(s, s->user);
            }
            if (s->state == ST_CLOSING) maybe_proceed_close(s);
        }
    }
    unref(s);
}

static void write_chunks(wamp_stream *s, chunk *list, unsigned n, size_t bytes)
{
    wreq *w = malloc(sizeof *w + n * sizeof(uv_buf_t));
    if (!w) {
        free_chunks(list);
        finish(s, WAMP_ENOMEM);
        return;
    }
    w->s = s;
    w->chunks = list;
    w->bytes = bytes;
    w->n = n;
    unsigned i = 0;
    for (chunk *c = list; c; c = c->next)
        w->bufs[i++] = uv_buf_init((char *)c->data, c->len);
    s->inflight += bytes;
    s->handed += bytes;
    s->st.writes++;
    if (queued(s) > s->st.write_queued_peak) s->st.write_queued_peak = queued(s);
    s->refs++;
    int r = uv_write(&w->req, &s->io.s, w->bufs, n, on_written);
    if (r != 0) {
        s->inflight -= bytes;
        free_chunks(list);
        free(w);
        s->refs--;
        finish(s, wamp__net_uverr(r));
    }
}

static void flush_now(wamp_stream *s)
{
    if (!s->q_head) return;
    chunk *list = s->q_head;
    size_t bytes = s->q_bytes;
    s->q_head = s->q_tail = NULL;
    s->q_bytes = 0;
    if (!s->ssl) {
        unsigned n = 0;
        for (chunk *c = list; c; c = c->next)
            n++;
        write_chunks(s, list, n, bytes);
        return;
    }
    for (chunk *c = list; c; c = c->next) {
        if (SSL_write(s->ssl, c->data, (int)c->len) <= 0) {
            free_chunks(list);
            ERR_clear_error();
            finish(s, WAMP_ETLS);
            return;
        }
    }
    free_chunks(list);
    tls_pump_out(s);
}

void wamp__stream_flush(wamp_stream *s)
{
    s->dirty = false;
    if (s->state == ST_OPEN || s->state == ST_CLOSING) {
        flush_now(s);
        if (s->state == ST_CLOSING) maybe_proceed_close(s);
    }
    unref(s); /* the dirty-list reference */
}

static void mark_dirty(wamp_stream *s)
{
    if (s->dirty) return;
    s->dirty = true;
    s->refs++;
    wamp__net_mark_dirty(s->loop, s);
}

int wamp_stream_writev(wamp_stream *s, const wamp_iovec *iov, size_t n)
{
    if (!s || (n && !iov)) return WAMP_EINVAL;
    if (s->state != ST_OPEN) return WAMP_ECLOSED;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (iov[i].len > SIZE_MAX - total) return WAMP_ELIMIT;
        total += iov[i].len;
    }
    if (total == 0) return WAMP_OK;
    if (total > s->opts.write_limit || queued(s) > s->opts.write_limit - total) {
        s->st.writes_refused++;
        return WAMP_ELIMIT;
    }
    chunk *t = s->q_tail;
    size_t room = t ? t->cap - t->len : 0;
    chunk *c = NULL;
    if (total > room) {
        /* one new chunk takes what does not fit in the tail's room */
        size_t cap = total - room < CHUNK_MIN ? CHUNK_MIN : total - room;
        c = chunk_new(s->loop, cap);
        if (!c) return WAMP_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = iov[i].base;
        size_t len = iov[i].len;
        if (t && t->len < t->cap) {
            size_t k = t->cap - t->len < len ? t->cap - t->len : len;
            memcpy(t->data + t->len, p, k);
            t->len += k;
            p += k;
            len -= k;
        }
        if (len) {
            memcpy(c->data + c->len, p, len);
            c->len += len;
        }
    }
    if (c) {
        if (t)
            t->next = c;
        else
            s->q_head = c;
        s->q_tail = c;
    }
    s->q_bytes += total;
    s->st.bytes_written += total;
    if (queued(s) > s->st.write_queued_peak) s->st.write_queued_peak = queued(s);
    mark_dirty(s);
    if (!s->bp_paused && queued(s) > s->opts.write_high_water) {
        s->bp_paused = true;
        s->st.backpressure_pauses++;
        update_reading(s);
    }
    return WAMP_OK;
}

/* wamp_stream_write_buffer when the tail chunk has no room: a new chunk (the space must be
 * contiguous; the tail's rest stays unused). Out of line: it runs once per CHUNK_MIN bytes. */
static __attribute__((noinline)) uint8_t *new_tail(wamp_stream *s, size_t len)
{
    chunk *c = chunk_new(s->loop, len < CHUNK_MIN ? CHUNK_MIN : len);
    if (!c) return NULL;
    if (s->q_tail)
        s->q_tail->next = c;
    else
        s->q_head = c;
    s->q_tail = c;
    return c->data;
}

static __attribute__((noinline)) void after_reserve(wamp_stream *s, size_t q)
{
    if (q > s->st.write_queued_peak) s->st.write_queued_peak = q;
    mark_dirty(s);
    if (!s->bp_paused && q > s->opts.write_high_water) {
        s->bp_paused = true;
        s->st.backpressure_pauses++;
        update_reading(s);
    }
}

static __attribute__((noinline)) int write_buffer_slow(wamp_stream *s, size_t len, uint8_t **out)
{
    if (out) *out = NULL;
    if (!s || !out || len == 0) return WAMP_EINVAL;
    if (s->state != ST_OPEN) return WAMP_ECLOSED;
    size_t q = queued(s);
    if (len > s->opts.write_limit || q > s->opts.write_limit - len) {
        s->st.writes_refused++;
        return WAMP_ELIMIT;
    }
    chunk *t = s->q_tail;
    if (!t || t->cap - t->len < len) {
        if (!new_tail(s, len)) return WAMP_ENOMEM;
        t = s->q_tail;
    }
    *out = t->data + t->len;
    t->len += len;
    s->q_bytes += len;
    s->st.bytes_written += len;
    after_reserve(s, q + len);
    return WAMP_OK;
}

int wamp_stream_write_buffer(wamp_stream *s, size_t len, uint8_t **out)
{
    /* Per message, the common case: room in the tail chunk, the stream already dirty (flush
     * scheduled), below the limits. It calls nothing, so it needs no stack frame. */
    chunk *t;
    if (s && out && len && s->state == ST_OPEN && s->dirty && (t = s->q_tail) &&
        t->cap - t->len >= len && len <= s->opts.write_limit) {
        size_t q = queued(s);
        if (q <= s->opts.write_limit - len && q + len <= s->opts.write_high_water) {
            q += len;
            *out = t->data + t->len;
            t->len += len;
            s->q_bytes += len;
            s->st.bytes_written += len;
            if (q > s->st.write_queued_peak) s->st.write_queued_peak = q;
            return WAMP_OK;
        }
    }
    return write_buffer_slow(s, len, out);
}

int wamp_stream_write(wamp_stream *s, const void *data, size_t len)
{
    wamp_iovec v = {data, len};
    return wamp_stream_writev(s, &v, 1);
}

/* ---------------------------------------------------------------- closing */

static void on_shutdown(uv_shutdown_t *req, int status)
{
    wamp_stream *s = req->data;
    if (s->state == ST_CLOSING) finish(s, s->close_status);
    unref(s);
}

static void maybe_proceed_close(wamp_stream *s)
{
    if (s->state != ST_CLOSING || queued(s) != 0) return;
    if (s->ssl && !s->tls_shutdown_sent) {
        s->tls_shutdown_sent = true;
        SSL_shutdown(s->ssl); /* queues close_notify; we do not wait for the peer's */
        ERR_clear_error();
        tls_pump_out(s);
        if (s->state != ST_CLOSING || queued(s) != 0) return;
    }
    if (s->shutdown_sent) return;
    s->shutdown_sent = true;
    s->sreq.data = s;
    s->refs++;
    if (uv_shutdown(&s->sreq, &s->io.s, on_shutdown) != 0) {
        s->refs--;
        finish(s, s->close_status);
    }
}

static void hs_unlink(wamp_stream *s)
{
    if (!s->srv) return;
    if (s->hs_prev)
        s->hs_prev->hs_next = s->hs_next;
    else
        s->srv->hs_head = s->hs_next;
    if (s->hs_next) s->hs_next->hs_prev = s->hs_prev;
    s->hs_prev = s->hs_next = NULL;
    s->srv = NULL;
}

static void finish(wamp_stream *s, int status)
{
    if (s->state == ST_CLOSED) return;
    int prev = s->state;
    s->state = ST_CLOSED;
    s->refs++; /* keep s alive through the callbacks below */
    if (s->srv) {
        s->srv->st.handshake_failed++;
        hs_unlink(s);
    }
    free_chunks(s->q_head);
    s->q_head = s->q_tail = NULL;
    s->q_bytes = 0;
    if (!uv_is_closing((uv_handle_t *)&s->timer)) {
        uv_timer_stop(&s->timer);
        uv_close((uv_handle_t *)&s->timer, on_handle_closed);
    }
    if (s->io_init && !uv_is_closing(&s->io.h)) uv_close(&s->io.h, on_handle_closed);
    if (prev == ST_RESOLVING) uv_cancel((uv_req_t *)&s->gai);
    if (!s->freed) {
        if (s->opened) {
            if (s->cbs.on_close) s->cbs.on_close(s, status, s->user);
        } else if (s->connect_cb) {
            s->connect_cb(s, status, s->connect_user);
        }
    }
    s->freed = true;
    unref(s);
}

static void on_timeout(uv_timer_t *t)
{
    wamp_stream *s = t->data;
    finish(s, WAMP_ETIMEOUT);
}

void wamp_stream_close(wamp_stream *s)
{
    if (!s || s->freed) return;
    if (s->state == ST_OPEN) {
        begin_close(s, WAMP_OK);
    } else if (s->state < ST_OPEN) {
        wamp_stream_free(s);
    }
}

void wamp_stream_free(wamp_stream *s)
{
    if (!s) return;
    s->freed = true;
    finish(s, WAMP_ECANCELED);
}

/* ---------------------------------------------------------------- open */

static void opened(wamp_stream *s)
{
    uv_timer_stop(&s->timer);
    s->state = ST_OPEN;
    s->opened = true;
    fill_addresses(s);
    if (s->is_server) {
        wamp_stream_server *srv = s->srv;
        hs_unlink(s);
        srv->st.delivered++;
        srv->cb(srv, s, srv->user);
    } else if (s->connect_cb) {
        s->connect_cb(s, WAMP_OK, s->connect_user);
    }
    if (s->state == ST_OPEN && !s->freed) update_reading(s);
}

static int tls_start(wamp_stream *s, const char *verify_host)
{
    s->ssl = SSL_new(wamp__tls_ctx_ssl_ctx(s->tls));
    if (!s->ssl) return WAMP_ENOMEM;
    s->rbio = BIO_new(BIO_s_mem());
    s->wbio = BIO_new(BIO_s_mem());
    if (!s->rbio || !s->wbio) {
        BIO_free(s->rbio);
        BIO_free(s->wbio);
        s->rbio = s->wbio = NULL;
        return WAMP_ENOMEM;
    }
    BIO_set_mem_eof_return(s->rbio, -1);
    BIO_set_mem_eof_return(s->wbio, -1);
    SSL_set_bio(s->ssl, s->rbio, s->wbio);
    if (s->is_server) {
        SSL_set_accept_state(s->ssl);
    } else {
        SSL_set_connect_state(s->ssl);
        const char *name = wamp__tls_ctx_server_name(s->tls);
        if (!name) name = verify_host;
        if (name && *name) {
            unsigned char tmp[16];
            bool is_ip = inet_pton(AF_INET, name, tmp) == 1 || inet_pton(AF_INET6, name, tmp) == 1;
            if (!is_ip) SSL_set_tlsext_host_name(s->ssl, name);
            if (!wamp__tls_ctx_skip_verify(s->tls)) {
                X509_VERIFY_PARAM *vp = SSL_get0_param(s->ssl);
                int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(vp, name)
                               : X509_VERIFY_PARAM_set1_host(vp, name, 0);
                if (ok != 1) return WAMP_ETLS;
            }
        }
    }
    s->state = ST_HANDSHAKING;
    uv_timer_stop(&s->timer);
    uv_timer_start(&s->timer, on_timeout, s->opts.handshake_timeout_ms, 0);
    update_reading(s);
    if (!s->is_server) tls_handshake(s);
    return WAMP_OK;
}

static void connected(wamp_stream *s)
{
    if (s->kind == WAMP_STREAM_TCP && !s->opts.no_tcp_nodelay) uv_tcp_nodelay(&s->io.tcp, 1);
    if (!s->tls) {
        opened(s);
        return;
    }
    int r = tls_start(s, s->host);
    if (r != 0) finish(s, r);
}

static void try_next(wamp_stream *s);

static void on_attempt_closed(uv_handle_t *h)
{
    wamp_stream *s = h->data;
    s->io_init = false;
    if (s->state == ST_CONNECTING) try_next(s);
    unref(s);
}

static void on_connect(uv_connect_t *req, int status)
{
    wamp_stream *s = req->data;
    if (s->state == ST_CONNECTING) {
        if (status == 0) {
            connected(s);
        } else if (s->kind == WAMP_STREAM_TCP && s->ai_next) {
            s->last_err = wamp__net_uverr(status);
            uv_close(&s->io.h, on_attempt_closed); /* handle reference moves to the close */
            unref(s);
            return;
        } else {
            finish(s, wamp__net_uverr(status));
        }
    }
    unref(s);
}

static void try_next(wamp_stream *s)
{
    while (s->ai_next) {
        struct addrinfo *ai = s->ai_next;
        s->ai_next = ai->ai_next;
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
        uv_tcp_init(&s->loop->uv, &s->io.tcp);
        s->io.h.data = s;
        s->io_init = true;
        s->refs++;
        s->creq.data = s;
        int r = uv_tcp_connect(&s->creq, &s->io.tcp, ai->ai_addr, on_connect);
        if (r == 0) {
            s->refs++;
            return;
        }
        s->last_err = wamp__net_uverr(r);
        uv_close(&s->io.h, on_attempt_closed);
        return;
    }
    finish(s, s->last_err ? s->last_err : WAMP_ERESOLVE);
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    wamp_stream *s = req->data;
    if (s->state != ST_RESOLVING) {
        if (res) uv_freeaddrinfo(res);
        unref(s);
        return;
    }
    if (status != 0 || !res) {
        if (res) uv_freeaddrinfo(res);
        finish(s, status == UV_ECANCELED ? WAMP_ECANCELED : WAMP_ERESOLVE);
        unref(s);
        return;
    }
    s->ai_list = s->ai_next = res;
    s->state = ST_CONNECTING;
    try_next(s);
    unref(s);
}

static int connect_common(wamp_loop *loop, const wamp_stream_options *opts,
                          wamp_stream_connect_cb cb, void *user, wamp_stream **out,
                          wamp_stream **sp)
{
    if (!loop || !cb) return WAMP_EINVAL;
    wamp_stream *s = stream_alloc(loop, opts);
    if (!s) return WAMP_ENOMEM;
    if (opts && opts->tls) {
        int r = wamp__tls_ctx_new(opts->tls, false, &s->tls);
        if (r != 0) {
            s->state = ST_CLOSED;
            uv_close((uv_handle_t *)&s->timer, on_handle_closed);
            return r;
        }
    }
    s->connect_cb = cb;
    s->connect_user = user;
    uv_timer_start(&s->timer, on_timeout, s->opts.connect_timeout_ms, 0);
    *sp = s;
    if (out) *out = s;
    return WAMP_OK;
}

int wamp_stream_connect_tcp(wamp_loop *loop, const char *host, uint16_t port,
                            const wamp_stream_options *opts, wamp_stream_connect_cb cb, void *user,
                            wamp_stream **out)
{
    if (!host || !*host) return WAMP_EINVAL;
    wamp_stream *s;
    int r = connect_common(loop, opts, cb, user, out, &s);
    if (r != 0) return r;
    s->kind = WAMP_STREAM_TCP;
    /* strip brackets of an IPv6 literal "[::1]" */
    size_t hl = strlen(host);
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
        s->host = malloc(hl - 1);
        if (s->host) {
            memcpy(s->host, host + 1, hl - 2);
            s->host[hl - 2] = 0;
        }
    } else {
        s->host = wamp__strdup(host);
    }
    if (!s->host) {
        wamp_stream_free(s);
        return WAMP_ENOMEM;
    }
    char service[8];
    snprintf(service, sizeof service, "%u", port);
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    s->state = ST_RESOLVING;
    s->gai.data = s;
    s->refs++;
    r = uv_getaddrinfo(&loop->uv, &s->gai, on_resolved, s->host, service, &hints);
    if (r != 0) {
        s->refs--;
        if (out) *out = NULL;
        wamp_stream_free(s);
        return WAMP_ERESOLVE;
    }
    return WAMP_OK;
}

int wamp_stream_connect_unix(wamp_loop *loop, const char *path, const wamp_stream_options *opts,
                             wamp_stream_connect_cb cb, void *user, wamp_stream **out)
{
    if (!path || !*path) return WAMP_EINVAL;
    wamp_stream *s;
    int r = connect_common(loop, opts, cb, user, out, &s);
    if (r != 0) return r;
    s->kind = WAMP_STREAM_UNIX;
    s->path = wamp__strdup(path);
    if (!s->path || uv_pipe_init(&loop->uv, &s->io.pipe, 0) != 0) {
        if (out) *out = NULL;
        wamp_stream_free(s);
        return WAMP_ENOMEM;
    }
    s->io.h.data = s;
    s->io_init = true;
    s->refs++;
    s->state = ST_CONNECTING;
    s->creq.data = s;
    s->refs++;
    uv_pipe_connect(&s->creq, &s->io.pipe, s->path, on_connect);
    return WAMP_OK;
}

void wamp_stream_set_callbacks(wamp_stream *s, const wamp_stream_callbacks *cbs, void *user)
{
    if (!s) return;
    if (cbs)
        s->cbs = *cbs;
    else
        memset(&s->cbs, 0, sizeof s->cbs);
    s->user = user;
}

void wamp_stream_read_stop(wamp_stream *s)
{
    if (!s || s->user_paused) return;
    s->user_paused = true;
    if (s->state == ST_OPEN) update_reading(s);
}

static void resume_tls(uv_timer_t *t);

void wamp_stream_read_start(wamp_stream *s)
{
    if (!s || !s->user_paused) return;
    s->user_paused = false;
    if (s->state != ST_OPEN) return;
    update_reading(s);
    /* TLS may hold decrypted records already read from the socket: deliver them next turn. */
    if (s->ssl && (SSL_pending(s->ssl) > 0 || BIO_ctrl_pending(s->rbio) > 0)) {
        uv_timer_stop(&s->timer);
        uv_timer_start(&s->timer, resume_tls, 0, 0);
    }
}

static void resume_tls(uv_timer_t *t)
{
    wamp_stream *s = t->data;
    if (can_deliver(s)) tls_read_loop(s);
}

size_t wamp__stream_queued(const wamp_stream *s)
{
    return queued(s);
}

void wamp_stream_get_stats(const wamp_stream *s, wamp_stream_stats *out)
{
    *out = s->st;
    out->write_queued = queued(s);
    /* bytes handed to libuv minus what it still holds: progress of a partial big write too */
    size_t pending = s->io_init && !uv_is_closing(&s->io.h)
                         ? uv_stream_get_write_queue_size((const uv_stream_t *)&s->io.s)
                         : 0;
    out->bytes_sent = s->handed > pending ? s->handed - pending : 0;
}

void wamp_stream_get_info(const wamp_stream *s, wamp_stream_info *o)
{
    memset(o, 0, sizeof *o);
    o->kind = s->kind;
    o->is_server = s->is_server;
    o->is_secure = s->ssl != NULL;
    o->fd = -1;
    uv_os_fd_t fd;
    if (s->io_init && !uv_is_closing(&s->io.h) && uv_fileno(&s->io.h, &fd) == 0) o->fd = fd;
    o->local = s->local;
    o->peer = s->peer;
    if (!s->ssl || !s->opened) return;
    o->tls_version = SSL_get_version(s->ssl);
    o->tls_cipher = SSL_get_cipher_name(s->ssl);
    o->server_name = s->server_name;
    o->session_reused = s->reused;
    o->has_channel_id = s->has_cid;
    memcpy(o->channel_id_tls_unique, s->cid_unique, 32);
    memcpy(o->channel_id_tls_exporter, s->cid_exporter, 32);
    o->has_peer_cert = s->cert_der != NULL;
    o->peer_cert_subject = s->cert_subject;
    o->peer_cert_issuer = s->cert_issuer;
    o->peer_cert_serial = s->cert_serial;
    o->peer_cert_sha256 = s->cert_sha256;
    o->peer_cert_not_before = s->cert_nb;
    o->peer_cert_not_after = s->cert_na;
    o->peer_cert_der = s->cert_der;
    o->peer_cert_der_len = s->cert_der_len;
}

wamp_loop *wamp_stream_loop(const wamp_stream *s)
{
    return s->loop;
}

/* ---------------------------------------------------------------- servers */

static void on_connection(uv_stream_t *server, int status)
{
    wamp_stream_server *srv = server->data;
    if (status < 0) return;
    wamp_stream *s = stream_alloc(srv->loop, &srv->opts);
    if (!s) return;
    s->opts = srv->opts;
    s->kind = srv->kind;
    s->is_server = true;
    if (srv->kind == WAMP_STREAM_TCP)
        uv_tcp_init(&srv->loop->uv, &s->io.tcp);
    else
        uv_pipe_init(&srv->loop->uv, &s->io.pipe, 0);
    s->io.h.data = s;
    s->io_init = true;
    s->refs++;
    s->state = ST_CONNECTING;
    if (uv_accept(server, &s->io.s) != 0) {
        s->freed = true;
        finish(s, WAMP_EIO);
        return;
    }
    srv->st.accepted++;
    s->srv = srv;
    s->hs_next = srv->hs_head;
    if (srv->hs_head) srv->hs_head->hs_prev = s;
    srv->hs_head = s;
    if (srv->kind == WAMP_STREAM_TCP && !s->opts.no_tcp_nodelay) uv_tcp_nodelay(&s->io.tcp, 1);
    if (!srv->tls) {
        opened(s);
        return;
    }
    s->tls = srv->tls;
    wamp__tls_ctx_ref(s->tls);
    int r = tls_start(s, NULL);
    if (r != 0) {
        s->freed = true;
        finish(s, r);
    }
}

static int server_alloc(wamp_loop *loop, const wamp_stream_options *opts, wamp_stream_accept_cb cb,
                        void *user, wamp_stream_server **out)
{
    if (!loop || !cb || !out) return WAMP_EINVAL;
    wamp_stream_server *srv = calloc(1, sizeof *srv);
    if (!srv) return WAMP_ENOMEM;
    srv->loop = loop;
    if (opts) srv->opts = *opts;
    set_defaults(&srv->opts);
    srv->cb = cb;
    srv->user = user;
    if (opts && opts->tls) {
        int r = wamp__tls_ctx_new(opts->tls, true, &srv->tls);
        if (r != 0) {
            free(srv);
            return r;
        }
    }
    *out = srv;
    return WAMP_OK;
}

static void free_server_mem(uv_handle_t *h)
{
    wamp_stream_server *srv = h->data;
    wamp__tls_ctx_unref(srv->tls);
    free(srv->path);
    free(srv);
}

int wamp_stream_listen_tcp(wamp_loop *loop, const char *host, uint16_t port,
                           const wamp_stream_options *opts, wamp_stream_accept_cb cb, void *user,
                           wamp_stream_server **out)
{
    wamp_stream_server *srv;
    int r = server_alloc(loop, opts, cb, user, &srv);
    if (r != 0) return r;
    srv->kind = WAMP_STREAM_TCP;
    if (!host || !*host) host = "0.0.0.0";
    char h[INET6_ADDRSTRLEN + 2];
    size_t hl = strlen(host);
    if (hl >= 2 && hl < sizeof h && host[0] == '[' && host[hl - 1] == ']') {
        memcpy(h, host + 1, hl - 2);
        h[hl - 2] = 0;
        host = h;
    }
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    if (uv_ip4_addr(host, port, (struct sockaddr_in *)&ss) != 0 &&
        uv_ip6_addr(host, port, (struct sockaddr_in6 *)&ss) != 0) {
        uv_getaddrinfo_t req;
        struct addrinfo hints;
        memset(&hints, 0, sizeof hints);
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_PASSIVE;
        if (uv_getaddrinfo(&loop->uv, &req, NULL, host, NULL, &hints) != 0 || !req.addrinfo) {
            wamp__tls_ctx_unref(srv->tls);
            free(srv);
            return WAMP_ERESOLVE;
        }
        memcpy(&ss, req.addrinfo->ai_addr, req.addrinfo->ai_addrlen);
        uv_freeaddrinfo(req.addrinfo);
        if (ss.ss_family == AF_INET)
            ((struct sockaddr_in *)&ss)->sin_port = htons(port);
        else
            ((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
    }
    uv_tcp_init(&loop->uv, &srv->io.tcp);
    srv->io.h.data = srv;
    unsigned flags = (ss.ss_family == AF_INET6 && srv->opts.ipv6_only) ? UV_TCP_IPV6ONLY : 0;
    r = uv_tcp_bind(&srv->io.tcp, (struct sockaddr *)&ss, flags);
    if (r == 0) r = uv_listen(&srv->io.s, 511, on_connection);
    if (r != 0) {
        uv_close(&srv->io.h, free_server_mem);
        return WAMP_EIO;
    }
    int len = sizeof ss;
    if (uv_tcp_getsockname(&srv->io.tcp, (struct sockaddr *)&ss, &len) == 0)
        srv->port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                                  : ((struct sockaddr_in6 *)&ss)->sin6_port);
    *out = srv;
    return WAMP_OK;
}

int wamp_stream_listen_unix(wamp_loop *loop, const char *path, const wamp_stream_options *opts,
                            wamp_stream_accept_cb cb, void *user, wamp_stream_server **out)
{
    if (!path || !*path) return WAMP_EINVAL;
    wamp_stream_server *srv;
    int r = server_alloc(loop, opts, cb, user, &srv);
    if (r != 0) return r;
    srv->kind = WAMP_STREAM_UNIX;
    srv->path = wamp__strdup(path);
    uv_pipe_init(&loop->uv, &srv->io.pipe, 0);
    srv->io.h.data = srv;
    if (!srv->path) {
        uv_close(&srv->io.h, free_server_mem);
        return WAMP_ENOMEM;
    }
    unlink(path); /* a stale socket file from an earlier run */
    r = uv_pipe_bind(&srv->io.pipe, path);
    if (r == 0) r = uv_listen(&srv->io.s, 511, on_connection);
    if (r != 0) {
        free(srv->path);
        srv->path = NULL;
        uv_close(&srv->io.h, free_server_mem);
        return WAMP_EIO;
    }
    *out = srv;
    return WAMP_OK;
}

uint16_t wamp_stream_server_port(const wamp_stream_server *srv)
{
    return srv->port;
}

void wamp_stream_server_get_stats(const wamp_stream_server *srv, wamp_stream_server_stats *out)
{
    *out = srv->st;
}

void wamp_stream_server_free(wamp_stream_server *srv)
{
    if (!srv) return;
    while (srv->hs_head) {
        wamp_stream *s = srv->hs_head;
        hs_unlink(s);
        wamp_stream_free(s);
    }
    if (srv->path) unlink(srv->path);
    uv_close(&srv->io.h, free_server_mem);
}
