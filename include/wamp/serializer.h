/*
 * libwamp — serializers: JSON, MessagePack, CBOR, UBJSON (value codecs) and FlatBuffers
 * (message codec), single or batched.
 *
 * This header has two levels:
 *  1. Value codecs: wamp_value_decode()/wamp_value_encode() turn one encoded value into a
 *     wamp_value tree and back, for the four self-describing formats.
 *  2. Serializer descriptors (wamp_serializer_info): the facts of Autobahn's serializer
 *     classes (name, ids, MIME type, WebSocket subprotocol, binary, batched), looked up by any
 *     of them. Message-level serialization with batching and statistics is in message.h
 *     (wamp_serializer objects).
 */
#ifndef WAMP_SERIALIZER_H
#define WAMP_SERIALIZER_H

#include "common.h"
#include "value.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Serializer ids: the RawSocket serializer numbers (RAWSOCKET_SERIALIZER_ID). */
typedef enum wamp_serializer_id {
    WAMP_SER_NONE = 0,
    WAMP_SER_JSON = 1,
    WAMP_SER_MSGPACK = 2,
    WAMP_SER_CBOR = 3,
    WAMP_SER_UBJSON = 4,
    WAMP_SER_FLATBUFFERS = 5
} wamp_serializer_id;

/* Default limits used when a field of wamp_decode_opts is 0. */
#define WAMP_DEFAULT_MAX_DEPTH 64
#define WAMP_DEFAULT_MAX_SIZE (16u * 1024u * 1024u)

/*
 * Decoding options; {0} means defaults.
 *
 * raw_from: when not NULL, the top-level value must be a list whose first element is an
 * integer (a WAMP message). raw_from(first, count, user) returns the index from which
 * container elements (lists and dicts) are NOT decoded but kept as WAMP_VALUE_RAW spans into
 * the input (they are still fully validated: syntax, UTF-8, depth, duplicate keys). This is
 * the router's fast path: args and kwargs stay encoded. Return SIZE_MAX to decode everything.
 */
typedef struct wamp_decode_opts {
    size_t max_depth; /* maximum nesting of containers; 0: WAMP_DEFAULT_MAX_DEPTH */
    size_t max_size;  /* maximum input size in bytes; 0: WAMP_DEFAULT_MAX_SIZE */
    size_t (*raw_from)(int64_t first, size_t count, void *user);
    void *raw_user;
    /* true: copy every string into the arena (the result then does not borrow the input). */
    bool copy_strings;
} wamp_decode_opts;

/*
 * Decodes exactly one value occupying all of data[0..len) with serializer ser.
 * Values are allocated in arena a; unless opts->copy_strings, strings, bytes and raw spans
 * may borrow from `data`, which must then outlive *out. opts may be NULL.
 * Returns WAMP_OK or a codec error (WAMP_ETRUNCATED, WAMP_ESYNTAX, WAMP_EUTF8, WAMP_EDEPTH,
 * WAMP_ETOOBIG, WAMP_EDUPKEY, WAMP_EKEYTYPE, WAMP_ETRAILING, WAMP_ENUMBER, WAMP_EEXTTYPE,
 * WAMP_EBASE64, WAMP_ENOMEM, WAMP_ESERIALIZER for FlatBuffers or an unknown id).
 * On error *out is NULL and the arena may hold garbage (reset or free it).
 */
WAMP_API int wamp_value_decode(wamp_serializer_id ser, const uint8_t *data, size_t len,
                               wamp_arena *a, const wamp_decode_opts *opts, wamp_value *out);

/*
 * Appends the encoding of v in serializer ser to out. RAW values in the same serializer are
 * copied byte for byte; RAW values in another serializer are transcoded. Returns WAMP_OK,
 * WAMP_ENOMEM, WAMP_ENUMBER (JSON cannot carry NaN or infinities), WAMP_EUTF8 (a string that
 * is not valid UTF-8), WAMP_EDEPTH, or a decode error of a RAW span. On error out->len is
 * restored to what it was.
 */
WAMP_API int wamp_value_encode(wamp_serializer_id ser, const wamp_value *v, wamp_buf *out);

/*
 * Writes the raw span `raw` (one value in serializer from) as serializer to, appending to
 * out. Same serializer: a byte copy. Otherwise a transcoding that avoids building a value tree
 * where the pair allows it. Returns WAMP_OK or a codec error.
 */
WAMP_API int wamp_value_transcode(wamp_serializer_id from, const uint8_t *raw, size_t len,
                                  wamp_serializer_id to, wamp_buf *out);

/*
 * MessagePack and CBOR: how values map (src/codec/msgpack.c and cbor.c have the details).
 *  - Encoding matches Autobahn|Python byte for byte: MessagePack as msgpack-python's
 *    packb(use_bin_type=True) (smallest int and length forms, doubles as float64, strings as
 *    str, bytes as bin); CBOR as cbor2.dumps() (shortest ints and lengths, definite lengths,
 *    doubles as float64 except NaN/±Inf written as half floats f97e00/f97c00/f9fc00).
 *  - Decoding accepts each whole format, within our value model: map keys must be strings
 *    (WAMP_EKEYTYPE), keys distinct (WAMP_EDUPKEY), text valid UTF-8 (WAMP_EUTF8).
 *    MessagePack ext types (timestamp included) are WAMP_EEXTTYPE.
 *    CBOR: indefinite lengths are accepted (strings concatenated); undefined reads as null;
 *    bignums (tags 2/3) become INT/UINT when they fit in [-2^63, 2^64-1], else WAMP_ENUMBER
 *    (never a silent double); decimal fractions (tag 4) become the correctly rounded double
 *    (WAMP_ENUMBER on overflow); every other tag (0/1 date-times, 55799 self-describe, ...) is
 *    dropped and its content kept; unassigned simple values are WAMP_EEXTTYPE; integers
 *    below -2^63 are WAMP_ENUMBER.
 *  - Declared lengths are checked against the input before anything is allocated.
 */

/* ---------------------------------------------------------------- descriptors */

typedef struct wamp_serializer_info {
    const char *name;        /* SERIALIZER_ID: "json", "msgpack", "cbor", "ubjson", "flatbuffers" */
    wamp_serializer_id id;   /* RAWSOCKET_SERIALIZER_ID */
    const char *mime_type;   /* MIME_TYPE, e.g. "application/json" */
    bool binary;             /* BINARY: WebSocket binary frames */
    bool batched;
    const char *subprotocol; /* "wamp.2.json", "wamp.2.json.batched", ... */
} wamp_serializer_info;

/* All known serializers (plain and batched variants); *count receives the number. */
WAMP_API const wamp_serializer_info *wamp_serializer_list(size_t *count);
/* Lookups; NULL when unknown. by_name accepts "json" and "json.batched" forms. */
WAMP_API const wamp_serializer_info *wamp_serializer_by_name(const char *name);
WAMP_API const wamp_serializer_info *wamp_serializer_by_id(wamp_serializer_id id, bool batched);
WAMP_API const wamp_serializer_info *wamp_serializer_by_subprotocol(const char *subprotocol);
WAMP_API const wamp_serializer_info *wamp_serializer_by_mime_type(const char *mime);

#ifdef __cplusplus
}
#endif
#endif
