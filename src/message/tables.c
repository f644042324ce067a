/*
 * Per message type: the Options/Details keys, in the order Autobahn's marshal() inserts them
 * (so marshal can iterate the table), with their validation kinds. [spec] keys come last.
 */
#include "message/message_int.h"

#define O(k, kind, flags, field)                                                                   \
    {                                                                                              \
        k, (uint8_t)(sizeof(k) - 1), kind, flags, (uint16_t)offsetof(wamp_message, field)          \
    }
#define PPT                                                                                        \
    O("ppt_scheme", OK_STR, OF_SPEC, ppt_scheme),                                                  \
        O("ppt_serializer", OK_STR, OF_SPEC, ppt_serializer),                                      \
        O("ppt_cipher", OK_STR, OF_SPEC, ppt_cipher), O("ppt_keyid", OK_STR, OF_SPEC, ppt_keyid)
#define FF  O("forward_for", OK_FORWARD_FOR, 0, forward_for)
#define ENC O("enc_algo", OK_ENC, 0, enc_algo)

static const wamp__optdesc hello_opts[] = {
    O("roles", OK_ROLES, OF_CLIENT, hello.roles),
    O("authmethods", OK_LIST_STR, 0, hello.authmethods),
    O("authid", OK_STR, 0, hello.authid),
    O("authrole", OK_STR, 0, hello.authrole),
    O("authextra", OK_DICT, 0, hello.authextra),
    O("resumable", OK_BOOL, 0, hello.resumable),
    O("resume-session", OK_INT, 0, hello.resume_session),
    O("resume-token", OK_STR, 0, hello.resume_token),
    O("agent", OK_STR, OF_SPEC, hello.agent),
};

static const wamp__optdesc welcome_opts[] = {
    O("x_", OK_CUSTOM, 0, welcome.custom),
    O("realm", OK_STR_NULLOK, OF_TRUTHY, welcome.realm),
    O("authid", OK_STR_NULLOK, OF_TRUTHY, welcome.authid),
    O("authrole", OK_STR_NULLOK, OF_TRUTHY, welcome.authrole),
    O("authmethod", OK_STR_NULLOK, OF_AUTHMETHOD, welcome.authmethod),
    O("authprovider", OK_STR_NULLOK, OF_TRUTHY, welcome.authprovider),
    O("authextra", OK_DICT_NULLOK, OF_TRUTHY, welcome.authextra),
    O("resumed", OK_BOOL, OF_TRUTHY, welcome.resumed),
    O("resumable", OK_BOOL, OF_TRUTHY, welcome.resumable),
    O("resume_token", OK_STR, OF_TRUTHY, welcome.resume_token),
    O("roles", OK_ROLES, OF_ROUTER, welcome.roles),
    O("agent", OK_STR, OF_SPEC, welcome.agent),
};

static const wamp__optdesc abort_opts[] = {
    O("message", OK_STR, OF_TRUTHY, abort.message),
};

static const wamp__optdesc goodbye_opts[] = {
    O("message", OK_STR, OF_TRUTHY, goodbye.message),
    O("resumable", OK_BOOL, OF_TRUTHY, goodbye.resumable),
};

static const wamp__optdesc error_opts[] = {
    O("callee", OK_INT, 0, error.callee),
    O("callee_authid", OK_STR, 0, error.callee_authid),
    O("callee_authrole", OK_STR, 0, error.callee_authrole),
    FF,
    ENC,
    PPT,
};

static const wamp__optdesc publish_opts[] = {
    O("acknowledge", OK_BOOL, 0, publish.acknowledge),
    O("exclude_me", OK_BOOL, 0, publish.exclude_me),
    O("exclude", OK_LIST_INT, 0, publish.exclude),
    O("exclude_authid", OK_LIST_STR, 0, publish.exclude_authid),
    O("exclude_authrole", OK_LIST_STR, 0, publish.exclude_authrole),
    O("eligible", OK_LIST_INT, 0, publish.eligible),
    O("eligible_authid", OK_LIST_STR, 0, publish.eligible_authid),
    O("eligible_authrole", OK_LIST_STR, 0, publish.eligible_authrole),
    O("retain", OK_BOOL, 0, publish.retain),
    O("transaction_hash", OK_STR, 0, publish.transaction_hash),
    ENC,
    FF,
    O("disclose_me", OK_BOOL, OF_SPEC, publish.disclose_me),
    PPT,
};

static const wamp__optdesc subscribe_opts[] = {
    O("match", OK_MATCH, 0, subscribe.match),
    O("get_retained", OK_BOOL, 0, subscribe.get_retained),
    FF,
};

static const wamp__optdesc ff_opts[] = {FF};

static const wamp__optdesc unsubscribed_opts[] = {
    O("reason", OK_URI, 0, unsubscribed.reason),
    O("subscription", OK_INT, 0, unsubscribed.subscription),
};

static const wamp__optdesc event_opts[] = {
    O("publisher", OK_INT, 0, event.publisher),
    O("publisher_authid", OK_STR, 0, event.publisher_authid),
    O("publisher_authrole", OK_STR, 0, event.publisher_authrole),
    O("topic", OK_STR, 0, event.topic),
    O("retained", OK_BOOL, 0, event.retained),
    O("transaction_hash", OK_STR, 0, event.transaction_hash),
    O("x_acknowledged_delivery", OK_BOOL, 0, event.x_acknowledged_delivery),
    FF,
    ENC,
    O("trustlevel", OK_INT, OF_SPEC, event.trustlevel),
    PPT,
};

static const wamp__optdesc call_opts[] = {
    O("timeout", OK_INT_NONNEG, 0, call.timeout),
    O("receive_progress", OK_BOOL, 0, call.receive_progress),
    O("transaction_hash", OK_STR, 0, call.transaction_hash),
    ENC,
    O("caller", OK_INT, 0, call.caller),
    O("caller_authid", OK_STR, 0, call.caller_authid),
    O("caller_authrole", OK_STR, 0, call.caller_authrole),
    FF,
    O("disclose_me", OK_BOOL, OF_SPEC, call.disclose_me),
    O("progress", OK_BOOL, OF_SPEC, call.progress),
    PPT,
};

static const wamp__optdesc cancel_opts[] = {
    O("mode", OK_CANCEL_MODE, 0, cancel.mode),
    FF,
};

static const wamp__optdesc result_opts[] = {
    O("progress", OK_BOOL, 0, result.progress),
    O("callee", OK_INT, 0, result.callee),
    O("callee_authid", OK_STR, 0, result.callee_authid),
    O("callee_authrole", OK_STR, 0, result.callee_authrole),
    FF,
    ENC,
    PPT,
};

static const wamp__optdesc register_opts[] = {
    O("match", OK_MATCH, 0, register_.match),
    O("invoke", OK_INVOKE, 0, register_.invoke),
    O("concurrency", OK_INT_POS, 0, register_.concurrency),
    O("force_reregister", OK_FORCE_REREG, 0, register_.force_reregister),
    FF,
    O("disclose_caller", OK_BOOL, OF_SPEC, register_.disclose_caller),
    O("forward_timeout", OK_BOOL, OF_SPEC, register_.forward_timeout),
};

static const wamp__optdesc unregistered_opts[] = {
    O("reason", OK_URI, 0, unregistered.reason),
    O("registration", OK_INT, 0, unregistered.registration),
};

static const wamp__optdesc invocation_opts[] = {
    O("timeout", OK_INT_NONNEG, 0, invocation.timeout),
    O("receive_progress", OK_BOOL, 0, invocation.receive_progress),
    O("caller", OK_INT, 0, invocation.caller),
    O("caller_authid", OK_STR, 0, invocation.caller_authid),
    O("caller_authrole", OK_STR, 0, invocation.caller_authrole),
    O("procedure", OK_STR, 0, invocation.procedure),
    O("transaction_hash", OK_STR, 0, invocation.transaction_hash),
    FF,
    ENC,
    O("trustlevel", OK_INT, OF_SPEC, invocation.trustlevel),
    O("progress", OK_BOOL, OF_SPEC, invocation.progress),
    PPT,
};

static const wamp__optdesc interrupt_opts[] = {
    O("mode", OK_INTERRUPT_MODE, 0, interrupt.mode),
    O("reason", OK_URI, 0, interrupt.reason),
    FF,
};

static const wamp__optdesc yield_opts[] = {
    O("progress", OK_BOOL, 0, yield.progress),
    O("callee", OK_INT, 0, yield.callee),
    O("callee_authid", OK_STR, 0, yield.callee_authid),
    O("callee_authrole", OK_STR, 0, yield.callee_authrole),
    FF,
    ENC,
    PPT,
};

#define T(code, name, dict, tbl)                                                                   \
    {                                                                                              \
        code, name, dict, tbl, sizeof tbl / sizeof tbl[0]                                          \
    }
#define N(code, name, dict)                                                                        \
    {                                                                                              \
        code, name, dict, NULL, 0                                                                  \
    }
static const wamp__msginfo infos[] = {
    T(WAMP_MSG_HELLO, "HELLO", "Details", hello_opts),
    T(WAMP_MSG_WELCOME, "WELCOME", "Details", welcome_opts),
    T(WAMP_MSG_ABORT, "ABORT", "Details", abort_opts),
    N(WAMP_MSG_CHALLENGE, "CHALLENGE", "Extra"),
    N(WAMP_MSG_AUTHENTICATE, "AUTHENTICATE", "Extra"),
    T(WAMP_MSG_GOODBYE, "GOODBYE", "Details", goodbye_opts),
    T(WAMP_MSG_ERROR, "ERROR", "Details", error_opts),
    T(WAMP_MSG_PUBLISH, "PUBLISH", "Options", publish_opts),
    N(WAMP_MSG_PUBLISHED, "PUBLISHED", NULL),
    T(WAMP_MSG_SUBSCRIBE, "SUBSCRIBE", "Options", subscribe_opts),
    N(WAMP_MSG_SUBSCRIBED, "SUBSCRIBED", NULL),
    T(WAMP_MSG_UNSUBSCRIBE, "UNSUBSCRIBE", "Options", ff_opts),
    T(WAMP_MSG_UNSUBSCRIBED, "UNSUBSCRIBED", "Details", unsubscribed_opts),
    T(WAMP_MSG_EVENT, "EVENT", "Details", event_opts),
    T(WAMP_MSG_CALL, "CALL", "Options", call_opts),
    T(WAMP_MSG_CANCEL, "CANCEL", "Options", cancel_opts),
    T(WAMP_MSG_RESULT, "RESULT", "Details", result_opts),
    T(WAMP_MSG_REGISTER, "REGISTER", "Options", register_opts),
    N(WAMP_MSG_REGISTERED, "REGISTERED", NULL),
    T(WAMP_MSG_UNREGISTER, "UNREGISTER", "Options", ff_opts),
    T(WAMP_MSG_UNREGISTERED, "UNREGISTERED", "Details", unregistered_opts),
    T(WAMP_MSG_INVOCATION, "INVOCATION", "Details", invocation_opts),
    T(WAMP_MSG_INTERRUPT, "INTERRUPT", "Options", interrupt_opts),
    T(WAMP_MSG_YIELD, "YIELD", "Options", yield_opts),
    N(WAMP_MSG_EVENT_RECEIVED, "EVENT_RECEIVED", NULL),
};

const wamp__msginfo *wamp__message_info(int type)
{
    for (size_t i = 0; i < sizeof infos / sizeof infos[0]; i++)
        if (infos[i].type == type) return &infos[i];
    return NULL;
}
