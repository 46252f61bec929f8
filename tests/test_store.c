/*
 * test_store.c: the LMDB store's versioned state and metadata, directly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cu.h"
#include "gongbao/ledger.h"
#include "gongbao/state.h"
#include "gongbao/store.h"

/* The fixture's helpers are static; this suite uses only some of them. */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "fixture.h"

static char tmp_dir[] = "/tmp/gb-test-store-XXXXXX";

static gb_store *open_store(void)
{
	static int n;
	char dir[256];
	if (n == 0)
		CU_ASSERT_FATAL(gb_test_tmpdir(tmp_dir) != NULL);
	snprintf(dir, sizeof dir, "%s/s%d", tmp_dir, ++n);
	gb_store *st = NULL;
	gb_err err;
	CU_ASSERT_FATAL(gb_store_open(dir, GB_STORE_CREATE, 1 << 24, &st, &err) == 0);
	return st;
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

static void add_tests(CU_pSuite s)
{
	CU_add_test(s, "versioned state", test_versions);
	CU_add_test(s, "metadata and counts", test_meta_and_counts);
	CU_add_test(s, "state by prefix as of an index", test_each);
	CU_add_test(s, "in-memory state by prefix", test_memstate_each);
	CU_add_test(s, "ledger read view", test_ledger_read);
}

GB_CUNIT_MAIN("store", add_tests)
