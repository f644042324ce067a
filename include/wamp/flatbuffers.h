/*
 * libwamp — the WAMP FlatBuffers serializer ("flatbuffers", RawSocket id 5, WebSocket
 * subprotocol "wamp.2.flatbuffers"): a message-level codec, wamp_message <-> FlatBuffers bytes.
 *
 * FlatBuffers is statically typed: there is no value tree, every message type is a table of
 * the WAMP schemas Autobahn|Python ships (the .fbs files in autobahn/wamp/flatbuffers). The root
 * table is `Message { msg_type: uint8 (slot 0); msg: <table> (slot 1) }` whose union tag is the
 * WAMP message code (EVENT_RECEIVED is 37 there). Application args and kwargs are byte vectors
 * holding their CBOR encoding (as Autobahn does); payload and the enc_* keys map to the
 * payload / ppt_* fields. HELLO/WELCOME authextra and CHALLENGE/AUTHENTICATE extra are the
 * schema's Map, one string pair: a dict whose only non-null entry is a string is carried, any
 * other is dropped. docs/serializers.md ("FlatBuffers") lists every table and what is
 * carried or dropped.
 *
 * Two schema generations exist and are NOT wire compatible:
 *   WAMP_FBS_SCHEMA_CURRENT   autobahn-python master / the wamp-proto test suite: every table
 *                             starts with `session: uint64`, all 25 message types, args/kwargs
 *                             for every payload-carrying type, ppt_scheme/serializer/cipher/keyid.
 *   WAMP_FBS_SCHEMA_AB22      Autobahn|Python 22.7.1 (Debian's python3-autobahn): only PUBLISH
 *                             and EVENT are implemented there, so only those are supported in
 *                             this generation (others: WAMP_EUNSUPPORTED).
 *
 * The reader is hand-written (no FlatBuffers C library is packaged in Debian; flatcc is not
 * packaged and libflatbuffers is C++ only) and verifies everything before use: root, vtables,
 * table sizes, every offset, string (length and terminating NUL, UTF-8) and vector length are
 * checked against the buffer with 64-bit arithmetic; the schema nests at most 4 tables deep.
 * The builder writes parent objects before children (uoffsets always point forward), scalars
 * naturally aligned relative to the start of the message.
 */
#ifndef WAMP_FLATBUFFERS_H
#define WAMP_FLATBUFFERS_H

#include "message.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum wamp_fbs_schema {
    WAMP_FBS_SCHEMA_CURRENT = 0,
    WAMP_FBS_SCHEMA_AB22 = 1
} wamp_fbs_schema;

/*
 * Appends the FlatBuffers encoding of m (schema generation `schema`) to out.
 * Fields the schema cannot carry are dropped (see docs). args/kwargs are written as CBOR
 * (RAW values are transcoded). Returns WAMP_OK, WAMP_ENOMEM, WAMP_EUNSUPPORTED (type not in
 * that schema generation, or a CALL / INVOCATION with `progress` true: a progressive call
 * invocation chunk has no slot, and dropping the flag would change its meaning), WAMP_EINVAL (an
 * enc_algo/enc_serializer/authmethod without an enum value in the schema, a negative or too large
 * integer for its field, a non-string in a string list), WAMP_ETOOBIG (the message would exceed
 * 2 GiB) or a CBOR encoding error. On error out->len is unchanged.
 */
WAMP_API int wamp_message_encode_flatbuffers(const wamp_message *m, wamp_fbs_schema schema,
                                             wamp_buf *out);

/*
 * Decodes one FlatBuffers message from data[0..len) and validates it exactly as
 * wamp_message_parse() validates the other serializers (the message is marshalled to its
 * list and parsed). *out borrows `data` (strings, payload) and arena a (args, kwargs, lists).
 * err may be NULL. Returns WAMP_OK or:
 *   WAMP_ETOOBIG  len > WAMP_DEFAULT_MAX_SIZE
 *   WAMP_ESYNTAX  a broken buffer: root/vtable/offset/string/vector out of bounds, bad sizes,
 *                 a string without its NUL, a field of the wrong width
 *   WAMP_EUTF8    a string is not UTF-8
 *   WAMP_EMSGTYPE unknown union tag (or not supported by the schema generation)
 *   WAMP_EFIELD / WAMP_EOPTION  an enum value or integer out of range, args not a CBOR list,
 *                 kwargs not a CBOR dict (CBOR errors are returned as they are)
 *   any wamp_message_parse() error; WAMP_ENOMEM
 */
WAMP_API int wamp_message_decode_flatbuffers(const uint8_t *data, size_t len,
                                             wamp_fbs_schema schema, wamp_arena *a,
                                             wamp_message *out, wamp_msg_error *err);

#ifdef __cplusplus
}
#endif
#endif
