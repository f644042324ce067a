/* libFuzzer target: OpenSSH Ed25519 private (openssh-key-v1) and public key parsers
 * (wamp_cryptosign_key_from_ssh_bytes). The input is tried as text and, wrapped in the PEM
 * armour with base64, as a raw openssh-key-v1 blob so the fuzzer reaches the binary parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <wamp/cryptosign.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void try_text(const char *text, size_t len)
{
    wamp_cryptosign_key *k = NULL;
    if (wamp_cryptosign_key_from_ssh_bytes(text, len, &k) == WAMP_OK) {
        char hex[65];
        wamp_cryptosign_key_public_hex(k, hex);
        const char *c = wamp_cryptosign_key_comment(k);
        if (c && strlen(c) > len) abort();
        wamp_cryptosign_key_free(k);
    } else if (k) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char begin[] = "-----BEGIN OPENSSH PRIVATE KEY-----\n";
    static const char end[] = "\n-----END OPENSSH PRIVATE KEY-----\n";
    if (size > 1 << 16) return 0;
    /* as given */
    char *copy = malloc(size ? size : 1);
    if (!copy) return 0;
    memcpy(copy, data, size);
    try_text(copy, size);
    free(copy);
    /* as the binary body of a private key file */
    size_t b64 = sodium_base64_ENCODED_LEN(size, sodium_base64_VARIANT_ORIGINAL);
    size_t total = sizeof begin - 1 + b64 - 1 + sizeof end - 1;
    char *text = malloc(total);
    if (!text) return 0;
    memcpy(text, begin, sizeof begin - 1);
    sodium_bin2base64(text + sizeof begin - 1, b64, data, size, sodium_base64_VARIANT_ORIGINAL);
    memcpy(text + sizeof begin - 1 + b64 - 1, end, sizeof end - 1);
    try_text(text, total);
    free(text);
    return 0;
}
