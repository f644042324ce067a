/* Test driver for interop.cryptobox: one KeyRing operation per run.
 *   cryptobox_peer enc <is_orig 0|1> <uri> <opriv> <opub> <rpriv> <rpub> <json [args, kwargs]>
 *       prints the payload as hex
 *   cryptobox_peer dec <is_orig 0|1> <uri> <opriv> <opub> <rpriv> <rpub> <hex payload>
 *       prints JSON [args, kwargs]
 * Keys are base64 or "-" for none (set for the default URI ""; all four "-": no default key).
 * More key sets may follow as groups of five: <uri> <opriv> <opub> <rpriv> <rpub> (the ring then
 * picks the longest matching URI). Errors print "ERR <name>" and exit 1; "ERR WAMP_ENOTFOUND"
 * from enc means no key set applies (the payload would travel unencrypted). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wamp/cryptobox.h>
#include <wamp/serializer.h>

static const char *opt(const char *s)
{
    return strcmp(s, "-") == 0 ? NULL : s;
}

static wamp_keyring *kr;
static wamp_arena *a;
static uint8_t *bytes;

static int fail(int rc)
{
    printf("ERR %s\n", wamp_err_name(rc));
    free(bytes);
    wamp_arena_free(a);
    wamp_keyring_free(kr);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 9 || (argc - 9) % 5 != 0) {
        fprintf(stderr, "usage: see source\n");
        return 2;
    }
    bool orig = strcmp(argv[2], "1") == 0;
    wamp_str uri = wamp_str_c(argv[3]);
    wamp_cryptobox_key k = {opt(argv[4]), opt(argv[5]), opt(argv[6]), opt(argv[7])};
    int rc = wamp_keyring_new(&kr);
    if (!rc && (k.originator_priv || k.originator_pub || k.responder_priv || k.responder_pub))
        rc = wamp_keyring_set_key(kr, "", &k);
    for (int i = 9; !rc && i + 5 <= argc; i += 5) {
        wamp_cryptobox_key ki = {opt(argv[i + 1]), opt(argv[i + 2]), opt(argv[i + 3]),
                                 opt(argv[i + 4])};
        rc = wamp_keyring_set_key(kr, argv[i], &ki);
    }
    if (rc) return fail(rc);
    a = wamp_arena_new(0);
    const char *data = argv[8];
    wamp_buf out = {0};
    if (strcmp(argv[1], "enc") == 0) {
        wamp_value v;
        rc = wamp_value_decode(WAMP_SER_JSON, (const uint8_t *)data, strlen(data), a, NULL, &v);
        if (rc) return fail(rc);
        wamp_value *args = wamp_value_list_at(&v, 0), *kwargs = wamp_value_list_at(&v, 1);
        if (args && wamp_value_is_null(args)) args = NULL;
        if (kwargs && wamp_value_is_null(kwargs)) kwargs = NULL;
        wamp_encoded_payload enc;
        bool encoded;
        rc = wamp_keyring_encode(kr, orig, uri, args, kwargs, a, &enc, &encoded);
        if (rc) return fail(rc);
        if (!encoded) return fail(WAMP_ENOTFOUND);
        for (size_t i = 0; i < enc.payload.len; i++)
            printf("%02x", (unsigned char)enc.payload.ptr[i]);
        printf("\n");
    } else {
        size_t n = strlen(data) / 2;
        bytes = malloc(n + 1);
        for (size_t i = 0; i < n; i++) {
            unsigned b;
            if (sscanf(data + 2 * i, "%2x", &b) != 1) return fail(WAMP_EINVAL);
            bytes[i] = (uint8_t)b;
        }
        wamp_encoded_payload in = {.payload = {(const char *)bytes, n},
                                   .enc_algo = wamp_str_c("cryptobox"),
                                   .enc_serializer = wamp_str_c("json")};
        wamp_value args, kwargs;
        rc = wamp_keyring_decode(kr, orig, uri, &in, a, &args, &kwargs);
        if (rc) return fail(rc);
        wamp_value l = wamp_value_list();
        wamp_value_list_push(a, &l, args);
        wamp_value_list_push(a, &l, kwargs);
        rc = wamp_value_encode(WAMP_SER_JSON, &l, &out);
        if (rc) return fail(rc);
        printf("%.*s\n", (int)out.len, (const char *)out.data);
    }
    wamp_buf_free(&out);
    free(bytes);
    wamp_arena_free(a);
    wamp_keyring_free(kr);
    return 0;
}
