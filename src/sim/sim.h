/* SPDX-License-Identifier: MIT */
/*
 * sim.h: the institution simulator's internal contracts (chakong-sim).
 *
 * The simulator plays every institution of ../spec on loopback so that the
 * engine can be developed, tested, demonstrated and benchmarked.  Its parts:
 *
 *   world.c       the instances and the synthetic population: who exists
 *                 (and sim_kind_name/parse, sim_behaviour_default).
 *   holding.c     what each instance holds about each subject, derived on
 *                 demand.  Pure and deterministic from the seed; nothing
 *                 here changes after sim_world_new().
 *   simdata.c     word lists and generators (names, identifiers, courts).
 *   truth.c       `chakong-sim truth`: the world as JSON (the ground truth
 *                 tests compare the engine's store with).
 *   filings.c     `chakong-sim filings`: a filing CSV of cases whose debtors
 *                 come from the population.
 *   simconfig.c   `chakong-sim config`: the engine configuration naming every
 *                 instance served.
 *   kinds.c and kind_<kind>.c   one handler per institution kind: parse and
 *                 check a request, answer it from the world (and from the
 *                 instance's memory of RequestIds), render the documents of
 *                 the spec.  No sockets here.
 *   server.c      HTTP on loopback (libmicrohttpd, optional TLS), routing by
 *                 instance prefix, behaviour knobs (latency, faults), the
 *                 RequestId registry, stats and the control endpoints.
 *   sim_main.c    the program's subcommands.
 *
 * Determinism: every random choice comes from sim_rng seeded with the world
 * seed and the identities involved (subject index, instance id, RequestId,
 * attempt), never from the time or from the order requests arrive in.  Same
 * seed, same truth, same filings, same answers.
 *
 * Amounts are int64_t hundredths (as in amount.h); dates are days since
 * 1970-01-01 (as in timeutil.h); strings are UTF-8.
 */
#ifndef CHAKONG_SIM_H
#define CHAKONG_SIM_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "chakong/buf.h"
#include "chakong/ids.h"

struct ck_xsd_set;

/* ---- Random numbers ----------------------------------------------------- */

/* splitmix64: small, fast, and good enough for a synthetic population. */
struct sim_rng {
	uint64_t state;
};

/* Seeds from the world seed and up to three identities (hash them first). */
void sim_rng_seed(struct sim_rng *rng, uint64_t seed, uint64_t a, uint64_t b, uint64_t c);
uint64_t sim_rng_next(struct sim_rng *rng);
/* Uniform in [0, n); n > 0. */
uint64_t sim_rng_below(struct sim_rng *rng, uint64_t n);
/* True with probability permille / 1000. */
int sim_rng_chance(struct sim_rng *rng, unsigned permille);
/* 64-bit FNV-1a of a string, for seeding from text. */
uint64_t sim_hash(const char *text);

/* ---- Instances ---------------------------------------------------------- */

enum sim_kind {
	SIM_BANK = 0,
	SIM_REALESTATE,
	SIM_VEHICLE,
	SIM_SOCIALSEC,
	SIM_ECOMMERCE,
	SIM_KIND_COUNT_
};

/* "bank", "realestate", "vehicle", "socialsec", "ecommerce". */
const char *sim_kind_name(enum sim_kind kind);
/* The kind named, or -1. */
int sim_kind_parse(const char *name);

/* How an instance behaves: the knobs of `chakong-sim serve --set`. */
enum sim_latency_kind { SIM_LAT_NONE = 0, SIM_LAT_FIXED, SIM_LAT_UNIFORM, SIM_LAT_LOGNORMAL };

enum sim_fault {
	SIM_FAULT_500 = 0,
	SIM_FAULT_503,
	SIM_FAULT_429,           /* with Retry-After */
	SIM_FAULT_RESET,         /* connection closed without an answer */
	SIM_FAULT_STALL,         /* headers, then a byte now and then, never the end */
	SIM_FAULT_TRUNCATED,     /* Content-Length promises more than is sent */
	SIM_FAULT_MALFORMED,     /* a body that is not well-formed XML */
	SIM_FAULT_DOCTYPE,       /* a body with a DOCTYPE and an external entity */
	SIM_FAULT_BOMB,          /* a body with an entity expansion bomb */
	SIM_FAULT_OVERSIZED,     /* a well-formed body larger than 8 MiB */
	SIM_FAULT_WRONG_SUBJECT, /* a valid answer about another subject */
	SIM_FAULT_401,
	SIM_FAULT_COUNT_
};

/* "500", "503", "429", "reset", "stall", "truncated", "malformed",
 * "doctype", "bomb", "oversized", "wrong_subject", "401". */
const char *sim_fault_name(enum sim_fault fault);
int sim_fault_parse(const char *name);

/* Defaults (sim_behaviour_default): no latency, no faults, async_delay_s 2,
 * poll_after_s 1, page_size 2, retry_after_s 1: short enough for tests and
 * the demo, long enough that social insurance is answered asynchronously and
 * e-commerce needs several pages. */
struct sim_behaviour {
	enum sim_latency_kind latency;
	unsigned latency_ms;         /* fixed: the delay; uniform: the maximum; lognormal: median */
	unsigned latency_min_ms;     /* uniform: the minimum; lognormal: unused */
	unsigned latency_sigma_x100; /* lognormal: sigma times 100 */
	unsigned async_delay_s;      /* socialsec: seconds from submission to the answer */
	unsigned poll_after_s;       /* socialsec: PollAfter sent with tickets */
	unsigned page_size;          /* ecommerce: items per page */
	unsigned retry_after_s;      /* 429 and 503: Retry-After */
	unsigned fault_permille[SIM_FAULT_COUNT_]; /* chance per attempt */
	unsigned
	    fault_first[SIM_FAULT_COUNT_]; /* the first N attempts of every RequestId fail so */
};

void sim_behaviour_default(struct sim_behaviour *b);

struct sim_instance {
	char id[32]; /* "icbc": also the path prefix "/icbc" */
	enum sim_kind kind;
	char name[96];     /* display name, e.g. "中国工商银行" */
	char code[32];     /* BIC, platform code, administrative division code */
	char district[64]; /* real estate: the district it answers for */
	struct sim_behaviour behaviour;
};

/* ---- The population ----------------------------------------------------- */

struct sim_subject {
	uint32_t index;
	enum ck_subject_kind kind;
	char id_no[CK_ID_BUF];
	char name[96];
};

/* What one instance holds about one subject. */
enum sim_status { SIM_NOT_FOUND = 0, SIM_FOUND, SIM_SUBJECT_MISMATCH };

struct sim_freeze {
	char authority[96];
	char ref[64]; /* the freezing court's case number */
	int64_t amount;
	int seq; /* 1 effective, > 1 queued */
	int64_t expires_on;
};

struct sim_account {
	char id[32];
	char type[5]; /* CACC SVGS TDEP LOAN CARD */
	char currency[4];
	char status[5];    /* ENAB DORM FRZN CLOS */
	char branch[96];   /* may be empty: then the element is left out */
	int64_t opened_on; /* -1: left out */
	int64_t book;
	int has_available;
	int64_t available;
	struct sim_freeze *freezes;
	size_t n_freezes;
};

struct sim_wealth {
	char product_id[32];
	char product_name[96];
	char currency[4];
	int64_t market_value;
	int64_t matures_on; /* -1: left out */
};

struct sim_mortgage {
	char holder[96];
	int64_t secured; /* hundredths of CNY */
	int64_t starts_on, ends_on;
};

struct sim_seizure {
	char authority[96];
	char ref[64];
	int queued;   /* 0 查封, 1 轮候查封 */
	int position; /* LHSX */
	int64_t starts_on, ends_on;
};

struct sim_property {
	char unit_id[32]; /* BDCDYH, 28 characters */
	char certificate[96];
	char location[160];
	char use[16];       /* 住宅 商业 办公 工业 车库 其他 */
	int64_t area;       /* hundredths of m² */
	int area_suffix;    /* 0 none, 1 "㎡", 2 "平方米": the field defect of the spec */
	char ownership[16]; /* 单独所有 共同共有 按份共有 */
	char share[16];     /* QLBL as written ("50%", "1/2", "全部"), "" when absent */
	int64_t registered_on;
	struct sim_mortgage *mortgages;
	size_t n_mortgages;
	struct sim_seizure *seizures;
	size_t n_seizures;
};

struct sim_vehicle {
	char plate_kind[3]; /* hpzl: 01 02 51 52 */
	char plate[16];
	char vin[18];
	char brand[32];
	char model[32];
	int64_t registered_on;
	char status[8]; /* zt letters as sent, e.g. "GK", possibly an unknown letter */
	int mortgaged;
};

struct sim_employment {
	char employer[96];
	char employer_code[CK_ID_BUF];
	char insurance[16]; /* PENSION MEDICAL UNEMPLOYMENT INJURY MATERNITY */
	int64_t monthly_base;
	char state[12]; /* ACTIVE SUSPENDED ENDED */
	int since_year, since_month;
	int last_paid_year, last_paid_month;
};

struct sim_pension {
	int present;
	int64_t monthly;
	char paying_bank[96];
};

/* E-commerce items, held in page order: shuffled, so that items of every
 * type may come on any page. */
enum sim_item_type { SIM_ITEM_ACCOUNT = 0, SIM_ITEM_CARD, SIM_ITEM_ADDRESS, SIM_ITEM_SPENDING };

struct sim_item {
	enum sim_item_type type;
	/* account */
	char user_id[24];
	char mobile[16];
	int64_t balance;
	int has_fund;
	int64_t fund_balance;
	int64_t frozen;
	/* bound card */
	char bank[96];
	char card_tail[5];
	/* address */
	char address[160];
	int64_t last_used_on;
	/* spending */
	char period[24]; /* "2023-09/2024-02" */
	int64_t total;
	int flights, hotels, luxury;
};

/*
 * What an instance holds about a subject: the status and the records of the
 * instance's kind (the other arrays stay empty).  For SUBJECT_MISMATCH,
 * registered_name is the institution's own name for the identifier.
 * Produced by sim_world_holding(); freed by sim_holding_release().
 */
struct sim_holding {
	enum sim_status status;
	char registered_name[96];
	struct sim_account *accounts;
	size_t n_accounts;
	struct sim_wealth *wealth;
	size_t n_wealth;
	struct sim_property *properties;
	size_t n_properties;
	struct sim_vehicle *vehicles;
	size_t n_vehicles;
	struct sim_employment *employments;
	size_t n_employments;
	struct sim_pension pension;
	struct sim_item *items;
	size_t n_items;
};

/* The instances and the population.  Immutable once made: shared by every
 * server thread without locks. */
struct sim_world {
	uint64_t seed;
	struct sim_instance *instances;
	size_t n_instances;
	struct sim_subject *subjects;
	size_t n_subjects;
	uint32_t *index_slots; /* open addressing over id_no -> subject index + 1 */
	size_t n_slots;
};

/* Makes the default instance set (two or more banks, real-estate centres
 * of two districts, one vehicle registry, one social insurance agency, two
 * platforms) and n_subjects subjects from seed. */
int sim_world_new(uint64_t seed, size_t n_subjects, struct sim_world **out, char *err);
void sim_world_free(struct sim_world *world);

/* The subject with this identifier (a lower-case x or letter is taken as
 * upper case), or NULL. */
const struct sim_subject *sim_world_find(const struct sim_world *world, const char *id_no);
/* The instance with this id, or NULL. */
struct sim_instance *sim_world_instance(const struct sim_world *world, const char *id);

/* Fills *out with what instance holds about subject (deterministic):
 * CK_OK, CK_E_NOMEM or CK_E_USAGE.  Organisations hold nothing at a social
 * insurance instance (not applicable: NOT_FOUND). */
int sim_world_holding(const struct sim_world *world, const struct sim_instance *instance,
                      const struct sim_subject *subject, struct sim_holding *out);
void sim_holding_release(struct sim_holding *h);
/* Drops the accounts opened after `day` (days since 1970-01-01): what the
 * institution answers on that day.  A holding left empty is NOT_FOUND. */
void sim_holding_as_of(struct sim_holding *h, int64_t day);

/* ---- Text buffers: the library's (buf.h) ------------------------------- */

/* ---- Requests and answers (kinds.c) ------------------------------------ */

/*
 * What an instance remembers of one RequestId (common.md idempotency).
 * Owned by the server's registry; kinds read and update it under the
 * registry's lock, which the server holds during a handler call.
 */
struct sim_query {
	char request_id[65];
	uint32_t subject; /* subject index + 1 of the first request; 0 unknown subject */
	char subject_id[CK_ID_BUF];
	uint64_t fingerprint; /* hash of the first request's other fields */
	uint32_t seen;        /* requests with this RequestId, this one included: submissions,
	                         retries and pages; socialsec polls are not counted */
	int64_t first_ms;     /* the first request: answers are dated from it */
	char name[96];        /* the name asked in the first request (truncated) */
	unsigned scope;       /* bank: the scopes of the first request (1 ACCT, 2 WLTH) */
	/* socialsec */
	uint32_t tickets; /* tickets made so far (a new one after expiry) */
	char ticket[32];
	int64_t ticket_created_ms; /* the submission that created the ticket */
	int64_t next_poll_ms;      /* earlier polls or resubmissions count as hammering */
};

struct sim_request {
	const char *method;       /* "POST", "GET" */
	const char *path;         /* after the instance prefix, e.g. "/fi/inquiry" */
	const char *content_type; /* NULL when absent */
	const char *soap_action;  /* NULL when absent */
	const char *request_id;   /* the X-Request-Id header, NULL when absent */
	const char *body;
	size_t body_len;
	int64_t now_ms;    /* the simulator's clock */
	int wrong_subject; /* fault: answer about another subject */
};

struct sim_reply {
	int status;
	const char *content_type;
	struct ck_buf body;
	int retry_after_s; /* < 0: no Retry-After header */
};

/* The server's side of a handler call: the registry entry for a RequestId
 * (created on first sight) and counters of contract breaches. */
struct sim_context {
	const struct sim_world *world;
	const struct sim_instance *instance;
	/* Returns the entry for request_id (creating it with seen = 0), or NULL
	 * when memory runs out.  The caller increments seen. */
	struct sim_query *(*query)(void *server_ctx, const char *request_id);
	/* Looks up a ticket of this instance; NULL when unknown. */
	struct sim_query *(*by_ticket)(void *server_ctx, const char *ticket);
	/* Records a ticket for q (so by_ticket finds it). */
	void (*set_ticket)(void *server_ctx, struct sim_query *q, const char *ticket);
	void (*count_hammering)(void *server_ctx);
	void (*count_discrepancy)(void *server_ctx);
	void *server_ctx;
	/* Compiled request schemas, used only during the call (so under the
	 * server's lock, one thread at a time); NULL: the handler makes a set
	 * for the call, which costs a schema compilation per request. */
	struct ck_xsd_set *xsd;
};

/*
 * Answers one request to ctx->instance: fills reply (status, content type,
 * body, Retry-After).  Never fails: bad requests get 400 (or a SOAP Client
 * fault) with the kind's error document.
 */
void sim_handle(const struct sim_context *ctx, const struct sim_request *rq,
                struct sim_reply *reply);

/*
 * Renders the result document (HTTP 200 body) that instance answers about
 * subject: FOUND, NOT_FOUND or SUBJECT_MISMATCH as the world says, echoing
 * request_id.  page is 1-based (0 reads as 1); only e-commerce has more
 * than one page (of instance->behaviour.page_size items each), and a page
 * beyond the last appends nothing.  Answer times read
 * 2024-03-05T09:30:00+08:00; socialsec renders its 200 Result; real estate
 * appends GB18030 bytes.  For tests and benchmarks.
 */
void sim_render_answer(const struct sim_world *world, const struct sim_instance *instance,
                       const struct sim_subject *subject, const char *request_id, unsigned page,
                       struct ck_buf *out);

/* ---- Generated files (truth.c, filings.c, simconfig.c) ----------------- */

/* The ground truth as JSON (docs/sim.md): per subject and instance, the
 * status and every record, amounts in hundredths, as the institutions
 * answer on day `as_of` (days since 1970-01-01; INT64_MAX: every record,
 * whatever its opening day). */
int sim_write_truth(const struct sim_world *world, int64_t as_of, FILE *out, char *err);

/* first_filed_at 0 means 2024-03-04T09:00:00+08:00; max_gap_s 0 means 5400
 * (an hour and a half).  Filings later than the year 2100, which no case
 * number can carry, are refused with CK_E_RANGE: many cases need a smaller
 * gap. */
struct sim_filings_opts {
	size_t cases;
	int64_t first_filed_at;         /* epoch seconds of the earliest filing */
	int64_t max_gap_s;              /* largest gap between two filings, >= 18 */
	unsigned multi_debtor_permille; /* cases with two or more debtors */
	unsigned terminated_permille;   /* cases filed as terminated */
};

/* A filing CSV (spec/filing.md) whose debtors come from the population,
 * each in at most one case.  CK_E_RANGE when cases > n_subjects. */
int sim_write_filings(const struct sim_world *world, const struct sim_filings_opts *opts, FILE *out,
                      char *err);

/* The engine configuration (schemas/config.xsd) naming every instance at
 * base_url + "/" + id, e.g. base_url "http://127.0.0.1:8080". */
int sim_write_config(const struct sim_world *world, const char *base_url, FILE *out, char *err);

#endif
