/* An in-process WAMP router for tests: src/router's wamp_router served on a net.h listener
 * (127.0.0.1, ephemeral port, WebSocket and RawSocket), the glue of tools/wampd in small. */
#ifndef WAMP_TEST_INPROC_ROUTER_H
#define WAMP_TEST_INPROC_ROUTER_H

#include <wamp/wamp.h>

typedef struct wt_router wt_router;

/* Starts a router with realm "realm1" on loop. Returns NULL on failure. */
wt_router *wt_router_start(wamp_loop *loop);
/* The listening port. */
uint16_t wt_router_port(const wt_router *r);
/* Number of connections currently open. */
size_t wt_router_connections(const wt_router *r);
/* Number of connections accepted so far. */
size_t wt_router_accepted(const wt_router *r);
/* Drops every connection at once from the server side (no GOODBYE, no close handshake). */
void wt_router_drop_all(wt_router *r);
/* Stops listening (open connections live on). */
void wt_router_stop_listening(wt_router *r);
/* Drops everything and frees the router. */
void wt_router_free(wt_router *r);

#endif
