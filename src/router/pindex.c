/*
 * The pattern index of the router core: a radix trie over bytes for prefix patterns and a trie over
 * components (one per component count, with wildcard edges) for wildcard patterns. See
 * router_int.h.
 */
#include <stdlib.h>
#include <string.h>

#include "router_int.h"

typedef struct pnode {
    struct pnode *parent;
    struct pnode *chain; /* next in the edge table bucket */
    struct pnode *wild;  /* wildcard child (component tries only) */
    void *val;
    uint64_t h;
    uint32_t nkids; /* children in the edge table */
    uint32_t klen;
    bool radix; /* a prefix trie node: found by (parent, first byte of key) */
    char *key;  /* edge label (malloc'd): a run of bytes (prefix trie), a component, or a
                   component count (the roots of the component tries) */
} pnode;

struct wamp__pindex {
    pnode *proot; /* root of the prefix trie */
    pnode *wroot; /* its children: one root per component count (label: the count) */
    pnode **b;    /* edge table */
    size_t nb, n;
    size_t count;
    uint64_t visits;
};

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static uint64_t edge_hash(const pnode *parent, const char *k, size_t n)
{
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)(uintptr_t)parent;
    for (size_t i = 0; i < n; i++) {
        h ^= (uint8_t)k[i];
        h *= 1099511628211ULL;
    }
    return mix64(h ^ n);
}

/* The hash of an edge: radix edges by their first byte only (siblings differ in it). */
static uint64_t node_hash(const pnode *x)
{
    return edge_hash(x->parent, x->key, x->radix ? 1 : x->klen);
}

/* Component / count edge labelled exactly k. */
static pnode *edge_find(const wamp__pindex *ix, const pnode *parent, const char *k, size_t n)
{
    if (!ix->nb || !parent->nkids) return NULL;
    uint64_t h = edge_hash(parent, k, n);
    for (pnode *e = ix->b[h & (ix->nb - 1)]; e; e = e->chain)
        if (e->h == h && e->parent == parent && !e->radix && e->klen == n &&
            memcmp(e->key, k, n) == 0)
            return e;
    return NULL;
}

/* Radix edge whose label starts with byte c. */
static pnode *radix_find(const wamp__pindex *ix, const pnode *parent, char c)
{
    if (!ix->nb || !parent->nkids) return NULL;
    uint64_t h = edge_hash(parent, &c, 1);
    for (pnode *e = ix->b[h & (ix->nb - 1)]; e; e = e->chain)
        if (e->h == h && e->parent == parent && e->radix && e->key[0] == c) return e;
    return NULL;
}

static int edge_grow(wamp__pindex *ix)
{
    size_t nb = ix->nb ? ix->nb * 2 : 64;
    pnode **b = calloc(nb, sizeof *b);
    if (!b) return WAMP_ENOMEM;
    for (size_t i = 0; i < ix->nb; i++) {
        pnode *e = ix->b[i];
        while (e) {
            pnode *nx = e->chain;
            size_t k = e->h & (nb - 1);
            e->chain = b[k];
            b[k] = e;
            e = nx;
        }
    }
    free(ix->b);
    ix->b = b;
    ix->nb = nb;
    return WAMP_OK;
}

/* Room for k more edges without growing. */
static int edge_reserve(wamp__pindex *ix, size_t k)
{
    while (ix->n + k > ix->nb * 3 / 4)
        if (edge_grow(ix) != WAMP_OK) return WAMP_ENOMEM;
    return WAMP_OK;
}

static pnode *node_new(pnode *parent, const char *k, size_t n, bool radix)
{
    if (n > UINT32_MAX) return NULL;
    pnode *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    if (n && !(c->key = malloc(n))) {
        free(c);
        return NULL;
    }
    c->parent = parent;
    c->klen = (uint32_t)n;
    c->radix = radix;
    if (n) memcpy(c->key, k, n);
    return c;
}

static void node_free(pnode *x)
{
    free(x->key);
    free(x);
}

/* Links x under x->parent (room reserved by the caller). */
static void edge_link(wamp__pindex *ix, pnode *x)
{
    x->h = node_hash(x);
    size_t b = x->h & (ix->nb - 1);
    x->chain = ix->b[b];
    ix->b[b] = x;
    ix->n++;
    x->parent->nkids++;
}

static void edge_unlink(wamp__pindex *ix, pnode *x)
{
    pnode **pp = &ix->b[x->h & (ix->nb - 1)];
    while (*pp != x)
        pp = &(*pp)->chain;
    *pp = x->chain;
    ix->n--;
    x->parent->nkids--;
}

/* The child of parent labelled k, created when absent (NULL: out of memory). */
static pnode *edge_get_or_add(wamp__pindex *ix, pnode *parent, const char *k, size_t n)
{
    pnode *c = edge_find(ix, parent, k, n);
    if (c) return c;
    if (edge_reserve(ix, 1) != WAMP_OK) return NULL;
    c = node_new(parent, k, n, false);
    if (!c) return NULL;
    edge_link(ix, c);
    return c;
}

static pnode *wild_get_or_add(pnode *parent)
{
    if (!parent->wild) parent->wild = node_new(parent, NULL, 0, false);
    return parent->wild;
}

static bool is_root(const wamp__pindex *ix, const pnode *x)
{
    return x == ix->proot || x == ix->wroot;
}

/* The only radix child of x (x->nkids == 1). */
static pnode *radix_only_child(const wamp__pindex *ix, const pnode *x)
{
    for (int c = 0; c < 256; c++) {
        pnode *k = radix_find(ix, x, (char)c);
        if (k) return k;
    }
    return NULL;
}

/* Frees x and its empty ancestors (up to a root); in the prefix trie, a node left without a
 * value and with a single child is merged into that child (the trie stays compressed). */
static void prune(wamp__pindex *ix, pnode *x)
{
    while (!is_root(ix, x)) {
        pnode *p = x->parent;
        if (x->val || x->wild) return;
        if (x->radix && x->nkids == 1) {
            pnode *c = radix_only_child(ix, x);
            char *key = c ? malloc((size_t)x->klen + c->klen) : NULL;
            if (!key || (uint64_t)x->klen + c->klen > UINT32_MAX) {
                free(key);
                return; /* stays uncompressed: still correct */
            }
            memcpy(key, x->key, x->klen);
            memcpy(key + x->klen, c->key, c->klen);
            edge_unlink(ix, c);
            edge_unlink(ix, x);
            free(c->key);
            c->key = key;
            c->klen += x->klen;
            c->parent = p;
            edge_link(ix, c); /* room: two edges were just unlinked */
            node_free(x);
            return;
        }
        if (x->nkids) return;
        if (p->wild == x)
            p->wild = NULL;
        else
            edge_unlink(ix, x);
        node_free(x);
        x = p;
    }
}

static size_t count_components(const char *u, size_t n)
{
    size_t c = 1;
    for (size_t i = 0; i < n; i++)
        c += u[i] == '.';
    return c;
}

/* The prefix trie node of pattern u, or NULL. */
static pnode *radix_locate(const wamp__pindex *ix, const char *u, size_t n)
{
    pnode *x = ix->proot;
    size_t i = 0;
    while (i < n) {
        pnode *c = radix_find(ix, x, u[i]);
        if (!c || c->klen > n - i || memcmp(c->key, u + i, c->klen) != 0) return NULL;
        i += c->klen;
        x = c;
    }
    return x;
}

/* The prefix trie node of pattern u, created (splitting an edge if needed) when absent. */
static pnode *radix_insert(wamp__pindex *ix, const char *u, size_t n)
{
    pnode *x = ix->proot;
    size_t i = 0;
    while (i < n) {
        pnode *c = radix_find(ix, x, u[i]);
        if (!c) {
            if (edge_reserve(ix, 1) != WAMP_OK) return NULL;
            pnode *leaf = node_new(x, u + i, n - i, true);
            if (!leaf) return NULL;
            edge_link(ix, leaf);
            return leaf;
        }
        size_t l = 0, max = c->klen < n - i ? c->klen : n - i;
        while (l < max && c->key[l] == u[i + l])
            l++;
        if (l == c->klen) {
            i += l;
            x = c;
            continue;
        }
        /* split c after l bytes: x -> m (c's first l bytes) -> c (the rest) [-> leaf] */
        bool leaf_needed = i + l < n;
        if (edge_reserve(ix, 2) != WAMP_OK) return NULL;
        pnode *m = node_new(x, c->key, l, true);
        pnode *leaf = leaf_needed ? node_new(m, u + i + l, n - i - l, true) : NULL;
        if (!m || (leaf_needed && !leaf)) {
            if (m) node_free(m);
            if (leaf) node_free(leaf);
            return NULL;
        }
        edge_unlink(ix, c);
        memmove(c->key, c->key + l, c->klen - l);
        c->klen -= (uint32_t)l;
        c->parent = m;
        edge_link(ix, m);
        edge_link(ix, c);
        if (!leaf) return m;
        edge_link(ix, leaf);
        return leaf;
    }
    return x;
}

/* The node of pattern (match, uri); create: add the missing path. */
static pnode *locate(wamp__pindex *ix, wamp_match match, const char *u, size_t n, bool create)
{
    if (match == WAMP_MATCH_PREFIX) return create ? radix_insert(ix, u, n) : radix_locate(ix, u, n);
    uint64_t cnt = count_components(u, n);
    pnode *x = create ? edge_get_or_add(ix, ix->wroot, (const char *)&cnt, sizeof cnt)
                      : edge_find(ix, ix->wroot, (const char *)&cnt, sizeof cnt);
    size_t i = 0;
    while (x) {
        size_t e = i;
        while (e < n && u[e] != '.')
            e++;
        pnode *c;
        if (e == i)
            c = create ? wild_get_or_add(x) : x->wild;
        else
            c = create ? edge_get_or_add(ix, x, u + i, e - i) : edge_find(ix, x, u + i, e - i);
        if (!c && create) prune(ix, x);
        x = c;
        if (e >= n) break;
        i = e + 1;
    }
    return x;
}

int wamp__pindex_new(wamp__pindex **out)
{
    wamp__pindex *ix = calloc(1, sizeof *ix);
    if (!ix) return WAMP_ENOMEM;
    ix->proot = node_new(NULL, NULL, 0, true);
    ix->wroot = node_new(NULL, NULL, 0, false);
    if (!ix->proot || !ix->wroot) {
        free(ix->proot);
        free(ix->wroot);
        free(ix);
        return WAMP_ENOMEM;
    }
    *out = ix;
    return WAMP_OK;
}

static void free_wild_chain(pnode *x)
{
    /* wildcard children are not in the edge table: free them depth-first (iteratively: a
     * pattern of only empty components is a chain) */
    while (x) {
        pnode *w = x->wild;
        x->wild = NULL;
        node_free(x);
        x = w;
    }
}

void wamp__pindex_free(wamp__pindex *ix)
{
    if (!ix) return;
    /* Nodes reachable only through wild edges: collect every node's wild chain. A node in the
     * table may have a wild child whose own descendants are in the table (they are freed from
     * the table walk) or wild (freed here). */
    for (size_t i = 0; i < ix->nb; i++)
        for (pnode *e = ix->b[i]; e; e = e->chain)
            if (e->wild) {
                free_wild_chain(e->wild);
                e->wild = NULL;
            }
    for (size_t i = 0; i < ix->nb; i++) {
        pnode *e = ix->b[i];
        while (e) {
            pnode *nx = e->chain;
            node_free(e);
            e = nx;
        }
    }
    free(ix->b);
    free(ix->proot);
    free(ix->wroot);
    free(ix);
}

void *wamp__pindex_get(wamp__pindex *ix, wamp_match match, const char *uri, size_t len)
{
    if (!ix || match == WAMP_MATCH_EXACT) return NULL;
    pnode *x = locate(ix, match, uri, len, false);
    return x ? x->val : NULL;
}

int wamp__pindex_put(wamp__pindex *ix, wamp_match match, const char *uri, size_t len, void *val)
{
    if (!ix || !val || match == WAMP_MATCH_EXACT) return WAMP_EINVAL;
    pnode *x = locate(ix, match, uri, len, true);
    if (!x) return WAMP_ENOMEM;
    if (x->val) return WAMP_EEXIST;
    x->val = val;
    ix->count++;
    return WAMP_OK;
}

void *wamp__pindex_take(wamp__pindex *ix, wamp_match match, const char *uri, size_t len)
{
    if (!ix || match == WAMP_MATCH_EXACT) return NULL;
    pnode *x = locate(ix, match, uri, len, false);
    if (!x || !x->val) return NULL;
    void *v = x->val;
    x->val = NULL;
    ix->count--;
    prune(ix, x);
    return v;
}

size_t wamp__pindex_count(const wamp__pindex *ix)
{
    return ix ? ix->count : 0;
}

void wamp__pindex_prefix_each(wamp__pindex *ix, const char *uri, size_t len, wamp__pindex_fn fn,
                              void *user)
{
    if (!ix) return;
    pnode *x = ix->proot;
    ix->visits++;
    if (x->val) fn(user, x->val, 0);
    size_t i = 0;
    while (i < len) {
        x = radix_find(ix, x, uri[i]);
        if (!x || x->klen > len - i || memcmp(x->key, uri + i, x->klen) != 0) return;
        i += x->klen;
        ix->visits++;
        if (x->val) fn(user, x->val, i);
    }
}

int wamp__pindex_wildcard_each(wamp__pindex *ix, const char *uri, size_t len, wamp__pindex_fn fn,
                               void *user)
{
    if (!ix || !ix->wroot->nkids) return WAMP_OK;
    uint64_t cnt = count_components(uri, len);
    ix->visits++;
    pnode *top = edge_find(ix, ix->wroot, (const char *)&cnt, sizeof cnt);
    if (!top) return WAMP_OK;
    /* breadth first, one level per component: cur holds the nodes matching the URI so far */
    size_t cap = 8, ncur = 1, nnext;
    pnode **cur = malloc(cap * sizeof *cur), **next = malloc(cap * sizeof *next);
    int rc = WAMP_OK;
    if (!cur || !next) {
        rc = WAMP_ENOMEM;
        goto out;
    }
    cur[0] = top;
    ix->visits++;
    size_t i = 0;
    for (;;) {
        size_t e = i;
        while (e < len && uri[e] != '.')
            e++;
        nnext = 0;
        for (size_t k = 0; k < ncur; k++) {
            pnode *cand[2] = {e > i ? edge_find(ix, cur[k], uri + i, e - i) : NULL, cur[k]->wild};
            for (int j = 0; j < 2; j++) {
                if (!cand[j]) continue;
                if (nnext == cap) {
                    pnode **nc = realloc(cur, 2 * cap * sizeof *nc);
                    if (!nc) {
                        rc = WAMP_ENOMEM;
                        goto out;
                    }
                    cur = nc;
                    pnode **nn = realloc(next, 2 * cap * sizeof *nn);
                    if (!nn) {
                        rc = WAMP_ENOMEM;
                        goto out;
                    }
                    next = nn;
                    cap *= 2;
                }
                next[nnext++] = cand[j];
                ix->visits++;
            }
        }
        pnode **t = cur;
        cur = next;
        next = t;
        ncur = nnext;
        if (!ncur || e >= len) break;
        i = e + 1;
    }
    for (size_t k = 0; k < ncur; k++)
        if (cur[k]->val) fn(user, cur[k]->val, len);
out:
    free(cur);
    free(next);
    return rc;
}

uint64_t wamp__pindex_visits(const wamp__pindex *ix)
{
    return ix ? ix->visits : 0;
}
