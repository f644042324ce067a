/* File-backed security module (Autobahn's ISecurityModule): keys and counters in a file
 * encrypted with libsodium (Argon2id + XSalsa20-Poly1305 secretbox), replaced atomically. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <wamp/keystore.h>

#include "crypto/crypto_util.h"
#include "crypto/cryptosign_int.h"
#include "crypto/keystore_int.h"

#define MIN_OPS     1u
#define MAX_OPS     32u
#define MIN_MEM_KIB 8u
#define MAX_MEM_KIB (1u << 20)

struct wamp_keystore {
    char *path;
    bool unlocked;
    wamp__ks_header h; /* KDF parameters and salt (box pointer not kept) */
    uint8_t key[32];   /* secretbox key, while unlocked */
    wamp__ks_body body;
};

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static int put32(wamp_buf *b, uint32_t v)
{
    uint8_t p[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    return wamp_buf_append(b, p, 4);
}

static int put64(wamp_buf *b, uint64_t v)
{
    int rc = put32(b, (uint32_t)v);
    return rc ? rc : put32(b, (uint32_t)(v >> 32));
}

int wamp__keystore_parse_header(const uint8_t *d, size_t len, wamp__ks_header *h)
{
    if (len < WAMP__KS_HEADER || len > WAMP__KS_MAX_FILE || memcmp(d, WAMP__KS_MAGIC, 8) != 0)
        return WAMP_EKEYFILE;
    h->opslimit = rd32(d + 8);
    h->memlimit_kib = rd32(d + 12);
    if (h->opslimit < MIN_OPS || h->opslimit > MAX_OPS || h->memlimit_kib < MIN_MEM_KIB ||
        h->memlimit_kib > MAX_MEM_KIB)
        return WAMP_EKEYFILE;
    memcpy(h->salt, d + 16, 16);
    memcpy(h->check, d + 32, 16);
    memcpy(h->nonce, d + 48, 24);
    h->box = d + 72;
    h->boxlen = len - 72;
    return WAMP_OK;
}

void wamp__keystore_body_free(wamp__ks_body *b)
{
    if (b->keys) sodium_memzero(b->keys, b->nkeys * sizeof *b->keys);
    free(b->keys);
    free(b->counters);
    memset(b, 0, sizeof *b);
}

static bool key_valid(uint8_t type, const uint8_t secret[32])
{
    if (type == WAMP_KEYSTORE_CRYPTOSIGN) return true;
    if (type == WAMP_KEYSTORE_ETHEREUM) {
        wamp_ethkey *k;
        if (wamp_ethkey_from_bytes(secret, &k)) return false;
        wamp_ethkey_free(k);
        return true;
    }
    return false;
}

int wamp__keystore_parse_body(const uint8_t *d, size_t len, wamp__ks_body *b)
{
    memset(b, 0, sizeof *b);
    size_t p = 0;
    if (len < 8 || memcmp(d, "WKSB", 4) != 0) return WAMP_EKEYFILE;
    uint32_t nk = rd32(d + 4);
    p = 8;
    if (nk > WAMP__KS_MAX_ITEMS || len - p < (size_t)nk * 37 + 4) return WAMP_EKEYFILE;
    if (nk && !(b->keys = calloc(nk, sizeof *b->keys))) return WAMP_ENOMEM;
    for (uint32_t i = 0; i < nk; i++, p += 37) {
        wamp__ks_key *k = &b->keys[i];
        k->no = rd32(d + p);
        k->type = d[p + 4];
        memcpy(k->secret, d + p + 5, 32);
        b->nkeys = i + 1;
        if ((i && k->no <= b->keys[i - 1].no) || !key_valid(k->type, k->secret)) goto bad;
    }
    uint32_t nc = rd32(d + p);
    p += 4;
    if (nc > WAMP__KS_MAX_ITEMS || len - p != (size_t)nc * 12) goto bad;
    if (nc && !(b->counters = calloc(nc, sizeof *b->counters))) {
        wamp__keystore_body_free(b);
        return WAMP_ENOMEM;
    }
    for (uint32_t i = 0; i < nc; i++, p += 12) {
        b->counters[i].no = rd32(d + p);
        b->counters[i].value = rd64(d + p + 4);
        b->ncounters = i + 1;
        if (i && b->counters[i].no <= b->counters[i - 1].no) goto bad;
    }
    return WAMP_OK;
bad:
    wamp__keystore_body_free(b);
    return WAMP_EKEYFILE;
}

int wamp__keystore_write_body(const wamp__ks_body *b, wamp_buf *out)
{
    int rc = wamp_buf_append(out, "WKSB", 4);
    if (!rc) rc = put32(out, (uint32_t)b->nkeys);
    for (size_t i = 0; !rc && i < b->nkeys; i++) {
        rc = put32(out, b->keys[i].no);
        if (!rc) rc = wamp_buf_append_byte(out, b->keys[i].type);
        if (!rc) rc = wamp_buf_append(out, b->keys[i].secret, 32);
    }
    if (!rc) rc = put32(out, (uint32_t)b->ncounters);
    for (size_t i = 0; !rc && i < b->ncounters; i++) {
        rc = put32(out, b->counters[i].no);
        if (!rc) rc = put64(out, b->counters[i].value);
    }
    return rc;
}

/* Argon2id key -> (box key, check). */
static int derive(const char *pass, const wamp__ks_header *h, uint8_t key[32], uint8_t check[16])
{
    uint8_t master[32];
    if (crypto_pwhash(master, 32, pass, strlen(pass), h->salt, h->opslimit,
                      (size_t)h->memlimit_kib * 1024, crypto_pwhash_ALG_ARGON2ID13))
        return WAMP_ENOMEM; /* libsodium fails here only when it cannot allocate */
    static const char ck[] = "libwamp-keystore-check", bk[] = "libwamp-keystore-box";
    crypto_generichash(check, 16, (const uint8_t *)ck, sizeof ck - 1, master, 32);
    crypto_generichash(key, 32, (const uint8_t *)bk, sizeof bk - 1, master, 32);
    sodium_memzero(master, sizeof master);
    return WAMP_OK;
}

static int read_file(const char *path, uint8_t **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return errno == ENOENT ? WAMP_ENOTFOUND : WAMP_EIO;
    uint8_t *buf = malloc(WAMP__KS_MAX_FILE + 1);
    if (!buf) {
        fclose(f);
        return WAMP_ENOMEM;
    }
    size_t n = fread(buf, 1, WAMP__KS_MAX_FILE + 1, f);
    int err = ferror(f);
    fclose(f);
    if (err || n > WAMP__KS_MAX_FILE) {
        free(buf);
        return err ? WAMP_EIO : WAMP_EKEYFILE;
    }
    *data = buf;
    *len = n;
    return WAMP_OK;
}

/* Writes data to path atomically: temp file, fsync, rename, fsync of the directory. */
static int write_atomic(const char *path, const uint8_t *data, size_t len, bool exclusive)
{
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 5), *dir = malloc(pl + 1);
    if (!tmp || !dir) {
        free(tmp);
        free(dir);
        return WAMP_ENOMEM;
    }
    memcpy(tmp, path, pl);
    memcpy(tmp + pl, ".tmp", 5);
    memcpy(dir, path, pl + 1);
    int rc = WAMP_EIO;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
        size_t off = 0;
        while (off < len) {
            ssize_t w = write(fd, data + off, len - off);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) break;
            off += (size_t)w;
        }
        bool ok = off == len && fsync(fd) == 0;
        ok = close(fd) == 0 && ok;
        if (ok && exclusive) {
            /* link() fails when path exists: no overwrite of an existing store */
            if (link(tmp, path) == 0)
                rc = WAMP_OK;
            else
                rc = errno == EEXIST ? WAMP_EEXIST : WAMP_EIO;
            unlink(tmp);
        } else if (ok && rename(tmp, path) == 0) {
            rc = WAMP_OK;
        }
        if (rc) unlink(tmp);
    }
    if (rc == WAMP_OK) {
        int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
    free(tmp);
    free(dir);
    return rc;
}

/* Encrypts body under key (fresh nonce) and writes the file. */
static int save(const char *path, wamp__ks_header *h, const uint8_t key[32],
                const wamp__ks_body *body, bool exclusive)
{
    wamp_buf plain = {0}, file = {0};
    int rc = wamp__keystore_write_body(body, &plain);
    if (!rc) rc = wamp_buf_append(&file, WAMP__KS_MAGIC, 8);
    if (!rc) rc = put32(&file, h->opslimit);
    if (!rc) rc = put32(&file, h->memlimit_kib);
    if (!rc) rc = wamp_buf_append(&file, h->salt, 16);
    if (!rc) rc = wamp_buf_append(&file, h->check, 16);
    randombytes_buf(h->nonce, sizeof h->nonce);
    if (!rc) rc = wamp_buf_append(&file, h->nonce, 24);
    if (!rc) rc = wamp_buf_reserve(&file, crypto_secretbox_MACBYTES + plain.len);
    if (!rc && file.len + crypto_secretbox_MACBYTES + plain.len > WAMP__KS_MAX_FILE)
        rc = WAMP_ELIMIT;
    if (!rc) {
        crypto_secretbox_easy(file.data + file.len, plain.data, plain.len, h->nonce, key);
        file.len += crypto_secretbox_MACBYTES + plain.len;
        rc = write_atomic(path, file.data, file.len, exclusive);
    }
    if (plain.data) sodium_memzero(plain.data, plain.len);
    wamp_buf_free(&plain);
    wamp_buf_free(&file);
    return rc;
}

WAMP_API int wamp_keystore_create(const char *path, const char *passphrase,
                                  const wamp_keystore_opts *opts)
{
    if (!path || !passphrase) return WAMP_EINVAL;
    if (wamp__crypto_init()) return WAMP_ECRYPTO;
    wamp__ks_header h = {.opslimit = 2, .memlimit_kib = 64 * 1024};
    if (opts && opts->opslimit) h.opslimit = opts->opslimit;
    if (opts && opts->memlimit_kib) h.memlimit_kib = opts->memlimit_kib;
    if (h.opslimit < MIN_OPS || h.opslimit > MAX_OPS || h.memlimit_kib < MIN_MEM_KIB ||
        h.memlimit_kib > MAX_MEM_KIB)
        return WAMP_EINVAL;
    randombytes_buf(h.salt, sizeof h.salt);
    uint8_t key[32];
    wamp__ks_body empty = {0};
    int rc = derive(passphrase, &h, key, h.check);
    if (!rc) rc = save(path, &h, key, &empty, true);
    sodium_memzero(key, sizeof key);
    return rc;
}

WAMP_API int wamp_keystore_open(const char *path, wamp_keystore **out)
{
    if (!path || !out) return WAMP_EINVAL;
    *out = NULL;
    if (wamp__crypto_init()) return WAMP_ECRYPTO;
    uint8_t *data;
    size_t len;
    int rc = read_file(path, &data, &len);
    if (rc) return rc == WAMP_ENOTFOUND ? WAMP_EIO : rc;
    wamp__ks_header h;
    rc = wamp__keystore_parse_header(data, len, &h);
    free(data);
    if (rc) return rc;
    wamp_keystore *ks = calloc(1, sizeof *ks);
    if (ks) ks->path = strdup(path);
    if (!ks || !ks->path) {
        free(ks);
        return WAMP_ENOMEM;
    }
    h.box = NULL;
    h.boxlen = 0;
    ks->h = h;
    *out = ks;
    return WAMP_OK;
}

WAMP_API void wamp_keystore_lock(wamp_keystore *ks)
{
    if (!ks) return;
    wamp__keystore_body_free(&ks->body);
    sodium_memzero(ks->key, sizeof ks->key);
    ks->unlocked = false;
}

WAMP_API void wamp_keystore_close(wamp_keystore *ks)
{
    if (!ks) return;
    wamp_keystore_lock(ks);
    free(ks->path);
    sodium_memzero(ks, sizeof *ks);
    free(ks);
}

WAMP_API bool wamp_keystore_is_locked(const wamp_keystore *ks)
{
    return !ks || !ks->unlocked;
}

WAMP_API int wamp_keystore_unlock(wamp_keystore *ks, const char *passphrase)
{
    if (!ks || !passphrase) return WAMP_EINVAL;
    if (ks->unlocked) return WAMP_OK;
    uint8_t *data, key[32], check[16];
    size_t len;
    int rc = read_file(ks->path, &data, &len);
    if (rc) return rc == WAMP_ENOTFOUND ? WAMP_EIO : rc;
    wamp__ks_header h;
    rc = wamp__keystore_parse_header(data, len, &h);
    if (!rc) rc = derive(passphrase, &h, key, check);
    if (!rc && sodium_memcmp(check, h.check, 16) != 0) rc = WAMP_EPASSPHRASE;
    uint8_t *plain = NULL;
    size_t plen = 0;
    if (!rc) {
        plen = h.boxlen - crypto_secretbox_MACBYTES;
        plain = malloc(plen ? plen : 1);
        if (!plain)
            rc = WAMP_ENOMEM;
        else if (crypto_secretbox_open_easy(plain, h.box, h.boxlen, h.nonce, key))
            rc = WAMP_EKEYFILE;
    }
    wamp__ks_body body;
    if (!rc) rc = wamp__keystore_parse_body(plain, plen, &body);
    if (plain) {
        sodium_memzero(plain, plen);
        free(plain);
    }
    free(data);
    if (!rc) {
        h.box = NULL;
        h.boxlen = 0;
        ks->h = h;
        memcpy(ks->key, key, 32);
        ks->body = body;
        ks->unlocked = true;
    }
    sodium_memzero(key, sizeof key);
    return rc;
}

static wamp__ks_key *find_key(const wamp_keystore *ks, uint32_t no)
{
    for (size_t i = 0; i < ks->body.nkeys; i++)
        if (ks->body.keys[i].no == no) return &ks->body.keys[i];
    return NULL;
}

WAMP_API size_t wamp_keystore_count(const wamp_keystore *ks)
{
    return ks && ks->unlocked ? ks->body.nkeys : 0;
}

WAMP_API size_t wamp_keystore_key_numbers(const wamp_keystore *ks, uint32_t *nos, size_t cap)
{
    size_t n = wamp_keystore_count(ks);
    for (size_t i = 0; nos && i < n && i < cap; i++)
        nos[i] = ks->body.keys[i].no;
    return n;
}

WAMP_API bool wamp_keystore_contains(const wamp_keystore *ks, uint32_t key_no)
{
    return ks && ks->unlocked && find_key(ks, key_no);
}

/* Saves a changed copy of the body; on success it replaces the current body. */
static int commit(wamp_keystore *ks, wamp__ks_body *next)
{
    int rc = save(ks->path, &ks->h, ks->key, next, false);
    if (rc) {
        wamp__keystore_body_free(next);
        return rc;
    }
    wamp__keystore_body_free(&ks->body);
    ks->body = *next;
    return WAMP_OK;
}

static int copy_body(const wamp__ks_body *b, size_t extra_keys, size_t extra_counters,
                     wamp__ks_body *out)
{
    memset(out, 0, sizeof *out);
    out->keys = calloc(b->nkeys + extra_keys + 1, sizeof *out->keys);
    out->counters = calloc(b->ncounters + extra_counters + 1, sizeof *out->counters);
    if (!out->keys || !out->counters) {
        free(out->keys);
        free(out->counters);
        return WAMP_ENOMEM;
    }
    if (b->nkeys) memcpy(out->keys, b->keys, b->nkeys * sizeof *b->keys);
    if (b->ncounters) memcpy(out->counters, b->counters, b->ncounters * sizeof *b->counters);
    out->nkeys = b->nkeys;
    out->ncounters = b->ncounters;
    return WAMP_OK;
}

WAMP_API int wamp_keystore_set_key(wamp_keystore *ks, uint32_t key_no, wamp_keystore_key_type type,
                                   const uint8_t secret[32])
{
    if (!ks || !secret) return WAMP_EINVAL;
    if (!ks->unlocked) return WAMP_ELOCKED;
    if (!key_valid((uint8_t)type, secret)) return WAMP_EINVAL;
    wamp__ks_key *old = find_key(ks, key_no);
    if (!old && ks->body.nkeys >= WAMP__KS_MAX_ITEMS) return WAMP_ELIMIT;
    wamp__ks_body next;
    int rc = copy_body(&ks->body, 1, 0, &next);
    if (rc) return rc;
    size_t i = 0;
    while (i < next.nkeys && next.keys[i].no < key_no)
        i++;
    if (!old) {
        memmove(&next.keys[i + 1], &next.keys[i], (next.nkeys - i) * sizeof *next.keys);
        next.nkeys++;
    }
    next.keys[i].no = key_no;
    next.keys[i].type = (uint8_t)type;
    memcpy(next.keys[i].secret, secret, 32);
    return commit(ks, &next);
}

WAMP_API int wamp_keystore_create_key(wamp_keystore *ks, wamp_keystore_key_type type,
                                      uint32_t *key_no)
{
    if (!ks || !key_no) return WAMP_EINVAL;
    if (!ks->unlocked) return WAMP_ELOCKED;
    if (type != WAMP_KEYSTORE_CRYPTOSIGN && type != WAMP_KEYSTORE_ETHEREUM) return WAMP_EINVAL;
    uint32_t no = ks->body.nkeys ? ks->body.keys[ks->body.nkeys - 1].no + 1 : 0;
    if (ks->body.nkeys && no == 0) return WAMP_ELIMIT;
    uint8_t secret[32];
    int rc;
    do {
        randombytes_buf(secret, sizeof secret);
    } while (!key_valid((uint8_t)type, secret));
    rc = wamp_keystore_set_key(ks, no, type, secret);
    sodium_memzero(secret, sizeof secret);
    if (!rc) *key_no = no;
    return rc;
}

WAMP_API int wamp_keystore_delete_key(wamp_keystore *ks, uint32_t key_no)
{
    if (!ks) return WAMP_EINVAL;
    if (!ks->unlocked) return WAMP_ELOCKED;
    if (!find_key(ks, key_no)) return WAMP_ENOTFOUND;
    wamp__ks_body next;
    int rc = copy_body(&ks->body, 0, 0, &next);
    if (rc) return rc;
    size_t i = 0;
    while (next.keys[i].no != key_no)
        i++;
    sodium_memzero(&next.keys[i], sizeof next.keys[i]);
    memmove(&next.keys[i], &next.keys[i + 1], (next.nkeys - i - 1) * sizeof *next.keys);
    next.nkeys--;
    return commit(ks, &next);
}

WAMP_API int wamp_keystore_get_key_type(const wamp_keystore *ks, uint32_t key_no,
                                        wamp_keystore_key_type *type)
{
    if (!ks || !type) return WAMP_EINVAL;
    if (!ks->unlocked) return WAMP_ELOCKED;
    const wamp__ks_key *k = find_key(ks, key_no);
    if (!k) return WAMP_ENOTFOUND;
    *type = (wamp_keystore_key_type)k->type;
    return WAMP_OK;
}

static int get_secret(const wamp_keystore *ks, uint32_t key_no, uint8_t type,
                      const wamp__ks_key **k)
{
    if (!ks) return WAMP_EINVAL;
    if (!ks->unlocked) return WAMP_ELOCKED;
    *k = find_key(ks, key_no);
    if (!*k) return WAMP_ENOTFOUND;
    return (*k)->type == type ? WAMP_OK : WAMP_EINVAL;
}

WAMP_API int wamp_keystore_get_cryptosign(const wamp_keystore *ks, uint32_t key_no,
                                          wamp_cryptosign_key **out)
{
    const wamp__ks_key *k;
    if (!out) return WAMP_EINVAL;
    *out = NULL;
    int rc = get_secret(ks, key_no, WAMP_KEYSTORE_CRYPTOSIGN, &k);
    return rc ? rc : wamp_cryptosign_key_from_bytes(k->secret, NULL, out);
}

WAMP_API int wamp_keystore_get_ethkey(const wamp_keystore *ks, uint32_t key_no, wamp_ethkey **out)
{
    const wamp__ks_key *k;
    if (!out) return WAMP_EINVAL;
    *out = NULL;
    int rc = get_secret(ks, key_no, WAMP_KEYSTORE_ETHEREUM, &k);
    return rc ? rc : wamp_ethkey_from_bytes(k->secret, out);
}

WAMP_API int wamp_keystore_get_random(wamp_keystore *ks, uint8_t *out, size_t n)
{
    if (!ks || (!out && n)) return WAMP_EINVAL;
    randombytes_buf(out, n);
    return WAMP_OK;
}

WAMP_API int wamp_keystore_get_counter(const wamp_keystore *ks, uint32_t counter_no,
                                       uint64_t *value)
{
    if (!ks || !value) return WAMP_EINVAL;
    if (!ks->unlocked) return WAMP_ELOCKED;
    *value = 0;
    for (size_t i = 0; i < ks->body.ncounters; i++)
        if (ks->body.counters[i].no == counter_no) *value = ks->body.counters[i].value;
    return WAMP_OK;
}

WAMP_API int wamp_keystore_increment_counter(wamp_keystore *ks, uint32_t counter_no,
                                             uint64_t *value)
{
    if (!ks) return WAMP_EINVAL;
    if (!ks->unlocked) return WAMP_ELOCKED;
    wamp__ks_body next;
    size_t i = 0;
    while (i < ks->body.ncounters && ks->body.counters[i].no < counter_no)
        i++;
    bool exists = i < ks->body.ncounters && ks->body.counters[i].no == counter_no;
    if (exists && ks->body.counters[i].value == UINT64_MAX) return WAMP_ERANGE;
    if (!exists && ks->body.ncounters >= WAMP__KS_MAX_ITEMS) return WAMP_ELIMIT;
    int rc = copy_body(&ks->body, 0, 1, &next);
    if (rc) return rc;
    if (!exists) {
        memmove(&next.counters[i + 1], &next.counters[i],
                (next.ncounters - i) * sizeof *next.counters);
        next.ncounters++;
        next.counters[i] = (wamp__ks_counter){counter_no, 0};
    }
    next.counters[i].value++;
    uint64_t v = next.counters[i].value;
    rc = commit(ks, &next);
    if (!rc && value) *value = v;
    return rc;
}
