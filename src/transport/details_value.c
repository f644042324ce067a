/* Transport details as a value: the dict of Autobahn's TransportDetails.marshal(). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "transport/framer.h"

static wamp_value str_or_null(wamp_arena *a, const char *s, bool *oom)
{
    if (!s) return wamp_value_null();
    wamp_value v = wamp_value_cstring(a, s);
    if (wamp_value_is_null(&v)) *oom = true;
    return v;
}

static wamp_value tri(int v)
{
    return v < 0 ? wamp_value_null() : wamp_value_bool(v != 0);
}

static wamp_value num(int64_t v)
{
    return v < 0 ? wamp_value_null() : wamp_value_int(v);
}

/* HTTP headers as Autobahn keeps them: lower-cased names, repeated headers joined by ", ". */
static int headers_value(wamp_arena *a, const wamp_http_message *m, wamp_value *out)
{
    if (!m) {
        *out = wamp_value_null();
        return WAMP_OK;
    }
    wamp_value d = wamp_value_dict();
    for (size_t i = 0; i < m->header_count; i++) {
        size_t nl = strlen(m->headers[i].name);
        char *name = wamp_arena_strndup(a, m->headers[i].name, nl);
        if (!name) return WAMP_ENOMEM;
        for (char *c = name; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        wamp_value *prev = wamp_value_dict_get(&d, name, nl);
        const char *val = m->headers[i].value;
        wamp_value v;
        if (prev) {
            wamp_str ps;
            wamp_value_get_string(prev, &ps);
            size_t vl = strlen(val), tl = ps.len + 2 + vl;
            char *joined = wamp_arena_alloc(a, tl + 1);
            if (!joined) return WAMP_ENOMEM;
            memcpy(joined, ps.ptr, ps.len);
            memcpy(joined + ps.len, ", ", 2);
            memcpy(joined + ps.len + 2, val, vl + 1);
            v = wamp_value_string_borrow(joined, tl);
        } else {
            v = wamp_value_cstring(a, val);
            if (wamp_value_is_null(&v)) return WAMP_ENOMEM;
        }
        int rc = wamp_value_dict_set(a, &d, name, nl, v);
        if (rc) return rc;
    }
    *out = d;
    return WAMP_OK;
}

int wamp_transport_details_to_value(const wamp_transport_details *d, wamp_arena *a, wamp_value *out)
{
    if (!d || !a || !out) return WAMP_EINVAL;
    bool oom = false;
    wamp_value m = wamp_value_dict();
    wamp_value v;
    int rc = WAMP_OK;
#define SET(k, val)                                                                                \
    do {                                                                                           \
        if (!rc) rc = wamp_value_dict_setc(a, &m, (k), (val));                                     \
    } while (0)
    SET("channel_type", d->channel_type
                            ? str_or_null(a, wamp_channel_type_name(d->channel_type), &oom)
                            : wamp_value_null());
    SET("channel_framing", d->channel_framing
                               ? str_or_null(a, wamp_channel_framing_name(d->channel_framing), &oom)
                               : wamp_value_null());
    SET("channel_serializer",
        d->channel_serializer
            ? str_or_null(a, wamp_channel_serializer_name(d->channel_serializer), &oom)
            : wamp_value_null());
    SET("own", str_or_null(a, d->own[0] ? d->own : NULL, &oom));
    SET("peer", str_or_null(a, d->peer[0] ? d->peer : NULL, &oom));
    SET("is_server", tri(d->is_server));
    SET("own_pid", num(d->own_pid));
    SET("own_tid", num(d->own_tid));
    SET("own_fd", num(d->own_fd));
    SET("is_secure", tri(d->is_secure));
    if (d->channel_id_tls_unique_len) {
        wamp_value cid = wamp_value_dict();
        size_t n = d->channel_id_tls_unique_len;
        if (n > sizeof d->channel_id_tls_unique) n = sizeof d->channel_id_tls_unique;
        wamp_value b = wamp_value_bytes(a, d->channel_id_tls_unique, n);
        if (wamp_value_is_null(&b)) oom = true;
        if (!rc) rc = wamp_value_dict_setc(a, &cid, "tls-unique", b);
        SET("channel_id", cid);
    } else {
        SET("channel_id", wamp_value_null());
    }
    if (d->peer_cert) {
        rc = rc ? rc : wamp_value_copy(a, &v, d->peer_cert);
        SET("peer_cert", v);
    } else {
        SET("peer_cert", wamp_value_null());
    }
    SET("websocket_protocol", str_or_null(a, d->websocket_protocol, &oom));
    if (d->websocket_extensions_in_use) {
        wamp_value l = wamp_value_list();
        wamp_value s = str_or_null(a, d->websocket_extensions_in_use, &oom);
        if (!rc) rc = wamp_value_list_push(a, &l, s);
        SET("websocket_extensions_in_use", l);
    } else {
        SET("websocket_extensions_in_use", wamp_value_null());
    }
    if (!rc) rc = headers_value(a, d->http_headers_received, &v);
    SET("http_headers_received", v);
    if (!rc) rc = headers_value(a, d->http_headers_sent, &v);
    SET("http_headers_sent", v);
    SET("http_cbtid", str_or_null(a, d->http_cbtid, &oom));
#undef SET
    if (!rc && oom) rc = WAMP_ENOMEM;
    if (!rc) *out = m;
    return rc;
}
