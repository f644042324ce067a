/*
 * libwamp — WAMP messages: the 24 message types of WAMP v2 (plus EVENT_RECEIVED), typed,
 * validated and marshalled exactly as Autobahn|Python's autobahn.wamp.message does; URI, id and
 * realm-name checks; the standard error and close URIs.
 *
 * Life of a message
 * -----------------
 *   bytes --wamp_value_decode()--> wamp_value list --wamp_message_parse()--> wamp_message
 *   wamp_message --wamp_message_marshal()--> wamp_value list --wamp_value_encode()--> bytes
 * (wamp_message_decode() / wamp_message_encode() do both steps.)
 *
 * Memory
 * ------
 * A parsed wamp_message BORROWS: its strings (wamp_str) and values (wamp_value) point into the
 * decoded value tree, which may itself borrow the input bytes. The message is valid as long as
 * that tree (its arena) and the input buffer are; wamp_message_copy() makes an owning copy in
 * another arena. wamp_message_marshal() builds the list in the arena given to it; the result
 * borrows the message's strings and values in turn.
 *
 * Absent vs present
 * -----------------
 * Every struct is zero-initialisable and zero means "absent" (Autobahn's None):
 *   - wamp_str: ptr == NULL is absent; {"" , 0} with a non-NULL ptr is the empty string.
 *   - wamp_value: type WAMP_VALUE_NULL is absent.
 *   - wamp_opt_bool: WAMP_OPT_UNSET (0), WAMP_OPT_FALSE, WAMP_OPT_TRUE.
 *   - wamp_opt_int: .set false is absent.
 *   - enums (match, invoke, mode): their 0 value is the default Autobahn applies.
 *
 * Fidelity to Autobahn
 * --------------------
 * Parse accepts and rejects what Autobahn 22.7.1's Message.parse() (plus the assertions of the
 * class constructors it calls) accepts and rejects, and marshal produces the list Autobahn's
 * marshal() produces, with dict keys in Autobahn's insertion order, so that JSON output can match
 * byte for byte. Unknown Options/Details keys are dropped, as Autobahn drops them (except the
 * "x_" custom keys of WELCOME, which Autobahn keeps). Acceptance is Autobahn's for every input
 * (checked by interop.message on ~86k mutations) except the two acceptance items listed below
 * (int64 integers, PUBLISH's six-element form); the differences, each kept for the reason
 * given, are:
 *   - Spec keys Autobahn does not model are kept as typed fields marked [spec] (ppt_*,
 *     disclose_me, agent, trustlevel, progressive invocations, disclose_caller, forward_timeout,
 *     and the role features of the spec Autobahn does not know). Acceptance is Autobahn's: a
 *     [spec] key of another type than its field's is ignored (reads as absent), as Autobahn
 *     ignores them all. Marshal emits the kept ones after Autobahn's keys (Autobahn drops them):
 *     no conformance sample carries one, but the router and session implement the spec
 *     features they announce (caller/publisher disclosure, progressive call invocations,
 *     agent), so dropping them would drop those features.
 *   - EVENT_RECEIVED (337) is parsed and marshalled, although Autobahn 22.7.1's serializer
 *     rejects it: forced by the conformance sample singlemessage/advanced/eventreceived.json.
 *   - Where Autobahn would emit `null` for Arguments followed by ArgumentsKw (args None,
 *     kwargs set; only from a null Arguments on input, which Autobahn accepts except in
 *     PUBLISH), marshal emits `[]`. No conformance sample has it; kept because the spec's
 *     message grammar requires a list there and our own kwargs-only messages (args unset) would
 *     otherwise go out as null, which spec-following peers reject.
 *   - force_reregister given as 0 or 1 (Autobahn accepts them) is marshalled as false/true
 *     (Autobahn echoes the integer); the field is a bool.
 *   - Acceptance: a few integers Autobahn takes as unbounded Python ints (timeout, caller,
 *     publisher, ...) must fit int64 here (the fields are int64_t): e.g. a CALL timeout of 2^63
 *     ms is refused ("integer too large"). Ids beyond 2^53 are invalid WAMP anyway, and a
 *     timeout beyond 2^63 ms is not a timeout any peer can mean; no conformance sample has one.
 *   - Acceptance: PUBLISH's six-element form needs a list in the Arguments position (Autobahn
 *     also takes a string or bytes there; its ArgumentsKw must be a dict, as here): no
 *     conformance sample has it, but every consumer of a message treats args as a list and
 *     kwargs as a dict, and Autobahn's own EVENT parse refuses such args, so the router could
 *     not deliver them.
 * ABORT is exactly Autobahn's: 3 elements (the spec draft's Arguments/ArgumentsKw are refused;
 * no conformance sample has them).
 */
#ifndef WAMP_MESSAGE_H
#define WAMP_MESSAGE_H

#include "common.h"
#include "value.h"
#include "serializer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- message types */

typedef enum wamp_msg_type {
    WAMP_MSG_HELLO = 1,
    WAMP_MSG_WELCOME = 2,
    WAMP_MSG_ABORT = 3,
    WAMP_MSG_CHALLENGE = 4,
    WAMP_MSG_AUTHENTICATE = 5,
    WAMP_MSG_GOODBYE = 6,
    WAMP_MSG_ERROR = 8,
    WAMP_MSG_PUBLISH = 16,
    WAMP_MSG_PUBLISHED = 17,
    WAMP_MSG_SUBSCRIBE = 32,
    WAMP_MSG_SUBSCRIBED = 33,
    WAMP_MSG_UNSUBSCRIBE = 34,
    WAMP_MSG_UNSUBSCRIBED = 35,
    WAMP_MSG_EVENT = 36,
    WAMP_MSG_CALL = 48,
    WAMP_MSG_CANCEL = 49,
    WAMP_MSG_RESULT = 50,
    WAMP_MSG_REGISTER = 64,
    WAMP_MSG_REGISTERED = 65,
    WAMP_MSG_UNREGISTER = 66,
    WAMP_MSG_UNREGISTERED = 67,
    WAMP_MSG_INVOCATION = 68,
    WAMP_MSG_INTERRUPT = 69,
    WAMP_MSG_YIELD = 70,
    WAMP_MSG_EVENT_RECEIVED = 337 /* Autobahn/testsuite acknowledged event delivery */
} wamp_msg_type;

/* "HELLO", "EVENT_RECEIVED", ...; NULL for a code that is no message type. */
WAMP_API const char *wamp_msg_type_name(int type);
/* The code of a message type name (exact upper-case name as above), or 0 when unknown. */
WAMP_API int wamp_msg_type_from_name(const char *name);

/* ---------------------------------------------------------------- ids, URIs, realms */

/* WAMP ids are integers in [0, 2^53] (0 appears in revocation messages). */
typedef uint64_t wamp_id;
#define WAMP_ID_MAX 9007199254740992ULL /* 2^53 */

static inline bool wamp_id_valid(uint64_t id)
{
    return id <= WAMP_ID_MAX;
}

/* A value is a valid id when it is an integer (not a bool or float) in [0, 2^53]
 * (Autobahn's check_or_raise_id). Writes it to *out (may be NULL) when valid. */
WAMP_API bool wamp_id_check(const wamp_value *v, wamp_id *out);

typedef enum wamp_uri_strictness {
    WAMP_URI_LOOSE = 0, /* components: no whitespace, '.' or '#' (the MUST rule) */
    WAMP_URI_STRICT = 1 /* components: only [0-9a-z_] (the SHOULD rule) */
} wamp_uri_strictness;

/*
 * Checks uri against the pattern Autobahn's check_or_raise_uri() selects:
 *   allow_last_empty        -> ^([c]+\.)*([c]*)$          (prefix patterns)
 *   allow_empty_components  -> ^(([c]+\.)|\.)*([c]+)?$   (wildcard patterns; "" matches)
 *   neither                 -> ^([c]+\.)*([c]+)$
 * where [c] is [^\s.#] (loose) or [0-9a-z_] (strict, where 0-9 is Python's \d: any Unicode
 * decimal digit); allow_last_empty wins when both are set. "\s" is Python's Unicode whitespace.
 * As in Python, `$` also matches before one final "\n": "com.foo\n" is valid (Autobahn agrees).
 * Returns WAMP_OK or WAMP_EURI (also for invalid UTF-8 or uri.ptr == NULL).
 */
WAMP_API int wamp_uri_check(wamp_str uri, wamp_uri_strictness strictness,
                            bool allow_empty_components, bool allow_last_empty);

typedef enum wamp_match {
    WAMP_MATCH_EXACT = 0,
    WAMP_MATCH_PREFIX = 1,
    WAMP_MATCH_WILDCARD = 2
} wamp_match;

/* "exact", "prefix", "wildcard"; NULL if out of range. */
WAMP_API const char *wamp_match_name(wamp_match m);
/* URI check for a topic/procedure pattern under a match policy (as REGISTER does):
 * exact: no empty component; prefix: the last may be empty; wildcard: any may be empty. */
WAMP_API int wamp_uri_check_pattern(wamp_str uri, wamp_match match, wamp_uri_strictness s);

/* Realm name categories of Autobahn's identify_realm_name_category(). */
typedef enum wamp_realm_category {
    WAMP_REALM_INVALID = 0,
    WAMP_REALM_STANDALONE, /* ^[A-Za-z][A-Za-z0-9_\-@.]{2,254}$ (Autobahn 22.7 says "normal") */
    WAMP_REALM_ETH,        /* ^0x[0-9A-Fa-f]{40}$ */
    WAMP_REALM_ENS,        /* standalone and ^[a-z0-9_\-@.]{2,250}\.eth$ */
    WAMP_REALM_REVERSE_ENS /* standalone and ^eth\.[a-z0-9_\-@.]{2,250}$ */
} wamp_realm_category;

WAMP_API wamp_realm_category wamp_realm_name_category(wamp_str name);
/* "standalone", "eth", "ens", "reverse_ens"; NULL for WAMP_REALM_INVALID. */
WAMP_API const char *wamp_realm_category_name(wamp_realm_category c);
/* Autobahn's check_or_raise_realm_name(): standalone names, and with allow_eth also Ethereum
 * addresses. Returns WAMP_OK or WAMP_EREALM. (HELLO itself only checks Realm as a loose URI.) */
WAMP_API int wamp_realm_name_check(wamp_str name, bool allow_eth);

/* Payload transparency identifiers (Autobahn's is_valid_enc_algo / is_valid_enc_serializer):
 * enc_algo "cryptobox" | "mqtt" | "xbr" | custom; enc_serializer "json" | "msgpack" | "cbor" |
 * "ubjson" | "flatbuffers" | custom; custom = ^x_([a-z][0-9a-z_]+)?$ */
WAMP_API bool wamp_enc_algo_valid(wamp_str s);
WAMP_API bool wamp_enc_serializer_valid(wamp_str s);
/* True for Autobahn's custom attribute names ^x_([a-z][0-9a-z_]+)?$ */
WAMP_API bool wamp_custom_attribute_valid(wamp_str s);

#define WAMP_ENC_ALGO_CRYPTOBOX "cryptobox"
#define WAMP_ENC_ALGO_MQTT      "mqtt"
#define WAMP_ENC_ALGO_XBR       "xbr"

/* ---------------------------------------------------------------- standard URIs */

/* Autobahn's ApplicationError constants (autobahn/wamp/exception.py), in its order. */
#define WAMP_ERROR_INVALID_URI              "wamp.error.invalid_uri"
#define WAMP_ERROR_INVALID_PAYLOAD          "wamp.error.invalid_payload"
#define WAMP_ERROR_PAYLOAD_SIZE_EXCEEDED    "wamp.error.payload_size_exceeded"
#define WAMP_ERROR_NO_SUCH_PROCEDURE        "wamp.error.no_such_procedure"
#define WAMP_ERROR_PROCEDURE_ALREADY_EXISTS "wamp.error.procedure_already_exists"
#define WAMP_ERROR_PROCEDURE_EXISTS_INVOCATION_POLICY_CONFLICT                                     \
    "wamp.error.procedure_exists_with_different_invocation_policy"
#define WAMP_ERROR_NO_SUCH_REGISTRATION     "wamp.error.no_such_registration"
#define WAMP_ERROR_NO_SUCH_SUBSCRIPTION     "wamp.error.no_such_subscription"
#define WAMP_ERROR_NO_SUCH_SESSION          "wamp.error.no_such_session"
#define WAMP_ERROR_INVALID_ARGUMENT         "wamp.error.invalid_argument"
#define WAMP_ERROR_SYSTEM_SHUTDOWN          "wamp.error.system_shutdown"
#define WAMP_ERROR_CLOSE_REALM              "wamp.error.close_realm"
#define WAMP_ERROR_GOODBYE_AND_OUT          "wamp.error.goodbye_and_out"
#define WAMP_ERROR_NOT_AUTHORIZED           "wamp.error.not_authorized"
#define WAMP_ERROR_AUTHORIZATION_FAILED     "wamp.error.authorization_failed"
#define WAMP_ERROR_AUTHENTICATION_FAILED    "wamp.error.authentication_failed"
#define WAMP_ERROR_NO_AUTH_METHOD           "wamp.error.no_auth_method"
#define WAMP_ERROR_NO_SUCH_REALM            "wamp.error.no_such_realm"
#define WAMP_ERROR_NO_SUCH_ROLE             "wamp.error.no_such_role"
#define WAMP_ERROR_NO_SUCH_PRINCIPAL        "wamp.error.no_such_principal"
#define WAMP_ERROR_CANCELED                 "wamp.error.canceled"
#define WAMP_ERROR_TIMEOUT                  "wamp.error.timeout"
#define WAMP_ERROR_NO_ELIGIBLE_CALLEE       "wamp.error.no_eligible_callee"
#define WAMP_ERROR_ENC_NO_PAYLOAD_CODEC     "wamp.error.no_payload_codec"
#define WAMP_ERROR_ENC_TRUSTED_URI_MISMATCH "wamp.error.encryption.trusted_uri_mismatch"
#define WAMP_ERROR_ENC_DECRYPT_ERROR        "wamp.error.encryption.decrypt_error"
#define WAMP_ERROR_TYPE_CHECK_ERROR         "wamp.error.type_check_error"
/* Used elsewhere in Autobahn (session, component). */
#define WAMP_ERROR_RUNTIME_ERROR       "wamp.error.runtime_error"
#define WAMP_ERROR_CANNOT_AUTHENTICATE "wamp.error.cannot_authenticate"
/* The specification's URIs (wamp-spec-notes §4). */
#define WAMP_ERROR_PROTOCOL_VIOLATION            "wamp.error.protocol_violation"
#define WAMP_ERROR_NO_MATCHING_AUTH_METHOD       "wamp.error.no_matching_auth_method"
#define WAMP_ERROR_AUTHENTICATION_DENIED         "wamp.error.authentication_denied"
#define WAMP_ERROR_AUTHENTICATION_REQUIRED       "wamp.error.authentication_required"
#define WAMP_ERROR_AUTHORIZATION_DENIED          "wamp.error.authorization_denied"
#define WAMP_ERROR_AUTHORIZATION_REQUIRED        "wamp.error.authorization_required"
#define WAMP_ERROR_OPTION_NOT_ALLOWED            "wamp.error.option_not_allowed"
#define WAMP_ERROR_OPTION_DISALLOWED_DISCLOSE_ME "wamp.error.option_disallowed.disclose_me"
#define WAMP_ERROR_DISCLOSE_ME_NOT_ALLOWED       "wamp.error.disclose_me.not_allowed"
#define WAMP_ERROR_NETWORK_FAILURE               "wamp.error.network_failure"
#define WAMP_ERROR_UNAVAILABLE                   "wamp.error.unavailable"
#define WAMP_ERROR_NO_AVAILABLE_CALLEE           "wamp.error.no_available_callee"
#define WAMP_ERROR_FEATURE_NOT_SUPPORTED         "wamp.error.feature_not_supported"

/* Close / abort reasons. */
#define WAMP_CLOSE_NORMAL          "wamp.close.normal" /* Autobahn's Goodbye.DEFAULT_REASON */
#define WAMP_CLOSE_SYSTEM_SHUTDOWN "wamp.close.system_shutdown"
#define WAMP_CLOSE_CLOSE_REALM     "wamp.close.close_realm"
#define WAMP_CLOSE_GOODBYE_AND_OUT "wamp.close.goodbye_and_out"
#define WAMP_CLOSE_KILLED          "wamp.close.killed"

/* All the URIs above (errors then close reasons), NULL-terminated, for iteration and tests. */
WAMP_API const char *const *wamp_standard_uris(size_t *count);

/* ---------------------------------------------------------------- roles and features */

typedef enum wamp_role {
    WAMP_ROLE_PUBLISHER = 0,
    WAMP_ROLE_SUBSCRIBER,
    WAMP_ROLE_CALLER,
    WAMP_ROLE_CALLEE,
    WAMP_ROLE_BROKER,
    WAMP_ROLE_DEALER,
    WAMP_ROLE_COUNT
} wamp_role;

/* Feature names. The first block is what Autobahn's role classes know (autobahn/wamp/role.py);
 * the second block [spec] is announced by the specification and kept by us, ignored by Autobahn. */
typedef enum wamp_feature {
    WAMP_FEATURE_PUBLISHER_IDENTIFICATION = 0,
    WAMP_FEATURE_PUBLICATION_TRUSTLEVELS,
    WAMP_FEATURE_PATTERN_BASED_SUBSCRIPTION,
    WAMP_FEATURE_SESSION_META_API,
    WAMP_FEATURE_SUBSCRIPTION_META_API,
    WAMP_FEATURE_SUBSCRIBER_BLACKWHITE_LISTING,
    WAMP_FEATURE_PUBLISHER_EXCLUSION,
    WAMP_FEATURE_SUBSCRIPTION_REVOCATION,
    WAMP_FEATURE_EVENT_HISTORY,
    WAMP_FEATURE_PAYLOAD_TRANSPARENCY,
    WAMP_FEATURE_X_ACKNOWLEDGED_EVENT_DELIVERY,
    WAMP_FEATURE_PAYLOAD_ENCRYPTION_CRYPTOBOX,
    WAMP_FEATURE_EVENT_RETENTION,
    WAMP_FEATURE_CALLER_IDENTIFICATION,
    WAMP_FEATURE_CALL_TRUSTLEVELS,
    WAMP_FEATURE_PATTERN_BASED_REGISTRATION,
    WAMP_FEATURE_REGISTRATION_META_API,
    WAMP_FEATURE_SHARED_REGISTRATION,
    WAMP_FEATURE_CALL_TIMEOUT,
    WAMP_FEATURE_CALL_CANCELING,
    WAMP_FEATURE_PROGRESSIVE_CALL_RESULTS,
    WAMP_FEATURE_REGISTRATION_REVOCATION,
    WAMP_FEATURE_TESTAMENT_META_API,
    /* [spec] */
    WAMP_FEATURE_PROGRESSIVE_CALL_INVOCATIONS,
    WAMP_FEATURE_PAYLOAD_PASSTHRU_MODE,
    WAMP_FEATURE_SHARDED_REGISTRATION,
    WAMP_FEATURE_SHARDED_SUBSCRIPTION,
    WAMP_FEATURE_CALL_REROUTE,
    WAMP_FEATURE_COUNT
} wamp_feature;

/*
 * The roles of HELLO (publisher, subscriber, caller, callee) or WELCOME (broker, dealer) with
 * their features. Roles are kept in announcement order (marshal emits them in that order). A
 * feature is "set" when announced as a bool (true or false); null or absent is unset.
 * Parse validates like Autobahn: every role must be a dict, "features" a dict, and each feature
 * Autobahn knows for that role a bool or null; other features are ignored unless they are [spec]
 * features of that role given as bools, which are kept. Marshal emits role -> {} when no
 * feature is set, else {"features": {...}} with features in Autobahn's declaration order.
 * Zero-initialise; use the functions below.
 */
typedef struct wamp_roles {
    uint8_t count;                          /* number of roles announced */
    uint8_t order[WAMP_ROLE_COUNT];         /* wamp_role values in announcement order */
    uint64_t features_set[WAMP_ROLE_COUNT]; /* by wamp_role: bit (1 << feature) announced */
    uint64_t features_on[WAMP_ROLE_COUNT];  /* by wamp_role: bit (1 << feature) announced true */
} wamp_roles;

/* "publisher", ...; NULL if out of range. */
WAMP_API const char *wamp_role_name(wamp_role r);
/* Role by name; -1 when unknown. */
WAMP_API int wamp_role_from_name(wamp_str name);
/* "publisher_identification", ...; NULL if out of range. */
WAMP_API const char *wamp_feature_name(wamp_feature f);
/* Feature by name; -1 when unknown. */
WAMP_API int wamp_feature_from_name(wamp_str name);
/* True when feature f belongs to role r (Autobahn's list for r, or a [spec] feature of r). */
WAMP_API bool wamp_role_has_feature(wamp_role r, wamp_feature f);

/* Announces role r (no-op if already there). WAMP_OK or WAMP_EINVAL (r out of range). */
WAMP_API int wamp_roles_add(wamp_roles *roles, wamp_role r);
/* Announces feature f of role r as `on` (adds the role if needed). WAMP_EINVAL when f does not
 * belong to r (see wamp_role_has_feature()). */
WAMP_API int wamp_roles_set_feature(wamp_roles *roles, wamp_role r, wamp_feature f, bool on);
/* True when role r was announced. */
WAMP_API bool wamp_roles_has(const wamp_roles *roles, wamp_role r);
/* True when role r announced feature f as true. */
WAMP_API bool wamp_roles_feature(const wamp_roles *roles, wamp_role r, wamp_feature f);
/* Autobahn's DEFAULT_CLIENT_ROLES (subscriber, publisher, caller, callee and their features). */
WAMP_API void wamp_roles_client_default(wamp_roles *roles);

/* ---------------------------------------------------------------- small option types */

typedef enum wamp_opt_bool {
    WAMP_OPT_UNSET = 0,
    WAMP_OPT_FALSE = 1,
    WAMP_OPT_TRUE = 2
} wamp_opt_bool;
#define WAMP_OPT_BOOL(b) ((b) ? WAMP_OPT_TRUE : WAMP_OPT_FALSE)

typedef struct wamp_opt_int {
    bool set;
    int64_t value;
} wamp_opt_int;
#define WAMP_OPT_INT(v) ((wamp_opt_int){true, (v)})

typedef enum wamp_invoke {
    WAMP_INVOKE_SINGLE = 0,
    WAMP_INVOKE_FIRST,
    WAMP_INVOKE_LAST,
    WAMP_INVOKE_ROUNDROBIN,
    WAMP_INVOKE_RANDOM
} wamp_invoke;
/* "single", "first", "last", "roundrobin", "random"; NULL if out of range. */
WAMP_API const char *wamp_invoke_name(wamp_invoke i);

/* CANCEL.Options.mode (skip, kill, killnowait) and INTERRUPT.Options.mode (kill, killnowait). */
typedef enum wamp_cancel_mode {
    WAMP_CANCEL_UNSET = 0, /* no "mode" key */
    WAMP_CANCEL_SKIP,
    WAMP_CANCEL_KILL,
    WAMP_CANCEL_KILLNOWAIT
} wamp_cancel_mode;
/* "skip", "kill", "killnowait"; NULL for WAMP_CANCEL_UNSET or out of range. */
WAMP_API const char *wamp_cancel_mode_name(wamp_cancel_mode m);

/* ---------------------------------------------------------------- per-type structs */

/* [1, Realm|uri|null, Details|dict] */
typedef struct wamp_hello_msg {
    wamp_str realm;         /* loose URI; ptr NULL: null (resumption / dynamic realm) */
    wamp_roles roles;       /* required, at least one of publisher/subscriber/caller/callee */
    wamp_value authmethods; /* LIST of STRING or absent */
    wamp_str authid;
    wamp_str authrole;
    wamp_value authextra; /* DICT or absent */
    wamp_opt_bool resumable;
    wamp_opt_int resume_session; /* "resume-session" (any integer) */
    wamp_str resume_token;       /* "resume-token"; required when resume_session is non-zero */
    wamp_str agent;              /* [spec] */
} wamp_hello_msg;

/* [2, Session|id, Details|dict]. Autobahn emits these details only when "truthy" (non-empty
 * string, true, non-empty dict): a false `resumed` is not sent. Quirk kept from Autobahn:
 * "authmethod" is emitted exactly when authrole is non-empty (as null if authmethod is absent). */
typedef struct wamp_welcome_msg {
    wamp_id session;
    wamp_roles roles; /* required, broker and/or dealer */
    wamp_str realm;
    wamp_str authid;
    wamp_str authrole;
    wamp_str authmethod;
    wamp_str authprovider;
    wamp_value authextra; /* DICT or absent (null on input) */
    wamp_opt_bool resumed;
    wamp_opt_bool resumable;
    wamp_str resume_token; /* "resume_token"; required when resumable is true */
    wamp_value custom;     /* DICT of the "x_..." custom keys (emitted first) or absent */
    wamp_str agent;        /* [spec] */
} wamp_welcome_msg;

/* [3, Details|dict, Reason|uri, (Arguments|list, ArgumentsKw|dict)] */
typedef struct wamp_abort_msg {
    wamp_str reason;  /* loose URI */
    wamp_str message; /* Details.message (sent when non-empty) */
} wamp_abort_msg;

/* [4, AuthMethod|string, Extra|dict] */
typedef struct wamp_challenge_msg {
    wamp_str method;
    wamp_value extra; /* DICT; absent marshals as {} */
} wamp_challenge_msg;

/* [5, Signature|string, Extra|dict] */
typedef struct wamp_authenticate_msg {
    wamp_str signature;
    wamp_value extra; /* DICT; absent marshals as {} */
} wamp_authenticate_msg;

/* [6, Details|dict, Reason|uri] */
typedef struct wamp_goodbye_msg {
    wamp_str reason;  /* loose URI; absent marshals as WAMP_CLOSE_NORMAL (Autobahn default) */
    wamp_str message; /* sent when non-empty */
    wamp_opt_bool resumable; /* sent when true */
} wamp_goodbye_msg;

/* [8, REQUEST.Type|int, REQUEST.Request|id, Details|dict, Error|uri, (payload)] */
typedef struct wamp_error_msg {
    int request_type; /* 16, 32, 34, 48, 64, 66 or 68 */
    wamp_id request;
    wamp_str error; /* loose URI */
    wamp_opt_int callee;
    wamp_str callee_authid;
    wamp_str callee_authrole;
} wamp_error_msg;

/* [16, Request|id, Options|dict, Topic|uri, (payload)] */
typedef struct wamp_publish_msg {
    wamp_id request;
    wamp_str topic; /* loose URI, no empty component */
    wamp_opt_bool acknowledge;
    wamp_opt_bool exclude_me;
    wamp_value exclude;           /* LIST of INT (session ids) or absent */
    wamp_value exclude_authid;    /* LIST of STRING or absent */
    wamp_value exclude_authrole;  /* LIST of STRING or absent */
    wamp_value eligible;          /* LIST of INT or absent */
    wamp_value eligible_authid;   /* LIST of STRING or absent */
    wamp_value eligible_authrole; /* LIST of STRING or absent */
    wamp_opt_bool retain;
    wamp_str transaction_hash;
    wamp_opt_bool disclose_me; /* [spec] publisher identification */
} wamp_publish_msg;

/* [17, PUBLISH.Request|id, Publication|id] */
typedef struct wamp_published_msg {
    wamp_id request;
    wamp_id publication;
} wamp_published_msg;

/* [32, Request|id, Options|dict, Topic|uri] — the topic may have empty components whatever
 * the match policy (Autobahn checks it with allow_empty_components). */
typedef struct wamp_subscribe_msg {
    wamp_id request;
    wamp_str topic;
    wamp_match match; /* "match"; exact is not sent */
    wamp_opt_bool get_retained;
} wamp_subscribe_msg;

/* [33, SUBSCRIBE.Request|id, Subscription|id] */
typedef struct wamp_subscribed_msg {
    wamp_id request;
    wamp_id subscription;
} wamp_subscribed_msg;

/* [34, Request|id, Subscription|id, (Options|dict)] — Options only carry forward_for and are
 * sent only when forward_for is a non-empty list. */
typedef struct wamp_unsubscribe_msg {
    wamp_id request;
    wamp_id subscription;
} wamp_unsubscribe_msg;

/* [35, UNSUBSCRIBE.Request|id, (Details|dict)] — revocation: request 0 and
 * Details.subscription; a non-zero request must not carry a subscription. */
typedef struct wamp_unsubscribed_msg {
    wamp_id request;
    wamp_opt_int subscription; /* Details.subscription (any integer, not 0 when request is 0) */
    wamp_str reason;           /* Details.reason, loose URI */
} wamp_unsubscribed_msg;

/* [36, Subscription|id, Publication|id, Details|dict, (payload)] */
typedef struct wamp_event_msg {
    wamp_id subscription;
    wamp_id publication;
    wamp_opt_int publisher;
    wamp_str publisher_authid;
    wamp_str publisher_authrole;
    wamp_str topic; /* any string (not URI-checked by Autobahn) */
    wamp_opt_bool retained;
    wamp_str transaction_hash;
    wamp_opt_bool x_acknowledged_delivery;
    wamp_opt_int trustlevel; /* [spec] */
} wamp_event_msg;

/* [337, EVENT.Publication|id] */
typedef struct wamp_event_received_msg {
    wamp_id publication;
} wamp_event_received_msg;

/* [48, Request|id, Options|dict, Procedure|uri, (payload)] */
typedef struct wamp_call_msg {
    wamp_id request;
    wamp_str procedure;   /* loose URI, no empty component */
    wamp_opt_int timeout; /* milliseconds, >= 0 */
    wamp_opt_bool receive_progress;
    wamp_str transaction_hash;
    wamp_opt_int caller;
    wamp_str caller_authid;
    wamp_str caller_authrole;
    wamp_opt_bool disclose_me; /* [spec] caller identification */
    wamp_opt_bool progress;    /* [spec] progressive call invocations */
} wamp_call_msg;

/* [49, CALL.Request|id, Options|dict] */
typedef struct wamp_cancel_msg {
    wamp_id request;
    wamp_cancel_mode mode;
} wamp_cancel_msg;

/* [50, CALL.Request|id, Details|dict, (payload)] */
typedef struct wamp_result_msg {
    wamp_id request;
    wamp_opt_bool progress;
    wamp_opt_int callee;
    wamp_str callee_authid;
    wamp_str callee_authrole;
} wamp_result_msg;

/* [64, Request|id, Options|dict, Procedure|uri] — the procedure is checked according to match
 * (see wamp_uri_check_pattern()). */
typedef struct wamp_register_msg {
    wamp_id request;
    wamp_str procedure;
    wamp_match match;               /* exact is not sent */
    wamp_invoke invoke;             /* single is not sent */
    wamp_opt_int concurrency;       /* >= 1 */
    wamp_opt_bool force_reregister; /* Autobahn also accepts 0 and 1 here */
    wamp_opt_bool disclose_caller;  /* [spec] */
    wamp_opt_bool forward_timeout;  /* [spec] */
} wamp_register_msg;

/* [65, REGISTER.Request|id, Registration|id] */
typedef struct wamp_registered_msg {
    wamp_id request;
    wamp_id registration;
} wamp_registered_msg;

/* [66, Request|id, Registration|id, (Options|dict)] — as UNSUBSCRIBE. */
typedef struct wamp_unregister_msg {
    wamp_id request;
    wamp_id registration;
} wamp_unregister_msg;

/* [67, UNREGISTER.Request|id, (Details|dict)] — as UNSUBSCRIBED. */
typedef struct wamp_unregistered_msg {
    wamp_id request;
    wamp_opt_int registration;
    wamp_str reason;
} wamp_unregistered_msg;

/* [68, Request|id, Registration|id, Details|dict, (payload)] */
typedef struct wamp_invocation_msg {
    wamp_id request;
    wamp_id registration;
    wamp_opt_int timeout; /* >= 0 */
    wamp_opt_bool receive_progress;
    wamp_opt_int caller;
    wamp_str caller_authid;
    wamp_str caller_authrole;
    wamp_str procedure; /* any string */
    wamp_str transaction_hash;
    wamp_opt_int trustlevel; /* [spec] */
    wamp_opt_bool progress;  /* [spec] progressive call invocations */
} wamp_invocation_msg;

/* [69, INVOCATION.Request|id, Options|dict] */
typedef struct wamp_interrupt_msg {
    wamp_id request;
    wamp_cancel_mode mode; /* kill or killnowait (skip is rejected) */
    wamp_str reason;       /* loose URI, e.g. WAMP_ERROR_CANCELED */
} wamp_interrupt_msg;

/* [70, INVOCATION.Request|id, Options|dict, (payload)] */
typedef struct wamp_yield_msg {
    wamp_id request;
    wamp_opt_bool progress;
    wamp_opt_int callee;
    wamp_str callee_authid;
    wamp_str callee_authrole;
} wamp_yield_msg;

/* ---------------------------------------------------------------- the message */

/*
 * A WAMP message: the type, the fields shared by several types, and a union of the per-type
 * fields (m.call.procedure, m.hello.roles, ...).
 *
 * Application payload (ABORT, ERROR, PUBLISH, EVENT, CALL, RESULT, INVOCATION, YIELD):
 *   args    LIST, a RAW span holding a list (router lazy decode; not decoded by parse), or absent
 *           (on input also `null`, which Autobahn accepts except in PUBLISH).
 *   kwargs  DICT, RAW dict, or absent.
 *   payload transparent (e.g. end-to-end encrypted) payload: bytes in place of Arguments with no
 *           ArgumentsKw (Autobahn's "payload transparency"); excludes args and kwargs.
 *   enc_algo, enc_key, enc_serializer: its Options/Details keys, only kept and sent together
 *           with a payload (enc_algo required when either other is set).
 *   Marshal follows Autobahn: a non-empty payload is sent alone; else non-empty kwargs are sent
 *   with args ([] when absent); else non-empty args alone; empty lists/dicts are dropped.
 * [spec] ppt_scheme, ppt_serializer, ppt_cipher, ppt_keyid: Payload PassThru Mode keys of
 *   CALL/PUBLISH/YIELD (Options) and INVOCATION/EVENT/RESULT/ERROR (Details), strings.
 * forward_for: router-to-router links (Options/Details of every message from ERROR to YIELD
 *   except the acknowledgements): a LIST of {"session": int, "authid": string|null,
 *   "authrole": string} dicts (extra keys kept), or absent.
 * options_in: after parse, the Options/Details dict exactly as received (unknown keys
 *   included), for callers that need more than the typed fields. Marshal ignores it.
 */
typedef struct wamp_message {
    wamp_msg_type type;
    wamp_value args;
    wamp_value kwargs;
    wamp_str payload;
    wamp_str enc_algo;
    wamp_str enc_key;
    wamp_str enc_serializer;
    wamp_str ppt_scheme;
    wamp_str ppt_serializer;
    wamp_str ppt_cipher;
    wamp_str ppt_keyid;
    wamp_value forward_for;
    wamp_value options_in;
    union {
        wamp_hello_msg hello;
        wamp_welcome_msg welcome;
        wamp_abort_msg abort;
        wamp_challenge_msg challenge;
        wamp_authenticate_msg authenticate;
        wamp_goodbye_msg goodbye;
        wamp_error_msg error;
        wamp_publish_msg publish;
        wamp_published_msg published;
        wamp_subscribe_msg subscribe;
        wamp_subscribed_msg subscribed;
        wamp_unsubscribe_msg unsubscribe;
        wamp_unsubscribed_msg unsubscribed;
        wamp_event_msg event;
        wamp_event_received_msg event_received;
        wamp_call_msg call;
        wamp_cancel_msg cancel;
        wamp_result_msg result;
        wamp_register_msg register_; /* `register` is a C keyword */
        wamp_registered_msg registered;
        wamp_unregister_msg unregister;
        wamp_unregistered_msg unregistered;
        wamp_invocation_msg invocation;
        wamp_interrupt_msg interrupt;
        wamp_yield_msg yield;
    };
} wamp_message;

/* Why parse failed: code is the returned error; text a sentence naming the field, e.g.
 * "CALL.Options.timeout: expected integer, got string". Always NUL-terminated. */
typedef struct wamp_msg_error {
    int code;
    char text[200];
} wamp_msg_error;

/* ---------------------------------------------------------------- parse and marshal */

/*
 * Validates the decoded message `list` and fills *out (zeroed first) like Autobahn's parse().
 * list: a LIST value (e.g. from wamp_value_decode()); RAW elements are accepted only for
 *       Arguments (a list) and ArgumentsKw (a dict) and are not decoded.
 * a:    arena for the few things parse builds (WELCOME custom dict); may be NULL, then a WELCOME
 *       with custom keys fails with WAMP_EINVAL.
 * err:  may be NULL; on failure receives the reason.
 * Returns WAMP_OK or:
 *   WAMP_EMSGTYPE  not a list, empty, first element not an integer, or an unknown type
 *   WAMP_EMSGLEN   wrong number of elements for the type
 *   WAMP_EFIELD    an element has the wrong type (Details not a dict, Arguments not a list, ...)
 *   WAMP_EID       an id is not an integer in [0, 2^53]
 *   WAMP_EURI      a URI element or option fails its pattern
 *   WAMP_EREALM    HELLO.Realm is neither null nor a valid URI
 *   WAMP_EOPTION   an Options/Details/roles entry has a wrong type or value
 *   WAMP_EPROTO    fields that contradict each other (payload with enc_key but no enc_algo,
 *                  revocation id rules, resume-token missing, ...)
 *   WAMP_ENOMEM
 * *out borrows from `list` (see Memory above).
 */
WAMP_API int wamp_message_parse(const wamp_value *list, wamp_arena *a, wamp_message *out,
                                wamp_msg_error *err);

/*
 * Builds the canonical list of m, exactly as Autobahn's marshal() (see Fidelity above), in
 * arena a. *out borrows m's strings and values. Returns WAMP_OK, WAMP_ENOMEM, or WAMP_EINVAL
 * for an unknown type, a payload together with args/kwargs, a HELLO/WELCOME without roles, or a
 * missing mandatory string (ABORT reason, CHALLENGE method, AUTHENTICATE signature, ERROR
 * error, PUBLISH/SUBSCRIBE topic, CALL/REGISTER procedure). Values are not validated further:
 * marshal what parse would accept (Autobahn asserts the same in its constructors).
 */
WAMP_API int wamp_message_marshal(const wamp_message *m, wamp_arena *a, wamp_value *out);

/*
 * Decodes one message from data[0..len) with serializer ser and parses it. Values and the
 * message borrow `data` unless opts->copy_strings (opts may be NULL). Codec errors are returned
 * as they are (err->text names them); then parse errors as wamp_message_parse().
 * WAMP_SER_FLATBUFFERS is a message-level codec: it goes to wamp_message_decode_flatbuffers()
 * (flatbuffers.h; current schema; opts ignored, the result always borrows data).
 */
WAMP_API int wamp_message_decode(wamp_serializer_id ser, const uint8_t *data, size_t len,
                                 wamp_arena *a, const wamp_decode_opts *opts, wamp_message *out,
                                 wamp_msg_error *err);

/* Marshals m (scratch values in arena a) and appends its encoding in ser to out.
 * WAMP_SER_FLATBUFFERS: wamp_message_encode_flatbuffers() with the current schema. */
WAMP_API int wamp_message_encode(wamp_serializer_id ser, const wamp_message *m, wamp_arena *a,
                                 wamp_buf *out);

/* Deep copy of src into arena a: dst owns all its strings and values afterwards.
 * Returns WAMP_OK or WAMP_ENOMEM. */
WAMP_API int wamp_message_copy(wamp_arena *a, wamp_message *dst, const wamp_message *src);

/* ---------------------------------------------------------------- helpers for peers */

/*
 * The request id a message carries or answers (PUBLISH/CALL/... Request, their replies'
 * REQUEST.Request, ERROR's REQUEST.Request, INVOCATION/INTERRUPT/YIELD's invocation request).
 * Returns false (and leaves *id alone) for HELLO, WELCOME, ABORT, CHALLENGE, AUTHENTICATE,
 * GOODBYE, EVENT and EVENT_RECEIVED.
 */
WAMP_API bool wamp_message_request_id(const wamp_message *m, wamp_id *id);

/*
 * An ERROR answering `request` (PUBLISH, SUBSCRIBE, UNSUBSCRIBE, CALL, REGISTER, UNREGISTER or
 * INVOCATION) with the given error URI (borrowed). Returns WAMP_OK, or WAMP_EINVAL when request
 * is of another type (no ERROR can answer it).
 */
WAMP_API int wamp_message_error_for(const wamp_message *request, const char *error,
                                    wamp_message *out);

/*
 * Copies the application payload of src to dst — args, kwargs, payload, enc_algo, enc_key,
 * enc_serializer and the [spec] ppt_* keys — as a router does from PUBLISH to EVENT, CALL to
 * INVOCATION, YIELD to RESULT or a callee's ERROR to the caller's. Shallow: dst borrows what
 * src borrows.
 */
WAMP_API void wamp_message_copy_payload(wamp_message *dst, const wamp_message *src);

/* Appends a readable one-line form of m (its marshalled list, like wamp_value_dump()) to out,
 * prefixed with the type name: "CALL [48,1,{},\"com.p\"]". Returns WAMP_OK, WAMP_ENOMEM or
 * a marshal error. */
WAMP_API int wamp_message_dump(wamp_buf *out, const wamp_message *m);

/* ---------------------------------------------------------------- constructors */

/* A zeroed message of the given type (all optional fields absent). */
WAMP_API wamp_message wamp_message_new(wamp_msg_type type);

/* Constructors taking the mandatory fields; strings are borrowed (NUL-terminated C strings).
 * Set optional fields afterwards, e.g. m.args = list; m.call.timeout = WAMP_OPT_INT(1000). */
WAMP_API wamp_message wamp_message_hello(const char *realm, const wamp_roles *roles);
WAMP_API wamp_message wamp_message_welcome(wamp_id session, const wamp_roles *roles);
WAMP_API wamp_message wamp_message_abort(const char *reason, const char *message);
WAMP_API wamp_message wamp_message_challenge(const char *method);
WAMP_API wamp_message wamp_message_authenticate(const char *signature);
WAMP_API wamp_message wamp_message_goodbye(const char *reason, const char *message);
WAMP_API wamp_message wamp_message_error(int request_type, wamp_id request, const char *error);
WAMP_API wamp_message wamp_message_publish(wamp_id request, const char *topic);
WAMP_API wamp_message wamp_message_published(wamp_id request, wamp_id publication);
WAMP_API wamp_message wamp_message_subscribe(wamp_id request, const char *topic, wamp_match match);
WAMP_API wamp_message wamp_message_subscribed(wamp_id request, wamp_id subscription);
WAMP_API wamp_message wamp_message_unsubscribe(wamp_id request, wamp_id subscription);
WAMP_API wamp_message wamp_message_unsubscribed(wamp_id request);
WAMP_API wamp_message wamp_message_event(wamp_id subscription, wamp_id publication);
WAMP_API wamp_message wamp_message_event_received(wamp_id publication);
WAMP_API wamp_message wamp_message_call(wamp_id request, const char *procedure);
WAMP_API wamp_message wamp_message_cancel(wamp_id request, wamp_cancel_mode mode);
WAMP_API wamp_message wamp_message_result(wamp_id request);
WAMP_API wamp_message wamp_message_register(wamp_id request, const char *procedure,
                                            wamp_match match);
WAMP_API wamp_message wamp_message_registered(wamp_id request, wamp_id registration);
WAMP_API wamp_message wamp_message_unregister(wamp_id request, wamp_id registration);
WAMP_API wamp_message wamp_message_unregistered(wamp_id request);
WAMP_API wamp_message wamp_message_invocation(wamp_id request, wamp_id registration);
WAMP_API wamp_message wamp_message_interrupt(wamp_id request, wamp_cancel_mode mode);
WAMP_API wamp_message wamp_message_yield(wamp_id request);

#ifdef __cplusplus
}
#endif
#endif
