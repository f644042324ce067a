/*
 * libwamp — WAMP-Cryptosign keys (Ed25519, libsodium): Autobahn's CryptosignKey.
 *
 * A key is a signing key (holding the 32-byte Ed25519 seed) or a verification key (public key
 * only). Keys are loaded from
 *   - 32 raw seed bytes or a file holding exactly them (from_bytes / from_file),
 *   - a public key (from_pubkey),
 *   - Autobahn's key file format (from_keyfile): comment lines up to the first blank line,
 *     then "tag: value" lines; private-key-ed25519 (hex seed) or public-key-ed25519 (hex),
 *   - OpenSSH Ed25519 keys: an unencrypted "-----BEGIN OPENSSH PRIVATE KEY-----" file
 *     (openssh-key-v1) or an "ssh-ed25519 <base64> <comment>" public key line (from_ssh),
 *   - a BIP-39 seed phrase and account index (from_seedphrase): seed =
 *     PBKDF2-HMAC-SHA512(phrase, "mnemonic", 2048), then BIP-32 secp256k1 derivation along
 *     m/44'/655'/0'/0/<index> (the path Autobahn uses for WAMP), the 32-byte child private key
 *     being the Ed25519 seed.
 * Parsers treat input as hostile: every length is checked, errors are WAMP_EKEYFILE.
 * Seeds are wiped when a key is freed.
 */
#ifndef WAMP_CRYPTOSIGN_H
#define WAMP_CRYPTOSIGN_H

#include "common.h"
#include "value.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wamp_cryptosign_key wamp_cryptosign_key;

/* Signing key from a 32-byte seed; comment (may be NULL) is copied. */
WAMP_API int wamp_cryptosign_key_from_bytes(const uint8_t seed[32], const char *comment,
                                            wamp_cryptosign_key **out);
/* Verification key from a 32-byte public key. */
WAMP_API int wamp_cryptosign_key_from_pubkey(const uint8_t pubkey[32], const char *comment,
                                             wamp_cryptosign_key **out);
/* Signing key from a file of exactly 32 raw bytes. WAMP_EIO, WAMP_EKEYFILE (size). */
WAMP_API int wamp_cryptosign_key_from_file(const char *path, const char *comment,
                                           wamp_cryptosign_key **out);
/* Autobahn key file text (private or public), from memory or a file. Unknown or duplicate
 * tags are WAMP_EKEYFILE as in Autobahn's parse_keyfile(). */
WAMP_API int wamp_cryptosign_key_from_keyfile_bytes(const char *data, size_t len,
                                                    wamp_cryptosign_key **out);
WAMP_API int wamp_cryptosign_key_from_keyfile(const char *path, wamp_cryptosign_key **out);
/* OpenSSH private (unencrypted; WAMP_EUNSUPPORTED when encrypted) or public Ed25519 key text
 * (the comment becomes the key's comment), from memory or a file. */
WAMP_API int wamp_cryptosign_key_from_ssh_bytes(const char *data, size_t len,
                                                wamp_cryptosign_key **out);
WAMP_API int wamp_cryptosign_key_from_ssh_file(const char *path, wamp_cryptosign_key **out);
/* BIP-39 phrase (used byte for byte, as Autobahn does: no NFKD) and account index. */
WAMP_API int wamp_cryptosign_key_from_seedphrase(const char *phrase, uint32_t index,
                                                 wamp_cryptosign_key **out);

/*
 * A signing key held elsewhere (a security module, hardware token or agent): sign(user, data,
 * len, sig) must write the 64-byte Ed25519 signature of data by the private key of pubkey and
 * return WAMP_OK (or an error, which is passed on). Every signature it returns is verified
 * against pubkey before use (WAMP_ESIGNATURE otherwise). user is borrowed and must outlive the
 * key. wamp_cryptosign_key_seed() gives WAMP_ESTATE for such keys; an authenticator given one
 * (wamp_auth_config.key) borrows it, so it must outlive the authenticator.
 */
typedef int (*wamp_cryptosign_sign_cb)(void *user, const uint8_t *data, size_t len,
                                       uint8_t sig[64]);
WAMP_API int wamp_cryptosign_key_from_signer(const uint8_t pubkey[32], wamp_cryptosign_sign_cb sign,
                                             void *user, const char *comment,
                                             wamp_cryptosign_key **out);

/* A new signing key from 32 random bytes (libsodium's CSPRNG). */
WAMP_API int wamp_cryptosign_key_generate(const char *comment, wamp_cryptosign_key **out);

/* Optional fields of a key file written by wamp_cryptosign_key_write_keyfile() (NULL: left
 * out). Values must not contain newlines. */
typedef struct wamp_keyfile_info {
    const char *comment;    /* free text before the first blank line (may span lines) */
    const char *creator;    /* "creator" tag */
    const char *created_at; /* "created-at" tag, e.g. "2022-07-05T12:29:48.832Z" */
    const char *user_id;    /* "user-id" tag */
} wamp_keyfile_info;

/*
 * Appends the key in Autobahn's key file format (as util.write_keyfile() writes it): comment
 * lines, a blank line, then "tag: value" lines — creator, created-at, user-id when given,
 * public-key-ed25519 and, when private is true and the key has a seed, private-key-ed25519.
 * The text is NUL-terminated (the NUL not counted in out->len). Returns WAMP_OK, WAMP_EINVAL (a
 * value with a newline), WAMP_ESTATE (private requested for a key without a seed), WAMP_ENOMEM.
 */
WAMP_API int wamp_cryptosign_key_write_keyfile(const wamp_cryptosign_key *key, bool private_,
                                               const wamp_keyfile_info *info, wamp_buf *out);

/* Frees the key (wiping the seed). NULL is a no-op. */
WAMP_API void wamp_cryptosign_key_free(wamp_cryptosign_key *key);

WAMP_API bool wamp_cryptosign_key_can_sign(const wamp_cryptosign_key *key);
/* "cryptosign" */
WAMP_API const char *wamp_cryptosign_key_type(const wamp_cryptosign_key *key);
/* The comment or NULL; lives as long as the key. */
WAMP_API const char *wamp_cryptosign_key_comment(const wamp_cryptosign_key *key);
/* Public key as 32 bytes. */
WAMP_API void wamp_cryptosign_key_public(const wamp_cryptosign_key *key, uint8_t out[32]);
/* Public key as 64 lower-case hex chars + NUL. */
WAMP_API void wamp_cryptosign_key_public_hex(const wamp_cryptosign_key *key, char out[65]);
/* The 32-byte seed of a signing key (WAMP_ESTATE for a verification key). */
WAMP_API int wamp_cryptosign_key_seed(const wamp_cryptosign_key *key, uint8_t out[32]);

/* Ed25519 signature of data (64 bytes). WAMP_ESTATE when the key cannot sign. */
WAMP_API int wamp_cryptosign_key_sign(const wamp_cryptosign_key *key, const void *data, size_t len,
                                      uint8_t sig[64]);
/* WAMP_OK when sig is a valid signature of data by this key, else WAMP_ESIGNATURE. */
WAMP_API int wamp_cryptosign_key_verify(const wamp_cryptosign_key *key, const void *data,
                                        size_t len, const uint8_t sig[64]);

/* Length of the hex text of signature || signed message, plus NUL. */
#define WAMP_CRYPTOSIGN_SIGNED_HEX_SIZE 193

/*
 * Signs a cryptosign challenge (CHALLENGE.Extra.challenge: 64 hex chars): msg = challenge
 * bytes, XOR channel_id when channel_id is not NULL (tls-unique, 32 bytes); writes
 * hex(signature || msg) (192 chars + NUL). WAMP_EAUTH for a malformed challenge.
 */
WAMP_API int wamp_cryptosign_key_sign_challenge(const wamp_cryptosign_key *key,
                                                wamp_str challenge_hex, const uint8_t *channel_id,
                                                char out[WAMP_CRYPTOSIGN_SIGNED_HEX_SIZE]);

/*
 * Router side: checks AUTHENTICATE.Signature (hex of 64-byte signature || 32-byte message)
 * against pubkey: the message must equal challenge XOR channel_id (challenge alone when
 * channel_id is NULL) — compared in constant time — and the signature must verify.
 * Returns WAMP_OK, WAMP_EAUTH (malformed, wrong message) or WAMP_ESIGNATURE.
 */
WAMP_API int wamp_cryptosign_verify_challenge(const uint8_t pubkey[32], const uint8_t challenge[32],
                                              const uint8_t *channel_id, wamp_str signed_hex);

/* BIP-39 mnemonic to 64-byte seed: PBKDF2-HMAC-SHA512(mnemonic, "mnemonic" + passphrase,
 * 2048). passphrase NULL means "". */
WAMP_API int wamp_bip39_seed(const char *mnemonic, const char *passphrase, uint8_t out[64]);
/*
 * BIP-32 (secp256k1) private key derivation from a seed along path ("m/44'/655'/0'/0/0";
 * ' or h marks hardened steps), as Autobahn's mnemonic_to_private_key(). Writes the 32-byte
 * private key. WAMP_EINVAL for a bad path, WAMP_ECRYPTO for an (astronomically unlikely)
 * invalid master key.
 */
WAMP_API int wamp_bip32_derive(const uint8_t *seed, size_t seedlen, const char *path,
                               uint8_t out[32]);

/*
 * HELLO.Details.authextra of cryptosign (Autobahn's CryptosignAuthextra). Binary fields are
 * present when their has_ flag is set; ints when non-zero; certificates is a borrowed list.
 */
typedef struct wamp_cryptosign_authextra {
    bool has_pubkey, has_challenge, has_channel_id, has_trustroot, has_signature;
    bool has_realm, has_delegate, has_seeder;
    uint8_t pubkey[32];
    uint8_t challenge[32];
    const char *channel_binding; /* NULL, "tls-unique" or "tls-exporter" (static string) */
    uint8_t channel_id[32];
    uint8_t trustroot[20];
    /* reservation */
    int64_t chain_id, block_no, bandwidth;
    uint8_t realm[20], delegate[20], seeder[20];
    uint8_t signature[65];
    const wamp_value *certificates;
} wamp_cryptosign_authextra;

/* Parses an authextra dict; unknown keys are ignored, a wrong type or length of a known key
 * is WAMP_EINVAL. */
WAMP_API int wamp_cryptosign_authextra_parse(const wamp_value *dict,
                                             wamp_cryptosign_authextra *out);
/* Builds the dict (hex strings, "0x" + lower-case hex addresses), in arena a. */
WAMP_API int wamp_cryptosign_authextra_marshal(const wamp_cryptosign_authextra *ae, wamp_arena *a,
                                               wamp_value *out);

/*
 * Certificate chains (the spec's "Trustroots and Certificates"): HELLO.authextra.certificates
 * is a list of [typed data, signature] pairs — EIP-712 typed data in the eth_signTypedData_v4
 * shape and the 65-byte Ethereum signature of it (130 hex digits, "0x" optional, or BYTES):
 *   [0]      an EIP712DelegateCertificate {chainId uint256, verifyingContract address,
 *            validFrom uint256, delegate address, csPubKey bytes32, bootedAt uint64,
 *            meta string}, signed by the delegate's Ethereum key,
 *   [1..n-2] EIP712AuthorityCertificate intermediates {chainId, verifyingContract, validFrom,
 *            issuer address, subject address, realm address, capabilities uint64, meta},
 *   [n-1]    the self-signed root EIP712AuthorityCertificate (issuer == subject).
 * Domain {name "WMP", version "1"}. The digests are computed from these definitions, never
 * from the types or domain sent with a certificate, so a peer cannot change what was signed.
 * Field values: addresses as "0x" hex text (a mixed-case one must carry a correct EIP-55
 * checksum) or 20 BYTES; csPubKey as 64 hex digits ("0x" optional) or 32 BYTES; integers
 * non-negative and below 2^64 (larger uint256 values are refused as malformed); each message
 * has exactly its type's fields; capabilities bits 8..63 (reserved) must be 0.
 */
#define WAMP_CERT_CAP_ROOT_CA         (1u << 0)
#define WAMP_CERT_CAP_INTERMEDIATE_CA (1u << 1)
#define WAMP_CERT_CAP_PUBLIC_RELAY    (1u << 2)
#define WAMP_CERT_CAP_PRIVATE_RELAY   (1u << 3)
#define WAMP_CERT_CAP_GATEWAY         (1u << 4)
#define WAMP_CERT_CAP_EXCHANGE        (1u << 5)
#define WAMP_CERT_CAP_PROVIDER        (1u << 6)
#define WAMP_CERT_CAP_CONSUMER        (1u << 7)

/* The check that failed (wamp_cryptosign_cert_info.failed): CCR-n is the spec's Certificate
 * Chain Rule n. */
typedef enum wamp_cert_check {
    WAMP_CERT_OK = 0,
    WAMP_CERT_CCR1 = 1,   /* chainId / verifyingContract not as expected (or not the same in
                             every certificate), or validFrom after policy->block_number */
    WAMP_CERT_CCR2 = 2,   /* realm not as expected or not the same in every authority cert */
    WAMP_CERT_CCR3 = 3,   /* first is not a delegate certificate, or a later one is */
    WAMP_CERT_CCR4 = 4,   /* the last certificate is not self-signed (issuer != subject) */
    WAMP_CERT_CCR5 = 5,   /* an intermediate's issuer is not the subject of the next cert */
    WAMP_CERT_CCR6 = 6,   /* an issuing certificate is valid from a later block */
    WAMP_CERT_CCR7 = 7,   /* an intermediate has capabilities its issuer lacks */
    WAMP_CERT_CCR8 = 8,   /* certificate 1's subject is not the delegate */
    WAMP_CERT_CCR9 = 9,   /* certificate 1 is valid from a later block than the delegate cert */
    WAMP_CERT_CCR10 = 10, /* the root's signature was not made by its issuer */
    WAMP_CERT_CCR11 = 11, /* an intermediate's signature was not made by its issuer */
    WAMP_CERT_CCR12 = 12, /* the delegate certificate's signature was not made by the delegate */
    WAMP_CERT_MALFORMED = 20,    /* not a list of pairs, unknown primaryType, bad field */
    WAMP_CERT_CHAIN_LENGTH = 21, /* fewer than 2 or more than 16 certificates */
    WAMP_CERT_TRUSTROOT = 22,    /* the root's issuer is not the trustroot */
    WAMP_CERT_PUBKEY = 23,       /* csPubKey is not the session's Ed25519 public key */
} wamp_cert_check;

/* What the verifier expects (CCR-1, CCR-2). Zero / NULL members are not checked against a
 * fixed value, but must still agree across the chain. */
typedef struct wamp_cryptosign_cert_policy {
    uint64_t chain_id;                 /* expected chainId; 0: any */
    const uint8_t *verifying_contract; /* 20 bytes or NULL */
    const uint8_t *realm;              /* 20 bytes (the realm's address) or NULL */
    uint64_t block_number;             /* current block: validFrom must not exceed it; 0: none */
} wamp_cryptosign_cert_policy;

/* The result: on failure `failed` and the chain index of the certificate at fault; on
 * success the verified facts. */
typedef struct wamp_cryptosign_cert_info {
    wamp_cert_check failed;
    size_t index;
    uint64_t chain_id, valid_from, booted_at; /* of the delegate certificate */
    uint64_t capabilities;                    /* of certificate 1 (the delegate's issuer) */
    uint8_t verifying_contract[20], realm[20], delegate[20], root[20];
} wamp_cryptosign_cert_info;

/*
 * Verifies a certificate chain (see above) for a session authenticating with the Ed25519
 * key pubkey (HELLO.authextra.pubkey) and announcing trustroot (HELLO.authextra.trustroot,
 * 20 bytes): the structure and CCR-1 .. CCR-9, the root's issuer == trustroot, the delegate
 * certificate's csPubKey == pubkey, then every signature (CCR-10 .. CCR-12, by recovering
 * the signer's address). policy may be NULL (nothing fixed); info may be NULL.
 * Only the chain's own consistency and signatures are checked: whether trustroot is a trust
 * anchor (e.g. on-chain) is the caller's decision. certificates is only read.
 * Returns WAMP_OK; WAMP_EINVAL (malformed input or a NULL argument); WAMP_EUNSUPPORTED (a
 * single delegate certificate with the rest pre-agreed); WAMP_ELIMIT (more than 16);
 * WAMP_EAUTH (a chain rule, the trustroot or the public key); WAMP_ESIGNATURE (CCR-10..12);
 * WAMP_ENOMEM. info->failed says which check failed.
 */
WAMP_API int wamp_cryptosign_verify_certificates(const wamp_value *certificates,
                                                 const uint8_t trustroot[20],
                                                 const uint8_t pubkey[32],
                                                 const wamp_cryptosign_cert_policy *policy,
                                                 wamp_cryptosign_cert_info *info);

#ifdef __cplusplus
}
#endif
#endif
