/* Debug printer: a one-line, JSON-like form for humans and tests (not a serializer). */
#include <wamp/value.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Output goes either to a FILE or into a wamp_buf; the first error sticks. */
typedef struct sink {
    FILE *f;
    wamp_buf *buf;
    int err;
} sink;

static void put(sink *s, const void *p, size_t n)
{
    if (s->err || !n) return;
    if (s->f) {
        if (fwrite(p, 1, n, s->f) != n) s->err = WAMP_EIO;
    } else {
        s->err = wamp_buf_append(s->buf, p, n);
    }
}

static void puts_(sink *s, const char *str)
{
    put(s, str, strlen(str));
}

static void put_hex(sink *s, const uint8_t *p, uint32_t n)
{
    static const char digits[] = "0123456789abcdef";
    char chunk[128];
    size_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        chunk[k++] = digits[p[i] >> 4];
        chunk[k++] = digits[p[i] & 15];
        if (k == sizeof chunk) {
            put(s, chunk, k);
            k = 0;
        }
    }
    put(s, chunk, k);
}

/* JSON string escaping; bytes >= 0x80 pass through unchanged (the text is UTF-8). */
static void put_string(sink *s, const char *p, size_t n)
{
    if (!p) p = ""; /* an empty borrowed key may have a NULL pointer */
    put(s, "\"", 1);
    size_t run = 0; /* start of the pending run of plain bytes */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        const char *esc = NULL;
        char u[8];
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        default:
            if (c < 0x20 || c == 0x7f) {
                snprintf(u, sizeof u, "\\u%04x", c);
                esc = u;
            }
        }
        if (esc) {
            put(s, p + run, i - run);
            puts_(s, esc);
            run = i + 1;
        }
    }
    put(s, p + run, n - run);
    put(s, "\"", 1);
}

static void print_rec(sink *s, const wamp_value *v)
{
    char num[40];
    switch ((wamp_value_type)v->type) {
    case WAMP_VALUE_NULL: puts_(s, "null"); return;
    case WAMP_VALUE_BOOL: puts_(s, v->as.b ? "true" : "false"); return;
    case WAMP_VALUE_INT:
        snprintf(num, sizeof num, "%" PRId64, v->as.i);
        puts_(s, num);
        return;
    case WAMP_VALUE_UINT:
        snprintf(num, sizeof num, "%" PRIu64, v->as.u);
        puts_(s, num);
        return;
    case WAMP_VALUE_DOUBLE:
        snprintf(num, sizeof num, "%.17g", v->as.d);
        puts_(s, num);
        return;
    case WAMP_VALUE_STRING: put_string(s, v->as.s, v->len); return;
    case WAMP_VALUE_BYTES:
        puts_(s, "b\"");
        put_hex(s, (const uint8_t *)v->as.s, v->len);
        puts_(s, "\"");
        return;
    case WAMP_VALUE_RAW:
        snprintf(num, sizeof num, "raw<%u>:", (unsigned)v->ser);
        puts_(s, num);
        put_hex(s, v->as.raw, v->len);
        return;
    case WAMP_VALUE_LIST:
        puts_(s, "[");
        for (uint32_t i = 0; i < v->len && !s->err; i++) {
            if (i) puts_(s, ", ");
            print_rec(s, &v->as.items[i]);
        }
        puts_(s, "]");
        return;
    case WAMP_VALUE_DICT:
        puts_(s, "{");
        for (uint32_t i = 0; i < v->len && !s->err; i++) {
            if (i) puts_(s, ", ");
            put_string(s, v->as.entries[i].key.ptr, v->as.entries[i].key.len);
            puts_(s, ": ");
            print_rec(s, &v->as.entries[i].value);
        }
        puts_(s, "}");
        return;
    }
    snprintf(num, sizeof num, "<type %u>", (unsigned)v->type);
    puts_(s, num);
}

void wamp_value_print(FILE *f, const wamp_value *v)
{
    if (!f) return;
    sink s = {f, NULL, 0};
    if (!v)
        puts_(&s, "(null)");
    else
        print_rec(&s, v);
}

int wamp_value_dump(wamp_buf *buf, const wamp_value *v)
{
    if (!buf || !v) return WAMP_EINVAL;
    size_t mark = buf->len;
    sink s = {NULL, buf, 0};
    print_rec(&s, v);
    if (s.err) buf->len = mark;
    return s.err;
}
