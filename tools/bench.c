/*
 * bench.c: `make bench`, the measurements behind DESIGN.md's performance
 * model, taken in one run on the machine at hand.
 *
 * Every figure is one line on stdout, `bench: NAME VALUE UNIT`; notes for
 * humans go to stderr. Nothing here passes or fails on a time: the program
 * exits non-zero only when something that must be right is wrong (a
 * signature or proof that does not verify, an entry the ledger refuses).
 *
 * Ingest is measured against the bound the design promises: individually
 * signed entries cannot go faster than one signature verification each
 * on every core, so the run measures single-core verification first and
 * reports ingest as a ratio to verify_1core x cores. It also measures
 * verification on all cores at once (verify_all_cores) and the ratio to
 * that, because two cores rarely give twice one core on a shared host.
 *
 * reconcile_1m is gb_reconcile_run through gb_ledger_read over a state as
 * large as a one-million-entry ledger's (six balance versions per index,
 * written straight into the store of a real ledger with the charter's
 * roster), the median of several runs; state_versions_1m is that state's
 * size. The result is checked against the balances written.
 *
 * http_ingest posts pre-signed memos to an in-process server (server.h)
 * over loopback from HTTP_CLIENTS libcurl clients, and reports the ratio to
 * the in-process ingest; http_ingest_single posts one entry per request, and
 * http_ingest_single_rejects does the same with a malformed entry posted
 * before every 8th (the good entries' rate: what rejected neighbours cost).
 *
 * GB_BENCH_SCALE (a positive number, default 1) scales every count except
 * the 1M-leaf tree and the 1M-entry state, whose sizes are in the figures'
 * names. Everything is made
 * in a temporary directory under /tmp that is removed at exit.
 */
#include <assert.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <jansson.h>
#include <sodium.h>

#include "gongbao/audit.h"
#include "gongbao/books.h"
#include "gongbao/client.h"
#include "gongbao/entry.h"
#include "gongbao/json.h"
#include "gongbao/ledger.h"
#include "gongbao/merkle.h"
#include "gongbao/note.h"
#include "gongbao/reconcile.h"
#include "gongbao/server.h"
#include "gongbao/store.h"

/* Counts at GB_BENCH_SCALE=1, sized for well under a minute on two cores. */
#define VERIFY_ROUND_COUNT 8000     /* verifies per round, and per thread in verify_all_cores */
#define NODE_HASH_COUNT 4000000
#define DECODE_COUNT 1000000
#define INGEST_BATCHES 32
#define CHECKPOINT_COUNT 5000
#define PROOF_COUNT 50000
#define HTTP_COUNT 32768            /* entries posted by http_ingest */
#define HTTP_SINGLE_COUNT 4096      /* entries posted one per request by http_ingest_single */

#define SCALE_MAX 10.0             /* 10 makes 1.3M memos, 670 MB of them */
#define INGEST_BATCH 4096          /* entries per gb_ledger_append: one durable commit */
#define TREE_LEAVES 1000000        /* fixed: the figures say "1m" */
#define TREE_TXN_LEAVES 100000     /* leaves per write transaction */
#define MEMBERS_COUNT 4
#define MEMO_CAP 512               /* room for one signed memo, in bytes */
#define BODY_CAP 4096              /* room for one body (the charter is the largest) */
#define VERIFY_ROUNDS 5            /* verify_1core reports the best round */
#define VERIFY_SET 256             /* distinct messages cycled through by verify_1core */
#define DECODE_SET 64              /* distinct entries cycled through by entry_decode */
#define DIR_ENTRIES_MAX 64         /* most files removed from one temporary directory */
#define PATH_BYTES 256
#define THREADS_MAX 64
#define HTTP_CLIENTS 32            /* concurrent HTTP clients */
#define HTTP_BATCH 64              /* entries per POST in http_ingest */
#define HTTP_BAD_EVERY 8           /* http_ingest_single_rejects: a malformed POST per 8 good ones */

#define CONSORTIUM "zs-bench"
#define ORIGIN "bench.gongbao.test/zs"
#define TIME_S 1767225600
/* A memo body of this text makes a 192-byte signature message, 287-byte entries. */
#define MEMO_TEXT "Quarterly loss-prevention inspection of the Zhoushan harbour " \
	"cold-storage site: no findings"

/* What the figures share: keys, the pre-signed memos and the ingest ledger. */
struct bench {
	double scale;
	gb_seckey assoc;
	gb_seckey log;
	gb_seckey members[MEMBERS_COUNT];
	uint8_t *arena;            /* memo_count slots of MEMO_CAP bytes */
	gb_bytes *memos;
	size_t memo_count;
	gb_ledger *ledger;
	int cores;                 /* online cores */
	double verify_rate;        /* verify_1core, for the ingest ratio */
	double verify_all_rate;    /* verify_all_cores */
	double ingest_rate;        /* ingest, for the HTTP ratio */
};

static char tmp_root[] = "/tmp/gb-bench-XXXXXX";
static int tmp_made;

/* ---- plumbing ---- */

static double now_s(void)
{
	struct timespec ts;
	int rc = clock_gettime(CLOCK_MONOTONIC, &ts);
	assert(rc == 0);
	(void)rc;
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Prints one figure; VALUE is a plain number with `decimals` decimals. */
static void report(const char *name, double value, int decimals, const char *unit)
{
	assert(name != NULL && unit != NULL);
	assert(decimals >= 0 && decimals <= 6);
	printf("bench: %s %.*f %s\n", name, decimals, value, unit);
	fflush(stdout);
}

static double rate(size_t count, double seconds)
{
	assert(seconds >= 0);
	return seconds > 0 ? (double)count / seconds : 0;
}

/* Says what went wrong and exits 1 (the atexit handler removes tmp_root). */
__attribute__((noreturn)) static void fail(const char *what, const gb_err *err)
{
	fprintf(stderr, "bench: error: %s%s%s\n", what, err ? ": " : "", err ? err->msg : "");
	exit(1);
}

/* A count scaled by GB_BENCH_SCALE, at least 1. */
static size_t scaled(const struct bench *b, size_t base)
{
	double n = (double)base * b->scale + 0.5;
	return n < 1 ? 1 : (size_t)n;
}

static int online_cores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > THREADS_MAX ? THREADS_MAX : (int)n;
}

/* Reads GB_BENCH_SCALE: a number in (0, SCALE_MAX], 1 when unset. */
static double read_scale(void)
{
	const char *s = getenv("GB_BENCH_SCALE");
	if (s == NULL || *s == '\0')
		return 1;
	char *end;
	double v = strtod(s, &end);
	if (*end != '\0' || !(v > 0) || v > SCALE_MAX) {
		fprintf(stderr, "bench: error: GB_BENCH_SCALE '%s' must be a number above 0 and at most %g\n",
			s, SCALE_MAX);
		exit(2);
	}
	return v;
}

/* splitmix64: a fixed-seed generator, so that runs pick the same indexes. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Removes `dir`, its files and (down to `depth` levels) its subdirectories. */
static void remove_dir(const char *dir, int depth)
{
	assert(dir != NULL);
	assert(depth >= 0);
	DIR *d = opendir(dir);
	if (d != NULL) {
		char path[PATH_BYTES];
		struct dirent *de;
		for (int n = 0; n < DIR_ENTRIES_MAX && (de = readdir(d)) != NULL; n++) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			int len = snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
			if (len < 0 || (size_t)len >= sizeof path)
				continue; /* not a name this program made */
			if (de->d_type == DT_DIR && depth > 0)
				remove_dir(path, depth - 1);
			else
				unlink(path);
		}
		closedir(d);
	}
	rmdir(dir);
}

static void remove_tmp_root(void)
{
	if (tmp_made)
		remove_dir(tmp_root, 1);
}

static void tmp_path(char *out, size_t cap, const char *name)
{
	assert(tmp_made);
	snprintf(out, cap, "%s/%s", tmp_root, name);
}

/* ---- keys and entries ---- */

static void seed_key(gb_seckey *k, const char *name, uint8_t fill)
{
	uint8_t seed[GB_SEED_BYTES];
	gb_err err;
	memset(seed, fill, sizeof seed);
	if (gb_seckey_from_seed(k, name, GB_ALG_ED25519, seed, &err) != 0)
		fail("making a key", &err);
}

static void make_keys(struct bench *b)
{
	seed_key(&b->assoc, "zs-assoc", 1);
	seed_key(&b->log, ORIGIN, 2);
	for (int i = 0; i < MEMBERS_COUNT; i++) {
		char name[32];
		snprintf(name, sizeof name, "member-%d", i);
		seed_key(&b->members[i], name, (uint8_t)(10 + i));
	}
}

/* Encodes a JSON body canonically and signs it with `key`; returns the entry length. */
static size_t sign_json(const json_t *body, const gb_seckey *key, uint8_t *out, size_t cap)
{
	assert(body != NULL && key != NULL);
	uint8_t buf[BODY_CAP];
	gb_mpw w;
	gb_err err;
	gb_mpw_init(&w, buf, sizeof buf);
	if (gb_json_to_mp(body, &w, &err) != 0)
		fail("encoding a body", &err);
	const gb_seckey *keys[1] = { key };
	size_t len = 0;
	if (gb_entry_sign(buf, w.len, keys, 1, out, cap, &len, &err) != 0)
		fail("signing an entry", &err);
	return len;
}

static json_t *participant(const gb_pubkey *key, const char *role)
{
	char vkey[GB_VKEY_MAX];
	gb_vkey_format(key, vkey);
	return json_pack("{s:s, s:s, s:s}", "id", key->name, "role", role, "vkey", vkey);
}

/* The charter: the association and MEMBERS_COUNT members, signed by the association. */
static size_t make_charter(const struct bench *b, uint8_t *out, size_t cap)
{
	json_t *people = json_array();
	json_array_append_new(people, participant(&b->assoc.pub, "association"));
	for (int i = 0; i < MEMBERS_COUNT; i++)
		json_array_append_new(people, participant(&b->members[i].pub, "member"));
	json_t *body = json_pack("{s:i, s:s, s:s, s:s, s:s, s:I, s:s, s:o}",
		"v", GB_ENTRY_VERSION, "type", "charter", "consortium", CONSORTIUM,
		"signer", b->assoc.pub.name, "id", "charter", "time", (json_int_t)TIME_S,
		"name", "gongbao benchmark consortium", "participants", people);
	if (body == NULL)
		fail("building the charter JSON (out of memory)", NULL);
	size_t len = sign_json(body, &b->assoc, out, cap);
	json_decref(body);
	return len;
}

/* Signs `count` memos, each with its own id, round-robin over the members. */
static void make_memos(struct bench *b, size_t count)
{
	b->arena = malloc(count * MEMO_CAP);
	b->memos = calloc(count, sizeof *b->memos);
	json_t *body = json_pack("{s:i, s:s, s:s, s:I, s:s}", "v", GB_ENTRY_VERSION,
		"type", "memo", "consortium", CONSORTIUM, "time", (json_int_t)TIME_S + 100,
		"text", MEMO_TEXT);
	if (b->arena == NULL || b->memos == NULL || body == NULL)
		fail("out of memory for the memos", NULL);
	size_t bytes = 0;
	for (size_t i = 0; i < count; i++) {
		const gb_seckey *key = &b->members[i % MEMBERS_COUNT];
		char id[32];
		snprintf(id, sizeof id, "memo-%08zu", i);
		if (json_object_set_new(body, "signer", json_string(key->pub.name)) != 0 ||
		    json_object_set_new(body, "id", json_string(id)) != 0)
			fail("out of memory for the memos", NULL);
		uint8_t *slot = b->arena + i * MEMO_CAP;
		b->memos[i] = (gb_bytes){ slot, sign_json(body, key, slot, MEMO_CAP) };
		bytes += b->memos[i].len;
	}
	json_decref(body);
	b->memo_count = count;
	fprintf(stderr, "bench: %zu memos signed, %.0f bytes each on average\n", count,
		(double)bytes / (double)count);
}

/* Frees the memos and wipes the keys (made from fixed seeds, but keys are wiped). */
static void bench_release(struct bench *b)
{
	assert(b->ledger == NULL);
	free(b->memos);
	free(b->arena);
	gb_seckey_wipe(&b->assoc);
	gb_seckey_wipe(&b->log);
	for (int i = 0; i < MEMBERS_COUNT; i++)
		gb_seckey_wipe(&b->members[i]);
}

/* ---- the figures ---- */

/* One signature to check: the exact message a ledger verifies. */
struct verify_item {
	uint8_t msg[GB_ENTRY_SIG_DOMAIN_LEN + MEMO_CAP];
	size_t len;
	const uint8_t *sig;
	const uint8_t *pk;
};

static void verify_set_fill(const struct bench *b, struct verify_item *set, size_t n)
{
	assert(n <= b->memo_count);
	for (size_t i = 0; i < n; i++) {
		gb_entry e;
		gb_err err;
		if (gb_entry_decode(b->memos[i].ptr, b->memos[i].len, &e, &err) != 0)
			fail("decoding a memo", &err);
		assert(e.body_len <= MEMO_CAP);
		set[i].len = gb_entry_sig_message(e.body, e.body_len, set[i].msg);
		set[i].sig = e.sigs[0].sig;
		set[i].pk = b->members[i % MEMBERS_COUNT].pub.pk;
	}
}

/* Verifies `count` signatures cycling through set[0..n); returns the failures. */
static size_t verify_loop(const struct verify_item *set, size_t n, size_t count)
{
	assert(n > 0);
	size_t failures = 0;
	for (size_t i = 0; i < count; i++) {
		const struct verify_item *v = &set[i % n];
		if (crypto_sign_verify_detached(v->sig, v->msg, v->len, v->pk) != 0)
			failures++;
	}
	return failures;
}

/*
 * verify_1core: crypto_sign_verify_detached over real entry signature
 * messages, the best of VERIFY_ROUNDS rounds: the bound the ingest is held
 * to is what a core can do, not what it did while something else ran.
 */
static void bench_verify(struct bench *b, const struct verify_item *set, size_t n)
{
	size_t count = scaled(b, VERIFY_ROUND_COUNT);
	double best = 0, worst = 0;
	for (int r = 0; r < VERIFY_ROUNDS; r++) {
		double t0 = now_s();
		size_t failures = verify_loop(set, n, count);
		double v = rate(count, now_s() - t0);
		if (failures != 0)
			fail("verify_1core: a memo's signature does not verify", NULL);
		best = v > best ? v : best;
		worst = r == 0 || v < worst ? v : worst;
	}
	fprintf(stderr, "bench: verify messages are %zu bytes; rounds from %.0f to %.0f verifies/s\n",
		set[0].len, worst, best);
	b->verify_rate = best;
	report("verify_1core", best, 0, "verifies/s");
}

struct verify_job {
	const struct verify_item *set;
	size_t n;
	size_t count;
	size_t failures;
};

static void *verify_thread(void *arg)
{
	struct verify_job *job = arg;
	job->failures = verify_loop(job->set, job->n, job->count);
	return NULL;
}

/*
 * verify_all_cores: the same verifies on one thread per core at once: what
 * the cores really deliver together (shared caches, SMT, a busy host), for
 * reading ingest_vs_verify_bound.
 */
static void bench_verify_parallel(struct bench *b, const struct verify_item *set, size_t n)
{
	pthread_t tids[THREADS_MAX];
	struct verify_job jobs[THREADS_MAX];
	size_t per_thread = scaled(b, VERIFY_ROUND_COUNT);
	int threads = 0;
	double t0 = now_s();
	for (; threads < b->cores; threads++) {
		jobs[threads] = (struct verify_job){ set, n, per_thread, 0 };
		if (pthread_create(&tids[threads], NULL, verify_thread, &jobs[threads]) != 0)
			fail("verify_all_cores: cannot start a thread", NULL);
	}
	size_t failures = 0;
	for (int i = 0; i < threads; i++) {
		pthread_join(tids[i], NULL);
		failures += jobs[i].failures;
	}
	double t = now_s() - t0;
	if (failures != 0)
		fail("verify_all_cores: a memo's signature does not verify", NULL);
	b->verify_all_rate = rate(per_thread * (size_t)threads, t);
	report("verify_all_cores", b->verify_all_rate, 0, "verifies/s");
}

/* The verify figures, over the first VERIFY_SET memos. */
static void bench_verify_all(struct bench *b)
{
	static struct verify_item set[VERIFY_SET];
	size_t n = b->memo_count < VERIFY_SET ? b->memo_count : VERIFY_SET;
	verify_set_fill(b, set, n);
	bench_verify(b, set, n);
	bench_verify_parallel(b, set, n);
}

/* sha256_nodes: interior node hashes, each feeding the next. */
static void bench_node_hash(const struct bench *b)
{
	uint8_t h[GB_HASH_BYTES], other[GB_HASH_BYTES];
	memset(h, 0xa5, sizeof h);
	memset(other, 0x5a, sizeof other);
	size_t count = scaled(b, NODE_HASH_COUNT);
	double t0 = now_s();
	for (size_t i = 0; i < count; i++)
		gb_merkle_node_hash(h, h, other);
	double t = now_s() - t0;
	fprintf(stderr, "bench: last node hash starts %02x%02x\n", h[0], h[1]);
	report("sha256_nodes", rate(count, t), 0, "hashes/s");
}

/* entry_decode: the full structural and canonical check of signed memos. */
static void bench_decode(const struct bench *b)
{
	size_t n = b->memo_count < DECODE_SET ? b->memo_count : DECODE_SET;
	size_t count = scaled(b, DECODE_COUNT), failures = 0, body_bytes = 0;
	double t0 = now_s();
	for (size_t i = 0; i < count; i++) {
		const gb_bytes *m = &b->memos[i % n];
		gb_entry e;
		if (gb_entry_decode(m->ptr, m->len, &e, NULL) != 0)
			failures++;
		else
			body_bytes += e.body_len;
	}
	double t = now_s() - t0;
	if (failures != 0)
		fail("entry_decode: a signed memo does not decode", NULL);
	assert(body_bytes > 0);
	report("entry_decode", rate(count, t), 0, "entries/s");
}

static void make_ledger(struct bench *b)
{
	static uint8_t charter[GB_ENTRY_MAX];
	size_t len = make_charter(b, charter, sizeof charter);
	char dir[PATH_BYTES];
	tmp_path(dir, sizeof dir, "ledger");
	gb_err err;
	/* The entries carry fixed times: give the ledger a clock near them. */
	gb_ledger_opts opts = { .clock_s = (uint64_t)TIME_S };
	if (gb_ledger_create(dir, ORIGIN, &b->log.pub, charter, len, &opts, &b->ledger, &err) != 0)
		fail("creating the ledger", &err);
}

/* Appends memos [from, from + count) as one batch; checks every result. */
static void append_batch(struct bench *b, size_t from, size_t count)
{
	static gb_append_result results[INGEST_BATCH];
	assert(count <= INGEST_BATCH);
	assert(from + count <= b->memo_count);
	gb_err err;
	if (gb_ledger_append(b->ledger, &b->memos[from], count, results, &err) != 0)
		fail("ingest: gb_ledger_append", &err);
	for (size_t i = 0; i < count; i++)
		if (results[i].index != 1 + from + i || results[i].duplicate)
			fail("ingest: a memo got the wrong index", NULL);
}

/* ingest, cores, ingest_vs_verify_bound: batches of pre-signed memos. */
static void bench_ingest(struct bench *b)
{
	make_ledger(b);
	double t0 = now_s();
	for (size_t from = 0; from < b->memo_count; from += INGEST_BATCH) {
		size_t left = b->memo_count - from;
		append_batch(b, from, left < INGEST_BATCH ? left : INGEST_BATCH);
	}
	double t = now_s() - t0;
	uint64_t size = 0;
	gb_err err;
	if (gb_ledger_size(b->ledger, &size, &err) != 0 || size != 1 + b->memo_count)
		fail("ingest: the ledger does not hold every memo", NULL);
	double ingest = rate(b->memo_count, t);
	b->ingest_rate = ingest;
	fprintf(stderr, "bench: ingested %zu memos in %.3f s, batches of %d\n", b->memo_count, t,
		INGEST_BATCH);
	report("ingest", ingest, 0, "entries/s");
	report("cores", (double)b->cores, 0, "count");
	report("ingest_vs_verify_bound", ingest / (b->verify_rate * (double)b->cores), 3, "x");
	report("ingest_vs_verify_all_cores", ingest / b->verify_all_rate, 3, "x");
}

/* checkpoint_sign: gb_ledger_checkpoint on the ingest ledger; the last one is checked. */
static void bench_checkpoint(const struct bench *b)
{
	static char note[GB_NOTE_MAX];
	size_t count = scaled(b, CHECKPOINT_COUNT), len = 0;
	gb_err err;
	double t0 = now_s();
	for (size_t i = 0; i < count; i++)
		if (gb_ledger_checkpoint(b->ledger, &b->log, note, sizeof note, &len, &err) != 0)
			fail("checkpoint_sign: gb_ledger_checkpoint", &err);
	double t = now_s() - t0;
	gb_note opened;
	if (gb_note_open(note, len, &b->log.pub, 1, &opened, &err) != 0)
		fail("checkpoint_sign: the checkpoint does not verify", &err);
	report("checkpoint_sign", rate(count, t), 0, "checkpoints/s");
}

/*
 * audit_vs_verify_bound: gb_audit_ledger over the ingest ledger (a replay
 * through the pipeline into a temporary ledger, then the tree and state
 * compared), entries/s over verify_1core x cores. It must find nothing.
 */
static void bench_audit(const struct bench *b)
{
	gb_audit_opts opts = { .until = GB_AUDIT_NO_INDEX, .tmp_dir = tmp_root };
	gb_audit_report rep;
	gb_err err;
	double t0 = now_s();
	if (gb_audit_ledger(b->ledger, &opts, &rep, &err) != 0)
		fail("audit: gb_audit_ledger", &err);
	double t = now_s() - t0;
	if (rep.violation_count != 0 || rep.replayed != 1 + b->memo_count)
		fail("audit: the ingest ledger does not audit clean", NULL);
	fprintf(stderr, "bench: audited %zu entries in %.3f s (replay %.3f s)\n", 1 + b->memo_count, t,
		rep.replay_s);
	gb_audit_report_release(&rep);
	report("audit_vs_verify_bound", rate(1 + b->memo_count, t) / (b->verify_rate * (double)b->cores), 3, "x");
}

/* ---- reconcile at one million entries ---- */

/*
 * The state a 1M-entry ledger would hold, made without signing a million
 * entries: a real ledger with the charter (so the roster is the ledger's
 * own), then RECON_KEYS balance versions per index written through its
 * store, as each posting set of a premium receipt or a claim would.
 */
#define RECON_INDEXES 1000000      /* fixed: the figure says "1m" */
#define RECON_TXN_INDEXES 100000   /* indexes per write transaction */
#define RECON_KEYS 6               /* balance versions written per index */
#define RECON_RUNS 7               /* reconcile_1m reports the median */
#define RECON_BUILD_S 60.0         /* above this, say so on stderr */

/* The running balances, in fen, as the 1M-entry history leaves them. */
struct recon_books {
	int64_t own[MEMBERS_COUNT][GB_ACCOUNT_OWN_KINDS];
	int64_t due_from[MEMBERS_COUNT][MEMBERS_COUNT]; /* [m][n]: m/M/due_from/N */
	int64_t due_to[MEMBERS_COUNT][MEMBERS_COUNT];   /* [m][n]: m/M/due_to/N */
	char id[MEMBERS_COUNT][GB_ID_MAX + 1];          /* sorted as reconcile lists them */
};

/* Writes one balance version: "bal/" + account, as of `index`. */
static void recon_put(gb_txn *txn, const char *member, int kind, const char *other,
	uint64_t index, int64_t fen)
{
	char name[GB_ACCOUNT_MAX + 1], key[GB_BALANCE_KEY_MAX + 1];
	uint8_t v[8];
	uint64_t u = (uint64_t)fen;
	gb_err err;
	if (gb_account_name(name, member, kind, other, &err) != 0)
		fail("reconcile_1m: an account name", &err);
	snprintf(key, sizeof key, "%s%s", GB_BALANCE_KEY_PREFIX, name);
	for (int i = 7; i >= 0; i--, u >>= 8)
		v[i] = (uint8_t)u;
	if (gb_store_state_put(txn, key, index, v, sizeof v, &err) != 0)
		fail("reconcile_1m: writing a balance", &err);
}

/*
 * Index n's postings (RECON_KEYS balances, summing to zero): lead p writes
 * premium and takes the cash, follower q owes p its share (due_from/due_to
 * mirrored) and moves a set-aside into its fund part.
 */
static void recon_index(gb_txn *txn, struct recon_books *k, uint64_t n, uint64_t *rng)
{
	size_t p = (size_t)(n % MEMBERS_COUNT);
	size_t q = (size_t)((p + 1 + n / MEMBERS_COUNT % (MEMBERS_COUNT - 1)) % MEMBERS_COUNT);
	int64_t a = 1000 + (int64_t)(next_random(rng) % 100000), s = a / 10 + 1, c = a / 50 + 1;
	assert(p != q);
	k->own[p][GB_ACCOUNT_PREMIUM] -= a;
	k->own[p][GB_ACCOUNT_CASH] += a;
	k->due_from[p][q] += s;
	k->due_to[q][p] -= s;
	k->own[q][GB_ACCOUNT_SETASIDE] += c;
	k->own[q][GB_ACCOUNT_FUND] -= c;
	recon_put(txn, k->id[p], GB_ACCOUNT_PREMIUM, NULL, n, k->own[p][GB_ACCOUNT_PREMIUM]);
	recon_put(txn, k->id[p], GB_ACCOUNT_CASH, NULL, n, k->own[p][GB_ACCOUNT_CASH]);
	recon_put(txn, k->id[p], GB_ACCOUNT_DUE_FROM, k->id[q], n, k->due_from[p][q]);
	recon_put(txn, k->id[q], GB_ACCOUNT_DUE_TO, k->id[p], n, k->due_to[q][p]);
	recon_put(txn, k->id[q], GB_ACCOUNT_SETASIDE, NULL, n, k->own[q][GB_ACCOUNT_SETASIDE]);
	recon_put(txn, k->id[q], GB_ACCOUNT_FUND, NULL, n, k->own[q][GB_ACCOUNT_FUND]);
}

/* Writes the versions of indexes 1 .. RECON_INDEXES-1; returns the count written. */
static size_t recon_fill(gb_ledger *l, struct recon_books *k)
{
	gb_store *st = gb_ledger_store(l);
	uint64_t rng = 3;
	for (uint64_t from = 1; from < RECON_INDEXES; from += RECON_TXN_INDEXES) {
		uint64_t to = from + RECON_TXN_INDEXES < RECON_INDEXES ? from + RECON_TXN_INDEXES : RECON_INDEXES;
		gb_txn txn;
		gb_err err;
		if (gb_txn_begin(st, 0, &txn, &err) != 0)
			fail("reconcile_1m: beginning a write transaction", &err);
		for (uint64_t n = from; n < to; n++)
			recon_index(&txn, k, n, &rng);
		if (gb_txn_commit(&txn, &err) != 0)
			fail("reconcile_1m: committing", &err);
	}
	return (size_t)(RECON_INDEXES - 1) * RECON_KEYS;
}

struct recon_run {
	gb_shares members;
	gb_reconcile *out;
	gb_err err;
};

/* Inside gb_ledger_read: the members from the roster, then the report. */
static int recon_read(const gb_state *st, void *arg)
{
	struct recon_run *r = arg;
	int rc = gb_reconcile_members(st, &r->members, &r->err);
	return rc ? rc : gb_reconcile_run(st, &r->members, r->out, &r->err);
}

/* Fails unless every figure of out is what the books say, the totals zero. */
static void recon_check(const gb_reconcile *out, const struct recon_books *k)
{
	if (out->count != MEMBERS_COUNT || out->net_total_fen != 0)
		fail("reconcile_1m: wrong member count or a non-zero net total", NULL);
	int64_t net_sum = 0, fund_sum = 0, setaside_sum = 0, cash_sum = 0, written_sum = 0;
	for (size_t i = 0; i < MEMBERS_COUNT; i++) {
		const gb_reconcile_member *m = &out->m[i];
		int64_t owed = 0, owes = 0;
		for (size_t j = 0; j < MEMBERS_COUNT; j++) {
			owed += k->due_from[i][j];
			owes -= k->due_to[i][j];
			if (out->pair_fen[i][j] != -k->due_to[i][j] - k->due_from[i][j])
				fail("reconcile_1m: a pairwise debt differs from the balances", NULL);
		}
		if (strcmp(m->id, k->id[i]) != 0 || m->cash_fen != k->own[i][GB_ACCOUNT_CASH] ||
		    m->premium_written_fen != -k->own[i][GB_ACCOUNT_PREMIUM] ||
		    m->setaside_fen != k->own[i][GB_ACCOUNT_SETASIDE] ||
		    m->fund_part_fen != -k->own[i][GB_ACCOUNT_FUND] || m->owed_fen != owed ||
		    m->owes_fen != owes || m->net_fen != owed - owes)
			fail("reconcile_1m: a member's figures differ from its balances", NULL);
		net_sum += m->net_fen;
		fund_sum += m->fund_part_fen;
		setaside_sum += m->setaside_fen;
		cash_sum += m->cash_fen;
		written_sum += m->premium_written_fen;
	}
	/* The postings balance: cash = written, set-aside = fund, net = 0. */
	if (net_sum != 0 || cash_sum != written_sum || setaside_sum != fund_sum || cash_sum == 0 ||
	    out->total.net_fen != 0 || out->total.cash_fen != cash_sum)
		fail("reconcile_1m: the totals do not balance", NULL);
}

/* Ascending sort of a few doubles (insertion sort: RECON_RUNS of them). */
static void sort_times(double *t, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && t[j - 1] > t[j]; j--) {
			double x = t[j];
			t[j] = t[j - 1];
			t[j - 1] = x;
		}
}

/* Counts every stored state version (the size of the state reconcile reads). */
static int count_version(void *arg, const char *key, uint64_t version, const uint8_t *val, size_t len)
{
	(*(size_t *)arg)++;
	return 0;
}

static size_t recon_versions(gb_ledger *l)
{
	gb_txn txn;
	gb_err err;
	size_t n = 0;
	if (gb_txn_begin(gb_ledger_store(l), 1, &txn, &err) != 0 ||
	    gb_store_state_scan(&txn, count_version, &n, &err) != 0)
		fail("reconcile_1m: counting the state versions", &err);
	gb_txn_abort(&txn);
	return n;
}

/* Sorts the member ids as gb_reconcile_members lists them, and zeroes the books. */
static void recon_books_init(struct recon_books *k, const struct bench *b)
{
	memset(k, 0, sizeof *k);
	for (size_t i = 0; i < MEMBERS_COUNT; i++)
		snprintf(k->id[i], sizeof k->id[i], "%s", b->members[i].pub.name);
	for (size_t i = 1; i < MEMBERS_COUNT; i++)
		for (size_t j = i; j > 0 && strcmp(k->id[j - 1], k->id[j]) > 0; j--) {
			char x[GB_ID_MAX + 1];
			memcpy(x, k->id[j], sizeof x);
			memcpy(k->id[j], k->id[j - 1], sizeof x);
			memcpy(k->id[j - 1], x, sizeof x);
		}
}

/* reconcile_1m, state_versions_1m: reconcile over a 1M-entry-sized state, median of runs. */
static void bench_reconcile(const struct bench *b)
{
	static uint8_t charter[GB_ENTRY_MAX];
	static struct recon_books books;
	static gb_reconcile out;
	static struct recon_run run;
	char dir[PATH_BYTES];
	gb_ledger *l;
	gb_err err;
	gb_ledger_opts opts = { .clock_s = (uint64_t)TIME_S };
	tmp_path(dir, sizeof dir, "recon");
	if (gb_ledger_create(dir, ORIGIN, &b->log.pub, charter, make_charter(b, charter, sizeof charter),
		&opts, &l, &err) != 0)
		fail("reconcile_1m: creating the ledger", &err);
	recon_books_init(&books, b);
	double t0 = now_s();
	size_t written = recon_fill(l, &books);
	double build = now_s() - t0;
	fprintf(stderr, "bench: reconcile_1m state: %zu balance versions (%d per index) written in %.1f s\n",
		written, RECON_KEYS, build);
	if (build > RECON_BUILD_S)
		fprintf(stderr, "bench: note: the reconcile_1m state took over %.0f s to build\n", RECON_BUILD_S);
	double t[RECON_RUNS];
	run.out = &out;
	for (int i = 0; i < RECON_RUNS; i++) {
		memset(&out, 0xa5, sizeof out); /* a stale result must not pass the check */
		double r0 = now_s();
		if (gb_ledger_read(l, RECON_INDEXES - 1, recon_read, &run, &err) != 0)
			fail("reconcile_1m: gb_reconcile_run", &err);
		t[i] = now_s() - r0;
		recon_check(&out, &books);
	}
	sort_times(t, RECON_RUNS);
	fprintf(stderr, "bench: reconcile_1m runs from %.6f to %.6f s, %zu members\n", t[0],
		t[RECON_RUNS - 1], out.count);
	report("reconcile_1m", t[RECON_RUNS / 2], 6, "s");
	report("state_versions_1m", (double)recon_versions(l), 0, "count");
	gb_ledger_close(l);
}

/* ---- the 1M-leaf tree ---- */

/* The leaf hash of leaf n: the hash of n as 8 bytes, big-endian. */
static void counter_leaf(uint64_t n, uint8_t out[GB_HASH_BYTES])
{
	uint8_t data[8];
	for (int i = 7; i >= 0; i--, n >>= 8)
		data[i] = (uint8_t)n;
	gb_merkle_leaf_hash(out, data, sizeof data);
}

/* Appends leaves [from, to) in one durable write transaction. */
static void tree_append_range(gb_store *st, gb_merkle_frontier *f, uint64_t from, uint64_t to)
{
	assert(from == f->size);
	assert(from <= to);
	gb_txn txn;
	gb_err err;
	if (gb_txn_begin(st, 0, &txn, &err) != 0)
		fail("tree: beginning a write transaction", &err);
	for (uint64_t n = from; n < to; n++) {
		uint8_t leaf[GB_HASH_BYTES];
		counter_leaf(n, leaf);
		int rc = gb_merkle_frontier_append(f, leaf, gb_store_node_write, &txn);
		if (rc != 0) {
			gb_txn_abort(&txn);
			fprintf(stderr, "bench: error: tree: appending leaf %llu: %s\n",
				(unsigned long long)n, gb_strerror(rc));
			exit(1);
		}
	}
	if (gb_txn_commit(&txn, &err) != 0)
		fail("tree: committing", &err);
}

/* tree_build_1m: a store with TREE_LEAVES counter leaves; root gets the tree's root. */
static gb_store *bench_tree_build(uint8_t root[GB_HASH_BYTES])
{
	char dir[PATH_BYTES];
	tmp_path(dir, sizeof dir, "tree");
	gb_store *st;
	gb_err err;
	if (gb_store_open(dir, GB_STORE_CREATE, 0, &st, &err) != 0)
		fail("tree: opening the store", &err);
	gb_merkle_frontier f;
	gb_merkle_frontier_init(&f);
	double t0 = now_s();
	for (uint64_t from = 0; from < TREE_LEAVES; from += TREE_TXN_LEAVES) {
		uint64_t to = from + TREE_TXN_LEAVES < TREE_LEAVES ? from + TREE_TXN_LEAVES : TREE_LEAVES;
		tree_append_range(st, &f, from, to);
	}
	double t = now_s() - t0;
	gb_merkle_frontier_root(&f, root);
	report("tree_build_1m", rate(TREE_LEAVES, t), 0, "leaves/s");
	return st;
}

static void proof_bytes(uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES], size_t count,
	gb_bytes comps[GB_PROOF_MAX])
{
	assert(count <= GB_PROOF_MAX);
	for (size_t i = 0; i < count; i++)
		comps[i] = (gb_bytes){ proof[i], GB_HASH_BYTES };
}

/* prove_inclusion_1m: random leaves; only gb_merkle_prove_inclusion is timed. */
static void bench_prove_inclusion(const struct bench *b, gb_txn *txn,
	const uint8_t root[GB_HASH_BYTES])
{
	uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES], leaf[GB_HASH_BYTES];
	gb_bytes comps[GB_PROOF_MAX];
	gb_bytes root_b = { root, GB_HASH_BYTES }, leaf_b = { leaf, GB_HASH_BYTES };
	uint64_t rng = 1;
	size_t count = scaled(b, PROOF_COUNT), failures = 0, n = 0;
	double t = 0;
	for (size_t i = 0; i < count; i++) {
		uint64_t index = next_random(&rng) % TREE_LEAVES;
		double t0 = now_s();
		int rc = gb_merkle_prove_inclusion(index, TREE_LEAVES, gb_store_node_read, txn, proof, &n);
		t += now_s() - t0;
		counter_leaf(index, leaf);
		proof_bytes(proof, n, comps);
		if (rc != 0 || gb_merkle_verify_inclusion(index, TREE_LEAVES, leaf_b, comps, n, root_b) != 0) {
			fprintf(stderr, "bench: error: inclusion proof of leaf %llu fails (%s)\n",
				(unsigned long long)index, gb_strerror(rc));
			failures++;
		}
	}
	if (failures != 0)
		fail("prove_inclusion_1m: proofs that do not verify", NULL);
	report("prove_inclusion_1m", rate(count, t), 0, "proofs/s");
}

/* Checks the consistency proof from old_size to TREE_LEAVES; 0 if it verifies. */
static int check_consistency(gb_txn *txn, uint64_t old_size, const uint8_t root[GB_HASH_BYTES],
	uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES], size_t n)
{
	uint8_t old_root[GB_HASH_BYTES];
	gb_bytes comps[GB_PROOF_MAX];
	int rc = gb_merkle_root(old_size, gb_store_node_read, txn, old_root);
	if (rc != 0)
		return rc;
	proof_bytes(proof, n, comps);
	gb_bytes r1 = { old_root, GB_HASH_BYTES }, r2 = { root, GB_HASH_BYTES };
	return gb_merkle_verify_consistency(old_size, TREE_LEAVES, r1, r2, comps, n);
}

/* prove_consistency_1m: random old sizes; only gb_merkle_prove_consistency is timed. */
static void bench_prove_consistency(const struct bench *b, gb_txn *txn,
	const uint8_t root[GB_HASH_BYTES])
{
	uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES];
	uint64_t rng = 2;
	size_t count = scaled(b, PROOF_COUNT), failures = 0, n = 0;
	double t = 0;
	for (size_t i = 0; i < count; i++) {
		uint64_t old_size = 1 + next_random(&rng) % TREE_LEAVES;
		double t0 = now_s();
		int rc = gb_merkle_prove_consistency(old_size, TREE_LEAVES, gb_store_node_read, txn, proof, &n);
		t += now_s() - t0;
		rc = rc ? rc : check_consistency(txn, old_size, root, proof, n);
		if (rc != 0) {
			fprintf(stderr, "bench: error: consistency proof from size %llu fails (%s)\n",
				(unsigned long long)old_size, gb_strerror(rc));
			failures++;
		}
	}
	if (failures != 0)
		fail("prove_consistency_1m: proofs that do not verify", NULL);
	report("prove_consistency_1m", rate(count, t), 0, "proofs/s");
}

/* One HTTP client's share of the posts: entries [from, to), `per` per request. */
struct http_client {
	char url[64];
	const gb_bytes *memos;
	size_t from, to, per;
	size_t bad_every;          /* 0, or a malformed entry before every bad_every-th request */
	int failed;
	char why[GB_ERR_MSG_MAX + 64]; /* what failed (stderr is silenced meanwhile) */
};

/* A malformed entry (a map that declares 3 pairs and holds none). */
static const uint8_t bad_entry[] = { 0x83 };

static void *http_client_main(void *arg)
{
	struct http_client *h = arg;
	static __thread gb_append_result results[HTTP_BATCH];
	static __thread int codes[HTTP_BATCH];
	static __thread char msgs[HTTP_BATCH][GB_ERR_MSG_MAX];
	gb_client *c;
	gb_err err;
	if (gb_client_open(h->url, &c, &err) != 0) {
		snprintf(h->why, sizeof h->why, "opening the client: %.200s", err.msg);
		h->failed = 1;
		return NULL;
	}
	for (size_t i = h->from; i < h->to && !h->failed; i += h->per) {
		size_t n = h->to - i < h->per ? h->to - i : h->per;
		gb_bytes bad = { bad_entry, sizeof bad_entry };
		if (h->bad_every != 0 && (i / h->per) % h->bad_every == 0 &&
				(gb_client_append(c, &bad, 1, results, codes, msgs, &err) != 0 || codes[0] != GB_EMSGPACK)) {
			snprintf(h->why, sizeof h->why, "a malformed entry got %s: %.200s", gb_errname(codes[0]), msgs[0]);
			h->failed = 1;
		}
		if (!h->failed && gb_client_append(c, &h->memos[i], n, results, codes, msgs, &err) != 0) {
			snprintf(h->why, sizeof h->why, "posting: %.200s", err.msg);
			h->failed = 1;
		}
		for (size_t j = 0; j < n && !h->failed; j++)
			if (codes[j] != 0 || results[j].duplicate) {
				snprintf(h->why, sizeof h->why, "memo %zu: %s: %.200s", i + j, gb_errname(codes[j]), msgs[j]);
				h->failed = 1;
			}
	}
	gb_client_close(c);
	return NULL;
}

/* Starts a server on a fresh ledger, on a port the system picks. */
static gb_server *http_server(const struct bench *b, const char *name, gb_ledger **l, char *url, size_t cap)
{
	static uint8_t charter[GB_ENTRY_MAX];
	size_t len = make_charter(b, charter, sizeof charter);
	char dir[PATH_BYTES];
	tmp_path(dir, sizeof dir, name);
	gb_err err;
	gb_ledger_opts opts = { .clock_s = (uint64_t)TIME_S };
	if (gb_ledger_create(dir, ORIGIN, &b->log.pub, charter, len, &opts, l, &err) != 0)
		fail("http_ingest: creating the ledger", &err);
	gb_server *s = NULL;
	gb_server_config cfg = { .listen = { .addr_be = htonl(0x7f000001), .port = 0 } }; /* any free port */
	if (gb_server_start(&cfg, *l, &s, &err) != 0)
		fail("http_ingest: starting the server", &err);
	snprintf(url, cap, "http://127.0.0.1:%u", (unsigned)gb_server_port(s));
	return s;
}

/*
 * Posts `count` memos through HTTP_CLIENTS clients, `per` a request, with a
 * malformed entry before every bad_every-th request (0: none); returns the
 * memos' entries/s.
 */
static double http_run(const struct bench *b, const char *name, size_t count, size_t per, size_t bad_every)
{
	static struct http_client h[HTTP_CLIENTS];
	pthread_t th[HTTP_CLIENTS];
	gb_ledger *l;
	char url[64];
	gb_server *s = http_server(b, name, &l, url, sizeof url);
	size_t share = (count + HTTP_CLIENTS - 1) / HTTP_CLIENTS;
	/* The server's access log (a line per request, on stderr) is not the bench's. */
	fflush(stderr);
	int saved = dup(2), null_fd = open("/dev/null", O_WRONLY);
	if (saved < 0 || null_fd < 0 || dup2(null_fd, 2) < 0)
		fail("http_ingest: cannot silence the access log", NULL);
	close(null_fd);
	double t0 = now_s();
	for (size_t i = 0; i < HTTP_CLIENTS; i++) {
		h[i] = (struct http_client){ .memos = b->memos, .per = per, .bad_every = bad_every, .from = i * share,
			.to = (i + 1) * share < count ? (i + 1) * share : count };
		snprintf(h[i].url, sizeof h[i].url, "%s", url);
		if (pthread_create(&th[i], NULL, http_client_main, &h[i]) != 0)
			fail("http_ingest: cannot start a client thread", NULL);
	}
	int failed = 0;
	for (size_t i = 0; i < HTTP_CLIENTS; i++)
		pthread_join(th[i], NULL);
	double t = now_s() - t0;
	gb_server_stop(s);
	dup2(saved, 2);
	close(saved);
	for (size_t i = 0; i < HTTP_CLIENTS; i++)
		if (h[i].failed && failed++ == 0)
			fprintf(stderr, "bench: error: %s: http client %zu: %s\n", name, i, h[i].why);
	uint64_t size = 0;
	gb_err err;
	if (failed || gb_ledger_size(l, &size, &err) != 0 || size != 1 + count)
		fail("http_ingest: the server's ledger does not hold every memo posted", NULL);
	gb_ledger_close(l);
	fprintf(stderr, "bench: %s: %zu memos by %d clients, %zu per POST, in %.3f s\n", name, count,
		HTTP_CLIENTS, per, t);
	return rate(count, t);
}

/*
 * http_ingest: pre-signed memos POSTed over loopback by HTTP_CLIENTS
 * concurrent clients (libcurl), HTTP_BATCH per request, to 'gongbao serve''s
 * server on a fresh ledger (group commit); its ratio to the in-process
 * ingest. http_ingest_single: the same with one entry per request, each
 * answered after its durable commit (the case of members posting by hand).
 */
static void bench_http(const struct bench *b)
{
	size_t count = scaled(b, HTTP_COUNT), single = scaled(b, HTTP_SINGLE_COUNT);
	if (count > b->memo_count)
		count = b->memo_count;
	if (single > b->memo_count)
		single = b->memo_count;
	double batched = http_run(b, "http", count, HTTP_BATCH, 0);
	report("http_ingest", batched, 0, "entries/s");
	report("http_clients", HTTP_CLIENTS, 0, "count");
	report("http_ingest_vs_ingest", batched / b->ingest_rate, 3, "x");
	report("http_ingest_single", http_run(b, "http-single", single, 1, 0), 0, "entries/s");
	report("http_ingest_single_rejects", http_run(b, "http-rejects", single, 1, HTTP_BAD_EVERY), 0, "entries/s");
}

/* The tree figures: build, then prove in one read transaction. */
static void bench_tree(const struct bench *b)
{
	uint8_t root[GB_HASH_BYTES], stored_root[GB_HASH_BYTES];
	gb_store *st = bench_tree_build(root);
	gb_txn txn;
	gb_err err;
	if (gb_txn_begin(st, 1, &txn, &err) != 0)
		fail("tree: beginning a read transaction", &err);
	if (gb_merkle_root(TREE_LEAVES, gb_store_node_read, &txn, stored_root) != 0 ||
	    memcmp(root, stored_root, GB_HASH_BYTES) != 0)
		fail("tree: the stored tree's root differs from the frontier's", NULL);
	bench_prove_inclusion(b, &txn, root);
	bench_prove_consistency(b, &txn, root);
	gb_txn_abort(&txn);
	gb_store_close(st);
}

int main(void)
{
	struct bench b = { .scale = read_scale(), .cores = online_cores() };
	if (sodium_init() < 0)
		fail("libsodium failed to initialise", NULL);
	if (mkdtemp(tmp_root) == NULL)
		fail("cannot make a temporary directory under /tmp", NULL);
	tmp_made = 1;
	atexit(remove_tmp_root);
	double t0 = now_s();
	make_keys(&b);
	make_memos(&b, scaled(&b, INGEST_BATCHES) * INGEST_BATCH);
	bench_verify_all(&b);
	bench_node_hash(&b);
	bench_decode(&b);
	bench_ingest(&b);
	bench_checkpoint(&b);
	bench_audit(&b);
	gb_ledger_close(b.ledger);
	b.ledger = NULL;
	bench_http(&b);
	bench_reconcile(&b);
	bench_tree(&b);
	bench_release(&b);
	fprintf(stderr, "bench: done in %.1f s (GB_BENCH_SCALE=%g)\n", now_s() - t0, b.scale);
	return 0;
}
