/* Test helper for the framers: records callbacks into a text log (see transport_rec.c). */
#ifndef WAMP_TEST_TRANSPORT_REC_H
#define WAMP_TEST_TRANSPORT_REC_H

#include <stddef.h>
#include <stdint.h>

#include <wamp/transport.h>

typedef struct wt_rec {
    char log[512 * 1024];
    size_t len;
    int reject;        /* on_handshake verdict */
    bool echo;         /* on_message: send the message back */
    bool close_on_msg; /* on_message: wamp_framer_close(f, 1000, "bye") */
    const char *add_header_name, *add_header_value; /* on_handshake: wamp_framer_add_header */
} wt_rec;

/* Callbacks that append "open;", "msg(t|b):<hex>;", "ping:<hex>;", "pong:<hex>;",
 * "hs(<ser>,<batched>,<proto>,<peermax>,<ext>);", "err(<code>);",
 * "close(<code>,<clean>,<reason>);". */
extern const wamp_framer_cbs wt_rec_cbs;

/* Drains the framer's output buffer into a malloc'd lower-case hex string. */
char *wt_drain_hex(wamp_framer *f);
/* Drains the framer's output buffer into a malloc'd NUL-terminated string (text). */
char *wt_drain_text(wamp_framer *f, size_t *len);

/* Deterministic "random" bytes for masks and keys: 0x00, 0x01, 0x02, ... (state in *user). */
int wt_counter_random(void *user, uint8_t *out, size_t n);

#endif
