/* Streaming MessagePack <-> CBOR transcoding (no value tree), and the tree-based fallback
 * used for every other pair. Internal to src/codec. */
#ifndef WAMP_CODEC_BINTRANSCODE_H
#define WAMP_CODEC_BINTRANSCODE_H

#include "codec/codec.h"

/* Full validation of one encoded value with the limits wamp_value_decode() applies with NULL
 * options (depth WAMP_DEFAULT_MAX_DEPTH, size WAMP_DEFAULT_MAX_SIZE): WAMP_OK or exactly the
 * error that decoding would give. The CBOR one may need arena a for indefinite-length keys,
 * bignums and decimal fractions (never for input without tags and indefinite lengths, where
 * a may be NULL). */
int wamp__msgpack_validate(const uint8_t *data, size_t len);
/* plain (may be NULL) receives false when a tag or an indefinite length (or a break) was read
 * before validation ended: with a NULL arena the result may then be WAMP_ENOMEM instead of
 * decoding's, and the caller must take the tree path. */
int wamp__cbor_validate(const uint8_t *data, size_t len, wamp_arena *a, bool *plain);

/* Appends the CBOR (resp. MessagePack) encoding of the one value in raw[0..len), byte for
 * byte what decoding and re-encoding would give, or returns the error decoding would give
 * (out->len then unchanged). */
int wamp__bin_msgpack_to_cbor(const uint8_t *raw, size_t len, wamp_buf *out);
int wamp__bin_cbor_to_msgpack(const uint8_t *raw, size_t len, wamp_buf *out);

/* Decodes raw (serializer from) into a scratch arena and encodes it with `to`. */
int wamp__bin_transcode_tree(wamp_serializer_id from, const uint8_t *raw, size_t len,
                             wamp_serializer_id to, wamp_buf *out);

#endif
