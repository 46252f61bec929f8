/*
 * test_witness.c: the witness's add-checkpoint decision and durable state
 * (gongbao/witness.h, spec/WITNESS.md): every status, the order of the
 * checks, persistence across close and reopen, rollback refused after a
 * restart, split-view evidence, corrupt state files, the directory lock,
 * a failed write, and concurrent requests.
 */
#include "gongbao/witness.h"

#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "witness_fixture.h"

static char root_tmpl[] = "/tmp/gb-witness-XXXXXX";

static gb_witness_log the_log(void)
{
	gb_witness_log lg;
	memset(&lg, 0, sizeof lg);
	snprintf(lg.origin, sizeof lg.origin, "%s", ORIGIN);
	lg.key = log_key.pub;
	return lg;
}

/* A fresh state directory under the suite's temporary directory. */
static const char *new_dir(void)
{
	static char dir[256];
	static int seq;
	snprintf(dir, sizeof dir, "%s/w%d", root_tmpl, ++seq);
	return dir;
}

static gb_witness *open_witness(const char *dir)
{
	gb_witness_log lg = the_log();
	gb_witness *w = NULL;
	gb_err err;
	int rc = gb_witness_open(dir, &wit_key, &lg, 1, &w, &err);
	if (rc != 0)
		fprintf(stderr, "\nopen: %s\n", err.msg);
	CU_ASSERT_FATAL(rc == 0);
	return w;
}

/*
 * Sends body and checks the outcome: code, status, and (if want_body) the
 * exact answer body; `needle` must be in the message of a failure.
 */
static void expect(gb_witness *w, const char *body, size_t len, int code, unsigned status,
	const char *want_body, const char *needle)
{
	gb_witness_answer a;
	gb_err err = { 0, "" };
	int rc = gb_witness_add_checkpoint(w, body, len, NOW, &a, &err);
	CU_ASSERT_EQUAL(rc, code);
	CU_ASSERT_EQUAL(a.status, status);
	CU_ASSERT_EQUAL(a.len, strlen(a.body));
	CU_ASSERT(a.len > 0 && a.body[a.len - 1] == '\n');
	if (rc != code || a.status != status)
		fprintf(stderr, "\nwant %s %u, got %s %u: %s\n", gb_errname(code), status,
			gb_errname(rc), a.status, err.msg);
	if (want_body != NULL)
		CU_ASSERT_STRING_EQUAL(a.body, want_body);
	if (needle != NULL && strstr(err.msg, needle) == NULL) {
		fprintf(stderr, "\nmessage '%s' lacks '%s'\n", err.msg, needle);
		CU_FAIL("the message does not say what is wrong");
	}
	if (code != 0 && code != GB_ESTATE) {
		CU_ASSERT_STRING_EQUAL(a.ctype, GB_WITNESS_CTYPE_TEXT);
		CU_ASSERT(strncmp(a.body, gb_errname(code), strlen(gb_errname(code))) == 0);
	}
}

/* Expects 409 GB_ESTATE with body "LATEST\n" as text/x.tlog.size. */
static void expect_stale(gb_witness *w, const char *body, size_t len, uint64_t latest)
{
	char want[32];
	snprintf(want, sizeof want, "%" PRIu64 "\n", latest);
	gb_witness_answer a;
	int rc = gb_witness_add_checkpoint(w, body, len, NOW, &a, NULL);
	CU_ASSERT_EQUAL(rc, GB_ESTATE);
	CU_ASSERT_EQUAL(a.status, 409);
	CU_ASSERT_STRING_EQUAL(a.ctype, "text/x.tlog.size");
	CU_ASSERT_STRING_EQUAL(a.body, want);
}

static void expect_latest(gb_witness *w, uint64_t size, struct tree *t)
{
	uint64_t got = 0;
	uint8_t root[GB_HASH_BYTES], want[GB_HASH_BYTES];
	CU_ASSERT_FATAL(gb_witness_latest(w, ORIGIN, &got, root, NULL) == 0);
	CU_ASSERT_EQUAL(got, size);
	root_of(t, size, want);
	CU_ASSERT(memcmp(root, want, GB_HASH_BYTES) == 0);
}

/* Cosigns (old -> size of main_tree) and checks the line verifies over the note. */
static void cosign_ok(gb_witness *w, uint64_t old, uint64_t size)
{
	static char body[GB_WITNESS_BODY_MAX + 1];
	size_t len = make_body(body, old, &main_tree, size, &log_key);
	gb_witness_answer a;
	gb_err err;
	int rc = gb_witness_add_checkpoint(w, body, len, NOW, &a, &err);
	if (rc != 0)
		fprintf(stderr, "\ncosign %" PRIu64 " -> %" PRIu64 ": %s\n", old, size, err.msg);
	CU_ASSERT_FATAL(rc == 0);
	CU_ASSERT_EQUAL(a.status, 200);
	CU_ASSERT_STRING_EQUAL(a.ctype, "text/plain; charset=utf-8");
	CU_ASSERT(strncmp(a.body, EM_DASH " gongbao.test/w1 ", strlen(EM_DASH " gongbao.test/w1 ")) == 0);
	/* The answer is exactly the line of gb_note_add_signature at NOW, and verifies. */
	const char *note = strstr(body, "\n\n") + 2;
	char cosigned[GB_NOTE_MAX + GB_NOTE_LINE_MAX];
	size_t note_len = len - (size_t)(note - body), cl = note_len;
	memcpy(cosigned, note, note_len);
	CU_ASSERT_FATAL(gb_note_add_signature(cosigned, sizeof cosigned, &cl, &wit_key, NOW, &err) == 0);
	CU_ASSERT(cl == note_len + a.len);
	CU_ASSERT(memcmp(cosigned + note_len, a.body, a.len) == 0);
	gb_note opened;
	gb_pubkey v[2] = { log_key.pub, wit_key.pub };
	CU_ASSERT(gb_note_open(cosigned, cl, v, 2, &opened, &err) == 0);
	CU_ASSERT(opened.verified_count == 2);
	expect_latest(w, size, &main_tree);
}

/* ---------------------------------------------------------------- tests */

static void test_cosign_and_extend(void)
{
	gb_witness *w = open_witness(new_dir());
	uint64_t size;
	uint8_t root[GB_HASH_BYTES];
	CU_ASSERT(gb_witness_latest(w, ORIGIN, &size, root, NULL) == GB_ENOTFOUND);
	cosign_ok(w, 0, 5);      /* first: old 0, no proof */
	cosign_ok(w, 5, 5);      /* the same checkpoint again */
	cosign_ok(w, 5, 9);      /* extended, with a proof */
	cosign_ok(w, 9, 16);
	cosign_ok(w, 16, 17);
	CU_ASSERT(gb_witness_latest(w, "other.origin", &size, root, NULL) == GB_ENOTFOUND);
	gb_witness_close(w);
}

static void test_stale_and_rollback(void)
{
	gb_witness *w = open_witness(new_dir());
	char body[GB_WITNESS_BODY_MAX + 1];
	size_t len = make_body(body, 5, &main_tree, 9, &log_key);
	expect_stale(w, body, len, 0);        /* old 5, never cosigned */
	cosign_ok(w, 0, 9);
	len = make_body(body, 5, &main_tree, 12, &log_key);
	expect_stale(w, body, len, 9);        /* old 5 is not 9 */
	len = make_body(body, 0, &main_tree, 5, &log_key);
	expect_stale(w, body, len, 9);        /* a rolled-back (smaller) checkpoint */
	len = make_body(body, 5, &main_tree, 5, &log_key);
	expect_stale(w, body, len, 9);        /* rolled back, claiming old = its own size */
	len = make_body(body, 0, &main_tree, 12, &log_key);
	expect_stale(w, body, len, 9);        /* a larger tree from old 0 */
	expect_latest(w, 9, &main_tree);
	gb_witness_close(w);
}

/* 1 if needle[0..nlen) occurs in hay[0..hlen). */
static int contains(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	for (size_t i = 0; i + nlen <= hlen; i++)
		if (memcmp(hay + i, needle, nlen) == 0)
			return 1;
	return 0;
}

/* The split view: same size, another root, both signed by the log. */
static void test_split_view(void)
{
	const char *dir = new_dir();
	gb_witness *w = open_witness(dir);
	cosign_ok(w, 0, 9);
	char body[GB_WITNESS_BODY_MAX + 1];
	size_t len = make_body(body, 9, &fork_tree, 9, &log_key);
	expect(w, body, len, GB_ESPLITVIEW, 409, NULL, "SPLIT VIEW of '" ORIGIN "': size 9");
	expect_latest(w, 9, &main_tree);
	/* Also with an old size that is not the cosigned one: the evidence counts first. */
	char body2[GB_WITNESS_BODY_MAX + 1];
	size_t len2 = make_body(body2, 5, &fork_tree, 9, &log_key);
	expect(w, body2, len2, GB_ESPLITVIEW, 409, NULL, "evidence kept in");
	/* The evidence file holds the cosigned note and the offending request. */
	uint8_t sum[32], osum[32];
	char hex[65], path[512];
	crypto_hash_sha256(osum, (const uint8_t *)ORIGIN, strlen(ORIGIN));
	char ohex[65];
	sodium_bin2hex(ohex, sizeof ohex, osum, sizeof osum);
	crypto_hash_sha256(sum, (const uint8_t *)body, len);
	sodium_bin2hex(hex, sizeof hex, sum, sizeof sum);
	snprintf(path, sizeof path, "%s/%s.splitview.%.16s", dir, ohex, hex);
	FILE *f = fopen(path, "rb");
	CU_ASSERT_FATAL(f != NULL);
	static char ev[2 * GB_WITNESS_BODY_MAX];
	size_t ev_len = fread(ev, 1, sizeof ev - 1, f);
	fclose(f);
	ev[ev_len] = '\0';
	CU_ASSERT(strncmp(ev, "gongbao-witness-evidence v1\norigin " ORIGIN "\n", 47) == 0);
	CU_ASSERT(ev_len > len && contains(ev, ev_len, body, len));
	char main_note[GB_NOTE_MAX];
	uint8_t root[GB_HASH_BYTES];
	root_of(&main_tree, 9, root);
	size_t mn = make_note(main_note, &log_key, ORIGIN, 9, root);
	CU_ASSERT(contains(ev, ev_len, main_note, mn));
	/* The same request again: already kept, still refused. */
	expect(w, body, len, GB_ESPLITVIEW, 409, NULL, "evidence already kept in");
	/* The honest log goes on. */
	cosign_ok(w, 9, 12);
	gb_witness_close(w);
}

static void test_bad_proofs(void)
{
	gb_witness *w = open_witness(new_dir());
	char body[GB_WITNESS_BODY_MAX + 1];
	/* old 0 takes no proof lines. */
	size_t len = make_body(body, 0, &main_tree, 9, &log_key);
	char *p = body + strlen("old 0\n");
	memmove(p + 45, p, len - (size_t)(p - body) + 1);
	memcpy(p, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", 45);
	expect(w, body, len + 45, GB_EPROOF, 422, NULL, "take no proof lines, got 1");
	cosign_ok(w, 0, 9);
	/* A proof from the diverging copy: 422, nothing cosigned. */
	uint8_t root[GB_HASH_BYTES];
	char note[GB_NOTE_MAX];
	len = put_head(body, 9, &fork_tree, 12);
	root_of(&main_tree, 12, root);
	len += make_note(body + len, &log_key, ORIGIN, 12, root);
	expect(w, body, len, GB_EPROOF, 422, NULL, "from size 9 (cosigned) to 12 does not verify");
	/* The diverging copy's own checkpoint with its own proof: 422 as well. */
	len = make_body(body, 9, &fork_tree, 12, &log_key);
	expect(w, body, len, GB_EPROOF, 422, NULL, "does not verify");
	/* A correct proof with one hash changed, one dropped, one added. */
	len = make_body(body, 9, &main_tree, 12, &log_key);
	body[6] = body[6] == 'A' ? 'B' : 'A';
	expect(w, body, len, GB_EPROOF, 422, NULL, "does not verify");
	len = make_body(body, 9, &main_tree, 12, &log_key);
	memmove(body + 6, body + 6 + 45, len - 6 - 45 + 1);
	expect(w, body, len - 45, GB_EPROOF, 422, NULL, "does not verify");
	len = make_body(body, 9, &main_tree, 12, &log_key);
	memmove(body + 6 + 45, body + 6, len - 6 + 1);
	expect(w, body, len + 45, GB_EPROOF, 422, NULL, "does not verify");
	/* The same size again with a proof line. */
	root_of(&main_tree, 9, root);
	len = (size_t)sprintf(body, "old 9\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n");
	size_t nl = make_note(note, &log_key, ORIGIN, 9, root);
	memcpy(body + len, note, nl);
	expect(w, body, len + nl, GB_EPROOF, 422, NULL, "take no proof lines");
	/* A tree of size 0 must have the empty root. */
	gb_witness *w0 = open_witness(new_dir());
	len = (size_t)sprintf(body, "old 0\n\n");
	len += make_note(body + len, &log_key, ORIGIN, 0, root);
	expect(w0, body, len, GB_EPROOF, 422, NULL, "size 0");
	gb_merkle_empty_root(root);
	len = (size_t)sprintf(body, "old 0\n\n");
	len += make_note(body + len, &log_key, ORIGIN, 0, root);
	expect(w0, body, len, 0, 200, NULL, NULL);
	gb_witness_close(w0);
	expect_latest(w, 9, &main_tree);
	gb_witness_close(w);
}

/* Malformed bodies: 400 (or 413), in the order of the checks. */
static void test_malformed(void)
{
	gb_witness *w = open_witness(new_dir());
	char note[GB_NOTE_MAX];
	uint8_t root[GB_HASH_BYTES];
	root_of(&main_tree, 9, root);
	size_t nl = make_note(note, &log_key, ORIGIN, 9, root);
	static const struct { const char *head; const char *needle; } bad[] = {
		{ "", "line 1: want 'old SIZE'" },
		{ "old 05\n\n", "line 1: want 'old SIZE' (decimal, no leading zeros), got 'old 05'" },
		{ "old -1\n\n", "got 'old -1'" },
		{ "old 1 \n\n", "got 'old 1 '" },
		{ "Old 0\n\n", "got 'Old 0'" },
		{ "old  0\n\n", "got 'old  0'" },
		{ "old 0\r\n\n", "got 'old 0?'" },
		{ "old 18446744073709551616\n\n", "got 'old 18446744073709551616'" },
		{ "old 0", "within 25 bytes" },
		{ "old 0\nAAAA\n\n", "line 2: 'AAAA' is not base64 of a 32-byte hash" },
		{ "old 0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n\n", "line 2: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' is not base64" },
		{ "old 0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=A\n\n", "line 2: want a base64 hash (44 characters)" },
		{ "old 0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n\n", "not base64 of a 32-byte hash" },
		{ "old 0\n AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n", "not base64 of a 32-byte hash" },
	};
	char body[GB_WITNESS_BODY_MAX + 64];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t len = strlen(bad[i].head);
		memcpy(body, bad[i].head, len);
		/* "old 0" alone is a body without the note: nothing to append. */
		if (strcmp(bad[i].head, "old 0") != 0) {
			memcpy(body + len, note, nl);
			len += nl;
		}
		expect(w, body, len, GB_EINVAL, 400, NULL, bad[i].needle);
	}
	/* No empty line: the note's first line is not a hash. */
	size_t len = (size_t)sprintf(body, "old 0\n");
	memcpy(body + len, note, nl);
	expect(w, body, len + nl, GB_EINVAL, 400, NULL, "line 2: '" ORIGIN "' is not base64 of a 32-byte hash");
	/* 64 proof lines: one too many. */
	len = (size_t)sprintf(body, "old 0\n");
	for (int i = 0; i < 64; i++)
		len += (size_t)sprintf(body + len, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
	body[len++] = '\n';
	memcpy(body + len, note, nl);
	expect(w, body, len + nl, GB_EINVAL, 400, NULL, "more than 63 consistency proof lines");
	/* Malformed notes and checkpoints: GB_ENOTE. */
	len = (size_t)sprintf(body, "old 0\n\n");
	expect(w, body, len, GB_ENOTE, 400, NULL, "checkpoint note: note does not end with a newline");
	len = (size_t)sprintf(body, "old 0\n\n%.*s", (int)(strstr(note, "\n\n") - note + 1), note);
	expect(w, body, len, GB_ENOTE, 400, NULL, "no blank line before its signatures");
	char text_note[GB_NOTE_MAX];
	size_t tl = 0;
	CU_ASSERT_FATAL(gb_note_sign("hello\n", 6, &log_key, text_note, sizeof text_note, &tl, NULL) == 0);
	len = (size_t)sprintf(body, "old 0\n\n%.*s", (int)tl, text_note);
	expect(w, body, len, GB_ENOTE, 400, NULL, "checkpoint has 1 line, want at least 3");
	/* old > size: 400 GB_ERANGE, after the signature is checked. */
	len = (size_t)sprintf(body, "old 10\n\n");
	memcpy(body + len, note, nl);
	expect(w, body, len + nl, GB_ERANGE, 400, NULL, "old size 10 is over the checkpoint's size 9");
	/* Over the body limit: 413. */
	static char big[GB_WITNESS_BODY_MAX + 2];
	memset(big, 'A', sizeof big);
	expect(w, big, GB_WITNESS_BODY_MAX + 1, GB_ETOOBIG, 413, NULL, "over the limit of 19245");
	/* Nothing was cosigned. */
	uint64_t size;
	CU_ASSERT(gb_witness_latest(w, ORIGIN, &size, root, NULL) == GB_ENOTFOUND);
	gb_witness_close(w);
}

/* 404 for an origin not witnessed; 403 for a note not validly signed by the log. */
static void test_unknown_and_unsigned(void)
{
	gb_witness *w = open_witness(new_dir());
	char body[GB_WITNESS_BODY_MAX + 1], note[GB_NOTE_MAX];
	uint8_t root[GB_HASH_BYTES];
	root_of(&main_tree, 9, root);
	size_t len = (size_t)sprintf(body, "old 0\n\n");
	len += make_note(body + len, &log_key, "gongbao.test/other", 9, root);
	expect(w, body, len, GB_ENOTFOUND, 404, NULL, "origin 'gongbao.test/other' is not a log this witness witnesses");
	/* Signed by another key: no known signature. */
	len = (size_t)sprintf(body, "old 0\n\n");
	len += make_note(body + len, &other_key, ORIGIN, 9, root);
	expect(w, body, len, GB_ENOTESIG, 403, NULL, "checkpoint of '" ORIGIN "': no signature on the note is by a known key");
	/* Signed by the log's key, one signature byte changed. */
	len = (size_t)sprintf(body, "old 0\n\n");
	size_t nl = make_note(note, &log_key, ORIGIN, 9, root);
	memcpy(body + len, note, nl);
	char *sig = body + len + nl - 10;
	*sig = *sig == 'A' ? 'B' : 'A';
	expect(w, body, len + nl, GB_ENOTESIG, 403, NULL, "does not verify");
	/* The signed text changed (size 9 -> 8, same signature). */
	memcpy(body + len, note, nl);
	char *size_line = strchr(body + len, '\n') + 1;
	*size_line = '8';
	expect(w, body, len + nl, GB_ENOTESIG, 403, NULL, "does not verify");
	/* A good log signature and a bad one of the same key after it: Go drops the later line. */
	memcpy(body + len, note, nl);
	const char *line = strstr(note, "\n\n") + 2;
	size_t line_len = nl - (size_t)(line - note);
	memcpy(body + len + nl, line, line_len);
	body[len + nl + line_len - 10] ^= 1;
	expect(w, body, len + nl + line_len, 0, 200, NULL, NULL);
	/* Old > size with a bad signature: the signature is checked first (403). */
	len = (size_t)sprintf(body, "old 10\n\n");
	len += make_note(body + len, &other_key, ORIGIN, 9, root);
	expect(w, body, len, GB_ENOTESIG, 403, NULL, NULL);
	/* Extra signatures by unknown keys are ignored. */
	uint8_t root12[GB_HASH_BYTES];
	root_of(&main_tree, 12, root12);
	len = put_head(body, 9, &main_tree, 12);
	nl = make_note(note, &log_key, ORIGIN, 12, root12);
	size_t nl2 = nl;
	CU_ASSERT_FATAL(gb_note_add_signature(note, sizeof note, &nl2, &other_key, 0, NULL) == 0);
	memcpy(body + len, note, nl2);
	expect(w, body, len + nl2, 0, 200, NULL, NULL);
	expect_latest(w, 12, &main_tree);
	gb_witness_close(w);
}

/* The state survives close and reopen; a rollback is refused after the restart. */
static void test_persistence(void)
{
	const char *dir = new_dir();
	gb_witness *w = open_witness(dir);
	cosign_ok(w, 0, 9);
	cosign_ok(w, 9, 12);
	gb_witness_close(w);
	w = open_witness(dir);
	expect_latest(w, 12, &main_tree);
	char body[GB_WITNESS_BODY_MAX + 1];
	size_t len = make_body(body, 0, &main_tree, 9, &log_key);
	expect_stale(w, body, len, 12);
	len = make_body(body, 9, &main_tree, 12, &log_key);
	expect_stale(w, body, len, 12);
	len = make_body(body, 12, &fork_tree, 12, &log_key);
	expect(w, body, len, GB_ESPLITVIEW, 409, NULL, "SPLIT VIEW");
	cosign_ok(w, 12, 20);
	gb_witness_close(w);
	/* The second open sees the state the first one wrote last. */
	w = open_witness(dir);
	expect_latest(w, 20, &main_tree);
	/* The directory is locked while open. */
	gb_witness *w2 = NULL;
	gb_witness_log lg = the_log();
	gb_err err;
	CU_ASSERT(gb_witness_open(dir, &wit_key, &lg, 1, &w2, &err) == GB_EIO);
	CU_ASSERT_PTR_NULL(w2);
	CU_ASSERT(strstr(err.msg, "is in use by another witness") != NULL);
	gb_witness_close(w);
	/* Another witness state may open once the first is closed. */
	w = open_witness(dir);
	gb_witness_close(w);
}

/* The path of the state file of ORIGIN in dir. */
static void state_path(const char *dir, char *out, size_t cap)
{
	uint8_t sum[32];
	char hex[65];
	crypto_hash_sha256(sum, (const uint8_t *)ORIGIN, strlen(ORIGIN));
	sodium_bin2hex(hex, sizeof hex, sum, sizeof sum);
	snprintf(out, cap, "%s/%s", dir, hex);
}

static size_t slurp(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	CU_ASSERT_FATAL(f != NULL);
	size_t n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static void spit(const char *path, const char *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_FATAL(fwrite(buf, 1, len, f) == len);
	fclose(f);
}

/* Rewrites the last line of buf[0..len) as the sha256 of the bytes before it. */
static void fix_sum(char *buf, size_t len)
{
	uint8_t sum[32];
	char hex[65];
	size_t body = len - (7 + 64 + 1);
	crypto_hash_sha256(sum, (const uint8_t *)buf, body);
	sodium_bin2hex(hex, sizeof hex, sum, sizeof sum);
	memcpy(buf + body + 7, hex, 64);
}

/* Expects gb_witness_open on dir to fail with GB_ECORRUPT naming the file and `what`. */
static void expect_corrupt(const char *dir, const char *file, const char *what)
{
	gb_witness *w = NULL;
	gb_witness_log lg = the_log();
	gb_err err;
	CU_ASSERT_EQUAL(gb_witness_open(dir, &wit_key, &lg, 1, &w, &err), GB_ECORRUPT);
	CU_ASSERT_PTR_NULL(w);
	CU_ASSERT(strstr(err.msg, file) != NULL);
	if (strstr(err.msg, what) == NULL)
		fprintf(stderr, "\nmessage '%s' lacks '%s'\n", err.msg, what);
	CU_ASSERT(strstr(err.msg, what) != NULL);
}

/* A corrupt state file is an error naming it, never a reset. */
static void test_corrupt_state(void)
{
	const char *dir = new_dir();
	gb_witness *w = open_witness(dir);
	cosign_ok(w, 0, 9);
	gb_witness_close(w);
	char path[512];
	state_path(dir, path, sizeof path);
	static char good[GB_NOTE_MAX + 2048], buf[GB_NOTE_MAX + 2048];
	size_t len = slurp(path, good, sizeof good);
	CU_ASSERT_FATAL(len > 200);
	CU_ASSERT(strncmp(good, "gongbao-witness-state v1\norigin " ORIGIN "\nsize 9\nroot ", 52) == 0);
	/* One byte flipped anywhere: the checksum. */
	for (size_t at = 0; at < len; at += len / 7) {
		memcpy(buf, good, len);
		buf[at] ^= 0x20;
		spit(path, buf, len);
		expect_corrupt(dir, path, "is not the sha256 of the bytes before it");
	}
	/* Truncated, empty. */
	spit(path, good, len - 1);
	expect_corrupt(dir, path, "sha256");
	spit(path, good, 0);
	expect_corrupt(dir, path, "sha256");
	/* Well summed but wrong: another size than the note's; another magic. */
	memcpy(buf, good, len);
	char *size_digit = strstr(buf, "\nsize 9\n") + 6;
	*size_digit = '8';
	fix_sum(buf, len);
	spit(path, buf, len);
	expect_corrupt(dir, path, "the stored note is not a checkpoint with its size and root");
	memcpy(buf, good, len);
	buf[22] = '2';
	fix_sum(buf, len);
	spit(path, buf, len);
	expect_corrupt(dir, path, "line 1 is not 'gongbao-witness-state v1'");
	memcpy(buf, good, len);
	*(strstr(buf, "\ncheckpoint ") + 12) = '9';
	fix_sum(buf, len);
	spit(path, buf, len);
	expect_corrupt(dir, path, "line 6 is not 'checkpoint'");
	/* Over the size limit. */
	static char huge[GB_NOTE_MAX + 1100];
	memset(huge, 'x', sizeof huge);
	spit(path, huge, sizeof huge);
	expect_corrupt(dir, path, "is over");
	/* Restored, it opens again with its size. */
	spit(path, good, len);
	w = open_witness(dir);
	expect_latest(w, 9, &main_tree);
	gb_witness_close(w);
}

/* A state that cannot be written: 500, nothing cosigned, the old state kept. */
static void test_write_failure(void)
{
	const char *dir = new_dir();
	gb_witness *w = open_witness(dir);
	cosign_ok(w, 0, 9);
	char path[512], tmp[600];
	state_path(dir, path, sizeof path);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	CU_ASSERT_FATAL(mkdir(tmp, 0700) == 0); /* the temporary file cannot be created */
	char body[GB_WITNESS_BODY_MAX + 1];
	size_t len = make_body(body, 9, &main_tree, 12, &log_key);
	expect(w, body, len, GB_EIO, 500, NULL, ".tmp");
	expect_latest(w, 9, &main_tree);
	CU_ASSERT_FATAL(rmdir(tmp) == 0);
	gb_witness_close(w);
	w = open_witness(dir);
	expect_latest(w, 9, &main_tree);
	cosign_ok(w, 9, 12);
	gb_witness_close(w);
}

static void test_config(void)
{
	const char *dir = new_dir();
	gb_witness_log lg[2] = { the_log(), the_log() };
	gb_witness *w = NULL;
	gb_err err;
	CU_ASSERT(gb_witness_open(dir, &log_key, lg, 1, &w, &err) == GB_EINVAL);
	CU_ASSERT(strstr(err.msg, "want 0x04") != NULL);
	CU_ASSERT(gb_witness_open(dir, &wit_key, lg, 2, &w, &err) == GB_EINVAL);
	CU_ASSERT(strstr(err.msg, "given twice") != NULL);
	CU_ASSERT(gb_witness_open(dir, &wit_key, lg, 0, &w, &err) == GB_EINVAL);
	lg[1].key = wit_key.pub;
	snprintf(lg[1].origin, sizeof lg[1].origin, "gongbao.test/two");
	CU_ASSERT(gb_witness_open(dir, &wit_key, lg, 2, &w, &err) == GB_EINVAL);
	CU_ASSERT(strstr(err.msg, "must be alg 0x01") != NULL);
	lg[1].key = other_key.pub;
	snprintf(lg[1].origin, sizeof lg[1].origin, "bad\norigin");
	CU_ASSERT(gb_witness_open(dir, &wit_key, lg, 2, &w, &err) == GB_EINVAL);
	lg[1].origin[0] = '\0';
	CU_ASSERT(gb_witness_open(dir, &wit_key, lg, 2, &w, &err) == GB_EINVAL);
	CU_ASSERT_PTR_NULL(w);
	/* Two logs: each has its own state. */
	snprintf(lg[1].origin, sizeof lg[1].origin, "gongbao.test/two");
	CU_ASSERT_FATAL(gb_witness_open(dir, &wit_key, lg, 2, &w, &err) == 0);
	CU_ASSERT(memcmp(gb_witness_key(w), &wit_key.pub, sizeof wit_key.pub) == 0);
	char body[GB_WITNESS_BODY_MAX + 1];
	uint8_t root[GB_HASH_BYTES];
	root_of(&main_tree, 3, root);
	size_t len = (size_t)sprintf(body, "old 0\n\n");
	len += make_note(body + len, &other_key, "gongbao.test/two", 3, root);
	expect(w, body, len, 0, 200, NULL, NULL);
	cosign_ok(w, 0, 7);
	uint64_t size = 0;
	CU_ASSERT(gb_witness_latest(w, "gongbao.test/two", &size, root, NULL) == 0);
	CU_ASSERT_EQUAL(size, 3);
	gb_witness_close(w);
	/* A state directory that cannot be made. */
	CU_ASSERT(gb_witness_open("/proc/no/such/dir", &wit_key, lg, 1, &w, &err) == GB_EIO);
}

static void test_http_status(void)
{
	static const struct { int code; unsigned status; } map[] = {
		{ 0, 200 }, { GB_EINVAL, 400 }, { GB_ENOTE, 400 }, { GB_ERANGE, 400 },
		{ GB_ENOTESIG, 403 }, { GB_ENOTFOUND, 404 }, { GB_ESTATE, 409 },
		{ GB_ESPLITVIEW, 409 }, { GB_ETOOBIG, 413 }, { GB_EPROOF, 422 },
		{ GB_EIO, 500 }, { GB_ENOMEM, 500 },
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		CU_ASSERT_EQUAL(gb_witness_http_status(map[i].code), map[i].status);
}

/* Concurrent requests from the same old size: exactly one is cosigned. */
struct racer {
	gb_witness *w;
	char body[GB_WITNESS_BODY_MAX + 1];
	size_t len;
	int rc;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	gb_witness_answer a;
	r->rc = gb_witness_add_checkpoint(r->w, r->body, r->len, NOW, &a, NULL);
	return NULL;
}

static void test_concurrent(void)
{
	gb_witness *w = open_witness(new_dir());
	cosign_ok(w, 0, 9);
	enum { RACERS = 6 };
	static struct racer r[RACERS];
	pthread_t t[RACERS];
	for (int i = 0; i < RACERS; i++) {
		r[i].w = w;
		r[i].len = make_body(r[i].body, 9, &main_tree, 10 + (uint64_t)i, &log_key);
	}
	for (int i = 0; i < RACERS; i++)
		CU_ASSERT_FATAL(pthread_create(&t[i], NULL, race, &r[i]) == 0);
	int ok = 0, stale = 0, winner = -1;
	for (int i = 0; i < RACERS; i++) {
		pthread_join(t[i], NULL);
		if (r[i].rc == 0)
			ok++, winner = i;
		else if (r[i].rc == GB_ESTATE)
			stale++;
	}
	CU_ASSERT_EQUAL(ok, 1);
	CU_ASSERT_EQUAL(stale, RACERS - 1);
	CU_ASSERT_FATAL(winner >= 0);
	expect_latest(w, 10 + (uint64_t)winner, &main_tree);
	gb_witness_close(w);
}

static void test_setup(void)
{
	wf_setup();
	CU_ASSERT_FATAL(gb_test_tmpdir(root_tmpl) != NULL);
}

static void add_tests(CU_pSuite s)
{
	CU_add_test(s, "setup", test_setup);
	CU_add_test(s, "cosign and extend", test_cosign_and_extend);
	CU_add_test(s, "stale and rolled-back checkpoints", test_stale_and_rollback);
	CU_add_test(s, "split view", test_split_view);
	CU_add_test(s, "bad proofs", test_bad_proofs);
	CU_add_test(s, "malformed bodies", test_malformed);
	CU_add_test(s, "unknown origin, bad signatures", test_unknown_and_unsigned);
	CU_add_test(s, "persistence and the lock", test_persistence);
	CU_add_test(s, "corrupt state files", test_corrupt_state);
	CU_add_test(s, "a failed write", test_write_failure);
	CU_add_test(s, "configuration", test_config);
	CU_add_test(s, "http statuses", test_http_status);
	CU_add_test(s, "concurrent requests", test_concurrent);
}

GB_CUNIT_MAIN("witness", add_tests)
