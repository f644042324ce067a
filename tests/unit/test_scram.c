/* Unit tests of SCRAM, both flavours: the RFC 7677 example (wamp-scram, spec text), Autobahn's
 * test_wamp_auth.py values (scram), Argon2id (RFC 9106 and the reference implementation's
 * vectors), credentials, client/router round trips, negative
 * cases (wrong password, forged server signature, foreign nonce, malformed challenges). */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wamp/auth.h>

#include "auth/auth_int.h"
#include "crypto/crypto_util.h"

static wamp_str S(const char *s)
{
    return wamp_str_c(s);
}

static void set_s(wamp_arena *a, wamp_value *d, const char *k, const char *v)
{
    assert_int_equal(wamp_value_dict_setc(a, d, k, wamp_value_cstring(a, v)), WAMP_OK);
}

static void set_i(wamp_arena *a, wamp_value *d, const char *k, int64_t v)
{
    assert_int_equal(wamp_value_dict_setc(a, d, k, wamp_value_int(v)), WAMP_OK);
}

static const char *str_of(const wamp_value *d, const char *k)
{
    static char buf[256];
    wamp_str s;
    const wamp_value *v = wamp_value_dict_getc(d, k);
    if (!v || !wamp_value_get_string(v, &s) || s.len >= sizeof buf) return NULL;
    memcpy(buf, s.ptr, s.len);
    buf[s.len] = 0;
    return buf;
}

/* ---------------------------------------------------------------- RFC 7677 / spec */

static void test_rfc7677_client(void **state)
{
    wamp_auth_config cc = {
        .authid = "user", .secret = "pencil", .client_nonce = "rOprNGfwEbeRWgbNEkqO"};
    wamp_authenticator *c;
    wamp_arena *a = wamp_arena_new(0);
    assert_int_equal(wamp_authenticator_new("wamp-scram", &cc, &c), WAMP_OK);
    wamp_value d = wamp_value_dict();
    assert_int_equal(wamp_authenticator_hello(c, a, &d), WAMP_OK);
    const wamp_value *ae = wamp_value_dict_getc(&d, "authextra");
    assert_string_equal(str_of(ae, "nonce"), "rOprNGfwEbeRWgbNEkqO");
    assert_true(wamp_value_is_null(wamp_value_dict_getc(ae, "channel_binding")));
    /* on_welcome before any challenge is a state error */
    assert_int_equal(wamp_authenticator_on_welcome(c, NULL), WAMP_ESTATE);

    wamp_value e = wamp_value_dict(), sig, extra;
    set_s(a, &e, "nonce", "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
    set_s(a, &e, "salt", "W22ZaJ0SNY7soEsUEjb6gQ==");
    set_s(a, &e, "kdf", "pbkdf2");
    set_i(a, &e, "iterations", 4096);
    assert_int_equal(wamp_value_dict_setc(a, &e, "memory", wamp_value_null()), WAMP_OK);
    assert_int_equal(wamp_authenticator_on_challenge(c, S("wamp-scram"), &e, a, &sig, &extra),
                     WAMP_OK);
    wamp_str s;
    assert_true(wamp_value_get_string(&sig, &s));
    assert_true(wamp_str_eqc(s, "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="));
    assert_string_equal(str_of(&extra, "nonce"),
                        "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
    assert_true(wamp_value_is_null(wamp_value_dict_getc(&extra, "channel_binding")));
    assert_true(wamp_value_is_null(wamp_value_dict_getc(&extra, "cbind_data")));

    /* WELCOME: the right verifier passes, a forged one, a missing one or the Autobahn key
     * name do not */
    wamp_value w = wamp_value_dict();
    assert_int_equal(wamp_authenticator_on_welcome(c, &w), WAMP_ESIGNATURE);
    set_s(a, &w, "scram_server_signature", "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    assert_int_equal(wamp_authenticator_on_welcome(c, &w), WAMP_ESIGNATURE);
    set_s(a, &w, "verifier", "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G5=");
    assert_int_equal(wamp_authenticator_on_welcome(c, &w), WAMP_ESIGNATURE);
    set_s(a, &w, "verifier", "not base64");
    assert_int_equal(wamp_authenticator_on_welcome(c, &w), WAMP_ESIGNATURE);
    set_s(a, &w, "verifier", "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    assert_int_equal(wamp_authenticator_on_welcome(c, &w), WAMP_OK);

    /* a router nonce that does not extend ours is refused (spec flavour) */
    set_s(a, &e, "nonce", "XOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
    assert_int_equal(wamp_authenticator_on_challenge(c, S("wamp-scram"), &e, a, &sig, &extra),
                     WAMP_EAUTH);
    set_s(a, &e, "nonce", "rOprNGfwEbeRWgbNEkqO");
    assert_int_equal(wamp_authenticator_on_challenge(c, S("wamp-scram"), &e, a, &sig, &extra),
                     WAMP_EAUTH);
    wamp_authenticator_free(c);
    wamp_arena_free(a);
}

/* The router side reproduces RFC 7677 §3 exactly: the server nonce test hook gives the RFC's
 * nonce text, the credential comes from the RFC's password, salt and iteration count; the
 * RFC's ClientProof is accepted and the WELCOME verifier is the RFC's ServerSignature. */
static void test_rfc7677_router(void **state)
{
    static const char rnonce[] = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    static const char full[] = "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    static const uint8_t salt[16] = {0x5b, 0x6d, 0x99, 0x68, 0x9d, 0x12, 0x35, 0x8e,
                                     0xec, 0xa0, 0x4b, 0x14, 0x12, 0x36, 0xfa, 0x81};
    wamp_arena *a = wamp_arena_new(0);
    wamp_scram_credential cred;
    assert_int_equal(
        wamp_auth_scram_credential("wamp-scram", "pbkdf2", S("pencil"), salt, 16, 4096, 0, &cred),
        WAMP_OK);
    wamp_auth_principal pr = {.authrole = "user", .scram = &cred};
    wamp_auth_server_config sc = {.server_nonce = (const uint8_t *)rnonce,
                                  .server_nonce_len = strlen(rnonce),
                                  .server_nonce_is_text = true};
    const char *proofs[] = {"dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
                            /* one bit off, and the ServerSignature given as proof */
                            "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVU=",
                            "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="};
    for (int i = 0; i < 3; i++) {
        wamp_auth_pending *p;
        assert_int_equal(wamp_auth_pending_new("wamp-scram", &sc, &p), WAMP_OK);
        wamp_value ae = wamp_value_dict();
        set_s(a, &ae, "nonce", "rOprNGfwEbeRWgbNEkqO");
        wamp_auth_hello h = {.realm = S("realm1"), .authid = S("user"), .authextra = &ae};
        wamp_auth_outcome out;
        assert_int_equal(wamp_auth_pending_hello(p, &h, &pr, a, &out), WAMP_OK);
        assert_int_equal(out.kind, WAMP_AUTH_CHALLENGE);
        assert_string_equal(out.challenge.method, "wamp-scram");
        assert_string_equal(str_of(&out.challenge.extra, "nonce"), full);
        assert_string_equal(str_of(&out.challenge.extra, "salt"), "W22ZaJ0SNY7soEsUEjb6gQ==");
        assert_string_equal(str_of(&out.challenge.extra, "kdf"), "pbkdf2");
        int64_t it = 0;
        assert_true(
            wamp_value_get_int(wamp_value_dict_getc(&out.challenge.extra, "iterations"), &it));
        assert_int_equal(it, 4096);
        wamp_value ex = wamp_value_dict();
        set_s(a, &ex, "nonce", full);
        assert_int_equal(wamp_value_dict_setc(a, &ex, "channel_binding", wamp_value_null()),
                         WAMP_OK);
        assert_int_equal(wamp_value_dict_setc(a, &ex, "cbind_data", wamp_value_null()), WAMP_OK);
        assert_int_equal(wamp_auth_pending_authenticate(p, S(proofs[i]), &ex, a, &out), WAMP_OK);
        if (i == 0) {
            assert_int_equal(out.kind, WAMP_AUTH_ACCEPT);
            assert_string_equal(out.accept.authid, "user");
            assert_string_equal(str_of(&out.accept.authextra, "verifier"),
                                "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
        } else {
            assert_int_equal(out.kind, WAMP_AUTH_DENY);
            assert_string_equal(out.deny.reason, "wamp.error.not_authorized");
        }
        wamp_auth_pending_free(p);
    }
    /* the text hook is for the spec flavour, and must be valid nonce text */
    wamp_auth_pending *p;
    assert_int_equal(wamp_auth_pending_new("scram", &sc, &p), WAMP_EINVAL);
    wamp_auth_server_config bad = {.server_nonce = (const uint8_t *)"a,b",
                                   .server_nonce_len = 3,
                                   .server_nonce_is_text = true};
    assert_int_equal(wamp_auth_pending_new("wamp-scram", &bad, &p), WAMP_EINVAL);
    bad.server_nonce = (const uint8_t *)"a b";
    assert_int_equal(wamp_auth_pending_new("wamp-scram", &bad, &p), WAMP_EINVAL);
    wamp_arena_free(a);
}

static void test_rfc7677_auth_message(void **state)
{
    wamp_buf am = {0};
    assert_int_equal(
        wamp__scram_auth_message(false, &am, S("user"), S("rOprNGfwEbeRWgbNEkqO"),
                                 S("rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"),
                                 S("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096, (wamp_str){0}, NULL, 0),
        WAMP_OK);
    assert_int_equal(wamp_buf_append_byte(&am, 0), WAMP_OK);
    assert_string_equal((char *)am.data,
                        "n=user,r=rOprNGfwEbeRWgbNEkqO,"
                        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                        "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,"
                        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
    /* saslname escaping and a channel binding */
    wamp_buf_clear(&am);
    assert_int_equal(wamp__scram_auth_message(false, &am, S("a,b=c"), S("x"), S("xy"), S("c2E="), 1,
                                              S("tls-unique"), (const uint8_t *)"\x01\x02", 2),
                     WAMP_OK);
    assert_int_equal(wamp_buf_append_byte(&am, 0), WAMP_OK);
    /* base64("p=tls-unique,,\x01\x02") */
    assert_string_equal((char *)am.data,
                        "n=a=2Cb=3Dc,r=x,r=xy,s=c2E=,i=1,c=cD10bHMtdW5pcXVlLCwBAg==,r=xy");
    /* Autobahn: no escaping, c=<binding or ""> */
    wamp_buf_clear(&am);
    assert_int_equal(wamp__scram_auth_message(true, &am, S("a,b"), S("x"), S("xy"), S("c2E="), 1,
                                              S(""), NULL, 0),
                     WAMP_OK);
    assert_int_equal(wamp_buf_append_byte(&am, 0), WAMP_OK);
    assert_string_equal((char *)am.data, "n=a,b,r=x,r=xy,s=c2E=,i=1,c=,r=xy");
    wamp_buf_free(&am);
}

/* ---------------------------------------------------------------- Argon2id (RFC 9106) */

static char *argon2id_hex(const char *pw, size_t pwlen, const void *salt, size_t saltlen,
                          uint32_t t, uint32_t m, uint32_t p)
{
    uint8_t tag[32];
    wamp__argon2id_input in = {.password = pw,
                               .password_len = pwlen,
                               .salt = salt,
                               .salt_len = saltlen,
                               .passes = t,
                               .memory_kib = m,
                               .lanes = p};
    assert_int_equal(wamp__auth_argon2id(&in, tag, sizeof tag), WAMP_OK);
    return wt_hex(tag, sizeof tag);
}

static void test_argon2id_rfc9106(void **state)
{
    /* RFC 9106 §5.3: Argon2id v1.3, t=3, m=32 KiB, p=4, P = 32 x 0x01, S = 16 x 0x02,
     * K = 8 x 0x03, X = 12 x 0x04, 32-byte tag */
    uint8_t pw[32], salt[16], secret[8], ad[12], tag[32];
    memset(pw, 1, sizeof pw);
    memset(salt, 2, sizeof salt);
    memset(secret, 3, sizeof secret);
    memset(ad, 4, sizeof ad);
    wamp__argon2id_input in = {.password = pw,
                               .password_len = sizeof pw,
                               .salt = salt,
                               .salt_len = sizeof salt,
                               .secret = secret,
                               .secret_len = sizeof secret,
                               .ad = ad,
                               .ad_len = sizeof ad,
                               .passes = 3,
                               .memory_kib = 32,
                               .lanes = 4};
    assert_int_equal(wamp__auth_argon2id(&in, tag, sizeof tag), WAMP_OK);
    char *hex = wt_hex(tag, sizeof tag);
    assert_string_equal(hex, "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659");
    free(hex);
    /* secret and associated data take part: dropping either changes the tag */
    uint8_t other[32];
    in.ad_len = 0;
    assert_int_equal(wamp__auth_argon2id(&in, other, sizeof other), WAMP_OK);
    assert_memory_not_equal(tag, other, 32);
    in.ad_len = sizeof ad;
    in.secret_len = 0;
    assert_int_equal(wamp__auth_argon2id(&in, other, sizeof other), WAMP_OK);
    assert_memory_not_equal(tag, other, 32);
    in.secret_len = sizeof secret;
    /* parameters outside Argon2's ranges */
    in.salt_len = 7;
    assert_int_equal(wamp__auth_argon2id(&in, other, sizeof other), WAMP_EINVAL);
    in.salt_len = sizeof salt;
    in.memory_kib = 31; /* below 8 KiB per lane */
    assert_int_equal(wamp__auth_argon2id(&in, other, sizeof other), WAMP_EINVAL);
    in.memory_kib = 32;
    in.lanes = 0;
    assert_int_equal(wamp__auth_argon2id(&in, other, sizeof other), WAMP_EINVAL);
    in.lanes = 4;
    in.passes = 0;
    assert_int_equal(wamp__auth_argon2id(&in, other, sizeof other), WAMP_EINVAL);
    in.passes = 3;
    assert_int_equal(wamp__auth_argon2id(&in, other, 3), WAMP_EINVAL); /* tag under 4 bytes */
    in.salt = NULL;
    assert_int_equal(wamp__auth_argon2id(&in, other, sizeof other), WAMP_EINVAL);
}

static void test_argon2id_reference(void **state)
{
    /* the Argon2 reference implementation's src/test.c, Argon2id v1.3 block (8-byte salts,
     * which libsodium's crypto_pwhash cannot take) */
    static const struct {
        uint32_t t, m_log2, p;
        const char *pw, *salt, *hex;
    } v[] = {
        {2, 16, 1, "password", "somesalt",
         "09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7"},
        {2, 18, 1, "password", "somesalt",
         "78fe1ec91fb3aa5657d72e710854e4c3d9b9198c742f9616c2f085bed95b2e8c"},
        {2, 8, 1, "password", "somesalt",
         "9dfeb910e80bad0311fee20f9c0e2b12c17987b4cac90c2ef54d5b3021c68bfe"},
        {2, 8, 2, "password", "somesalt",
         "6d093c501fd5999645e0ea3bf620d7b8be7fd2db59c20d9fff9539da2bf57037"},
        {1, 16, 1, "password", "somesalt",
         "f6a5adc1ba723dddef9b5ac1d464e180fcd9dffc9d1cbf76cca2fed795d9ca98"},
        {4, 16, 1, "password", "somesalt",
         "9025d48e68ef7395cca9079da4c4ec3affb3c8911fe4f86d1a2520856f63172c"},
        {2, 16, 1, "differentpassword", "somesalt",
         "0b84d652cf6b0c4beaef0dfe278ba6a80df6696281d7e0d2891b817d8c458fde"},
        {2, 16, 1, "password", "diffsalt",
         "bdf32b05ccc42eb15d58fd19b1f856b113da1e9a5874fdcc544308565aa8141c"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char *hex = argon2id_hex(v[i].pw, strlen(v[i].pw), v[i].salt, strlen(v[i].salt), v[i].t,
                                 1u << v[i].m_log2, v[i].p);
        assert_string_equal(hex, v[i].hex);
        free(hex);
    }
    /* the SCRAM path gives the same tag (wamp-scram: raw SaltedPassword) for an 8-byte salt */
    wamp__scram_salted sp;
    assert_int_equal(wamp__scram_salted_password(false, WAMP__KDF_ARGON2ID13, S("password"),
                                                 (const uint8_t *)"somesalt", 8, NULL, 0, 2, 256,
                                                 &sp),
                     WAMP_OK);
    char *hex = wt_hex(sp.data, sp.len);
    assert_string_equal(hex, v[2].hex);
    free(hex);
    /* and so does a credential: its keys are made from that tag */
    wamp_scram_credential cred;
    assert_int_equal(wamp_auth_scram_credential("wamp-scram", "argon2id13", S("password"),
                                                (const uint8_t *)"somesalt", 8, 2, 256, &cred),
                     WAMP_OK);
    uint8_t stk[32], svk[32];
    wamp__scram_keys(&sp, NULL, stk, svk);
    assert_memory_equal(cred.stored_key, stk, 32);
    assert_memory_equal(cred.server_key, svk, 32);
    assert_int_equal(cred.salt_len, 8);
    /* a salt under 8 bytes is out of Argon2's range */
    assert_int_equal(wamp_auth_scram_credential("wamp-scram", "argon2id13", S("password"),
                                                (const uint8_t *)"short", 5, 2, 256, &cred),
                     WAMP_ERANGE);
}

/* ---------------------------------------------------------------- Autobahn's values */

static void test_autobahn_kdfs(void **state)
{
    wamp__scram_salted sp;
    /* test_argon2id_static: generated with the reference argon2 tool
     * (echo -n "p4ssw0rd" | argon2 '1234567890abcdef' -id -t 32 -m 9 -p 1 -l 32) */
    assert_int_equal(wamp__scram_salted_password(false, WAMP__KDF_ARGON2ID13, S("p4ssw0rd"),
                                                 (const uint8_t *)"1234567890abcdef", 16, NULL, 0,
                                                 32, 512, &sp),
                     WAMP_OK);
    char *hex = wt_hex(sp.data, sp.len);
    assert_string_equal(hex, "ee4a8acf9d5958354fb79a95ae20692d05e42591ba49fae85eb6700e8b0ed293");
    free(hex);
    /* the Autobahn flavour keeps the unpadded base64 text of the same tag */
    wamp__scram_salted ab;
    assert_int_equal(wamp__scram_salted_password(true, WAMP__KDF_ARGON2ID13, S("p4ssw0rd"),
                                                 (const uint8_t *)"1234567890abcdef", 16, NULL, 0,
                                                 32, 512, &ab),
                     WAMP_OK);
    char b64[64];
    wamp__crypto_b64_to(b64, sp.data, 32);
    assert_int_equal(ab.len, 43);
    assert_memory_equal(ab.data, b64, 43);
    assert_string_equal(b64 + 43, "=");
    /* test_pbkdf2_static: the Autobahn PBKDF2 path takes the salt text as is */
    assert_int_equal(wamp__scram_salted_password(true, WAMP__KDF_PBKDF2, S("p4ssw0rd"), NULL, 0,
                                                 "1234567890abcdef", 16, 8, 0, &sp),
                     WAMP_OK);
    hex = wt_hex(sp.data, sp.len);
    assert_string_equal(hex, "f6991a28c75f43751e0d75499fd7b8649f659118ddc1d61cee5883af547d15f5");
    free(hex);
    /* test_basic's salt: the hex text "3132...6566" base64-decoded by Autobahn, 24 bytes;
     * SaltedPassword is AuthScram._salted_password after that test's on_challenge() */
    uint8_t salt24[32];
    size_t salt24_len = 0;
    const char *salt_text = "31323334353637383930616263646566";
    assert_int_equal(wamp__crypto_unb64(salt24, sizeof salt24, &salt24_len, salt_text, 32), 0);
    assert_int_equal(salt24_len, 24);
    assert_int_equal(wamp__scram_salted_password(true, WAMP__KDF_ARGON2ID13, S("p4ssw0rd"), salt24,
                                                 24, salt_text, 32, 32, 512, &ab),
                     WAMP_OK);
    assert_int_equal(ab.len, 43);
    assert_memory_equal(ab.data, "ln5cGpkOOh/ThoEnXRHtHituN5dFKX2gIvPAdugG1NY", 43);
    /* Argon2 takes salts of 8 bytes or more; bounds on peer-chosen costs */
    assert_int_equal(wamp__scram_salted_password(true, WAMP__KDF_ARGON2ID13, S("p"),
                                                 (const uint8_t *)"1234567", 7, NULL, 0, 1, 8, &sp),
                     WAMP_ERANGE);
    assert_int_equal(wamp__scram_salted_password(false, WAMP__KDF_ARGON2ID13, S("p"),
                                                 (const uint8_t *)"12345678", 8, NULL, 0, 1, 8,
                                                 &sp),
                     WAMP_OK);
    assert_int_equal(wamp__scram_salted_password(false, WAMP__KDF_ARGON2ID13, S("p"),
                                                 (const uint8_t *)"1234567890abcdef", 16, NULL, 0,
                                                 1, 7, &sp),
                     WAMP_ERANGE);
    assert_int_equal(wamp__scram_salted_password(true, WAMP__KDF_ARGON2ID13, S("p"),
                                                 (const uint8_t *)"1234567890abcdef", 16, NULL, 0,
                                                 1, 1u << 30, &sp),
                     WAMP_ERANGE);
    assert_int_equal(
        wamp__scram_salted_password(true, WAMP__KDF_PBKDF2, S("p"), NULL, 0, "s", 1, 0, 0, &sp),
        WAMP_ERANGE);
}

static void test_autobahn_client_checks(void **state)
{
    /* the shape of Autobahn's test_basic / test_no_memory_arg / test_unknown_arg */
    wamp_auth_config cc = {.authid = "username",
                           .secret = "p4ssw0rd",
                           .client_nonce = "31323334353637383930616263646566"};
    wamp_authenticator *c;
    wamp_arena *a = wamp_arena_new(0);
    assert_int_equal(wamp_authenticator_new("scram", &cc, &c), WAMP_OK);
    wamp_value d = wamp_value_dict();
    assert_int_equal(wamp_authenticator_hello(c, a, &d), WAMP_OK);
    const wamp_value *ae = wamp_value_dict_getc(&d, "authextra");
    assert_int_equal(wamp_value_count(ae), 1);
    assert_string_equal(str_of(ae, "nonce"), "31323334353637383930616263646566");

    wamp_value e = wamp_value_dict(), sig, extra;
    set_s(a, &e, "nonce", "1234567890abcdeffedcba0987654321");
    set_s(a, &e, "kdf", "argon2id-13");
    /* Autobahn's salt: hex text, which AuthScram base64-decodes (24 bytes) for Argon2 */
    set_s(a, &e, "salt", "31323334353637383930616263646566");
    set_i(a, &e, "iterations", 32);
    /* no memory for argon2 */
    assert_int_equal(wamp_authenticator_on_challenge(c, S("scram"), &e, a, &sig, &extra),
                     WAMP_EAUTH);
    set_i(a, &e, "memory", 512);
    /* an unknown key */
    assert_int_equal(wamp_value_dict_setc(a, &e, "an_invalid_key", wamp_value_null()), WAMP_OK);
    assert_int_equal(wamp_authenticator_on_challenge(c, S("scram"), &e, a, &sig, &extra),
                     WAMP_EAUTH);
    assert_true(wamp_value_dict_remove(&e, "an_invalid_key", 14));
    /* unknown kdf */
    set_s(a, &e, "kdf", "scrypt");
    assert_int_equal(wamp_authenticator_on_challenge(c, S("scram"), &e, a, &sig, &extra),
                     WAMP_EUNSUPPORTED);
    set_s(a, &e, "kdf", "argon2id-13");
    /* Autobahn does not require the router nonce to extend the client nonce */
    assert_int_equal(wamp_authenticator_on_challenge(c, S("scram"), &e, a, &sig, &extra), WAMP_OK);
    assert_int_equal(wamp_value_count(&extra), 0);
    /* test_basic's expected reply */
    wamp_str s;
    assert_true(wamp_value_get_string(&sig, &s));
    assert_true(wamp_str_eqc(s, "f5r3loERzGVSuimE+lvO0bWna2zyswBo0HrZkaaEy38="));
    /* test_basic then hands that proof back as scram_server_signature: not the server's */
    wamp_value w = wamp_value_dict();
    set_s(a, &w, "scram_server_signature", "f5r3loERzGVSuimE+lvO0bWna2zyswBo0HrZkaaEy38=");
    assert_int_equal(wamp_authenticator_on_welcome(c, &w), WAMP_ESIGNATURE);
    /* the same proof, computed step by step from the documented algorithm */
    uint8_t salt24[32];
    size_t salt24_len = 0;
    assert_int_equal(wamp__crypto_unb64(salt24, sizeof salt24, &salt24_len,
                                        "31323334353637383930616263646566", 32),
                     0);
    wamp__scram_salted sp;
    assert_int_equal(wamp__scram_salted_password(true, WAMP__KDF_ARGON2ID13, S("p4ssw0rd"), salt24,
                                                 salt24_len, NULL, 0, 32, 512, &sp),
                     WAMP_OK);
    const char *am = "n=username,r=31323334353637383930616263646566,"
                     "r=1234567890abcdeffedcba0987654321,s=31323334353637383930616263646566,i=32,"
                     "c=,r=1234567890abcdeffedcba0987654321";
    uint8_t ck[32], stk[32], svk[32], proof[32], ssig[32];
    wamp__scram_keys(&sp, ck, stk, svk);
    wamp__crypto_hmac256(proof, stk, 32, am, strlen(am));
    for (int i = 0; i < 32; i++)
        proof[i] ^= ck[i];
    char b64[64];
    wamp__crypto_b64_to(b64, proof, 32);
    assert_true(wamp_str_eqc(s, b64));
    wamp__crypto_hmac256(ssig, svk, 32, am, strlen(am));
    wamp__crypto_b64_to(b64, ssig, 32);
    w = wamp_value_dict();
    set_s(a, &w, "verifier", b64);
    assert_int_equal(wamp_authenticator_on_welcome(c, &w), WAMP_ESIGNATURE);
    set_s(a, &w, "scram_server_signature", b64);
    assert_int_equal(wamp_authenticator_on_welcome(c, &w), WAMP_OK);
    wamp_authenticator_free(c);
    wamp_arena_free(a);
}

/* ---------------------------------------------------------------- credentials */

static void test_derive_scram_credential(void **state)
{
    wamp_scram_credential c1, c2;
    assert_int_equal(
        wamp_auth_derive_scram_credential(S("foobar@example.com"), S("secret123"), NULL, &c1),
        WAMP_OK);
    assert_string_equal(c1.kdf, "argon2id-13");
    assert_int_equal(c1.iterations, 4096);
    assert_int_equal(c1.memory, 512);
    assert_int_equal(c1.salt_len, 16);
    uint8_t h[32];
    wamp__crypto_sha256(h, "foobar@example.com", 18);
    assert_memory_equal(c1.salt, h, 16);
    /* the explicit salt gives the same credential */
    assert_int_equal(wamp_auth_derive_scram_credential(S("x"), S("secret123"), h, &c2), WAMP_OK);
    assert_memory_equal(c1.stored_key, c2.stored_key, 32);
    assert_memory_equal(c1.server_key, c2.server_key, 32);
    /* and the generic form with the same parameters too */
    assert_int_equal(
        wamp_auth_scram_credential("scram", "argon2id13", S("secret123"), h, 16, 4096, 512, &c2),
        WAMP_OK);
    assert_string_equal(c2.kdf, "argon2id-13");
    assert_memory_equal(c1.stored_key, c2.stored_key, 32);

    wamp_buf j = {0};
    assert_int_equal(wamp_scram_credential_to_json(&c1, &j), WAMP_OK);
    char *salt = wt_hex(c1.salt, 16), *sk = wt_hex(c1.stored_key, 32),
         *svk = wt_hex(c1.server_key, 32);
    char expect[512];
    snprintf(expect, sizeof expect,
             "{\"kdf\": \"argon2id-13\", \"memory\": 512, \"iterations\": 4096, \"salt\": \"%s\", "
             "\"stored-key\": \"%s\", \"server-key\": \"%s\"}",
             salt, sk, svk);
    assert_string_equal((char *)j.data, expect);

    wamp_arena *a = wamp_arena_new(0);
    wamp_value v;
    assert_int_equal(wamp_scram_credential_to_value(&c1, a, &v), WAMP_OK);
    assert_string_equal(str_of(&v, "salt"), salt);
    assert_string_equal(str_of(&v, "stored-key"), sk);
    assert_string_equal(wamp_value_dict_entry(&v, 0)->key.ptr, "kdf");
    wamp_scram_credential back;
    assert_int_equal(wamp_scram_credential_from_value(&v, &back), WAMP_OK);
    assert_memory_equal(&back.stored_key, &c1.stored_key, 32);
    assert_memory_equal(&back.server_key, &c1.server_key, 32);
    assert_int_equal(back.iterations, 4096);
    /* malformed credential dicts */
    set_s(a, &v, "stored-key", "abcd");
    assert_int_equal(wamp_scram_credential_from_value(&v, &back), WAMP_EINVAL);
    set_s(a, &v, "stored-key", sk);
    set_s(a, &v, "kdf", "md5");
    assert_int_equal(wamp_scram_credential_from_value(&v, &back), WAMP_EUNSUPPORTED);
    free(salt);
    free(sk);
    free(svk);
    wamp_buf_free(&j);
    wamp_arena_free(a);
}

/* ---------------------------------------------------------------- round trips */

/* client_cid: the channel id the client binds to (NULL: the router's cid) */
static int roundtrip_full(const char *method, const char *kdf, const char *password,
                          const char *cbind, const uint8_t *cid, const uint8_t *client_cid,
                          bool tamper_welcome, size_t salt_len)
{
    uint8_t salt[64];
    assert_true(salt_len <= sizeof salt);
    for (size_t i = 0; i < sizeof salt; i++)
        salt[i] = (uint8_t)("0123456789abcdef"[i % 16] + i / 16);
    wamp_scram_credential cred;
    assert_int_equal(wamp_auth_scram_credential(method, kdf, S("correct horse"), salt, salt_len,
                                                strcmp(kdf, "pbkdf2") == 0 ? 1000 : 4, 64, &cred),
                     WAMP_OK);
    wamp_auth_principal pr = {.authrole = "user", .scram = &cred};
    wamp_auth_server_config sc = {.channel_id = cid,
                                  .channel_id_len = cid ? 32 : 0,
                                  .channel_binding = cid ? "tls-unique" : NULL};
    wamp_auth_config cc = {.authid = "joe,=x", .secret = password, .channel_binding = cbind};
    wamp_arena *a = wamp_arena_new(0);
    wamp_authenticator *c;
    wamp_auth_pending *p;
    assert_int_equal(wamp_authenticator_new(method, &cc, &c), WAMP_OK);
    if (cid)
        assert_int_equal(
            wamp_authenticator_set_channel_id(c, cbind, client_cid ? client_cid : cid, 32),
            WAMP_OK);
    assert_int_equal(wamp_auth_pending_new(method, &sc, &p), WAMP_OK);
    wamp_value d = wamp_value_dict();
    assert_int_equal(wamp_authenticator_hello(c, a, &d), WAMP_OK);
    wamp_auth_hello h = {.realm = S("realm1"),
                         .authid = S("joe,=x"),
                         .authextra = wamp_value_dict_getc(&d, "authextra")};
    wamp_auth_outcome out;
    assert_int_equal(wamp_auth_pending_hello(p, &h, &pr, a, &out), WAMP_OK);
    int result = -1000;
    if (out.kind == WAMP_AUTH_DENY) {
        result = -2000;
        goto done;
    }
    assert_int_equal(out.kind, WAMP_AUTH_CHALLENGE);
    assert_string_equal(str_of(&out.challenge.extra, "kdf"), cred.kdf);
    wamp_value sig, extra;
    int rc = wamp_authenticator_on_challenge(c, S(method), &out.challenge.extra, a, &sig, &extra);
    if (rc) {
        result = rc;
        goto done;
    }
    wamp_str s;
    assert_true(wamp_value_get_string(&sig, &s));
    assert_int_equal(wamp_auth_pending_authenticate(p, s, &extra, a, &out), WAMP_OK);
    if (out.kind != WAMP_AUTH_ACCEPT) {
        result = -3000;
        goto done;
    }
    assert_string_equal(out.accept.authmethod, method);
    if (tamper_welcome) {
        wamp_kv *kv = wamp_value_dict_entry(&out.accept.authextra, 0);
        char *t = (char *)kv->value.as.s;
        t[0] = t[0] == 'A' ? 'B' : 'A';
    }
    result = wamp_authenticator_on_welcome(c, &out.accept.authextra);
done:
    wamp_authenticator_free(c);
    wamp_auth_pending_free(p);
    wamp_arena_free(a);
    return result;
}

static int roundtrip_salt(const char *method, const char *kdf, const char *password,
                          const char *cbind, const uint8_t *cid, bool tamper_welcome,
                          size_t salt_len)
{
    return roundtrip_full(method, kdf, password, cbind, cid, NULL, tamper_welcome, salt_len);
}

static int roundtrip(const char *method, const char *kdf, const char *password, const char *cbind,
                     const uint8_t *cid, bool tamper_welcome)
{
    return roundtrip_salt(method, kdf, password, cbind, cid, tamper_welcome, 16);
}

static void test_roundtrips(void **state)
{
    uint8_t cid[32];
    for (int i = 0; i < 32; i++)
        cid[i] = (uint8_t)(i * 7);
    const char *methods[] = {"scram", "wamp-scram"};
    const char *kdfs[] = {"argon2id13", "pbkdf2"};
    for (int m = 0; m < 2; m++)
        for (int k = 0; k < 2; k++) {
            assert_int_equal(roundtrip(methods[m], kdfs[k], "correct horse", NULL, NULL, false),
                             WAMP_OK);
            assert_int_equal(roundtrip(methods[m], kdfs[k], "correct horsf", NULL, NULL, false),
                             -3000);
            assert_int_equal(roundtrip(methods[m], kdfs[k], "correct horse", NULL, NULL, true),
                             WAMP_ESIGNATURE);
        }
    /* Argon2 salts of any length from 8 bytes (the credential holds up to 64) */
    const size_t salt_lens[] = {8, 9, 24, 33, 64};
    for (int m = 0; m < 2; m++)
        for (size_t i = 0; i < sizeof salt_lens / sizeof salt_lens[0]; i++) {
            assert_int_equal(roundtrip_salt(methods[m], "argon2id13", "correct horse", NULL, NULL,
                                            false, salt_lens[i]),
                             WAMP_OK);
            assert_int_equal(roundtrip_salt(methods[m], "argon2id13", "correct horsf", NULL, NULL,
                                            false, salt_lens[i]),
                             -3000);
        }
    /* spec flavour with tls-unique channel binding */
    assert_int_equal(roundtrip("wamp-scram", "pbkdf2", "correct horse", "tls-unique", cid, false),
                     WAMP_OK);
    /* a client bound to another channel id (a relayed handshake): the router denies it */
    uint8_t other[32];
    memcpy(other, cid, 32);
    other[31] ^= 1;
    assert_int_equal(roundtrip_full("wamp-scram", "pbkdf2", "correct horse", "tls-unique", cid,
                                    other, false, 16),
                     -3000);
    assert_int_equal(roundtrip_full("wamp-scram", "argon2id13", "correct horse", "tls-unique", cid,
                                    other, false, 16),
                     -3000);
    /* binding asked for but the router has none: denied at HELLO */
    assert_int_equal(roundtrip("wamp-scram", "pbkdf2", "correct horse", "tls-unique", NULL, false),
                     -2000);
}

static void test_router_rejects(void **state)
{
    wamp_scram_credential cred;
    assert_int_equal(wamp_auth_scram_credential("wamp-scram", "pbkdf2", S("pw"),
                                                (const uint8_t *)"saltsaltsaltsalt", 16, 100, 0,
                                                &cred),
                     WAMP_OK);
    wamp_auth_principal pr = {.authrole = "user", .scram = &cred};
    wamp_arena *a = wamp_arena_new(0);
    wamp_auth_pending *p;
    wamp_auth_outcome out;
    /* no client nonce */
    assert_int_equal(wamp_auth_pending_new("wamp-scram", NULL, &p), WAMP_OK);
    wamp_auth_hello h = {.realm = S("r"), .authid = S("joe")};
    assert_int_equal(wamp_auth_pending_hello(p, &h, &pr, a, &out), WAMP_OK);
    assert_int_equal(out.kind, WAMP_AUTH_DENY);
    wamp_auth_pending_free(p);
    /* an argon2 credential of the other flavour */
    wamp_scram_credential ab;
    assert_int_equal(wamp_auth_scram_credential("scram", "argon2id-13", S("pw"),
                                                (const uint8_t *)"saltsaltsaltsalt", 16, 1, 8, &ab),
                     WAMP_OK);
    wamp_auth_principal prab = {.authrole = "user", .scram = &ab};
    wamp_value ae = wamp_value_dict();
    set_s(a, &ae, "nonce", "AAAAAAAAAAAAAAAAAAAAAA==");
    h.authextra = &ae;
    assert_int_equal(wamp_auth_pending_new("wamp-scram", NULL, &p), WAMP_OK);
    assert_int_equal(wamp_auth_pending_hello(p, &h, &prab, a, &out), WAMP_OK);
    assert_int_equal(out.kind, WAMP_AUTH_DENY);
    wamp_auth_pending_free(p);
    /* malformed proofs and mismatching extra */
    const char *proofs[] = {"", "AAAA", "not base64 at all",
                            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(wamp_auth_pending_new("wamp-scram", NULL, &p), WAMP_OK);
        assert_int_equal(wamp_auth_pending_hello(p, &h, &pr, a, &out), WAMP_OK);
        assert_int_equal(out.kind, WAMP_AUTH_CHALLENGE);
        wamp_value ex = wamp_value_dict();
        set_s(a, &ex, "nonce", str_of(&out.challenge.extra, "nonce"));
        assert_int_equal(wamp_auth_pending_authenticate(p, S(proofs[i]), &ex, a, &out), WAMP_OK);
        assert_int_equal(out.kind, WAMP_AUTH_DENY);
        assert_int_equal(wamp_auth_pending_authenticate(p, S(proofs[i]), &ex, a, &out),
                         WAMP_ESTATE);
        wamp_auth_pending_free(p);
    }
    wamp_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc7677_client),
        cmocka_unit_test(test_rfc7677_router),
        cmocka_unit_test(test_rfc7677_auth_message),
        cmocka_unit_test(test_argon2id_rfc9106),
        cmocka_unit_test(test_argon2id_reference),
        cmocka_unit_test(test_autobahn_kdfs),
        cmocka_unit_test(test_autobahn_client_checks),
        cmocka_unit_test(test_derive_scram_credential),
        cmocka_unit_test(test_roundtrips),
        cmocka_unit_test(test_router_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
