/* The router's side of authentication: issue CHALLENGEs and verify AUTHENTICATEs for
 * anonymous, ticket, totp, wampcra, scram, wamp-scram and cryptosign (Crossbar's PendingAuth*
 * classes). Sans-I/O: the router looks principals up and passes them in, with the time. */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wamp/cryptosign.h>

#include "auth/auth_int.h"
#include "crypto/crypto_util.h"

#define NOT_AUTHORIZED "wamp.error.not_authorized"
#define NO_PRINCIPAL   "wamp.error.no_such_principal"

typedef enum pkind {
    P_ANONYMOUS,
    P_TICKET,
    P_TOTP,
    P_WAMPCRA,
    P_SCRAM,
    P_WAMP_SCRAM,
    P_CRYPTOSIGN,
} pkind;

enum { S_NEW, S_CHALLENGED, S_DONE };

struct wamp_auth_pending {
    pkind kind;
    int state;
    char *method;
    /* configuration */
    int64_t now_ms;
    uint8_t channel_id[64];
    size_t channel_id_len;
    char *channel_binding;
    const wamp_cryptosign_key *router_key;
    uint8_t server_nonce[64];
    size_t server_nonce_len;
    bool server_nonce_is_text;
    /* principal */
    wamp_arena *arena;
    char *realm, *authid, *authrole, *authprovider;
    wamp_value authextra;
    uint8_t *secret;
    size_t secret_len;
    wamp_auth_ticket_cb ticket_verify;
    void *ticket_user;
    /* wampcra */
    char *challenge_text;
    char expected[WAMP_AUTH_WCS_SIZE];
    /* scram */
    wamp_scram_credential cred;
    char *client_nonce, *nonce, *salt_b64;
    char *cbind_type; /* spec flavour: binding the client asked for (NULL: none) */
    /* cryptosign */
    uint8_t pubkey[32];
    uint8_t challenge[32];
    bool bound;
};

static char *dupn(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        if (n) memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

static char *dupc(const char *s)
{
    return s ? dupn(s, strlen(s)) : NULL;
}

static void wipe_free(void *p, size_t n)
{
    if (p) sodium_memzero(p, n);
    free(p);
}

WAMP_API void wamp_auth_pending_free(wamp_auth_pending *p)
{
    if (!p) return;
    free(p->method);
    free(p->channel_binding);
    wamp_arena_free(p->arena);
    free(p->realm);
    free(p->authid);
    free(p->authrole);
    free(p->authprovider);
    wipe_free(p->secret, p->secret_len);
    free(p->challenge_text);
    free(p->client_nonce);
    free(p->nonce);
    free(p->salt_b64);
    free(p->cbind_type);
    sodium_memzero(p, sizeof *p);
    free(p);
}

WAMP_API int wamp_auth_pending_new(const char *method, const wamp_auth_server_config *cfg,
                                   wamp_auth_pending **out)
{
    static const struct {
        const char *name;
        pkind k;
    } table[] = {
        {"anonymous", P_ANONYMOUS},   {"ticket", P_TICKET}, {"totp", P_TOTP},
        {"wampcra", P_WAMPCRA},       {"scram", P_SCRAM},   {"wamp-scram", P_WAMP_SCRAM},
        {"cryptosign", P_CRYPTOSIGN},
    };
    static const wamp_auth_server_config none = {0};
    if (!method || !out) return WAMP_EINVAL;
    *out = NULL;
    if (!cfg) cfg = &none;
    size_t i = 0;
    while (i < sizeof table / sizeof table[0] && strcmp(table[i].name, method) != 0)
        i++;
    if (i == sizeof table / sizeof table[0]) return WAMP_EUNSUPPORTED;
    if (cfg->channel_id_len > 64 || cfg->server_nonce_len > 64 ||
        (!cfg->channel_id && cfg->channel_id_len))
        return WAMP_EINVAL;
    if (cfg->server_nonce_is_text && cfg->server_nonce) {
        if (table[i].k != P_WAMP_SCRAM && table[i].k != P_WAMPCRA) return WAMP_EINVAL;
        for (size_t j = 0; j < cfg->server_nonce_len; j++)
            if (cfg->server_nonce[j] < 0x21 || cfg->server_nonce[j] > 0x7e ||
                cfg->server_nonce[j] == ',')
                return WAMP_EINVAL;
    }
    if (wamp__crypto_init()) return WAMP_ECRYPTO;
    wamp_auth_pending *p = calloc(1, sizeof *p);
    if (!p) return WAMP_ENOMEM;
    p->kind = table[i].k;
    p->now_ms = cfg->now_ms;
    p->router_key = cfg->router_key;
    p->authextra = wamp_value_dict();
    p->method = dupc(method);
    p->arena = wamp_arena_new(0);
    if (cfg->channel_id) {
        memcpy(p->channel_id, cfg->channel_id, cfg->channel_id_len);
        p->channel_id_len = cfg->channel_id_len;
    }
    if (cfg->server_nonce) {
        memcpy(p->server_nonce, cfg->server_nonce, cfg->server_nonce_len);
        p->server_nonce_len = cfg->server_nonce_len;
        p->server_nonce_is_text = cfg->server_nonce_is_text;
    }
    bool oom = !p->method || !p->arena;
    if (cfg->channel_binding && !(p->channel_binding = dupc(cfg->channel_binding))) oom = true;
    if (oom) {
        wamp_auth_pending_free(p);
        return WAMP_ENOMEM;
    }
    *out = p;
    return WAMP_OK;
}

WAMP_API const char *wamp_auth_pending_wampcra_challenge(const wamp_auth_pending *p)
{
    return p ? p->challenge_text : NULL;
}

/* ---------------------------------------------------------------- outcomes */

static void deny(wamp_auth_outcome *out, const char *reason, const char *message)
{
    memset(out, 0, sizeof *out);
    out->kind = WAMP_AUTH_DENY;
    out->deny.reason = reason;
    out->deny.message = message;
}

static int accept_(wamp_auth_pending *p, wamp_arena *a, wamp_auth_outcome *out,
                   const char *extra_key, const char *extra_val)
{
    memset(out, 0, sizeof *out);
    out->kind = WAMP_AUTH_ACCEPT;
    wamp_auth_accept *acc = &out->accept;
    acc->realm = p->realm;
    acc->authid = p->authid;
    acc->authrole = p->authrole;
    acc->authmethod = p->method;
    acc->authprovider = p->authprovider;
    int rc = wamp_value_copy(a, &acc->authextra, &p->authextra);
    if (!rc && extra_key) {
        wamp_value v = wamp_value_cstring(a, extra_val);
        rc = wamp_value_is_null(&v) ? WAMP_ENOMEM
                                    : wamp_value_dict_setc(a, &acc->authextra, extra_key, v);
    }
    p->state = S_DONE;
    return rc;
}

static int challenge_(wamp_auth_pending *p, wamp_auth_outcome *out, wamp_value extra)
{
    memset(out, 0, sizeof *out);
    out->kind = WAMP_AUTH_CHALLENGE;
    out->challenge.method = p->method;
    out->challenge.extra = extra;
    p->state = S_CHALLENGED;
    return WAMP_OK;
}

static int set_cstr(wamp_arena *a, wamp_value *d, const char *key, const char *s)
{
    wamp_value v = wamp_value_cstring(a, s);
    if (wamp_value_is_null(&v)) return WAMP_ENOMEM;
    return wamp_value_dict_setc(a, d, key, v);
}

/* ---------------------------------------------------------------- JSON of the CRA challenge */

/* Python's json.dumps(ensure_ascii=False) string escaping. Written by hand so the auth layer
 * produces Crossbar's exact text without depending on a particular JSON codec. */
static int json_string(wamp_buf *b, const char *s)
{
    int rc = wamp_buf_append_byte(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; !rc && *p; p++) {
        char esc[8];
        switch (*p) {
        case '"': rc = wamp_buf_append(b, "\\\"", 2); break;
        case '\\': rc = wamp_buf_append(b, "\\\\", 2); break;
        case '\n': rc = wamp_buf_append(b, "\\n", 2); break;
        case '\r': rc = wamp_buf_append(b, "\\r", 2); break;
        case '\t': rc = wamp_buf_append(b, "\\t", 2); break;
        case '\b': rc = wamp_buf_append(b, "\\b", 2); break;
        case '\f': rc = wamp_buf_append(b, "\\f", 2); break;
        default:
            if (*p < 0x20) {
                snprintf(esc, sizeof esc, "\\u%04x", *p);
                rc = wamp_buf_append(b, esc, 6);
            } else {
                rc = wamp_buf_append_byte(b, *p);
            }
        }
    }
    if (!rc) rc = wamp_buf_append_byte(b, '"');
    return rc;
}

/* Autobahn's util.newid(length): the first `length` chars of base64 of random bytes. */
static void newid(char *out, size_t length)
{
    uint8_t raw[96];
    char b64[160];
    size_t l = (length * 6 + 7) / 8;
    randombytes_buf(raw, l);
    wamp__crypto_b64_to(b64, raw, l);
    memcpy(out, b64, length);
    out[length] = 0;
}

static int wampcra_challenge(wamp_auth_pending *p, uint64_t session, wamp_buf *b)
{
    char ts[32], nonce[65], num[24];
    int rc = wamp_auth_format_timestamp(p->now_ms, ts);
    if (rc) return rc;
    if (p->server_nonce_is_text && p->server_nonce_len) { /* test hook */
        memcpy(nonce, p->server_nonce, p->server_nonce_len);
        nonce[p->server_nonce_len] = 0;
    } else {
        newid(nonce, 64);
    }
    snprintf(num, sizeof num, "%" PRIu64, session);
    static const char *const keys[] = {"authid",  "authrole", "authmethod", "authprovider",
                                       "session", "nonce",    "timestamp"};
    const char *vals[] = {p->authid, p->authrole, p->method, p->authprovider, num, nonce, ts};
    rc = wamp_buf_append_byte(b, '{');
    for (int i = 0; !rc && i < 7; i++) {
        if (i) rc = wamp_buf_append(b, ", ", 2);
        if (!rc) rc = json_string(b, keys[i]);
        if (!rc) rc = wamp_buf_append(b, ": ", 2);
        if (!rc) rc = i == 4 ? wamp_buf_append(b, num, strlen(num)) : json_string(b, vals[i]);
    }
    if (!rc) rc = wamp_buf_append(b, "}", 2); /* with the NUL */
    if (!rc) b->len--;
    return rc;
}

/* ---------------------------------------------------------------- HELLO */

static bool hello_str(const wamp_value *d, const char *key, wamp_str *out)
{
    const wamp_value *v = d ? wamp_value_dict_getc(d, key) : NULL;
    return v && wamp_value_get_string(v, out);
}

static int take_principal(wamp_auth_pending *p, const wamp_auth_hello *h,
                          const wamp_auth_principal *pr, const char *fallback_authid)
{
    if (pr->authid)
        p->authid = dupc(pr->authid);
    else if (h->authid.ptr)
        p->authid = dupn(h->authid.ptr, h->authid.len);
    else
        p->authid = dupc(fallback_authid);
    p->authrole = dupc(pr->authrole ? pr->authrole : "anonymous");
    p->authprovider = dupc(pr->authprovider ? pr->authprovider : "static");
    if (pr->realm) {
        free(p->realm);
        if (!(p->realm = dupc(pr->realm))) return WAMP_ENOMEM;
    }
    if (!p->authid || !p->authrole || !p->authprovider) return WAMP_ENOMEM;
    if (pr->authextra && wamp_value_type_of(pr->authextra) == WAMP_VALUE_DICT)
        return wamp_value_copy(p->arena, &p->authextra, pr->authextra);
    return WAMP_OK;
}

static int hello_scram(wamp_auth_pending *p, const wamp_auth_hello *h,
                       const wamp_auth_principal *pr, wamp_arena *a, wamp_auth_outcome *out)
{
    bool ab = p->kind == P_SCRAM;
    wamp_str cn;
    if (!hello_str(h->authextra, "nonce", &cn) || cn.len == 0 || cn.len > 128) {
        deny(out, NOT_AUTHORIZED, "client must send a nonce");
        return WAMP_OK;
    }
    if (!pr->scram) {
        deny(out, NOT_AUTHORIZED, "principal has no SCRAM credential");
        return WAMP_OK;
    }
    wamp__scram_kdf kdf = wamp__scram_kdf_parse(wamp_str_c(pr->scram->kdf));
    if (kdf == WAMP__KDF_NONE || (kdf == WAMP__KDF_ARGON2ID13 &&
                                  strcmp(pr->scram->kdf, ab ? "argon2id-13" : "argon2id13") != 0)) {
        deny(out, NOT_AUTHORIZED, "SCRAM credential does not fit this method");
        return WAMP_OK;
    }
    p->cred = *pr->scram;
    uint8_t sn[64];
    size_t snlen = p->server_nonce_len ? p->server_nonce_len : 16;
    if (p->server_nonce_len)
        memcpy(sn, p->server_nonce, snlen);
    else
        randombytes_buf(sn, snlen);
    char tmp[512];
    if (ab) {
        /* Crossbar: nonce = base64(decoded client nonce || 16 random bytes); the client nonce
         * in the AuthMessage is the re-encoded decoded nonce */
        uint8_t raw[128 + 64];
        size_t rawlen = 0;
        if (wamp__crypto_unb64(raw, 128, &rawlen, cn.ptr, cn.len)) {
            deny(out, NOT_AUTHORIZED, "client nonce must be base64");
            return WAMP_OK;
        }
        wamp__crypto_b64_to(tmp, raw, rawlen);
        p->client_nonce = dupc(tmp);
        memcpy(raw + rawlen, sn, snlen);
        wamp__crypto_b64_to(tmp, raw, rawlen + snlen);
        p->nonce = dupc(tmp);
    } else {
        wamp_str cb;
        const wamp_value *cbv =
            h->authextra ? wamp_value_dict_getc(h->authextra, "channel_binding") : NULL;
        if (cbv && !wamp_value_is_null(cbv)) {
            if (!wamp_value_get_string(cbv, &cb) || !p->channel_binding ||
                !wamp_str_eqc(cb, p->channel_binding) || p->channel_id_len == 0) {
                deny(out, NOT_AUTHORIZED, "requested channel binding is not available");
                return WAMP_OK;
            }
            p->cbind_type = dupc(p->channel_binding);
            if (!p->cbind_type) return WAMP_ENOMEM;
        }
        p->client_nonce = dupn(cn.ptr, cn.len);
        if (p->server_nonce_is_text && p->server_nonce_len) {
            memcpy(tmp, sn, snlen);
            tmp[snlen] = 0;
        } else {
            wamp__crypto_b64_to(tmp, sn, snlen);
        }
        size_t tl = strlen(tmp);
        p->nonce = malloc(cn.len + tl + 1);
        if (p->nonce) {
            memcpy(p->nonce, cn.ptr, cn.len);
            memcpy(p->nonce + cn.len, tmp, tl + 1);
        }
    }
    wamp__crypto_b64_to(tmp, p->cred.salt, p->cred.salt_len);
    p->salt_b64 = dupc(tmp);
    if (!p->client_nonce || !p->nonce || !p->salt_b64) return WAMP_ENOMEM;

    wamp_value e = wamp_value_dict();
    int rc = set_cstr(a, &e, "nonce", p->nonce);
    if (!rc) rc = set_cstr(a, &e, "kdf", p->cred.kdf);
    if (!rc) rc = set_cstr(a, &e, "salt", p->salt_b64);
    if (!rc) rc = wamp_value_dict_setc(a, &e, "iterations", wamp_value_int(p->cred.iterations));
    if (!rc && kdf == WAMP__KDF_ARGON2ID13)
        rc = wamp_value_dict_setc(a, &e, "memory", wamp_value_int(p->cred.memory));
    else if (!rc && !ab)
        rc = wamp_value_dict_setc(a, &e, "memory", wamp_value_null());
    if (rc) return rc;
    return challenge_(p, out, e);
}

static int hello_cryptosign(wamp_auth_pending *p, const wamp_auth_hello *h,
                            const wamp_auth_principal *pr, wamp_arena *a, wamp_auth_outcome *out)
{
    wamp_str pk;
    if (!hello_str(h->authextra, "pubkey", &pk) ||
        wamp__crypto_unhex(p->pubkey, 32, pk.ptr, pk.len)) {
        deny(out, NOT_AUTHORIZED, "cryptosign requires a pubkey in authextra");
        return WAMP_OK;
    }
    bool known = false;
    for (size_t i = 0; i < pr->authorized_count; i++)
        if (wamp__crypto_eq(pr->authorized_keys[i], p->pubkey, 32)) known = true;
    if (!known) {
        deny(out, NO_PRINCIPAL, "no principal with this public key");
        return WAMP_OK;
    }
    char hexpk[65];
    wamp__crypto_hex(hexpk, p->pubkey, 32);
    int rc = take_principal(p, h, pr, hexpk);
    if (rc) return rc;
    /* bind to the TLS channel when the client asks and the transport offers it */
    wamp_str cb;
    if (hello_str(h->authextra, "channel_binding", &cb) && p->channel_binding &&
        wamp_str_eqc(cb, p->channel_binding) && p->channel_id_len == 32)
        p->bound = true;
    randombytes_buf(p->challenge, 32);
    char hex[65];
    wamp__crypto_hex(hex, p->challenge, 32);
    wamp_value e = wamp_value_dict();
    rc = set_cstr(a, &e, "challenge", hex);
    if (!rc)
        rc = wamp_value_dict_setc(a, &e, "channel_binding",
                                  p->bound ? wamp_value_cstring(a, p->channel_binding)
                                           : wamp_value_null());
    /* router authentication: sign the client's challenge */
    wamp_str cc;
    if (!rc && p->router_key && hello_str(h->authextra, "challenge", &cc)) {
        char sig[WAMP_CRYPTOSIGN_SIGNED_HEX_SIZE], rpk[65];
        if (wamp_cryptosign_key_sign_challenge(p->router_key, cc, p->bound ? p->channel_id : NULL,
                                               sig)) {
            deny(out, NOT_AUTHORIZED, "invalid client challenge in authextra");
            return WAMP_OK;
        }
        wamp_cryptosign_key_public_hex(p->router_key, rpk);
        rc = set_cstr(a, &e, "pubkey", rpk);
        if (!rc) rc = set_cstr(a, &e, "signature", sig);
    }
    if (rc) return rc;
    return challenge_(p, out, e);
}

WAMP_API int wamp_auth_pending_hello(wamp_auth_pending *p, const wamp_auth_hello *h,
                                     const wamp_auth_principal *pr, wamp_arena *a,
                                     wamp_auth_outcome *out)
{
    if (!p || !h || !a || !out) return WAMP_EINVAL;
    if (p->state != S_NEW) return WAMP_ESTATE;
    p->realm = dupn(h->realm.ptr ? h->realm.ptr : "", h->realm.len);
    if (!p->realm) return WAMP_ENOMEM;
    if ((h->authid.ptr && memchr(h->authid.ptr, 0, h->authid.len)) ||
        (h->realm.ptr && memchr(h->realm.ptr, 0, h->realm.len))) {
        deny(out, NOT_AUTHORIZED, "authid or realm contains a NUL character");
        p->state = S_DONE;
        return WAMP_OK;
    }
    if (h->authextra && wamp_value_type_of(h->authextra) != WAMP_VALUE_DICT) {
        deny(out, NOT_AUTHORIZED, "authextra must be a dict");
        p->state = S_DONE;
        return WAMP_OK;
    }
    if (p->kind == P_ANONYMOUS) {
        static const wamp_auth_principal anon = {0};
        char rnd[25];
        newid(rnd, 24);
        int rc = take_principal(p, h, pr ? pr : &anon, rnd);
        return rc ? rc : accept_(p, a, out, NULL, NULL);
    }
    if (!pr) {
        deny(out, NO_PRINCIPAL, "no such principal");
        p->state = S_DONE;
        return WAMP_OK;
    }
    if (p->kind == P_CRYPTOSIGN) {
        int rc = hello_cryptosign(p, h, pr, a, out);
        if (out->kind == WAMP_AUTH_DENY) p->state = S_DONE;
        return rc;
    }
    if (!h->authid.ptr) {
        deny(out, NOT_AUTHORIZED, "cannot identify client: no authid requested");
        p->state = S_DONE;
        return WAMP_OK;
    }
    int rc = take_principal(p, h, pr, NULL);
    if (rc) return rc;
    const char *secret = p->kind == P_TOTP ? pr->totp_secret : pr->secret;
    if (secret) {
        p->secret_len = strlen(secret);
        p->secret = (uint8_t *)dupn(secret, p->secret_len);
        if (!p->secret) return WAMP_ENOMEM;
    }
    p->ticket_verify = pr->ticket_verify;
    p->ticket_user = pr->ticket_user;
    switch (p->kind) {
    case P_TICKET:
    case P_TOTP:
        if (!p->secret && !(p->kind == P_TICKET && p->ticket_verify)) {
            deny(out, NOT_AUTHORIZED, "principal has no secret");
            p->state = S_DONE;
            return WAMP_OK;
        }
        return challenge_(p, out, wamp_value_dict());
    case P_WAMPCRA: {
        if (!p->secret) {
            deny(out, NOT_AUTHORIZED, "principal has no secret");
            p->state = S_DONE;
            return WAMP_OK;
        }
        wamp_buf b = {0};
        rc = wampcra_challenge(p, h->session, &b);
        if (!rc && !(p->challenge_text = dupn((const char *)b.data, b.len))) rc = WAMP_ENOMEM;
        wamp_buf_free(&b);
        if (!rc)
            rc = wamp_auth_compute_wcs((wamp_str){(const char *)p->secret, p->secret_len},
                                       wamp_str_c(p->challenge_text), p->expected);
        wamp_value e = wamp_value_dict();
        if (!rc) rc = set_cstr(a, &e, "challenge", p->challenge_text);
        if (!rc && pr->salt) {
            rc = set_cstr(a, &e, "salt", pr->salt);
            if (!rc)
                rc = wamp_value_dict_setc(a, &e, "iterations",
                                          wamp_value_int(pr->iterations ? pr->iterations : 1000));
            if (!rc)
                rc = wamp_value_dict_setc(a, &e, "keylen",
                                          wamp_value_int(pr->keylen ? pr->keylen : 32));
        }
        return rc ? rc : challenge_(p, out, e);
    }
    case P_SCRAM:
    case P_WAMP_SCRAM:
        rc = hello_scram(p, h, pr, a, out);
        if (out->kind == WAMP_AUTH_DENY) p->state = S_DONE;
        return rc;
    default: break;
    }
    return WAMP_ESTATE;
}

/* ---------------------------------------------------------------- AUTHENTICATE */

/* Equality of two secrets of possibly different lengths without leaking where they differ
 * nor (through timing) their length: compare SHA-256 digests in constant time. */
static bool secret_eq(const void *a, size_t alen, const void *b, size_t blen)
{
    uint8_t ha[32], hb[32];
    wamp__crypto_sha256(ha, a ? a : "", alen);
    wamp__crypto_sha256(hb, b ? b : "", blen);
    return wamp__crypto_eq(ha, hb, 32);
}

static bool extra_str_eq(const wamp_value *extra, const char *key, const char *want)
{
    const wamp_value *v = extra ? wamp_value_dict_getc(extra, key) : NULL;
    wamp_str s;
    if (!want) return !v || wamp_value_is_null(v);
    return v && wamp_value_get_string(v, &s) && wamp_str_eqc(s, want);
}

static int auth_scram(wamp_auth_pending *p, wamp_str sig, const wamp_value *extra, wamp_arena *a,
                      wamp_auth_outcome *out)
{
    bool ab = p->kind == P_SCRAM;
    uint8_t proof[64];
    size_t plen = 0;
    if (wamp__crypto_unb64(proof, sizeof proof, &plen, sig.ptr, sig.len) || plen != 32) {
        deny(out, NOT_AUTHORIZED, "SCRAM proof must be 32 bytes of base64");
        return WAMP_OK;
    }
    char cbind64[128] = "";
    if (!ab) {
        /* the spec flavour repeats nonce and binding in AUTHENTICATE.Extra */
        if (p->cbind_type) wamp__crypto_b64_to(cbind64, p->channel_id, p->channel_id_len);
        if (!extra_str_eq(extra, "nonce", p->nonce) ||
            !extra_str_eq(extra, "channel_binding", p->cbind_type) ||
            !extra_str_eq(extra, "cbind_data", p->cbind_type ? cbind64 : NULL)) {
            deny(out, NOT_AUTHORIZED, "SCRAM nonce or channel binding mismatch");
            return WAMP_OK;
        }
    }
    wamp_buf am = {0};
    wamp_str cbt = ab ? (wamp_str){"", 0} : wamp_str_c(p->cbind_type);
    int rc =
        wamp__scram_auth_message(ab, &am, wamp_str_c(p->authid), wamp_str_c(p->client_nonce),
                                 wamp_str_c(p->nonce), wamp_str_c(p->salt_b64), p->cred.iterations,
                                 cbt, p->channel_id, p->cbind_type ? p->channel_id_len : 0);
    if (rc) {
        wamp_buf_free(&am);
        return rc;
    }
    uint8_t csig[32], ck[32], sk[32], ssig[32];
    wamp__crypto_hmac256(csig, p->cred.stored_key, 32, am.data, am.len);
    for (int i = 0; i < 32; i++)
        ck[i] = csig[i] ^ proof[i];
    wamp__crypto_sha256(sk, ck, 32);
    wamp__crypto_hmac256(ssig, p->cred.server_key, 32, am.data, am.len);
    wamp_buf_free(&am);
    bool ok = wamp__crypto_eq(sk, p->cred.stored_key, 32);
    sodium_memzero(ck, sizeof ck);
    if (!ok) {
        deny(out, NOT_AUTHORIZED, "SCRAM authentication failed");
        return WAMP_OK;
    }
    char b64[64];
    wamp__crypto_b64_to(b64, ssig, 32);
    return accept_(p, a, out, ab ? "scram_server_signature" : "verifier", b64);
}

WAMP_API int wamp_auth_pending_authenticate(wamp_auth_pending *p, wamp_str sig,
                                            const wamp_value *extra, wamp_arena *a,
                                            wamp_auth_outcome *out)
{
    if (!p || !a || !out || (!sig.ptr && sig.len)) return WAMP_EINVAL;
    if (p->state != S_CHALLENGED) return WAMP_ESTATE;
    p->state = S_DONE; /* one attempt only: a replayed AUTHENTICATE is a state error */
    if (extra && !wamp_value_is_null(extra) && wamp_value_type_of(extra) != WAMP_VALUE_DICT) {
        deny(out, NOT_AUTHORIZED, "AUTHENTICATE.Extra must be a dict");
        return WAMP_OK;
    }
    bool ok = false;
    int rc;
    switch (p->kind) {
    case P_TICKET:
        if (p->ticket_verify)
            ok = p->ticket_verify(p->ticket_user, wamp_str_c(p->authid), sig) == WAMP_OK;
        else
            ok = secret_eq(p->secret, p->secret_len, sig.ptr, sig.len);
        break;
    case P_TOTP:
        rc = wamp_auth_check_totp((wamp_str){(const char *)p->secret, p->secret_len}, sig,
                                  p->now_ms / 1000);
        if (rc != WAMP_OK && rc != WAMP_EAUTH) return rc;
        ok = rc == WAMP_OK;
        break;
    case P_WAMPCRA: ok = secret_eq(p->expected, strlen(p->expected), sig.ptr, sig.len); break;
    case P_SCRAM:
    case P_WAMP_SCRAM: return auth_scram(p, sig, extra, a, out);
    case P_CRYPTOSIGN:
        ok = wamp_cryptosign_verify_challenge(p->pubkey, p->challenge,
                                              p->bound ? p->channel_id : NULL, sig) == WAMP_OK;
        break;
    case P_ANONYMOUS: return WAMP_ESTATE;
    }
    if (!ok) {
        deny(out, NOT_AUTHORIZED, "invalid signature");
        return WAMP_OK;
    }
    return accept_(p, a, out, NULL, NULL);
}
