/* bench_auth: signatures and verifications per second for Cryptosign, WAMP-CRA and SCRAM, next
 * to the same operations in Autobahn|Python measured in the same run (bench/auth_ref.py spawned
 * with /usr/bin/python3 and timeit). Prints ops/s for both and the ratio libwamp/Autobahn.
 * The router operations (wampcra_router_verify, scram_router_verify) are one whole attempt on
 * the router: HELLO -> CHALLENGE, AUTHENTICATE with the correct answer -> ACCEPT (SCRAM: with
 * the server signature), the same steps on both sides (Crossbar's formulas in the reference).
 * Exits 1, with the reason on stderr, when the reference fails.
 * usage: bench_auth [seconds per operation] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include <wamp/auth.h>
#include <wamp/cryptosign.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef int (*op_fn)(void);

/* Runs fn for about `budget` seconds; returns operations per second. */
static double measure(op_fn fn, double budget)
{
    long n = 0, batch = 1;
    double t0 = now_s(), t;
    do {
        for (long i = 0; i < batch; i++)
            if (fn() != WAMP_OK) {
                fprintf(stderr, "bench_auth: operation failed\n");
                exit(1);
            }
        n += batch;
        if (batch < 1 << 20) batch *= 2;
        t = now_s() - t0;
    } while (t < budget);
    return (double)n / t;
}

static wamp_cryptosign_key *key;
static uint8_t pubkey[32], chal[32], cid[32];
static char signed_hex[WAMP_CRYPTOSIGN_SIGNED_HEX_SIZE];
static const char *cra_challenge =
    "{\"authid\": \"joe\", \"authrole\": \"user\", \"authmethod\": \"wampcra\", "
    "\"authprovider\": \"static\", \"session\": 4711, \"nonce\": "
    "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\", \"timestamp\": "
    "\"2014-06-22T16:51:41.643Z\"}";
static wamp_arena *arena;
static wamp_authenticator *cra, *scram;
static wamp_value cra_plain, cra_salted, scram_extra;
static wamp_scram_credential cred;

static int cs_sign(void)
{
    return wamp_cryptosign_key_sign_challenge(
        key, wamp_str_c("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"), cid,
        signed_hex);
}

static int cs_verify(void)
{
    return wamp_cryptosign_verify_challenge(pubkey, chal, cid, wamp_str_c(signed_hex));
}

static int answer(wamp_authenticator *a, const char *method, wamp_value *extra)
{
    wamp_value sig, ex;
    wamp_arena_reset(arena);
    return wamp_authenticator_on_challenge(a, wamp_str_c(method), extra, arena, &sig, &ex);
}

static int cra_sign(void)
{
    return answer(cra, "wampcra", &cra_plain);
}

static int cra_salted_sign(void)
{
    return answer(cra, "wampcra", &cra_salted);
}

static int scram_proof(void)
{
    return answer(scram, "scram", &scram_extra);
}

/* The router's side of one attempt: HELLO (issue the CHALLENGE) and AUTHENTICATE (verify a
 * correct answer, ACCEPT). The router's nonce is fixed (the test hook of
 * wamp_auth_server_config) so that the answer, computed once in setup(), stays valid; the
 * reference does the same with the same fixed nonce. */
static const char cra_nonce[] = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
static const uint8_t scram_snonce[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
static char cra_answer[WAMP_AUTH_WCS_SIZE];
static char scram_answer[64];

static int router_attempt(const char *method, const wamp_auth_server_config *sc,
                          const wamp_auth_principal *pr, const wamp_value *authextra,
                          const char *answer)
{
    wamp_auth_pending *p;
    wamp_auth_outcome out;
    wamp_arena_reset(arena);
    wamp_auth_hello h = {.realm = wamp_str_c("realm1"),
                         .authid = wamp_str_c("joe"),
                         .authextra = authextra,
                         .session = 4711};
    int rc = wamp_auth_pending_new(method, sc, &p);
    if (!rc) rc = wamp_auth_pending_hello(p, &h, pr, arena, &out);
    if (!rc && out.kind != WAMP_AUTH_CHALLENGE) rc = WAMP_EAUTH;
    if (!rc) rc = wamp_auth_pending_authenticate(p, wamp_str_c(answer), NULL, arena, &out);
    if (!rc && out.kind != WAMP_AUTH_ACCEPT) rc = WAMP_EAUTH;
    wamp_auth_pending_free(p);
    return rc;
}

static const wamp_auth_server_config cra_sc = {.now_ms = 1403455901643,
                                               .server_nonce = (const uint8_t *)cra_nonce,
                                               .server_nonce_len = 64,
                                               .server_nonce_is_text = true};
static const wamp_auth_server_config scram_sc = {.server_nonce = scram_snonce,
                                                 .server_nonce_len = 16};
static const wamp_auth_principal cra_pr = {.authrole = "user", .secret = "L3L1YUE8Txlw"};
static wamp_auth_principal scram_pr;
static wamp_value scram_hello_extra;

static int cra_verify(void)
{
    return router_attempt("wampcra", &cra_sc, &cra_pr, NULL, cra_answer);
}

static int scram_verify(void)
{
    return router_attempt("scram", &scram_sc, &scram_pr, &scram_hello_extra, scram_answer);
}

/* The correct SCRAM answer to the router's (fixed) challenge, from our client. */
static int scram_setup_answer(wamp_arena *keep)
{
    wamp_auth_pending *p;
    wamp_auth_outcome out;
    wamp_auth_hello h = {.realm = wamp_str_c("realm1"),
                         .authid = wamp_str_c("joe"),
                         .authextra = &scram_hello_extra,
                         .session = 4711};
    int rc = wamp_auth_pending_new("scram", &scram_sc, &p);
    if (!rc) rc = wamp_auth_pending_hello(p, &h, &scram_pr, keep, &out);
    wamp_value sig, ex;
    if (!rc)
        rc = wamp_authenticator_on_challenge(scram, wamp_str_c("scram"), &out.challenge.extra, keep,
                                             &sig, &ex);
    wamp_str s;
    if (!rc && (!wamp_value_get_string(&sig, &s) || s.len >= sizeof scram_answer)) rc = WAMP_EAUTH;
    if (!rc) {
        memcpy(scram_answer, s.ptr, s.len);
        scram_answer[s.len] = 0;
    }
    wamp_auth_pending_free(p);
    return rc;
}

static void setup(void)
{
    uint8_t seed[32];
    for (int i = 0; i < 32; i++)
        seed[i] = (uint8_t)i;
    memset(chal, 0xff, 32);
    /* sha256("some TLS message"), as in Autobahn's tests */
    static const char *cidhex = "62e935ae755f3d48f80d4d59f6121358c435722a67e859cc0caa8b539027f2ff";
    for (int i = 0; i < 32; i++) {
        unsigned v;
        sscanf(cidhex + 2 * i, "%2x", &v);
        cid[i] = (uint8_t)v;
    }
    if (wamp_cryptosign_key_from_bytes(seed, NULL, &key)) exit(1);
    wamp_cryptosign_key_public(key, pubkey);
    arena = wamp_arena_new(0);
    wamp_arena *keep = wamp_arena_new(0);
    cra_plain = wamp_value_dict();
    wamp_value_dict_setc(keep, &cra_plain, "challenge", wamp_value_cstring(keep, cra_challenge));
    cra_salted = wamp_value_dict();
    wamp_value_dict_setc(keep, &cra_salted, "challenge", wamp_value_cstring(keep, cra_challenge));
    wamp_value_dict_setc(keep, &cra_salted, "salt", wamp_value_cstring(keep, "salt123"));
    wamp_value_dict_setc(keep, &cra_salted, "iterations", wamp_value_int(1000));
    wamp_value_dict_setc(keep, &cra_salted, "keylen", wamp_value_int(32));
    scram_extra = wamp_value_dict();
    wamp_value_dict_setc(keep, &scram_extra, "nonce", wamp_value_cstring(keep, "Y2xpZW50bm9uY2U="));
    wamp_value_dict_setc(keep, &scram_extra, "kdf", wamp_value_cstring(keep, "argon2id-13"));
    wamp_value_dict_setc(keep, &scram_extra, "salt",
                         wamp_value_cstring(keep, "MTIzNDU2Nzg5MGFiY2RlZg=="));
    wamp_value_dict_setc(keep, &scram_extra, "iterations", wamp_value_int(16));
    wamp_value_dict_setc(keep, &scram_extra, "memory", wamp_value_int(512));
    wamp_auth_config cc = {.authid = "joe", .secret = "L3L1YUE8Txlw"};
    wamp_auth_config sc = {
        .authid = "joe", .secret = "p4ssw0rd", .client_nonce = "Y2xpZW50bm9uY2U="};
    if (wamp_authenticator_new("wampcra", &cc, &cra) ||
        wamp_authenticator_new("scram", &sc, &scram))
        exit(1);
    if (wamp_auth_scram_credential("scram", "argon2id-13", wamp_str_c("p4ssw0rd"),
                                   (const uint8_t *)"1234567890abcdef", 16, 16, 512, &cred))
        exit(1);
    if (cs_sign()) exit(1);
    if (wamp_auth_compute_wcs(wamp_str_c("L3L1YUE8Txlw"), wamp_str_c(cra_challenge), cra_answer))
        exit(1);
    scram_pr = (wamp_auth_principal){.authrole = "user", .scram = &cred};
    scram_hello_extra = wamp_value_dict();
    wamp_value_dict_setc(keep, &scram_hello_extra, "nonce",
                         wamp_value_cstring(keep, "Y2xpZW50bm9uY2U="));
    if (scram_setup_answer(keep)) exit(1);
}

int main(int argc, char **argv)
{
    double budget = argc > 1 ? atof(argv[1]) : 0.5;
    if (budget <= 0) budget = 0.5;
    setup();
    static const struct {
        const char *name;
        op_fn fn;
    } ops[] = {
        {"cryptosign_sign", cs_sign},
        {"cryptosign_verify", cs_verify},
        {"wampcra_sign", cra_sign},
        {"wampcra_salted_sign", cra_salted_sign},
        {"wampcra_router_verify", cra_verify},
        {"scram_client_proof", scram_proof},
        {"scram_router_verify", scram_verify},
    };
    enum { N = sizeof ops / sizeof ops[0] };
    double ours[N], ref[N];
    for (int i = 0; i < N; i++) {
        ours[i] = measure(ops[i].fn, budget);
        ref[i] = 0;
    }
    /* the reference, measured now, in this run; its errors go to our stderr, and a reference
     * that fails or leaves an operation out fails the benchmark */
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %g", WAMP_BENCH_AUTH_REF, budget);
    fflush(stdout);
    FILE *py = popen(cmd, "r");
    if (!py) {
        perror("bench_auth: cannot run the Autobahn|Python reference");
        return 1;
    }
    char name[64];
    double v;
    while (fscanf(py, "%63s %lf", name, &v) == 2)
        for (int i = 0; i < N; i++)
            if (!strcmp(name, ops[i].name)) ref[i] = v;
    int status = pclose(py);
    int missing = 0;
    for (int i = 0; i < N; i++)
        if (!(ref[i] > 0)) {
            fprintf(stderr, "bench_auth: the reference gave no figure for %s\n", ops[i].name);
            missing++;
        }
    if (status != 0 || missing) {
        fprintf(stderr, "bench_auth: the Autobahn|Python reference (%s) failed (%s %d)\n", cmd,
                WIFEXITED(status) ? "exit status" : "wait status",
                WIFEXITED(status) ? WEXITSTATUS(status) : status);
        return 1;
    }
    printf("%-22s %14s %14s %9s\n", "operation (ops/s)", "libwamp", "Autobahn|Py", "ratio");
    for (int i = 0; i < N; i++)
        printf("%-22s %14.0f %14.0f %8.2fx\n", ops[i].name, ours[i], ref[i], ours[i] / ref[i]);
    wamp_cryptosign_key_free(key);
    wamp_authenticator_free(cra);
    wamp_authenticator_free(scram);
    wamp_arena_free(arena);
    return 0;
}
