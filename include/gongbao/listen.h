/*
 * gongbao/listen.h: the address a gongbao HTTP service (the server, a
 * witness) listens on, shared by both and by their commands' --listen.
 */
#ifndef GONGBAO_LISTEN_H
#define GONGBAO_LISTEN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gb_listen_addr {
	uint32_t addr_be;        /* IPv4 address, network order (when !ipv6) */
	uint16_t port;           /* port, host order; 0: any free port */
	int ipv6;                /* 1: listen on addr6 instead of addr_be */
	uint8_t addr6[16];       /* IPv6 address, network order; :: also takes IPv4 */
} gb_listen_addr;

/* Longest text gb_listen_format writes, with its NUL. */
#define GB_LISTEN_TEXT_MAX 56

/*
 * Parses "IPV4:PORT" or "[IPV6]:PORT" (port 1..65535). Returns 0, or -1
 * for anything else (a host name too: no lookups).
 */
int gb_listen_parse(const char *s, gb_listen_addr *a);

/* 1 for a loopback address: 127.0.0.0/8, ::1, or ::ffff:127.x.y.z. */
int gb_listen_is_loopback(const gb_listen_addr *a);

/* Writes "IPV4:PORT" or "[IPV6]:PORT" (with `port` as given). */
void gb_listen_format(const gb_listen_addr *a, uint16_t port, char out[GB_LISTEN_TEXT_MAX]);

/*
 * Fills *ss with the socket address of `a` for libmicrohttpd's
 * MHD_OPTION_SOCK_ADDR and returns the MHD_USE_* flags it needs: none for
 * IPv4, MHD_USE_DUAL_STACK for ::, MHD_USE_IPv6 for another IPv6 address.
 */
unsigned gb_listen_sockaddr(const gb_listen_addr *a, void *ss, size_t ss_cap);

#ifdef __cplusplus
}
#endif
#endif
