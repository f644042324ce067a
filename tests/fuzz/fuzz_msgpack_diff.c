/*
 * Differential fuzzer: our MessagePack decoder against msgpack-c (msgpack_unpack_next).
 *  - where msgpack-c accepts the whole input and the value is within our model, we accept it
 *    with an equal value;
 *  - where we accept, msgpack-c accepts too.
 * Our model deliberately excludes (we reject; see src/codec/msgpack.c): ext types, non-str
 * map keys, str that is not valid UTF-8, duplicate keys. msgpack-c nests at most 32
 * containers (MSGPACK_EMBED_STACK_SIZE), so we decode with max_depth 32 here.
 * msgpack-c allocates a declared array or map size before reading its elements; inputs that
 * declare more elements than bytes remain cannot succeed, so they are not handed to it (that
 * only avoids multi-gigabyte allocations; we must still reject them).
 */
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wamp/wamp.h>

#include "codec/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "check failed: %s (%s:%d)\n", #c, __FILE__, __LINE__);                 \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static uint64_t be(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* Linear walk over the item headers: true when a container declares more elements than
 * bytes remain, or a str/bin/ext more bytes than remain. */
static bool impossible_counts(const uint8_t *d, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t b = d[i++];
        uint64_t cnt = 0, skip = 0;
        unsigned hl = 0;
        if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3 || b == 0xc1) continue;
        if (b <= 0x8f)
            cnt = b & 15u;
        else if (b <= 0x9f)
            cnt = b & 15u;
        else if (b <= 0xbf)
            skip = b & 31u;
        else if (b >= 0xc4 && b <= 0xc6)
            hl = 1u << (b - 0xc4);
        else if (b >= 0xc7 && b <= 0xc9)
            hl = 1u << (b - 0xc7);
        else if (b == 0xca)
            skip = 4;
        else if (b == 0xcb)
            skip = 8;
        else if (b >= 0xcc && b <= 0xcf)
            skip = 1u << (b - 0xcc);
        else if (b >= 0xd0 && b <= 0xd3)
            skip = 1u << (b - 0xd0);
        else if (b >= 0xd4 && b <= 0xd8)
            skip = 1 + (1u << (b - 0xd4));
        else if (b >= 0xd9 && b <= 0xdb)
            hl = 1u << (b - 0xd9);
        else if (b == 0xdc || b == 0xde)
            hl = 2;
        else
            hl = 4;
        if (hl) {
            if (n - i < hl) return false;
            uint64_t len = be(d + i, hl);
            i += hl;
            if (b >= 0xdc)
                cnt = len;
            else
                skip = len + (b >= 0xc7 && b <= 0xc9 ? 1 : 0);
        }
        if (cnt > n - i) return true;
        if (skip > n - i) return false;
        i += skip;
    }
    return false;
}

/* msgpack_object -> wamp_value; false when outside our model. */
static bool convert(const msgpack_object *o, wamp_arena *a, wamp_value *out)
{
    switch (o->type) {
    case MSGPACK_OBJECT_NIL: *out = wamp_value_null(); return true;
    case MSGPACK_OBJECT_BOOLEAN: *out = wamp_value_bool(o->via.boolean); return true;
    case MSGPACK_OBJECT_POSITIVE_INTEGER: *out = wamp_value_uint(o->via.u64); return true;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: *out = wamp_value_int(o->via.i64); return true;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64: *out = wamp_value_double(o->via.f64); return true;
    case MSGPACK_OBJECT_STR:
        if (!o->via.str.size) {
            *out = wamp_value_string(a, "", 0);
            return true;
        }
        if (!wamp__utf8_valid((const uint8_t *)o->via.str.ptr, o->via.str.size)) return false;
        *out = wamp_value_string(a, o->via.str.ptr, o->via.str.size);
        return true;
    case MSGPACK_OBJECT_BIN:
        *out = wamp_value_bytes(a, o->via.bin.size ? o->via.bin.ptr : "", o->via.bin.size);
        return true;
    case MSGPACK_OBJECT_ARRAY:
        *out = wamp_value_list();
        for (uint32_t i = 0; i < o->via.array.size; i++) {
            wamp_value item;
            if (!convert(&o->via.array.ptr[i], a, &item)) return false;
            CHECK(wamp_value_list_push(a, out, item) == 0);
        }
        return true;
    case MSGPACK_OBJECT_MAP:
        *out = wamp_value_dict();
        for (uint32_t i = 0; i < o->via.map.size; i++) {
            const msgpack_object_kv *kv = &o->via.map.ptr[i];
            wamp_value v;
            if (kv->key.type != MSGPACK_OBJECT_STR) return false;
            if (kv->key.via.str.size &&
                !wamp__utf8_valid((const uint8_t *)kv->key.via.str.ptr, kv->key.via.str.size))
                return false;
            if (!convert(&kv->val, a, &v)) return false;
            char *k = wamp_arena_strndup(a, kv->key.via.str.size ? kv->key.via.str.ptr : "",
                                         kv->key.via.str.size);
            CHECK(wamp_value_dict_append(a, out, (wamp_str){k, kv->key.via.str.size}, v) == 0);
        }
        return wamp_value_dict_check_unique(out) == 0;
    default: return false; /* EXT */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wamp_arena *a = wamp_arena_new(0);
    wamp_decode_opts opts = {.max_depth = 32};
    wamp_value ours;
    int rc = wamp_value_decode(WAMP_SER_MSGPACK, data, size, a, &opts, &ours);
    if (impossible_counts(data, size)) {
        CHECK(rc != 0);
        wamp_arena_free(a);
        return 0;
    }
    msgpack_unpacked r;
    msgpack_unpacked_init(&r);
    size_t off = 0;
    msgpack_unpack_return mr = msgpack_unpack_next(&r, (const char *)data, size, &off);
    bool oracle_ok = mr == MSGPACK_UNPACK_SUCCESS && off == size;
    if (rc == 0) {
        if (!oracle_ok) fprintf(stderr, "we accept, msgpack-c says %d (off %zu)\n", mr, off);
        CHECK(oracle_ok);
    }
    if (oracle_ok) {
        wamp_value theirs;
        if (convert(&r.data, a, &theirs)) {
            if (rc) fprintf(stderr, "msgpack-c accepts, we say %s\n", wamp_err_name(rc));
            CHECK(rc == 0);
            CHECK(wamp_value_equal(&ours, &theirs));
        } else {
            CHECK(rc != 0);
        }
    }
    msgpack_unpacked_destroy(&r);
    wamp_arena_free(a);
    return 0;
}
