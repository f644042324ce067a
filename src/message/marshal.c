/* wamp_message_marshal(): the canonical list of a message, as Autobahn's marshal() builds it. */
#include "message/message_int.h"

#include <string.h>

/* ---------------------------------------------------------------- RAW spans and truthiness */

static size_t json_skip_ws(const uint8_t *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    return i;
}

static bool be_zero(const uint8_t *s, size_t n, size_t i, size_t k)
{
    if (i + k > n) return false;
    for (size_t j = 0; j < k; j++)
        if (s[i + j]) return false;
    return true;
}

/* UBJSON count after '#': a typed integer marker then its big-endian value. */
static bool ubjson_zero_count(const uint8_t *s, size_t n, size_t i)
{
    if (i >= n) return false;
    switch (s[i]) {
    case 'i':
    case 'U': return be_zero(s, n, i + 1, 1);
    case 'I': return be_zero(s, n, i + 1, 2);
    case 'l': return be_zero(s, n, i + 1, 4);
    case 'L': return be_zero(s, n, i + 1, 8);
    default: return false;
    }
}

int wamp__message_raw_kind(const wamp_value *v, bool *empty)
{
    *empty = false;
    if (v->type != WAMP_VALUE_RAW || !v->as.raw || v->len == 0) return 0;
    const uint8_t *s = v->as.raw;
    size_t n = v->len;
    uint8_t c = s[0];
    switch (v->ser) {
    case WAMP_SER_JSON: {
        size_t i = json_skip_ws(s, n, 0);
        if (i >= n || (s[i] != '[' && s[i] != '{')) return 0;
        int kind = s[i] == '[' ? 'l' : 'd';
        size_t j = json_skip_ws(s, n, i + 1);
        *empty = j < n && s[j] == (kind == 'l' ? ']' : '}');
        return kind;
    }
    case WAMP_SER_MSGPACK:
        if (c >= 0x90 && c <= 0x9f) return *empty = c == 0x90, 'l';
        if (c >= 0x80 && c <= 0x8f) return *empty = c == 0x80, 'd';
        if (c == 0xdc || c == 0xde) return *empty = be_zero(s, n, 1, 2), c == 0xdc ? 'l' : 'd';
        if (c == 0xdd || c == 0xdf) return *empty = be_zero(s, n, 1, 4), c == 0xdd ? 'l' : 'd';
        return 0;
    case WAMP_SER_CBOR: {
        int major = c >> 5, info = c & 0x1f;
        if (major != 4 && major != 5) return 0;
        int kind = major == 4 ? 'l' : 'd';
        if (info < 24)
            *empty = info == 0;
        else if (info >= 24 && info <= 27)
            *empty = be_zero(s, n, 1, (size_t)1 << (info - 24));
        else if (info == 31)
            *empty = n > 1 && s[1] == 0xff;
        else
            return 0;
        return kind;
    }
    case WAMP_SER_UBJSON: {
        if (c != '[' && c != '{') return 0;
        int kind = c == '[' ? 'l' : 'd';
        size_t i = 1;
        while (i < n && s[i] == 'N')
            i++;
        if (i < n && s[i] == (kind == 'l' ? ']' : '}'))
            *empty = true;
        else if (i < n && s[i] == '#')
            *empty = ubjson_zero_count(s, n, i + 1);
        else if (i + 2 < n && s[i] == '$' && s[i + 2] == '#')
            *empty = ubjson_zero_count(s, n, i + 3);
        return kind;
    }
    default: return 0;
    }
}

bool wamp__message_truthy(const wamp_value *v)
{
    switch (v->type) {
    case WAMP_VALUE_NULL: return false;
    case WAMP_VALUE_BOOL: return v->as.b;
    case WAMP_VALUE_INT: return v->as.i != 0;
    case WAMP_VALUE_UINT: return v->as.u != 0;
    case WAMP_VALUE_DOUBLE: return v->as.d != 0.0;
    case WAMP_VALUE_STRING:
    case WAMP_VALUE_BYTES:
    case WAMP_VALUE_LIST:
    case WAMP_VALUE_DICT: return v->len != 0;
    case WAMP_VALUE_RAW: {
        bool empty;
        return wamp__message_raw_kind(v, &empty) ? !empty : v->len != 0;
    }
    }
    return false;
}

/* ---------------------------------------------------------------- builders */

typedef struct M {
    wamp_arena *a;
    int rc;
} M;

static void push(M *b, wamp_value *list, wamp_value v)
{
    if (!b->rc) b->rc = wamp_value_list_push(b->a, list, v);
}

static void put_n(M *b, wamp_value *dict, const char *key, size_t len, wamp_value v)
{
    wamp_str k = {key, len};
    if (!b->rc) b->rc = wamp_value_dict_append(b->a, dict, k, v);
}

static void put(M *b, wamp_value *dict, const char *key, wamp_value v)
{
    put_n(b, dict, key, strlen(key), v);
}

static wamp_value str_value(wamp_str s)
{
    return wamp_value_string_borrow(s.ptr ? s.ptr : "", s.len);
}

static bool str_truthy(wamp_str s)
{
    return s.ptr && s.len;
}

static wamp_value roles_value(M *b, const wamp_roles *r)
{
    wamp_value roles = wamp_value_dict();
    for (unsigned i = 0; i < r->count && i < WAMP_ROLE_COUNT; i++) {
        wamp_role role = (wamp_role)r->order[i];
        if ((unsigned)role >= WAMP_ROLE_COUNT) continue;
        wamp_value feats = wamp_value_dict();
        for (int pass = 0; pass < 2; pass++) {
            const int8_t *list = wamp__message_role_features(role, pass == 1);
            for (; *list >= 0; list++) {
                uint64_t bit = (uint64_t)1 << *list;
                if (!(r->features_set[role] & bit)) continue;
                put(b, &feats, wamp_feature_name((wamp_feature)*list),
                    wamp_value_bool((r->features_on[role] & bit) != 0));
            }
        }
        wamp_value rd = wamp_value_dict();
        if (feats.len) put(b, &rd, "features", feats);
        put(b, &roles, wamp_role_name(role), rd);
    }
    return roles;
}

static void emit_option(M *b, const wamp_message *m, const wamp__optdesc *d, wamp_value *dict)
{
    const void *field = (const char *)m + d->off;
    bool truthy = d->flags & OF_TRUTHY;
    switch ((wamp__okind)d->kind) {
    case OK_BOOL:
    case OK_FORCE_REREG: {
        wamp_opt_bool v = *(const wamp_opt_bool *)field;
        if (v == WAMP_OPT_UNSET || (truthy && v != WAMP_OPT_TRUE)) return;
        put_n(b, dict, d->key, d->keylen, wamp_value_bool(v == WAMP_OPT_TRUE));
        return;
    }
    case OK_INT:
    case OK_INT_NONNEG:
    case OK_INT_POS: {
        const wamp_opt_int *v = field;
        if (!v->set || (truthy && v->value == 0)) return;
        put_n(b, dict, d->key, d->keylen, wamp_value_int(v->value));
        return;
    }
    case OK_STR:
    case OK_STR_NULLOK:
    case OK_URI: {
        wamp_str s = *(const wamp_str *)field;
        if (d->flags & OF_AUTHMETHOD) {
            /* Autobahn: `if self.authrole: details['authmethod'] = self.authmethod` */
            if (!str_truthy(m->welcome.authrole)) return;
            put_n(b, dict, d->key, d->keylen, s.ptr ? str_value(s) : wamp_value_null());
            return;
        }
        if (!s.ptr || (truthy && !s.len)) return;
        put_n(b, dict, d->key, d->keylen, str_value(s));
        return;
    }
    case OK_DICT:
    case OK_DICT_NULLOK:
    case OK_LIST_INT:
    case OK_LIST_STR:
    case OK_FORWARD_FOR: {
        const wamp_value *v = field;
        if (v->type == WAMP_VALUE_NULL || (truthy && !wamp__message_truthy(v))) return;
        put_n(b, dict, d->key, d->keylen, *v);
        return;
    }
    case OK_MATCH: {
        wamp_match v = *(const wamp_match *)field;
        if (v != WAMP_MATCH_EXACT && wamp_match_name(v))
            put_n(b, dict, d->key, d->keylen,
                  wamp_value_string_borrow(wamp_match_name(v), strlen(wamp_match_name(v))));
        return;
    }
    case OK_INVOKE: {
        wamp_invoke v = *(const wamp_invoke *)field;
        if (v != WAMP_INVOKE_SINGLE && wamp_invoke_name(v))
            put_n(b, dict, d->key, d->keylen,
                  wamp_value_string_borrow(wamp_invoke_name(v), strlen(wamp_invoke_name(v))));
        return;
    }
    case OK_CANCEL_MODE:
    case OK_INTERRUPT_MODE: {
        const char *name = wamp_cancel_mode_name(*(const wamp_cancel_mode *)field);
        if (name) put_n(b, dict, d->key, d->keylen, wamp_value_string_borrow(name, strlen(name)));
        return;
    }
    case OK_ROLES: put_n(b, dict, d->key, d->keylen, roles_value(b, field)); return;
    case OK_CUSTOM: {
        const wamp_value *c = field;
        if (c->type != WAMP_VALUE_DICT) return;
        for (size_t i = 0; i < c->len && !b->rc; i++)
            b->rc =
                wamp_value_dict_append(b->a, dict, c->as.entries[i].key, c->as.entries[i].value);
        return;
    }
    case OK_ENC:
        if (!m->payload.ptr || !m->payload.len) return;
        if (m->enc_algo.ptr) put(b, dict, "enc_algo", str_value(m->enc_algo));
        if (m->enc_key.ptr) put(b, dict, "enc_key", str_value(m->enc_key));
        if (m->enc_serializer.ptr) put(b, dict, "enc_serializer", str_value(m->enc_serializer));
        return;
    }
}

static wamp_value options_value(M *b, const wamp_message *m, const wamp__msginfo *info)
{
    wamp_value dict = wamp_value_dict();
    for (size_t i = 0; i < info->nopts && !b->rc; i++)
        emit_option(b, m, &info->opts[i], &dict);
    return dict;
}

/* Payload, kwargs+args, or args, as Autobahn's marshal() chooses. */
static void push_payload(M *b, const wamp_message *m, wamp_value *list)
{
    if (m->payload.ptr && m->payload.len) {
        push(b, list, wamp_value_bytes_borrow(m->payload.ptr, m->payload.len));
    } else if (wamp__message_truthy(&m->kwargs)) {
        push(b, list, m->args.type == WAMP_VALUE_NULL ? wamp_value_list() : m->args);
        push(b, list, m->kwargs);
    } else if (wamp__message_truthy(&m->args)) {
        push(b, list, m->args);
    }
}

static wamp_value id_value(wamp_id id)
{
    return wamp_value_uint(id);
}

/* The string elements Autobahn's constructors require (type(x) == str). */
static bool required_present(const wamp_message *m)
{
    switch (m->type) {
    case WAMP_MSG_ABORT: return m->abort.reason.ptr != NULL;
    case WAMP_MSG_CHALLENGE: return m->challenge.method.ptr != NULL;
    case WAMP_MSG_AUTHENTICATE: return m->authenticate.signature.ptr != NULL;
    case WAMP_MSG_ERROR: return m->error.error.ptr != NULL;
    case WAMP_MSG_PUBLISH: return m->publish.topic.ptr != NULL;
    case WAMP_MSG_SUBSCRIBE: return m->subscribe.topic.ptr != NULL;
    case WAMP_MSG_CALL: return m->call.procedure.ptr != NULL;
    case WAMP_MSG_REGISTER: return m->register_.procedure.ptr != NULL;
    default: return true;
    }
}

int wamp_message_marshal(const wamp_message *m, wamp_arena *a, wamp_value *out)
{
    if (!out) return WAMP_EINVAL;
    *out = wamp_value_null();
    if (!m || !a) return WAMP_EINVAL;
    const wamp__msginfo *info = wamp__message_info(m->type);
    if (!info) return WAMP_EINVAL;
    if (m->payload.ptr && (m->args.type != WAMP_VALUE_NULL || m->kwargs.type != WAMP_VALUE_NULL))
        return WAMP_EINVAL;
    if (!required_present(m)) return WAMP_EINVAL;
    M b = {a, 0};
    wamp_value l = wamp_value_list();
    push(&b, &l, wamp_value_int(m->type));
    switch (m->type) {
    case WAMP_MSG_HELLO:
        if (!m->hello.roles.count) return WAMP_EINVAL;
        push(&b, &l, m->hello.realm.ptr ? str_value(m->hello.realm) : wamp_value_null());
        push(&b, &l, options_value(&b, m, info));
        break;
    case WAMP_MSG_WELCOME:
        if (!m->welcome.roles.count) return WAMP_EINVAL;
        push(&b, &l, id_value(m->welcome.session));
        push(&b, &l, options_value(&b, m, info));
        break;
    case WAMP_MSG_ABORT:
        push(&b, &l, options_value(&b, m, info));
        push(&b, &l, str_value(m->abort.reason)); /* no Arguments: Autobahn's Abort has none */
        break;
    case WAMP_MSG_CHALLENGE:
    case WAMP_MSG_AUTHENTICATE: {
        bool ch = m->type == WAMP_MSG_CHALLENGE;
        const wamp_value *extra = ch ? &m->challenge.extra : &m->authenticate.extra;
        push(&b, &l, str_value(ch ? m->challenge.method : m->authenticate.signature));
        push(&b, &l, extra->type == WAMP_VALUE_NULL ? wamp_value_dict() : *extra);
        break;
    }
    case WAMP_MSG_GOODBYE:
        push(&b, &l, options_value(&b, m, info));
        push(&b, &l,
             m->goodbye.reason.ptr
                 ? str_value(m->goodbye.reason)
                 : wamp_value_string_borrow(WAMP_CLOSE_NORMAL, strlen(WAMP_CLOSE_NORMAL)));
        break;
    case WAMP_MSG_ERROR:
        push(&b, &l, wamp_value_int(m->error.request_type));
        push(&b, &l, id_value(m->error.request));
        push(&b, &l, options_value(&b, m, info));
        push(&b, &l, str_value(m->error.error));
        push_payload(&b, m, &l);
        break;
    case WAMP_MSG_PUBLISH:
    case WAMP_MSG_CALL: {
        bool pub = m->type == WAMP_MSG_PUBLISH;
        push(&b, &l, id_value(pub ? m->publish.request : m->call.request));
        push(&b, &l, options_value(&b, m, info));
        push(&b, &l, str_value(pub ? m->publish.topic : m->call.procedure));
        push_payload(&b, m, &l);
        break;
    }
    case WAMP_MSG_PUBLISHED:
        push(&b, &l, id_value(m->published.request));
        push(&b, &l, id_value(m->published.publication));
        break;
    case WAMP_MSG_SUBSCRIBE:
        push(&b, &l, id_value(m->subscribe.request));
        push(&b, &l, options_value(&b, m, info));
        push(&b, &l, str_value(m->subscribe.topic));
        break;
    case WAMP_MSG_SUBSCRIBED:
        push(&b, &l, id_value(m->subscribed.request));
        push(&b, &l, id_value(m->subscribed.subscription));
        break;
    case WAMP_MSG_UNSUBSCRIBE:
    case WAMP_MSG_UNREGISTER: {
        bool unsub = m->type == WAMP_MSG_UNSUBSCRIBE;
        push(&b, &l, id_value(unsub ? m->unsubscribe.request : m->unregister.request));
        push(&b, &l, id_value(unsub ? m->unsubscribe.subscription : m->unregister.registration));
        if (wamp__message_truthy(&m->forward_for)) push(&b, &l, options_value(&b, m, info));
        break;
    }
    case WAMP_MSG_UNSUBSCRIBED:
    case WAMP_MSG_UNREGISTERED: {
        bool unsub = m->type == WAMP_MSG_UNSUBSCRIBED;
        push(&b, &l, id_value(unsub ? m->unsubscribed.request : m->unregistered.request));
        wamp_str reason = unsub ? m->unsubscribed.reason : m->unregistered.reason;
        bool id = unsub ? m->unsubscribed.subscription.set : m->unregistered.registration.set;
        if (reason.ptr || id) push(&b, &l, options_value(&b, m, info));
        break;
    }
    case WAMP_MSG_EVENT:
        push(&b, &l, id_value(m->event.subscription));
        push(&b, &l, id_value(m->event.publication));
        push(&b, &l, options_value(&b, m, info));
        push_payload(&b, m, &l);
        break;
    case WAMP_MSG_CANCEL:
        push(&b, &l, id_value(m->cancel.request));
        push(&b, &l, options_value(&b, m, info));
        break;
    case WAMP_MSG_RESULT:
        push(&b, &l, id_value(m->result.request));
        push(&b, &l, options_value(&b, m, info));
        push_payload(&b, m, &l);
        break;
    case WAMP_MSG_REGISTER:
        push(&b, &l, id_value(m->register_.request));
        push(&b, &l, options_value(&b, m, info));
        push(&b, &l, str_value(m->register_.procedure));
        break;
    case WAMP_MSG_REGISTERED:
        push(&b, &l, id_value(m->registered.request));
        push(&b, &l, id_value(m->registered.registration));
        break;
    case WAMP_MSG_INVOCATION:
        push(&b, &l, id_value(m->invocation.request));
        push(&b, &l, id_value(m->invocation.registration));
        push(&b, &l, options_value(&b, m, info));
        push_payload(&b, m, &l);
        break;
    case WAMP_MSG_INTERRUPT:
        push(&b, &l, id_value(m->interrupt.request));
        push(&b, &l, options_value(&b, m, info));
        break;
    case WAMP_MSG_YIELD:
        push(&b, &l, id_value(m->yield.request));
        push(&b, &l, options_value(&b, m, info));
        push_payload(&b, m, &l);
        break;
    case WAMP_MSG_EVENT_RECEIVED: push(&b, &l, id_value(m->event_received.publication)); break;
    default: return WAMP_EINVAL;
    }
    if (b.rc) return b.rc;
    *out = l;
    return WAMP_OK;
}
