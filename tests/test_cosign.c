/*
 * test_cosign.c: the log's side of tlog-witness (gongbao/cosign.h) against
 * a real witness over loopback HTTP (gongbao/witness_http.h) and against a
 * fake one that answers what each test sets: the request's form, the retry
 * on a size conflict, a rolled-back or forked log refused, the lines
 * verified against the charter's keys only, and a witness that is down or
 * misbehaves costing only its own cosignature.
 */
#include "gongbao/cosign.h"
#include "gongbao/witness.h"
#include "gongbao/witness_http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "witness_fixture.h"

static char root_tmpl[] = "/tmp/gb-cosign-XXXXXX";

/* ------------------------------------------------------------ the fake witness */

/* What the fake answers, and the last body it received. */
static struct {
	pthread_mutex_t mu;
	unsigned status;
	const char *ctype;
	char answer[8192];
	size_t answer_len;
	char got[GB_WITNESS_BODY_MAX + 1];
	size_t got_len;
	int requests;
} fake = { .mu = PTHREAD_MUTEX_INITIALIZER };

static struct MHD_Daemon *fake_daemon;
static char fake_url[64];

static void fake_set(unsigned status, const char *ctype, const char *answer, size_t len)
{
	pthread_mutex_lock(&fake.mu);
	fake.status = status;
	fake.ctype = ctype;
	memcpy(fake.answer, answer, len);
	fake.answer_len = len;
	fake.requests = 0;
	pthread_mutex_unlock(&fake.mu);
}

static enum MHD_Result fake_request(void *cls, struct MHD_Connection *c, const char *url,
	const char *method, const char *version, const char *upload, size_t *upload_len,
	void **con_cls)
{
	if (*con_cls == NULL) {
		*con_cls = &fake;
		pthread_mutex_lock(&fake.mu);
		fake.got_len = 0;
		pthread_mutex_unlock(&fake.mu);
		return MHD_YES;
	}
	pthread_mutex_lock(&fake.mu);
	if (*upload_len > 0) {
		size_t n = *upload_len < sizeof fake.got - fake.got_len ? *upload_len : 0;
		memcpy(fake.got + fake.got_len, upload, n);
		fake.got_len += n;
		*upload_len = 0;
		pthread_mutex_unlock(&fake.mu);
		return MHD_YES;
	}
	fake.requests++;
	struct MHD_Response *r = MHD_create_response_from_buffer(fake.answer_len, fake.answer,
		MHD_RESPMEM_MUST_COPY);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, fake.ctype);
	enum MHD_Result ret = MHD_queue_response(c, fake.status, r);
	MHD_destroy_response(r);
	pthread_mutex_unlock(&fake.mu);
	return ret;
}

/* ------------------------------------------------------------ helpers */

static gb_witness *real;
static gb_witness_http *real_http;
static char real_url[64];

static int prove_main(void *ctx, uint64_t size1, uint64_t size2,
	uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES], size_t *count, gb_err *err)
{
	return gb_merkle_prove_consistency(size1, size2, tree_read, ctx, proof, count);
}

static gb_cosigner *cosigner(const char *url1, const char *url2)
{
	const char *urls[2] = { url1, url2 };
	gb_cosigner *c = NULL;
	gb_err err;
	CU_ASSERT_FATAL(gb_cosigner_open(urls, url2 ? 2 : 1, &c, &err) == 0);
	return c;
}

/* A note of `t` at `size` signed by the log, in buf (GB_NOTE_MAX). */
static size_t note_of(char *buf, struct tree *t, uint64_t size)
{
	uint8_t root[GB_HASH_BYTES];
	root_of(t, size, root);
	return make_note(buf, &log_key, ORIGIN, size, root);
}

/* One round with `keys`; returns outcome 0's code (all outcomes in out). */
static int round_with(gb_cosigner *c, char *buf, size_t *len, struct tree *t,
	const gb_pubkey *keys, size_t key_count, gb_cosign_outcome *out)
{
	gb_err err;
	CU_ASSERT_FATAL(gb_cosign_round(c, buf, GB_NOTE_MAX, len, keys, key_count, prove_main, t,
		out, &err) == 0);
	return out[0].code;
}

/* Expects outcome o to be `code` with `needle` in its message. */
static void expect_outcome(const gb_cosign_outcome *o, int code, const char *needle)
{
	CU_ASSERT_EQUAL(o->code, code);
	if (o->code != code)
		fprintf(stderr, "\nwant %s, got %s: %s\n", gb_errname(code), gb_errname(o->code), o->msg);
	if (needle != NULL && strstr(o->msg, needle) == NULL) {
		fprintf(stderr, "\nmessage '%s' lacks '%s'\n", o->msg, needle);
		CU_FAIL("the message does not say what happened");
	}
	if (code != 0)
		CU_ASSERT_EQUAL(o->lines, 0);
}

/* Opens the note with the log's and the witness's keys; returns the verified count. */
static size_t verified(const char *buf, size_t len)
{
	gb_pubkey v[2] = { log_key.pub, wit_key.pub };
	gb_note note;
	gb_err err;
	if (gb_note_open(buf, len, v, 2, &note, &err) != 0) {
		fprintf(stderr, "\nopen: %s\n", err.msg);
		return 0;
	}
	return note.verified_count;
}

/* ------------------------------------------------------------ tests */

static void test_setup(void)
{
	wf_setup();
	CU_ASSERT_FATAL(gb_test_tmpdir(root_tmpl) != NULL);
	char dir[256];
	snprintf(dir, sizeof dir, "%s/state", root_tmpl);
	gb_witness_log lg;
	memset(&lg, 0, sizeof lg);
	snprintf(lg.origin, sizeof lg.origin, "%s", ORIGIN);
	lg.key = log_key.pub;
	gb_err err;
	CU_ASSERT_FATAL(gb_witness_open(dir, &wit_key, &lg, 1, &real, &err) == 0);
	gb_witness_http_config cfg = { .listen = { .addr_be = htonl(INADDR_LOOPBACK), .port = 0 } };
	CU_ASSERT_FATAL(gb_witness_http_start(&cfg, real, &real_http, &err) == 0);
	snprintf(real_url, sizeof real_url, "http://127.0.0.1:%u", gb_witness_http_port(real_http));
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = 0,
		.sin_addr = { .s_addr = htonl(INADDR_LOOPBACK) } };
	fake_daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
		MHD_USE_THREAD_PER_CONNECTION, 0, NULL, NULL, fake_request, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_END);
	CU_ASSERT_FATAL(fake_daemon != NULL);
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(fake_daemon, MHD_DAEMON_INFO_BIND_PORT);
	snprintf(fake_url, sizeof fake_url, "http://127.0.0.1:%u", info->port);
}

/* Rounds against the real witness: first, extended, a fresh cosigner's retry. */
static void test_real_witness(void)
{
	gb_cosigner *c = cosigner(real_url, NULL);
	CU_ASSERT_EQUAL(gb_cosigner_count(c), 1);
	CU_ASSERT_STRING_EQUAL(gb_cosigner_url(c, 0), real_url);
	char buf[GB_NOTE_MAX];
	gb_cosign_outcome out[2];
	size_t len = note_of(buf, &main_tree, 5), signed_len = len;
	CU_ASSERT_EQUAL(round_with(c, buf, &len, &main_tree, &wit_key.pub, 1, out), 0);
	CU_ASSERT_EQUAL(out[0].lines, 1);
	CU_ASSERT_EQUAL(out[0].old_size, 0);
	CU_ASSERT(len > signed_len);
	CU_ASSERT_EQUAL(verified(buf, len), 2);
	/* Extended: from 5, with a proof. */
	len = note_of(buf, &main_tree, 9);
	CU_ASSERT_EQUAL(round_with(c, buf, &len, &main_tree, &wit_key.pub, 1, out), 0);
	CU_ASSERT_EQUAL(out[0].old_size, 5);
	CU_ASSERT_EQUAL(verified(buf, len), 2);
	/* The same note again: its line is replaced, not doubled. */
	size_t once = len;
	CU_ASSERT_EQUAL(round_with(c, buf, &len, &main_tree, &wit_key.pub, 1, out), 0);
	CU_ASSERT_EQUAL(len, once);
	CU_ASSERT_EQUAL(out[0].old_size, 9);
	/* A cosigner that remembers nothing (a restarted log) learns 9 from the 409. */
	gb_cosigner *c2 = cosigner(real_url, NULL);
	len = note_of(buf, &main_tree, 12);
	CU_ASSERT_EQUAL(round_with(c2, buf, &len, &main_tree, &wit_key.pub, 1, out), 0);
	CU_ASSERT_EQUAL(out[0].old_size, 9);
	CU_ASSERT_EQUAL(verified(buf, len), 2);
	gb_cosigner_close(c2);
	gb_cosigner_close(c);
}

/* A rolled-back or forked log gets no cosignature; the note stays as it was. */
static void test_refused(void)
{
	gb_cosign_outcome out[2];
	char buf[GB_NOTE_MAX], before[GB_NOTE_MAX];
	/* The witness has 12 (test_real_witness). A log back at 5: */
	gb_cosigner *c = cosigner(real_url, NULL);
	size_t len = note_of(buf, &main_tree, 5);
	memcpy(before, buf, len);
	size_t before_len = len;
	round_with(c, buf, &len, &main_tree, &wit_key.pub, 1, out);
	expect_outcome(&out[0], GB_ESPLITVIEW, "cosigned size 12 of this origin, over this log's size 5");
	CU_ASSERT(len == before_len && memcmp(buf, before, len) == 0);
	gb_cosigner_close(c);
	/* A fork (same origin and key, other entries from 7 on), larger: its proof fails. */
	c = cosigner(real_url, NULL);
	len = note_of(buf, &fork_tree, 14);
	before_len = len;
	round_with(c, buf, &len, &fork_tree, &wit_key.pub, 1, out);
	expect_outcome(&out[0], GB_ENET, "HTTP 422: GB_EPROOF");
	CU_ASSERT_EQUAL(out[0].old_size, 12);
	CU_ASSERT_EQUAL(len, before_len);
	/* The fork at the witness's size: a split view. */
	len = note_of(buf, &fork_tree, 12);
	round_with(c, buf, &len, &fork_tree, &wit_key.pub, 1, out);
	expect_outcome(&out[0], GB_ESPLITVIEW, "HTTP 409: GB_ESPLITVIEW: SPLIT VIEW");
	gb_cosigner_close(c);
	/* The honest log goes on. */
	uint64_t size = 0;
	uint8_t root[GB_HASH_BYTES];
	CU_ASSERT(gb_witness_latest(real, ORIGIN, &size, root, NULL) == 0);
	CU_ASSERT_EQUAL(size, 12);
}

/* Only lines by the given alg 0x04 keys are taken. */
static void test_keys(void)
{
	gb_cosigner *c = cosigner(real_url, NULL);
	gb_cosign_outcome out[2];
	char buf[GB_NOTE_MAX];
	/* Not the witness's key: the witness cosigned, but nothing is taken. */
	gb_seckey stranger;
	uint8_t seed[GB_SEED_BYTES];
	memset(seed, 0x44, sizeof seed);
	CU_ASSERT_FATAL(gb_seckey_from_seed(&stranger, "gongbao.test/w1", GB_ALG_COSIGNATURE_V1, seed, NULL) == 0);
	size_t len = note_of(buf, &main_tree, 13), before = len;
	round_with(c, buf, &len, &main_tree, &stranger.pub, 1, out);
	expect_outcome(&out[0], GB_ENOTESIG, "answer has 1 line, none a cosignature by a charter witness key");
	CU_ASSERT_EQUAL(len, before);
	/* The witness's key pair as an alg 0x01 key: skipped, so the same. */
	gb_seckey plain;
	memset(seed, 0x33, sizeof seed);
	CU_ASSERT_FATAL(gb_seckey_from_seed(&plain, "gongbao.test/w1", GB_ALG_ED25519, seed, NULL) == 0);
	len = note_of(buf, &main_tree, 13);
	round_with(c, buf, &len, &main_tree, &plain.pub, 1, out);
	expect_outcome(&out[0], GB_ENOTESIG, "none a cosignature");
	CU_ASSERT_EQUAL(out[0].old_size, 13); /* it remembered the size the witness cosigned */
	/* With the right key among others. */
	gb_pubkey keys[3] = { stranger.pub, plain.pub, wit_key.pub };
	keys[0].keyid ^= 1; /* not ambiguous with the witness's */
	len = note_of(buf, &main_tree, 14);
	CU_ASSERT_EQUAL(round_with(c, buf, &len, &main_tree, keys, 3, out), 0);
	CU_ASSERT_EQUAL(out[0].lines, 1);
	gb_cosigner_close(c);
}

/* A witness that is down costs only its own cosignature. */
static void test_down(void)
{
	gb_cosigner *c = cosigner("http://127.0.0.1:9", real_url);
	gb_cosign_outcome out[2];
	char buf[GB_NOTE_MAX];
	size_t len = note_of(buf, &main_tree, 15);
	round_with(c, buf, &len, &main_tree, &wit_key.pub, 1, out);
	expect_outcome(&out[0], GB_ENET, "http://127.0.0.1:9/add-checkpoint");
	CU_ASSERT_EQUAL(out[1].code, 0);
	CU_ASSERT_EQUAL(out[1].lines, 1);
	CU_ASSERT_EQUAL(verified(buf, len), 2);
	gb_cosigner_close(c);
}

/*
 * A charter witness key named as the log's key: its line would sit under the
 * log's name on the note (and, with a ground key id, replace the log's own
 * signature line). It is never asked, and the note keeps its log line alone.
 */
static void test_witness_named_as_log(void)
{
	char line[GB_NOTE_LINE_MAX], buf[GB_NOTE_MAX], text[256];
	uint8_t seed[GB_SEED_BYTES];
	gb_seckey evil;
	memset(seed, 0x77, sizeof seed);
	CU_ASSERT_FATAL(gb_seckey_from_seed(&evil, ORIGIN, GB_ALG_COSIGNATURE_V1, seed, NULL) == 0);
	size_t line_len = 0, len = note_of(buf, &main_tree, 9), signed_len = len;
	size_t text_len = (size_t)(strstr(buf, "\n\n") - buf) + 1;
	memcpy(text, buf, text_len);
	CU_ASSERT_FATAL(gb_note_signature_line(text, text_len, &evil, NOW, line, &line_len, NULL) == 0);
	fake_set(200, "text/plain; charset=utf-8", line, line_len);
	gb_cosigner *c = cosigner(fake_url, NULL);
	gb_cosign_outcome out[2];
	char before[GB_NOTE_MAX];
	memcpy(before, buf, len);
	CU_ASSERT_NOT_EQUAL(round_with(c, buf, &len, &main_tree, &evil.pub, 1, out), 0);
	CU_ASSERT_EQUAL(out[0].lines, 0);
	CU_ASSERT_EQUAL(len, signed_len);
	CU_ASSERT(memcmp(before, buf, len) == 0);
	gb_cosigner_close(c);
	gb_seckey_wipe(&evil);
}

/* The request the fake receives is exactly the tlog-witness body. */
static void test_request_form(void)
{
	char line[GB_NOTE_LINE_MAX], buf[GB_NOTE_MAX], text[256];
	size_t line_len = 0, len = note_of(buf, &main_tree, 9);
	size_t text_len = (size_t)(strstr(buf, "\n\n") - buf) + 1;
	memcpy(text, buf, text_len);
	CU_ASSERT_FATAL(gb_note_signature_line(text, text_len, &wit_key, NOW, line, &line_len, NULL) == 0);
	fake_set(200, "text/plain; charset=utf-8", line, line_len);
	gb_cosigner *c = cosigner(fake_url, NULL);
	gb_cosign_outcome out[2];
	CU_ASSERT_EQUAL(round_with(c, buf, &len, &main_tree, &wit_key.pub, 1, out), 0);
	char want[GB_WITNESS_BODY_MAX];
	size_t want_len = make_body(want, 0, &main_tree, 9, &log_key);
	pthread_mutex_lock(&fake.mu);
	CU_ASSERT_EQUAL(fake.got_len, want_len);
	CU_ASSERT(memcmp(fake.got, want, want_len) == 0);
	pthread_mutex_unlock(&fake.mu);
	/* The next round starts from 9, with the proof from 9 to 12. */
	len = note_of(buf, &main_tree, 12);
	text_len = (size_t)(strstr(buf, "\n\n") - buf) + 1;
	memcpy(text, buf, text_len);
	CU_ASSERT_FATAL(gb_note_signature_line(text, text_len, &wit_key, NOW, line, &line_len, NULL) == 0);
	fake_set(200, "text/plain; charset=utf-8", line, line_len);
	CU_ASSERT_EQUAL(round_with(c, buf, &len, &main_tree, &wit_key.pub, 1, out), 0);
	want_len = make_body(want, 9, &main_tree, 12, &log_key);
	pthread_mutex_lock(&fake.mu);
	CU_ASSERT_EQUAL(fake.got_len, want_len);
	CU_ASSERT(memcmp(fake.got, want, want_len) == 0);
	CU_ASSERT(strncmp(fake.got, "old 9\n", 6) == 0);
	pthread_mutex_unlock(&fake.mu);
	gb_cosigner_close(c);
}

/* Misbehaving witnesses: each answer refused, with the reason. */
static void test_fake_answers(void)
{
	char buf[GB_NOTE_MAX], text[256], line[GB_NOTE_LINE_MAX];
	size_t len = note_of(buf, &main_tree, 9), line_len = 0, before = len;
	size_t text_len = (size_t)(strstr(buf, "\n\n") - buf) + 1;
	memcpy(text, buf, text_len);
	CU_ASSERT_FATAL(gb_note_signature_line(text, text_len, &wit_key, NOW, line, &line_len, NULL) == 0);
	gb_cosign_outcome out[2];
	/* A bad signature by the charter's key: the whole answer is refused. */
	char bad[GB_NOTE_LINE_MAX + 200];
	memcpy(bad, line, line_len);
	bad[line_len - 10] = bad[line_len - 10] == 'A' ? 'B' : 'A';
	fake_set(200, "text/plain", bad, line_len);
	gb_cosigner *c = cosigner(fake_url, NULL);
	round_with(c, buf, &len, &main_tree, &wit_key.pub, 1, out);
	expect_outcome(&out[0], GB_ENOTESIG, "answer line 1: signature line 1 by 'gongbao.test/w1+");
	CU_ASSERT_EQUAL(len, before);
	/* A line by an unknown key, then the good line: the good one is taken. */
	size_t n = (size_t)sprintf(bad, EM_DASH " someone.else/w QkJCQkJCQkI=\n");
	memcpy(bad + n, line, line_len);
	fake_set(200, "text/plain", bad, n + line_len);
	CU_ASSERT_EQUAL(round_with(c, buf, &len, &main_tree, &wit_key.pub, 1, out), 0);
	CU_ASSERT_EQUAL(out[0].lines, 1);
	CU_ASSERT_EQUAL(len, before + line_len);
	CU_ASSERT(memcmp(buf + before, line, line_len) == 0);
	len = before;
	static const struct { unsigned status; const char *ctype, *body; int code; const char *needle; } cases[] = {
		{ 200, "text/plain", "hello", GB_ENOTE, "want 1 to 4096 bytes of lines" },
		{ 200, "text/plain", "", GB_ENOTE, "answer of 0 bytes" },
		{ 200, "text/plain", "hello\n", GB_ENOTE, "does not start with an em dash" },
		{ 409, "text/x.tlog.size", "5\n", GB_ESTATE, "wants old size 5 after it named it" },
		{ 409, "text/x.tlog.size", "10\n", GB_ESPLITVIEW, "cosigned size 10 of this origin, over this log's size 9" },
		{ 409, "text/x.tlog.size", "x\n", GB_ENET, "malformed" },
		{ 409, "text/x.tlog.size", "05\n", GB_ENET, "malformed" },
		{ 409, "text/plain", "GB_ESPLITVIEW: SPLIT VIEW\n", GB_ESPLITVIEW, "HTTP 409: GB_ESPLITVIEW: SPLIT VIEW" },
		{ 500, "text/plain", "GB_EIO: disk\n", GB_ENET, "HTTP 500: GB_EIO: disk" },
		{ 404, "text/plain", "\x01\n", GB_ENET, "HTTP 404: ?" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		gb_cosigner *ci = cosigner(fake_url, NULL);
		fake_set(cases[i].status, cases[i].ctype, cases[i].body, strlen(cases[i].body));
		round_with(ci, buf, &len, &main_tree, &wit_key.pub, 1, out);
		expect_outcome(&out[0], cases[i].code, cases[i].needle);
		CU_ASSERT_EQUAL(len, before);
		pthread_mutex_lock(&fake.mu);
		/* Two requests for the size conflict (the retry), one otherwise. */
		CU_ASSERT_EQUAL(fake.requests, i == 3 ? 2 : 1);
		pthread_mutex_unlock(&fake.mu);
		gb_cosigner_close(ci);
	}
	/* An answer over the limit. */
	static char big[GB_COSIGN_ANSWER_MAX + 1];
	memset(big, 'x', sizeof big);
	big[sizeof big - 1] = '\n';
	fake_set(200, "text/plain", big, sizeof big);
	round_with(c, buf, &len, &main_tree, &wit_key.pub, 1, out);
	expect_outcome(&out[0], GB_ENOTE, "answer of 4097 bytes");
	gb_cosigner_close(c);
}

static void test_bad_arguments(void)
{
	gb_cosigner *c = NULL;
	gb_err err;
	const char *urls[GB_COSIGN_WITNESSES_MAX + 1];
	for (int i = 0; i <= GB_COSIGN_WITNESSES_MAX; i++)
		urls[i] = real_url;
	CU_ASSERT(gb_cosigner_open(urls, 0, &c, &err) == GB_EINVAL);
	CU_ASSERT(gb_cosigner_open(urls, GB_COSIGN_WITNESSES_MAX + 1, &c, &err) == GB_EINVAL);
	urls[1] = "ftp://127.0.0.1/";
	CU_ASSERT(gb_cosigner_open(urls, 2, &c, &err) == GB_EINVAL);
	CU_ASSERT(strstr(err.msg, "witness 2: ") != NULL);
	CU_ASSERT_PTR_NULL(c);
	c = cosigner(real_url, NULL);
	char buf[GB_NOTE_MAX];
	size_t len = 0;
	CU_ASSERT_FATAL(gb_note_sign("hello\n", 6, &log_key, buf, sizeof buf, &len, NULL) == 0);
	gb_cosign_outcome out[1];
	CU_ASSERT(gb_cosign_round(c, buf, sizeof buf, &len, &wit_key.pub, 1, prove_main, &main_tree,
		out, &err) == GB_ENOTE);
	gb_cosigner_close(c);
}

/* The service: rounds at start and after kicks; the latest note carries the lines. */
static struct {
	pthread_mutex_t mu;
	uint64_t size;                   /* the size the next signed checkpoint has */
	int signs;
} svc = { .mu = PTHREAD_MUTEX_INITIALIZER };

static int svc_sign(void *ctx, char *note, size_t cap, size_t *len, gb_pubkey *keys,
	size_t keys_cap, size_t *key_count, gb_err *err)
{
	pthread_mutex_lock(&svc.mu);
	uint64_t size = svc.size;
	svc.signs++;
	pthread_mutex_unlock(&svc.mu);
	CU_ASSERT_FATAL(cap >= GB_NOTE_MAX && keys_cap >= 2);
	*len = note_of(note, &main_tree, size);
	keys[0] = log_key.pub; /* not a witness key: skipped */
	keys[1] = wit_key.pub;
	*key_count = 2;
	return 0;
}

/* Waits (at most 10 s, polling) for the service's note to have `size` and 2 signatures. */
static int wait_latest(gb_cosign_service *sv, uint64_t size, char *buf, size_t *len)
{
	char want[32];
	snprintf(want, sizeof want, "\n%" PRIu64 "\n", size);
	for (int i = 0; i < 1000; i++) {
		if (gb_cosign_service_latest(sv, buf, GB_NOTE_MAX, len) && *len < GB_NOTE_MAX) {
			buf[*len] = '\0';
			if (strstr(buf, want) != NULL && verified(buf, *len) == 2)
				return 1;
		}
		usleep(10000);
	}
	return 0;
}

static void test_service(void)
{
	static char buf[GB_NOTE_MAX + 1];
	size_t len = 0;
	const char *urls[1] = { real_url };
	gb_cosign_service *sv = NULL;
	gb_err err;
	/* The witness has 14 (the tests before): the service starts from 0 and learns it. */
	svc.size = 20;
	CU_ASSERT_FATAL(gb_cosign_service_start(urls, 1, svc_sign, prove_main, &main_tree, &sv, &err) == 0);
	CU_ASSERT(wait_latest(sv, 20, buf, &len));
	pthread_mutex_lock(&svc.mu);
	svc.size = 30;
	pthread_mutex_unlock(&svc.mu);
	gb_cosign_service_kick(sv);
	CU_ASSERT(wait_latest(sv, 30, buf, &len));
	/* No kick, no round (the last one succeeded): the count of signs stays. */
	pthread_mutex_lock(&svc.mu);
	int signs = svc.signs;
	svc.size = 31;
	pthread_mutex_unlock(&svc.mu);
	usleep(300000);
	pthread_mutex_lock(&svc.mu);
	CU_ASSERT_EQUAL(svc.signs, signs);
	pthread_mutex_unlock(&svc.mu);
	gb_cosign_service_stop(sv);
	uint64_t size = 0;
	uint8_t root[GB_HASH_BYTES];
	CU_ASSERT(gb_witness_latest(real, ORIGIN, &size, root, NULL) == 0);
	CU_ASSERT_EQUAL(size, 30);
	/* A bad URL: refused at start. */
	urls[0] = "nothttp://x";
	CU_ASSERT(gb_cosign_service_start(urls, 1, svc_sign, prove_main, &main_tree, &sv, &err) == GB_EINVAL);
	CU_ASSERT_PTR_NULL(sv);
}

static void test_teardown(void)
{
	MHD_stop_daemon(fake_daemon);
	gb_witness_http_stop(real_http);
	gb_witness_close(real);
}

static void add_tests(CU_pSuite s)
{
	CU_add_test(s, "setup", test_setup);
	CU_add_test(s, "a real witness", test_real_witness);
	CU_add_test(s, "rolled back and forked logs refused", test_refused);
	CU_add_test(s, "only the charter's keys", test_keys);
	CU_add_test(s, "a witness key named as the log's is never asked", test_witness_named_as_log);
	CU_add_test(s, "a witness down", test_down);
	CU_add_test(s, "the request's form", test_request_form);
	CU_add_test(s, "misbehaving witnesses", test_fake_answers);
	CU_add_test(s, "bad arguments", test_bad_arguments);
	CU_add_test(s, "the cosigning service", test_service);
	CU_add_test(s, "teardown", test_teardown);
}

GB_CUNIT_MAIN("cosign", add_tests)
