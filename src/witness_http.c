/*
 * witness_http.c: a witness over HTTP (gongbao/witness_http.h). Transport
 * only: every decision is gb_witness_add_checkpoint's; this file collects a
 * bounded body, passes it on and sends the answer back.
 */
#include "gongbao/witness_http.h"

#include <assert.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#define PATH_ADD "/add-checkpoint"

struct gb_witness_http {
	struct MHD_Daemon *daemon;
	gb_witness *w;
};

/* One request: its body so far, and what the access log prints. */
struct request {
	char *body;                  /* GB_WITNESS_BODY_MAX + 1 bytes once a body arrives */
	size_t body_len;
	int too_big;                 /* more than GB_WITNESS_BODY_MAX bytes came */
	unsigned status;
	size_t bytes;
	int code;                    /* the outcome's GB_ code, for the log */
	char msg[GB_ERR_MSG_MAX];
	struct timespec start;
	char method[16];
	char path[128];
};

/* Milliseconds since r started. */
static long elapsed_ms(const struct request *r)
{
	assert(r != NULL);
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - r->start.tv_sec) * 1000 +
		(now.tv_nsec - r->start.tv_nsec) / 1000000;
}

/* Queues an answer of len bytes copied from body. */
static enum MHD_Result reply(struct MHD_Connection *c, struct request *r, unsigned status,
	const char *ctype, const char *body, size_t len)
{
	assert(c != NULL && r != NULL);
	assert(body != NULL);
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)body,
		MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if (status == 405)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "POST");
	r->status = status;
	r->bytes = len;
	enum MHD_Result ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Answers "GB_NAME: message\n" with `status`, and keeps them for the log. */
static enum MHD_Result reply_error(struct MHD_Connection *c, struct request *r, unsigned status,
	int code, const char *msg)
{
	assert(r != NULL && msg != NULL);
	char text[GB_ERR_MSG_MAX + 32];
	int n = snprintf(text, sizeof text, "%s: %s\n", gb_errname(code), msg);
	assert(n > 0);
	r->code = code;
	snprintf(r->msg, sizeof r->msg, "%s", msg);
	return reply(c, r, status, GB_WITNESS_CTYPE_TEXT, text,
		(size_t)n < sizeof text ? (size_t)n : sizeof text - 1);
}

/* Answers 413: the body is (or is announced) over GB_WITNESS_BODY_MAX. */
static enum MHD_Result reply_too_big(struct MHD_Connection *c, struct request *r)
{
	char msg[64];
	snprintf(msg, sizeof msg, "body over the limit of %d bytes", GB_WITNESS_BODY_MAX);
	return reply_error(c, r, 413, GB_ETOOBIG, msg);
}

/* POST /add-checkpoint with the whole body: the witness decides. */
static enum MHD_Result add_checkpoint(gb_witness_http *s, struct MHD_Connection *c,
	struct request *r)
{
	assert(s != NULL && r != NULL);
	if (r->too_big)
		return reply_too_big(c, r);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	gb_witness_answer a;
	gb_err err = { 0, "" };
	int rc = gb_witness_add_checkpoint(s->w, r->body ? r->body : "", r->body_len,
		(uint64_t)now.tv_sec, &a, &err);
	r->code = rc;
	snprintf(r->msg, sizeof r->msg, "%s", err.msg);
	return reply(c, r, a.status, a.ctype, a.body, a.len);
}

/* Takes one piece of the body, keeping at most GB_WITNESS_BODY_MAX bytes. */
static int take_upload(struct request *r, const char *data, size_t len)
{
	assert(r != NULL);
	assert(data != NULL || len == 0);
	if (r->too_big)
		return 0;
	if (len > GB_WITNESS_BODY_MAX - r->body_len) {
		r->too_big = 1;
		return 0;
	}
	if (r->body == NULL && (r->body = malloc(GB_WITNESS_BODY_MAX + 1)) == NULL)
		return -1;
	memcpy(r->body + r->body_len, data, len);
	r->body_len += len;
	return 0;
}

/* A new request: answers at once what needs no body. Returns 1 when answered. */
static int first_call(struct MHD_Connection *c, struct request *r, enum MHD_Result *ret)
{
	assert(c != NULL && r != NULL);
	int is_add = strcmp(r->path, PATH_ADD) == 0;
	if (!is_add) {
		*ret = reply_error(c, r, 404, GB_ENOTFOUND, "no such resource: the witness serves "
			"POST " PATH_ADD);
		return 1;
	}
	if (strcmp(r->method, "POST") != 0) {
		*ret = reply_error(c, r, 405, GB_EINVAL, "method not allowed: POST " PATH_ADD);
		return 1;
	}
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		MHD_HTTP_HEADER_CONTENT_LENGTH);
	/* A Content-Length of over 6 digits is over 999999 bytes: far over the limit. */
	if (cl != NULL && (strlen(cl) > 6 || strtoul(cl, NULL, 10) > GB_WITNESS_BODY_MAX)) {
		*ret = reply_too_big(c, r);
		return 1;
	}
	return 0;
}

/*
 * The MHD access handler: called once with the headers, then with each
 * piece of the body, then with none to answer.
 */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
	const char *method, const char *version, const char *upload, size_t *upload_len,
	void **con_cls)
{
	gb_witness_http *s = cls;
	struct request *r = *con_cls;
	assert(s != NULL);
	if (r == NULL) {
		if ((r = calloc(1, sizeof *r)) == NULL)
			return MHD_NO;
		clock_gettime(CLOCK_MONOTONIC, &r->start);
		snprintf(r->method, sizeof r->method, "%s", method);
		snprintf(r->path, sizeof r->path, "%s", url);
		*con_cls = r;
		enum MHD_Result ret = MHD_YES;
		first_call(c, r, &ret);
		return ret;
	}
	if (r->status != 0) { /* answered already: drop what else comes */
		*upload_len = 0;
		return MHD_YES;
	}
	if (elapsed_ms(r) > GB_WITNESS_HTTP_REQUEST_S * 1000L)
		return MHD_NO; /* too slow: close the connection */
	if (*upload_len > 0) {
		if (take_upload(r, upload, *upload_len) != 0)
			return MHD_NO;
		*upload_len = 0;
		return MHD_YES;
	}
	return add_checkpoint(s, c, r);
}

/* Prints the access log line (and why a checkpoint was refused), frees the request. */
static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
	enum MHD_RequestTerminationCode toe)
{
	struct request *r = *con_cls;
	if (r == NULL)
		return;
	fprintf(stderr, "%s %s %u %zu %ld\n", r->method, r->path, r->status, r->bytes,
		elapsed_ms(r));
	if (r->code != 0)
		fprintf(stderr, "witness: %s: %s\n", gb_errname(r->code), r->msg);
	free(r->body);
	free(r);
	*con_cls = NULL;
}

int gb_witness_http_start(const gb_witness_http_config *cfg, gb_witness *w,
	gb_witness_http **out, gb_err *err)
{
	assert(cfg != NULL && w != NULL);
	assert(out != NULL);
	gb_witness_http *s = calloc(1, sizeof *s);
	if (s == NULL)
		return gb_err_set(err, GB_ENOMEM, "witness server: out of memory");
	s->w = w;
	struct sockaddr_storage ss;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ITC |
		gb_listen_sockaddr(&cfg->listen, &ss, sizeof ss);
	s->daemon = MHD_start_daemon(flags, cfg->listen.port, NULL, NULL, on_request, s,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)GB_WITNESS_HTTP_CONN_MAX,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)GB_WITNESS_HTTP_PER_IP_MAX,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)GB_WITNESS_HTTP_IDLE_S,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
		MHD_OPTION_END);
	if (s->daemon == NULL) {
		free(s);
		char text[GB_LISTEN_TEXT_MAX];
		gb_listen_format(&cfg->listen, cfg->listen.port, text);
		return gb_err_set(err, GB_EIO, "witness server: cannot listen on %s", text);
	}
	*out = s;
	return 0;
}

uint16_t gb_witness_http_port(const gb_witness_http *s)
{
	assert(s != NULL);
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	return info != NULL ? info->port : 0;
}

void gb_witness_http_stop(gb_witness_http *s)
{
	if (s == NULL)
		return;
	MHD_quiesce_daemon(s->daemon);  /* no new connections */
	MHD_stop_daemon(s->daemon);     /* joins the connection threads */
	free(s);
}
