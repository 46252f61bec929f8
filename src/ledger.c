/*
 * ledger.c: the ingest pipeline, reads, proofs and checkpoints
 * (gongbao/ledger.h).
 *
 * Ingest overlaps the two expensive halves. Worker threads take chunks of
 * the batch in order and decode, hash and signature-check each entry; the
 * calling thread helps with that too, and between chunks applies, in log
 * order, every entry whose checks are done: rules, then the stores. So both
 * cores verify signatures all the time and the sequential part hides behind
 * them. Only the calling thread touches the LMDB write transaction.
 */
#include "gongbao/date.h"
#include "gongbao/ledger.h"

#include <assert.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "gongbao/entry.h"
#include "gongbao/note.h"
#include "gongbao/store.h"

#define THREADS_MAX 64
#define CHUNK_ENTRIES 16
/* Bytes of the roster's stored encoding at most (participants x vkey). */
#define ROSTER_ENCODED_MAX (GB_PARTICIPANTS_MAX * (GB_VKEY_MAX + GB_ID_MAX + 64) + 1024)

struct gb_ledger {
	gb_store *store;
	char dir[4096];
	char origin[GB_ORIGIN_MAX + 1];
	gb_pubkey log_key;
	int threads;
	uint64_t clock_s;               /* 0: the system clock */
	int replay;                     /* 1: no clock at all (gb_ledger_opts.replay) */
	int no_clock;                   /* replay or mirror: entry times unchecked */
	int mirror;                     /* a copy: a repeated entry is an error, not skipped */
	gb_merkle_frontier frontier;    /* valid for frontier.size entries */
	gb_roster roster;               /* the roster in force after the last append */
	gb_roster verify_roster;        /* read-only copy for the worker threads */
	gb_params params;               /* the parameters as of the batch's start */
};

/* What the workers learn about one entry of a batch. */
struct item {
	gb_entry e;
	int decode_rc;                  /* 0 or the decoder's code */
	uint8_t sig_ok;                 /* bit i: signature i verified with the pre-batch roster */
	uint8_t leaf_hash[GB_HASH_BYTES];
	atomic_uchar done;
};

struct batch {
	const gb_bytes *in;
	struct item *items;
	size_t count;
	const gb_roster *roster;        /* keys in force before the batch */
	atomic_size_t next;             /* first entry not yet taken by a checker */
	atomic_int stop;                /* set when the batch has failed */
};

/* Decodes, hashes and signature-checks entries [from, to) of the batch. */
static void check_range(struct batch *b, size_t from, size_t to)
{
	assert(from <= to && to <= b->count);
	for (size_t i = from; i < to && !atomic_load(&b->stop); i++) {
		struct item *it = &b->items[i];
		it->decode_rc = gb_entry_decode(b->in[i].ptr, b->in[i].len, &it->e, NULL);
		if (it->decode_rc == 0) {
			gb_merkle_leaf_hash(it->leaf_hash, b->in[i].ptr, b->in[i].len);
			for (size_t s = 0; s < it->e.sig_count; s++) {
				const gb_pubkey *key = gb_roster_key(b->roster, &it->e, s);
				if (key != NULL && gb_entry_verify_sig(&it->e, s, key, NULL) == 0)
					it->sig_ok |= (uint8_t)(1u << s);
			}
		}
		atomic_store_explicit(&it->done, 1, memory_order_release);
	}
}

/* Takes the next chunk, if any. Returns 0 when the batch is all taken. */
static int check_next_chunk(struct batch *b)
{
	size_t from = atomic_fetch_add(&b->next, CHUNK_ENTRIES);
	if (from >= b->count || atomic_load(&b->stop))
		return 0;
	size_t to = from + CHUNK_ENTRIES < b->count ? from + CHUNK_ENTRIES : b->count;
	check_range(b, from, to);
	return 1;
}

static void *checker_main(void *arg)
{
	struct batch *b = arg;
	while (check_next_chunk(b))
		;
	return NULL;
}

static int online_cores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > THREADS_MAX ? THREADS_MAX : (int)n;
}

/* Reads the roster from the state database (empty if the ledger has none yet). */
static int load_roster(gb_txn *txn, gb_roster *r, gb_err *err)
{
	const uint8_t *p;
	size_t len;
	int rc = gb_store_state_get(txn, "roster", GB_STORE_LATEST, &p, &len, NULL, NULL);
	if (rc == GB_ENOTFOUND) {
		memset(r, 0, sizeof *r);
		return 0;
	}
	if (rc != 0)
		return gb_err_set(err, rc, "reading the roster: %s", gb_strerror(rc));
	return gb_roster_decode(r, p, len, err);
}

static int store_roster(gb_txn *txn, const gb_roster *r, uint64_t index, gb_err *err)
{
	uint8_t *buf = malloc(ROSTER_ENCODED_MAX);
	if (buf == NULL)
		return gb_err_set(err, GB_ENOMEM, "out of memory storing the roster");
	gb_mpw w;
	gb_mpw_init(&w, buf, ROSTER_ENCODED_MAX);
	gb_roster_encode(r, &w);
	int rc = w.err ? gb_err_set(err, w.err, "roster too large to store")
		       : gb_store_state_put(txn, "roster", index, buf, w.len, err);
	free(buf);
	return rc;
}

/*
 * Brings the frontier up to the size of the log in `txn` (another process
 * may have appended) and checks that the tree holds as many hashes as it
 * must: a mismatch means the files are damaged.
 */
static int sync_tree(gb_ledger *l, gb_txn *txn, uint64_t *size, gb_err *err)
{
	uint64_t nodes;
	int rc = gb_store_entry_count(txn, size, err);
	rc = rc ? rc : gb_store_node_count(txn, &nodes, err);
	if (rc != 0)
		return rc;
	if (nodes != gb_merkle_stored_count(*size))
		return gb_err_set(err, GB_ECORRUPT, "%s: %llu entries but %llu tree hashes (want %llu)",
			l->dir, (unsigned long long)*size, (unsigned long long)nodes,
			(unsigned long long)gb_merkle_stored_count(*size));
	if (l->frontier.size == *size)
		return 0;
	rc = gb_merkle_frontier_load(&l->frontier, *size, gb_store_node_read, txn);
	if (rc != 0)
		return gb_err_set(err, rc, "%s: reading the tree: %s", l->dir, gb_strerror(rc));
	return 0;
}

/* The derived state the rules see: the store's, as of the entry being applied. */
struct txn_state {
	gb_txn *txn;
	uint64_t index;
};

static int txn_state_get(void *ctx, const char *key, const uint8_t **val, size_t *len)
{
	struct txn_state *ts = ctx;
	return gb_store_state_get(ts->txn, key, GB_STORE_LATEST, val, len, NULL, NULL);
}

static int txn_state_put(void *ctx, const char *key, const void *val, size_t len)
{
	struct txn_state *ts = ctx;
	return gb_store_state_put(ts->txn, key, ts->index, val, len, NULL);
}

/*
 * Records entry `index` as the latest of the UTC day of its time, so that
 * reports can be taken as of a date (spec/TRANSACTIONS.md section 6).
 */
static int record_day(const gb_state *st, uint64_t index, uint64_t time_s, gb_err *err)
{
	char key[32];
	if (time_s >= GB_TIME_END_S)
		return gb_err_set(err, GB_ETIME, "time %llu is after 9999-12-31", (unsigned long long)time_s);
	snprintf(key, sizeof key, "day/%08u", (unsigned)gb_date_of_time(time_s));
	int rc = gb_state_put_i64(st, key, (int64_t)index);
	return rc ? gb_err_set(err, rc, "recording %s: %s", key, gb_strerror(rc)) : 0;
}

/* The idempotency key: signer, a NUL, id. */
static size_t id_key(const gb_entry *e, uint8_t key[2 * GB_ID_MAX + 1])
{
	assert(e->signer.len <= GB_ID_MAX && e->id.len <= GB_ID_MAX);
	memcpy(key, e->signer.ptr, e->signer.len);
	key[e->signer.len] = 0;
	memcpy(key + e->signer.len + 1, e->id.ptr, e->id.len);
	return e->signer.len + 1 + e->id.len;
}

/* Verifies every signature of an applied entry with the key the rules named. */
static int check_sigs(const struct item *it, const gb_pubkey keys[GB_ENTRY_SIGS_MAX],
	int roster_changed, gb_err *err)
{
	for (size_t s = 0; s < it->e.sig_count; s++) {
		/* Pre-verified with the pre-batch roster, which is still in force. */
		if (!roster_changed && (it->sig_ok & (1u << s)))
			continue;
		int rc = gb_entry_verify_sig(&it->e, s, &keys[s], NULL);
		if (rc != 0)
			return gb_err_set(err, GB_ESIG, "signature %zu by '%.*s' does not verify", s,
				(int)it->e.sigs[s].signer.len, it->e.sigs[s].signer.ptr);
	}
	return 0;
}

/*
 * Applies one checked entry as entry *size: idempotency, rules, signatures,
 * then the stores. On a duplicate stores nothing and reports the old index.
 */
static int apply_one(gb_ledger *l, gb_txn *txn, const gb_bytes *in, struct item *it,
	uint64_t *size, int *roster_changed, gb_append_result *res, gb_err *err)
{
	if (it->decode_rc != 0) /* decode again for the message: failures are rare */
		return gb_entry_decode(in->ptr, in->len, &it->e, err);
	uint8_t key[2 * GB_ID_MAX + 1];
	size_t key_len = id_key(&it->e, key);
	gb_store_id old;
	int rc = gb_store_id_get(txn, key, key_len, &old, err);
	if (rc == 0) {
		if (memcmp(old.entry_hash, it->leaf_hash, GB_HASH_BYTES) != 0)
			return gb_err_set(err, GB_EIDREUSE,
				"id '%.*s' of '%.*s' is entry %llu, which has different bytes",
				(int)it->e.id.len, it->e.id.ptr, (int)it->e.signer.len, it->e.signer.ptr,
				(unsigned long long)old.index);
		/* A copy must hold every entry at the log's index: skipping one would shift the rest. */
		if (l->mirror)
			return gb_err_set(err, GB_EIDREUSE,
				"id '%.*s' of '%.*s' repeats entry %llu: a log never holds an entry twice",
				(int)it->e.id.len, it->e.id.ptr, (int)it->e.signer.len, it->e.signer.ptr,
				(unsigned long long)old.index);
		res->index = old.index;
		res->duplicate = 1;
		return 0;
	}
	if (rc != GB_ERANGE)
		return rc;
	gb_pubkey keys[GB_ENTRY_SIGS_MAX];
	struct txn_state ts = { txn, *size };
	gb_state state = { &ts, txn_state_get, txn_state_put, NULL };
	/* Parameters change only with the charter: the batch's copy serves every later entry. */
	gb_rules_env env = { .roster = &l->roster, .state = &state, .index = *size,
		.now = l->no_clock ? 0 : l->clock_s ? l->clock_s : (uint64_t)time(NULL),
		.params = l->roster.count ? &l->params : NULL };
	rc = gb_rules_apply(&env, &it->e, keys, err);
	if (rc != 0)
		return rc;
	/* Signatures made before a roster change were checked against the old roster. */
	rc = check_sigs(it, keys, *roster_changed, err);
	rc = rc ? rc : record_day(&state, *size, it->e.time, err);
	if (env.roster_changed) {
		*roster_changed = 1;
		rc = rc ? rc : store_roster(txn, &l->roster, *size, err);
	}
	rc = rc ? rc : gb_store_entry_append(txn, *size, in->ptr, in->len, err);
	rc = rc ? rc : gb_merkle_frontier_append(&l->frontier, it->leaf_hash, gb_store_node_write, txn);
	if (rc != 0)
		return err && err->code == rc ? rc : gb_err_set(err, rc, "storing: %s", gb_strerror(rc));
	old.index = *size;
	memcpy(old.entry_hash, it->leaf_hash, GB_HASH_BYTES);
	rc = gb_store_id_put(txn, key, key_len, &old, err);
	if (rc != 0)
		return rc;
	res->index = (*size)++;
	res->duplicate = 0;
	return 0;
}

/*
 * Runs the pipeline over a batch inside the write transaction `txn`.
 * On failure *failed is the batch item that failed.
 */
static int ingest(gb_ledger *l, gb_txn *txn, struct batch *b, gb_append_result *results,
	size_t *failed, gb_err *err)
{
	uint64_t size;
	int rc = sync_tree(l, txn, &size, err);
	rc = rc ? rc : load_roster(txn, &l->roster, err);
	if (rc == 0) {
		struct txn_state ts = { txn, size };
		gb_state state = { &ts, txn_state_get, txn_state_put, NULL };
		rc = gb_params_load(&state, &l->params, err);
	}
	if (rc != 0)
		return rc;
	memcpy(&l->verify_roster, &l->roster, sizeof l->roster);
	b->roster = &l->verify_roster;
	pthread_t tids[THREADS_MAX];
	int nthreads = 0;
	int want = b->count < 2 * CHUNK_ENTRIES ? 0 : l->threads - 1;
	for (; nthreads < want; nthreads++)
		if (pthread_create(&tids[nthreads], NULL, checker_main, b) != 0)
			break; /* fewer helpers only costs time */
	int roster_changed = 0;
	size_t applied = 0;
	while (rc == 0 && applied < b->count) {
		struct item *it = &b->items[applied];
		if (atomic_load_explicit(&it->done, memory_order_acquire)) {
			rc = apply_one(l, txn, &b->in[applied], it, &size, &roster_changed,
				&results[applied], err);
			if (rc != 0)
				*failed = applied;
			applied++;
		} else if (!check_next_chunk(b)) {
			sched_yield(); /* the next entry is in a helper's hands */
		}
	}
	atomic_store(&b->stop, 1);
	for (int i = 0; i < nthreads; i++)
		pthread_join(tids[i], NULL);
	return rc;
}

/*
 * Runs a batch inside the open write transaction `txn`, which the caller
 * commits on success and aborts on failure; on failure the in-memory tree
 * and roster are put back as they were.
 */
static int append_in(gb_ledger *l, gb_txn *txn, const gb_bytes *entries, size_t count,
	gb_append_result *results, size_t *failed, gb_err *err)
{
	if (count == 0 || count > GB_BATCH_MAX)
		return gb_err_set(err, GB_ETOOBIG, "batch of %zu entries, want 1 to %d", count, GB_BATCH_MAX);
	struct batch b = { .in = entries, .count = count };
	b.items = calloc(count, sizeof *b.items);
	if (b.items == NULL)
		return gb_err_set(err, GB_ENOMEM, "out of memory for a batch of %zu", count);
	atomic_init(&b.next, 0);
	atomic_init(&b.stop, 0);
	gb_merkle_frontier saved = l->frontier;
	*failed = count;
	int rc = ingest(l, txn, &b, results, failed, err);
	if (rc != 0) {
		l->frontier = saved;
		memcpy(&l->roster, &l->verify_roster, sizeof l->roster);
	}
	free(b.items);
	return rc;
}

int gb_ledger_append(gb_ledger *l, const gb_bytes *entries, size_t count,
	gb_append_result *results, gb_err *err)
{
	size_t failed;
	int rc = gb_ledger_try_append(l, entries, count, results, &failed, err);
	if (rc != 0 && count > 1 && failed < count)
		gb_err_prefix(err, rc, "item %zu: ", failed);
	return rc;
}

int gb_ledger_try_append(gb_ledger *l, const gb_bytes *entries, size_t count,
	gb_append_result *results, size_t *failed, gb_err *err)
{
	assert(l != NULL && failed != NULL);
	assert(entries != NULL && results != NULL);
	gb_txn txn;
	*failed = count;
	int rc = gb_txn_begin(l->store, 0, &txn, err);
	if (rc != 0)
		return rc;
	rc = append_in(l, &txn, entries, count, results, failed, err);
	if (rc != 0) {
		gb_txn_abort(&txn);
		return rc;
	}
	rc = gb_txn_commit(&txn, err);
	if (rc != 0) /* nothing was stored: make the next append reload the tree */
		gb_merkle_frontier_init(&l->frontier);
	return rc;
}

static int read_meta_str(gb_txn *txn, const char *key, char *out, size_t cap, gb_err *err)
{
	const uint8_t *p;
	size_t len;
	int rc = gb_store_meta_get(txn, key, &p, &len, NULL);
	if (rc != 0 || len == 0 || len >= cap || memchr(p, 0, len) != NULL)
		return gb_err_set(err, GB_ECORRUPT, "ledger metadata '%s' is missing or invalid", key);
	memcpy(out, p, len);
	out[len] = '\0';
	return 0;
}

/* Fills the in-memory view of an opened store from its metadata and state. */
static int load_ledger(gb_ledger *l, gb_err *err)
{
	char vkey[GB_VKEY_MAX];
	gb_txn txn;
	uint64_t size;
	int rc = gb_txn_begin(l->store, 1, &txn, err);
	if (rc != 0)
		return rc;
	rc = read_meta_str(&txn, "origin", l->origin, sizeof l->origin, err);
	rc = rc ? rc : read_meta_str(&txn, "log_vkey", vkey, sizeof vkey, err);
	if (rc == 0 && gb_vkey_parse(&l->log_key, vkey, err) != 0)
		rc = gb_err_prefix(err, GB_ECORRUPT, "ledger metadata 'log_vkey': ");
	rc = rc ? rc : sync_tree(l, &txn, &size, err);
	rc = rc ? rc : load_roster(&txn, &l->roster, err);
	if (rc == 0 && size > 0 && l->roster.count == 0)
		rc = gb_err_set(err, GB_ECORRUPT, "%s: %llu entries but no roster", l->dir,
			(unsigned long long)size);
	gb_txn_abort(&txn);
	return rc;
}

static gb_ledger *ledger_new(const char *dir, const gb_ledger_opts *opts)
{
	gb_ledger *l = calloc(1, sizeof *l);
	if (l == NULL)
		return NULL;
	snprintf(l->dir, sizeof l->dir, "%s", dir);
	l->threads = opts && opts->threads > 0 ? opts->threads : online_cores();
	l->clock_s = opts ? opts->clock_s : 0;
	l->replay = opts ? opts->replay != 0 : 0;
	l->mirror = opts ? opts->mirror != 0 : 0;
	l->no_clock = l->replay || l->mirror;
	if (l->threads > THREADS_MAX)
		l->threads = THREADS_MAX;
	gb_merkle_frontier_init(&l->frontier);
	return l;
}

int gb_ledger_open(const char *dir, const gb_ledger_opts *opts, gb_ledger **out,
	gb_err *err)
{
	assert(dir != NULL && out != NULL);
	*out = NULL;
	if (sodium_init() < 0)
		return gb_err_set(err, GB_ENOMEM, "libsodium failed to initialise");
	if (opts != NULL && opts->replay)
		return gb_err_set(err, GB_EINVAL, "replay is only for a ledger the audit creates, not for opening '%s'", dir);
	gb_ledger *l = ledger_new(dir, opts);
	if (l == NULL)
		return gb_err_set(err, GB_ENOMEM, "out of memory opening '%s'", dir);
	int flags = opts && opts->rdonly ? GB_STORE_RDONLY : 0;
	int rc = gb_store_open(dir, flags, opts ? opts->map_bytes : 0, &l->store, err);
	rc = rc ? rc : load_ledger(l, err);
	if (rc != 0) {
		gb_ledger_close(l);
		return rc;
	}
	*out = l;
	return 0;
}

void gb_ledger_close(gb_ledger *l)
{
	if (l == NULL)
		return;
	gb_store_close(l->store);
	free(l);
}

/* Checks that an origin is one printable line (C2SP checkpoint origin). */
static int origin_valid(const char *origin)
{
	size_t len = strlen(origin);
	if (len == 0 || len > GB_ORIGIN_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)origin[i] <= 0x20 || (unsigned char)origin[i] >= 0x7f)
			return 0;
	return 1;
}

/* Writes the metadata and entry 0 in one transaction. */
static int create_in(gb_ledger *l, const gb_pubkey *log_key, const uint8_t *charter,
	size_t charter_len, gb_err *err)
{
	char vkey[GB_VKEY_MAX];
	size_t vkey_len = gb_vkey_format(log_key, vkey);
	l->log_key = *log_key;
	gb_txn txn;
	int rc = gb_txn_begin(l->store, 0, &txn, err);
	if (rc != 0)
		return rc;
	gb_bytes in = { charter, charter_len };
	gb_append_result res;
	size_t failed;
	rc = gb_store_meta_put(&txn, "origin", l->origin, strlen(l->origin), err);
	rc = rc ? rc : gb_store_meta_put(&txn, "log_vkey", vkey, vkey_len, err);
	rc = rc ? rc : append_in(l, &txn, &in, 1, &res, &failed, err);
	if (rc != 0) {
		gb_txn_abort(&txn);
		return rc;
	}
	return gb_txn_commit(&txn, err);
}

static void remove_files(const char *dir)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/data.mdb", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/lock.mdb", dir);
	unlink(path);
}

int gb_ledger_create(const char *dir, const char *origin, const gb_pubkey *log_key,
	const uint8_t *charter, size_t charter_len, const gb_ledger_opts *opts,
	gb_ledger **out, gb_err *err)
{
	assert(dir != NULL && origin != NULL && log_key != NULL && out != NULL);
	*out = NULL;
	if (!origin_valid(origin))
		return gb_err_set(err, GB_EINVAL, "origin '%s' must be 1 to %d printable characters without spaces",
			origin, GB_ORIGIN_MAX);
	if (log_key->alg != GB_ALG_ED25519)
		return gb_err_set(err, GB_EINVAL, "the log key must be an Ed25519 (alg 0x01) key");
	if (sodium_init() < 0)
		return gb_err_set(err, GB_ENOMEM, "libsodium failed to initialise");
	gb_ledger *l = ledger_new(dir, opts);
	if (l == NULL)
		return gb_err_set(err, GB_ENOMEM, "out of memory creating '%s'", dir);
	snprintf(l->origin, sizeof l->origin, "%s", origin);
	int existed = access(dir, F_OK) == 0;
	/* A replay ledger is thrown away afterwards: durable commits would only cost time. */
	int sync_flag = opts && opts->replay ? GB_STORE_NOSYNC : 0;
	int rc = gb_store_open(dir, GB_STORE_CREATE | sync_flag, opts ? opts->map_bytes : 0, &l->store, err);
	if (rc == 0)
		rc = create_in(l, log_key, charter, charter_len, err);
	if (rc != 0) {
		int made_files = l->store != NULL;
		gb_ledger_close(l);
		if (made_files) /* a store was made: it holds nothing of value */
			remove_files(dir);
		if (!existed)
			rmdir(dir);
		return rc;
	}
	*out = l;
	return 0;
}

const char *gb_ledger_origin(const gb_ledger *l)
{
	return l->origin;
}

const gb_pubkey *gb_ledger_log_key(const gb_ledger *l)
{
	return &l->log_key;
}

const gb_roster *gb_ledger_roster(const gb_ledger *l)
{
	return &l->roster;
}

void gb_ledger_set_clock(gb_ledger *l, uint64_t clock_s)
{
	assert(l != NULL);
	assert(clock_s < (uint64_t)INT64_MAX);
	l->clock_s = clock_s;
}

struct gb_store *gb_ledger_store(gb_ledger *l)
{
	assert(l != NULL);
	return l->store;
}

int gb_ledger_size(gb_ledger *l, uint64_t *size, gb_err *err)
{
	gb_txn txn;
	int rc = gb_txn_begin(l->store, 1, &txn, err);
	if (rc != 0)
		return rc;
	rc = gb_store_entry_count(&txn, size, err);
	gb_txn_abort(&txn);
	return rc;
}

/* Begins a read transaction and checks that `size` is within the log. */
static int read_begin(gb_ledger *l, gb_txn *txn, uint64_t size, uint64_t *have, gb_err *err)
{
	int rc = gb_txn_begin(l->store, 1, txn, err);
	rc = rc ? rc : gb_store_entry_count(txn, have, err);
	if (rc == 0 && size > *have)
		rc = gb_err_set(err, GB_ERANGE, "tree size %llu is beyond the log's %llu entries",
			(unsigned long long)size, (unsigned long long)*have);
	if (rc != 0)
		gb_txn_abort(txn);
	return rc;
}

/* Names a tree read failure: the reader reports only a code. */
static int tree_error(gb_ledger *l, int rc, gb_err *err)
{
	return gb_err_set(err, rc, "%s: reading the tree: %s", l->dir, gb_strerror(rc));
}

int gb_ledger_get(gb_ledger *l, uint64_t index, uint8_t **out, size_t *len,
	gb_err *err)
{
	assert(out != NULL && len != NULL);
	gb_txn txn;
	uint64_t have;
	const uint8_t *p;
	uint8_t stored[GB_HASH_BYTES], computed[GB_HASH_BYTES];
	int rc = read_begin(l, &txn, 0, &have, err);
	if (rc != 0)
		return rc;
	if (index >= have) {
		gb_txn_abort(&txn);
		return gb_err_set(err, GB_ERANGE, "no entry %llu: the log has %llu entries",
			(unsigned long long)index, (unsigned long long)have);
	}
	rc = gb_store_entry_get(&txn, index, &p, len, err);
	if (rc == 0 && (rc = gb_store_node_read(&txn, gb_merkle_stored_index(0, index), stored)) != 0)
		tree_error(l, rc, err);
	if (rc == 0) {
		gb_merkle_leaf_hash(computed, p, *len);
		if (sodium_memcmp(stored, computed, GB_HASH_BYTES) != 0)
			rc = gb_err_set(err, GB_ECORRUPT, "entry %llu: stored bytes do not match the tree's leaf hash",
				(unsigned long long)index);
	}
	if (rc == 0 && (*out = malloc(*len)) == NULL)
		rc = gb_err_set(err, GB_ENOMEM, "out of memory for entry %llu", (unsigned long long)index);
	if (rc == 0)
		memcpy(*out, p, *len);
	gb_txn_abort(&txn);
	return rc;
}

int gb_ledger_state_get(gb_ledger *l, const char *key, uint64_t as_of, uint8_t **out,
	size_t *len, gb_err *err)
{
	gb_txn txn;
	const uint8_t *p;
	int rc = gb_txn_begin(l->store, 1, &txn, err);
	if (rc != 0)
		return rc;
	rc = gb_store_state_get(&txn, key, as_of, &p, len, NULL, err);
	if (rc == GB_ENOTFOUND)
		gb_err_set(err, rc, "no state '%s'", key);
	if (rc == 0 && (*out = malloc(*len ? *len : 1)) == NULL)
		rc = gb_err_set(err, GB_ENOMEM, "out of memory reading '%s'", key);
	if (rc == 0)
		memcpy(*out, p, *len);
	gb_txn_abort(&txn);
	return rc;
}

/* The read view's state: the store's, as of one index, read-only. */
struct read_state {
	gb_txn *txn;
	uint64_t as_of;
};

static int read_state_get(void *ctx, const char *key, const uint8_t **val, size_t *len)
{
	struct read_state *rs = ctx;
	return gb_store_state_get(rs->txn, key, rs->as_of, val, len, NULL, NULL);
}

static int read_state_put(void *ctx, const char *key, const void *val, size_t len)
{
	return GB_EINVAL;
}

static int read_state_each(void *ctx, const char *prefix,
	int (*fn)(void *arg, const char *key, const uint8_t *val, size_t len), void *arg)
{
	struct read_state *rs = ctx;
	return gb_store_state_each(rs->txn, prefix, rs->as_of, fn, arg, NULL);
}

int gb_ledger_read(gb_ledger *l, uint64_t as_of, int (*fn)(const gb_state *st, void *arg),
	void *arg, gb_err *err)
{
	assert(l != NULL);
	assert(fn != NULL);
	gb_txn txn;
	int rc = gb_txn_begin(l->store, 1, &txn, err);
	if (rc != 0)
		return rc;
	struct read_state rs = { &txn, as_of };
	gb_state st = { &rs, read_state_get, read_state_put, read_state_each };
	if (err != NULL)
		gb_err_clear(err);
	rc = fn(&st, arg);
	gb_txn_abort(&txn);
	if (rc != 0 && err != NULL && err->code == 0)
		gb_err_set(err, rc, "%s: reading the state as of %llu: %s", l->dir,
			(unsigned long long)as_of, gb_strerror(rc));
	return rc;
}

int gb_ledger_index_at_date(gb_ledger *l, uint32_t yyyymmdd, uint64_t *index, gb_err *err)
{
	char key[32];
	snprintf(key, sizeof key, "day/%08u", (unsigned)yyyymmdd);
	gb_txn txn;
	const uint8_t *p;
	size_t len;
	int rc = gb_txn_begin(l->store, 1, &txn, err);
	if (rc != 0)
		return rc;
	rc = gb_store_state_floor(&txn, "day/", key, &p, &len, err);
	if (rc == 0 && len != 8)
		rc = gb_err_set(err, GB_ECORRUPT, "day index: a value of %zu bytes", len);
	if (rc == 0) {
		uint64_t v = 0;
		for (int i = 0; i < 8; i++)
			v = v << 8 | p[i];
		*index = v;
	} else if (rc == GB_ENOTFOUND) {
		gb_err_set(err, rc, "no entry on or before %08u", (unsigned)yyyymmdd);
	}
	gb_txn_abort(&txn);
	return rc;
}

int gb_ledger_frontier(gb_ledger *l, gb_merkle_frontier *f, gb_err *err)
{
	gb_txn txn;
	uint64_t size;
	assert(l != NULL && f != NULL);
	int rc = gb_txn_begin(l->store, 1, &txn, err);
	if (rc != 0)
		return rc;
	rc = sync_tree(l, &txn, &size, err);
	gb_txn_abort(&txn);
	if (rc == 0)
		*f = l->frontier;
	return rc;
}

int gb_ledger_root(gb_ledger *l, uint64_t size, uint8_t root[GB_HASH_BYTES],
	gb_err *err)
{
	gb_txn txn;
	uint64_t have;
	int rc = read_begin(l, &txn, size, &have, err);
	if (rc != 0)
		return rc;
	rc = gb_merkle_root(size, gb_store_node_read, &txn, root);
	gb_txn_abort(&txn);
	return rc ? tree_error(l, rc, err) : 0;
}

int gb_ledger_prove_inclusion(gb_ledger *l, uint64_t index, uint64_t size,
	uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES], size_t *count,
	uint8_t leaf_hash[GB_HASH_BYTES], uint8_t root[GB_HASH_BYTES], gb_err *err)
{
	if (index >= size)
		return gb_err_set(err, GB_ERANGE, "index %llu is not below tree size %llu",
			(unsigned long long)index, (unsigned long long)size);
	gb_txn txn;
	uint64_t have;
	int rc = read_begin(l, &txn, size, &have, err);
	if (rc != 0)
		return rc;
	rc = gb_merkle_prove_inclusion(index, size, gb_store_node_read, &txn, proof, count);
	rc = rc ? rc : gb_merkle_root(size, gb_store_node_read, &txn, root);
	rc = rc ? rc : gb_store_node_read(&txn, gb_merkle_stored_index(0, index), leaf_hash);
	gb_txn_abort(&txn);
	return rc ? tree_error(l, rc, err) : 0;
}

int gb_ledger_prove_consistency(gb_ledger *l, uint64_t size1, uint64_t size2,
	uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES], size_t *count,
	uint8_t root1[GB_HASH_BYTES], uint8_t root2[GB_HASH_BYTES], gb_err *err)
{
	if (size1 == 0 || size1 > size2)
		return gb_err_set(err, GB_ERANGE, "want 0 < old size <= new size, got %llu and %llu",
			(unsigned long long)size1, (unsigned long long)size2);
	gb_txn txn;
	uint64_t have;
	int rc = read_begin(l, &txn, size2, &have, err);
	if (rc != 0)
		return rc;
	rc = gb_merkle_prove_consistency(size1, size2, gb_store_node_read, &txn, proof, count);
	rc = rc ? rc : gb_merkle_root(size1, gb_store_node_read, &txn, root1);
	rc = rc ? rc : gb_merkle_root(size2, gb_store_node_read, &txn, root2);
	gb_txn_abort(&txn);
	return rc ? tree_error(l, rc, err) : 0;
}

int gb_ledger_checkpoint(gb_ledger *l, const gb_seckey *log_key, char *out,
	size_t cap, size_t *out_len, gb_err *err)
{
	if (log_key->pub.keyid != l->log_key.keyid ||
	    memcmp(log_key->pub.pk, l->log_key.pk, GB_PK_BYTES) != 0)
		return gb_err_set(err, GB_EINVAL, "key '%s' is not this log's checkpoint key '%s'",
			log_key->pub.name, l->log_key.name);
	gb_checkpoint cp;
	snprintf(cp.origin, sizeof cp.origin, "%s", l->origin);
	int rc = gb_ledger_size(l, &cp.size, err);
	rc = rc ? rc : gb_ledger_root(l, cp.size, cp.root, err);
	if (rc != 0)
		return rc;
	char text[GB_ORIGIN_MAX + 128];
	size_t text_len;
	rc = gb_checkpoint_format(&cp, text, sizeof text, &text_len);
	if (rc != 0)
		return gb_err_set(err, rc, "formatting the checkpoint: %s", gb_strerror(rc));
	return gb_note_sign(text, text_len, log_key, out, cap, out_len, err);
}
