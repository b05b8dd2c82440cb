/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gzip.h: bounded decompression of gzip (RFC 1952) and zlib (RFC 1950) bodies, as sent with
 * Content-Encoding: gzip by OTLP exporters and Prometheus remote clients.
 *
 * The output cap is enforced while inflating, so a small hostile body ("zip bomb") costs at most
 * max_out bytes of memory and never more CPU than it takes to produce them.
 */
#ifndef FL_INGEST_GZIP_H
#define FL_INGEST_GZIP_H

#include <stddef.h>

#include "../core/buf.h"
#include "../core/err.h"

/*
 * Inflate p[0..len) (gzip or zlib header detected automatically; concatenated gzip members are
 * all inflated) and append the result to out. Errors: FL_ELIMIT "decompressed body exceeds N
 * bytes" when the output would pass max_out bytes; FL_EPARSE for a corrupt or truncated stream,
 * trailing garbage, or an empty input; FL_ENOMEM. On error out holds an undefined prefix (callers
 * discard it). d may be NULL. Thread-safe.
 */
fl_err fl_gzip_inflate(const char *p, size_t len, size_t max_out, struct fl_buf *out,
                       struct fl_diag *d) FL_MUST_CHECK;

#endif
