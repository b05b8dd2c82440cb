/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server.h: faultline's HTTP daemon (libmicrohttpd) and its route table.
 *
 * One table (fl_server_routes) lists every route: method(s), path pattern, whether it needs the
 * bearer token, and its handler. docs/API.md mirrors the table, and a unit test fails when a
 * route is missing from it. Handlers turn request bodies into one struct fl_batch, write it with
 * fl_store_write (the answer is sent only after the commit) and answer in JSON; every error that
 * input can cause maps to a 4xx answer (fl_err_http_status), never to a crash.
 */
#ifndef FL_SERVER_SERVER_H
#define FL_SERVER_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/err.h"
#include "../core/str.h"

struct fl_config;
struct fl_store;
struct fl_scraper;
struct fl_server;
struct fl_http_req; /* one request being handled; see http_int.h */

typedef void (*fl_route_fn)(struct fl_http_req *r);

/* Method bits of a route. HEAD is served wherever GET is. */
#define FL_HTTP_GET 1u
#define FL_HTTP_POST 2u

struct fl_route {
    unsigned methods;    /* FL_HTTP_GET | FL_HTTP_POST */
    const char *pattern; /* "/api/v1/traces/{id}": a {name} segment matches one non-empty segment */
    bool needs_auth; /* POST needs `Authorization: Bearer <auth_token>` when one is configured */
    fl_route_fn handler;
    const char *summary; /* one line, for docs and logs */
};

/* The route table (static storage). *n receives its length. */
const struct fl_route *fl_server_routes(size_t *n);

enum fl_route_result { FL_ROUTE_FOUND, FL_ROUTE_NO_PATH, FL_ROUTE_BAD_METHOD };

/*
 * Find the route for method ("GET", "HEAD", "POST", ...) and path (already percent-decoded, no
 * query string). FL_ROUTE_FOUND: *idx is the table index and *param the {name} segment's text
 * (a slice of path; empty when the pattern has none). FL_ROUTE_BAD_METHOD: the path exists with
 * other methods, listed in allow ("GET, HEAD, POST") for the Allow header. Pure; thread-safe.
 */
enum fl_route_result fl_server_route_find(const char *method, struct fl_str path, size_t *idx,
                                          struct fl_str *param, char *allow, size_t allow_cap);

/*
 * Start listening on cfg->listen ("host:port", ":port" or "port"; host defaults to 127.0.0.1;
 * IPv4 literals or "localhost") with an internal thread pool of cfg->threads threads. cfg and
 * store are borrowed and must outlive the server. Errors: FL_ECONFIG (bad address), FL_EIO
 * (cannot bind: the port is taken), FL_ENOMEM.
 */
fl_err fl_server_start(const struct fl_config *cfg, struct fl_store *store, struct fl_server **out,
                       struct fl_diag *d) FL_MUST_CHECK;
/* Give the server the live monitor (monitor/live.h) that profiles committed inferences and serves
 * /api/v1/drift and its /metrics families (borrowed; NULL to detach). Requests in flight may
 * still use a detached monitor: free it only after fl_server_stop returned. Thread-safe. */
struct fl_live;
void fl_server_set_live(struct fl_server *s, struct fl_live *l);
/* Give the server the scrape loop whose targets /metrics reports (borrowed; NULL to detach). */
void fl_server_set_scraper(struct fl_server *s, struct fl_scraper *sc);
/*
 * First step of a clean shutdown: /healthz answers 503 and writes are refused with 503 from now
 * on; requests in flight finish normally. Thread-safe; idempotent.
 */
void fl_server_begin_shutdown(struct fl_server *s);
/*
 * Stop accepting connections, wait (up to 10 s) for requests in flight to finish, stop the
 * threads and free the server. Implies fl_server_begin_shutdown. NULL is a no-op.
 */
void fl_server_stop(struct fl_server *s);
/* The port actually bound (useful with port 0). */
unsigned fl_server_port(const struct fl_server *s);

#endif
