/* Message type names, standard URIs, enum names, roles and features. */
#include "message/message_int.h"

#include <string.h>

static const struct {
    int code;
    const char *name;
} type_names[] = {
    {WAMP_MSG_HELLO, "HELLO"},
    {WAMP_MSG_WELCOME, "WELCOME"},
    {WAMP_MSG_ABORT, "ABORT"},
    {WAMP_MSG_CHALLENGE, "CHALLENGE"},
    {WAMP_MSG_AUTHENTICATE, "AUTHENTICATE"},
    {WAMP_MSG_GOODBYE, "GOODBYE"},
    {WAMP_MSG_ERROR, "ERROR"},
    {WAMP_MSG_PUBLISH, "PUBLISH"},
    {WAMP_MSG_PUBLISHED, "PUBLISHED"},
    {WAMP_MSG_SUBSCRIBE, "SUBSCRIBE"},
    {WAMP_MSG_SUBSCRIBED, "SUBSCRIBED"},
    {WAMP_MSG_UNSUBSCRIBE, "UNSUBSCRIBE"},
    {WAMP_MSG_UNSUBSCRIBED, "UNSUBSCRIBED"},
    {WAMP_MSG_EVENT, "EVENT"},
    {WAMP_MSG_CALL, "CALL"},
    {WAMP_MSG_CANCEL, "CANCEL"},
    {WAMP_MSG_RESULT, "RESULT"},
    {WAMP_MSG_REGISTER, "REGISTER"},
    {WAMP_MSG_REGISTERED, "REGISTERED"},
    {WAMP_MSG_UNREGISTER, "UNREGISTER"},
    {WAMP_MSG_UNREGISTERED, "UNREGISTERED"},
    {WAMP_MSG_INVOCATION, "INVOCATION"},
    {WAMP_MSG_INTERRUPT, "INTERRUPT"},
    {WAMP_MSG_YIELD, "YIELD"},
    {WAMP_MSG_EVENT_RECEIVED, "EVENT_RECEIVED"},
};

const char *wamp_msg_type_name(int type)
{
    for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
        if (type_names[i].code == type) return type_names[i].name;
    return NULL;
}

int wamp_msg_type_from_name(const char *name)
{
    if (!name) return 0;
    for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
        if (strcmp(type_names[i].name, name) == 0) return type_names[i].code;
    return 0;
}

static const char *const standard_uris[] = {
    WAMP_ERROR_INVALID_URI,
    WAMP_ERROR_INVALID_PAYLOAD,
    WAMP_ERROR_PAYLOAD_SIZE_EXCEEDED,
    WAMP_ERROR_NO_SUCH_PROCEDURE,
    WAMP_ERROR_PROCEDURE_ALREADY_EXISTS,
    WAMP_ERROR_PROCEDURE_EXISTS_INVOCATION_POLICY_CONFLICT,
    WAMP_ERROR_NO_SUCH_REGISTRATION,
    WAMP_ERROR_NO_SUCH_SUBSCRIPTION,
    WAMP_ERROR_NO_SUCH_SESSION,
    WAMP_ERROR_INVALID_ARGUMENT,
    WAMP_ERROR_SYSTEM_SHUTDOWN,
    WAMP_ERROR_CLOSE_REALM,
    WAMP_ERROR_GOODBYE_AND_OUT,
    WAMP_ERROR_NOT_AUTHORIZED,
    WAMP_ERROR_AUTHORIZATION_FAILED,
    WAMP_ERROR_AUTHENTICATION_FAILED,
    WAMP_ERROR_NO_AUTH_METHOD,
    WAMP_ERROR_NO_SUCH_REALM,
    WAMP_ERROR_NO_SUCH_ROLE,
    WAMP_ERROR_NO_SUCH_PRINCIPAL,
    WAMP_ERROR_CANCELED,
    WAMP_ERROR_TIMEOUT,
    WAMP_ERROR_NO_ELIGIBLE_CALLEE,
    WAMP_ERROR_ENC_NO_PAYLOAD_CODEC,
    WAMP_ERROR_ENC_TRUSTED_URI_MISMATCH,
    WAMP_ERROR_ENC_DECRYPT_ERROR,
    WAMP_ERROR_TYPE_CHECK_ERROR,
    WAMP_ERROR_RUNTIME_ERROR,
    WAMP_ERROR_CANNOT_AUTHENTICATE,
    WAMP_ERROR_PROTOCOL_VIOLATION,
    WAMP_ERROR_NO_MATCHING_AUTH_METHOD,
    WAMP_ERROR_AUTHENTICATION_DENIED,
    WAMP_ERROR_AUTHENTICATION_REQUIRED,
    WAMP_ERROR_AUTHORIZATION_DENIED,
    WAMP_ERROR_AUTHORIZATION_REQUIRED,
    WAMP_ERROR_OPTION_NOT_ALLOWED,
    WAMP_ERROR_OPTION_DISALLOWED_DISCLOSE_ME,
    WAMP_ERROR_DISCLOSE_ME_NOT_ALLOWED,
    WAMP_ERROR_NETWORK_FAILURE,
    WAMP_ERROR_UNAVAILABLE,
    WAMP_ERROR_NO_AVAILABLE_CALLEE,
    WAMP_ERROR_FEATURE_NOT_SUPPORTED,
    WAMP_CLOSE_NORMAL,
    WAMP_CLOSE_SYSTEM_SHUTDOWN,
    WAMP_CLOSE_CLOSE_REALM,
    WAMP_CLOSE_GOODBYE_AND_OUT,
    WAMP_CLOSE_KILLED,
    NULL,
};

const char *const *wamp_standard_uris(size_t *count)
{
    if (count) *count = sizeof standard_uris / sizeof standard_uris[0] - 1;
    return standard_uris;
}

const char *wamp_invoke_name(wamp_invoke i)
{
    switch (i) {
    case WAMP_INVOKE_SINGLE: return "single";
    case WAMP_INVOKE_FIRST: return "first";
    case WAMP_INVOKE_LAST: return "last";
    case WAMP_INVOKE_ROUNDROBIN: return "roundrobin";
    case WAMP_INVOKE_RANDOM: return "random";
    }
    return NULL;
}

const char *wamp_cancel_mode_name(wamp_cancel_mode m)
{
    switch (m) {
    case WAMP_CANCEL_SKIP: return "skip";
    case WAMP_CANCEL_KILL: return "kill";
    case WAMP_CANCEL_KILLNOWAIT: return "killnowait";
    default: return NULL;
    }
}

/* ---------------------------------------------------------------- roles and features */

static const char *const role_names[WAMP_ROLE_COUNT] = {"publisher", "subscriber", "caller",
                                                        "callee",    "broker",     "dealer"};

static const char *const feature_names[WAMP_FEATURE_COUNT] = {
    "publisher_identification",
    "publication_trustlevels",
    "pattern_based_subscription",
    "session_meta_api",
    "subscription_meta_api",
    "subscriber_blackwhite_listing",
    "publisher_exclusion",
    "subscription_revocation",
    "event_history",
    "payload_transparency",
    "x_acknowledged_event_delivery",
    "payload_encryption_cryptobox",
    "event_retention",
    "caller_identification",
    "call_trustlevels",
    "pattern_based_registration",
    "registration_meta_api",
    "shared_registration",
    "call_timeout",
    "call_canceling",
    "progressive_call_results",
    "registration_revocation",
    "testament_meta_api",
    "progressive_call_invocations",
    "payload_passthru_mode",
    "sharded_registration",
    "sharded_subscription",
    "call_reroute",
};

#define F(x) WAMP_FEATURE_##x
#define END  (-1)
/* Per role: Autobahn's constructor arguments in declaration order (= marshal order). */
static const int8_t autobahn_features[WAMP_ROLE_COUNT][16] = {
    [WAMP_ROLE_PUBLISHER] = {F(PUBLISHER_IDENTIFICATION), F(SUBSCRIBER_BLACKWHITE_LISTING),
                             F(PUBLISHER_EXCLUSION), F(PAYLOAD_TRANSPARENCY),
                             F(X_ACKNOWLEDGED_EVENT_DELIVERY), F(PAYLOAD_ENCRYPTION_CRYPTOBOX),
                             END},
    [WAMP_ROLE_SUBSCRIBER] = {F(PUBLISHER_IDENTIFICATION), F(PUBLICATION_TRUSTLEVELS),
                              F(PATTERN_BASED_SUBSCRIPTION), F(SUBSCRIPTION_REVOCATION),
                              F(EVENT_HISTORY), F(PAYLOAD_TRANSPARENCY),
                              F(PAYLOAD_ENCRYPTION_CRYPTOBOX), END},
    [WAMP_ROLE_CALLER] = {F(CALLER_IDENTIFICATION), F(CALL_TIMEOUT), F(CALL_CANCELING),
                          F(PROGRESSIVE_CALL_RESULTS), F(PAYLOAD_TRANSPARENCY),
                          F(PAYLOAD_ENCRYPTION_CRYPTOBOX), END},
    [WAMP_ROLE_CALLEE] = {F(CALLER_IDENTIFICATION), F(CALL_TRUSTLEVELS),
                          F(PATTERN_BASED_REGISTRATION), F(SHARED_REGISTRATION), F(CALL_TIMEOUT),
                          F(CALL_CANCELING), F(PROGRESSIVE_CALL_RESULTS),
                          F(REGISTRATION_REVOCATION), F(PAYLOAD_TRANSPARENCY),
                          F(PAYLOAD_ENCRYPTION_CRYPTOBOX), END},
    [WAMP_ROLE_BROKER] = {F(PUBLISHER_IDENTIFICATION), F(PUBLICATION_TRUSTLEVELS),
                          F(PATTERN_BASED_SUBSCRIPTION), F(SESSION_META_API),
                          F(SUBSCRIPTION_META_API), F(SUBSCRIBER_BLACKWHITE_LISTING),
                          F(PUBLISHER_EXCLUSION), F(SUBSCRIPTION_REVOCATION), F(EVENT_HISTORY),
                          F(PAYLOAD_TRANSPARENCY), F(X_ACKNOWLEDGED_EVENT_DELIVERY),
                          F(PAYLOAD_ENCRYPTION_CRYPTOBOX), F(EVENT_RETENTION), END},
    [WAMP_ROLE_DEALER] = {F(CALLER_IDENTIFICATION), F(CALL_TRUSTLEVELS),
                          F(PATTERN_BASED_REGISTRATION), F(SESSION_META_API),
                          F(REGISTRATION_META_API), F(SHARED_REGISTRATION), F(CALL_TIMEOUT),
                          F(CALL_CANCELING), F(PROGRESSIVE_CALL_RESULTS),
                          F(REGISTRATION_REVOCATION), F(PAYLOAD_TRANSPARENCY),
                          F(TESTAMENT_META_API), F(PAYLOAD_ENCRYPTION_CRYPTOBOX), END},
};

/* Per role: [spec] features Autobahn does not know, kept by us (emitted after Autobahn's). */
static const int8_t spec_features[WAMP_ROLE_COUNT][8] = {
    [WAMP_ROLE_PUBLISHER] = {F(PAYLOAD_PASSTHRU_MODE), F(SHARDED_SUBSCRIPTION), END},
    [WAMP_ROLE_SUBSCRIBER] = {F(PAYLOAD_PASSTHRU_MODE), F(SHARDED_SUBSCRIPTION), END},
    [WAMP_ROLE_CALLER] = {F(PROGRESSIVE_CALL_INVOCATIONS), F(PAYLOAD_PASSTHRU_MODE),
                          F(SHARDED_REGISTRATION), END},
    [WAMP_ROLE_CALLEE] = {F(PROGRESSIVE_CALL_INVOCATIONS), F(PAYLOAD_PASSTHRU_MODE),
                          F(SHARDED_REGISTRATION), F(CALL_REROUTE), END},
    [WAMP_ROLE_BROKER] = {F(PAYLOAD_PASSTHRU_MODE), F(SHARDED_SUBSCRIPTION), END},
    [WAMP_ROLE_DEALER] = {F(PROGRESSIVE_CALL_INVOCATIONS), F(PAYLOAD_PASSTHRU_MODE),
                          F(SHARDED_REGISTRATION), F(CALL_REROUTE), END},
};
#undef F

const int8_t *wamp__message_role_features(wamp_role r, bool spec)
{
    if ((unsigned)r >= WAMP_ROLE_COUNT) return NULL;
    return spec ? spec_features[r] : autobahn_features[r];
}

static bool in_feature_list(const int8_t *list, wamp_feature f)
{
    for (; *list != END; list++)
        if (*list == (int8_t)f) return true;
    return false;
}

bool wamp__message_feature_autobahn(wamp_role r, wamp_feature f)
{
    return (unsigned)r < WAMP_ROLE_COUNT && in_feature_list(autobahn_features[r], f);
}

bool wamp_role_has_feature(wamp_role r, wamp_feature f)
{
    if ((unsigned)r >= WAMP_ROLE_COUNT || (unsigned)f >= WAMP_FEATURE_COUNT) return false;
    return in_feature_list(autobahn_features[r], f) || in_feature_list(spec_features[r], f);
}

const char *wamp_role_name(wamp_role r)
{
    return (unsigned)r < WAMP_ROLE_COUNT ? role_names[r] : NULL;
}

int wamp_role_from_name(wamp_str name)
{
    for (int i = 0; i < WAMP_ROLE_COUNT; i++)
        if (wamp_str_eqc(name, role_names[i])) return i;
    return -1;
}

const char *wamp_feature_name(wamp_feature f)
{
    return (unsigned)f < WAMP_FEATURE_COUNT ? feature_names[f] : NULL;
}

int wamp_feature_from_name(wamp_str name)
{
    for (int i = 0; i < WAMP_FEATURE_COUNT; i++)
        if (wamp_str_eqc(name, feature_names[i])) return i;
    return -1;
}

int wamp_roles_add(wamp_roles *roles, wamp_role r)
{
    if (!roles || (unsigned)r >= WAMP_ROLE_COUNT) return WAMP_EINVAL;
    if (wamp_roles_has(roles, r)) return WAMP_OK;
    if (roles->count >= WAMP_ROLE_COUNT) return WAMP_EINVAL;
    roles->order[roles->count++] = (uint8_t)r;
    return WAMP_OK;
}

int wamp_roles_set_feature(wamp_roles *roles, wamp_role r, wamp_feature f, bool on)
{
    if (!wamp_role_has_feature(r, f)) return WAMP_EINVAL;
    int rc = wamp_roles_add(roles, r);
    if (rc) return rc;
    uint64_t bit = (uint64_t)1 << f;
    roles->features_set[r] |= bit;
    if (on)
        roles->features_on[r] |= bit;
    else
        roles->features_on[r] &= ~bit;
    return WAMP_OK;
}

bool wamp_roles_has(const wamp_roles *roles, wamp_role r)
{
    if (!roles) return false;
    for (unsigned i = 0; i < roles->count && i < WAMP_ROLE_COUNT; i++)
        if (roles->order[i] == (uint8_t)r) return true;
    return false;
}

bool wamp_roles_feature(const wamp_roles *roles, wamp_role r, wamp_feature f)
{
    if (!roles || (unsigned)r >= WAMP_ROLE_COUNT || (unsigned)f >= WAMP_FEATURE_COUNT) return false;
    return wamp_roles_has(roles, r) && (roles->features_on[r] >> f & 1u);
}

void wamp_roles_client_default(wamp_roles *roles)
{
    static const struct {
        wamp_role r;
        wamp_feature f;
    } defaults[] = {
        {WAMP_ROLE_SUBSCRIBER, WAMP_FEATURE_PUBLISHER_IDENTIFICATION},
        {WAMP_ROLE_SUBSCRIBER, WAMP_FEATURE_PATTERN_BASED_SUBSCRIPTION},
        {WAMP_ROLE_SUBSCRIBER, WAMP_FEATURE_SUBSCRIPTION_REVOCATION},
        {WAMP_ROLE_SUBSCRIBER, WAMP_FEATURE_PAYLOAD_TRANSPARENCY},
        {WAMP_ROLE_SUBSCRIBER, WAMP_FEATURE_PAYLOAD_ENCRYPTION_CRYPTOBOX},
        {WAMP_ROLE_PUBLISHER, WAMP_FEATURE_PUBLISHER_IDENTIFICATION},
        {WAMP_ROLE_PUBLISHER, WAMP_FEATURE_SUBSCRIBER_BLACKWHITE_LISTING},
        {WAMP_ROLE_PUBLISHER, WAMP_FEATURE_PUBLISHER_EXCLUSION},
        {WAMP_ROLE_PUBLISHER, WAMP_FEATURE_PAYLOAD_TRANSPARENCY},
        {WAMP_ROLE_PUBLISHER, WAMP_FEATURE_X_ACKNOWLEDGED_EVENT_DELIVERY},
        {WAMP_ROLE_PUBLISHER, WAMP_FEATURE_PAYLOAD_ENCRYPTION_CRYPTOBOX},
        {WAMP_ROLE_CALLER, WAMP_FEATURE_CALLER_IDENTIFICATION},
        {WAMP_ROLE_CALLER, WAMP_FEATURE_PROGRESSIVE_CALL_RESULTS},
        {WAMP_ROLE_CALLER, WAMP_FEATURE_PAYLOAD_TRANSPARENCY},
        {WAMP_ROLE_CALLER, WAMP_FEATURE_PAYLOAD_ENCRYPTION_CRYPTOBOX},
        {WAMP_ROLE_CALLER, WAMP_FEATURE_CALL_CANCELING},
        {WAMP_ROLE_CALLEE, WAMP_FEATURE_CALLER_IDENTIFICATION},
        {WAMP_ROLE_CALLEE, WAMP_FEATURE_PATTERN_BASED_REGISTRATION},
        {WAMP_ROLE_CALLEE, WAMP_FEATURE_SHARED_REGISTRATION},
        {WAMP_ROLE_CALLEE, WAMP_FEATURE_PROGRESSIVE_CALL_RESULTS},
        {WAMP_ROLE_CALLEE, WAMP_FEATURE_REGISTRATION_REVOCATION},
        {WAMP_ROLE_CALLEE, WAMP_FEATURE_PAYLOAD_TRANSPARENCY},
        {WAMP_ROLE_CALLEE, WAMP_FEATURE_PAYLOAD_ENCRYPTION_CRYPTOBOX},
        {WAMP_ROLE_CALLEE, WAMP_FEATURE_CALL_CANCELING},
    };
    memset(roles, 0, sizeof *roles);
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
        wamp_roles_set_feature(roles, defaults[i].r, defaults[i].f, true);
}
