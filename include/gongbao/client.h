/*
 * gongbao/client.h: a client of gongbao's HTTP server (gongbao/server.h),
 * over libcurl, for the CLI's --server option, mirrors and the log's calls
 * to witnesses.
 *
 * Every call is one HTTP request with a time limit (GB_CLIENT_TIMEOUT_S) and
 * a bound on the answer (GB_CLIENT_RESPONSE_MAX). A server's error answer,
 * {"code": "GB_...", "message": "..."}, comes back as that code with the
 * message prefixed by the status ("server: 422: ..."), so that a command run
 * with --server fails with the same code as with --ledger. No answer, a
 * malformed answer, or an unexpected status is GB_ENET naming the URL.
 *
 * A gb_client is used by one thread at a time (it keeps one curl handle, so
 * successive calls reuse the connection).
 */
#ifndef GONGBAO_CLIENT_H
#define GONGBAO_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "gongbao/error.h"
#include "gongbao/ledger.h"
#include "gongbao/merkle.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GB_CLIENT_URL_MAX 1024               /* longest base URL */
#define GB_CLIENT_RESPONSE_MAX (64u << 20)   /* largest answer body, bytes */
#define GB_CLIENT_TIMEOUT_S 60               /* whole request, seconds */

typedef struct gb_client gb_client;

/*
 * A client of the server at `base_url` ("http://HOST:PORT", optionally with
 * a path prefix; a trailing '/' is dropped). Returns 0, GB_EINVAL for a URL
 * that is not http:// or https:// or is over GB_CLIENT_URL_MAX, GB_ENOMEM.
 */
int gb_client_open(const char *base_url, gb_client **out, gb_err *err);

/* Frees the client; NULL is allowed. */
void gb_client_close(gb_client *c);

/*
 * Sets the time limit of each later request (1..GB_CLIENT_TIMEOUT_S
 * seconds; the default is GB_CLIENT_TIMEOUT_S), for callers that must not
 * wait long, such as a log asking its witnesses.
 */
void gb_client_set_timeout(gb_client *c, unsigned seconds);

/* The base URL, as opened (without a trailing '/'). */
const char *gb_client_url(const gb_client *c);

/* One answer: status, body (NUL-terminated, not counted in len), Content-Type. */
typedef struct gb_http_answer {
	long status;
	uint8_t *body;               /* malloc'd; gb_http_answer_free */
	size_t len;
	char ctype[128];             /* "" if the server sent none */
} gb_http_answer;

void gb_http_answer_free(gb_http_answer *a);

/*
 * One request: `method` "GET" or "POST", `path` (starting with '/', with any
 * query) appended to the base URL, and for a POST a body of `body_len` bytes
 * with Content-Type `ctype`. Returns 0 with *a filled for any HTTP status (the
 * caller frees it), GB_ENET if no complete answer arrived in time, GB_ETOOBIG
 * if the answer is over GB_CLIENT_RESPONSE_MAX, GB_ENOMEM.
 */
int gb_client_request(gb_client *c, const char *method, const char *path, const char *ctype,
	const void *body, size_t body_len, gb_http_answer *a, gb_err *err);

/*
 * The error an answer that is not 200 stands for: the GB_ code named in a
 * gongbao error body, else GB_ENET. Fills err ("server: STATUS: message").
 */
int gb_client_answer_error(const gb_client *c, const char *path, const gb_http_answer *a,
	gb_err *err);

/* GET path, expecting 200 and a JSON body: *out is the parsed value. */
int gb_client_get_json(gb_client *c, const char *path, json_t **out, gb_err *err);

/*
 * POST /v1/entries: `count` (1..GB_BATCH_MAX) entries, one alone or else as a
 * batch. Fills, per entry, codes[i] (0 or the GB_ code of its rejection),
 * msgs[i] (its message, "" when accepted) and results[i] when accepted.
 * Returns 0 when the server answered for every entry (some may be rejected:
 * look at codes), or the code of the request's own failure (GB_ENET, a 413,
 * 503, ...). One entry's outcome counts only under the status the server
 * answers it with (200 accepted, else gb_server_http_status of its code):
 * any other status is the request's failure, with the code the body names.
 */
int gb_client_append(gb_client *c, const gb_bytes *entries, size_t count,
	gb_append_result *results, int *codes, char (*msgs)[GB_ERR_MSG_MAX], gb_err *err);

/* GET /v1/health: the log's size. */
int gb_client_size(gb_client *c, uint64_t *size, gb_err *err);

/*
 * GET /v1/entries: entries [start, end) (end - start <= GB_SERVER_RANGE_MAX
 * of the server, 1000). On success *buf holds the answer (the caller frees
 * it) and entries[0..end-start) are views into it; the answer must be a
 * canonical MessagePack array of exactly end - start bins (else GB_ENET).
 * The entries are not verified here: the caller's ledger does that.
 */
int gb_client_entries(gb_client *c, uint64_t start, uint64_t end, uint8_t **buf,
	gb_bytes *entries, gb_err *err);

/* GET /v1/checkpoint: the signed note, into out (cap >= GB_NOTE_MAX). */
int gb_client_checkpoint(gb_client *c, char *out, size_t cap, size_t *len, gb_err *err);

/*
 * GET /v1/proof/consistency?size1=&size2=: the proof's hashes, checked to
 * be for those sizes (the roots it carries are the server's claims and are
 * returned for the caller to compare, not trusted).
 */
int gb_client_prove_consistency(gb_client *c, uint64_t size1, uint64_t size2,
	uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES], size_t *count,
	uint8_t root1[GB_HASH_BYTES], uint8_t root2[GB_HASH_BYTES], gb_err *err);

#ifdef __cplusplus
}
#endif
#endif
