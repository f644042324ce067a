/*
 * libwamp — transports without I/O: RawSocket and WebSocket framings, an in-memory pair,
 * transport URLs and transport details.
 *
 * A *framer* (wamp_framer) turns the bytes of one stream connection into WAMP transport
 * events and WAMP messages into bytes. It owns no socket, thread or clock: the code that owns
 * the connection (the libuv runtime in src/net, a poll() loop, a device main loop) drives it:
 *
 *     bytes read from the stream  -> wamp_framer_feed()      -> callbacks (wamp_framer_cbs)
 *     a serialized WAMP message   -> wamp_framer_send()      -> bytes to write
 *     end of stream seen          -> wamp_framer_eof()       -> on_close (1006, unclean)
 *     a heartbeat timer fires     -> wamp_framer_heartbeat() (or _ping() / _pings_outstanding())
 *     closing takes too long      -> the runtime drops the stream (state still CLOSING)
 *
 * Bytes to write leave the framer in one of two ways, chosen at creation:
 *   - cbs.on_write set: called synchronously with every chunk (borrowed until it returns; the
 *     runtime copies or writes it at once);
 *   - cbs.on_write NULL: bytes accumulate in an output buffer the caller drains with
 *     wamp_framer_output() / wamp_framer_output_consume() when the stream is writable (good for
 *     poll() loops and for coalescing writes per loop turn).
 *
 * Lifecycle of every framer:
 *   created -> (client: wamp_framer_start() writes the opening handshake)
 *           -> opening handshake (cbs.on_handshake may inspect and veto it)
 *           -> OPEN (cbs.on_open), messages flow both ways
 *           -> CLOSING (WebSocket closing handshake) -> CLOSED (cbs.on_close, exactly once).
 * When on_close has run, the framer produces no more events: the runtime flushes the pending
 * output (it may hold a WebSocket Close frame or a RawSocket error reply) and closes the
 * stream. (RFC 6455 §7.1.1 prefers the server to close TCP first; a WebSocket client may wait
 * briefly for that — a timer is the runtime's business.)
 * On a protocol violation the framer queues what the RFC demands (a Close frame with 1002,
 * 1007 or 1009, an HTTP 400/426 response, a RawSocket error reply), calls on_error and then
 * on_close(clean = false), and wamp_framer_feed() returns the error code.
 *
 * Callbacks may call wamp_framer_send(), _ping(), _close() and, during on_handshake,
 * wamp_framer_add_header(); they must not call wamp_framer_free() or wamp_framer_feed() on
 * the framer that is calling them (free it after wamp_framer_feed() returns). Nothing is
 * thread-safe: one framer belongs to one thread at a time.
 *
 * Messages handed out are whole serialized WAMP messages (or, for a batched serializer, whole
 * batches: splitting batches is the message layer's job). JSON travels in WebSocket text
 * frames, every other serializer in binary frames.
 */
#ifndef WAMP_TRANSPORT_H
#define WAMP_TRANSPORT_H

#include "common.h"
#include "serializer.h"
#include "value.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ================================================================ channel taxonomy */

/* As Autobahn's TransportDetails.CHANNEL_TYPE_*. */
typedef enum wamp_channel_type {
    WAMP_CHANNEL_NONE = 0,
    WAMP_CHANNEL_FUNCTION = 1,
    WAMP_CHANNEL_MEMORY = 2,
    WAMP_CHANNEL_SERIAL = 3,
    WAMP_CHANNEL_TCP = 4,
    WAMP_CHANNEL_TLS = 5,
    WAMP_CHANNEL_UDP = 6,
    WAMP_CHANNEL_DTLS = 7
} wamp_channel_type;

/* As Autobahn's TransportDetails.CHANNEL_FRAMING_*. */
typedef enum wamp_channel_framing {
    WAMP_FRAMING_NONE = 0,
    WAMP_FRAMING_NATIVE = 1,
    WAMP_FRAMING_WEBSOCKET = 2,
    WAMP_FRAMING_RAWSOCKET = 3
} wamp_channel_framing;

/* "null", "function", "memory", "serial", "tcp", "tls", "udp", "dtls"; "null" if unknown. */
WAMP_API const char *wamp_channel_type_name(wamp_channel_type t);
/* "null", "native", "websocket", "rawsocket"; "null" if unknown. */
WAMP_API const char *wamp_channel_framing_name(wamp_channel_framing f);
/* "null", "json", "msgpack", "cbor", "ubjson", "flatbuffers"; "null" if unknown. */
WAMP_API const char *wamp_channel_serializer_name(wamp_serializer_id s);

/*
 * Which framing a server port sharing RawSocket and WebSocket should use, from the first
 * bytes received: WAMP_FRAMING_RAWSOCKET when data[0] == 0x7F, WAMP_FRAMING_WEBSOCKET for any
 * other first byte, WAMP_FRAMING_NONE when len == 0.
 */
WAMP_API wamp_channel_framing wamp_framing_sniff(const uint8_t *data, size_t len);

/* ================================================================ HTTP heads (WebSocket) */

/* One header or one cookie. Strings are NUL-terminated, owned by the framer (see below). */
typedef struct wamp_http_header {
    const char *name;
    const char *value;
} wamp_http_header;

/*
 * A parsed or generated HTTP/1.1 head: the opening handshake request (server: received,
 * client: sent) or response (client: received, server: sent).
 * All pointers are owned by the framer and live until wamp_framer_free().
 * Header names keep the case they had on the wire; look-ups ignore case.
 */
typedef struct wamp_http_message {
    bool is_request;
    /* request */
    const char *method; /* "GET" */
    const char *target; /* request target as sent: "/ws?x=1" */
    const char *path;   /* target up to '?': "/ws" (not percent-decoded) */
    const char *query;  /* after '?', without it; "" when none */
    /* response */
    int status;         /* 101, 400, ... */
    const char *reason; /* "Switching Protocols" */
    int version_minor;  /* HTTP/1.<version_minor> */
    const wamp_http_header *headers;
    size_t header_count;
    /* Cookies of every Cookie header of a request, in order ("a=b; c=d"). */
    const wamp_http_header *cookies;
    size_t cookie_count;
} wamp_http_message;

/* First header named `name` (ASCII case-insensitive) or NULL. */
WAMP_API const char *wamp_http_get(const wamp_http_message *m, const char *name);
/* First cookie named `name` (case-sensitive) or NULL. */
WAMP_API const char *wamp_http_cookie(const wamp_http_message *m, const char *name);
/*
 * True when a comma-separated token list in any header named `name` contains `token`
 * (ASCII case-insensitive), e.g. wamp_http_has_token(m, "Connection", "upgrade").
 */
WAMP_API bool wamp_http_has_token(const wamp_http_message *m, const char *name, const char *token);

/* ================================================================ framers */

typedef struct wamp_framer wamp_framer;

typedef enum wamp_framer_state {
    WAMP_FRAMER_INIT = 0,      /* created; a client still needs wamp_framer_start() */
    WAMP_FRAMER_HANDSHAKE = 1, /* opening handshake in progress */
    WAMP_FRAMER_OPEN = 2,      /* messages flow */
    WAMP_FRAMER_CLOSING = 3,   /* WebSocket close frame sent, waiting for the peer's */
    WAMP_FRAMER_CLOSED = 4     /* on_close has run; nothing more happens */
} wamp_framer_state;

/* RawSocket handshake error codes (the high nibble of the error reply's second octet). */
enum {
    WAMP_RAWSOCKET_ERR_SERIALIZER = 1,     /* serializer unsupported */
    WAMP_RAWSOCKET_ERR_MAX_LEN = 2,        /* maximum message length unacceptable */
    WAMP_RAWSOCKET_ERR_RESERVED = 3,       /* use of reserved bits (unsupported feature) */
    WAMP_RAWSOCKET_ERR_MAX_CONNECTIONS = 4 /* maximum connection count reached */
};

/* WebSocket close codes (RFC 6455 §7.4.1). */
enum {
    WAMP_WS_CLOSE_NORMAL = 1000,
    WAMP_WS_CLOSE_GOING_AWAY = 1001,
    WAMP_WS_CLOSE_PROTOCOL_ERROR = 1002,
    WAMP_WS_CLOSE_UNSUPPORTED_DATA = 1003,
    WAMP_WS_CLOSE_NO_STATUS = 1005, /* never sent: the peer's Close had no code */
    WAMP_WS_CLOSE_ABNORMAL = 1006,  /* never sent: the stream ended without a Close */
    WAMP_WS_CLOSE_INVALID_PAYLOAD = 1007,
    WAMP_WS_CLOSE_POLICY = 1008,
    WAMP_WS_CLOSE_TOO_BIG = 1009,
    WAMP_WS_CLOSE_MANDATORY_EXT = 1010,
    WAMP_WS_CLOSE_INTERNAL_ERROR = 1011,
    WAMP_WS_CLOSE_SERVICE_RESTART = 1012,
    WAMP_WS_CLOSE_TRY_AGAIN_LATER = 1013
};

/*
 * What the opening handshake settled, shown to cbs.on_handshake before the framer commits.
 * Borrowed for the duration of the callback.
 */
typedef struct wamp_handshake_info {
    wamp_channel_framing framing;
    bool is_server;
    wamp_serializer_id serializer; /* negotiated serializer */
    bool batched;                  /* negotiated a ".batched" WebSocket subprotocol */
    const char *protocol;          /* WebSocket subprotocol ("wamp.2.json"); NULL for RawSocket */
    /* RawSocket: largest message the peer accepts (2^(9+L)); WebSocket: 0 (unknown). */
    uint32_t peer_max_message_size;
    /* WebSocket: the received request (server) or response (client); NULL for RawSocket. */
    const wamp_http_message *http;
    /* WebSocket: the extensions agreed ("permessage-deflate; client_max_window_bits=10"),
     * NULL when none. */
    const char *extensions;
} wamp_handshake_info;

/*
 * Callbacks of a framer. Every member may be NULL. `user` is the pointer given at creation.
 * Data pointers are borrowed until the callback returns.
 */
typedef struct wamp_framer_cbs {
    /* Bytes to write to the stream, in order. NULL: buffer them (wamp_framer_output()).
     * It must not call back into the framer. */
    void (*on_write)(wamp_framer *f, void *user, const uint8_t *data, size_t len);
    /*
     * The opening handshake is complete from the protocol's point of view; return 0 to accept
     * it. A server rejects with a positive code: RawSocket — a WAMP_RAWSOCKET_ERR_* code
     * (use WAMP_RAWSOCKET_ERR_MAX_CONNECTIONS when the embedding code is at its connection
     * limit); WebSocket — an HTTP status 400..599 (e.g. 403, 503). A client rejects with any
     * non-zero value. A rejection ends like a failed handshake (on_error WAMP_EHANDSHAKE,
     * on_close). A WebSocket server may call wamp_framer_add_header() here (e.g. Set-Cookie).
     * This is where the embedding code applies its policy: info->http->path (404 for an
     * unknown path), the Origin header, cookies (wamp_http_cookie()), the connection count.
     */
    int (*on_handshake)(wamp_framer *f, void *user, const wamp_handshake_info *info);
    /* The framer is OPEN: messages may be sent. */
    void (*on_open)(wamp_framer *f, void *user);
    /* One whole message (all fragments reassembled, decompressed, UTF-8 checked if text). */
    void (*on_message)(wamp_framer *f, void *user, const uint8_t *data, size_t len, bool is_binary);
    /* A PING arrived; the PONG echoing it has already been queued. Informational. */
    void (*on_ping)(wamp_framer *f, void *user, const uint8_t *data, size_t len);
    /* A PONG arrived (solicited or not, see wamp_framer_pings_outstanding()). */
    void (*on_pong)(wamp_framer *f, void *user, const uint8_t *data, size_t len);
    /* A failure: err is a wamp_err (WAMP_EHANDSHAKE, WAMP_EFRAME, WAMP_EUTF8, WAMP_ETOOBIG,
     * WAMP_ENOMEM, ...), detail a short English text. on_close follows. */
    void (*on_error)(wamp_framer *f, void *user, int err, const char *detail);
    /*
     * The framer is CLOSED (called exactly once, unless freed before). code:
     *  - WebSocket: the close code received from the peer (1005 if its Close had none), or the
     *    code we sent when we failed the connection (1002, 1007, 1009, 1011), or 1006 after
     *    wamp_framer_eof() without a closing handshake; a failed opening handshake gives the
     *    HTTP status sent or received when there was one (400, 426, 403, ...), else 1002.
     *  - RawSocket: the handshake error code (1..15) sent or received; 1002 (protocol error) or
     *    1009 (frame over our limit) when we failed the connection; 1000 for
     *    wamp_framer_close() or an end of stream between frames after OPEN; 1006 for an end of
     *    stream during the handshake or inside a frame.
     *  - Memory: the code given to wamp_framer_close() (1000 by default), 1006 when the other
     *    side was freed.
     * clean: the closing handshake completed (WebSocket) or the close was asked through
     * wamp_framer_close(). The reason is UTF-8 text (possibly empty, not NUL-terminated).
     */
    void (*on_close)(wamp_framer *f, void *user, int code, const char *reason, size_t reason_len,
                     bool clean);
    /*
     * Optional, with on_write: returns writable space for the next len output bytes, at the
     * current end of the output (in order with on_write), or NULL to decline (the framer then
     * copies through on_write). The framer fills all len bytes before it returns to the caller
     * of the framer function that asked; it lets a frame (header, masked payload) be built in
     * place in the writer's queue, without an intermediate copy. It must not call back into
     * the framer. The runtime implements it with wamp_stream_write_buffer().
     */
    uint8_t *(*on_write_buffer)(wamp_framer *f, void *user, size_t len);
} wamp_framer_cbs;

/* Default maximum size of one received message when an option says 0: 16 MiB. */
#define WAMP_TRANSPORT_DEFAULT_MAX_MESSAGE (16u * 1024u * 1024u)

/* ---------------------------------------------------------------- RawSocket */

/*
 * RawSocket options; {0} means defaults.
 *
 * max_message_size: the largest message we accept. The handshake announces the smallest
 *   2^(9+L) >= max_message_size (L = 0..15, i.e. 512 B .. 16 MiB; larger values announce
 *   16 MiB), and that announced power of two is the limit enforced on received frames.
 *   0: 16 MiB (L = 15).
 * serializer (client): the serializer to ask for; WAMP_SER_NONE means JSON.
 * serializers (server): bit mask (1u << wamp_serializer_id) of the serializers accepted;
 *   0: JSON, MessagePack, CBOR, UBJSON and FlatBuffers. Others get error reply 1.
 * min_peer_max_message_size (server): a client announcing a smaller receive limit gets error
 *   reply 2 (maximum message length unacceptable). 0: accept any.
 */
typedef struct wamp_rawsocket_options {
    uint32_t max_message_size;
    wamp_serializer_id serializer;
    uint32_t serializers;
    uint32_t min_peer_max_message_size;
} wamp_rawsocket_options;

/*
 * Creates a RawSocket framer (client when is_server is false). opts and cbs may be NULL
 * (defaults / no callbacks); both are copied. user is passed to every callback.
 * Returns WAMP_OK (*out set; free with wamp_framer_free()), WAMP_EINVAL or WAMP_ENOMEM.
 */
WAMP_API int wamp_rawsocket_new(wamp_framer **out, bool is_server,
                                const wamp_rawsocket_options *opts, const wamp_framer_cbs *cbs,
                                void *user);

/* The length exponent L announced for max_message_size (0..15): 2^(9+L) >= it. */
WAMP_API unsigned wamp_rawsocket_length_exponent(uint32_t max_message_size);

/* ---------------------------------------------------------------- WebSocket */

/*
 * permessage-deflate (RFC 7692) parameters.
 *
 * Client (offer): enabled = offer the extension with these parameters:
 *   server_no_context_takeover / client_no_context_takeover: include these parameters;
 *   server_max_window_bits (8..15, 0 = do not include): ask the server to limit its window;
 *   client_max_window_bits (8..15, 0 = include the parameter without a value, telling the
 *   server it may limit our window).
 * Server (accept): enabled = accept an offer; the first acceptable offer of the client wins.
 *   server_no_context_takeover / client_no_context_takeover: require them in the answer (a
 *   client's request for server_no_context_takeover is always honoured);
 *   server_max_window_bits (8..15, 0 = 15): largest window our compressor uses; the answer
 *   carries min(own, client's server_max_window_bits) when either is set;
 *   client_max_window_bits (8..15, 0 = none): limit asked of the client, only when it offered
 *   client_max_window_bits (capped by the value it offered).
 * zlib cannot compress raw deflate with an 8-bit window: when 8 is negotiated for our side we
 * compress with a 9-bit window. A peer that decompresses with a real 256-byte window could fail
 * on that; we therefore never *offer* or *ask for* 8 for our own compressor, and a server
 * declines an offer that demands server_max_window_bits=8. Our decompressor always uses a
 * 15-bit window, which accepts any peer's stream.
 *
 * min_size: messages shorter than this are sent uncompressed (0: compress every message).
 */
typedef struct wamp_deflate_options {
    bool enabled;
    bool server_no_context_takeover;
    bool client_no_context_takeover;
    unsigned server_max_window_bits;
    unsigned client_max_window_bits;
    size_t min_size;
} wamp_deflate_options;

/*
 * Random bytes for masking keys and Sec-WebSocket-Key. Must fill out[0..n) and return 0.
 * NULL in the options: libsodium's randombytes_buf().
 */
typedef int (*wamp_random_cb)(void *user, uint8_t *out, size_t n);

/*
 * WebSocket options; {0} means defaults. Strings are copied at creation.
 *
 * protocols: WebSocket subprotocols, each "wamp.2.<serializer>" or "wamp.2.<serializer>.batched"
 *   (serializer json, msgpack, cbor, ubjson, flatbuffers). Client: offered in this order.
 *   Server: accepted, in the server's order of preference (the first of these the client
 *   offered wins, whatever the client's order). NULL/0: wamp.2.cbor, wamp.2.msgpack,
 *   wamp.2.ubjson, wamp.2.json, wamp.2.cbor.batched, wamp.2.msgpack.batched,
 *   wamp.2.ubjson.batched, wamp.2.json.batched, wamp.2.flatbuffers (client: offered in that
 *   order).
 * A server answers 400 when the client offers no acceptable subprotocol (as Autobahn's
 * STRICT_PROTOCOL_NEGOTIATION); a client fails when the answer is not one it offered.
 *
 * host, resource, origin (client): Host header ("localhost:8080"; required), request target
 *   ("/" when NULL; may include "?query"), Origin header (omitted when NULL).
 * headers: extra request (client) or response (server) headers.
 * max_message_size: largest received message after reassembly and decompression (→ close
 *   1009). 0: 16 MiB.
 * max_http_head: largest opening-handshake head in bytes, request or response line included
 *   (→ 400 / failure). 0: 16 KiB.  max_http_headers: largest header count; 0: 64.
 * fragment_size: when non-zero, messages longer than this are sent as several frames of at
 *   most fragment_size payload bytes.
 * deflate: permessage-deflate (see wamp_deflate_options).
 * random / random_user (client): masking keys and Sec-WebSocket-Key.
 */
typedef struct wamp_websocket_options {
    const char *const *protocols;
    size_t protocol_count;
    const char *host;
    const char *resource;
    const char *origin;
    const wamp_http_header *headers;
    size_t header_count;
    size_t max_message_size;
    size_t max_http_head;
    size_t max_http_headers;
    size_t fragment_size;
    wamp_deflate_options deflate;
    wamp_random_cb random;
    void *random_user;
} wamp_websocket_options;

/*
 * Creates a WebSocket framer (client when is_server is false). opts and cbs may be NULL;
 * both are copied (with the strings they point to). A client needs opts->host.
 * Returns WAMP_OK (*out set; free with wamp_framer_free()), WAMP_EINVAL (bad option: unknown
 * subprotocol, missing host, window bits out of range) or WAMP_ENOMEM.
 */
WAMP_API int wamp_websocket_new(wamp_framer **out, bool is_server,
                                const wamp_websocket_options *opts, const wamp_framer_cbs *cbs,
                                void *user);

/* ---------------------------------------------------------------- in-memory pair */

/*
 * In-memory transport pair (channel type memory, framing native): two connected framers
 * passing whole messages, for tests of upper layers. Both start OPEN (on_open is called by
 * wamp_framer_start(), which each side may call; it is optional).
 *
 * queued = false: wamp_framer_send() on one side calls the other side's on_message at once
 *   (re-entrantly: a reply sent from on_message is delivered before send returns).
 * queued = true: sends are queued (copied) and delivered by wamp_memory_pump().
 * wamp_framer_close() on one side closes both (the other sees on_close with the same code,
 * after the queue drained in queued mode); freeing one side closes the other (1006).
 * wamp_framer_feed() is not supported (WAMP_EUNSUPPORTED).
 */
typedef struct wamp_memory_options {
    wamp_serializer_id serializer; /* reported in details; WAMP_SER_NONE means JSON */
    bool batched;
    bool queued;
} wamp_memory_options;

WAMP_API int wamp_memory_pair_new(wamp_framer **a, wamp_framer **b, const wamp_memory_options *opts,
                                  const wamp_framer_cbs *cbs_a, void *user_a,
                                  const wamp_framer_cbs *cbs_b, void *user_b);

/*
 * Delivers every queued message (both directions, in send order, including messages queued
 * by the deliveries themselves) and pending closes. f may be either side.
 * Returns the number of events delivered, or a negative wamp_err.
 */
WAMP_API int wamp_memory_pump(wamp_framer *f);

/* ---------------------------------------------------------------- any framer */

/* Frees a framer (NULL: no-op). No callback runs. Not from inside one of its callbacks. */
WAMP_API void wamp_framer_free(wamp_framer *f);

/*
 * Client: writes the opening handshake (RawSocket 4 octets, WebSocket HTTP request).
 * Server: nothing to write; marks the handshake as started. Memory: calls on_open.
 * Returns WAMP_OK or WAMP_ESTATE (already started).
 */
WAMP_API int wamp_framer_start(wamp_framer *f);

/*
 * Feeds bytes read from the stream (any split: feeding byte by byte gives the same events as
 * feeding everything at once). Callbacks run from inside this call.
 * Returns WAMP_OK, or the error of a protocol failure (already reported through on_error and
 * on_close; the framer is CLOSED; the caller flushes the output and closes the stream), or
 * WAMP_ECLOSED when the framer was already CLOSED (the bytes are ignored).
 */
WAMP_API int wamp_framer_feed(wamp_framer *f, const uint8_t *data, size_t len);

/*
 * The stream ended (EOF or error): on_close(1006 — or 1000 for a RawSocket that was OPEN and
 * between frames —, clean = false) unless already CLOSED. Always WAMP_OK.
 */
WAMP_API int wamp_framer_eof(wamp_framer *f);

/*
 * Sends one serialized WAMP message (text frame for JSON, binary otherwise). The data is
 * copied (or compressed) into the output before the call returns.
 * Returns WAMP_OK; WAMP_ESTATE before OPEN; WAMP_ECLOSED once CLOSING/CLOSED; WAMP_ETOOBIG
 * when len exceeds the peer's announced limit (RawSocket) or 2^63 — nothing is sent;
 * WAMP_ENOMEM.
 */
WAMP_API int wamp_framer_send(wamp_framer *f, const uint8_t *data, size_t len);

/*
 * Sends a PING with the given payload (RawSocket: up to the peer's limit; WebSocket: up to 125
 * bytes). A matching PONG calls on_pong and decrements wamp_framer_pings_outstanding().
 * Returns WAMP_OK, WAMP_ESTATE (not OPEN), WAMP_ETOOBIG, WAMP_EUNSUPPORTED (memory).
 */
WAMP_API int wamp_framer_ping(wamp_framer *f, const uint8_t *payload, size_t len);

/*
 * Number of PINGs sent by wamp_framer_ping() whose PONG has not arrived (a PONG echoing the
 * payload of an unanswered PING settles it and every older one: RFC 6455 §5.5.3 lets a peer
 * answer only the most recent ping). A runtime's heartbeat: on each tick,
 * if this is > 0 the peer is too slow (close with 1001 / drop it), else send a ping.
 */
WAMP_API unsigned wamp_framer_pings_outstanding(const wamp_framer *f);

/*
 * One heartbeat tick, for a runtime timer firing every `interval` (Autobahn's autoPingInterval
 * with autoPingTimeout = interval):
 *  - a ping sent by an earlier tick is still unanswered: returns WAMP_ETIMEOUT and sends
 *    nothing (the peer is gone or stuck: close with 1001 / drop the stream);
 *  - otherwise, when any byte arrived since the previous tick, the peer is alive: returns
 *    WAMP_OK and sends nothing;
 *  - otherwise sends a PING carrying an 8-byte tick counter and returns WAMP_OK.
 * Returns WAMP_ESTATE when not OPEN; memory framers always return WAMP_OK.
 */
WAMP_API int wamp_framer_heartbeat(wamp_framer *f);

/*
 * Starts closing. WebSocket: sends a Close frame with code (1000 when 0; must be a valid
 * sendable code) and reason (UTF-8, at most 123 bytes, may be NULL), state CLOSING; on_close
 * runs when the peer's Close arrives (or on wamp_framer_eof()). RawSocket: nothing to send;
 * on_close(code or 1000, clean) runs at once. Memory: closes both sides.
 * During the handshake a WebSocket server answers 503 and a RawSocket server error 4
 * (maximum connection count reached).
 * Returns WAMP_OK, WAMP_EINVAL (bad code or reason), WAMP_ECLOSED (already closing).
 */
WAMP_API int wamp_framer_close(wamp_framer *f, int code, const char *reason);

/*
 * Output buffer (only when cbs.on_write is NULL): *data and *len show the bytes waiting to be
 * written (borrowed until the next call on the framer). After writing n of them, call
 * wamp_framer_output_consume(f, n). wamp_framer_output_pending() is the byte count.
 */
WAMP_API void wamp_framer_output(const wamp_framer *f, const uint8_t **data, size_t *len);
WAMP_API void wamp_framer_output_consume(wamp_framer *f, size_t n);
WAMP_API size_t wamp_framer_output_pending(const wamp_framer *f);

/*
 * WebSocket server, only inside on_handshake: adds a header to the 101 response (or to the
 * error response if the callback rejects). Copied. Returns WAMP_OK, WAMP_ESTATE, WAMP_EINVAL
 * (CR/LF or ':' in the name, CR/LF in the value), WAMP_ENOMEM.
 */
WAMP_API int wamp_framer_add_header(wamp_framer *f, const char *name, const char *value);

/* Queries. */
WAMP_API wamp_framer_state wamp_framer_get_state(const wamp_framer *f);
WAMP_API wamp_channel_framing wamp_framer_framing(const wamp_framer *f);
WAMP_API bool wamp_framer_is_server(const wamp_framer *f);
/* Negotiated serializer (WAMP_SER_NONE before the handshake completed) and batching. */
WAMP_API wamp_serializer_id wamp_framer_serializer(const wamp_framer *f);
WAMP_API bool wamp_framer_batched(const wamp_framer *f);
/* RawSocket: the peer's receive limit after the handshake (0 before/otherwise). */
WAMP_API uint32_t wamp_framer_peer_max_message_size(const wamp_framer *f);
/* WebSocket: subprotocol agreed, extensions agreed (NULL when none / before OPEN). */
WAMP_API const char *wamp_framer_protocol(const wamp_framer *f);
WAMP_API const char *wamp_framer_extensions(const wamp_framer *f);
/* WebSocket: HTTP head received / sent (NULL until parsed / written). Live until free. */
WAMP_API const wamp_http_message *wamp_framer_http_received(const wamp_framer *f);
WAMP_API const wamp_http_message *wamp_framer_http_sent(const wamp_framer *f);
WAMP_API void *wamp_framer_user(const wamp_framer *f);

/* Counters of a framer. */
typedef struct wamp_framer_stats {
    uint64_t bytes_in, bytes_out;       /* stream bytes fed / produced */
    uint64_t messages_in, messages_out; /* WAMP messages delivered / sent */
    uint64_t pings_in, pongs_in, pings_out, pongs_out;
    uint64_t payload_in, payload_out; /* message bytes before compression */
} wamp_framer_stats;
WAMP_API void wamp_framer_get_stats(const wamp_framer *f, wamp_framer_stats *out);

/* ================================================================ transport details */

/*
 * What a WAMP session knows of its transport: Autobahn's TransportDetails (HELLO.Details and
 * the session meta API carry it as a dict, see wamp_transport_details_to_value()).
 * Filled partly by the framer (wamp_framer_fill_details(): framing, serializer, is_server,
 * WebSocket protocol, extensions, HTTP heads, http_cbtid) and partly by the runtime (channel
 * type, own/peer strings, pid/tid/fd, is_secure, channel binding, peer certificate).
 * Pointers are borrowed: whoever sets one keeps it alive as long as the struct is used (the
 * framer's live until wamp_framer_free()). Initialise with wamp_transport_details_init().
 */
typedef struct wamp_transport_details {
    wamp_channel_type channel_type;
    wamp_channel_framing channel_framing;
    wamp_serializer_id channel_serializer;
    bool batched;
    char own[128];                    /* "tcp4:127.0.0.1:8080", "unix:/tmp/s.sock"; "" = unknown */
    char peer[128];                   /* same forms */
    int is_server;                    /* 1, 0, or -1 unknown */
    int64_t own_pid, own_tid, own_fd; /* -1 = unknown */
    int is_secure;                    /* 1, 0, or -1 unknown */
    /* channel_id {"tls-unique": bytes}: channel binding of a TLS channel; len 0 = none. */
    uint8_t channel_id_tls_unique[64];
    size_t channel_id_tls_unique_len;
    /* peer_cert: a dict as Autobahn's (subject, issuer, serial, not_before, ...) or NULL. */
    const wamp_value *peer_cert;
    const char *websocket_protocol;
    const char *websocket_extensions_in_use; /* comma-separated list as negotiated, or NULL */
    const wamp_http_message *http_headers_received;
    const wamp_http_message *http_headers_sent;
    const char *http_cbtid;
} wamp_transport_details;

/* Sets every field to "unknown" (types NONE, strings empty, ints -1, pointers NULL). */
WAMP_API void wamp_transport_details_init(wamp_transport_details *d);

/* Fills the framer-known fields of d (framing, serializer, batched, is_server, websocket_*,
 * http_*; memory pairs also set channel_type memory). Other fields are untouched. */
WAMP_API void wamp_framer_fill_details(const wamp_framer *f, wamp_transport_details *d);

/*
 * Formats an address as Autobahn's peer strings: family 4 → "tcp4:<ip>:<port>",
 * 6 → "tcp6:<ip>:<port>" (the IPv6 text without brackets, as Autobahn), and
 * wamp_transport_format_unix() → "unix:<path>" ("unix" when path is empty/NULL).
 * ip is the numeric text (inet_ntop). Returns WAMP_OK or WAMP_ERANGE (truncated; out still
 * NUL-terminated) / WAMP_EINVAL.
 */
WAMP_API int wamp_transport_format_tcp(char *out, size_t size, int family, const char *ip,
                                       unsigned port);
WAMP_API int wamp_transport_format_unix(char *out, size_t size, const char *path);

/* "<type>-<framing>-<serializer>", e.g. "tcp-websocket-json" (Autobahn's channel_typeid).
 * Returns WAMP_OK or WAMP_ERANGE (truncated). */
WAMP_API int wamp_transport_channel_typeid(const wamp_transport_details *d, char *out, size_t size);

/*
 * Builds the dict Autobahn's TransportDetails.marshal() gives (keys channel_type,
 * channel_framing, channel_serializer, own, peer, is_server, own_pid, own_tid, own_fd,
 * is_secure, channel_id, peer_cert, websocket_protocol, websocket_extensions_in_use,
 * http_headers_received, http_headers_sent, http_cbtid; unknown values are null) in arena a.
 * Strings are copied into a. Returns WAMP_OK or WAMP_ENOMEM.
 */
WAMP_API int wamp_transport_details_to_value(const wamp_transport_details *d, wamp_arena *a,
                                             wamp_value *out);

/* ================================================================ URLs */

typedef enum wamp_url_scheme {
    WAMP_URL_WS = 1,  /* ws://  WebSocket over TCP (or Unix) */
    WAMP_URL_WSS = 2, /* wss:// WebSocket over TLS */
    WAMP_URL_RS = 3,  /* rs://  RawSocket over TCP (or Unix) */
    WAMP_URL_RSS = 4  /* rss:// RawSocket over TLS */
} wamp_url_scheme;

/*
 * A parsed transport URL. All strings are NUL-terminated and owned by the struct (free with
 * wamp_url_free()).
 *
 * Accepted, as Autobahn's parse_url (websocket/util.py and rawsocket/util.py):
 *   ws://host[:port][/path][?query]   wss://...      (default port 80 / 443, path "/")
 *   rs://host[:port]                  rss://...      (default port 80 / 443; no path, no query)
 *   ws://unix:/path/to.sock[?query]   rs://unix:/path/to.sock   (Unix domain socket)
 *   hosts: names, IPv4, IPv6 literals in brackets ("[::1]:8080" → host "::1").
 * Rejected: other schemes, empty host, a fragment, port outside 1..65535 or not decimal,
 *   rs:// with a path or query, control characters or spaces, and userinfo ("user:pw@host",
 *   which Autobahn silently drops: we refuse to lose credentials without a word).
 *   An empty port ("ws://host:") means the default port, as in Autobahn.
 * The host is lower-cased (as Python's urlparse().hostname).
 * For Unix URLs, Autobahn uses the socket path as HTTP resource; we send "/" (plus "?query"),
 * which is what a WebSocket server behind a Unix socket expects.
 */
typedef struct wamp_url {
    wamp_url_scheme scheme;
    bool is_secure;    /* wss, rss */
    bool is_websocket; /* ws, wss */
    bool is_unix;      /* host "unix" with a socket path */
    bool is_ipv6;      /* host was a bracketed IPv6 literal */
    char *host;        /* "localhost", "127.0.0.1", "::1", "unix" */
    uint16_t port;     /* 0 for Unix sockets */
    char *unix_path;   /* "/tmp/file.sock" or NULL */
    char *path;        /* WebSocket: "/ws" (as written, not decoded); RawSocket: "" */
    char *query;       /* without '?'; "" when none */
    char *resource;    /* HTTP request target: path[?query] ("/" for Unix, plus ?query) */
} wamp_url;

/* Parses url into *out (zeroed first). Returns WAMP_OK, WAMP_EURL or WAMP_ENOMEM; on error
 * *out holds nothing to free. */
WAMP_API int wamp_url_parse(const char *url, wamp_url *out);
/* Frees the strings of a parsed URL (safe on a zeroed or freed struct). */
WAMP_API void wamp_url_free(wamp_url *u);
/* "host:port" for a Host header (IPv6 in brackets; the port omitted when it is the scheme's
 * default; "localhost" for Unix URLs). Returns WAMP_OK or WAMP_ERANGE. */
WAMP_API int wamp_url_host_header(const wamp_url *u, char *out, size_t size);

#ifdef __cplusplus
}
#endif
#endif
