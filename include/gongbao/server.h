/*
 * gongbao/server.h: the ledger over HTTP (libmicrohttpd), no rules of its
 * own: every entry goes through gb_ledger_append, every report through
 * gb_report_build. spec/API.md is the normative description; in short:
 *
 *   POST /v1/entries              one signed entry (application/msgpack), a
 *                                 batch (a MessagePack array of bin entries),
 *                                 or one entry as application/json
 *                                 {"entry": "<standard base64>"}
 *   GET  /v1/checkpoint           the signed note (text/plain), needs a log key;
 *                                 with witnesses, the one of the last cosigning
 *                                 round with its cosignatures (see below)
 *   GET  /v1/entries?start=S&end=E  entries [S, E) as a MessagePack array of
 *                                 bin, E <= size, at most GB_SERVER_RANGE_MAX
 *   GET  /v1/proof/inclusion?index=I&size=N     JSON as 'gongbao prove'
 *   GET  /v1/proof/consistency?size1=M&size2=N  JSON as 'gongbao prove'
 *   GET  /v1/health               {"size": N}
 *   GET  /v1/member?id=ID, /v1/policy?id=NO, /v1/claim?id=ID,
 *        /v1/account?id=NAME, /v1/fund, /v1/members, /v1/reconcile,
 *        /v1/undercut[?loss_ratio_bps=&expense_bps=&credibility_k=&member_bps=]
 *                                 each with an optional as_of=INDEX|YYYY-MM-DD:
 *                                 the bytes 'gongbao show|reconcile|undercut
 *                                 --json' print (gongbao/report.h); 404
 *                                 GB_ENOTFOUND for an unknown id, 400 for bad
 *                                 arguments
 *
 * Group commit: one writer thread takes every pending submission of every
 * connection (a queue of at most queue_max, GB_SERVER_QUEUE_MAX by default;
 * 503 when full) and appends them as one batch. If an entry is rejected,
 * the entries before it are committed as one batch, the rejected one gets
 * its error and the rest go on as the next batch: one bad entry does not fail
 * its neighbours, and k rejections cost at most k + 1 commits. A request is
 * answered only after the durable commit of its entries.
 *
 * Answers: one entry: 200 {"index": N, "duplicate": bool} or an error; a
 * batch: 200 with an array holding, per entry, either of those objects.
 * Errors are {"code": "GB_...", "message": "..."} with the status of
 * gb_server_http_status(): 400 malformed or badly signed entries and bad
 * requests, 409 GB_EIDREUSE and GB_ESTATE (conflicts with the log), 422 the
 * other rule failures (GB_EVALUE, GB_ETIME, GB_ENOTFOUND, ...), 413 a body or
 * batch over its limit, 415 another Content-Type, 404 unknown paths, 405 a
 * wrong method, 503 a full queue, 500 anything else.
 * Reports answer 404 GB_ENOTFOUND, 400 GB_EINVAL, GB_EVALUE or GB_ERANGE,
 * else 500. Unknown, repeated or valueless query arguments are 400.
 *
 * Limits: GB_SERVER_CONN_MAX connections; an idle connection is closed after
 * GB_SERVER_TIMEOUT_S; a request that has not arrived whole (line, headers,
 * body) within request_s (GB_SERVER_REQUEST_S by default) of its start, the
 * accept or the end of the connection's previous request, is cut: a
 * watchdog thread shuts its connection down, without an answer, however
 * steadily its bytes trickle in.
 * One access log line per request on stderr: METHOD PATH STATUS BYTES MS
 * (STATUS 0: no answer was sent).
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
#include "gongbao/listen.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GB_SERVER_BODY_MAX (1u << 20)    /* largest POST body, bytes */
#define GB_SERVER_QUEUE_MAX 4096         /* pending submissions */
#define GB_SERVER_RANGE_MAX 1000         /* entries per GET /v1/entries */
#define GB_SERVER_CONN_MAX 256           /* simultaneous connections */
#define GB_SERVER_TIMEOUT_S 30           /* idle connection timeout, seconds */
#define GB_SERVER_REQUEST_S 60           /* to receive a whole request, seconds */
#define GB_SERVER_WITNESSES_MAX 8        /* witness URLs (GB_COSIGN_WITNESSES_MAX) */

typedef struct gb_server gb_server;

typedef struct gb_server_config {
	gb_listen_addr listen;   /* address and port (port 0: any free one) */
	const gb_seckey *log_key; /* for /v1/checkpoint; NULL: 404 there. Copied */
	const char *const *witness_urls; /* witnesses' base URLs (need log_key); read at start */
	size_t witness_count;     /* 0 (no witnesses) to GB_SERVER_WITNESSES_MAX */
	size_t queue_max;        /* pending submissions, 1..GB_SERVER_QUEUE_MAX; 0: the max */
	unsigned request_s;      /* time to receive a request; 0: GB_SERVER_REQUEST_S */
} gb_server_config;

/*
 * Starts serving `l` (which the server uses from its own threads until
 * gb_server_stop; the caller must not use it meanwhile). Returns 0 with *out
 * running, or GB_EIO (cannot listen), GB_EINVAL (witnesses without a log
 * key, too many, a bad URL; a queue_max over GB_SERVER_QUEUE_MAX), GB_ENOMEM.
 */
int gb_server_start(const gb_server_config *cfg, gb_ledger *l, gb_server **out, gb_err *err);

/* The port the server listens on (the one the system chose for port 0). */
uint16_t gb_server_port(const gb_server *s);

/*
 * Stops accepting connections, answers the requests in flight (those that
 * had arrived whole: their answers are sent, waiting at most
 * GB_SERVER_TIMEOUT_S; a request that arrives whole later is closed
 * unanswered and nothing of it is stored), commits everything queued, lets
 * a cosigning round in flight end (each witness request is bounded by
 * GB_COSIGN_TIMEOUT_S), and frees the server (the ledger stays open).
 * NULL is allowed.
 */
void gb_server_stop(gb_server *s);

/* The HTTP status an error code is answered with. */
unsigned gb_server_http_status(int code);

#ifdef __cplusplus
}
#endif
#endif
