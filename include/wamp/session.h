/*
 * libwamp — the client session (Autobahn's ApplicationSession), sans-I/O.
 *
 * The session owns no socket and no clock:
 *   - messages from the router go in through wamp_session_receive();
 *   - messages to the router come out through the `send` callback of the configuration;
 *   - the transport's life is reported with wamp_session_transport_open() / _closed();
 *   - time is given explicitly: wamp_session_tick(now_ms) advances the session clock and fires
 *     expired caller-side timeouts; wamp_session_next_deadline() says when to tick next.
 * A runtime (client.h) drives it over a real transport; tests drive it directly.
 *
 * Life cycle
 *   transport_open -> on_connect -> join() sends HELLO -> [CHALLENGE/AUTHENTICATE]* -> WELCOME
 *   -> on_welcome (may refuse: ABORT) -> on_join -> ... -> leave() sends GOODBYE -> router's
 *   GOODBYE -> on_leave. A router GOODBYE is answered with GOODBYE "wamp.close.goodbye_and_out".
 *   ABORT, a protocol violation by the router (answered with ABORT
 *   "wamp.error.protocol_violation") and the transport closing also end the session with
 *   on_leave (transport loss: reason "wamp.close.transport_lost"); on_disconnect follows
 *   transport_closed. After on_leave the session may join() again on the same transport.
 *
 * Completion guarantee
 *   Every request callback (call, publish with acknowledge, subscribe, unsubscribe, register,
 *   unregister) is called exactly once with either a result or an error. When the session ends
 *   with requests in flight each is completed with a local error (code WAMP_ETRANSPORTLOST,
 *   WAMP_EABORTED or WAMP_ECLOSED) before on_leave. Progress callbacks may run before.
 *
 * Callbacks and memory
 *   Everything a callback receives (strings, values, structs) is borrowed for the duration of
 *   the callback. Callbacks may call any session function, including wamp_session_free() (the
 *   session is then freed when the outermost session call returns).
 *   Strings and values given to session functions are borrowed only during the call.
 *
 * Handles
 *   Requests, registrations, subscriptions and invocations are named by integer handles, never by
 *   pointers the application could keep too long: a stale handle gives WAMP_ENOTFOUND.
 *
 * Threads: none; a session belongs to one thread. Over the client runtime that is the loop's
 * thread, and other threads reach the session only through wamp_loop_post() (net.h): see
 * "Threads" in client.h for the pattern (call, publish, leave from another thread).
 *
 * Autobahn's types (autobahn.wamp.types, 22.7.1) and their counterparts here
 *   SessionDetails   wamp_session_details (every field; serializer/transport from the runtime)
 *   CloseDetails     wamp_close_details
 *   SessionIdent     wamp_session_ident, wamp_session_ident_from_invocation() / _from_event()
 *   CallOptions      wamp_call_opts: on_progress, timeout (timeout_ms: dealer-side, sent;
 *                    cancel_after_ms: caller-side), transaction_hash, caller, caller_authid,
 *                    caller_authrole, forward_for, correlation_* (correlation), details
 *   CallResult       wamp_call_result: results/kwresults (args/kwargs), enc_algo, callee,
 *                    callee_authid, callee_authrole, forward_for
 *   CallDetails      wamp_invocation: registration, progress (receive_progress, then answer
 *                    with wamp_session_yield(progress=true)), caller, caller_authid,
 *                    caller_authrole, procedure, transaction_hash, enc_algo, forward_for
 *   RegisterOptions  wamp_register_opts: match, invoke, concurrency, force_reregister,
 *                    forward_for
 *   PublishOptions   wamp_publish_opts: acknowledge, exclude_me, exclude, exclude_authid,
 *                    exclude_authrole, eligible, eligible_authid, eligible_authrole, retain,
 *                    transaction_hash, forward_for
 *   SubscribeOptions wamp_subscribe_opts: match, get_retained, forward_for
 *   EventDetails     wamp_event: subscription, publication, publisher, publisher_authid,
 *                    publisher_authrole, topic, retained, transaction_hash, enc_algo,
 *                    forward_for
 *   ComponentConfig  wamp_component_config (component.h)
 * Not modelled, on purpose: details / details_arg of Register- and SubscribeOptions (they pick
 * the Python handler's signature; a C handler always receives the whole wamp_invocation /
 * wamp_event), and correlation_* of Publish-, Subscribe- and RegisterOptions (Autobahn only
 * attaches them to the outgoing message object for its message tracer; they are never
 * serialized and nothing comes back with them, so here they would have no effect).
 */
#ifndef WAMP_SESSION_H
#define WAMP_SESSION_H

#include "auth.h"
#include "common.h"
#include "cryptobox.h"
#include "message.h"
#include "transport.h"
#include "value.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wamp_session wamp_session;

/* Close reason used for on_leave when the transport is lost while joined (Autobahn's). */
#define WAMP_CLOSE_TRANSPORT_LOST "wamp.close.transport_lost"

/* ---------------------------------------------------------------- errors */

/*
 * An error as the application sees it, both ways:
 *   - received: completes a call/publish/subscribe/... that failed. code is WAMP_EAPPLICATION
 *     when the router sent ERROR (uri, args, kwargs from it); a local code otherwise:
 *     WAMP_ECANCELED (cancel(), uri wamp.error.canceled), WAMP_ETIMEOUT (caller-side timeout,
 *     uri wamp.error.timeout), WAMP_ETRANSPORTLOST / WAMP_EABORTED / WAMP_ECLOSED (session
 *     ended; uri is the close reason), WAMP_ENOMEM.
 *   - sent: a callee answers an invocation with wamp_session_error() using uri/args/kwargs
 *     (code ignored).
 * args: LIST or absent; kwargs: DICT or absent; message: optional human text (local errors).
 */
typedef struct wamp_error {
    int code;
    wamp_str uri;
    wamp_value args;
    wamp_value kwargs;
    wamp_str message;
    int kind; /* received ERRORs: the application error kind defined for uri with
                 wamp_session_define(), 0 when none. Sent (wamp_session_error()): used to find
                 the URI when uri is absent. */
} wamp_error;

/*
 * SerializationError of the seed: true for the codec error codes (WAMP_ETRUNCATED ..
 * WAMP_EBATCH, -20 .. -39) a `send` callback returns when a message cannot be serialized
 * (e.g. WAMP_ENUMBER for NaN in JSON, WAMP_EKEYTYPE, WAMP_ETOOBIG over a size limit).
 * wamp_session_call()/_publish()/... return that code (nothing pending is left); when a
 * callee's YIELD or ERROR cannot be serialized, wamp_session_yield()/_error() return it and
 * the session answers the invocation with ERROR "wamp.error.invalid_payload"
 * ("wamp.error.payload_size_exceeded" for WAMP_ETOOBIG), as Autobahn does.
 */
WAMP_API bool wamp_is_serialization_error(int code);

/* ---------------------------------------------------------------- session details */

/* What WELCOME said (Autobahn's SessionDetails). Borrowed in on_join; valid until on_leave
 * when obtained with wamp_session_details_get(). serializer and transport come from the
 * runtime (wamp_session_set_transport_details(); the client runtime of client.h sets them). */
typedef struct wamp_session_details {
    wamp_str realm;
    wamp_id session;
    wamp_str authid;
    wamp_str authrole;
    wamp_str authmethod;
    wamp_str authprovider;
    wamp_value authextra;
    wamp_roles router_roles;
    bool resumed;
    bool resumable;
    wamp_str resume_token;
    wamp_str serializer; /* SERIALIZER_ID of the transport ("json", "msgpack", "cbor", "ubjson",
                            "flatbuffers"); absent (ptr NULL) when the runtime did not say */
    const wamp_transport_details *transport; /* the transport's details, NULL when unknown */
} wamp_session_details;

/*
 * Autobahn's SessionIdent: who a session is (session id, authid, authrole), e.g. the caller of
 * an invocation or the publisher of an event. Strings are borrowed from where they came from.
 */
typedef struct wamp_session_ident {
    wamp_opt_int session; /* .set false: not disclosed */
    wamp_str authid;
    wamp_str authrole;
} wamp_session_ident;

/* Why the session ended (Autobahn's CloseDetails). */
typedef struct wamp_close_details {
    wamp_str reason;
    wamp_str message;
} wamp_close_details;

/* A CHALLENGE as given to on_challenge. */
typedef struct wamp_challenge {
    wamp_str method;
    const wamp_value *extra; /* dict */
} wamp_challenge;

/* ---------------------------------------------------------------- configuration */

/*
 * Callbacks (all optional except send). user is the configuration's user pointer.
 *   send:          must hand m to the transport (encode + write). Return WAMP_OK or an error;
 *                  an error makes the calling function fail with it. m is borrowed.
 *   on_connect:    the transport opened (wamp_session_transport_open()).
 *   on_challenge:  answer a CHALLENGE: set *signature (a string value) and *extra (a dict or
 *                  leave absent), built in arena a; return WAMP_OK, or an error to ABORT with
 *                  "wamp.error.cannot_authenticate". When NULL, the join's authenticator
 *                  answers (no authenticator: ABORT).
 *   on_welcome:    called before on_join; return WAMP_OK to accept, else the session sends
 *                  ABORT "wamp.error.cannot_authenticate" and ends (on_leave follows).
 *   on_join:       the session is joined.
 *   on_leave:      the session ended (after all pending requests were completed).
 *   on_disconnect: the transport closed (wamp_session_transport_closed()); was_clean tells
 *                  whether the session had ended first.
 *   on_user_error: a non-fatal problem worth logging: code and a sentence (e.g. an EVENT for a
 *                  subscription no handler wants any more, a handler's send failing).
 */
typedef struct wamp_session_callbacks {
    int (*send)(void *user, const wamp_message *m);
    void (*on_connect)(void *user, wamp_session *s);
    int (*on_challenge)(void *user, wamp_session *s, const wamp_challenge *c, wamp_arena *a,
                        wamp_value *signature, wamp_value *extra);
    int (*on_welcome)(void *user, wamp_session *s, const wamp_session_details *d);
    void (*on_join)(void *user, wamp_session *s, const wamp_session_details *d);
    void (*on_leave)(void *user, wamp_session *s, const wamp_close_details *d);
    void (*on_disconnect)(void *user, wamp_session *s, bool was_clean);
    void (*on_user_error)(void *user, wamp_session *s, int code, const char *text);
} wamp_session_callbacks;

/* Creates a session. cb is copied; cb->send is required. Returns WAMP_OK, WAMP_EINVAL or
 * WAMP_ENOMEM. Free with wamp_session_free(). */
WAMP_API int wamp_session_new(const wamp_session_callbacks *cb, void *user, wamp_session **out);
/* Frees the session. Pending requests are completed with WAMP_ECLOSED first (no message is
 * sent). Safe inside callbacks (deferred to the end of the outermost session call). NULL: no-op. */
WAMP_API void wamp_session_free(wamp_session *s);

/* ---------------------------------------------------------------- transport and time */

/* The transport is open: calls on_connect. WAMP_ESTATE if already open. */
WAMP_API int wamp_session_transport_open(wamp_session *s);
/* The transport closed or was lost (err: WAMP_OK for a normal close, else why). Ends a joined
 * session (pending requests: WAMP_ETRANSPORTLOST; on_leave "wamp.close.transport_lost"),
 * then calls on_disconnect. */
WAMP_API void wamp_session_transport_closed(wamp_session *s, int err);
/*
 * Hands one message from the router to the session (borrowed during the call). Returns WAMP_OK
 * also when the message was a protocol violation that ended the session (ABORT sent); an error
 * only for WAMP_ESTATE (no transport) or when sending a reply failed.
 */
WAMP_API int wamp_session_receive(wamp_session *s, const wamp_message *m);
/* Advances the session clock to now_ms (monotonic milliseconds, never decreasing; the clock
 * starts at 0) and fires expired timeouts. */
WAMP_API void wamp_session_tick(wamp_session *s, uint64_t now_ms);
/* Optional clock (monotonic ms) read when a deadline is set, so that a deadline computed
 * between ticks starts from the real time. NULL: the time of the last tick. */
WAMP_API void wamp_session_set_clock(wamp_session *s, uint64_t (*now_ms)(void *user), void *user);
/*
 * Tells the session a channel binding value of its transport (type "tls-unique" or
 * "tls-exporter", at most 64 bytes; id NULL forgets every stored value). A runtime calls this
 * when the transport opens (the client runtime of client.h does, for wss:// and rss://). On
 * wamp_session_join() each stored value is offered to the join's authenticator with
 * wamp_authenticator_set_channel_id(); an authenticator configured with a channel binding
 * takes the value of its type only. Returns WAMP_OK, WAMP_EINVAL (other type, len over 64).
 */
WAMP_API int wamp_session_set_channel_id(wamp_session *s, const char *type, const uint8_t *id,
                                         size_t len);
/*
 * Tells the session its transport's details (Autobahn's TransportDetails), for
 * wamp_session_details.serializer / .transport and wamp_session_transport_details(). *d is
 * copied; the pointers inside it stay borrowed until the transport closes
 * (wamp_session_transport_closed() forgets the details) or the next call. NULL forgets them.
 * A runtime calls this when the transport opens (the client runtime of client.h does).
 * Returns WAMP_OK, WAMP_EINVAL (s NULL).
 */
WAMP_API int wamp_session_set_transport_details(wamp_session *s, const wamp_transport_details *d);
/* The details given with wamp_session_set_transport_details() while the transport is open, else
 * NULL. Borrowed from the session. */
WAMP_API const wamp_transport_details *wamp_session_transport_details(const wamp_session *s);
/* The earliest pending deadline in session-clock ms; false when none. */
WAMP_API bool wamp_session_next_deadline(const wamp_session *s, uint64_t *deadline_ms);

/* ---------------------------------------------------------------- joining and leaving */

typedef struct wamp_join_opts {
    const char *realm;             /* required */
    wamp_authenticator *auth;      /* borrowed until the session ends; NULL: anonymous, no
                                      authmethods unless given below */
    const wamp_value *authmethods; /* LIST of strings; overrides the authenticator's */
    const char *authid;            /* overrides the authenticator's */
    const char *authrole;          /* overrides */
    const wamp_value *authextra;   /* DICT; overrides */
    bool resumable;
    wamp_id resume_session;   /* non-zero: HELLO "resume-session" (resume that session) */
    const char *resume_token; /* "resume-token"; required with resume_session */
} wamp_join_opts;

/* Sends HELLO announcing the client roles and features this session implements (see
 * wamp_session_client_roles()). Returns WAMP_OK, WAMP_ESTATE (no transport, or already joining
 * or joined), WAMP_EREALM/WAMP_EINVAL (bad realm), WAMP_ENOMEM, or the send error. */
WAMP_API int wamp_session_join(wamp_session *s, const wamp_join_opts *o);
/* Sends GOODBYE (reason NULL: "wamp.close.normal"; message may be NULL) and waits for the
 * router's GOODBYE. WAMP_ENOTREADY when not joined, WAMP_EURI for an invalid reason. */
WAMP_API int wamp_session_leave(wamp_session *s, const char *reason, const char *message);
/* Aborts the session: sends ABORT (reason NULL: "wamp.error.protocol_violation"; message may
 * be NULL), completes pending requests with WAMP_EABORTED and calls on_leave. For runtimes that
 * find the router's input unusable. WAMP_ENOTREADY when no session is joining, joined or
 * leaving; WAMP_EURI for an invalid reason. */
WAMP_API int wamp_session_abort(wamp_session *s, const char *reason, const char *message);
/* True while the transport is open (between wamp_session_transport_open() and
 * wamp_session_transport_closed()), whether or not a session is joined. */
WAMP_API bool wamp_session_is_connected(const wamp_session *s);
/* True between on_join and the end of the session. */
WAMP_API bool wamp_session_is_attached(const wamp_session *s);
/* The details of the joined session, or NULL when not attached. */
WAMP_API const wamp_session_details *wamp_session_details_get(const wamp_session *s);
/* The HELLO roles this implementation announces: exactly the features it implements,
 * Autobahn's default client roles (with publisher x_acknowledged_event_delivery: an EVENT
 * with Details.x_acknowledged_delivery true is answered with EVENT_RECEIVED once its handlers
 * ran, when the broker announced the feature) plus caller call_timeout and
 * progressive_call_invocations (caller and callee). */
WAMP_API void wamp_session_client_roles(wamp_roles *roles);

/* ---------------------------------------------------------------- application errors */

/*
 * Autobahn's define(): maps the error URI uri to the application error kind (> 0, the C
 * counterpart of an exception class). Received ERRORs with that exact URI carry it in
 * wamp_error.kind; wamp_session_error() with an absent uri and a kind sends the URI defined
 * for it (the first one when several URIs share a kind). kind 0 removes uri's mapping; a later
 * define of the same uri replaces it. Definitions survive leave/join. Returns WAMP_OK,
 * WAMP_EINVAL (kind < 0, NULL), WAMP_EURI (invalid uri), WAMP_ENOMEM.
 */
WAMP_API int wamp_session_define(wamp_session *s, const char *uri, int kind);
/* The kind defined for uri, 0 when none. */
WAMP_API int wamp_session_error_kind(const wamp_session *s, wamp_str uri);

/* ---------------------------------------------------------------- caller */

/* Message correlation attributes of Autobahn's CallOptions (for message tracing). As in
 * Autobahn they are client-side only: never sent; they come back with the call's result and
 * progress (wamp_call_result.correlation). */
typedef struct wamp_correlation {
    const char *id;
    const char *uri;
    wamp_opt_bool is_anchor;
    wamp_opt_bool is_last;
} wamp_correlation;

typedef struct wamp_call_result {
    wamp_value args;    /* LIST or absent */
    wamp_value kwargs;  /* DICT or absent */
    wamp_value details; /* RESULT.Details as received (dict) */
    wamp_opt_int callee;
    wamp_str callee_authid;
    wamp_str callee_authrole;
    bool progress;      /* a progressive result (more follow) */
    wamp_str enc_algo;  /* the payload arrived encoded (e.g. "cryptobox") and was decoded */
    bool details_asked; /* the call asked for details (wamp_call_opts.details) */
    const wamp_correlation *correlation; /* the call's correlation attributes, or NULL */
    wamp_value forward_for; /* RESULT.Details.forward_for as received (LIST), or absent */
} wamp_call_result;

/* How Autobahn hands a call result to the application (the seed's mapping). */
typedef enum wamp_result_shape {
    WAMP_RESULT_NONE = 0, /* no args, no kwargs, no details asked: Python's None */
    WAMP_RESULT_SINGLE,   /* exactly one positional result, no kwargs, no details: the value */
    WAMP_RESULT_MULTI     /* anything else: the whole CallResult (args, kwargs, details) */
} wamp_result_shape;
/* The shape of r per the mapping above (r NULL: WAMP_RESULT_NONE). */
WAMP_API wamp_result_shape wamp_call_result_shape(const wamp_call_result *r);
/* The single positional result when the shape is WAMP_RESULT_SINGLE, else NULL. Borrowed
 * from r. */
WAMP_API const wamp_value *wamp_call_result_single(const wamp_call_result *r);

/* Completion: exactly one of res / err is non-NULL. */
typedef void (*wamp_call_cb)(void *user, wamp_session *s, wamp_id request,
                             const wamp_call_result *res, const wamp_error *err);

typedef struct wamp_call_opts {
    int64_t timeout_ms;           /* > 0: sent as CALL.Options.timeout (dealer-side timeout) */
    uint64_t cancel_after_ms;     /* > 0: caller-side timeout: CANCEL (cancel_mode) is sent and the
                                     call completes with WAMP_ETIMEOUT after this many ms */
    wamp_cancel_mode cancel_mode; /* for cancel_after_ms; UNSET: kill-no-wait */
    wamp_call_cb on_progress;     /* non-NULL: receive_progress and progressive results come here */
    bool disclose_me;
    const char *transaction_hash; /* non-NULL: sent as CALL.Options.transaction_hash */
    bool details;                 /* always a full result (WAMP_RESULT_MULTI), as Autobahn */
    wamp_correlation correlation; /* client-side only (not sent) */
    bool progress; /* progressive call invocation: this CALL is the first chunk (Options.progress
                      true); send the next ones with wamp_session_call_progress(). Over
                      FlatBuffers (no slot for the flag) the call fails: WAMP_EUNSUPPORTED */
    /* Autobahn's CallOptions.caller / caller_authid / caller_authrole / forward_for: sent as
     * CALL.Options when set (a router-to-router link or a trusted component calling on behalf
     * of another session; routers normally accept them only from trusted peers).
     * forward_for: a LIST of {"session": int, "authid": string|null, "authrole": string}
     * dicts (else WAMP_EINVAL). */
    wamp_opt_int caller;
    const char *caller_authid;
    const char *caller_authrole;
    const wamp_value *forward_for;
} wamp_call_opts;

/*
 * Calls procedure with args (LIST or NULL) and kwargs (DICT or NULL). cb (required) completes
 * it; *request (may be NULL) receives the request id for wamp_session_cancel(). Returns WAMP_OK
 * (cb will be called exactly once), or without calling cb: WAMP_ENOTREADY, WAMP_EURI, WAMP_EINVAL,
 * WAMP_ENOMEM, or the send error.
 */
WAMP_API int wamp_session_call(wamp_session *s, const char *procedure, const wamp_value *args,
                               const wamp_value *kwargs, const wamp_call_opts *o, wamp_call_cb cb,
                               void *user, wamp_id *request);
/*
 * Sends the next chunk of a progressive call invocation started with wamp_call_opts.progress:
 * a CALL with the same request id and procedure (receive_progress repeated when asked), with
 * Options.progress true when more is set; more false sends the final chunk, after which no
 * further chunk is allowed. The payload goes through the payload codec as for the first CALL.
 * Returns WAMP_OK, WAMP_ENOTFOUND (not pending, canceled in skip/killnowait mode, timed out),
 * WAMP_ESTATE (not a progressive invocation, the final chunk was sent, or canceled in kill
 * mode), WAMP_ENOTREADY, WAMP_EINVAL, the
 * codec's error or the send error.
 */
WAMP_API int wamp_session_call_progress(wamp_session *s, wamp_id request, const wamp_value *args,
                                        const wamp_value *kwargs, bool more);
/*
 * Cancels a pending call: sends CANCEL with mode (UNSET: not sent in the message, dealer
 * default). skip and killnowait complete the call at once with WAMP_ECANCELED and drop the
 * router's later answer; kill waits for the router's ERROR (normally wamp.error.canceled).
 * Returns WAMP_OK, WAMP_ENOTFOUND (not pending), WAMP_ENOTREADY, WAMP_EINVAL, or a send error.
 */
WAMP_API int wamp_session_cancel(wamp_session *s, wamp_id request, wamp_cancel_mode mode);

/* ---------------------------------------------------------------- callee */

/* What a handler gets for one INVOCATION (Autobahn's CallDetails + the payload). */
typedef struct wamp_invocation {
    wamp_id request;      /* the invocation handle for wamp_session_yield()/_error() */
    wamp_id registration; /* the router's registration id */
    wamp_id handle;       /* the local registration handle (wamp_session_register()) */
    wamp_value args;
    wamp_value kwargs;
    wamp_value details; /* INVOCATION.Details as received */
    wamp_opt_int caller;
    wamp_str caller_authid;
    wamp_str caller_authrole;
    wamp_str procedure;    /* the actual procedure (pattern registrations) */
    bool receive_progress; /* the caller accepts progressive results */
    wamp_opt_int timeout;
    wamp_str enc_algo; /* the payload arrived encoded and was decoded; the YIELD will be
                          encoded with the session's payload codec too (Autobahn) */
    bool progress;     /* progressive call invocation: more chunks of this invocation will follow
                          (the handler is called again with the same request, continued set) */
    bool continued;    /* a later chunk of an invocation already delivered */
    wamp_str transaction_hash; /* CallDetails.transaction_hash as received */
    wamp_value forward_for;    /* CallDetails.forward_for as received (LIST), or absent */
} wamp_invocation;

/* The caller of inv as Autobahn's SessionIdent.from_calldetails(): the first forward_for entry
 * when there is one, else caller / caller_authid / caller_authrole. Strings borrowed from inv. */
WAMP_API void wamp_session_ident_from_invocation(const wamp_invocation *inv,
                                                 wamp_session_ident *out);

/* A procedure implementation. Answer now or later with wamp_session_yield()/wamp_session_error()
 * using inv->request. For a progressive call invocation it is called once per chunk (see
 * wamp_invocation.progress / continued); it may answer at any chunk. */
typedef void (*wamp_invocation_cb)(void *user, wamp_session *s, const wamp_invocation *inv);
/*
 * INTERRUPT for a pending invocation (mode kill or killnowait). In kill mode the handler may
 * answer (wamp_session_error()) inside this callback; if it does not, the session answers ERROR
 * "wamp.error.canceled". In killnowait mode nothing is sent. Either way the invocation is over
 * afterwards: later yields return WAMP_ENOTFOUND.
 */
typedef void (*wamp_interrupt_cb)(void *user, wamp_session *s, wamp_id request,
                                  wamp_cancel_mode mode);

/* Completion of register/unregister/subscribe/unsubscribe: err NULL on success; handle is the
 * local handle; id the router's registration/subscription id (0 on error). */
typedef void (*wamp_done_cb)(void *user, wamp_session *s, wamp_id handle, wamp_id id,
                             const wamp_error *err);

typedef struct wamp_register_opts {
    wamp_match match;
    wamp_invoke invoke;
    int64_t concurrency; /* > 0: sent */
    bool force_reregister;
    bool disclose_caller;
    wamp_interrupt_cb on_interrupt;
    const wamp_value *forward_for; /* REGISTER.Options.forward_for (LIST, see wamp_call_opts) */
} wamp_register_opts;

/*
 * Registers procedure (checked for the match policy). handler is called per invocation with
 * user. done (may be NULL) completes the REGISTER; *handle receives the local registration
 * handle. Returns WAMP_OK, WAMP_ENOTREADY, WAMP_EURI, WAMP_EINVAL, WAMP_ENOMEM or the send error.
 */
WAMP_API int wamp_session_register(wamp_session *s, const char *procedure,
                                   const wamp_register_opts *o, wamp_invocation_cb handler,
                                   void *user, wamp_done_cb done, void *done_user, wamp_id *handle);
/* One entry of a table of procedures (the C counterpart of Autobahn's decorated object). */
typedef struct wamp_procedure {
    const char *name;               /* appended to the prefix: prefix "com.calc." + "add" */
    wamp_invocation_cb handler;     /* required */
    const wamp_register_opts *opts; /* NULL: defaults */
} wamp_procedure;

/*
 * Registers every entry of table[0..n) as prefix + name (prefix may be NULL or ""), each with
 * the same handler user pointer and completion done/done_user (called once per entry).
 * handles (may be NULL) receives the n local handles. All URIs and entries are checked before
 * anything is sent: WAMP_EURI / WAMP_EINVAL send nothing. If sending fails part way, the entries
 * sent so far stay registered (their handles set, the rest 0) and the error is returned.
 * Returns WAMP_OK, WAMP_ENOTREADY, WAMP_EURI, WAMP_EINVAL, WAMP_ENOMEM or the send error.
 */
WAMP_API int wamp_session_register_table(wamp_session *s, const char *prefix,
                                         const wamp_procedure *table, size_t n, void *user,
                                         wamp_done_cb done, void *done_user, wamp_id *handles);
/* Unregisters (sends UNREGISTER). Pending invocations can still be answered. done may be NULL.
 * WAMP_ENOTFOUND for an unknown or not yet registered handle. */
WAMP_API int wamp_session_unregister(wamp_session *s, wamp_id handle, wamp_done_cb done,
                                     void *done_user);
/* Answers invocation `request` with a result (progress: a progressive result, allowed only when
 * the caller asked for them). Returns WAMP_OK, WAMP_ENOTFOUND (unknown, answered, interrupted),
 * WAMP_EINVAL, WAMP_ENOTREADY, or the send error. */
WAMP_API int wamp_session_yield(wamp_session *s, wamp_id request, const wamp_value *args,
                                const wamp_value *kwargs, bool progress);
/* Answers invocation `request` with ERROR err->uri (+ args/kwargs). WAMP_EURI for a bad URI. */
WAMP_API int wamp_session_error(wamp_session *s, wamp_id request, const wamp_error *err);

/* ---------------------------------------------------------------- publisher */

typedef struct wamp_publish_opts {
    bool acknowledge;
    wamp_opt_bool exclude_me;
    const wamp_value *exclude;        /* LIST of session ids */
    const wamp_value *exclude_authid; /* LIST of strings */
    const wamp_value *exclude_authrole;
    const wamp_value *eligible;
    const wamp_value *eligible_authid;
    const wamp_value *eligible_authrole;
    bool retain;
    bool disclose_me;
    const char *transaction_hash;  /* non-NULL: sent as PUBLISH.Options.transaction_hash */
    const wamp_value *forward_for; /* PUBLISH.Options.forward_for (LIST, see wamp_call_opts) */
} wamp_publish_opts;

/* Publication acknowledged: err NULL and publication the router's id; or err. */
typedef void (*wamp_publish_cb)(void *user, wamp_session *s, wamp_id request, wamp_id publication,
                                const wamp_error *err);

/* Publishes. With o->acknowledge, cb (required then) completes it exactly once; without, cb is
 * ignored. Returns WAMP_OK, WAMP_ENOTREADY, WAMP_EURI, WAMP_EINVAL, WAMP_ENOMEM or send error. */
WAMP_API int wamp_session_publish(wamp_session *s, const char *topic, const wamp_value *args,
                                  const wamp_value *kwargs, const wamp_publish_opts *o,
                                  wamp_publish_cb cb, void *user, wamp_id *request);

/* ---------------------------------------------------------------- subscriber */

typedef struct wamp_event {
    wamp_id subscription;
    wamp_id publication;
    wamp_id handle; /* the local subscription handle of the handler called */
    wamp_value args;
    wamp_value kwargs;
    wamp_value details;
    wamp_opt_int publisher;
    wamp_str publisher_authid;
    wamp_str publisher_authrole;
    wamp_str topic; /* the actual topic (pattern subscriptions) */
    bool retained;
    wamp_str enc_algo;         /* the payload arrived encoded and was decoded */
    wamp_str transaction_hash; /* EventDetails.transaction_hash as received */
    wamp_value forward_for;    /* EventDetails.forward_for as received (LIST), or absent */
} wamp_event;

/* The publisher of ev as Autobahn's SessionIdent.from_eventdetails(): the first forward_for entry
 * when there is one, else publisher / publisher_authid / publisher_authrole. Strings borrowed. */
WAMP_API void wamp_session_ident_from_event(const wamp_event *ev, wamp_session_ident *out);

typedef void (*wamp_event_cb)(void *user, wamp_session *s, const wamp_event *ev);

typedef struct wamp_subscribe_opts {
    wamp_match match;
    bool get_retained;
    const wamp_value *forward_for; /* SUBSCRIBE.Options.forward_for (LIST, see wamp_call_opts);
                                      only the handler that sends the SUBSCRIBE passes it on */
} wamp_subscribe_opts;

/*
 * Subscribes handler to topic. Handlers of the same topic and match share one router
 * subscription: only the first sends SUBSCRIBE; later ones complete (done) when it does, or at
 * once when it already exists. *handle receives the local handle.
 * get_retained with a shared subscription: a later handler asking for it, when the existing
 * subscription is active or its pending SUBSCRIBE did not ask, sends a further SUBSCRIBE with
 * get_retained (the broker answers with the same subscription and delivers the retained event
 * again) and completes on its SUBSCRIBED (an ERROR fails only that handler). Retained events
 * (wamp_event.retained) go only to handlers that asked get_retained, from their SUBSCRIBED
 * until the subscription's next SUBSCRIBED or their first live event: no handler sees a
 * retained event it did not ask for, or twice. Live events go to every handler.
 * Returns WAMP_OK, WAMP_ENOTREADY, WAMP_EURI, WAMP_EINVAL, WAMP_ENOMEM or the send error.
 */
WAMP_API int wamp_session_subscribe(wamp_session *s, const char *topic,
                                    const wamp_subscribe_opts *o, wamp_event_cb handler, void *user,
                                    wamp_done_cb done, void *done_user, wamp_id *handle);
/* Removes a handler; the last handler of a subscription sends UNSUBSCRIBE and done completes
 * on UNSUBSCRIBED (else at once). WAMP_ENOTFOUND for an unknown or pending handle. */
WAMP_API int wamp_session_unsubscribe(wamp_session *s, wamp_id handle, wamp_done_cb done,
                                      void *done_user);

/* ---------------------------------------------------------------- payload codec */

/*
 * Payload transparency / end-to-end encryption (Autobahn's set_payload_codec). codec is copied
 * (its user pointer is borrowed until replaced, cleared or the session is freed); NULL clears.
 * With a codec set:
 *   - CALL and PUBLISH payloads are given to codec->encode(is_originating=true, procedure or
 *     topic); when it encodes, the message carries payload + enc_algo/enc_serializer/enc_key
 *     instead of args/kwargs (a codec with no key for the URI leaves them in clear);
 *   - a YIELD (progressive or final) answering an encoded INVOCATION is encoded with
 *     is_originating=false and the procedure's URI; an ERROR answering an invocation is
 *     offered to the codec under its error URI (as Autobahn does);
 *   - encoded RESULT, ERROR, INVOCATION and EVENT payloads are decoded before the callbacks see
 *     them (args/kwargs hold the plaintext, enc_algo says it was encoded).
 * An encoded message that cannot be used:
 *   - no codec: code WAMP_ENOCODEC, uri "wamp.error.no_payload_codec";
 *   - the codec fails: WAMP_EDECRYPT / WAMP_ETRUSTEDURI (or its code), uri
 *     "wamp.error.encryption.decrypt_error" / "wamp.error.encryption.trusted_uri_mismatch".
 *   RESULT / ERROR of a call: the call completes with that error (progressive RESULT:
 *   on_user_error, the call stays pending). INVOCATION: the handler is not called; ERROR with
 *   that URI goes back to the dealer. EVENT: handlers are not called; on_user_error reports it.
 * An encode failure makes wamp_session_call()/_publish()/_yield() return the codec's error
 * (nothing sent).
 */
WAMP_API void wamp_session_set_payload_codec(wamp_session *s, const wamp_payload_codec *codec);
/* The codec set, or NULL (borrowed from the session until it is replaced or cleared). */
WAMP_API const wamp_payload_codec *wamp_session_get_payload_codec(const wamp_session *s);

#ifdef __cplusplus
}
#endif
#endif
