/*
 * store.c: the LMDB environment behind a ledger (see gongbao/store.h).
 *
 * Keys that number things (entry index, stored hash index) are 8-byte
 * big-endian, so that LMDB's bytewise order is numeric order and appends can
 * use MDB_APPEND, which skips the search and fills pages completely.
 */
#include "gongbao/store.h"

#include <assert.h>
#include <errno.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { DB_ENTRIES, DB_NODES, DB_IDS, DB_META, DB_STATE, DB_COUNT };

static const char *const db_names[DB_COUNT] = {
	"entries", "nodes", "ids", "meta", "state"
};

struct gb_store {
	MDB_env *env;
	MDB_dbi dbi[DB_COUNT];
	char dir[4096];
};

/* Maps an LMDB return code to a GB_E* code with a message saying where. */
static int lmdb_error(gb_err *err, int rc, const char *what)
{
	assert(rc != 0);
	int code;
	switch (rc) {
	case MDB_MAP_FULL:
		code = GB_EMAPFULL;
		break;
	case MDB_CORRUPTED:
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
	case MDB_PAGE_NOTFOUND:
		code = GB_ECORRUPT;
		break;
	case ENOMEM:
		code = GB_ENOMEM;
		break;
	case ENOENT:
		code = GB_ENOLEDGER;
		break;
	default:
		code = GB_ELMDB;
		break;
	}
	return gb_err_set(err, code, "%s: %s", what, mdb_strerror(rc));
}

static void be64_put(uint8_t out[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		out[i] = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t be64_get(const uint8_t in[8])
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | in[i];
	return v;
}

static MDB_txn *mtxn(gb_txn *txn)
{
	assert(txn != NULL);
	assert(txn->mdb_txn != NULL);
	return txn->mdb_txn;
}

/* Checks that `dir` is usable for the requested open, before LMDB sees it. */
static int check_dir(const char *dir, int flags, gb_err *err)
{
	struct stat sb;
	if (stat(dir, &sb) != 0) {
		if (errno != ENOENT)
			return gb_err_set(err, GB_EIO, "ledger directory '%s': %s", dir, strerror(errno));
		if (!(flags & GB_STORE_CREATE))
			return gb_err_set(err, GB_ENOLEDGER, "ledger directory '%s' does not exist", dir);
		if (mkdir(dir, 0755) != 0)
			return gb_err_set(err, GB_EIO, "cannot create ledger directory '%s': %s", dir, strerror(errno));
		return 0;
	}
	if (!S_ISDIR(sb.st_mode))
		return gb_err_set(err, GB_ENOLEDGER, "'%s' is not a directory", dir);
	char data[4200];
	snprintf(data, sizeof data, "%s/data.mdb", dir);
	int exists = stat(data, &sb) == 0;
	if ((flags & GB_STORE_CREATE) && exists && sb.st_size > 0)
		return gb_err_set(err, GB_EEXIST, "a ledger already exists in '%s'", dir);
	if (!(flags & GB_STORE_CREATE) && !exists)
		return gb_err_set(err, GB_ENOLEDGER, "no ledger in '%s' (no data.mdb)", dir);
	/* An empty data.mdb holds nothing; opening it for writing would write to it. */
	if (!(flags & GB_STORE_CREATE) && sb.st_size == 0)
		return gb_err_set(err, GB_ENOLEDGER, "no ledger in '%s' (data.mdb is empty)", dir);
	return 0;
}

/* Opens (creating if asked) the named databases and checks the format mark. */
static int open_dbs(gb_store *st, int flags, gb_err *err)
{
	int create = flags & GB_STORE_CREATE;
	MDB_txn *txn;
	int rc = mdb_txn_begin(st->env, NULL, create ? 0 : MDB_RDONLY, &txn);
	if (rc != 0)
		return lmdb_error(err, rc, st->dir);
	for (int i = 0; i < DB_COUNT; i++) {
		rc = mdb_dbi_open(txn, db_names[i], create ? MDB_CREATE : 0, &st->dbi[i]);
		if (rc != 0) {
			mdb_txn_abort(txn);
			if (rc == MDB_NOTFOUND || rc == MDB_INCOMPATIBLE)
				return gb_err_set(err, GB_ECORRUPT, "'%s' is not a gongbao ledger (no '%s' database)",
					st->dir, db_names[i]);
			return lmdb_error(err, rc, st->dir);
		}
	}
	MDB_val key = { strlen("format"), (void *)"format" }, val;
	if (create) {
		val.mv_size = strlen(GB_STORE_FORMAT);
		val.mv_data = (void *)GB_STORE_FORMAT;
		rc = mdb_put(txn, st->dbi[DB_META], &key, &val, MDB_NOOVERWRITE);
		rc = rc ? rc : mdb_txn_commit(txn);
		return rc ? lmdb_error(err, rc, st->dir) : 0;
	}
	rc = mdb_get(txn, st->dbi[DB_META], &key, &val);
	int ok = rc == 0 && val.mv_size == strlen(GB_STORE_FORMAT) &&
		memcmp(val.mv_data, GB_STORE_FORMAT, val.mv_size) == 0;
	/* Commit, not abort: an aborted transaction closes the handles it opened. */
	rc = mdb_txn_commit(txn);
	if (rc != 0)
		return lmdb_error(err, rc, st->dir);
	if (!ok)
		return gb_err_set(err, GB_ECORRUPT, "'%s' is not a %s ledger", st->dir, GB_STORE_FORMAT);
	return 0;
}

int gb_store_open(const char *dir, int flags, size_t map_bytes, gb_store **out,
	gb_err *err)
{
	assert(dir != NULL);
	assert(out != NULL);
	*out = NULL;
	if (strlen(dir) >= sizeof ((gb_store *)0)->dir - 16)
		return gb_err_set(err, GB_EINVAL, "ledger directory path too long");
	int rc = check_dir(dir, flags, err);
	if (rc != 0)
		return rc;
	gb_store *st = calloc(1, sizeof *st);
	if (st == NULL)
		return gb_err_set(err, GB_ENOMEM, "out of memory opening '%s'", dir);
	snprintf(st->dir, sizeof st->dir, "%s", dir);
	rc = mdb_env_create(&st->env);
	if (rc == 0)
		rc = mdb_env_set_maxdbs(st->env, DB_COUNT);
	if (rc == 0)
		rc = mdb_env_set_mapsize(st->env, map_bytes ? map_bytes : GB_STORE_MAP_DEFAULT);
	unsigned env_flags = MDB_NOTLS | ((flags & GB_STORE_RDONLY) ? MDB_RDONLY : 0) |
		((flags & GB_STORE_NOSYNC) ? MDB_NOSYNC : 0);
	if (rc == 0)
		rc = mdb_env_open(st->env, dir, env_flags, 0644);
	if (rc != 0) {
		rc = lmdb_error(err, rc, dir);
		gb_store_close(st);
		return rc;
	}
	rc = open_dbs(st, flags, err);
	if (rc != 0) {
		gb_store_close(st);
		return rc;
	}
	*out = st;
	return 0;
}

void gb_store_close(gb_store *st)
{
	if (st == NULL)
		return;
	if (st->env != NULL)
		mdb_env_close(st->env);
	free(st);
}

int gb_txn_begin(gb_store *st, int rdonly, gb_txn *txn, gb_err *err)
{
	assert(st != NULL);
	assert(txn != NULL);
	txn->store = st;
	txn->rdonly = rdonly;
	txn->mdb_txn = NULL;
	MDB_txn *t;
	int rc = mdb_txn_begin(st->env, NULL, rdonly ? MDB_RDONLY : 0, &t);
	if (rc != 0)
		return lmdb_error(err, rc, st->dir);
	txn->mdb_txn = t;
	return 0;
}

int gb_txn_commit(gb_txn *txn, gb_err *err)
{
	int rc = mdb_txn_commit(mtxn(txn));
	txn->mdb_txn = NULL;
	return rc ? lmdb_error(err, rc, txn->store->dir) : 0;
}

void gb_txn_abort(gb_txn *txn)
{
	if (txn == NULL || txn->mdb_txn == NULL)
		return;
	mdb_txn_abort(txn->mdb_txn);
	txn->mdb_txn = NULL;
}

/* Count of a database keyed by consecutive u64 BE numbers from 0. */
static int count_numbered(gb_txn *txn, int db, uint64_t *count, gb_err *err)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(mtxn(txn), txn->store->dbi[db], &cur);
	if (rc != 0)
		return lmdb_error(err, rc, db_names[db]);
	MDB_val key, val;
	rc = mdb_cursor_get(cur, &key, &val, MDB_LAST);
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND) {
		*count = 0;
		return 0;
	}
	if (rc != 0)
		return lmdb_error(err, rc, db_names[db]);
	if (key.mv_size != 8)
		return gb_err_set(err, GB_ECORRUPT, "%s: key of %zu bytes, want 8", db_names[db], key.mv_size);
	*count = be64_get(key.mv_data) + 1;
	return 0;
}

static int append_numbered(gb_txn *txn, int db, uint64_t n, const void *p,
	size_t len, gb_err *err)
{
	assert(!txn->rdonly);
	uint8_t kb[8];
	be64_put(kb, n);
	MDB_val key = { 8, kb }, val = { len, (void *)p };
	int rc = mdb_put(mtxn(txn), txn->store->dbi[db], &key, &val, MDB_APPEND);
	if (rc == MDB_KEYEXIST)
		return gb_err_set(err, GB_EINVAL, "%s: %llu is not the next number", db_names[db],
			(unsigned long long)n);
	return rc ? lmdb_error(err, rc, db_names[db]) : 0;
}

static int get_numbered(gb_txn *txn, int db, uint64_t n, MDB_val *val, gb_err *err)
{
	uint8_t kb[8];
	be64_put(kb, n);
	MDB_val key = { 8, kb };
	int rc = mdb_get(mtxn(txn), txn->store->dbi[db], &key, val);
	if (rc == MDB_NOTFOUND)
		return gb_err_set(err, GB_ERANGE, "%s: no number %llu", db_names[db], (unsigned long long)n);
	return rc ? lmdb_error(err, rc, db_names[db]) : 0;
}

int gb_store_entry_count(gb_txn *txn, uint64_t *count, gb_err *err)
{
	return count_numbered(txn, DB_ENTRIES, count, err);
}

int gb_store_entry_append(gb_txn *txn, uint64_t index, const uint8_t *p,
	size_t len, gb_err *err)
{
	assert(p != NULL);
	assert(len > 0);
	return append_numbered(txn, DB_ENTRIES, index, p, len, err);
}

int gb_store_entry_get(gb_txn *txn, uint64_t index, const uint8_t **p,
	size_t *len, gb_err *err)
{
	MDB_val val;
	int rc = get_numbered(txn, DB_ENTRIES, index, &val, err);
	if (rc != 0)
		return rc;
	*p = val.mv_data;
	*len = val.mv_size;
	return 0;
}

int gb_store_entry_range(gb_txn *txn, uint64_t from, size_t max, gb_bytes *out,
	size_t *count, gb_err *err)
{
	assert(out != NULL || max == 0);
	assert(count != NULL);
	*count = 0;
	if (max == 0)
		return 0;
	MDB_cursor *cur;
	int rc = mdb_cursor_open(mtxn(txn), txn->store->dbi[DB_ENTRIES], &cur);
	if (rc != 0)
		return lmdb_error(err, rc, "entries");
	uint8_t kb[8];
	be64_put(kb, from);
	MDB_val k = { 8, kb }, v;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
	size_t n = 0;
	/* Keys ascend, so the run ends at the first key that is not the next number. */
	for (; rc == 0 && n < max; n++) {
		if (k.mv_size != 8) {
			rc = GB_ECORRUPT;
			break;
		}
		if (be64_get(k.mv_data) != from + n)
			break;
		out[n] = (gb_bytes){ v.mv_data, v.mv_size };
		if (n + 1 < max)
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	*count = n;
	if (rc == GB_ECORRUPT) {
		assert(n > 0); /* MDB_SET_KEY found entry `from` under its 8-byte key */
		return gb_err_set(err, rc, "entries: a key of %zu bytes after entry %llu, want 8", k.mv_size,
			(unsigned long long)(from + n - 1));
	}
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : lmdb_error(err, rc, "entries");
}

int gb_store_node_count(gb_txn *txn, uint64_t *count, gb_err *err)
{
	return count_numbered(txn, DB_NODES, count, err);
}

int gb_store_node_append(gb_txn *txn, uint64_t stored_index,
	const uint8_t hash[GB_HASH_BYTES], gb_err *err)
{
	return append_numbered(txn, DB_NODES, stored_index, hash, GB_HASH_BYTES, err);
}

int gb_store_node_read(void *ctx, uint64_t stored_index, uint8_t out[GB_HASH_BYTES])
{
	MDB_val val;
	int rc = get_numbered(ctx, DB_NODES, stored_index, &val, NULL);
	if (rc != 0)
		return rc == GB_ERANGE ? GB_ECORRUPT : rc;
	if (val.mv_size != GB_HASH_BYTES)
		return GB_ECORRUPT;
	memcpy(out, val.mv_data, GB_HASH_BYTES);
	return 0;
}

int gb_store_node_write(void *ctx, uint64_t stored_index,
	const uint8_t hash[GB_HASH_BYTES])
{
	return gb_store_node_append(ctx, stored_index, hash, NULL);
}

int gb_store_id_get(gb_txn *txn, const void *key, size_t key_len,
	gb_store_id *out, gb_err *err)
{
	assert(key_len > 0 && key_len <= GB_STORE_KEY_MAX);
	MDB_val k = { key_len, (void *)key }, v;
	int rc = mdb_get(mtxn(txn), txn->store->dbi[DB_IDS], &k, &v);
	if (rc == MDB_NOTFOUND)
		return GB_ERANGE;
	if (rc != 0)
		return lmdb_error(err, rc, "ids");
	if (v.mv_size != 8 + GB_HASH_BYTES)
		return gb_err_set(err, GB_ECORRUPT, "ids: value of %zu bytes, want %d", v.mv_size,
			8 + GB_HASH_BYTES);
	out->index = be64_get(v.mv_data);
	memcpy(out->entry_hash, (uint8_t *)v.mv_data + 8, GB_HASH_BYTES);
	return 0;
}

int gb_store_id_scan(gb_txn *txn, int (*fn)(void *arg, const uint8_t *key, size_t key_len,
	const gb_store_id *val), void *arg, gb_err *err)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(mtxn(txn), txn->store->dbi[DB_IDS], &cur);
	if (rc != 0)
		return lmdb_error(err, rc, "ids");
	MDB_val k, v;
	int op = MDB_FIRST;
	while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		if (v.mv_size != 8 + GB_HASH_BYTES) {
			rc = gb_err_set(err, GB_ECORRUPT, "ids: value of %zu bytes, want %d", v.mv_size,
				8 + GB_HASH_BYTES);
			break;
		}
		gb_store_id id;
		id.index = be64_get(v.mv_data);
		memcpy(id.entry_hash, (uint8_t *)v.mv_data + 8, GB_HASH_BYTES);
		if ((rc = fn(arg, k.mv_data, k.mv_size, &id)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		return 0;
	return rc > 0 ? lmdb_error(err, rc, "ids") : rc;
}

int gb_store_id_put(gb_txn *txn, const void *key, size_t key_len,
	const gb_store_id *val, gb_err *err)
{
	assert(!txn->rdonly);
	assert(key_len > 0 && key_len <= GB_STORE_KEY_MAX);
	uint8_t vb[8 + GB_HASH_BYTES];
	be64_put(vb, val->index);
	memcpy(vb + 8, val->entry_hash, GB_HASH_BYTES);
	MDB_val k = { key_len, (void *)key }, v = { sizeof vb, vb };
	int rc = mdb_put(mtxn(txn), txn->store->dbi[DB_IDS], &k, &v, MDB_NOOVERWRITE);
	if (rc == MDB_KEYEXIST)
		return gb_err_set(err, GB_EINVAL, "ids: key already present");
	return rc ? lmdb_error(err, rc, "ids") : 0;
}

int gb_store_meta_get(gb_txn *txn, const char *key, const uint8_t **p, size_t *len,
	gb_err *err)
{
	size_t klen = strlen(key);
	assert(klen > 0 && klen <= GB_STORE_KEY_MAX);
	MDB_val k = { klen, (void *)key }, v;
	int rc = mdb_get(mtxn(txn), txn->store->dbi[DB_META], &k, &v);
	if (rc == MDB_NOTFOUND)
		return gb_err_set(err, GB_ERANGE, "no metadata '%s'", key);
	if (rc != 0)
		return lmdb_error(err, rc, key);
	*p = v.mv_data;
	*len = v.mv_size;
	return 0;
}

int gb_store_meta_put(gb_txn *txn, const char *key, const void *p, size_t len,
	gb_err *err)
{
	assert(!txn->rdonly);
	size_t klen = strlen(key);
	assert(klen > 0 && klen <= GB_STORE_KEY_MAX);
	MDB_val k = { klen, (void *)key }, v = { len, (void *)p };
	int rc = mdb_put(mtxn(txn), txn->store->dbi[DB_META], &k, &v, 0);
	return rc ? lmdb_error(err, rc, key) : 0;
}

/* The versioned key: key, a NUL, the version as 8 bytes big-endian. */
static size_t state_key(uint8_t out[GB_STORE_KEY_MAX], const char *key, uint64_t version)
{
	size_t klen = strlen(key);
	assert(klen > 0 && klen + 9 <= GB_STORE_KEY_MAX);
	memcpy(out, key, klen);
	out[klen] = 0;
	be64_put(out + klen + 1, version);
	return klen + 9;
}

int gb_store_state_get(gb_txn *txn, const char *key, uint64_t as_of,
	const uint8_t **p, size_t *len, uint64_t *version, gb_err *err)
{
	uint8_t kb[GB_STORE_KEY_MAX];
	size_t klen = state_key(kb, key, as_of);
	MDB_cursor *cur;
	int rc = mdb_cursor_open(mtxn(txn), txn->store->dbi[DB_STATE], &cur);
	if (rc != 0)
		return lmdb_error(err, rc, "state");
	MDB_val k = { klen, kb }, v;
	/* The first key at or after (key, as_of); the version wanted is it or the one before. */
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (rc == 0 && !(k.mv_size == klen && memcmp(k.mv_data, kb, klen) == 0))
		rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
	else if (rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND || (rc == 0 && (k.mv_size != klen || memcmp(k.mv_data, kb, klen - 8) != 0)))
		return GB_ENOTFOUND;
	if (rc != 0)
		return lmdb_error(err, rc, "state");
	*p = v.mv_data;
	*len = v.mv_size;
	if (version != NULL)
		*version = be64_get((const uint8_t *)k.mv_data + klen - 8);
	return 0;
}

int gb_store_state_floor(gb_txn *txn, const char *prefix, const char *key,
	const uint8_t **p, size_t *len, gb_err *err)
{
	size_t plen = strlen(prefix), klen = strlen(key);
	assert(plen <= klen && klen + 1 < GB_STORE_KEY_MAX);
	uint8_t kb[GB_STORE_KEY_MAX];
	memcpy(kb, key, klen);
	kb[klen] = 1; /* just above every version of `key` */
	MDB_cursor *cur;
	int rc = mdb_cursor_open(mtxn(txn), txn->store->dbi[DB_STATE], &cur);
	if (rc != 0)
		return lmdb_error(err, rc, "state");
	MDB_val k = { klen + 1, kb }, v;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	rc = rc == 0 ? mdb_cursor_get(cur, &k, &v, MDB_PREV)
		     : rc == MDB_NOTFOUND ? mdb_cursor_get(cur, &k, &v, MDB_LAST) : rc;
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND || (rc == 0 && (k.mv_size < plen + 9 || memcmp(k.mv_data, prefix, plen) != 0)))
		return GB_ENOTFOUND;
	if (rc != 0)
		return lmdb_error(err, rc, "state");
	/* The newest version of that key is the one just found (versions ascend). */
	*p = v.mv_data;
	*len = v.mv_size;
	return 0;
}

int gb_store_state_put(gb_txn *txn, const char *key, uint64_t version,
	const void *p, size_t len, gb_err *err)
{
	assert(!txn->rdonly);
	uint8_t kb[GB_STORE_KEY_MAX];
	size_t klen = state_key(kb, key, version);
	MDB_val k = { klen, kb }, v = { len, (void *)p };
	int rc = mdb_put(mtxn(txn), txn->store->dbi[DB_STATE], &k, &v, 0);
	return rc ? lmdb_error(err, rc, key) : 0;
}

/*
 * From the cursor's position (the first version of some key, or past the
 * prefix), reads that key's value as of `as_of` into *found (0 if it has no
 * such version), fills key_out, and moves the cursor to the next key's first
 * version. Returns 0, MDB_NOTFOUND at the end of the database, 1 past the
 * prefix, GB_ECORRUPT, or an LMDB code.
 */
static int each_step(MDB_cursor *cur, const char *prefix, size_t plen, uint64_t as_of,
	char key_out[GB_STORE_KEY_MAX], MDB_val *val, int *found)
{
	MDB_val k, v;
	int rc = mdb_cursor_get(cur, &k, &v, MDB_GET_CURRENT);
	if (rc != 0)
		return rc;
	if (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0)
		return 1;
	const uint8_t *kd = k.mv_data;
	if (k.mv_size < 10 || k.mv_size > GB_STORE_KEY_MAX || kd[k.mv_size - 9] != 0)
		return GB_ECORRUPT;
	size_t klen = k.mv_size - 9;
	memcpy(key_out, kd, klen);
	key_out[klen] = '\0';
	if (memchr(key_out, 0, klen) != NULL)
		return GB_ECORRUPT;
	/* The wanted version: the one at (key, as_of), else the one before it if it is key's. */
	uint8_t kb[GB_STORE_KEY_MAX];
	size_t blen = state_key(kb, key_out, as_of);
	MDB_val seek = { blen, kb };
	rc = mdb_cursor_get(cur, &seek, &v, MDB_SET_RANGE);
	if (rc == 0 && !(seek.mv_size == blen && memcmp(seek.mv_data, kb, blen) == 0))
		rc = mdb_cursor_get(cur, &seek, &v, MDB_PREV);
	else if (rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(cur, &seek, &v, MDB_LAST);
	/* MDB_PREV from the very first record: key has no version <= as_of. */
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	*found = rc == 0 && seek.mv_size == blen && memcmp(seek.mv_data, kb, blen - 8) == 0;
	*val = v;
	/* Every version of key sorts below key 0x01: seek there for the next key. */
	kb[klen] = 1;
	seek = (MDB_val){ klen + 1, kb };
	rc = mdb_cursor_get(cur, &seek, &v, MDB_SET_RANGE);
	return rc;
}

int gb_store_state_each(gb_txn *txn, const char *prefix, uint64_t as_of,
	int (*fn)(void *arg, const char *key, const uint8_t *val, size_t len), void *arg,
	gb_err *err)
{
	assert(prefix != NULL && fn != NULL);
	size_t plen = strlen(prefix);
	assert(plen + 9 < GB_STORE_KEY_MAX);
	MDB_stat ms;
	MDB_cursor *cur;
	int rc = mdb_stat(mtxn(txn), txn->store->dbi[DB_STATE], &ms);
	if (rc == 0)
		rc = mdb_cursor_open(mtxn(txn), txn->store->dbi[DB_STATE], &cur);
	if (rc != 0)
		return lmdb_error(err, rc, "state");
	MDB_val k = { plen, (void *)prefix }, v;
	rc = plen ? mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE) : mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	int fn_rc = 0;
	/* At most one step per stored version. */
	for (size_t i = 0; rc == 0 && i <= ms.ms_entries; i++) {
		char key[GB_STORE_KEY_MAX];
		MDB_val val;
		int found = 0;
		rc = each_step(cur, prefix, plen, as_of, key, &val, &found);
		if (rc != 0 && rc != MDB_NOTFOUND)
			break;
		if (found && (fn_rc = fn(arg, key, val.mv_data, val.mv_size)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	if (fn_rc != 0)
		return fn_rc;
	if (rc == MDB_NOTFOUND || rc == 1 || rc == 0)
		return 0;
	if (rc == GB_ECORRUPT)
		return gb_err_set(err, rc, "state: a stored key is not key, 0x00, version");
	if (rc > 0)
		return lmdb_error(err, rc, "state");
	return rc;
}

int gb_store_state_scan(gb_txn *txn,
	int (*fn)(void *arg, const char *key, uint64_t version, const uint8_t *val, size_t len),
	void *arg, gb_err *err)
{
	assert(txn != NULL);
	assert(fn != NULL);
	MDB_stat ms;
	MDB_cursor *cur;
	int rc = mdb_stat(mtxn(txn), txn->store->dbi[DB_STATE], &ms);
	if (rc == 0)
		rc = mdb_cursor_open(mtxn(txn), txn->store->dbi[DB_STATE], &cur);
	if (rc != 0)
		return lmdb_error(err, rc, "state");
	MDB_val k, v;
	int fn_rc = 0;
	rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	/* One step per stored version. */
	for (size_t i = 0; rc == 0 && i < ms.ms_entries; i++) {
		const uint8_t *kd = k.mv_data;
		char key[GB_STORE_KEY_MAX];
		if (k.mv_size < 10 || k.mv_size > GB_STORE_KEY_MAX || kd[k.mv_size - 9] != 0 ||
		    memchr(kd, 0, k.mv_size - 9) != NULL) {
			rc = GB_ECORRUPT;
			break;
		}
		memcpy(key, kd, k.mv_size - 9);
		key[k.mv_size - 9] = '\0';
		fn_rc = fn(arg, key, be64_get(kd + k.mv_size - 8), v.mv_data, v.mv_size);
		if (fn_rc != 0)
			break;
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	if (fn_rc != 0)
		return fn_rc;
	if (rc == GB_ECORRUPT)
		return gb_err_set(err, rc, "state: a stored key is not key, 0x00, version");
	if (rc != 0 && rc != MDB_NOTFOUND)
		return lmdb_error(err, rc, "state");
	return 0;
}

/* ---- side-by-side walks of two stores ---- */

/* One side of a merge walk: a cursor and the record it is on. */
struct walk_side {
	MDB_cursor *cur;
	MDB_val k, v;
	int on;                         /* 1 while k, v hold a record; 0 past the end */
};

/* Moves a side with op (MDB_FIRST or MDB_NEXT). Returns 0 (also at the end) or an LMDB code. */
static int side_move(struct walk_side *s, MDB_cursor_op op)
{
	int rc = mdb_cursor_get(s->cur, &s->k, &s->v, op);
	s->on = rc == 0;
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Visits one key of a merge walk, its value in a and in b (NULL: absent). 0 goes on. */
typedef int (*walk_fn)(void *arg, const MDB_val *k, const MDB_val *va, const MDB_val *vb);

/* Opens a side's cursor on database db and counts its records. Returns 0 or an LMDB code. */
static int side_open(gb_txn *txn, int db, struct walk_side *s, size_t *records)
{
	MDB_stat ms;
	int rc = mdb_stat(mtxn(txn), txn->store->dbi[db], &ms);
	rc = rc ? rc : mdb_cursor_open(mtxn(txn), txn->store->dbi[db], &s->cur);
	rc = rc ? rc : side_move(s, MDB_FIRST);
	*records = rc ? 0 : ms.ms_entries;
	return rc;
}

/*
 * The merge join under the gb_store_*_merge_walk functions: walks database
 * db of a and b side by side in LMDB's key order and calls fn once per key
 * found in either. Returns fn's first non-zero return, else 0 with
 * *mdb_rc set to 0, to an LMDB code, or to MDB_CORRUPTED if the cursors
 * hold more records than the databases count (the loop's bound).
 */
static int merge_walk(gb_txn *a, gb_txn *b, int db, walk_fn fn, void *arg, int *mdb_rc)
{
	assert(a != NULL && b != NULL);
	assert(db >= 0 && db < DB_COUNT);
	struct walk_side sa = { 0 }, sb = { 0 };
	size_t na = 0, nb = 0;
	int rc = side_open(a, db, &sa, &na);
	rc = rc ? rc : side_open(b, db, &sb, &nb);
	int fn_rc = 0;
	/* Every step moves at least one side on by one record. */
	for (size_t i = 0; rc == 0 && fn_rc == 0 && (sa.on || sb.on); i++) {
		if (i == na + nb) {
			rc = MDB_CORRUPTED;
			break;
		}
		int c = !sb.on ? -1 : !sa.on ? 1 : mdb_cmp(mtxn(a), a->store->dbi[db], &sa.k, &sb.k);
		fn_rc = fn(arg, c <= 0 ? &sa.k : &sb.k, c <= 0 ? &sa.v : NULL, c >= 0 ? &sb.v : NULL);
		if (fn_rc == 0 && c <= 0)
			rc = side_move(&sa, MDB_NEXT);
		if (fn_rc == 0 && rc == 0 && c >= 0)
			rc = side_move(&sb, MDB_NEXT);
	}
	if (sa.cur != NULL)
		mdb_cursor_close(sa.cur);
	if (sb.cur != NULL)
		mdb_cursor_close(sb.cur);
	*mdb_rc = rc;
	return fn_rc;
}

/* What gb_store_node_merge_walk's visitor carries. */
struct node_walk {
	uint64_t next;                  /* the first stored index fn has not been called for */
	uint64_t count;
	int done;                       /* the walk met a key at or after count */
	int (*fn)(void *arg, uint64_t stored_index, const uint8_t *hash_a, const uint8_t *hash_b);
	void *arg;
};

/* A value as a stored hash, or NULL if absent or not GB_HASH_BYTES long. */
static const uint8_t *hash_of(const MDB_val *v)
{
	return v != NULL && v->mv_size == GB_HASH_BYTES ? v->mv_data : NULL;
}

/* Calls fn for the indexes below `to` that neither side holds (both hashes NULL). */
static int node_gap(struct node_walk *w, uint64_t to)
{
	assert(to <= w->count);
	int rc = 0;
	for (; rc == 0 && w->next < to; w->next++)
		rc = w->fn(w->arg, w->next, NULL, NULL);
	return rc;
}

/* Takes one nodes key: fn for the indexes skipped since the last one, then for this one. */
static int node_visit(void *arg, const MDB_val *k, const MDB_val *va, const MDB_val *vb)
{
	struct node_walk *w = arg;
	if (k->mv_size != 8)
		return 0; /* names no stored index */
	uint64_t n = be64_get(k->mv_data);
	assert(n >= w->next); /* 8-byte keys come in numeric order */
	int rc = node_gap(w, n < w->count ? n : w->count);
	if (rc != 0)
		return rc;
	if (n >= w->count) {
		w->done = 1;
		return 1;
	}
	w->next = n + 1;
	return w->fn(w->arg, n, hash_of(va), hash_of(vb));
}

/* Maps a merge walk's outcome: fn's code as it is, an LMDB failure to GB_E*. */
static int walk_result(int fn_rc, int mdb_rc, const char *what, gb_err *err)
{
	if (fn_rc != 0)
		return fn_rc;
	if (mdb_rc == MDB_CORRUPTED)
		return gb_err_set(err, GB_ECORRUPT, "%s: more records than the database counts", what);
	return mdb_rc ? lmdb_error(err, mdb_rc, what) : 0;
}

int gb_store_node_merge_walk(gb_txn *a, gb_txn *b, uint64_t count,
	int (*fn)(void *arg, uint64_t stored_index, const uint8_t *hash_a, const uint8_t *hash_b),
	void *arg, gb_err *err)
{
	assert(fn != NULL);
	struct node_walk w = { 0, count, 0, fn, arg };
	int mdb_rc;
	int rc = merge_walk(a, b, DB_NODES, node_visit, &w, &mdb_rc);
	if (w.done)
		rc = 0;
	rc = walk_result(rc, mdb_rc, "nodes", err);
	return rc ? rc : node_gap(&w, count);
}

/* What gb_store_state_merge_walk's visitor carries. */
struct state_walk {
	int (*fn)(void *arg, const gb_store_state_pair *p);
	void *arg;
};

/* Takes one state key: decodes key 0x00 version (or not, if malformed) and calls fn. */
static int state_visit(void *arg, const MDB_val *k, const MDB_val *va, const MDB_val *vb)
{
	struct state_walk *w = arg;
	const uint8_t *kd = k->mv_data;
	char key[GB_STORE_KEY_MAX];
	gb_store_state_pair p = { NULL, 0, kd, k->mv_size, NULL, 0, NULL, 0 };
	if (k->mv_size >= 10 && k->mv_size <= GB_STORE_KEY_MAX && kd[k->mv_size - 9] == 0 &&
	    memchr(kd, 0, k->mv_size - 9) == NULL) {
		memcpy(key, kd, k->mv_size - 9);
		key[k->mv_size - 9] = '\0';
		p.key = key;
		p.version = be64_get(kd + k->mv_size - 8);
	}
	if (va != NULL) {
		p.a = va->mv_data;
		p.a_len = va->mv_size;
	}
	if (vb != NULL) {
		p.b = vb->mv_data;
		p.b_len = vb->mv_size;
	}
	return w->fn(w->arg, &p);
}

int gb_store_state_merge_walk(gb_txn *a, gb_txn *b,
	int (*fn)(void *arg, const gb_store_state_pair *p), void *arg, gb_err *err)
{
	assert(fn != NULL);
	struct state_walk w = { fn, arg };
	int mdb_rc;
	int rc = merge_walk(a, b, DB_STATE, state_visit, &w, &mdb_rc);
	return walk_result(rc, mdb_rc, "state", err);
}

/* What gb_store_id_merge_walk's visitor carries. */
struct id_walk {
	int (*fn)(void *arg, const uint8_t *key, size_t key_len, const gb_store_id *val_a,
		const gb_store_id *val_b);
	void *arg;
	const char *dir_a, *dir_b;      /* the stores, for a message */
	const char *bad_dir;            /* set when a value of the wrong size stopped the walk */
	size_t bad_len;
};

/* Decodes an ids value into *out: out, or NULL when v is NULL (absent). */
static const gb_store_id *id_of(const MDB_val *v, gb_store_id *out)
{
	if (v == NULL)
		return NULL;
	assert(v->mv_size == 8 + GB_HASH_BYTES);
	out->index = be64_get(v->mv_data);
	memcpy(out->entry_hash, (const uint8_t *)v->mv_data + 8, GB_HASH_BYTES);
	return out;
}

/* Takes one ids key: stops at a value of the wrong size, else decodes both and calls fn. */
static int id_visit(void *arg, const MDB_val *k, const MDB_val *va, const MDB_val *vb)
{
	struct id_walk *w = arg;
	const MDB_val *bad = va != NULL && va->mv_size != 8 + GB_HASH_BYTES ? va
		: vb != NULL && vb->mv_size != 8 + GB_HASH_BYTES ? vb : NULL;
	if (bad != NULL) {
		w->bad_dir = bad == va ? w->dir_a : w->dir_b;
		w->bad_len = bad->mv_size;
		return 1;
	}
	gb_store_id ia, ib;
	return w->fn(w->arg, k->mv_data, k->mv_size, id_of(va, &ia), id_of(vb, &ib));
}

int gb_store_id_merge_walk(gb_txn *a, gb_txn *b,
	int (*fn)(void *arg, const uint8_t *key, size_t key_len, const gb_store_id *val_a,
		const gb_store_id *val_b),
	void *arg, gb_err *err)
{
	assert(fn != NULL);
	struct id_walk w = { fn, arg, a->store->dir, b->store->dir, NULL, 0 };
	int mdb_rc;
	int rc = merge_walk(a, b, DB_IDS, id_visit, &w, &mdb_rc);
	if (w.bad_dir != NULL)
		return gb_err_set(err, GB_ECORRUPT, "ids in '%s': value of %zu bytes, want %d", w.bad_dir,
			w.bad_len, 8 + GB_HASH_BYTES);
	return walk_result(rc, mdb_rc, "ids", err);
}
