/* Internal codec interface: one table per value serializer (json.c, msgpack.c, cbor.c,
 * ubjson.c). codec.c dispatches the public wamp_value_* codec functions through these. */
#ifndef WAMP_CODEC_INTERNAL_H
#define WAMP_CODEC_INTERNAL_H

#include <wamp/serializer.h>

typedef struct wamp__codec {
    wamp_serializer_id id;
    /* Decode exactly one value filling data[0..len). opts is never NULL and its limits are
     * already resolved (max_depth, max_size non-zero). */
    int (*decode)(const uint8_t *data, size_t len, wamp_arena *a, const wamp_decode_opts *opts,
                  wamp_value *out);
    /* Append the encoding of v. RAW values go through wamp__codec_encode_raw(). Must leave
     * out->len unchanged on error (codec.c restores it as a safety net too). */
    int (*encode)(const wamp_value *v, wamp_buf *out);
    /* Optional: transcode one value from serializer `from` straight into this codec's
     * encoding without a tree; NULL means codec.c decodes into a scratch arena and encodes. */
    int (*transcode_from)(wamp_serializer_id from, const uint8_t *raw, size_t len, wamp_buf *out);
} wamp__codec;

extern const wamp__codec wamp__codec_json;
extern const wamp__codec wamp__codec_msgpack;
extern const wamp__codec wamp__codec_cbor;
extern const wamp__codec wamp__codec_ubjson;

/* The table for a value serializer, or NULL (FlatBuffers, unknown ids). */
const wamp__codec *wamp__codec_get(wamp_serializer_id id);

/* For encoders meeting a RAW value: copies it when raw->ser == to, else transcodes it. */
int wamp__codec_encode_raw(wamp_serializer_id to, const wamp_value *raw, wamp_buf *out);

/* Base64 (RFC 4648 §4, with padding) used by the JSON binary convention and elsewhere. */
size_t wamp__base64_encoded_len(size_t n);
void wamp__base64_encode(const uint8_t *in, size_t n, char *out); /* writes encoded_len chars */
/* Decodes standard base64 (padding required unless len%4==0). Returns decoded length or -1. */
long wamp__base64_decode(const char *in, size_t n, uint8_t *out);

/* UTF-8 validation (RFC 3629: no overlongs, no surrogates, max U+10FFFF). */
bool wamp__utf8_valid(const uint8_t *s, size_t n);

#endif
