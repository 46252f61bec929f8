/*
 * test_trust_review.c: the review of what does not trust the operator (the
 * mirror, the witness, the log's cosigning). Each test is a defect found by
 * the review: it failed before its fix.
 *
 * A "liar" is an in-process HTTP server that speaks the mirror's part of the
 * API (checkpoint, entries, consistency proofs) for any list of entries it is
 * given, signed with the fixture's log key: a log whose operator runs other
 * code than gongbao's.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "cu.h"
#include "fixture.h"
#include "net.h"
#include "gongbao/client.h"
#include "gongbao/file.h"
#include "gongbao/mirror.h"
#include "gongbao/note.h"
#include "gongbao/server.h"

#define LIAR_MAX 64
#define NOW_S 1767225600


/* Serves l, signing checkpoints with the fixture's log key, on a free loopback port; writes its URL. */
static gb_server *serve(gb_ledger *l, char url[64])
{
	gb_server_config cfg = { .log_key = &fx_key[FX_LOG] };
	return net_serve(l, &cfg, url);
}

/* A lying log: any entries, a tree over them, a checkpoint signed by the log key. */
struct liar {
	struct MHD_Daemon *d;
	char url[64];
	size_t count;
	uint8_t *entry[LIAR_MAX];
	size_t entry_len[LIAR_MAX];
	size_t stored;
	uint8_t hashes[2 * LIAR_MAX + 8][GB_HASH_BYTES];
	char note[GB_NOTE_MAX + 1];
	size_t note_len;
};

static int liar_write(void *ctx, uint64_t index, const uint8_t hash[GB_HASH_BYTES])
{
	struct liar *lr = ctx;
	CU_ASSERT_FATAL(index == lr->stored && index < 2 * LIAR_MAX + 8);
	memcpy(lr->hashes[index], hash, GB_HASH_BYTES);
	lr->stored++;
	return 0;
}

static int liar_read(void *ctx, uint64_t index, uint8_t out[GB_HASH_BYTES])
{
	struct liar *lr = ctx;
	if (index >= lr->stored)
		return GB_ERANGE;
	memcpy(out, lr->hashes[index], GB_HASH_BYTES);
	return 0;
}

static void liar_sign(struct liar *lr);

/* Appends a copy of an entry and signs the new checkpoint. */
static void liar_add(struct liar *lr, const uint8_t *p, size_t len)
{
	CU_ASSERT_FATAL(lr->count < LIAR_MAX);
	lr->entry[lr->count] = malloc(len);
	CU_ASSERT_FATAL(lr->entry[lr->count] != NULL);
	memcpy(lr->entry[lr->count], p, len);
	lr->entry_len[lr->count] = len;
	lr->count++;
	liar_sign(lr);
}

/* Rebuilds the liar's tree over its entries and signs its checkpoint. */
static void liar_sign(struct liar *lr)
{
	gb_merkle_frontier f;
	gb_merkle_frontier_init(&f);
	lr->stored = 0;
	for (size_t i = 0; i < lr->count; i++) {
		uint8_t h[GB_HASH_BYTES];
		gb_merkle_leaf_hash(h, lr->entry[i], lr->entry_len[i]);
		CU_ASSERT_FATAL(gb_merkle_frontier_append(&f, h, liar_write, lr) == 0);
	}
	gb_checkpoint cp = { .origin = "gongbao.test/zs", .size = lr->count };
	gb_merkle_frontier_root(&f, cp.root);
	char text[512];
	size_t text_len;
	gb_err err;
	CU_ASSERT_FATAL(gb_checkpoint_format(&cp, text, sizeof text, &text_len) == 0);
	CU_ASSERT_FATAL(gb_note_sign(text, text_len, &fx_key[FX_LOG], lr->note, sizeof lr->note,
		&lr->note_len, &err) == 0);
}

/* Copies entry i of a real ledger into the liar. */
static void liar_copy(struct liar *lr, gb_ledger *l, uint64_t i)
{
	uint8_t *p;
	size_t len;
	gb_err err;
	CU_ASSERT_FATAL(gb_ledger_get(l, i, &p, &len, &err) == 0);
	liar_add(lr, p, len);
	free(p);
}

static uint64_t arg_u64(struct MHD_Connection *c, const char *name)
{
	const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
	return v ? strtoull(v, NULL, 10) : 0;
}

static enum MHD_Result liar_answer(struct MHD_Connection *c, unsigned status, const char *ctype,
	void *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", ctype);
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* The consistency proof answer in the JSON of spec/PROOFS.md. */
static enum MHD_Result liar_proof(struct liar *lr, struct MHD_Connection *c)
{
	uint64_t s1 = arg_u64(c, "size1"), s2 = arg_u64(c, "size2");
	uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES], r1[GB_HASH_BYTES], r2[GB_HASH_BYTES];
	size_t count = 0;
	if (s2 > lr->count || gb_merkle_prove_consistency(s1, s2, liar_read, lr, proof, &count) != 0 ||
	    gb_merkle_root(s1, liar_read, lr, r1) != 0 || gb_merkle_root(s2, liar_read, lr, r2) != 0)
		return liar_answer(c, 400, "text/plain", strdup("no"), 2);
	char b64[64];
	json_t *h = json_array();
	for (size_t i = 0; i < count; i++) {
		sodium_bin2base64(b64, sizeof b64, proof[i], GB_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL);
		json_array_append_new(h, json_string(b64));
	}
	json_t *o = json_pack("{s:I, s:I, s:o}", "size1", (json_int_t)s1, "size2", (json_int_t)s2, "hashes", h);
	sodium_bin2base64(b64, sizeof b64, r1, GB_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL);
	json_object_set_new(o, "root1", json_string(b64));
	sodium_bin2base64(b64, sizeof b64, r2, GB_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL);
	json_object_set_new(o, "root2", json_string(b64));
	char *s = json_dumps(o, 0);
	json_decref(o);
	return liar_answer(c, 200, "application/json", s, strlen(s));
}

static enum MHD_Result liar_handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
	const char *version, const char *upload, size_t *upload_len, void **con_cls)
{
	struct liar *lr = cls;
	if (strcmp(url, "/v1/checkpoint") == 0)
		return liar_answer(c, 200, "text/plain; charset=utf-8", strndup(lr->note, lr->note_len), lr->note_len);
	if (strcmp(url, "/v1/proof/consistency") == 0)
		return liar_proof(lr, c);
	if (strcmp(url, "/v1/entries") == 0) {
		uint64_t s = arg_u64(c, "start"), e = arg_u64(c, "end");
		if (s >= e || e > lr->count)
			return liar_answer(c, 400, "text/plain", strdup("no"), 2);
		size_t cap = 16;
		for (uint64_t i = s; i < e; i++)
			cap += lr->entry_len[i] + 8;
		uint8_t *buf = malloc(cap);
		gb_mpw w;
		gb_mpw_init(&w, buf, cap);
		gb_mpw_array(&w, (uint32_t)(e - s));
		for (uint64_t i = s; i < e; i++)
			gb_mpw_bin(&w, lr->entry[i], lr->entry_len[i]);
		CU_ASSERT_FATAL(w.err == 0);
		return liar_answer(c, 200, "application/msgpack", buf, w.len);
	}
	return liar_answer(c, 404, "text/plain", strdup("no"), 2);
}

static void liar_start(struct liar *lr)
{
	lr->d = net_mhd_start(liar_handle, lr, lr->url);
}

static void liar_stop(struct liar *lr)
{
	MHD_stop_daemon(lr->d);
	for (size_t i = 0; i < lr->count; i++)
		free(lr->entry[i]);
}

/* Posts memos [from, to) with a text prefix. */
static void memos(gb_ledger *l, const char *prefix, int from, int to)
{
	gb_err err;
	for (int i = from; i < to; i++)
		CU_ASSERT_EQUAL_FATAL(fx_post(l, &err, FX_PICC,
			"{\"type\":\"memo\",\"id\":\"%s-%d\",\"text\":\"%s memo %d\"}", prefix, i, prefix, i), 0);
}

static int sync_trust(const char *url, const char *dir, const gb_mirror_trust *trust,
	gb_mirror_result *res, gb_err *err)
{
	gb_client *c;
	CU_ASSERT_EQUAL_FATAL(gb_client_open(url, &c, err), 0);
	int rc = gb_mirror_sync(c, dir, trust, NULL, res, err);
	gb_client_close(c);
	return rc;
}

static int sync_from(const char *url, const char *dir, const gb_pubkey *key, gb_mirror_result *res,
	gb_err *err)
{
	gb_mirror_trust trust = { .log_key = key };
	return sync_trust(url, dir, &trust, res, err);
}

/* The mirror's size and its root at that size (UINT64_MAX when there is no mirror). */
static uint64_t mirror_state(const char *dir, uint8_t root[GB_HASH_BYTES])
{
	gb_ledger *l;
	gb_err err;
	uint64_t n = 0;
	if (gb_ledger_open(dir, NULL, &l, &err) != 0)
		return UINT64_MAX;
	CU_ASSERT_EQUAL(gb_ledger_size(l, &n, &err), 0);
	if (root != NULL)
		CU_ASSERT_EQUAL(gb_ledger_root(l, n, root, &err), 0);
	gb_ledger_close(l);
	return n;
}

/*
 * A log that holds one entry twice (the liar: the log's own pipeline never
 * does). Defect: the mirror's ledger skipped the repeat as an idempotent
 * duplicate and committed the rest of the chunk, so every later entry was
 * stored one index early: a tree that is in no checkpoint the log signed.
 * The chunk must be refused whole.
 */
static void test_repeated_entry_stores_nothing(void)
{
	gb_ledger *a = fx_ledger();
	memos(a, "dup", 0, 6);
	struct liar lr = { 0 };
	for (uint64_t i = 0; i < 4; i++)
		liar_copy(&lr, a, i);
	liar_copy(&lr, a, 3); /* entry 3 again, as entry 4 */
	liar_copy(&lr, a, 4);
	liar_copy(&lr, a, 5);
	liar_start(&lr);
	char dir[300];
	gb_mirror_result res;
	gb_err err;

	/* A mirror that already holds 2 entries, so the chunk is an append, not a create. */
	struct liar first = { 0 };
	liar_copy(&first, a, 0);
	liar_copy(&first, a, 1);
	liar_start(&first);
	snprintf(dir, sizeof dir, "%s/mirror-dup", fx_root);
	CU_ASSERT_EQUAL_FATAL(sync_from(first.url, dir, &fx_key[FX_LOG].pub, &res, &err), 0);
	CU_ASSERT_EQUAL(res.size, 2);

	CU_ASSERT_EQUAL(sync_from(lr.url, dir, NULL, &res, &err), GB_EIDREUSE);
	uint8_t root[GB_HASH_BYTES];
	CU_ASSERT_EQUAL(mirror_state(dir, root), 2); /* nothing of the chunk */
	/* The mirror is still a prefix of the real log (not of the liar's): it goes on from it. */
	char url[64];
	gb_server *s = serve(a, url);
	CU_ASSERT_EQUAL(sync_from(url, dir, NULL, &res, &err), 0);
	CU_ASSERT_EQUAL(res.size, 7);
	CU_ASSERT_EQUAL(res.fetched, 5);

	gb_server_stop(s);
	liar_stop(&first);
	liar_stop(&lr);
	gb_ledger_close(a);
}

/* Writes the fixture log's checkpoint of l as it is now into DIR/mirror-checkpoint. */
static void put_trusted(gb_ledger *l, const char *dir)
{
	char note[GB_NOTE_MAX + 1], path[400];
	size_t len;
	gb_err err;
	CU_ASSERT_EQUAL_FATAL(gb_ledger_checkpoint(l, &fx_key[FX_LOG], note, sizeof note, &len, &err), 0);
	snprintf(path, sizeof path, "%s/%s", dir, GB_MIRROR_CHECKPOINT_FILE);
	CU_ASSERT_EQUAL_FATAL(gb_file_replace(path, note, len, 0644, &err), 0);
}

/* The size of the checkpoint in DIR/mirror-checkpoint (UINT64_MAX if none). */
static uint64_t trusted_size(const char *dir)
{
	char path[400];
	uint8_t *buf;
	size_t len;
	gb_err err;
	snprintf(path, sizeof path, "%s/%s", dir, GB_MIRROR_CHECKPOINT_FILE);
	if (gb_file_read(path, GB_NOTE_MAX, &buf, &len, &err) != 0)
		return UINT64_MAX;
	const char *nl = strchr((char *)buf, '\n');
	uint64_t n = nl ? strtoull(nl + 1, NULL, 10) : UINT64_MAX;
	free(buf);
	return n;
}

/*
 * Every entry a mirror holds was proved part of a tree the log signed, so a
 * signed tree smaller than the mirror is a rollback, whatever the trusted
 * checkpoint says. Defect: the mirror compared the server's size only with
 * the trusted checkpoint's, so after a crash between storing a chunk and
 * trusting its checkpoint, or with DIR/mirror-checkpoint deleted, it took a
 * rolled-back log's checkpoint and trusted it.
 */
static void test_rollback_below_the_copy(void)
{
	gb_ledger *a = fx_ledger(), *old = fx_ledger(), *older = fx_ledger();
	memos(a, "roll", 0, 10);
	memos(old, "roll", 0, 7);   /* a's first 8 entries, byte for byte */
	memos(older, "roll", 0, 4); /* a's first 5 */
	char a_url[64], old_url[64], older_url[64], dir[300], path[400];
	gb_server *sa = serve(a, a_url), *so = serve(old, old_url), *sn = serve(older, older_url);
	gb_mirror_result res;
	gb_err err;
	snprintf(dir, sizeof dir, "%s/mirror-roll", fx_root);
	CU_ASSERT_EQUAL_FATAL(sync_from(older_url, dir, &fx_key[FX_LOG].pub, &res, &err), 0);
	CU_ASSERT_EQUAL(res.size, 5);
	CU_ASSERT_EQUAL_FATAL(sync_from(a_url, dir, NULL, &res, &err), 0);
	CU_ASSERT_EQUAL(res.size, 11);
	CU_ASSERT_EQUAL(trusted_size(dir), 11);

	/* A crash after the entries, before the trust: the file still says 5. */
	put_trusted(older, dir);
	CU_ASSERT_EQUAL(trusted_size(dir), 5);
	CU_ASSERT_EQUAL(sync_from(old_url, dir, NULL, &res, &err), GB_ESPLITVIEW);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "rollback"));
	CU_ASSERT_EQUAL(trusted_size(dir), 5); /* not trusted */

	/* The trusted checkpoint deleted. */
	snprintf(path, sizeof path, "%s/%s", dir, GB_MIRROR_CHECKPOINT_FILE);
	CU_ASSERT_EQUAL_FATAL(unlink(path), 0);
	CU_ASSERT_EQUAL(sync_from(old_url, dir, NULL, &res, &err), GB_ESPLITVIEW);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "rollback"));
	CU_ASSERT_EQUAL(trusted_size(dir), UINT64_MAX);
	CU_ASSERT_EQUAL(mirror_state(dir, NULL), 11);

	/* The real log still goes on, and is trusted again. */
	CU_ASSERT_EQUAL(sync_from(a_url, dir, NULL, &res, &err), 0);
	CU_ASSERT_EQUAL(res.fetched, 0);
	CU_ASSERT_EQUAL(trusted_size(dir), 11);

	gb_server_stop(sa);
	gb_server_stop(so);
	gb_server_stop(sn);
	gb_ledger_close(a);
	gb_ledger_close(old);
	gb_ledger_close(older);
}

/*
 * The trusted checkpoint must be the mirror's own tree (mirror.h: otherwise
 * GB_ECORRUPT). Defect: it was never compared with the copy when their sizes
 * were equal, so a mirror-checkpoint replaced by a fork's (signed by the same
 * log key, same size) made a round against the fork's server succeed and
 * report the fork's root as the mirror's.
 */
static void test_trusted_checkpoint_not_the_copy(void)
{
	gb_ledger *a = fx_ledger(), *f = fx_ledger();
	memos(a, "real", 0, 6);
	memos(f, "fork", 0, 6);
	char a_url[64], f_url[64], dir[300];
	gb_server *sa = serve(a, a_url), *sf = serve(f, f_url);
	gb_mirror_result res;
	gb_err err;
	snprintf(dir, sizeof dir, "%s/mirror-replaced", fx_root);
	CU_ASSERT_EQUAL_FATAL(sync_from(a_url, dir, &fx_key[FX_LOG].pub, &res, &err), 0);
	uint8_t own[GB_HASH_BYTES];
	CU_ASSERT_EQUAL(mirror_state(dir, own), 7);

	put_trusted(f, dir); /* the fork's checkpoint of size 7 */
	CU_ASSERT_EQUAL(sync_from(f_url, dir, NULL, &res, &err), GB_ECORRUPT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "mirror-checkpoint"));
	CU_ASSERT_NOT_EQUAL(memcmp(res.root, own, GB_HASH_BYTES) != 0 && res.size == 7, 1);

	gb_server_stop(sa);
	gb_server_stop(sf);
	gb_ledger_close(a);
	gb_ledger_close(f);
}

/* A witness key under another name: the same public key, the key id of the new name. */
static gb_pubkey renamed(const gb_pubkey *k, const char *name)
{
	gb_pubkey out = *k;
	snprintf(out.name, sizeof out.name, "%s", name);
	out.keyid = gb_key_id(out.name, out.alg, out.pk);
	return out;
}

/*
 * A quorum counts witnesses, not names. A cosignature/v1 signature does not
 * cover the key's name, so one witness's line can be shown again under any
 * other name. Defect: a mirror given one witness key under two names counted
 * one witness's cosignature twice toward a quorum of 2. The trust settings
 * are refused (GB_EINVAL) before anything is fetched.
 */
static void test_one_witness_counted_twice(void)
{
	gb_seckey w;
	uint8_t seed[GB_SEED_BYTES];
	memset(seed, 0x77, sizeof seed);
	CU_ASSERT_EQUAL_FATAL(gb_seckey_from_seed(&w, "w-one", GB_ALG_COSIGNATURE_V1, seed, NULL), 0);
	gb_pubkey keys[2] = { w.pub, renamed(&w.pub, "w-two") };
	CU_ASSERT_NOT_EQUAL(keys[0].keyid, keys[1].keyid);

	gb_ledger *a = fx_ledger();
	struct liar lr = { 0 };
	liar_copy(&lr, a, 0);
	/* The log's note with w's line, and the same line under the second name. */
	char line[GB_NOTE_LINE_MAX], twin[GB_NOTE_LINE_MAX];
	size_t line_len, text_len = 0;
	gb_err err;
	const char *blank = strstr(lr.note, "\n\n");
	CU_ASSERT_FATAL(blank != NULL);
	text_len = (size_t)(blank - lr.note) + 1;
	CU_ASSERT_EQUAL_FATAL(gb_note_signature_line(lr.note, text_len, &w, NOW_S, line, &line_len, &err), 0);
	/* "— w-one BASE64(keyid || ts || sig)": the same ts and sig behind the other key id. */
	uint8_t raw[4 + 8 + 64];
	size_t raw_len;
	const char *b64 = strchr(line + 4, ' ') + 1;
	CU_ASSERT_EQUAL_FATAL(sodium_base642bin(raw, sizeof raw, b64, line_len - 1 - (size_t)(b64 - line),
		NULL, &raw_len, NULL, sodium_base64_VARIANT_ORIGINAL), 0);
	raw[0] = (uint8_t)(keys[1].keyid >> 24), raw[1] = (uint8_t)(keys[1].keyid >> 16);
	raw[2] = (uint8_t)(keys[1].keyid >> 8), raw[3] = (uint8_t)keys[1].keyid;
	char b64b[160];
	sodium_bin2base64(b64b, sizeof b64b, raw, raw_len, sodium_base64_VARIANT_ORIGINAL);
	snprintf(twin, sizeof twin, "\xe2\x80\x94 w-two %s\n", b64b);
	CU_ASSERT_EQUAL_FATAL(gb_note_add_line(lr.note, sizeof lr.note, &lr.note_len, line, line_len, &err), 0);
	CU_ASSERT_EQUAL_FATAL(gb_note_add_line(lr.note, sizeof lr.note, &lr.note_len, twin, strlen(twin), &err), 0);
	gb_note note;
	gb_pubkey all[3] = { fx_key[FX_LOG].pub, keys[0], keys[1] };
	CU_ASSERT_EQUAL_FATAL(gb_note_open(lr.note, lr.note_len, all, 3, &note, &err), 0);
	CU_ASSERT_EQUAL(note.verified_count, 3); /* both names verify: one signature */
	liar_start(&lr);

	char dir[300];
	gb_mirror_result res;
	snprintf(dir, sizeof dir, "%s/mirror-twice", fx_root);
	gb_mirror_trust trust = { .log_key = &fx_key[FX_LOG].pub, .witnesses = keys, .witness_count = 2,
		.quorum = 2 };
	CU_ASSERT_EQUAL(sync_trust(lr.url, dir, &trust, &res, &err), GB_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "w-two"));
	CU_ASSERT_EQUAL(mirror_state(dir, NULL), UINT64_MAX); /* nothing made */

	liar_stop(&lr);
	gb_ledger_close(a);
}

/*
 * A witness that holds each add-checkpoint request until the test releases
 * it (at most HOLD_MAX_MS, under the log's GB_COSIGN_TIMEOUT_S), then
 * answers 500: it never cosigns.
 */
#define HOLD_MAX_MS 4000
static struct {
	pthread_mutex_t mu;
	int received, released;
} hold = { .mu = PTHREAD_MUTEX_INITIALIZER };

static int hold_get(int *which)
{
	pthread_mutex_lock(&hold.mu);
	int v = *which;
	pthread_mutex_unlock(&hold.mu);
	return v;
}

static enum MHD_Result hold_handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
	const char *version, const char *upload, size_t *upload_len, void **con_cls)
{
	if (*con_cls == NULL) {
		*con_cls = (void *)1;
		return MHD_YES;
	}
	if (*upload_len > 0) {
		*upload_len = 0;
		return MHD_YES;
	}
	pthread_mutex_lock(&hold.mu);
	int n = ++hold.received;
	pthread_mutex_unlock(&hold.mu);
	for (int ms = 0; ms < HOLD_MAX_MS && hold_get(&hold.released) < n; ms += 10)
		usleep(10000);
	return liar_answer(c, 500, "text/plain", strdup("held\n"), 5);
}

/* Waits (at most 5 s) for the held witness to have received n requests. */
static int hold_wait_received(int n)
{
	for (int i = 0; i < 500 && hold_get(&hold.received) < n; i++)
		usleep(10000);
	return hold_get(&hold.received) >= n;
}

/*
 * The checkpoints a log serves never go back. Defect: with witnesses, until
 * the first cosigning round ended the server signed a fresh checkpoint at
 * each request, then served the round's, signed when the round started:
 * entries committed during a slow first round made it serve a larger tree,
 * then a smaller one, and an honest log's mirror stopped with GB_ESPLITVIEW
 * (rollback).
 */
static void test_served_checkpoint_never_shrinks(void)
{
	gb_ledger *a = fx_ledger();
	memos(a, "slow", 0, 3);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = 0,
		.sin_addr = { .s_addr = htonl(0x7f000001) } };
	struct MHD_Daemon *wd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION,
		0, NULL, NULL, hold_handle, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_END);
	CU_ASSERT_FATAL(wd != NULL);
	char wurl[64], url[64], dir[300];
	snprintf(wurl, sizeof wurl, "http://127.0.0.1:%u",
		MHD_get_daemon_info(wd, MHD_DAEMON_INFO_BIND_PORT)->port);
	const char *urls[1] = { wurl };
	gb_err err;
	gb_server_config cfg = { .log_key = &fx_key[FX_LOG], .witness_urls = urls, .witness_count = 1 };
	gb_server *s = net_serve(a, &cfg, url);
	CU_ASSERT_FATAL(hold_wait_received(1)); /* the first round is in flight, held */

	/* Two entries committed during the first round. */
	gb_client *c;
	CU_ASSERT_EQUAL_FATAL(gb_client_open(url, &c, &err), 0);
	static uint8_t e1[GB_ENTRY_MAX], e2[GB_ENTRY_MAX];
	gb_bytes in[2] = {
		{ e1, fx_sign(e1, sizeof e1, FX_PICC, "{\"type\":\"memo\",\"id\":\"slow-3\",\"text\":\"x\"}") },
		{ e2, fx_sign(e2, sizeof e2, FX_PICC, "{\"type\":\"memo\",\"id\":\"slow-4\",\"text\":\"y\"}") } };
	gb_append_result out[2];
	int codes[2];
	static char msgs[2][GB_ERR_MSG_MAX];
	CU_ASSERT_EQUAL(gb_client_append(c, in, 2, out, codes, msgs, &err), 0);
	CU_ASSERT_EQUAL(codes[0], 0);
	CU_ASSERT_EQUAL(codes[1], 0);
	gb_client_close(c);

	gb_mirror_result res;
	snprintf(dir, sizeof dir, "%s/mirror-slow", fx_root);
	CU_ASSERT_EQUAL(sync_from(url, dir, &fx_key[FX_LOG].pub, &res, &err), 0);
	uint64_t first = res.trusted_size;
	/* The first round ends (its witness refuses); the second is held. */
	pthread_mutex_lock(&hold.mu);
	hold.released = 1;
	pthread_mutex_unlock(&hold.mu);
	CU_ASSERT_FATAL(hold_wait_received(2));
	int rc = sync_from(url, dir, NULL, &res, &err);
	CU_ASSERT_EQUAL(rc, 0);
	if (rc != 0)
		fprintf(stderr, "\n%s: %s\n", gb_errname(rc), err.msg);
	CU_ASSERT(res.trusted_size >= first);

	pthread_mutex_lock(&hold.mu);
	hold.released = 1000;
	pthread_mutex_unlock(&hold.mu);
	gb_server_stop(s);
	MHD_stop_daemon(wd);
	gb_ledger_close(a);
}

/*
 * A log's signed checkpoint of the empty tree. Defect: a new mirror took it
 * (nothing to fetch), wrote it as trusted into the directory and then read
 * the size of a ledger it never made: a NULL dereference, the mirror killed
 * by what a server says. A gongbao log holds at least its charter: GB_ERANGE,
 * nothing written.
 */
static void test_empty_signed_tree(void)
{
	struct liar lr = { 0 };
	liar_sign(&lr);
	liar_start(&lr);
	char dir[300], path[400];
	gb_mirror_result res;
	gb_err err;
	snprintf(dir, sizeof dir, "%s/mirror-empty", fx_root);
	CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0700), 0);
	CU_ASSERT_EQUAL(sync_from(lr.url, dir, &fx_key[FX_LOG].pub, &res, &err), GB_ERANGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "0 entries"));
	snprintf(path, sizeof path, "%s/%s", dir, GB_MIRROR_CHECKPOINT_FILE);
	CU_ASSERT_NOT_EQUAL(access(path, F_OK), 0);
	CU_ASSERT_EQUAL(mirror_state(dir, NULL), UINT64_MAX);
	liar_stop(&lr);
}

static void add_tests(CU_pSuite s)
{
	CU_add_test(s, "mirror: a log holding an entry twice gets nothing of its chunk stored",
		test_repeated_entry_stores_nothing);
	CU_add_test(s, "mirror: a signed tree smaller than the copy is a rollback, trusted file or not",
		test_rollback_below_the_copy);
	CU_add_test(s, "mirror: a trusted checkpoint that is not the copy's tree is GB_ECORRUPT",
		test_trusted_checkpoint_not_the_copy);
	CU_add_test(s, "mirror: one witness key under two names is refused, not counted twice",
		test_one_witness_counted_twice);
	CU_add_test(s, "serve --witness: the checkpoints served never go back, first round included",
		test_served_checkpoint_never_shrinks);
	CU_add_test(s, "mirror: a signed empty tree is refused, not a crash", test_empty_signed_tree);
}

GB_CUNIT_MAIN("trust review", add_tests)
