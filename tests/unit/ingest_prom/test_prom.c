/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_prom.c: fl_prom_parse on valid expositions (every reported value checked through the
 * collect.h rendering), invalid ones (exact line:column and message), text vs OpenMetrics
 * differences, limits, callbacks that fail, and parser reuse.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include "collect.h"
#include "core/limits.h"
#include "ingest/prom.h"

#define TXT FL_PROM_TEXT
#define OM FL_PROM_OPENMETRICS

struct valid_case {
    const char *name;
    enum fl_prom_format fmt;
    const char *in;
    const char *want;
};

static const struct valid_case valid[] = {
    {"empty text", TXT, "", ""},
    {"only comments and blank lines", TXT, "# just a comment\n\n   \n#no space comment\n", ""},
    {"plain sample", TXT, "foo 1\n", "S foo{} 1 - foo/untyped\n"},
    {"no final newline", TXT, "foo 1", "S foo{} 1 - foo/untyped\n"},
    {"crlf tolerated in text", TXT, "foo 1\r\nbar 2\r\n",
     "S foo{} 1 - foo/untyped\nS bar{} 2 - bar/untyped\n"},
    {"docs example", TXT,
     "# HELP http_requests_total The total number of HTTP requests.\n"
     "# TYPE http_requests_total counter\n"
     "http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n"
     "http_requests_total{method=\"post\",code=\"400\"}    3 1395066363000\n",
     "M http_requests_total/counter help=\"The total number of HTTP requests.\" unit=\"\"\n"
     "S http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000 "
     "http_requests_total/counter\n"
     "S http_requests_total{method=\"post\",code=\"400\"} 3 1395066363000 "
     "http_requests_total/counter\n"},
    {"label value escapes", TXT,
     "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find "
     "file:\\n\\\"FILE.TXT\\\"\"} 1.458255915e9\n",
     "S msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find "
     "file:\\n\\\"FILE.TXT\\\"\"} 1458255915 - msdos_file_access_time_seconds/untyped\n"},
    {"special values and negative timestamp", TXT,
     "a{problem=\"division by zero\"} +Inf -3982045\nb -Inf\nc NaN\nd -0\ne inf\nf Infinity\n",
     "S a{problem=\"division by zero\"} +Inf -3982045 a/untyped\nS b{} -Inf - b/untyped\n"
     "S c{} NaN - c/untyped\nS d{} -0 - d/untyped\nS e{} +Inf - e/untyped\n"
     "S f{} +Inf - f/untyped\n"},
    {"trailing comma, spaces and tabs", TXT, "  foo { a = \"1\" ,\tb=\"2\", }\t 5 \t 10 \n",
     "S foo{a=\"1\",b=\"2\"} 5 10 foo/untyped\n"},
    {"empty label set and empty value", TXT, "foo{} 1\nbar{a=\"\"} 2\n",
     "S foo{} 1 - foo/untyped\nS bar{a=\"\"} 2 - bar/untyped\n"},
    {"summary", TXT,
     "# TYPE rpc_duration_seconds summary\n"
     "rpc_duration_seconds{quantile=\"0.01\"} 3102\n"
     "rpc_duration_seconds{quantile=\"0.99\"} 76656\n"
     "rpc_duration_seconds_sum 1.7560473e+07\nrpc_duration_seconds_count 2693\n",
     "M rpc_duration_seconds/summary help=\"\" unit=\"\"\n"
     "S rpc_duration_seconds{quantile=\"0.01\"} 3102 - rpc_duration_seconds/summary\n"
     "S rpc_duration_seconds{quantile=\"0.99\"} 76656 - rpc_duration_seconds/summary\n"
     "S rpc_duration_seconds_sum{} 17560473 - rpc_duration_seconds/summary\n"
     "S rpc_duration_seconds_count{} 2693 - rpc_duration_seconds/summary\n"},
    {"histogram text", TXT,
     "# HELP lat A histogram.\n# TYPE lat histogram\n"
     "lat_bucket{le=\"0.05\"} 24054\nlat_bucket{le=\"0.1\"} 33444\n"
     "lat_bucket{le=\"+Inf\"} 144320\nlat_sum 53423\nlat_count 144320\n",
     "M lat/histogram help=\"A histogram.\" unit=\"\"\n"
     "S lat_bucket{le=\"0.05\"} 24054 - lat/histogram\n"
     "S lat_bucket{le=\"0.1\"} 33444 - lat/histogram\n"
     "S lat_bucket{le=\"+Inf\"} 144320 - lat/histogram\n"
     "S lat_sum{} 53423 - lat/histogram\nS lat_count{} 144320 - lat/histogram\n"},
    {"help escapes in text: only \\\\ and \\n", TXT,
     "# HELP x a \\\\ b \\n c \\\" d \\t\n# TYPE x gauge\nx 1\n",
     "M x/gauge help=\"a \\\\ b \\n c \\\\\\\" d \\\\t\" unit=\"\"\nS x{} 1 - x/gauge\n"},
    {"help without text, meta-only family", TXT, "# HELP x\n# TYPE y counter\n",
     "M x/untyped help=\"\" unit=\"\"\nM y/counter help=\"\" unit=\"\"\n"},
    {"counter family with _total samples in text", TXT,
     "# TYPE req counter\nreq_total 4\nreq_created 17\n",
     "M req/counter help=\"\" unit=\"\"\nS req_total{} 4 - req/counter\n"
     "S req_created{} 17 - req/counter\n"},
    {"quoted UTF-8 metric and label names", TXT,
     "{\"my.metric\", \"label.x\"=\"v\"} 1\nfoo{\"a b\"=\"c\"} 2\n{\"héllo\"} 3\n",
     "S my.metric{label.x=\"v\"} 1 - my.metric/untyped\nS foo{a b=\"c\"} 2 - foo/untyped\n"
     "S héllo{} 3 - héllo/untyped\n"},
    {"quoted name in TYPE", TXT, "# TYPE \"my.count\" counter\n{\"my.count\"} 2\n",
     "M my.count/counter help=\"\" unit=\"\"\nS my.count{} 2 - my.count/counter\n"},
    {"unknown escapes kept verbatim", TXT, "a{x=\"\\t\\q\"} 1\n",
     "S a{x=\"\\\\t\\\\q\"} 1 - a/untyped\n"},
    {"UTF-8 label value", TXT, "a{x=\"日本語 ✓\"} 1\n", "S a{x=\"日本語 ✓\"} 1 - a/untyped\n"},
    {"text family reopened keeps its type", TXT,
     "# TYPE a gauge\na 1\nb 2\na{x=\"y\"} 3\n",
     "M a/gauge help=\"\" unit=\"\"\nS a{} 1 - a/gauge\nS b{} 2 - b/untyped\n"
     "S a{x=\"y\"} 3 - a/gauge\n"},
    {"value forms", TXT, "a 1e3\nb .5\nc 5.\nd -1.5E-3\ne +12\nf 0.1\ng 123456789012345678901\n",
     "S a{} 1000 - a/untyped\nS b{} 0.5 - b/untyped\nS c{} 5 - c/untyped\n"
     "S d{} -0.0015 - d/untyped\nS e{} 12 - e/untyped\nS f{} 0.1 - f/untyped\n"
     "S g{} 1.2345678901234568e+20 - g/untyped\n"},
    {"colons in names", TXT, "job:req:rate5m{a_b=\"1\"} 1\n",
     "S job:req:rate5m{a_b=\"1\"} 1 - job:req:rate5m/untyped\n"},
    {"# EOF is a comment in text", TXT, "a 1\n# EOF\nb 2\n",
     "S a{} 1 - a/untyped\nS b{} 2 - b/untyped\n"},
    {"escaped quoted family names outlive their line", TXT,
     "{\"a\\\"b\"} 1\n{\"a\\\"b\", x=\"1\"} 2\n",
     "S a\"b{} 1 - a\"b/untyped\nS a\"b{x=\"1\"} 2 - a\"b/untyped\n"},
    /* OpenMetrics */
    {"om minimal", OM, "# EOF\n", ""},
    {"om escaped quoted family name", OM,
     "# TYPE \"a\\\"b\" gauge\n# HELP \"a\\\"b\" h\n{\"a\\\"b\"} 1\n# EOF\n",
     "M a\"b/gauge help=\"h\" unit=\"\"\nS a\"b{} 1 - a\"b/gauge\n"},
    {"om eof without newline", OM, "a 1\n# EOF", "S a{} 1 - a/unknown\n"},
    {"om counter with exemplar and float timestamps", OM,
     "# TYPE foo counter\n# HELP foo A \\\"quoted\\\" help \\\\ \\n.\n"
     "foo_total 17.0 1520879607.789 # {trace_id=\"KOO5S4vxi0o\"} 0.67 1520879602.1\n"
     "foo_created 1520430000.123\n# EOF\n",
     "M foo/counter help=\"A \\\"quoted\\\" help \\\\ \\n.\" unit=\"\"\n"
     "S foo_total{} 17 1520879607789 foo/counter # {trace_id=\"KOO5S4vxi0o\"} 0.67 1520879602100\n"
     "S foo_created{} 1520430000.123 - foo/counter\n"},
    {"om histogram with unit and exemplars", OM,
     "# TYPE req_seconds histogram\n# UNIT req_seconds seconds\n# HELP req_seconds Latency.\n"
     "req_seconds_bucket{path=\"/a\",le=\"0.1\"} 8 # {trace_id=\"a\"} 0.05\n"
     "req_seconds_bucket{path=\"/a\",le=\"1.0\"} 9\n"
     "req_seconds_bucket{path=\"/a\",le=\"+Inf\"} 10 # {} 4\n"
     "req_seconds_count{path=\"/a\"} 10\nreq_seconds_sum{path=\"/a\"} 12.5\n"
     "req_seconds_created{path=\"/a\"} 1.7e9\n"
     "req_seconds_bucket{path=\"/b\",le=\"0.1\"} 0\n"
     "req_seconds_bucket{path=\"/b\",le=\"+Inf\"} 0\n"
     "req_seconds_count{path=\"/b\"} 0\n# EOF\n",
     "M req_seconds/histogram help=\"Latency.\" unit=\"seconds\"\n"
     "S req_seconds_bucket{path=\"/a\",le=\"0.1\"} 8 - req_seconds/histogram # {trace_id=\"a\"} "
     "0.05 -\n"
     "S req_seconds_bucket{path=\"/a\",le=\"1.0\"} 9 - req_seconds/histogram\n"
     "S req_seconds_bucket{path=\"/a\",le=\"+Inf\"} 10 - req_seconds/histogram # {} 4 -\n"
     "S req_seconds_count{path=\"/a\"} 10 - req_seconds/histogram\n"
     "S req_seconds_sum{path=\"/a\"} 12.5 - req_seconds/histogram\n"
     "S req_seconds_created{path=\"/a\"} 1700000000 - req_seconds/histogram\n"
     "S req_seconds_bucket{path=\"/b\",le=\"0.1\"} 0 - req_seconds/histogram\n"
     "S req_seconds_bucket{path=\"/b\",le=\"+Inf\"} 0 - req_seconds/histogram\n"
     "S req_seconds_count{path=\"/b\"} 0 - req_seconds/histogram\n"},
    {"om histogram points at two timestamps", OM,
     "# TYPE h histogram\nh_bucket{le=\"1\"} 5 100\nh_bucket{le=\"+Inf\"} 6 100\n"
     "h_bucket{le=\"1\"} 1 101\nh_bucket{le=\"+Inf\"} 2 101\n# EOF\n",
     "M h/histogram help=\"\" unit=\"\"\nS h_bucket{le=\"1\"} 5 100000 h/histogram\n"
     "S h_bucket{le=\"+Inf\"} 6 100000 h/histogram\nS h_bucket{le=\"1\"} 1 101000 h/histogram\n"
     "S h_bucket{le=\"+Inf\"} 2 101000 h/histogram\n"},
    {"om other types", OM,
     "# TYPE g gauge\ng 1\n# TYPE gh gaugehistogram\ngh_bucket{le=\"+Inf\"} 3\ngh_gcount 3\n"
     "gh_gsum 2\n# TYPE ss stateset\nss{ss=\"a\"} 1\nss{ss=\"b\"} 0\n# TYPE bi info\n"
     "bi_info{version=\"1.2\"} 1\n# TYPE s summary\ns{quantile=\"0.5\"} 2\ns_count 3\n"
     "# TYPE u unknown\nu 9\n# EOF\n",
     "M g/gauge help=\"\" unit=\"\"\nS g{} 1 - g/gauge\nM gh/gaugehistogram help=\"\" unit=\"\"\n"
     "S gh_bucket{le=\"+Inf\"} 3 - gh/gaugehistogram\nS gh_gcount{} 3 - gh/gaugehistogram\n"
     "S gh_gsum{} 2 - gh/gaugehistogram\nM ss/stateset help=\"\" unit=\"\"\n"
     "S ss{ss=\"a\"} 1 - ss/stateset\nS ss{ss=\"b\"} 0 - ss/stateset\n"
     "M bi/info help=\"\" unit=\"\"\nS bi_info{version=\"1.2\"} 1 - bi/info\n"
     "M s/summary help=\"\" unit=\"\"\nS s{quantile=\"0.5\"} 2 - s/summary\n"
     "S s_count{} 3 - s/summary\nM u/unknown help=\"\" unit=\"\"\nS u{} 9 - u/unknown\n"},
    {"om timestamp rounding", OM, "a 1 1.0005\nb 1 -1.5\nc 1 2e3\nd 1 7\n# EOF\n",
     "S a{} 1 1001 a/unknown\nS b{} 1 -1500 b/unknown\nS c{} 1 2000000 c/unknown\n"
     "S d{} 1 7000 d/unknown\n"},
    {"om exemplar with timestamp and escapes", OM,
     "# TYPE c counter\nc_total 1 # {trace_id=\"x\\\"y\",span_id=\"1\"} 1e-3 1.5\n# EOF\n",
     "M c/counter help=\"\" unit=\"\"\n"
     "S c_total{} 1 - c/counter # {trace_id=\"x\\\"y\",span_id=\"1\"} 0.001 1500\n"},
};

/* Criterion re-executes tests in a child process, so tables are walked in loops, not passed as
   parameters (their string pointers would not survive). */
static void check_valid(const struct valid_case *tc)
{
    struct collect c;
    struct fl_diag d;
    collect_init(&c);
    fl_diag_init(&d);
    fl_err e = collect_parse(&c, tc->in, strlen(tc->in), tc->fmt, &d);
    cr_assert_eq(e, FL_OK, "%s: %s at %lu:%lu: %s", tc->name, fl_err_name(e), d.line, d.column,
                 d.msg);
    cr_assert_str_eq(c.out.data ? c.out.data : "", tc->want, "%s", tc->name);
    collect_cleanup(&c);
}

struct invalid_case {
    const char *name;
    enum fl_prom_format fmt;
    const char *in;
    fl_err code;
    unsigned long line, col;
    const char *msg;
};

static const struct invalid_case invalid[] = {
    {"missing =", TXT, "a 1\nx{code 1\n", FL_EPARSE, 2, 8,
     "expected '=' after label name \"code\""},
    {"value not quoted", TXT, "x{code=200} 1\n", FL_EPARSE, 1, 8,
     "expected '\"' to start the value of label \"code\", got '2'"},
    {"unterminated value", TXT, "x{a=\"b} 1\n", FL_EPARSE, 1, 5,
     "unterminated quoted label value (missing closing '\"')"},
    {"missing comma", TXT, "x{a=\"b\" c=\"d\"} 1\n", FL_EPARSE, 1, 9,
     "expected ',' or '}' after label value, got 'c'"},
    {"bad label name", TXT, "x{1a=\"b\"} 1\n", FL_EPARSE, 1, 3,
     "expected label name or '}', got '1'"},
    {"missing value", TXT, "x{a=\"b\"}\n", FL_EPARSE, 1, 9,
     "expected a space and the sample value, got end of line"},
    {"bad value", TXT, "x 12abc\n", FL_EPARSE, 1, 3, "invalid sample value \"12abc\""},
    {"hex value rejected", TXT, "x 0x1p3\n", FL_EPARSE, 1, 3, "invalid sample value \"0x1p3\""},
    {"signed NaN rejected", TXT, "x +NaN\n", FL_EPARSE, 1, 3, "invalid sample value \"+NaN\""},
    {"overflowing value", TXT, "x 1e400\n", FL_EPARSE, 1, 3, "invalid sample value \"1e400\""},
    {"float timestamp in text", TXT, "x 1 1.5\n", FL_EPARSE, 1, 5,
     "invalid timestamp \"1.5\" (expected integer milliseconds)"},
    {"text after timestamp", TXT, "x 1 2 3\n", FL_EPARSE, 1, 7,
     "unexpected text after the timestamp"},
    {"exemplar in text format", TXT, "x 1 # {a=\"b\"} 1\n", FL_EPARSE, 1, 5,
     "unexpected text after the sample value"},
    {"bad char in name", TXT, "x-y 1\n", FL_EPARSE, 1, 2, "unexpected '-' in metric name"},
    {"line starting with digit", TXT, "9x 1\n", FL_EPARSE, 1, 1,
     "expected metric name or '{', got '9'"},
    {"duplicate label", TXT, "x{a=\"1\",a=\"2\"} 1\n", FL_EPARSE, 1, 9,
     "duplicate label name \"a\""},
    {"__name__ label", TXT, "x{__name__=\"y\"} 1\n", FL_EPARSE, 1, 3,
     "label name \"__name__\" is reserved: write the metric name before '{' or as the first "
     "quoted string"},
    {"no metric name", TXT, "{a=\"b\"} 1\n", FL_EPARSE, 1, 1,
     "metric name missing: expected a name before '{' or a quoted name inside it"},
    {"two metric names", TXT, "{\"a\",\"b\"} 1\n", FL_EPARSE, 1, 6, "metric name given twice"},
    {"invalid type", TXT, "# TYPE x histogrm\n", FL_EPARSE, 1, 10,
     "invalid metric type \"histogrm\""},
    {"missing type", TXT, "# TYPE x\n", FL_EPARSE, 1, 9,
     "missing metric type after the name in TYPE"},
    {"om type in text", TXT, "# TYPE x stateset\n", FL_EPARSE, 1, 10,
     "invalid metric type \"stateset\""},
    {"duplicate TYPE", TXT, "# TYPE x gauge\n# TYPE x counter\n", FL_EPARSE, 2, 8,
     "second TYPE line for metric family \"x\""},
    {"duplicate TYPE in a later block", TXT, "# TYPE x gauge\nx 1\ny 2\n# TYPE x gauge\n",
     FL_EPARSE, 4, 8, "second TYPE line for metric family \"x\""},
    {"TYPE after samples", TXT, "x 1\n# TYPE x gauge\n", FL_EPARSE, 2, 8,
     "TYPE line for \"x\" must come before its samples"},
    {"duplicate HELP", TXT, "# HELP x a\n# HELP x b\n", FL_EPARSE, 2, 8,
     "second HELP line for metric family \"x\""},
    {"HELP without name", TXT, "# HELP\n", FL_EPARSE, 1, 7,
     "expected a space and a metric name after HELP"},
    {"bucket without le", TXT, "# TYPE h histogram\nh_bucket{x=\"1\"} 1\n", FL_EPARSE, 2, 1,
     "histogram bucket \"h_bucket\" has no \"le\" label"},
    {"bad le", TXT, "# TYPE h histogram\nh_bucket{le=\"abc\"} 1\n", FL_EPARSE, 2, 1,
     "invalid \"le\" label value \"abc\""},
    {"summary without quantile", TXT, "# TYPE s summary\ns 1\n", FL_EPARSE, 2, 1,
     "summary sample \"s\" has no \"quantile\" label"},
    {"invalid UTF-8 label value", TXT, "x{a=\"\xff\"} 1\n", FL_EPARSE, 1, 5,
     "label value is not valid UTF-8"},
    /* OpenMetrics */
    {"om missing EOF", OM, "a 1\n", FL_EPARSE, 2, 1,
     "missing \"# EOF\" at the end of the OpenMetrics exposition"},
    {"om missing EOF, no newline", OM, "a 1", FL_EPARSE, 1, 4,
     "missing \"# EOF\" at the end of the OpenMetrics exposition"},
    {"om empty input", OM, "", FL_EPARSE, 1, 1,
     "missing \"# EOF\" at the end of the OpenMetrics exposition"},
    {"om data after EOF", OM, "# EOF\na 1\n", FL_EPARSE, 2, 1, "unexpected data after # EOF"},
    {"om blank line after EOF", OM, "# EOF\n\n", FL_EPARSE, 2, 1,
     "unexpected data after # EOF"},
    {"om empty line", OM, "a 1\n\n# EOF\n", FL_EPARSE, 2, 1,
     "empty lines are not allowed in OpenMetrics"},
    {"om free comment", OM, "# hello\n# EOF\n", FL_EPARSE, 1, 3,
     "invalid comment: OpenMetrics only allows # HELP, # TYPE, # UNIT and # EOF lines"},
    {"om interleaved", OM, "a 1\nb 1\na 2\n# EOF\n", FL_EPARSE, 3, 1,
     "metric family \"a\" is not contiguous: its lines must not be interleaved with other "
     "families"},
    {"om duplicate TYPE", OM, "# TYPE a gauge\n# TYPE a gauge\n# EOF\n", FL_EPARSE, 2, 8,
     "second TYPE line for metric family \"a\""},
    {"om counter without suffix", OM, "# TYPE c counter\nc 1\n# EOF\n", FL_EPARSE, 2, 1,
     "sample \"c\" of counter family \"c\" needs the suffix _total or _created"},
    {"om bad unit", OM, "# TYPE a_bytes gauge\n# UNIT a_bytes seconds\n# EOF\n", FL_EPARSE, 2,
     16, "metric family \"a_bytes\" must end in \"_seconds\" to have unit \"seconds\""},
    {"om untyped is text only", OM, "# TYPE a untyped\n# EOF\n", FL_EPARSE, 1, 10,
     "invalid metric type \"untyped\""},
    {"om histogram without +Inf", OM,
     "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"2\"} 2\n# EOF\n", FL_EPARSE, 3, 1,
     "histogram \"h\" has buckets but no le=\"+Inf\" bucket"},
    {"om histogram not cumulative", OM,
     "# TYPE h histogram\nh_bucket{le=\"1\"} 5\nh_bucket{le=\"2\"} 3\n"
     "h_bucket{le=\"+Inf\"} 5\n# EOF\n",
     FL_EPARSE, 3, 1, "histogram bucket counts must be cumulative: 3 after 5"},
    {"om histogram le order", OM,
     "# TYPE h histogram\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\n# EOF\n", FL_EPARSE, 3, 1,
     "histogram buckets must be in increasing \"le\" order"},
    {"om histogram count mismatch", OM,
     "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 4\nh_count 5\n# EOF\n", FL_EPARSE, 3, 1,
     "histogram count 5 does not equal its le=\"+Inf\" bucket 4"},
    {"om exemplar on gauge", OM, "# TYPE g gauge\ng 1 # {a=\"b\"} 1\n# EOF\n", FL_EPARSE, 2, 1,
     "exemplars are only allowed on counter _total and histogram _bucket samples, not on "
     "\"g\""},
    {"om exemplar too long", OM,
     "# TYPE c counter\nc_total 1 # {trace_id=\"0123456789012345678901234567890123456789"
     "012345678901234567890123456789012345678901234567890123456789012345678901234567890\"} 1\n"
     "# EOF\n",
     FL_EPARSE, 2, 11, "exemplar labels have 129 UTF-8 characters, more than the limit of 128"},
    {"om exemplar without braces", OM, "# TYPE c counter\nc_total 1 # 1\n# EOF\n", FL_EPARSE, 2,
     13, "expected '{' to start the exemplar's labels, got '1'"},
    {"om bad timestamp", OM, "a 1 12:00\n# EOF\n", FL_EPARSE, 1, 5,
     "invalid timestamp \"12:00\" (expected seconds)"},
    {"om crlf", OM, "a 1\r\n# EOF\n", FL_EPARSE, 1, 3, "invalid sample value \"1\r\""},
    {"om space before labels", OM, "a {b=\"c\"} 1\n# EOF\n", FL_EPARSE, 1, 3,
     "invalid sample value \"{b=\"c\"}\""},
    {"om text after EOF on the line", OM, "# EOF x\n", FL_EPARSE, 1, 6,
     "unexpected text after # EOF"},
};

static void check_invalid(const struct invalid_case *tc)
{
    struct collect c;
    struct fl_diag d;
    collect_init(&c);
    fl_diag_init(&d);
    fl_err e = collect_parse(&c, tc->in, strlen(tc->in), tc->fmt, &d);
    cr_assert_eq(e, tc->code, "%s: got %s (%s)", tc->name, fl_err_name(e), d.msg);
    cr_assert_eq(d.code, tc->code, "%s", tc->name);
    cr_assert_str_eq(d.msg, tc->msg, "%s", tc->name);
    cr_assert_eq(d.line, tc->line, "%s: line %lu", tc->name, d.line);
    cr_assert_eq(d.column, tc->col, "%s: column %lu", tc->name, d.column);
    collect_cleanup(&c);
}

Test(prom, valid_table)
{
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++)
        check_valid(&valid[i]);
}

Test(prom, invalid_table)
{
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++)
        check_invalid(&invalid[i]);
}

Test(prom, exemplar_rune_limit_boundary)
{
    /* trace_id (8) + 120 characters = exactly 128 runes: accepted; multi-byte runes count once. */
    char in[512], val[256];
    memset(val, 'x', 118);
    memcpy(val + 118, "\xc3\xa9\xc3\xa9", 4); /* two 2-byte runes */
    val[122] = '\0';
    snprintf(in, sizeof in, "# TYPE c counter\nc_total 1 # {trace_id=\"%s\"} 1\n# EOF\n", val);
    struct collect c;
    struct fl_diag d;
    collect_init(&c);
    fl_diag_init(&d);
    cr_assert_eq(collect_parse(&c, in, strlen(in), OM, &d), FL_OK, "%s", d.msg);
    cr_assert_eq(c.n_samples, 1);
    collect_cleanup(&c);
}

Test(prom, nul_bytes_rejected)
{
    /* Names and values travel as C strings downstream, so a NUL byte is an error, not a cut. */
    static const char in1[] = "x{a=\"b\0c\"} 1\n";
    static const char in2[] = "# HELP x a\0b\n";
    struct collect c;
    struct fl_diag d;
    collect_init(&c);
    fl_diag_init(&d);
    cr_assert_eq(collect_parse(&c, in1, sizeof in1 - 1, TXT, &d), FL_EPARSE);
    cr_assert_str_eq(d.msg, "NUL byte in quoted label value");
    cr_assert_eq(d.column, 7);
    fl_diag_init(&d);
    cr_assert_eq(collect_parse(&c, in2, sizeof in2 - 1, TXT, &d), FL_EPARSE);
    cr_assert_str_eq(d.msg, "NUL byte in HELP text");
    cr_assert_eq(d.column, 11);
    cr_assert_eq(c.n_samples, 0);
    collect_cleanup(&c);
}
