/*
 * The WAMP FlatBuffers serializer: wamp_message <-> FlatBuffers bytes (include/wamp/flatbuffers.h).
 *
 * Written by hand: Debian packages no FlatBuffers runtime usable from C (flatbuffers-compiler's
 * flatc 2.0.8 generates no C, libflatbuffers-dev is C++, flatcc is not packaged), and the WAMP
 * schemas need only tables, strings, scalar vectors, string vectors and table vectors, so a
 * small verifying reader and a forward builder suffice.
 *
 * Reader: every read goes through bounds checks in 64-bit arithmetic (no pointer is formed
 * outside the buffer); tables, vtables, offsets, vectors and strings are verified before use;
 * scalars are read with memcpy-free byte assembly (no alignment assumption). Nesting follows the
 * schema (at most Message -> msg -> roles -> features), never the input.
 *
 * Builder: objects are written parent first; a table is [vtable][pad][soffset, fields...] with
 * its children appended after it and its uoffsets patched (uoffsets always point forward, as
 * FlatBuffers requires). Scalars are aligned to their size relative to the message start.
 */
#include <wamp/flatbuffers.h>

#include <stdio.h>
#include <string.h>

#include "codec/utf8.h"
#include "message/message_int.h"

/* ---------------------------------------------------------------- field descriptors */

enum fkind {
    K_ID,          /* wamp_id as uint64 (0 omitted) */
    K_OPTU64,      /* wamp_opt_int as uint64 */
    K_OPTU32,      /* wamp_opt_int as uint32 */
    K_OPTU16,      /* wamp_opt_int as uint16 */
    K_BOOL,        /* wamp_opt_bool as bool (written whenever set) */
    K_STR,         /* wamp_str as string */
    K_U64LIST,     /* wamp_value LIST of ints as [uint64] */
    K_STRLIST,     /* wamp_value LIST of strings as [string] */
    K_ARGS,        /* wamp_message.args as [uint8] holding CBOR */
    K_KWARGS,      /* wamp_message.kwargs as [uint8] holding CBOR */
    K_PAYLOAD,     /* wamp_message.payload as [uint8] */
    K_SCHEME,      /* enc_algo (else ppt_scheme) as uint8 PPTScheme / Payload */
    K_SER,         /* enc_serializer (else ppt_serializer) as uint8 Serializer */
    K_CIPHER,      /* ppt_cipher as uint8 PPTCipher */
    K_KEYID,       /* enc_key (else ppt_keyid) as string */
    K_KEYBYTES,    /* enc_key as [uint8] (Autobahn 22.7.1) */
    K_FWD,         /* forward_for as [Principal] */
    K_MATCH,       /* wamp_match as uint8 */
    K_INVOKE,      /* wamp_invoke as uint8 */
    K_CANCEL,      /* wamp_cancel_mode as uint8 CancelMode */
    K_REQTYPE,     /* int as uint16 MessageType */
    K_AUTHMETHOD,  /* wamp_str as uint8 AuthMethod */
    K_AUTHMETHODS, /* wamp_value LIST of strings as [AuthMethod] */
    K_CROLES,      /* wamp_roles as ClientRoles */
    K_RROLES,      /* wamp_roles as RouterRoles */
    K_MAP,         /* wamp_value DICT as Map {key: string, value: string}: one string pair */
};

typedef struct fdesc {
    uint8_t slot;
    uint8_t kind;
    uint16_t off; /* offset in wamp_message */
} fdesc;

typedef struct tdesc {
    int type;    /* WAMP code */
    uint8_t tag; /* union tag */
    const fdesc *f;
    size_t n;
} tdesc;

#define M(x) ((uint16_t)offsetof(wamp_message, x))
#define ARGS4(s)                                                                                   \
    {s, K_ARGS, M(args)}, {s + 1, K_KWARGS, M(kwargs)}, {s + 2, K_PAYLOAD, M(payload)},            \
        {s + 3, K_SCHEME, M(enc_algo)}, {s + 4, K_SER, M(enc_serializer)},                         \
        {s + 5, K_CIPHER, M(ppt_cipher)},                                                          \
    {                                                                                              \
        s + 6, K_KEYID, M(enc_key)                                                                 \
    }

/* Schema of autobahn-python master / the wamp-proto test suite (slot 0 is `session`). */
static const fdesc f_hello[] = {{1, K_CROLES, M(hello.roles)},
                                {2, K_STR, M(hello.realm)},
                                {3, K_AUTHMETHODS, M(hello.authmethods)},
                                {4, K_STR, M(hello.authid)},
                                {5, K_STR, M(hello.authrole)},
                                {6, K_MAP, M(hello.authextra)},
                                {7, K_BOOL, M(hello.resumable)},
                                {8, K_OPTU64, M(hello.resume_session)},
                                {9, K_STR, M(hello.resume_token)}};
static const fdesc f_welcome[] = {
    {0, K_ID, M(welcome.session)},       {1, K_RROLES, M(welcome.roles)},
    {2, K_STR, M(welcome.realm)},        {3, K_STR, M(welcome.authid)},
    {4, K_STR, M(welcome.authrole)},     {5, K_AUTHMETHOD, M(welcome.authmethod)},
    {6, K_STR, M(welcome.authprovider)}, {7, K_MAP, M(welcome.authextra)},
    {8, K_BOOL, M(welcome.resumed)},     {9, K_BOOL, M(welcome.resumable)},
    {10, K_STR, M(welcome.resume_token)}};
static const fdesc f_abort[] = {{1, K_STR, M(abort.reason)}, {2, K_STR, M(abort.message)}};
static const fdesc f_challenge[] = {{1, K_AUTHMETHOD, M(challenge.method)},
                                    {2, K_MAP, M(challenge.extra)}};
static const fdesc f_authenticate[] = {{1, K_STR, M(authenticate.signature)},
                                       {2, K_MAP, M(authenticate.extra)}};
static const fdesc f_goodbye[] = {{1, K_STR, M(goodbye.reason)},
                                  {2, K_STR, M(goodbye.message)},
                                  {3, K_BOOL, M(goodbye.resumable)}};
static const fdesc f_error[] = {{1, K_REQTYPE, M(error.request_type)},
                                {2, K_ID, M(error.request)},
                                {3, K_STR, M(error.error)},
                                ARGS4(4),
                                {11, K_FWD, M(forward_for)}};
static const fdesc f_publish[] = {{1, K_ID, M(publish.request)},
                                  {2, K_STR, M(publish.topic)},
                                  ARGS4(3),
                                  {10, K_BOOL, M(publish.acknowledge)},
                                  {11, K_BOOL, M(publish.exclude_me)},
                                  {12, K_U64LIST, M(publish.exclude)},
                                  {13, K_STRLIST, M(publish.exclude_authid)},
                                  {14, K_STRLIST, M(publish.exclude_authrole)},
                                  {15, K_U64LIST, M(publish.eligible)},
                                  {16, K_STRLIST, M(publish.eligible_authid)},
                                  {17, K_STRLIST, M(publish.eligible_authrole)},
                                  {18, K_BOOL, M(publish.retain)},
                                  {19, K_STR, M(publish.transaction_hash)},
                                  {20, K_FWD, M(forward_for)}};
static const fdesc f_published[] = {{1, K_ID, M(published.request)},
                                    {2, K_ID, M(published.publication)}};
static const fdesc f_subscribe[] = {{1, K_ID, M(subscribe.request)},
                                    {2, K_STR, M(subscribe.topic)},
                                    {3, K_MATCH, M(subscribe.match)},
                                    {4, K_BOOL, M(subscribe.get_retained)}};
static const fdesc f_subscribed[] = {{1, K_ID, M(subscribed.request)},
                                     {2, K_ID, M(subscribed.subscription)}};
static const fdesc f_unsubscribe[] = {{1, K_ID, M(unsubscribe.request)},
                                      {2, K_ID, M(unsubscribe.subscription)}};
static const fdesc f_unsubscribed[] = {{1, K_ID, M(unsubscribed.request)},
                                       {2, K_OPTU64, M(unsubscribed.subscription)},
                                       {3, K_STR, M(unsubscribed.reason)}};
static const fdesc f_event[] = {{1, K_ID, M(event.subscription)},
                                {2, K_ID, M(event.publication)},
                                ARGS4(3),
                                {10, K_OPTU64, M(event.publisher)},
                                {11, K_STR, M(event.publisher_authid)},
                                {12, K_STR, M(event.publisher_authrole)},
                                {13, K_STR, M(event.topic)},
                                {14, K_BOOL, M(event.retained)},
                                {15, K_STR, M(event.transaction_hash)},
                                {16, K_BOOL, M(event.x_acknowledged_delivery)},
                                {17, K_FWD, M(forward_for)}};
static const fdesc f_event_received[] = {{1, K_ID, M(event_received.publication)}};
static const fdesc f_call[] = {{1, K_ID, M(call.request)},
                               {2, K_STR, M(call.procedure)},
                               ARGS4(3),
                               {10, K_OPTU32, M(call.timeout)},
                               {11, K_BOOL, M(call.receive_progress)},
                               {12, K_STR, M(call.transaction_hash)},
                               {13, K_OPTU64, M(call.caller)},
                               {14, K_STR, M(call.caller_authid)},
                               {15, K_STR, M(call.caller_authrole)},
                               {16, K_FWD, M(forward_for)}};
static const fdesc f_cancel[] = {
    {1, K_ID, M(cancel.request)}, {2, K_CANCEL, M(cancel.mode)}, {3, K_FWD, M(forward_for)}};
static const fdesc f_result[] = {
    {1, K_ID, M(result.request)},         ARGS4(2),
    {9, K_BOOL, M(result.progress)},      {10, K_OPTU64, M(result.callee)},
    {11, K_STR, M(result.callee_authid)}, {12, K_STR, M(result.callee_authrole)},
    {13, K_FWD, M(forward_for)}};
static const fdesc f_register[] = {
    {1, K_ID, M(register_.request)},         {2, K_STR, M(register_.procedure)},
    {3, K_MATCH, M(register_.match)},        {4, K_INVOKE, M(register_.invoke)},
    {5, K_OPTU16, M(register_.concurrency)}, {6, K_BOOL, M(register_.force_reregister)}};
static const fdesc f_registered[] = {{1, K_ID, M(registered.request)},
                                     {2, K_ID, M(registered.registration)}};
static const fdesc f_unregister[] = {{1, K_ID, M(unregister.request)},
                                     {2, K_ID, M(unregister.registration)}};
static const fdesc f_unregistered[] = {{1, K_ID, M(unregistered.request)},
                                       {2, K_OPTU64, M(unregistered.registration)},
                                       {3, K_STR, M(unregistered.reason)}};
static const fdesc f_invocation[] = {{1, K_ID, M(invocation.request)},
                                     {2, K_ID, M(invocation.registration)},
                                     ARGS4(3),
                                     {10, K_STR, M(invocation.procedure)},
                                     {11, K_OPTU32, M(invocation.timeout)},
                                     {12, K_BOOL, M(invocation.receive_progress)},
                                     {13, K_STR, M(invocation.transaction_hash)},
                                     {14, K_OPTU64, M(invocation.caller)},
                                     {15, K_STR, M(invocation.caller_authid)},
                                     {16, K_STR, M(invocation.caller_authrole)},
                                     {17, K_FWD, M(forward_for)}};
static const fdesc f_interrupt[] = {{1, K_ID, M(interrupt.request)},
                                    {2, K_CANCEL, M(interrupt.mode)},
                                    {3, K_STR, M(interrupt.reason)},
                                    {4, K_FWD, M(forward_for)}};
static const fdesc f_yield[] = {
    {1, K_ID, M(yield.request)},         ARGS4(2),
    {9, K_BOOL, M(yield.progress)},      {10, K_OPTU64, M(yield.callee)},
    {11, K_STR, M(yield.callee_authid)}, {12, K_STR, M(yield.callee_authrole)},
    {13, K_FWD, M(forward_for)}};

#define T(code, tag, f)                                                                            \
    {                                                                                              \
        code, tag, f, sizeof f / sizeof f[0]                                                       \
    }
static const tdesc t_current[] = {
    T(WAMP_MSG_HELLO, 1, f_hello),
    T(WAMP_MSG_WELCOME, 2, f_welcome),
    T(WAMP_MSG_ABORT, 3, f_abort),
    T(WAMP_MSG_CHALLENGE, 4, f_challenge),
    T(WAMP_MSG_AUTHENTICATE, 5, f_authenticate),
    T(WAMP_MSG_GOODBYE, 6, f_goodbye),
    T(WAMP_MSG_ERROR, 8, f_error),
    T(WAMP_MSG_PUBLISH, 16, f_publish),
    T(WAMP_MSG_PUBLISHED, 17, f_published),
    T(WAMP_MSG_SUBSCRIBE, 32, f_subscribe),
    T(WAMP_MSG_SUBSCRIBED, 33, f_subscribed),
    T(WAMP_MSG_UNSUBSCRIBE, 34, f_unsubscribe),
    T(WAMP_MSG_UNSUBSCRIBED, 35, f_unsubscribed),
    T(WAMP_MSG_EVENT, 36, f_event),
    T(WAMP_MSG_EVENT_RECEIVED, 37, f_event_received),
    T(WAMP_MSG_CALL, 48, f_call),
    T(WAMP_MSG_CANCEL, 49, f_cancel),
    T(WAMP_MSG_RESULT, 50, f_result),
    T(WAMP_MSG_REGISTER, 64, f_register),
    T(WAMP_MSG_REGISTERED, 65, f_registered),
    T(WAMP_MSG_UNREGISTER, 66, f_unregister),
    T(WAMP_MSG_UNREGISTERED, 67, f_unregistered),
    T(WAMP_MSG_INVOCATION, 68, f_invocation),
    T(WAMP_MSG_INTERRUPT, 69, f_interrupt),
    T(WAMP_MSG_YIELD, 70, f_yield),
};

/* Autobahn|Python 22.7.1 (autobahn/wamp/gen/wamp/proto/{Publish,Event}.py): no session slot,
 * enc_key is a byte vector, no cipher; its forward_for (a struct vector) is never written. */
static const fdesc f22_publish[] = {{0, K_ID, M(publish.request)},
                                    {1, K_STR, M(publish.topic)},
                                    {2, K_ARGS, M(args)},
                                    {3, K_KWARGS, M(kwargs)},
                                    {4, K_PAYLOAD, M(payload)},
                                    {5, K_SCHEME, M(enc_algo)},
                                    {6, K_SER, M(enc_serializer)},
                                    {7, K_KEYBYTES, M(enc_key)},
                                    {8, K_BOOL, M(publish.acknowledge)},
                                    {9, K_BOOL, M(publish.exclude_me)},
                                    {10, K_U64LIST, M(publish.exclude)},
                                    {11, K_STRLIST, M(publish.exclude_authid)},
                                    {12, K_STRLIST, M(publish.exclude_authrole)},
                                    {13, K_U64LIST, M(publish.eligible)},
                                    {14, K_STRLIST, M(publish.eligible_authid)},
                                    {15, K_STRLIST, M(publish.eligible_authrole)},
                                    {16, K_BOOL, M(publish.retain)},
                                    {17, K_STR, M(publish.transaction_hash)}};
static const fdesc f22_event[] = {{0, K_ID, M(event.subscription)},
                                  {1, K_ID, M(event.publication)},
                                  {2, K_ARGS, M(args)},
                                  {3, K_KWARGS, M(kwargs)},
                                  {4, K_PAYLOAD, M(payload)},
                                  {5, K_SCHEME, M(enc_algo)},
                                  {6, K_SER, M(enc_serializer)},
                                  {7, K_KEYBYTES, M(enc_key)},
                                  {8, K_OPTU64, M(event.publisher)},
                                  {9, K_STR, M(event.publisher_authid)},
                                  {10, K_STR, M(event.publisher_authrole)},
                                  {11, K_STR, M(event.topic)},
                                  {12, K_BOOL, M(event.retained)},
                                  {13, K_STR, M(event.transaction_hash)},
                                  {14, K_BOOL, M(event.x_acknowledged_delivery)}};
static const tdesc t_ab22[] = {
    T(WAMP_MSG_PUBLISH, 16, f22_publish),
    T(WAMP_MSG_EVENT, 36, f22_event),
};

static const tdesc *table_by_type(wamp_fbs_schema s, int type)
{
    const tdesc *t = s == WAMP_FBS_SCHEMA_AB22 ? t_ab22 : t_current;
    size_t n = s == WAMP_FBS_SCHEMA_AB22 ? sizeof t_ab22 / sizeof *t_ab22
                                         : sizeof t_current / sizeof *t_current;
    for (size_t i = 0; i < n; i++)
        if (t[i].type == type) return &t[i];
    return NULL;
}

static const tdesc *table_by_tag(wamp_fbs_schema s, unsigned tag)
{
    const tdesc *t = s == WAMP_FBS_SCHEMA_AB22 ? t_ab22 : t_current;
    size_t n = s == WAMP_FBS_SCHEMA_AB22 ? sizeof t_ab22 / sizeof *t_ab22
                                         : sizeof t_current / sizeof *t_current;
    for (size_t i = 0; i < n; i++)
        if (t[i].tag == tag) return &t[i];
    return NULL;
}

/* Enum names (index = enum value; NULL = no name). */
static const char *const scheme_names[] = {NULL, "cryptobox", "mqtt", "xbr", "opaque"};
static const char *const ser_names[] = {NULL,     "json",   "msgpack",     "cbor",
                                        "ubjson", "opaque", "flatbuffers", "flexbuffers"};
static const char *const cipher_names[] = {NULL, "xsalsa20poly1305", "aes256gcm"};
/* AuthMethod of the current schema: NULL (anonymous) 0, TICKET 1, CRA 2, SCRAM 3, CRYPTOSIGN 4
 * (the test suite's CHALLENGE "wampcra" is 2). */
static const char *const authmethod_names[] = {"anonymous", "ticket", "wampcra", "wamp-scram",
                                               "cryptosign"};
#define NNAMES(a) (sizeof a / sizeof a[0])

static int name_index(const char *const *names, size_t n, wamp_str s)
{
    for (size_t i = 0; i < n; i++)
        if (names[i] && wamp_str_eqc(s, names[i])) return (int)i;
    return -1;
}

/* Role feature tables of roles.fbs: feature of each bool slot (-1: not modelled). */
static const int8_t feat_publisher[] = {
    WAMP_FEATURE_PUBLISHER_IDENTIFICATION,      WAMP_FEATURE_PUBLISHER_EXCLUSION,
    WAMP_FEATURE_SUBSCRIBER_BLACKWHITE_LISTING, WAMP_FEATURE_X_ACKNOWLEDGED_EVENT_DELIVERY,
    WAMP_FEATURE_PAYLOAD_TRANSPARENCY,          WAMP_FEATURE_PAYLOAD_ENCRYPTION_CRYPTOBOX};
static const int8_t feat_subscriber[] = {WAMP_FEATURE_PUBLISHER_IDENTIFICATION,
                                         WAMP_FEATURE_PATTERN_BASED_SUBSCRIPTION,
                                         WAMP_FEATURE_PUBLICATION_TRUSTLEVELS,
                                         WAMP_FEATURE_SUBSCRIPTION_REVOCATION,
                                         WAMP_FEATURE_EVENT_HISTORY,
                                         -1,
                                         WAMP_FEATURE_PAYLOAD_TRANSPARENCY,
                                         WAMP_FEATURE_PAYLOAD_ENCRYPTION_CRYPTOBOX};
static const int8_t feat_caller[] = {
    WAMP_FEATURE_CALLER_IDENTIFICATION, WAMP_FEATURE_CALL_TIMEOUT,
    WAMP_FEATURE_CALL_CANCELING,        WAMP_FEATURE_PROGRESSIVE_CALL_RESULTS,
    WAMP_FEATURE_PAYLOAD_TRANSPARENCY,  WAMP_FEATURE_PAYLOAD_ENCRYPTION_CRYPTOBOX};
static const int8_t feat_callee[] = {WAMP_FEATURE_CALLER_IDENTIFICATION,
                                     WAMP_FEATURE_CALL_TRUSTLEVELS,
                                     WAMP_FEATURE_CALL_TIMEOUT,
                                     WAMP_FEATURE_CALL_CANCELING,
                                     WAMP_FEATURE_PROGRESSIVE_CALL_RESULTS,
                                     WAMP_FEATURE_REGISTRATION_REVOCATION,
                                     WAMP_FEATURE_PATTERN_BASED_REGISTRATION,
                                     WAMP_FEATURE_SHARED_REGISTRATION,
                                     WAMP_FEATURE_PAYLOAD_TRANSPARENCY,
                                     WAMP_FEATURE_PAYLOAD_ENCRYPTION_CRYPTOBOX};
static const int8_t feat_broker[] = {WAMP_FEATURE_PUBLISHER_IDENTIFICATION,
                                     WAMP_FEATURE_PUBLISHER_EXCLUSION,
                                     WAMP_FEATURE_SUBSCRIBER_BLACKWHITE_LISTING,
                                     WAMP_FEATURE_PATTERN_BASED_SUBSCRIPTION,
                                     WAMP_FEATURE_PUBLICATION_TRUSTLEVELS,
                                     WAMP_FEATURE_SUBSCRIPTION_REVOCATION,
                                     WAMP_FEATURE_SESSION_META_API,
                                     WAMP_FEATURE_SUBSCRIPTION_META_API,
                                     WAMP_FEATURE_EVENT_RETENTION,
                                     WAMP_FEATURE_EVENT_HISTORY,
                                     WAMP_FEATURE_X_ACKNOWLEDGED_EVENT_DELIVERY,
                                     -1,
                                     WAMP_FEATURE_PAYLOAD_TRANSPARENCY,
                                     WAMP_FEATURE_PAYLOAD_ENCRYPTION_CRYPTOBOX};
static const int8_t feat_dealer[] = {WAMP_FEATURE_CALLER_IDENTIFICATION,
                                     WAMP_FEATURE_CALL_TRUSTLEVELS,
                                     WAMP_FEATURE_CALL_TIMEOUT,
                                     WAMP_FEATURE_CALL_CANCELING,
                                     WAMP_FEATURE_PROGRESSIVE_CALL_RESULTS,
                                     WAMP_FEATURE_REGISTRATION_REVOCATION,
                                     WAMP_FEATURE_PATTERN_BASED_REGISTRATION,
                                     WAMP_FEATURE_SHARED_REGISTRATION,
                                     WAMP_FEATURE_SESSION_META_API,
                                     WAMP_FEATURE_REGISTRATION_META_API,
                                     WAMP_FEATURE_TESTAMENT_META_API,
                                     WAMP_FEATURE_PAYLOAD_TRANSPARENCY,
                                     WAMP_FEATURE_PAYLOAD_ENCRYPTION_CRYPTOBOX};

typedef struct roledesc {
    wamp_role role;
    const int8_t *feat;
    uint8_t nfeat;
} roledesc;
static const roledesc client_roles[] = {
    {WAMP_ROLE_PUBLISHER, feat_publisher, sizeof feat_publisher},
    {WAMP_ROLE_SUBSCRIBER, feat_subscriber, sizeof feat_subscriber},
    {WAMP_ROLE_CALLER, feat_caller, sizeof feat_caller},
    {WAMP_ROLE_CALLEE, feat_callee, sizeof feat_callee}};
static const roledesc router_roles[] = {{WAMP_ROLE_BROKER, feat_broker, sizeof feat_broker},
                                        {WAMP_ROLE_DEALER, feat_dealer, sizeof feat_dealer}};

/* ---------------------------------------------------------------- builder */

typedef struct bld {
    wamp_buf *b;
    size_t base;
} bld;

static size_t cur(const bld *b)
{
    return b->b->len - b->base;
}

static int pad_to(bld *b, size_t align, size_t rem)
{
    static const uint8_t zeros[8] = {0};
    size_t n = (rem + align - cur(b) % align) % align;
    return n ? wamp_buf_append(b->b, zeros, n) : WAMP_OK;
}

static void patch(bld *b, size_t pos, uint64_t v, size_t width)
{
    uint8_t *p = (uint8_t *)b->b->data + b->base + pos;
    for (size_t i = 0; i < width; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static int put(bld *b, uint64_t v, size_t width)
{
    uint8_t tmp[8];
    for (size_t i = 0; i < width; i++)
        tmp[i] = (uint8_t)(v >> (8 * i));
    return wamp_buf_append(b->b, tmp, width);
}

enum ckind {
    C_NONE,
    C_STRING,
    C_BYTES,
    C_U64VEC,
    C_U8VEC,
    C_STRVEC,
    C_FWD,
    C_ROLES,
    C_FEATURES,
    C_MAP,
    C_MSG
};

typedef struct child {
    uint8_t kind;
    const void *p; /* bytes / message / roles */
    size_t len;
    const wamp_value *v;
    const roledesc *rd; /* C_ROLES: the role list; C_FEATURES: the role */
    size_t nrd;
    wamp_fbs_schema schema;
    const wamp_buf *cbor; /* C_MSG: [0] args, [1] kwargs */
    wamp_str *kv;         /* C_MSG: room for the key and value of one Map */
} child;

typedef struct ofield {
    uint8_t slot;
    uint8_t width;
    uint64_t v;
    child c; /* kind != C_NONE: an offset field */
    size_t fo;
} ofield;

static int emit_child(bld *b, const child *c, size_t *pos);

/* Writes a table of fields f[0..n) and its children; *tpos gets the table position. */
static int emit_table(bld *b, ofield *f, size_t n, size_t *tpos)
{
    /* sort by width, widest first (stable insertion sort; n <= 24) */
    for (size_t i = 1; i < n; i++) {
        ofield x = f[i];
        size_t j = i;
        while (j > 0 && f[j - 1].width < x.width) {
            f[j] = f[j - 1];
            j--;
        }
        f[j] = x;
    }
    size_t maxslot = 0, tsize = 4;
    for (size_t i = 0; i < n; i++) {
        if (f[i].slot + 1u > maxslot) maxslot = f[i].slot + 1u;
        f[i].fo = tsize;
        tsize += f[i].width;
    }
    size_t vtlen = 4 + 2 * maxslot;
    int rc = pad_to(b, 2, 0);
    if (rc) return rc;
    size_t vt = cur(b);
    rc = put(b, vtlen, 2);
    if (!rc) rc = put(b, tsize, 2);
    for (size_t s = 0; s < maxslot && !rc; s++) {
        uint16_t fo = 0;
        for (size_t i = 0; i < n; i++)
            if (f[i].slot == s) fo = (uint16_t)f[i].fo;
        rc = put(b, fo, 2);
    }
    if (!rc) rc = pad_to(b, 8, 4);
    if (rc) return rc;
    size_t t = cur(b);
    rc = put(b, (uint32_t)(int32_t)(t - vt), 4);
    for (size_t i = 0; i < n && !rc; i++)
        rc = put(b, f[i].c.kind ? 0 : f[i].v, f[i].width);
    for (size_t i = 0; i < n && !rc; i++) {
        if (!f[i].c.kind) continue;
        size_t cp;
        rc = emit_child(b, &f[i].c, &cp);
        if (!rc) patch(b, t + f[i].fo, cp - (t + f[i].fo), 4);
    }
    *tpos = t;
    return rc;
}

static int emit_bytes(bld *b, const void *p, size_t len, bool nul, size_t *pos)
{
    if (len > UINT32_MAX - 1) return WAMP_ETOOBIG;
    int rc = pad_to(b, 4, 0);
    if (rc) return rc;
    *pos = cur(b);
    rc = put(b, len, 4);
    if (!rc && len) rc = wamp_buf_append(b->b, p, len);
    if (!rc && nul) rc = wamp_buf_append_byte(b->b, 0);
    return rc;
}

static int emit_principal(bld *b, const wamp_value *d, size_t *pos)
{
    ofield f[3];
    size_t n = 0;
    uint64_t session;
    wamp_str s;
    if (wamp_value_type_of(d) != WAMP_VALUE_DICT) return WAMP_EINVAL;
    const wamp_value *v = wamp_value_dict_getc(d, "session");
    if (v && !wamp_value_is_null(v)) {
        if (!wamp_value_get_uint(v, &session)) return WAMP_EINVAL;
        f[n++] = (ofield){.slot = 0, .width = 8, .v = session};
    }
    static const char *const keys[2] = {"authid", "authrole"};
    for (int k = 0; k < 2; k++) {
        v = wamp_value_dict_getc(d, keys[k]);
        if (v && wamp_value_get_string(v, &s))
            f[n++] = (ofield){.slot = (uint8_t)(1 + k),
                              .width = 4,
                              .c = {.kind = C_STRING, .p = s.ptr, .len = s.len}};
    }
    return emit_table(b, f, n, pos);
}

static int emit_features(bld *b, const child *c, size_t *pos)
{
    const wamp_roles *roles = c->p;
    const roledesc *rd = c->rd;
    ofield f[16];
    size_t n = 0;
    for (size_t i = 0; i < rd->nfeat; i++) {
        int ft = rd->feat[i];
        if (ft < 0 || !(roles->features_set[rd->role] & ((uint64_t)1 << ft))) continue;
        f[n++] =
            (ofield){.slot = (uint8_t)i, .width = 1, .v = (roles->features_on[rd->role] >> ft) & 1};
    }
    return emit_table(b, f, n, pos);
}

static int emit_roles(bld *b, const child *c, size_t *pos)
{
    ofield f[4];
    size_t n = 0;
    for (size_t i = 0; i < c->nrd; i++) {
        if (!wamp_roles_has(c->p, c->rd[i].role)) continue;
        f[n++] = (ofield){
            .slot = (uint8_t)i, .width = 4, .c = {.kind = C_FEATURES, .p = c->p, .rd = &c->rd[i]}};
    }
    return emit_table(b, f, n, pos);
}

static int emit_msg(bld *b, const child *c, size_t *pos);

static int emit_child(bld *b, const child *c, size_t *pos)
{
    int rc;
    size_t n;
    switch (c->kind) {
    case C_STRING: return emit_bytes(b, c->p, c->len, true, pos);
    case C_BYTES: return emit_bytes(b, c->p, c->len, false, pos);
    case C_U8VEC: return emit_bytes(b, c->p, c->len, false, pos);
    case C_U64VEC:
        n = wamp_value_count(c->v);
        if ((rc = pad_to(b, 8, 4))) return rc;
        *pos = cur(b);
        if ((rc = put(b, n, 4))) return rc;
        for (size_t i = 0; i < n; i++) {
            uint64_t u;
            if (!wamp_value_get_uint(wamp_value_list_at(c->v, i), &u)) return WAMP_EINVAL;
            if ((rc = put(b, u, 8))) return rc;
        }
        return WAMP_OK;
    case C_STRVEC:
    case C_FWD: {
        n = wamp_value_count(c->v);
        if ((rc = pad_to(b, 4, 0))) return rc;
        size_t v = cur(b);
        *pos = v;
        if ((rc = put(b, n, 4))) return rc;
        for (size_t i = 0; i < n; i++)
            if ((rc = put(b, 0, 4))) return rc;
        for (size_t i = 0; i < n; i++) {
            const wamp_value *e = wamp_value_list_at(c->v, i);
            size_t cp;
            wamp_str s;
            if (c->kind == C_FWD) {
                rc = emit_principal(b, e, &cp);
            } else {
                if (!wamp_value_get_string(e, &s)) return WAMP_EINVAL;
                rc = emit_bytes(b, s.ptr, s.len, true, &cp);
            }
            if (rc) return rc;
            patch(b, v + 4 + 4 * i, cp - (v + 4 + 4 * i), 4);
        }
        return WAMP_OK;
    }
    case C_ROLES: return emit_roles(b, c, pos);
    case C_FEATURES: return emit_features(b, c, pos);
    case C_MAP: {
        const wamp_str *kv = c->p; /* key, value */
        ofield f[2] = {
            {.slot = 0, .width = 4, .c = {.kind = C_STRING, .p = kv[0].ptr, .len = kv[0].len}},
            {.slot = 1, .width = 4, .c = {.kind = C_STRING, .p = kv[1].ptr, .len = kv[1].len}}};
        return emit_table(b, f, 2, pos);
    }
    case C_MSG: return emit_msg(b, c, pos);
    default: return WAMP_EINVAL;
    }
}

static const void *fld(const wamp_message *m, const fdesc *d)
{
    return (const char *)m + d->off;
}

static int enum_field(ofield *o, const char *const *names, size_t n, wamp_str s, wamp_str alt)
{
    if (!s.ptr) s = alt;
    if (!s.ptr) return 0;
    int i = name_index(names, n, s);
    if (i <= 0) return WAMP_EINVAL;
    o->width = 1;
    o->v = (uint64_t)i;
    return 1;
}

/* Fills o from descriptor d; returns 1 (field present), 0 (absent) or an error. */
static int make_field(const wamp_message *m, const fdesc *d, const child *mc, ofield *o)
{
    const void *p = fld(m, d);
    *o = (ofield){.slot = d->slot};
    switch (d->kind) {
    case K_ID: {
        wamp_id id = *(const wamp_id *)p;
        if (!id) return 0;
        o->width = 8;
        o->v = id;
        return 1;
    }
    case K_OPTU64:
    case K_OPTU32:
    case K_OPTU16: {
        const wamp_opt_int *oi = p;
        if (!oi->set) return 0;
        uint64_t max = d->kind == K_OPTU64   ? (uint64_t)INT64_MAX
                       : d->kind == K_OPTU32 ? UINT32_MAX
                                             : UINT16_MAX;
        if (oi->value < 0 || (uint64_t)oi->value > max) return WAMP_EINVAL;
        o->width = d->kind == K_OPTU64 ? 8 : d->kind == K_OPTU32 ? 4 : 2;
        o->v = (uint64_t)oi->value;
        return 1;
    }
    case K_BOOL: {
        wamp_opt_bool bv = *(const wamp_opt_bool *)p;
        if (bv == WAMP_OPT_UNSET) return 0;
        o->width = 1;
        o->v = bv == WAMP_OPT_TRUE;
        return 1;
    }
    case K_STR:
    case K_PAYLOAD:
    case K_KEYBYTES:
    case K_KEYID: {
        wamp_str s = *(const wamp_str *)p;
        if (d->kind == K_KEYID && !s.ptr && !m->enc_algo.ptr) s = m->ppt_keyid;
        if (!s.ptr) return 0;
        o->width = 4;
        o->c = (child){.kind = (d->kind == K_STR || d->kind == K_KEYID) ? C_STRING : C_BYTES,
                       .p = s.ptr,
                       .len = s.len};
        return 1;
    }
    case K_U64LIST:
    case K_STRLIST:
    case K_FWD: {
        const wamp_value *v = p;
        if (wamp_value_is_null(v)) return 0;
        if (wamp_value_type_of(v) != WAMP_VALUE_LIST) return WAMP_EINVAL;
        o->width = 4;
        o->c = (child){.kind = d->kind == K_U64LIST   ? C_U64VEC
                               : d->kind == K_STRLIST ? C_STRVEC
                                                      : C_FWD,
                       .v = v};
        return 1;
    }
    case K_ARGS:
    case K_KWARGS: {
        const wamp_buf *cb = &mc->cbor[d->kind == K_KWARGS];
        if (!cb->data) return 0;
        o->width = 4;
        o->c = (child){.kind = C_BYTES, .p = cb->data, .len = cb->len};
        return 1;
    }
    case K_SCHEME:
        return enum_field(o, scheme_names, mc->schema == WAMP_FBS_SCHEMA_AB22 ? 4 : 5, m->enc_algo,
                          m->enc_algo.ptr ? m->enc_algo : m->ppt_scheme);
    case K_SER:
        return enum_field(o, ser_names, mc->schema == WAMP_FBS_SCHEMA_AB22 ? 7 : 8,
                          m->enc_serializer,
                          m->enc_algo.ptr ? m->enc_serializer : m->ppt_serializer);
    case K_CIPHER:
        return enum_field(o, cipher_names, NNAMES(cipher_names), m->ppt_cipher, m->ppt_cipher);
    case K_MATCH:
    case K_INVOKE: {
        int e = d->kind == K_MATCH ? (int)*(const wamp_match *)p : (int)*(const wamp_invoke *)p;
        if (!e) return 0;
        o->width = 1;
        o->v = (uint64_t)e;
        return 1;
    }
    case K_CANCEL: {
        wamp_cancel_mode cm = *(const wamp_cancel_mode *)p;
        if (cm == WAMP_CANCEL_UNSET) return 0;
        o->width = 1;
        o->v = (uint64_t)cm - 1; /* SKIP 0, KILL 1, KILLNOWAIT 2 */
        return 1;
    }
    case K_REQTYPE: {
        int rt = *(const int *)p;
        if (rt <= 0 || rt > UINT16_MAX) return WAMP_EINVAL;
        o->width = 2;
        o->v = (uint64_t)rt;
        return 1;
    }
    case K_AUTHMETHOD: {
        wamp_str s = *(const wamp_str *)p;
        if (!s.ptr) return 0;
        int i = name_index(authmethod_names, NNAMES(authmethod_names), s);
        if (i < 0) return WAMP_EINVAL;
        o->width = 1;
        o->v = (uint64_t)i;
        return 1;
    }
    case K_AUTHMETHODS:
        /* encoded by the caller into mc->cbor[2] */
        if (!mc->cbor[2].data) return 0;
        o->width = 4;
        o->c = (child){.kind = C_U8VEC, .p = mc->cbor[2].data, .len = mc->cbor[2].len};
        return 1;
    case K_MAP: {
        /* the schema's Map holds one string pair: a dict whose only non-null entry has a
         * string value is carried (WAMP-CRA's challenge, cryptosign's pubkey / challenge /
         * signature-less extras), any other dict is dropped (docs/serializers.md) */
        const wamp_value *v = p;
        if (wamp_value_type_of(v) != WAMP_VALUE_DICT) return 0;
        size_t n = wamp_value_count(v), found = 0;
        wamp_str *kv = mc->kv;
        for (size_t i = 0; i < n; i++) {
            const wamp_value *e = &v->as.entries[i].value;
            if (wamp_value_is_null(e)) continue;
            if (++found > 1 || !wamp_value_get_string(e, &kv[1])) return 0;
            kv[0] = v->as.entries[i].key;
        }
        if (!found) return 0;
        o->width = 4;
        o->c = (child){.kind = C_MAP, .p = kv};
        return 1;
    }
    case K_CROLES:
    case K_RROLES: {
        const wamp_roles *r = p;
        if (!r->count) return 0;
        o->width = 4;
        o->c = (child){.kind = C_ROLES,
                       .p = r,
                       .rd = d->kind == K_CROLES ? client_roles : router_roles,
                       .nrd = d->kind == K_CROLES ? 4 : 2};
        return 1;
    }
    default: return WAMP_EINVAL;
    }
}

typedef struct msgctx {
    const wamp_message *m;
    const tdesc *td;
} msgctx;

static int emit_msg(bld *b, const child *c, size_t *pos)
{
    const msgctx *mx = c->p;
    ofield f[24];
    size_t n = 0;
    for (size_t i = 0; i < mx->td->n; i++) {
        int rc = make_field(mx->m, &mx->td->f[i], c, &f[n]);
        if (rc < 0) return rc;
        if (rc) n++;
    }
    return emit_table(b, f, n, pos);
}

int wamp_message_encode_flatbuffers(const wamp_message *m, wamp_fbs_schema schema, wamp_buf *out)
{
    if (!m || !out || (schema != WAMP_FBS_SCHEMA_CURRENT && schema != WAMP_FBS_SCHEMA_AB22))
        return WAMP_EINVAL;
    const tdesc *td = table_by_type(schema, m->type);
    if (!td)
        return table_by_type(WAMP_FBS_SCHEMA_CURRENT, m->type) ? WAMP_EUNSUPPORTED : WAMP_EINVAL;
    /* a progressive call invocation chunk has no slot: dropping `progress` would turn the
     * chunk into a whole call, so it is refused */
    if ((m->type == WAMP_MSG_CALL && m->call.progress == WAMP_OPT_TRUE) ||
        (m->type == WAMP_MSG_INVOCATION && m->invocation.progress == WAMP_OPT_TRUE))
        return WAMP_EUNSUPPORTED;
    wamp_buf cb[3] = {{0}, {0}, {0}};
    int rc = WAMP_OK;
    /* args / kwargs as CBOR (empty lists and dicts are dropped, as marshal does) */
    if (wamp_value_count(&m->args) || wamp_value_type_of(&m->args) == WAMP_VALUE_RAW) {
        rc = wamp_value_encode(WAMP_SER_CBOR, &m->args, &cb[0]);
        if (!rc && !cb[0].data) rc = WAMP_ENOMEM;
    }
    if (!rc && (wamp_value_count(&m->kwargs) || wamp_value_type_of(&m->kwargs) == WAMP_VALUE_RAW)) {
        rc = wamp_value_encode(WAMP_SER_CBOR, &m->kwargs, &cb[1]);
        if (!rc && !cb[1].data) rc = WAMP_ENOMEM;
    }
    if (!rc && m->type == WAMP_MSG_HELLO && !wamp_value_is_null(&m->hello.authmethods)) {
        const wamp_value *am = &m->hello.authmethods;
        if (wamp_value_type_of(am) != WAMP_VALUE_LIST) rc = WAMP_EINVAL;
        rc = rc ? rc : wamp_buf_reserve(&cb[2], wamp_value_count(am) + 1);
        for (size_t i = 0; !rc && i < wamp_value_count(am); i++) {
            wamp_str s;
            int k = -1;
            if (wamp_value_get_string(wamp_value_list_at(am, i), &s))
                k = name_index(authmethod_names, NNAMES(authmethod_names), s);
            rc = k < 0 ? WAMP_EINVAL : wamp_buf_append_byte(&cb[2], (uint8_t)k);
        }
    }
    size_t len0 = out->len;
    bld b = {out, out->len};
    if (!rc) rc = put(&b, 0, 4); /* root uoffset */
    if (!rc) {
        msgctx mx = {m, td};
        wamp_str kv[2] = {{0}, {0}}; /* the one Map of HELLO, WELCOME, CHALLENGE, AUTHENTICATE */
        ofield root[2] = {
            {.slot = 0, .width = 1, .v = td->tag},
            {.slot = 1,
             .width = 4,
             .c = {.kind = C_MSG, .p = &mx, .schema = schema, .cbor = cb, .kv = kv}},
        };
        size_t t;
        rc = emit_table(&b, root, 2, &t);
        if (!rc) patch(&b, 0, t, 4);
    }
    /* every uoffset is below the message size: keep it within FlatBuffers' 2 GiB */
    if (!rc && cur(&b) > INT32_MAX) rc = WAMP_ETOOBIG;
    if (rc) out->len = len0;
    for (int i = 0; i < 3; i++)
        wamp_buf_free(&cb[i]);
    return rc;
}

/* ---------------------------------------------------------------- reader */

typedef struct rd {
    const uint8_t *p;
    size_t n;
    wamp_arena *a;
    wamp_msg_error *err;
    const char *what;
} rd;

typedef struct tab {
    uint64_t pos, vt;
    uint32_t vtlen, tlen;
} tab;

static uint64_t ld(const rd *r, uint64_t pos, size_t width)
{
    uint64_t v = 0;
    for (size_t i = 0; i < width; i++)
        v |= (uint64_t)r->p[pos + i] << (8 * i);
    return v;
}

static int fail(const rd *r, int code, const char *why)
{
    if (r->err) {
        r->err->code = code;
        snprintf(r->err->text, sizeof r->err->text, "flatbuffers: %s%s%s", r->what ? r->what : "",
                 r->what ? ": " : "", why);
    }
    return code;
}

static int rd_table(const rd *r, uint64_t pos, tab *t)
{
    if (pos > r->n || r->n - pos < 4) return fail(r, WAMP_ESYNTAX, "table out of bounds");
    int64_t so = (int32_t)(uint32_t)ld(r, pos, 4);
    int64_t vt = (int64_t)pos - so;
    if (vt < 0 || (uint64_t)vt > r->n || r->n - (uint64_t)vt < 4)
        return fail(r, WAMP_ESYNTAX, "vtable out of bounds");
    t->pos = pos;
    t->vt = (uint64_t)vt;
    t->vtlen = (uint32_t)ld(r, t->vt, 2);
    t->tlen = (uint32_t)ld(r, t->vt + 2, 2);
    if (t->vtlen < 4 || (t->vtlen & 1) || r->n - t->vt < t->vtlen)
        return fail(r, WAMP_ESYNTAX, "bad vtable size");
    if (t->tlen < 4 || r->n - pos < t->tlen) return fail(r, WAMP_ESYNTAX, "bad table size");
    return WAMP_OK;
}

/* Absolute position of field `slot` (width bytes), 0 when absent, or an error (< 0). */
static int64_t rd_field(const rd *r, const tab *t, unsigned slot, uint32_t width)
{
    if (4u + 2u * slot + 2u > t->vtlen) return 0;
    uint32_t fo = (uint32_t)ld(r, t->vt + 4 + 2 * slot, 2);
    if (!fo) return 0;
    if (fo < 4 || fo + width > t->tlen) return fail(r, WAMP_ESYNTAX, "field outside its table");
    return (int64_t)(t->pos + fo);
}

static int rd_scalar(const rd *r, const tab *t, unsigned slot, uint32_t width, bool *present,
                     uint64_t *v)
{
    *present = false;
    *v = 0;
    int64_t f = rd_field(r, t, slot, width);
    if (f < 0) return (int)f;
    *present = f > 0;
    *v = f > 0 ? ld(r, (uint64_t)f, width) : 0;
    return WAMP_OK;
}

/* Follows the uoffset of field `slot`: *target = 0 when absent. */
static int rd_ref(const rd *r, const tab *t, unsigned slot, uint64_t *target)
{
    int64_t f = rd_field(r, t, slot, 4);
    *target = 0;
    if (f <= 0) return (int)f;
    uint64_t o = ld(r, (uint64_t)f, 4);
    uint64_t p = (uint64_t)f + o;
    if (!o || p > r->n || r->n - p < 4) return fail(r, WAMP_ESYNTAX, "offset out of bounds");
    *target = p;
    return WAMP_OK;
}

/* A vector at pos: *count elements of `elem` bytes starting at *start. */
static int rd_vec_at(const rd *r, uint64_t pos, uint32_t elem, uint64_t *start, uint32_t *count)
{
    if (pos > r->n || r->n - pos < 4) return fail(r, WAMP_ESYNTAX, "vector out of bounds");
    uint64_t n = ld(r, pos, 4);
    if (n * elem > r->n - pos - 4) return fail(r, WAMP_ESYNTAX, "vector length out of bounds");
    *start = pos + 4;
    *count = (uint32_t)n;
    return WAMP_OK;
}

static int rd_string_at(const rd *r, uint64_t pos, wamp_str *s)
{
    uint64_t st;
    uint32_t n;
    int rc = rd_vec_at(r, pos, 1, &st, &n);
    if (rc) return rc;
    if (r->n - st - n < 1 || r->p[st + n] != 0) return fail(r, WAMP_ESYNTAX, "string without NUL");
    if (!wamp__utf8_valid(r->p + st, n)) return fail(r, WAMP_EUTF8, "string is not UTF-8");
    s->ptr = (const char *)r->p + st;
    s->len = n;
    return WAMP_OK;
}

static int rd_string(const rd *r, const tab *t, unsigned slot, wamp_str *s)
{
    uint64_t p;
    int rc = rd_ref(r, t, slot, &p);
    if (rc || !p) return rc;
    return rd_string_at(r, p, s);
}

static int rd_bytes(const rd *r, const tab *t, unsigned slot, wamp_str *s, bool *present)
{
    uint64_t p, st;
    uint32_t n;
    *present = false;
    int rc = rd_ref(r, t, slot, &p);
    if (rc || !p) return rc;
    if ((rc = rd_vec_at(r, p, 1, &st, &n))) return rc;
    s->ptr = (const char *)r->p + st;
    s->len = n;
    *present = true;
    return WAMP_OK;
}

static int nomem(const rd *r)
{
    return fail(r, WAMP_ENOMEM, "out of memory");
}

static int rd_principal(const rd *r, uint64_t pos, wamp_value *out)
{
    tab t;
    bool has;
    uint64_t session;
    wamp_str s[2] = {{0}, {0}};
    int rc = rd_table(r, pos, &t);
    if (!rc) rc = rd_scalar(r, &t, 0, 8, &has, &session);
    if (!rc) rc = rd_string(r, &t, 1, &s[0]);
    if (!rc) rc = rd_string(r, &t, 2, &s[1]);
    if (rc) return rc;
    *out = wamp_value_dict();
    static const char *const keys[3] = {"session", "authid", "authrole"};
    wamp_value vals[3] = {
        has ? wamp_value_uint(session) : wamp_value_null(),
        s[0].ptr ? wamp_value_string_borrow(s[0].ptr, s[0].len) : wamp_value_null(),
        s[1].ptr ? wamp_value_string_borrow(s[1].ptr, s[1].len) : wamp_value_null()};
    for (int i = 0; i < 3; i++) {
        if (i != 1 && wamp_value_is_null(&vals[i])) continue; /* authid: null kept */
        if (wamp_value_dict_append(r->a, out, wamp_str_c(keys[i]), vals[i])) return nomem(r);
    }
    return WAMP_OK;
}

static int rd_list(const rd *r, const tab *t, unsigned slot, int kind, wamp_value *out)
{
    uint64_t p, st;
    uint32_t n;
    int rc = rd_ref(r, t, slot, &p);
    if (rc || !p) return rc;
    if ((rc = rd_vec_at(r, p, kind == K_U64LIST ? 8 : 4, &st, &n))) return rc;
    wamp_value l = wamp_value_list();
    if (n && wamp_value_list_reserve(r->a, &l, n)) return nomem(r);
    for (uint32_t i = 0; i < n; i++) {
        uint64_t e = st + (uint64_t)i * (kind == K_U64LIST ? 8 : 4);
        wamp_value item;
        if (kind == K_U64LIST) {
            item = wamp_value_uint(ld(r, e, 8));
        } else {
            uint64_t target = e + ld(r, e, 4);
            if (target == e || target > r->n) return fail(r, WAMP_ESYNTAX, "offset out of bounds");
            if (kind == K_FWD) {
                rc = rd_principal(r, target, &item);
            } else {
                wamp_str s;
                rc = rd_string_at(r, target, &s);
                item = wamp_value_string_borrow(s.ptr, s.len);
            }
            if (rc) return rc;
        }
        if (wamp_value_list_push(r->a, &l, item)) return nomem(r);
    }
    *out = l;
    return WAMP_OK;
}

static int rd_roles(const rd *r, const tab *t, unsigned slot, const roledesc *rds, size_t nrd,
                    wamp_roles *roles)
{
    uint64_t p;
    tab rt, ft;
    int rc = rd_ref(r, t, slot, &p);
    if (rc || !p) return rc;
    if ((rc = rd_table(r, p, &rt))) return rc;
    for (size_t i = 0; i < nrd; i++) {
        uint64_t fp;
        if ((rc = rd_ref(r, &rt, (unsigned)i, &fp))) return rc;
        if (!fp) continue;
        if ((rc = rd_table(r, fp, &ft))) return rc;
        wamp_roles_add(roles, rds[i].role);
        for (unsigned k = 0; k < rds[i].nfeat; k++) {
            bool has;
            uint64_t v;
            if ((rc = rd_scalar(r, &ft, k, 1, &has, &v))) return rc;
            if (has && rds[i].feat[k] >= 0)
                (void)wamp_roles_set_feature(roles, rds[i].role, (wamp_feature)rds[i].feat[k],
                                             v != 0);
        }
    }
    return WAMP_OK;
}

static int rd_cbor(const rd *r, wamp_str bytes, wamp_value_type want, wamp_value *out)
{
    wamp_decode_opts o = {0};
    int rc = wamp_value_decode(WAMP_SER_CBOR, (const uint8_t *)bytes.ptr, bytes.len, r->a, &o, out);
    if (rc) return fail(r, rc, "args/kwargs: bad CBOR");
    if (wamp_value_type_of(out) != want)
        return fail(r, WAMP_EFIELD,
                    want == WAMP_VALUE_LIST ? "args: not a list" : "kwargs: not a dict");
    return WAMP_OK;
}

static int rd_enum(const rd *r, const tab *t, unsigned slot, uint32_t width,
                   const char *const *names, size_t n, wamp_str *out)
{
    bool has;
    uint64_t v;
    int rc = rd_scalar(r, t, slot, width, &has, &v);
    if (rc || !has) return rc;
    if (v >= n) return fail(r, WAMP_EFIELD, "enum value out of range");
    if (names[v]) *out = wamp_str_c(names[v]);
    return WAMP_OK;
}

static int rd_msg(const rd *r, const tab *t, const tdesc *td, wamp_fbs_schema schema,
                  wamp_message *m)
{
    int rc = WAMP_OK;
    m->type = (wamp_msg_type)td->type;
    for (size_t i = 0; i < td->n && !rc; i++) {
        const fdesc *d = &td->f[i];
        void *p = (char *)m + d->off;
        bool has;
        uint64_t v;
        wamp_str s;
        switch (d->kind) {
        case K_ID:
            rc = rd_scalar(r, t, d->slot, 8, &has, &v);
            if (!rc) *(wamp_id *)p = v;
            break;
        case K_OPTU64:
        case K_OPTU32:
        case K_OPTU16:
            rc = rd_scalar(r, t, d->slot,
                           d->kind == K_OPTU64   ? 8
                           : d->kind == K_OPTU32 ? 4
                                                 : 2,
                           &has, &v);
            if (!rc && has) {
                if (v > INT64_MAX) return fail(r, WAMP_EFIELD, "integer out of range");
                *(wamp_opt_int *)p = WAMP_OPT_INT((int64_t)v);
            }
            break;
        case K_BOOL:
            rc = rd_scalar(r, t, d->slot, 1, &has, &v);
            if (!rc && has) *(wamp_opt_bool *)p = WAMP_OPT_BOOL(v != 0);
            break;
        case K_STR:
        case K_KEYID: rc = rd_string(r, t, d->slot, p); break;
        case K_PAYLOAD:
        case K_KEYBYTES:
            rc = rd_bytes(r, t, d->slot, &s, &has);
            if (!rc && has) *(wamp_str *)p = s;
            break;
        case K_ARGS:
        case K_KWARGS:
            rc = rd_bytes(r, t, d->slot, &s, &has);
            if (!rc && has)
                rc = rd_cbor(r, s, d->kind == K_ARGS ? WAMP_VALUE_LIST : WAMP_VALUE_DICT, p);
            break;
        case K_U64LIST:
        case K_STRLIST:
        case K_FWD: rc = rd_list(r, t, d->slot, d->kind, p); break;
        case K_SCHEME:
            rc = rd_enum(r, t, d->slot, 1, scheme_names, schema == WAMP_FBS_SCHEMA_AB22 ? 4 : 5,
                         &m->enc_algo);
            break;
        case K_SER:
            rc = rd_enum(r, t, d->slot, 1, ser_names, schema == WAMP_FBS_SCHEMA_AB22 ? 7 : 8,
                         &m->enc_serializer);
            break;
        case K_CIPHER: rc = rd_enum(r, t, d->slot, 1, cipher_names, NNAMES(cipher_names), p); break;
        case K_MATCH:
        case K_INVOKE:
            rc = rd_scalar(r, t, d->slot, 1, &has, &v);
            if (!rc && has) {
                if (v > (d->kind == K_MATCH ? 2u : 4u))
                    return fail(r, WAMP_EFIELD, "enum value out of range");
                if (d->kind == K_MATCH)
                    *(wamp_match *)p = (wamp_match)v;
                else
                    *(wamp_invoke *)p = (wamp_invoke)v;
            }
            break;
        case K_CANCEL:
            rc = rd_scalar(r, t, d->slot, 1, &has, &v);
            if (!rc && has) {
                if (v > 2) return fail(r, WAMP_EFIELD, "cancel mode out of range");
                *(wamp_cancel_mode *)p = (wamp_cancel_mode)(v + 1);
            }
            break;
        case K_REQTYPE:
            rc = rd_scalar(r, t, d->slot, 2, &has, &v);
            if (!rc) *(int *)p = (int)v;
            break;
        case K_AUTHMETHOD:
            rc = rd_enum(r, t, d->slot, 1, authmethod_names, NNAMES(authmethod_names), p);
            break;
        case K_AUTHMETHODS: {
            uint64_t pos, st;
            uint32_t n;
            rc = rd_ref(r, t, d->slot, &pos);
            if (rc || !pos) break;
            if ((rc = rd_vec_at(r, pos, 1, &st, &n))) break;
            wamp_value l = wamp_value_list();
            for (uint32_t k = 0; k < n; k++) {
                uint8_t e = r->p[st + k];
                if (e >= NNAMES(authmethod_names))
                    return fail(r, WAMP_EFIELD, "authmethod out of range");
                if (wamp_value_list_push(
                        r->a, &l,
                        wamp_value_string_borrow(authmethod_names[e], strlen(authmethod_names[e]))))
                    return nomem(r);
            }
            *(wamp_value *)p = l;
            break;
        }
        case K_CROLES: rc = rd_roles(r, t, d->slot, client_roles, 4, p); break;
        case K_RROLES: rc = rd_roles(r, t, d->slot, router_roles, 2, p); break;
        case K_MAP: {
            uint64_t pos;
            tab mt;
            wamp_str kv[2] = {{0}, {0}};
            rc = rd_ref(r, t, d->slot, &pos);
            if (rc || !pos) break;
            if ((rc = rd_table(r, pos, &mt))) break;
            if ((rc = rd_string(r, &mt, 0, &kv[0])) || (rc = rd_string(r, &mt, 1, &kv[1]))) break;
            if (!kv[0].ptr || !kv[1].ptr) break; /* an incomplete pair: nothing */
            wamp_value dict = wamp_value_dict();
            if (wamp_value_dict_append(r->a, &dict, kv[0],
                                       wamp_value_string_borrow(kv[1].ptr, kv[1].len)))
                return nomem(r);
            *(wamp_value *)p = dict;
            break;
        }
        default: rc = WAMP_EINVAL;
        }
    }
    return rc;
}

int wamp_message_decode_flatbuffers(const uint8_t *data, size_t len, wamp_fbs_schema schema,
                                    wamp_arena *a, wamp_message *out, wamp_msg_error *err)
{
    rd r = {data, len, a, err, NULL};
    if (out) memset(out, 0, sizeof *out);
    if (err) {
        err->code = 0;
        err->text[0] = 0;
    }
    if (!out || !a || (!data && len) ||
        (schema != WAMP_FBS_SCHEMA_CURRENT && schema != WAMP_FBS_SCHEMA_AB22))
        return fail(&r, WAMP_EINVAL, "invalid argument");
    if (len > WAMP_DEFAULT_MAX_SIZE) return fail(&r, WAMP_ETOOBIG, "message too big");
    if (len < 4) return fail(&r, WAMP_ESYNTAX, "buffer too short");
    tab root, mt;
    bool has;
    uint64_t tag, mp;
    int rc = rd_table(&r, ld(&r, 0, 4), &root);
    if (!rc) rc = rd_scalar(&r, &root, 0, 1, &has, &tag);
    if (rc) return rc;
    const tdesc *td = table_by_tag(schema, (unsigned)tag);
    if (!td) return fail(&r, WAMP_EMSGTYPE, "unknown message type");
    r.what = wamp_msg_type_name(td->type);
    if ((rc = rd_ref(&r, &root, 1, &mp))) return rc;
    if (!mp) return fail(&r, WAMP_ESYNTAX, "message table missing");
    if ((rc = rd_table(&r, mp, &mt))) return rc;
    wamp_message m;
    memset(&m, 0, sizeof m);
    if ((rc = rd_msg(&r, &mt, td, schema, &m))) return rc;
    /* validate exactly like the other serializers: marshal, then parse */
    wamp_value list;
    rc = wamp_message_marshal(&m, a, &list);
    if (rc == WAMP_ENOMEM) return nomem(&r);
    if (rc) return fail(&r, WAMP_EFIELD, "a mandatory field is missing");
    return wamp_message_parse(&list, a, out, err);
}
