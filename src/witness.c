/*
 * witness.c: the add-checkpoint decision of a C2SP tlog-witness and the
 * witness's durable state (gongbao/witness.h). The request format, the
 * order of the checks and the state files are in spec/WITNESS.md; this file
 * follows it section by section.
 */
#include "gongbao/witness.h"

#include "gongbao/file.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#define STATE_MAGIC "gongbao-witness-state v1\n"
#define EVIDENCE_MAGIC "gongbao-witness-evidence v1\n"
/* A state file: a few header lines of at most ~600 bytes, the note, the sum. */
#define STATE_FILE_MAX (GB_NOTE_MAX + 1024)
#define EVIDENCE_FILE_MAX (GB_WITNESS_BODY_MAX + GB_NOTE_MAX + 1024)
#define HEX_NAME_LEN (2 * crypto_hash_sha256_BYTES)
#define ROOT_B64_LEN 44
#define SUM_LINE_LEN (7 + HEX_NAME_LEN + 1) /* "sha256 " hex "\n" */
#define EM_DASH_SP "\xe2\x80\x94 "

/* One witnessed log and the last checkpoint cosigned for it. */
struct wlog {
	gb_witness_log cfg;
	char file[HEX_NAME_LEN + 1];     /* hex SHA-256 of the origin */
	int cosigned;                    /* 0 until the first cosignature */
	uint64_t size;
	uint8_t root[GB_HASH_BYTES];
	size_t note_len;                 /* the log's note as received */
	char note[GB_NOTE_MAX];
};

struct gb_witness {
	char dir[PATH_MAX];
	int lock_fd;
	gb_seckey key;
	pthread_mutex_t mu;              /* held from the old-size check to the durable write */
	size_t log_count;
	size_t evidence_count;           /* evidence files written since open */
	struct wlog logs[GB_WITNESS_LOGS_MAX];
};

/* A parsed add-checkpoint body; note points into the body. */
struct add_req {
	uint64_t old;
	size_t proof_count;
	uint8_t proof[GB_WITNESS_PROOF_MAX][GB_HASH_BYTES];
	const char *note;
	size_t note_len;
};

unsigned gb_witness_http_status(int code)
{
	switch (code) {
	case 0: return 200;
	case GB_EINVAL: case GB_ENOTE: case GB_ERANGE: return 400;
	case GB_ENOTESIG: return 403;
	case GB_ENOTFOUND: return 404;
	case GB_ESTATE: case GB_ESPLITVIEW: return 409;
	case GB_ETOOBIG: return 413;
	case GB_EPROOF: return 422;
	default: return 500;
	}
}

/* ------------------------------------------------------------ parsing */

/*
 * Parses a tree size: ASCII decimal, no leading zero unless "0", at most
 * UINT64_MAX. Returns 0 or -1.
 */
static int parse_u64(const char *s, size_t len, uint64_t *out)
{
	assert(s != NULL || len == 0);
	assert(out != NULL);
	uint64_t v = 0;
	if (len == 0 || len > 20 || (len > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		uint64_t d = (uint64_t)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* Decodes exactly 44 characters of base64 into a 32-byte hash. Returns 0 or -1. */
static int parse_hash(const char *s, size_t len, uint8_t out[GB_HASH_BYTES])
{
	assert(s != NULL);
	size_t n = 0;
	const char *end = NULL;
	if (len != ROOT_B64_LEN ||
	    sodium_base642bin(out, GB_HASH_BYTES, s, len, NULL, &n, &end,
		    sodium_base64_VARIANT_ORIGINAL) != 0 || end != s + len || n != GB_HASH_BYTES)
		return -1;
	return 0;
}

/*
 * Copies at most 44 bytes of s[0..len) into out for a message: printable
 * ASCII as it is, any other byte as '?', since the bytes come from outside
 * and end up in logs.
 */
static const char *show(const char *s, size_t len, char out[48])
{
	assert(s != NULL || len == 0);
	assert(out != NULL);
	size_t n = len < 44 ? len : 44;
	for (size_t i = 0; i < n; i++)
		out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	out[n] = '\0';
	return out;
}

/* The line at body[*pos..) without its '\n', which must be within `max` bytes. */
static const char *next_line(const char *body, size_t len, size_t *pos, size_t max,
	size_t *line_len)
{
	assert(body != NULL && pos != NULL);
	assert(*pos <= len);
	size_t room = len - *pos < max + 1 ? len - *pos : max + 1;
	const char *nl = memchr(body + *pos, '\n', room);
	if (nl == NULL)
		return NULL;
	const char *line = body + *pos;
	*line_len = (size_t)(nl - line);
	*pos += *line_len + 1;
	return line;
}

/*
 * Parses "old N\n", up to GB_WITNESS_PROOF_MAX base64 hash lines and an
 * empty line; the rest of the body is the note. Returns 0, GB_ETOOBIG or
 * GB_EINVAL naming the line.
 */
static int parse_body(const char *body, size_t len, struct add_req *rq, gb_err *err)
{
	assert(body != NULL || len == 0);
	assert(rq != NULL);
	if (len > GB_WITNESS_BODY_MAX)
		return gb_err_set(err, GB_ETOOBIG, "body is %zu bytes, over the limit of %d",
			len, GB_WITNESS_BODY_MAX);
	size_t pos = 0, n = 0;
	char shown[48];
	const char *line = len ? next_line(body, len, &pos, 24, &n) : NULL;
	if (line == NULL)
		return gb_err_set(err, GB_EINVAL, "line 1: want 'old SIZE' and a newline within 25 bytes");
	if (n < 4 || memcmp(line, "old ", 4) != 0 || parse_u64(line + 4, n - 4, &rq->old) != 0)
		return gb_err_set(err, GB_EINVAL,
			"line 1: want 'old SIZE' (decimal, no leading zeros), got '%s'", show(line, n, shown));
	rq->proof_count = 0;
	/* Each pass takes one line; at most GB_WITNESS_PROOF_MAX + 1 passes. */
	for (;;) {
		line = next_line(body, len, &pos, ROOT_B64_LEN, &n);
		if (line == NULL)
			return gb_err_set(err, GB_EINVAL,
				"line %zu: want a base64 hash (44 characters) or the empty line",
				rq->proof_count + 2);
		if (n == 0)
			break;
		if (rq->proof_count == GB_WITNESS_PROOF_MAX)
			return gb_err_set(err, GB_EINVAL, "more than %d consistency proof lines",
				GB_WITNESS_PROOF_MAX);
		if (parse_hash(line, n, rq->proof[rq->proof_count]) != 0)
			return gb_err_set(err, GB_EINVAL, "line %zu: '%s' is not base64 of a 32-byte hash",
				rq->proof_count + 2, show(line, n, shown));
		rq->proof_count++;
	}
	rq->note = body + pos;
	rq->note_len = len - pos;
	return 0;
}

/* ------------------------------------------------------------ state files */

/* The path DIR/name of a file of the state directory, into out (PATH_MAX bytes). */
static const char *file_path(const gb_witness *w, const char *name, char out[PATH_MAX])
{
	assert(w != NULL && name != NULL);
	int n = snprintf(out, PATH_MAX, "%s/%s", w->dir, name);
	assert(n > 0 && n < PATH_MAX); /* gb_witness_open bounds the directory's length */
	return out;
}

/* Replaces DIR/name by buf durably (gb_file_replace). Returns 0 or GB_EIO. */
static int write_durably(const gb_witness *w, const char *name, const char *buf, size_t len,
	gb_err *err)
{
	char path[PATH_MAX];
	return gb_file_replace(file_path(w, name, path), buf, len, 0600, err);
}

/* The line "sha256 HEX\n" of buf[0..len), NUL-terminated. */
static void sum_line(const char *buf, size_t len, char out[SUM_LINE_LEN + 1])
{
	assert(buf != NULL);
	assert(out != NULL);
	uint8_t sum[crypto_hash_sha256_BYTES];
	char hex[HEX_NAME_LEN + 1];
	crypto_hash_sha256(sum, (const uint8_t *)buf, len);
	sodium_bin2hex(hex, sizeof hex, sum, sizeof sum);
	int n = snprintf(out, SUM_LINE_LEN + 1, "sha256 %s\n", hex);
	assert(n == SUM_LINE_LEN);
}

/* Appends the sum line of buf[0..*len) to buf (room for SUM_LINE_LEN more). */
static void append_sum(char *buf, size_t *len)
{
	assert(buf != NULL && len != NULL);
	char line[SUM_LINE_LEN + 1];
	sum_line(buf, *len, line);
	memcpy(buf + *len, line, SUM_LINE_LEN);
	*len += SUM_LINE_LEN;
}

/*
 * Formats the state file of lg after cosigning cp (whose note, as received,
 * is note[0..note_len)) with `line`: header lines, the note, the checksum.
 * Returns its length.
 */
static size_t state_format(const struct wlog *lg, const gb_checkpoint *cp, const char *line,
	size_t line_len, const char *note, size_t note_len, char buf[STATE_FILE_MAX])
{
	assert(lg != NULL && cp != NULL);
	assert(line_len > 0 && line[line_len - 1] == '\n');
	assert(note_len <= GB_NOTE_MAX);
	char root[ROOT_B64_LEN + 1];
	sodium_bin2base64(root, sizeof root, cp->root, GB_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL);
	int n = snprintf(buf, STATE_FILE_MAX,
		STATE_MAGIC "origin %s\nsize %" PRIu64 "\nroot %s\ncosignature %.*scheckpoint %zu\n",
		lg->cfg.origin, cp->size, root, (int)line_len, line, note_len);
	assert(n > 0 && (size_t)n + note_len + SUM_LINE_LEN <= STATE_FILE_MAX);
	size_t len = (size_t)n;
	memcpy(buf + len, note, note_len);
	len += note_len;
	append_sum(buf, &len);
	return len;
}

/* A reader over a state file's bytes. */
struct cursor {
	const char *p;
	size_t len, pos;
};

/*
 * Takes the next line if it is "key value\n" (value at most max bytes):
 * returns the value and its length, or NULL (the cursor does not move).
 */
static const char *take_field(struct cursor *c, const char *key, size_t max, size_t *val_len)
{
	assert(c != NULL && key != NULL);
	assert(val_len != NULL);
	size_t klen = strlen(key), n = 0, start = c->pos;
	const char *line = next_line(c->p, c->len, &c->pos, klen + 1 + max, &n);
	if (line == NULL || n < klen + 1 || memcmp(line, key, klen) != 0 || line[klen] != ' ') {
		c->pos = start;
		return NULL;
	}
	*val_len = n - klen - 1;
	return line + klen + 1;
}

/* Sets err for a corrupt state file of lg, saying what is wrong. */
static int corrupt(gb_err *err, const gb_witness *w, const struct wlog *lg, const char *what)
{
	assert(w != NULL && lg != NULL);
	return gb_err_set(err, GB_ECORRUPT,
		"witness state file '%s/%s' (origin '%s') is corrupt: %s; it is never reset",
		w->dir, lg->file, lg->cfg.origin, what);
}

/* Checks the last line, "sha256 HEX\n", against the bytes before it. 0 or -1. */
static int state_check_sum(const char *buf, size_t len)
{
	assert(buf != NULL);
	if (len < sizeof STATE_MAGIC - 1 + SUM_LINE_LEN || buf[len - SUM_LINE_LEN - 1] != '\n')
		return -1;
	char want[SUM_LINE_LEN + 1];
	sum_line(buf, len - SUM_LINE_LEN, want);
	return memcmp(want, buf + len - SUM_LINE_LEN, SUM_LINE_LEN) == 0 ? 0 : -1;
}

/*
 * Checks that the stored note is a checkpoint note of lg's origin with the
 * header's size and root, and keeps it in lg. Returns 0 or -1.
 */
static int state_take_note(struct wlog *lg, const char *note, size_t note_len)
{
	assert(lg != NULL && note != NULL);
	gb_note parsed;
	gb_checkpoint cp;
	/* No verifiers: a well-formed note opens with GB_ENOTESIG, "no known key". */
	if (note_len > GB_NOTE_MAX || gb_note_open(note, note_len, NULL, 0, &parsed, NULL) != GB_ENOTESIG)
		return -1;
	if (gb_checkpoint_parse(parsed.text, parsed.text_len, &cp, NULL) != 0 ||
	    strcmp(cp.origin, lg->cfg.origin) != 0 || cp.size != lg->size ||
	    memcmp(cp.root, lg->root, GB_HASH_BYTES) != 0)
		return -1;
	memcpy(lg->note, note, note_len);
	lg->note_len = note_len;
	return 0;
}

/* Parses a state file (spec/WITNESS.md) into lg. Returns 0 or GB_ECORRUPT. */
static int state_parse(const gb_witness *w, struct wlog *lg, const char *buf, size_t len,
	gb_err *err)
{
	assert(w != NULL && lg != NULL);
	assert(buf != NULL);
	if (state_check_sum(buf, len) != 0)
		return corrupt(err, w, lg, "its last line is not the sha256 of the bytes before it");
	struct cursor c = { buf, len - SUM_LINE_LEN, 0 };
	size_t n = 0, cp_len = 0;
	const char *v;
	uint64_t u = 0;
	if (len < sizeof STATE_MAGIC - 1 || memcmp(buf, STATE_MAGIC, sizeof STATE_MAGIC - 1) != 0)
		return corrupt(err, w, lg, "line 1 is not 'gongbao-witness-state v1'");
	c.pos = sizeof STATE_MAGIC - 1;
	if ((v = take_field(&c, "origin", GB_ORIGIN_MAX, &n)) == NULL ||
	    n != strlen(lg->cfg.origin) || memcmp(v, lg->cfg.origin, n) != 0)
		return corrupt(err, w, lg, "line 2 is not 'origin' and the log's origin");
	if ((v = take_field(&c, "size", 20, &n)) == NULL || parse_u64(v, n, &lg->size) != 0)
		return corrupt(err, w, lg, "line 3 is not 'size' and a decimal size");
	if ((v = take_field(&c, "root", ROOT_B64_LEN, &n)) == NULL || parse_hash(v, n, lg->root) != 0)
		return corrupt(err, w, lg, "line 4 is not 'root' and a base64 hash");
	if ((v = take_field(&c, "cosignature", GB_NOTE_LINE_MAX, &n)) == NULL ||
	    n < sizeof EM_DASH_SP || memcmp(v, EM_DASH_SP, sizeof EM_DASH_SP - 1) != 0)
		return corrupt(err, w, lg, "line 5 is not 'cosignature' and a signature line");
	if ((v = take_field(&c, "checkpoint", 20, &n)) == NULL || parse_u64(v, n, &u) != 0 ||
	    u != c.len - c.pos)
		return corrupt(err, w, lg, "line 6 is not 'checkpoint' and the length of the note after it");
	cp_len = (size_t)u;
	if (state_take_note(lg, buf + c.pos, cp_len) != 0)
		return corrupt(err, w, lg, "the stored note is not a checkpoint with its size and root");
	lg->cosigned = 1;
	return 0;
}

/* Loads lg's state file, if it has one. Returns 0, GB_EIO or GB_ECORRUPT. */
static int state_load(gb_witness *w, struct wlog *lg, gb_err *err)
{
	assert(w != NULL && lg != NULL);
	char path[PATH_MAX];
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc = gb_file_read(file_path(w, lg->file, path), STATE_FILE_MAX, &buf, &len, err);
	if (rc == GB_ENOTFOUND)
		return 0; /* never cosigned for this log */
	if (rc == GB_ETOOBIG)
		return corrupt(err, w, lg, "it is over the size limit of a state file");
	if (rc == 0)
		rc = state_parse(w, lg, (const char *)buf, len, err);
	free(buf);
	return rc;
}

/* ------------------------------------------------------------ decision */

/*
 * Opens the note of rq: well formed (GB_ENOTE), a checkpoint (GB_ENOTE) of a
 * witnessed origin (GB_ENOTFOUND), validly signed by that log's key and by
 * no bad signature of it (GB_ENOTESIG). Sets *cp, *out and note.
 */
static int authenticate(gb_witness *w, const struct add_req *rq, gb_checkpoint *cp,
	struct wlog **out, gb_note *note, gb_err *err)
{
	assert(w != NULL && rq != NULL);
	assert(cp != NULL && out != NULL && note != NULL);
	/* With no verifiers a well-formed note opens with GB_ENOTESIG ("no known key"). */
	int rc = gb_note_open(rq->note, rq->note_len, NULL, 0, note, err);
	if (rc != GB_ENOTESIG)
		return gb_err_prefix(err, rc, "checkpoint note: ");
	rc = gb_checkpoint_parse(note->text, note->text_len, cp, err);
	if (rc != 0)
		return rc;
	struct wlog *lg = NULL;
	for (size_t i = 0; i < w->log_count && lg == NULL; i++)
		if (strcmp(w->logs[i].cfg.origin, cp->origin) == 0)
			lg = &w->logs[i];
	if (lg == NULL)
		return gb_err_set(err, GB_ENOTFOUND, "origin '%s' is not a log this witness witnesses",
			cp->origin);
	rc = gb_note_open(rq->note, rq->note_len, &lg->cfg.key, 1, note, err);
	if (rc != 0)
		return gb_err_prefix(err, rc, "checkpoint of '%s': ", cp->origin);
	*out = lg;
	return 0;
}

/*
 * Checks rq's consistency proof from lg's cosigned tree (of size rq->old,
 * the caller checked) to cp. Returns 0 or GB_EPROOF.
 */
static int check_proof(const struct wlog *lg, const struct add_req *rq, const gb_checkpoint *cp,
	gb_err *err)
{
	assert(lg != NULL && rq != NULL && cp != NULL);
	assert(rq->old <= cp->size);
	if ((rq->old == 0 || rq->old == cp->size) && rq->proof_count != 0)
		return gb_err_set(err, GB_EPROOF, "old size %" PRIu64 " and size %" PRIu64
			" take no proof lines, got %zu", rq->old, cp->size, rq->proof_count);
	if (rq->old == 0) {
		uint8_t empty[GB_HASH_BYTES];
		gb_merkle_empty_root(empty);
		if (cp->size == 0 && memcmp(cp->root, empty, GB_HASH_BYTES) != 0)
			return gb_err_set(err, GB_EPROOF, "a tree of size 0 has the root SHA-256(\"\")");
		return 0;
	}
	if (rq->old == cp->size)
		return 0; /* the roots are equal: the caller checked for a split view */
	gb_bytes proof[GB_WITNESS_PROOF_MAX];
	for (size_t i = 0; i < rq->proof_count; i++)
		proof[i] = (gb_bytes){ rq->proof[i], GB_HASH_BYTES };
	int rc = gb_merkle_verify_consistency(rq->old, cp->size, (gb_bytes){ lg->root, GB_HASH_BYTES },
		(gb_bytes){ cp->root, GB_HASH_BYTES }, proof, rq->proof_count);
	if (rc != 0)
		return gb_err_set(err, GB_EPROOF, "consistency proof of '%s' from size %" PRIu64
			" (cosigned) to %" PRIu64 " does not verify (%zu lines)", cp->origin, rq->old,
			cp->size, rq->proof_count);
	return 0;
}

/*
 * Keeps a split view: writes the cosigned note and the offending request to
 * DIR/<file>.splitview.<16 hex of SHA-256(request)> (once per distinct
 * request, at most GB_WITNESS_EVIDENCE_MAX per open). Returns GB_ESPLITVIEW
 * with a message naming the evidence file.
 */
static int split_view(gb_witness *w, struct wlog *lg, const gb_checkpoint *cp, const char *body,
	size_t len, uint64_t now_s, gb_err *err)
{
	assert(w != NULL && lg != NULL && cp != NULL);
	assert(len <= GB_WITNESS_BODY_MAX);
	uint8_t sum[crypto_hash_sha256_BYTES];
	char hex[HEX_NAME_LEN + 1], name[NAME_MAX + 1];
	crypto_hash_sha256(sum, (const uint8_t *)body, len);
	sodium_bin2hex(hex, sizeof hex, sum, sizeof sum);
	snprintf(name, sizeof name, "%s.splitview.%.16s", lg->file, hex);
	const char *kept = "kept in";
	gb_err werr = { 0, "" };
	char *buf = NULL;
	char path[PATH_MAX];
	if (access(file_path(w, name, path), F_OK) == 0) {
		kept = "already kept in";
	} else if (w->evidence_count >= GB_WITNESS_EVIDENCE_MAX) {
		kept = "NOT kept (limit of evidence files reached), would be";
	} else if ((buf = malloc(EVIDENCE_FILE_MAX)) == NULL) {
		kept = "NOT kept (out of memory), would be";
	} else {
		int n = snprintf(buf, EVIDENCE_FILE_MAX, EVIDENCE_MAGIC "origin %s\ntime %" PRIu64
			"\ncheckpoint %zu\n", lg->cfg.origin, now_s, lg->note_len);
		size_t off = (size_t)n;
		memcpy(buf + off, lg->note, lg->note_len);
		off += lg->note_len;
		off += (size_t)snprintf(buf + off, EVIDENCE_FILE_MAX - off, "request %zu\n", len);
		memcpy(buf + off, body, len);
		off += len;
		assert(off + SUM_LINE_LEN <= EVIDENCE_FILE_MAX);
		append_sum(buf, &off);
		if (write_durably(w, name, buf, off, &werr) == 0)
			w->evidence_count++;
		else
			kept = "NOT kept (cannot write it), would be";
	}
	free(buf);
	return gb_err_set(err, GB_ESPLITVIEW, "SPLIT VIEW of '%s': size %" PRIu64 " was cosigned with"
		" another root; the log signed both; evidence %s '%s/%s'%s%s", cp->origin, cp->size,
		kept, w->dir, name, werr.code ? ": " : "", werr.msg);
}

/*
 * The decision under the witness's mutex: split view, old size, proof; then
 * the cosignature, made and persisted before lg changes. On GB_ESTATE sets
 * *latest. Returns 0 with the line in line[0..*line_len), or the code.
 */
static int decide(gb_witness *w, struct wlog *lg, const struct add_req *rq,
	const gb_checkpoint *cp, const gb_note *note, const char *body, size_t len,
	uint64_t now_s, char line[GB_NOTE_LINE_MAX], size_t *line_len, uint64_t *latest,
	gb_err *err)
{
	assert(w != NULL && lg != NULL && rq != NULL);
	assert(cp != NULL && note != NULL && latest != NULL);
	*latest = lg->cosigned ? lg->size : 0;
	if (lg->cosigned && cp->size == lg->size && memcmp(cp->root, lg->root, GB_HASH_BYTES) != 0)
		return split_view(w, lg, cp, body, len, now_s, err);
	if (rq->old != *latest)
		return gb_err_set(err, GB_ESTATE, "old size %" PRIu64 " is not %" PRIu64
			", the size last cosigned for '%s'", rq->old, *latest, cp->origin);
	int rc = check_proof(lg, rq, cp, err);
	if (rc == 0)
		rc = gb_note_signature_line(note->text, note->text_len, &w->key, now_s, line,
			line_len, err);
	if (rc != 0)
		return rc;
	char *buf = malloc(STATE_FILE_MAX);
	if (buf == NULL)
		return gb_err_set(err, GB_ENOMEM, "out of memory writing the witness state");
	size_t file_len = state_format(lg, cp, line, *line_len, rq->note, rq->note_len, buf);
	rc = write_durably(w, lg->file, buf, file_len, err);
	free(buf);
	if (rc != 0)
		return rc;
	lg->cosigned = 1;
	lg->size = cp->size;
	memcpy(lg->root, cp->root, GB_HASH_BYTES);
	memcpy(lg->note, rq->note, rq->note_len);
	lg->note_len = rq->note_len;
	return 0;
}

/* Fills the answer for outcome rc (line: the cosignature when rc is 0). */
static void answer_fill(gb_witness_answer *a, int rc, const char *line, size_t line_len,
	uint64_t latest, const gb_err *e)
{
	assert(a != NULL && e != NULL);
	a->status = gb_witness_http_status(rc);
	a->ctype = GB_WITNESS_CTYPE_TEXT;
	int n;
	if (rc == 0) {
		assert(line_len < sizeof a->body);
		memcpy(a->body, line, line_len);
		a->body[line_len] = '\0';
		a->len = line_len;
		return;
	}
	if (rc == GB_ESTATE) {
		a->ctype = GB_WITNESS_CTYPE_SIZE;
		n = snprintf(a->body, sizeof a->body, "%" PRIu64 "\n", latest);
	} else {
		n = snprintf(a->body, sizeof a->body, "%s: %s\n", gb_errname(rc), e->msg);
	}
	assert(n > 0);
	a->len = (size_t)n < sizeof a->body ? (size_t)n : sizeof a->body - 1;
	a->body[a->len - 1] = '\n'; /* a truncated message still ends its line */
}

int gb_witness_add_checkpoint(gb_witness *w, const char *body, size_t len, uint64_t now_s,
	gb_witness_answer *a, gb_err *err)
{
	assert(w != NULL && a != NULL);
	assert(body != NULL || len == 0);
	assert(now_s <= INT64_MAX);
	gb_err e = { 0, "" };
	struct add_req rq;
	gb_checkpoint cp;
	gb_note note;
	struct wlog *lg = NULL;
	char line[GB_NOTE_LINE_MAX];
	size_t line_len = 0;
	uint64_t latest = 0;
	int rc = parse_body(body, len, &rq, &e);
	if (rc == 0)
		rc = authenticate(w, &rq, &cp, &lg, &note, &e);
	if (rc == 0 && rq.old > cp.size)
		rc = gb_err_set(&e, GB_ERANGE, "old size %" PRIu64 " is over the checkpoint's size %"
			PRIu64, rq.old, cp.size);
	if (rc == 0) {
		pthread_mutex_lock(&w->mu);
		rc = decide(w, lg, &rq, &cp, &note, body, len, now_s, line, &line_len, &latest, &e);
		pthread_mutex_unlock(&w->mu);
	}
	answer_fill(a, rc, line, line_len, latest, &e);
	if (err != NULL)
		*err = e;
	return rc;
}

int gb_witness_latest(gb_witness *w, const char *origin, uint64_t *size,
	uint8_t root[GB_HASH_BYTES], gb_err *err)
{
	assert(w != NULL && origin != NULL);
	assert(size != NULL && root != NULL);
	int rc = GB_ENOTFOUND;
	pthread_mutex_lock(&w->mu);
	for (size_t i = 0; i < w->log_count; i++) {
		const struct wlog *lg = &w->logs[i];
		if (strcmp(lg->cfg.origin, origin) != 0 || !lg->cosigned)
			continue;
		*size = lg->size;
		memcpy(root, lg->root, GB_HASH_BYTES);
		rc = 0;
	}
	pthread_mutex_unlock(&w->mu);
	if (rc != 0)
		return gb_err_set(err, rc, "no checkpoint of '%s' cosigned here", origin);
	return 0;
}

/* ------------------------------------------------------------ lifecycle */

/* Checks the key and the logs given to gb_witness_open. */
static int check_config(const gb_seckey *key, const gb_witness_log *logs, size_t count,
	gb_err *err)
{
	assert(key != NULL);
	assert(logs != NULL || count == 0);
	if (key->pub.alg != GB_ALG_COSIGNATURE_V1)
		return gb_err_set(err, GB_EINVAL, "witness key '%s' has alg 0x%02x, want 0x04 "
			"(cosignature/v1: gongbao keygen --witness)", key->pub.name, key->pub.alg);
	if (count == 0 || count > GB_WITNESS_LOGS_MAX)
		return gb_err_set(err, GB_EINVAL, "%zu logs: want 1 to %d", count, GB_WITNESS_LOGS_MAX);
	for (size_t i = 0; i < count; i++) {
		gb_checkpoint probe = { .size = 0 };
		char text[GB_ORIGIN_MAX + 80];
		size_t text_len;
		memcpy(probe.origin, logs[i].origin, sizeof probe.origin);
		if (memchr(logs[i].origin, '\0', sizeof logs[i].origin) == NULL ||
		    gb_checkpoint_format(&probe, text, sizeof text, &text_len) != 0)
			return gb_err_set(err, GB_EINVAL, "log %zu: origin '%.64s' is not a checkpoint origin",
				i, logs[i].origin);
		if (logs[i].key.alg != GB_ALG_ED25519)
			return gb_err_set(err, GB_EINVAL, "log '%s': its key must be alg 0x01, not 0x%02x",
				logs[i].origin, logs[i].key.alg);
		for (size_t j = 0; j < i; j++)
			if (strcmp(logs[i].origin, logs[j].origin) == 0)
				return gb_err_set(err, GB_EINVAL, "log '%s' is given twice", logs[i].origin);
	}
	return 0;
}

/* Makes (if missing), opens and locks the state directory. */
static int open_dir(gb_witness *w, const char *dir, gb_err *err)
{
	assert(w != NULL && dir != NULL);
	/* Room for "/", a 64-digit name, ".splitview.", 16 digits and ".tmp". */
	if (strlen(dir) >= sizeof w->dir - 100)
		return gb_err_set(err, GB_EINVAL, "state directory path is over %zu bytes",
			sizeof w->dir - 101);
	snprintf(w->dir, sizeof w->dir, "%s", dir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return gb_err_set(err, GB_EIO, "cannot make the state directory '%s': %s", dir, strerror(errno));
	char path[PATH_MAX];
	w->lock_fd = open(file_path(w, "lock", path), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (w->lock_fd < 0)
		return gb_err_set(err, GB_EIO, "cannot open '%s': %s", path, strerror(errno));
	if (flock(w->lock_fd, LOCK_EX | LOCK_NB) != 0)
		return gb_err_set(err, GB_EIO, "state directory '%s' is in use by another witness (%s)",
			dir, strerror(errno));
	return 0;
}

int gb_witness_open(const char *dir, const gb_seckey *key, const gb_witness_log *logs,
	size_t count, gb_witness **out, gb_err *err)
{
	assert(dir != NULL && key != NULL && out != NULL);
	*out = NULL;
	int rc = check_config(key, logs, count, err);
	if (rc != 0)
		return rc;
	if (sodium_init() < 0)
		return gb_err_set(err, GB_ENOMEM, "libsodium failed to initialise");
	gb_witness *w = calloc(1, sizeof *w);
	if (w == NULL)
		return gb_err_set(err, GB_ENOMEM, "out of memory opening the witness");
	w->lock_fd = -1;
	w->key = *key;
	pthread_mutex_init(&w->mu, NULL);
	rc = open_dir(w, dir, err);
	for (size_t i = 0; rc == 0 && i < count; i++) {
		struct wlog *lg = &w->logs[i];
		uint8_t sum[crypto_hash_sha256_BYTES];
		lg->cfg = logs[i];
		crypto_hash_sha256(sum, (const uint8_t *)lg->cfg.origin, strlen(lg->cfg.origin));
		sodium_bin2hex(lg->file, sizeof lg->file, sum, sizeof sum);
		w->log_count++;
		rc = state_load(w, lg, err);
	}
	if (rc != 0) {
		gb_witness_close(w);
		return rc;
	}
	*out = w;
	return 0;
}

void gb_witness_close(gb_witness *w)
{
	if (w == NULL)
		return;
	if (w->lock_fd >= 0)
		close(w->lock_fd); /* releases the lock */
	gb_seckey_wipe(&w->key);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

const gb_pubkey *gb_witness_key(const gb_witness *w)
{
	assert(w != NULL);
	return &w->key.pub;
}
