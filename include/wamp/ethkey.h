/*
 * libwamp — Ethereum keys (secp256k1, libsecp256k1): Autobahn's IEthereumKey.
 *
 *  - Keccak-256 (the pre-FIPS padding Ethereum uses, not SHA3-256),
 *  - addresses (last 20 bytes of Keccak-256 of the 64-byte public key) with EIP-55 checksums,
 *  - signing 32-byte digests as Ethereum does (65 bytes r ‖ s ‖ v, v = 27 or 28; low s),
 *    recovering the signer's address from a digest and a signature,
 *  - EIP-712 typed data (encodeType, hashStruct, the domain separator, the signing digest),
 *    signing, verifying and recovering typed data,
 *  - keys from 32 private key bytes, at random, or from a BIP-39 phrase along the Ethereum path
 *    m/44'/60'/0'/0/<index>.
 *
 * Typed data is a wamp_value in the EIP-712 JSON shape (what eth_signTypedData_v4 takes):
 *   {"types": {"EIP712Domain": [{"name": "name", "type": "string"}, ...], "Mail": [...]},
 *    "primaryType": "Mail", "domain": {...}, "message": {...}}
 * Field values: string → STRING; bytes / bytesN → BYTES or "0x" hex STRING; address → 20 BYTES
 * or "0x" hex STRING (any case: the EIP-55 checksum is not enforced inside typed data, as
 * eth-account); uintN / intN → INT, UINT, or a decimal or "0x" hex STRING; bool → BOOL; struct
 * types → DICT; arrays (T[] and T[n]) → LIST. Typed data is peer input: every type name and
 * value is checked (WAMP_EINVAL), struct recursion is bounded (depth 32), cyclic type
 * references are refused.
 */
#ifndef WAMP_ETHKEY_H
#define WAMP_ETHKEY_H

#include "common.h"
#include "value.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Keccak-256 of len bytes. */
WAMP_API void wamp_keccak256(const void *data, size_t len, uint8_t out[32]);

/* EIP-55 text form of a 20-byte address: "0x" + 40 mixed-case hex digits + NUL (43 bytes). */
WAMP_API void wamp_eth_address_format(const uint8_t addr[20], char out[43]);
/* Parses "0x" + 40 hex digits (the "0x" is optional). All-lower and all-upper digits are
 * accepted as they are; mixed case must carry a correct EIP-55 checksum. WAMP_OK or
 * WAMP_EINVAL (not an address, or a wrong checksum). */
WAMP_API int wamp_eth_address_parse(const char *text, size_t len, uint8_t addr[20]);

typedef struct wamp_ethkey wamp_ethkey;

/* Key from 32 private key bytes (must be in [1, n-1]: WAMP_EINVAL otherwise). Caller frees
 * with wamp_ethkey_free(). WAMP_OK, WAMP_EINVAL, WAMP_ENOMEM, WAMP_ECRYPTO. */
WAMP_API int wamp_ethkey_from_bytes(const uint8_t priv[32], wamp_ethkey **out);
/* Key from a BIP-39 phrase (used as given, no NFKD) and account index (< 2^31): BIP-32
 * m/44'/60'/0'/0/<index>, as MetaMask and Autobahn's xbr. */
WAMP_API int wamp_ethkey_from_seedphrase(const char *phrase, uint32_t index, wamp_ethkey **out);
/* A fresh random key. */
WAMP_API int wamp_ethkey_generate(wamp_ethkey **out);
/* Wipes the private key and frees. NULL is a no-op. */
WAMP_API void wamp_ethkey_free(wamp_ethkey *key);

/* The 32 private key bytes (for storing the key: wipe the copy when done). */
WAMP_API void wamp_ethkey_private_key(const wamp_ethkey *key, uint8_t out[32]);
/* The 64-byte uncompressed public key (x ‖ y, without the 0x04 prefix). */
WAMP_API void wamp_ethkey_public_key(const wamp_ethkey *key, uint8_t out[64]);
/* The 20-byte address, and its EIP-55 text. */
WAMP_API void wamp_ethkey_address(const wamp_ethkey *key, uint8_t out[20]);
WAMP_API void wamp_ethkey_address_text(const wamp_ethkey *key, char out[43]);
/* Always "ethereum" (IKey.key_type). */
WAMP_API const char *wamp_ethkey_type(const wamp_ethkey *key);

/* Signs a 32-byte digest (deterministic RFC 6979 nonce, low s): sig = r ‖ s ‖ v, v in {27,28}.
 * WAMP_OK or WAMP_ECRYPTO. */
WAMP_API int wamp_ethkey_sign_hash(const wamp_ethkey *key, const uint8_t hash[32], uint8_t sig[65]);
/* The address whose key made sig over hash. v may be 0, 1, 27 or 28; high-s signatures are
 * refused (as Ethereum does since Homestead). WAMP_OK, WAMP_ESIGNATURE (malformed or not
 * recoverable), WAMP_EINVAL. */
WAMP_API int wamp_eth_recover_hash(const uint8_t hash[32], const uint8_t sig[65], uint8_t addr[20]);

/* EIP-712. Every function takes the whole typed data (see the top of this header).
 * encode_type appends "Mail(Person from,...)Person(...)" for type `name` to out (NUL-terminated,
 * the NUL not counted). hash_struct writes hashStruct(name, value) — value being a dict of the
 * struct's fields — and domain_separator hashStruct("EIP712Domain", typed.domain).
 * eip712_hash writes keccak256(0x19 0x01 ‖ domainSeparator ‖ hashStruct(primaryType,
 * message)), the digest that is signed. WAMP_OK, WAMP_EINVAL (malformed typed data or a value
 * that does not fit its type), WAMP_ENOTFOUND (an unknown type), WAMP_EDEPTH, WAMP_ENOMEM. */
WAMP_API int wamp_eip712_encode_type(const wamp_value *typed, const char *name, wamp_buf *out);
WAMP_API int wamp_eip712_hash_struct(const wamp_value *typed, const char *name,
                                     const wamp_value *value, uint8_t out[32]);
WAMP_API int wamp_eip712_domain_separator(const wamp_value *typed, uint8_t out[32]);
WAMP_API int wamp_eip712_hash(const wamp_value *typed, uint8_t out[32]);

/* Signs typed data (IEthereumKey.sign_typed_data): the 65-byte signature of its digest. */
WAMP_API int wamp_ethkey_sign_typed_data(const wamp_ethkey *key, const wamp_value *typed,
                                         uint8_t sig[65]);
/* Recovers the address that signed typed data. Errors as wamp_eip712_hash() and
 * wamp_eth_recover_hash(). */
WAMP_API int wamp_eth_recover_typed_data(const wamp_value *typed, const uint8_t sig[65],
                                         uint8_t addr[20]);
/* IEthereumKey.verify_typed_data: WAMP_OK when sig over typed was made by the key of
 * signer (20 bytes), WAMP_ESIGNATURE when it was not, or an error of the above. */
WAMP_API int wamp_eth_verify_typed_data(const wamp_value *typed, const uint8_t sig[65],
                                        const uint8_t signer[20]);

#ifdef __cplusplus
}
#endif
#endif
