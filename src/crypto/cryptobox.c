/* WAMP-cryptobox (Autobahn's cryptobox.KeyRing): per-URI Curve25519 key sets, NaCl Box
 * (libsodium crypto_box, precomputed) over the JSON of {"uri", "args", "kwargs"}. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include <wamp/cryptobox.h>
#include <wamp/message.h>
#include <wamp/serializer.h>

#include "crypto/crypto_util.h"

typedef struct entry {
    char *uri; /* "" for the default key */
    size_t urilen;
    bool has_orig, has_resp;
    uint8_t orig[crypto_box_BEFORENMBYTES]; /* Box(originator_priv, responder_pub) */
    uint8_t resp[crypto_box_BEFORENMBYTES]; /* Box(responder_priv, originator_pub) */
} entry;

struct wamp_keyring {
    entry *e;
    size_t n, cap;
};

WAMP_API const char *wamp_cryptobox_error_uri(int err)
{
    return err == WAMP_ETRUSTEDURI ? WAMP_ERROR_ENC_TRUSTED_URI_MISMATCH
                                   : WAMP_ERROR_ENC_DECRYPT_ERROR;
}

static int gen(uint8_t pk[32], uint8_t sk[32])
{
    if (wamp__crypto_init()) return WAMP_ECRYPTO;
    return crypto_box_keypair(pk, sk) ? WAMP_ECRYPTO : WAMP_OK;
}

WAMP_API int wamp_cryptobox_generate_key(char priv[WAMP_CRYPTOBOX_KEY_B64_SIZE],
                                         char pub[WAMP_CRYPTOBOX_KEY_B64_SIZE])
{
    uint8_t pk[32], sk[32];
    if (!priv || !pub) return WAMP_EINVAL;
    int rc = gen(pk, sk);
    if (rc) return rc;
    wamp__crypto_b64_to(priv, sk, 32);
    wamp__crypto_b64_to(pub, pk, 32);
    sodium_memzero(sk, sizeof sk);
    return WAMP_OK;
}

WAMP_API int wamp_cryptobox_generate_key_hex(char priv[WAMP_CRYPTOBOX_KEY_HEX_SIZE],
                                             char pub[WAMP_CRYPTOBOX_KEY_HEX_SIZE])
{
    uint8_t pk[32], sk[32];
    if (!priv || !pub) return WAMP_EINVAL;
    int rc = gen(pk, sk);
    if (rc) return rc;
    wamp__crypto_hex(priv, sk, 32);
    wamp__crypto_hex(pub, pk, 32);
    sodium_memzero(sk, sizeof sk);
    return WAMP_OK;
}

static int key32(const char *b64, uint8_t out[32])
{
    size_t len;
    if (wamp__crypto_unb64(out, 32, &len, b64, strlen(b64)) || len != 32) return WAMP_EINVAL;
    return WAMP_OK;
}

WAMP_API int wamp_cryptobox_public_key(const char *priv, char pub[WAMP_CRYPTOBOX_KEY_B64_SIZE])
{
    uint8_t sk[32], pk[32];
    if (!priv || !pub || wamp__crypto_init()) return WAMP_EINVAL;
    int rc = key32(priv, sk);
    if (!rc) {
        crypto_scalarmult_base(pk, sk);
        wamp__crypto_b64_to(pub, pk, 32);
    }
    sodium_memzero(sk, sizeof sk);
    return rc;
}

WAMP_API int wamp_keyring_new(wamp_keyring **out)
{
    if (!out) return WAMP_EINVAL;
    *out = NULL;
    if (wamp__crypto_init()) return WAMP_ECRYPTO;
    *out = calloc(1, sizeof **out);
    return *out ? WAMP_OK : WAMP_ENOMEM;
}

static void entry_wipe(entry *e)
{
    free(e->uri);
    sodium_memzero(e, sizeof *e);
}

WAMP_API void wamp_keyring_free(wamp_keyring *kr)
{
    if (!kr) return;
    for (size_t i = 0; i < kr->n; i++)
        entry_wipe(&kr->e[i]);
    free(kr->e);
    free(kr);
}

/* One side's private and public key: the public key is derived from the private one when
 * given (and must match a stated public key). Returns WAMP_OK with *have set. */
static int side(const char *priv_b64, const char *pub_b64, uint8_t sk[32], uint8_t pk[32],
                bool *have_sk, bool *have_pk)
{
    *have_sk = *have_pk = false;
    if (priv_b64) {
        if (key32(priv_b64, sk)) return WAMP_EINVAL;
        crypto_scalarmult_base(pk, sk);
        *have_sk = *have_pk = true;
    }
    if (pub_b64) {
        uint8_t p[32];
        if (key32(pub_b64, p)) return WAMP_EINVAL;
        if (*have_pk && sodium_memcmp(p, pk, 32) != 0) return WAMP_EINVAL;
        memcpy(pk, p, 32);
        *have_pk = true;
    }
    return WAMP_OK;
}

static int make_entry(const wamp_cryptobox_key *key, entry *e)
{
    uint8_t osk[32], opk[32], rsk[32], rpk[32];
    bool osk_ok, opk_ok, rsk_ok, rpk_ok;
    int rc = side(key->originator_priv, key->originator_pub, osk, opk, &osk_ok, &opk_ok);
    if (!rc) rc = side(key->responder_priv, key->responder_pub, rsk, rpk, &rsk_ok, &rpk_ok);
    if (!rc) {
        e->has_orig = osk_ok && rpk_ok;
        e->has_resp = rsk_ok && opk_ok;
        if (e->has_orig && crypto_box_beforenm(e->orig, rpk, osk)) rc = WAMP_EINVAL;
        if (e->has_resp && crypto_box_beforenm(e->resp, opk, rsk)) rc = WAMP_EINVAL;
        if (!e->has_orig && !e->has_resp) rc = WAMP_EINVAL;
    }
    sodium_memzero(osk, sizeof osk);
    sodium_memzero(rsk, sizeof rsk);
    return rc;
}

static entry *find_exact(wamp_keyring *kr, const char *uri, size_t len)
{
    for (size_t i = 0; i < kr->n; i++)
        if (kr->e[i].urilen == len && memcmp(kr->e[i].uri, uri, len) == 0) return &kr->e[i];
    return NULL;
}

WAMP_API int wamp_keyring_set_key(wamp_keyring *kr, const char *uri, const wamp_cryptobox_key *key)
{
    if (!kr || !uri) return WAMP_EINVAL;
    size_t len = strlen(uri);
    entry *old = find_exact(kr, uri, len);
    if (!key) {
        if (old) {
            entry_wipe(old);
            *old = kr->e[--kr->n];
        }
        return WAMP_OK;
    }
    entry e = {0};
    int rc = make_entry(key, &e);
    if (rc) {
        sodium_memzero(&e, sizeof e);
        return rc;
    }
    if (old) {
        e.uri = old->uri;
        e.urilen = old->urilen;
        sodium_memzero(old, sizeof *old);
        *old = e;
        return WAMP_OK;
    }
    if (kr->n == kr->cap) {
        size_t cap = kr->cap ? kr->cap * 2 : 8;
        entry *ne = calloc(cap, sizeof *ne);
        if (!ne) {
            sodium_memzero(&e, sizeof e);
            return WAMP_ENOMEM;
        }
        if (kr->n) memcpy(ne, kr->e, kr->n * sizeof *ne);
        if (kr->e) sodium_memzero(kr->e, kr->n * sizeof *ne);
        free(kr->e);
        kr->e = ne;
        kr->cap = cap;
    }
    e.uri = malloc(len + 1);
    if (!e.uri) {
        sodium_memzero(&e, sizeof e);
        return WAMP_ENOMEM;
    }
    memcpy(e.uri, uri, len + 1);
    e.urilen = len;
    kr->e[kr->n++] = e;
    return WAMP_OK;
}

WAMP_API int wamp_keyring_set_shared_key(wamp_keyring *kr, const char *uri, const char *priv)
{
    if (!priv) return WAMP_EINVAL;
    wamp_cryptobox_key k = {.originator_priv = priv, .responder_priv = priv};
    return wamp_keyring_set_key(kr, uri, &k);
}

/* The box key for uri: the longest string-prefix match (non-default), else the default. */
static const uint8_t *lookup(const wamp_keyring *kr, bool is_originating, wamp_str uri)
{
    const entry *best = NULL, *def = NULL;
    for (size_t i = 0; i < kr->n; i++) {
        const entry *e = &kr->e[i];
        if (e->urilen == 0) {
            def = e;
            continue;
        }
        if (e->urilen <= uri.len && memcmp(e->uri, uri.ptr, e->urilen) == 0 &&
            (!best || e->urilen > best->urilen))
            best = e;
    }
    if (!best) best = def;
    if (!best) return NULL;
    if (is_originating) return best->has_orig ? best->orig : NULL;
    return best->has_resp ? best->resp : NULL;
}

WAMP_API int wamp_keyring_encode(wamp_keyring *kr, bool is_originating, wamp_str uri,
                                 const wamp_value *args, const wamp_value *kwargs, wamp_arena *a,
                                 wamp_encoded_payload *out, bool *encoded)
{
    if (!kr || !a || !out || !encoded || (!uri.ptr && uri.len)) return WAMP_EINVAL;
    *encoded = false;
    memset(out, 0, sizeof *out);
    if (args && wamp_value_type_of(args) != WAMP_VALUE_LIST) return WAMP_EINVAL;
    if (kwargs && wamp_value_type_of(kwargs) != WAMP_VALUE_DICT) return WAMP_EINVAL;
    const uint8_t *k = lookup(kr, is_originating, uri);
    if (!k) return WAMP_OK;

    wamp_value p = wamp_value_dict();
    int rc =
        wamp_value_dict_setc(a, &p, "uri", wamp_value_string(a, uri.ptr ? uri.ptr : "", uri.len));
    if (!rc) rc = wamp_value_dict_setc(a, &p, "args", args ? *args : wamp_value_null());
    if (!rc) rc = wamp_value_dict_setc(a, &p, "kwargs", kwargs ? *kwargs : wamp_value_null());
    if (rc) return rc;
    wamp_buf plain = {0};
    rc = wamp_value_encode(WAMP_SER_JSON, &p, &plain);
    if (rc) {
        wamp_buf_free(&plain);
        return rc;
    }
    size_t n = crypto_box_NONCEBYTES + crypto_box_MACBYTES + plain.len;
    uint8_t *c = wamp_arena_alloc(a, n);
    if (!c) rc = WAMP_ENOMEM;
    if (!rc) {
        randombytes_buf(c, crypto_box_NONCEBYTES);
        if (crypto_box_easy_afternm(c + crypto_box_NONCEBYTES, plain.data, plain.len, c, k))
            rc = WAMP_ECRYPTO;
    }
    sodium_memzero(plain.data, plain.len);
    wamp_buf_free(&plain);
    if (rc) return rc;
    out->payload = (wamp_str){(const char *)c, n};
    out->enc_algo = wamp_str_c("cryptobox");
    out->enc_serializer = wamp_str_c("json");
    *encoded = true;
    return WAMP_OK;
}

WAMP_API int wamp_keyring_decode(wamp_keyring *kr, bool is_originating, wamp_str uri,
                                 const wamp_encoded_payload *in, wamp_arena *a, wamp_value *args,
                                 wamp_value *kwargs)
{
    if (!kr || !in || !a || !args || !kwargs || (!uri.ptr && uri.len)) return WAMP_EINVAL;
    *args = wamp_value_null();
    *kwargs = wamp_value_null();
    if (!wamp_str_eqc(in->enc_algo, "cryptobox")) return WAMP_EUNSUPPORTED;
    if (in->enc_serializer.len && !wamp_str_eqc(in->enc_serializer, "json"))
        return WAMP_EUNSUPPORTED;
    const uint8_t *k = lookup(kr, is_originating, uri);
    if (!k) return WAMP_EDECRYPT;
    size_t n = in->payload.len;
    if (n < crypto_box_NONCEBYTES + crypto_box_MACBYTES || !in->payload.ptr) return WAMP_EDECRYPT;
    size_t mlen = n - crypto_box_NONCEBYTES - crypto_box_MACBYTES;
    uint8_t *m = wamp_arena_alloc(a, mlen + 1);
    if (!m) return WAMP_ENOMEM;
    const uint8_t *c = (const uint8_t *)in->payload.ptr;
    if (crypto_box_open_easy_afternm(m, c + crypto_box_NONCEBYTES, n - crypto_box_NONCEBYTES, c, k))
        return WAMP_EDECRYPT;
    wamp_value p;
    wamp_decode_opts o = {.copy_strings = false};
    if (wamp_value_decode(WAMP_SER_JSON, m, mlen, a, &o, &p) ||
        wamp_value_type_of(&p) != WAMP_VALUE_DICT)
        return WAMP_EDECRYPT;
    const wamp_value *pu = wamp_value_dict_getc(&p, "uri");
    const wamp_value *pa = wamp_value_dict_getc(&p, "args");
    const wamp_value *pk = wamp_value_dict_getc(&p, "kwargs");
    wamp_str inner;
    if (pa && !wamp_value_is_null(pa) && wamp_value_type_of(pa) != WAMP_VALUE_LIST)
        return WAMP_EDECRYPT;
    if (pk && !wamp_value_is_null(pk) && wamp_value_type_of(pk) != WAMP_VALUE_DICT)
        return WAMP_EDECRYPT;
    if (!pu || !wamp_value_get_string(pu, &inner) || inner.len != uri.len ||
        (uri.len && memcmp(inner.ptr, uri.ptr, uri.len) != 0))
        return WAMP_ETRUSTEDURI;
    if (pa) *args = *pa;
    if (pk) *kwargs = *pk;
    return WAMP_OK;
}

static int codec_encode(void *user, bool is_originating, wamp_str uri, const wamp_value *args,
                        const wamp_value *kwargs, wamp_arena *a, wamp_encoded_payload *out,
                        bool *encoded)
{
    return wamp_keyring_encode(user, is_originating, uri, args, kwargs, a, out, encoded);
}

static int codec_decode(void *user, bool is_originating, wamp_str uri,
                        const wamp_encoded_payload *in, wamp_arena *a, wamp_value *args,
                        wamp_value *kwargs)
{
    return wamp_keyring_decode(user, is_originating, uri, in, a, args, kwargs);
}

WAMP_API wamp_payload_codec wamp_keyring_codec(wamp_keyring *kr)
{
    return (wamp_payload_codec){.user = kr, .encode = codec_encode, .decode = codec_decode};
}
