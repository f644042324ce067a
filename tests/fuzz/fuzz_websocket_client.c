/* libFuzzer: WebSocket client fed a server's answer and frames. The "random" source gives
 * zeros, so the key is AAAAAAAAAAAAAAAAAAAAAA== and the expected accept is
 * ICX+Yqv66kxgM0FcWaLWlFLwTAI= (the seed corpus carries it). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <wamp/transport.h>

static int zero_random(void *user, uint8_t *out, size_t n)
{
    (void)user;
    memset(out, 0, n);
    return 0;
}

static void on_message(wamp_framer *f, void *user, const uint8_t *d, size_t n, bool bin)
{
    (void)user;
    (void)bin;
    wamp_framer_send(f, d, n);
    if (n == 2) wamp_framer_ping(f, d, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    size_t chunk = data[0] ? data[0] : SIZE_MAX;
    const char *const protos[] = {"wamp.2.json", "wamp.2.cbor", "wamp.2.msgpack.batched"};
    wamp_websocket_options o = {.host = "localhost",
                                .protocols = protos,
                                .protocol_count = 3,
                                .max_message_size = 4096,
                                .max_http_head = 2048,
                                .random = zero_random,
                                .deflate = {.enabled = data[1] & 1,
                                            .server_no_context_takeover = data[1] & 2,
                                            .client_no_context_takeover = data[1] & 4,
                                            .server_max_window_bits = (data[1] & 8) ? 12 : 0,
                                            .client_max_window_bits = (data[1] & 16) ? 10 : 0}};
    data += 2;
    size -= 2;
    wamp_framer_cbs cbs = {.on_message = on_message};
    wamp_framer *f;
    if (wamp_websocket_new(&f, false, &o, &cbs, NULL)) return 0;
    wamp_framer_start(f);
    for (size_t off = 0; off < size;) {
        size_t c = size - off < chunk ? size - off : chunk;
        if (wamp_framer_feed(f, data + off, c) != WAMP_OK) break;
        off += c;
    }
    wamp_framer_close(f, 1000, NULL);
    wamp_framer_free(f);
    return 0;
}
