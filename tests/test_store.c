/*
 * test_store.c: the LMDB store's versioned state and metadata, directly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cu.h"
#include "gongbao/store.h"

static char tmp_dir[] = "/tmp/gb-test-store-XXXXXX";

static gb_store *open_store(void)
{
	static int n;
	char dir[256];
	if (n == 0)
		CU_ASSERT_FATAL(mkdtemp(tmp_dir) != NULL);
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

static void add_tests(CU_pSuite s)
{
	CU_add_test(s, "versioned state", test_versions);
	CU_add_test(s, "metadata and counts", test_meta_and_counts);
}

GB_CUNIT_MAIN("store", add_tests)
