/* json value codec — placeholder until the real implementation lands: every call reports
 * WAMP_EUNSUPPORTED so nothing silently succeeds. */
#include "codec/codec.h"

static int dec(const uint8_t *d, size_t n, wamp_arena *a, const wamp_decode_opts *o, wamp_value *out)
{
    return WAMP_EUNSUPPORTED;
}
static int enc(const wamp_value *v, wamp_buf *out)
{
    return WAMP_EUNSUPPORTED;
}
const wamp__codec wamp__codec_json = {WAMP_SER_JSON, dec, enc, NULL};
