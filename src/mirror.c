/*
 * mirror.c: a verifying copy of a served log (gongbao/mirror.h).
 *
 * One round: the server's checkpoint (signed by the log's key), checked to
 * extend the trusted one; the mirror's own tree checked to be a prefix of
 * it; then chunks of entries, each hashed onto a copy of the mirror's tree
 * frontier and proved a prefix of the signed tree before the ledger applies
 * it; last, the checkpoint recorded as trusted.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "gongbao/file.h"
#include "gongbao/mirror.h"
#include "gongbao/note.h"

/* A checkpoint with the note it came in. */
struct signed_cp {
	char note[GB_NOTE_MAX + 1];
	size_t len;
	gb_checkpoint cp;
};

/* One round's working set. */
struct round {
	gb_client *c;
	const char *dir;
	gb_pubkey keys[1 + GB_MIRROR_WITNESSES_MAX]; /* the log's key, then the witnesses' */
	size_t witness_count, quorum, cosignatures;
	gb_ledger *l;                  /* NULL until the mirror exists */
	struct signed_cp got;          /* the server's checkpoint */
	struct signed_cp trusted;      /* the one trusted so far */
	int have_trusted;
	gb_bytes entries[GB_MIRROR_CHUNK];
	gb_append_result results[GB_MIRROR_CHUNK];
};

/*
 * Opens a note with the log key (keys[0]) and the witnesses' keys
 * (keys[1..]), and parses its checkpoint. The log's own signature must be
 * there; *cosigs counts the witnesses' valid cosignatures.
 */
static int open_cp(struct signed_cp *s, const gb_pubkey *keys, size_t witness_count, size_t *cosigs,
	gb_err *err)
{
	static __thread gb_note note;
	int by_log = 0;
	int rc = gb_note_open(s->note, s->len, keys, 1 + witness_count, &note, err);
	*cosigs = 0;
	for (size_t i = 0; rc == 0 && i < note.sig_count; i++)
		if (note.sigs[i].verified && note.sigs[i].verifier == 0)
			by_log = 1;
		else if (note.sigs[i].verified)
			(*cosigs)++;
	if (rc == 0 && !by_log)
		rc = gb_err_set(err, GB_ENOTESIG, "no signature by the log's key '%s'", keys[0].name);
	return rc ? rc : gb_checkpoint_parse(note.text, note.text_len, &s->cp, err);
}

/* Reads DIR/mirror-checkpoint, if any; it must verify (else GB_ECORRUPT). */
static int read_trusted(struct round *r, gb_err *err)
{
	char path[PATH_MAX];
	uint8_t *buf;
	size_t len;
	snprintf(path, sizeof path, "%s/%s", r->dir, GB_MIRROR_CHECKPOINT_FILE);
	int rc = gb_file_read(path, GB_NOTE_MAX, &buf, &len, err);
	if (rc == GB_ENOTFOUND)
		return 0;
	if (rc == GB_ETOOBIG)
		return gb_err_set(err, GB_ECORRUPT, "%s: over %d bytes, not a checkpoint", path, GB_NOTE_MAX);
	if (rc != 0)
		return rc;
	memcpy(r->trusted.note, buf, len + 1);
	r->trusted.len = len;
	free(buf);
	size_t cosigs;
	if ((rc = open_cp(&r->trusted, r->keys, 0, &cosigs, err)) != 0)
		return gb_err_prefix(err, GB_ECORRUPT, "%s: the trusted checkpoint does not verify: ", path);
	if (strcmp(r->trusted.cp.origin, gb_ledger_origin(r->l)) != 0)
		return gb_err_set(err, GB_ECORRUPT, "%s: a checkpoint of '%s', not of this mirror's log '%s'",
			path, r->trusted.cp.origin, gb_ledger_origin(r->l));
	/* It is trusted only once the copy holds its tree: it must be the copy's. */
	uint64_t size;
	uint8_t root[GB_HASH_BYTES];
	if ((rc = gb_ledger_size(r->l, &size, err)) != 0)
		return rc;
	if (r->trusted.cp.size > size)
		return gb_err_set(err, GB_ECORRUPT, "%s: a checkpoint of %" PRIu64 " entries, but the mirror holds %" PRIu64,
			path, r->trusted.cp.size, size);
	if ((rc = gb_ledger_root(r->l, r->trusted.cp.size, root, err)) != 0)
		return rc;
	if (sodium_memcmp(root, r->trusted.cp.root, GB_HASH_BYTES) != 0)
		return gb_err_set(err, GB_ECORRUPT, "%s: the checkpoint of size %" PRIu64 " has another root than the mirror's tree",
			path, r->trusted.cp.size);
	r->have_trusted = 1;
	return 0;
}

/*
 * Proves that the tree of `size` leaves with root `root` is a prefix of the
 * server's signed tree: equal roots at equal sizes, else a consistency proof
 * fetched from the server and verified against the signed root.
 */
static int check_prefix(struct round *r, uint64_t size, const uint8_t root[GB_HASH_BYTES],
	const char *what, gb_err *err)
{
	const gb_checkpoint *cp = &r->got.cp;
	assert(size <= cp->size);
	if (size == 0)
		return 0; /* every tree extends the empty one */
	if (size == cp->size) {
		if (sodium_memcmp(root, cp->root, GB_HASH_BYTES) != 0)
			return gb_err_set(err, GB_ESPLITVIEW, "%s: size %" PRIu64 " has another root than the log's signed checkpoint",
				what, size);
		return 0;
	}
	uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES], claimed1[GB_HASH_BYTES], claimed2[GB_HASH_BYTES];
	gb_bytes views[GB_PROOF_MAX];
	size_t count;
	int rc = gb_client_prove_consistency(r->c, size, cp->size, proof, &count, claimed1, claimed2, err);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < count; i++)
		views[i] = (gb_bytes){ proof[i], GB_HASH_BYTES };
	rc = gb_merkle_verify_consistency(size, cp->size, (gb_bytes){ root, GB_HASH_BYTES },
		(gb_bytes){ cp->root, GB_HASH_BYTES }, views, count);
	if (rc != 0)
		return gb_err_set(err, GB_ESPLITVIEW, "%s: the tree of %" PRIu64 " entries is not a prefix of the log's signed tree of %" PRIu64 " (split view or rewritten history)",
			what, size, cp->size);
	return 0;
}

/* The server's checkpoint, checked against the key, the origin and the trusted one. */
static int check_checkpoint(struct round *r, gb_err *err)
{
	const gb_checkpoint *cp = &r->got.cp, *t = &r->trusted.cp;
	int rc = gb_client_checkpoint(r->c, r->got.note, sizeof r->got.note, &r->got.len, err);
	if (rc == 0 && (rc = open_cp(&r->got, r->keys, r->witness_count, &r->cosignatures, err)) != 0)
		gb_err_prefix(err, rc, "%s/v1/checkpoint: ", gb_client_url(r->c));
	if (rc != 0)
		return rc;
	if (r->cosignatures < r->quorum)
		return gb_err_set(err, GB_ENOTESIG, "%s/v1/checkpoint: %zu valid witness cosignatures, %zu required",
			gb_client_url(r->c), r->cosignatures, r->quorum);
	if (cp->size == 0) /* nothing to make a mirror from, and nothing any mirror holds extends it */
		return gb_err_set(err, GB_ERANGE, "%s/v1/checkpoint: a signed tree of 0 entries; a gongbao log holds at least its charter",
			gb_client_url(r->c));
	if (r->l != NULL && strcmp(cp->origin, gb_ledger_origin(r->l)) != 0)
		return gb_err_set(err, GB_ESPLITVIEW, "the server's checkpoint is of log '%s', this mirror's is '%s'",
			cp->origin, gb_ledger_origin(r->l));
	if (r->l != NULL && (rc = read_trusted(r, err)) != 0)
		return rc;
	if (!r->have_trusted)
		return 0;
	if (cp->size < t->size)
		return gb_err_set(err, GB_ESPLITVIEW, "rollback: the log's signed checkpoint has %" PRIu64 " entries, fewer than the %" PRIu64 " already trusted",
			cp->size, t->size);
	return check_prefix(r, t->size, t->root, "the trusted checkpoint", err);
}

/*
 * Checks the mirror's own tree (of `size` entries) against the signed one
 * before adding to it. Every entry the mirror holds was proved part of a
 * tree the log signed, so a smaller signed tree is a rollback, whatever the
 * trusted checkpoint (perhaps not yet written, or deleted) says.
 */
static int check_own_tree(struct round *r, uint64_t size, gb_err *err)
{
	uint8_t root[GB_HASH_BYTES];
	if (r->got.cp.size < size)
		return gb_err_set(err, GB_ESPLITVIEW, "rollback: the log's signed checkpoint has %" PRIu64 " entries, fewer than the %" PRIu64 " this mirror holds, each proved in a tree the log signed",
			r->got.cp.size, size);
	if (size == 0 || (r->have_trusted && size == r->trusted.cp.size))
		return 0; /* checked: the trusted checkpoint's tree is ours */
	int rc = gb_ledger_root(r->l, size, root, err);
	return rc ? rc : check_prefix(r, size, root, "this mirror", err);
}

/* Stores a verified chunk: through the ledger's pipeline (entry 0 makes the mirror). */
static int store_chunk(struct round *r, uint64_t start, size_t n, const gb_ledger_opts *opts,
	gb_mirror_result *res, gb_err *err)
{
	size_t skip = 0;
	int rc = 0;
	if (r->l == NULL) {
		assert(start == 0);
		rc = gb_ledger_create(r->dir, r->got.cp.origin, &r->keys[0], r->entries[0].ptr, r->entries[0].len,
			opts, &r->l, err);
		if (rc != 0)
			return gb_err_prefix(err, rc, "entry 0 (the charter): ");
		res->created = 1;
		skip = 1;
	}
	if (n > skip && (rc = gb_ledger_append(r->l, r->entries + skip, n - skip, r->results, err)) != 0)
		return gb_err_prefix(err, rc, "entries %" PRIu64 "..%" PRIu64 " from the log: ", start + skip,
			start + n - 1);
	for (size_t i = 0; i + skip < n; i++)
		if (r->results[i].duplicate || r->results[i].index != start + skip + i)
			return gb_err_set(err, GB_EIDREUSE, "entry %" PRIu64 " from the log repeats entry %" PRIu64 " (same signer, id and bytes): the log holds it twice",
				start + skip + i, r->results[i].index);
	res->fetched += n;
	return 0;
}

/* The frontier's writer while hashing ahead: nothing is stored until proved. */
static int discard_node(void *ctx, uint64_t stored_index, const uint8_t hash[GB_HASH_BYTES])
{
	(void)ctx, (void)stored_index, (void)hash;
	return 0;
}

/* Fetches, proves and stores entries [from, cp.size) chunk by chunk. */
static int fetch_entries(struct round *r, uint64_t from, const gb_ledger_opts *opts,
	gb_mirror_result *res, gb_err *err)
{
	gb_merkle_frontier f;
	uint8_t root[GB_HASH_BYTES], leaf[GB_HASH_BYTES];
	int rc = 0;
	if (r->l != NULL && (rc = gb_ledger_frontier(r->l, &f, err)) != 0)
		return rc;
	if (r->l == NULL)
		gb_merkle_frontier_init(&f);
	assert(f.size == from);
	for (uint64_t s = from; rc == 0 && s < r->got.cp.size;) {
		uint64_t e = r->got.cp.size - s > GB_MIRROR_CHUNK ? s + GB_MIRROR_CHUNK : r->got.cp.size;
		uint8_t *buf;
		if ((rc = gb_client_entries(r->c, s, e, &buf, r->entries, err)) != 0)
			return rc;
		for (uint64_t i = s; i < e; i++) {
			gb_merkle_leaf_hash(leaf, r->entries[i - s].ptr, r->entries[i - s].len);
			gb_merkle_frontier_append(&f, leaf, discard_node, NULL);
		}
		gb_merkle_frontier_root(&f, root);
		char what[64];
		snprintf(what, sizeof what, "entries %" PRIu64 "..%" PRIu64 " from the server", s, e - 1);
		rc = check_prefix(r, e, root, what, err);
		if (rc == 0)
			rc = store_chunk(r, s, (size_t)(e - s), opts, res, err);
		free(buf);
		s = e;
	}
	return rc;
}

/* Checks the trust settings and copies the witnesses' keys into the round. */
static int take_trust(struct round *r, const gb_mirror_trust *t, gb_err *err)
{
	if (t->witness_count > GB_MIRROR_WITNESSES_MAX || t->quorum > t->witness_count)
		return gb_err_set(err, GB_EINVAL, "mirror: %zu witnesses, quorum %zu: want at most %d witnesses and a quorum no larger",
			t->witness_count, t->quorum, GB_MIRROR_WITNESSES_MAX);
	for (size_t i = 0; i < t->witness_count; i++) {
		if (t->witnesses[i].alg != GB_ALG_COSIGNATURE_V1)
			return gb_err_set(err, GB_EVKEY, "witness key '%s' is not a cosignature (alg 0x04) key",
				t->witnesses[i].name);
		/* A cosignature does not sign the key's name: one key under two names is one witness. */
		for (size_t j = 0; j < i; j++)
			if (memcmp(t->witnesses[i].pk, t->witnesses[j].pk, GB_PK_BYTES) == 0)
				return gb_err_set(err, GB_EINVAL, "witness keys '%s' and '%s' are one key: a quorum counts witnesses, not names",
					t->witnesses[j].name, t->witnesses[i].name);
		r->keys[1 + i] = t->witnesses[i];
	}
	r->witness_count = t->witness_count;
	r->quorum = t->quorum;
	return 0;
}

/*
 * Takes DIR/mirror.lock (making DIR if missing), so that two mirror
 * processes on one directory (a --follow and a cron job, say) take turns.
 * Returns 0 with *fd locked, GB_ESTATE if another process holds it, GB_EIO.
 */
static int lock_dir(const char *dir, int *fd, gb_err *err)
{
	char path[PATH_MAX];
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return gb_err_set(err, GB_EIO, "cannot make '%s': %s", dir, strerror(errno));
	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, GB_MIRROR_LOCK_FILE) >= sizeof path)
		return gb_err_set(err, GB_EINVAL, "mirror directory '%.64s...' too long", dir);
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (*fd < 0)
		return gb_err_set(err, GB_EIO, "cannot open '%s': %s", path, strerror(errno));
	if (flock(*fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	int e = errno;
	close(*fd);
	*fd = -1;
	if (e == EWOULDBLOCK)
		return gb_err_set(err, GB_ESTATE, "'%s': another mirror process is working on it", path);
	return gb_err_set(err, GB_EIO, "cannot lock '%s': %s", path, strerror(e));
}

int gb_mirror_sync(gb_client *c, const char *dir, const gb_mirror_trust *trust,
	const gb_ledger_opts *opts, gb_mirror_result *res, gb_err *err)
{
	assert(c != NULL && dir != NULL && trust != NULL && res != NULL);
	const gb_pubkey *log_key = trust->log_key;
	gb_ledger_opts o = opts ? *opts : (gb_ledger_opts){ 0 };
	o.mirror = 1;
	o.rdonly = 0;
	memset(res, 0, sizeof *res);
	struct round *r = calloc(1, sizeof *r);
	if (r == NULL)
		return gb_err_set(err, GB_ENOMEM, "mirror: out of memory");
	r->c = c;
	r->dir = dir;
	int lock_fd = -1, rc = take_trust(r, trust, err);
	rc = rc ? rc : lock_dir(dir, &lock_fd, err);
	rc = rc ? rc : gb_ledger_open(dir, &o, &r->l, err);
	if (rc == GB_ENOLEDGER && log_key == NULL)
		rc = gb_err_set(err, GB_EUSAGE, "'%s' holds no mirror yet: making one needs the log's verifier key", dir);
	else if (rc == GB_ENOLEDGER)
		rc = 0, r->l = NULL;
	if (rc == 0 && r->l != NULL && log_key != NULL &&
			memcmp(log_key, gb_ledger_log_key(r->l), sizeof *log_key) != 0)
		rc = gb_err_set(err, GB_EVKEY, "'%s' mirrors the log of key '%s', not '%s'", dir,
			gb_ledger_log_key(r->l)->name, log_key->name);
	if (rc == 0)
		r->keys[0] = r->l ? *gb_ledger_log_key(r->l) : *log_key;
	rc = rc ? rc : check_checkpoint(r, err);
	uint64_t size = 0;
	if (rc == 0 && r->l != NULL)
		rc = gb_ledger_size(r->l, &size, err);
	rc = rc ? rc : r->l ? check_own_tree(r, size, err) : 0;
	if (rc == 0 && size < r->got.cp.size)
		rc = fetch_entries(r, size, &o, res, err);
	if (rc == 0 && (!r->have_trusted || r->got.cp.size > r->trusted.cp.size)) {
		char path[PATH_MAX];
		snprintf(path, sizeof path, "%s/%s", dir, GB_MIRROR_CHECKPOINT_FILE);
		rc = gb_file_replace(path, r->got.note, r->got.len, 0644, err);
	}
	if (rc == 0) {
		res->trusted_size = r->got.cp.size;
		res->cosignatures = r->cosignatures;
		memcpy(res->root, r->got.cp.root, GB_HASH_BYTES);
		rc = gb_ledger_size(r->l, &res->size, err);
	}
	gb_ledger_close(r->l);
	if (lock_fd >= 0)
		close(lock_fd); /* releases the lock */
	free(r);
	return rc;
}
