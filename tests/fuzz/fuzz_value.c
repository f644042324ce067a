/* fuzz_value: builds value trees from a little stack-machine program (the fuzzer's input) with
 * every builder of value.h, then checks the invariants of the whole-value operations:
 *   - a deep copy equals its source (both ways) and prints the same;
 *   - the copy survives freeing the source arena (ASan checks every byte);
 *   - dict_check_unique agrees with a brute-force check;
 *   - a dict with unique keys equals its reversal (order-insensitive equality);
 *   - dump never fails and print writes the same text. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wamp/wamp.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STACK 16

typedef struct reader {
    const uint8_t *p;
    size_t n;
} reader;

static int take(reader *r, void *out, size_t k)
{
    if (r->n < k) return 0;
    if (out) memcpy(out, r->p, k);
    r->p += k;
    r->n -= k;
    return 1;
}

/* a length-prefixed span borrowed from the input */
static int span(reader *r, const uint8_t **p, size_t *len)
{
    uint8_t l;
    if (!take(r, &l, 1) || r->n < l) return 0;
    *p = r->p;
    *len = l;
    return take(r, NULL, l);
}

static int unique_brute(const wamp_value *d)
{
    for (size_t i = 0; i < wamp_value_count(d); i++)
        for (size_t j = 0; j < i; j++)
            if (wamp_str_eq(wamp_value_dict_entry(d, i)->key, wamp_value_dict_entry(d, j)->key))
                return WAMP_EDUPKEY;
    return WAMP_OK;
}

static char *dump(const wamp_value *v, size_t *len)
{
    wamp_buf b = {0};
    if (wamp_value_dump(&b, v) != WAMP_OK) abort();
    *len = b.len;
    return (char *)b.data;
}

static void check(wamp_value *v)
{
    wamp_arena *a = wamp_arena_new(64);
    wamp_value c;
    if (wamp_value_copy(a, &c, v) != WAMP_OK) abort();
    if (!wamp_value_equal(v, &c) || !wamp_value_equal(&c, v) || !wamp_value_equal(v, v)) abort();
    size_t n1, n2;
    char *d1 = dump(v, &n1), *d2 = dump(&c, &n2);
    if (n1 != n2 || (n1 && memcmp(d1, d2, n1))) abort();
    free(d2);

    if (v->type == WAMP_VALUE_DICT) {
        int u = wamp_value_dict_check_unique(v);
        if (u != unique_brute(v)) abort();
        if (u == WAMP_OK) {
            wamp_value r = wamp_value_dict();
            for (size_t i = wamp_value_count(v); i-- > 0;) {
                wamp_kv *kv = wamp_value_dict_entry(v, i);
                if (wamp_value_dict_append(a, &r, kv->key, kv->value)) abort();
            }
            if (!wamp_value_equal(v, &r) || !wamp_value_equal(&r, v)) abort();
        }
    }

    FILE *f = tmpfile();
    if (f) {
        wamp_value_print(f, &c);
        long got = ftell(f);
        fclose(f);
        if (got != (long)n1) abort();
    }
    wamp_arena_free(a);
    free(d1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    reader r = {data, size};
    wamp_arena *a = wamp_arena_new(32); /* small: exercise block growth */
    wamp_value st[STACK];
    size_t sp = 0;
    uint8_t op;
    while (take(&r, &op, 1)) {
        const uint8_t *p;
        size_t len;
        uint64_t u;
        double d;
        wamp_value v;
        int push = 1;
        switch (op % 18) {
        case 0: v = wamp_value_null(); break;
        case 1: v = wamp_value_bool(op & 0x80); break;
        case 2:
            if (!take(&r, &u, 8)) goto done;
            v = wamp_value_int((int64_t)u);
            break;
        case 3:
            if (!take(&r, &u, 8)) goto done;
            v = wamp_value_uint(u);
            break;
        case 4:
            if (!take(&r, &d, 8)) goto done;
            v = wamp_value_double(d);
            break;
        case 5:
            if (!span(&r, &p, &len)) goto done;
            v = wamp_value_string_borrow((const char *)p, len);
            break;
        case 6:
            if (!span(&r, &p, &len)) goto done;
            v = wamp_value_string(a, (const char *)p, len);
            break;
        case 7:
            if (!span(&r, &p, &len)) goto done;
            v = (op & 0x80) ? wamp_value_bytes(a, p, len) : wamp_value_bytes_borrow(p, len);
            break;
        case 8:
            if (!span(&r, &p, &len)) goto done;
            v = wamp_value_raw_borrow(op >> 5, p, len);
            break;
        case 9: v = wamp_value_list(); break;
        case 10: v = wamp_value_dict(); break;
        case 11: /* pop into the list below */
            push = 0;
            if (sp >= 2 && wamp_value_list_push(a, &st[sp - 2], st[sp - 1]) == WAMP_OK) sp--;
            break;
        case 12: /* pop into the dict below, dict_set */
        case 13: /* same, dict_append (key borrowed from the input) */
            push = 0;
            if (!span(&r, &p, &len)) goto done;
            if (sp >= 2) {
                int rc = (op % 18) == 12
                             ? wamp_value_dict_set(a, &st[sp - 2], (const char *)p, len, st[sp - 1])
                             : wamp_value_dict_append(a, &st[sp - 2],
                                                      (wamp_str){(const char *)p, len}, st[sp - 1]);
                if (rc == WAMP_OK) sp--;
            }
            break;
        case 14:
            push = 0;
            if (!span(&r, &p, &len)) goto done;
            if (sp) {
                bool had = wamp_value_dict_get(&st[sp - 1], (const char *)p, len) != NULL;
                if (wamp_value_dict_remove(&st[sp - 1], (const char *)p, len) != had) abort();
            }
            break;
        case 15:
            push = 0;
            if (sp) wamp_value_list_reserve(a, &st[sp - 1], op >> 4);
            break;
        case 16: /* duplicate the top as a deep copy (a shallow one could build cycles) */
            if (!sp || wamp_value_copy(a, &v, &st[sp - 1]) != WAMP_OK) goto done;
            break;
        default: /* check the top now */
            push = 0;
            if (sp) check(&st[sp - 1]);
            break;
        }
        if (push) {
            if (sp == STACK) goto done;
            st[sp++] = v;
        }
    }
done:;
    /* copies of everything must outlive the source arena */
    wamp_arena *b = wamp_arena_new(0);
    wamp_value copies[STACK];
    char *dumps[STACK];
    size_t lens[STACK];
    for (size_t i = 0; i < sp; i++) {
        check(&st[i]);
        if (wamp_value_copy(b, &copies[i], &st[i]) != WAMP_OK) abort();
        dumps[i] = dump(&st[i], &lens[i]);
    }
    wamp_arena_free(a);
    for (size_t i = 0; i < sp; i++) {
        size_t n;
        char *s = dump(&copies[i], &n);
        if (n != lens[i] || (n && memcmp(s, dumps[i], n))) abort();
        free(s);
        free(dumps[i]);
    }
    wamp_arena_free(b);
    return 0;
}
