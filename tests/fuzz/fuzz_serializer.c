/* libFuzzer target for the serializer objects: the first byte picks a descriptor (plain or
 * batched JSON, MessagePack, CBOR, UBJSON), the rest is a transport payload. Whatever
 * unserializes serializes again, and that payload unserializes to the same messages; the
 * statistics count exactly the successful traffic. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <wamp/wamp.h>

/* NaN and infinities may change on a round trip (UBJSON writes null, CBOR a canonical NaN). */
static bool has_nonfinite(const wamp_value *v)
{
    if (v->type == WAMP_VALUE_DOUBLE) return !isfinite(v->as.d);
    for (size_t i = 0; i < wamp_value_count(v); i++) {
        const wamp_value *c =
            v->type == WAMP_VALUE_LIST ? &v->as.items[i] : &v->as.entries[i].value;
        if (has_nonfinite(c)) return true;
    }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    size_t ninfo;
    const wamp_serializer_info *infos = wamp_serializer_list(&ninfo);
    const wamp_serializer_info *info = &infos[data[0] % 8]; /* the eight value serializers */
    data++;
    size--;
    wamp_serializer *s;
    if (wamp_serializer_new(info, &s) != WAMP_OK) abort();
    wamp_arena *a = wamp_arena_new(0);
    wamp_decode_opts o = {.max_depth = 16};
    wamp_value *msgs, *again;
    size_t n, m;
    if (wamp_serializer_unserialize(s, data, size, a, &o, &msgs, &n) == WAMP_OK) {
        if (n == 0 || (!info->batched && n != 1)) abort();
        wamp_buf out = {0};
        int rc = WAMP_OK;
        for (size_t i = 0; i < n && !rc; i++)
            rc = wamp_serializer_serialize(s, &msgs[i], &out);
        /* only JSON may refuse what it read: a number too large for a double reads as an
         * infinity, which JSON cannot write */
        if (rc && !(rc == WAMP_ENUMBER && info->id == WAMP_SER_JSON)) abort();
        if (!rc) {
            if (wamp_serializer_unserialize(s, out.data, out.len, a, &o, &again, &m) != WAMP_OK)
                abort();
            if (m != n) abort();
            for (size_t i = 0; i < n; i++)
                if (!has_nonfinite(&msgs[i]) && !wamp_value_equal(&msgs[i], &again[i])) abort();
            wamp_serializer_stats st;
            wamp_serializer_stats_get(s, false, true, &st);
            if (st.serialized.messages != n || st.unserialized.messages != 2 * n) abort();
            if (st.serialized.bytes != out.len || st.unserialized.bytes != size + out.len) abort();
        }
        wamp_buf_free(&out);
    }
    wamp_arena_free(a);
    wamp_serializer_free(s);
    return 0;
}
