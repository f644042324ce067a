/* Internal UTF-8 helpers shared by the codecs (see utf8.c; wamp__utf8_valid is in codec.h). */
#ifndef WAMP_CODEC_UTF8_H
#define WAMP_CODEC_UTF8_H

#include "codec/codec.h"

/*
 * Length (2..4) of the well-formed multi-byte UTF-8 sequence at s (s[0] >= 0x80), of which `avail`
 * bytes are readable, or 0 when it is malformed: a stray continuation byte, an overlong form, a
 * surrogate, a code point above U+10FFFF, or a truncated sequence (RFC 3629 table 3-7).
 */
static inline size_t wamp__utf8_seq(const uint8_t *s, size_t avail)
{
    uint8_t c = s[0];
    if (c < 0xC2) return 0; /* continuation byte or overlong 2-byte lead (C0, C1) */
    if (c < 0xE0) {
        if (avail < 2 || (s[1] & 0xC0) != 0x80) return 0;
        return 2;
    }
    if (c < 0xF0) {
        if (avail < 3 || (s[2] & 0xC0) != 0x80) return 0;
        uint8_t c1 = s[1];
        if (c == 0xE0) {
            if (c1 < 0xA0 || c1 > 0xBF) return 0; /* overlong */
        } else if (c == 0xED) {
            if (c1 < 0x80 || c1 > 0x9F) return 0; /* surrogates */
        } else if ((c1 & 0xC0) != 0x80) {
            return 0;
        }
        return 3;
    }
    if (c > 0xF4 || avail < 4 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80) return 0;
    uint8_t c1 = s[1];
    if (c == 0xF0) {
        if (c1 < 0x90 || c1 > 0xBF) return 0; /* overlong */
    } else if (c == 0xF4) {
        if (c1 < 0x80 || c1 > 0x8F) return 0; /* above U+10FFFF */
    } else if ((c1 & 0xC0) != 0x80) {
        return 0;
    }
    return 4;
}

/* Writes code point cp (<= 0x10FFFF, not a surrogate) as UTF-8 at out; returns 1..4. */
static inline size_t wamp__utf8_put(uint32_t cp, uint8_t *out)
{
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xC0 | (cp >> 6));
        out[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xE0 | (cp >> 12));
        out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | (cp >> 18));
    out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

#endif
