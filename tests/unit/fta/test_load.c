/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_load.c: the YAML and Open-PSA MEF loaders: what they build, and their error messages
 * with file:line:col and field path, rendered as the CLI prints them.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "fta/fta.h"

static fl_err load_yaml(const char *text, struct fl_fta_tree **t, char *msg, size_t cap)
{
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_fta_tree_new(NULL, t), FL_OK);
    fl_err e = fl_fta_load_yaml(*t, text, strlen(text), "t.yml", &d);
    fl_diag_format(&d, msg, cap);
    return e;
}

static fl_err load_mef(const char *text, struct fl_fta_tree **t, char *msg, size_t cap)
{
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_fta_tree_new(NULL, t), FL_OK);
    fl_err e = fl_fta_load_mef(*t, text, strlen(text), "t.xml", &d);
    if (e == FL_OK)
        e = fl_fta_tree_check(*t, &d);
    fl_diag_format(&d, msg, cap);
    return e;
}

static double p_of(const struct fl_fta_tree *t, const char *name)
{
    size_t i;
    cr_assert(fl_fta_find(t, name, &i), "no event %s", name);
    return t->events[i].p;
}

Test(fta_yaml, full_format)
{
    static const char text[] = "name: demo\n"
                               "top: top\n"
                               "gates:\n"
                               "  top: {type: or, inputs: [g, c, h], label: \"the top\"}\n"
                               "  g:\n"
                               "    type: atleast\n"
                               "    k: 2\n"
                               "    inputs: [a, b, c]\n"
                               "basic_events:\n"
                               "  a: 0.1\n"
                               "  b: {probability: 0.2, label: pump}\n"
                               "  c: {lambda: 1e-3, mission_time: 100}\n"
                               "house_events:\n"
                               "  h: false\n";
    struct fl_fta_tree *t;
    char msg[512];
    cr_assert_eq(load_yaml(text, &t, msg, sizeof msg), FL_OK, "%s", msg);
    cr_assert_str_eq(t->name, "demo");
    cr_assert_str_eq(t->events[t->top].name, "top");
    cr_assert_str_eq(t->events[t->top].label, "the top");
    cr_assert_float_eq(p_of(t, "a"), 0.1, 0);
    cr_assert_float_eq(p_of(t, "c"), 1 - exp(-0.1), 1e-15);
    size_t g, h;
    cr_assert(fl_fta_find(t, "g", &g) && fl_fta_find(t, "h", &h));
    cr_assert_eq(t->events[g].type, FL_FTA_ATLEAST);
    cr_assert_eq(t->events[g].k, 2);
    cr_assert_eq(t->events[g].n_args, 3);
    cr_assert_eq(t->events[h].kind, FL_FTA_HOUSE);
    cr_assert_eq(t->events[g].line, 5);
    cr_assert_eq(t->events[g].column, 3);
    /* P = 1 - (1 - P(2 of a, b, c)) with pa=.1 pb=.2 pc=p: vote = ab + ac + bc - 2abc */
    double pc = 1 - exp(-0.1);
    double vote = 0.1 * 0.2 + 0.1 * pc + 0.2 * pc - 2 * 0.1 * 0.2 * pc;
    double want = 1 - (1 - vote) * (1 - pc) - 0; /* or(vote, c): vote includes c-only terms */
    struct fl_fta_result *r = NULL;
    cr_assert_eq(fl_fta_analyze(t, NULL, &r, NULL), FL_OK);
    /* or(vote, c) = c or (a and b) */
    want = 1 - (1 - pc) * (1 - 0.02);
    cr_assert_float_eq(r->p_exact, want, 1e-15);
    cr_assert_eq(r->n_cut_sets, 2);
    (void)vote;
    fl_fta_result_free(r);
    fl_fta_tree_free(t);
}

Test(fta_yaml, errors_with_position)
{
    static const struct {
        const char *text;
        fl_err code;
        const char *msg;
    } cases[] = {
        {"gates:\n  top: {type: or, inputs: [a, zz]}\nbasic_events:\n  a: 0.5\n", FL_EINVAL,
         "t.yml:2:31: gates.top.inputs[1]: undefined event \"zz\""},
        {"gates:\n  top: {type: or, inputs: [a]}\nbasic_events:\n  a: 1.5\n", FL_EINVAL,
         "t.yml:4:3: basic_events.a.probability: probability must be within [0, 1], got 1.5"},
        {"gates:\n  top: {type: or, inputs: [a]}\nbasic_events:\n  a: lots\n", FL_EINVAL,
         "t.yml:4:6: basic_events.a: expected a number, got \"lots\""},
        {"gates:\n  top: {type: maybe, inputs: [a]}\nbasic_events:\n  a: 0.5\n", FL_EINVAL,
         "t.yml:2:15: gates.top.type: expected and, or, atleast, not, xor, inhibit, nand or nor"},
        {"gates:\n  top: {type: atleast, inputs: [a]}\nbasic_events:\n  a: 0.5\n", FL_EINVAL,
         "t.yml:2:8: gates.top: an atleast gate needs k"},
        {"gates:\n  top: {type: or, inputs: [a], colour: red}\nbasic_events:\n  a: 0.5\n",
         FL_EINVAL,
         "t.yml:2:32: gates.top.colour: unknown key (expected type, k, inputs or label)"},
        {"gates:\n  a: {type: or, inputs: [b]}\nbasic_events:\n  a: 0.5\n  b: 0.1\n", FL_EINVAL,
         "t.yml:4:3: a: event \"a\" is already defined at t.yml:2:3"},
        {"gates:\n  top: {type: or, inputs: [top2]}\n  top2: {type: and, inputs: [top]}\n",
         FL_EINVAL,
         "t.yml:3:30: gates.top2.inputs[0]: cycle: gate \"top\" depends on itself through "
         "\"top2\""},
        {"gates:\n  top: {type: or, inputs: [a\n", FL_EPARSE, NULL},
        {"gates: &x\n  top: *x\n", FL_EPARSE,
         "t.yml:2:8: YAML aliases are not supported in fault trees"},
        {"gates:\n  top: {type: or, inputs: [a]}\nbasic_events:\n  a: {lambda: 1}\n", FL_EINVAL,
         "t.yml:4:6: basic_events.a: lambda needs mission_time (and the other way round)"},
        {"gatez: {}\n", FL_EINVAL,
         "t.yml:1:1: unknown key \"gatez\" (expected name, top, gates, basic_events, "
         "house_events)"},
        {"", FL_EINVAL, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fl_fta_tree *t;
        char msg[512];
        fl_err e = load_yaml(cases[i].text, &t, msg, sizeof msg);
        cr_assert_eq(e, cases[i].code, "case %zu: %s (%s)", i, fl_err_name(e), msg);
        if (cases[i].msg)
            cr_assert_str_eq(msg, cases[i].msg, "case %zu: %s", i, msg);
        else
            cr_assert(strncmp(msg, "t.yml:", 6) == 0, "case %zu: %s", i, msg);
        fl_fta_tree_free(t);
    }
}

static const char mef_ok[] =
    "<?xml version=\"1.0\"?>\n"
    "<opsa-mef>\n"
    "  <define-fault-tree name=\"ft\">\n"
    "    <define-gate name=\"top\">\n"
    "      <label>Top event</label>\n"
    "      <or>\n"
    "        <and><event name=\"a\"/><not><basic-event name=\"b\"/></not></and>\n"
    "        <atleast min=\"2\"><event name=\"a\"/><event name=\"c\"/><event name=\"h\"/>"
    "</atleast>\n"
    "        <gate name=\"g\"/>\n"
    "      </or>\n"
    "    </define-gate>\n"
    "    <define-gate name=\"g\"><xor><event name=\"b\"/><event name=\"c\"/></xor></define-gate>\n"
    "    <define-basic-event name=\"c\"><float value=\"0.3\"/></define-basic-event>\n"
    "  </define-fault-tree>\n"
    "  <model-data>\n"
    "    <define-parameter name=\"lam\"><float value=\"0.01\"/></define-parameter>\n"
    "    <define-basic-event name=\"a\"><float value=\"0.1\"/></define-basic-event>\n"
    "    <define-basic-event name=\"b\">\n"
    "      <exponential><parameter name=\"lam\"/><int value=\"10\"/></exponential>\n"
    "    </define-basic-event>\n"
    "    <define-house-event name=\"h\"><constant value=\"true\"/></define-house-event>\n"
    "  </model-data>\n"
    "</opsa-mef>\n";

Test(fta_mef, formulas_parameters_and_nesting)
{
    struct fl_fta_tree *t;
    char msg[512];
    cr_assert_eq(load_mef(mef_ok, &t, msg, sizeof msg), FL_OK, "%s", msg);
    cr_assert_str_eq(t->name, "ft");
    cr_assert_str_eq(t->events[t->top].name, "top");
    cr_assert_str_eq(t->events[t->top].label, "Top event");
    cr_assert_eq(t->events[t->top].line, 4);
    double pb = 1 - exp(-0.1);
    cr_assert_float_eq(p_of(t, "b"), pb, 1e-15);
    /* nested formulas became gates top/1 (and), top/1/2 (its not), top/3 (atleast) */
    size_t i1, i2, i3;
    cr_assert(fl_fta_find(t, "top/1", &i1) && fl_fta_find(t, "top/1/2", &i2) &&
              fl_fta_find(t, "top/3", &i3));
    cr_assert_eq(t->events[i1].type, FL_FTA_AND);
    cr_assert_eq(t->events[i2].type, FL_FTA_NOT);
    cr_assert_eq(t->events[i3].type, FL_FTA_ATLEAST);
    cr_assert_eq(t->events[i3].k, 2);
    /* top = (a and not b) or 2of(a, c, true) or (b xor c) = (a and not b) or a or c or (b xor c)
     *     = a or b or c  (b xor c covers b when c is false) */
    struct fl_fta_result *r = NULL;
    cr_assert_eq(fl_fta_analyze(t, NULL, &r, NULL), FL_OK);
    cr_assert_float_eq(r->p_exact, 1 - 0.9 * (1 - pb) * 0.7, 1e-15);
    cr_assert_not(r->coherent);
    cr_assert_eq(r->n_cut_sets, 3);
    fl_fta_result_free(r);
    fl_fta_tree_free(t);
}

Test(fta_mef, errors_with_position)
{
    static const struct {
        const char *text;
        fl_err code;
        const char *msg;
    } cases[] = {
        {"<opsa-mef>\n<define-fault-tree name=\"f\">\n<define-gate name=\"t\">\n"
         "  <or><event name=\"a\"/><event name=\"zz\"/></or>\n</define-gate>\n"
         "<define-basic-event name=\"a\"><float value=\"0.5\"/></define-basic-event>\n"
         "</define-fault-tree>\n</opsa-mef>\n",
         FL_EINVAL, "t.xml:4:24: gates.t.inputs[1]: undefined event \"zz\""},
        {"<opsa-mef>\n<define-fault-tree name=\"f\">\n<define-gate name=\"t\">\n"
         "  <iff><event name=\"a\"/><event name=\"a\"/></iff>\n</define-gate>\n"
         "</define-fault-tree>\n</opsa-mef>\n",
         FL_EINVAL,
         "t.xml:4:3: unsupported formula <iff> (supported: and, or, atleast, not, xor, nand, nor "
         "and event references)"},
        {"<opsa-mef>\n<model-data>\n"
         "<define-basic-event name=\"a\"><float value=\"2\"/></define-basic-event>\n"
         "</model-data>\n</opsa-mef>\n",
         FL_EINVAL,
         "t.xml:3:1: basic_events.a.probability: probability must be within [0, 1], "
         "got 2"},
        {"<opsa-mef>\n<model-data>\n"
         "<define-basic-event name=\"a\"><float value=\"x\"/></define-basic-event>\n"
         "</model-data>\n</opsa-mef>\n",
         FL_EINVAL, "t.xml:3:30: <float> needs a finite number in its value attribute"},
        {"<opsa-mef>\n<define-fault-tree name=\"f\">\n<define-gate name=\"t\">\n"
         "  <atleast><event name=\"a\"/></atleast>\n</define-gate>\n"
         "</define-fault-tree>\n</opsa-mef>\n",
         FL_EINVAL, "t.xml:4:3: <atleast> needs min, a whole number >= 1"},
        {"<opsa-mef>\n<model-data>\n<define-basic-event name=\"a\">\n"
         "<parameter name=\"nope\"/></define-basic-event>\n</model-data>\n</opsa-mef>\n",
         FL_EINVAL,
         "t.xml:4:1: undefined parameter \"nope\" (parameters must be in the same file)"},
        {"<opsa-mef>\n<model-data>\n<oops/>\n</model-data>\n</opsa-mef>\n", FL_EINVAL,
         "t.xml:3:1: unsupported element <oops> in <model-data>"},
        {"<opsa-mef>\n  <define-fault-tree name=\"f\">\n  </define-tree>\n</opsa-mef>\n", FL_EPARSE,
         NULL},
        {"<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY a \"aaaa\">]>\n<opsa-mef/>\n",
         FL_EUNSUPPORTED,
         "t.xml:2:1: DOCTYPE declarations are not accepted (no DTDs, no entities)"},
        {"<other/>\n", FL_EINVAL, "t.xml:1:1: the root element must be <opsa-mef>"},
        {"", FL_EPARSE, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fl_fta_tree *t;
        char msg[512];
        fl_err e = load_mef(cases[i].text, &t, msg, sizeof msg);
        cr_assert_eq(e, cases[i].code, "case %zu: %s (%s)", i, fl_err_name(e), msg);
        if (cases[i].msg)
            cr_assert_str_eq(msg, cases[i].msg, "case %zu: %s", i, msg);
        else
            cr_assert(strncmp(msg, "t.xml:", 6) == 0, "case %zu: %s", i, msg);
        fl_fta_tree_free(t);
    }
}

Test(fta_files, examples_load)
{
    static const char *const files[] = {"examples/fta/ml_kpi_drop.yml",
                                        "examples/fta/latency_slo.yml",
                                        "examples/fta/two_trains.xml"};
    static const double p[] = {0.04091680, 0.01890420, 0.000183893};
    for (size_t i = 0; i < 3; i++) {
        struct fl_fta_tree *t = NULL;
        struct fl_diag d;
        fl_diag_init(&d);
        cr_assert_eq(fl_fta_load_files(&files[i], 1, &t, &d), FL_OK, "%s: %s", files[i], d.msg);
        struct fl_fta_result *r = NULL;
        cr_assert_eq(fl_fta_analyze(t, NULL, &r, &d), FL_OK);
        cr_assert_float_eq(r->p_exact, p[i], p[i] * 1e-5, "%s: %.9g", files[i], r->p_exact);
        fl_fta_result_free(r);
        fl_fta_tree_free(t);
    }
    /* a missing file is an I/O error naming it */
    const char *missing = "examples/fta/nope.yml";
    struct fl_fta_tree *t = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_fta_load_files(&missing, 1, &t, &d), FL_EIO);
    cr_assert_null(t);
}

#include "core/alloc.h"

Test(fta_mef, every_allocation_failure_point)
{
    size_t failures = 0;
    for (long n = 0;; n++) {
        struct fl_fta_tree *t = NULL;
        fl_alloc_fail_after(n);
        fl_err e = fl_fta_tree_new(NULL, &t);
        if (!e)
            e = fl_fta_load_mef(t, mef_ok, sizeof mef_ok - 1, "t.xml", NULL);
        if (!e)
            e = fl_fta_tree_check(t, NULL);
        fl_alloc_fail_after(-1);
        fl_fta_tree_free(t);
        if (e == FL_OK)
            break;
        cr_assert_eq(e, FL_ENOMEM, "n = %ld: %s", n, fl_err_name(e));
        failures++;
        cr_assert_lt(n, 100000);
    }
    cr_assert_gt(failures, 10);
}
