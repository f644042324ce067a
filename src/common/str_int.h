/* Internal string helpers shared by the layers (not part of the public API). */
#ifndef WAMP_COMMON_STR_INT_H
#define WAMP_COMMON_STR_INT_H

/* A malloc'ed copy of the NUL-terminated s; NULL for NULL s or when out of memory. */
char *wamp__strdup(const char *s);

#endif
