/* Value constructors, accessors and container building. */
#include <wamp/value.h>

#include <stdint.h>
#include <string.h>

#include "value/value_internal.h"

/* docs/design.md promises a 24-byte value on 64-bit targets: keep it that way. */
_Static_assert(sizeof(void *) != 8 || sizeof(wamp_value) == 24, "wamp_value grew");

const char *wamp_value_type_name(wamp_value_type t)
{
    switch (t) {
    case WAMP_VALUE_NULL: return "null";
    case WAMP_VALUE_BOOL: return "bool";
    case WAMP_VALUE_INT: return "int";
    case WAMP_VALUE_UINT: return "uint";
    case WAMP_VALUE_DOUBLE: return "double";
    case WAMP_VALUE_STRING: return "string";
    case WAMP_VALUE_BYTES: return "bytes";
    case WAMP_VALUE_LIST: return "list";
    case WAMP_VALUE_DICT: return "dict";
    case WAMP_VALUE_RAW: return "raw";
    }
    return "unknown";
}

/* ---------------------------------------------------------------- scalars */

wamp_value wamp_value_null(void)
{
    return (wamp_value){.type = WAMP_VALUE_NULL};
}

wamp_value wamp_value_bool(bool b)
{
    return (wamp_value){.type = WAMP_VALUE_BOOL, .as.b = b};
}

wamp_value wamp_value_int(int64_t i)
{
    return (wamp_value){.type = WAMP_VALUE_INT, .as.i = i};
}

wamp_value wamp_value_uint(uint64_t u)
{
    if (u <= (uint64_t)INT64_MAX) return wamp_value_int((int64_t)u);
    return (wamp_value){.type = WAMP_VALUE_UINT, .as.u = u};
}

wamp_value wamp_value_double(double d)
{
    return (wamp_value){.type = WAMP_VALUE_DOUBLE, .as.d = d};
}

/* ---------------------------------------------------------------- strings, bytes, raw */

static wamp_value span(uint8_t type, const void *p, size_t len)
{
    if (len > UINT32_MAX || (!p && len)) return wamp_value_null();
    return (wamp_value){.type = type, .len = (uint32_t)len, .as.s = p};
}

static wamp_value span_copy(wamp_arena *a, uint8_t type, const void *p, size_t len)
{
    if (!a || len > UINT32_MAX || (!p && len)) return wamp_value_null();
    const char *copy = wamp_arena_strndup(a, p, len);
    if (!copy) return wamp_value_null();
    return span(type, copy, len);
}

wamp_value wamp_value_string(wamp_arena *a, const char *s, size_t len)
{
    return span_copy(a, WAMP_VALUE_STRING, s, len);
}

wamp_value wamp_value_cstring(wamp_arena *a, const char *s)
{
    if (!s) return wamp_value_null();
    return span_copy(a, WAMP_VALUE_STRING, s, strlen(s));
}

wamp_value wamp_value_string_borrow(const char *s, size_t len)
{
    return span(WAMP_VALUE_STRING, s, len);
}

wamp_value wamp_value_bytes(wamp_arena *a, const void *data, size_t len)
{
    return span_copy(a, WAMP_VALUE_BYTES, data, len);
}

wamp_value wamp_value_bytes_borrow(const void *data, size_t len)
{
    return span(WAMP_VALUE_BYTES, data, len);
}

wamp_value wamp_value_raw_borrow(int ser, const void *data, size_t len)
{
    if (ser < 0 || ser > UINT8_MAX) return wamp_value_null();
    wamp_value v = span(WAMP_VALUE_RAW, data, len);
    if (v.type == WAMP_VALUE_RAW) v.ser = (uint8_t)ser;
    return v;
}

/* ---------------------------------------------------------------- containers */

wamp_value wamp_value_list(void)
{
    return (wamp_value){.type = WAMP_VALUE_LIST};
}

wamp_value wamp_value_dict(void)
{
    return (wamp_value){.type = WAMP_VALUE_DICT};
}

/* Makes room for `extra` more elements of `elem` bytes in a list or dict: the capacity doubles
 * (at least to len + extra); the old storage is abandoned in the arena. */
int wamp__value_grow(wamp_arena *a, wamp_value *c, size_t extra, size_t elem)
{
    if (extra > UINT32_MAX - (size_t)c->len) return WAMP_ERANGE;
    size_t need = (size_t)c->len + extra;
    if (need <= c->cap) return WAMP_OK;
    if (!a) return WAMP_EINVAL;
    size_t cap = c->cap ? (size_t)c->cap * 2 : 4;
    if (cap < need) cap = need;
    if (cap > UINT32_MAX) cap = UINT32_MAX;
    if (cap > SIZE_MAX / elem) return WAMP_ENOMEM;
    void *p = wamp_arena_alloc(a, cap * elem);
    if (!p) return WAMP_ENOMEM;
    if (c->len) memcpy(p, (const void *)c->as.items, c->len * elem); /* items/entries alias */
    if (c->type == WAMP_VALUE_LIST)
        c->as.items = p;
    else
        c->as.entries = p;
    c->cap = (uint32_t)cap;
    return WAMP_OK;
}

int wamp_value_list_reserve(wamp_arena *a, wamp_value *list, size_t n)
{
    if (!list || list->type != WAMP_VALUE_LIST) return WAMP_EINVAL;
    return wamp__value_grow(a, list, n, sizeof(wamp_value));
}

int wamp_value_list_push(wamp_arena *a, wamp_value *list, wamp_value item)
{
    if (!list || list->type != WAMP_VALUE_LIST) return WAMP_EINVAL;
    int rc = wamp__value_grow(a, list, 1, sizeof(wamp_value));
    if (rc) return rc;
    list->as.items[list->len++] = item;
    return WAMP_OK;
}

int wamp_value_dict_append(wamp_arena *a, wamp_value *dict, wamp_str key, wamp_value value)
{
    if (!dict || dict->type != WAMP_VALUE_DICT || (!key.ptr && key.len)) return WAMP_EINVAL;
    int rc = wamp__value_grow(a, dict, 1, sizeof(wamp_kv));
    if (rc) return rc;
    wamp_kv *kv = &dict->as.entries[dict->len++];
    kv->key = key;
    kv->value = value;
    return WAMP_OK;
}

static ptrdiff_t dict_find(const wamp_value *v, const char *key, size_t keylen)
{
    if (!v || v->type != WAMP_VALUE_DICT || (!key && keylen)) return -1;
    wamp_str k = {key, keylen};
    for (uint32_t i = 0; i < v->len; i++)
        if (wamp_str_eq(v->as.entries[i].key, k)) return (ptrdiff_t)i;
    return -1;
}

int wamp_value_dict_set(wamp_arena *a, wamp_value *dict, const char *key, size_t keylen,
                        wamp_value value)
{
    if (!dict || dict->type != WAMP_VALUE_DICT || (!key && keylen)) return WAMP_EINVAL;
    ptrdiff_t i = dict_find(dict, key, keylen);
    if (i >= 0) {
        dict->as.entries[i].value = value;
        return WAMP_OK;
    }
    if (!a) return WAMP_EINVAL;
    /* grow first so that a failure leaves nothing behind but abandoned arena bytes */
    int rc = wamp__value_grow(a, dict, 1, sizeof(wamp_kv));
    if (rc) return rc;
    char *k = wamp_arena_strndup(a, key, keylen);
    if (!k) return WAMP_ENOMEM;
    return wamp_value_dict_append(a, dict, (wamp_str){k, keylen}, value);
}

int wamp_value_dict_setc(wamp_arena *a, wamp_value *dict, const char *key, wamp_value value)
{
    if (!key) return WAMP_EINVAL;
    return wamp_value_dict_set(a, dict, key, strlen(key), value);
}

bool wamp_value_dict_remove(wamp_value *dict, const char *key, size_t keylen)
{
    ptrdiff_t i = dict_find(dict, key, keylen);
    if (i < 0) return false;
    memmove(&dict->as.entries[i], &dict->as.entries[i + 1],
            (dict->len - (size_t)i - 1) * sizeof(wamp_kv));
    dict->len--;
    return true;
}

/* ---------------------------------------------------------------- accessors */

bool wamp_value_get_bool(const wamp_value *v, bool *out)
{
    if (!v || v->type != WAMP_VALUE_BOOL) return false;
    if (out) *out = v->as.b;
    return true;
}

bool wamp_value_get_int(const wamp_value *v, int64_t *out)
{
    if (!v) return false;
    if (v->type == WAMP_VALUE_INT) {
        if (out) *out = v->as.i;
        return true;
    }
    if (v->type == WAMP_VALUE_UINT && v->as.u <= (uint64_t)INT64_MAX) {
        if (out) *out = (int64_t)v->as.u;
        return true;
    }
    return false;
}

bool wamp_value_get_uint(const wamp_value *v, uint64_t *out)
{
    if (!v) return false;
    if (v->type == WAMP_VALUE_UINT) {
        if (out) *out = v->as.u;
        return true;
    }
    if (v->type == WAMP_VALUE_INT && v->as.i >= 0) {
        if (out) *out = (uint64_t)v->as.i;
        return true;
    }
    return false;
}

bool wamp_value_get_double(const wamp_value *v, double *out)
{
    if (!v || v->type != WAMP_VALUE_DOUBLE) return false;
    if (out) *out = v->as.d;
    return true;
}

static bool get_span(const wamp_value *v, uint8_t type, wamp_str *out)
{
    if (!v || v->type != type) return false;
    if (out) {
        out->ptr = v->as.s;
        out->len = v->len;
    }
    return true;
}

bool wamp_value_get_string(const wamp_value *v, wamp_str *out)
{
    return get_span(v, WAMP_VALUE_STRING, out);
}

bool wamp_value_get_bytes(const wamp_value *v, wamp_str *out)
{
    return get_span(v, WAMP_VALUE_BYTES, out);
}

size_t wamp_value_count(const wamp_value *v)
{
    if (!v || (v->type != WAMP_VALUE_LIST && v->type != WAMP_VALUE_DICT)) return 0;
    return v->len;
}

wamp_value *wamp_value_list_at(const wamp_value *v, size_t i)
{
    if (!v || v->type != WAMP_VALUE_LIST || i >= v->len) return NULL;
    return &v->as.items[i];
}

wamp_kv *wamp_value_dict_entry(const wamp_value *v, size_t i)
{
    if (!v || v->type != WAMP_VALUE_DICT || i >= v->len) return NULL;
    return &v->as.entries[i];
}

wamp_value *wamp_value_dict_get(const wamp_value *v, const char *key, size_t keylen)
{
    ptrdiff_t i = dict_find(v, key, keylen);
    return i < 0 ? NULL : &v->as.entries[i].value;
}

wamp_value *wamp_value_dict_getc(const wamp_value *v, const char *key)
{
    if (!key) return NULL;
    return wamp_value_dict_get(v, key, strlen(key));
}
