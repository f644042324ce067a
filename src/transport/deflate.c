/* permessage-deflate (RFC 7692) with zlib: negotiation both ways and bounded streams. */
#include "transport/deflate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "transport/http.h"

/* ---------------------------------------------------------------- extension header lists */

#define EXT_MAX_PARAMS 16

typedef struct ext_param {
    const char *name, *value; /* value NULL when absent; both point into scratch copies */
    size_t nlen, vlen;
} ext_param;

typedef struct ext_elem {
    const char *name;
    size_t nlen;
    ext_param params[EXT_MAX_PARAMS];
    size_t nparams;
    bool overflow; /* more than EXT_MAX_PARAMS parameters */
} ext_elem;

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* Reads a token at *s into (*p, *n). */
static bool read_token(const char **s, const char **p, size_t *n)
{
    const char *b = *s, *e = b;
    while (*e && wamp__http_is_token(e, 1))
        e++;
    if (e == b) return false;
    *p = b;
    *n = (size_t)(e - b);
    *s = e;
    return true;
}

/* Reads a quoted-string at *s (starting at '"'); unquoted text into buf. */
static bool read_quoted(const char **s, char *buf, size_t size, size_t *n)
{
    const char *c = *s + 1;
    size_t k = 0;
    while (*c && *c != '"') {
        if (*c == '\\') {
            c++;
            if (!*c) return false;
        }
        if (k + 1 >= size) return false;
        buf[k++] = *c++;
    }
    if (*c != '"') return false;
    buf[k] = '\0';
    *n = k;
    *s = c + 1;
    return true;
}

/*
 * Calls fn on every element of the extension list v. Quoted values are unquoted into a
 * scratch buffer. Returns WAMP_OK, WAMP_EHANDSHAKE (syntax), or fn's non-zero result.
 */
typedef int (*ext_fn)(const ext_elem *e, void *ctx);

static int ext_each(const char *v, ext_fn fn, void *ctx)
{
    char scratch[EXT_MAX_PARAMS][32];
    const char *s = v;
    for (;;) {
        while (is_ows(*s) || *s == ',')
            s++;
        if (!*s) return WAMP_OK;
        ext_elem e;
        memset(&e, 0, sizeof e);
        if (!read_token(&s, &e.name, &e.nlen)) return WAMP_EHANDSHAKE;
        for (;;) {
            while (is_ows(*s))
                s++;
            if (*s != ';') break;
            s++;
            while (is_ows(*s))
                s++;
            ext_param prm = {0};
            if (!read_token(&s, &prm.name, &prm.nlen)) return WAMP_EHANDSHAKE;
            while (is_ows(*s))
                s++;
            if (*s == '=') {
                s++;
                while (is_ows(*s))
                    s++;
                if (*s == '"') {
                    if (e.nparams >= EXT_MAX_PARAMS) return WAMP_EHANDSHAKE;
                    char *buf = scratch[e.nparams];
                    if (!read_quoted(&s, buf, sizeof scratch[0], &prm.vlen)) return WAMP_EHANDSHAKE;
                    prm.value = buf;
                } else if (!read_token(&s, &prm.value, &prm.vlen)) {
                    return WAMP_EHANDSHAKE;
                }
            }
            if (e.nparams < EXT_MAX_PARAMS)
                e.params[e.nparams++] = prm;
            else
                e.overflow = true;
        }
        while (is_ows(*s))
            s++;
        if (*s && *s != ',') return WAMP_EHANDSHAKE;
        int rc = fn(&e, ctx);
        if (rc) return rc;
    }
}

static bool name_is(const char *p, size_t n, const char *lit)
{
    return strlen(lit) == n && wamp__ascii_ieqn(p, lit, n);
}

/* Window bits value 8..15 from a parameter value; -1 when absent, 0 when invalid. */
static int bits_value(const ext_param *p)
{
    if (!p->value) return -1;
    if (p->vlen != 1 && p->vlen != 2) return 0;
    int v = 0;
    for (size_t i = 0; i < p->vlen; i++) {
        if (p->value[i] < '0' || p->value[i] > '9') return 0;
        v = v * 10 + (p->value[i] - '0');
    }
    if (p->vlen == 2 && p->value[0] == '0') return 0;
    return v >= 8 && v <= 15 ? v : 0;
}

/* Parses the parameters of a permessage-deflate element. false: invalid (unknown or repeated
 * parameter, bad value). is_offer: client_max_window_bits may come without a value. */
static bool pmd_params(const ext_elem *e, bool is_offer, wamp__pmd_params *out)
{
    memset(out, 0, sizeof *out);
    if (e->overflow) return false;
    bool seen[4] = {false, false, false, false};
    for (size_t i = 0; i < e->nparams; i++) {
        const ext_param *p = &e->params[i];
        int k;
        if (name_is(p->name, p->nlen, "server_no_context_takeover"))
            k = 0;
        else if (name_is(p->name, p->nlen, "client_no_context_takeover"))
            k = 1;
        else if (name_is(p->name, p->nlen, "server_max_window_bits"))
            k = 2;
        else if (name_is(p->name, p->nlen, "client_max_window_bits"))
            k = 3;
        else
            return false;
        if (seen[k]) return false;
        seen[k] = true;
        if (k == 0 || k == 1) {
            if (p->value) return false;
            if (k == 0) out->server_no_context_takeover = true;
            if (k == 1) out->client_no_context_takeover = true;
        } else {
            int b = bits_value(p);
            if (b == 0) return false;
            if (b == -1 && (k == 2 || !is_offer)) return false;
            if (k == 2) out->server_max_window_bits = b;
            if (k == 3) out->client_max_window_bits = b;
        }
    }
    return true;
}

/* ---------------------------------------------------------------- negotiation */

int wamp__pmd_offer(const wamp_deflate_options *o, char *out, size_t size)
{
    int n = snprintf(out, size, "permessage-deflate%s%s",
                     o->server_no_context_takeover ? "; server_no_context_takeover" : "",
                     o->client_no_context_takeover ? "; client_no_context_takeover" : "");
    if (n < 0 || (size_t)n >= size) return WAMP_ERANGE;
    size_t used = (size_t)n;
    if (o->server_max_window_bits)
        n = snprintf(out + used, size - used, "; server_max_window_bits=%u",
                     o->server_max_window_bits);
    else
        n = 0;
    if (n < 0 || (size_t)n >= size - used) return WAMP_ERANGE;
    used += (size_t)n;
    if (o->client_max_window_bits)
        n = snprintf(out + used, size - used, "; client_max_window_bits=%u",
                     o->client_max_window_bits);
    else
        n = snprintf(out + used, size - used, "; client_max_window_bits");
    if (n < 0 || (size_t)n >= size - used) return WAMP_ERANGE;
    return WAMP_OK;
}

typedef struct accept_ctx {
    const wamp_deflate_options *o;
    wamp__pmd_agreed *agreed;
    char *resp;
    size_t size;
    bool done;
} accept_ctx;

static int accept_one(const ext_elem *e, void *vctx)
{
    accept_ctx *c = vctx;
    if (c->done || !name_is(e->name, e->nlen, "permessage-deflate")) return 0;
    wamp__pmd_params p;
    if (!pmd_params(e, true, &p)) return 0; /* decline this offer, try the next */
    const wamp_deflate_options *o = c->o;
    int smwb = 0;
    if (p.server_max_window_bits && o->server_max_window_bits)
        smwb = p.server_max_window_bits < (int)o->server_max_window_bits
                   ? p.server_max_window_bits
                   : (int)o->server_max_window_bits;
    else if (p.server_max_window_bits)
        smwb = p.server_max_window_bits;
    else if (o->server_max_window_bits)
        smwb = (int)o->server_max_window_bits;
    if (smwb == 8) return 0; /* zlib cannot compress raw deflate with a 256-byte window */
    int cmwb = 0;
    if (p.client_max_window_bits && o->client_max_window_bits) {
        cmwb = (int)o->client_max_window_bits;
        if (p.client_max_window_bits > 0 && p.client_max_window_bits < cmwb)
            cmwb = p.client_max_window_bits;
    }
    bool snct = p.server_no_context_takeover || o->server_no_context_takeover;
    bool cnct = o->client_no_context_takeover || p.client_no_context_takeover;
    char bits1[40] = "", bits2[40] = "";
    if (smwb) snprintf(bits1, sizeof bits1, "; server_max_window_bits=%d", smwb);
    if (cmwb) snprintf(bits2, sizeof bits2, "; client_max_window_bits=%d", cmwb);
    int n = snprintf(c->resp, c->size, "permessage-deflate%s%s%s%s",
                     snct ? "; server_no_context_takeover" : "",
                     cnct ? "; client_no_context_takeover" : "", bits1, bits2);
    if (n < 0 || (size_t)n >= c->size) return 0;
    c->agreed->own_no_context_takeover = snct;
    c->agreed->peer_no_context_takeover = cnct || p.client_no_context_takeover;
    c->agreed->own_window_bits = smwb ? smwb : 15;
    c->done = true;
    return 0;
}

int wamp__pmd_accept(const wamp_deflate_options *o, const wamp_http_message *req,
                     wamp__pmd_agreed *agreed, char *resp, size_t size)
{
    accept_ctx c = {o, agreed, resp, size, false};
    for (size_t i = 0; i < req->header_count; i++) {
        if (!wamp__ascii_ieq(req->headers[i].name, "Sec-WebSocket-Extensions")) continue;
        int rc = ext_each(req->headers[i].value, accept_one, &c);
        if (rc) return rc;
    }
    return c.done ? 1 : 0;
}

typedef struct check_ctx {
    const wamp_deflate_options *o;
    wamp__pmd_agreed *agreed;
    int count;
    bool bad;
} check_ctx;

static int check_one(const ext_elem *e, void *vctx)
{
    check_ctx *c = vctx;
    const wamp_deflate_options *o = c->o;
    if (!o->enabled || !name_is(e->name, e->nlen, "permessage-deflate") || c->count++ > 0) {
        c->bad = true;
        return 0;
    }
    wamp__pmd_params p;
    if (!pmd_params(e, false, &p)) {
        c->bad = true;
        return 0;
    }
    if (o->server_no_context_takeover && !p.server_no_context_takeover) c->bad = true;
    if (o->server_max_window_bits &&
        (!p.server_max_window_bits || p.server_max_window_bits > (int)o->server_max_window_bits))
        c->bad = true;
    /* we always offer client_max_window_bits; with a value, the answer may not exceed it */
    if (o->client_max_window_bits && p.client_max_window_bits > (int)o->client_max_window_bits)
        c->bad = true;
    int own = p.client_max_window_bits
                  ? p.client_max_window_bits
                  : (o->client_max_window_bits ? (int)o->client_max_window_bits : 15);
    c->agreed->own_no_context_takeover =
        p.client_no_context_takeover || o->client_no_context_takeover;
    c->agreed->peer_no_context_takeover = p.server_no_context_takeover;
    c->agreed->own_window_bits = own < 9 ? 9 : own;
    return 0;
}

int wamp__pmd_check_response(const wamp_deflate_options *o, const wamp_http_message *resp,
                             wamp__pmd_agreed *agreed)
{
    check_ctx c = {o, agreed, 0, false};
    for (size_t i = 0; i < resp->header_count; i++) {
        if (!wamp__ascii_ieq(resp->headers[i].name, "Sec-WebSocket-Extensions")) continue;
        int rc = ext_each(resp->headers[i].value, check_one, &c);
        if (rc) return rc;
    }
    if (c.bad) return WAMP_EHANDSHAKE;
    return c.count ? 1 : 0;
}

/* ---------------------------------------------------------------- zlib streams */

struct wamp__pmd {
    z_stream def, inf;
    wamp__pmd_agreed agreed;
};

int wamp__pmd_new(wamp__pmd **out, const wamp__pmd_agreed *agreed)
{
    wamp__pmd *p = calloc(1, sizeof *p);
    if (!p) return WAMP_ENOMEM;
    p->agreed = *agreed;
    int bits = agreed->own_window_bits < 9 ? 9 : agreed->own_window_bits;
    if (bits > 15) bits = 15;
    if (deflateInit2(&p->def, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -bits, 8, Z_DEFAULT_STRATEGY) !=
        Z_OK) {
        free(p);
        return WAMP_ENOMEM;
    }
    if (inflateInit2(&p->inf, -15) != Z_OK) {
        deflateEnd(&p->def);
        free(p);
        return WAMP_ENOMEM;
    }
    *out = p;
    return WAMP_OK;
}

void wamp__pmd_free(wamp__pmd *p)
{
    if (!p) return;
    deflateEnd(&p->def);
    inflateEnd(&p->inf);
    free(p);
}

int wamp__pmd_deflate(wamp__pmd *p, const uint8_t *in, size_t n, wamp__tbuf *out)
{
    size_t start = out->len;
    z_stream *z = &p->def;
    z->next_in = (Bytef *)(uintptr_t)in;
    z->avail_in = 0;
    size_t left = n;
    int rc = WAMP_OK;
    for (;;) {
        if (z->avail_in == 0 && left) {
            uInt chunk = left > (1u << 30) ? (1u << 30) : (uInt)left;
            z->avail_in = chunk;
            left -= chunk;
        }
        size_t room = 256 + (z->avail_in / 2);
        if ((rc = wamp__tbuf_reserve(out, room)) != WAMP_OK) break;
        z->next_out = out->data + out->len;
        z->avail_out = (uInt)(out->cap - out->len > (1u << 30) ? (1u << 30) : out->cap - out->len);
        uInt before = z->avail_out;
        int zr = deflate(z, left ? Z_NO_FLUSH : Z_SYNC_FLUSH);
        out->len += before - z->avail_out;
        if (zr != Z_OK && zr != Z_BUF_ERROR) {
            rc = WAMP_ENOMEM;
            break;
        }
        if (!left && z->avail_in == 0 && z->avail_out != 0) break;
    }
    if (rc == WAMP_OK) {
        if (out->len - start >= 4 && !memcmp(out->data + out->len - 4, "\x00\x00\xff\xff", 4))
            out->len -= 4;
        /* Nothing left (an empty message: zlib had nothing to flush): send a single 0x00, an
         * empty non-final stored block once the receiver appends 00 00 ff ff (RFC 7692
         * 7.2.3.6). An empty payload would leave the peer's inflater in the middle of a block. */
        if (out->len == start) rc = wamp__tbuf_append(out, "", 1);
    } else {
        out->len = start;
    }
    if (p->agreed.own_no_context_takeover || rc != WAMP_OK) deflateReset(z);
    return rc;
}

static int inflate_some(wamp__pmd *p, const uint8_t *in, size_t n, wamp__tbuf *out, size_t max)
{
    z_stream *z = &p->inf;
    z->next_in = (Bytef *)(uintptr_t)in;
    z->avail_in = (uInt)n; /* frames are bounded by max (<= SIZE_MAX), chunked by the caller */
    while (z->avail_in > 0) {
        if (out->len >= max) {
            /* no room: any further output exceeds the limit; probe for one byte */
            uint8_t probe;
            z->next_out = &probe;
            z->avail_out = 1;
            int zr = inflate(z, Z_SYNC_FLUSH);
            if (zr == Z_STREAM_END) {
                inflateReset(z);
                continue;
            }
            if (zr != Z_OK && zr != Z_BUF_ERROR) return WAMP_EFRAME;
            if (z->avail_out == 0) return WAMP_ETOOBIG;
            if (zr == Z_BUF_ERROR) break;
            continue;
        }
        size_t room = max - out->len;
        size_t want = room < 65536 ? room : 65536;
        if (wamp__tbuf_reserve(out, want)) return WAMP_ENOMEM;
        z->next_out = out->data + out->len;
        z->avail_out = (uInt)want;
        int zr = inflate(z, Z_SYNC_FLUSH);
        out->len += want - z->avail_out;
        if (zr == Z_STREAM_END) {
            /* a block with BFINAL set: the stream restarts for what follows (RFC 7692 7.2.3.4) */
            inflateReset(z);
            continue;
        }
        if (zr == Z_BUF_ERROR) {
            if (z->avail_out == 0) continue; /* needs room */
            break;                           /* needs input */
        }
        if (zr != Z_OK) return WAMP_EFRAME;
    }
    return WAMP_OK;
}

int wamp__pmd_inflate(wamp__pmd *p, const uint8_t *in, size_t n, bool fin, wamp__tbuf *out,
                      size_t max)
{
    while (n > 0) {
        size_t chunk = n > (1u << 30) ? (1u << 30) : n;
        int rc = inflate_some(p, in, chunk, out, max);
        if (rc) {
            inflateReset(&p->inf);
            return rc;
        }
        in += chunk;
        n -= chunk;
    }
    if (fin) {
        static const uint8_t tail[4] = {0x00, 0x00, 0xff, 0xff};
        int rc = inflate_some(p, tail, 4, out, max);
        if (rc || p->agreed.peer_no_context_takeover) inflateReset(&p->inf);
        return rc;
    }
    return WAMP_OK;
}
