/* bench_value: what arenas and the hashed uniqueness check buy, each beside a reference measured
 * in the same run.
 *   1. build and free the value tree of a typical CALL message, N times:
 *      arena (reset per message) vs one malloc per node and per string (the way tree-of-nodes
 *      libraries such as jansson allocate);
 *   2. duplicate-key check of a 100k-key dict: wamp_value_dict_check_unique() vs sorting the
 *      keys and comparing neighbours.
 * usage: bench_value [iterations]   (prints ns per operation and the ratio reference/libwamp) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wamp/wamp.h>

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static volatile size_t sink; /* keeps results alive */

/* ---------------------------------------------------------------- 1. tree building */

/* [48, 7, {"receive_progress": true, "timeout": 1000, "disclose_me": false},
 *  "com.example.add2", [1, 2, "three"], {"a": 1.5, "b": "text"}] */
static void build_arena(wamp_arena *a)
{
    wamp_value msg = wamp_value_list(), opts = wamp_value_dict(), args = wamp_value_list(),
               kw = wamp_value_dict();
    wamp_value_dict_setc(a, &opts, "receive_progress", wamp_value_bool(true));
    wamp_value_dict_setc(a, &opts, "timeout", wamp_value_int(1000));
    wamp_value_dict_setc(a, &opts, "disclose_me", wamp_value_bool(false));
    wamp_value_list_push(a, &args, wamp_value_int(1));
    wamp_value_list_push(a, &args, wamp_value_int(2));
    wamp_value_list_push(a, &args, wamp_value_cstring(a, "three"));
    wamp_value_dict_setc(a, &kw, "a", wamp_value_double(1.5));
    wamp_value_dict_setc(a, &kw, "b", wamp_value_cstring(a, "text"));
    wamp_value_list_push(a, &msg, wamp_value_int(48));
    wamp_value_list_push(a, &msg, wamp_value_int(7));
    wamp_value_list_push(a, &msg, opts);
    wamp_value_list_push(a, &msg, wamp_value_cstring(a, "com.example.add2"));
    wamp_value_list_push(a, &msg, args);
    wamp_value_list_push(a, &msg, kw);
    sink += wamp_value_count(&msg);
}

/* Reference: a node per value, children in a malloc'd array, keys and strings strdup'ed. */
typedef struct node {
    int type;
    char *key;
    char *str;
    long long num;
    struct node **kids;
    size_t n, cap;
} node;

static node *nnew(int type, long long num, const char *str)
{
    node *x = calloc(1, sizeof *x);
    x->type = type;
    x->num = num;
    if (str) x->str = strdup(str);
    return x;
}

static void nadd(node *parent, const char *key, node *kid)
{
    if (parent->n == parent->cap) {
        parent->cap = parent->cap ? parent->cap * 2 : 4;
        parent->kids = realloc(parent->kids, parent->cap * sizeof *parent->kids);
    }
    if (key) kid->key = strdup(key);
    parent->kids[parent->n++] = kid;
}

static void nfree(node *x)
{
    for (size_t i = 0; i < x->n; i++)
        nfree(x->kids[i]);
    free(x->kids);
    free(x->key);
    free(x->str);
    free(x);
}

static void build_malloc(void)
{
    node *msg = nnew(1, 0, NULL), *opts = nnew(2, 0, NULL), *args = nnew(1, 0, NULL),
         *kw = nnew(2, 0, NULL);
    nadd(opts, "receive_progress", nnew(0, 1, NULL));
    nadd(opts, "timeout", nnew(0, 1000, NULL));
    nadd(opts, "disclose_me", nnew(0, 0, NULL));
    nadd(args, NULL, nnew(0, 1, NULL));
    nadd(args, NULL, nnew(0, 2, NULL));
    nadd(args, NULL, nnew(3, 0, "three"));
    nadd(kw, "a", nnew(0, 15, NULL));
    nadd(kw, "b", nnew(3, 0, "text"));
    nadd(msg, NULL, nnew(0, 48, NULL));
    nadd(msg, NULL, nnew(0, 7, NULL));
    nadd(msg, NULL, opts);
    nadd(msg, NULL, nnew(3, 0, "com.example.add2"));
    nadd(msg, NULL, args);
    nadd(msg, NULL, kw);
    sink += msg->n;
    nfree(msg);
}

/* ---------------------------------------------------------------- 2. duplicate keys */

static int cmp_str(const void *a, const void *b)
{
    const wamp_str *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->ptr, y->ptr, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

static int unique_by_sort(const wamp_value *d)
{
    size_t n = wamp_value_count(d);
    wamp_str *keys = malloc(n * sizeof *keys);
    for (size_t i = 0; i < n; i++)
        keys[i] = wamp_value_dict_entry(d, i)->key;
    qsort(keys, n, sizeof *keys, cmp_str);
    int rc = WAMP_OK;
    for (size_t i = 1; i < n && rc == WAMP_OK; i++)
        if (wamp_str_eq(keys[i - 1], keys[i])) rc = WAMP_EDUPKEY;
    free(keys);
    return rc;
}

static void row(const char *what, double ours, double ref)
{
    printf("%-44s libwamp %10.1f ns   reference %10.1f ns   ratio %5.2fx\n", what, ours, ref,
           ref / ours);
}

int main(int argc, char **argv)
{
    long iters = argc > 1 ? atol(argv[1]) : 200000;
    if (iters < 1) iters = 1;

    wamp_arena *a = wamp_arena_new(0);
    double t0 = now_ns();
    for (long i = 0; i < iters; i++) {
        build_arena(a);
        wamp_arena_reset(a);
    }
    double t1 = now_ns();
    for (long i = 0; i < iters; i++)
        build_malloc();
    double t2 = now_ns();
    row("build+free CALL tree (arena vs malloc/node)", (t1 - t0) / (double)iters,
        (t2 - t1) / (double)iters);

    enum { KEYS = 100000 };
    wamp_value d = wamp_value_dict();
    char k[24];
    for (int i = 0; i < KEYS; i++) {
        int len = snprintf(k, sizeof k, "key-%d", (i * 7919) % KEYS);
        wamp_value_dict_append(a, &d,
                               (wamp_str){wamp_arena_strndup(a, k, (size_t)len), (size_t)len},
                               wamp_value_int(i));
    }
    int reps = 20;
    t0 = now_ns();
    for (int r = 0; r < reps; r++)
        sink += (size_t)-wamp_value_dict_check_unique(&d);
    t1 = now_ns();
    for (int r = 0; r < reps; r++)
        sink += (size_t)-unique_by_sort(&d);
    t2 = now_ns();
    row("unique keys, 100k-key dict (hash vs sort)", (t1 - t0) / reps, (t2 - t1) / reps);
    if (wamp_value_dict_check_unique(&d) != unique_by_sort(&d)) {
        fprintf(stderr, "results differ\n");
        return 1;
    }
    wamp_arena_free(a);
    return 0;
}
