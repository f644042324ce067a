/* wampd internals shared by main.c and config.c (not installed). */
#ifndef WAMPD_H
#define WAMPD_H

#include <stdarg.h>

#include <wamp/wamp.h>

typedef struct wampd_config wampd_config;

void wampd_log(wamp_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Loads FILE (NULL: the embedded default) and validates it. On error err names the JSON path. */
int wampd_config_load(const char *file, wampd_config **out, char *err, size_t errlen);
void wampd_config_free(wampd_config *cfg);
/* Fills the auth/authorization hooks of the router options. */
void wampd_config_router_options(wampd_config *cfg, wamp_router_options *ro);
/* Creates the configured realms. */
int wampd_config_apply(wampd_config *cfg, wamp_router *r);
/* Starts the configured listeners (listen "HOST:PORT" replaces the first TCP endpoint) and
 * prints "LISTENING <host> <port>" (or "LISTENING unix <path>") for each. */
int wampd_listeners_start(wampd_config *cfg, wamp_loop *loop, const char *listen,
                          wamp_listener_accept_cb cb);
void wampd_listeners_free(void);
/* Per-connection auth state, set up when a connection is accepted on listener l. */
void *wampd_auth_conn_new(wamp_listener *l);
void wampd_auth_conn_free(void *state);
/* The connection's framing ("websocket", "rawsocket") and peer, shown to dynamic
 * authenticators; ws_path: the WebSocket request path (NULL for RawSocket), which picks the
 * auth of a universal transport's websocket path. */
void wampd_auth_conn_set_transport(void *state, const char *framing, const char *peer,
                                   const char *ws_path);
/* The client certificate (DER) of a TLS connection, for authmethod "tls". */
void wampd_auth_conn_set_peer_cert(void *state, const uint8_t *der, size_t len);
/* The auth state of a router session's connection (main.c). */
void *wampd_conn_auth(wamp_router_session *s);
/* The transport of a router session's connection (main.c), or NULL. */
wamp_transport *wampd_conn_transport(wamp_router_session *s);

#endif
