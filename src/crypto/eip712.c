/* EIP-712 typed structured data hashing (encodeType, encodeData, hashStruct, the domain
 * separator and the signing digest) over typed data held as a wamp_value in the JSON shape of
 * eth_signTypedData_v4. No C library for EIP-712 exists in Debian; this follows the EIP text.
 * Typed data is untrusted: types and values are checked, recursion is bounded. */
#include <string.h>

#include <wamp/ethkey.h>

#include "crypto/crypto_util.h"
#include "crypto/keccak.h"

#define MAX_DEPTH 32
#define MAX_TYPES 64

typedef struct ctx {
    const wamp_value *types; /* dict: type name -> list of {name, type} */
} ctx;

static const wamp_value *type_fields(const ctx *c, const char *name, size_t len)
{
    const wamp_value *f = wamp_value_dict_get(c->types, name, len);
    return f && wamp_value_type_of(f) == WAMP_VALUE_LIST ? f : NULL;
}

/* The field's name and type strings; false when the entry is malformed. */
static bool field_at(const wamp_value *fields, size_t i, wamp_str *name, wamp_str *type)
{
    const wamp_value *f = wamp_value_list_at(fields, i);
    if (!f || wamp_value_type_of(f) != WAMP_VALUE_DICT) return false;
    const wamp_value *n = wamp_value_dict_getc(f, "name"), *t = wamp_value_dict_getc(f, "type");
    return n && t && wamp_value_get_string(n, name) && wamp_value_get_string(t, type) &&
           name->len > 0 && type->len > 0 && !memchr(name->ptr, '\0', name->len) &&
           !memchr(type->ptr, '\0', type->len);
}

static size_t base_len(wamp_str type)
{
    const char *b = memchr(type.ptr, '[', type.len);
    return b ? (size_t)(b - type.ptr) : type.len;
}

/* Collects name and every struct type it references (transitively) into set. */
static int collect(const ctx *c, wamp_str name, wamp_str *set, size_t *n)
{
    for (size_t i = 0; i < *n; i++)
        if (wamp_str_eq(set[i], name)) return WAMP_OK;
    const wamp_value *fields = type_fields(c, name.ptr, name.len);
    if (!fields) return WAMP_ENOTFOUND;
    if (*n == MAX_TYPES) return WAMP_ELIMIT;
    set[(*n)++] = name;
    for (size_t i = 0; i < wamp_value_count(fields); i++) {
        wamp_str fname, ftype;
        if (!field_at(fields, i, &fname, &ftype)) return WAMP_EINVAL;
        wamp_str base = {ftype.ptr, base_len(ftype)};
        if (!type_fields(c, base.ptr, base.len)) continue;
        int rc = collect(c, base, set, n);
        if (rc) return rc;
    }
    return WAMP_OK;
}

static int str_cmp(wamp_str a, wamp_str b)
{
    int r = memcmp(a.ptr, b.ptr, a.len < b.len ? a.len : b.len);
    return r ? r : (a.len < b.len ? -1 : a.len > b.len);
}

static int encode_type(const ctx *c, wamp_str name, wamp_buf *out)
{
    wamp_str set[MAX_TYPES];
    size_t n = 0;
    int rc = collect(c, name, set, &n);
    if (rc) return rc;
    /* set[0] is the primary type; the rest sorted by name */
    for (size_t i = 2; i < n; i++)
        for (size_t j = i; j > 1 && str_cmp(set[j - 1], set[j]) > 0; j--) {
            wamp_str t = set[j];
            set[j] = set[j - 1];
            set[j - 1] = t;
        }
    size_t start = out->len;
    for (size_t i = 0; i < n && !rc; i++) {
        const wamp_value *fields = type_fields(c, set[i].ptr, set[i].len);
        rc = wamp_buf_append(out, set[i].ptr, set[i].len);
        if (!rc) rc = wamp_buf_append_byte(out, '(');
        for (size_t f = 0; f < wamp_value_count(fields) && !rc; f++) {
            wamp_str fname, ftype;
            field_at(fields, f, &fname, &ftype);
            if (f) rc = wamp_buf_append_byte(out, ',');
            if (!rc) rc = wamp_buf_append(out, ftype.ptr, ftype.len);
            if (!rc) rc = wamp_buf_append_byte(out, ' ');
            if (!rc) rc = wamp_buf_append(out, fname.ptr, fname.len);
        }
        if (!rc) rc = wamp_buf_append_byte(out, ')');
    }
    if (!rc) rc = wamp_buf_reserve(out, 1);
    if (rc) {
        out->len = start;
        return rc;
    }
    out->data[out->len] = '\0';
    return WAMP_OK;
}

/* Bytes from a BYTES value or "0x" hex text (even number of digits), at most cap. */
static int get_bytes(const wamp_value *v, uint8_t *out, size_t cap, size_t *len)
{
    wamp_str s;
    if (wamp_value_get_bytes(v, &s)) {
        if (s.len > cap) return WAMP_EINVAL;
        memcpy(out, s.ptr, s.len);
        *len = s.len;
        return WAMP_OK;
    }
    if (!wamp_value_get_string(v, &s) || s.len < 2 || s.ptr[0] != '0' ||
        (s.ptr[1] != 'x' && s.ptr[1] != 'X') || (s.len - 2) % 2 || (s.len - 2) / 2 > cap)
        return WAMP_EINVAL;
    *len = (s.len - 2) / 2;
    return wamp__crypto_unhex(out, *len, s.ptr + 2, s.len - 2);
}

/* 256-bit big-endian arithmetic for integer fields. */
static void u256_mul_add(uint8_t x[32], unsigned mul, unsigned add, bool *overflow)
{
    unsigned carry = add;
    for (int i = 31; i >= 0; i--) {
        unsigned t = x[i] * mul + carry;
        x[i] = (uint8_t)t;
        carry = t >> 8;
    }
    if (carry) *overflow = true;
}

static void u256_neg(uint8_t x[32])
{
    unsigned carry = 1;
    for (int i = 31; i >= 0; i--) {
        unsigned t = (uint8_t)~x[i] + carry;
        x[i] = (uint8_t)t;
        carry = t >> 8;
    }
}

/* Parses the integer into magnitude + sign. */
static int get_integer(const wamp_value *v, uint8_t mag[32], bool *neg)
{
    memset(mag, 0, 32);
    *neg = false;
    int64_t i;
    uint64_t u;
    wamp_str s;
    if (wamp_value_get_int(v, &i)) {
        *neg = i < 0;
        u = i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i;
        for (int b = 0; b < 8; b++)
            mag[31 - b] = (uint8_t)(u >> (8 * b));
        return WAMP_OK;
    }
    if (wamp_value_get_uint(v, &u)) {
        for (int b = 0; b < 8; b++)
            mag[31 - b] = (uint8_t)(u >> (8 * b));
        return WAMP_OK;
    }
    if (!wamp_value_get_string(v, &s) || s.len == 0 || s.len > 80) return WAMP_EINVAL;
    size_t p = 0;
    if (s.ptr[0] == '-') {
        *neg = true;
        p = 1;
    }
    bool hex = s.len - p > 2 && s.ptr[p] == '0' && (s.ptr[p + 1] == 'x' || s.ptr[p + 1] == 'X');
    if (hex) p += 2;
    if (p == s.len) return WAMP_EINVAL;
    bool overflow = false;
    for (; p < s.len; p++) {
        char ch = s.ptr[p];
        unsigned d;
        if (ch >= '0' && ch <= '9')
            d = (unsigned)(ch - '0');
        else if (hex && ch >= 'a' && ch <= 'f')
            d = (unsigned)(ch - 'a' + 10);
        else if (hex && ch >= 'A' && ch <= 'F')
            d = (unsigned)(ch - 'A' + 10);
        else
            return WAMP_EINVAL;
        u256_mul_add(mag, hex ? 16 : 10, d, &overflow);
    }
    return overflow ? WAMP_EINVAL : WAMP_OK;
}

/* Bit width of "uintN"/"intN"/"bytesN" suffix, 0 when malformed. */
static unsigned suffix_num(const char *p, size_t len)
{
    if (len == 0 || len > 3 || p[0] == '0') return 0;
    unsigned n = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9') return 0;
        n = n * 10 + (unsigned)(p[i] - '0');
    }
    return n;
}

static int encode_int(const wamp_value *v, unsigned bits, bool is_signed, uint8_t out[32])
{
    if (bits == 0 || bits > 256 || bits % 8) return WAMP_EINVAL;
    bool neg;
    int rc = get_integer(v, out, &neg);
    if (rc) return rc;
    if (neg && !is_signed) return WAMP_EINVAL;
    /* magnitude limit: unsigned < 2^bits, signed < 2^(bits-1) (== allowed when negative) */
    unsigned limit = is_signed ? bits - 1 : bits;
    for (unsigned b = limit; b < 256; b++)
        if (out[31 - b / 8] >> (b % 8) & 1) {
            bool exact_min = neg && b == limit;
            for (unsigned r = 0; exact_min && r < 256; r++)
                if (r != b && (out[31 - r / 8] >> (r % 8) & 1)) exact_min = false;
            if (!exact_min) return WAMP_EINVAL;
        }
    if (neg) u256_neg(out);
    return WAMP_OK;
}

static int hash_struct(const ctx *c, wamp_str name, const wamp_value *value, int depth,
                       uint8_t out[32]);

static int encode_value(const ctx *c, wamp_str type, const wamp_value *v, int depth,
                        uint8_t out[32])
{
    if (depth > MAX_DEPTH) return WAMP_EDEPTH;
    memset(out, 0, 32);
    if (type.len > 0 && type.ptr[type.len - 1] == ']') {
        const char *open = NULL;
        for (size_t i = type.len - 1; i-- > 0;)
            if (type.ptr[i] == '[') {
                open = type.ptr + i;
                break;
            }
        if (!open || open == type.ptr) return WAMP_EINVAL;
        size_t nlen = (size_t)(type.ptr + type.len - 1 - (open + 1));
        if (wamp_value_type_of(v) != WAMP_VALUE_LIST) return WAMP_EINVAL;
        if (nlen) {
            unsigned n = suffix_num(open + 1, nlen);
            if ((n == 0 && !(nlen == 1 && open[1] == '0')) || wamp_value_count(v) != n)
                return WAMP_EINVAL;
        }
        wamp_str elem = {type.ptr, (size_t)(open - type.ptr)};
        wamp__keccak k;
        wamp__keccak_init(&k);
        for (size_t i = 0; i < wamp_value_count(v); i++) {
            uint8_t e[32];
            int rc = encode_value(c, elem, wamp_value_list_at(v, i), depth + 1, e);
            if (rc) return rc;
            wamp__keccak_update(&k, e, 32);
        }
        wamp__keccak_final(&k, out);
        return WAMP_OK;
    }
    if (type_fields(c, type.ptr, type.len)) return hash_struct(c, type, v, depth + 1, out);
    wamp_str s;
    if (wamp_str_eqc(type, "string")) {
        if (!wamp_value_get_string(v, &s)) return WAMP_EINVAL;
        wamp_keccak256(s.ptr, s.len, out);
        return WAMP_OK;
    }
    if (wamp_str_eqc(type, "bytes")) {
        if (wamp_value_get_bytes(v, &s)) {
            wamp_keccak256(s.ptr, s.len, out);
            return WAMP_OK;
        }
        if (!wamp_value_get_string(v, &s) || s.len < 2 || s.ptr[0] != '0' || s.ptr[1] != 'x' ||
            s.len % 2)
            return WAMP_EINVAL;
        wamp__keccak k;
        wamp__keccak_init(&k);
        for (size_t i = 2; i < s.len; i += 2) {
            uint8_t b;
            if (wamp__crypto_unhex(&b, 1, s.ptr + i, 2)) return WAMP_EINVAL;
            wamp__keccak_update(&k, &b, 1);
        }
        wamp__keccak_final(&k, out);
        return WAMP_OK;
    }
    if (wamp_str_eqc(type, "bool")) {
        bool b;
        if (!wamp_value_get_bool(v, &b)) return WAMP_EINVAL;
        out[31] = b;
        return WAMP_OK;
    }
    if (wamp_str_eqc(type, "address")) {
        size_t len;
        if (get_bytes(v, out + 12, 20, &len) || len != 20) return WAMP_EINVAL;
        return WAMP_OK;
    }
    if (type.len > 5 && memcmp(type.ptr, "bytes", 5) == 0) {
        unsigned n = suffix_num(type.ptr + 5, type.len - 5);
        size_t len;
        if (n == 0 || n > 32 || get_bytes(v, out, n, &len)) return WAMP_EINVAL;
        return WAMP_OK;
    }
    if (type.len > 4 && memcmp(type.ptr, "uint", 4) == 0)
        return encode_int(v, suffix_num(type.ptr + 4, type.len - 4), false, out);
    if (type.len > 3 && memcmp(type.ptr, "int", 3) == 0)
        return encode_int(v, suffix_num(type.ptr + 3, type.len - 3), true, out);
    return WAMP_ENOTFOUND;
}

static int hash_struct(const ctx *c, wamp_str name, const wamp_value *value, int depth,
                       uint8_t out[32])
{
    if (depth > MAX_DEPTH) return WAMP_EDEPTH;
    if (!value || wamp_value_type_of(value) != WAMP_VALUE_DICT) return WAMP_EINVAL;
    const wamp_value *fields = type_fields(c, name.ptr, name.len);
    if (!fields) return WAMP_ENOTFOUND;
    wamp_buf enc = {0};
    int rc = encode_type(c, name, &enc);
    if (rc) {
        wamp_buf_free(&enc);
        return rc;
    }
    uint8_t th[32];
    wamp_keccak256(enc.data, enc.len, th);
    wamp_buf_free(&enc);
    wamp__keccak k;
    wamp__keccak_init(&k);
    wamp__keccak_update(&k, th, 32);
    for (size_t i = 0; i < wamp_value_count(fields); i++) {
        wamp_str fname, ftype;
        uint8_t e[32];
        if (!field_at(fields, i, &fname, &ftype)) return WAMP_EINVAL;
        const wamp_value *fv = wamp_value_dict_get(value, fname.ptr, fname.len);
        if (!fv) return WAMP_EINVAL;
        rc = encode_value(c, ftype, fv, depth, e);
        if (rc) return rc;
        wamp__keccak_update(&k, e, 32);
    }
    wamp__keccak_final(&k, out);
    return WAMP_OK;
}

static int init_ctx(ctx *c, const wamp_value *typed)
{
    if (!typed || wamp_value_type_of(typed) != WAMP_VALUE_DICT) return WAMP_EINVAL;
    c->types = wamp_value_dict_getc(typed, "types");
    if (!c->types || wamp_value_type_of(c->types) != WAMP_VALUE_DICT) return WAMP_EINVAL;
    return WAMP_OK;
}

WAMP_API int wamp_eip712_encode_type(const wamp_value *typed, const char *name, wamp_buf *out)
{
    ctx c;
    if (!name || !out) return WAMP_EINVAL;
    int rc = init_ctx(&c, typed);
    return rc ? rc : encode_type(&c, wamp_str_c(name), out);
}

WAMP_API int wamp_eip712_hash_struct(const wamp_value *typed, const char *name,
                                     const wamp_value *value, uint8_t out[32])
{
    ctx c;
    if (!name || !out) return WAMP_EINVAL;
    int rc = init_ctx(&c, typed);
    return rc ? rc : hash_struct(&c, wamp_str_c(name), value, 0, out);
}

WAMP_API int wamp_eip712_domain_separator(const wamp_value *typed, uint8_t out[32])
{
    ctx c;
    if (!out) return WAMP_EINVAL;
    int rc = init_ctx(&c, typed);
    return rc ? rc
              : hash_struct(&c, wamp_str_c("EIP712Domain"), wamp_value_dict_getc(typed, "domain"),
                            0, out);
}

WAMP_API int wamp_eip712_hash(const wamp_value *typed, uint8_t out[32])
{
    ctx c;
    uint8_t buf[66];
    wamp_str primary;
    if (!out) return WAMP_EINVAL;
    int rc = init_ctx(&c, typed);
    if (rc) return rc;
    const wamp_value *pt = wamp_value_dict_getc(typed, "primaryType");
    if (!pt || !wamp_value_get_string(pt, &primary)) return WAMP_EINVAL;
    buf[0] = 0x19;
    buf[1] = 0x01;
    rc = wamp_eip712_domain_separator(typed, buf + 2);
    if (!rc) rc = hash_struct(&c, primary, wamp_value_dict_getc(typed, "message"), 0, buf + 34);
    if (rc) return rc;
    wamp_keccak256(buf, sizeof buf, out);
    return WAMP_OK;
}
