/* The client session (session.h): a sans-I/O state machine over wamp_message values.
 *
 * Bookkeeping is plain singly linked lists: a client has few requests, registrations and
 * subscriptions in flight, and lists keep removal during callbacks simple. Every callback is
 * made with s->depth raised so that wamp_session_free() inside a callback is deferred. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wamp/session.h"
#include "common/str_int.h"

enum state {
    ST_DISCONNECTED = 0, /* no transport */
    ST_CONNECTED,        /* transport open, no session */
    ST_HELLO_SENT,       /* HELLO sent (CHALLENGE may come) */
    ST_JOINED,
    ST_GOODBYE_SENT
};

enum pr_kind { PR_CALL, PR_PUBLISH, PR_SUBSCRIBE, PR_UNSUBSCRIBE, PR_REGISTER, PR_UNREGISTER };

struct sub;
struct reg;

typedef struct pending {
    struct pending *next;
    enum pr_kind kind;
    wamp_id request;
    void *user;
    wamp_call_cb call_cb;
    wamp_call_cb on_progress;
    wamp_publish_cb pub_cb;
    wamp_done_cb done;
    wamp_id handle;
    struct sub *sub;
    struct reg *reg;
    bool has_deadline;
    uint64_t deadline;
    wamp_cancel_mode timeout_mode;
    bool zombie; /* completed locally (cancel/timeout): swallow the router's final answer */
    char *uri;   /* calls: the procedure (the URI payload codecs decode the RESULT under) */
    bool details;
    bool chunking; /* progressive call invocation: more CALL chunks may be sent */
    bool resub;    /* a further SUBSCRIBE (get_retained) for an existing entry, for p->handle */
    bool receive_progress;
    bool has_corr;
    wamp_correlation corr; /* strings owned (corr_id, corr_uri) */
    char *corr_id, *corr_uri;
} pending;

typedef struct hnd {
    struct hnd *next;
    wamp_id handle;
    wamp_event_cb cb;
    void *user;
    wamp_done_cb done; /* pending subscribe completion */
    void *done_user;
    bool active;
    bool want_retained; /* asked get_retained: retained events go to it (see on_event) */
} hnd;

enum { SUB_PENDING, SUB_ACTIVE, SUB_GONE };

typedef struct sub {
    struct sub *next;
    char *topic;
    wamp_match match;
    int state;
    wamp_id id;
    hnd *handlers;
    bool asked_retained; /* the pending SUBSCRIBE asked get_retained */
} sub;

enum { REG_PENDING, REG_ACTIVE, REG_GONE };

typedef struct reg {
    struct reg *next;
    wamp_id handle;
    char *procedure;
    int state;
    wamp_id id;
    wamp_invocation_cb cb;
    void *user;
    wamp_interrupt_cb on_interrupt;
} reg;

typedef struct inv {
    struct inv *next;
    wamp_id request;
    char *procedure;  /* the actual procedure (for encoding the answer) */
    bool encoded;     /* the INVOCATION was encoded: so is the YIELD */
    bool chunks_open; /* progressive call invocation: more INVOCATION chunks will follow */
    wamp_id registration;
    bool receive_progress;
    wamp_interrupt_cb on_interrupt;
    void *user;
} inv;

struct wamp_session {
    wamp_session_callbacks cb;
    void *user;
    int state;
    int depth;
    bool free_pending;
    uint64_t now;
    uint64_t (*clock)(void *);
    void *clock_user;
    wamp_id next_request;
    wamp_id next_handle;
    wamp_authenticator *auth;
    pending *pending;
    sub *subs;
    reg *regs;
    inv *invs;
    wamp_arena *details_arena;
    wamp_session_details details;
    bool has_codec;
    wamp_payload_codec codec;
    struct defn *defs;
    /* channel binding values of the transport (wamp_session_set_channel_id()), by type:
     * [0] tls-unique, [1] tls-exporter */
    uint8_t cid[2][64];
    size_t cid_len[2];
    bool has_cid[2];
    /* the transport's details (wamp_session_set_transport_details()) */
    bool has_td;
    wamp_transport_details td;
};

typedef struct defn {
    struct defn *next;
    char *uri;
    int kind;
} defn;

static void session_destroy(wamp_session *s);

static void enter(wamp_session *s)
{
    s->depth++;
}

static void leave_(wamp_session *s)
{
    if (--s->depth == 0 && s->free_pending) session_destroy(s);
}

static wamp_id next_req(wamp_session *s)
{
    /* Session-scope ids run 1, 2, ... 2^53 and wrap to 1 (spec: "incremented by 1"). */
    if (s->next_request >= WAMP_ID_MAX) s->next_request = 0;
    return ++s->next_request;
}

static void user_error(wamp_session *s, int code, const char *text)
{
    if (s->cb.on_user_error) s->cb.on_user_error(s->user, s, code, text);
}

static int send_msg(wamp_session *s, const wamp_message *m)
{
    return s->cb.send(s->user, m);
}

static bool joined(const wamp_session *s)
{
    return s->state == ST_JOINED;
}

static void set_payload(wamp_message *m, const wamp_value *args, const wamp_value *kwargs)
{
    if (args) m->args = *args;
    if (kwargs) m->kwargs = *kwargs;
}

static int check_payload(const wamp_value *args, const wamp_value *kwargs)
{
    if (args && wamp_value_type_of(args) != WAMP_VALUE_LIST &&
        wamp_value_type_of(args) != WAMP_VALUE_NULL)
        return WAMP_EINVAL;
    if (kwargs && wamp_value_type_of(kwargs) != WAMP_VALUE_DICT &&
        wamp_value_type_of(kwargs) != WAMP_VALUE_NULL)
        return WAMP_EINVAL;
    return WAMP_OK;
}

/* forward_for as Autobahn's option constructors assert it: a LIST of dicts with an integer
 * "session", a string or null "authid" and a string "authrole". */
static int check_forward_for(const wamp_value *ff)
{
    if (!ff) return WAMP_OK;
    if (wamp_value_type_of(ff) != WAMP_VALUE_LIST) return WAMP_EINVAL;
    for (size_t i = 0; i < wamp_value_count(ff); i++) {
        const wamp_value *e = wamp_value_list_at(ff, i);
        if (wamp_value_type_of(e) != WAMP_VALUE_DICT) return WAMP_EINVAL;
        const wamp_value *sid = wamp_value_dict_getc(e, "session");
        const wamp_value *aid = wamp_value_dict_getc(e, "authid");
        const wamp_value *role = wamp_value_dict_getc(e, "authrole");
        if (!sid || (wamp_value_type_of(sid) != WAMP_VALUE_INT &&
                     wamp_value_type_of(sid) != WAMP_VALUE_UINT))
            return WAMP_EINVAL;
        if (!aid || (wamp_value_type_of(aid) != WAMP_VALUE_STRING &&
                     wamp_value_type_of(aid) != WAMP_VALUE_NULL))
            return WAMP_EINVAL;
        if (!role || wamp_value_type_of(role) != WAMP_VALUE_STRING) return WAMP_EINVAL;
    }
    return WAMP_OK;
}

static void ident_from(const wamp_value *ff, wamp_opt_int id, wamp_str authid, wamp_str authrole,
                       wamp_session_ident *out)
{
    memset(out, 0, sizeof *out);
    const wamp_value *e = wamp_value_list_at(ff, 0);
    if (e && wamp_value_type_of(e) == WAMP_VALUE_DICT) {
        int64_t sid;
        if (wamp_value_get_int(wamp_value_dict_getc(e, "session"), &sid))
            out->session = WAMP_OPT_INT(sid);
        wamp_value_get_string(wamp_value_dict_getc(e, "authid"), &out->authid);
        wamp_value_get_string(wamp_value_dict_getc(e, "authrole"), &out->authrole);
        return;
    }
    out->session = id;
    out->authid = authid;
    out->authrole = authrole;
}

void wamp_session_ident_from_invocation(const wamp_invocation *iv, wamp_session_ident *out)
{
    if (!out) return;
    if (!iv) {
        memset(out, 0, sizeof *out);
        return;
    }
    ident_from(&iv->forward_for, iv->caller, iv->caller_authid, iv->caller_authrole, out);
}

void wamp_session_ident_from_event(const wamp_event *ev, wamp_session_ident *out)
{
    if (!out) return;
    if (!ev) {
        memset(out, 0, sizeof *out);
        return;
    }
    ident_from(&ev->forward_for, ev->publisher, ev->publisher_authid, ev->publisher_authrole, out);
}

/* ---------------------------------------------------------------- payload codec */

void wamp_session_set_payload_codec(wamp_session *s, const wamp_payload_codec *codec)
{
    if (!s) return;
    s->has_codec = codec && codec->encode && codec->decode;
    if (s->has_codec)
        s->codec = *codec;
    else
        memset(&s->codec, 0, sizeof s->codec);
}

const wamp_payload_codec *wamp_session_get_payload_codec(const wamp_session *s)
{
    return s && s->has_codec ? &s->codec : NULL;
}

static const wamp_value *present(const wamp_value *v)
{
    return v && !wamp_value_is_null(v) ? v : NULL;
}

/*
 * Puts args/kwargs into m, encoded with the session's codec when it has one and it encodes
 * for uri. *a receives the arena of the encoded payload (NULL when none); the caller frees it
 * after sending m. Returns WAMP_OK or the codec's error.
 */
static int put_payload(wamp_session *s, bool originating, wamp_str uri, const wamp_value *args,
                       const wamp_value *kwargs, wamp_arena **a, wamp_message *m)
{
    *a = NULL;
    set_payload(m, args, kwargs);
    if (!s->has_codec) return WAMP_OK;
    *a = wamp_arena_new(0);
    if (!*a) return WAMP_ENOMEM;
    wamp_encoded_payload ep = {0};
    bool encoded = false;
    int rc = s->codec.encode(s->codec.user, originating, uri, present(args), present(kwargs), *a,
                             &ep, &encoded);
    if (rc || !encoded) return rc;
    if (!ep.enc_algo.ptr || !ep.payload.ptr) return WAMP_EINVAL;
    m->args = wamp_value_null();
    m->kwargs = wamp_value_null();
    m->payload = ep.payload;
    m->enc_algo = ep.enc_algo;
    m->enc_serializer = ep.enc_serializer;
    m->enc_key = ep.enc_key;
    return WAMP_OK;
}

/*
 * The application payload of a received m: args/kwargs as they came, or decoded with the
 * session's codec (envelope URI uri) when m is encoded. *a receives the arena of the decoded
 * values (NULL when none; the caller frees it). Returns WAMP_OK, WAMP_ENOCODEC (encoded but no
 * codec) or the codec's error.
 */
static int get_payload(wamp_session *s, const wamp_message *m, bool originating, wamp_str uri,
                       wamp_arena **a, wamp_value *args, wamp_value *kwargs)
{
    *a = NULL;
    *args = m->args;
    *kwargs = m->kwargs;
    if (!m->enc_algo.ptr) return WAMP_OK;
    if (!s->has_codec) return WAMP_ENOCODEC;
    *a = wamp_arena_new(0);
    if (!*a) return WAMP_ENOMEM;
    wamp_encoded_payload in = {m->payload, m->enc_algo, m->enc_serializer, m->enc_key};
    wamp_value av = wamp_value_null(), kv = wamp_value_null();
    int rc = s->codec.decode(s->codec.user, originating, uri, &in, *a, &av, &kv);
    if (rc) return rc;
    if (check_payload(&av, &kv)) return WAMP_EDECRYPT;
    *args = av;
    *kwargs = kv;
    return WAMP_OK;
}

/* The WAMP error URI for a get_payload() failure. */
static const char *payload_error_uri(int rc)
{
    return rc == WAMP_ENOCODEC ? WAMP_ERROR_ENC_NO_PAYLOAD_CODEC : wamp_cryptobox_error_uri(rc);
}

static char *dupstr_n(wamp_str v)
{
    char *d = malloc(v.len + 1);
    if (d) {
        if (v.len) memcpy(d, v.ptr, v.len);
        d[v.len] = 0;
    }
    return d;
}

/* ---------------------------------------------------------------- lists */

static void pending_free(pending *p)
{
    free(p->uri);
    free(p->corr_id);
    free(p->corr_uri);
    free(p);
}

static pending *pending_add(wamp_session *s, enum pr_kind kind, wamp_id request)
{
    pending *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->kind = kind;
    p->request = request;
    p->next = s->pending;
    s->pending = p;
    return p;
}

static pending *pending_find(wamp_session *s, enum pr_kind kind, wamp_id request)
{
    for (pending *p = s->pending; p; p = p->next)
        if (p->kind == kind && p->request == request) return p;
    return NULL;
}

static void pending_unlink(wamp_session *s, pending *p)
{
    for (pending **pp = &s->pending; *pp; pp = &(*pp)->next)
        if (*pp == p) {
            *pp = p->next;
            return;
        }
}

/* Forgets e in the pending further SUBSCRIBEs that point to it (e is being freed). */
static void detach_resubs(wamp_session *s, const sub *e)
{
    for (pending *p = s->pending; p; p = p->next)
        if (p->kind == PR_SUBSCRIBE && p->resub && p->sub == e) p->sub = NULL;
}

static void sub_unlink_free(wamp_session *s, sub *e)
{
    detach_resubs(s, e);
    for (sub **pp = &s->subs; *pp; pp = &(*pp)->next)
        if (*pp == e) {
            *pp = e->next;
            break;
        }
    hnd *h = e->handlers;
    while (h) {
        hnd *n = h->next;
        free(h);
        h = n;
    }
    free(e->topic);
    free(e);
}

static void reg_unlink_free(wamp_session *s, reg *r)
{
    for (reg **pp = &s->regs; *pp; pp = &(*pp)->next)
        if (*pp == r) {
            *pp = r->next;
            break;
        }
    free(r->procedure);
    free(r);
}

static inv *inv_find(wamp_session *s, wamp_id request)
{
    for (inv *i = s->invs; i; i = i->next)
        if (i->request == request) return i;
    return NULL;
}

static void inv_remove(wamp_session *s, inv *x)
{
    for (inv **pp = &s->invs; *pp; pp = &(*pp)->next)
        if (*pp == x) {
            *pp = x->next;
            free(x->procedure);
            free(x);
            return;
        }
}

/* Sends ERROR for invocation request (payload offered to the codec under the error URI, as
 * Autobahn's _message_from_exception does). */
static int send_inv_error(wamp_session *s, wamp_id request, wamp_str uri, const wamp_value *args,
                          const wamp_value *kwargs, bool *sent)
{
    wamp_message m = wamp_message_error(WAMP_MSG_INVOCATION, request, NULL);
    m.error.error = uri;
    wamp_arena *pa = NULL;
    int rc = put_payload(s, false, uri, args, kwargs, &pa, &m);
    if (!rc) {
        rc = send_msg(s, &m);
        if (sent) *sent = true;
    }
    wamp_arena_free(pa);
    return rc;
}

bool wamp_is_serialization_error(int code)
{
    return code <= WAMP_ETRUNCATED && code > WAMP_EPROTO;
}

/*
 * The answer to invocation `request` could not be serialized (code): tell the dealer with
 * ERROR wamp.error.invalid_payload (wamp.error.payload_size_exceeded for WAMP_ETOOBIG), sent
 * in clear without payload codec, as Autobahn does on SerializationError/PayloadExceededError.
 */
static void answer_unserializable(wamp_session *s, wamp_id request, int code)
{
    const char *uri =
        code == WAMP_ETOOBIG ? WAMP_ERROR_PAYLOAD_SIZE_EXCEEDED : WAMP_ERROR_INVALID_PAYLOAD;
    char text[160];
    snprintf(text, sizeof text, "the return value of the invoked procedure could not be %s: %s",
             code == WAMP_ETOOBIG ? "sent (size limit)" : "serialized", wamp_strerror(code));
    wamp_arena *a = wamp_arena_new(0);
    wamp_value args = wamp_value_list();
    if (!a || wamp_value_list_push(a, &args, wamp_value_string_borrow(text, strlen(text))))
        args = wamp_value_null();
    wamp_message m = wamp_message_error(WAMP_MSG_INVOCATION, request, uri);
    set_payload(&m, &args, NULL);
    int rc = send_msg(s, &m);
    wamp_arena_free(a);
    if (rc) user_error(s, rc, "sending ERROR for an unserializable answer failed");
}

/* ---------------------------------------------------------------- completion */

static wamp_error local_error(int code, const char *uri, const char *message)
{
    wamp_error e = {0};
    e.code = code;
    e.uri = wamp_str_c(uri);
    e.message = wamp_str_c(message);
    return e;
}

static int send_unsubscribe(wamp_session *s, sub *e, wamp_id handle, wamp_done_cb done,
                            void *done_user);

/* A further SUBSCRIBE (get_retained) for p->handle failed: only that handler goes. */
static void fail_resub(wamp_session *s, pending *p, const wamp_error *err)
{
    sub *e = NULL;
    for (sub *x = s->subs; x; x = x->next)
        if (x == p->sub) e = x;
    if (!e) return; /* the entry went away (and its handlers were completed) */
    for (hnd **hp = &e->handlers; *hp; hp = &(*hp)->next) {
        hnd *h = *hp;
        if (h->handle != p->handle) continue;
        *hp = h->next;
        wamp_done_cb d = h->done;
        void *du = h->done_user;
        free(h);
        if (!e->handlers && e->state == SUB_ACTIVE && joined(s)) {
            /* the others were unsubscribed meanwhile: the router's subscription goes too */
            int rc = send_unsubscribe(s, e, 0, NULL, NULL);
            if (rc) user_error(s, rc, "sending UNSUBSCRIBE failed");
        } else if (!e->handlers && e->state != SUB_PENDING) {
            sub_unlink_free(s, e);
        }
        if (d) d(du, s, p->handle, 0, err);
        return;
    }
}

/* Completes (and frees) a pending request with an error; p must already be unlinked. */
static void complete_error(wamp_session *s, pending *p, const wamp_error *err)
{
    switch (p->kind) {
    case PR_CALL:
        if (!p->zombie) p->call_cb(p->user, s, p->request, NULL, err);
        break;
    case PR_PUBLISH: p->pub_cb(p->user, s, p->request, 0, err); break;
    case PR_SUBSCRIBE: {
        if (p->resub) {
            fail_resub(s, p, err);
            break;
        }
        /* every handler waiting on this subscription fails with it */
        sub *e = p->sub;
        for (sub *x = s->subs; x; x = x->next)
            if (x == e) {
                /* unlink first: callbacks may subscribe again */
                for (sub **pp = &s->subs; *pp; pp = &(*pp)->next)
                    if (*pp == e) {
                        *pp = e->next;
                        break;
                    }
                detach_resubs(s, e);
                hnd *h = e->handlers;
                e->handlers = NULL;
                while (h) {
                    hnd *n = h->next;
                    if (h->done) h->done(h->done_user, s, h->handle, 0, err);
                    free(h);
                    h = n;
                }
                free(e->topic);
                free(e);
                break;
            }
        break;
    }
    case PR_REGISTER: {
        reg *r = p->reg;
        for (reg *x = s->regs; x; x = x->next)
            if (x == r) {
                reg_unlink_free(s, r);
                break;
            }
        if (p->done) p->done(p->user, s, p->handle, 0, err);
        break;
    }
    case PR_UNSUBSCRIBE:
    case PR_UNREGISTER:
        if (p->done) p->done(p->user, s, p->handle, 0, err);
        break;
    }
    pending_free(p);
}

/*
 * Ends the session: completes every pending request with `code`, interrupts outstanding
 * invocations, forgets subscriptions and registrations, then calls on_leave (if call_leave).
 */
static void end_session(wamp_session *s, int code, const char *reason, wamp_str message,
                        bool call_leave)
{
    s->state = s->state == ST_DISCONNECTED ? ST_DISCONNECTED : ST_CONNECTED;
    char *reason_copy = wamp__strdup(reason ? reason : WAMP_CLOSE_NORMAL);
    char *msg_copy = NULL;
    if (message.ptr) {
        msg_copy = malloc(message.len + 1);
        if (msg_copy) {
            memcpy(msg_copy, message.ptr, message.len);
            msg_copy[message.len] = 0;
        }
    }
    wamp_error err = local_error(code, reason_copy ? reason_copy : WAMP_CLOSE_NORMAL, msg_copy);
    /* Requests: detach the list first so that callbacks see a consistent session. The
     * subscribe/register entries they point to are still linked while they complete. */
    pending *list = s->pending;
    s->pending = NULL;
    /* complete in issue order (the list is newest first) */
    pending *rev = NULL;
    while (list) {
        pending *n = list->next;
        list->next = rev;
        rev = list;
        list = n;
    }
    while (rev) {
        pending *n = rev->next;
        complete_error(s, rev, &err);
        rev = n;
    }
    while (s->subs)
        sub_unlink_free(s, s->subs);
    while (s->regs)
        reg_unlink_free(s, s->regs);
    while (s->invs) {
        inv *i = s->invs;
        s->invs = i->next;
        if (i->on_interrupt) i->on_interrupt(i->user, s, i->request, WAMP_CANCEL_KILLNOWAIT);
        free(i->procedure);
        free(i);
    }
    if (call_leave && s->cb.on_leave && !s->free_pending) {
        wamp_close_details d = {wamp_str_c(reason_copy ? reason_copy : WAMP_CLOSE_NORMAL),
                                wamp_str_c(msg_copy)};
        s->cb.on_leave(s->user, s, &d);
    }
    free(reason_copy);
    free(msg_copy);
    wamp_arena_free(s->details_arena);
    s->details_arena = NULL;
    memset(&s->details, 0, sizeof s->details);
    s->auth = NULL;
}

static void abort_session(wamp_session *s, const char *reason, const char *text, int code)
{
    wamp_message m = wamp_message_abort(reason, text);
    int rc = send_msg(s, &m);
    if (rc) user_error(s, rc, "sending ABORT failed");
    end_session(s, code, reason, wamp_str_c(text), true);
}

static void violation(wamp_session *s, const char *text)
{
    user_error(s, WAMP_EPROTO, text);
    abort_session(s, WAMP_ERROR_PROTOCOL_VIOLATION, text, WAMP_EABORTED);
}

/* ---------------------------------------------------------------- life cycle */

int wamp_session_new(const wamp_session_callbacks *cb, void *user, wamp_session **out)
{
    if (!cb || !cb->send || !out) return WAMP_EINVAL;
    wamp_session *s = calloc(1, sizeof *s);
    if (!s) return WAMP_ENOMEM;
    s->cb = *cb;
    s->user = user;
    *out = s;
    return WAMP_OK;
}

static void session_destroy(wamp_session *s)
{
    s->depth++; /* completions below must not re-enter destruction */
    s->free_pending = true;
    end_session(s, WAMP_ECLOSED, WAMP_CLOSE_NORMAL, (wamp_str){0}, false);
    while (s->defs) {
        defn *d = s->defs;
        s->defs = d->next;
        free(d->uri);
        free(d);
    }
    free(s);
}

void wamp_session_free(wamp_session *s)
{
    if (!s) return;
    if (s->depth > 0) {
        s->free_pending = true;
        return;
    }
    session_destroy(s);
}

int wamp_session_transport_open(wamp_session *s)
{
    if (!s) return WAMP_EINVAL;
    if (s->state != ST_DISCONNECTED) return WAMP_ESTATE;
    enter(s);
    s->state = ST_CONNECTED;
    if (s->cb.on_connect) s->cb.on_connect(s->user, s);
    leave_(s);
    return WAMP_OK;
}

void wamp_session_transport_closed(wamp_session *s, int err)
{
    if (!s || s->state == ST_DISCONNECTED) return;
    (void)err;
    enter(s);
    bool in_session = s->state != ST_CONNECTED;
    s->state = ST_DISCONNECTED;
    s->has_td = false;
    if (in_session)
        end_session(s, WAMP_ETRANSPORTLOST, WAMP_CLOSE_TRANSPORT_LOST, (wamp_str){0}, true);
    if (s->cb.on_disconnect && !s->free_pending) s->cb.on_disconnect(s->user, s, !in_session);
    leave_(s);
}

void wamp_session_client_roles(wamp_roles *r)
{
    static const struct {
        wamp_role r;
        wamp_feature f;
    } features[] = {
        {WAMP_ROLE_PUBLISHER, WAMP_FEATURE_PUBLISHER_IDENTIFICATION},
        {WAMP_ROLE_PUBLISHER, WAMP_FEATURE_SUBSCRIBER_BLACKWHITE_LISTING},
        {WAMP_ROLE_PUBLISHER, WAMP_FEATURE_PUBLISHER_EXCLUSION},
        /* Autobahn announces acknowledged event delivery under publisher; the subscriber
         * side answers such EVENTs with EVENT_RECEIVED (on_event) */
        {WAMP_ROLE_PUBLISHER, WAMP_FEATURE_X_ACKNOWLEDGED_EVENT_DELIVERY},
        {WAMP_ROLE_SUBSCRIBER, WAMP_FEATURE_PUBLISHER_IDENTIFICATION},
        {WAMP_ROLE_SUBSCRIBER, WAMP_FEATURE_PATTERN_BASED_SUBSCRIPTION},
        {WAMP_ROLE_SUBSCRIBER, WAMP_FEATURE_SUBSCRIPTION_REVOCATION},
        {WAMP_ROLE_CALLER, WAMP_FEATURE_CALLER_IDENTIFICATION},
        {WAMP_ROLE_CALLER, WAMP_FEATURE_PROGRESSIVE_CALL_RESULTS},
        {WAMP_ROLE_CALLER, WAMP_FEATURE_CALL_TIMEOUT},
        {WAMP_ROLE_CALLER, WAMP_FEATURE_CALL_CANCELING},
        {WAMP_ROLE_CALLEE, WAMP_FEATURE_CALLER_IDENTIFICATION},
        {WAMP_ROLE_CALLEE, WAMP_FEATURE_PATTERN_BASED_REGISTRATION},
        {WAMP_ROLE_CALLEE, WAMP_FEATURE_SHARED_REGISTRATION},
        {WAMP_ROLE_CALLEE, WAMP_FEATURE_PROGRESSIVE_CALL_RESULTS},
        {WAMP_ROLE_CALLEE, WAMP_FEATURE_REGISTRATION_REVOCATION},
        {WAMP_ROLE_CALLEE, WAMP_FEATURE_CALL_CANCELING},
        {WAMP_ROLE_CALLER, WAMP_FEATURE_PROGRESSIVE_CALL_INVOCATIONS},
        {WAMP_ROLE_CALLEE, WAMP_FEATURE_PROGRESSIVE_CALL_INVOCATIONS},
        /* payload transparency with a payload codec (wamp_session_set_payload_codec) */
        {WAMP_ROLE_PUBLISHER, WAMP_FEATURE_PAYLOAD_TRANSPARENCY},
        {WAMP_ROLE_SUBSCRIBER, WAMP_FEATURE_PAYLOAD_TRANSPARENCY},
        {WAMP_ROLE_CALLER, WAMP_FEATURE_PAYLOAD_TRANSPARENCY},
        {WAMP_ROLE_CALLEE, WAMP_FEATURE_PAYLOAD_TRANSPARENCY},
        {WAMP_ROLE_PUBLISHER, WAMP_FEATURE_PAYLOAD_ENCRYPTION_CRYPTOBOX},
        {WAMP_ROLE_SUBSCRIBER, WAMP_FEATURE_PAYLOAD_ENCRYPTION_CRYPTOBOX},
        {WAMP_ROLE_CALLER, WAMP_FEATURE_PAYLOAD_ENCRYPTION_CRYPTOBOX},
        {WAMP_ROLE_CALLEE, WAMP_FEATURE_PAYLOAD_ENCRYPTION_CRYPTOBOX},
    };
    memset(r, 0, sizeof *r);
    /* Autobahn's order of roles: subscriber, publisher, caller, callee */
    wamp_roles_add(r, WAMP_ROLE_SUBSCRIBER);
    wamp_roles_add(r, WAMP_ROLE_PUBLISHER);
    wamp_roles_add(r, WAMP_ROLE_CALLER);
    wamp_roles_add(r, WAMP_ROLE_CALLEE);
    for (size_t i = 0; i < sizeof features / sizeof features[0]; i++)
        wamp_roles_set_feature(r, features[i].r, features[i].f, true);
}

int wamp_session_join(wamp_session *s, const wamp_join_opts *o)
{
    if (!s || !o || !o->realm) return WAMP_EINVAL;
    if (s->state != ST_CONNECTED) return WAMP_ESTATE;
    if (wamp_uri_check(wamp_str_c(o->realm), WAMP_URI_LOOSE, false, false)) return WAMP_EREALM;
    if (o->authmethods && wamp_value_type_of(o->authmethods) != WAMP_VALUE_LIST) return WAMP_EINVAL;
    if (o->authextra && wamp_value_type_of(o->authextra) != WAMP_VALUE_DICT) return WAMP_EINVAL;
    if (o->resume_session && (!o->resume_token || !*o->resume_token)) return WAMP_EINVAL;
    if (o->resume_session > WAMP_ID_MAX) return WAMP_EINVAL;
    wamp_arena *a = wamp_arena_new(0);
    if (!a) return WAMP_ENOMEM;
    wamp_roles roles;
    wamp_session_client_roles(&roles);
    wamp_message m = wamp_message_hello(o->realm, &roles);
    int rc = WAMP_OK;
    if (o->auth) {
        wamp_value d = wamp_value_dict();
        rc = wamp_authenticator_hello(o->auth, a, &d);
        if (!rc) {
            wamp_value *v;
            if ((v = wamp_value_dict_getc(&d, "authmethods"))) m.hello.authmethods = *v;
            if ((v = wamp_value_dict_getc(&d, "authid"))) wamp_value_get_string(v, &m.hello.authid);
            if ((v = wamp_value_dict_getc(&d, "authrole")))
                wamp_value_get_string(v, &m.hello.authrole);
            if ((v = wamp_value_dict_getc(&d, "authextra")) && wamp_value_count(v) > 0)
                m.hello.authextra = *v;
        }
    }
    if (rc) {
        wamp_arena_free(a);
        return rc;
    }
    if (o->auth) {
        static const char *const cid_types[2] = {"tls-unique", "tls-exporter"};
        for (int i = 0; i < 2; i++)
            if (s->has_cid[i]) /* refused (WAMP_EINVAL) by one bound to the other type */
                (void)wamp_authenticator_set_channel_id(o->auth, cid_types[i], s->cid[i],
                                                        s->cid_len[i]);
    }
    if (o->authmethods) m.hello.authmethods = *o->authmethods;
    if (o->authid) m.hello.authid = wamp_str_c(o->authid);
    if (o->authrole) m.hello.authrole = wamp_str_c(o->authrole);
    if (o->authextra) m.hello.authextra = *o->authextra;
    if (o->resumable) m.hello.resumable = WAMP_OPT_TRUE;
    if (o->resume_session) {
        m.hello.resume_session = WAMP_OPT_INT((int64_t)o->resume_session);
        m.hello.resume_token = wamp_str_c(o->resume_token);
    }
    enter(s);
    rc = send_msg(s, &m);
    wamp_arena_free(a);
    if (!rc) {
        s->state = ST_HELLO_SENT;
        s->auth = o->auth;
    }
    leave_(s);
    return rc;
}

int wamp_session_leave(wamp_session *s, const char *reason, const char *message)
{
    if (!s) return WAMP_EINVAL;
    if (!joined(s)) return WAMP_ENOTREADY;
    if (!reason) reason = WAMP_CLOSE_NORMAL;
    if (wamp_uri_check(wamp_str_c(reason), WAMP_URI_LOOSE, false, false)) return WAMP_EURI;
    wamp_message m = wamp_message_goodbye(reason, message);
    enter(s);
    int rc = send_msg(s, &m);
    if (!rc) s->state = ST_GOODBYE_SENT;
    leave_(s);
    return rc;
}

int wamp_session_abort(wamp_session *s, const char *reason, const char *message)
{
    if (!s) return WAMP_EINVAL;
    if (s->state != ST_HELLO_SENT && s->state != ST_JOINED && s->state != ST_GOODBYE_SENT)
        return WAMP_ENOTREADY;
    if (!reason) reason = WAMP_ERROR_PROTOCOL_VIOLATION;
    if (wamp_uri_check(wamp_str_c(reason), WAMP_URI_LOOSE, false, false)) return WAMP_EURI;
    enter(s);
    abort_session(s, reason, message, WAMP_EABORTED);
    leave_(s);
    return WAMP_OK;
}

bool wamp_session_is_connected(const wamp_session *s)
{
    return s && s->state != ST_DISCONNECTED;
}

bool wamp_session_is_attached(const wamp_session *s)
{
    return s && (s->state == ST_JOINED || s->state == ST_GOODBYE_SENT);
}

const wamp_session_details *wamp_session_details_get(const wamp_session *s)
{
    return wamp_session_is_attached(s) ? &s->details : NULL;
}

/* ---------------------------------------------------------------- joining: router messages */

static void on_challenge(wamp_session *s, const wamp_message *m)
{
    wamp_arena *a = wamp_arena_new(0);
    if (!a) {
        abort_session(s, WAMP_ERROR_CANNOT_AUTHENTICATE, "out of memory", WAMP_EABORTED);
        return;
    }
    wamp_value sig = wamp_value_null(), extra = wamp_value_null();
    wamp_value empty = wamp_value_dict();
    wamp_challenge c = {
        m->challenge.method,
        wamp_value_type_of(&m->challenge.extra) == WAMP_VALUE_DICT ? &m->challenge.extra : &empty};
    int rc;
    if (s->cb.on_challenge)
        rc = s->cb.on_challenge(s->user, s, &c, a, &sig, &extra);
    else if (s->auth)
        rc = wamp_authenticator_on_challenge(s->auth, c.method, c.extra, a, &sig, &extra);
    else
        rc = WAMP_EAUTH;
    wamp_str sigstr = {0};
    if (!rc && !wamp_value_get_string(&sig, &sigstr)) rc = WAMP_EINVAL;
    if (!rc && !wamp_value_is_null(&extra) && wamp_value_type_of(&extra) != WAMP_VALUE_DICT)
        rc = WAMP_EINVAL;
    if (rc) {
        char text[160];
        snprintf(text, sizeof text, "cannot answer the %.*s challenge: %s",
                 (int)(m->challenge.method.len > 40 ? 40 : m->challenge.method.len),
                 m->challenge.method.ptr ? m->challenge.method.ptr : "", wamp_strerror(rc));
        wamp_arena_free(a);
        abort_session(s, WAMP_ERROR_CANNOT_AUTHENTICATE, text, WAMP_EABORTED);
        return;
    }
    wamp_message r = wamp_message_new(WAMP_MSG_AUTHENTICATE);
    r.authenticate.signature = sigstr;
    r.authenticate.extra = extra;
    rc = send_msg(s, &r);
    wamp_arena_free(a);
    if (rc) user_error(s, rc, "sending AUTHENTICATE failed");
}

static void on_welcome(wamp_session *s, const wamp_message *m)
{
    /* The details live as long as the session: they are copied without the raw Details dict
     * (options_in, which repeats every parsed field plus the router's feature dicts, ~2 KB from
     * wampd, and is not kept), and a first copy into a scratch arena measures them so that the
     * kept arena is sized to fit instead of a default 4 KiB block. Requested bytes are counted
     * before 16-byte alignment: twice that covers the padding. */
    wamp_message w = *m;
    w.options_in = wamp_value_null();
    wamp_arena *probe = wamp_arena_new(0);
    wamp_message c;
    wamp_arena *a = NULL;
    if (probe && !wamp_message_copy(probe, &c, &w)) {
        size_t need = wamp_arena_used(probe);
        a = wamp_arena_new(need < 128 ? 256 : 2 * need);
    }
    wamp_arena_free(probe);
    if (!a || wamp_message_copy(a, &c, &w)) {
        wamp_arena_free(a);
        abort_session(s, WAMP_ERROR_CANNOT_AUTHENTICATE, "out of memory", WAMP_EABORTED);
        return;
    }
    if (s->auth) {
        int rc = wamp_authenticator_on_welcome(
            s->auth, wamp_value_is_null(&c.welcome.authextra) ? NULL : &c.welcome.authextra);
        if (rc) {
            wamp_arena_free(a);
            abort_session(s, WAMP_ERROR_CANNOT_AUTHENTICATE,
                          "the router's WELCOME failed verification", WAMP_EABORTED);
            return;
        }
    }
    wamp_session_details *d = &s->details;
    memset(d, 0, sizeof *d);
    d->realm = c.welcome.realm;
    d->session = c.welcome.session;
    d->authid = c.welcome.authid;
    d->authrole = c.welcome.authrole;
    d->authmethod = c.welcome.authmethod;
    d->authprovider = c.welcome.authprovider;
    d->authextra = c.welcome.authextra;
    d->router_roles = c.welcome.roles;
    d->resumed = c.welcome.resumed == WAMP_OPT_TRUE;
    d->resumable = c.welcome.resumable == WAMP_OPT_TRUE;
    d->resume_token = c.welcome.resume_token;
    if (s->has_td) {
        d->transport = &s->td;
        const wamp_serializer_info *si =
            wamp_serializer_by_id(s->td.channel_serializer, s->td.batched);
        if (si) d->serializer = wamp_str_c(si->name);
    }
    s->details_arena = a;
    if (s->cb.on_welcome) {
        int rc = s->cb.on_welcome(s->user, s, d);
        if (rc) {
            abort_session(s, WAMP_ERROR_CANNOT_AUTHENTICATE, "the application refused WELCOME",
                          WAMP_EABORTED);
            return;
        }
    }
    s->state = ST_JOINED;
    if (s->cb.on_join) s->cb.on_join(s->user, s, d);
}

static void on_goodbye(wamp_session *s, const wamp_message *m)
{
    if (s->state == ST_JOINED) {
        wamp_message r = wamp_message_goodbye(WAMP_CLOSE_GOODBYE_AND_OUT, NULL);
        int rc = send_msg(s, &r);
        if (rc) user_error(s, rc, "sending GOODBYE failed");
    }
    char reason[256];
    size_t n =
        m->goodbye.reason.len < sizeof reason - 1 ? m->goodbye.reason.len : sizeof reason - 1;
    if (m->goodbye.reason.ptr)
        memcpy(reason, m->goodbye.reason.ptr, n);
    else
        n = 0;
    reason[n] = 0;
    end_session(s, WAMP_ECLOSED, n ? reason : WAMP_CLOSE_NORMAL, m->goodbye.message, true);
}

static void on_abort(wamp_session *s, const wamp_message *m)
{
    char reason[256];
    size_t n = m->abort.reason.len < sizeof reason - 1 ? m->abort.reason.len : sizeof reason - 1;
    if (m->abort.reason.ptr)
        memcpy(reason, m->abort.reason.ptr, n);
    else
        n = 0;
    reason[n] = 0;
    end_session(s, WAMP_EABORTED, reason, m->abort.message, true);
}

/* ---------------------------------------------------------------- role messages */

static wamp_error app_error(const wamp_session *s, const wamp_message *m)
{
    wamp_error e = {0};
    e.code = WAMP_EAPPLICATION;
    e.uri = m->error.error;
    e.args = m->args;
    e.kwargs = m->kwargs;
    e.kind = wamp_session_error_kind(s, e.uri);
    return e;
}

/* ---------------------------------------------------------------- application errors */

int wamp_session_define(wamp_session *s, const char *uri, int kind)
{
    if (!s || !uri || kind < 0) return WAMP_EINVAL;
    if (wamp_uri_check(wamp_str_c(uri), WAMP_URI_LOOSE, false, false)) return WAMP_EURI;
    for (defn **pp = &s->defs; *pp; pp = &(*pp)->next)
        if (strcmp((*pp)->uri, uri) == 0) {
            defn *d = *pp;
            if (kind == 0) {
                *pp = d->next;
                free(d->uri);
                free(d);
            } else {
                d->kind = kind;
            }
            return WAMP_OK;
        }
    if (kind == 0) return WAMP_OK;
    defn *d = calloc(1, sizeof *d);
    char *copy = wamp__strdup(uri);
    if (!d || !copy) {
        free(d);
        free(copy);
        return WAMP_ENOMEM;
    }
    d->uri = copy;
    d->kind = kind;
    /* appended: the first definition of a kind is the one used for sending */
    defn **pp = &s->defs;
    while (*pp)
        pp = &(*pp)->next;
    *pp = d;
    return WAMP_OK;
}

int wamp_session_error_kind(const wamp_session *s, wamp_str uri)
{
    if (!s || !uri.ptr) return 0;
    for (const defn *d = s->defs; d; d = d->next)
        if (wamp_str_eqc(uri, d->uri)) return d->kind;
    return 0;
}

static const char *kind_uri(const wamp_session *s, int kind)
{
    for (const defn *d = s->defs; d; d = d->next)
        if (d->kind == kind) return d->uri;
    return NULL;
}

/* ---------------------------------------------------------------- result mapping */

wamp_result_shape wamp_call_result_shape(const wamp_call_result *r)
{
    if (!r) return WAMP_RESULT_NONE;
    size_t nargs = wamp_value_type_of(&r->args) == WAMP_VALUE_LIST ? wamp_value_count(&r->args) : 0;
    size_t nkw =
        wamp_value_type_of(&r->kwargs) == WAMP_VALUE_DICT ? wamp_value_count(&r->kwargs) : 0;
    if (nkw > 0 || r->details_asked || nargs > 1) return WAMP_RESULT_MULTI;
    return nargs == 1 ? WAMP_RESULT_SINGLE : WAMP_RESULT_NONE;
}

const wamp_value *wamp_call_result_single(const wamp_call_result *r)
{
    return wamp_call_result_shape(r) == WAMP_RESULT_SINGLE ? wamp_value_list_at(&r->args, 0) : NULL;
}

static void on_result(wamp_session *s, const wamp_message *m)
{
    pending *p = pending_find(s, PR_CALL, m->result.request);
    if (!p) {
        violation(s, "RESULT received for a non-pending request");
        return;
    }
    bool progress = m->result.progress == WAMP_OPT_TRUE;
    if (p->zombie) {
        if (!progress) {
            pending_unlink(s, p);
            pending_free(p);
        }
        return;
    }
    wamp_arena *pa = NULL;
    wamp_call_result r = {0};
    int rc = get_payload(s, m, true, wamp_str_c(p->uri), &pa, &r.args, &r.kwargs);
    if (rc) {
        wamp_arena_free(pa);
        if (progress) {
            user_error(s, rc, "could not deliver a progressive call result: payload not decoded");
            return;
        }
        pending_unlink(s, p);
        wamp_error e = local_error(rc, payload_error_uri(rc),
                                   rc == WAMP_ENOCODEC
                                       ? "received encoded payload, but no payload codec active"
                                       : "failed to decode the application payload");
        p->call_cb(p->user, s, p->request, NULL, &e);
        pending_free(p);
        return;
    }
    r.enc_algo = m->enc_algo;
    r.details = m->options_in;
    r.details_asked = p->details;
    r.correlation = p->has_corr ? &p->corr : NULL;
    r.callee = m->result.callee;
    r.callee_authid = m->result.callee_authid;
    r.callee_authrole = m->result.callee_authrole;
    r.forward_for = m->forward_for;
    r.progress = progress;
    if (progress) {
        if (!p->on_progress) {
            wamp_arena_free(pa);
            violation(s, "progressive RESULT received for a call that did not ask for them");
            return;
        }
        p->on_progress(p->user, s, p->request, &r, NULL);
        wamp_arena_free(pa);
        return;
    }
    pending_unlink(s, p);
    p->call_cb(p->user, s, p->request, &r, NULL);
    pending_free(p);
    wamp_arena_free(pa);
}

static void on_error(wamp_session *s, const wamp_message *m)
{
    enum pr_kind kind;
    switch (m->error.request_type) {
    case WAMP_MSG_CALL: kind = PR_CALL; break;
    case WAMP_MSG_PUBLISH: kind = PR_PUBLISH; break;
    case WAMP_MSG_SUBSCRIBE: kind = PR_SUBSCRIBE; break;
    case WAMP_MSG_UNSUBSCRIBE: kind = PR_UNSUBSCRIBE; break;
    case WAMP_MSG_REGISTER: kind = PR_REGISTER; break;
    case WAMP_MSG_UNREGISTER: kind = PR_UNREGISTER; break;
    default: violation(s, "ERROR received for a request type a client does not send"); return;
    }
    pending *p = pending_find(s, kind, m->error.request);
    if (!p) {
        violation(s, "ERROR received for a non-pending request");
        return;
    }
    pending_unlink(s, p);
    wamp_error e = app_error(s, m);
    wamp_arena *pa = NULL;
    int rc = get_payload(s, m, true, m->error.error, &pa, &e.args, &e.kwargs);
    if (rc) {
        e = local_error(rc, payload_error_uri(rc),
                        rc == WAMP_ENOCODEC
                            ? "received encoded payload, but no payload codec active"
                            : "failed to decode the application payload of an ERROR");
    }
    complete_error(s, p, &e);
    wamp_arena_free(pa);
}

static void on_published(wamp_session *s, const wamp_message *m)
{
    pending *p = pending_find(s, PR_PUBLISH, m->published.request);
    if (!p) {
        violation(s, "PUBLISHED received for a non-pending request");
        return;
    }
    pending_unlink(s, p);
    p->pub_cb(p->user, s, p->request, m->published.publication, NULL);
    pending_free(p);
}

static sub *sub_by_id(wamp_session *s, wamp_id id, bool any_state)
{
    for (sub *e = s->subs; e; e = e->next)
        if (e->id == id && (e->state == SUB_ACTIVE || (any_state && e->state == SUB_GONE)))
            return e;
    return NULL;
}

static void on_subscribed(wamp_session *s, const wamp_message *m)
{
    pending *p = pending_find(s, PR_SUBSCRIBE, m->subscribed.request);
    if (!p) {
        violation(s, "SUBSCRIBED received for a non-pending request");
        return;
    }
    pending_unlink(s, p);
    sub *e = p->sub;
    bool resub = p->resub;
    pending_free(p);
    if (!e) return; /* a further SUBSCRIBE whose entry went away meanwhile */
    wamp_id id = m->subscribed.subscription;
    if (resub && e->state == SUB_ACTIVE && id != e->id) {
        user_error(s, WAMP_EPROTO, "SUBSCRIBED for the same topic gave another subscription id");
        id = e->id;
    }
    /* retained events that follow belong to the handlers completed now */
    for (hnd *h = e->handlers; h; h = h->next)
        if (h->active) h->want_retained = false;
    /* Another active entry with the same id (the broker merged two patterns we asked for
     * separately): keep both; events go to the first. */
    e->id = id;
    e->state = SUB_ACTIVE;
    /* Complete the handlers waiting for it. A done callback may unsubscribe (even the last
     * handler) or subscribe again: look the entry up again after each callback. */
    for (;;) {
        sub *x;
        for (x = s->subs; x && x != e; x = x->next) {
        }
        if (!x) break;
        hnd *h;
        for (h = e->handlers; h && h->active; h = h->next) {
        }
        if (!h) break;
        h->active = true;
        if (h->done) {
            wamp_done_cb d = h->done;
            h->done = NULL;
            d(h->done_user, s, h->handle, id, NULL);
        }
    }
}

static void on_event(wamp_session *s, const wamp_message *m)
{
    sub *e = sub_by_id(s, m->event.subscription, true);
    if (!e) {
        violation(s, "EVENT received for a non-subscribed subscription");
        return;
    }
    if (e->state != SUB_ACTIVE) return; /* unsubscribing: in flight, dropped */
    wamp_event ev = {0};
    wamp_str topic = m->event.topic.ptr ? m->event.topic : wamp_str_c(e->topic);
    wamp_arena *pa = NULL;
    int rc = get_payload(s, m, false, topic, &pa, &ev.args, &ev.kwargs);
    if (rc) {
        wamp_arena_free(pa);
        user_error(s, rc,
                   rc == WAMP_ENOCODEC
                       ? "EVENT dropped: encoded payload (wamp.error.no_payload_codec)"
                       : (rc == WAMP_ETRUSTEDURI
                              ? "EVENT dropped: wamp.error.encryption.trusted_uri_mismatch"
                              : "EVENT dropped: wamp.error.encryption.decrypt_error"));
        return;
    }
    ev.enc_algo = m->enc_algo;
    ev.subscription = m->event.subscription;
    ev.publication = m->event.publication;
    ev.details = m->options_in;
    ev.publisher = m->event.publisher;
    ev.publisher_authid = m->event.publisher_authid;
    ev.publisher_authrole = m->event.publisher_authrole;
    ev.topic = m->event.topic;
    ev.retained = m->event.retained == WAMP_OPT_TRUE;
    ev.transaction_hash = m->event.transaction_hash;
    ev.forward_for = m->forward_for;
    /* Handlers may (un)subscribe during dispatch: snapshot the handles and look each up. */
    size_t n = 0;
    for (hnd *h = e->handlers; h; h = h->next)
        n++;
    wamp_id stackbuf[16];
    wamp_id *ids = n <= 16 ? stackbuf : malloc(n * sizeof *ids);
    if (!ids) {
        wamp_arena_free(pa);
        user_error(s, WAMP_ENOMEM, "EVENT dropped: out of memory");
        return;
    }
    size_t k = 0;
    for (hnd *h = e->handlers; h; h = h->next)
        if (h->active) ids[k++] = h->handle;
    wamp_id sid = m->event.subscription;
    for (size_t i = 0; i < k && !s->free_pending; i++) {
        sub *x = sub_by_id(s, sid, false);
        if (!x) break;
        for (hnd *h = x->handlers; h; h = h->next)
            if (h->handle == ids[i] && h->active) {
                if (ev.retained && !h->want_retained) break;
                if (!ev.retained) h->want_retained = false;
                ev.handle = h->handle;
                h->cb(h->user, s, &ev);
                break;
            }
    }
    if (ids != stackbuf) free(ids);
    wamp_arena_free(pa);
    /* acknowledged event delivery (Autobahn): once the handlers ran, when the EVENT asked for
     * it and the broker announced the feature */
    if (m->event.x_acknowledged_delivery == WAMP_OPT_TRUE && !s->free_pending && joined(s) &&
        wamp_roles_feature(&s->details.router_roles, WAMP_ROLE_BROKER,
                           WAMP_FEATURE_X_ACKNOWLEDGED_EVENT_DELIVERY)) {
        wamp_message ack = wamp_message_event_received(m->event.publication);
        rc = send_msg(s, &ack);
        if (rc) user_error(s, rc, "sending EVENT_RECEIVED failed");
    }
}

static void on_unsubscribed(wamp_session *s, const wamp_message *m)
{
    if (m->unsubscribed.request == 0) {
        /* revocation by the broker */
        if (!m->unsubscribed.subscription.set) return;
        sub *e = sub_by_id(s, (wamp_id)m->unsubscribed.subscription.value, true);
        if (e) {
            /* handlers still waiting for a further SUBSCRIBE complete with the revocation */
            hnd *hs = e->handlers;
            e->handlers = NULL;
            sub_unlink_free(s, e);
            wamp_error err =
                local_error(WAMP_ECLOSED, m->unsubscribed.reason.ptr ? NULL : WAMP_CLOSE_NORMAL,
                            "subscription revoked");
            if (m->unsubscribed.reason.ptr) err.uri = m->unsubscribed.reason;
            while (hs) {
                hnd *n = hs->next;
                if (!hs->active && hs->done && !s->free_pending)
                    hs->done(hs->done_user, s, hs->handle, 0, &err);
                free(hs);
                hs = n;
            }
        }
        user_error(s, WAMP_ECLOSED, "the router revoked a subscription");
        return;
    }
    pending *p = pending_find(s, PR_UNSUBSCRIBE, m->unsubscribed.request);
    if (!p) {
        violation(s, "UNSUBSCRIBED received for a non-pending request");
        return;
    }
    pending_unlink(s, p);
    for (sub *e = s->subs; e; e = e->next)
        if (e == p->sub) {
            sub_unlink_free(s, e);
            break;
        }
    if (p->done) p->done(p->user, s, p->handle, 0, NULL);
    pending_free(p);
}

static void on_registered(wamp_session *s, const wamp_message *m)
{
    pending *p = pending_find(s, PR_REGISTER, m->registered.request);
    if (!p) {
        violation(s, "REGISTERED received for a non-pending request");
        return;
    }
    for (reg *r = s->regs; r; r = r->next)
        if (r->state != REG_PENDING && r->id == m->registered.registration) {
            violation(s, "REGISTERED received for an already existing registration");
            return;
        }
    pending_unlink(s, p);
    p->reg->id = m->registered.registration;
    p->reg->state = REG_ACTIVE;
    if (p->done) p->done(p->user, s, p->handle, p->reg->id, NULL);
    pending_free(p);
}

static void on_unregistered(wamp_session *s, const wamp_message *m)
{
    if (m->unregistered.request == 0) {
        if (!m->unregistered.registration.set) return;
        for (reg *r = s->regs; r; r = r->next)
            if (r->state != REG_PENDING && r->id == (wamp_id)m->unregistered.registration.value) {
                reg_unlink_free(s, r);
                break;
            }
        user_error(s, WAMP_ECLOSED, "the router revoked a registration");
        return;
    }
    pending *p = pending_find(s, PR_UNREGISTER, m->unregistered.request);
    if (!p) {
        violation(s, "UNREGISTERED received for a non-pending request");
        return;
    }
    pending_unlink(s, p);
    for (reg *r = s->regs; r; r = r->next)
        if (r == p->reg) {
            reg_unlink_free(s, r);
            break;
        }
    if (p->done) p->done(p->user, s, p->handle, 0, NULL);
    pending_free(p);
}

/* The handler's view of INVOCATION m for registration r, answered under invocation x. */
static void fill_invocation(wamp_invocation *iv, const wamp_message *m, const reg *r, const inv *x)
{
    iv->request = x->request;
    iv->registration = x->registration;
    iv->handle = r->handle;
    iv->enc_algo = m->enc_algo;
    iv->details = m->options_in;
    iv->caller = m->invocation.caller;
    iv->caller_authid = m->invocation.caller_authid;
    iv->caller_authrole = m->invocation.caller_authrole;
    iv->procedure = m->invocation.procedure;
    iv->receive_progress = x->receive_progress;
    iv->timeout = m->invocation.timeout;
    iv->transaction_hash = m->invocation.transaction_hash;
    iv->forward_for = m->forward_for;
}

static void on_invocation(wamp_session *s, const wamp_message *m)
{
    inv *prev = inv_find(s, m->invocation.request);
    if (prev && !prev->chunks_open) {
        violation(s, "INVOCATION received for a request id already invoked");
        return;
    }
    if (prev && prev->registration != m->invocation.registration) {
        violation(s, "progressive INVOCATION chunk received for another registration");
        return;
    }
    reg *r;
    for (r = s->regs; r; r = r->next)
        if (r->state != REG_PENDING && r->id == m->invocation.registration) break;
    if (!r) {
        violation(s, "INVOCATION received for a non-registered registration");
        return;
    }
    wamp_str proc =
        prev ? wamp_str_c(prev->procedure)
             : (m->invocation.procedure.ptr ? m->invocation.procedure : wamp_str_c(r->procedure));
    wamp_invocation iv = {0};
    wamp_arena *pa = NULL;
    int rc = get_payload(s, m, false, proc, &pa, &iv.args, &iv.kwargs);
    if (rc) {
        /* the endpoint cannot be invoked: answer with the payload error (Autobahn) */
        wamp_arena_free(pa);
        const char *uri = payload_error_uri(rc);
        wamp_arena *ea = wamp_arena_new(0);
        wamp_value eargs = wamp_value_list();
        const char *why = rc == WAMP_ENOCODEC
                              ? "received encrypted INVOCATION payload, but no payload codec active"
                              : "failed to decode the INVOCATION payload";
        if (ea && wamp_value_list_push(ea, &eargs, wamp_value_string_borrow(why, strlen(why))))
            eargs = wamp_value_null();
        int code = rc;
        rc = send_inv_error(s, m->invocation.request, wamp_str_c(uri), ea ? &eargs : NULL, NULL,
                            NULL);
        wamp_arena_free(ea);
        /* a chunk of a progressive invocation: the invocation is over for the handler */
        wamp_interrupt_cb icb = prev ? prev->on_interrupt : NULL;
        void *iuser = prev ? prev->user : NULL;
        wamp_id ireq = m->invocation.request;
        if (prev) inv_remove(s, prev);
        if (rc) user_error(s, rc, "sending ERROR for an undecodable INVOCATION failed");
        /* reported after the answer went out: the application may leave from here */
        user_error(s, code, "INVOCATION refused: its payload could not be decoded");
        if (icb) icb(iuser, s, ireq, WAMP_CANCEL_KILLNOWAIT);
        return;
    }
    if (prev) {
        prev->chunks_open = m->invocation.progress == WAMP_OPT_TRUE;
        iv.progress = prev->chunks_open;
        iv.continued = true;
        fill_invocation(&iv, m, r, prev);
        r->cb(r->user, s, &iv);
        wamp_arena_free(pa);
        return;
    }
    inv *x = calloc(1, sizeof *x);
    char *pcopy = dupstr_n(proc);
    if (!x || !pcopy) {
        free(x);
        free(pcopy);
        wamp_arena_free(pa);
        wamp_message e = wamp_message_error(WAMP_MSG_INVOCATION, m->invocation.request,
                                            WAMP_ERROR_RUNTIME_ERROR);
        send_msg(s, &e);
        return;
    }
    x->procedure = pcopy;
    x->encoded = m->enc_algo.ptr != NULL;
    x->request = m->invocation.request;
    x->registration = m->invocation.registration;
    x->chunks_open = m->invocation.progress == WAMP_OPT_TRUE;
    iv.progress = x->chunks_open;
    x->receive_progress = m->invocation.receive_progress == WAMP_OPT_TRUE;
    x->on_interrupt = r->on_interrupt;
    x->user = r->user;
    x->next = s->invs;
    s->invs = x;
    fill_invocation(&iv, m, r, x);
    r->cb(r->user, s, &iv);
    wamp_arena_free(pa);
}

static void on_interrupt(wamp_session *s, const wamp_message *m)
{
    inv *x = inv_find(s, m->interrupt.request);
    if (!x) return; /* already answered: the answer crossed the INTERRUPT */
    wamp_id req = x->request;
    wamp_interrupt_cb cb = x->on_interrupt;
    void *user = x->user;
    if (m->interrupt.mode == WAMP_CANCEL_KILLNOWAIT) {
        inv_remove(s, x);
        if (cb) cb(user, s, req, WAMP_CANCEL_KILLNOWAIT);
        return;
    }
    if (cb) cb(user, s, req, WAMP_CANCEL_KILL);
    if (s->free_pending || !joined(s)) return;
    x = inv_find(s, req);
    if (x) {
        inv_remove(s, x);
        wamp_message e = wamp_message_error(WAMP_MSG_INVOCATION, req, WAMP_ERROR_CANCELED);
        int rc = send_msg(s, &e);
        if (rc) user_error(s, rc, "sending ERROR for an interrupted invocation failed");
    }
}

int wamp_session_receive(wamp_session *s, const wamp_message *m)
{
    if (!s || !m) return WAMP_EINVAL;
    if (s->state == ST_DISCONNECTED) return WAMP_ESTATE;
    enter(s);
    switch (s->state) {
    case ST_CONNECTED: violation(s, "message received while no session is open"); break;
    case ST_HELLO_SENT:
        switch (m->type) {
        case WAMP_MSG_WELCOME: on_welcome(s, m); break;
        case WAMP_MSG_CHALLENGE: on_challenge(s, m); break;
        case WAMP_MSG_ABORT: on_abort(s, m); break;
        default: violation(s, "unexpected message while joining"); break;
        }
        break;
    default: /* joined or goodbye sent */
        switch (m->type) {
        case WAMP_MSG_GOODBYE: on_goodbye(s, m); break;
        case WAMP_MSG_ABORT: on_abort(s, m); break;
        case WAMP_MSG_RESULT: on_result(s, m); break;
        case WAMP_MSG_ERROR: on_error(s, m); break;
        case WAMP_MSG_PUBLISHED: on_published(s, m); break;
        case WAMP_MSG_SUBSCRIBED: on_subscribed(s, m); break;
        case WAMP_MSG_UNSUBSCRIBED: on_unsubscribed(s, m); break;
        case WAMP_MSG_EVENT: on_event(s, m); break;
        case WAMP_MSG_REGISTERED: on_registered(s, m); break;
        case WAMP_MSG_UNREGISTERED: on_unregistered(s, m); break;
        case WAMP_MSG_INVOCATION: on_invocation(s, m); break;
        case WAMP_MSG_INTERRUPT: on_interrupt(s, m); break;
        default: violation(s, "unexpected message type for a client session"); break;
        }
        break;
    }
    leave_(s);
    return WAMP_OK;
}

/* ---------------------------------------------------------------- time */

void wamp_session_tick(wamp_session *s, uint64_t now_ms)
{
    if (!s) return;
    if (now_ms > s->now) s->now = now_ms;
    enter(s);
    for (;;) {
        pending *p;
        for (p = s->pending; p; p = p->next)
            if (p->kind == PR_CALL && p->has_deadline && !p->zombie && p->deadline <= s->now) break;
        if (!p || s->free_pending) break;
        p->has_deadline = false;
        p->zombie = true;
        wamp_message c = wamp_message_cancel(p->request, p->timeout_mode);
        int rc = send_msg(s, &c);
        if (rc) user_error(s, rc, "sending CANCEL after a call timeout failed");
        wamp_error e = local_error(WAMP_ETIMEOUT, WAMP_ERROR_TIMEOUT, "call timed out");
        p->call_cb(p->user, s, p->request, NULL, &e);
        if (rc) {
            /* no CANCEL went out: nothing will answer through it */
            pending_unlink(s, p);
            pending_free(p);
        }
    }
    leave_(s);
}

void wamp_session_set_clock(wamp_session *s, uint64_t (*now_ms)(void *user), void *user)
{
    if (!s) return;
    s->clock = now_ms;
    s->clock_user = user;
}

int wamp_session_set_transport_details(wamp_session *s, const wamp_transport_details *d)
{
    if (!s) return WAMP_EINVAL;
    s->has_td = d != NULL;
    if (d) s->td = *d;
    return WAMP_OK;
}

const wamp_transport_details *wamp_session_transport_details(const wamp_session *s)
{
    return s && s->has_td && s->state != ST_DISCONNECTED ? &s->td : NULL;
}

int wamp_session_set_channel_id(wamp_session *s, const char *type, const uint8_t *id, size_t len)
{
    if (!s) return WAMP_EINVAL;
    if (!id) {
        memset(s->has_cid, 0, sizeof s->has_cid);
        memset(s->cid_len, 0, sizeof s->cid_len);
        return WAMP_OK;
    }
    int i = type && !strcmp(type, "tls-unique")     ? 0
            : type && !strcmp(type, "tls-exporter") ? 1
                                                    : -1;
    if (i < 0 || len > sizeof s->cid[0]) return WAMP_EINVAL;
    memcpy(s->cid[i], id, len);
    s->cid_len[i] = len;
    s->has_cid[i] = true;
    return WAMP_OK;
}

bool wamp_session_next_deadline(const wamp_session *s, uint64_t *deadline_ms)
{
    bool any = false;
    uint64_t best = 0;
    for (pending *p = s ? s->pending : NULL; p; p = p->next)
        if (p->kind == PR_CALL && p->has_deadline && !p->zombie && (!any || p->deadline < best)) {
            best = p->deadline;
            any = true;
        }
    if (any && deadline_ms) *deadline_ms = best;
    return any;
}

/* ---------------------------------------------------------------- caller */

int wamp_session_call(wamp_session *s, const char *procedure, const wamp_value *args,
                      const wamp_value *kwargs, const wamp_call_opts *o, wamp_call_cb cb,
                      void *user, wamp_id *request)
{
    if (!s || !procedure || !cb) return WAMP_EINVAL;
    if (!joined(s)) return WAMP_ENOTREADY;
    if (wamp_uri_check(wamp_str_c(procedure), WAMP_URI_LOOSE, false, false)) return WAMP_EURI;
    int rc = check_payload(args, kwargs);
    if (rc) return rc;
    if (o && o->timeout_ms < 0) return WAMP_EINVAL;
    if (o && check_forward_for(o->forward_for)) return WAMP_EINVAL;
    wamp_id id = next_req(s);
    pending *p = pending_add(s, PR_CALL, id);
    if (!p) return WAMP_ENOMEM;
    p->call_cb = cb;
    p->user = user;
    p->uri = wamp__strdup(procedure);
    if (!p->uri) {
        pending_unlink(s, p);
        pending_free(p);
        return WAMP_ENOMEM;
    }
    wamp_message m = wamp_message_call(id, procedure);
    wamp_arena *pa = NULL;
    rc = put_payload(s, true, wamp_str_c(procedure), args, kwargs, &pa, &m);
    if (rc) {
        wamp_arena_free(pa);
        pending_unlink(s, p);
        pending_free(p);
        return rc;
    }
    if (o) {
        if (o->timeout_ms > 0) m.call.timeout = WAMP_OPT_INT(o->timeout_ms);
        if (o->on_progress) {
            m.call.receive_progress = WAMP_OPT_TRUE;
            p->on_progress = o->on_progress;
            p->receive_progress = true;
        }
        if (o->progress) {
            m.call.progress = WAMP_OPT_TRUE;
            p->chunking = true;
        }
        if (o->disclose_me) m.call.disclose_me = WAMP_OPT_TRUE;
        if (o->transaction_hash) m.call.transaction_hash = wamp_str_c(o->transaction_hash);
        m.call.caller = o->caller;
        if (o->caller_authid) m.call.caller_authid = wamp_str_c(o->caller_authid);
        if (o->caller_authrole) m.call.caller_authrole = wamp_str_c(o->caller_authrole);
        if (o->forward_for) m.forward_for = *o->forward_for;
        p->details = o->details;
        if (o->correlation.id || o->correlation.uri || o->correlation.is_anchor ||
            o->correlation.is_last) {
            p->has_corr = true;
            p->corr = o->correlation;
            p->corr_id = o->correlation.id ? wamp__strdup(o->correlation.id) : NULL;
            p->corr_uri = o->correlation.uri ? wamp__strdup(o->correlation.uri) : NULL;
            if ((o->correlation.id && !p->corr_id) || (o->correlation.uri && !p->corr_uri)) {
                wamp_arena_free(pa);
                pending_unlink(s, p);
                pending_free(p);
                return WAMP_ENOMEM;
            }
            p->corr.id = p->corr_id;
            p->corr.uri = p->corr_uri;
        }
        if (o->cancel_after_ms > 0) {
            if (s->clock) {
                uint64_t now = s->clock(s->clock_user);
                if (now > s->now) s->now = now;
            }
            p->has_deadline = true;
            p->deadline = s->now + o->cancel_after_ms;
            p->timeout_mode =
                o->cancel_mode == WAMP_CANCEL_UNSET ? WAMP_CANCEL_KILLNOWAIT : o->cancel_mode;
        }
    }
    enter(s);
    rc = send_msg(s, &m);
    wamp_arena_free(pa);
    if (rc) {
        pending_unlink(s, p);
        pending_free(p);
    } else if (request) {
        *request = id;
    }
    leave_(s);
    return rc;
}

int wamp_session_call_progress(wamp_session *s, wamp_id request, const wamp_value *args,
                               const wamp_value *kwargs, bool more)
{
    if (!s) return WAMP_EINVAL;
    if (!joined(s)) return WAMP_ENOTREADY;
    pending *p = pending_find(s, PR_CALL, request);
    if (!p || p->zombie) return WAMP_ENOTFOUND;
    if (!p->chunking) return WAMP_ESTATE;
    int rc = check_payload(args, kwargs);
    if (rc) return rc;
    wamp_message m = wamp_message_call(request, p->uri);
    wamp_arena *pa = NULL;
    rc = put_payload(s, true, wamp_str_c(p->uri), args, kwargs, &pa, &m);
    if (rc) {
        wamp_arena_free(pa);
        return rc;
    }
    if (p->receive_progress) m.call.receive_progress = WAMP_OPT_TRUE;
    if (more) m.call.progress = WAMP_OPT_TRUE;
    enter(s);
    rc = send_msg(s, &m);
    wamp_arena_free(pa);
    if (!rc && !more) p->chunking = false;
    leave_(s);
    return rc;
}

int wamp_session_cancel(wamp_session *s, wamp_id request, wamp_cancel_mode mode)
{
    if (!s || mode > WAMP_CANCEL_KILLNOWAIT) return WAMP_EINVAL;
    if (!wamp_session_is_attached(s)) return WAMP_ENOTREADY;
    pending *p = pending_find(s, PR_CALL, request);
    if (!p || p->zombie) return WAMP_ENOTFOUND;
    wamp_message c = wamp_message_cancel(request, mode);
    enter(s);
    int rc = send_msg(s, &c);
    if (!rc) p->chunking = false; /* no more chunks of a canceled progressive invocation */
    if (!rc && (mode == WAMP_CANCEL_SKIP || mode == WAMP_CANCEL_KILLNOWAIT)) {
        p->zombie = true;
        p->has_deadline = false;
        wamp_error e = local_error(WAMP_ECANCELED, WAMP_ERROR_CANCELED, "call canceled");
        p->call_cb(p->user, s, request, NULL, &e);
    }
    leave_(s);
    return rc;
}

/* ---------------------------------------------------------------- callee */

int wamp_session_register(wamp_session *s, const char *procedure, const wamp_register_opts *o,
                          wamp_invocation_cb handler, void *user, wamp_done_cb done,
                          void *done_user, wamp_id *handle)
{
    if (!s || !procedure || !handler) return WAMP_EINVAL;
    if (!joined(s)) return WAMP_ENOTREADY;
    wamp_register_opts def = {0};
    if (!o) o = &def;
    if ((unsigned)o->match > WAMP_MATCH_WILDCARD || (unsigned)o->invoke > WAMP_INVOKE_RANDOM ||
        o->concurrency < 0 || check_forward_for(o->forward_for))
        return WAMP_EINVAL;
    if (wamp_uri_check_pattern(wamp_str_c(procedure), o->match, WAMP_URI_LOOSE)) return WAMP_EURI;
    reg *r = calloc(1, sizeof *r);
    char *copy = wamp__strdup(procedure);
    wamp_id id = next_req(s);
    pending *p = (r && copy) ? pending_add(s, PR_REGISTER, id) : NULL;
    if (!p) {
        free(r);
        free(copy);
        return WAMP_ENOMEM;
    }
    r->handle = ++s->next_handle;
    r->procedure = copy;
    r->state = REG_PENDING;
    r->cb = handler;
    r->user = user;
    r->on_interrupt = o->on_interrupt;
    r->next = s->regs;
    s->regs = r;
    p->reg = r;
    p->done = done;
    p->user = done_user;
    p->handle = r->handle;
    wamp_message m = wamp_message_register(id, procedure, o->match);
    m.register_.invoke = o->invoke;
    if (o->concurrency > 0) m.register_.concurrency = WAMP_OPT_INT(o->concurrency);
    if (o->force_reregister) m.register_.force_reregister = WAMP_OPT_TRUE;
    if (o->disclose_caller) m.register_.disclose_caller = WAMP_OPT_TRUE;
    if (o->forward_for) m.forward_for = *o->forward_for;
    enter(s);
    int rc = send_msg(s, &m);
    if (rc) {
        pending_unlink(s, p);
        pending_free(p);
        reg_unlink_free(s, r);
    } else if (handle) {
        *handle = r->handle;
    }
    leave_(s);
    return rc;
}

int wamp_session_register_table(wamp_session *s, const char *prefix, const wamp_procedure *table,
                                size_t n, void *user, wamp_done_cb done, void *done_user,
                                wamp_id *handles)
{
    if (!s || (!table && n)) return WAMP_EINVAL;
    if (!joined(s)) return WAMP_ENOTREADY;
    if (!prefix) prefix = "";
    size_t plen = strlen(prefix);
    char stackbuf[256];
    int rc = WAMP_OK;
    /* check everything first */
    for (size_t pass = 0; pass < 2 && !rc; pass++)
        for (size_t i = 0; i < n; i++) {
            const wamp_procedure *e = &table[i];
            if (!e->name || !e->handler) return WAMP_EINVAL;
            size_t len = plen + strlen(e->name);
            char *uri = len < sizeof stackbuf ? stackbuf : malloc(len + 1);
            if (!uri) return WAMP_ENOMEM;
            memcpy(uri, prefix, plen);
            memcpy(uri + plen, e->name, len - plen + 1);
            if (pass == 0) {
                const wamp_register_opts def = {0};
                const wamp_register_opts *o = e->opts ? e->opts : &def;
                if ((unsigned)o->match > WAMP_MATCH_WILDCARD)
                    rc = WAMP_EINVAL;
                else if (wamp_uri_check_pattern(wamp_str_c(uri), o->match, WAMP_URI_LOOSE))
                    rc = WAMP_EURI;
                if (handles) handles[i] = 0;
            } else {
                rc = wamp_session_register(s, uri, e->opts, e->handler, user, done, done_user,
                                           handles ? &handles[i] : NULL);
            }
            if (uri != stackbuf) free(uri);
            if (rc) break;
        }
    return rc;
}

int wamp_session_unregister(wamp_session *s, wamp_id handle, wamp_done_cb done, void *done_user)
{
    if (!s) return WAMP_EINVAL;
    if (!joined(s)) return WAMP_ENOTREADY;
    reg *r;
    for (r = s->regs; r; r = r->next)
        if (r->handle == handle && r->state == REG_ACTIVE) break;
    if (!r) return WAMP_ENOTFOUND;
    wamp_id id = next_req(s);
    pending *p = pending_add(s, PR_UNREGISTER, id);
    if (!p) return WAMP_ENOMEM;
    p->reg = r;
    p->done = done;
    p->user = done_user;
    p->handle = handle;
    wamp_message m = wamp_message_unregister(id, r->id);
    enter(s);
    int rc = send_msg(s, &m);
    if (rc) {
        pending_unlink(s, p);
        pending_free(p);
    } else {
        r->state = REG_GONE;
    }
    leave_(s);
    return rc;
}

int wamp_session_yield(wamp_session *s, wamp_id request, const wamp_value *args,
                       const wamp_value *kwargs, bool progress)
{
    if (!s) return WAMP_EINVAL;
    if (!wamp_session_is_attached(s)) return WAMP_ENOTREADY;
    inv *x = inv_find(s, request);
    if (!x) return WAMP_ENOTFOUND;
    if (progress && !x->receive_progress) return WAMP_EINVAL;
    int rc = check_payload(args, kwargs);
    if (rc) return rc;
    wamp_message m = wamp_message_yield(request);
    wamp_arena *pa = NULL;
    if (x->encoded)
        rc = put_payload(s, false, wamp_str_c(x->procedure), args, kwargs, &pa, &m);
    else
        set_payload(&m, args, kwargs);
    if (rc) {
        wamp_arena_free(pa);
        return rc;
    }
    if (progress) m.yield.progress = WAMP_OPT_TRUE;
    enter(s);
    rc = send_msg(s, &m);
    wamp_arena_free(pa);
    if (wamp_is_serialization_error(rc)) {
        answer_unserializable(s, request, rc);
        progress = false; /* the invocation is answered */
    }
    if (!progress && (x = inv_find(s, request))) inv_remove(s, x);
    leave_(s);
    return rc;
}

int wamp_session_error(wamp_session *s, wamp_id request, const wamp_error *err)
{
    if (!s || !err) return WAMP_EINVAL;
    if (!wamp_session_is_attached(s)) return WAMP_ENOTREADY;
    inv *x = inv_find(s, request);
    if (!x) return WAMP_ENOTFOUND;
    wamp_str uri = err->uri;
    if (!uri.ptr && err->kind > 0) uri = wamp_str_c(kind_uri(s, err->kind));
    if (wamp_uri_check(uri, WAMP_URI_LOOSE, false, false)) return WAMP_EURI;
    int rc = check_payload(&err->args, &err->kwargs);
    if (rc) return rc;
    enter(s);
    bool sent = false;
    rc = send_inv_error(s, request, uri, &err->args, &err->kwargs, &sent);
    if (sent && wamp_is_serialization_error(rc)) answer_unserializable(s, request, rc);
    if (sent && (x = inv_find(s, request))) inv_remove(s, x);
    leave_(s);
    return rc;
}

/* ---------------------------------------------------------------- publisher */

static int check_list(const wamp_value *v, wamp_value_type elem)
{
    if (!v) return WAMP_OK;
    if (wamp_value_type_of(v) != WAMP_VALUE_LIST) return WAMP_EINVAL;
    for (size_t i = 0; i < wamp_value_count(v); i++) {
        wamp_value *e = wamp_value_list_at(v, i);
        if (elem == WAMP_VALUE_INT ? !wamp_id_check(e, NULL)
                                   : wamp_value_type_of(e) != WAMP_VALUE_STRING)
            return WAMP_EINVAL;
    }
    return WAMP_OK;
}

int wamp_session_publish(wamp_session *s, const char *topic, const wamp_value *args,
                         const wamp_value *kwargs, const wamp_publish_opts *o, wamp_publish_cb cb,
                         void *user, wamp_id *request)
{
    if (!s || !topic) return WAMP_EINVAL;
    if (!joined(s)) return WAMP_ENOTREADY;
    if (wamp_uri_check(wamp_str_c(topic), WAMP_URI_LOOSE, false, false)) return WAMP_EURI;
    wamp_publish_opts def = {0};
    if (!o) o = &def;
    if (o->acknowledge && !cb) return WAMP_EINVAL;
    int rc = check_payload(args, kwargs);
    if (!rc) rc = check_list(o->exclude, WAMP_VALUE_INT);
    if (!rc) rc = check_list(o->eligible, WAMP_VALUE_INT);
    if (!rc) rc = check_list(o->exclude_authid, WAMP_VALUE_STRING);
    if (!rc) rc = check_list(o->exclude_authrole, WAMP_VALUE_STRING);
    if (!rc) rc = check_list(o->eligible_authid, WAMP_VALUE_STRING);
    if (!rc) rc = check_list(o->eligible_authrole, WAMP_VALUE_STRING);
    if (!rc) rc = check_forward_for(o->forward_for);
    if (rc) return rc;
    wamp_id id = next_req(s);
    wamp_message m = wamp_message_publish(id, topic);
    wamp_arena *pa = NULL;
    rc = put_payload(s, true, wamp_str_c(topic), args, kwargs, &pa, &m);
    if (rc) {
        wamp_arena_free(pa);
        return rc;
    }
    wamp_publish_msg *pm = &m.publish;
    if (o->acknowledge) pm->acknowledge = WAMP_OPT_TRUE;
    pm->exclude_me = o->exclude_me;
    if (o->exclude) pm->exclude = *o->exclude;
    if (o->exclude_authid) pm->exclude_authid = *o->exclude_authid;
    if (o->exclude_authrole) pm->exclude_authrole = *o->exclude_authrole;
    if (o->eligible) pm->eligible = *o->eligible;
    if (o->eligible_authid) pm->eligible_authid = *o->eligible_authid;
    if (o->eligible_authrole) pm->eligible_authrole = *o->eligible_authrole;
    if (o->retain) pm->retain = WAMP_OPT_TRUE;
    if (o->disclose_me) pm->disclose_me = WAMP_OPT_TRUE;
    if (o->transaction_hash) pm->transaction_hash = wamp_str_c(o->transaction_hash);
    if (o->forward_for) m.forward_for = *o->forward_for;
    pending *p = NULL;
    if (o->acknowledge) {
        p = pending_add(s, PR_PUBLISH, id);
        if (!p) {
            wamp_arena_free(pa);
            return WAMP_ENOMEM;
        }
        p->pub_cb = cb;
        p->user = user;
    }
    enter(s);
    rc = send_msg(s, &m);
    wamp_arena_free(pa);
    if (rc && p) {
        pending_unlink(s, p);
        pending_free(p);
    } else if (!rc && request) {
        *request = id;
    }
    leave_(s);
    return rc;
}

/* ---------------------------------------------------------------- subscriber */

/* A handler asking get_retained joins an existing entry whose SUBSCRIBE did not ask for it (or
 * was answered already): a further SUBSCRIBE with get_retained goes out so that the broker
 * delivers the retained event again; h (already appended, inactive) completes on its
 * SUBSCRIBED. */
static int resubscribe(wamp_session *s, sub *e, hnd *h, const wamp_value *ff, wamp_id *handle)
{
    wamp_id id = next_req(s);
    pending *p = pending_add(s, PR_SUBSCRIBE, id);
    int rc = WAMP_ENOMEM;
    if (p) {
        p->sub = e;
        p->resub = true;
        p->handle = h->handle;
        wamp_message m = wamp_message_subscribe(id, e->topic, e->match);
        m.subscribe.get_retained = WAMP_OPT_TRUE;
        if (ff) m.forward_for = *ff;
        enter(s);
        rc = send_msg(s, &m);
        leave_(s);
        if (rc) {
            pending_unlink(s, p);
            pending_free(p);
        }
    }
    if (rc) {
        for (hnd **hp = &e->handlers; *hp; hp = &(*hp)->next)
            if (*hp == h) {
                *hp = h->next;
                break;
            }
        free(h);
        return rc;
    }
    if (e->state == SUB_PENDING) e->asked_retained = true;
    if (handle) *handle = h->handle;
    return WAMP_OK;
}

int wamp_session_subscribe(wamp_session *s, const char *topic, const wamp_subscribe_opts *o,
                           wamp_event_cb handler, void *user, wamp_done_cb done, void *done_user,
                           wamp_id *handle)
{
    if (!s || !topic || !handler) return WAMP_EINVAL;
    if (!joined(s)) return WAMP_ENOTREADY;
    wamp_subscribe_opts def = {0};
    if (!o) o = &def;
    if ((unsigned)o->match > WAMP_MATCH_WILDCARD || check_forward_for(o->forward_for))
        return WAMP_EINVAL;
    if (wamp_uri_check_pattern(wamp_str_c(topic), o->match, WAMP_URI_LOOSE)) return WAMP_EURI;
    hnd *h = calloc(1, sizeof *h);
    if (!h) return WAMP_ENOMEM;
    h->handle = ++s->next_handle;
    h->cb = handler;
    h->user = user;
    h->done = done;
    h->done_user = done_user;
    sub *e;
    for (e = s->subs; e; e = e->next)
        if (e->state != SUB_GONE && e->match == o->match && strcmp(e->topic, topic) == 0) break;
    h->want_retained = o->get_retained;
    if (e) {
        /* shared: append (handlers run in subscription order) */
        hnd **pp = &e->handlers;
        while (*pp)
            pp = &(*pp)->next;
        *pp = h;
        if (o->get_retained && !(e->state == SUB_PENDING && e->asked_retained))
            return resubscribe(s, e, h, o->forward_for, handle);
        if (handle) *handle = h->handle;
        if (e->state == SUB_ACTIVE) {
            h->active = true;
            h->done = NULL;
            if (done) {
                enter(s);
                done(done_user, s, h->handle, e->id, NULL);
                leave_(s);
            }
        }
        return WAMP_OK;
    }
    e = calloc(1, sizeof *e);
    char *copy = wamp__strdup(topic);
    wamp_id id = next_req(s);
    pending *p = (e && copy) ? pending_add(s, PR_SUBSCRIBE, id) : NULL;
    if (!p) {
        free(e);
        free(copy);
        free(h);
        return WAMP_ENOMEM;
    }
    e->topic = copy;
    e->match = o->match;
    e->state = SUB_PENDING;
    e->asked_retained = o->get_retained;
    e->handlers = h;
    e->next = s->subs;
    s->subs = e;
    p->sub = e;
    wamp_message m = wamp_message_subscribe(id, topic, o->match);
    if (o->get_retained) m.subscribe.get_retained = WAMP_OPT_TRUE;
    if (o->forward_for) m.forward_for = *o->forward_for;
    enter(s);
    int rc = send_msg(s, &m);
    if (rc) {
        pending_unlink(s, p);
        pending_free(p);
        sub_unlink_free(s, e);
    } else if (handle) {
        *handle = h->handle;
    }
    leave_(s);
    return rc;
}

/* Sends UNSUBSCRIBE for e (which has no handler left); on failure e is forgotten locally. */
static int send_unsubscribe(wamp_session *s, sub *e, wamp_id handle, wamp_done_cb done,
                            void *done_user)
{
    wamp_id id = next_req(s);
    pending *p = pending_add(s, PR_UNSUBSCRIBE, id);
    if (!p) return WAMP_ENOMEM;
    p->sub = e;
    p->done = done;
    p->user = done_user;
    p->handle = handle;
    e->state = SUB_GONE;
    wamp_message m = wamp_message_unsubscribe(id, e->id);
    int rc = send_msg(s, &m);
    if (rc) {
        pending_unlink(s, p);
        pending_free(p);
        sub_unlink_free(s, e); /* forget it locally anyway: no handler is left */
    }
    return rc;
}

int wamp_session_unsubscribe(wamp_session *s, wamp_id handle, wamp_done_cb done, void *done_user)
{
    if (!s) return WAMP_EINVAL;
    if (!joined(s)) return WAMP_ENOTREADY;
    sub *e = NULL;
    hnd **hp = NULL;
    for (e = s->subs; e; e = e->next) {
        if (e->state != SUB_ACTIVE) continue;
        for (hp = &e->handlers; *hp; hp = &(*hp)->next)
            if ((*hp)->handle == handle && (*hp)->active) break;
        if (*hp) break;
    }
    if (!e) return WAMP_ENOTFOUND;
    hnd *h = *hp;
    *hp = h->next;
    free(h);
    int rc = WAMP_OK;
    enter(s);
    if (!e->handlers) {
        rc = send_unsubscribe(s, e, handle, done, done_user);
    } else if (done) {
        done(done_user, s, handle, e->id, NULL);
    }
    leave_(s);
    return rc;
}
