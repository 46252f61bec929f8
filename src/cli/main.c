/*
 * main.c: the gongbao program: dispatch, and the helpers all commands share.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "gongbao/entry.h"
#include "gongbao/report.h"

#define GONGBAO_VERSION "0.1.0"

static const struct cli_cmd *const commands[] = {
	&cli_cmd_keygen, &cli_cmd_vkey, &cli_cmd_init, &cli_cmd_post, &cli_cmd_append,
	&cli_cmd_get, &cli_cmd_log, &cli_cmd_show, &cli_cmd_checkpoint, &cli_cmd_prove, &cli_cmd_verify,
	&cli_cmd_undercut,
	&cli_cmd_coverage,
	&cli_cmd_audit,
	&cli_cmd_reconcile, &cli_cmd_export,
	&cli_cmd_serve,
	&cli_cmd_mirror,
	&cli_cmd_witness,
};
#define COMMANDS_COUNT (sizeof commands / sizeof commands[0])

int cli_fail(const gb_err *err)
{
	fprintf(stderr, "gongbao: %s: %s\n", gb_errname(err->code),
		err->msg[0] ? err->msg : gb_strerror(err->code));
	return CLI_FAIL;
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "gongbao %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'gongbao %s --help'.\n", cmd);
	return CLI_USAGE;
}

int cli_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return 0;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return 1;
	}
	return 0;
}

int cli_help(const struct cli_cmd *cmd)
{
	fputs(cmd->help, stdout);
	return CLI_OK;
}

int cli_read_input(const char *path, size_t max, uint8_t **buf, size_t *len, gb_err *err)
{
	int is_stdin = strcmp(path, "-") == 0;
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	if (f == NULL)
		return gb_err_set(err, GB_EIO, "cannot open '%s': %s", path, strerror(errno));
	uint8_t *p = malloc(max + 1);
	if (p == NULL) {
		if (!is_stdin)
			fclose(f);
		return gb_err_set(err, GB_ENOMEM, "out of memory reading '%s'", path);
	}
	size_t n = fread(p, 1, max + 1, f);
	int bad = ferror(f);
	if (!is_stdin)
		fclose(f);
	if (bad || n > max) {
		free(p);
		return bad ? gb_err_set(err, GB_EIO, "cannot read '%s'", path)
			   : gb_err_set(err, GB_ETOOBIG, "'%s' is larger than %zu bytes", path, max);
	}
	p[n] = '\0';
	*buf = p;
	*len = n;
	return 0;
}

/* Reads one line from the terminal without echo. */
static int prompt(const char *question, char *buf, size_t cap, size_t *len, gb_err *err)
{
	FILE *tty = fopen("/dev/tty", "r+");
	if (tty == NULL)
		return gb_err_set(err, GB_EPASSPHRASE,
			"no passphrase: set GONGBAO_PASSPHRASE or run on a terminal");
	struct termios old, quiet;
	int have_termios = tcgetattr(fileno(tty), &old) == 0;
	if (have_termios) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
	}
	fprintf(tty, "%s", question);
	fflush(tty);
	char *got = fgets(buf, (int)cap, tty);
	if (have_termios)
		tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fprintf(tty, "\n");
	fclose(tty);
	if (got == NULL)
		return gb_err_set(err, GB_EPASSPHRASE, "no passphrase given");
	*len = strcspn(buf, "\r\n");
	buf[*len] = '\0';
	return 0;
}

static int passphrase_from_env(char *buf, size_t cap, size_t *len, gb_err *err)
{
	const char *env = getenv("GONGBAO_PASSPHRASE");
	if (env == NULL)
		return 1;
	*len = strlen(env);
	if (*len >= cap)
		return gb_err_set(err, GB_EPASSPHRASE, "GONGBAO_PASSPHRASE is longer than %zu bytes", cap - 1);
	memcpy(buf, env, *len + 1);
	return 0;
}

int cli_load_key(const char *path, gb_seckey *key, gb_err *err)
{
	char pass[GB_PASSPHRASE_MAX + 2];
	size_t len = 0;
	int rc = passphrase_from_env(pass, sizeof pass, &len, err);
	if (rc == 1) {
		char question[4200];
		snprintf(question, sizeof question, "Passphrase for %s: ", path);
		rc = prompt(question, pass, sizeof pass, &len, err);
	}
	if (rc == 0)
		rc = gb_keyfile_read(path, pass, len, key, err);
	sodium_memzero(pass, sizeof pass);
	return rc;
}

int cli_new_passphrase(const char *path, char *buf, size_t cap, size_t *len, gb_err *err)
{
	int rc = passphrase_from_env(buf, cap, len, err);
	if (rc != 1)
		return rc;
	char again[GB_PASSPHRASE_MAX + 2];
	size_t again_len = 0;
	char question[4200];
	snprintf(question, sizeof question, "New passphrase for %s: ", path);
	rc = prompt(question, buf, cap, len, err);
	if (rc == 0)
		rc = prompt("Same passphrase again: ", again, sizeof again, &again_len, err);
	if (rc == 0 && (again_len != *len || memcmp(again, buf, *len) != 0))
		rc = gb_err_set(err, GB_EPASSPHRASE, "the two passphrases differ");
	sodium_memzero(again, sizeof again);
	return rc;
}

const char *cli_ledger_dir(const char *opt)
{
	if (opt != NULL)
		return opt;
	const char *env = getenv("GONGBAO_LEDGER");
	return env != NULL && env[0] != '\0' ? env : NULL;
}

gb_ledger_opts cli_ledger_opts(int rdonly)
{
	gb_ledger_opts opts = { .rdonly = rdonly };
	uint64_t bytes;
	const char *env = getenv("GONGBAO_MAP_SIZE");
	if (env != NULL && cli_parse_u64(env, &bytes) == 0)
		opts.map_bytes = (size_t)bytes;
	uint64_t clock;
	env = getenv("GONGBAO_CLOCK");
	if (env != NULL && cli_parse_u64(env, &clock) == 0)
		opts.clock_s = clock;
	return opts;
}

int cli_open_ledger(const char *cmd, const char *opt, int rdonly, gb_ledger **l)
{
	const char *dir = cli_ledger_dir(opt);
	if (dir == NULL)
		return cli_usage(cmd, "want --ledger DIR (or GONGBAO_LEDGER)");
	gb_ledger_opts opts = cli_ledger_opts(rdonly);
	gb_err err;
	if (gb_ledger_open(dir, &opts, l, &err) != 0)
		return cli_fail(&err);
	return CLI_OK;
}

int cli_open_target(const char *cmd, const char *ledger_opt, const char *server_opt, int rdonly,
	struct cli_target *t)
{
	gb_err err;
	assert(cmd != NULL && t != NULL);
	memset(t, 0, sizeof *t);
	if (server_opt == NULL)
		return cli_open_ledger(cmd, ledger_opt, rdonly, &t->ledger);
	if (ledger_opt != NULL)
		return cli_usage(cmd, "--ledger and --server exclude each other");
	if (gb_client_open(server_opt, &t->client, &err) != 0)
		return cli_usage(cmd, "%s", err.msg);
	return CLI_OK;
}

void cli_close_target(struct cli_target *t)
{
	assert(t != NULL);
	gb_ledger_close(t->ledger);
	gb_client_close(t->client);
	memset(t, 0, sizeof *t);
}

int cli_target_append(struct cli_target *t, const uint8_t *entry, size_t len, gb_append_result *res,
	gb_err *err)
{
	gb_bytes in = { entry, len };
	assert(t != NULL && res != NULL);
	if (t->ledger != NULL)
		return gb_ledger_append(t->ledger, &in, 1, res, err);
	int code;
	char msg[1][GB_ERR_MSG_MAX];
	int rc = gb_client_append(t->client, &in, 1, res, &code, msg, err);
	if (rc == 0 && code != 0)
		rc = gb_err_set(err, code, "server: %s", msg[0]);
	return rc;
}

int cli_target_get(struct cli_target *t, uint64_t index, uint8_t **p, size_t *len, gb_err *err)
{
	assert(t != NULL && p != NULL && len != NULL);
	if (t->ledger != NULL)
		return gb_ledger_get(t->ledger, index, p, len, err);
	if (index == UINT64_MAX)
		return gb_err_set(err, GB_ERANGE, "entry %llu: out of range", (unsigned long long)index);
	uint8_t *buf;
	gb_bytes e;
	int rc = gb_client_entries(t->client, index, index + 1, &buf, &e, err);
	if (rc != 0)
		return rc;
	memmove(buf, e.ptr, e.len); /* the entry alone, at the start of its buffer */
	*p = buf;
	*len = e.len;
	return 0;
}

int cli_target_consortium(struct cli_target *t, char *out, gb_err *err)
{
	assert(t != NULL && out != NULL);
	if (t->ledger != NULL) {
		snprintf(out, GB_ID_MAX + 1, "%s", gb_ledger_roster(t->ledger)->consortium);
		return 0;
	}
	uint8_t *p;
	size_t len;
	gb_entry e;
	int rc = cli_target_get(t, 0, &p, &len, err);
	if (rc != 0)
		return rc;
	if ((rc = gb_entry_decode(p, len, &e, err)) == 0 && e.consortium.len > GB_ID_MAX)
		rc = gb_err_set(err, GB_ENET, "%s: the charter's consortium is over %d bytes",
			gb_client_url(t->client), GB_ID_MAX);
	if (rc == 0) {
		memcpy(out, e.consortium.ptr, e.consortium.len);
		out[e.consortium.len] = '\0';
	}
	free(p);
	return rc;
}

uint64_t cli_now(void)
{
	gb_ledger_opts opts = cli_ledger_opts(0);
	return opts.clock_s ? opts.clock_s : (uint64_t)time(NULL);
}

int cli_parse_u64(const char *s, uint64_t *out)
{
	if (s == NULL || s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

json_t *cli_json_b64(const uint8_t *p, size_t n)
{
	char b64[256];
	if (sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL) > sizeof b64)
		return NULL;
	sodium_bin2base64(b64, sizeof b64, p, n, sodium_base64_VARIANT_ORIGINAL);
	return json_string(b64);
}

void cli_print_json(const json_t *v, int compact)
{
	char *s = json_dumps(v, (compact ? JSON_COMPACT : JSON_INDENT(2)) | JSON_PRESERVE_ORDER);
	if (s != NULL) {
		puts(s);
		free(s);
	}
}

static void print_overview(FILE *f)
{
	fprintf(f,
		"gongbao: the signed, append-only ledger of a co-insurance consortium.\n\n"
		"Usage: gongbao COMMAND [OPTIONS] [ARGS]\n\n"
		"Commands:\n");
	for (size_t i = 0; i < COMMANDS_COUNT; i++)
		fprintf(f, "  %-11s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(f,
		"\n'gongbao COMMAND --help' explains a command, its options and its output.\n"
		"Environment: GONGBAO_LEDGER (default --ledger), GONGBAO_PASSPHRASE (key files),\n"
		"GONGBAO_MAP_SIZE (LMDB map size in bytes, default 16 GiB), GONGBAO_CLOCK (the\n"
		"clock entries' times are checked against, Unix seconds; for tests and loading\n"
		"historical records; default the system clock).\n"
		"Exit status: 0 success, 1 failure (the message names the GB_E* code), 2 bad usage.\n");
}

int main(int argc, char **argv)
{
	if (sodium_init() < 0) {
		fprintf(stderr, "gongbao: libsodium failed to initialise\n");
		return CLI_FAIL;
	}
	if (argc < 2) {
		print_overview(stderr);
		return CLI_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		print_overview(stdout);
		return CLI_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("gongbao %s\n", GONGBAO_VERSION);
		return CLI_OK;
	}
	for (size_t i = 0; i < COMMANDS_COUNT; i++) {
		if (strcmp(argv[1], commands[i]->name) != 0)
			continue;
		if (cli_wants_help(argc - 1, argv + 1))
			return cli_help(commands[i]);
		return commands[i]->run(argc - 1, argv + 1);
	}
	fprintf(stderr, "gongbao: unknown command '%s'\n", argv[1]);
	print_overview(stderr);
	return CLI_USAGE;
}

/* Resolves --as-of through gb_report_as_of; a malformed value is GB_EUSAGE. */
int cli_resolve_as_of(gb_ledger *l, const char *s, uint64_t *index, gb_err *err)
{
	assert(err != NULL);
	int rc = gb_report_as_of(l, s, index, err);
	if (rc == GB_EINVAL) {
		gb_err_prefix(err, rc, "--");
		err->code = rc = GB_EUSAGE;
	} else if (rc == GB_ERANGE) {
		gb_err_prefix(err, rc, "--");
	}
	return rc;
}
