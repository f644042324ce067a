/* `wamp auth`: the secrets of WAMP authentication methods, as Autobahn's autobahn.wamp.auth
 * helpers compute them — WAMP-CRA keys and signatures, TOTP codes, SCRAM credentials. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wamp/wamp.h>

#include "cli.h"

static void auth_usage(FILE *f)
{
    fputs("usage: wamp auth derive-key --secret S --salt SALT [--iterations N] [--keylen N]\n"
          "       wamp auth cra --key KEY --challenge TEXT\n"
          "       wamp auth totp --secret BASE32 [--time UNIX]\n"
          "       wamp auth totp-secret [--length N]\n"
          "       wamp auth scram --authid ID --password P\n"
          "\n"
          "derive-key   WAMP-CRA salted key: base64(PBKDF2-HMAC-SHA256), defaults 1000 / 32\n"
          "             (Autobahn's derive_key)\n"
          "cra          WAMP-CRA signature of a challenge: base64(HMAC-SHA256(KEY, challenge))\n"
          "             (compute_wcs); KEY is the secret, or the derived key for salted users\n"
          "totp         the current TOTP code (RFC 6238, 30 s, 6 digits) of a Base32 secret;\n"
          "             --time computes it for another moment (compute_totp)\n"
          "totp-secret  a new random Base32 TOTP secret (generate_totp_secret)\n"
          "scram        SCRAM credentials (Argon2id, derive_scram_credential) as the JSON\n"
          "             object a router configuration stores for the principal\n",
          f);
}

/* Finds "--name value" pairs; returns 0 or prints usage. */
static int opts(int argc, char **argv, const char *const *names, const char **values, int n)
{
    for (int i = 1; i < argc; i++) {
        int j = 0;
        while (j < n && strcmp(argv[i], names[j]) != 0)
            j++;
        if (j == n || i + 1 >= argc) {
            auth_usage(stderr);
            return 2;
        }
        values[j] = argv[++i];
    }
    return 0;
}

static int number(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || !*s || v > max || s[0] == '-') {
        cli_error("bad number '%s'", s);
        return -1;
    }
    *out = v;
    return 0;
}

static int auth_derive_key(int argc, char **argv)
{
    static const char *const names[] = {"--secret", "--salt", "--iterations", "--keylen"};
    const char *v[4] = {0};
    if (opts(argc, argv, names, v, 4)) return 2;
    if (!v[0] || !v[1]) {
        auth_usage(stderr);
        return 2;
    }
    uint64_t it = 1000, kl = 32;
    if ((v[2] && number(v[2], 100000000, &it)) || (v[3] && number(v[3], 1024, &kl))) return 2;
    wamp_buf out = {0};
    int rc =
        wamp_auth_derive_key(wamp_str_c(v[0]), wamp_str_c(v[1]), (uint32_t)it, (uint32_t)kl, &out);
    if (rc) {
        cli_error("%s", wamp_strerror(rc));
        return 1;
    }
    printf("%s\n", (char *)out.data);
    wamp_buf_free(&out);
    return 0;
}

static int auth_cra(int argc, char **argv)
{
    static const char *const names[] = {"--key", "--challenge"};
    const char *v[2] = {0};
    if (opts(argc, argv, names, v, 2)) return 2;
    if (!v[0] || !v[1]) {
        auth_usage(stderr);
        return 2;
    }
    char sig[WAMP_AUTH_WCS_SIZE];
    int rc = wamp_auth_compute_wcs(wamp_str_c(v[0]), wamp_str_c(v[1]), sig);
    if (rc) {
        cli_error("%s", wamp_strerror(rc));
        return 1;
    }
    printf("%s\n", sig);
    return 0;
}

static int auth_totp(int argc, char **argv)
{
    static const char *const names[] = {"--secret", "--time"};
    const char *v[2] = {0};
    if (opts(argc, argv, names, v, 2)) return 2;
    if (!v[0]) {
        auth_usage(stderr);
        return 2;
    }
    uint64_t t = (uint64_t)time(NULL);
    if (v[1] && number(v[1], (uint64_t)INT64_MAX / 2, &t)) return 2;
    char code[7];
    int rc = wamp_auth_compute_totp(wamp_str_c(v[0]), (int64_t)t, 0, code);
    if (rc) {
        cli_error("%s", wamp_strerror(rc));
        return 1;
    }
    printf("%s\n", code);
    return 0;
}

static int auth_totp_secret(int argc, char **argv)
{
    static const char *const names[] = {"--length"};
    const char *v[1] = {0};
    if (opts(argc, argv, names, v, 1)) return 2;
    uint64_t len = 10;
    if (v[0] && number(v[0], 1024, &len)) return 2;
    wamp_buf out = {0};
    int rc = wamp_auth_generate_totp_secret((size_t)len, &out);
    if (rc) {
        cli_error("%s", wamp_strerror(rc));
        return 1;
    }
    printf("%s\n", (char *)out.data);
    wamp_buf_free(&out);
    return 0;
}

static int auth_scram(int argc, char **argv)
{
    static const char *const names[] = {"--authid", "--password"};
    const char *v[2] = {0};
    if (opts(argc, argv, names, v, 2)) return 2;
    if (!v[0] || !v[1]) {
        auth_usage(stderr);
        return 2;
    }
    wamp_scram_credential cred;
    wamp_buf out = {0};
    int rc = wamp_auth_derive_scram_credential(wamp_str_c(v[0]), wamp_str_c(v[1]), NULL, &cred);
    if (!rc) rc = wamp_scram_credential_to_json(&cred, &out);
    if (rc) {
        cli_error("%s", wamp_strerror(rc));
        return 1;
    }
    printf("%s\n", (char *)out.data);
    wamp_buf_free(&out);
    return 0;
}

int cli_auth(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        auth_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "derive-key")) return auth_derive_key(argc - 1, argv + 1);
    if (!strcmp(argv[1], "cra")) return auth_cra(argc - 1, argv + 1);
    if (!strcmp(argv[1], "totp")) return auth_totp(argc - 1, argv + 1);
    if (!strcmp(argv[1], "totp-secret")) return auth_totp_secret(argc - 1, argv + 1);
    if (!strcmp(argv[1], "scram")) return auth_scram(argc - 1, argv + 1);
    cli_error("unknown auth command '%s' (see wamp auth --help)", argv[1]);
    return 2;
}
