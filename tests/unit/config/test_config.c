/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/config: the example file, every kind of error with its exact message, the
 * allocation-failure sweep, and that docs/CONFIG.md documents every key. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    struct fl_buf b;
    fl_buf_init(&b, 1 << 20);
    cr_assert_eq(fl_file_read("faultline.example.yml", 1 << 20, &b, &d), FL_OK);
    fl_err e = fl_config_parse(b.data, b.len, "faultline.example.yml", &c, &d);
    cr_assert_eq(e, FL_OK, "%s: %s", d.field, d.msg);
    cr_assert_null(c->auth_token); /* commented out in the example */
    cr_assert_eq(c->limits.body_bytes, 64u << 20);
    cr_assert_eq(c->limits.line_bytes, 1u << 20);
    cr_assert_eq(c->n_scrape_jobs, 6); /* 5 jobs; "node" has two static_configs */
    cr_assert_str_eq(c->scrape_jobs[0].job_name, "recs");
    cr_assert_eq(c->scrape_jobs[0].n_targets, 2);
    cr_assert_str_eq(c->scrape_jobs[0].targets[1], "recs-2:8000");
    cr_assert_eq(c->scrape_jobs[0].timeout_ms, 5000);
    cr_assert_str_eq(c->scrape_jobs[0].labels[0].name, "team");
    cr_assert_eq(c->scrape_jobs[1].interval_ms, 15000);
    cr_assert_eq(c->scrape_jobs[1].timeout_ms, 10000);
    cr_assert_str_eq(c->scrape_jobs[1].metrics_path, "/metrics");
    cr_assert_eq(c->scrape_jobs[3].interval_ms, 30000);
    cr_assert_str_eq(c->scrape_jobs[4].job_name, "node");
    cr_assert_eq(c->scrape_jobs[4].interval_ms, 30000);
    cr_assert_str_eq(c->scrape_jobs[4].targets[0], "node-b:9100");
    cr_assert_str_eq(c->scrape_jobs[4].labels[0].value, "eu-west-1b");
    cr_assert_str_eq(c->scrape_jobs[5].job_name, "batch");
    cr_assert_eq(c->scrape_jobs[5].interval_ms, 60000);
    cr_assert_eq(c->scrape_jobs[5].timeout_ms, 20000);
    cr_assert_eq(c->n_remotes, 1);
    cr_assert_eq(c->remotes[0].n_selectors, 2);
    cr_assert_eq(c->n_components, 13);
    const struct fl_component *recs = fl_config_component(c, "recs");
    cr_assert_not_null(recs);
    cr_assert_eq(recs->n_depends_on, 3);
    cr_assert_str_eq(recs->match[0].value, "recs");
    cr_assert_str_eq(fl_config_component(c, "network")->trace_service, "network");
    cr_assert_eq(c->n_kpis, 4);
    cr_assert_str_eq(c->kpis[0].denominator, "recs_impressions_total");
    cr_assert_eq(c->kpis[0].n_dimensions, 5);
    cr_assert_eq(c->kpis[0].higher_is_better, 1);
    cr_assert_eq(c->kpis[1].higher_is_better, 0);
    cr_assert_eq(c->kpis[1].direction, FL_KPI_DIR_DEFAULT);
    cr_assert_eq(c->kpis[2].direction, FL_KPI_DIR_BOTH); /* fraud_blocked_ratio */
    cr_assert_null(c->kpis[2].denominator);
    cr_assert_eq(c->kpis[3].higher_is_better, 1); /* the default */
    cr_assert_str_eq(c->kpis[3].component, "segment-scoring");
    cr_assert_eq(c->n_models, 3);
    cr_assert_str_eq(c->models[1].outcome, "chargeback");
    cr_assert_null(c->models[1].reference);
    cr_assert_eq(c->models[2].n_features, 4);
    cr_assert_str_eq(c->models[2].features[3], "tenure_months");
    fl_buf_cleanup(&b);
    fl_config_free(c);
}

Test(config, auth_token_file)
{
    char path[] = "/tmp/fl-config-token-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, "  s3cret\n", 9), 9);
    close(fd);
    char y[256];
    snprintf(y, sizeof y, "auth:\n  bearer_token_file: %s\n", path);
    struct fl_config *c = parse_ok(y);
    cr_assert_str_eq(c->auth_token, "s3cret");
    fl_config_free(c);

    /* An empty file is an error, as is a missing one: write routes must not silently open. */
    fd = open(path, O_WRONLY | O_TRUNC);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, " \n", 2), 2);
    close(fd);
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_config_parse(y, strlen(y), "f.yml", &c, &d), FL_ECONFIG);
    char got[512], want[512];
    fl_diag_format(&d, got, sizeof got);
    snprintf(want, sizeof want, "f.yml:2:22: auth.bearer_token_file: token file \"%s\" is empty",
             path);
    cr_assert_str_eq(got, want);
    unlink(path);
    fl_diag_init(&d);
    cr_assert_eq(fl_config_parse(y, strlen(y), "f.yml", &c, &d), FL_ECONFIG);
    cr_assert_str_eq(d.field, "auth.bearer_token_file");
    cr_assert_not_null(strstr(d.msg, "cannot read token file"), "%s", d.msg);
    cr_assert_null(c);
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
    {"listen: 9470\n",
     "faultline.yml:1:9: listen: expected host:port like 127.0.0.1:9470, got \"9470\""},
    {"listen: [a]\n", "faultline.yml:1:9: listen: expected a string, got a list"},
    {"lisen: x\n", "faultline.yml:1:1: lisen: unknown key (did you mean \"listen\"?)"},
    {"scrape_configs:\n  - job_name: a\n    interval: 5s\n",
     "faultline.yml:3:5: scrape_configs[0].interval: unknown key (did you mean "
     "\"scrape_interval\"?)"},
    {"limits: {body: 1}\n",
     "faultline.yml:1:10: limits.body: unknown key (did you mean \"body_bytes\"?)"},
    {"scrape_timeout: 5s\n",
     "faultline.yml:1:1: scrape_timeout: unknown key here (did you mean global.scrape_timeout?)"},
    {"topology:\n  components: []\n  depends_on: [a]\n",
     "faultline.yml:3:3: topology.depends_on: unknown key here (did you mean "
     "topology.components[].depends_on?)"},
    {"topology: {nodes: []}\n",
     "faultline.yml:1:12: topology.nodes: unknown key (expected one of: components)"},
    {"listen: 127.0.0.1:70000\n",
     "faultline.yml:1:9: listen: expected host:port like 127.0.0.1:9470, got \"127.0.0.1:70000\""},
    {"data_dir: {a: b}\n", "faultline.yml:1:11: data_dir: expected a string, got a mapping"},
    {"global:\n  scrape_interval: 10s\n  scrape_interval: 20s\n",
     "faultline.yml:3:3: global.scrape_interval: duplicate key"},
    {"global: {scrape_interval: 5s, scrape_timeout: 6s}\n",
     "faultline.yml:1:9: global: scrape_timeout must not exceed scrape_interval"},
    {"scrape_configs:\n  - job_name: ''\n",
     "faultline.yml:2:15: scrape_configs[0].job_name: must not be empty"},
    {"scrape_configs:\n  - job_name: a\n", "faultline.yml:2:5: scrape_configs[0]: static_configs: "
                                           "at least one entry with targets is required"},
    {"scrape_configs: {job_name: a}\n",
     "faultline.yml:1:17: scrape_configs: expected a list, got a mapping"},
    {"listen: a:1\n---\nlisten: b:2\n",
     "faultline.yml:2:1: a second YAML document: the configuration is one document"},
    {"? [a]\n: b\n", "faultline.yml:1:3: expected a key, got a list"},
    {"topology:\n  components:\n    - {name: a, kind: node, depends_on: [a]}\n",
     "faultline.yml:3:42: topology.components[0].depends_on[0]: component \"a\" depends on itself"},
    {"topology:\n  components:\n    - {name: a, kind: node, match: {n: x, n: y}}\n",
     "faultline.yml:3:43: topology.components[0].match.n: duplicate key"},
    {"kpis: [{name: k, numerator: n, higher_is_better: maybe}]\n",
     "faultline.yml:1:50: kpis[0].higher_is_better: expected true or false, got \"maybe\""},
    {"kpis: [{name: k, numerator: n, direction: sideways}]\n",
     "faultline.yml:1:43: kpis[0].direction: expected up, down or both, got \"sideways\""},
    {"kpis: [{name: k, numerator: n, component: c}]\n",
     "faultline.yml:1:43: kpis[0].component: unknown component \"c\" (not in topology.components)"},
    {"retention: 2 days\n",
     "faultline.yml:1:12: retention: expected a duration like 15s, got \"2 days\""},
    {"listen: a:1\nlisten: b:2\n", "faultline.yml:2:1: listen: duplicate key"},
    {"threads: 0\n",
     "faultline.yml:1:10: threads: expected a whole number from 1 to 256, got \"0\""},
    {"self_scrape: yes\n", "faultline.yml:1:14: self_scrape: expected true or false, got \"yes\""},
    {"limits: {body_bytes: lots}\n",
     "faultline.yml:1:22: limits.body_bytes: expected a size like 64MiB or 1000000, got \"lots\""},
    {"log_level: loud\n",
     "faultline.yml:1:12: log_level: expected debug, info, warn or error, got \"loud\""},
    {"scrape_configs:\n  - job_name: a\n    scrape_interval: soon\n",
     "faultline.yml:3:22: scrape_configs[0].scrape_interval: expected a duration like 15s, got "
     "\"soon\""},
    {"scrape_configs:\n  - static_configs: [{targets: ['h:1']}]\n",
     "faultline.yml:2:5: scrape_configs[0]: job_name is required"},
    {"scrape_configs:\n  - job_name: a\n    static_configs: [{targets: ['h:1']}]\n"
     "  - job_name: a\n    static_configs: [{targets: ['h:2']}]\n",
     "faultline.yml:4:5: scrape_configs[1]: job_name \"a\" is used twice"},
    {"scrape_configs:\n  - job_name: a\n    static_configs: [{targets: ['nohost']}]\n",
     "faultline.yml:3:33: scrape_configs[0].static_configs[0].targets[0]: expected host:port, got "
     "\"nohost\""},
    {"scrape_configs:\n  - job_name: a\n    scrape_interval: 5s\n    scrape_timeout: 10s\n"
     "    static_configs: [{targets: ['h:1']}]\n",
     "faultline.yml:2:5: scrape_configs[0]: scrape_timeout (10000 ms) must not exceed "
     "scrape_interval (5000 ms)"},
    {"scrape_configs:\n  - job_name: a\n    scheme: ftp\n    static_configs: [{targets: "
     "['h:1']}]\n",
     "faultline.yml:3:13: scrape_configs[0].scheme: expected http or https, got \"ftp\""},
    {"scrape_configs:\n  - job_name: a\n    static_configs: [{targets: ['h:1'], labels: {9x: "
     "y}}]\n",
     "faultline.yml:3:50: scrape_configs[0].static_configs[0].labels.9x: invalid label name "
     "\"9x\""},
    {"remote_sources:\n  - name: p\n    url: prometheus:9090\n",
     "faultline.yml:3:10: remote_sources[0].url: expected an http:// or https:// URL, got "
     "\"prometheus:9090\""},
    {"topology:\n  components:\n    - {name: a, kind: servce}\n",
     "faultline.yml:3:23: topology.components[0].kind: unknown kind \"servce\" (expected service, "
     "database, feature_store, model_server, batch_job, node, network, queue, cache, gateway or "
     "external)"},
    {"topology:\n  components:\n    - {name: a, kind: service, depends_on: [b]}\n",
     "faultline.yml:3:45: topology.components[0].depends_on[0]: unknown component \"b\""},
    {"topology:\n  components:\n    - {name: a, kind: service, depends_on: [b]}\n"
     "    - {name: b, kind: service, depends_on: [c]}\n"
     "    - {name: c, kind: service, depends_on: [a]}\n",
     "faultline.yml:5:45: topology.components[2].depends_on[0]: dependency cycle: a -> b -> c -> "
     "a"},
    {"topology:\n  components:\n    - {name: a, kind: service}\n    - {name: a, kind: node}\n",
     "faultline.yml:4:7: topology.components[1]: component \"a\" is defined twice"},
    {"kpis:\n  - name: ctr\n", "faultline.yml:2:5: kpis[0]: numerator is required"},
    {"models:\n  - {name: m, component: nowhere}\n",
     "faultline.yml:2:26: models[0].component: unknown component \"nowhere\" (not in "
     "topology.components)"},
    {"listen: \"a:1\n",
     "faultline.yml:2:1: YAML syntax: found unexpected end of stream while scanning a quoted "
     "scalar started at 1:9"},
    {"topology:\n  components: [{name: a, kind: node}\n",
     "faultline.yml:3:1: YAML syntax: did not find expected ',' or ']' while parsing a flow "
     "sequence started at 2:15"},
    {"a: &x 1\nb: &x 2\n",
     "faultline.yml:2:4: YAML syntax: found duplicate anchor; first occurrence at 1:4, second "
     "occurrence here"},
    {"\"a\\nb\": 1\nlisten: \"x\\ty:1\"\n",
     "faultline.yml:1:1: a?b: unknown key (expected one of: listen, data_dir, retention, "
     "log_level, "
     "threads, self_scrape, auth, limits, global, scrape_configs, remote_sources, topology, kpis, "
     "models, freshness, feature_staleness, monitoring, notify)"},
    {"listen: \"x\\ty:1\"\n",
     "faultline.yml:1:9: listen: expected host:port like 127.0.0.1:9470, got \"x?y:1\""},
    {"listen: \"h:+80\"\n",
     "faultline.yml:1:9: listen: expected host:port like 127.0.0.1:9470, got \"h:+80\""},
    {"\"listen\\0x\": a:1\n", "faultline.yml:1:1: key contains a NUL byte"},
    {"- a\n- b\n", "faultline.yml:1:1: expected a mapping, got a list"},
    {"auth: {bearer_token: a, bearer_token_file: /x}\n",
     "faultline.yml:1:44: auth.bearer_token_file: give only one of bearer_token and "
     "bearer_token_file"},
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
        cr_expect_str_eq(got, bc->want, "case %zu:\n got  %s\n want %s", i, got, bc->want);
    }
}

Test(config, alias_bomb_is_refused)
{
    /* The schema nests nothing, so the bomb multiplies in valid places: 5000 KPIs that each alias
     * one 5000-entry dimensions list are 25 million nodes to walk from a 270 KB file. */
    struct fl_buf b;
    fl_buf_init(&b, 1 << 20);
    fl_buf_puts(&b, "kpis:\n  - {name: k0, numerator: n, dimensions: &l [d0");
    for (int i = 1; i < 5000; i++)
        fl_buf_printf(&b, ", d%d", i);
    fl_buf_puts(&b, "]}\n");
    for (int i = 1; i < 5000; i++)
        fl_buf_printf(&b, "  - {name: k%d, numerator: n, dimensions: *l}\n", i);
    cr_assert_eq(fl_buf_err(&b), FL_OK);
    struct fl_config *c = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    fl_err e = fl_config_parse(b.data, b.len, "bomb.yml", &c, &d);
    cr_assert_eq(e, FL_ECONFIG);
    cr_assert_null(c);
    char want[128];
    snprintf(want, sizeof want, "document too large or too deeply aliased (over %d nodes)",
             FL_CONFIG_MAX_VISITS);
    cr_assert_str_eq(d.msg, want);
    cr_assert_eq(strncmp(d.field, "kpis[", 5), 0, "%s", d.field);
    fl_buf_cleanup(&b);
}

Test(config, aliases_in_valid_places_work)
{
    struct fl_config *c = parse_ok("topology:\n  components:\n"
                                   "    - {name: a, kind: node, match: &m {zone: eu}}\n"
                                   "    - {name: b, kind: node, match: *m}\n");
    cr_assert_eq(c->n_components, 2);
    cr_assert_str_eq(c->components[1].match[0].name, "zone");
    cr_assert_str_eq(c->components[1].match[0].value, "eu");
    fl_config_free(c);
}

static fl_err parse_buf(const struct fl_buf *b, struct fl_config **c, struct fl_diag *d)
{
    fl_diag_init(d);
    return fl_config_parse(b->data, b->len, "big.yml", c, d);
}

Test(config, flat_node_flood_is_refused_before_loading)
{
    /* 2 MB of one-letter scalars: libyaml's document API would build ~1M nodes (~170 MB). */
    struct fl_buf b;
    fl_buf_init(&b, 4u << 20);
    fl_buf_puts(&b, "kpis: [");
    for (int i = 0; i < FL_CONFIG_MAX_NODES + 10; i++)
        fl_buf_puts(&b, "a,");
    fl_buf_puts(&b, "a]\n");
    cr_assert_eq(fl_buf_err(&b), FL_OK);
    struct fl_config *c = NULL;
    struct fl_diag d;
    cr_assert_eq(parse_buf(&b, &c, &d), FL_ELIMIT);
    cr_assert_null(c);
    char got[512];
    fl_diag_format(&d, got, sizeof got);
    char want[128];
    /* node 1 is the root mapping, 2 the key, 3 the list: the cap is crossed inside the list. */
    snprintf(want, sizeof want, "big.yml:1:%d: more than %d YAML nodes",
             8 + 2 * (FL_CONFIG_MAX_NODES - 3), FL_CONFIG_MAX_NODES);
    cr_assert_str_eq(got, want);
    fl_buf_cleanup(&b);
}

Test(config, long_lists_are_capped)
{
    struct fl_buf b;
    fl_buf_init(&b, 1u << 20);
    fl_buf_puts(&b, "kpis:\n");
    for (int i = 0; i <= FL_CONFIG_MAX_ITEMS; i++)
        fl_buf_puts(&b, "  - x\n");
    struct fl_config *c = NULL;
    struct fl_diag d;
    cr_assert_eq(parse_buf(&b, &c, &d), FL_ECONFIG);
    char got[512], want[128];
    fl_diag_format(&d, got, sizeof got);
    snprintf(want, sizeof want, "big.yml:2:3: kpis: more than %d entries", FL_CONFIG_MAX_ITEMS);
    cr_assert_str_eq(got, want);
    fl_buf_cleanup(&b);
}

/* A chain c0 -> c1 -> ... -> c(n-1), optionally closed back to c0 by the last component. */
static void chain(struct fl_buf *b, int n, int closed)
{
    fl_buf_puts(b, "topology:\n  components:\n");
    for (int i = 0; i < n; i++) {
        fl_buf_printf(b, "    - {name: c%d, kind: service", i);
        if (i + 1 < n)
            fl_buf_printf(b, ", depends_on: [c%d]", i + 1);
        else if (closed)
            fl_buf_puts(b, ", depends_on: [c0]");
        fl_buf_puts(b, "}\n");
    }
}

Test(config, long_dependency_chains_need_no_recursion)
{
    /* Deep enough that a recursive search would need megabytes of stack under ASan. */
    const int n = 9000;
    struct fl_buf b;
    fl_buf_init(&b, 4u << 20);
    chain(&b, n, 0);
    struct fl_config *c = NULL;
    struct fl_diag d;
    cr_assert_eq(parse_buf(&b, &c, &d), FL_OK, "%s", d.msg);
    cr_assert_eq(c->n_components, (size_t)n);
    cr_assert_str_eq(c->components[n - 2].depends_on[0], "c8999");
    fl_config_free(c);

    fl_buf_reset(&b);
    chain(&b, n, 1);
    cr_assert_eq(parse_buf(&b, &c, &d), FL_ECONFIG);
    cr_assert_str_eq(d.field, "topology.components[8999].depends_on[0]");
    cr_assert_eq(d.line, (unsigned long)(3 + n - 1));
    cr_assert(strncmp(d.msg, "dependency cycle: c0 -> c1 -> c2 -> ", 36) == 0, "%s", d.msg);
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
    struct fl_config *c =
        parse_ok("listen: 0.0.0.0:1234\nretention: 36h\n"
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

/* The same sweep over the full example: every allocation of a realistic file may fail. */
Test(config, allocation_failures_over_the_example_are_clean)
{
    struct fl_buf b;
    struct fl_diag d;
    fl_diag_init(&d);
    fl_buf_init(&b, 1 << 20);
    cr_assert_eq(fl_file_read("faultline.example.yml", 1 << 20, &b, &d), FL_OK);
    long n;
    for (n = 0; n < 20000; n++) {
        struct fl_config *c = NULL;
        fl_diag_init(&d);
        fl_alloc_fail_after(n);
        fl_err e = fl_config_parse(b.data, b.len, "faultline.example.yml", &c, &d);
        fl_alloc_fail_after(-1);
        if (e == FL_OK) {
            cr_assert_eq(c->n_components, 13);
            cr_assert_eq(c->n_kpis, 4);
            fl_config_free(c);
            break;
        }
        cr_assert_eq(e, FL_ENOMEM, "n=%ld: %s: %s", n, d.field, d.msg);
        cr_assert_null(c);
    }
    cr_assert_gt(n, 200, "only %ld allocations", n);
    cr_assert_lt(n, 20000);
    fl_buf_cleanup(&b);
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
