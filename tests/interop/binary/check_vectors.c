/* Driver of interop.binary: reads "<ser> <hex> <value notation>" lines produced by Autobahn
 * (autobahn_vectors.py) on stdin. For each: our decode of Autobahn's bytes must equal the
 * value, our encoding of the value must equal Autobahn's bytes byte for byte, and a lazy
 * decode (raw_from) must re-encode to the same bytes. Exit status 0 when all pass. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wamp/wamp.h>

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* Hex from *p up to ';' or ' ' or end into a malloc'd buffer. */
static uint8_t *unhex(const char **p, size_t *n)
{
    const char *s = *p;
    size_t len = 0;
    while (hexval((unsigned char)s[len]) >= 0)
        len++;
    uint8_t *out = malloc(len / 2 + 1);
    for (size_t i = 0; i + 1 < len; i += 2)
        out[i / 2] = (uint8_t)(hexval((unsigned char)s[i]) << 4 | hexval((unsigned char)s[i + 1]));
    *n = len / 2;
    *p = s + len;
    return out;
}

static int parse(const char **p, wamp_arena *a, wamp_value *out);

static int parse_count(const char **p, size_t *n)
{
    char *end;
    *n = strtoul(*p, &end, 10);
    if (*end != ':') return -1;
    *p = end + 1;
    return 0;
}

static int parse(const char **p, wamp_arena *a, wamp_value *out)
{
    char c = *(*p)++;
    size_t n;
    char *end;
    switch (c) {
    case 'n': *out = wamp_value_null(); return 0;
    case 't': *out = wamp_value_bool(true); return 0;
    case 'f': *out = wamp_value_bool(false); return 0;
    case 'i':
        if (**p == '-')
            *out = wamp_value_int(strtoll(*p, &end, 10));
        else
            *out = wamp_value_uint(strtoull(*p, &end, 10));
        *p = end + 1;
        return 0;
    case 'd': {
        uint64_t bits = strtoull(*p, &end, 16);
        double d;
        memcpy(&d, &bits, 8);
        *out = wamp_value_double(d);
        *p = end + 1;
        return 0;
    }
    case 's':
    case 'b': {
        uint8_t *b = unhex(p, &n);
        *out = c == 's' ? wamp_value_string(a, (char *)b, n) : wamp_value_bytes(a, b, n);
        free(b);
        (*p)++;
        return 0;
    }
    case 'l':
        if (parse_count(p, &n)) return -1;
        *out = wamp_value_list();
        for (size_t i = 0; i < n; i++) {
            wamp_value item;
            if (parse(p, a, &item) || wamp_value_list_push(a, out, item)) return -1;
        }
        return 0;
    case 'm':
        if (parse_count(p, &n)) return -1;
        *out = wamp_value_dict();
        for (size_t i = 0; i < n; i++) {
            wamp_value k, v;
            if (parse(p, a, &k) || k.type != WAMP_VALUE_STRING || parse(p, a, &v)) return -1;
            if (wamp_value_dict_append(a, out, (wamp_str){k.as.s, k.len}, v)) return -1;
        }
        return 0;
    default: return -1;
    }
}

static size_t raw_from_4(int64_t first, size_t count, void *user)
{
    return 4;
}

static int check(const char *line, size_t lineno)
{
    char ser_name[16];
    if (sscanf(line, "%15s", ser_name) != 1) return -1;
    const wamp_serializer_info *info = wamp_serializer_by_name(ser_name);
    if (!info) return -1;
    const char *p = line + strlen(ser_name) + 1;
    size_t n;
    uint8_t *bytes = unhex(&p, &n);
    p++;
    wamp_arena *a = wamp_arena_new(0);
    wamp_value want, got;
    int fails = 0;
    if (parse(&p, a, &want)) {
        fprintf(stderr, "line %zu: bad notation\n", lineno);
        fails++;
        goto out;
    }
    int rc = wamp_value_decode(info->id, bytes, n, a, NULL, &got);
    if (rc || !wamp_value_equal(&got, &want)) {
        fprintf(stderr, "line %zu (%s): decode %s, value %s\n", lineno, ser_name, wamp_err_name(rc),
                rc ? "-" : "differs");
        fails++;
    }
    wamp_buf enc = {0};
    rc = wamp_value_encode(info->id, &want, &enc);
    if (rc || enc.len != n || memcmp(enc.data, bytes, n) != 0) {
        fprintf(stderr,
                "line %zu (%s): our encoding differs from Autobahn's (%s, %zu vs %zu bytes)\n",
                lineno, ser_name, wamp_err_name(rc), enc.len, n);
        fails++;
    }
    wamp_decode_opts o = {.raw_from = raw_from_4};
    wamp_buf_clear(&enc);
    rc = wamp_value_decode(info->id, bytes, n, a, &o, &got);
    if (!rc) rc = wamp_value_encode(info->id, &got, &enc);
    if (rc || enc.len != n || memcmp(enc.data, bytes, n) != 0) {
        fprintf(stderr, "line %zu (%s): lazy decode + encode differs (%s)\n", lineno, ser_name,
                wamp_err_name(rc));
        fails++;
    }
    wamp_buf_free(&enc);
out:
    free(bytes);
    wamp_arena_free(a);
    return fails ? -1 : 0;
}

int main(void)
{
    char *line = NULL;
    size_t cap = 0, lineno = 0, failed = 0, total = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, stdin)) > 0) {
        lineno++;
        if (len < 3) continue;
        total++;
        if (check(line, lineno)) failed++;
    }
    free(line);
    printf("%zu of %zu Autobahn vectors match\n", total - failed, total);
    return failed || total == 0 ? 1 : 0;
}
