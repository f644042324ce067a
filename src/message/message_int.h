/* Internal: option tables shared by parse.c and marshal.c. */
#ifndef WAMP_MESSAGE_INT_H
#define WAMP_MESSAGE_INT_H

#include <stddef.h>
#include <wamp/message.h>

/* How an Options/Details key is validated, stored and emitted. */
typedef enum wamp__okind {
    OK_BOOL,           /* wamp_opt_bool; must be bool */
    OK_INT,            /* wamp_opt_int; any integer (int64) */
    OK_INT_NONNEG,     /* wamp_opt_int; integer >= 0 */
    OK_INT_POS,        /* wamp_opt_int; integer >= 1 */
    OK_STR,            /* wamp_str; must be a string */
    OK_STR_NULLOK,     /* wamp_str; string, null = absent (Autobahn's .get() without check) */
    OK_URI,            /* wamp_str; loose URI */
    OK_DICT,           /* wamp_value; dict */
    OK_DICT_NULLOK,    /* wamp_value; dict, null = absent */
    OK_LIST_INT,       /* wamp_value; list of integers */
    OK_LIST_STR,       /* wamp_value; list of strings */
    OK_FORWARD_FOR,    /* wamp_message.forward_for */
    OK_MATCH,          /* wamp_match; exact not emitted */
    OK_INVOKE,         /* wamp_invoke; single not emitted */
    OK_CANCEL_MODE,    /* wamp_cancel_mode: skip, kill, killnowait */
    OK_INTERRUPT_MODE, /* wamp_cancel_mode: kill, killnowait */
    OK_FORCE_REREG,    /* wamp_opt_bool from true/false/0/1, null = absent */
    OK_ROLES,          /* wamp_roles */
    OK_CUSTOM,         /* WELCOME x_ keys: placeholder, emits the custom dict */
    OK_ENC,            /* placeholder: enc_algo, enc_key, enc_serializer (payload only) */
} wamp__okind;

enum {
    OF_TRUTHY = 1,     /* marshal only when "truthy" (Python) */
    OF_AUTHMETHOD = 2, /* WELCOME quirk: emitted iff authrole is truthy, null when absent */
    OF_SPEC = 4,       /* [spec] key, not in Autobahn */
    OF_CLIENT = 8,     /* roles: client roles (HELLO) */
    OF_ROUTER = 16,    /* roles: router roles (WELCOME) */
};

typedef struct wamp__optdesc {
    const char *key;
    uint8_t keylen;
    uint8_t kind;
    uint8_t flags;
    uint16_t off; /* offset in wamp_message */
} wamp__optdesc;

typedef struct wamp__msginfo {
    int type;
    const char *name;
    const char *dict_name; /* "Options", "Details", "Extra" */
    const wamp__optdesc *opts;
    size_t nopts;
} wamp__msginfo;

/* Info for a message type, or NULL. */
const wamp__msginfo *wamp__message_info(int type);

/* Role feature tables (names.c): END-terminated (-1) lists of wamp_feature. */
const int8_t *wamp__message_role_features(wamp_role r, bool spec);
bool wamp__message_feature_autobahn(wamp_role r, wamp_feature f);

/* RAW span inspection: 'l' for a list, 'd' for a dict, 0 unknown; *empty when it has no
 * elements. */
int wamp__message_raw_kind(const wamp_value *v, bool *empty);

/* Python truthiness of a value (RAW: non-empty container). */
bool wamp__message_truthy(const wamp_value *v);

#endif
