/*
 * test_server.c: gb_server in this process, spoken to over loopback
 * sockets in plain HTTP/1.1: the 503 of a full commit queue (the writer
 * held up by another process's LMDB write transaction on the same ledger),
 * the time limit on receiving a request (a body or headers trickled),
 * IPv6 and dual-stack listening, and the configuration's bounds.
 * The answers' statuses and bodies are compared exactly; no time is.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
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

/* 1 if GET /v1/health over family answers 200 with exactly the body `want`. */
static int health_is(int family, uint16_t port, const char *want)
{
	static struct answer a;
	return http(family, port, "GET", "/v1/health", NULL, NULL, 0, &a) == 0 && a.status == 200 &&
		strcmp(a.body, want) == 0;
}

/* 1 if POSTing memo n over family answers 200 with exactly the body `want`. */
static int post_is(int family, uint16_t port, int n, const char *want)
{
	static struct answer a;
	uint8_t e[4096];
	size_t len = memo(e, sizeof e, n);
	return http(family, port, "POST", "/v1/entries", "application/msgpack", e, len, &a) == 0 &&
		a.status == 200 && strcmp(a.body, want) == 0;
}

/* ------------------------------------------------------ the full queue */

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

/* One client of the full-queue test: posts its entry, keeps the answer. */
struct poster {
	pthread_t thread;
	uint16_t port;
	uint8_t entry[4096];
	size_t len;
	struct answer a;
	int done;                       /* read under done_mu */
};
static pthread_mutex_t done_mu = PTHREAD_MUTEX_INITIALIZER;

static void *poster_main(void *arg)
{
	struct poster *p = arg;
	if (http(AF_INET, p->port, "POST", "/v1/entries", "application/msgpack", p->entry, p->len, &p->a) != 0)
		p->a.status = -1;
	pthread_mutex_lock(&done_mu);
	p->done = 1;
	pthread_mutex_unlock(&done_mu);
	return NULL;
}

/* How many posters have their answer, and how many of those are 200. */
static int posters_done(struct poster *p, int n, int *ok)
{
	int done = 0;
	*ok = 0;
	pthread_mutex_lock(&done_mu);
	for (int i = 0; i < n; i++) {
		done += p[i].done;
		*ok += p[i].done && p[i].a.status == 200;
	}
	pthread_mutex_unlock(&done_mu);
	return done;
}

/*
 * With a queue of one and the writer stuck behind another process's write
 * transaction, at most two posts are taken (one by the writer, one queued):
 * of three, at least one is answered 503 GB_ETOOBIG at once, and none 200
 * until the lock goes. Then the taken ones commit, with distinct indexes,
 * and the refused one is not in the log.
 */
static void test_queue_full_503(void)
{
	int to_child[2], from_child[2];
	char dir[256], c = 0;
	CU_ASSERT_FATAL(pipe(to_child) == 0 && pipe(from_child) == 0);
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0)
		locker_main(to_child[0], from_child[1]);
	gb_ledger *l = new_ledger(dir);
	CU_ASSERT_FATAL(write(to_child[1], dir, strlen(dir)) == (ssize_t)strlen(dir));
	CU_ASSERT_FATAL(read(from_child[0], &c, 1) == 1 && c == 'l');
	gb_server_config cfg = { .listen = { .addr_be = htonl(INADDR_LOOPBACK) }, .queue_max = 1 };
	gb_server *s = net_serve(l, &cfg, NULL);
	static struct poster p[3];
	for (int i = 0; i < 3; i++) {
		p[i] = (struct poster){ .port = cfg.listen.port };
		p[i].len = memo(p[i].entry, sizeof p[i].entry, 100 + i);
		CU_ASSERT_FATAL(pthread_create(&p[i].thread, NULL, poster_main, &p[i]) == 0);
	}
	int ok = 0, waited = 0;
	while (posters_done(p, 3, &ok) == 0 && waited++ < 600) /* at most a minute */
		nap_ms(100);
	CU_ASSERT(posters_done(p, 3, &ok) >= 1);
	CU_ASSERT_EQUAL(ok, 0); /* nothing commits while the lock is held */
	CU_ASSERT_FATAL(write(to_child[1], "r", 1) == 1);
	int n200 = 0, n503 = 0, index_sum = 0;
	for (int i = 0; i < 3; i++) {
		pthread_join(p[i].thread, NULL);
		if (p[i].a.status == 503) {
			n503++;
			CU_ASSERT_STRING_EQUAL(p[i].a.body, "{\"code\":\"GB_ETOOBIG\",\"message\":\"the commit queue is full\"}\n");
		} else if (p[i].a.status == 200) {
			n200++;
			CU_ASSERT_EQUAL(strncmp(p[i].a.body, "{\"index\":", 9), 0);
			index_sum += atoi(p[i].a.body + 9);
		}
	}
	CU_ASSERT(n503 >= 1);
	CU_ASSERT(n200 >= 1);
	CU_ASSERT_EQUAL(n200 + n503, 3);
	CU_ASSERT_EQUAL(index_sum, n200 == 1 ? 1 : 3); /* indexes 1, or 1 and 2 */
	gb_server_stop(s);
	int status;
	CU_ASSERT(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CU_ASSERT_EQUAL(fx_log_size(l), (uint64_t)(1 + n200));
	gb_ledger_close(l);
	close(to_child[0]), close(to_child[1]), close(from_child[0]), close(from_child[1]);
}

/* ------------------------------------------------------ the time limit */

/*
 * Sends `head`, then `trickle` one byte every 50 ms, up to `count` bytes,
 * until the server closes the connection. Returns how many trickled bytes
 * went out before the close (count if it never closed); *answered is the
 * number of answer bytes the server sent (0 when it cut the request).
 */
static size_t trickle(uint16_t port, const char *head, char trickle_byte, size_t count, size_t *answered)
{
	int fd = dial(AF_INET, port);
	size_t sent = 0;
	*answered = 0;
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(send(fd, head, strlen(head), MSG_NOSIGNAL) == (ssize_t)strlen(head));
	for (; sent < count; sent++) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		char buf[512];
		if (poll(&pf, 1, 50) > 0) {
			ssize_t n = recv(fd, buf, sizeof buf, 0);
			if (n <= 0)
				break;
			*answered += (size_t)n;
		}
		if (send(fd, &trickle_byte, 1, MSG_NOSIGNAL) != 1)
			break;
	}
	close(fd);
	return sent;
}

/*
 * With a 2 s limit, a client that trickles a 4,000-byte body (200 s at its
 * pace) or never-ending headers is cut off without an answer; a client
 * that pauses briefly within the limit, and the next client, are served.
 */
static void test_request_time_limit(void)
{
	char dir[256], head[256];
	size_t answered;
	gb_ledger *l = new_ledger(dir);
	gb_server_config cfg = { .listen = { .addr_be = htonl(INADDR_LOOPBACK) }, .request_s = 2 };
	gb_server *s = net_serve(l, &cfg, NULL);

	snprintf(head, sizeof head, "POST /v1/entries HTTP/1.1\r\nHost: t\r\nContent-Type: application/msgpack\r\n"
		"Content-Length: 4000\r\n\r\n");
	size_t sent = trickle(cfg.listen.port, head, 'x', 4000, &answered);
	CU_ASSERT(sent < 4000);
	CU_ASSERT_EQUAL(answered, 0);

	sent = trickle(cfg.listen.port, "GET /v1/health HTTP/1.1\r\nHost: t\r\nX-Slow: ", 'a', 4000, &answered);
	CU_ASSERT(sent < 4000);
	CU_ASSERT_EQUAL(answered, 0);

	uint8_t e[4096];
	size_t len = memo(e, sizeof e, 1);
	int fd = dial(AF_INET, cfg.listen.port);
	CU_ASSERT_FATAL(fd >= 0);
	snprintf(head, sizeof head, "POST /v1/entries HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
		"Content-Type: application/msgpack\r\nContent-Length: %zu\r\n\r\n", len);
	CU_ASSERT(send(fd, head, strlen(head), MSG_NOSIGNAL) == (ssize_t)strlen(head));
	nap_ms(300);
	CU_ASSERT(send(fd, e, len, MSG_NOSIGNAL) == (ssize_t)len);
	static struct answer a;
	read_answer(fd, &a);
	close(fd);
	CU_ASSERT_EQUAL(a.status, 200);
	CU_ASSERT_STRING_EQUAL(a.body, "{\"index\":1,\"duplicate\":false}\n");

	CU_ASSERT(health_is(AF_INET, cfg.listen.port, "{\"size\":2}\n"));
	gb_server_stop(s);
	gb_ledger_close(l);
}

/* ---------------------------------------------------------------- IPv6 */

/* ::1 serves IPv6 only; :: serves IPv6 and IPv4 (dual stack). */
static void test_ipv6(void)
{
	char dir[256];
	gb_ledger *l = new_ledger(dir);
	gb_server_config cfg = { .listen = { .ipv6 = 1 } };
	CU_ASSERT_FATAL(inet_pton(AF_INET6, "::1", cfg.listen.addr6) == 1);
	gb_server *s = net_serve(l, &cfg, NULL);
	CU_ASSERT(health_is(AF_INET6, cfg.listen.port, "{\"size\":1}\n"));
	CU_ASSERT_EQUAL(dial(AF_INET, cfg.listen.port), -1); /* nothing on 127.0.0.1 */
	gb_server_stop(s);

	memset(cfg.listen.addr6, 0, sizeof cfg.listen.addr6);
	s = net_serve(l, &cfg, NULL);
	CU_ASSERT(post_is(AF_INET, cfg.listen.port, 1, "{\"index\":1,\"duplicate\":false}\n"));
	CU_ASSERT(post_is(AF_INET6, cfg.listen.port, 1, "{\"index\":1,\"duplicate\":true}\n"));
	CU_ASSERT(health_is(AF_INET6, cfg.listen.port, "{\"size\":2}\n"));
	CU_ASSERT(health_is(AF_INET, cfg.listen.port, "{\"size\":2}\n"));
	gb_server_stop(s);
	gb_ledger_close(l);
}

/* A queue bound over GB_SERVER_QUEUE_MAX is refused before anything starts. */
static void test_config_bounds(void)
{
	char dir[256];
	gb_ledger *l = new_ledger(dir);
	gb_server_config cfg = { .listen = { .addr_be = htonl(INADDR_LOOPBACK), .port = 1 },
		.queue_max = GB_SERVER_QUEUE_MAX + 1 };
	gb_server *s = NULL;
	gb_err err;
	CU_ASSERT_EQUAL(gb_server_start(&cfg, l, &s, &err), GB_EINVAL);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_STRING_EQUAL(err.msg, "server: queue_max 4097 over 4096");
	gb_ledger_close(l);
}

/* --listen addresses: what parses, what is loopback, how they print. */
static void test_listen_addresses(void)
{
	gb_listen_addr a;
	char text[GB_LISTEN_TEXT_MAX];
	CU_ASSERT_EQUAL(gb_listen_parse("127.0.0.1:8420", &a), 0);
	CU_ASSERT(!a.ipv6 && a.port == 8420 && a.addr_be == htonl(0x7f000001));
	CU_ASSERT(gb_listen_is_loopback(&a));
	gb_listen_format(&a, a.port, text);
	CU_ASSERT_STRING_EQUAL(text, "127.0.0.1:8420");
	CU_ASSERT_EQUAL(gb_listen_parse("[::1]:1", &a), 0);
	CU_ASSERT(a.ipv6 && a.port == 1 && gb_listen_is_loopback(&a));
	gb_listen_format(&a, 65535, text);
	CU_ASSERT_STRING_EQUAL(text, "[::1]:65535");
	CU_ASSERT_EQUAL(gb_listen_parse("[::ffff:127.0.0.2]:80", &a), 0);
	CU_ASSERT(gb_listen_is_loopback(&a));
	CU_ASSERT_EQUAL(gb_listen_parse("[::]:80", &a), 0);
	CU_ASSERT(!gb_listen_is_loopback(&a));
	CU_ASSERT_EQUAL(gb_listen_parse("10.0.0.1:80", &a), 0);
	CU_ASSERT(!gb_listen_is_loopback(&a));
	const char *bad[] = { "127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:08",
		"127.0.0.1:80x", "localhost:80", "::1:80", "[::1]", "[::1:80", "[127.0.0.1]:80", ":80", "" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CU_ASSERT_EQUAL(gb_listen_parse(bad[i], &a), -1);
}

/*
 * A group with rejected entries among good ones: each good one is stored, in
 * order, at consecutive indexes; each bad one gets its own error; a
 * duplicate of an earlier good one gets that one's index.
 */
static void test_group_with_rejections(void)
{
	char dir[256], url[64];
	gb_ledger *l = new_ledger(dir);
	gb_server_config cfg = { .listen = { .addr_be = htonl(INADDR_LOOPBACK) } };
	gb_server *s = net_serve(l, &cfg, url);
	enum { N = 7 };
	static uint8_t bufs[N][512];
	gb_bytes in[N];
	for (int i = 0; i < N; i++)
		in[i] = (gb_bytes){ bufs[i], memo(bufs[i], sizeof bufs[i], i) };
	bufs[1][in[1].len - 1] ^= 1;          /* sigs[0] names another signer */
	in[4] = (gb_bytes){ bufs[4], 3 };      /* not an entry */
	in[6] = in[2];                         /* a duplicate of a good one */
	gb_client *c;
	gb_err err;
	gb_append_result res[N];
	int codes[N];
	char msgs[N][GB_ERR_MSG_MAX];
	CU_ASSERT_EQUAL_FATAL(gb_client_open(url, &c, &err), 0);
	CU_ASSERT_EQUAL_FATAL(gb_client_append(c, in, N, res, codes, msgs, &err), 0);
	static const int want_code[N] = { 0, GB_EFIELD, 0, 0, GB_EMSGPACK, 0, 0 };
	static const uint64_t want_index[N] = { 1, 0, 2, 3, 0, 4, 2 };
	for (int i = 0; i < N; i++) {
		if (codes[i] != want_code[i])
			fprintf(stderr, "\nentry %d: %s: %s\n", i, gb_errname(codes[i]), msgs[i]);
		CU_ASSERT_EQUAL(codes[i], want_code[i]);
		if (want_code[i] == 0) {
			CU_ASSERT_EQUAL(res[i].index, want_index[i]);
		} else {
			/* its own message, as if posted alone: no "item N: " of a batch */
			CU_ASSERT(msgs[i][0] != '\0' && strncmp(msgs[i], "item ", 5) != 0);
		}
	}
	CU_ASSERT_EQUAL(res[6].duplicate, 1);
	uint64_t size = 0;
	CU_ASSERT_EQUAL(gb_client_size(c, &size, &err), 0);
	CU_ASSERT_EQUAL(size, 5);
	gb_client_close(c);
	gb_server_stop(s);
	gb_ledger_close(l);
}

/* A batch framed in other than the shortest MessagePack forms is refused, and nothing stored. */
static void test_noncanonical_batch(void)
{
	char dir[256];
	static struct answer a;
	uint8_t e[512], body[600];
	gb_ledger *l = new_ledger(dir);
	gb_server_config cfg = { 0 };
	gb_server *s = net_serve(l, &cfg, NULL);
	size_t len = memo(e, sizeof e, 1);
	CU_ASSERT_FATAL(len < 256);
	/* array 16 of count 1, then bin 8 */
	body[0] = 0xdc, body[1] = 0, body[2] = 1, body[3] = 0xc4, body[4] = (uint8_t)len;
	memcpy(body + 5, e, len);
	CU_ASSERT_EQUAL(http(AF_INET, cfg.listen.port, "POST", "/v1/entries", "application/msgpack", body, 5 + len, &a), 0);
	CU_ASSERT_EQUAL(a.status, 400);
	CU_ASSERT_PTR_NOT_NULL(strstr(a.body, "\"code\":\"GB_ENONCANON\",\"message\":\"batch: "));
	/* fixarray of 1, then bin 16 for a short entry */
	body[0] = 0x91, body[1] = 0xc5, body[2] = 0, body[3] = (uint8_t)len;
	memcpy(body + 4, e, len);
	CU_ASSERT_EQUAL(http(AF_INET, cfg.listen.port, "POST", "/v1/entries", "application/msgpack", body, 4 + len, &a), 0);
	CU_ASSERT_EQUAL(a.status, 400);
	CU_ASSERT_PTR_NOT_NULL(strstr(a.body, "\"code\":\"GB_ENONCANON\",\"message\":\"batch item 0: "));
	CU_ASSERT(health_is(AF_INET, cfg.listen.port, "{\"size\":1}\n"));
	/* the same in the shortest forms is taken */
	body[0] = 0x91, body[1] = 0xc4, body[2] = (uint8_t)len;
	memcpy(body + 3, e, len);
	CU_ASSERT_EQUAL(http(AF_INET, cfg.listen.port, "POST", "/v1/entries", "application/msgpack", body, 3 + len, &a), 0);
	CU_ASSERT_EQUAL(a.status, 200);
	CU_ASSERT_STRING_EQUAL(a.body, "[{\"index\":1,\"duplicate\":false}]\n");
	gb_server_stop(s);
	gb_ledger_close(l);
}

static void add_tests(CU_pSuite s)
{
	CU_add_test(s, "a batch not in shortest forms is 400 GB_ENONCANON", test_noncanonical_batch);
	CU_add_test(s, "a group with rejections: neighbours stored, in order", test_group_with_rejections);
	CU_add_test(s, "--listen addresses", test_listen_addresses);
	CU_add_test(s, "a full commit queue answers 503 GB_ETOOBIG", test_queue_full_503);
	CU_add_test(s, "requests slower than the time limit are cut", test_request_time_limit);
	CU_add_test(s, "IPv6 ::1 and dual-stack ::", test_ipv6);
	CU_add_test(s, "configuration bounds", test_config_bounds);
}

GB_CUNIT_MAIN("server", add_tests)
