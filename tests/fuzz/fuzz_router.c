/*
 * fuzz_router: hostile message sequences into the router core. Three JSON sessions (one of them
 * batched) are attached; the input is split at newlines into payloads, each line's first byte
 * picks the session (and every 7th line advances the clock for call timeouts). Sessions get a
 * HELLO first so that the joined-state handlers are reached. Every output is drained; the run
 * must end without crash, leak or sanitizer report, and the router must free cleanly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <wamp/wamp.h>

static uint64_t g_seq;
static uint64_t seq_rand(void *u)
{
    (void)u;
    return g_seq++ * 0x9e3779b97f4a7c15ULL;
}

static void on_output(wamp_router_session *s, void *u)
{
    (void)u;
    wamp_buf b = {0};
    while (wamp_router_session_pop(s, &b)) {
    }
    wamp_buf_free(&b);
}

static void on_close(wamp_router_session *s, const char *reason, void *u)
{
    (void)s;
    (void)reason;
    (void)u;
}

static const char HELLO[] =
    "[1,\"realm1\",{\"roles\":{\"publisher\":{},\"subscriber\":{},\"caller\":{\"features\":{"
    "\"progressive_call_results\":true,\"call_canceling\":true}},\"callee\":{\"features\":{"
    "\"progressive_call_results\":true,\"call_canceling\":true}}}}]";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_seq = 1;
    wamp_router_options o = {0};
    o.random = seq_rand;
    o.max_queue_messages = 64;
    o.auto_create_realms = true;
    wamp_router *r = NULL;
    if (wamp_router_new(&o, &r) != WAMP_OK) return 0;
    wamp_router_add_realm(r, "realm1");
    static const wamp_router_session_cbs cbs = {on_output, on_close};
    wamp_router_session *s[3] = {NULL, NULL, NULL};
    const char *names[3] = {"json", "json", "json.batched"};
    for (int i = 0; i < 3; i++) {
        wamp_router_session_new(r, wamp_serializer_by_name(names[i]), &cbs, NULL, NULL, &s[i]);
        if (!s[i]) continue;
        if (i < 2) {
            wamp_router_session_receive(s[i], (const uint8_t *)HELLO, sizeof HELLO - 1);
        } else {
            uint8_t b[sizeof HELLO];
            memcpy(b, HELLO, sizeof HELLO - 1);
            b[sizeof HELLO - 1] = 0x18;
            wamp_router_session_receive(s[i], b, sizeof HELLO);
        }
    }
    uint64_t now = 0;
    size_t line = 0, start = 0;
    for (size_t i = 0; i <= size; i++) {
        if (i < size && data[i] != '\n') continue;
        if (i > start) {
            unsigned who = data[start] % 3;
            if (s[who]) wamp_router_session_receive(s[who], data + start + 1, i - start - 1);
        }
        if (++line % 7 == 0) wamp_router_tick(r, now += 1000);
        start = i + 1;
    }
    wamp_router_shutdown(r, WAMP_CLOSE_SYSTEM_SHUTDOWN);
    for (int i = 0; i < 3; i++)
        wamp_router_session_free(s[i]);
    wamp_router_free(r);
    return 0;
}
