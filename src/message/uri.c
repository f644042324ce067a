/*
 * URI, id, realm-name and payload-transparency identifier checks, mirroring the regular
 * expressions of autobahn/wamp/message.py.
 *
 * The patterns are matched by hand (no regex library: the house rule is "libraries for what
 * one does"; none of ours has Python-compatible regexes, and these patterns are small
 * component scanners). Python semantics are reproduced exactly, including two details that
 * matter for byte-level agreement with Autobahn:
 *  - re's `$` also matches before one final "\n", so "com.foo\n" is a valid URI for Autobahn;
 *  - in str patterns `\s` is Unicode whitespace and `\d` any Unicode decimal digit (Nd).
 * The tables below were generated from CPython 3.11's re module.
 */
#include <wamp/message.h>

#include <string.h>

/* Code points matched by Python's `\s` (str patterns). */
static const uint32_t py_space[] = {0x9,    0xa,    0xb,    0xc,    0xd,    0x1c,   0x1d,   0x1e,
                                    0x1f,   0x20,   0x85,   0xa0,   0x1680, 0x2000, 0x2001, 0x2002,
                                    0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a,
                                    0x2028, 0x2029, 0x202f, 0x205f, 0x3000};

/* Ranges of code points matched by Python's `\d` (Unicode category Nd). */
static const uint32_t py_digit[][2] = {
    {0x30, 0x39},       {0x660, 0x669},     {0x6f0, 0x6f9},     {0x7c0, 0x7c9},
    {0x966, 0x96f},     {0x9e6, 0x9ef},     {0xa66, 0xa6f},     {0xae6, 0xaef},
    {0xb66, 0xb6f},     {0xbe6, 0xbef},     {0xc66, 0xc6f},     {0xce6, 0xcef},
    {0xd66, 0xd6f},     {0xde6, 0xdef},     {0xe50, 0xe59},     {0xed0, 0xed9},
    {0xf20, 0xf29},     {0x1040, 0x1049},   {0x1090, 0x1099},   {0x17e0, 0x17e9},
    {0x1810, 0x1819},   {0x1946, 0x194f},   {0x19d0, 0x19d9},   {0x1a80, 0x1a89},
    {0x1a90, 0x1a99},   {0x1b50, 0x1b59},   {0x1bb0, 0x1bb9},   {0x1c40, 0x1c49},
    {0x1c50, 0x1c59},   {0xa620, 0xa629},   {0xa8d0, 0xa8d9},   {0xa900, 0xa909},
    {0xa9d0, 0xa9d9},   {0xa9f0, 0xa9f9},   {0xaa50, 0xaa59},   {0xabf0, 0xabf9},
    {0xff10, 0xff19},   {0x104a0, 0x104a9}, {0x10d30, 0x10d39}, {0x11066, 0x1106f},
    {0x110f0, 0x110f9}, {0x11136, 0x1113f}, {0x111d0, 0x111d9}, {0x112f0, 0x112f9},
    {0x11450, 0x11459}, {0x114d0, 0x114d9}, {0x11650, 0x11659}, {0x116c0, 0x116c9},
    {0x11730, 0x11739}, {0x118e0, 0x118e9}, {0x11950, 0x11959}, {0x11c50, 0x11c59},
    {0x11d50, 0x11d59}, {0x11da0, 0x11da9}, {0x16a60, 0x16a69}, {0x16ac0, 0x16ac9},
    {0x16b50, 0x16b59}, {0x1d7ce, 0x1d7ff}, {0x1e140, 0x1e149}, {0x1e2f0, 0x1e2f9},
    {0x1e950, 0x1e959}, {0x1fbf0, 0x1fbf9}};

static bool is_space(uint32_t c)
{
    if (c < 0x80) return (c >= 0x9 && c <= 0xd) || (c >= 0x1c && c <= 0x20);
    for (size_t i = 0; i < sizeof py_space / sizeof py_space[0]; i++)
        if (py_space[i] == c) return true;
    return false;
}

static bool is_digit(uint32_t c)
{
    if (c < 0x80) return c >= '0' && c <= '9';
    for (size_t i = 0; i < sizeof py_digit / sizeof py_digit[0]; i++)
        if (c >= py_digit[i][0] && c <= py_digit[i][1]) return true;
    return false;
}

/* Decodes one UTF-8 code point at s[*i], advancing *i. Returns false on malformed input. */
static bool next_cp(const unsigned char *s, size_t n, size_t *i, uint32_t *cp)
{
    unsigned char c = s[*i];
    uint32_t v;
    size_t k;
    if (c < 0x80) {
        *cp = c;
        (*i)++;
        return true;
    } else if (c >= 0xc2 && c <= 0xdf) {
        v = c & 0x1f, k = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
        v = c & 0x0f, k = 2;
    } else if (c >= 0xf0 && c <= 0xf4) {
        v = c & 0x07, k = 3;
    } else {
        return false;
    }
    for (size_t j = 1; j <= k; j++) {
        if (*i + j >= n) return false;
        unsigned char d = s[*i + j];
        if ((d & 0xc0) != 0x80) return false;
        v = (v << 6) | (d & 0x3f);
    }
    if ((k == 2 && v < 0x800) || (k == 3 && (v < 0x10000 || v > 0x10ffff)) ||
        (v >= 0xd800 && v <= 0xdfff))
        return false;
    *cp = v;
    *i += k + 1;
    return true;
}

/* Python's `$`: the match may end before one final "\n". */
static size_t strip_nl(const char *p, size_t n)
{
    return (n > 0 && p[n - 1] == '\n') ? n - 1 : n;
}

typedef bool (*cp_class)(uint32_t c);

static bool uri_loose_char(uint32_t c)
{
    return c != '.' && c != '#' && !is_space(c);
}

static bool uri_strict_char(uint32_t c)
{
    return (c >= 'a' && c <= 'z') || c == '_' || is_digit(c);
}

int wamp_uri_check(wamp_str uri, wamp_uri_strictness strictness, bool allow_empty_components,
                   bool allow_last_empty)
{
    if (!uri.ptr && uri.len) return WAMP_EURI;
    if (!uri.ptr) return WAMP_EURI;
    const unsigned char *s = (const unsigned char *)uri.ptr;
    size_t n = strip_nl(uri.ptr, uri.len);
    cp_class ok = strictness == WAMP_URI_STRICT ? uri_strict_char : uri_loose_char;
    /* Walk the components separated by '.'; '.' is never a component character. */
    size_t i = 0, comp_len = 0;
    bool any_empty_before_last = false;
    while (i < n) {
        uint32_t c;
        if (!next_cp(s, n, &i, &c)) return WAMP_EURI;
        if (c == '.') {
            if (comp_len == 0) any_empty_before_last = true;
            comp_len = 0;
        } else {
            if (!ok(c)) return WAMP_EURI;
            comp_len++;
        }
    }
    bool last_empty = comp_len == 0;
    if (allow_last_empty) return any_empty_before_last ? WAMP_EURI : WAMP_OK;
    if (allow_empty_components) return WAMP_OK;
    return (any_empty_before_last || last_empty) ? WAMP_EURI : WAMP_OK;
}

const char *wamp_match_name(wamp_match m)
{
    switch (m) {
    case WAMP_MATCH_EXACT: return "exact";
    case WAMP_MATCH_PREFIX: return "prefix";
    case WAMP_MATCH_WILDCARD: return "wildcard";
    }
    return NULL;
}

int wamp_uri_check_pattern(wamp_str uri, wamp_match match, wamp_uri_strictness s)
{
    switch (match) {
    case WAMP_MATCH_EXACT: return wamp_uri_check(uri, s, false, false);
    case WAMP_MATCH_PREFIX: return wamp_uri_check(uri, s, false, true);
    case WAMP_MATCH_WILDCARD: return wamp_uri_check(uri, s, true, false);
    }
    return WAMP_EINVAL;
}

bool wamp_id_check(const wamp_value *v, wamp_id *out)
{
    if (!v) return false;
    if (v->type == WAMP_VALUE_INT) {
        if (v->as.i < 0 || (uint64_t)v->as.i > WAMP_ID_MAX) return false;
        if (out) *out = (wamp_id)v->as.i;
        return true;
    }
    if (v->type == WAMP_VALUE_UINT) {
        if (v->as.u > WAMP_ID_MAX) return false;
        if (out) *out = v->as.u;
        return true;
    }
    return false;
}

/* ---------------------------------------------------------------- realm names */

static bool realm_rest_char(uint32_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '_' ||
           c == '-' || c == '@' || c == '.';
}

static bool ens_char(uint32_t c)
{
    return (c >= 'a' && c <= 'z') || is_digit(c) || c == '_' || c == '-' || c == '@' || c == '.';
}

static bool hex_char(uint32_t c)
{
    return (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f') || is_digit(c);
}

/* Counts code points of s[0..n) all in class `ok`; -1 when one is not (or bad UTF-8). */
static long count_all(const unsigned char *s, size_t n, cp_class ok)
{
    size_t i = 0;
    long count = 0;
    while (i < n) {
        uint32_t c;
        if (!next_cp(s, n, &i, &c) || !ok(c)) return -1;
        count++;
    }
    return count;
}

/* ^[A-Za-z][A-Za-z\d_\-@\.]{2,254}$ */
static bool realm_standalone(const unsigned char *s, size_t n)
{
    if (n == 0) return false;
    if (!((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z'))) return false;
    long rest = count_all(s + 1, n - 1, realm_rest_char);
    return rest >= 2 && rest <= 254;
}

/* ^0x([A-Fa-f\d]{40})$ */
static bool realm_eth(const unsigned char *s, size_t n)
{
    if (n < 2 || s[0] != '0' || s[1] != 'x') return false;
    return count_all(s + 2, n - 2, hex_char) == 40;
}

/* ^([a-z\d_\-@\.]{2,250})\.eth$ */
static bool realm_ens(const unsigned char *s, size_t n)
{
    if (n < 4 || memcmp(s + n - 4, ".eth", 4) != 0) return false;
    long k = count_all(s, n - 4, ens_char);
    return k >= 2 && k <= 250;
}

/* ^eth\.([a-z\d_\-@\.]{2,250})$ */
static bool realm_reverse_ens(const unsigned char *s, size_t n)
{
    if (n < 4 || memcmp(s, "eth.", 4) != 0) return false;
    long k = count_all(s + 4, n - 4, ens_char);
    return k >= 2 && k <= 250;
}

wamp_realm_category wamp_realm_name_category(wamp_str name)
{
    if (!name.ptr) return WAMP_REALM_INVALID;
    const unsigned char *s = (const unsigned char *)name.ptr;
    size_t n = strip_nl(name.ptr, name.len);
    if (realm_standalone(s, n)) {
        if (realm_ens(s, n)) return WAMP_REALM_ENS;
        if (realm_reverse_ens(s, n)) return WAMP_REALM_REVERSE_ENS;
        return WAMP_REALM_STANDALONE;
    }
    if (realm_eth(s, n)) return WAMP_REALM_ETH;
    return WAMP_REALM_INVALID;
}

const char *wamp_realm_category_name(wamp_realm_category c)
{
    switch (c) {
    case WAMP_REALM_STANDALONE: return "standalone";
    case WAMP_REALM_ETH: return "eth";
    case WAMP_REALM_ENS: return "ens";
    case WAMP_REALM_REVERSE_ENS: return "reverse_ens";
    default: return NULL;
    }
}

int wamp_realm_name_check(wamp_str name, bool allow_eth)
{
    if (!name.ptr) return WAMP_EREALM;
    const unsigned char *s = (const unsigned char *)name.ptr;
    size_t n = strip_nl(name.ptr, name.len);
    if (realm_standalone(s, n)) return WAMP_OK;
    if (allow_eth && realm_eth(s, n)) return WAMP_OK;
    return WAMP_EREALM;
}

/* ---------------------------------------------------------------- payload transparency */

static bool custom_tail_char(uint32_t c)
{
    return (c >= 'a' && c <= 'z') || c == '_' || is_digit(c);
}

/* ^x_([a-z][\da-z_]+)?$ */
bool wamp_custom_attribute_valid(wamp_str s)
{
    if (!s.ptr) return false;
    const unsigned char *p = (const unsigned char *)s.ptr;
    size_t n = strip_nl(s.ptr, s.len);
    if (n < 2 || p[0] != 'x' || p[1] != '_') return false;
    if (n == 2) return true;
    if (!(p[2] >= 'a' && p[2] <= 'z')) return false;
    return count_all(p + 3, n - 3, custom_tail_char) >= 1;
}

static bool in_list(wamp_str s, const char *const *list)
{
    for (; *list; list++)
        if (wamp_str_eqc(s, *list)) return true;
    return false;
}

bool wamp_enc_algo_valid(wamp_str s)
{
    static const char *const algos[] = {"cryptobox", "mqtt", "xbr", NULL};
    return s.ptr && (in_list(s, algos) || wamp_custom_attribute_valid(s));
}

bool wamp_enc_serializer_valid(wamp_str s)
{
    static const char *const sers[] = {"json", "msgpack", "cbor", "ubjson", "flatbuffers", NULL};
    return s.ptr && (in_list(s, sers) || wamp_custom_attribute_valid(s));
}
