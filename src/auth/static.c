/* Principals from a Crossbar-style static authentication configuration. */
#include <string.h>

#include "auth/auth_int.h"
#include "crypto/crypto_util.h"

static const wamp_value *get(const wamp_value *d, const char *k)
{
    const wamp_value *v = d ? wamp_value_dict_getc(d, k) : NULL;
    return v && !wamp_value_is_null(v) ? v : NULL;
}

/* Copies a string field into the arena as a C string; absent: *out NULL. */
static int str_field(const wamp_value *d, const char *k, wamp_arena *a, const char **out)
{
    wamp_str s;
    const wamp_value *v = get(d, k);
    *out = NULL;
    if (!v) return WAMP_OK;
    if (!wamp_value_get_string(v, &s) || memchr(s.ptr, 0, s.len)) return WAMP_ECONFIG;
    if (!(*out = wamp_arena_strndup(a, s.ptr, s.len))) return WAMP_ENOMEM;
    return WAMP_OK;
}

static int u32_field(const wamp_value *d, const char *k, uint32_t *out)
{
    int64_t i;
    const wamp_value *v = get(d, k);
    *out = 0;
    if (!v) return WAMP_OK;
    if (wamp_value_type_of(v) == WAMP_VALUE_BOOL || !wamp_value_get_int(v, &i) || i < 0 ||
        i > UINT32_MAX)
        return WAMP_ECONFIG;
    *out = (uint32_t)i;
    return WAMP_OK;
}

/* The entry of dict `table` whose key is authid. */
static const wamp_value *entry(const wamp_value *table, wamp_str authid)
{
    if (!table || wamp_value_type_of(table) != WAMP_VALUE_DICT || !authid.ptr) return NULL;
    return wamp_value_dict_get(table, authid.ptr, authid.len);
}

static bool has_key(const wamp_value *keys, const uint8_t pk[32])
{
    for (size_t i = 0; i < wamp_value_count(keys); i++) {
        wamp_str s;
        uint8_t k[32];
        if (wamp_value_get_string(wamp_value_list_at(keys, i), &s) &&
            wamp__crypto_unhex(k, 32, s.ptr, s.len) == WAMP_OK && wamp__crypto_eq(k, pk, 32))
            return true;
    }
    return false;
}

static int cryptosign_entry(const wamp_value *principals, const wamp_auth_hello *h,
                            const wamp_value **e, wamp_str *authid)
{
    wamp_str pks;
    uint8_t pk[32];
    const wamp_value *pv = get(h->authextra, "pubkey");
    if (!pv || !wamp_value_get_string(pv, &pks) || wamp__crypto_unhex(pk, 32, pks.ptr, pks.len))
        return WAMP_ENOTFOUND;
    if (!principals || wamp_value_type_of(principals) != WAMP_VALUE_DICT) return WAMP_ENOTFOUND;
    for (size_t i = 0; i < wamp_value_count(principals); i++) {
        wamp_kv *kv = wamp_value_dict_entry(principals, i);
        if (h->authid.ptr && !wamp_str_eq(kv->key, h->authid)) continue;
        const wamp_value *keys = get(&kv->value, "authorized_keys");
        if (keys && wamp_value_type_of(keys) == WAMP_VALUE_LIST && has_key(keys, pk)) {
            *e = &kv->value;
            *authid = kv->key;
            return WAMP_OK;
        }
    }
    return WAMP_ENOTFOUND;
}

static int fill_keys(const wamp_value *e, wamp_arena *a, wamp_auth_principal *out)
{
    const wamp_value *keys = get(e, "authorized_keys");
    if (!keys || wamp_value_type_of(keys) != WAMP_VALUE_LIST) return WAMP_ECONFIG;
    size_t n = wamp_value_count(keys);
    uint8_t(*arr)[32] = wamp_arena_alloc(a, n ? n * 32 : 1);
    if (!arr) return WAMP_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        wamp_str s;
        if (!wamp_value_get_string(wamp_value_list_at(keys, i), &s) ||
            wamp__crypto_unhex(arr[i], 32, s.ptr, s.len))
            return WAMP_ECONFIG;
    }
    out->authorized_keys = (const uint8_t(*)[32])arr;
    out->authorized_count = n;
    return WAMP_OK;
}

WAMP_API int wamp_auth_static_principal(const char *method, const wamp_value *config,
                                        const wamp_auth_hello *h, wamp_arena *a,
                                        wamp_auth_principal *out)
{
    static const wamp_auth_hello none = {0};
    if (!method || !config || !a || !out) return WAMP_EINVAL;
    if (!h) h = &none;
    memset(out, 0, sizeof *out);
    if (wamp_value_type_of(config) != WAMP_VALUE_DICT) return WAMP_ECONFIG;
    wamp_str type;
    const wamp_value *tv = get(config, "type");
    if (!tv || !wamp_value_get_string(tv, &type)) return WAMP_ECONFIG;
    if (!wamp_str_eqc(type, "static")) return WAMP_EUNSUPPORTED;
    const char *dflt_role;
    int rc = str_field(config, "default-role", a, &dflt_role);
    if (rc) return rc;

    wamp_str m = wamp_str_c(method);
    if (wamp_str_eqc(m, "anonymous")) {
        rc = str_field(config, "role", a, &out->authrole);
        if (!rc) rc = str_field(config, "authid", a, &out->authid);
        if (!rc && !out->authrole) out->authrole = dflt_role ? dflt_role : "anonymous";
        return rc;
    }
    const wamp_value *e = NULL;
    wamp_str authid = h->authid;
    if (wamp_str_eqc(m, "wampcra")) {
        e = entry(get(config, "users"), authid);
    } else if (wamp_str_eqc(m, "cryptosign")) {
        rc = cryptosign_entry(get(config, "principals"), h, &e, &authid);
        if (rc) return rc;
    } else if (wamp_str_eqc(m, "ticket") || wamp_str_eqc(m, "totp") || wamp_str_eqc(m, "scram") ||
               wamp_str_eqc(m, "wamp-scram")) {
        e = entry(get(config, "principals"), authid);
    } else {
        return WAMP_EUNSUPPORTED;
    }
    if (!e) return WAMP_ENOTFOUND;
    if (wamp_value_type_of(e) != WAMP_VALUE_DICT) return WAMP_ECONFIG;

    rc = str_field(e, "role", a, &out->authrole);
    if (!rc && !out->authrole) out->authrole = dflt_role;
    if (!rc && !out->authrole) rc = WAMP_ECONFIG;
    if (!rc) rc = str_field(e, "realm", a, &out->realm);
    if (!rc) rc = str_field(e, "authid", a, &out->authid);
    if (!rc && !out->authid && !(out->authid = wamp_arena_strndup(a, authid.ptr, authid.len)))
        rc = WAMP_ENOMEM;
    const wamp_value *extra = get(e, "extra");
    if (!rc && extra) {
        if (wamp_value_type_of(extra) != WAMP_VALUE_DICT) return WAMP_ECONFIG;
        out->authextra = extra;
    }
    if (rc) return rc;
    if (wamp_str_eqc(m, "ticket")) {
        rc = str_field(e, "ticket", a, &out->secret);
        if (!rc && !out->secret) rc = WAMP_ECONFIG;
    } else if (wamp_str_eqc(m, "totp")) {
        rc = str_field(e, "secret", a, &out->totp_secret);
        if (!rc && !out->totp_secret) rc = WAMP_ECONFIG;
    } else if (wamp_str_eqc(m, "wampcra")) {
        rc = str_field(e, "secret", a, &out->secret);
        if (!rc && !out->secret) rc = WAMP_ECONFIG;
        if (!rc) rc = str_field(e, "salt", a, &out->salt);
        if (!rc) rc = u32_field(e, "iterations", &out->iterations);
        if (!rc) rc = u32_field(e, "keylen", &out->keylen);
    } else if (wamp_str_eqc(m, "cryptosign")) {
        rc = fill_keys(e, a, out);
    } else {
        wamp_scram_credential *c = wamp_arena_alloc(a, sizeof *c);
        if (!c) return WAMP_ENOMEM;
        rc = wamp_scram_credential_from_value(e, c);
        if (rc == WAMP_EINVAL) rc = WAMP_ECONFIG;
        out->scram = c;
    }
    return rc;
}
