/*
 * Test driver for interop.message: reads lines "<mode> <hex>" on stdin, where mode names the
 * serializer: j json, m msgpack, c cbor, u ubjson; upper case (J M C U) or b (= J) for the
 * batched variant. It unserializes the payload, parses every message, marshals and serializes
 * it again with the same serializer, and answers one line per input:
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
        for (size_t i = 0; i < out.len; i++)
            printf("%02x", out.data[i]);
        printf("\n");
    }
    wamp_buf_free(&out);
    wamp_arena_free(a);
}

static wamp_serializer *sers[2][5];

static wamp_serializer *serializer_for(char mode)
{
    const char *modes = "jmcu";
    bool batched = mode == 'b' || (mode >= 'A' && mode <= 'Z');
    char lower = mode == 'b' ? 'j' : (char)(batched ? mode - 'A' + 'a' : mode);
    const char *at = strchr(modes, lower);
    if (!at || !lower) return NULL;
    wamp_serializer_id id = (wamp_serializer_id)(at - modes + 1);
    wamp_serializer **slot = &sers[batched][id];
    if (!*slot && wamp_serializer_new(wamp_serializer_by_id(id, batched), slot)) return NULL;
    return *slot;
}

int main(void)
{
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
        wamp_serializer *ser = n >= 2 && line[1] == ' ' ? serializer_for(line[0]) : NULL;
        bool ok = ser != NULL;
        for (size_t i = 2; ok && i < n; i += 2) {
            int hi = hexval(line[i]), lo = line[i + 1] ? hexval(line[i + 1]) : -1;
            if (hi < 0 || lo < 0)
                ok = false;
            else
                bytes[len++] = (uint8_t)(hi << 4 | lo);
        }
        if (!ok)
            printf("ERR WAMP_EINVAL bad input line\n");
        else
            handle(ser, bytes, len);
        fflush(stdout);
        n = 0;
    }
    free(line);
    free(bytes);
    for (int b = 0; b < 2; b++)
        for (int i = 0; i < 5; i++)
            wamp_serializer_free(sers[b][i]);
    return 0;
}
