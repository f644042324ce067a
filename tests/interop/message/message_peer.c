/*
 * Test driver for interop.message: reads lines "<j|b> <hex>" on stdin (j: one JSON message,
 * b: a batched JSON payload), unserializes, parses every message, marshals and serializes it
 * again with the same serializer, and answers one line per input:
 *   OK <hex of our payload>         every message parsed
 *   ERR <WAMP_E...> <error text>    decoding or parsing failed
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wamp/wamp.h>

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static void handle(wamp_serializer *ser, const uint8_t *data, size_t len)
{
    wamp_arena *a = wamp_arena_new(0);
    wamp_value *msgs;
    size_t count;
    int rc = wamp_serializer_unserialize(ser, data, len, a, NULL, &msgs, &count);
    if (rc) {
        printf("ERR %s cannot unserialize: %s\n", wamp_err_name(rc), wamp_strerror(rc));
        wamp_arena_free(a);
        return;
    }
    wamp_buf out = {0};
    for (size_t i = 0; i < count; i++) {
        wamp_message m;
        wamp_msg_error e;
        rc = wamp_message_parse(&msgs[i], a, &m, &e);
        if (rc) {
            printf("ERR %s %s\n", wamp_err_name(rc), e.text);
            break;
        }
        wamp_value v;
        rc = wamp_message_marshal(&m, a, &v);
        if (!rc) rc = wamp_serializer_serialize(ser, &v, &out);
        if (rc) {
            printf("ERR %s marshal/serialize failed\n", wamp_err_name(rc));
            break;
        }
    }
    if (!rc) {
        printf("OK ");
        for (size_t i = 0; i < out.len; i++) printf("%02x", out.data[i]);
        printf("\n");
    }
    wamp_buf_free(&out);
    wamp_arena_free(a);
}

int main(void)
{
    wamp_serializer *single, *batched;
    if (wamp_serializer_new(wamp_serializer_by_id(WAMP_SER_JSON, false), &single) ||
        wamp_serializer_new(wamp_serializer_by_id(WAMP_SER_JSON, true), &batched)) {
        fprintf(stderr, "cannot create serializers\n");
        return 2;
    }
    size_t cap = 1 << 16;
    char *line = malloc(cap);
    uint8_t *bytes = malloc(cap);
    size_t n = 0;
    int c;
    while ((c = getchar()) != EOF) {
        if (c != '\n') {
            if (n + 1 >= cap) {
                cap *= 2;
                line = realloc(line, cap);
                bytes = realloc(bytes, cap);
            }
            line[n++] = (char)c;
            continue;
        }
        line[n] = 0;
        size_t len = 0;
        bool ok = n >= 2 && (line[0] == 'j' || line[0] == 'b') && line[1] == ' ';
        for (size_t i = 2; ok && i + 1 < n + 1 && line[i]; i += 2) {
            int hi = hexval(line[i]), lo = line[i + 1] ? hexval(line[i + 1]) : -1;
            if (hi < 0 || lo < 0) ok = false;
            else bytes[len++] = (uint8_t)(hi << 4 | lo);
        }
        if (!ok)
            printf("ERR WAMP_EINVAL bad input line\n");
        else
            handle(line[0] == 'b' ? batched : single, bytes, len);
        fflush(stdout);
        n = 0;
    }
    free(line);
    free(bytes);
    wamp_serializer_free(single);
    wamp_serializer_free(batched);
    return 0;
}
