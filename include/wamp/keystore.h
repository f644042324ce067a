/*
 * libwamp — a file-backed security module (Autobahn's ISecurityModule): several keys
 * (WAMP-Cryptosign Ed25519 and Ethereum secp256k1) and persistent counters, kept encrypted on
 * disk under a passphrase.
 *
 * File (all integers little-endian):
 *   "WAMPKS01" | opslimit u32 | memlimit_kib u32 | salt[16] | check[16] | nonce[24] | box
 *   key   = Argon2id(passphrase, salt, opslimit, memlimit) (libsodium crypto_pwhash, 32 bytes)
 *   check = BLAKE2b-128 keyed with key over "libwamp-keystore-check" (tells a wrong passphrase
 *           from a corrupted file)
 *   box   = crypto_secretbox (XSalsa20-Poly1305) under BLAKE2b-256 keyed with key over
 *           "libwamp-keystore-box", of the body:
 *           "WKSB" | nkeys u32 | { key_no u32 | type u8 | secret[32] } * nkeys
 *                  | ncounters u32 | { counter_no u32 | value u64 } * ncounters
 * Every change (create/delete key, increment counter) re-encrypts the body with a fresh nonce
 * and replaces the file atomically: write "<path>.tmp", fsync, rename over <path>, fsync the
 * directory. A crash leaves the old or the new file, never a torn one. One process at a time
 * may hold a store open for writing (no file locking is done).
 *
 * Lifetime: wamp_keystore_open() reads and checks the file's header and returns the store
 * *locked*; wamp_keystore_unlock() derives the key and decrypts; wamp_keystore_lock() wipes
 * every secret from memory (sodium_memzero), as wamp_keystore_close() does before freeing.
 * Files are hostile input: sizes and counts are bounded (at most 1 MiB, 4096 keys, 4096
 * counters; KDF costs opslimit 1..32, memlimit 8 KiB..1 GiB), numbers must be unique, key
 * material valid; anything else is WAMP_EKEYFILE.
 */
#ifndef WAMP_KEYSTORE_H
#define WAMP_KEYSTORE_H

#include "common.h"
#include "cryptosign.h"
#include "ethkey.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum wamp_keystore_key_type {
    WAMP_KEYSTORE_CRYPTOSIGN = 1, /* Ed25519 seed */
    WAMP_KEYSTORE_ETHEREUM = 2,   /* secp256k1 private key */
} wamp_keystore_key_type;

/* Argon2id costs for a new store; {0} means libsodium's "interactive" costs (opslimit 2,
 * 64 MiB). */
typedef struct wamp_keystore_opts {
    uint32_t opslimit;
    uint32_t memlimit_kib;
} wamp_keystore_opts;

typedef struct wamp_keystore wamp_keystore;

/* Creates a new, empty store file (refuses to overwrite: WAMP_EEXIST). opts may be NULL.
 * WAMP_OK, WAMP_EINVAL, WAMP_EEXIST, WAMP_EIO, WAMP_ENOMEM, WAMP_ECRYPTO. */
WAMP_API int wamp_keystore_create(const char *path, const char *passphrase,
                                  const wamp_keystore_opts *opts);
/* Opens a store file, locked. The caller closes it with wamp_keystore_close().
 * WAMP_OK, WAMP_EINVAL, WAMP_EIO (cannot read), WAMP_EKEYFILE (not a store, truncated, bad
 * costs), WAMP_ENOMEM. */
WAMP_API int wamp_keystore_open(const char *path, wamp_keystore **out);
/* Wipes all secrets and frees. NULL is a no-op. */
WAMP_API void wamp_keystore_close(wamp_keystore *ks);

/* Unlocks with the passphrase (re-reading the file). WAMP_OK (also when already unlocked),
 * WAMP_EPASSPHRASE (wrong passphrase), WAMP_EKEYFILE (file corrupted or changed into
 * garbage), WAMP_EIO, WAMP_ENOMEM. */
WAMP_API int wamp_keystore_unlock(wamp_keystore *ks, const char *passphrase);
/* Wipes keys, counters and the derived key from memory. */
WAMP_API void wamp_keystore_lock(wamp_keystore *ks);
WAMP_API bool wamp_keystore_is_locked(const wamp_keystore *ks);

/* Functions below need an unlocked store (WAMP_ELOCKED otherwise). Changes are persisted
 * before they return (WAMP_EIO when that failed: the store in memory is then unchanged). */

/* Number of keys (0 when locked). */
WAMP_API size_t wamp_keystore_count(const wamp_keystore *ks);
/* The key numbers in ascending order: writes up to cap of them, returns how many exist. */
WAMP_API size_t wamp_keystore_key_numbers(const wamp_keystore *ks, uint32_t *nos, size_t cap);
/* True when key key_no exists. */
WAMP_API bool wamp_keystore_contains(const wamp_keystore *ks, uint32_t key_no);
/* Creates a random key of the type; *key_no receives its number (one more than the highest in
 * use, 0 for the first). WAMP_OK, WAMP_ELOCKED, WAMP_EINVAL, WAMP_ELIMIT, WAMP_EIO. */
WAMP_API int wamp_keystore_create_key(wamp_keystore *ks, wamp_keystore_key_type type,
                                      uint32_t *key_no);
/* Stores given key material (32 bytes: Ed25519 seed or secp256k1 private key) as key_no,
 * replacing an existing key of that number (ISecurityModule.__setitem__). */
WAMP_API int wamp_keystore_set_key(wamp_keystore *ks, uint32_t key_no, wamp_keystore_key_type type,
                                   const uint8_t secret[32]);
/* Deletes key key_no. WAMP_OK, WAMP_ENOTFOUND, WAMP_ELOCKED, WAMP_EIO. */
WAMP_API int wamp_keystore_delete_key(wamp_keystore *ks, uint32_t key_no);
/* The type of key key_no. WAMP_OK, WAMP_ENOTFOUND, WAMP_ELOCKED. */
WAMP_API int wamp_keystore_get_key_type(const wamp_keystore *ks, uint32_t key_no,
                                        wamp_keystore_key_type *type);
/* A new key object for key key_no (caller frees it; it holds a copy of the secret).
 * WAMP_OK, WAMP_ENOTFOUND, WAMP_EINVAL (the key is of the other type), WAMP_ELOCKED. */
WAMP_API int wamp_keystore_get_cryptosign(const wamp_keystore *ks, uint32_t key_no,
                                          wamp_cryptosign_key **out);
WAMP_API int wamp_keystore_get_ethkey(const wamp_keystore *ks, uint32_t key_no, wamp_ethkey **out);

/* n random bytes from the system CSPRNG (works locked too). */
WAMP_API int wamp_keystore_get_random(wamp_keystore *ks, uint8_t *out, size_t n);
/* Counter counter_no (0 when never incremented). WAMP_OK, WAMP_ELOCKED. */
WAMP_API int wamp_keystore_get_counter(const wamp_keystore *ks, uint32_t counter_no,
                                       uint64_t *value);
/* Adds one to counter counter_no, persists it and gives the new value. WAMP_OK,
 * WAMP_ELOCKED, WAMP_ERANGE (at UINT64_MAX), WAMP_ELIMIT (too many counters), WAMP_EIO. */
WAMP_API int wamp_keystore_increment_counter(wamp_keystore *ks, uint32_t counter_no,
                                             uint64_t *value);

#ifdef __cplusplus
}
#endif
#endif
