/* SPDX-License-Identifier: MIT */
/*
 * report.h: the asset report of one case, as a model built from the store
 * only, and its renderers (HTML for officers, JSON and CSV for machines).
 *
 * A report is a pure function of the store and of the time it is built
 * for (`now`, which only decides what is overdue): the same store and time
 * give the same bytes.  The model covers one inquiry round of the case (the
 * latest unless asked otherwise) and, for a re-inquiry round, what changed
 * since the round before it.
 *
 * What the report claims, and the rules it claims it by (docs/report.md):
 * - Coverage: one row per institution asked (or configured but not asked)
 *   about each current debtor, and one per legally expected channel
 *   (deposits, real estate, vehicles, securities, social insurance, online
 *   platforms).  A channel with no configured institution, or whose
 *   institutions did not all answer, is said to be so: the report never
 *   reads "nothing found" for a channel it did not search.
 * - Enforceable totals per currency: the sum of what a new freeze can reach
 *   now on deposits, wealth products, wallets and fund balances, as the
 *   adapters computed it per the spec (max(AVLB, 0) for an asset account,
 *   market value for a wealth product, max(balance + fund - frozen, 0) on a
 *   platform).  Liabilities are listed, never added; property and vehicles
 *   are counted, not priced.
 * - Triage, with the rule that produced it (enum ck_triage).
 *
 * Ownership: ck_report_build() allocates the model; everything in it lives
 * until ck_report_free().  Renderers append to a caller's ck_buf.
 */
#ifndef CHAKONG_REPORT_H
#define CHAKONG_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "chakong/buf.h"
#include "chakong/ids.h"
#include "chakong/store.h"

/* A kind-specific field of a record (its detail), in the order stored. */
struct ck_report_field {
	const char *key;
	char type;         /* 's' text, 'i' integer, 'b' boolean, 'n' null, 'j' JSON text */
	const char *value; /* text as stored; "1"/"0" for booleans */
};

struct ck_report_encumbrance {
	const char *kind;            /* "freeze", "seizure", "mortgage" */
	const char *authority, *ref; /* "" when not given */
	int seq;                     /* 0 when not applicable */
	int has_amount;
	int64_t amount;
	const char *currency;
	int64_t starts_on, ends_on; /* days since 1970-01-01; CK_REPORT_NO_DATE */
	struct ck_report_field *fields;
	size_t n_fields;
};

#define CK_REPORT_NO_DATE INT64_MIN

/* How an asset compares with the round before (re-inquiry rounds). */
enum ck_report_change { CK_CHANGE_NONE = 0, CK_CHANGE_NEW, CK_CHANGE_CHANGED, CK_CHANGE_VANISHED };

struct ck_report_asset {
	const char *institution_id, *institution_name;
	const char *kind; /* "deposit", "wealth", "realestate", "vehicle", "wallet", "fund" */
	const char *ref, *subtype, *currency, *status; /* "" when not given */
	int has_book;
	int64_t book;
	int has_available;
	int64_t available;
	int64_t enforceable;
	int liability;
	int seizable; /* real estate, and vehicles whose status letters allow seizure */
	struct ck_report_field *fields;
	size_t n_fields;
	struct ck_report_encumbrance *encumbrances; /* freezes in queue order */
	size_t n_encumbrances;
	enum ck_report_change change;
	const char *change_note; /* what changed, "" when nothing */
	int64_t raw_answer_id;   /* the bytes this record came from */
};

struct ck_report_lead {
	const char *institution_id, *institution_name;
	const char *kind; /* "employer", "pension", "bound_card", "address", "spending" */
	const char *label, *code;
	int has_amount;
	int64_t amount;
	const char *currency;
	struct ck_report_field *fields;
	size_t n_fields;
	int bank_not_asked; /* a bound card at a bank no configured institution is */
	int flagged;        /* spending that a consumption restriction may forbid */
};

/* The outcome of one institution for one debtor in the round. */
enum ck_coverage {
	CK_COV_FOUND = 0,
	CK_COV_NOT_FOUND,
	CK_COV_MISMATCH,       /* answered about a subject of another name: check the filing */
	CK_COV_PENDING,        /* not answered yet: planned, in flight, retrying or a ticket */
	CK_COV_FAILED,         /* gave up: reason, attempts */
	CK_COV_NOT_APPLICABLE, /* e.g. social insurance for an organisation */
	CK_COV_NOT_ASKED,      /* configured, but no query in this round */
	CK_COV_COUNT_
};

const char *ck_coverage_name(enum ck_coverage c); /* "found", "not_found", ... */

struct ck_report_coverage {
	const char *institution_id, *institution_name, *kind, *district;
	enum ck_coverage outcome;
	int n_records; /* assets and leads, when found */
	const char *request_id;
	const char *state;   /* the query's lifecycle state */
	const char *reason;  /* failed: why; "" otherwise */
	const char *detail;  /* failed: the institution's words; mismatch: their name */
	const char *ticket;  /* pending with a ticket */
	int64_t since;       /* pending: submitted (or planned) at; 0 when unknown */
	int64_t answered_at; /* 0 when not answered */
	int attempts;
};

/* The channels the law and practice expect (查控 channels). */
enum ck_channel {
	CK_CH_DEPOSITS = 0, /* banks: deposits and wealth products */
	CK_CH_REALESTATE,   /* registration centres */
	CK_CH_VEHICLES,     /* traffic police */
	CK_CH_SECURITIES,   /* no institution kind yet: always not configured */
	CK_CH_SOCIALSEC,    /* social insurance: employers, pensions */
	CK_CH_ONLINE,       /* payment and e-commerce platforms */
	CK_CH_COUNT_
};

const char *ck_channel_name(enum ck_channel ch); /* "deposits", ... */
/* The institution kind that serves the channel ("bank", ...; a coverage
 * row's kind), or NULL when none exists yet (securities). */
const char *ck_channel_kind(enum ck_channel ch);
/* Deposits, vehicles, real estate and securities must be searched before a
 * case may be terminated for want of property (终本). */
int ck_channel_required_for_termination(enum ck_channel ch);

enum ck_channel_status {
	CK_CHS_SEARCHED = 0,   /* every institution of the channel answered */
	CK_CHS_PARTIAL,        /* some answered, others pending or failed */
	CK_CHS_NOT_SEARCHED,   /* institutions configured, none answered */
	CK_CHS_NOT_CONFIGURED, /* no institution of the channel */
	CK_CHS_NOT_APPLICABLE, /* the channel does not apply to this debtor */
	CK_CHS_COUNT_
};

const char *ck_channel_status_name(enum ck_channel_status s);

struct ck_report_channel {
	enum ck_channel channel;
	enum ck_channel_status status;
	int answered, pending, failed, asked; /* institutions */
	int found;                            /* institutions that found something */
	const char *districts;                /* real estate: districts answered, "、"-joined */
};

/* Money per currency. */
struct ck_report_total {
	char currency[4];
	int64_t enforceable; /* deposits, wealth, wallets, funds: what can be frozen now */
	int64_t liabilities; /* loans, cards, negative balances (<= 0), never added above */
	int n_liquid;        /* assets counted in enforceable */
};

struct ck_report_debtor {
	enum ck_subject_kind kind;
	const char *name, *id_no;
	struct ck_report_coverage *coverage;
	size_t n_coverage;
	struct ck_report_channel channels[CK_CH_COUNT_];
	struct ck_report_asset *assets; /* grouped by kind, then institution, then ref */
	size_t n_assets;
	struct ck_report_asset *vanished; /* re-inquiry: in the round before, not in this one */
	size_t n_vanished;
	struct ck_report_lead *leads;
	size_t n_leads;
	struct ck_report_total *totals; /* by currency, CNY first */
	size_t n_totals;
	int n_realestate, n_vehicles, n_seizable_vehicles;
};

enum ck_triage {
	CK_TRIAGE_ENFORCEABLE_NOW = 0, /* liquid CNY enforceable >= amount owed */
	CK_TRIAGE_AFTER_DISPOSAL,      /* short, but real estate or seizable vehicles found */
	CK_TRIAGE_INCOMPLETE,  /* channels pending, failed, or answered about another name */
	CK_TRIAGE_NO_PROPERTY, /* every asked institution answered, nothing enforceable */
	CK_TRIAGE_COUNT_
};

const char *ck_triage_name(enum ck_triage t); /* "enforceable_now", ... */

struct ck_report {
	/* The case. */
	const char *case_no, *court_code, *court_name, *officer, *currency;
	const char *status; /* "active", "terminated", "closed" */
	int64_t filed_at;
	int filed_offset_min;
	int64_t amount_owed;
	int has_terminated_on;
	int64_t terminated_on; /* days */
	/* The round. */
	int round;
	int previous_round; /* -1 when none */
	int64_t opened_at, deadline;
	int complete;         /* every query of the round is terminal */
	int64_t completed_at; /* when the last one ended; 0 when not complete */
	int deadline_met;     /* complete by the deadline */
	int overdue;          /* not complete and now is past the deadline */
	int64_t built_at;     /* the `now` it was built for */
	/* The debtors and the case's figures. */
	struct ck_report_debtor *debtors;
	size_t n_debtors;
	struct ck_report_total *totals; /* the case's, by currency, CNY first */
	size_t n_totals;
	enum ck_triage triage;
	const char *triage_rule;  /* the rule that produced it, in words */
	int termination_coverage; /* deposits, vehicles, real estate, securities all searched */
	int new_property;         /* re-inquiry: a new non-liability asset appeared */
	int pending, failed, mismatches; /* coverage rows of current debtors */
	void *mem_;                      /* private */
};

/* Builds the report of a case's round (round < 0: the latest) as of `now`.
 * CK_E_NOTFOUND when there is no such case or round (a case is reported
 * once its first round is planned). */
int ck_report_build(struct ck_store *st, const char *case_no, int round, int64_t now,
                    struct ck_report **out, char *err);
void ck_report_free(struct ck_report *r);

/* Rendering options. */
struct ck_report_render {
	int reveal;        /* show ID and account numbers in clear (HTML, CSV) */
	int gb18030;       /* CSV: GB18030 without a BOM instead of UTF-8 with a BOM */
	const char *title; /* HTML: extra title line, or NULL */
};

/* Each appends the whole document to `out`; CK_E_NOMEM (with err) when
 * memory runs out.  JSON keys are documented in docs/report-json.md and
 * always reveal identifiers (the JSON is for the case-management system);
 * HTML and CSV mask them unless opt->reveal. */
int ck_report_json(const struct ck_report *r, struct ck_buf *out, char *err);
int ck_report_html(const struct ck_report *r, const struct ck_report_render *opt,
                   struct ck_buf *out, char *err);
int ck_report_csv(const struct ck_report *r, const struct ck_report_render *opt, struct ck_buf *out,
                  char *err);

/* A file name for the case's report, safe whatever the case number holds:
 * no separator, no "..", no control character; distinct case numbers give
 * distinct names.  `ext` is "html", "json" or "csv". */
int ck_report_file_name(const char *case_no, const char *ext, char *out, size_t outsz, char *err);

/* ---- Report files (report_files.c) ------------------------------------- */

/* Which renderings report files get. */
enum { CK_REPORT_HTML = 1, CK_REPORT_JSON = 2, CK_REPORT_CSV = 4 };

/*
 * Writes the report of the case's round (round < 0: the latest) into dir
 * as <name>.html / .json / .csv (ck_report_file_name) for each format in
 * `formats`, each file created mode 0600 under a temporary name, flushed to
 * disk and renamed over the old one, so that a reader or a crash never
 * sees a truncated report.  Then records the round's report as written at
 * `now`.  dir must exist.  CK_E_NOTFOUND: no such case, or no round yet.
 */
int ck_report_write_files(struct ck_store *st, const char *case_no, int round, const char *dir,
                          int formats, const struct ck_report_render *opt, int64_t now, char *err);

/*
 * A batch of report files, for writing many cases' reports: the files of
 * each case added are written at once under their temporary names; when
 * the batch is finished (by ck_report_batch_finish(), or by itself after
 * 1, 2, 4 ... up to 256 cases, or 50 ms) they are flushed to disk
 * together (by a few threads, all joined before the call returns), renamed
 * over the old files, and their rounds recorded as reported at `now`.  The
 * same guarantees as ck_report_write_files(), with one store transaction
 * and one wait for the disk per batch instead of per case.  The batch
 * reads and records in a store transaction of its own, open from its first
 * case to its finish: the caller must not hold a store batch open, nor
 * write to the store in between.
 *
 * Ownership: the batch is the caller's until ck_report_batch_free(), which
 * removes the temporary files of cases added but not finished.
 */
struct ck_report_batch;
int ck_report_batch_new(struct ck_store *st, const char *dir, int64_t now,
                        struct ck_report_batch **out, char *err);
/* Fixed limits instead: the batch finishes by itself once it holds
 * max_cases cases or has been open max_ms milliseconds. */
void ck_report_batch_limits(struct ck_report_batch *b, size_t max_cases, int64_t max_ms);
/* Renders and writes the case's files.  CK_E_NOTFOUND (nothing written):
 * no such case, or no round yet. */
int ck_report_batch_add(struct ck_report_batch *b, const char *case_no, int round, int formats,
                        const struct ck_report_render *opt, char *err);
int ck_report_batch_finish(struct ck_report_batch *b, char *err);
void ck_report_batch_free(struct ck_report_batch *b);

/* Writes text to path, mode 0600, through a temporary file beside it that
 * is flushed and renamed over path: readers never see a partial file. */
int ck_report_save(const char *path, const char *text, size_t len, char *err);

/* Writes every report due at `now` (ck_store_each_report_due) into dir, in
 * batches; *written (may be NULL) counts those finished.  Stops at the
 * first failure. */
int ck_report_write_due(struct ck_store *st, const char *dir, int formats,
                        const struct ck_report_render *opt, int64_t now, int *written, char *err);

#endif
