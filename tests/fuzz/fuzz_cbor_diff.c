/*
 * Differential fuzzer: our CBOR decoder against libcbor (cbor_load).
 *  - where libcbor accepts the whole input and the value is within our model, we accept it
 *    with an equal value (libcbor's item tree mapped by the rules of src/codec/cbor.c: tags
 *    2/3 as integers, tag 4 as the nearest double, other tags dropped, undefined as null);
 *  - where we accept, libcbor accepts too.
 * Our model deliberately excludes (we reject): non-text map keys, invalid UTF-8 in a text
 * chunk, duplicate keys, integers below -2^63 or bignums beyond 64 bits, decimal fractions
 * that overflow, unassigned simple values, tags 2/3/4 with malformed content, more than 64
 * nested containers. RFC 8949 made the two-byte form of simple values 0..31 not well-formed
 * (libcbor 0.8 follows RFC 7049 and accepts it): such inputs are not compared. libcbor keeps
 * tags on its parse stack (2048 entries) while we read chains of tags iteratively: inputs with
 * more than 1024 tags are not compared in the "we accept => libcbor accepts" direction, nor
 * inputs with one-byte heads of tags 6..20 (0xc6..0xd4), which libcbor 0.8 rejects although
 * RFC 8949 makes every tag number well-formed.
 * libcbor allocates declared sizes before reading elements; inputs that declare more elements
 * than bytes remain cannot succeed and are not handed to it.
 */
#include <cbor.h>
#include <inttypes.h>
#include <math.h>
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

#define MAX_DEPTH 64

typedef struct walk {
    bool impossible; /* a declared count exceeds the remaining bytes */
    bool old_simple; /* f8 00..1f */
    size_t tags;
    bool short_tag_6_20; /* one-byte heads c6..d4: libcbor 0.8 rejects them */
} walk;

static void scan(const uint8_t *d, size_t n, walk *w)
{
    size_t i = 0;
    memset(w, 0, sizeof *w);
    while (i < n) {
        uint8_t b = d[i++];
        unsigned major = b >> 5, ai = b & 31u;
        uint64_t arg = ai;
        if (ai >= 28 && ai <= 30) return;
        if (ai >= 24 && ai <= 27) {
            unsigned k = 1u << (ai - 24);
            if (n - i < k) return;
            arg = 0;
            for (unsigned j = 0; j < k; j++)
                arg = arg << 8 | d[i + j];
            i += k;
        }
        if (ai == 31) continue;
        switch (major) {
        case 2:
        case 3:
            if (arg > n - i) return;
            i += arg;
            break;
        case 4:
        case 5:
            if (arg > n - i) w->impossible = true;
            break;
        case 6:
            w->tags++;
            if (b >= 0xc6 && b <= 0xd4) w->short_tag_6_20 = true;
            break;
        case 7:
            if (ai == 24 && arg < 32) w->old_simple = true;
            break;
        default: break;
        }
    }
}

static void canon_nan(wamp_value *v)
{
    uint64_t canon = 0x7ff8000000000000ull;
    if (v->type == WAMP_VALUE_DOUBLE && v->as.d != v->as.d) memcpy(&v->as.d, &canon, 8);
    if (v->type == WAMP_VALUE_LIST)
        for (uint32_t i = 0; i < v->len; i++)
            canon_nan(&v->as.items[i]);
    if (v->type == WAMP_VALUE_DICT)
        for (uint32_t i = 0; i < v->len; i++)
            canon_nan(&v->as.entries[i].value);
}

/* Bytes of a (possibly chunked) string item into the arena; text chunks must be UTF-8. */
static bool span(cbor_item_t *it, bool text, wamp_arena *a, const char **s, size_t *n)
{
    bool def = text ? cbor_string_is_definite(it) : cbor_bytestring_is_definite(it);
    if (def) {
        *n = text ? cbor_string_length(it) : cbor_bytestring_length(it);
        const uint8_t *p = text ? cbor_string_handle(it) : cbor_bytestring_handle(it);
        if (!p || !*n) p = (const uint8_t *)"", *n = 0;
        if (text && !wamp__utf8_valid(p, *n)) return false;
        *s = wamp_arena_strndup(a, (const char *)p, *n);
        return true;
    }
    size_t count = text ? cbor_string_chunk_count(it) : cbor_bytestring_chunk_count(it);
    cbor_item_t **ch = text ? cbor_string_chunks_handle(it) : cbor_bytestring_chunks_handle(it);
    wamp_buf b = {0};
    for (size_t i = 0; i < count; i++) {
        const char *cs;
        size_t cn;
        if (!span(ch[i], text, a, &cs, &cn)) {
            wamp_buf_free(&b);
            return false;
        }
        wamp_buf_append(&b, cs, cn);
    }
    *n = b.len;
    *s = wamp_arena_strndup(a, b.data ? (const char *)b.data : "", b.len);
    wamp_buf_free(&b);
    return true;
}

static bool conv(cbor_item_t *it, wamp_arena *a, wamp_value *out, size_t depth);

static bool conv_tag(cbor_item_t *it, wamp_arena *a, wamp_value *out, size_t depth)
{
    uint64_t tag = cbor_tag_value(it);
    cbor_item_t *in = cbor_tag_item(it);
    bool ok = false;
    if (cbor_typeof(in) == CBOR_TYPE_TAG || (tag != 2 && tag != 3 && tag != 4)) {
        ok = conv(in, a, out, depth);
    } else if (tag == 2 || tag == 3) {
        const char *s;
        size_t n;
        if (cbor_typeof(in) == CBOR_TYPE_BYTESTRING && span(in, false, a, &s, &n)) {
            while (n && *s == 0)
                s++, n--;
            uint64_t u = 0;
            for (size_t i = 0; i < n; i++)
                u = u << 8 | (uint8_t)s[i];
            if (n <= 8 && tag == 2) {
                *out = wamp_value_uint(u);
                ok = true;
            } else if (n <= 8 && u <= (uint64_t)INT64_MAX) {
                *out = wamp_value_int(-1 - (int64_t)u);
                ok = true;
            }
        }
    } else {
        wamp_value t;
        if (conv(in, a, &t, depth) && t.type == WAMP_VALUE_LIST && t.len == 2) {
            wamp_value *e = &t.as.items[0], *m = &t.as.items[1];
            if (e->type == WAMP_VALUE_INT &&
                (m->type == WAMP_VALUE_INT || m->type == WAMP_VALUE_UINT)) {
                char text[64];
                if (m->type == WAMP_VALUE_INT)
                    snprintf(text, sizeof text, "%" PRId64 "e%" PRId64, m->as.i, e->as.i);
                else
                    snprintf(text, sizeof text, "%" PRIu64 "e%" PRId64, m->as.u, e->as.i);
                double x = strtod(text, NULL);
                *out = wamp_value_double(x);
                ok = !isinf(x);
            }
        }
    }
    cbor_decref(&in);
    return ok;
}

static bool conv(cbor_item_t *it, wamp_arena *a, wamp_value *out, size_t depth)
{
    const char *s;
    size_t n;
    switch (cbor_typeof(it)) {
    case CBOR_TYPE_UINT: *out = wamp_value_uint(cbor_get_int(it)); return true;
    case CBOR_TYPE_NEGINT:
        if (cbor_get_int(it) > (uint64_t)INT64_MAX) return false;
        *out = wamp_value_int(-1 - (int64_t)cbor_get_int(it));
        return true;
    case CBOR_TYPE_BYTESTRING:
        if (!span(it, false, a, &s, &n)) return false;
        *out = wamp_value_bytes_borrow(s, n);
        return true;
    case CBOR_TYPE_STRING:
        if (!span(it, true, a, &s, &n)) return false;
        *out = wamp_value_string_borrow(s, n);
        return true;
    case CBOR_TYPE_ARRAY: {
        if (depth >= MAX_DEPTH) return false;
        *out = wamp_value_list();
        cbor_item_t **items = cbor_array_handle(it);
        for (size_t i = 0; i < cbor_array_size(it); i++) {
            wamp_value v;
            if (!conv(items[i], a, &v, depth + 1)) return false;
            CHECK(wamp_value_list_push(a, out, v) == 0);
        }
        return true;
    }
    case CBOR_TYPE_MAP: {
        if (depth >= MAX_DEPTH) return false;
        *out = wamp_value_dict();
        struct cbor_pair *pairs = cbor_map_handle(it);
        for (size_t i = 0; i < cbor_map_size(it); i++) {
            cbor_item_t *k = cbor_incref(pairs[i].key);
            while (cbor_typeof(k) == CBOR_TYPE_TAG) {
                cbor_item_t *inner = cbor_tag_item(k);
                cbor_decref(&k);
                k = inner;
            }
            bool ok = cbor_typeof(k) == CBOR_TYPE_STRING && span(k, true, a, &s, &n);
            cbor_decref(&k);
            wamp_value v;
            if (!ok || !conv(pairs[i].value, a, &v, depth + 1)) return false;
            CHECK(wamp_value_dict_append(a, out, (wamp_str){s, n}, v) == 0);
        }
        return wamp_value_dict_check_unique(out) == 0;
    }
    case CBOR_TYPE_TAG: return conv_tag(it, a, out, depth);
    case CBOR_TYPE_FLOAT_CTRL:
        if (cbor_float_get_width(it) != CBOR_FLOAT_0) {
            *out = wamp_value_double(cbor_float_get_float(it));
            return true;
        }
        switch (cbor_ctrl_value(it)) {
        case 20: *out = wamp_value_bool(false); return true;
        case 21: *out = wamp_value_bool(true); return true;
        case 22:
        case 23: *out = wamp_value_null(); return true;
        default: return false;
        }
    default: return false;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    walk w;
    scan(data, size, &w);
    wamp_arena *a = wamp_arena_new(0);
    wamp_value ours;
    wamp_decode_opts opts = {.max_depth = MAX_DEPTH};
    int rc = wamp_value_decode(WAMP_SER_CBOR, data, size, a, &opts, &ours);
    if (w.impossible) {
        CHECK(rc != 0);
        wamp_arena_free(a);
        return 0;
    }
    if (w.old_simple) {
        wamp_arena_free(a);
        return 0;
    }
    struct cbor_load_result res;
    cbor_item_t *item = cbor_load(data, size, &res);
    bool oracle_ok = item && res.error.code == CBOR_ERR_NONE && res.read == size;
    if (rc == 0 && w.tags <= 1024 && !w.short_tag_6_20) {
        if (!oracle_ok)
            fprintf(stderr, "we accept, libcbor says error %d (read %zu)\n", res.error.code,
                    res.read);
        CHECK(oracle_ok);
    }
    if (oracle_ok) {
        wamp_value theirs;
        if (conv(item, a, &theirs, 0)) {
            if (rc) fprintf(stderr, "libcbor accepts, we say %s\n", wamp_err_name(rc));
            CHECK(rc == 0);
            canon_nan(&ours);
            canon_nan(&theirs);
            CHECK(wamp_value_equal(&ours, &theirs));
        } else {
            if (!rc) fprintf(stderr, "outside our model, yet we accept\n");
            CHECK(rc != 0);
        }
    }
    if (item) cbor_decref(&item);
    wamp_arena_free(a);
    return 0;
}
