/* SPDX-License-Identifier: MIT */
/*
 * report_zh.c: the Chinese wording and display forms of the report (see
 * report_zh.h).  The vocabulary follows the specs: account types and
 * statuses (bank.md), plate kinds and status letters (vehicle.md), shares
 * (realestate.md), insurances and employment states (socialsec.md).
 *
 * Sections: vocabulary; figures and times; sentences; text.
 */
#include <string.h>

#include "chakong/amount.h"
#include "chakong/timeutil.h"
#include "report_zh.h"
#include "textenc.h"

/* ---- Vocabulary ---------------------------------------------------------- */

struct word {
	const char *code, *zh;
};

static const char *
lookup(const struct word *words, size_t n, const char *code)
{
	if (code == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strcmp(words[i].code, code) == 0)
			return words[i].zh;
	return NULL;
}

#define LOOKUP(words, code) lookup(words, sizeof words / sizeof words[0], code)

static const char *const channels[CK_CH_COUNT_] = {
    "存款", "不动产", "车辆", "证券", "社保", "网络平台",
};

const char *
ck_zh_channel(enum ck_channel ch)
{
	return (unsigned)ch < CK_CH_COUNT_ ? channels[ch] : NULL;
}

static const char *const channel_statuses[CK_CHS_COUNT_] = {
    "已查询", "部分查询", "未查询", "未配置", "不适用",
};

const char *
ck_zh_channel_status(enum ck_channel_status s)
{
	return (unsigned)s < CK_CHS_COUNT_ ? channel_statuses[s] : NULL;
}

static const char *const coverages[CK_COV_COUNT_] = {
    "有结果", "无结果", "身份不符", "等待中", "失败", "不适用", "未查询",
};

const char *
ck_zh_coverage(enum ck_coverage c)
{
	return (unsigned)c < CK_COV_COUNT_ ? coverages[c] : NULL;
}

static const char *const triages[CK_TRIAGE_COUNT_] = {
    "可立即执行",
    "处置财产后可执行",
    "查询未完成",
    "未发现可供执行财产",
};

const char *
ck_zh_triage(enum ck_triage t)
{
	return (unsigned)t < CK_TRIAGE_COUNT_ ? triages[t] : NULL;
}

static const struct word case_statuses[] = {
    {"active", "执行中"},
    {"terminated", "终结本次执行"},
    {"closed", "已结案"},
};

const char *
ck_zh_case_status(const char *status)
{
	return LOOKUP(case_statuses, status);
}

const char *
ck_zh_subject_kind(enum ck_subject_kind kind)
{
	return kind == CK_SUBJECT_ORG ? "法人或其他组织" : "自然人";
}

static const struct word institution_kinds[] = {
    {"bank", "银行"},          {"realestate", "不动产登记"}, {"vehicle", "车辆登记"},
    {"socialsec", "社会保险"}, {"ecommerce", "网络平台"},
};

const char *
ck_zh_institution_kind(const char *kind)
{
	return LOOKUP(institution_kinds, kind);
}

static const struct word asset_kinds[] = {
    {"deposit", "存款账户"}, {"wealth", "理财产品"},         {"realestate", "不动产"},
    {"vehicle", "车辆"},     {"wallet", "网络平台账户余额"}, {"fund", "网络平台基金"},
};

const char *
ck_zh_asset_kind(const char *kind)
{
	return LOOKUP(asset_kinds, kind);
}

static const struct word lead_kinds[] = {
    {"employer", "工作单位"}, {"pension", "养老金"},    {"bound_card", "绑定银行卡"},
    {"address", "收货地址"},  {"spending", "消费记录"},
};

const char *
ck_zh_lead_kind(const char *kind)
{
	return LOOKUP(lead_kinds, kind);
}

/* bank.md: Acct/Tp and Acct/Sts. */
static const struct word account_types[] = {
    {"CACC", "活期账户"}, {"SVGS", "储蓄账户"}, {"TDEP", "定期存款"},
    {"LOAN", "贷款"},     {"CARD", "信用卡"},
};

const char *
ck_zh_account_type(const char *code)
{
	return LOOKUP(account_types, code);
}

static const struct word account_statuses[] = {
    {"ENAB", "正常"},
    {"DORM", "久悬"},
    {"FRZN", "冻结"},
    {"CLOS", "已销户"},
};

const char *
ck_zh_account_status(const char *code)
{
	return LOOKUP(account_statuses, code);
}

/* vehicle.md: hpzl, the common kinds. */
static const struct word plate_kinds[] = {
    {"01", "大型汽车"},       {"02", "小型汽车"},       {"07", "两、三轮摩托车"},
    {"51", "大型新能源汽车"}, {"52", "小型新能源汽车"},
};

const char *
ck_zh_plate_kind(const char *code)
{
	return LOOKUP(plate_kinds, code);
}

/* vehicle.md, "Status letters": meaning, and what keeps the vehicle out of
 * disposal (NULL: seizable; K queues and L is held, both still count). */
struct letter {
	char letter;
	const char *meaning, *obstacle;
};

static const struct letter letters[] = {
    {'A', "正常", NULL},
    {'B', "转出", "已转出本登记地"},
    {'C', "被盗抢", "被盗抢，实际无法查封"},
    {'D', "停驶", NULL},
    {'E', "注销", "已注销"},
    {'G', "违法未处理", NULL},
    {'H', "海关监管", "海关监管，处置受限"},
    {'I', "事故未处理", NULL},
    {'J', "嫌疑车", "嫌疑车，处置受限"},
    {'K', "查封", NULL},
    {'L', "暂扣", NULL},
    {'M', "强制注销", "已强制注销"},
    {'N', "事故逃逸", "事故逃逸，处置受限"},
    {'O', "锁定", "已锁定，处置受限"},
    {'P', "达到报废标准", "达到报废标准，价值低"},
    {'Q', "逾期未检验", NULL},
};

static const struct letter *
find_letter(char c)
{
	for (size_t i = 0; i < sizeof letters / sizeof letters[0]; i++)
		if (letters[i].letter == c)
			return &letters[i];
	return NULL;
}

const char *
ck_zh_vehicle_letter(char letter)
{
	const struct letter *l = find_letter(letter);
	return l ? l->meaning : NULL;
}

const char *
ck_zh_vehicle_obstacle(char letter)
{
	const struct letter *l = find_letter(letter);
	return l ? l->obstacle : "状态代码未知";
}

static const struct word insurances[] = {
    {"PENSION", "养老保险"}, {"MEDICAL", "医疗保险"},   {"UNEMPLOYMENT", "失业保险"},
    {"INJURY", "工伤保险"},  {"MATERNITY", "生育保险"},
};

const char *
ck_zh_insurance(const char *code)
{
	return LOOKUP(insurances, code);
}

static const struct word employment_states[] = {
    {"ACTIVE", "在职缴费"},
    {"SUSPENDED", "暂停缴费"},
    {"ENDED", "已终止"},
};

const char *
ck_zh_employment_state(const char *code)
{
	return LOOKUP(employment_states, code);
}

const char *
ck_zh_change(enum ck_report_change change)
{
	switch (change) {
	case CK_CHANGE_NEW: return "新增";
	case CK_CHANGE_CHANGED: return "变化";
	case CK_CHANGE_VANISHED: return "已消失";
	default: return "";
	}
}

const char *
ck_zh_change_name(enum ck_report_change change)
{
	switch (change) {
	case CK_CHANGE_NEW: return "new";
	case CK_CHANGE_CHANGED: return "changed";
	case CK_CHANGE_VANISHED: return "vanished";
	default: return "";
	}
}

static const struct word share_meanings[] = {
    {"whole", "全部（单独所有）"},
    {"not_stated", "未载明份额"},
};

const char *
ck_zh_share_meaning(const char *meaning)
{
	return LOOKUP(share_meanings, meaning);
}

/* ---- Figures and times ----------------------------------------------------- */

void
ck_zh_amount(struct ck_buf *b, int64_t minor)
{
	char text[CK_AMOUNT_BUF];
	if (ck_amount_format(minor, text, sizeof text) <= 0) {
		b->failed = 1;
		return;
	}
	const char *digits = text[0] == '-' ? text + 1 : text;
	const char *dot = strchr(digits, '.');
	size_t n = dot ? (size_t)(dot - digits) : strlen(digits);
	if (digits != text)
		ck_buf_add(b, "-", 1);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			ck_buf_add(b, ",", 1);
		ck_buf_add(b, digits + i, 1);
	}
	if (dot)
		ck_buf_puts(b, dot);
}

void
ck_zh_money(struct ck_buf *b, int64_t minor, const char *currency)
{
	if (currency == NULL || *currency == '\0' || strcmp(currency, "CNY") == 0) {
		ck_zh_amount(b, minor);
		ck_buf_puts(b, "元");
		return;
	}
	ck_zh_clean(b, currency);
	ck_buf_puts(b, " ");
	ck_zh_amount(b, minor);
}

void
ck_zh_time(struct ck_buf *b, int64_t epoch, int offset_min)
{
	char text[CK_TIME_BUF];
	if (epoch == 0 || ck_time_format(epoch, offset_min, text, sizeof text) != 0) {
		ck_buf_puts(b, "—");
		return;
	}
	/* "2024-03-05T09:30:00+08:00": date, hours and minutes, offset. */
	ck_buf_add(b, text, 10);
	ck_buf_add(b, " ", 1);
	ck_buf_add(b, text + 11, 5);
	if (offset_min != CK_DEFAULT_OFFSET_MIN)
		ck_buf_printf(b, " (UTC%s)", text + 19);
}

void
ck_zh_date(struct ck_buf *b, int64_t days)
{
	char text[CK_DATE_BUF];
	if (days == CK_REPORT_NO_DATE || ck_date_format(days, text, sizeof text) != 0)
		ck_buf_puts(b, "—");
	else
		ck_buf_puts(b, text);
}

int64_t
ck_zh_day_of(int64_t epoch, int offset_min)
{
	int64_t local = epoch + (int64_t)offset_min * 60;
	int64_t day = local / 86400;
	return local % 86400 < 0 ? day - 1 : day;
}

/* ---- Sentences ------------------------------------------------------------- */

void
ck_zh_triage_rule(struct ck_buf *b, const struct ck_report *r)
{
	int64_t cny = 0;
	int realestate = 0, vehicles = 0;
	for (size_t i = 0; i < r->n_totals; i++)
		if (strcmp(r->totals[i].currency, "CNY") == 0)
			cny = r->totals[i].enforceable;
	for (size_t d = 0; d < r->n_debtors; d++) {
		realestate += r->debtors[d].n_realestate;
		vehicles += r->debtors[d].n_seizable_vehicles;
	}
	ck_buf_puts(b, "人民币可冻结金额");
	ck_zh_money(b, cny, "CNY");
	switch (r->triage) {
	case CK_TRIAGE_ENFORCEABLE_NOW:
		ck_buf_puts(b, "，不少于申请执行标的");
		ck_zh_money(b, r->amount_owed, "CNY");
		ck_buf_puts(b, "：冻结、扣划后即可执行。");
		break;
	case CK_TRIAGE_AFTER_DISPOSAL:
		ck_buf_puts(b, "，不足申请执行标的");
		ck_zh_money(b, r->amount_owed, "CNY");
		ck_buf_printf(b, "；已发现不动产%d处、可查封车辆%d辆：查封、处置后可执行。",
		              realestate, vehicles);
		break;
	case CK_TRIAGE_INCOMPLETE:
		ck_buf_puts(b, "，不足申请执行标的");
		ck_zh_money(b, r->amount_owed, "CNY");
		ck_buf_puts(b, "，目前未发现不动产或可查封车辆；");
		if (r->pending > 0 || r->failed > 0)
			ck_buf_printf(b,
			              "但尚有%d项查询未答复、%d项查询失败：查询完成前不能认定"
			              "未发现财产。",
			              r->pending, r->failed);
		else
			ck_buf_printf(b,
			              "但有%d项答复所涉被查询人的名称与立案信息不符：请先核对"
			              "立案信息，再认定是否有可供执行的财产。",
			              r->mismatches);
		break;
	default:
		ck_buf_puts(b, "，不足申请执行标的");
		ck_zh_money(b, r->amount_owed, "CNY");
		ck_buf_puts(b, "；所有已查询机构均已答复，未发现不动产或可查封车辆。");
	}
	/* Short of the debt is not nothing: what was found is still frozen. */
	int liquid = 0;
	for (size_t i = 0; i < r->n_totals; i++)
		liquid += r->totals[i].enforceable > 0;
	if (liquid && r->triage != CK_TRIAGE_ENFORCEABLE_NOW)
		ck_buf_puts(b, "已发现的可冻结资金仍应及时冻结、扣划。");
}

void
ck_zh_channel_note(struct ck_buf *b, const struct ck_report_debtor *d, enum ck_channel ch)
{
	const struct ck_report_channel *c = &d->channels[ch];
	const char *kind = ck_channel_kind(ch);
	int mismatches = 0;
	for (size_t i = 0; kind != NULL && i < d->n_coverage; i++)
		mismatches += d->coverage[i].outcome == CK_COV_MISMATCH &&
		              strcmp(d->coverage[i].kind, kind) == 0;
	int districts = ch == CK_CH_REALESTATE && c->answered > 0;
	int nothing = c->status == CK_CHS_SEARCHED && c->found == 0 && mismatches == 0;
	if (c->status == CK_CHS_NOT_APPLICABLE ||
	    (c->status == CK_CHS_SEARCHED && !mismatches && !districts && !nothing))
		return;
	const char *must =
	    ck_channel_required_for_termination(ch) ? "该渠道属终结本次执行前必须查询的范围，" : "";
	ck_buf_printf(b, "%s：", ck_zh_channel(ch));
	switch (c->status) {
	case CK_CHS_NOT_CONFIGURED:
		ck_buf_printf(b, "未配置查询机构，本轮未查询；%s不能认定被执行人无此类财产。",
		              must);
		break;
	case CK_CHS_NOT_SEARCHED:
		ck_buf_printf(b,
		              "已配置的%d个机构均未答复（等待%d个，失败%d个），本轮未查询；"
		              "%s不能认定被执行人无此类财产。",
		              c->asked, c->pending, c->failed, must);
		break;
	case CK_CHS_PARTIAL:
		ck_buf_printf(b,
		              "%d个机构中%d个已答复（等待%d个，失败%d个），仅部分查询；"
		              "%s不能认定被执行人无此类财产。",
		              c->asked, c->answered, c->pending, c->failed, must);
		break;
	default: break;
	}
	if (mismatches > 0)
		ck_buf_printf(b,
		              "%d个机构答复的被查询人名称与立案信息不符，请核对立案信息；"
		              "不能据此认定被执行人无此类财产。",
		              mismatches);
	if (districts) {
		/* realestate.md: a centre answers for its own district only. */
		ck_buf_puts(b, "已答复的登记区域为");
		ck_zh_clean(b, *c->districts ? c->districts : "（未载明）");
		ck_buf_puts(b,
		            c->found == 0 && mismatches == 0 ? "，在上述区域未发现登记；" : "；");
		ck_buf_puts(b, "其他区域的不动产未查询。");
	} else if (nothing) {
		ck_buf_puts(b, "已查询，未发现。");
	}
}

/* The model's change note names what differs, "; "-separated. */
static const struct word change_parts[] = {
    {"book balance", "账面余额"},         {"available balance", "可用余额"},
    {"enforceable", "可冻结金额"},        {"status", "状态"},
    {"encumbrances", "冻结、查封或抵押"},
};

void
ck_zh_change_note(struct ck_buf *b, const char *note)
{
	const char *p = note;
	int first = 1;
	while (p && *p) {
		const char *end = strstr(p, "; ");
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char part[64];
		const char *zh = NULL;
		if (len < sizeof part) {
			memcpy(part, p, len);
			part[len] = '\0';
			zh = LOOKUP(change_parts, part);
		}
		if (!first)
			ck_buf_puts(b, "、");
		if (zh)
			ck_buf_puts(b, zh);
		else if (len < sizeof part)
			ck_zh_clean(b, part);
		first = 0;
		p = end ? end + 2 : NULL;
	}
	if (!first)
		ck_buf_puts(b, "有变化");
}

/* ---- Text ------------------------------------------------------------------ */

void
ck_zh_clean(struct ck_buf *b, const char *text)
{
	static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */
	const unsigned char *p = (const unsigned char *)(text ? text : "");
	size_t n = strlen((const char *)p);
	size_t start = 0, i = 0;
	while (i < n) {
		uint32_t cp;
		size_t len = ck_utf8_seq(p + i, n - i, &cp);
		int bad =
		    len == 0 || (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0x7F;
		if (!bad) {
			i += len;
			continue;
		}
		ck_buf_add(b, (const char *)p + start, i - start);
		ck_buf_add(b, replacement, sizeof replacement - 1);
		i += len ? len : 1;
		start = i;
	}
	ck_buf_add(b, (const char *)p + start, n - start);
}

const struct ck_report_field *
ck_zh_field(const struct ck_report_field *fields, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(fields[i].key, key) == 0)
			return &fields[i];
	return NULL;
}

const char *
ck_zh_field_text(const struct ck_report_field *fields, size_t n, const char *key)
{
	const struct ck_report_field *f = ck_zh_field(fields, n, key);
	if (f == NULL || (f->type != 's' && f->type != 'i') || *f->value == '\0')
		return NULL;
	return f->value;
}

int
ck_zh_field_bool(const struct ck_report_field *fields, size_t n, const char *key)
{
	const struct ck_report_field *f = ck_zh_field(fields, n, key);
	if (f == NULL || f->type != 'b')
		return -1;
	return strcmp(f->value, "1") == 0;
}
