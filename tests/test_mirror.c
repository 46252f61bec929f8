/*
 * test_mirror.c: gb_mirror_sync and gb_client against in-process servers,
 * including a splicing server that answers checkpoints and proofs from one
 * log and entries from a fork of it (same charter, same log key, other
 * entries): the mirror must refuse every chunk that is not part of the
 * signed tree, and store nothing of it.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <microhttpd.h>

#include "cu.h"
#include "fixture.h"
#include "net.h"
#include "gongbao/client.h"
#include "gongbao/mirror.h"
#include "gongbao/server.h"



/* Serves l, signing checkpoints with the fixture's log key, on a free loopback port; writes its URL. */
static gb_server *serve(gb_ledger *l, char url[64])
{
	gb_server_config cfg = { .log_key = &fx_key[FX_LOG] };
	return net_serve(l, &cfg, url);
}

/* The splicer: /v1/entries from `entries_url`, everything else from `main_url`. */
struct splicer {
	struct MHD_Daemon *d;
	char main_url[64], entries_url[64], url[64];
};

static enum MHD_Result splice(void *cls, struct MHD_Connection *c, const char *url, const char *method,
	const char *version, const char *upload, size_t *upload_len, void **con_cls)
{
	struct splicer *sp = cls;
	char path[256];
	const char *q[] = { "start", "end", "size1", "size2", "index", "size" };
	size_t len = (size_t)snprintf(path, sizeof path, "%s", url);
	for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
		const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, q[i]);
		if (v != NULL)
			len += (size_t)snprintf(path + len, sizeof path - len, "%c%s=%s",
				strchr(path, '?') ? '&' : '?', q[i], v);
	}
	gb_client *cl;
	gb_http_answer a;
	gb_err err;
	const char *base = strcmp(url, "/v1/entries") == 0 ? sp->entries_url : sp->main_url;
	if (gb_client_open(base, &cl, &err) != 0)
		return MHD_NO;
	int rc = gb_client_request(cl, "GET", path, NULL, NULL, 0, &a, &err);
	gb_client_close(cl);
	if (rc != 0)
		return MHD_NO;
	struct MHD_Response *r = MHD_create_response_from_buffer(a.len, a.body, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", a.ctype);
	enum MHD_Result ret = MHD_queue_response(c, (unsigned)a.status, r);
	MHD_destroy_response(r);
	return ret;
}

static void splicer_start(struct splicer *sp)
{
	sp->d = net_mhd_start(splice, sp, sp->url);
}

/* Posts memos [from, to) with a text prefix. */
static void memos(gb_ledger *l, const char *prefix, int from, int to)
{
	gb_err err;
	for (int i = from; i < to; i++)
		CU_ASSERT_EQUAL_FATAL(fx_post(l, &err, FX_PICC,
			"{\"type\":\"memo\",\"id\":\"%s-%d\",\"text\":\"%s memo %d\"}", prefix, i, prefix, i), 0);
}

static int sync_from(const char *url, const char *dir, const gb_pubkey *key, gb_mirror_result *res,
	gb_err *err)
{
	gb_client *c;
	CU_ASSERT_EQUAL_FATAL(gb_client_open(url, &c, err), 0);
	gb_mirror_trust trust = { .log_key = key };
	int rc = gb_mirror_sync(c, dir, &trust, NULL, res, err);
	gb_client_close(c);
	return rc;
}

static uint64_t mirror_size(const char *dir)
{
	gb_ledger *l;
	gb_err err;
	uint64_t n = 0;
	if (gb_ledger_open(dir, NULL, &l, &err) != 0)
		return UINT64_MAX;
	CU_ASSERT_EQUAL(gb_ledger_size(l, &n, &err), 0);
	gb_ledger_close(l);
	return n;
}

/* Entries that are not in the signed tree: refused before anything is stored. */
static void test_spliced_entries_refused(void)
{
	gb_ledger *a = fx_ledger(), *f = fx_ledger();
	memos(a, "real", 0, 30);
	memos(f, "fork", 0, 30);
	char a_url[64], f_url[64], dir[300];
	gb_server *sa = serve(a, a_url), *sf = serve(f, f_url);
	struct splicer sp = { 0 };
	snprintf(sp.main_url, sizeof sp.main_url, "%s", a_url);
	snprintf(sp.entries_url, sizeof sp.entries_url, "%s", f_url);
	splicer_start(&sp);
	gb_mirror_result res;
	gb_err err;

	snprintf(dir, sizeof dir, "%s/mirror-spliced-new", fx_root);
	CU_ASSERT_EQUAL(sync_from(sp.url, dir, &fx_key[FX_LOG].pub, &res, &err), GB_ESPLITVIEW);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "entries 0..30 from the server"));
	CU_ASSERT_EQUAL(mirror_size(dir), UINT64_MAX); /* no mirror was made */

	snprintf(dir, sizeof dir, "%s/mirror-spliced", fx_root);
	CU_ASSERT_EQUAL(sync_from(a_url, dir, &fx_key[FX_LOG].pub, &res, &err), 0);
	CU_ASSERT_EQUAL(res.size, 31);
	CU_ASSERT_EQUAL(res.fetched, 31);
	CU_ASSERT_EQUAL(res.created, 1);
	memos(a, "real", 30, 40);
	memos(f, "fork", 30, 40);
	CU_ASSERT_EQUAL(sync_from(sp.url, dir, NULL, &res, &err), GB_ESPLITVIEW);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "entries 31..40 from the server"));
	CU_ASSERT_EQUAL(mirror_size(dir), 31);
	CU_ASSERT_EQUAL(sync_from(a_url, dir, NULL, &res, &err), 0); /* the real log goes on */
	CU_ASSERT_EQUAL(res.fetched, 10);
	CU_ASSERT_EQUAL(res.size, 41);
	CU_ASSERT_EQUAL(res.trusted_size, 41);

	MHD_stop_daemon(sp.d);
	gb_server_stop(sa);
	gb_server_stop(sf);
	gb_ledger_close(a);
	gb_ledger_close(f);
}

/* Chunks: a log longer than one chunk arrives whole, its root the signed one. */
static void test_chunks(void)
{
	gb_ledger *a = fx_ledger();
	memos(a, "bulk", 0, GB_MIRROR_CHUNK + 500);
	char url[64], dir[300];
	gb_server *s = serve(a, url);
	gb_mirror_result res;
	gb_err err;
	snprintf(dir, sizeof dir, "%s/mirror-chunks", fx_root);
	CU_ASSERT_EQUAL(sync_from(url, dir, &fx_key[FX_LOG].pub, &res, &err), 0);
	CU_ASSERT_EQUAL(res.size, GB_MIRROR_CHUNK + 501);
	uint8_t root[GB_HASH_BYTES];
	CU_ASSERT_EQUAL(gb_ledger_root(a, GB_MIRROR_CHUNK + 501, root, &err), 0);
	CU_ASSERT_EQUAL(memcmp(root, res.root, GB_HASH_BYTES), 0);
	gb_server_stop(s);
	gb_ledger_close(a);
}

/* The client's own checks: URLs, error answers mapped to codes, no server. */
static void test_client_errors(void)
{
	gb_client *c;
	gb_err err;
	for (int code = -1; code > GB_ERROR_LAST; code--)
		CU_ASSERT_EQUAL(gb_errcode(gb_errname(code)), code);
	CU_ASSERT_EQUAL(gb_errcode("GB_EUNKNOWN"), 0);
	CU_ASSERT_EQUAL(gb_errcode("gb_esig"), 0);
	CU_ASSERT_EQUAL(gb_client_open("127.0.0.1:80", &c, &err), GB_EINVAL);
	CU_ASSERT_EQUAL(gb_client_open("file:///etc/passwd", &c, &err), GB_EINVAL);
	CU_ASSERT_EQUAL_FATAL(gb_client_open("http://127.0.0.1:9/x//", &c, &err), 0);
	CU_ASSERT_STRING_EQUAL(gb_client_url(c), "http://127.0.0.1:9/x");
	uint64_t size;
	CU_ASSERT_EQUAL(gb_client_size(c, &size, &err), GB_ENET);
	gb_http_answer a = { .status = 422 };
	a.body = (uint8_t *)"{\"code\":\"GB_ESTATE\",\"message\":\"claim c-1 is closed\"}";
	a.len = strlen((char *)a.body);
	CU_ASSERT_EQUAL(gb_client_answer_error(c, "/v1/entries", &a, &err), GB_ESTATE);
	CU_ASSERT_STRING_EQUAL(err.msg, "server: 422: claim c-1 is closed");
	a.body = (uint8_t *)"{\"code\":\"GB_NOSUCH\",\"message\":\"x\"}";
	a.len = strlen((char *)a.body);
	CU_ASSERT_EQUAL(gb_client_answer_error(c, "/v1/entries", &a, &err), GB_ENET);
	a.body = (uint8_t *)"<html>bad gateway</html>";
	a.status = 502;
	a.len = strlen((char *)a.body);
	CU_ASSERT_EQUAL(gb_client_answer_error(c, "/v1/health", &a, &err), GB_ENET);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "HTTP 502"));
	gb_client_close(c);

	gb_ledger *l = fx_ledger();
	char url[64];
	gb_server *s = serve(l, url);
	CU_ASSERT_EQUAL_FATAL(gb_client_open(url, &c, &err), 0);
	uint8_t *buf;
	gb_bytes e[2];
	CU_ASSERT_EQUAL(gb_client_entries(c, 0, 2, &buf, e, &err), GB_ERANGE); /* past the end */
	CU_ASSERT_EQUAL(gb_client_entries(c, 1, 1, &buf, e, &err), GB_ERANGE);
	CU_ASSERT_EQUAL_FATAL(gb_client_entries(c, 0, 1, &buf, e, &err), 0);
	uint8_t *p;
	size_t len;
	CU_ASSERT_EQUAL_FATAL(gb_ledger_get(l, 0, &p, &len, &err), 0);
	CU_ASSERT(e[0].len == len && memcmp(e[0].ptr, p, len) == 0);
	free(p);
	free(buf);
	CU_ASSERT_EQUAL(gb_client_size(c, &size, &err), 0);
	CU_ASSERT_EQUAL(size, 1);
	gb_client_close(c);
	gb_server_stop(s);
	gb_ledger_close(l);
}

static void add_tests(CU_pSuite s)
{
	CU_add_test(s, "a splicing server's entries are refused, nothing stored", test_spliced_entries_refused);
	CU_add_test(s, "a log of more than one chunk arrives whole", test_chunks);
	CU_add_test(s, "client: URLs, error answers, no server", test_client_errors);
}

GB_CUNIT_MAIN("mirror", add_tests)
