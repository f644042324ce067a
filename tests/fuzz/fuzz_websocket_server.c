/* libFuzzer: WebSocket server (handshake + frames, permessage-deflate on), fed in pieces. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <wamp/transport.h>

static void on_message(wamp_framer *f, void *user, const uint8_t *d, size_t n, bool bin)
{
    (void)user;
    (void)bin;
    wamp_framer_send(f, d, n);
    if (n == 3) wamp_framer_close(f, 1000, "bye");
}

static int on_handshake(wamp_framer *f, void *user, const wamp_handshake_info *hs)
{
    (void)user;
    wamp_framer_add_header(f, "Set-Cookie", "cbtid=x");
    return hs->serializer == WAMP_SER_UBJSON ? 403 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    size_t chunk = data[0] ? data[0] : SIZE_MAX;
    wamp_websocket_options o = {.max_message_size = 4096,
                                .max_http_head = 2048,
                                .max_http_headers = 32,
                                .fragment_size = (data[1] & 1) ? 100 : 0,
                                .deflate = {.enabled = true,
                                            .server_no_context_takeover = data[1] & 2,
                                            .client_no_context_takeover = data[1] & 4,
                                            .server_max_window_bits = (data[1] & 8) ? 10 : 0,
                                            .client_max_window_bits = (data[1] & 16) ? 9 : 0}};
    data += 2;
    size -= 2;
    wamp_framer_cbs cbs = {.on_message = on_message, .on_handshake = on_handshake};
    wamp_framer *f;
    if (wamp_websocket_new(&f, true, &o, &cbs, NULL)) return 0;
    for (size_t off = 0; off < size;) {
        size_t c = size - off < chunk ? size - off : chunk;
        if (wamp_framer_feed(f, data + off, c) != WAMP_OK) break;
        off += c;
    }
    wamp_transport_details d;
    wamp_transport_details_init(&d);
    wamp_framer_fill_details(f, &d);
    wamp_framer_eof(f);
    wamp_framer_free(f);
    return 0;
}
