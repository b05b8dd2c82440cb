/* SPDX-License-Identifier: Apache-2.0 */
/*
 * whys.h: the 5 Whys of an investigation (issue 6, item 1; docs/POSTMORTEMS.md "5 Whys").
 *
 * fl_whys_build derives a chain symptom -> component -> upstream cause -> change or missing
 * safeguard -> systemic gap from an investigation's evidence only. Every derived link cites the
 * evidence it rests on (step + evidence index, with the evidence's text and numbers, or a refuted
 * hypothesis, or what the configuration shows). Where the evidence stops the chain stops: the next
 * link is an OPEN QUESTION for a person (open = true, with a suggested question), never an
 * invented answer.
 *
 * People then edit, add, delete and confirm links (fl_whys_apply_edit, the same code for the API
 * and the CLI). A link records its source ("evidence" or "person") and who edited or confirmed it
 * and when. The chain is stored inside the investigation's stored JSON as the member "whys"
 * (fl_whys_save; src/store/investigations.c fl_store_investigation_set_whys), with a revision
 * number so that concurrent edits do not overwrite each other.
 *
 * Memory: everything lives in the caller's arena. Not thread-safe per object; no global state.
 */
#ifndef FL_REPORT_WHYS_H
#define FL_REPORT_WHYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/arena.h"
#include "../core/buf.h"
#include "../core/err.h"
#include "../rca/investigate.h"

#define FL_WHYS_VERSION 1
#define FL_WHYS_MAX_LINKS 16         /* links in a chain */
#define FL_WHYS_MAX_CITES 8          /* citations of one link */
#define FL_WHYS_TEXT_MAX 4096        /* bytes of a link's text or question */
#define FL_WHYS_BY_MAX 128           /* bytes of an editor's name */
#define FL_WHYS_EDIT_MAX_BYTES 65536 /* bytes of an edit document */

struct fl_config;
struct fl_store;

enum fl_whys_level {
    FL_WHYS_SYMPTOM = 1,   /* what was observed */
    FL_WHYS_COMPONENT = 2, /* which component's behaviour explains it */
    FL_WHYS_UPSTREAM = 3,  /* what made that component behave so */
    FL_WHYS_CHANGE = 4,    /* the change, or the safeguard that was missing */
    FL_WHYS_SYSTEMIC = 5,  /* the systemic gap behind it */
    FL_WHYS_OTHER = 6,     /* a person's link without a level */
};

enum fl_whys_source { FL_WHYS_FROM_EVIDENCE = 1, FL_WHYS_FROM_PERSON = 2 };

enum fl_whys_cite_kind {
    FL_WHYS_CITE_EVIDENCE = 1, /* steps[step].evidence[index] */
    FL_WHYS_CITE_REFUTED = 2,  /* refuted[index] */
    FL_WHYS_CITE_CONFIG = 3,   /* what the configuration shows (text), e.g. no freshness rule */
    FL_WHYS_CITE_STEP = 4,     /* steps[step] as a whole (its summary), e.g. what it did not see */
};

struct fl_whys_cite {
    int kind;              /* enum fl_whys_cite_kind */
    size_t step, index;    /* see the kinds; 0 when unused */
    const char *step_name; /* EVIDENCE, STEP: the step's name */
    const char *ev_kind;   /* EVIDENCE: "trace_key", "freshness", ...; else NULL */
    const char *ref;       /* EVIDENCE: the evidence's ref; else NULL */
    const char *text;      /* the evidence's / hypothesis's / config's text, always set */
    double baseline, incident, score; /* EVIDENCE: its numbers (NaN when not meaningful) */
    int64_t ts_ms;                    /* EVIDENCE: its time, FL_TS_NONE when none */
};

struct fl_whys_link {
    int level;             /* enum fl_whys_level */
    const char *text;      /* the answer ("because ..."); NULL for an open question */
    bool open;             /* an OPEN QUESTION for a person */
    const char *question;  /* open: the suggested question; else NULL */
    int source;            /* enum fl_whys_source */
    const char *edited_by; /* "faultline" for derived links, else the person; NULL = unknown */
    int64_t edited_ms;     /* FL_TS_NONE when unknown */
    bool confirmed;
    const char *confirmed_by;
    int64_t confirmed_ms; /* FL_TS_NONE when not confirmed */
    struct fl_whys_cite *cites;
    size_t n_cites;
};

struct fl_whys {
    uint64_t revision;    /* 0 = derived, never stored; each stored edit adds one */
    int64_t generated_ms; /* when the derived chain was built */
    struct fl_whys_link *links;
    size_t n_links;
};

/*
 * Derive the chain from inv (and cfg, which may be NULL: then nothing is derived from the
 * configuration). Links point into inv's strings and a; inv must outlive out. now_ms stamps the
 * derived links. The chain has at least one link: with no evidence at all the first link is an
 * open question. Errors: FL_ENOMEM / FL_ELIMIT from the arena.
 */
fl_err fl_whys_build(const struct fl_investigation *inv, const struct fl_config *cfg,
                     int64_t now_ms, struct fl_arena *a, struct fl_whys *out) FL_MUST_CHECK;

/* The JSON object of the chain (schema in docs/POSTMORTEMS.md), no trailing newline. Sticky. */
void fl_whys_json(const struct fl_whys *w, struct fl_buf *out);
/* A Markdown numbered list with [confirmed] / [OPEN QUESTION] marks and the citations. Sticky. */
void fl_whys_markdown(const struct fl_whys *w, struct fl_buf *out);
/* Plain text for a terminal. Sticky. */
void fl_whys_text(const struct fl_whys *w, struct fl_buf *out);

/*
 * Read a chain that fl_whys_json wrote. Strings go into a. FL_EPARSE (the diag names the field,
 * e.g. "links[2].citations[0].step"), FL_EUNSUPPORTED for another whys_version, FL_ELIMIT past
 * the caps above or FL_WHYS_READ_MAX_BYTES, FL_ENOMEM.
 */
#define FL_WHYS_READ_MAX_BYTES ((size_t)4 * 1024 * 1024)
fl_err fl_whys_from_json(const char *p, size_t len, struct fl_arena *a, struct fl_whys *out,
                         struct fl_diag *d) FL_MUST_CHECK;

/*
 * Apply one edit document (JSON, at most FL_WHYS_EDIT_MAX_BYTES; docs/POSTMORTEMS.md "Editing"):
 *   {"op":"edit","index":N,"text":"..."}          new answer of link N (0-based); becomes a
 *                                                 person's link, no longer open
 *   {"op":"edit","index":N,"question":"..."}      reword an open question
 *   {"op":"add","index":N?,"text":"..."|"question":"...","level":"..."?}  insert (default: end)
 *   {"op":"delete","index":N}
 *   {"op":"confirm","index":N}                    a person agrees with link N (not open ones)
 *   {"op":"replace","links":[{"text"|"question","level"?,"confirmed"?},...]}  the whole chain;
 *                                                 a link whose text equals a derived link's text
 *                                                 keeps that link's citations and source
 * Optional in every op: "by" (who; default by_default, else "unknown") and "revision" (the
 * revision the edit was made against; another one is FL_ECONFLICT). w is changed in place (new
 * strings in a); its revision is not changed here (fl_whys_save does that). Errors: FL_EPARSE
 * (not JSON), FL_EINVAL (the diag's field names the member: "op", "index", "text", "links[1]"),
 * FL_ELIMIT, FL_ECONFLICT, FL_ENOMEM. On error w is unchanged.
 */
fl_err fl_whys_apply_edit(struct fl_whys *w, const char *p, size_t len, const char *by_default,
                          int64_t now_ms, struct fl_arena *a, struct fl_diag *d) FL_MUST_CHECK;

/*
 * The chain of a stored investigation: the stored one when an edit was saved, else derived now.
 * Reads the investigation into inv (its strings in a). *stored tells which (may be NULL).
 * Errors: the store's (FL_ENOTFOUND for an unknown id), fl_inv_from_json's, fl_whys_from_json's.
 */
fl_err fl_whys_load(struct fl_store *s, const struct fl_config *cfg, const char *id, int64_t now_ms,
                    struct fl_arena *a, struct fl_investigation *inv, struct fl_whys *out,
                    bool *stored, struct fl_diag *d) FL_MUST_CHECK;

/*
 * Load, apply one edit and store, retrying (up to 3 times) when another writer stored a revision
 * in between and the edit names no revision. On success out holds the stored chain (revision
 * incremented) and inv the investigation. Errors: fl_whys_load's and fl_whys_apply_edit's.
 */
fl_err fl_whys_edit_stored(struct fl_store *s, const struct fl_config *cfg, const char *id,
                           const char *edit, size_t len, const char *by_default, int64_t now_ms,
                           struct fl_arena *a, struct fl_investigation *inv, struct fl_whys *out,
                           struct fl_diag *d) FL_MUST_CHECK;

const char *fl_whys_level_name(int level);   /* "symptom", "component", ...; "other" */
const char *fl_whys_source_name(int source); /* "evidence", "person" */

#endif
