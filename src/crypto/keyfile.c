/* Key file parsers: Autobahn's "tag: value" key files and OpenSSH Ed25519 keys.
 * Written by hand: OpenSSL reads PEM/PKCS#8 keys but not OpenSSH's "openssh-key-v1" container
 * nor Autobahn's key file format. Every read is bounds-checked; input is hostile. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto_util.h"
#include "crypto/cryptosign_int.h"

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static void trim(const char **p, size_t *n)
{
    while (*n && is_space(**p))
        (*p)++, (*n)--;
    while (*n && is_space((*p)[*n - 1]))
        (*n)--;
}

static bool eq_ci(const char *p, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    if (n != m) return false;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (c != lit[i]) return false;
    }
    return true;
}

/* ---------------------------------------------------------------- Autobahn key files */

static const char *const KEYFILE_TAGS[] = {
    "public-key-ed25519",
    "public-adr-eth",
    "created-at",
    "creator",
    "user-id",
    "machine-id",
    "node-authid",
    "node-cluster-ip",
    "private-key-ed25519",
    "private-key-eth",
};
#define NTAGS (sizeof KEYFILE_TAGS / sizeof KEYFILE_TAGS[0])

WAMP_API int wamp_cryptosign_key_from_keyfile_bytes(const char *data, size_t len,
                                                    wamp_cryptosign_key **out)
{
    const char *vals[NTAGS] = {0};
    size_t lens[NTAGS] = {0};
    bool blank = false;
    if (!out || (!data && len)) return WAMP_EINVAL;
    *out = NULL;
    size_t pos = 0;
    while (pos < len) {
        const char *line = data + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - line) : len - pos;
        pos += n + (nl ? 1 : 0);
        trim(&line, &n);
        if (n == 0) {
            blank = true;
            continue;
        }
        if (!blank) continue; /* comment lines come before the first blank line */
        const char *colon = memchr(line, ':', n);
        if (!colon) return WAMP_EKEYFILE;
        const char *tag = line, *val = colon + 1;
        size_t tn = (size_t)(colon - line), vn = n - tn - 1;
        trim(&tag, &tn);
        trim(&val, &vn);
        size_t t = 0;
        while (t < NTAGS && !eq_ci(tag, tn, KEYFILE_TAGS[t]))
            t++;
        if (t == NTAGS || vals[t]) return WAMP_EKEYFILE; /* unknown or duplicate tag */
        vals[t] = val;
        lens[t] = vn;
    }
    uint8_t key[32], pub[32];
    const int PUB = 0, PRIV = 8;
    int rc;
    if (vals[PRIV]) {
        if (wamp__crypto_unhex(key, 32, vals[PRIV], lens[PRIV])) return WAMP_EKEYFILE;
        rc = wamp_cryptosign_key_from_bytes(key, NULL, out);
        sodium_memzero(key, sizeof key);
        /* stricter than Autobahn: a public key given beside the private one must match it */
        if (rc == WAMP_OK && vals[PUB] &&
            (wamp__crypto_unhex(pub, 32, vals[PUB], lens[PUB]) ||
             memcmp(pub, (*out)->pk, 32) != 0)) {
            wamp_cryptosign_key_free(*out);
            *out = NULL;
            rc = WAMP_EKEYFILE;
        }
        return rc;
    }
    if (!vals[PUB]) return WAMP_EKEYFILE;
    if (wamp__crypto_unhex(pub, 32, vals[PUB], lens[PUB])) return WAMP_EKEYFILE;
    return wamp_cryptosign_key_from_pubkey(pub, NULL, out);
}

WAMP_API int wamp_cryptosign_key_from_keyfile(const char *path, wamp_cryptosign_key **out)
{
    char *data = NULL;
    size_t len = 0;
    if (!out) return WAMP_EINVAL;
    *out = NULL;
    int rc = wamp__crypto_read_file(path, &data, &len);
    if (rc) return rc;
    rc = wamp_cryptosign_key_from_keyfile_bytes(data, len, out);
    sodium_memzero(data, len);
    free(data);
    return rc;
}

/* ---------------------------------------------------------------- OpenSSH */

typedef struct reader {
    const uint8_t *p;
    size_t n;
} reader;

static bool rd_u32(reader *r, uint32_t *v)
{
    if (r->n < 4) return false;
    *v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 | (uint32_t)r->p[2] << 8 | r->p[3];
    r->p += 4;
    r->n -= 4;
    return true;
}

static bool rd_string(reader *r, const uint8_t **s, size_t *len)
{
    uint32_t n;
    if (!rd_u32(r, &n) || n > r->n) return false;
    *s = r->p;
    *len = n;
    r->p += n;
    r->n -= n;
    return true;
}

static bool str_is(const uint8_t *s, size_t n, const char *lit)
{
    return n == strlen(lit) && memcmp(s, lit, n) == 0;
}

/* base64 after dropping all whitespace; *out is malloc'd */
static int b64_squeezed(const char *p, size_t n, uint8_t **out, size_t *outlen)
{
    char *txt = malloc(n + 1);
    uint8_t *bin = malloc(n + 1);
    size_t m = 0;
    int rc = WAMP_ENOMEM;
    if (txt && bin) {
        for (size_t i = 0; i < n; i++)
            if (!is_space(p[i])) txt[m++] = p[i];
        rc = wamp__crypto_unb64(bin, n + 1, outlen, txt, m) ? WAMP_EKEYFILE : WAMP_OK;
    }
    free(txt);
    if (rc) {
        free(bin);
        return rc;
    }
    *out = bin;
    return WAMP_OK;
}

#define SSH_BEGIN "-----BEGIN OPENSSH PRIVATE KEY-----"
#define SSH_END   "-----END OPENSSH PRIVATE KEY-----"
#define SSH_MAGIC "openssh-key-v1" /* followed by a NUL */

static int parse_private_blob(const uint8_t *blob, size_t len, wamp_cryptosign_key **out)
{
    reader r = {blob, len};
    const uint8_t *cipher, *kdf, *kdfopt, *pub, *priv;
    size_t cipherlen, kdflen, kdfoptlen, publen, privlen;
    uint32_t nkeys;
    if (len < sizeof SSH_MAGIC || memcmp(blob, SSH_MAGIC, sizeof SSH_MAGIC) != 0)
        return WAMP_EKEYFILE;
    r.p += sizeof SSH_MAGIC;
    r.n -= sizeof SSH_MAGIC;
    if (!rd_string(&r, &cipher, &cipherlen) || !rd_string(&r, &kdf, &kdflen) ||
        !rd_string(&r, &kdfopt, &kdfoptlen) || !rd_u32(&r, &nkeys) ||
        !rd_string(&r, &pub, &publen) || !rd_string(&r, &priv, &privlen) || r.n != 0)
        return WAMP_EKEYFILE;
    if (!str_is(cipher, cipherlen, "none") || !str_is(kdf, kdflen, "none"))
        return WAMP_EUNSUPPORTED; /* passphrase-protected key */
    if (nkeys != 1) return WAMP_EUNSUPPORTED;

    reader k = {priv, privlen};
    uint32_t check1, check2;
    const uint8_t *alg, *vk, *sk, *comment;
    size_t alglen, vklen, sklen, commentlen;
    if (!rd_u32(&k, &check1) || !rd_u32(&k, &check2) || check1 != check2 ||
        !rd_string(&k, &alg, &alglen))
        return WAMP_EKEYFILE;
    if (!str_is(alg, alglen, "ssh-ed25519")) return WAMP_EUNSUPPORTED;
    if (!rd_string(&k, &vk, &vklen) || !rd_string(&k, &sk, &sklen) ||
        !rd_string(&k, &comment, &commentlen) || vklen != 32 || sklen != 64)
        return WAMP_EKEYFILE;
    /* padding 1, 2, 3, ... up to the 8-byte cipher block size */
    if (k.n >= 8) return WAMP_EKEYFILE;
    for (size_t i = 0; i < k.n; i++)
        if (k.p[i] != i + 1) return WAMP_EKEYFILE;
    int rc = wamp__cryptosign_new(true, sk, (const char *)comment, commentlen, out);
    if (rc) return rc;
    /* the public key stored twice must be the one the seed gives */
    if (memcmp((*out)->pk, vk, 32) != 0 || memcmp(sk + 32, vk, 32) != 0) {
        wamp_cryptosign_key_free(*out);
        *out = NULL;
        return WAMP_EKEYFILE;
    }
    return WAMP_OK;
}

static int parse_private(const char *p, size_t n, wamp_cryptosign_key **out)
{
    size_t bl = strlen(SSH_BEGIN), el = strlen(SSH_END);
    if (n < bl + el || memcmp(p, SSH_BEGIN, bl) != 0 || memcmp(p + n - el, SSH_END, el) != 0)
        return WAMP_EKEYFILE;
    uint8_t *blob = NULL;
    size_t bloblen = 0;
    int rc = b64_squeezed(p + bl, n - bl - el, &blob, &bloblen);
    if (rc) return rc;
    rc = parse_private_blob(blob, bloblen, out);
    sodium_memzero(blob, bloblen);
    free(blob);
    return rc;
}

static int parse_public(const char *p, size_t n, wamp_cryptosign_key **out)
{
    const char *algo = p, *end = p + n;
    const char *q = algo;
    while (q < end && !is_space(*q))
        q++;
    if (!str_is((const uint8_t *)algo, (size_t)(q - algo), "ssh-ed25519")) {
        return WAMP_EKEYFILE;
    }
    while (q < end && is_space(*q))
        q++;
    const char *b64 = q;
    while (q < end && !is_space(*q))
        q++;
    size_t b64len = (size_t)(q - b64);
    const char *comment = q;
    size_t commentlen = (size_t)(end - q);
    trim(&comment, &commentlen);
    if (b64len == 0) return WAMP_EKEYFILE;
    uint8_t *blob = NULL;
    size_t bloblen = 0;
    int rc = b64_squeezed(b64, b64len, &blob, &bloblen);
    if (rc) return rc;
    reader r = {blob, bloblen};
    const uint8_t *alg, *key;
    size_t alglen, keylen;
    if (!rd_string(&r, &alg, &alglen) || !str_is(alg, alglen, "ssh-ed25519") ||
        !rd_string(&r, &key, &keylen) || keylen != 32 || r.n != 0)
        rc = WAMP_EKEYFILE;
    else
        rc = wamp__cryptosign_new(false, key, commentlen ? comment : NULL, commentlen, out);
    free(blob);
    return rc;
}

WAMP_API int wamp_cryptosign_key_from_ssh_bytes(const char *data, size_t len,
                                                wamp_cryptosign_key **out)
{
    if (!out || (!data && len)) return WAMP_EINVAL;
    *out = NULL;
    const char *p = data;
    size_t n = len;
    trim(&p, &n);
    if (n >= strlen(SSH_BEGIN) && memcmp(p, SSH_BEGIN, strlen(SSH_BEGIN)) == 0)
        return parse_private(p, n, out);
    return parse_public(p, n, out);
}

WAMP_API int wamp_cryptosign_key_from_ssh_file(const char *path, wamp_cryptosign_key **out)
{
    char *data = NULL;
    size_t len = 0;
    if (!out) return WAMP_EINVAL;
    *out = NULL;
    int rc = wamp__crypto_read_file(path, &data, &len);
    if (rc) return rc;
    rc = wamp_cryptosign_key_from_ssh_bytes(data, len, out);
    sodium_memzero(data, len);
    free(data);
    return rc;
}

/* ---------------------------------------------------------------- writing key files */

WAMP_API int wamp_cryptosign_key_generate(const char *comment, wamp_cryptosign_key **out)
{
    uint8_t seed[32];
    if (!out) return WAMP_EINVAL;
    *out = NULL;
    if (sodium_init() < 0) return WAMP_ECRYPTO;
    randombytes_buf(seed, sizeof seed);
    int rc = wamp_cryptosign_key_from_bytes(seed, comment, out);
    sodium_memzero(seed, sizeof seed);
    return rc;
}

static int put_tag(wamp_buf *b, const char *tag, const char *value)
{
    if (!value) return WAMP_OK;
    if (strpbrk(value, "\r\n")) return WAMP_EINVAL;
    int rc = wamp_buf_append(b, tag, strlen(tag));
    if (!rc) rc = wamp_buf_append(b, ": ", 2);
    if (!rc) rc = wamp_buf_append(b, value, strlen(value));
    if (!rc) rc = wamp_buf_append_byte(b, '\n');
    return rc;
}

WAMP_API int wamp_cryptosign_key_write_keyfile(const wamp_cryptosign_key *key, bool private_,
                                               const wamp_keyfile_info *info, wamp_buf *out)
{
    static const wamp_keyfile_info none = {0};
    if (!key || !out) return WAMP_EINVAL;
    if (!info) info = &none;
    if (private_ && (!key->can_sign || key->sign_cb)) return WAMP_ESTATE;
    size_t start = out->len;
    int rc = WAMP_OK;
    /* comment lines must not be blank (a blank line ends the comment) */
    const char *c = info->comment;
    while (!rc && c && *c) {
        const char *nl = strchr(c, '\n');
        size_t n = nl ? (size_t)(nl - c) : strlen(c);
        const char *line = c;
        size_t tn = n;
        trim(&line, &tn);
        if (tn) {
            rc = wamp_buf_append(out, line, tn);
            if (!rc) rc = wamp_buf_append_byte(out, '\n');
        }
        c = nl ? nl + 1 : c + n;
    }
    if (!rc) rc = wamp_buf_append_byte(out, '\n');
    char hex[65];
    if (!rc) rc = put_tag(out, "creator", info->creator);
    if (!rc) rc = put_tag(out, "created-at", info->created_at);
    if (!rc) rc = put_tag(out, "user-id", info->user_id);
    wamp__crypto_hex(hex, key->pk, 32);
    if (!rc) rc = put_tag(out, "public-key-ed25519", hex);
    if (!rc && private_) {
        wamp__crypto_hex(hex, key->sk, 32);
        rc = put_tag(out, "private-key-ed25519", hex);
        sodium_memzero(hex, sizeof hex);
    }
    if (!rc) rc = wamp_buf_reserve(out, 1);
    if (rc) {
        if (out->data) sodium_memzero(out->data + start, out->len - start);
        out->len = start;
        return rc;
    }
    out->data[out->len] = 0;
    return WAMP_OK;
}
