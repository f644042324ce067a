/*
 * wampd configuration: a Crossbar.io-shaped node configuration (JSON), validated at start with
 * errors naming the JSON path, e.g. "workers[0].transports[1].endpoint.port: expected an
 * integer 0..65535".
 *
 *   {"workers": [{"type": "router",
 *      "realms": [{"name": "realm1",
 *                  "roles": [{"name": "anonymous",
 *                             "permissions": [{"uri": "", "match": "prefix",
 *                                              "allow": {"call": true, "register": true,
 *                                                        "publish": true, "subscribe": true}}]}]}],
 *      "transports": [{"type": "universal" | "websocket" | "rawsocket",
 *                      "endpoint": {"type": "tcp", "port": 8080, "interface": "127.0.0.1",
 *                                   "tls": {"certificate": "...", "key": "..."}}
 *                                | {"type": "unix", "path": "/tmp/wampd.sock"},
 *                      "auth": {"anonymous": {"type": "static", "role": "anonymous"},
 *                               "ticket": {"type": "static", "principals": {...}},
 *                               "wampcra": {"type": "static", "users": {...}},
 *                               "scram": {...}, "cryptosign": {...}}}]}]}
 *
 * A universal transport serves WebSocket only on the paths its "websocket" dict names ("ws"
 * serves /ws, "/" the root; another path gets HTTP 404; without a "websocket" key every path
 * is served), each path with its own "auth", and RawSocket with "rawsocket": {"auth"}; a
 * transport-level "auth" wins over them. A connection whose transport/path has no auth allows
 * anonymous only (role "anonymous"). A "websocket" transport serves any path.
 * Authorization: the session's authrole must be a role of its realm; the permission whose uri
 * matches best (exact, then longest prefix, then wildcard) decides; no match: denied. A role
 * may name an "authorizer" procedure instead (dynamic authorization, see below). Permission
 * "disclose" flags ({"caller": bool, "publisher": bool}) answer the router's disclosure hook
 * (WAMP_ACTION_DISCLOSE_CALLER / _PUBLISHER) for calls and publications matching that
 * permission: a given flag alone decides, as in Crossbar.io; a flag not given leaves it to the
 * session (disclose_me; for calls also the callee's disclose_caller).
 * "cache" is validated (static decisions need no cache).
 *
 * Other keys (anything else is an error naming its path):
 *   "version": 2; workers[i]: every worker must be a "router" worker (several are merged;
 *   realm names must be unique); realm "store": {"type": "memory", "limit"?: N (default
 *   1000), "event-history": [{"uri", "match"?: "exact" (default) | "prefix" | "wildcard",
 *   "limit"?: N (default: the store's)}]} (Crossbar.io's shape; limits 1 .. 1,000,000) keeps
 *   the last events of those topics for wamp.subscription.get_events; worker "options":
 * {"auto_create_realms": bool} — a HELLO for an unknown realm creates it, and it takes the roles of
 * the first configured realm. Message size limits (bytes): rawsocket "max_message_size" (512 .. 16
 * MiB; the RawSocket handshake announces the smallest 2^(9+L) >= it, and that power of two is what
 * is enforced), websocket "options": {"max_message_size", "max_frame_size"} (the smaller one bounds
 * a received message). A message over the limit closes that connection only. TLS client
 * certificates: endpoint "tls": {"certificate", "key", "ca_certificates": [PEM files of the CAs
 * clients' certificates must chain to], "require_client_certificate": bool}; with ca_certificates a
 * certificate is asked for (and verified when sent); with require_client_certificate a client
 * without one is refused. authmethod "tls" (static): principals.<authid>: {"certificate-sha1":
 * "AB:CD:..." (Crossbar's SHA-1 fingerprint of the DER certificate), "role", "realm"?}; HELLO's
 * authid, when given, must name the principal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <unistd.h>

#include "wampd.h"

typedef struct perm {
    const char *uri;
    size_t len;
    wamp_match match;
    bool allow[4];        /* by wamp_router_action */
    bool disclose[2];     /* caller, publisher */
    bool has_disclose[2]; /* given in the permission (else: as the session asks) */
} perm;

typedef struct role {
    const char *name;
    perm *p;
    size_t n;
    const char *authorizer; /* dynamic authorization: procedure URI (instead of permissions) */
} role;

typedef struct histcfg {
    const char *uri;
    wamp_match match;
    size_t limit;
} histcfg;

typedef struct realmcfg {
    const char *name;
    role *roles;
    size_t n;
    histcfg *hist; /* store.event-history */
    size_t nhist;
} realmcfg;

typedef struct transportcfg {
    const char *type;
    bool unix_ep;
    const char *host;
    const char *path;
    int port;
    const char *cert, *key;
    const wamp_value *ca_certs; /* list of PEM files (clients' CAs) or NULL */
    bool require_client_cert;
    uint32_t rs_max;        /* rawsocket max_message_size (0: library default 16 MiB) */
    size_t ws_max;          /* websocket max_message_size (0: 16 MiB) */
    const wamp_value *auth; /* transport-level auth dict or NULL */
    /* universal: the websocket paths ("/ws", NULL-terminated; NULL: no "websocket" key, every
     * path served), each with its own auth (or NULL), and the rawsocket auth */
    const char **ws_paths;
    const wamp_value **ws_auth;
    size_t nws;
    const wamp_value *rs_auth;
    wamp_listener *listener;
} transportcfg;

struct wampd_config {
    wamp_router *router; /* set by wampd_config_apply() */
    bool auto_create_realms;
    wamp_arena *a;
    char *text;
    realmcfg *realms;
    size_t nrealms;
    transportcfg *t;
    size_t nt;
};

static const char DEFAULT_CONFIG[] =
    "{\"version\": 2, \"workers\": [{\"type\": \"router\","
    " \"realms\": [{\"name\": \"realm1\", \"roles\": [{\"name\": \"anonymous\", \"permissions\":"
    " [{\"uri\": \"\", \"match\": \"prefix\", \"allow\": {\"call\": true, \"register\": true,"
    " \"publish\": true, \"subscribe\": true}}]}]}],"
    " \"transports\": [{\"type\": \"universal\", \"endpoint\": {\"type\": \"tcp\", \"port\": 8080,"
    " \"interface\": \"127.0.0.1\"}, \"rawsocket\": {}, \"websocket\": {\"ws\": {\"type\":"
    " \"websocket\"}}}]}]}";

static wampd_config *g_cfg;

/* ---------------------------------------------------------------- validation helpers */

typedef struct ctx {
    char *err;
    size_t errlen;
    wamp_arena *a;
} ctx;

static int fail(ctx *c, const char *path, const char *msg)
{
    snprintf(c->err, c->errlen, "%s: %s", path, msg);
    return WAMP_ECONFIG;
}

static const char *cstr(ctx *c, const wamp_value *v)
{
    wamp_str s;
    if (!wamp_value_get_string(v, &s)) return NULL;
    return wamp_arena_strndup(c->a, s.ptr, s.len);
}

static int get_str(ctx *c, const wamp_value *d, const char *key, const char *path, bool required,
                   const char **out)
{
    const wamp_value *v = wamp_value_dict_getc(d, key);
    char p[256];
    snprintf(p, sizeof p, "%s.%s", path, key);
    *out = NULL;
    if (!v) return required ? fail(c, p, "missing (expected a string)") : WAMP_OK;
    *out = cstr(c, v);
    if (!*out) return fail(c, p, "expected a string");
    return WAMP_OK;
}

/* Rejects a key of dict d (at path) that is not in the NULL-terminated list. */
static int check_keys(ctx *c, const wamp_value *d, const char *path, const char *const *known)
{
    for (size_t i = 0; i < wamp_value_count(d); i++) {
        wamp_kv *kv = wamp_value_dict_entry(d, i);
        bool ok = false;
        for (size_t k = 0; known[k] && !ok; k++)
            ok = wamp_str_eqc(kv->key, known[k]);
        if (!ok) {
            char p[600];
            snprintf(p, sizeof p, "%s%s%.*s", path, *path ? "." : "", (int)kv->key.len,
                     kv->key.ptr);
            return fail(c, p, "unknown key");
        }
    }
    return WAMP_OK;
}

#define KEYS(...) ((const char *const[]){__VA_ARGS__, NULL})

static bool get_num(const wamp_value *v, double *out)
{
    int64_t i;
    if (wamp_value_get_int(v, &i)) {
        *out = (double)i;
        return true;
    }
    return wamp_value_get_double(v, out);
}

/* An optional event count at d.key (path names d): 1..1,000,000. */
static int get_limit(ctx *c, const wamp_value *d, const char *key, const char *path, size_t *out)
{
    const wamp_value *v = wamp_value_dict_getc(d, key);
    if (!v) return WAMP_OK;
    char p[600];
    snprintf(p, sizeof p, "%s.%s", path, key);
    int64_t n;
    if (!wamp_value_get_int(v, &n) || n < 1 || n > 1000000)
        return fail(c, p, "expected an integer 1..1000000");
    *out = (size_t)n;
    return WAMP_OK;
}

/* Realm "store": {"type": "memory", "limit"?: N, "event-history": [{"uri", "match"?, "limit"?}]}
 * (Crossbar.io's memory store: an entry without "limit" takes the store's, default 1000;
 * "match" defaults to "exact"). */
static int parse_store(ctx *c, const wamp_value *st, const char *path, realmcfg *out)
{
    if (wamp_value_type_of(st) != WAMP_VALUE_DICT) return fail(c, path, "expected an object");
    int rc = check_keys(c, st, path, KEYS("type", "limit", "event-history"));
    if (rc) return rc;
    const char *type;
    char p[300];
    if ((rc = get_str(c, st, "type", path, true, &type))) return rc;
    snprintf(p, sizeof p, "%s.type", path);
    if (strcmp(type, "memory")) return fail(c, p, "unsupported store type (expected \"memory\")");
    size_t deflimit = 1000;
    if ((rc = get_limit(c, st, "limit", path, &deflimit))) return rc;
    const wamp_value *eh = wamp_value_dict_getc(st, "event-history");
    if (!eh) return WAMP_OK;
    snprintf(p, sizeof p, "%s.event-history", path);
    if (wamp_value_type_of(eh) != WAMP_VALUE_LIST) return fail(c, p, "expected an array");
    out->nhist = wamp_value_count(eh);
    out->hist = wamp_arena_calloc(c->a, out->nhist + 1, sizeof *out->hist);
    if (!out->hist) return WAMP_ENOMEM;
    for (size_t i = 0; i < out->nhist; i++) {
        const wamp_value *e = wamp_value_list_at(eh, i);
        histcfg *h = &out->hist[i];
        char ep[340], q[380];
        snprintf(ep, sizeof ep, "%s[%zu]", p, i);
        if (wamp_value_type_of(e) != WAMP_VALUE_DICT) return fail(c, ep, "expected an object");
        if ((rc = check_keys(c, e, ep, KEYS("uri", "match", "limit")))) return rc;
        if ((rc = get_str(c, e, "uri", ep, true, &h->uri))) return rc;
        const char *match = NULL;
        if ((rc = get_str(c, e, "match", ep, false, &match))) return rc;
        snprintf(q, sizeof q, "%s.match", ep);
        if (!match || !strcmp(match, "exact"))
            h->match = WAMP_MATCH_EXACT;
        else if (!strcmp(match, "prefix"))
            h->match = WAMP_MATCH_PREFIX;
        else if (!strcmp(match, "wildcard"))
            h->match = WAMP_MATCH_WILDCARD;
        else
            return fail(c, q, "expected \"exact\", \"prefix\" or \"wildcard\"");
        snprintf(q, sizeof q, "%s.uri", ep);
        if (wamp_uri_check_pattern(wamp_str_c(h->uri), h->match, WAMP_URI_LOOSE) != WAMP_OK)
            return fail(c, q, "not a valid topic URI or pattern for this match");
        for (size_t k = 0; k < i; k++)
            if (out->hist[k].match == h->match && !strcmp(out->hist[k].uri, h->uri))
                return fail(c, q, "duplicate event history (same uri and match)");
        h->limit = deflimit;
        if ((rc = get_limit(c, e, "limit", ep, &h->limit))) return rc;
    }
    return WAMP_OK;
}

static int parse_realm(ctx *c, const wamp_value *rv, const char *path, realmcfg *out)
{
    if (wamp_value_type_of(rv) != WAMP_VALUE_DICT) return fail(c, path, "expected an object");
    int rc = check_keys(c, rv, path, KEYS("name", "roles", "store"));
    if (rc) return rc;
    if ((rc = get_str(c, rv, "name", path, true, &out->name))) return rc;
    char p[256];
    snprintf(p, sizeof p, "%s.name", path);
    if (wamp_uri_check(wamp_str_c(out->name), WAMP_URI_LOOSE, false, false) != WAMP_OK)
        return fail(c, p, "not a valid realm name (URI)");
    const wamp_value *store = wamp_value_dict_getc(rv, "store");
    snprintf(p, sizeof p, "%s.store", path);
    if (store && (rc = parse_store(c, store, p, out))) return rc;
    const wamp_value *roles = wamp_value_dict_getc(rv, "roles");
    if (!roles) return WAMP_OK;
    snprintf(p, sizeof p, "%s.roles", path);
    if (wamp_value_type_of(roles) != WAMP_VALUE_LIST) return fail(c, p, "expected an array");
    out->n = wamp_value_count(roles);
    out->roles = wamp_arena_calloc(c->a, out->n + 1, sizeof *out->roles);
    if (!out->roles) return WAMP_ENOMEM;
    for (size_t i = 0; i < out->n; i++) {
        const wamp_value *ro = wamp_value_list_at(roles, i);
        char rp[256];
        snprintf(rp, sizeof rp, "%s.roles[%zu]", path, i);
        if (wamp_value_type_of(ro) != WAMP_VALUE_DICT) return fail(c, rp, "expected an object");
        if ((rc = check_keys(c, ro, rp, KEYS("name", "permissions", "authorizer")))) return rc;
        role *r = &out->roles[i];
        if ((rc = get_str(c, ro, "name", rp, true, &r->name))) return rc;
        if ((rc = get_str(c, ro, "authorizer", rp, false, &r->authorizer))) return rc;
        const wamp_value *perms = wamp_value_dict_getc(ro, "permissions");
        char pp[300];
        if (r->authorizer) {
            snprintf(pp, sizeof pp, "%s.authorizer", rp);
            if (wamp_uri_check(wamp_str_c(r->authorizer), WAMP_URI_LOOSE, false, false) != WAMP_OK)
                return fail(c, pp, "not a valid procedure URI");
            snprintf(pp, sizeof pp, "%s.permissions", rp);
            if (perms) return fail(c, pp, "a role has either permissions or an authorizer");
        }
        if (!perms) continue;
        snprintf(pp, sizeof pp, "%s.permissions", rp);
        if (wamp_value_type_of(perms) != WAMP_VALUE_LIST) return fail(c, pp, "expected an array");
        r->n = wamp_value_count(perms);
        r->p = wamp_arena_calloc(c->a, r->n + 1, sizeof *r->p);
        if (!r->p) return WAMP_ENOMEM;
        for (size_t k = 0; k < r->n; k++) {
            const wamp_value *pv = wamp_value_list_at(perms, k);
            char kp[400];
            snprintf(kp, sizeof kp, "%s[%zu]", pp, k);
            if (wamp_value_type_of(pv) != WAMP_VALUE_DICT) return fail(c, kp, "expected an object");
            if ((rc = check_keys(c, pv, kp, KEYS("uri", "match", "allow", "disclose", "cache"))))
                return rc;
            perm *x = &r->p[k];
            if ((rc = get_str(c, pv, "uri", kp, true, &x->uri))) return rc;
            x->len = strlen(x->uri);
            const char *match = NULL;
            if ((rc = get_str(c, pv, "match", kp, false, &match))) return rc;
            char mp[420];
            snprintf(mp, sizeof mp, "%s.match", kp);
            if (!match) {
                /* Crossbar's legacy form: a trailing '*' or '.' means prefix */
                x->match = WAMP_MATCH_EXACT;
                if (x->len && x->uri[x->len - 1] == '*') {
                    x->len--;
                    x->match = WAMP_MATCH_PREFIX;
                } else if (x->len == 0) {
                    x->match = WAMP_MATCH_PREFIX;
                }
            } else if (!strcmp(match, "exact"))
                x->match = WAMP_MATCH_EXACT;
            else if (!strcmp(match, "prefix"))
                x->match = WAMP_MATCH_PREFIX;
            else if (!strcmp(match, "wildcard"))
                x->match = WAMP_MATCH_WILDCARD;
            else
                return fail(c, mp, "expected \"exact\", \"prefix\" or \"wildcard\"");
            const wamp_value *cache = wamp_value_dict_getc(pv, "cache");
            bool cb;
            char ap[420];
            snprintf(ap, sizeof ap, "%s.cache", kp);
            if (cache && !wamp_value_get_bool(cache, &cb)) return fail(c, ap, "expected a boolean");
            const wamp_value *disc = wamp_value_dict_getc(pv, "disclose");
            snprintf(ap, sizeof ap, "%s.disclose", kp);
            if (disc && wamp_value_type_of(disc) != WAMP_VALUE_DICT)
                return fail(c, ap, "expected an object");
            if (disc && (rc = check_keys(c, disc, ap, KEYS("caller", "publisher")))) return rc;
            static const char *discs[] = {"caller", "publisher"};
            for (int j = 0; disc && j < 2; j++) {
                const wamp_value *b = wamp_value_dict_getc(disc, discs[j]);
                char bp[440];
                snprintf(bp, sizeof bp, "%s.%s", ap, discs[j]);
                if (b && !wamp_value_get_bool(b, &x->disclose[j]))
                    return fail(c, bp, "expected a boolean");
                x->has_disclose[j] = b != NULL;
            }
            const wamp_value *allow = wamp_value_dict_getc(pv, "allow");
            if (!allow) continue;
            snprintf(ap, sizeof ap, "%s.allow", kp);
            if (wamp_value_type_of(allow) != WAMP_VALUE_DICT)
                return fail(c, ap, "expected an object");
            if ((rc = check_keys(c, allow, ap, KEYS("call", "register", "publish", "subscribe"))))
                return rc;
            static const char *acts[] = {"call", "register", "publish", "subscribe"};
            for (int j = 0; j < 4; j++) {
                const wamp_value *b = wamp_value_dict_getc(allow, acts[j]);
                if (!b) continue;
                char bp[440];
                snprintf(bp, sizeof bp, "%s.%s", ap, acts[j]);
                if (!wamp_value_get_bool(b, &x->allow[j])) return fail(c, bp, "expected a boolean");
            }
        }
    }
    return WAMP_OK;
}

/* An optional byte size at d.key: 1..max. */
static int get_size(ctx *c, const wamp_value *d, const char *key, const char *path, double max,
                    double *out)
{
    const wamp_value *v = wamp_value_dict_getc(d, key);
    if (!v) return WAMP_OK;
    char p[600], m[96];
    snprintf(p, sizeof p, "%s.%s", path, key);
    int64_t n;
    snprintf(m, sizeof m, "expected an integer 512..%.0f (bytes)", max);
    if (!wamp_value_get_int(v, &n) || n < 512 || (double)n > max) return fail(c, p, m);
    *out = (double)n;
    return WAMP_OK;
}

#define RS_MAX 16777216.0 /* RawSocket: 2^(9+15), the largest length exponent */
#define WS_MAX 1073741824.0

/* websocket "options": the message size limit (frames are bounded by it). */
static int parse_ws_options(ctx *c, const wamp_value *o, const char *path, transportcfg *t)
{
    if (wamp_value_type_of(o) != WAMP_VALUE_DICT) return fail(c, path, "expected an object");
    int rc = check_keys(c, o, path, KEYS("max_message_size", "max_frame_size"));
    double mm = 0, mf = 0;
    if (!rc) rc = get_size(c, o, "max_message_size", path, WS_MAX, &mm);
    if (!rc) rc = get_size(c, o, "max_frame_size", path, WS_MAX, &mf);
    if (rc) return rc;
    /* a frame never exceeds the message it belongs to: the effective limit is the smaller */
    if (mm && (!t->ws_max || mm < (double)t->ws_max)) t->ws_max = (size_t)mm;
    if (mf && (!t->ws_max || mf < (double)t->ws_max)) t->ws_max = (size_t)mf;
    return WAMP_OK;
}

static int parse_rs(ctx *c, const wamp_value *d, const char *path, transportcfg *t)
{
    double m = 0;
    int rc = get_size(c, d, "max_message_size", path, RS_MAX, &m);
    if (!rc && m) t->rs_max = (uint32_t)m;
    return rc;
}

/* auth.tls: principals.<authid>: {"certificate-sha1": "AB:CD:...", "role", "realm"?} */
static int parse_tls_principals(ctx *c, const wamp_value *m, const char *path)
{
    const wamp_value *ps = wamp_value_dict_getc(m, "principals");
    char p[520];
    snprintf(p, sizeof p, "%s.principals", path);
    if (!ps || wamp_value_type_of(ps) != WAMP_VALUE_DICT) return fail(c, p, "expected an object");
    for (size_t i = 0; i < wamp_value_count(ps); i++) {
        wamp_kv *kv = wamp_value_dict_entry(ps, i);
        char q[600];
        snprintf(q, sizeof q, "%s.%.*s", p, (int)(kv->key.len > 64 ? 64 : kv->key.len),
                 kv->key.ptr);
        if (wamp_value_type_of(&kv->value) != WAMP_VALUE_DICT)
            return fail(c, q, "expected an object");
        int rc = check_keys(c, &kv->value, q, KEYS("certificate-sha1", "role", "realm"));
        const char *fp = NULL, *rname = NULL, *realm = NULL;
        if (!rc) rc = get_str(c, &kv->value, "certificate-sha1", q, true, &fp);
        if (!rc) rc = get_str(c, &kv->value, "role", q, true, &rname);
        if (!rc) rc = get_str(c, &kv->value, "realm", q, false, &realm);
        if (rc) return rc;
        size_t hex = 0;
        for (const char *x = fp; *x; x++)
            if (*x != ':') hex++;
        char fq[640];
        snprintf(fq, sizeof fq, "%s.certificate-sha1", q);
        if (hex != 40) return fail(c, fq, "expected a SHA-1 fingerprint (40 hex digits)");
    }
    return WAMP_OK;
}

static int parse_auth(ctx *c, const wamp_value *auth, const char *q)
{
    int rc;
    if (wamp_value_type_of(auth) != WAMP_VALUE_DICT) return fail(c, q, "expected an object");
    static const char *methods[] = {"anonymous",  "ticket",     "wampcra", "scram",
                                    "wamp-scram", "cryptosign", "totp",    "tls"};
    for (size_t i = 0; i < wamp_value_count(auth); i++) {
        wamp_kv *kv = wamp_value_dict_entry(auth, i);
        char mp[460];
        snprintf(mp, sizeof mp, "%s.%.*s", q, (int)kv->key.len, kv->key.ptr);
        bool known = false;
        for (size_t k = 0; k < sizeof methods / sizeof *methods; k++)
            known |= wamp_str_eqc(kv->key, methods[k]);
        if (!known) return fail(c, mp, "unknown authentication method");
        if (wamp_value_type_of(&kv->value) != WAMP_VALUE_DICT)
            return fail(c, mp, "expected an object");
        const wamp_value *type = wamp_value_dict_getc(&kv->value, "type");
        wamp_str ts;
        char tp[500];
        snprintf(tp, sizeof tp, "%s.type", mp);
        if (type && (!wamp_value_get_string(type, &ts) ||
                     (!wamp_str_eqc(ts, "static") && !wamp_str_eqc(ts, "dynamic"))))
            return fail(c, tp, "expected \"static\" or \"dynamic\"");
        if (type && wamp_str_eqc(ts, "dynamic")) {
            if ((rc = check_keys(c, &kv->value, mp,
                                 KEYS("type", "authenticator", "authenticator-realm",
                                      "authenticator-timeout"))))
                return rc;
            if (wamp_str_eqc(kv->key, "totp") || wamp_str_eqc(kv->key, "tls"))
                return fail(c, tp, "\"dynamic\" is not supported for this method");
            const char *au = NULL, *ar = NULL;
            if ((rc = get_str(c, &kv->value, "authenticator", mp, true, &au))) return rc;
            snprintf(tp, sizeof tp, "%s.authenticator", mp);
            if (wamp_uri_check(wamp_str_c(au), WAMP_URI_LOOSE, false, false) != WAMP_OK)
                return fail(c, tp, "not a valid procedure URI");
            if ((rc = get_str(c, &kv->value, "authenticator-realm", mp, false, &ar))) return rc;
            const wamp_value *to = wamp_value_dict_getc(&kv->value, "authenticator-timeout");
            double d;
            snprintf(tp, sizeof tp, "%s.authenticator-timeout", mp);
            if (to && (!get_num(to, &d) || !(d > 0 && d <= 3600)))
                return fail(c, tp, "expected seconds in (0, 3600]");
        } else if ((rc = check_keys(c, &kv->value, mp,
                                    KEYS("type", "role", "principals", "users", "default-role"))))
            return rc;
        if (wamp_str_eqc(kv->key, "tls") && (rc = parse_tls_principals(c, &kv->value, mp)))
            return rc;
    }
    return WAMP_OK;
}

/* An auth dict at path aq (after the endpoint, whose TLS settings "tls" needs). */
static int check_auth(ctx *c, const wamp_value *auth, const char *aq, const transportcfg *t)
{
    int rc = parse_auth(c, auth, aq);
    if (rc) return rc;
    if (wamp_value_dict_getc(auth, "tls") && !t->ca_certs) {
        char tq[440];
        snprintf(tq, sizeof tq, "%s.tls", aq);
        return fail(c, tq, "needs endpoint.tls.ca_certificates (client certificates)");
    }
    return WAMP_OK;
}

static int parse_transport(ctx *c, const wamp_value *tv, const char *path, transportcfg *t)
{
    if (wamp_value_type_of(tv) != WAMP_VALUE_DICT) return fail(c, path, "expected an object");
    int rc = get_str(c, tv, "type", path, true, &t->type);
    if (rc) return rc;
    char p[256];
    snprintf(p, sizeof p, "%s.type", path);
    if (strcmp(t->type, "universal") && strcmp(t->type, "websocket") &&
        strcmp(t->type, "rawsocket"))
        return fail(c, p, "expected \"universal\", \"websocket\" or \"rawsocket\"");
    bool uni = !strcmp(t->type, "universal"), ws = !strcmp(t->type, "websocket");
    if ((rc = check_keys(c, tv, path,
                         uni  ? KEYS("type", "id", "endpoint", "auth", "websocket", "rawsocket")
                         : ws ? KEYS("type", "id", "endpoint", "auth", "options")
                              : KEYS("type", "id", "endpoint", "auth", "max_message_size"))))
        return rc;
    const wamp_value *ep = wamp_value_dict_getc(tv, "endpoint");
    snprintf(p, sizeof p, "%s.endpoint", path);
    if (!ep) return fail(c, p, "missing (expected an object)");
    if (wamp_value_type_of(ep) != WAMP_VALUE_DICT) return fail(c, p, "expected an object");
    const char *etype = NULL;
    if ((rc = get_str(c, ep, "type", p, true, &etype))) return rc;
    char q[300];
    if (!strcmp(etype, "tcp")) {
        if ((rc = check_keys(c, ep, p, KEYS("type", "port", "interface", "tls")))) return rc;
        const wamp_value *port = wamp_value_dict_getc(ep, "port");
        int64_t pv;
        snprintf(q, sizeof q, "%s.port", p);
        if (!port || !wamp_value_get_int(port, &pv) || pv < 0 || pv > 65535)
            return fail(c, q, "expected an integer 0..65535");
        t->port = (int)pv;
        if ((rc = get_str(c, ep, "interface", p, false, &t->host))) return rc;
        if (!t->host) t->host = "0.0.0.0";
    } else if (!strcmp(etype, "unix")) {
        if ((rc = check_keys(c, ep, p, KEYS("type", "path", "tls")))) return rc;
        t->unix_ep = true;
        if ((rc = get_str(c, ep, "path", p, true, &t->path))) return rc;
    } else {
        snprintf(q, sizeof q, "%s.type", p);
        return fail(c, q, "expected \"tcp\" or \"unix\"");
    }
    const wamp_value *tls = wamp_value_dict_getc(ep, "tls");
    if (tls) {
        snprintf(q, sizeof q, "%s.tls", p);
        if (wamp_value_type_of(tls) != WAMP_VALUE_DICT) return fail(c, q, "expected an object");
        if ((rc = check_keys(
                 c, tls, q,
                 KEYS("certificate", "key", "ca_certificates", "require_client_certificate"))))
            return rc;
        if ((rc = get_str(c, tls, "certificate", q, true, &t->cert))) return rc;
        if ((rc = get_str(c, tls, "key", q, true, &t->key))) return rc;
        const wamp_value *ca = wamp_value_dict_getc(tls, "ca_certificates");
        char cp[340];
        snprintf(cp, sizeof cp, "%s.ca_certificates", q);
        if (ca && (wamp_value_type_of(ca) != WAMP_VALUE_LIST || !wamp_value_count(ca)))
            return fail(c, cp, "expected a non-empty array of file names");
        for (size_t i = 0; ca && i < wamp_value_count(ca); i++) {
            wamp_str f;
            char ip[380];
            snprintf(ip, sizeof ip, "%s[%zu]", cp, i);
            if (!wamp_value_get_string(wamp_value_list_at(ca, i), &f) || !f.len)
                return fail(c, ip, "expected a file name");
        }
        t->ca_certs = ca;
        const wamp_value *req = wamp_value_dict_getc(tls, "require_client_certificate");
        snprintf(cp, sizeof cp, "%s.require_client_certificate", q);
        if (req && !wamp_value_get_bool(req, &t->require_client_cert))
            return fail(c, cp, "expected a boolean");
        if (t->require_client_cert && !ca)
            return fail(c, cp, "needs ca_certificates (to verify the client certificates)");
    }
    /* sizes, and the auth dicts: transport level (wins), websocket.<path>.auth, rawsocket.auth */
    const wamp_value *auth = wamp_value_dict_getc(tv, "auth");
    char aq[420];
    snprintf(aq, sizeof aq, "%s.auth", path);
    if (auth && (rc = check_auth(c, auth, aq, t))) return rc;
    t->auth = auth;
    if (ws) {
        const wamp_value *o = wamp_value_dict_getc(tv, "options");
        snprintf(q, sizeof q, "%s.options", path);
        if (o && (rc = parse_ws_options(c, o, q, t))) return rc;
    } else if (!uni) {
        if ((rc = parse_rs(c, tv, path, t))) return rc;
    } else {
        const wamp_value *wsd = wamp_value_dict_getc(tv, "websocket");
        snprintf(q, sizeof q, "%s.websocket", path);
        if (wsd && wamp_value_type_of(wsd) != WAMP_VALUE_DICT)
            return fail(c, q, "expected an object");
        if (wsd) {
            t->nws = wamp_value_count(wsd);
            t->ws_paths = wamp_arena_calloc(c->a, t->nws + 1, sizeof *t->ws_paths);
            t->ws_auth = wamp_arena_calloc(c->a, t->nws + 1, sizeof *t->ws_auth);
            if (!t->ws_paths || !t->ws_auth) return WAMP_ENOMEM;
        }
        for (size_t i = 0; wsd && i < wamp_value_count(wsd); i++) {
            wamp_kv *kv = wamp_value_dict_entry(wsd, i);
            char wp[380];
            snprintf(wp, sizeof wp, "%s.%.*s", q, (int)kv->key.len, kv->key.ptr);
            if (wamp_value_type_of(&kv->value) != WAMP_VALUE_DICT)
                return fail(c, wp, "expected an object");
            if ((rc = check_keys(c, &kv->value, wp, KEYS("type", "auth", "options")))) return rc;
            /* the key is the request path: "ws" serves /ws, "/" the root */
            wamp_str k = kv->key;
            if (k.len && k.ptr[0] == '/') k.ptr++, k.len--;
            bool badch = k.len > 200;
            for (size_t j = 0; j < k.len && !badch; j++)
                badch = (unsigned char)k.ptr[j] <= 0x20 || k.ptr[j] == '?' || k.ptr[j] == '#' ||
                        k.ptr[j] == 0x7F;
            if (badch) return fail(c, wp, "not a usable request path");
            char *ps = wamp_arena_alloc(c->a, k.len + 2);
            if (!ps) return WAMP_ENOMEM;
            ps[0] = '/';
            memcpy(ps + 1, k.ptr, k.len);
            ps[k.len + 1] = 0;
            for (size_t j = 0; j < i; j++)
                if (!strcmp(t->ws_paths[j], ps)) return fail(c, wp, "duplicate path");
            t->ws_paths[i] = ps;
            const wamp_value *o = wamp_value_dict_getc(&kv->value, "options");
            char op[420];
            snprintf(op, sizeof op, "%s.options", wp);
            if (o && (rc = parse_ws_options(c, o, op, t))) return rc;
            const wamp_value *pa = wamp_value_dict_getc(&kv->value, "auth");
            snprintf(op, sizeof op, "%s.auth", wp);
            if (pa && (rc = check_auth(c, pa, op, t))) return rc;
            t->ws_auth[i] = pa;
        }
        const wamp_value *rs = wamp_value_dict_getc(tv, "rawsocket");
        snprintf(q, sizeof q, "%s.rawsocket", path);
        if (rs && wamp_value_type_of(rs) != WAMP_VALUE_DICT)
            return fail(c, q, "expected an object");
        if (rs && (rc = check_keys(c, rs, q, KEYS("auth", "max_message_size")))) return rc;
        if (rs && (rc = parse_rs(c, rs, q, t))) return rc;
        const wamp_value *ra = rs ? wamp_value_dict_getc(rs, "auth") : NULL;
        snprintf(aq, sizeof aq, "%s.auth", q);
        if (ra && (rc = check_auth(c, ra, aq, t))) return rc;
        t->rs_auth = ra;
    }
    return WAMP_OK;
}

int wampd_config_load(const char *file, wampd_config **out, char *err, size_t errlen)
{
    wampd_config *cfg = calloc(1, sizeof *cfg);
    ctx c = {err, errlen, NULL};
    if (!cfg) return WAMP_ENOMEM;
    size_t len = 0;
    if (file) {
        FILE *f = fopen(file, "rb");
        if (!f) {
            snprintf(err, errlen, "%s: cannot open", file);
            free(cfg);
            return WAMP_ECONFIG;
        }
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fseek(f, 0, SEEK_SET);
        cfg->text = malloc(n > 0 ? (size_t)n : 1);
        len = n > 0 && cfg->text ? fread(cfg->text, 1, (size_t)n, f) : 0;
        fclose(f);
    } else {
        len = sizeof DEFAULT_CONFIG - 1;
        cfg->text = malloc(len);
        if (cfg->text) memcpy(cfg->text, DEFAULT_CONFIG, len);
    }
    cfg->a = wamp_arena_new(0);
    c.a = cfg->a;
    wamp_value doc;
    int rc = cfg->text && cfg->a ? WAMP_OK : WAMP_ENOMEM;
    if (rc == WAMP_OK) {
        rc = wamp_value_decode(WAMP_SER_JSON, (uint8_t *)cfg->text, len, cfg->a, NULL, &doc);
        if (rc != WAMP_OK) rc = fail(&c, "$", wamp_strerror(rc));
    }
    const wamp_value *workers = NULL;
    if (rc == WAMP_OK && wamp_value_type_of(&doc) != WAMP_VALUE_DICT)
        rc = fail(&c, "$", "expected an object");
    if (rc == WAMP_OK) rc = check_keys(&c, &doc, "", KEYS("version", "workers"));
    if (rc == WAMP_OK) {
        const wamp_value *v = wamp_value_dict_getc(&doc, "version");
        int64_t ver;
        if (v && (!wamp_value_get_int(v, &ver) || ver != 2)) rc = fail(&c, "version", "expected 2");
    }
    if (rc == WAMP_OK) {
        workers = wamp_value_dict_getc(&doc, "workers");
        if (!workers || wamp_value_type_of(workers) != WAMP_VALUE_LIST ||
            !wamp_value_count(workers))
            rc = fail(&c, "workers", "expected a non-empty array");
    }
    /* pass 1: every worker is a router worker with the known keys; count realms/transports */
    size_t nw = rc == WAMP_OK ? wamp_value_count(workers) : 0;
    for (size_t i = 0; rc == WAMP_OK && i < nw; i++) {
        const wamp_value *w = wamp_value_list_at(workers, i);
        char p[64], q[96];
        snprintf(p, sizeof p, "workers[%zu]", i);
        if (wamp_value_type_of(w) != WAMP_VALUE_DICT) {
            rc = fail(&c, p, "expected an object");
            break;
        }
        const wamp_value *type = wamp_value_dict_getc(w, "type");
        wamp_str ts;
        snprintf(q, sizeof q, "%s.type", p);
        if (!type || !wamp_value_get_string(type, &ts)) {
            rc = fail(&c, q, "missing (expected \"router\")");
            break;
        }
        if (!wamp_str_eqc(ts, "router")) {
            char m[160];
            snprintf(m, sizeof m,
                     "unsupported worker type \"%.*s\" (wampd runs \"router\" workers)",
                     (int)(ts.len > 40 ? 40 : ts.len), ts.ptr);
            rc = fail(&c, q, m);
            break;
        }
        rc = check_keys(&c, w, p, KEYS("type", "id", "realms", "transports", "options"));
        const wamp_value *o = wamp_value_dict_getc(w, "options");
        snprintf(q, sizeof q, "%s.options", p);
        if (rc == WAMP_OK && o) {
            if (wamp_value_type_of(o) != WAMP_VALUE_DICT)
                rc = fail(&c, q, "expected an object");
            else
                rc = check_keys(&c, o, q, KEYS("auto_create_realms"));
            const wamp_value *ac = wamp_value_dict_getc(o, "auto_create_realms");
            bool b = false;
            snprintf(q, sizeof q, "%s.options.auto_create_realms", p);
            if (rc == WAMP_OK && ac && !wamp_value_get_bool(ac, &b))
                rc = fail(&c, q, "expected a boolean");
            cfg->auto_create_realms |= b;
        }
        const wamp_value *realms = wamp_value_dict_getc(w, "realms");
        const wamp_value *ts2 = wamp_value_dict_getc(w, "transports");
        snprintf(q, sizeof q, "%s.realms", p);
        if (rc == WAMP_OK && (!realms || wamp_value_type_of(realms) != WAMP_VALUE_LIST))
            rc = fail(&c, q, "expected an array");
        snprintf(q, sizeof q, "%s.transports", p);
        if (rc == WAMP_OK &&
            (!ts2 || wamp_value_type_of(ts2) != WAMP_VALUE_LIST || !wamp_value_count(ts2)))
            rc = fail(&c, q, "expected a non-empty array");
        if (rc == WAMP_OK) {
            cfg->nrealms += wamp_value_count(realms);
            cfg->nt += wamp_value_count(ts2);
        }
    }
    /* pass 2: parse them */
    if (rc == WAMP_OK) {
        cfg->realms = wamp_arena_calloc(cfg->a, cfg->nrealms + 1, sizeof *cfg->realms);
        cfg->t = calloc(cfg->nt + 1, sizeof *cfg->t);
        if (!cfg->realms || !cfg->t) rc = WAMP_ENOMEM;
    }
    size_t kr = 0, kt = 0;
    for (size_t i = 0; rc == WAMP_OK && i < nw; i++) {
        const wamp_value *w = wamp_value_list_at(workers, i);
        const wamp_value *realms = wamp_value_dict_getc(w, "realms");
        for (size_t k = 0; rc == WAMP_OK && k < wamp_value_count(realms); k++) {
            char p[96];
            snprintf(p, sizeof p, "workers[%zu].realms[%zu]", i, k);
            rc = parse_realm(&c, wamp_value_list_at(realms, k), p, &cfg->realms[kr]);
            for (size_t j = 0; rc == WAMP_OK && j < kr; j++)
                if (!strcmp(cfg->realms[j].name, cfg->realms[kr].name)) {
                    char q[128];
                    snprintf(q, sizeof q, "%s.name", p);
                    rc = fail(&c, q, "duplicate realm");
                }
            kr++;
        }
        const wamp_value *ts = wamp_value_dict_getc(w, "transports");
        for (size_t k = 0; rc == WAMP_OK && k < wamp_value_count(ts); k++) {
            char p[96];
            snprintf(p, sizeof p, "workers[%zu].transports[%zu]", i, k);
            rc = parse_transport(&c, wamp_value_list_at(ts, k), p, &cfg->t[kt++]);
        }
    }
    if (rc != WAMP_OK) {
        if (rc == WAMP_ENOMEM) snprintf(err, errlen, "out of memory");
        wampd_config_free(cfg);
        return rc;
    }
    *out = cfg;
    return WAMP_OK;
}

void wampd_config_free(wampd_config *cfg)
{
    if (!cfg) return;
    if (g_cfg == cfg) g_cfg = NULL;
    free(cfg->t);
    wamp_arena_free(cfg->a);
    free(cfg->text);
    free(cfg);
}

/* ---------------------------------------------------------------- authorization */

static bool wildcard_match(const char *pat, size_t plen, const char *uri, size_t ulen)
{
    size_t i = 0, j = 0;
    for (;;) {
        size_t pe = i, ue = j;
        while (pe < plen && pat[pe] != '.')
            pe++;
        while (ue < ulen && uri[ue] != '.')
            ue++;
        if (pe > i && (pe - i != ue - j || memcmp(pat + i, uri + j, pe - i) != 0)) return false;
        bool pend = pe >= plen, uend = ue >= ulen;
        if (pend || uend) return pend && uend;
        i = pe + 1;
        j = ue + 1;
    }
}

/* Actions after WAMP_ACTION_SUBSCRIBE are disclosure checks, caller then publisher (the
 * router core's WAMP_ACTION_DISCLOSE_* when it has them): answered from "disclose". */
static const char *const ACTION_NAMES[] = {"call",      "register",        "publish",
                                           "subscribe", "disclose caller", "disclose publisher"};
#define N_ACTIONS (sizeof ACTION_NAMES / sizeof *ACTION_NAMES)

static const char *action_name(wamp_router_action a)
{
    return (unsigned)a < N_ACTIONS ? ACTION_NAMES[a] : "?";
}

static const role *find_role(const wampd_config *cfg, const wamp_router_session_info *who)
{
    const realmcfg *rc = NULL;
    for (size_t i = 0; i < cfg->nrealms; i++)
        if (who->realm && !strcmp(cfg->realms[i].name, who->realm)) rc = &cfg->realms[i];
    /* a realm created on the fly (options.auto_create_realms) has the first realm's roles */
    if (!rc && cfg->auto_create_realms && cfg->nrealms) rc = &cfg->realms[0];
    if (!rc) return NULL;
    for (size_t i = 0; i < rc->n; i++)
        if (who->authrole && !strcmp(rc->roles[i].name, who->authrole)) return &rc->roles[i];
    return NULL;
}

/* The permission of ro whose uri matches best (exact, then longest prefix, then wildcard), or
 * NULL. */
static const perm *best_perm(const role *ro, wamp_str uri)
{
    const perm *best = NULL;
    int best_rank = -1;
    size_t best_len = 0;
    for (size_t i = 0; i < ro->n; i++) {
        const perm *p = &ro->p[i];
        int rank = -1;
        if (p->match == WAMP_MATCH_EXACT && p->len == uri.len && !memcmp(p->uri, uri.ptr, uri.len))
            rank = 3;
        else if (p->match == WAMP_MATCH_PREFIX && uri.len >= p->len &&
                 !memcmp(p->uri, uri.ptr, p->len))
            rank = 2;
        else if (p->match == WAMP_MATCH_WILDCARD &&
                 wildcard_match(p->uri, p->len, uri.ptr, uri.len))
            rank = 1;
        if (rank < 0) continue;
        if (rank > best_rank || (rank == best_rank && p->len > best_len)) {
            best = p;
            best_rank = rank;
            best_len = p->len;
        }
    }
    return best;
}

static bool authorize(void *user, const wamp_router_session_info *who, wamp_router_action action,
                      wamp_str uri)
{
    wampd_config *cfg = user;
    const role *ro = find_role(cfg, who);
    if (!ro || ro->authorizer) return false; /* a dynamic role cannot answer synchronously */
    const perm *best = best_perm(ro, uri);
    bool ok = false;
    if (best && (unsigned)action <= WAMP_ACTION_SUBSCRIBE)
        ok = best->allow[action];
    else if (best && (unsigned)action < N_ACTIONS)
        ok = best->disclose[action - WAMP_ACTION_DISCLOSE_CALLER];
    if (!ok)
        wampd_log(WAMP_LOG_INFO, "session %llu (authrole %s): %s on %.*s denied",
                  (unsigned long long)who->session, who->authrole, action_name(action),
                  (int)uri.len, uri.ptr);
    return ok;
}

/* The router's disclosure hook: the "disclose" flag of the best permission when the
 * permission gives it, else -1 (the session's own disclose_me / the callee's disclose_caller
 * decide). Dynamic roles (an authorizer) have no static flags: -1. */
static int disclose(void *user, const wamp_router_session_info *who, wamp_router_action action,
                    wamp_str uri)
{
    wampd_config *cfg = user;
    const role *ro = find_role(cfg, who);
    if (!ro || ro->authorizer) return -1;
    const perm *best = best_perm(ro, uri);
    unsigned j = (unsigned)action - WAMP_ACTION_DISCLOSE_CALLER;
    if (!best || j > 1 || !best->has_disclose[j]) return -1;
    return best->disclose[j];
}

/* ---------------------------------------------------------------- authentication */

typedef struct auth_state {
    const transportcfg *tc;
    const wamp_value *auth; /* the auth dict of the connection's transport/path, or NULL */
    wamp_auth_pending *p;
    wamp_arena *a;
    wamp_router_session *s;
    char framing[16], peer[96]; /* of the connection, for a dynamic authenticator */
    char cert_sha1[41];         /* client certificate fingerprint (hex), "" without one */
    /* a dynamic authentication in progress (strings and values in a) */
    const wamp_value *mcfg;
    char method[32];
    uint64_t call; /* wamp_router_call handle, 0: none */
    wamp_value realm, authid, authrole, authextra, authmethods;
    /* dynamic authorization: the call in progress and the decisions the authorizer let cache */
    uint64_t azcall;
    wamp_router_action azaction;
    char *azuri;
    struct azcache {
        struct azcache *next;
        wamp_router_action action;
        bool allow;
        char uri[];
    } * azcache;
    size_t azcached;
} auth_state;

void *wampd_auth_conn_new(wamp_listener *l)
{
    auth_state *st = calloc(1, sizeof *st);
    if (!st || !g_cfg) return st;
    for (size_t i = 0; i < g_cfg->nt; i++)
        if (g_cfg->t[i].listener == l) st->tc = &g_cfg->t[i];
    return st;
}

void wampd_auth_conn_set_transport(void *state, const char *framing, const char *peer,
                                   const char *ws_path)
{
    auth_state *st = state;
    if (!st) return;
    /* the auth that applies: the transport's, else the websocket path's or the rawsocket's */
    const transportcfg *t = st->tc;
    st->auth = t ? t->auth : NULL;
    if (t && !st->auth && framing && !strcmp(framing, "rawsocket")) st->auth = t->rs_auth;
    for (size_t i = 0; t && !t->auth && ws_path && i < t->nws; i++)
        if (!strcmp(t->ws_paths[i], ws_path)) st->auth = t->ws_auth[i];
    snprintf(st->framing, sizeof st->framing, "%s", framing ? framing : "");
    snprintf(st->peer, sizeof st->peer, "%s", peer ? peer : "");
}

void wampd_auth_conn_set_peer_cert(void *state, const uint8_t *der, size_t len)
{
    auth_state *st = state;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!st || !der || !len || EVP_Digest(der, len, md, &n, EVP_sha1(), NULL) != 1 || n != 20)
        return;
    for (unsigned i = 0; i < n; i++)
        snprintf(st->cert_sha1 + 2 * i, 3, "%02X", md[i]);
}

/* fp ("AB:CD:..." or plain hex, any case) equals the hex fingerprint hex. */
static bool fingerprint_eq(wamp_str fp, const char *hex)
{
    size_t j = 0;
    for (size_t i = 0; i < fp.len; i++) {
        char ch = fp.ptr[i];
        if (ch == ':') continue;
        if (ch >= 'a' && ch <= 'f') ch = (char)(ch - 'a' + 'A');
        if (!hex[j] || hex[j] != ch) return false;
        j++;
    }
    return j == 40 && !hex[j];
}

/* authmethod "tls": the principal whose certificate-sha1 is the client certificate's. */
static int tls_hello(auth_state *st, const wamp_message *hello, const wamp_value *mcfg,
                     wamp_router_auth_result *res, const char **abort_reason)
{
    static char idbuf[256], rolebuf[128];
    const wamp_value *ps = wamp_value_dict_getc(mcfg, "principals");
    *abort_reason = WAMP_ERROR_NOT_AUTHORIZED;
    if (!st->cert_sha1[0] || !ps) {
        wampd_log(WAMP_LOG_INFO, "authentication (tls) denied: no client certificate");
        return WAMP_EAUTH;
    }
    wamp_str want = hello->hello.authid;
    for (size_t i = 0; i < wamp_value_count(ps); i++) {
        wamp_kv *kv = wamp_value_dict_entry(ps, i);
        if (want.ptr && (want.len != kv->key.len || memcmp(want.ptr, kv->key.ptr, want.len)))
            continue;
        wamp_str fp, rs, realm;
        if (!wamp_value_get_string(wamp_value_dict_getc(&kv->value, "certificate-sha1"), &fp) ||
            !fingerprint_eq(fp, st->cert_sha1))
            continue;
        if (wamp_value_get_string(wamp_value_dict_getc(&kv->value, "realm"), &realm) &&
            (realm.len != hello->hello.realm.len ||
             memcmp(realm.ptr, hello->hello.realm.ptr, realm.len)))
            continue;
        if (!wamp_value_get_string(wamp_value_dict_getc(&kv->value, "role"), &rs) ||
            kv->key.len >= sizeof idbuf || rs.len >= sizeof rolebuf)
            continue;
        memcpy(idbuf, kv->key.ptr, kv->key.len);
        idbuf[kv->key.len] = 0;
        memcpy(rolebuf, rs.ptr, rs.len);
        rolebuf[rs.len] = 0;
        res->authid = idbuf;
        res->authrole = rolebuf;
        res->authmethod = "tls";
        res->authprovider = "static";
        return WAMP_OK;
    }
    *abort_reason = want.ptr ? WAMP_ERROR_NOT_AUTHORIZED : WAMP_ERROR_NO_SUCH_PRINCIPAL;
    wampd_log(WAMP_LOG_INFO, "authentication (tls) denied: certificate %s matches no principal",
              st->cert_sha1);
    return WAMP_EAUTH;
}

void wampd_auth_conn_free(void *state)
{
    auth_state *st = state;
    if (!st) return;
    if (st->call && g_cfg) wamp_router_call_cancel(g_cfg->router, st->call);
    if (st->azcall && g_cfg) wamp_router_call_cancel(g_cfg->router, st->azcall);
    free(st->azuri);
    while (st->azcache) {
        struct azcache *x = st->azcache;
        st->azcache = x->next;
        free(x);
    }
    wamp_auth_pending_free(st->p);
    wamp_arena_free(st->a);
    free(st);
}

static int64_t utc_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---------------------------------------------------------------- dynamic authentication
 *
 * Crossbar.io semantics: {"type": "dynamic", "authenticator": URI, "authenticator-realm": R}.
 * The router calls URI on realm R (default: the client's realm) with (realm, authid, details);
 * details has realm, authid, authrole, authmethod, authmethods, authextra, session (the id the
 * session will get), transport {type, peer} and, for ticket, the ticket. The result is a role
 * (string) or a dict like a static principal: role, authid, plus secret/salt/iterations/keylen
 * (wampcra), pubkey (cryptosign) or the SCRAM credential fields (scram). ticket: called at
 * AUTHENTICATE; anonymous: called at HELLO, welcomed at once with the role (and the result's
 * authid, else one the router makes up); the others: called at HELLO, then the CHALLENGE is
 * built from the result.
 * An ERROR aborts with its URI; a missing authenticator, a timeout (authenticator-timeout, in
 * seconds [10]) or an unusable result aborts with wamp.error.not_authorized.
 */

static wamp_value vstr(const char *s)
{
    return s ? wamp_value_string_borrow(s, strlen(s)) : wamp_value_null();
}

static const char *vcstr(wamp_arena *a, const wamp_value *v)
{
    wamp_str x;
    if (!v || !wamp_value_get_string(v, &x)) return NULL;
    return wamp_arena_strndup(a, x.ptr, x.len);
}

static int dyn_abort(auth_state *st, const char *reason)
{
    wampd_log(WAMP_LOG_INFO, "dynamic authentication (%s) denied: %s", st->method, reason);
    return wamp_router_session_auth_complete(st->s, WAMP_EAUTH, NULL, NULL, reason);
}

/* The static-style principal config {"type": "static", "users"|"principals": {authid: res}}
 * for a dict result; *authid gets the principal's authid. */
static int dyn_principal_config(auth_state *st, const wamp_value *res, wamp_value *cfgv,
                                const char **authid)
{
    wamp_arena *a = st->a;
    wamp_value entry;
    if (wamp_value_copy(a, &entry, res) != WAMP_OK) return WAMP_ENOMEM;
    const char *pub = vcstr(a, wamp_value_dict_getc(res, "pubkey"));
    if (!strcmp(st->method, "cryptosign")) {
        if (!pub) return WAMP_ENOTFOUND;
        wamp_value keys = wamp_value_list();
        if (wamp_value_list_push(a, &keys, vstr(pub)) != WAMP_OK ||
            wamp_value_dict_setc(a, &entry, "authorized_keys", keys) != WAMP_OK)
            return WAMP_ENOMEM;
    }
    *authid = vcstr(a, wamp_value_dict_getc(res, "authid"));
    if (!*authid) *authid = vcstr(a, &st->authid);
    if (!*authid) *authid = pub;
    if (!*authid) return WAMP_ENOTFOUND;
    wamp_value users = wamp_value_dict(), c = wamp_value_dict();
    if (wamp_value_dict_setc(a, &users, *authid, entry) != WAMP_OK ||
        wamp_value_dict_setc(a, &c, "type", vstr("static")) != WAMP_OK ||
        wamp_value_dict_setc(a, &c, strcmp(st->method, "wampcra") ? "principals" : "users",
                             users) != WAMP_OK)
        return WAMP_ENOMEM;
    *cfgv = c;
    return WAMP_OK;
}

static void dyn_result(void *user, int status, const char *error, const wamp_value *args,
                       const wamp_value *kwargs)
{
    (void)kwargs;
    auth_state *st = user;
    st->call = 0;
    if (status != WAMP_OK) {
        wampd_log(WAMP_LOG_INFO, "authenticator for %s: %s%s%s", st->method, wamp_strerror(status),
                  error ? " " : "", error ? error : "");
        dyn_abort(st, status == WAMP_EAPPLICATION && error && *error ? error
                                                                     : WAMP_ERROR_NOT_AUTHORIZED);
        return;
    }
    const wamp_value *res = args && wamp_value_count(args) ? wamp_value_list_at(args, 0) : NULL;
    wamp_str rs;
    const char *authrole = NULL;
    if (res && wamp_value_get_string(res, &rs))
        authrole = wamp_arena_strndup(st->a, rs.ptr, rs.len);
    else if (res && wamp_value_type_of(res) == WAMP_VALUE_DICT)
        authrole = vcstr(st->a, wamp_value_dict_getc(res, "role"));
    if (!authrole) {
        dyn_abort(st, WAMP_ERROR_NOT_AUTHORIZED);
        return;
    }
    bool anon = !strcmp(st->method, "anonymous");
    if (!strcmp(st->method, "ticket") || anon) {
        /* ticket: checked by the authenticator; anonymous: it only assigns role (and authid;
         * without one the router makes one up, never taking the client's) */
        wamp_router_auth_result ar = {0};
        ar.authrole = authrole;
        ar.authid =
            res->type == WAMP_VALUE_DICT ? vcstr(st->a, wamp_value_dict_getc(res, "authid")) : NULL;
        if (!ar.authid && !anon) ar.authid = vcstr(st->a, &st->authid);
        ar.authmethod = st->method;
        ar.authprovider = "dynamic";
        wamp_router_session_auth_complete(st->s, WAMP_OK, &ar, NULL, NULL);
        return;
    }
    wamp_value pcfg;
    const char *authid = NULL;
    if (res->type != WAMP_VALUE_DICT || dyn_principal_config(st, res, &pcfg, &authid) != WAMP_OK) {
        dyn_abort(st, WAMP_ERROR_NOT_AUTHORIZED);
        return;
    }
    wamp_auth_hello ah = {0};
    wamp_value_get_string(&st->realm, &ah.realm);
    ah.authmethods = st->authmethods.type == WAMP_VALUE_LIST ? &st->authmethods : NULL;
    ah.authid = wamp_str_c(authid);
    if (!wamp_value_get_string(&st->authrole, &ah.authrole)) ah.authrole = (wamp_str){0};
    ah.authextra = st->authextra.type == WAMP_VALUE_DICT ? &st->authextra : NULL;
    ah.session = wamp_router_session_pending_id(st->s);
    wamp_auth_principal pr;
    wamp_auth_outcome o;
    memset(&o, 0, sizeof o);
    wamp_auth_server_config sc = {0};
    sc.now_ms = utc_ms();
    if (wamp_auth_static_principal(st->method, &pcfg, &ah, st->a, &pr) != WAMP_OK ||
        wamp_auth_pending_new(st->method, &sc, &st->p) != WAMP_OK) {
        dyn_abort(st, WAMP_ERROR_NOT_AUTHORIZED);
        return;
    }
    pr.authprovider = "dynamic";
    if (wamp_auth_pending_hello(st->p, &ah, &pr, st->a, &o) != WAMP_OK ||
        o.kind != WAMP_AUTH_CHALLENGE) {
        dyn_abort(st, o.kind == WAMP_AUTH_DENY && o.deny.reason ? o.deny.reason
                                                                : WAMP_ERROR_NOT_AUTHORIZED);
        return;
    }
    wamp_message ch = wamp_message_challenge(o.challenge.method);
    ch.challenge.extra = o.challenge.extra;
    wamp_router_session_auth_complete(st->s, WAMP_EAGAIN, NULL, &ch, NULL);
}

/* Calls the authenticator; ticket: the AUTHENTICATE signature. Returns the hook's code. */
static int dyn_call(auth_state *st, const wamp_str *ticket, const char **abort_reason)
{
    wamp_arena *a = st->a;
    const char *proc = vcstr(a, wamp_value_dict_getc(st->mcfg, "authenticator"));
    const char *arealm = vcstr(a, wamp_value_dict_getc(st->mcfg, "authenticator-realm"));
    if (!arealm) arealm = vcstr(a, &st->realm);
    double tmo = 10;
    const wamp_value *tv = wamp_value_dict_getc(st->mcfg, "authenticator-timeout");
    if (tv) get_num(tv, &tmo);
    wamp_value d = wamp_value_dict(), tr = wamp_value_dict(), args = wamp_value_list();
    int rc = WAMP_OK;
    rc |= wamp_value_dict_setc(a, &tr, "type", vstr(st->framing));
    rc |= wamp_value_dict_setc(a, &tr, "peer", vstr(st->peer));
    rc |= wamp_value_dict_setc(a, &d, "realm", st->realm);
    rc |= wamp_value_dict_setc(a, &d, "authid", st->authid);
    rc |= wamp_value_dict_setc(a, &d, "authrole", st->authrole);
    rc |= wamp_value_dict_setc(a, &d, "authmethod", vstr(st->method));
    rc |= wamp_value_dict_setc(a, &d, "authmethods", st->authmethods);
    rc |= wamp_value_dict_setc(a, &d, "authextra", st->authextra);
    rc |= wamp_value_dict_setc(a, &d, "session",
                               wamp_value_uint(wamp_router_session_pending_id(st->s)));
    rc |= wamp_value_dict_setc(a, &d, "transport", tr);
    if (ticket)
        rc |= wamp_value_dict_setc(a, &d, "ticket",
                                   wamp_value_string_borrow(ticket->ptr, ticket->len));
    rc |= wamp_value_list_push(a, &args, st->realm);
    rc |= wamp_value_list_push(a, &args, st->authid);
    rc |= wamp_value_list_push(a, &args, d);
    if (rc != WAMP_OK || !proc || !arealm) {
        *abort_reason = WAMP_ERROR_AUTHENTICATION_FAILED;
        return WAMP_EAUTH;
    }
    rc = wamp_router_call(g_cfg->router, arealm, proc, &args, NULL, (uint64_t)(tmo * 1000),
                          dyn_result, st, &st->call);
    if (rc != WAMP_OK) {
        wampd_log(WAMP_LOG_WARN, "authenticator %s on realm %s: %s", proc, arealm,
                  wamp_strerror(rc));
        *abort_reason = WAMP_ERROR_NOT_AUTHORIZED;
        return WAMP_EAUTH;
    }
    return WAMP_ROUTER_AUTH_PENDING;
}

static bool is_dynamic(const wamp_value *mcfg)
{
    wamp_str t;
    const wamp_value *v = wamp_value_dict_getc(mcfg, "type");
    return v && wamp_value_get_string(v, &t) && wamp_str_eqc(t, "dynamic");
}

static int dyn_hello(auth_state *st, const wamp_message *hello, const char *method,
                     const wamp_value *mcfg, wamp_message *challenge, const char **abort_reason)
{
    wamp_auth_pending_free(st->p);
    st->p = NULL;
    wamp_arena_free(st->a);
    st->a = wamp_arena_new(0);
    *abort_reason = WAMP_ERROR_AUTHENTICATION_FAILED;
    if (!st->a) return WAMP_EAUTH;
    snprintf(st->method, sizeof st->method, "%s", method);
    st->mcfg = mcfg;
    const wamp_hello_msg *h = &hello->hello;
    st->realm = wamp_value_string_borrow(h->realm.ptr, h->realm.len);
    st->authid =
        h->authid.ptr ? wamp_value_string_borrow(h->authid.ptr, h->authid.len) : wamp_value_null();
    st->authrole = h->authrole.ptr ? wamp_value_string_borrow(h->authrole.ptr, h->authrole.len)
                                   : wamp_value_null();
    wamp_value ex = h->authextra.type == WAMP_VALUE_DICT ? h->authextra : wamp_value_null();
    wamp_value ms = h->authmethods.type == WAMP_VALUE_LIST ? h->authmethods : wamp_value_list();
    wamp_value tmp[4] = {st->realm, st->authid, st->authrole, ex};
    wamp_value *dst[4] = {&st->realm, &st->authid, &st->authrole, &st->authextra};
    for (int i = 0; i < 4; i++)
        if (wamp_value_copy(st->a, dst[i], &tmp[i]) != WAMP_OK) return WAMP_EAUTH;
    if (wamp_value_copy(st->a, &st->authmethods, &ms) != WAMP_OK) return WAMP_EAUTH;
    if (!strcmp(method, "ticket")) {
        /* the ticket comes with AUTHENTICATE: the authenticator is called then */
        *challenge = wamp_message_challenge("ticket");
        return WAMP_EAGAIN;
    }
    return dyn_call(st, NULL, abort_reason);
}

static int auth_hello(void *user, wamp_router_session *s, const wamp_message *hello,
                      wamp_router_auth_result *res, wamp_message *challenge,
                      const char **abort_reason)
{
    (void)user;
    auth_state *st = wampd_conn_auth(s);
    if (st) st->s = s;
    const wamp_value *auth = st ? st->auth : NULL;
    if (!auth) {
        res->authrole = "anonymous";
        res->authmethod = "anonymous";
        return WAMP_OK;
    }
    /* the first method the client offers that the transport configures */
    const char *method = NULL;
    const wamp_value *mcfg = NULL;
    size_t n = hello->hello.authmethods.type == WAMP_VALUE_LIST
                   ? wamp_value_count(&hello->hello.authmethods)
                   : 0;
    static char mbuf[32];
    for (size_t i = 0; i <= n && !method; i++) {
        wamp_str m;
        if (i == n) {
            if (n) break;
            m = wamp_str_c("anonymous");
        } else if (!wamp_value_get_string(wamp_value_list_at(&hello->hello.authmethods, i), &m))
            continue;
        const wamp_value *d = wamp_value_dict_get(auth, m.ptr, m.len);
        if (d && m.len < sizeof mbuf) {
            memcpy(mbuf, m.ptr, m.len);
            mbuf[m.len] = 0;
            method = mbuf;
            mcfg = d;
        }
    }
    if (!method) {
        *abort_reason = WAMP_ERROR_NO_AUTH_METHOD;
        return WAMP_EAUTH;
    }
    st->s = s;
    if (is_dynamic(mcfg)) return dyn_hello(st, hello, method, mcfg, challenge, abort_reason);
    if (!strcmp(method, "tls")) return tls_hello(st, hello, mcfg, res, abort_reason);
    if (!strcmp(method, "anonymous")) {
        const wamp_value *r = wamp_value_dict_getc(mcfg, "role");
        wamp_str rs;
        static char rbuf[128];
        if (r && wamp_value_get_string(r, &rs) && rs.len < sizeof rbuf) {
            memcpy(rbuf, rs.ptr, rs.len);
            rbuf[rs.len] = 0;
            res->authrole = rbuf;
        } else
            res->authrole = "anonymous";
        res->authmethod = "anonymous";
        return WAMP_OK;
    }
    wamp_auth_pending_free(st->p);
    st->p = NULL;
    wamp_arena_free(st->a);
    st->a = wamp_arena_new(0);
    wamp_auth_server_config sc = {0};
    sc.now_ms = utc_ms();
    /* TLS: cryptosign and wamp-scram may bind to the connection's tls-unique channel id */
    wamp_transport *tr = wampd_conn_transport(s);
    wamp_stream_info si;
    if (tr) {
        wamp_stream_get_info(wamp_transport_stream(tr), &si);
        if (si.is_secure && si.has_channel_id) {
            sc.channel_id = si.channel_id_tls_unique;
            sc.channel_id_len = sizeof si.channel_id_tls_unique;
            sc.channel_binding = "tls-unique";
        }
    }
    if (!st->a || wamp_auth_pending_new(method, &sc, &st->p) != WAMP_OK) {
        *abort_reason = WAMP_ERROR_AUTHENTICATION_FAILED;
        return WAMP_EAUTH;
    }
    wamp_auth_hello ah = {0};
    ah.realm = hello->hello.realm;
    ah.authmethods = n ? &hello->hello.authmethods : NULL;
    ah.authid = hello->hello.authid;
    ah.authrole = hello->hello.authrole;
    ah.authextra = hello->hello.authextra.type == WAMP_VALUE_DICT ? &hello->hello.authextra : NULL;
    wamp_auth_principal pr;
    int rc = wamp_auth_static_principal(method, mcfg, &ah, st->a, &pr);
    wamp_auth_outcome o;
    memset(&o, 0, sizeof o);
    if (wamp_auth_pending_hello(st->p, &ah, rc == WAMP_OK ? &pr : NULL, st->a, &o) != WAMP_OK) {
        *abort_reason = WAMP_ERROR_AUTHENTICATION_FAILED;
        return WAMP_EAUTH;
    }
    if (o.kind == WAMP_AUTH_CHALLENGE) {
        *challenge = wamp_message_challenge(o.challenge.method);
        challenge->challenge.extra = o.challenge.extra;
        return WAMP_EAGAIN;
    }
    if (o.kind == WAMP_AUTH_ACCEPT) {
        res->authid = o.accept.authid;
        res->authrole = o.accept.authrole;
        res->authmethod = o.accept.authmethod;
        res->authprovider = o.accept.authprovider;
        return WAMP_OK;
    }
    *abort_reason = o.deny.reason ? o.deny.reason : WAMP_ERROR_AUTHENTICATION_FAILED;
    wampd_log(WAMP_LOG_INFO, "authentication (%s) denied: %s", method, *abort_reason);
    return WAMP_EAUTH;
}

static int auth_authenticate(void *user, wamp_router_session *s, const wamp_message *m,
                             wamp_router_auth_result *res, const char **abort_reason)
{
    (void)user;
    auth_state *st = wampd_conn_auth(s);
    wamp_auth_outcome o;
    memset(&o, 0, sizeof o);
    if (st && !st->p && st->mcfg && !strcmp(st->method, "ticket"))
        return dyn_call(st, &m->authenticate.signature, abort_reason);
    if (!st || !st->p ||
        wamp_auth_pending_authenticate(
            st->p, m->authenticate.signature,
            m->authenticate.extra.type == WAMP_VALUE_DICT ? &m->authenticate.extra : NULL, st->a,
            &o) != WAMP_OK ||
        o.kind != WAMP_AUTH_ACCEPT) {
        *abort_reason = o.kind == WAMP_AUTH_DENY && o.deny.reason
                            ? o.deny.reason
                            : WAMP_ERROR_AUTHENTICATION_FAILED;
        wampd_log(WAMP_LOG_INFO, "authentication failed: %s", *abort_reason);
        return WAMP_EAUTH;
    }
    res->authid = o.accept.authid;
    res->authrole = o.accept.authrole;
    res->authmethod = o.accept.authmethod;
    res->authprovider = o.accept.authprovider;
    return WAMP_OK;
}

/* ---------------------------------------------------------------- dynamic authorization
 *
 * A role {"name": R, "authorizer": URI}: the router calls URI on the session's realm with
 * (session, uri, action, options) — session: {session, realm, authid, authrole, authmethod,
 * authprovider}, action: "call" | "register" | "publish" | "subscribe" — and takes true/false
 * or {"allow": bool, "disclose": bool, "cache": bool} (cache: the answer holds for this
 * session, uri and action from then on). An error, a timeout (10 s), no registered authorizer
 * or any other result denies. "disclose" is accepted but not used (disclosure follows the
 * caller's/publisher's own request).
 */

#define AZ_CACHE_MAX 256

static void az_result(void *user, int status, const char *error, const wamp_value *args,
                      const wamp_value *kwargs)
{
    (void)kwargs;
    auth_state *st = user;
    st->azcall = 0;
    bool allow = false, cache = false;
    const wamp_value *res =
        status == WAMP_OK && args && wamp_value_count(args) ? wamp_value_list_at(args, 0) : NULL;
    if (res && !wamp_value_get_bool(res, &allow) && wamp_value_type_of(res) == WAMP_VALUE_DICT) {
        const wamp_value *v = wamp_value_dict_getc(res, "allow");
        if (!v || !wamp_value_get_bool(v, &allow)) allow = false;
        v = wamp_value_dict_getc(res, "cache");
        if (!v || !wamp_value_get_bool(v, &cache)) cache = false;
    }
    if (status != WAMP_OK)
        wampd_log(WAMP_LOG_INFO, "authorizer: %s%s%s", wamp_strerror(status), error ? " " : "",
                  error ? error : "");
    if (cache && st->azuri && st->azcached < AZ_CACHE_MAX) {
        size_t n = strlen(st->azuri);
        struct azcache *x = malloc(sizeof *x + n + 1);
        if (x) {
            x->action = st->azaction;
            x->allow = allow;
            memcpy(x->uri, st->azuri, n + 1);
            x->next = st->azcache;
            st->azcache = x;
            st->azcached++;
        }
    }
    if (!allow)
        wampd_log(WAMP_LOG_INFO, "authorizer denied %s on %s", action_name(st->azaction),
                  st->azuri ? st->azuri : "?");
    wamp_router_session_authorize_complete(st->s, allow);
}

static int authorize_async(void *user, wamp_router_session *s, const wamp_router_session_info *who,
                           wamp_router_action action, wamp_str uri, const wamp_value *options)
{
    wampd_config *cfg = user;
    const role *ro = find_role(cfg, who);
    if (!ro || !ro->authorizer) return authorize(user, who, action, uri) ? 1 : 0;
    auth_state *st = wampd_conn_auth(s);
    if (!st) return 0;
    st->s = s;
    for (struct azcache *x = st->azcache; x; x = x->next)
        if (x->action == action && wamp_str_eqc(uri, x->uri)) return x->allow ? 1 : 0;
    wamp_arena *a = wamp_arena_new(0);
    if (!a) return 0;
    wamp_value d = wamp_value_dict(), args = wamp_value_list(), opts = wamp_value_dict();
    int rc = WAMP_OK;
    rc |= wamp_value_dict_setc(a, &d, "session", wamp_value_uint(who->session));
    rc |= wamp_value_dict_setc(a, &d, "realm", vstr(who->realm));
    rc |= wamp_value_dict_setc(a, &d, "authid", vstr(who->authid));
    rc |= wamp_value_dict_setc(a, &d, "authrole", vstr(who->authrole));
    rc |= wamp_value_dict_setc(a, &d, "authmethod", vstr(who->authmethod));
    rc |= wamp_value_dict_setc(a, &d, "authprovider", vstr(who->authprovider));
    if (options && wamp_value_type_of(options) == WAMP_VALUE_DICT)
        rc |= wamp_value_copy(a, &opts, options);
    rc |= wamp_value_list_push(a, &args, d);
    rc |= wamp_value_list_push(a, &args, wamp_value_string_borrow(uri.ptr, uri.len));
    rc |= wamp_value_list_push(a, &args, vstr(action_name(action)));
    rc |= wamp_value_list_push(a, &args, opts);
    free(st->azuri);
    st->azuri = malloc(uri.len + 1);
    if (st->azuri) {
        memcpy(st->azuri, uri.ptr, uri.len);
        st->azuri[uri.len] = 0;
    }
    st->azaction = action;
    if (rc == WAMP_OK && st->azuri)
        rc = wamp_router_call(cfg->router, who->realm, ro->authorizer, &args, NULL, 10000,
                              az_result, st, &st->azcall);
    wamp_arena_free(a);
    if (rc != WAMP_OK) {
        wampd_log(WAMP_LOG_INFO, "authorizer %s: %s: %s on %.*s denied", ro->authorizer,
                  wamp_strerror(rc), action_name(action), (int)uri.len, uri.ptr);
        return 0;
    }
    return WAMP_ROUTER_AUTH_PENDING;
}

void wampd_config_router_options(wampd_config *cfg, wamp_router_options *ro)
{
    g_cfg = cfg;
    ro->auth.hello = auth_hello;
    ro->auth.authenticate = auth_authenticate;
    ro->auth.authorize = authorize;
    ro->auth.disclose = disclose;
    ro->auth.authorize_async = authorize_async;
    ro->auto_create_realms = cfg->auto_create_realms;
    ro->auth.user = cfg;
}

int wampd_config_apply(wampd_config *cfg, wamp_router *r)
{
    cfg->router = r;
    for (size_t i = 0; i < cfg->nrealms; i++) {
        int rc = wamp_router_add_realm(r, cfg->realms[i].name);
        if (rc != WAMP_OK && rc != WAMP_EEXIST) return rc;
        for (size_t k = 0; k < cfg->realms[i].nhist; k++) {
            const histcfg *h = &cfg->realms[i].hist[k];
            rc = wamp_router_add_event_history(r, cfg->realms[i].name, h->uri, h->match, h->limit);
            if (rc != WAMP_OK) return rc;
        }
    }
    return WAMP_OK;
}

/* ---------------------------------------------------------------- listeners */

/* One CA file: used as is; several: concatenated into a private temporary file (its name in
 * buf, removed by the caller once the listener has loaded it). */
static int ca_bundle(const wamp_value *list, char *buf, size_t buflen, const char **ca_file)
{
    static char one[1024];
    wamp_str f;
    size_t n = wamp_value_count(list);
    if (n == 1 && wamp_value_get_string(wamp_value_list_at(list, 0), &f) && f.len < sizeof one) {
        memcpy(one, f.ptr, f.len);
        one[f.len] = 0;
        *ca_file = one;
        return WAMP_OK;
    }
    const char *dir = getenv("TMPDIR");
    snprintf(buf, buflen, "%s/wampd-ca-XXXXXX", dir && strlen(dir) < 40 ? dir : "/tmp");
    int fd = mkstemp(buf);
    FILE *out = fd >= 0 ? fdopen(fd, "wb") : NULL;
    int rc = out ? WAMP_OK : WAMP_EIO;
    for (size_t i = 0; rc == WAMP_OK && i < n; i++) {
        char name[1024];
        if (!wamp_value_get_string(wamp_value_list_at(list, i), &f) || f.len >= sizeof name) {
            rc = WAMP_EINVAL;
            break;
        }
        memcpy(name, f.ptr, f.len);
        name[f.len] = 0;
        FILE *in = fopen(name, "rb");
        if (!in) {
            rc = WAMP_EIO;
            break;
        }
        char chunk[4096];
        size_t k;
        while ((k = fread(chunk, 1, sizeof chunk, in)) > 0)
            if (fwrite(chunk, 1, k, out) != k) rc = WAMP_EIO;
        fputc('\n', out);
        fclose(in);
    }
    if (out && fclose(out) != 0) rc = WAMP_EIO;
    if (fd >= 0 && !out) close(fd);
    if (rc != WAMP_OK) {
        if (fd >= 0) unlink(buf);
        buf[0] = 0;
        return rc;
    }
    *ca_file = buf;
    return WAMP_OK;
}

int wampd_listeners_start(wampd_config *cfg, wamp_loop *loop, const char *listen,
                          wamp_listener_accept_cb cb)
{
    char host[256] = {0};
    int port = -1;
    if (listen) {
        const char *colon = strrchr(listen, ':');
        if (!colon || (size_t)(colon - listen) >= sizeof host) {
            fprintf(stderr, "wampd: --listen expects HOST:PORT\n");
            return WAMP_EINVAL;
        }
        memcpy(host, listen, (size_t)(colon - listen));
        port = atoi(colon + 1);
        if (port < 0 || port > 65535) {
            fprintf(stderr, "wampd: --listen: bad port\n");
            return WAMP_EINVAL;
        }
    }
    bool replaced = false;
    for (size_t i = 0; i < cfg->nt; i++) {
        transportcfg *t = &cfg->t[i];
        wamp_listener_options o = {0};
        wamp_tls_options tls = {0};
        if (t->unix_ep)
            o.unix_path = t->path;
        else {
            o.host = t->host;
            o.port = (uint16_t)t->port;
            if (listen && !replaced) {
                o.host = host;
                o.port = (uint16_t)port;
                replaced = true;
            }
        }
        o.transport.rawsocket.max_message_size = t->rs_max;
        o.transport.websocket.max_message_size = t->ws_max;
        o.no_websocket = !strcmp(t->type, "rawsocket");
        o.no_rawsocket = !strcmp(t->type, "websocket");
        o.websocket_paths = (const char *const *)t->ws_paths;
        char cabundle[64] = {0};
        if (t->cert) {
            tls.cert_file = t->cert;
            tls.key_file = t->key;
            o.transport.stream.tls = &tls;
            if (t->ca_certs) {
                int rc = ca_bundle(t->ca_certs, cabundle, sizeof cabundle, &tls.ca_file);
                if (rc != WAMP_OK) {
                    fprintf(stderr, "wampd: workers[0].transports[%zu]: %s\n", i,
                            "cannot read endpoint.tls.ca_certificates");
                    return rc;
                }
                tls.verify_client = t->require_client_cert ? WAMP_TLS_CLIENT_CERT_REQUIRED
                                                           : WAMP_TLS_CLIENT_CERT_OPTIONAL;
            }
        }
        int rc = wamp_listener_new(loop, &o, cb, NULL, &t->listener);
        if (cabundle[0]) unlink(cabundle); /* the CAs are loaded when the listener is made */
        if (rc != WAMP_OK) {
            fprintf(stderr, "wampd: cannot listen (workers[0].transports[%zu]): %s\n", i,
                    wamp_strerror(rc));
            return rc;
        }
        if (t->unix_ep)
            printf("LISTENING unix %s\n", t->path);
        else
            printf("LISTENING %s %u\n", o.host, (unsigned)wamp_listener_port(t->listener));
        fflush(stdout);
        wampd_log(WAMP_LOG_INFO, "%s transport listening on %s:%u", t->type,
                  t->unix_ep ? t->path : o.host,
                  t->unix_ep ? 0u : (unsigned)wamp_listener_port(t->listener));
    }
    return WAMP_OK;
}

void wampd_listeners_free(void)
{
    if (!g_cfg) return;
    for (size_t i = 0; i < g_cfg->nt; i++) {
        wamp_listener_free(g_cfg->t[i].listener);
        g_cfg->t[i].listener = NULL;
    }
}
