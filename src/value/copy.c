/* Deep copy: the copy owns every byte it points to (in the destination arena). */
#include <wamp/value.h>

#include <string.h>

static int copy_rec(wamp_arena *a, wamp_value *dst, const wamp_value *src)
{
    *dst = *src;
    switch ((wamp_value_type)src->type) {
    case WAMP_VALUE_STRING:
    case WAMP_VALUE_BYTES:
    case WAMP_VALUE_RAW: {
        /* strndup also NUL-terminates copied strings and bytes */
        char *p = wamp_arena_strndup(a, (const char *)src->as.raw, src->len);
        if (!p) return WAMP_ENOMEM;
        dst->as.s = p;
        return WAMP_OK;
    }
    case WAMP_VALUE_LIST: {
        dst->as.items = NULL;
        dst->cap = 0;
        if (!src->len) return WAMP_OK;
        wamp_value *items = wamp_arena_alloc(a, (size_t)src->len * sizeof *items);
        if (!items) return WAMP_ENOMEM;
        for (uint32_t i = 0; i < src->len; i++) {
            int rc = copy_rec(a, &items[i], &src->as.items[i]);
            if (rc) return rc;
        }
        dst->as.items = items;
        dst->cap = src->len;
        return WAMP_OK;
    }
    case WAMP_VALUE_DICT: {
        dst->as.entries = NULL;
        dst->cap = 0;
        if (!src->len) return WAMP_OK;
        wamp_kv *e = wamp_arena_alloc(a, (size_t)src->len * sizeof *e);
        if (!e) return WAMP_ENOMEM;
        for (uint32_t i = 0; i < src->len; i++) {
            const wamp_kv *s = &src->as.entries[i];
            char *k = wamp_arena_strndup(a, s->key.ptr, s->key.len);
            if (!k) return WAMP_ENOMEM;
            e[i].key.ptr = k;
            e[i].key.len = s->key.len;
            int rc = copy_rec(a, &e[i].value, &s->value);
            if (rc) return rc;
        }
        dst->as.entries = e;
        dst->cap = src->len;
        return WAMP_OK;
    }
    default: return WAMP_OK; /* scalars: the struct copy is the whole value */
    }
}

int wamp_value_copy(wamp_arena *a, wamp_value *dst, const wamp_value *src)
{
    if (!dst) return WAMP_EINVAL;
    if (!a || !src) {
        *dst = wamp_value_null();
        return WAMP_EINVAL;
    }
    wamp_value tmp; /* src may alias dst */
    int rc = copy_rec(a, &tmp, src);
    *dst = rc ? wamp_value_null() : tmp;
    return rc;
}
