/*
 * The WAMP specification's message samples (WAMP_CONFORMANCE_DIR/singlemessage/ (every .json
 * below), read with our own JSON codec):
 *  - serialization samples: for every serializer in `serializers` below, every byte variant
 *    decodes, parses, and gives the sample's expected_attributes; our marshal + encode equals
 *    one of the variants structurally (dict key order aside). A listed serializer that cannot
 *    decode a variant FAILS the test. (UBJSON: variants noted as BJData, a different
 *    little-endian format the suite lists beside classic UBJSON, are not UBJSON and are only
 *    checked when they happen to decode.)
 *  - validation samples: `wmsg` is accepted, or rejected when expected_error is given, with
 *    the error text naming expected_error.contains.
 */
#include "support.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const struct {
    const char *name; /* key in the sample's "serializers" */
    wamp_serializer_id id;
} serializers[] = {
    {"json", WAMP_SER_JSON},
    {"msgpack", WAMP_SER_MSGPACK},
    {"cbor", WAMP_SER_CBOR},
    {"ubjson", WAMP_SER_UBJSON},
};
#define NSER (sizeof serializers / sizeof serializers[0])

static size_t n_files, n_ser_samples, n_variants[NSER], n_val_samples, n_rejected, n_exact;

static const wamp_value *get(const wamp_value *d, const char *k)
{
    return wamp_value_dict_getc(d, k);
}

static char *show(const wamp_value *v)
{
    wamp_buf b = {0};
    wamp_value_dump(&b, v);
    wamp_buf_append_byte(&b, 0);
    return (char *)b.data;
}

static void expect_equal(const char *where, const char *attr, const wamp_value *want,
                         const wamp_value *got)
{
    if (wamp_value_equal(want, got)) return;
    char *w = show(want), *g = show(got);
    fail_msg("%s: attribute %s: expected %s, got %s", where, attr, w, g);
}

static wamp_value str_v(wamp_str s)
{
    return s.ptr ? wamp_value_string_borrow(s.ptr, s.len) : wamp_value_null();
}

static wamp_id request_of(const wamp_message *m)
{
    switch (m->type) {
    case WAMP_MSG_ERROR: return m->error.request;
    case WAMP_MSG_PUBLISH: return m->publish.request;
    case WAMP_MSG_PUBLISHED: return m->published.request;
    case WAMP_MSG_SUBSCRIBE: return m->subscribe.request;
    case WAMP_MSG_SUBSCRIBED: return m->subscribed.request;
    case WAMP_MSG_UNSUBSCRIBE: return m->unsubscribe.request;
    case WAMP_MSG_UNSUBSCRIBED: return m->unsubscribed.request;
    case WAMP_MSG_CALL: return m->call.request;
    case WAMP_MSG_CANCEL: return m->cancel.request;
    case WAMP_MSG_RESULT: return m->result.request;
    case WAMP_MSG_REGISTER: return m->register_.request;
    case WAMP_MSG_REGISTERED: return m->registered.request;
    case WAMP_MSG_UNREGISTER: return m->unregister.request;
    case WAMP_MSG_UNREGISTERED: return m->unregistered.request;
    case WAMP_MSG_INVOCATION: return m->invocation.request;
    case WAMP_MSG_INTERRUPT: return m->interrupt.request;
    case WAMP_MSG_YIELD: return m->yield.request;
    default: fail_msg("message type %d has no request id", m->type);
    }
    return 0;
}

/* The Options/Details dict of our marshalled list (position per type). */
static const wamp_value *dict_of(const wamp_message *m, const wamp_value *list)
{
    size_t pos;
    switch (m->type) {
    case WAMP_MSG_ABORT:
    case WAMP_MSG_GOODBYE: pos = 1; break;
    case WAMP_MSG_HELLO:
    case WAMP_MSG_WELCOME:
    case WAMP_MSG_PUBLISH:
    case WAMP_MSG_SUBSCRIBE:
    case WAMP_MSG_CALL:
    case WAMP_MSG_CANCEL:
    case WAMP_MSG_RESULT:
    case WAMP_MSG_REGISTER:
    case WAMP_MSG_INTERRUPT:
    case WAMP_MSG_YIELD:
    case WAMP_MSG_UNSUBSCRIBED:
    case WAMP_MSG_UNREGISTERED: pos = 2; break;
    case WAMP_MSG_ERROR: pos = 3; break;
    case WAMP_MSG_EVENT:
    case WAMP_MSG_INVOCATION:
    case WAMP_MSG_UNSUBSCRIBE:
    case WAMP_MSG_UNREGISTER: pos = 3; break;
    default: fail_msg("message type %d has no options", m->type); return NULL;
    }
    static wamp_value empty;
    empty = wamp_value_dict();
    const wamp_value *d = wamp_value_list_at(list, pos);
    return d && d->type == WAMP_VALUE_DICT ? d : &empty;
}

static void check_attribute(const char *where, const char *attr, const wamp_value *want,
                            const wamp_message *m, const wamp_value *list, wamp_arena *a)
{
    wamp_value got = wamp_value_null();
    if (!strcmp(attr, "message_type")) {
        got = wamp_value_int(m->type);
    } else if (!strcmp(attr, "request_id")) {
        got = wamp_value_uint(request_of(m));
    } else if (!strcmp(attr, "options") || !strcmp(attr, "details")) {
        got = *dict_of(m, list);
    } else if (!strcmp(attr, "roles")) {
        got = *get(dict_of(m, list), "roles");
    } else if (!strcmp(attr, "topic")) {
        got = str_v(m->type == WAMP_MSG_PUBLISH ? m->publish.topic : m->subscribe.topic);
    } else if (!strcmp(attr, "procedure")) {
        got = str_v(m->type == WAMP_MSG_CALL ? m->call.procedure : m->register_.procedure);
    } else if (!strcmp(attr, "realm")) {
        got = str_v(m->hello.realm);
    } else if (!strcmp(attr, "reason")) {
        got = str_v(m->type == WAMP_MSG_ABORT ? m->abort.reason : m->goodbye.reason);
    } else if (!strcmp(attr, "error")) {
        got = str_v(m->error.error);
    } else if (!strcmp(attr, "request_type")) {
        got = wamp_value_int(m->error.request_type);
    } else if (!strcmp(attr, "method")) {
        got = str_v(m->challenge.method);
    } else if (!strcmp(attr, "signature")) {
        got = str_v(m->authenticate.signature);
    } else if (!strcmp(attr, "extra")) {
        got = m->type == WAMP_MSG_CHALLENGE ? m->challenge.extra : m->authenticate.extra;
    } else if (!strcmp(attr, "args")) {
        got = m->args;
    } else if (!strcmp(attr, "kwargs")) {
        got = m->kwargs;
    } else if (!strcmp(attr, "payload")) {
        if (m->payload.ptr) {
            char *hex = wt_hex(m->payload.ptr, m->payload.len);
            got = wamp_value_cstring(a, hex);
            free(hex);
        }
    } else if (!strcmp(attr, "session_id")) {
        got = wamp_value_uint(m->welcome.session);
    } else if (!strcmp(attr, "subscription") || !strcmp(attr, "subscription_id")) {
        got = wamp_value_uint(m->type == WAMP_MSG_EVENT        ? m->event.subscription
                              : m->type == WAMP_MSG_SUBSCRIBED ? m->subscribed.subscription
                                                               : m->unsubscribe.subscription);
    } else if (!strcmp(attr, "publication") || !strcmp(attr, "publication_id")) {
        got = wamp_value_uint(m->type == WAMP_MSG_EVENT       ? m->event.publication
                              : m->type == WAMP_MSG_PUBLISHED ? m->published.publication
                                                              : m->event_received.publication);
    } else if (!strcmp(attr, "registration_id")) {
        got = wamp_value_uint(m->type == WAMP_MSG_INVOCATION   ? m->invocation.registration
                              : m->type == WAMP_MSG_REGISTERED ? m->registered.registration
                                                               : m->unregister.registration);
    } else {
        fail_msg("%s: unknown expected attribute \"%s\" (extend the test)", where, attr);
    }
    expect_equal(where, attr, want, &got);
}

static void check_serialization_sample(const char *file, size_t idx, const wamp_value *sample)
{
    const wamp_value *sers = get(sample, "serializers");
    const wamp_value *attrs = get(sample, "expected_attributes");
    assert_non_null(sers);
    assert_non_null(attrs);
    n_ser_samples++;
    for (size_t s = 0; s < NSER; s++) {
        const wamp_value *variants = get(sers, serializers[s].name);
        if (!variants) continue;
        bool ours_matched = false;
        char where[512];
        for (size_t v = 0; v < wamp_value_count(variants); v++) {
            const wamp_value *var = wamp_value_list_at(variants, v);
            snprintf(where, sizeof where, "%s sample %zu %s variant %zu", file, idx,
                     serializers[s].name, v);
            wamp_str hex, note = {0};
            assert_true(wamp_value_get_string(get(var, "bytes_hex"), &hex));
            if (get(var, "note")) wamp_value_get_string(get(var, "note"), &note);
            bool bjdata = serializers[s].id == WAMP_SER_UBJSON && note.ptr &&
                          memmem(note.ptr, note.len, "BJData", 6);
            char *hexz = strndup(hex.ptr, hex.len);
            size_t n;
            uint8_t *bytes = wt_unhex(hexz, &n);
            free(hexz);
            assert_non_null(bytes);
            wamp_arena *a = wamp_arena_new(0);
            wamp_message m;
            wamp_msg_error e;
            int rc = wamp_message_decode(serializers[s].id, bytes, n, a, NULL, &m, &e);
            if (rc && bjdata) { /* not classic UBJSON */
                free(bytes);
                wamp_arena_free(a);
                continue;
            }
            if (rc) fail_msg("%s: cannot decode/parse: %s (%s)", where, e.text, wamp_err_name(rc));
            n_variants[s]++;
            wamp_value list;
            assert_int_equal(wamp_message_marshal(&m, a, &list), WAMP_OK);
            for (size_t i = 0; i < wamp_value_count(attrs); i++) {
                const wamp_kv *kv = wamp_value_dict_entry(attrs, i);
                char *attr = strndup(kv->key.ptr, kv->key.len);
                check_attribute(where, attr, &kv->value, &m, &list, a);
                free(attr);
            }
            /* Our encoding equals this variant up to key order? (and byte for byte?) */
            wamp_buf out = {0};
            assert_int_equal(wamp_value_encode(serializers[s].id, &list, &out), WAMP_OK);
            wamp_value ours, theirs;
            assert_int_equal(
                wamp_value_decode(serializers[s].id, out.data, out.len, a, NULL, &ours), 0);
            assert_int_equal(wamp_value_decode(serializers[s].id, bytes, n, a, NULL, &theirs), 0);
            if (wamp_value_equal(&ours, &theirs)) ours_matched = true;
            if (out.len == n && !memcmp(out.data, bytes, n)) n_exact++;
            wamp_buf_free(&out);
            free(bytes);
            wamp_arena_free(a);
        }
        if (!ours_matched)
            fail_msg("%s sample %zu: our %s encoding matches no variant", file, idx,
                     serializers[s].name);
    }
}

/* Validation samples write binary payloads as hex strings: turn the string in the payload
 * position into bytes when the Options/Details carry enc_algo. */
static void unhex_payload(wamp_arena *a, wamp_value *wmsg)
{
    size_t n = wamp_value_count(wmsg);
    if (n < 4) return;
    wamp_value *last = wamp_value_list_at(wmsg, n - 1);
    bool enc = false;
    for (size_t i = 1; i + 1 < n; i++) {
        const wamp_value *d = wamp_value_list_at(wmsg, i);
        if (d->type == WAMP_VALUE_DICT && get(d, "enc_algo")) enc = true;
    }
    if (last->type != WAMP_VALUE_STRING || !enc) return;
    char *hexz = strndup(last->as.s, last->len);
    size_t len;
    uint8_t *bytes = wt_unhex(hexz, &len);
    free(hexz);
    assert_non_null(bytes);
    *last = wamp_value_bytes(a, bytes, len);
    free(bytes);
}

static void check_validation_sample(const char *file, size_t idx, const wamp_value *sample,
                                    wamp_arena *a)
{
    wamp_value wmsg = *get(sample, "wmsg");
    const wamp_value *expected = get(sample, "expected_error");
    n_val_samples++;
    unhex_payload(a, &wmsg);
    wamp_message m;
    wamp_msg_error e;
    int rc = wamp_message_parse(&wmsg, a, &m, &e);
    char *shown = show(&wmsg);
    if (!expected) {
        if (rc) fail_msg("%s sample %zu: %s must be accepted, got %s", file, idx, shown, e.text);
    } else {
        if (!rc) fail_msg("%s sample %zu: %s must be rejected", file, idx, shown);
        wamp_str contains;
        assert_true(wamp_value_get_string(get(expected, "contains"), &contains));
        if (!memmem(e.text, strlen(e.text), contains.ptr, contains.len))
            fail_msg("%s sample %zu: error \"%s\" does not contain \"%.*s\"", file, idx, e.text,
                     (int)contains.len, contains.ptr);
        n_rejected++;
    }
    free(shown);
}

static void check_file(const char *path)
{
    size_t len;
    char *text = wt_read_file(path, &len);
    assert_non_null(text);
    wamp_arena *a = wamp_arena_new(0);
    wamp_value doc;
    int rc = wamp_value_decode(WAMP_SER_JSON, (const uint8_t *)text, len, a, NULL, &doc);
    if (rc) fail_msg("%s: our JSON codec cannot read the suite file: %s", path, wamp_err_name(rc));
    n_files++;
    const wamp_value *samples = get(&doc, "samples");
    assert_non_null(samples);
    const char *file = strstr(path, "singlemessage/");
    for (size_t i = 0; i < wamp_value_count(samples); i++) {
        const wamp_value *s = wamp_value_list_at(samples, i);
        if (get(s, "serializers"))
            check_serialization_sample(file, i, s);
        else
            check_validation_sample(file, i, s, a);
    }
    wamp_arena_free(a);
    free(text);
}

static void walk(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) fail_msg("cannot open %s", dir);
    struct dirent *ent;
    char path[1024];
    char *names[256];
    size_t count = 0;
    while ((ent = readdir(d)) && count < 256) {
        if (ent->d_name[0] == '.') continue;
        names[count++] = strdup(ent->d_name);
    }
    closedir(d);
    for (size_t i = 0; i < count; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            walk(path);
        else if (strlen(names[i]) > 5 && !strcmp(names[i] + strlen(names[i]) - 5, ".json"))
            check_file(path);
        free(names[i]);
    }
}

/* The suite lives beside the checkout (/work/shared for /work/main); a worktree one level
 * deeper finds it one directory further up; $WAMP_CONFORMANCE_DIR overrides both. */
static const char *suite_dir(void)
{
    static char path[4096];
    const char *tries[] = {getenv("WAMP_CONFORMANCE_DIR"), WAMP_CONFORMANCE_DIR,
                           WAMP_SOURCE_DIR "/../../shared/conformance/wamp-proto-testsuite"};
    for (size_t i = 0; i < 3; i++) {
        if (!tries[i]) continue;
        snprintf(path, sizeof path, "%s/singlemessage", tries[i]);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return path;
    }
    fail_msg("conformance suite not found (set WAMP_CONFORMANCE_DIR)");
    return NULL;
}

static void test_singlemessage_suite(void **state)
{
    walk(suite_dir());
    printf("conformance: %zu files, %zu serialization samples, %zu validation samples "
           "(%zu must-reject), %zu byte-identical encodings\n",
           n_files, n_ser_samples, n_val_samples, n_rejected, n_exact);
    for (size_t s = 0; s < NSER; s++)
        printf("  %s: %zu variants decoded and checked\n", serializers[s].name, n_variants[s]);
    /* The suite's size (wamp-spec-notes §11): 26 files, 35 + 67 samples, 28 must-reject. */
    assert_int_equal(n_files, 26);
    assert_int_equal(n_ser_samples, 35);
    assert_int_equal(n_val_samples, 67);
    assert_int_equal(n_rejected, 28);
    for (size_t s = 0; s < NSER; s++)
        assert_true(n_variants[s] >= 34);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_singlemessage_suite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
