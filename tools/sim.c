/*
 * sim.c: a deterministic consortium year, posted through the library.
 *
 *   build/tools/sim [--seed N] [--ledger DIR] [--register FILE] [--enterprises N]
 *                   [--check] [--quiet] [--json]
 *
 * One year (2026) of a Zhoushan work-safety liability consortium: a charter
 * with five members (picc-zs leads the default share table), the
 * association and a regulator; parameters with below_floor "flag"; a rate
 * table for all nine industries co-signed by the regulator; enterprises
 * across the eight high-risk industries, each with a headcount (and, in
 * construction, a project cost), a safety-standardisation grade and an
 * 18-character unified social credit code; their policies, premiums paid in
 * full, in two instalments or only in part; accidents at per-industry
 * frequencies with advances, settlements, rejections and closes; monthly
 * prevention-fund spending; quarterly settlements between members; an
 * endorsement, a cancellation for closure, a key rotation and memos.
 *
 * Who priced a policy: every policy carries its own share table whose lead
 * is the member that wrote it (40%, the other four 15% each); the lead
 * signs the policy, so "who priced it" is the policy's lead and signer.
 * One member, taiping-zs, systematically prices 20-40% below the rate
 * floor; the others price 2-15% above it. With below_floor "flag" the
 * ledger accepts the undercut policies and marks them flagged.
 *
 * Determinism: one splitmix64 stream from --seed drives every choice; keys
 * come from gb_seckey_from_seed with seeds = BLAKE2b(seed, name, key
 * generation); entry times and the ledger clock are fixed per simulated
 * day. Same seed, same ledger bytes. Premiums are rated with floating point
 * here (a tool's choice); the ledger itself only sees integer fen.
 *
 * Every entry goes through gb_ledger_append in one batch per day (two on
 * days that read the state: fund withdrawals and settlements), each signed
 * by its participant's own key. --check verifies, as of every entry, the
 * invariants of spec/TRANSACTIONS.md section 4 over all balances; the first
 * violation exits 1 naming the last entry index of the batch.
 */
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "gongbao/books.h"
#include "gongbao/date.h"
#include "gongbao/money.h"
#include "gongbao/entry.h"
#include "gongbao/json.h"
#include "gongbao/ledger.h"
#include "gongbao/policy.h"
#include "gongbao/store.h"

#define YEAR_START_S 1767225600ULL      /* 2026-01-01T00:00:00Z */
#define DAY_S 86400ULL
#define DAYS 365
#define ENTERPRISES_DEFAULT 3000
#define ENTERPRISES_MAX 200000
#define BATCH_MAX 4096
#define MEMBERS 5
#define INDUSTRIES 8
#define EVENTS_PER_ENTERPRISE 8
#define ACCOUNTS_MAX 4096

enum { P_ASSOC, P_M0, P_M1, P_M2, P_M3, P_M4, P_REG, P_COUNT };
static const char *const part_id[P_COUNT] = {
	"zs-assoc", "chinalife-zs", "cpic-zs", "picc-zs", "pingan-zs", "taiping-zs", "zs-eb"
};
static const char *const part_role[P_COUNT] = {
	"association", "member", "member", "member", "member", "member", "regulator"
};
/* Member indexes (P_M0 + i) in ascending id order; the default lead, the undercutter, the rotator. */
#define LEAD P_M2
#define UNDERCUTTER P_M4
#define ROTATOR P_M3
/* How often each member writes a policy (per mille); the undercutter wins business. */
static const int member_weight[MEMBERS] = { 150, 150, 300, 150, 250 };

struct industry {
	const char *id, *zh;
	int head;                       /* 1: per head (fen a head a year); 0: ppm of project cost */
	int64_t rate;
	int heads_min, heads_max;
	int accident_per_mille;         /* accidents per policy-year */
	int share_per_mille;            /* of the register */
};
static const struct industry ind[INDUSTRIES] = {
	{ "mining", "矿业", 1, 36000, 20, 800, 80, 90 },
	{ "chemicals", "化工", 1, 30000, 15, 400, 50, 200 },
	{ "fireworks", "烟花爆竹", 1, 32000, 5, 80, 60, 40 },
	{ "transport", "运输", 1, 24000, 10, 300, 70, 180 },
	{ "construction", "建设工程", 0, 500, 20, 500, 80, 250 },
	{ "explosives", "民爆器材", 1, 34000, 10, 150, 40, 20 },
	{ "smelting", "冶金", 1, 22000, 30, 1000, 50, 80 },
	{ "fishery", "渔业", 1, 18000, 3, 30, 90, 140 },
};
static const struct { const char *code, *zh; } districts[] = {
	{ "330902", "定海区" }, { "330903", "普陀区" }, { "330921", "岱山县" }, { "330922", "嵊泗县" },
};
static const char *const name_words[] = {
	"海宏", "东港", "金塘", "六横", "沈家门", "朱家尖", "岱东", "衢山", "洋山", "泗礁", "长涂", "秀山",
	"蓬莱", "白泉", "干览", "马岙", "桃花", "虾峙", "登步", "展茅", "勾山", "东极", "螺门", "小沙",
};
static const char *const grades[] = { "1", "2", "3", "none" };
static const char *const purposes[] = {
	"training", "risk_assessment", "hidden_danger", "drills", "rewards", "technology",
	"evaluation", "consulting", "publicity"
};

/* Event kinds, in the order they run on one day. */
enum ev_kind { EV_ISSUE, EV_PAY, EV_PAY_REST, EV_REPORT, EV_ADVANCE, EV_SETTLE, EV_REJECT, EV_CLOSE,
	EV_ENDORSE, EV_CANCEL };

struct event {
	uint16_t day;
	uint8_t kind;
	uint32_t ent;                   /* the enterprise */
	int64_t amount_fen;             /* EV_PAY, EV_ADVANCE, EV_SETTLE */
};

struct enterprise {
	char usci[GB_USCI_LEN + 1];
	char name[128];
	int industry, district, grade, accidents_level;
	int64_t heads, cost_fen;
	int insured, writer;            /* writer: P_M0.. */
	int64_t premium_fen, floor_fen, limit_fen, commission_fen;
	int issue_day;
	int claim;                      /* claim number, 0 if none */
	int64_t estimate_fen, advance_fen;
	int deaths, injuries, accident_day;
};

struct totals {
	int64_t withdrawn_fen, settled_fen;
	int policies, flagged, claims, withdrawals, settlements;
};

struct sim {
	uint64_t rng, seed;
	gb_ledger *l;
	gb_seckey key[P_COUNT];
	int key_gen[P_COUNT];
	int quiet, check, json;
	size_t n_ent;
	struct enterprise *ent;
	struct event *ev;
	size_t n_ev;
	/* the batch being built: entries back to back in arena */
	uint8_t *arena;
	size_t arena_len, arena_cap;
	size_t off[BATCH_MAX], len[BATCH_MAX], count;
	uint64_t next_id, entries, checks, last_index;
	uint64_t fault_at;              /* --fault: 0, or 1 + the index after which to skew a balance */
	int day;
	uint32_t entry_seq;
	struct totals tot;
	char first_policy[GB_POLICY_NO_MAX + 1], first_claim[64];
};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "sim: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

/* ------------------------------------------------------------ randomness */

static uint64_t rnd(struct sim *s)
{
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static int64_t rnd_in(struct sim *s, int64_t lo, int64_t hi)
{
	assert(lo <= hi);
	return lo + (int64_t)(rnd(s) % (uint64_t)(hi - lo + 1));
}

/* Uniform in [0, 1). */
static double rnd_unit(struct sim *s)
{
	return (double)(rnd(s) >> 11) * (1.0 / 9007199254740992.0);
}

static int chance(struct sim *s, int per_mille)
{
	return rnd_in(s, 0, 999) < per_mille;
}

/* ------------------------------------------------------------------ keys */

/* The key of participant p at key generation gen: seed = BLAKE2b(seed, name, gen). */
static void make_key(struct sim *s, int p, int gen)
{
	uint8_t seed[GB_SEED_BYTES];
	char msg[128];
	int n = snprintf(msg, sizeof msg, "gongbao-sim|%" PRIu64 "|%s|%d", s->seed, part_id[p], gen);
	crypto_generichash(seed, sizeof seed, (const uint8_t *)msg, (size_t)n, NULL, 0);
	gb_err err;
	if (gb_seckey_from_seed(&s->key[p], part_id[p], GB_ALG_ED25519, seed, &err) != 0)
		die("key for %s: %s", part_id[p], err.msg);
	sodium_memzero(seed, sizeof seed);
	s->key_gen[p] = gen;
}

static const char *vkey_of(const gb_seckey *k)
{
	static char buf[GB_VKEY_MAX];
	gb_vkey_format(&k->pub, buf);
	return buf;
}

/* ----------------------------------------------------------------- dates */

/* YYYYMMDD of simulated day d (0 = 2026-01-01; may run into 2027). */
static uint32_t date_of(int d)
{
	return gb_date_of_time(YEAR_START_S + (uint64_t)d * DAY_S);
}

/* -------------------------------------------------------------- batches */

static void flush(struct sim *s);

/* Signs body (adding the common fields) by who[0], co-signed by who[1..n), into the batch. */
static void post(struct sim *s, const int *who, size_t n, json_t *body)
{
	assert(n >= 1 && n <= GB_ENTRY_SIGS_MAX);
	char id[32];
	snprintf(id, sizeof id, "sim-%06" PRIu64, ++s->next_id);
	json_object_set_new(body, "v", json_integer(GB_ENTRY_VERSION));
	json_object_set_new(body, "consortium", json_string("zs-2026"));
	json_object_set_new(body, "signer", json_string(part_id[who[0]]));
	json_object_set_new(body, "id", json_string(id));
	/* Entries of a day are stamped from 08:00 on, a second apart, in posting order. */
	json_object_set_new(body, "time", json_integer((json_int_t)(YEAR_START_S + (uint64_t)s->day * DAY_S +
		8 * 3600 + s->entry_seq++ % 36000)));
	static uint8_t mp[GB_ENTRY_MAX];
	gb_mpw w;
	gb_err err;
	gb_mpw_init(&w, mp, sizeof mp);
	if (gb_json_to_mp(body, &w, &err) != 0)
		die("encoding %s: %s", json_string_value(json_object_get(body, "type")), err.msg);
	const gb_seckey *keys[GB_ENTRY_SIGS_MAX];
	for (size_t i = 0; i < n; i++)
		keys[i] = &s->key[who[i]];
	if (s->arena_cap - s->arena_len < GB_ENTRY_MAX) {
		s->arena_cap = s->arena_cap * 2 + 4 * GB_ENTRY_MAX;
		if ((s->arena = realloc(s->arena, s->arena_cap)) == NULL)
			die("out of memory");
	}
	size_t len;
	if (gb_entry_sign(mp, w.len, keys, n, s->arena + s->arena_len, GB_ENTRY_MAX, &len, &err) != 0)
		die("signing: %s", err.msg);
	json_decref(body);
	s->off[s->count] = s->arena_len;
	s->len[s->count++] = len;
	s->arena_len += len;
	if (s->count == BATCH_MAX)
		flush(s);
}

static void post1(struct sim *s, int who, json_t *body)
{
	post(s, &who, 1, body);
}

static void check_invariants(struct sim *s, uint64_t as_of);

/* Appends the batch (all or nothing), then checks the invariants if asked. */
static void flush(struct sim *s)
{
	if (s->count == 0)
		return;
	static gb_bytes items[BATCH_MAX];
	static gb_append_result res[BATCH_MAX];
	for (size_t i = 0; i < s->count; i++)
		items[i] = (gb_bytes){ s->arena + s->off[i], s->len[i] };
	gb_err err;
	if (gb_ledger_append(s->l, items, s->count, res, &err) != 0)
		die("day %u: batch of %zu refused: %s: %s", date_of(s->day), s->count, gb_errname(err.code), err.msg);
	s->entries += s->count;
	s->last_index = res[s->count - 1].index;
	/* The state keeps every version, so the invariants can be checked as of each entry. */
	for (size_t i = 0; s->check && i < s->count; i++)
		check_invariants(s, res[i].index);
	s->count = 0;
	s->arena_len = 0;
}

/* ------------------------------------------------------------ invariants */

struct bal { char name[GB_ACCOUNT_MAX + 1]; int64_t v; };
struct bal_set { struct bal b[ACCOUNTS_MAX]; size_t n; int bad; };

static int collect_bal(void *arg, const char *key, const uint8_t *val, size_t len)
{
	struct bal_set *bs = arg;
	if (len != 8 || bs->n == ACCOUNTS_MAX || strlen(key) - 4 > GB_ACCOUNT_MAX) {
		bs->bad = 1;
		return GB_ECORRUPT;
	}
	uint64_t u = 0;
	for (int i = 0; i < 8; i++)
		u = u << 8 | val[i];
	snprintf(bs->b[bs->n].name, sizeof bs->b[0].name, "%s", key + 4);
	bs->b[bs->n++].v = (int64_t)u;
	return 0;
}

static int read_balances(const gb_state *st, void *arg)
{
	return gb_state_each(st, GB_BALANCE_KEY_PREFIX, collect_bal, arg);
}

static int64_t bal_find(const struct bal_set *bs, const char *name)
{
	size_t lo = 0, hi = bs->n;
	while (lo < hi) {  /* the names come sorted from the state */
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, bs->b[mid].name);
		if (c == 0)
			return bs->b[mid].v;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

/* Section 4: per-member sums 0, grand total 0, fund parts <= 0, due_from/due_to mirror. */
static void check_invariants(struct sim *s, uint64_t as_of)
{
	static struct bal_set bs;
	bs.n = 0;
	bs.bad = 0;
	gb_err err;
	if (gb_ledger_read(s->l, as_of, read_balances, &bs, &err) != 0)
		die("entry %" PRIu64 ": reading balances: %s", as_of, err.msg);
	/* --fault: the check must catch a balance that is a fen off (the ledger is not touched). */
	if (s->fault_at != 0 && as_of + 1 >= s->fault_at && bs.n > 0)
		bs.b[bs.n - 1].v += 1;
	int64_t total = 0, member_sum[P_COUNT] = { 0 };
	for (size_t i = 0; i < bs.n; i++) {
		char m[GB_ID_MAX + 1], o[GB_ID_MAX + 1], mirror[GB_ACCOUNT_MAX + 1];
		int kind, p = -1;
		if (gb_account_parse(bs.b[i].name, m, &kind, o, &err) != 0)
			die("invariant: entry %" PRIu64 ": unparseable account '%s'", as_of, bs.b[i].name);
		for (int j = P_M0; j <= P_M4; j++)
			if (strcmp(m, part_id[j]) == 0)
				p = j;
		if (p < 0)
			die("invariant: entry %" PRIu64 ": account '%s' of a non-member", as_of, bs.b[i].name);
		total += bs.b[i].v;
		member_sum[p] += bs.b[i].v;
		if (kind == GB_ACCOUNT_FUND && bs.b[i].v > 0)
			die("invariant: entry %" PRIu64 ": %s is %" PRId64 " fen, above 0", as_of,
				bs.b[i].name, bs.b[i].v);
		if (kind == GB_ACCOUNT_DUE_FROM || kind == GB_ACCOUNT_DUE_TO) {
			snprintf(mirror, sizeof mirror, "m/%s/%s/%s", o, kind == GB_ACCOUNT_DUE_FROM ? "due_to" : "due_from", m);
			if (bal_find(&bs, mirror) != -bs.b[i].v)
				die("invariant: entry %" PRIu64 ": %s is %" PRId64 " fen but %s is %" PRId64, as_of,
					bs.b[i].name, bs.b[i].v, mirror, bal_find(&bs, mirror));
		}
	}
	for (int j = P_M0; j <= P_M4; j++)
		if (member_sum[j] != 0)
			die("invariant: entry %" PRIu64 ": %s's books sum to %" PRId64 " fen, want 0", as_of,
				part_id[j], member_sum[j]);
	if (total != 0)
		die("invariant: entry %" PRIu64 ": all balances sum to %" PRId64 " fen, want 0", as_of, total);
	s->checks++;
}

/* ------------------------------------------------------- the consortium */

/* {"lead": lead, "members": [{"bps", "id"}, ...]}: lead 40%, the others 15% each. */
static json_t *share_table(int lead, int default_table)
{
	static const int64_t default_bps[MEMBERS] = { 1500, 2000, 4000, 1500, 1000 };
	json_t *ms = json_array();
	for (int i = 0; i < MEMBERS; i++)
		json_array_append_new(ms, json_pack("{s:I,s:s}", "bps",
			(json_int_t)(default_table ? default_bps[i] : P_M0 + i == lead ? 4000 : 1500),
			"id", part_id[P_M0 + i]));
	return json_pack("{s:s,s:o}", "lead", part_id[lead], "members", ms);
}

static json_t *factors_table(void)
{
	return json_pack("{s:{s:i,s:i,s:i,s:i},s:{s:i,s:i,s:i,s:i}}",
		"accidents", "none", -1000, "general", 1000, "larger", 2000, "major", 3000,
		"grade", "1", -1000, "2", -500, "3", 0, "none", 1000);
}
static const int64_t accident_step[4] = { -1000, 1000, 2000, 3000 };
static const char *const accident_levels[4] = { "none", "general", "larger", "major" };
static const int64_t grade_step[4] = { -1000, -500, 0, 1000 };

/* Creates the ledger with the charter (entry 0). */
static void open_ledger(struct sim *s, const char *dir)
{
	json_t *parts = json_array();
	for (int p = 0; p < P_COUNT; p++)
		json_array_append_new(parts, json_pack("{s:s,s:s,s:s}", "id", part_id[p], "role", part_role[p],
			"vkey", vkey_of(&s->key[p])));
	json_t *body = json_pack("{s:s,s:s,s:o,s:{s:s,s:i,s:I},s:o}", "type", "charter",
		"name", "舟山市安全生产责任保险共保体 (simulated)", "participants", parts,
		"params", "below_floor", "flag", "setaside_bps", 1500, "limit_floor_fen", (json_int_t)40000000,
		"shares", share_table(LEAD, 1));
	s->day = 0;
	post1(s, P_ASSOC, body);
	char origin[] = "gongbao.sim/zs-2026";
	uint8_t seed[GB_SEED_BYTES];
	char msg[96];
	int n = snprintf(msg, sizeof msg, "gongbao-sim|%" PRIu64 "|log", s->seed);
	crypto_generichash(seed, sizeof seed, (const uint8_t *)msg, (size_t)n, NULL, 0);
	gb_seckey log_key;
	gb_err err;
	if (gb_seckey_from_seed(&log_key, origin, GB_ALG_ED25519, seed, &err) != 0)
		die("log key: %s", err.msg);
	sodium_memzero(seed, sizeof seed);
	gb_ledger_opts opts = { .clock_s = YEAR_START_S + 12 * 3600 };
	if (gb_ledger_create(dir, origin, &log_key.pub, s->arena, s->len[0], &opts, &s->l, &err) != 0)
		die("creating the ledger in '%s': %s: %s", dir, gb_errname(err.code), err.msg);
	sodium_memzero(&log_key, sizeof log_key);
	s->count = 0;
	s->arena_len = 0;
	s->entries = 1;
}

/* The rate table for all nine industries from 2026-01-01, co-signed by the regulator. */
static void post_rates(struct sim *s)
{
	json_t *rates = json_object();
	for (int i = 0; i < INDUSTRIES; i++)
		json_object_set_new(rates, ind[i].id, json_pack("{s:s,s:I}", "basis", ind[i].head ? "head" : "cost",
			"rate", (json_int_t)ind[i].rate));
	json_object_set_new(rates, "other", json_pack("{s:s,s:I}", "basis", "head", "rate", (json_int_t)10000));
	int who[2] = { P_ASSOC, P_REG };
	post(s, who, 2, json_pack("{s:s,s:i,s:i,s:i,s:o,s:o}", "type", "rates.set", "from", 20260101,
		"float_min_bps", -3000, "float_max_bps", 3000, "factors", factors_table(), "rates", rates));
}

/* ----------------------------------------------------------- enterprises */

/* A valid USCI: '9' '1', the district, an organisation code with its GB 11714 check, the GB 32100 check. */
static void make_usci(struct sim *s, const char *district, char out[GB_USCI_LEN + 1])
{
	static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
	static const int w11714[8] = { 3, 7, 9, 10, 5, 8, 4, 2 };
	static const int w32100[17] = { 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28 };
	int sum = 0;
	memcpy(out, "91", 2);
	memcpy(out + 2, district, 6);
	for (int i = 0; i < 8; i++) {
		int d = (int)rnd_in(s, 0, 9);
		out[8 + i] = (char)('0' + d);
		sum += d * w11714[i];
	}
	int c = 11 - sum % 11;
	out[16] = c == 11 ? '0' : c == 10 ? 'X' : (char)('0' + c);
	sum = 0;
	for (int i = 0; i < 17; i++)
		sum += (int)(strchr(alphabet, out[i]) - alphabet) * w32100[i];
	out[17] = alphabet[(31 - sum % 31) % 31];
	out[18] = '\0';
	assert(gb_usci_valid(out, GB_USCI_LEN));
}

/* The floor for one year of e's cover, as the policies family computes it. */
static int64_t floor_of(const struct enterprise *e)
{
	const struct industry *in = &ind[e->industry];
	int64_t annual = in->head ? in->rate * e->heads
		: e->cost_fen / 1000000 * in->rate + (e->cost_fen % 1000000 * in->rate + 500000) / 1000000;
	int64_t fl = accident_step[e->accidents_level] + grade_step[e->grade];
	fl = fl < -3000 ? -3000 : fl > 3000 ? 3000 : fl;
	int64_t adj = (annual * (fl < 0 ? -fl : fl) + 5000) / 10000;
	return fl < 0 ? annual - adj : annual + adj;
}

static void add_event(struct sim *s, int day, int kind, size_t ent, int64_t amount_fen)
{
	if (day >= DAYS)
		return;
	assert(s->n_ev < s->n_ent * EVENTS_PER_ENTERPRISE + 16);
	s->ev[s->n_ev++] = (struct event){ (uint16_t)day, (uint8_t)kind, (uint32_t)ent, amount_fen };
}

/* Who writes a policy: by member_weight. */
static int pick_writer(struct sim *s)
{
	int r = (int)rnd_in(s, 0, 999);
	for (int i = 0; i < MEMBERS; i++) {
		if (r < member_weight[i])
			return P_M0 + i;
		r -= member_weight[i];
	}
	return P_M0;
}

static void make_claim(struct sim *s, size_t i);

/* One enterprise: identity, exposure, the policy it buys (if any), how it pays, its accident. */
static void make_enterprise(struct sim *s, size_t i)
{
	struct enterprise *e = &s->ent[i];
	int r = (int)rnd_in(s, 0, 999), k = 0;
	while (k < INDUSTRIES - 1 && r >= ind[k].share_per_mille)
		r -= ind[k++].share_per_mille;
	e->industry = k;
	e->district = (int)rnd_in(s, 0, 3);
	make_usci(s, districts[e->district].code, e->usci);
	snprintf(e->name, sizeof e->name, "舟山市%s%s%s有限公司", name_words[rnd_in(s, 0, 23)],
		name_words[rnd_in(s, 0, 23)], ind[k].zh);
	e->heads = rnd_in(s, ind[k].heads_min, ind[k].heads_max);
	e->cost_fen = ind[k].head ? 0 : rnd_in(s, 1000000, 200000000) * 100;
	e->grade = (int)rnd_in(s, 0, 3);
	e->accidents_level = chance(s, 800) ? 0 : chance(s, 700) ? 1 : chance(s, 700) ? 2 : 3;
	e->insured = chance(s, 940);
	if (!e->insured)
		return;
	e->writer = pick_writer(s);
	e->issue_day = (int)rnd_in(s, 1, 330);
	e->floor_fen = floor_of(e);
	double f = e->writer == UNDERCUTTER ? 1.0 - (0.20 + 0.20 * rnd_unit(s)) : 1.02 + 0.13 * rnd_unit(s);
	/* In whole yuan: down for the undercutter, up (so never below the floor) for the others. */
	double yuan = (double)e->floor_fen * f / 100.0;
	int64_t whole = (int64_t)yuan;
	e->premium_fen = (whole + (e->writer != UNDERCUTTER && (double)whole < yuan)) * 100;
	if (e->premium_fen < 100)
		e->premium_fen = 100;
	e->limit_fen = (int64_t)(4 + rnd_in(s, 0, 4)) * 10000000;
	e->commission_fen = chance(s, 600) ? 0 : e->premium_fen * rnd_in(s, 200, 500) / 10000;
	add_event(s, e->issue_day, EV_ISSUE, i, 0);
	int pat = (int)rnd_in(s, 0, 99), d = e->issue_day;
	if (pat < 75) {                         /* in full */
		add_event(s, d + (int)rnd_in(s, 1, 20), EV_PAY_REST, i, 0);
	} else if (pat < 90) {                  /* two instalments */
		add_event(s, d + (int)rnd_in(s, 0, 10), EV_PAY, i, e->premium_fen / 2);
		add_event(s, d + (int)rnd_in(s, 60, 120), EV_PAY_REST, i, 0);
	} else {                                /* in part only */
		add_event(s, d + (int)rnd_in(s, 5, 30), EV_PAY, i, e->premium_fen * rnd_in(s, 30, 70) / 100);
	}
	make_claim(s, i);
}

/* Its accident, if any: the chance scales with the part of the year still covered. */
static void make_claim(struct sim *s, size_t i)
{
	struct enterprise *e = &s->ent[i];
	int d = e->issue_day;
	assert(e->insured);
	if (rnd_in(s, 0, 999 * DAYS) >= (int64_t)ind[e->industry].accident_per_mille * (DAYS - 1 - d) ||
	    d >= DAYS - 4)
		return;
	e->accident_day = (int)rnd_in(s, d + 1, DAYS - 3);
	e->claim = 1;   /* numbered when reported */
	int rep = e->accident_day + (int)rnd_in(s, 0, 2);
	e->deaths = chance(s, 250) ? (int)rnd_in(s, 1, chance(s, 850) ? 1 : 3) : 0;
	e->injuries = e->deaths && chance(s, 400) ? 0 : (int)rnd_in(s, 1, 6);
	e->estimate_fen = e->deaths * e->limit_fen + e->injuries * rnd_in(s, 20000, 150000) * 100 +
		rnd_in(s, 0, 50000) * 100;
	add_event(s, rep, EV_REPORT, i, 0);
	int fate = (int)rnd_in(s, 0, 99);
	if (fate < 5) {
		add_event(s, rep + (int)rnd_in(s, 10, 40), EV_REJECT, i, 0);
		return;
	}
	if (fate < 9) {
		add_event(s, rep + (int)rnd_in(s, 5, 30), EV_CLOSE, i, 0);
		return;
	}
	e->advance_fen = e->estimate_fen * rnd_in(s, 30, 50) / 100 / 100 * 100;
	int adv = rep + (int)rnd_in(s, 1, 3);
	add_event(s, adv, EV_ADVANCE, i, e->advance_fen);
	int64_t final_fen = (int64_t)((double)e->estimate_fen * (0.7 + 0.4 * rnd_unit(s)) / 100.0) * 100;
	if (final_fen < e->advance_fen)
		final_fen = e->advance_fen;
	int set = adv + (int)rnd_in(s, 20, 120);
	if (adv < DAYS)
		add_event(s, set, EV_SETTLE, i, final_fen);
	if (set < DAYS && chance(s, 500))
		add_event(s, set + (int)rnd_in(s, 5, 15), EV_CLOSE, i, 0);
}

/* One endorsement (20% more heads from 1 July) and one cancellation (closed, 8 September). */
static void pick_changes(struct sim *s)
{
	int endorsed = -1, cancelled = -1;
	for (size_t i = 0; i < s->n_ent && (endorsed < 0 || cancelled < 0); i++) {
		const struct enterprise *e = &s->ent[i];
		if (!e->insured || e->claim || e->writer == UNDERCUTTER || !ind[e->industry].head || e->issue_day > 100)
			continue;
		/* Only enterprises that paid in full early (a single EV_PAY_REST by day 120). */
		int pays = 0, late = 0;
		for (size_t j = 0; j < s->n_ev; j++)
			if (s->ev[j].ent == i && s->ev[j].kind != EV_ISSUE) {
				pays++;
				late |= s->ev[j].kind != EV_PAY_REST || s->ev[j].day > 120;
			}
		if (pays != 1 || late)
			continue;
		if (endorsed < 0) {
			endorsed = (int)i;
			add_event(s, 181, EV_ENDORSE, i, 0);
			add_event(s, 190, EV_PAY_REST, i, 0);
		} else {
			cancelled = (int)i;
			add_event(s, 250, EV_CANCEL, i, 0);
		}
	}
}

static int event_cmp(const void *a, const void *b)
{
	const struct event *x = a, *y = b;
	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return x->ent < y->ent ? -1 : x->ent > y->ent;
}

/* Writes the regulator's register of enterprises that must insure; returns its SHA-256 (hex). */
static void write_register(struct sim *s, const char *path, char hex[65])
{
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		die("cannot write '%s': %s", path, strerror(errno));
	crypto_hash_sha256_state h;
	crypto_hash_sha256_init(&h);
	char line[512];
	int n = snprintf(line, sizeof line, "usci,name,industry,district\n");
	fputs(line, f);
	crypto_hash_sha256_update(&h, (const uint8_t *)line, (size_t)n);
	for (size_t i = 0; i < s->n_ent; i++) {
		const struct enterprise *e = &s->ent[i];
		n = snprintf(line, sizeof line, "%s,%s,%s,%s\n", e->usci, e->name, ind[e->industry].id,
			districts[e->district].zh);
		fputs(line, f);
		crypto_hash_sha256_update(&h, (const uint8_t *)line, (size_t)n);
	}
	if (fclose(f) != 0)
		die("cannot write '%s': %s", path, strerror(errno));
	uint8_t digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_final(&h, digest);
	sodium_bin2hex(hex, 65, digest, sizeof digest);
}

/* ------------------------------------------------------------ the year */

static void policy_no(const struct sim *s, size_t i, char out[GB_POLICY_NO_MAX + 1])
{
	snprintf(out, GB_POLICY_NO_MAX + 1, "ZS2026-%06zu", i + 1);
}

static void claim_no(size_t i, char out[32])
{
	snprintf(out, 32, "CL2026-%06zu", i + 1);
}

/* What a policy still owes, read from the state (premium_fen - received_fen). */
struct owed_req { const char *no; int64_t owed; int status; gb_err err; };

static int read_owed(const gb_state *st, void *arg)
{
	struct owed_req *q = arg;
	static gb_policy p;
	int rc = gb_policy_load(st, q->no, &p, &q->err);
	if (rc == 0) {
		q->owed = p.premium_fen - p.received_fen;
		q->status = p.status;
	}
	return rc;
}

static void ev_issue(struct sim *s, size_t i)
{
	const struct enterprise *e = &s->ent[i];
	char no[GB_POLICY_NO_MAX + 1];
	policy_no(s, i, no);
	json_t *body = json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:i,s:i,s:{s:s,s:s},s:o}",
		"type", "policy.issue", "no", no, "usci", e->usci, "enterprise", e->name,
		"industry", ind[e->industry].id, "exposure", (json_int_t)(ind[e->industry].head ? e->heads : e->cost_fen),
		"headcount", (json_int_t)e->heads, "limit_fen", (json_int_t)e->limit_fen,
		"premium_fen", (json_int_t)e->premium_fen, "commission_fen", (json_int_t)e->commission_fen,
		"start", (int)date_of(e->issue_day), "end", (int)date_of(e->issue_day) + 10000,
		"factors", "accidents", accident_levels[e->accidents_level], "grade", grades[e->grade],
		"shares", share_table(e->writer, 0));
	post1(s, e->writer, body);
	if (s->first_policy[0] == '\0')
		memcpy(s->first_policy, no, sizeof no);
	s->tot.policies++;
	s->tot.flagged += e->premium_fen < e->floor_fen;
}

static void ev_pay(struct sim *s, size_t i, int64_t amount_fen, int rest)
{
	const struct enterprise *e = &s->ent[i];
	char no[GB_POLICY_NO_MAX + 1], ref[40];
	policy_no(s, i, no);
	if (rest) {
		struct owed_req q = { no, 0, 0, { 0, "" } };
		gb_err err;
		if (gb_ledger_read(s->l, GB_STORE_LATEST, read_owed, &q, &err) != 0)
			die("reading policy %s: %s", no, q.err.code ? q.err.msg : err.msg);
		if (q.status != GB_POLICY_IN_FORCE || q.owed <= 0)
			return;
		amount_fen = q.owed;
	}
	snprintf(ref, sizeof ref, "BANK-%s-%d", e->usci + 10, s->day);
	post1(s, e->writer, json_pack("{s:s,s:s,s:I,s:s}", "type", "premium.receive", "policy", no,
		"amount_fen", (json_int_t)amount_fen, "payer_ref", ref));
}

static void ev_claim(struct sim *s, size_t i, int kind, int64_t amount_fen)
{
	struct enterprise *e = &s->ent[i];
	char no[GB_POLICY_NO_MAX + 1], cl[32];
	policy_no(s, i, no);
	claim_no(i, cl);
	json_t *body;
	switch (kind) {
	case EV_REPORT:
		body = json_pack("{s:s,s:s,s:s,s:i,s:i,s:i,s:I}", "type", "claim.report", "claim", cl,
			"policy", no, "accident", (int)date_of(e->accident_day), "deaths", e->deaths,
			"injuries", e->injuries, "estimate_fen", (json_int_t)e->estimate_fen);
		if (s->first_claim[0] == '\0')
			snprintf(s->first_claim, sizeof s->first_claim, "%s", cl);
		s->tot.claims++;
		break;
	case EV_ADVANCE:
		body = json_pack("{s:s,s:s,s:I,s:s}", "type", "claim.advance", "claim", cl,
			"amount_fen", (json_int_t)amount_fen, "payee", e->deaths ? "victims' families" : "injured employees");
		break;
	case EV_SETTLE:
		body = json_pack("{s:s,s:s,s:I}", "type", "claim.settle", "claim", cl, "final_fen", (json_int_t)amount_fen);
		break;
	case EV_REJECT:
		body = json_pack("{s:s,s:s,s:s}", "type", "claim.reject", "claim", cl,
			"reason", "outside the insured liability");
		break;
	default:
		body = json_pack("{s:s,s:s}", "type", "claim.close", "claim", cl);
		break;
	}
	post1(s, e->writer, body);
}

static void ev_change(struct sim *s, size_t i, int kind)
{
	struct enterprise *e = &s->ent[i];
	char no[GB_POLICY_NO_MAX + 1];
	policy_no(s, i, no);
	if (kind == EV_CANCEL) {
		post1(s, e->writer, json_pack("{s:s,s:s,s:i,s:s}", "type", "policy.cancel", "policy", no,
			"date", (int)date_of(s->day), "reason", "closed"));
		return;
	}
	int64_t heads = e->heads + (e->heads + 4) / 5;
	int64_t premium = (e->premium_fen * heads + e->heads / 2) / e->heads;
	post1(s, e->writer, json_pack("{s:s,s:s,s:i,s:I,s:I}", "type", "policy.endorse", "policy", no,
		"effective", (int)date_of(s->day), "exposure", (json_int_t)heads, "premium_fen", (json_int_t)premium));
}

/* The default table's members (ids only), for the books' readers. */
static void members_table(gb_shares *t)
{
	memset(t, 0, sizeof *t);
	t->count = MEMBERS;
	for (int i = 0; i < MEMBERS; i++) {
		snprintf(t->id[i], sizeof t->id[i], "%s", part_id[P_M0 + i]);
		t->bps[i] = 2000;
		if (P_M0 + i == LEAD)
			t->lead = (size_t)i;
	}
}

struct money_req { int64_t fund_fen; int64_t owes[MEMBERS][MEMBERS]; gb_err err; };

/* The fund's balance and what each member owes each other (-m/P/due_to/Q). */
static int read_money(const gb_state *st, void *arg)
{
	struct money_req *q = arg;
	static gb_shares t;
	members_table(&t);
	int rc = gb_books_fund_total(st, &t, &q->fund_fen, &q->err);
	for (int p = 0; rc == 0 && p < MEMBERS; p++)
		for (int r = 0; rc == 0 && r < MEMBERS; r++) {
			int64_t v = 0;
			if (p != r)
				rc = gb_books_balance(st, t.id[p], GB_ACCOUNT_DUE_TO, t.id[r], &v, &q->err);
			q->owes[p][r] = -v;
		}
	return rc;
}

static void read_money_now(struct sim *s, struct money_req *q)
{
	gb_err err;
	memset(q, 0, sizeof *q);
	if (gb_ledger_read(s->l, GB_STORE_LATEST, read_money, q, &err) != 0)
		die("reading balances: %s", q->err.code ? q->err.msg : err.msg);
}

/* Month end: the lead pays a prevention plan out of the fund, approved by the association. */
static void fund_spend(struct sim *s, int month)
{
	struct money_req q;
	read_money_now(s, &q);
	int64_t amount = (int64_t)((double)q.fund_fen * (0.4 + 0.3 * rnd_unit(s)) / 100.0) * 100;
	if (amount <= 0)
		return;
	char plan[32];
	snprintf(plan, sizeof plan, "PLAN-2026-%02d", month + 1);
	int who[2] = { LEAD, P_ASSOC };
	post(s, who, 2, json_pack("{s:s,s:I,s:s,s:s,s:s}", "type", "fund.withdraw", "amount", (json_int_t)amount,
		"purpose", purposes[month % 9], "beneficiary", "舟山市安全生产技术服务中心", "plan", plan));
	s->tot.withdrawn_fen += amount;
	s->tot.withdrawals++;
	flush(s);
}

/* Quarter end: every member pays every other what it owes it, acknowledged by the payee. */
static void settle_quarter(struct sim *s, int quarter)
{
	struct money_req q;
	read_money_now(s, &q);
	for (int p = 0; p < MEMBERS; p++)
		for (int r = 0; r < MEMBERS; r++) {
			if (q.owes[p][r] <= 0)
				continue;
			char ref[32];
			snprintf(ref, sizeof ref, "Q%d-2026-%d-%d", quarter, p, r);
			int who[2] = { P_M0 + p, P_M0 + r };
			post(s, who, 2, json_pack("{s:s,s:I,s:s,s:s}", "type", "settle.pay",
				"amount", (json_int_t)q.owes[p][r], "payee", part_id[P_M0 + r], "reference", ref));
			s->tot.settled_fen += q.owes[p][r];
			s->tot.settlements++;
		}
	flush(s);
}

static void memo(struct sim *s, int who, const char *text, const char *sha)
{
	json_t *b = json_pack("{s:s,s:s}", "type", "memo", "text", text);
	if (sha != NULL)
		json_object_set_new(b, "doc_sha256", json_string(sha));
	post1(s, who, b);
}

static void run_event(struct sim *s, const struct event *ev)
{
	switch (ev->kind) {
	case EV_ISSUE: ev_issue(s, ev->ent); break;
	case EV_PAY: ev_pay(s, ev->ent, ev->amount_fen, 0); break;
	case EV_PAY_REST: ev_pay(s, ev->ent, 0, 1); break;
	case EV_ENDORSE: case EV_CANCEL: ev_change(s, ev->ent, ev->kind); break;
	default: ev_claim(s, ev->ent, ev->kind, ev->amount_fen); break;
	}
}

/* Runs the year day by day: the day's events, then month- and quarter-end work. */
static void run_year(struct sim *s, const char *register_sha)
{
	static const int month_end[12] = { 30, 58, 89, 119, 150, 180, 211, 242, 272, 303, 333, 364 };
	size_t next = 0;
	for (int d = 0; d < DAYS; d++) {
		s->day = d;
		s->entry_seq = 0;
		gb_ledger_set_clock(s->l, YEAR_START_S + (uint64_t)d * DAY_S + 12 * 3600);
		if (d == 0) {
			post_rates(s);
			memo(s, P_ASSOC, "Consortium year 2026 opens: terms, rates and shares as filed", NULL);
			if (register_sha != NULL)
				memo(s, P_REG, "Register of enterprises that must insure, 2026", register_sha);
		}
		if (d == 200) {
			flush(s);
			make_key(s, ROTATOR, 1);
			gb_seckey old = s->key[ROTATOR];
			make_key(s, ROTATOR, 0);
			post1(s, ROTATOR, json_pack("{s:s,s:s,s:s}", "type", "key.rotate", "participant", part_id[ROTATOR],
				"vkey", vkey_of(&old)));
			flush(s);
			s->key[ROTATOR] = old;
			s->key_gen[ROTATOR] = 1;
			sodium_memzero(&old, sizeof old);
		}
		for (; next < s->n_ev && s->ev[next].day == d; next++)
			run_event(s, &s->ev[next]);
		if (d == DAYS - 1)
			memo(s, P_ASSOC, "Consortium year 2026 closes", NULL);
		flush(s);
		for (int m = 0; m < 12; m++)
			if (month_end[m] == d) {
				fund_spend(s, m);
				/* The fourth quarter is settled in January, after the year. */
				if (m % 3 == 2 && m < 11)
					settle_quarter(s, m / 3 + 1);
				if (!s->quiet && m % 3 == 2)
					fprintf(stderr, "sim: %u: %" PRIu64 " entries\n", date_of(d), s->entries);
			}
	}
}

/* ---------------------------------------------------------------- totals */

struct member_total {
	int64_t written, received, setaside, claims, fund, net;
	int policies, flagged;
};

struct totals_req {
	struct member_total m[MEMBERS];
	int64_t fund_fen;
	const gb_state *st;
	gb_err err;
};

/* Counts each policy, and the flagged ones, against its lead (who priced it). */
static int count_policy(void *arg, const char *key, const uint8_t *val, size_t len)
{
	struct totals_req *q = arg;
	static gb_policy p;
	int rc = gb_policy_load(q->st, key + strlen(GB_POLICY_KEY_PREFIX), &p, &q->err);
	if (rc != 0)
		return rc;
	for (int i = 0; i < MEMBERS; i++)
		if (strcmp(p.shares.id[p.shares.lead], part_id[P_M0 + i]) == 0) {
			q->m[i].policies++;
			q->m[i].flagged += p.flagged;
		}
	return 0;
}

static int read_totals(const gb_state *st, void *arg)
{
	struct totals_req *q = arg;
	static gb_shares t;
	gb_member_balances b;
	members_table(&t);
	q->st = st;
	int rc = gb_books_fund_total(st, &t, &q->fund_fen, &q->err);
	for (int i = 0; rc == 0 && i < MEMBERS; i++) {
		rc = gb_books_member_balances(st, &t, t.id[i], &b, &q->err);
		struct member_total *m = &q->m[i];
		m->written = -b.own_fen[GB_ACCOUNT_PREMIUM];
		m->received = m->written - b.own_fen[GB_ACCOUNT_RECEIVABLE];
		m->setaside = b.own_fen[GB_ACCOUNT_SETASIDE];
		m->claims = b.own_fen[GB_ACCOUNT_CLAIMS];
		m->fund = -b.own_fen[GB_ACCOUNT_FUND];
		for (size_t j = 0; j < b.count; j++)
			m->net += b.due_from_fen[j] + b.due_to_fen[j];
	}
	return rc ? rc : gb_state_each(st, GB_POLICY_KEY_PREFIX, count_policy, q);
}

/* fen as CNY with thousands separators and two decimals, exactly (integer arithmetic). */
static const char *cny(char buf[GB_FEN_TEXT_MAX], int64_t fen)
{
	return gb_fen_format_cny(buf, fen);
}

static void print_totals(struct sim *s, double secs)
{
	static struct totals_req q;
	gb_err err;
	memset(&q, 0, sizeof q);
	if (gb_ledger_read(s->l, GB_STORE_LATEST, read_totals, &q, &err) != 0)
		die("reading totals: %s", q.err.code ? q.err.msg : err.msg);
	char a[6][40];
	if (s->json) {
		json_t *ms = json_array();
		for (int i = 0; i < MEMBERS; i++) {
			const struct member_total *m = &q.m[i];
			json_array_append_new(ms, json_pack("{s:s,s:i,s:i,s:I,s:I,s:I,s:I,s:I,s:I}", "id", part_id[P_M0 + i],
				"policies", m->policies, "flagged", m->flagged, "written_fen", (json_int_t)m->written,
				"received_fen", (json_int_t)m->received, "setaside_fen", (json_int_t)m->setaside,
				"claims_fen", (json_int_t)m->claims, "fund_fen", (json_int_t)m->fund, "net_fen", (json_int_t)m->net));
		}
		json_t *o = json_pack("{s:I,s:I,s:I,s:I,s:o,s:{s:I,s:I,s:i},s:{s:s,s:s,s:s,s:s,s:s},s:i,s:i}",
			"seed", (json_int_t)s->seed, "enterprises", (json_int_t)s->n_ent, "entries", (json_int_t)s->entries,
			"checks", (json_int_t)s->checks, "members", ms,
			"fund", "balance_fen", (json_int_t)q.fund_fen, "spent_fen", (json_int_t)s->tot.withdrawn_fen,
			"withdrawals", s->tot.withdrawals,
			"sample", "policy", s->first_policy, "claim", s->first_claim, "member", part_id[LEAD],
			"undercutter", part_id[UNDERCUTTER], "rotated", part_id[ROTATOR],
			"claims", s->tot.claims, "settlements", s->tot.settlements);
		uint8_t root[GB_HASH_BYTES];
		char hex[2 * GB_HASH_BYTES + 1];
		if (gb_ledger_root(s->l, s->entries, root, &err) != 0)
			die("tree root: %s", err.msg);
		sodium_bin2hex(hex, sizeof hex, root, sizeof root);
		json_object_set_new(o, "root", json_string(hex));
		char *text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		puts(text);
		free(text);
		json_decref(o);
		return;
	}
	printf("consortium year 2026, seed %" PRIu64 ": %zu enterprises, %" PRIu64 " entries, %d claims, "
		"%d settlements, %.2f s%s\n", s->seed, s->n_ent, s->entries, s->tot.claims, s->tot.settlements, secs,
		s->check ? "" : "");
	if (s->check)
		printf("invariants checked as of each of %" PRIu64 " entries: all hold\n", s->checks);
	printf("%-14s %8s %7s %16s %16s %14s %16s %14s %16s\n", "member (CNY)", "policies", "flagged",
		"premium written", "received", "set-aside", "claims paid", "fund part", "net owed to it");
	for (int i = 0; i < MEMBERS; i++) {
		const struct member_total *m = &q.m[i];
		printf("%-14s %8d %7d %16s %16s %14s %16s %14s %16s\n", part_id[P_M0 + i], m->policies, m->flagged,
			cny(a[0], m->written), cny(a[1], m->received), cny(a[2], m->setaside), cny(a[3], m->claims),
			cny(a[4], m->fund), cny(a[5], m->net));
	}
	printf("prevention fund (CNY): balance %s, spent %s in %d withdrawals\n", cny(a[0], q.fund_fen),
		cny(a[1], s->tot.withdrawn_fen), s->tot.withdrawals);
	printf("undercutter: %s prices 20-40%% below the floor (its policies are flagged); samples: policy %s, "
		"claim %s\n", part_id[UNDERCUTTER], s->first_policy, s->first_claim);
}

/* ------------------------------------------------------------------ main */

static const char usage[] =
	"Usage: sim [--seed N] [--ledger DIR] [--register FILE] [--enterprises N] [--check] [--quiet] [--json]\n"
	"\n"
	"Simulates one consortium year (2026) into a new ledger in DIR (default sim-ledger;\n"
	"it must not hold a ledger) and prints the year's totals per member and for the\n"
	"prevention fund. Deterministic: the same seed gives the same ledger.\n"
	"  --seed N          the simulation's seed (default 1)\n"
	"  --enterprises N   enterprises on the register (default 3000, at most 200000)\n"
	"  --register FILE   also write the regulator's register (CSV: usci,name,industry,\n"
	"                    district), including enterprises that never insure\n"
	"  --check           as of every entry, check the invariants of TRANSACTIONS.md\n"
	"                    section 4 over all balances; exit 1 naming the entry index\n"
	"                    on the first violation\n"
	"  --quiet           no progress on stderr\n"
	"  --json            the totals as JSON (amounts in fen)\n"
	"  --fault INDEX     testing --check: from the batch holding entry INDEX on, the\n"
	"                    checker sees one balance a fen off (the ledger is untouched),\n"
	"                    so it must report a violation and exit 1\n";

static int parse_u64(const char *p, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(p, &end, 10);
	if (errno != 0 || end == p || *end != '\0' || p[0] == '-')
		return -1;
	*out = v;
	return 0;
}

/* Parses the options into s; returns -1 to exit 0 (help), 0 to run, 2 on bad usage. */
static int parse_args(struct sim *s, int argc, char **argv, const char **dir, const char **reg,
	uint64_t *n_ent)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' }, { "ledger", required_argument, NULL, 'l' },
		{ "register", required_argument, NULL, 'r' }, { "enterprises", required_argument, NULL, 'n' },
		{ "check", no_argument, NULL, 'c' }, { "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' },
		{ "fault", required_argument, NULL, 'f' }, { NULL, 0, NULL, 0 }
	};
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's': if (parse_u64(optarg, &s->seed) != 0) return 2; break;
		case 'n':
			if (parse_u64(optarg, n_ent) != 0 || *n_ent < 10 || *n_ent > ENTERPRISES_MAX) {
				fprintf(stderr, "sim: --enterprises wants 10 to %d\n", ENTERPRISES_MAX);
				return 2;
			}
			break;
		case 'f':
			if (parse_u64(optarg, &s->fault_at) != 0 || s->fault_at == UINT64_MAX)
				return 2;
			s->fault_at++;
			break;
		case 'l': *dir = optarg; break;
		case 'r': *reg = optarg; break;
		case 'c': s->check = 1; break;
		case 'q': s->quiet = 1; break;
		case 'j': s->json = 1; break;
		case 'h': return -1;
		default: return 2;
		}
	}
	return optind == argc ? 0 : 2;
}

int main(int argc, char **argv)
{
	static struct sim sim;
	struct sim *s = &sim;
	const char *dir = "sim-ledger", *reg = NULL;
	uint64_t n_ent = ENTERPRISES_DEFAULT;
	s->seed = 1;
	int rc = parse_args(s, argc, argv, &dir, &reg, &n_ent);
	if (rc != 0) {
		fputs(usage, rc < 0 ? stdout : stderr);
		return rc < 0 ? 0 : 2;
	}
	if (sodium_init() < 0)
		die("libsodium would not initialise");
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	s->rng = s->seed;
	s->n_ent = (size_t)n_ent;
	s->ent = calloc(s->n_ent, sizeof *s->ent);
	s->ev = calloc(s->n_ent * EVENTS_PER_ENTERPRISE + 16, sizeof *s->ev);
	if (s->ent == NULL || s->ev == NULL)
		die("out of memory for %zu enterprises", s->n_ent);
	for (int p = 0; p < P_COUNT; p++)
		make_key(s, p, 0);
	for (size_t i = 0; i < s->n_ent; i++)
		make_enterprise(s, i);
	pick_changes(s);
	qsort(s->ev, s->n_ev, sizeof *s->ev, event_cmp);
	char sha[65];
	if (reg != NULL)
		write_register(s, reg, sha);
	open_ledger(s, dir);
	if (s->check)
		check_invariants(s, 0); /* after the charter */
	run_year(s, reg != NULL ? sha : NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_totals(s, (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	gb_ledger_close(s->l);
	for (int p = 0; p < P_COUNT; p++)
		sodium_memzero(&s->key[p], sizeof s->key[p]);
	free(s->arena);
	free(s->ent);
	free(s->ev);
	return 0;
}
