/* Serializer objects: one WAMP message (a list value) <-> one transport payload, with
 * batching and Autobahn's traffic statistics (autobahn/wamp/serializer.py, class Serializer).
 *
 * Layering: a serializer object turns *messages* into payloads (Autobahn's
 * Serializer.serialize() takes a Message), so it lives in the message layer, above the value
 * codecs of src/codec. JSON, MessagePack, CBOR and UBJSON go through the public value codec
 * (wamp_value_encode/decode: the list value is encoded as it is); FlatBuffers, which has no value
 * codec, goes through the message codec of flatbuffers.c: the list is parsed into a
 * wamp_message and encoded, and a payload is decoded into a wamp_message and marshalled back
 * into its list. src/codec still never sees a message type. */
#include <wamp/flatbuffers.h>
#include <wamp/message.h>
#include <wamp/serializer.h>

#include <stdlib.h>
#include <string.h>

struct wamp_serializer {
    const wamp_serializer_info *info;
    wamp_clock_cb clock;
    void *clock_user;
    uint64_t reset_at; /* clock reading at the last reset */
    uint64_t cycle;
    wamp_serializer_traffic ser, unser;
    uint64_t auto_rated, auto_duration;
    wamp_serializer_stats_cb auto_cb;
    void *auto_user;
};

static uint64_t now(const wamp_serializer *s)
{
    return s->clock ? s->clock(s->clock_user) : 0;
}

/* Autobahn's SERIALIZER_ID: the subprotocol without "wamp.2." ("json", "json.batched"). */
static const char *serializer_id(const wamp_serializer_info *info)
{
    const char *sp = info->subprotocol;
    return strncmp(sp, "wamp.2.", 7) == 0 ? sp + 7 : sp;
}

int wamp_serializer_new(const wamp_serializer_info *info, wamp_serializer **out)
{
    if (!out) return WAMP_EINVAL;
    *out = NULL;
    if (!info) return WAMP_EINVAL;
    switch (info->id) {
    case WAMP_SER_JSON:
    case WAMP_SER_MSGPACK:
    case WAMP_SER_CBOR:
    case WAMP_SER_UBJSON: break;
    case WAMP_SER_FLATBUFFERS:
        if (info->batched) return WAMP_EUNSUPPORTED; /* as Autobahn: no batched variant */
        break;
    default: return WAMP_EUNSUPPORTED;
    }
    wamp_serializer *s = calloc(1, sizeof *s);
    if (!s) return WAMP_ENOMEM;
    s->info = info;
    *out = s;
    return WAMP_OK;
}

void wamp_serializer_free(wamp_serializer *s)
{
    free(s);
}

const wamp_serializer_info *wamp_serializer_info_of(const wamp_serializer *s)
{
    return s->info;
}

void wamp_serializer_set_clock(wamp_serializer *s, wamp_clock_cb clock, void *user)
{
    s->clock = clock;
    s->clock_user = user;
    s->reset_at = now(s);
}

void wamp_serializer_stats_get(wamp_serializer *s, bool reset, bool details,
                               wamp_serializer_stats *out)
{
    uint64_t t = now(s);
    memset(out, 0, sizeof *out);
    out->cycle = ++s->cycle;
    out->serializer = serializer_id(s->info);
    out->timestamp = s->reset_at;
    out->duration = t >= s->reset_at ? t - s->reset_at : 0;
    out->bytes = s->ser.bytes + s->unser.bytes;
    out->messages = s->ser.messages + s->unser.messages;
    out->rated_messages = s->ser.rated_messages + s->unser.rated_messages;
    out->details = details;
    if (details) {
        out->serialized = s->ser;
        out->unserialized = s->unser;
    }
    if (reset) {
        memset(&s->ser, 0, sizeof s->ser);
        memset(&s->unser, 0, sizeof s->unser);
        s->reset_at = t;
    }
}

int wamp_serializer_set_stats_autoreset(wamp_serializer *s, uint64_t rated_messages,
                                        uint64_t duration_ns, wamp_serializer_stats_cb cb,
                                        void *user)
{
    if (cb && !rated_messages && !duration_ns) return WAMP_EINVAL;
    if (cb && duration_ns && !s->clock) return WAMP_EINVAL;
    s->auto_rated = rated_messages;
    s->auto_duration = duration_ns;
    s->auto_cb = cb;
    s->auto_user = user;
    return WAMP_OK;
}

/* After each serialize/unserialize, exactly Autobahn's condition. */
static void maybe_autoreset(wamp_serializer *s)
{
    if (!s->auto_cb) return;
    uint64_t t = now(s);
    bool by_time = s->auto_duration && t >= s->reset_at && t - s->reset_at >= s->auto_duration;
    bool by_rated =
        s->auto_rated && s->ser.rated_messages + s->unser.rated_messages >= s->auto_rated;
    if (!by_time && !by_rated) return;
    wamp_serializer_stats st;
    wamp_serializer_stats_get(s, true, true, &st);
    s->auto_cb(s, &st, s->auto_user);
}

static uint64_t rated(size_t bytes)
{
    return (bytes + WAMP_RATED_MESSAGE_SIZE - 1) / WAMP_RATED_MESSAGE_SIZE;
}

static bool json_sep(uint8_t c)
{
    return c == 0x18 || c == 0x1E;
}

/* FlatBuffers: the list value is parsed as a WAMP message (scratch arena) and encoded. */
static int fbs_encode(const wamp_value *msg, wamp_buf *out)
{
    wamp_arena *a = wamp_arena_new(1024);
    if (!a) return WAMP_ENOMEM;
    wamp_message m;
    int rc = wamp_message_parse(msg, a, &m, NULL);
    if (!rc) rc = wamp_message_encode_flatbuffers(&m, WAMP_FBS_SCHEMA_CURRENT, out);
    wamp_arena_free(a);
    return rc;
}

/* FlatBuffers: one payload decoded (and validated) as a message, marshalled to its list. */
static int fbs_decode(const uint8_t *data, size_t len, wamp_arena *a, const wamp_decode_opts *opts,
                      wamp_value *out)
{
    size_t max = opts && opts->max_size ? opts->max_size : WAMP_DEFAULT_MAX_SIZE;
    if (len > max) return WAMP_ETOOBIG;
    wamp_message m;
    int rc = wamp_message_decode_flatbuffers(data, len, WAMP_FBS_SCHEMA_CURRENT, a, &m, NULL);
    if (rc) return rc;
    rc = wamp_message_marshal(&m, a, out);
    if (!rc && opts && opts->copy_strings) {
        wamp_value c;
        rc = wamp_value_copy(a, &c, out);
        if (!rc) *out = c;
    }
    return rc;
}

int wamp_serializer_serialize(wamp_serializer *s, const wamp_value *msg, wamp_buf *out)
{
    if (!s || !msg || !out) return WAMP_EINVAL;
    size_t mark = out->len;
    bool prefixed = s->info->batched && s->info->id != WAMP_SER_JSON;
    int rc = WAMP_OK;
    if (prefixed) rc = wamp_buf_append(out, "\0\0\0\0", 4);
    if (!rc)
        rc = s->info->id == WAMP_SER_FLATBUFFERS ? fbs_encode(msg, out)
                                                 : wamp_value_encode(s->info->id, msg, out);
    if (!rc && prefixed) {
        size_t n = out->len - mark - 4;
        if (n > UINT32_MAX) {
            rc = WAMP_ETOOBIG;
        } else {
            uint8_t *p = out->data + mark;
            p[0] = (uint8_t)(n >> 24);
            p[1] = (uint8_t)(n >> 16);
            p[2] = (uint8_t)(n >> 8);
            p[3] = (uint8_t)n;
        }
    }
    if (!rc && s->info->batched && s->info->id == WAMP_SER_JSON)
        rc = wamp_buf_append_byte(out, WAMP_JSON_BATCH_SEPARATOR);
    if (rc) {
        out->len = mark;
        return rc;
    }
    size_t n = out->len - mark;
    s->ser.bytes += n;
    s->ser.messages += 1;
    s->ser.rated_messages += rated(n);
    maybe_autoreset(s);
    return WAMP_OK;
}

/* The next message of a batched payload at *pos: 1 and *msg set, 0 at the end of the payload,
 * or WAMP_EBATCH when the framing is broken. */
static int next_frame(const wamp_serializer *s, const uint8_t *data, size_t len, size_t *pos,
                      wamp_str *msg)
{
    size_t i = *pos;
    if (i >= len) return 0;
    if (s->info->id == WAMP_SER_JSON) {
        size_t start = i;
        while (i < len && !json_sep(data[i]))
            i++;
        if (i == len) return WAMP_EBATCH; /* the last message lacks its separator */
        *msg = (wamp_str){(const char *)data + start, i - start};
        *pos = i + 1;
        return 1;
    }
    if (len - i < 4) return WAMP_EBATCH;
    size_t l =
        (size_t)data[i] << 24 | (size_t)data[i + 1] << 16 | (size_t)data[i + 2] << 8 | data[i + 3];
    i += 4;
    if (l > len - i) return WAMP_EBATCH;
    *msg = (wamp_str){(const char *)data + i, l};
    *pos = i + l;
    return 1;
}

/* Number of messages in a payload (framing checked, empty messages refused; messages not
 * decoded yet). */
static int count_frames(const wamp_serializer *s, const uint8_t *data, size_t len, size_t *count)
{
    if (!s->info->batched) {
        *count = 1;
        return WAMP_OK;
    }
    size_t n = 0, pos = 0;
    wamp_str msg;
    int rc;
    while ((rc = next_frame(s, data, len, &pos, &msg)) == 1) {
        /* an empty message is no value in any format: refuse it before allocating room for a
         * payload full of separators or zero lengths */
        if (msg.len == 0) return WAMP_ETRUNCATED;
        n++;
    }
    if (rc < 0) return rc;
    if (n == 0) return WAMP_EBATCH;
    *count = n;
    return WAMP_OK;
}

int wamp_serializer_unserialize(wamp_serializer *s, const uint8_t *data, size_t len, wamp_arena *a,
                                const wamp_decode_opts *opts, wamp_value **msgs, size_t *count)
{
    if (!msgs || !count) return WAMP_EINVAL;
    *msgs = NULL;
    *count = 0;
    if (!s || !a || (!data && len)) return WAMP_EINVAL;
    size_t n;
    int rc = count_frames(s, data, len, &n);
    if (rc) return rc;
    wamp_value *vals = wamp_arena_alloc(a, n * sizeof *vals);
    if (!vals) return WAMP_ENOMEM;
    if (s->info->id == WAMP_SER_FLATBUFFERS) {
        rc = fbs_decode(data, len, a, opts, &vals[0]); /* never batched */
    } else if (!s->info->batched) {
        rc = wamp_value_decode(s->info->id, data, len, a, opts, &vals[0]);
    } else {
        size_t pos = 0;
        wamp_str msg = {NULL, 0};
        for (size_t i = 0; i < n && !rc; i++) {
            next_frame(s, data, len, &pos, &msg); /* framing checked above */
            rc = wamp_value_decode(s->info->id, (const uint8_t *)msg.ptr, msg.len, a, opts,
                                   &vals[i]);
        }
    }
    if (rc) return rc;
    *msgs = vals;
    *count = n;
    s->unser.bytes += len;
    s->unser.messages += n;
    s->unser.rated_messages += rated(len);
    maybe_autoreset(s);
    return WAMP_OK;
}
