/*
 * libwamp — runtime: event loop, timers, loop hooks, byte streams (TCP, Unix, TLS).
 *
 * This is the default runtime adapter (libuv + OpenSSL). Nothing here exposes a libuv or
 * OpenSSL type. Everything below the runtime (framing, sessions, router) is sans-I/O and can be
 * driven by any event loop through a wamp_loop_hooks table; wamp_loop_hooks_default() gives the
 * libuv implementation of that table.
 *
 * Threads: every object here belongs to the loop it was created on and may only be used from
 * the thread running that loop. The ONE thread-safe entry point is wamp_loop_post().
 *
 * Lifetime rules, common to streams, servers and timers:
 *   - wamp_x_free() may be called at any time, also from inside any of the object's own
 *     callbacks; after it returns no callback of that object runs again, and its memory is
 *     released (possibly a loop turn later, internally). wamp_x_free(NULL) is a no-op.
 *   - Strings and buffers handed to a callback are borrowed until the callback returns.
 *   - Strings passed in option structs are copied; the caller may free them after the call.
 */
#ifndef WAMP_NET_H
#define WAMP_NET_H

#include "common.h"
#include "transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- loop */

typedef struct wamp_loop wamp_loop;

typedef enum wamp_run_mode {
    WAMP_RUN_DEFAULT = 0, /* run until wamp_loop_stop() or nothing is left to do */
    WAMP_RUN_ONCE = 1,    /* poll for I/O once, blocking if there are no pending callbacks */
    WAMP_RUN_NOWAIT = 2,  /* poll for I/O once without blocking */
} wamp_run_mode;

/* Creates a loop. *out is set on success. Returns WAMP_OK, WAMP_ENOMEM or WAMP_EIO.
 * If SIGPIPE still has its default disposition, it is set to ignored (process-wide), so that
 * writing to a connection the peer closed reports an error instead of killing the process. */
WAMP_API int wamp_loop_new(wamp_loop **out);
/*
 * Frees a loop. Every stream, server, timer and connection made on it must have been freed or
 * closed (close callbacks delivered) first. Internal teardown still pending (memory of objects
 * freed in the last turn) is completed here. Returns WAMP_OK, or WAMP_ESTATE (and frees nothing)
 * when live objects remain or the loop is running. wamp_loop_free(NULL) returns WAMP_OK.
 */
WAMP_API int wamp_loop_free(wamp_loop *loop);
/*
 * Runs the loop in the given mode. Returns 0 when the loop has nothing left to do (DEFAULT), or
 * non-zero when more work remains (ONCE/NOWAIT, or DEFAULT after wamp_loop_stop()).
 * Not reentrant: do not call from a callback.
 */
WAMP_API int wamp_loop_run(wamp_loop *loop, wamp_run_mode mode);
/* Makes wamp_loop_run() return after the current turn. Loop thread only (from another thread,
 * post a function that calls it). */
WAMP_API void wamp_loop_stop(wamp_loop *loop);
/* Loop time in milliseconds (monotonic, cached at the start of the turn). */
WAMP_API uint64_t wamp_loop_now(const wamp_loop *loop);

typedef void (*wamp_post_cb)(wamp_loop *loop, void *user);
/*
 * Runs fn(loop, user) on the loop thread, in a later turn. THREAD-SAFE: this is the one way in
 * from other threads. Functions posted from one thread run in the order posted. A posted
 * function that has not run when the loop is freed is dropped (never called).
 * Returns WAMP_OK, WAMP_EINVAL (NULL fn) or WAMP_ENOMEM.
 */
WAMP_API int wamp_loop_post(wamp_loop *loop, wamp_post_cb fn, void *user);

/* ---------------------------------------------------------------- timers */

typedef struct wamp_timer wamp_timer;
typedef void (*wamp_timer_cb)(wamp_timer *timer, void *user);

/* Creates a stopped timer. Returns WAMP_OK, WAMP_EINVAL or WAMP_ENOMEM. */
WAMP_API int wamp_timer_new(wamp_loop *loop, wamp_timer_cb cb, void *user, wamp_timer **out);
/* (Re)arms the timer: first call after timeout_ms, then every repeat_ms (0 = once). */
WAMP_API int wamp_timer_start(wamp_timer *timer, uint64_t timeout_ms, uint64_t repeat_ms);
/* Disarms the timer; no callback runs until it is started again. */
WAMP_API void wamp_timer_stop(wamp_timer *timer);
/* Stops and frees the timer (see lifetime rules above). */
WAMP_API void wamp_timer_free(wamp_timer *timer);

/* ---------------------------------------------------------------- loop hooks */

/*
 * The hook table a sans-I/O core (or its driver) needs from an event loop, in the manner of
 * hiredis' adapters. A user with another loop (epoll, a GUI loop, a language runtime) fills one
 * table; libwamp never assumes libuv beyond wamp_loop_hooks_default().
 *
 * Every handle returned through an out-parameter is opaque to libwamp and given back to the
 * same table. The callbacks given to the table must be called on the loop thread only.
 */
enum {
    WAMP_IO_READ = 1,  /* descriptor readable (or EOF/error) */
    WAMP_IO_WRITE = 2, /* descriptor writable */
};
typedef void (*wamp_io_cb)(int fd, unsigned events, void *user);
typedef void (*wamp_hook_timer_cb)(void *user);
typedef void (*wamp_hook_post_cb)(void *user);

typedef struct wamp_loop_hooks {
    void *ctx; /* first argument of every hook */
    /* Starts watching fd for the WAMP_IO_* events in mask; cb(fd, events, user) reports ready
     * events. Returns 0 and sets *watch, or a negative wamp_err. */
    int (*io_start)(void *ctx, int fd, unsigned mask, wamp_io_cb cb, void *user, void **watch);
    /* Changes the mask of an existing watch (0 = pause watching). */
    int (*io_update)(void *ctx, void *watch, unsigned mask);
    /* Stops watching and releases the watch; no cb runs after this returns. Does not close fd. */
    void (*io_stop)(void *ctx, void *watch);
    /* Arms a one-shot timer of ms milliseconds; returns 0 and sets *timer. */
    int (*timer_arm)(void *ctx, uint64_t ms, wamp_hook_timer_cb cb, void *user, void **timer);
    /* Disarms and releases a timer (armed or already fired); no cb runs after this returns. */
    void (*timer_disarm)(void *ctx, void *timer);
    /* Runs cb(user) on the loop thread in a later turn; callable from any thread. */
    int (*post)(void *ctx, wamp_hook_post_cb cb, void *user);
    /* Monotonic time in milliseconds. */
    uint64_t (*now_ms)(void *ctx);
} wamp_loop_hooks;

/* Fills *hooks with the libuv adapter bound to loop. Handles made through it must be released
 * (io_stop / timer_disarm) before the loop is freed. */
WAMP_API void wamp_loop_hooks_default(wamp_loop *loop, wamp_loop_hooks *hooks);

/* ---------------------------------------------------------------- TLS options */

typedef enum wamp_tls_verify_client {
    WAMP_TLS_CLIENT_CERT_NONE = 0,     /* server: do not ask for a client certificate */
    WAMP_TLS_CLIENT_CERT_OPTIONAL = 1, /* server: ask; verify it if one is sent */
    WAMP_TLS_CLIENT_CERT_REQUIRED = 2, /* server: ask and refuse clients without a valid one */
} wamp_tls_verify_client;

typedef enum wamp_tls_version {
    WAMP_TLS_DEFAULT = 0, /* library default: minimum TLS 1.2, maximum TLS 1.3 */
    WAMP_TLS_1_2 = 12,
    WAMP_TLS_1_3 = 13,
} wamp_tls_version;

/*
 * TLS settings. {0} is valid for a client (verify the server against the system CA store and
 * the host name connected to). A server needs cert_file and key_file.
 */
typedef struct wamp_tls_options {
    const char *ca_file; /* PEM file of trusted CAs (client: for the server; server: for clients) */
    const char *ca_dir;  /* directory of hashed CA certificates (c_rehash layout) */
    const char *cert_file; /* PEM certificate chain (server cert; or client cert) */
    const char *key_file;  /* PEM private key of cert_file */
    /* Client: name for SNI and certificate verification; NULL = the host connected to.
     * An IP literal is checked against the certificate's IP SANs and sends no SNI. */
    const char *server_name;
    bool insecure_skip_verify;            /* client: accept any server certificate (tests only) */
    wamp_tls_verify_client verify_client; /* server */
    wamp_tls_version min_version;         /* 0 = TLS 1.2 */
    wamp_tls_version max_version;         /* 0 = TLS 1.3 */
    const char *ciphers;                  /* OpenSSL cipher list for TLS <= 1.2; NULL = default */
} wamp_tls_options;

/* ---------------------------------------------------------------- streams */

typedef struct wamp_stream wamp_stream;
typedef struct wamp_stream_server wamp_stream_server;

/*
 * Stream options. {0} means defaults (given in brackets).
 *
 * Write queue and backpressure: written bytes are queued and flushed once per loop turn as one
 * vectored write. The queue counts bytes not yet accepted by the kernel. When it exceeds
 * write_high_water the stream (see pause_read_on_backpressure) stops reading from the peer (so an
 * echoing or forwarding peer cannot make us buffer without bound); when it falls to write_low_water
 * or below, reading resumes and on_drain runs. A write that would take the queue above write_limit
 * fails with WAMP_ELIMIT and queues nothing (counted in wamp_stream_stats.writes_refused).
 */
typedef struct wamp_stream_options {
    uint32_t connect_timeout_ms;   /* resolve + TCP/Unix connect [10000] */
    uint32_t handshake_timeout_ms; /* TLS handshake [10000]; also used by the framing layer */
    uint32_t close_timeout_ms;     /* graceful close: flush + TLS close_notify [5000] */
    size_t write_high_water;       /* [1 MiB] */
    size_t write_low_water;        /* [write_high_water / 4] */
    size_t write_limit;            /* hard cap of the write queue [64 MiB] */
    /* Pause reading while the write queue is above the high-water mark: 1 = yes, -1 = no,
     * 0 = default (yes for accepted streams, where reading produces the writes of an echoing
     * or forwarding server; no for connected streams, since a client writing more than the
     * high-water mark to such a server would otherwise deadlock with it). */
    int pause_read_on_backpressure;
    bool no_tcp_nodelay;         /* keep Nagle on (default: TCP_NODELAY set) */
    bool ipv6_only;              /* server on "::": do not accept IPv4-mapped peers */
    const wamp_tls_options *tls; /* NULL = plain; copied at connect/listen time */
} wamp_stream_options;

/*
 * Stream callbacks. Every pointer may be NULL.
 *   on_read:  data arrived (plaintext for TLS); data is borrowed until the callback returns.
 *   on_drain: the write queue fell to the low-water mark after having exceeded the high-water
 *             mark (reading has resumed unless paused by wamp_stream_read_stop()).
 *   on_close: the stream is closed; runs exactly once per opened stream (also after
 *             wamp_stream_close()), never after wamp_stream_free(). status: WAMP_OK after a
 *             local graceful close, WAMP_EPEERCLOSED when the peer closed, WAMP_ECONNRESET,
 *             WAMP_ETLS, WAMP_ETIMEOUT (close_timeout elapsed) or WAMP_EIO. The stream memory
 *             is released when on_close returns; do not use the pointer afterwards.
 */
typedef struct wamp_stream_callbacks {
    void (*on_read)(wamp_stream *s, const uint8_t *data, size_t len, void *user);
    void (*on_drain)(wamp_stream *s, void *user);
    void (*on_close)(wamp_stream *s, int status, void *user);
} wamp_stream_callbacks;

/*
 * Connect callback. status WAMP_OK: s is open (TLS handshake done); set callbacks with
 * wamp_stream_set_callbacks() (reading starts when this callback returns). On failure
 * (WAMP_ERESOLVE, WAMP_ECONNREFUSED, WAMP_ETIMEOUT, WAMP_ETLS, WAMP_ECERT, WAMP_EIO,
 * WAMP_EPEERCLOSED) s is released when the callback returns and on_close never runs.
 */
typedef void (*wamp_stream_connect_cb)(wamp_stream *s, int status, void *user);

/*
 * Connects over TCP to host:port (host: name, IPv4 or IPv6 literal; names are resolved with
 * the loop's resolver and every address is tried in order). With opts->tls, TLS runs over it.
 * *out (may be NULL) receives the stream at once, so that the attempt can be cancelled with
 * wamp_stream_free() (no callback then). The callback always runs later, never inside this call.
 * Returns WAMP_OK or WAMP_EINVAL / WAMP_ENOMEM / WAMP_ETLS (bad TLS options: files unreadable).
 */
WAMP_API int wamp_stream_connect_tcp(wamp_loop *loop, const char *host, uint16_t port,
                                     const wamp_stream_options *opts, wamp_stream_connect_cb cb,
                                     void *user, wamp_stream **out);
/* Same over a Unix domain socket at path. */
WAMP_API int wamp_stream_connect_unix(wamp_loop *loop, const char *path,
                                      const wamp_stream_options *opts, wamp_stream_connect_cb cb,
                                      void *user, wamp_stream **out);

/* Sets (replaces) the callbacks and user pointer of a stream. */
WAMP_API void wamp_stream_set_callbacks(wamp_stream *s, const wamp_stream_callbacks *cbs,
                                        void *user);

/* One piece of a vectored write. */
typedef struct wamp_iovec {
    const void *base;
    size_t len;
} wamp_iovec;

/*
 * Queues bytes for writing; they are copied (the caller keeps its buffers). Bytes queued in
 * one loop turn go out together in one vectored write at the end of the turn.
 * Returns WAMP_OK, WAMP_ELIMIT (queue full, nothing queued), WAMP_ECLOSED (closing or closed),
 * WAMP_ENOMEM.
 */
WAMP_API int wamp_stream_write(wamp_stream *s, const void *data, size_t len);
WAMP_API int wamp_stream_writev(wamp_stream *s, const wamp_iovec *iov, size_t n);
/*
 * Reserves len bytes at the end of the write queue and sets *out to them; the caller fills
 * them in place (no copy) before the current loop turn ends (they are flushed with the rest of
 * the turn's writes, in order: later writes follow them). Counted like a write of len bytes
 * (limits, backpressure, stats). Returns WAMP_OK, WAMP_EINVAL (len 0 or NULL out),
 * WAMP_ELIMIT, WAMP_ECLOSED, WAMP_ENOMEM; *out is NULL on failure.
 */
WAMP_API int wamp_stream_write_buffer(wamp_stream *s, size_t len, uint8_t **out);

/* Stops / restarts delivering on_read (application-level flow control). Counted separately
 * from the automatic backpressure pause: reading runs only when neither holds it. */
WAMP_API void wamp_stream_read_stop(wamp_stream *s);
WAMP_API void wamp_stream_read_start(wamp_stream *s);

/*
 * Starts a graceful close: stop reading, flush the write queue, TLS close_notify, shutdown,
 * close. on_close runs exactly once afterwards (in a later turn). Idempotent.
 */
WAMP_API void wamp_stream_close(wamp_stream *s);
/* Aborts the stream at once: queued bytes are dropped, no callback runs again (see top). */
WAMP_API void wamp_stream_free(wamp_stream *s);

/* Counters of one stream. */
typedef struct wamp_stream_stats {
    uint64_t bytes_read;          /* plaintext bytes delivered to on_read */
    uint64_t bytes_written;       /* plaintext bytes accepted by wamp_stream_write[v] */
    uint64_t writes;              /* vectored writes issued to the kernel */
    size_t write_queued;          /* bytes queued, not yet accepted by the kernel (after TLS) */
    size_t write_queued_peak;     /* highest write_queued seen */
    uint64_t writes_refused;      /* writes refused with WAMP_ELIMIT */
    uint64_t backpressure_pauses; /* times the queue crossed write_high_water (reading paused
                                   * then, if pause_read_on_backpressure applies) */
    bool read_paused;             /* reading currently paused (backpressure or read_stop) */
    uint64_t bytes_sent;          /* bytes the kernel accepted (ciphertext for TLS); grows during
                                   * a big write too, so it shows whether output drains */
} wamp_stream_stats;
WAMP_API void wamp_stream_get_stats(const wamp_stream *s, wamp_stream_stats *out);

/* Kind of the underlying channel. */
typedef enum wamp_stream_kind {
    WAMP_STREAM_TCP = 1,
    WAMP_STREAM_UNIX = 2,
} wamp_stream_kind;

/*
 * What is known about a stream. Strings point into the stream and live as long as it does.
 * Addresses use Autobahn's peer notation: "tcp4:127.0.0.1:8080", "tcp6:::1:8080", "unix:/path".
 *
 * channel_id_tls_unique: SHA-256 of the tls-unique channel binding exactly as Autobahn|Python
 * computes its TransportDetails.channel_id["tls-unique"]: the first Finished message of the
 * handshake (a client's own Finished = SSL_get_finished on the client, SSL_get_peer_finished
 * on the server; on a resumed session the server's Finished), hashed with SHA-256. As with
 * Python's ssl module (which Autobahn uses), this is also computed under TLS 1.3, where RFC 9266
 * deprecates tls-unique; prefer channel_id_tls_exporter there.
 * channel_id_tls_exporter: RFC 9266 tls-exporter, 32 bytes of SSL_export_keying_material with
 * label "EXPORTER-Channel-Binding" and an empty context.
 */
typedef struct wamp_stream_info {
    wamp_stream_kind kind;
    bool is_server; /* accepted by a server (versus connected) */
    bool is_secure; /* TLS */
    int fd;         /* OS descriptor, -1 if none */
    const char *local;
    const char *peer;
    /* TLS only (else NULL / false) */
    const char *tls_version; /* "TLSv1.3" */
    const char *tls_cipher;  /* "TLS_AES_256_GCM_SHA384" */
    const char *server_name; /* SNI sent (client) or received (server) */
    bool session_reused;
    bool has_channel_id;
    uint8_t channel_id_tls_unique[32];
    uint8_t channel_id_tls_exporter[32];
    /* peer certificate (server cert on a client; client cert on a server, if sent) */
    bool has_peer_cert;
    const char *peer_cert_subject; /* RFC 2253 "CN=localhost,O=Example" */
    const char *peer_cert_issuer;
    const char *peer_cert_serial;     /* hex */
    const char *peer_cert_sha256;     /* "AB:CD:...", as pyOpenSSL's digest() */
    const char *peer_cert_not_before; /* "YYYYMMDDHHMMSSZ" */
    const char *peer_cert_not_after;
    const uint8_t *peer_cert_der;
    size_t peer_cert_der_len;
} wamp_stream_info;
WAMP_API void wamp_stream_get_info(const wamp_stream *s, wamp_stream_info *out);

/* The loop a stream runs on. */
WAMP_API wamp_loop *wamp_stream_loop(const wamp_stream *s);

/*
 * Accept callback: s is an open stream (TLS handshake done, with handshake_timeout applying).
 * The callback owns it: set callbacks (reading starts when it returns) or wamp_stream_close()
 * / wamp_stream_free() it. Connections whose TLS handshake fails never reach the callback; they
 * are counted in wamp_stream_server_stats.
 */
typedef void (*wamp_stream_accept_cb)(wamp_stream_server *srv, wamp_stream *s, void *user);

/*
 * Listens on host:port (host: IPv4/IPv6 literal or name, resolved synchronously; NULL or "" =
 * "0.0.0.0"; port 0 = an ephemeral port, see wamp_stream_server_port()). opts apply to every
 * accepted stream; opts->tls needs cert_file and key_file. Returns WAMP_OK, WAMP_EINVAL,
 * WAMP_ERESOLVE, WAMP_ETLS (certificate/key unusable), WAMP_EIO (bind/listen failed), WAMP_ENOMEM.
 */
WAMP_API int wamp_stream_listen_tcp(wamp_loop *loop, const char *host, uint16_t port,
                                    const wamp_stream_options *opts, wamp_stream_accept_cb cb,
                                    void *user, wamp_stream_server **out);
/* Listens on a Unix socket at path (an existing socket file there is replaced; the file is
 * removed when the server is freed). */
WAMP_API int wamp_stream_listen_unix(wamp_loop *loop, const char *path,
                                     const wamp_stream_options *opts, wamp_stream_accept_cb cb,
                                     void *user, wamp_stream_server **out);
/* The bound TCP port (useful after port 0); 0 for Unix servers. */
WAMP_API uint16_t wamp_stream_server_port(const wamp_stream_server *srv);

typedef struct wamp_stream_server_stats {
    uint64_t accepted;         /* connections accepted by the OS */
    uint64_t delivered;        /* handed to the accept callback */
    uint64_t handshake_failed; /* TLS handshake failed or timed out */
} wamp_stream_server_stats;
WAMP_API void wamp_stream_server_get_stats(const wamp_stream_server *srv,
                                           wamp_stream_server_stats *out);
/* Stops listening and frees the server. Streams already delivered are not affected; streams
 * still in their TLS handshake are aborted. */
WAMP_API void wamp_stream_server_free(wamp_stream_server *srv);

/* ---------------------------------------------------------------- WAMP transports */

/*
 * A wamp_transport is one WAMP transport connection: a stream (TCP, Unix, optionally TLS)
 * running a RawSocket or WebSocket framer (see transport.h), delivering whole WAMP messages.
 * It is made by wamp_transport_connect() (client) or by a wamp_listener (server), and handed
 * to the application only once the framing handshake is complete (OPEN).
 *
 * Lifetime: the application owns an OPEN transport. wamp_transport_close() starts a graceful
 * close (WebSocket closing handshake, flush, TLS close_notify, TCP shutdown); on_close then
 * runs exactly once and the transport is freed when it returns. wamp_transport_free() drops
 * it at once with no further callback (allowed inside any of its callbacks).
 */
typedef struct wamp_transport wamp_transport;
typedef struct wamp_listener wamp_listener;

/*
 * Callbacks of an OPEN transport; each may be NULL.
 *   on_message: one whole serialized WAMP message (or batch, for a batched serializer) in the
 *     negotiated serializer; data is borrowed until the callback returns.
 *   on_drain: the stream write queue fell to its low-water mark after exceeding the high one.
 *   on_close: the transport is closed; runs exactly once (never after wamp_transport_free()).
 *     status: WAMP_OK (clean close, either side asked), WAMP_EPEERCLOSED (the stream ended
 *     without a closing handshake), WAMP_ETIMEOUT (no pong within the ping timeout, or the
 *     closing handshake timed out), WAMP_EFRAME / WAMP_EUTF8 / WAMP_ETOOBIG (the peer broke
 *     the framing), WAMP_ECONNRESET, WAMP_ETLS, WAMP_EIO. code/reason: the WebSocket close
 *     code and reason (see wamp_framer_cbs.on_close; 1000 for RawSocket), reason borrowed.
 */
typedef struct wamp_transport_callbacks {
    void (*on_message)(wamp_transport *t, const uint8_t *data, size_t len, void *user);
    void (*on_drain)(wamp_transport *t, void *user);
    void (*on_close)(wamp_transport *t, int status, int code, const char *reason, void *user);
} wamp_transport_callbacks;

/*
 * Transport options; {0} means defaults.
 *   stream: timeouts (handshake_timeout_ms also bounds the framing handshake), buffer limits,
 *     TLS (used by wss:// and rss:// and by a listener with TLS).
 *   websocket: client — protocols, origin, headers, deflate, fragment_size, max_message_size
 *     (host and resource come from the URL); server — accepted protocols, deflate, limits.
 *   rawsocket: max_message_size, serializer (client) / serializers (server).
 *   ping_interval_ms: send a WebSocket or RawSocket PING every interval while OPEN (0 = none);
 *   ping_timeout_ms: the PONG must arrive within this, else the transport is dropped with
 *     WAMP_ETIMEOUT [ping_interval_ms]. The wait is extended while bytes keep arriving or our
 *     own output is draining (the kernel accepts bytes: the PONG may be queued behind a big
 *     message); output that is queued but does not move (a peer that stopped reading) does
 *     not extend it, so such a peer is dropped after ping_timeout_ms too.
 *   close_timeout_ms: how long to wait for the peer's WebSocket Close [5000].
 */
typedef struct wamp_transport_options {
    wamp_stream_options stream;
    wamp_websocket_options websocket;
    wamp_rawsocket_options rawsocket;
    uint32_t ping_interval_ms;
    uint32_t ping_timeout_ms;
    uint32_t close_timeout_ms;
} wamp_transport_options;

/*
 * Connect callback: status WAMP_OK — t is OPEN; set its callbacks now (messages are delivered
 * from the next turn). On failure (WAMP_EURL never comes here; WAMP_ERESOLVE,
 * WAMP_ECONNREFUSED, WAMP_ETIMEOUT, WAMP_ETLS, WAMP_ECERT, WAMP_EHANDSHAKE, WAMP_EPEERCLOSED,
 * WAMP_EIO) t is freed when the callback returns.
 */
typedef void (*wamp_transport_connect_cb)(wamp_transport *t, int status, void *user);

/*
 * Connects to a transport URL: ws://host[:port]/path, wss://..., rs://host[:port], rss://...,
 * ws://unix:/path/to.sock, rs://unix:/path/to.sock (see wamp_url_parse()). opts may be NULL;
 * it is copied (strings included) before the call returns. *out (may be NULL) gets the
 * transport at once so the attempt can be cancelled with wamp_transport_free(). cb always
 * runs later, never inside this call.
 * Returns WAMP_OK, WAMP_EURL, WAMP_EINVAL (bad options), WAMP_ETLS (TLS files), WAMP_ENOMEM.
 */
WAMP_API int wamp_transport_connect(wamp_loop *loop, const char *url,
                                    const wamp_transport_options *opts,
                                    wamp_transport_connect_cb cb, void *user, wamp_transport **out);

/* Sets the callbacks and user pointer of a transport. */
WAMP_API void wamp_transport_set_callbacks(wamp_transport *t, const wamp_transport_callbacks *cbs,
                                           void *user);
/*
 * Sends one serialized WAMP message (copied). Returns WAMP_OK; WAMP_ECLOSED (closing or
 * closed); WAMP_ETOOBIG (larger than the peer accepts); WAMP_ELIMIT (the stream write queue
 * is at its write_limit: nothing was sent; wait for on_drain); WAMP_ENOMEM.
 */
WAMP_API int wamp_transport_send(wamp_transport *t, const uint8_t *data, size_t len);
/* Graceful close with a WebSocket close code (0 = 1000) and reason (NULL = none); on_close
 * follows. Idempotent. Returns WAMP_OK or WAMP_EINVAL (code/reason not sendable). */
WAMP_API int wamp_transport_close(wamp_transport *t, int code, const char *reason);
/* Drops the transport at once: no callback runs again. NULL is a no-op. */
WAMP_API void wamp_transport_free(wamp_transport *t);

/*
 * Read-side flow control. wamp_transport_read_stop() stops delivering on_message (legal inside
 * on_message): the stream stops reading, so unread bytes stay in the kernel and TCP pushes back
 * on the peer (its sends eventually fail with WAMP_ELIMIT or wait for on_drain). Input buffered
 * meanwhile is bounded: the messages that had already completed in the read during which
 * reading stopped are held (at most one read buffer of 256 KiB plus one message of at most
 * max_message_size; see wamp_transport_held_input()), and a partly received message waits in
 * the framer (bounded by max_message_size). While reading is stopped the pong timeout does
 * not run (a PONG could not be read). wamp_transport_read_start() resumes: held messages are
 * delivered first, from a later loop turn (never inside the call), then reading restarts.
 * Held messages are dropped if the transport closes first. read_start returns WAMP_OK,
 * WAMP_EINVAL (NULL) or WAMP_ENOMEM.
 */
WAMP_API void wamp_transport_read_stop(wamp_transport *t);
WAMP_API int wamp_transport_read_start(wamp_transport *t);
/* Bytes of messages held while reading is stopped (not yet delivered). */
WAMP_API size_t wamp_transport_held_input(const wamp_transport *t);

/* Negotiated serializer, batching and framing. */
WAMP_API wamp_serializer_id wamp_transport_serializer(const wamp_transport *t);
WAMP_API bool wamp_transport_batched(const wamp_transport *t);
WAMP_API wamp_channel_framing wamp_transport_framing(const wamp_transport *t);
/* The underlying stream and framer (borrowed; for info, stats; do not free or drive them). */
WAMP_API wamp_stream *wamp_transport_stream(const wamp_transport *t);
WAMP_API wamp_framer *wamp_transport_framer(const wamp_transport *t);
/*
 * Fills Autobahn's TransportDetails: framer fields (framing, serializer, WebSocket protocol,
 * extensions, HTTP heads) and runtime fields: channel_type (tcp, or tls), own/peer address
 * strings, own_pid, own_tid, own_fd, is_server, is_secure, channel_id["tls-unique"] (32 bytes,
 * see wamp_stream_info) and peer_cert (a dict like Autobahn's: subject, issuer, serial,
 * sha256, not_before, not_after). Pointers in *d live as long as t.
 */
WAMP_API void wamp_transport_get_details(wamp_transport *t, wamp_transport_details *d);

/*
 * Listener options; {0} listens on 127.0.0.1, an ephemeral port, WebSocket and RawSocket.
 * The first byte a client sends picks the framing (0x7F: RawSocket, else WebSocket; see
 * wamp_framing_sniff()); a framing switched off by no_websocket / no_rawsocket is refused
 * by closing the connection.
 */
typedef struct wamp_listener_options {
    const char *host;      /* NULL = "127.0.0.1"; "::" or "0.0.0.0" for all interfaces */
    uint16_t port;         /* 0 = ephemeral (see wamp_listener_port()) */
    const char *unix_path; /* listen on a Unix socket instead of TCP */
    bool no_websocket;
    bool no_rawsocket;
    /* At most this many OPEN transports from this listener at a time (0 = no limit). A client
     * beyond it is refused in the framing handshake: RawSocket with handshake error 4
     * (WAMP_RAWSOCKET_ERR_MAX_CONNECTIONS, "maximum connection count reached"), WebSocket
     * with HTTP 503; counted in wamp_listener_stats.refused_max_connections. Transports the
     * application still holds count until they close, also after wamp_listener_free(). */
    size_t max_connections;
    /* WebSocket request paths served ("/ws"), a NULL-terminated array; a WebSocket opening
     * handshake for any other path (compared exactly, query excluded) is refused with HTTP 404.
     * NULL: every path is served. Borrowed: the array and its strings must outlive the
     * listener. The accepted transport's details carry the request (http_headers_received). */
    const char *const *websocket_paths;
    wamp_transport_options transport; /* transport.stream.tls: serve TLS */
} wamp_listener_options;

/* Accept callback: t is OPEN (framing handshake done); the callback owns it (see above). */
typedef void (*wamp_listener_accept_cb)(wamp_listener *l, wamp_transport *t, void *user);

/*
 * Creates a listener and starts listening. opts may be NULL; it is copied. Returns WAMP_OK
 * (*out set; free with wamp_listener_free()), WAMP_EINVAL, WAMP_ERESOLVE, WAMP_ETLS, WAMP_EIO
 * (bind/listen failed: address in use, ...), WAMP_ENOMEM.
 */
WAMP_API int wamp_listener_new(wamp_loop *loop, const wamp_listener_options *opts,
                               wamp_listener_accept_cb cb, void *user, wamp_listener **out);
/* The bound TCP port (0 for a Unix listener). */
WAMP_API uint16_t wamp_listener_port(const wamp_listener *l);

typedef struct wamp_listener_stats {
    uint64_t connections; /* streams accepted (after TLS) */
    uint64_t websocket;   /* delivered transports by framing */
    uint64_t rawsocket;
    uint64_t failed;                  /* framing handshake failed, timed out or refused */
    uint64_t refused_max_connections; /* refused at max_connections (also counted in failed) */
} wamp_listener_stats;
WAMP_API void wamp_listener_get_stats(const wamp_listener *l, wamp_listener_stats *out);
/* Stops listening and frees the listener; connections still in their handshake are dropped,
 * delivered transports live on. NULL is a no-op. */
WAMP_API void wamp_listener_free(wamp_listener *l);

#ifdef __cplusplus
}
#endif
#endif
