/* Arena: a chunked bump allocator. The first block lives in the same malloc as the arena
 * header and survives wamp_arena_reset(); later blocks grow geometrically; an allocation too
 * large for the next block gets a block of its own so the current block keeps its free space. */
#include <wamp/value.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN        16u
#define ARENA_DEFAULT_HINT 4096u
#define ARENA_MAX_GROWTH   (1u << 20)     /* later blocks double up to 1 MiB */
#define ARENA_MAX_ALLOC    (SIZE_MAX / 4) /* beyond this no size arithmetic can wrap */

typedef struct arena_block {
    struct arena_block *next; /* chain of extra blocks, newest first */
    unsigned char *base;      /* first usable byte, ARENA_ALIGN-aligned */
    size_t cap;               /* usable bytes from base */
    size_t used;              /* bytes consumed from base */
} arena_block;

struct wamp_arena {
    arena_block *cur;   /* block being bump-allocated from */
    arena_block *extra; /* every block but the first (normal and huge) */
    size_t handed;      /* bytes requested since creation or reset */
    size_t next_size;   /* usable size of the next normal block */
    arena_block first;  /* its memory follows this struct */
};

static size_t align_up(size_t n)
{
    return (n + (ARENA_ALIGN - 1)) & ~(size_t)(ARENA_ALIGN - 1);
}

/* base aligned inside a malloc'd region that starts at p, with ARENA_ALIGN - 1 bytes of slack. */
static unsigned char *aligned_base(void *p)
{
    uintptr_t u = (uintptr_t)p;
    return (unsigned char *)p + ((ARENA_ALIGN - (u & (ARENA_ALIGN - 1))) & (ARENA_ALIGN - 1));
}

wamp_arena *wamp_arena_new(size_t hint)
{
    if (hint == 0) hint = ARENA_DEFAULT_HINT;
    if (hint > ARENA_MAX_ALLOC) return NULL;
    hint = align_up(hint);
    wamp_arena *a = malloc(sizeof(wamp_arena) + hint + ARENA_ALIGN - 1);
    if (!a) return NULL;
    a->first.next = NULL;
    a->first.base = aligned_base(a + 1);
    a->first.cap = hint;
    a->first.used = 0;
    a->cur = &a->first;
    a->extra = NULL;
    a->handed = 0;
    a->next_size = hint < ARENA_MAX_GROWTH ? hint * 2 : hint;
    return a;
}

static void free_extra(wamp_arena *a)
{
    arena_block *b = a->extra;
    while (b) {
        arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->extra = NULL;
}

void wamp_arena_free(wamp_arena *a)
{
    if (!a) return;
    free_extra(a);
    free(a);
}

void wamp_arena_reset(wamp_arena *a)
{
    if (!a) return;
    free_extra(a);
    a->first.used = 0;
    a->cur = &a->first;
    a->handed = 0;
    a->next_size = a->first.cap < ARENA_MAX_GROWTH ? a->first.cap * 2 : a->first.cap;
}

static arena_block *block_new(size_t cap)
{
    arena_block *b = malloc(sizeof(arena_block) + cap + ARENA_ALIGN - 1);
    if (!b) return NULL;
    b->base = aligned_base(b + 1);
    b->cap = cap;
    b->used = 0;
    return b;
}

void *wamp_arena_alloc(wamp_arena *a, size_t size)
{
    if (!a || size > ARENA_MAX_ALLOC) return NULL;
    size_t r = align_up(size ? size : 1);
    arena_block *b = a->cur;
    if (b->cap - b->used < r) {
        if (r > a->next_size / 2) {
            /* huge: own block, linked in without disturbing the current one */
            b = block_new(r);
            if (!b) return NULL;
            b->next = a->extra;
            a->extra = b;
        } else {
            b = block_new(a->next_size);
            if (!b) return NULL;
            b->next = a->extra;
            a->extra = b;
            a->cur = b;
            if (a->next_size < ARENA_MAX_GROWTH) a->next_size *= 2;
        }
    }
    void *p = b->base + b->used;
    b->used += r;
    a->handed += size;
    return p;
}

void *wamp_arena_calloc(wamp_arena *a, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size) return NULL;
    void *p = wamp_arena_alloc(a, count * size);
    if (p) memset(p, 0, count * size);
    return p;
}

char *wamp_arena_strndup(wamp_arena *a, const char *s, size_t n)
{
    if ((!s && n) || n == SIZE_MAX) return NULL;
    char *p = wamp_arena_alloc(a, n + 1);
    if (!p) return NULL;
    if (n) memcpy(p, s, n);
    p[n] = 0;
    return p;
}

size_t wamp_arena_used(const wamp_arena *a)
{
    return a ? a->handed : 0;
}
