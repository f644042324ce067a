/* The JSON writer's primitives (json.c), shared with the tree-free transcoders into JSON
 * (jsontranscode.c) so that both paths produce the same bytes. Internal to src/codec.
 * Each appends to b, growing it, and returns WAMP_OK, WAMP_ENOMEM or the error named. */
#ifndef WAMP_CODEC_JSONWRITE_H
#define WAMP_CODEC_JSONWRITE_H

#include "codec/codec.h"

/* Decimal integers. */
int wamp__json_write_int(wamp_buf *b, int64_t i);
int wamp__json_write_uint(wamp_buf *b, uint64_t u);
/* A double as Python's repr(); NaN and infinities: WAMP_ENUMBER. */
int wamp__json_write_double(wamp_buf *b, double d);
/* "text" with Python's escaping (json.dumps, ensure_ascii=False); bad UTF-8: WAMP_EUTF8.
 * s may be NULL when n == 0. */
int wamp__json_write_string(wamp_buf *b, const uint8_t *s, size_t n);
/* The WAMP binary convention: "\u0000" + base64. */
int wamp__json_write_bytes(wamp_buf *b, const uint8_t *s, size_t n);

/* The json codec's transcode_from hook: MessagePack and plain CBOR (no tags, no indefinite
 * lengths) are converted without a value tree; anything else goes through the tree. Bytes and
 * errors are those of decoding + encoding. */
int wamp__json_transcode_from(wamp_serializer_id from, const uint8_t *raw, size_t len,
                              wamp_buf *out);

#endif
