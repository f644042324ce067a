/* libwamp runtime — the loop wrapper over libuv: post, per-turn write flush, timers, hooks. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "net/net_internal.h"

struct wamp__post_item {
    wamp__post_item *next;
    wamp_post_cb fn;
    void *user;
};

int wamp__net_uverr(int e)
{
    switch (e) {
    case 0: return WAMP_OK;
    case UV_ENOMEM: return WAMP_ENOMEM;
    case UV_EINVAL: return WAMP_EINVAL;
    case UV_ECONNREFUSED: return WAMP_ECONNREFUSED;
    case UV_ECONNRESET:
    case UV_EPIPE:
    case UV_ECONNABORTED:
    case UV_ENETUNREACH:
    case UV_EHOSTUNREACH: return WAMP_ECONNRESET;
    case UV_ENOENT: return WAMP_ECONNREFUSED; /* unix socket path without a listener */
    case UV_ETIMEDOUT: return WAMP_ETIMEOUT;
    case UV_ECANCELED: return WAMP_ECANCELED;
    case UV_EOF: return WAMP_EPEERCLOSED;
    case UV_EAI_NONAME:
    case UV_EAI_AGAIN:
    case UV_EAI_FAIL:
    case UV_EAI_NODATA:
    case UV_EAI_FAMILY:
    case UV_EAI_SERVICE: return WAMP_ERESOLVE;
    default: return WAMP_EIO;
    }
}

static void on_async(uv_async_t *a)
{
    wamp_loop *loop = a->data;
    uv_mutex_lock(&loop->post_mu);
    wamp__post_item *it = loop->post_head;
    loop->post_head = loop->post_tail = NULL;
    uv_mutex_unlock(&loop->post_mu);
    while (it) {
        wamp__post_item *next = it->next;
        it->fn(loop, it->user);
        free(it);
        it = next;
    }
}

static void on_flush(uv_prepare_t *p)
{
    wamp_loop *loop = p->data;
    /* A flush may mark other streams dirty (never the same one twice in a row without new
     * writes), so drain until the list stays empty. */
    while (loop->dirty) {
        wamp_stream *s = loop->dirty;
        loop->dirty = *wamp__stream_next_dirty(s);
        *wamp__stream_next_dirty(s) = NULL;
        wamp__stream_flush(s);
    }
    uv_prepare_stop(p);
    loop->flush_active = false;
}

void wamp__net_mark_dirty(wamp_loop *loop, wamp_stream *s)
{
    *wamp__stream_next_dirty(s) = loop->dirty;
    loop->dirty = s;
    if (!loop->flush_active) {
        uv_prepare_start(&loop->flush, on_flush);
        loop->flush_active = true;
    }
}

int wamp_loop_new(wamp_loop **out)
{
    if (!out) return WAMP_EINVAL;
    /* A write to a socket the peer closed must give EPIPE, not kill the process. Only the
     * default disposition is replaced; an application's own SIGPIPE handler is kept. */
    struct sigaction sa;
    if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) signal(SIGPIPE, SIG_IGN);
    wamp_loop *loop = calloc(1, sizeof *loop);
    if (!loop) return WAMP_ENOMEM;
    if (uv_loop_init(&loop->uv) != 0) {
        free(loop);
        return WAMP_EIO;
    }
    loop->uv.data = loop;
    if (uv_mutex_init(&loop->post_mu) != 0) {
        uv_loop_close(&loop->uv);
        free(loop);
        return WAMP_EIO;
    }
    uv_async_init(&loop->uv, &loop->async, on_async);
    loop->async.data = loop;
    uv_unref((uv_handle_t *)&loop->async); /* posting alone does not keep the loop alive */
    uv_prepare_init(&loop->uv, &loop->flush);
    loop->flush.data = loop;
    *out = loop;
    return WAMP_OK;
}

static void count_live(uv_handle_t *h, void *arg)
{
    wamp_loop *loop = h->loop->data;
    if (h == (uv_handle_t *)&loop->async || h == (uv_handle_t *)&loop->flush) return;
    if (!uv_is_closing(h)) (*(int *)arg)++;
}

int wamp_loop_free(wamp_loop *loop)
{
    if (!loop) return WAMP_OK;
    if (loop->running) return WAMP_ESTATE;
    int live = 0;
    uv_walk(&loop->uv, count_live, &live);
    if (live) return WAMP_ESTATE;
    on_flush(&loop->flush); /* drops references held by the dirty list */
    uv_close((uv_handle_t *)&loop->async, NULL);
    uv_close((uv_handle_t *)&loop->flush, NULL);
    /* Completes internal teardown: close callbacks, cancelled requests. */
    while (uv_run(&loop->uv, UV_RUN_DEFAULT) != 0) {
    }
    if (uv_loop_close(&loop->uv) != 0) return WAMP_ESTATE;
    wamp__stream_pool_free(loop);
    wamp__post_item *it = loop->post_head;
    while (it) {
        wamp__post_item *next = it->next;
        free(it);
        it = next;
    }
    uv_mutex_destroy(&loop->post_mu);
    free(loop);
    return WAMP_OK;
}

int wamp_loop_run(wamp_loop *loop, wamp_run_mode mode)
{
    if (!loop || loop->running) return WAMP_EINVAL;
    uv_run_mode m = mode == WAMP_RUN_ONCE     ? UV_RUN_ONCE
                    : mode == WAMP_RUN_NOWAIT ? UV_RUN_NOWAIT
                                              : UV_RUN_DEFAULT;
    loop->running = true;
    int r = uv_run(&loop->uv, m);
    loop->running = false;
    return r;
}

void wamp_loop_stop(wamp_loop *loop)
{
    if (loop) uv_stop(&loop->uv);
}

uint64_t wamp_loop_now(const wamp_loop *loop)
{
    return uv_now(&loop->uv);
}

int wamp_loop_post(wamp_loop *loop, wamp_post_cb fn, void *user)
{
    if (!loop || !fn) return WAMP_EINVAL;
    wamp__post_item *it = malloc(sizeof *it);
    if (!it) return WAMP_ENOMEM;
    it->next = NULL;
    it->fn = fn;
    it->user = user;
    uv_mutex_lock(&loop->post_mu);
    if (loop->post_tail)
        loop->post_tail->next = it;
    else
        loop->post_head = it;
    loop->post_tail = it;
    uv_mutex_unlock(&loop->post_mu);
    uv_async_send(&loop->async);
    return WAMP_OK;
}

/* ---------------------------------------------------------------- timers */

struct wamp_timer {
    uv_timer_t t;
    wamp_timer_cb cb;
    void *user;
};

static void on_timer(uv_timer_t *t)
{
    wamp_timer *tm = t->data;
    tm->cb(tm, tm->user);
}

int wamp_timer_new(wamp_loop *loop, wamp_timer_cb cb, void *user, wamp_timer **out)
{
    if (!loop || !cb || !out) return WAMP_EINVAL;
    wamp_timer *tm = calloc(1, sizeof *tm);
    if (!tm) return WAMP_ENOMEM;
    uv_timer_init(&loop->uv, &tm->t);
    tm->t.data = tm;
    tm->cb = cb;
    tm->user = user;
    *out = tm;
    return WAMP_OK;
}

int wamp_timer_start(wamp_timer *tm, uint64_t timeout_ms, uint64_t repeat_ms)
{
    if (!tm) return WAMP_EINVAL;
    return wamp__net_uverr(uv_timer_start(&tm->t, on_timer, timeout_ms, repeat_ms));
}

void wamp_timer_stop(wamp_timer *tm)
{
    if (tm) uv_timer_stop(&tm->t);
}

static void free_on_close(uv_handle_t *h)
{
    free(h->data);
}

void wamp_timer_free(wamp_timer *tm)
{
    if (!tm) return;
    uv_timer_stop(&tm->t);
    uv_close((uv_handle_t *)&tm->t, free_on_close);
}

/* ---------------------------------------------------------------- default hooks (libuv) */

typedef struct hook_io {
    uv_poll_t poll;
    wamp_io_cb cb;
    void *user;
    int fd;
} hook_io;

typedef struct hook_timer {
    uv_timer_t t;
    wamp_hook_timer_cb cb;
    void *user;
} hook_timer;

static int uv_events(unsigned mask)
{
    return ((mask & WAMP_IO_READ) ? UV_READABLE : 0) | ((mask & WAMP_IO_WRITE) ? UV_WRITABLE : 0);
}

static void on_hook_poll(uv_poll_t *p, int status, int events)
{
    hook_io *io = p->data;
    unsigned ev = 0;
    /* An error is reported as readiness so the owner's read/write sees it. */
    if (status < 0) ev = WAMP_IO_READ | WAMP_IO_WRITE;
    if (events & UV_READABLE) ev |= WAMP_IO_READ;
    if (events & (UV_WRITABLE | UV_DISCONNECT)) ev |= (events & UV_WRITABLE) ? WAMP_IO_WRITE : 0;
    if (events & UV_DISCONNECT) ev |= WAMP_IO_READ;
    io->cb(io->fd, ev, io->user);
}

static int hook_io_update(void *ctx, void *watch, unsigned mask)
{
    hook_io *io = watch;
    if (!mask) return wamp__net_uverr(uv_poll_stop(&io->poll));
    return wamp__net_uverr(uv_poll_start(&io->poll, uv_events(mask), on_hook_poll));
}

static int hook_io_start(void *ctx, int fd, unsigned mask, wamp_io_cb cb, void *user, void **watch)
{
    wamp_loop *loop = ctx;
    hook_io *io = calloc(1, sizeof *io);
    if (!io) return WAMP_ENOMEM;
    int r = uv_poll_init_socket(&loop->uv, &io->poll, fd);
    if (r != 0) {
        free(io);
        return wamp__net_uverr(r);
    }
    io->poll.data = io;
    io->cb = cb;
    io->user = user;
    io->fd = fd;
    if (mask && (r = hook_io_update(ctx, io, mask)) != 0) {
        uv_close((uv_handle_t *)&io->poll, free_on_close);
        return r;
    }
    *watch = io;
    return WAMP_OK;
}

static void hook_io_stop(void *ctx, void *watch)
{
    hook_io *io = watch;
    if (!io) return;
    uv_poll_stop(&io->poll);
    uv_close((uv_handle_t *)&io->poll, free_on_close);
}

static void on_hook_timer(uv_timer_t *t)
{
    hook_timer *ht = t->data;
    ht->cb(ht->user);
}

static int hook_timer_arm(void *ctx, uint64_t ms, wamp_hook_timer_cb cb, void *user, void **timer)
{
    wamp_loop *loop = ctx;
    hook_timer *ht = calloc(1, sizeof *ht);
    if (!ht) return WAMP_ENOMEM;
    uv_timer_init(&loop->uv, &ht->t);
    ht->t.data = ht;
    ht->cb = cb;
    ht->user = user;
    uv_timer_start(&ht->t, on_hook_timer, ms, 0);
    *timer = ht;
    return WAMP_OK;
}

static void hook_timer_disarm(void *ctx, void *timer)
{
    hook_timer *ht = timer;
    if (!ht) return;
    uv_timer_stop(&ht->t);
    uv_close((uv_handle_t *)&ht->t, free_on_close);
}

typedef struct hook_post {
    wamp_hook_post_cb cb;
    void *user;
} hook_post;

static void run_hook_post(wamp_loop *loop, void *user)
{
    hook_post *hp = user;
    hp->cb(hp->user);
    free(hp);
}

static int hook_post_fn(void *ctx, wamp_hook_post_cb cb, void *user)
{
    hook_post *hp = malloc(sizeof *hp);
    if (!hp) return WAMP_ENOMEM;
    hp->cb = cb;
    hp->user = user;
    int r = wamp_loop_post(ctx, run_hook_post, hp);
    if (r != 0) free(hp);
    return r;
}

static uint64_t hook_now(void *ctx)
{
    return wamp_loop_now(ctx);
}

void wamp_loop_hooks_default(wamp_loop *loop, wamp_loop_hooks *h)
{
    memset(h, 0, sizeof *h);
    h->ctx = loop;
    h->io_start = hook_io_start;
    h->io_update = hook_io_update;
    h->io_stop = hook_io_stop;
    h->timer_arm = hook_timer_arm;
    h->timer_disarm = hook_timer_disarm;
    h->post = hook_post_fn;
    h->now_ms = hook_now;
}
