/*
 * test_store.c: the LMDB store's versioned state and metadata, directly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "cu.h"
#include "gongbao/ledger.h"
#include "gongbao/state.h"
#include "gongbao/store.h"

/* The fixture's helpers are static; this suite uses only some of them. */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "fixture.h"

static char tmp_dir[] = "/tmp/gb-test-store-XXXXXX";

/* Creates a fresh store in a new directory, written to dir. */
static gb_store *open_store_at(char dir[256])
{
	static int n;
	if (n == 0)
		CU_ASSERT_FATAL(gb_test_tmpdir(tmp_dir) != NULL);
	snprintf(dir, 256, "%s/s%d", tmp_dir, ++n);
	gb_store *st = NULL;
	gb_err err;
	CU_ASSERT_FATAL(gb_store_open(dir, GB_STORE_CREATE, 1 << 24, &st, &err) == 0);
	return st;
}

static gb_store *open_store(void)
{
	char dir[256];
	return open_store_at(dir);
}

static void put(gb_txn *txn, const char *key, uint64_t version, const char *val)
{
	CU_ASSERT_EQUAL_FATAL(gb_store_state_put(txn, key, version, val, strlen(val), NULL), 0);
}

/* Returns the value of key as of `as_of` as a static string, or "-" if absent. */
static const char *get(gb_txn *txn, const char *key, uint64_t as_of, uint64_t *version)
{
	static char buf[64];
	const uint8_t *p;
	size_t len;
	int rc = gb_store_state_get(txn, key, as_of, &p, &len, version, NULL);
	if (rc == GB_ENOTFOUND)
		return "-";
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_FATAL(len < sizeof buf);
	memcpy(buf, p, len);
	buf[len] = '\0';
	return buf;
}

static void test_versions(void)
{
	gb_store *st = open_store();
	gb_txn txn;
	CU_ASSERT_FATAL(gb_txn_begin(st, 0, &txn, NULL) == 0);
	/* "a" is a prefix of "ab" and "a/b": their versions must not mix. */
	put(&txn, "a", 5, "a5");
	put(&txn, "a", 9, "a9");
	put(&txn, "a", 20, "a20");
	put(&txn, "ab", 7, "ab7");
	put(&txn, "a/b", 1, "a/b1");
	put(&txn, "b", 30, "b30");
	CU_ASSERT_FATAL(gb_txn_commit(&txn, NULL) == 0);
	CU_ASSERT_FATAL(gb_txn_begin(st, 1, &txn, NULL) == 0);
	static const struct { const char *key; uint64_t as_of; const char *want; uint64_t version; } cases[] = {
		{ "a", 0, "-", 0 }, { "a", 4, "-", 0 }, { "a", 5, "a5", 5 }, { "a", 8, "a5", 5 },
		{ "a", 9, "a9", 9 }, { "a", 19, "a9", 9 }, { "a", 20, "a20", 20 },
		{ "a", GB_STORE_LATEST, "a20", 20 }, { "ab", 6, "-", 0 }, { "ab", 7, "ab7", 7 },
		{ "ab", GB_STORE_LATEST, "ab7", 7 }, { "a/b", 0, "-", 0 }, { "a/b", 1, "a/b1", 1 },
		{ "b", 29, "-", 0 }, { "b", GB_STORE_LATEST, "b30", 30 }, { "c", GB_STORE_LATEST, "-", 0 },
		{ "0", GB_STORE_LATEST, "-", 0 }, { "aa", GB_STORE_LATEST, "-", 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint64_t version = 0;
		const char *got = get(&txn, cases[i].key, cases[i].as_of, &version);
		if (strcmp(got, cases[i].want) != 0)
			fprintf(stderr, "case %zu: %s as of %llu: got %s, want %s\n", i, cases[i].key,
				(unsigned long long)cases[i].as_of, got, cases[i].want);
		CU_ASSERT_STRING_EQUAL(got, cases[i].want);
		if (strcmp(cases[i].want, "-") != 0)
			CU_ASSERT_EQUAL(version, cases[i].version);
	}
	gb_txn_abort(&txn);
	/* A second write at the same version replaces; an aborted write leaves nothing. */
	CU_ASSERT_FATAL(gb_txn_begin(st, 0, &txn, NULL) == 0);
	put(&txn, "a", 20, "a20bis");
	CU_ASSERT_STRING_EQUAL(get(&txn, "a", GB_STORE_LATEST, NULL), "a20bis");
	CU_ASSERT_FATAL(gb_txn_commit(&txn, NULL) == 0);
	CU_ASSERT_FATAL(gb_txn_begin(st, 0, &txn, NULL) == 0);
	put(&txn, "a", 25, "lost");
	gb_txn_abort(&txn);
	CU_ASSERT_FATAL(gb_txn_begin(st, 1, &txn, NULL) == 0);
	CU_ASSERT_STRING_EQUAL(get(&txn, "a", GB_STORE_LATEST, NULL), "a20bis");
	CU_ASSERT_STRING_EQUAL(get(&txn, "a", 19, NULL), "a9");
	gb_txn_abort(&txn);
	gb_store_close(st);
}

static void test_meta_and_counts(void)
{
	gb_store *st = open_store();
	gb_txn txn;
	const uint8_t *p;
	size_t len;
	uint64_t n = 99;
	CU_ASSERT_FATAL(gb_txn_begin(st, 0, &txn, NULL) == 0);
	CU_ASSERT_EQUAL(gb_store_meta_get(&txn, "origin", &p, &len, NULL), GB_ERANGE);
	CU_ASSERT_EQUAL(gb_store_meta_put(&txn, "origin", "x/y", 3, NULL), 0);
	CU_ASSERT_EQUAL(gb_store_meta_get(&txn, "format", &p, &len, NULL), 0);
	CU_ASSERT_EQUAL(len, strlen(GB_STORE_FORMAT));
	CU_ASSERT_EQUAL(gb_store_entry_count(&txn, &n, NULL), 0);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL(gb_store_entry_append(&txn, 0, (const uint8_t *)"e0", 2, NULL), 0);
	CU_ASSERT_EQUAL(gb_store_entry_append(&txn, 1, (const uint8_t *)"e1", 2, NULL), 0);
	/* Appending out of order is refused. */
	CU_ASSERT_EQUAL(gb_store_entry_append(&txn, 1, (const uint8_t *)"e1", 2, NULL), GB_EINVAL);
	CU_ASSERT_EQUAL(gb_store_entry_count(&txn, &n, NULL), 0);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(gb_store_entry_get(&txn, 5, &p, &len, NULL), GB_ERANGE);
	CU_ASSERT_FATAL(gb_txn_commit(&txn, NULL) == 0);
	gb_store_close(st);
}

/* Appends "key=value;" to the string in arg (a 1 KB buffer). */
static int collect(void *arg, const char *key, const uint8_t *val, size_t len)
{
	char *out = arg;
	size_t n = strlen(out);
	CU_ASSERT_FATAL(n + strlen(key) + len + 3 < 1024);
	n += (size_t)sprintf(out + n, "%s=", key);
	memcpy(out + n, val, len);
	strcpy(out + n + len, ";");
	return 0;
}

/* Stops after the first key, returning a code that must come back unchanged. */
static int stop_first(void *arg, const char *key, const uint8_t *val, size_t len)
{
	(*(int *)arg)++;
	return 7;
}

/* What gb_store_state_each visits under prefix as of as_of, as "k=v;..." (static). */
static const char *each(gb_txn *txn, const char *prefix, uint64_t as_of)
{
	static char buf[1024];
	buf[0] = '\0';
	CU_ASSERT_EQUAL_FATAL(gb_store_state_each(txn, prefix, as_of, collect, buf, NULL), 0);
	return buf;
}

static void test_each(void)
{
	gb_store *st = open_store();
	gb_txn txn;
	CU_ASSERT_FATAL(gb_txn_begin(st, 0, &txn, NULL) == 0);
	/* Empty store: nothing visited, for any prefix. */
	CU_ASSERT_STRING_EQUAL(each(&txn, "", GB_STORE_LATEST), "");
	/* "a" (first key in the store, first version 5) must not hide the later keys. */
	put(&txn, "a", 5, "a5");
	put(&txn, "a", 9, "a9");
	put(&txn, "a/b", 1, "ab1");
	put(&txn, "a/b", 12, "ab12");
	put(&txn, "a/c", 7, "ac7");
	put(&txn, "ab", 3, "xb3");
	put(&txn, "b", 30, "b30");
	put(&txn, "bal/x", 2, "bx2");
	CU_ASSERT_FATAL(gb_txn_commit(&txn, NULL) == 0);
	CU_ASSERT_FATAL(gb_txn_begin(st, 1, &txn, NULL) == 0);
	static const struct { const char *prefix; uint64_t as_of; const char *want; } cases[] = {
		{ "", GB_STORE_LATEST, "a=a9;a/b=ab12;a/c=ac7;ab=xb3;b=b30;bal/x=bx2;" },
		{ "", 0, "" },
		{ "", 1, "a/b=ab1;" },
		{ "", 4, "a/b=ab1;ab=xb3;bal/x=bx2;" },
		{ "", 8, "a=a5;a/b=ab1;a/c=ac7;ab=xb3;bal/x=bx2;" },
		{ "", 12, "a=a9;a/b=ab12;a/c=ac7;ab=xb3;bal/x=bx2;" },
		{ "a", GB_STORE_LATEST, "a=a9;a/b=ab12;a/c=ac7;ab=xb3;" },
		{ "a/", GB_STORE_LATEST, "a/b=ab12;a/c=ac7;" },
		{ "a/", 6, "a/b=ab1;" },
		{ "a/b", 11, "a/b=ab1;" },
		{ "b", GB_STORE_LATEST, "b=b30;bal/x=bx2;" },
		{ "b", 29, "bal/x=bx2;" },
		{ "bal/", 1, "" },
		{ "c", GB_STORE_LATEST, "" },
		{ "0", GB_STORE_LATEST, "" },
		{ "a/b/", GB_STORE_LATEST, "" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *got = each(&txn, cases[i].prefix, cases[i].as_of);
		if (strcmp(got, cases[i].want) != 0)
			fprintf(stderr, "each case %zu: '%s' as of %llu: got %s, want %s\n", i,
				cases[i].prefix, (unsigned long long)cases[i].as_of, got, cases[i].want);
		CU_ASSERT_STRING_EQUAL(got, cases[i].want);
	}
	/* fn's code stops the walk and comes back as is. */
	int calls = 0;
	CU_ASSERT_EQUAL(gb_store_state_each(&txn, "", GB_STORE_LATEST, stop_first, &calls, NULL), 7);
	CU_ASSERT_EQUAL(calls, 1);
	gb_txn_abort(&txn);
	gb_store_close(st);
}

static void test_memstate_each(void)
{
	gb_memstate *ms = gb_memstate_new();
	CU_ASSERT_FATAL(ms != NULL);
	gb_state st = gb_memstate_state(ms);
	char buf[1024] = "";
	CU_ASSERT_EQUAL(gb_state_each(&st, "", collect, buf), 0);
	CU_ASSERT_STRING_EQUAL(buf, "");
	CU_ASSERT_EQUAL(gb_state_put(&st, "b", "2", 1), 0);
	CU_ASSERT_EQUAL(gb_state_put(&st, "a/x", "1", 1), 0);
	CU_ASSERT_EQUAL(gb_state_put(&st, "a", "0", 1), 0);
	CU_ASSERT_EQUAL(gb_state_put(&st, "ab", "3", 1), 0);
	CU_ASSERT_EQUAL(gb_state_each(&st, "", collect, buf), 0);
	CU_ASSERT_STRING_EQUAL(buf, "a=0;a/x=1;ab=3;b=2;");
	buf[0] = '\0';
	CU_ASSERT_EQUAL(gb_state_each(&st, "a/", collect, buf), 0);
	CU_ASSERT_STRING_EQUAL(buf, "a/x=1;");
	buf[0] = '\0';
	CU_ASSERT_EQUAL(gb_state_each(&st, "a", collect, buf), 0);
	CU_ASSERT_STRING_EQUAL(buf, "a=0;a/x=1;ab=3;");
	buf[0] = '\0';
	CU_ASSERT_EQUAL(gb_state_each(&st, "c", collect, buf), 0);
	CU_ASSERT_STRING_EQUAL(buf, "");
	int calls = 0;
	CU_ASSERT_EQUAL(gb_state_each(&st, "", stop_first, &calls), 7);
	CU_ASSERT_EQUAL(calls, 1);
	/* A state without each cannot iterate. */
	gb_state no_each = st;
	no_each.each = NULL;
	CU_ASSERT_EQUAL(gb_state_each(&no_each, "", collect, buf), GB_EINVAL);
	gb_memstate_free(ms);
}

/* What the read view's callback checks, and what it found. */
struct view_probe {
	int calls;
	int put_rc;
	int roster_rc;
	size_t roster_len;
	int day_count;
	int memo_rc;
};

static int count_key(void *arg, const char *key, const uint8_t *val, size_t len)
{
	(*(int *)arg)++;
	return 0;
}

static int probe_view(const gb_state *st, void *arg)
{
	struct view_probe *vp = arg;
	const uint8_t *p;
	vp->calls++;
	vp->put_rc = gb_state_put(st, "x", "1", 1);
	vp->roster_rc = gb_state_get(st, "roster", &p, &vp->roster_len);
	vp->day_count = 0;
	CU_ASSERT_EQUAL(gb_state_each(st, "day/", count_key, &vp->day_count), 0);
	return 0;
}

static int fail_view(const gb_state *st, void *arg)
{
	return GB_ESTATE;
}

static void test_ledger_read(void)
{
	gb_ledger *l = fx_ledger();
	gb_err err;
	uint8_t *roster0;
	size_t roster0_len;
	CU_ASSERT_EQUAL_FATAL(gb_ledger_state_get(l, "roster", 0, &roster0, &roster0_len, &err), 0);
	/* Entry 1 admits a member (a new roster version); entry 2 is on the day before. */
	CU_ASSERT_EQUAL_FATAL(fx_post(l, &err, FX_ASSOC, "{\"type\":\"member.admit\",\"id\":\"r1\","
		"\"participant\":\"pingan-zs\",\"role\":\"member\",\"vkey\":\"%s\"}", fx_vkey(FX_PINGAN)), 0);
	CU_ASSERT_EQUAL_FATAL(fx_post(l, &err, FX_ASSOC, "{\"type\":\"memo\",\"id\":\"r2\",\"text\":\"t\","
		"\"time\":%llu}", (unsigned long long)FX_CLOCK - 3600), 0);
	struct view_probe vp = { 0 };
	CU_ASSERT_EQUAL(gb_ledger_read(l, 0, probe_view, &vp, &err), 0);
	CU_ASSERT_EQUAL(vp.calls, 1);
	CU_ASSERT_EQUAL(vp.put_rc, GB_EINVAL);
	CU_ASSERT_EQUAL(vp.roster_rc, 0);
	CU_ASSERT_EQUAL(vp.roster_len, roster0_len);
	CU_ASSERT_EQUAL(vp.day_count, 1);
	memset(&vp, 0, sizeof vp);
	CU_ASSERT_EQUAL(gb_ledger_read(l, GB_STORE_LATEST, probe_view, &vp, &err), 0);
	CU_ASSERT_EQUAL(vp.put_rc, GB_EINVAL);
	CU_ASSERT_EQUAL(vp.roster_rc, 0);
	CU_ASSERT(vp.roster_len > roster0_len);
	CU_ASSERT_EQUAL(vp.day_count, 2);
	/* The put did not land. */
	uint8_t *p;
	size_t len;
	CU_ASSERT_EQUAL(gb_ledger_state_get(l, "x", GB_STORE_LATEST, &p, &len, &err), GB_ENOTFOUND);
	/* fn's failure is returned with a message naming the index. */
	CU_ASSERT_EQUAL(gb_ledger_read(l, 1, fail_view, NULL, &err), GB_ESTATE);
	CU_ASSERT_EQUAL(err.code, GB_ESTATE);
	CU_ASSERT(strstr(err.msg, "as of 1") != NULL);
	free(roster0);
	gb_ledger_close(l);
}

/* ---- ranges of entries and side-by-side walks ---- */

/*
 * Puts (val non-NULL) or deletes one record of database `db` of the closed
 * store in dir through LMDB itself: records gb_store never writes.
 */
static void raw_record(const char *dir, const char *db, const void *key, size_t key_len,
	const void *val, size_t val_len)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	int rc = mdb_env_create(&env);
	rc = rc ? rc : mdb_env_set_maxdbs(env, 8);
	rc = rc ? rc : mdb_env_set_mapsize(env, 1 << 24);
	rc = rc ? rc : mdb_env_open(env, dir, 0, 0644);
	rc = rc ? rc : mdb_txn_begin(env, NULL, 0, &txn);
	rc = rc ? rc : mdb_dbi_open(txn, db, 0, &dbi);
	CU_ASSERT_FATAL(rc == 0);
	MDB_val k = { key_len, (void *)key }, v = { val_len, (void *)val };
	CU_ASSERT_FATAL((val != NULL ? mdb_put(txn, dbi, &k, &v, 0) : mdb_del(txn, dbi, &k, NULL)) == 0);
	CU_ASSERT_FATAL(mdb_txn_commit(txn) == 0);
	mdb_env_close(env);
}

static void be64(uint8_t out[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		out[i] = (uint8_t)v;
}

static gb_store *reopen_store(const char *dir)
{
	gb_store *st = NULL;
	gb_err err;
	CU_ASSERT_FATAL(gb_store_open(dir, 0, 1 << 24, &st, &err) == 0);
	return st;
}

/* Checks that out[0..n) are entries from..from+n-1 as test_entry_range wrote them. */
static int range_is(const gb_bytes *out, size_t n, uint64_t from)
{
	for (size_t i = 0; i < n; i++) {
		char want[32];
		int len = snprintf(want, sizeof want, "entry-%llu", (unsigned long long)(from + i));
		if (out[i].len != (size_t)len || memcmp(out[i].ptr, want, (size_t)len) != 0)
			return 0;
	}
	return 1;
}

static void test_entry_range(void)
{
	char dir[256];
	gb_store *st = open_store_at(dir);
	gb_txn txn;
	gb_err err;
	CU_ASSERT_FATAL(gb_txn_begin(st, 0, &txn, NULL) == 0);
	for (uint64_t i = 0; i < 10; i++) {
		char e[32];
		int len = snprintf(e, sizeof e, "entry-%llu", (unsigned long long)i);
		CU_ASSERT_FATAL(gb_store_entry_append(&txn, i, (const uint8_t *)e, (size_t)len, NULL) == 0);
	}
	CU_ASSERT_FATAL(gb_txn_commit(&txn, NULL) == 0);
	CU_ASSERT_FATAL(gb_txn_begin(st, 1, &txn, NULL) == 0);
	gb_bytes out[16];
	size_t n = 99;
	CU_ASSERT_EQUAL(gb_store_entry_range(&txn, 3, 4, out, &n, &err), 0);
	CU_ASSERT_EQUAL(n, 4);
	CU_ASSERT(range_is(out, n, 3));
	CU_ASSERT_EQUAL(gb_store_entry_range(&txn, 0, 16, out, &n, &err), 0);
	CU_ASSERT_EQUAL(n, 10);
	CU_ASSERT(range_is(out, n, 0));
	/* Past the end: what there is, then nothing. */
	CU_ASSERT_EQUAL(gb_store_entry_range(&txn, 8, 5, out, &n, &err), 0);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT(range_is(out, n, 8));
	n = 99;
	CU_ASSERT_EQUAL(gb_store_entry_range(&txn, 10, 3, out, &n, &err), 0);
	CU_ASSERT_EQUAL(n, 0);
	n = 99;
	CU_ASSERT_EQUAL(gb_store_entry_range(&txn, 0, 0, NULL, &n, &err), 0);
	CU_ASSERT_EQUAL(n, 0);
	gb_txn_abort(&txn);
	gb_store_close(st);

	/* Entry 5 deleted and a 9-byte key after entry 7: a run ends at either. */
	uint8_t k[9];
	be64(k, 5);
	raw_record(dir, "entries", k, 8, NULL, 0);
	be64(k, 7);
	k[8] = 0;
	raw_record(dir, "entries", k, 9, "odd", 3);
	st = reopen_store(dir);
	CU_ASSERT_FATAL(gb_txn_begin(st, 1, &txn, NULL) == 0);
	CU_ASSERT_EQUAL(gb_store_entry_range(&txn, 3, 5, out, &n, &err), 0);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT(range_is(out, n, 3));
	n = 99;
	CU_ASSERT_EQUAL(gb_store_entry_range(&txn, 5, 2, out, &n, &err), 0);
	CU_ASSERT_EQUAL(n, 0);
	/* A run that ends exactly at entry 7 never looks further. */
	CU_ASSERT_EQUAL(gb_store_entry_range(&txn, 6, 2, out, &n, &err), 0);
	CU_ASSERT_EQUAL(n, 2);
	gb_err_clear(&err);
	CU_ASSERT_EQUAL(gb_store_entry_range(&txn, 6, 4, out, &n, &err), GB_ECORRUPT);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT(range_is(out, n, 6));
	CU_ASSERT_EQUAL(err.code, GB_ECORRUPT);
	CU_ASSERT_STRING_EQUAL(err.msg, "entries: a key of 9 bytes after entry 7, want 8");
	gb_txn_abort(&txn);
	gb_store_close(st);
}

/* The calls a node walk made, as "j:A/B," with A, B the hash's first byte in hex or '-'. */
struct node_calls {
	char log[512];
	uint64_t stop_at;               /* return 9 at this index */
};

static int node_fn(void *arg, uint64_t j, const uint8_t *ha, const uint8_t *hb)
{
	struct node_calls *c = arg;
	size_t n = strlen(c->log);
	CU_ASSERT_FATAL(n + 16 < sizeof c->log);
	char a[4] = "-", b[4] = "-";
	if (ha != NULL)
		snprintf(a, sizeof a, "%02x", ha[0]);
	if (hb != NULL)
		snprintf(b, sizeof b, "%02x", hb[0]);
	snprintf(c->log + n, sizeof c->log - n, "%llu:%s/%s,", (unsigned long long)j, a, b);
	return j == c->stop_at ? 9 : 0;
}

/* Appends stored hash j filled with byte fill. */
static void node_put(gb_txn *txn, uint64_t j, uint8_t fill)
{
	uint8_t h[GB_HASH_BYTES];
	memset(h, fill, sizeof h);
	CU_ASSERT_EQUAL_FATAL(gb_store_node_append(txn, j, h, NULL), 0);
}

/* Walks the nodes of a and b up to count; returns the walk's code, the calls in c->log. */
static int node_walk(gb_store *a, gb_store *b, uint64_t count, struct node_calls *c)
{
	gb_txn ta, tb;
	gb_err err;
	c->log[0] = '\0';
	CU_ASSERT_FATAL(gb_txn_begin(a, 1, &ta, NULL) == 0);
	CU_ASSERT_FATAL(gb_txn_begin(b, 1, &tb, NULL) == 0);
	int rc = gb_store_node_merge_walk(&ta, &tb, count, node_fn, c, &err);
	gb_txn_abort(&ta);
	gb_txn_abort(&tb);
	return rc;
}

static void test_node_merge_walk(void)
{
	char da[256], db[256];
	gb_store *a = open_store_at(da), *b = open_store_at(db);
	struct node_calls c = { .stop_at = UINT64_MAX };
	/* Both empty: every index is visited, with no hash on either side. */
	CU_ASSERT_EQUAL(node_walk(a, b, 2, &c), 0);
	CU_ASSERT_STRING_EQUAL(c.log, "0:-/-,1:-/-,");
	CU_ASSERT_EQUAL(node_walk(a, b, 0, &c), 0);
	CU_ASSERT_STRING_EQUAL(c.log, "");
	/* a: 0 1 3 4 5 6 7; b: 0, 1 changed, 2 3 5 8 (4 comes below, 7 bytes long). */
	gb_txn t;
	CU_ASSERT_FATAL(gb_txn_begin(a, 0, &t, NULL) == 0);
	static const uint64_t in_a[] = { 0, 1, 3, 4, 5, 6, 7 };
	for (size_t i = 0; i < sizeof in_a / sizeof in_a[0]; i++)
		node_put(&t, in_a[i], (uint8_t)(0xa0 + in_a[i]));
	CU_ASSERT_FATAL(gb_txn_commit(&t, NULL) == 0);
	CU_ASSERT_FATAL(gb_txn_begin(b, 0, &t, NULL) == 0);
	static const uint64_t in_b[] = { 0, 1, 2, 3, 5, 8 };
	for (size_t i = 0; i < sizeof in_b / sizeof in_b[0]; i++)
		node_put(&t, in_b[i], (uint8_t)(in_b[i] == 1 ? 0xb1 : 0xa0 + in_b[i]));
	CU_ASSERT_FATAL(gb_txn_commit(&t, NULL) == 0);
	gb_store_close(a);
	gb_store_close(b);
	/* Records no node append writes: a short hash at 4 in b, a 7-byte key first in a. */
	uint8_t k[8];
	be64(k, 4);
	raw_record(db, "nodes", k, 8, "short", 5);
	memset(k, 0, sizeof k);
	raw_record(da, "nodes", k, 7, "0123456789abcdef0123456789abcdef", GB_HASH_BYTES);
	a = reopen_store(da);
	b = reopen_store(db);
	CU_ASSERT_EQUAL(node_walk(a, b, 7, &c), 0);
	CU_ASSERT_STRING_EQUAL(c.log, "0:a0/a0,1:a1/b1,2:-/a2,3:a3/a3,4:a4/-,5:a5/a5,6:a6/-,");
	CU_ASSERT_EQUAL(node_walk(a, b, 10, &c), 0);
	CU_ASSERT_STRING_EQUAL(c.log,
		"0:a0/a0,1:a1/b1,2:-/a2,3:a3/a3,4:a4/-,5:a5/a5,6:a6/-,7:a7/-,8:-/a8,9:-/-,");
	/* fn's code stops the walk, also in the gap after both sides' last hash. */
	c.stop_at = 3;
	CU_ASSERT_EQUAL(node_walk(a, b, 10, &c), 9);
	CU_ASSERT_STRING_EQUAL(c.log, "0:a0/a0,1:a1/b1,2:-/a2,3:a3/a3,");
	c.stop_at = 9;
	CU_ASSERT_EQUAL(node_walk(a, b, 12, &c), 9);
	CU_ASSERT(strstr(c.log, "8:-/a8,9:-/-,") != NULL && strstr(c.log, "10:") == NULL);
	/* The walk is symmetric: swapped stores swap the sides. */
	c.stop_at = UINT64_MAX;
	CU_ASSERT_EQUAL(node_walk(b, a, 3, &c), 0);
	CU_ASSERT_STRING_EQUAL(c.log, "0:a0/a0,1:b1/a1,2:a2/-,");
	gb_store_close(a);
	gb_store_close(b);
}

/* The calls a state walk made, as "key@version a=A b=B;" ("?RAW" for a malformed key). */
struct state_calls {
	char log[1024];
	int calls;
	int stop_at;                    /* return 5 at this call (0-based) */
};

static int state_fn(void *arg, const gb_store_state_pair *p)
{
	struct state_calls *c = arg;
	size_t n = strlen(c->log);
	CU_ASSERT_FATAL(n + 64 < sizeof c->log);
	if (p->key != NULL) {
		n += (size_t)snprintf(c->log + n, sizeof c->log - n, "%s@%llu", p->key,
			(unsigned long long)p->version);
		/* raw is the stored key itself */
		CU_ASSERT(p->raw_len == strlen(p->key) + 9 && memcmp(p->raw, p->key, strlen(p->key) + 1) == 0);
	} else {
		CU_ASSERT_EQUAL(p->version, 0);
		n += (size_t)snprintf(c->log + n, sizeof c->log - n, "?");
		for (size_t i = 0; i < p->raw_len && i < 12; i++)
			n += (size_t)snprintf(c->log + n, sizeof c->log - n, p->raw[i] >= 0x20 ? "%c" : "\\%x",
				p->raw[i]);
	}
	n += (size_t)snprintf(c->log + n, sizeof c->log - n, " a=%.*s b=%.*s;",
		p->a ? (int)p->a_len : 1, p->a ? (const char *)p->a : "-",
		p->b ? (int)p->b_len : 1, p->b ? (const char *)p->b : "-");
	return c->calls++ == c->stop_at ? 5 : 0;
}

static int state_walk(gb_store *a, gb_store *b, struct state_calls *c)
{
	gb_txn ta, tb;
	gb_err err;
	c->log[0] = '\0';
	c->calls = 0;
	CU_ASSERT_FATAL(gb_txn_begin(a, 1, &ta, NULL) == 0);
	CU_ASSERT_FATAL(gb_txn_begin(b, 1, &tb, NULL) == 0);
	int rc = gb_store_state_merge_walk(&ta, &tb, state_fn, c, &err);
	gb_txn_abort(&ta);
	gb_txn_abort(&tb);
	return rc;
}

static void test_state_merge_walk(void)
{
	char da[256], db[256];
	gb_store *a = open_store_at(da), *b = open_store_at(db);
	struct state_calls c = { .stop_at = -1 };
	CU_ASSERT_EQUAL(state_walk(a, b, &c), 0);
	CU_ASSERT_STRING_EQUAL(c.log, "");
	gb_txn t;
	CU_ASSERT_FATAL(gb_txn_begin(a, 0, &t, NULL) == 0);
	put(&t, "a", 2, "x");
	put(&t, "a", 5, "y");
	put(&t, "b", 1, "z");
	CU_ASSERT_FATAL(gb_txn_commit(&t, NULL) == 0);
	CU_ASSERT_FATAL(gb_txn_begin(b, 0, &t, NULL) == 0);
	put(&t, "a", 2, "x");
	put(&t, "a", 3, "w");
	put(&t, "b", 1, "Z");
	put(&t, "c", 0, "q");
	/* "a" and "ab": the versions of a key and of a longer one do not mix. */
	put(&t, "ab", 1, "v");
	CU_ASSERT_FATAL(gb_txn_commit(&t, NULL) == 0);
	gb_store_close(a);
	gb_store_close(b);
	/* Malformed keys in a: too short, and a NUL inside the key. */
	raw_record(da, "state", "bb", 2, "m", 1);
	raw_record(da, "state", "k1\0k2\0\0\0\0\0\0\0\0\1", 14, "n", 1);
	a = reopen_store(da);
	b = reopen_store(db);
	CU_ASSERT_EQUAL(state_walk(a, b, &c), 0);
	CU_ASSERT_STRING_EQUAL(c.log, "a@2 a=x b=x;a@3 a=- b=w;a@5 a=y b=-;ab@1 a=- b=v;b@1 a=z b=Z;"
		"?bb a=m b=-;c@0 a=- b=q;?k1\\0k2\\0\\0\\0\\0\\0\\0\\0 a=n b=-;");
	c.stop_at = 1;
	CU_ASSERT_EQUAL(state_walk(a, b, &c), 5);
	CU_ASSERT_STRING_EQUAL(c.log, "a@2 a=x b=x;a@3 a=- b=w;");
	/* A store walked against itself: every version once, the same on both sides. */
	c.stop_at = -1;
	CU_ASSERT_EQUAL(state_walk(b, b, &c), 0);
	CU_ASSERT_STRING_EQUAL(c.log, "a@2 a=x b=x;a@3 a=w b=w;ab@1 a=v b=v;b@1 a=Z b=Z;c@0 a=q b=q;");
	gb_store_close(a);
	gb_store_close(b);
}

/* The calls an id walk made, as "key a=INDEX/HASH0 b=...;". */
struct id_calls {
	char log[512];
	int calls;
	int stop_at;
};

static int id_fn(void *arg, const uint8_t *key, size_t key_len, const gb_store_id *va,
	const gb_store_id *vb)
{
	struct id_calls *c = arg;
	size_t n = strlen(c->log);
	CU_ASSERT_FATAL(n + 64 < sizeof c->log);
	size_t signer_len = strnlen((const char *)key, key_len);
	CU_ASSERT_FATAL(signer_len < key_len);
	n += (size_t)snprintf(c->log + n, sizeof c->log - n, "%s/%.*s", (const char *)key,
		(int)(key_len - signer_len - 1), (const char *)key + signer_len + 1);
	const gb_store_id *v[2] = { va, vb };
	for (int i = 0; i < 2; i++) {
		if (v[i] == NULL)
			n += (size_t)snprintf(c->log + n, sizeof c->log - n, " %c=-", 'a' + i);
		else
			n += (size_t)snprintf(c->log + n, sizeof c->log - n, " %c=%llu/%02x", 'a' + i,
				(unsigned long long)v[i]->index, v[i]->entry_hash[0]);
	}
	snprintf(c->log + n, sizeof c->log - n, ";");
	return c->calls++ == c->stop_at ? 6 : 0;
}

static void id_put(gb_txn *txn, const char *id, uint64_t index, uint8_t fill)
{
	uint8_t key[32];
	size_t len = (size_t)snprintf((char *)key, sizeof key, "s%c%s", 0, id);
	gb_store_id v = { .index = index };
	memset(v.entry_hash, fill, sizeof v.entry_hash);
	CU_ASSERT_EQUAL_FATAL(gb_store_id_put(txn, key, len, &v, NULL), 0);
}

static int id_walk(gb_store *a, gb_store *b, struct id_calls *c, gb_err *err)
{
	gb_txn ta, tb;
	c->log[0] = '\0';
	c->calls = 0;
	CU_ASSERT_FATAL(gb_txn_begin(a, 1, &ta, NULL) == 0);
	CU_ASSERT_FATAL(gb_txn_begin(b, 1, &tb, NULL) == 0);
	int rc = gb_store_id_merge_walk(&ta, &tb, id_fn, c, err);
	gb_txn_abort(&ta);
	gb_txn_abort(&tb);
	return rc;
}

static void test_id_merge_walk(void)
{
	char da[256], db[256];
	gb_store *a = open_store_at(da), *b = open_store_at(db);
	struct id_calls c = { .stop_at = -1 };
	gb_err err;
	CU_ASSERT_EQUAL(id_walk(a, b, &c, &err), 0);
	CU_ASSERT_STRING_EQUAL(c.log, "");
	gb_txn t;
	CU_ASSERT_FATAL(gb_txn_begin(a, 0, &t, NULL) == 0);
	id_put(&t, "i1", 1, 0x11);
	id_put(&t, "i2", 2, 0x22);
	CU_ASSERT_FATAL(gb_txn_commit(&t, NULL) == 0);
	CU_ASSERT_FATAL(gb_txn_begin(b, 0, &t, NULL) == 0);
	id_put(&t, "i2", 2, 0x2f);
	id_put(&t, "i3", 300, 0x33);
	CU_ASSERT_FATAL(gb_txn_commit(&t, NULL) == 0);
	CU_ASSERT_EQUAL(id_walk(a, b, &c, &err), 0);
	CU_ASSERT_STRING_EQUAL(c.log, "s/i1 a=1/11 b=-;s/i2 a=2/22 b=2/2f;s/i3 a=- b=300/33;");
	c.stop_at = 0;
	CU_ASSERT_EQUAL(id_walk(a, b, &c, &err), 6);
	CU_ASSERT_STRING_EQUAL(c.log, "s/i1 a=1/11 b=-;");
	/* A value of the wrong size in b, before every other key: GB_ECORRUPT naming b, no call. */
	gb_store_close(b);
	raw_record(db, "ids", "s\0i0", 4, "short", 5);
	b = reopen_store(db);
	c.stop_at = -1;
	gb_err_clear(&err);
	CU_ASSERT_EQUAL(id_walk(a, b, &c, &err), GB_ECORRUPT);
	CU_ASSERT_STRING_EQUAL(c.log, "");
	char want[400];
	snprintf(want, sizeof want, "ids in '%s': value of 5 bytes, want 40", db);
	CU_ASSERT_STRING_EQUAL(err.msg, want);
	gb_store_close(a);
	gb_store_close(b);
}

static void add_tests(CU_pSuite s)
{
	CU_add_test(s, "versioned state", test_versions);
	CU_add_test(s, "metadata and counts", test_meta_and_counts);
	CU_add_test(s, "state by prefix as of an index", test_each);
	CU_add_test(s, "in-memory state by prefix", test_memstate_each);
	CU_add_test(s, "ledger read view", test_ledger_read);
	CU_add_test(s, "a range of entries with one cursor", test_entry_range);
	CU_add_test(s, "two stores' tree hashes side by side", test_node_merge_walk);
	CU_add_test(s, "two stores' state versions side by side", test_state_merge_walk);
	CU_add_test(s, "two stores' idempotency keys side by side", test_id_merge_walk);
}

GB_CUNIT_MAIN("store", add_tests)
