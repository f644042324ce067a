/* Unit tests of src/crypto/cryptobox.c: key generation, originator/responder round trips
 * (CALL→INVOCATION, YIELD→RESULT), shared keys, longest-prefix and default keys, payloads left
 * in clear without a key, and the negative cases: every byte flipped, truncations, wrong keys,
 * a payload replayed under another URI, unknown enc_algo/enc_serializer, bad key text. */
#include "support.h"

#include <stdlib.h>
#include <string.h>

#include <wamp/cryptobox.h>
#include <wamp/serializer.h>

typedef struct pair {
    char opriv[WAMP_CRYPTOBOX_KEY_B64_SIZE], opub[WAMP_CRYPTOBOX_KEY_B64_SIZE];
    char rpriv[WAMP_CRYPTOBOX_KEY_B64_SIZE], rpub[WAMP_CRYPTOBOX_KEY_B64_SIZE];
} pair;

static void make_pair(pair *p)
{
    assert_int_equal(wamp_cryptobox_generate_key(p->opriv, p->opub), WAMP_OK);
    assert_int_equal(wamp_cryptobox_generate_key(p->rpriv, p->rpub), WAMP_OK);
    assert_int_equal(strlen(p->opriv), 44);
    char pub[WAMP_CRYPTOBOX_KEY_B64_SIZE];
    assert_int_equal(wamp_cryptobox_public_key(p->opriv, pub), WAMP_OK);
    assert_string_equal(pub, p->opub);
}

/* caller ring (originator) and callee ring (responder) for uri */
static void rings(const pair *p, const char *uri, wamp_keyring **caller, wamp_keyring **callee)
{
    assert_int_equal(wamp_keyring_new(caller), WAMP_OK);
    assert_int_equal(wamp_keyring_new(callee), WAMP_OK);
    wamp_cryptobox_key ck = {.originator_priv = p->opriv, .responder_pub = p->rpub};
    wamp_cryptobox_key rk = {.responder_priv = p->rpriv, .originator_pub = p->opub};
    assert_int_equal(wamp_keyring_set_key(*caller, uri, &ck), WAMP_OK);
    assert_int_equal(wamp_keyring_set_key(*callee, uri, &rk), WAMP_OK);
}

static wamp_value json(wamp_arena *a, const char *text)
{
    wamp_value v;
    assert_int_equal(
        wamp_value_decode(WAMP_SER_JSON, (const uint8_t *)text, strlen(text), a, NULL, &v),
        WAMP_OK);
    return v;
}

static void test_roundtrip(void **state)
{
    pair p;
    make_pair(&p);
    wamp_keyring *caller, *callee;
    rings(&p, "com.myapp", &caller, &callee);
    wamp_arena *a = wamp_arena_new(0);
    wamp_value args = json(a, "[1,\"two\",{\"three\":3.5},null,true]");
    assert_int_equal(wamp_value_list_push(a, &args, wamp_value_bytes(a, "\x00\x01\xff", 3)),
                     WAMP_OK);
    wamp_value kwargs = json(a, "{\"k\":\"v\",\"n\":[]}");
    wamp_str uri = wamp_str_c("com.myapp.add2");
    wamp_encoded_payload enc;
    bool encoded;
    /* CALL: originator encrypts, the callee (responder) decrypts */
    assert_int_equal(wamp_keyring_encode(caller, true, uri, &args, &kwargs, a, &enc, &encoded),
                     WAMP_OK);
    assert_true(encoded);
    assert_true(wamp_str_eqc(enc.enc_algo, "cryptobox"));
    assert_true(wamp_str_eqc(enc.enc_serializer, "json"));
    assert_null(enc.enc_key.ptr);
    wamp_value ra, rk;
    assert_int_equal(wamp_keyring_decode(callee, false, uri, &enc, a, &ra, &rk), WAMP_OK);
    assert_true(wamp_value_equal(&ra, &args));
    assert_true(wamp_value_equal(&rk, &kwargs));
    /* the caller cannot open its own CALL with the responder box direction */
    assert_int_equal(wamp_keyring_decode(caller, false, uri, &enc, a, &ra, &rk), WAMP_EDECRYPT);
    /* YIELD: responder encrypts, the caller (originator) decrypts; args only */
    wamp_value res = json(a, "[42]");
    assert_int_equal(wamp_keyring_encode(callee, false, uri, &res, NULL, a, &enc, &encoded),
                     WAMP_OK);
    assert_true(encoded);
    assert_int_equal(wamp_keyring_decode(caller, true, uri, &enc, a, &ra, &rk), WAMP_OK);
    assert_true(wamp_value_equal(&ra, &res));
    assert_true(wamp_value_is_null(&rk));
    /* two encryptions of the same payload differ (random nonce) */
    wamp_encoded_payload e1, e2;
    assert_int_equal(wamp_keyring_encode(caller, true, uri, &res, NULL, a, &e1, &encoded), 0);
    assert_int_equal(wamp_keyring_encode(caller, true, uri, &res, NULL, a, &e2, &encoded), 0);
    assert_int_equal(e1.payload.len, e2.payload.len);
    assert_int_equal(e1.payload.len, 24 + 16 +
                                         strlen("{\"uri\":\"com.myapp.add2\",\"args\":[42],"
                                                "\"kwargs\":null}"));
    assert_memory_not_equal(e1.payload.ptr, e2.payload.ptr, 24);
    /* no key for the URI: payload in clear */
    assert_int_equal(
        wamp_keyring_encode(caller, true, wamp_str_c("org.other"), &res, NULL, a, &enc, &encoded),
        WAMP_OK);
    assert_false(encoded);
    /* a list is not kwargs */
    assert_int_equal(wamp_keyring_encode(caller, true, uri, &res, &res, a, &enc, &encoded),
                     WAMP_EINVAL);
    wamp_keyring_free(caller);
    wamp_keyring_free(callee);
    wamp_arena_free(a);
}

static void test_negative(void **state)
{
    pair p, q;
    make_pair(&p);
    make_pair(&q);
    wamp_keyring *caller, *callee, *stranger, *stranger2;
    rings(&p, "", &caller, &callee); /* default keys: every URI */
    rings(&q, "", &stranger, &stranger2);
    wamp_arena *a = wamp_arena_new(0);
    wamp_value args = json(a, "[\"secret\"]");
    wamp_str uri = wamp_str_c("com.a.b");
    wamp_encoded_payload enc;
    bool encoded;
    assert_int_equal(wamp_keyring_encode(caller, true, uri, &args, NULL, a, &enc, &encoded), 0);
    wamp_value ra, rk;
    /* every single-byte corruption (nonce, MAC, ciphertext) is refused */
    uint8_t *copy = malloc(enc.payload.len);
    for (size_t i = 0; i < enc.payload.len; i++) {
        memcpy(copy, enc.payload.ptr, enc.payload.len);
        copy[i] ^= 0x40;
        wamp_encoded_payload bad = enc;
        bad.payload = (wamp_str){(const char *)copy, enc.payload.len};
        assert_int_equal(wamp_keyring_decode(callee, false, uri, &bad, a, &ra, &rk), WAMP_EDECRYPT);
    }
    /* every truncation */
    for (size_t n = 0; n < enc.payload.len; n++) {
        wamp_encoded_payload bad = enc;
        bad.payload.len = n;
        assert_int_equal(wamp_keyring_decode(callee, false, uri, &bad, a, &ra, &rk), WAMP_EDECRYPT);
    }
    free(copy);
    /* the wrong key */
    assert_int_equal(wamp_keyring_decode(stranger2, false, uri, &enc, a, &ra, &rk), WAMP_EDECRYPT);
    /* a payload moved to another envelope URI */
    assert_int_equal(wamp_keyring_decode(callee, false, wamp_str_c("com.a.c"), &enc, a, &ra, &rk),
                     WAMP_ETRUSTEDURI);
    assert_string_equal(wamp_cryptobox_error_uri(WAMP_ETRUSTEDURI),
                        "wamp.error.encryption.trusted_uri_mismatch");
    assert_string_equal(wamp_cryptobox_error_uri(WAMP_EDECRYPT),
                        "wamp.error.encryption.decrypt_error");
    /* unknown algorithm or serializer */
    wamp_encoded_payload other = enc;
    other.enc_algo = wamp_str_c("xbr");
    assert_int_equal(wamp_keyring_decode(callee, false, uri, &other, a, &ra, &rk),
                     WAMP_EUNSUPPORTED);
    other = enc;
    other.enc_serializer = wamp_str_c("cbor");
    assert_int_equal(wamp_keyring_decode(callee, false, uri, &other, a, &ra, &rk),
                     WAMP_EUNSUPPORTED);
    /* the key removed: nothing to decrypt with */
    assert_int_equal(wamp_keyring_set_key(callee, "", NULL), WAMP_OK);
    assert_int_equal(wamp_keyring_decode(callee, false, uri, &enc, a, &ra, &rk), WAMP_EDECRYPT);
    /* bad key text */
    wamp_cryptobox_key bk = {.originator_priv = "abc", .responder_pub = p.rpub};
    assert_int_equal(wamp_keyring_set_key(caller, "x", &bk), WAMP_EINVAL);
    wamp_cryptobox_key mism = {
        .originator_priv = p.opriv, .originator_pub = p.rpub, .responder_pub = p.rpub};
    assert_int_equal(wamp_keyring_set_key(caller, "x", &mism), WAMP_EINVAL);
    wamp_cryptobox_key nobox = {.originator_priv = p.opriv};
    assert_int_equal(wamp_keyring_set_key(caller, "x", &nobox), WAMP_EINVAL);
    wamp_keyring_free(caller);
    wamp_keyring_free(callee);
    wamp_keyring_free(stranger);
    wamp_keyring_free(stranger2);
    wamp_arena_free(a);
}

static void test_prefix(void **state)
{
    pair p1, p2, p3;
    make_pair(&p1);
    make_pair(&p2);
    make_pair(&p3);
    wamp_keyring *kr, *r1, *r2, *r3;
    assert_int_equal(wamp_keyring_new(&kr), WAMP_OK);
    assert_int_equal(wamp_keyring_set_shared_key(kr, "", p1.opriv), WAMP_OK);
    assert_int_equal(wamp_keyring_set_shared_key(kr, "com.app", p2.opriv), WAMP_OK);
    assert_int_equal(wamp_keyring_set_shared_key(kr, "com.app.secret", p3.opriv), WAMP_OK);
    assert_int_equal(wamp_keyring_new(&r1), WAMP_OK);
    assert_int_equal(wamp_keyring_new(&r2), WAMP_OK);
    assert_int_equal(wamp_keyring_new(&r3), WAMP_OK);
    assert_int_equal(wamp_keyring_set_shared_key(r1, "", p1.opriv), WAMP_OK);
    assert_int_equal(wamp_keyring_set_shared_key(r2, "", p2.opriv), WAMP_OK);
    assert_int_equal(wamp_keyring_set_shared_key(r3, "", p3.opriv), WAMP_OK);
    static const struct {
        const char *uri;
        int which;
    } cases[] = {{"org.x", 1},           {"com.ap", 1},
                 {"com.app", 2},         {"com.app.x", 2},
                 {"com.application", 2}, /* string prefix, as Autobahn */
                 {"com.app.secret", 3},  {"com.app.secret.deep", 3}};
    wamp_arena *a = wamp_arena_new(0);
    wamp_value args = json(a, "[1]");
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        wamp_encoded_payload enc;
        bool encoded;
        wamp_str uri = wamp_str_c(cases[i].uri);
        assert_int_equal(wamp_keyring_encode(kr, true, uri, &args, NULL, a, &enc, &encoded), 0);
        assert_true(encoded);
        wamp_keyring *rs[3] = {r1, r2, r3};
        for (int r = 0; r < 3; r++) {
            wamp_value ra, rk;
            int rc = wamp_keyring_decode(rs[r], false, uri, &enc, a, &ra, &rk);
            assert_int_equal(rc, r + 1 == cases[i].which ? WAMP_OK : WAMP_EDECRYPT);
        }
    }
    /* replacing a key and removing one */
    assert_int_equal(wamp_keyring_set_shared_key(kr, "com.app", p3.opriv), WAMP_OK);
    assert_int_equal(wamp_keyring_set_key(kr, "com.app.secret", NULL), WAMP_OK);
    wamp_encoded_payload enc;
    bool encoded;
    wamp_value ra, rk;
    assert_int_equal(
        wamp_keyring_encode(kr, true, wamp_str_c("com.app.secret"), &args, NULL, a, &enc, &encoded),
        0);
    assert_int_equal(
        wamp_keyring_decode(r3, false, wamp_str_c("com.app.secret"), &enc, a, &ra, &rk), WAMP_OK);
    /* through the codec interface */
    wamp_payload_codec c = wamp_keyring_codec(kr);
    assert_int_equal(c.encode(c.user, true, wamp_str_c("org.z"), &args, NULL, a, &enc, &encoded),
                     0);
    assert_int_equal(c.decode(c.user, false, wamp_str_c("org.z"), &enc, a, &ra, &rk), WAMP_OK);
    assert_true(wamp_value_equal(&ra, &args));
    char hpriv[WAMP_CRYPTOBOX_KEY_HEX_SIZE], hpub[WAMP_CRYPTOBOX_KEY_HEX_SIZE];
    assert_int_equal(wamp_cryptobox_generate_key_hex(hpriv, hpub), WAMP_OK);
    assert_int_equal(strlen(hpriv), 64);
    assert_int_equal(strlen(hpub), 64);
    wamp_keyring_free(kr);
    wamp_keyring_free(r1);
    wamp_keyring_free(r2);
    wamp_keyring_free(r3);
    wamp_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_negative),
        cmocka_unit_test(test_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
