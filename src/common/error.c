/* Library version, error names and error descriptions. */
#include <wamp/common.h>

#include <stddef.h>

const char *wamp_version(void)
{
    return WAMP_VERSION_STRING;
}

/* One line per code of the wamp_err enum in include/wamp/common.h. A layer that adds a code adds
 * its line here (tests/unit/test_common.c checks that every code in the header is present). */
typedef struct err_entry {
    int code;
    const char *name;
    const char *text;
} err_entry;

#define E(sym, text)                                                                               \
    {                                                                                              \
        sym, #sym, text                                                                            \
    }
static const err_entry err_table[] = {
    E(WAMP_OK, "success"),

    /* generic */
    E(WAMP_ENOMEM, "out of memory"),
    E(WAMP_EINVAL, "invalid argument"),
    E(WAMP_ERANGE, "value out of range"),
    E(WAMP_ENOTFOUND, "no such item"),
    E(WAMP_EEXIST, "item already exists"),
    E(WAMP_EUNSUPPORTED, "feature or format not supported"),
    E(WAMP_EIO, "operating-system I/O error"),
    E(WAMP_ESTATE, "operation not allowed in the current state"),
    E(WAMP_EAGAIN, "resource temporarily unavailable, try again"),
    E(WAMP_ECANCELED, "operation canceled"),
    E(WAMP_ETIMEOUT, "operation timed out"),
    E(WAMP_ECLOSED, "object already closed"),
    E(WAMP_ELIMIT, "a configured limit was reached"),

    /* codec */
    E(WAMP_ETRUNCATED, "input ended in the middle of a value"),
    E(WAMP_ESYNTAX, "malformed encoding"),
    E(WAMP_EUTF8, "invalid UTF-8 in a text string"),
    E(WAMP_EDEPTH, "nesting deeper than the configured limit"),
    E(WAMP_ETOOBIG, "input or output larger than the configured limit"),
    E(WAMP_EDUPKEY, "duplicate key in a map"),
    E(WAMP_EKEYTYPE, "map key is not a string"),
    E(WAMP_ETRAILING, "bytes after the end of the top-level value"),
    E(WAMP_ENUMBER, "number not representable"),
    E(WAMP_EEXTTYPE, "extension type or tag not supported"),
    E(WAMP_ESERIALIZER, "unknown serializer"),
    E(WAMP_EBASE64, "invalid base64 in a binary string"),
    E(WAMP_EBATCH, "malformed batch framing"),

    /* messages */
    E(WAMP_EPROTO, "protocol violation"),
    E(WAMP_EMSGTYPE, "unknown or unexpected message type"),
    E(WAMP_EMSGLEN, "wrong number of message elements"),
    E(WAMP_EFIELD, "a message field has the wrong type or value"),
    E(WAMP_EID, "an id is outside [0, 2^53]"),
    E(WAMP_EURI, "invalid URI"),
    E(WAMP_EOPTION, "invalid option or detail"),
    E(WAMP_EREALM, "invalid realm name"),

    /* transport */
    E(WAMP_EHANDSHAKE, "transport opening handshake failed"),
    E(WAMP_EFRAME, "invalid frame"),
    E(WAMP_ETLS, "TLS error"),
    E(WAMP_ECONNREFUSED, "connection refused"),
    E(WAMP_ECONNRESET, "connection reset or lost"),
    E(WAMP_EURL, "invalid transport URL"),
    E(WAMP_ERESOLVE, "host name resolution failed"),
    E(WAMP_EPEERCLOSED, "peer closed the transport"),
    E(WAMP_ECERT, "TLS peer certificate not trusted or not matching"),

    /* session */
    E(WAMP_ENOTREADY, "session not joined"),
    E(WAMP_ETRANSPORTLOST, "transport lost"),
    E(WAMP_EAPPLICATION, "application error received"),
    E(WAMP_EABORTED, "session aborted"),
    E(WAMP_ENOCODEC, "payload passthru message but no payload codec set"),

    /* auth and crypto */
    E(WAMP_EAUTH, "authentication failed"),
    E(WAMP_ECRYPTO, "cryptographic operation failed"),
    E(WAMP_EKEYFILE, "malformed key file"),
    E(WAMP_EPASSPHRASE, "wrong passphrase"),
    E(WAMP_ELOCKED, "security module is locked"),
    E(WAMP_ESIGNATURE, "signature does not verify"),
    E(WAMP_EDECRYPT, "decryption failed"),
    E(WAMP_ETRUSTEDURI, "decrypted payload names another URI than its envelope"),

    /* router and configuration */
    E(WAMP_ECONFIG, "invalid configuration"),
    E(WAMP_ENOREALM, "no such realm"),
    E(WAMP_EDENIED, "not authorized"),
};
#undef E

static const err_entry *find(int err)
{
    for (size_t i = 0; i < sizeof err_table / sizeof err_table[0]; i++)
        if (err_table[i].code == err) return &err_table[i];
    return NULL;
}

const char *wamp_strerror(int err)
{
    const err_entry *e = find(err);
    return e ? e->text : "unknown error";
}

const char *wamp_err_name(int err)
{
    const err_entry *e = find(err);
    return e ? e->name : "WAMP_E?";
}
