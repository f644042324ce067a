/*
 * wamp_message_parse(): validation of a decoded message list, mirroring Autobahn's
 * Message.parse() and the assertions of the constructors it calls (autobahn/wamp/message.py).
 */
#include "message/message_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct P {
    const wamp_value *el; /* the list elements */
    size_t n;
    wamp_message *m;
    wamp_msg_error *err;
    wamp_arena *a;
    const wamp__msginfo *info;
    const wamp_value *dict; /* the Options/Details dict */
} P;

static const char *tname(const wamp_value *v)
{
    switch (v->type) {
    case WAMP_VALUE_NULL: return "null";
    case WAMP_VALUE_BOOL: return "bool";
    case WAMP_VALUE_INT:
    case WAMP_VALUE_UINT: return "integer";
    case WAMP_VALUE_DOUBLE: return "float";
    case WAMP_VALUE_STRING: return "string";
    case WAMP_VALUE_BYTES: return "bytes";
    case WAMP_VALUE_LIST: return "list";
    case WAMP_VALUE_DICT: return "dict";
    case WAMP_VALUE_RAW: {
        bool e;
        int k = wamp__message_raw_kind(v, &e);
        return k == 'l' ? "undecoded list" : k == 'd' ? "undecoded dict" : "raw value";
    }
    }
    return "value";
}

static void set_err(wamp_msg_error *err, int code, const char *prefix, const char *fmt, va_list ap)
{
    if (!err) return;
    err->code = code;
    int k = snprintf(err->text, sizeof err->text, "%s", prefix ? prefix : "");
    if (k < 0) k = 0;
    if ((size_t)k < sizeof err->text)
        vsnprintf(err->text + k, sizeof err->text - (size_t)k, fmt, ap);
}

/* Fails with "<TYPE>.<fmt...>". */
static int fail(P *p, int code, const char *fmt, ...)
{
    char prefix[32];
    snprintf(prefix, sizeof prefix, "%s.", p->info ? p->info->name : "message");
    va_list ap;
    va_start(ap, fmt);
    set_err(p->err, code, prefix, fmt, ap);
    va_end(ap);
    return code;
}

static int fail_plain(wamp_msg_error *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_err(err, code, NULL, fmt, ap);
    va_end(ap);
    return code;
}

static wamp_str vstr(const wamp_value *v)
{
    /* Present strings never have a NULL pointer (absent would look the same). */
    wamp_str s = {v->as.s ? v->as.s : "", v->len};
    return s;
}

static bool is_int(const wamp_value *v)
{
    return v->type == WAMP_VALUE_INT || v->type == WAMP_VALUE_UINT;
}

static bool is_list(const wamp_value *v)
{
    bool e;
    return v->type == WAMP_VALUE_LIST ||
           (v->type == WAMP_VALUE_RAW && wamp__message_raw_kind(v, &e) == 'l');
}

static bool is_dict(const wamp_value *v)
{
    bool e;
    return v->type == WAMP_VALUE_DICT ||
           (v->type == WAMP_VALUE_RAW && wamp__message_raw_kind(v, &e) == 'd');
}

/* ---------------------------------------------------------------- positional elements */

static int check_len(P *p, size_t lo, size_t hi)
{
    if (p->n < lo || p->n > hi) {
        if (lo == hi)
            return fail(p, WAMP_EMSGLEN, "length: invalid message length %zu (expected %zu)", p->n,
                        lo);
        return fail(p, WAMP_EMSGLEN, "length: invalid message length %zu (expected %zu to %zu)",
                    p->n, lo, hi);
    }
    return WAMP_OK;
}

static int get_id(P *p, size_t i, const char *name, wamp_id *out)
{
    const wamp_value *v = &p->el[i];
    if (wamp_id_check(v, out)) return WAMP_OK;
    if (v->type == WAMP_VALUE_INT)
        return fail(p, WAMP_EID, "%s: invalid value %lld for ID (must be in [0, 2^53])", name,
                    (long long)v->as.i);
    if (v->type == WAMP_VALUE_UINT)
        return fail(p, WAMP_EID, "%s: invalid value %llu for ID (must be in [0, 2^53])", name,
                    (unsigned long long)v->as.u);
    return fail(p, WAMP_EID, "%s: expected an ID (integer), got %s", name, tname(v));
}

static int get_dict(P *p, size_t i, const char *name, const wamp_value **out)
{
    const wamp_value *v = &p->el[i];
    if (v->type != WAMP_VALUE_DICT)
        return fail(p, WAMP_EFIELD, "%s: expected dict, got %s", name, tname(v));
    *out = v;
    return WAMP_OK;
}

static int uri_value(P *p, const wamp_value *v, const char *name, bool empty, bool last_empty,
                     wamp_str *out)
{
    if (v->type != WAMP_VALUE_STRING)
        return fail(p, WAMP_EURI, "%s: expected a URI (string), got %s", name, tname(v));
    wamp_str s = vstr(v);
    if (wamp_uri_check(s, WAMP_URI_LOOSE, empty, last_empty) != WAMP_OK)
        return fail(p, WAMP_EURI, "%s: invalid URI \"%.*s\"%s", name,
                    (int)(s.len > 80 ? 80 : s.len), s.ptr,
                    last_empty ? " (prefix pattern)"
                    : empty    ? " (wildcard pattern)"
                               : "");
    *out = s;
    return WAMP_OK;
}

static int get_uri(P *p, size_t i, const char *name, bool empty, bool last_empty, wamp_str *out)
{
    return uri_value(p, &p->el[i], name, empty, last_empty, out);
}

static int get_str(P *p, size_t i, const char *name, wamp_str *out)
{
    const wamp_value *v = &p->el[i];
    if (v->type != WAMP_VALUE_STRING)
        return fail(p, WAMP_EFIELD, "%s: expected string, got %s", name, tname(v));
    *out = vstr(v);
    return WAMP_OK;
}

/* ---------------------------------------------------------------- options */

static int check_forward_for(P *p, const char *key, const wamp_value *v)
{
    const char *dn = p->info->dict_name;
    if (v->type != WAMP_VALUE_LIST)
        return fail(p, WAMP_EOPTION, "%s.%s: expected list, got %s", dn, key, tname(v));
    /* Autobahn's Unregister constructor does not look into the items; the others assert them. */
    if (p->info->type == WAMP_MSG_UNREGISTER) return WAMP_OK;
    for (size_t i = 0; i < v->len; i++) {
        const wamp_value *ff = &v->as.items[i];
        if (ff->type != WAMP_VALUE_DICT)
            return fail(p, WAMP_EOPTION, "%s.%s[%zu]: expected dict, got %s", dn, key, i,
                        tname(ff));
        const wamp_value *s = wamp_value_dict_getc(ff, "session");
        const wamp_value *id = wamp_value_dict_getc(ff, "authid");
        const wamp_value *role = wamp_value_dict_getc(ff, "authrole");
        if (!s || !is_int(s))
            return fail(p, WAMP_EOPTION, "%s.%s[%zu].session: expected integer, got %s", dn, key, i,
                        s ? tname(s) : "nothing");
        if (!id || (id->type != WAMP_VALUE_STRING && id->type != WAMP_VALUE_NULL))
            return fail(p, WAMP_EOPTION, "%s.%s[%zu].authid: expected string or null, got %s", dn,
                        key, i, id ? tname(id) : "nothing");
        if (!role || role->type != WAMP_VALUE_STRING)
            return fail(p, WAMP_EOPTION, "%s.%s[%zu].authrole: expected string, got %s", dn, key, i,
                        role ? tname(role) : "nothing");
    }
    return WAMP_OK;
}

static int parse_roles(P *p, const wamp__optdesc *d, const wamp_value *v, wamp_roles *roles)
{
    const char *dn = p->info->dict_name;
    if (v->type != WAMP_VALUE_DICT)
        return fail(p, WAMP_EOPTION, "%s.roles: expected dict, got %s", dn, tname(v));
    if (v->len == 0) return fail(p, WAMP_EOPTION, "%s.roles: empty roles", dn);
    memset(roles, 0, sizeof *roles);
    for (size_t i = 0; i < v->len; i++) {
        const wamp_kv *kv = &v->as.entries[i];
        int r = wamp_role_from_name(kv->key);
        bool client = r >= 0 && r <= WAMP_ROLE_CALLEE;
        if (r < 0 || ((d->flags & OF_CLIENT) ? !client : client))
            return fail(p, WAMP_EOPTION, "%s.roles: invalid role '%.*s'", dn,
                        (int)(kv->key.len > 40 ? 40 : kv->key.len), kv->key.ptr);
        if (kv->value.type != WAMP_VALUE_DICT)
            return fail(p, WAMP_EOPTION, "%s.roles.%s: expected dict, got %s", dn,
                        wamp_role_name((wamp_role)r), tname(&kv->value));
        wamp_roles_add(roles, (wamp_role)r);
        const wamp_value *feats = wamp_value_dict_getc(&kv->value, "features");
        if (!feats) continue;
        if (feats->type != WAMP_VALUE_DICT)
            return fail(p, WAMP_EOPTION, "%s.roles.%s.features: expected dict, got %s", dn,
                        wamp_role_name((wamp_role)r), tname(feats));
        for (size_t j = 0; j < feats->len; j++) {
            const wamp_kv *fk = &feats->as.entries[j];
            int f = wamp_feature_from_name(fk->key);
            if (f < 0 || !wamp_role_has_feature((wamp_role)r, (wamp_feature)f)) continue;
            const wamp_value *fv = &fk->value;
            if (fv->type == WAMP_VALUE_NULL) continue;
            if (fv->type != WAMP_VALUE_BOOL) {
                /* Autobahn rejects non-bool values of the features it knows; [spec]
                 * features it ignores, so do we when they are not bools. */
                if (!wamp__message_feature_autobahn((wamp_role)r, (wamp_feature)f)) continue;
                return fail(p, WAMP_EOPTION, "%s.roles.%s.features.%s: expected bool, got %s", dn,
                            wamp_role_name((wamp_role)r), wamp_feature_name((wamp_feature)f),
                            tname(fv));
            }
            wamp_roles_set_feature(roles, (wamp_role)r, (wamp_feature)f, fv->as.b);
        }
    }
    return WAMP_OK;
}

static int parse_enum(P *p, const char *key, const wamp_value *v, const char *const *names,
                      int first, int *out)
{
    const char *dn = p->info->dict_name;
    if (v->type != WAMP_VALUE_STRING)
        return fail(p, WAMP_EOPTION, "%s.%s: expected string, got %s", dn, key, tname(v));
    wamp_str s = vstr(v);
    for (int i = 0; names[i]; i++)
        if (wamp_str_eqc(s, names[i])) {
            *out = first + i;
            return WAMP_OK;
        }
    return fail(p, WAMP_EOPTION, "%s.%s: invalid value '%.*s'", dn, key,
                (int)(s.len > 40 ? 40 : s.len), s.ptr);
}

static int parse_option(P *p, const wamp__optdesc *d, const wamp_value *v)
{
    void *field = (char *)p->m + d->off;
    const char *dn = p->info->dict_name;
    const char *key = d->key;
    switch ((wamp__okind)d->kind) {
    case OK_BOOL:
        if (v->type != WAMP_VALUE_BOOL)
            return fail(p, WAMP_EOPTION, "%s.%s: expected bool, got %s", dn, key, tname(v));
        *(wamp_opt_bool *)field = WAMP_OPT_BOOL(v->as.b);
        return WAMP_OK;
    case OK_INT:
    case OK_INT_NONNEG:
    case OK_INT_POS: {
        if (!is_int(v))
            return fail(p, WAMP_EOPTION, "%s.%s: expected integer, got %s", dn, key, tname(v));
        if (v->type == WAMP_VALUE_UINT)
            return fail(p, WAMP_EOPTION, "%s.%s: integer %llu too large", dn, key,
                        (unsigned long long)v->as.u);
        int64_t i = v->as.i;
        if (d->kind == OK_INT_NONNEG && i < 0)
            return fail(p, WAMP_EOPTION, "%s.%s: invalid value %lld (must be >= 0)", dn, key,
                        (long long)i);
        if (d->kind == OK_INT_POS && i < 1)
            return fail(p, WAMP_EOPTION, "%s.%s: invalid value %lld (must be >= 1)", dn, key,
                        (long long)i);
        *(wamp_opt_int *)field = WAMP_OPT_INT(i);
        return WAMP_OK;
    }
    case OK_STR_NULLOK:
        if (v->type == WAMP_VALUE_NULL) return WAMP_OK;
        /* fallthrough */
    case OK_STR:
        if (v->type != WAMP_VALUE_STRING)
            return fail(p, WAMP_EOPTION, "%s.%s: expected string, got %s", dn, key, tname(v));
        *(wamp_str *)field = vstr(v);
        return WAMP_OK;
    case OK_URI: {
        char name[48];
        snprintf(name, sizeof name, "%s.%s", dn, key);
        return uri_value(p, v, name, false, false, (wamp_str *)field);
    }
    case OK_DICT:
        if (v->type != WAMP_VALUE_DICT)
            return fail(p, WAMP_EOPTION, "%s.%s: expected dict, got %s", dn, key, tname(v));
        *(wamp_value *)field = *v;
        return WAMP_OK;
    case OK_DICT_NULLOK:
        if (v->type == WAMP_VALUE_NULL) return WAMP_OK;
        if (v->type != WAMP_VALUE_DICT)
            return fail(p, WAMP_EOPTION, "%s.%s: expected dict or null, got %s", dn, key, tname(v));
        *(wamp_value *)field = *v;
        return WAMP_OK;
    case OK_LIST_INT:
    case OK_LIST_STR:
        if (v->type != WAMP_VALUE_LIST)
            return fail(p, WAMP_EOPTION, "%s.%s: expected list, got %s", dn, key, tname(v));
        for (size_t i = 0; i < v->len; i++) {
            const wamp_value *it = &v->as.items[i];
            bool ok = d->kind == OK_LIST_INT ? is_int(it) : it->type == WAMP_VALUE_STRING;
            if (!ok)
                return fail(p, WAMP_EOPTION, "%s.%s[%zu]: expected %s, got %s", dn, key, i,
                            d->kind == OK_LIST_INT ? "integer" : "string", tname(it));
        }
        *(wamp_value *)field = *v;
        return WAMP_OK;
    case OK_FORWARD_FOR: {
        int rc = check_forward_for(p, key, v);
        if (rc) return rc;
        *(wamp_value *)field = *v;
        return WAMP_OK;
    }
    case OK_MATCH: {
        static const char *const names[] = {"exact", "prefix", "wildcard", NULL};
        int e, rc = parse_enum(p, key, v, names, WAMP_MATCH_EXACT, &e);
        if (!rc) *(wamp_match *)field = (wamp_match)e;
        return rc;
    }
    case OK_INVOKE: {
        static const char *const names[] = {"single",     "first",  "last",
                                            "roundrobin", "random", NULL};
        int e, rc = parse_enum(p, key, v, names, WAMP_INVOKE_SINGLE, &e);
        if (!rc) *(wamp_invoke *)field = (wamp_invoke)e;
        return rc;
    }
    case OK_CANCEL_MODE: {
        static const char *const names[] = {"skip", "kill", "killnowait", NULL};
        int e, rc = parse_enum(p, key, v, names, WAMP_CANCEL_SKIP, &e);
        if (!rc) *(wamp_cancel_mode *)field = (wamp_cancel_mode)e;
        return rc;
    }
    case OK_INTERRUPT_MODE: {
        static const char *const names[] = {"kill", "killnowait", NULL};
        int e, rc = parse_enum(p, key, v, names, WAMP_CANCEL_KILL, &e);
        if (!rc) *(wamp_cancel_mode *)field = (wamp_cancel_mode)e;
        return rc;
    }
    case OK_FORCE_REREG:
        /* Autobahn: `value not in [True, False, None]`, so 0 and 1 (and 0.0, 1.0) pass too. */
        if (v->type == WAMP_VALUE_NULL) return WAMP_OK;
        if (v->type == WAMP_VALUE_BOOL) {
            *(wamp_opt_bool *)field = WAMP_OPT_BOOL(v->as.b);
            return WAMP_OK;
        }
        if (v->type == WAMP_VALUE_INT && (v->as.i == 0 || v->as.i == 1)) {
            *(wamp_opt_bool *)field = WAMP_OPT_BOOL(v->as.i);
            return WAMP_OK;
        }
        if (v->type == WAMP_VALUE_DOUBLE && (v->as.d == 0.0 || v->as.d == 1.0)) {
            *(wamp_opt_bool *)field = WAMP_OPT_BOOL(v->as.d != 0.0);
            return WAMP_OK;
        }
        return fail(p, WAMP_EOPTION, "%s.%s: expected bool, got %s", dn, key, tname(v));
    case OK_ROLES: return parse_roles(p, d, v, (wamp_roles *)field);
    case OK_CUSTOM:
    case OK_ENC: return WAMP_OK; /* handled elsewhere */
    }
    return WAMP_OK;
}

/* Whether parse_option() would take v for the [spec] key d (bool, int64 or string keys). */
static bool spec_value_ok(const wamp__optdesc *d, const wamp_value *v)
{
    switch ((wamp__okind)d->kind) {
    case OK_BOOL: return v->type == WAMP_VALUE_BOOL;
    case OK_INT: return v->type == WAMP_VALUE_INT;
    case OK_STR: return v->type == WAMP_VALUE_STRING;
    default: return true; /* no other kind is [spec]; parse_option() checks it */
    }
}

static const wamp__optdesc *find_opt(const wamp__msginfo *info, wamp_str key)
{
    for (size_t i = 0; i < info->nopts; i++) {
        const wamp__optdesc *d = &info->opts[i];
        if (d->kind == OK_CUSTOM || d->kind == OK_ENC) continue;
        if (key.len == d->keylen && memcmp(key.ptr, d->key, key.len) == 0) return d;
    }
    return NULL;
}

static int parse_options(P *p, const wamp_value *dict)
{
    p->dict = dict;
    p->m->options_in = *dict;
    for (size_t i = 0; i < dict->len; i++) {
        const wamp_kv *kv = &dict->as.entries[i];
        const wamp__optdesc *d = find_opt(p->info, kv->key);
        if (!d) continue;
        /* [spec] keys: Autobahn ignores them whatever their value, so a value of the wrong
         * type is ignored here too (the key reads as absent) rather than refused. */
        if ((d->flags & OF_SPEC) && !spec_value_ok(d, &kv->value)) continue;
        int rc = parse_option(p, d, &kv->value);
        if (rc) return rc;
    }
    return WAMP_OK;
}

/* ---------------------------------------------------------------- payload */

/* The payload elements from index i: a bytes payload alone (with enc_* options), or
 * Arguments and ArgumentsKw. str_payload: PUBLISH/CALL/RESULT treat a string there as a
 * (then invalid) payload; null_args: whether null Arguments are accepted (not in PUBLISH). */
static int parse_payload(P *p, size_t i, bool str_payload, bool null_args)
{
    wamp_message *m = p->m;
    const char *dn = p->info->dict_name;
    if (p->n == i + 1 && (p->el[i].type == WAMP_VALUE_BYTES ||
                          (str_payload && p->el[i].type == WAMP_VALUE_STRING))) {
        if (p->el[i].type != WAMP_VALUE_BYTES)
            return fail(p, WAMP_EFIELD, "Payload: expected bytes, got string");
        m->payload.ptr = p->el[i].as.s ? p->el[i].as.s : "";
        m->payload.len = p->el[i].len;
        const wamp_value *algo = wamp_value_dict_getc(p->dict, "enc_algo");
        const wamp_value *key = wamp_value_dict_getc(p->dict, "enc_key");
        const wamp_value *ser = wamp_value_dict_getc(p->dict, "enc_serializer");
        if (algo && algo->type != WAMP_VALUE_NULL) {
            if (algo->type != WAMP_VALUE_STRING || !wamp_enc_algo_valid(vstr(algo)))
                return fail(p, WAMP_EOPTION, "%s.enc_algo: invalid value (a %s)", dn, tname(algo));
            m->enc_algo = vstr(algo);
        }
        if (key && key->type != WAMP_VALUE_NULL) {
            if (key->type != WAMP_VALUE_STRING)
                return fail(p, WAMP_EOPTION, "%s.enc_key: expected string, got %s", dn, tname(key));
            m->enc_key = vstr(key);
        }
        if (ser && ser->type != WAMP_VALUE_NULL) {
            if (ser->type != WAMP_VALUE_STRING || !wamp_enc_serializer_valid(vstr(ser)))
                return fail(p, WAMP_EOPTION, "%s.enc_serializer: invalid value (a %s)", dn,
                            tname(ser));
            m->enc_serializer = vstr(ser);
        }
        if ((m->enc_key.ptr || m->enc_serializer.ptr) && !m->enc_algo.ptr)
            return fail(p, WAMP_EPROTO, "%s.enc_algo: required with enc_key or enc_serializer", dn);
        return WAMP_OK;
    }
    if (p->n > i) {
        const wamp_value *args = &p->el[i];
        if (args->type == WAMP_VALUE_NULL && null_args) {
            /* absent */
        } else if (is_list(args)) {
            m->args = *args;
        } else {
            return fail(p, WAMP_EFIELD, "Arguments: expected list, got %s", tname(args));
        }
    }
    if (p->n > i + 1) {
        const wamp_value *kw = &p->el[i + 1];
        if (!is_dict(kw))
            return fail(p, WAMP_EFIELD, "ArgumentsKw: expected dict, got %s", tname(kw));
        m->kwargs = *kw;
    }
    return WAMP_OK;
}

/* ---------------------------------------------------------------- per type */

static int parse_hello(P *p)
{
    wamp_hello_msg *h = &p->m->hello;
    const wamp_value *d = NULL;
    int rc = check_len(p, 3, 3);
    if (rc) return rc;
    const wamp_value *realm = &p->el[1];
    if (realm->type != WAMP_VALUE_NULL) {
        if (realm->type != WAMP_VALUE_STRING)
            return fail(p, WAMP_EREALM, "Realm: expected a URI (string) or null, got %s",
                        tname(realm));
        if (wamp_uri_check(vstr(realm), WAMP_URI_LOOSE, false, false))
            return fail(p, WAMP_EREALM, "Realm: invalid URI \"%.*s\"",
                        (int)(realm->len > 80 ? 80 : realm->len), realm->as.s);
        h->realm = vstr(realm);
    }
    if ((rc = get_dict(p, 2, "Details", &d))) return rc;
    if (!wamp_value_dict_getc(d, "roles"))
        return fail(p, WAMP_EOPTION, "Details.roles: missing mandatory roles");
    if ((rc = parse_options(p, d))) return rc;
    if (!h->resume_token.ptr && h->resume_session.set && h->resume_session.value != 0)
        return fail(p, WAMP_EPROTO, "Details.resume-token: required with resume-session");
    return WAMP_OK;
}

static int parse_welcome(P *p)
{
    wamp_welcome_msg *w = &p->m->welcome;
    const wamp_value *d = NULL;
    int rc = check_len(p, 3, 3);
    if (rc) return rc;
    if ((rc = get_id(p, 1, "Session", &w->session))) return rc;
    if ((rc = get_dict(p, 2, "Details", &d))) return rc;
    if ((rc = parse_options(p, d))) return rc;
    if (!w->resume_token.ptr && w->resumable == WAMP_OPT_TRUE)
        return fail(p, WAMP_EPROTO, "Details.resume_token: required when resumable is true");
    if (!wamp_value_dict_getc(d, "roles"))
        return fail(p, WAMP_EOPTION, "Details.roles: missing mandatory roles");
    /* Custom "x_..." keys, kept in order. */
    for (size_t i = 0; i < d->len; i++) {
        const wamp_kv *kv = &d->as.entries[i];
        if (!wamp_custom_attribute_valid(kv->key)) continue;
        if (!p->a) return fail(p, WAMP_EINVAL, "Details: an arena is needed for custom keys");
        if (w->custom.type != WAMP_VALUE_DICT) w->custom = wamp_value_dict();
        if (wamp_value_dict_append(p->a, &w->custom, kv->key, kv->value))
            return fail(p, WAMP_ENOMEM, "Details: out of memory");
    }
    return WAMP_OK;
}

static int parse_abort_goodbye(P *p, bool is_abort)
{
    const wamp_value *d = NULL;
    /* ABORT: exactly 3 elements, as Autobahn (the spec draft's Arguments/ArgumentsKw are not
     * accepted: no conformance sample has them and Autobahn refuses them). */
    int rc = check_len(p, 3, 3);
    if (rc) return rc;
    if ((rc = get_dict(p, 1, "Details", &d))) return rc;
    wamp_str *reason = is_abort ? &p->m->abort.reason : &p->m->goodbye.reason;
    if ((rc = get_uri(p, 2, "Reason", false, false, reason))) return rc;
    return parse_options(p, d);
}

static int parse_challenge_auth(P *p, bool challenge)
{
    int rc = check_len(p, 3, 3);
    if (rc) return rc;
    wamp_str *s = challenge ? &p->m->challenge.method : &p->m->authenticate.signature;
    if ((rc = get_str(p, 1, challenge ? "AuthMethod" : "Signature", s))) return rc;
    const wamp_value *d = NULL;
    if ((rc = get_dict(p, 2, "Extra", &d))) return rc;
    p->m->options_in = *d;
    if (challenge)
        p->m->challenge.extra = *d;
    else
        p->m->authenticate.extra = *d;
    return WAMP_OK;
}

static int parse_error(P *p)
{
    wamp_error_msg *e = &p->m->error;
    const wamp_value *d = NULL;
    int rc = check_len(p, 5, 7);
    if (rc) return rc;
    const wamp_value *rt = &p->el[1];
    if (!is_int(rt))
        return fail(p, WAMP_EFIELD, "REQUEST.Type: expected integer, got %s", tname(rt));
    int64_t t = rt->type == WAMP_VALUE_INT ? rt->as.i : -1;
    if (t != WAMP_MSG_SUBSCRIBE && t != WAMP_MSG_UNSUBSCRIBE && t != WAMP_MSG_PUBLISH &&
        t != WAMP_MSG_REGISTER && t != WAMP_MSG_UNREGISTER && t != WAMP_MSG_CALL &&
        t != WAMP_MSG_INVOCATION)
        return fail(p, WAMP_EFIELD, "REQUEST.Type: invalid request type %lld",
                    rt->type == WAMP_VALUE_INT ? (long long)rt->as.i : -1LL);
    e->request_type = (int)t;
    if ((rc = get_id(p, 2, "Request", &e->request))) return rc;
    if ((rc = get_dict(p, 3, "Details", &d))) return rc;
    if ((rc = get_uri(p, 4, "Error", false, false, &e->error))) return rc;
    p->dict = d;
    if ((rc = parse_payload(p, 5, false, true))) return rc;
    return parse_options(p, d);
}

/* PUBLISH and CALL: [T, Request|id, Options|dict, URI, payload...] */
static int parse_publish_call(P *p, bool publish)
{
    const wamp_value *d = NULL;
    int rc = check_len(p, 4, 6);
    if (rc) return rc;
    wamp_id *req = publish ? &p->m->publish.request : &p->m->call.request;
    wamp_str *uri = publish ? &p->m->publish.topic : &p->m->call.procedure;
    if ((rc = get_id(p, 1, "Request", req))) return rc;
    if ((rc = get_dict(p, 2, "Options", &d))) return rc;
    if ((rc = get_uri(p, 3, publish ? "Topic" : "Procedure", false, false, uri))) return rc;
    p->dict = d;
    if ((rc = parse_payload(p, 4, true, !publish))) return rc;
    return parse_options(p, d);
}

/* [T, id, id] */
static int parse_two_ids(P *p, const char *n1, wamp_id *a, const char *n2, wamp_id *b)
{
    int rc = check_len(p, 3, 3);
    if (rc) return rc;
    if ((rc = get_id(p, 1, n1, a))) return rc;
    return get_id(p, 2, n2, b);
}

/* UNSUBSCRIBE, UNREGISTER: [T, Request|id, id, (Options|dict)] */
static int parse_unsub(P *p, wamp_id *req, const char *n2, wamp_id *id)
{
    int rc = check_len(p, 3, 4);
    if (rc) return rc;
    if ((rc = get_id(p, 1, "Request", req))) return rc;
    if ((rc = get_id(p, 2, n2, id))) return rc;
    if (p->n > 3) {
        const wamp_value *d = NULL;
        if ((rc = get_dict(p, 3, "Options", &d))) return rc;
        return parse_options(p, d);
    }
    return WAMP_OK;
}

/* UNSUBSCRIBED, UNREGISTERED: [T, Request|id, (Details|dict)] */
static int parse_unsubbed(P *p, wamp_id *req, wamp_opt_int *id, const char *idname)
{
    int rc = check_len(p, 2, 3);
    if (rc) return rc;
    if ((rc = get_id(p, 1, "Request", req))) return rc;
    if (p->n > 2) {
        const wamp_value *d = NULL;
        if ((rc = get_dict(p, 2, "Details", &d))) return rc;
        if ((rc = parse_options(p, d))) return rc;
    }
    /* Autobahn's constructor: request != 0 and no id, or request == 0 and id != 0. */
    if (*req != 0 && id->set)
        return fail(p, WAMP_EPROTO, "Details.%s: only allowed in a revocation (Request 0)", idname);
    if (*req == 0 && id->set && id->value == 0)
        return fail(p, WAMP_EPROTO, "Details.%s: must not be 0 in a revocation", idname);
    return WAMP_OK;
}

static int parse_subscribe(P *p)
{
    const wamp_value *d = NULL;
    int rc = check_len(p, 4, 4);
    if (rc) return rc;
    if ((rc = get_id(p, 1, "Request", &p->m->subscribe.request))) return rc;
    if ((rc = get_dict(p, 2, "Options", &d))) return rc;
    if ((rc = get_uri(p, 3, "Topic", true, false, &p->m->subscribe.topic))) return rc;
    return parse_options(p, d);
}

static int parse_register(P *p)
{
    wamp_register_msg *r = &p->m->register_;
    const wamp_value *d = NULL;
    int rc = check_len(p, 4, 4);
    if (rc) return rc;
    if ((rc = get_id(p, 1, "Request", &r->request))) return rc;
    if ((rc = get_dict(p, 2, "Options", &d))) return rc;
    if ((rc = parse_options(p, d))) return rc;
    return get_uri(p, 3, "Procedure", r->match == WAMP_MATCH_WILDCARD,
                   r->match == WAMP_MATCH_PREFIX, &r->procedure);
}

/* EVENT, INVOCATION: [T, id, id, Details|dict, payload...] */
static int parse_event_invocation(P *p, bool event)
{
    const wamp_value *d = NULL;
    int rc = check_len(p, 4, 6);
    if (rc) return rc;
    if (event) {
        if ((rc = get_id(p, 1, "Subscription", &p->m->event.subscription))) return rc;
        if ((rc = get_id(p, 2, "Publication", &p->m->event.publication))) return rc;
    } else {
        if ((rc = get_id(p, 1, "Request", &p->m->invocation.request))) return rc;
        if ((rc = get_id(p, 2, "Registration", &p->m->invocation.registration))) return rc;
    }
    if ((rc = get_dict(p, 3, "Details", &d))) return rc;
    p->dict = d;
    if ((rc = parse_payload(p, 4, false, true))) return rc;
    return parse_options(p, d);
}

/* RESULT, YIELD: [T, Request|id, Details|dict, payload...] */
static int parse_result_yield(P *p, bool result)
{
    const wamp_value *d = NULL;
    int rc = check_len(p, 3, 5);
    if (rc) return rc;
    wamp_id *req = result ? &p->m->result.request : &p->m->yield.request;
    if ((rc = get_id(p, 1, "Request", req))) return rc;
    if ((rc = get_dict(p, 2, p->info->dict_name, &d))) return rc;
    p->dict = d;
    if ((rc = parse_payload(p, 3, result, true))) return rc;
    return parse_options(p, d);
}

/* CANCEL, INTERRUPT: [T, Request|id, Options|dict] */
static int parse_cancel_interrupt(P *p, wamp_id *req)
{
    const wamp_value *d = NULL;
    int rc = check_len(p, 3, 3);
    if (rc) return rc;
    if ((rc = get_id(p, 1, "Request", req))) return rc;
    if ((rc = get_dict(p, 2, "Options", &d))) return rc;
    return parse_options(p, d);
}

int wamp_message_parse(const wamp_value *list, wamp_arena *a, wamp_message *out,
                       wamp_msg_error *err)
{
    if (err) {
        err->code = 0;
        err->text[0] = 0;
    }
    if (!out) return fail_plain(err, WAMP_EINVAL, "message: no output");
    memset(out, 0, sizeof *out);
    if (!list || list->type != WAMP_VALUE_LIST)
        return fail_plain(err, WAMP_EMSGTYPE, "message: expected a list, got %s",
                          list ? tname(list) : "nothing");
    if (list->len == 0) return fail_plain(err, WAMP_EMSGTYPE, "message: empty list");
    const wamp_value *t = &list->as.items[0];
    if (t->type != WAMP_VALUE_INT)
        return fail_plain(err, WAMP_EMSGTYPE, "message: type must be an integer, got %s",
                          is_int(t) ? "a huge integer" : tname(t));
    const wamp__msginfo *info =
        (t->as.i > 0 && t->as.i < 1024) ? wamp__message_info((int)t->as.i) : NULL;
    if (!info)
        return fail_plain(err, WAMP_EMSGTYPE, "message: invalid message type %lld",
                          (long long)t->as.i);
    P p = {list->as.items, list->len, out, err, a, info, NULL};
    out->type = (wamp_msg_type)info->type;
    wamp_message *m = out;
    int rc;
    switch (info->type) {
    case WAMP_MSG_HELLO: rc = parse_hello(&p); break;
    case WAMP_MSG_WELCOME: rc = parse_welcome(&p); break;
    case WAMP_MSG_ABORT: rc = parse_abort_goodbye(&p, true); break;
    case WAMP_MSG_CHALLENGE: rc = parse_challenge_auth(&p, true); break;
    case WAMP_MSG_AUTHENTICATE: rc = parse_challenge_auth(&p, false); break;
    case WAMP_MSG_GOODBYE: rc = parse_abort_goodbye(&p, false); break;
    case WAMP_MSG_ERROR: rc = parse_error(&p); break;
    case WAMP_MSG_PUBLISH: rc = parse_publish_call(&p, true); break;
    case WAMP_MSG_PUBLISHED:
        rc = parse_two_ids(&p, "Request", &m->published.request, "Publication",
                           &m->published.publication);
        break;
    case WAMP_MSG_SUBSCRIBE: rc = parse_subscribe(&p); break;
    case WAMP_MSG_SUBSCRIBED:
        rc = parse_two_ids(&p, "Request", &m->subscribed.request, "Subscription",
                           &m->subscribed.subscription);
        break;
    case WAMP_MSG_UNSUBSCRIBE:
        rc = parse_unsub(&p, &m->unsubscribe.request, "Subscription", &m->unsubscribe.subscription);
        break;
    case WAMP_MSG_UNSUBSCRIBED:
        rc = parse_unsubbed(&p, &m->unsubscribed.request, &m->unsubscribed.subscription,
                            "subscription");
        break;
    case WAMP_MSG_EVENT: rc = parse_event_invocation(&p, true); break;
    case WAMP_MSG_CALL: rc = parse_publish_call(&p, false); break;
    case WAMP_MSG_CANCEL: rc = parse_cancel_interrupt(&p, &m->cancel.request); break;
    case WAMP_MSG_RESULT: rc = parse_result_yield(&p, true); break;
    case WAMP_MSG_REGISTER: rc = parse_register(&p); break;
    case WAMP_MSG_REGISTERED:
        rc = parse_two_ids(&p, "Request", &m->registered.request, "Registration",
                           &m->registered.registration);
        break;
    case WAMP_MSG_UNREGISTER:
        rc = parse_unsub(&p, &m->unregister.request, "Registration", &m->unregister.registration);
        break;
    case WAMP_MSG_UNREGISTERED:
        rc = parse_unsubbed(&p, &m->unregistered.request, &m->unregistered.registration,
                            "registration");
        break;
    case WAMP_MSG_INVOCATION: rc = parse_event_invocation(&p, false); break;
    case WAMP_MSG_INTERRUPT: rc = parse_cancel_interrupt(&p, &m->interrupt.request); break;
    case WAMP_MSG_YIELD: rc = parse_result_yield(&p, false); break;
    case WAMP_MSG_EVENT_RECEIVED:
        rc = check_len(&p, 2, 2);
        if (!rc) rc = get_id(&p, 1, "Publication", &m->event_received.publication);
        break;
    default: rc = fail(&p, WAMP_EMSGTYPE, "type: unsupported"); break;
    }
    if (rc) {
        int type = out->type;
        memset(out, 0, sizeof *out);
        out->type = (wamp_msg_type)type;
    }
    return rc;
}
