/* SPDX-License-Identifier: MIT */
/*
 * report_zh.h (internal to the library): the report's Chinese wording and
 * display forms, shared by report_html.c and report_csv.c so that the page
 * an officer prints and the spreadsheet say the same thing in the same
 * words.
 *
 * Label functions return static strings; a code the vocabulary does not
 * know gives NULL (the caller shows the code as it came: vehicle.md wants
 * unknown status letters kept and shown).  Writers append to a ck_buf and
 * never fail loudly (buf.h).  Nothing here reads the clock: times and
 * "today" come from the report model.
 */
#ifndef CK_REPORT_ZH_H
#define CK_REPORT_ZH_H

#include <stddef.h>
#include <stdint.h>

#include "chakong/buf.h"
#include "chakong/report.h"

/* ---- Vocabulary ---------------------------------------------------------- */

const char *ck_zh_channel(enum ck_channel ch);               /* 存款 */
const char *ck_zh_channel_status(enum ck_channel_status s);  /* 已查询 */
const char *ck_zh_coverage(enum ck_coverage c);              /* 有结果 */
const char *ck_zh_triage(enum ck_triage t);                  /* 可立即执行 */
const char *ck_zh_case_status(const char *status);           /* "active": 执行中 */
const char *ck_zh_subject_kind(enum ck_subject_kind kind);   /* 自然人 */
const char *ck_zh_institution_kind(const char *kind);        /* "bank": 银行 */
const char *ck_zh_asset_kind(const char *kind);              /* "deposit": 存款账户 */
const char *ck_zh_lead_kind(const char *kind);               /* "employer": 工作单位 */
const char *ck_zh_account_type(const char *code);            /* "CACC": 活期账户 */
const char *ck_zh_account_status(const char *code);          /* "FRZN": 冻结 */
const char *ck_zh_plate_kind(const char *code);              /* "02": 小型汽车 */
const char *ck_zh_vehicle_letter(char letter);               /* 'K': 查封 */
const char *ck_zh_insurance(const char *code);               /* "PENSION": 养老保险 */
const char *ck_zh_employment_state(const char *code);        /* "ACTIVE": 在职缴费 */
const char *ck_zh_change(enum ck_report_change change);      /* 新增; "" for none */
const char *ck_zh_change_name(enum ck_report_change change); /* "new"; "" for none */
const char *ck_zh_share_meaning(const char *meaning);        /* "not_stated": 未载明份额 */

/* Whether the letter makes a vehicle unavailable for disposal, and why in
 * a few words (NULL when the letter allows a seizure). */
const char *ck_zh_vehicle_obstacle(char letter);

/* ---- Figures and times ----------------------------------------------------- */

/* An amount in hundredths with thousands separators: "12,345.67". */
void ck_zh_amount(struct ck_buf *b, int64_t minor);
/* An amount with its currency: "12,345.67元" for CNY (or no currency),
 * "USD 1,000.00" otherwise. */
void ck_zh_money(struct ck_buf *b, int64_t minor, const char *currency);
/* A time at an offset as "2024-03-05 09:30" (China Standard Time), or
 * with " (UTC+05:00)" after it at another offset; "—" for 0. */
void ck_zh_time(struct ck_buf *b, int64_t epoch, int offset_min);
/* A date (days since 1970-01-01) as "2024-03-05"; "—" for
 * CK_REPORT_NO_DATE or a date beyond the calendar. */
void ck_zh_date(struct ck_buf *b, int64_t days);
/* The day (days since 1970-01-01) that the epoch falls on at the offset. */
int64_t ck_zh_day_of(int64_t epoch, int offset_min);

/* ---- Sentences ------------------------------------------------------------- */

/* The rule that produced the report's triage, in Chinese, with the case's
 * figures (the model's English rule stays in r->triage_rule). */
void ck_zh_triage_rule(struct ck_buf *b, const struct ck_report *r);

/* What a debtor's channel status means for the officer, in sentences: a
 * channel not (fully) searched is never said to hold nothing, nor one
 * where an institution answered about a subject of another name; real
 * estate names the districts that answered; a channel searched without
 * caveat where nothing was found says so.  Nothing when property was
 * found and there is no caveat. */
void ck_zh_channel_note(struct ck_buf *b, const struct ck_report_debtor *d, enum ck_channel ch);

/* The model's change note ("book balance; status") in Chinese. */
void ck_zh_change_note(struct ck_buf *b, const char *note);

/* ---- Text ------------------------------------------------------------------ */

/* Appends text with every byte that is not well-formed UTF-8, and every
 * control character other than tab, LF and CR, replaced by U+FFFD: the
 * renderings stay valid UTF-8 (and so convert to GB18030) whatever the
 * store holds. */
void ck_zh_clean(struct ck_buf *b, const char *text);

/* The field of a detail with the key, or NULL. */
const struct ck_report_field *ck_zh_field(const struct ck_report_field *fields, size_t n,
                                          const char *key);
/* Its text when it is a non-empty string or integer, else NULL. */
const char *ck_zh_field_text(const struct ck_report_field *fields, size_t n, const char *key);
/* 1 when the field is a true boolean, 0 when false, -1 when absent or null. */
int ck_zh_field_bool(const struct ck_report_field *fields, size_t n, const char *key);

#endif
