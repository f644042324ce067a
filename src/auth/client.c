/* Client authenticators (Autobahn's create_authenticator()): anonymous, ticket, totp, wampcra,
 * scram (Autobahn flavour), wamp-scram (spec flavour), cryptosign. Sans-I/O: they turn a
 * CHALLENGE into an AUTHENTICATE and check WELCOME; the session drives them. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include <wamp/cryptosign.h>

#include "auth/auth_int.h"
#include "crypto/crypto_util.h"

typedef enum kind {
    K_ANONYMOUS,
    K_TICKET,
    K_WAMPCRA,
    K_SCRAM,      /* Autobahn flavour */
    K_WAMP_SCRAM, /* spec flavour */
    K_CRYPTOSIGN,
} kind;

struct wamp_authenticator {
    kind kind;
    char *method;
    char *authid;
    char *authrole;
    wamp_arena *arena; /* holds the copied authextra */
    wamp_value authextra;
    uint8_t *secret;
    size_t secret_len;
    wamp_cryptosign_key *key;
    bool key_borrowed; /* an external signer given by the application */
    char *channel_binding;
    uint8_t channel_id[64];
    size_t channel_id_len;
    bool has_channel_id;
    /* SCRAM state */
    char client_nonce[96];
    bool nonce_fixed, have_nonce;
    bool challenged;
    wamp_buf auth_message;
    wamp__scram_salted salted;
};

static char *dup_c(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (d) memcpy(d, s, n + 1);
    return d;
}

WAMP_API void wamp_authenticator_free(wamp_authenticator *auth)
{
    if (!auth) return;
    free(auth->method);
    free(auth->authid);
    free(auth->authrole);
    wamp_arena_free(auth->arena);
    if (auth->secret) {
        sodium_memzero(auth->secret, auth->secret_len);
        free(auth->secret);
    }
    if (!auth->key_borrowed) wamp_cryptosign_key_free(auth->key);
    free(auth->channel_binding);
    if (auth->auth_message.data) sodium_memzero(auth->auth_message.data, auth->auth_message.len);
    wamp_buf_free(&auth->auth_message);
    sodium_memzero(auth, sizeof *auth);
    free(auth);
}

static bool kind_of(const char *method, kind *k)
{
    static const struct {
        const char *name;
        kind k;
    } table[] = {
        {"anonymous", K_ANONYMOUS},   {"ticket", K_TICKET}, {"totp", K_TICKET},
        {"wampcra", K_WAMPCRA},       {"scram", K_SCRAM},   {"wamp-scram", K_WAMP_SCRAM},
        {"cryptosign", K_CRYPTOSIGN},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(method, table[i].name) == 0) {
            *k = table[i].k;
            return true;
        }
    return false;
}

static int setup_cryptosign(wamp_authenticator *a, const wamp_auth_config *cfg)
{
    uint8_t seed[32];
    int rc;
    if (cfg->key && wamp_cryptosign_key_can_sign(cfg->key) &&
        wamp_cryptosign_key_seed(cfg->key, seed) != WAMP_OK) {
        /* a key in a security module: borrowed */
        a->key = (wamp_cryptosign_key *)cfg->key;
        a->key_borrowed = true;
    } else if (cfg->key) {
        rc = wamp_cryptosign_key_seed(cfg->key, seed);
        if (rc) return WAMP_EINVAL; /* a verification key cannot sign */
    } else if (cfg->privkey_hex) {
        if (wamp__crypto_unhex(seed, 32, cfg->privkey_hex, strlen(cfg->privkey_hex)))
            return WAMP_EINVAL;
    } else {
        return WAMP_EINVAL;
    }
    if (!a->key_borrowed) {
        rc = wamp_cryptosign_key_from_bytes(seed, NULL, &a->key);
        sodium_memzero(seed, sizeof seed);
        if (rc) return rc;
    }
    /* a pubkey given in authextra must be ours (as Autobahn checks) */
    const wamp_value *pk = wamp_value_dict_getc(&a->authextra, "pubkey");
    if (pk) {
        char hex[65];
        wamp_str s;
        wamp_cryptosign_key_public_hex(a->key, hex);
        if (!wamp_value_get_string(pk, &s) || s.len != 64 ||
            sodium_compare((const unsigned char *)hex, (const unsigned char *)s.ptr, 64) != 0)
            return WAMP_EINVAL;
    }
    const wamp_value *cb = wamp_value_dict_getc(&a->authextra, "channel_binding");
    if (!a->channel_binding && cb && !wamp_value_is_null(cb)) {
        wamp_str s;
        if (!wamp_value_get_string(cb, &s)) return WAMP_EINVAL;
        a->channel_binding = malloc(s.len + 1);
        if (!a->channel_binding) return WAMP_ENOMEM;
        memcpy(a->channel_binding, s.ptr, s.len);
        a->channel_binding[s.len] = 0;
    }
    /* the spec's two types (Autobahn knows only tls-unique); both give a 32-byte channel id */
    if (a->channel_binding && strcmp(a->channel_binding, "tls-unique") != 0 &&
        strcmp(a->channel_binding, "tls-exporter") != 0)
        return WAMP_EINVAL;
    return WAMP_OK;
}

WAMP_API int wamp_authenticator_new(const char *method, const wamp_auth_config *cfg,
                                    wamp_authenticator **out)
{
    static const wamp_auth_config none = {0};
    kind k;
    if (!method || !out) return WAMP_EINVAL;
    *out = NULL;
    if (!cfg) cfg = &none;
    if (!kind_of(method, &k)) return WAMP_EUNSUPPORTED;
    if (wamp__crypto_init()) return WAMP_ECRYPTO;
    bool needs_secret = k == K_TICKET || k == K_WAMPCRA || k == K_SCRAM || k == K_WAMP_SCRAM;
    bool needs_authid = k == K_WAMPCRA || k == K_SCRAM || k == K_WAMP_SCRAM;
    if ((needs_secret && !cfg->secret) || (needs_authid && !cfg->authid)) return WAMP_EINVAL;
    if (cfg->authextra && wamp_value_type_of(cfg->authextra) != WAMP_VALUE_DICT) return WAMP_EINVAL;

    wamp_authenticator *a = calloc(1, sizeof *a);
    if (!a) return WAMP_ENOMEM;
    a->kind = k;
    a->authextra = wamp_value_dict();
    int rc = WAMP_OK;
    a->method = dup_c(method);
    a->arena = wamp_arena_new(0);
    if (!a->method || !a->arena) rc = WAMP_ENOMEM;
    if (!rc && cfg->authid && !(a->authid = dup_c(cfg->authid))) rc = WAMP_ENOMEM;
    if (!rc && cfg->authrole && !(a->authrole = dup_c(cfg->authrole))) rc = WAMP_ENOMEM;
    if (!rc && cfg->authextra) rc = wamp_value_copy(a->arena, &a->authextra, cfg->authextra);
    if (!rc && cfg->channel_binding && !(a->channel_binding = dup_c(cfg->channel_binding)))
        rc = WAMP_ENOMEM;
    if (!rc && cfg->secret) {
        a->secret_len = cfg->secret_len ? cfg->secret_len : strlen(cfg->secret);
        a->secret = malloc(a->secret_len + 1);
        if (!a->secret)
            rc = WAMP_ENOMEM;
        else
            memcpy(a->secret, cfg->secret, a->secret_len);
    }
    if (!rc && cfg->client_nonce) {
        size_t n = strlen(cfg->client_nonce);
        if (n == 0 || n >= sizeof a->client_nonce) {
            rc = WAMP_EINVAL;
        } else {
            memcpy(a->client_nonce, cfg->client_nonce, n + 1);
            a->nonce_fixed = a->have_nonce = true;
        }
    }
    if (!rc && k == K_CRYPTOSIGN) rc = setup_cryptosign(a, cfg);
    if (rc) {
        wamp_authenticator_free(a);
        return rc;
    }
    *out = a;
    return WAMP_OK;
}

WAMP_API const char *wamp_authenticator_method(const wamp_authenticator *auth)
{
    return auth ? auth->method : NULL;
}

WAMP_API int wamp_authenticator_set_channel_id(wamp_authenticator *auth, const char *type,
                                               const uint8_t *id, size_t len)
{
    if (!auth || (!id && len) || len > sizeof auth->channel_id) return WAMP_EINVAL;
    if (type && auth->channel_binding && strcmp(type, auth->channel_binding) != 0)
        return WAMP_EINVAL;
    if (len) memcpy(auth->channel_id, id, len);
    auth->channel_id_len = len;
    auth->has_channel_id = id != NULL;
    return WAMP_OK;
}

static wamp_value str_val(wamp_arena *a, const char *s)
{
    return wamp_value_cstring(a, s);
}

static int set_str(wamp_arena *a, wamp_value *d, const char *key, const char *s)
{
    wamp_value v = str_val(a, s);
    if (wamp_value_is_null(&v)) return WAMP_ENOMEM;
    return wamp_value_dict_setc(a, d, key, v);
}

WAMP_API int wamp_authenticator_hello(wamp_authenticator *auth, wamp_arena *a, wamp_value *details)
{
    if (!auth || !a || !details || wamp_value_type_of(details) != WAMP_VALUE_DICT)
        return WAMP_EINVAL;
    wamp_value methods = wamp_value_list(), extra;
    wamp_value m = str_val(a, auth->method);
    if (wamp_value_is_null(&m)) return WAMP_ENOMEM;
    int rc = wamp_value_list_push(a, &methods, m);
    if (!rc) rc = wamp_value_dict_setc(a, details, "authmethods", methods);
    if (!rc && auth->authid) rc = set_str(a, details, "authid", auth->authid);
    if (!rc && auth->authrole) rc = set_str(a, details, "authrole", auth->authrole);
    if (!rc) rc = wamp_value_copy(a, &extra, &auth->authextra);
    if (rc) return rc;
    if (auth->kind == K_CRYPTOSIGN) {
        char hex[65];
        wamp_cryptosign_key_public_hex(auth->key, hex);
        rc = set_str(a, &extra, "pubkey", hex);
        if (!rc && auth->channel_binding)
            rc = set_str(a, &extra, "channel_binding", auth->channel_binding);
    } else if (auth->kind == K_SCRAM || auth->kind == K_WAMP_SCRAM) {
        if (!auth->nonce_fixed) {
            uint8_t raw[16];
            randombytes_buf(raw, sizeof raw);
            wamp__crypto_b64_to(auth->client_nonce, raw, sizeof raw);
            auth->have_nonce = true;
        }
        auth->challenged = false;
        rc = set_str(a, &extra, "nonce", auth->client_nonce);
        if (!rc && auth->kind == K_WAMP_SCRAM)
            rc = wamp_value_dict_setc(a, &extra, "channel_binding",
                                      auth->channel_binding ? str_val(a, auth->channel_binding)
                                                            : wamp_value_null());
    }
    if (!rc && wamp_value_count(&extra)) rc = wamp_value_dict_setc(a, details, "authextra", extra);
    return rc;
}

/* ---------------------------------------------------------------- challenge handlers */

static bool get_str(const wamp_value *d, const char *key, wamp_str *out)
{
    const wamp_value *v = wamp_value_dict_getc(d, key);
    return v && wamp_value_get_string(v, out);
}

static int get_u32(const wamp_value *d, const char *key, uint32_t dflt, uint32_t *out)
{
    int64_t i;
    const wamp_value *v = wamp_value_dict_getc(d, key);
    if (!v || wamp_value_is_null(v)) {
        *out = dflt;
        return WAMP_OK;
    }
    if (wamp_value_type_of(v) == WAMP_VALUE_BOOL || !wamp_value_get_int(v, &i) || i < 0 ||
        i > UINT32_MAX)
        return WAMP_EAUTH;
    *out = (uint32_t)i;
    return WAMP_OK;
}

static int answer_wampcra(wamp_authenticator *auth, const wamp_value *extra, wamp_arena *a,
                          wamp_value *sig)
{
    wamp_str challenge, salt;
    char out[WAMP_AUTH_WCS_SIZE];
    if (!get_str(extra, "challenge", &challenge)) return WAMP_EAUTH;
    wamp_str key = {(const char *)auth->secret, auth->secret_len};
    wamp_buf derived = {0};
    int rc = WAMP_OK;
    if (get_str(extra, "salt", &salt)) {
        uint32_t iterations, keylen;
        rc = get_u32(extra, "iterations", 1000, &iterations);
        if (!rc) rc = get_u32(extra, "keylen", 32, &keylen);
        if (!rc && (iterations == 0 || iterations > WAMP__SCRAM_MAX_ITERATIONS || keylen == 0 ||
                    keylen > 1024))
            rc = WAMP_EAUTH;
        if (!rc) rc = wamp_auth_derive_key(key, salt, iterations, keylen, &derived);
        key.ptr = (const char *)derived.data;
        key.len = derived.len;
    } else if (wamp_value_dict_getc(extra, "salt")) {
        rc = WAMP_EAUTH; /* salt present but not a string */
    }
    if (!rc) rc = wamp_auth_compute_wcs(key, challenge, out);
    if (derived.data) sodium_memzero(derived.data, derived.len);
    wamp_buf_free(&derived);
    if (rc) return rc;
    *sig = wamp_value_cstring(a, out);
    return wamp_value_is_null(sig) ? WAMP_ENOMEM : WAMP_OK;
}

static int answer_cryptosign(wamp_authenticator *auth, const wamp_value *extra, wamp_arena *a,
                             wamp_value *sig)
{
    wamp_str challenge;
    char out[WAMP_CRYPTOSIGN_SIGNED_HEX_SIZE];
    if (!get_str(extra, "challenge", &challenge) || challenge.len != 64) return WAMP_EAUTH;
    /* the binding in use, when the router states it, must be the one we asked for */
    const wamp_value *cb = wamp_value_dict_getc(extra, "channel_binding");
    if (cb) {
        wamp_str s = {0};
        bool is_null = wamp_value_is_null(cb);
        if (!is_null && !wamp_value_get_string(cb, &s)) return WAMP_EAUTH;
        if (is_null != !auth->channel_binding) return WAMP_EAUTH;
        if (!is_null && !wamp_str_eqc(s, auth->channel_binding)) return WAMP_EAUTH;
    }
    const uint8_t *cid = NULL;
    if (auth->channel_binding) {
        if (!auth->has_channel_id || auth->channel_id_len != 32) return WAMP_EAUTH;
        cid = auth->channel_id;
    }
    /* router authentication: when we sent a challenge and the router signed it, check it */
    wamp_str mine, rsig, rpub;
    if (get_str(&auth->authextra, "challenge", &mine) && get_str(extra, "signature", &rsig) &&
        get_str(extra, "pubkey", &rpub)) {
        uint8_t mc[32], pk[32];
        if (wamp__crypto_unhex(mc, 32, mine.ptr, mine.len) ||
            wamp__crypto_unhex(pk, 32, rpub.ptr, rpub.len) ||
            wamp_cryptosign_verify_challenge(pk, mc, cid, rsig) != WAMP_OK)
            return WAMP_EAUTH;
    }
    int rc = wamp_cryptosign_key_sign_challenge(auth->key, challenge, cid, out);
    if (rc) return rc;
    *sig = wamp_value_cstring(a, out);
    return wamp_value_is_null(sig) ? WAMP_ENOMEM : WAMP_OK;
}

static int answer_scram(wamp_authenticator *auth, const wamp_value *extra, wamp_arena *a,
                        wamp_value *sig, wamp_value *extra_out)
{
    bool ab = auth->kind == K_SCRAM;
    wamp_str nonce, salt, kdfname, cbind = {0};
    uint32_t iterations, memory;
    if (!auth->have_nonce) return WAMP_ESTATE;
    if (!get_str(extra, "nonce", &nonce) || !get_str(extra, "salt", &salt) ||
        !get_str(extra, "kdf", &kdfname) || !wamp_value_dict_getc(extra, "iterations"))
        return WAMP_EAUTH;
    if (ab) {
        /* Autobahn rejects keys it does not know */
        static const char *const known[] = {"nonce",      "kdf",    "salt",
                                            "iterations", "memory", "channel_binding"};
        for (size_t i = 0; i < wamp_value_count(extra); i++) {
            wamp_kv *kv = wamp_value_dict_entry(extra, i);
            bool ok = false;
            for (size_t j = 0; j < sizeof known / sizeof known[0]; j++)
                if (wamp_str_eqc(kv->key, known[j])) ok = true;
            if (!ok) return WAMP_EAUTH;
        }
    }
    int rc = get_u32(extra, "iterations", 0, &iterations);
    if (!rc) rc = get_u32(extra, "memory", 0, &memory);
    if (rc) return rc;
    wamp__scram_kdf kdf = wamp__scram_kdf_parse(kdfname);
    if (kdf == WAMP__KDF_NONE) return WAMP_EUNSUPPORTED;
    if (kdf == WAMP__KDF_ARGON2ID13 && memory == 0) return WAMP_EAUTH;
    size_t cn = strlen(auth->client_nonce);
    if (!ab && (nonce.len <= cn || memcmp(nonce.ptr, auth->client_nonce, cn) != 0))
        return WAMP_EAUTH;
    if (ab) {
        const wamp_value *cb = wamp_value_dict_getc(extra, "channel_binding");
        if (cb && !wamp_value_is_null(cb) && !wamp_value_get_string(cb, &cbind)) return WAMP_EAUTH;
        if (!cbind.ptr) cbind = (wamp_str){"", 0};
    } else if (auth->channel_binding) {
        if (!auth->has_channel_id) return WAMP_EAUTH;
        cbind = wamp_str_c(auth->channel_binding);
    }
    uint8_t raw_salt[256];
    size_t raw_len = 0;
    if (kdf == WAMP__KDF_ARGON2ID13 || !ab) {
        if (wamp__crypto_unb64(raw_salt, sizeof raw_salt, &raw_len, salt.ptr, salt.len))
            return WAMP_EAUTH;
    }
    wamp_str pw = {(const char *)auth->secret, auth->secret_len};
    rc = wamp__scram_salted_password(ab, kdf, pw, raw_salt, raw_len, salt.ptr, salt.len, iterations,
                                     memory, &auth->salted);
    if (rc) return rc == WAMP_ERANGE ? WAMP_EAUTH : rc;
    wamp_buf_clear(&auth->auth_message);
    rc = wamp__scram_auth_message(ab, &auth->auth_message, wamp_str_c(auth->authid),
                                  wamp_str_c(auth->client_nonce), nonce, salt, iterations, cbind,
                                  auth->channel_id,
                                  auth->has_channel_id && !ab ? auth->channel_id_len : 0);
    if (rc) return rc;
    uint8_t client_key[32], stored_key[32], proof[32];
    wamp__scram_keys(&auth->salted, client_key, stored_key, NULL);
    wamp__crypto_hmac256(proof, stored_key, 32, auth->auth_message.data, auth->auth_message.len);
    for (int i = 0; i < 32; i++)
        proof[i] ^= client_key[i];
    char b64[64];
    wamp__crypto_b64_to(b64, proof, sizeof proof);
    sodium_memzero(client_key, sizeof client_key);
    sodium_memzero(stored_key, sizeof stored_key);
    *sig = wamp_value_cstring(a, b64);
    if (wamp_value_is_null(sig)) return WAMP_ENOMEM;
    if (!ab) {
        rc =
            wamp_value_dict_setc(a, extra_out, "nonce", wamp_value_string(a, nonce.ptr, nonce.len));
        if (!rc)
            rc = wamp_value_dict_setc(a, extra_out, "channel_binding",
                                      auth->channel_binding ? str_val(a, auth->channel_binding)
                                                            : wamp_value_null());
        if (!rc && auth->channel_binding) {
            char cb64[128];
            wamp__crypto_b64_to(cb64, auth->channel_id, auth->channel_id_len);
            rc = set_str(a, extra_out, "cbind_data", cb64);
        } else if (!rc) {
            rc = wamp_value_dict_setc(a, extra_out, "cbind_data", wamp_value_null());
        }
        if (rc) return rc;
    }
    auth->challenged = true;
    return WAMP_OK;
}

WAMP_API int wamp_authenticator_on_challenge(wamp_authenticator *auth, wamp_str method,
                                             const wamp_value *extra, wamp_arena *a,
                                             wamp_value *signature, wamp_value *extra_out)
{
    static const wamp_value empty = {.type = WAMP_VALUE_DICT};
    if (!auth || !a || !signature || !extra_out) return WAMP_EINVAL;
    if (!extra || wamp_value_is_null(extra)) extra = &empty;
    if (wamp_value_type_of(extra) != WAMP_VALUE_DICT) return WAMP_EAUTH;
    if (auth->kind == K_ANONYMOUS || !wamp_str_eqc(method, auth->method)) return WAMP_EAUTH;
    *extra_out = wamp_value_dict();
    switch (auth->kind) {
    case K_TICKET:
        *signature = wamp_value_string(a, (const char *)auth->secret, auth->secret_len);
        return wamp_value_is_null(signature) ? WAMP_ENOMEM : WAMP_OK;
    case K_WAMPCRA: return answer_wampcra(auth, extra, a, signature);
    case K_CRYPTOSIGN: return answer_cryptosign(auth, extra, a, signature);
    case K_SCRAM:
    case K_WAMP_SCRAM: return answer_scram(auth, extra, a, signature, extra_out);
    case K_ANONYMOUS: break;
    }
    return WAMP_EAUTH;
}

WAMP_API int wamp_authenticator_on_welcome(wamp_authenticator *auth, const wamp_value *authextra)
{
    if (!auth) return WAMP_EINVAL;
    if (auth->kind != K_SCRAM && auth->kind != K_WAMP_SCRAM) return WAMP_OK;
    if (!auth->challenged) return WAMP_ESTATE;
    wamp_str alleged;
    const char *key = auth->kind == K_SCRAM ? "scram_server_signature" : "verifier";
    if (!authextra || !get_str(authextra, key, &alleged)) return WAMP_ESIGNATURE;
    uint8_t got[64], server_key[32], expect[32];
    size_t gotlen = 0;
    if (wamp__crypto_unb64(got, sizeof got, &gotlen, alleged.ptr, alleged.len) || gotlen != 32)
        return WAMP_ESIGNATURE;
    wamp__scram_keys(&auth->salted, NULL, NULL, server_key);
    wamp__crypto_hmac256(expect, server_key, 32, auth->auth_message.data, auth->auth_message.len);
    sodium_memzero(server_key, sizeof server_key);
    return wamp__crypto_eq(expect, got, 32) ? WAMP_OK : WAMP_ESIGNATURE;
}
