/*
 * The router core: realms, sessions, broker and dealer (see include/wamp/router.h).
 *
 * Data structures (per realm):
 *   - subscriptions and registrations with match "exact" live in a hash map by URI; pattern
 *     ones (prefix, wildcard) in a pattern index (pindex.c: a character trie for prefix, a
 *     per-component-count trie with wildcard edges for wildcard), so matching costs work in
 *     the URI length and the matching patterns, not in the number of unrelated patterns;
 *   - every subscription/registration is also in a map by id;
 *   - invocations are in a router-wide map by invocation id and on two intrusive lists (the
 *     caller's and the callee's) so that CANCEL and session departures find them.
 * Matching:
 *   - broker prefix: plain string prefix (spec);
 *   - dealer prefix: component-aware (the URI equals the prefix, or continues with '.' after it,
 *     or the prefix ends with '.'), which the spec's 7-case test set requires
 *     (`a1.b2.c33.d4.e5` must not match prefix `a1.b2.c3`);
 *   - wildcard: same number of components, empty pattern components match anything;
 *   - dealer choice: exact, else the longest prefix, else the wildcard whose runs of concrete
 *     components are longest, compared left to right (a tie goes to the oldest registration).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "router_int.h"
#include "wamp/flatbuffers.h"
#include "wamp/router.h"

/* ---------------------------------------------------------------- small containers */

typedef struct ment {
    struct ment *next;
    uint64_t h;
    const char *skey; /* NULL for id keys; borrowed from the value's owner */
    size_t slen;
    void *val;
} ment;

typedef struct map {
    ment **b;
    size_t nb, n;
} map;

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static uint64_t hstr(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (uint8_t)s[i];
        h *= 1099511628211ULL;
    }
    return mix64(h);
}

static int map_grow(map *m)
{
    size_t nb = m->nb ? m->nb * 2 : 16;
    ment **b = calloc(nb, sizeof *b);
    if (!b) return WAMP_ENOMEM;
    for (size_t i = 0; i < m->nb; i++) {
        ment *e = m->b[i];
        while (e) {
            ment *nx = e->next;
            size_t k = e->h & (nb - 1);
            e->next = b[k];
            b[k] = e;
            e = nx;
        }
    }
    free(m->b);
    m->b = b;
    m->nb = nb;
    return WAMP_OK;
}

static ment **map_find(map *m, uint64_t h, const char *s, size_t n)
{
    if (!m->nb) return NULL;
    ment **pp = &m->b[h & (m->nb - 1)];
    for (; *pp; pp = &(*pp)->next) {
        ment *e = *pp;
        if (e->h != h) continue;
        if (!s && !e->skey) return pp;
        if (s && e->skey && e->slen == n && memcmp(e->skey, s, n) == 0) return pp;
    }
    return NULL;
}

static int map_put(map *m, uint64_t h, const char *s, size_t n, void *val)
{
    if (m->n + 1 > m->nb * 3 / 4 && map_grow(m) != WAMP_OK) return WAMP_ENOMEM;
    ment *e = malloc(sizeof *e);
    if (!e) return WAMP_ENOMEM;
    e->h = h;
    e->skey = s;
    e->slen = n;
    e->val = val;
    size_t k = h & (m->nb - 1);
    e->next = m->b[k];
    m->b[k] = e;
    m->n++;
    return WAMP_OK;
}

static void *map_take(map *m, uint64_t h, const char *s, size_t n)
{
    ment **pp = map_find(m, h, s, n);
    if (!pp) return NULL;
    ment *e = *pp;
    void *v = e->val;
    *pp = e->next;
    free(e);
    m->n--;
    return v;
}

static void *map_get(map *m, uint64_t h, const char *s, size_t n)
{
    ment **pp = map_find(m, h, s, n);
    return pp ? (*pp)->val : NULL;
}

#define ID_H(id) mix64((uint64_t)(id))
static void *mapi_get(map *m, wamp_id id)
{
    return map_get(m, ID_H(id), NULL, 0);
}
static int mapi_put(map *m, wamp_id id, void *v)
{
    return map_put(m, ID_H(id), NULL, 0, v);
}
static void *mapi_take(map *m, wamp_id id)
{
    return map_take(m, ID_H(id), NULL, 0);
}
static void *maps_get(map *m, const char *s, size_t n)
{
    return map_get(m, hstr(s, n), s, n);
}
static int maps_put(map *m, const char *s, size_t n, void *v)
{
    return map_put(m, hstr(s, n), s, n, v);
}
static void *maps_take(map *m, const char *s, size_t n)
{
    return map_take(m, hstr(s, n), s, n);
}

/* Values of a map into a malloc'd array (for iteration that may modify the map). */
static void **map_values(const map *m, size_t *count)
{
    *count = 0;
    void **out = malloc((m->n ? m->n : 1) * sizeof *out);
    if (!out) return NULL;
    for (size_t i = 0; i < m->nb; i++)
        for (ment *e = m->b[i]; e; e = e->next)
            out[(*count)++] = e->val;
    return out;
}

static void map_free(map *m)
{
    for (size_t i = 0; i < m->nb; i++) {
        ment *e = m->b[i];
        while (e) {
            ment *nx = e->next;
            free(e);
            e = nx;
        }
    }
    free(m->b);
    m->b = NULL;
    m->nb = m->n = 0;
}

typedef struct vec {
    void **v;
    size_t n, cap;
} vec;

static int vec_push(vec *x, void *p)
{
    if (x->n == x->cap) {
        size_t c = x->cap ? x->cap * 2 : 4;
        void **nv = realloc(x->v, c * sizeof *nv);
        if (!nv) return WAMP_ENOMEM;
        x->v = nv;
        x->cap = c;
    }
    x->v[x->n++] = p;
    return WAMP_OK;
}

static bool vec_remove(vec *x, void *p)
{
    for (size_t i = 0; i < x->n; i++)
        if (x->v[i] == p) {
            memmove(&x->v[i], &x->v[i + 1], (x->n - i - 1) * sizeof *x->v);
            x->n--;
            return true;
        }
    return false;
}

static bool vec_has(const vec *x, const void *p)
{
    for (size_t i = 0; i < x->n; i++)
        if (x->v[i] == p) return true;
    return false;
}

static void vec_free(vec *x)
{
    free(x->v);
    x->v = NULL;
    x->n = x->cap = 0;
}

static char *dupn(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d) return NULL;
    if (n) memcpy(d, s, n);
    d[n] = 0;
    return d;
}

static char *dupc(const char *s)
{
    return s ? dupn(s, strlen(s)) : NULL;
}

/* ---------------------------------------------------------------- types */

typedef struct realm realm;
typedef struct inv inv;
typedef wamp_router_session sess;

/* One stored event of an event history: a single allocation, strings and payload inside. */
typedef struct hent {
    wamp_id publication, publisher; /* publisher 0: not disclosed */
    uint64_t time_ns;
    const char *topic, *authid, *authrole; /* authid/authrole NULL: not disclosed */
    const uint8_t *args, *kwargs;          /* encoded, NULL: absent */
    size_t args_len, kwargs_len;
    int args_ser, kwargs_ser;
    size_t size;
    char data[];
} hent;

/* Event history of one subscription: a ring of the newest events. */
typedef struct hist {
    size_t limit, n, head, cap, bytes;
    hent **ring; /* ring[(head + i) % cap], i = 0 oldest */
} hist;

typedef struct sub {
    wamp_id id;
    char *uri;
    size_t len;
    wamp_match match;
    vec sessions;
    hist *hist; /* event history configured for this pattern (keeps the subscription alive) */
} sub;

typedef struct callee_t {
    sess *s;
    int64_t concurrency; /* 0: unlimited */
    int64_t inflight;
    bool disclose_caller;
} callee_t;

typedef struct reg {
    wamp_id id;
    char *uri;
    size_t len;
    wamp_match match;
    wamp_invoke invoke;
    callee_t *c;
    size_t n, cap;
    size_t rr;
} reg;

typedef struct retained {
    char *topic;
    size_t len;
    wamp_arena *a;
    wamp_message pub; /* owning copy of the PUBLISH */
    wamp_id publication;
    wamp_id publisher;
    char *publisher_authid, *publisher_authrole;
    bool disclosed;
} retained;

struct realm {
    realm *next;
    char *name;
    map subs_exact, subs_id, regs_exact, regs_id, retained;
    wamp__pindex *subs_pat, *regs_pat;
    size_t nsessions;
};

struct inv {
    wamp_id id;
    wamp_id call_req;
    wamp_id reg_id;
    sess *caller, *callee;
    inv *cprev, *cnext; /* caller's list */
    inv *eprev, *enext; /* callee's list */
    uint64_t deadline;
    int64_t timeout;
    bool receive_progress;
    bool canceled;       /* kill sent: waiting for the callee_t */
    bool progressive;    /* started with CALL progress=true (progressive call invocations) */
    bool progressive_in; /* ... and the caller has not sent its final CALL yet */
    bool disclose;       /* caller disclosed (frozen by the initiating CALL) */
    char *procedure;     /* progressive calls: the URI the continuations must repeat */
    /* internal call (wamp_router_call): caller is NULL, the result goes to icb */
    wamp_router_call_cb icb;
    void *iuser;
};

typedef struct qnode {
    struct qnode *next;
    size_t len;
    uint8_t data[];
} qnode;

enum { S_NEW, S_CHALLENGED, S_JOINED, S_SHUTTING, S_CLOSED };

struct wamp_router_session {
    wamp_router *r;
    sess *prev, *next;
    realm *realm;
    int state;
    bool closed_cb;
    const wamp_serializer_info *info;
    wamp_serializer *ser;
    wamp_router_session_cbs cbs;
    void *user;
    char *tinfo;
    char *realm_pending; /* realm name while challenged */
    int auth_pending; /* a hook returned WAMP_ROUTER_AUTH_PENDING: 1 in HELLO, 2 in AUTHENTICATE */
    wamp_id pending_id; /* session id offered to the auth hooks, used by WELCOME */
    /* asynchronous authorization (auth.authorize_async) */
    bool az_wait; /* a decision is pending: input is held (see hold()) */
    bool az_have; /* az_allow decides the next authorized() check */
    bool az_allow;
    struct held *held_head, *held_tail;
    wamp_id id;
    char *authid, *authrole, *authmethod, *authprovider;
    wamp_roles roles;
    vec subs, regs;
    inv *calls, *invs;
    qnode *qhead, *qtail;
    wamp_router_session_stats st;
    struct testament *testaments;
    /* request ids of this caller's progressive calls completed lately: late continuations
     * (the spec's "grace period table") are discarded instead of starting new calls */
    wamp_id done_prog[16];
    unsigned done_prog_next;
};

struct wamp_router {
    wamp_router_options o;
    realm *realms;
    sess *sessions;
    size_t nsessions;
    map by_id;
    map invs;
    uint64_t now;
    wamp_id next_sub, next_reg, next_inv;
    wamp_arena *in, *out, *meta;
    wamp_buf tmp;
    wamp_roles roles;
    bool reap;
    wamp_router_stats st;
};

/* ---------------------------------------------------------------- utilities */

static void rlog(wamp_router *r, wamp_log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void rlog(wamp_router *r, wamp_log_level lvl, const char *fmt, ...)
{
    if (!r->o.log || lvl > r->o.log_level) return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    r->o.log(r->o.log_user, lvl, line);
}

static uint64_t rnd(wamp_router *r)
{
    if (r->o.random) return r->o.random(r->o.random_user);
    uint64_t x = 0;
    if (getrandom(&x, sizeof x, 0) != (ssize_t)sizeof x) {
        static uint64_t fallback = 0x9e3779b97f4a7c15ULL;
        fallback = mix64(fallback + 0x9e3779b97f4a7c15ULL);
        x = fallback;
    }
    return x;
}

static wamp_id rnd_id(wamp_router *r)
{
    return rnd(r) % WAMP_ID_MAX + 1;
}

static realm *realm_find(wamp_router *r, const char *name, size_t n)
{
    for (realm *x = r->realms; x; x = x->next)
        if (strlen(x->name) == n && memcmp(x->name, name, n) == 0) return x;
    return NULL;
}

/* ---------------------------------------------------------------- output */

static void sess_close(sess *s, const char *reason);

static void queue_drop(sess *s)
{
    qnode *q = s->qhead;
    while (q) {
        qnode *nx = q->next;
        free(q);
        q = nx;
    }
    s->qhead = s->qtail = NULL;
    s->st.queued_bytes = 0;
    s->st.queued_messages = 0;
}

/* Queues one payload made of pre + body + post (framing). */
static int enqueue(sess *s, const void *pre, size_t prelen, const void *body, size_t len,
                   const void *post, size_t postlen)
{
    if (s->st.overflows) return WAMP_ECLOSED;
    size_t total = prelen + len + postlen;
    wamp_router *r = s->r;
    if (s->st.queued_bytes + total > r->o.max_queue_bytes ||
        s->st.queued_messages + 1 > r->o.max_queue_messages) {
        rlog(r, WAMP_LOG_WARN,
             "session %llu: outgoing queue overflow (%zu messages, %zu bytes queued): "
             "disconnecting slow session",
             (unsigned long long)s->id, s->st.queued_messages, s->st.queued_bytes);
        s->st.overflows++;
        r->st.sessions_dropped_overflow++;
        queue_drop(s);
        /* closed at the next safe point (reap()): the caller may be iterating over objects
         * that leaving the realm would free */
        if (!s->closed_cb) s->state = S_CLOSED;
        r->reap = true;
        return WAMP_ELIMIT;
    }
    qnode *q = malloc(sizeof *q + total);
    if (!q) return WAMP_ENOMEM;
    q->next = NULL;
    q->len = total;
    if (prelen) memcpy(q->data, pre, prelen);
    if (len) memcpy(q->data + prelen, body, len);
    if (postlen) memcpy(q->data + prelen + len, post, postlen);
    bool was_empty = !s->qhead;
    if (s->qtail)
        s->qtail->next = q;
    else
        s->qhead = q;
    s->qtail = q;
    s->st.queued_bytes += total;
    s->st.queued_messages++;
    if (s->st.queued_bytes > s->st.queued_bytes_peak) s->st.queued_bytes_peak = s->st.queued_bytes;
    s->st.messages_out++;
    s->st.bytes_out += total;
    if (was_empty) s->cbs.on_output(s, s->user);
    return WAMP_OK;
}

/* Queues one message body already encoded in the session's serializer (framed if batched). */
static int enqueue_body(sess *s, const uint8_t *body, size_t len)
{
    if (!s->info->batched) return enqueue(s, NULL, 0, body, len, NULL, 0);
    if (s->info->id == WAMP_SER_JSON) {
        uint8_t sep = WAMP_JSON_BATCH_SEPARATOR;
        return enqueue(s, NULL, 0, body, len, &sep, 1);
    }
    uint8_t pre[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
                      (uint8_t)len};
    return enqueue(s, pre, 4, body, len, NULL, 0);
}

static int send_msg(sess *s, const wamp_message *m)
{
    wamp_router *r = s->r;
    if (s->state == S_CLOSED) return WAMP_ECLOSED;
    wamp_value list;
    int rc = wamp_message_marshal(m, r->out, &list);
    if (rc == WAMP_OK) {
        wamp_buf_clear(&r->tmp);
        rc = wamp_serializer_serialize(s->ser, &list, &r->tmp);
        if (rc == WAMP_OK) rc = enqueue(s, NULL, 0, r->tmp.data, r->tmp.len, NULL, 0);
    }
    if (rc != WAMP_OK && rc != WAMP_ELIMIT)
        rlog(r, WAMP_LOG_WARN, "session %llu: cannot send %s: %s", (unsigned long long)s->id,
             wamp_msg_type_name(m->type), wamp_strerror(rc));
    wamp_arena_reset(r->out);
    return rc;
}

static void count_denial(sess *s)
{
    s->st.denied++;
    s->r->st.denied++;
}

static void send_error(sess *s, int type, wamp_id req, const char *uri, const char *text)
{
    if (!strcmp(uri, WAMP_ERROR_NOT_AUTHORIZED)) count_denial(s);
    wamp_message e = wamp_message_error(type, req, uri);
    wamp_value args = wamp_value_list();
    if (text) {
        /* the list lives in the output arena, reset by send_msg() */
        if (wamp_value_list_push(s->r->out, &args, wamp_value_string_borrow(text, strlen(text))) ==
            WAMP_OK)
            e.args = args;
    }
    send_msg(s, &e);
}

static void abort_session(sess *s, const char *reason, const char *text)
{
    wamp_message m = wamp_message_abort(reason, text);
    send_msg(s, &m);
    sess_close(s, reason);
}

static void protocol_violation(sess *s, const char *text)
{
    rlog(s->r, WAMP_LOG_INFO, "session %llu: protocol violation: %s", (unsigned long long)s->id,
         text);
    s->r->st.protocol_violations++;
    abort_session(s, WAMP_ERROR_PROTOCOL_VIOLATION, text);
}

static bool authorized(sess *s, wamp_router_action a, wamp_str uri)
{
    if (s->az_have) { /* the decision authorize_async gave for the message being handled */
        s->az_have = false;
        return s->az_allow;
    }
    /* a nested check (e.g. a testament's topic) cannot wait: without authorize(), denied */
    if (!s->r->o.auth.authorize) return !s->r->o.auth.authorize_async;
    wamp_router_session_info who;
    wamp_router_session_get_info(s, &who);
    return s->r->o.auth.authorize(s->r->o.auth.user, &who, a, uri);
}

/* Whether s's identity goes with its call / publication on uri (wamp_router_auth_hooks
 * .disclose): as the hook answers, or when requested without a hook or a policy (< 0). */
static bool disclosure(sess *s, wamp_router_action a, wamp_str uri, bool requested)
{
    wamp_router *r = s->r;
    if (!r->o.auth.disclose) return requested;
    wamp_router_session_info who;
    wamp_router_session_get_info(s, &who);
    int d = r->o.auth.disclose(r->o.auth.user, &who, a, uri);
    return d < 0 ? requested : d > 0;
}

static bool peer_has(const sess *s, wamp_role role, wamp_feature f)
{
    return wamp_roles_feature(&s->roles, role, f);
}

/* ---------------------------------------------------------------- matching */

static bool wildcard_match(const char *pat, size_t plen, const char *uri, size_t ulen)
{
    size_t i = 0, j = 0;
    for (;;) {
        size_t pe = i, ue = j;
        while (pe < plen && pat[pe] != '.')
            pe++;
        while (ue < ulen && uri[ue] != '.')
            ue++;
        if (pe > i && (pe - i != ue - j || memcmp(pat + i, uri + j, pe - i) != 0)) return false;
        bool pend = pe >= plen, uend = ue >= ulen;
        if (pend || uend) return pend && uend;
        i = pe + 1;
        j = ue + 1;
    }
}

static bool prefix_match_str(const char *pat, size_t plen, const char *uri, size_t ulen)
{
    return ulen >= plen && memcmp(pat, uri, plen) == 0;
}

static bool prefix_match_comp(const char *pat, size_t plen, const char *uri, size_t ulen)
{
    if (!prefix_match_str(pat, plen, uri, ulen)) return false;
    return ulen == plen || plen == 0 || pat[plen - 1] == '.' || uri[plen] == '.';
}

/* Compares two wildcard patterns by their runs of concrete components, left to right:
 * > 0 when a is the better (more specific) match. */
static int wildcard_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t i = 0, j = 0;
    for (;;) {
        /* next run length (concrete components) in each */
        size_t ra = 0, rb = 0;
        while (i <= alen) {
            size_t e = i;
            while (e < alen && a[e] != '.')
                e++;
            bool empty = e == i;
            i = e + 1;
            if (empty) {
                if (ra) break;
                if (i > alen) break;
                continue;
            }
            ra++;
            if (i > alen) break;
        }
        while (j <= blen) {
            size_t e = j;
            while (e < blen && b[e] != '.')
                e++;
            bool empty = e == j;
            j = e + 1;
            if (empty) {
                if (rb) break;
                if (j > blen) break;
                continue;
            }
            rb++;
            if (j > blen) break;
        }
        if (ra != rb) return ra > rb ? 1 : -1;
        if (ra == 0) return 0;
    }
}

/* ---------------------------------------------------------------- realm objects */

static void hist_free(hist *h)
{
    if (!h) return;
    for (size_t i = 0; i < h->n; i++)
        free(h->ring[(h->head + i) % h->cap]);
    free(h->ring);
    free(h);
}

/* A subscription goes when nobody is subscribed and no history holds it. */
static bool sub_unused(const sub *x)
{
    return !x->sessions.n && !x->hist;
}

static void sub_delete(realm *rl, sub *x)
{
    hist_free(x->hist);
    mapi_take(&rl->subs_id, x->id);
    if (x->match == WAMP_MATCH_EXACT)
        maps_take(&rl->subs_exact, x->uri, x->len);
    else
        wamp__pindex_take(rl->subs_pat, x->match, x->uri, x->len);
    vec_free(&x->sessions);
    free(x->uri);
    free(x);
}

static void reg_delete(realm *rl, reg *x)
{
    mapi_take(&rl->regs_id, x->id);
    if (x->match == WAMP_MATCH_EXACT)
        maps_take(&rl->regs_exact, x->uri, x->len);
    else
        wamp__pindex_take(rl->regs_pat, x->match, x->uri, x->len);
    free(x->c);
    free(x->uri);
    free(x);
}

static void retained_free(retained *t)
{
    wamp_arena_free(t->a);
    free(t->topic);
    free(t->publisher_authid);
    free(t->publisher_authrole);
    free(t);
}

static void realm_free(realm *rl)
{
    size_t n;
    void **v = map_values(&rl->subs_id, &n);
    for (size_t i = 0; v && i < n; i++)
        sub_delete(rl, v[i]);
    free(v);
    v = map_values(&rl->regs_id, &n);
    for (size_t i = 0; v && i < n; i++)
        reg_delete(rl, v[i]);
    free(v);
    v = map_values(&rl->retained, &n);
    for (size_t i = 0; v && i < n; i++)
        retained_free(v[i]);
    free(v);
    map_free(&rl->subs_exact);
    map_free(&rl->subs_id);
    map_free(&rl->regs_exact);
    map_free(&rl->regs_id);
    map_free(&rl->retained);
    wamp__pindex_free(rl->subs_pat);
    wamp__pindex_free(rl->regs_pat);
    free(rl->name);
    free(rl);
}

static int realm_add(wamp_router *r, const char *name, size_t n, realm **out)
{
    realm *rl = calloc(1, sizeof *rl);
    if (!rl) return WAMP_ENOMEM;
    rl->name = dupn(name, n);
    if (!rl->name || wamp__pindex_new(&rl->subs_pat) != WAMP_OK ||
        wamp__pindex_new(&rl->regs_pat) != WAMP_OK) {
        wamp__pindex_free(rl->subs_pat);
        free(rl->name);
        free(rl);
        return WAMP_ENOMEM;
    }
    rl->next = r->realms;
    r->realms = rl;
    if (out) *out = rl;
    return WAMP_OK;
}

/* ---------------------------------------------------------------- invocations */

static void inv_finish(wamp_router *r, inv *v)
{
    mapi_take(&r->invs, v->id);
    if (v->caller && v->progressive) {
        sess *c = v->caller;
        c->done_prog[c->done_prog_next++ % 16] = v->call_req;
    }
    free(v->procedure);
    if (v->caller) {
        if (v->cprev)
            v->cprev->cnext = v->cnext;
        else
            v->caller->calls = v->cnext;
        if (v->cnext) v->cnext->cprev = v->cprev;
    }
    if (v->callee) {
        if (v->eprev)
            v->eprev->enext = v->enext;
        else
            v->callee->invs = v->enext;
        if (v->enext) v->enext->eprev = v->eprev;
        realm *rl = v->callee->realm;
        reg *g = rl ? mapi_get(&rl->regs_id, v->reg_id) : NULL;
        for (size_t i = 0; g && i < g->n; i++)
            if (g->c[i].s == v->callee && g->c[i].inflight > 0) g->c[i].inflight--;
    }
    free(v);
}

static void send_interrupt(sess *callee, wamp_id id, wamp_cancel_mode mode, const char *reason)
{
    if (!peer_has(callee, WAMP_ROLE_CALLEE, WAMP_FEATURE_CALL_CANCELING)) return;
    wamp_message m = wamp_message_interrupt(id, mode);
    if (reason) m.interrupt.reason = wamp_str_c(reason);
    send_msg(callee, &m);
}

/* Finishes an internal call (wamp_router_call) with status; m (YIELD or ERROR) or NULL. */
static void icall_finish(wamp_router *r, inv *v, int status, const wamp_message *m)
{
    wamp_router_call_cb cb = v->icb;
    void *user = v->iuser;
    inv_finish(r, v);
    wamp_arena *a = m ? wamp_arena_new(0) : NULL;
    wamp_value args = wamp_value_list(), kwargs = wamp_value_dict();
    const char *error = NULL;
    char *ebuf = NULL;
    if (m && a) {
        const wamp_value *src[2] = {&m->args, &m->kwargs};
        wamp_value *dst[2] = {&args, &kwargs};
        for (int i = 0; i < 2; i++) {
            if (src[i]->type == WAMP_VALUE_RAW) {
                if (wamp_value_decode((wamp_serializer_id)src[i]->ser, src[i]->as.raw, src[i]->len,
                                      a, NULL, dst[i]) != WAMP_OK)
                    status = WAMP_EPROTO;
            } else if (src[i]->type == (i ? WAMP_VALUE_DICT : WAMP_VALUE_LIST)) {
                *dst[i] = *src[i];
            }
        }
        if (m->payload.ptr) status = WAMP_EUNSUPPORTED; /* payload passthru: not for the router */
        if (m->type == WAMP_MSG_ERROR) {
            ebuf = dupn(m->error.error.ptr, m->error.error.len);
            error = ebuf;
        }
    } else if (m) {
        status = WAMP_ENOMEM;
    }
    cb(user, status, error, status == WAMP_OK || status == WAMP_EAPPLICATION ? &args : NULL,
       status == WAMP_OK || status == WAMP_EAPPLICATION ? &kwargs : NULL);
    free(ebuf);
    wamp_arena_free(a);
}

/* ---------------------------------------------------------------- leaving */

static void meta_session_event(sess *s, bool join);
static void meta_sub_event(sess *s, const char *what, sub *x);
static void meta_reg_event(sess *s, const char *what, reg *g);

/* A testament (wamp.session.add_testament): published when the session leaves. pub holds the
 * publish options given (exclude/eligible lists, retain); detached: scope "detached". */
typedef struct testament {
    struct testament *next;
    wamp_arena *a;
    const char *topic;
    wamp_value args, kwargs;
    wamp_publish_msg pub;
    bool detached;
} testament;

static void testaments_free(sess *s)
{
    while (s->testaments) {
        testament *t = s->testaments;
        s->testaments = t->next;
        wamp_arena_free(t->a);
        free(t);
    }
}

static void testaments_publish(sess *s);

static void sess_leave(sess *s)
{
    wamp_router *r = s->r;
    realm *rl = s->realm;
    if (!rl) return;
    for (size_t i = 0; i < s->subs.n; i++) {
        sub *x = s->subs.v[i];
        vec_remove(&x->sessions, s);
        meta_sub_event(s, "on_unsubscribe", x);
        if (sub_unused(x)) {
            meta_sub_event(s, "on_delete", x);
            sub_delete(rl, x);
        }
    }
    vec_free(&s->subs);
    for (size_t i = 0; i < s->regs.n; i++) {
        reg *g = s->regs.v[i];
        for (size_t k = 0; k < g->n; k++)
            if (g->c[k].s == s) {
                memmove(&g->c[k], &g->c[k + 1], (g->n - k - 1) * sizeof *g->c);
                g->n--;
                break;
            }
        meta_reg_event(s, "on_unregister", g);
        if (!g->n) {
            meta_reg_event(s, "on_delete", g);
            reg_delete(rl, g);
        }
    }
    vec_free(&s->regs);
    /* calls we made: the callee is interrupted (killnowait) */
    while (s->calls) {
        inv *v = s->calls;
        sess *callee = v->callee;
        wamp_id id = v->id;
        inv_finish(r, v);
        if (callee && callee->state != S_CLOSED)
            send_interrupt(callee, id, WAMP_CANCEL_KILLNOWAIT, WAMP_ERROR_CANCELED);
    }
    /* calls we were serving: the caller gets wamp.error.canceled */
    while (s->invs) {
        inv *v = s->invs;
        sess *caller = v->caller;
        wamp_id req = v->call_req;
        if (v->icb) {
            icall_finish(r, v, WAMP_ECANCELED, NULL);
            continue;
        }
        inv_finish(r, v);
        r->st.calls_callee_left++;
        if (caller)
            send_error(caller, WAMP_MSG_CALL, req, WAMP_ERROR_CANCELED, "callee left the realm");
    }
    if (s->id) mapi_take(&r->by_id, s->id);
    testaments_publish(s);
    meta_session_event(s, false);
    rl->nsessions--;
    rlog(r, WAMP_LOG_INFO, "session %llu left realm %s", (unsigned long long)s->id, rl->name);
    s->realm = NULL;
}

static void sess_close(sess *s, const char *reason)
{
    if (s->closed_cb) return;
    sess_leave(s);
    s->state = S_CLOSED;
    s->closed_cb = true;
    s->cbs.on_close(s, reason, s->user);
}

/* Closes the sessions dropped for queue overflow (see enqueue()). */
static void reap(wamp_router *r)
{
    while (r->reap) {
        r->reap = false;
        for (sess *s = r->sessions; s; s = s->next)
            if (s->state == S_CLOSED && !s->closed_cb) {
                s->state = S_NEW; /* let sess_close() run its course */
                sess_close(s, "queue overflow");
                r->reap = true; /* the list may have changed: rescan */
                break;
            }
    }
}

/* ---------------------------------------------------------------- HELLO / WELCOME */

static void router_roles(wamp_roles *roles)
{
    memset(roles, 0, sizeof *roles);
    static const wamp_feature broker[] = {WAMP_FEATURE_PUBLISHER_IDENTIFICATION,
                                          WAMP_FEATURE_PATTERN_BASED_SUBSCRIPTION,
                                          WAMP_FEATURE_SUBSCRIBER_BLACKWHITE_LISTING,
                                          WAMP_FEATURE_PUBLISHER_EXCLUSION,
                                          WAMP_FEATURE_EVENT_RETENTION,
                                          WAMP_FEATURE_EVENT_HISTORY,
                                          WAMP_FEATURE_PAYLOAD_TRANSPARENCY,
                                          WAMP_FEATURE_PAYLOAD_PASSTHRU_MODE,
                                          WAMP_FEATURE_PAYLOAD_ENCRYPTION_CRYPTOBOX,
                                          WAMP_FEATURE_SESSION_META_API,
                                          WAMP_FEATURE_SUBSCRIPTION_META_API};
    static const wamp_feature dealer[] = {WAMP_FEATURE_SESSION_META_API,
                                          WAMP_FEATURE_REGISTRATION_META_API,
                                          WAMP_FEATURE_TESTAMENT_META_API,
                                          WAMP_FEATURE_PROGRESSIVE_CALL_RESULTS,
                                          WAMP_FEATURE_PROGRESSIVE_CALL_INVOCATIONS,
                                          WAMP_FEATURE_CALL_CANCELING,
                                          WAMP_FEATURE_CALLER_IDENTIFICATION,
                                          WAMP_FEATURE_PATTERN_BASED_REGISTRATION,
                                          WAMP_FEATURE_SHARED_REGISTRATION,
                                          WAMP_FEATURE_CALL_TIMEOUT,
                                          WAMP_FEATURE_PAYLOAD_TRANSPARENCY,
                                          WAMP_FEATURE_PAYLOAD_PASSTHRU_MODE,
                                          WAMP_FEATURE_PAYLOAD_ENCRYPTION_CRYPTOBOX};
    wamp_roles_add(roles, WAMP_ROLE_BROKER);
    wamp_roles_add(roles, WAMP_ROLE_DEALER);
    for (size_t i = 0; i < sizeof broker / sizeof *broker; i++)
        if (wamp_role_has_feature(WAMP_ROLE_BROKER, broker[i]))
            wamp_roles_set_feature(roles, WAMP_ROLE_BROKER, broker[i], true);
    for (size_t i = 0; i < sizeof dealer / sizeof *dealer; i++)
        if (wamp_role_has_feature(WAMP_ROLE_DEALER, dealer[i]))
            wamp_roles_set_feature(roles, WAMP_ROLE_DEALER, dealer[i], true);
}

static void set_str(char **dst, const char *src)
{
    free(*dst);
    *dst = dupc(src);
}

static void welcome(sess *s, realm *rl, const wamp_router_auth_result *res)
{
    wamp_router *r = s->r;
    wamp_id id = s->pending_id;
    while (!id || mapi_get(&r->by_id, id))
        id = rnd_id(r);
    if (mapi_put(&r->by_id, id, s) != WAMP_OK) {
        abort_session(s, WAMP_ERROR_SYSTEM_SHUTDOWN, "out of memory");
        return;
    }
    s->id = id;
    s->realm = rl;
    rl->nsessions++;
    char gen[20];
    const char *authid = res ? res->authid : NULL;
    if (!authid) {
        static const char al[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        uint64_t x = rnd(r);
        for (int i = 0; i < 14; i++) {
            if (i == 4 || i == 9)
                gen[i] = '-';
            else {
                gen[i] = al[x & 31];
                x >>= 5;
            }
        }
        gen[14] = 0;
        authid = gen;
    }
    set_str(&s->authid, authid);
    set_str(&s->authrole, res && res->authrole ? res->authrole : "anonymous");
    set_str(&s->authmethod, res && res->authmethod ? res->authmethod : "anonymous");
    set_str(&s->authprovider, res && res->authprovider ? res->authprovider : "static");
    s->state = S_JOINED;
    r->st.sessions_joined++;
    wamp_message m = wamp_message_welcome(id, &r->roles);
    m.welcome.realm = wamp_str_c(rl->name);
    m.welcome.authid = wamp_str_c(s->authid);
    m.welcome.authrole = wamp_str_c(s->authrole);
    m.welcome.authmethod = wamp_str_c(s->authmethod);
    m.welcome.authprovider = wamp_str_c(s->authprovider);
    m.welcome.agent = wamp_str_c("libwamp-" WAMP_VERSION_STRING);
    send_msg(s, &m);
    meta_session_event(s, true);
    rlog(r, WAMP_LOG_INFO, "session %llu joined realm %s (authid %s, authrole %s, %s%s%s)",
         (unsigned long long)id, rl->name, s->authid, s->authrole, s->info->subprotocol,
         s->tinfo ? ", " : "", s->tinfo ? s->tinfo : "");
}

/* Acts on what an auth hook decided (rc: WAMP_OK, WAMP_EAGAIN, WAMP_ROUTER_AUTH_PENDING or an
 * error); stage is 1 for HELLO, 2 for AUTHENTICATE. */
static void auth_outcome(sess *s, int stage, int rc, const wamp_router_auth_result *res,
                         const wamp_message *ch, const char *why)
{
    wamp_router *r = s->r;
    realm *rl = s->realm_pending ? realm_find(r, s->realm_pending, strlen(s->realm_pending)) : NULL;
    if (rc == WAMP_ROUTER_AUTH_PENDING) {
        s->auth_pending = stage;
    } else if (rc == WAMP_OK && rl) {
        welcome(s, rl, res);
    } else if (rc == WAMP_EAGAIN && stage == 1 && ch && rl) {
        s->state = S_CHALLENGED;
        send_msg(s, ch);
    } else {
        if (rc == WAMP_OK || rc == WAMP_EAGAIN) why = WAMP_ERROR_AUTHENTICATION_FAILED;
        abort_session(s, why ? why : WAMP_ERROR_AUTHENTICATION_FAILED, "authentication failed");
    }
}

static void on_hello(sess *s, const wamp_message *m)
{
    wamp_router *r = s->r;
    if (s->state != S_NEW) {
        protocol_violation(s, "HELLO received after the session was established");
        return;
    }
    s->roles = m->hello.roles;
    if (!m->hello.realm.ptr) {
        abort_session(s, WAMP_ERROR_NO_SUCH_REALM, "no realm given");
        return;
    }
    realm *rl = realm_find(r, m->hello.realm.ptr, m->hello.realm.len);
    if (!rl && r->o.auto_create_realms &&
        wamp_uri_check(m->hello.realm, WAMP_URI_LOOSE, false, false) == WAMP_OK)
        if (realm_add(r, m->hello.realm.ptr, m->hello.realm.len, &rl) != WAMP_OK) rl = NULL;
    if (!rl) {
        abort_session(s, WAMP_ERROR_NO_SUCH_REALM, "no such realm");
        return;
    }
    if (!r->o.auth.hello) {
        welcome(s, rl, NULL);
        return;
    }
    do
        s->pending_id = rnd_id(r);
    while (mapi_get(&r->by_id, s->pending_id));
    set_str(&s->realm_pending, rl->name);
    wamp_router_auth_result res = {0};
    wamp_message ch = {0};
    const char *why = WAMP_ERROR_AUTHENTICATION_FAILED;
    int rc = r->o.auth.hello(r->o.auth.user, s, m, &res, &ch, &why);
    auth_outcome(s, 1, rc, &res, &ch, why);
}

static void on_authenticate(sess *s, const wamp_message *m)
{
    wamp_router *r = s->r;
    if (s->state != S_CHALLENGED || !r->o.auth.authenticate) {
        protocol_violation(s, "AUTHENTICATE without a CHALLENGE");
        return;
    }
    wamp_router_auth_result res = {0};
    const char *why = WAMP_ERROR_AUTHENTICATION_FAILED;
    int rc = r->o.auth.authenticate(r->o.auth.user, s, m, &res, &why);
    auth_outcome(s, 2, rc, &res, NULL, why);
}

int wamp_router_session_auth_complete(sess *s, int rc, const wamp_router_auth_result *res,
                                      const wamp_message *challenge, const char *abort_reason)
{
    if (!s || rc == WAMP_ROUTER_AUTH_PENDING) return WAMP_EINVAL;
    if (!s->auth_pending || s->state == S_CLOSED) return WAMP_ESTATE;
    int stage = s->auth_pending;
    s->auth_pending = 0;
    auth_outcome(s, stage, rc, res, challenge, abort_reason);
    reap(s->r);
    return WAMP_OK;
}

wamp_id wamp_router_session_pending_id(const sess *s)
{
    return s ? (s->id ? s->id : s->pending_id) : 0;
}

/* ---------------------------------------------------------------- broker */

static bool list_has_int(const wamp_value *l, int64_t x)
{
    size_t n = wamp_value_count(l);
    for (size_t i = 0; i < n; i++) {
        int64_t v;
        if (wamp_value_get_int(wamp_value_list_at(l, i), &v) && v == x) return true;
    }
    return false;
}

static bool list_has_str(const wamp_value *l, const char *x)
{
    size_t n = wamp_value_count(l);
    for (size_t i = 0; x && i < n; i++) {
        wamp_str v;
        if (wamp_value_get_string(wamp_value_list_at(l, i), &v) && wamp_str_eqc(v, x)) return true;
    }
    return false;
}

static bool present(const wamp_value *v)
{
    return v->type == WAMP_VALUE_LIST;
}

static bool eligible(const sess *s, const sess *pub, const wamp_publish_msg *p)
{
    if (s->state != S_JOINED && s->state != S_SHUTTING) return false;
    if (s == pub && p->exclude_me != WAMP_OPT_FALSE) return false;
    if (present(&p->exclude) && list_has_int(&p->exclude, (int64_t)s->id)) return false;
    if (present(&p->exclude_authid) && list_has_str(&p->exclude_authid, s->authid)) return false;
    if (present(&p->exclude_authrole) && list_has_str(&p->exclude_authrole, s->authrole))
        return false;
    if (present(&p->eligible) && !list_has_int(&p->eligible, (int64_t)s->id)) return false;
    if (present(&p->eligible_authid) && !list_has_str(&p->eligible_authid, s->authid)) return false;
    if (present(&p->eligible_authrole) && !list_has_str(&p->eligible_authrole, s->authrole))
        return false;
    return true;
}

static bool sub_matches(const sub *x, const char *t, size_t n)
{
    switch (x->match) {
    case WAMP_MATCH_EXACT: return x->len == n && memcmp(x->uri, t, n) == 0;
    case WAMP_MATCH_PREFIX: return prefix_match_str(x->uri, x->len, t, n);
    default: return wildcard_match(x->uri, x->len, t, n);
    }
}

static void collect_cb(void *user, void *val, size_t plen)
{
    (void)plen;
    vec_push(user, val);
}

/* Every subscription matching topic into out (exact, then prefix shortest first, then
 * wildcard). On out of memory some may be missing (logged by the caller's absence of events
 * only: there is nothing better to do mid-publish). */
static void subs_collect(realm *rl, const char *t, size_t n, vec *out)
{
    sub *ex = maps_get(&rl->subs_exact, t, n);
    if (ex) vec_push(out, ex);
    wamp__pindex_prefix_each(rl->subs_pat, t, n, collect_cb, out);
    wamp__pindex_wildcard_each(rl->subs_pat, t, n, collect_cb, out);
}

/* Builds and delivers the EVENT of one subscription to `targets` (NULL: all eligible
 * subscribers of x), encoding once per serializer. */
static void deliver_event(wamp_router *r, sub *x, const wamp_message *payload_src,
                          const wamp_publish_msg *p, sess *pub, wamp_id publication, bool disclose,
                          wamp_id publisher, const char *pauthid, const char *pauthrole,
                          bool retained_flag, sess *only)
{
    wamp_message ev = wamp_message_event(x->id, publication);
    wamp_message_copy_payload(&ev, payload_src);
    if (disclose) {
        ev.event.publisher = WAMP_OPT_INT((int64_t)publisher);
        if (pauthid) ev.event.publisher_authid = wamp_str_c(pauthid);
        if (pauthrole) ev.event.publisher_authrole = wamp_str_c(pauthrole);
    }
    if (x->match != WAMP_MATCH_EXACT) {
        ev.event.topic = p ? p->topic : payload_src->publish.topic;
    }
    if (retained_flag) ev.event.retained = WAMP_OPT_TRUE;
    wamp_value list;
    if (wamp_message_marshal(&ev, r->out, &list) != WAMP_OK) {
        size_t lost = only ? 1 : x->sessions.n;
        r->st.events_unencodable += lost;
        rlog(r, WAMP_LOG_WARN, "EVENT for subscription %llu cannot be built: %zu lost",
             (unsigned long long)x->id, lost);
        wamp_arena_reset(r->out);
        return;
    }
    wamp_buf enc[8] = {{0}};
    bool done[8] = {false}, bad[8] = {false};
    size_t n = only ? 1 : x->sessions.n;
    /* copy the receiver list: an overflow may close a session and change the vector */
    sess **targets = malloc(n * sizeof *targets + 1);
    if (!targets) goto out;
    if (only)
        targets[0] = only;
    else
        memcpy(targets, x->sessions.v, n * sizeof *targets);
    for (size_t i = 0; i < n; i++) {
        sess *s = targets[i];
        if (!only && p && !eligible(s, pub, p)) continue;
        if (s->state == S_CLOSED) continue;
        unsigned k = (unsigned)s->info->id & 7;
        if (!done[k]) {
            done[k] = true;
            /* FlatBuffers is a message codec (args/kwargs become CBOR vectors): it encodes
             * the message itself, the value codecs its list */
            int rc = s->info->id == WAMP_SER_FLATBUFFERS
                         ? wamp_message_encode_flatbuffers(&ev, WAMP_FBS_SCHEMA_CURRENT, &enc[k])
                         : wamp_value_encode(s->info->id, &list, &enc[k]);
            if (rc != WAMP_OK) {
                bad[k] = true;
                rlog(r, WAMP_LOG_WARN, "EVENT cannot be encoded as %s: %s", s->info->name,
                     wamp_strerror(rc));
            }
        }
        if (bad[k]) {
            s->st.events_unencodable++;
            r->st.events_unencodable++;
            continue;
        }
        int rc = enqueue_body(s, enc[k].data, enc[k].len);
        if (rc == WAMP_OK)
            r->st.events_queued++;
        else
            r->st.events_overflow++;
    }
    free(targets);
out:
    for (int k = 0; k < 8; k++)
        wamp_buf_free(&enc[k]);
    wamp_arena_reset(r->out);
}

static void retain_store(wamp_router *r, realm *rl, sess *s, const wamp_message *m, wamp_id pubid,
                         bool disclose)
{
    retained *t = calloc(1, sizeof *t);
    if (!t) return;
    t->a = wamp_arena_new(0);
    t->topic = dupn(m->publish.topic.ptr, m->publish.topic.len);
    t->len = m->publish.topic.len;
    t->publication = pubid;
    t->publisher = s->id;
    t->disclosed = disclose;
    t->publisher_authid = dupc(s->authid);
    t->publisher_authrole = dupc(s->authrole);
    if (!t->a || !t->topic || wamp_message_copy(t->a, &t->pub, m) != WAMP_OK) {
        retained_free(t);
        return;
    }
    retained *old = maps_take(&rl->retained, t->topic, t->len);
    if (old) retained_free(old);
    if (maps_put(&rl->retained, t->topic, t->len, t) != WAMP_OK) retained_free(t);
    (void)r;
}

static uint64_t wall_ns(wamp_router *r)
{
    if (r->o.time_ns) return r->o.time_ns(r->o.time_user);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The encoded bytes of a payload part: RAW spans as they are, decoded values (not expected
 * from the wire, where raw_from applies) encoded as JSON into tmp. false: absent. */
static bool payload_bytes(const wamp_value *v, wamp_buf *tmp, const uint8_t **p, size_t *n,
                          int *ser)
{
    if (v->type == WAMP_VALUE_RAW) {
        *p = v->as.raw;
        *n = v->len;
        *ser = v->ser;
        return true;
    }
    if (v->type != WAMP_VALUE_LIST && v->type != WAMP_VALUE_DICT) return false;
    wamp_buf_clear(tmp);
    if (wamp_value_encode(WAMP_SER_JSON, v, tmp) != WAMP_OK) return false;
    *p = tmp->data;
    *n = tmp->len;
    *ser = WAMP_SER_JSON;
    return true;
}

static void hist_drop_oldest(hist *h)
{
    hent *e = h->ring[h->head];
    h->bytes -= e->size;
    free(e);
    h->head = (h->head + 1) % h->cap;
    h->n--;
}

/* Appends one publication to a history (best effort: out of memory loses the event). */
static void hist_store(wamp_router *r, hist *h, sess *s, const wamp_message *m, wamp_id pubid,
                       bool disclose)
{
    wamp_buf ta = {0}, tk = {0};
    const uint8_t *ap = NULL, *kp = NULL;
    size_t an = 0, kn = 0;
    int as = 0, ks = 0;
    bool ha = payload_bytes(&m->args, &ta, &ap, &an, &as);
    bool hk = payload_bytes(&m->kwargs, &tk, &kp, &kn, &ks);
    const char *aid = disclose ? s->authid : NULL, *arl = disclose ? s->authrole : NULL;
    size_t tl = m->publish.topic.len, il = aid ? strlen(aid) + 1 : 0,
           rl = arl ? strlen(arl) + 1 : 0;
    size_t size = sizeof(hent) + tl + 1 + il + rl + (ha ? an : 0) + (hk ? kn : 0);
    hent *e = NULL;
    if (size <= r->o.max_history_bytes) e = malloc(size);
    if (!e) {
        rlog(r, WAMP_LOG_WARN, "event history: event of %zu bytes not stored", size);
        goto out;
    }
    memset(e, 0, sizeof *e);
    e->publication = pubid;
    e->publisher = disclose ? s->id : 0;
    e->time_ns = wall_ns(r);
    e->size = size;
    char *w = e->data;
    memcpy(w, m->publish.topic.ptr, tl);
    w[tl] = 0;
    e->topic = w;
    w += tl + 1;
    if (aid) {
        memcpy(w, aid, il);
        e->authid = w;
        w += il;
    }
    if (arl) {
        memcpy(w, arl, rl);
        e->authrole = w;
        w += rl;
    }
    if (ha) {
        if (an) memcpy(w, ap, an);
        e->args = (const uint8_t *)w;
        e->args_len = an;
        e->args_ser = as;
        w += an;
    }
    if (hk) {
        if (kn) memcpy(w, kp, kn);
        e->kwargs = (const uint8_t *)w;
        e->kwargs_len = kn;
        e->kwargs_ser = ks;
    }
    if (h->n == h->limit) hist_drop_oldest(h);
    while (h->n && h->bytes + size > r->o.max_history_bytes)
        hist_drop_oldest(h);
    if (h->n == h->cap) { /* grow the ring (up to limit), oldest first again */
        size_t cap = h->cap ? h->cap * 2 : 8;
        if (cap > h->limit) cap = h->limit;
        hent **ring = malloc(cap * sizeof *ring);
        if (!ring) {
            free(e);
            goto out;
        }
        for (size_t i = 0; i < h->n; i++)
            ring[i] = h->ring[(h->head + i) % h->cap];
        free(h->ring);
        h->ring = ring;
        h->cap = cap;
        h->head = 0;
    }
    h->ring[(h->head + h->n) % h->cap] = e;
    h->n++;
    h->bytes += size;
out:
    wamp_buf_free(&ta);
    wamp_buf_free(&tk);
}

static void on_publish(sess *s, const wamp_message *m)
{
    wamp_router *r = s->r;
    realm *rl = s->realm;
    const wamp_publish_msg *p = &m->publish;
    bool ack = p->acknowledge == WAMP_OPT_TRUE;
    if (!authorized(s, WAMP_ACTION_PUBLISH, p->topic)) {
        if (ack)
            send_error(s, WAMP_MSG_PUBLISH, p->request, WAMP_ERROR_NOT_AUTHORIZED, NULL);
        else
            count_denial(s);
        return;
    }
    wamp_id pubid = rnd_id(r);
    r->st.publications++;
    bool disclose =
        disclosure(s, WAMP_ACTION_DISCLOSE_PUBLISHER, p->topic, p->disclose_me == WAMP_OPT_TRUE);
    vec hits = {0};
    subs_collect(rl, p->topic.ptr, p->topic.len, &hits);
    for (size_t i = 0; i < hits.n; i++) {
        sub *x = hits.v[i];
        if (x->hist) hist_store(r, x->hist, s, m, pubid, disclose);
        if (x->sessions.n)
            deliver_event(r, x, m, p, s, pubid, disclose, s->id, s->authid, s->authrole, false,
                          NULL);
    }
    vec_free(&hits);
    if (p->retain == WAMP_OPT_TRUE) retain_store(r, rl, s, m, pubid, disclose);
    if (ack && s->state != S_CLOSED) {
        wamp_message a = wamp_message_published(p->request, pubid);
        send_msg(s, &a);
    }
}

/* The subscription of (match, uri) in rl, created when absent (NULL: out of memory). */
static sub *sub_get_or_create(wamp_router *r, realm *rl, wamp_match match, const char *uri,
                              size_t len, bool *created)
{
    *created = false;
    sub *x = match == WAMP_MATCH_EXACT ? maps_get(&rl->subs_exact, uri, len)
                                       : wamp__pindex_get(rl->subs_pat, match, uri, len);
    if (x) return x;
    x = calloc(1, sizeof *x);
    if (!x || !(x->uri = dupn(uri, len))) {
        free(x);
        return NULL;
    }
    x->id = ++r->next_sub;
    x->len = len;
    x->match = match;
    int rc = mapi_put(&rl->subs_id, x->id, x);
    if (rc == WAMP_OK)
        rc = x->match == WAMP_MATCH_EXACT
                 ? maps_put(&rl->subs_exact, x->uri, x->len, x)
                 : wamp__pindex_put(rl->subs_pat, x->match, x->uri, x->len, x);
    if (rc != WAMP_OK) {
        mapi_take(&rl->subs_id, x->id);
        free(x->uri);
        free(x);
        return NULL;
    }
    *created = true;
    return x;
}

static void on_subscribe(sess *s, const wamp_message *m)
{
    wamp_router *r = s->r;
    realm *rl = s->realm;
    const wamp_subscribe_msg *q = &m->subscribe;
    if (wamp_uri_check_pattern(q->topic, q->match, WAMP_URI_LOOSE) != WAMP_OK &&
        q->match != WAMP_MATCH_WILDCARD) {
        send_error(s, WAMP_MSG_SUBSCRIBE, q->request, WAMP_ERROR_INVALID_URI, NULL);
        return;
    }
    if (!authorized(s, WAMP_ACTION_SUBSCRIBE, q->topic)) {
        send_error(s, WAMP_MSG_SUBSCRIBE, q->request, WAMP_ERROR_NOT_AUTHORIZED, NULL);
        return;
    }
    bool created = false;
    sub *x = sub_get_or_create(r, rl, q->match, q->topic.ptr, q->topic.len, &created);
    if (!x) {
        abort_session(s, WAMP_ERROR_SYSTEM_SHUTDOWN, "out of memory");
        return;
    }
    bool added = false;
    if (!vec_has(&x->sessions, s)) {
        if (vec_push(&x->sessions, s) != WAMP_OK || vec_push(&s->subs, x) != WAMP_OK) {
            vec_remove(&x->sessions, s);
            if (sub_unused(x)) sub_delete(rl, x);
            abort_session(s, WAMP_ERROR_SYSTEM_SHUTDOWN, "out of memory");
            return;
        }
        added = true;
    }
    wamp_message a = wamp_message_subscribed(q->request, x->id);
    send_msg(s, &a);
    if (created) meta_sub_event(s, "on_create", x);
    if (added) meta_sub_event(s, "on_subscribe", x);
    if (q->get_retained == WAMP_OPT_TRUE) {
        size_t n;
        void **v = map_values(&rl->retained, &n);
        for (size_t i = 0; v && i < n; i++) {
            retained *t = v[i];
            if (!sub_matches(x, t->topic, t->len)) continue;
            if (s->state == S_CLOSED) break;
            deliver_event(r, x, &t->pub, NULL, NULL, t->publication, t->disclosed, t->publisher,
                          t->publisher_authid, t->publisher_authrole, true, s);
        }
        free(v);
    }
}

static void on_unsubscribe(sess *s, const wamp_message *m)
{
    realm *rl = s->realm;
    sub *x = mapi_get(&rl->subs_id, m->unsubscribe.subscription);
    if (!x || !vec_has(&x->sessions, s)) {
        send_error(s, WAMP_MSG_UNSUBSCRIBE, m->unsubscribe.request, WAMP_ERROR_NO_SUCH_SUBSCRIPTION,
                   NULL);
        return;
    }
    vec_remove(&x->sessions, s);
    vec_remove(&s->subs, x);
    wamp_message a = wamp_message_unsubscribed(m->unsubscribe.request);
    send_msg(s, &a);
    meta_sub_event(s, "on_unsubscribe", x);
    if (sub_unused(x)) {
        meta_sub_event(s, "on_delete", x);
        sub_delete(rl, x);
    }
}

/* ---------------------------------------------------------------- dealer */

typedef struct reg_best {
    const char *u;
    size_t n;
    reg *prefix, *wild;
} reg_best;

/* Prefix registrations arrive shortest first: the last one on a component boundary wins. */
static void reg_prefix_cb(void *user, void *val, size_t plen)
{
    reg_best *b = user;
    reg *y = val;
    if (prefix_match_comp(y->uri, plen, b->u, b->n)) b->prefix = y;
}

static void reg_wild_cb(void *user, void *val, size_t plen)
{
    (void)plen;
    reg_best *b = user;
    reg *y = val;
    /* the most specific wins; among equally specific ones the oldest registration */
    int c = b->wild ? wildcard_cmp(y->uri, y->len, b->wild->uri, b->wild->len) : 1;
    if (c > 0 || (c == 0 && y->id < b->wild->id)) b->wild = y;
}

static reg *reg_lookup(realm *rl, const char *u, size_t n)
{
    reg *g = maps_get(&rl->regs_exact, u, n);
    if (g) return g;
    reg_best b = {u, n, NULL, NULL};
    wamp__pindex_prefix_each(rl->regs_pat, u, n, reg_prefix_cb, &b);
    if (b.prefix) return b.prefix;
    wamp__pindex_wildcard_each(rl->regs_pat, u, n, reg_wild_cb, &b);
    return b.wild;
}

static void on_register(sess *s, const wamp_message *m)
{
    wamp_router *r = s->r;
    realm *rl = s->realm;
    const wamp_register_msg *q = &m->register_;
    if (!authorized(s, WAMP_ACTION_REGISTER, q->procedure)) {
        send_error(s, WAMP_MSG_REGISTER, q->request, WAMP_ERROR_NOT_AUTHORIZED, NULL);
        return;
    }
    reg *g = NULL;
    if (q->match == WAMP_MATCH_EXACT)
        g = maps_get(&rl->regs_exact, q->procedure.ptr, q->procedure.len);
    else
        g = wamp__pindex_get(rl->regs_pat, q->match, q->procedure.ptr, q->procedure.len);
    if (g && q->force_reregister == WAMP_OPT_TRUE) {
        /* the new callee takes over: existing callees lose the registration */
        for (size_t k = 0; k < g->n; k++) {
            sess *o = g->c[k].s;
            vec_remove(&o->regs, g);
            if (o != s) {
                wamp_message u = wamp_message_unregistered(0);
                u.unregistered.registration = WAMP_OPT_INT((int64_t)g->id);
                u.unregistered.reason = wamp_str_c("wamp.error.force_reregister");
                send_msg(o, &u);
            }
        }
        g->n = 0;
        g->invoke = q->invoke;
    }
    if (g) {
        bool mine = false;
        for (size_t k = 0; k < g->n; k++)
            mine |= g->c[k].s == s;
        if (g->n &&
            (mine || (g->invoke == WAMP_INVOKE_SINGLE && q->invoke == WAMP_INVOKE_SINGLE))) {
            send_error(s, WAMP_MSG_REGISTER, q->request, WAMP_ERROR_PROCEDURE_ALREADY_EXISTS, NULL);
            return;
        }
        if (g->n && g->invoke != q->invoke) {
            send_error(s, WAMP_MSG_REGISTER, q->request,
                       WAMP_ERROR_PROCEDURE_EXISTS_INVOCATION_POLICY_CONFLICT, NULL);
            return;
        }
        g->invoke = q->invoke;
    } else {
        g = calloc(1, sizeof *g);
        if (!g || !(g->uri = dupn(q->procedure.ptr, q->procedure.len))) {
            free(g);
            abort_session(s, WAMP_ERROR_SYSTEM_SHUTDOWN, "out of memory");
            return;
        }
        g->id = ++r->next_reg;
        g->len = q->procedure.len;
        g->match = q->match;
        g->invoke = q->invoke;
        int rc = mapi_put(&rl->regs_id, g->id, g);
        if (rc == WAMP_OK)
            rc = g->match == WAMP_MATCH_EXACT
                     ? maps_put(&rl->regs_exact, g->uri, g->len, g)
                     : wamp__pindex_put(rl->regs_pat, g->match, g->uri, g->len, g);
        if (rc != WAMP_OK) {
            mapi_take(&rl->regs_id, g->id);
            free(g->uri);
            free(g);
            abort_session(s, WAMP_ERROR_SYSTEM_SHUTDOWN, "out of memory");
            return;
        }
    }
    if (g->n == g->cap) {
        size_t c = g->cap ? g->cap * 2 : 2;
        callee_t *nc = realloc(g->c, c * sizeof *nc);
        if (!nc) {
            if (!g->n) reg_delete(rl, g);
            abort_session(s, WAMP_ERROR_SYSTEM_SHUTDOWN, "out of memory");
            return;
        }
        g->c = nc;
        g->cap = c;
    }
    if (vec_push(&s->regs, g) != WAMP_OK) {
        if (!g->n) reg_delete(rl, g);
        abort_session(s, WAMP_ERROR_SYSTEM_SHUTDOWN, "out of memory");
        return;
    }
    callee_t c = {s, q->concurrency.set ? q->concurrency.value : 0, 0,
                  q->disclose_caller == WAMP_OPT_TRUE};
    g->c[g->n++] = c;
    wamp_message a = wamp_message_registered(q->request, g->id);
    send_msg(s, &a);
    if (g->n == 1) meta_reg_event(s, "on_create", g);
    meta_reg_event(s, "on_register", g);
}

static void on_unregister(sess *s, const wamp_message *m)
{
    realm *rl = s->realm;
    reg *g = mapi_get(&rl->regs_id, m->unregister.registration);
    size_t k = 0;
    if (g)
        for (; k < g->n; k++)
            if (g->c[k].s == s) break;
    if (!g || k == g->n) {
        send_error(s, WAMP_MSG_UNREGISTER, m->unregister.request, WAMP_ERROR_NO_SUCH_REGISTRATION,
                   NULL);
        return;
    }
    memmove(&g->c[k], &g->c[k + 1], (g->n - k - 1) * sizeof *g->c);
    g->n--;
    vec_remove(&s->regs, g);
    wamp_message a = wamp_message_unregistered(m->unregister.request);
    send_msg(s, &a);
    meta_reg_event(s, "on_unregister", g);
    if (!g->n) {
        meta_reg_event(s, "on_delete", g);
        reg_delete(rl, g);
    }
}

/* Callee black- and whitelisting and caller exclusion of a CALL (Options keys as for
 * PUBLISH: exclude, exclude_authid, exclude_authrole, eligible, eligible_authid,
 * eligible_authrole, and exclude_me, false by default for calls). */
typedef struct call_filter {
    const wamp_value *exclude, *exclude_authid, *exclude_authrole;
    const wamp_value *eligible, *eligible_authid, *eligible_authrole;
    bool exclude_me;
} call_filter;

/* opt: the list under key, checked to hold only ids (ints) or only strings. */
static bool filter_list(const wamp_value *opts, const char *key, bool ints, const wamp_value **out)
{
    *out = NULL;
    const wamp_value *v = wamp_value_dict_getc(opts, key);
    if (!v) return true;
    if (wamp_value_type_of(v) != WAMP_VALUE_LIST) return false;
    size_t n = wamp_value_count(v);
    for (size_t i = 0; i < n; i++) {
        const wamp_value *e = wamp_value_list_at(v, i);
        int64_t x;
        wamp_str t;
        if (ints ? !wamp_value_get_int(e, &x) : !wamp_value_get_string(e, &t)) return false;
    }
    *out = v;
    return true;
}

/* false: an option has the wrong type (wamp.error.invalid_argument). */
static bool call_filter_parse(const wamp_message *m, call_filter *f)
{
    memset(f, 0, sizeof *f);
    const wamp_value *o = &m->options_in;
    if (wamp_value_type_of(o) != WAMP_VALUE_DICT) return true;
    const wamp_value *em = wamp_value_dict_getc(o, "exclude_me");
    if (em) {
        if (!wamp_value_get_bool(em, &f->exclude_me)) return false;
    }
    return filter_list(o, "exclude", true, &f->exclude) &&
           filter_list(o, "exclude_authid", false, &f->exclude_authid) &&
           filter_list(o, "exclude_authrole", false, &f->exclude_authrole) &&
           filter_list(o, "eligible", true, &f->eligible) &&
           filter_list(o, "eligible_authid", false, &f->eligible_authid) &&
           filter_list(o, "eligible_authrole", false, &f->eligible_authrole);
}

static bool callee_eligible(const call_filter *f, const sess *caller, const sess *x)
{
    if (f->exclude_me && x == caller) return false;
    if (f->exclude && list_has_int(f->exclude, (int64_t)x->id)) return false;
    if (f->exclude_authid && list_has_str(f->exclude_authid, x->authid)) return false;
    if (f->exclude_authrole && list_has_str(f->exclude_authrole, x->authrole)) return false;
    if (f->eligible && !list_has_int(f->eligible, (int64_t)x->id)) return false;
    if (f->eligible_authid && !list_has_str(f->eligible_authid, x->authid)) return false;
    if (f->eligible_authrole && !list_has_str(f->eligible_authrole, x->authrole)) return false;
    return true;
}

static bool has_capacity(const callee_t *c)
{
    return !c->concurrency || c->inflight < c->concurrency;
}

/* The callee for a call on g, by its invocation policy among the eligible callees with spare
 * concurrency. NULL with *why: wamp.error.no_eligible_callee when the call's exclude/eligible
 * options leave no callee, wamp.error.no_available_callee when every eligible callee is at its
 * concurrency limit. */
static callee_t *pick_callee(wamp_router *r, reg *g, const call_filter *f, const sess *caller,
                             const char **why)
{
    size_t elig = 0, avail = 0;
    for (size_t i = 0; i < g->n; i++)
        if (callee_eligible(f, caller, g->c[i].s)) {
            elig++;
            avail += has_capacity(&g->c[i]);
        }
    if (!elig || !avail) {
        *why = !elig ? WAMP_ERROR_NO_ELIGIBLE_CALLEE : WAMP_ERROR_NO_AVAILABLE_CALLEE;
        return NULL;
    }
#define USABLE(i) (has_capacity(&g->c[i]) && callee_eligible(f, caller, g->c[i].s))
    switch (g->invoke) {
    case WAMP_INVOKE_LAST:
        for (size_t i = g->n; i-- > 0;)
            if (USABLE(i)) return &g->c[i];
        break;
    case WAMP_INVOKE_ROUNDROBIN:
        for (size_t t = 0; t < g->n; t++) {
            size_t i = (g->rr + t) % g->n;
            if (USABLE(i)) {
                g->rr = (i + 1) % g->n;
                return &g->c[i];
            }
        }
        break;
    case WAMP_INVOKE_RANDOM: {
        size_t pick = rnd(r) % avail;
        for (size_t i = 0; i < g->n; i++)
            if (USABLE(i)) {
                if (!pick) return &g->c[i];
                pick--;
            }
        break;
    }
    default:
        for (size_t i = 0; i < g->n; i++)
            if (USABLE(i)) return &g->c[i];
        break;
    }
#undef USABLE
    *why = WAMP_ERROR_NO_AVAILABLE_CALLEE;
    return NULL;
}

/* ---------------------------------------------------------------- meta API */

/* Values built in r->meta (reset by the callers when done). */
static wamp_value mv_str(wamp_router *r, const char *s)
{
    return s ? wamp_value_cstring(r->meta, s) : wamp_value_null();
}

static wamp_value session_details(wamp_router *r, const sess *x)
{
    wamp_value d = wamp_value_dict();
    wamp_value_dict_setc(r->meta, &d, "session", wamp_value_uint(x->id));
    wamp_value_dict_setc(r->meta, &d, "authid", mv_str(r, x->authid));
    wamp_value_dict_setc(r->meta, &d, "authrole", mv_str(r, x->authrole));
    wamp_value_dict_setc(r->meta, &d, "authmethod", mv_str(r, x->authmethod));
    wamp_value_dict_setc(r->meta, &d, "authprovider", mv_str(r, x->authprovider));
    wamp_value_dict_setc(r->meta, &d, "serializer", mv_str(r, x->info->name));
    if (x->tinfo) wamp_value_dict_setc(r->meta, &d, "transport", mv_str(r, x->tinfo));
    return d;
}

static wamp_value match_name(wamp_router *r, wamp_match m)
{
    return mv_str(r, wamp_match_name(m));
}

static wamp_value sub_details(wamp_router *r, const sub *x)
{
    wamp_value d = wamp_value_dict();
    wamp_value_dict_setc(r->meta, &d, "id", wamp_value_uint(x->id));
    wamp_value_dict_setc(r->meta, &d, "uri", mv_str(r, x->uri));
    wamp_value_dict_setc(r->meta, &d, "match", match_name(r, x->match));
    return d;
}

static wamp_value reg_details(wamp_router *r, const reg *g)
{
    wamp_value d = wamp_value_dict();
    wamp_value_dict_setc(r->meta, &d, "id", wamp_value_uint(g->id));
    wamp_value_dict_setc(r->meta, &d, "uri", mv_str(r, g->uri));
    wamp_value_dict_setc(r->meta, &d, "match", match_name(r, g->match));
    wamp_value_dict_setc(r->meta, &d, "invoke", mv_str(r, wamp_invoke_name(g->invoke)));
    return d;
}

/* Publishes args (a LIST in r->meta) on a meta topic of realm rl to its subscribers. */
static void meta_publish(wamp_router *r, realm *rl, const char *topic, wamp_value args)
{
    wamp_message pm = wamp_message_publish(0, topic);
    pm.args = args;
    size_t n = strlen(topic);
    vec hits = {0};
    subs_collect(rl, topic, n, &hits);
    rlog(r, WAMP_LOG_DEBUG, "meta event %s: %zu subscription(s)", topic, hits.n);
    if (!hits.n) return; /* nobody listens: no publication id is drawn */
    wamp_id pubid = rnd_id(r);
    for (size_t i = 0; i < hits.n; i++)
        deliver_event(r, hits.v[i], &pm, &pm.publish, NULL, pubid, false, 0, NULL, NULL, false,
                      NULL);
    vec_free(&hits);
}

static bool meta_listened(realm *rl)
{
    /* cheap check: anyone subscribed to anything under "wamp." (or any pattern)? */
    return rl && (rl->subs_exact.n || wamp__pindex_count(rl->subs_pat));
}

static void testaments_publish(sess *s)
{
    /* in the order they were added */
    testament *rev = NULL;
    while (s->testaments) {
        testament *t = s->testaments;
        s->testaments = t->next;
        t->next = rev;
        rev = t;
    }
    while (rev) {
        testament *t = rev;
        rev = t->next;
        wamp_message pm = wamp_message_publish(0, t->topic);
        pm.publish = t->pub;
        pm.args = t->args;
        pm.kwargs = t->kwargs;
        realm *rl = s->realm;
        size_t n = strlen(t->topic);
        vec hits = {0};
        subs_collect(rl, t->topic, n, &hits);
        wamp_id pubid = rnd_id(s->r);
        s->r->st.publications++;
        /* as a PUBLISH of the leaving session, never disclosed: history, filters, retain */
        for (size_t i = 0; i < hits.n; i++) {
            sub *x = hits.v[i];
            if (x->hist) hist_store(s->r, x->hist, s, &pm, pubid, false);
            if (x->sessions.n)
                deliver_event(s->r, x, &pm, &pm.publish, s, pubid, false, 0, NULL, NULL, false,
                              NULL);
        }
        vec_free(&hits);
        if (t->pub.retain == WAMP_OPT_TRUE) retain_store(s->r, rl, s, &pm, pubid, false);
        wamp_arena_free(t->a);
        free(t);
    }
}

/* Positional argument i, else kwargs[key]; NULL when absent or null. */
static const wamp_value *arg_or_kw(const wamp_value *args, size_t i, const wamp_value *kwargs,
                                   const char *key)
{
    const wamp_value *v = wamp_value_count(args) > i ? wamp_value_list_at(args, i) : NULL;
    if (!v || wamp_value_type_of(v) == WAMP_VALUE_NULL)
        v = kwargs ? wamp_value_dict_getc(kwargs, key) : NULL;
    return v && wamp_value_type_of(v) != WAMP_VALUE_NULL ? v : NULL;
}

/* The testament scope argument: false "destroyed" (default), true "detached"; NULL error. */
static const char *testament_scope(const wamp_value *v, bool *detached)
{
    wamp_str sc;
    *detached = false;
    if (!v) return NULL;
    if (!wamp_value_get_string(v, &sc)) return "wamp.error.testament_error";
    if (wamp_str_eqc(sc, "detached"))
        *detached = true;
    else if (!wamp_str_eqc(sc, "destroyed"))
        return "wamp.error.testament_error";
    return NULL;
}

/* A list of integers (ints true) or strings. */
static bool typed_list(const wamp_value *v, bool ints)
{
    if (wamp_value_type_of(v) != WAMP_VALUE_LIST) return false;
    for (size_t i = 0; i < wamp_value_count(v); i++) {
        const wamp_value *e = wamp_value_list_at(v, i);
        int64_t n;
        wamp_str str;
        if (ints ? !wamp_value_get_int(e, &n) : !wamp_value_get_string(e, &str)) return false;
    }
    return true;
}

/* Testament publish_options (as Crossbar.io: the options of a PUBLISH; acknowledge and
 * exclude_me are dropped) copied into t. NULL or an error URI. */
static const char *testament_options(testament *t, const wamp_value *o)
{
    if (!o) return NULL;
    if (wamp_value_type_of(o) != WAMP_VALUE_DICT) return WAMP_ERROR_INVALID_ARGUMENT;
    static const char *const lists[] = {"exclude",  "exclude_authid",  "exclude_authrole",
                                        "eligible", "eligible_authid", "eligible_authrole"};
    wamp_value *dst[] = {&t->pub.exclude,  &t->pub.exclude_authid,  &t->pub.exclude_authrole,
                         &t->pub.eligible, &t->pub.eligible_authid, &t->pub.eligible_authrole};
    for (size_t i = 0; i < wamp_value_count(o); i++) {
        wamp_kv *kv = wamp_value_dict_entry(o, i);
        bool known = false, b;
        for (size_t k = 0; k < 6 && !known; k++) {
            if (!wamp_str_eqc(kv->key, lists[k])) continue;
            known = true;
            if (!typed_list(&kv->value, k % 3 == 0)) return WAMP_ERROR_INVALID_ARGUMENT;
            if (wamp_value_copy(t->a, dst[k], &kv->value) != WAMP_OK)
                return WAMP_ERROR_RUNTIME_ERROR;
        }
        if (known) continue;
        if (wamp_str_eqc(kv->key, "retain")) {
            if (!wamp_value_get_bool(&kv->value, &b)) return WAMP_ERROR_INVALID_ARGUMENT;
            t->pub.retain = b ? WAMP_OPT_TRUE : WAMP_OPT_FALSE;
        } else if (wamp_str_eqc(kv->key, "acknowledge") || wamp_str_eqc(kv->key, "exclude_me")) {
            /* meaningless for a testament (ignored, as Crossbar.io does) */
        } else {
            return WAMP_ERROR_INVALID_ARGUMENT;
        }
    }
    return NULL;
}

/* wamp.session.add_testament(topic, args, kwargs, publish_options=None, scope="destroyed"):
 * stores a copy of the event. Both scopes are published when the session leaves (there is no
 * session resumption, so detaching and destruction coincide). */
static const char *testament_add(sess *s, const wamp_value *args, const wamp_value *kwargs)
{
    wamp_str topic;
    if (wamp_value_count(args) < 1 || !wamp_value_get_string(wamp_value_list_at(args, 0), &topic) ||
        wamp_uri_check(topic, WAMP_URI_LOOSE, false, false) != WAMP_OK)
        return WAMP_ERROR_INVALID_ARGUMENT;
    bool detached;
    const char *err = testament_scope(arg_or_kw(args, 4, kwargs, "scope"), &detached);
    if (err) return err;
    if (!authorized(s, WAMP_ACTION_PUBLISH, topic)) return WAMP_ERROR_NOT_AUTHORIZED;
    testament *t = calloc(1, sizeof *t);
    if (!t || !(t->a = wamp_arena_new(0))) {
        free(t);
        return WAMP_ERROR_RUNTIME_ERROR;
    }
    t->topic = wamp_arena_strndup(t->a, topic.ptr, topic.len);
    const wamp_value *a = wamp_value_count(args) > 1 ? wamp_value_list_at(args, 1) : NULL;
    const wamp_value *k = wamp_value_count(args) > 2 ? wamp_value_list_at(args, 2) : NULL;
    int rc = t->topic ? WAMP_OK : WAMP_ENOMEM;
    if (rc == WAMP_OK && a && wamp_value_type_of(a) == WAMP_VALUE_LIST)
        rc = wamp_value_copy(t->a, &t->args, a);
    if (rc == WAMP_OK && k && wamp_value_type_of(k) == WAMP_VALUE_DICT)
        rc = wamp_value_copy(t->a, &t->kwargs, k);
    t->detached = detached;
    t->pub.topic = wamp_str_c(t->topic);
    err = rc == WAMP_OK ? testament_options(t, arg_or_kw(args, 3, kwargs, "publish_options"))
                        : WAMP_ERROR_RUNTIME_ERROR;
    if (err) {
        wamp_arena_free(t->a);
        free(t);
        return err;
    }
    t->next = s->testaments;
    s->testaments = t;
    return NULL;
}

static void meta_session_event(sess *s, bool join)
{
    wamp_router *r = s->r;
    realm *rl = s->realm;
    if (!meta_listened(rl)) return;
    wamp_value args = wamp_value_list();
    if (join) {
        wamp_value_list_push(r->meta, &args, session_details(r, s));
    } else {
        wamp_value_list_push(r->meta, &args, wamp_value_uint(s->id));
        wamp_value_list_push(r->meta, &args, mv_str(r, s->authid));
        wamp_value_list_push(r->meta, &args, mv_str(r, s->authrole));
    }
    meta_publish(r, rl, join ? "wamp.session.on_join" : "wamp.session.on_leave", args);
    wamp_arena_reset(r->meta);
}

static void meta_sub_event(sess *s, const char *what, sub *x)
{
    wamp_router *r = s->r;
    if (!meta_listened(s->realm)) return;
    if (!strncmp(x->uri, "wamp.", 5)) return; /* no meta events about meta subscriptions */
    char topic[64];
    snprintf(topic, sizeof topic, "wamp.subscription.%s", what);
    wamp_value args = wamp_value_list();
    wamp_value_list_push(r->meta, &args, wamp_value_uint(s->id));
    wamp_value_list_push(r->meta, &args,
                         !strcmp(what, "on_create") ? sub_details(r, x) : wamp_value_uint(x->id));
    meta_publish(r, s->realm, topic, args);
    wamp_arena_reset(r->meta);
}

static void meta_reg_event(sess *s, const char *what, reg *g)
{
    wamp_router *r = s->r;
    if (!meta_listened(s->realm)) return;
    char topic[64];
    snprintf(topic, sizeof topic, "wamp.registration.%s", what);
    wamp_value args = wamp_value_list();
    wamp_value_list_push(r->meta, &args, wamp_value_uint(s->id));
    wamp_value_list_push(r->meta, &args,
                         !strcmp(what, "on_create") ? reg_details(r, g) : wamp_value_uint(g->id));
    meta_publish(r, s->realm, topic, args);
    wamp_arena_reset(r->meta);
}

static bool arg_id(const wamp_value *args, size_t i, wamp_id *out)
{
    const wamp_value *v = i < wamp_value_count(args) ? wamp_value_list_at(args, i) : NULL;
    return v && wamp_id_check(v, out);
}

static bool arg_str(const wamp_value *args, size_t i, wamp_str *out)
{
    const wamp_value *v = i < wamp_value_count(args) ? wamp_value_list_at(args, i) : NULL;
    return v && wamp_value_get_string(v, out);
}

static wamp_match arg_match(const wamp_value *args, size_t i)
{
    const wamp_value *v = i < wamp_value_count(args) ? wamp_value_list_at(args, i) : NULL;
    const wamp_value *m =
        v && wamp_value_type_of(v) == WAMP_VALUE_DICT ? wamp_value_dict_getc(v, "match") : NULL;
    wamp_str ms;
    if (m && wamp_value_get_string(m, &ms)) {
        if (wamp_str_eqc(ms, "prefix")) return WAMP_MATCH_PREFIX;
        if (wamp_str_eqc(ms, "wildcard")) return WAMP_MATCH_WILDCARD;
    }
    return WAMP_MATCH_EXACT;
}

static const char *hist_get_events(sess *s, const wamp_value *args, wamp_value *one);

/* reason (a URI, default wamp.close.killed) and message of the kill procedures: positional after
 * the first argument, or kwargs "reason" / "message" (as Crossbar.io). false: invalid. */
static bool kill_args(const wamp_value *args, const wamp_value *kwargs, char *reason, size_t rcap,
                      char *message, size_t mcap)
{
    snprintf(reason, rcap, "%s", WAMP_CLOSE_KILLED);
    message[0] = 0;
    const wamp_value *rv = wamp_value_count(args) > 1 ? wamp_value_list_at(args, 1)
                                                      : wamp_value_dict_getc(kwargs, "reason");
    const wamp_value *mv = wamp_value_count(args) > 2 ? wamp_value_list_at(args, 2)
                                                      : wamp_value_dict_getc(kwargs, "message");
    wamp_str v;
    if (rv && wamp_value_type_of(rv) != WAMP_VALUE_NULL) {
        if (!wamp_value_get_string(rv, &v) || v.len >= rcap ||
            wamp_uri_check(v, WAMP_URI_LOOSE, false, false) != WAMP_OK)
            return false;
        memcpy(reason, v.ptr, v.len);
        reason[v.len] = 0;
    }
    if (mv && wamp_value_type_of(mv) != WAMP_VALUE_NULL) {
        if (!wamp_value_get_string(mv, &v) || v.len >= mcap || memchr(v.ptr, 0, v.len))
            return false;
        memcpy(message, v.ptr, v.len);
        message[v.len] = 0;
    }
    return true;
}

/* Tells a joined session to leave (GOODBYE reason); its GOODBYE answer closes it. */
static void kill_session(sess *x, const char *reason, const char *message)
{
    wamp_message g = wamp_message_goodbye(reason, message && *message ? message : NULL);
    send_msg(x, &g);
    if (x->state == S_JOINED) x->state = S_SHUTTING;
}

/* Handles a CALL to a wamp.* meta procedure; false when the procedure is not one. */
static bool meta_call(sess *s, const wamp_message *m)
{
    wamp_router *r = s->r;
    realm *rl = s->realm;
    wamp_str proc = m->call.procedure;
    wamp_id req = m->call.request;
    wamp_value args = wamp_value_list();
    if (m->args.type == WAMP_VALUE_RAW) {
        if (wamp_value_decode((wamp_serializer_id)m->args.ser, m->args.as.raw, m->args.len, r->meta,
                              NULL, &args) != WAMP_OK)
            args = wamp_value_list();
    } else if (m->args.type == WAMP_VALUE_LIST) {
        args = m->args;
    }
    wamp_value kwargs = wamp_value_dict();
    if (m->kwargs.type == WAMP_VALUE_RAW) {
        if (wamp_value_decode((wamp_serializer_id)m->kwargs.ser, m->kwargs.as.raw, m->kwargs.len,
                              r->meta, NULL, &kwargs) != WAMP_OK ||
            kwargs.type != WAMP_VALUE_DICT)
            kwargs = wamp_value_dict();
    } else if (m->kwargs.type == WAMP_VALUE_DICT) {
        kwargs = m->kwargs;
    }
    wamp_value res = wamp_value_list(), one = wamp_value_null();
    const char *error = NULL;
    bool handled = true, no_result = false;
    wamp_id id = 0;
    wamp_str uri;
    if (wamp_str_eqc(proc, "wamp.session.count")) {
        size_t n = 0;
        for (sess *x = r->sessions; x; x = x->next)
            if (x->realm == rl && x->state == S_JOINED) n++;
        one = wamp_value_uint(n);
    } else if (wamp_str_eqc(proc, "wamp.session.list")) {
        one = wamp_value_list();
        for (sess *x = r->sessions; x; x = x->next)
            if (x->realm == rl && x->state == S_JOINED)
                wamp_value_list_push(r->meta, &one, wamp_value_uint(x->id));
    } else if (wamp_str_eqc(proc, "wamp.session.get")) {
        sess *x = arg_id(&args, 0, &id) ? mapi_get(&r->by_id, id) : NULL;
        if (!x || x->realm != rl)
            error = WAMP_ERROR_NO_SUCH_SESSION;
        else
            one = session_details(r, x);
    } else if (wamp_str_eqc(proc, "wamp.session.kill") ||
               wamp_str_eqc(proc, "wamp.session.kill_by_authid") ||
               wamp_str_eqc(proc, "wamp.session.kill_by_authrole")) {
        char reason[256], message[512];
        bool by_id = wamp_str_eqc(proc, "wamp.session.kill"),
             by_authid = wamp_str_eqc(proc, "wamp.session.kill_by_authid");
        wamp_str who = {0};
        if (!kill_args(&args, &kwargs, reason, sizeof reason, message, sizeof message))
            error = WAMP_ERROR_INVALID_ARGUMENT;
        else if (by_id) {
            sess *x = arg_id(&args, 0, &id) ? mapi_get(&r->by_id, id) : NULL;
            if (!x || x->realm != rl || x->state != S_JOINED || x == s)
                error = WAMP_ERROR_NO_SUCH_SESSION; /* a session cannot kill itself (Crossbar) */
            else {
                kill_session(x, reason, message);
                no_result = true;
            }
        } else if (!arg_str(&args, 0, &who))
            error = WAMP_ERROR_INVALID_ARGUMENT;
        else {
            /* every other joined session of the realm with that authid/authrole; the ids of
             * the sessions told to leave are the result (as Crossbar.io) */
            one = wamp_value_list();
            for (sess *x = r->sessions; x; x = x->next) {
                if (x == s || x->realm != rl || x->state != S_JOINED) continue;
                const char *v = by_authid ? x->authid : x->authrole;
                if (!v || !wamp_str_eqc(who, v)) continue;
                wamp_value_list_push(r->meta, &one, wamp_value_uint(x->id));
                kill_session(x, reason, message);
            }
        }
    } else if (wamp_str_eqc(proc, "wamp.session.add_testament")) {
        error = testament_add(s, &args, &kwargs);
        no_result = true;
    } else if (wamp_str_eqc(proc, "wamp.session.flush_testaments")) {
        /* flush_testaments(scope="destroyed"): drops that scope's testaments, counts them */
        bool detached;
        error = testament_scope(arg_or_kw(&args, 0, &kwargs, "scope"), &detached);
        size_t n = 0;
        for (testament **pp = &s->testaments; !error && *pp;) {
            testament *t = *pp;
            if (t->detached != detached) {
                pp = &t->next;
                continue;
            }
            *pp = t->next;
            wamp_arena_free(t->a);
            free(t);
            n++;
        }
        if (!error) one = wamp_value_uint(n);
    } else if (proc.len > 18 && !memcmp(proc.ptr, "wamp.subscription.", 18)) {
        const char *op = proc.ptr + 18;
        size_t oplen = proc.len - 18;
#define OP(name) (oplen == strlen(name) && !memcmp(op, name, oplen))
        if (OP("list")) {
            wamp_value e = wamp_value_list(), p = wamp_value_list(), w = wamp_value_list();
            size_t n;
            void **v = map_values(&rl->subs_id, &n);
            for (size_t i = 0; v && i < n; i++) {
                sub *x = v[i];
                if (!strncmp(x->uri, "wamp.", 5)) continue; /* the router's own (Crossbar) */
                wamp_value *dst = x->match == WAMP_MATCH_EXACT    ? &e
                                  : x->match == WAMP_MATCH_PREFIX ? &p
                                                                  : &w;
                wamp_value_list_push(r->meta, dst, wamp_value_uint(x->id));
            }
            free(v);
            one = wamp_value_dict();
            wamp_value_dict_setc(r->meta, &one, "exact", e);
            wamp_value_dict_setc(r->meta, &one, "prefix", p);
            wamp_value_dict_setc(r->meta, &one, "wildcard", w);
        } else if (OP("lookup")) {
            if (!arg_str(&args, 0, &uri))
                error = WAMP_ERROR_INVALID_ARGUMENT;
            else {
                wamp_match mt = arg_match(&args, 1);
                sub *x = NULL;
                if (mt == WAMP_MATCH_EXACT)
                    x = maps_get(&rl->subs_exact, uri.ptr, uri.len);
                else
                    x = wamp__pindex_get(rl->subs_pat, mt, uri.ptr, uri.len);
                if (x) one = wamp_value_uint(x->id);
            }
        } else if (OP("match")) {
            if (!arg_str(&args, 0, &uri))
                error = WAMP_ERROR_INVALID_ARGUMENT;
            else {
                wamp_value l = wamp_value_list();
                vec hits = {0};
                subs_collect(rl, uri.ptr, uri.len, &hits);
                for (size_t i = 0; i < hits.n; i++)
                    wamp_value_list_push(r->meta, &l, wamp_value_uint(((sub *)hits.v[i])->id));
                vec_free(&hits);
                if (wamp_value_count(&l)) one = l;
            }
        } else if (OP("get_events")) {
            error = hist_get_events(s, &args, &one);
        } else if (OP("get") || OP("list_subscribers") || OP("count_subscribers")) {
            sub *x = arg_id(&args, 0, &id) ? mapi_get(&rl->subs_id, id) : NULL;
            if (!x)
                error = WAMP_ERROR_NO_SUCH_SUBSCRIPTION;
            else if (OP("get"))
                one = sub_details(r, x);
            else if (OP("count_subscribers"))
                one = wamp_value_uint(x->sessions.n);
            else {
                one = wamp_value_list();
                for (size_t i = 0; i < x->sessions.n; i++)
                    wamp_value_list_push(r->meta, &one,
                                         wamp_value_uint(((sess *)x->sessions.v[i])->id));
            }
        } else
            handled = false;
    } else if (proc.len > 18 && !memcmp(proc.ptr, "wamp.registration.", 18)) {
        const char *op = proc.ptr + 18;
        size_t oplen = proc.len - 18;
        if (OP("list")) {
            wamp_value e = wamp_value_list(), p = wamp_value_list(), w = wamp_value_list();
            size_t n;
            void **v = map_values(&rl->regs_id, &n);
            for (size_t i = 0; v && i < n; i++) {
                reg *g = v[i];
                if (!strncmp(g->uri, "wamp.", 5)) continue;
                wamp_value *dst = g->match == WAMP_MATCH_EXACT    ? &e
                                  : g->match == WAMP_MATCH_PREFIX ? &p
                                                                  : &w;
                wamp_value_list_push(r->meta, dst, wamp_value_uint(g->id));
            }
            free(v);
            one = wamp_value_dict();
            wamp_value_dict_setc(r->meta, &one, "exact", e);
            wamp_value_dict_setc(r->meta, &one, "prefix", p);
            wamp_value_dict_setc(r->meta, &one, "wildcard", w);
        } else if (OP("lookup")) {
            if (!arg_str(&args, 0, &uri))
                error = WAMP_ERROR_INVALID_ARGUMENT;
            else {
                wamp_match mt = arg_match(&args, 1);
                reg *g = NULL;
                if (mt == WAMP_MATCH_EXACT)
                    g = maps_get(&rl->regs_exact, uri.ptr, uri.len);
                else
                    g = wamp__pindex_get(rl->regs_pat, mt, uri.ptr, uri.len);
                if (g) one = wamp_value_uint(g->id);
            }
        } else if (OP("match")) {
            if (!arg_str(&args, 0, &uri))
                error = WAMP_ERROR_INVALID_ARGUMENT;
            else {
                reg *g = reg_lookup(rl, uri.ptr, uri.len);
                if (g) one = wamp_value_uint(g->id);
            }
        } else if (OP("get") || OP("list_callees") || OP("count_callees")) {
            reg *g = arg_id(&args, 0, &id) ? mapi_get(&rl->regs_id, id) : NULL;
            if (!g)
                error = WAMP_ERROR_NO_SUCH_REGISTRATION;
            else if (OP("get"))
                one = reg_details(r, g);
            else if (OP("count_callees"))
                one = wamp_value_uint(g->n);
            else {
                one = wamp_value_list();
                for (size_t i = 0; i < g->n; i++)
                    wamp_value_list_push(r->meta, &one, wamp_value_uint(g->c[i].s->id));
            }
        } else
            handled = false;
#undef OP
    } else
        handled = false;
    if (handled) {
        if (error)
            send_error(s, WAMP_MSG_CALL, req, error, NULL);
        else {
            wamp_message rm = wamp_message_result(req);
            if (!no_result) {
                wamp_value_list_push(r->meta, &res, one);
                rm.args = res;
            }
            send_msg(s, &rm);
        }
    }
    wamp_arena_reset(r->meta);
    return handled;
}

/* wamp.subscription.get_events(subscription_id[, limit = 10]) into *one (values in r->meta). */
static const char *hist_get_events(sess *s, const wamp_value *args, wamp_value *one)
{
    wamp_router *r = s->r;
    wamp_id id;
    if (!arg_id(args, 0, &id)) return WAMP_ERROR_INVALID_ARGUMENT;
    int64_t limit = 10;
    if (wamp_value_count(args) > 1 &&
        (!wamp_value_get_int(wamp_value_list_at(args, 1), &limit) || limit < 0))
        return WAMP_ERROR_INVALID_ARGUMENT;
    sub *x = mapi_get(&s->realm->subs_id, id);
    if (!x) return WAMP_ERROR_NO_SUCH_SUBSCRIPTION;
    if (!authorized(s, WAMP_ACTION_SUBSCRIBE, (wamp_str){x->uri, x->len}))
        return WAMP_ERROR_NOT_AUTHORIZED;
    hist *h = x->hist;
    if (!h) return "wamp.error.history_unavailable";
    *one = wamp_value_list();
    for (size_t i = 0; i < h->n && (int64_t)i < limit; i++) {
        const hent *e = h->ring[(h->head + h->n - 1 - i) % h->cap];
        wamp_value d = wamp_value_dict();
        wamp_value_dict_setc(r->meta, &d, "time_ns", wamp_value_uint(e->time_ns));
        wamp_value_dict_setc(r->meta, &d, "realm", mv_str(r, s->realm->name));
        wamp_value_dict_setc(r->meta, &d, "session_id",
                             e->publisher ? wamp_value_uint(e->publisher) : wamp_value_null());
        wamp_value_dict_setc(r->meta, &d, "authid", mv_str(r, e->authid));
        wamp_value_dict_setc(r->meta, &d, "authrole", mv_str(r, e->authrole));
        wamp_value_dict_setc(r->meta, &d, "publication", wamp_value_uint(e->publication));
        wamp_value_dict_setc(r->meta, &d, "topic", mv_str(r, e->topic));
        wamp_value_dict_setc(r->meta, &d, "args",
                             e->args ? wamp_value_raw_borrow(e->args_ser, e->args, e->args_len)
                                     : wamp_value_null());
        wamp_value_dict_setc(r->meta, &d, "kwargs",
                             e->kwargs
                                 ? wamp_value_raw_borrow(e->kwargs_ser, e->kwargs, e->kwargs_len)
                                 : wamp_value_null());
        wamp_value_list_push(r->meta, one, d);
    }
    return NULL;
}

/* A CALL continuing a progressive call invocation (same request id as the running call v). */
static void call_continue(sess *s, inv *v, const wamp_message *m)
{
    const wamp_call_msg *q = &m->call;
    if (!v->progressive_in || !v->procedure || !wamp_str_eqc(q->procedure, v->procedure)) {
        protocol_violation(s, "CALL with the request id of a call still running");
        return;
    }
    if (v->canceled) return; /* being killed: the chunk has nowhere to go */
    bool more = q->progress == WAMP_OPT_TRUE;
    wamp_router *r = s->r;
    if (v->timeout > 0) v->deadline = r->now + (uint64_t)v->timeout;
    if (!more) v->progressive_in = false;
    /* options are those of the initiating CALL, except progress */
    wamp_message iv = wamp_message_invocation(v->id, v->reg_id);
    wamp_message_copy_payload(&iv, m);
    if (more) iv.invocation.progress = WAMP_OPT_TRUE;
    if (v->receive_progress) iv.invocation.receive_progress = WAMP_OPT_TRUE;
    if (v->disclose) {
        iv.invocation.caller = WAMP_OPT_INT((int64_t)s->id);
        iv.invocation.caller_authid = wamp_str_c(s->authid);
        iv.invocation.caller_authrole = wamp_str_c(s->authrole);
    }
    realm *rl = v->callee->realm;
    reg *g = rl ? mapi_get(&rl->regs_id, v->reg_id) : NULL;
    if (g && g->match != WAMP_MATCH_EXACT) iv.invocation.procedure = q->procedure;
    send_msg(v->callee, &iv);
}

static void on_call(sess *s, const wamp_message *m)
{
    wamp_router *r = s->r;
    realm *rl = s->realm;
    const wamp_call_msg *q = &m->call;
    for (inv *v = s->calls; v; v = v->cnext)
        if (v->call_req == q->request) {
            call_continue(s, v, m);
            return;
        }
    /* progress from a caller that did not announce progressive_call_invocations is accepted:
     * sending it shows the caller uses the feature (wampy 8 does so without announcing it) */
    bool progress = q->progress == WAMP_OPT_TRUE;
    if (progress)
        for (unsigned i = 0; i < 16; i++)
            if (s->done_prog[i] == q->request) {
                /* continuation of a progressive call that has completed meanwhile: the caller
                 * has (or will have) its RESULT or ERROR; discard (spec) */
                rlog(r, WAMP_LOG_DEBUG, "session %llu: late CALL continuation %llu discarded",
                     (unsigned long long)s->id, (unsigned long long)q->request);
                return;
            }
    if (!authorized(s, WAMP_ACTION_CALL, q->procedure)) {
        send_error(s, WAMP_MSG_CALL, q->request, WAMP_ERROR_NOT_AUTHORIZED, NULL);
        return;
    }
    if (q->procedure.len > 5 && memcmp(q->procedure.ptr, "wamp.", 5) == 0) {
        if (progress) {
            send_error(s, WAMP_MSG_CALL, q->request, WAMP_ERROR_FEATURE_NOT_SUPPORTED,
                       "meta procedures take no progressive invocations");
            return;
        }
        if (meta_call(s, m)) return;
    }
    call_filter cf;
    if (!call_filter_parse(m, &cf)) {
        send_error(s, WAMP_MSG_CALL, q->request, WAMP_ERROR_INVALID_ARGUMENT,
                   "exclude/eligible options must be lists of session ids, authids or authroles");
        return;
    }
    reg *g = reg_lookup(rl, q->procedure.ptr, q->procedure.len);
    if (!g || !g->n) {
        r->st.calls_no_such_procedure++;
        send_error(s, WAMP_MSG_CALL, q->request, WAMP_ERROR_NO_SUCH_PROCEDURE, NULL);
        return;
    }
    const char *why = NULL;
    callee_t *c = pick_callee(r, g, &cf, s, &why);
    if (!c) {
        bool none = !strcmp(why, WAMP_ERROR_NO_ELIGIBLE_CALLEE);
        if (none)
            r->st.calls_no_eligible_callee++;
        else
            r->st.calls_no_available_callee++;
        send_error(s, WAMP_MSG_CALL, q->request, why,
                   none ? "the call's exclude/eligible options leave no callee"
                        : "all callees are at their concurrency limit");
        return;
    }
    if (progress && (!peer_has(c->s, WAMP_ROLE_CALLEE, WAMP_FEATURE_PROGRESSIVE_CALL_INVOCATIONS) ||
                     !peer_has(c->s, WAMP_ROLE_CALLEE, WAMP_FEATURE_CALL_CANCELING))) {
        send_error(s, WAMP_MSG_CALL, q->request, WAMP_ERROR_FEATURE_NOT_SUPPORTED,
                   "the callee does not support progressive call invocations");
        return;
    }
    inv *v = calloc(1, sizeof *v);
    if (!v) {
        send_error(s, WAMP_MSG_CALL, q->request, WAMP_ERROR_RUNTIME_ERROR, "out of memory");
        return;
    }
    v->id = ++r->next_inv;
    v->call_req = q->request;
    v->reg_id = g->id;
    v->caller = s;
    v->callee = c->s;
    v->timeout = q->timeout.set ? q->timeout.value : 0;
    v->deadline = v->timeout > 0 ? r->now + (uint64_t)v->timeout : 0;
    v->receive_progress = q->receive_progress == WAMP_OPT_TRUE &&
                          peer_has(c->s, WAMP_ROLE_CALLEE, WAMP_FEATURE_PROGRESSIVE_CALL_RESULTS);
    v->disclose = disclosure(s, WAMP_ACTION_DISCLOSE_CALLER, q->procedure,
                             q->disclose_me == WAMP_OPT_TRUE || c->disclose_caller);
    v->progressive = v->progressive_in = progress;
    if ((progress && !(v->procedure = dupn(q->procedure.ptr, q->procedure.len))) ||
        mapi_put(&r->invs, v->id, v) != WAMP_OK) {
        free(v->procedure);
        free(v);
        send_error(s, WAMP_MSG_CALL, q->request, WAMP_ERROR_RUNTIME_ERROR, "out of memory");
        return;
    }
    v->cnext = s->calls;
    if (s->calls) s->calls->cprev = v;
    s->calls = v;
    v->enext = c->s->invs;
    if (c->s->invs) c->s->invs->eprev = v;
    c->s->invs = v;
    c->inflight++;
    r->st.calls++;

    wamp_message iv = wamp_message_invocation(v->id, g->id);
    wamp_message_copy_payload(&iv, m);
    if (v->receive_progress) iv.invocation.receive_progress = WAMP_OPT_TRUE;
    if (progress) iv.invocation.progress = WAMP_OPT_TRUE;
    if (v->disclose) {
        iv.invocation.caller = WAMP_OPT_INT((int64_t)s->id);
        iv.invocation.caller_authid = wamp_str_c(s->authid);
        iv.invocation.caller_authrole = wamp_str_c(s->authrole);
    }
    if (g->match != WAMP_MATCH_EXACT) iv.invocation.procedure = q->procedure;
    send_msg(c->s, &iv);
}

static void on_yield(sess *s, const wamp_message *m)
{
    wamp_router *r = s->r;
    inv *v = mapi_get(&r->invs, m->yield.request);
    if (!v || v->callee != s) {
        rlog(r, WAMP_LOG_DEBUG, "session %llu: late YIELD %llu discarded",
             (unsigned long long)s->id, (unsigned long long)m->yield.request);
        return;
    }
    bool progress = m->yield.progress == WAMP_OPT_TRUE;
    if (progress && !v->receive_progress) return;
    if (v->icb) {
        icall_finish(r, v, WAMP_OK, m);
        return;
    }
    wamp_message res = wamp_message_result(v->call_req);
    wamp_message_copy_payload(&res, m);
    if (progress) res.result.progress = WAMP_OPT_TRUE;
    sess *caller = v->caller;
    if (progress) {
        if (v->timeout > 0) v->deadline = r->now + (uint64_t)v->timeout;
    } else {
        r->st.calls_results++;
        inv_finish(r, v);
    }
    send_msg(caller, &res);
}

static void on_error(sess *s, const wamp_message *m)
{
    wamp_router *r = s->r;
    if (m->error.request_type != WAMP_MSG_INVOCATION) {
        protocol_violation(s, "ERROR may only answer an INVOCATION");
        return;
    }
    inv *v = mapi_get(&r->invs, m->error.request);
    if (!v || v->callee != s) return; /* late: discarded */
    if (v->icb) {
        icall_finish(r, v, WAMP_EAPPLICATION, m);
        return;
    }
    wamp_message e = wamp_message_error(WAMP_MSG_CALL, v->call_req, "");
    e.error.error = m->error.error;
    wamp_message_copy_payload(&e, m);
    sess *caller = v->caller;
    r->st.calls_errors++;
    inv_finish(r, v);
    send_msg(caller, &e);
}

static void on_cancel(sess *s, const wamp_message *m)
{
    wamp_router *r = s->r;
    inv *v = s->calls;
    while (v && v->call_req != m->cancel.request)
        v = v->cnext;
    if (!v || v->canceled) return;
    r->st.calls_canceled++;
    wamp_cancel_mode mode = m->cancel.mode ? m->cancel.mode : WAMP_CANCEL_KILLNOWAIT;
    if (!peer_has(v->callee, WAMP_ROLE_CALLEE, WAMP_FEATURE_CALL_CANCELING))
        mode = WAMP_CANCEL_SKIP;
    if (mode == WAMP_CANCEL_KILL) {
        v->canceled = true;
        send_interrupt(v->callee, v->id, WAMP_CANCEL_KILL, WAMP_ERROR_CANCELED);
        return;
    }
    wamp_id req = v->call_req, id = v->id;
    sess *callee = v->callee;
    inv_finish(r, v);
    if (mode == WAMP_CANCEL_KILLNOWAIT)
        send_interrupt(callee, id, WAMP_CANCEL_KILLNOWAIT, WAMP_ERROR_CANCELED);
    send_error(s, WAMP_MSG_CALL, req, WAMP_ERROR_CANCELED, NULL);
}

/* ---------------------------------------------------------------- dispatch */

static void on_goodbye(sess *s, const wamp_message *m)
{
    (void)m;
    if (s->state == S_SHUTTING) {
        sess_close(s, "goodbye (shutdown)");
        return;
    }
    if (s->state != S_JOINED) {
        protocol_violation(s, "GOODBYE before the session was established");
        return;
    }
    wamp_message g = wamp_message_goodbye(WAMP_CLOSE_GOODBYE_AND_OUT, NULL);
    send_msg(s, &g);
    sess_close(s, "goodbye");
}

/* A message held while an asynchronous authorization is pending (owning copy). */
typedef struct held {
    struct held *next;
    wamp_arena *a;
    wamp_message m;
} held;

static void hold(sess *s, const wamp_message *m)
{
    held *h = calloc(1, sizeof *h);
    if (h) h->a = wamp_arena_new(0);
    if (!h || !h->a || wamp_message_copy(h->a, &h->m, m) != WAMP_OK) {
        if (h) wamp_arena_free(h->a);
        free(h);
        abort_session(s, WAMP_ERROR_SYSTEM_SHUTDOWN, "out of memory");
        return;
    }
    if (s->held_tail)
        s->held_tail->next = h;
    else
        s->held_head = h;
    s->held_tail = h;
}

static held *unhold(sess *s)
{
    held *h = s->held_head;
    if (h) {
        s->held_head = h->next;
        if (!s->held_head) s->held_tail = NULL;
    }
    return h;
}

static void held_free(held *h)
{
    if (!h) return;
    wamp_arena_free(h->a);
    free(h);
}

/* The action and URI authorize_async decides for m, if any. */
static bool az_target(const wamp_message *m, wamp_router_action *a, wamp_str *uri)
{
    switch (m->type) {
    case WAMP_MSG_CALL: *a = WAMP_ACTION_CALL, *uri = m->call.procedure; return true;
    case WAMP_MSG_REGISTER: *a = WAMP_ACTION_REGISTER, *uri = m->register_.procedure; return true;
    case WAMP_MSG_PUBLISH: *a = WAMP_ACTION_PUBLISH, *uri = m->publish.topic; return true;
    case WAMP_MSG_SUBSCRIBE: *a = WAMP_ACTION_SUBSCRIBE, *uri = m->subscribe.topic; return true;
    default: return false;
    }
}

static void dispatch_joined(sess *s, const wamp_message *m);

/* Joined sessions: asks authorize_async first; a pending decision holds m and what follows
 * (but callee answers, YIELD and ERROR, which pass). */
static void dispatch_az(sess *s, const wamp_message *m)
{
    wamp_router *r = s->r;
    bool answer = m->type == WAMP_MSG_YIELD || m->type == WAMP_MSG_ERROR;
    if (s->az_wait && !answer) {
        hold(s, m);
        return;
    }
    wamp_router_action a;
    wamp_str uri;
    if (r->o.auth.authorize_async && s->state == S_JOINED && az_target(m, &a, &uri)) {
        wamp_router_session_info who;
        wamp_router_session_get_info(s, &who);
        int rc = r->o.auth.authorize_async(r->o.auth.user, s, &who, a, uri, &m->options_in);
        if (rc == WAMP_ROUTER_AUTH_PENDING) {
            s->az_wait = true;
            hold(s, m);
            return;
        }
        s->az_have = true;
        s->az_allow = rc == 1;
    }
    dispatch_joined(s, m);
    s->az_have = false;
}

int wamp_router_session_authorize_complete(sess *s, bool allow)
{
    if (!s) return WAMP_EINVAL;
    if (!s->az_wait || s->state == S_CLOSED) return WAMP_ESTATE;
    s->az_wait = false;
    held *h = unhold(s);
    if (h) {
        s->az_have = true;
        s->az_allow = allow;
        dispatch_joined(s, &h->m);
        s->az_have = false;
        held_free(h);
    }
    while (!s->az_wait && s->state != S_CLOSED && (h = unhold(s))) {
        dispatch_az(s, &h->m);
        held_free(h);
    }
    reap(s->r);
    return WAMP_OK;
}

static void dispatch(sess *s, const wamp_message *m)
{
    if (m->type == WAMP_MSG_ABORT) {
        sess_close(s, "aborted by peer");
        return;
    }
    if (s->auth_pending) {
        protocol_violation(s, "message while the router is authenticating the session");
        return;
    }
    if (s->state == S_NEW || s->state == S_CHALLENGED) {
        if (m->type == WAMP_MSG_HELLO)
            on_hello(s, m);
        else if (m->type == WAMP_MSG_AUTHENTICATE)
            on_authenticate(s, m);
        else
            protocol_violation(s, "message before the session was established");
        return;
    }
    dispatch_az(s, m);
}

static void dispatch_joined(sess *s, const wamp_message *m)
{
    if (s->state == S_CLOSED) return;
    if (s->state == S_SHUTTING && m->type != WAMP_MSG_GOODBYE) return;
    switch (m->type) {
    case WAMP_MSG_GOODBYE: on_goodbye(s, m); break;
    case WAMP_MSG_HELLO: on_hello(s, m); break;
    case WAMP_MSG_PUBLISH: on_publish(s, m); break;
    case WAMP_MSG_SUBSCRIBE: on_subscribe(s, m); break;
    case WAMP_MSG_UNSUBSCRIBE: on_unsubscribe(s, m); break;
    case WAMP_MSG_CALL: on_call(s, m); break;
    case WAMP_MSG_CANCEL: on_cancel(s, m); break;
    case WAMP_MSG_REGISTER: on_register(s, m); break;
    case WAMP_MSG_UNREGISTER: on_unregister(s, m); break;
    case WAMP_MSG_YIELD: on_yield(s, m); break;
    case WAMP_MSG_ERROR: on_error(s, m); break;
    case WAMP_MSG_EVENT_RECEIVED: break;
    default: {
        char t[96];
        snprintf(t, sizeof t, "unexpected %s from a client", wamp_msg_type_name(m->type));
        protocol_violation(s, t);
    }
    }
}

static size_t raw_from(int64_t first, size_t count, void *user)
{
    (void)count;
    (void)user;
    switch (first) {
    case WAMP_MSG_PUBLISH:
    case WAMP_MSG_CALL: return 4;
    case WAMP_MSG_YIELD: return 3;
    case WAMP_MSG_ERROR: return 5;
    case WAMP_MSG_ABORT: return 3;
    default: return SIZE_MAX;
    }
}

int wamp_router_session_receive(sess *s, const uint8_t *data, size_t len)
{
    if (!s || (!data && len)) return WAMP_EINVAL;
    if (s->state == S_CLOSED) return WAMP_ECLOSED;
    wamp_router *r = s->r;
    wamp_decode_opts o = {0};
    o.raw_from = raw_from;
    wamp_value *msgs = NULL;
    size_t count = 0;
    int rc = wamp_serializer_unserialize(s->ser, data, len, r->in, &o, &msgs, &count);
    if (rc != WAMP_OK) {
        char t[160];
        snprintf(t, sizeof t, "malformed message: %s", wamp_strerror(rc));
        protocol_violation(s, t);
        wamp_arena_reset(r->in);
        reap(r);
        return rc;
    }
    for (size_t i = 0; i < count && s->state != S_CLOSED; i++) {
        wamp_message m;
        wamp_msg_error err;
        s->st.messages_in++;
        rc = wamp_message_parse(&msgs[i], r->in, &m, &err);
        if (rc != WAMP_OK) {
            protocol_violation(s, err.text);
            wamp_arena_reset(r->in);
            reap(r);
            return WAMP_EPROTO;
        }
        if (r->o.log_level >= WAMP_LOG_TRACE && r->o.log) {
            wamp_buf b = {0};
            if (wamp_message_dump(&b, &m) == WAMP_OK && wamp_buf_append_byte(&b, 0) == WAMP_OK)
                rlog(r, WAMP_LOG_TRACE, "session %llu <- %s", (unsigned long long)s->id,
                     (const char *)b.data);
            wamp_buf_free(&b);
        }
        dispatch(s, &m);
    }
    wamp_arena_reset(r->in);
    reap(r);
    return WAMP_OK;
}

/* ---------------------------------------------------------------- public API */

int wamp_router_new(const wamp_router_options *opts, wamp_router **out)
{
    if (!out) return WAMP_EINVAL;
    wamp_router *r = calloc(1, sizeof *r);
    if (!r) return WAMP_ENOMEM;
    if (opts) r->o = *opts;
    if (!opts) r->o.log_level = WAMP_LOG_INFO;
    if (!r->o.max_queue_bytes) r->o.max_queue_bytes = 16u * 1024u * 1024u;
    if (!r->o.max_queue_messages) r->o.max_queue_messages = 65536;
    if (!r->o.max_history_bytes) r->o.max_history_bytes = 64u * 1024u * 1024u;
    r->in = wamp_arena_new(0);
    r->out = wamp_arena_new(0);
    r->meta = wamp_arena_new(0);
    if (!r->in || !r->out || !r->meta) {
        wamp_arena_free(r->in);
        wamp_arena_free(r->out);
        wamp_arena_free(r->meta);
        free(r);
        return WAMP_ENOMEM;
    }
    router_roles(&r->roles);
    *out = r;
    return WAMP_OK;
}

int wamp_router_free(wamp_router *r)
{
    if (!r) return WAMP_OK;
    if (r->sessions) return WAMP_ESTATE;
    while (r->realms) {
        realm *x = r->realms;
        r->realms = x->next;
        realm_free(x);
    }
    map_free(&r->by_id);
    map_free(&r->invs);
    wamp_arena_free(r->in);
    wamp_arena_free(r->out);
    wamp_arena_free(r->meta);
    wamp_buf_free(&r->tmp);
    free(r);
    return WAMP_OK;
}

int wamp_router_add_realm(wamp_router *r, const char *name)
{
    if (!r || !name) return WAMP_EINVAL;
    if (wamp_uri_check(wamp_str_c(name), WAMP_URI_LOOSE, false, false) != WAMP_OK)
        return WAMP_EREALM;
    if (realm_find(r, name, strlen(name))) return WAMP_EEXIST;
    return realm_add(r, name, strlen(name), NULL);
}

int wamp_router_add_event_history(wamp_router *r, const char *realm_name, const char *uri,
                                  wamp_match match, size_t limit)
{
    if (!r || !realm_name || !uri || !limit || limit > 1000000) return WAMP_EINVAL;
    if (match != WAMP_MATCH_EXACT && match != WAMP_MATCH_PREFIX && match != WAMP_MATCH_WILDCARD)
        return WAMP_EINVAL;
    realm *rl = realm_find(r, realm_name, strlen(realm_name));
    if (!rl) return WAMP_ENOTFOUND;
    if (wamp_uri_check_pattern(wamp_str_c(uri), match, WAMP_URI_LOOSE) != WAMP_OK) return WAMP_EURI;
    bool created;
    sub *x = sub_get_or_create(r, rl, match, uri, strlen(uri), &created);
    if (!x) return WAMP_ENOMEM;
    if (x->hist) return WAMP_EEXIST;
    x->hist = calloc(1, sizeof *x->hist);
    if (!x->hist) {
        if (created) sub_delete(rl, x);
        return WAMP_ENOMEM;
    }
    x->hist->limit = limit;
    return WAMP_OK;
}

void wamp_router_tick(wamp_router *r, uint64_t now_ms)
{
    if (!r) return;
    r->now = now_ms;
    if (!r->invs.n) return;
    size_t n;
    void **v = map_values(&r->invs, &n);
    if (!v) return;
    /* collect the ids first: finishing one invocation may not free another, but be safe */
    wamp_id *ids = malloc(n * sizeof *ids + 1);
    size_t k = 0;
    for (size_t i = 0; ids && i < n; i++) {
        inv *x = v[i];
        if (x->deadline && x->deadline <= now_ms) ids[k++] = x->id;
    }
    free(v);
    for (size_t i = 0; i < k; i++) {
        inv *x = mapi_get(&r->invs, ids[i]);
        if (!x) continue;
        sess *caller = x->caller, *callee = x->callee;
        wamp_id req = x->call_req, id = x->id;
        if (x->icb) {
            icall_finish(r, x, WAMP_ETIMEOUT, NULL);
            send_interrupt(callee, id, WAMP_CANCEL_KILLNOWAIT, WAMP_ERROR_TIMEOUT);
            continue;
        }
        inv_finish(r, x);
        r->st.calls_timed_out++;
        send_interrupt(callee, id, WAMP_CANCEL_KILLNOWAIT, WAMP_ERROR_TIMEOUT);
        send_error(caller, WAMP_MSG_CALL, req, WAMP_ERROR_TIMEOUT, NULL);
    }
    free(ids);
    reap(r);
}

size_t wamp_router_shutdown(wamp_router *r, const char *reason)
{
    if (!r) return 0;
    size_t told = 0;
    sess *s = r->sessions;
    while (s) {
        sess *nx = s->next;
        if (s->state == S_JOINED) {
            wamp_message g =
                wamp_message_goodbye(reason ? reason : WAMP_CLOSE_SYSTEM_SHUTDOWN, NULL);
            send_msg(s, &g);
            if (s->state == S_JOINED) s->state = S_SHUTTING;
            told++;
        } else if (s->state != S_CLOSED && s->state != S_SHUTTING) {
            abort_session(s, WAMP_ERROR_SYSTEM_SHUTDOWN, "router shutting down");
            told++;
        }
        s = nx;
    }
    reap(r);
    return told;
}

int wamp_router_call(wamp_router *r, const char *realm_name, const char *procedure,
                     const wamp_value *args, const wamp_value *kwargs, uint64_t timeout_ms,
                     wamp_router_call_cb cb, void *user, uint64_t *handle)
{
    if (!r || !realm_name || !procedure || !cb) return WAMP_EINVAL;
    if ((args && args->type != WAMP_VALUE_LIST) || (kwargs && kwargs->type != WAMP_VALUE_DICT))
        return WAMP_EINVAL;
    realm *rl = realm_find(r, realm_name, strlen(realm_name));
    reg *g = rl ? reg_lookup(rl, procedure, strlen(procedure)) : NULL;
    if (!g || !g->n) return WAMP_ENOTFOUND;
    const call_filter nofilter = {0};
    const char *why = NULL;
    callee_t *c = pick_callee(r, g, &nofilter, NULL, &why);
    if (!c) return WAMP_ELIMIT;
    inv *v = calloc(1, sizeof *v);
    if (!v) return WAMP_ENOMEM;
    v->id = ++r->next_inv;
    v->reg_id = g->id;
    v->callee = c->s;
    v->icb = cb;
    v->iuser = user;
    v->timeout = (int64_t)timeout_ms;
    v->deadline = timeout_ms ? r->now + timeout_ms : 0;
    if (mapi_put(&r->invs, v->id, v) != WAMP_OK) {
        free(v);
        return WAMP_ENOMEM;
    }
    v->enext = c->s->invs;
    if (c->s->invs) c->s->invs->eprev = v;
    c->s->invs = v;
    c->inflight++;
    wamp_message iv = wamp_message_invocation(v->id, g->id);
    if (args) iv.args = *args;
    if (kwargs) iv.kwargs = *kwargs;
    if (g->match != WAMP_MATCH_EXACT) iv.invocation.procedure = wamp_str_c(procedure);
    if (handle) *handle = v->id;
    send_msg(c->s, &iv);
    return WAMP_OK;
}

void wamp_router_call_cancel(wamp_router *r, uint64_t handle)
{
    inv *v = r && handle ? mapi_get(&r->invs, handle) : NULL;
    if (!v || !v->icb) return;
    sess *callee = v->callee;
    inv_finish(r, v);
    if (callee && callee->state != S_CLOSED)
        send_interrupt(callee, handle, WAMP_CANCEL_KILLNOWAIT, WAMP_ERROR_CANCELED);
}

size_t wamp_router_session_count(const wamp_router *r)
{
    return r ? r->nsessions : 0;
}

int wamp_router_session_new(wamp_router *r, const wamp_serializer_info *ser,
                            const wamp_router_session_cbs *cbs, void *user,
                            const char *transport_info, wamp_router_session **out)
{
    if (!r || !ser || !cbs || !cbs->on_output || !cbs->on_close || !out) return WAMP_EINVAL;
    sess *s = calloc(1, sizeof *s);
    if (!s) return WAMP_ENOMEM;
    int rc = wamp_serializer_new(ser, &s->ser);
    if (rc != WAMP_OK) {
        free(s);
        return rc;
    }
    s->r = r;
    s->info = ser;
    s->cbs = *cbs;
    s->user = user;
    s->tinfo = dupc(transport_info);
    s->next = r->sessions;
    if (r->sessions) r->sessions->prev = s;
    r->sessions = s;
    r->nsessions++;
    *out = s;
    return WAMP_OK;
}

bool wamp_router_session_pop(sess *s, wamp_buf *out)
{
    if (!s || !out || !s->qhead) return false;
    qnode *q = s->qhead;
    s->qhead = q->next;
    if (!s->qhead) s->qtail = NULL;
    s->st.queued_bytes -= q->len;
    s->st.queued_messages--;
    wamp_buf_clear(out);
    int rc = wamp_buf_append(out, q->data, q->len);
    free(q);
    return rc == WAMP_OK;
}

void wamp_router_session_free(sess *s)
{
    if (!s) return;
    wamp_router *r = s->r;
    s->closed_cb = true; /* no callbacks from here on */
    sess_leave(s);
    if (r->o.auth.session_end) r->o.auth.session_end(r->o.auth.user, s);
    if (s->prev)
        s->prev->next = s->next;
    else
        r->sessions = s->next;
    if (s->next) s->next->prev = s->prev;
    r->nsessions--;
    queue_drop(s);
    wamp_serializer_free(s->ser);
    free(s->tinfo);
    free(s->realm_pending);
    free(s->authid);
    free(s->authrole);
    free(s->authmethod);
    free(s->authprovider);
    testaments_free(s);
    held *h;
    while ((h = unhold(s)))
        held_free(h);
    free(s);
}

void wamp_router_session_get_info(const sess *s, wamp_router_session_info *out)
{
    if (!out) return;
    memset(out, 0, sizeof *out);
    if (!s) return;
    out->session = s->id;
    out->realm = s->realm ? s->realm->name : s->realm_pending;
    out->authid = s->authid;
    out->authrole = s->authrole;
    out->authmethod = s->authmethod;
    out->authprovider = s->authprovider;
}

void wamp_router_session_get_stats(const sess *s, wamp_router_session_stats *out)
{
    if (!out) return;
    memset(out, 0, sizeof *out);
    if (s) *out = s->st;
}

void wamp_router_get_stats(const wamp_router *r, wamp_router_stats *out)
{
    if (!out) return;
    memset(out, 0, sizeof *out);
    if (r) *out = r->st;
}

void *wamp_router_session_get_user(const sess *s)
{
    return s ? s->user : NULL;
}

uint64_t wamp__router_index_visits(const wamp_router *r)
{
    uint64_t n = 0;
    for (const realm *x = r ? r->realms : NULL; x; x = x->next)
        n += wamp__pindex_visits(x->subs_pat) + wamp__pindex_visits(x->regs_pat);
    return n;
}
