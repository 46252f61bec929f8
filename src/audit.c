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
	uint8_t *arena;                 /* a bundle's batch; NULL for a ledger, read in place */
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

/* Formats a state value (or key) for a message: hex, an 8-byte value also as an integer if as_int. */
static const char *show_value(const uint8_t *p, size_t len, int as_int, char out[160])
{
	size_t o = 0;
	if (as_int && len == 8) {
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
 * read for a bundle, until the audit ends for a ledger): entry 0, which
 * creates the replay ledger; later ones come a batch at a time
 * (fill_stored, fill_bundle). A stored entry's bytes are not hashed here:
 * the replay hashes every entry it appends, and compare_tree compares
 * those leaf hashes with the stored ones (naming the entry); the entries
 * read but not replayed are hashed by check_unreplayed. Returns 0, or 1 if
 * the entry is missing (recorded; the replay must stop).
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
 * Checks that the replay put entries [0, count) of the batch held at their
 * own indexes: an entry the pipeline takes for a repeat of an earlier one is
 * a violation (the log holds it twice). Returns 1 if there was one.
 */
static int check_repeats(struct audit *a, size_t count)
{
	for (size_t k = 0; k < count; k++)
		if (a->results[k].duplicate || a->results[k].index != a->base + k) {
			violation(a, GB_AUDIT_REPLAY, a->base + k, GB_EIDREUSE,
				"entry %llu: the pipeline takes it as a repeat of entry %llu",
				(unsigned long long)(a->base + k), (unsigned long long)a->results[k].index);
			a->stopped = 1;
			return 1;
		}
	return 0;
}

/*
 * After a rejected batch (rc, why; `failed` the rejected entry, as
 * gb_ledger_try_append names it): stores the entries before it as one batch,
 * so that the replay holds what the log held up to there, and names the
 * first problem: a repeat among them, else the rejection. A failure of the
 * replay ledger itself fails the audit.
 */
static void replay_rejected(struct audit *a, int rc, size_t failed, const gb_err *why)
{
	gb_err e;
	size_t again;
	a->stopped = 1;
	if (is_fatal(rc)) {
		a->fatal = *why;
		return;
	}
	if (failed >= a->n) {
		violation(a, GB_AUDIT_REPLAY, a->base, rc, "entries from %llu: the batch is rejected: %s",
			(unsigned long long)a->base, why->msg);
		return;
	}
	gb_err_clear(&e);
	int rc2 = failed > 0 ? gb_ledger_try_append(a->rebuilt, a->batch, failed, a->results, &again, &e) : 0;
	if (is_fatal(rc2)) {
		a->fatal = e;
		return;
	}
	if (rc2 != 0) /* what passed before the rejected entry fails alone: not expected, but said */
		violation(a, GB_AUDIT_REPLAY, a->base, rc2, "entries from %llu: rejected again alone: %s",
			(unsigned long long)a->base, e.msg);
	else if (!check_repeats(a, failed))
		violation(a, GB_AUDIT_REPLAY, a->base + failed, rc, "entry %llu: rejected: %s",
			(unsigned long long)(a->base + failed), why->msg);
}

/* Replays the batch held; returns 1 if the replay must stop. */
static int flush(struct audit *a)
{
	if (a->n == 0)
		return 0;
	gb_err e;
	size_t failed;
	gb_err_clear(&e);
	int rc = gb_ledger_try_append(a->rebuilt, a->batch, a->n, a->results, &failed, &e);
	if (rc != 0)
		replay_rejected(a, rc, failed, &e);
	else
		check_repeats(a, a->n);
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

/*
 * Fills the batch from a stored ledger with the entries from a->base on,
 * read with one cursor and pointing into the map (valid until the audit
 * ends: nothing is copied), at most GB_AUDIT_BATCH and ARENA_BYTES of
 * them. Returns 0, or 1 if the entry after those read is missing
 * (recorded; the replay must stop after this batch).
 */
static int fill_stored(struct audit *a)
{
	assert(a->bundle == NULL && a->n == 0);
	assert(a->base < a->rep->audited);
	uint64_t left = a->rep->audited - a->base;
	size_t want = left < GB_AUDIT_BATCH ? (size_t)left : GB_AUDIT_BATCH, got = 0, bytes = 0;
	gb_err e;
	gb_err_clear(&e);
	int rc = gb_store_entry_range(&a->stxn, a->base, want, a->batch, &got, &e);
	while (a->n < got && bytes + a->batch[a->n].len <= ARENA_BYTES)
		bytes += a->batch[a->n++].len;
	a->read_end = a->base + a->n;
	if (a->n < got || (rc == 0 && got == want))
		return 0;
	uint64_t index = a->base + got;
	if (rc != 0)
		violation(a, GB_AUDIT_ENTRY, index, rc, "entry %llu: %s", (unsigned long long)index, e.msg);
	else
		violation(a, GB_AUDIT_ENTRY, index, GB_ERANGE, "entry %llu is missing from the entries database",
			(unsigned long long)index);
	return 1;
}

/*
 * Fills the batch from a bundle with the entries from a->base on, each
 * read straight into the arena while a largest entry still fits. Returns 0,
 * or 1 if an entry cannot be read (recorded; the replay must stop after
 * the entries before it).
 */
static int fill_bundle(struct audit *a)
{
	assert(a->bundle != NULL && a->n == 0);
	assert(a->arena != NULL && a->arena_used == 0);
	while (a->n < GB_AUDIT_BATCH && a->base + a->n < a->rep->audited &&
	       ARENA_BYTES - a->arena_used >= GB_ENTRY_MAX) {
		uint8_t *p = a->arena + a->arena_used;
		size_t len;
		gb_err e;
		gb_err_clear(&e);
		int rc = gb_bundle_next(a->bundle, p, &len, &e);
		if (rc != 0) {
			violation(a, GB_AUDIT_ENTRY, a->base + a->n, rc, "%s", e.msg);
			return 1;
		}
		a->batch[a->n++] = (gb_bytes){ p, len };
		a->arena_used += len;
	}
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
	/* Every batch but a failing one holds at least one entry. */
	for (uint64_t round = 0; rc == 0 && a->base < a->rep->audited && round < a->rep->audited; round++) {
		int missing = a->bundle != NULL ? fill_bundle(a) : fill_stored(a);
		if (flush(a) || missing)
			break;
	}
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

/* What compare_tree carries from one stored hash to the next. */
struct tree_cmp {
	struct audit *a;
	uint64_t leaf;                  /* the next leaf's entry index */
	uint64_t leaf_j;                /* and its stored index */
	uint64_t differ;                /* stored hashes that differ or are missing */
	uint64_t rebuilt_missing;       /* 1 + the stored index the rebuilt tree lacks, else 0 */
};

/* Compares stored hash j with the rebuilt one; stored is NULL if missing (or not a hash). */
static int tree_cmp_one(void *arg, uint64_t j, const uint8_t *stored, const uint8_t *rebuilt)
{
	struct tree_cmp *c = arg;
	if (rebuilt == NULL) { /* the replay's own tree: nothing can be compared with it */
		c->rebuilt_missing = j + 1;
		return GB_ECORRUPT;
	}
	/* Both hashes are public: no need for sodium_memcmp's constant time (a fifth of the walk). */
	int same = stored != NULL && memcmp(stored, rebuilt, GB_HASH_BYTES) == 0;
	if (j == c->leaf_j) {
		/* The rebuilt leaf hash is that of the stored bytes the replay read. */
		if (!same)
			violation(c->a, GB_AUDIT_ENTRY, c->leaf, GB_ECORRUPT,
				"entry %llu: stored bytes do not match the tree's leaf hash",
				(unsigned long long)c->leaf);
		c->leaf++;
		c->leaf_j = gb_merkle_stored_index(0, c->leaf);
	}
	if (same || c->differ++ >= TREE_DIFFS_LISTED)
		return 0;
	char sb[64] = "(missing)", rb[64];
	if (stored != NULL)
		b64(stored, sb);
	b64(rebuilt, rb);
	violation(c->a, GB_AUDIT_TREE, GB_AUDIT_NO_INDEX, GB_ECORRUPT, "stored tree hash %llu is %s, rebuilt %s",
		(unsigned long long)j, sb, rb);
	return 0;
}

/*
 * Compares every stored tree hash of the replayed prefix with the rebuilt
 * one, walking both trees side by side, then the stored root.
 */
static int compare_tree(struct audit *a, gb_txn *rtxn, gb_err *err)
{
	assert(a->rebuilt != NULL);
	struct tree_cmp c = { a, 0, gb_merkle_stored_index(0, 0), 0, 0 };
	uint64_t count = gb_merkle_stored_count(a->rep->replayed);
	int rc = gb_store_node_merge_walk(&a->stxn, rtxn, count, tree_cmp_one, &c, err);
	if (c.rebuilt_missing != 0)
		return gb_err_set(err, rc, "reading the rebuilt tree: hash %llu is missing",
			(unsigned long long)(c.rebuilt_missing - 1));
	if (rc != 0)
		return rc;
	assert(c.leaf == a->rep->replayed);
	if (c.differ > TREE_DIFFS_LISTED)
		violation(a, GB_AUDIT_TREE, GB_AUDIT_NO_INDEX, GB_ECORRUPT,
			"and %llu more stored tree hashes differ", (unsigned long long)(c.differ - TREE_DIFFS_LISTED));
	uint8_t root[GB_HASH_BYTES];
	rc = gb_merkle_root(a->rep->replayed, gb_store_node_read, &a->stxn, root);
	if (rc == 0 && sodium_memcmp(root, a->rep->root, GB_HASH_BYTES) != 0) {
		char sb[64], rb[64];
		b64(root, sb);
		b64(a->rep->root, rb);
		violation(a, GB_AUDIT_TREE, GB_AUDIT_NO_INDEX, GB_ECORRUPT,
			"stored root at size %llu is %s, rebuilt %s", (unsigned long long)a->rep->replayed, sb, rb);
	}
	return 0;
}

/*
 * Compares one state version of the stored (a) and the rebuilt (b) state.
 * A differing value is one violation; a version on one side only is named
 * with the side that has it.
 */
static int state_cmp_one(void *arg, const gb_store_state_pair *p)
{
	struct audit *a = arg;
	assert(a->rep->replayed > 0);
	uint64_t last = a->rep->replayed - 1;
	char v1[160], v2[160];
	if (p->key == NULL) {
		violation(a, GB_AUDIT_STATE, GB_AUDIT_NO_INDEX, GB_ECORRUPT,
			"%s state: key %s is not key, 0x00, version", p->a != NULL ? "stored" : "rebuilt",
			show_value(p->raw, p->raw_len, 0, v1));
		return 0;
	}
	if (p->version > last) {
		/* When the whole log was replayed, a stored version after its last entry is
		 * planted: the ledger would read it as current. */
		if (p->a != NULL && !a->stopped && a->rep->replayed == a->rep->size)
			violation(a, GB_AUDIT_STATE, p->version, GB_ECORRUPT,
				"state '%s' has a version %llu, after the log's last entry %llu", p->key,
				(unsigned long long)p->version, (unsigned long long)last);
		return 0;
	}
	if (p->a == NULL) {
		violation(a, GB_AUDIT_STATE, p->version, GB_ECORRUPT,
			"state '%s' version %llu: rebuilt %s, stored has no such version", p->key,
			(unsigned long long)p->version, show_value(p->b, p->b_len, 1, v1));
		return 0;
	}
	a->rep->state_versions++;
	if (p->b == NULL)
		violation(a, GB_AUDIT_STATE, p->version, GB_ECORRUPT,
			"state '%s' version %llu: stored %s, rebuilt has no such version", p->key,
			(unsigned long long)p->version, show_value(p->a, p->a_len, 1, v1));
	else if (p->a_len != p->b_len || memcmp(p->a, p->b, p->a_len) != 0)
		violation(a, GB_AUDIT_STATE, p->version, GB_ECORRUPT,
			"state '%s' version %llu: stored %s, rebuilt %s", p->key, (unsigned long long)p->version,
			show_value(p->a, p->a_len, 1, v1), show_value(p->b, p->b_len, 1, v2));
	return 0;
}

/* Compares every state version of the replayed prefix, walking both states side by side. */
static int compare_state(struct audit *a, gb_txn *rtxn, gb_err *err)
{
	if (a->rep->replayed == 0)
		return 0;
	return gb_store_state_merge_walk(&a->stxn, rtxn, state_cmp_one, a, err);
}

/*
 * Checks one side's value of an idempotency key (self) against the other
 * side's (NULL if absent), as the side named by from_stored.
 */
static void id_side(struct audit *a, const uint8_t *key, size_t key_len, const gb_store_id *self,
	const gb_store_id *other, int from_stored)
{
	assert(self != NULL);
	size_t signer_len = strnlen((const char *)key, key_len);
	const char *id = signer_len < key_len ? (const char *)key + signer_len + 1 : "";
	int id_len = signer_len < key_len ? (int)(key_len - signer_len - 1) : 0;
	if (a->rep->replayed == 0 || self->index > a->rep->replayed - 1) {
		if (from_stored && !a->stopped && a->rep->replayed == a->rep->size)
			violation(a, GB_AUDIT_STATE, self->index, GB_ECORRUPT,
				"id '%.*s' of '%.*s' points at entry %llu, after the log's end", id_len, id,
				(int)signer_len, (const char *)key, (unsigned long long)self->index);
		return;
	}
	if (other != NULL && other->index == self->index &&
	    memcmp(other->entry_hash, self->entry_hash, GB_HASH_BYTES) == 0)
		return;
	violation(a, GB_AUDIT_STATE, self->index, GB_ECORRUPT,
		"id '%.*s' of '%.*s' (entry %llu): the %s index %s", id_len, id, (int)signer_len,
		(const char *)key, (unsigned long long)self->index, from_stored ? "stored" : "rebuilt",
		other == NULL ? "has it, the other does not" : "differs from the other");
}

/* Compares one idempotency key of the stored and the rebuilt index, from each side that has it. */
static int id_cmp_one(void *arg, const uint8_t *key, size_t key_len, const gb_store_id *stored,
	const gb_store_id *rebuilt)
{
	assert(stored != NULL || rebuilt != NULL);
	if (stored != NULL)
		id_side(arg, key, key_len, stored, rebuilt, 1);
	if (rebuilt != NULL)
		id_side(arg, key, key_len, rebuilt, stored, 0);
	return 0;
}

/* Compares the idempotency index of the replayed prefix, walking both side by side. */
static int compare_ids(struct audit *a, gb_txn *rtxn, gb_err *err)
{
	return gb_store_id_merge_walk(&a->stxn, rtxn, id_cmp_one, a, err);
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

/* Sets up the shared parts: the report and the temporary directory. */
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
	if (rep->v == NULL)
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
	if (rc == 0 && (a->arena = malloc(ARENA_BYTES)) == NULL)
		rc = gb_err_set(err, GB_ENOMEM, "out of memory for the audit");
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
