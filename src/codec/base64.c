/*
 * Standard base64 (RFC 4648 §4, alphabet A-Z a-z 0-9 + /, '=' padding), as used by the WAMP JSON
 * binary convention. Written by hand (a few table lookups) rather than pulling OpenSSL's BIO or
 * EVP_DecodeBlock, which accept whitespace and do not report the padding-adjusted length.
 *
 * Decoding is strict: the length must be a multiple of 4, '=' may only appear as one or two final
 * pad characters, and nothing outside the alphabet is accepted (no whitespace, no URL-safe
 * alphabet). Non-zero bits under the padding are ignored, as Python's base64.b64decode does.
 */
#include "codec/codec.h"

static const char enc_tab[64] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* 0..63 for alphabet characters, 0xFF otherwise. */
static const uint8_t dec_tab[256] = {
#define X 0xFF
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    62,
    X,
    X,
    X,
    63,
    52,
    53,
    54,
    55,
    56,
    57,
    58,
    59,
    60,
    61,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    11,
    12,
    13,
    14,
    15,
    16,
    17,
    18,
    19,
    20,
    21,
    22,
    23,
    24,
    25,
    X,
    X,
    X,
    X,
    X,
    X,
    26,
    27,
    28,
    29,
    30,
    31,
    32,
    33,
    34,
    35,
    36,
    37,
    38,
    39,
    40,
    41,
    42,
    43,
    44,
    45,
    46,
    47,
    48,
    49,
    50,
    51,
    X,
    X,
    X,
    X,
    X,
    /* 128..255 */
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
#undef X
};

size_t wamp__base64_encoded_len(size_t n)
{
    return (n + 2) / 3 * 4;
}

void wamp__base64_encode(const uint8_t *in, size_t n, char *out)
{
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[0] = enc_tab[v >> 18];
        out[1] = enc_tab[(v >> 12) & 63];
        out[2] = enc_tab[(v >> 6) & 63];
        out[3] = enc_tab[v & 63];
        out += 4;
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[0] = enc_tab[v >> 18];
        out[1] = enc_tab[(v >> 12) & 63];
        out[2] = '=';
        out[3] = '=';
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[0] = enc_tab[v >> 18];
        out[1] = enc_tab[(v >> 12) & 63];
        out[2] = enc_tab[(v >> 6) & 63];
        out[3] = '=';
    }
}

/* Decodes in place safely too: out may equal in (or lie before it), since every 4 characters
 * read produce at most 3 bytes written behind them. */
long wamp__base64_decode(const char *in, size_t n, uint8_t *out)
{
    if (n % 4) return -1;
    if (n == 0) return 0;
    const uint8_t *s = (const uint8_t *)in;
    size_t full = n - 4, o = 0;
    for (size_t i = 0; i < full; i += 4) {
        uint32_t a = dec_tab[s[i]], b = dec_tab[s[i + 1]], c = dec_tab[s[i + 2]],
                 d = dec_tab[s[i + 3]];
        if ((a | b | c | d) & 0x80) return -1;
        uint32_t v = a << 18 | b << 12 | c << 6 | d;
        out[o] = (uint8_t)(v >> 16);
        out[o + 1] = (uint8_t)(v >> 8);
        out[o + 2] = (uint8_t)v;
        o += 3;
    }
    /* Last quantum: may carry one or two pad characters. */
    const uint8_t *q = s + full;
    uint32_t a = dec_tab[q[0]], b = dec_tab[q[1]];
    if ((a | b) & 0x80) return -1;
    if (q[2] == '=') {
        if (q[3] != '=') return -1;
        out[o++] = (uint8_t)((a << 2) | (b >> 4));
        return (long)o;
    }
    uint32_t c = dec_tab[q[2]];
    if (c & 0x80) return -1;
    if (q[3] == '=') {
        uint32_t v = a << 18 | b << 12 | c << 6;
        out[o] = (uint8_t)(v >> 16);
        out[o + 1] = (uint8_t)(v >> 8);
        return (long)(o + 2);
    }
    uint32_t d = dec_tab[q[3]];
    if (d & 0x80) return -1;
    uint32_t v = a << 18 | b << 12 | c << 6 | d;
    out[o] = (uint8_t)(v >> 16);
    out[o + 1] = (uint8_t)(v >> 8);
    out[o + 2] = (uint8_t)v;
    return (long)(o + 3);
}
