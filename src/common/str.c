/* String slices. */
#include <wamp/common.h>

#include <stdlib.h>
#include <string.h>

#include "common/str_int.h"

wamp_str wamp_str_c(const char *s)
{
    wamp_str r = {s, s ? strlen(s) : 0};
    return r;
}

bool wamp_str_eq(wamp_str a, wamp_str b)
{
    if (a.len != b.len) return false;
    if (a.len == 0 || a.ptr == b.ptr) return true;
    if (!a.ptr || !b.ptr) return false;
    return memcmp(a.ptr, b.ptr, a.len) == 0;
}

bool wamp_str_eqc(wamp_str s, const char *c)
{
    return wamp_str_eq(s, wamp_str_c(c));
}

char *wamp__strdup(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}
