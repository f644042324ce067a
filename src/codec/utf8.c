/*
 * UTF-8 validation (RFC 3629): no overlong forms, no UTF-16 surrogates (U+D800..U+DFFF), nothing
 * above U+10FFFF, no truncated sequences.
 *
 * Written by hand because it sits on every string of every codec: an ASCII fast path checks eight
 * bytes per step, and multi-byte sequences are checked by utf8.h's wamp__utf8_seq() (shared with
 * the JSON scanner so that both agree byte for byte).
 */
#include "codec/utf8.h"

#include <string.h>

bool wamp__utf8_valid(const uint8_t *s, size_t n)
{
    const uint8_t *p = s, *end = s + n;
    while (p < end) {
        /* ASCII fast path: eight bytes at a time while no byte has its top bit set. */
        while (end - p >= 8) {
            uint64_t w;
            memcpy(&w, p, 8);
            if (w & 0x8080808080808080ull) break;
            p += 8;
        }
        if (p == end) break;
        if (*p < 0x80) {
            p++;
            continue;
        }
        size_t k = wamp__utf8_seq(p, (size_t)(end - p));
        if (!k) return false;
        p += k;
    }
    return true;
}
