/* libFuzzer: RawSocket framer, client or server, fed in pieces; echoes and pings when open. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <wamp/transport.h>

static void on_message(wamp_framer *f, void *user, const uint8_t *d, size_t n, bool bin)
{
    (void)user;
    (void)bin;
    wamp_framer_send(f, d, n);
    if (n == 1) wamp_framer_ping(f, d, n);
    if (n == 2) wamp_framer_close(f, 1000, NULL);
}

static int on_handshake(wamp_framer *f, void *user, const wamp_handshake_info *hs)
{
    (void)f;
    (void)user;
    return hs->serializer == WAMP_SER_UBJSON ? WAMP_RAWSOCKET_ERR_MAX_CONNECTIONS : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    bool server = data[0] & 1;
    size_t chunk = (data[0] >> 1) ? (data[0] >> 1) : SIZE_MAX;
    wamp_rawsocket_options o = {.max_message_size = 1u << (9 + (data[1] & 7)),
                                .serializer = (wamp_serializer_id)(1 + (data[1] >> 4) % 5),
                                .min_peer_max_message_size = (data[1] & 8) ? 4096 : 0};
    data += 2;
    size -= 2;
    wamp_framer_cbs cbs = {.on_message = on_message, .on_handshake = on_handshake};
    wamp_framer *f;
    if (wamp_rawsocket_new(&f, server, &o, &cbs, NULL)) return 0;
    wamp_framer_start(f);
    for (size_t off = 0; off < size;) {
        size_t c = size - off < chunk ? size - off : chunk;
        if (wamp_framer_feed(f, data + off, c) != WAMP_OK) break;
        off += c;
        wamp_framer_output_consume(f, wamp_framer_output_pending(f) / 2);
    }
    wamp_framer_eof(f);
    wamp_framer_free(f);
    return 0;
}
