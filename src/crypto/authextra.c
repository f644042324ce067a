/* HELLO.Details.authextra of WAMP-Cryptosign (Autobahn's CryptosignAuthextra). */
#include <string.h>

#include "crypto/crypto_util.h"
#include "crypto/cryptosign_int.h"

static int get_hex(const wamp_value *d, const char *key, uint8_t *out, size_t n, bool *has,
                   bool eth)
{
    wamp_str s;
    const wamp_value *v = wamp_value_dict_getc(d, key);
    if (!v || wamp_value_is_null(v)) return WAMP_OK;
    if (!wamp_value_get_string(v, &s)) return WAMP_EINVAL;
    if (eth) {
        if (s.len < 2 || s.ptr[0] != '0' || (s.ptr[1] != 'x' && s.ptr[1] != 'X'))
            return WAMP_EINVAL;
        s.ptr += 2;
        s.len -= 2;
    }
    if (wamp__crypto_unhex(out, n, s.ptr, s.len)) return WAMP_EINVAL;
    *has = true;
    return WAMP_OK;
}

static int get_int(const wamp_value *d, const char *key, int64_t *out)
{
    const wamp_value *v = wamp_value_dict_getc(d, key);
    if (!v || wamp_value_is_null(v)) return WAMP_OK;
    if (wamp_value_type_of(v) == WAMP_VALUE_BOOL || !wamp_value_get_int(v, out)) return WAMP_EINVAL;
    return WAMP_OK;
}

WAMP_API int wamp_cryptosign_authextra_parse(const wamp_value *dict, wamp_cryptosign_authextra *out)
{
    wamp_cryptosign_authextra ae;
    memset(&ae, 0, sizeof ae);
    if (!out || !dict || wamp_value_type_of(dict) != WAMP_VALUE_DICT) return WAMP_EINVAL;
    int rc = get_hex(dict, "pubkey", ae.pubkey, 32, &ae.has_pubkey, false);
    if (!rc) rc = get_hex(dict, "challenge", ae.challenge, 32, &ae.has_challenge, false);
    if (!rc) rc = get_hex(dict, "channel_id", ae.channel_id, 32, &ae.has_channel_id, false);
    if (!rc) rc = get_hex(dict, "trustroot", ae.trustroot, 20, &ae.has_trustroot, true);
    if (!rc) rc = get_hex(dict, "signature", ae.signature, 65, &ae.has_signature, false);
    const wamp_value *cb = wamp_value_dict_getc(dict, "channel_binding");
    if (!rc && cb && !wamp_value_is_null(cb)) {
        wamp_str s;
        if (!wamp_value_get_string(cb, &s))
            rc = WAMP_EINVAL;
        else if (wamp_str_eqc(s, "tls-unique"))
            ae.channel_binding = "tls-unique";
        else if (wamp_str_eqc(s, "tls-exporter"))
            ae.channel_binding = "tls-exporter";
        else
            rc = WAMP_EINVAL;
    }
    const wamp_value *res = wamp_value_dict_getc(dict, "reservation");
    if (!rc && res && !wamp_value_is_null(res)) {
        if (wamp_value_type_of(res) != WAMP_VALUE_DICT) return WAMP_EINVAL;
        rc = get_int(res, "chain_id", &ae.chain_id);
        if (!rc) rc = get_int(res, "block_no", &ae.block_no);
        if (!rc) rc = get_int(res, "bandwidth", &ae.bandwidth);
        if (!rc) rc = get_hex(res, "realm", ae.realm, 20, &ae.has_realm, true);
        if (!rc) rc = get_hex(res, "delegate", ae.delegate, 20, &ae.has_delegate, true);
        if (!rc) rc = get_hex(res, "seeder", ae.seeder, 20, &ae.has_seeder, true);
    }
    const wamp_value *certs = wamp_value_dict_getc(dict, "certificates");
    if (!rc && certs && !wamp_value_is_null(certs)) {
        if (wamp_value_type_of(certs) != WAMP_VALUE_LIST) return WAMP_EINVAL;
        ae.certificates = certs;
    }
    if (!rc) *out = ae;
    return rc;
}

static int put_hex(wamp_arena *a, wamp_value *d, const char *key, const uint8_t *b, size_t n,
                   bool eth)
{
    char text[2 + 2 * 65 + 1];
    size_t off = 0;
    if (eth) {
        text[0] = '0';
        text[1] = 'x';
        off = 2;
    }
    wamp__crypto_hex(text + off, b, n);
    wamp_value s = wamp_value_cstring(a, text);
    if (wamp_value_is_null(&s)) return WAMP_ENOMEM;
    return wamp_value_dict_setc(a, d, key, s);
}

WAMP_API int wamp_cryptosign_authextra_marshal(const wamp_cryptosign_authextra *ae, wamp_arena *a,
                                               wamp_value *out)
{
    if (!ae || !a || !out) return WAMP_EINVAL;
    wamp_value d = wamp_value_dict(), r = wamp_value_dict();
    int rc = WAMP_OK;
    if (ae->has_pubkey) rc = put_hex(a, &d, "pubkey", ae->pubkey, 32, false);
    if (!rc && ae->has_challenge) rc = put_hex(a, &d, "challenge", ae->challenge, 32, false);
    if (!rc && ae->channel_binding)
        rc = wamp_value_dict_setc(
            a, &d, "channel_binding",
            wamp_value_string_borrow(ae->channel_binding, strlen(ae->channel_binding)));
    if (!rc && ae->has_channel_id) rc = put_hex(a, &d, "channel_id", ae->channel_id, 32, false);
    if (!rc && ae->has_trustroot) rc = put_hex(a, &d, "trustroot", ae->trustroot, 20, true);
    if (!rc && ae->chain_id)
        rc = wamp_value_dict_setc(a, &r, "chain_id", wamp_value_int(ae->chain_id));
    if (!rc && ae->block_no)
        rc = wamp_value_dict_setc(a, &r, "block_no", wamp_value_int(ae->block_no));
    if (!rc && ae->has_realm) rc = put_hex(a, &r, "realm", ae->realm, 20, true);
    if (!rc && ae->has_delegate) rc = put_hex(a, &r, "delegate", ae->delegate, 20, true);
    if (!rc && ae->has_seeder) rc = put_hex(a, &r, "seeder", ae->seeder, 20, true);
    if (!rc && ae->bandwidth)
        rc = wamp_value_dict_setc(a, &r, "bandwidth", wamp_value_int(ae->bandwidth));
    if (!rc && wamp_value_count(&r)) rc = wamp_value_dict_setc(a, &d, "reservation", r);
    if (!rc && ae->has_signature) rc = put_hex(a, &d, "signature", ae->signature, 65, false);
    if (!rc && ae->certificates)
        rc = wamp_value_dict_setc(a, &d, "certificates", *ae->certificates);
    if (!rc) *out = d;
    return rc;
}
