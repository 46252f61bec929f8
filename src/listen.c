/*
 * listen.c: listening addresses (gongbao/listen.h).
 */
#include <arpa/inet.h>
#include <assert.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "gongbao/listen.h"

int gb_listen_parse(const char *s, gb_listen_addr *a)
{
	char host[INET6_ADDRSTRLEN + 2], *end;
	assert(s != NULL && a != NULL);
	const char *colon = strrchr(s, ':');
	size_t hl = colon != NULL ? (size_t)(colon - s) : 0;
	memset(a, 0, sizeof *a);
	if (colon == NULL || hl >= sizeof host || colon[1] < '1' || colon[1] > '9')
		return -1;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || port > 65535)
		return -1;
	memcpy(host, s, hl);
	host[hl] = '\0';
	a->port = (uint16_t)port;
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		host[hl - 1] = '\0';
		a->ipv6 = 1;
		return inet_pton(AF_INET6, host + 1, a->addr6) == 1 ? 0 : -1;
	}
	struct in_addr in;
	if (inet_pton(AF_INET, host, &in) != 1)
		return -1;
	a->addr_be = in.s_addr;
	return 0;
}

int gb_listen_is_loopback(const gb_listen_addr *a)
{
	static const uint8_t lo6[16] = { [15] = 1 }, mapped[12] = { [10] = 0xff, [11] = 0xff };
	assert(a != NULL);
	if (!a->ipv6)
		return (ntohl(a->addr_be) >> 24) == 127;
	return memcmp(a->addr6, lo6, 16) == 0 || (memcmp(a->addr6, mapped, 12) == 0 && a->addr6[12] == 127);
}

void gb_listen_format(const gb_listen_addr *a, uint16_t port, char out[GB_LISTEN_TEXT_MAX])
{
	char text[INET6_ADDRSTRLEN] = "";
	assert(a != NULL && out != NULL);
	inet_ntop(a->ipv6 ? AF_INET6 : AF_INET, a->ipv6 ? (const void *)a->addr6 : (const void *)&a->addr_be,
		text, sizeof text);
	snprintf(out, GB_LISTEN_TEXT_MAX, a->ipv6 ? "[%s]:%u" : "%s:%u", text, (unsigned)port);
}

unsigned gb_listen_sockaddr(const gb_listen_addr *a, void *ss, size_t ss_cap)
{
	static const uint8_t any6[16] = { 0 };
	assert(a != NULL && ss != NULL && ss_cap >= sizeof(struct sockaddr_in6));
	memset(ss, 0, ss_cap);
	if (!a->ipv6) {
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(a->port),
			.sin_addr = { .s_addr = a->addr_be } };
		memcpy(ss, &sa, sizeof sa);
		return 0;
	}
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6, .sin6_port = htons(a->port) };
	memcpy(&sa6.sin6_addr, a->addr6, sizeof a->addr6);
	memcpy(ss, &sa6, sizeof sa6);
	return memcmp(a->addr6, any6, sizeof any6) == 0 ? MHD_USE_DUAL_STACK : MHD_USE_IPv6;
}
