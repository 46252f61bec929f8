/*
 * audit.c: replay a log into a fresh ledger and compare (gongbao/audit.h,
 * spec/AUDIT.md).
 *
 * The replay is gb_ledger_create with entry 0 and then gb_ledger_append in
 * batches: the very pipeline of ingest, signatures checked on all cores,
 * with replay set so that no entry time is held against a clock. It stops
 * at the first entry the pipeline rejects, since everything after it would
 * diverge. Then the rebuilt tree hashes and state versions are compared
 * with the stored ones, and signed checkpoints with the rebuilt roots.
 */
#include "gongbao/audit.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "gongbao/bundle.h"
#include "gongbao/entry.h"
#include "gongbao/note.h"
#include "gongbao/store.h"

/* Bytes of entries one replay batch holds at most. */
#define ARENA_BYTES ((size_t)16 << 20)
/* Tree hash differences listed one by one before the rest are only counted. */
#define TREE_DIFFS_LISTED 8

struct audit {
	const gb_audit_opts *opts;
	gb_audit_report *rep;
	char dir[4096];                 /* the temporary ledger */
	gb_ledger *rebuilt;
	gb_ledger *stored;              /* NULL for a bundle */
	gb_txn stxn;                    /* read transaction on the stored ledger */
	gb_bundle *bundle;              /* NULL for a ledger */
	uint8_t *arena;
	size_t arena_used;
	gb_bytes batch[GB_AUDIT_BATCH];
	gb_append_result results[GB_AUDIT_BATCH];
	size_t n;
	uint64_t base;                  /* index of batch[0] */
	uint64_t read_end;              /* one past the last entry read from a stored ledger */
	int stopped;                    /* the replay met a rejection */
	gb_err fatal;                   /* a failure of the replay ledger itself, not of an entry */
};

/* Failures of the temporary ledger, not of the entries replayed into it. */
static int is_fatal(int rc)
{
	return rc == GB_ENOMEM || rc == GB_EMAPFULL || rc == GB_ELMDB || rc == GB_EIO;
}

const char *gb_audit_kind_name(enum gb_audit_kind kind)
{
	switch (kind) {
	case GB_AUDIT_ENTRY: return "entry";
	case GB_AUDIT_REPLAY: return "replay";
	case GB_AUDIT_TREE: return "tree";
	case GB_AUDIT_STATE: return "state";
	case GB_AUDIT_CHECKPOINT: return "checkpoint";
	}
	return "?";
}

/* Records a violation (kept while there is room, counted always). */
__attribute__((format(printf, 5, 6)))
static void violation(struct audit *a, enum gb_audit_kind kind, uint64_t index, int code,
	const char *fmt, ...)
{
	gb_audit_report *rep = a->rep;
	rep->violation_count++;
	if (rep->kept >= GB_AUDIT_KEEP_MAX || rep->v == NULL)
		return;
	gb_audit_violation *v = &rep->v[rep->kept++];
	v->kind = kind;
	v->index = index;
	v->code = code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v->msg, sizeof v->msg, fmt, ap);
	va_end(ap);
}

/* Formats a state value for a message: an 8-byte value also as an integer. */
static const char *show_value(const uint8_t *p, size_t len, char out[160])
{
	size_t o = 0;
	if (len == 8) {
		uint64_t u = 0;
		for (int i = 0; i < 8; i++)
			u = u << 8 | p[i];
		o = (size_t)snprintf(out, 160, "%lld ", (long long)(int64_t)u);
	}
	o += (size_t)snprintf(out + o, 160 - o, "0x");
	for (size_t i = 0; i < len && i < 48; i++)
		o += (size_t)snprintf(out + o, 160 - o, "%02x", p[i]);
	if (len > 48)
		snprintf(out + o, 160 - o, "... (%zu bytes)", len);
	return out;
}

static void b64(const uint8_t h[GB_HASH_BYTES], char out[64])
{
	sodium_bin2base64(out, 64, h, GB_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL);
}

/* Records an entry violation if entry `index`'s bytes do not hash to its stored leaf hash. */
static void check_leaf(struct audit *a, uint64_t index, const uint8_t *p, size_t len)
{
	assert(a->bundle == NULL);
	assert(p != NULL);
	uint8_t stored[GB_HASH_BYTES], computed[GB_HASH_BYTES];
	gb_merkle_leaf_hash(computed, p, len);
	int rc = gb_store_node_read(&a->stxn, gb_merkle_stored_index(0, index), stored);
	if (rc != 0 || sodium_memcmp(stored, computed, GB_HASH_BYTES) != 0)
		violation(a, GB_AUDIT_ENTRY, index, GB_ECORRUPT,
			"entry %llu: stored bytes do not match the tree's leaf hash", (unsigned long long)index);
}

/*
 * Reads entry `index` of the source into *p, *len (valid until the next
 * read for a bundle, until the audit ends for a ledger). A stored entry's
 * bytes are not hashed here: the replay hashes every entry it appends, and
 * compare_tree compares those leaf hashes with the stored ones (naming the
 * entry); the entries read but not replayed are hashed by check_unreplayed.
 * Returns 0, or 1 if the entry is missing (recorded; the replay must stop).
 */
static int source_read(struct audit *a, uint64_t index, const uint8_t **p, size_t *len,
	uint8_t *buf)
{
	gb_err e;
	gb_err_clear(&e);
	if (a->bundle != NULL) {
		int rc = gb_bundle_next(a->bundle, buf, len, &e);
		if (rc != 0) {
			violation(a, GB_AUDIT_ENTRY, index, rc, "%s", e.msg);
			return 1;
		}
		*p = buf;
		return 0;
	}
	int rc = gb_store_entry_get(&a->stxn, index, p, len, &e);
	if (rc != 0) {
		violation(a, GB_AUDIT_ENTRY, index, rc, "entry %llu is missing from the entries database",
			(unsigned long long)index);
		return 1;
	}
	assert(index == a->read_end);
	a->read_end = index + 1;
	return 0;
}

/*
 * The leaf check of the stored entries read but not in the rebuilt tree
 * (the one the replay rejected and those read after it): at most a batch
 * and one more. Returns 0 or a read failure's code.
 */
static int check_unreplayed(struct audit *a, gb_err *err)
{
	assert(a->bundle == NULL);
	assert(a->rep->replayed <= a->read_end);
	for (uint64_t i = a->rep->replayed; i < a->read_end; i++) {
		const uint8_t *p;
		size_t len;
		int rc = gb_store_entry_get(&a->stxn, i, &p, &len, err);
		if (rc != 0)
			return rc;
		check_leaf(a, i, p, len);
	}
	return 0;
}

/*
 * After a rejected batch: appends its entries one by one to name the one
 * rejected. batch_err is the batch's failure, kept if it was the replay
 * ledger's own (the audit then fails) or if no single entry fails.
 */
static void find_rejected(struct audit *a, const gb_err *batch_err)
{
	a->stopped = 1;
	if (is_fatal(batch_err->code)) {
		a->fatal = *batch_err;
		return;
	}
	for (size_t k = 0; k < a->n; k++) {
		gb_err e;
		gb_err_clear(&e);
		int rc = gb_ledger_append(a->rebuilt, &a->batch[k], 1, &a->results[k], &e);
		if (is_fatal(rc)) {
			a->fatal = e;
			return;
		}
		if (rc != 0) {
			violation(a, GB_AUDIT_REPLAY, a->base + k, rc, "entry %llu: rejected: %s",
				(unsigned long long)(a->base + k), e.msg);
			return;
		}
		if (a->results[k].duplicate || a->results[k].index != a->base + k) {
			violation(a, GB_AUDIT_REPLAY, a->base + k, GB_EIDREUSE,
				"entry %llu: the pipeline takes it as a repeat of entry %llu",
				(unsigned long long)(a->base + k), (unsigned long long)a->results[k].index);
			return;
		}
	}
	violation(a, GB_AUDIT_REPLAY, a->base, batch_err->code, "entries from %llu: the batch is rejected: %s",
		(unsigned long long)a->base, batch_err->msg);
}

/* Replays the batch held; returns 1 if the replay must stop. */
static int flush(struct audit *a)
{
	if (a->n == 0)
		return 0;
	gb_err e;
	gb_err_clear(&e);
	int rc = gb_ledger_append(a->rebuilt, a->batch, a->n, a->results, &e);
	if (rc != 0)
		find_rejected(a, &e);
	for (size_t k = 0; rc == 0 && k < a->n; k++) {
		if (a->results[k].duplicate || a->results[k].index != a->base + k) {
			violation(a, GB_AUDIT_REPLAY, a->base + k, GB_EIDREUSE,
				"entry %llu: the pipeline takes it as a repeat of entry %llu",
				(unsigned long long)(a->base + k), (unsigned long long)a->results[k].index);
			a->stopped = 1;
			break;
		}
	}
	a->base += a->n;
	a->n = 0;
	a->arena_used = 0;
	if (a->opts->progress != NULL)
		a->opts->progress(a->opts->progress_arg, a->base, a->rep->audited);
	return a->stopped;
}

/* Creates the temporary ledger with entry 0. Returns 1 if entry 0 is rejected. */
static int replay_first(struct audit *a, const char *origin, const gb_pubkey *log_key,
	uint8_t *buf, gb_err *err)
{
	const uint8_t *p;
	size_t len;
	if (source_read(a, 0, &p, &len, buf) != 0)
		return 1;
	gb_ledger_opts o = { .threads = a->opts->threads, .replay = 1 };
	gb_err e;
	gb_err_clear(&e);
	int rc = gb_ledger_create(a->dir, origin, log_key, p, len, &o, &a->rebuilt, &e);
	if (rc == GB_EINVAL || rc == GB_ENOMEM || rc == GB_ELMDB || rc == GB_EIO || rc == GB_EMAPFULL)
		return gb_err_set(err, rc, "creating the replay ledger in %s: %s", a->dir, e.msg);
	if (rc != 0) {
		violation(a, GB_AUDIT_REPLAY, 0, rc, "entry 0: rejected: %s", e.msg);
		return 1;
	}
	a->base = 1;
	return 0;
}

/* Replays entries 0 .. audited-1 of the source. Returns 0 or a code if it cannot run. */
static int replay(struct audit *a, const char *origin, const gb_pubkey *log_key, gb_err *err)
{
	uint8_t *buf = malloc(GB_ENTRY_MAX);
	if (buf == NULL)
		return gb_err_set(err, GB_ENOMEM, "out of memory for the replay");
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = replay_first(a, origin, log_key, buf, err);
	for (uint64_t i = 1; rc == 0 && i < a->rep->audited; i++) {
		const uint8_t *p;
		size_t len;
		if (source_read(a, i, &p, &len, buf) != 0) {
			flush(a);
			break;
		}
		if ((a->n == GB_AUDIT_BATCH || a->arena_used + len > ARENA_BYTES) && flush(a))
			break;
		memcpy(a->arena + a->arena_used, p, len);
		a->batch[a->n++] = (gb_bytes){ a->arena + a->arena_used, len };
		a->arena_used += len;
	}
	if (rc == 0)
		flush(a);
	free(buf);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	a->rep->replay_s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (rc > 0) /* entry 0 was rejected: nothing was rebuilt */
		rc = 0;
	if (rc == 0 && a->fatal.code != 0)
		rc = gb_err_set(err, a->fatal.code, "replaying into %s: %s", a->dir, a->fatal.msg);
	if (rc == 0 && a->rebuilt != NULL)
		rc = gb_ledger_size(a->rebuilt, &a->rep->replayed, err);
	if (rc == 0 && a->rebuilt != NULL)
		rc = gb_ledger_root(a->rebuilt, a->rep->replayed, a->rep->root, err);
	return rc;
}

/* Compares every stored tree hash of the replayed prefix with the rebuilt one. */
static int compare_tree(struct audit *a, gb_txn *rtxn, gb_err *err)
{
	uint64_t count = gb_merkle_stored_count(a->rep->replayed), differ = 0;
	uint64_t leaf = 0, leaf_j = gb_merkle_stored_index(0, 0);
	for (uint64_t j = 0; j < count; j++) {
		uint8_t s[GB_HASH_BYTES], r[GB_HASH_BYTES];
		int rc = gb_store_node_read(rtxn, j, r);
		if (rc != 0)
			return gb_err_set(err, rc, "reading the rebuilt tree: %s", gb_strerror(rc));
		rc = gb_store_node_read(&a->stxn, j, s);
		int same = rc == 0 && sodium_memcmp(s, r, GB_HASH_BYTES) == 0;
		if (j == leaf_j) {
			/* The rebuilt leaf hash is that of the stored bytes the replay read. */
			if (!same)
				violation(a, GB_AUDIT_ENTRY, leaf, GB_ECORRUPT,
					"entry %llu: stored bytes do not match the tree's leaf hash",
					(unsigned long long)leaf);
			leaf++;
			leaf_j = gb_merkle_stored_index(0, leaf);
		}
		if (same)
			continue;
		if (differ++ < TREE_DIFFS_LISTED) {
			char sb[64] = "(missing)", rb[64];
			if (rc == 0)
				b64(s, sb);
			b64(r, rb);
			violation(a, GB_AUDIT_TREE, GB_AUDIT_NO_INDEX, GB_ECORRUPT,
				"stored tree hash %llu is %s, rebuilt %s", (unsigned long long)j, sb, rb);
		}
	}
	if (differ > TREE_DIFFS_LISTED)
		violation(a, GB_AUDIT_TREE, GB_AUDIT_NO_INDEX, GB_ECORRUPT,
			"and %llu more stored tree hashes differ", (unsigned long long)(differ - TREE_DIFFS_LISTED));
	uint8_t root[GB_HASH_BYTES];
	int rc = gb_merkle_root(a->rep->replayed, gb_store_node_read, &a->stxn, root);
	if (rc == 0 && sodium_memcmp(root, a->rep->root, GB_HASH_BYTES) != 0) {
		char sb[64], rb[64];
		b64(root, sb);
		b64(a->rep->root, rb);
		violation(a, GB_AUDIT_TREE, GB_AUDIT_NO_INDEX, GB_ECORRUPT,
			"stored root at size %llu is %s, rebuilt %s", (unsigned long long)a->rep->replayed, sb, rb);
	}
	return 0;
}

/* One side of the state comparison: versions of `from` looked up in `in`. */
struct state_cmp {
	struct audit *a;
	gb_txn *in;
	uint64_t last;                  /* versions after it are not compared */
	int from_stored;
};

static int state_cmp_one(void *arg, const char *key, uint64_t version, const uint8_t *val,
	size_t len)
{
	struct state_cmp *c = arg;
	if (version > c->last) {
		/* When the whole log was replayed, a stored version after its last entry is
		 * planted: the ledger would read it as current. */
		if (c->from_stored && !c->a->stopped && c->a->rep->replayed == c->a->rep->size)
			violation(c->a, GB_AUDIT_STATE, version, GB_ECORRUPT,
				"state '%s' has a version %llu, after the log's last entry %llu", key,
				(unsigned long long)version, (unsigned long long)c->last);
		return 0;
	}
	if (c->from_stored)
		c->a->rep->state_versions++;
	const uint8_t *p;
	size_t plen;
	uint64_t have = 0;
	char v1[160], v2[160];
	int rc = gb_store_state_get(c->in, key, version, &p, &plen, &have, NULL);
	if (rc == 0 && have == version && plen == len && memcmp(p, val, len) == 0)
		return 0;
	if (rc != 0 && rc != GB_ENOTFOUND)
		return rc;
	const char *self = c->from_stored ? "stored" : "rebuilt";
	const char *other = c->from_stored ? "rebuilt" : "stored";
	if (rc != 0 || have != version) {
		violation(c->a, GB_AUDIT_STATE, version, GB_ECORRUPT,
			"state '%s' version %llu: %s %s, %s has no such version", key,
			(unsigned long long)version, self, show_value(val, len, v1), other);
		return 0;
	}
	if (c->from_stored) /* a differing value is reported once, from the stored side */
		violation(c->a, GB_AUDIT_STATE, version, GB_ECORRUPT,
			"state '%s' version %llu: stored %s, rebuilt %s", key, (unsigned long long)version,
			show_value(val, len, v1), show_value(p, plen, v2));
	return 0;
}

/* Compares every state version of the replayed prefix, both ways. */
static int compare_state(struct audit *a, gb_txn *rtxn, gb_err *err)
{
	if (a->rep->replayed == 0)
		return 0;
	struct state_cmp c = { a, rtxn, a->rep->replayed - 1, 1 };
	int rc = gb_store_state_scan(&a->stxn, state_cmp_one, &c, err);
	if (rc == GB_ECORRUPT) {
		violation(a, GB_AUDIT_STATE, GB_AUDIT_NO_INDEX, rc, "stored state: %s", err->msg);
		rc = 0;
	}
	if (rc != 0)
		return rc;
	c = (struct state_cmp){ a, &a->stxn, a->rep->replayed - 1, 0 };
	return gb_store_state_scan(rtxn, state_cmp_one, &c, err);
}

/* One side of the idempotency-index comparison. */
struct id_cmp {
	struct audit *a;
	gb_txn *in;
	int from_stored;
};

static int id_cmp_one(void *arg, const uint8_t *key, size_t key_len, const gb_store_id *val)
{
	struct id_cmp *c = arg;
	struct audit *a = c->a;
	size_t signer_len = strnlen((const char *)key, key_len);
	const char *id = signer_len < key_len ? (const char *)key + signer_len + 1 : "";
	int id_len = signer_len < key_len ? (int)(key_len - signer_len - 1) : 0;
	if (a->rep->replayed == 0 || val->index > a->rep->replayed - 1) {
		if (c->from_stored && !a->stopped && a->rep->replayed == a->rep->size)
			violation(a, GB_AUDIT_STATE, val->index, GB_ECORRUPT,
				"id '%.*s' of '%.*s' points at entry %llu, after the log's end", id_len, id,
				(int)signer_len, (const char *)key, (unsigned long long)val->index);
		return 0;
	}
	gb_store_id other;
	int rc = key_len > 0 && key_len <= GB_STORE_KEY_MAX
		? gb_store_id_get(c->in, key, key_len, &other, NULL) : GB_ERANGE;
	if (rc != 0 && rc != GB_ERANGE)
		return rc;
	if (rc == GB_ERANGE || other.index != val->index ||
	    memcmp(other.entry_hash, val->entry_hash, GB_HASH_BYTES) != 0)
		violation(a, GB_AUDIT_STATE, val->index, GB_ECORRUPT,
			"id '%.*s' of '%.*s' (entry %llu): the %s index %s", id_len, id, (int)signer_len,
			(const char *)key, (unsigned long long)val->index, c->from_stored ? "stored" : "rebuilt",
			rc == GB_ERANGE ? "has it, the other does not" : "differs from the other");
	return 0;
}

/* Compares the idempotency index of the replayed prefix, both ways. */
static int compare_ids(struct audit *a, gb_txn *rtxn, gb_err *err)
{
	struct id_cmp c = { a, rtxn, 1 };
	int rc = gb_store_id_scan(&a->stxn, id_cmp_one, &c, err);
	if (rc != 0)
		return rc;
	c = (struct id_cmp){ a, &a->stxn, 0 };
	return gb_store_id_scan(rtxn, id_cmp_one, &c, err);
}

/* Checks one signed checkpoint against the rebuilt tree. */
static void check_checkpoint(struct audit *a, const gb_audit_checkpoint *ck, const gb_pubkey *vkey)
{
	gb_note *n = malloc(sizeof *n);
	gb_checkpoint cp;
	gb_err e;
	gb_err_clear(&e);
	a->rep->checkpoints++;
	int rc = n == NULL ? GB_ENOMEM : gb_note_open(ck->note, ck->len, vkey, 1, n, &e);
	rc = rc ? rc : gb_checkpoint_parse(n->text, n->text_len, &cp, &e);
	free(n);
	if (rc != 0) {
		char vk[GB_VKEY_MAX];
		gb_vkey_format(vkey, vk);
		violation(a, GB_AUDIT_CHECKPOINT, GB_AUDIT_NO_INDEX, rc,
			"checkpoint %s: %s (want a valid signature by %s)", ck->name, e.msg, vk);
		return;
	}
	if (strcmp(cp.origin, a->rep->origin) != 0) {
		violation(a, GB_AUDIT_CHECKPOINT, GB_AUDIT_NO_INDEX, GB_ENOTE,
			"checkpoint %s: origin '%s', want '%s'", ck->name, cp.origin, a->rep->origin);
		return;
	}
	if (cp.size == 0 || cp.size > a->rep->replayed) {
		violation(a, GB_AUDIT_CHECKPOINT, GB_AUDIT_NO_INDEX, GB_ERANGE,
			"checkpoint %s: size %llu, but %llu entries were replayed", ck->name,
			(unsigned long long)cp.size, (unsigned long long)a->rep->replayed);
		return;
	}
	uint8_t root[GB_HASH_BYTES];
	char want[64], got[64];
	rc = gb_ledger_root(a->rebuilt, cp.size, root, &e);
	if (rc != 0 || sodium_memcmp(root, cp.root, GB_HASH_BYTES) != 0) {
		b64(cp.root, got);
		b64(root, want);
		violation(a, GB_AUDIT_CHECKPOINT, GB_AUDIT_NO_INDEX, rc ? rc : GB_EPROOF,
			"checkpoint %s: root %s for size %llu, the rebuilt tree's is %s", ck->name, got,
			(unsigned long long)cp.size, rc ? e.msg : want);
	}
}

/* Sets up the shared parts: the report, the arena and the temporary directory. */
static int audit_begin(struct audit *a, const gb_audit_opts *opts, gb_audit_report *rep,
	gb_err *err)
{
	assert(opts->checkpoint_count == 0 || opts->checkpoints != NULL);
	memset(rep, 0, sizeof *rep);
	a->opts = opts;
	a->rep = rep;
	if (opts->checkpoint_count > GB_AUDIT_CHECKPOINTS_MAX)
		return gb_err_set(err, GB_ETOOBIG, "%zu checkpoints, at most %d", opts->checkpoint_count,
			GB_AUDIT_CHECKPOINTS_MAX);
	if (sodium_init() < 0)
		return gb_err_set(err, GB_ENOMEM, "libsodium failed to initialise");
	rep->v = calloc(GB_AUDIT_KEEP_MAX, sizeof *rep->v);
	a->arena = malloc(ARENA_BYTES);
	if (rep->v == NULL || a->arena == NULL)
		return gb_err_set(err, GB_ENOMEM, "out of memory for the audit");
	const char *tmp = opts->tmp_dir ? opts->tmp_dir : getenv("TMPDIR");
	snprintf(a->dir, sizeof a->dir, "%s/gongbao-audit-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(a->dir) == NULL) {
		a->dir[0] = '\0';
		return gb_err_set(err, GB_EIO, "cannot make a temporary directory in '%s'", tmp ? tmp : "/tmp");
	}
	return 0;
}

/* Closes the temporary ledger and removes its files. */
static void audit_end(struct audit *a)
{
	gb_ledger_close(a->rebuilt);
	a->rebuilt = NULL;
	free(a->arena);
	a->arena = NULL;
	if (a->dir[0] == '\0')
		return;
	char path[4200];
	snprintf(path, sizeof path, "%s/data.mdb", a->dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/lock.mdb", a->dir);
	unlink(path);
	rmdir(a->dir);
}

/* The comparisons with the stored ledger, after the replay. */
static int compare_stored(struct audit *a, gb_err *err)
{
	if (a->rebuilt == NULL)
		return 0;
	gb_txn rtxn;
	int rc = gb_txn_begin(gb_ledger_store(a->rebuilt), 1, &rtxn, err);
	if (rc != 0)
		return rc;
	rc = compare_tree(a, &rtxn, err);
	rc = rc ? rc : compare_state(a, &rtxn, err);
	rc = rc ? rc : compare_ids(a, &rtxn, err);
	gb_txn_abort(&rtxn);
	return rc;
}

int gb_audit_ledger(gb_ledger *l, const gb_audit_opts *opts, gb_audit_report *rep,
	gb_err *err)
{
	assert(l != NULL && opts != NULL);
	assert(rep != NULL);
	struct audit *a = calloc(1, sizeof *a);
	if (a == NULL)
		return gb_err_set(err, GB_ENOMEM, "out of memory for the audit");
	a->stored = l;
	int rc = audit_begin(a, opts, rep, err);
	snprintf(rep->origin, sizeof rep->origin, "%s", gb_ledger_origin(l));
	rc = rc ? rc : gb_txn_begin(gb_ledger_store(l), 1, &a->stxn, err);
	rc = rc ? rc : gb_store_entry_count(&a->stxn, &rep->size, err);
	const gb_pubkey *lk = gb_ledger_log_key(l);
	if (rc == 0 && opts->vkey != NULL &&
	    (lk->keyid != opts->vkey->keyid || memcmp(lk->pk, opts->vkey->pk, GB_PK_BYTES) != 0)) {
		char have[GB_VKEY_MAX], want[GB_VKEY_MAX];
		gb_vkey_format(lk, have);
		gb_vkey_format(opts->vkey, want);
		violation(a, GB_AUDIT_CHECKPOINT, GB_AUDIT_NO_INDEX, GB_EUNKNOWNKEY,
			"the ledger's stored log key is %s, not the given %s", have, want);
	}
	if (rc == 0) {
		rep->audited = opts->until < rep->size ? opts->until + 1 : rep->size;
		rc = replay(a, gb_ledger_origin(l), gb_ledger_log_key(l), err);
	}
	rc = rc ? rc : check_unreplayed(a, err);
	rc = rc ? rc : compare_stored(a, err);
	const gb_pubkey *vkey = opts->vkey ? opts->vkey : gb_ledger_log_key(l);
	for (size_t i = 0; rc == 0 && a->rebuilt != NULL && i < opts->checkpoint_count; i++)
		check_checkpoint(a, &opts->checkpoints[i], vkey);
	gb_txn_abort(&a->stxn);
	audit_end(a);
	free(a);
	return rc;
}

/* The bundle's header size must be its checkpoint's tree size: every entry under a signature. */
static void bundle_size_check(struct audit *a, const gb_bundle *b)
{
	gb_checkpoint cp;
	/* Parse the checkpoint text only: its signature is checked by check_checkpoint. */
	const char *sep = NULL;
	for (size_t i = 0; i + 1 < b->checkpoint_len && sep == NULL; i++)
		if (b->checkpoint[i] == '\n' && b->checkpoint[i + 1] == '\n')
			sep = b->checkpoint + i;
	if (sep != NULL &&
	    gb_checkpoint_parse(b->checkpoint, (size_t)(sep - b->checkpoint) + 1, &cp, NULL) == 0 &&
	    cp.size != b->size)
		violation(a, GB_AUDIT_CHECKPOINT, GB_AUDIT_NO_INDEX, GB_ECORRUPT,
			"bundle: its header counts %llu entries but its checkpoint signs %llu",
			(unsigned long long)b->size, (unsigned long long)cp.size);
}

int gb_audit_bundle(const char *path, const gb_audit_opts *opts, gb_audit_report *rep,
	gb_err *err)
{
	assert(path != NULL && opts != NULL);
	assert(rep != NULL);
	if (opts->vkey == NULL) {
		memset(rep, 0, sizeof *rep);
		return gb_err_set(err, GB_EINVAL, "auditing a bundle needs the log's verifier key");
	}
	struct audit *a = calloc(1, sizeof *a);
	gb_bundle *b = calloc(1, sizeof *b);
	if (a == NULL || b == NULL) {
		free(a);
		free(b);
		memset(rep, 0, sizeof *rep);
		return gb_err_set(err, GB_ENOMEM, "out of memory for the audit");
	}
	int rc = audit_begin(a, opts, rep, err);
	rc = rc ? rc : gb_bundle_open(path, b, err);
	if (rc == 0) {
		a->bundle = b;
		snprintf(rep->origin, sizeof rep->origin, "%s", b->origin);
		rep->size = b->size;
		rep->audited = opts->until < b->size ? opts->until + 1 : b->size;
		char vk[GB_VKEY_MAX];
		gb_vkey_format(opts->vkey, vk);
		if (b->log_key.keyid != opts->vkey->keyid || memcmp(b->log_key.pk, opts->vkey->pk, GB_PK_BYTES) != 0)
			violation(a, GB_AUDIT_CHECKPOINT, GB_AUDIT_NO_INDEX, GB_EUNKNOWNKEY,
				"bundle: its log key is %s, not the given %s", b->log_vkey, vk);
		rc = replay(a, b->origin, opts->vkey, err);
	}
	if (rc == 0 && a->rebuilt != NULL && !a->stopped && rep->audited == b->size) {
		/* Nothing may follow the entries the header counts. */
		static uint8_t extra[GB_ENTRY_MAX];
		size_t extra_len;
		gb_err e;
		gb_err_clear(&e);
		int trc = gb_bundle_next(b, extra, &extra_len, &e);
		if (trc != GB_ERANGE)
			violation(a, GB_AUDIT_ENTRY, b->size, GB_ECORRUPT, "%s",
				trc == 0 ? "bundle: an entry after the header's count" : e.msg);
	}
	if (rc == 0 && a->rebuilt != NULL)
		bundle_size_check(a, b);
	gb_audit_checkpoint own = { "(the bundle's)", b->checkpoint, b->checkpoint_len };
	if (rc == 0 && a->rebuilt != NULL)
		check_checkpoint(a, &own, opts->vkey);
	for (size_t i = 0; rc == 0 && a->rebuilt != NULL && i < opts->checkpoint_count; i++)
		check_checkpoint(a, &opts->checkpoints[i], opts->vkey);
	gb_bundle_close(a->bundle);
	audit_end(a);
	free(b);
	free(a);
	return rc;
}

void gb_audit_report_release(gb_audit_report *rep)
{
	if (rep == NULL)
		return;
	free(rep->v);
	memset(rep, 0, sizeof *rep);
}
