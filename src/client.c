/*
 * client.c: an HTTP client of gongbao's server over libcurl
 * (gongbao/client.h). One easy handle per client, so that successive calls
 * reuse the connection; every answer is bounded in size and time.
 */
#include <assert.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <sodium.h>

#include "gongbao/client.h"
#include "gongbao/codec.h"
#include "gongbao/note.h"
#include "gongbao/server.h"

struct gb_client {
	CURL *curl;
	long timeout_s;                  /* per request */
	char base[GB_CLIENT_URL_MAX + 1];
};

/* The growing answer body, while libcurl delivers it. */
struct sink {
	uint8_t *buf;
	size_t len, cap;
	int too_big;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t n = size * nmemb;
	assert(s != NULL);
	if (n > GB_CLIENT_RESPONSE_MAX - s->len) {
		s->too_big = 1;
		return 0; /* aborts the transfer */
	}
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		while (cap < s->len + n + 1) /* at most 15 doublings to 64 MiB */
			cap *= 2;
		uint8_t *nb = realloc(s->buf, cap);
		if (nb == NULL)
			return 0;
		s->buf = nb;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	return n;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int gb_client_open(const char *base_url, gb_client **out, gb_err *err)
{
	assert(base_url != NULL && out != NULL);
	size_t len = strlen(base_url);
	if (len > GB_CLIENT_URL_MAX || (strncmp(base_url, "http://", 7) != 0 &&
			strncmp(base_url, "https://", 8) != 0))
		return gb_err_set(err, GB_EINVAL, "server URL '%.64s': want http://HOST:PORT or https://..., at most %d bytes",
			base_url, GB_CLIENT_URL_MAX);
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK)
		return gb_err_set(err, GB_ENOMEM, "libcurl: %s", curl_easy_strerror(curl_init_rc));
	gb_client *c = calloc(1, sizeof *c);
	if (c == NULL || (c->curl = curl_easy_init()) == NULL) {
		free(c);
		return gb_err_set(err, GB_ENOMEM, "client: out of memory");
	}
	while (len > 0 && base_url[len - 1] == '/')
		len--;
	memcpy(c->base, base_url, len);
	c->base[len] = '\0';
	c->timeout_s = GB_CLIENT_TIMEOUT_S;
	*out = c;
	return 0;
}

void gb_client_close(gb_client *c)
{
	if (c == NULL)
		return;
	curl_easy_cleanup(c->curl);
	free(c);
}

void gb_client_set_timeout(gb_client *c, unsigned seconds)
{
	assert(c != NULL && seconds >= 1 && seconds <= GB_CLIENT_TIMEOUT_S);
	c->timeout_s = (long)seconds;
}

const char *gb_client_url(const gb_client *c)
{
	assert(c != NULL);
	return c->base;
}

void gb_http_answer_free(gb_http_answer *a)
{
	if (a == NULL)
		return;
	free(a->body);
	a->body = NULL;
	a->len = 0;
}

/* Sets the options of one request on the client's handle. */
static void set_request(gb_client *c, const char *url, const char *method, struct curl_slist *hdrs,
	const void *body, size_t body_len, struct sink *s)
{
	CURL *h = c->curl;
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, c->timeout_s);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, c->timeout_s < 10 ? c->timeout_s : 10L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)GB_CLIENT_RESPONSE_MAX);
	if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	}
}

int gb_client_request(gb_client *c, const char *method, const char *path, const char *ctype,
	const void *body, size_t body_len, gb_http_answer *a, gb_err *err)
{
	assert(c != NULL && method != NULL && path != NULL && path[0] == '/' && a != NULL);
	char url[GB_CLIENT_URL_MAX + 512], hdr[160];
	int post = strcmp(method, "POST") == 0;
	memset(a, 0, sizeof *a);
	if (!post && strcmp(method, "GET") != 0)
		return gb_err_set(err, GB_EINVAL, "client: method '%s': want GET or POST", method);
	if ((size_t)snprintf(url, sizeof url, "%s%s", c->base, path) >= sizeof url)
		return gb_err_set(err, GB_EINVAL, "client: path '%.64s...' too long", path);
	struct curl_slist *hdrs = NULL;
	if (post) {
		snprintf(hdr, sizeof hdr, "Content-Type: %s", ctype ? ctype : "application/octet-stream");
		struct curl_slist *h1 = curl_slist_append(NULL, hdr);
		hdrs = h1 ? curl_slist_append(h1, "Expect:") : NULL; /* no 100-continue round trip */
		if (hdrs == NULL) {
			curl_slist_free_all(h1);
			return gb_err_set(err, GB_ENOMEM, "client: out of memory");
		}
	}
	struct sink s = { 0 };
	set_request(c, url, method, hdrs, body ? body : "", body_len, &s);
	CURLcode rc = curl_easy_perform(c->curl);
	curl_slist_free_all(hdrs);
	if (rc != CURLE_OK) {
		free(s.buf);
		if (s.too_big || rc == CURLE_FILESIZE_EXCEEDED)
			return gb_err_set(err, GB_ETOOBIG, "%s %s: answer over %u bytes", method, url,
				GB_CLIENT_RESPONSE_MAX);
		return gb_err_set(err, GB_ENET, "%s %s: %s", method, url, curl_easy_strerror(rc));
	}
	if (s.buf == NULL && (s.buf = malloc(1)) == NULL)
		return gb_err_set(err, GB_ENOMEM, "client: out of memory");
	s.buf[s.len] = '\0';
	a->body = s.buf;
	a->len = s.len;
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &a->status);
	const char *ct = NULL;
	curl_easy_getinfo(c->curl, CURLINFO_CONTENT_TYPE, &ct);
	snprintf(a->ctype, sizeof a->ctype, "%s", ct ? ct : "");
	return 0;
}

int gb_client_answer_error(const gb_client *c, const char *path, const gb_http_answer *a,
	gb_err *err)
{
	assert(c != NULL && a != NULL);
	json_t *o = a->body ? json_loadb((const char *)a->body, a->len, 0, NULL) : NULL;
	const char *name = json_string_value(json_object_get(o, "code"));
	const char *msg = json_string_value(json_object_get(o, "message"));
	int code = name ? gb_errcode(name) : 0, rc;
	if (code != 0 && msg != NULL)
		rc = gb_err_set(err, code, "server: %ld: %s", a->status, msg);
	else
		rc = gb_err_set(err, GB_ENET, "%s%s: HTTP %ld%s", c->base, path, a->status,
			a->status == 200 ? ", not the answer expected" : "");
	json_decref(o);
	return rc;
}

int gb_client_get_json(gb_client *c, const char *path, json_t **out, gb_err *err)
{
	gb_http_answer a;
	assert(out != NULL);
	int rc = gb_client_request(c, "GET", path, NULL, NULL, 0, &a, err);
	if (rc != 0)
		return rc;
	json_error_t jerr;
	*out = a.status == 200 ? json_loadb((const char *)a.body, a.len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
	if (*out == NULL)
		rc = a.status == 200 ? gb_err_set(err, GB_ENET, "%s%s: answer is not JSON: %s", c->base, path,
			jerr.text) : gb_client_answer_error(c, path, &a, err);
	gb_http_answer_free(&a);
	return rc;
}

/* Reads one entry's answer object into the caller's arrays at i. */
static int read_outcome(const json_t *o, size_t i, gb_append_result *results, int *codes,
	char (*msgs)[GB_ERR_MSG_MAX])
{
	json_t *index = json_object_get(o, "index");
	const char *name = json_string_value(json_object_get(o, "code"));
	const char *msg = json_string_value(json_object_get(o, "message"));
	if (json_is_integer(index) && json_integer_value(index) >= 0) {
		results[i].index = (uint64_t)json_integer_value(index);
		results[i].duplicate = json_is_true(json_object_get(o, "duplicate"));
		codes[i] = 0;
		msgs[i][0] = '\0';
		return 0;
	}
	if (name == NULL || msg == NULL || gb_errcode(name) == 0)
		return -1;
	codes[i] = gb_errcode(name);
	snprintf(msgs[i], GB_ERR_MSG_MAX, "%s", msg);
	return 0;
}

/* Packs entries as a MessagePack array of bin into a new buffer. */
static int pack_batch(const gb_bytes *entries, size_t count, uint8_t **out, size_t *len, gb_err *err)
{
	size_t cap = 5;
	for (size_t i = 0; i < count; i++) {
		if (entries[i].len > UINT32_MAX || cap > SIZE_MAX - 5 - entries[i].len)
			return gb_err_set(err, GB_ETOOBIG, "batch item %zu: too long", i);
		cap += 5 + entries[i].len;
	}
	uint8_t *buf = malloc(cap);
	if (buf == NULL)
		return gb_err_set(err, GB_ENOMEM, "client: out of memory");
	gb_mpw w;
	gb_mpw_init(&w, buf, cap);
	gb_mpw_array(&w, (uint32_t)count);
	for (size_t i = 0; i < count; i++)
		gb_mpw_bin(&w, entries[i].ptr, entries[i].len);
	assert(w.err == 0);
	*out = buf;
	*len = w.len;
	return 0;
}

int gb_client_append(gb_client *c, const gb_bytes *entries, size_t count,
	gb_append_result *results, int *codes, char (*msgs)[GB_ERR_MSG_MAX], gb_err *err)
{
	assert(c != NULL && entries != NULL && results != NULL && codes != NULL && msgs != NULL);
	if (count == 0 || count > GB_BATCH_MAX)
		return gb_err_set(err, GB_EINVAL, "post: %zu entries: want 1 to %d", count, GB_BATCH_MAX);
	uint8_t *body = (uint8_t *)entries[0].ptr;
	size_t len = entries[0].len;
	int rc = count > 1 ? pack_batch(entries, count, &body, &len, err) : 0;
	if (rc != 0)
		return rc;
	gb_http_answer a;
	rc = gb_client_request(c, "POST", "/v1/entries", "application/msgpack", body, len, &a, err);
	if (count > 1)
		free(body);
	if (rc != 0)
		return rc;
	json_t *o = json_loadb((const char *)a.body, a.len, 0, NULL);
	int ok = o != NULL;
	if (count == 1) /* under the status the server answers that outcome with, and no other */
		ok = ok && read_outcome(o, 0, results, codes, msgs) == 0 &&
			(unsigned long)a.status == gb_server_http_status(codes[0]);
	else
		ok = ok && a.status == 200 && json_is_array(o) && json_array_size(o) == count;
	for (size_t i = 0; ok && count > 1 && i < count; i++)
		ok = read_outcome(json_array_get(o, i), i, results, codes, msgs) == 0;
	/* A single entry's rejection is its outcome; any other answer is the request's failure. */
	if (!ok || (count > 1 && a.status != 200))
		rc = gb_client_answer_error(c, "/v1/entries", &a, err);
	json_decref(o);
	gb_http_answer_free(&a);
	return rc;
}

int gb_client_size(gb_client *c, uint64_t *size, gb_err *err)
{
	json_t *o;
	int rc = gb_client_get_json(c, "/v1/health", &o, err);
	if (rc != 0)
		return rc;
	json_t *v = json_object_get(o, "size");
	if (json_is_integer(v) && json_integer_value(v) >= 0)
		*size = (uint64_t)json_integer_value(v);
	else
		rc = gb_err_set(err, GB_ENET, "%s/v1/health: no \"size\" in the answer", c->base);
	json_decref(o);
	return rc;
}

/* Splits a canonical MessagePack array of exactly n bins into views. */
static int split_entries(const uint8_t *p, size_t len, uint64_t n, gb_bytes *entries, gb_err *err)
{
	gb_mpr r;
	gb_mp_item it;
	gb_mpr_init(&r, p, len);
	if (gb_mpr_next(&r, &it, err) != 0 || it.type != GB_MP_ARRAY || it.v.count != n)
		return gb_err_set(err, GB_ENET, "entries answer: want an array of %" PRIu64 " bins", n);
	for (uint64_t i = 0; i < n; i++) {
		if (gb_mpr_next(&r, &it, err) != 0 || it.type != GB_MP_BIN)
			return gb_err_set(err, GB_ENET, "entries answer: item %" PRIu64 " is not a bin", i);
		entries[i] = (gb_bytes){ it.v.str.ptr, it.v.str.len };
	}
	if (r.p != r.end)
		return gb_err_set(err, GB_ENET, "entries answer: %zu bytes after the array", (size_t)(r.end - r.p));
	return 0;
}

int gb_client_entries(gb_client *c, uint64_t start, uint64_t end, uint8_t **buf,
	gb_bytes *entries, gb_err *err)
{
	assert(c != NULL && buf != NULL && entries != NULL);
	if (start >= end)
		return gb_err_set(err, GB_ERANGE, "entries [%" PRIu64 ", %" PRIu64 "): empty range", start, end);
	char path[96];
	snprintf(path, sizeof path, "/v1/entries?start=%" PRIu64 "&end=%" PRIu64, start, end);
	gb_http_answer a;
	int rc = gb_client_request(c, "GET", path, NULL, NULL, 0, &a, err);
	if (rc != 0)
		return rc;
	if (a.status != 200)
		rc = gb_client_answer_error(c, path, &a, err);
	else if ((rc = split_entries(a.body, a.len, end - start, entries, err)) != 0)
		gb_err_prefix(err, rc, "%s%s: ", c->base, path);
	if (rc != 0) {
		gb_http_answer_free(&a);
		return rc;
	}
	*buf = a.body;
	return 0;
}

int gb_client_checkpoint(gb_client *c, char *out, size_t cap, size_t *len, gb_err *err)
{
	assert(c != NULL && out != NULL && len != NULL);
	gb_http_answer a;
	int rc = gb_client_request(c, "GET", "/v1/checkpoint", NULL, NULL, 0, &a, err);
	if (rc != 0)
		return rc;
	if (a.status != 200)
		rc = gb_client_answer_error(c, "/v1/checkpoint", &a, err);
	else if (a.len >= cap || a.len > GB_NOTE_MAX)
		rc = gb_err_set(err, GB_ETOOBIG, "%s/v1/checkpoint: a note of %zu bytes, over %d", c->base,
			a.len, GB_NOTE_MAX);
	else {
		memcpy(out, a.body, a.len + 1); /* with its NUL */
		*len = a.len;
	}
	gb_http_answer_free(&a);
	return rc;
}

/* Decodes a base64 string of exactly one hash. */
static int hash_b64(const json_t *s, uint8_t out[GB_HASH_BYTES])
{
	const char *str = json_string_value(s);
	size_t n = 0;
	if (str == NULL || sodium_base642bin(out, GB_HASH_BYTES, str, strlen(str), NULL, &n, NULL,
			sodium_base64_VARIANT_ORIGINAL) != 0 || n != GB_HASH_BYTES)
		return -1;
	return 0;
}

int gb_client_prove_consistency(gb_client *c, uint64_t size1, uint64_t size2,
	uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES], size_t *count,
	uint8_t root1[GB_HASH_BYTES], uint8_t root2[GB_HASH_BYTES], gb_err *err)
{
	assert(c != NULL && count != NULL);
	char path[96];
	snprintf(path, sizeof path, "/v1/proof/consistency?size1=%" PRIu64 "&size2=%" PRIu64, size1, size2);
	json_t *o;
	int rc = gb_client_get_json(c, path, &o, err);
	if (rc != 0)
		return rc;
	json_t *s1 = json_object_get(o, "size1"), *s2 = json_object_get(o, "size2");
	json_t *h = json_object_get(o, "hashes");
	int ok = json_is_integer(s1) && (uint64_t)json_integer_value(s1) == size1 &&
		json_is_integer(s2) && (uint64_t)json_integer_value(s2) == size2 &&
		json_is_array(h) && json_array_size(h) <= GB_PROOF_MAX &&
		hash_b64(json_object_get(o, "root1"), root1) == 0 &&
		hash_b64(json_object_get(o, "root2"), root2) == 0;
	*count = ok ? json_array_size(h) : 0;
	for (size_t i = 0; ok && i < *count; i++)
		ok = hash_b64(json_array_get(h, i), proof[i]) == 0;
	json_decref(o);
	if (!ok)
		return gb_err_set(err, GB_ENET, "%s%s: not a consistency proof from %" PRIu64 " to %" PRIu64,
			c->base, path, size1, size2);
	return 0;
}
