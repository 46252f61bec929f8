/*
 * tests/net.h: what the suites of the HTTP server share: fixture ledgers
 * and memos, a server on a free loopback port, and raw HTTP/1.1 requests
 * (so that a test sees exactly what goes over the wire). Header-only, after
 * fixture.h; a suite may use only some of it.
 */
#ifndef GONGBAO_TESTS_NET_H
#define GONGBAO_TESTS_NET_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cu.h"
#include "fixture.h"
#include "gongbao/server.h"

#include <microhttpd.h>

#define ANSWER_MAX 65536

/* One HTTP answer. */
struct answer {
	int status;                     /* 0: no answer (closed, or not HTTP) */
	char text[ANSWER_MAX];          /* the whole answer, NUL-terminated */
	const char *body;               /* into text, after the headers */
};

static __attribute__((unused)) void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

/* A ledger of the fixture; its directory into dir (fx_ledger_with names them l1, l2, ...). */
static __attribute__((unused)) gb_ledger *new_ledger(char dir[256])
{
	static __attribute__((unused)) int made;
	gb_ledger *l = fx_ledger();
	snprintf(dir, 256, "%s/l%d", fx_root, ++made);
	return l;
}

/* A memo by picc-zs with id "m-<n>", into buf; returns its length. */
static __attribute__((unused)) size_t memo(uint8_t *buf, size_t cap, int n)
{
	return fx_sign(buf, cap, FX_PICC, "{\"type\":\"memo\",\"id\":\"m-%d\",\"text\":\"memo %d\"}", n, n);
}

/* Connects to 127.0.0.1 (AF_INET) or ::1 (AF_INET6) at port; -1 if refused. */
static __attribute__((unused)) int dial(int family, uint16_t port)
{
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct timeval tv = { 30, 0 }; /* no test waits forever on a silent server */
	a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(family, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	int rc = family == AF_INET ? connect(fd, (struct sockaddr *)&a4, sizeof a4) :
		connect(fd, (struct sockaddr *)&a6, sizeof a6);
	if (rc != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads the answer on fd until the server closes it, and parses its status. */
static __attribute__((unused)) void read_answer(int fd, struct answer *a)
{
	size_t len = 0;
	ssize_t n;
	while (len < ANSWER_MAX - 1 && (n = recv(fd, a->text + len, ANSWER_MAX - 1 - len, 0)) > 0)
		len += (size_t)n;
	a->text[len] = '\0';
	a->status = 0;
	if (strncmp(a->text, "HTTP/1.1 ", 9) == 0)
		a->status = atoi(a->text + 9);
	const char *end = strstr(a->text, "\r\n\r\n");
	a->body = end ? end + 4 : a->text + len;
}

/* One request with "Connection: close"; fills a. Returns 0, or -1 if the connection failed. */
static __attribute__((unused)) int http(int family, uint16_t port, const char *method, const char *path, const char *ctype,
	const void *body, size_t len, struct answer *a)
{
	char head[512];
	int fd = dial(family, port);
	if (fd < 0)
		return -1;
	int hl = snprintf(head, sizeof head, "%s %s HTTP/1.1\r\nHost: test\r\nConnection: close\r\n"
		"Content-Type: %s\r\nContent-Length: %zu\r\n\r\n", method, path, ctype ? ctype : "text/plain", len);
	int ok = send(fd, head, (size_t)hl, MSG_NOSIGNAL) == hl &&
		(len == 0 || send(fd, body, len, MSG_NOSIGNAL) == (ssize_t)len);
	if (ok)
		read_answer(fd, a);
	close(fd);
	return ok ? 0 : -1;
}

/*
 * Starts a server on l with cfg on 127.0.0.1, on a port the system picks
 * (port 0), and writes the port back into cfg and the base URL into url.
 */
static __attribute__((unused)) gb_server *net_serve(gb_ledger *l, gb_server_config *cfg, char url[64])
{
	gb_server *s = NULL;
	gb_err err;
	if (!cfg->listen.ipv6 && cfg->listen.addr_be == 0)
		cfg->listen.addr_be = htonl(INADDR_LOOPBACK);
	cfg->listen.port = 0;
	if (gb_server_start(cfg, l, &s, &err) != 0)
		fprintf(stderr, "\nnet_serve: %s\n", err.msg);
	CU_ASSERT_FATAL(s != NULL);
	cfg->listen.port = gb_server_port(s);
	CU_ASSERT_FATAL(cfg->listen.port != 0);
	if (url != NULL)
		snprintf(url, 64, cfg->listen.ipv6 ? "http://[::1]:%u" : "http://127.0.0.1:%u",
			(unsigned)cfg->listen.port);
	return s;
}

/*
 * Starts a libmicrohttpd daemon (a fake or lying server) answering with
 * `handler` on 127.0.0.1, on a port the system picks; writes its URL.
 */
static __attribute__((unused)) struct MHD_Daemon *net_mhd_start(MHD_AccessHandlerCallback handler, void *cls,
	char url[64])
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr = { .s_addr = htonl(INADDR_LOOPBACK) } };
	struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION,
		0, NULL, NULL, handler, cls, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_END);
	CU_ASSERT_FATAL(d != NULL);
	snprintf(url, 64, "http://127.0.0.1:%u", (unsigned)MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port);
	return d;
}

#endif
