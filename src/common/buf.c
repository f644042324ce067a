/* Growable byte buffer: capacity doubles, sizes are overflow-checked, and a failed growth
 * leaves the buffer exactly as it was. */
#include <wamp/common.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BUF_MIN_CAP 64
#define BUF_MAX_CAP ((size_t)PTRDIFF_MAX)

void wamp_buf_init(wamp_buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void wamp_buf_free(wamp_buf *b)
{
    if (!b) return;
    free(b->data);
    wamp_buf_init(b);
}

int wamp_buf_reserve(wamp_buf *b, size_t extra)
{
    if (!b) return WAMP_EINVAL;
    /* no object may exceed PTRDIFF_MAX bytes (malloc refuses them anyway) */
    if (extra > BUF_MAX_CAP || b->len > BUF_MAX_CAP - extra) return WAMP_ENOMEM;
    size_t need = b->len + extra;
    if (need <= b->cap) return WAMP_OK;
    size_t cap = b->cap ? b->cap : BUF_MIN_CAP;
    while (cap < need)
        cap = cap > BUF_MAX_CAP / 2 ? need : cap * 2;
    uint8_t *p = realloc(b->data, cap);
    if (!p) return WAMP_ENOMEM;
    b->data = p;
    b->cap = cap;
    return WAMP_OK;
}

int wamp_buf_append(wamp_buf *b, const void *data, size_t n)
{
    if (!b || (!data && n)) return WAMP_EINVAL;
    if (n == 0) return WAMP_OK;
    int rc = wamp_buf_reserve(b, n);
    if (rc) return rc;
    memcpy(b->data + b->len, data, n);
    b->len += n;
    return WAMP_OK;
}

int wamp_buf_append_byte(wamp_buf *b, uint8_t byte)
{
    return wamp_buf_append(b, &byte, 1);
}

void wamp_buf_clear(wamp_buf *b)
{
    if (b) b->len = 0;
}
