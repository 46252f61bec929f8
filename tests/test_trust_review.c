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
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "cu.h"
#include "fixture.h"
#include "gongbao/client.h"
#include "gongbao/file.h"
#include "gongbao/mirror.h"
#include "gongbao/note.h"
#include "gongbao/server.h"

#define PORT_FIRST 43100
#define PORT_TRIES 200
#define LIAR_MAX 64

static unsigned next_port = PORT_FIRST;

/* Serves l on the first free loopback port; writes its URL. */
static gb_server *serve(gb_ledger *l, char url[64])
{
	gb_err err;
	gb_server *s = NULL;
	for (unsigned i = 0; i < PORT_TRIES && s == NULL; i++) {
		gb_server_config cfg = { .listen = { .addr_be = htonl(0x7f000001), .port = (uint16_t)next_port++ },
			.log_key = &fx_key[FX_LOG] };
		if (gb_server_start(&cfg, l, &s, &err) == 0)
			snprintf(url, 64, "http://127.0.0.1:%u", (unsigned)cfg.listen.port);
	}
	CU_ASSERT_FATAL(s != NULL);
	return s;
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

/* Appends a copy of an entry and signs the new checkpoint. */
static void liar_add(struct liar *lr, const uint8_t *p, size_t len)
{
	CU_ASSERT_FATAL(lr->count < LIAR_MAX);
	lr->entry[lr->count] = malloc(len);
	CU_ASSERT_FATAL(lr->entry[lr->count] != NULL);
	memcpy(lr->entry[lr->count], p, len);
	lr->entry_len[lr->count] = len;
	lr->count++;
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
	for (unsigned i = 0; i < PORT_TRIES && lr->d == NULL; i++) {
		unsigned port = next_port++;
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
			.sin_addr = { .s_addr = htonl(0x7f000001) } };
		lr->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION,
			(uint16_t)port, NULL, NULL, liar_handle, lr, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
			MHD_OPTION_END);
		if (lr->d != NULL)
			snprintf(lr->url, sizeof lr->url, "http://127.0.0.1:%u", port);
	}
	CU_ASSERT_FATAL(lr->d != NULL);
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

static void add_tests(CU_pSuite s)
{
	CU_add_test(s, "mirror: a log holding an entry twice gets nothing of its chunk stored",
		test_repeated_entry_stores_nothing);
}

GB_CUNIT_MAIN("trust review", add_tests)
