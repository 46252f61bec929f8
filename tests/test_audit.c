/*
 * tests/test_audit.c: the audit (gongbao/audit.h), bundles
 * (gongbao/bundle.h), the replay option of the ledger and the raw state
 * scan of the store, on fixture ledgers: a charter and memos on several
 * days, then hand-made damage to the stored state and forged checkpoints.
 * tests/audit.sh does the damage inside data.mdb on a simulated year.
 */
#include "cu.h"
#include "fixture.h"

#include <unistd.h>

#include <lmdb.h>

#include "gongbao/audit.h"
#include "gongbao/bundle.h"
#include "gongbao/store.h"

#define MEMOS 40
#define DAY_S 86400

static char dirs[8][300];
static int dir_count;

/* A fixture ledger in a known directory: charter, then MEMOS memos over 4 days. */
static gb_ledger *make_ledger(const char **dir_out)
{
	fx_setup();
	CU_ASSERT_FATAL(dir_count < 8);
	char *dir = dirs[dir_count++];
	snprintf(dir, sizeof dirs[0], "%s/audit%d", fx_root, dir_count);
	static uint8_t buf[GB_ENTRY_MAX];
	size_t len = fx_sign(buf, sizeof buf, FX_ASSOC,
		"{\"type\":\"charter\",\"id\":\"charter\",\"name\":\"Fixture consortium\","
		"\"participants\":%s,\"shares\":%s}", fx_participants(), FX_SHARES);
	gb_ledger_opts opts = { .clock_s = FX_CLOCK };
	gb_ledger *l;
	gb_err err;
	CU_ASSERT_FATAL(gb_ledger_create(dir, "gongbao.test/zs", &fx_key[FX_LOG].pub, buf, len, &opts,
		&l, &err) == 0);
	for (int i = 0; i < MEMOS; i++) {
		uint64_t t = FX_CLOCK + (uint64_t)(i / 10) * DAY_S;
		gb_ledger_set_clock(l, t);
		CU_ASSERT_FATAL(fx_post(l, &err, i % 2 ? FX_PICC : FX_CPIC,
			"{\"type\":\"memo\",\"id\":\"m%d\",\"text\":\"memo %d\",\"time\":%llu}", i, i,
			(unsigned long long)t) == 0);
	}
	*dir_out = dir;
	return l;
}

static gb_audit_opts default_opts(void)
{
	gb_audit_opts o = { .until = GB_AUDIT_NO_INDEX };
	return o;
}

/* The first kept violation of a kind, or NULL. */
static const gb_audit_violation *find_kind(const gb_audit_report *rep, enum gb_audit_kind kind)
{
	for (size_t i = 0; i < rep->kept; i++)
		if (rep->v[i].kind == kind)
			return &rep->v[i];
	return NULL;
}

static void test_clean(void)
{
	const char *dir;
	gb_ledger *l = make_ledger(&dir);
	gb_audit_opts o = default_opts();
	gb_audit_report rep;
	gb_err err;
	uint8_t root[GB_HASH_BYTES];
	CU_ASSERT_EQUAL_FATAL(gb_audit_ledger(l, &o, &rep, &err), 0);
	CU_ASSERT_EQUAL(rep.violation_count, 0);
	CU_ASSERT_EQUAL(rep.kept, 0);
	CU_ASSERT_EQUAL(rep.size, MEMOS + 1);
	CU_ASSERT_EQUAL(rep.audited, MEMOS + 1);
	CU_ASSERT_EQUAL(rep.replayed, MEMOS + 1);
	CU_ASSERT_STRING_EQUAL(rep.origin, "gongbao.test/zs");
	CU_ASSERT_FATAL(gb_ledger_root(l, MEMOS + 1, root, &err) == 0);
	CU_ASSERT(memcmp(root, rep.root, GB_HASH_BYTES) == 0);
	/* roster, params, shares and a day index for each of 4 days, at least. */
	CU_ASSERT(rep.state_versions >= 4 + 3);
	gb_audit_report_release(&rep);
	CU_ASSERT_PTR_NULL(rep.v);

	/* --until 10: 11 entries, and the root at 11. */
	o.until = 10;
	CU_ASSERT_EQUAL_FATAL(gb_audit_ledger(l, &o, &rep, &err), 0);
	CU_ASSERT_EQUAL(rep.violation_count, 0);
	CU_ASSERT_EQUAL(rep.audited, 11);
	CU_ASSERT_EQUAL(rep.replayed, 11);
	CU_ASSERT_FATAL(gb_ledger_root(l, 11, root, &err) == 0);
	CU_ASSERT(memcmp(root, rep.root, GB_HASH_BYTES) == 0);
	gb_audit_report_release(&rep);
	gb_ledger_close(l);
}

/* Without replay the charter's 2026 time is refused by today's clock; with it, accepted. */
static void test_replay_option(void)
{
	fx_setup();
	static uint8_t buf[GB_ENTRY_MAX];
	size_t len = fx_sign(buf, sizeof buf, FX_ASSOC,
		"{\"type\":\"charter\",\"id\":\"charter\",\"name\":\"Old\",\"participants\":%s,\"time\":1000000000}",
		fx_participants());
	char dir[300];
	gb_ledger *l = NULL;
	gb_err err;
	gb_ledger_opts opts = { .clock_s = 0 };
	snprintf(dir, sizeof dir, "%s/replay-no", fx_root);
	CU_ASSERT_EQUAL(gb_ledger_create(dir, "gongbao.test/zs", &fx_key[FX_LOG].pub, buf, len, &opts, &l, &err),
		GB_ETIME);
	CU_ASSERT_PTR_NULL(l);
	opts.replay = 1;
	snprintf(dir, sizeof dir, "%s/replay-yes", fx_root);
	CU_ASSERT_EQUAL(gb_ledger_create(dir, "gongbao.test/zs", &fx_key[FX_LOG].pub, buf, len, &opts, &l, &err), 0);
	gb_ledger_close(l);
}

/* Writes state key at version with value v through the raw store (the ledger closed). */
static void tamper_state(const char *dir, const char *key, uint64_t version, const void *v, size_t len)
{
	gb_store *st;
	gb_txn txn;
	gb_err err;
	CU_ASSERT_FATAL(gb_store_open(dir, 0, 0, &st, &err) == 0);
	CU_ASSERT_FATAL(gb_txn_begin(st, 0, &txn, &err) == 0);
	CU_ASSERT_FATAL(gb_store_state_put(&txn, key, version, v, len, &err) == 0);
	CU_ASSERT_FATAL(gb_txn_commit(&txn, &err) == 0);
	gb_store_close(st);
}

static void test_state_tamper(void)
{
	const char *dir;
	gb_ledger *l = make_ledger(&dir);
	gb_ledger_close(l);
	/* day/20260102 is written at entries 11..20 (the last entry of that day); change version 20. */
	uint8_t forged[8] = { 0, 0, 0, 0, 0, 0, 0, 19 };
	tamper_state(dir, "day/20260102", 20, forged, 8);
	tamper_state(dir, "zz/planted", 5, "x", 1);
	gb_ledger_opts ro = { .rdonly = 1 };
	gb_err err;
	CU_ASSERT_FATAL(gb_ledger_open(dir, &ro, &l, &err) == 0);
	gb_audit_opts o = default_opts();
	gb_audit_report rep;
	CU_ASSERT_EQUAL_FATAL(gb_audit_ledger(l, &o, &rep, &err), 0);
	CU_ASSERT_EQUAL(rep.violation_count, 2);
	CU_ASSERT_EQUAL(rep.replayed, MEMOS + 1);
	CU_ASSERT_FATAL(rep.kept == 2);
	CU_ASSERT_EQUAL(rep.v[0].kind, GB_AUDIT_STATE);
	CU_ASSERT_EQUAL(rep.v[0].index, 20);
	CU_ASSERT_STRING_EQUAL(rep.v[0].msg,
		"state 'day/20260102' version 20: stored 19 0x0000000000000013, rebuilt 20 0x0000000000000014");
	CU_ASSERT_EQUAL(rep.v[1].kind, GB_AUDIT_STATE);
	CU_ASSERT_PTR_NULL(find_kind(&rep, GB_AUDIT_TREE));
	CU_ASSERT_STRING_EQUAL(rep.v[1].msg, "state 'zz/planted' version 5: stored 0x78, rebuilt has no such version");
	gb_audit_report_release(&rep);
	/* --until 4: neither version is in the audited prefix. */
	o.until = 4;
	CU_ASSERT_EQUAL_FATAL(gb_audit_ledger(l, &o, &rep, &err), 0);
	CU_ASSERT_EQUAL(rep.violation_count, 0);
	gb_audit_report_release(&rep);
	gb_ledger_close(l);
}

/* A checkpoint of the ledger's tree at `size`, root bit-flipped if flip, signed by key. */
static size_t make_checkpoint(gb_ledger *l, uint64_t size, const char *origin, int flip,
	const gb_seckey *key, char *out, size_t cap)
{
	gb_checkpoint cp;
	gb_err err;
	char text[512];
	size_t text_len, len;
	snprintf(cp.origin, sizeof cp.origin, "%s", origin);
	cp.size = size;
	CU_ASSERT_FATAL(gb_ledger_root(l, size, cp.root, &err) == 0);
	cp.root[5] ^= (uint8_t)flip;
	CU_ASSERT_FATAL(gb_checkpoint_format(&cp, text, sizeof text, &text_len) == 0);
	CU_ASSERT_FATAL(gb_note_sign(text, text_len, key, out, cap, &len, &err) == 0);
	return len;
}

static void test_checkpoints(void)
{
	const char *dir;
	gb_ledger *l = make_ledger(&dir);
	static char notes[6][1024];
	gb_audit_checkpoint cps[6] = {
		{ "good", notes[0], make_checkpoint(l, MEMOS + 1, "gongbao.test/zs", 0, &fx_key[FX_LOG], notes[0], 1024) },
		{ "older", notes[1], make_checkpoint(l, 7, "gongbao.test/zs", 0, &fx_key[FX_LOG], notes[1], 1024) },
		{ "wrongkey", notes[2], make_checkpoint(l, MEMOS + 1, "gongbao.test/zs", 0, &fx_key[FX_ASSOC], notes[2], 1024) },
		{ "badroot", notes[3], make_checkpoint(l, 7, "gongbao.test/zs", 1, &fx_key[FX_LOG], notes[3], 1024) },
		{ "origin", notes[4], make_checkpoint(l, 7, "other.test/log", 0, &fx_key[FX_LOG], notes[4], 1024) },
		{ "garbage", "not a note\n", 11 },
	};
	gb_audit_opts o = default_opts();
	o.checkpoints = cps;
	o.checkpoint_count = 2;
	gb_audit_report rep;
	gb_err err;
	CU_ASSERT_EQUAL_FATAL(gb_audit_ledger(l, &o, &rep, &err), 0);
	CU_ASSERT_EQUAL(rep.violation_count, 0);
	CU_ASSERT_EQUAL(rep.checkpoints, 2);
	gb_audit_report_release(&rep);

	o.checkpoint_count = 6;
	CU_ASSERT_EQUAL_FATAL(gb_audit_ledger(l, &o, &rep, &err), 0);
	CU_ASSERT_EQUAL(rep.checkpoints, 6);
	CU_ASSERT_EQUAL_FATAL(rep.violation_count, 4);
	CU_ASSERT_EQUAL(rep.v[0].code, GB_ENOTESIG);
	CU_ASSERT(strncmp(rep.v[0].msg, "checkpoint wrongkey: ", 21) == 0);
	CU_ASSERT(strstr(rep.v[0].msg, fx_vkey(FX_LOG)) != NULL);
	CU_ASSERT_EQUAL(rep.v[1].code, GB_EPROOF);
	CU_ASSERT(strncmp(rep.v[1].msg, "checkpoint badroot: root ", 25) == 0);
	CU_ASSERT(strstr(rep.v[1].msg, " for size 7, the rebuilt tree's is ") != NULL);
	CU_ASSERT_EQUAL(rep.v[2].code, GB_ENOTE);
	CU_ASSERT_STRING_EQUAL(rep.v[2].msg, "checkpoint origin: origin 'other.test/log', want 'gongbao.test/zs'");
	CU_ASSERT_EQUAL(rep.v[3].code, GB_ENOTE);
	CU_ASSERT_EQUAL(rep.v[3].kind, GB_AUDIT_CHECKPOINT);
	CU_ASSERT_EQUAL(rep.v[3].index, GB_AUDIT_NO_INDEX);
	gb_audit_report_release(&rep);

	/* The good checkpoint is beyond an audit --until 10; a given vkey that is not the log's fails all. */
	o.checkpoint_count = 1;
	o.until = 10;
	CU_ASSERT_EQUAL_FATAL(gb_audit_ledger(l, &o, &rep, &err), 0);
	CU_ASSERT_EQUAL_FATAL(rep.violation_count, 1);
	CU_ASSERT_EQUAL(rep.v[0].code, GB_ERANGE);
	CU_ASSERT_STRING_EQUAL(rep.v[0].msg, "checkpoint good: size 41, but 11 entries were replayed");
	gb_audit_report_release(&rep);
	o.until = GB_AUDIT_NO_INDEX;
	o.vkey = &fx_key[FX_ASSOC].pub;
	CU_ASSERT_EQUAL_FATAL(gb_audit_ledger(l, &o, &rep, &err), 0);
	CU_ASSERT_EQUAL_FATAL(rep.violation_count, 2); /* the stored log key is not --vkey; nor signed by it */
	CU_ASSERT_EQUAL(rep.v[0].code, GB_EUNKNOWNKEY);
	CU_ASSERT_EQUAL(rep.v[1].code, GB_ENOTESIG);
	gb_audit_report_release(&rep);
	o.checkpoint_count = GB_AUDIT_CHECKPOINTS_MAX + 1;
	CU_ASSERT_EQUAL(gb_audit_ledger(l, &o, &rep, &err), GB_ETOOBIG);
	gb_audit_report_release(&rep);
	gb_ledger_close(l);
}

static void test_bundle(void)
{
	const char *dir;
	gb_ledger *l = make_ledger(&dir);
	static char note[1024], bad[1024];
	size_t note_len = make_checkpoint(l, 30, "gongbao.test/zs", 0, &fx_key[FX_LOG], note, sizeof note);
	size_t bad_len = make_checkpoint(l, 30, "gongbao.test/zs", 1, &fx_key[FX_LOG], bad, sizeof bad);
	char path[400], tmp[400];
	snprintf(path, sizeof path, "%s/b.gbb", fx_root);
	gb_err err;
	CU_ASSERT_EQUAL(gb_bundle_write(l, bad, bad_len, path, &err), GB_EPROOF);
	CU_ASSERT_EQUAL(access(path, F_OK), -1);
	size_t wk_len = make_checkpoint(l, 30, "gongbao.test/zs", 0, &fx_key[FX_PICC], bad, sizeof bad);
	CU_ASSERT_EQUAL(gb_bundle_write(l, bad, wk_len, path, &err), GB_ENOTESIG);
	CU_ASSERT_EQUAL_FATAL(gb_bundle_write(l, note, note_len, path, &err), 0);

	/* The header and the first entry read back as written. */
	gb_bundle *b = calloc(1, sizeof *b);
	static uint8_t buf[GB_ENTRY_MAX];
	size_t len;
	uint8_t *e0;
	size_t e0_len;
	CU_ASSERT_FATAL(gb_bundle_open(path, b, &err) == 0);
	CU_ASSERT_STRING_EQUAL(b->origin, "gongbao.test/zs");
	CU_ASSERT_STRING_EQUAL(b->log_vkey, fx_vkey(FX_LOG));
	CU_ASSERT_EQUAL(b->size, 30);
	CU_ASSERT_EQUAL(b->checkpoint_len, note_len);
	CU_ASSERT(memcmp(b->checkpoint, note, note_len) == 0);
	CU_ASSERT_FATAL(gb_bundle_next(b, buf, &len, &err) == 0);
	CU_ASSERT_FATAL(gb_ledger_get(l, 0, &e0, &e0_len, &err) == 0);
	CU_ASSERT(len == e0_len && memcmp(buf, e0, len) == 0);
	free(e0);
	for (int i = 1; i < 30; i++)
		CU_ASSERT_EQUAL(gb_bundle_next(b, buf, &len, &err), 0);
	CU_ASSERT_EQUAL(gb_bundle_next(b, buf, &len, &err), GB_ERANGE);
	gb_bundle_close(b);
	free(b);

	/* Audited with the log key: clean, 30 entries, the root at 30. */
	gb_audit_opts o = default_opts();
	gb_audit_report rep;
	uint8_t root[GB_HASH_BYTES];
	CU_ASSERT_EQUAL(gb_audit_bundle(path, &o, &rep, &err), GB_EINVAL);
	o.vkey = &fx_key[FX_LOG].pub;
	CU_ASSERT_EQUAL_FATAL(gb_audit_bundle(path, &o, &rep, &err), 0);
	CU_ASSERT_EQUAL(rep.violation_count, 0);
	CU_ASSERT_EQUAL(rep.replayed, 30);
	CU_ASSERT_EQUAL(rep.checkpoints, 1);
	CU_ASSERT_FATAL(gb_ledger_root(l, 30, root, &err) == 0);
	CU_ASSERT(memcmp(root, rep.root, GB_HASH_BYTES) == 0);
	gb_audit_report_release(&rep);

	/* Another key: its log key and its checkpoint are both named. */
	o.vkey = &fx_key[FX_PICC].pub;
	CU_ASSERT_EQUAL_FATAL(gb_audit_bundle(path, &o, &rep, &err), 0);
	CU_ASSERT_EQUAL_FATAL(rep.violation_count, 2);
	CU_ASSERT_EQUAL(rep.v[0].code, GB_EUNKNOWNKEY);
	CU_ASSERT_EQUAL(rep.v[1].code, GB_ENOTESIG);
	gb_audit_report_release(&rep);

	/* Bytes after the entries, a truncated file, a damaged header. */
	o.vkey = &fx_key[FX_LOG].pub;
	snprintf(tmp, sizeof tmp, "%s/b2.gbb", fx_root);
	FILE *in = fopen(path, "rb"), *out = fopen(tmp, "wb");
	CU_ASSERT_FATAL(in != NULL && out != NULL);
	static uint8_t whole[1 << 20];
	size_t n = fread(whole, 1, sizeof whole, in);
	fclose(in);
	CU_ASSERT_FATAL(n > 100 && n < sizeof whole);
	fwrite(whole, 1, n, out);
	fputc(0xc4, out);
	fclose(out);
	CU_ASSERT_EQUAL_FATAL(gb_audit_bundle(tmp, &o, &rep, &err), 0);
	CU_ASSERT_EQUAL_FATAL(rep.violation_count, 1); /* nothing may follow the counted entries */
	CU_ASSERT_EQUAL(rep.v[0].code, GB_ECORRUPT);
	gb_audit_report_release(&rep);
	out = fopen(tmp, "wb");
	fwrite(whole, 1, n - 3, out);
	fclose(out);
	CU_ASSERT_EQUAL_FATAL(gb_audit_bundle(tmp, &o, &rep, &err), 0);
	CU_ASSERT_FATAL(rep.violation_count >= 1);
	CU_ASSERT_EQUAL(rep.v[0].kind, GB_AUDIT_ENTRY);
	CU_ASSERT_EQUAL(rep.v[0].index, 29);
	CU_ASSERT_STRING_EQUAL(rep.v[0].msg, "bundle: entry 29 is truncated");
	CU_ASSERT_EQUAL(rep.replayed, 29);
	gb_audit_report_release(&rep);
	out = fopen(tmp, "wb");
	whole[3] ^= 0x20; /* inside the "format" key */
	fwrite(whole, 1, n, out);
	fclose(out);
	CU_ASSERT_EQUAL(gb_audit_bundle(tmp, &o, &rep, &err), GB_ECORRUPT);
	CU_ASSERT(strstr(err.msg, "want the key 'format' next") != NULL);
	gb_audit_report_release(&rep);
	CU_ASSERT_EQUAL(gb_audit_bundle("/nonexistent/b.gbb", &o, &rep, &err), GB_EIO);
	gb_audit_report_release(&rep);
	gb_ledger_close(l);
}

/*
 * Policies and money on the fixture ledger: rates (co-signed by the
 * regulator), a policy, premium received; the audit rebuilds the same
 * balances and policy records (no tree or state difference).
 */
static void test_money(void)
{
	static const int assoc_reg[] = { FX_ASSOC, FX_REG };
	gb_ledger *l = fx_ledger();
	gb_err err;
	CU_ASSERT_FATAL(fx_post_co(l, &err, assoc_reg, 2,
		"{\"type\":\"rates.set\",\"id\":\"rates\",\"from\":20250101,\"float_min_bps\":-3000,"
		"\"float_max_bps\":3000,\"factors\":{},\"rates\":{\"mining\":{\"basis\":\"head\",\"rate\":10000}}}") == 0);
	CU_ASSERT_FATAL(fx_post(l, &err, FX_PICC,
		"{\"type\":\"policy.issue\",\"id\":\"iss-P-1\",\"no\":\"P-1\",\"usci\":\"91330900MA2A1B2C34\","
		"\"enterprise\":\"Zhoushan Audit Mining Co.\",\"industry\":\"mining\",\"exposure\":100,"
		"\"headcount\":100,\"limit_fen\":40000000,\"premium_fen\":1000003,\"commission_fen\":0,"
		"\"start\":20260101,\"end\":20270101}") == 0);
	CU_ASSERT_FATAL(fx_post(l, &err, FX_PICC,
		"{\"type\":\"premium.receive\",\"id\":\"r1\",\"policy\":\"P-1\",\"amount_fen\":500001,"
		"\"payer_ref\":\"ICBC r1\"}") == 0);
	CU_ASSERT_EQUAL(fx_state_int(l, "policy/P-1", "received_fen"), 500001);
	gb_audit_opts o = default_opts();
	gb_audit_report rep;
	CU_ASSERT_EQUAL_FATAL(gb_audit_ledger(l, &o, &rep, &err), 0);
	CU_ASSERT_EQUAL(rep.violation_count, 0);
	CU_ASSERT_EQUAL(rep.replayed, 4);
	CU_ASSERT_PTR_NULL(find_kind(&rep, GB_AUDIT_STATE));
	CU_ASSERT(rep.state_versions >= 10);
	gb_audit_report_release(&rep);
	gb_ledger_close(l);
}

struct scan_rec {
	char keys[8][32];
	uint64_t versions[8];
	size_t count;
	size_t stop_at;
};

static int scan_fn(void *arg, const char *key, uint64_t version, const uint8_t *val, size_t len)
{
	struct scan_rec *r = arg;
	if (r->count == r->stop_at)
		return 7;
	CU_ASSERT_FATAL(r->count < 8);
	snprintf(r->keys[r->count], 32, "%s=%.*s", key, (int)len, (const char *)val);
	r->versions[r->count++] = version;
	return 0;
}

static void test_state_scan(void)
{
	fx_setup();
	char dir[300];
	snprintf(dir, sizeof dir, "%s/scan", fx_root);
	gb_store *st;
	gb_txn txn;
	gb_err err;
	CU_ASSERT_FATAL(gb_store_open(dir, GB_STORE_CREATE, 0, &st, &err) == 0);
	CU_ASSERT_FATAL(gb_txn_begin(st, 0, &txn, &err) == 0);
	CU_ASSERT_FATAL(gb_store_state_put(&txn, "b", 0, "b0", 2, &err) == 0);
	CU_ASSERT_FATAL(gb_store_state_put(&txn, "a", 300, "a300", 4, &err) == 0);
	CU_ASSERT_FATAL(gb_store_state_put(&txn, "a", 2, "a2", 2, &err) == 0);
	CU_ASSERT_FATAL(gb_store_state_put(&txn, "ab", 1, "ab1", 3, &err) == 0);
	struct scan_rec r = { .stop_at = 99 };
	CU_ASSERT_EQUAL(gb_store_state_scan(&txn, scan_fn, &r, &err), 0);
	CU_ASSERT_EQUAL_FATAL(r.count, 4);
	CU_ASSERT_STRING_EQUAL(r.keys[0], "a=a2");
	CU_ASSERT_EQUAL(r.versions[0], 2);
	CU_ASSERT_STRING_EQUAL(r.keys[1], "a=a300");
	CU_ASSERT_EQUAL(r.versions[1], 300);
	CU_ASSERT_STRING_EQUAL(r.keys[2], "ab=ab1");
	CU_ASSERT_STRING_EQUAL(r.keys[3], "b=b0");
	CU_ASSERT_EQUAL(r.versions[3], 0);
	r = (struct scan_rec){ .stop_at = 2 };
	CU_ASSERT_EQUAL(gb_store_state_scan(&txn, scan_fn, &r, &err), 7);
	CU_ASSERT_EQUAL(r.count, 2);
	gb_txn_abort(&txn);
	gb_store_close(st);
}

/*
 * Puts (val non-NULL) or deletes one record of database `db` of the closed
 * ledger in dir through LMDB itself: records no ledger code writes.
 */
static void raw_record(const char *dir, const char *db, const void *key, size_t key_len,
	const void *val, size_t val_len)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	int rc = mdb_env_create(&env);
	rc = rc ? rc : mdb_env_set_maxdbs(env, 8);
	rc = rc ? rc : mdb_env_set_mapsize(env, (size_t)1 << 30);
	rc = rc ? rc : mdb_env_open(env, dir, 0, 0644);
	rc = rc ? rc : mdb_txn_begin(env, NULL, 0, &txn);
	rc = rc ? rc : mdb_dbi_open(txn, db, 0, &dbi);
	CU_ASSERT_FATAL(rc == 0);
	MDB_val k = { key_len, (void *)key }, v = { val_len, (void *)val };
	CU_ASSERT_FATAL((val != NULL ? mdb_put(txn, dbi, &k, &v, 0) : mdb_del(txn, dbi, &k, NULL)) == 0);
	CU_ASSERT_FATAL(mdb_txn_commit(txn) == 0);
	mdb_env_close(env);
}

static gb_ledger *reopen_rdonly(const char *dir)
{
	gb_ledger_opts ro = { .rdonly = 1 };
	gb_ledger *l = NULL;
	gb_err err;
	CU_ASSERT_FATAL(gb_ledger_open(dir, &ro, &l, &err) == 0);
	return l;
}

static int count_version(void *arg, const char *key, uint64_t version, const uint8_t *val, size_t len)
{
	(*(uint64_t *)arg)++;
	return 0;
}

/* Memos appended after make_ledger's, so that the log spans two replay batches and a part. */
#define BATCH_MEMOS (GB_AUDIT_BATCH + 64)
#define BATCH_SIZE (MEMOS + 1 + BATCH_MEMOS)

/* Appends BATCH_MEMOS memos to l in one batch, on make_ledger's last day. */
static void append_batch_memos(gb_ledger *l)
{
	static uint8_t arena[BATCH_MEMOS][512];
	static gb_bytes in[BATCH_MEMOS];
	static gb_append_result res[BATCH_MEMOS];
	uint64_t t = FX_CLOCK + 3 * DAY_S;
	for (int i = 0; i < BATCH_MEMOS; i++) {
		size_t len = fx_sign(arena[i], sizeof arena[i], i % 2 ? FX_PICC : FX_CPIC,
			"{\"type\":\"memo\",\"id\":\"b%d\",\"text\":\"batch memo\",\"time\":%llu}", i,
			(unsigned long long)t);
		in[i] = (gb_bytes){ arena[i], len };
	}
	gb_err err;
	CU_ASSERT_FATAL(gb_ledger_append(l, in, BATCH_MEMOS, res, &err) == 0);
	CU_ASSERT_EQUAL(res[BATCH_MEMOS - 1].index, BATCH_SIZE - 1);
}

/*
 * A log longer than one replay batch (GB_AUDIT_BATCH entries): every batch
 * is replayed and compared, from the ledger and from a bundle; an entry
 * missing from the second batch is named and the replay stops there.
 */
static void test_batches(void)
{
	const char *dir;
	gb_ledger *l = make_ledger(&dir);
	append_batch_memos(l);
	gb_err err;
	gb_txn txn;
	uint64_t versions = 0;
	CU_ASSERT_FATAL(gb_txn_begin(gb_ledger_store(l), 1, &txn, &err) == 0);
	CU_ASSERT_FATAL(gb_store_state_scan(&txn, count_version, &versions, &err) == 0);
	gb_txn_abort(&txn);
	gb_audit_opts o = default_opts();
	gb_audit_report rep;
	CU_ASSERT_EQUAL_FATAL(gb_audit_ledger(l, &o, &rep, &err), 0);
	CU_ASSERT_EQUAL(rep.violation_count, 0);
	CU_ASSERT_EQUAL(rep.replayed, BATCH_SIZE);
	CU_ASSERT_EQUAL(rep.state_versions, versions);
	gb_audit_report_release(&rep);
	/* --until at the end of the first full batch (entry 0 is replayed alone). */
	o.until = GB_AUDIT_BATCH;
	CU_ASSERT_EQUAL_FATAL(gb_audit_ledger(l, &o, &rep, &err), 0);
	CU_ASSERT_EQUAL(rep.violation_count, 0);
	CU_ASSERT_EQUAL(rep.audited, GB_AUDIT_BATCH + 1);
	CU_ASSERT_EQUAL(rep.replayed, GB_AUDIT_BATCH + 1);
	gb_audit_report_release(&rep);

	static char note[1024];
	char path[400];
	snprintf(path, sizeof path, "%s/batches.gbb", fx_root);
	size_t note_len = make_checkpoint(l, BATCH_SIZE, "gongbao.test/zs", 0, &fx_key[FX_LOG], note, sizeof note);
	CU_ASSERT_FATAL(gb_bundle_write(l, note, note_len, path, &err) == 0);
	o = default_opts();
	o.vkey = &fx_key[FX_LOG].pub;
	CU_ASSERT_EQUAL_FATAL(gb_audit_bundle(path, &o, &rep, &err), 0);
	CU_ASSERT_EQUAL(rep.violation_count, 0);
	CU_ASSERT_EQUAL(rep.replayed, BATCH_SIZE);
	uint8_t root[GB_HASH_BYTES];
	CU_ASSERT_FATAL(gb_ledger_root(l, BATCH_SIZE, root, &err) == 0);
	CU_ASSERT(memcmp(root, rep.root, GB_HASH_BYTES) == 0);
	gb_audit_report_release(&rep);
	gb_ledger_close(l);

	uint8_t k[8];
	for (int i = 0; i < 8; i++)
		k[i] = (uint8_t)((uint64_t)4100 >> (56 - 8 * i));
	raw_record(dir, "entries", k, 8, NULL, 0);
	l = reopen_rdonly(dir);
	o = default_opts();
	CU_ASSERT_EQUAL_FATAL(gb_audit_ledger(l, &o, &rep, &err), 0);
	CU_ASSERT_EQUAL(rep.replayed, 4100);
	CU_ASSERT_EQUAL_FATAL(rep.violation_count, 1);
	CU_ASSERT_EQUAL(rep.v[0].kind, GB_AUDIT_ENTRY);
	CU_ASSERT_EQUAL(rep.v[0].code, GB_ERANGE);
	CU_ASSERT_EQUAL(rep.v[0].index, 4100);
	CU_ASSERT_STRING_EQUAL(rep.v[0].msg, "entry 4100 is missing from the entries database");
	gb_audit_report_release(&rep);
	gb_ledger_close(l);
}

/* A stored state key that is not key 0x00 version is named, and the comparison goes on past it. */
static void test_state_bad_key(void)
{
	const char *dir;
	gb_ledger *l = make_ledger(&dir);
	gb_ledger_close(l);
	raw_record(dir, "state", "c", 1, "x", 1); /* before every day/ key */
	uint8_t forged[8] = { 0, 0, 0, 0, 0, 0, 0, 19 };
	tamper_state(dir, "day/20260102", 20, forged, 8);
	l = reopen_rdonly(dir);
	gb_audit_opts o = default_opts();
	gb_audit_report rep;
	gb_err err;
	CU_ASSERT_EQUAL_FATAL(gb_audit_ledger(l, &o, &rep, &err), 0);
	CU_ASSERT_EQUAL_FATAL(rep.violation_count, 2);
	CU_ASSERT_EQUAL(rep.v[0].kind, GB_AUDIT_STATE);
	CU_ASSERT_EQUAL(rep.v[0].code, GB_ECORRUPT);
	CU_ASSERT_EQUAL(rep.v[0].index, GB_AUDIT_NO_INDEX);
	CU_ASSERT_STRING_EQUAL(rep.v[0].msg, "stored state: key 0x63 is not key, 0x00, version");
	CU_ASSERT_EQUAL(rep.v[1].index, 20);
	CU_ASSERT_STRING_EQUAL(rep.v[1].msg,
		"state 'day/20260102' version 20: stored 19 0x0000000000000013, rebuilt 20 0x0000000000000014");
	gb_audit_report_release(&rep);
	gb_ledger_close(l);
}

/* A stored id changed is named from both sides, in key order; one deleted from the rebuilt side. */
static void test_ids_tamper(void)
{
	const char *dir;
	gb_ledger *l = make_ledger(&dir);
	static const uint8_t changed[] = "picc-zs\0m1", deleted[] = "cpic-zs\0m0";
	gb_store_id id;
	gb_err err;
	gb_txn txn;
	CU_ASSERT_FATAL(gb_txn_begin(gb_ledger_store(l), 1, &txn, &err) == 0);
	CU_ASSERT_FATAL(gb_store_id_get(&txn, changed, sizeof changed - 1, &id, &err) == 0);
	gb_txn_abort(&txn);
	gb_ledger_close(l);
	CU_ASSERT_FATAL(id.index == 2);
	uint8_t v[8 + GB_HASH_BYTES] = { 0, 0, 0, 0, 0, 0, 0, 5 };
	memcpy(v + 8, id.entry_hash, GB_HASH_BYTES);
	raw_record(dir, "ids", changed, sizeof changed - 1, v, sizeof v);
	raw_record(dir, "ids", deleted, sizeof deleted - 1, NULL, 0);
	l = reopen_rdonly(dir);
	gb_audit_opts o = default_opts();
	gb_audit_report rep;
	CU_ASSERT_EQUAL_FATAL(gb_audit_ledger(l, &o, &rep, &err), 0);
	CU_ASSERT_EQUAL_FATAL(rep.violation_count, 3);
	CU_ASSERT_EQUAL(rep.v[0].index, 1);
	CU_ASSERT_STRING_EQUAL(rep.v[0].msg, "id 'm0' of 'cpic-zs' (entry 1): the rebuilt index has it, the other does not");
	CU_ASSERT_EQUAL(rep.v[1].index, 5);
	CU_ASSERT_STRING_EQUAL(rep.v[1].msg, "id 'm1' of 'picc-zs' (entry 5): the stored index differs from the other");
	CU_ASSERT_EQUAL(rep.v[2].index, 2);
	CU_ASSERT_STRING_EQUAL(rep.v[2].msg, "id 'm1' of 'picc-zs' (entry 2): the rebuilt index differs from the other");
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(rep.v[i].kind, GB_AUDIT_STATE);
		CU_ASSERT_EQUAL(rep.v[i].code, GB_ECORRUPT);
	}
	gb_audit_report_release(&rep);
	gb_ledger_close(l);
}

static void add_tests(CU_pSuite s)
{
	CU_add_test(s, "a clean ledger audits clean, also --until", test_clean);
	CU_add_test(s, "replay skips the clock, and only replay", test_replay_option);
	CU_add_test(s, "changed and planted state versions are named", test_state_tamper);
	CU_add_test(s, "checkpoints: good, wrong key, root, origin, size", test_checkpoints);
	CU_add_test(s, "bundles: write, read, audit, damage", test_bundle);
	CU_add_test(s, "the raw state scan", test_state_scan);
	CU_add_test(s, "policies and money replay to the same state", test_money);
	CU_add_test(s, "a log of more than one replay batch", test_batches);
	CU_add_test(s, "a malformed stored state key is named, the rest still compared", test_state_bad_key);
	CU_add_test(s, "changed and deleted stored ids are named", test_ids_tamper);
}

GB_CUNIT_MAIN("audit", add_tests)
