/*
 * coverage.c: the regulator's register and the coverage report
 * (gongbao/coverage.h, spec/TRANSACTIONS.md section 13).
 *
 * The register is hashed by USCI once (open addressing, at most half full),
 * so each policy is matched in constant time while the policies are read in
 * one pass over "policy/"; the report is then built from one sort of the
 * rows by industry and district and one by district.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gongbao/coverage.h"
#include "gongbao/csv.h"

static const char *const industries[] = {
	"chemicals", "construction", "explosives", "fireworks", "fishery", "mining", "other",
	"smelting", "transport"
};
#define INDUSTRY_COUNT (sizeof industries / sizeof industries[0])

const char *gb_register_reason_text(int reason)
{
	static const char *const text[] = {
		"?", "malformed CSV", "wrong field count", "bad USCI", "unknown industry", "duplicate USCI",
		"bad name", "bad district", "no header line", "too many rows"
	};
	if (reason < 1 || reason >= (int)(sizeof text / sizeof text[0]))
		return "unknown reason";
	return text[reason];
}

static int industry_known(const char *s)
{
	for (size_t i = 0; i < INDUSTRY_COUNT; i++)
		if (strcmp(s, industries[i]) == 0)
			return 1;
	return 0;
}

/* FNV-1a over the 18 characters of a USCI. */
static uint64_t usci_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < GB_USCI_LEN && s[i] != '\0'; i++)
		h = (h ^ (uint8_t)s[i]) * 1099511628211ULL;
	return h;
}

/* The slot holding usci, or the empty slot where it would go. */
static size_t slot_of(const gb_register *reg, const char *usci)
{
	assert(reg->slot_count > 0);
	assert((reg->slot_count & (reg->slot_count - 1)) == 0);
	size_t mask = reg->slot_count - 1, i = (size_t)usci_hash(usci) & mask;
	for (size_t probes = 0; probes < reg->slot_count; probes++, i = (i + 1) & mask) {
		uint32_t v = reg->slot[i];
		if (v == 0 || strcmp(reg->rows[v - 1].usci, usci) == 0)
			return i;
	}
	assert(0 && "the table is never full");
	return 0;
}

const gb_register_row *gb_register_find(const gb_register *reg, const char *usci)
{
	assert(reg != NULL);
	assert(usci != NULL);
	if (reg->slot_count == 0 || strlen(usci) != GB_USCI_LEN)
		return NULL;
	uint32_t v = reg->slot[slot_of(reg, usci)];
	return v ? &reg->rows[v - 1] : NULL;
}

void gb_register_release(gb_register *reg)
{
	if (reg == NULL)
		return;
	free(reg->rows);
	free(reg->bad);
	free(reg->text);
	free(reg->slot);
	memset(reg, 0, sizeof *reg);
}

/* Lists a malformed line (the first GB_REGISTER_BAD_LIST_MAX of them); counts it always. */
static int add_bad(gb_register *reg, size_t *cap, uint32_t line, int reason, int csv_reason,
	const char *why)
{
	reg->bad_count++;
	if (reg->bad_listed == GB_REGISTER_BAD_LIST_MAX)
		return 0;
	if (reg->bad_listed == *cap) {
		size_t n = *cap ? *cap * 2 : 16;
		n = n > GB_REGISTER_BAD_LIST_MAX ? GB_REGISTER_BAD_LIST_MAX : n;
		gb_register_bad *b = realloc(reg->bad, n * sizeof *b);
		if (b == NULL)
			return GB_ENOMEM;
		reg->bad = b;
		*cap = n;
	}
	gb_register_bad *b = &reg->bad[reg->bad_listed++];
	b->line = line;
	b->reason = reason;
	b->csv_reason = csv_reason;
	snprintf(b->why, sizeof b->why, "%s", why);
	return 0;
}

/* Copies a field into the register's text; returns where. */
static const char *keep(char *text, size_t *used, const char *s, size_t len)
{
	char *at = text + *used;
	memcpy(at, s, len);
	at[len] = '\0';
	*used += len + 1;
	return at;
}

/* How many bytes of s to quote, at most max, without cutting a UTF-8 character. */
static int quote_len(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n <= max)
		return (int)n;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return (int)max;
}

/* Parser state across records. */
struct reg_parse {
	gb_register *reg;
	size_t bad_cap;
	size_t rows_cap;
	size_t text_used;
	size_t data_lines;              /* data records seen, good or bad */
};

/* Checks one data record; adds it as a row or lists why it is bad. */
static int take_row(struct reg_parse *ps, const gb_csv_record *r)
{
	gb_register *reg = ps->reg;
	char why[GB_REGISTER_WHY_MAX];
	const char *usci = r->field[0], *ind = r->field[2];
	int reason = 0;
	size_t s = 0;
	if (r->field_count != 4) {
		reason = GB_REG_FIELD_COUNT;
		snprintf(why, sizeof why, "%zu fields, want 4 (usci,name,industry,district)", r->field_count);
	} else if (!gb_usci_valid(usci, r->field_len[0])) {
		reason = GB_REG_BAD_USCI;
		snprintf(why, sizeof why, "bad USCI '%.*s' (want 18 of 0-9 A-H J-N P-R T U W-Y ending in the "
			"GB 32100 check character)", quote_len(usci, 40), usci);
	} else if (r->field_len[1] == 0 || r->field_len[1] > GB_ENTERPRISE_MAX) {
		reason = GB_REG_BAD_NAME;
		snprintf(why, sizeof why, "name of %zu bytes, want 1 to %d", r->field_len[1], GB_ENTERPRISE_MAX);
	} else if (!industry_known(ind)) {
		reason = GB_REG_UNKNOWN_INDUSTRY;
		snprintf(why, sizeof why, "unknown industry '%.*s'", quote_len(ind, 40), ind);
	} else if (r->field_len[3] == 0 || r->field_len[3] > GB_DISTRICT_MAX) {
		reason = GB_REG_BAD_DISTRICT;
		snprintf(why, sizeof why, "district of %zu bytes, want 1 to %d", r->field_len[3], GB_DISTRICT_MAX);
	} else if (reg->slot[s = slot_of(reg, usci)] != 0) {
		reason = GB_REG_DUPLICATE_USCI;
		snprintf(why, sizeof why, "duplicate USCI '%s' (first on line %u)", usci,
			(unsigned)reg->rows[reg->slot[s] - 1].line);
	}
	if (reason != 0)
		return add_bad(reg, &ps->bad_cap, r->line, reason, 0, why);
	assert(reg->row_count < ps->rows_cap);
	gb_register_row *row = &reg->rows[reg->row_count];
	memcpy(row->usci, usci, GB_USCI_LEN + 1);
	snprintf(row->industry, sizeof row->industry, "%s", ind);
	row->name = keep(reg->text, &ps->text_used, r->field[1], r->field_len[1]);
	row->district = keep(reg->text, &ps->text_used, r->field[3], r->field_len[3]);
	row->line = r->line;
	reg->slot[s] = (uint32_t)++reg->row_count;
	return 0;
}

/* Allocates for at most `records` data rows of a text of len bytes. */
static int reg_alloc(struct reg_parse *ps, size_t records, size_t len)
{
	gb_register *reg = ps->reg;
	ps->rows_cap = records < GB_REGISTER_ROWS_MAX ? records : GB_REGISTER_ROWS_MAX;
	reg->slot_count = 16;
	while (reg->slot_count <= 2 * ps->rows_cap)
		reg->slot_count *= 2;
	reg->rows = malloc((ps->rows_cap ? ps->rows_cap : 1) * sizeof *reg->rows);
	reg->text = malloc(len + 2 * ps->rows_cap + 1);
	reg->slot = calloc(reg->slot_count, sizeof *reg->slot);
	return reg->rows && reg->text && reg->slot ? 0 : GB_ENOMEM;
}

/* The header line: 4 fields, the first not a USCI (else it is a data row). */
static int take_header(struct reg_parse *ps, int rc, const gb_csv_record *r)
{
	if (rc == 1 && r->field_count == 4 && !gb_usci_valid(r->field[0], r->field_len[0]))
		return 0;
	return add_bad(ps->reg, &ps->bad_cap, r->line, GB_REG_NO_HEADER, rc == 1 ? 0 : r->reason,
		rc == 1 && r->field_count == 4 ? "want a header line first (usci,name,industry,district), not a data row"
		: "want a header line of 4 fields first (usci,name,industry,district)");
}

int gb_register_parse(gb_register *reg, const char *text, size_t len, gb_err *err)
{
	assert(reg != NULL);
	assert(text != NULL || len == 0);
	memset(reg, 0, sizeof *reg);
	if (len > GB_REGISTER_BYTES_MAX)
		return gb_err_set(err, GB_ETOOBIG, "register of %zu bytes is larger than %u bytes", len,
			GB_REGISTER_BYTES_MAX);
	size_t lines = 1;
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	struct reg_parse ps = { .reg = reg };
	gb_csv_record *r = malloc(sizeof *r);  /* 4 KiB: not on the stack */
	gb_csv c;
	int rc = r != NULL ? reg_alloc(&ps, lines, len) : GB_ENOMEM;
	gb_csv_init(&c, text, len);
	size_t k = 0;
	for (; rc == 0 && k <= lines; k++) {
		int got = gb_csv_next(&c, r, NULL);
		if (got == 0)
			break;
		if (k == 0) {
			rc = take_header(&ps, got, r);
		} else if (++ps.data_lines > GB_REGISTER_ROWS_MAX) {
			rc = add_bad(reg, &ps.bad_cap, r->line, GB_REG_TOO_MANY_ROWS, 0,
				"past the limit of 1,000,000 rows");
		} else if (got != 1) {
			rc = add_bad(reg, &ps.bad_cap, r->line, GB_REG_CSV, r->reason, gb_csv_reason_text(r->reason));
		} else {
			rc = take_row(&ps, r);
		}
	}
	free(r);
	if (rc == 0 && k == 0)
		rc = add_bad(reg, &ps.bad_cap, 1, GB_REG_NO_HEADER, 0, "the register is empty: want a header line");
	if (rc != 0) {
		gb_register_release(reg);
		return gb_err_set(err, rc, "out of memory reading a register of %zu bytes", len);
	}
	return 0;
}

/* ------------------------------------------------------------ the report */

/* A one-key gb_state over a value gb_state_each handed us, so gb_policy_load can decode it. */
struct one_key {
	const char *key;
	const uint8_t *val;
	size_t len;
};

static int one_get(void *ctx, const char *key, const uint8_t **val, size_t *len)
{
	const struct one_key *k = ctx;
	if (strcmp(key, k->key) != 0)
		return GB_ENOTFOUND;
	*val = k->val;
	*len = k->len;
	return 0;
}

static int one_put(void *ctx, const char *key, const void *val, size_t len)
{
	return GB_EINVAL;
}

/* The pass over the policies. */
struct cov_run {
	const gb_register *reg;
	gb_coverage *out;
	uint8_t *insured;               /* per register row */
	size_t problems_cap;
	gb_policy p;
	gb_err *err;
};

/* Notes a policy in force with a problem. */
static int add_problem(struct cov_run *run, const gb_register_row *row)
{
	gb_coverage *out = run->out;
	if (out->policy_problem_count == run->problems_cap) {
		size_t n = run->problems_cap ? run->problems_cap * 2 : 16;
		gb_coverage_policy *v = realloc(out->policies, n * sizeof *v);
		if (v == NULL)
			return gb_err_set(run->err, GB_ENOMEM, "out of memory listing policies");
		out->policies = v;
		run->problems_cap = n;
	}
	gb_coverage_policy *q = &out->policies[out->policy_problem_count++];
	memset(q, 0, sizeof *q);
	snprintf(q->number, sizeof q->number, "%s", run->p.number);
	snprintf(q->usci, sizeof q->usci, "%s", run->p.usci);
	snprintf(q->enterprise, sizeof q->enterprise, "%s", run->p.enterprise);
	snprintf(q->industry, sizeof q->industry, "%s", run->p.industry);
	q->problem = row == NULL ? GB_COV_NOT_REGISTERED : GB_COV_INDUSTRY_DIFFERS;
	if (row != NULL) {
		snprintf(q->register_industry, sizeof q->register_industry, "%s", row->industry);
		q->register_line = row->line;
	}
	return 0;
}

/* gb_state_each callback: one policy record. */
static int on_policy(void *arg, const char *key, const uint8_t *val, size_t len)
{
	struct cov_run *run = arg;
	struct one_key k = { key, val, len };
	gb_state one = { &k, one_get, one_put, NULL };
	assert(strncmp(key, GB_POLICY_KEY_PREFIX, strlen(GB_POLICY_KEY_PREFIX)) == 0);
	int rc = gb_policy_load(&one, key + strlen(GB_POLICY_KEY_PREFIX), &run->p, run->err);
	if (rc != 0)
		return rc;
	run->out->policy_count++;
	if (!gb_policy_in_force(&run->p, run->out->date))
		return 0;
	run->out->in_force_count++;
	const gb_register_row *row = gb_register_find(run->reg, run->p.usci);
	if (row != NULL)
		run->insured[row - run->reg->rows] = 1;
	if (row == NULL || strcmp(row->industry, run->p.industry) != 0)
		return add_problem(run, row);
	return 0;
}

static int by_industry_district(const void *a, const void *b)
{
	const gb_register_row *x = *(const gb_register_row *const *)a, *y = *(const gb_register_row *const *)b;
	int c = strcmp(x->industry, y->industry);
	c = c ? c : strcmp(x->district, y->district);
	return c ? c : (x->line > y->line) - (x->line < y->line);
}

static int by_district(const void *a, const void *b)
{
	const gb_register_row *x = *(const gb_register_row *const *)a, *y = *(const gb_register_row *const *)b;
	int c = strcmp(x->district, y->district);
	return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* uninsured / registered in basis points, half up; 0 for an empty group. */
static uint32_t share_bps(uint64_t uninsured, uint64_t registered)
{
	assert(uninsured <= registered);
	if (registered == 0)
		return 0;
	return (uint32_t)((uninsured * 20000 + registered) / (2 * registered));
}

static void count_row(gb_coverage_count *n, int insured)
{
	n->registered_count++;
	n->uninsured_count += !insured;
	n->uninsured_bps = share_bps(n->uninsured_count, n->registered_count);
}

/*
 * Walks rows sorted by `level` keys and appends one group per run of equal
 * keys: level 0 industry and district, 1 industry only, 2 district only.
 */
static void group_rows(const gb_register_row *const *sorted, size_t count, const uint8_t *insured,
	const gb_register_row *base, int level, gb_coverage_group *g, size_t *g_count)
{
	*g_count = 0;
	for (size_t i = 0; i < count; i++) {
		const gb_register_row *r = sorted[i];
		gb_coverage_group *last = *g_count ? &g[*g_count - 1] : NULL;
		int same = last != NULL &&
			(level == 2 || strcmp(last->industry, r->industry) == 0) &&
			(level == 1 || strcmp(last->district, r->district) == 0);
		if (!same) {
			last = &g[(*g_count)++];
			memset(last, 0, sizeof *last);
			if (level != 2)
				snprintf(last->industry, sizeof last->industry, "%s", r->industry);
			last->district = level == 1 ? NULL : r->district;
		}
		count_row(&last->n, insured[r - base]);
	}
}

/* Builds the lists and groups from the insured flags. */
static int build_report(struct cov_run *run)
{
	const gb_register *reg = run->reg;
	gb_coverage *out = run->out;
	size_t n = reg->row_count, alloc = n ? n : 1;
	const gb_register_row **sorted = malloc(alloc * sizeof *sorted);
	out->uninsured = malloc(alloc * sizeof *out->uninsured);
	out->groups = malloc(alloc * sizeof *out->groups);
	out->industries = malloc(alloc * sizeof *out->industries);
	out->districts = malloc(alloc * sizeof *out->districts);
	if (!sorted || !out->uninsured || !out->groups || !out->industries || !out->districts) {
		free(sorted);
		return gb_err_set(run->err, GB_ENOMEM, "out of memory for a report of %zu rows", n);
	}
	for (size_t i = 0; i < n; i++)
		sorted[i] = &reg->rows[i];
	qsort(sorted, n, sizeof *sorted, by_industry_district);
	for (size_t i = 0; i < n; i++) {
		count_row(&out->total, run->insured[sorted[i] - reg->rows]);
		if (!run->insured[sorted[i] - reg->rows])
			out->uninsured[out->uninsured_count++] = (size_t)(sorted[i] - reg->rows);
	}
	group_rows(sorted, n, run->insured, reg->rows, 0, out->groups, &out->group_count);
	group_rows(sorted, n, run->insured, reg->rows, 1, out->industries, &out->industry_count);
	qsort(sorted, n, sizeof *sorted, by_district);
	group_rows(sorted, n, run->insured, reg->rows, 2, out->districts, &out->district_count);
	free(sorted);
	assert(out->total.registered_count == n);
	return 0;
}

int gb_coverage_run(const gb_state *st, const gb_register *reg, uint32_t date, gb_coverage *out,
	gb_err *err)
{
	assert(st != NULL);
	assert(reg != NULL);
	assert(out != NULL);
	memset(out, 0, sizeof *out);
	out->date = date;
	struct cov_run *run = calloc(1, sizeof *run);
	uint8_t *insured = calloc(reg->row_count ? reg->row_count : 1, 1);
	int rc = run && insured ? 0 : gb_err_set(err, GB_ENOMEM, "out of memory for the coverage report");
	if (rc == 0) {
		run->reg = reg;
		run->out = out;
		run->insured = insured;
		run->err = err;
		rc = gb_state_each(st, GB_POLICY_KEY_PREFIX, on_policy, run);
		if (rc == GB_EINVAL && st->each == NULL)
			gb_err_set(err, rc, "the state cannot iterate over policies");
		else if (rc != 0 && err != NULL && err->code != rc)
			gb_err_set(err, rc, "reading the policies: %s", gb_strerror(rc));
	}
	rc = rc ? rc : build_report(run);
	free(run);
	free(insured);
	if (rc != 0)
		gb_coverage_release(out);
	return rc;
}

void gb_coverage_release(gb_coverage *c)
{
	if (c == NULL)
		return;
	free(c->uninsured);
	free(c->groups);
	free(c->industries);
	free(c->districts);
	free(c->policies);
	memset(c, 0, sizeof *c);
}
