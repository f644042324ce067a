/*
 * libwamp — the router core (broker + dealer), sans-I/O.
 *
 * A wamp_router holds realms. A runtime (src/net glue in tools/wampd, or a test) attaches one
 * wamp_router_session per transport connection, hands it every received transport payload with
 * wamp_router_session_receive(), and takes the session's outgoing payloads with
 * wamp_router_session_pop() whenever on_output tells it the queue became non-empty. When the
 * router wants the connection closed (after ABORT, after the GOODBYE handshake, on a protocol
 * violation or a queue overflow) it calls on_close once; the runtime then flushes what
 * wamp_router_session_pop() still returns, closes the transport, and finally calls
 * wamp_router_session_free() (which it must also call when the transport goes away first).
 *
 * Time: the core has no clock. wamp_router_tick(now_ms) sets the current time (monotonic
 * milliseconds, any origin) and expires call timeouts; call it periodically (the wampd runtime
 * ticks every 50 ms, so timeouts have that granularity).
 *
 * Fast path: received messages are decoded with raw_from, so Arguments/ArgumentsKw stay
 * WAMP_VALUE_RAW spans and are never decoded; an EVENT is encoded once per (subscription,
 * serializer) and the same bytes are queued to every receiver using that serializer.
 *
 * Outgoing queue: each session has a bounded queue (max_queue_bytes, max_queue_messages).
 * Overflow policy: the slow session is disconnected — its queue is dropped, on_close runs with
 * reason "queue overflow", and the router logs it (WAMP_LOG_WARN). Counters: see
 * wamp_router_session_stats (per session) and wamp_router_get_stats() (router-wide, one per
 * outcome).
 *
 * Not thread-safe: a router and its sessions belong to one thread.
 */
#ifndef WAMP_ROUTER_H
#define WAMP_ROUTER_H

#include "common.h"
#include "message.h"
#include "serializer.h"
#include "value.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wamp_router wamp_router;
typedef struct wamp_router_session wamp_router_session;

/* Log levels (also used by wampd's --log-level). */
typedef enum wamp_log_level {
    WAMP_LOG_ERROR = 0,
    WAMP_LOG_WARN = 1,
    WAMP_LOG_INFO = 2,
    WAMP_LOG_DEBUG = 3,
    WAMP_LOG_TRACE = 4
} wamp_log_level;

/*
 * Actions checked by the authorizer (CALL .. SUBSCRIBE, wamp_router_auth_hooks.authorize) and
 * by the disclosure hook (DISCLOSE_CALLER, DISCLOSE_PUBLISHER, wamp_router_auth_hooks.disclose;
 * never passed to authorize).
 */
typedef enum wamp_router_action {
    WAMP_ACTION_CALL = 0,
    WAMP_ACTION_REGISTER,
    WAMP_ACTION_PUBLISH,
    WAMP_ACTION_SUBSCRIBE,
    WAMP_ACTION_DISCLOSE_CALLER,
    WAMP_ACTION_DISCLOSE_PUBLISHER
} wamp_router_action;

/* What the router knows of a joined session (strings live as long as the session). */
typedef struct wamp_router_session_info {
    wamp_id session;
    const char *realm;
    const char *authid;
    const char *authrole;
    const char *authmethod;
    const char *authprovider;
} wamp_router_session_info;

/*
 * Authentication result given back by the authenticate hook (strings copied by the router).
 */
typedef struct wamp_router_auth_result {
    const char *authid;
    const char *authrole;
    const char *authmethod;
    const char *authprovider;
} wamp_router_auth_result;

/* Returned by the hello/authenticate hooks (decided later with
 * wamp_router_session_auth_complete()) and by authorize_async (decided later with
 * wamp_router_session_authorize_complete()). A positive value: never a libwamp error code,
 * and not authorize_async's 1 = allow. */
#define WAMP_ROUTER_AUTH_PENDING 2

/*
 * Authentication hook (optional). Called for every HELLO on a realm that exists.
 *   hello: the parsed HELLO (borrowed until return).
 *   Returns WAMP_OK and fills *res to welcome at once (anonymous-like), WAMP_EAGAIN to send a
 *   CHALLENGE: *challenge (a CHALLENGE message, strings/values borrowed until the next call into
 *   the hook or the session's end) is sent and later AUTHENTICATE goes to authenticate();
 *   WAMP_EAUTH / WAMP_EDENIED: ABORT with *abort_reason (a static URI string);
 *   WAMP_ROUTER_AUTH_PENDING: the decision comes later through
 *   wamp_router_session_auth_complete() (e.g. from a dynamic authenticator's result). While
 *   pending, any message from the client but ABORT is a protocol violation.
 * authenticate() returns the same codes except WAMP_EAGAIN (only one challenge round).
 * Without hooks every HELLO is welcomed with authmethod "anonymous", authrole "anonymous" and
 * a generated authid.
 */
typedef struct wamp_router_auth_hooks {
    int (*hello)(void *user, wamp_router_session *s, const wamp_message *hello,
                 wamp_router_auth_result *res, wamp_message *challenge, const char **abort_reason);
    int (*authenticate)(void *user, wamp_router_session *s, const wamp_message *authenticate,
                        wamp_router_auth_result *res, const char **abort_reason);
    /* The session is gone: release any per-session auth state. */
    void (*session_end)(void *user, wamp_router_session *s);
    /* Authorization: true to allow action (CALL, REGISTER, PUBLISH or SUBSCRIBE) on uri.
     * NULL hook: everything allowed. */
    bool (*authorize)(void *user, const wamp_router_session_info *who, wamp_router_action action,
                      wamp_str uri);
    /* Asynchronous authorization (optional; when set it decides CALL, REGISTER, PUBLISH and
     * SUBSCRIBE of joined sessions before authorize() would): returns 1 to allow, 0 to deny,
     * or WAMP_ROUTER_AUTH_PENDING to decide later with
     * wamp_router_session_authorize_complete(). options: the message's Options dict
     * (borrowed until return). While a decision is pending the session's later messages are
     * held in order (YIELD and ERROR excepted). Checks that cannot wait (a testament's topic)
     * go to authorize(), and are denied when it is NULL. */
    int (*authorize_async)(void *user, wamp_router_session *s, const wamp_router_session_info *who,
                           wamp_router_action action, wamp_str uri, const wamp_value *options);
    void *user;
    /* Disclosure (Crossbar.io's `disclose` permission, {"caller": bool, "publisher": bool}):
     * asked once per CALL (action WAMP_ACTION_DISCLOSE_CALLER, uri the procedure) and per
     * PUBLISH (WAMP_ACTION_DISCLOSE_PUBLISHER, uri the topic) that was allowed, with the
     * caller's / publisher's identity. Answer > 0: disclose that session (id, authid,
     * authrole) to the callee / the subscribers (and to event history and retained events);
     * 0: hide it; as in Crossbar.io such an answer alone decides (the disclose_me option and the
     * callee's disclose_caller are then not consulted). < 0: no policy for this uri, the
     * session is disclosed when it asked, as with a NULL hook (disclose_me, or for calls the
     * callee's disclose_caller). Shares `user`. */
    int (*disclose)(void *user, const wamp_router_session_info *who, wamp_router_action action,
                    wamp_str uri);
} wamp_router_auth_hooks;

typedef struct wamp_router_options {
    bool auto_create_realms;   /* a HELLO for an unknown (valid) realm creates it */
    size_t max_queue_bytes;    /* per-session outgoing queue [16 MiB] */
    size_t max_queue_messages; /* [65536] */
    /* Random 64-bit numbers for session and publication ids; NULL: OpenSSL RAND_bytes. */
    uint64_t (*random)(void *user);
    void *random_user;
    /* Log sink; NULL: no logging. msg is a NUL-terminated line without newline. */
    void (*log)(void *user, wamp_log_level level, const char *msg);
    void *log_user;
    wamp_log_level log_level; /* messages above this level are not formatted [WAMP_LOG_INFO] */
    wamp_router_auth_hooks auth;
    /* Wall-clock time in nanoseconds since the Unix epoch, for event history timestamps;
     * NULL: CLOCK_REALTIME. */
    uint64_t (*time_ns)(void *user);
    void *time_user;
    /* Per event history (wamp_router_add_event_history()): at most this many bytes of stored
     * events; the oldest are dropped first [64 MiB]. */
    size_t max_history_bytes;
} wamp_router_options;

/* Creates a router (no realm yet). opts may be NULL (copied). Returns WAMP_OK, WAMP_ENOMEM. */
WAMP_API int wamp_router_new(const wamp_router_options *opts, wamp_router **out);
/* Frees the router. All sessions must have been freed first (else WAMP_ESTATE, nothing freed). */
WAMP_API int wamp_router_free(wamp_router *r);
/* Adds a realm (name copied). WAMP_OK, WAMP_EEXIST, WAMP_EREALM (not a valid URI), WAMP_ENOMEM. */
WAMP_API int wamp_router_add_realm(wamp_router *r, const char *name);
/*
 * Event history (Crossbar.io's realm store "event-history" entries): the router keeps the last
 * `limit` events published to topics matching (uri, match) in realm `realm`, and serves them
 * through the meta procedure wamp.subscription.get_events(subscription_id[, limit]). The history
 * holds a subscription of its own (so it lives, with its id, while no session is subscribed);
 * sessions subscribing to the same (uri, match) get that subscription id. Events are stored
 * with their payload still encoded (as the publisher sent it); each stored event is returned as
 * a dict {time_ns, realm, session_id, authid, authrole, publication, topic, args, kwargs},
 * newest first. session_id/authid/authrole are null unless the publisher was disclosed (unlike
 * Crossbar.io, which always records them). A caller must be authorized to CALL
 * wamp.subscription.get_events and to SUBSCRIBE to the subscription's URI.
 *   limit: 1 .. 1,000,000 events (see also wamp_router_options.max_history_bytes).
 * Returns WAMP_OK, WAMP_EINVAL (bad argument, or match not exact/prefix/wildcard),
 * WAMP_ENOTFOUND (no such realm), WAMP_EURI (invalid pattern), WAMP_EEXIST (that pattern
 * already has a history) or WAMP_ENOMEM.
 */
WAMP_API int wamp_router_add_event_history(wamp_router *r, const char *realm, const char *uri,
                                           wamp_match match, size_t limit);
/* Sets the current time and expires call timeouts. */
WAMP_API void wamp_router_tick(wamp_router *r, uint64_t now_ms);
/* Sends GOODBYE (reason, e.g. WAMP_CLOSE_SYSTEM_SHUTDOWN) to every joined session and ABORT to
 * sessions still authenticating; their on_close follows when the peer answers (the runtime
 * should close anyway after a grace period). Returns the number of sessions told. */
WAMP_API size_t wamp_router_shutdown(wamp_router *r, const char *reason);
/*
 * Completes an auth hook that returned WAMP_ROUTER_AUTH_PENDING, as if the hook had returned
 * rc now: WAMP_OK welcomes with *res; WAMP_EAGAIN (HELLO stage only) sends *challenge (a
 * CHALLENGE message); any other code aborts with abort_reason (NULL:
 * wamp.error.authentication_failed). res, challenge and abort_reason are only read during the
 * call (NULL where unused). May be called from any router callback except the session's own
 * on_output/on_close. Returns WAMP_OK, WAMP_EINVAL, or WAMP_ESTATE (nothing pending: the
 * session closed or was already completed).
 */
WAMP_API int wamp_router_session_auth_complete(wamp_router_session *s, int rc,
                                               const wamp_router_auth_result *res,
                                               const wamp_message *challenge,
                                               const char *abort_reason);
/*
 * Completes an authorize_async() that returned WAMP_ROUTER_AUTH_PENDING: the held message is
 * handled as allowed or denied (denied: wamp.error.not_authorized, as for a static denial),
 * then the messages held after it. Same calling rules as wamp_router_session_auth_complete().
 * Returns WAMP_OK, WAMP_EINVAL or WAMP_ESTATE (nothing pending, or the session closed).
 */
WAMP_API int wamp_router_session_authorize_complete(wamp_router_session *s, bool allow);
/* The session id the session has, or, while authenticating, the id WELCOME will give it (what
 * the auth hooks can show to a dynamic authenticator); 0 before HELLO. */
WAMP_API wamp_id wamp_router_session_pending_id(const wamp_router_session *s);

/*
 * Result of an internal call (wamp_router_call), run exactly once:
 *   status WAMP_OK: YIELD received, args (list) and kwargs (dict) decoded;
 *   WAMP_EAPPLICATION: the callee answered ERROR error (URI), args/kwargs its payload;
 *   WAMP_ETIMEOUT: no answer within the timeout (the callee gets INTERRUPT);
 *   WAMP_ECANCELED: the callee left; WAMP_EPROTO / WAMP_EUNSUPPORTED / WAMP_ENOMEM: the answer
 *   could not be decoded (or used payload passthru). args/kwargs are NULL unless status is
 *   WAMP_OK or WAMP_EAPPLICATION; everything is borrowed until the callback returns.
 */
typedef void (*wamp_router_call_cb)(void *user, int status, const char *error,
                                    const wamp_value *args, const wamp_value *kwargs);

/*
 * Calls procedure on realm as the router itself (no caller session, no authorization): the
 * way router-side code (dynamic authenticators, authorizers) asks a trusted component. The
 * callee is picked as for a CALL (match and invocation policy). args (LIST) and kwargs (DICT)
 * may be NULL; they are encoded before the function returns. timeout_ms 0: none (timeouts are
 * checked by wamp_router_tick()). *handle (may be NULL) identifies the call for
 * wamp_router_call_cancel(). cb runs later, never from inside this function.
 * Returns WAMP_OK (cb will run), WAMP_EINVAL, WAMP_ENOTFOUND (no such realm or procedure),
 * WAMP_ELIMIT (every callee at its concurrency limit) or WAMP_ENOMEM (cb will not run).
 */
WAMP_API int wamp_router_call(wamp_router *r, const char *realm, const char *procedure,
                              const wamp_value *args, const wamp_value *kwargs, uint64_t timeout_ms,
                              wamp_router_call_cb cb, void *user, uint64_t *handle);
/* Abandons an internal call: its callback never runs, the callee gets INTERRUPT (killnowait)
 * if it supports cancellation. Unknown or finished handles are ignored. */
WAMP_API void wamp_router_call_cancel(wamp_router *r, uint64_t handle);

/* Number of attached sessions (joined or not). */
WAMP_API size_t wamp_router_session_count(const wamp_router *r);

/* Callbacks of a session; both required. */
typedef struct wamp_router_session_cbs {
    /* The outgoing queue became non-empty: pop until it is empty. */
    void (*on_output)(wamp_router_session *s, void *user);
    /* The router is done with the connection (reason: short text for logs). Runs once. */
    void (*on_close)(wamp_router_session *s, const char *reason, void *user);
} wamp_router_session_cbs;

/*
 * Attaches a new session speaking serializer ser: any descriptor of serializer.h, plain or
 * batched, FlatBuffers included (its args/kwargs arrive decoded and are encoded for other
 * receivers; EVENTs are encoded once per serializer, FlatBuffers too).
 * transport_info: optional text for logs (copied), e.g. "websocket tcp4:127.0.0.1:5555".
 * Returns WAMP_OK, WAMP_EINVAL, WAMP_EUNSUPPORTED or WAMP_ENOMEM.
 */
WAMP_API int wamp_router_session_new(wamp_router *r, const wamp_serializer_info *ser,
                                     const wamp_router_session_cbs *cbs, void *user,
                                     const char *transport_info, wamp_router_session **out);
/*
 * Processes one transport payload (one message, or a batch). data is only read during the call.
 * Malformed input and protocol violations are answered with ABORT wamp.error.protocol_violation
 * and on_close; the return value is then WAMP_EPROTO (or the codec error). WAMP_OK otherwise;
 * WAMP_ECLOSED when the session is already closing (input ignored).
 */
WAMP_API int wamp_router_session_receive(wamp_router_session *s, const uint8_t *data, size_t len);
/* Moves the next outgoing payload into out (cleared first). Returns true, or false when the
 * queue is empty. */
WAMP_API bool wamp_router_session_pop(wamp_router_session *s, wamp_buf *out);
/* Detaches and frees the session (leaves its realm: its subscriptions and registrations go, its
 * pending calls are canceled). Must not be called from inside its own callbacks. NULL: no-op. */
WAMP_API void wamp_router_session_free(wamp_router_session *s);
/* The user pointer given to wamp_router_session_new(). */
WAMP_API void *wamp_router_session_get_user(const wamp_router_session *s);
/* Info of a session (session id 0 and NULL strings before it joined). */
WAMP_API void wamp_router_session_get_info(const wamp_router_session *s,
                                           wamp_router_session_info *out);

typedef struct wamp_router_session_stats {
    uint64_t messages_in;
    uint64_t messages_out;  /* queued */
    uint64_t bytes_out;     /* queued */
    size_t queued_messages; /* currently in the queue */
    size_t queued_bytes;
    size_t queued_bytes_peak;
    uint64_t overflows; /* 1 when the session was dropped for overflow */
    /* EVENTs meant for this session that could not be encoded in its serializer (e.g. a
     * binary or NaN payload for JSON): dropped for this session only, logged. */
    uint64_t events_unencodable;
    uint64_t denied; /* requests of this session refused with wamp.error.not_authorized */
} wamp_router_session_stats;
WAMP_API void wamp_router_session_get_stats(const wamp_router_session *s,
                                            wamp_router_session_stats *out);

/* Router-wide counters, one per outcome (monotonic since wamp_router_new()). */
typedef struct wamp_router_stats {
    uint64_t sessions_joined;
    uint64_t sessions_dropped_overflow; /* slow sessions disconnected (queue overflow) */
    uint64_t protocol_violations;       /* sessions aborted with wamp.error.protocol_violation */
    uint64_t denied;                    /* wamp.error.not_authorized answers (all actions) */
    uint64_t publications;              /* PUBLISH accepted (authorized) */
    uint64_t events_queued;             /* EVENT messages queued to subscribers */
    uint64_t events_unencodable;        /* EVENTs dropped: not encodable for the receiver */
    uint64_t events_overflow;           /* EVENTs lost because the receiver overflowed */
    uint64_t calls;                     /* INVOCATIONs started */
    uint64_t calls_no_such_procedure;
    uint64_t calls_no_eligible_callee;  /* exclude/eligible options left no callee */
    uint64_t calls_no_available_callee; /* every eligible callee at its concurrency limit */
    uint64_t calls_results;             /* final RESULTs */
    uint64_t calls_errors;              /* callee ERRORs forwarded */
    uint64_t calls_canceled;            /* CANCEL by the caller (any mode) */
    uint64_t calls_timed_out;
    uint64_t calls_callee_left; /* wamp.error.canceled because the callee left */
} wamp_router_stats;
/* Copies the router's counters into *out (zeroed when r is NULL). */
WAMP_API void wamp_router_get_stats(const wamp_router *r, wamp_router_stats *out);

#ifdef __cplusplus
}
#endif
#endif
