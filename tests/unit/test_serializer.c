/* Serializer descriptors and objects: lookups, batching in both directions for every format,
 * malformed batches, and Autobahn's statistics with automatic reset. */
#include "support.h"

#include <stdlib.h>
#include <string.h>

static wamp_arena *g_a;

static int setup(void **state)
{
    g_a = wamp_arena_new(0);
    return g_a ? 0 : -1;
}
static int teardown(void **state)
{
    wamp_arena_free(g_a);
    return 0;
}

static const char *const k_value_formats[] = {"json", "msgpack", "cbor", "ubjson"};

static wamp_serializer *make(const char *name)
{
    wamp_serializer *s = NULL;
    const wamp_serializer_info *info = wamp_serializer_by_name(name);
    assert_non_null(info);
    assert_int_equal(wamp_serializer_new(info, &s), WAMP_OK);
    assert_ptr_equal(wamp_serializer_info_of(s), info);
    return s;
}

/* Three WAMP-shaped messages: PUBLISH with payload, HELLO, GOODBYE. */
static void messages(wamp_value m[3])
{
    wamp_value args = wamp_value_list(), kw = wamp_value_dict(), opts = wamp_value_dict();
    wamp_value_list_push(g_a, &args, wamp_value_int(1));
    wamp_value_list_push(g_a, &args, wamp_value_cstring(g_a, "x\xc3\xa9"));
    wamp_value_list_push(g_a, &args, wamp_value_bytes(g_a, "\x00\x01\xff", 3));
    wamp_value_dict_setc(g_a, &kw, "k", wamp_value_bool(true));
    wamp_value_dict_setc(g_a, &kw, "d", wamp_value_double(2.5));
    m[0] = wamp_value_list();
    wamp_value_list_push(g_a, &m[0], wamp_value_int(16));
    wamp_value_list_push(g_a, &m[0], wamp_value_int(4294967296));
    wamp_value_list_push(g_a, &m[0], opts);
    wamp_value_list_push(g_a, &m[0], wamp_value_cstring(g_a, "com.myapp.topic"));
    wamp_value_list_push(g_a, &m[0], args);
    wamp_value_list_push(g_a, &m[0], kw);
    m[1] = wamp_value_list();
    wamp_value_list_push(g_a, &m[1], wamp_value_int(1));
    wamp_value_list_push(g_a, &m[1], wamp_value_cstring(g_a, "realm1"));
    wamp_value_list_push(g_a, &m[1], wamp_value_dict());
    m[2] = wamp_value_list();
    wamp_value_list_push(g_a, &m[2], wamp_value_int(6));
    wamp_value_list_push(g_a, &m[2], wamp_value_dict());
    wamp_value_list_push(g_a, &m[2], wamp_value_cstring(g_a, "wamp.close.normal"));
}

/* ---------------------------------------------------------------- descriptors */

static void test_descriptors(void **state)
{
    size_t n;
    const wamp_serializer_info *all = wamp_serializer_list(&n);
    assert_int_equal(n, 9);
    for (size_t i = 0; i < n; i++) {
        char sp[64];
        snprintf(sp, sizeof sp, "wamp.2.%s%s", all[i].name, all[i].batched ? ".batched" : "");
        assert_string_equal(all[i].subprotocol, sp);
        assert_ptr_equal(wamp_serializer_by_subprotocol(sp), &all[i]);
        assert_ptr_equal(wamp_serializer_by_name(sp + 7), &all[i]);
        assert_ptr_equal(wamp_serializer_by_id(all[i].id, all[i].batched), &all[i]);
        assert_int_equal(all[i].binary, all[i].id != WAMP_SER_JSON);
    }
    /* Autobahn's facts: RAWSOCKET_SERIALIZER_ID and MIME_TYPE */
    static const struct {
        const char *name;
        int id;
        const char *mime;
    } facts[] = {{"json", 1, "application/json"},
                 {"msgpack", 2, "application/x-msgpack"},
                 {"cbor", 3, "application/cbor"},
                 {"ubjson", 4, "application/ubjson"},
                 {"flatbuffers", 5, "application/x-flatbuffers"}};
    for (size_t i = 0; i < 5; i++) {
        const wamp_serializer_info *p = wamp_serializer_by_name(facts[i].name);
        assert_non_null(p);
        assert_int_equal(p->id, facts[i].id);
        assert_false(p->batched);
        assert_string_equal(p->mime_type, facts[i].mime);
        assert_ptr_equal(wamp_serializer_by_mime_type(facts[i].mime), p);
    }
    assert_true(wamp_serializer_by_name("ubjson.batched")->batched);
    assert_int_equal(wamp_serializer_by_name("ubjson.batched")->id, WAMP_SER_UBJSON);
    assert_null(wamp_serializer_by_name("flatbuffers.batched")); /* Autobahn refuses it too */
    assert_null(wamp_serializer_by_name("xml"));
    assert_null(wamp_serializer_by_name(""));
    assert_null(wamp_serializer_by_name(".batched"));
    assert_null(wamp_serializer_by_name("json.batched.batched"));
    assert_null(wamp_serializer_by_name(NULL));
    assert_null(wamp_serializer_by_subprotocol("wamp.2.xml"));
    assert_null(wamp_serializer_by_subprotocol("json"));
    assert_null(wamp_serializer_by_mime_type("text/plain"));
    assert_null(wamp_serializer_by_id(WAMP_SER_FLATBUFFERS, true));
    assert_null(wamp_serializer_by_id((wamp_serializer_id)9, false));
}

static void test_new(void **state)
{
    wamp_serializer *s = (wamp_serializer *)1;
    /* FlatBuffers is a serializer object too (test_flatbuffers.c tests it), never batched */
    assert_int_equal(wamp_serializer_new(wamp_serializer_by_name("flatbuffers"), &s), WAMP_OK);
    assert_non_null(s);
    wamp_serializer_free(s);
    wamp_serializer_info fb = *wamp_serializer_by_name("flatbuffers");
    fb.batched = true;
    assert_int_equal(wamp_serializer_new(&fb, &s), WAMP_EUNSUPPORTED);
    assert_null(s);
    wamp_serializer_info unknown = *wamp_serializer_by_name("json");
    unknown.id = (wamp_serializer_id)9;
    assert_int_equal(wamp_serializer_new(&unknown, &s), WAMP_EUNSUPPORTED);
    assert_int_equal(wamp_serializer_new(NULL, &s), WAMP_EINVAL);
    assert_int_equal(wamp_serializer_new(wamp_serializer_by_name("json"), NULL), WAMP_EINVAL);
    wamp_serializer_free(NULL);
}

/* ---------------------------------------------------------------- batching */

static void check_format(const char *fmt)
{
    wamp_value m[3];
    messages(m);
    char name[32];
    snprintf(name, sizeof name, "%s.batched", fmt);
    wamp_serializer *plain = make(fmt), *batched = make(name);
    wamp_serializer_id id = wamp_serializer_info_of(plain)->id;

    /* plain: exactly the value encoding, one message a payload */
    for (int i = 0; i < 3; i++) {
        wamp_buf a = {0}, b = {0};
        assert_int_equal(wamp_serializer_serialize(plain, &m[i], &a), 0);
        assert_int_equal(wamp_value_encode(id, &m[i], &b), 0);
        assert_int_equal(a.len, b.len);
        assert_memory_equal(a.data, b.data, a.len);
        wamp_value *out;
        size_t n;
        assert_int_equal(wamp_serializer_unserialize(plain, a.data, a.len, g_a, NULL, &out, &n), 0);
        assert_int_equal(n, 1);
        assert_true(wamp_value_equal(&out[0], &m[i]));
        wamp_buf_free(&a);
        wamp_buf_free(&b);
    }

    /* batched: three serialize calls build one batch with the format's framing */
    wamp_buf batch = {0};
    for (int i = 0; i < 3; i++)
        assert_int_equal(wamp_serializer_serialize(batched, &m[i], &batch), 0);
    size_t off = 0;
    for (int i = 0; i < 3; i++) {
        wamp_buf enc = {0};
        assert_int_equal(wamp_value_encode(id, &m[i], &enc), 0);
        if (id == WAMP_SER_JSON) {
            assert_memory_equal(batch.data + off, enc.data, enc.len);
            assert_int_equal(batch.data[off + enc.len], 0x18); /* Autobahn writes 0x18 */
            off += enc.len + 1;
        } else {
            const uint8_t *p = batch.data + off;
            size_t len = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
            assert_int_equal(len, enc.len);
            assert_memory_equal(p + 4, enc.data, enc.len);
            off += 4 + enc.len;
        }
        wamp_buf_free(&enc);
    }
    assert_int_equal(off, batch.len);
    wamp_value *out;
    size_t n;
    assert_int_equal(
        wamp_serializer_unserialize(batched, batch.data, batch.len, g_a, NULL, &out, &n), 0);
    assert_int_equal(n, 3);
    for (int i = 0; i < 3; i++)
        assert_true(wamp_value_equal(&out[i], &m[i]));
    /* a batch of one */
    wamp_buf one = {0};
    assert_int_equal(wamp_serializer_serialize(batched, &m[2], &one), 0);
    assert_int_equal(wamp_serializer_unserialize(batched, one.data, one.len, g_a, NULL, &out, &n),
                     0);
    assert_int_equal(n, 1);
    assert_true(wamp_value_equal(&out[0], &m[2]));
    /* a batch of none */
    assert_int_equal(wamp_serializer_unserialize(batched, batch.data, 0, g_a, NULL, &out, &n),
                     WAMP_EBATCH);
    assert_null(out);
    assert_int_equal(n, 0);
    /* a plain serializer does not split a batch */
    assert_int_not_equal(
        wamp_serializer_unserialize(plain, batch.data, batch.len, g_a, NULL, &out, &n), 0);
    wamp_buf_free(&one);
    wamp_buf_free(&batch);
    wamp_serializer_free(plain);
    wamp_serializer_free(batched);
}

static void test_batching_every_format(void **state)
{
    for (size_t i = 0; i < 4; i++)
        check_format(k_value_formats[i]);
}

static void test_json_separators(void **state)
{
    wamp_serializer *s = make("json.batched");
    wamp_value *out;
    size_t n;
    const char rs[] = "[1,\"a\"]\x1e[2]\x1e";
    assert_int_equal(
        wamp_serializer_unserialize(s, (const uint8_t *)rs, sizeof rs - 1, g_a, NULL, &out, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(out[1].type, WAMP_VALUE_LIST);
    const char mixed[] = "[1]\x18[2]\x1e[3]\x18";
    assert_int_equal(wamp_serializer_unserialize(s, (const uint8_t *)mixed, sizeof mixed - 1, g_a,
                                                 NULL, &out, &n),
                     0);
    assert_int_equal(n, 3);
    int64_t third;
    assert_true(wamp_value_get_int(&out[2].as.items[0], &third));
    assert_int_equal(third, 3);
    /* the last message must be terminated too */
    const char unterminated[] = "[1]\x1e[2]";
    assert_int_equal(wamp_serializer_unserialize(s, (const uint8_t *)unterminated,
                                                 sizeof unterminated - 1, g_a, NULL, &out, &n),
                     WAMP_EBATCH);
    assert_int_equal(wamp_serializer_unserialize(s, (const uint8_t *)"[1]", 3, g_a, NULL, &out, &n),
                     WAMP_EBATCH);
    /* empty messages between separators are not JSON */
    assert_int_equal(
        wamp_serializer_unserialize(s, (const uint8_t *)"\x1e", 1, g_a, NULL, &out, &n),
        WAMP_ETRUNCATED);
    assert_int_equal(
        wamp_serializer_unserialize(s, (const uint8_t *)"[1]\x18\x18", 5, g_a, NULL, &out, &n),
        WAMP_ETRUNCATED);
    /* ... and a payload of separators is refused before anything is allocated for it */
    size_t big = 1 << 20;
    uint8_t *seps = malloc(big);
    memset(seps, 0x1e, big);
    size_t used = wamp_arena_used(g_a);
    assert_int_equal(wamp_serializer_unserialize(s, seps, big, g_a, NULL, &out, &n),
                     WAMP_ETRUNCATED);
    assert_int_equal(wamp_arena_used(g_a), used);
    free(seps);
    /* one bad message fails the whole payload and nothing is counted */
    const char bad[] = "[1]\x1e[2\x1e";
    assert_int_not_equal(
        wamp_serializer_unserialize(s, (const uint8_t *)bad, sizeof bad - 1, g_a, NULL, &out, &n),
        0);
    assert_null(out);
    wamp_serializer_stats st;
    wamp_serializer_stats_get(s, false, true, &st);
    assert_int_equal(st.unserialized.messages, 5);
    wamp_serializer_free(s);
}

static void test_length_prefix_errors(void **state)
{
    wamp_serializer *s = make("ubjson.batched");
    wamp_value *out;
    size_t n;
    static const struct {
        const char *data;
        size_t len;
        int err;
    } cases[] = {
#define C(lit, err) {lit, sizeof(lit) - 1, err}
        C("", WAMP_EBATCH),
        C("\x00", WAMP_EBATCH),
        C("\x00\x00\x00", WAMP_EBATCH),               /* truncated prefix */
        C("\x00\x00\x00\x03[]", WAMP_EBATCH),         /* truncated message */
        C("\x00\x00\x00\x02[]\x00\x00", WAMP_EBATCH), /* truncated second prefix */
        C("\xff\xff\xff\xff[]", WAMP_EBATCH),         /* length beyond the payload */
        C("\x00\x00\x00\x00", WAMP_ETRUNCATED),       /* an empty message is no value */
        C("\x00\x00\x00\x02[]\x00\x00\x00\x01Z\x00\x00\x00\x01x", WAMP_ESYNTAX),
        C("\x00\x00\x00\x03[]Z", WAMP_ETRAILING), /* trailing bytes inside a frame */
#undef C
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = wamp_serializer_unserialize(s, (const uint8_t *)cases[i].data, cases[i].len, g_a,
                                             NULL, &out, &n);
        if (rc != cases[i].err) {
            print_error("case %zu: %s, want %s\n", i, wamp_err_name(rc),
                        wamp_err_name(cases[i].err));
            fail();
        }
    }
    assert_int_equal(
        wamp_serializer_unserialize(s, (const uint8_t *)"\x00\x00\x00\x02[]\x00\x00\x00\x01Z", 11,
                                    g_a, NULL, &out, &n),
        0);
    assert_int_equal(n, 2);
    assert_int_equal(out[1].type, WAMP_VALUE_NULL);
    /* bad arguments */
    assert_int_equal(wamp_serializer_unserialize(s, NULL, 3, g_a, NULL, &out, &n), WAMP_EINVAL);
    assert_int_equal(wamp_serializer_unserialize(s, (const uint8_t *)"x", 1, NULL, NULL, &out, &n),
                     WAMP_EINVAL);
    /* decode options reach each message */
    wamp_decode_opts o = {.max_size = 1};
    assert_int_equal(
        wamp_serializer_unserialize(s, (const uint8_t *)"\x00\x00\x00\x02[]", 6, g_a, &o, &out, &n),
        WAMP_ETOOBIG);
    /* encode errors leave the buffer and the statistics alone */
    wamp_buf b = {0};
    wamp_buf_append(&b, "abc", 3);
    wamp_value bad = wamp_value_string_borrow("\xff", 1);
    assert_int_equal(wamp_serializer_serialize(s, &bad, &b), WAMP_EUTF8);
    assert_int_equal(b.len, 3);
    wamp_serializer_stats st;
    wamp_serializer_stats_get(s, false, true, &st);
    assert_int_equal(st.serialized.messages, 0);
    assert_int_equal(st.serialized.bytes, 0);
    wamp_buf_free(&b);
    wamp_serializer_free(s);
}

/* ---------------------------------------------------------------- statistics */

static uint64_t g_now;
static uint64_t fake_clock(void *user)
{
    (*(int *)user)++;
    return g_now;
}

/* A message [1, "xx...x"] whose serialization with s is exactly `size` bytes (framing
 * included), found by growing the string. */
static wamp_value sized_message(wamp_serializer *s, size_t size)
{
    static char pad[4096];
    memset(pad, 'x', sizeof pad);
    for (size_t k = 0; k < sizeof pad; k++) {
        wamp_value m = wamp_value_list();
        wamp_value_list_push(g_a, &m, wamp_value_int(1));
        wamp_value_list_push(g_a, &m, wamp_value_string_borrow(pad, k));
        wamp_buf b = {0};
        const wamp_serializer_info *info = wamp_serializer_info_of(s);
        assert_int_equal(wamp_value_encode(info->id, &m, &b), 0);
        size_t framed = b.len + (info->batched ? (info->id == WAMP_SER_JSON ? 1 : 4) : 0);
        wamp_buf_free(&b);
        if (framed == size) return m;
        if (framed > size) break;
    }
    fail_msg("no message of %zu bytes", size);
    return wamp_value_null();
}

/* Autobahn: int(math.ceil(float(len(data)) / RATED_MESSAGE_SIZE)) */
static uint64_t autobahn_rated(size_t len)
{
    uint64_t r = len / 512;
    return len % 512 ? r + 1 : r;
}

static void test_stats_counts(void **state)
{
    for (size_t f = 0; f < 4; f++) {
        char name[32];
        snprintf(name, sizeof name, "%s.batched", k_value_formats[f]);
        wamp_serializer *s = make(name);
        int reads = 0;
        g_now = 1000;
        wamp_serializer_set_clock(s, fake_clock, &reads);
        static const size_t sizes[] = {40, 511, 512, 513, 1024, 1025};
        uint64_t bytes = 0, rated = 0;
        wamp_buf batch = {0};
        for (size_t i = 0; i < 6; i++) {
            wamp_value m = sized_message(s, sizes[i]);
            size_t before = batch.len;
            assert_int_equal(wamp_serializer_serialize(s, &m, &batch), 0);
            assert_int_equal(batch.len - before, sizes[i]);
            bytes += sizes[i];
            rated += autobahn_rated(sizes[i]);
        }
        assert_int_equal(rated, 1 + 1 + 1 + 2 + 2 + 3);
        g_now = 1500;
        wamp_serializer_stats st;
        wamp_serializer_stats_get(s, false, true, &st);
        assert_int_equal(st.cycle, 1);
        assert_string_equal(st.serializer, name);
        assert_int_equal(st.timestamp, 1000);
        assert_int_equal(st.duration, 500);
        assert_true(st.details);
        assert_int_equal(st.serialized.bytes, bytes);
        assert_int_equal(st.serialized.messages, 6);
        assert_int_equal(st.serialized.rated_messages, rated);
        assert_int_equal(st.unserialized.bytes, 0);
        /* unserializing the batch: a payload is rated as a whole */
        wamp_value *out;
        size_t n;
        assert_int_equal(wamp_serializer_unserialize(s, batch.data, batch.len, g_a, NULL, &out, &n),
                         0);
        assert_int_equal(n, 6);
        wamp_serializer_stats_get(s, true, false, &st);
        assert_int_equal(st.cycle, 2);
        assert_false(st.details);
        assert_int_equal(st.serialized.bytes, 0); /* no details asked */
        assert_int_equal(st.bytes, 2 * bytes);
        assert_int_equal(st.messages, 12);
        assert_int_equal(st.rated_messages, rated + autobahn_rated(batch.len));
        /* after the reset */
        g_now = 1700;
        wamp_serializer_stats_get(s, false, true, &st);
        assert_int_equal(st.cycle, 3);
        assert_int_equal(st.timestamp, 1500);
        assert_int_equal(st.duration, 200);
        assert_int_equal(st.bytes + st.messages + st.rated_messages, 0);
        assert_int_equal(st.unserialized.messages, 0);
        assert_true(reads > 0);
        wamp_buf_free(&batch);
        wamp_serializer_free(s);
    }
    /* plain serializers count the same way, without framing */
    wamp_serializer *s = make("ubjson");
    wamp_value m = sized_message(s, 513);
    wamp_buf b = {0};
    assert_int_equal(wamp_serializer_serialize(s, &m, &b), 0);
    assert_int_equal(b.len, 513);
    wamp_serializer_stats st;
    wamp_serializer_stats_get(s, true, false, &st);
    assert_int_equal(st.rated_messages, 2);
    assert_int_equal(st.timestamp, 0); /* no clock: time reads 0 */
    wamp_buf_free(&b);
    wamp_serializer_free(s);
}

typedef struct fired {
    int count;
    wamp_serializer_stats last;
} fired;

static void on_autoreset(wamp_serializer *s, const wamp_serializer_stats *st, void *user)
{
    fired *f = user;
    f->count++;
    f->last = *st;
}

static void test_autoreset_rated(void **state)
{
    wamp_serializer *s = make("cbor");
    fired f = {0};
    wamp_value m = sized_message(s, 100);
    assert_int_equal(wamp_serializer_set_stats_autoreset(s, 3, 0, on_autoreset, &f), 0);
    wamp_buf b = {0};
    for (int i = 1; i <= 7; i++) {
        assert_int_equal(wamp_serializer_serialize(s, &m, &b), 0);
        /* fires exactly when the third rated message since the last reset is counted */
        assert_int_equal(f.count, i / 3);
    }
    assert_int_equal(f.last.rated_messages, 3);
    assert_int_equal(f.last.messages, 3);
    assert_int_equal(f.last.serialized.bytes, 300);
    wamp_serializer_stats st;
    wamp_serializer_stats_get(s, false, false, &st);
    assert_int_equal(st.rated_messages, 1);
    /* a payload rated 3 at once fires on the first unserialize */
    wamp_serializer_stats_get(s, true, false, &st);
    wamp_value big = sized_message(s, 1100);
    wamp_buf_clear(&b);
    assert_int_equal(wamp_value_encode(WAMP_SER_CBOR, &big, &b), 0);
    wamp_value *out;
    size_t n;
    f.count = 0;
    assert_int_equal(wamp_serializer_unserialize(s, b.data, b.len, g_a, NULL, &out, &n), 0);
    assert_int_equal(f.count, 1);
    assert_int_equal(f.last.unserialized.rated_messages, 3);
    /* disarmed */
    assert_int_equal(wamp_serializer_set_stats_autoreset(s, 0, 0, NULL, NULL), 0);
    assert_int_equal(wamp_serializer_unserialize(s, b.data, b.len, g_a, NULL, &out, &n), 0);
    assert_int_equal(f.count, 1);
    /* misuse */
    assert_int_equal(wamp_serializer_set_stats_autoreset(s, 0, 0, on_autoreset, &f), WAMP_EINVAL);
    assert_int_equal(wamp_serializer_set_stats_autoreset(s, 0, 5, on_autoreset, &f), WAMP_EINVAL);
    wamp_buf_free(&b);
    wamp_serializer_free(s);
}

static void test_autoreset_duration(void **state)
{
    wamp_serializer *s = make("msgpack.batched");
    int reads = 0;
    fired f = {0};
    g_now = 10000;
    wamp_serializer_set_clock(s, fake_clock, &reads);
    assert_int_equal(wamp_serializer_set_stats_autoreset(s, 0, 1000, on_autoreset, &f), 0);
    wamp_value m = sized_message(s, 50);
    wamp_buf b = {0};
    g_now = 10999;
    assert_int_equal(wamp_serializer_serialize(s, &m, &b), 0);
    assert_int_equal(f.count, 0);
    g_now = 11000; /* exactly the duration: fires (Autobahn's >=) */
    assert_int_equal(wamp_serializer_serialize(s, &m, &b), 0);
    assert_int_equal(f.count, 1);
    assert_int_equal(f.last.timestamp, 10000);
    assert_int_equal(f.last.duration, 1000);
    assert_int_equal(f.last.messages, 2);
    assert_int_equal(f.last.bytes, 100);
    /* the period restarts at the reset */
    g_now = 11999;
    wamp_value *out;
    size_t n;
    assert_int_equal(wamp_serializer_unserialize(s, b.data, b.len, g_a, NULL, &out, &n), 0);
    assert_int_equal(f.count, 1);
    g_now = 12000;
    assert_int_equal(wamp_serializer_unserialize(s, b.data, b.len, g_a, NULL, &out, &n), 0);
    assert_int_equal(f.count, 2);
    assert_int_equal(f.last.unserialized.messages, 4);
    assert_int_equal(f.last.unserialized.bytes, 200);
    assert_int_equal(f.last.cycle, 2);
    /* both thresholds: whichever comes first */
    assert_int_equal(wamp_serializer_set_stats_autoreset(s, 2, 1000000, on_autoreset, &f), 0);
    assert_int_equal(wamp_serializer_serialize(s, &m, &b), 0);
    assert_int_equal(f.count, 2);
    assert_int_equal(wamp_serializer_serialize(s, &m, &b), 0);
    assert_int_equal(f.count, 3);
    wamp_buf_free(&b);
    wamp_serializer_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_descriptors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batching_every_format, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_separators, setup, teardown),
        cmocka_unit_test_setup_teardown(test_length_prefix_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stats_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_autoreset_rated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_autoreset_duration, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
