/*
 * server.c: the ledger over HTTP (gongbao/server.h). libmicrohttpd runs one
 * thread per connection; POSTs hand their entries to one writer thread
 * (group commit) and wait for its answer; reads share the ledger with the
 * writer under one mutex (a gb_ledger is used by one thread at a time).
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>
#include <msgpack.h>
#include <sodium.h>

#include "gongbao/codec.h"
#include "gongbao/cosign.h"
#include "gongbao/entry.h"
#include "gongbao/json.h"
#include "gongbao/note.h"
#include "gongbao/report.h"
#include "gongbao/server.h"

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
	size_t q_max;                    /* the queue's bound, <= GB_SERVER_QUEUE_MAX */
	int stopping;
	pthread_t writer;
	gb_bytes *batch;                 /* the writer's arrays, GB_BATCH_MAX each */
	gb_append_result *batch_results;
	struct submission *group[GB_SERVER_QUEUE_MAX]; /* the writer's current group */
	gb_cosign_service *cosign;       /* collects cosignatures; NULL without witnesses */
	unsigned request_s;              /* the time limit on receiving a request */
	pthread_mutex_t conn_mu;         /* guards conns and each conn's fields */
	pthread_cond_t watch_cv;         /* wakes the watchdog to stop */
	struct conn *conns;              /* open connections (at most GB_SERVER_CONN_MAX) */
	int watch_stopping;
	pthread_t watchdog;
	size_t answering;                /* requests whole and not yet completed (conn_mu) */
	int draining;                    /* stopping: no request starts being answered (conn_mu) */
	pthread_cond_t drain_cv;         /* wakes the stop when answering reaches 0 */
};

/*
 * One open connection, for the request time limit: the watchdog shuts down
 * the socket of a connection that has not received a whole request within
 * request_s of its start (the accept, or the end of its previous request).
 * Linked while MHD holds the socket open (NOTIFY_CONNECTION started ..
 * closed, and MHD closes the socket only after "closed").
 */
struct conn {
	int fd;
	struct timespec since;           /* when its current request began */
	int busy;                        /* the request is whole: being answered */
	int cut;                         /* the watchdog has shut it down */
	struct conn *prev, *next;
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
	struct conn *conn;               /* its connection (NULL if MHD gave none) */
	int answering;                   /* counted in the server's answering */
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
		s->q_head = (s->q_head + 1) % s->q_max;
		s->q_count--;
	}
	*entry_count = total;
	return n;
}

/* Sets entry k of the group (numbered across its submissions) to code/msg or a result. */
static void set_outcome(struct submission **group, size_t k, int code, const char *msg,
	const gb_append_result *res)
{
	size_t i = 0;
	while (k >= group[i]->count) /* k < the group's total: ends within the group */
		k -= group[i++]->count;
	group[i]->codes[k] = code;
	if (code != 0)
		snprintf(group[i]->msgs[k], GB_ERR_MSG_MAX, "%s", msg);
	else
		group[i]->results[k] = *res;
}

/*
 * Appends a group. One batch, one commit when every entry passes. When one
 * is rejected, the entries before it (which passed) are committed as a
 * batch, the rejected one gets its error, and the rest go on as a new batch:
 * so one bad entry neither fails its neighbours nor costs a commit each
 * (k rejections, at most k + 1 commits). ledger_mu held.
 */
static void append_group(gb_server *s, struct submission **group, size_t n, size_t total)
{
	gb_err err, why;
	size_t k = 0, start = 0;
	assert(total <= GB_BATCH_MAX);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < group[i]->count; j++)
			s->batch[k++] = group[i]->entries[j];
	while (start < total) { /* each pass settles at least one entry */
		size_t left = total - start, bad, again;
		gb_bytes *b = s->batch + start;
		gb_append_result *res = s->batch_results + start;
		int rc = gb_ledger_try_append(s->ledger, b, left, res, &bad, &err);
		if (rc == 0)
			bad = left;
		else if (bad >= left) /* not one entry's fault (the store): every one left fails */
			break;
		why = err;
		if (rc != 0 && bad > 0 && gb_ledger_try_append(s->ledger, b, bad, res, &again, &err) != 0) {
			rc = err.code; /* the entries that passed fail alone: the store's fault too */
			break;
		}
		for (size_t e = 0; e < bad; e++)
			set_outcome(group, start + e, 0, NULL, &res[e]);
		if (rc == 0)
			return;
		set_outcome(group, start + bad, rc, why.msg, NULL);
		start += bad + 1;
	}
	for (; start < total; start++)
		set_outcome(group, start, err.code, err.msg, NULL);
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
	if (s->q_count == s->q_max) {
		pthread_mutex_unlock(&s->q_mu);
		return GB_ETOOBIG;
	}
	s->queue[(s->q_head + s->q_count) % s->q_max] = sub;
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
	char *text = o != NULL ? gb_json_dumps_line(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (text == NULL)
		return MHD_NO;
	return reply(c, r, status, "application/json", text, strlen(text));
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

/* 1 if a body is a batch: its first byte is a MessagePack array header. */
static int is_batch(const uint8_t *p, size_t len)
{
	return len > 0 && ((p[0] & 0xf0) == 0x90 || p[0] == 0xdc || p[0] == 0xdd);
}

/*
 * Splits a body into entries: a MessagePack array of bin is a batch, read
 * with the codec's strict reader (shortest forms only), any other body one
 * entry. Sets *out to a new array of *count views into p.
 */
static int split_body(const uint8_t *p, size_t len, gb_bytes **out, size_t *count, gb_err *err)
{
	gb_mpr r;
	gb_mp_item it;
	assert(p != NULL && out != NULL && count != NULL);
	if (len == 0)
		return gb_err_set(err, GB_EMSGPACK, "empty body");
	*count = 1;
	if (is_batch(p, len)) {
		gb_mpr_init(&r, p, len);
		int rc = gb_mpr_next(&r, &it, err);
		if (rc == GB_EMSGPACK) /* still a batch (post_entries answers it as one): a malformed one */
			return gb_err_set(err, GB_EMSGPACK, "batch: the array header is cut short");
		if (rc != 0)
			return gb_err_prefix(err, rc, "batch: ");
		if (it.v.count == 0 || it.v.count > GB_BATCH_MAX)
			return gb_err_set(err, it.v.count ? GB_ETOOBIG : GB_EMSGPACK, "batch of %u entries: want 1 to %d",
				(unsigned)it.v.count, GB_BATCH_MAX);
		*count = it.v.count;
	}
	gb_bytes *entries = calloc(*count, sizeof *entries);
	if ((*out = entries) == NULL)
		return gb_err_set(err, GB_ENOMEM, "out of memory");
	if (!is_batch(p, len)) {
		entries[0] = (gb_bytes){ p, len };
		return 0;
	}
	for (size_t i = 0; i < *count; i++) {
		int rc = gb_mpr_next(&r, &it, err);
		if (rc != 0 || it.type != GB_MP_BIN)
			return rc == GB_ENONCANON ? gb_err_prefix(err, rc, "batch item %zu: ", i)
				: gb_err_set(err, GB_EMSGPACK, "batch item %zu: want a bin", i);
		entries[i] = (gb_bytes){ it.v.str.ptr, it.v.str.len };
	}
	if (r.p != r.end)
		return gb_err_set(err, GB_ETRAILING, "%zu bytes after the batch", (size_t)(r.end - r.p));
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

/* 1 if the Content-Type `ct` is the media type `want` (case aside; parameters after ';' allowed). */
static int media_type_is(const char *ct, const char *want)
{
	size_t n = strlen(want);
	if (ct == NULL || strncasecmp(ct, want, n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

/* The longest "entry" string of a JSON post: the base64 of GB_ENTRY_MAX bytes. */
#define ENTRY_B64_MAX (4 * ((GB_ENTRY_MAX + 2) / 3))

/* Decodes the standard base64 of one entry into a new buffer (*out, *len). */
static int entry_from_b64(const char *b64, size_t b64_len, uint8_t **out, size_t *len, gb_err *err)
{
	const char *end;
	if (b64_len > ENTRY_B64_MAX)
		return gb_err_set(err, GB_ETOOBIG, "body: \"entry\" of %zu base64 characters: want at most %d (%d bytes)",
			b64_len, ENTRY_B64_MAX, GB_ENTRY_MAX);
	if ((*out = malloc(GB_ENTRY_MAX)) == NULL)
		return gb_err_set(err, GB_ENOMEM, "out of memory");
	if (sodium_base642bin(*out, GB_ENTRY_MAX, b64, b64_len, NULL, len, &end,
		sodium_base64_VARIANT_ORIGINAL) != 0 || end != b64 + b64_len)
		return gb_err_set(err, GB_EJSON, "body: \"entry\" is not standard base64 (with padding): '%.24s%s'",
			b64, b64_len > 24 ? "..." : "");
	if (*len == 0)
		return gb_err_set(err, GB_EJSON, "body: \"entry\" is empty");
	return 0;
}

/*
 * Unwraps a JSON post, {"entry": "<standard base64 of the entry>"} and
 * nothing else, into a new buffer (*out, *len; the caller frees *out, also
 * on failure). GB_EJSON for any other body, GB_ETOOBIG for an entry over
 * GB_ENTRY_MAX.
 */
static int unwrap_json(const uint8_t *body, size_t body_len, uint8_t **out, size_t *len, gb_err *err)
{
	json_error_t jerr;
	const char *key;
	json_t *v, *o = json_loadb((const char *)body, body_len, JSON_REJECT_DUPLICATES, &jerr);
	*out = NULL;
	if (o == NULL)
		return gb_err_set(err, GB_EJSON, "body: %s at line %d column %d", jerr.text, jerr.line, jerr.column);
	int rc = json_is_object(o) ? 0 : gb_err_set(err, GB_EJSON, "body: want {\"entry\": \"<base64>\"}, not a JSON %s",
		json_is_array(o) ? "array" : "scalar");
	json_object_foreach(o, key, v) {
		if (rc == 0 && strcmp(key, "entry") != 0)
			rc = gb_err_set(err, GB_EJSON, "body: unknown key '%.40s': want {\"entry\": \"<base64>\"} only", key);
	}
	v = json_object_get(o, "entry");
	if (rc == 0 && !json_is_string(v))
		rc = gb_err_set(err, GB_EJSON, "body: want {\"entry\": \"<base64>\"}: %s", v ? "\"entry\" is not a string" :
			"no \"entry\"");
	if (rc == 0)
		rc = entry_from_b64(json_string_value(v), json_string_length(v), out, len, err);
	json_decref(o);
	return rc;
}

/* Queues the submission, waits for its commit and answers it (one entry or a batch). */
static enum MHD_Result answer_submission(gb_server *s, struct MHD_Connection *c, struct request *r,
	struct submission *sub, int batch)
{
	assert(sub->count > 0);
	assert(batch || sub->count == 1);
	enum MHD_Result ret = MHD_NO;
	sub->results = calloc(sub->count, sizeof *sub->results);
	sub->codes = calloc(sub->count, sizeof *sub->codes);
	sub->msgs = calloc(sub->count, sizeof *sub->msgs);
	if (sub->results && sub->codes && sub->msgs) {
		if (submit_and_wait(s, sub) != 0)
			ret = reply_error(c, r, 503, GB_ETOOBIG, "the commit queue is full");
		else if (!batch)
			ret = reply_json(c, r, gb_server_http_status(sub->codes[0]), entry_json(sub, 0));
		else {
			json_t *a = json_array();
			for (size_t i = 0; i < sub->count; i++)
				json_array_append_new(a, entry_json(sub, i));
			ret = reply_json(c, r, 200, a);
		}
	}
	free(sub->results);
	free(sub->codes);
	free(sub->msgs);
	return ret;
}

/*
 * POST /v1/entries: a MessagePack entry or batch (split_body), or one
 * JSON-wrapped entry (unwrap_json), answered after its commit.
 */
static enum MHD_Result post_entries(gb_server *s, struct MHD_Connection *c, struct request *r)
{
	gb_err err;
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	int is_json = media_type_is(ct, "application/json"), batch = 0, rc;
	if (!is_json && !media_type_is(ct, "application/msgpack"))
		return reply_error(c, r, 415, GB_EINVAL, "want Content-Type application/msgpack or application/json");
	if (r->too_big)
		return reply_error(c, r, 413, GB_ETOOBIG, "body over 1048576 bytes");
	struct submission sub = { 0 };
	uint8_t *unwrapped = NULL;
	size_t len = 0;
	if (is_json) {
		rc = unwrap_json(r->body, r->body_len, &unwrapped, &len, &err);
		if (rc == 0 && (sub.entries = calloc(1, sizeof *sub.entries)) == NULL)
			rc = gb_err_set(&err, GB_ENOMEM, "out of memory");
		if (rc == 0)
			sub.entries[0] = (gb_bytes){ unwrapped, len }, sub.count = 1;
	} else {
		rc = split_body(r->body, r->body_len, &sub.entries, &sub.count, &err);
		batch = is_batch(r->body, r->body_len);
	}
	enum MHD_Result ret;
	if (rc == GB_ENOMEM)
		ret = MHD_NO;
	else if (rc != 0)
		ret = reply_error(c, r, gb_server_http_status(rc), rc, err.msg);
	else
		ret = answer_submission(s, c, r, &sub, batch);
	free(sub.entries);
	free(unwrapped);
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

/* What args_only found: the first argument not allowed, repeated or without a value. */
struct args_check {
	const char *const *allowed;      /* NULL-terminated, at most 32 names */
	uint32_t seen;                   /* bit i: allowed[i] seen */
	char bad[64];                    /* "" or the offending name */
	const char *why;
};

static enum MHD_Result check_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct args_check *a = cls;
	size_t i = 0;
	if (key == NULL)
		key = "";
	while (a->allowed[i] != NULL && strcmp(a->allowed[i], key) != 0)
		i++;
	assert(i < 32);
	a->why = a->allowed[i] == NULL ? "unknown" : (a->seen >> i) & 1 ? "repeated" : value == NULL ?
		"without a value" : NULL;
	if (a->why != NULL) {
		snprintf(a->bad, sizeof a->bad, "%s", key);
		return MHD_NO;
	}
	a->seen |= (uint32_t)1 << i;
	return MHD_YES;
}

/*
 * 0 if every query argument of c is named in `allowed` (NULL-terminated)
 * and given once with a value; else GB_EINVAL naming the first that is not.
 */
static int args_only(struct MHD_Connection *c, const char *const *allowed, gb_err *err)
{
	struct args_check a = { .allowed = allowed };
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, check_arg, &a);
	if (a.why != NULL)
		return gb_err_set(err, GB_EINVAL, "query argument '%s' %s here", a.bad, a.why);
	return 0;
}

static enum MHD_Result get_inclusion(gb_server *s, struct MHD_Connection *c, struct request *r)
{
	static const char *const names[] = { "index", "size", NULL };
	uint64_t index, size;
	gb_err err;
	if (args_only(c, names, &err) != 0)
		return reply_error(c, r, 400, GB_EINVAL, err.msg);
	if (arg_u64(c, "index", &index) != 0 || arg_u64(c, "size", &size) != 0)
		return reply_error(c, r, 400, GB_EINVAL, "want index=I&size=N");
	uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES], leaf[GB_HASH_BYTES], root[GB_HASH_BYTES];
	size_t count;
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
	static const char *const names[] = { "size1", "size2", NULL };
	uint64_t size1, size2;
	gb_err err;
	if (args_only(c, names, &err) != 0)
		return reply_error(c, r, 400, GB_EINVAL, err.msg);
	if (arg_u64(c, "size1", &size1) != 0 || arg_u64(c, "size2", &size2) != 0)
		return reply_error(c, r, 400, GB_EINVAL, "want size1=M&size2=N");
	uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES], root1[GB_HASH_BYTES], root2[GB_HASH_BYTES];
	size_t count;
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
	static const char *const names[] = { "start", "end", NULL };
	uint64_t start, end;
	gb_err err;
	if (args_only(c, names, &err) != 0)
		return reply_error(c, r, 400, GB_EINVAL, err.msg);
	if (arg_u64(c, "start", &start) != 0 || arg_u64(c, "end", &end) != 0)
		return reply_error(c, r, 400, GB_EINVAL, "want start=S&end=E");
	msgpack_sbuffer sb;
	msgpack_sbuffer_init(&sb);
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

/* ------------------------------------------------------------- reports */

/* The status of a failed read: 404 what was asked for is not there, 400 a bad request, else 500. */
static unsigned read_status(int code)
{
	switch (code) {
	case GB_ENOTFOUND:
		return 404;
	case GB_EINVAL: case GB_EVALUE: case GB_ERANGE:
		return 400;
	default:
		return 500;
	}
}

/* The undercut parameters given as query arguments into p (the rest keep their defaults). */
static int undercut_args(struct MHD_Connection *c, gb_undercut_params *p, gb_err *err)
{
	static const char *const names[4] = { "loss_ratio_bps", "expense_bps", "credibility_k", "member_bps" };
	int64_t *fields[4] = { &p->loss_ratio_bps, &p->expense_bps, &p->credibility_k, &p->member_bps };
	for (size_t i = 0; i < 4; i++) {
		uint64_t v;
		if (MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, names[i]) == NULL)
			continue;
		if (arg_u64(c, names[i], &v) != 0 || v > INT64_MAX)
			return gb_err_set(err, GB_EINVAL, "%s: want a decimal integer", names[i]);
		*fields[i] = (int64_t)v;
	}
	return 0;
}

/* The report a path names ("/v1/member" -> GB_REPORT_MEMBER); -1 if none. */
static int report_kind(const char *path)
{
	if (strncmp(path, "/v1/", 4) != 0)
		return -1;
	for (int k = 0; k < GB_REPORT_KINDS; k++)
		if (strcmp(path + 4, gb_report_kind_name(k)) == 0)
			return k;
	return -1;
}

/* Reads the request's arguments into q; 0 or GB_EINVAL (400). */
static int report_args(struct MHD_Connection *c, gb_report_req *q, const char **as_of, gb_err *err)
{
	static const char *const with_id[] = { "id", "as_of", NULL }, *const plain[] = { "as_of", NULL },
		*const undercut[] = { "as_of", "loss_ratio_bps", "expense_bps", "credibility_k", "member_bps", NULL };
	int has_id = gb_report_kind_has_id(q->kind);
	int rc = args_only(c, q->kind == GB_REPORT_UNDERCUT ? undercut : has_id ? with_id : plain, err);
	if (rc != 0)
		return rc;
	if (has_id && (q->id = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "id")) == NULL)
		return gb_err_set(err, GB_EINVAL, "want id=%s", q->kind == GB_REPORT_ACCOUNT ? "NAME" : "ID");
	gb_undercut_params_default(&q->undercut);
	if (q->kind == GB_REPORT_UNDERCUT && (rc = undercut_args(c, &q->undercut, err)) != 0)
		return rc;
	*as_of = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "as_of");
	return *as_of != NULL ? gb_report_as_of_check(*as_of, err) : 0;
}

/*
 * GET /v1/member, /v1/policy, ... /v1/undercut: the report gb_report_build
 * makes, as `gongbao show|reconcile|undercut --json` prints it.
 */
static enum MHD_Result get_report(gb_server *s, struct MHD_Connection *c, struct request *r)
{
	gb_report_req q = { .kind = report_kind(r->path) };
	gb_err err = { 0, "" };
	const char *as_of = NULL;
	json_t *o = NULL;
	assert(q.kind >= 0);
	int rc = report_args(c, &q, &as_of, &err);
	if (rc != 0)
		return reply_error(c, r, 400, rc, err.msg);
	pthread_mutex_lock(&s->ledger_mu);
	rc = gb_report_as_of(s->ledger, as_of, &q.as_of, &err);
	if (rc == 0)
		rc = gb_report_build(s->ledger, &q, &o, &err);
	pthread_mutex_unlock(&s->ledger_mu);
	if (rc != 0)
		return reply_error(c, r, read_status(rc), rc, err.msg);
	char *text = gb_report_dumps(o);
	json_decref(o);
	if (text == NULL)
		return MHD_NO;
	return reply(c, r, 200, "application/json", text, strlen(text));
}

/* ------------------------------------------------------------- watchdog */

/* Milliseconds from a to b. */
static int64_t elapsed_ms(const struct timespec *a, const struct timespec *b)
{
	return (int64_t)(b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

/* Tracks each connection from MHD's accept to its close (struct conn). */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
	enum MHD_ConnectionNotificationCode toe)
{
	gb_server *s = cls;
	struct conn *k = *socket_context;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		assert(ci != NULL);
		if ((k = calloc(1, sizeof *k)) == NULL) {
			shutdown(ci->connect_fd, SHUT_RDWR); /* unwatched, it would have no time limit */
			return;
		}
		k->fd = ci->connect_fd;
		clock_gettime(CLOCK_MONOTONIC, &k->since);
		pthread_mutex_lock(&s->conn_mu);
		k->next = s->conns;
		if (s->conns != NULL)
			s->conns->prev = k;
		s->conns = k;
		pthread_mutex_unlock(&s->conn_mu);
		*socket_context = k;
	} else if (k != NULL) {  /* closed: MHD closes the socket after this returns */
		pthread_mutex_lock(&s->conn_mu);
		if (k->prev != NULL)
			k->prev->next = k->next;
		else
			s->conns = k->next;
		if (k->next != NULL)
			k->next->prev = k->prev;
		pthread_mutex_unlock(&s->conn_mu);
		free(k);
		*socket_context = NULL;
	}
}

/* Marks a connection's request whole (answering it) or done (the next one starts now). */
static void conn_mark(gb_server *s, struct conn *k, int busy)
{
	if (k == NULL)
		return;
	pthread_mutex_lock(&s->conn_mu);
	k->busy = busy;
	if (!busy)
		clock_gettime(CLOCK_MONOTONIC, &k->since);
	pthread_mutex_unlock(&s->conn_mu);
}

/*
 * The watchdog thread: four times a second, shuts down the socket of every
 * connection whose request has not arrived whole within request_s of its
 * start (slow or stalled clients, sending headers or body), so that MHD
 * closes it. A request being answered is not cut: its answer waits only for
 * the commit.
 */
static void *watchdog_main(void *arg)
{
	gb_server *s = arg;
	const int64_t limit_ms = (int64_t)s->request_s * 1000;
	pthread_mutex_lock(&s->conn_mu);
	while (!s->watch_stopping) {
		struct timespec now, wake;
		size_t n = 0;
		clock_gettime(CLOCK_MONOTONIC, &now);
		for (struct conn *k = s->conns; k != NULL; k = k->next) {
			assert(++n <= GB_SERVER_CONN_MAX + 8); /* MHD bounds the connections */
			if (!k->busy && !k->cut && elapsed_ms(&k->since, &now) >= limit_ms) {
				shutdown(k->fd, SHUT_RDWR);
				k->cut = 1;
			}
		}
		wake = now;
		wake.tv_nsec += 250000000;
		if (wake.tv_nsec >= 1000000000)
			wake.tv_sec++, wake.tv_nsec -= 1000000000;
		pthread_cond_timedwait(&s->watch_cv, &s->conn_mu, &wake);
	}
	pthread_mutex_unlock(&s->conn_mu);
	return NULL;
}

/* Sets *flag under mu, wakes the thread waiting on cv, and joins it. */
static void thread_stop(pthread_mutex_t *mu, pthread_cond_t *cv, int *flag, pthread_t thread)
{
	pthread_mutex_lock(mu);
	*flag = 1;
	pthread_cond_signal(cv);
	pthread_mutex_unlock(mu);
	pthread_join(thread, NULL);
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
	{ "GET", "/v1/member", get_report },
	{ "GET", "/v1/policy", get_report },
	{ "GET", "/v1/claim", get_report },
	{ "GET", "/v1/fund", get_report },
	{ "GET", "/v1/account", get_report },
	{ "GET", "/v1/members", get_report },
	{ "GET", "/v1/reconcile", get_report },
	{ "GET", "/v1/undercut", get_report },
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

/*
 * Counts r among the requests being answered, unless the server is
 * stopping: then 0, and r is not answered (gb_server_stop waits only for
 * the requests counted before it began, so that none is cut mid-answer).
 */
static int answer_begin(gb_server *s, struct request *r)
{
	pthread_mutex_lock(&s->conn_mu);
	int ok = !s->draining;
	if (ok)
		s->answering++, r->answering = 1;
	pthread_mutex_unlock(&s->conn_mu);
	return ok;
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
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
		r->conn = ci != NULL ? ci->socket_context : NULL;
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
	if (!answer_begin(s, r))
		return MHD_NO; /* stopping: closed unanswered, nothing of it stored */
	conn_mark(s, r->conn, 1); /* whole: the time limit is met */
	return dispatch(s, c, r);
}

/* Prints the access log line and frees the request. */
static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
	enum MHD_RequestTerminationCode toe)
{
	gb_server *s = cls;
	struct request *r = *con_cls;
	if (r == NULL)
		return;
	conn_mark(s, r->conn, 0); /* the connection's next request starts now */
	if (r->answering) {       /* its answer has gone (or its connection): the stop may go on */
		pthread_mutex_lock(&s->conn_mu);
		assert(s->answering > 0);
		if (--s->answering == 0)
			pthread_cond_broadcast(&s->drain_cv);
		pthread_mutex_unlock(&s->conn_mu);
	}
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
	pthread_mutex_destroy(&s->conn_mu);
	pthread_cond_destroy(&s->watch_cv);
	pthread_cond_destroy(&s->drain_cv);
	free(s->batch);
	free(s->batch_results);
	free(s);
}

/* Initialises what s holds besides the threads and the daemon. */
static int server_init(gb_server *s, const gb_server_config *cfg, gb_ledger *l, gb_err *err)
{
	pthread_condattr_t ca;
	s->ledger = l;
	s->q_max = cfg->queue_max ? cfg->queue_max : GB_SERVER_QUEUE_MAX;
	s->request_s = cfg->request_s ? cfg->request_s : GB_SERVER_REQUEST_S;
	pthread_mutex_init(&s->ledger_mu, NULL);
	pthread_mutex_init(&s->q_mu, NULL);
	pthread_cond_init(&s->q_cv, NULL);
	pthread_cond_init(&s->done_cv, NULL);
	pthread_mutex_init(&s->conn_mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* the watchdog's waits */
	pthread_cond_init(&s->watch_cv, &ca);
	pthread_cond_init(&s->drain_cv, &ca);
	pthread_condattr_destroy(&ca);
	if (cfg->log_key != NULL)
		s->log_key = *cfg->log_key, s->has_key = 1;
	s->batch = calloc(GB_BATCH_MAX, sizeof *s->batch);
	s->batch_results = calloc(GB_BATCH_MAX, sizeof *s->batch_results);
	if (s->batch == NULL || s->batch_results == NULL)
		return gb_err_set(err, GB_ENOMEM, "server: out of memory");
	return 0;
}

/*
 * Starts libmicrohttpd on the configured address: a thread per connection,
 * at most GB_SERVER_CONN_MAX of them, the idle timeout, and the callbacks.
 * An IPv6 :: listens dual-stack (IPv4 clients too); any other IPv6 address
 * only on IPv6.
 */
static int start_daemon(gb_server *s, const gb_server_config *cfg, gb_err *err)
{
	struct sockaddr_storage ss;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ITC |
		gb_listen_sockaddr(&cfg->listen, &ss, sizeof ss);
	char text[GB_LISTEN_TEXT_MAX];
	s->daemon = MHD_start_daemon(flags, cfg->listen.port, NULL, NULL, on_request, s,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)GB_SERVER_CONN_MAX,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)GB_SERVER_TIMEOUT_S,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
		MHD_OPTION_END);
	if (s->daemon != NULL)
		return 0;
	gb_listen_format(&cfg->listen, cfg->listen.port, text);
	return gb_err_set(err, GB_EIO, "server: cannot listen on %s", text);
}

int gb_server_start(const gb_server_config *cfg, gb_ledger *l, gb_server **out, gb_err *err)
{
	assert(cfg != NULL && l != NULL && out != NULL);
	if (cfg->queue_max > GB_SERVER_QUEUE_MAX)
		return gb_err_set(err, GB_EINVAL, "server: queue_max %zu over %d", cfg->queue_max, GB_SERVER_QUEUE_MAX);
	gb_server *s = calloc(1, sizeof *s);
	if (s == NULL)
		return gb_err_set(err, GB_ENOMEM, "server: out of memory");
	int rc = server_init(s, cfg, l, err);
	if (rc != 0) {
		server_free(s);
		return rc;
	}
	if ((rc = cosign_start(s, cfg, err)) != 0) {
		server_free(s);
		return rc;
	}
	if (pthread_create(&s->writer, NULL, writer_main, s) != 0) {
		server_free(s);
		return gb_err_set(err, GB_ENOMEM, "server: cannot start the writer thread");
	}
	if (pthread_create(&s->watchdog, NULL, watchdog_main, s) != 0) {
		thread_stop(&s->q_mu, &s->q_cv, &s->stopping, s->writer);
		server_free(s);
		return gb_err_set(err, GB_ENOMEM, "server: cannot start the watchdog thread");
	}
	if ((rc = start_daemon(s, cfg, err)) != 0) {
		thread_stop(&s->conn_mu, &s->watch_cv, &s->watch_stopping, s->watchdog);
		thread_stop(&s->q_mu, &s->q_cv, &s->stopping, s->writer);
		server_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

/*
 * Waits until every request being answered has had its answer sent (or
 * lost its connection), at most GB_SERVER_TIMEOUT_S; from now on no other
 * request is answered. MHD_stop_daemon shuts every connection's socket
 * down at once: without this wait, a post waiting for its commit would be
 * committed but never acknowledged.
 */
static void drain(gb_server *s)
{
	struct timespec until;
	int rc = 0;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += GB_SERVER_TIMEOUT_S;
	pthread_mutex_lock(&s->conn_mu);
	s->draining = 1;
	while (s->answering > 0 && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&s->drain_cv, &s->conn_mu, &until);
	pthread_mutex_unlock(&s->conn_mu);
}

uint16_t gb_server_port(const gb_server *s)
{
	assert(s != NULL);
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	return info != NULL ? info->port : 0;
}

void gb_server_stop(gb_server *s)
{
	if (s == NULL)
		return;
	MHD_socket ls = MHD_quiesce_daemon(s->daemon); /* no new connections */
	if (ls != MHD_INVALID_SOCKET)
		close(ls);              /* quiescing handed the listening socket to us */
	drain(s);                       /* the answers in flight go out */
	MHD_stop_daemon(s->daemon);     /* joins the connection threads */
	thread_stop(&s->conn_mu, &s->watch_cv, &s->watch_stopping, s->watchdog); /* no connection is left */
	thread_stop(&s->q_mu, &s->q_cv, &s->stopping, s->writer); /* commits whatever is still queued */
	server_free(s);
}
