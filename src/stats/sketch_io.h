/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sketch_io.h: the byte layer shared by the serialized sketches (kll, hll, freq, moments).
 *
 * Every serialized sketch starts with two bytes, the format version and the sketch type, and
 * stores all integers and doubles little-endian whatever the host (doubles as their IEEE-754
 * binary64 bit pattern). The writer appends to a capped struct fl_buf; the reader checks every
 * read against the end of the input and reports failures as FL_EINVAL with a diagnostic naming
 * the sketch, the field and the byte offset, so that hostile bytes never read out of bounds and
 * never drive an allocation larger than the input can justify (fl_sketch_need). The layouts are
 * documented in docs/SKETCHES.md.
 */
#ifndef FL_STATS_SKETCH_IO_H
#define FL_STATS_SKETCH_IO_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

#define FL_SKETCH_FORMAT_VERSION 1 /* first byte of every serialized sketch */

/* Second byte of every serialized sketch. Append only: the numbers are part of the format. */
enum fl_sketch_type {
    FL_SKETCH_KLL = 1,
    FL_SKETCH_HLL = 2,
    FL_SKETCH_FREQ = 3,
    FL_SKETCH_MOMENTS = 4,
};

/* Short lower-case name of a type ("kll", ...); "unknown" otherwise. Static storage. */
const char *fl_sketch_type_name(int type);

/*
 * Writers: append v little-endian to b. They follow fl_buf's sticky-error rule (check
 * fl_buf_err once at the end); serializers reserve their exact size first.
 */
void fl_sketch_put_u8(struct fl_buf *b, uint8_t v);
void fl_sketch_put_u16(struct fl_buf *b, uint16_t v);
void fl_sketch_put_u32(struct fl_buf *b, uint32_t v);
void fl_sketch_put_u64(struct fl_buf *b, uint64_t v);
void fl_sketch_put_f64(struct fl_buf *b, double v);
/* The two-byte header: FL_SKETCH_FORMAT_VERSION, then type. */
void fl_sketch_put_header(struct fl_buf *b, enum fl_sketch_type type);

/*
 * A bounds-checked little-endian reader over borrowed bytes. `what` names the sketch in
 * diagnostics ("kll"); d may be NULL. Caller storage, no heap.
 */
struct fl_sketch_reader {
    const uint8_t *p;  /* borrowed input */
    size_t len;        /* bytes */
    size_t off;        /* next byte to read */
    size_t last;       /* offset of the last field read, for diagnostics */
    const char *what;  /* sketch name for diagnostics, static storage */
    struct fl_diag *d; /* optional */
};

void fl_sketch_reader_init(struct fl_sketch_reader *r, const void *p, size_t len, const char *what,
                           struct fl_diag *d);

/*
 * Readers: on success store the value and advance. When fewer bytes remain than needed they
 * return FL_EINVAL with a diagnostic "byte N: truncated" on field `field` and leave *out alone.
 */
FL_MUST_CHECK fl_err fl_sketch_get_u8(struct fl_sketch_reader *r, const char *field, uint8_t *out);
FL_MUST_CHECK fl_err fl_sketch_get_u16(struct fl_sketch_reader *r, const char *field,
                                       uint16_t *out);
FL_MUST_CHECK fl_err fl_sketch_get_u32(struct fl_sketch_reader *r, const char *field,
                                       uint32_t *out);
FL_MUST_CHECK fl_err fl_sketch_get_u64(struct fl_sketch_reader *r, const char *field,
                                       uint64_t *out);
FL_MUST_CHECK fl_err fl_sketch_get_f64(struct fl_sketch_reader *r, const char *field, double *out);
/* Borrow n raw bytes at the current offset (*out points into the input), then advance. */
FL_MUST_CHECK fl_err fl_sketch_get_bytes(struct fl_sketch_reader *r, const char *field, size_t n,
                                         const uint8_t **out);

/*
 * Check the header: input at most FL_LIMIT_SKETCH_BYTES, version FL_SKETCH_FORMAT_VERSION, type
 * `want`. FL_EINVAL with a diagnostic otherwise.
 */
FL_MUST_CHECK fl_err fl_sketch_get_header(struct fl_sketch_reader *r, enum fl_sketch_type want);

/*
 * FL_OK when at least count * size bytes remain (overflow-safe), else FL_EINVAL "truncated".
 * Deserializers call it before allocating for count elements of size bytes each.
 */
FL_MUST_CHECK fl_err fl_sketch_need(struct fl_sketch_reader *r, const char *field, size_t count,
                                    size_t size);

/* FL_OK when every byte was consumed, else FL_EINVAL "trailing bytes". */
FL_MUST_CHECK fl_err fl_sketch_reader_end(struct fl_sketch_reader *r);

/*
 * Record a validation failure of the field read last: FL_EINVAL, field "<what>.<field>", message
 * "byte N: <printf text>" where N is that field's offset. Returns FL_EINVAL.
 */
fl_err fl_sketch_fail(struct fl_sketch_reader *r, const char *field, const char *fmt, ...)
    FL_PRINTF(3, 4);

#endif
