/* Internals of the key store (keystore.c), exposed for the fuzz target of its file parser. */
#ifndef WAMP_CRYPTO_KEYSTORE_INT_H
#define WAMP_CRYPTO_KEYSTORE_INT_H

#include <wamp/keystore.h>

#define WAMP__KS_MAGIC     "WAMPKS01"
#define WAMP__KS_HEADER    92 /* 8 + 4 + 4 + 16 + 16 + 24 + 16 (MAC) */
#define WAMP__KS_MAX_FILE  (1u << 20)
#define WAMP__KS_MAX_ITEMS 4096

typedef struct wamp__ks_header {
    uint32_t opslimit, memlimit_kib;
    uint8_t salt[16], check[16], nonce[24];
    const uint8_t *box; /* MAC ‖ ciphertext, borrowed from the input */
    size_t boxlen;
} wamp__ks_header;

typedef struct wamp__ks_key {
    uint32_t no;
    uint8_t type;
    uint8_t secret[32];
} wamp__ks_key;

typedef struct wamp__ks_counter {
    uint32_t no;
    uint64_t value;
} wamp__ks_counter;

typedef struct wamp__ks_body {
    wamp__ks_key *keys; /* sorted by no */
    size_t nkeys;
    wamp__ks_counter *counters; /* sorted by no */
    size_t ncounters;
} wamp__ks_body;

/* Parses a whole file's header. WAMP_OK or WAMP_EKEYFILE. */
int wamp__keystore_parse_header(const uint8_t *data, size_t len, wamp__ks_header *h);
/* Parses a decrypted body into b (malloc'd arrays). WAMP_OK, WAMP_EKEYFILE, WAMP_ENOMEM. */
int wamp__keystore_parse_body(const uint8_t *data, size_t len, wamp__ks_body *b);
/* Serialises b (appended to out). */
int wamp__keystore_write_body(const wamp__ks_body *b, wamp_buf *out);
/* Wipes and frees the arrays of b. */
void wamp__keystore_body_free(wamp__ks_body *b);

#endif
