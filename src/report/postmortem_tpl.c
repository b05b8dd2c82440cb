/* SPDX-License-Identifier: Apache-2.0 */
/*
 * postmortem_tpl.c: post-mortem templates (postmortem.h; docs/POSTMORTEMS.md "Templates").
 *
 * A template is Markdown with placeholders "{{name}}" (spaces allowed inside the braces) that
 * expand to the generated sections; "{{{{" writes a literal "{{". Nothing else is special: no
 * loops, no conditions, no escapes to learn. Unknown names and unterminated placeholders are
 * errors that give line and column, so a typo never silently drops a section.
 */
#include <string.h>

#include "postmortem.h"
#include "postmortem_int.h"

const char fl_pm_default_template[] = "# Post-mortem: {{title}}\n"
                                      "\n"
                                      "{{meta}}\n"
                                      "\n"
                                      "## Summary\n"
                                      "\n"
                                      "{{summary}}\n"
                                      "\n"
                                      "## Impact\n"
                                      "\n"
                                      "{{impact}}\n"
                                      "\n"
                                      "## Detection\n"
                                      "\n"
                                      "{{detection}}\n"
                                      "\n"
                                      "## Timeline\n"
                                      "\n"
                                      "{{timeline}}\n"
                                      "\n"
                                      "## Root cause\n"
                                      "\n"
                                      "{{root_cause}}\n"
                                      "\n"
                                      "## Contributing factors\n"
                                      "\n"
                                      "{{contributing}}\n"
                                      "\n"
                                      "## Refuted hypotheses\n"
                                      "\n"
                                      "{{refuted}}\n"
                                      "\n"
                                      "## 5 Whys\n"
                                      "\n"
                                      "{{whys}}\n"
                                      "\n"
                                      "## Fault tree\n"
                                      "\n"
                                      "{{fault_tree}}\n"
                                      "\n"
                                      "## What went well\n"
                                      "\n"
                                      "{{went_well}}\n"
                                      "\n"
                                      "## What did not go well\n"
                                      "\n"
                                      "{{went_wrong}}\n"
                                      "\n"
                                      "## Action items\n"
                                      "\n"
                                      "{{action_items}}\n"
                                      "\n"
                                      "## Blame lint\n"
                                      "\n"
                                      "{{lint}}\n";

static const char *const names[FL_PM__N_SECTIONS] = {
    "title",      "meta",       "summary",      "impact",       "detection",
    "timeline",   "root_cause", "contributing", "refuted",      "whys",
    "fault_tree", "went_well",  "went_wrong",   "action_items", "lint",
};

const char *const *fl_pm_placeholders(size_t *n)
{
    *n = FL_PM__N_SECTIONS;
    return names;
}

static void position(const char *p, size_t off, unsigned long *line, unsigned long *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off; i++) {
        if (p[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

/*
 * Walk the template: literal runs go to lit(), placeholders to sec() with their index. Either
 * callback may be NULL (check only). Returns the first error with its position in d.
 */
fl_err fl_pm__tpl_walk(const char *p, size_t len, const char *name,
                       void (*lit)(void *ud, const char *s, size_t n),
                       void (*sec)(void *ud, int idx), void *ud, struct fl_diag *d)
{
    unsigned long line, col;
    if (len > FL_PM_TEMPLATE_MAX_BYTES)
        return fl_diag_set(d, FL_ELIMIT, 0, 0, "%s: template of %zu bytes is over the %zu limit",
                           name, len, FL_PM_TEMPLATE_MAX_BYTES);
    size_t i = 0, run = 0;
    while (i < len) {
        if (!(p[i] == '{' && i + 1 < len && p[i + 1] == '{')) {
            i++;
            continue;
        }
        if (lit && i > run)
            lit(ud, p + run, i - run);
        if (i + 3 < len && p[i + 2] == '{' && p[i + 3] == '{') {
            if (lit)
                lit(ud, "{{", 2);
            i += 4;
            run = i;
            continue;
        }
        size_t s = i + 2, e = s;
        while (e + 1 < len && !(p[e] == '}' && p[e + 1] == '}') && p[e] != '\n' && e - s < 64)
            e++;
        if (e + 1 >= len || p[e] != '}' || p[e + 1] != '}') {
            position(p, i, &line, &col);
            fl_diag_set(d, FL_EPARSE, line, col,
                        "unterminated placeholder: \"{{\" without \"}}\" "
                        "on the same line");
            fl_diag_file(d, name);
            return FL_EPARSE;
        }
        size_t a = s, b = e;
        while (a < b && (p[a] == ' ' || p[a] == '\t'))
            a++;
        while (b > a && (p[b - 1] == ' ' || p[b - 1] == '\t'))
            b--;
        int idx = -1;
        for (int k = 0; k < FL_PM__N_SECTIONS && idx < 0; k++)
            if (strlen(names[k]) == b - a && !memcmp(names[k], p + a, b - a))
                idx = k;
        if (idx < 0) {
            position(p, i, &line, &col);
            char nm[72];
            size_t n = b - a < 64 ? b - a : 64;
            for (size_t k = 0; k < n; k++)
                nm[k] = (unsigned char)p[a + k] < 0x20 ? '?' : p[a + k];
            nm[n] = 0;
            fl_diag_set(d, FL_EINVAL, line, col,
                        "unknown placeholder \"{{%s}}\" (see "
                        "docs/POSTMORTEMS.md \"Templates\")",
                        nm);
            fl_diag_file(d, name);
            fl_diag_field(d, "%s", nm);
            return FL_EINVAL;
        }
        if (sec)
            sec(ud, idx);
        i = e + 2;
        run = i;
    }
    if (lit && len > run)
        lit(ud, p + run, len - run);
    return FL_OK;
}

fl_err fl_pm_template_check(const char *name, const char *p, size_t len, struct fl_diag *d)
{
    return fl_pm__tpl_walk(p ? p : "", p ? len : 0, name ? name : "template", NULL, NULL, NULL, d);
}
