/*
 * gongbao/witness_http.h: a witness (gongbao/witness.h) over HTTP
 * (libmicrohttpd, one thread per connection), as c2sp.org/tlog-witness:
 *
 *   POST /add-checkpoint   the body of spec/WITNESS.md; the answer is the
 *                          gb_witness_answer: 200 and the cosignature line,
 *                          409 text/x.tlog.size "SIZE\n", or 400, 403, 404,
 *                          409, 413, 422, 500 with "GB_NAME: message\n"
 *
 * Anything else: 404 (unknown path) or 405 (GET /add-checkpoint), with
 * "GB_NAME: message\n". Limits: GB_WITNESS_BODY_MAX per body (413 beyond),
 * GB_WITNESS_HTTP_CONN_MAX connections (GB_WITNESS_HTTP_PER_IP_MAX from one
 * address), GB_WITNESS_HTTP_IDLE_S without traffic and
 * GB_WITNESS_HTTP_REQUEST_S for a whole request: a connection over either
 * is closed without an answer. One access log line per request on stderr,
 * "METHOD PATH STATUS BYTES MS", and after it, for a refused checkpoint,
 * "witness: GB_NAME: message" (a split view says SPLIT VIEW).
 */
#ifndef GONGBAO_WITNESS_HTTP_H
#define GONGBAO_WITNESS_HTTP_H

#include <stdint.h>

#include "gongbao/error.h"
#include "gongbao/listen.h"
#include "gongbao/witness.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GB_WITNESS_HTTP_CONN_MAX 64     /* simultaneous connections */
#define GB_WITNESS_HTTP_PER_IP_MAX 16   /* simultaneous connections from one address */
#define GB_WITNESS_HTTP_IDLE_S 10       /* idle connection timeout, seconds */
#define GB_WITNESS_HTTP_REQUEST_S 30    /* longest time to receive one request, seconds */

typedef struct gb_witness_http gb_witness_http;

typedef struct gb_witness_http_config {
	gb_listen_addr listen;  /* address and port (port 0: any free one) */
} gb_witness_http_config;

/*
 * Serves `w` (which must stay open until gb_witness_http_stop). Returns 0
 * with *out running, GB_EIO (cannot listen) or GB_ENOMEM.
 */
int gb_witness_http_start(const gb_witness_http_config *cfg, gb_witness *w,
	gb_witness_http **out, gb_err *err);

/* The port the server listens on (the one chosen by the system for port 0). */
uint16_t gb_witness_http_port(const gb_witness_http *s);

/*
 * Stops accepting connections, lets the requests in flight finish (each
 * answered only after its state is written) and frees the server. NULL is
 * allowed.
 */
void gb_witness_http_stop(gb_witness_http *s);

#ifdef __cplusplus
}
#endif
#endif
