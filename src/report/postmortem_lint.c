/* SPDX-License-Identifier: Apache-2.0 */
/*
 * postmortem_lint.c: the blame lint of post-mortems (postmortem.h; docs/POSTMORTEMS.md "Blame
 * lint"). Blameless post-mortems (Google SRE book, ch. 15; Etsy's "Blameless PostMortems and a Just
 * Culture") describe what the system allowed, not who erred. The lint flags phrasing that puts a
 * person in the place of a cause: "Bob's fault", "should have", "careless", "human error",
 * "forgot", and "failed to" / "missed" / "ignored" when a person is the subject ("the job failed
 * to run" is fine; "she failed to check" is not).
 *
 * A person as subject: a pronoun (he, she, they, I, we, you, someone, ...), a person noun
 * (engineer, developer, operator, on-call, ...), an @handle, or a capitalised plain word
 * ("Bob"); words with '-', '_', '.', digits or all capitals read as system names.
 * Matching is ASCII case-insensitive on whole words; input is bytes, never NUL-terminated.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "postmortem.h"

#define PERSON 1 /* needs a person as the word before */
#define PREFIX 2 /* may be followed by more letters (careless -> carelessness) */
#define AFTER 4  /* needs a person as the word after ("caused by him") */

struct rule {
    const char *pat; /* lower case */
    int flags;
    const char *rule;
    const char *message;
};

static const struct rule rules[] = {
    {"'s fault", 0, "possessive-fault",
     "names a person as the cause; describe what the system allowed instead"},
    {"\xe2\x80\x99s fault", 0, "possessive-fault",
     "names a person as the cause; describe what the system allowed instead"},
    {"fault of", 0, "possessive-fault", "assigns fault; describe the conditions instead"},
    {"blame", PREFIX, "blame", "assigns blame; describe the mechanism instead"},
    {"should have", 0, "should-have",
     "hindsight judgement; say which check or safeguard was missing"},
    {"should've", 0, "should-have",
     "hindsight judgement; say which check or safeguard was missing"},
    {"should not have", 0, "should-have", "hindsight judgement; say what allowed it"},
    {"shouldn't have", 0, "should-have", "hindsight judgement; say what allowed it"},
    {"careless", PREFIX, "character", "judges a person; describe the missing safeguard"},
    {"negligen", PREFIX, "character", "judges a person; describe the missing safeguard"},
    {"sloppy", 0, "character", "judges a person; describe the missing safeguard"},
    {"lazy", 0, "character", "judges a person; describe the missing safeguard"},
    {"incompetent", PREFIX, "character", "judges a person; describe the missing safeguard"},
    {"reckless", PREFIX, "character", "judges a person; describe the missing safeguard"},
    {"stupid", PREFIX, "character", "judges a person; describe the missing safeguard"},
    {"human error", 0, "human-error",
     "\"human error\" ends the inquiry; ask what made the error possible and uncaught"},
    {"operator error", 0, "human-error",
     "\"operator error\" ends the inquiry; ask what made the error possible and uncaught"},
    {"forgot", PREFIX, "forgot", "a person's memory is not a safeguard; name the missing check"},
    {"made a mistake", 0, "mistake", "names a person's mistake; describe the conditions"},
    {"messed up", 0, "mistake", "names a person's mistake; describe the conditions"},
    {"screwed up", 0, "mistake", "names a person's mistake; describe the conditions"},
    {"dropped the ball", 0, "mistake", "names a person's mistake; describe the conditions"},
    {"failed to", PERSON, "person-failed",
     "a person as the subject of a failure; say which step or safeguard did not happen"},
    {"neglected to", 0, "person-failed",
     "a person as the subject of a failure; say which step or safeguard did not happen"},
    {"did not bother", 0, "person-failed", "judges a person; describe the missing safeguard"},
    {"didn't bother", 0, "person-failed", "judges a person; describe the missing safeguard"},
    {"missed", PERSON, "person-failed",
     "a person as the subject of a failure; say what made the signal easy to miss"},
    {"ignored", PERSON, "person-failed",
     "a person as the subject of a failure; say what made the signal easy to ignore"},
    {"caused by", AFTER, "person-cause", "names a person as the cause; name the mechanism"},
    {"because of", AFTER, "person-cause", "names a person as the cause; name the mechanism"},
};

static const char *const pronouns[] = {
    "he",       "she",       "they",      "i",           "we",       "you",      "someone",
    "somebody", "nobody",    "him",       "her",         "them",     "me",       "us",
    "engineer", "engineers", "developer", "developers",  "dev",      "operator", "operators",
    "on-call",  "oncall",    "admin",     "sre",         "reviewer", "author",   "intern",
    "employee", "person",    "human",     "team member", "whoever",  "everyone", "anyone",
};

static bool word_char(unsigned char c)
{
    return isalnum(c) || c == '\'' || c == '-' || c == '_' || c == '@' || c >= 0x80;
}

static bool is_pronoun(const char *w, size_t n)
{
    for (size_t i = 0; i < sizeof pronouns / sizeof pronouns[0]; i++)
        if (strlen(pronouns[i]) == n && !strncasecmp(pronouns[i], w, n))
            return true;
    return false;
}

/* A word that names a person: a pronoun or person noun, an @handle, or "Bob". */
static bool personish(const char *w, size_t n)
{
    if (!n)
        return false;
    if (w[0] == '@' && n > 1)
        return true;
    if (is_pronoun(w, n))
        return true;
    if (!isupper((unsigned char)w[0]) || n < 2)
        return false;
    bool lower = false;
    for (size_t i = 1; i < n; i++) {
        unsigned char c = (unsigned char)w[i];
        if (!isalpha(c) && !(c == '\'' && i + 2 == n)) /* Bob's is not a subject anyway */
            return false;
        lower |= islower(c) != 0;
    }
    return lower;
}

/* The word ending just before p[i] (skipping spaces), in *w / *n. */
static void word_before(const char *p, size_t i, const char **w, size_t *n)
{
    size_t e = i;
    while (e > 0 && (p[e - 1] == ' ' || p[e - 1] == '\t'))
        e--;
    size_t s = e;
    while (s > 0 && word_char((unsigned char)p[s - 1]))
        s--;
    *w = p + s;
    *n = e - s;
}

static void word_after(const char *p, size_t len, size_t i, const char **w, size_t *n)
{
    while (i < len && (p[i] == ' ' || p[i] == '\t'))
        i++;
    size_t s = i;
    while (i < len && word_char((unsigned char)p[i]))
        i++;
    *w = p + s;
    *n = i - s;
}

/* Phrases that contain a pattern but do not blame (the lint's own name, "blameless"). */
static const char *const exempt[] = {"blameless", "blame lint", "blame-lint", "blame-free"};

static bool exempted(const char *p, size_t len, size_t i)
{
    for (size_t k = 0; k < sizeof exempt / sizeof exempt[0]; k++) {
        size_t n = strlen(exempt[k]);
        if (i + n <= len && !strncasecmp(p + i, exempt[k], n))
            return true;
    }
    return false;
}

static bool matches(const char *p, size_t len, size_t i, const struct rule *r, size_t *mlen)
{
    size_t n = strlen(r->pat);
    if (i + n > len || strncasecmp(p + i, r->pat, n))
        return false;
    bool word_start = r->pat[0] == '\'' || (unsigned char)r->pat[0] >= 0x80 || i == 0 ||
                      !word_char((unsigned char)p[i - 1]);
    if (!word_start || exempted(p, len, i))
        return false;
    size_t e = i + n;
    if (r->flags & PREFIX) {
        while (e < len && isalpha((unsigned char)p[e]))
            e++;
    } else if (e < len && word_char((unsigned char)p[e]) && p[e] != '\'') {
        return false;
    }
    *mlen = e - i;
    return true;
}

static fl_err add(struct fl_pm_lint *out, struct fl_arena *a, const char *where, unsigned long line,
                  unsigned long col, const struct rule *r, const char *m, size_t mlen)
{
    if (out->n >= FL_PM_LINT_MAX_FINDINGS) {
        out->truncated = true;
        return FL_OK;
    }
    if (out->n == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 16;
        struct fl_pm_finding *v = fl_arena_calloc(a, cap, sizeof *v);
        if (!v)
            return a->limit_hit ? FL_ELIMIT : FL_ENOMEM;
        if (out->n)
            memcpy(v, out->items, out->n * sizeof *v);
        out->items = v;
        out->cap = cap;
    }
    char *ph = fl_arena_strndup(a, m, mlen);
    if (!ph)
        return a->limit_hit ? FL_ELIMIT : FL_ENOMEM;
    for (char *c = ph; *c; c++) /* one line, printable */
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = ' ';
    out->items[out->n++] = (struct fl_pm_finding){where, line, col, r->rule, ph, r->message};
    return FL_OK;
}

fl_err fl_postmortem_lint(const char *where, const char *p, size_t len, struct fl_arena *a,
                          struct fl_pm_lint *out)
{
    if (len > FL_PM_LINT_MAX_BYTES)
        return FL_ELIMIT;
    if (!p || !len)
        return FL_OK;
    const char *wh = fl_arena_strdup(a, where ? where : "text");
    if (!wh)
        return a->limit_hit ? FL_ELIMIT : FL_ENOMEM;
    unsigned long line = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '\n') {
            line++;
            line_start = i + 1;
            continue;
        }
        for (size_t k = 0; k < sizeof rules / sizeof rules[0]; k++) {
            const struct rule *r = &rules[k];
            size_t mlen, wn;
            const char *w;
            if (!matches(p, len, i, r, &mlen))
                continue;
            size_t from = i;
            if (r->pat[0] == '\'' || (unsigned char)r->pat[0] >= 0x80) {
                word_before(p + line_start, i - line_start, &w, &wn);
                from = (size_t)(w - p);
            } else if (r->flags & PERSON) {
                word_before(p + line_start, i - line_start, &w, &wn);
                if (!personish(w, wn))
                    continue;
                from = (size_t)(w - p);
            } else if (r->flags & AFTER) {
                word_after(p, len, i + mlen, &w, &wn);
                if (!personish(w, wn) ||
                    (w[0] != '@' && !is_pronoun(w, wn) && !isupper((unsigned char)w[0])))
                    continue;
                mlen = (size_t)(w + wn - (p + i));
            }
            fl_err e = add(out, a, wh, line, (unsigned long)(from - line_start + 1), r, p + from,
                           i + mlen - from);
            if (e != FL_OK)
                return e;
            if (r->flags & PREFIX || r->pat[0] == '\'')
                break; /* one finding per position */
        }
    }
    return FL_OK;
}
