/*
 * cli.h: what the gongbao commands share: option parsing help, input,
 * passphrases, key files, ledger opening, output, and error reporting.
 *
 * Exit status of every command: 0 success, 1 the operation failed (the
 * message names the GB_E* code), 2 bad usage.
 */
#ifndef GONGBAO_CLI_H
#define GONGBAO_CLI_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "gongbao/client.h"
#include "gongbao/error.h"
#include "gongbao/keys.h"
#include "gongbao/ledger.h"
#include "gongbao/report.h"

#define CLI_OK 0
#define CLI_FAIL 1
#define CLI_USAGE 2

/* Largest file the commands read as input (JSON bodies, entries, proofs, notes). */
#define CLI_INPUT_MAX (1 << 20)

/* A command: its name, a one-line summary, its help text and its body. */
struct cli_cmd {
	const char *name;
	const char *summary;
	const char *help;
	int (*run)(int argc, char **argv);
};

extern const struct cli_cmd cli_cmd_keygen, cli_cmd_vkey, cli_cmd_init, cli_cmd_post,
	cli_cmd_append, cli_cmd_get, cli_cmd_log, cli_cmd_checkpoint, cli_cmd_prove,
	cli_cmd_verify, cli_cmd_show;
extern const struct cli_cmd cli_cmd_undercut;
extern const struct cli_cmd cli_cmd_reconcile, cli_cmd_export;
extern const struct cli_cmd cli_cmd_coverage;
extern const struct cli_cmd cli_cmd_audit;
extern const struct cli_cmd cli_cmd_serve;
extern const struct cli_cmd cli_cmd_mirror;
extern const struct cli_cmd cli_cmd_witness;

/*
 * `gongbao export --bundle FILE [--ledger DIR] (--key LOG.sec | --checkpoint
 * FILE)` (in cmd_audit.c): if argv holds --bundle, writes a portable bundle
 * of the ledger (gongbao/bundle.h) with a checkpoint signed now with the
 * log key, or the given signed checkpoint, and returns CLI_OK, CLI_FAIL or
 * CLI_USAGE; without --bundle returns -1 and does nothing.
 */
int cli_export_bundle(int argc, char **argv);

/* Prints "gongbao: GB_NAME: message" on stderr; returns CLI_FAIL. */
int cli_fail(const gb_err *err);

/* Prints "gongbao CMD: message" and a pointer to --help; returns CLI_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Returns 1 if argv holds -h or --help (before any "--"). */
int cli_wants_help(int argc, char **argv);

/* Prints a command's help on stdout; returns CLI_OK. */
int cli_help(const struct cli_cmd *cmd);

/*
 * Reads a whole file, or stdin for "-", up to `max` bytes, into a new
 * buffer (NUL-terminated for convenience; *len excludes the NUL).
 */
int cli_read_input(const char *path, size_t max, uint8_t **buf, size_t *len, gb_err *err);

/*
 * Reads and decrypts the key file at `path`; the passphrase comes from
 * GONGBAO_PASSPHRASE or else a prompt on the terminal naming the file.
 */
int cli_load_key(const char *path, gb_seckey *key, gb_err *err);

/* Gets a new passphrase for `path`: from GONGBAO_PASSPHRASE, or asked twice. */
int cli_new_passphrase(const char *path, char *buf, size_t cap, size_t *len, gb_err *err);

/* The ledger directory: the option's value, else $GONGBAO_LEDGER, else NULL. */
const char *cli_ledger_dir(const char *opt);

/* Options for opening a ledger (map size from GONGBAO_MAP_SIZE). */
gb_ledger_opts cli_ledger_opts(int rdonly);

/*
 * Opens the ledger named by the --ledger value `opt` or GONGBAO_LEDGER,
 * printing any error. Returns CLI_OK, CLI_FAIL or CLI_USAGE (for `cmd`).
 */
int cli_open_ledger(const char *cmd, const char *opt, int rdonly, gb_ledger **l);

/*
 * Where a command reads and writes: a local ledger (--ledger DIR or
 * GONGBAO_LEDGER) or a server (--server URL), exactly one of the two.
 */
struct cli_target {
	gb_ledger *ledger;
	gb_client *client;
};

/*
 * Opens --server `server_opt` if given (with --ledger too: usage error),
 * else the ledger as cli_open_ledger. Returns CLI_OK, CLI_FAIL or CLI_USAGE.
 */
int cli_open_target(const char *cmd, const char *ledger_opt, const char *server_opt, int rdonly,
	struct cli_target *t);

void cli_close_target(struct cli_target *t);

/* Appends one signed entry to the target (through the server's POST /v1/entries). */
int cli_target_append(struct cli_target *t, const uint8_t *entry, size_t len, gb_append_result *res,
	gb_err *err);

/* Copies entry `index` of the target into a new buffer (the caller frees it). */
int cli_target_get(struct cli_target *t, uint64_t index, uint8_t **p, size_t *len, gb_err *err);

/* The consortium id of the target's charter, into out (GB_ID_MAX + 1 bytes). */
int cli_target_consortium(struct cli_target *t, char *out, gb_err *err);

/* The clock: GONGBAO_CLOCK if set, else the system's (Unix seconds). */
uint64_t cli_now(void);

/* Parses a decimal uint64 argument; returns 0 or -1. */
int cli_parse_u64(const char *s, uint64_t *out);

/* Standard base64 of n bytes into a new JSON string. */
json_t *cli_json_b64(const uint8_t *p, size_t n);

/*
 * Resolves an --as-of value: an integer is an entry index (< the log's
 * size; GB_ERANGE past it), a YYYY-MM-DD date the last entry on or before
 * that UTC day (GB_ENOTFOUND before the first entry), NULL the newest entry.
 * GB_EUSAGE for anything else (print it with cli_usage).
 */
int cli_resolve_as_of(gb_ledger *l, const char *s, uint64_t *index, gb_err *err);

/*
 * Gets the report q asks for (kind, id, undercut parameters) as JSON, as of
 * --as-of's value `as_of_opt` (NULL: the newest entry): from the ledger
 * --ledger or GONGBAO_LEDGER names, or with `server_url` from that gongbao
 * server (the same JSON, spec/API.md). Prints any error for `cmd`; returns
 * CLI_OK with *out the report (the caller owns it), CLI_FAIL or CLI_USAGE.
 */
int cli_report_get(const char *cmd, const char *ledger_opt, const char *server_url, const char *as_of_opt,
	gb_report_req *q, json_t **out);

/* Prints a report as --json prints it (gb_report_dumps). */
void cli_print_report(const json_t *report);

/* A report's string member `key`, or "?" if it has none (a server's report may lack it). */
const char *cli_jstr(const json_t *o, const char *key);

/* A report's integer member `key`, or 0 if it has none. */
int64_t cli_jint(const json_t *o, const char *key);

/* Prints a JSON value on stdout, compact (one line) or indented. */
void cli_print_json(const json_t *v, int compact);

#endif
