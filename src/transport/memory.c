/* In-memory transport pair (channel type memory): whole messages, synchronous or queued. */
#include <stdlib.h>
#include <string.h>

#include "transport/framer.h"

typedef struct mem_framer mem_framer;

typedef struct mem_item {
    struct mem_item *next;
    mem_framer *from, *to;
    bool is_close;
    int code;
    size_t len;
    uint8_t data[]; /* message, or the close reason */
} mem_item;

typedef struct mem_shared {
    int refs;
    bool queued;
    mem_item *head, *tail;
} mem_shared;

struct mem_framer {
    wamp_framer base;
    mem_framer *peer;
    mem_shared *sh;
};

static bool mem_binary(const wamp_framer *f)
{
    return f->serializer != WAMP_SER_JSON;
}

static int mem_enqueue(mem_framer *m, bool is_close, int code, const uint8_t *data, size_t len)
{
    mem_item *it = malloc(sizeof *it + (len ? len : 1));
    if (!it) return WAMP_ENOMEM;
    it->next = NULL;
    it->from = m;
    it->to = m->peer;
    it->is_close = is_close;
    it->code = code;
    it->len = len;
    if (len) memcpy(it->data, data, len);
    mem_shared *sh = m->sh;
    if (sh->tail)
        sh->tail->next = it;
    else
        sh->head = it;
    sh->tail = it;
    return WAMP_OK;
}

static int mem_start(wamp_framer *f)
{
    if (f->state == WAMP_FRAMER_OPEN && f->cbs.on_open) f->cbs.on_open(f, f->user);
    return WAMP_OK;
}

static int mem_feed(wamp_framer *f, const uint8_t *data, size_t len)
{
    return WAMP_EUNSUPPORTED;
}

static void mem_close_both(mem_framer *m, int code, const char *reason, size_t rlen)
{
    mem_framer *peer = m->peer;
    if (peer) {
        peer->peer = NULL;
        m->peer = NULL;
        wamp__framer_closed(&peer->base, code, reason, rlen, true);
    }
    wamp__framer_closed(&m->base, code, reason, rlen, true);
}

static int mem_eof(wamp_framer *f)
{
    mem_framer *m = (mem_framer *)f;
    if (m->peer) {
        m->peer->peer = NULL;
        wamp__framer_closed(&m->peer->base, WAMP_WS_CLOSE_ABNORMAL, NULL, 0, false);
        m->peer = NULL;
    }
    wamp__framer_closed(f, WAMP_WS_CLOSE_ABNORMAL, NULL, 0, false);
    return WAMP_OK;
}

static int mem_send(wamp_framer *f, const uint8_t *data, size_t len)
{
    mem_framer *m = (mem_framer *)f;
    if (!m->peer) return WAMP_ECLOSED;
    if (m->sh->queued) return mem_enqueue(m, false, 0, data, len);
    wamp_framer *p = &m->peer->base;
    if (p->state == WAMP_FRAMER_OPEN || p->state == WAMP_FRAMER_CLOSING)
        wamp__framer_message(p, data, len, mem_binary(p));
    return WAMP_OK;
}

static int mem_close(wamp_framer *f, int code, const char *reason)
{
    mem_framer *m = (mem_framer *)f;
    if (code == 0) code = 1000;
    size_t rlen = reason ? strlen(reason) : 0;
    if (m->sh->queued && m->peer) {
        int rc = mem_enqueue(m, true, code, (const uint8_t *)reason, rlen);
        if (rc) return rc;
        f->state = WAMP_FRAMER_CLOSING;
        return WAMP_OK;
    }
    mem_close_both(m, code, reason, rlen);
    return WAMP_OK;
}

static void mem_destroy(wamp_framer *f)
{
    mem_framer *m = (mem_framer *)f;
    mem_shared *sh = m->sh;
    /* drop queued items from or to this side */
    mem_item **pp = &sh->head, *last = NULL;
    while (*pp) {
        mem_item *it = *pp;
        if (it->from == m || it->to == m) {
            *pp = it->next;
            free(it);
        } else {
            last = it;
            pp = &it->next;
        }
    }
    sh->tail = last;
    if (m->peer) {
        mem_framer *peer = m->peer;
        peer->peer = NULL;
        m->peer = NULL;
        wamp__framer_closed(&peer->base, WAMP_WS_CLOSE_ABNORMAL, NULL, 0, false);
    }
    if (--sh->refs == 0) free(sh);
}

static const wamp__framer_ops mem_ops = {
    .start = mem_start,
    .feed = mem_feed,
    .eof = mem_eof,
    .send = mem_send,
    .ping = NULL,
    .close = mem_close,
    .destroy = mem_destroy,
};

static mem_framer *mem_new(const wamp_memory_options *o, bool is_server, const wamp_framer_cbs *cbs,
                           void *user, mem_shared *sh)
{
    mem_framer *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    wamp__framer_init(&m->base, &mem_ops, is_server, WAMP_FRAMING_NATIVE, cbs, user);
    m->base.channel_type = WAMP_CHANNEL_MEMORY;
    m->base.serializer = o->serializer ? o->serializer : WAMP_SER_JSON;
    m->base.batched = o->batched;
    m->base.state = WAMP_FRAMER_OPEN;
    m->sh = sh;
    return m;
}

int wamp_memory_pair_new(wamp_framer **a, wamp_framer **b, const wamp_memory_options *opts,
                         const wamp_framer_cbs *cbs_a, void *user_a, const wamp_framer_cbs *cbs_b,
                         void *user_b)
{
    if (!a || !b) return WAMP_EINVAL;
    *a = *b = NULL;
    wamp_memory_options o = {0};
    if (opts) o = *opts;
    mem_shared *sh = calloc(1, sizeof *sh);
    if (!sh) return WAMP_ENOMEM;
    sh->queued = o.queued;
    sh->refs = 2;
    mem_framer *ma = mem_new(&o, false, cbs_a, user_a, sh);
    mem_framer *mb = mem_new(&o, true, cbs_b, user_b, sh);
    if (!ma || !mb) {
        free(ma);
        free(mb);
        free(sh);
        return WAMP_ENOMEM;
    }
    ma->peer = mb;
    mb->peer = ma;
    *a = &ma->base;
    *b = &mb->base;
    return WAMP_OK;
}

int wamp_memory_pump(wamp_framer *f)
{
    if (!f || f->ops != &mem_ops) return WAMP_EINVAL;
    mem_shared *sh = ((mem_framer *)f)->sh;
    int n = 0;
    while (sh->head) {
        mem_item *it = sh->head;
        sh->head = it->next;
        if (!sh->head) sh->tail = NULL;
        mem_framer *to = it->to;
        if (it->is_close) {
            mem_close_both(it->from, it->code, (const char *)it->data, it->len);
        } else if (to->base.state == WAMP_FRAMER_OPEN || to->base.state == WAMP_FRAMER_CLOSING) {
            wamp__framer_message(&to->base, it->data, it->len, mem_binary(&to->base));
        }
        free(it);
        n++;
    }
    return n;
}
