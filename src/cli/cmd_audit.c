/*
 * cmd_audit.c: `gongbao audit` (replay a ledger or a bundle and compare,
 * gongbao/audit.h) and the bundle half of `gongbao export`.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "gongbao/audit.h"
#include "gongbao/bundle.h"

/* Progress on stderr, at most once a second, when stderr is a terminal. */
struct progress {
	struct timespec t0;
	time_t last_s;
};

static void show_progress(void *arg, uint64_t done, uint64_t total)
{
	struct progress *pg = arg;
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	if (t.tv_sec == pg->last_s && done < total)
		return;
	pg->last_s = t.tv_sec;
	double s = (double)(t.tv_sec - pg->t0.tv_sec) + (double)(t.tv_nsec - pg->t0.tv_nsec) / 1e9;
	double rate = s > 0 ? (double)done / s : 0;
	double left = rate > 0 && total > done ? (double)(total - done) / rate : 0;
	fprintf(stderr, "\raudit: %" PRIu64 "/%" PRIu64 " entries, %.0f/s, %.0f s left   ", done, total,
		rate, left);
	if (done >= total)
		fputc('\n', stderr);
}

/* A --vkey value: the verifier key itself, or a file holding it. */
static int load_vkey(const char *s, gb_pubkey *key, gb_err *err)
{
	if (gb_vkey_parse(key, s, NULL) == 0)
		return 0;
	uint8_t *buf;
	size_t len;
	int rc = cli_read_input(s, 4096, &buf, &len, err);
	if (rc != 0)
		return gb_err_prefix(err, rc, "--vkey '%s' is not a verifier key, and ", s);
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	rc = gb_vkey_parse(key, (const char *)buf, err);
	free(buf);
	return rc;
}

static json_t *report_json(const gb_audit_report *rep)
{
	json_t *o = json_object(), *vs = json_array();
	json_object_set_new(o, "origin", json_string(rep->origin));
	json_object_set_new(o, "size", json_integer((json_int_t)rep->size));
	json_object_set_new(o, "audited", json_integer((json_int_t)rep->audited));
	json_object_set_new(o, "replayed", json_integer((json_int_t)rep->replayed));
	json_object_set_new(o, "root", cli_json_b64(rep->root, GB_HASH_BYTES));
	json_object_set_new(o, "state_versions", json_integer((json_int_t)rep->state_versions));
	json_object_set_new(o, "checkpoints", json_integer((json_int_t)rep->checkpoints));
	json_object_set_new(o, "replay_s", json_real(rep->replay_s));
	json_object_set_new(o, "violation_count", json_integer((json_int_t)rep->violation_count));
	for (size_t i = 0; i < rep->kept; i++) {
		const gb_audit_violation *v = &rep->v[i];
		json_t *j = json_object();
		json_object_set_new(j, "kind", json_string(gb_audit_kind_name(v->kind)));
		json_object_set_new(j, "index", v->index == GB_AUDIT_NO_INDEX ? json_null()
			: json_integer((json_int_t)v->index));
		json_object_set_new(j, "code", json_string(gb_errname(v->code)));
		json_object_set_new(j, "message", json_string(v->msg));
		json_array_append_new(vs, j);
	}
	json_object_set_new(o, "violations", vs);
	return o;
}

static void report_text(const gb_audit_report *rep)
{
	char root[64];
	sodium_bin2base64(root, sizeof root, rep->root, GB_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL);
	printf("audit: %s: %" PRIu64 " entries, %" PRIu64 " audited, %" PRIu64 " replayed in %.2f s\n",
		rep->origin, rep->size, rep->audited, rep->replayed, rep->replay_s);
	printf("audit: rebuilt root %s\n", root);
	printf("audit: %" PRIu64 " stored state versions compared, %" PRIu64 " checkpoints checked\n",
		rep->state_versions, rep->checkpoints);
	for (size_t i = 0; i < rep->kept; i++) {
		const gb_audit_violation *v = &rep->v[i];
		printf("violation: %s: %s: %s\n", gb_audit_kind_name(v->kind), gb_errname(v->code), v->msg);
	}
	if (rep->violation_count > rep->kept)
		printf("violation: and %" PRIu64 " more not listed\n", rep->violation_count - rep->kept);
	if (rep->violation_count == 0)
		printf("audit: clean\n");
	else
		printf("audit: %" PRIu64 " violations\n", rep->violation_count);
}

/* The checkpoint files named by --checkpoint, read into memory. */
struct cp_files {
	gb_audit_checkpoint cps[GB_AUDIT_CHECKPOINTS_MAX];
	uint8_t *bufs[GB_AUDIT_CHECKPOINTS_MAX];
	size_t count;
};

static void cp_files_release(struct cp_files *f)
{
	for (size_t i = 0; i < f->count; i++)
		free(f->bufs[i]);
	f->count = 0;
}

static int cp_files_add(struct cp_files *f, const char *path, gb_err *err)
{
	if (f->count == GB_AUDIT_CHECKPOINTS_MAX)
		return gb_err_set(err, GB_EUSAGE, "more than %d --checkpoint files", GB_AUDIT_CHECKPOINTS_MAX);
	size_t len;
	int rc = cli_read_input(path, GB_NOTE_MAX + 1, &f->bufs[f->count], &len, err);
	if (rc != 0)
		return rc;
	f->cps[f->count] = (gb_audit_checkpoint){ path, (const char *)f->bufs[f->count], len };
	f->count++;
	return 0;
}

/* What the options asked for. */
struct audit_args {
	const char *ledger, *until, *vkey, *bundle;
	int json;
	struct cp_files files;
};

static int parse_args(int argc, char **argv, struct audit_args *a, gb_err *err)
{
	static const struct option longopts[] = {
		{ "ledger", required_argument, NULL, 'l' },
		{ "until", required_argument, NULL, 'u' },
		{ "checkpoint", required_argument, NULL, 'c' },
		{ "vkey", required_argument, NULL, 'k' },
		{ "bundle", required_argument, NULL, 'b' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	int c, rc = 0;
	optind = 1;
	while (rc == 0 && (c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'l')
			a->ledger = optarg;
		else if (c == 'u')
			a->until = optarg;
		else if (c == 'c')
			rc = cp_files_add(&a->files, optarg, err);
		else if (c == 'k')
			a->vkey = optarg;
		else if (c == 'b')
			a->bundle = optarg;
		else if (c == 'j')
			a->json = 1;
		else
			rc = gb_err_set(err, GB_EUSAGE, "unknown option");
	}
	if (rc == 0 && optind < argc)
		rc = gb_err_set(err, GB_EUSAGE, "unexpected argument '%s'", argv[optind]);
	if (rc == 0 && a->bundle != NULL && a->vkey == NULL)
		rc = gb_err_set(err, GB_EUSAGE, "--bundle needs --vkey VKEY (the log's verifier key)");
	if (rc == 0 && a->bundle != NULL && a->ledger != NULL)
		rc = gb_err_set(err, GB_EUSAGE, "give --bundle or --ledger, not both");
	return rc;
}

/* Runs the audit the arguments ask for into *rep. */
static int run_audit(struct audit_args *a, gb_audit_opts *o, gb_audit_report *rep, gb_err *err)
{
	if (a->bundle != NULL) {
		if (a->until != NULL && cli_parse_u64(a->until, &o->until) != 0)
			return gb_err_set(err, GB_EUSAGE, "--until '%s': a bundle takes an entry index", a->until);
		return gb_audit_bundle(a->bundle, o, rep, err);
	}
	const char *dir = cli_ledger_dir(a->ledger);
	if (dir == NULL)
		return gb_err_set(err, GB_EUSAGE, "want --ledger DIR (or GONGBAO_LEDGER) or --bundle FILE");
	gb_ledger_opts lo = cli_ledger_opts(1);
	gb_ledger *l;
	int rc = gb_ledger_open(dir, &lo, &l, err);
	if (rc != 0)
		return rc;
	if (a->until != NULL)
		rc = cli_resolve_as_of(l, a->until, &o->until, err);
	rc = rc ? rc : gb_audit_ledger(l, o, rep, err);
	gb_ledger_close(l);
	return rc;
}

static int audit_run(int argc, char **argv)
{
	struct audit_args a = { 0 };
	gb_err err;
	gb_err_clear(&err);
	gb_pubkey vkey;
	struct progress pg = { 0 };
	gb_audit_opts o = { .until = GB_AUDIT_NO_INDEX };
	gb_audit_report rep = { 0 };
	int rc = parse_args(argc, argv, &a, &err);
	if (rc == 0 && a.vkey != NULL && load_vkey(a.vkey, &vkey, &err) != 0)
		rc = err.code;
	if (rc == 0) {
		o.checkpoints = a.files.cps;
		o.checkpoint_count = a.files.count;
		o.vkey = a.vkey ? &vkey : NULL;
		clock_gettime(CLOCK_MONOTONIC, &pg.t0);
		if (isatty(STDERR_FILENO)) {
			o.progress = show_progress;
			o.progress_arg = &pg;
		}
		rc = run_audit(&a, &o, &rep, &err);
	}
	cp_files_release(&a.files);
	if (rc == GB_EUSAGE)
		return cli_usage("audit", "%s", err.msg);
	if (rc != 0) {
		gb_audit_report_release(&rep);
		return cli_fail(&err);
	}
	if (a.json) {
		json_t *j = report_json(&rep);
		cli_print_json(j, 0);
		json_decref(j);
	} else {
		report_text(&rep);
	}
	rc = rep.violation_count ? CLI_FAIL : CLI_OK;
	gb_audit_report_release(&rep);
	return rc;
}

const struct cli_cmd cli_cmd_audit = {
	"audit", "replay the ledger (or a bundle) from entry 0 and compare everything",
	"Usage: gongbao audit [--ledger DIR] [--until INDEX|YYYY-MM-DD] [--checkpoint FILE ...]\n"
	"                     [--vkey VKEY] [--json]\n"
	"       gongbao audit --bundle FILE --vkey VKEY [--until INDEX] [--checkpoint FILE ...] [--json]\n"
	"\n"
	"Replays every entry from entry 0 into a fresh ledger in a temporary directory\n"
	"through the same pipeline as any append: encoding, canonical form, signatures\n"
	"(on all cores), key validity, authority, rules and invariants; entry times are\n"
	"not held against a clock. The replay stops at the first entry it rejects.\n"
	"Then it compares each stored entry with its stored leaf hash, every stored tree\n"
	"hash and the root with the rebuilt ones, every stored state version with the\n"
	"rebuilt one (both ways), and each signed checkpoint (--checkpoint, and a\n"
	"bundle's own) with the rebuilt root at its size. spec/AUDIT.md has the details.\n"
	"\n"
	"Output: a summary, then one line per violation:\n"
	"  violation: KIND: GB_CODE: message\n"
	"KIND is entry, replay, tree, state or checkpoint; the message names the entry\n"
	"index or state key and what was expected. The last line is 'audit: clean' or\n"
	"'audit: N violations'. With --json: {origin, size, audited, replayed, root,\n"
	"state_versions, checkpoints, replay_s, violation_count, violations: [{kind,\n"
	"index, code, message}]}. Progress goes to stderr when it is a terminal.\n"
	"\n"
	"Options:\n"
	"  --until INDEX|DATE  audit entries 0 .. INDEX (or up to the last entry of that\n"
	"                      UTC day) only\n"
	"  --checkpoint FILE   a signed checkpoint to check (repeatable, up to 64)\n"
	"  --vkey VKEY         the key checkpoints must be signed with (the text or a file\n"
	"                      holding it); default the ledger's log key; required with\n"
	"                      --bundle\n"
	"  --bundle FILE       audit a bundle written by 'gongbao export --bundle'\n"
	"  --json              machine-readable JSON\n"
	"  --ledger DIR        the ledger (else $GONGBAO_LEDGER)\n"
	"\n"
	"Exit status: 0 clean, 1 any violation (or the audit could not run), 2 usage.\n",
	audit_run,
};

/* Writes the bundle: the checkpoint signed now with key_path, or read from checkpoint_path. */
static int export_bundle(const char *ledger_opt, const char *path, const char *key_path,
	const char *checkpoint_path)
{
	if ((key_path == NULL) == (checkpoint_path == NULL))
		return cli_usage("export", "--bundle needs --key LOG.sec (sign a checkpoint now) or --checkpoint FILE");
	gb_ledger *l;
	int rc = cli_open_ledger("export", ledger_opt, 1, &l);
	if (rc != CLI_OK)
		return rc;
	gb_err err;
	gb_err_clear(&err);
	char *note = malloc(GB_NOTE_MAX + 1);
	size_t note_len = 0;
	rc = note == NULL ? gb_err_set(&err, GB_ENOMEM, "out of memory") : 0;
	if (rc == 0 && key_path != NULL) {
		gb_seckey key;
		rc = cli_load_key(key_path, &key, &err);
		rc = rc ? rc : gb_ledger_checkpoint(l, &key, note, GB_NOTE_MAX + 1, &note_len, &err);
		sodium_memzero(&key, sizeof key);
	} else if (rc == 0) {
		uint8_t *buf;
		rc = cli_read_input(checkpoint_path, GB_NOTE_MAX, &buf, &note_len, &err);
		if (rc == 0) {
			memcpy(note, buf, note_len);
			free(buf);
		}
	}
	rc = rc ? rc : gb_bundle_write(l, note, note_len, path, &err);
	free(note);
	gb_ledger_close(l);
	return rc ? cli_fail(&err) : CLI_OK;
}

int cli_export_bundle(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ledger", required_argument, NULL, 'l' },
		{ "bundle", required_argument, NULL, 'b' },
		{ "key", required_argument, NULL, 'k' },
		{ "checkpoint", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 }
	};
	int wanted = 0;
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		wanted |= strcmp(argv[i], "--bundle") == 0 || strncmp(argv[i], "--bundle=", 9) == 0;
	if (!wanted)
		return -1;
	const char *ledger = NULL, *bundle = NULL, *key = NULL, *cp = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'l')
			ledger = optarg;
		else if (c == 'b')
			bundle = optarg;
		else if (c == 'k')
			key = optarg;
		else if (c == 'c')
			cp = optarg;
		else
			return cli_usage("export", "--bundle takes only --ledger, --key and --checkpoint");
	}
	if (optind != argc)
		return cli_usage("export", "unexpected argument '%s'", argv[optind]);
	return export_bundle(ledger, bundle, key, cp);
}
