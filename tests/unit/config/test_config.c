/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/config: the example file, every kind of error with its exact message, the
 * allocation-failure sweep, and that docs/CONFIG.md documents every key. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "config/config_int.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/file.h"

static struct fl_config *parse_ok(const char *y)
{
    struct fl_config *c = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    fl_err e = fl_config_parse(y, strlen(y), "faultline.yml", &c, &d);
    cr_assert_eq(e, FL_OK, "parse failed: %s (field %s)", d.msg, d.field);
    return c;
}

Test(config, defaults)
{
    struct fl_config *c = NULL;
    cr_assert_eq(fl_config_default(&c), FL_OK);
    cr_assert_str_eq(c->listen, "127.0.0.1:9470");
    cr_assert_str_eq(c->data_dir, "./faultline-data");
    cr_assert_eq(c->retention_ms, 15LL * 86400 * 1000);
    cr_assert_eq(c->self_scrape, 1);
    cr_assert_eq(c->threads, 4u);
    cr_assert_eq(c->limits.body_bytes, FL_LIMIT_BODY_BYTES);
    cr_assert_eq(c->n_scrape_jobs, 0);
    fl_config_free(c);
}

Test(config, example_file)
{
    struct fl_config *c = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    /* The example names a token file that does not exist here: parse it without that line. */
    struct fl_buf b;
    fl_buf_init(&b, 1 << 20);
    cr_assert_eq(fl_file_read("faultline.example.yml", 1 << 20, &b, &d), FL_OK);
    const char *line = "  bearer_token_file: /etc/faultline/token";
    char *tok = strstr(b.data, line);
    cr_assert_not_null(tok);
    const char *repl = "  bearer_token: \"s3cret\"";
    memset(tok, ' ', strlen(line));
    memcpy(tok, repl, strlen(repl));
    fl_err e = fl_config_parse(b.data, b.len, "faultline.example.yml", &c, &d);
    cr_assert_eq(e, FL_OK, "%s: %s", d.field, d.msg);
    cr_assert_str_eq(c->auth_token, "s3cret");
    cr_assert_eq(c->limits.body_bytes, 64u << 20);
    cr_assert_eq(c->limits.line_bytes, 1u << 20);
    cr_assert_eq(c->n_scrape_jobs, 4);
    cr_assert_str_eq(c->scrape_jobs[0].job_name, "recs");
    cr_assert_eq(c->scrape_jobs[0].n_targets, 2);
    cr_assert_str_eq(c->scrape_jobs[0].targets[1], "recs-2:8000");
    cr_assert_eq(c->scrape_jobs[0].timeout_ms, 5000);
    cr_assert_str_eq(c->scrape_jobs[0].labels[0].name, "team");
    cr_assert_eq(c->scrape_jobs[1].interval_ms, 15000);
    cr_assert_eq(c->scrape_jobs[1].timeout_ms, 10000);
    cr_assert_str_eq(c->scrape_jobs[1].metrics_path, "/metrics");
    cr_assert_eq(c->scrape_jobs[3].interval_ms, 30000);
    cr_assert_eq(c->n_remotes, 1);
    cr_assert_eq(c->remotes[0].n_selectors, 2);
    cr_assert_eq(c->n_components, 13);
    const struct fl_component *recs = fl_config_component(c, "recs");
    cr_assert_not_null(recs);
    cr_assert_eq(recs->n_depends_on, 3);
    cr_assert_str_eq(recs->match[0].value, "recs");
    cr_assert_str_eq(fl_config_component(c, "network")->trace_service, "network");
    cr_assert_eq(c->n_kpis, 1);
    cr_assert_str_eq(c->kpis[0].denominator, "recs_impressions_total");
    cr_assert_eq(c->kpis[0].n_dimensions, 5);
    cr_assert_eq(c->n_models, 3);
    cr_assert_str_eq(c->models[1].outcome, "chargeback");
    fl_buf_cleanup(&b);
    fl_config_free(c);
}

Test(config, global_applies_wherever_it_appears)
{
    struct fl_config *c = parse_ok("scrape_configs:\n"
                                   "  - job_name: a\n"
                                   "    static_configs: [{targets: ['h:1']}]\n"
                                   "global: {scrape_interval: 1m, scrape_timeout: 20s}\n");
    cr_assert_eq(c->scrape_jobs[0].interval_ms, 60000);
    cr_assert_eq(c->scrape_jobs[0].timeout_ms, 20000);
    fl_config_free(c);
}

Test(config, several_static_configs_make_several_jobs)
{
    struct fl_config *c = parse_ok("scrape_configs:\n"
                                   "  - job_name: a\n"
                                   "    static_configs:\n"
                                   "      - {targets: ['h:1'], labels: {zone: x}}\n"
                                   "      - {targets: ['h:2', 'h:3']}\n");
    cr_assert_eq(c->n_scrape_jobs, 2);
    cr_assert_str_eq(c->scrape_jobs[1].job_name, "a");
    cr_assert_eq(c->scrape_jobs[1].n_targets, 2);
    cr_assert_eq(c->scrape_jobs[0].n_labels, 1);
    fl_config_free(c);
}

Test(config, empty_document_gives_defaults)
{
    struct fl_config *c = parse_ok("");
    cr_assert_str_eq(c->listen, "127.0.0.1:9470");
    fl_config_free(c);
    c = parse_ok("# only a comment\n");
    cr_assert_eq(c->n_components, 0);
    fl_config_free(c);
}

struct bad_case {
    const char *yaml;
    const char *want; /* fl_diag_format output */
};

static const struct bad_case bad[] = {
    {"listen: 9470\n", "faultline.yml:1:9: listen: expected host:port like 127.0.0.1:9470, got \"9470\""},
    {"listen: [a]\n", "faultline.yml:1:9: listen: expected a string, got a list"},
    {"lisen: x\n", "faultline.yml:1:1: unknown key \"lisen\""},
    {"retention: 2 days\n", "faultline.yml:1:12: retention: expected a duration like 15s, got \"2 days\""},
    {"listen: a:1\nlisten: b:2\n", "faultline.yml:2:1: listen: duplicate key"},
    {"threads: 0\n", "faultline.yml:1:10: threads: expected a whole number from 1 to 256, got \"0\""},
    {"self_scrape: yes\n", "faultline.yml:1:14: self_scrape: expected true or false, got \"yes\""},
    {"limits: {body_bytes: lots}\n",
     "faultline.yml:1:22: limits.body_bytes: expected a size like 64MiB or 1000000, got \"lots\""},
    {"log_level: loud\n", "faultline.yml:1:12: log_level: expected debug, info, warn or error, got \"loud\""},
    {"scrape_configs:\n  - job_name: a\n    scrape_interval: soon\n",
     "faultline.yml:3:22: scrape_configs[0].scrape_interval: expected a duration like 15s, got \"soon\""},
    {"scrape_configs:\n  - static_configs: [{targets: ['h:1']}]\n",
     "faultline.yml:2:5: scrape_configs[0]: job_name is required"},
    {"scrape_configs:\n  - job_name: a\n    static_configs: [{targets: ['h:1']}]\n"
     "  - job_name: a\n    static_configs: [{targets: ['h:2']}]\n",
     "faultline.yml:4:5: scrape_configs[1]: job_name \"a\" is used twice"},
    {"scrape_configs:\n  - job_name: a\n    static_configs: [{targets: ['nohost']}]\n",
     "faultline.yml:3:33: scrape_configs[0].static_configs[0].targets[0]: expected host:port, got \"nohost\""},
    {"scrape_configs:\n  - job_name: a\n    scrape_interval: 5s\n    scrape_timeout: 10s\n"
     "    static_configs: [{targets: ['h:1']}]\n",
     "faultline.yml:2:5: scrape_configs[0]: scrape_timeout (10000 ms) must not exceed scrape_interval (5000 ms)"},
    {"scrape_configs:\n  - job_name: a\n    scheme: ftp\n    static_configs: [{targets: ['h:1']}]\n",
     "faultline.yml:3:13: scrape_configs[0].scheme: expected http or https, got \"ftp\""},
    {"scrape_configs:\n  - job_name: a\n    static_configs: [{targets: ['h:1'], labels: {9x: y}}]\n",
     "faultline.yml:3:50: scrape_configs[0].static_configs[0].labels.9x: invalid label name \"9x\""},
    {"remote_sources:\n  - name: p\n    url: prometheus:9090\n",
     "faultline.yml:3:10: remote_sources[0].url: expected an http:// or https:// URL, got \"prometheus:9090\""},
    {"topology:\n  components:\n    - {name: a, kind: servce}\n",
     "faultline.yml:3:23: topology.components[0].kind: unknown kind \"servce\" (expected service, "
     "database, feature_store, model_server, batch_job, node, network, queue, cache, gateway or "
     "external)"},
    {"topology:\n  components:\n    - {name: a, kind: service, depends_on: [b]}\n",
     "faultline.yml: topology.components[0].depends_on[0]: unknown component \"b\""},
    {"topology:\n  components:\n    - {name: a, kind: service, depends_on: [b]}\n"
     "    - {name: b, kind: service, depends_on: [c]}\n"
     "    - {name: c, kind: service, depends_on: [a]}\n",
     "faultline.yml: topology.components: dependency cycle: a -> b -> c -> a"},
    {"topology:\n  components:\n    - {name: a, kind: service}\n    - {name: a, kind: node}\n",
     "faultline.yml:4:7: topology.components[1]: component \"a\" is defined twice"},
    {"kpis:\n  - name: ctr\n", "faultline.yml:2:5: kpis[0]: numerator is required"},
    {"models:\n  - {name: m, component: nowhere}\n",
     "faultline.yml: models[0].component: unknown component \"nowhere\""},
    {"listen: \"a:1\n", "faultline.yml:2:1: YAML syntax: found unexpected end of stream while scanning a quoted scalar"},
    {"- a\n- b\n", "faultline.yml:1:1: expected a mapping, got a list"},
    {"auth: {bearer_token: a, bearer_token_file: /x}\n",
     "faultline.yml:1:44: auth.bearer_token_file: give only one of bearer_token and bearer_token_file"},
};

Test(config, errors)
{
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const struct bad_case *bc = &bad[i];
        struct fl_config *c = NULL;
        struct fl_diag d;
        fl_diag_init(&d);
        fl_err e = fl_config_parse(bc->yaml, strlen(bc->yaml), "faultline.yml", &c, &d);
        cr_expect_neq(e, FL_OK, "accepted: %s", bc->yaml);
        cr_expect_null(c);
        char got[1024];
        fl_diag_format(&d, got, sizeof got);
        cr_expect_str_eq(got, bc->want, "case %zu", i);
    }
}

Test(config, alias_bomb_is_refused)
{
    /* Each level doubles the size; 30 levels would be a billion nodes if expanded. */
    struct fl_buf b;
    fl_buf_init(&b, 1 << 20);
    fl_buf_puts(&b, "a0: &a0 [x, x]\n");
    for (int i = 1; i < 30; i++)
        fl_buf_printf(&b, "a%d: &a%d [*a%d, *a%d]\n", i, i, i - 1, i - 1);
    fl_buf_puts(&b, "kpis: *a29\n");
    struct fl_config *c = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    fl_err e = fl_config_parse(b.data, b.len, "bomb.yml", &c, &d);
    cr_assert_eq(e, FL_ECONFIG);
    cr_assert_null(c);
    fl_buf_cleanup(&b);
}

Test(config, bytes_and_hostport_helpers)
{
    uint64_t v;
    cr_assert_eq(fl_config__parse_bytes(fl_str_c("64MiB"), &v), FL_OK);
    cr_assert_eq(v, 64ull << 20);
    cr_assert_eq(fl_config__parse_bytes(fl_str_c("2KB"), &v), FL_OK);
    cr_assert_eq(v, 2000);
    cr_assert_eq(fl_config__parse_bytes(fl_str_c("12"), &v), FL_OK);
    cr_assert_eq(v, 12);
    cr_assert_neq(fl_config__parse_bytes(fl_str_c("0"), &v), FL_OK);
    cr_assert_neq(fl_config__parse_bytes(fl_str_c("MiB"), &v), FL_OK);
    cr_assert_neq(fl_config__parse_bytes(fl_str_c("99999999999999999999GiB"), &v), FL_OK);
    cr_assert_eq(fl_config__check_hostport("[::1]:80"), FL_OK);
    cr_assert_neq(fl_config__check_hostport("h:0"), FL_OK);
    cr_assert_neq(fl_config__check_hostport("h:65536"), FL_OK);
    cr_assert_neq(fl_config__check_hostport(":80"), FL_OK);
}

Test(config, show_reads_back)
{
    struct fl_config *c = parse_ok("listen: 0.0.0.0:1234\nretention: 36h\n"
                                   "scrape_configs:\n  - job_name: 'we\"ird'\n"
                                   "    static_configs: [{targets: ['h:1'], labels: {a: \"x\\ny\"}}]\n"
                                   "topology:\n  components:\n    - {name: a, kind: node}\n"
                                   "kpis:\n  - {name: k, numerator: n, denominator: d, "
                                   "higher_is_better: false}\n");
    struct fl_buf b;
    fl_buf_init(&b, 1 << 20);
    fl_config_write_yaml(c, &b);
    struct fl_config *c2 = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_config_parse(b.data, b.len, "show.yml", &c2, &d), FL_OK, "%s\n%s", d.msg,
                 b.data);
    cr_assert_str_eq(c2->listen, "0.0.0.0:1234");
    cr_assert_eq(c2->retention_ms, 36LL * 3600 * 1000);
    cr_assert_str_eq(c2->scrape_jobs[0].job_name, "we\"ird");
    cr_assert_str_eq(c2->scrape_jobs[0].labels[0].value, "x\ny");
    cr_assert_eq(c2->kpis[0].higher_is_better, 0);
    cr_assert_eq(c2->limits.records_per_batch, c->limits.records_per_batch);
    fl_buf_cleanup(&b);
    fl_config_free(c);
    fl_config_free(c2);
}

Test(config, allocation_failures_are_clean)
{
    const char *y = "listen: 127.0.0.1:1\nscrape_configs:\n  - job_name: a\n"
                    "    static_configs: [{targets: ['h:1', 'h:2'], labels: {x: y}}]\n"
                    "topology:\n  components:\n    - {name: a, kind: node, match: {n: a}}\n"
                    "    - {name: b, kind: service, depends_on: [a]}\n"
                    "kpis: [{name: k, numerator: n, dimensions: [p, q]}]\n"
                    "models: [{name: m, component: b, features: [f1, f2]}]\n";
    int failures = 0;
    for (long n = 0; n < 400; n++) {
        struct fl_config *c = NULL;
        struct fl_diag d;
        fl_diag_init(&d);
        fl_alloc_fail_after(n);
        fl_err e = fl_config_parse(y, strlen(y), "f.yml", &c, &d);
        fl_alloc_fail_after(-1);
        if (e == FL_OK) {
            cr_assert_not_null(c);
            cr_assert_eq(c->n_components, 2);
            fl_config_free(c);
            break;
        }
        cr_assert_eq(e, FL_ENOMEM, "n=%ld: %s", n, d.msg);
        cr_assert_null(c);
        failures++;
    }
    cr_assert_gt(failures, 20);
}

Test(config, every_key_is_documented)
{
    struct fl_buf b;
    struct fl_diag d;
    fl_diag_init(&d);
    fl_buf_init(&b, 1 << 20);
    cr_assert_eq(fl_file_read("docs/CONFIG.md", 1 << 20, &b, &d), FL_OK);
    for (const char *const *k = fl_config__key_paths(); *k; k++) {
        char want[256];
        snprintf(want, sizeof want, "`%s`", *k);
        cr_expect_not_null(strstr(b.data, want), "docs/CONFIG.md lacks %s", want);
    }
    fl_buf_cleanup(&b);
}
