/* SPDX-License-Identifier: MIT */
/*
 * simdata.c: word lists and small generators of the synthetic population
 * (simdata.h): identifiers with correct check characters, plausible names
 * of people and organisations, courts, banks and addresses of the Taizhou
 * area, where the simulated court sits.
 */
#include "simdata.h"
#include "chakong/ids.h"
#include "chakong/timeutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int64_t
simd_reference_day(void)
{
	return ck_days_from_civil(SIMD_REFERENCE_YEAR, SIMD_REFERENCE_MONTH, 1);
}

const char *
simd_pick(struct sim_rng *rng, const char *const *table, size_t n)
{
	return table[sim_rng_below(rng, n)];
}

void
simd_copy(char *dst, size_t dstsz, const char *src)
{
	size_t n = strlen(src);
	if (n >= dstsz) {
		n = dstsz - 1;
		/* Back off over continuation bytes to the start of a character. */
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	memmove(dst, src, n);
	dst[n] = '\0';
}

void
simd_format(char *dst, size_t dstsz, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	simd_copy(dst, dstsz, n < 0 ? "" : tmp);
}

int
simd_append(char *dst, size_t dstsz, const char *src)
{
	size_t used = strlen(dst), more = strlen(src);
	if (used + more + 1 > dstsz)
		return -1;
	memcpy(dst + used, src, more + 1);
	return 0;
}

/* ---- Places -------------------------------------------------------------- */

struct region {
	const char *code; /* administrative division code */
	const char *name; /* as written before an organisation's name */
};

/* Where organisations are registered (and most people were born). */
static const struct region local_regions[] = {
    {"321283", "泰兴市"},       {"321282", "靖江市"},       {"321281", "兴化市"},
    {"321202", "泰州市海陵区"}, {"321203", "泰州市高港区"}, {"321204", "泰州市姜堰区"},
    {"321200", "泰州市"},
};

/* Birthplaces elsewhere: people move. */
static const char *const far_regions[] = {
    "320102", "320106", "320583", "320282", "321002", "320602",
    "341202", "370102", "410102", "510104", "330102", "420106",
};

struct district {
	const char *name;
	const char *towns[8];
};

static const struct district districts[] = {
    {"泰兴市",
     {"济川街道", "黄桥镇", "虹桥镇", "姚王街道", "根思乡", "张桥镇", "分界镇", "宣堡镇"}},
    {"靖江市", {"靖城街道", "新桥镇", "斜桥镇", "东兴镇", "西来镇", "季市镇", "孤山镇", "生祠镇"}},
    {"兴化市", {"昭阳街道", "戴南镇", "张郭镇", "安丰镇", "千垛镇", "周庄镇", "陈堡镇", "戴窑镇"}},
    {"泰州市海陵区",
     {"城东街道", "城西街道", "城中街道", "城南街道", "城北街道", "京泰路街道", "九龙镇",
      "罡杨镇"}},
};

static const char *const roads[] = {
    "府前路", "鼓楼路", "国庆路", "文昌路", "延令路", "人民路", "江平路", "阳光大道",
    "骥江路", "滨江路", "虹桥路", "襟江路", "长江路", "东风路", "迎春路", "五一路",
};

static const char *const estates[] = {
    "阳光花园", "锦绣华府", "翡翠城",   "东方明珠苑", "幸福里",   "书香门第",
    "金色家园", "滨江一号", "御景湾",   "世纪新城",   "春江花园", "学府雅苑",
    "香榭丽舍", "紫金华庭", "梧桐公馆", "银杏苑",
};

const char *
simd_district(struct sim_rng *rng)
{
	return districts[sim_rng_below(rng, SIMD_COUNT(districts))].name;
}

static const struct district *
district_named(const char *name)
{
	for (size_t i = 0; i < SIMD_COUNT(districts); i++)
		if (strcmp(districts[i].name, name) == 0)
			return &districts[i];
	return &districts[0];
}

void
simd_address(struct sim_rng *rng, const char *district, char *out, size_t outsz)
{
	const struct district *d = district_named(district);
	const char *town = d->towns[sim_rng_below(rng, 8)];
	if (sim_rng_chance(rng, 500))
		simd_format(out, outsz, "%s%s%s%u号", district, town, SIMD_PICK(rng, roads),
		            1 + (unsigned)sim_rng_below(rng, 300));
	else
		simd_format(out, outsz, "%s%s%s%u栋%u室", district, town, SIMD_PICK(rng, estates),
		            1 + (unsigned)sim_rng_below(rng, 30),
		            (1 + (unsigned)sim_rng_below(rng, 26)) * 100 + 1 +
		                (unsigned)sim_rng_below(rng, 4));
}

void
simd_parking(struct sim_rng *rng, const char *district, char *out, size_t outsz)
{
	const struct district *d = district_named(district);
	simd_format(out, outsz, "%s%s%s地下车库%c-%u", district, d->towns[sim_rng_below(rng, 8)],
	            SIMD_PICK(rng, estates), (char)('A' + sim_rng_below(rng, 3)),
	            1 + (unsigned)sim_rng_below(rng, 240));
}

/* ---- Identifiers ---------------------------------------------------------- */

static int
days_in_month(int year, int month)
{
	return (int)(ck_days_from_civil(year, month + 1, 1) - ck_days_from_civil(year, month, 1));
}

void
simd_resident_id(struct sim_rng *rng, char out[CK_ID_BUF])
{
	const char *region =
	    sim_rng_chance(rng, 750)
	        ? local_regions[sim_rng_below(rng, SIMD_COUNT(local_regions) - 1)].code
	        : SIMD_PICK(rng, far_regions);
	/* Working ages dominate the debtors of enforcement cases. */
	int year = sim_rng_chance(rng, 800) ? 1960 + (int)sim_rng_below(rng, 42)
	                                    : 1940 + (int)sim_rng_below(rng, 66);
	int month = 1 + (int)sim_rng_below(rng, 12);
	int day = 1 + (int)sim_rng_below(rng, (uint64_t)days_in_month(year, month));
	unsigned seq = (unsigned)sim_rng_below(rng, 1000);
	char first[40];
	simd_format(first, sizeof first, "%.6s%04d%02d%02d%03u", region, year, month, day, seq);
	memcpy(out, first, 17);
	out[17] = ck_ids_resident_check_char(first);
	out[18] = '\0';
}

static const char credit_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

void
simd_credit_code(struct sim_rng *rng, char out[CK_ID_BUF], int *sole_trader)
{
	int sole = sim_rng_chance(rng, 100);
	const char *region = local_regions[sim_rng_below(rng, SIMD_COUNT(local_regions))].code;
	char first[24];
	memcpy(first, sole ? "92" : "91", 2);
	memcpy(first + 2, region, 6);
	/* The organisation code: newer ones start "MA", older ones are digits. */
	size_t at = 8;
	if (sim_rng_chance(rng, 600)) {
		memcpy(first + at, "MA", 2);
		at += 2;
	}
	for (; at < 17; at++) {
		size_t n = at < 10 ? 10 : sizeof credit_alphabet - 1;
		first[at] = credit_alphabet[sim_rng_below(rng, n)];
	}
	first[17] = '\0';
	memcpy(out, first, 17);
	out[17] = ck_ids_credit_check_char(first);
	out[18] = '\0';
	if (sole_trader != NULL)
		*sole_trader = sole;
}

int
simd_birth_year(const char *id_no)
{
	int year = 0;
	for (int i = 6; i < 10; i++)
		year = year * 10 + (id_no[i] - '0');
	return year;
}

int
simd_is_female(const char *id_no)
{
	return (id_no[16] - '0') % 2 == 0;
}

/* ---- Names ---------------------------------------------------------------- */

static const char *const surnames[] = {
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱",
    "胡", "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯",
    "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜",
    "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭",
    "陆", "汪", "范", "金", "石", "廖", "贾", "夏", "韦", "方", "白", "邹", "孟", "秦",
    "江", "尹", "薛", "段", "雷", "侯", "陶", "顾", "毛", "龚", "邵", "钱", "严", "戴",
};

static const char *const double_surnames[] = {"欧阳", "司马", "诸葛", "上官", "东方", "皇甫"};

static const char *const male_chars[] = {
    "伟", "强", "磊", "军", "勇", "杰", "涛", "明", "超", "斌", "鹏", "辉", "华", "建",
    "国", "平", "刚", "峰", "林", "波", "宇", "浩", "俊", "文", "志", "海", "东", "晨",
    "阳", "龙", "飞", "鑫", "凯", "宏", "健", "亮", "成", "江", "春", "荣", "德", "金",
};

static const char *const female_chars[] = {
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀", "玲", "桂", "英", "慧", "红",
    "梅", "琳", "婷", "雪", "倩", "颖", "萍", "燕", "兰", "琴", "云", "洁", "晶", "欣",
    "怡", "佳", "悦", "雯", "蕾", "薇", "丹", "凤", "月", "珍", "莉", "霞",
};

static void
given_name(struct sim_rng *rng, int female, char *out, size_t outsz)
{
	const char *const *chars = female ? female_chars : male_chars;
	size_t n = female ? SIMD_COUNT(female_chars) : SIMD_COUNT(male_chars);
	out[0] = '\0';
	simd_append(out, outsz, simd_pick(rng, chars, n));
	if (sim_rng_chance(rng, 650))
		simd_append(out, outsz, simd_pick(rng, chars, n));
}

void
simd_person_name(struct sim_rng *rng, int female, char *out, size_t outsz)
{
	char given[16];
	const char *surname =
	    sim_rng_chance(rng, 8) ? SIMD_PICK(rng, double_surnames) : SIMD_PICK(rng, surnames);
	given_name(rng, female, given, sizeof given);
	simd_format(out, outsz, "%s%s", surname, given);
}

/* Length of the surname at the start of name (one or two characters). */
static size_t
surname_len(const char *name)
{
	for (size_t i = 0; i < SIMD_COUNT(double_surnames); i++) {
		size_t n = strlen(double_surnames[i]);
		if (strncmp(name, double_surnames[i], n) == 0)
			return n;
	}
	return strlen(name) >= 3 ? 3 : 0;
}

void
simd_person_alias(struct sim_rng *rng, const char *name, int female, char *out, size_t outsz)
{
	char surname[8] = "";
	size_t n = surname_len(name);
	if (n < sizeof surname)
		memcpy(surname, name, n), surname[n] = '\0';
	for (int tries = 0; tries < 16; tries++) {
		char given[16];
		given_name(rng, female, given, sizeof given);
		simd_format(out, outsz, "%s%s", surname, given);
		if (strcmp(out, name) != 0)
			return;
	}
	simd_format(out, outsz, "%s%s", name, female ? "娟" : "军");
}

static const char *const trade_names[] = {
    "恒达", "华盛", "鑫源", "金泰", "宏远", "永兴", "瑞丰", "博通", "天成", "润泽",
    "嘉禾", "信诚", "隆昌", "振兴", "宝丰", "昌盛", "广源", "富民", "兴旺", "聚鑫",
    "锦程", "东升", "海纳", "凯越", "德润", "中盛", "宏基", "泰和", "万通", "福瑞",
};

static const char *const industries[] = {
    "贸易",     "商贸", "建材",     "机械制造",   "纺织",     "电子科技", "化工",
    "食品",     "物流", "建筑工程", "房地产开发", "餐饮管理", "汽车销售", "装饰工程",
    "船舶配件", "医药", "农业发展", "服装",       "五金",     "塑业",
};

static const char *const company_forms[] = {"有限公司", "有限公司",     "有限公司",    "有限公司",
                                            "有限公司", "有限责任公司", "股份有限公司"};

static const char *const trader_shops[] = {"五金经营部", "建材商行", "副食品店", "汽修厂",
                                           "服装店",     "家电商行", "饭店"};

/* The region name an organisation's name starts with, from its code. */
static const char *
region_of(const char *credit_code)
{
	for (size_t i = 0; i < SIMD_COUNT(local_regions); i++)
		if (strncmp(credit_code + 2, local_regions[i].code, 6) == 0)
			return local_regions[i].name;
	return "泰州市";
}

void
simd_org_name(struct sim_rng *rng, const char *credit_code, int sole_trader, char *out,
              size_t outsz)
{
	const char *region = region_of(credit_code);
	const char *trade = SIMD_PICK(rng, trade_names);
	if (sole_trader)
		simd_format(out, outsz, "%s%s%s", region, trade, SIMD_PICK(rng, trader_shops));
	else
		simd_format(out, outsz, "%s%s%s%s", region, trade, SIMD_PICK(rng, industries),
		            SIMD_PICK(rng, company_forms));
}

void
simd_org_alias(struct sim_rng *rng, const char *credit_code, const char *name, char *out,
               size_t outsz)
{
	for (int tries = 0; tries < 16; tries++) {
		simd_org_name(rng, credit_code, 0, out, outsz);
		if (strcmp(out, name) != 0)
			return;
	}
	simd_format(out, outsz, "%s分公司", name);
}

/* ---- Courts and banks --------------------------------------------------- */

const struct simd_court simd_courts[] = {
    {"苏1283", "泰兴市人民法院"},       {"苏1282", "靖江市人民法院"},
    {"苏1281", "兴化市人民法院"},       {"苏1202", "泰州市海陵区人民法院"},
    {"苏1203", "泰州市高港区人民法院"}, {"苏1204", "泰州市姜堰区人民法院"},
    {"苏12", "泰州市中级人民法院"},     {"苏0102", "南京市玄武区人民法院"},
    {"苏0583", "昆山市人民法院"},       {"苏1002", "扬州市广陵区人民法院"},
    {"苏0602", "南通市崇川区人民法院"}, {"沪0115", "上海市浦东新区人民法院"},
};
const size_t simd_n_courts = SIMD_COUNT(simd_courts);

const struct simd_court *
simd_any_court(struct sim_rng *rng)
{
	/* Local courts are the usual freezers; others appear now and then. */
	if (sim_rng_chance(rng, 750))
		return &simd_courts[sim_rng_below(rng, SIMD_LOCAL_COURTS)];
	return &simd_courts[sim_rng_below(rng, simd_n_courts)];
}

void
simd_case_no(const struct simd_court *court, int year, unsigned serial, const char *type, char *out,
             size_t outsz)
{
	simd_format(out, outsz, "(%d)%s%s%u号", year, court->code, type, serial);
}

const char *const simd_banks[] = {
    "中国工商银行", "中国农业银行", "中国银行", "中国建设银行", "交通银行", "中国邮政储蓄银行",
    "招商银行",     "江苏银行",     "浦发银行", "兴业银行",     "平安银行", "泰州农村商业银行",
};
const size_t simd_n_banks = SIMD_COUNT(simd_banks);
