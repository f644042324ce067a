/* WAMP-Cryptosign certificate chains: EIP712DelegateCertificate + EIP712AuthorityCertificate
 * (intermediates) + a self-signed root, checked by the spec's Certificate Chain Rules CCR-1 ..
 * CCR-12, the trustroot and the session's Ed25519 key. The chain is peer input (HELLO
 * authextra.certificates): every field is type-checked, the chain length is bounded, and the
 * signed digests are computed from the spec's type definitions and domain, never from the
 * types the peer sent along. */
#include <string.h>

#include <wamp/cryptosign.h>
#include <wamp/ethkey.h>

#include "crypto/crypto_util.h"

#define MAX_CHAIN 16

typedef struct field {
    const char *name, *type;
} field;

static const field DELEGATE_FIELDS[] = {
    {"chainId", "uint256"},  {"verifyingContract", "address"}, {"validFrom", "uint256"},
    {"delegate", "address"}, {"csPubKey", "bytes32"},          {"bootedAt", "uint64"},
    {"meta", "string"},
};
static const field AUTHORITY_FIELDS[] = {
    {"chainId", "uint256"},     {"verifyingContract", "address"},
    {"validFrom", "uint256"},   {"issuer", "address"},
    {"subject", "address"},     {"realm", "address"},
    {"capabilities", "uint64"}, {"meta", "string"},
};

typedef struct cert {
    bool delegate_cert; /* EIP712DelegateCertificate, else EIP712AuthorityCertificate */
    uint64_t chain_id, valid_from, booted_at, capabilities;
    uint8_t verifying_contract[20];
    uint8_t delegate[20], cs_pubkey[32];        /* delegate certificate */
    uint8_t issuer[20], subject[20], realm[20]; /* authority certificate */
    wamp_str meta;
    uint8_t sig[65];
} cert;

static bool get_u64(const wamp_value *v, uint64_t *out)
{
    int64_t i;
    if (!v || wamp_value_type_of(v) == WAMP_VALUE_BOOL) return false;
    if (wamp_value_get_uint(v, out)) return true;
    if (!wamp_value_get_int(v, &i) || i < 0) return false;
    *out = (uint64_t)i;
    return true;
}

/* n bytes from BYTES of length n, or hex text (with "0x" when eth, optional otherwise). */
static bool get_fixed(const wamp_value *v, uint8_t *out, size_t n, bool eth)
{
    wamp_str s;
    if (!v) return false;
    if (wamp_value_get_bytes(v, &s)) {
        if (s.len != n) return false;
        memcpy(out, s.ptr, n);
        return true;
    }
    if (!wamp_value_get_string(v, &s)) return false;
    if (eth) /* "0x" required, as in the spec's and Autobahn's addresses */
        return s.len == 42 && s.ptr[0] == '0' && s.ptr[1] == 'x' &&
               wamp_eth_address_parse(s.ptr, s.len, out) == WAMP_OK;
    if (s.len == 2 * n + 2 && s.ptr[0] == '0' && (s.ptr[1] == 'x' || s.ptr[1] == 'X')) {
        s.ptr += 2;
        s.len -= 2;
    }
    return wamp__crypto_unhex(out, n, s.ptr, s.len) == WAMP_OK;
}

/* Parses one [typed data, signature] entry. */
static bool parse_cert(const wamp_value *entry, cert *c)
{
    wamp_str pt;
    memset(c, 0, sizeof *c);
    if (!entry || wamp_value_type_of(entry) != WAMP_VALUE_LIST || wamp_value_count(entry) != 2)
        return false;
    const wamp_value *typed = wamp_value_list_at(entry, 0);
    const wamp_value *sig = wamp_value_list_at(entry, 1);
    if (wamp_value_type_of(typed) != WAMP_VALUE_DICT || !get_fixed(sig, c->sig, 65, false))
        return false;
    const wamp_value *ptv = wamp_value_dict_getc(typed, "primaryType");
    const wamp_value *msg = wamp_value_dict_getc(typed, "message");
    if (!ptv || !wamp_value_get_string(ptv, &pt) || !msg ||
        wamp_value_type_of(msg) != WAMP_VALUE_DICT)
        return false;
    if (wamp_str_eqc(pt, "EIP712DelegateCertificate"))
        c->delegate_cert = true;
    else if (!wamp_str_eqc(pt, "EIP712AuthorityCertificate"))
        return false;
    /* exactly the fields of the type: each present once, nothing else */
    size_t nf = c->delegate_cert ? sizeof DELEGATE_FIELDS / sizeof DELEGATE_FIELDS[0]
                                 : sizeof AUTHORITY_FIELDS / sizeof AUTHORITY_FIELDS[0];
    if (wamp_value_count(msg) != nf || wamp_value_dict_check_unique(msg) != WAMP_OK) return false;
    const wamp_value *meta = wamp_value_dict_getc(msg, "meta");
    if (!get_u64(wamp_value_dict_getc(msg, "chainId"), &c->chain_id) ||
        !get_u64(wamp_value_dict_getc(msg, "validFrom"), &c->valid_from) ||
        !get_fixed(wamp_value_dict_getc(msg, "verifyingContract"), c->verifying_contract, 20,
                   true) ||
        !meta || !wamp_value_get_string(meta, &c->meta))
        return false;
    if (c->delegate_cert)
        return get_fixed(wamp_value_dict_getc(msg, "delegate"), c->delegate, 20, true) &&
               get_fixed(wamp_value_dict_getc(msg, "csPubKey"), c->cs_pubkey, 32, false) &&
               get_u64(wamp_value_dict_getc(msg, "bootedAt"), &c->booted_at);
    /* capability bits 8..63 are reserved and must be 0 */
    return get_fixed(wamp_value_dict_getc(msg, "issuer"), c->issuer, 20, true) &&
           get_fixed(wamp_value_dict_getc(msg, "subject"), c->subject, 20, true) &&
           get_fixed(wamp_value_dict_getc(msg, "realm"), c->realm, 20, true) &&
           get_u64(wamp_value_dict_getc(msg, "capabilities"), &c->capabilities) &&
           c->capabilities <= 0xff;
}

static int push_fields(wamp_arena *a, wamp_value *list, const field *fs, size_t n)
{
    int rc = WAMP_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        wamp_value f = wamp_value_dict();
        rc = wamp_value_dict_setc(a, &f, "name",
                                  wamp_value_string_borrow(fs[i].name, strlen(fs[i].name)));
        if (!rc)
            rc = wamp_value_dict_setc(a, &f, "type",
                                      wamp_value_string_borrow(fs[i].type, strlen(fs[i].type)));
        if (!rc) rc = wamp_value_list_push(a, list, f);
    }
    return rc;
}

#define SET(d, k, v)                                                                               \
    do {                                                                                           \
        if (!rc) rc = wamp_value_dict_setc(a, (d), (k), (v));                                      \
    } while (0)

/* The address that signed c, from typed data rebuilt with the spec's types and domain. */
static int recover_signer(const cert *c, uint8_t addr[20])
{
    static const field DOMAIN_FIELDS[] = {{"name", "string"}, {"version", "string"}};
    const char *ptype =
        c->delegate_cert ? "EIP712DelegateCertificate" : "EIP712AuthorityCertificate";
    wamp_arena *a = wamp_arena_new(2048);
    if (!a) return WAMP_ENOMEM;
    wamp_value typed = wamp_value_dict(), types = wamp_value_dict(), dom = wamp_value_list();
    wamp_value pf = wamp_value_list(), domain = wamp_value_dict(), msg = wamp_value_dict();
    int rc = push_fields(a, &dom, DOMAIN_FIELDS, 2);
    if (!rc)
        rc = c->delegate_cert ? push_fields(a, &pf, DELEGATE_FIELDS,
                                            sizeof DELEGATE_FIELDS / sizeof DELEGATE_FIELDS[0])
                              : push_fields(a, &pf, AUTHORITY_FIELDS,
                                            sizeof AUTHORITY_FIELDS / sizeof AUTHORITY_FIELDS[0]);
    SET(&types, "EIP712Domain", dom);
    SET(&types, ptype, pf);
    SET(&domain, "name", wamp_value_string_borrow("WMP", 3));
    SET(&domain, "version", wamp_value_string_borrow("1", 1));
    SET(&msg, "chainId", wamp_value_uint(c->chain_id));
    SET(&msg, "verifyingContract", wamp_value_bytes_borrow(c->verifying_contract, 20));
    SET(&msg, "validFrom", wamp_value_uint(c->valid_from));
    if (c->delegate_cert) {
        SET(&msg, "delegate", wamp_value_bytes_borrow(c->delegate, 20));
        SET(&msg, "csPubKey", wamp_value_bytes_borrow(c->cs_pubkey, 32));
        SET(&msg, "bootedAt", wamp_value_uint(c->booted_at));
    } else {
        SET(&msg, "issuer", wamp_value_bytes_borrow(c->issuer, 20));
        SET(&msg, "subject", wamp_value_bytes_borrow(c->subject, 20));
        SET(&msg, "realm", wamp_value_bytes_borrow(c->realm, 20));
        SET(&msg, "capabilities", wamp_value_uint(c->capabilities));
    }
    SET(&msg, "meta", wamp_value_string_borrow(c->meta.ptr, c->meta.len));
    SET(&typed, "types", types);
    SET(&typed, "primaryType", wamp_value_string_borrow(ptype, strlen(ptype)));
    SET(&typed, "domain", domain);
    SET(&typed, "message", msg);
    if (!rc) rc = wamp_eth_recover_typed_data(&typed, c->sig, addr);
    wamp_arena_free(a);
    return rc;
}

static int fail(wamp_cryptosign_cert_info *info, wamp_cert_check what, size_t index, int rc)
{
    if (info) {
        info->failed = what;
        info->index = index;
    }
    return rc;
}

/* CCR-10..12: c must be signed by signer. */
static int check_sig(const cert *c, const uint8_t signer[20], wamp_cert_check rule, size_t i,
                     wamp_cryptosign_cert_info *info)
{
    uint8_t addr[20];
    int rc = recover_signer(c, addr);
    if (rc == WAMP_ENOMEM) return fail(info, rule, i, rc);
    if (rc || !wamp__crypto_eq(addr, signer, 20)) return fail(info, rule, i, WAMP_ESIGNATURE);
    return WAMP_OK;
}

WAMP_API int wamp_cryptosign_verify_certificates(const wamp_value *certificates,
                                                 const uint8_t trustroot[20],
                                                 const uint8_t pubkey[32],
                                                 const wamp_cryptosign_cert_policy *policy,
                                                 wamp_cryptosign_cert_info *info)
{
    static const wamp_cryptosign_cert_policy none = {0};
    cert chain[MAX_CHAIN];
    if (info) memset(info, 0, sizeof *info);
    if (!policy) policy = &none;
    if (!trustroot || !pubkey || !certificates ||
        wamp_value_type_of(certificates) != WAMP_VALUE_LIST)
        return fail(info, WAMP_CERT_MALFORMED, 0, WAMP_EINVAL);
    size_t n = wamp_value_count(certificates);
    if (n > MAX_CHAIN) return fail(info, WAMP_CERT_CHAIN_LENGTH, 0, WAMP_ELIMIT);
    for (size_t i = 0; i < n; i++)
        if (!parse_cert(wamp_value_list_at(certificates, i), &chain[i]))
            return fail(info, WAMP_CERT_MALFORMED, i, WAMP_EINVAL);
    /* a delegate certificate alone (the rest pre-agreed or on-chain) is not supported */
    if (n < 2) return fail(info, WAMP_CERT_CHAIN_LENGTH, 0, WAMP_EUNSUPPORTED);
    const cert *del = &chain[0], *root = &chain[n - 1];

    /* CCR-3: a delegate certificate first, authority certificates after it */
    if (!del->delegate_cert) return fail(info, WAMP_CERT_CCR3, 0, WAMP_EAUTH);
    for (size_t i = 1; i < n; i++)
        if (chain[i].delegate_cert) return fail(info, WAMP_CERT_CCR3, i, WAMP_EAUTH);
    /* CCR-1: chainId and verifyingContract as expected (or at least the same throughout), no
     * certificate valid from a block after the current one */
    for (size_t i = 0; i < n; i++) {
        const cert *c = &chain[i];
        if ((policy->chain_id ? c->chain_id != policy->chain_id : c->chain_id != del->chain_id) ||
            memcmp(c->verifying_contract,
                   policy->verifying_contract ? policy->verifying_contract
                                              : del->verifying_contract,
                   20) != 0 ||
            (policy->block_number && c->valid_from > policy->block_number))
            return fail(info, WAMP_CERT_CCR1, i, WAMP_EAUTH);
    }
    /* CCR-2: the same realm (the expected one when given) in every authority certificate */
    for (size_t i = 1; i < n; i++)
        if (memcmp(chain[i].realm, policy->realm ? policy->realm : root->realm, 20) != 0)
            return fail(info, WAMP_CERT_CCR2, i, WAMP_EAUTH);
    /* CCR-4: the root is self-signed */
    if (memcmp(root->issuer, root->subject, 20) != 0)
        return fail(info, WAMP_CERT_CCR4, n - 1, WAMP_EAUTH);
    for (size_t i = 1; i + 1 < n; i++) {
        const cert *c = &chain[i], *up = &chain[i + 1];
        /* CCR-5: issued by the subject of the certificate above it */
        if (memcmp(c->issuer, up->subject, 20) != 0)
            return fail(info, WAMP_CERT_CCR5, i, WAMP_EAUTH);
        /* CCR-6: the issuing certificate valid from no later block */
        if (up->valid_from > c->valid_from) return fail(info, WAMP_CERT_CCR6, i, WAMP_EAUTH);
        /* CCR-7: capabilities a subset of the issuing certificate's */
        if (c->capabilities & ~up->capabilities) return fail(info, WAMP_CERT_CCR7, i, WAMP_EAUTH);
    }
    /* CCR-8: the certificate above the delegate certificate names the delegate as subject */
    if (memcmp(chain[1].subject, del->delegate, 20) != 0)
        return fail(info, WAMP_CERT_CCR8, 1, WAMP_EAUTH);
    /* CCR-9: ... and is valid from no later block */
    if (chain[1].valid_from > del->valid_from) return fail(info, WAMP_CERT_CCR9, 1, WAMP_EAUTH);
    /* the root is the trustroot the client announced; the delegate key is the session's */
    if (!wamp__crypto_eq(root->issuer, trustroot, 20))
        return fail(info, WAMP_CERT_TRUSTROOT, n - 1, WAMP_EAUTH);
    if (!wamp__crypto_eq(del->cs_pubkey, pubkey, 32))
        return fail(info, WAMP_CERT_PUBKEY, 0, WAMP_EAUTH);
    /* CCR-10, CCR-11: authority certificates signed by their issuers; CCR-12: the delegate
     * certificate signed by the delegate */
    for (size_t i = n; i-- > 0;) {
        const cert *c = &chain[i];
        int rc = i == n - 1 ? check_sig(c, c->issuer, WAMP_CERT_CCR10, i, info)
                 : i > 0    ? check_sig(c, c->issuer, WAMP_CERT_CCR11, i, info)
                            : check_sig(c, c->delegate, WAMP_CERT_CCR12, i, info);
        if (rc) return rc;
    }
    if (info) {
        info->failed = WAMP_CERT_OK;
        info->chain_id = del->chain_id;
        memcpy(info->verifying_contract, del->verifying_contract, 20);
        memcpy(info->realm, root->realm, 20);
        memcpy(info->delegate, del->delegate, 20);
        memcpy(info->root, root->issuer, 20);
        info->capabilities = chain[1].capabilities;
        info->booted_at = del->booted_at;
        info->valid_from = del->valid_from;
    }
    return WAMP_OK;
}
