/* SPDX-License-Identifier: MIT */
/*
 * report_html.c: the report as one self-contained HTML page for case
 * officers: Chinese labels, an inline stylesheet that also lays the page
 * out on A4 for the case file, no script, no external resource of any
 * kind.  The wording it shares with the CSV is in report_zh.c; what the
 * report claims and by which rules is docs/report.md.
 *
 * Identifiers of people and accounts are masked unless opt->reveal:
 * debtors' ID numbers (ck_ids_mask_id); bank account numbers, platform
 * user ids, mobile numbers and card numbers longer than a tail
 * (ck_ids_mask_account).  Property identifiers (real-estate unit and
 * certificate numbers, plates, VINs), wealth product codes, employers'
 * credit codes and other courts' case numbers are shown: they name what
 * is to be seized, not a person's account.
 *
 * Sections: text and cells; the case; coverage; assets; leads; the page.
 */
#include <stdlib.h>
#include <string.h>

#include "chakong/error.h"
#include "chakong/report.h"
#include "report_zh.h"

struct html {
	struct ck_buf *b;
	const struct ck_report *r;
	int reveal;
	int offset;    /* the case's offset, minutes */
	int64_t today; /* the day the report is built for, at that offset */
	int changes;   /* a re-inquiry round: show what changed */
};

/* ---- Text and cells --------------------------------------------------------- */

static void
lit(struct html *h, const char *markup)
{
	ck_buf_puts(h->b, markup);
}

/* Text from the store or an institution, escaped and cleaned. */
static void
esc(struct html *h, const char *text)
{
	struct ck_buf clean = {0};
	ck_zh_clean(&clean, text);
	if (clean.failed)
		h->b->failed = 1;
	else if (clean.data)
		ck_buf_xml(h->b, clean.data);
	ck_buf_release(&clean);
}

/* Text, or a dash when there is none. */
static void
esc_or_dash(struct html *h, const char *text)
{
	if (text == NULL || *text == '\0')
		lit(h, "—");
	else
		esc(h, text);
}

/* A label from the vocabulary, or the code as it came. */
static void
label(struct html *h, const char *zh, const char *code)
{
	if (zh != NULL)
		lit(h, zh);
	else
		esc_or_dash(h, code);
}

static void
id_no(struct html *h, const char *id)
{
	char masked[CK_MASK_BUF];
	if (h->reveal) {
		esc_or_dash(h, id);
		return;
	}
	ck_ids_mask_id(id, masked, sizeof masked);
	esc_or_dash(h, masked);
}

static void
account(struct html *h, const char *ref)
{
	char masked[CK_MASK_BUF];
	if (h->reveal) {
		esc_or_dash(h, ref);
		return;
	}
	ck_ids_mask_account(ref, masked, sizeof masked);
	esc_or_dash(h, masked);
}

static void
money(struct html *h, int64_t minor, const char *currency)
{
	ck_zh_money(h->b, minor, currency);
}

static void
small(struct html *h, const char *prefix, const char *text)
{
	if (text == NULL || *text == '\0')
		return;
	lit(h, "<br><small>");
	lit(h, prefix);
	esc(h, text);
	lit(h, "</small>");
}

static void
table_begin(struct html *h, const char *cls, const char *const *heads, size_t n)
{
	ck_buf_printf(h->b, "<table class=\"%s\">\n<thead><tr>", cls);
	for (size_t i = 0; i < n; i++)
		ck_buf_printf(h->b, "<th>%s</th>", heads[i]);
	if (h->changes)
		lit(h, "<th>变动</th>");
	lit(h, "</tr></thead>\n<tbody>\n");
}

static void
table_end(struct html *h)
{
	lit(h, "</tbody>\n</table>\n");
}

#define TABLE(h, cls, heads) table_begin(h, cls, heads, sizeof heads / sizeof heads[0])

/* The change cell of an asset's row, on re-inquiry rounds. */
static void
change_cell(struct html *h, const struct ck_report_asset *a)
{
	if (!h->changes)
		return;
	switch (a->change) {
	case CK_CHANGE_NEW: lit(h, "<td class=\"change new\">新增</td>"); break;
	case CK_CHANGE_CHANGED:
		lit(h, "<td class=\"change changed\">变化<br><small>");
		ck_zh_change_note(h->b, a->change_note);
		lit(h, "</small></td>");
		break;
	case CK_CHANGE_VANISHED: lit(h, "<td class=\"change\">已消失</td>"); break;
	default: lit(h, "<td>—</td>");
	}
}

static const char *
text_of(const struct ck_report_asset *a, const char *key)
{
	return ck_zh_field_text(a->fields, a->n_fields, key);
}

static void
date_field(struct html *h, const struct ck_report_field *fields, size_t n, const char *key)
{
	esc_or_dash(h, ck_zh_field_text(fields, n, key));
}

/* ---- The case ---------------------------------------------------------------- */

static void
deadline_text(struct html *h)
{
	const struct ck_report *r = h->r;
	ck_zh_time(h->b, r->deadline, h->offset);
	if (r->complete && r->deadline_met) {
		lit(h, " <strong class=\"ok\">已按期</strong>（查询于");
		ck_zh_time(h->b, r->completed_at, h->offset);
		lit(h, "全部完成）");
	} else if (r->complete) {
		lit(h, " <strong class=\"bad\">逾期</strong>（查询于");
		ck_zh_time(h->b, r->completed_at, h->offset);
		lit(h, "才全部完成）");
	} else if (r->overdue) {
		lit(h, " <strong class=\"bad\">逾期</strong>（查询尚未全部完成）");
	} else {
		lit(h, " <strong>进行中</strong>（查询尚未全部完成）");
	}
}

static void
round_text(struct html *h)
{
	const struct ck_report *r = h->r;
	if (r->round == 0 || r->previous_round < 0) {
		ck_buf_printf(h->b, "首次查询（轮次 %d）", r->round);
		return;
	}
	ck_buf_printf(h->b, "第%d次复查（轮次 %d；上一轮：轮次 %d）", r->round, r->round,
	              r->previous_round);
}

static void
case_header(struct html *h, const struct ck_report_render *opt)
{
	const struct ck_report *r = h->r;
	lit(h, "<header class=\"doc\">\n<p class=\"court\">");
	esc_or_dash(h, r->court_name);
	lit(h, "</p>\n<h1>执行案件财产查询报告</h1>\n");
	if (opt != NULL && opt->title != NULL && *opt->title) {
		lit(h, "<p class=\"subtitle\">");
		esc(h, opt->title);
		lit(h, "</p>\n");
	}
	lit(h, "<table class=\"meta\">\n<tbody>\n<tr><th>案号</th><td>");
	esc_or_dash(h, r->case_no);
	lit(h, "</td><th>法院</th><td>");
	esc_or_dash(h, r->court_name);
	lit(h, "（");
	esc_or_dash(h, r->court_code);
	lit(h, "）</td></tr>\n<tr><th>承办人</th><td>");
	esc_or_dash(h, r->officer);
	lit(h, "</td><th>立案时间</th><td>");
	ck_zh_time(h->b, r->filed_at, h->offset);
	lit(h, "</td></tr>\n<tr><th>申请执行标的</th><td>");
	money(h, r->amount_owed, r->currency);
	lit(h, "</td><th>案件状态</th><td>");
	label(h, ck_zh_case_status(r->status), r->status);
	if (r->has_terminated_on) {
		lit(h, "（");
		ck_zh_date(h->b, r->terminated_on);
		lit(h, "）");
	}
	lit(h, "</td></tr>\n<tr><th>查询轮次</th><td>");
	round_text(h);
	lit(h, "</td><th>本轮开始</th><td>");
	ck_zh_time(h->b, r->opened_at, h->offset);
	lit(h, "</td></tr>\n<tr><th>报告期限</th><td>");
	deadline_text(h);
	lit(h, "</td><th>报告生成</th><td>");
	ck_zh_time(h->b, r->built_at, h->offset);
	lit(h, "</td></tr>\n</tbody>\n</table>\n</header>\n");
}

static const char *const triage_classes[CK_TRIAGE_COUNT_] = {
    "t-now",
    "t-disposal",
    "t-incomplete",
    "t-none",
};

static void
triage_box(struct html *h)
{
	const struct ck_report *r = h->r;
	ck_buf_printf(h->b, "<section class=\"triage %s\">\n",
	              (unsigned)r->triage < CK_TRIAGE_COUNT_ ? triage_classes[r->triage]
	                                                     : "t-none");
	lit(h, "<p class=\"triage-label\">分流结论</p>\n<p class=\"triage-class\">");
	label(h, ck_zh_triage(r->triage), ck_triage_name(r->triage));
	lit(h, "</p>\n<p class=\"triage-rule\">");
	ck_zh_triage_rule(h->b, r);
	lit(h, "</p>\n<p class=\"rule-en\" lang=\"en\">Rule: ");
	esc_or_dash(h, r->triage_rule);
	lit(h, "</p>\n");
	if (r->previous_round >= 0) {
		if (r->new_property)
			lit(h, "<p class=\"new-property\">发现新财产：本轮复查发现上一轮没有的财产"
			       "（见标注“新增”的各行），可依法恢复执行。</p>\n");
		else
			lit(h, r->complete ? "<p>本轮复查未发现新财产。</p>\n"
			                   : "<p>本轮复查尚未完成，目前未发现新财产。</p>\n");
	}
	if (r->termination_coverage)
		lit(h, "<p>存款、车辆、不动产、证券四类财产均已查询完毕，符合终结本次执行前"
		       "网络查控的范围要求。</p>\n");
	else
		lit(h, "<p>存款、车辆、不动产、证券四类财产尚未全部查询完毕（见各被执行人的"
		       "查询渠道表），本报告不能作为已完成终结本次执行前网络查控的依据。</p>\n");
	if (r->pending || r->failed || r->mismatches)
		ck_buf_printf(
		    h->b,
		    "<p>未答复 %d 项，查询失败 %d 项，身份不符 %d 项（详见各机构查询情况）。"
		    "</p>\n",
		    r->pending, r->failed, r->mismatches);
	lit(h, "</section>\n");
}

static void
totals_table(struct html *h, const struct ck_report_total *t, size_t n)
{
	static const char *const heads[] = {"币种", "可冻结金额", "计入的财产数", "负债（不计入）"};
	int changes = h->changes;
	h->changes = 0;
	TABLE(h, "totals", heads);
	h->changes = changes;
	for (size_t i = 0; i < n; i++) {
		lit(h, "<tr><td>");
		esc(h, t[i].currency);
		lit(h, "</td><td class=\"num\"><strong>");
		money(h, t[i].enforceable, t[i].currency);
		ck_buf_printf(h->b, "</strong></td><td class=\"num\">%d</td><td class=\"num\">",
		              t[i].n_liquid);
		if (t[i].liabilities)
			money(h, t[i].liabilities, t[i].currency);
		else
			lit(h, "—");
		lit(h, "</td></tr>\n");
	}
	table_end(h);
}

static void
case_totals(struct html *h)
{
	const struct ck_report *r = h->r;
	lit(h, "<section class=\"totals\">\n<h2>可供执行金额（按币种）</h2>\n");
	if (r->n_totals == 0)
		lit(h, "<p>本轮答复中没有存款、理财产品或网络平台资金。</p>\n");
	else
		totals_table(h, r->totals, r->n_totals);
	lit(h, "<p class=\"note\">可冻结金额是新的冻结现在可及的数额，按各机构答复计算：存款账户"
	       "取可用余额（不小于零），理财产品取市值，网络平台取余额与基金之和减去已冻结部分"
	       "（不小于零）。不同币种分列，不折算、不相加。贷款、信用卡及负余额列为负债，不计入"
	       "也不扣减。不动产和车辆只计数，不估价。</p>\n</section>\n");
}

/* ---- Coverage ---------------------------------------------------------------- */

static void
channels_table(struct html *h, const struct ck_report_debtor *d)
{
	static const char *const heads[] = {"渠道",        "终本必查", "状态",
	                                    "已答复/查询", "有结果",   "说明"};
	int changes = h->changes, missing = 0;
	for (int ch = 0; ch < CK_CH_COUNT_; ch++)
		missing += ck_channel_required_for_termination((enum ck_channel)ch) &&
		           d->channels[ch].status != CK_CHS_SEARCHED;
	if (missing) {
		lit(h, "<p class=\"warn\">注意：终结本次执行前必须查询的渠道中，");
		int first = 1;
		for (int ch = 0; ch < CK_CH_COUNT_; ch++) {
			const struct ck_report_channel *c = &d->channels[ch];
			if (!ck_channel_required_for_termination(c->channel) ||
			    c->status == CK_CHS_SEARCHED)
				continue;
			lit(h, first ? "" : "、");
			lit(h, ck_zh_channel(c->channel));
			first = 0;
		}
		lit(h, "未查询完毕，不能认定被执行人无此类财产。</p>\n");
	}
	h->changes = 0;
	TABLE(h, "channels", heads);
	h->changes = changes;
	for (int ch = 0; ch < CK_CH_COUNT_; ch++) {
		const struct ck_report_channel *c = &d->channels[ch];
		int required = ck_channel_required_for_termination(c->channel);
		int caveat = c->status != CK_CHS_SEARCHED && c->status != CK_CHS_NOT_APPLICABLE;
		ck_buf_printf(h->b,
		              "<tr%s><td class=\"nw\">%s</td><td class=\"nw\">%s</td><td "
		              "class=\"nw\">%s</td>",
		              caveat && required ? " class=\"gap\"" : "", ck_zh_channel(c->channel),
		              required ? "是" : "否", ck_zh_channel_status(c->status));
		ck_buf_printf(h->b, "<td class=\"num\">%d/%d</td><td class=\"num\">%d</td><td>",
		              c->answered, c->asked, c->found);
		struct ck_buf note = {0};
		ck_zh_channel_note(&note, d, c->channel);
		if (note.failed)
			h->b->failed = 1;
		else
			esc_or_dash(h, note.data);
		ck_buf_release(&note);
		lit(h, "</td></tr>\n");
	}
	table_end(h);
}

static void
coverage_note(struct html *h, const struct ck_report_coverage *c)
{
	switch (c->outcome) {
	case CK_COV_FOUND:
	case CK_COV_NOT_FOUND:
		lit(h, "答复于");
		ck_zh_time(h->b, c->answered_at, h->offset);
		break;
	case CK_COV_MISMATCH:
		lit(h, "机构所载名称：");
		esc_or_dash(h, c->detail);
		lit(h, "；请核对立案信息");
		break;
	case CK_COV_PENDING:
		lit(h, "自");
		ck_zh_time(h->b, c->since, h->offset);
		lit(h, "起等待答复");
		if (*c->ticket) {
			lit(h, "；回执号 ");
			esc(h, c->ticket);
		}
		ck_buf_printf(h->b, "；已联系 %d 次", c->attempts);
		break;
	case CK_COV_FAILED:
		lit(h, "原因：");
		esc_or_dash(h, c->reason);
		if (*c->detail) {
			lit(h, "（");
			esc(h, c->detail);
			lit(h, "）");
		}
		ck_buf_printf(h->b, "；共尝试 %d 次", c->attempts);
		break;
	case CK_COV_NOT_APPLICABLE: lit(h, "不适用于该被执行人"); break;
	default: lit(h, "本轮未向该机构发出查询");
	}
}

static void
coverage_table(struct html *h, const struct ck_report_debtor *d)
{
	static const char *const heads[] = {"机构", "类别", "结果", "说明", "请求编号"};
	if (d->n_coverage == 0) {
		lit(h, "<p class=\"warn\">没有为该被执行人配置或发出任何查询。</p>\n");
		return;
	}
	int changes = h->changes;
	h->changes = 0;
	TABLE(h, "coverage", heads);
	h->changes = changes;
	for (size_t i = 0; i < d->n_coverage; i++) {
		const struct ck_report_coverage *c = &d->coverage[i];
		int bad = c->outcome == CK_COV_PENDING || c->outcome == CK_COV_FAILED ||
		          c->outcome == CK_COV_MISMATCH || c->outcome == CK_COV_NOT_ASKED;
		lit(h, bad ? "<tr class=\"gap\"><td>" : "<tr><td>");
		esc_or_dash(h, c->institution_name);
		small(h, "", c->district);
		lit(h, "</td><td class=\"nw\">");
		label(h, ck_zh_institution_kind(c->kind), c->kind);
		lit(h, "</td><td class=\"nw\">");
		lit(h, ck_zh_coverage(c->outcome));
		if (c->outcome == CK_COV_FOUND)
			ck_buf_printf(h->b, "（%d条）", c->n_records);
		else if (c->outcome == CK_COV_MISMATCH)
			lit(h, "<br><small>请核对立案信息</small>");
		lit(h, "</td><td>");
		coverage_note(h, c);
		lit(h, "</td><td class=\"ref brk\">");
		esc_or_dash(h, c->request_id);
		lit(h, "</td></tr>\n");
	}
	table_end(h);
}

/* ---- Assets -------------------------------------------------------------------- */

static int
past(const struct html *h, int64_t day)
{
	return day != CK_REPORT_NO_DATE && day < h->today;
}

/* One freeze, seizure or mortgage as a list item. */
static void
encumbrance(struct html *h, const struct ck_report_encumbrance *e)
{
	lit(h, "<li>");
	if (strcmp(e->kind, "freeze") == 0) {
		if (e->seq == 1)
			lit(h, "<strong>在先冻结</strong>（顺位1）");
		else if (e->seq > 1)
			ck_buf_printf(h->b, "<strong>轮候冻结</strong>（顺位%d）", e->seq);
		else
			lit(h, "<strong>冻结</strong>");
	} else if (strcmp(e->kind, "seizure") == 0) {
		int queued = ck_zh_field_bool(e->fields, e->n_fields, "queued") == 1 || e->seq > 1;
		if (queued && e->seq > 0)
			ck_buf_printf(h->b, "<strong>轮候查封</strong>（第%d位）", e->seq);
		else if (queued)
			lit(h, "<strong>轮候查封</strong>");
		else
			lit(h, "<strong>首封</strong>");
	} else if (strcmp(e->kind, "mortgage") == 0) {
		lit(h, "<strong>抵押</strong>");
	} else {
		lit(h, "<strong>");
		esc(h, e->kind);
		lit(h, "</strong>");
	}
	lit(h, " ");
	esc_or_dash(h, e->authority);
	if (*e->ref) {
		lit(h, " ");
		esc(h, e->ref);
	}
	if (e->has_amount) {
		lit(h, strcmp(e->kind, "mortgage") == 0 ? "，被担保主债权" : "，金额");
		money(h, e->amount, e->currency);
	}
	if (e->starts_on != CK_REPORT_NO_DATE || e->ends_on != CK_REPORT_NO_DATE) {
		lit(h, "，");
		if (e->starts_on != CK_REPORT_NO_DATE) {
			ck_zh_date(h->b, e->starts_on);
			lit(h, "起");
		}
		if (e->ends_on != CK_REPORT_NO_DATE) {
			lit(h, "至");
			ck_zh_date(h->b, e->ends_on);
			if (past(h, e->ends_on) && strcmp(e->kind, "mortgage") != 0)
				lit(h, "（已届满，请核实是否续行）");
		}
	}
	lit(h, "</li>");
}

/* The encumbrances of the kind (NULL: every kind) as a list, or "无". */
static void
encumbrances(struct html *h, const struct ck_report_asset *a, const char *kind, const char *none)
{
	int any = 0;
	for (size_t i = 0; i < a->n_encumbrances; i++) {
		if (kind != NULL && strcmp(a->encumbrances[i].kind, kind) != 0)
			continue;
		lit(h, any ? "" : "<ul class=\"enc\">");
		encumbrance(h, &a->encumbrances[i]);
		any = 1;
	}
	lit(h, any ? "</ul>" : none);
}

static int
count_kind(const struct ck_report_debtor *d, const char *kind, const char *other)
{
	int n = 0;
	for (size_t i = 0; i < d->n_assets; i++)
		n += strcmp(d->assets[i].kind, kind) == 0 ||
		     (other != NULL && strcmp(d->assets[i].kind, other) == 0);
	return n;
}

static void
enforceable_cell(struct html *h, const struct ck_report_asset *a)
{
	if (a->liability) {
		lit(h, "<td class=\"num liability\">负债（不计入）</td>");
		return;
	}
	lit(h, "<td class=\"num\"><strong>");
	ck_zh_amount(h->b, a->enforceable);
	lit(h, "</strong></td>");
}

/* Tables whose records take two rows (the record, then its encumbrances
 * across the full width, readable on A4) give each record its own tbody,
 * which print keeps on one page. */
static void
record_begin(struct html *h, const struct ck_report_asset *a, int *first)
{
	if (!*first)
		lit(h, "</tbody>\n<tbody>\n");
	*first = 0;
	lit(h, a->change == CK_CHANGE_NEW ? "<tr class=\"new\">" : "<tr>");
}

static void
detail_row_begin(struct html *h, const struct ck_report_asset *a, size_t n_heads)
{
	ck_buf_printf(h->b, "<tr class=\"%s\"><td colspan=\"%zu\">",
	              a->change == CK_CHANGE_NEW ? "detail new" : "detail",
	              n_heads + (size_t)h->changes);
}

static void
deposits(struct html *h, const struct ck_report_debtor *d)
{
	static const char *const heads[] = {"银行/开户网点", "账号",     "类型/状态",
	                                    "账面余额",      "可用余额", "可冻结"};
	int n = count_kind(d, "deposit", NULL), first = 1;
	if (n == 0)
		return;
	ck_buf_printf(h->b, "<h4>存款账户（%d）</h4>\n", n);
	TABLE(h, "assets deposits", heads);
	for (size_t i = 0; i < d->n_assets; i++) {
		const struct ck_report_asset *a = &d->assets[i];
		if (strcmp(a->kind, "deposit") != 0)
			continue;
		record_begin(h, a, &first);
		lit(h, "<td>");
		esc_or_dash(h, a->institution_name);
		small(h, "", text_of(a, "branch"));
		small(h, "开户 ", text_of(a, "opened_on"));
		lit(h, "</td><td class=\"ref nw\">");
		account(h, a->ref);
		lit(h, "</td><td class=\"nw\">");
		label(h, ck_zh_account_type(a->subtype), a->subtype);
		lit(h, " · ");
		label(h, ck_zh_account_status(a->status), a->status);
		small(h, "", a->currency);
		lit(h, "</td><td class=\"num\">");
		if (a->has_book)
			ck_zh_amount(h->b, a->book);
		else
			lit(h, "未提供");
		lit(h, "</td><td class=\"num\">");
		if (a->has_available)
			ck_zh_amount(h->b, a->available);
		else if (a->liability)
			lit(h, "—");
		else
			lit(h, "<span class=\"warn\">可用余额未提供</span>");
		lit(h, "</td>");
		enforceable_cell(h, a);
		change_cell(h, a);
		lit(h, "</tr>\n");
		detail_row_begin(h, a, sizeof heads / sizeof heads[0]);
		lit(h, "<span class=\"what\">已有冻结（按顺位）：</span>");
		encumbrances(h, a, NULL, "无");
		lit(h, "</td></tr>\n");
	}
	table_end(h);
	lit(h, "<p class=\"note\">可冻结金额按可用余额计（银行已扣除在先冻结及自身止付的部分），"
	       "账面余额不代表可冻结；未提供可用余额的账户按零计。本院冻结将在已有冻结之后"
	       "轮候。</p>\n");
}

static void
wealth(struct html *h, const struct ck_report_debtor *d)
{
	static const char *const heads[] = {"银行",   "产品",   "币种",    "市值",
	                                    "可冻结", "到期日", "已有冻结"};
	int n = count_kind(d, "wealth", NULL);
	if (n == 0)
		return;
	ck_buf_printf(h->b, "<h4>理财产品（%d）</h4>\n", n);
	TABLE(h, "assets wealth", heads);
	for (size_t i = 0; i < d->n_assets; i++) {
		const struct ck_report_asset *a = &d->assets[i];
		if (strcmp(a->kind, "wealth") != 0)
			continue;
		lit(h, a->change == CK_CHANGE_NEW ? "<tr class=\"new\"><td>" : "<tr><td>");
		esc_or_dash(h, a->institution_name);
		lit(h, "</td><td>");
		esc_or_dash(h, text_of(a, "name"));
		small(h, "产品代码 ", a->ref);
		lit(h, "</td><td>");
		esc_or_dash(h, a->currency);
		lit(h, "</td><td class=\"num\">");
		if (a->has_book)
			ck_zh_amount(h->b, a->book);
		else
			lit(h, "未提供");
		lit(h, "</td>");
		enforceable_cell(h, a);
		lit(h, "<td class=\"nw\">");
		date_field(h, a->fields, a->n_fields, "matures_on");
		lit(h, "</td><td>");
		encumbrances(h, a, NULL, "无");
		lit(h, "</td>");
		change_cell(h, a);
		lit(h, "</tr>\n");
	}
	table_end(h);
}

static void
share(struct html *h, const struct ck_report_asset *a)
{
	esc_or_dash(h, text_of(a, "ownership"));
	lit(h, "<br>");
	const char *meaning = text_of(a, "share_meaning");
	const char *written = text_of(a, "share");
	if (meaning != NULL && strcmp(meaning, "as_written") == 0 && written != NULL)
		esc(h, written);
	else if (meaning != NULL && ck_zh_share_meaning(meaning) != NULL)
		lit(h, ck_zh_share_meaning(meaning));
	else if (written != NULL)
		esc(h, written);
	else
		lit(h, "未载明份额");
}

static void
realestate(struct html *h, const struct ck_report_debtor *d)
{
	static const char *const heads[] = {"坐落",          "用途",     "建筑面积(㎡)",
	                                    "共有方式/份额", "登记时间", "登记机构"};
	int n = count_kind(d, "realestate", NULL), first = 1;
	if (n == 0)
		return;
	ck_buf_printf(h->b, "<h4>不动产（%d）</h4>\n", n);
	TABLE(h, "assets realestate", heads);
	for (size_t i = 0; i < d->n_assets; i++) {
		const struct ck_report_asset *a = &d->assets[i];
		if (strcmp(a->kind, "realestate") != 0)
			continue;
		record_begin(h, a, &first);
		lit(h, "<td>");
		esc_or_dash(h, text_of(a, "location"));
		lit(h, "<br><small class=\"brk\">单元号 ");
		esc_or_dash(h, a->ref);
		lit(h, "</small>");
		small(h, "权证号 ", text_of(a, "certificate"));
		lit(h, "</td><td class=\"nw\">");
		esc_or_dash(h, a->subtype);
		lit(h, "</td><td class=\"num\">");
		const struct ck_report_field *area = ck_zh_field(a->fields, a->n_fields, "area");
		if (area != NULL && area->type == 'i')
			ck_zh_amount(h->b, strtoll(area->value, NULL, 10));
		else
			lit(h, "—");
		lit(h, "</td><td class=\"nw\">");
		share(h, a);
		lit(h, "</td><td class=\"nw\">");
		date_field(h, a->fields, a->n_fields, "registered_on");
		lit(h, "</td><td>");
		esc_or_dash(h, a->institution_name);
		lit(h, "</td>");
		change_cell(h, a);
		lit(h, "</tr>\n");
		detail_row_begin(h, a, sizeof heads / sizeof heads[0]);
		lit(h, "<span class=\"what\">抵押：</span>");
		encumbrances(h, a, "mortgage",
		             ck_zh_field_bool(a->fields, a->n_fields, "mortgaged_flag") == 1
		                 ? "登记标注抵押，未列明抵押详情"
		                 : "无");
		lit(h, "<br><span class=\"what\">查封（按顺位）：</span>");
		encumbrances(h, a, "seizure",
		             ck_zh_field_bool(a->fields, a->n_fields, "seized_flag") == 1
		                 ? "登记标注查封，未列明查封详情"
		                 : "无");
		for (size_t k = 0; k < a->n_encumbrances; k++)
			if (strcmp(a->encumbrances[k].kind, "seizure") == 0) {
				lit(h, "<small>已被查封：本院查封将轮候。</small>");
				break;
			}
		lit(h, "</td></tr>\n");
	}
	table_end(h);
}

static void
vehicle_status(struct html *h, const char *letters)
{
	if (*letters == '\0') {
		lit(h, "未载明");
		return;
	}
	for (const char *p = letters; *p; p++) {
		const char *meaning = ck_zh_vehicle_letter(*p);
		char code[2] = {*p, '\0'};
		lit(h, p == letters ? "" : "、");
		esc(h, code);
		lit(h, " ");
		lit(h, meaning ? meaning : "（未知代码）");
	}
}

static void
vehicle_disposal(struct html *h, const struct ck_report_asset *a)
{
	if (a->seizable) {
		lit(h, "可查封");
		if (strchr(a->status, 'K'))
			lit(h, "<br><small>已被查封，本院查封将轮候</small>");
		if (strchr(a->status, 'L'))
			lit(h, "<br><small>已被暂扣，车辆下落可知</small>");
		return;
	}
	lit(h, "不计入可处置财产");
	if (*a->status == '\0') {
		lit(h, "<br><small>状态未载明</small>");
		return;
	}
	for (const char *p = a->status; *p; p++) {
		const char *why = ck_zh_vehicle_obstacle(*p);
		if (why == NULL)
			continue;
		lit(h, "<br><small>");
		lit(h, why);
		lit(h, "</small>");
	}
}

static void
vehicles(struct html *h, const struct ck_report_debtor *d)
{
	static const char *const heads[] = {"号牌", "车辆识别代号", "品牌型号", "初次登记",
	                                    "状态", "抵押",         "可否处置", "登记机关"};
	int n = count_kind(d, "vehicle", NULL);
	if (n == 0)
		return;
	ck_buf_printf(h->b, "<h4>车辆（%d）</h4>\n", n);
	TABLE(h, "assets vehicles", heads);
	for (size_t i = 0; i < d->n_assets; i++) {
		const struct ck_report_asset *a = &d->assets[i];
		if (strcmp(a->kind, "vehicle") != 0)
			continue;
		lit(h, a->change == CK_CHANGE_NEW ? "<tr class=\"new\"><td class=\"nw\">"
		                                  : "<tr><td class=\"nw\">");
		esc_or_dash(h, text_of(a, "plate"));
		const char *kind = ck_zh_plate_kind(a->subtype);
		if (kind != NULL) {
			lit(h, "<br><small>");
			lit(h, kind);
			lit(h, "</small>");
		} else {
			small(h, "号牌种类 ", a->subtype);
		}
		lit(h, "</td><td class=\"ref nw\">");
		esc_or_dash(h, text_of(a, "vin") ? text_of(a, "vin") : a->ref);
		lit(h, "</td><td>");
		const char *brand = text_of(a, "brand"), *model = text_of(a, "model");
		esc_or_dash(h, brand);
		if (model) {
			lit(h, " ");
			esc(h, model);
		}
		lit(h, "</td><td class=\"nw\">");
		date_field(h, a->fields, a->n_fields, "registered_on");
		lit(h, "</td><td>");
		vehicle_status(h, a->status);
		lit(h, "</td><td class=\"nw\">");
		int mortgaged = ck_zh_field_bool(a->fields, a->n_fields, "mortgaged");
		lit(h, mortgaged == 1 ? "已抵押" : mortgaged == 0 ? "无" : "未载明");
		lit(h, "</td><td>");
		vehicle_disposal(h, a);
		if (a->n_encumbrances)
			encumbrances(h, a, NULL, "");
		lit(h, "</td><td>");
		esc_or_dash(h, a->institution_name);
		lit(h, "</td>");
		change_cell(h, a);
		lit(h, "</tr>\n");
	}
	table_end(h);
}

static void
platform_funds(struct html *h, const struct ck_report_debtor *d)
{
	static const char *const heads[] = {"平台", "账户", "类别", "余额", "已冻结", "可冻结"};
	int n = count_kind(d, "wallet", "fund");
	if (n == 0)
		return;
	ck_buf_printf(h->b, "<h4>网络平台资金（%d）</h4>\n", n);
	TABLE(h, "assets platforms", heads);
	for (size_t i = 0; i < d->n_assets; i++) {
		const struct ck_report_asset *a = &d->assets[i];
		int fund = strcmp(a->kind, "fund") == 0;
		if (!fund && strcmp(a->kind, "wallet") != 0)
			continue;
		lit(h, a->change == CK_CHANGE_NEW ? "<tr class=\"new\"><td>" : "<tr><td>");
		esc_or_dash(h, a->institution_name);
		lit(h, "</td><td class=\"ref nw\">");
		account(h, a->ref);
		const char *mobile = text_of(a, "mobile");
		if (mobile != NULL) {
			lit(h, "<br><small>手机 ");
			account(h, mobile);
			lit(h, "</small>");
		}
		lit(h, fund ? "</td><td class=\"nw\">基金</td><td class=\"num\">"
		            : "</td><td class=\"nw\">账户余额</td><td class=\"num\">");
		if (a->has_book)
			ck_zh_amount(h->b, a->book);
		else
			lit(h, "未提供");
		lit(h, "</td><td class=\"num\">");
		const char *frozen = text_of(a, "frozen");
		if (frozen != NULL)
			ck_zh_amount(h->b, strtoll(frozen, NULL, 10));
		else
			lit(h, "—");
		lit(h, "</td>");
		enforceable_cell(h, a);
		change_cell(h, a);
		lit(h, "</tr>\n");
	}
	table_end(h);
	lit(h,
	    "<p class=\"note\">“已冻结”为有权机关已冻结的余额与基金合计；可冻结金额已扣除该部分。"
	    "</p>\n");
}

static int
known_asset_kind(const char *kind)
{
	return ck_zh_asset_kind(kind) != NULL;
}

/* Assets of kinds this renderer has no table for: shown plainly, never
 * dropped. */
static void
other_assets(struct html *h, const struct ck_report_debtor *d)
{
	static const char *const heads[] = {"类别",   "机构",   "标识", "币种",
	                                    "账面数", "可冻结", "状态", "权利负担"};
	int n = 0;
	for (size_t i = 0; i < d->n_assets; i++)
		n += !known_asset_kind(d->assets[i].kind);
	if (n == 0)
		return;
	ck_buf_printf(h->b, "<h4>其他财产（%d）</h4>\n", n);
	TABLE(h, "assets other", heads);
	for (size_t i = 0; i < d->n_assets; i++) {
		const struct ck_report_asset *a = &d->assets[i];
		if (known_asset_kind(a->kind))
			continue;
		lit(h, "<tr><td>");
		esc(h, a->kind);
		lit(h, "</td><td>");
		esc_or_dash(h, a->institution_name);
		lit(h, "</td><td class=\"ref\">");
		account(h, a->ref);
		lit(h, "</td><td>");
		esc_or_dash(h, a->currency);
		lit(h, "</td><td class=\"num\">");
		if (a->has_book)
			ck_zh_amount(h->b, a->book);
		else
			lit(h, "—");
		lit(h, "</td>");
		enforceable_cell(h, a);
		lit(h, "<td>");
		esc_or_dash(h, a->status);
		lit(h, "</td><td>");
		encumbrances(h, a, NULL, "无");
		lit(h, "</td>");
		change_cell(h, a);
		lit(h, "</tr>\n");
	}
	table_end(h);
}

/* A description of an asset in a few words, for the vanished list. */
static void
asset_words(struct html *h, const struct ck_report_asset *a)
{
	const char *what = text_of(a, "location");
	if (what == NULL)
		what = text_of(a, "plate");
	if (what == NULL)
		what = text_of(a, "name");
	if (what == NULL)
		what = text_of(a, "branch");
	esc_or_dash(h, what);
	if (a->has_book) {
		lit(h, "；上一轮数额 ");
		money(h, a->book, a->currency);
	}
}

static void
vanished(struct html *h, const struct ck_report_debtor *d)
{
	static const char *const heads[] = {"类别", "机构", "标识", "上一轮情况"};
	if (d->n_vanished == 0)
		return;
	ck_buf_printf(h->b, "<h4>上一轮有、本轮已消失的财产（%zu）</h4>\n", d->n_vanished);
	int changes = h->changes;
	h->changes = 0;
	TABLE(h, "assets vanished", heads);
	h->changes = changes;
	for (size_t i = 0; i < d->n_vanished; i++) {
		const struct ck_report_asset *a = &d->vanished[i];
		lit(h, "<tr><td>");
		label(h, ck_zh_asset_kind(a->kind), a->kind);
		lit(h, "</td><td>");
		esc_or_dash(h, a->institution_name);
		lit(h, "</td><td class=\"ref\">");
		if (strcmp(a->kind, "deposit") == 0 || strcmp(a->kind, "wallet") == 0 ||
		    strcmp(a->kind, "fund") == 0 || !known_asset_kind(a->kind))
			account(h, a->ref);
		else
			esc_or_dash(h, a->ref);
		lit(h, "</td><td>");
		asset_words(h, a);
		lit(h, "</td></tr>\n");
	}
	table_end(h);
	lit(h, "<p class=\"note\">以上财产在上一轮答复中列出，本轮同一机构已答复但未再列出："
	       "可能已被转移、处分或注销，请关注。</p>\n");
}

static void
debtor_totals(struct html *h, const struct ck_report_debtor *d)
{
	if (d->n_totals == 0)
		return;
	lit(h, "<p class=\"debtor-total\">该被执行人可冻结合计：");
	for (size_t i = 0; i < d->n_totals; i++) {
		lit(h, i ? "；" : "");
		money(h, d->totals[i].enforceable, d->totals[i].currency);
		if (d->totals[i].liabilities) {
			lit(h, "（另有负债");
			money(h, d->totals[i].liabilities, d->totals[i].currency);
			lit(h, "，不计入）");
		}
	}
	lit(h, "</p>\n");
}

/* ---- Leads ------------------------------------------------------------------------ */

static int
count_leads(const struct ck_report_debtor *d, const char *kind)
{
	int n = 0;
	for (size_t i = 0; i < d->n_leads; i++)
		n += kind ? strcmp(d->leads[i].kind, kind) == 0
		          : ck_zh_lead_kind(d->leads[i].kind) == NULL;
	return n;
}

static const char *
lead_text(const struct ck_report_lead *l, const char *key)
{
	return ck_zh_field_text(l->fields, l->n_fields, key);
}

static void
lead_amount(struct html *h, const struct ck_report_lead *l)
{
	if (l->has_amount)
		money(h, l->amount, l->currency);
	else
		lit(h, "未提供");
}

/* Leads are not compared between rounds: their tables have no change column. */
static void
leads_table_begin(struct html *h, const char *title, int n, const char *const *heads,
                  size_t n_heads)
{
	ck_buf_printf(h->b, "<h4>%s（%d）</h4>\n", title, n);
	int changes = h->changes;
	h->changes = 0;
	table_begin(h, "leads", heads, n_heads);
	h->changes = changes;
}

#define LEADS(h, title, n, heads)                                                                  \
	leads_table_begin(h, title, n, heads, sizeof heads / sizeof heads[0])

static void
employers(struct html *h, const struct ck_report_debtor *d)
{
	static const char *const heads[] = {
	    "工作单位", "统一社会信用代码", "险种/状态", "月缴费基数", "参保期间", "提示", "来源"};
	int n = count_leads(d, "employer");
	if (n == 0)
		return;
	LEADS(h, "工作单位（工资收入线索）", n, heads);
	for (size_t i = 0; i < d->n_leads; i++) {
		const struct ck_report_lead *l = &d->leads[i];
		if (strcmp(l->kind, "employer") != 0)
			continue;
		lit(h, "<tr><td>");
		esc_or_dash(h, l->label);
		lit(h, "</td><td class=\"ref\">");
		esc_or_dash(h, l->code);
		lit(h, "</td><td>");
		label(h, ck_zh_insurance(lead_text(l, "insurance")), lead_text(l, "insurance"));
		lit(h, "<br>");
		label(h, ck_zh_employment_state(lead_text(l, "state")), lead_text(l, "state"));
		lit(h, "</td><td class=\"num\">");
		lead_amount(h, l);
		lit(h, "</td><td>");
		esc_or_dash(h, lead_text(l, "since"));
		lit(h, " 起<br>最近缴费 ");
		esc_or_dash(h, lead_text(l, "last_paid"));
		lit(h, "</td><td>");
		lit(h, ck_zh_field_bool(l->fields, l->n_fields, "withholding_lead") == 1
		           ? "<strong>可扣划工资</strong>"
		           : "—");
		lit(h, "</td><td>");
		esc_or_dash(h, l->institution_name);
		lit(h, "</td></tr>\n");
	}
	table_end(h);
	lit(h, "<p class=\"note\">月缴费基数可作为月工资的参考；在职缴费的单位可协助扣留、提取"
	       "工资收入。</p>\n");
}

static void
pensions(struct html *h, const struct ck_report_debtor *d)
{
	static const char *const heads[] = {"发放银行", "每月金额", "提示", "来源"};
	int n = count_leads(d, "pension");
	if (n == 0)
		return;
	LEADS(h, "养老金", n, heads);
	for (size_t i = 0; i < d->n_leads; i++) {
		const struct ck_report_lead *l = &d->leads[i];
		if (strcmp(l->kind, "pension") != 0)
			continue;
		lit(h, "<tr><td>");
		esc_or_dash(h, l->label);
		lit(h, "</td><td class=\"num\">");
		lead_amount(h, l);
		lit(h, "</td><td>可查询、冻结该银行的养老金账户</td><td>");
		esc_or_dash(h, l->institution_name);
		lit(h, "</td></tr>\n");
	}
	table_end(h);
}

static void
bound_cards(struct html *h, const struct ck_report_debtor *d)
{
	static const char *const heads[] = {"银行", "卡号尾号", "提示", "来源平台"};
	int n = count_leads(d, "bound_card");
	if (n == 0)
		return;
	LEADS(h, "绑定银行卡", n, heads);
	for (size_t i = 0; i < d->n_leads; i++) {
		const struct ck_report_lead *l = &d->leads[i];
		if (strcmp(l->kind, "bound_card") != 0)
			continue;
		lit(h, l->bank_not_asked ? "<tr class=\"gap\"><td>" : "<tr><td>");
		esc_or_dash(h, l->label);
		lit(h, "</td><td class=\"ref\">");
		/* A tail is shown; a whole card number is masked like an account. */
		if (strlen(l->code) > 4)
			account(h, l->code);
		else
			esc_or_dash(h, l->code);
		lit(h, "</td><td>");
		lit(h, l->bank_not_asked ? "<strong>未查询该银行</strong>，建议补充查询"
		                         : "该银行已在查询范围内");
		lit(h, "</td><td>");
		esc_or_dash(h, l->institution_name);
		lit(h, "</td></tr>\n");
	}
	table_end(h);
}

static void
addresses(struct html *h, const struct ck_report_debtor *d)
{
	static const char *const heads[] = {"地址", "最近使用", "来源平台"};
	int n = count_leads(d, "address");
	if (n == 0)
		return;
	LEADS(h, "收货地址", n, heads);
	for (size_t i = 0; i < d->n_leads; i++) {
		const struct ck_report_lead *l = &d->leads[i];
		if (strcmp(l->kind, "address") != 0)
			continue;
		lit(h, "<tr><td>");
		esc_or_dash(h, l->label);
		lit(h, "</td><td>");
		esc_or_dash(h, lead_text(l, "last_used"));
		lit(h, "</td><td>");
		esc_or_dash(h, l->institution_name);
		lit(h, "</td></tr>\n");
	}
	table_end(h);
}

static void
count_cell(struct html *h, const struct ck_report_lead *l, const char *key)
{
	lit(h, "<td class=\"num\">");
	esc_or_dash(h, lead_text(l, key));
	lit(h, "</td>");
}

static void
spending(struct html *h, const struct ck_report_debtor *d)
{
	static const char *const heads[] = {"期间",     "消费总额", "乘坐飞机", "星级酒店",
	                                    "高档消费", "提示",     "来源平台"};
	int n = count_leads(d, "spending");
	if (n == 0)
		return;
	LEADS(h, "消费记录", n, heads);
	for (size_t i = 0; i < d->n_leads; i++) {
		const struct ck_report_lead *l = &d->leads[i];
		if (strcmp(l->kind, "spending") != 0)
			continue;
		lit(h, l->flagged ? "<tr class=\"gap\"><td>" : "<tr><td>");
		esc_or_dash(h, l->label);
		lit(h, "</td><td class=\"num\">");
		lead_amount(h, l);
		lit(h, "</td>");
		count_cell(h, l, "flights");
		count_cell(h, l, "hotels");
		count_cell(h, l, "luxury");
		lit(h, "<td>");
		lit(h, l->flagged ? "<strong>请核查限制消费</strong>：如已发出限制消费令，上述消费"
		                    "可能违反该令"
		                  : "—");
		lit(h, "</td><td>");
		esc_or_dash(h, l->institution_name);
		lit(h, "</td></tr>\n");
	}
	table_end(h);
}

static void
other_leads(struct html *h, const struct ck_report_debtor *d)
{
	static const char *const heads[] = {"类别", "内容", "代码", "金额", "来源"};
	int n = count_leads(d, NULL);
	if (n == 0)
		return;
	LEADS(h, "其他线索", n, heads);
	for (size_t i = 0; i < d->n_leads; i++) {
		const struct ck_report_lead *l = &d->leads[i];
		if (ck_zh_lead_kind(l->kind) != NULL)
			continue;
		lit(h, "<tr><td>");
		esc(h, l->kind);
		lit(h, "</td><td>");
		esc_or_dash(h, l->label);
		lit(h, "</td><td class=\"ref\">");
		account(h, l->code);
		lit(h, "</td><td class=\"num\">");
		lead_amount(h, l);
		lit(h, "</td><td>");
		esc_or_dash(h, l->institution_name);
		lit(h, "</td></tr>\n");
	}
	table_end(h);
}

/* ---- The page ------------------------------------------------------------------- */

static void
debtor(struct html *h, const struct ck_report_debtor *d, size_t index)
{
	lit(h, "<section class=\"debtor\">\n");
	ck_buf_printf(h->b, "<h2>被执行人%zu：", index + 1);
	esc_or_dash(h, d->name);
	lit(h, "</h2>\n<p class=\"subject\">");
	lit(h, ck_zh_subject_kind(d->kind));
	lit(h, d->kind == CK_SUBJECT_ORG ? " · 统一社会信用代码 " : " · 公民身份号码 ");
	lit(h, "<span class=\"ref\">");
	id_no(h, d->id_no);
	lit(h, "</span></p>\n<h3>查询渠道</h3>\n");
	channels_table(h, d);
	lit(h, "<h3>各机构查询情况</h3>\n");
	coverage_table(h, d);

	lit(h, "<h3>财产</h3>\n");
	if (d->n_assets == 0 && d->n_vanished == 0)
		lit(h, "<p>已答复的机构未报告该被执行人名下的财产（未答复或未查询的渠道见上表）。"
		       "</p>\n");
	debtor_totals(h, d);
	deposits(h, d);
	wealth(h, d);
	realestate(h, d);
	vehicles(h, d);
	platform_funds(h, d);
	other_assets(h, d);
	vanished(h, d);

	lit(h, "<h3>线索</h3>\n");
	if (d->n_leads == 0)
		lit(h, "<p>已答复的机构未报告线索。</p>\n");
	employers(h, d);
	pensions(h, d);
	bound_cards(h, d);
	addresses(h, d);
	spending(h, d);
	other_leads(h, d);
	lit(h, "</section>\n");
}

/* Sober on screen; on paper A4 portrait with margins, each debtor on a new
 * page, table rows kept whole and table headers repeated on every page. */
static const char STYLE[] =
    "<style>\n"
    "html{-webkit-text-size-adjust:100%;}\n"
    "body{margin:0 auto;max-width:62rem;padding:1.5rem 1.25rem 3rem;color:#1d232b;"
    "background:#fff;font:15px/1.6 \"Noto Serif CJK SC\",\"Source Han Serif SC\","
    "\"Songti SC\",SimSun,serif;}\n"
    "h1,h2,h3,h4,.triage-class,th{font-family:\"Noto Sans CJK SC\",\"Source Han Sans SC\","
    "\"PingFang SC\",\"Microsoft YaHei\",sans-serif;}\n"
    "h1{font-size:1.6rem;text-align:center;letter-spacing:.15em;margin:.2rem 0 1rem;}\n"
    "h2{font-size:1.2rem;border-bottom:2px solid #1d232b;padding-bottom:.2rem;"
    "margin:2rem 0 .6rem;}\n"
    "h3{font-size:1.05rem;margin:1.4rem 0 .4rem;}\n"
    "h4{font-size:.95rem;margin:1rem 0 .3rem;color:#5b6470;}\n"
    "p{margin:.35rem 0;}\n"
    ".court,.subtitle{text-align:center;margin:0;color:#5b6470;}\n"
    "table{width:100%;border-collapse:collapse;margin:.3rem 0 .6rem;font-size:.86rem;}\n"
    "th,td{border:1px solid #c9ced6;padding:.25rem .4rem;text-align:left;"
    "vertical-align:top;overflow-wrap:break-word;}\n"
    "th,.nw{white-space:nowrap;}\n"
    ".brk{word-break:break-all;}\n"
    "tr.detail td{border-top:0;padding-left:1.2rem;}\n"
    ".what{color:#5b6470;}\n"
    "thead th{background:#f1f3f6;font-weight:600;}\n"
    "table.meta th{background:#f1f3f6;width:7.5rem;white-space:nowrap;}\n"
    "td.num{text-align:right;white-space:nowrap;}\n"
    ".ref{font-family:\"DejaVu Sans Mono\",Consolas,monospace;font-size:.9em;}\n"
    "small{color:#5b6470;}\n"
    "ul.enc{margin:0;padding-left:1rem;}\n"
    "tr.gap td{background:#fff6e5;}\n"
    "tr.new td{background:#eef7ee;}\n"
    ".change.new{font-weight:700;color:#1f6a2b;}\n"
    ".warn,.bad,.liability{color:#9a3412;}\n"
    ".ok{color:#1f6a2b;}\n"
    ".note{font-size:.8rem;color:#5b6470;}\n"
    ".triage{border:1px solid #c9ced6;border-left:.5rem solid #5b6470;"
    "padding:.6rem 1rem;margin:1.2rem 0;background:#f1f3f6;}\n"
    ".triage-label{font-size:.8rem;color:#5b6470;margin:0;}\n"
    ".triage-class{font-size:1.5rem;font-weight:700;margin:0 0 .3rem;}\n"
    ".rule-en{font-size:.75rem;color:#5b6470;}\n"
    ".t-now{border-left-color:#1f6a2b;}\n"
    ".t-disposal{border-left-color:#1e4f91;}\n"
    ".t-incomplete{border-left-color:#b45309;}\n"
    ".t-none{border-left-color:#4b5563;}\n"
    ".new-property{font-weight:700;color:#1f6a2b;font-size:1.1rem;}\n"
    ".debtor-total{font-weight:600;}\n"
    "footer{margin-top:2.5rem;border-top:1px solid #c9ced6;padding-top:.6rem;"
    "font-size:.8rem;color:#5b6470;}\n"
    "@page{size:A4 portrait;margin:18mm 15mm 18mm 18mm;}\n"
    "@media print{\n"
    "body{max-width:none;padding:0;font-size:10.5pt;}\n"
    "table{font-size:8.5pt;}\n"
    "thead{display:table-header-group;}\n"
    "tr,tbody,.triage,.debtor-total{break-inside:avoid;page-break-inside:avoid;}\n"
    "h2,h3,h4{break-after:avoid;page-break-after:avoid;}\n"
    "section.debtor{break-before:page;page-break-before:always;}\n"
    ".triage,tr.gap td,tr.new td,thead th{-webkit-print-color-adjust:exact;"
    "print-color-adjust:exact;}\n"
    "}\n"
    "</style>\n";

static void
footer(struct html *h)
{
	const struct ck_report *r = h->r;
	lit(h, "<footer>\n<p>本报告依据本系统留存的各机构答复生成，反映轮次 ");
	ck_buf_printf(h->b, "%d", r->round);
	lit(h, " 截至");
	ck_zh_time(h->b, r->built_at, h->offset);
	lit(h, "的查询结果；每项查询、答复原文及其时间均有记录可查。金额、状态及权利负担均为各机构"
	       "答复所载，未经本院核实；外币未折算。</p>\n<p>");
	lit(h, h->reveal ? "本报告显示完整的证件号码和账号，属于个人信息，仅限本案使用。"
	                 : "证件号码和账号已部分隐去；完整号码见本系统记录。");
	lit(h, "报告内容仅用于本案执行。</p>\n</footer>\n");
}

int
ck_report_html(const struct ck_report *r, const struct ck_report_render *opt, struct ck_buf *out,
               char *err)
{
	struct html h = {
	    .b = out,
	    .r = r,
	    .reveal = opt != NULL && opt->reveal,
	    .offset = r->filed_offset_min,
	    .today = ck_zh_day_of(r->built_at, r->filed_offset_min),
	    .changes = r->previous_round >= 0,
	};
	lit(&h, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
	        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	        "<title>财产查询报告 ");
	esc(&h, r->case_no);
	lit(&h, "</title>\n");
	lit(&h, STYLE);
	lit(&h, "</head>\n<body>\n");
	case_header(&h, opt);
	triage_box(&h);
	case_totals(&h);
	for (size_t i = 0; i < r->n_debtors; i++)
		debtor(&h, &r->debtors[i], i);
	if (r->n_debtors == 0)
		lit(&h, "<p class=\"warn\">该案件没有被执行人。</p>\n");
	footer(&h);
	lit(&h, "</body>\n</html>\n");
	return out->failed ? ck_fail(err, CK_E_NOMEM, "out of memory rendering a report") : CK_OK;
}
