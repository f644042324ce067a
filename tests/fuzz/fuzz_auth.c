/* libFuzzer target: authentication message handling. The input is JSON; a dict is used as
 * CHALLENGE.Extra for every client authenticator, and as HELLO.authextra and AUTHENTICATE.Extra
 * (its "sig" string as the signature) for every router method, and its cryptosign
 * certificates / trustroot / pubkey go through the certificate chain verifier. Nothing may crash
 * or leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <wamp/auth.h>
#include <wamp/cryptosign.h>
#include <wamp/serializer.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const METHODS[] = {"anonymous", "ticket",     "totp",      "wampcra",
                                      "scram",     "wamp-scram", "cryptosign"};

static bool too_costly(const wamp_value *d)
{
    int64_t i;
    const wamp_value *it = wamp_value_dict_getc(d, "iterations");
    const wamp_value *mem = wamp_value_dict_getc(d, "memory");
    return (it && wamp_value_get_int(it, &i) && i > 64) ||
           (mem && wamp_value_get_int(mem, &i) && i > 256);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t seed[32] = {1, 2, 3};
    static const uint8_t cid[32] = {9, 8, 7};
    wamp_arena *a = wamp_arena_new(0);
    wamp_value v;
    wamp_decode_opts opts = {.max_depth = 16, .max_size = 1 << 16};
    if (!a || wamp_value_decode(WAMP_SER_JSON, data, size, a, &opts, &v) != WAMP_OK ||
        wamp_value_type_of(&v) != WAMP_VALUE_DICT || too_costly(&v)) {
        wamp_arena_free(a);
        return 0;
    }
    wamp_cryptosign_key *key = NULL;
    wamp_cryptosign_key_from_bytes(seed, NULL, &key);
    for (size_t m = 0; m < sizeof METHODS / sizeof METHODS[0]; m++) {
        /* client side */
        wamp_auth_config cc = {.authid = "joe",
                               .secret = "secret",
                               .key = key,
                               .client_nonce = "Y2xpZW50bm9uY2U=",
                               .channel_binding = m == 6 ? "tls-unique" : NULL};
        wamp_authenticator *c = NULL;
        if (wamp_authenticator_new(METHODS[m], &cc, &c) == WAMP_OK) {
            wamp_value d = wamp_value_dict(), sig, extra;
            wamp_authenticator_set_channel_id(c, NULL, cid, 32);
            wamp_authenticator_hello(c, a, &d);
            wamp_authenticator_on_challenge(c, wamp_str_c(METHODS[m]), &v, a, &sig, &extra);
            wamp_authenticator_on_welcome(c, &v);
            wamp_authenticator_free(c);
        }
        /* router side */
        wamp_scram_credential cred;
        wamp_auth_scram_credential(m == 4 ? "scram" : "wamp-scram", "pbkdf2", wamp_str_c("pw"),
                                   (const uint8_t *)"saltsaltsaltsalt", 16, 2, 0, &cred);
        uint8_t keys[1][32];
        wamp_cryptosign_key_public(key, keys[0]);
        wamp_auth_principal pr = {.authrole = "user",
                                  .secret = "secret",
                                  .salt = "s",
                                  .scram = &cred,
                                  .authorized_keys = keys,
                                  .authorized_count = 1,
                                  .totp_secret = "GEZDGNBVGY3TQOJQ"};
        wamp_auth_server_config sc = {.now_ms = 1000,
                                      .channel_id = cid,
                                      .channel_id_len = 32,
                                      .channel_binding = "tls-unique",
                                      .router_key = key};
        wamp_auth_pending *p = NULL;
        if (wamp_auth_pending_new(METHODS[m], &sc, &p) == WAMP_OK) {
            wamp_auth_hello h = {
                .realm = wamp_str_c("realm1"), .authid = wamp_str_c("joe"), .authextra = &v};
            wamp_auth_outcome out;
            if (wamp_auth_pending_hello(p, &h, &pr, a, &out) == WAMP_OK &&
                out.kind == WAMP_AUTH_CHALLENGE) {
                wamp_str sig = wamp_str_c("x");
                const wamp_value *s = wamp_value_dict_getc(&v, "sig");
                if (s) wamp_value_get_string(s, &sig);
                wamp_auth_pending_authenticate(p, sig, &v, a, &out);
            }
            wamp_auth_pending_free(p);
        }
    }
    wamp_cryptosign_authextra ae;
    if (wamp_cryptosign_authextra_parse(&v, &ae) == WAMP_OK && ae.certificates) {
        wamp_cryptosign_cert_info info;
        wamp_cryptosign_verify_certificates(ae.certificates, ae.trustroot, ae.pubkey, NULL, &info);
    }
    wamp_cryptosign_key_free(key);
    wamp_arena_free(a);
    return 0;
}
