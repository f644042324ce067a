/*
 * libwamp — serializers: JSON, MessagePack, CBOR, UBJSON (value codecs) and FlatBuffers
 * (message codec), single or batched.
 *
 * This header has three parts:
 *  1. Value codecs: wamp_value_decode()/wamp_value_encode() turn one encoded value into a
 *     wamp_value tree and back, for the four self-describing formats.
 *  2. Serializer descriptors (wamp_serializer_info): the facts of Autobahn's serializer
 *     classes (name, ids, MIME type, WebSocket subprotocol, binary, batched), looked up by any
 *     of them.
 *  3. Serializer objects (wamp_serializer): Autobahn's Serializer classes on values — one
 *     WAMP message (a list value) to one transport payload and back, with batching and
 *     traffic statistics, for all five serializers (FlatBuffers included). Typed messages
 *     are marshalled to and from lists in message.h. Parts 1 and 2 live in src/codec, part 3
 *     in the message layer (src/message/serializer.c), since FlatBuffers needs messages.
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
#define WAMP_DEFAULT_MAX_SIZE  (16u * 1024u * 1024u)

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
 * JSON (src/codec/json.c): strict RFC 8259; integers outside -2^63 .. 2^64-1 decode as DOUBLE;
 * a string whose first character is U+0000 carries base64 and decodes as BYTES (WAMP binary
 * convention); the top-level container is depth 1.
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

/*
 * UBJSON (draft 12, classic big-endian; src/codec/ubjson.c has the details).
 *  - Encoding matches py-ubjson 0.16.1 (Autobahn's backend) byte for byte: smallest of the
 *    integer markers U i I l L; uint64 above INT64_MAX as high-precision H "<digits>"; doubles
 *    as D, zero as d (float32, sign kept), subnormals as H with their exact decimal expansion,
 *    NaN and ±Inf as null Z (what py-ubjson and the UBJSON spec do: they do NOT round-trip);
 *    one-byte strings as C; bytes as the typed uint8 array [$U#<n><data>; containers without
 *    counts.
 *  - Decoding accepts every draft-12 marker, counted (#) and typed ($) containers of every
 *    type, and skips no-op N. [$U# arrays are BYTES; other typed arrays are lists. H becomes
 *    INT/UINT when an integer fits 64 bits, DOUBLE when the value is exactly a double, else a
 *    STRING holding the decimal text. Zero-width elements ($Z/$T/$F) are limited to one per
 *    input byte in total (WAMP_ETOOBIG). BJData (little-endian UBJSON) is not supported.
 */

/* ---------------------------------------------------------------- descriptors */

typedef struct wamp_serializer_info {
    const char *name;      /* SERIALIZER_ID: "json", "msgpack", "cbor", "ubjson", "flatbuffers" */
    wamp_serializer_id id; /* RAWSOCKET_SERIALIZER_ID */
    const char *mime_type; /* MIME_TYPE, e.g. "application/json" */
    bool binary;           /* BINARY: WebSocket binary frames */
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

/* ---------------------------------------------------------------- serializer objects */

/*
 * A wamp_serializer turns WAMP messages, given as list values, into transport payloads and
 * back, for one serializer descriptor, and keeps Autobahn's statistics.
 *
 * Batching (descriptor with batched = true):
 *  - JSON: every message is followed by one separator octet. We write 0x18 (as Autobahn does;
 *    WAMP_JSON_BATCH_SEPARATOR) and accept both 0x18 and 0x1E (the spec's record separator) on
 *    input; every message of a payload must end with a separator.
 *  - MessagePack, CBOR, UBJSON: every message is prefixed with its length as a 4-byte
 *    big-endian unsigned integer.
 *  A payload holding 0 messages, a truncated length prefix or message, or bytes after the last
 *  message is WAMP_EBATCH. Non-batched: a payload is exactly one message.
 *
 * Statistics (Autobahn's Serializer.stats()): bytes and messages, and *rated messages*, which
 * count ceil(bytes / WAMP_RATED_MESSAGE_SIZE) per serialized message (framing included) and per
 * unserialized payload (a whole batch is rated as one payload, as Autobahn does).
 *
 * Time: the serializer has no clock of its own (sans-I/O). Timestamps and durations come from
 * the clock set with wamp_serializer_set_clock() (nanoseconds; Autobahn uses UTC ns since the
 * Unix epoch); without one, time reads as 0 and duration-based autoreset is refused.
 *
 * FlatBuffers ("flatbuffers", RawSocket id 5, subprotocol "wamp.2.flatbuffers", binary, never
 * batched, as Autobahn): FlatBuffers has no value codec, so the object goes through the message
 * codec of flatbuffers.h (schema WAMP_FBS_SCHEMA_CURRENT, every message type). serialize()
 * parses the list value with wamp_message_parse() (its errors are returned: WAMP_EFIELD, ...)
 * and encodes the message; unserialize() decodes and validates the payload as a message and
 * hands back its marshalled list (args/kwargs decoded from their CBOR vectors; raw_from is
 * ignored, max_depth too: the schema fixes the nesting; max_size and copy_strings apply).
 * Fields the schema cannot carry are dropped (docs/serializers.md lists them), so a FlatBuffers
 * round trip gives the canonical marshalled list of what the schema holds; a CALL/INVOCATION
 * chunk of a progressive call invocation (progress true) is WAMP_EUNSUPPORTED instead.
 * The serializer objects are implemented in the message layer (src/message/serializer.c).
 *
 * Not thread-safe: one serializer belongs to one connection and one thread.
 */
typedef struct wamp_serializer wamp_serializer;

/* Serialized payload size per rated message (Autobahn's RATED_MESSAGE_SIZE). */
#define WAMP_RATED_MESSAGE_SIZE 512
/* The separator written after each message of a batched JSON payload. */
#define WAMP_JSON_BATCH_SEPARATOR 0x18

/* Traffic counted in one direction. */
typedef struct wamp_serializer_traffic {
    uint64_t bytes;
    uint64_t messages;
    uint64_t rated_messages;
} wamp_serializer_traffic;

/* A statistics snapshot (Autobahn's stats() dict). */
typedef struct wamp_serializer_stats {
    uint64_t cycle;         /* how many snapshots were taken so far, this one included */
    const char *serializer; /* Autobahn's SERIALIZER_ID: "json", "cbor.batched", ... (static) */
    uint64_t timestamp;     /* clock reading (ns) at the last reset or at creation */
    uint64_t duration;      /* clock reading now minus timestamp (ns) */
    uint64_t bytes;         /* serialized + unserialized */
    uint64_t messages;
    uint64_t rated_messages;
    bool details;                         /* true: the two fields below are filled */
    wamp_serializer_traffic serialized;   /* details only, else zero */
    wamp_serializer_traffic unserialized; /* details only, else zero */
} wamp_serializer_stats;

/* A clock: the current time in nanoseconds. */
typedef uint64_t (*wamp_clock_cb)(void *user);
/* Called when statistics are reset automatically, with the snapshot taken just before the reset
 * (details filled). stats lives until the callback returns. */
typedef void (*wamp_serializer_stats_cb)(wamp_serializer *s, const wamp_serializer_stats *stats,
                                         void *user);

/*
 * Creates a serializer for descriptor info (from wamp_serializer_list() or a lookup; it must
 * stay valid, which the library's descriptors always do). *out receives it; free it with
 * wamp_serializer_free(). Returns WAMP_OK, WAMP_EINVAL (NULL argument), WAMP_EUNSUPPORTED
 * (an unknown serializer id, or a batched FlatBuffers descriptor: FlatBuffers has no batched
 * variant) or WAMP_ENOMEM.
 */
WAMP_API int wamp_serializer_new(const wamp_serializer_info *info, wamp_serializer **out);
/* Frees s. NULL is a no-op. */
WAMP_API void wamp_serializer_free(wamp_serializer *s);
/* The descriptor s was created with. */
WAMP_API const wamp_serializer_info *wamp_serializer_info_of(const wamp_serializer *s);

/*
 * Appends one serialized message to out: its encoding, framed when s is batched (so calling it
 * several times on one buffer builds a batch). Counts the appended bytes in the statistics and
 * may run the autoreset callback. Returns WAMP_OK or an error of wamp_value_encode() (for
 * FlatBuffers: of wamp_message_parse() or wamp_message_encode_flatbuffers()) (then
 * out->len is unchanged and nothing is counted); WAMP_ETOOBIG when a batched message exceeds
 * 4 GiB - 1.
 */
WAMP_API int wamp_serializer_serialize(wamp_serializer *s, const wamp_value *msg, wamp_buf *out);

/*
 * Unserializes one transport payload: a single message, or a batch when s is batched. All
 * messages are decoded before any is returned: a payload with one bad message yields only the
 * error. On success *msgs points to an array of *count (>= 1) values allocated in arena a;
 * unless opts->copy_strings, the values borrow from data, which must then outlive them.
 * opts (may be NULL) applies to each message (max_size limits each message, not the payload).
 * Only a successful call is counted in the statistics (and may run the autoreset callback).
 * Values are not checked to be WAMP messages (message.h does that).
 * Returns WAMP_OK, WAMP_EBATCH, WAMP_EINVAL, WAMP_ENOMEM or a wamp_value_decode() error
 * (FlatBuffers: a wamp_message_decode_flatbuffers() error; its values ARE checked messages).
 */
WAMP_API int wamp_serializer_unserialize(wamp_serializer *s, const uint8_t *data, size_t len,
                                         wamp_arena *a, const wamp_decode_opts *opts,
                                         wamp_value **msgs, size_t *count);

/* Sets the clock used for statistics and restarts the statistics period at its current reading
 * (counters are kept). clock NULL removes it (time reads 0). */
WAMP_API void wamp_serializer_set_clock(wamp_serializer *s, wamp_clock_cb clock, void *user);

/*
 * Takes a statistics snapshot into *out (details: also split by direction) and, when reset,
 * zeroes the counters and restarts the period at the current clock reading.
 */
WAMP_API void wamp_serializer_stats_get(wamp_serializer *s, bool reset, bool details,
                                        wamp_serializer_stats *out);

/*
 * Arms automatic statistics reset (Autobahn's set_stats_autoreset()): after each serialize or
 * unserialize, when rated_messages > 0 and the rated messages counted since the last reset are
 * >= rated_messages, or duration_ns > 0 and the clock has advanced by >= duration_ns since the
 * last reset, the statistics are reset and cb receives the snapshot taken before the reset.
 * cb NULL disarms. Returns WAMP_OK, or WAMP_EINVAL when cb is set but both thresholds are 0, or
 * duration_ns > 0 without a clock.
 */
WAMP_API int wamp_serializer_set_stats_autoreset(wamp_serializer *s, uint64_t rated_messages,
                                                 uint64_t duration_ns, wamp_serializer_stats_cb cb,
                                                 void *user);

#ifdef __cplusplus
}
#endif
#endif
