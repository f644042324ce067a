/* `wamp message decode|encode`: convert WAMP messages between any serializer and the
 * marshalled JSON list form (one message per line). Every message is validated with
 * wamp_message_parse(), so the tool doubles as a message checker. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wamp/wamp.h>

#include "cli.h"

#define MAX_INPUT (256u * 1024u * 1024u)

static void message_usage(FILE *f)
{
    fputs("usage: wamp message decode --serializer NAME [--hex]\n"
          "       wamp message encode --serializer NAME [--hex]\n"
          "\n"
          "decode  reads one serialized message (or, for a batched serializer, a batch) on\n"
          "        stdin, validates it and prints each message as its marshalled JSON list, one\n"
          "        per line (bytes in WAMP's JSON convention: \"\\u0000\" + base64).\n"
          "encode  reads marshalled JSON lists, one per line, validates them and writes the\n"
          "        serialized message to stdout (a batch for a batched serializer; a plain\n"
          "        serializer takes exactly one message).\n"
          "\n"
          "options:\n"
          "  --serializer NAME  json, msgpack, cbor, ubjson, flatbuffers, or NAME.batched\n"
          "                     (also accepted: a WebSocket subprotocol such as wamp.2.cbor)\n"
          "  --hex              binary side in hex text instead of raw bytes\n"
          "  --fbs-schema S     FlatBuffers schema generation: current (default; the\n"
          "                     wamp-proto test suite) or autobahn-22 (Autobahn|Python 22.7.1,\n"
          "                     PUBLISH and EVENT only)\n"
          "  --help             this text\n"
          "\n"
          "Invalid input: a message naming the problem on stderr, exit status 1.\n",
          f);
}

static int read_all(FILE *f, wamp_buf *out)
{
    uint8_t chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (out->len + n > MAX_INPUT) {
            cli_error("input larger than %u bytes", MAX_INPUT);
            return -1;
        }
        if (wamp_buf_append(out, chunk, n)) {
            cli_error("out of memory");
            return -1;
        }
    }
    if (ferror(f)) {
        cli_error("reading stdin: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Hex text (whitespace ignored) to bytes, in place. */
static int unhex(wamp_buf *b)
{
    size_t o = 0;
    int hi = -1;
    for (size_t i = 0; i < b->len; i++) {
        int c = b->data[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
        int v = hexval(c);
        if (v < 0) {
            cli_error("invalid hex input: unexpected character at offset %zu", i);
            return -1;
        }
        if (hi < 0) {
            hi = v;
        } else {
            b->data[o++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    if (hi >= 0) {
        cli_error("invalid hex input: odd number of digits");
        return -1;
    }
    b->len = o;
    return 0;
}

static const wamp_serializer_info *lookup(const char *name)
{
    const wamp_serializer_info *info = wamp_serializer_by_name(name);
    if (!info) info = wamp_serializer_by_subprotocol(name);
    if (!info) cli_error("unknown serializer '%s' (see wamp message --help)", name);
    return info;
}

/* Prints m as its marshalled JSON list on one line. */
static int print_parsed(const wamp_message *m, size_t index, wamp_arena *a)
{
    wamp_value canon;
    wamp_buf out = {0};
    int rc = wamp_message_marshal(m, a, &canon);
    if (!rc) rc = wamp_value_encode(WAMP_SER_JSON, &canon, &out);
    if (rc) {
        cli_error("cannot write message %zu as JSON: %s", index + 1, wamp_strerror(rc));
        wamp_buf_free(&out);
        return -1;
    }
    fwrite(out.data, 1, out.len, stdout);
    fputc('\n', stdout);
    wamp_buf_free(&out);
    return 0;
}

static int print_message(const wamp_value *list, size_t index, size_t count, wamp_arena *a)
{
    wamp_message m;
    wamp_msg_error err = {0};
    if (wamp_message_parse(list, a, &m, &err)) {
        if (count > 1)
            cli_error("message %zu of %zu: invalid WAMP message: %s", index + 1, count, err.text);
        else
            cli_error("invalid WAMP message: %s", err.text);
        return -1;
    }
    return print_parsed(&m, index, a);
}

/* FlatBuffers is a message-level codec (no value tree, no batching): one message per input. */
static int decode_flatbuffers(const wamp_buf *in, wamp_fbs_schema schema, wamp_arena *a)
{
    wamp_message m;
    wamp_msg_error err = {0};
    int rc = wamp_message_decode_flatbuffers(in->data, in->len, schema, a, &m, &err);
    if (rc) {
        cli_error("cannot decode flatbuffers input: %s (%s)%s%s", wamp_strerror(rc),
                  wamp_err_name(rc), err.text[0] ? ": " : "", err.text);
        return -1;
    }
    return print_parsed(&m, 0, a);
}

static int do_decode(const wamp_serializer_info *info, bool hex, wamp_fbs_schema fbs)
{
    wamp_buf in = {0};
    wamp_arena *a = wamp_arena_new(0);
    wamp_serializer *s = NULL;
    int status = 1;
    if (!a) goto out;
    if (read_all(stdin, &in) || (hex && unhex(&in))) goto out;
    if (info->id == WAMP_SER_FLATBUFFERS) {
        status = decode_flatbuffers(&in, fbs, a) ? 1 : 0;
        goto out;
    }
    int rc = wamp_serializer_new(info, &s);
    if (rc) {
        cli_error("serializer %s: %s", info->subprotocol, wamp_strerror(rc));
        goto out;
    }
    wamp_value *msgs = NULL;
    size_t count = 0;
    rc = wamp_serializer_unserialize(s, in.data, in.len, a, NULL, &msgs, &count);
    if (rc) {
        cli_error("cannot decode %s input: %s (%s)", info->subprotocol, wamp_strerror(rc),
                  wamp_err_name(rc));
        goto out;
    }
    for (size_t i = 0; i < count; i++)
        if (print_message(&msgs[i], i, count, a)) goto out;
    status = 0;
out:
    wamp_serializer_free(s);
    wamp_arena_free(a);
    wamp_buf_free(&in);
    return status;
}

static int write_output(const wamp_buf *b, bool hex)
{
    if (hex) {
        static const char digits[] = "0123456789abcdef";
        for (size_t i = 0; i < b->len; i++) {
            putchar(digits[b->data[i] >> 4]);
            putchar(digits[b->data[i] & 15]);
        }
        putchar('\n');
    } else {
        fwrite(b->data, 1, b->len, stdout);
    }
    if (fflush(stdout)) {
        cli_error("writing stdout: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static int do_encode(const wamp_serializer_info *info, bool hex, wamp_fbs_schema fbs)
{
    wamp_buf in = {0}, out = {0};
    wamp_arena *a = wamp_arena_new(0);
    wamp_serializer *s = NULL;
    int status = 1;
    size_t count = 0;
    if (!a) goto out;
    if (read_all(stdin, &in)) goto out;
    bool fb = info->id == WAMP_SER_FLATBUFFERS;
    int rc = fb ? WAMP_OK : wamp_serializer_new(info, &s);
    if (rc) {
        cli_error("serializer %s: %s", info->subprotocol, wamp_strerror(rc));
        goto out;
    }
    size_t pos = 0, lineno = 0;
    while (pos < in.len) {
        uint8_t *nl = memchr(in.data + pos, '\n', in.len - pos);
        size_t end = nl ? (size_t)(nl - in.data) : in.len;
        size_t start = pos, stop = end;
        pos = end + 1;
        lineno++;
        while (start < stop && strchr(" \t\r", in.data[start]))
            start++;
        while (stop > start && strchr(" \t\r", in.data[stop - 1]))
            stop--;
        if (start == stop) continue;
        if (count == 1 && !info->batched) {
            cli_error("line %zu: a second message needs a batched serializer (%s.batched)", lineno,
                      info->name);
            goto out;
        }
        wamp_value v;
        rc = wamp_value_decode(WAMP_SER_JSON, in.data + start, stop - start, a, NULL, &v);
        if (rc) {
            cli_error("line %zu: invalid JSON: %s (%s)", lineno, wamp_strerror(rc),
                      wamp_err_name(rc));
            goto out;
        }
        wamp_message m;
        wamp_msg_error err = {0};
        if (wamp_message_parse(&v, a, &m, &err)) {
            cli_error("line %zu: invalid WAMP message: %s", lineno, err.text);
            goto out;
        }
        wamp_value canon;
        if (fb) {
            rc = wamp_message_encode_flatbuffers(&m, fbs, &out);
        } else {
            rc = wamp_message_marshal(&m, a, &canon);
            if (!rc) rc = wamp_serializer_serialize(s, &canon, &out);
        }
        if (rc) {
            cli_error("line %zu: cannot serialize as %s: %s", lineno, info->subprotocol,
                      wamp_strerror(rc));
            goto out;
        }
        count++;
    }
    if (count == 0) {
        cli_error("no message on stdin");
        goto out;
    }
    if (write_output(&out, hex)) goto out;
    status = 0;
out:
    wamp_serializer_free(s);
    wamp_arena_free(a);
    wamp_buf_free(&in);
    wamp_buf_free(&out);
    return status;
}

int cli_message(int argc, char **argv)
{
    const char *action = NULL, *ser = NULL;
    bool hex = false;
    wamp_fbs_schema fbs = WAMP_FBS_SCHEMA_CURRENT;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            message_usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--hex")) {
            hex = true;
        } else if (!strcmp(argv[i], "--serializer") || !strcmp(argv[i], "-s")) {
            if (++i >= argc) {
                cli_error("--serializer needs a name");
                return 2;
            }
            ser = argv[i];
        } else if (!strcmp(argv[i], "--fbs-schema")) {
            if (++i >= argc || (strcmp(argv[i], "current") && strcmp(argv[i], "autobahn-22"))) {
                cli_error("--fbs-schema takes current or autobahn-22");
                return 2;
            }
            fbs = strcmp(argv[i], "current") ? WAMP_FBS_SCHEMA_AB22 : WAMP_FBS_SCHEMA_CURRENT;
        } else if (!strncmp(argv[i], "--serializer=", 13)) {
            ser = argv[i] + 13;
        } else if (!action && (!strcmp(argv[i], "decode") || !strcmp(argv[i], "encode"))) {
            action = argv[i];
        } else {
            cli_error("message: unexpected argument '%s'", argv[i]);
            message_usage(stderr);
            return 2;
        }
    }
    if (!action) {
        message_usage(stderr);
        return 2;
    }
    if (!ser) ser = "json";
    const wamp_serializer_info *info = lookup(ser);
    if (!info) return 2;
    return !strcmp(action, "decode") ? do_decode(info, hex, fbs) : do_encode(info, hex, fbs);
}
