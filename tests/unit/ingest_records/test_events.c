/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_events.c: change events (src/ingest/events.c): the three layouts, every field, kinds and
 * status rules, deterministic ids, model versions learned from model_version_change, and errors.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/events.h"

static struct fl_batch batch;
static struct fl_diag diag;

static void setup(void)
{
    cr_assert_eq(fl_batch_init(&batch, 0), FL_OK);
    fl_diag_init(&diag);
}

static void teardown(void)
{
    fl_batch_cleanup(&batch);
}

TestSuite(events, .init = setup, .fini = teardown);

static fl_err parse(const char *s)
{
    fl_diag_init(&diag);
    return fl_events_json_to_batch(s, strlen(s), NULL, &batch, &diag);
}

Test(events, single_pretty_object_every_field)
{
    const char *in = "{\n"
                     "  \"id\": \"deploy-42\",\n"
                     "  \"ts\": \"2023-11-14T22:13:20Z\",\n"
                     "  \"end\": 1700000060,\n"
                     "  \"kind\": \"batch_run\",\n"
                     "  \"component\": \"feature-etl\",\n"
                     "  \"status\": \"failure\",\n"
                     "  \"rows\": 120000,\n"
                     "  \"message\": \"ran out of disk\",\n"
                     "  \"attributes\": {\"host\": \"etl-1\", \"retries\": 2}\n"
                     "}\n";
    cr_assert_eq(parse(in), FL_OK, "%lu:%lu %s", diag.line, diag.column, diag.msg);
    cr_assert_eq(batch.n_events, 1);
    const struct fl_event *e = &batch.events[0];
    cr_assert_str_eq(e->id, "deploy-42");
    cr_assert_eq(e->ts_ms, 1700000000000);
    cr_assert_eq(e->end_ms, 1700000060000);
    cr_assert_str_eq(e->kind, "batch_run");
    cr_assert_str_eq(e->component, "feature-etl");
    cr_assert_str_eq(e->status, "failure");
    cr_assert_eq(e->rows, 120000);
    cr_assert_str_eq(e->message, "ran out of disk");
    cr_assert_str_eq(e->attrs_json, "{\"host\": \"etl-1\", \"retries\": 2}");
    cr_assert_eq(batch.n_models, 0);
}

Test(events, array_and_aliases_and_defaults)
{
    const char *in = "[{\"time\":1700000000,\"type\":\"deploy\",\"component\":\"api\"},"
                     " {\"ts\":1700000001000,\"kind\":\"config_change\",\"component\":\"api\","
                     "\"message\":\"timeout 2s -> 5s\",\"end\":null}]";
    cr_assert_eq(parse(in), FL_OK, "%s", diag.msg);
    cr_assert_eq(batch.n_events, 2);
    const struct fl_event *e = &batch.events[0];
    cr_assert_eq(e->ts_ms, 1700000000000);
    cr_assert_str_eq(e->kind, "deploy");
    cr_assert_eq(e->end_ms, FL_TS_NONE);
    cr_assert_null(e->status);
    cr_assert_eq(e->rows, -1);
    cr_assert_str_eq(e->message, "");
    cr_assert_str_eq(e->attrs_json, "{}");
    cr_assert_eq(strncmp(e->id, "ev_", 3), 0);
    cr_assert_eq(strlen(e->id), 19);
    cr_assert_str_eq(batch.events[1].message, "timeout 2s -> 5s");
    cr_assert_eq(batch.events[1].ts_ms, 1700000001000);
}

Test(events, json_lines)
{
    const char *in = "{\"ts\":1,\"kind\":\"alert\",\"component\":\"db\"}\r\n\n"
                     "{\"ts\":2,\"kind\":\"infrastructure\",\"component\":\"node-3\"}\n";
    cr_assert_eq(parse(in), FL_OK, "%s", diag.msg);
    cr_assert_eq(batch.n_events, 2);
    cr_assert_str_eq(batch.events[1].component, "node-3");
    cr_assert_eq(batch.events[1].ts_ms, 2000);
}

Test(events, every_kind_accepted)
{
    static const char *const kinds[] = {"deploy", "config_change", "model_version_change",
                                        "schema_change", "experiment_change", "batch_run",
                                        "feature_pipeline_run", "infrastructure", "business",
                                        "alert"};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        char in[256];
        snprintf(in, sizeof in,
                 "{\"ts\":1,\"kind\":\"%s\",\"component\":\"c\",\"status\":\"start\","
                 "\"attributes\":{\"model\":\"m\",\"version\":\"2\"}}",
                 kinds[i]);
        fl_batch_reset(&batch);
        cr_assert_eq(parse(in), FL_OK, "%s: %s", kinds[i], diag.msg);
        cr_assert_str_eq(batch.events[0].kind, kinds[i]);
        cr_assert_eq(fl_event_kind_valid(batch.events[0].kind), 1);
    }
}

Test(events, ids_are_deterministic)
{
    const char *ev = "{\"ts\":1700000000,\"kind\":\"deploy\",\"component\":\"api\","
                     "\"message\":\"v1.2.3\"}";
    cr_assert_eq(parse(ev), FL_OK);
    cr_assert_eq(parse(ev), FL_OK);
    cr_assert_eq(parse("{\"ts\":1700000000,\"kind\":\"deploy\",\"component\":\"api\","
                       "\"message\":\"v1.2.4\"}"),
                 FL_OK);
    cr_assert_eq(parse("{\"ts\":1700000001,\"kind\":\"deploy\",\"component\":\"api\","
                       "\"message\":\"v1.2.3\"}"),
                 FL_OK);
    cr_assert_eq(batch.n_events, 4);
    cr_assert_str_eq(batch.events[0].id, batch.events[1].id, "same event, same id");
    cr_assert_str_neq(batch.events[0].id, batch.events[2].id, "other message");
    cr_assert_str_neq(batch.events[0].id, batch.events[3].id, "other time");
    char want[32];
    fl_event_default_id("deploy", "api", 1700000000000, NULL, "v1.2.3", want, sizeof want);
    cr_assert_str_eq(batch.events[0].id, want);
    /* field separators matter: ("ab","c") differs from ("a","bc") */
    char a[32], b[32];
    fl_event_default_id("deploy", "ab", 0, NULL, "c", a, sizeof a);
    fl_event_default_id("deploy", "a", 0, NULL, "bc", b, sizeof b);
    cr_assert_str_neq(a, b);
    /* stored ids must never change: pin one value (FNV-1a 64 over the documented fields) */
    fl_event_default_id("deploy", "api", 0, NULL, "", a, sizeof a);
    cr_assert_eq(strlen(a), 19);
}

Test(events, model_version_change_registers_model)
{
    const char *in = "{\"ts\":1700000000,\"kind\":\"model_version_change\",\"component\":"
                     "\"ranker-svc\",\"attributes\":{\"model\":\"ranker\",\"from_version\":\"6\","
                     "\"to_version\":7,\"stage\":\"production\"}}";
    cr_assert_eq(parse(in), FL_OK, "%s", diag.msg);
    cr_assert_eq(batch.n_events, 1);
    cr_assert_eq(batch.n_models, 1);
    const struct fl_model_version *m = &batch.models[0];
    cr_assert_str_eq(m->model, "ranker");
    cr_assert_str_eq(m->version, "7");
    cr_assert_str_eq(m->stage, "production");
    cr_assert_eq(m->ts_ms, 1700000000000);
    cr_assert_str_eq(m->attrs_json, batch.events[0].attrs_json);

    fl_batch_reset(&batch);
    cr_assert_eq(parse("{\"ts\":1,\"kind\":\"model_version_change\",\"component\":\"c\","
                       "\"attributes\":{\"model\":\"m\\u00e9\",\"version\":\"v2\"}}"),
                 FL_OK, "%s", diag.msg);
    cr_assert_str_eq(batch.models[0].model, "m\xc3\xa9");
    cr_assert_str_eq(batch.models[0].version, "v2");
    cr_assert_null(batch.models[0].stage);
}

struct bad_case {
    const char *input;
    fl_err code;
    unsigned long line, column;
    const char *field;
    const char *msg;
};

static const struct bad_case bad[] = {
    {"{\"kind\":\"deploy\",\"component\":\"api\"}", FL_EPARSE, 1, 1, "ts",
     "missing required field \"ts\""},
    {"{\"ts\":1,\"component\":\"api\"}", FL_EPARSE, 1, 1, "kind",
     "missing required field \"kind\""},
    {"{\"ts\":1,\"kind\":\"deploy\"}", FL_EPARSE, 1, 1, "component",
     "missing required field \"component\""},
    {"{\"ts\":1,\"kind\":\"rollout\",\"component\":\"api\"}", FL_EPARSE, 1, 16, "kind",
     "unknown value \"rollout\" (expected one of: deploy config_change "
     "model_version_change schema_change experiment_change batch_run feature_pipeline_run "
     "infrastructure business alert)"},
    {"{\"ts\":1,\"kind\":\"batch_run\",\"component\":\"etl\"}", FL_EPARSE, 1, 1, "status",
     "missing field \"status\": required for batch_run events (start, success or failure)"},
    {"{\"ts\":1,\"kind\":\"feature_pipeline_run\",\"component\":\"etl\",\"status\":\"done\"}",
     FL_EPARSE, 1, 66, "status",
     "unknown value \"done\" (expected one of: start success failure)"},
    {"{\"ts\":10,\"end\":5,\"kind\":\"deploy\",\"component\":\"api\"}", FL_EPARSE, 1, 1, "end",
     "field \"end\" is before \"ts\""},
    {"{\"ts\":1,\"kind\":\"batch_run\",\"component\":\"e\",\"status\":\"start\",\"rows\":-3}",
     FL_EPARSE, 1, 68, "rows", "expected an integer >= 0, got -3"},
    {"{\"ts\":1,\"kind\":\"deploy\",\"component\":\"api\",\"sha\":\"abc\"}", FL_EPARSE, 1, 43,
     "sha",
     "unknown field \"sha\" (expected one of id, ts, time, end, kind, type, component, status, "
     "rows, message, attributes)"},
    {"{\"ts\":1,\"time\":2,\"kind\":\"deploy\",\"component\":\"api\"}", FL_EPARSE, 1, 9, "time",
     "field \"time\" repeats \"ts\" (they are aliases)"},
    {"{\"ts\":1,\"kind\":\"model_version_change\",\"component\":\"c\","
     "\"attributes\":{\"version\":\"2\"}}",
     FL_EPARSE, 1, 68, "attributes.model", "model_version_change: attributes.model is required"},
    {"{\"ts\":1,\"kind\":\"model_version_change\",\"component\":\"c\"}", FL_EPARSE, 1, 1,
     "attributes.model", "model_version_change: attributes.model is required"},
    {"{\"ts\":1,\"kind\":\"model_version_change\",\"component\":\"c\","
     "\"attributes\":{\"model\":\"m\",\"version\":\"2\",\"stage\":\"prod\"}}",
     FL_EPARSE, 1, 68, "attributes.stage",
     "model_version_change: attributes.stage must be one of: production staging shadow "
     "archived"},
    {"[{\"ts\":1,\"kind\":\"deploy\",\"component\":\"a\"},\n 42]", FL_EPARSE, 2, 2, NULL,
     "event: expected a JSON object, got number"},
    {"{\"ts\":1,\"kind\":\"deploy\",\"component\":\"a\"}\n{\"ts\":\"soon\",\"kind\":\"deploy\","
     "\"component\":\"a\"}",
     FL_EPARSE, 2, 7, "ts", "invalid RFC 3339 timestamp \"soon\""},
    {"{\"ts\":1,\"kind\":\"deploy\",\"component\":\"\"}", FL_EPARSE, 1, 37, "component",
     "must not be empty"},
    {"{\"ts\":1,\"kind\":\"deploy\",\"component\":\"a\",\"attributes\":\"x\"}", FL_EPARSE, 1, 54,
     "attributes", "expected object, got string"},
};

Test(events, invalid_exact_diagnostics)
{
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const struct bad_case *c = &bad[i];
        fl_batch_reset(&batch);
        fl_err e = parse(c->input);
        cr_assert_eq(e, c->code, "case %zu: %s (%s)", i, fl_err_name(e), diag.msg);
        cr_assert_eq(diag.line, c->line, "case %zu: line %lu", i, diag.line);
        cr_assert_eq(diag.column, c->column, "case %zu: column %lu (%s)", i, diag.column,
                     diag.msg);
        if (c->field)
            cr_assert_str_eq(diag.field, c->field, "case %zu", i);
        cr_assert_str_eq(diag.msg, c->msg, "case %zu", i);
    }
}

Test(events, syntax_errors_have_positions)
{
    static const char *const inputs[] = {"{\"ts\":1,", "[{\"ts\":1}", "{\"ts\":1}{", "{]", "[1,]"};
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        fl_batch_reset(&batch);
        cr_assert_eq(parse(inputs[i]), FL_EPARSE, "input %s", inputs[i]);
        cr_assert_eq(diag.line, 1, "input %s", inputs[i]);
        cr_assert_gt(diag.column, 0, "input %s", inputs[i]);
    }
}

Test(events, empty_inputs)
{
    cr_assert_eq(parse(""), FL_OK);
    cr_assert_eq(parse("  \n"), FL_OK);
    cr_assert_eq(parse("[]"), FL_OK);
    cr_assert_eq(batch.n_events, 0);
}
