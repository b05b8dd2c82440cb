/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_drift.c: `faultline drift [--reference REF] CURRENT` compares every feature (and the
 * predictions) of CURRENT with REF, or with no --reference the latest window of CURRENT with the
 * window before it, and prints the result as a table, JSON or Markdown (monitor/drift.h,
 * docs/DRIFT.md). REF and CURRENT are data files (CSV, JSON Lines, inference records) or saved
 * profiles (`faultline profile --out`), so a reference is profiled once and reused.
 * Exit status: 0 no drift, 1 drift found (or a runtime failure), 2 usage errors and unreadable
 * or malformed input (file:line:col).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/str.h"
#include "core/time.h"
#include "monitor/drift.h"
#include "monitor/profile.h"
#include "stats/divergence.h"

static const char usage_text[] =
    "usage: faultline drift [--reference REF] [--format table|json|markdown]\n"
    "         (CURRENT | --current CURRENT)\n"
    "         [--input csv|jsonl|inferences] [--reference-input csv|jsonl|inferences]\n"
    "         [--method [FEATURE=]METHOD]...\n"
    "         [--threshold FEATURE=T]... [--bins [FEATURE=]N]... [--skip FEATURE]...\n"
    "         [--options FILE] [--js-base e|2] [--drift-share S] [--adaptive] [--chunks N]\n"
    "         [--null-rate-threshold X] [--new-category-threshold X]\n"
    "         [--model M] [--model-version V] [--reference-model-version V]\n"
    "         [--window W] [--reference-window W] [--window-size DUR] [--segment S]\n"
    "         [--segment-by DIM] [--k K] CURRENT\n"
    "METHOD: auto ks chi2 ztest mwu wasserstein psi js hellinger kl\n";

struct dopts {
    const char *reference, *options_file;
    const char *current; /* --current FILE, the same as the CURRENT argument */
    int format; /* 0 table, 1 json, 2 markdown */
    enum fl_profile_input input;     /* CURRENT's format (--input) */
    enum fl_profile_input ref_input; /* REF's (--reference-input); AUTO: detected by content */
    const char *model, *version, *ref_version, *window, *ref_window, *segment;
    const char *segment_by;
    int64_t window_ms;
    uint32_t chunks;
    unsigned k;
    /* CLI settings applied over the options file, kept as text until it is read */
    const char **sets;
    size_t n_sets;
};

static const struct fl_cli_cmd cli = {"drift", usage_text};

static bool to_double(const char *s, double *out)
{
    return fl_str_to_double(fl_str_c(s), out) && isfinite(*out);
}

/* Apply one per-feature or global setting "--opt value" to o. 0 or a usage error (2). */
static int apply_setting(struct fl_drift_opts *o, const char *opt, const char *v)
{
    const char *eq = strchr(v, '=');
    char name[1024];
    const char *val = v;
    struct fl_drift_feature_opts *f = NULL;
    if (eq && strcmp(opt, "--skip") != 0) {
        size_t n = (size_t)(eq - v);
        if (n == 0 || n >= sizeof name)
            return fl_cli_usage_error(&cli, "expected FEATURE=VALUE", v);
        memcpy(name, v, n);
        name[n] = '\0';
        val = eq + 1;
        if (fl_drift_opts_feature(o, name, &f))
            return fl_cli_usage_error(&cli, "out of memory", NULL);
    }
    if (!strcmp(opt, "--skip")) {
        if (fl_drift_opts_feature(o, v, &f))
            return fl_cli_usage_error(&cli, "--skip: expected a feature name", v);
        f->skip = true;
    } else if (!strcmp(opt, "--method")) {
        enum fl_drift_method m;
        if (!fl_drift_method_parse(val, &m))
            return fl_cli_usage_error(&cli, "--method: unknown method", val);
        *(f ? &f->method : &o->method) = m;
    } else if (!strcmp(opt, "--threshold")) {
        double t;
        if (!f)
            return fl_cli_usage_error(&cli,
                                      "--threshold: expected FEATURE=T (a threshold depends on the "
                                      "method; set a global method's with --options)",
                                      v);
        if (!to_double(val, &t) || t < 0)
            return fl_cli_usage_error(&cli, "--threshold: expected a number >= 0", val);
        f->threshold = t;
    } else if (!strcmp(opt, "--bins")) {
        uint64_t n;
        if (!fl_cli_parse_u64(val, 2, 10000, &n))
            return fl_cli_usage_error(&cli, "--bins: expected a number from 2 to 10000", val);
        *(f ? &f->bins : &o->bins) = (size_t)n;
    } else if (f) {
        return fl_cli_usage_error(&cli, "this option takes no FEATURE=", v);
    } else if (!strcmp(opt, "--js-base")) {
        double b;
        if (!strcmp(val, "e"))
            o->js_base = FL_DIVERGENCE_NATS;
        else if (to_double(val, &b) && b > 0 && b != 1)
            o->js_base = b;
        else
            return fl_cli_usage_error(&cli, "--js-base: expected e or 2", val);
    } else {
        double x;
        if (!to_double(val, &x) || x < 0 || x > 1)
            return fl_cli_usage_error(&cli, "expected a number within [0, 1]", val);
        if (!strcmp(opt, "--drift-share"))
            o->drift_share = x;
        else if (!strcmp(opt, "--null-rate-threshold"))
            o->null_rate_threshold = x;
        else
            o->new_category_threshold = x;
    }
    return 0;
}

static bool is_setting(const char *a)
{
    static const char *const s[] = {"--method",
                                    "--threshold",
                                    "--bins",
                                    "--skip",
                                    "--js-base",
                                    "--drift-share",
                                    "--null-rate-threshold",
                                    "--new-category-threshold"};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        if (!strcmp(a, s[i]))
            return true;
    return false;
}

/* One option of those the table leaves to the command (fl_cli_opt_fn); 0 or a usage error (2). */
static int parse_option(void *ud, const char *a, const char *v)
{
    static const enum fl_profile_input inputs[] = {FL_PROFILE_INPUT_CSV, FL_PROFILE_INPUT_JSONL,
                                                   FL_PROFILE_INPUT_INFERENCES};
    struct dopts *o = ud;
    uint64_t n;
    int k;
    if (is_setting(a)) {
        o->sets[o->n_sets++] = a;
        o->sets[o->n_sets++] = v;
    } else if (!strcmp(a, "--format")) {
        k = !strcmp(v, "md") ? 2 : fl_cli_choice(&cli, "--format", v, "table|json|markdown");
        if (k < 0)
            return 2;
        o->format = k;
    } else if (!strcmp(a, "--input") || !strcmp(a, "--reference-input")) {
        if ((k = fl_cli_choice(&cli, a, v, "csv|jsonl|inferences")) < 0)
            return 2;
        *(a[2] == 'i' ? &o->input : &o->ref_input) = inputs[k];
    } else if (!strcmp(a, "--window-size")) {
        struct fl_diag d;
        fl_diag_init(&d);
        if (fl_duration_parse(fl_str_c(v), &o->window_ms, &d) || o->window_ms <= 0)
            return fl_cli_usage_error(&cli, "--window-size: expected a duration such as 1h or 15m",
                                      v);
    } else if (!strcmp(a, "--chunks")) {
        if (!fl_cli_parse_u64(v, 2, 1000, &n))
            return fl_cli_usage_error(&cli, "--chunks: expected a number from 2 to 1000", v);
        o->chunks = (uint32_t)n;
    } else if (!strcmp(a, "--k")) {
        if (!fl_cli_parse_u64(v, FL_KLL_MIN_K, FL_LIMIT_KLL_K, &n))
            return fl_cli_usage_error(&cli, "--k: expected a KLL parameter from 8 to 65535", v);
        o->k = (unsigned)n;
    } else {
        return fl_cli_usage_error(&cli, "unknown option", a);
    }
    return 0;
}

/* The options before CURRENT; *i is then CURRENT's index. FL_CLI_GO_ON, else the exit status. */
static int parse_options(int argc, char **argv, int *i, struct dopts *o, bool *adaptive)
{
    const struct fl_cli_opt opts[] = {
        {"--adaptive", NULL, adaptive},
        {"--reference", &o->reference, NULL},
        {"--current", &o->current, NULL},
        {"--options", &o->options_file, NULL},
        {"--model", &o->model, NULL},
        {"--model-version", &o->version, NULL},
        {"--reference-model-version", &o->ref_version, NULL},
        {"--window", &o->window, NULL},
        {"--reference-window", &o->ref_window, NULL},
        {"--segment", &o->segment, NULL},
        {"--segment-by", &o->segment_by, NULL},
    };
    struct fl_cli_args p;
    fl_cli_args_init(&p, &cli, opts, sizeof opts / sizeof opts[0], argc, argv, 1);
    p.style = FL_CLI_LEADING;
    int rc = fl_cli_args_each(&p, parse_option, o);
    *i = p.i;
    return rc;
}

/* Profile one input into a new set. */
static fl_err load_side(const struct dopts *o, const char *path, enum fl_profile_input input,
                        uint32_t chunks, struct fl_profile_set **out, struct fl_diag *d)
{
    struct fl_profile_opts po;
    struct fl_profile_file_opts fo;
    const char *seg_by[1] = {o->segment_by};
    fl_profile_opts_default(&po);
    if (o->k)
        po.kll_k = o->k;
    memset(&fo, 0, sizeof fo);
    fo.input = input;
    fo.table.model = o->model;
    fo.table.model_version = o->version;
    fo.table.segment = o->segment;
    fo.table.chunks = chunks;
    fo.inference.window_ms = o->window_ms;
    fo.inference.segment_by = seg_by;
    fo.inference.n_segment_by = o->segment_by ? 1 : 0;
    fl_err e = fl_profile_set_new(&po, out);
    if (!e)
        e = fl_profile_set_add_file(*out, path, &fo, d);
    return e;
}

/* The window before `cur` among the sorted windows of s ("" when none); cur NULL = the last. */
static fl_err pick_windows(const struct fl_profile_set *s, const char *want, char **cur,
                           char **prev, struct fl_diag *d)
{
    const char **w = NULL;
    size_t n = 0;
    fl_err e = fl_profile_set_windows(s, &w, &n);
    if (e)
        return e;
    size_t at = n;
    for (size_t i = 0; i < n && want; i++)
        if (!strcmp(w[i], want))
            at = i;
    if (!want)
        at = n ? n - 1 : 0;
    if (want && at == n)
        e = fl_diag_set(d, FL_EINVAL, 0, 0, "window \"%s\" is not in the current data", want);
    else if (n < 2 || at == 0)
        e = fl_diag_set(d, FL_EINVAL, 0, 0,
                        "no --reference and no earlier window to compare "
                        "with (%zu window%s in the current data; profile inference records "
                        "with --window-size)",
                        n, n == 1 ? "" : "s");
    if (!e && (!(*cur = fl_strdup(w[at])) || !(*prev = fl_strdup(w[at - 1]))))
        e = FL_ENOMEM;
    fl_free(w);
    return e;
}

struct sides {
    struct fl_profile_set *ref_raw, *cur_raw, *ref, *cur;
    char *cur_win, *prev_win;
};

static fl_err select_sides(const struct dopts *o, bool adaptive, struct sides *s, struct fl_diag *d)
{
    fl_err e = FL_OK;
    struct fl_profile_selector cs = {o->model, o->version, o->window, o->segment, false};
    struct fl_profile_selector rs = {o->model, o->ref_version ? o->ref_version : o->version,
                                     o->ref_window, o->segment, adaptive};
    if (!o->reference) {
        if ((e = pick_windows(s->cur_raw, o->window, &s->cur_win, &s->prev_win, d)))
            return e;
        cs.window = s->cur_win;
        rs.window = s->prev_win;
        if ((e = fl_profile_set_select(s->cur_raw, &rs, &s->ref, d)))
            return e;
    } else if ((e = fl_profile_set_select(s->ref_raw, &rs, &s->ref, d))) {
        fl_diag_file(d, o->reference);
        return e;
    }
    return fl_profile_set_select(s->cur_raw, &cs, &s->cur, d);
}

static int run(const struct dopts *o, const struct fl_drift_opts *dop, const char *cur_path)
{
    struct fl_diag d;
    struct sides s = {0};
    struct fl_drift_report *r = NULL;
    struct fl_buf out;
    char ref_label[512], cur_label[512];
    int rc;
    fl_diag_init(&d);
    fl_buf_init(&out, (size_t)1 << 30);
    uint32_t chunks = dop->adaptive ? (o->chunks ? o->chunks : 10) : 0;
    fl_err e = load_side(o, cur_path, o->input, 0, &s.cur_raw, &d);
    if (!e && o->reference)
        e = load_side(o, o->reference, o->ref_input, chunks, &s.ref_raw, &d);
    if (!e) {
        fl_diag_init(&d); /* loading named the files; later errors name their own */
        e = select_sides(o, dop->adaptive, &s, &d);
    }
    if (!e && fl_profile_set_count(s.cur) == 0)
        e = fl_diag_set(&d, FL_EINVAL, 0, 0,
                        "no profiles in %s match the selection (model, "
                        "model version, window, segment)",
                        cur_path);
    if (!e && fl_profile_set_count(s.ref) == 0)
        e = fl_diag_set(&d, FL_EINVAL, 0, 0,
                        "no profiles in %s match the selection (model, "
                        "model version, window, segment)",
                        o->reference ? o->reference : "the previous window");
    if (!e)
        e = fl_drift_compare(s.ref, s.cur, dop, &r, &d);
    if (e) {
        fl_cli_print_diag("drift", &d);
        rc = e == FL_ENOMEM ? 1 : 2;
        goto out;
    }
    if (o->reference) {
        snprintf(ref_label, sizeof ref_label, "%s", o->reference);
        snprintf(cur_label, sizeof cur_label, "%s", cur_path);
    } else {
        snprintf(ref_label, sizeof ref_label, "%s window %s", cur_path, s.prev_win);
        snprintf(cur_label, sizeof cur_label, "%s window %s", cur_path, s.cur_win);
    }
    if (o->format == 1)
        fl_drift_write_json(r, ref_label, cur_label, &out);
    else if (o->format == 2)
        fl_drift_write_markdown(r, ref_label, cur_label, &out);
    else
        fl_drift_write_text(r, ref_label, cur_label, &out);
    if (fl_buf_err(&out) || fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout)) {
        fprintf(stderr, "faultline drift: cannot write the report\n");
        rc = 1;
        goto out;
    }
    rc = r->n_drifted ? 1 : 0;
out:
    fl_buf_cleanup(&out);
    fl_drift_report_free(r);
    fl_profile_set_free(s.ref_raw);
    fl_profile_set_free(s.cur_raw);
    fl_profile_set_free(s.ref);
    fl_profile_set_free(s.cur);
    fl_free(s.cur_win);
    fl_free(s.prev_win);
    return rc;
}

int fl_cli_drift(const struct fl_cli_globals *g, int argc, char **argv)
{
    struct dopts o;
    struct fl_drift_opts dop;
    bool adaptive = false;
    int i = 1, rc;
    (void)g;
    memset(&o, 0, sizeof o);
    fl_drift_opts_init(&dop);
    o.sets = fl_reallocarray(NULL, (size_t)argc + 1, sizeof *o.sets);
    if (!o.sets) {
        fprintf(stderr, "faultline drift: out of memory\n");
        return 1;
    }
    if ((rc = parse_options(argc, argv, &i, &o, &adaptive)) != FL_CLI_GO_ON)
        goto out;
    if (i + (o.current ? 0 : 1) != argc) {
        rc = fl_cli_usage_error(
            &cli, i >= argc && !o.current ? "no current data given" : "more than one current input",
            NULL);
        goto out;
    }
    if (o.options_file) {
        struct fl_diag d;
        fl_diag_init(&d);
        if (fl_drift_opts_load(&dop, o.options_file, &d)) {
            fl_cli_print_diag("drift", &d);
            rc = 2;
            goto out;
        }
    }
    for (size_t k = 0; k + 1 < o.n_sets; k += 2)
        if ((rc = apply_setting(&dop, o.sets[k], o.sets[k + 1])) != 0)
            goto out;
    if (adaptive)
        dop.adaptive = true;
    if (dop.adaptive && !o.reference) {
        rc = fl_cli_usage_error(
            &cli, "--adaptive needs --reference (its chunks give the thresholds)", NULL);
        goto out;
    }
    rc = run(&o, &dop, o.current ? o.current : argv[i]);
out:
    fl_free(o.sets);
    fl_drift_opts_cleanup(&dop);
    return rc;
}
