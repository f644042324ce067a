/* Internal HTTP/1.1 head parser for the WebSocket opening handshake (see http.c). */
#ifndef WAMP_TRANSPORT_HTTP_H
#define WAMP_TRANSPORT_HTTP_H

#include <wamp/transport.h>

/* A parsed head: msg is the public view; every pointer in it points into storage owned here. */
typedef struct wamp__http {
    wamp_http_message msg;
    char *store;
    wamp_http_header *headers;
    wamp_http_header *cookies;
    char *cstore; /* copies of Cookie values, cut into names and values */
} wamp__http;

/*
 * Finds the end of an HTTP head ("\r\n\r\n") in data[0..len), starting the search at *scan
 * (updated, so repeated calls on a growing buffer stay linear). Returns the head length
 * (terminator included) or 0 when not complete yet.
 */
size_t wamp__http_head_end(const uint8_t *data, size_t len, size_t *scan);

/*
 * Parses one complete head data[0..len) (ending with "\r\n\r\n") as a request (is_request)
 * or a response into h (which must be zeroed or freed before). At most max_headers header
 * lines. Returns WAMP_OK, WAMP_EHANDSHAKE (syntax), WAMP_ELIMIT (too many headers) or
 * WAMP_ENOMEM. On error h holds nothing.
 */
int wamp__http_parse(wamp__http *h, const uint8_t *data, size_t len, bool is_request,
                     size_t max_headers);

void wamp__http_free(wamp__http *h);

/* True when s (n bytes) is a valid header field name (RFC 9110 token). */
bool wamp__http_is_token(const char *s, size_t n);

#endif
