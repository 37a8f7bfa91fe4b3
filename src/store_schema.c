/* SPDX-License-Identifier: MIT */
/*
 * store_schema.c: the forward migrations of the store's schema.
 *
 * ck_store_migrations[i] takes a file from user_version i to i + 1.  A
 * migration is never edited once released: a change to the schema is a new
 * entry at the end (and CK_STORE_VERSION in store.h moves with it).  The
 * schema is documented table by table in docs/schema.md; keep both in step.
 *
 * Conventions of the tables: times are UTC epoch seconds (INTEGER) unless
 * the column says _ms or _on (a date as days since 1970-01-01, or TEXT
 * YYYY-MM-DD where the name ends in _date); amounts are INTEGER hundredths
 * with a currency column beside them; every table is STRICT.
 */
#include "store_internal.h"

#include <stddef.h>

/* Schema version 1, one statement per entry. */
static const char *const migration_1[] = {
    /* Facts about the store itself: store_id, a random name minted with the
     * file, salts every RequestId so that two stores never send the same. */
    "CREATE TABLE meta ("
    " key TEXT PRIMARY KEY,"
    " value TEXT NOT NULL"
    ") STRICT",

    /* Cases as filed; case_no is the normalised case number. */
    "CREATE TABLE cases ("
    " id INTEGER PRIMARY KEY,"
    " case_no TEXT NOT NULL UNIQUE,"
    " court_code TEXT NOT NULL,"
    " court_name TEXT NOT NULL,"
    " filed_at INTEGER NOT NULL,"
    " filed_offset_min INTEGER NOT NULL,"
    " officer TEXT NOT NULL,"
    " amount_owed INTEGER NOT NULL CHECK (amount_owed > 0),"
    " currency TEXT NOT NULL DEFAULT 'CNY',"
    " status TEXT NOT NULL CHECK (status IN ('active','terminated','closed')),"
    " terminated_on INTEGER,"
    " imported_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL,"
    " source TEXT NOT NULL,"
    " CHECK ((status = 'terminated') = (terminated_on IS NOT NULL))"
    ") STRICT",
    "CREATE INDEX cases_status ON cases(status, filed_at)",

    /* Debtors of a case.  A debtor dropped by a later filing keeps its row
     * with removed_at set (history) and is no longer queried. */
    "CREATE TABLE debtors ("
    " id INTEGER PRIMARY KEY,"
    " case_id INTEGER NOT NULL REFERENCES cases(id),"
    " position INTEGER NOT NULL,"
    " kind TEXT NOT NULL CHECK (kind IN ('person','org')),"
    " name TEXT NOT NULL,"
    " id_no TEXT NOT NULL,"
    " added_at INTEGER NOT NULL,"
    " removed_at INTEGER,"
    " UNIQUE (case_id, id_no)"
    ") STRICT",
    "CREATE INDEX debtors_id_no ON debtors(id_no)",

    /* Institutions seen in configurations; the configuration file is the
     * authority on what is enabled, this table keeps history for reports. */
    "CREATE TABLE institutions ("
    " id TEXT PRIMARY KEY,"
    " kind TEXT NOT NULL CHECK (kind IN"
    "  ('bank','realestate','vehicle','socialsec','ecommerce')),"
    " name TEXT NOT NULL,"
    " district TEXT,"
    " base_url TEXT NOT NULL,"
    " enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0,1)),"
    " persons_only INTEGER NOT NULL DEFAULT 0 CHECK (persons_only IN (0,1)),"
    " first_seen INTEGER NOT NULL,"
    " last_seen INTEGER NOT NULL"
    ") STRICT",

    /* Inquiry rounds of a case: round 0 on filing, then one per periodic
     * re-inquiry of a terminated case.  deadline is when its report is due. */
    "CREATE TABLE rounds ("
    " case_id INTEGER NOT NULL REFERENCES cases(id),"
    " round INTEGER NOT NULL CHECK (round >= 0),"
    " opened_at INTEGER NOT NULL,"
    " deadline INTEGER NOT NULL,"
    " completed_at INTEGER,"
    " report_written_at INTEGER,"
    " PRIMARY KEY (case_id, round)"
    ") STRICT",

    /* One query per debtor x institution x round.  request_id is minted once
     * and used for every attempt, poll and page.  State follows the
     * lifecycle planned -> in_flight -> answered | waiting | retry | failed |
     * not_applicable; due_at is when the scheduler may act next (retry or
     * poll time), lease_until guards in_flight rows against a crash. */
    "CREATE TABLE queries ("
    " id INTEGER PRIMARY KEY,"
    " request_id TEXT NOT NULL UNIQUE,"
    " case_id INTEGER NOT NULL REFERENCES cases(id),"
    " debtor_id INTEGER NOT NULL REFERENCES debtors(id),"
    " institution_id TEXT NOT NULL REFERENCES institutions(id),"
    " round INTEGER NOT NULL,"
    " state TEXT NOT NULL CHECK (state IN ('planned','in_flight','answered',"
    "  'waiting','retry','failed','not_applicable')),"
    " outcome TEXT CHECK (outcome IN ('FOUND','NOT_FOUND','SUBJECT_MISMATCH')),"
    " reason TEXT,"
    " reason_detail TEXT,"
    " ticket TEXT,"
    " cursor TEXT,"
    " pages INTEGER NOT NULL DEFAULT 0,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " failures INTEGER NOT NULL DEFAULT 0,"
    " due_at INTEGER NOT NULL,"
    " deadline INTEGER NOT NULL,"
    " lease_until INTEGER,"
    " created_at INTEGER NOT NULL,"
    " submitted_at INTEGER,"
    " finished_at INTEGER,"
    " updated_at INTEGER NOT NULL,"
    " UNIQUE (debtor_id, institution_id, round),"
    " FOREIGN KEY (case_id, round) REFERENCES rounds(case_id, round)"
    ") STRICT",
    /* What the scheduler claims: due queries of one institution, earliest
     * report deadline first; and leases to recover after a crash. */
    "CREATE INDEX queries_claim ON queries(institution_id, deadline, id)"
    " WHERE state IN ('planned','retry','waiting')",
    "CREATE INDEX queries_leases ON queries(lease_until) WHERE state = 'in_flight'",
    "CREATE INDEX queries_case ON queries(case_id, round)",

    /* Every HTTP exchange of a query: submit, poll or page. */
    "CREATE TABLE attempts ("
    " id INTEGER PRIMARY KEY,"
    " query_id INTEGER NOT NULL REFERENCES queries(id),"
    " kind TEXT NOT NULL CHECK (kind IN ('submit','poll','page')),"
    " started_at_ms INTEGER NOT NULL,"
    " duration_ms INTEGER,"
    " http_status INTEGER,"
    " error_class TEXT,"
    " detail TEXT"
    ") STRICT",
    "CREATE INDEX attempts_query ON attempts(query_id)",

    /* Bodies as received, zlib-compressed, with the SHA-256 of the bytes
     * before compression.  A rejected answer (hostile, malformed, about the
     * wrong subject) is kept for audit and marked. */
    "CREATE TABLE raw_answers ("
    " id INTEGER PRIMARY KEY,"
    " attempt_id INTEGER NOT NULL REFERENCES attempts(id),"
    " query_id INTEGER NOT NULL REFERENCES queries(id),"
    " received_at INTEGER NOT NULL,"
    " content_type TEXT,"
    " size INTEGER NOT NULL,"
    " sha256 TEXT NOT NULL,"
    " body BLOB NOT NULL,"
    " rejected INTEGER NOT NULL DEFAULT 0 CHECK (rejected IN (0,1)),"
    " reject_reason TEXT"
    ") STRICT",
    "CREATE INDEX raw_answers_query ON raw_answers(query_id)",

    /* Normalised records.  ref is the institution's own key (account,
     * unit id, VIN, product, user id) so that rounds can be compared;
     * enforceable is what a new freeze could reach now (0 for property and
     * for liabilities); detail holds kind-specific fields as JSON. */
    "CREATE TABLE assets ("
    " id INTEGER PRIMARY KEY,"
    " query_id INTEGER NOT NULL REFERENCES queries(id),"
    " debtor_id INTEGER NOT NULL REFERENCES debtors(id),"
    " raw_answer_id INTEGER NOT NULL REFERENCES raw_answers(id),"
    " kind TEXT NOT NULL CHECK (kind IN"
    "  ('deposit','wealth','realestate','vehicle','wallet','fund')),"
    " ref TEXT NOT NULL,"
    " subtype TEXT,"
    " currency TEXT,"
    " book INTEGER,"
    " available INTEGER,"
    " enforceable INTEGER NOT NULL DEFAULT 0,"
    " liability INTEGER NOT NULL DEFAULT 0 CHECK (liability IN (0,1)),"
    " status TEXT,"
    " detail TEXT NOT NULL DEFAULT '{}'"
    ") STRICT",
    "CREATE INDEX assets_query ON assets(query_id)",
    "CREATE INDEX assets_debtor ON assets(debtor_id, kind)",

    /* Encumbrances on an asset: freezes (seq 1 in effect, >1 queued),
     * seizures (first or queued, with queue position) and mortgages. */
    "CREATE TABLE encumbrances ("
    " id INTEGER PRIMARY KEY,"
    " asset_id INTEGER NOT NULL REFERENCES assets(id),"
    " kind TEXT NOT NULL CHECK (kind IN ('freeze','seizure','mortgage')),"
    " authority TEXT,"
    " ref TEXT,"
    " seq INTEGER,"
    " amount INTEGER,"
    " currency TEXT,"
    " starts_on INTEGER,"
    " ends_on INTEGER,"
    " detail TEXT NOT NULL DEFAULT '{}'"
    ") STRICT",
    "CREATE INDEX encumbrances_asset ON encumbrances(asset_id)",

    /* Leads: employers, pensions, bound cards, addresses, spending. */
    "CREATE TABLE leads ("
    " id INTEGER PRIMARY KEY,"
    " query_id INTEGER NOT NULL REFERENCES queries(id),"
    " debtor_id INTEGER NOT NULL REFERENCES debtors(id),"
    " raw_answer_id INTEGER NOT NULL REFERENCES raw_answers(id),"
    " kind TEXT NOT NULL CHECK (kind IN"
    "  ('employer','pension','bound_card','address','spending')),"
    " label TEXT,"
    " code TEXT,"
    " amount INTEGER,"
    " currency TEXT,"
    " detail TEXT NOT NULL DEFAULT '{}'"
    ") STRICT",
    "CREATE INDEX leads_query ON leads(query_id)",

    /* The record of everything done (全程留痕): imports, inquiries,
     * outcomes.  Never updated, never deleted. */
    "CREATE TABLE audit ("
    " id INTEGER PRIMARY KEY,"
    " at INTEGER NOT NULL,"
    " actor TEXT NOT NULL,"
    " action TEXT NOT NULL,"
    " case_no TEXT,"
    " subject TEXT,"
    " institution_id TEXT,"
    " query_id INTEGER,"
    " detail TEXT"
    ") STRICT",
    "CREATE INDEX audit_case ON audit(case_no, at)",
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
    NULL,
};

/*
 * Schema version 2: the same constraints, written without IN lists.  SQLite
 * evaluates `x IN ('a','b','c')` (three items or more) by building a
 * temporary table each time the expression runs, and a CHECK runs at every
 * insert or update of its column: about ten temporary tables per query
 * answered, a fifth of the engine's instructions.  `x = 'a' OR x = 'b' OR
 * x = 'c'` accepts and refuses the same values (NULL alike) with plain
 * comparisons.  The rows already satisfy the constraints, so the tables are
 * not rebuilt: the text of their definitions is changed in place (SQLite's
 * documented procedure for changing a constraint that leaves the stored
 * content valid), including the partial index the scheduler claims through,
 * whose query names the same expression.  The DDL at the end moves the
 * schema cookie so that other connections read the new definitions.
 */
static const char *const migration_2[] = {
    "PRAGMA writable_schema = ON",
    "UPDATE sqlite_schema SET sql = replace(sql, 'status IN"
    " (''active'',''terminated'',''closed'')', 'status = ''active'' OR"
    " status = ''terminated'' OR status = ''closed''') WHERE name = 'cases'",
    "UPDATE sqlite_schema SET sql = replace(sql, 'state IN"
    " (''planned'',''in_flight'',''answered'', "
    " ''waiting'',''retry'',''failed'',''not_applicable'')', 'state ="
    " ''planned'' OR state = ''in_flight'' OR state = ''answered'' OR state"
    " = ''waiting'' OR state = ''retry'' OR state = ''failed'' OR state ="
    " ''not_applicable''') WHERE name = 'queries'",
    "UPDATE sqlite_schema SET sql = replace(sql, 'outcome IN"
    " (''FOUND'',''NOT_FOUND'',''SUBJECT_MISMATCH'')', 'outcome = ''FOUND''"
    " OR outcome = ''NOT_FOUND'' OR outcome = ''SUBJECT_MISMATCH''') WHERE"
    " name = 'queries'",
    "UPDATE sqlite_schema SET sql = replace(sql, 'state IN"
    " (''planned'',''retry'',''waiting'')', 'state = ''planned'' OR state ="
    " ''retry'' OR state = ''waiting''') WHERE name = 'queries_claim'",
    "UPDATE sqlite_schema SET sql = replace(sql, 'kind IN"
    " (''submit'',''poll'',''page'')', 'kind = ''submit'' OR kind ="
    " ''poll'' OR kind = ''page''') WHERE name = 'attempts'",
    "UPDATE sqlite_schema SET sql = replace(sql, 'kind IN "
    " (''deposit'',''wealth'',''realestate'',''vehicle'',''wallet'',''fund'')',"
    " 'kind = ''deposit'' OR kind = ''wealth'' OR kind = ''realestate'' OR"
    " kind = ''vehicle'' OR kind = ''wallet'' OR kind = ''fund''') WHERE"
    " name = 'assets'",
    "UPDATE sqlite_schema SET sql = replace(sql, 'kind IN"
    " (''freeze'',''seizure'',''mortgage'')', 'kind = ''freeze'' OR kind ="
    " ''seizure'' OR kind = ''mortgage''') WHERE name = 'encumbrances'",
    "UPDATE sqlite_schema SET sql = replace(sql, 'kind IN "
    " (''employer'',''pension'',''bound_card'',''address'',''spending'')',"
    " 'kind = ''employer'' OR kind = ''pension'' OR kind = ''bound_card''"
    " OR kind = ''address'' OR kind = ''spending''') WHERE name = 'leads'",
    "UPDATE sqlite_schema SET sql = replace(sql, 'kind IN "
    " (''bank'',''realestate'',''vehicle'',''socialsec'',''ecommerce'')',"
    " 'kind = ''bank'' OR kind = ''realestate'' OR kind = ''vehicle'' OR"
    " kind = ''socialsec'' OR kind = ''ecommerce''') WHERE name = 'institutions'",
    "PRAGMA writable_schema = OFF",
    "CREATE TABLE ck_schema_v2 (x INTEGER) STRICT",
    "DROP TABLE ck_schema_v2",
    NULL,
};

/*
 * Schema version 3: without the indexes of attempts and raw_answers by
 * query.  No statement of chakong reads either table by query_id (results
 * lead to their raw answer and attempt by primary key, the health figures
 * read attempts by time), and queries, whose rows they referenced, are never
 * deleted; each answer stored wrote both indexes at places of their own,
 * with the savepoint's copies of those pages: 2 % of the engine's
 * instructions per answer.
 */
static const char *const migration_3[] = {
    "DROP INDEX IF EXISTS attempts_query",
    "DROP INDEX IF EXISTS raw_answers_query",
    NULL,
};

/*
 * Schema version 4: rounds remember how many of their queries had ended
 * when the report was written (report_settled), so that a report is due
 * again exactly when another query of its round ends.  Comparing times
 * (the last answer's against the report's) could not tell an answer stored
 * in the same second as the report, nor hold under a clock set back, and
 * made a writer killed in the middle start all over.  A report written
 * after the last answer of its round is taken as up to date; any other
 * (NULL) is written once more.
 */
static const char *const migration_4[] = {
    "ALTER TABLE rounds ADD COLUMN report_settled INTEGER",
    "UPDATE rounds SET report_settled = ("
    "  SELECT count(*) FROM queries q WHERE q.case_id = rounds.case_id"
    "   AND q.round = rounds.round AND (q.state = 'answered' OR q.state = 'failed'"
    "   OR q.state = 'not_applicable'))"
    " WHERE report_written_at > ifnull((SELECT max(finished_at) FROM queries q"
    "  WHERE q.case_id = rounds.case_id AND q.round = rounds.round), 0)",
    NULL,
};

/*
 * Schema version 5: without the index of debtors by identity number alone.
 * Every statement of chakong that finds a debtor by number also names the
 * case, and so goes through UNIQUE (case_id, id_no).  Identity numbers arrive
 * in no order, so each import wrote that index at a random place: with a
 * million debtors nearly every page of it was rewritten at every commit, a
 * third of an import's time.
 */
static const char *const migration_5[] = {
    "DROP INDEX IF EXISTS debtors_id_no",
    NULL,
};

const char *const *const ck_store_migrations[] = {
    migration_1, migration_2, migration_3, migration_4, migration_5,
};

const int ck_store_migration_count =
    (int)(sizeof ck_store_migrations / sizeof ck_store_migrations[0]);
