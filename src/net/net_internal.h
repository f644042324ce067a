/* libwamp runtime — private declarations shared by the files of src/net. */
#ifndef WAMP_NET_INTERNAL_H
#define WAMP_NET_INTERNAL_H

#include <uv.h>

#include "wamp/net.h"

typedef struct wamp__post_item wamp__post_item;

/* Read buffer shared by all streams of a loop: on_read runs synchronously, so one suffices. */
#define WAMP__READ_BUF 262144

struct wamp_loop {
    uv_loop_t uv;
    uv_async_t async;   /* wakes the loop for wamp_loop_post() */
    uv_prepare_t flush; /* flushes the write queues of dirty streams once per turn */
    uv_mutex_t post_mu;
    wamp__post_item *post_head, *post_tail;
    wamp_stream *dirty; /* streams with queued, unflushed writes (intrusive list) */
    bool running;
    bool flush_active;
    /* write-queue chunks of CHUNK_MIN bytes kept for reuse by the loop's streams (at most
     * WAMP__CHUNK_SPARE): a busy connection then writes into warm memory without a malloc and
     * a free per 16 KiB of output */
    void *chunk_spare;
    unsigned chunk_nspare;
    uint8_t rbuf[WAMP__READ_BUF];   /* socket reads (ciphertext for TLS) */
    uint8_t tlsbuf[WAMP__READ_BUF]; /* TLS plaintext */
};

#define WAMP__CHUNK_SPARE 16
/* Frees the loop's spare write-queue chunks (wamp_loop_free). Defined in stream.c. */
void wamp__stream_pool_free(wamp_loop *loop);

/* Marks s as having queued writes; its flush runs at the end of the loop turn. */
void wamp__net_mark_dirty(wamp_loop *loop, wamp_stream *s);
/* Flushes one stream (called by the loop's prepare handle). Defined in stream.c. */
void wamp__stream_flush(wamp_stream *s);
/* Intrusive dirty-list link of a stream (defined in stream.c). */
wamp_stream **wamp__stream_next_dirty(wamp_stream *s);

/* Bytes queued on s and not yet accepted by the kernel (wamp_stream_stats.write_queued),
 * without filling a whole stats struct (the per-message send path asks). */
size_t wamp__stream_queued(const wamp_stream *s);

/* Maps a libuv error to a wamp_err. */
int wamp__net_uverr(int uverr);

/* ---- TLS (tls.c) ---- */
typedef struct wamp__tls_ctx wamp__tls_ctx;
/* Builds an SSL_CTX from options; is_server selects the role. */
int wamp__tls_ctx_new(const wamp_tls_options *o, bool is_server, wamp__tls_ctx **out);
void wamp__tls_ctx_ref(wamp__tls_ctx *c);
void wamp__tls_ctx_unref(wamp__tls_ctx *c);
void *wamp__tls_ctx_ssl_ctx(wamp__tls_ctx *c);           /* SSL_CTX * */
const char *wamp__tls_ctx_server_name(wamp__tls_ctx *c); /* client only, may be NULL */
bool wamp__tls_ctx_skip_verify(wamp__tls_ctx *c);

#endif
