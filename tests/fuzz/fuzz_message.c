/*
 * libFuzzer target for the message layer (JSON).
 *
 * For every input:
 *  A. decode fully -> parse -> marshal -> encode -> decode: the result must equal the first
 *     marshal (wamp_value_equal); and parse of that result must succeed and marshal to the same
 *     list again (marshal output is a fixed point of parse).
 *  B. decode with raw_from at the payload position (the router's lazy decode: Arguments and
 *     ArgumentsKw stay RAW) -> parse: same verdict as A; when accepted, marshal -> encode ->
 *     decode must equal A's marshal (RAW spans pass through unchanged).
 * Any violation aborts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wamp/message.h>
#include <wamp/serializer.h>
#include <wamp/value.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t payload_index(int64_t type, size_t count, void *user)
{
    (void)count;
    (void)user;
    switch (type) {
    case WAMP_MSG_ERROR: return 5;
    case WAMP_MSG_PUBLISH:
    case WAMP_MSG_EVENT:
    case WAMP_MSG_CALL:
    case WAMP_MSG_INVOCATION: return 4;
    case WAMP_MSG_ABORT:
    case WAMP_MSG_RESULT:
    case WAMP_MSG_YIELD: return 3;
    default: return SIZE_MAX;
    }
}

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_message: %s\n", what);
        abort();
    }
}

/* marshal(m) -> JSON -> value; returns false when encoding fails (e.g. no arena memory). */
static bool reencode(const wamp_message *m, wamp_arena *a, wamp_value *marshalled,
                     wamp_value *decoded)
{
    check(wamp_message_marshal(m, a, marshalled) == WAMP_OK, "marshal of a parsed message failed");
    wamp_buf b = {0};
    int rc = wamp_value_encode(WAMP_SER_JSON, marshalled, &b);
    check(rc == WAMP_OK, "JSON encode of a marshalled message failed");
    rc = wamp_value_decode(WAMP_SER_JSON, b.data, b.len, a,
                           &(wamp_decode_opts){.copy_strings = true}, decoded);
    wamp_buf_free(&b);
    check(rc == WAMP_OK, "our own JSON output does not decode");
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wamp_arena *a = wamp_arena_new(0);
    if (!a) return 0;
    wamp_value v;
    if (wamp_value_decode(WAMP_SER_JSON, data, size, a, NULL, &v) != WAMP_OK) {
        wamp_arena_free(a);
        return 0;
    }
    wamp_message m;
    wamp_msg_error e;
    int rc_a = wamp_message_parse(&v, a, &m, &e);
    check(rc_a == WAMP_OK || (e.code == rc_a && e.text[0]), "parse error without a reason");
    wamp_value first = {0}, again;
    if (rc_a == WAMP_OK) {
        reencode(&m, a, &first, &again);
        check(wamp_value_equal(&first, &again), "marshal -> JSON -> decode changed the message");
        wamp_message m2;
        /* Autobahn's own quirk, kept on purpose: WELCOME {"resumable": true, "resume_token": ""}
         * parses (the token key is present) but marshal drops the falsy token, and the result
         * (resumable without a token) is refused. Every other marshal output must parse. */
        bool welcome_quirk = m.type == WAMP_MSG_WELCOME && m.welcome.resumable == WAMP_OPT_TRUE &&
                             m.welcome.resume_token.ptr && m.welcome.resume_token.len == 0;
        int rc_again = wamp_message_parse(&again, a, &m2, &e);
        check(rc_again == WAMP_OK || welcome_quirk, "marshal output does not parse");
        wamp_value second;
        if (rc_again == WAMP_OK) {
            check(wamp_message_marshal(&m2, a, &second) == WAMP_OK, "second marshal failed");
            check(wamp_value_equal(&first, &second), "marshal is not a fixed point of parse");
        }
        /* A deep copy marshals the same. */
        wamp_message cp;
        if (wamp_message_copy(a, &cp, &m) == WAMP_OK) {
            wamp_value third;
            check(wamp_message_marshal(&cp, a, &third) == WAMP_OK, "marshal of a copy failed");
            check(wamp_value_equal(&first, &third), "copy marshals differently");
        }
    }

    /* B: lazy decode (RAW Arguments/ArgumentsKw). */
    wamp_value lazy;
    wamp_decode_opts o = {.raw_from = payload_index};
    if (wamp_value_decode(WAMP_SER_JSON, data, size, a, &o, &lazy) == WAMP_OK) {
        wamp_message ml;
        int rc_b = wamp_message_parse(&lazy, a, &ml, &e);
        check(rc_b == rc_a, "lazy decode changes the parse verdict");
        if (rc_b == WAMP_OK) {
            wamp_value lm, ld;
            reencode(&ml, a, &lm, &ld);
            check(wamp_value_equal(&first, &ld), "RAW pass-through differs from full decode");
        }
    }
    wamp_arena_free(a);
    return 0;
}
