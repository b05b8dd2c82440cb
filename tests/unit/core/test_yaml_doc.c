// SPDX-License-Identifier: Apache-2.0
/*
 * test_yaml_doc.c: the libyaml plumbing shared by the YAML readers (core/yaml_doc.h): syntax
 * errors in each of the three wordings, with libyaml's problem and context positions; the second
 * document, alias, node, event and size caps of the first pass; borrowed slices that are not
 * NUL-terminated; and the walk's key path, node errors (first error wins, one line), visit cap and
 * scalar readers, with an allocation failure.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "core/alloc.h"
#include "core/yaml_doc.h"

static const struct fl_yaml_rules full = {
    .what = "a test", .code = FL_ECONFIG, .syntax = FL_YAML_SYNTAX_FULL, .max_bytes = 1000};
static const struct fl_yaml_rules marks = {
    .what = "a test", .code = FL_ECONFIG, .syntax = FL_YAML_SYNTAX_MARKS, .max_bytes = 1000};
static const struct fl_yaml_rules brief = {
    .what = "a test", .code = FL_EPARSE, .syntax = FL_YAML_SYNTAX_BRIEF, .max_bytes = 1000};
static const struct fl_yaml_rules capped = {.what = "a test",
                                            .code = FL_EPARSE,
                                            .max_bytes = 1000,
                                            .max_nodes = 5,
                                            .no_aliases = "no aliases here"};
static const struct fl_yaml_rules events = {
    .what = "a test", .code = FL_EPARSE, .max_bytes = 1000, .max_events = 4};

/* fl_yaml_check, then (when it passes) fl_yaml_load, of a NUL-terminated text. */
static fl_err check_and_load(const char *text, const struct fl_yaml_rules *r, struct fl_diag *d)
{
    yaml_document_t doc;
    fl_err e = fl_yaml_check(text, strlen(text), r, "t.yml", d);
    if (!e && !(e = fl_yaml_load(text, strlen(text), r, "t.yml", &doc, d)))
        yaml_document_delete(&doc);
    return e;
}

Test(yaml_doc, check_and_load_errors)
{
    static const struct {
        const char *text;
        const struct fl_yaml_rules *rules;
        fl_err code;
        unsigned long line, col;
        const char *msg;
    } cases[] = {
        {"a: 1\n", &full, FL_OK, 0, 0, ""},
        {"a: [1, 2\n", &full, FL_ECONFIG, 2, 1,
         "YAML syntax: did not find expected ',' or ']' while parsing a flow sequence started at "
         "1:4"},
        {"a: [1, 2\n", &marks, FL_ECONFIG, 2, 1,
         "YAML syntax: did not find expected ',' or ']' while parsing a flow sequence started at "
         "1:4"},
        {"a: [1, 2\n", &brief, FL_EPARSE, 2, 1,
         "YAML syntax: did not find expected ',' or ']' while parsing a flow sequence"},
        {"a: b: c\n", &full, FL_ECONFIG, 1, 5,
         "YAML syntax: mapping values are not allowed in this context"},
        {"a: \"x\n", &brief, FL_EPARSE, 2, 1,
         "YAML syntax: found unexpected end of stream while scanning a quoted scalar"},
        /* composer errors: only the load sees them */
        {"a: &x 1\nb: &x 2\n", &full, FL_ECONFIG, 2, 4,
         "YAML syntax: found duplicate anchor; first occurrence at 1:4, second occurrence here"},
        {"a: &x 1\nb: &x 2\n", &marks, FL_ECONFIG, 2, 4,
         "YAML syntax: second occurrence found duplicate anchor; first occurrence started at 1:4"},
        {"a: &x 1\nb: &x 2\n", &brief, FL_EPARSE, 2, 4,
         "YAML syntax: second occurrence found duplicate anchor; first occurrence"},
        {"a: *nope\n", &full, FL_ECONFIG, 1, 4, "YAML syntax: found undefined alias"},
        {"a: 1\n---\nb: 2\n", &full, FL_ECONFIG, 2, 1,
         "a second YAML document: a test is one document"},
        {"--- a\n--- b\n", &brief, FL_EPARSE, 2, 1,
         "a second YAML document: a test is one document"},
        {"a: &x 1\nb: *x\n", &full, FL_OK, 0, 0, ""},
        {"a: &x 1\nb: *x\n", &capped, FL_EPARSE, 2, 4, "no aliases here"},
        /* a list and four scalars are five nodes; the fifth scalar is one too many */
        {"[1,2,3,4]", &capped, FL_OK, 0, 0, ""},
        {"[1,2,3,4,5]", &capped, FL_ELIMIT, 1, 10, "more than 5 YAML nodes"},
        /* stream start, document start, scalar, document end: four events; stream end is the
         * fifth */
        {"", &events, FL_OK, 0, 0, ""},
        {"a\n", &events, FL_ELIMIT, 2, 1, "too many YAML nodes"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fl_diag d;
        fl_diag_init(&d);
        fl_err e = check_and_load(cases[i].text, cases[i].rules, &d);
        cr_assert_eq(e, cases[i].code, "case %zu: %s", i, fl_err_name(e));
        cr_assert_eq(d.code, cases[i].code, "case %zu", i);
        cr_assert_str_eq(d.msg, cases[i].msg, "case %zu", i);
        cr_assert_eq(d.line, cases[i].line, "case %zu: line %lu", i, d.line);
        cr_assert_eq(d.column, cases[i].col, "case %zu: column %lu", i, d.column);
        cr_assert_str_eq(d.file, e ? "t.yml" : "", "case %zu", i);
        cr_assert_str_eq(d.field, "", "case %zu", i);
        /* the same outcome without a diag */
        cr_assert_eq(check_and_load(cases[i].text, cases[i].rules, NULL), cases[i].code);
    }
}

Test(yaml_doc, size_cap_and_slices)
{
    char big[1002];
    memset(big, '#', sizeof big);
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_yaml_check(big, 1001, &full, "big.yml", &d), FL_ELIMIT);
    cr_assert_str_eq(d.msg, "file larger than 1000 bytes");
    cr_assert_str_eq(d.file, "big.yml");
    cr_assert_eq(d.line, 0);
    cr_assert_eq(fl_yaml_check(big, 1000, &full, "big.yml", NULL), FL_OK); /* a comment */

    /* A slice of a longer buffer: what follows it is not read. */
    const char *text = "a: 1: [junk";
    cr_assert_eq(fl_yaml_check(text, strlen(text), &full, "s.yml", NULL), FL_ECONFIG);
    cr_assert_eq(fl_yaml_check(text, 4, &full, "s.yml", NULL), FL_OK);
    yaml_document_t doc;
    cr_assert_eq(fl_yaml_load(text, 4, &full, "s.yml", &doc, NULL), FL_OK);
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    cr_assert_eq(root->type, YAML_MAPPING_NODE);
    yaml_node_t *v = yaml_document_get_node(&doc, root->data.mapping.pairs.start->value);
    cr_assert_str_eq((const char *)v->data.scalar.value, "1");
    yaml_document_delete(&doc);

    /* An empty stream loads as a document without a root. */
    cr_assert_eq(fl_yaml_load("", 0, &full, "e.yml", &doc, NULL), FL_OK);
    cr_assert_null(yaml_document_get_root_node(&doc));
    yaml_document_delete(&doc);
}

/* A loaded document and a walk over it, for the walk tests. */
struct fixture {
    yaml_document_t doc;
    struct fl_diag d;
    struct fl_yaml_walk w;
};

static yaml_node_t *load_fixture(struct fixture *f, const char *text, enum fl_yaml_clean clean)
{
    cr_assert_eq(fl_yaml_load(text, strlen(text), &full, "w.yml", &f->doc, NULL), FL_OK);
    fl_diag_init(&f->d);
    f->w = (struct fl_yaml_walk){.doc = &f->doc,
                                 .d = &f->d,
                                 .file = "w.yml",
                                 .code = FL_EINVAL,
                                 .max_visits = 2,
                                 .clean = clean};
    return yaml_document_get_root_node(&f->doc);
}

static yaml_node_t *value_of(struct fixture *f, yaml_node_t *map, size_t i)
{
    return yaml_document_get_node(&f->doc, map->data.mapping.pairs.start[i].value);
}

Test(yaml_doc, path_and_node_errors)
{
    struct fixture f;
    yaml_node_t *root = load_fixture(&f, "a:\n  - x\n  - \"q\\x01\\x7f\"\n", FL_YAML_CLEAN_ALL);
    cr_assert_eq(fl_yaml_path_key(&f.w, "a"), 0);
    cr_assert_eq(fl_yaml_path_index(&f.w, 1), 1);
    size_t old = fl_yaml_path_key(&f.w, "k\n");
    cr_assert_str_eq(f.w.path, "a[1].k\n");
    yaml_node_t *item =
        yaml_document_get_node(&f.doc, value_of(&f, root, 0)->data.sequence.items.start[1]);
    cr_assert_eq(fl_yaml_node_err(&f.w, item, "bad \"%s\"", item->data.scalar.value), FL_EINVAL);
    cr_assert_eq(f.d.code, FL_EINVAL);
    cr_assert_eq(f.d.line, 3);
    cr_assert_eq(f.d.column, 5);
    cr_assert_str_eq(f.d.file, "w.yml");
    cr_assert_str_eq(f.d.field, "a[1].k?");
    cr_assert_str_eq(f.d.msg, "bad \"q??\"");
    /* first error wins; the code is still returned */
    cr_assert_eq(fl_yaml_node_err(&f.w, root, "second"), FL_EINVAL);
    cr_assert_str_eq(f.d.msg, "bad \"q??\"");
    fl_yaml_path_pop(&f.w, old);
    cr_assert_str_eq(f.w.path, "a[1]");
    fl_yaml_path_pop(&f.w, 0);
    cr_assert_str_eq(f.w.path, "");
    /* no node: no position; no diag: no crash */
    fl_diag_init(&f.d);
    cr_assert_eq(fl_yaml_node_err(&f.w, NULL, "at the root"), FL_EINVAL);
    cr_assert_eq(f.d.line, 0);
    cr_assert_str_eq(f.d.field, "");
    f.w.d = NULL;
    cr_assert_eq(fl_yaml_node_err(&f.w, root, "x"), FL_EINVAL);
    yaml_document_delete(&f.doc);

    /* FL_YAML_CLEAN_MSG: only the message, only bytes below 0x20 */
    root = load_fixture(&f, "a: \"q\\x01\\x7f\"\n", FL_YAML_CLEAN_MSG);
    fl_yaml_path_key(&f.w, "k\n");
    yaml_node_t *v = value_of(&f, root, 0);
    cr_assert_eq(fl_yaml_node_err(&f.w, v, "%s", v->data.scalar.value), FL_EINVAL);
    cr_assert_str_eq(f.d.field, "k\n");
    cr_assert_str_eq(f.d.msg, "q?\x7f");
    yaml_document_delete(&f.doc);
}

Test(yaml_doc, path_truncates)
{
    struct fixture f;
    load_fixture(&f, "a: 1\n", FL_YAML_CLEAN_ALL);
    char key[100];
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    for (int i = 0; i < 5; i++)
        fl_yaml_path_key(&f.w, key);
    size_t full_len = strlen(f.w.path);
    cr_assert_eq(full_len, FL_DIAG_FIELD_CAP - 1);
    cr_assert_eq(fl_yaml_path_index(&f.w, 7), full_len);
    cr_assert_eq(strlen(f.w.path), FL_DIAG_FIELD_CAP - 1);
    yaml_document_delete(&f.doc);
}

Test(yaml_doc, visits_and_scalars)
{
    struct fixture f;
    yaml_node_t *root = load_fixture(&f, "n: \"a\\0b\"\nl: [1]\ns: ok\n", FL_YAML_CLEAN_ALL);
    yaml_node_t *nul = value_of(&f, root, 0), *list = value_of(&f, root, 1),
                *ok = value_of(&f, root, 2);
    cr_assert_str_eq(fl_yaml_kind(root), "a mapping");
    cr_assert_str_eq(fl_yaml_kind(list), "a list");
    cr_assert_str_eq(fl_yaml_kind(ok), "a scalar");

    cr_assert_eq(fl_yaml_visit(&f.w, root), FL_OK);
    cr_assert_eq(fl_yaml_visit(&f.w, root), FL_OK);
    cr_assert_eq(fl_yaml_visit(&f.w, list), FL_EINVAL);
    cr_assert_str_eq(f.d.msg, "document too large or too deeply aliased (over 2 nodes)");
    cr_assert_eq(f.d.line, 2);
    cr_assert_eq(f.d.column, 4);

    struct fl_str s;
    fl_diag_init(&f.d);
    cr_assert_eq(fl_yaml_scalar(&f.w, nul, "text", &s), FL_OK);
    cr_assert_eq(s.len, 3); /* the NUL byte is part of the scalar */
    cr_assert_eq(memcmp(s.p, "a\0b", 3), 0);
    cr_assert_eq(fl_yaml_scalar(&f.w, list, "a number", NULL), FL_EINVAL);
    cr_assert_str_eq(f.d.msg, "expected a number, got a list");

    char *out = NULL;
    fl_diag_init(&f.d);
    cr_assert_eq(fl_yaml_strdup(&f.w, nul, &out), FL_EINVAL);
    cr_assert_str_eq(f.d.msg, "string contains a NUL byte");
    cr_assert_null(out);
    cr_assert_eq(fl_yaml_strdup(&f.w, ok, &out), FL_OK);
    cr_assert_str_eq(out, "ok");
    cr_assert_eq(fl_yaml_strdup(&f.w, ok, &out), FL_OK); /* replaces (and frees) the old one */
    cr_assert_str_eq(out, "ok");
    char *before = out;
    fl_diag_init(&f.d);
    fl_alloc_fail_after(0);
    fl_err e = fl_yaml_strdup(&f.w, ok, &out);
    fl_alloc_fail_after(-1);
    cr_assert_eq(e, FL_ENOMEM);
    cr_assert_eq(out, before);
    cr_assert_eq(f.d.code, FL_OK); /* the reader decides how to report it */
    fl_free(out);
    yaml_document_delete(&f.doc);
}

Test(yaml_doc, bool_words)
{
    static const struct {
        const char *p;
        size_t len;
        bool is_word, value;
    } cases[] = {
        {"true", 4, true, true},      {"True", 4, true, true},    {"TRUE", 4, true, true},
        {"false", 5, true, false},    {"False", 5, true, false},  {"FALSE", 5, true, false},
        {"tRue", 4, false, false},    {"yes", 3, false, false},   {"true ", 5, false, false},
        {"true\0x", 6, false, false}, {"true\0x", 4, true, true}, {"", 0, false, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool v = !cases[i].value;
        cr_assert_eq(fl_yaml_bool_word(cases[i].p, cases[i].len, &v), cases[i].is_word, "case %zu",
                     i);
        /* *out is set for a word and left alone otherwise */
        cr_assert_eq(v, cases[i].is_word ? cases[i].value : !cases[i].value, "case %zu", i);
    }
}
