/* Helpers shared by the unit tests (not part of the library). */
#ifndef WAMP_TEST_SUPPORT_H
#define WAMP_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <wamp/wamp.h>

/* Reads a whole file; returns a malloc'd buffer (NUL-terminated) or NULL. */
char *wt_read_file(const char *path, size_t *len);
/* Decodes hex text (whitespace ignored) into a malloc'd buffer; NULL on bad hex. */
uint8_t *wt_unhex(const char *hex, size_t *len);
/* Lower-case hex of data into a malloc'd NUL-terminated string. */
char *wt_hex(const void *data, size_t len);
/* Path under the conformance suite (static buffer, overwritten by the next call). */
const char *wt_conformance_path(const char *rel);

#endif
