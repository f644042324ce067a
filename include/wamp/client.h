/*
 * libwamp — client runtime adapter: a wamp_session (session.h) over a wamp_transport (net.h).
 *
 * wamp_client_connect() opens a transport to a URL (ws://, wss://, rs://, rss://, unix forms)
 * on a wamp_loop, then drives the session: transport open -> on_connect (join from there),
 * each received payload is unserialized (batches included) and parsed into messages for
 * wamp_session_receive(), each message the session sends is serialized with the negotiated
 * serializer and written; the session clock follows the loop clock (a timer ticks it while a
 * deadline is pending). A payload that does not parse as a WAMP message makes the session
 * ABORT with "wamp.error.protocol_violation".
 *
 * The application's wamp_session_callbacks are used as given except `send` (ignored: the client
 * provides it). Over TLS (wss://, rss://) the transport's channel ids ("tls-unique",
 * "tls-exporter", see wamp_stream_info) are handed to the session (wamp_session_set_channel_id())
 * when it opens, so a join whose authenticator is bound to the channel (cryptosign or wamp-scram
 * with channel_binding "tls-unique") signs over this connection's id. On a failed connect,
 * on_disconnect(was_clean=false) is called and wamp_client_last_error() tells why. Use
 * wamp_session_* functions on wamp_client_session().
 *
 * Threads: a client, its session and every callback belong to the thread running the loop.
 * The ONE way to call, publish or leave from another thread is wamp_loop_post() (net.h, the
 * only thread-safe function): post a function that makes the wamp_session_* call on the loop
 * thread, e.g.
 *
 *     struct job { wamp_client *c; char topic[64]; int64_t n; };    // owned by the job
 *     static void do_publish(wamp_loop *loop, void *user) {         // runs on the loop thread
 *         struct job *j = user;
 *         wamp_arena *a = wamp_arena_new(0);
 *         wamp_value args = wamp_value_list();
 *         wamp_value_list_push(a, &args, wamp_value_int(j->n));
 *         wamp_session_publish(wamp_client_session(j->c), j->topic, &args, NULL, NULL,
 *                              NULL, NULL, NULL);
 *         wamp_arena_free(a);
 *         free(j);
 *     }
 *     // any thread:
 *     wamp_loop_post(loop, do_publish, job);
 *
 * and likewise wamp_session_call() (its completion callback runs on the loop thread: hand the
 * result back to your thread with your own queue) and wamp_session_leave(). Everything the
 * posted function uses must be owned by its user data (copy URIs and values into it: nothing
 * is borrowed across threads). Posted functions run in the order posted (per posting thread).
 * The client must outlive them: free it on the loop thread once they have run (a function
 * still queued when the loop is freed is dropped, never called: free its user data yourself).
 * Never call a wamp_client_* or wamp_session_* function directly from another thread.
 */
#ifndef WAMP_CLIENT_H
#define WAMP_CLIENT_H

#include "common.h"
#include "net.h"
#include "session.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wamp_client wamp_client;

/* Creates a client on loop with the session callbacks (copied) and their user pointer.
 * Returns WAMP_OK, WAMP_EINVAL or WAMP_ENOMEM. */
WAMP_API int wamp_client_new(wamp_loop *loop, const wamp_session_callbacks *cb, void *user,
                             wamp_client **out);
/* Starts connecting to url (opts may be NULL; copied). Returns WAMP_OK, WAMP_ESTATE (already
 * connected or connecting), WAMP_EURL, WAMP_EINVAL, WAMP_ENOMEM. */
WAMP_API int wamp_client_connect(wamp_client *c, const char *url,
                                 const wamp_transport_options *opts);
/* The session driven by the client (owned by it). */
WAMP_API wamp_session *wamp_client_session(wamp_client *c);
/*
 * The connected transport's details (Autobahn's ISession.transport / TransportDetails):
 * channel type, framing, serializer, own and peer addresses, pid/tid/fd, TLS state, channel
 * binding, peer certificate, negotiated WebSocket protocol and HTTP heads. The pointers inside
 * *d are borrowed from the transport: valid until it closes (on_disconnect) or the client is
 * freed. The same details are in wamp_session_details.transport (serializer name in
 * .serializer) from on_welcome/on_join, and in wamp_session_transport_details().
 * Returns WAMP_OK, WAMP_ESTATE (not connected, or still connecting), WAMP_EINVAL.
 */
WAMP_API int wamp_client_transport_details(const wamp_client *c, wamp_transport_details *d);
/* Why the last connection attempt or connection ended (WAMP_OK: clean close). */
WAMP_API int wamp_client_last_error(const wamp_client *c);
/* Closes the transport gracefully (the session, if joined, ends as transport lost unless left
 * first); on_disconnect follows. No-op when not connected. */
WAMP_API void wamp_client_disconnect(wamp_client *c);
/* Frees the client, its session and transport at once (no callbacks except request
 * completions, see wamp_session_free()). Not inside the client's own callbacks. NULL: no-op. */
WAMP_API void wamp_client_free(wamp_client *c);

#ifdef __cplusplus
}
#endif
#endif
