/*
 * A strict HTTP/1.1 head parser, just enough for the WebSocket opening handshake (RFC 6455 §4,
 * RFC 9110/9112). Written by hand because the handshake needs only request/status line and
 * header fields with hard bounds, and the common C parsers (llhttp, picohttpparser) are not
 * Debian-packaged dependencies of this project. Bounds: the caller limits the head size; the
 * parser limits the header count; no obs-fold, no bare LF, no control characters.
 */
#include "transport/http.h"

#include <stdlib.h>
#include <string.h>

#include "transport/framer.h"

size_t wamp__http_head_end(const uint8_t *data, size_t len, size_t *scan)
{
    size_t i = *scan >= 3 ? *scan - 3 : 0;
    for (; i + 4 <= len; i++) {
        if (data[i] == '\r' && data[i + 1] == '\n' && data[i + 2] == '\r' && data[i + 3] == '\n')
            return i + 4;
    }
    *scan = len;
    return 0;
}

static bool is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

bool wamp__http_is_token(const char *s, size_t n)
{
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++)
        if (!is_tchar((unsigned char)s[i])) return false;
    return true;
}

/* field-value characters: VCHAR, obs-text, SP, HTAB */
static bool is_vchar(unsigned char c)
{
    return c == ' ' || c == '\t' || (c > 0x20 && c != 0x7F);
}

static char *trim(char *s, char *end)
{
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    *end = '\0';
    return s;
}

/* Parses "HTTP/1.x" at s; returns the minor digit or -1. */
static int http_version(const char *s, size_t n)
{
    if (n != 8 || memcmp(s, "HTTP/1.", 7) != 0 || s[7] < '0' || s[7] > '9') return -1;
    return s[7] - '0';
}

static int parse_start_line(wamp__http *h, char *line, char *end, bool is_request)
{
    wamp_http_message *m = &h->msg;
    for (char *p = line; p < end; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7F) return WAMP_EHANDSHAKE;
    if (is_request) {
        char *sp1 = memchr(line, ' ', (size_t)(end - line));
        if (!sp1) return WAMP_EHANDSHAKE;
        char *sp2 = memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1));
        if (!sp2) return WAMP_EHANDSHAKE;
        if (!wamp__http_is_token(line, (size_t)(sp1 - line))) return WAMP_EHANDSHAKE;
        if (sp2 == sp1 + 1) return WAMP_EHANDSHAKE;
        for (char *p = sp1 + 1; p < sp2; p++)
            if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7F) return WAMP_EHANDSHAKE;
        int minor = http_version(sp2 + 1, (size_t)(end - sp2 - 1));
        if (minor < 0) return WAMP_EHANDSHAKE;
        *sp1 = '\0';
        *sp2 = '\0';
        *end = '\0';
        m->is_request = true;
        m->method = line;
        m->target = sp1 + 1;
        m->version_minor = minor;
        return WAMP_OK;
    }
    /* HTTP/1.1 SP 3DIGIT SP reason (the reason may be empty, the SP before it too) */
    size_t n = (size_t)(end - line);
    if (n < 12 || line[8] != ' ') return WAMP_EHANDSHAKE;
    int minor = http_version(line, 8);
    if (minor < 0) return WAMP_EHANDSHAKE;
    int status = 0;
    for (int i = 9; i < 12; i++) {
        if (line[i] < '0' || line[i] > '9') return WAMP_EHANDSHAKE;
        status = status * 10 + (line[i] - '0');
    }
    if (n > 12 && line[12] != ' ') return WAMP_EHANDSHAKE;
    *end = '\0';
    m->is_request = false;
    m->status = status;
    m->version_minor = minor;
    m->reason = n > 12 ? line + 13 : end;
    return WAMP_OK;
}

static int add_cookies(wamp__http *h, char *v, size_t *cap)
{
    /* cookie-string = cookie-pair *( ";" SP cookie-pair ); parsed leniently: pairs without '='
     * are skipped, surrounding spaces trimmed, a quoted value unquoted. */
    while (*v) {
        char *semi = strchr(v, ';');
        char *end = semi ? semi : v + strlen(v);
        char *eq = memchr(v, '=', (size_t)(end - v));
        if (eq) {
            char *name = trim(v, eq);
            char *val = trim(eq + 1, end);
            size_t vl = strlen(val);
            if (vl >= 2 && val[0] == '"' && val[vl - 1] == '"') {
                val[vl - 1] = '\0';
                val++;
            }
            if (*name) {
                if (h->msg.cookie_count == *cap) {
                    size_t nc = *cap ? *cap * 2 : 8;
                    wamp_http_header *p = realloc(h->cookies, nc * sizeof *p);
                    if (!p) return WAMP_ENOMEM;
                    h->cookies = p;
                    *cap = nc;
                }
                h->cookies[h->msg.cookie_count].name = name;
                h->cookies[h->msg.cookie_count].value = val;
                h->msg.cookie_count++;
            }
        }
        if (!semi) break;
        v = semi + 1;
    }
    return WAMP_OK;
}

int wamp__http_parse(wamp__http *h, const uint8_t *data, size_t len, bool is_request,
                     size_t max_headers)
{
    memset(h, 0, sizeof *h);
    if (len < 4 || memcmp(data + len - 4, "\r\n\r\n", 4) != 0) return WAMP_EHANDSHAKE;
    int rc = WAMP_EHANDSHAKE;
    h->store = malloc(len + 1);
    if (!h->store) return WAMP_ENOMEM;
    memcpy(h->store, data, len);
    h->store[len] = '\0';
    char *p = h->store, *stop = h->store + len - 2; /* the final CRLF */
    /* NUL bytes are never valid in a head */
    if (memchr(h->store, '\0', len)) goto fail;
    char *eol = strstr(p, "\r\n");
    if (!eol || eol == p) goto fail;
    rc = parse_start_line(h, p, eol, is_request);
    if (rc) goto fail;
    rc = WAMP_EHANDSHAKE;
    p = eol + 2;
    size_t count = 0;
    for (char *q = p; q < stop; q = strstr(q, "\r\n") + 2)
        count++;
    if (count > max_headers) {
        rc = WAMP_ELIMIT;
        goto fail;
    }
    h->headers = calloc(count ? count : 1, sizeof *h->headers);
    if (!h->headers) {
        rc = WAMP_ENOMEM;
        goto fail;
    }
    size_t cookie_cap = 0, cstore_off = 0;
    while (p < stop) {
        eol = strstr(p, "\r\n");
        char *colon = memchr(p, ':', (size_t)(eol - p));
        if (!colon || !wamp__http_is_token(p, (size_t)(colon - p))) goto fail; /* incl. obs-fold */
        for (char *c = colon + 1; c < eol; c++)
            if (!is_vchar((unsigned char)*c)) goto fail; /* bare CR or LF, controls */
        *colon = '\0';
        char *value = trim(colon + 1, eol);
        wamp_http_header *hd = &h->headers[h->msg.header_count++];
        hd->name = p;
        hd->value = value;
        if (is_request && wamp__ascii_ieq(p, "Cookie")) {
            /* add_cookies cuts its input in pieces: give it a copy in the cookie store */
            if (!h->cstore && !(h->cstore = malloc(len + 1))) {
                rc = WAMP_ENOMEM;
                goto fail;
            }
            size_t vl = strlen(value);
            char *copy = h->cstore + cstore_off;
            memcpy(copy, value, vl + 1);
            cstore_off += vl + 1;
            rc = add_cookies(h, copy, &cookie_cap);
            if (rc) goto fail;
            rc = WAMP_EHANDSHAKE;
        }
        p = eol + 2;
    }
    h->msg.headers = h->headers;
    h->msg.cookies = h->cookies;
    if (is_request) {
        /* split target into path and query: copy them behind the head in a fresh block */
        const char *t = h->msg.target;
        size_t tl = strlen(t);
        char *pq = malloc(2 * tl + 2);
        if (!pq) {
            rc = WAMP_ENOMEM;
            goto fail;
        }
        memcpy(pq, t, tl + 1);
        char *qm = strchr(pq, '?');
        char *qry = pq + tl + 1;
        if (qm) {
            strcpy(qry, qm + 1);
            *qm = '\0';
        } else {
            *qry = '\0';
        }
        h->msg.path = pq;
        h->msg.query = qry;
    } else {
        h->msg.method = h->msg.target = h->msg.path = h->msg.query = NULL;
    }
    return WAMP_OK;
fail:
    wamp__http_free(h);
    return rc;
}

void wamp__http_free(wamp__http *h)
{
    if (h->msg.is_request && h->msg.path) free((char *)h->msg.path);
    free(h->store);
    free(h->headers);
    free(h->cookies);
    free(h->cstore);
    memset(h, 0, sizeof *h);
}

/* ---------------------------------------------------------------- public look-ups */

const char *wamp_http_get(const wamp_http_message *m, const char *name)
{
    if (!m || !name) return NULL;
    for (size_t i = 0; i < m->header_count; i++)
        if (wamp__ascii_ieq(m->headers[i].name, name)) return m->headers[i].value;
    return NULL;
}

const char *wamp_http_cookie(const wamp_http_message *m, const char *name)
{
    if (!m || !name) return NULL;
    for (size_t i = 0; i < m->cookie_count; i++)
        if (strcmp(m->cookies[i].name, name) == 0) return m->cookies[i].value;
    return NULL;
}

bool wamp_http_has_token(const wamp_http_message *m, const char *name, const char *token)
{
    if (!m || !name || !token) return false;
    size_t tl = strlen(token);
    for (size_t i = 0; i < m->header_count; i++) {
        if (!wamp__ascii_ieq(m->headers[i].name, name)) continue;
        const char *v = m->headers[i].value;
        while (*v) {
            while (*v == ' ' || *v == '\t' || *v == ',')
                v++;
            const char *s = v;
            while (*v && *v != ',')
                v++;
            const char *e = v;
            while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
                e--;
            if ((size_t)(e - s) == tl && wamp__ascii_ieqn(s, token, tl)) return true;
        }
    }
    return false;
}
