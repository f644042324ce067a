/*
 * bench_binary: decode and encode throughput of libwamp's MessagePack and CBOR codecs against
 * msgpack-c and libcbor, measured in the same run on the same bytes.
 *
 * Messages (the same shapes as bench_json, built deterministically, serialized once by libwamp,
 * then fed to every decoder):
 *   call-small   [48, id, {}, "com.myapp.add2", [23, 7]]
 *   event-1k     [36, sub, pub, {}, [], {kwargs of ~1 KiB: strings, ints, doubles, bools, a
 *                 nested dict and list}]
 *   result-64k   [50, id, {}, [~64 KiB list of records {"id","name","price","qty","active",
 *                 "tags"}]]
 *   stream       msgpack <-> cbor transcoding without a tree (wamp_value_transcode), against
 *                libwamp's own decode + encode of the same bytes as the reference column.
 *   flatbuf      FlatBuffers message decode/encode (wamp_message_*_flatbuffers) against
 *                libwamp's own MessagePack message decode/encode (decode+parse, marshal+encode)
 *                of the same message as the reference column (no FlatBuffers C library is
 *                packaged; informational, no target).
 *   dec-raw      the router's case: the same bytes decoded with raw_from keeping args and kwargs
 *                as raw spans (the references have no equivalent; their full decode is the
 *                reference of that row).
 * Fairness:
 *   msgpack-c decode = msgpack_unpack() into one msgpack_zone cleared per message (its
 *   fastest use: strings point into the input, like ours); encode = msgpack_pack_object() of
 *   that object into an msgpack_sbuffer reused (size reset) per message.
 *   libcbor decode = cbor_load() + cbor_decref(); encode = cbor_serialize() of the loaded item
 *   into a preallocated buffer (cbor_serialize_alloc() would add a malloc per message).
 *   libwamp decode = wamp_value_decode() into an arena reset per message (it also validates
 *   UTF-8 and duplicate keys, which the references do not); encode = wamp_value_encode() into
 *   a reused buffer.
 *
 * Usage: bench_binary [seconds per figure, default 0.3]
 * Each figure is the best of 5 rounds, libwamp and reference rounds interleaved.
 */
#include <cbor.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wamp/flatbuffers.h>
#include <wamp/message.h>
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

static wamp_value make_call(wamp_arena *a)
{
    wamp_value m = wamp_value_list(), args = wamp_value_list();
    push(a, &m, wamp_value_int(48));
    push(a, &m, wamp_value_int(7814135));
    push(a, &m, wamp_value_dict());
    push(a, &m, wamp_value_cstring(a, "com.myapp.add2"));
    push(a, &args, wamp_value_int(23));
    push(a, &args, wamp_value_int(7));
    push(a, &m, args);
    return m;
}

static wamp_value make_event(wamp_arena *a)
{
    static const char *words[] = {"sensor",  "temperature", "Zürich",    "status",   "online",
                                  "payload", "über",        "device-42", "firmware", "v1.2.3"};
    wamp_value m = wamp_value_list(), kw = wamp_value_dict();
    push(a, &m, wamp_value_int(36));
    push(a, &m, wamp_value_int(5512315355));
    push(a, &m, wamp_value_int(4429313566));
    push(a, &m, wamp_value_dict());
    push(a, &m, wamp_value_list());
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
                push(a, &v, wamp_value_int((int64_t)(rnd() % 1000)));
            break;
        default:
            v = wamp_value_dict();
            set(a, &v, "lat", wamp_value_double(47.376887));
            set(a, &v, "lon", wamp_value_double(8.541694));
            set(a, &v, "label", wamp_value_cstring(a, "Bahnhofstrasse \"1\""));
        }
        set(a, &kw, key, v);
    }
    push(a, &m, kw);
    return m;
}

static wamp_value make_result(wamp_arena *a, size_t target)
{
    wamp_value m = wamp_value_list(), list = wamp_value_list();
    wamp_buf scratch = {0};
    push(a, &m, wamp_value_int(50));
    push(a, &m, wamp_value_int(7814135));
    push(a, &m, wamp_value_dict());
    size_t approx = 0;
    for (int i = 0; approx < target; i++) {
        wamp_value r = wamp_value_dict(), tags = wamp_value_list();
        char name[32];
        snprintf(name, sizeof name, "item %d", i);
        set(a, &r, "id", wamp_value_int(100000 + i));
        set(a, &r, "name", wamp_value_cstring(a, name));
        set(a, &r, "price", wamp_value_double((double)(rnd() % 100000) / 100.0));
        set(a, &r, "qty", wamp_value_int((int64_t)(rnd() % 500)));
        set(a, &r, "active", wamp_value_bool(rnd() & 1));
        push(a, &tags, wamp_value_cstring(a, "new"));
        push(a, &tags, wamp_value_cstring(a, "sale"));
        set(a, &r, "tags", tags);
        scratch.len = 0;
        must(wamp_value_encode(WAMP_SER_MSGPACK, &r, &scratch), "encode");
        approx += scratch.len;
        push(a, &list, r);
    }
    push(a, &m, list);
    wamp_buf_free(&scratch);
    return m;
}

static size_t raw_from_args(int64_t first, size_t count, void *user)
{
    switch (first) {
    case 48:
    case 36: return 4;
    case 50: return 3;
    default: return SIZE_MAX;
    }
}

typedef struct result {
    double ops, bytes; /* per second */
} result;

#define ROUNDS 5
#define MEASURE1(res, nbytes, body)                                                                \
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
        if ((double)iters / el > (res).ops) {                                                      \
            (res).ops = (double)iters / el;                                                        \
            (res).bytes = (double)iters * (double)(nbytes) / el;                                   \
        }                                                                                          \
    } while (0)

/* Lowest counted ratio per reference library: [0] msgpack-c, [1] libcbor. */
static double worst[2] = {1e9, 1e9};
static char worst_at[2][64];

/* counts: a decode or encode row against the reference library of fmt (dec-raw and stream rows
 * have no reference-library equivalent and do not count towards the target). */
static void row(const char *fmt, const char *msg, const char *op, size_t size, result ours,
                result ref, bool counts)
{
    double ratio = ours.ops / ref.ops;
    int k = strcmp(fmt, "cbor") == 0;
    if (counts && ratio < worst[k]) {
        worst[k] = ratio;
        snprintf(worst_at[k], sizeof worst_at[k], "%s %s", msg, op);
    }
    printf("%-8s %-11s %-7s %7zu  %8.1f MB/s %10.0f msg/s  %8.1f MB/s %10.0f msg/s  %5.2fx\n", fmt,
           msg, op, size, ours.bytes / 1e6, ours.ops, ref.bytes / 1e6, ref.ops, ratio);
}

static void bench_msgpack(const char *name, const uint8_t *d, size_t n, wamp_arena *a)
{
    msgpack_zone zone;
    msgpack_zone_init(&zone, 1 << 16);
    msgpack_object obj;
    size_t off = 0;
    if (msgpack_unpack((const char *)d, n, &off, &zone, &obj) != MSGPACK_UNPACK_SUCCESS) {
        fprintf(stderr, "msgpack-c rejects %s\n", name);
        exit(1);
    }
    msgpack_zone ref_zone;
    msgpack_zone_init(&ref_zone, 1 << 16);
    result ours = {0}, ref = {0}, raw = {0};
    wamp_value v;
    wamp_decode_opts ro = {.raw_from = raw_from_args};
    for (int r = 0; r < ROUNDS; r++) {
        MEASURE1(ours, n, {
            wamp_arena_reset(a);
            must(wamp_value_decode(WAMP_SER_MSGPACK, d, n, a, NULL, &v), "decode");
            sink += v.len;
        });
        MEASURE1(ref, n, {
            msgpack_object o;
            size_t o_off = 0;
            msgpack_zone_clear(&ref_zone);
            msgpack_unpack((const char *)d, n, &o_off, &ref_zone, &o);
            sink += o.via.array.size;
        });
        MEASURE1(raw, n, {
            wamp_arena_reset(a);
            must(wamp_value_decode(WAMP_SER_MSGPACK, d, n, a, &ro, &v), "decode raw");
            sink += v.len;
        });
    }
    row("msgpack", name, "decode", n, ours, ref, true);
    row("msgpack", name, "dec-raw", n, raw, ref, false);

    wamp_arena_reset(a);
    must(wamp_value_decode(WAMP_SER_MSGPACK, d, n, a, NULL, &v), "decode");
    wamp_buf out = {0};
    must(wamp_buf_reserve(&out, n * 2), "reserve");
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    ours = ref = (result){0};
    for (int r = 0; r < ROUNDS; r++) {
        MEASURE1(ours, n, {
            out.len = 0;
            must(wamp_value_encode(WAMP_SER_MSGPACK, &v, &out), "encode");
            sink += out.len;
        });
        MEASURE1(ref, n, {
            sb.size = 0;
            msgpack_pack_object(&pk, obj);
            sink += sb.size;
        });
    }
    if (sb.size != n || memcmp(sb.data, d, n) != 0) printf("  (msgpack-c's bytes differ)\n");
    row("msgpack", name, "encode", n, ours, ref, true);
    msgpack_sbuffer_destroy(&sb);
    wamp_buf_free(&out);
    msgpack_zone_destroy(&zone);
    msgpack_zone_destroy(&ref_zone);
}

static void bench_cbor(const char *name, const uint8_t *d, size_t n, wamp_arena *a)
{
    struct cbor_load_result lr;
    cbor_item_t *item = cbor_load(d, n, &lr);
    if (!item || lr.read != n) {
        fprintf(stderr, "libcbor rejects %s\n", name);
        exit(1);
    }
    result ours = {0}, ref = {0}, raw = {0};
    wamp_value v;
    wamp_decode_opts ro = {.raw_from = raw_from_args};
    for (int r = 0; r < ROUNDS; r++) {
        MEASURE1(ours, n, {
            wamp_arena_reset(a);
            must(wamp_value_decode(WAMP_SER_CBOR, d, n, a, NULL, &v), "decode");
            sink += v.len;
        });
        MEASURE1(ref, n, {
            struct cbor_load_result r2;
            cbor_item_t *it = cbor_load(d, n, &r2);
            sink += r2.read;
            cbor_decref(&it);
        });
        MEASURE1(raw, n, {
            wamp_arena_reset(a);
            must(wamp_value_decode(WAMP_SER_CBOR, d, n, a, &ro, &v), "decode raw");
            sink += v.len;
        });
    }
    row("cbor", name, "decode", n, ours, ref, true);
    row("cbor", name, "dec-raw", n, raw, ref, false);

    wamp_arena_reset(a);
    must(wamp_value_decode(WAMP_SER_CBOR, d, n, a, NULL, &v), "decode");
    wamp_buf out = {0};
    must(wamp_buf_reserve(&out, n * 2), "reserve");
    size_t cap = n * 2 + 1024;
    unsigned char *cbuf = malloc(cap);
    size_t clen = 0;
    ours = ref = (result){0};
    for (int r = 0; r < ROUNDS; r++) {
        MEASURE1(ours, n, {
            out.len = 0;
            must(wamp_value_encode(WAMP_SER_CBOR, &v, &out), "encode");
            sink += out.len;
        });
        MEASURE1(ref, n, {
            clen = cbor_serialize(item, cbuf, cap);
            sink += clen;
        });
    }
    if (clen != n || memcmp(cbuf, d, n) != 0) printf("  (libcbor's bytes differ)\n");
    row("cbor", name, "encode", n, ours, ref, true);
    free(cbuf);
    wamp_buf_free(&out);
    cbor_decref(&item);
}

/* msgpack <-> cbor: the streaming transcoder against libwamp's own tree path (decode into an
 * arena, encode), which is what any other pair of serializers pays. */
static void bench_transcode(const char *name, const uint8_t *mp, size_t mn, const uint8_t *cb,
                            size_t cn, wamp_arena *a)
{
    static const struct {
        const char *label;
        wamp_serializer_id from, to;
    } dirs[2] = {{"mp->cbor", WAMP_SER_MSGPACK, WAMP_SER_CBOR},
                 {"cbor->mp", WAMP_SER_CBOR, WAMP_SER_MSGPACK}};
    wamp_buf out = {0};
    must(wamp_buf_reserve(&out, 4 * (mn + cn)), "reserve");
    for (int k = 0; k < 2; k++) {
        const uint8_t *d = k ? cb : mp;
        size_t n = k ? cn : mn;
        result stream = {0}, tree = {0};
        wamp_value v;
        for (int r = 0; r < ROUNDS; r++) {
            MEASURE1(stream, n, {
                out.len = 0;
                must(wamp_value_transcode(dirs[k].from, d, n, dirs[k].to, &out), "transcode");
                sink += out.len;
            });
            MEASURE1(tree, n, {
                out.len = 0;
                wamp_arena_reset(a);
                must(wamp_value_decode(dirs[k].from, d, n, a, NULL, &v), "decode");
                must(wamp_value_encode(dirs[k].to, &v, &out), "encode");
                sink += out.len;
            });
        }
        row(dirs[k].label, name, "stream", n, stream, tree, false);
    }
    wamp_buf_free(&out);
}

/* FlatBuffers (a message codec: no value tree) against libwamp's own MessagePack *message*
 * codec in the same run, as the reference column (no FlatBuffers library callable from C is
 * packaged in Debian): decode = wamp_message_decode_flatbuffers() (verify, read, CBOR-decode
 * args/kwargs, validate as a message) vs wamp_message_decode(MSGPACK) (decode + parse); encode =
 * wamp_message_encode_flatbuffers() vs wamp_message_encode(MSGPACK) (marshal + encode). The
 * ratio is ours-FlatBuffers / ours-MessagePack: informational, no target. */
static void bench_flatbuffers(const char *name, const wamp_value *list, wamp_arena *a)
{
    wamp_arena *pa = wamp_arena_new(0);
    wamp_message m, back;
    must(wamp_message_parse(list, pa, &m, NULL), "parse");
    wamp_buf fb = {0}, mp = {0}, out = {0};
    must(wamp_message_encode_flatbuffers(&m, WAMP_FBS_SCHEMA_CURRENT, &fb), "fbs encode");
    must(wamp_message_encode(WAMP_SER_MSGPACK, &m, pa, &mp), "msgpack encode");
    must(wamp_buf_reserve(&out, 2 * (fb.len + mp.len)), "reserve");
    result ours = {0}, ref = {0};
    for (int r = 0; r < ROUNDS; r++) {
        MEASURE1(ours, fb.len, {
            wamp_arena_reset(a);
            must(wamp_message_decode_flatbuffers(fb.data, fb.len, WAMP_FBS_SCHEMA_CURRENT, a, &back,
                                                 NULL),
                 "fbs decode");
            sink += back.type;
        });
        MEASURE1(ref, mp.len, {
            wamp_arena_reset(a);
            must(wamp_message_decode(WAMP_SER_MSGPACK, mp.data, mp.len, a, NULL, &back, NULL),
                 "msgpack decode");
            sink += back.type;
        });
    }
    row("flatbuf", name, "decode", fb.len, ours, ref, false);
    ours = ref = (result){0};
    for (int r = 0; r < ROUNDS; r++) {
        MEASURE1(ours, fb.len, {
            out.len = 0;
            must(wamp_message_encode_flatbuffers(&m, WAMP_FBS_SCHEMA_CURRENT, &out), "fbs encode");
            sink += out.len;
        });
        MEASURE1(ref, mp.len, {
            out.len = 0;
            wamp_arena_reset(a);
            must(wamp_message_encode(WAMP_SER_MSGPACK, &m, a, &out), "msgpack encode");
            sink += out.len;
        });
    }
    row("flatbuf", name, "encode", fb.len, ours, ref, false);
    wamp_buf_free(&fb);
    wamp_buf_free(&mp);
    wamp_buf_free(&out);
    wamp_arena_free(pa);
}

int main(int argc, char **argv)
{
    if (argc > 1) budget = atof(argv[1]);
    if (budget <= 0) budget = 0.3;
    wamp_arena *build = wamp_arena_new(0), *a = wamp_arena_new(1 << 20);
    struct {
        const char *name;
        wamp_value v;
    } msgs[3] = {{"call-small", make_call(build)},
                 {"event-1k", make_event(build)},
                 {"result-64k", make_result(build, 64 * 1024)}};
    printf("Binary codecs: libwamp vs msgpack-c %s and libcbor %d.%d.%d (same run, best of %d "
           "interleaved rounds, %.2f s per figure)\n",
           msgpack_version(), CBOR_MAJOR_VERSION, CBOR_MINOR_VERSION, CBOR_PATCH_VERSION, ROUNDS,
           budget);
    printf("%-8s %-11s %-7s %7s  %-31s %-31s %s\n", "format", "message", "op", "bytes", "libwamp",
           "reference", "ratio");
    for (int i = 0; i < 3; i++) {
        wamp_buf mp = {0}, cb = {0};
        must(wamp_value_encode(WAMP_SER_MSGPACK, &msgs[i].v, &mp), "encode");
        must(wamp_value_encode(WAMP_SER_CBOR, &msgs[i].v, &cb), "encode");
        bench_msgpack(msgs[i].name, mp.data, mp.len, a);
        bench_cbor(msgs[i].name, cb.data, cb.len, a);
        bench_transcode(msgs[i].name, mp.data, mp.len, cb.data, cb.len, a);
        bench_flatbuffers(msgs[i].name, &msgs[i].v, a);
        wamp_buf_free(&mp);
        wamp_buf_free(&cb);
    }
    static const char *refs[2] = {"msgpack-c", "libcbor"};
    for (int k = 0; k < 2; k++)
        printf("target %s: lowest decode/encode ratio %.2fx (%s); 1.5x target %s\n", refs[k],
               worst[k], worst_at[k], worst[k] >= 1.5 ? "met" : "NOT met");
    wamp_arena_free(a);
    wamp_arena_free(build);
    return 0;
}
