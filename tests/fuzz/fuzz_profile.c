/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_profile.c: libFuzzer target for profile deserialization (src/monitor/profile.c), the
 * parser of .profile files that `faultline drift --reference` and `faultline profile` read from
 * untrusted places. The input is tried as a profile set and as a single column profile.
 *
 * Checks beyond "no crash":
 *  - a rejected input leaves the output NULL and carries a diagnostic with the same code;
 *  - an accepted input re-serializes to exactly the same bytes;
 *  - everything downstream of an accepted set works on it: the JSON and text summaries, the
 *    selection and roll-up, a merge with itself, and drift of the set against itself (adaptive
 *    too when it has chunks), so validated-but-hostile profiles cannot crash drift either.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "monitor/drift.h"
#include "monitor/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

static void check_same(const struct fl_buf *b, const uint8_t *data, size_t size)
{
    CHECK(fl_buf_err(b) == FL_OK && b->len == size && memcmp(b->data, data, size) == 0);
}

static void drift_self(const struct fl_profile_set *s)
{
    struct fl_profile_set *sel = NULL, *chunks = NULL;
    struct fl_profile_selector any = {NULL, NULL, NULL, NULL, false};
    struct fl_drift_opts o;
    struct fl_drift_report *r = NULL;
    struct fl_buf b;
    fl_drift_opts_init(&o);
    fl_buf_init(&b, 1u << 26);
    /* The selection refuses sets with several models: that is a valid answer. */
    if (fl_profile_set_select(s, &any, &sel, NULL) == FL_OK) {
        fl_err e = fl_drift_compare(sel, sel, &o, &r, NULL);
        CHECK(e == FL_OK || e == FL_EINVAL || e == FL_ENOMEM);
        if (e == FL_OK) {
            CHECK(r->n_drifted <= r->n_features);
            fl_drift_write_json(r, "a", "b", &b);
            fl_drift_write_text(r, "a", "b", &b);
            fl_drift_write_markdown(r, "a", "b", &b);
        }
        fl_drift_report_free(r);
        r = NULL;
        any.keep_chunks = true;
        if (fl_profile_set_chunks(s) >= 2 &&
            fl_profile_set_select(s, &any, &chunks, NULL) == FL_OK) {
            o.adaptive = true;
            e = fl_drift_compare(chunks, sel, &o, &r, NULL);
            CHECK(e == FL_OK || e == FL_EINVAL || e == FL_ENOMEM);
            fl_drift_report_free(r);
        }
    }
    fl_buf_cleanup(&b);
    fl_profile_set_free(sel);
    fl_profile_set_free(chunks);
    fl_drift_opts_cleanup(&o);
}

static void fuzz_set(const uint8_t *data, size_t size)
{
    struct fl_profile_set *s = (struct fl_profile_set *)1;
    struct fl_diag d;
    struct fl_buf b;
    fl_diag_init(&d);
    fl_err e = fl_profile_set_deserialize(data, size, &s, &d);
    if (e != FL_OK) {
        CHECK(s == NULL);
        CHECK(e == FL_EINVAL || e == FL_ENOMEM);
        CHECK(d.code == e && (e != FL_EINVAL || d.msg[0]));
        return;
    }
    fl_buf_init(&b, 1u << 28);
    CHECK(fl_profile_set_serialize(s, &b) == FL_OK);
    check_same(&b, data, size);
    fl_buf_reset(&b);
    fl_err je = fl_profile_set_write_json(s, 5, &b);
    CHECK(je == FL_OK || je == FL_ENOMEM);
    fl_buf_reset(&b);
    je = fl_profile_set_write_text(s, 5, &b);
    CHECK(je == FL_OK || je == FL_ENOMEM);
    drift_self(s);
    struct fl_profile_set *t = NULL;
    if (fl_profile_set_deserialize(data, size, &t, NULL) == FL_OK) {
        fl_err me = fl_profile_set_merge(s, t, NULL);
        CHECK(me == FL_OK || me == FL_ELIMIT || me == FL_ENOMEM);
        fl_buf_reset(&b);
        if (me == FL_OK && fl_profile_set_serialize(s, &b) == FL_OK) {
            struct fl_profile_set *back = NULL;
            CHECK(fl_profile_set_deserialize(b.data, b.len, &back, NULL) == FL_OK);
            fl_profile_set_free(back);
        }
    }
    fl_profile_set_free(t);
    fl_profile_set_free(s);
    fl_buf_cleanup(&b);
}

static void fuzz_one(const uint8_t *data, size_t size)
{
    struct fl_profile *p = (struct fl_profile *)1;
    struct fl_diag d;
    fl_diag_init(&d);
    fl_err e = fl_profile_deserialize(data, size, &p, &d);
    if (e != FL_OK) {
        CHECK(p == NULL && d.code == e);
        return;
    }
    struct fl_buf b;
    fl_buf_init(&b, 1u << 28);
    CHECK(fl_profile_serialize(p, &b) == FL_OK);
    check_same(&b, data, size);
    /* Keep updating: the profile stays valid and serializable. */
    CHECK(fl_profile_update_number(p, 1.5) == FL_OK || fl_profile_counts(p)->rows == UINT64_MAX);
    fl_err ue = fl_profile_update_string(p, "z", 1);
    CHECK(ue == FL_OK || ue == FL_ELIMIT);
    fl_buf_reset(&b);
    if (fl_profile_serialize(p, &b) == FL_OK) {
        struct fl_profile *back = NULL;
        CHECK(fl_profile_deserialize(b.data, b.len, &back, NULL) == FL_OK);
        fl_profile_free(back);
    }
    fl_buf_cleanup(&b);
    fl_profile_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_set(data, size);
    fuzz_one(data, size);
    return 0;
}
