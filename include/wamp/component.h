/*
 * libwamp — components (Autobahn's autobahn.wamp.component): a client that keeps a session
 * alive over one of several transports.
 *
 * A component is given a list of transports (URL, transport options, serializer, retry
 * settings), a realm and join options. wamp_component_start() connects to the first transport;
 * whenever the connection fails or is lost (and the component was not stopped) it waits a
 * retry delay and connects again, cycling through the transports that still have retries left
 * (Autobahn's order: the next transport in the list that can reconnect). Each connection
 * re-joins the realm and re-subscribes / re-registers every handler of the component's table
 * (wamp_component_subscribe() / wamp_component_register()), then calls on_ready.
 *
 * Retry delays (per transport, as in Autobahn's _Transport):
 *   - the first attempt on a transport (since it last joined) is made at once (delay 0);
 *   - each later attempt first grows the transport's delay d (starting at initial) by
 *       d = d * growth;  d = d + d * jitter * (2u - 1)  (u from the random source, [0,1));
 *       d = min(d, max), d = max(d, 0)
 *     and waits d ms. (Autobahn draws the jitter from a normal distribution with standard
 *     deviation d * jitter; this one is uniform in [-d * jitter, +d * jitter), bounded.)
 *   - a transport can be tried while max_retries == -1 or its attempts <= max_retries (so a
 *     transport is tried 1 + max_retries times); when no transport can be tried any more the
 *     component calls on_exhausted and ends (on_done(WAMP_ETRANSPORTLOST)).
 *   - joining resets that transport's attempts and delay.
 * on_retry is called for every connection attempt except the first one after
 * wamp_component_start(), with the transport, the consecutive failure count and the delay.
 *
 * Threads: a component belongs to its loop's thread (see net.h: wamp_loop_post()).
 * Memory: strings and values given in the configuration are copied, except the pointers
 * inside wamp_transport_options and the authenticator (borrowed until wamp_component_free()).
 */
#ifndef WAMP_COMPONENT_H
#define WAMP_COMPONENT_H

#include "client.h"
#include "common.h"
#include "net.h"
#include "session.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wamp_component wamp_component;

/* Retry settings of one transport (Autobahn's names; delays in milliseconds). */
typedef struct wamp_component_retry {
    double initial_retry_delay_ms; /* Autobahn: 1.5 s */
    double max_retry_delay_ms;     /* Autobahn: 300 s */
    double retry_delay_growth;     /* Autobahn: 1.5 */
    double retry_delay_jitter;     /* Autobahn: 0.1 (a fraction of the delay) */
    int max_retries;               /* -1: unlimited (Autobahn's default); 0: one attempt */
} wamp_component_retry;

/* Fills *r with Autobahn's defaults (1500 ms, 300000 ms, 1.5, 0.1, -1). */
WAMP_API void wamp_component_retry_defaults(wamp_component_retry *r);

/* One transport. */
typedef struct wamp_component_transport {
    const char *url;                       /* ws://, wss://, rs://, rss://, unix forms; copied */
    const wamp_transport_options *options; /* NULL: defaults; the struct is copied, the
                                              pointers in it are borrowed */
    /* Serializer name as in wamp_serializer_by_name() ("json", "msgpack", "cbor.batched",
     * ...). For ws/wss it sets the one WebSocket subprotocol offered (overriding
     * options->websocket.protocols), for rs/rss the RawSocket serializer (batched variants
     * are not possible there: WAMP_EINVAL). NULL: the transport's default. Copied. */
    const char *serializer;
    const wamp_component_retry *retry; /* NULL: wamp_component_retry_defaults() */
} wamp_component_transport;

/* What on_retry reports. */
typedef struct wamp_component_retry_info {
    size_t transport;           /* index into the configured transports */
    unsigned attempt;           /* consecutive failed connections so far (1 for the first retry) */
    unsigned transport_attempt; /* attempts on this transport since it last joined, this one
                                   excluded */
    uint64_t delay_ms; /* the delay before this attempt (rounded down from the computed d) */
} wamp_component_retry_info;

/*
 * Callbacks (all optional). user is the configuration's user pointer.
 *   on_challenge: as in wamp_session_callbacks (NULL: the join's authenticator answers).
 *   on_join:      a session joined (each connection).
 *   on_ready:     after on_join, every handler of the table has been re-subscribed /
 *                 re-registered (each answered; failures go to on_user_error).
 *   on_leave:     the session ended (each connection).
 *   on_disconnect: a connection ended or an attempt failed; status is why (client.h's
 *                 wamp_client_last_error()).
 *   on_retry:     a new connection attempt is scheduled after info->delay_ms.
 *   on_exhausted: no transport has retries left; on_done(WAMP_ETRANSPORTLOST) follows.
 *   on_done:      the component ended, once per wamp_component_start(): WAMP_OK after
 *                 wamp_component_stop(), WAMP_ETRANSPORTLOST when retries are exhausted.
 *                 The component may be freed or started again from inside.
 *   on_user_error: a non-fatal problem (a re-subscribe refused, a session user error).
 */
typedef struct wamp_component_callbacks {
    int (*on_challenge)(void *user, wamp_session *s, const wamp_challenge *c, wamp_arena *a,
                        wamp_value *signature, wamp_value *extra);
    void (*on_join)(void *user, wamp_component *c, wamp_session *s, const wamp_session_details *d);
    void (*on_ready)(void *user, wamp_component *c, wamp_session *s);
    void (*on_leave)(void *user, wamp_component *c, wamp_session *s, const wamp_close_details *d);
    void (*on_disconnect)(void *user, wamp_component *c, size_t transport, int status);
    void (*on_retry)(void *user, wamp_component *c, const wamp_component_retry_info *info);
    void (*on_exhausted)(void *user, wamp_component *c);
    void (*on_done)(void *user, wamp_component *c, int status);
    void (*on_user_error)(void *user, wamp_component *c, int code, const char *text);
} wamp_component_callbacks;

typedef struct wamp_component_config {
    const wamp_component_transport *transports; /* at least one; copied */
    size_t transport_count;
    const char *realm;        /* required; copied */
    wamp_authenticator *auth; /* borrowed until wamp_component_free(); NULL: anonymous */
    const char *authid;       /* HELLO overrides (see wamp_join_opts); copied */
    const char *authrole;
    const wamp_value *authextra; /* DICT; deep-copied */
    bool resumable;
    /* Random source for the jitter: returns a uniform double in [0,1). NULL: an internal
     * generator seeded from the time and the process id. */
    double (*random)(void *user);
    void *random_user;
    wamp_component_callbacks cb;
    void *user; /* Autobahn's ComponentConfig.extra: the application's data, given back to
                   every callback */
    /* Autobahn's ComponentConfig.keyring: a payload codec (e.g. a cryptobox key ring, see
     * cryptobox.h) set on the session for every connection (wamp_session_set_payload_codec();
     * the struct is copied, its user pointer borrowed until wamp_component_free()). NULL: none
     * (the application may still set one on wamp_component_session()). */
    const wamp_payload_codec *payload_codec;
    /* ComponentConfig.controller, .shared and .runner have no counterpart: there is no node
     * controller session in a client library, data shared between components is whatever
     * `user` points to, and the component itself is the runner (wamp_component_start()). */
} wamp_component_config;

/* Creates a stopped component on loop. Returns WAMP_OK, WAMP_EINVAL (no realm, no transport,
 * a transport without URL, unknown serializer, a batched serializer for RawSocket, growth or
 * delays negative, max_retries < -1), WAMP_EURL (a transport URL that does not parse),
 * WAMP_ENOMEM. */
WAMP_API int wamp_component_new(wamp_loop *loop, const wamp_component_config *cfg,
                                wamp_component **out);
/* Starts connecting (first transport, no delay). WAMP_OK or WAMP_ESTATE (already running). */
WAMP_API int wamp_component_start(wamp_component *c);
/*
 * Stops: no further retries. A joined session leaves (GOODBYE with reason NULL:
 * "wamp.close.normal"), a connection in progress is closed, a pending retry is canceled; then
 * on_done(WAMP_OK) runs (from the loop, never inside this call). WAMP_OK, WAMP_ESTATE when
 * not running.
 */
WAMP_API int wamp_component_stop(wamp_component *c, const char *reason);
/* True between wamp_component_start() and on_done. */
WAMP_API bool wamp_component_is_running(const wamp_component *c);
/* The session (always the same object; joined or not: check wamp_session_is_attached()).
 * Use it to call and publish. Owned by the component. */
WAMP_API wamp_session *wamp_component_session(wamp_component *c);
/* The index of the transport in use or last tried. */
WAMP_API size_t wamp_component_transport_index(const wamp_component *c);

/*
 * Adds an event handler to the component's table (topic and options copied). It is
 * subscribed now when a session is joined, and again on every later join. *handle (may be
 * NULL) receives the component handle (ev->handle carries it in the handler). Returns
 * WAMP_OK, WAMP_EINVAL, WAMP_EURI, WAMP_ENOMEM (a failing SUBSCRIBE on the wire is reported to
 * on_user_error and retried on the next join).
 */
WAMP_API int wamp_component_subscribe(wamp_component *c, const char *topic,
                                      const wamp_subscribe_opts *o, wamp_event_cb handler,
                                      void *user, wamp_id *handle);
/* Removes a handler from the table (unsubscribing when joined). WAMP_ENOTFOUND if unknown. */
WAMP_API int wamp_component_unsubscribe(wamp_component *c, wamp_id handle);
/* Adds a procedure to the table (as wamp_session_register(); the interrupt callback gets
 * user). inv->handle carries the component handle. Same returns as subscribe. */
WAMP_API int wamp_component_register(wamp_component *c, const char *procedure,
                                     const wamp_register_opts *o, wamp_invocation_cb handler,
                                     void *user, wamp_id *handle);
/* Removes a procedure from the table (unregistering when joined). WAMP_ENOTFOUND if unknown. */
WAMP_API int wamp_component_unregister(wamp_component *c, wamp_id handle);

/* Frees the component, its client and session at once (no callbacks but request
 * completions). Not inside the component's own callbacks except on_done. NULL: no-op. */
WAMP_API void wamp_component_free(wamp_component *c);

#ifdef __cplusplus
}
#endif
#endif
