/*
 * cosign.c: the log collects cosignatures from its witnesses
 * (gongbao/cosign.h, spec/WITNESS.md "The log's side"). One thread per
 * witness in a round, each with its own HTTP client; the lines are added to
 * the note once every witness has answered or failed.
 */
#include "gongbao/cosign.h"

#include <assert.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "gongbao/client.h"

#define PROOF_LINES_MAX 63              /* tlog-witness: at most 63 proof lines */
#define BODY_MAX (25 + PROOF_LINES_MAX * 45 + 1 + GB_NOTE_MAX)
#define CTYPE_SIZE "text/x.tlog.size"

struct witness {
	gb_client *client;
	uint64_t last_size;              /* the size it last cosigned, as far as we know */
};

struct gb_cosigner {
	size_t count;
	struct witness w[GB_COSIGN_WITNESSES_MAX];
};

/* One witness's part of a round. */
struct job {
	struct witness *w;
	const char *note;                /* the note sent, note_len bytes */
	size_t note_len;
	const char *text;                /* its checkpoint text, text_len bytes */
	size_t text_len;
	uint64_t size;                   /* the checkpoint's size */
	const gb_pubkey *keys;           /* alg 0x04 keys only */
	size_t key_count;
	gb_cosign_prove_fn prove;
	void *ctx;
	char lines[GB_COSIGN_ANSWER_MAX]; /* the verified lines, each ending in '\n' */
	size_t lines_len;
	gb_cosign_outcome *out;
};

int gb_cosigner_open(const char *const *urls, size_t count, gb_cosigner **out, gb_err *err)
{
	assert(urls != NULL || count == 0);
	assert(out != NULL);
	*out = NULL;
	if (count == 0 || count > GB_COSIGN_WITNESSES_MAX)
		return gb_err_set(err, GB_EINVAL, "%zu witnesses: want 1 to %d", count,
			GB_COSIGN_WITNESSES_MAX);
	gb_cosigner *c = calloc(1, sizeof *c);
	if (c == NULL)
		return gb_err_set(err, GB_ENOMEM, "cosigner: out of memory");
	for (size_t i = 0; i < count; i++) {
		int rc = gb_client_open(urls[i], &c->w[i].client, err);
		if (rc != 0) {
			gb_cosigner_close(c);
			return gb_err_prefix(err, rc, "witness %zu: ", i + 1);
		}
		gb_client_set_timeout(c->w[i].client, GB_COSIGN_TIMEOUT_S);
		c->count++;
	}
	*out = c;
	return 0;
}

void gb_cosigner_close(gb_cosigner *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->count; i++)
		gb_client_close(c->w[i].client);
	free(c);
}

size_t gb_cosigner_count(const gb_cosigner *c)
{
	assert(c != NULL);
	return c->count;
}

const char *gb_cosigner_url(const gb_cosigner *c, size_t i)
{
	assert(c != NULL);
	assert(i < c->count);
	return gb_client_url(c->w[i].client);
}

/* ------------------------------------------------------------ one witness */

/* The first line of an answer body for a message: at most 80 bytes, printable ASCII. */
static const char *first_line(const gb_http_answer *a, char out[84])
{
	assert(a != NULL && out != NULL);
	size_t n = 0;
	for (; n < a->len && n < 80 && a->body[n] != '\n'; n++)
		out[n] = a->body[n] >= 0x20 && a->body[n] < 0x7f ? (char)a->body[n] : '?';
	out[n] = '\0';
	return out;
}

/*
 * Builds the add-checkpoint body for old size `old` (with the log's proof
 * from old to the checkpoint's size when 0 < old < size) and POSTs it.
 */
static int send_request(struct job *j, uint64_t old, gb_http_answer *a, gb_err *err)
{
	assert(j != NULL && a != NULL);
	assert(old <= j->size);
	char *body = malloc(BODY_MAX);
	if (body == NULL)
		return gb_err_set(err, GB_ENOMEM, "cosigner: out of memory");
	size_t len = (size_t)snprintf(body, BODY_MAX, "old %" PRIu64 "\n", old);
	int rc = 0;
	if (old > 0 && old < j->size) {
		uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES];
		size_t count = 0;
		rc = j->prove(j->ctx, old, j->size, proof, &count, err);
		if (rc == 0 && count > PROOF_LINES_MAX)
			rc = gb_err_set(err, GB_ETOOBIG, "proof of %zu hashes, over %d", count, PROOF_LINES_MAX);
		for (size_t i = 0; rc == 0 && i < count; i++) {
			sodium_bin2base64(body + len, 45, proof[i], GB_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL);
			len += 44;
			body[len++] = '\n';
		}
	}
	if (rc == 0) {
		body[len++] = '\n';
		assert(len + j->note_len <= BODY_MAX);
		memcpy(body + len, j->note, j->note_len);
		len += j->note_len;
		rc = gb_client_request(j->w->client, "POST", "/add-checkpoint",
			"text/plain; charset=utf-8", body, len, a, err);
	}
	free(body);
	return rc;
}

/*
 * Takes the lines of a 200 answer: each is verified against the witness
 * keys over the checkpoint text; lines by other keys are skipped; a line by
 * a given key that does not verify refuses the whole answer (GB_ENOTESIG).
 * At least one line must verify.
 */
static int take_lines(struct job *j, const gb_http_answer *a, gb_err *err)
{
	assert(j != NULL && a != NULL);
	if (a->len > GB_COSIGN_ANSWER_MAX || a->len == 0 || a->body[a->len - 1] != '\n')
		return gb_err_set(err, GB_ENOTE, "answer of %zu bytes: want 1 to %d bytes of lines",
			a->len, GB_COSIGN_ANSWER_MAX);
	static const size_t vcap = GB_NOTE_MAX + 1 + GB_COSIGN_ANSWER_MAX;
	char *vnote = malloc(vcap);
	if (vnote == NULL)
		return gb_err_set(err, GB_ENOMEM, "cosigner: out of memory");
	size_t pos = 0, line_no = 0, skipped = 0;
	int rc = 0;
	/* Each pass takes one line of the answer; at most GB_NOTE_SIGS_MAX of them. */
	while (rc == 0 && pos < a->len) {
		const char *line = (const char *)a->body + pos;
		size_t n = (size_t)((const char *)memchr(line, '\n', a->len - pos) - line) + 1;
		pos += n;
		if (++line_no > GB_NOTE_SIGS_MAX) {
			rc = gb_err_set(err, GB_ENOTE, "answer has over %d lines", GB_NOTE_SIGS_MAX);
			break;
		}
		/* The note the line would make: the checkpoint text, a blank line, the line. */
		memcpy(vnote, j->text, j->text_len);
		vnote[j->text_len] = '\n';
		memcpy(vnote + j->text_len + 1, line, n);
		gb_note note;
		gb_err e = { 0, "" };
		int orc = gb_note_open(vnote, j->text_len + 1 + n, j->keys, j->key_count, &note, &e);
		if (orc == GB_ENOTESIG && note.sig_count == 1)
			skipped++; /* a line by a key that is not a charter witness's */
		else if (orc != 0)
			rc = gb_err_set(err, orc, "answer line %zu: %s", line_no, e.msg);
		else if (j->lines_len + n <= sizeof j->lines) {
			memcpy(j->lines + j->lines_len, line, n);
			j->lines_len += n;
		}
	}
	free(vnote);
	if (rc == 0 && j->lines_len == 0)
		rc = gb_err_set(err, GB_ENOTESIG, "answer has %zu line%s, none a cosignature by a "
			"charter witness key", skipped, skipped == 1 ? "" : "s");
	if (rc != 0)
		j->lines_len = 0;
	return rc;
}

/* Reads a text/x.tlog.size answer: a decimal size and a newline. */
static int parse_size_answer(const gb_http_answer *a, uint64_t *size)
{
	assert(a != NULL && size != NULL);
	uint64_t v = 0;
	if (a->len < 2 || a->len > 21 || a->body[a->len - 1] != '\n' ||
	    (a->len > 2 && a->body[0] == '0'))
		return -1;
	for (size_t i = 0; i + 1 < a->len; i++) {
		if (a->body[i] < '0' || a->body[i] > '9' || v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(a->body[i] - '0');
	}
	*size = v;
	return 0;
}

/*
 * Handles a 409 with the witness's latest size: sets *old to it for one
 * more request. Returns 0, or the code that ends this witness's round.
 */
static int take_latest(struct job *j, const gb_http_answer *a, int attempt, uint64_t *old,
	gb_err *err)
{
	assert(j != NULL && a != NULL && old != NULL);
	uint64_t latest = 0;
	if (parse_size_answer(a, &latest) != 0)
		return gb_err_set(err, GB_ENET, "409 with a malformed " CTYPE_SIZE " body");
	if (latest > j->size)
		return gb_err_set(err, GB_ESPLITVIEW, "the witness cosigned size %" PRIu64 " of this "
			"origin, over this log's size %" PRIu64 ": the log was rolled back or forked",
			latest, j->size);
	if (attempt > 0)
		return gb_err_set(err, GB_ESTATE, "the witness wants old size %" PRIu64
			" after it named it", latest);
	j->w->last_size = latest;
	*old = latest;
	return 0;
}

/* One witness's round: the request, one retry on a size conflict, the lines. */
static int exchange(struct job *j, gb_err *err)
{
	assert(j != NULL);
	uint64_t old = j->w->last_size;
	if (old > j->size)
		return gb_err_set(err, GB_ESPLITVIEW, "the witness cosigned size %" PRIu64
			", over this checkpoint's size %" PRIu64, old, j->size);
	char shown[84];
	/* At most two requests: the second from the size a 409 names. */
	for (int attempt = 0; attempt < 2; attempt++) {
		gb_http_answer a;
		j->out->old_size = old;
		int rc = send_request(j, old, &a, err);
		if (rc != 0)
			return rc;
		if (a.status == 409 && strncmp(a.ctype, CTYPE_SIZE, strlen(CTYPE_SIZE)) == 0) {
			rc = take_latest(j, &a, attempt, &old, err);
			gb_http_answer_free(&a);
			if (rc != 0)
				return rc;
			continue;
		}
		if (a.status == 200) {
			j->w->last_size = j->size; /* it cosigned, whatever we make of its lines */
			rc = take_lines(j, &a, err);
		} else {
			rc = gb_err_set(err, a.status == 409 ? GB_ESPLITVIEW : GB_ENET,
				"HTTP %ld: %s", a.status, first_line(&a, shown));
		}
		gb_http_answer_free(&a);
		return rc;
	}
	return gb_err_set(err, GB_EINVARIANT, "unreachable: the loop returns");
}

static void *job_main(void *arg)
{
	struct job *j = arg;
	gb_err err = { 0, "" };
	assert(j != NULL && j->out != NULL);
	int rc = exchange(j, &err);
	j->out->code = rc;
	j->out->lines = 0;
	snprintf(j->out->msg, sizeof j->out->msg, "%s", rc ? err.msg : "");
	return NULL;
}

/* ------------------------------------------------------------ the round */

/*
 * The checkpoint text and size of the note buf[0..len) (signed first by the
 * log), keeping in wkeys only the witness keys whose name is not that of the
 * log's signature line: such a key's line would replace the log's in the
 * note (a witness could grind a key to match the log's 32-bit key id).
 */
static int note_checkpoint(const char *buf, size_t len, const char **text, size_t *text_len,
	uint64_t *size, gb_pubkey *wkeys, size_t *wcount, gb_err *err)
{
	assert(buf != NULL && text != NULL && text_len != NULL && size != NULL);
	gb_note note;
	gb_checkpoint cp;
	int rc = gb_note_open(buf, len, NULL, 0, &note, err);
	if (rc != GB_ENOTESIG) /* with no verifiers a well-formed note gives GB_ENOTESIG */
		return gb_err_prefix(err, rc, "cosign: ");
	rc = gb_checkpoint_parse(note.text, note.text_len, &cp, err);
	if (rc != 0)
		return gb_err_prefix(err, rc, "cosign: ");
	size_t kept = 0;
	for (size_t i = 0; i < *wcount; i++) {
		if (note.sig_count > 0 && strcmp(note.sigs[0].name, wkeys[i].name) == 0)
			fprintf(stderr, "cosign: witness key '%s' has the name of the log's signature: not asked\n",
				wkeys[i].name);
		else
			wkeys[kept++] = wkeys[i];
	}
	*wcount = kept;
	*text = note.text;
	*text_len = note.text_len;
	*size = cp.size;
	return 0;
}

/* Appends job j's verified lines to the note; sets its outcome's count. */
static void add_lines(struct job *j, char *buf, size_t cap, size_t *note_len)
{
	assert(j != NULL && buf != NULL);
	gb_err err = { 0, "" };
	size_t pos = 0;
	/* Each pass adds one line of j->lines, which holds at most GB_NOTE_SIGS_MAX. */
	while (pos < j->lines_len) {
		const char *line = j->lines + pos;
		size_t n = (size_t)((const char *)memchr(line, '\n', j->lines_len - pos) - line) + 1;
		pos += n;
		int rc = gb_note_add_line(buf, cap, note_len, line, n, &err);
		if (rc != 0) {
			j->out->code = rc;
			snprintf(j->out->msg, sizeof j->out->msg, "adding its line: %s", err.msg);
			return;
		}
		j->out->lines++;
	}
}

int gb_cosign_round(gb_cosigner *c, char *buf, size_t cap, size_t *note_len,
	const gb_pubkey *keys, size_t key_count, gb_cosign_prove_fn prove, void *ctx,
	gb_cosign_outcome *outcomes, gb_err *err)
{
	assert(c != NULL && buf != NULL && note_len != NULL);
	assert(keys != NULL || key_count == 0);
	assert(prove != NULL && outcomes != NULL);
	const char *text;
	size_t text_len;
	uint64_t size;
	struct job *jobs = calloc(c->count, sizeof *jobs);
	gb_pubkey *wkeys = calloc(GB_COSIGN_KEYS_MAX, sizeof *wkeys);
	if (jobs == NULL || wkeys == NULL) {
		free(jobs);
		free(wkeys);
		return gb_err_set(err, GB_ENOMEM, "cosign: out of memory");
	}
	size_t wcount = 0;
	for (size_t i = 0; i < key_count && wcount < GB_COSIGN_KEYS_MAX; i++)
		if (keys[i].alg == GB_ALG_COSIGNATURE_V1)
			wkeys[wcount++] = keys[i];
	int rc = note_checkpoint(buf, *note_len, &text, &text_len, &size, wkeys, &wcount, err);
	if (rc != 0) {
		free(jobs);
		free(wkeys);
		return rc;
	}
	pthread_t tid[GB_COSIGN_WITNESSES_MAX];
	int started[GB_COSIGN_WITNESSES_MAX] = { 0 };
	for (size_t i = 0; i < c->count; i++) {
		jobs[i] = (struct job){ .w = &c->w[i], .note = buf, .note_len = *note_len,
			.text = text, .text_len = text_len, .size = size, .keys = wkeys,
			.key_count = wcount, .prove = prove, .ctx = ctx, .out = &outcomes[i] };
		memset(&outcomes[i], 0, sizeof outcomes[i]);
		started[i] = pthread_create(&tid[i], NULL, job_main, &jobs[i]) == 0;
		if (!started[i])
			job_main(&jobs[i]); /* no thread: this witness in this thread */
	}
	for (size_t i = 0; i < c->count; i++)
		if (started[i])
			pthread_join(tid[i], NULL);
	/* Every job has finished reading buf: now it may change. */
	for (size_t i = 0; i < c->count; i++)
		if (outcomes[i].code == 0)
			add_lines(&jobs[i], buf, cap, note_len);
	free(jobs);
	free(wkeys);
	return 0;
}

/* ------------------------------------------------------------ the service */

struct gb_cosign_service {
	gb_cosigner *cosigner;
	gb_cosign_sign_fn sign;
	gb_cosign_prove_fn prove;
	void *ctx;
	pthread_t thread;
	pthread_mutex_t mu;              /* guards the fields below */
	pthread_cond_t cv;               /* the thread waits for kicks (CLOCK_MONOTONIC) */
	int dirty, stopping;
	char note[GB_NOTE_MAX];          /* the last round's checkpoint; note_len 0: none yet */
	size_t note_len;
};

/* The decimal size line of a checkpoint note, for the log line. */
static int size_line(const char *note, const char **size)
{
	assert(note != NULL && size != NULL);
	const char *nl = strchr(note, '\n');
	*size = nl ? nl + 1 : "";
	return (int)strcspn(*size, "\n");
}

/* One round; logs what each witness did. Returns the number of witnesses that failed. */
static size_t service_round(gb_cosign_service *sv)
{
	assert(sv != NULL);
	size_t n = sv->cosigner->count, failed = n, len = 0, nkeys = 0;
	char *note = malloc(GB_NOTE_MAX + 1);
	gb_pubkey *keys = calloc(GB_COSIGN_KEYS_MAX, sizeof *keys);
	gb_cosign_outcome out[GB_COSIGN_WITNESSES_MAX];
	gb_err err = { GB_ENOMEM, "out of memory" };
	int rc = note && keys ? sv->sign(sv->ctx, note, GB_NOTE_MAX, &len, keys, GB_COSIGN_KEYS_MAX,
		&nkeys, &err) : GB_ENOMEM;
	if (rc == 0)
		rc = gb_cosign_round(sv->cosigner, note, GB_NOTE_MAX, &len, keys, nkeys, sv->prove,
			sv->ctx, out, &err);
	if (rc != 0)
		fprintf(stderr, "cosign: no round: %s: %s\n", gb_errname(rc), err.msg);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (out[i].code == 0)
			failed--;
		else
			fprintf(stderr, "cosign: %s: %s: %s\n", gb_cosigner_url(sv->cosigner, i),
				gb_errname(out[i].code), out[i].msg);
	}
	if (rc == 0) {
		const char *size;
		note[len] = '\0';
		int size_len = size_line(note, &size);
		fprintf(stderr, "cosign: checkpoint of size %.*s cosigned by %zu of %zu witnesses\n",
			size_len, size, n - failed, n);
		pthread_mutex_lock(&sv->mu);
		memcpy(sv->note, note, len);
		sv->note_len = len;
		pthread_mutex_unlock(&sv->mu);
	}
	free(note);
	free(keys);
	return failed;
}

/*
 * Signs the note served until the first round ends, in the caller's thread
 * (before the server answers anyone): without it the server would sign
 * checkpoints at each request, then serve the first round's, signed
 * earlier, smaller if entries came meanwhile: a served tree that shrinks.
 */
static int service_first_note(gb_cosign_service *sv, gb_err *err)
{
	assert(sv != NULL && sv->sign != NULL);
	size_t nkeys = 0;
	gb_pubkey *keys = calloc(GB_COSIGN_KEYS_MAX, sizeof *keys);
	if (keys == NULL)
		return gb_err_set(err, GB_ENOMEM, "cosign: out of memory");
	int rc = sv->sign(sv->ctx, sv->note, sizeof sv->note, &sv->note_len, keys, GB_COSIGN_KEYS_MAX,
		&nkeys, err);
	free(keys);
	if (rc != 0)
		sv->note_len = 0;
	return rc;
}

/* Adds ms milliseconds to a CLOCK_MONOTONIC time. */
static struct timespec ts_after(struct timespec t, long ms)
{
	t.tv_sec += ms / 1000;
	t.tv_nsec += (ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L)
		t.tv_sec++, t.tv_nsec -= 1000000000L;
	return t;
}

/* 1 if a is at or after b. */
static int ts_reached(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec > b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec >= b->tv_nsec);
}

/*
 * Waits, sv->mu held, until a round is due: kicked and GB_COSIGN_INTERVAL_MS
 * after the last round's start, or (retry) GB_COSIGN_RETRY_S after it.
 * Returns 0 when due, -1 when stopping.
 */
static int service_wait(gb_cosign_service *sv, struct timespec last, int retry)
{
	assert(sv != NULL);
	struct timespec pace = ts_after(last, GB_COSIGN_INTERVAL_MS);
	struct timespec again = ts_after(last, GB_COSIGN_RETRY_S * 1000L);
	/* Each pass waits for a signal or a deadline; the deadlines are fixed. */
	for (;;) {
		if (sv->stopping)
			return -1;
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((sv->dirty && ts_reached(&now, &pace)) || (retry && ts_reached(&now, &again)))
			return 0;
		const struct timespec *until = sv->dirty ? &pace : retry ? &again : NULL;
		if (until != NULL)
			pthread_cond_timedwait(&sv->cv, &sv->mu, until);
		else
			pthread_cond_wait(&sv->cv, &sv->mu);
	}
}

/* The service's thread: a round when one is due, until stopped. */
static void *service_main(void *arg)
{
	gb_cosign_service *sv = arg;
	struct timespec last = { 0, 0 };
	int retry = 0;
	assert(sv != NULL);
	for (;;) {
		pthread_mutex_lock(&sv->mu);
		int rc = service_wait(sv, last, retry);
		sv->dirty = 0;
		pthread_mutex_unlock(&sv->mu);
		if (rc != 0)
			return NULL;
		clock_gettime(CLOCK_MONOTONIC, &last);
		retry = service_round(sv) > 0;
	}
}

int gb_cosign_service_start(const char *const *urls, size_t count, gb_cosign_sign_fn sign,
	gb_cosign_prove_fn prove, void *ctx, gb_cosign_service **out, gb_err *err)
{
	assert(sign != NULL && prove != NULL);
	assert(out != NULL);
	*out = NULL;
	gb_cosign_service *sv = calloc(1, sizeof *sv);
	if (sv == NULL)
		return gb_err_set(err, GB_ENOMEM, "cosign: out of memory");
	int rc = gb_cosigner_open(urls, count, &sv->cosigner, err);
	if (rc != 0) {
		free(sv);
		return rc;
	}
	sv->sign = sign, sv->prove = prove, sv->ctx = ctx;
	sv->dirty = 1; /* a first round at start */
	if ((rc = service_first_note(sv, err)) != 0) {
		gb_cosigner_close(sv->cosigner);
		free(sv);
		return rc;
	}
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&sv->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&sv->mu, NULL);
	if (pthread_create(&sv->thread, NULL, service_main, sv) != 0) {
		gb_cosigner_close(sv->cosigner);
		pthread_mutex_destroy(&sv->mu);
		pthread_cond_destroy(&sv->cv);
		free(sv);
		return gb_err_set(err, GB_ENOMEM, "cosign: cannot start the cosigning thread");
	}
	*out = sv;
	return 0;
}

void gb_cosign_service_kick(gb_cosign_service *sv)
{
	assert(sv != NULL);
	pthread_mutex_lock(&sv->mu);
	sv->dirty = 1;
	pthread_cond_signal(&sv->cv);
	pthread_mutex_unlock(&sv->mu);
}

int gb_cosign_service_latest(gb_cosign_service *sv, char *out, size_t cap, size_t *len)
{
	assert(sv != NULL && out != NULL && len != NULL);
	assert(cap >= GB_NOTE_MAX);
	pthread_mutex_lock(&sv->mu);
	size_t n = sv->note_len;
	memcpy(out, sv->note, n);
	pthread_mutex_unlock(&sv->mu);
	if (n == 0)
		return 0;
	*len = n;
	return 1;
}

void gb_cosign_service_stop(gb_cosign_service *sv)
{
	if (sv == NULL)
		return;
	pthread_mutex_lock(&sv->mu);
	sv->stopping = 1;
	pthread_cond_signal(&sv->cv);
	pthread_mutex_unlock(&sv->mu);
	pthread_join(sv->thread, NULL);
	gb_cosigner_close(sv->cosigner);
	pthread_mutex_destroy(&sv->mu);
	pthread_cond_destroy(&sv->cv);
	free(sv);
}
