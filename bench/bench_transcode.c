/*
 * bench_transcode: the router's per-foreign-serializer cost of relaying kwargs. A ~1 KiB kwargs
 * dict (strings incl. non-ASCII and escapes, ints, doubles, bools, nested lists and dicts, the
 * shape of bench_binary's event-1k) is encoded once in each format, then converted with
 * wamp_value_transcode() and, as the reference measured in the same run on the same bytes,
 * with wamp_value_decode() (NULL options, arena reset per message) + wamp_value_encode()
 * (buffer reused). The "copy" rows (same serializer: a byte copy) are the floor.
 * Both paths are checked to give identical bytes before timing.
 *
 * Usage: bench_transcode [seconds per figure, default 0.3]
 * Each figure is the best of 5 rounds, transcode and reference rounds interleaved; ratio is
 * reference time / transcode time (> 1: the transcoder is faster).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wamp/serializer.h>
#include <wamp/value.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double budget = 0.3;
static volatile size_t sink;

static uint64_t rng = 88172645463325252ull;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void must(int rc, const char *what)
{
    if (rc) {
        fprintf(stderr, "%s: %s\n", what, wamp_strerror(rc));
        exit(1);
    }
}

static void push(wamp_arena *a, wamp_value *l, wamp_value v)
{
    must(wamp_value_list_push(a, l, v), "push");
}

static void set(wamp_arena *a, wamp_value *d, const char *k, wamp_value v)
{
    must(wamp_value_dict_setc(a, d, k, v), "set");
}

static wamp_value make_kwargs(wamp_arena *a)
{
    static const char *words[] = {"sensor",  "temperature", "Zürich",    "status",   "online",
                                  "payload", "über",        "device-42", "firmware", "v1.2.3"};
    wamp_value kw = wamp_value_dict();
    for (int i = 0; i < 40; i++) {
        char key[32];
        snprintf(key, sizeof key, "%s_%d", words[i % 10], i);
        wamp_value v;
        switch (i % 6) {
        case 0: v = wamp_value_cstring(a, words[(i * 7) % 10]); break;
        case 1: v = wamp_value_int((int64_t)(rnd() % 100000)); break;
        case 2: v = wamp_value_double((double)(rnd() % 100000) / 100.0); break;
        case 3: v = wamp_value_bool(i & 1); break;
        case 4:
            v = wamp_value_list();
            for (int j = 0; j < 4; j++)
                push(a, &v, wamp_value_int((int64_t)(rnd() % 1000) - 200));
            break;
        default:
            v = wamp_value_dict();
            set(a, &v, "lat", wamp_value_double(47.376887));
            set(a, &v, "lon", wamp_value_double(8.541694));
            set(a, &v, "label", wamp_value_cstring(a, "Bahnhofstrasse \"1\""));
        }
        set(a, &kw, key, v);
    }
    return kw;
}

#define ROUNDS 5
/* Best ops/s of one round of `body`, iterations scaled to fill budget / ROUNDS. */
#define MEASURE1(best, body)                                                                       \
    do {                                                                                           \
        size_t iters = 1;                                                                          \
        double t0, el, slot = budget / ROUNDS;                                                     \
        for (;;) {                                                                                 \
            t0 = now();                                                                            \
            for (size_t it_ = 0; it_ < iters; it_++) {                                             \
                body;                                                                              \
            }                                                                                      \
            el = now() - t0;                                                                       \
            if (el >= slot) break;                                                                 \
            iters = el > 0.005 ? (size_t)((double)iters * slot / el * 1.05) + 1 : iters * 4;       \
        }                                                                                          \
        if ((double)iters / el > (best)) (best) = (double)iters / el;                              \
    } while (0)

static const char *name(wamp_serializer_id id)
{
    const wamp_serializer_info *i = wamp_serializer_by_id(id, false);
    return i ? i->name : "?";
}

static double worst = 1e9;
static char worst_at[40];

static void row(wamp_serializer_id from, const wamp_buf *in, wamp_serializer_id to)
{
    wamp_buf t = {0}, r = {0};
    wamp_arena *a = wamp_arena_new(4 * in->len + 1024);
    if (!a) exit(1);
    wamp_value v;
    /* same bytes both ways, or the comparison is meaningless */
    must(wamp_value_transcode(from, in->data, in->len, to, &t), "transcode");
    must(wamp_value_decode(from, in->data, in->len, a, NULL, &v), "decode");
    must(wamp_value_encode(to, &v, &r), "encode");
    if (t.len != r.len || memcmp(t.data, r.data, t.len)) {
        fprintf(stderr, "%s -> %s: transcode and decode+encode differ\n", name(from), name(to));
        exit(1);
    }
    double ft = 0, fr = 0;
    for (int k = 0; k < ROUNDS; k++) {
        MEASURE1(ft, {
            t.len = 0;
            must(wamp_value_transcode(from, in->data, in->len, to, &t), "transcode");
            sink += t.len;
        });
        MEASURE1(fr, {
            wamp_arena_reset(a);
            r.len = 0;
            must(wamp_value_decode(from, in->data, in->len, a, NULL, &v), "decode");
            must(wamp_value_encode(to, &v, &r), "encode");
            sink += r.len;
        });
    }
    char label[40];
    snprintf(label, sizeof label, "%s -> %s%s", name(from), name(to), from == to ? " (copy)" : "");
    if (from != to && ft / fr < worst) {
        worst = ft / fr;
        snprintf(worst_at, sizeof worst_at, "%s", label);
    }
    printf("%-22s %6zu %6zu  %9.0f %8.1f   %9.0f %8.1f   %6.2fx\n", label, in->len, t.len, 1e9 / ft,
           ft * (double)in->len / 1e6, 1e9 / fr, fr * (double)in->len / 1e6, ft / fr);
    wamp_buf_free(&t);
    wamp_buf_free(&r);
    wamp_arena_free(a);
}

int main(int argc, char **argv)
{
    if (argc > 1) budget = atof(argv[1]);
    if (budget <= 0) budget = 0.3;
    wamp_arena *a = wamp_arena_new(1 << 16);
    if (!a) return 1;
    wamp_value kw = make_kwargs(a);
    static const wamp_serializer_id fmts[] = {WAMP_SER_MSGPACK, WAMP_SER_CBOR, WAMP_SER_JSON,
                                              WAMP_SER_UBJSON};
    wamp_buf enc[4] = {{0}};
    for (int i = 0; i < 4; i++)
        must(wamp_value_encode(fmts[i], &kw, &enc[i]), "encode kwargs");
    printf("kwargs dict of %zu B (msgpack); input MB/s; ratio = decode+encode time / transcode "
           "time\n",
           enc[0].len);
    printf("%-22s %6s %6s  %9s %8s   %9s %8s   %7s\n", "pair", "in B", "out B", "tc ns/op",
           "tc MB/s", "d+e ns/op", "d+e MB/s", "ratio");
    row(WAMP_SER_MSGPACK, &enc[0], WAMP_SER_JSON);
    row(WAMP_SER_CBOR, &enc[1], WAMP_SER_JSON);
    row(WAMP_SER_JSON, &enc[2], WAMP_SER_MSGPACK);
    row(WAMP_SER_JSON, &enc[2], WAMP_SER_CBOR);
    row(WAMP_SER_MSGPACK, &enc[0], WAMP_SER_CBOR);
    row(WAMP_SER_CBOR, &enc[1], WAMP_SER_MSGPACK);
    row(WAMP_SER_UBJSON, &enc[3], WAMP_SER_JSON);
    row(WAMP_SER_MSGPACK, &enc[0], WAMP_SER_MSGPACK);
    row(WAMP_SER_JSON, &enc[2], WAMP_SER_JSON);
    for (int i = 0; i < 4; i++)
        wamp_buf_free(&enc[i]);
    wamp_arena_free(a);
    printf("(sink %zu)\n", (size_t)sink);
    /* Issue 3 asks for this cost to be shown, with no ratio target: the reference is our own
     * decode + encode, not a third-party library, so the 1.5x library target does not apply. */
    printf("target transcode vs own decode+encode: lowest ratio %.2fx (%s); no 1.5x target "
           "applies (informational; the 1.5x targets are bench_json and bench_binary)\n",
           worst, worst_at);
    return 0;
}
