/*
 * gongbao/server.h: the ledger over HTTP (libmicrohttpd), no rules of its
 * own: every entry goes through gb_ledger_append.
 *
 *   POST /v1/entries              one signed entry (application/msgpack), or a
 *                                 batch: a MessagePack array of bin entries
 *   GET  /v1/checkpoint           the signed note (text/plain), needs a log key;
 *                                 with witnesses, the one of the last cosigning
 *                                 round with its cosignatures (see below)
 *   GET  /v1/entries?start=S&end=E  entries [S, E) as a MessagePack array of
 *                                 bin, E <= size, at most GB_SERVER_RANGE_MAX
 *   GET  /v1/proof/inclusion?index=I&size=N     JSON as 'gongbao prove'
 *   GET  /v1/proof/consistency?size1=M&size2=N  JSON as 'gongbao prove'
 *   GET  /v1/health               {"size": N}
 *
 * Group commit: one writer thread takes every pending submission of every
 * connection (a queue of at most GB_SERVER_QUEUE_MAX; 503 when full) and
 * appends them in one gb_ledger_append. If that fails, it appends each entry
 * on its own, so that one bad entry does not fail its neighbours. A request
 * is answered only after the durable commit of its entries.
 *
 * Answers: one entry: 200 {"index": N, "duplicate": bool} or an error; a
 * batch: 200 with an array holding, per entry, either of those objects.
 * Errors are {"code": "GB_...", "message": "..."} with the status of
 * gb_server_http_status(): 400 malformed or badly signed entries and bad
 * requests, 409 GB_EIDREUSE and GB_ESTATE (conflicts with the log), 422 the
 * other rule failures (GB_EVALUE, GB_ETIME, GB_ENOTFOUND, ...), 413 a body or
 * batch over its limit, 415 another Content-Type, 404 unknown paths, 405 a
 * wrong method, 503 a full queue or a stopping server, 500 anything else.
 * One access log line per request on stderr: METHOD PATH STATUS BYTES MS.
 *
 * Witnesses (gongbao/cosign.h, spec/WITNESS.md): with witness_urls, a
 * cosigning thread runs a round (a checkpoint signed then, sent to every
 * witness, the lines verified against the charter's witness keys: role
 * witness, not revoked, alg 0x04) at start, after commits (at most one
 * round per GB_COSIGN_INTERVAL_MS, 100 ms, from round start to round start),
 * and GB_COSIGN_RETRY_S (10 s) after a round that some witness failed.
 * GET /v1/checkpoint then serves the checkpoint of the last round that ran,
 * with the cosignatures it collected (none if every witness failed): it lags
 * the log by what was committed since that round signed it. Until the first
 * round ends, and without witnesses, it serves a checkpoint signed at the
 * request, without cosignatures. A line per round and per failed witness
 * on stderr ("cosign: ...").
 */
#ifndef GONGBAO_SERVER_H
#define GONGBAO_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "gongbao/error.h"
#include "gongbao/keys.h"
#include "gongbao/ledger.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GB_SERVER_BODY_MAX (1u << 20)    /* largest POST body, bytes */
#define GB_SERVER_QUEUE_MAX 4096         /* pending submissions */
#define GB_SERVER_RANGE_MAX 1000         /* entries per GET /v1/entries */
#define GB_SERVER_CONN_MAX 256           /* simultaneous connections */
#define GB_SERVER_TIMEOUT_S 30           /* idle connection timeout, seconds */
#define GB_SERVER_WITNESSES_MAX 8        /* witness URLs (GB_COSIGN_WITNESSES_MAX) */

typedef struct gb_server gb_server;

typedef struct gb_server_config {
	uint32_t addr_be;        /* IPv4 address to listen on, network order */
	uint16_t port;           /* port, host order */
	const gb_seckey *log_key; /* for /v1/checkpoint; NULL: 404 there. Copied */
	const char *const *witness_urls; /* witnesses' base URLs (need log_key); read at start */
	size_t witness_count;     /* 0 (no witnesses) to GB_SERVER_WITNESSES_MAX */
} gb_server_config;

/*
 * Starts serving `l` (which the server uses from its own threads until
 * gb_server_stop; the caller must not use it meanwhile). Returns 0 with *out
 * running, or GB_EIO (cannot listen), GB_EINVAL (witnesses without a log
 * key, too many, a bad URL), GB_ENOMEM.
 */
int gb_server_start(const gb_server_config *cfg, gb_ledger *l, gb_server **out, gb_err *err);

/*
 * Stops accepting connections, answers the requests in flight, commits
 * everything queued, lets a cosigning round in flight end (each witness
 * request is bounded by GB_CLIENT_TIMEOUT_S), and frees the server (the
 * ledger stays open). NULL is allowed.
 */
void gb_server_stop(gb_server *s);

/* The HTTP status an error code is answered with. */
unsigned gb_server_http_status(int code);

#ifdef __cplusplus
}
#endif
#endif
