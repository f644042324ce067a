/* Interop helper for tests/interop/ubjson/interop.py (driven by py-ubjson and Autobahn).
 *
 *   ubjson_peer echo <serializer>      reads hex payloads (one a line) from stdin, unserializes
 *                                      each with the named wamp_serializer ("ubjson",
 *                                      "ubjson.batched", ...), serializes the messages again and
 *                                      prints the hex of the new payload (or "ERR <name>");
 *                                      at the end "STATS" and the serializer's detailed counters.
 *   ubjson_peer generate <seed> <n>    prints the UBJSON hex of n pseudo-random values.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wamp/wamp.h>

static void put_hex(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        printf("%02x", p[i]);
    putchar('\n');
}

static int unhex(const char *s, size_t n, uint8_t *out)
{
    for (size_t i = 0; i + 1 < n; i += 2) {
        unsigned v;
        if (sscanf(s + i, "%2x", &v) != 1) return -1;
        out[i / 2] = (uint8_t)v;
    }
    return 0;
}

static int echo(const char *name)
{
    const wamp_serializer_info *info = wamp_serializer_by_name(name);
    wamp_serializer *s;
    if (!info || wamp_serializer_new(info, &s)) {
        fprintf(stderr, "unknown serializer %s\n", name);
        return 2;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, stdin)) > 0) {
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            line[--got] = 0;
        size_t n = (size_t)got / 2;
        uint8_t *data = malloc(n ? n : 1);
        wamp_arena *a = wamp_arena_new(0);
        wamp_value *msgs;
        size_t count;
        wamp_buf out = {0};
        int rc = unhex(line, (size_t)got, data) ? WAMP_ESYNTAX : 0;
        if (!rc) rc = wamp_serializer_unserialize(s, data, n, a, NULL, &msgs, &count);
        for (size_t i = 0; !rc && i < count; i++)
            rc = wamp_serializer_serialize(s, &msgs[i], &out);
        if (rc)
            printf("ERR %s\n", wamp_err_name(rc));
        else
            put_hex(out.data, out.len);
        fflush(stdout);
        wamp_buf_free(&out);
        wamp_arena_free(a);
        free(data);
    }
    free(line);
    wamp_serializer_stats st;
    wamp_serializer_stats_get(s, false, true, &st);
    printf("STATS %llu %llu %llu %llu %llu %llu\n", (unsigned long long)st.serialized.bytes,
           (unsigned long long)st.serialized.messages,
           (unsigned long long)st.serialized.rated_messages,
           (unsigned long long)st.unserialized.bytes, (unsigned long long)st.unserialized.messages,
           (unsigned long long)st.unserialized.rated_messages);
    wamp_serializer_free(s);
    return 0;
}

static uint64_t rng;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static wamp_value gen(wamp_arena *a, int depth)
{
    switch (rnd() % (depth > 3 ? 8 : 10)) {
    case 0: return wamp_value_null();
    case 1: return wamp_value_bool(rnd() & 1);
    case 2: return wamp_value_int((int64_t)(rnd() >> (rnd() % 64)));
    case 3: return wamp_value_uint(rnd());
    case 4: {
        uint64_t bits = rnd() >> (rnd() % 2 ? 0 : 12); /* some subnormals */
        double d;
        memcpy(&d, &bits, 8);
        if (rnd() % 8 == 0) d = (rnd() & 1) ? 0.0 : -0.0;
        if (rnd() % 16 == 0) d = NAN;
        if (rnd() % 4 == 0) d = (double)(int32_t)rnd() / 16.0;
        return wamp_value_double(d);
    }
    case 5: {
        static const char *const pieces[] = {"a", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
                                             " ", "\x00",     "xyz",          "\x7f"};
        char s[300];
        size_t n = 0, k = rnd() % (rnd() % 8 == 0 ? 70 : 8);
        for (size_t i = 0; i < k; i++) {
            const char *p = pieces[rnd() % 8];
            size_t l = p[0] ? strlen(p) : 1;
            memcpy(s + n, p, l);
            n += l;
        }
        return wamp_value_string(a, s, n);
    }
    case 6: {
        uint8_t b[300];
        size_t n = rnd() % (rnd() % 8 == 0 ? 300 : 10);
        for (size_t i = 0; i < n; i++)
            b[i] = (uint8_t)rnd();
        return wamp_value_bytes(a, b, n);
    }
    case 7: return wamp_value_int((int64_t)(rnd() % 300) - 150);
    case 8: {
        wamp_value l = wamp_value_list();
        size_t n = rnd() % 6;
        for (size_t i = 0; i < n; i++)
            wamp_value_list_push(a, &l, gen(a, depth + 1));
        return l;
    }
    default: {
        wamp_value o = wamp_value_dict();
        size_t n = rnd() % 6;
        for (size_t i = 0; i < n; i++) {
            char k[16];
            int kl = snprintf(k, sizeof k, "k%u", (unsigned)(rnd() % 1000));
            wamp_value_dict_set(a, &o, k, (size_t)kl, gen(a, depth + 1));
        }
        return o;
    }
    }
}

static int generate(unsigned long long seed, int n)
{
    rng = seed * 0x9e3779b97f4a7c15ull + 1;
    for (int i = 0; i < n; i++) {
        wamp_arena *a = wamp_arena_new(0);
        wamp_value v = gen(a, 0);
        wamp_buf out = {0};
        int rc = wamp_value_encode(WAMP_SER_UBJSON, &v, &out);
        if (rc)
            printf("ERR %s\n", wamp_err_name(rc));
        else
            put_hex(out.data, out.len);
        wamp_buf_free(&out);
        wamp_arena_free(a);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "echo") == 0) return echo(argv[2]);
    if (argc == 4 && strcmp(argv[1], "generate") == 0)
        return generate(strtoull(argv[2], NULL, 10), atoi(argv[3]));
    fprintf(stderr, "usage: ubjson_peer echo <serializer> | generate <seed> <n>\n");
    return 2;
}
