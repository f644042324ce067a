/* libFuzzer target: CBOR decode / encode round trips (see fuzz_binary_roundtrip.h). */
#include "fuzz_binary_roundtrip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fz_roundtrip(WAMP_SER_CBOR, WAMP_SER_MSGPACK, data, size);
}
