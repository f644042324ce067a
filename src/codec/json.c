/*
 * JSON value codec (RFC 8259), written by hand onto the wamp_value model.
 *
 * Why by hand: general JSON libraries (jansson, cJSON, yyjson) build their own trees, copy every
 * string and know nothing of raw spans; converting their tree into ours costs more than parsing.
 * This parser is zero-copy: strings without escapes are borrowed straight from the input (unless
 * opts->copy_strings), and with opts->raw_from the containers of a WAMP message from a given
 * index on are kept as WAMP_VALUE_RAW spans into the input (still fully validated), which is what
 * lets the router forward args and kwargs without decoding them.
 *
 * Decoder
 *  - strict RFC 8259: exactly one value; JSON whitespace only; no comments, trailing commas,
 *    leading zeros, NaN/Infinity, single quotes or raw control characters in strings; every
 *    escape incl. \uXXXX and surrogate pairs (lone surrogates: WAMP_EUTF8); UTF-8 validated;
 *    duplicate keys in an object: WAMP_EDUPKEY (compared after unescaping).
 *  - iterative (an explicit frame stack, no recursion), nesting bounded by max_depth: the
 *    top-level container is depth 1.
 *  - integers are exact over -2^63 .. 2^64-1 (INT, or UINT above INT64_MAX); an integer outside
 *    that range is decoded as the nearest double (as most JSON libraries do). "-0" is INT 0.
 *    Numbers with a fraction or exponent are doubles, correctly rounded (a fast exact path, else
 *    strtod_l() in the "C" locale on a bounded copy); a number that overflows to infinity is
 *    WAMP_ENUMBER.
 *  - WAMP binary convention: a string whose first character is U+0000 (sent as \u0000) carries
 *    standard base64 and becomes WAMP_VALUE_BYTES; bad base64 is WAMP_EBASE64. Object keys are
 *    always strings (as in Autobahn).
 *  - errors: WAMP_ETRUNCATED when the input ends inside a value, WAMP_ESYNTAX for malformed
 *    text, WAMP_ETRAILING for anything but whitespace after the value.
 *  - raw_from: when the top-level value is a list whose first element is an INT, raw_from(first,
 *    count) picks the index from which list/dict elements stay RAW. The count is only known at
 *    the closing bracket, so every container element of the top-level list is first scanned in
 *    validate-only mode (no tree built) and the ones before that index are decoded from their
 *    span afterwards. Any other top-level value is decoded completely (raw_from is not called);
 *    the message layer then rejects it with a precise error.
 *
 * Encoder
 *  - compact output byte for byte like Autobahn|Python (json.dumps with separators (',', ':')
 *    and ensure_ascii=False): only '"', '\\' and control characters are escaped (\b \f \n \r \t,
 *    else \u00xx in lower case), other text including non-ASCII UTF-8 is copied as is, after
 *    validation (WAMP_EUTF8).
 *  - doubles as Python's repr(): the shortest digits that read back to the same double, fixed
 *    notation for 1e-4 <= |x| < 1e16 with ".0" on integral values, else d.ddde+XX; NaN and
 *    infinities are WAMP_ENUMBER. Bytes are "\u0000" + base64. RAW values go through
 *    wamp__codec_encode_raw() (a byte copy for JSON spans).
 */
#include "codec/codec.h"
#include "codec/jsonwrite.h"
#include "codec/utf8.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* Encoding recursion bound (decoded trees are bounded by max_depth already). */
#define JSON_ENCODE_MAX_DEPTH 1000

/* ---------------------------------------------------------------- shared tables */

/* String byte classes: plain, '"', '\\', control (< 0x20), non-ASCII. */
enum { SC_PLAIN = 0, SC_QUOTE, SC_BSLASH, SC_CTRL, SC_HIGH };
static const uint8_t str_cls[256] = {
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4};

#define ONES  0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Characters allowed after a backslash: " \\ / b f n r t u. */
static const bool esc_ok[256] = {['"'] = 1, ['\\'] = 1, ['/'] = 1, ['b'] = 1, ['f'] = 1,
                                 ['n'] = 1, ['r'] = 1,  ['t'] = 1, ['u'] = 1};

/* Non-zero when one of the 8 bytes at s is '"', '\\', a control character or non-ASCII. */
static inline uint64_t special8(const uint8_t *s)
{
    uint64_t w, q, b;
    memcpy(&w, s, 8);
    q = w ^ (ONES * '"');
    b = w ^ (ONES * '\\');
    return (((q - ONES) & ~q) | ((b - ONES) & ~b) | ((w - ONES * 0x20) & ~w) | w) & HIGHS;
}

static const double pow10_tab[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static locale_t c_locale;
static uint64_t hash_seed;

static void init_globals(void)
{
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    uint64_t s = 0;
    if (getrandom(&s, sizeof s, GRND_NONBLOCK) != (ssize_t)sizeof s)
        s = (uint64_t)(uintptr_t)&hash_seed * 0x9E3779B97F4A7C15ull;
    hash_seed = s | 1;
}

/* Locale-independent strtod of text[0..n) (a validated JSON number). */
static int slow_strtod(const uint8_t *text, size_t n, double *out)
{
    char local[128];
    char *buf = n < sizeof local ? local : malloc(n + 1);
    if (!buf) return WAMP_ENOMEM;
    memcpy(buf, text, n);
    buf[n] = 0;
    pthread_once(&init_once, init_globals);
    int rc = WAMP_OK;
    if (c_locale)
        *out = strtod_l(buf, NULL, c_locale);
    else
        rc = WAMP_ENOMEM;
    if (buf != local) free(buf);
    return rc;
}

/* ---------------------------------------------------------------- decoder state */

typedef struct frame {
    const uint8_t *open; /* the '[' or '{' */
    size_t base;         /* first slot of this container in vals or kvs */
    wamp_str key;        /* dict: key of the member being parsed */
    uint8_t dict;
    uint8_t skip; /* 0: build; 1: validate only and yield a RAW span; 2: nested in such */
} frame;

#define LOCAL_VALS   64
#define LOCAL_KVS    32
#define LOCAL_FRAMES 16

typedef struct jctx {
    const uint8_t *end;
    wamp_arena *a;
    size_t max_depth, depth0;
    bool copy, rawmode;
    wamp_value *vals;
    wamp_kv *kvs;
    frame *fr;
    size_t nvals, capvals, nkvs, capkvs, nfr, capfr;
    uint8_t *tmp; /* scratch for escaped strings in validate-only mode */
    size_t tmpcap;
    wamp_value lvals[LOCAL_VALS];
    wamp_kv lkvs[LOCAL_KVS];
    frame lfr[LOCAL_FRAMES];
} jctx;

static void ctx_init(jctx *J, const uint8_t *end, wamp_arena *a, const wamp_decode_opts *o)
{
    J->end = end;
    J->a = a;
    J->max_depth = o->max_depth;
    J->depth0 = 0;
    J->copy = o->copy_strings;
    J->rawmode = o->raw_from != NULL;
    J->vals = J->lvals;
    J->kvs = J->lkvs;
    J->fr = J->lfr;
    J->nvals = J->nkvs = J->nfr = 0;
    J->capvals = LOCAL_VALS;
    J->capkvs = LOCAL_KVS;
    J->capfr = LOCAL_FRAMES;
    J->tmp = NULL;
    J->tmpcap = 0;
}

static void ctx_free(jctx *J)
{
    if (J->vals != J->lvals) free(J->vals);
    if (J->kvs != J->lkvs) free(J->kvs);
    if (J->fr != J->lfr) free(J->fr);
    free(J->tmp);
}

/* Doubles the capacity of a scratch stack whose first buffer is `local`. */
static int grow(void **buf, size_t *cap, size_t elem, const void *local)
{
    size_t ncap = *cap * 2;
    if (ncap > SIZE_MAX / elem) return WAMP_ENOMEM;
    void *n;
    if (*buf == local) {
        n = malloc(ncap * elem);
        if (n) memcpy(n, *buf, *cap * elem);
    } else {
        n = realloc(*buf, ncap * elem);
    }
    if (!n) return WAMP_ENOMEM;
    *buf = n;
    *cap = ncap;
    return WAMP_OK;
}

static inline const uint8_t *skip_ws(const uint8_t *p, const uint8_t *end)
{
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    return p;
}

/* ---------------------------------------------------------------- strings */

static inline int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

static int hex4(const uint8_t *s, const uint8_t *end, uint32_t *cp)
{
    if (end - s < 4) return WAMP_ESYNTAX;
    int a = hexval(s[0]), b = hexval(s[1]), c = hexval(s[2]), d = hexval(s[3]);
    if ((a | b | c | d) < 0) return WAMP_ESYNTAX;
    *cp = (uint32_t)(a << 12 | b << 8 | c << 4 | d);
    return WAMP_OK;
}

/*
 * Unescapes the string body s[0..n) (already checked: UTF-8, no control characters, ends
 * before the closing quote) into out, which has room for n bytes (no escape grows). Returns
 * the length or a negative error.
 */
static long unescape(const uint8_t *s, size_t n, uint8_t *out)
{
    const uint8_t *end = s + n;
    uint8_t *o = out;
    while (s < end) {
        const uint8_t *bs = memchr(s, '\\', (size_t)(end - s));
        if (!bs) bs = end;
        memcpy(o, s, (size_t)(bs - s));
        o += bs - s;
        s = bs;
        if (s == end) break;
        /* first pass guarantees a byte after each backslash inside the body */
        switch (s[1]) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '/': *o++ = '/'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            uint32_t cp, lo;
            if (hex4(s + 2, end, &cp)) return WAMP_ESYNTAX;
            s += 6;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (end - s < 2 || s[0] != '\\' || s[1] != 'u') return WAMP_EUTF8;
                if (hex4(s + 2, end, &lo)) return WAMP_ESYNTAX;
                if (lo < 0xDC00 || lo > 0xDFFF) return WAMP_EUTF8;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                s += 6;
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return WAMP_EUTF8;
            }
            o += wamp__utf8_put(cp, o);
            continue;
        }
        default: return WAMP_ESYNTAX;
        }
        s += 2;
    }
    return (long)(o - out);
}

/* Error for a malformed UTF-8 sequence at s: truncated by the end of input, or invalid. */
static int utf8_error(const uint8_t *s, const uint8_t *end)
{
    size_t need = *s >= 0xF0 ? 4 : *s >= 0xE0 ? 3 : 2;
    if ((size_t)(end - s) >= need) return WAMP_EUTF8;
    for (const uint8_t *q = s + 1; q < end; q++)
        if ((*q & 0xC0) != 0x80) return WAMP_EUTF8;
    return *s >= 0xC2 && *s <= 0xF4 ? WAMP_ETRUNCATED : WAMP_EUTF8;
}

/*
 * Scans a string body starting after the opening quote at *pp: finds the closing quote,
 * validates UTF-8 and rejects raw control characters. On success *pp is past the closing quote,
 * *len the body length, *esc whether it holds a backslash.
 */
static inline int scan_string(const uint8_t **pp, const uint8_t *end, size_t *len, bool *esc)
{
    const uint8_t *s = *pp, *p = s;
    bool e = false;
    for (;;) {
        while (end - p >= 8 && !special8(p))
            p += 8;
        if (p >= end) return WAMP_ETRUNCATED;
        uint8_t c = *p;
        switch (str_cls[c]) {
        case SC_PLAIN: p++; continue;
        case SC_QUOTE: goto done;
        case SC_BSLASH:
            e = true;
            if (end - p < 2) return WAMP_ETRUNCATED;
            if (!esc_ok[p[1]]) return WAMP_ESYNTAX;
            p += 2; /* skips an escaped quote or backslash; escapes are checked later */
            continue;
        case SC_CTRL: return WAMP_ESYNTAX;
        default: {
            size_t k = wamp__utf8_seq(p, (size_t)(end - p));
            if (!k) return utf8_error(p, end);
            p += k;
        }
        }
    }
done:
    *len = (size_t)(p - s);
    *esc = e;
    *pp = p + 1;
    return WAMP_OK;
}

/* Builds the value of a string body s[0..n) with escapes (or copy_strings) in the arena, or,
 * when `validate_only`, in the scratch buffer. Applies the binary convention unless is_key. */
static int finish_string(jctx *J, const uint8_t *s, size_t n, bool esc, bool is_key,
                         bool validate_only, wamp_value *v)
{
    uint8_t *buf;
    if (validate_only) {
        if (J->tmpcap < n + 1) {
            uint8_t *t = realloc(J->tmp, n + 1);
            if (!t) return WAMP_ENOMEM;
            J->tmp = t;
            J->tmpcap = n + 1;
        }
        buf = J->tmp;
    } else {
        buf = wamp_arena_alloc(J->a, n + 1);
        if (!buf) return WAMP_ENOMEM;
    }
    size_t len = n;
    if (esc) {
        long r = unescape(s, n, buf);
        if (r < 0) return (int)r;
        len = (size_t)r;
    } else {
        memcpy(buf, s, n);
    }
    buf[len] = 0;
    if (!is_key && len > 0 && buf[0] == 0) {
        long b = wamp__base64_decode((const char *)buf + 1, len - 1, buf);
        if (b < 0) return WAMP_EBASE64;
        v->type = WAMP_VALUE_BYTES;
        v->len = (uint32_t)b;
        v->as.s = (const char *)buf;
        return WAMP_OK;
    }
    v->type = WAMP_VALUE_STRING;
    v->len = (uint32_t)len;
    v->as.s = (const char *)buf;
    return WAMP_OK;
}

/* Parses the string whose opening quote is at *pp into v (STRING or BYTES). */
static inline int parse_string(jctx *J, const uint8_t **pp, bool is_key, bool validate_only,
                               wamp_value *v)
{
    const uint8_t *s = *pp + 1, *p = s;
    size_t n;
    bool esc;
    int rc = scan_string(&p, J->end, &n, &esc);
    if (rc) return rc;
    if (n > UINT32_MAX) return WAMP_ETOOBIG;
    *pp = p;
    v->flags = 0;
    v->ser = 0;
    v->cap = 0;
    /* Fast path: no escapes, so no binary prefix either (U+0000 can only come escaped). */
    if (!esc && (!J->copy || validate_only)) {
        v->type = WAMP_VALUE_STRING;
        v->len = (uint32_t)n;
        v->as.s = (const char *)s;
        return WAMP_OK;
    }
    /* keys of validate-only dicts must survive until the duplicate check: arena */
    return finish_string(J, s, n, esc, is_key, validate_only && !is_key, v);
}

/* ---------------------------------------------------------------- numbers */

static int parse_number(jctx *J, const uint8_t **pp, wamp_value *v)
{
    const uint8_t *p = *pp, *end = J->end, *start = p;
    bool neg = false;
    if (*p == '-') {
        neg = true;
        if (++p == end) return WAMP_ETRUNCATED;
    }
    uint64_t m = 0;
    int nd = 0;        /* significant digits accumulated in m */
    bool lost = false; /* digits beyond what m holds */
    long nfrac = 0;
    if (*p == '0') {
        p++;
        if (p < end && *p >= '0' && *p <= '9') return WAMP_ESYNTAX; /* leading zero */
    } else if (*p >= '1' && *p <= '9') {
        do {
            unsigned d = (unsigned)(*p - '0');
            if (nd < 19) {
                m = m * 10 + d;
                nd++;
            } else if (nd == 19 && !lost) {
                uint64_t t;
                if (__builtin_mul_overflow(m, 10, &t) || __builtin_add_overflow(t, d, &m))
                    lost = true;
                else
                    nd++;
            } else {
                lost = true;
            }
            p++;
        } while (p < end && *p >= '0' && *p <= '9');
    } else {
        return WAMP_ESYNTAX;
    }
    bool is_float = false;
    if (p < end && *p == '.') {
        is_float = true;
        if (++p == end) return WAMP_ETRUNCATED;
        if (*p < '0' || *p > '9') return WAMP_ESYNTAX;
        if (nd > 19) lost = true; /* a 20-digit integer part: m is beyond the fast path */
        do {
            if (!lost) {
                if (nd < 19) {
                    m = m * 10 + (unsigned)(*p - '0');
                    if (m) nd++;
                    nfrac++;
                } else {
                    lost = true;
                }
            }
            p++;
        } while (p < end && *p >= '0' && *p <= '9');
    }
    long ex = 0;
    if (p < end && (*p == 'e' || *p == 'E')) {
        is_float = true;
        bool eneg = false;
        if (++p == end) return WAMP_ETRUNCATED;
        if (*p == '+' || *p == '-') {
            eneg = *p == '-';
            if (++p == end) return WAMP_ETRUNCATED;
        }
        if (*p < '0' || *p > '9') return WAMP_ESYNTAX;
        do {
            if (ex < 100000) ex = ex * 10 + (*p - '0');
            p++;
        } while (p < end && *p >= '0' && *p <= '9');
        if (eneg) ex = -ex;
    }
    *pp = p;
    v->flags = 0;
    v->ser = 0;
    v->len = 0;
    v->cap = 0;
    if (!is_float && !lost) {
        if (neg) {
            if (m <= (uint64_t)INT64_MAX + 1) {
                v->type = WAMP_VALUE_INT;
                v->as.i = m == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)m;
                return WAMP_OK;
            }
        } else if (m <= (uint64_t)INT64_MAX) {
            v->type = WAMP_VALUE_INT;
            v->as.i = (int64_t)m;
            return WAMP_OK;
        } else {
            v->type = WAMP_VALUE_UINT;
            v->as.u = m;
            return WAMP_OK;
        }
    }
    double d;
    long e10 = ex - nfrac;
    /* Exact fast path (Clinger): m and 10^|e10| are exact doubles, one rounding. */
    if (!lost && m <= (1ull << 53) && e10 >= -22 && e10 <= 22) {
        d = (double)m;
        d = e10 < 0 ? d / pow10_tab[-e10] : d * pow10_tab[e10];
        if (neg) d = -d;
    } else {
        int rc = slow_strtod(start, (size_t)(p - start), &d);
        if (rc) return rc;
        if (isinf(d)) return WAMP_ENUMBER;
    }
    v->type = WAMP_VALUE_DOUBLE;
    v->as.d = d;
    return WAMP_OK;
}

/* ---------------------------------------------------------------- duplicate keys */

static int cmp_str(const void *x, const void *y)
{
    const wamp_str *a = x, *b = y;
    if (a->len != b->len) return a->len < b->len ? -1 : 1;
    return memcmp(a->ptr, b->ptr, a->len);
}

/* O(n log n) worst case: sort the keys and compare neighbours. */
static int dup_sorted(const wamp_kv *kv, size_t n)
{
    wamp_str *k = malloc(n * sizeof *k);
    if (!k) return WAMP_ENOMEM;
    for (size_t i = 0; i < n; i++)
        k[i] = kv[i].key;
    qsort(k, n, sizeof *k, cmp_str);
    int rc = WAMP_OK;
    for (size_t i = 1; i < n && !rc; i++)
        if (cmp_str(&k[i - 1], &k[i]) == 0) rc = WAMP_EDUPKEY;
    free(k);
    return rc;
}

static inline uint64_t hash_key(wamp_str k)
{
    uint64_t h = hash_seed ^ (k.len * 0x9E3779B97F4A7C15ull);
    const uint8_t *s = (const uint8_t *)k.ptr;
    size_t n = k.len;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xFF51AFD7ED558CCDull;
        h ^= h >> 32;
        s += 8;
        n -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, s, n);
    h = (h ^ w) * 0xC4CEB9FE1A85EC53ull;
    return h ^ (h >> 29);
}

static int check_dups(const wamp_kv *kv, size_t n)
{
    if (n < 2) return WAMP_OK;
    if (n <= 12) {
        for (size_t i = 1; i < n; i++)
            for (size_t j = 0; j < i; j++)
                if (kv[i].key.len == kv[j].key.len &&
                    memcmp(kv[i].key.ptr, kv[j].key.ptr, kv[i].key.len) == 0)
                    return WAMP_EDUPKEY;
        return WAMP_OK;
    }
    pthread_once(&init_once, init_globals);
    size_t cap = 32;
    while (cap < 2 * n)
        cap *= 2;
    uint32_t local[256];
    uint32_t *tab = cap <= 256 ? local : calloc(cap, sizeof *tab);
    if (!tab) return WAMP_ENOMEM;
    if (tab == local) memset(local, 0, cap * sizeof *tab);
    /* A probe budget keeps crafted collisions from costing more than the sort below. */
    size_t budget = 4 * n + 64;
    int rc = WAMP_OK;
    for (size_t i = 0; i < n && rc == WAMP_OK; i++) {
        size_t h = (size_t)hash_key(kv[i].key) & (cap - 1);
        for (;;) {
            uint32_t e = tab[h];
            if (!e) {
                tab[h] = (uint32_t)(i + 1);
                break;
            }
            const wamp_str *o = &kv[e - 1].key;
            if (o->len == kv[i].key.len && memcmp(o->ptr, kv[i].key.ptr, o->len) == 0) {
                rc = WAMP_EDUPKEY;
                break;
            }
            if (--budget == 0) {
                rc = 1; /* give up hashing */
                break;
            }
            h = (h + 1) & (cap - 1);
        }
    }
    if (tab != local) free(tab);
    if (rc == 1) rc = dup_sorted(kv, n);
    return rc;
}

/* ---------------------------------------------------------------- parser */

static inline int push_frame(jctx *J, const uint8_t *open, bool dict)
{
    if (J->depth0 + J->nfr + 1 > J->max_depth) return WAMP_EDEPTH;
    if (J->nfr == J->capfr && grow((void **)&J->fr, &J->capfr, sizeof(frame), J->lfr))
        return WAMP_ENOMEM;
    uint8_t skip = 0;
    if (J->nfr) {
        const frame *parent = &J->fr[J->nfr - 1];
        if (parent->skip)
            skip = 2;
        else if (J->rawmode && J->nfr == 1 && !parent->dict)
            skip = 1;
    }
    frame *f = &J->fr[J->nfr++];
    f->open = open;
    f->dict = dict;
    f->skip = skip;
    f->base = dict ? J->nkvs : J->nvals;
    return WAMP_OK;
}

/* Closes the top frame (p is past its closing bracket) into *v. */
static int close_frame(jctx *J, const uint8_t *p, wamp_value *v)
{
    frame *f = &J->fr[J->nfr - 1];
    size_t n = (f->dict ? J->nkvs : J->nvals) - f->base;
    int rc;
    if (n > UINT32_MAX) return WAMP_ETOOBIG;
    v->flags = 0;
    v->ser = 0;
    if (f->dict) {
        rc = check_dups(J->kvs + f->base, n);
        if (rc) return rc;
    }
    if (f->skip == 1) {
        size_t len = (size_t)(p - f->open);
        if (len > UINT32_MAX) return WAMP_ETOOBIG;
        v->type = WAMP_VALUE_RAW;
        v->ser = WAMP_SER_JSON;
        v->len = (uint32_t)len;
        v->as.raw = f->open;
        v->cap = 0;
    } else if (f->skip == 2) {
        v->type = WAMP_VALUE_NULL;
    } else if (f->dict) {
        v->type = WAMP_VALUE_DICT;
        v->len = v->cap = (uint32_t)n;
        v->as.entries = NULL;
        if (n) {
            wamp_kv *e = wamp_arena_alloc(J->a, n * sizeof *e);
            if (!e) return WAMP_ENOMEM;
            memcpy(e, J->kvs + f->base, n * sizeof *e);
            v->as.entries = e;
        }
    } else {
        v->type = WAMP_VALUE_LIST;
        v->len = v->cap = (uint32_t)n;
        v->as.items = NULL;
        if (n) {
            wamp_value *it = wamp_arena_alloc(J->a, n * sizeof *it);
            if (!it) return WAMP_ENOMEM;
            memcpy(it, J->vals + f->base, n * sizeof *it);
            v->as.items = it;
        }
    }
    if (f->dict)
        J->nkvs = f->base;
    else
        J->nvals = f->base;
    J->nfr--;
    return WAMP_OK;
}

/* Parses one value at *pp (leading whitespace allowed) and leaves *pp after it. */
static int parse_value(jctx *J, const uint8_t **pp, wamp_value *out)
{
    const uint8_t *p = *pp, *end = J->end;
    wamp_value v;
    frame *f;
    int rc;

value:
    p = skip_ws(p, end);
    if (p == end) return WAMP_ETRUNCATED;
    switch (*p) {
    case '"':
        f = J->nfr ? &J->fr[J->nfr - 1] : NULL;
        rc = parse_string(J, &p, false, f && f->skip, &v);
        if (rc) return rc;
        break;
    case '[':
    case '{': {
        bool dict = *p == '{';
        rc = push_frame(J, p, dict);
        if (rc) return rc;
        p = skip_ws(p + 1, end);
        if (p == end) return WAMP_ETRUNCATED;
        if (*p == (dict ? '}' : ']')) {
            p++;
            goto close;
        }
        if (!dict) goto value;
        goto key;
    }
    case 't':
    case 'f':
    case 'n': {
        static const char *const lits[3] = {"true", "false", "null"};
        const char *lit = lits[*p == 't' ? 0 : *p == 'f' ? 1 : 2];
        size_t ln = *p == 'f' ? 5 : 4, have = (size_t)(end - p);
        if (have < ln) return memcmp(p, lit, have) == 0 ? WAMP_ETRUNCATED : WAMP_ESYNTAX;
        if (memcmp(p, lit, ln) != 0) return WAMP_ESYNTAX;
        v.flags = 0;
        v.ser = 0;
        v.len = v.cap = 0;
        if (*p == 'n') {
            v.type = WAMP_VALUE_NULL;
            v.as.u = 0;
        } else {
            v.type = WAMP_VALUE_BOOL;
            v.as.u = 0;
            v.as.b = *p == 't';
        }
        p += ln;
        break;
    }
    default:
        if (*p == '-' || (*p >= '0' && *p <= '9')) {
            rc = parse_number(J, &p, &v);
            if (rc) return rc;
            break;
        }
        return WAMP_ESYNTAX;
    }

have_value:
    if (J->nfr == 0) {
        *pp = p;
        *out = v;
        return WAMP_OK;
    }
    f = &J->fr[J->nfr - 1];
    if (f->dict) {
        if (J->nkvs == J->capkvs && grow((void **)&J->kvs, &J->capkvs, sizeof(wamp_kv), J->lkvs))
            return WAMP_ENOMEM;
        wamp_kv *kv = &J->kvs[J->nkvs++];
        kv->key = f->key;
        if (!f->skip) kv->value = v;
    } else if (!f->skip) {
        if (J->nvals == J->capvals &&
            grow((void **)&J->vals, &J->capvals, sizeof(wamp_value), J->lvals))
            return WAMP_ENOMEM;
        J->vals[J->nvals++] = v;
    }
    p = skip_ws(p, end);
    if (p == end) return WAMP_ETRUNCATED;
    if (*p == ',') {
        p = skip_ws(p + 1, end);
        if (p == end) return WAMP_ETRUNCATED;
        if (f->dict) goto key;
        goto value;
    }
    if (*p != (f->dict ? '}' : ']')) return WAMP_ESYNTAX;
    p++;

close:
    rc = close_frame(J, p, &v);
    if (rc) return rc;
    goto have_value;

key: /* p at the first byte of a member: must be the key's opening quote */
    if (*p != '"') return WAMP_ESYNTAX;
    f = &J->fr[J->nfr - 1];
    rc = parse_string(J, &p, true, f->skip != 0, &v);
    if (rc) return rc;
    f->key.ptr = v.as.s;
    f->key.len = v.len;
    p = skip_ws(p, end);
    if (p == end) return WAMP_ETRUNCATED;
    if (*p != ':') return WAMP_ESYNTAX;
    p++;
    goto value;
}

/* raw_from post-pass: decodes the tentatively raw elements of the top-level list before the
 * index the callback chooses. */
static int resolve_raw(const wamp_decode_opts *o, wamp_arena *a, wamp_value *list)
{
    size_t n = list->len, from = SIZE_MAX;
    if (n && list->as.items[0].type == WAMP_VALUE_INT)
        from = o->raw_from(list->as.items[0].as.i, n, o->raw_user);
    for (size_t i = 0; i < n && i < from; i++) {
        wamp_value *it = &list->as.items[i];
        if (it->type != WAMP_VALUE_RAW) continue;
        if (it->len == 2) { /* "{}" or "[]": the common empty Options/Details */
            bool dict = it->as.raw[0] == '{';
            *it = dict ? wamp_value_dict() : wamp_value_list();
            continue;
        }
        jctx J;
        wamp_decode_opts sub = *o;
        sub.raw_from = NULL;
        ctx_init(&J, it->as.raw + it->len, a, &sub);
        J.depth0 = 1;
        const uint8_t *p = it->as.raw;
        wamp_value v;
        int rc = parse_value(&J, &p, &v);
        ctx_free(&J);
        if (rc) return rc;
        *it = v;
    }
    return WAMP_OK;
}

static int json_decode(const uint8_t *data, size_t len, wamp_arena *a, const wamp_decode_opts *o,
                       wamp_value *out)
{
    if (len > o->max_size) return WAMP_ETOOBIG;
    if (len == 0) return WAMP_ETRUNCATED; /* (data may be NULL then) */
    jctx J;
    ctx_init(&J, data + len, a, o);
    const uint8_t *p = data;
    int rc = parse_value(&J, &p, out);
    ctx_free(&J);
    if (rc) return rc;
    p = skip_ws(p, data + len);
    if (p != data + len) return WAMP_ETRAILING;
    if (o->raw_from && out->type == WAMP_VALUE_LIST) return resolve_raw(o, a, out);
    return WAMP_OK;
}

/* ---------------------------------------------------------------- encoder */

/* Makes room for n more bytes, growing geometrically. */
static inline int need(wamp_buf *b, size_t n)
{
    if (b->cap - b->len >= n) return WAMP_OK;
    return wamp_buf_reserve(b, n); /* grows geometrically */
}

static const char digits2[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233"
    "34353637383940414243444546474849505152535455565758596061626364656667"
    "6869707172737475767778798081828384858687888990919293949596979899";

/* Writes u in decimal at o; returns the length (1..20). */
static inline size_t put_u64(uint64_t u, char *o)
{
    char tmp[20];
    char *t = tmp + 20;
    while (u >= 100) {
        unsigned r = (unsigned)(u % 100);
        u /= 100;
        t -= 2;
        memcpy(t, digits2 + 2 * r, 2);
    }
    if (u >= 10) {
        t -= 2;
        memcpy(t, digits2 + 2 * u, 2);
    } else {
        *--t = (char)('0' + u);
    }
    size_t n = (size_t)(tmp + 20 - t);
    memcpy(o, t, n);
    return n;
}

/* Formats decimal digits dg[0..nd) (no trailing zeros) times 10^(decpt - nd) as Python's
 * repr() does. Returns the length written at o (at most 26 bytes for nd <= 17). */
static size_t put_repr(const char *dg, int nd, int decpt, char *o)
{
    char *s = o;
    if (decpt > 16 || decpt <= -4) {
        *o++ = dg[0];
        if (nd > 1) {
            *o++ = '.';
            memcpy(o, dg + 1, (size_t)nd - 1);
            o += nd - 1;
        }
        int e = decpt - 1;
        *o++ = 'e';
        *o++ = e < 0 ? '-' : '+';
        if (e < 0) e = -e;
        if (e < 10) *o++ = '0';
        o += put_u64((uint64_t)e, o);
    } else if (decpt <= 0) {
        *o++ = '0';
        *o++ = '.';
        for (int i = 0; i < -decpt; i++)
            *o++ = '0';
        memcpy(o, dg, (size_t)nd);
        o += nd;
    } else if (decpt < nd) {
        memcpy(o, dg, (size_t)decpt);
        o += decpt;
        *o++ = '.';
        memcpy(o, dg + decpt, (size_t)(nd - decpt));
        o += nd - decpt;
    } else {
        memcpy(o, dg, (size_t)nd);
        o += nd;
        for (int i = nd; i < decpt; i++)
            *o++ = '0';
        *o++ = '.';
        *o++ = '0';
    }
    return (size_t)(o - s);
}

/* Shortest digits of ad (finite, > 0) via printf at precision 15, 16 then 17, each checked to
 * read back exactly. Returns nd and sets *decpt. */
static int shortest_printf(double ad, char *dg, int *decpt)
{
    pthread_once(&init_once, init_globals);
    /* Below DBL_MIN fewer digits are significant, so DBL_DIG (15) no longer guarantees that a
     * shorter form would show up at precision 15: search upwards from 1 there. */
    for (int prec = ad < 2.2250738585072014e-308 ? 1 : 15; prec <= 17; prec++) {
        char buf[40];
        snprintf(buf, sizeof buf, "%.*e", prec - 1, ad);
        /* "d<point>ddd...e[+-]XX"; the point is locale-dependent: keep the digits only */
        int nd = 0;
        const char *q = buf;
        for (; *q && *q != 'e'; q++)
            if (*q >= '0' && *q <= '9') dg[nd++] = *q;
        int e = atoi(q + 1);
        while (nd > 1 && dg[nd - 1] == '0')
            nd--;
        if (prec < 17 && c_locale) {
            char chk[40];
            memcpy(chk, dg, (size_t)nd);
            snprintf(chk + nd, sizeof chk - (size_t)nd, "e%d", e - (nd - 1));
            if (strtod_l(chk, NULL, c_locale) != ad) continue;
        } else if (prec < 17) {
            continue;
        }
        *decpt = e + 1;
        return nd;
    }
    return 0; /* not reached: 17 digits always round-trip */
}

int wamp__json_write_double(wamp_buf *b, double d)
{
    if (!isfinite(d)) return WAMP_ENUMBER;
    if (need(b, 32)) return WAMP_ENOMEM;
    char *o = (char *)b->data + b->len, *s = o;
    if (signbit(d)) *o++ = '-';
    double ad = fabs(d);
    if (ad == 0) {
        memcpy(o, "0.0", 3);
        b->len += (size_t)(o + 3 - s);
        return WAMP_OK;
    }
    char dg[20];
    int nd = 0, decpt = 0;
    if (ad < 9007199254740992.0 && ad == floor(ad)) {
        o += put_u64((uint64_t)ad, o);
        memcpy(o, ".0", 2);
        b->len += (size_t)(o + 2 - s);
        return WAMP_OK;
    }
    if (ad >= 1e-4 && ad < 1e16) {
        /* Fast path: the fewest fraction digits k for which the integer w nearest to
         * ad * 10^k reads back as ad (w and 10^k are exact doubles, so w / 10^k is the correctly
         * rounded value of the decimal). fma() gives the exact product, so that w is the
         * nearest integer, which is the digit string Python's repr() picks. */
        for (int k = 1; k <= 22; k++) {
            double sc = ad * pow10_tab[k];
            if (sc >= 4503599627370496.0) break; /* 2^52: w + 1 stays exact */
            double err = fma(ad, pow10_tab[k], -sc), fl = floor(sc);
            double rem = (sc - fl) + err;
            uint64_t w0 = (uint64_t)fl;
            uint64_t cand[2];
            cand[0] = rem < 0.5 ? w0 : w0 + 1;
            cand[1] = rem < 0.5 ? w0 + 1 : w0;
            for (int c = 0; c < 2; c++) {
                if (cand[c] == 0 || (double)cand[c] / pow10_tab[k] != ad) continue;
                char tmp[24];
                int n = (int)put_u64(cand[c], tmp);
                while (n > 1 && tmp[n - 1] == '0') { /* none when k is minimal; be safe */
                    n--;
                    k--;
                }
                memcpy(dg, tmp, (size_t)n);
                nd = n;
                decpt = n - k;
                goto out;
            }
        }
    }
    nd = shortest_printf(ad, dg, &decpt);
out:
    o += put_repr(dg, nd, decpt, o);
    b->len += (size_t)(o - s);
    return WAMP_OK;
}

int wamp__json_write_int(wamp_buf *b, int64_t i)
{
    if (need(b, 21)) return WAMP_ENOMEM;
    char *o = (char *)b->data + b->len;
    uint64_t u = (uint64_t)i;
    if (i < 0) {
        *o++ = '-';
        u = 0 - u;
        b->len++;
    }
    b->len += put_u64(u, o);
    return WAMP_OK;
}

int wamp__json_write_uint(wamp_buf *b, uint64_t u)
{
    if (need(b, 20)) return WAMP_ENOMEM;
    b->len += put_u64(u, (char *)b->data + b->len);
    return WAMP_OK;
}

static const char hexdig[] = "0123456789abcdef";

/* Writes "text" with Python's escaping; validates UTF-8. */
int wamp__json_write_string(wamp_buf *b, const uint8_t *s, size_t n)
{
    if (need(b, n + 2)) return WAMP_ENOMEM;
    if (n == 0) { /* s may be NULL */
        memcpy(b->data + b->len, "\"\"", 2);
        b->len += 2;
        return WAMP_OK;
    }
    b->data[b->len++] = '"';
    const uint8_t *p = s, *e = s + n, *run = s;
    for (;;) {
        while (e - p >= 8 && !special8(p))
            p += 8;
        if (p >= e) break;
        uint8_t c = *p;
        uint8_t cls = str_cls[c];
        if (cls == SC_PLAIN) {
            p++;
            continue;
        }
        if (cls == SC_HIGH) {
            size_t k = wamp__utf8_seq(p, (size_t)(e - p));
            if (!k) return WAMP_EUTF8;
            p += k;
            continue;
        }
        /* flush the run, then the escape (up to 6 bytes for 1 input byte) */
        size_t rl = (size_t)(p - run);
        if (need(b, rl + 6 + (size_t)(e - p) + 1)) return WAMP_ENOMEM;
        uint8_t *o = b->data + b->len;
        memcpy(o, run, rl);
        o += rl;
        *o++ = '\\';
        switch (c) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '\b': *o++ = 'b'; break;
        case '\f': *o++ = 'f'; break;
        case '\n': *o++ = 'n'; break;
        case '\r': *o++ = 'r'; break;
        case '\t': *o++ = 't'; break;
        default:
            memcpy(o, "u00", 3);
            o[3] = (uint8_t)hexdig[c >> 4];
            o[4] = (uint8_t)hexdig[c & 15];
            o += 5;
        }
        b->len = (size_t)(o - b->data);
        run = ++p;
    }
    size_t rl = (size_t)(e - run);
    if (need(b, rl + 1)) return WAMP_ENOMEM;
    memcpy(b->data + b->len, run, rl);
    b->len += rl;
    b->data[b->len++] = '"';
    return WAMP_OK;
}

int wamp__json_write_bytes(wamp_buf *b, const uint8_t *s, size_t n)
{
    size_t bl = wamp__base64_encoded_len(n);
    if (need(b, bl + 8)) return WAMP_ENOMEM;
    uint8_t *o = b->data + b->len;
    memcpy(o, "\"\\u0000", 7);
    wamp__base64_encode(s, n, (char *)o + 7);
    o[7 + bl] = '"';
    b->len += bl + 8;
    return WAMP_OK;
}

static int write_value(wamp_buf *b, const wamp_value *v, int depth)
{
    int rc;
    switch (v->type) {
    case WAMP_VALUE_NULL:
        if (need(b, 4)) return WAMP_ENOMEM;
        memcpy(b->data + b->len, "null", 4);
        b->len += 4;
        return WAMP_OK;
    case WAMP_VALUE_BOOL:
        if (need(b, 5)) return WAMP_ENOMEM;
        if (v->as.b) {
            memcpy(b->data + b->len, "true", 4);
            b->len += 4;
        } else {
            memcpy(b->data + b->len, "false", 5);
            b->len += 5;
        }
        return WAMP_OK;
    case WAMP_VALUE_INT: return wamp__json_write_int(b, v->as.i);
    case WAMP_VALUE_UINT: return wamp__json_write_uint(b, v->as.u);
    case WAMP_VALUE_DOUBLE: return wamp__json_write_double(b, v->as.d);
    case WAMP_VALUE_STRING: return wamp__json_write_string(b, (const uint8_t *)v->as.s, v->len);
    case WAMP_VALUE_BYTES: return wamp__json_write_bytes(b, (const uint8_t *)v->as.s, v->len);
    case WAMP_VALUE_LIST:
        if (depth >= JSON_ENCODE_MAX_DEPTH) return WAMP_EDEPTH;
        if (need(b, 2)) return WAMP_ENOMEM;
        b->data[b->len++] = '[';
        for (uint32_t i = 0; i < v->len; i++) {
            if (i) {
                if (need(b, 1)) return WAMP_ENOMEM;
                b->data[b->len++] = ',';
            }
            rc = write_value(b, &v->as.items[i], depth + 1);
            if (rc) return rc;
        }
        if (need(b, 1)) return WAMP_ENOMEM;
        b->data[b->len++] = ']';
        return WAMP_OK;
    case WAMP_VALUE_DICT:
        if (depth >= JSON_ENCODE_MAX_DEPTH) return WAMP_EDEPTH;
        if (need(b, 2)) return WAMP_ENOMEM;
        b->data[b->len++] = '{';
        for (uint32_t i = 0; i < v->len; i++) {
            const wamp_kv *kv = &v->as.entries[i];
            if (i) {
                if (need(b, 1)) return WAMP_ENOMEM;
                b->data[b->len++] = ',';
            }
            rc = wamp__json_write_string(b, (const uint8_t *)kv->key.ptr, kv->key.len);
            if (rc) return rc;
            if (need(b, 1)) return WAMP_ENOMEM;
            b->data[b->len++] = ':';
            rc = write_value(b, &kv->value, depth + 1);
            if (rc) return rc;
        }
        if (need(b, 1)) return WAMP_ENOMEM;
        b->data[b->len++] = '}';
        return WAMP_OK;
    case WAMP_VALUE_RAW: return wamp__codec_encode_raw(WAMP_SER_JSON, v, b);
    default: return WAMP_EINVAL;
    }
}

static int json_encode(const wamp_value *v, wamp_buf *out)
{
    size_t mark = out->len;
    int rc = write_value(out, v, 0);
    if (rc) out->len = mark;
    return rc;
}

const wamp__codec wamp__codec_json = {WAMP_SER_JSON, json_decode, json_encode,
                                      wamp__json_transcode_from};
