/* Unit tests of src/crypto cryptosign keys and the cryptosign method: RFC 8032 Ed25519 vectors,
 * the WAMP spec / Autobahn signature vectors (with and without tls-unique channel binding),
 * key files (Autobahn, OpenSSH private and public), every truncation of them, BIP-39 seeds
 * (the standard English vectors with passphrase "TREZOR"), seed-phrase keys, authextra, and
 * client/router round trips with negative cases. */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wamp/auth.h>
#include <wamp/cryptosign.h>
#include <wamp/ethkey.h>
#include <wamp/serializer.h>

#include "crypto/crypto_util.h"
#include "crypto/cryptosign_int.h"

static wamp_str S(const char *s)
{
    return wamp_str_c(s);
}

static uint8_t *unhex(const char *hex, size_t want)
{
    size_t n = 0;
    uint8_t *b = wt_unhex(hex, &n);
    assert_non_null(b);
    assert_int_equal(n, want);
    return b;
}

/* ---------------------------------------------------------------- RFC 8032 */

/* RFC 8032 TEST 1024: the 1023-byte message */
#define RFC8032_MSG_1023                                                                           \
    "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98fa6e264bf09efe12ee50f8f54e9f" \
    "77b1"                                                                                         \
    "e355f6c50544e23fb1433ddf73be84d879de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20" \
    "329d"                                                                                         \
    "658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc1a858efcb8550ee3a5e1998bd177" \
    "e93a"                                                                                         \
    "7363c344fe6b199ee5d02e82d522c4feba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36" \
    "553e"                                                                                         \
    "06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbefefd75499da96bd68a8a97b928a8b" \
    "bc10"                                                                                         \
    "3b6621fcde2beca1231d206be6cd9ec7aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb" \
    "7ed1"                                                                                         \
    "85ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2d17ba70eb6248e594e1a2297acbb" \
    "b39d"                                                                                         \
    "502f1a8c6eb6f1ce22b3de1a1f40cc24554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65" \
    "f270"                                                                                         \
    "88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc2732e69485bbc9c90bfbd62481d9" \
    "089b"                                                                                         \
    "eccf80cfe2df16a2cf65bd92dd597b0707e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a461" \
    "28ba"                                                                                         \
    "b27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51addd3b75a2b1ae0784504df543af8" \
    "969b"                                                                                         \
    "e3ea7082ff7fc9888c144da2af58429ec96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47a" \
    "cdb7"                                                                                         \
    "51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c42f58c30c04aafdb038dda0847dd" \
    "988d"                                                                                         \
    "cda6f3bfd15c4b4c4525004aa06eeff8ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee" \
    "34df"                                                                                         \
    "f7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08d78ff4ef5d63653a65040cf9bfd4" \
    "aca7"                                                                                         \
    "984a74d37145986780fc0b16ac451649de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae" \
    "49e4"                                                                                         \
    "88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a32ef5b52a1ecc820e308aa342721a" \
    "ac09"                                                                                         \
    "43bf6686b64b2579376504ccc493d97e6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496a" \
    "fc5f"                                                                                         \
    "b93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b50d334ba77c225bc307ba537152f3" \
    "f161"                                                                                         \
    "0e4eafe595f6d9d90d11faa933a15ef1369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937" \
    "380d"                                                                                         \
    "b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c0618983f8741c5ef68d3a101e8a3" \
    "b8ca"                                                                                         \
    "c60c905c15fc910840b94c00a0b9d0"

static void test_rfc8032(void **state)
{
    static const char *const v[][4] = {
        /* TEST 1 */
        {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
         "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
         "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
         "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
        /* TEST 2 */
        {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
         "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
         "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
         "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
        /* TEST 3 */
        {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
         "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
         "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
         "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
        /* TEST 1024 */
        {"f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5",
         "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e", RFC8032_MSG_1023,
         "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350"
         "aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03"},
        /* TEST SHA(abc): the message is SHA-512("abc") */
        {"833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
         "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
         "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
         "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
         "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b589"
         "09351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t *seed = unhex(v[i][0], 32);
        size_t mlen = 0;
        uint8_t *msg = wt_unhex(v[i][2], &mlen);
        wamp_cryptosign_key *k, *pub;
        assert_int_equal(wamp_cryptosign_key_from_bytes(seed, "rfc8032", &k), WAMP_OK);
        assert_true(wamp_cryptosign_key_can_sign(k));
        assert_string_equal(wamp_cryptosign_key_type(k), "cryptosign");
        assert_string_equal(wamp_cryptosign_key_comment(k), "rfc8032");
        char hex[65];
        wamp_cryptosign_key_public_hex(k, hex);
        assert_string_equal(hex, v[i][1]);
        uint8_t sig[64], pk[32];
        assert_int_equal(wamp_cryptosign_key_sign(k, msg, mlen, sig), WAMP_OK);
        char *sh = wt_hex(sig, 64);
        assert_string_equal(sh, v[i][3]);
        free(sh);
        wamp_cryptosign_key_public(k, pk);
        assert_int_equal(wamp_cryptosign_key_from_pubkey(pk, NULL, &pub), WAMP_OK);
        assert_false(wamp_cryptosign_key_can_sign(pub));
        assert_null(wamp_cryptosign_key_comment(pub));
        assert_int_equal(wamp_cryptosign_key_verify(pub, msg, mlen, sig), WAMP_OK);
        sig[10] ^= 1;
        assert_int_equal(wamp_cryptosign_key_verify(pub, msg, mlen, sig), WAMP_ESIGNATURE);
        assert_int_equal(wamp_cryptosign_key_sign(pub, msg, mlen, sig), WAMP_ESTATE);
        assert_int_equal(wamp_cryptosign_key_seed(pub, sig), WAMP_ESTATE);
        wamp_cryptosign_key_free(k);
        wamp_cryptosign_key_free(pub);
        free(seed);
        free(msg);
    }
}

/* ---------------------------------------------------------------- WAMP-Cryptosign vectors */

/* The six vectors of the WAMP spec (authentication_cryptosign.md) and Autobahn's
 * test_wamp_cryptosign.py: 3 keys, without and with the channel id. */
static const char *const CS_VECTORS[][4] = {
    {NULL, "4d57d97a68f555696620a6d849c0ce582568518d729eb753dc7c732de2804510",
     "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
     "b32675b221f08593213737bef8240e7c15228b07028e19595294678c90d11c0cae80a357331bfc5cc9fb71081464e"
     "6e75013517c2cf067ad566a6b7b728e5d03ffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
     "ffffff"},
    {NULL, "d511fe78e23934b3dadb52fcd022974b80bd92bccc7c5cf404e46cc0a8a2f5cd",
     "b26c1f87c13fc1da14997f1b5a71995dff8fbe0a62fae8473c7bdbd05bfb607d",
     "d4209ad10d5aff6bfbc009d7e924795de138a63515efc7afc6b01b7fe5201372190374886a70207b042294af5bd64"
     "ce725cd8dceb344e6d11c09d1aaaf4d660fb26c1f87c13fc1da14997f1b5a71995dff8fbe0a62fae8473c7bdbd05b"
     "fb607d"},
    {NULL, "6e1fde9cf9e2359a87420b65a87dc0c66136e66945196ba2475990d8a0c3a25b",
     "b05e6b8ad4d69abf74aa3be3c0ee40ae07d66e1895b9ab09285a2f1192d562d2",
     "7beb282184baadd08f166f16dd683b39cab53816ed81e6955def951cb2ddad1ec184e206746fd82bda075af03711d"
     "3d5658fc84a76196b0fa8d1ebc92ef9f30bb05e6b8ad4d69abf74aa3be3c0ee40ae07d66e1895b9ab09285a2f1192"
     "d562d2"},
    {"62e935ae755f3d48f80d4d59f6121358c435722a67e859cc0caa8b539027f2ff",
     "4d57d97a68f555696620a6d849c0ce582568518d729eb753dc7c732de2804510",
     "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
     "9b6f41540c9b95b4b7b281c3042fa9c54cef43c842d62ea3fd6030fcb66e70b3e80d49d44c29d1635da9348d02ec9"
     "3f3ed1ef227dfb59a07b580095c2b82f80f9d16ca518aa0c2b707f2b2a609edeca73bca8dd59817a633f35574ac6f"
     "d80d00"},
    {"62e935ae755f3d48f80d4d59f6121358c435722a67e859cc0caa8b539027f2ff",
     "d511fe78e23934b3dadb52fcd022974b80bd92bccc7c5cf404e46cc0a8a2f5cd",
     "b26c1f87c13fc1da14997f1b5a71995dff8fbe0a62fae8473c7bdbd05bfb607d",
     "305aaa3ac25e98f651427688b3fc43fe7d8a68a7ec1d7d61c61517c519bd4a427c3015599d83ca28b4c6523339202"
     "23844ef0725eb5dc2febfd6af7677b73f01d0852a29b460fc92ec943242ac638a053bbacc200512b18b30d15083cb"
     "dc9282"},
    {"62e935ae755f3d48f80d4d59f6121358c435722a67e859cc0caa8b539027f2ff",
     "6e1fde9cf9e2359a87420b65a87dc0c66136e66945196ba2475990d8a0c3a25b",
     "b05e6b8ad4d69abf74aa3be3c0ee40ae07d66e1895b9ab09285a2f1192d562d2",
     "ee3c7644fd8070532bc1fde3d70d742267da545d8c8f03e63bda63f1ad4214f4d2c4bfdb4eb9526def42deeb7e316"
     "02a6ff99eba893e0a4ad4d45892ca75e608d2b75e24a189a7f78ca776ba36fc53f6c3e31c32f251f2c524f0a44202"
     "f2902d"},
};

static void test_spec_vectors(void **state)
{
    for (size_t i = 0; i < 6; i++) {
        uint8_t *seed = unhex(CS_VECTORS[i][1], 32);
        uint8_t *cid = CS_VECTORS[i][0] ? unhex(CS_VECTORS[i][0], 32) : NULL;
        uint8_t *chal = unhex(CS_VECTORS[i][2], 32);
        wamp_cryptosign_key *k;
        assert_int_equal(wamp_cryptosign_key_from_bytes(seed, NULL, &k), WAMP_OK);
        char out[WAMP_CRYPTOSIGN_SIGNED_HEX_SIZE];
        assert_int_equal(wamp_cryptosign_key_sign_challenge(k, S(CS_VECTORS[i][2]), cid, out),
                         WAMP_OK);
        assert_string_equal(out, CS_VECTORS[i][3]);
        /* the router side accepts it ... */
        uint8_t pk[32];
        wamp_cryptosign_key_public(k, pk);
        assert_int_equal(wamp_cryptosign_verify_challenge(pk, chal, cid, S(out)), WAMP_OK);
        /* ... but not with a wrong or missing channel id, */
        uint8_t other[32];
        memset(other, 0x5a, 32);
        assert_int_equal(wamp_cryptosign_verify_challenge(pk, chal, other, S(out)), WAMP_EAUTH);
        if (cid)
            assert_int_equal(wamp_cryptosign_verify_challenge(pk, chal, NULL, S(out)), WAMP_EAUTH);
        /* another challenge (a replay against a fresh challenge), */
        uint8_t chal2[32];
        memcpy(chal2, chal, 32);
        chal2[31] ^= 0x80;
        assert_int_equal(wamp_cryptosign_verify_challenge(pk, chal2, cid, S(out)), WAMP_EAUTH);
        /* a signature altered anywhere, */
        for (size_t pos = 0; pos < 128; pos += 9) {
            char bad[WAMP_CRYPTOSIGN_SIGNED_HEX_SIZE];
            memcpy(bad, out, sizeof bad);
            bad[pos] = bad[pos] == '0' ? '1' : '0';
            assert_int_equal(wamp_cryptosign_verify_challenge(pk, chal, cid, S(bad)),
                             WAMP_ESIGNATURE);
        }
        /* another key, or malformed text */
        uint8_t pk2[32];
        memcpy(pk2, pk, 32);
        pk2[0] ^= 1;
        assert_int_not_equal(wamp_cryptosign_verify_challenge(pk2, chal, cid, S(out)), WAMP_OK);
        out[191] = 'g';
        assert_int_equal(wamp_cryptosign_verify_challenge(pk, chal, cid, S(out)), WAMP_EAUTH);
        out[190] = 0;
        assert_int_equal(wamp_cryptosign_verify_challenge(pk, chal, cid, S(out)), WAMP_EAUTH);
        wamp_cryptosign_key_free(k);
        free(seed);
        free(cid);
        free(chal);
    }
    /* malformed challenges to sign */
    uint8_t seed[32] = {1};
    wamp_cryptosign_key *k;
    char out[WAMP_CRYPTOSIGN_SIGNED_HEX_SIZE];
    assert_int_equal(wamp_cryptosign_key_from_bytes(seed, NULL, &k), WAMP_OK);
    assert_int_equal(wamp_cryptosign_key_sign_challenge(k, S("ff"), NULL, out), WAMP_EAUTH);
    assert_int_equal(
        wamp_cryptosign_key_sign_challenge(
            k, S("zzffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"), NULL, out),
        WAMP_EAUTH);
    wamp_cryptosign_key_free(k);
}

/* The logged handshakes of the spec's Cryptosign chapter (authentication_cryptosign.md: the
 * example message flow and Example Message Exchanges 1 and 2), verified with our router-side
 * check and our client's router authentication. */
static void test_spec_handshakes(void **state)
{
    static const char *client_pk =
        "545efb0a2192db8d43f118e9bf9aee081466e1ef36c708b96ee6f62dddad9122";
    static const char *router_pk =
        "4a3838f6fe75251e613329d53fc69b262d5eac97fb1d73bebbaed4015b53c862";
    /* Example 2's tls-unique channel id, from its "session joined" log */
    static const char *cid_hex = "e973bee24dcea9e20625f949c0e3cd28d632ccbefe4907c2fac2728710f7b160";
    static const char *const v[][4] = {
        /* key, challenge, channel id, signature || message */
        {NULL, "fa034062ad76352b53a25358854577730db82f367aa439709c91296d04a5716c", NULL,
         "e2f0297a193b63b7a4a92028e9e2e6107f82730560d54a657bd982cb4b3151490399debbbde998e494d3c3b2a"
         "5e2e91271291e10dee85a6cfaa127885ddd8b0afa034062ad76352b53a25358854577730db82f367aa439709c"
         "91296d04a5716c"},
        /* Example 1: router signs the client's challenge, client signs the router's */
        {"r", "bbae60ea44cdd7b20dc7010a618b0f0803fab25a817520b4b7f057299b524deb", NULL,
         "fd5128d2d207ba58a9d1d6f41b72c747964ad9d1294077b3b1eee6130b05843ab12c53c7f2519f73d4feb82db"
         "19d8ca0fc26b62bde6518e79a882f5795bc9f00bbae60ea44cdd7b20dc7010a618b0f0803fab25a817520b4b7"
         "f057299b524deb"},
        {NULL, "0e9192bc08512c8198da159c1ae600ba91729215f35d56102ee318558e773537", NULL,
         "a3a178fe792ed772a8fc092f8341e455de96670c8901264a7c312dbf940d5743626fe9fbc29b23dcd2169b308"
         "eca309de85a89ccd296b24835de3d95b16b77030e9192bc08512c8198da159c1ae600ba91729215f35d56102e"
         "e318558e773537"},
        /* Example 2: the same with tls-unique channel binding */
        {"r", "4f861f12796c2972b7b0026522a687aa851d90355122a61d4f1fdce4d06b564f", "b",
         "aa05f4cd7747d36b79443f1d4703a681e107edc085d876b508714e2a3a8135bacaae1c018452c4acb3ad2818a"
         "a97a6d23e5ac7e3734c7b1f40e6232a70938205a6f5a1f034a28090b195fb2ce2454a82532f5c8baf6ba1dfb5"
         "ddae63c09ce72f"},
        {NULL, "358625312c6c3bf64ed51d17d210ce21af1639c774cabf5735a9651d7d91fc6a", "b",
         "25114474580d6e99a6126b091b4565c23db567d686c5b8c3a94e3f2f09dc80300c5b40a124236733fa56396df"
         "721eb12ac092362379bd5b27b4db9e2beaa1408dcf59bd361a2921448f0e45e12f303097924f5798a83b895cf"
         "6b179a6d664d0a"},
    };
    uint8_t *cpk = unhex(client_pk, 32), *rpk = unhex(router_pk, 32), *cid = unhex(cid_hex, 32);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t *chal = unhex(v[i][1], 32);
        const uint8_t *pk = v[i][0] ? rpk : cpk;
        const uint8_t *id = v[i][2] ? cid : NULL;
        assert_int_equal(wamp_cryptosign_verify_challenge(pk, chal, id, S(v[i][3])), WAMP_OK);
        /* the other key, or the binding left out or added, fail */
        assert_int_not_equal(
            wamp_cryptosign_verify_challenge(pk == cpk ? rpk : cpk, chal, id, S(v[i][3])), WAMP_OK);
        assert_int_equal(wamp_cryptosign_verify_challenge(pk, chal, id ? NULL : cid, S(v[i][3])),
                         WAMP_EAUTH);
        free(chal);
    }
    /* our client, having sent Example 2's challenge with tls-unique, accepts the router's
     * CHALLENGE of Example 2 and refuses it with the signature altered */
    wamp_arena *a = wamp_arena_new(0);
    wamp_value ae = wamp_value_dict();
    assert_int_equal(wamp_value_dict_setc(a, &ae, "challenge", wamp_value_cstring(a, v[3][1])),
                     WAMP_OK);
    wamp_auth_config cc = {
        .privkey_hex = CS_VECTORS[0][1], .authextra = &ae, .channel_binding = "tls-unique"};
    for (int bad = 0; bad < 2; bad++) {
        wamp_authenticator *c;
        assert_int_equal(wamp_authenticator_new("cryptosign", &cc, &c), WAMP_OK);
        assert_int_equal(wamp_authenticator_set_channel_id(c, "tls-unique", cid, 32), WAMP_OK);
        wamp_value e = wamp_value_dict(), sig, extra;
        char rsig[200];
        strcpy(rsig, v[3][3]);
        if (bad) rsig[5] = rsig[5] == '0' ? '1' : '0';
        assert_int_equal(wamp_value_dict_setc(a, &e, "challenge", wamp_value_cstring(a, v[4][1])),
                         WAMP_OK);
        assert_int_equal(
            wamp_value_dict_setc(a, &e, "channel_binding", wamp_value_cstring(a, "tls-unique")),
            WAMP_OK);
        assert_int_equal(wamp_value_dict_setc(a, &e, "pubkey", wamp_value_cstring(a, router_pk)),
                         WAMP_OK);
        assert_int_equal(wamp_value_dict_setc(a, &e, "signature", wamp_value_cstring(a, rsig)),
                         WAMP_OK);
        assert_int_equal(wamp_authenticator_on_challenge(c, S("cryptosign"), &e, a, &sig, &extra),
                         bad ? WAMP_EAUTH : WAMP_OK);
        wamp_authenticator_free(c);
    }
    wamp_arena_free(a);
    free(cpk);
    free(rpk);
    free(cid);
}

/* Example 3 of the spec's "Example Message Exchanges" (router challenge, tls-unique, client
 * trustroot and certificates): another client key (the delegate certificate's csPubKey). Its
 * log does not show the tls-unique channel id; it follows from the AUTHENTICATE message
 * (signed message XOR the router's challenge), and the router's signature must have been made
 * over the client's challenge XOR the same id. */
static const char EX3_CLIENT_PK[] =
    "12ae0184b180e9a9c5e45be4a1afbce3c6491320063701cd9c4011a777d04089";
static const char EX3_HELLO_CHALLENGE[] =
    "2763e7fdb1c34a74e8497daf6c913744d11161a94cec3b16aeec60a788612e17";
static const char EX3_CHALLENGE[] =
    "e4b40f72f9604754789d472225483bace926b9668d72c9122545e540d8d98f23";
static const char EX3_ROUTER_SIG[] =
    "ce456092998d796533d7ef2bab543300409d161066c9520c9284df6bbfb82947b37fb78d69fd56e5118afec62e35e0"
    "1"
    "5c60569af2e18ed92fedc738552242d039a38790e9c94064d89335393d39973c14074cd1008d7266de74c641103e30"
    "609";
static const char EX3_AUTHENTICATE[] =
    "16c89629e72aff3f44661e701341b2221a2fa9d93205826fad85e70d3a8dab70a8f54314c14d470ebeb77a0dd16c83"
    "3"
    "928c01134a52b2e73862b7d3f258b600059ef9181d4370b6d19e7691e9a407f29784315dfc949d4696ce5e1f6535ba"
    "73d";

static void test_spec_example3_handshake(void **state)
{
    static const char *router_pk =
        "4a3838f6fe75251e613329d53fc69b262d5eac97fb1d73bebbaed4015b53c862";
    uint8_t *cpk = unhex(EX3_CLIENT_PK, 32), *rpk = unhex(router_pk, 32);
    uint8_t *hchal = unhex(EX3_HELLO_CHALLENGE, 32), *chal = unhex(EX3_CHALLENGE, 32);
    uint8_t *rsig = unhex(EX3_ROUTER_SIG, 96), *auth = unhex(EX3_AUTHENTICATE, 96);
    uint8_t cid[32];
    for (int i = 0; i < 32; i++) {
        cid[i] = auth[64 + i] ^ chal[i];
        /* both signatures were made on the same TLS channel */
        assert_int_equal(rsig[64 + i] ^ hchal[i], cid[i]);
    }
    char *cid_hex = wt_hex(cid, 32);
    assert_string_equal(cid_hex,
                        "bd5b9ef32d574c39617a2e3cbf0844859165acb9443b1d7b49a004b68b82281e");
    free(cid_hex);
    /* the router checks the client's AUTHENTICATE, the client the router's signature */
    assert_int_equal(wamp_cryptosign_verify_challenge(cpk, chal, cid, S(EX3_AUTHENTICATE)),
                     WAMP_OK);
    assert_int_equal(wamp_cryptosign_verify_challenge(rpk, hchal, cid, S(EX3_ROUTER_SIG)), WAMP_OK);
    /* without the binding, with the other key or the other challenge: refused */
    assert_int_equal(wamp_cryptosign_verify_challenge(cpk, chal, NULL, S(EX3_AUTHENTICATE)),
                     WAMP_EAUTH);
    assert_int_equal(wamp_cryptosign_verify_challenge(rpk, hchal, NULL, S(EX3_ROUTER_SIG)),
                     WAMP_EAUTH);
    assert_int_equal(wamp_cryptosign_verify_challenge(rpk, chal, cid, S(EX3_AUTHENTICATE)),
                     WAMP_ESIGNATURE);
    assert_int_equal(wamp_cryptosign_verify_challenge(cpk, hchal, cid, S(EX3_AUTHENTICATE)),
                     WAMP_EAUTH);
    /* every altered hex digit of either message is refused: in the signature part by the
     * Ed25519 check, in the signed message part by the challenge comparison */
    const char *msgs[2] = {EX3_AUTHENTICATE, EX3_ROUTER_SIG};
    const uint8_t *keys[2] = {cpk, rpk}, *chals[2] = {chal, hchal};
    for (int m = 0; m < 2; m++)
        for (size_t pos = 0; pos < 192; pos++) {
            char bad[193];
            memcpy(bad, msgs[m], 193);
            bad[pos] = bad[pos] == '0' ? '8' : '0';
            int rc = wamp_cryptosign_verify_challenge(keys[m], chals[m], cid, S(bad));
            assert_int_equal(rc, pos < 128 ? WAMP_ESIGNATURE : WAMP_EAUTH);
        }
    /* a flipped bit of the channel id */
    cid[31] ^= 1;
    assert_int_equal(wamp_cryptosign_verify_challenge(cpk, chal, cid, S(EX3_AUTHENTICATE)),
                     WAMP_EAUTH);
    free(cpk);
    free(rpk);
    free(hchal);
    free(chal);
    free(rsig);
    free(auth);
}

/* ---------------------------------------------------------------- certificate chains */

/* Example 3's HELLO.authextra.certificates, as JSON (the log shows Python tuples), the types
 * of each certificate abbreviated as CERT_DT / CERT_AT. */
#define CERT_DOMAIN_TYPES                                                                          \
    "\"EIP712Domain\":[{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"version\",\"type\":"    \
    "\"string\"}]"
#define CERT_DT                                                                                    \
    "{\"EIP712DelegateCertificate\":[{\"name\":\"chainId\",\"type\":\"uint256\"},{\"name\":"       \
    "\"verifyingContract\",\"type\":\"address\"},{\"name\":\"validFrom\",\"type\":\"uint256\"},{"  \
    "\"name\":\"delegate\",\"type\":\"address\"},{\"name\":\"csPubKey\",\"type\":\"bytes32\"},{"   \
    "\"name\":\"bootedAt\",\"type\":\"uint64\"},{\"name\":\"meta\",\"type\":\"string\"}]"          \
    "," CERT_DOMAIN_TYPES "}"
#define CERT_AT                                                                                    \
    "{\"EIP712AuthorityCertificate\":[{\"name\":\"chainId\",\"type\":\"uint256\"},{\"name\":"      \
    "\"verifyingContract\",\"type\":\"address\"},{\"name\":\"validFrom\",\"type\":\"uint256\"},{"  \
    "\"name\":\"issuer\",\"type\":\"address\"},{\"name\":\"subject\",\"type\":\"address\"},{"      \
    "\"name\":\"realm\",\"type\":\"address\"},{\"name\":\"capabilities\",\"type\":\"uint64\"},{"   \
    "\"name\":\"meta\",\"type\":\"string\"}]," CERT_DOMAIN_TYPES "}"
static const char *const EX3_CERTS[3] = {
    "[{\"domain\":{\"name\":\"WMP\",\"version\":\"1\"},\"message\":{\"bootedAt\":"
    "1658765756680628959,\"chainId\":1,\"csPubKey\":"
    "\"12ae0184b180e9a9c5e45be4a1afbce3c6491320063701cd9c4011a777d04089\",\"delegate\":"
    "\"0xf5173a6111B2A6B3C20fceD53B2A8405EC142bF6\",\"meta\":\"\",\"validFrom\":15212703,"
    "\"verifyingContract\":\"0xf766Dc789CF04CD18aE75af2c5fAf2DA6650Ff57\"},\"types\":" CERT_DT
    ",\"primaryType\":\"EIP712DelegateCertificate\"},"
    "\"8fe06bb269110c6bc0e011ea2b7da07091c674f7fe67458c1805157157da702b70b56cdf662666dc386820ded01"
    "16b6b84151df1ed65210eeecd7e477cdb765b1b\"]",
    "[{\"domain\":{\"name\":\"WMP\",\"version\":\"1\"},\"message\":{\"capabilities\":12,"
    "\"chainId\":1,\"issuer\":\"0xf766Dc789CF04CD18aE75af2c5fAf2DA6650Ff57\",\"meta\":\"\","
    "\"realm\":\"0xA6e693CC4A2b4F1400391a728D26369D9b82ef96\",\"subject\":"
    "\"0xf5173a6111B2A6B3C20fceD53B2A8405EC142bF6\",\"validFrom\":15212703,"
    "\"verifyingContract\":\"0xf766Dc789CF04CD18aE75af2c5fAf2DA6650Ff57\"},\"types\":" CERT_AT
    ",\"primaryType\":\"EIP712AuthorityCertificate\"},"
    "\"0c0eb60a108dbd72a204b41c1d18505358e4e7886b0c9787192a33ac9e0f94c92ce158f8de576fa9cccf28a8c94"
    "04ed66c2d355ea4ae7ee65cff0b73215b91bb1c\"]",
    "[{\"domain\":{\"name\":\"WMP\",\"version\":\"1\"},\"message\":{\"capabilities\":63,"
    "\"chainId\":1,\"issuer\":\"0xf766Dc789CF04CD18aE75af2c5fAf2DA6650Ff57\",\"meta\":\"\","
    "\"realm\":\"0xA6e693CC4A2b4F1400391a728D26369D9b82ef96\",\"subject\":"
    "\"0xf766Dc789CF04CD18aE75af2c5fAf2DA6650Ff57\",\"validFrom\":15212703,"
    "\"verifyingContract\":\"0xf766Dc789CF04CD18aE75af2c5fAf2DA6650Ff57\"},\"types\":" CERT_AT
    ",\"primaryType\":\"EIP712AuthorityCertificate\"},"
    "\"be35c8d6ae735d3bd8b5e27b1e1a067eba53e6a1cb4ef0f607c4717435e8ffa676246e7d08dfb4e83c78ad26f42"
    "3b727b5d2c90627bdf6c94c1dbdf01979c34b1c\"]",
};
#define EX3_TRUSTROOT "0xf766Dc789CF04CD18aE75af2c5fAf2DA6650Ff57"
#define EX3_REALM     "0xA6e693CC4A2b4F1400391a728D26369D9b82ef96"
#define EX3_DELEGATE  "0xf5173a6111B2A6B3C20fceD53B2A8405EC142bF6"

/* "[c(order[0]), c(order[1]), ...]" where certificate `in` has `from` replaced by `to` (which
 * must occur in it). order lists indexes into EX3_CERTS, ending with -1. */
static char *ex3_chain(const int *order, int in, const char *from, const char *to)
{
    wamp_buf b = {0};
    assert_int_equal(wamp_buf_append_byte(&b, '['), WAMP_OK);
    for (int i = 0; order[i] >= 0; i++) {
        const char *c = EX3_CERTS[order[i]];
        if (i) assert_int_equal(wamp_buf_append_byte(&b, ','), WAMP_OK);
        const char *at = order[i] == in && from ? strstr(c, from) : NULL;
        if (order[i] == in && from) assert_non_null(at);
        if (!at) {
            assert_int_equal(wamp_buf_append(&b, c, strlen(c)), WAMP_OK);
            continue;
        }
        assert_int_equal(wamp_buf_append(&b, c, (size_t)(at - c)), WAMP_OK);
        assert_int_equal(wamp_buf_append(&b, to, strlen(to)), WAMP_OK);
        at += strlen(from);
        assert_int_equal(wamp_buf_append(&b, at, strlen(at)), WAMP_OK);
    }
    assert_int_equal(wamp_buf_append(&b, "]", 2), WAMP_OK);
    return (char *)b.data;
}

static const int EX3_ORDER[] = {0, 1, 2, -1};

/* Verifies the chain text with Example 3's session key and trustroot; returns the result and
 * the failed check. */
static int ex3_verify(const char *json, const wamp_cryptosign_cert_policy *pol,
                      wamp_cryptosign_cert_info *info)
{
    wamp_arena *a = wamp_arena_new(0);
    wamp_value v;
    assert_int_equal(
        wamp_value_decode(WAMP_SER_JSON, (const uint8_t *)json, strlen(json), a, NULL, &v),
        WAMP_OK);
    uint8_t root[20], *pk = unhex(EX3_CLIENT_PK, 32);
    assert_int_equal(wamp_eth_address_parse(EX3_TRUSTROOT, strlen(EX3_TRUSTROOT), root), WAMP_OK);
    int rc = wamp_cryptosign_verify_certificates(&v, root, pk, pol, info);
    free(pk);
    wamp_arena_free(a);
    return rc;
}

static void test_spec_example3_certificates(void **state)
{
    uint8_t realm[20], root[20], delegate[20], other[20];
    assert_int_equal(wamp_eth_address_parse(EX3_REALM, strlen(EX3_REALM), realm), WAMP_OK);
    assert_int_equal(wamp_eth_address_parse(EX3_TRUSTROOT, strlen(EX3_TRUSTROOT), root), WAMP_OK);
    assert_int_equal(wamp_eth_address_parse(EX3_DELEGATE, strlen(EX3_DELEGATE), delegate), WAMP_OK);
    memset(other, 0x42, 20);
    /* the chain as the client sent it: valid with nothing fixed, and with Example 3's chain id,
     * contract, realm and the block of validFrom as the current one */
    wamp_cryptosign_cert_policy pol = {
        .chain_id = 1, .verifying_contract = root, .realm = realm, .block_number = 15212703};
    wamp_cryptosign_cert_info info;
    char *j = ex3_chain(EX3_ORDER, -1, NULL, NULL);
    assert_int_equal(ex3_verify(j, NULL, &info), WAMP_OK);
    assert_int_equal(ex3_verify(j, &pol, &info), WAMP_OK);
    assert_int_equal(info.failed, WAMP_CERT_OK);
    assert_int_equal(info.chain_id, 1);
    assert_int_equal(info.valid_from, 15212703);
    assert_true(info.booted_at == 1658765756680628959ull);
    assert_int_equal(info.capabilities, WAMP_CERT_CAP_PUBLIC_RELAY | WAMP_CERT_CAP_PRIVATE_RELAY);
    assert_memory_equal(info.realm, realm, 20);
    assert_memory_equal(info.root, root, 20);
    assert_memory_equal(info.delegate, delegate, 20);
    assert_memory_equal(info.verifying_contract, root, 20);
    /* the policy not met (CCR-1, CCR-2) */
    wamp_cryptosign_cert_policy p2 = pol;
    p2.block_number = 15212702;
    assert_int_equal(ex3_verify(j, &p2, &info), WAMP_EAUTH);
    assert_int_equal(info.failed, WAMP_CERT_CCR1);
    p2 = pol;
    p2.chain_id = 5;
    assert_int_equal(ex3_verify(j, &p2, &info), WAMP_EAUTH);
    assert_int_equal(info.failed, WAMP_CERT_CCR1);
    p2 = pol;
    p2.verifying_contract = other;
    assert_int_equal(ex3_verify(j, &p2, &info), WAMP_EAUTH);
    assert_int_equal(info.failed, WAMP_CERT_CCR1);
    p2 = pol;
    p2.realm = other;
    assert_int_equal(ex3_verify(j, &p2, &info), WAMP_EAUTH);
    assert_int_equal(info.failed, WAMP_CERT_CCR2);
    assert_int_equal(info.index, 1);
    /* another trustroot or session key */
    {
        wamp_arena *a = wamp_arena_new(0);
        wamp_value v;
        assert_int_equal(
            wamp_value_decode(WAMP_SER_JSON, (const uint8_t *)j, strlen(j), a, NULL, &v), WAMP_OK);
        uint8_t *pk = unhex(EX3_CLIENT_PK, 32);
        assert_int_equal(wamp_cryptosign_verify_certificates(&v, other, pk, NULL, &info),
                         WAMP_EAUTH);
        assert_int_equal(info.failed, WAMP_CERT_TRUSTROOT);
        assert_int_equal(wamp_cryptosign_verify_certificates(&v, delegate, pk, NULL, &info),
                         WAMP_EAUTH);
        assert_int_equal(info.failed, WAMP_CERT_TRUSTROOT);
        pk[0] ^= 1;
        assert_int_equal(wamp_cryptosign_verify_certificates(&v, root, pk, NULL, &info),
                         WAMP_EAUTH);
        assert_int_equal(info.failed, WAMP_CERT_PUBKEY);
        assert_int_equal(wamp_cryptosign_verify_certificates(&v, NULL, pk, NULL, &info),
                         WAMP_EINVAL);
        free(pk);
        /* the HELLO authextra of Example 3 parsed as the router does, then verified */
        wamp_value ae = wamp_value_dict();
        assert_int_equal(wamp_value_dict_setc(a, &ae, "certificates", v), WAMP_OK);
        assert_int_equal(
            wamp_value_dict_setc(a, &ae, "pubkey", wamp_value_cstring(a, EX3_CLIENT_PK)), WAMP_OK);
        assert_int_equal(
            wamp_value_dict_setc(a, &ae, "trustroot", wamp_value_cstring(a, EX3_TRUSTROOT)),
            WAMP_OK);
        assert_int_equal(
            wamp_value_dict_setc(a, &ae, "challenge", wamp_value_cstring(a, EX3_HELLO_CHALLENGE)),
            WAMP_OK);
        assert_int_equal(
            wamp_value_dict_setc(a, &ae, "channel_binding", wamp_value_cstring(a, "tls-unique")),
            WAMP_OK);
        wamp_cryptosign_authextra pae;
        assert_int_equal(wamp_cryptosign_authextra_parse(&ae, &pae), WAMP_OK);
        assert_true(pae.has_trustroot && pae.has_pubkey);
        assert_int_equal(wamp_cryptosign_verify_certificates(pae.certificates, pae.trustroot,
                                                             pae.pubkey, &pol, &info),
                         WAMP_OK);
        wamp_arena_free(a);
    }
    free(j);

    /* mutations of the certificates: each names the rule that catches it */
    static const struct {
        int cert;
        const char *from, *to;
        int rc;
        wamp_cert_check failed;
        size_t index;
    } mut[] = {
        /* the types sent along are not what is hashed: changing them changes nothing */
        {1, "\"capabilities\",\"type\":\"uint64\"", "\"capabilities\",\"type\":\"uint8\"", WAMP_OK,
         WAMP_CERT_OK, 0},
        {0, "\"domain\":{\"name\":\"WMP\"", "\"domain\":{\"name\":\"XYZ\"", WAMP_OK, WAMP_CERT_OK,
         0},
        {2, "\"chainId\":1", "\"chainId\":2", WAMP_EAUTH, WAMP_CERT_CCR1, 2},
        {1, "\"verifyingContract\":\"0xf766", "\"verifyingContract\":\"0xf767", WAMP_EINVAL,
         WAMP_CERT_MALFORMED, 1}, /* breaks the EIP-55 checksum */
        {1, "\"verifyingContract\":\"0xf766Dc789CF04CD18aE75af2c5fAf2DA6650Ff57",
         "\"verifyingContract\":\"0xf766dc789cf04cd18ae75af2c5faf2da6650ff58", WAMP_EAUTH,
         WAMP_CERT_CCR1, 1},
        {1, "\"realm\":\"0xA6e693CC4A2b4F1400391a728D26369D9b82ef96",
         "\"realm\":\"0xa6e693cc4a2b4f1400391a728d26369d9b82ef97", WAMP_EAUTH, WAMP_CERT_CCR2, 1},
        {2, "\"subject\":\"0xf766Dc789CF04CD18aE75af2c5fAf2DA6650Ff57", "\"subject\":\"" EX3_REALM,
         WAMP_EAUTH, WAMP_CERT_CCR4, 2},
        {1, "\"issuer\":\"0xf766Dc789CF04CD18aE75af2c5fAf2DA6650Ff57", "\"issuer\":\"" EX3_REALM,
         WAMP_EAUTH, WAMP_CERT_CCR5, 1},
        {2, "\"validFrom\":15212703", "\"validFrom\":15212704", WAMP_EAUTH, WAMP_CERT_CCR6, 1},
        {1, "\"capabilities\":12", "\"capabilities\":76", WAMP_EAUTH, WAMP_CERT_CCR7, 1},
        {1, "\"subject\":\"" EX3_DELEGATE,
         "\"subject\":\"0xf5173a6111b2a6b3c20fced53b2a8405ec142bf7", WAMP_EAUTH, WAMP_CERT_CCR8, 1},
        {0, "\"validFrom\":15212703", "\"validFrom\":15212702", WAMP_EAUTH, WAMP_CERT_CCR9, 1},
        /* fields no structural rule looks at: only the signatures catch them */
        {2, "\"meta\":\"\"", "\"meta\":\"x\"", WAMP_ESIGNATURE, WAMP_CERT_CCR10, 2},
        {2, "\"capabilities\":63", "\"capabilities\":127", WAMP_ESIGNATURE, WAMP_CERT_CCR10, 2},
        {1, "\"meta\":\"\"", "\"meta\":\"x\"", WAMP_ESIGNATURE, WAMP_CERT_CCR11, 1},
        {1, "\"capabilities\":12", "\"capabilities\":8", WAMP_ESIGNATURE, WAMP_CERT_CCR11, 1},
        {0, "\"meta\":\"\"", "\"meta\":\"x\"", WAMP_ESIGNATURE, WAMP_CERT_CCR12, 0},
        {0, "1658765756680628959", "1658765756680628958", WAMP_ESIGNATURE, WAMP_CERT_CCR12, 0},
        {0, "\"validFrom\":15212703", "\"validFrom\":15212704", WAMP_ESIGNATURE, WAMP_CERT_CCR12,
         0},
        {2, "\"be35c8", "\"be35c9", WAMP_ESIGNATURE, WAMP_CERT_CCR10, 2},
        {1, "\"0c0eb6", "\"0c0eb7", WAMP_ESIGNATURE, WAMP_CERT_CCR11, 1},
        {0, "\"8fe06b", "\"8fe06c", WAMP_ESIGNATURE, WAMP_CERT_CCR12, 0},
        {0, "b765b1b\"", "b765b1d\"", WAMP_ESIGNATURE, WAMP_CERT_CCR12, 0}, /* v = 29 */
        {0, "12ae0184", "12ae0185", WAMP_EAUTH, WAMP_CERT_PUBKEY, 0},
        /* malformed */
        {1, "EIP712AuthorityCertificate\"}", "EIP712OtherCertificate\"}", WAMP_EINVAL,
         WAMP_CERT_MALFORMED, 1},
        {1, "\"meta\":\"\",", "\"meta\":\"\",\"extra\":1,", WAMP_EINVAL, WAMP_CERT_MALFORMED, 1},
        {1, "\"meta\":\"\",", "", WAMP_EINVAL, WAMP_CERT_MALFORMED, 1},
        {1, "\"meta\":\"\",", "\"meta\":7,", WAMP_EINVAL, WAMP_CERT_MALFORMED, 1},
        {1, "\"capabilities\":12", "\"capabilities\":268", WAMP_EINVAL, WAMP_CERT_MALFORMED, 1},
        {1, "\"capabilities\":12", "\"capabilities\":-1", WAMP_EINVAL, WAMP_CERT_MALFORMED, 1},
        {2, "\"chainId\":1", "\"chainId\":true", WAMP_EINVAL, WAMP_CERT_MALFORMED, 2},
        {2, "\"chainId\":1", "\"chainId\":1.5", WAMP_EINVAL, WAMP_CERT_MALFORMED, 2},
        {2, "\"chainId\":1", "\"chainId\":18446744073709551616", WAMP_EINVAL, WAMP_CERT_MALFORMED,
         2},
        {0, "\"csPubKey\":\"12ae", "\"csPubKey\":\"2ae", WAMP_EINVAL, WAMP_CERT_MALFORMED, 0},
        {0, "\"delegate\":\"0x", "\"delegate\":\"", WAMP_EINVAL, WAMP_CERT_MALFORMED, 0},
        {0, "\"8fe06b", "\"8fe0", WAMP_EINVAL, WAMP_CERT_MALFORMED, 0},
        {0, "\"8fe06b", "\"zze06b", WAMP_EINVAL, WAMP_CERT_MALFORMED, 0},
        {0, "\"message\":{", "\"message\":[],\"x\":{", WAMP_EINVAL, WAMP_CERT_MALFORMED, 0},
        {2, "[{", "[1,{", WAMP_EINVAL, WAMP_CERT_MALFORMED, 2},
    };
    for (size_t i = 0; i < sizeof mut / sizeof mut[0]; i++) {
        j = ex3_chain(EX3_ORDER, mut[i].cert, mut[i].from, mut[i].to);
        memset(&info, 0xa5, sizeof info);
        int rc = ex3_verify(j, NULL, &info);
        if (rc != mut[i].rc || info.failed != mut[i].failed)
            fail_msg("mutation %zu (%s -> %s): rc %d failed %d", i, mut[i].from, mut[i].to, rc,
                     (int)info.failed);
        if (rc) assert_int_equal(info.index, mut[i].index);
        free(j);
    }
    /* order and length */
    static const int swapped[] = {1, 0, 2, -1}, no_root[] = {0, 1, -1}, alone[] = {0, -1},
                     root_first[] = {0, 2, 1, -1}, none[] = {-1};
    j = ex3_chain(swapped, -1, NULL, NULL);
    assert_int_equal(ex3_verify(j, NULL, &info), WAMP_EAUTH);
    assert_int_equal(info.failed, WAMP_CERT_CCR3);
    free(j);
    j = ex3_chain(no_root, -1, NULL, NULL); /* the intermediate is not self-signed */
    assert_int_equal(ex3_verify(j, NULL, &info), WAMP_EAUTH);
    assert_int_equal(info.failed, WAMP_CERT_CCR4);
    free(j);
    j = ex3_chain(root_first, -1, NULL, NULL); /* the root not last */
    assert_int_equal(ex3_verify(j, NULL, &info), WAMP_EAUTH);
    assert_int_equal(info.failed, WAMP_CERT_CCR4);
    free(j);
    j = ex3_chain(alone, -1, NULL, NULL);
    assert_int_equal(ex3_verify(j, NULL, &info), WAMP_EUNSUPPORTED);
    assert_int_equal(info.failed, WAMP_CERT_CHAIN_LENGTH);
    free(j);
    j = ex3_chain(none, -1, NULL, NULL);
    assert_int_equal(ex3_verify(j, NULL, &info), WAMP_EUNSUPPORTED);
    free(j);
    int many[19];
    for (int i = 0; i < 18; i++)
        many[i] = i == 0 ? 0 : 1;
    many[18] = -1;
    j = ex3_chain(many, -1, NULL, NULL);
    assert_int_equal(ex3_verify(j, NULL, &info), WAMP_ELIMIT);
    assert_int_equal(info.failed, WAMP_CERT_CHAIN_LENGTH);
    free(j);
    assert_int_equal(ex3_verify("{}", NULL, &info), WAMP_EINVAL);
    assert_int_equal(ex3_verify("[[]]", NULL, NULL), WAMP_EINVAL);
}

/* One certificate of a chain we sign ourselves (EIP-712 typed data as a peer sends it). */
static void own_cert(wamp_arena *a, wamp_value *chain, const wamp_ethkey *signer, bool delegate,
                     const uint8_t *addr1, const uint8_t *addr2, const uint8_t *realm,
                     uint64_t valid_from, uint64_t caps, const uint8_t *cs_pubkey)
{
    char json[2048], a1[43], a2[43], r[43], pk[65];
    wamp_eth_address_format(addr1, a1);
    if (addr2) wamp_eth_address_format(addr2, a2);
    wamp_eth_address_format(realm, r);
    if (delegate) {
        wamp__crypto_hex(pk, cs_pubkey, 32);
        pk[64] = '\0';
        snprintf(json, sizeof json,
                 "{\"types\":" CERT_DT ",\"primaryType\":\"EIP712DelegateCertificate\","
                 "\"domain\":{\"name\":\"WMP\",\"version\":\"1\"},\"message\":{\"chainId\":137,"
                 "\"verifyingContract\":\"%s\",\"validFrom\":%llu,\"delegate\":\"%s\","
                 "\"csPubKey\":\"0x%s\",\"bootedAt\":42,\"meta\":\"own\"}}",
                 r, (unsigned long long)valid_from, a1, pk);
    } else {
        snprintf(json, sizeof json,
                 "{\"types\":" CERT_AT ",\"primaryType\":\"EIP712AuthorityCertificate\","
                 "\"domain\":{\"name\":\"WMP\",\"version\":\"1\"},\"message\":{\"chainId\":137,"
                 "\"verifyingContract\":\"%s\",\"validFrom\":%llu,\"issuer\":\"%s\","
                 "\"subject\":\"%s\",\"realm\":\"%s\",\"capabilities\":%llu,\"meta\":\"\"}}",
                 r, (unsigned long long)valid_from, a1, a2, r, (unsigned long long)caps);
    }
    wamp_value typed, pair = wamp_value_list();
    char *text = wamp_arena_strndup(a, json, strlen(json));
    assert_int_equal(
        wamp_value_decode(WAMP_SER_JSON, (const uint8_t *)text, strlen(text), a, NULL, &typed),
        WAMP_OK);
    uint8_t sig[65];
    assert_int_equal(wamp_ethkey_sign_typed_data(signer, &typed, sig), WAMP_OK);
    assert_int_equal(wamp_value_list_push(a, &pair, typed), WAMP_OK);
    /* the signature as BYTES this time (a binary serializer's form) */
    assert_int_equal(wamp_value_list_push(a, &pair, wamp_value_bytes(a, sig, 65)), WAMP_OK);
    assert_int_equal(wamp_value_list_push(a, chain, pair), WAMP_OK);
}

/* Chains of 2 and 4 certificates made with our own keys (deterministic): valid ones verify,
 * and rule violations with intact signatures are still refused. */
static void test_own_certificate_chains(void **state)
{
    uint8_t priv[32];
    wamp_ethkey *k[3]; /* root, intermediate, delegate */
    uint8_t addr[3][20], realm[20];
    for (int i = 0; i < 3; i++) {
        memset(priv, 0x11 * (i + 1), 32);
        assert_int_equal(wamp_ethkey_from_bytes(priv, &k[i]), WAMP_OK);
        wamp_ethkey_address(k[i], addr[i]);
    }
    memset(realm, 0x77, 20);
    wamp_cryptosign_key *cs;
    memset(priv, 0x55, 32);
    assert_int_equal(wamp_cryptosign_key_from_bytes(priv, NULL, &cs), WAMP_OK);
    uint8_t pk[32];
    wamp_cryptosign_key_public(cs, pk);
    wamp_cryptosign_key_free(cs);
    wamp_cryptosign_cert_info info;
    for (int variant = 0; variant < 4; variant++) {
        wamp_arena *a = wamp_arena_new(0);
        wamp_value chain = wamp_value_list();
        /* variant 0: the root issues the delegate certificate (so the delegate is the root's
         * address and key); 1: delegate, an intermediate issued by the root's intermediate,
         * that one, the root; 2: as 1 with the lower intermediate claiming a capability its
         * issuer lacks (CCR-7); 3: as 1 with the upper intermediate valid from a later block
         * than the one it issued (CCR-6). Signatures are intact in all of them. */
        if (variant == 0) {
            own_cert(a, &chain, k[0], true, addr[0], NULL, realm, 100, 0, pk);
            own_cert(a, &chain, k[0], false, addr[0], addr[0], realm, 100, 0x01, NULL);
        } else {
            own_cert(a, &chain, k[2], true, addr[2], NULL, realm, 100, 0, pk);
            own_cert(a, &chain, k[1], false, addr[1], addr[2], realm, 90,
                     variant == 2 ? 0x0f : 0x01, NULL);
            own_cert(a, &chain, k[0], false, addr[0], addr[1], realm, variant == 3 ? 95 : 50, 0x03,
                     NULL);
            own_cert(a, &chain, k[0], false, addr[0], addr[0], realm, 10, 0x07, NULL);
        }
        const uint8_t *root = addr[0];
        wamp_cryptosign_cert_policy pol = {.chain_id = 137, .realm = realm, .block_number = 100};
        int rc = wamp_cryptosign_verify_certificates(&chain, root, pk, &pol, &info);
        if (variant < 2) {
            if (rc)
                fail_msg("variant %d: rc %d failed %d at %zu", variant, rc, (int)info.failed,
                         info.index);
            assert_memory_equal(info.root, addr[0], 20);
            assert_memory_equal(info.delegate, variant ? addr[2] : addr[0], 20);
            assert_int_equal(info.booted_at, 42);
            /* the same chain signed for another session key */
            pk[0] ^= 1;
            assert_int_equal(wamp_cryptosign_verify_certificates(&chain, root, pk, &pol, &info),
                             WAMP_EAUTH);
            assert_int_equal(info.failed, WAMP_CERT_PUBKEY);
            pk[0] ^= 1;
            /* a block before the delegate certificate's validFrom */
            pol.block_number = 99;
            assert_int_equal(wamp_cryptosign_verify_certificates(&chain, root, pk, &pol, &info),
                             WAMP_EAUTH);
            assert_int_equal(info.failed, WAMP_CERT_CCR1);
            assert_int_equal(info.index, 0);
        } else {
            assert_int_equal(rc, WAMP_EAUTH);
            assert_int_equal(info.failed, variant == 2 ? WAMP_CERT_CCR7 : WAMP_CERT_CCR6);
            assert_int_equal(info.index, 1);
        }
        wamp_arena_free(a);
    }
    for (int i = 0; i < 3; i++)
        wamp_ethkey_free(k[i]);
}

/* ---------------------------------------------------------------- key files */

/* From Autobahn's test_wamp_cryptosign.py (an ssh-keygen Ed25519 key, no passphrase). */
static const char SSH_PRIV[] =
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
    "QyNTUxOQAAACAa38i/4dNWFuZN/72QAJbyOwZvkUyML/u2b2B1uW4RbQAAAJj4FLyB+BS8\n"
    "gQAAAAtzc2gtZWQyNTUxOQAAACAa38i/4dNWFuZN/72QAJbyOwZvkUyML/u2b2B1uW4RbQ\n"
    "AAAEBNV9l6aPVVaWYgpthJwM5YJWhRjXKet1PcfHMt4oBFEBrfyL/h01YW5k3/vZAAlvI7\n"
    "Bm+RTIwv+7ZvYHW5bhFtAAAAFXNvbWV1c2VyQGZ1bmt0aGF0LmNvbQ==\n"
    "-----END OPENSSH PRIVATE KEY-----\n";
static const char SSH_PUB[] = "ssh-ed25519 "
                              "AAAAC3NzaC1lZDI1NTE5AAAAIJVp3hjHwIQyEladzd8mFcf0YSXcmyKS3qMLB7VqTQ"
                              "Km someuser@example.com\n";
/* The key file example of Autobahn's CryptosignKey.from_keyfile() docstring. */
static const char KEYFILE[] =
    "This is a comment (all lines until the first empty line are comments indeed).\n"
    "creator: oberstet@intel-nuci7\n"
    "\n"
    "created-at: 2022-07-05T12:29:48.832Z\n"
    "user-id: oberstet@intel-nuci7\n"
    "public-key-ed25519: 7326d9dc0307681cc6940fde0e60eb31a6e4d642a81e55c434462ce31f95deed\n"
    "public-adr-eth: 0x10848feBdf7f200Ba989CDf7E3eEB3EC03ae7768\n"
    "private-key-ed25519: f750f42b0430e28a2e272c3cedcae4dcc4a1cf33bc345c35099d3322626ab666\n"
    "private-key-eth: 4d787714dcb0ae52e1c5d2144648c255d660b9a55eac9deeb80d9f506f501025\n";

static void test_ssh_keys(void **state)
{
    wamp_cryptosign_key *k;
    char hex[65];
    assert_int_equal(wamp_cryptosign_key_from_ssh_bytes(SSH_PRIV, strlen(SSH_PRIV), &k), WAMP_OK);
    assert_true(wamp_cryptosign_key_can_sign(k));
    wamp_cryptosign_key_public_hex(k, hex);
    assert_string_equal(hex, "1adfc8bfe1d35616e64dffbd900096f23b066f914c8c2ffbb66f6075b96e116d");
    assert_string_equal(wamp_cryptosign_key_comment(k), "someuser@funkthat.com");
    /* the private key of this file is the first spec vector's */
    uint8_t seed[32];
    assert_int_equal(wamp_cryptosign_key_seed(k, seed), WAMP_OK);
    char *sh = wt_hex(seed, 32);
    assert_string_equal(sh, CS_VECTORS[0][1]);
    free(sh);
    wamp_cryptosign_key_free(k);

    assert_int_equal(wamp_cryptosign_key_from_ssh_bytes(SSH_PUB, strlen(SSH_PUB), &k), WAMP_OK);
    assert_false(wamp_cryptosign_key_can_sign(k));
    wamp_cryptosign_key_public_hex(k, hex);
    assert_string_equal(hex, "9569de18c7c0843212569dcddf2615c7f46125dc9b2292dea30b07b56a4d02a6");
    assert_string_equal(wamp_cryptosign_key_comment(k), "someuser@example.com");
    wamp_cryptosign_key_free(k);

    /* public key lines: other algorithm, bad base64, blob with another key type */
    const char *bad[] = {
        "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIJVp3hjHwIQyEladzd8mFcf0YSXcmyKS3qMLB7VqTQKm x",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJVp3hjHwIQyEladzd8mFcf0YSXcmyKS3qMLB7VqTQK! x",
        "ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7 x",
        "ssh-ed25519",
        "",
        "-----BEGIN OPENSSH PRIVATE KEY-----\n-----END OPENSSH PRIVATE KEY-----",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        k = (wamp_cryptosign_key *)1;
        assert_int_not_equal(wamp_cryptosign_key_from_ssh_bytes(bad[i], strlen(bad[i]), &k),
                             WAMP_OK);
        assert_null(k);
    }
}

static void test_keyfile(void **state)
{
    wamp_cryptosign_key *k;
    char hex[65];
    assert_int_equal(wamp_cryptosign_key_from_keyfile_bytes(KEYFILE, strlen(KEYFILE), &k), WAMP_OK);
    assert_true(wamp_cryptosign_key_can_sign(k));
    wamp_cryptosign_key_public_hex(k, hex);
    assert_string_equal(hex, "7326d9dc0307681cc6940fde0e60eb31a6e4d642a81e55c434462ce31f95deed");
    wamp_cryptosign_key_free(k);

    const char *pub = "comment\n\npublic-key-ed25519: "
                      "7326D9DC0307681CC6940FDE0E60EB31A6E4D642A81E55C434462CE31F95DEED\r\n";
    assert_int_equal(wamp_cryptosign_key_from_keyfile_bytes(pub, strlen(pub), &k), WAMP_OK);
    assert_false(wamp_cryptosign_key_can_sign(k));
    wamp_cryptosign_key_public_hex(k, hex);
    assert_string_equal(hex, "7326d9dc0307681cc6940fde0e60eb31a6e4d642a81e55c434462ce31f95deed");
    wamp_cryptosign_key_free(k);

    const char *bad[] = {
        /* no blank line: everything is comment, no key */
        "public-key-ed25519: 7326d9dc0307681cc6940fde0e60eb31a6e4d642a81e55c434462ce31f95deed\n",
        /* unknown tag, duplicate tag, line without colon */
        "\nfoo: bar\n",
        "\nuser-id: a\nuser-id: b\n",
        "\njust text\n",
        /* wrong hex, wrong length */
        "\nprivate-key-ed25519: z750f42b0430e28a2e272c3cedcae4dcc4a1cf33bc345c35099d3322626ab666\n",
        "\nprivate-key-ed25519: f750f42b\n",
        /* public key that does not belong to the private key */
        "\npublic-key-ed25519: 1adfc8bfe1d35616e64dffbd900096f23b066f914c8c2ffbb66f6075b96e116d\n"
        "private-key-ed25519: f750f42b0430e28a2e272c3cedcae4dcc4a1cf33bc345c35099d3322626ab666\n",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(wamp_cryptosign_key_from_keyfile_bytes(bad[i], strlen(bad[i]), &k),
                         WAMP_EKEYFILE);
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void test_key_files_on_disk(void **state)
{
    char dir[] = "/tmp/wamp-cs-XXXXXX", path[256];
    assert_non_null(mkdtemp(dir));
    wamp_cryptosign_key *k;
    char hex[65];
    uint8_t *seed = unhex(CS_VECTORS[1][1], 32);
    snprintf(path, sizeof path, "%s/raw.key", dir);
    write_file(path, seed, 32);
    assert_int_equal(wamp_cryptosign_key_from_file(path, "c", &k), WAMP_OK);
    wamp_cryptosign_key_public_hex(k, hex);
    wamp_cryptosign_key_free(k);
    write_file(path, seed, 31);
    assert_int_equal(wamp_cryptosign_key_from_file(path, NULL, &k), WAMP_EKEYFILE);
    write_file(path, seed, 0);
    assert_int_equal(wamp_cryptosign_key_from_file(path, NULL, &k), WAMP_EKEYFILE);
    snprintf(path, sizeof path, "%s/id_ed25519", dir);
    write_file(path, SSH_PRIV, strlen(SSH_PRIV));
    assert_int_equal(wamp_cryptosign_key_from_ssh_file(path, &k), WAMP_OK);
    wamp_cryptosign_key_free(k);
    snprintf(path, sizeof path, "%s/key.priv", dir);
    write_file(path, KEYFILE, strlen(KEYFILE));
    assert_int_equal(wamp_cryptosign_key_from_keyfile(path, &k), WAMP_OK);
    wamp_cryptosign_key_free(k);
    remove(path);
    snprintf(path, sizeof path, "%s/raw.key", dir);
    remove(path);
    snprintf(path, sizeof path, "%s/id_ed25519", dir);
    remove(path);
    remove(dir);
    assert_int_equal(wamp_cryptosign_key_from_file("/nonexistent/x", NULL, &k), WAMP_EIO);
    assert_int_equal(wamp_cryptosign_key_from_keyfile("/nonexistent/x", &k), WAMP_EIO);
    assert_int_equal(wamp_cryptosign_key_from_ssh_file("/nonexistent/x", &k), WAMP_EIO);
    free(seed);
}

/* A real passphrase-protected OpenSSH Ed25519 key, made by ssh-keygen at test time (Debian
 * openssh-client, in scripts/deps.sh): WAMP_EUNSUPPORTED (wamp keys show then says why), while
 * the same key unencrypted loads and its public half matches. Skipped without ssh-keygen. */
static void test_encrypted_openssh_key(void **state)
{
    if (system("command -v ssh-keygen >/dev/null 2>&1") != 0) {
        print_message("ssh-keygen not installed: skipped\n");
        skip();
    }
    char dir[] = "/tmp/wamp-cs-enc-XXXXXX", path[256], cmd[600];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/id_ed25519", dir);
    snprintf(cmd, sizeof cmd, "ssh-keygen -q -t ed25519 -N 'a passphrase' -C enc -f '%s'", path);
    assert_int_equal(system(cmd), 0);
    size_t len = 0;
    char *text = wt_read_file(path, &len);
    assert_non_null(text);
    assert_non_null(strstr(text, "-----BEGIN OPENSSH PRIVATE KEY-----"));
    wamp_cryptosign_key *k = NULL, *pub = NULL;
    assert_int_equal(wamp_cryptosign_key_from_ssh_file(path, &k), WAMP_EUNSUPPORTED);
    assert_null(k);
    assert_int_equal(wamp_cryptosign_key_from_ssh_bytes(text, len, &k), WAMP_EUNSUPPORTED);
    /* not an Autobahn key file either */
    assert_int_equal(wamp_cryptosign_key_from_keyfile(path, &k), WAMP_EKEYFILE);
    /* every truncation of the encrypted file is an error too, never a crash */
    for (size_t n = 0; n < len; n++) {
        int rc = wamp_cryptosign_key_from_ssh_bytes(text, n, &k);
        assert_true(rc == WAMP_EKEYFILE || rc == WAMP_EUNSUPPORTED);
    }
    /* remove the passphrase: the same key now loads, and matches its public half */
    snprintf(cmd, sizeof cmd, "ssh-keygen -q -p -P 'a passphrase' -N '' -f '%s' >/dev/null", path);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(wamp_cryptosign_key_from_ssh_file(path, &k), WAMP_OK);
    assert_true(wamp_cryptosign_key_can_sign(k));
    char pubpath[300];
    snprintf(pubpath, sizeof pubpath, "%s.pub", path);
    assert_int_equal(wamp_cryptosign_key_from_ssh_file(pubpath, &pub), WAMP_OK);
    char h1[65], h2[65];
    wamp_cryptosign_key_public_hex(k, h1);
    wamp_cryptosign_key_public_hex(pub, h2);
    assert_string_equal(h1, h2);
    wamp_cryptosign_key_free(k);
    wamp_cryptosign_key_free(pub);
    free(text);
    remove(path);
    remove(pubpath);
    remove(dir);
}

/* Every truncation of a valid key file is an error (never a crash: ASan/UBSan check this);
 * the only valid prefixes are whitespace-trimmed or key-complete ones. */
static void test_truncations(void **state)
{
    const char *files[] = {SSH_PRIV, SSH_PUB, KEYFILE};
    for (int f = 0; f < 3; f++) {
        size_t n = strlen(files[f]);
        for (size_t len = 0; len < n; len++) {
            char *copy = malloc(len ? len : 1); /* exact size: ASan sees any overread */
            memcpy(copy, files[f], len);
            wamp_cryptosign_key *k = NULL;
            int rc = f < 2 ? wamp_cryptosign_key_from_ssh_bytes(copy, len, &k)
                           : wamp_cryptosign_key_from_keyfile_bytes(copy, len, &k);
            if (rc == WAMP_OK) {
                /* a prefix may still be complete: trailing newline (all), a cut inside the
                 * public key comment, or a key file cut after its private key line */
                assert_non_null(k);
                wamp_cryptosign_key_free(k);
                if (f == 0) assert_true(len >= n - 1);
            } else {
                assert_null(k);
                assert_true(rc == WAMP_EKEYFILE || rc == WAMP_EUNSUPPORTED);
            }
            free(copy);
        }
    }
    /* a private key file truncated anywhere inside its base64 body is rejected */
    size_t n = strlen(SSH_PRIV);
    for (size_t len = 40; len < n - 40; len++) {
        char *copy = malloc(n);
        size_t endlen = strlen("-----END OPENSSH PRIVATE KEY-----\n");
        memcpy(copy, SSH_PRIV, len);
        memcpy(copy + len, SSH_PRIV + n - endlen, endlen);
        wamp_cryptosign_key *k = NULL;
        assert_int_not_equal(wamp_cryptosign_key_from_ssh_bytes(copy, len + endlen, &k), WAMP_OK);
        assert_null(k);
        free(copy);
    }
    /* single-byte corruption of the private key body: an error or (in the comment) a key whose
     * public key is still the right one */
    for (size_t pos = 36; pos < n - 36; pos++) {
        char *copy = malloc(n);
        memcpy(copy, SSH_PRIV, n);
        if (copy[pos] == '\n') {
            free(copy);
            continue;
        }
        copy[pos] = copy[pos] == 'A' ? 'B' : 'A';
        wamp_cryptosign_key *k = NULL;
        if (wamp_cryptosign_key_from_ssh_bytes(copy, n, &k) == WAMP_OK) {
            char hex[65];
            wamp_cryptosign_key_public_hex(k, hex);
            assert_string_equal(hex,
                                "1adfc8bfe1d35616e64dffbd900096f23b066f914c8c2ffbb66f6075b96e116d");
            wamp_cryptosign_key_free(k);
        }
        free(copy);
    }
}

/* ---------------------------------------------------------------- BIP-39 / BIP-32 */

static void test_bip39(void **state)
{
    static const char *const v[][2] = {
        {"abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
         "about",
         "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c9"
         "2f2cf141630c7a3c4ab7c81b2f001698e7463b04"},
        {"legal winner thank year wave sausage worth useful legal winner thank yellow",
         "2e8905819b8723fe2c1d161860e5ee1830318dbf49a83bd451cfb8440c28bd6fa457fe1296106559a3c809"
         "37a1c1069be3a3a5bd381ee6260e8d9739fce1f607"},
        {"letter advice cage absurd amount doctor acoustic avoid letter advice cage above",
         "d71de856f81a8acc65e6fc851a38d4d7ec216fd0796d0a6827a3ad6ed5511a30fa280f12eb2e47ed2ac03b"
         "5c462a0358d18d69fe4f985ec81778c1b370b652a8"},
        {"zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong",
         "ac27495480225222079d7be181583751e86f571027b0497b5b5d11218e0a8a13332572917f0f8e5a589620"
         "c6f15b11c61dee327651a14c34e18231052e48c069"},
        /* 18 and 24 words */
        {"abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
         "abandon abandon abandon abandon abandon abandon agent",
         "035895f2f481b1b0f01fcf8c289c794660b289981a78f8106447707fdd9666ca06da5a9a565181599b79f5"
         "3b844d8a71dd9f439c52a3d7b3e8a79c906ac845fa"},
        {"abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
         "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
         "abandon art",
         "bda85446c68413707090a52022edd26a1c9462295029f2e60cd7c4f2bbd3097170af7a4d73245cafa9c3cc"
         "a8d561a7c3de6f5d4a10be8ed2a5e608d68f92fcc8"},
        {"legal winner thank year wave sausage worth useful legal winner thank year wave sausage "
         "worth useful legal winner thank year wave sausage worth title",
         "bc09fca1804f7e69da93c2f2028eb238c227f2e9dda30cd63699232578480a4021b146ad717fbb7e451ce9"
         "eb835f43620bf5c514db0f8add49f5d121449d3e87"},
        {"zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo "
         "zoo vote",
         "dd48c104698c30cfe2b6142103248622fb7bb0ff692eebb00089b32d22484e1613912f0a5b694407be899f"
         "fd31ed3992c456cdf60f5d4564b8ba3f05a69890ad"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t seed[64];
        assert_int_equal(wamp_bip39_seed(v[i][0], "TREZOR", seed), WAMP_OK);
        char *h = wt_hex(seed, 64);
        assert_string_equal(h, v[i][1]);
        free(h);
    }
}

/* Base58Check of a BIP-32 extended private key: the 78-byte payload, checksum verified. */
static void xprv_decode(const char *x, uint8_t chain[32], uint8_t key[32])
{
    static const char alpha[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    uint8_t b[82] = {0};
    for (const char *p = x; *p; p++) {
        const char *d = strchr(alpha, *p);
        assert_non_null(d);
        unsigned carry = (unsigned)(d - alpha);
        for (int i = 81; i >= 0; i--) {
            carry += 58u * b[i];
            b[i] = (uint8_t)carry;
            carry >>= 8;
        }
        assert_int_equal(carry, 0);
    }
    uint8_t h[32];
    wamp__crypto_sha256(h, b, 78);
    wamp__crypto_sha256(h, h, 32);
    assert_memory_equal(h, b + 78, 4);
    assert_memory_equal(b, "\x04\x88\xad\xe4", 4); /* mainnet xprv version */
    assert_int_equal(b[45], 0);
    memcpy(chain, b + 13, 32);
    memcpy(key, b + 46, 32);
}

/* BIP-32 test vectors 1 and 2 (the BIP's own text): for each chain the private key and the
 * chain code of our derivation equal those of the published xprv. */
static void test_bip32_vectors(void **state)
{
    static const struct {
        int seed;
        const char *path, *xprv;
    } v[] = {
        {1, "m",
         "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRN"
         "NU3TGtRBeJgk33yuGBxrMPHi"},
        {1, "m/0'",
         "xprv9uHRZZhk6KAJC1avXpDAp4MDc3sQKNxDiPvvkX8Br5ngLNv1TxvUxt4cV1rGL5hj6KCesnDYUhd7oWgT11e"
         "ZG7XnxHrnYeSvkzY7d2bhkJ7"},
        {1, "m/0'/1",
         "xprv9wTYmMFdV23N2TdNG573QoEsfRrWKQgWeibmLntzniatZvR9BmLnvSxqu53Kw1UmYPxLgboyZQaXwTCg8MS"
         "Y3H2EU4pWcQDnRnrVA1xe8fs"},
        {1, "m/0'/1/2'",
         "xprv9z4pot5VBttmtdRTWfWQmoH1taj2axGVzFqSb8C9xaxKymcFzXBDptWmT7FwuEzG3ryjH4ktypQSAewRiNM"
         "jANTtpgP4mLTj34bhnZX7UiM"},
        {1, "m/0'/1/2'/2",
         "xprvA2JDeKCSNNZky6uBCviVfJSKyQ1mDYahRjijr5idH2WwLsEd4Hsb2Tyh8RfQMuPh7f7RtyzTtdrbdqqsunu"
         "5Mm3wDvUAKRHSC34sJ7in334"},
        {1, "m/0'/1/2'/2/1000000000",
         "xprvA41z7zogVVwxVSgdKUHDy1SKmdb533PjDz7J6N6mV6uS3ze1ai8FHa8kmHScGpWmj4WggLyQjgPie1rFSru"
         "oUihUZREPSL39UNdE3BBDu76"},
        {2, "m",
         "xprv9s21ZrQH143K31xYSDQpPDxsXRTUcvj2iNHm5NUtrGiGG5e2DtALGdso3pGz6ssrdK4PFmM8NSpSBHNqPqm"
         "55Qn3LqFtT2emdEXVYsCzC2U"},
        {2, "m/0",
         "xprv9vHkqa6EV4sPZHYqZznhT2NPtPCjKuDKGY38FBWLvgaDx45zo9WQRUT3dKYnjwih2yJD9mkrocEZXo1ex8G"
         "81dwSM1fwqWpWkeS3v86pgKt"},
        {2, "m/0/2147483647'",
         "xprv9wSp6B7kry3Vj9m1zSnLvN3xH8RdsPP1Mh7fAaR7aRLcQMKTR2vidYEeEg2mUCTAwCd6vnxVrcjfy2kRgVs"
         "FawNzmjuHc2YmYRmagcEPdU9"},
        {2, "m/0/2147483647'/1",
         "xprv9zFnWC6h2cLgpmSA46vutJzBcfJ8yaJGg8cX1e5StJh45BBciYTRXSd25UEPVuesF9yog62tGAQtHjXajPP"
         "dbRCHuWS6T8XA2ECKADdw4Ef"},
        {2, "m/0/2147483647'/1/2147483646'",
         "xprvA1RpRA33e1JQ7ifknakTFpgNXPmW2YvmhqLQYMmrj4xJXXWYpDPS3xz7iAxn8L39njGVyuoseXzU6rcxFLJ"
         "8HFsTjSyQbLYnMpCqE2VbFWc"},
        {2, "m/0/2147483647'/1/2147483646'/2",
         "xprvA2nrNbFZABcdryreWet9Ea4LvTJcGsqrMzxHx98MMrotbir7yrKCEXw7nadnHM8Dq38EGfSh6dqA9QWTyef"
         "MLEcBYJUuekgW4BYPJcr9E7j"},
    };
    uint8_t *seed1 = unhex("000102030405060708090a0b0c0d0e0f", 16);
    uint8_t *seed2 = unhex("fffcf9f6f3f0edeae7e4e1dedbd8d5d2cfccc9c6c3c0bdbab7b4b1aeaba8a5a29f9c99"
                           "9693908d8a8784817e7b7875726f6c696663605d5a5754514e4b484542",
                           64);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t want_chain[32], want_key[32], key[32], chain[32], key2[32];
        xprv_decode(v[i].xprv, want_chain, want_key);
        const uint8_t *seed = v[i].seed == 1 ? seed1 : seed2;
        size_t seedlen = v[i].seed == 1 ? 16 : 64;
        assert_int_equal(wamp__bip32_derive_node(seed, seedlen, v[i].path, key, chain), WAMP_OK);
        if (memcmp(key, want_key, 32) || memcmp(chain, want_chain, 32))
            fail_msg("BIP-32 vector %d %s differs", v[i].seed, v[i].path);
        /* the public function gives the same key */
        assert_int_equal(wamp_bip32_derive(seed, seedlen, v[i].path, key2), WAMP_OK);
        assert_memory_equal(key2, want_key, 32);
    }
    free(seed1);
    free(seed2);
}

static void test_seedphrase(void **state)
{
    const char *phrase = "abandon abandon abandon abandon abandon abandon abandon abandon abandon "
                         "abandon abandon about";
    wamp_cryptosign_key *k0, *k0b, *k7;
    assert_int_equal(wamp_cryptosign_key_from_seedphrase(phrase, 0, &k0), WAMP_OK);
    assert_int_equal(wamp_cryptosign_key_from_seedphrase(phrase, 0, &k0b), WAMP_OK);
    assert_int_equal(wamp_cryptosign_key_from_seedphrase(phrase, 7, &k7), WAMP_OK);
    char h0[65], h0b[65], h7[65];
    wamp_cryptosign_key_public_hex(k0, h0);
    wamp_cryptosign_key_public_hex(k0b, h0b);
    wamp_cryptosign_key_public_hex(k7, h7);
    /* values of Autobahn|Python 22.7.1 CryptosignKey.from_seedphrase() (independent
     * implementation: python-ecdsa arithmetic); tests/interop/auth.cmake checks more */
    assert_string_equal(h0, "d75d9504a00ba114a2314428fc84318843a2df2f266e08973cc102f74f661cce");
    assert_string_equal(h7, "7fd7d24200b383506b889a47b7a82700d4fe39210e80e6541b89250e46310a6a");
    assert_string_equal(h0, h0b);
    /* the same derivation step by step */
    uint8_t seed[64], key[32], s0[32];
    assert_int_equal(wamp_bip39_seed(phrase, NULL, seed), WAMP_OK);
    assert_int_equal(wamp_bip32_derive(seed, 64, "m/44'/655'/0'/0/0", key), WAMP_OK);
    assert_int_equal(wamp_cryptosign_key_seed(k0, s0), WAMP_OK);
    assert_memory_equal(key, s0, 32);
    assert_int_equal(wamp_bip32_derive(seed, 64, "m/44h/655H/0'/0/0", key), WAMP_OK);
    assert_memory_equal(key, s0, 32);
    const char *bad[] = {"", "x/0", "m/", "m/a", "m/1//2", "m/2147483648", "m/1'x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(wamp_bip32_derive(seed, 64, bad[i], key), WAMP_EINVAL);
    wamp_cryptosign_key_free(k0);
    wamp_cryptosign_key_free(k0b);
    wamp_cryptosign_key_free(k7);
}

/* ---------------------------------------------------------------- authextra */

static void set_s(wamp_arena *a, wamp_value *d, const char *k, const char *v)
{
    assert_int_equal(wamp_value_dict_setc(a, d, k, wamp_value_cstring(a, v)), WAMP_OK);
}

static void test_authextra(void **state)
{
    /* Autobahn's TestAuthExtra.test_parse data */
    wamp_arena *a = wamp_arena_new(0);
    wamp_value d = wamp_value_dict(), r = wamp_value_dict();
    set_s(a, &d, "pubkey", "9019a424b040859c108edee02e64c1dcb32b253686d7b5db56c306e9bdb2fe7e");
    set_s(a, &d, "challenge", "fe81c84e94a75a357c259d6b37361e43966a45f57dff181bb61b2f91a0f4ac88");
    set_s(a, &d, "channel_binding", "tls-unique");
    set_s(a, &d, "channel_id", "2e642bf991f48ece9133a0a32d15550921dda12bfebfbc941571d4b2960540bc");
    set_s(a, &d, "trustroot", "0xe78ea2fE1533D4beD9A10d91934e109A130D0ad8");
    assert_int_equal(wamp_value_dict_setc(a, &r, "chain_id", wamp_value_int(999)), WAMP_OK);
    assert_int_equal(wamp_value_dict_setc(a, &r, "block_no", wamp_value_int(123456789)), WAMP_OK);
    set_s(a, &r, "realm", "0x163D58cE482560B7826b4612f40aa2A7d53310C4");
    set_s(a, &r, "delegate", "0x72b3486d38E9f49215b487CeAaDF27D6acf22115");
    set_s(a, &r, "seeder", "0x52d66f36A7927cF9612e1b40bD6549d08E0513Ff");
    assert_int_equal(wamp_value_dict_setc(a, &r, "bandwidth", wamp_value_int(200)), WAMP_OK);
    assert_int_equal(wamp_value_dict_setc(a, &d, "reservation", r), WAMP_OK);
    set_s(a, &d, "signature",
          "747763c69394270603f64af5be3f8256a14b41ff51027e583ee81db9f1f15a01cc8e55218a76139f26dbaaa"
          "78d8a537d80d248b3fc6245ecf4602cc5fbb0f6452e");
    wamp_cryptosign_authextra ae;
    assert_int_equal(wamp_cryptosign_authextra_parse(&d, &ae), WAMP_OK);
    assert_true(ae.has_pubkey && ae.has_challenge && ae.has_channel_id && ae.has_trustroot);
    assert_int_equal(ae.chain_id, 999);
    assert_int_equal(ae.bandwidth, 200);
    wamp_value m;
    assert_int_equal(wamp_cryptosign_authextra_marshal(&ae, a, &m), WAMP_OK);
    wamp_buf b = {0};
    assert_int_equal(wamp_value_dump(&b, &m), WAMP_OK);
    assert_int_equal(wamp_buf_append_byte(&b, 0), WAMP_OK);
    /* addresses come back in lower case, as in Autobahn's test */
    assert_string_equal(
        (char *)b.data,
        "{\"pubkey\": \"9019a424b040859c108edee02e64c1dcb32b253686d7b5db56c306e9bdb2fe7e\", "
        "\"challenge\": \"fe81c84e94a75a357c259d6b37361e43966a45f57dff181bb61b2f91a0f4ac88\", "
        "\"channel_binding\": \"tls-unique\", "
        "\"channel_id\": \"2e642bf991f48ece9133a0a32d15550921dda12bfebfbc941571d4b2960540bc\", "
        "\"trustroot\": \"0xe78ea2fe1533d4bed9a10d91934e109a130d0ad8\", "
        "\"reservation\": {\"chain_id\": 999, \"block_no\": 123456789, "
        "\"realm\": \"0x163d58ce482560b7826b4612f40aa2a7d53310c4\", "
        "\"delegate\": \"0x72b3486d38e9f49215b487ceaadf27d6acf22115\", "
        "\"seeder\": \"0x52d66f36a7927cf9612e1b40bd6549d08e0513ff\", \"bandwidth\": 200}, "
        "\"signature\": \"747763c69394270603f64af5be3f8256a14b41ff51027e583ee81db9f1f15a01cc8e55"
        "218a76139f26dbaaa78d8a537d80d248b3fc6245ecf4602cc5fbb0f6452e\"}");
    wamp_buf_free(&b);
    /* empty marshals to {} */
    wamp_cryptosign_authextra empty = {0};
    assert_int_equal(wamp_cryptosign_authextra_marshal(&empty, a, &m), WAMP_OK);
    assert_int_equal(wamp_value_count(&m), 0);
    /* wrong lengths and types */
    set_s(a, &d, "pubkey", "9019");
    assert_int_equal(wamp_cryptosign_authextra_parse(&d, &ae), WAMP_EINVAL);
    set_s(a, &d, "pubkey", "9019a424b040859c108edee02e64c1dcb32b253686d7b5db56c306e9bdb2fe7e");
    set_s(a, &d, "channel_binding", "tls-exporter-x");
    assert_int_equal(wamp_cryptosign_authextra_parse(&d, &ae), WAMP_EINVAL);
    set_s(a, &d, "channel_binding", "tls-exporter");
    assert_int_equal(wamp_cryptosign_authextra_parse(&d, &ae), WAMP_OK);
    assert_string_equal(ae.channel_binding, "tls-exporter");
    set_s(a, &d, "channel_binding", "tls-unique");
    set_s(a, &d, "trustroot", "e78ea2fE1533D4beD9A10d91934e109A130D0ad8");
    assert_int_equal(wamp_cryptosign_authextra_parse(&d, &ae), WAMP_EINVAL);
    wamp_arena_free(a);
}

/* ---------------------------------------------------------------- client and router */

static int cs_roundtrip2(const char *client_binding, const char *router_binding,
                         const uint8_t *client_cid, const uint8_t *router_cid, bool authorize,
                         bool router_auth)
{
    uint8_t *seed = unhex(CS_VECTORS[0][1], 32);
    wamp_cryptosign_key *key, *rkey;
    uint8_t rseed[32];
    memset(rseed, 0x42, 32);
    assert_int_equal(wamp_cryptosign_key_from_bytes(seed, NULL, &key), WAMP_OK);
    assert_int_equal(wamp_cryptosign_key_from_bytes(rseed, NULL, &rkey), WAMP_OK);
    uint8_t pks[2][32];
    memset(pks[0], 7, 32);
    wamp_cryptosign_key_public(key, pks[1]);
    wamp_arena *a = wamp_arena_new(0);
    wamp_value ae = wamp_value_dict();
    if (router_auth)
        set_s(a, &ae, "challenge",
              "0102030405060708091011121314151617181920212223242526272829303132");
    wamp_auth_config cc = {.key = key, .channel_binding = client_binding, .authextra = &ae};
    wamp_auth_server_config sc = {.channel_id = router_cid,
                                  .channel_id_len = router_cid ? 32 : 0,
                                  .channel_binding = router_binding,
                                  .router_key = rkey};
    wamp_auth_principal pr = {
        .authrole = "user", .authorized_keys = pks, .authorized_count = authorize ? 2 : 1};
    wamp_authenticator *c;
    wamp_auth_pending *p;
    assert_int_equal(wamp_authenticator_new("cryptosign", &cc, &c), WAMP_OK);
    if (client_cid)
        assert_int_equal(wamp_authenticator_set_channel_id(c, client_binding, client_cid, 32),
                         WAMP_OK);
    assert_int_equal(wamp_auth_pending_new("cryptosign", &sc, &p), WAMP_OK);
    wamp_value d = wamp_value_dict();
    assert_int_equal(wamp_authenticator_hello(c, a, &d), WAMP_OK);
    const wamp_value *hae = wamp_value_dict_getc(&d, "authextra");
    wamp_str pk;
    assert_true(wamp_value_get_string(wamp_value_dict_getc(hae, "pubkey"), &pk));
    assert_true(
        wamp_str_eqc(pk, "1adfc8bfe1d35616e64dffbd900096f23b066f914c8c2ffbb66f6075b96e116d"));
    wamp_auth_hello h = {.realm = S("realm1"), .authextra = hae};
    wamp_auth_outcome out;
    int result;
    assert_int_equal(wamp_auth_pending_hello(p, &h, &pr, a, &out), WAMP_OK);
    if (out.kind == WAMP_AUTH_DENY) {
        result = -2000;
        goto done;
    }
    wamp_value sig, extra;
    result =
        wamp_authenticator_on_challenge(c, S("cryptosign"), &out.challenge.extra, a, &sig, &extra);
    if (result) goto done;
    wamp_str s;
    assert_true(wamp_value_get_string(&sig, &s));
    assert_int_equal(s.len, 192);
    assert_int_equal(wamp_auth_pending_authenticate(p, s, &extra, a, &out), WAMP_OK);
    result = out.kind == WAMP_AUTH_ACCEPT ? WAMP_OK : -3000;
    if (!result) {
        /* no authid requested: the router names the principal by its public key */
        assert_string_equal(out.accept.authid,
                            "1adfc8bfe1d35616e64dffbd900096f23b066f914c8c2ffbb66f6075b96e116d");
        assert_int_equal(wamp_authenticator_on_welcome(c, &out.accept.authextra), WAMP_OK);
    }
done:
    wamp_authenticator_free(c);
    wamp_auth_pending_free(p);
    wamp_cryptosign_key_free(key);
    wamp_cryptosign_key_free(rkey);
    wamp_arena_free(a);
    free(seed);
    return result;
}

static int cs_roundtrip(const char *client_binding, const uint8_t *client_cid,
                        const uint8_t *router_cid, bool authorize, bool router_auth)
{
    return cs_roundtrip2(client_binding, "tls-unique", client_cid, router_cid, authorize,
                         router_auth);
}

static void test_cryptosign_roundtrips(void **state)
{
    uint8_t cid[32], other[32];
    for (int i = 0; i < 32; i++) {
        cid[i] = (uint8_t)(i * 13 + 1);
        other[i] = (uint8_t)(i * 13 + 2);
    }
    assert_int_equal(cs_roundtrip(NULL, NULL, NULL, true, false), WAMP_OK);
    assert_int_equal(cs_roundtrip(NULL, NULL, NULL, true, true), WAMP_OK);
    assert_int_equal(cs_roundtrip("tls-unique", cid, cid, true, false), WAMP_OK);
    assert_int_equal(cs_roundtrip("tls-unique", cid, cid, true, true), WAMP_OK);
    /* tls-exporter (RFC 9266) on both sides; a type the router does not offer is refused */
    assert_int_equal(cs_roundtrip2("tls-exporter", "tls-exporter", cid, cid, true, true), WAMP_OK);
    assert_int_equal(cs_roundtrip2("tls-exporter", "tls-unique", cid, cid, true, false),
                     WAMP_EAUTH);
    /* unknown public key */
    assert_int_equal(cs_roundtrip(NULL, NULL, NULL, false, false), -2000);
    /* wrong channel id: the router denies */
    assert_int_equal(cs_roundtrip("tls-unique", other, cid, true, false), -3000);
    /* binding asked for but the router has none: it says so, the client refuses */
    assert_int_equal(cs_roundtrip("tls-unique", cid, NULL, true, false), WAMP_EAUTH);
    /* binding asked for but the transport gave the client no channel id */
    assert_int_equal(cs_roundtrip("tls-unique", NULL, cid, true, false), WAMP_EAUTH);
}

static void test_cryptosign_client_config(void **state)
{
    wamp_authenticator *c;
    wamp_arena *a = wamp_arena_new(0);
    /* privkey as hex, as Autobahn's create_authenticator(privkey=...) */
    wamp_auth_config cc = {.privkey_hex = CS_VECTORS[0][1], .authid = "someone"};
    assert_int_equal(wamp_authenticator_new("cryptosign", &cc, &c), WAMP_OK);
    wamp_authenticator_free(c);
    /* a pubkey in authextra must match */
    wamp_value ae = wamp_value_dict();
    set_s(a, &ae, "pubkey", "9569de18c7c0843212569dcddf2615c7f46125dc9b2292dea30b07b56a4d02a6");
    cc.authextra = &ae;
    assert_int_equal(wamp_authenticator_new("cryptosign", &cc, &c), WAMP_EINVAL);
    set_s(a, &ae, "pubkey", "1adfc8bfe1d35616e64dffbd900096f23b066f914c8c2ffbb66f6075b96e116d");
    set_s(a, &ae, "channel_binding", "tls-unique");
    assert_int_equal(wamp_authenticator_new("cryptosign", &cc, &c), WAMP_OK);
    /* Autobahn's test_authenticator: channel binding from authextra, the spec's channel id */
    uint8_t *cid = unhex(CS_VECTORS[3][0], 32);
    assert_int_equal(wamp_authenticator_set_channel_id(c, "tls-unique", cid, 32), WAMP_OK);
    wamp_value e = wamp_value_dict(), sig, extra;
    set_s(a, &e, "challenge", CS_VECTORS[3][2]);
    assert_int_equal(wamp_authenticator_on_challenge(c, S("cryptosign"), &e, a, &sig, &extra),
                     WAMP_OK);
    wamp_str s;
    assert_true(wamp_value_get_string(&sig, &s));
    assert_true(wamp_str_eqc(s, CS_VECTORS[3][3]));
    /* a challenge of the wrong length */
    set_s(a, &e, "challenge", "ffff");
    assert_int_equal(wamp_authenticator_on_challenge(c, S("cryptosign"), &e, a, &sig, &extra),
                     WAMP_EAUTH);
    wamp_authenticator_free(c);
    /* missing key, verification key, bad hex, unsupported binding */
    wamp_auth_config none = {0};
    assert_int_equal(wamp_authenticator_new("cryptosign", &none, &c), WAMP_EINVAL);
    wamp_auth_config badhex = {.privkey_hex = "xyz"};
    assert_int_equal(wamp_authenticator_new("cryptosign", &badhex, &c), WAMP_EINVAL);
    wamp_cryptosign_key *pub;
    uint8_t pk[32] = {1};
    assert_int_equal(wamp_cryptosign_key_from_pubkey(pk, NULL, &pub), WAMP_OK);
    wamp_auth_config vk = {.key = pub};
    assert_int_equal(wamp_authenticator_new("cryptosign", &vk, &c), WAMP_EINVAL);
    wamp_auth_config cb = {.privkey_hex = CS_VECTORS[0][1],
                           .channel_binding = "tls-server-end-point"};
    assert_int_equal(wamp_authenticator_new("cryptosign", &cb, &c), WAMP_EINVAL);
    wamp_cryptosign_key_free(pub);
    free(cid);
    wamp_arena_free(a);
}

/* ---------------------------------------------------------------- external signers */

static int module_sign(void *user, const uint8_t *data, size_t len, uint8_t sig[64])
{
    int *calls = user;
    (*calls)++;
    wamp_cryptosign_key *k;
    uint8_t *seed = unhex(CS_VECTORS[*calls > 100 ? 1 : 0][1], 32);
    assert_int_equal(wamp_cryptosign_key_from_bytes(seed, NULL, &k), WAMP_OK);
    int rc = wamp_cryptosign_key_sign(k, data, len, sig);
    wamp_cryptosign_key_free(k);
    free(seed);
    return rc;
}

static void test_external_signer(void **state)
{
    int calls = 0;
    uint8_t *pk = unhex("1adfc8bfe1d35616e64dffbd900096f23b066f914c8c2ffbb66f6075b96e116d", 32);
    wamp_cryptosign_key *k;
    assert_int_equal(wamp_cryptosign_key_from_signer(pk, module_sign, &calls, "hsm", &k), WAMP_OK);
    assert_true(wamp_cryptosign_key_can_sign(k));
    uint8_t seed[32];
    assert_int_equal(wamp_cryptosign_key_seed(k, seed), WAMP_ESTATE);
    char out[WAMP_CRYPTOSIGN_SIGNED_HEX_SIZE];
    assert_int_equal(wamp_cryptosign_key_sign_challenge(k, S(CS_VECTORS[0][2]), NULL, out),
                     WAMP_OK);
    assert_string_equal(out, CS_VECTORS[0][3]);
    /* through an authenticator, which borrows the key */
    wamp_auth_config cc = {.key = k};
    wamp_authenticator *c;
    wamp_arena *a = wamp_arena_new(0);
    assert_int_equal(wamp_authenticator_new("cryptosign", &cc, &c), WAMP_OK);
    wamp_value e = wamp_value_dict(), sig, extra;
    assert_int_equal(
        wamp_value_dict_setc(a, &e, "challenge", wamp_value_cstring(a, CS_VECTORS[0][2])), WAMP_OK);
    assert_int_equal(wamp_authenticator_on_challenge(c, S("cryptosign"), &e, a, &sig, &extra),
                     WAMP_OK);
    wamp_str s;
    assert_true(wamp_value_get_string(&sig, &s));
    assert_true(wamp_str_eqc(s, CS_VECTORS[0][3]));
    wamp_authenticator_free(c);
    assert_int_equal(calls, 2);
    /* a module signing with another key is caught */
    calls = 1000;
    assert_int_equal(wamp_cryptosign_key_sign_challenge(k, S(CS_VECTORS[0][2]), NULL, out),
                     WAMP_ESIGNATURE);
    assert_int_equal(wamp_cryptosign_key_from_signer(pk, NULL, NULL, NULL, &k), WAMP_EINVAL);
    wamp_cryptosign_key_free(k);
    wamp_arena_free(a);
    free(pk);
}

static void test_write_keyfile(void **state)
{
    wamp_cryptosign_key *k, *back;
    assert_int_equal(wamp_cryptosign_key_generate("gen", &k), WAMP_OK);
    wamp_keyfile_info info = {.comment = "WAMP-Cryptosign key\n\nof joe",
                              .creator = "joe@host",
                              .created_at = "2022-07-05T12:29:48.832Z",
                              .user_id = "joe"};
    char pk[65], pk2[65];
    wamp_cryptosign_key_public_hex(k, pk);
    for (int priv = 0; priv < 2; priv++) {
        wamp_buf b = {0};
        assert_int_equal(wamp_cryptosign_key_write_keyfile(k, priv, &info, &b), WAMP_OK);
        assert_int_equal(strlen((char *)b.data), b.len);
        char expect[512];
        uint8_t seed[32];
        assert_int_equal(wamp_cryptosign_key_seed(k, seed), WAMP_OK);
        char *sh = wt_hex(seed, 32);
        snprintf(expect, sizeof expect,
                 "WAMP-Cryptosign key\nof joe\n\ncreator: joe@host\ncreated-at: "
                 "2022-07-05T12:29:48.832Z\nuser-id: joe\npublic-key-ed25519: %s\n%s%s%s",
                 pk, priv ? "private-key-ed25519: " : "", priv ? sh : "", priv ? "\n" : "");
        free(sh);
        assert_string_equal((char *)b.data, expect);
        assert_int_equal(wamp_cryptosign_key_from_keyfile_bytes((char *)b.data, b.len, &back),
                         WAMP_OK);
        assert_int_equal(wamp_cryptosign_key_can_sign(back), priv);
        wamp_cryptosign_key_public_hex(back, pk2);
        assert_string_equal(pk, pk2);
        wamp_cryptosign_key_free(back);
        wamp_buf_free(&b);
    }
    wamp_buf b = {0};
    wamp_keyfile_info bad = {.creator = "a\nprivate-key-ed25519: 00"};
    assert_int_equal(wamp_cryptosign_key_write_keyfile(k, false, &bad, &b), WAMP_EINVAL);
    assert_int_equal(b.len, 0);
    uint8_t p32[32];
    wamp_cryptosign_key_public(k, p32);
    wamp_cryptosign_key *pub;
    assert_int_equal(wamp_cryptosign_key_from_pubkey(p32, NULL, &pub), WAMP_OK);
    assert_int_equal(wamp_cryptosign_key_write_keyfile(pub, true, NULL, &b), WAMP_ESTATE);
    assert_int_equal(wamp_cryptosign_key_write_keyfile(pub, false, NULL, &b), WAMP_OK);
    wamp_buf_free(&b);
    wamp_cryptosign_key_free(pub);
    wamp_cryptosign_key_free(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc8032),
        cmocka_unit_test(test_spec_vectors),
        cmocka_unit_test(test_spec_handshakes),
        cmocka_unit_test(test_spec_example3_handshake),
        cmocka_unit_test(test_spec_example3_certificates),
        cmocka_unit_test(test_own_certificate_chains),
        cmocka_unit_test(test_ssh_keys),
        cmocka_unit_test(test_keyfile),
        cmocka_unit_test(test_write_keyfile),
        cmocka_unit_test(test_key_files_on_disk),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_encrypted_openssh_key),
        cmocka_unit_test(test_bip39),
        cmocka_unit_test(test_bip32_vectors),
        cmocka_unit_test(test_seedphrase),
        cmocka_unit_test(test_authextra),
        cmocka_unit_test(test_cryptosign_roundtrips),
        cmocka_unit_test(test_cryptosign_client_config),
        cmocka_unit_test(test_external_signer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
