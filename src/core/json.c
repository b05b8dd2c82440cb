/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json.c: the streaming pull reader of json.h, strict to RFC 8259.
 *
 * Grammar enforced: no leading zeros, no trailing commas, no comments, no single quotes, no
 * literals other than true/false/null, strings valid UTF-8 (RFC 3629) without raw control
 * characters, \uXXXX surrogates only in pairs. Nesting is capped at FL_LIMIT_JSON_DEPTH (FL_ELIMIT).
 *
 * Speed comes from never allocating on the common path: strings without escapes are returned as
 * slices of the input (a 256-entry table finds the end), numbers that are short decimal integers
 * or fit Clinger's fast path (<= 15 significant digits, |exponent| <= 22, one correctly rounded
 * IEEE operation) skip strtod. Positions for diagnostics are computed only when an error happens.
 *
 * Per-depth state byte: bit 0 = next element is the first, bit 1 = the container is an array.
 */
#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "limits.h"

#define ST_FIRST 1u
#define ST_ARRAY 2u

_Static_assert(sizeof(((struct fl_json *)0)->first) == FL_LIMIT_JSON_DEPTH + 1,
               "fl_json.first must hold one byte per depth level");

/* 1 for bytes that end the plain run of a string: quote, backslash, controls, non-ASCII. */
static const unsigned char str_special[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/*
 * Index of the first str_special byte at or after i, checking eight bytes at a time (SWAR): a
 * word has none when it holds no byte < 0x20, no '"', no '\\' and no byte >= 0x80. The tests
 * can report a byte that is not there (a borrow), never miss one; a borrow only runs upwards, so
 * the lowest flagged byte is a real one (little-endian: the first in memory). Elsewhere a
 * flagged word is walked byte by byte. Most JSON strings are plain ASCII runs, which this skips
 * 8x faster.
 */
static inline size_t plain_run(const unsigned char *p, size_t i, size_t n)
{
    const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
    while (n - i >= 8) {
        uint64_t x;
        memcpy(&x, p + i, 8);
        uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
        uint64_t hit = ((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b) | x;
        if ((hit & high) != 0) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            /* a borrow only flags bytes above a real hit, so the lowest flag is the answer */
            return i + ((size_t)__builtin_ctzll(hit & high) >> 3);
#else
            break;
#endif
        }
        i += 8;
    }
    while (i < n && !str_special[p[i]])
        i++;
    return i;
}

void fl_json_init(struct fl_json *j, const char *p, size_t len, struct fl_diag *diag)
{
    j->p = p ? p : "";
    j->len = p ? len : 0;
    j->pos = 0;
    j->depth = 0;
    memset(j->first, 0, sizeof j->first);
    j->diag = diag;
    j->err = FL_OK;
}

void fl_json_position(const struct fl_json *j, size_t pos, unsigned long *line,
                      unsigned long *col)
{
    unsigned long l = 1, c = 1;
    if (pos > j->len)
        pos = j->len;
    for (size_t i = 0; i < pos; i++) {
        if (j->p[i] == '\n') {
            l++;
            c = 1;
        } else if (((unsigned char)j->p[i] & 0xc0) != 0x80) {
            c++; /* count characters, not UTF-8 continuation bytes */
        }
    }
    *line = l;
    *col = c;
}

/* Printable description of the byte at pos for messages: 'x', "end of input", "byte 0x1f". */
static const char *describe(const struct fl_json *j, size_t pos, char *buf, size_t cap)
{
    if (pos >= j->len)
        return "end of input";
    unsigned char c = (unsigned char)j->p[pos];
    if (c >= 0x21 && c < 0x7f)
        snprintf(buf, cap, "'%c'", c);
    else
        snprintf(buf, cap, "byte 0x%02x", c);
    return buf;
}

static fl_err verr_at(struct fl_json *j, fl_err code, size_t pos, const char *fmt, va_list ap)
    FL_PRINTF(4, 0);
static fl_err verr_at(struct fl_json *j, fl_err code, size_t pos, const char *fmt, va_list ap)
{
    unsigned long line, col;
    /* The position costs a scan from the start: skip it when the diag is taken anyway. */
    if (!j->diag || j->diag->code != FL_OK)
        return code;
    fl_json_position(j, pos, &line, &col);
    return fl_diag_vset(j->diag, code, line, col, fmt, ap);
}

/* A syntax error at pos: sticky. */
static fl_err err_at(struct fl_json *j, fl_err code, size_t pos, const char *fmt, ...)
    FL_PRINTF(4, 5);
static fl_err err_at(struct fl_json *j, fl_err code, size_t pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verr_at(j, code, pos, fmt, ap);
    va_end(ap);
    if (!j->err)
        j->err = code;
    return code;
}

fl_err fl_json_error(struct fl_json *j, fl_err code, const char *fmt, ...)
{
    /* Point at the next token rather than at the whitespace before it. */
    size_t at = j->pos;
    while (at < j->len && (j->p[at] == ' ' || j->p[at] == '\n' || j->p[at] == '\r' ||
                           j->p[at] == '\t'))
        at++;
    va_list ap;
    va_start(ap, fmt);
    verr_at(j, code, at, fmt, ap);
    va_end(ap);
    return code;
}

static inline void skip_ws(struct fl_json *j)
{
    const char *p = j->p;
    size_t i = j->pos, n = j->len;
    while (i < n && (p[i] == ' ' || p[i] == '\n' || p[i] == '\r' || p[i] == '\t'))
        i++;
    j->pos = i;
}

static enum fl_json_type type_of(char c)
{
    switch (c) {
    case '{': return FL_JSON_OBJECT;
    case '[': return FL_JSON_ARRAY;
    case '"': return FL_JSON_STRING;
    case 't':
    case 'f': return FL_JSON_BOOL;
    case 'n': return FL_JSON_NULL;
    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9': return FL_JSON_NUMBER;
    default: return FL_JSON_NONE;
    }
}

static const char *type_name(enum fl_json_type t)
{
    switch (t) {
    case FL_JSON_NULL: return "null";
    case FL_JSON_BOOL: return "a boolean";
    case FL_JSON_NUMBER: return "a number";
    case FL_JSON_STRING: return "a string";
    case FL_JSON_OBJECT: return "an object";
    case FL_JSON_ARRAY: return "an array";
    default: return "no value";
    }
}

enum fl_json_type fl_json_peek(struct fl_json *j)
{
    if (j->err)
        return FL_JSON_NONE;
    skip_ws(j);
    return j->pos < j->len ? type_of(j->p[j->pos]) : FL_JSON_NONE;
}

/* Error for "expected <what>" at the current position, naming what is there instead. */
static fl_err expected(struct fl_json *j, const char *what)
{
    char b[16];
    enum fl_json_type t = j->pos < j->len ? type_of(j->p[j->pos]) : FL_JSON_NONE;
    if (t != FL_JSON_NONE)
        return err_at(j, FL_EPARSE, j->pos, "expected %s, got %s", what, type_name(t));
    return err_at(j, FL_EPARSE, j->pos, "expected %s, got %s", what,
                  describe(j, j->pos, b, sizeof b));
}

static fl_err enter(struct fl_json *j, char open, unsigned state, const char *what)
{
    if (j->err)
        return j->err;
    skip_ws(j);
    if (j->pos >= j->len || j->p[j->pos] != open)
        return expected(j, what);
    if (j->depth >= FL_LIMIT_JSON_DEPTH)
        return err_at(j, FL_ELIMIT, j->pos, "JSON nested deeper than %d levels",
                      FL_LIMIT_JSON_DEPTH);
    j->pos++;
    j->depth++;
    j->first[j->depth] = (unsigned char)(ST_FIRST | state);
    return FL_OK;
}

fl_err fl_json_enter_object(struct fl_json *j)
{
    return enter(j, '{', 0, "an object");
}

fl_err fl_json_enter_array(struct fl_json *j)
{
    return enter(j, '[', ST_ARRAY, "an array");
}

/* Length of the valid UTF-8 sequence at s[0..len), 0 if invalid (RFC 3629: no overlongs,
 * no surrogates, nothing above U+10FFFF). */
static size_t utf8_len(const unsigned char *s, size_t len)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        return len >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        if (len < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
            return 0;
        if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0))
            return 0;
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        if (len < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
            return 0;
        if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))
            return 0;
        return 4;
    }
    return 0;
}

static int hex4(const char *p, size_t avail, unsigned *out)
{
    unsigned v = 0;
    if (avail < 4)
        return 0;
    for (int k = 0; k < 4; k++) {
        char c = p[k];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return 0;
        v = v << 4 | d;
    }
    *out = v;
    return 1;
}

static size_t utf8_encode(unsigned cp, char *o)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Decode the escape at p[i] == '\\' into scratch; returns the index after it, 0 on error. */
static size_t unescape_one(struct fl_json *j, size_t i, struct fl_buf *scratch)
{
    const char *p = j->p;
    size_t n = j->len;
    char c = i + 1 < n ? p[i + 1] : 0;
    char ch;
    switch (c) {
    case '"': ch = '"'; break;
    case '\\': ch = '\\'; break;
    case '/': ch = '/'; break;
    case 'b': ch = '\b'; break;
    case 'f': ch = '\f'; break;
    case 'n': ch = '\n'; break;
    case 'r': ch = '\r'; break;
    case 't': ch = '\t'; break;
    case 'u': {
        unsigned cp, lo;
        char enc[4];
        if (!hex4(p + i + 2, n - i - 2, &cp)) {
            err_at(j, FL_EPARSE, i, "\\u must be followed by four hex digits");
            return 0;
        }
        size_t next = i + 6;
        if (cp >= 0xdc00 && cp <= 0xdfff) {
            err_at(j, FL_EPARSE, i, "lone low surrogate \\u%04x in string", cp);
            return 0;
        }
        if (cp >= 0xd800 && cp <= 0xdbff) {
            if (next + 1 >= n || p[next] != '\\' || p[next + 1] != 'u' ||
                !hex4(p + next + 2, n - next - 2, &lo) || lo < 0xdc00 || lo > 0xdfff) {
                err_at(j, FL_EPARSE, i, "high surrogate \\u%04x not followed by a low surrogate",
                       cp);
                return 0;
            }
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            next += 6;
        }
        if (scratch)
            fl_buf_append(scratch, enc, utf8_encode(cp, enc));
        return next;
    }
    default: {
        char b[16];
        err_at(j, FL_EPARSE, i, "invalid escape \\%s in string",
               i + 1 < n ? describe(j, i + 1, b, sizeof b) : "at end of input");
        return 0;
    }
    }
    if (scratch)
        fl_buf_putc(scratch, ch);
    return i + 2;
}

/*
 * At a '"': read the string. Slice of the input without escapes, else unescaped into scratch.
 * validate_only: check escapes but keep nothing (*out is then meaningless), for skipping.
 */
static fl_err scan_string(struct fl_json *j, struct fl_buf *scratch, struct fl_str *out,
                          bool validate_only)
{
    const unsigned char *p = (const unsigned char *)j->p;
    size_t n = j->len, open = j->pos, i = open + 1, start = i;

    for (;;) {
        i = plain_run(p, i, n);
        if (i >= n)
            return err_at(j, FL_EPARSE, open, "unterminated string");
        if (p[i] == '"') {
            out->p = j->p + start;
            out->len = i - start;
            j->pos = i + 1;
            return FL_OK;
        }
        if (p[i] == '\\')
            break;
        if (p[i] < 0x20)
            return err_at(j, FL_EPARSE, i, "control character 0x%02x in string must be escaped",
                          p[i]);
        size_t k = utf8_len(p + i, n - i);
        if (k == 0)
            return err_at(j, FL_EPARSE, i, "invalid UTF-8 in string");
        i += k;
    }
    /* Slow path: escapes present. */
    if (validate_only)
        scratch = NULL;
    else if (!scratch)
        return err_at(j, FL_EINVAL, i, "string with escapes read without a scratch buffer");
    if (scratch) {
        fl_buf_reset(scratch);
        fl_buf_append(scratch, p + start, i - start);
    }
    for (;;) {
        size_t r = plain_run(p, i, n);
        if (scratch)
            fl_buf_append(scratch, p + i, r - i);
        i = r;
        if (i >= n)
            return err_at(j, FL_EPARSE, open, "unterminated string");
        if (p[i] == '"')
            break;
        if (p[i] == '\\') {
            i = unescape_one(j, i, scratch);
            if (i == 0)
                return j->err;
            continue;
        }
        if (p[i] < 0x20)
            return err_at(j, FL_EPARSE, i, "control character 0x%02x in string must be escaped",
                          p[i]);
        size_t k = utf8_len(p + i, n - i);
        if (k == 0)
            return err_at(j, FL_EPARSE, i, "invalid UTF-8 in string");
        if (scratch)
            fl_buf_append(scratch, p + i, k);
        i += k;
    }
    if (!scratch) {
        out->p = "";
        out->len = 0;
        j->pos = i + 1;
        return FL_OK;
    }
    fl_err e = fl_buf_err(scratch);
    if (e)
        return err_at(j, e, open,
                      e == FL_ELIMIT ? "string longer than %zu bytes" : "out of memory (%zu)",
                      scratch->max);
    out->p = scratch->data ? scratch->data : "";
    out->len = scratch->len;
    j->pos = i + 1;
    return FL_OK;
}

/* Scanned JSON number: [start, end) and its shape. */
struct num {
    size_t start, end;
    bool neg, is_int;
    uint64_t mant; /* significant digits while n_digits <= 19 */
    int n_digits;  /* digits in integer + fraction part, leading zeros of the integer excluded */
    long exp10;    /* decimal exponent to apply to mant (clamped) */
};

static bool is_digit(unsigned char c)
{
    return (unsigned)(c - '0') < 10u;
}

static fl_err scan_number(struct fl_json *j, struct num *nm)
{
    const unsigned char *p = (const unsigned char *)j->p;
    size_t n = j->len, i = j->pos;
    long frac_digits = 0, e = 0;
    int esign = 1;

    nm->start = i;
    nm->neg = false;
    nm->is_int = true;
    nm->mant = 0;
    nm->n_digits = 0;
    if (i < n && p[i] == '-') {
        nm->neg = true;
        i++;
    }
    if (i >= n || !is_digit(p[i]))
        return err_at(j, FL_EPARSE, i, "invalid number: expected a digit");
    if (p[i] == '0') {
        i++;
        if (i < n && is_digit(p[i]))
            return err_at(j, FL_EPARSE, nm->start, "leading zeros are not allowed in numbers");
    } else {
        while (i < n && is_digit(p[i])) {
            if (nm->n_digits < 19)
                nm->mant = nm->mant * 10 + (p[i] - '0');
            nm->n_digits++;
            i++;
        }
    }
    if (i < n && p[i] == '.') {
        i++;
        if (i >= n || !is_digit(p[i]))
            return err_at(j, FL_EPARSE, i, "invalid number: expected a digit after '.'");
        nm->is_int = false;
        while (i < n && is_digit(p[i])) {
            if (nm->n_digits < 19) {
                nm->mant = nm->mant * 10 + (p[i] - '0');
                if (nm->mant != 0)
                    nm->n_digits++;
                frac_digits++;
            } else {
                nm->n_digits++;
            }
            i++;
        }
    }
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        nm->is_int = false;
        if (i < n && (p[i] == '+' || p[i] == '-')) {
            esign = p[i] == '-' ? -1 : 1;
            i++;
        }
        if (i >= n || !is_digit(p[i]))
            return err_at(j, FL_EPARSE, i, "invalid number: expected a digit in the exponent");
        while (i < n && is_digit(p[i])) {
            if (e < 100000)
                e = e * 10 + (p[i] - '0');
            i++;
        }
    }
    nm->exp10 = esign * e - frac_digits;
    nm->end = i;
    j->pos = i;
    return FL_OK;
}

static const double pow10_tab[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Value of a scanned number; FL_EPARSE when it overflows a double. */
static fl_err num_to_double(struct fl_json *j, const struct num *nm, double *out)
{
    if (nm->n_digits <= 15 && nm->exp10 >= -22 && nm->exp10 <= 22) {
        double v = (double)nm->mant;
        v = nm->exp10 < 0 ? v / pow10_tab[-nm->exp10] : v * pow10_tab[nm->exp10];
        *out = nm->neg ? -v : v;
        return FL_OK;
    }
    char stack[64];
    size_t len = nm->end - nm->start;
    char *tmp = len < sizeof stack ? stack : fl_malloc(len + 1);
    if (!tmp)
        return err_at(j, FL_ENOMEM, nm->start, "out of memory reading a number");
    memcpy(tmp, j->p + nm->start, len);
    tmp[len] = '\0';
    errno = 0;
    double v = strtod(tmp, NULL);
    int range = errno == ERANGE && isinf(v);
    if (tmp != stack)
        fl_free(tmp);
    if (range)
        return err_at(j, FL_EPARSE, nm->start, "number %.*s is out of range for a double",
                      (int)(len > 40 ? 40 : len), j->p + nm->start);
    *out = v;
    return FL_OK;
}

fl_err fl_json_get_double(struct fl_json *j, double *out)
{
    struct num nm;
    fl_err e;
    if (j->err)
        return j->err;
    skip_ws(j);
    if (j->pos >= j->len || type_of(j->p[j->pos]) != FL_JSON_NUMBER)
        return expected(j, "a number");
    if ((e = scan_number(j, &nm)))
        return e;
    return num_to_double(j, &nm, out);
}

/* Integer value of an integral number or decimal string; signed or not. */
static fl_err get_integer(struct fl_json *j, bool is_signed, int64_t *io, uint64_t *uo)
{
    struct fl_str text;
    fl_err e;
    if (j->err)
        return j->err;
    skip_ws(j);
    size_t at = j->pos;
    enum fl_json_type t = j->pos < j->len ? type_of(j->p[j->pos]) : FL_JSON_NONE;
    if (t == FL_JSON_STRING) {
        /* Validate first; unescape only short strings ("\u0031" is a digit too). */
        if ((e = scan_string(j, NULL, &text, true)))
            return e;
        struct fl_str body = {j->p + at + 1, j->pos - at - 2};
        struct fl_buf tmp;
        fl_buf_init(&tmp, 256);
        text = body;
        if (memchr(body.p, '\\', body.len) && body.len <= 256) {
            size_t end = j->pos;
            j->pos = at;
            e = scan_string(j, &tmp, &text, false); /* cannot fail: validated, fits */
            j->pos = end;
        }
        bool ok = e == FL_OK && !memchr(text.p, '\\', text.len) &&
                  (is_signed ? fl_str_to_i64(text, io) : fl_str_to_u64(text, uo));
        if (e == FL_OK && !ok)
            e = err_at(j, FL_EPARSE, at, "expected %s integer, got \"%.*s\"",
                       is_signed ? "an" : "an unsigned", (int)(text.len > 40 ? 40 : text.len),
                       text.p);
        fl_buf_cleanup(&tmp);
        return e;
    }
    if (t != FL_JSON_NUMBER)
        return expected(j, is_signed ? "an integer" : "an unsigned integer");
    struct num nm;
    if ((e = scan_number(j, &nm)))
        return e;
    text = (struct fl_str){j->p + nm.start, nm.end - nm.start};
    if (nm.is_int) {
        if (is_signed ? fl_str_to_i64(text, io) : fl_str_to_u64(text, uo))
            return FL_OK;
        return err_at(j, FL_EPARSE, at, "integer %.*s is out of range",
                      (int)(text.len > 40 ? 40 : text.len), text.p);
    }
    /* 1e3 or 5.0: accepted when the value is integral and exactly in range. */
    double v;
    if ((e = num_to_double(j, &nm, &v)))
        return e;
    if (v != floor(v) || (is_signed ? (v < -9223372036854775808.0 || v >= 9223372036854775808.0)
                                    : (v < 0 || v >= 18446744073709551616.0)))
        return err_at(j, FL_EPARSE, at, "expected an integer, got %.*s",
                      (int)(text.len > 40 ? 40 : text.len), text.p);
    if (is_signed)
        *io = (int64_t)v;
    else
        *uo = (uint64_t)v;
    return FL_OK;
}

fl_err fl_json_get_int64(struct fl_json *j, int64_t *out)
{
    return get_integer(j, true, out, NULL);
}

fl_err fl_json_get_uint64(struct fl_json *j, uint64_t *out)
{
    return get_integer(j, false, NULL, out);
}

static bool match_lit(const struct fl_json *j, const char *lit, size_t n)
{
    return j->len - j->pos >= n && memcmp(j->p + j->pos, lit, n) == 0;
}

fl_err fl_json_get_bool(struct fl_json *j, bool *out)
{
    if (j->err)
        return j->err;
    skip_ws(j);
    if (match_lit(j, "true", 4)) {
        j->pos += 4;
        *out = true;
        return FL_OK;
    }
    if (match_lit(j, "false", 5)) {
        j->pos += 5;
        *out = false;
        return FL_OK;
    }
    if (j->pos < j->len && (j->p[j->pos] == 't' || j->p[j->pos] == 'f'))
        return err_at(j, FL_EPARSE, j->pos, "invalid literal, expected true or false");
    return expected(j, "true or false");
}

fl_err fl_json_get_null(struct fl_json *j)
{
    if (j->err)
        return j->err;
    skip_ws(j);
    if (match_lit(j, "null", 4)) {
        j->pos += 4;
        return FL_OK;
    }
    if (j->pos < j->len && j->p[j->pos] == 'n')
        return err_at(j, FL_EPARSE, j->pos, "invalid literal, expected null");
    return expected(j, "null");
}

fl_err fl_json_get_string(struct fl_json *j, struct fl_buf *scratch, struct fl_str *out)
{
    if (j->err)
        return j->err;
    skip_ws(j);
    if (j->pos >= j->len || j->p[j->pos] != '"')
        return expected(j, "a string");
    return scan_string(j, scratch, out, false);
}

fl_err fl_json_next_key(struct fl_json *j, struct fl_buf *scratch, struct fl_str *key,
                        bool *more)
{
    char b[16];
    if (j->err)
        return j->err;
    if (j->depth <= 0 || (j->first[j->depth] & ST_ARRAY))
        return err_at(j, FL_EINVAL, j->pos, "next_key called outside an object");
    skip_ws(j);
    unsigned char *st = &j->first[j->depth];
    if (*st & ST_FIRST) {
        if (j->pos < j->len && j->p[j->pos] == '}')
            goto end;
        *st &= (unsigned char)~ST_FIRST;
    } else {
        if (j->pos < j->len && j->p[j->pos] == '}')
            goto end;
        if (j->pos >= j->len || j->p[j->pos] != ',')
            return err_at(j, FL_EPARSE, j->pos, "expected ',' or '}' after an object member, got %s",
                          describe(j, j->pos, b, sizeof b));
        j->pos++;
        skip_ws(j);
    }
    if (j->pos >= j->len || j->p[j->pos] != '"')
        return err_at(j, FL_EPARSE, j->pos, "expected a string key, got %s",
                      describe(j, j->pos, b, sizeof b));
    fl_err e = scan_string(j, scratch, key, false);
    if (e)
        return e;
    skip_ws(j);
    if (j->pos >= j->len || j->p[j->pos] != ':')
        return err_at(j, FL_EPARSE, j->pos, "expected ':' after an object key, got %s",
                      describe(j, j->pos, b, sizeof b));
    j->pos++;
    *more = true;
    return FL_OK;
end:
    j->pos++;
    j->depth--;
    *more = false;
    return FL_OK;
}

/* p[i] at the first byte of a string body: the index of its closing quote when every byte
 * before it is printable ASCII other than a backslash, else n (not plain). */
static size_t plain_ascii_string(const char *p, size_t i, size_t n)
{
    /* plain_run stops at exactly the bytes that end a plain string */
    size_t k = plain_run((const unsigned char *)p, i, n);
    return k < n && p[k] == '"' ? k : n;
}

/* The end of a JSON number starting at p[i] (strict RFC 8259 syntax), or i when there is none. */
static size_t number_end(const char *p, size_t i, size_t n)
{
    size_t k = i;
    if (k < n && p[k] == '-')
        k++;
    if (k >= n || !is_digit((unsigned char)p[k]))
        return i;
    if (p[k] == '0')
        k++;
    else
        while (k < n && is_digit((unsigned char)p[k]))
            k++;
    if (k < n && p[k] == '.') {
        size_t f = ++k;
        while (k < n && is_digit((unsigned char)p[k]))
            k++;
        if (k == f)
            return i;
    }
    if (k < n && (p[k] == 'e' || p[k] == 'E')) {
        k++;
        if (k < n && (p[k] == '+' || p[k] == '-'))
            k++;
        size_t e = k;
        while (k < n && is_digit((unsigned char)p[k]))
            k++;
        if (k == e)
            return i;
    }
    return k;
}

bool fl_json_next_scalar_member(struct fl_json *j, struct fl_str *key, struct fl_json_scalar *out)
{
    if (j->err || j->depth <= 0 || (j->first[j->depth] & ST_ARRAY))
        return false;
    const char *p = j->p;
    size_t n = j->len, i = j->pos;
    if (!(j->first[j->depth] & ST_FIRST)) {
        if (i >= n || p[i] != ',')
            return false;
        i++;
    }
    if (i >= n || p[i] != '"')
        return false;
    size_t ks = i + 1, ke = plain_ascii_string(p, ks, n);
    if (ke >= n || ke + 1 >= n || p[ke + 1] != ':')
        return false;
    i = ke + 2;
    if (i >= n)
        return false;
    size_t vs = i, ve;
    out->pos = vs;
    out->num = 0;
    out->str = (struct fl_str){NULL, 0};
    switch (p[i]) {
    case '"':
        ve = plain_ascii_string(p, i + 1, n);
        if (ve >= n)
            return false;
        out->type = FL_JSON_STRING;
        out->str = (struct fl_str){p + i + 1, ve - i - 1};
        ve++;
        break;
    case 't':
    case 'f':
    case 'n': {
        static const char *const lit[] = {"true", "false", "null"};
        int w = p[i] == 't' ? 0 : p[i] == 'f' ? 1 : 2;
        size_t l = strlen(lit[w]);
        if (n - i < l || memcmp(p + i, lit[w], l) != 0)
            return false;
        ve = i + l;
        out->type = w == 2 ? FL_JSON_NULL : FL_JSON_BOOL;
        out->num = w == 0 ? 1.0 : 0.0;
        break;
    }
    default: {
        /* The commonest shape first, in one pass: -?(0|[1-9][0-9]*)(.[0-9]+)? with at most 15
         * digits in all, then ',' or '}'. Its value is scan_number's exact fast path (mant an
         * integer below 10^15, divided by 10^fraction digits); anything else takes the way below. */
        size_t k = i;
        bool neg = p[k] == '-';
        k += neg;
        if (k < n && is_digit((unsigned char)p[k])) {
            uint64_t mant = 0;
            size_t d0 = k, frac = 0;
            bool lead0 = p[k] == '0';
            while (k < n && is_digit((unsigned char)p[k]))
                mant = mant * 10 + (uint64_t)(p[k++] - '0');
            size_t n_int = k - d0;
            if (k < n && p[k] == '.') {
                size_t f0 = ++k;
                while (k < n && is_digit((unsigned char)p[k]) && k - f0 < 16)
                    mant = mant * 10 + (uint64_t)(p[k++] - '0');
                frac = k - f0;
            }
            if ((!lead0 || n_int == 1) && n_int <= 15 && n_int + frac <= 15 &&
                (frac > 0 || k == d0 + n_int) && k < n && (p[k] == ',' || p[k] == '}')) {
                double v = (double)mant;
                v = frac ? v / pow10_tab[frac] : v;
                ve = k;
                out->type = FL_JSON_NUMBER;
                out->num = neg ? -v : v;
                break;
            }
        }
        ve = number_end(p, i, n);
        if (ve == i || ve >= n || (p[ve] != ',' && p[ve] != '}'))
            return false; /* checked before scan_number, which would flag "01" as an error */
        /* the syntax is valid, so scan_number cannot fail; keep only exact fast conversions */
        size_t save = j->pos;
        struct num nm;
        j->pos = i;
        fl_err e = scan_number(j, &nm);
        j->pos = save;
        if (e != FL_OK || nm.end != ve || nm.n_digits > 15 || nm.exp10 < -22 || nm.exp10 > 22)
            return false;
        double v = (double)nm.mant;
        v = nm.exp10 < 0 ? v / pow10_tab[-nm.exp10] : v * pow10_tab[nm.exp10];
        out->type = FL_JSON_NUMBER;
        out->num = nm.neg ? -v : v;
        break;
    }
    }
    if (ve >= n || (p[ve] != ',' && p[ve] != '}'))
        return false;
    *key = (struct fl_str){p + ks, ke - ks};
    j->first[j->depth] &= (unsigned char)~ST_FIRST;
    j->pos = ve;
    return true;
}

fl_err fl_json_next_elem(struct fl_json *j, bool *more)
{
    char b[16];
    if (j->err)
        return j->err;
    if (j->depth <= 0 || !(j->first[j->depth] & ST_ARRAY))
        return err_at(j, FL_EINVAL, j->pos, "next_elem called outside an array");
    skip_ws(j);
    unsigned char *st = &j->first[j->depth];
    if (j->pos < j->len && j->p[j->pos] == ']') {
        j->pos++;
        j->depth--;
        *more = false;
        return FL_OK;
    }
    if (*st & ST_FIRST) {
        *st &= (unsigned char)~ST_FIRST;
    } else {
        if (j->pos >= j->len || j->p[j->pos] != ',')
            return err_at(j, FL_EPARSE, j->pos, "expected ',' or ']' after an array element, got %s",
                          describe(j, j->pos, b, sizeof b));
        j->pos++;
        skip_ws(j);
        if (j->pos < j->len && j->p[j->pos] == ']')
            return err_at(j, FL_EPARSE, j->pos, "trailing comma before ']'");
    }
    *more = true;
    return FL_OK;
}

/* Skip one value of any type without recursion, validating it. */
fl_err fl_json_skip(struct fl_json *j)
{
    /* Container kinds opened by this skip; j->depth is left unchanged. */
    unsigned char kinds[FL_LIMIT_JSON_DEPTH];
    int top = 0;
    char b[16];
    fl_err e;
    struct fl_str s;
    struct num nm;

    if (j->err)
        return j->err;
value:
    skip_ws(j);
    if (j->pos >= j->len)
        return expected(j, "a value");
    switch (j->p[j->pos]) {
    case '{':
    case '[': {
        char open = j->p[j->pos];
        if (j->depth + top >= FL_LIMIT_JSON_DEPTH)
            return err_at(j, FL_ELIMIT, j->pos, "JSON nested deeper than %d levels",
                          FL_LIMIT_JSON_DEPTH);
        kinds[top++] = (unsigned char)open;
        j->pos++;
        skip_ws(j);
        if (j->pos < j->len && j->p[j->pos] == (open == '{' ? '}' : ']')) {
            j->pos++;
            top--;
            goto after;
        }
        if (open == '[')
            goto value;
        goto key;
    }
    case '"':
        if ((e = scan_string(j, NULL, &s, true)))
            return e;
        goto after;
    case 't':
    case 'f': {
        bool bv;
        if ((e = fl_json_get_bool(j, &bv)))
            return e;
        goto after;
    }
    case 'n':
        if ((e = fl_json_get_null(j)))
            return e;
        goto after;
    default:
        if (type_of(j->p[j->pos]) != FL_JSON_NUMBER)
            return expected(j, "a value");
        if ((e = scan_number(j, &nm)))
            return e;
        goto after;
    }
key:
    skip_ws(j);
    if (j->pos >= j->len || j->p[j->pos] != '"')
        return err_at(j, FL_EPARSE, j->pos, "expected a string key, got %s",
                      describe(j, j->pos, b, sizeof b));
    if ((e = scan_string(j, NULL, &s, true)))
        return e;
    skip_ws(j);
    if (j->pos >= j->len || j->p[j->pos] != ':')
        return err_at(j, FL_EPARSE, j->pos, "expected ':' after an object key, got %s",
                      describe(j, j->pos, b, sizeof b));
    j->pos++;
    goto value;
after:
    if (top == 0)
        return FL_OK;
    skip_ws(j);
    if (j->pos < j->len && j->p[j->pos] == ',') {
        j->pos++;
        if (kinds[top - 1] == '{')
            goto key;
        skip_ws(j);
        if (j->pos < j->len && j->p[j->pos] == ']')
            return err_at(j, FL_EPARSE, j->pos, "trailing comma before ']'");
        goto value;
    }
    char close = kinds[top - 1] == '{' ? '}' : ']';
    if (j->pos < j->len && j->p[j->pos] == close) {
        j->pos++;
        top--;
        goto after;
    }
    return err_at(j, FL_EPARSE, j->pos, "expected ',' or '%c', got %s", close,
                  describe(j, j->pos, b, sizeof b));
}

fl_err fl_json_raw(struct fl_json *j, struct fl_str *raw)
{
    if (j->err)
        return j->err;
    skip_ws(j);
    size_t start = j->pos;
    fl_err e = fl_json_skip(j);
    if (e)
        return e;
    raw->p = j->p + start;
    raw->len = j->pos - start;
    return FL_OK;
}

fl_err fl_json_end(struct fl_json *j)
{
    char b[16];
    if (j->err)
        return j->err;
    if (j->depth != 0)
        return err_at(j, FL_EPARSE, j->pos, "unexpected end inside a container");
    skip_ws(j);
    if (j->pos < j->len)
        return err_at(j, FL_EPARSE, j->pos, "unexpected %s after the JSON value",
                      describe(j, j->pos, b, sizeof b));
    return FL_OK;
}
