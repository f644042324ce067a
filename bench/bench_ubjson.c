/*
 * bench_ubjson: decode and encode throughput of libwamp's UBJSON codec, with libwamp's
 * MessagePack codec on the same values as the reference measured in the same run (no C UBJSON
 * library is packaged for Debian; MessagePack is the closest binary format with the same
 * value model, so the ratio shows what UBJSON's format costs).
 *
 * Messages (built deterministically, then serialized once per format):
 *   call-small   [48, id, {}, "com.myapp.add2", [23, 7]]
 *   event-1k     [36, sub, pub, {}, [], {~1 KiB of strings, ints, doubles, bools, nesting}]
 *   result-64k   [50, id, {}, [~64 KiB list of records {"id","name","price","qty","active",
 *                 "tags"}]]
 *   + raw        the router's case: decode with raw_from keeping args and kwargs as raw spans.
 * Decode: wamp_value_decode into an arena reset per message; encode: wamp_value_encode into a
 * reused buffer. Each figure is the best of 5 rounds, the two formats interleaved.
 *
 * Usage: bench_ubjson [seconds per figure, default 0.3]
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

static void must(int rc, const char *what)
{
    if (rc) {
        fprintf(stderr, "%s: %s\n", what, wamp_strerror(rc));
        exit(1);
    }
}

static wamp_value str(wamp_arena *a, const char *s)
{
    return wamp_value_cstring(a, s);
}

static wamp_value record(wamp_arena *a, int i)
{
    wamp_value r = wamp_value_dict(), tags = wamp_value_list();
    char name[32];
    snprintf(name, sizeof name, "item-%d", i);
    must(wamp_value_dict_setc(a, &r, "id", wamp_value_int(100000 + i)), "dict");
    must(wamp_value_dict_setc(a, &r, "name", str(a, name)), "dict");
    must(wamp_value_dict_setc(a, &r, "price", wamp_value_double(i * 1.25 + 0.1)), "dict");
    must(wamp_value_dict_setc(a, &r, "qty", wamp_value_int(i % 300)), "dict");
    must(wamp_value_dict_setc(a, &r, "active", wamp_value_bool(i & 1)), "dict");
    must(wamp_value_list_push(a, &tags, str(a, "red")), "list");
    must(wamp_value_list_push(a, &tags, str(a, "large")), "list");
    must(wamp_value_dict_setc(a, &r, "tags", tags), "dict");
    return r;
}

static wamp_value build(wamp_arena *a, int which)
{
    wamp_value m = wamp_value_list(), args = wamp_value_list(), kw = wamp_value_dict();
    if (which == 0) {
        wamp_value_list_push(a, &m, wamp_value_int(48));
        wamp_value_list_push(a, &m, wamp_value_int(7340032));
        wamp_value_list_push(a, &m, wamp_value_dict());
        wamp_value_list_push(a, &m, str(a, "com.myapp.add2"));
        wamp_value_list_push(a, &args, wamp_value_int(23));
        wamp_value_list_push(a, &args, wamp_value_int(7));
        wamp_value_list_push(a, &m, args);
        return m;
    }
    if (which == 1) {
        wamp_value_list_push(a, &m, wamp_value_int(36));
        wamp_value_list_push(a, &m, wamp_value_int(5512315355));
        wamp_value_list_push(a, &m, wamp_value_int(4429313566));
        wamp_value_list_push(a, &m, wamp_value_dict());
        wamp_value_list_push(a, &m, args);
        for (int i = 0; i < 12; i++) {
            char k[16];
            snprintf(k, sizeof k, "field%d", i);
            wamp_value_dict_setc(a, &kw, k, record(a, i));
        }
        wamp_value_list_push(a, &m, kw);
        return m;
    }
    wamp_value_list_push(a, &m, wamp_value_int(50));
    wamp_value_list_push(a, &m, wamp_value_int(77));
    wamp_value_list_push(a, &m, wamp_value_dict());
    for (int i = 0; i < 800; i++)
        wamp_value_list_push(a, &args, record(a, i));
    wamp_value_list_push(a, &m, args);
    return m;
}

static size_t raw_from(int64_t type, size_t count, void *user)
{
    return type == 36 ? 4 : 3;
}

/* ops per second of one figure, best of 5 rounds */
typedef struct job {
    wamp_serializer_id ser;
    const wamp_buf *bytes;
    const wamp_value *v;
    int kind; /* 0 decode, 1 decode raw, 2 encode */
} job;

static double run(const job *j)
{
    wamp_arena *a = wamp_arena_new(1 << 16);
    wamp_buf out = {0};
    wamp_decode_opts lazy = {.raw_from = raw_from};
    double best = 0;
    for (int round = 0; round < 5; round++) {
        long n = 0;
        double t0 = now(), t;
        do {
            for (int k = 0; k < 16; k++, n++) {
                if (j->kind == 2) {
                    wamp_buf_clear(&out);
                    must(wamp_value_encode(j->ser, j->v, &out), "encode");
                    sink += out.len;
                } else {
                    wamp_value v;
                    wamp_arena_reset(a);
                    must(wamp_value_decode(j->ser, j->bytes->data, j->bytes->len, a,
                                           j->kind ? &lazy : NULL, &v),
                         "decode");
                    sink += v.len;
                }
            }
            t = now() - t0;
        } while (t < budget / 5);
        if (n / t > best) best = n / t;
    }
    wamp_buf_free(&out);
    wamp_arena_free(a);
    return best;
}

int main(int argc, char **argv)
{
    if (argc > 1) budget = atof(argv[1]);
    static const char *names[] = {"call-small", "event-1k", "result-64k"};
    static const char *kinds[] = {"decode", "decode raw", "encode"};
    printf("%-11s %-11s %8s %8s %14s %14s %7s\n", "message", "operation", "ubjson B", "msgpack B",
           "ubjson MB/s", "msgpack MB/s", "ratio");
    for (int m = 0; m < 3; m++) {
        wamp_arena *a = wamp_arena_new(0);
        wamp_value v = build(a, m);
        wamp_buf ub = {0}, mp = {0};
        must(wamp_value_encode(WAMP_SER_UBJSON, &v, &ub), "encode ubjson");
        must(wamp_value_encode(WAMP_SER_MSGPACK, &v, &mp), "encode msgpack");
        for (int k = 0; k < 3; k++) {
            job ju = {WAMP_SER_UBJSON, &ub, &v, k}, jm = {WAMP_SER_MSGPACK, &mp, &v, k};
            double ou = run(&ju), om = run(&jm);
            double mbu = ou * (double)ub.len / 1e6, mbm = om * (double)mp.len / 1e6;
            printf("%-11s %-11s %8zu %8zu %14.1f %14.1f %6.2fx\n", names[m], kinds[k], ub.len,
                   mp.len, mbu, mbm, ou / om);
        }
        wamp_buf_free(&ub);
        wamp_buf_free(&mp);
        wamp_arena_free(a);
    }
    printf("ratio = ubjson messages/s over msgpack messages/s on the same value\n");
    return 0;
}
