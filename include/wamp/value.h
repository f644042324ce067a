/*
 * libwamp — dynamic values: the data of WAMP args, kwargs, options and details.
 *
 * A wamp_value is a small tagged union: null, bool, int64, uint64, double, string, bytes,
 * list, dict, and raw (a span of still-encoded bytes and the serializer it is in).
 *
 * Memory model
 * ------------
 * Every value that needs memory (strings, bytes, containers) lives in a wamp_arena. Freeing
 * the arena frees every value in it at once; there is no per-value free. Decoders allocate
 * one arena per message. Values may *borrow* bytes they do not own (string and bytes built
 * with the _borrow constructors, strings a decoder took straight from its input buffer, raw
 * spans): the borrowed memory must outlive every use of the value. wamp_value_copy() makes a
 * deep copy that owns everything it points to (in the destination arena).
 *
 * Containers store their elements inline (a list is an array of wamp_value, a dict an array
 * of wamp_kv). A pointer to an element (wamp_value_list_at(), wamp_value_dict_get()) stays
 * valid until the *same* container grows again, like a C++ vector. A value must never contain
 * itself: pushing a container into itself (directly or through a shallow copy that shares its
 * storage) makes a cycle, and the whole-value operations (equal, copy, print) would recurse
 * without end. Decoders never build cycles.
 *
 * The struct is public so that containers can hold values inline and decoders can be fast;
 * read it through the accessors below and build it through the constructors. Integers: a
 * non-negative integer decoded from the wire is WAMP_VALUE_UINT when it exceeds INT64_MAX and
 * WAMP_VALUE_INT otherwise; wamp_value_equal() compares INT and UINT by mathematical value.
 */
#ifndef WAMP_VALUE_H
#define WAMP_VALUE_H

#include <stdio.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- arena */

typedef struct wamp_arena wamp_arena;

/* New arena whose first block holds at least `hint` bytes (0: a default of 4 KiB).
 * Returns NULL when out of memory. Free with wamp_arena_free(). */
WAMP_API wamp_arena *wamp_arena_new(size_t hint);
/* Frees the arena and every value in it. NULL is a no-op. */
WAMP_API void wamp_arena_free(wamp_arena *a);
/* Forgets every allocation but keeps the first block for reuse (later blocks are freed).
 * Every pointer from the arena becomes invalid. NULL is a no-op. */
WAMP_API void wamp_arena_reset(wamp_arena *a);
/* size bytes aligned to 16 (enough for any type), or NULL when out of memory or a is NULL.
 * size 0 gives a valid unique pointer. Memory is not zeroed. */
WAMP_API void *wamp_arena_alloc(wamp_arena *a, size_t size);
/* Like wamp_arena_alloc() and zeroed. */
WAMP_API void *wamp_arena_calloc(wamp_arena *a, size_t count, size_t size);
/* Copies n bytes into the arena and appends a NUL (so the copy is also a C string).
 * NULL when out of memory, or s is NULL with n > 0. */
WAMP_API char *wamp_arena_strndup(wamp_arena *a, const char *s, size_t n);
/* Total bytes requested (sum of the sizes asked for) since creation or the last reset (for
 * statistics and tests). Allocations are 16-byte aligned, so real consumption can be higher. */
WAMP_API size_t wamp_arena_used(const wamp_arena *a);

/* ---------------------------------------------------------------- value */

typedef enum wamp_value_type {
    WAMP_VALUE_NULL = 0,
    WAMP_VALUE_BOOL,
    WAMP_VALUE_INT,    /* int64_t */
    WAMP_VALUE_UINT,   /* uint64_t */
    WAMP_VALUE_DOUBLE,
    WAMP_VALUE_STRING, /* UTF-8 text with length; may hold NUL */
    WAMP_VALUE_BYTES,
    WAMP_VALUE_LIST,
    WAMP_VALUE_DICT, /* string keys, insertion order kept */
    WAMP_VALUE_RAW   /* still-encoded bytes of one value, in serializer `ser` */
} wamp_value_type;

typedef struct wamp_value wamp_value;
typedef struct wamp_kv wamp_kv;

struct wamp_value {
    uint8_t type;  /* wamp_value_type */
    uint8_t ser;   /* RAW: the wamp_serializer_id the bytes are encoded in */
    uint16_t flags;/* internal use */
    uint32_t len;  /* STRING/BYTES/RAW: byte length; LIST/DICT: element count */
    union {
        bool b;
        int64_t i;
        uint64_t u;
        double d;
        const char *s;         /* STRING, BYTES */
        const uint8_t *raw;    /* RAW */
        wamp_value *items;     /* LIST */
        wamp_kv *entries;      /* DICT */
    } as;
    uint32_t cap; /* LIST/DICT: allocated element slots */
};

struct wamp_kv {
    wamp_str key;
    wamp_value value;
};

/* Type name for messages: "null", "bool", "int", "uint", "double", "string", "bytes",
 * "list", "dict", "raw". */
WAMP_API const char *wamp_value_type_name(wamp_value_type t);

/* Constructors of scalars (no memory needed). */
WAMP_API wamp_value wamp_value_null(void);
WAMP_API wamp_value wamp_value_bool(bool b);
WAMP_API wamp_value wamp_value_int(int64_t i);
/* A uint64: stored as INT when it fits in int64 (so equal numbers look alike), else UINT. */
WAMP_API wamp_value wamp_value_uint(uint64_t u);
WAMP_API wamp_value wamp_value_double(double d);

/* Strings and bytes. The plain forms copy into the arena (and NUL-terminate the copy); on
 * out-of-memory they return a NULL value — check with wamp_value_is_null() where it matters,
 * or build through the int-returning *_set helpers below. The _borrow forms store the pointer
 * as is: the memory must outlive the value. Every form also gives a NULL value when len
 * exceeds UINT32_MAX (the width of wamp_value.len), when s/data is NULL with len > 0, or (plain
 * forms) when a is NULL; wamp_value_cstring(a, NULL) is a NULL value too. */
WAMP_API wamp_value wamp_value_string(wamp_arena *a, const char *s, size_t len);
WAMP_API wamp_value wamp_value_cstring(wamp_arena *a, const char *s);
WAMP_API wamp_value wamp_value_string_borrow(const char *s, size_t len);
WAMP_API wamp_value wamp_value_bytes(wamp_arena *a, const void *data, size_t len);
WAMP_API wamp_value wamp_value_bytes_borrow(const void *data, size_t len);
/* A raw span: `len` bytes of one value encoded with serializer `ser` (borrowed). A NULL value
 * when ser is outside 0..255 (or as for the _borrow forms above). */
WAMP_API wamp_value wamp_value_raw_borrow(int ser, const void *data, size_t len);

/* Empty containers (no memory is taken until the first push or reserve). */
WAMP_API wamp_value wamp_value_list(void);
WAMP_API wamp_value wamp_value_dict(void);

/* Appends item to list (copied by value: nested containers are shared, not deep-copied).
 * Storage grows by doubling inside the arena; the old storage is abandoned there.
 * Returns WAMP_OK, WAMP_ENOMEM, WAMP_ERANGE (more than UINT32_MAX elements), or WAMP_EINVAL
 * when list is not a list or growth is needed and a is NULL. */
WAMP_API int wamp_value_list_push(wamp_arena *a, wamp_value *list, wamp_value item);
/* Reserves room for n more elements (same return codes as wamp_value_list_push()). */
WAMP_API int wamp_value_list_reserve(wamp_arena *a, wamp_value *list, size_t n);
/* Sets key (copied into the arena) to value: replaces the value if key exists, else appends.
 * Returns WAMP_OK, WAMP_ENOMEM, WAMP_ERANGE (dict full) or WAMP_EINVAL (not a dict, NULL key
 * with keylen > 0, or a NULL arena when the key is new). Existing keys keep their position. */
WAMP_API int wamp_value_dict_set(wamp_arena *a, wamp_value *dict, const char *key, size_t keylen,
                                 wamp_value value);
/* wamp_value_dict_set() with a NUL-terminated key. */
WAMP_API int wamp_value_dict_setc(wamp_arena *a, wamp_value *dict, const char *key,
                                  wamp_value value);
/* Appends without looking for an existing key; the key is borrowed. For decoders and
 * builders that know keys are unique (see wamp_value_dict_check_unique()). */
WAMP_API int wamp_value_dict_append(wamp_arena *a, wamp_value *dict, wamp_str key,
                                    wamp_value value);
/* Removes key if present (keeps the order of the rest). Returns true when removed. */
WAMP_API bool wamp_value_dict_remove(wamp_value *dict, const char *key, size_t keylen);
/* WAMP_OK when all keys of dict are distinct, WAMP_EDUPKEY otherwise; WAMP_EINVAL when dict
 * is not a dict, WAMP_ENOMEM when the temporary hash set cannot be allocated. O(n) expected:
 * small dicts are scanned, large ones go through a malloc'd hash set keyed with a per-process
 * random SipHash key (safe against chosen colliding keys). */
WAMP_API int wamp_value_dict_check_unique(const wamp_value *dict);

/* ---------------------------------------------------------------- accessors */

static inline wamp_value_type wamp_value_type_of(const wamp_value *v)
{
    return (wamp_value_type)v->type;
}
static inline bool wamp_value_is_null(const wamp_value *v)
{
    return v->type == WAMP_VALUE_NULL;
}

/* Each getter returns true and writes *out when v has a fitting type and value:
 * get_int accepts INT and UINT ≤ INT64_MAX; get_uint accepts UINT and INT ≥ 0;
 * get_double accepts DOUBLE only; get_string gives a borrowed slice of the value's text. */
WAMP_API bool wamp_value_get_bool(const wamp_value *v, bool *out);
WAMP_API bool wamp_value_get_int(const wamp_value *v, int64_t *out);
WAMP_API bool wamp_value_get_uint(const wamp_value *v, uint64_t *out);
WAMP_API bool wamp_value_get_double(const wamp_value *v, double *out);
WAMP_API bool wamp_value_get_string(const wamp_value *v, wamp_str *out);
WAMP_API bool wamp_value_get_bytes(const wamp_value *v, wamp_str *out);

/* Number of elements of a list or dict; 0 for anything else. */
WAMP_API size_t wamp_value_count(const wamp_value *v);
/* Element i of a list, or NULL when v is not a list or i is out of range. */
WAMP_API wamp_value *wamp_value_list_at(const wamp_value *v, size_t i);
/* Entry i of a dict, or NULL. */
WAMP_API wamp_kv *wamp_value_dict_entry(const wamp_value *v, size_t i);
/* Value of key in a dict, or NULL when absent or v is not a dict (linear scan: WAMP dicts
 * are small). */
WAMP_API wamp_value *wamp_value_dict_get(const wamp_value *v, const char *key, size_t keylen);
WAMP_API wamp_value *wamp_value_dict_getc(const wamp_value *v, const char *key);

/* ---------------------------------------------------------------- whole-value operations */

/* Deep structural equality. INT/UINT compare by numeric value; DOUBLE by value (NaN equals
 * NaN of the same bits); dicts are equal when they hold the same keys with equal values,
 * in any order; RAW values are equal when serializer and bytes are equal (a RAW is never
 * equal to a decoded value: decode it first). STRING and BYTES are distinct types; DOUBLE is
 * never equal to INT. If a dict holds a key twice, its values for that key are compared in
 * insertion order. Large dicts compare in O(n log n). Two NULL pointers are equal. */
WAMP_API bool wamp_value_equal(const wamp_value *a, const wamp_value *b);

/* Deep copy of src into arena a; the copy owns all its memory (borrowed strings and raw
 * spans are copied too; copied strings and bytes are NUL-terminated). src and dst may be the
 * same. Returns WAMP_OK, WAMP_ENOMEM (then *dst is NULL) or WAMP_EINVAL (a or src NULL).
 * Recursion follows the nesting of src (decoders bound it). */
WAMP_API int wamp_value_copy(wamp_arena *a, wamp_value *dst, const wamp_value *src);

/* Writes a readable one-line debug form to f. For humans and tests, not a serializer:
 *   null true false 42 -7 18446744073709551615  doubles with "%.17g" (0.5, 1, nan, inf)
 *   "text" (JSON escapes: \" \\ \n \r \t \b \f, other controls as \u00XX; UTF-8 as is)
 *   b"00ff" (bytes as lower-case hex)   raw<1>:5b315d (serializer id, then hex)
 *   [1, "a"]   {"k": 1, "j": null}  (", " between elements, ": " after keys)
 * A NULL v prints "(null)". */
WAMP_API void wamp_value_print(FILE *f, const wamp_value *v);
/* The same debug form into buf (appended). Returns WAMP_OK, WAMP_ENOMEM (buf then keeps its
 * previous length) or WAMP_EINVAL (buf or v NULL). */
WAMP_API int wamp_value_dump(wamp_buf *buf, const wamp_value *v);

#ifdef __cplusplus
}
#endif
#endif
