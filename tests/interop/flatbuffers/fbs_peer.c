/*
 * Peer for interop.flatbuffers: one request per stdin line, one answer per stdout line.
 *   "D <schema> <hex>"  decode FlatBuffers (schema 0 current, 1 Autobahn 22.7.1) and answer
 *                       "OK <hex of the message as JSON>" or "ERR <name> <text>"
 *   "E <schema> <hex>"  the hex is a JSON message: parse it, encode it as FlatBuffers and answer
 *                       "OK <hex>" or "ERR <name>"
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wamp/wamp.h>

static uint8_t *unhex(const char *s, size_t *n)
{
    size_t l = strlen(s);
    uint8_t *b = malloc(l / 2 + 1);
    for (size_t i = 0; i + 1 < l; i += 2) {
        unsigned v;
        if (sscanf(s + i, "%2x", &v) != 1) {
            free(b);
            return NULL;
        }
        b[i / 2] = (uint8_t)v;
    }
    *n = l / 2;
    return b;
}

static void puthex(const uint8_t *b, size_t n)
{
    printf("OK ");
    for (size_t i = 0; i < n; i++)
        printf("%02x", b[i]);
    printf("\n");
}

int main(void)
{
    static char line[1 << 20];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\r\n")] = 0;
        char op;
        int schema;
        char *hex = malloc(strlen(line) + 1);
        if (sscanf(line, "%c %d %s", &op, &schema, hex) != 3) {
            printf("ERR bad-request\n");
            free(hex);
            continue;
        }
        size_t n;
        uint8_t *in = unhex(hex, &n);
        wamp_arena *a = wamp_arena_new(0);
        wamp_message m;
        wamp_msg_error err = {0};
        wamp_buf out = {0};
        int rc;
        if (op == 'D') {
            rc = wamp_message_decode_flatbuffers(in, n, (wamp_fbs_schema)schema, a, &m, &err);
            if (!rc) rc = wamp_message_encode(WAMP_SER_JSON, &m, a, &out);
        } else {
            rc = wamp_message_decode(WAMP_SER_JSON, in, n, a, NULL, &m, &err);
            if (!rc) rc = wamp_message_encode_flatbuffers(&m, (wamp_fbs_schema)schema, &out);
        }
        if (rc)
            printf("ERR %s %s\n", wamp_err_name(rc), err.text);
        else
            puthex(out.data, out.len);
        fflush(stdout);
        wamp_buf_free(&out);
        wamp_arena_free(a);
        free(in);
        free(hex);
    }
    return 0;
}
