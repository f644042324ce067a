/*
 * libwamp — common definitions: export macro, error codes, strings and byte buffers.
 *
 * Error convention (as libuv): a function that can fail returns int, 0 (WAMP_OK) on success or
 * a negative wamp_err code; results come back through out-parameters. wamp_strerror() names
 * every code. WAMP error *URIs* are data (see message.h), not C error codes.
 */
#ifndef WAMP_COMMON_H
#define WAMP_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(WAMP_BUILDING)
#define WAMP_API __attribute__((visibility("default")))
#else
#define WAMP_API
#endif

/* Library version. */
#define WAMP_VERSION_MAJOR 0
#define WAMP_VERSION_MINOR 1
#define WAMP_VERSION_PATCH 0
#define WAMP_VERSION_STRING "0.1.0"

/* Returns WAMP_VERSION_STRING of the library actually linked. */
WAMP_API const char *wamp_version(void);

/*
 * Error codes. Blocks of twenty per layer so that layers can grow independently.
 * Every code has a name and a sentence in wamp_strerror().
 */
typedef enum wamp_err {
    WAMP_OK = 0,

    /* generic -1 .. -19 */
    WAMP_ENOMEM = -1,       /* out of memory */
    WAMP_EINVAL = -2,       /* invalid argument (API misuse) */
    WAMP_ERANGE = -3,       /* value out of range */
    WAMP_ENOTFOUND = -4,    /* no such item */
    WAMP_EEXIST = -5,       /* item already exists */
    WAMP_EUNSUPPORTED = -6, /* feature or format not supported */
    WAMP_EIO = -7,          /* operating-system I/O error */
    WAMP_ESTATE = -8,       /* operation not allowed in the current state */
    WAMP_EAGAIN = -9,       /* would block / try again */
    WAMP_ECANCELED = -10,   /* operation canceled */
    WAMP_ETIMEOUT = -11,    /* operation timed out */
    WAMP_ECLOSED = -12,     /* object already closed */
    WAMP_ELIMIT = -13,      /* a configured limit (queue, count) was reached */

    /* codec (serializers) -20 .. -39 */
    WAMP_ETRUNCATED = -20,  /* input ended in the middle of a value */
    WAMP_ESYNTAX = -21,     /* malformed encoding */
    WAMP_EUTF8 = -22,       /* invalid UTF-8 in a text string */
    WAMP_EDEPTH = -23,      /* nesting deeper than the configured limit */
    WAMP_ETOOBIG = -24,     /* input or output larger than the configured limit */
    WAMP_EDUPKEY = -25,     /* duplicate key in a map/dict */
    WAMP_EKEYTYPE = -26,    /* map key is not a string */
    WAMP_ETRAILING = -27,   /* bytes after the end of the top-level value */
    WAMP_ENUMBER = -28,     /* number not representable (overflow, NaN/Inf in JSON, ...) */
    WAMP_EEXTTYPE = -29,    /* extension type or tag not supported */
    WAMP_ESERIALIZER = -30, /* unknown serializer */
    WAMP_EBASE64 = -31,     /* invalid base64 in a JSON binary string */
    WAMP_EBATCH = -32,      /* malformed batch framing */

    /* messages -40 .. -59 */
    WAMP_EPROTO = -40,      /* protocol violation */
    WAMP_EMSGTYPE = -41,    /* unknown or unexpected message type */
    WAMP_EMSGLEN = -42,     /* wrong number of message elements */
    WAMP_EFIELD = -43,      /* a message field has the wrong type or value */
    WAMP_EID = -44,         /* an id is outside [0, 2^53] */
    WAMP_EURI = -45,        /* an invalid URI */
    WAMP_EOPTION = -46,     /* an invalid option or detail */
    WAMP_EREALM = -47,      /* an invalid realm name */

    /* transport -60 .. -79 */
    WAMP_EHANDSHAKE = -60,  /* transport opening handshake failed */
    WAMP_EFRAME = -61,      /* invalid frame */
    WAMP_ETLS = -62,        /* TLS error */
    WAMP_ECONNREFUSED = -63,/* connection refused */
    WAMP_ECONNRESET = -64,  /* connection reset or lost */
    WAMP_EURL = -65,        /* invalid transport URL */
    WAMP_ERESOLVE = -66,    /* host name resolution failed */
    WAMP_EPEERCLOSED = -67, /* peer closed the transport */
    WAMP_ECERT = -79,       /* TLS peer certificate not trusted or not matching (runtime) */

    /* session -80 .. -99 */
    WAMP_ENOTREADY = -80,      /* session not joined (SessionNotReady) */
    WAMP_ETRANSPORTLOST = -81, /* transport lost (TransportLost) */
    WAMP_EAPPLICATION = -82,   /* an application error (ERROR message) was received */
    WAMP_EABORTED = -83,       /* session was aborted */
    WAMP_ENOCODEC = -84,       /* payload passthru message but no payload codec set */

    /* auth and crypto -100 .. -119 */
    WAMP_EAUTH = -100,       /* authentication failed */
    WAMP_ECRYPTO = -101,     /* cryptographic operation failed */
    WAMP_EKEYFILE = -102,    /* malformed key file */
    WAMP_EPASSPHRASE = -103, /* wrong passphrase */
    WAMP_ELOCKED = -104,     /* security module is locked */
    WAMP_ESIGNATURE = -105,  /* signature does not verify */
    WAMP_EDECRYPT = -106,    /* decryption failed */
    WAMP_ETRUSTEDURI = -107, /* decrypted payload names another URI than its envelope */

    /* router and configuration -120 .. -139 */
    WAMP_ECONFIG = -120,     /* invalid configuration */
    WAMP_ENOREALM = -121,    /* no such realm */
    WAMP_EDENIED = -122,     /* not authorized */
} wamp_err;

/* Short English description of an error code ("out of memory"). Never NULL. */
WAMP_API const char *wamp_strerror(int err);
/* Symbolic name of an error code ("WAMP_ENOMEM"); "WAMP_E?" for unknown codes. */
WAMP_API const char *wamp_err_name(int err);

/* A string slice: UTF-8 text (or bytes) with an explicit length. Not necessarily
 * NUL-terminated; may contain NUL. Who owns ptr is stated where a wamp_str appears. */
typedef struct wamp_str {
    const char *ptr;
    size_t len;
} wamp_str;

/* wamp_str from a NUL-terminated C string (borrowed; NULL gives {NULL, 0}). */
WAMP_API wamp_str wamp_str_c(const char *s);
/* True when a equals b byte for byte. */
WAMP_API bool wamp_str_eq(wamp_str a, wamp_str b);
/* True when s equals the NUL-terminated c. */
WAMP_API bool wamp_str_eqc(wamp_str s, const char *c);

/*
 * A growable byte buffer. Zero-initialise ({0}) or wamp_buf_init() before use;
 * wamp_buf_free() releases the memory (and leaves an empty buffer; NULL is a no-op).
 * Appending functions return WAMP_OK or WAMP_ENOMEM (the buffer is then unchanged; sizes
 * beyond PTRDIFF_MAX also give WAMP_ENOMEM), or WAMP_EINVAL when b is NULL or data is NULL
 * with n > 0. Capacity doubles as it grows (at least 64 bytes).
 */
typedef struct wamp_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
} wamp_buf;

WAMP_API void wamp_buf_init(wamp_buf *b);
WAMP_API void wamp_buf_free(wamp_buf *b);
/* Ensures room for `extra` more bytes beyond len. */
WAMP_API int wamp_buf_reserve(wamp_buf *b, size_t extra);
WAMP_API int wamp_buf_append(wamp_buf *b, const void *data, size_t n);
WAMP_API int wamp_buf_append_byte(wamp_buf *b, uint8_t byte);
/* Sets len to 0, keeping the allocation. */
WAMP_API void wamp_buf_clear(wamp_buf *b);

#ifdef __cplusplus
}
#endif
#endif
