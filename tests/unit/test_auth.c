/* Unit tests of src/auth helpers and the ticket / totp / wampcra / anonymous methods, client and
 * router side: published vectors (RFC 6070, RFC 7914, RFC 4231, RFC 6238, RFC 4648), Autobahn's
 * test_wamp_auth.py values, round trips and negative cases. */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wamp/auth.h>

#include "crypto/crypto_util.h"

static wamp_str S(const char *s)
{
    return wamp_str_c(s);
}

/* ---------------------------------------------------------------- PBKDF2 */

typedef struct pbkdf2_vec {
    const char *pw;
    size_t pwlen;
    const char *salt;
    size_t saltlen;
    uint32_t iterations;
    size_t keylen;
    const char *hex;
} pbkdf2_vec;

static void check_pbkdf2(wamp_hash h, const pbkdf2_vec *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t out[128];
        assert_int_equal(wamp_pbkdf2(h, v[i].pw, v[i].pwlen, v[i].salt, v[i].saltlen,
                                     v[i].iterations, out, v[i].keylen),
                         WAMP_OK);
        char *hex = wt_hex(out, v[i].keylen);
        assert_string_equal(hex, v[i].hex);
        free(hex);
    }
}

static void test_pbkdf2_sha1_rfc6070(void **state)
{
    /* RFC 6070 and the Crypt-PBKDF2 values Autobahn's test_wamp_auth.py uses. RFC 6070's fourth
     * case (c = 16777216) is test_pbkdf2_sha1_rfc6070_long. */
    static const char x64[] = "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX";
    static const char x65[] = "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX";
    static const pbkdf2_vec v[] = {
        {"password", 8, "salt", 4, 1, 20, "0c60c80f961f0e71f3a9b524af6012062fe037a6"},
        {"password", 8, "salt", 4, 2, 20, "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"},
        {"password", 8, "salt", 4, 4096, 20, "4b007901b765489abead49d926f721d065a429c1"},
        {"passwordPASSWORDpassword", 24, "saltSALTsaltSALTsaltSALTsaltSALTsalt", 36, 4096, 25,
         "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038"},
        {"pass\0word", 9, "sa\0lt", 5, 4096, 16, "56fa6aa75548099dcc37d7f03425e0c3"},
        {"password", 8, "ATHENA.MIT.EDUraeburn", 21, 1, 16, "cdedb5281bb2f801565a1122b2563515"},
        {"password", 8, "ATHENA.MIT.EDUraeburn", 21, 2, 32,
         "01dbee7f4a9e243e988b62c73cda935da05378b93244ec8f48a99e61ad799d86"},
        {"password", 8, "ATHENA.MIT.EDUraeburn", 21, 1200, 32,
         "5c08eb61fdf71e4e4ec3cf6ba1f5512ba7e52ddbc5e5142f708a31e2e62b1e13"},
        {x64, 64, "pass phrase equals block size", 29, 1200, 32,
         "139c30c0966bc32ba55fdbf212530ac9c5ec59f1a452f5cc9ad940fea0598ed1"},
        {x65, 65, "pass phrase exceeds block size", 30, 1200, 32,
         "9ccad6d468770cd51b10e6a68721be611a8b4d282601db3b36be9246915ec82a"},
    };
    check_pbkdf2(WAMP_HASH_SHA1, v, sizeof v / sizeof v[0]);
}

static void test_pbkdf2_sha1_rfc6070_long(void **state)
{
    /* RFC 6070's fourth case: 2^24 HMAC-SHA1 iterations, about 6 s of CPU here (the loop runs
     * inside OpenSSL, so sanitizer builds take no longer). */
    static const pbkdf2_vec v[] = {
        {"password", 8, "salt", 4, 16777216, 20, "eefe3d61cd4da4e4e9945b3d6ba2158c2634e984"},
    };
    check_pbkdf2(WAMP_HASH_SHA1, v, 1);
}

static void test_pbkdf2_sha256_rfc7914(void **state)
{
    static const pbkdf2_vec v[] = {
        {"passwd", 6, "salt", 4, 1, 64,
         "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
         "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"},
        {"Password", 8, "NaCl", 4, 80000, 64,
         "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
         "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d"},
    };
    check_pbkdf2(WAMP_HASH_SHA256, v, sizeof v / sizeof v[0]);
}

static void test_pbkdf2_sha512_and_errors(void **state)
{
    /* BIP-39 seed of the "abandon ... about" phrase with passphrase TREZOR */
    static const pbkdf2_vec v[] = {
        {"abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
         "abandon about",
         93, "mnemonicTREZOR", 14, 2048, 64,
         "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e5349553"
         "1f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04"},
    };
    check_pbkdf2(WAMP_HASH_SHA512, v, 1);
    uint8_t out[8];
    assert_int_equal(wamp_pbkdf2(WAMP_HASH_SHA256, "a", 1, "b", 1, 0, out, 8), WAMP_EINVAL);
    assert_int_equal(wamp_pbkdf2(WAMP_HASH_SHA256, "a", 1, "b", 1, 1, out, 0), WAMP_EINVAL);
    assert_int_equal(wamp_pbkdf2((wamp_hash)7, "a", 1, "b", 1, 1, out, 8), WAMP_EINVAL);
    assert_int_equal(wamp_pbkdf2(WAMP_HASH_SHA256, NULL, 0, NULL, 0, 1, out, 8), WAMP_OK);
}

/* ---------------------------------------------------------------- WAMP-CRA helpers */

static void test_derive_key_autobahn(void **state)
{
    wamp_buf b = {0};
    assert_int_equal(wamp_auth_derive_key(S("L3L1YUE8Txlw"), S("salt123"), 0, 0, &b), WAMP_OK);
    assert_string_equal((char *)b.data, "qzcdsr9uu/L5hnss3kjNTRe490ETgA70ZBaB5rvnJ5Y=");
    assert_int_equal(b.len, 44);
    wamp_buf_clear(&b);
    assert_int_equal(wamp_auth_derive_key(S("L3L1YUE8Txlw"), S("salt123"), 1000, 32, &b), WAMP_OK);
    assert_string_equal((char *)b.data, "qzcdsr9uu/L5hnss3kjNTRe490ETgA70ZBaB5rvnJ5Y=");
    wamp_buf_clear(&b);
    assert_int_equal(wamp_auth_derive_key(S("x"), S("y"), 1, 2000, &b), WAMP_EINVAL);
    wamp_buf_free(&b);
}

static void test_compute_wcs_autobahn(void **state)
{
    char sig[WAMP_AUTH_WCS_SIZE];
    /* json.dumps([1, 2, 3]) */
    assert_int_equal(wamp_auth_compute_wcs(S("L3L1YUE8Txlw"), S("[1, 2, 3]"), sig), WAMP_OK);
    assert_string_equal(sig, "1njQtmmeYO41N5EWEzD2kAjjEKRZ5kPZt/TzpYXOzR0=");
}

static void check_hmac(const uint8_t *key, size_t keylen, const char *data, const char *hex)
{
    char sig[WAMP_AUTH_WCS_SIZE];
    uint8_t raw[40];
    size_t n = 0;
    assert_int_equal(wamp_auth_compute_wcs((wamp_str){(const char *)key, keylen}, S(data), sig),
                     WAMP_OK);
    assert_int_equal(wamp__crypto_unb64(raw, sizeof raw, &n, sig, strlen(sig)), WAMP_OK);
    assert_int_equal(n, 32);
    /* a shorter expected value is a truncated HMAC (RFC 4231 test case 5): its prefix */
    char *h = wt_hex(raw, strlen(hex) / 2);
    assert_string_equal(h, hex);
    free(h);
}

/* RFC 4231 test cases 1-7 (HMAC-SHA-256); case 5 is truncated to 128 bits, compared as the
 * prefix of the full MAC (the API returns all 32 bytes) */
static void test_hmac_sha256_rfc4231(void **state)
{
    uint8_t k1[20], k3[20], k4[25], k5[20], k6[131];
    char d3[51], d4[51];
    memset(k1, 0x0b, sizeof k1);
    memset(k3, 0xaa, sizeof k3);
    for (int i = 0; i < 25; i++)
        k4[i] = (uint8_t)(i + 1);
    memset(k5, 0x0c, sizeof k5);
    memset(k6, 0xaa, sizeof k6);
    memset(d3, 0xdd, 50);
    d3[50] = 0;
    memset(d4, 0xcd, 50);
    d4[50] = 0;
    check_hmac(k1, 20, "Hi There",
               "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    check_hmac((const uint8_t *)"Jefe", 4, "what do ya want for nothing?",
               "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    check_hmac(k3, 20, d3, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
    check_hmac(k4, 25, d4, "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
    check_hmac(k5, 20, "Test With Truncation", "a3b6167473100ee06e0c796c2955552b");
    check_hmac(k6, 131, "Test Using Larger Than Block-Size Key - Hash Key First",
               "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    check_hmac(k6, 131,
               "This is a test using a larger than block-size key and a larger than block-size "
               "data. The key needs to be hashed before being used by the HMAC algorithm.",
               "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

static void test_generate_wcs(void **state)
{
    size_t lens[] = {0, 5, 10, 14, 20, 50};
    char a[64], b[64];
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        assert_int_equal(wamp_auth_generate_wcs(lens[i], a), WAMP_OK);
        assert_int_equal(strlen(a), lens[i]);
        for (size_t j = 0; j < lens[i]; j++)
            assert_non_null(
                strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", a[j]));
    }
    assert_int_equal(wamp_auth_generate_wcs(50, a), WAMP_OK);
    assert_int_equal(wamp_auth_generate_wcs(50, b), WAMP_OK);
    assert_string_not_equal(a, b); /* 62^50 possibilities */
}

/* ---------------------------------------------------------------- Base32 and TOTP */

static void test_base32_rfc4648(void **state)
{
    static const char *const v[][2] = {
        {"", ""},
        {"f", "MY======"},
        {"fo", "MZXQ===="},
        {"foo", "MZXW6==="},
        {"foob", "MZXW6YQ="},
        {"fooba", "MZXW6YTB"},
        {"foobar", "MZXW6YTBOI======"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        wamp_buf e = {0}, d = {0};
        assert_int_equal(wamp_base32_encode(v[i][0], strlen(v[i][0]), &e), WAMP_OK);
        assert_memory_equal(e.data, v[i][1], strlen(v[i][1]) + 1);
        assert_int_equal(wamp_base32_decode(S(v[i][1]), &d), WAMP_OK);
        assert_int_equal(d.len, strlen(v[i][0]));
        if (d.len) assert_memory_equal(d.data, v[i][0], d.len);
        wamp_buf_free(&e);
        wamp_buf_free(&d);
    }
    static const char *const bad[] = {"M",         "MZX",      "MZXW6Y", "MZ1Q",
                                      "MZXW6YQ==", "MZ=XQ===", "MZXQ=",  "========"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        wamp_buf d = {0};
        assert_int_not_equal(wamp_base32_decode(S(bad[i]), &d), WAMP_OK);
        wamp_buf_free(&d);
    }
    /* lower case and missing padding are accepted */
    wamp_buf d = {0};
    assert_int_equal(wamp_base32_decode(S("mzxw6ytboi"), &d), WAMP_OK);
    assert_memory_equal(d.data, "foobar", 6);
    wamp_buf_free(&d);
}

static void test_totp_rfc6238(void **state)
{
    /* RFC 6238 Appendix B, SHA-1, key "12345678901234567890"; our codes are 6 digits, i.e. the
     * last six of the published 8-digit codes */
    wamp_buf secret = {0};
    assert_int_equal(wamp_base32_encode("12345678901234567890", 20, &secret), WAMP_OK);
    assert_string_equal((char *)secret.data, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    static const struct {
        int64_t t;
        const char *code8;
    } v[] = {{59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
             {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"}};
    wamp_str s = {(const char *)secret.data, secret.len};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char code[7];
        assert_int_equal(wamp_auth_compute_totp(s, v[i].t, 0, code), WAMP_OK);
        assert_string_equal(code, v[i].code8 + 2);
        /* offset +1 at t-30 and -1 at t+30 give the same step */
        assert_int_equal(wamp_auth_compute_totp(s, v[i].t - 30, 1, code), WAMP_OK);
        assert_string_equal(code, v[i].code8 + 2);
        assert_int_equal(wamp_auth_compute_totp(s, v[i].t + 30, -1, code), WAMP_OK);
        assert_string_equal(code, v[i].code8 + 2);
        /* check_totp allows one step either way, not two */
        wamp_str c = S(v[i].code8 + 2);
        assert_int_equal(wamp_auth_check_totp(s, c, v[i].t), WAMP_OK);
        assert_int_equal(wamp_auth_check_totp(s, c, v[i].t + 30), WAMP_OK);
        assert_int_equal(wamp_auth_check_totp(s, c, v[i].t - 30), WAMP_OK);
        assert_int_equal(wamp_auth_check_totp(s, c, v[i].t + 61), WAMP_EAUTH);
    }
    assert_int_equal(wamp_auth_check_totp(s, S("000000"), 59), WAMP_EAUTH);
    assert_int_equal(wamp_auth_check_totp(s, S("2870820"), 59), WAMP_EAUTH);
    assert_int_equal(wamp_auth_check_totp(s, S(""), 59), WAMP_EAUTH);
    char code[7];
    assert_int_equal(wamp_auth_compute_totp(S("not base32!"), 59, 0, code), WAMP_EINVAL);
    assert_int_equal(wamp_auth_compute_totp(S(""), 59, 0, code), WAMP_EINVAL);
    assert_int_equal(wamp_auth_check_totp(S("1111"), S("123456"), 59), WAMP_EINVAL);
    assert_int_equal(wamp_auth_compute_totp(s, INT64_MIN, 0, code), WAMP_ERANGE);
    assert_int_equal(wamp_auth_compute_totp(s, INT64_MAX, 1, code), WAMP_ERANGE);
    assert_int_equal(wamp_auth_compute_totp(s, 59, INT32_MIN, code), WAMP_ERANGE);
    char ts[32];
    assert_int_equal(wamp_auth_format_timestamp(INT64_MIN, ts), WAMP_ERANGE);
    wamp_buf_free(&secret);
}

static void test_totp_secret(void **state)
{
    size_t lens[] = {0, 5, 10, 20, 30, 40, 50};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        wamp_buf b = {0}, d = {0};
        size_t n = lens[i] ? lens[i] : 10;
        assert_int_equal(wamp_auth_generate_totp_secret(lens[i], &b), WAMP_OK);
        assert_int_equal(b.len, n * 8 / 5);
        assert_int_equal(wamp_base32_decode((wamp_str){(char *)b.data, b.len}, &d), WAMP_OK);
        assert_int_equal(d.len, n);
        char code[7];
        assert_int_equal(wamp_auth_compute_totp((wamp_str){(char *)b.data, b.len}, 1000, 0, code),
                         WAMP_OK);
        assert_int_equal(strlen(code), 6);
        wamp_buf_free(&b);
        wamp_buf_free(&d);
    }
}

static void test_timestamp(void **state)
{
    char ts[32];
    assert_int_equal(wamp_auth_format_timestamp(1403455901643, ts), WAMP_OK);
    assert_string_equal(ts, "2014-06-22T16:51:41.643Z");
    assert_int_equal(wamp_auth_format_timestamp(0, ts), WAMP_OK);
    assert_string_equal(ts, "1970-01-01T00:00:00.000Z");
}

/* ---------------------------------------------------------------- round trips */

typedef struct rt {
    wamp_arena *a;
    wamp_authenticator *client;
    wamp_auth_pending *router;
    wamp_value details;
    wamp_auth_outcome out;
} rt;

static void rt_hello(rt *t, const char *method, const wamp_auth_config *cc,
                     const wamp_auth_server_config *sc, const wamp_auth_principal *pr)
{
    t->a = wamp_arena_new(0);
    assert_int_equal(wamp_authenticator_new(method, cc, &t->client), WAMP_OK);
    assert_int_equal(wamp_auth_pending_new(method, sc, &t->router), WAMP_OK);
    t->details = wamp_value_dict();
    assert_int_equal(wamp_authenticator_hello(t->client, t->a, &t->details), WAMP_OK);
    wamp_auth_hello h = {0};
    h.realm = S("realm1");
    h.session = 4711;
    h.authmethods = wamp_value_dict_getc(&t->details, "authmethods");
    const wamp_value *v = wamp_value_dict_getc(&t->details, "authid");
    if (v) assert_true(wamp_value_get_string(v, &h.authid));
    h.authextra = wamp_value_dict_getc(&t->details, "authextra");
    assert_int_equal(wamp_auth_pending_hello(t->router, &h, pr, t->a, &t->out), WAMP_OK);
}

/* Answers the router's challenge; returns the client's result code. */
static int rt_answer(rt *t, wamp_value *sig, wamp_value *extra)
{
    assert_int_equal(t->out.kind, WAMP_AUTH_CHALLENGE);
    return wamp_authenticator_on_challenge(t->client, S(t->out.challenge.method),
                                           &t->out.challenge.extra, t->a, sig, extra);
}

static wamp_auth_outcome_kind rt_authenticate(rt *t, const wamp_value *sig, const wamp_value *extra)
{
    wamp_str s;
    assert_true(wamp_value_get_string(sig, &s));
    assert_int_equal(wamp_auth_pending_authenticate(t->router, s, extra, t->a, &t->out), WAMP_OK);
    return t->out.kind;
}

static void rt_free(rt *t)
{
    wamp_authenticator_free(t->client);
    wamp_auth_pending_free(t->router);
    wamp_arena_free(t->a);
}

static void test_anonymous(void **state)
{
    rt t = {0};
    wamp_auth_config cc = {0};
    rt_hello(&t, "anonymous", &cc, NULL, NULL);
    assert_int_equal(t.out.kind, WAMP_AUTH_ACCEPT);
    assert_string_equal(t.out.accept.authrole, "anonymous");
    assert_string_equal(t.out.accept.authmethod, "anonymous");
    assert_string_equal(t.out.accept.realm, "realm1");
    assert_int_equal(strlen(t.out.accept.authid), 24);
    assert_null(wamp_value_dict_getc(&t.details, "authextra"));
    wamp_value sig, extra;
    assert_int_equal(
        wamp_authenticator_on_challenge(t.client, S("anonymous"), NULL, t.a, &sig, &extra),
        WAMP_EAUTH);
    assert_int_equal(wamp_authenticator_on_welcome(t.client, NULL), WAMP_OK);
    rt_free(&t);
}

static void test_ticket(void **state)
{
    wamp_auth_config cc = {.authid = "joe", .authrole = "user", .secret = "secret!!!"};
    wamp_auth_principal pr = {.authrole = "user", .secret = "secret!!!"};
    rt t = {0};
    rt_hello(&t, "ticket", &cc, NULL, &pr);
    wamp_value sig, extra;
    assert_int_equal(rt_answer(&t, &sig, &extra), WAMP_OK);
    wamp_str s;
    assert_true(wamp_value_get_string(&sig, &s));
    assert_true(wamp_str_eqc(s, "secret!!!"));
    assert_int_equal(wamp_value_count(&extra), 0);
    assert_int_equal(rt_authenticate(&t, &sig, &extra), WAMP_AUTH_ACCEPT);
    assert_string_equal(t.out.accept.authid, "joe");
    assert_string_equal(t.out.accept.authprovider, "static");
    /* a second AUTHENTICATE (replay) is refused */
    assert_int_equal(wamp_auth_pending_authenticate(t.router, s, NULL, t.a, &t.out), WAMP_ESTATE);
    rt_free(&t);

    /* wrong ticket, prefix of the ticket, longer ticket */
    const char *wrong[] = {"secret!!", "secret!!!!", "", "Secret!!!"};
    for (size_t i = 0; i < 4; i++) {
        rt u = {0};
        rt_hello(&u, "ticket", &cc, NULL, &pr);
        wamp_value w = wamp_value_cstring(u.a, wrong[i]);
        assert_int_equal(rt_authenticate(&u, &w, NULL), WAMP_AUTH_DENY);
        assert_string_equal(u.out.deny.reason, "wamp.error.not_authorized");
        rt_free(&u);
    }
    /* an authid with a NUL byte */
    {
        wamp_auth_pending *p;
        wamp_arena *a = wamp_arena_new(0);
        wamp_auth_hello h = {.realm = S("realm1"), .authid = {"joe\0x", 5}};
        wamp_auth_outcome o;
        assert_int_equal(wamp_auth_pending_new("ticket", NULL, &p), WAMP_OK);
        assert_int_equal(wamp_auth_pending_hello(p, &h, &pr, a, &o), WAMP_OK);
        assert_int_equal(o.kind, WAMP_AUTH_DENY);
        wamp_auth_pending_free(p);
        wamp_arena_free(a);
    }
    /* missing authid in HELLO, unknown principal */
    rt u = {0};
    wamp_auth_config noid = {.secret = "x"};
    rt_hello(&u, "ticket", &noid, NULL, &pr);
    assert_int_equal(u.out.kind, WAMP_AUTH_DENY);
    rt_free(&u);
    rt_hello(&u, "ticket", &cc, NULL, NULL);
    assert_int_equal(u.out.kind, WAMP_AUTH_DENY);
    assert_string_equal(u.out.deny.reason, "wamp.error.no_such_principal");
    rt_free(&u);
    /* configuration errors */
    wamp_authenticator *bad;
    wamp_auth_config nosecret = {.authid = "joe"};
    assert_int_equal(wamp_authenticator_new("ticket", &nosecret, &bad), WAMP_EINVAL);
    assert_int_equal(wamp_authenticator_new("nosuch", &cc, &bad), WAMP_EUNSUPPORTED);
}

static int verify_cb(void *user, wamp_str authid, wamp_str ticket)
{
    (*(int *)user)++;
    return wamp_str_eqc(authid, "joe") && wamp_str_eqc(ticket, "token-123") ? WAMP_OK : WAMP_EAUTH;
}

static void test_ticket_callback(void **state)
{
    int calls = 0;
    wamp_auth_principal pr = {
        .authrole = "user", .ticket_verify = verify_cb, .ticket_user = &calls};
    const char *tickets[] = {"token-123", "token-124"};
    for (int i = 0; i < 2; i++) {
        wamp_auth_config cc = {.authid = "joe", .secret = tickets[i]};
        rt t = {0};
        rt_hello(&t, "ticket", &cc, NULL, &pr);
        wamp_value sig, extra;
        assert_int_equal(rt_answer(&t, &sig, &extra), WAMP_OK);
        assert_int_equal(rt_authenticate(&t, &sig, &extra),
                         i == 0 ? WAMP_AUTH_ACCEPT : WAMP_AUTH_DENY);
        rt_free(&t);
    }
    assert_int_equal(calls, 2);
}

static void test_totp_router(void **state)
{
    const char *secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    wamp_auth_principal pr = {.authrole = "user", .totp_secret = secret};
    wamp_auth_server_config sc = {.now_ms = 1111111111000};
    const char *codes[] = {"050471", "081804", "279037"}; /* now, one step ago, far away */
    for (int i = 0; i < 3; i++) {
        wamp_auth_config cc = {.authid = "joe", .secret = codes[i]};
        rt t = {0};
        rt_hello(&t, "totp", &cc, &sc, &pr);
        wamp_value sig, extra;
        assert_int_equal(rt_answer(&t, &sig, &extra), WAMP_OK);
        assert_int_equal(rt_authenticate(&t, &sig, &extra),
                         i < 2 ? WAMP_AUTH_ACCEPT : WAMP_AUTH_DENY);
        rt_free(&t);
    }
}

/* Parses the WAMP-CRA challenge text with a tiny check of its exact layout. */
static void check_cra_challenge(const char *text)
{
    char ts[32];
    assert_int_equal(wamp_auth_format_timestamp(1403455901643, ts), WAMP_OK);
    const char *prefix = "{\"authid\": \"joe\", \"authrole\": \"user\", \"authmethod\": "
                         "\"wampcra\", \"authprovider\": \"static\", \"session\": 4711, "
                         "\"nonce\": \"";
    assert_memory_equal(text, prefix, strlen(prefix));
    const char *rest = text + strlen(prefix) + 64;
    assert_string_equal(rest, "\", \"timestamp\": \"2014-06-22T16:51:41.643Z\"}");
}

static void test_wampcra(void **state)
{
    wamp_auth_server_config sc = {.now_ms = 1403455901643};
    wamp_auth_principal pr = {.authrole = "user", .secret = "L3L1YUE8Txlw"};
    wamp_auth_config cc = {.authid = "joe", .secret = "L3L1YUE8Txlw"};
    rt t = {0};
    rt_hello(&t, "wampcra", &cc, &sc, &pr);
    assert_int_equal(t.out.kind, WAMP_AUTH_CHALLENGE);
    wamp_str ch;
    assert_true(
        wamp_value_get_string(wamp_value_dict_getc(&t.out.challenge.extra, "challenge"), &ch));
    check_cra_challenge(wamp_auth_pending_wampcra_challenge(t.router));
    assert_null(wamp_value_dict_getc(&t.out.challenge.extra, "salt"));
    wamp_value sig, extra;
    assert_int_equal(rt_answer(&t, &sig, &extra), WAMP_OK);
    /* the signature is compute_wcs(secret, challenge) */
    char expect[WAMP_AUTH_WCS_SIZE];
    assert_int_equal(wamp_auth_compute_wcs(S("L3L1YUE8Txlw"), ch, expect), WAMP_OK);
    wamp_str s;
    assert_true(wamp_value_get_string(&sig, &s));
    assert_true(wamp_str_eqc(s, expect));
    assert_int_equal(rt_authenticate(&t, &sig, &extra), WAMP_AUTH_ACCEPT);
    assert_string_equal(t.out.accept.authmethod, "wampcra");
    rt_free(&t);

    /* a wrong secret, and a signature over an altered challenge, are denied */
    wamp_auth_config wrong = {.authid = "joe", .secret = "L3L1YUE8Txlx"};
    rt_hello(&t, "wampcra", &wrong, &sc, &pr);
    assert_int_equal(rt_answer(&t, &sig, &extra), WAMP_OK);
    assert_int_equal(rt_authenticate(&t, &sig, &extra), WAMP_AUTH_DENY);
    rt_free(&t);
    rt_hello(&t, "wampcra", &cc, &sc, &pr);
    char altered[WAMP_AUTH_WCS_SIZE];
    assert_int_equal(wamp_auth_compute_wcs(S("L3L1YUE8Txlw"),
                                           S("{\"authid\": \"joe\", \"session\": 1}"), altered),
                     WAMP_OK);
    wamp_value alt = wamp_value_cstring(t.a, altered);
    assert_int_equal(rt_authenticate(&t, &alt, NULL), WAMP_AUTH_DENY);
    rt_free(&t);
    /* a challenge from another attempt (fresh nonce) does not verify here: no replay */
    rt t1 = {0}, t2 = {0};
    rt_hello(&t1, "wampcra", &cc, &sc, &pr);
    rt_hello(&t2, "wampcra", &cc, &sc, &pr);
    assert_int_equal(rt_answer(&t1, &sig, &extra), WAMP_OK);
    assert_int_equal(rt_authenticate(&t2, &sig, &extra), WAMP_AUTH_DENY);
    rt_free(&t1);
    rt_free(&t2);
}

/* The fixed-nonce test hook makes the whole WAMP-CRA challenge fixed (benchmarks use it):
 * exactly the text Crossbar builds, and the right answer to it is accepted. */
static void test_wampcra_fixed_nonce(void **state)
{
    static const char nonce[] = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
    wamp_auth_server_config sc = {.now_ms = 1403455901643,
                                  .server_nonce = (const uint8_t *)nonce,
                                  .server_nonce_len = 64,
                                  .server_nonce_is_text = true};
    wamp_auth_principal pr = {.authrole = "user", .secret = "L3L1YUE8Txlw"};
    wamp_auth_hello h = {.realm = S("realm1"), .authid = S("joe"), .session = 4711};
    wamp_arena *a = wamp_arena_new(0);
    for (int good = 0; good < 2; good++) {
        wamp_auth_pending *p;
        wamp_auth_outcome out;
        assert_int_equal(wamp_auth_pending_new("wampcra", &sc, &p), WAMP_OK);
        assert_int_equal(wamp_auth_pending_hello(p, &h, &pr, a, &out), WAMP_OK);
        assert_int_equal(out.kind, WAMP_AUTH_CHALLENGE);
        const char *text = wamp_auth_pending_wampcra_challenge(p);
        assert_string_equal(text,
                            "{\"authid\": \"joe\", \"authrole\": \"user\", \"authmethod\": "
                            "\"wampcra\", \"authprovider\": \"static\", \"session\": 4711, "
                            "\"nonce\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                            "xxxxxxxxxxxx\", \"timestamp\": \"2014-06-22T16:51:41.643Z\"}");
        char sig[WAMP_AUTH_WCS_SIZE];
        assert_int_equal(
            wamp_auth_compute_wcs(S(good ? "L3L1YUE8Txlw" : "L3L1YUE8Txlx"), S(text), sig),
            WAMP_OK);
        assert_int_equal(wamp_auth_pending_authenticate(p, S(sig), NULL, a, &out), WAMP_OK);
        assert_int_equal(out.kind, good ? WAMP_AUTH_ACCEPT : WAMP_AUTH_DENY);
        wamp_auth_pending_free(p);
    }
    /* not for methods without a nonce of this kind */
    wamp_auth_pending *p;
    assert_int_equal(wamp_auth_pending_new("ticket", &sc, &p), WAMP_EINVAL);
    wamp_arena_free(a);
}

static void test_wampcra_salted(void **state)
{
    /* Crossbar stores the derived key as the user's secret and sends salt parameters */
    wamp_buf key = {0};
    assert_int_equal(wamp_auth_derive_key(S("secret123"), S("salt123"), 100, 16, &key), WAMP_OK);
    wamp_auth_principal pr = {.authrole = "user",
                              .secret = (char *)key.data,
                              .salt = "salt123",
                              .iterations = 100,
                              .keylen = 16};
    wamp_auth_config cc = {.authid = "joe", .secret = "secret123"};
    rt t = {0};
    rt_hello(&t, "wampcra", &cc, NULL, &pr);
    const wamp_value *e = &t.out.challenge.extra;
    int64_t i;
    assert_true(wamp_value_get_int(wamp_value_dict_getc(e, "iterations"), &i));
    assert_int_equal(i, 100);
    assert_true(wamp_value_get_int(wamp_value_dict_getc(e, "keylen"), &i));
    assert_int_equal(i, 16);
    wamp_value sig, extra;
    assert_int_equal(rt_answer(&t, &sig, &extra), WAMP_OK);
    assert_int_equal(rt_authenticate(&t, &sig, &extra), WAMP_AUTH_ACCEPT);
    rt_free(&t);
    /* the plain password as the router's key fails: the client derives first */
    wamp_auth_principal plain = pr;
    plain.secret = "secret123";
    rt_hello(&t, "wampcra", &cc, NULL, &plain);
    assert_int_equal(rt_answer(&t, &sig, &extra), WAMP_OK);
    assert_int_equal(rt_authenticate(&t, &sig, &extra), WAMP_AUTH_DENY);
    rt_free(&t);
    wamp_buf_free(&key);
}

static void test_wampcra_malformed_challenges(void **state)
{
    wamp_auth_config cc = {.authid = "joe", .secret = "s"};
    wamp_authenticator *c;
    assert_int_equal(wamp_authenticator_new("wampcra", &cc, &c), WAMP_OK);
    wamp_arena *a = wamp_arena_new(0);
    wamp_value sig, extra, e = wamp_value_dict();
    /* no challenge */
    assert_int_equal(wamp_authenticator_on_challenge(c, S("wampcra"), &e, a, &sig, &extra),
                     WAMP_EAUTH);
    /* challenge of the wrong type */
    assert_int_equal(wamp_value_dict_setc(a, &e, "challenge", wamp_value_int(3)), WAMP_OK);
    assert_int_equal(wamp_authenticator_on_challenge(c, S("wampcra"), &e, a, &sig, &extra),
                     WAMP_EAUTH);
    assert_int_equal(wamp_value_dict_setc(a, &e, "challenge", wamp_value_cstring(a, "{}")),
                     WAMP_OK);
    /* other method */
    assert_int_equal(wamp_authenticator_on_challenge(c, S("ticket"), &e, a, &sig, &extra),
                     WAMP_EAUTH);
    /* bad salt parameters */
    assert_int_equal(wamp_value_dict_setc(a, &e, "salt", wamp_value_cstring(a, "x")), WAMP_OK);
    assert_int_equal(wamp_value_dict_setc(a, &e, "iterations", wamp_value_int(-1)), WAMP_OK);
    assert_int_equal(wamp_authenticator_on_challenge(c, S("wampcra"), &e, a, &sig, &extra),
                     WAMP_EAUTH);
    assert_int_equal(wamp_value_dict_setc(a, &e, "iterations", wamp_value_int(10)), WAMP_OK);
    assert_int_equal(wamp_value_dict_setc(a, &e, "keylen", wamp_value_int(100000)), WAMP_OK);
    assert_int_equal(wamp_authenticator_on_challenge(c, S("wampcra"), &e, a, &sig, &extra),
                     WAMP_EAUTH);
    assert_int_equal(wamp_value_dict_setc(a, &e, "keylen", wamp_value_int(32)), WAMP_OK);
    assert_int_equal(wamp_authenticator_on_challenge(c, S("wampcra"), &e, a, &sig, &extra),
                     WAMP_OK);
    /* not a dict */
    wamp_value l = wamp_value_list();
    assert_int_equal(wamp_authenticator_on_challenge(c, S("wampcra"), &l, a, &sig, &extra),
                     WAMP_EAUTH);
    wamp_authenticator_free(c);
    wamp_arena_free(a);
}

static void test_hello_details(void **state)
{
    wamp_arena *a = wamp_arena_new(0);
    wamp_value ae = wamp_value_dict();
    assert_int_equal(wamp_value_dict_setc(a, &ae, "x", wamp_value_int(1)), WAMP_OK);
    wamp_auth_config cc = {.authid = "joe", .authrole = "admin", .authextra = &ae, .secret = "t"};
    wamp_authenticator *c;
    assert_int_equal(wamp_authenticator_new("ticket", &cc, &c), WAMP_OK);
    assert_string_equal(wamp_authenticator_method(c), "ticket");
    wamp_value d = wamp_value_dict();
    assert_int_equal(wamp_authenticator_hello(c, a, &d), WAMP_OK);
    wamp_buf b = {0};
    assert_int_equal(wamp_value_dump(&b, &d), WAMP_OK);
    assert_int_equal(wamp_buf_append_byte(&b, 0), WAMP_OK);
    assert_string_equal((char *)b.data, "{\"authmethods\": [\"ticket\"], \"authid\": \"joe\", "
                                        "\"authrole\": \"admin\", \"authextra\": {\"x\": 1}}");
    wamp_buf_free(&b);
    wamp_value notdict = wamp_value_list();
    assert_int_equal(wamp_authenticator_hello(c, a, &notdict), WAMP_EINVAL);
    wamp_authenticator_free(c);
    wamp_authenticator_free(NULL);
    wamp_auth_pending_free(NULL);
    wamp_arena_free(a);
}

/* ---------------------------------------------------------------- static configuration */

static wamp_value json(wamp_arena *a, const char *text)
{
    wamp_value v;
    assert_int_equal(
        wamp_value_decode(WAMP_SER_JSON, (const uint8_t *)text, strlen(text), a, NULL, &v),
        WAMP_OK);
    return v;
}

static void test_static_config(void **state)
{
    wamp_arena *a = wamp_arena_new(0);
    wamp_auth_principal pr;
    wamp_auth_hello h = {.realm = S("realm1"), .authid = S("joe")};
    /* Crossbar's node configuration shapes */
    wamp_value ticket = json(a, "{\"type\": \"static\", \"principals\": {\"joe\": {\"ticket\": "
                                "\"secret!!!\", \"role\": \"user\", \"realm\": \"realm2\", "
                                "\"extra\": {\"x\": 1}}}}");
    assert_int_equal(wamp_auth_static_principal("ticket", &ticket, &h, a, &pr), WAMP_OK);
    assert_string_equal(pr.secret, "secret!!!");
    assert_string_equal(pr.authrole, "user");
    assert_string_equal(pr.authid, "joe");
    assert_string_equal(pr.realm, "realm2");
    assert_non_null(pr.authextra);
    /* the realm and extra reach WELCOME */
    wamp_auth_pending *p;
    wamp_auth_outcome out;
    assert_int_equal(wamp_auth_pending_new("ticket", NULL, &p), WAMP_OK);
    assert_int_equal(wamp_auth_pending_hello(p, &h, &pr, a, &out), WAMP_OK);
    assert_int_equal(wamp_auth_pending_authenticate(p, S("secret!!!"), NULL, a, &out), WAMP_OK);
    assert_int_equal(out.kind, WAMP_AUTH_ACCEPT);
    assert_string_equal(out.accept.realm, "realm2");
    assert_non_null(wamp_value_dict_getc(&out.accept.authextra, "x"));
    wamp_auth_pending_free(p);
    wamp_auth_hello other = {.realm = S("realm1"), .authid = S("jim")};
    assert_int_equal(wamp_auth_static_principal("ticket", &ticket, &other, a, &pr), WAMP_ENOTFOUND);

    wamp_value cra = json(
        a, "{\"type\": \"static\", \"users\": {\"joe\": {\"secret\": \"prq7+YkJ1/KlW1X0YczMHw==\", "
           "\"role\": \"frontend\", \"salt\": \"salt123\", \"iterations\": 100, "
           "\"keylen\": 16}}}");
    assert_int_equal(wamp_auth_static_principal("wampcra", &cra, &h, a, &pr), WAMP_OK);
    assert_string_equal(pr.salt, "salt123");
    assert_int_equal(pr.iterations, 100);
    assert_int_equal(pr.keylen, 16);

    wamp_value anon = json(a, "{\"type\": \"static\", \"role\": \"public\"}");
    assert_int_equal(wamp_auth_static_principal("anonymous", &anon, &h, a, &pr), WAMP_OK);
    assert_string_equal(pr.authrole, "public");

    wamp_value cs =
        json(a, "{\"type\": \"static\", \"principals\": {\"client01@example.com\": "
                "{\"realm\": \"devices\", \"role\": \"device\", \"authorized_keys\": "
                "[\"545efb0a2192db8d43f118e9bf9aee081466e1ef36c708b96ee6f62dddad9122\"]}}}");
    wamp_value ae = json(
        a, "{\"pubkey\": \"545efb0a2192db8d43f118e9bf9aee081466e1ef36c708b96ee6f62dddad9122\"}");
    wamp_auth_hello hc = {.realm = S("devices"), .authextra = &ae};
    assert_int_equal(wamp_auth_static_principal("cryptosign", &cs, &hc, a, &pr), WAMP_OK);
    assert_string_equal(pr.authid, "client01@example.com");
    assert_int_equal(pr.authorized_count, 1);
    assert_int_equal(pr.authorized_keys[0][0], 0x54);
    hc.authid = S("someone-else");
    assert_int_equal(wamp_auth_static_principal("cryptosign", &cs, &hc, a, &pr), WAMP_ENOTFOUND);

    wamp_scram_credential c;
    assert_int_equal(wamp_auth_scram_credential("scram", "argon2id-13", S("pw"),
                                                (const uint8_t *)"saltsaltsaltsalt", 16, 1, 8, &c),
                     WAMP_OK);
    wamp_value cv;
    assert_int_equal(wamp_scram_credential_to_value(&c, a, &cv), WAMP_OK);
    assert_int_equal(wamp_value_dict_setc(a, &cv, "role", wamp_value_cstring(a, "user")), WAMP_OK);
    wamp_value principals = wamp_value_dict(), scram = wamp_value_dict();
    assert_int_equal(wamp_value_dict_setc(a, &principals, "joe", cv), WAMP_OK);
    assert_int_equal(wamp_value_dict_setc(a, &scram, "type", wamp_value_cstring(a, "static")),
                     WAMP_OK);
    assert_int_equal(wamp_value_dict_setc(a, &scram, "principals", principals), WAMP_OK);
    assert_int_equal(wamp_auth_static_principal("scram", &scram, &h, a, &pr), WAMP_OK);
    assert_memory_equal(pr.scram->stored_key, c.stored_key, 32);

    /* dynamic, malformed, unknown */
    wamp_value dyn = json(a, "{\"type\": \"dynamic\", \"authenticator\": \"com.example.auth\"}");
    assert_int_equal(wamp_auth_static_principal("ticket", &dyn, &h, a, &pr), WAMP_EUNSUPPORTED);
    wamp_value bad = json(a, "{\"type\": \"static\", \"principals\": {\"joe\": {\"ticket\": 5, "
                             "\"role\": \"user\"}}}");
    assert_int_equal(wamp_auth_static_principal("ticket", &bad, &h, a, &pr), WAMP_ECONFIG);
    wamp_value norole =
        json(a, "{\"type\": \"static\", \"principals\": {\"joe\": {\"ticket\": \"t\"}}}");
    assert_int_equal(wamp_auth_static_principal("ticket", &norole, &h, a, &pr), WAMP_ECONFIG);
    wamp_value dflt = json(a, "{\"type\": \"static\", \"default-role\": \"guest\", \"principals\": "
                              "{\"joe\": {\"ticket\": \"t\"}}}");
    assert_int_equal(wamp_auth_static_principal("ticket", &dflt, &h, a, &pr), WAMP_OK);
    assert_string_equal(pr.authrole, "guest");
    wamp_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pbkdf2_sha1_rfc6070),
        cmocka_unit_test(test_pbkdf2_sha1_rfc6070_long),
        cmocka_unit_test(test_pbkdf2_sha256_rfc7914),
        cmocka_unit_test(test_pbkdf2_sha512_and_errors),
        cmocka_unit_test(test_derive_key_autobahn),
        cmocka_unit_test(test_compute_wcs_autobahn),
        cmocka_unit_test(test_hmac_sha256_rfc4231),
        cmocka_unit_test(test_generate_wcs),
        cmocka_unit_test(test_base32_rfc4648),
        cmocka_unit_test(test_totp_rfc6238),
        cmocka_unit_test(test_totp_secret),
        cmocka_unit_test(test_timestamp),
        cmocka_unit_test(test_anonymous),
        cmocka_unit_test(test_ticket),
        cmocka_unit_test(test_ticket_callback),
        cmocka_unit_test(test_totp_router),
        cmocka_unit_test(test_wampcra),
        cmocka_unit_test(test_wampcra_fixed_nonce),
        cmocka_unit_test(test_wampcra_salted),
        cmocka_unit_test(test_wampcra_malformed_challenges),
        cmocka_unit_test(test_hello_details),
        cmocka_unit_test(test_static_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
