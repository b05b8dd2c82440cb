/* SPDX-License-Identifier: Apache-2.0 */
/*
 * matcher.h: Prometheus label matchers (=, !=, =~, !~) and their evaluation.
 *
 * Regexes are fully anchored as in Prometheus and compiled with POSIX extended regular expressions
 * (regcomp), which cover the RE2 subset users write in selectors (alternation, classes, repeats);
 * RE2-only syntax such as (?i) or \d is rejected with a clear error rather than misread.
 */
#ifndef FL_CORE_MATCHER_H
#define FL_CORE_MATCHER_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "record.h"

enum fl_match_op { FL_MATCH_EQ, FL_MATCH_NE, FL_MATCH_RE, FL_MATCH_NRE };

struct fl_matcher {
    char *name;  /* owned */
    char *value; /* owned; the regex source for RE/NRE */
    enum fl_match_op op;
    void *re;    /* owned compiled regex (regex_t *) for RE/NRE, else NULL */
};

/*
 * Initialise m with copies of name and value; compiles the regex. d gets regex errors.
 * For =~ and !~ the pattern is guarded before compiling (see matcher.c): FL_EINVAL for an
 * unbalanced parenthesis or RE2-only syntax, FL_ELIMIT for a pattern whose regcomp expansion would
 * exceed 100,000 nodes or that repeats a part able to match the empty string ("(a*)+"); for the
 * parenthesis and FL_ELIMIT errors d's column is the 1-based byte position of the offending
 * character within value (line 0). RE2 lazy modifiers ("a+?") are dropped, m->value included, as
 * they match the same strings under full anchoring.
 */
fl_err fl_matcher_init(struct fl_matcher *m, const char *name, enum fl_match_op op,
                       const char *value, struct fl_diag *d) FL_MUST_CHECK;
void fl_matcher_cleanup(struct fl_matcher *m);
/* Does the value (NULL or "" meaning the label is absent) satisfy the matcher? */
bool fl_matcher_match_value(const struct fl_matcher *m, const char *value);
/* Do all matchers hold for this sorted label set? */
bool fl_matchers_match(const struct fl_matcher *ms, size_t n, const struct fl_label *labels,
                       size_t n_labels);

#endif
