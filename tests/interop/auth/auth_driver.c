/* Line-driven driver of the auth library for the differential test against Autobahn|Python
 * (tests/interop/auth/differential.py). Reads one command per line (tab-separated fields,
 * binary as hex), writes one result line. Router commands keep one pending attempt. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wamp/auth.h>
#include <wamp/cryptosign.h>

#include "auth/auth_int.h"

#define MAXF 16

static int unhex(const char *h, uint8_t *out, size_t cap, size_t *n)
{
    size_t l = strlen(h);
    if (l % 2 || l / 2 > cap) return -1;
    for (size_t i = 0; i < l / 2; i++) {
        unsigned v;
        if (sscanf(h + 2 * i, "%2x", &v) != 1) return -1;
        out[i] = (uint8_t)v;
    }
    *n = l / 2;
    return 0;
}

static void hex(const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        printf("%02x", b[i]);
}

static wamp_auth_pending *pending;
static wamp_arena *arena;
static wamp_scram_credential cred;

static void print_err(int rc)
{
    printf("ERR\t%s", wamp_err_name(rc));
}

static const char *str_of(const wamp_value *d, const char *k, char *buf, size_t cap)
{
    wamp_str s;
    const wamp_value *v = wamp_value_dict_getc(d, k);
    if (!v || !wamp_value_get_string(v, &s) || s.len >= cap) return "";
    memcpy(buf, s.ptr, s.len);
    buf[s.len] = 0;
    return buf;
}

static void outcome(const wamp_auth_outcome *o, const char *extra_key)
{
    char buf[512];
    if (o->kind == WAMP_AUTH_ACCEPT)
        printf("ACCEPT\t%s\t%s\t%s", o->accept.authid, o->accept.authrole,
               extra_key ? str_of(&o->accept.authextra, extra_key, buf, sizeof buf) : "");
    else if (o->kind == WAMP_AUTH_DENY)
        printf("DENY\t%s", o->deny.reason);
    else
        printf("CHALLENGE");
}

static void cmd(char **f, int n)
{
    uint8_t a[1024], b[1024], c[1024];
    size_t na = 0, nb = 0, nc = 0;
    int rc = 0;
    const char *op = f[0];
    if (!strcmp(op, "pbkdf2") && n == 6) {
        wamp_hash h = !strcmp(f[1], "sha1")     ? WAMP_HASH_SHA1
                      : !strcmp(f[1], "sha512") ? WAMP_HASH_SHA512
                                                : WAMP_HASH_SHA256;
        unhex(f[2], a, sizeof a, &na);
        unhex(f[3], b, sizeof b, &nb);
        size_t kl = (size_t)atoi(f[5]);
        rc = wamp_pbkdf2(h, a, na, b, nb, (uint32_t)atol(f[4]), c, kl);
        if (rc) return print_err(rc);
        hex(c, kl);
    } else if (!strcmp(op, "derive_key") && n == 5) {
        wamp_buf out = {0};
        rc = wamp_auth_derive_key(wamp_str_c(f[1]), wamp_str_c(f[2]), (uint32_t)atol(f[3]),
                                  (uint32_t)atol(f[4]), &out);
        if (rc) return print_err(rc);
        printf("%s", (char *)out.data);
        wamp_buf_free(&out);
    } else if (!strcmp(op, "wcs") && n == 3) {
        char sig[WAMP_AUTH_WCS_SIZE];
        rc = wamp_auth_compute_wcs(wamp_str_c(f[1]), wamp_str_c(f[2]), sig);
        if (rc) return print_err(rc);
        printf("%s", sig);
    } else if (!strcmp(op, "totp") && n == 4) {
        char code[7];
        rc = wamp_auth_compute_totp(wamp_str_c(f[1]), atoll(f[2]), atoi(f[3]), code);
        if (rc) return print_err(rc);
        printf("%s", code);
    } else if (!strcmp(op, "scramcred") && n == 4) {
        wamp_scram_credential cr;
        if (strcmp(f[3], "-")) unhex(f[3], a, sizeof a, &na);
        rc = wamp_auth_derive_scram_credential(wamp_str_c(f[1]), wamp_str_c(f[2]),
                                               strcmp(f[3], "-") ? a : NULL, &cr);
        if (rc) return print_err(rc);
        wamp_buf j = {0};
        wamp_scram_credential_to_json(&cr, &j);
        printf("%s", (char *)j.data);
        wamp_buf_free(&j);
    } else if (!strcmp(op, "cra_client") && n == 6) {
        /* client authenticator answering a wampcra challenge (salt "-": unsalted) */
        wamp_auth_config cc = {.authid = "joe", .secret = f[1]};
        wamp_authenticator *au;
        wamp_arena *ar = wamp_arena_new(0);
        wamp_value e = wamp_value_dict(), sig, ex;
        wamp_value_dict_setc(ar, &e, "challenge", wamp_value_cstring(ar, f[2]));
        if (strcmp(f[3], "-")) {
            wamp_value_dict_setc(ar, &e, "salt", wamp_value_cstring(ar, f[3]));
            wamp_value_dict_setc(ar, &e, "iterations", wamp_value_int(atol(f[4])));
            wamp_value_dict_setc(ar, &e, "keylen", wamp_value_int(atol(f[5])));
        }
        rc = wamp_authenticator_new("wampcra", &cc, &au);
        if (!rc) rc = wamp_authenticator_on_challenge(au, wamp_str_c("wampcra"), &e, ar, &sig, &ex);
        if (rc)
            print_err(rc);
        else
            printf("%.*s", (int)sig.len, sig.as.s);
        wamp_authenticator_free(au);
        wamp_arena_free(ar);
    } else if (!strcmp(op, "scram_client") && n == 11) {
        /* method authid password client_nonce nonce salt kdf iterations memory server_sig */
        wamp_auth_config cc = {.authid = f[2], .secret = f[3], .client_nonce = f[4]};
        wamp_authenticator *au = NULL;
        wamp_arena *ar = wamp_arena_new(0);
        wamp_value d = wamp_value_dict(), e = wamp_value_dict(), sig, ex;
        wamp_value_dict_setc(ar, &e, "nonce", wamp_value_cstring(ar, f[5]));
        wamp_value_dict_setc(ar, &e, "salt", wamp_value_cstring(ar, f[6]));
        wamp_value_dict_setc(ar, &e, "kdf", wamp_value_cstring(ar, f[7]));
        wamp_value_dict_setc(ar, &e, "iterations", wamp_value_int(atol(f[8])));
        if (strcmp(f[9], "-")) wamp_value_dict_setc(ar, &e, "memory", wamp_value_int(atol(f[9])));
        rc = wamp_authenticator_new(f[1], &cc, &au);
        if (!rc) rc = wamp_authenticator_hello(au, ar, &d);
        if (!rc) rc = wamp_authenticator_on_challenge(au, wamp_str_c(f[1]), &e, ar, &sig, &ex);
        if (rc) {
            print_err(rc);
        } else {
            wamp_value w = wamp_value_dict();
            wamp_value_dict_setc(ar, &w, "scram_server_signature", wamp_value_cstring(ar, f[10]));
            wamp_value_dict_setc(ar, &w, "verifier", wamp_value_cstring(ar, f[10]));
            printf("%.*s\t%s", (int)sig.len, sig.as.s,
                   wamp_err_name(wamp_authenticator_on_welcome(au, &w)));
        }
        wamp_authenticator_free(au);
        wamp_arena_free(ar);
    } else if (!strcmp(op, "argon2id") && n == 5) {
        /* password salt_hex t m: the raw 32-byte Argon2id v1.3 tag (p=1) */
        wamp__scram_salted sp;
        unhex(f[2], a, sizeof a, &na);
        rc = wamp__scram_salted_password(false, WAMP__KDF_ARGON2ID13, wamp_str_c(f[1]), a, na, NULL,
                                         0, (uint32_t)atol(f[3]), (uint32_t)atol(f[4]), &sp);
        if (rc) return print_err(rc);
        hex(sp.data, sp.len);
    } else if (!strcmp(op, "argon2id_ctx") && n == 7) {
        /* password_hex salt_hex t m p taglen: wamp__auth_argon2id's tag */
        unhex(f[1], a, sizeof a, &na);
        unhex(f[2], b, sizeof b, &nb);
        size_t tl = (size_t)atol(f[6]);
        if (tl > sizeof c) return print_err(WAMP_EINVAL);
        wamp__argon2id_input in = {.password = a,
                                   .password_len = na,
                                   .salt = b,
                                   .salt_len = nb,
                                   .passes = (uint32_t)atol(f[3]),
                                   .memory_kib = (uint32_t)atol(f[4]),
                                   .lanes = (uint32_t)atol(f[5])};
        rc = wamp__auth_argon2id(&in, c, tl);
        if (rc) return print_err(rc);
        hex(c, tl);
    } else if (!strcmp(op, "sign") && n == 4) {
        wamp_cryptosign_key *k;
        unhex(f[1], a, sizeof a, &na);
        if (strcmp(f[3], "-")) unhex(f[3], b, sizeof b, &nb);
        rc = na == 32 ? wamp_cryptosign_key_from_bytes(a, NULL, &k) : WAMP_EINVAL;
        if (rc) return print_err(rc);
        char out[WAMP_CRYPTOSIGN_SIGNED_HEX_SIZE];
        rc = wamp_cryptosign_key_sign_challenge(k, wamp_str_c(f[2]), strcmp(f[3], "-") ? b : NULL,
                                                out);
        wamp_cryptosign_key_free(k);
        if (rc) return print_err(rc);
        printf("%s", out);
    } else if (!strcmp(op, "verify") && n == 5) {
        /* pubkey challenge channel_id signed_hex */
        unhex(f[1], a, sizeof a, &na);
        unhex(f[2], b, sizeof b, &nb);
        if (strcmp(f[3], "-")) unhex(f[3], c, sizeof c, &nc);
        printf("%s", wamp_err_name(wamp_cryptosign_verify_challenge(
                         a, b, strcmp(f[3], "-") ? c : NULL, wamp_str_c(f[4]))));
    } else if (!strcmp(op, "pubkey") && n == 3) {
        wamp_cryptosign_key *k = NULL;
        if (!strcmp(f[1], "raw"))
            rc = wamp_cryptosign_key_from_file(f[2], NULL, &k);
        else if (!strcmp(f[1], "keyfile"))
            rc = wamp_cryptosign_key_from_keyfile(f[2], &k);
        else
            rc = wamp_cryptosign_key_from_ssh_file(f[2], &k);
        if (rc) return print_err(rc);
        char h[65];
        wamp_cryptosign_key_public_hex(k, h);
        const char *cm = wamp_cryptosign_key_comment(k);
        printf("%s\t%d\t%s", h, wamp_cryptosign_key_can_sign(k), cm ? cm : "");
        wamp_cryptosign_key_free(k);
    } else if (!strcmp(op, "writekey") && n == 4) {
        /* seed_hex private(0/1) path: write an Autobahn key file, print the public key */
        wamp_cryptosign_key *k;
        unhex(f[1], a, sizeof a, &na);
        rc = na == 32 ? wamp_cryptosign_key_from_bytes(a, NULL, &k) : WAMP_EINVAL;
        if (rc) return print_err(rc);
        wamp_keyfile_info info = {.comment = "written by libwamp",
                                  .creator = "auth_driver",
                                  .created_at = "2024-01-01T00:00:00.000Z",
                                  .user_id = "joe"};
        wamp_buf b = {0};
        rc = wamp_cryptosign_key_write_keyfile(k, atoi(f[2]) != 0, &info, &b);
        FILE *fp = rc ? NULL : fopen(f[3], "w");
        if (fp) {
            fwrite(b.data, 1, b.len, fp);
            fclose(fp);
        }
        char h[65];
        wamp_cryptosign_key_public_hex(k, h);
        wamp_cryptosign_key_free(k);
        wamp_buf_free(&b);
        if (rc || !fp) return print_err(rc ? rc : WAMP_EIO);
        printf("%s", h);
    } else if (!strcmp(op, "seedphrase") && n == 3) {
        wamp_cryptosign_key *k;
        rc = wamp_cryptosign_key_from_seedphrase(f[1], (uint32_t)atol(f[2]), &k);
        if (rc) return print_err(rc);
        char h[65];
        wamp_cryptosign_key_public_hex(k, h);
        printf("%s", h);
        wamp_cryptosign_key_free(k);
    } else if (!strcmp(op, "router_hello") && n >= 3) {
        /* router_hello method authid [args]: wampcra secret | scram credential json fields |
         * cryptosign pubkey [channel_id] */
        wamp_auth_pending_free(pending);
        wamp_arena_reset(arena);
        pending = NULL;
        wamp_auth_server_config sc = {.now_ms = 1403455901643, .channel_binding = "tls-unique"};
        wamp_auth_principal pr = {.authrole = "user"};
        wamp_value ae = wamp_value_dict();
        wamp_auth_hello h = {.realm = wamp_str_c("realm1"), .session = 4711, .authextra = &ae};
        if (strcmp(f[2], "-")) h.authid = wamp_str_c(f[2]);
        uint8_t keys[1][32];
        if (!strcmp(f[1], "wampcra")) {
            pr.secret = f[3];
        } else if (!strcmp(f[1], "scram") || !strcmp(f[1], "wamp-scram")) {
            /* kdf iterations memory salt stored server client_nonce */
            memset(&cred, 0, sizeof cred);
            snprintf(cred.kdf, sizeof cred.kdf, "%s", f[3]);
            cred.iterations = (uint32_t)atol(f[4]);
            cred.memory = (uint32_t)atol(f[5]);
            unhex(f[6], cred.salt, sizeof cred.salt, &cred.salt_len);
            unhex(f[7], cred.stored_key, 32, &na);
            unhex(f[8], cred.server_key, 32, &na);
            wamp_value_dict_setc(arena, &ae, "nonce", wamp_value_cstring(arena, f[9]));
            pr.scram = &cred;
        } else if (!strcmp(f[1], "cryptosign")) {
            unhex(f[3], keys[0], 32, &na);
            pr.authorized_keys = keys;
            pr.authorized_count = 1;
            wamp_value_dict_setc(arena, &ae, "pubkey", wamp_value_cstring(arena, f[3]));
            if (n > 4) {
                static uint8_t cid[32];
                unhex(f[4], cid, 32, &na);
                sc.channel_id = cid;
                sc.channel_id_len = 32;
                wamp_value_dict_setc(arena, &ae, "channel_binding",
                                     wamp_value_cstring(arena, "tls-unique"));
            }
        }
        wamp_auth_outcome o;
        rc = wamp_auth_pending_new(f[1], &sc, &pending);
        if (!rc) rc = wamp_auth_pending_hello(pending, &h, &pr, arena, &o);
        if (rc) return print_err(rc);
        if (o.kind != WAMP_AUTH_CHALLENGE) return outcome(&o, NULL);
        /* print the challenge extra as key=value pairs */
        printf("CHALLENGE");
        for (size_t i = 0; i < wamp_value_count(&o.challenge.extra); i++) {
            wamp_kv *kv = wamp_value_dict_entry(&o.challenge.extra, i);
            int64_t iv;
            wamp_str sv;
            if (wamp_value_get_string(&kv->value, &sv))
                printf("\t%.*s=%.*s", (int)kv->key.len, kv->key.ptr, (int)sv.len, sv.ptr);
            else if (wamp_value_get_int(&kv->value, &iv))
                printf("\t%.*s=%lld", (int)kv->key.len, kv->key.ptr, (long long)iv);
        }
    } else if (!strcmp(op, "router_auth") && n == 2) {
        wamp_auth_outcome o;
        rc = pending ? wamp_auth_pending_authenticate(pending, wamp_str_c(f[1]), NULL, arena, &o)
                     : WAMP_ESTATE;
        if (rc) return print_err(rc);
        outcome(&o, "scram_server_signature");
    } else {
        printf("ERR\tbad command");
    }
}

int main(void)
{
    char line[8192];
    arena = wamp_arena_new(0);
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = 0;
        char *f[MAXF] = {0};
        int n = 0;
        for (char *p = line; n < MAXF;) {
            f[n++] = p;
            char *t = strchr(p, '\t');
            if (!t) break;
            *t = 0;
            p = t + 1;
        }
        cmd(f, n);
        printf("\n");
        fflush(stdout);
    }
    wamp_auth_pending_free(pending);
    wamp_arena_free(arena);
    return 0;
}
