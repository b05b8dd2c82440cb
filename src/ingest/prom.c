/* SPDX-License-Identifier: Apache-2.0 */
/*
 * prom.c: the Prometheus text 0.0.4 / OpenMetrics 1.0 exposition parser (see prom.h for the
 * contract and docs/formats/prometheus.md for the rules and error messages).
 *
 * Specs: prometheus/docs docs/instrumenting/exposition_formats.md; OpenMetrics 1.0
 * (OpenObservability/OpenMetrics specification/OpenMetrics.md). Tolerances follow Prometheus'
 * scrape parsers (model/textparse) and promtool's checks (expfmt) where the specs are silent.
 *
 * Shape: one pass, line by line. Each line is located with memchr, then parsed in place; label
 * values are sliced from the input, or unescaped into a per-line scratch buffer (sized to the line,
 * so it never moves while the line's slices are in use). Family bookkeeping (which family the
 * sample belongs to, duplicate/late metadata, non-interleaving in OpenMetrics) costs a prefix
 * compare per sample and a hash-set probe only when the family changes. OpenMetrics histograms are
 * checked per label set: le increasing, counts cumulative, +Inf present and equal to _count.
 *
 * Speed (issue 2: at least 5 M samples/s on one core; docs/PERFORMANCE.md): the common form of a
 * line takes short cuts that give exactly what the general code gives, and anything else falls
 * back to the general code at the same point. A sample name that starts with the current family's
 * (plain) name is compared, not classified byte by byte; label names and '=' / ',' are tested for
 * the usual byte before whitespace is skipped; a label value with nothing to unescape or validate
 * is found 16 bytes at a time (skip_plain) without calling quoted(); duplicate label names are
 * searched only when a 64-bit filter of (length, first byte) says one is possible; and a plain
 * decimal value is converted in the same pass that finds its end (fl_prom__number_fast).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../core/alloc.h"
#include "prom.h"
#include "prom_int.h"

#if defined(__SSE2__) && !defined(FL_PROM_NO_SSE2)
#define PROM_SSE2 1
#include <emmintrin.h>
#else
#define PROM_SSE2 0
#endif

enum ftype {
    T_UNTYPED,
    T_COUNTER,
    T_GAUGE,
    T_HISTOGRAM,
    T_SUMMARY,
    T_GAUGEHIST,
    T_STATESET,
    T_INFO
};

#define FAM_HELP 1u
#define FAM_TYPE 2u
#define FAM_UNIT 4u
#define FAM_SAMPLES 8u

/* Longest name or value quoted in an error message. */
#define MSG_NAME_MAX 80

struct famset_entry {
    uint64_t hash;
    struct fl_str name; /* slice of the input being parsed */
    unsigned flags;     /* FAM_*; 0 = empty slot */
    int ftype;          /* type from its TYPE line (text format reopens families) */
};

/* Storage for family names that had escapes (the scratch buffer is reused on the next line). */
struct name_chunk {
    struct name_chunk *next;
    size_t used, cap;
    char data[];
};

struct fl_prom_parser {
    struct fl_limits lim;
    struct name_chunk *names; /* freed at the start of each parse */
    struct fl_str *lnames, *lvalues; /* sample labels */
    size_t lcap;
    struct fl_str *xnames, *xvalues; /* exemplar labels */
    size_t xcap;
    char *scratch; /* unescaped strings of the current line */
    size_t scratch_cap;
    char *help; /* unescaped HELP text of the current family */
    size_t help_cap;
    struct famset_entry *fams;
    size_t fam_cap, n_fams;
    struct fl_prom__batch_scratch bs;
};

/* Parse state of one fl_prom_parse call. */
struct st {
    struct fl_prom_parser *p;
    const char *text, *text_end; /* the whole input */
    int om;
    fl_prom_sample_fn on_sample;
    fl_prom_meta_fn on_meta;
    void *ud;
    struct fl_diag *d;
    unsigned long line;
    const char *ls, *le; /* current line [ls, le), without the newline */
    size_t sp;           /* scratch bytes used on this line */
    /* current family block */
    int have_fam;
    struct fl_str fam;
    int fam_plain; /* fam is a plain metric name, so a line starting with it starts a name */
    int ftype;
    size_t fam_idx; /* in p->fams */
    size_t help_len;
    struct fl_str unit;
    unsigned fam_flags; /* FAM_* seen in this block */
    int meta_pending;
    /* OpenMetrics histogram group (one label set, one timestamp) */
    int g_active, g_inf, g_has_count;
    uint64_t g_key;
    size_t g_nb;
    double g_last_le, g_last_cnt, g_inf_cnt, g_count;
    unsigned long g_line;
    struct fl_str g_fam;
};

/* ---- character classes ---------------------------------------------------------------------- */

/* Bits of name_class: */
#define C_NAME_START 1u  /* may start a metric name: [a-zA-Z_:] */
#define C_NAME 2u        /* may continue it: [a-zA-Z0-9_:] */
#define C_LNAME_START 4u /* may start a label name: [a-zA-Z_] */
#define C_LNAME 8u       /* may continue it: [a-zA-Z0-9_] */
#define C_LETTER (C_NAME_START | C_NAME | C_LNAME_START | C_LNAME)
#define C_DIGIT (C_NAME | C_LNAME)

static const unsigned char name_class[256] = {
    ['_'] = C_LETTER, [':'] = C_NAME_START | C_NAME,
    ['a'] = C_LETTER, ['b'] = C_LETTER, ['c'] = C_LETTER, ['d'] = C_LETTER, ['e'] = C_LETTER,
    ['f'] = C_LETTER, ['g'] = C_LETTER, ['h'] = C_LETTER, ['i'] = C_LETTER, ['j'] = C_LETTER,
    ['k'] = C_LETTER, ['l'] = C_LETTER, ['m'] = C_LETTER, ['n'] = C_LETTER, ['o'] = C_LETTER,
    ['p'] = C_LETTER, ['q'] = C_LETTER, ['r'] = C_LETTER, ['s'] = C_LETTER, ['t'] = C_LETTER,
    ['u'] = C_LETTER, ['v'] = C_LETTER, ['w'] = C_LETTER, ['x'] = C_LETTER, ['y'] = C_LETTER,
    ['z'] = C_LETTER,
    ['A'] = C_LETTER, ['B'] = C_LETTER, ['C'] = C_LETTER, ['D'] = C_LETTER, ['E'] = C_LETTER,
    ['F'] = C_LETTER, ['G'] = C_LETTER, ['H'] = C_LETTER, ['I'] = C_LETTER, ['J'] = C_LETTER,
    ['K'] = C_LETTER, ['L'] = C_LETTER, ['M'] = C_LETTER, ['N'] = C_LETTER, ['O'] = C_LETTER,
    ['P'] = C_LETTER, ['Q'] = C_LETTER, ['R'] = C_LETTER, ['S'] = C_LETTER, ['T'] = C_LETTER,
    ['U'] = C_LETTER, ['V'] = C_LETTER, ['W'] = C_LETTER, ['X'] = C_LETTER, ['Y'] = C_LETTER,
    ['Z'] = C_LETTER,
    ['0'] = C_DIGIT, ['1'] = C_DIGIT, ['2'] = C_DIGIT, ['3'] = C_DIGIT, ['4'] = C_DIGIT,
    ['5'] = C_DIGIT, ['6'] = C_DIGIT, ['7'] = C_DIGIT, ['8'] = C_DIGIT, ['9'] = C_DIGIT,
};

#define IS_NAME_START(c) (name_class[(unsigned char)(c)] & C_NAME_START)
#define IS_NAME_CHAR(c) (name_class[(unsigned char)(c)] & C_NAME)
#define IS_WS(c) ((c) == ' ' || (c) == '\t')
/* Slice equals string literal; compiles to a length test and an inlined compare. */
#define STR_IS(s, lit) ((s).len == sizeof(lit) - 1 && memcmp((s).p, (lit), sizeof(lit) - 1) == 0)

static const char *type_name(int t, int om)
{
    switch (t) {
    case T_COUNTER: return "counter";
    case T_GAUGE: return "gauge";
    case T_HISTOGRAM: return "histogram";
    case T_SUMMARY: return "summary";
    case T_GAUGEHIST: return "gaugehistogram";
    case T_STATESET: return "stateset";
    case T_INFO: return "info";
    default: return om ? "unknown" : "untyped";
    }
}

static int type_from_word(struct fl_str w, int om)
{
    static const struct {
        const char *word;
        int t;
        int om_only; /* 1 = OpenMetrics only, 2 = text only */
    } types[] = {
        {"counter", T_COUNTER, 0},          {"gauge", T_GAUGE, 0},
        {"histogram", T_HISTOGRAM, 0},      {"summary", T_SUMMARY, 0},
        {"untyped", T_UNTYPED, 2},          {"unknown", T_UNTYPED, 1},
        {"gaugehistogram", T_GAUGEHIST, 1}, {"stateset", T_STATESET, 1},
        {"info", T_INFO, 1},
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        if ((types[i].om_only == 1 && !om) || (types[i].om_only == 2 && om))
            continue;
        if (fl_str_eq_c(w, types[i].word))
            return types[i].t;
    }
    return -1;
}

/* ---- errors --------------------------------------------------------------------------------- */

static fl_err perr_at(struct st *st, fl_err code, unsigned long line, unsigned long col,
                      const char *fmt, ...) FL_PRINTF(5, 6);
static fl_err perr_at(struct st *st, fl_err code, unsigned long line, unsigned long col,
                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fl_diag_vset(st->d, code, line, col, fmt, ap);
    va_end(ap);
    return code;
}

/* Error at position `at` of the current line. */
static fl_err perr(struct st *st, const char *at, const char *fmt, ...) FL_PRINTF(3, 4);
static fl_err perr(struct st *st, const char *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fl_diag_vset(st->d, FL_EPARSE, st->line, (unsigned long)(at - st->ls) + 1, fmt, ap);
    va_end(ap);
    return FL_EPARSE;
}

/* A readable rendering of the character at `at` (or "end of line"). */
static const char *show_char(const struct st *st, const char *at, char *buf, size_t cap)
{
    if (at >= st->le)
        snprintf(buf, cap, "end of line");
    else if ((unsigned char)*at >= 0x20 && (unsigned char)*at < 0x7f)
        snprintf(buf, cap, "'%c'", *at);
    else
        snprintf(buf, cap, "byte 0x%02x", (unsigned char)*at);
    return buf;
}

static int msg_len(struct fl_str s)
{
    return (int)(s.len > MSG_NAME_MAX ? MSG_NAME_MAX : s.len);
}

/* ---- buffers -------------------------------------------------------------------------------- */

static fl_err grow_bytes(char **buf, size_t *cap, size_t need)
{
    if (*cap >= need)
        return FL_OK;
    size_t nc = *cap ? *cap : 256;
    while (nc < need)
        nc *= 2;
    char *nb = fl_realloc(*buf, nc);
    if (!nb)
        return FL_ENOMEM;
    *buf = nb;
    *cap = nc;
    return FL_OK;
}

static fl_err grow_pairs(struct fl_str **a, struct fl_str **b, size_t *cap, size_t need)
{
    if (*cap >= need)
        return FL_OK;
    size_t nc = *cap ? *cap * 2 : 16;
    while (nc < need)
        nc *= 2;
    struct fl_str *na = fl_reallocarray(*a, nc, sizeof **a);
    if (!na)
        return FL_ENOMEM;
    *a = na;
    struct fl_str *nb = fl_reallocarray(*b, nc, sizeof **b);
    if (!nb)
        return FL_ENOMEM;
    *b = nb;
    *cap = nc;
    return FL_OK;
}

/* ---- family set ----------------------------------------------------------------------------- */

static void names_free(struct fl_prom_parser *p)
{
    while (p->names) {
        struct name_chunk *n = p->names->next;
        fl_free(p->names);
        p->names = n;
    }
}

/* Make *name outlive the current line: names unescaped into scratch are copied. */
static fl_err stable_name(struct st *st, struct fl_str *name)
{
    struct fl_prom_parser *p = st->p;
    if (name->len == 0 || (name->p >= st->text && name->p + name->len <= st->text_end))
        return FL_OK;
    struct name_chunk *c = p->names;
    if (!c || c->cap - c->used < name->len) {
        size_t cap = name->len > 4096 ? name->len : 4096;
        c = fl_malloc(sizeof *c + cap);
        if (!c)
            return FL_ENOMEM;
        c->next = p->names;
        c->used = 0;
        c->cap = cap;
        p->names = c;
    }
    memcpy(c->data + c->used, name->p, name->len);
    name->p = c->data + c->used;
    c->used += name->len;
    return FL_OK;
}

static void famset_clear(struct fl_prom_parser *p)
{
    if (p->fams && p->n_fams)
        memset(p->fams, 0, p->fam_cap * sizeof *p->fams);
    p->n_fams = 0;
}

/* Index of family `name` if it was seen in this parse; no insertion. */
static int famset_find(const struct fl_prom_parser *p, struct fl_str name, size_t *idx)
{
    if (!p->fam_cap)
        return 0;
    uint64_t h = fl_hash_bytes(name.p, name.len, 0);
    size_t j = (size_t)h & (p->fam_cap - 1);
    while (p->fams[j].flags) {
        if (p->fams[j].hash == h && fl_str_eq(p->fams[j].name, name)) {
            *idx = j;
            return 1;
        }
        j = (j + 1) & (p->fam_cap - 1);
    }
    return 0;
}

/* Find the family or insert it with flags 0 (marked present by FAM_PRESENT). */
#define FAM_PRESENT 0x100u
static fl_err famset_get(struct fl_prom_parser *p, struct fl_str name, size_t *idx, int *found)
{
    if ((p->n_fams + 1) * 2 > p->fam_cap) {
        size_t nc = p->fam_cap ? p->fam_cap * 2 : 64;
        struct famset_entry *nf = fl_calloc(nc, sizeof *nf);
        if (!nf)
            return FL_ENOMEM;
        for (size_t i = 0; i < p->fam_cap; i++) {
            if (!p->fams[i].flags)
                continue;
            size_t j = (size_t)p->fams[i].hash & (nc - 1);
            while (nf[j].flags)
                j = (j + 1) & (nc - 1);
            nf[j] = p->fams[i];
        }
        fl_free(p->fams);
        p->fams = nf;
        p->fam_cap = nc;
    }
    uint64_t h = fl_hash_bytes(name.p, name.len, 0);
    size_t j = (size_t)h & (p->fam_cap - 1);
    while (p->fams[j].flags) {
        if (p->fams[j].hash == h && fl_str_eq(p->fams[j].name, name)) {
            *idx = j;
            *found = 1;
            return FL_OK;
        }
        j = (j + 1) & (p->fam_cap - 1);
    }
    p->fams[j].hash = h;
    p->fams[j].name = name;
    p->fams[j].flags = FAM_PRESENT;
    p->n_fams++;
    *idx = j;
    *found = 0;
    return FL_OK;
}

/* ---- parser lifecycle ----------------------------------------------------------------------- */

fl_err fl_prom_parser_new(const struct fl_limits *lim, struct fl_prom_parser **out)
{
    *out = NULL;
    struct fl_prom_parser *p = fl_calloc(1, sizeof *p);
    if (!p)
        return FL_ENOMEM;
    if (lim)
        p->lim = *lim;
    else
        fl_limits_default(&p->lim);
    if (p->lim.line_bytes == 0)
        p->lim.line_bytes = FL_LIMIT_LINE_BYTES;
    if (p->lim.labels_per_series == 0)
        p->lim.labels_per_series = FL_LIMIT_LABELS_PER_SERIES;
    if (p->lim.series_per_target == 0)
        p->lim.series_per_target = FL_LIMIT_SERIES_PER_TARGET;
    *out = p;
    return FL_OK;
}

void fl_prom_parser_free(struct fl_prom_parser *p)
{
    if (!p)
        return;
    fl_free(p->lnames);
    fl_free(p->lvalues);
    fl_free(p->xnames);
    fl_free(p->xvalues);
    fl_free(p->scratch);
    fl_free(p->help);
    fl_free(p->fams);
    names_free(p);
    fl_free(p->bs.bytes);
    fl_free(p);
}

struct fl_prom__batch_scratch *fl_prom__parser_batch_scratch(struct fl_prom_parser *p)
{
    return &p->bs;
}

const struct fl_limits *fl_prom__parser_limits(const struct fl_prom_parser *p)
{
    return &p->lim;
}

/* ---- tokens --------------------------------------------------------------------------------- */

static const char *skip_ws(const char *c, const char *e)
{
    while (c < e && IS_WS(*c))
        c++;
    return c;
}

/* Count of UTF-8 code points (continuation bytes are not counted). */
static size_t rune_count(struct fl_str s)
{
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++)
        n += ((unsigned char)s.p[i] & 0xC0) != 0x80;
    return n;
}

static int utf8_valid(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        unsigned min;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            min = 0x10000;
        } else {
            return 0;
        }
        if (len - i <= n)
            return 0;
        unsigned cp = c & (0x3Fu >> n);
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += n + 1;
    }
    return 1;
}

/*
 * Skip, 16 or 8 bytes at a time, what needs no attention inside a quoted string: anything but '"',
 * '\\', NUL and bytes >= 0x80. Returns the first byte that needs attention, or e. Only whole
 * blocks inside [q, e) are read, the tail byte by byte. With SSE2 (every x86-64) a block is one
 * vector compare; the portable version is SWAR ("SIMD within a register", Hacker's Delight 6-1:
 * a byte b is zero iff (b - 1) & ~b has its high bit set, exact for the lowest such byte of a
 * word). FL_PROM_NO_SSE2 selects the portable version on x86 (build with
 * CFLAGS=-DFL_PROM_NO_SSE2 to run the tests on it; CI runs the SSE2 one).
 */
static inline const char *skip_plain_bytes(const char *q, const char *e)
{
    while (q < e && *q != '"' && *q != '\\' && *q != '\0' && (unsigned char)*q < 0x80)
        q++;
    return q;
}

#if PROM_SSE2
static inline const char *skip_plain(const char *q, const char *e)
{
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
    const __m128i zero = _mm_setzero_si128();
    while (e - q >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)q);
        __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote),
                                                _mm_cmpeq_epi8(v, bslash)),
                                   _mm_cmpeq_epi8(v, zero));
        /* movemask takes each byte's high bit: the compares' results, and bytes >= 0x80. */
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(hit, v));
        if (m)
            return q + __builtin_ctz(m);
        q += 16;
    }
    return skip_plain_bytes(q, e);
}
#else
#define SWAR_ONES UINT64_C(0x0101010101010101)
#define SWAR_HIGHS UINT64_C(0x8080808080808080)
#define SWAR_ZERO_BYTES(w) (((w) - SWAR_ONES) & ~(w) & SWAR_HIGHS)

static inline const char *skip_plain(const char *q, const char *e)
{
    while (e - q >= 8) {
        uint64_t w;
        memcpy(&w, q, sizeof w);
        uint64_t hit = SWAR_ZERO_BYTES(w ^ (SWAR_ONES * '"')) |
                       SWAR_ZERO_BYTES(w ^ (SWAR_ONES * '\\')) | SWAR_ZERO_BYTES(w) |
                       (w & SWAR_HIGHS);
        if (hit) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            return q + (__builtin_ctzll(hit) >> 3);
#else
            return q; /* the byte loop finds it */
#endif
        }
        q += 8;
    }
    return skip_plain_bytes(q, e);
}
#endif

/*
 * Quoted string starting at *pc (on the opening quote) in a label set: \\, \" and \n are
 * unescaped; any other backslash pair is kept verbatim (as Prometheus does). The result points into
 * the input when there was nothing to unescape, else into the line's scratch buffer.
 */
static fl_err quoted(struct st *st, const char **pc, size_t max, const char *what,
                     struct fl_str *out)
{
    const char *q = *pc + 1, *e = st->le;
    const char *start = q;
    unsigned hi = 0;
    int esc = 0;
    q = skip_plain(q, e);
    while (q < e && *q != '"') {
        if (*q == '\\') {
            esc = 1;
            if (q + 1 >= e) {
                q = e;
                break;
            }
            q++;
        }
        if (*q == '\0')
            return perr(st, q, "NUL byte in quoted %s", what);
        hi |= (unsigned char)*q;
        q++;
    }
    if (q >= e)
        return perr(st, *pc, "unterminated quoted %s (missing closing '\"')", what);
    size_t raw = (size_t)(q - start);
    if (!esc) {
        out->p = start;
        out->len = raw;
    } else {
        char *w = st->p->scratch + st->sp, *w0 = w;
        for (const char *r = start; r < q; r++) {
            if (*r == '\\') {
                char n = r[1];
                if (n == '\\' || n == '"') {
                    *w++ = n;
                    r++;
                    continue;
                }
                if (n == 'n') {
                    *w++ = '\n';
                    r++;
                    continue;
                }
                *w++ = *r++; /* unknown escape: keep both characters */
            }
            *w++ = *r;
        }
        out->p = w0;
        out->len = (size_t)(w - w0);
        st->sp += out->len;
    }
    /* The cap is on the unescaped text, so that writing a value back (which may escape more,
       e.g. an unknown escape "\q" kept verbatim becomes "\\q") never pushes it over. */
    if (out->len > max)
        return perr_at(st, FL_ELIMIT, st->line, (unsigned long)(*pc - st->ls) + 1,
                       "%s is longer than %zu bytes", what, max);
    if ((hi & 0x80) && !utf8_valid((const unsigned char *)out->p, out->len))
        return perr(st, *pc, "%s is not valid UTF-8", what);
    *pc = q + 1;
    return FL_OK;
}

/* A plain metric name at c: returns its end (== c when there is none). */
static const char *scan_name_rest(const char *c, const char *e)
{
    while (c < e && IS_NAME_CHAR(*c))
        c++;
    return c;
}

static const char *scan_name(const char *c, const char *e)
{
    if (c >= e || !IS_NAME_START(*c))
        return c;
    return scan_name_rest(c + 1, e);
}

/* A plain label name ([a-zA-Z_][a-zA-Z0-9_]*) at c: returns its end. */
static const char *scan_label_name(const char *c, const char *e)
{
    if (c >= e || !(name_class[(unsigned char)*c] & C_LNAME_START))
        return c;
    c++;
    while (c < e && (name_class[(unsigned char)*c] & C_LNAME))
        c++;
    return c;
}

/*
 * Label set at *pc (on '{'). When name_out is non-NULL, a quoted string not followed by '=' is the
 * metric name (UTF-8 form); name_out->p is NULL when none was given. Fills names/values arrays
 * (the sample's or the exemplar's) and *n.
 */
static fl_err label_set(struct st *st, const char **pc, struct fl_str *name_out, int exemplar,
                        size_t *n_out)
{
    struct fl_prom_parser *p = st->p;
    const char *c = *pc + 1, *e = st->le;
    size_t n = 0;
    char cb[32];
    fl_err err;
    size_t cap_n = exemplar ? (size_t)FL_LIMIT_EXEMPLAR_RUNES : p->lim.labels_per_series;
    struct fl_str **an = exemplar ? &p->xnames : &p->lnames;
    struct fl_str **av = exemplar ? &p->xvalues : &p->lvalues;
    size_t *acap = exemplar ? &p->xcap : &p->lcap;
    /* One bit per (length, first byte) class of the names so far: a duplicate needs a set bit. */
    uint64_t seen = 0;
    for (;;) {
        struct fl_str lname;
        const char *at = c;
        if (c < e && (name_class[(unsigned char)*c] & C_LNAME_START)) {
            /* The usual case first: a plain label name right here. */
            const char *ne = scan_label_name(c, e);
            lname.p = c;
            lname.len = (size_t)(ne - c);
            if (lname.len > FL_LIMIT_NAME_BYTES)
                return perr_at(st, FL_ELIMIT, st->line, (unsigned long)(c - st->ls) + 1,
                               "label name is longer than %d bytes", FL_LIMIT_NAME_BYTES);
            c = ne;
            goto have_name;
        }
        c = skip_ws(c, e);
        if (c < e && *c == '}') {
            c++;
            break;
        }
        at = c;
        if (c < e && *c == '"') {
            if ((err = quoted(st, &c, FL_LIMIT_NAME_BYTES, "name", &lname)) != FL_OK)
                return err;
            const char *after = skip_ws(c, e);
            if (name_out && after < e && (*after == ',' || *after == '}')) {
                if (name_out->p)
                    return perr(st, at, "metric name given twice");
                if (lname.len == 0)
                    return perr(st, at, "empty metric name");
                *name_out = lname;
                c = after;
                if (*c == ',')
                    c++;
                continue;
            }
            if (lname.len == 0)
                return perr(st, at, "empty label name");
        } else {
            const char *ne = scan_label_name(c, e);
            if (ne == c)
                return perr(st, c, "expected label name or '}', got %s",
                            show_char(st, c, cb, sizeof cb));
            lname.p = c;
            lname.len = (size_t)(ne - c);
            if (lname.len > FL_LIMIT_NAME_BYTES)
                return perr_at(st, FL_ELIMIT, st->line, (unsigned long)(c - st->ls) + 1,
                               "label name is longer than %d bytes", FL_LIMIT_NAME_BYTES);
            c = ne;
        }
    have_name:
        /* Whitespace is allowed around '=' and ','; test for the usual byte before skipping. */
        if (c >= e || *c != '=') {
            c = skip_ws(c, e);
            if (c >= e || *c != '=')
                return perr(st, c, "expected '=' after label name \"%.*s\"", msg_len(lname),
                            lname.p);
        }
        c++;
        if (c >= e || *c != '"') {
            c = skip_ws(c, e);
            if (c >= e || *c != '"')
                return perr(st, c, "expected '\"' to start the value of label \"%.*s\", got %s",
                            msg_len(lname), lname.p, show_char(st, c, cb, sizeof cb));
        }
        struct fl_str lval;
        const char *vend = skip_plain(c + 1, e);
        if (vend < e && *vend == '"' && (size_t)(vend - c - 1) <= FL_LIMIT_VALUE_BYTES) {
            /* Nothing to unescape or validate: what quoted() would return, without the call. */
            lval.p = c + 1;
            lval.len = (size_t)(vend - c - 1);
            c = vend + 1;
        } else if ((err = quoted(st, &c, FL_LIMIT_VALUE_BYTES, "label value", &lval)) != FL_OK) {
            return err;
        }
        if (!exemplar && STR_IS(lname, "__name__"))
            return perr(st, at, "label name \"__name__\" is reserved: write the metric name "
                                "before '{' or as the first quoted string");
        if (n >= cap_n)
            return perr_at(st, FL_ELIMIT, st->line, (unsigned long)(at - st->ls) + 1,
                           "more than %zu labels", cap_n);
        if (n >= *acap && grow_pairs(an, av, acap, n + 1) != FL_OK)
            return FL_ENOMEM;
        uint64_t bit = UINT64_C(1) << ((lname.len * 7 + (unsigned char)lname.p[0]) & 63);
        if (seen & bit) {
            for (size_t k = 0; k < n; k++) {
                if ((*an)[k].len == lname.len && memcmp((*an)[k].p, lname.p, lname.len) == 0)
                    return perr(st, at, "duplicate label name \"%.*s\"", msg_len(lname),
                                lname.p);
            }
        }
        seen |= bit;
        (*an)[n] = lname;
        (*av)[n] = lval;
        n++;
        if (c < e && *c == ',') {
            c++;
            continue;
        }
        if (c < e && *c == '}') {
            c++;
            break;
        }
        c = skip_ws(c, e);
        if (c < e && *c == ',') {
            c++;
            continue;
        }
        if (c < e && *c == '}') {
            c++;
            break;
        }
        return perr(st, c, "expected ',' or '}' after label value, got %s",
                    show_char(st, c, cb, sizeof cb));
    }
    *pc = c;
    *n_out = n;
    return FL_OK;
}

/* ---- families ------------------------------------------------------------------------------- */

static fl_err emit_meta(struct st *st)
{
    if (!st->meta_pending)
        return FL_OK;
    st->meta_pending = 0;
    if (!st->on_meta)
        return FL_OK;
    struct fl_prom_meta m;
    m.family = st->fam;
    m.type = type_name(st->ftype, st->om);
    m.help.p = (st->fam_flags & FAM_HELP) ? st->p->help : "";
    m.help.len = (st->fam_flags & FAM_HELP) ? st->help_len : 0;
    m.unit = st->unit;
    return st->on_meta(&m, st->ud);
}

static fl_err hist_close(struct st *st)
{
    if (!st->g_active)
        return FL_OK;
    st->g_active = 0;
    /* OpenMetrics: a histogram point has buckets, and its buckets include +Inf. */
    if (!st->g_inf)
        return perr_at(st, FL_EPARSE, st->g_line, 1,
                       st->g_nb > 0 ? "histogram \"%.*s\" has buckets but no le=\"+Inf\" bucket"
                                    : "histogram \"%.*s\" has a count but no buckets (le=\"+Inf\" "
                                      "is required)",
                       msg_len(st->g_fam), st->g_fam.p);
    return FL_OK;
}

static fl_err close_family(struct st *st)
{
    fl_err err = hist_close(st);
    if (err != FL_OK)
        return err;
    return emit_meta(st);
}

/*
 * Start a new family block named `name` (idx/found from famset_get); `at` is where the name was
 * found (for errors). In text format a family seen before gets its earlier type back.
 */
static fl_err open_family(struct st *st, struct fl_str name, const char *at, size_t idx,
                          int found)
{
    fl_err err = close_family(st);
    if (err != FL_OK)
        return err;
    if (found && st->om)
        return perr(st, at, "metric family \"%.*s\" is not contiguous: its lines must not be "
                            "interleaved with other families", msg_len(name), name.p);
    st->have_fam = 1;
    st->fam = name;
    st->fam_plain = scan_name(name.p, name.p + name.len) == name.p + name.len && name.len > 0;
    st->ftype = found ? st->p->fams[idx].ftype : T_UNTYPED;
    st->fam_idx = idx;
    st->help_len = 0;
    st->unit.p = "";
    st->unit.len = 0;
    st->fam_flags = 0;
    st->meta_pending = 0;
    return FL_OK;
}

/* Does a sample named family name + s[0..sl) belong to a family block of type t? */
static int belongs_suffix(int t, const char *s, size_t sl, int om)
{
#define SFX(lit) (sl == sizeof(lit) - 1 && memcmp(s, lit, sl) == 0)
    switch (t) {
    case T_COUNTER: return (!om && sl == 0) || SFX("_total") || SFX("_created");
    case T_HISTOGRAM: return SFX("_bucket") || SFX("_sum") || SFX("_count") || SFX("_created");
    case T_GAUGEHIST: return SFX("_bucket") || SFX("_gsum") || SFX("_gcount");
    case T_SUMMARY: return sl == 0 || SFX("_sum") || SFX("_count") || SFX("_created");
    case T_INFO: return SFX("_info");
    default: return sl == 0;
    }
#undef SFX
}

/* Does sample `name` belong to family block `fam` of type t? */
static int belongs(struct fl_str fam, int t, struct fl_str name, int om)
{
    if (name.len < fam.len || memcmp(name.p, fam.p, fam.len) != 0)
        return 0;
    return belongs_suffix(t, name.p + fam.len, name.len - fam.len, om);
}

/*
 * A family seen earlier in this parse that sample `name` belongs to through a type suffix (foo for
 * foo_total after foo's block ended); 1 and its index if there is one.
 */
static int earlier_family(const struct st *st, struct fl_str name, size_t *idx)
{
    static const char *const sfx[] = {"_total", "_created", "_bucket", "_sum", "_count",
                                      "_gsum",  "_gcount",  "_info"};
    for (size_t k = 0; k < sizeof sfx / sizeof sfx[0]; k++) {
        size_t sl = strlen(sfx[k]);
        if (name.len <= sl || memcmp(name.p + name.len - sl, sfx[k], sl) != 0)
            continue;
        struct fl_str base = {name.p, name.len - sl};
        if (famset_find(st->p, base, idx) &&
            belongs(st->p->fams[*idx].name, st->p->fams[*idx].ftype, name, st->om))
            return 1;
    }
    return 0;
}

static const char *expected_suffixes(int t)
{
    switch (t) {
    case T_COUNTER: return "_total or _created";
    case T_HISTOGRAM: return "_bucket, _sum, _count or _created";
    case T_GAUGEHIST: return "_bucket, _gsum or _gcount";
    case T_INFO: return "_info";
    default: return "no suffix";
    }
}

/* ---- metadata lines ------------------------------------------------------------------------- */

/* Metric name of a metadata line: plain or quoted. */
static fl_err meta_name(struct st *st, const char **pc, struct fl_str *out)
{
    const char *c = *pc;
    char cb[32];
    if (c < st->le && *c == '"') {
        fl_err err = quoted(st, &c, FL_LIMIT_NAME_BYTES, "metric name", out);
        if (err != FL_OK)
            return err;
        if (out->len == 0)
            return perr(st, *pc, "empty metric name");
    } else {
        const char *ne = scan_name(c, st->le);
        if (ne == c)
            return perr(st, c, "expected metric name, got %s", show_char(st, c, cb, sizeof cb));
        if ((size_t)(ne - c) > FL_LIMIT_NAME_BYTES)
            return perr_at(st, FL_ELIMIT, st->line, (unsigned long)(c - st->ls) + 1,
                           "metric name is longer than %d bytes", FL_LIMIT_NAME_BYTES);
        out->p = c;
        out->len = (size_t)(ne - c);
        c = ne;
    }
    *pc = c;
    return FL_OK;
}

static fl_err set_help(struct st *st, const char *c, const char *e)
{
    struct fl_prom_parser *p = st->p;
    if (grow_bytes(&p->help, &p->help_cap, (size_t)(e - c) + 1) != FL_OK)
        return FL_ENOMEM;
    char *w = p->help;
    unsigned hi = 0;
    for (; c < e; c++) {
        hi |= (unsigned char)*c;
        if (*c == '\0')
            return perr(st, c, "NUL byte in HELP text");
        if (*c == '\\' && c + 1 < e) {
            char n = c[1];
            if (n == '\\' || n == 'n' || (st->om && n == '"')) {
                *w++ = n == 'n' ? '\n' : n;
                c++;
                continue;
            }
        }
        *w++ = *c;
    }
    st->help_len = (size_t)(w - p->help);
    if ((hi & 0x80) && !utf8_valid((const unsigned char *)p->help, st->help_len))
        return perr(st, st->ls, "HELP text is not valid UTF-8");
    return FL_OK;
}

static fl_err meta_line(struct st *st, const char *kw, const char *c, unsigned kind)
{
    const char *e = st->le;
    char cb[32];
    struct fl_str name;
    fl_err err;
    if (c >= e || !IS_WS(*c))
        return perr(st, c, "expected a space and a metric name after %s", kw);
    /* OpenMetrics' ABNF has exactly one SP between the tokens of a metadata line. */
    if (st->om && (*c != ' ' || (c + 1 < e && IS_WS(c[1]))))
        return perr(st, c, "expected exactly one space after %s", kw);
    c = skip_ws(c, e);
    const char *name_at = c;
    if ((err = meta_name(st, &c, &name)) != FL_OK)
        return err;
    if (c < e && !IS_WS(*c))
        return perr(st, c, "expected a space after the metric name in %s, got %s", kw,
                    show_char(st, c, cb, sizeof cb));
    if (st->om && (c >= e || *c != ' ' || (kind != FAM_HELP && c + 1 < e && IS_WS(c[1]))))
        return perr(st, c, "expected exactly one space after the metric name in %s, got %s", kw,
                    show_char(st, c, cb, sizeof cb));
    if (!st->have_fam || !fl_str_eq(st->fam, name)) {
        size_t idx;
        int found;
        /* Duplicates across blocks are reported before opening the new block. */
        if ((err = stable_name(st, &name)) != FL_OK ||
            (err = famset_get(st->p, name, &idx, &found)) != FL_OK)
            return err;
        unsigned f = st->p->fams[idx].flags;
        if (found && (f & kind))
            return perr(st, name_at, "second %s line for metric family \"%.*s\"", kw,
                        msg_len(name), name.p);
        if (found && (f & FAM_SAMPLES) && kind == FAM_TYPE)
            return perr(st, name_at, "%s line for \"%.*s\" must come before its samples", kw,
                        msg_len(name), name.p);
        if ((err = open_family(st, name, name_at, idx, found)) != FL_OK)
            return err;
    } else if (st->fam_flags & kind) {
        return perr(st, name_at, "second %s line for metric family \"%.*s\"", kw, msg_len(name),
                    name.p);
    } else if (st->fam_flags & FAM_SAMPLES) {
        return perr(st, name_at, "%s line for \"%.*s\" must come before its samples", kw,
                    msg_len(name), name.p);
    }
    c = st->om ? c + 1 : skip_ws(c, e);
    if (kind == FAM_HELP) {
        /* OpenMetrics: exactly one space separates; the rest, even leading spaces, is text. */
        if ((err = set_help(st, c, e)) != FL_OK)
            return err;
    } else if (kind == FAM_TYPE) {
        const char *te = c;
        while (te < e && !IS_WS(*te))
            te++;
        struct fl_str w = {c, (size_t)(te - c)};
        if (w.len == 0)
            return perr(st, c, "missing metric type after the name in TYPE");
        int t = type_from_word(w, st->om);
        if (t < 0)
            return perr(st, c, "invalid metric type \"%.*s\"", msg_len(w), w.p);
        if (st->om ? te != e : skip_ws(te, e) != e)
            return perr(st, st->om ? te : skip_ws(te, e), "unexpected text after metric type");
        st->ftype = t;
        st->p->fams[st->fam_idx].ftype = t;
    } else {
        const char *ue = c;
        while (ue < e && !IS_WS(*ue))
            ue++;
        struct fl_str u = {c, (size_t)(ue - c)};
        if (st->om ? ue != e : skip_ws(ue, e) != e)
            return perr(st, st->om ? ue : skip_ws(ue, e), "unexpected text after unit");
        if (u.len > 0 && !(name.len > u.len + 1 && name.p[name.len - u.len - 1] == '_' &&
                           memcmp(name.p + name.len - u.len, u.p, u.len) == 0))
            return perr(st, c, "metric family \"%.*s\" must end in \"_%.*s\" to have unit \"%.*s\"",
                        msg_len(name), name.p, msg_len(u), u.p, msg_len(u), u.p);
        st->unit = u;
    }
    st->fam_flags |= kind;
    st->p->fams[st->fam_idx].flags |= kind;
    st->meta_pending = 1;
    return FL_OK;
}

static fl_err comment_line(struct st *st, const char *c, int *eof)
{
    const char *e = st->le;
    const char *kw = c + 1;
    if (st->om) {
        if (kw >= e || *kw != ' ')
            return perr(st, c, "invalid comment: OpenMetrics only allows # HELP, # TYPE, # UNIT "
                               "and # EOF lines");
        kw++;
    } else {
        if (kw >= e || !IS_WS(*kw))
            return FL_OK; /* free comment */
        kw = skip_ws(kw, e);
    }
    const char *we = kw;
    while (we < e && !IS_WS(*we))
        we++;
    struct fl_str w = {kw, (size_t)(we - kw)};
    if (STR_IS(w, "HELP"))
        return meta_line(st, "HELP", we, FAM_HELP);
    if (STR_IS(w, "TYPE"))
        return meta_line(st, "TYPE", we, FAM_TYPE);
    if (st->om && STR_IS(w, "UNIT"))
        return meta_line(st, "UNIT", we, FAM_UNIT);
    if (st->om && STR_IS(w, "EOF")) {
        if (we != e)
            return perr(st, we, "unexpected text after # EOF");
        *eof = 1;
        return FL_OK;
    }
    if (st->om)
        return perr(st, kw, "invalid comment: OpenMetrics only allows # HELP, # TYPE, # UNIT and "
                            "# EOF lines");
    return FL_OK;
}

/* ---- sample lines --------------------------------------------------------------------------- */

static uint64_t group_key(const struct fl_prom_parser *p, size_t n, int64_t ts)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)ts;
    for (size_t i = 0; i < n; i++) {
        if (STR_IS(p->lnames[i], "le"))
            continue;
        h = fl_hash_bytes(p->lnames[i].p, p->lnames[i].len, h);
        h = fl_hash_bytes("=", 1, h);
        h = fl_hash_bytes(p->lvalues[i].p, p->lvalues[i].len, h);
        h = fl_hash_bytes("\xff", 1, h);
    }
    return h;
}

static const struct fl_str *find_label(const struct fl_prom_parser *p, size_t n, struct fl_str nm)
{
    for (size_t i = 0; i < n; i++)
        if (p->lnames[i].len == nm.len && memcmp(p->lnames[i].p, nm.p, nm.len) == 0)
            return &p->lvalues[i];
    return NULL;
}

/* Type rules for one sample of the current family; suffix is the part after the family name. */
static fl_err check_sample(struct st *st, const struct fl_prom_sample *s, const char *name_at)
{
    struct fl_prom_parser *p = st->p;
    int t = st->ftype;
    struct fl_str sfx = {s->name.p + st->fam.len, s->name.len - st->fam.len};
    int bucket = (t == T_HISTOGRAM || t == T_GAUGEHIST) && STR_IS(sfx, "_bucket");
    double le = 0;
    if (bucket) {
        const struct fl_str *v = find_label(p, s->n_labels, FL_STR_LIT("le"));
        if (!v)
            return perr(st, name_at, "histogram bucket \"%.*s\" has no \"le\" label",
                        msg_len(s->name), s->name.p);
        if (!fl_prom_parse_double(v->p, v->len, &le) || isnan(le))
            return perr(st, name_at, "invalid \"le\" label value \"%.*s\"", msg_len(*v), v->p);
    }
    if (t == T_SUMMARY && sfx.len == 0) {
        const struct fl_str *v = find_label(p, s->n_labels, FL_STR_LIT("quantile"));
        double q;
        if (!v)
            return perr(st, name_at, "summary sample \"%.*s\" has no \"quantile\" label",
                        msg_len(s->name), s->name.p);
        if (!fl_prom_parse_double(v->p, v->len, &q))
            return perr(st, name_at, "invalid \"quantile\" label value \"%.*s\"", msg_len(*v),
                        v->p);
    }
    if (s->has_exemplar && !bucket && !(t == T_COUNTER && STR_IS(sfx, "_total")))
        return perr(st, name_at, "exemplars are only allowed on counter _total and histogram "
                                 "_bucket samples, not on \"%.*s\"",
                    msg_len(s->name), s->name.p);
    if (st->om) {
        /* OpenMetrics 1.0 value rules: "A Total is a non-NaN ... starting from 0", a StateSet
           sample is 1 (true) or 0 (false), an Info sample is 1. */
        if (t == T_COUNTER && STR_IS(sfx, "_total") && !(s->value >= 0))
            return perr(st, name_at, "counter total must be a non-negative number");
        if (t == T_STATESET && s->value != 0 && s->value != 1)
            return perr(st, name_at, "stateset sample value must be 0 or 1");
        if (t == T_INFO && s->value != 1)
            return perr(st, name_at, "info sample value must be 1");
    }
    if (!st->om || (t != T_HISTOGRAM && t != T_GAUGEHIST))
        return FL_OK;
    int is_count = t == T_HISTOGRAM ? STR_IS(sfx, "_count") : STR_IS(sfx, "_gcount");
    if (!bucket && !is_count)
        return FL_OK;
    uint64_t key = group_key(p, s->n_labels, s->ts_ms);
    if (!st->g_active || key != st->g_key) {
        fl_err err = hist_close(st);
        if (err != FL_OK)
            return err;
        st->g_active = 1;
        st->g_key = key;
        st->g_nb = 0;
        st->g_inf = 0;
        st->g_has_count = 0;
        st->g_fam = st->fam;
    }
    st->g_line = st->line;
    char a[32], b[32];
    if (bucket) {
        if (!(s->value >= 0))
            return perr(st, name_at, "histogram bucket count must be a non-negative number");
        if (st->g_nb > 0 && !(le > st->g_last_le))
            return perr(st, name_at, "histogram buckets must be in increasing \"le\" order");
        if (st->g_nb > 0 && s->value < st->g_last_cnt) {
            fl_fmt_double(s->value, a, sizeof a);
            fl_fmt_double(st->g_last_cnt, b, sizeof b);
            return perr(st, name_at, "histogram bucket counts must be cumulative: %s after %s",
                        a, b);
        }
        /* OpenMetrics 1.0: a bucket's exemplar value falls within the bucket, (previous le, le]. */
        if (s->has_exemplar &&
            (!(s->ex_value <= le) || (st->g_nb > 0 && !(s->ex_value > st->g_last_le)))) {
            fl_fmt_double(s->ex_value, a, sizeof a);
            fl_fmt_double(le, b, sizeof b);
            char lo[32];
            if (st->g_nb > 0)
                fl_fmt_double(st->g_last_le, lo, sizeof lo);
            else
                snprintf(lo, sizeof lo, "-Inf");
            return perr(st, name_at, "exemplar value %s is outside its bucket (%s, %s]", a, lo, b);
        }
        st->g_nb++;
        st->g_last_le = le;
        st->g_last_cnt = s->value;
        if (isinf(le) && le > 0) {
            st->g_inf = 1;
            st->g_inf_cnt = s->value;
        }
    } else {
        st->g_has_count = 1;
        st->g_count = s->value;
    }
    if (st->g_inf && st->g_has_count && st->g_count != st->g_inf_cnt) {
        fl_fmt_double(st->g_count, a, sizeof a);
        fl_fmt_double(st->g_inf_cnt, b, sizeof b);
        return perr(st, name_at, "histogram count %s does not equal its le=\"+Inf\" bucket %s",
                    a, b);
    }
    return FL_OK;
}

/* Value [timestamp] after a label set or name; c is on the separating whitespace. */
static fl_err value_ts(struct st *st, const char *c, struct fl_prom_sample *s, const char **rest)
{
    const char *e = st->le;
    char cb[32];
    if (c >= e || !IS_WS(*c))
        return perr(st, c, "expected a space and the sample value, got %s",
                    show_char(st, c, cb, sizeof cb));
    c = skip_ws(c, e);
    /* Usually a plain decimal converted in the same pass that finds its end; anything else is
       delimited first and then parsed (or rejected) as a whole token. */
    const char *ve = fl_prom__number_fast(c, e, &s->value);
    if (!ve || (ve < e && !IS_WS(*ve))) {
        ve = c;
        while (ve < e && !IS_WS(*ve))
            ve++;
        if (ve == c)
            return perr(st, c, "missing sample value");
        if (!fl_prom_parse_double(c, (size_t)(ve - c), &s->value))
            return perr(st, c, "invalid sample value \"%.*s\"",
                        (int)((ve - c) > MSG_NAME_MAX ? MSG_NAME_MAX : (ve - c)), c);
    }
    c = skip_ws(ve, e);
    s->ts_ms = FL_TS_NONE;
    if (c < e && *c != '#') {
        const char *te = c;
        while (te < e && !IS_WS(*te))
            te++;
        int ok = st->om ? fl_prom__parse_om_ts(c, (size_t)(te - c), &s->ts_ms)
                        : fl_prom__parse_i64(c, (size_t)(te - c), &s->ts_ms);
        if (!ok)
            return perr(st, c, "invalid timestamp \"%.*s\" (expected %s)",
                        (int)((te - c) > MSG_NAME_MAX ? MSG_NAME_MAX : (te - c)), c,
                        st->om ? "seconds" : "integer milliseconds");
        c = skip_ws(te, e);
    }
    *rest = c;
    return FL_OK;
}

static fl_err exemplar(struct st *st, const char *c, struct fl_prom_sample *s)
{
    const char *e = st->le;
    struct fl_prom_parser *p = st->p;
    char cb[32];
    fl_err err;
    const char *hash = c;
    c++;
    if (c >= e || *c != ' ')
        return perr(st, c, "expected ' ' after '#' of an exemplar");
    c = skip_ws(c, e);
    if (c >= e || *c != '{')
        return perr(st, c, "expected '{' to start the exemplar's labels, got %s",
                    show_char(st, c, cb, sizeof cb));
    size_t n;
    if ((err = label_set(st, &c, NULL, 1, &n)) != FL_OK)
        return err;
    size_t runes = 0;
    for (size_t i = 0; i < n; i++)
        runes += rune_count(p->xnames[i]) + rune_count(p->xvalues[i]);
    if (runes > FL_LIMIT_EXEMPLAR_RUNES)
        return perr(st, hash, "exemplar labels have %zu UTF-8 characters, more than the limit "
                              "of %d", runes, FL_LIMIT_EXEMPLAR_RUNES);
    struct fl_prom_sample ex;
    if ((err = value_ts(st, c, &ex, &c)) != FL_OK)
        return err;
    if (c != e)
        return perr(st, c, "unexpected text after the exemplar");
    s->has_exemplar = 1;
    s->ex_label_names = p->xnames;
    s->ex_label_values = p->xvalues;
    s->ex_n_labels = n;
    s->ex_value = ex.value;
    s->ex_ts_ms = ex.ts_ms;
    return FL_OK;
}

static fl_err sample_line(struct st *st, const char *c)
{
    struct fl_prom_parser *p = st->p;
    const char *e = st->le;
    char cb[32];
    fl_err err;
    struct fl_prom_sample s;
    s.name.p = NULL;
    s.name.len = 0;
    s.n_labels = 0;
    s.has_exemplar = 0;
    s.ex_label_names = NULL;
    s.ex_label_values = NULL;
    s.ex_n_labels = 0;
    s.ex_value = 0;
    s.ex_ts_ms = FL_TS_NONE;
    s.line = st->line;
    const char *name_at = c;
    const char *ne;
    /* Most lines start with the current family's name: compare it instead of classifying each
       byte again (its bytes are name characters, so the scan continues after it). */
    int fam_prefix = st->fam_plain && (size_t)(e - c) >= st->fam.len &&
                     memcmp(c, st->fam.p, st->fam.len) == 0;
    if (fam_prefix)
        ne = scan_name_rest(c + st->fam.len, e);
    else
        ne = scan_name(c, e);
    if (ne != c) {
        s.name.p = c;
        s.name.len = (size_t)(ne - c);
        if (s.name.len > FL_LIMIT_NAME_BYTES)
            return perr_at(st, FL_ELIMIT, st->line, (unsigned long)(c - st->ls) + 1,
                           "metric name is longer than %d bytes", FL_LIMIT_NAME_BYTES);
        c = ne;
        const char *b = st->om || (c < e && *c == '{') ? c : skip_ws(c, e);
        if (b < e && *b == '{') {
            c = b;
            if ((err = label_set(st, &c, NULL, 0, &s.n_labels)) != FL_OK)
                return err;
        } else if (c < e && !IS_WS(*c)) {
            return perr(st, c, "unexpected %s in metric name", show_char(st, c, cb, sizeof cb));
        }
    } else if (c < e && *c == '{') {
        if ((err = label_set(st, &c, &s.name, 0, &s.n_labels)) != FL_OK)
            return err;
        if (!s.name.p)
            return perr(st, name_at, "metric name missing: expected a name before '{' or a "
                                     "quoted name inside it");
    } else {
        return perr(st, c, "expected metric name or '{', got %s", show_char(st, c, cb, sizeof cb));
    }
    s.label_names = p->lnames;
    s.label_values = p->lvalues;
    if ((err = value_ts(st, c, &s, &c)) != FL_OK)
        return err;
    if (c < e) {
        if (*c != '#' || !st->om)
            return perr(st, c, "unexpected text after the %s", s.ts_ms == FL_TS_NONE ?
                                                                 "sample value" : "timestamp");
        if ((err = exemplar(st, c, &s)) != FL_OK)
            return err;
    }
    /* Family bookkeeping (fam_prefix: the name starts with the family's, already compared). */
    int in_fam = fam_prefix ? belongs_suffix(st->ftype, s.name.p + st->fam.len,
                                             s.name.len - st->fam.len, st->om)
                            : st->have_fam && belongs(st->fam, st->ftype, s.name, st->om);
    if (!in_fam) {
        if (st->om && st->have_fam && fl_str_eq(st->fam, s.name))
            return perr(st, name_at, "sample \"%.*s\" of %s family \"%.*s\" needs the suffix %s",
                        msg_len(s.name), s.name.p, type_name(st->ftype, 1), msg_len(st->fam),
                        st->fam.p, expected_suffixes(st->ftype));
        size_t idx;
        int found;
        struct fl_str fname = s.name;
        if (earlier_family(st, s.name, &idx)) {
            /* foo_total after foo's block: OpenMetrics forbids it, text format reopens foo. */
            if ((err = open_family(st, p->fams[idx].name, name_at, idx, 1)) != FL_OK)
                return err;
        } else if ((err = stable_name(st, &fname)) != FL_OK ||
                   (err = famset_get(p, fname, &idx, &found)) != FL_OK ||
                   (err = open_family(st, fname, name_at, idx, found)) != FL_OK) {
            return err;
        }
    }
    if (!(st->fam_flags & FAM_SAMPLES)) {
        st->fam_flags |= FAM_SAMPLES;
        p->fams[st->fam_idx].flags |= FAM_SAMPLES;
        if ((err = emit_meta(st)) != FL_OK)
            return err;
    }
    if ((err = check_sample(st, &s, name_at)) != FL_OK)
        return err;
    s.family = st->fam;
    s.type = type_name(st->ftype, st->om);
    if (st->on_sample)
        return st->on_sample(&s, st->ud);
    return FL_OK;
}

/* ---- driver --------------------------------------------------------------------------------- */

fl_err fl_prom_parse(struct fl_prom_parser *p, const char *text, size_t len,
                     enum fl_prom_format fmt, fl_prom_sample_fn on_sample, fl_prom_meta_fn on_meta,
                     void *ud, struct fl_diag *d)
{
    struct st st;
    memset(&st, 0, sizeof st);
    st.p = p;
    st.om = fmt == FL_PROM_OPENMETRICS;
    st.on_sample = on_sample;
    st.on_meta = on_meta;
    st.ud = ud;
    st.d = d;
    famset_clear(p);
    names_free(p);
    if (!text)
        len = 0;
    st.text = text;
    st.text_end = text ? text + len : NULL;
    size_t pos = 0;
    int eof = 0, last_nl = 1;
    fl_err err = FL_OK;
    while (pos < len) {
        if (eof)
            return perr_at(&st, FL_EPARSE, st.line + 1, 1, "unexpected data after # EOF");
        st.line++;
        const char *ls = text + pos;
        const char *nl = memchr(ls, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - ls) : len - pos;
        if (ll > p->lim.line_bytes)
            return perr_at(&st, FL_ELIMIT, st.line, 1, "line is longer than %zu bytes",
                           p->lim.line_bytes);
        pos += ll + (nl != NULL);
        last_nl = nl != NULL;
        st.ls = ls;
        st.le = ls + ll;
        if (!st.om && ll > 0 && st.le[-1] == '\r')
            st.le--; /* tolerate CRLF in text format */
        st.sp = 0;
        if (ll + 1 > p->scratch_cap && grow_bytes(&p->scratch, &p->scratch_cap, ll + 1) != FL_OK)
            return FL_ENOMEM;
        const char *c = st.om ? ls : skip_ws(ls, st.le);
        if (c == st.le) {
            if (st.om)
                return perr(&st, c, "empty lines are not allowed in OpenMetrics");
            continue;
        }
        if (*c == '#')
            err = comment_line(&st, c, &eof);
        else
            err = sample_line(&st, c);
        if (err != FL_OK)
            return err;
    }
    if (st.om && !eof) {
        if (last_nl)
            return perr_at(&st, FL_EPARSE, st.line + 1, 1,
                           "missing \"# EOF\" at the end of the OpenMetrics exposition");
        return perr_at(&st, FL_EPARSE, st.line, (unsigned long)(st.le - st.ls) + 1,
                       "missing \"# EOF\" at the end of the OpenMetrics exposition");
    }
    return close_family(&st);
}
