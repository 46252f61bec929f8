/*
 * test_server_review.c: the review of the HTTP server and its client
 * (issue 5): each test pins a defect that was found, so that it stays
 * fixed. The server runs in this process and is spoken to over loopback
 * in plain HTTP/1.1; the client is pointed at a fake server that answers
 * one canned reply per connection (a lying or broken server). Statuses,
 * bodies and codes are compared exactly; no time is.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cu.h"
#include "gongbao/client.h"
#include "gongbao/ledger.h"
#include "gongbao/server.h"
#include "gongbao/store.h"

/* The fixture's helpers are static; this suite uses only some of them. */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "fixture.h"
#include "net.h"

/* ------------------------------------------------- batches on the wire */

/*
 * A body whose first byte is an array header (0xdc, 0xdd) is a batch
 * (spec/API.md section 3); a header cut short is a malformed batch, 400
 * GB_EMSGPACK, not a 200 batch answer holding one item's error.
 */
static void test_truncated_batch_header(void)
{
	static const char *const bodies[] = { "\xdc", "\xdc\x01", "\xdd", "\xdd\x00\x00\x01" };
	static const size_t lens[] = { 1, 2, 1, 4 };
	static struct answer a;
	char dir[256];
	gb_ledger *l = new_ledger(dir);
	gb_server_config cfg = { .listen = { .addr_be = htonl(INADDR_LOOPBACK) } };
	gb_server *s = net_serve(l, &cfg, NULL);
	for (size_t i = 0; i < 4; i++) {
		CU_ASSERT_FATAL(http(AF_INET, cfg.listen.port, "POST", "/v1/entries", "application/msgpack", bodies[i], lens[i],
			&a) == 0);
		CU_ASSERT_EQUAL(a.status, 400);
		CU_ASSERT_STRING_EQUAL(a.body, "{\"code\":\"GB_EMSGPACK\",\"message\":\"batch: the array header is cut short\"}\n");
	}
	gb_server_stop(s);
	CU_ASSERT_EQUAL(fx_log_size(l), 1);
	gb_ledger_close(l);
}

/* ------------------------------------------------- stopping under load */

/*
 * The locker: a child process that, told a ledger directory on `in`, opens
 * its store, begins a write transaction (LMDB's one writer at a time, across
 * processes), says 'l' on `out`, and aborts it when it reads 'r'.
 */
static void locker_main(int in, int out)
{
	char dir[256] = "", c = 'e';
	ssize_t n = read(in, dir, sizeof dir - 1);
	gb_store *st = NULL;
	gb_txn txn = { 0 };
	gb_err err;
	if (n > 0 && gb_store_open(dir, 0, 0, &st, &err) == 0 && gb_txn_begin(st, 0, &txn, &err) == 0)
		c = 'l';
	if (write(out, &c, 1) != 1 || c != 'l')
		_exit(1);
	while (read(in, &c, 1) == 1 && c != 'r')
		;
	gb_txn_abort(&txn);
	gb_store_close(st);
	_exit(0);
}

struct poster {
	uint16_t port;
	uint8_t entry[4096];
	size_t len;
	struct answer a;
};

static void *poster_main(void *arg)
{
	struct poster *p = arg;
	if (http(AF_INET, p->port, "POST", "/v1/entries", "application/msgpack", p->entry, p->len, &p->a) != 0)
		p->a.status = -1;
	return NULL;
}

static void *stopper_main(void *arg)
{
	gb_server_stop(arg);
	return NULL;
}

/*
 * gb_server_stop (SIGTERM) while a post waits for its commit: the server
 * "answers what is in flight" (server.h, spec/API.md, serve --help). The
 * post's commit is held up by another process's write transaction; the
 * stop begins meanwhile; then the lock goes. The entry is committed, so
 * its client must have its 200 with the index, not a closed connection.
 */
static void test_stop_answers_in_flight(void)
{
	int to_child[2], from_child[2];
	char dir[256], c = 0;
	CU_ASSERT_FATAL(pipe(to_child) == 0 && pipe(from_child) == 0);
	gb_ledger *l = new_ledger(dir);
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0)
		locker_main(to_child[0], from_child[1]);
	CU_ASSERT_FATAL(write(to_child[1], dir, strlen(dir)) == (ssize_t)strlen(dir));
	CU_ASSERT_FATAL(read(from_child[0], &c, 1) == 1 && c == 'l');
	gb_server_config cfg = { .listen = { .addr_be = htonl(INADDR_LOOPBACK) } };
	gb_server *s = net_serve(l, &cfg, NULL);
	static struct poster p;
	pthread_t pt, st;
	p = (struct poster){ .port = cfg.listen.port };
	p.len = memo(p.entry, sizeof p.entry, 1);
	CU_ASSERT_FATAL(pthread_create(&pt, NULL, poster_main, &p) == 0);
	nap_ms(500);                    /* the post reaches the writer, which waits for the lock */
	CU_ASSERT_FATAL(pthread_create(&st, NULL, stopper_main, s) == 0);
	nap_ms(500);                    /* the stop is under way */
	CU_ASSERT_FATAL(write(to_child[1], "r", 1) == 1);
	pthread_join(pt, NULL);
	pthread_join(st, NULL);
	int status;
	CU_ASSERT(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CU_ASSERT_EQUAL(fx_log_size(l), 2);
	CU_ASSERT_EQUAL(p.a.status, 200);
	CU_ASSERT_STRING_EQUAL(p.a.body, "{\"index\":1,\"duplicate\":false}\n");
	gb_ledger_close(l);
	close(to_child[0]), close(to_child[1]), close(from_child[0]), close(from_child[1]);
}

/* ------------------------------------------- concurrent batches that clash */

/* A batch: the array header and each entry as bin16. */
static size_t batch_of(uint8_t *out, size_t cap, uint8_t (*entries)[1024], const size_t *lens, size_t n)
{
	size_t off = 1;
	out[0] = (uint8_t)(0x90 | n);
	for (size_t i = 0; i < n; i++) {
		size_t hl = lens[i] < 256 ? 2 : 3; /* the shortest bin header, as the server wants */
		CU_ASSERT_FATAL(off + hl + lens[i] <= cap);
		if (hl == 2)
			out[off] = 0xc4, out[off + 1] = (uint8_t)lens[i];
		else
			out[off] = 0xc5, out[off + 1] = (uint8_t)(lens[i] >> 8), out[off + 2] = (uint8_t)lens[i];
		memcpy(out + off + hl, entries[i], lens[i]);
		off += hl + lens[i];
	}
	return off;
}

struct batcher {
	uint16_t port;
	uint8_t body[16384];
	size_t len;
	struct answer a;
};

static void *batcher_main(void *arg)
{
	struct batcher *b = arg;
	if (http(AF_INET, b->port, "POST", "/v1/entries", "application/msgpack", b->body, b->len, &b->a) != 0)
		b->a.status = -1;
	return NULL;
}

/*
 * Eight clients post, at once, batches of the same six memos (in rotated
 * orders) and a seventh entry that reuses memo 1's id with other bytes, so
 * that groups fail and fall back to entry-by-entry appends. Every client
 * gets 200 and, for each memo, the same index; the seventh is GB_EIDREUSE
 * for all; the log holds the six once each.
 */
static void test_concurrent_clashing_batches(void)
{
	enum { CLIENTS = 8, MEMOS = 6 };
	static struct batcher b[CLIENTS];
	static uint8_t e[MEMOS + 1][1024];
	size_t lens[MEMOS + 1];
	pthread_t t[CLIENTS];
	char dir[256];
	for (int i = 0; i < MEMOS; i++)
		lens[i] = memo(e[i], sizeof e[i], i + 1);
	lens[MEMOS] = fx_sign(e[MEMOS], sizeof e[MEMOS], FX_PICC, "{\"type\":\"memo\",\"id\":\"m-1\",\"text\":\"other\"}");
	gb_ledger *l = new_ledger(dir);
	gb_server_config cfg = { .listen = { .addr_be = htonl(INADDR_LOOPBACK) } };
	gb_server *s = net_serve(l, &cfg, NULL);
	for (int c = 0; c < CLIENTS; c++) {
		uint8_t rot[MEMOS + 1][1024];
		size_t rl[MEMOS + 1];
		for (int i = 0; i < MEMOS; i++) {
			memcpy(rot[i], e[(i + c) % MEMOS], sizeof rot[i]);
			rl[i] = lens[(i + c) % MEMOS];
		}
		memcpy(rot[MEMOS], e[MEMOS], sizeof rot[MEMOS]);
		rl[MEMOS] = lens[MEMOS];
		b[c].port = cfg.listen.port;
		b[c].len = batch_of(b[c].body, sizeof b[c].body, rot, rl, MEMOS + 1);
	}
	for (int c = 0; c < CLIENTS; c++)
		CU_ASSERT_FATAL(pthread_create(&t[c], NULL, batcher_main, &b[c]) == 0);
	for (int c = 0; c < CLIENTS; c++)
		pthread_join(t[c], NULL);
	long index[MEMOS];
	int fresh[MEMOS] = { 0 };
	for (int i = 0; i < MEMOS; i++)
		index[i] = -1;
	for (int c = 0; c < CLIENTS; c++) {
		CU_ASSERT_EQUAL_FATAL(b[c].a.status, 200);
		json_t *a = json_loads(b[c].a.body, 0, NULL);
		CU_ASSERT_FATAL(json_is_array(a) && json_array_size(a) == MEMOS + 1);
		for (int i = 0; i < MEMOS; i++) {
			int m = (i + c) % MEMOS;
			json_t *o = json_array_get(a, (size_t)i);
			long ix = (long)json_integer_value(json_object_get(o, "index"));
			CU_ASSERT(json_is_integer(json_object_get(o, "index")));
			CU_ASSERT(ix >= 1 && ix <= MEMOS);
			CU_ASSERT(index[m] == -1 || index[m] == ix);
			index[m] = ix;
			fresh[m] += json_is_false(json_object_get(o, "duplicate"));
		}
		CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_array_get(a, MEMOS), "code")), "GB_EIDREUSE");
		json_decref(a);
	}
	for (int i = 0; i < MEMOS; i++) {
		CU_ASSERT_EQUAL(fresh[i], 1);
		uint8_t *p;
		size_t len;
		gb_err err;
		CU_ASSERT_FATAL(gb_ledger_get(l, (uint64_t)index[i], &p, &len, &err) == 0);
		CU_ASSERT(len == lens[i] && memcmp(p, e[i], len) == 0);
		free(p);
	}
	gb_server_stop(s);
	CU_ASSERT_EQUAL(fx_log_size(l), 1 + MEMOS);
	gb_ledger_close(l);
}

/* ------------------------------------------------------ a lying server */

/* A fake server: answers each of up to `count` connections with the next canned reply. */
struct fake {
	int lfd;
	uint16_t port;
	pthread_t thread;
	const char *replies[8];
	size_t lens[8];                 /* 0: strlen */
	size_t count;
};

/* Reads a request's headers and its Content-Length body (enough for the client's requests). */
static void fake_read_request(int fd)
{
	char buf[70000];
	size_t len = 0;
	ssize_t n;
	const char *end = NULL;
	while (end == NULL && len < sizeof buf - 1 && (n = recv(fd, buf + len, sizeof buf - 1 - len, 0)) > 0) {
		len += (size_t)n;
		buf[len] = '\0';
		end = strstr(buf, "\r\n\r\n");
	}
	if (end == NULL)
		return;
	const char *cl = strstr(buf, "Content-Length:"); /* libcurl spells it so */
	size_t want = (size_t)(end + 4 - buf) + (cl != NULL && cl < end ? (size_t)atol(cl + 15) : 0);
	while (len < want && len < sizeof buf - 1 && (n = recv(fd, buf + len, sizeof buf - 1 - len, 0)) > 0)
		len += (size_t)n;
}

#define FAKE_WAIT_MS 20000

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	for (size_t i = 0; i < f->count; i++) {
		struct pollfd pfd = { .fd = f->lfd, .events = POLLIN };
		if (poll(&pfd, 1, FAKE_WAIT_MS) != 1) { /* a client that never comes must not hang the suite */
			fprintf(stderr, "fake server: no connection %zu within %d ms\n", i, FAKE_WAIT_MS);
			break;
		}
		int fd = accept(f->lfd, NULL, NULL);
		if (fd < 0)
			break;
		fake_read_request(fd);
		size_t len = f->lens[i] ? f->lens[i] : strlen(f->replies[i]);
		if (send(fd, f->replies[i], len, MSG_NOSIGNAL) != (ssize_t)len)
			fprintf(stderr, "fake server: short send\n");
		shutdown(fd, SHUT_WR);
		close(fd);
	}
	return NULL;
}

/* Starts a fake server on a free loopback port, answering f->count connections. */
static void fake_start(struct fake *f)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof a;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->lfd = socket(AF_INET, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(f->lfd >= 0);
	CU_ASSERT_FATAL(bind(f->lfd, (struct sockaddr *)&a, sizeof a) == 0);
	CU_ASSERT_FATAL(listen(f->lfd, 8) == 0);
	CU_ASSERT_FATAL(getsockname(f->lfd, (struct sockaddr *)&a, &alen) == 0);
	f->port = ntohs(a.sin_port);
	CU_ASSERT_FATAL(pthread_create(&f->thread, NULL, fake_main, f) == 0);
}

static void fake_stop(struct fake *f)
{
	pthread_join(f->thread, NULL);
	close(f->lfd);
}

/* An HTTP/1.1 reply with `status`, a JSON body, and Connection: close, into a static buffer slot. */
static const char *reply_text(int slot, int status, const char *body)
{
	static char buf[8][1024];
	snprintf(buf[slot], sizeof buf[slot], "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
		"Content-Length: %zu\r\nConnection: close\r\n\r\n%s", status, strlen(body), body);
	return buf[slot];
}

static gb_client *fake_client(const struct fake *f)
{
	char url[64];
	gb_client *c = NULL;
	gb_err err;
	snprintf(url, sizeof url, "http://127.0.0.1:%u", f->port);
	CU_ASSERT_FATAL(gb_client_open(url, &c, &err) == 0);
	return c;
}

/*
 * gb_client_append of one entry: a 503 (the queue is full: nothing of it was
 * stored; retrying is safe) is the request's own failure (client.h), not the
 * entry's rejection; so is an error body under a status its code is never
 * answered with, and an acceptance under a status that is not 200. A
 * rejection under its own status is the entry's outcome.
 */
static void test_client_single_post_statuses(void)
{
	static struct fake f;
	f = (struct fake){ .count = 4 };
	f.replies[0] = reply_text(0, 503, "{\"code\":\"GB_ETOOBIG\",\"message\":\"the commit queue is full\"}\n");
	f.replies[1] = reply_text(1, 200, "{\"code\":\"GB_ESIG\",\"message\":\"bad\"}\n");
	f.replies[2] = reply_text(2, 201, "{\"index\":7,\"duplicate\":false}\n");
	f.replies[3] = reply_text(3, 400, "{\"code\":\"GB_ESIG\",\"message\":\"signature 0 does not verify\"}\n");
	fake_start(&f);
	gb_client *c = fake_client(&f);
	uint8_t e[16] = { 0x80 };
	gb_bytes in = { e, 1 };
	gb_append_result res = { 0 };
	int code = -999;
	char msg[1][GB_ERR_MSG_MAX];
	gb_err err;
	CU_ASSERT_EQUAL(gb_client_append(c, &in, 1, &res, &code, msg, &err), GB_ETOOBIG);
	CU_ASSERT_STRING_EQUAL(err.msg, "server: 503: the commit queue is full");
	CU_ASSERT_EQUAL(gb_client_append(c, &in, 1, &res, &code, msg, &err), GB_ESIG);
	CU_ASSERT_STRING_EQUAL(err.msg, "server: 200: bad");
	CU_ASSERT_EQUAL(gb_client_append(c, &in, 1, &res, &code, msg, &err), GB_ENET);
	CU_ASSERT_EQUAL(gb_client_append(c, &in, 1, &res, &code, msg, &err), 0);
	CU_ASSERT_EQUAL(code, GB_ESIG);
	CU_ASSERT_STRING_EQUAL(msg[0], "signature 0 does not verify");
	gb_client_close(c);
	fake_stop(&f);
}

/*
 * Runs the gongbao program next to this suite's directory (build/gongbao
 * for build/tests/...) with `args` and --server the fake f; its standard
 * output and error into out. Returns its exit status (-1 if it did not run).
 */
static int run_cli(const struct fake *f, const char *args, char *out, size_t cap)
{
	char exe[512], cmd[1400];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	CU_ASSERT_FATAL(n > 0);
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	CU_ASSERT_FATAL(slash != NULL);
	*slash = '\0';
	snprintf(cmd, sizeof cmd, "'%s/../gongbao' %s --server http://127.0.0.1:%u 2>&1", exe, args, f->port);
	FILE *p = popen(cmd, "r");
	CU_ASSERT_FATAL(p != NULL);
	size_t len = fread(out, 1, cap - 1, p);
	out[len] = '\0';
	int status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * show, reconcile and undercut --server print the server's report: one
 * that lacks what they print, is about another id, of another kind or as
 * of another index than asked is refused with GB_ENET (exit 1), not
 * printed with "?" and 0 for what is missing. A well-formed answer prints.
 */
static void test_cli_report_shapes(void)
{
	static const struct {
		const char *args, *body;
	} bad[] = {
		{ "show account m/picc-zs/cash", "{}" },
		{ "show account m/picc-zs/cash", "{\"kind\":\"account\",\"id\":\"m/picc-zs/cash\",\"as_of\":3}" },
		{ "show account m/picc-zs/cash",
			"{\"kind\":\"account\",\"id\":\"m/cpic-zs/cash\",\"as_of\":3,\"balance_fen\":5}" },
		{ "show account m/picc-zs/cash",
			"{\"kind\":\"policy\",\"id\":\"m/picc-zs/cash\",\"as_of\":3,\"balance_fen\":5,\"record\":{}}" },
		{ "show account m/picc-zs/cash --as-of 2",
			"{\"kind\":\"account\",\"id\":\"m/picc-zs/cash\",\"as_of\":3,\"balance_fen\":5}" },
		{ "show fund", "{\"kind\":\"fund\",\"as_of\":3,\"total_fen\":5,\"members\":[{\"id\":\"a\"}]}" },
		{ "show member picc-zs", "{\"kind\":\"member\",\"id\":\"picc-zs\",\"as_of\":3,\"role\":\"member\","
			"\"status\":\"active\",\"vkey\":\"k\"}" },
		{ "reconcile", "{\"as_of\":3,\"members\":[],\"total\":{\"id\":\"total\"},\"debts\":[],"
			"\"payments\":[],\"paid_total_fen\":0,\"net_total_fen\":0}" },
		{ "undercut", "{\"as_of\":3}" },
		{ "show members", "[]" },
	};
	enum { BAD = sizeof bad / sizeof bad[0] };
	static char out[4096];
	static struct fake f;
	for (size_t i = 0; i < BAD; i++) {
		f = (struct fake){ .count = 1 };
		f.replies[0] = reply_text(0, 200, bad[i].body);
		fake_start(&f);
		int status = run_cli(&f, bad[i].args, out, sizeof out);
		fake_stop(&f);
		if (status != 1 || strncmp(out, "gongbao: GB_ENET: http://127.0.0.1:", 35) != 0 || strchr(out, '\n') !=
			out + strlen(out) - 1)
			fprintf(stderr, "\n%s: exit %d: %s", bad[i].args, status, out);
		CU_ASSERT_EQUAL(status, 1);
		CU_ASSERT_EQUAL(strncmp(out, "gongbao: GB_ENET: http://127.0.0.1:", 35), 0);
		CU_ASSERT_PTR_EQUAL(strchr(out, '\n'), out + strlen(out) - 1); /* one line, nothing printed */
	}
	f = (struct fake){ .count = 1 };
	f.replies[0] = reply_text(0, 200,
		"{\"kind\":\"account\",\"id\":\"m/picc-zs/cash\",\"as_of\":2,\"balance_fen\":-123456}");
	fake_start(&f);
	CU_ASSERT_EQUAL(run_cli(&f, "show account m/picc-zs/cash --as-of 2", out, sizeof out), 0);
	fake_stop(&f);
	CU_ASSERT_STRING_EQUAL(out, "m/picc-zs/cash  -1,234.56 CNY  (as of entry 2)\n");
}

static void add_tests(CU_pSuite s)
{
	CU_add_test(s, "a batch whose array header is cut short is 400 GB_EMSGPACK", test_truncated_batch_header);
	CU_add_test(s, "a stop answers the post waiting for its commit", test_stop_answers_in_flight);
	CU_add_test(s, "client: one post's 503 and mismatched statuses fail the request",
		test_client_single_post_statuses);
	CU_add_test(s, "concurrent batches of the same entries and a clash", test_concurrent_clashing_batches);
	CU_add_test(s, "cli: a server's report of the wrong shape is refused, not printed", test_cli_report_shapes);
}

GB_CUNIT_MAIN("server review", add_tests)
