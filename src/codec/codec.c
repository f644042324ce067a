/* Dispatch of the public value-codec functions and the serializer descriptors. */
#include "codec/codec.h"

#include <string.h>

const wamp__codec *wamp__codec_get(wamp_serializer_id id)
{
    switch (id) {
    case WAMP_SER_JSON: return &wamp__codec_json;
    case WAMP_SER_MSGPACK: return &wamp__codec_msgpack;
    case WAMP_SER_CBOR: return &wamp__codec_cbor;
    case WAMP_SER_UBJSON: return &wamp__codec_ubjson;
    default: return NULL;
    }
}

int wamp_value_decode(wamp_serializer_id ser, const uint8_t *data, size_t len, wamp_arena *a,
                      const wamp_decode_opts *opts, wamp_value *out)
{
    const wamp__codec *c = wamp__codec_get(ser);
    *out = wamp_value_null();
    if (!c) return WAMP_ESERIALIZER;
    if (!a || (!data && len)) return WAMP_EINVAL;
    wamp_decode_opts o = {0};
    if (opts) o = *opts;
    if (!o.max_depth) o.max_depth = WAMP_DEFAULT_MAX_DEPTH;
    if (!o.max_size) o.max_size = WAMP_DEFAULT_MAX_SIZE;
    if (len > o.max_size) return WAMP_ETOOBIG;
    int rc = c->decode(data, len, a, &o, out);
    if (rc) *out = wamp_value_null();
    return rc;
}

int wamp_value_encode(wamp_serializer_id ser, const wamp_value *v, wamp_buf *out)
{
    const wamp__codec *c = wamp__codec_get(ser);
    if (!c) return WAMP_ESERIALIZER;
    if (!v || !out) return WAMP_EINVAL;
    size_t mark = out->len;
    int rc = c->encode(v, out);
    if (rc) out->len = mark;
    return rc;
}

int wamp_value_transcode(wamp_serializer_id from, const uint8_t *raw, size_t len,
                         wamp_serializer_id to, wamp_buf *out)
{
    const wamp__codec *src = wamp__codec_get(from), *dst = wamp__codec_get(to);
    if (!src || !dst) return WAMP_ESERIALIZER;
    if (from == to) return wamp_buf_append(out, raw, len);
    size_t mark = out->len;
    int rc;
    if (dst->transcode_from) {
        rc = dst->transcode_from(from, raw, len, out);
    } else {
        wamp_arena *a = wamp_arena_new(len * 2 + 256);
        if (!a) return WAMP_ENOMEM;
        wamp_value v;
        rc = wamp_value_decode(from, raw, len, a, NULL, &v);
        if (!rc) rc = dst->encode(&v, out);
        wamp_arena_free(a);
    }
    if (rc) out->len = mark;
    return rc;
}

int wamp__codec_encode_raw(wamp_serializer_id to, const wamp_value *raw, wamp_buf *out)
{
    return wamp_value_transcode((wamp_serializer_id)raw->ser, raw->as.raw, raw->len, to, out);
}

/* ---------------------------------------------------------------- descriptors */

static const wamp_serializer_info infos[] = {
    {"json", WAMP_SER_JSON, "application/json", false, false, "wamp.2.json"},
    {"json", WAMP_SER_JSON, "application/json", false, true, "wamp.2.json.batched"},
    {"msgpack", WAMP_SER_MSGPACK, "application/x-msgpack", true, false, "wamp.2.msgpack"},
    {"msgpack", WAMP_SER_MSGPACK, "application/x-msgpack", true, true, "wamp.2.msgpack.batched"},
    {"cbor", WAMP_SER_CBOR, "application/cbor", true, false, "wamp.2.cbor"},
    {"cbor", WAMP_SER_CBOR, "application/cbor", true, true, "wamp.2.cbor.batched"},
    {"ubjson", WAMP_SER_UBJSON, "application/ubjson", true, false, "wamp.2.ubjson"},
    {"ubjson", WAMP_SER_UBJSON, "application/ubjson", true, true, "wamp.2.ubjson.batched"},
    {"flatbuffers", WAMP_SER_FLATBUFFERS, "application/x-flatbuffers", true, false,
     "wamp.2.flatbuffers"},
};
#define NINFOS (sizeof infos / sizeof infos[0])

const wamp_serializer_info *wamp_serializer_list(size_t *count)
{
    if (count) *count = NINFOS;
    return infos;
}

const wamp_serializer_info *wamp_serializer_by_name(const char *name)
{
    if (!name) return NULL;
    size_t n = strlen(name);
    bool batched = false;
    if (n > 8 && strcmp(name + n - 8, ".batched") == 0) {
        batched = true;
        n -= 8;
    }
    for (size_t i = 0; i < NINFOS; i++)
        if (infos[i].batched == batched && strlen(infos[i].name) == n &&
            memcmp(infos[i].name, name, n) == 0)
            return &infos[i];
    return NULL;
}

const wamp_serializer_info *wamp_serializer_by_id(wamp_serializer_id id, bool batched)
{
    for (size_t i = 0; i < NINFOS; i++)
        if (infos[i].id == id && infos[i].batched == batched) return &infos[i];
    return NULL;
}

const wamp_serializer_info *wamp_serializer_by_subprotocol(const char *sp)
{
    if (!sp) return NULL;
    for (size_t i = 0; i < NINFOS; i++)
        if (strcmp(infos[i].subprotocol, sp) == 0) return &infos[i];
    return NULL;
}

const wamp_serializer_info *wamp_serializer_by_mime_type(const char *mime)
{
    if (!mime) return NULL;
    for (size_t i = 0; i < NINFOS; i++)
        if (!infos[i].batched && strcmp(infos[i].mime_type, mime) == 0) return &infos[i];
    return NULL;
}
