/* Unit tests of src/crypto/keystore.c: create/open/unlock/lock, wrong passphrase, keys of both
 * types (created, set, read back, deleted), counters, persistence across reopen, atomic
 * replacement (no temp file left), refusal to overwrite, and every truncation and single-byte
 * corruption of a store file giving a clean error. */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <wamp/cryptosign.h>
#include <wamp/ethkey.h>
#include <wamp/keystore.h>

static char dir[64];
static char path[128];
static const wamp_keystore_opts CHEAP = {.opslimit = 1, .memlimit_kib = 8};

static int setup(void **state)
{
    strcpy(dir, "/tmp/wamp-ks-XXXXXX");
    if (!mkdtemp(dir)) return -1;
    snprintf(path, sizeof path, "%s/store.bin", dir);
    return 0;
}

static int teardown(void **state)
{
    char p[160];
    snprintf(p, sizeof p, "%s/store.bin", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/bad.bin", dir);
    unlink(p);
    rmdir(dir);
    return 0;
}

static void write_bytes(const char *p, const void *data, size_t n)
{
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
}

static void test_lifecycle(void **state)
{
    assert_int_equal(wamp_keystore_create(path, "correct horse", &CHEAP), WAMP_OK);
    assert_int_equal(wamp_keystore_create(path, "other", &CHEAP), WAMP_EEXIST);
    wamp_keystore *ks;
    assert_int_equal(wamp_keystore_open(path, &ks), WAMP_OK);
    assert_true(wamp_keystore_is_locked(ks));
    uint32_t no;
    uint64_t v;
    assert_int_equal(wamp_keystore_create_key(ks, WAMP_KEYSTORE_CRYPTOSIGN, &no), WAMP_ELOCKED);
    assert_int_equal(wamp_keystore_get_counter(ks, 0, &v), WAMP_ELOCKED);
    assert_int_equal(wamp_keystore_unlock(ks, "wrong horse"), WAMP_EPASSPHRASE);
    assert_true(wamp_keystore_is_locked(ks));
    assert_int_equal(wamp_keystore_unlock(ks, "correct horse"), WAMP_OK);
    assert_false(wamp_keystore_is_locked(ks));
    assert_int_equal(wamp_keystore_count(ks), 0);

    /* keys */
    uint32_t cs, eth;
    assert_int_equal(wamp_keystore_create_key(ks, WAMP_KEYSTORE_CRYPTOSIGN, &cs), WAMP_OK);
    assert_int_equal(wamp_keystore_create_key(ks, WAMP_KEYSTORE_ETHEREUM, &eth), WAMP_OK);
    assert_int_equal(cs, 0);
    assert_int_equal(eth, 1);
    uint8_t cow[32];
    wamp_keccak256("cow", 3, cow);
    assert_int_equal(wamp_keystore_set_key(ks, 7, WAMP_KEYSTORE_ETHEREUM, cow), WAMP_OK);
    uint8_t zero[32] = {0};
    assert_int_equal(wamp_keystore_set_key(ks, 8, WAMP_KEYSTORE_ETHEREUM, zero), WAMP_EINVAL);
    assert_int_equal(wamp_keystore_count(ks), 3);
    uint32_t nos[4];
    assert_int_equal(wamp_keystore_key_numbers(ks, nos, 4), 3);
    assert_int_equal(nos[2], 7);
    wamp_keystore_key_type t;
    assert_int_equal(wamp_keystore_get_key_type(ks, cs, &t), WAMP_OK);
    assert_int_equal(t, WAMP_KEYSTORE_CRYPTOSIGN);
    wamp_cryptosign_key *ck;
    wamp_ethkey *ek;
    assert_int_equal(wamp_keystore_get_cryptosign(ks, eth, &ck), WAMP_EINVAL);
    assert_int_equal(wamp_keystore_get_ethkey(ks, 99, &ek), WAMP_ENOTFOUND);
    assert_int_equal(wamp_keystore_get_cryptosign(ks, cs, &ck), WAMP_OK);
    char pub1[65], pub2[65], addr1[43], addr2[43];
    wamp_cryptosign_key_public_hex(ck, pub1);
    wamp_cryptosign_key_free(ck);
    assert_int_equal(wamp_keystore_get_ethkey(ks, 7, &ek), WAMP_OK);
    wamp_ethkey_address_text(ek, addr1);
    assert_string_equal(addr1, "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826");
    wamp_ethkey_free(ek);
    assert_int_equal(wamp_keystore_get_ethkey(ks, eth, &ek), WAMP_OK);
    wamp_ethkey_address_text(ek, addr1);
    wamp_ethkey_free(ek);

    /* counters */
    assert_int_equal(wamp_keystore_get_counter(ks, 5, &v), WAMP_OK);
    assert_int_equal(v, 0);
    for (int i = 1; i <= 3; i++) {
        assert_int_equal(wamp_keystore_increment_counter(ks, 5, &v), WAMP_OK);
        assert_int_equal(v, (uint64_t)i);
    }
    assert_int_equal(wamp_keystore_increment_counter(ks, 2, &v), WAMP_OK);
    assert_int_equal(v, 1);
    uint8_t r1[16], r2[16];
    assert_int_equal(wamp_keystore_get_random(ks, r1, 16), WAMP_OK);
    assert_int_equal(wamp_keystore_get_random(ks, r2, 16), WAMP_OK);
    assert_memory_not_equal(r1, r2, 16);

    /* lock wipes what was unlocked */
    wamp_keystore_lock(ks);
    assert_int_equal(wamp_keystore_count(ks), 0);
    assert_false(wamp_keystore_contains(ks, cs));
    assert_int_equal(wamp_keystore_get_cryptosign(ks, cs, &ck), WAMP_ELOCKED);
    wamp_keystore_close(ks);

    /* everything persisted across a reopen; no temp file left */
    char tmp[160];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    assert_int_not_equal(access(tmp, F_OK), 0);
    assert_int_equal(wamp_keystore_open(path, &ks), WAMP_OK);
    assert_int_equal(wamp_keystore_unlock(ks, "correct horse"), WAMP_OK);
    assert_int_equal(wamp_keystore_count(ks), 3);
    assert_int_equal(wamp_keystore_get_cryptosign(ks, cs, &ck), WAMP_OK);
    wamp_cryptosign_key_public_hex(ck, pub2);
    wamp_cryptosign_key_free(ck);
    assert_string_equal(pub1, pub2);
    assert_int_equal(wamp_keystore_get_ethkey(ks, eth, &ek), WAMP_OK);
    wamp_ethkey_address_text(ek, addr2);
    wamp_ethkey_free(ek);
    assert_string_equal(addr1, addr2);
    assert_int_equal(wamp_keystore_get_counter(ks, 5, &v), WAMP_OK);
    assert_int_equal(v, 3);
    assert_int_equal(wamp_keystore_increment_counter(ks, 5, &v), WAMP_OK);
    assert_int_equal(v, 4);
    assert_int_equal(wamp_keystore_delete_key(ks, cs), WAMP_OK);
    assert_int_equal(wamp_keystore_delete_key(ks, cs), WAMP_ENOTFOUND);
    wamp_keystore_close(ks);

    assert_int_equal(wamp_keystore_open(path, &ks), WAMP_OK);
    assert_int_equal(wamp_keystore_unlock(ks, "correct horse"), WAMP_OK);
    assert_int_equal(wamp_keystore_count(ks), 2);
    assert_false(wamp_keystore_contains(ks, cs));
    assert_true(wamp_keystore_contains(ks, eth));
    assert_int_equal(wamp_keystore_get_counter(ks, 5, &v), WAMP_OK);
    assert_int_equal(v, 4);
    assert_int_equal(wamp_keystore_get_counter(ks, 2, &v), WAMP_OK);
    assert_int_equal(v, 1);
    /* a new key gets the next number after the highest */
    assert_int_equal(wamp_keystore_create_key(ks, WAMP_KEYSTORE_CRYPTOSIGN, &no), WAMP_OK);
    assert_int_equal(no, 8);
    wamp_keystore_close(ks);
    wamp_keystore_close(NULL);

    assert_int_equal(wamp_keystore_open("/nonexistent/dir/x", &ks), WAMP_EIO);
}

static void test_damaged(void **state)
{
    unlink(path);
    assert_int_equal(wamp_keystore_create(path, "pw", &CHEAP), WAMP_OK);
    wamp_keystore *ks;
    uint32_t no;
    uint64_t v;
    assert_int_equal(wamp_keystore_open(path, &ks), WAMP_OK);
    assert_int_equal(wamp_keystore_unlock(ks, "pw"), WAMP_OK);
    assert_int_equal(wamp_keystore_create_key(ks, WAMP_KEYSTORE_ETHEREUM, &no), WAMP_OK);
    assert_int_equal(wamp_keystore_increment_counter(ks, 1, &v), WAMP_OK);
    wamp_keystore_close(ks);
    size_t len;
    char *data = wt_read_file(path, &len);
    assert_non_null(data);
    assert_int_equal(len, 72 + 16 + 8 + 37 + 4 + 12);
    char bad[160];
    snprintf(bad, sizeof bad, "%s/bad.bin", dir);
    /* every truncation */
    for (size_t n = 0; n < len; n++) {
        write_bytes(bad, data, n);
        int rc = wamp_keystore_open(bad, &ks);
        if (rc == WAMP_OK) {
            rc = wamp_keystore_unlock(ks, "pw");
            wamp_keystore_close(ks);
        }
        assert_int_equal(rc, WAMP_EKEYFILE);
    }
    /* every byte corrupted */
    for (size_t i = 0; i < len; i++) {
        data[i] ^= 0x01;
        write_bytes(bad, data, len);
        data[i] ^= 0x01;
        int rc = wamp_keystore_open(bad, &ks);
        if (rc == WAMP_OK) {
            rc = wamp_keystore_unlock(ks, "pw");
            wamp_keystore_close(ks);
        }
        if (i < 16) /* magic and costs */
            assert_true(rc == WAMP_EKEYFILE || rc == WAMP_EPASSPHRASE);
        else if (i < 48) /* salt and check: the passphrase no longer fits */
            assert_int_equal(rc, WAMP_EPASSPHRASE);
        else /* nonce, MAC, ciphertext */
            assert_int_equal(rc, WAMP_EKEYFILE);
    }
    /* too large */
    char *big = calloc(1, (1u << 20) + 1);
    memcpy(big, data, len);
    write_bytes(bad, big, (1u << 20) + 1);
    assert_int_equal(wamp_keystore_open(bad, &ks), WAMP_EKEYFILE);
    free(big);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lifecycle),
        cmocka_unit_test(test_damaged),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
