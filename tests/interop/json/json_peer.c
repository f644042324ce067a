/*
 * json_peer: libwamp's JSON value codec as a filter for the interop script.
 *
 *   json_peer echo     reads hex payloads (one a line) from stdin; for each, decodes it with
 *                      libwamp and writes the hex of libwamp's re-encoding, or "ERR <name>".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wamp/serializer.h>
#include <wamp/value.h>

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int main(int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[1], "echo") != 0) {
        fprintf(stderr, "usage: json_peer echo < hex-lines\n");
        return 2;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    wamp_arena *a = wamp_arena_new(0);
    wamp_buf out = {0};
    while ((got = getline(&line, &cap, stdin)) > 0) {
        size_t n = 0;
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            got--;
        uint8_t *data = malloc((size_t)got / 2 + 1);
        for (ssize_t i = 0; i + 1 < got; i += 2)
            data[n++] = (uint8_t)(hexval(line[i]) << 4 | hexval(line[i + 1]));
        wamp_value v;
        wamp_arena_reset(a);
        out.len = 0;
        int rc = wamp_value_decode(WAMP_SER_JSON, data, n, a, NULL, &v);
        if (!rc) rc = wamp_value_encode(WAMP_SER_JSON, &v, &out);
        if (rc) {
            printf("ERR %s\n", wamp_err_name(rc));
        } else {
            for (size_t i = 0; i < out.len; i++)
                printf("%02x", out.data[i]);
            printf("\n");
        }
        free(data);
    }
    free(line);
    wamp_buf_free(&out);
    wamp_arena_free(a);
    return 0;
}
