/* Transport details (Autobahn's TransportDetails): names, peer strings, channel_typeid. */
#include <stdio.h>
#include <string.h>

#include "transport/framer.h"

const char *wamp_channel_type_name(wamp_channel_type t)
{
    static const char *const names[] = {"null", "function", "memory", "serial",
                                        "tcp",  "tls",      "udp",    "dtls"};
    return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "null";
}

const char *wamp_channel_framing_name(wamp_channel_framing f)
{
    static const char *const names[] = {"null", "native", "websocket", "rawsocket"};
    return (unsigned)f < sizeof names / sizeof names[0] ? names[f] : "null";
}

const char *wamp_channel_serializer_name(wamp_serializer_id s)
{
    static const char *const names[] = {"null", "json", "msgpack", "cbor", "ubjson", "flatbuffers"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "null";
}

void wamp_transport_details_init(wamp_transport_details *d)
{
    memset(d, 0, sizeof *d);
    d->is_server = -1;
    d->is_secure = -1;
    d->own_pid = d->own_tid = d->own_fd = -1;
}

static int fmt_result(int n, size_t size)
{
    return n < 0 || (size_t)n >= size ? WAMP_ERANGE : WAMP_OK;
}

int wamp_transport_format_tcp(char *out, size_t size, int family, const char *ip, unsigned port)
{
    if (!out || size == 0 || !ip || (family != 4 && family != 6) || port > 65535)
        return WAMP_EINVAL;
    return fmt_result(snprintf(out, size, "tcp%d:%s:%u", family, ip, port), size);
}

int wamp_transport_format_unix(char *out, size_t size, const char *path)
{
    if (!out || size == 0) return WAMP_EINVAL;
    if (!path || !*path) return fmt_result(snprintf(out, size, "unix"), size);
    return fmt_result(snprintf(out, size, "unix:%s", path), size);
}

int wamp_transport_channel_typeid(const wamp_transport_details *d, char *out, size_t size)
{
    if (!d || !out || size == 0) return WAMP_EINVAL;
    return fmt_result(snprintf(out, size, "%s-%s-%s", wamp_channel_type_name(d->channel_type),
                               wamp_channel_framing_name(d->channel_framing),
                               wamp_channel_serializer_name(d->channel_serializer)),
                      size);
}
