/*
 * Transport URLs: ws, wss, rs, rss, with Unix socket forms, as Autobahn's parse_url() in
 * autobahn/websocket/util.py and autobahn/rawsocket/util.py accept them (see transport.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport/framer.h"

static char *dupn(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static bool host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '%';
}

void wamp_url_free(wamp_url *u)
{
    if (!u) return;
    free(u->host);
    free(u->unix_path);
    free(u->path);
    free(u->query);
    free(u->resource);
    memset(u, 0, sizeof *u);
}

int wamp_url_parse(const char *url, wamp_url *out)
{
    if (!out) return WAMP_EINVAL;
    memset(out, 0, sizeof *out);
    if (!url) return WAMP_EURL;
    for (const char *c = url; *c; c++)
        if ((unsigned char)*c <= 0x20 || (unsigned char)*c == 0x7F) return WAMP_EURL;
    const char *sep = strstr(url, "://");
    if (!sep) return WAMP_EURL;
    size_t sl = (size_t)(sep - url);
    if (sl == 2 && wamp__ascii_ieqn(url, "ws", 2))
        out->scheme = WAMP_URL_WS;
    else if (sl == 3 && wamp__ascii_ieqn(url, "wss", 3))
        out->scheme = WAMP_URL_WSS;
    else if (sl == 2 && wamp__ascii_ieqn(url, "rs", 2))
        out->scheme = WAMP_URL_RS;
    else if (sl == 3 && wamp__ascii_ieqn(url, "rss", 3))
        out->scheme = WAMP_URL_RSS;
    else
        return WAMP_EURL;
    out->is_secure = out->scheme == WAMP_URL_WSS || out->scheme == WAMP_URL_RSS;
    out->is_websocket = out->scheme == WAMP_URL_WS || out->scheme == WAMP_URL_WSS;
    const char *p = sep + 3;
    if (strchr(p, '#')) return WAMP_EURL; /* fragments are never allowed */
    /* authority: up to '/', '?' */
    size_t al = strcspn(p, "/?");
    const char *auth = p, *rest = p + al;
    if (memchr(auth, '@', al)) return WAMP_EURL; /* no userinfo */
    const char *qm = strchr(rest, '?');
    size_t pl = qm ? (size_t)(qm - rest) : strlen(rest);
    const char *query = qm ? qm + 1 : "";
    int rc = WAMP_EURL;

    if (al >= 5 && wamp__ascii_ieqn(auth, "unix:", 5)) {
        /* Unix domain socket: "unix:" then the path; Autobahn takes netloc + path and splits at
         * ':' — "ws://unix:/tmp/s.sock" gives "/tmp/s.sock". */
        if (al != 5) return WAMP_EURL; /* "unix:/..." — the path must start right after ':' */
        if (pl == 0 || rest[0] != '/') return WAMP_EURL;
        if (!out->is_websocket && qm) return WAMP_EURL;
        out->is_unix = true;
        out->host = dupn("unix", 4);
        out->unix_path = dupn(rest, pl);
        out->path = dupn(out->is_websocket ? "/" : "", out->is_websocket ? 1 : 0);
        out->query = dupn(query, strlen(query));
        if (!out->host || !out->unix_path || !out->path || !out->query) goto nomem;
        size_t ql = strlen(query);
        out->resource = malloc(ql + 3);
        if (!out->resource) goto nomem;
        snprintf(out->resource, ql + 3, "/%s%s", qm ? "?" : "", query);
        return WAMP_OK;
    }

    /* host [":" port] */
    const char *hs, *he, *ps = NULL;
    if (al && auth[0] == '[') {
        const char *rb = memchr(auth, ']', al);
        if (!rb) return WAMP_EURL;
        hs = auth + 1;
        he = rb;
        for (const char *c = hs; c < he; c++)
            if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f') ||
                  (*c >= 'A' && *c <= 'F') || *c == ':' || *c == '.'))
                return WAMP_EURL;
        if (he == hs || !memchr(hs, ':', (size_t)(he - hs))) return WAMP_EURL;
        out->is_ipv6 = true;
        if (rb + 1 < auth + al) {
            if (rb[1] != ':') return WAMP_EURL;
            ps = rb + 2;
        }
    } else {
        hs = auth;
        const char *colon = memchr(auth, ':', al);
        he = colon ? colon : auth + al;
        if (colon) ps = colon + 1;
        for (const char *c = hs; c < he; c++)
            if (!host_char(*c)) return WAMP_EURL;
    }
    if (he == hs) return WAMP_EURL;
    unsigned long port = out->is_secure ? 443 : 80;
    if (ps && ps < auth + al) { /* "host:" with an empty port means the default, as urlparse */
        const char *pe = auth + al;
        if (pe - ps > 5) return WAMP_EURL;
        port = 0;
        for (const char *c = ps; c < pe; c++) {
            if (*c < '0' || *c > '9') return WAMP_EURL;
            port = port * 10 + (unsigned long)(*c - '0');
        }
        if (port < 1 || port > 65535) return WAMP_EURL;
    }
    out->port = (uint16_t)port;
    if (!out->is_websocket) {
        /* RawSocket over TCP: no path, no query (Autobahn refuses even "/") */
        if (pl || qm) return WAMP_EURL;
    }
    out->host = dupn(hs, (size_t)(he - hs));
    if (!out->host) goto nomem;
    for (char *c = out->host; *c; c++)
        if (*c >= 'A' && *c <= 'Z') *c = (char)(*c + 32);
    if (out->is_websocket && pl == 0)
        out->path = dupn("/", 1);
    else
        out->path = dupn(rest, pl);
    out->query = dupn(query, strlen(query));
    if (!out->path || !out->query) goto nomem;
    size_t rl = strlen(out->path) + strlen(query) + 2;
    out->resource = malloc(rl);
    if (!out->resource) goto nomem;
    snprintf(out->resource, rl, "%s%s%s", out->path, qm ? "?" : "", query);
    return WAMP_OK;
nomem:
    rc = WAMP_ENOMEM;
    wamp_url_free(out);
    return rc;
}

int wamp_url_host_header(const wamp_url *u, char *out, size_t size)
{
    if (!u || !out || size == 0) return WAMP_EINVAL;
    int n;
    if (u->is_unix) {
        n = snprintf(out, size, "localhost");
    } else {
        bool dflt = u->port == (u->is_secure ? 443 : 80);
        const char *lb = u->is_ipv6 ? "[" : "", *rb = u->is_ipv6 ? "]" : "";
        if (dflt)
            n = snprintf(out, size, "%s%s%s", lb, u->host, rb);
        else
            n = snprintf(out, size, "%s%s%s:%u", lb, u->host, rb, (unsigned)u->port);
    }
    return n < 0 || (size_t)n >= size ? WAMP_ERANGE : WAMP_OK;
}
