/*
 * tests/audit_tamper.c: a test-only tool for tests/audit.sh that damages a
 * simulated ledger in ways the audit must name, and signs checkpoints.
 *
 *   audit_tamper checkpoint DIR SEED OUT   a good checkpoint (the simulator's log key for SEED)
 *   audit_tamper wrongkey DIR OUT          the ledger's checkpoint signed by another key
 *   audit_tamper badroot DIR SEED OUT      the right key, but a root with one bit flipped
 *   audit_tamper drop DIR INDEX            deletes entry INDEX from the entries database
 *   audit_tamper swap DIR I J              swaps the bytes of entries I and J
 *   audit_tamper dup DIR I                 overwrites entry I+1 with a copy of entry I
 *   audit_tamper state DIR KEY DELTA       adds DELTA to the newest version of an 8-byte state KEY
 *
 * The damage goes straight through LMDB, under the ledger's code, as an
 * attacker with the files would do it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>
#include <sodium.h>

#include "gongbao/ledger.h"
#include "gongbao/note.h"

static int die(const char *what, const char *msg)
{
	fprintf(stderr, "audit_tamper: %s: %s\n", what, msg);
	return 1;
}

/* The simulator's log key for a seed (tools/sim.c). */
static void sim_log_key(uint64_t seed, gb_seckey *key)
{
	uint8_t s[GB_SEED_BYTES];
	char msg[96];
	int n = snprintf(msg, sizeof msg, "gongbao-sim|%" PRIu64 "|log", seed);
	crypto_generichash(s, sizeof s, (const uint8_t *)msg, (size_t)n, NULL, 0);
	gb_err err;
	if (gb_seckey_from_seed(key, "gongbao.sim/zs-2026", GB_ALG_ED25519, s, &err) != 0)
		exit(die("log key", err.msg));
}

/* Signs the ledger's current checkpoint (root bit-flipped if asked) with key. */
static int sign_checkpoint(const char *dir, const gb_seckey *key, int flip, const char *out)
{
	gb_ledger_opts o = { .rdonly = 1 };
	gb_ledger *l;
	gb_err err;
	gb_checkpoint cp;
	if (gb_ledger_open(dir, &o, &l, &err) != 0)
		return die(dir, err.msg);
	snprintf(cp.origin, sizeof cp.origin, "%s", gb_ledger_origin(l));
	if (gb_ledger_size(l, &cp.size, &err) != 0 || gb_ledger_root(l, cp.size, cp.root, &err) != 0)
		return die(dir, err.msg);
	gb_ledger_close(l);
	cp.root[0] ^= (uint8_t)flip;
	static char text[GB_NOTE_MAX], note[GB_NOTE_MAX];
	size_t text_len, note_len;
	if (gb_checkpoint_format(&cp, text, sizeof text, &text_len) != 0 ||
	    gb_note_sign(text, text_len, key, note, sizeof note, &note_len, &err) != 0)
		return die("signing", err.msg);
	FILE *f = fopen(out, "wb");
	if (f == NULL || fwrite(note, 1, note_len, f) != note_len || fclose(f) != 0)
		return die(out, "cannot write");
	return 0;
}

static void be64(uint8_t b[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)v;
}

/* Opens the environment and one named database for writing. */
static int open_db(const char *dir, const char *name, MDB_env **env, MDB_txn **txn, MDB_dbi *dbi)
{
	int rc = mdb_env_create(env);
	rc = rc ? rc : mdb_env_set_maxdbs(*env, 8);
	rc = rc ? rc : mdb_env_set_mapsize(*env, (size_t)16 << 30);
	rc = rc ? rc : mdb_env_open(*env, dir, 0, 0644);
	rc = rc ? rc : mdb_txn_begin(*env, NULL, 0, txn);
	rc = rc ? rc : mdb_dbi_open(*txn, name, 0, dbi);
	return rc ? die(dir, mdb_strerror(rc)) : 0;
}

static int finish(MDB_env *env, MDB_txn *txn, int rc)
{
	rc = rc ? rc : mdb_txn_commit(txn);
	if (rc != 0)
		fprintf(stderr, "audit_tamper: %s\n", mdb_strerror(rc));
	mdb_env_close(env);
	return rc != 0;
}

static int drop(const char *dir, uint64_t index)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	uint8_t kb[8];
	be64(kb, index);
	if (open_db(dir, "entries", &env, &txn, &dbi) != 0)
		return 1;
	MDB_val k = { 8, kb };
	return finish(env, txn, mdb_del(txn, dbi, &k, NULL));
}

/* Swaps entries i and j, or with dup copies entry i over entry j. */
static int swap(const char *dir, uint64_t i, uint64_t j, int dup)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	uint8_t ki[8], kj[8];
	be64(ki, i);
	be64(kj, j);
	if (open_db(dir, "entries", &env, &txn, &dbi) != 0)
		return 1;
	MDB_val a = { 8, ki }, b = { 8, kj }, va, vb;
	int rc = mdb_get(txn, dbi, &a, &va);
	rc = rc ? rc : mdb_get(txn, dbi, &b, &vb);
	void *ca = rc ? NULL : malloc(va.mv_size), *cb = rc ? NULL : malloc(vb.mv_size);
	if (rc == 0) {
		memcpy(ca, va.mv_data, va.mv_size);
		memcpy(cb, vb.mv_data, vb.mv_size);
		MDB_val na = { vb.mv_size, cb }, nb = { va.mv_size, ca };
		rc = dup ? 0 : mdb_put(txn, dbi, &a, &na, 0);
		rc = rc ? rc : mdb_put(txn, dbi, &b, &nb, 0);
	}
	rc = finish(env, txn, rc);
	free(ca);
	free(cb);
	return rc;
}

static int state(const char *dir, const char *key, int64_t delta)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	uint8_t kb[600];
	size_t klen = strlen(key);
	if (klen + 10 > sizeof kb)
		return die(key, "too long");
	memcpy(kb, key, klen);
	kb[klen] = 1; /* just above every version of key */
	if (open_db(dir, "state", &env, &txn, &dbi) != 0)
		return 1;
	MDB_cursor *cur;
	MDB_val k = { klen + 1, kb }, v;
	int rc = mdb_cursor_open(txn, dbi, &cur);
	rc = rc ? rc : mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	rc = rc ? rc : mdb_cursor_get(cur, &k, &v, MDB_PREV);
	if (rc == 0 && (k.mv_size != klen + 9 || memcmp(k.mv_data, key, klen) != 0 || v.mv_size != 8))
		return die(key, "no 8-byte state value with that key");
	if (rc == 0) {
		uint64_t u = 0;
		for (int i = 0; i < 8; i++)
			u = u << 8 | ((const uint8_t *)v.mv_data)[i];
		uint8_t nv[8];
		be64(nv, u + (uint64_t)delta);
		MDB_val kk = k, vv = { 8, nv };
		rc = mdb_cursor_put(cur, &kk, &vv, MDB_CURRENT);
	}
	mdb_cursor_close(cur);
	return finish(env, txn, rc);
}

int main(int argc, char **argv)
{
	if (sodium_init() < 0 || argc < 3)
		return die("usage", "see tests/audit_tamper.c");
	const char *cmd = argv[1], *dir = argv[2];
	gb_seckey key;
	if (strcmp(cmd, "checkpoint") == 0 && argc == 5) {
		sim_log_key(strtoull(argv[3], NULL, 10), &key);
		return sign_checkpoint(dir, &key, 0, argv[4]);
	}
	if (strcmp(cmd, "badroot") == 0 && argc == 5) {
		sim_log_key(strtoull(argv[3], NULL, 10), &key);
		return sign_checkpoint(dir, &key, 1, argv[4]);
	}
	if (strcmp(cmd, "wrongkey") == 0 && argc == 4) {
		sim_log_key(999999, &key); /* same name, another key */
		return sign_checkpoint(dir, &key, 0, argv[3]);
	}
	if (strcmp(cmd, "drop") == 0 && argc == 4)
		return drop(dir, strtoull(argv[3], NULL, 10));
	if (strcmp(cmd, "swap") == 0 && argc == 5)
		return swap(dir, strtoull(argv[3], NULL, 10), strtoull(argv[4], NULL, 10), 0);
	if (strcmp(cmd, "dup") == 0 && argc == 4)
		return swap(dir, strtoull(argv[3], NULL, 10), strtoull(argv[3], NULL, 10) + 1, 1);
	if (strcmp(cmd, "state") == 0 && argc == 5)
		return state(dir, argv[3], strtoll(argv[4], NULL, 10));
	return die("usage", "see tests/audit_tamper.c");
}
