/*
 * UBJSON value codec (Universal Binary JSON, draft 12, classic big-endian form).
 *
 * Written by hand: no maintained C library for UBJSON is packaged for Debian, and the codec
 * must produce exactly the bytes of py-ubjson 0.16.1 (the backend of Autobahn|Python's
 * UBJSONObjectSerializer) and decode into our arena/borrowing value model.
 *
 * Decoding
 *   Z null, T/F bool, i U I l L integers (INT), d float32 and D float64 (DOUBLE), C char and
 *   S string (STRING, UTF-8 checked; C must be ASCII), H high-precision number (see below),
 *   [ ] arrays and { } objects, with the optimised headers $<type> (needs #) and #<count>.
 *   An array typed $U is BYTES (py-ubjson's convention for Python bytes: `[$U#<n><data>`);
 *   arrays of any other type are lists. The no-op N is skipped wherever a marker is expected
 *   (before a value, before an object key, before the top-level value); it is not a value.
 *   H decodes to INT/UINT when it is an integer that fits 64 bits, to DOUBLE when it is a
 *   fraction or exponent form whose value a double holds *exactly* (e.g. the subnormals
 *   py-ubjson writes as H), and otherwise to a STRING holding the decimal text unchanged
 *   (Autobahn's JSON serializer renders Python Decimal the same way). H text must follow the
 *   JSON number grammar.
 *   Limits: counts and lengths are checked against the bytes left before anything is
 *   allocated (WAMP_ETRUNCATED); elements of zero width ($Z, $T, $F) are paid from a budget of
 *   one element per input byte over the whole decode (WAMP_ETOOBIG), so no input makes the
 *   decoder allocate more than a fixed multiple of its size (the budget depends on the input
 *   length: re-encoding that drops no-ops may turn an accepted input into a refused one).
 *   Nesting is bounded by max_depth.
 *   BJData (the little-endian UBJSON superset of bjdata/autobahn >= 26) is NOT supported: its
 *   integers and floats are little-endian under the same markers, so it cannot be told apart
 *   from classic UBJSON; its own markers (u m M h B) are rejected as WAMP_ESYNTAX.
 *
 * Encoding (byte for byte what py-ubjson's dumpb() writes with its default options)
 *   integers in the smallest of U (0..255), i (-128..-1), I, l, L; uint64 above INT64_MAX as
 *   H with its decimal digits; a double as D when normal, as d (float32) when zero (keeping the
 *   sign), as H with its exact decimal expansion when subnormal, and as Z when NaN or infinite
 *   (as the UBJSON spec asks); strings of one byte as C, others as S<len>; bytes as
 *   [$U#<len><data>; lists as [ ... ] and dicts as { ... } without counts.
 */
#include "codec/bincommon.h"
#include "codec/codec.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Nesting limit when encoding (values built by the application; guards against cycles). */
#define ENCODE_MAX_DEPTH 1024

/* ---------------------------------------------------------------- big-endian helpers */

static uint64_t rd_be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* ---------------------------------------------------------------- exact decimal of a double */

/*
 * Exact decimal expansion of a finite non-zero |x|: digits (no leading or trailing zeros) and
 * exponent such that |x| = 0.<digits> ... precisely: |x| = digits * 10^exp10. A double is
 * m * 2^e with m < 2^53; for e < 0 that equals m * 5^-e * 10^e. Big integers are kept in base
 * 10^9 limbs (at most ~770 digits). Returns the number of digits written to buf (which must
 * hold 800 bytes).
 */
#define EXACT_MAX_DIGITS 800

static size_t exact_decimal(double x, char *buf, int *exp10)
{
    uint32_t limb[(EXACT_MAX_DIGITS + 8) / 9];
    size_t n = 0;
    int e2;
    double fr = frexp(fabs(x), &e2);      /* |x| = fr * 2^e2, fr in [0.5, 1) */
    uint64_t m = (uint64_t)ldexp(fr, 53); /* exact: 53-bit mantissa */
    e2 -= 53;
    while (m && !(m & 1)) {
        m >>= 1;
        e2++;
    }
    limb[n++] = (uint32_t)(m % 1000000000u);
    if (m >= 1000000000u) limb[n++] = (uint32_t)(m / 1000000000u % 1000000000u);
    if (m >= 1000000000000000000u) limb[n++] = (uint32_t)(m / 1000000000000000000u);
    while (n > 1 && limb[n - 1] == 0)
        n--;
    int steps = e2 >= 0 ? e2 : -e2;
    uint32_t unit = e2 >= 0 ? 2 : 5;
    *exp10 = e2 >= 0 ? 0 : e2;
    while (steps > 0) {
        /* multiply by unit^k with unit^k < 2^32 */
        uint64_t f = 1;
        int k = 0;
        while (k < steps && f * unit <= 0xffffffffu) {
            f *= unit;
            k++;
        }
        steps -= k;
        uint64_t carry = 0;
        for (size_t i = 0; i < n; i++) {
            uint64_t t = (uint64_t)limb[i] * f + carry;
            limb[i] = (uint32_t)(t % 1000000000u);
            carry = t / 1000000000u;
        }
        while (carry) {
            limb[n++] = (uint32_t)(carry % 1000000000u);
            carry /= 1000000000u;
        }
    }
    /* print most significant limb without padding, the others with 9 digits */
    size_t len = 0;
    char tmp[10];
    int t = 0;
    uint32_t top = limb[n - 1];
    do {
        tmp[t++] = (char)('0' + top % 10);
        top /= 10;
    } while (top);
    while (t)
        buf[len++] = tmp[--t];
    for (size_t i = n - 1; i-- > 0;) {
        uint32_t v = limb[i];
        for (int j = 8; j >= 0; j--) {
            buf[len + (size_t)j] = (char)('0' + v % 10);
            v /= 10;
        }
        len += 9;
    }
    while (len > 1 && buf[len - 1] == '0') {
        len--;
        (*exp10)++;
    }
    return len;
}

/*
 * Python's str(Decimal(x)) for a finite non-zero double: the exact value, in plain notation
 * when the exponent is <= 0 and the adjusted exponent >= -6, else in scientific notation
 * "d.dddE-nnn". Returns the length written to out (needs EXACT_MAX_DIGITS + 16 bytes).
 */
static size_t python_decimal_str(double x, char *out)
{
    char digits[EXACT_MAX_DIGITS];
    int exp10;
    size_t nd = exact_decimal(x, digits, &exp10);
    size_t o = 0;
    if (signbit(x)) out[o++] = '-';
    long left = (long)exp10 + (long)nd; /* digits left of the decimal point */
    if (exp10 <= 0 && left > -6) {
        if (left <= 0) {
            out[o++] = '0';
            out[o++] = '.';
            for (long i = 0; i < -left; i++)
                out[o++] = '0';
            memcpy(out + o, digits, nd);
            o += nd;
        } else {
            memcpy(out + o, digits, (size_t)left);
            o += (size_t)left;
            if ((size_t)left < nd) {
                out[o++] = '.';
                memcpy(out + o, digits + left, nd - (size_t)left);
                o += nd - (size_t)left;
            }
        }
    } else {
        out[o++] = digits[0];
        if (nd > 1) {
            out[o++] = '.';
            memcpy(out + o, digits + 1, nd - 1);
            o += nd - 1;
        }
        long adj = left - 1;
        o += (size_t)snprintf(out + o, 16, "E%c%ld", adj < 0 ? '-' : '+', adj < 0 ? -adj : adj);
    }
    return o;
}

/* ---------------------------------------------------------------- decoder */

typedef struct dec {
    const uint8_t *p, *end;
    wamp_arena *a;
    const wamp_decode_opts *o;
    size_t zbudget; /* zero-width typed elements still allowed (see file comment) */
    /* Elements of open uncounted containers wait on these stacks until the end marker tells
     * their number; then they move to an arena array of exactly that size. */
    wamp_value *vals;
    size_t nvals, capvals;
    wamp_kv *kvs;
    size_t nkvs, capkvs;
} dec;

static bool is_int_marker(uint8_t m)
{
    return m == 'i' || m == 'U' || m == 'I' || m == 'l' || m == 'L';
}

static bool is_value_marker(uint8_t m)
{
    switch (m) {
    case 'Z':
    case 'T':
    case 'F':
    case 'i':
    case 'U':
    case 'I':
    case 'l':
    case 'L':
    case 'd':
    case 'D':
    case 'H':
    case 'C':
    case 'S':
    case '[':
    case '{': return true;
    default: return false;
    }
}

/* Smallest encoded size of one element of a container typed t (0: no payload). */
static size_t type_width(uint8_t t)
{
    switch (t) {
    case 'Z':
    case 'T':
    case 'F': return 0;
    case 'i':
    case 'U':
    case 'C':
    case '[':
    case '{': return 1;
    case 'I':
    case 'H':
    case 'S': return 2;
    case 'l':
    case 'd': return 4;
    default: return 8; /* L D */
    }
}

/* Next marker, skipping no-ops. */
static inline int next_marker(dec *d, uint8_t *m)
{
    for (;;) {
        if (d->p >= d->end) return WAMP_ETRUNCATED;
        uint8_t c = *d->p++;
        if (c != 'N') {
            *m = c;
            return WAMP_OK;
        }
    }
}

/* The integer after marker m (one of i U I l L). */
static int rd_int(dec *d, uint8_t m, int64_t *out)
{
    int n;
    switch (m) {
    case 'i':
    case 'U': n = 1; break;
    case 'I': n = 2; break;
    case 'l': n = 4; break;
    case 'L': n = 8; break;
    default: return WAMP_ESYNTAX;
    }
    if ((size_t)(d->end - d->p) < (size_t)n) return WAMP_ETRUNCATED;
    uint64_t u = rd_be(d->p, n);
    d->p += n;
    switch (m) {
    case 'i': *out = (int8_t)u; break;
    case 'U': *out = (int64_t)u; break;
    case 'I': *out = (int16_t)u; break;
    case 'l': *out = (int32_t)u; break;
    default: *out = (int64_t)u; break; /* two's complement, as every target we build for */
    }
    return WAMP_OK;
}

/* A length or count: an integer marker (already read as m) and a non-negative integer. */
static int rd_len(dec *d, uint8_t m, uint64_t *out)
{
    int64_t v;
    if (!is_int_marker(m)) return WAMP_ESYNTAX;
    int rc = rd_int(d, m, &v);
    if (rc) return rc;
    if (v < 0) return WAMP_ESYNTAX;
    *out = (uint64_t)v;
    return WAMP_OK;
}

/* A length followed by that many bytes; *s points at them. */
static inline int rd_span(dec *d, uint8_t m, const uint8_t **s, size_t *n)
{
    uint64_t len;
    if (m == 'U' && d->p < d->end) { /* the common case: a uint8 length */
        len = *d->p++;
    } else {
        int rc = rd_len(d, m, &len);
        if (rc) return rc;
    }
    if (len > (uint64_t)(d->end - d->p)) return WAMP_ETRUNCATED;
    if (len > UINT32_MAX) return WAMP_ETOOBIG;
    *s = d->p;
    *n = (size_t)len;
    d->p += len;
    return WAMP_OK;
}

static inline int make_text(dec *d, int type, const uint8_t *s, size_t n, wamp_value *out)
{
    if (d->o->copy_strings || n > UINT32_MAX)
        return wamp__bin_set_span(d->a, out, (wamp_value_type)type, s, n, d->o->copy_strings);
    memset(out, 0, sizeof *out); /* borrowed: the common case, without a call */
    out->type = (uint8_t)type;
    out->len = (uint32_t)n;
    out->as.s = (const char *)s;
    return WAMP_OK;
}

/* JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? ; *integral when the
 * text has neither fraction nor exponent. */
static bool json_number(const uint8_t *s, size_t n, bool *integral)
{
    size_t i = 0;
    *integral = true;
    if (i < n && s[i] == '-') i++;
    if (i >= n) return false;
    if (s[i] == '0') {
        i++;
    } else if (s[i] >= '1' && s[i] <= '9') {
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    } else {
        return false;
    }
    if (i < n && s[i] == '.') {
        *integral = false;
        i++;
        size_t st = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == st) return false;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        *integral = false;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        size_t st = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == st) return false;
    }
    return i == n;
}

/* Normalised decimal of number text: significant digits (no leading/trailing zeros) and
 * exponent, value = digits * 10^exp. Returns 0, 1 when the text is a zero, -1 when it has
 * more digits or a larger exponent than any double could match exactly. */
static int normalise_decimal(const uint8_t *s, size_t n, char *digits, size_t cap, size_t *nd,
                             long *exp)
{
    size_t i = 0, k = 0;
    long e = 0;
    bool frac = false;
    if (s[i] == '-') i++;
    for (; i < n && s[i] != 'e' && s[i] != 'E'; i++) {
        if (s[i] == '.') {
            frac = true;
            continue;
        }
        if (k == 0 && s[i] == '0') {
            if (frac) e--;
            continue;
        }
        if (k >= cap) return -1; /* more digits than any double has: not exact */
        digits[k++] = (char)s[i];
        if (frac) e--;
    }
    if (i < n) {
        i++;
        bool neg = false;
        if (s[i] == '+' || s[i] == '-') neg = s[i++] == '-';
        long x = 0;
        for (; i < n; i++) {
            if (x > 100000) return -1;
            x = x * 10 + (s[i] - '0');
        }
        e += neg ? -x : x;
    }
    if (k == 0) return 1;
    while (k > 1 && digits[k - 1] == '0') {
        k--;
        e++;
    }
    *nd = k;
    *exp = e;
    return 0;
}

/* High-precision number: see the file comment for the value it becomes. */
static int parse_hp(dec *d, wamp_value *out)
{
    const uint8_t *s;
    size_t n;
    uint8_t m;
    int rc = next_marker(d, &m);
    if (rc) return rc;
    if ((rc = rd_span(d, m, &s, &n))) return rc;
    bool integral;
    if (!json_number(s, n, &integral)) return WAMP_ESYNTAX;
    if (!out) return WAMP_OK;
    if (integral) {
        bool neg = s[0] == '-';
        uint64_t u = 0;
        bool fits = true;
        for (size_t i = neg; i < n; i++) {
            unsigned dg = (unsigned)(s[i] - '0');
            if (u > (UINT64_MAX - dg) / 10) {
                fits = false;
                break;
            }
            u = u * 10 + dg;
        }
        if (fits && !neg) {
            wamp__bin_set_uint(out, u);
            return WAMP_OK;
        }
        if (fits && u <= (uint64_t)INT64_MAX + 1) {
            wamp__bin_set_int(out, u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u);
            return WAMP_OK;
        }
    } else if (n < 1100) {
        char text[1100];
        memcpy(text, s, n);
        text[n] = 0;
        double x = strtod(text, NULL);
        char want[EXACT_MAX_DIGITS], have[EXACT_MAX_DIGITS];
        size_t nw, nh;
        long ew;
        int eh;
        int norm = normalise_decimal(s, n, want, sizeof want, &nw, &ew);
        if (norm == 1) {
            wamp__bin_set_double(out, x); /* the text is a zero: exact, sign kept */
            return WAMP_OK;
        }
        if (norm == 0 && x != 0 && isfinite(x)) {
            nh = exact_decimal(x, have, &eh);
            if (nh == nw && eh == ew && memcmp(have, want, nw) == 0) {
                wamp__bin_set_double(out, x);
                return WAMP_OK;
            }
        }
    }
    return make_text(d, WAMP_VALUE_STRING, s, n, out);
}

static int parse(dec *d, uint8_t m, size_t depth, wamp_value *out);

/* Reads the optimised container header: *type 0 when untyped, *count -1 when uncounted. */
static int container_header(dec *d, uint8_t *type, int64_t *count)
{
    *type = 0;
    *count = -1;
    if (d->p < d->end && *d->p == '$') {
        d->p++;
        if (d->p >= d->end) return WAMP_ETRUNCATED;
        *type = *d->p++;
        if (!is_value_marker(*type)) return WAMP_ESYNTAX;
        if (d->p >= d->end) return WAMP_ETRUNCATED;
        if (*d->p != '#') return WAMP_ESYNTAX; /* a type needs a count */
    }
    if (d->p < d->end && *d->p == '#') {
        d->p++;
        uint8_t m;
        uint64_t c;
        if (d->p >= d->end) return WAMP_ETRUNCATED;
        m = *d->p++;
        int rc = rd_len(d, m, &c);
        if (rc) return rc;
        if (c > UINT32_MAX) return WAMP_ETOOBIG;
        *count = (int64_t)c;
    }
    return WAMP_OK;
}

/* Checks a declared count against the input left: entry_min bytes per element at least,
 * zero-width elements charged to the decode-wide budget (also when only validating, so that
 * lazy and full decoding accept the same inputs). */
static int check_count(dec *d, int64_t count, size_t entry_min)
{
    size_t left = (size_t)(d->end - d->p);
    if (entry_min) {
        if ((uint64_t)count > left / entry_min) return WAMP_ETRUNCATED;
    } else {
        if ((uint64_t)count > d->zbudget) return WAMP_ETOOBIG;
        d->zbudget -= (size_t)count;
    }
    return WAMP_OK;
}

static void set_container(wamp_value *out, wamp_value_type t, void *items, size_t n)
{
    memset(out, 0, sizeof *out);
    out->type = (uint8_t)t;
    out->len = out->cap = (uint32_t)n;
    if (t == WAMP_VALUE_LIST)
        out->as.items = items;
    else
        out->as.entries = items;
}

static int push_val(dec *d, const wamp_value *v)
{
    if (d->nvals == d->capvals) {
        size_t cap = d->capvals ? d->capvals * 2 : 64;
        wamp_value *n = realloc(d->vals, cap * sizeof *n);
        if (!n) return WAMP_ENOMEM;
        d->vals = n;
        d->capvals = cap;
    }
    d->vals[d->nvals++] = *v;
    return WAMP_OK;
}

static int push_kv(dec *d, wamp_str key, const wamp_value *v)
{
    if (d->nkvs == d->capkvs) {
        size_t cap = d->capkvs ? d->capkvs * 2 : 64;
        wamp_kv *n = realloc(d->kvs, cap * sizeof *n);
        if (!n) return WAMP_ENOMEM;
        d->kvs = n;
        d->capkvs = cap;
    }
    d->kvs[d->nkvs].key = key;
    if (v)
        d->kvs[d->nkvs].value = *v;
    else
        memset(&d->kvs[d->nkvs].value, 0, sizeof(wamp_value));
    d->nkvs++;
    return WAMP_OK;
}

/* Moves the top n stacked elements (size sz each, at src) into a new arena array. */
static void *to_arena(dec *d, const void *src, size_t n, size_t sz)
{
    if (!n) return NULL;
    void *dst = wamp_arena_alloc(d->a, n * sz);
    if (dst) memcpy(dst, src, n * sz);
    return dst;
}

static int parse_array(dec *d, size_t depth, wamp_value *out)
{
    uint8_t type;
    int64_t count;
    int rc;
    if (depth > d->o->max_depth) return WAMP_EDEPTH;
    if ((rc = container_header(d, &type, &count))) return rc;
    if (type == 'U') { /* strongly typed uint8 array: bytes */
        if ((uint64_t)count > (uint64_t)(d->end - d->p)) return WAMP_ETRUNCATED;
        const uint8_t *s = d->p;
        d->p += count;
        return out ? make_text(d, WAMP_VALUE_BYTES, s, (size_t)count, out) : WAMP_OK;
    }
    if (count >= 0) {
        if ((rc = check_count(d, count, type ? type_width(type) : 1))) return rc;
        if (type && type_width(type) == 0 && !out) return WAMP_OK; /* nothing to read */
        wamp_value *items = NULL;
        if (out && count > 0 && !(items = wamp_arena_alloc(d->a, (size_t)count * sizeof *items)))
            return WAMP_ENOMEM;
        for (int64_t i = 0; i < count; i++) {
            uint8_t m = type;
            if (!type && (rc = next_marker(d, &m))) return rc;
            if ((rc = parse(d, m, depth, items ? &items[i] : NULL))) return rc;
        }
        if (out) set_container(out, WAMP_VALUE_LIST, items, (size_t)count);
        return WAMP_OK;
    }
    size_t base = d->nvals;
    for (;;) {
        uint8_t m;
        if ((rc = next_marker(d, &m))) return rc;
        if (m == ']') break;
        wamp_value item;
        if ((rc = parse(d, m, depth, out ? &item : NULL))) return rc;
        if (out && (rc = push_val(d, &item))) return rc;
    }
    if (out) {
        size_t n = d->nvals - base;
        if (n > UINT32_MAX) return WAMP_ETOOBIG;
        wamp_value *items = n ? to_arena(d, d->vals + base, n, sizeof *items) : NULL;
        if (n && !items) return WAMP_ENOMEM;
        d->nvals = base;
        set_container(out, WAMP_VALUE_LIST, items, n);
    }
    return WAMP_OK;
}

/* One key: an integer length (marker m already read) and that many UTF-8 bytes. */
static inline int parse_key(dec *d, uint8_t m, wamp_str *key)
{
    const uint8_t *ks;
    size_t kn;
    int rc;
    if (!is_int_marker(m)) return is_value_marker(m) ? WAMP_EKEYTYPE : WAMP_ESYNTAX;
    if ((rc = rd_span(d, m, &ks, &kn))) return rc;
    if (!wamp__bin_text_ok(ks, kn)) return WAMP_EUTF8;
    key->ptr = (const char *)ks;
    key->len = kn;
    return WAMP_OK;
}

static int parse_object(dec *d, size_t depth, wamp_value *out)
{
    uint8_t type;
    int64_t count;
    int rc;
    size_t base = d->nkvs;
    if (depth > d->o->max_depth) return WAMP_EDEPTH;
    if ((rc = container_header(d, &type, &count))) return rc;
    /* every entry has a key of at least 2 bytes (length marker and length) */
    if (count >= 0 && (rc = check_count(d, count, 2 + (type ? type_width(type) : 1)))) return rc;
    for (int64_t i = 0; count < 0 || i < count; i++) {
        uint8_t m;
        wamp_str key;
        if ((rc = next_marker(d, &m))) return rc;
        if (count < 0 && m == '}') break;
        if ((rc = parse_key(d, m, &key))) return rc;
        m = type;
        if (!type && (rc = next_marker(d, &m))) return rc;
        wamp_value item;
        if ((rc = parse(d, m, depth, out ? &item : NULL))) return rc;
        if (out && d->o->copy_strings && !(key.ptr = wamp_arena_strndup(d->a, key.ptr, key.len)))
            return WAMP_ENOMEM;
        if ((rc = push_kv(d, key, out ? &item : NULL))) return rc;
    }
    size_t n = d->nkvs - base;
    if (n > UINT32_MAX) return WAMP_ETOOBIG;
    rc = n < 2 ? WAMP_OK : wamp__bin_keys_unique(&d->kvs[base].key, sizeof(wamp_kv), n);
    if (!rc && out) {
        wamp_kv *entries = n ? to_arena(d, d->kvs + base, n, sizeof *entries) : NULL;
        if (n && !entries) return WAMP_ENOMEM;
        set_container(out, WAMP_VALUE_DICT, entries, n);
    }
    d->nkvs = base;
    return rc;
}

/* One value whose marker m has been read. out NULL: validate only, build nothing. */
static int parse(dec *d, uint8_t m, size_t depth, wamp_value *out)
{
    wamp_value scratch;
    if (!out && m != '[' && m != '{') out = &scratch; /* scalars cost nothing to build */
    size_t left = (size_t)(d->end - d->p);
    switch (m) {
    case 'U':
        if (left < 1) return WAMP_ETRUNCATED;
        wamp__bin_set_int(out, *d->p++);
        return WAMP_OK;
    case 'i':
        if (left < 1) return WAMP_ETRUNCATED;
        wamp__bin_set_int(out, (int8_t)*d->p++);
        return WAMP_OK;
    case 'I':
        if (left < 2) return WAMP_ETRUNCATED;
        wamp__bin_set_int(out, (int16_t)wamp__be16(d->p));
        d->p += 2;
        return WAMP_OK;
    case 'l':
        if (left < 4) return WAMP_ETRUNCATED;
        wamp__bin_set_int(out, (int32_t)wamp__be32(d->p));
        d->p += 4;
        return WAMP_OK;
    case 'L':
        if (left < 8) return WAMP_ETRUNCATED;
        wamp__bin_set_int(out, (int64_t)wamp__be64(d->p));
        d->p += 8;
        return WAMP_OK;
    case 'S': {
        const uint8_t *s;
        size_t n;
        uint8_t lm;
        int rc;
        if ((rc = next_marker(d, &lm))) return rc;
        if ((rc = rd_span(d, lm, &s, &n))) return rc;
        if (!wamp__bin_text_ok(s, n)) return WAMP_EUTF8;
        return out == &scratch ? WAMP_OK : make_text(d, WAMP_VALUE_STRING, s, n, out);
    }
    case 'Z': wamp__bin_set_simple(out, WAMP_VALUE_NULL, false); return WAMP_OK;
    case 'T': wamp__bin_set_simple(out, WAMP_VALUE_BOOL, true); return WAMP_OK;
    case 'F': wamp__bin_set_simple(out, WAMP_VALUE_BOOL, false); return WAMP_OK;
    case 'd': {
        if (left < 4) return WAMP_ETRUNCATED;
        uint32_t bits = wamp__be32(d->p);
        float f;
        memcpy(&f, &bits, 4);
        d->p += 4;
        wamp__bin_set_double(out, f);
        return WAMP_OK;
    }
    case 'D': {
        if (left < 8) return WAMP_ETRUNCATED;
        uint64_t bits = wamp__be64(d->p);
        double x;
        memcpy(&x, &bits, 8);
        d->p += 8;
        wamp__bin_set_double(out, x);
        return WAMP_OK;
    }
    case 'H': return parse_hp(d, out == &scratch ? NULL : out);
    case 'C':
        if (left < 1) return WAMP_ETRUNCATED;
        if (*d->p >= 0x80) return WAMP_EUTF8; /* a char is one ASCII byte */
        d->p++;
        return out == &scratch ? WAMP_OK : make_text(d, WAMP_VALUE_STRING, d->p - 1, 1, out);
    case '[': return parse_array(d, depth + 1, out);
    case '{': return parse_object(d, depth + 1, out);
    default: return WAMP_ESYNTAX;
    }
}

/* The top level of a WAMP message with raw_from (see wamp_decode_opts): list elements that
 * are containers are first only validated and kept as RAW spans, then the ones before the
 * index raw_from() names are decoded. Typed top-level arrays are decoded whole. */
static int parse_message(dec *d, wamp_value *out)
{
    const uint8_t *save = d->p;
    uint8_t type;
    int64_t count;
    int rc;
    if ((rc = container_header(d, &type, &count))) return rc;
    if (type) {
        d->p = save;
        if ((rc = parse_array(d, 1, out))) return rc;
        if (out->type != WAMP_VALUE_LIST || out->len == 0 ||
            out->as.items[0].type != WAMP_VALUE_INT)
            return WAMP_ESYNTAX;
        d->o->raw_from(out->as.items[0].as.i, out->len, d->o->raw_user);
        return WAMP_OK;
    }
    if (count >= 0 && (rc = check_count(d, count, 1))) return rc;
    size_t base = d->nvals;
    for (int64_t i = 0; count < 0 || i < count; i++) {
        uint8_t m;
        if ((rc = next_marker(d, &m))) return rc;
        if (count < 0 && m == ']') break;
        wamp_value item;
        bool bytes = m == '[' && d->end - d->p >= 2 && d->p[0] == '$' && d->p[1] == 'U';
        if ((m == '[' && !bytes) || m == '{') {
            const uint8_t *start = d->p - 1;
            if ((rc = parse(d, m, 1, NULL))) return rc;
            if ((size_t)(d->p - start) > UINT32_MAX) return WAMP_ETOOBIG;
            memset(&item, 0, sizeof item);
            item.type = WAMP_VALUE_RAW;
            item.ser = WAMP_SER_UBJSON;
            item.len = (uint32_t)(d->p - start);
            item.as.raw = start;
        } else if ((rc = parse(d, m, 1, &item))) {
            return rc;
        }
        if ((rc = push_val(d, &item))) return rc;
    }
    size_t n = d->nvals - base;
    if (n == 0 || d->vals[base].type != WAMP_VALUE_INT) return WAMP_ESYNTAX;
    if (n > UINT32_MAX) return WAMP_ETOOBIG;
    wamp_value *items = to_arena(d, d->vals + base, n, sizeof *items);
    if (!items) return WAMP_ENOMEM;
    d->nvals = base;
    set_container(out, WAMP_VALUE_LIST, items, n);
    size_t from = d->o->raw_from(out->as.items[0].as.i, out->len, d->o->raw_user);
    for (size_t i = 0; i < out->len; i++) {
        wamp_value *it = &out->as.items[i];
        if (it->type != WAMP_VALUE_RAW) continue;
        if (i < from) {
            /* validation has paid for its zero-width elements already */
            dec sub = *d;
            sub.p = it->as.raw + 1;
            sub.end = it->as.raw + it->len;
            sub.zbudget = SIZE_MAX;
            uint8_t m = it->as.raw[0];
            rc = parse(&sub, m, 1, it);
            d->vals = sub.vals; /* the stacks may have moved */
            d->capvals = sub.capvals;
            d->kvs = sub.kvs;
            d->capkvs = sub.capkvs;
            if (rc) return rc;
        } else if (d->o->copy_strings) {
            uint8_t *copy = wamp_arena_alloc(d->a, it->len ? it->len : 1);
            if (!copy) return WAMP_ENOMEM;
            memcpy(copy, it->as.raw, it->len);
            it->as.raw = copy;
        }
    }
    return WAMP_OK;
}

static int ubjson_decode(const uint8_t *data, size_t len, wamp_arena *a,
                         const wamp_decode_opts *opts, wamp_value *out)
{
    dec d = {data, data + len, a, opts, len, NULL, 0, 0, NULL, 0, 0};
    uint8_t m;
    int rc = next_marker(&d, &m);
    if (!rc) {
        if (opts->raw_from)
            rc = m == '[' ? parse_message(&d, out) : WAMP_ESYNTAX;
        else
            rc = parse(&d, m, 0, out);
    }
    if (!rc && d.p != d.end) rc = WAMP_ETRAILING;
    free(d.vals);
    free(d.kvs);
    return rc;
}

/* ---------------------------------------------------------------- encoder */

/* n writable bytes at the end of b (len not advanced), or NULL when out of memory. */
static inline uint8_t *room(wamp_buf *b, size_t n)
{
    if (b->cap - b->len < n && wamp_buf_reserve(b, n)) return NULL;
    return b->data + b->len;
}

static int put_int(wamp_buf *b, int64_t v)
{
    uint8_t *t = room(b, 9);
    if (!t) return WAMP_ENOMEM;
    if (v >= 0 && v < 256) {
        t[0] = 'U';
        t[1] = (uint8_t)v;
        b->len += 2;
    } else if (v >= -128 && v < 0) {
        t[0] = 'i';
        t[1] = (uint8_t)v;
        b->len += 2;
    } else if (v >= INT16_MIN && v <= INT16_MAX) {
        t[0] = 'I';
        wamp__put_be16(t + 1, (uint16_t)v);
        b->len += 3;
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
        t[0] = 'l';
        wamp__put_be32(t + 1, (uint32_t)v);
        b->len += 5;
    } else {
        t[0] = 'L';
        wamp__put_be64(t + 1, (uint64_t)v);
        b->len += 9;
    }
    return WAMP_OK;
}

/* A length prefix: the integer encoding (its length never exceeds INT64_MAX). */
static int put_len(wamp_buf *b, size_t n)
{
    return put_int(b, (int64_t)n);
}

static int put_byte(wamp_buf *b, uint8_t c)
{
    uint8_t *t = room(b, 1);
    if (!t) return WAMP_ENOMEM;
    *t = c;
    b->len++;
    return WAMP_OK;
}

/* marker, integer length, then n bytes */
static int put_marked_span(wamp_buf *b, uint8_t marker, const void *p, size_t n)
{
    uint8_t *t = room(b, 10 + n);
    if (!t) return WAMP_ENOMEM;
    if (marker) {
        *t = marker;
        b->len++;
    }
    put_len(b, n); /* room reserved: cannot fail */
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    return WAMP_OK;
}

static int put_double(wamp_buf *b, double x)
{
    uint8_t *t;
    switch (fpclassify(x)) {
    case FP_NAN:
    case FP_INFINITE: return put_byte(b, 'Z');
    case FP_ZERO:
        if (!(t = room(b, 5))) return WAMP_ENOMEM;
        t[0] = 'd';
        wamp__put_be32(t + 1, signbit(x) ? 0x80000000u : 0);
        b->len += 5;
        return WAMP_OK;
    case FP_SUBNORMAL: {
        char text[EXACT_MAX_DIGITS + 16];
        return put_marked_span(b, 'H', text, python_decimal_str(x, text));
    }
    default: {
        uint64_t bits;
        memcpy(&bits, &x, 8);
        if (!(t = room(b, 9))) return WAMP_ENOMEM;
        t[0] = 'D';
        wamp__put_be64(t + 1, bits);
        b->len += 9;
        return WAMP_OK;
    }
    }
}

static int put_text(wamp_buf *b, const char *s, size_t n)
{
    if (!wamp__bin_text_ok((const uint8_t *)s, n)) return WAMP_EUTF8;
    if (n == 1) {
        uint8_t *t = room(b, 2);
        if (!t) return WAMP_ENOMEM;
        t[0] = 'C';
        t[1] = (uint8_t)s[0];
        b->len += 2;
        return WAMP_OK;
    }
    return put_marked_span(b, 'S', s, n);
}

static int encode_value(const wamp_value *v, wamp_buf *b, int depth)
{
    int rc;
    switch ((wamp_value_type)v->type) {
    case WAMP_VALUE_NULL: return put_byte(b, 'Z');
    case WAMP_VALUE_BOOL: return put_byte(b, v->as.b ? 'T' : 'F');
    case WAMP_VALUE_INT: return put_int(b, v->as.i);
    case WAMP_VALUE_UINT: {
        if (v->as.u <= INT64_MAX) return put_int(b, (int64_t)v->as.u);
        char text[24];
        int n = snprintf(text, sizeof text, "%llu", (unsigned long long)v->as.u);
        return put_marked_span(b, 'H', text, (size_t)n);
    }
    case WAMP_VALUE_DOUBLE: return put_double(b, v->as.d);
    case WAMP_VALUE_STRING: return put_text(b, v->as.s, v->len);
    case WAMP_VALUE_BYTES: {
        uint8_t *t = room(b, 4);
        if (!t) return WAMP_ENOMEM;
        memcpy(t, "[$U#", 4);
        b->len += 4;
        return put_marked_span(b, 0, v->as.s, v->len);
    }
    case WAMP_VALUE_LIST:
        if (depth >= ENCODE_MAX_DEPTH) return WAMP_EDEPTH;
        if ((rc = put_byte(b, '['))) return rc;
        for (uint32_t i = 0; i < v->len; i++)
            if ((rc = encode_value(&v->as.items[i], b, depth + 1))) return rc;
        return put_byte(b, ']');
    case WAMP_VALUE_DICT:
        if (depth >= ENCODE_MAX_DEPTH) return WAMP_EDEPTH;
        if ((rc = put_byte(b, '{'))) return rc;
        for (uint32_t i = 0; i < v->len; i++) {
            const wamp_kv *kv = &v->as.entries[i];
            if (!wamp__bin_text_ok((const uint8_t *)kv->key.ptr, kv->key.len)) return WAMP_EUTF8;
            if ((rc = put_marked_span(b, 0, kv->key.ptr, kv->key.len)) ||
                (rc = encode_value(&kv->value, b, depth + 1)))
                return rc;
        }
        return put_byte(b, '}');
    case WAMP_VALUE_RAW: return wamp__codec_encode_raw(WAMP_SER_UBJSON, v, b);
    }
    return WAMP_EINVAL;
}

static int ubjson_encode(const wamp_value *v, wamp_buf *out)
{
    size_t mark = out->len;
    int rc = encode_value(v, out, 0);
    if (rc) out->len = mark;
    return rc;
}

const wamp__codec wamp__codec_ubjson = {WAMP_SER_UBJSON, ubjson_decode, ubjson_encode, NULL};
