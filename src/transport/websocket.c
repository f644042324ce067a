/*
 * WebSocket (RFC 6455) client and server framing for WAMP, with permessage-deflate (RFC 7692).
 * Sans-I/O: see transport.h. The opening handshake is parsed by http.c, the extension by
 * deflate.c; this file does the handshake logic, the frame codec, fragmentation, masking,
 * UTF-8 validation and the closing handshake.
 */
#include <openssl/sha.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "transport/deflate.h"
#include "transport/framer.h"
#include "transport/http.h"

#define WS_GUID            "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_DEFAULT_HEAD    (16u * 1024u)
#define WS_DEFAULT_HEADERS 64u

enum {
    OP_CONT = 0x0,
    OP_TEXT = 0x1,
    OP_BINARY = 0x2,
    OP_CLOSE = 0x8,
    OP_PING = 0x9,
    OP_PONG = 0xA
};

static const char *const default_protocols[] = {
    "wamp.2.cbor",           "wamp.2.msgpack",      "wamp.2.ubjson",
    "wamp.2.json",           "wamp.2.cbor.batched", "wamp.2.msgpack.batched",
    "wamp.2.ubjson.batched", "wamp.2.json.batched", "wamp.2.flatbuffers",
};

typedef struct ws_framer {
    wamp_framer base;
    /* frames: the per-message fields first, together */
    bool msg_open, msg_binary, msg_compressed;
    /* data frame whose payload is still arriving (streamed into msg, never buffered whole) */
    bool in_payload, pay_masked, pay_fin;
    bool close_sent;
    unsigned key_avail;
    size_t max_msg, fragment_size;
    wamp__pmd *pmd;
    wamp_random_cb random;
    void *random_user;
    wamp__tbuf in;  /* partial frame */
    wamp__tbuf msg; /* message being reassembled (decompressed) */
    wamp__utf8 utf8;
    uint64_t pay_left, pay_off;
    uint8_t pay_key[4];
    wamp__tbuf scratch; /* unmasked compressed payload */
    wamp__tbuf zout;    /* compressed outgoing message */
    wamp__tbuf wbuf;    /* masked outgoing frame (client, without on_write_buffer) */
    wamp_deflate_options deflate;
    /* options (owned copies) */
    char **protocols;
    size_t nprotocols;
    char *host, *resource, *origin;
    wamp__tbuf extra; /* "Name: value\r\n" lines: options + wamp_framer_add_header() */
    size_t max_head, max_headers;
    /* opening handshake */
    wamp__tbuf head;
    size_t head_scan;
    wamp__http http_in, http_out;
    bool have_in, have_out;
    char accept[29];        /* client: expected Sec-WebSocket-Accept */
    char ext[256];          /* agreed extensions */
    uint8_t key_pool[1024]; /* masking keys (client) */
} ws_framer;

/* ---------------------------------------------------------------- helpers */

static int ws_random(ws_framer *ws, uint8_t *out, size_t n)
{
    if (ws->random) return ws->random(ws->random_user, out, n) == 0 ? WAMP_OK : WAMP_ECRYPTO;
    randombytes_buf(out, n);
    return WAMP_OK;
}

/* base64(SHA-1(key + GUID)) into out[29]. */
static void ws_accept_key(const char *key, size_t klen, char out[29])
{
    uint8_t buf[128], dig[SHA_DIGEST_LENGTH];
    size_t gl = sizeof WS_GUID - 1;
    if (klen > sizeof buf - gl) klen = sizeof buf - gl;
    memcpy(buf, key, klen);
    memcpy(buf + klen, WS_GUID, gl);
    SHA1(buf, klen + gl, dig);
    wamp__base64_encode(dig, SHA_DIGEST_LENGTH, out);
    out[28] = '\0';
}

static bool valid_recv_close_code(unsigned c)
{
    return (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014) || (c >= 3000 && c <= 4999);
}

#if defined(__GNUC__) || defined(__clang__)
/* 16 bytes: a native register on every 64-bit target (wider vectors spill without AVX) */
typedef uint64_t mask_vec __attribute__((vector_size(16)));
#endif

/*
 * dst[i] = src[i] ^ key[i % 4] (dst may equal src; every frame starts at mask index 0), 32 bytes
 * per step. Returns the OR of all output bytes: a text payload whose result has no high bit
 * is ASCII, so it needs no separate UTF-8 pass. An all-zero key makes it a copy.
 */
static uint8_t mask_copy(uint8_t *dst, const uint8_t *src, size_t n, const uint8_t key[4])
{
    uint32_t k32;
    memcpy(&k32, key, 4); /* one load: byte stores then a wide load would stall forwarding */
    uint64_t k64 = (uint64_t)k32 | (uint64_t)k32 << 32;
    uint64_t acc = 0;
    size_t i = 0;
#if defined(__GNUC__) || defined(__clang__)
    mask_vec kv = {k64, k64}, av = {0, 0};
    for (; i + 32 <= n; i += 32) {
        mask_vec a, b;
        memcpy(&a, src + i, 16);
        memcpy(&b, src + i + 16, 16);
        a ^= kv;
        b ^= kv;
        av |= a | b;
        memcpy(dst + i, &a, 16);
        memcpy(dst + i + 16, &b, 16);
    }
    acc = av[0] | av[1];
#endif
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, src + i, 8);
        w ^= k64;
        acc |= w;
        memcpy(dst + i, &w, 8);
    }
    uint8_t tail = 0;
    for (; i < n; i++) {
        dst[i] = src[i] ^ key[i & 3];
        tail |= dst[i];
    }
    acc |= acc >> 32;
    acc |= acc >> 16;
    acc |= acc >> 8;
    return (uint8_t)(acc | tail);
}

static const uint8_t no_mask[4];

/* True when no byte has its high bit set (ASCII is valid UTF-8): the common JSON case. */
static bool ascii_only(const uint8_t *p, size_t n)
{
    uint64_t acc = 0;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        uint64_t w[2];
        memcpy(w, p + i, 16);
        acc |= w[0] | w[1];
    }
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        acc |= w;
    }
    uint8_t tail = 0;
    for (; i < n; i++)
        tail |= p[i];
    return !((acc & 0x8080808080808080ull) | (tail & 0x80));
}

/* A fresh masking key. Keys come from a pool refilled from the CSPRNG 256 keys at a time (one
 * randombytes call per frame was a syscall per frame); a user random callback is asked per key. */
static int ws_mask_key(ws_framer *ws, uint8_t key[4])
{
    if (ws->random) return ws_random(ws, key, 4);
    if (ws->key_avail < 4) {
        randombytes_buf(ws->key_pool, sizeof ws->key_pool);
        ws->key_avail = sizeof ws->key_pool;
    }
    uint8_t *k = ws->key_pool + sizeof ws->key_pool - ws->key_avail;
    memcpy(key, k, 4);
    memset(k, 0, 4); /* a used key does not linger */
    ws->key_avail -= 4;
    return WAMP_OK;
}

/* ---------------------------------------------------------------- frame output */

/* Writes the header of a frame of len payload bytes into h (room for 14); returns its size. */
static size_t ws_header(uint8_t *h, unsigned opcode, bool fin, bool rsv1, bool mask, size_t len,
                        const uint8_t key[4])
{
    size_t hl = 2;
    h[0] = (uint8_t)((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode);
    uint8_t m = mask ? 0x80 : 0;
    if (len < 126) {
        h[1] = (uint8_t)(m | len);
    } else if (len <= 0xFFFF) {
        h[1] = (uint8_t)(m | 126);
        h[2] = (uint8_t)(len >> 8);
        h[3] = (uint8_t)len;
        hl = 4;
    } else {
        h[1] = (uint8_t)(m | 127);
        uint64_t l = len;
        for (int i = 0; i < 8; i++)
            h[2 + i] = (uint8_t)(l >> (56 - 8 * i));
        hl = 10;
    }
    if (mask) {
        memcpy(h + hl, key, 4);
        hl += 4;
    }
    return hl;
}

/* Writes one frame. The client masks; payload is copied. */
static int ws_write_frame(ws_framer *ws, unsigned opcode, bool fin, bool rsv1, const uint8_t *data,
                          size_t len)
{
    wamp_framer *f = &ws->base;
    bool mask = !f->is_server;
    uint8_t key[4] = {0};
    if (mask) {
        int rc = ws_mask_key(ws, key);
        if (rc) return rc;
    }
    size_t hl = (len < 126 ? 2 : len <= 0xFFFF ? 4 : 10) + (mask ? 4 : 0);
    /* build the frame in place in the writer's queue when it offers space: one copy. The
     * header goes straight to its place (built on the stack and copied as a word, its byte
     * stores stalled the load: store forwarding fails). */
    uint8_t *out = wamp__framer_emit_buffer(f, hl + len);
    if (out) {
        ws_header(out, opcode, fin, rsv1, mask, len, key);
        if (mask)
            mask_copy(out + hl, data, len, key);
        else
            wamp__copy(out + hl, data, len);
        return WAMP_OK;
    }
    uint8_t h[14];
    ws_header(h, opcode, fin, rsv1, mask, len, key);
    if (!mask) {
        int rc = wamp__framer_emit(f, h, hl);
        if (rc == WAMP_OK) rc = wamp__framer_emit(f, data, len);
        return rc;
    }
    /* header and masked payload in one chunk */
    wamp__tbuf *b = &ws->wbuf;
    b->len = 0;
    int rc = wamp__tbuf_reserve(b, hl + len);
    if (rc) return rc;
    memcpy(b->data, h, hl);
    mask_copy(b->data + hl, data, len, key);
    b->len = hl + len;
    rc = wamp__framer_emit(f, b->data, b->len);
    if (b->cap > (1u << 20)) wamp__tbuf_free(b); /* don't keep a huge buffer */
    return rc;
}

static int ws_write_close(ws_framer *ws, int code, const char *reason, size_t rlen)
{
    uint8_t p[125];
    size_t n = 0;
    if (code) {
        p[0] = (uint8_t)(code >> 8);
        p[1] = (uint8_t)code;
        if (rlen > 123) rlen = 123;
        if (rlen) memcpy(p + 2, reason, rlen);
        n = 2 + rlen;
    }
    ws->close_sent = true;
    return ws_write_frame(ws, OP_CLOSE, true, false, p, n);
}

/* Fails the connection with a close code (RFC 6455 §7.1.7). */
static int ws_fail(ws_framer *ws, int err, int code, const char *detail)
{
    wamp_framer *f = &ws->base;
    if (!ws->close_sent) ws_write_close(ws, code, NULL, 0);
    wamp__framer_error(f, err, detail);
    wamp__framer_closed(f, code, detail, strlen(detail), false);
    return err;
}

/* ---------------------------------------------------------------- handshake: common */

static int ws_http_error(ws_framer *ws, int status, const char *detail)
{
    wamp_framer *f = &ws->base;
    const char *reason = status == 400   ? "Bad Request"
                         : status == 403 ? "Forbidden"
                         : status == 404 ? "Not Found"
                         : status == 426 ? "Upgrade Required"
                         : status == 503 ? "Service Unavailable"
                                         : "Error";
    char head[512];
    size_t bl = strlen(detail);
    int n =
        snprintf(head, sizeof head,
                 "HTTP/1.1 %d %s\r\n%sContent-Type: text/plain; charset=utf-8\r\n"
                 "Content-Length: %zu\r\nConnection: close\r\n",
                 status, reason,
                 status == 426 ? "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n" : "", bl);
    wamp__tbuf out = {0};
    int rc = wamp__tbuf_append(&out, head, (size_t)n);
    if (!rc) rc = wamp__tbuf_append(&out, ws->extra.data, ws->extra.len);
    if (!rc) rc = wamp__tbuf_append(&out, "\r\n", 2);
    if (!rc && !ws->have_out) {
        if (wamp__http_parse(&ws->http_out, out.data, out.len, false, SIZE_MAX) == WAMP_OK) {
            ws->have_out = true;
            f->http_out = &ws->http_out.msg;
        }
    }
    if (!rc) rc = wamp__tbuf_append(&out, detail, bl);
    if (!rc) wamp__framer_emit(f, out.data, out.len);
    wamp__tbuf_free(&out);
    wamp__framer_error(f, WAMP_EHANDSHAKE, detail);
    wamp__framer_closed(f, status, detail, strlen(detail), false);
    return WAMP_EHANDSHAKE;
}

static int ws_client_fail(ws_framer *ws, int code, const char *detail)
{
    wamp__framer_error(&ws->base, WAMP_EHANDSHAKE, detail);
    wamp__framer_closed(&ws->base, code, detail, strlen(detail), false);
    return WAMP_EHANDSHAKE;
}

static int ws_add_header(wamp_framer *f, const char *name, const char *value)
{
    ws_framer *ws = (ws_framer *)f;
    if (!wamp__http_is_token(name, strlen(name))) return WAMP_EINVAL;
    for (const char *c = value; *c; c++)
        if (((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7F) return WAMP_EINVAL;
    size_t mark = ws->extra.len;
    int rc = wamp__tbuf_append(&ws->extra, name, strlen(name));
    if (!rc) rc = wamp__tbuf_append(&ws->extra, ": ", 2);
    if (!rc) rc = wamp__tbuf_append(&ws->extra, value, strlen(value));
    if (!rc) rc = wamp__tbuf_append(&ws->extra, "\r\n", 2);
    if (rc) ws->extra.len = mark;
    return rc;
}

static int ws_set_protocol(ws_framer *ws, const char *p)
{
    const wamp_serializer_info *si = wamp_serializer_by_subprotocol(p);
    if (!si) return WAMP_EINVAL;
    ws->base.serializer = si->id;
    ws->base.batched = si->batched;
    ws->base.protocol = si->subprotocol; /* static string of the codec table */
    return WAMP_OK;
}

static int ws_start_deflate(ws_framer *ws, const wamp__pmd_agreed *ag)
{
    return wamp__pmd_new(&ws->pmd, ag);
}

static int ws_frames_after_handshake(ws_framer *ws, size_t head_len);

/* ---------------------------------------------------------------- handshake: server */

/* Does the client offer subprotocol p (in any Sec-WebSocket-Protocol header)? */
static bool offered(const wamp_http_message *m, const char *p)
{
    return wamp_http_has_token(m, "Sec-WebSocket-Protocol", p);
}

static size_t header_count(const wamp_http_message *m, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < m->header_count; i++)
        if (wamp__ascii_ieq(m->headers[i].name, name)) n++;
    return n;
}

static int ws_server_handshake(ws_framer *ws, size_t head_len)
{
    wamp_framer *f = &ws->base;
    int rc = wamp__http_parse(&ws->http_in, ws->head.data, head_len, true, ws->max_headers);
    if (rc == WAMP_ENOMEM) return ws_http_error(ws, 503, "out of memory");
    if (rc == WAMP_ELIMIT) return ws_http_error(ws, 400, "too many header fields");
    if (rc) return ws_http_error(ws, 400, "malformed HTTP request");
    ws->have_in = true;
    f->http_in = &ws->http_in.msg;
    const wamp_http_message *m = &ws->http_in.msg;
    if (strcmp(m->method, "GET") != 0) return ws_http_error(ws, 400, "method must be GET");
    if (m->version_minor < 1) return ws_http_error(ws, 400, "HTTP/1.1 required");
    if (header_count(m, "Host") != 1)
        return ws_http_error(ws, 400, "exactly one Host header required");
    if (!wamp_http_has_token(m, "Upgrade", "websocket"))
        return ws_http_error(ws, 426, "WebSocket upgrade required");
    if (!wamp_http_has_token(m, "Connection", "upgrade"))
        return ws_http_error(ws, 426, "Connection: Upgrade required");
    const char *ver = wamp_http_get(m, "Sec-WebSocket-Version");
    if (!ver) return ws_http_error(ws, 400, "Sec-WebSocket-Version missing");
    if (header_count(m, "Sec-WebSocket-Version") != 1 || strcmp(ver, "13") != 0)
        return ws_http_error(ws, 426, "unsupported WebSocket version");
    const char *key = wamp_http_get(m, "Sec-WebSocket-Key");
    uint8_t raw[24];
    if (!key || header_count(m, "Sec-WebSocket-Key") != 1 || strlen(key) != 24 ||
        wamp__base64_decode(key, 24, raw) != 16)
        return ws_http_error(ws, 400, "bad Sec-WebSocket-Key");
    /* subprotocol: server preference order */
    const char *proto = NULL;
    for (size_t i = 0; i < ws->nprotocols && !proto; i++)
        if (offered(m, ws->protocols[i])) proto = ws->protocols[i];
    if (!proto) return ws_http_error(ws, 400, "no acceptable WAMP WebSocket subprotocol offered");
    ws_set_protocol(ws, proto);
    /* permessage-deflate */
    wamp__pmd_agreed ag;
    bool deflate = false;
    if (ws->deflate.enabled) {
        rc = wamp__pmd_accept(&ws->deflate, m, &ag, ws->ext, sizeof ws->ext);
        if (rc < 0) return ws_http_error(ws, 400, "malformed Sec-WebSocket-Extensions");
        deflate = rc == 1;
    }
    wamp_handshake_info info = {.framing = WAMP_FRAMING_WEBSOCKET,
                                .is_server = true,
                                .serializer = f->serializer,
                                .batched = f->batched,
                                .protocol = f->protocol,
                                .http = m,
                                .extensions = deflate ? ws->ext : NULL};
    int v = wamp__framer_handshake(f, &info);
    if (f->state == WAMP_FRAMER_CLOSED) return WAMP_ECLOSED;
    if (v != 0) return ws_http_error(ws, v >= 400 && v <= 599 ? v : 403, "connection denied");
    char acc[29];
    ws_accept_key(key, 24, acc);
    wamp__tbuf out = {0};
    char head[512];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n"
                     "Sec-WebSocket-Protocol: %s\r\n",
                     acc, proto);
    rc = wamp__tbuf_append(&out, head, (size_t)n);
    if (!rc && deflate) {
        rc = wamp__tbuf_append(&out, "Sec-WebSocket-Extensions: ", 26);
        if (!rc) rc = wamp__tbuf_append(&out, ws->ext, strlen(ws->ext));
        if (!rc) rc = wamp__tbuf_append(&out, "\r\n", 2);
    }
    if (!rc) rc = wamp__tbuf_append(&out, ws->extra.data, ws->extra.len);
    if (!rc) rc = wamp__tbuf_append(&out, "\r\n", 2);
    if (!rc) rc = wamp__http_parse(&ws->http_out, out.data, out.len, false, SIZE_MAX);
    if (!rc && deflate) rc = ws_start_deflate(ws, &ag);
    if (rc) {
        wamp__tbuf_free(&out);
        return ws_http_error(ws, 503, "out of memory");
    }
    ws->have_out = true;
    f->http_out = &ws->http_out.msg;
    if (deflate) f->extensions = ws->ext;
    rc = wamp__framer_emit(f, out.data, out.len);
    wamp__tbuf_free(&out);
    if (rc) return ws_fail(ws, rc, 1011, "out of memory");
    wamp__framer_open(f);
    return ws_frames_after_handshake(ws, head_len);
}

/* ---------------------------------------------------------------- handshake: client */

static int ws_client_handshake(ws_framer *ws, size_t head_len)
{
    wamp_framer *f = &ws->base;
    int rc = wamp__http_parse(&ws->http_in, ws->head.data, head_len, false, ws->max_headers);
    if (rc) return ws_client_fail(ws, 1002, "malformed HTTP response");
    ws->have_in = true;
    f->http_in = &ws->http_in.msg;
    const wamp_http_message *m = &ws->http_in.msg;
    if (m->status != 101)
        return ws_client_fail(ws, m->status, "server refused the WebSocket upgrade");
    if (!wamp_http_has_token(m, "Upgrade", "websocket"))
        return ws_client_fail(ws, 1002, "response lacks Upgrade: websocket");
    if (!wamp_http_has_token(m, "Connection", "upgrade"))
        return ws_client_fail(ws, 1002, "response lacks Connection: Upgrade");
    const char *acc = wamp_http_get(m, "Sec-WebSocket-Accept");
    if (!acc || header_count(m, "Sec-WebSocket-Accept") != 1 || strcmp(acc, ws->accept) != 0)
        return ws_client_fail(ws, 1002, "bad Sec-WebSocket-Accept");
    const char *proto = wamp_http_get(m, "Sec-WebSocket-Protocol");
    bool ok = false;
    if (proto && header_count(m, "Sec-WebSocket-Protocol") == 1)
        for (size_t i = 0; i < ws->nprotocols && !ok; i++)
            ok = strcmp(proto, ws->protocols[i]) == 0;
    if (!ok) return ws_client_fail(ws, 1002, "server chose a subprotocol we did not offer");
    ws_set_protocol(ws, proto);
    wamp__pmd_agreed ag;
    rc = wamp__pmd_check_response(&ws->deflate, m, &ag);
    if (rc < 0) return ws_client_fail(ws, 1002, "bad Sec-WebSocket-Extensions in response");
    bool deflate = rc == 1;
    if (deflate) {
        const char *e = wamp_http_get(m, "Sec-WebSocket-Extensions");
        snprintf(ws->ext, sizeof ws->ext, "%s", e ? e : "permessage-deflate");
    }
    wamp_handshake_info info = {.framing = WAMP_FRAMING_WEBSOCKET,
                                .is_server = false,
                                .serializer = f->serializer,
                                .batched = f->batched,
                                .protocol = f->protocol,
                                .http = m,
                                .extensions = deflate ? ws->ext : NULL};
    int v = wamp__framer_handshake(f, &info);
    if (f->state == WAMP_FRAMER_CLOSED) return WAMP_ECLOSED;
    if (v != 0) return ws_client_fail(ws, 1002, "handshake rejected");
    if (deflate) {
        if (ws_start_deflate(ws, &ag)) return ws_client_fail(ws, 1011, "out of memory");
        f->extensions = ws->ext;
    }
    wamp__framer_open(f);
    return ws_frames_after_handshake(ws, head_len);
}

static int ws_start(wamp_framer *f)
{
    ws_framer *ws = (ws_framer *)f;
    if (f->state == WAMP_FRAMER_INIT) f->state = WAMP_FRAMER_HANDSHAKE;
    if (f->is_server) return WAMP_OK;
    uint8_t nonce[16];
    int rc = ws_random(ws, nonce, 16);
    if (rc) return rc;
    char key[25];
    wamp__base64_encode(nonce, 16, key);
    key[24] = '\0';
    ws_accept_key(key, 24, ws->accept);
    wamp__tbuf out = {0};
    char line[256];
    int n;
#define PUT(s)                                                                                     \
    if (!rc) rc = wamp__tbuf_append(&out, (s), strlen(s))
    PUT("GET ");
    PUT(ws->resource);
    PUT(" HTTP/1.1\r\nHost: ");
    PUT(ws->host);
    PUT("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n");
    n = snprintf(line, sizeof line, "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n", key);
    (void)n;
    PUT(line);
    PUT("Sec-WebSocket-Protocol: ");
    for (size_t i = 0; i < ws->nprotocols; i++) {
        if (i) PUT(", ");
        PUT(ws->protocols[i]);
    }
    PUT("\r\n");
    if (ws->origin) {
        PUT("Origin: ");
        PUT(ws->origin);
        PUT("\r\n");
    }
    if (ws->deflate.enabled) {
        char offer[200];
        wamp__pmd_offer(&ws->deflate, offer, sizeof offer);
        PUT("Sec-WebSocket-Extensions: ");
        PUT(offer);
        PUT("\r\n");
    }
#undef PUT
    if (!rc) rc = wamp__tbuf_append(&out, ws->extra.data, ws->extra.len);
    if (!rc) rc = wamp__tbuf_append(&out, "\r\n", 2);
    if (!rc) rc = wamp__http_parse(&ws->http_out, out.data, out.len, true, SIZE_MAX);
    if (!rc) {
        ws->have_out = true;
        f->http_out = &ws->http_out.msg;
        rc = wamp__framer_emit(f, out.data, out.len);
    }
    wamp__tbuf_free(&out);
    return rc;
}

/* ---------------------------------------------------------------- frame input */

static int ws_deliver(ws_framer *ws, const uint8_t *data, size_t len)
{
    wamp__framer_message(&ws->base, data, len, ws->msg_binary);
    return WAMP_OK;
}

/* Appends (and unmasks) a data frame's payload into the message; fin ends the message. */
static int ws_data_payload(ws_framer *ws, const uint8_t *pl, size_t len, const uint8_t *key,
                           bool fin)
{
    size_t before = ws->msg.len;
    if (ws->msg_compressed) {
        const uint8_t *src = pl;
        if (key) {
            ws->scratch.len = 0;
            if (wamp__tbuf_reserve(&ws->scratch, len))
                return ws_fail(ws, WAMP_ENOMEM, 1011, "out of memory");
            mask_copy(ws->scratch.data, pl, len, key);
            ws->scratch.len = len;
            src = ws->scratch.data;
        }
        int rc = wamp__pmd_inflate(ws->pmd, src, len, fin, &ws->msg, ws->max_msg);
        if (rc == WAMP_ETOOBIG) return ws_fail(ws, rc, 1009, "message too big after decompression");
        if (rc == WAMP_EFRAME) return ws_fail(ws, rc, 1007, "invalid compressed data");
        if (rc) return ws_fail(ws, rc, 1011, "out of memory");
    } else {
        if (len > ws->max_msg - ws->msg.len)
            return ws_fail(ws, WAMP_ETOOBIG, 1009, "message too big");
        if (len) {
            if (wamp__tbuf_reserve(&ws->msg, len))
                return ws_fail(ws, WAMP_ENOMEM, 1011, "out of memory");
            /* unmask (or copy) and learn in the same pass whether the bytes are ASCII */
            uint8_t any = mask_copy(ws->msg.data + ws->msg.len, pl, len, key ? key : no_mask);
            ws->msg.len += len;
            if (!(any & 0x80) && ws->utf8.need == 0) before = ws->msg.len; /* ASCII: valid */
        }
    }
    if (!ws->msg_binary) {
        if ((ws->msg.len > before &&
             !wamp__utf8_feed(&ws->utf8, ws->msg.data + before, ws->msg.len - before)) ||
            (fin && !wamp__utf8_complete(&ws->utf8)))
            return ws_fail(ws, WAMP_EUTF8, 1007, "invalid UTF-8 in text message");
    }
    if (fin) {
        ws->msg_open = false;
        ws_deliver(ws, ws->msg.data, ws->msg.len);
        ws->msg.len = 0;
        if (ws->msg.cap > 1u << 20) wamp__tbuf_free(&ws->msg); /* don't keep a huge buffer */
    }
    return WAMP_OK;
}

static int ws_control(ws_framer *ws, unsigned op, const uint8_t *pl, size_t len, const uint8_t *key)
{
    wamp_framer *f = &ws->base;
    uint8_t b[125];
    for (size_t i = 0; i < len; i++)
        b[i] = key ? pl[i] ^ key[i & 3] : pl[i];
    if (op == OP_PING) {
        f->stats.pings_in++;
        if (!ws->close_sent) {
            int rc = ws_write_frame(ws, OP_PONG, true, false, b, len);
            if (rc) return ws_fail(ws, rc, 1011, "out of memory");
            f->stats.pongs_out++;
        }
        if (f->cbs.on_ping) f->cbs.on_ping(f, f->user, b, len);
        return WAMP_OK;
    }
    if (op == OP_PONG) {
        wamp__framer_pong_received(f, b, len);
        return WAMP_OK;
    }
    /* CLOSE */
    if (len == 1) return ws_fail(ws, WAMP_EFRAME, 1002, "close frame with a 1-byte payload");
    int code = WAMP_WS_CLOSE_NO_STATUS;
    const char *reason = "";
    size_t rlen = 0;
    if (len >= 2) {
        code = (b[0] << 8) | b[1];
        if (!valid_recv_close_code((unsigned)code))
            return ws_fail(ws, WAMP_EFRAME, 1002, "invalid close code");
        reason = (const char *)b + 2;
        rlen = len - 2;
        wamp__utf8 u = {0};
        if (!wamp__utf8_feed(&u, b + 2, rlen) || !wamp__utf8_complete(&u))
            return ws_fail(ws, WAMP_EUTF8, 1007, "invalid UTF-8 in close reason");
    }
    if (!ws->close_sent) ws_write_close(ws, len >= 2 ? code : 0, NULL, 0); /* echo the code */
    wamp__framer_closed(f, code, reason, rlen, true);
    return WAMP_OK;
}

/* Parses whole frames in p[0..n); *used receives the bytes consumed. */
static int ws_frames(ws_framer *ws, const uint8_t *p, size_t n, size_t *used)
{
    wamp_framer *f = &ws->base;
    size_t off = 0;
    int rc = WAMP_OK;
    while (f->state == WAMP_FRAMER_OPEN || f->state == WAMP_FRAMER_CLOSING) {
        const uint8_t *h = p + off;
        size_t avail = n - off;
        if (ws->in_payload) {
            size_t k = avail < ws->pay_left ? avail : (size_t)ws->pay_left;
            if (k == 0) break;
            uint8_t rk[4];
            for (unsigned i = 0; i < 4; i++)
                rk[i] = ws->pay_key[(ws->pay_off + i) & 3];
            bool last = k == ws->pay_left;
            off += k;
            ws->pay_left -= k;
            ws->pay_off += k;
            if (last) ws->in_payload = false;
            rc = ws_data_payload(ws, h, k, ws->pay_masked ? rk : NULL, last && ws->pay_fin);
            if (rc) break;
            continue;
        }
        if (avail < 2) break;
        if ((h[0] == 0x81 || h[0] == 0x82) && (h[1] & 0x7F) < 126 &&
            (bool)(h[1] & 0x80) == f->is_server && !ws->msg_open) {
            /* The common frame, a whole small text or binary message (no RSV bits, masked
             * exactly when we are the server, no message open): the same steps as the general
             * path below, without its case analysis. */
            size_t len = h[1] & 0x7F, hl = f->is_server ? 6 : 2;
            if (avail - 2 >= hl - 2 + len && len <= ws->max_msg) {
                const uint8_t *pl = h + hl;
                bool binary = h[0] == 0x82;
                ws->msg_binary = binary;
                ws->msg_compressed = false;
                memset(&ws->utf8, 0, sizeof ws->utf8);
                ws->msg.len = 0;
                if (f->is_server) {
                    if (wamp__tbuf_reserve(&ws->msg, len))
                        return ws_fail(ws, WAMP_ENOMEM, 1011, "out of memory");
                    uint8_t any = mask_copy(ws->msg.data, pl, len, h + 2);
                    pl = ws->msg.data;
                    if (!binary && (any & 0x80) &&
                        (!wamp__utf8_feed(&ws->utf8, pl, len) || !wamp__utf8_complete(&ws->utf8)))
                        return ws_fail(ws, WAMP_EUTF8, 1007, "invalid UTF-8 in text message");
                } else if (!binary && !ascii_only(pl, len) &&
                           (!wamp__utf8_feed(&ws->utf8, pl, len) ||
                            !wamp__utf8_complete(&ws->utf8))) {
                    return ws_fail(ws, WAMP_EUTF8, 1007, "invalid UTF-8 in text message");
                }
                off += hl + len;
                ws_deliver(ws, pl, len);
                continue;
            }
        }
        bool fin = h[0] & 0x80, rsv1 = h[0] & 0x40;
        unsigned op = h[0] & 0x0F;
        bool masked = h[1] & 0x80;
        bool control = op >= 8;
        /* the common frame (a whole text or binary message, no RSV bits, masked exactly when
         * we are the server, no message open) passes every check below at once */
        if ((h[0] == 0x81 || h[0] == 0x82) && masked == f->is_server && !ws->msg_open) goto checked;
        /* checks that need only the first two bytes: fail fast */
        if (h[0] & 0x30) return ws_fail(ws, WAMP_EFRAME, 1002, "reserved bits set");
        if (op != OP_CONT && op != OP_TEXT && op != OP_BINARY && op != OP_CLOSE && op != OP_PING &&
            op != OP_PONG)
            return ws_fail(ws, WAMP_EFRAME, 1002, "reserved opcode");
        if (rsv1 && (!ws->pmd || control || op == OP_CONT))
            return ws_fail(ws, WAMP_EFRAME, 1002, "RSV1 set without permessage-deflate");
        if (control && !fin) return ws_fail(ws, WAMP_EFRAME, 1002, "fragmented control frame");
        if (control && (h[1] & 0x7F) > 125)
            return ws_fail(ws, WAMP_EFRAME, 1002, "control frame too long");
        if (f->is_server && !masked) return ws_fail(ws, WAMP_EFRAME, 1002, "unmasked client frame");
        if (!f->is_server && masked) return ws_fail(ws, WAMP_EFRAME, 1002, "masked server frame");
        if (op == OP_CONT && !ws->msg_open)
            return ws_fail(ws, WAMP_EFRAME, 1002, "continuation without a message");
        if ((op == OP_TEXT || op == OP_BINARY) && ws->msg_open)
            return ws_fail(ws, WAMP_EFRAME, 1002, "new message inside a fragmented one");
    checked:;
        size_t hl = 2 + (masked ? 4 : 0);
        uint64_t len = h[1] & 0x7F;
        if (len == 126) {
            hl += 2;
            if (avail < hl) break;
            len = ((uint64_t)h[2] << 8) | h[3];
        } else if (len == 127) {
            hl += 8;
            if (avail < hl) break;
            len = 0;
            for (int i = 0; i < 8; i++)
                len = (len << 8) | h[2 + i];
            if (len >> 63)
                return ws_fail(ws, WAMP_EFRAME, 1002, "frame length has its top bit set");
        }
        if (avail < hl) break;
        if (!control) {
            /* bound: compressed payload may exceed the limit a little, never by much */
            uint64_t room = ws->max_msg - (ws->msg_open && !ws->msg_compressed ? ws->msg.len : 0);
            if ((op == OP_CONT ? ws->msg_compressed : rsv1)) room += 1024 + room / 8;
            if (len > room) return ws_fail(ws, WAMP_ETOOBIG, 1009, "message too big");
        }
        const uint8_t *key = masked ? h + hl - 4 : NULL;
        const uint8_t *pl = h + hl;
        if (control) {
            if (avail - hl < len) break;
            off += hl + (size_t)len;
            rc = ws_control(ws, op, pl, (size_t)len, key);
            if (rc) break;
            continue;
        }
        if (op != OP_CONT) {
            ws->msg_open = true;
            ws->msg_binary = op == OP_BINARY;
            ws->msg_compressed = rsv1;
            memset(&ws->utf8, 0, sizeof ws->utf8);
            ws->msg.len = 0;
        }
        if (fin && op != OP_CONT && !rsv1 && !key && avail - hl >= len) {
            /* zero-copy: a whole unmasked message (text validated in place) */
            if (!ws->msg_binary && !ascii_only(pl, (size_t)len) &&
                (!wamp__utf8_feed(&ws->utf8, pl, (size_t)len) || !wamp__utf8_complete(&ws->utf8)))
                return ws_fail(ws, WAMP_EUTF8, 1007, "invalid UTF-8 in text message");
            off += hl + (size_t)len;
            ws->msg_open = false;
            ws_deliver(ws, pl, (size_t)len);
            continue;
        }
        if (fin && op != OP_CONT && !rsv1 && key && avail - hl >= len && len <= ws->max_msg) {
            /* a whole masked message (every client frame): unmask straight into msg */
            off += hl + (size_t)len;
            ws->msg.len = 0;
            if (wamp__tbuf_reserve(&ws->msg, (size_t)len))
                return ws_fail(ws, WAMP_ENOMEM, 1011, "out of memory");
            uint8_t any = mask_copy(ws->msg.data, pl, (size_t)len, key);
            if (!ws->msg_binary && (any & 0x80) &&
                (!wamp__utf8_feed(&ws->utf8, ws->msg.data, (size_t)len) ||
                 !wamp__utf8_complete(&ws->utf8)))
                return ws_fail(ws, WAMP_EUTF8, 1007, "invalid UTF-8 in text message");
            ws->msg_open = false;
            ws_deliver(ws, ws->msg.data, (size_t)len);
            if (ws->msg.cap > 1u << 20) wamp__tbuf_free(&ws->msg); /* don't keep a huge buffer */
            continue;
        }
        off += hl;
        if (len == 0) {
            rc = ws_data_payload(ws, pl, 0, NULL, fin);
            if (rc) break;
            continue;
        }
        /* the payload streams through ws_data_payload() as it arrives */
        ws->in_payload = true;
        ws->pay_left = len;
        ws->pay_off = 0;
        ws->pay_fin = fin;
        ws->pay_masked = masked;
        if (masked) memcpy(ws->pay_key, key, 4);
    }
    *used = off;
    return rc;
}

static bool ws_reading(const ws_framer *ws)
{
    return ws->base.state == WAMP_FRAMER_OPEN || ws->base.state == WAMP_FRAMER_CLOSING;
}

static int ws_feed_frames(ws_framer *ws, const uint8_t *data, size_t len)
{
    size_t used = 0;
    int rc;
    /* A partial header or control frame waits in ws->in: complete it with small pieces, so
     * that a large payload behind it is never copied into ws->in. */
    while (len > 0 && ws->in.len > 0 && ws_reading(ws)) {
        size_t take = len < 256 ? len : 256;
        if (wamp__tbuf_append(&ws->in, data, take))
            return ws_fail(ws, WAMP_ENOMEM, 1011, "out of memory");
        data += take;
        len -= take;
        used = 0;
        rc = ws_frames(ws, ws->in.data, ws->in.len, &used);
        wamp__tbuf_consume(&ws->in, used);
        if (rc) return rc;
    }
    if (len == 0 || !ws_reading(ws)) return WAMP_OK;
    used = 0;
    rc = ws_frames(ws, data, len, &used);
    if (rc == WAMP_OK && ws_reading(ws) && used < len) {
        if (wamp__tbuf_append(&ws->in, data + used, len - used))
            return ws_fail(ws, WAMP_ENOMEM, 1011, "out of memory");
    }
    return rc;
}

/* After the head was handled: frames that arrived in the same read follow it in ws->head. */
static int ws_frames_after_handshake(ws_framer *ws, size_t head_len)
{
    int rc = WAMP_OK;
    if (ws->head.len > head_len) {
        wamp__tbuf rest = ws->head;
        ws->head = (wamp__tbuf){0};
        rc = ws_feed_frames(ws, rest.data + head_len, rest.len - head_len);
        wamp__tbuf_free(&rest);
    } else {
        wamp__tbuf_free(&ws->head);
    }
    return rc;
}

static int ws_feed(wamp_framer *f, const uint8_t *data, size_t len)
{
    ws_framer *ws = (ws_framer *)f;
    if (f->state == WAMP_FRAMER_INIT) {
        if (!f->is_server) return WAMP_ESTATE;
        f->state = WAMP_FRAMER_HANDSHAKE;
    }
    if (f->state == WAMP_FRAMER_HANDSHAKE) {
        /* take at most what could still belong to the head, plus everything after */
        if (wamp__tbuf_append(&ws->head, data, len)) {
            wamp__framer_error(f, WAMP_ENOMEM, "out of memory");
            wamp__framer_closed(f, 1011, NULL, 0, false);
            return WAMP_ENOMEM;
        }
        size_t end = wamp__http_head_end(ws->head.data, ws->head.len, &ws->head_scan);
        if (end == 0) {
            if (ws->head.len > ws->max_head) {
                if (f->is_server) return ws_http_error(ws, 400, "request head too large");
                return ws_client_fail(ws, 1002, "response head too large");
            }
            return WAMP_OK;
        }
        if (end > ws->max_head) {
            if (f->is_server) return ws_http_error(ws, 400, "request head too large");
            return ws_client_fail(ws, 1002, "response head too large");
        }
        return f->is_server ? ws_server_handshake(ws, end) : ws_client_handshake(ws, end);
    }
    return ws_feed_frames(ws, data, len);
}

/* ---------------------------------------------------------------- output API */

static int ws_send(wamp_framer *f, const uint8_t *data, size_t len)
{
    ws_framer *ws = (ws_framer *)f;
    unsigned op = f->serializer == WAMP_SER_JSON ? OP_TEXT : OP_BINARY;
    bool rsv1 = false;
    if ((!ws->pmd || len < ws->deflate.min_size) &&
        (!ws->fragment_size || len <= ws->fragment_size))
        return ws_write_frame(ws, op, true, false, data, len); /* one plain frame */
    const uint8_t *src = data;
    size_t n = len;
    wamp__tbuf *z = &ws->zout;
    if (ws->pmd && len >= ws->deflate.min_size) {
        z->len = 0;
        int rc = wamp__pmd_deflate(ws->pmd, data, len, z);
        if (rc) return rc;
        src = z->data;
        n = z->len;
        rsv1 = true;
    }
    int rc = WAMP_OK;
    size_t frag = ws->fragment_size ? ws->fragment_size : SIZE_MAX;
    size_t off = 0;
    bool first = true;
    do {
        size_t chunk = n - off < frag ? n - off : frag;
        bool fin = off + chunk == n;
        rc = ws_write_frame(ws, first ? op : OP_CONT, fin, first && rsv1, src ? src + off : src,
                            chunk);
        off += chunk;
        first = false;
    } while (rc == WAMP_OK && off < n);
    if (z->cap > (1u << 20)) wamp__tbuf_free(z);
    return rc;
}

static int ws_ping(wamp_framer *f, const uint8_t *payload, size_t len)
{
    ws_framer *ws = (ws_framer *)f;
    if (len > 125) return WAMP_ETOOBIG;
    int rc = wamp__framer_ping_sent(f, payload, len);
    if (rc) return rc;
    return ws_write_frame(ws, OP_PING, true, false, payload, len);
}

static int ws_close(wamp_framer *f, int code, const char *reason)
{
    ws_framer *ws = (ws_framer *)f;
    if (code == 0) code = 1000;
    size_t rlen = reason ? strlen(reason) : 0;
    bool sendable = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
                    (code >= 3000 && code <= 4999);
    if (!sendable || rlen > 123) return WAMP_EINVAL;
    wamp__utf8 u = {0};
    if (rlen && (!wamp__utf8_feed(&u, (const uint8_t *)reason, rlen) || !wamp__utf8_complete(&u)))
        return WAMP_EINVAL;
    if (f->state != WAMP_FRAMER_OPEN) {
        if (f->is_server && f->state == WAMP_FRAMER_HANDSHAKE && ws->head.len) {
            ws_http_error(ws, 503, reason && *reason ? reason : "service unavailable");
        } else {
            wamp__framer_closed(f, code, reason, rlen, true);
        }
        return WAMP_OK;
    }
    int rc = ws_write_close(ws, code, reason, rlen);
    f->state = WAMP_FRAMER_CLOSING;
    return rc;
}

static int ws_eof(wamp_framer *f)
{
    wamp__framer_closed(f, WAMP_WS_CLOSE_ABNORMAL, NULL, 0, false);
    return WAMP_OK;
}

static void ws_destroy(wamp_framer *f)
{
    ws_framer *ws = (ws_framer *)f;
    for (size_t i = 0; i < ws->nprotocols; i++)
        free(ws->protocols[i]);
    free(ws->protocols);
    free(ws->host);
    free(ws->resource);
    free(ws->origin);
    wamp__tbuf_free(&ws->extra);
    wamp__tbuf_free(&ws->head);
    wamp__http_free(&ws->http_in);
    wamp__http_free(&ws->http_out);
    wamp__tbuf_free(&ws->in);
    wamp__tbuf_free(&ws->msg);
    wamp__tbuf_free(&ws->scratch);
    wamp__tbuf_free(&ws->zout);
    wamp__tbuf_free(&ws->wbuf);
    wamp__pmd_free(ws->pmd);
}

static const wamp__framer_ops ws_ops = {
    .start = ws_start,
    .feed = ws_feed,
    .eof = ws_eof,
    .send = ws_send,
    .ping = ws_ping,
    .close = ws_close,
    .destroy = ws_destroy,
};

static char *dup_or(const char *s, const char *dflt, int *rc)
{
    const char *src = s ? s : dflt;
    if (!src) return NULL;
    char *d = strdup(src);
    if (!d) *rc = WAMP_ENOMEM;
    return d;
}

static bool valid_bits(unsigned b)
{
    return b == 0 || (b >= 8 && b <= 15);
}

int wamp_websocket_new(wamp_framer **out, bool is_server, const wamp_websocket_options *opts,
                       const wamp_framer_cbs *cbs, void *user)
{
    if (!out) return WAMP_EINVAL;
    *out = NULL;
    wamp_websocket_options o = {0};
    if (opts) o = *opts;
    if (!is_server && !o.host) return WAMP_EINVAL;
    if (!valid_bits(o.deflate.server_max_window_bits) ||
        !valid_bits(o.deflate.client_max_window_bits))
        return WAMP_EINVAL;
    /* never ask for a window our own zlib compressor cannot honour */
    if (is_server && o.deflate.server_max_window_bits == 8) return WAMP_EINVAL;
    if (!is_server && o.deflate.client_max_window_bits == 8) return WAMP_EINVAL;
    const char *const *protos = o.protocols;
    size_t np = o.protocol_count;
    if (!protos || np == 0) {
        protos = default_protocols;
        np = sizeof default_protocols / sizeof default_protocols[0];
    }
    for (size_t i = 0; i < np; i++)
        if (!protos[i] || !wamp_serializer_by_subprotocol(protos[i])) return WAMP_EINVAL;
    for (const char *c = o.host ? o.host : ""; *c; c++)
        if ((unsigned char)*c <= 0x20 || *c == 0x7F) return WAMP_EINVAL;
    for (const char *c = o.origin ? o.origin : ""; *c; c++)
        if (((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7F) return WAMP_EINVAL;
    for (const char *c = o.resource ? o.resource : ""; *c; c++)
        if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7F) return WAMP_EINVAL;
    if (sodium_init() < 0 && !o.random) return WAMP_ECRYPTO;
    ws_framer *ws = calloc(1, sizeof *ws);
    if (!ws) return WAMP_ENOMEM;
    wamp__framer_init(&ws->base, &ws_ops, is_server, WAMP_FRAMING_WEBSOCKET, cbs, user);
    ws->base.add_header = ws_add_header;
    int rc = WAMP_OK;
    ws->protocols = calloc(np, sizeof *ws->protocols);
    if (!ws->protocols) rc = WAMP_ENOMEM;
    for (size_t i = 0; !rc && i < np; i++) {
        ws->protocols[i] = strdup(protos[i]);
        if (!ws->protocols[i]) rc = WAMP_ENOMEM;
        ws->nprotocols = i + 1;
    }
    ws->host = dup_or(o.host, NULL, &rc);
    ws->resource = dup_or(o.resource, "/", &rc);
    ws->origin = dup_or(o.origin, NULL, &rc);
    for (size_t i = 0; !rc && i < o.header_count; i++) {
        rc = ws_add_header(&ws->base, o.headers[i].name, o.headers[i].value);
    }
    if (rc) {
        ws_destroy(&ws->base);
        free(ws);
        return rc;
    }
    ws->max_msg = o.max_message_size ? o.max_message_size : WAMP_TRANSPORT_DEFAULT_MAX_MESSAGE;
    ws->max_head = o.max_http_head ? o.max_http_head : WS_DEFAULT_HEAD;
    ws->max_headers = o.max_http_headers ? o.max_http_headers : WS_DEFAULT_HEADERS;
    ws->fragment_size = o.fragment_size;
    ws->deflate = o.deflate;
    ws->random = o.random;
    ws->random_user = o.random_user;
    *out = &ws->base;
    return WAMP_OK;
}
