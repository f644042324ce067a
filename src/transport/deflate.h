/* Internal permessage-deflate (RFC 7692): negotiation and the zlib streams (see deflate.c). */
#ifndef WAMP_TRANSPORT_DEFLATE_H
#define WAMP_TRANSPORT_DEFLATE_H

#include <wamp/transport.h>

#include "transport/framer.h"

/* Parameters of one permessage-deflate offer or response. window bits: 0 = absent,
 * -1 = present without a value (client_max_window_bits in an offer), else 8..15. */
typedef struct wamp__pmd_params {
    bool server_no_context_takeover;
    bool client_no_context_takeover;
    int server_max_window_bits;
    int client_max_window_bits;
} wamp__pmd_params;

/* What both sides agreed, seen from one side. */
typedef struct wamp__pmd_agreed {
    bool own_no_context_takeover;  /* reset our compressor after each message */
    bool peer_no_context_takeover; /* the peer resets its compressor (we may reset our inflater) */
    int own_window_bits;           /* our compressor's window (9..15; 8 is raised to 9) */
} wamp__pmd_agreed;

/* Client: writes the offer for opts into out (NUL-terminated). Returns WAMP_OK/WAMP_ERANGE. */
int wamp__pmd_offer(const wamp_deflate_options *opts, char *out, size_t size);

/*
 * Server: picks the first acceptable permessage-deflate offer in the Sec-WebSocket-Extensions
 * headers of req. Returns 1 with *agreed and the response element in resp, 0 when no offer is
 * acceptable (answer without the extension), or WAMP_EHANDSHAKE when the header is malformed.
 */
int wamp__pmd_accept(const wamp_deflate_options *opts, const wamp_http_message *req,
                     wamp__pmd_agreed *agreed, char *resp, size_t size);

/*
 * Client: checks the server's Sec-WebSocket-Extensions answer against our offer. Returns 1
 * (deflate agreed, *agreed filled), 0 (no extension in the answer) or WAMP_EHANDSHAKE (an
 * extension we did not offer, bad parameters, or parameters our offer did not allow).
 */
int wamp__pmd_check_response(const wamp_deflate_options *opts, const wamp_http_message *resp,
                             wamp__pmd_agreed *agreed);

typedef struct wamp__pmd wamp__pmd; /* zlib streams of one connection */

int wamp__pmd_new(wamp__pmd **out, const wamp__pmd_agreed *agreed);
void wamp__pmd_free(wamp__pmd *p);

/* Compresses one whole message into out (appended), without the 00 00 ff ff tail. */
int wamp__pmd_deflate(wamp__pmd *p, const uint8_t *in, size_t n, wamp__tbuf *out);

/*
 * Decompresses a piece of a compressed message into out (appended); fin: this is the last
 * piece (the 00 00 ff ff tail is appended here). out->len may not exceed max.
 * Returns WAMP_OK, WAMP_ETOOBIG (max exceeded: stop), WAMP_EFRAME (corrupt data), WAMP_ENOMEM.
 */
int wamp__pmd_inflate(wamp__pmd *p, const uint8_t *in, size_t n, bool fin, wamp__tbuf *out,
                      size_t max);

#endif
