/* libFuzzer target for the UBJSON codec: any input decodes without UB; whatever decodes
 * re-encodes, and that encoding decodes to an equal value and re-encodes to the same bytes.
 * The lazy (raw_from) path and the batched serializer run on the same input. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <wamp/wamp.h>

static size_t raw_from_2(int64_t first, size_t count, void *user)
{
    (void)first;
    (void)count;
    (void)user;
    return 2;
}

/* NaN and infinities are written as null (py-ubjson's behaviour): such values change on a
 * round trip, so equality is only checked for values without them. */
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
    wamp_arena *a = wamp_arena_new(0);
    wamp_value v, w, lazy;
    wamp_buf e1 = {0}, e2 = {0};
    wamp_decode_opts small = {.max_depth = 16};
    if (wamp_value_decode(WAMP_SER_UBJSON, data, size, a, &small, &v) == WAMP_OK) {
        if (wamp_value_encode(WAMP_SER_UBJSON, &v, &e1) != WAMP_OK) abort();
        if (wamp_value_decode(WAMP_SER_UBJSON, e1.data, e1.len, a, &small, &w) != WAMP_OK) abort();
        if (!has_nonfinite(&v) && !wamp_value_equal(&v, &w)) abort();
        if (wamp_value_encode(WAMP_SER_UBJSON, &w, &e2) != WAMP_OK) abort();
        if (e1.len != e2.len || memcmp(e1.data, e2.data, e1.len) != 0) abort();
    }
    /* lazy decoding accepts exactly the WAMP-shaped inputs the full decoder accepts */
    wamp_decode_opts o = {.max_depth = 16, .raw_from = raw_from_2};
    int rc = wamp_value_decode(WAMP_SER_UBJSON, data, size, a, &o, &lazy);
    if (rc == WAMP_OK) {
        wamp_buf e3 = {0};
        wamp_value full;
        if (wamp_value_encode(WAMP_SER_UBJSON, &lazy, &e3) != WAMP_OK) abort();
        /* ETOOBIG is possible: raw spans keep their zero-width typed arrays while no-ops are
         * dropped from the decoded part, so the re-encoding can be shorter than its budget */
        rc = wamp_value_decode(WAMP_SER_UBJSON, e3.data, e3.len, a, &small, &full);
        if (rc != WAMP_OK && rc != WAMP_ETOOBIG) abort();
        wamp_buf_free(&e3);
    }
    /* the batched serializer on the same bytes */
    wamp_serializer *s;
    if (wamp_serializer_new(wamp_serializer_by_name("ubjson.batched"), &s) == WAMP_OK) {
        wamp_value *msgs;
        size_t n;
        if (wamp_serializer_unserialize(s, data, size, a, &small, &msgs, &n) == WAMP_OK) {
            wamp_buf b = {0};
            for (size_t i = 0; i < n; i++)
                if (wamp_serializer_serialize(s, &msgs[i], &b) != WAMP_OK) abort();
            wamp_buf_free(&b);
        }
        wamp_serializer_free(s);
    }
    wamp_buf_free(&e1);
    wamp_buf_free(&e2);
    wamp_arena_free(a);
    return 0;
}
