/*
 * bench_framing: cost of the sans-I/O framers alone (no sockets), fed 64 KiB chunks:
 *  - WebSocket server receiving masked binary frames (unmask, reassemble, deliver) beside
 *    python3-websockets' sans-I/O ServerConnection on the same bytes (bench/framing_ref.py)
 *    and beside a plain memcpy of the bytes (the floor);
 *  - RawSocket server receiving frames, beside memcpy;
 *  - WebSocket + permessage-deflate send path beside zlib deflate(Z_SYNC_FLUSH) alone.
 * Ratios > 1 mean libwamp is faster than the reference.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include <wamp/transport.h>

#define CHUNK 65536

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t delivered;
static void on_message(wamp_framer *f, void *user, const uint8_t *d, size_t n, bool bin)
{
    (void)f, (void)user, (void)d, (void)bin;
    delivered += n;
}

static uint8_t *ws_stream(size_t size, size_t count, size_t *len)
{
    static const uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
    size_t hl = size < 126 ? 6 : size < 65536 ? 8 : 14;
    uint8_t *s = malloc((hl + size) * count), *p = s;
    for (size_t c = 0; c < count; c++) {
        *p++ = 0x82;
        if (size < 126) {
            *p++ = (uint8_t)(0x80 | size);
        } else if (size < 65536) {
            *p++ = 0x80 | 126;
            *p++ = (uint8_t)(size >> 8);
            *p++ = (uint8_t)size;
        } else {
            *p++ = 0x80 | 127;
            for (int i = 0; i < 8; i++)
                *p++ = (uint8_t)((uint64_t)size >> (56 - 8 * i));
        }
        memcpy(p, key, 4);
        p += 4;
        for (size_t i = 0; i < size; i++)
            *p++ = (uint8_t)((i * 31) & 0xFF) ^ key[i & 3];
    }
    *len = (size_t)(p - s);
    return s;
}

static double feed_all(wamp_framer *f, const uint8_t *s, size_t len)
{
    double t0 = now();
    for (size_t off = 0; off < len; off += CHUNK)
        wamp_framer_feed(f, s + off, len - off < CHUNK ? len - off : CHUNK);
    return now() - t0;
}

static double memcpy_all(const uint8_t *s, size_t len)
{
    static uint8_t dst[CHUNK];
    double t0 = now();
    volatile uint8_t sink = 0;
    for (size_t off = 0; off < len; off += CHUNK) {
        size_t n = len - off < CHUNK ? len - off : CHUNK;
        memcpy(dst, s + off, n);
        sink ^= dst[n - 1];
    }
    (void)sink;
    return now() - t0;
}

static double python_ref(size_t size, size_t count)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %zu %zu 2>/dev/null", WAMP_BENCH_FRAMING_REF,
             size, count);
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    double t = -1;
    if (fscanf(p, "%lf", &t) != 1) t = -1;
    pclose(p);
    return t;
}

static void bench_ws(size_t size, size_t count)
{
    size_t len;
    uint8_t *s = ws_stream(size, count, &len);
    wamp_framer_cbs cbs = {.on_message = on_message};
    wamp_framer *f;
    const char *const cbor[] = {"wamp.2.cbor"};
    wamp_websocket_options o = {
        .protocols = cbor, .protocol_count = 1, .max_message_size = 1u << 24};
    wamp_websocket_new(&f, true, &o, &cbs, NULL);
    const char *req = "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                      "Sec-WebSocket-Protocol: wamp.2.cbor\r\n\r\n";
    wamp_framer_feed(f, (const uint8_t *)req, strlen(req));
    wamp_framer_output_consume(f, wamp_framer_output_pending(f));
    delivered = 0;
    double t = feed_all(f, s, len);
    if (delivered != size * count)
        fprintf(stderr, "ws: delivered %zu of %zu\n", delivered, size * count);
    double tm = memcpy_all(s, len);
    double tp = python_ref(size, count > 20000 ? 20000 : count);
    double mb = (double)(size * count) / 1e6;
    printf("ws recv  %7zu B x %6zu: %8.1f MB/s %9.0f msg/s | memcpy %8.1f MB/s (x%.2f)", size,
           count, mb / t, (double)count / t, (double)len / 1e6 / tm, t / tm > 0 ? tm / t : 0);
    if (tp > 0) {
        double pcount = count > 20000 ? 20000 : (double)count;
        double pt = tp * (double)count / pcount;
        printf(" | websockets %8.1f MB/s (x%.1f)", mb / pt, pt / t);
    }
    printf("\n");
    wamp_framer_free(f);
    free(s);
}

static void bench_rs(size_t size, size_t count)
{
    uint8_t *s = malloc((4 + size) * count + 4), *p = s;
    memcpy(p, "\x7f\xf3\x00\x00", 4);
    p += 4;
    for (size_t c = 0; c < count; c++) {
        *p++ = 0;
        *p++ = (uint8_t)(size >> 16);
        *p++ = (uint8_t)(size >> 8);
        *p++ = (uint8_t)size;
        for (size_t i = 0; i < size; i++)
            *p++ = (uint8_t)(i * 31);
    }
    size_t len = (size_t)(p - s);
    wamp_framer_cbs cbs = {.on_message = on_message};
    wamp_framer *f;
    wamp_rawsocket_new(&f, true, NULL, &cbs, NULL);
    delivered = 0;
    double t = feed_all(f, s, len);
    if (delivered != size * count)
        fprintf(stderr, "rs: delivered %zu of %zu\n", delivered, size * count);
    double tm = memcpy_all(s, len);
    double mb = (double)(size * count) / 1e6;
    printf("rs recv  %7zu B x %6zu: %8.1f MB/s %9.0f msg/s | memcpy %8.1f MB/s (x%.2f)\n", size,
           count, mb / t, (double)count / t, (double)len / 1e6 / tm, tm / t);
    wamp_framer_free(f);
    free(s);
}

static void bench_deflate(size_t size, size_t count)
{
    /* JSON-like text */
    char *msg = malloc(size);
    for (size_t i = 0; i < size; i++)
        msg[i] = "[36,5512315355,4429313566,{},[\"hello\",42,true]]"[i % 46];
    wamp_framer *f;
    const char *const json[] = {"wamp.2.json"};
    wamp_websocket_options o = {
        .protocols = json, .protocol_count = 1, .deflate = {.enabled = true}};
    wamp_websocket_new(&f, true, &o, NULL, NULL);
    const char *req = "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                      "Sec-WebSocket-Protocol: wamp.2.json\r\nSec-WebSocket-Extensions: "
                      "permessage-deflate\r\n\r\n";
    wamp_framer_feed(f, (const uint8_t *)req, strlen(req));
    wamp_framer_output_consume(f, wamp_framer_output_pending(f));
    size_t out = 0;
    double t0 = now();
    for (size_t c = 0; c < count; c++) {
        wamp_framer_send(f, (const uint8_t *)msg, size);
        out += wamp_framer_output_pending(f);
        wamp_framer_output_consume(f, wamp_framer_output_pending(f));
    }
    double t = now() - t0;
    z_stream z = {0};
    deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
    uint8_t *zout = malloc(size * 2 + 1024);
    double t1 = now();
    for (size_t c = 0; c < count; c++) {
        z.next_in = (Bytef *)msg;
        z.avail_in = (uInt)size;
        z.next_out = zout;
        z.avail_out = (uInt)(size * 2 + 1024);
        deflate(&z, Z_SYNC_FLUSH);
    }
    double tz = now() - t1;
    deflateEnd(&z);
    double mb = (double)(size * count) / 1e6;
    printf("ws+pmd send %5zu B x %6zu: %8.1f MB/s (ratio %.2f) | zlib alone %8.1f MB/s (x%.2f)\n",
           size, count, mb / t, (double)out / (double)(size * count), mb / tz, tz / t);
    free(zout);
    free(msg);
    wamp_framer_free(f);
}

int main(void)
{
    bench_ws(64, 500000);
    bench_ws(1024, 100000);
    bench_ws(65536, 2000);
    bench_ws(1 << 20, 100);
    bench_rs(64, 500000);
    bench_rs(1024, 100000);
    bench_rs(65536, 2000);
    bench_deflate(256, 50000);
    bench_deflate(4096, 10000);
    return 0;
}
