/* Unit tests of src/crypto Ethereum keys: Keccak-256 vectors, the EIP-55 test addresses, the
 * EIP-712 "Mail" example (encodeType, type hash, hashStruct, domain separator, digest and the
 * published signature by the "cow" key), signer recovery, malformed typed data, and the BIP-39
 * / BIP-32 m/44'/60'/0'/0/0 vector. */
#include "support.h"

#include <stdlib.h>
#include <string.h>

#include <wamp/ethkey.h>
#include <wamp/serializer.h>

static void assert_hex(const uint8_t *b, size_t n, const char *want)
{
    char *h = wt_hex(b, n);
    assert_string_equal(h, want);
    free(h);
}

static void test_keccak(void **state)
{
    uint8_t h[32];
    wamp_keccak256("", 0, h);
    assert_hex(h, 32, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    wamp_keccak256("abc", 3, h);
    assert_hex(h, 32, "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
    const char *fox = "The quick brown fox jumps over the lazy dog";
    wamp_keccak256(fox, strlen(fox), h);
    assert_hex(h, 32, "4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15");
    wamp_keccak256("cow", 3, h);
    assert_hex(h, 32, "c85ef7d79691fe79573b1a7064c19c1a9819ebdbd1faaab1a8ec92344438aaf4");
}

static void test_eip55(void **state)
{
    static const char *const good[] = {
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
        "0x52908400098527886E0F7030069857D2E4169EE7", "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
        "0xde709f2102306220921060314715629080e2fb77", "0x27b1fdb04752bbc536007a920d24acb045561c26",
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        uint8_t a[20];
        char out[43];
        assert_int_equal(wamp_eth_address_parse(good[i], strlen(good[i]), a), WAMP_OK);
        wamp_eth_address_format(a, out);
        if (i < 6) assert_string_equal(out, good[i]); /* mixed-case forms are the checksums */
        /* all-lower and all-upper spellings parse to the same address */
        char low[43], up[43];
        strcpy(low, good[i]);
        strcpy(up, good[i]);
        for (int c = 2; c < 42; c++) {
            if (low[c] >= 'A' && low[c] <= 'F') low[c] = (char)(low[c] - 'A' + 'a');
            if (up[c] >= 'a' && up[c] <= 'f') up[c] = (char)(up[c] - 'a' + 'A');
        }
        uint8_t b[20];
        assert_int_equal(wamp_eth_address_parse(low, 42, b), WAMP_OK);
        assert_memory_equal(a, b, 20);
        assert_int_equal(wamp_eth_address_parse(up, 42, b), WAMP_OK);
        assert_memory_equal(a, b, 20);
    }
    /* a flipped case in a checksummed address is refused */
    char bad[43];
    strcpy(bad, good[0]);
    bad[3] = 'A'; /* 0x5aA... -> 0x5AA... keeps mixed case but breaks the checksum */
    uint8_t a[20];
    assert_int_equal(wamp_eth_address_parse(bad, 42, a), WAMP_EINVAL);
    assert_int_equal(wamp_eth_address_parse("0x1234", 6, a), WAMP_EINVAL);
    assert_int_equal(wamp_eth_address_parse("0xzz09f2102306220921060314715629080e2fb77", 42, a),
                     WAMP_EINVAL);
}

static const char MAIL[] =
    "{\"types\":{"
    "\"EIP712Domain\":[{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"version\",\"type\":"
    "\"string\"},{\"name\":\"chainId\",\"type\":\"uint256\"},{\"name\":\"verifyingContract\","
    "\"type\":\"address\"}],"
    "\"Person\":[{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"wallet\",\"type\":"
    "\"address\"}],"
    "\"Mail\":[{\"name\":\"from\",\"type\":\"Person\"},{\"name\":\"to\",\"type\":\"Person\"},"
    "{\"name\":\"contents\",\"type\":\"string\"}]},"
    "\"primaryType\":\"Mail\","
    "\"domain\":{\"name\":\"Ether Mail\",\"version\":\"1\",\"chainId\":1,"
    "\"verifyingContract\":\"0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC\"},"
    "\"message\":{\"from\":{\"name\":\"Cow\",\"wallet\":"
    "\"0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826\"},"
    "\"to\":{\"name\":\"Bob\",\"wallet\":\"0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB\"},"
    "\"contents\":\"Hello, Bob!\"}}";

static wamp_value parse(wamp_arena *a, const char *json)
{
    wamp_value v;
    assert_int_equal(
        wamp_value_decode(WAMP_SER_JSON, (const uint8_t *)json, strlen(json), a, NULL, &v),
        WAMP_OK);
    return v;
}

static void test_eip712_mail(void **state)
{
    wamp_arena *a = wamp_arena_new(0);
    wamp_value td = parse(a, MAIL);
    wamp_buf b = {0};
    assert_int_equal(wamp_eip712_encode_type(&td, "Mail", &b), WAMP_OK);
    assert_string_equal((char *)b.data,
                        "Mail(Person from,Person to,string contents)Person(string name,address "
                        "wallet)");
    uint8_t h[32];
    wamp_keccak256(b.data, b.len, h);
    assert_hex(h, 32, "a0cedeb2dc280ba39b857546d74f5549c3a1d7bdc2dd96bf881f76108e23dac2");
    wamp_buf_free(&b);

    assert_int_equal(wamp_eip712_hash_struct(&td, "Mail", wamp_value_dict_getc(&td, "message"), h),
                     WAMP_OK);
    assert_hex(h, 32, "c52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e");
    assert_int_equal(wamp_eip712_domain_separator(&td, h), WAMP_OK);
    assert_hex(h, 32, "f2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f");
    assert_int_equal(wamp_eip712_hash(&td, h), WAMP_OK);
    assert_hex(h, 32, "be609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2");

    /* the cow key signs it as the EIP publishes: v = 28, r, s */
    uint8_t priv[32], sig[65], addr[20], cow[20];
    wamp_keccak256("cow", 3, priv);
    wamp_ethkey *k;
    assert_int_equal(wamp_ethkey_from_bytes(priv, &k), WAMP_OK);
    char text[43];
    wamp_ethkey_address_text(k, text);
    assert_string_equal(text, "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826");
    assert_string_equal(wamp_ethkey_type(k), "ethereum");
    assert_int_equal(wamp_ethkey_sign_typed_data(k, &td, sig), WAMP_OK);
    assert_hex(sig, 65,
               "4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d"
               "07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b91562"
               "1c");
    wamp_ethkey_address(k, cow);
    assert_int_equal(wamp_eth_recover_typed_data(&td, sig, addr), WAMP_OK);
    assert_memory_equal(addr, cow, 20);
    assert_int_equal(wamp_eth_verify_typed_data(&td, sig, cow), WAMP_OK);
    /* v as 0/1 is accepted too */
    sig[64] = 1;
    assert_int_equal(wamp_eth_verify_typed_data(&td, sig, cow), WAMP_OK);
    sig[64] = 0x1c;
    /* another signer, a changed message, a corrupted signature */
    uint8_t other[20] = {1};
    assert_int_equal(wamp_eth_verify_typed_data(&td, sig, other), WAMP_ESIGNATURE);
    sig[64] = 29;
    assert_int_equal(wamp_eth_verify_typed_data(&td, sig, cow), WAMP_ESIGNATURE);
    sig[64] = 0x1c;
    sig[5] ^= 1;
    int rc = wamp_eth_verify_typed_data(&td, sig, cow);
    assert_true(rc == WAMP_ESIGNATURE);
    sig[5] ^= 1;
    wamp_value *msg = wamp_value_dict_getc(&td, "message");
    assert_int_equal(wamp_value_dict_setc(a, msg, "contents", wamp_value_cstring(a, "Hello, Eve!")),
                     WAMP_OK);
    assert_int_equal(wamp_eth_verify_typed_data(&td, sig, cow), WAMP_ESIGNATURE);
    /* the high-s twin of a valid signature (s' = n - s, v flipped) is refused */
    assert_int_equal(wamp_value_dict_setc(a, msg, "contents", wamp_value_cstring(a, "Hello, Bob!")),
                     WAMP_OK);
    assert_int_equal(wamp_eth_verify_typed_data(&td, sig, cow), WAMP_OK);
    size_t nl;
    uint8_t *n = wt_unhex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", &nl);
    int borrow = 0;
    for (int i = 31; i >= 0; i--) {
        int d = n[i] - sig[32 + i] - borrow;
        borrow = d < 0;
        sig[32 + i] = (uint8_t)(d + (borrow ? 256 : 0));
    }
    free(n);
    sig[64] = 0x1b;
    assert_int_equal(wamp_eth_verify_typed_data(&td, sig, cow), WAMP_ESIGNATURE);
    wamp_ethkey_free(k);
    wamp_arena_free(a);
}

static void test_eip712_malformed(void **state)
{
    static const char *const bad[] = {
        "[]",
        "{\"types\":[]}",
        "{\"types\":{\"EIP712Domain\":[]},\"primaryType\":\"X\",\"domain\":{},\"message\":{}}",
        /* wrong value types */
        "{\"types\":{\"EIP712Domain\":[{\"name\":\"chainId\",\"type\":\"uint8\"}]},"
        "\"primaryType\":\"EIP712Domain\",\"domain\":{\"chainId\":256},\"message\":{\"chainId\":1}"
        "}",
        "{\"types\":{\"EIP712Domain\":[{\"name\":\"c\",\"type\":\"uint256\"}]},"
        "\"primaryType\":\"EIP712Domain\",\"domain\":{\"c\":-1},\"message\":{\"c\":1}}",
        "{\"types\":{\"EIP712Domain\":[{\"name\":\"c\",\"type\":\"address\"}]},"
        "\"primaryType\":\"EIP712Domain\",\"domain\":{\"c\":\"0x12\"},\"message\":{\"c\":1}}",
        "{\"types\":{\"EIP712Domain\":[{\"name\":\"c\",\"type\":\"bytes2\"}]},"
        "\"primaryType\":\"EIP712Domain\",\"domain\":{\"c\":\"0x123456\"},\"message\":{}}",
        "{\"types\":{\"EIP712Domain\":[{\"name\":\"c\",\"type\":\"string\"}]},"
        "\"primaryType\":\"EIP712Domain\",\"domain\":{},\"message\":{}}",
        "{\"types\":{\"EIP712Domain\":[{\"name\":\"c\",\"type\":\"int8[2]\"}]},"
        "\"primaryType\":\"EIP712Domain\",\"domain\":{\"c\":[1]},\"message\":{}}",
        "{\"types\":{\"EIP712Domain\":[{\"name\":\"c\",\"type\":\"foo\"}]},"
        "\"primaryType\":\"EIP712Domain\",\"domain\":{\"c\":1},\"message\":{}}",
        "{\"types\":{\"EIP712Domain\":[{\"name\":\"c\",\"type\":\"int8\"}]},"
        "\"primaryType\":\"EIP712Domain\",\"domain\":{\"c\":\"-129\"},\"message\":{}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        wamp_arena *a = wamp_arena_new(0);
        wamp_value td = parse(a, bad[i]);
        uint8_t h[32];
        assert_int_not_equal(wamp_eip712_hash(&td, h), WAMP_OK);
        wamp_arena_free(a);
    }
    /* integer edges accepted: int8 -128 and 127, uint256 max in hex, recursive types */
    wamp_arena *a = wamp_arena_new(0);
    wamp_value td =
        parse(a, "{\"types\":{\"EIP712Domain\":[{\"name\":\"a\",\"type\":\"int8\"},{\"name\":\"b\","
                 "\"type\":\"int8\"},{\"name\":\"c\",\"type\":\"uint256\"}],"
                 "\"Node\":[{\"name\":\"kids\",\"type\":\"Node[]\"}]},"
                 "\"primaryType\":\"Node\",\"domain\":{\"a\":-128,\"b\":\"127\",\"c\":\"0x"
                 "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\"},"
                 "\"message\":{\"kids\":[{\"kids\":[]},{\"kids\":[{\"kids\":[]}]}]}}");
    uint8_t h[32];
    assert_int_equal(wamp_eip712_hash(&td, h), WAMP_OK);
    wamp_buf b = {0};
    assert_int_equal(wamp_eip712_encode_type(&td, "Node", &b), WAMP_OK);
    assert_string_equal((char *)b.data, "Node(Node[] kids)");
    wamp_buf_free(&b);
    wamp_arena_free(a);
    /* nesting deeper than the bound is refused, not recursed into */
    a = wamp_arena_new(0);
    wamp_buf j = {0};
    const char *head = "{\"types\":{\"EIP712Domain\":[],\"Node\":[{\"name\":\"k\",\"type\":"
                       "\"Node[]\"}]},\"primaryType\":\"Node\",\"domain\":{},\"message\":";
    wamp_buf_append(&j, head, strlen(head));
    for (int i = 0; i < 40; i++)
        wamp_buf_append(&j, "{\"k\":[", 6);
    wamp_buf_append(&j, "{\"k\":[]}", 8);
    for (int i = 0; i < 40; i++)
        wamp_buf_append(&j, "]}", 2);
    wamp_buf_append(&j, "}", 2);
    wamp_value deep;
    wamp_decode_opts o = {.max_depth = 200};
    assert_int_equal(wamp_value_decode(WAMP_SER_JSON, j.data, j.len - 1, a, &o, &deep), WAMP_OK);
    assert_int_equal(wamp_eip712_hash(&deep, h), WAMP_EDEPTH);
    wamp_buf_free(&j);
    wamp_arena_free(a);
}

/* The brief named 0x9858EfFD232B4033E47d90003D41EC34EcaEda94 for the "myth like ..." phrase; that
 * address belongs to the "abandon x11 about" phrase. The "myth like ..." (Ganache) accounts are
 * those of Autobahn's xbr/test/test_xbr_mnemonic.py, checked here with their private keys. */
static void test_seedphrase(void **state)
{
    static const char *const myth[][2] = {
        {"0x90F8bf6A479f320ead074411a4B0e7944Ea8c9C1",
         "4f3edf983ac636a65a842ce7c78d9aa706d3b113bce9c46f30d7d21715b23b1d"},
        {"0xFFcf8FDEE72ac11b5c542428B35EEF5769C409f0",
         "6cbed15c793ce57650b9877cf6fa156fbef513c4e6134f022a85b1ffdd59b2a1"},
        {"0x22d491Bde2303f2f43325b2108D26f1eAbA1e32b",
         "6370fd033278c143179d81c5526140625662b8daa446c22ee2d73db3707e620c"},
        {"0xE11BA2b4D45Eaed5996Cd0823791E0C93114882d",
         "646f1ce2fdad0e6deeeb5c7e8e5543bdde65e86029e2fd9fc169899c440a7913"},
    };
    wamp_ethkey *k;
    char text[43];
    uint8_t priv[32];
    for (uint32_t i = 0; i < 4; i++) {
        assert_int_equal(wamp_ethkey_from_seedphrase("myth like bonus scare over problem client "
                                                     "lizard pioneer submit female collect",
                                                     i, &k),
                         WAMP_OK);
        wamp_ethkey_address_text(k, text);
        assert_string_equal(text, myth[i][0]);
        wamp_ethkey_private_key(k, priv);
        assert_hex(priv, 32, myth[i][1]);
        wamp_ethkey_free(k);
    }
    assert_int_equal(wamp_ethkey_from_seedphrase("abandon abandon abandon abandon abandon abandon "
                                                 "abandon abandon abandon abandon abandon about",
                                                 0, &k),
                     WAMP_OK);
    wamp_ethkey_address_text(k, text);
    assert_string_equal(text, "0x9858EfFD232B4033E47d90003D41EC34EcaEda94");
    wamp_ethkey_free(k);
    assert_int_equal(wamp_ethkey_from_seedphrase("x", 0x80000000u, &k), WAMP_EINVAL);
}

static void test_keys(void **state)
{
    uint8_t zero[32] = {0}, h[32], sig[65], addr[20], want[20];
    wamp_ethkey *k;
    assert_int_equal(wamp_ethkey_from_bytes(zero, &k), WAMP_EINVAL);
    assert_null(k);
    assert_int_equal(wamp_ethkey_generate(&k), WAMP_OK);
    wamp_keccak256("msg", 3, h);
    assert_int_equal(wamp_ethkey_sign_hash(k, h, sig), WAMP_OK);
    assert_true(sig[64] == 27 || sig[64] == 28);
    assert_int_equal(wamp_eth_recover_hash(h, sig, addr), WAMP_OK);
    wamp_ethkey_address(k, want);
    assert_memory_equal(addr, want, 20);
    /* the key from its own private bytes is the same key */
    uint8_t priv[32], pub[64], pub2[64];
    wamp_ethkey_private_key(k, priv);
    wamp_ethkey_public_key(k, pub);
    wamp_ethkey *k2;
    assert_int_equal(wamp_ethkey_from_bytes(priv, &k2), WAMP_OK);
    wamp_ethkey_public_key(k2, pub2);
    assert_memory_equal(pub, pub2, 64);
    /* the address is keccak(pub)[12:] */
    wamp_keccak256(pub, 64, h);
    assert_memory_equal(h + 12, want, 20);
    /* r = 0 is not a signature */
    memset(sig, 0, 64);
    assert_int_equal(wamp_eth_recover_hash(h, sig, addr), WAMP_ESIGNATURE);
    wamp_ethkey_free(k);
    wamp_ethkey_free(k2);
    wamp_ethkey_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keccak),      cmocka_unit_test(test_eip55),
        cmocka_unit_test(test_eip712_mail), cmocka_unit_test(test_eip712_malformed),
        cmocka_unit_test(test_seedphrase),  cmocka_unit_test(test_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
