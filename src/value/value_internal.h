/* Private helpers shared by the files of src/value. */
#ifndef WAMP_VALUE_INTERNAL_H
#define WAMP_VALUE_INTERNAL_H

#include <wamp/value.h>

/* Ensures a list (elem = sizeof(wamp_value)) or dict (elem = sizeof(wamp_kv)) has room for
 * `extra` more elements. WAMP_OK, WAMP_ENOMEM, WAMP_ERANGE (count would pass UINT32_MAX) or
 * WAMP_EINVAL (growth needed but no arena). */
int wamp__value_grow(wamp_arena *a, wamp_value *c, size_t extra, size_t elem);

/* Dicts up to this many entries are compared and checked by linear scans; larger ones use a
 * temporary hash set (uniqueness) or sorted index (equality). */
#define WAMP__VALUE_SMALL_DICT 16

#endif
