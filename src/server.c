/*
 * server.c: the ledger over HTTP (gongbao/server.h). libmicrohttpd runs one
 * thread per connection; POSTs hand their entries to one writer thread
 * (group commit) and wait for its answer; reads share the ledger with the
 * writer under one mutex (a gb_ledger is used by one thread at a time).
 */
#include <assert.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <jansson.h>
#include <microhttpd.h>
#include <msgpack.h>
#include <sodium.h>

#include "gongbao/cosign.h"
#include "gongbao/note.h"
#include "gongbao/server.h"
#include "gongbao/json.h"

/* One POST's entries and, once done, their answers. */
struct submission {
	gb_bytes *entries;
	size_t count;
	gb_append_result *results;
	int *codes;                      /* per entry: 0 or a GB_E* code */
	char (*msgs)[GB_ERR_MSG_MAX];
	int done;
};

struct gb_server {
	struct MHD_Daemon *daemon;
	gb_ledger *ledger;
	pthread_mutex_t ledger_mu;       /* held around every use of ledger */
	gb_seckey log_key;
	int has_key;
	pthread_mutex_t q_mu;            /* guards the queue, done flags, stopping */
	pthread_cond_t q_cv;             /* the writer waits for work */
	pthread_cond_t done_cv;          /* submitters wait for answers */
	struct submission *queue[GB_SERVER_QUEUE_MAX];
	size_t q_head, q_count;
	int stopping;
	pthread_t writer;
	gb_bytes *batch;                 /* the writer's arrays, GB_BATCH_MAX each */
	gb_append_result *batch_results;
	struct submission *group[GB_SERVER_QUEUE_MAX]; /* the writer's current group */
	gb_cosign_service *cosign;       /* collects cosignatures; NULL without witnesses */
};

/* Per request: the body, and what the access log prints. */
struct request {
	uint8_t *body;
	size_t body_len, body_cap;
	int too_big;
	unsigned status;
	size_t bytes;
	struct timespec start;
	char method[16];
	char path[128];
};

unsigned gb_server_http_status(int code)
{
	switch (code) {
	case 0: return 200;
	case GB_EMSGPACK: case GB_ENONCANON: case GB_EDEPTH: case GB_ETRAILING:
	case GB_EVERSION: case GB_EFIELD: case GB_ETYPE: case GB_ESIG: case GB_ENOSIG:
	case GB_EUNKNOWNKEY: case GB_EAUTH: case GB_ECONSORTIUM: case GB_EJSON:
	case GB_EINVAL: case GB_ERANGE: case GB_EUSAGE:
		return 400;
	case GB_EIDREUSE: case GB_ESTATE:
		return 409;
	case GB_ETOOBIG:
		return 413;
	case GB_EVALUE: case GB_EOVERFLOW: case GB_ETIME: case GB_ENOTFOUND:
	case GB_ECHARTER: case GB_EINVARIANT:
		return 422;
	default:
		return 500;
	}
}

/* ------------------------------------------------------------ cosigning */

_Static_assert(GB_SERVER_WITNESSES_MAX == GB_COSIGN_WITNESSES_MAX, "one limit on witnesses");

/* Signs a checkpoint and copies the charter's witness keys, under ledger_mu (gb_cosign_sign_fn). */
static int cosign_sign(void *ctx, char *note, size_t cap, size_t *len, gb_pubkey *keys,
	size_t keys_cap, size_t *key_count, gb_err *err)
{
	gb_server *s = ctx;
	pthread_mutex_lock(&s->ledger_mu);
	int rc = gb_ledger_checkpoint(s->ledger, &s->log_key, note, cap, len, err);
	const gb_roster *r = gb_ledger_roster(s->ledger);
	*key_count = 0;
	for (size_t i = 0; i < r->count && *key_count < keys_cap; i++)
		if (r->p[i].role == GB_ROLE_WITNESS && !r->p[i].revoked)
			keys[(*key_count)++] = r->p[i].key;
	pthread_mutex_unlock(&s->ledger_mu);
	return rc;
}

/* A consistency proof of the log, under ledger_mu (gb_cosign_prove_fn). */
static int cosign_prove(void *ctx, uint64_t size1, uint64_t size2,
	uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES], size_t *count, gb_err *err)
{
	gb_server *s = ctx;
	uint8_t root1[GB_HASH_BYTES], root2[GB_HASH_BYTES];
	pthread_mutex_lock(&s->ledger_mu);
	int rc = gb_ledger_prove_consistency(s->ledger, size1, size2, proof, count, root1, root2, err);
	pthread_mutex_unlock(&s->ledger_mu);
	return rc;
}

/* Starts collecting cosignatures from cfg's witnesses, if it names any. */
static int cosign_start(gb_server *s, const gb_server_config *cfg, gb_err *err)
{
	if (cfg->witness_count == 0)
		return 0;
	if (!s->has_key)
		return gb_err_set(err, GB_EINVAL, "server: witnesses cosign checkpoints: the log key is needed");
	return gb_cosign_service_start(cfg->witness_urls, cfg->witness_count, cosign_sign,
		cosign_prove, s, &s->cosign, err);
}

/* ---------------------------------------------------------------- writer */

/* Takes queued submissions while their entries fit one batch; q_mu held. */
static size_t take_group(gb_server *s, struct submission **group, size_t *entry_count)
{
	size_t n = 0, total = 0;
	assert(s != NULL && group != NULL);
	while (s->q_count > 0) {
		struct submission *sub = s->queue[s->q_head];
		if (n > 0 && total + sub->count > GB_BATCH_MAX)
			break;
		group[n++] = sub;
		total += sub->count;
		s->q_head = (s->q_head + 1) % GB_SERVER_QUEUE_MAX;
		s->q_count--;
	}
	*entry_count = total;
	return n;
}

/* Appends a group: in one batch, or else entry by entry. ledger_mu held. */
static void append_group(gb_server *s, struct submission **group, size_t n, size_t total)
{
	gb_err err;
	size_t k = 0;
	assert(total <= GB_BATCH_MAX);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < group[i]->count; j++)
			s->batch[k++] = group[i]->entries[j];
	if (gb_ledger_append(s->ledger, s->batch, total, s->batch_results, &err) == 0) {
		k = 0;
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < group[i]->count; j++) {
				group[i]->results[j] = s->batch_results[k++];
				group[i]->codes[j] = 0;
			}
		return;
	}
	for (size_t i = 0; i < n; i++) /* one bad entry must not fail its neighbours */
		for (size_t j = 0; j < group[i]->count; j++) {
			int rc = gb_ledger_append(s->ledger, &group[i]->entries[j], 1,
				&group[i]->results[j], &err);
			group[i]->codes[j] = rc;
			if (rc != 0)
				snprintf(group[i]->msgs[j], GB_ERR_MSG_MAX, "%s", err.msg);
		}
}

/* The writer thread: group commits until stopping with an empty queue. */
static void *writer_main(void *arg)
{
	gb_server *s = arg;
	struct submission **group = s->group;
	assert(s != NULL);
	for (;;) {
		pthread_mutex_lock(&s->q_mu);
		while (s->q_count == 0 && !s->stopping)
			pthread_cond_wait(&s->q_cv, &s->q_mu);
		if (s->q_count == 0 && s->stopping) {
			pthread_mutex_unlock(&s->q_mu);
			return NULL;
		}
		size_t total;
		size_t n = take_group(s, group, &total);
		pthread_mutex_unlock(&s->q_mu);
		pthread_mutex_lock(&s->ledger_mu);
		append_group(s, group, n, total);
		pthread_mutex_unlock(&s->ledger_mu);
		pthread_mutex_lock(&s->q_mu);
		for (size_t i = 0; i < n; i++)
			group[i]->done = 1;
		pthread_cond_broadcast(&s->done_cv);
		pthread_mutex_unlock(&s->q_mu);
		if (s->cosign != NULL)
			gb_cosign_service_kick(s->cosign);
	}
}

/* Queues sub and waits for its commit. GB_ETOOBIG (-> 503) if the queue is full. */
static int submit_and_wait(gb_server *s, struct submission *sub)
{
	assert(s != NULL && sub != NULL && sub->count > 0);
	pthread_mutex_lock(&s->q_mu);
	if (s->q_count == GB_SERVER_QUEUE_MAX) {
		pthread_mutex_unlock(&s->q_mu);
		return GB_ETOOBIG;
	}
	s->queue[(s->q_head + s->q_count) % GB_SERVER_QUEUE_MAX] = sub;
	s->q_count++;
	pthread_cond_signal(&s->q_cv);
	while (!sub->done)
		pthread_cond_wait(&s->done_cv, &s->q_mu);
	pthread_mutex_unlock(&s->q_mu);
	return 0;
}

/* -------------------------------------------------------------- answers */

/* Queues a response of len bytes (taken over: freed by MHD). */
static enum MHD_Result reply(struct MHD_Connection *c, struct request *r, unsigned status,
	const char *ctype, void *buf, size_t len)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	assert(r != NULL);
	if (resp == NULL) {
		free(buf);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if (status == 405)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW,
			strcmp(r->path, "/v1/entries") == 0 ? "GET, POST" : "GET");
	r->status = status;
	r->bytes = len;
	enum MHD_Result ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result reply_json(struct MHD_Connection *c, struct request *r, unsigned status,
	json_t *o)
{
	char *text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (text == NULL)
		return MHD_NO;
	size_t len = strlen(text);
	char *buf = realloc(text, len + 2);
	if (buf == NULL) {
		free(text);
		return MHD_NO;
	}
	buf[len] = '\n';
	return reply(c, r, status, "application/json", buf, len + 1);
}

static json_t *error_json(int code, const char *msg)
{
	return json_pack("{s:s, s:s}", "code", gb_errname(code), "message",
		msg[0] ? msg : gb_strerror(code));
}

static enum MHD_Result reply_error(struct MHD_Connection *c, struct request *r, unsigned status,
	int code, const char *msg)
{
	return reply_json(c, r, status, error_json(code, msg));
}

/* ---------------------------------------------------------------- POST */

/* Reads a big-endian n-byte length at p. */
static size_t be_len(const uint8_t *p, size_t n)
{
	size_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

/*
 * Splits a body into entries: a MessagePack array of bin is a batch, any
 * other body one entry. Sets *entries to a new array of *count views into p.
 */
static int split_body(const uint8_t *p, size_t len, gb_bytes **out, size_t *count, gb_err *err)
{
	assert(p != NULL && out != NULL);
	size_t n, off;
	gb_bytes *entries;
	if (len == 0)
		return gb_err_set(err, GB_EMSGPACK, "empty body");
	if ((p[0] & 0xf0) == 0x90)
		n = p[0] & 0x0f, off = 1;
	else if (p[0] == 0xdc && len >= 3)
		n = be_len(p + 1, 2), off = 3;
	else if (p[0] == 0xdd && len >= 5)
		n = be_len(p + 1, 4), off = 5;
	else
		n = 0, off = 0;
	if (off > 0 && (n == 0 || n > GB_BATCH_MAX))
		return gb_err_set(err, n ? GB_ETOOBIG : GB_EMSGPACK, "batch of %zu entries: want 1 to %d", n, GB_BATCH_MAX);
	if ((entries = calloc(n ? n : 1, sizeof *entries)) == NULL)
		return gb_err_set(err, GB_ENOMEM, "out of memory");
	*out = entries;
	*count = n ? n : 1;
	if (off == 0) {
		entries[0] = (gb_bytes){ p, len };
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		size_t hl = off < len ? (p[off] == 0xc4 ? 1 : p[off] == 0xc5 ? 2 : p[off] == 0xc6 ? 4 : 0) : 0;
		if (hl == 0 || len - off < 1 + hl)
			return gb_err_set(err, GB_EMSGPACK, "batch item %zu: want a bin", i);
		size_t el = be_len(p + off + 1, hl);
		off += 1 + hl;
		if (el > len - off)
			return gb_err_set(err, GB_EMSGPACK, "batch item %zu: truncated", i);
		entries[i] = (gb_bytes){ p + off, el };
		off += el;
	}
	if (off != len)
		return gb_err_set(err, GB_ETRAILING, "%zu bytes after the batch", len - off);
	return 0;
}

/* The answer object of one entry. */
static json_t *entry_json(const struct submission *sub, size_t i)
{
	if (sub->codes[i] != 0)
		return error_json(sub->codes[i], sub->msgs[i]);
	return json_pack("{s:I, s:b}", "index", (json_int_t)sub->results[i].index, "duplicate",
		sub->results[i].duplicate);
}

static enum MHD_Result post_entries(gb_server *s, struct MHD_Connection *c, struct request *r)
{
	gb_err err;
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (ct == NULL || strcmp(ct, "application/msgpack") != 0)
		return reply_error(c, r, 415, GB_EINVAL, "want Content-Type application/msgpack");
	if (r->too_big)
		return reply_error(c, r, 413, GB_ETOOBIG, "body over 1048576 bytes");
	struct submission sub = { 0 };
	int rc = split_body(r->body, r->body_len, &sub.entries, &sub.count, &err);
	if (rc != 0) {
		free(sub.entries);
		return rc == GB_ENOMEM ? MHD_NO : reply_error(c, r, gb_server_http_status(rc), rc, err.msg);
	}
	const uint8_t b0 = r->body[0]; /* split_body refused an empty body */
	int batch = (b0 & 0xf0) == 0x90 || b0 == 0xdc || b0 == 0xdd;
	sub.results = calloc(sub.count, sizeof *sub.results);
	sub.codes = calloc(sub.count, sizeof *sub.codes);
	sub.msgs = calloc(sub.count, sizeof *sub.msgs);
	enum MHD_Result ret = MHD_NO;
	if (sub.results && sub.codes && sub.msgs) {
		if (submit_and_wait(s, &sub) != 0)
			ret = reply_error(c, r, 503, GB_ETOOBIG, "the commit queue is full");
		else if (!batch)
			ret = reply_json(c, r, gb_server_http_status(sub.codes[0]), entry_json(&sub, 0));
		else {
			json_t *a = json_array();
			for (size_t i = 0; i < sub.count; i++)
				json_array_append_new(a, entry_json(&sub, i));
			ret = reply_json(c, r, 200, a);
		}
	}
	free(sub.entries);
	free(sub.results);
	free(sub.codes);
	free(sub.msgs);
	return ret;
}

/* ----------------------------------------------------------------- GETs */

/* Reads the query argument `name` as a decimal uint64; -1 if absent or bad. */
static int arg_u64(struct MHD_Connection *c, const char *name, uint64_t *out)
{
	const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
	if (v == NULL || v[0] < '0' || v[0] > '9' || strlen(v) > 19)
		return -1;
	char *end;
	unsigned long long n = strtoull(v, &end, 10);
	if (*end != '\0')
		return -1;
	*out = n;
	return 0;
}

static enum MHD_Result get_inclusion(gb_server *s, struct MHD_Connection *c, struct request *r)
{
	uint64_t index, size;
	if (arg_u64(c, "index", &index) != 0 || arg_u64(c, "size", &size) != 0)
		return reply_error(c, r, 400, GB_EINVAL, "want index=I&size=N");
	uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES], leaf[GB_HASH_BYTES], root[GB_HASH_BYTES];
	size_t count;
	gb_err err;
	pthread_mutex_lock(&s->ledger_mu);
	int rc = gb_ledger_prove_inclusion(s->ledger, index, size, proof, &count, leaf, root, &err);
	pthread_mutex_unlock(&s->ledger_mu);
	if (rc != 0)
		return reply_error(c, r, gb_server_http_status(rc), rc, err.msg);
	json_t *o = gb_proof_inclusion_json(index, size, leaf, root, (const uint8_t (*)[GB_HASH_BYTES])proof, count);
	return o ? reply_json(c, r, 200, o) : reply_error(c, r, 500, GB_ENOMEM, "out of memory");
}

static enum MHD_Result get_consistency(gb_server *s, struct MHD_Connection *c, struct request *r)
{
	uint64_t size1, size2;
	if (arg_u64(c, "size1", &size1) != 0 || arg_u64(c, "size2", &size2) != 0)
		return reply_error(c, r, 400, GB_EINVAL, "want size1=M&size2=N");
	uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES], root1[GB_HASH_BYTES], root2[GB_HASH_BYTES];
	size_t count;
	gb_err err;
	pthread_mutex_lock(&s->ledger_mu);
	int rc = gb_ledger_prove_consistency(s->ledger, size1, size2, proof, &count, root1, root2, &err);
	pthread_mutex_unlock(&s->ledger_mu);
	if (rc != 0)
		return reply_error(c, r, gb_server_http_status(rc), rc, err.msg);
	json_t *o = gb_proof_consistency_json(size1, size2, root1, root2, (const uint8_t (*)[GB_HASH_BYTES])proof, count);
	return o ? reply_json(c, r, 200, o) : reply_error(c, r, 500, GB_ENOMEM, "out of memory");
}

/* Packs entries [start, end) into sb; ledger_mu held. */
static int pack_range(gb_server *s, uint64_t start, uint64_t end, msgpack_sbuffer *sb, gb_err *err)
{
	msgpack_packer pk;
	uint64_t size;
	assert(s != NULL && sb != NULL);
	int rc = gb_ledger_size(s->ledger, &size, err);
	if (rc != 0)
		return rc;
	if (start >= end || end > size || end - start > GB_SERVER_RANGE_MAX)
		return gb_err_set(err, GB_ERANGE, "entries [%" PRIu64 ", %" PRIu64 "): want start < end <= %" PRIu64 ", at most %d",
			start, end, size, GB_SERVER_RANGE_MAX);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, (size_t)(end - start));
	for (uint64_t i = start; i < end; i++) {
		uint8_t *p;
		size_t len;
		if ((rc = gb_ledger_get(s->ledger, i, &p, &len, err)) != 0)
			return rc;
		msgpack_pack_bin(&pk, len);
		msgpack_pack_bin_body(&pk, p, len);
		free(p);
	}
	return 0;
}

static enum MHD_Result get_entries(gb_server *s, struct MHD_Connection *c, struct request *r)
{
	uint64_t start, end;
	if (arg_u64(c, "start", &start) != 0 || arg_u64(c, "end", &end) != 0)
		return reply_error(c, r, 400, GB_EINVAL, "want start=S&end=E");
	msgpack_sbuffer sb;
	msgpack_sbuffer_init(&sb);
	gb_err err;
	pthread_mutex_lock(&s->ledger_mu);
	int rc = pack_range(s, start, end, &sb, &err);
	pthread_mutex_unlock(&s->ledger_mu);
	if (rc != 0) {
		msgpack_sbuffer_destroy(&sb);
		return reply_error(c, r, gb_server_http_status(rc), rc, err.msg);
	}
	size_t len = sb.size;
	return reply(c, r, 200, "application/msgpack", msgpack_sbuffer_release(&sb), len);
}

static enum MHD_Result get_checkpoint(gb_server *s, struct MHD_Connection *c, struct request *r)
{
	if (!s->has_key)
		return reply_error(c, r, 404, GB_ENOTFOUND, "this server has no log key");
	char *note = malloc(GB_NOTE_MAX);
	size_t len = 0;
	gb_err err;
	if (note == NULL)
		return MHD_NO;
	if (s->cosign != NULL && gb_cosign_service_latest(s->cosign, note, GB_NOTE_MAX, &len))
		return reply(c, r, 200, "text/plain; charset=utf-8", note, len);
	pthread_mutex_lock(&s->ledger_mu);
	int rc = gb_ledger_checkpoint(s->ledger, &s->log_key, note, GB_NOTE_MAX, &len, &err);
	pthread_mutex_unlock(&s->ledger_mu);
	if (rc != 0) {
		free(note);
		return reply_error(c, r, gb_server_http_status(rc), rc, err.msg);
	}
	return reply(c, r, 200, "text/plain; charset=utf-8", note, len);
}

static enum MHD_Result get_health(gb_server *s, struct MHD_Connection *c, struct request *r)
{
	uint64_t size;
	gb_err err;
	pthread_mutex_lock(&s->ledger_mu);
	int rc = gb_ledger_size(s->ledger, &size, &err);
	pthread_mutex_unlock(&s->ledger_mu);
	if (rc != 0)
		return reply_error(c, r, 500, rc, err.msg);
	return reply_json(c, r, 200, json_pack("{s:I}", "size", (json_int_t)size));
}

/* ------------------------------------------------------------- dispatch */

typedef enum MHD_Result (*handler_fn)(gb_server *, struct MHD_Connection *, struct request *);

static const struct route {
	const char *method, *path;
	handler_fn fn;
} routes[] = {
	{ "POST", "/v1/entries", post_entries },
	{ "GET", "/v1/entries", get_entries },
	{ "GET", "/v1/checkpoint", get_checkpoint },
	{ "GET", "/v1/proof/inclusion", get_inclusion },
	{ "GET", "/v1/proof/consistency", get_consistency },
	{ "GET", "/v1/health", get_health },
};
#define ROUTES_COUNT (sizeof routes / sizeof routes[0])

static enum MHD_Result dispatch(gb_server *s, struct MHD_Connection *c, struct request *r)
{
	int path_known = 0;
	for (size_t i = 0; i < ROUTES_COUNT; i++) {
		if (strcmp(routes[i].path, r->path) != 0)
			continue;
		path_known = 1;
		if (strcmp(routes[i].method, r->method) == 0)
			return routes[i].fn(s, c, r);
	}
	if (path_known)
		return reply_error(c, r, 405, GB_EINVAL, "method not allowed here");
	return reply_error(c, r, 404, GB_ENOTFOUND, "no such resource");
}

/* Collects the body (up to GB_SERVER_BODY_MAX), then answers. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
	const char *method, const char *version, const char *upload, size_t *upload_len, void **con_cls)
{
	gb_server *s = cls;
	struct request *r = *con_cls;
	if (r == NULL) {
		if ((r = calloc(1, sizeof *r)) == NULL)
			return MHD_NO;
		clock_gettime(CLOCK_MONOTONIC, &r->start);
		snprintf(r->method, sizeof r->method, "%s", method);
		snprintf(r->path, sizeof r->path, "%s", url);
		*con_cls = r;
		return MHD_YES;
	}
	if (*upload_len > 0) {
		if (!r->too_big && *upload_len > GB_SERVER_BODY_MAX - r->body_len)
			r->too_big = 1, free(r->body), r->body = NULL, r->body_len = 0;
		if (!r->too_big && r->body_len + *upload_len > r->body_cap) {
			size_t cap = r->body_cap ? r->body_cap : 4096;
			while (cap < r->body_len + *upload_len) /* at most 9 doublings to 1 MiB */
				cap *= 2;
			uint8_t *nb = realloc(r->body, cap < GB_SERVER_BODY_MAX ? cap : GB_SERVER_BODY_MAX);
			if (nb == NULL)
				return MHD_NO;
			r->body = nb;
			r->body_cap = cap < GB_SERVER_BODY_MAX ? cap : GB_SERVER_BODY_MAX;
		}
		if (!r->too_big) {
			memcpy(r->body + r->body_len, upload, *upload_len);
			r->body_len += *upload_len;
		}
		*upload_len = 0;
		return MHD_YES;
	}
	if (strcmp(method, "POST") == 0 && r->body == NULL && !r->too_big)
		r->body = malloc(1); /* an empty body */
	if (strcmp(method, "POST") == 0 && r->body == NULL && !r->too_big)
		return MHD_NO;
	return dispatch(s, c, r);
}

/* Prints the access log line and frees the request. */
static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
	enum MHD_RequestTerminationCode toe)
{
	struct request *r = *con_cls;
	if (r == NULL)
		return;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long ms = (long)(now.tv_sec - r->start.tv_sec) * 1000 + (now.tv_nsec - r->start.tv_nsec) / 1000000;
	fprintf(stderr, "%s %s %u %zu %ld\n", r->method, r->path, r->status, r->bytes, ms);
	free(r->body);
	free(r);
	*con_cls = NULL;
}

/* ------------------------------------------------------------ lifecycle */

static void server_free(gb_server *s)
{
	if (s == NULL)
		return;
	gb_cosign_service_stop(s->cosign); /* before the ledger_mu it uses goes */
	gb_seckey_wipe(&s->log_key);
	pthread_mutex_destroy(&s->ledger_mu);
	pthread_mutex_destroy(&s->q_mu);
	pthread_cond_destroy(&s->q_cv);
	pthread_cond_destroy(&s->done_cv);
	free(s->batch);
	free(s->batch_results);
	free(s);
}

int gb_server_start(const gb_server_config *cfg, gb_ledger *l, gb_server **out, gb_err *err)
{
	assert(cfg != NULL && l != NULL && out != NULL);
	gb_server *s = calloc(1, sizeof *s);
	if (s == NULL)
		return gb_err_set(err, GB_ENOMEM, "server: out of memory");
	s->ledger = l;
	pthread_mutex_init(&s->ledger_mu, NULL);
	pthread_mutex_init(&s->q_mu, NULL);
	pthread_cond_init(&s->q_cv, NULL);
	pthread_cond_init(&s->done_cv, NULL);
	if (cfg->log_key != NULL)
		s->log_key = *cfg->log_key, s->has_key = 1;
	s->batch = calloc(GB_BATCH_MAX, sizeof *s->batch);
	s->batch_results = calloc(GB_BATCH_MAX, sizeof *s->batch_results);
	if (s->batch == NULL || s->batch_results == NULL) {
		server_free(s);
		return gb_err_set(err, GB_ENOMEM, "server: out of memory");
	}
	int rc = cosign_start(s, cfg, err);
	if (rc != 0) {
		server_free(s);
		return rc;
	}
	if (pthread_create(&s->writer, NULL, writer_main, s) != 0) {
		server_free(s);
		return gb_err_set(err, GB_ENOMEM, "server: cannot start the writer thread");
	}
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(cfg->port),
		.sin_addr = { .s_addr = cfg->addr_be } };
	s->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
		MHD_USE_ITC, cfg->port, NULL, NULL, on_request, s,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)GB_SERVER_CONN_MAX,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)GB_SERVER_TIMEOUT_S,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
		MHD_OPTION_END);
	if (s->daemon == NULL) {
		pthread_mutex_lock(&s->q_mu);
		s->stopping = 1;
		pthread_cond_signal(&s->q_cv);
		pthread_mutex_unlock(&s->q_mu);
		pthread_join(s->writer, NULL);
		server_free(s);
		return gb_err_set(err, GB_EIO, "server: cannot listen on port %u", (unsigned)cfg->port);
	}
	*out = s;
	return 0;
}

void gb_server_stop(gb_server *s)
{
	if (s == NULL)
		return;
	MHD_quiesce_daemon(s->daemon);  /* no new connections */
	MHD_stop_daemon(s->daemon);     /* joins the connection threads: each has its answer */
	pthread_mutex_lock(&s->q_mu);
	s->stopping = 1;
	pthread_cond_signal(&s->q_cv);
	pthread_mutex_unlock(&s->q_mu);
	pthread_join(s->writer, NULL);  /* commits whatever is still queued */
	server_free(s);
}
