/*
 * test_ledger.c: the store and the ingest pipeline, end to end in-process:
 * charter, memos, idempotency, every rejection, batches all or nothing,
 * proofs and checkpoints against the stored tree, reopening, a full map,
 * and damaged files.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "cu.h"
#include "gongbao/entry.h"
#include "gongbao/json.h"
#include "gongbao/ledger.h"
#include "gongbao/note.h"
#include "gongbao/store.h"

static gb_seckey k_assoc, k_picc, k_reg, k_stranger, k_log;
/* The ledger's clock in these tests: the entries' times are near it. */
static const gb_ledger_opts clock_opts = { .clock_s = 1767225650 };
static char tmp_root[] = "/tmp/gb-test-ledger-XXXXXX";
static int dir_seq;

static void seed_key(gb_seckey *k, const char *name, uint8_t fill)
{
	uint8_t seed[GB_SEED_BYTES];
	memset(seed, fill, sizeof seed);
	CU_ASSERT_FATAL(gb_seckey_from_seed(k, name, GB_ALG_ED25519, seed, NULL) == 0);
}

static void setup_keys(void)
{
	static int done;
	if (done++)
		return;
	CU_ASSERT_FATAL(sodium_init() >= 0);
	CU_ASSERT_FATAL(gb_test_tmpdir(tmp_root) != NULL);
	seed_key(&k_assoc, "zs-assoc", 1);
	seed_key(&k_picc, "picc-zs", 2);
	seed_key(&k_reg, "zs-eb", 3);
	seed_key(&k_stranger, "stranger", 4);
	seed_key(&k_log, "gongbao.test/zs", 5);
}

static void new_dir(char *out, size_t cap)
{
	snprintf(out, cap, "%s/l%d", tmp_root, ++dir_seq);
}

/* Signs the JSON body with the given keys; returns the entry length. */
static size_t make_entry_keys(uint8_t *out, size_t cap, const char *body_json,
	const gb_seckey *const *keys, size_t nkeys)
{
	json_error_t jerr;
	json_t *j = json_loads(body_json, 0, &jerr);
	CU_ASSERT_FATAL(j != NULL);
	uint8_t body[GB_ENTRY_MAX];
	gb_mpw w;
	gb_mpw_init(&w, body, sizeof body);
	gb_err err;
	CU_ASSERT_FATAL(gb_json_to_mp(j, &w, &err) == 0);
	json_decref(j);
	size_t len = 0;
	int rc = gb_entry_sign(body, w.len, keys, nkeys, out, cap, &len, &err);
	CU_ASSERT_FATAL(rc == 0);
	return len;
}

static size_t make_entry(uint8_t *out, size_t cap, const char *body_json, const gb_seckey *key)
{
	const gb_seckey *keys[1] = { key };
	return make_entry_keys(out, cap, body_json, keys, 1);
}

static size_t charter_id(uint8_t *out, size_t cap, const gb_seckey *signer, const char *id)
{
	char vk_a[GB_VKEY_MAX], vk_p[GB_VKEY_MAX], vk_r[GB_VKEY_MAX], body[4096];
	gb_vkey_format(&k_assoc.pub, vk_a);
	gb_vkey_format(&k_picc.pub, vk_p);
	gb_vkey_format(&k_reg.pub, vk_r);
	snprintf(body, sizeof body,
		"{\"v\":1,\"type\":\"charter\",\"consortium\":\"zs-2026\",\"signer\":\"%s\","
		"\"id\":\"%s\",\"time\":1767225600,\"name\":\"Zhoushan work-safety consortium\","
		"\"participants\":[{\"id\":\"zs-assoc\",\"role\":\"association\",\"vkey\":\"%s\"},"
		"{\"id\":\"picc-zs\",\"role\":\"member\",\"vkey\":\"%s\"},"
		"{\"id\":\"zs-eb\",\"role\":\"regulator\",\"vkey\":\"%s\"}]}",
		signer->pub.name, id, vk_a, vk_p, vk_r);
	return make_entry(out, cap, body, signer);
}

static size_t charter(uint8_t *out, size_t cap, const gb_seckey *signer)
{
	return charter_id(out, cap, signer, "charter");
}

static size_t memo(uint8_t *out, size_t cap, const gb_seckey *key, const char *id,
	const char *text)
{
	char body[8192];
	snprintf(body, sizeof body,
		"{\"v\":1,\"type\":\"memo\",\"consortium\":\"zs-2026\",\"signer\":\"%s\","
		"\"id\":\"%s\",\"time\":1767225700,\"text\":\"%s\"}", key->pub.name, id, text);
	return make_entry(out, cap, body, key);
}

/* Flips one bit of the first signature of the entry in buf. */
static void spoil_sig(uint8_t *buf, size_t len)
{
	gb_entry e;
	CU_ASSERT_FATAL(gb_entry_decode(buf, len, &e, NULL) == 0);
	((uint8_t *)e.sigs[0].sig)[10] ^= 0x40;
}

static gb_ledger *new_ledger(char *dir, size_t cap, size_t map_bytes)
{
	setup_keys();
	new_dir(dir, cap);
	uint8_t buf[GB_ENTRY_MAX];
	size_t len = charter(buf, sizeof buf, &k_assoc);
	gb_ledger_opts opts = { .map_bytes = map_bytes, .clock_s = clock_opts.clock_s };
	gb_ledger *l = NULL;
	gb_err err;
	int rc = gb_ledger_create(dir, "gongbao.test/zs", &k_log.pub, buf, len, &opts, &l, &err);
	if (rc != 0)
		fprintf(stderr, "create: %s\n", err.msg);
	CU_ASSERT_FATAL(rc == 0);
	return l;
}

static uint64_t size_of(gb_ledger *l)
{
	uint64_t n = 0;
	CU_ASSERT_FATAL(gb_ledger_size(l, &n, NULL) == 0);
	return n;
}

/* Appends one entry and returns the code; *index gets the result index. */
static int append1(gb_ledger *l, const uint8_t *p, size_t len, gb_append_result *res,
	gb_err *err)
{
	gb_bytes in = { p, len };
	gb_append_result tmp;
	return gb_ledger_append(l, &in, 1, res ? res : &tmp, err);
}

static void test_create_and_roster(void)
{
	char dir[256];
	gb_ledger *l = new_ledger(dir, sizeof dir, 0);
	CU_ASSERT_EQUAL(size_of(l), 1);
	const gb_roster *r = gb_ledger_roster(l);
	CU_ASSERT_EQUAL(r->count, 3);
	CU_ASSERT_STRING_EQUAL(r->consortium, "zs-2026");
	gb_str id = { "picc-zs", 7 };
	const gb_participant *p = gb_roster_find(r, id);
	CU_ASSERT_FATAL(p != NULL);
	CU_ASSERT_EQUAL(p->role, GB_ROLE_MEMBER);
	CU_ASSERT_EQUAL(memcmp(p->key.pk, k_picc.pub.pk, GB_PK_BYTES), 0);
	CU_ASSERT_STRING_EQUAL(gb_ledger_origin(l), "gongbao.test/zs");
	CU_ASSERT_EQUAL(gb_ledger_log_key(l)->keyid, k_log.pub.keyid);
	gb_ledger_close(l);
	/* Reopened, the same roster comes back from the state database. */
	gb_err err;
	CU_ASSERT_FATAL(gb_ledger_open(dir, &clock_opts, &l, &err) == 0);
	CU_ASSERT_EQUAL(gb_ledger_roster(l)->count, 3);
	CU_ASSERT_EQUAL(size_of(l), 1);
	gb_ledger_close(l);
}

static void test_memo_and_idempotency(void)
{
	char dir[256];
	gb_ledger *l = new_ledger(dir, sizeof dir, 0);
	uint8_t a[4096], b[4096];
	size_t alen = memo(a, sizeof a, &k_picc, "m-1", "first memo");
	gb_append_result res;
	gb_err err;
	CU_ASSERT_EQUAL(append1(l, a, alen, &res, &err), 0);
	CU_ASSERT_EQUAL(res.index, 1);
	CU_ASSERT_EQUAL(res.duplicate, 0);
	/* The same bytes again: the same index, nothing new. */
	CU_ASSERT_EQUAL(append1(l, a, alen, &res, &err), 0);
	CU_ASSERT_EQUAL(res.index, 1);
	CU_ASSERT_EQUAL(res.duplicate, 1);
	CU_ASSERT_EQUAL(size_of(l), 2);
	/* The same id, other bytes: rejected, nothing appended. */
	size_t blen = memo(b, sizeof b, &k_picc, "m-1", "second memo");
	CU_ASSERT_EQUAL(append1(l, b, blen, &res, &err), GB_EIDREUSE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "m-1"));
	CU_ASSERT_EQUAL(size_of(l), 2);
	/* The same id by another signer is another id. */
	blen = memo(b, sizeof b, &k_reg, "m-1", "the regulator's memo");
	CU_ASSERT_EQUAL(append1(l, b, blen, &res, &err), 0);
	CU_ASSERT_EQUAL(res.index, 2);
	/* What was stored is what was sent. */
	uint8_t *got;
	size_t got_len;
	CU_ASSERT_EQUAL_FATAL(gb_ledger_get(l, 1, &got, &got_len, &err), 0);
	CU_ASSERT_EQUAL(got_len, alen);
	CU_ASSERT_EQUAL(memcmp(got, a, alen), 0);
	free(got);
	CU_ASSERT_EQUAL(gb_ledger_get(l, 3, &got, &got_len, &err), GB_ERANGE);
	gb_ledger_close(l);
}

/* Every kind of rejection leaves the log as it was. */
static void test_rejections(void)
{
	char dir[256];
	gb_ledger *l = new_ledger(dir, sizeof dir, 0);
	uint8_t buf[8192];
	size_t len;
	gb_err err;
	uint8_t root_before[GB_HASH_BYTES], root_after[GB_HASH_BYTES];
	CU_ASSERT_FATAL(gb_ledger_root(l, 1, root_before, NULL) == 0);

	len = memo(buf, sizeof buf, &k_picc, "sig", "flipped signature");
	spoil_sig(buf, len);
	CU_ASSERT_EQUAL(append1(l, buf, len, NULL, &err), GB_ESIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "picc-zs"));

	len = memo(buf, sizeof buf, &k_stranger, "who", "not a participant");
	CU_ASSERT_EQUAL(append1(l, buf, len, NULL, &err), GB_EUNKNOWNKEY);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "stranger"));

	gb_seckey impostor; /* the member's name, another key */
	seed_key(&impostor, "picc-zs", 9);
	len = memo(buf, sizeof buf, &impostor, "imp", "wrong key for the name");
	CU_ASSERT_EQUAL(append1(l, buf, len, NULL, &err), GB_EUNKNOWNKEY);

	len = make_entry(buf, sizeof buf, "{\"v\":1,\"type\":\"memo\",\"consortium\":\"other\","
		"\"signer\":\"picc-zs\",\"id\":\"c\",\"time\":1,\"text\":\"x\"}", &k_picc);
	CU_ASSERT_EQUAL(append1(l, buf, len, NULL, &err), GB_ECONSORTIUM);

	len = make_entry(buf, sizeof buf, "{\"v\":1,\"type\":\"poem\",\"consortium\":\"zs-2026\","
		"\"signer\":\"picc-zs\",\"id\":\"t\",\"time\":1,\"text\":\"x\"}", &k_picc);
	CU_ASSERT_EQUAL(append1(l, buf, len, NULL, &err), GB_ETYPE);

	len = make_entry(buf, sizeof buf, "{\"v\":1,\"type\":\"memo\",\"consortium\":\"zs-2026\","
		"\"signer\":\"picc-zs\",\"id\":\"f\",\"time\":1,\"text\":\"x\",\"colour\":\"red\"}", &k_picc);
	CU_ASSERT_EQUAL(append1(l, buf, len, NULL, &err), GB_EFIELD);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "colour"));

	len = make_entry(buf, sizeof buf, "{\"v\":1,\"type\":\"memo\",\"consortium\":\"zs-2026\","
		"\"signer\":\"picc-zs\",\"id\":\"h\",\"time\":1,\"text\":\"x\",\"doc_sha256\":\"ABC\"}", &k_picc);
	CU_ASSERT_EQUAL(append1(l, buf, len, NULL, &err), GB_EVALUE);

	len = make_entry(buf, sizeof buf, "{\"v\":1,\"type\":\"memo\",\"consortium\":\"zs-2026\","
		"\"signer\":\"picc-zs\",\"id\":\"n\",\"time\":1}", &k_picc);
	CU_ASSERT_EQUAL(append1(l, buf, len, NULL, &err), GB_EFIELD);

	/* Entry 0 again is a duplicate; a second charter, and a member's, are not allowed. */
	gb_append_result dup;
	len = charter(buf, sizeof buf, &k_assoc);
	CU_ASSERT_EQUAL(append1(l, buf, len, &dup, &err), 0);
	CU_ASSERT_EQUAL(dup.index, 0);
	CU_ASSERT_EQUAL(dup.duplicate, 1);
	len = charter_id(buf, sizeof buf, &k_assoc, "charter-2");
	CU_ASSERT_EQUAL(append1(l, buf, len, NULL, &err), GB_ECHARTER);
	len = charter(buf, sizeof buf, &k_picc);
	CU_ASSERT_EQUAL(append1(l, buf, len, NULL, &err), GB_ECHARTER);

	/* A co-signature a memo does not take. */
	const gb_seckey *two[2] = { &k_picc, &k_reg };
	len = make_entry_keys(buf, sizeof buf, "{\"v\":1,\"type\":\"memo\",\"consortium\":\"zs-2026\","
		"\"signer\":\"picc-zs\",\"id\":\"2\",\"time\":1,\"text\":\"x\"}", two, 2);
	CU_ASSERT_EQUAL(append1(l, buf, len, NULL, &err), GB_EFIELD);

	/* A time more than the skew (default one day) from the ledger's clock. */
	len = make_entry(buf, sizeof buf, "{\"v\":1,\"type\":\"memo\",\"consortium\":\"zs-2026\","
		"\"signer\":\"picc-zs\",\"id\":\"late\",\"time\":1767312051,\"text\":\"x\"}", &k_picc);
	CU_ASSERT_EQUAL(append1(l, buf, len, NULL, &err), GB_ETIME);
	len = make_entry(buf, sizeof buf, "{\"v\":1,\"type\":\"memo\",\"consortium\":\"zs-2026\","
		"\"signer\":\"picc-zs\",\"id\":\"early\",\"time\":1767139249,\"text\":\"x\"}", &k_picc);
	CU_ASSERT_EQUAL(append1(l, buf, len, NULL, &err), GB_ETIME);

	/* Not MessagePack at all, and trailing bytes after a good entry. */
	CU_ASSERT_NOT_EQUAL(append1(l, (const uint8_t *)"hello", 5, NULL, &err), 0);
	len = memo(buf, sizeof buf, &k_picc, "tr", "trailing");
	buf[len] = 0xc0;
	CU_ASSERT_EQUAL(append1(l, buf, len + 1, NULL, &err), GB_ETRAILING);

	CU_ASSERT_EQUAL(size_of(l), 1);
	CU_ASSERT_FATAL(gb_ledger_root(l, 1, root_after, NULL) == 0);
	CU_ASSERT_EQUAL(memcmp(root_before, root_after, GB_HASH_BYTES), 0);
	/* And the log still takes good entries after all that. */
	len = memo(buf, sizeof buf, &k_picc, "ok", "still fine");
	gb_append_result res;
	CU_ASSERT_EQUAL(append1(l, buf, len, &res, &err), 0);
	CU_ASSERT_EQUAL(res.index, 1);
	gb_ledger_close(l);
}

#define BATCH 300

/* A batch large enough for the worker threads; all or nothing. */
static void test_batches(void)
{
	char dir[256];
	gb_ledger *l = new_ledger(dir, sizeof dir, 0);
	static uint8_t bufs[BATCH][512];
	gb_bytes in[BATCH];
	gb_append_result res[BATCH];
	gb_err err;
	for (int i = 0; i < BATCH; i++) {
		char id[32], text[64];
		snprintf(id, sizeof id, "b-%d", i);
		snprintf(text, sizeof text, "batch memo %d", i);
		in[i].ptr = bufs[i];
		in[i].len = memo(bufs[i], sizeof bufs[i], i % 2 ? &k_picc : &k_reg, id, text);
	}
	spoil_sig(bufs[157], in[157].len);
	CU_ASSERT_EQUAL(gb_ledger_append(l, in, BATCH, res, &err), GB_ESIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "item 157"));
	CU_ASSERT_EQUAL(size_of(l), 1);
	/* try_append names the item by index, not in the message, and stores nothing either. */
	size_t failed = 0;
	CU_ASSERT_EQUAL(gb_ledger_try_append(l, in, BATCH, res, &failed, &err), GB_ESIG);
	CU_ASSERT_EQUAL(failed, 157);
	CU_ASSERT_PTR_NULL(strstr(err.msg, "item"));
	CU_ASSERT_EQUAL(size_of(l), 1);
	CU_ASSERT_EQUAL(gb_ledger_try_append(l, in, 0, res, &failed, &err), GB_ETOOBIG);
	CU_ASSERT_EQUAL(failed, 0); /* the batch's own failure: failed = count */
	spoil_sig(bufs[157], in[157].len); /* and mend it */
	CU_ASSERT_EQUAL_FATAL(gb_ledger_append(l, in, BATCH, res, &err), 0);
	for (int i = 0; i < BATCH; i++)
		CU_ASSERT_EQUAL(res[i].index, (uint64_t)i + 1);
	CU_ASSERT_EQUAL(size_of(l), BATCH + 1);
	/* The same batch again: all duplicates, nothing appended. */
	CU_ASSERT_EQUAL_FATAL(gb_ledger_append(l, in, BATCH, res, &err), 0);
	CU_ASSERT_EQUAL(res[0].duplicate, 1);
	CU_ASSERT_EQUAL(res[BATCH - 1].index, BATCH);
	CU_ASSERT_EQUAL(size_of(l), BATCH + 1);
	/* An entry twice in one batch is stored once. */
	gb_bytes twice[2] = { in[0], in[0] };
	uint8_t fresh[512];
	twice[0].ptr = fresh;
	twice[0].len = memo(fresh, sizeof fresh, &k_picc, "twice", "once only");
	twice[1] = twice[0];
	CU_ASSERT_EQUAL_FATAL(gb_ledger_append(l, twice, 2, res, &err), 0);
	CU_ASSERT_EQUAL(res[0].index, BATCH + 1);
	CU_ASSERT_EQUAL(res[1].index, BATCH + 1);
	CU_ASSERT_EQUAL(res[1].duplicate, 1);
	CU_ASSERT_EQUAL(gb_ledger_append(l, in, 0, res, &err), GB_ETOOBIG);
	gb_ledger_close(l);
}

/* Proofs from the stored tree verify against the stored roots. */
static void test_proofs_and_checkpoint(void)
{
	char dir[256];
	gb_ledger *l = new_ledger(dir, sizeof dir, 0);
	uint8_t buf[512];
	gb_err err;
	for (int i = 0; i < 40; i++) {
		char id[16];
		snprintf(id, sizeof id, "p-%d", i);
		CU_ASSERT_EQUAL_FATAL(append1(l, buf, memo(buf, sizeof buf, &k_picc, id, "proof"), NULL, &err), 0);
	}
	uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES], leaf[GB_HASH_BYTES], root[GB_HASH_BYTES];
	uint8_t root2[GB_HASH_BYTES];
	size_t count;
	gb_bytes comps[GB_PROOF_MAX];
	for (uint64_t size = 1; size <= 41; size += 5) {
		for (uint64_t i = 0; i < size; i += 3) {
			CU_ASSERT_EQUAL_FATAL(gb_ledger_prove_inclusion(l, i, size, proof, &count, leaf, root, &err), 0);
			for (size_t c = 0; c < count; c++)
				comps[c] = (gb_bytes){ proof[c], GB_HASH_BYTES };
			gb_bytes lb = { leaf, GB_HASH_BYTES }, rb = { root, GB_HASH_BYTES };
			CU_ASSERT_EQUAL(gb_merkle_verify_inclusion(i, size, lb, comps, count, rb), 0);
			/* The leaf hash is the hash of the stored entry. */
			uint8_t *e, h[GB_HASH_BYTES];
			size_t elen;
			CU_ASSERT_EQUAL_FATAL(gb_ledger_get(l, i, &e, &elen, &err), 0);
			gb_merkle_leaf_hash(h, e, elen);
			free(e);
			CU_ASSERT_EQUAL(memcmp(h, leaf, GB_HASH_BYTES), 0);
		}
		uint64_t big = 41;
		CU_ASSERT_EQUAL_FATAL(gb_ledger_prove_consistency(l, size, big, proof, &count, root, root2, &err), 0);
		for (size_t c = 0; c < count; c++)
			comps[c] = (gb_bytes){ proof[c], GB_HASH_BYTES };
		gb_bytes r1 = { root, GB_HASH_BYTES }, r2 = { root2, GB_HASH_BYTES };
		CU_ASSERT_EQUAL(gb_merkle_verify_consistency(size, big, r1, r2, comps, count), 0);
	}
	CU_ASSERT_EQUAL(gb_ledger_prove_inclusion(l, 41, 41, proof, &count, leaf, root, &err), GB_ERANGE);
	CU_ASSERT_EQUAL(gb_ledger_prove_inclusion(l, 0, 42, proof, &count, leaf, root, &err), GB_ERANGE);
	CU_ASSERT_EQUAL(gb_ledger_prove_consistency(l, 0, 41, proof, &count, root, root2, &err), GB_ERANGE);
	CU_ASSERT_EQUAL(gb_ledger_prove_consistency(l, 5, 42, proof, &count, root, root2, &err), GB_ERANGE);

	char note[GB_NOTE_MAX];
	size_t note_len;
	CU_ASSERT_EQUAL_FATAL(gb_ledger_checkpoint(l, &k_log, note, sizeof note, &note_len, &err), 0);
	gb_note n;
	CU_ASSERT_EQUAL_FATAL(gb_note_open(note, note_len, &k_log.pub, 1, &n, &err), 0);
	gb_checkpoint cp;
	CU_ASSERT_EQUAL_FATAL(gb_checkpoint_parse(n.text, n.text_len, &cp, &err), 0);
	CU_ASSERT_STRING_EQUAL(cp.origin, "gongbao.test/zs");
	CU_ASSERT_EQUAL(cp.size, 41);
	CU_ASSERT_FATAL(gb_ledger_root(l, 41, root, &err) == 0);
	CU_ASSERT_EQUAL(memcmp(cp.root, root, GB_HASH_BYTES), 0);
	CU_ASSERT_EQUAL(gb_ledger_checkpoint(l, &k_picc, note, sizeof note, &note_len, &err), GB_EINVAL);
	gb_ledger_close(l);
}

/* Closing and reopening keeps the tree: appends continue the same tree. */
static void test_reopen_continues_tree(void)
{
	char dir[256];
	gb_ledger *l = new_ledger(dir, sizeof dir, 0);
	uint8_t buf[512];
	gb_err err;
	uint8_t before[GB_HASH_BYTES], after[GB_HASH_BYTES];
	for (int i = 0; i < 6; i++) {
		char id[16];
		snprintf(id, sizeof id, "r-%d", i);
		CU_ASSERT_EQUAL_FATAL(append1(l, buf, memo(buf, sizeof buf, &k_reg, id, "r"), NULL, &err), 0);
	}
	CU_ASSERT_FATAL(gb_ledger_root(l, 7, before, NULL) == 0);
	gb_ledger_close(l);
	CU_ASSERT_FATAL(gb_ledger_open(dir, &clock_opts, &l, &err) == 0);
	CU_ASSERT_FATAL(gb_ledger_root(l, 7, after, NULL) == 0);
	CU_ASSERT_EQUAL(memcmp(before, after, GB_HASH_BYTES), 0);
	CU_ASSERT_EQUAL_FATAL(append1(l, buf, memo(buf, sizeof buf, &k_reg, "r-6", "r"), NULL, &err), 0);
	/* Two handles on one ledger: the second sees the first's appends. */
	gb_ledger *l2;
	CU_ASSERT_FATAL(gb_ledger_open(dir, &clock_opts, &l2, &err) == 0);
	CU_ASSERT_EQUAL_FATAL(append1(l2, buf, memo(buf, sizeof buf, &k_reg, "r-7", "r"), NULL, &err), 0);
	gb_append_result res;
	CU_ASSERT_EQUAL_FATAL(append1(l, buf, memo(buf, sizeof buf, &k_reg, "r-8", "r"), &res, &err), 0);
	CU_ASSERT_EQUAL(res.index, 9);
	uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES], r1[GB_HASH_BYTES], r2[GB_HASH_BYTES];
	size_t count;
	gb_bytes comps[GB_PROOF_MAX];
	CU_ASSERT_EQUAL_FATAL(gb_ledger_prove_consistency(l2, 7, 10, proof, &count, r1, r2, &err), 0);
	for (size_t c = 0; c < count; c++)
		comps[c] = (gb_bytes){ proof[c], GB_HASH_BYTES };
	gb_bytes b1 = { before, GB_HASH_BYTES }, b2 = { r2, GB_HASH_BYTES };
	CU_ASSERT_EQUAL(gb_merkle_verify_consistency(7, 10, b1, b2, comps, count), 0);
	gb_ledger_close(l2);
	gb_ledger_close(l);
}

/* A full map refuses the batch and leaves a valid ledger. */
static void test_map_full(void)
{
	char dir[256];
	gb_ledger *l = new_ledger(dir, sizeof dir, 1 << 20);
	static uint8_t bufs[64][8192];
	gb_bytes in[64];
	gb_append_result res[64];
	gb_err err;
	char text[4097];
	memset(text, 'x', 4000);
	text[4000] = '\0';
	int rc = 0, batches = 0;
	for (; batches < 100 && rc == 0; batches++) {
		for (int i = 0; i < 64; i++) {
			char id[32];
			snprintf(id, sizeof id, "f-%d-%d", batches, i);
			in[i].ptr = bufs[i];
			in[i].len = memo(bufs[i], sizeof bufs[i], &k_picc, id, text);
		}
		rc = gb_ledger_append(l, in, 64, res, &err);
	}
	CU_ASSERT_EQUAL(rc, GB_EMAPFULL);
	uint64_t size = size_of(l);
	CU_ASSERT_EQUAL(size, 1 + 64 * (uint64_t)(batches - 1));
	gb_ledger_close(l);
	CU_ASSERT_FATAL(gb_ledger_open(dir, &clock_opts, &l, &err) == 0);
	CU_ASSERT_EQUAL(size_of(l), size);
	uint8_t *e;
	size_t elen;
	CU_ASSERT_EQUAL(gb_ledger_get(l, size - 1, &e, &elen, &err), 0);
	free(e);
	gb_ledger_close(l);
}

static int flip_in_file(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r+b");
	if (f == NULL)
		return -1;
	static uint8_t data[8 << 20];
	size_t n = fread(data, 1, sizeof data, f);
	size_t nlen = strlen(needle);
	for (size_t i = 0; i + nlen <= n; i++) {
		if (memcmp(data + i, needle, nlen) == 0) {
			data[i] ^= 0x20;
			fseek(f, (long)i, SEEK_SET);
			fputc(data[i], f);
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	return -1;
}

static void test_damaged_files(void)
{
	char dir[256], path[300];
	gb_ledger *l = new_ledger(dir, sizeof dir, 0);
	uint8_t buf[4096];
	gb_err err;
	CU_ASSERT_EQUAL_FATAL(append1(l, buf, memo(buf, sizeof buf, &k_picc, "d", "UNIQUE-NEEDLE-TEXT"), NULL, &err), 0);
	gb_ledger_close(l);
	snprintf(path, sizeof path, "%s/data.mdb", dir);
	CU_ASSERT_EQUAL_FATAL(flip_in_file(path, "UNIQUE-NEEDLE-TEXT"), 0);
	CU_ASSERT_FATAL(gb_ledger_open(dir, &clock_opts, &l, &err) == 0);
	uint8_t *e;
	size_t elen;
	CU_ASSERT_EQUAL(gb_ledger_get(l, 1, &e, &elen, &err), GB_ECORRUPT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "entry 1"));
	CU_ASSERT_EQUAL(gb_ledger_get(l, 0, &e, &elen, &err), 0);
	free(e);
	gb_ledger_close(l);

	/* Garbage where data.mdb should be. */
	char dir2[256];
	new_dir(dir2, sizeof dir2);
	mkdir(dir2, 0755);
	snprintf(path, sizeof path, "%s/data.mdb", dir2);
	FILE *f = fopen(path, "wb");
	CU_ASSERT_FATAL(f != NULL);
	for (int i = 0; i < 20000; i++)
		fputc(i * 7 & 0xff, f);
	fclose(f);
	CU_ASSERT_EQUAL(gb_ledger_open(dir2, &clock_opts, &l, &err), GB_ECORRUPT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, dir2));

	/* No directory, an empty directory, a ledger already there. */
	snprintf(path, sizeof path, "%s/nowhere", tmp_root);
	CU_ASSERT_EQUAL(gb_ledger_open(path, &clock_opts, &l, &err), GB_ENOLEDGER);
	new_dir(dir2, sizeof dir2);
	mkdir(dir2, 0755);
	CU_ASSERT_EQUAL(gb_ledger_open(dir2, &clock_opts, &l, &err), GB_ENOLEDGER);
	size_t len = charter(buf, sizeof buf, &k_assoc);
	CU_ASSERT_EQUAL(gb_ledger_create(dir, "gongbao.test/zs", &k_log.pub, buf, len, &clock_opts, &l, &err), GB_EEXIST);
}

/* A failed create leaves nothing behind, so it can be tried again. */
static void test_create_failures(void)
{
	setup_keys();
	char dir[256], path[300];
	new_dir(dir, sizeof dir);
	uint8_t buf[4096];
	gb_err err;
	gb_ledger *l = NULL;
	size_t len = charter(buf, sizeof buf, &k_picc);
	CU_ASSERT_EQUAL(gb_ledger_create(dir, "gongbao.test/zs", &k_log.pub, buf, len, &clock_opts, &l, &err), GB_ECHARTER);
	CU_ASSERT_PTR_NULL(l);
	snprintf(path, sizeof path, "%s/data.mdb", dir);
	CU_ASSERT_NOT_EQUAL(access(path, F_OK), 0);
	len = memo(buf, sizeof buf, &k_assoc, "x", "not a charter");
	CU_ASSERT_EQUAL(gb_ledger_create(dir, "gongbao.test/zs", &k_log.pub, buf, len, &clock_opts, &l, &err), GB_ECHARTER);
	len = charter(buf, sizeof buf, &k_assoc);
	CU_ASSERT_EQUAL(gb_ledger_create(dir, "bad origin", &k_log.pub, buf, len, &clock_opts, &l, &err), GB_EINVAL);
	CU_ASSERT_EQUAL_FATAL(gb_ledger_create(dir, "gongbao.test/zs", &k_log.pub, buf, len, &clock_opts, &l, &err), 0);
	gb_ledger_close(l);
}

static void add_tests(CU_pSuite s)
{
	CU_add_test(s, "create and roster", test_create_and_roster);
	CU_add_test(s, "memo and idempotency", test_memo_and_idempotency);
	CU_add_test(s, "rejections change nothing", test_rejections);
	CU_add_test(s, "batches are all or nothing", test_batches);
	CU_add_test(s, "proofs and checkpoint", test_proofs_and_checkpoint);
	CU_add_test(s, "reopen continues the tree", test_reopen_continues_tree);
	CU_add_test(s, "full map", test_map_full);
	CU_add_test(s, "damaged files", test_damaged_files);
	CU_add_test(s, "create failures", test_create_failures);
}

GB_CUNIT_MAIN("ledger", add_tests)
