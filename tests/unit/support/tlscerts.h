/* Throwaway TLS test certificates (see tlscerts.c). */
#ifndef WAMP_TEST_TLSCERTS_H
#define WAMP_TEST_TLSCERTS_H

#include <stdbool.h>

/* Writes ca.pem, server.pem, server.key, client.pem, client.key, other-ca.pem into dir
 * (which must exist). Returns 0 on success, -1 on failure. */
int wt_make_certs(const char *dir);

#endif
