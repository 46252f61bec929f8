/*
 * cmd_witness.c: gongbao witness, a C2SP tlog-witness over HTTP
 * (gongbao/witness.h, gongbao/witness_http.h, spec/WITNESS.md).
 */
#include <assert.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gongbao/witness.h"
#include "gongbao/witness_http.h"

/* Parses one --log VKEY: the log's checkpoint key, named by its origin. */
static int parse_log(const char *vkey, gb_witness_log *lg, gb_err *err)
{
	assert(vkey != NULL && lg != NULL);
	memset(lg, 0, sizeof *lg);
	if (gb_vkey_parse(&lg->key, vkey, err) != 0)
		return gb_err_prefix(err, GB_EVKEY, "--log '%.64s': ", vkey);
	if (lg->key.alg != GB_ALG_ED25519)
		return gb_err_set(err, GB_EVKEY, "--log '%s': a log's checkpoint key has alg 0x01, "
			"not 0x%02x", lg->key.name, lg->key.alg);
	_Static_assert(sizeof lg->origin > GB_NAME_MAX, "a key name fits an origin");
	memcpy(lg->origin, lg->key.name, strlen(lg->key.name) + 1);
	return 0;
}

/* Witnesses until SIGTERM or SIGINT, then stops cleanly. */
static int witness(const char *key_path, const char *state, const gb_witness_log *logs,
	size_t count, const gb_listen_addr *addr)
{
	assert(key_path != NULL && state != NULL);
	gb_err err;
	gb_seckey key;
	if (cli_load_key(key_path, &key, &err) != 0)
		return cli_fail(&err);
	gb_witness *w = NULL;
	int rc = gb_witness_open(state, &key, logs, count, &w, &err);
	gb_seckey_wipe(&key);
	if (rc != 0)
		return cli_fail(&err);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* the server's threads inherit it */
	gb_witness_http_config cfg = { .listen = *addr };
	gb_witness_http *s = NULL;
	if (gb_witness_http_start(&cfg, w, &s, &err) != 0) {
		gb_witness_close(w);
		return cli_fail(&err);
	}
	char text[GB_LISTEN_TEXT_MAX], vkey[GB_VKEY_MAX];
	gb_listen_format(addr, addr->port, text);
	gb_vkey_format(gb_witness_key(w), vkey);
	fprintf(stderr, "gongbao witness: listening on http://%s/ as %s, %zu log%s, state in %s\n",
		text, vkey, count, count == 1 ? "" : "s", state);
	int sig = 0;
	sigwait(&set, &sig);
	fprintf(stderr, "gongbao witness: signal %d: finishing the requests in flight\n", sig);
	gb_witness_http_stop(s);
	gb_witness_close(w);
	fprintf(stderr, "gongbao witness: stopped\n");
	return CLI_OK;
}

static int witness_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "state", required_argument, NULL, 's' },
		{ "log", required_argument, NULL, 'g' },
		{ "listen", required_argument, NULL, 'a' },
		{ "public", no_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	static gb_witness_log logs[GB_WITNESS_LOGS_MAX];
	const char *key_path = NULL, *state = NULL, *listen = "127.0.0.1:8421";
	size_t count = 0;
	int public = 0, c;
	gb_err err;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'k': key_path = optarg; break;
		case 's': state = optarg; break;
		case 'a': listen = optarg; break;
		case 'p': public = 1; break;
		case 'g':
			if (count == GB_WITNESS_LOGS_MAX)
				return cli_usage("witness", "at most %d --log", GB_WITNESS_LOGS_MAX);
			if (parse_log(optarg, &logs[count], &err) != 0)
				return cli_usage("witness", "%s", err.msg);
			count++;
			break;
		default: return cli_usage("witness", "unknown option");
		}
	}
	if (key_path == NULL || state == NULL || count == 0 || optind != argc)
		return cli_usage("witness", "want --key FILE --state DIR and at least one --log VKEY");
	gb_listen_addr addr;
	if (gb_listen_parse(listen, &addr) != 0)
		return cli_usage("witness", "--listen '%s': want IPV4:PORT or [IPV6]:PORT", listen);
	if (!public && !gb_listen_is_loopback(&addr))
		return cli_usage("witness", "--listen '%s' is not a loopback address: add --public", listen);
	return witness(key_path, state, logs, count, &addr);
}

const struct cli_cmd cli_cmd_witness = {
	"witness", "cosign the checkpoints of logs that prove they only grow (C2SP tlog-witness)",
	"Usage: gongbao witness --key W.sec --state DIR --log VKEY [--log VKEY ...]\n"
	"                       [--listen ADDR] [--public]\n"
	"\n"
	"Serves c2sp.org/tlog-witness over HTTP/1.1 until SIGTERM or SIGINT (which\n"
	"finish the requests in flight and exit 0). A log (gongbao serve --witness URL)\n"
	"POSTs to URL/add-checkpoint a body of\n"
	"  old SIZE                the size this witness last cosigned for the log (0 at first)\n"
	"  BASE64 ...              0 to 63 lines: the consistency proof from SIZE to the\n"
	"                          checkpoint's size (none when SIZE is 0 or equal)\n"
	"  (an empty line)\n"
	"  the checkpoint          a signed note, signed by the log's --log key\n"
	"and gets back, when the checkpoint is signed by the log and extends what this\n"
	"witness cosigned before, its cosignature line '\\u2014 NAME BASE64' (200,\n"
	"cosignature/v1, c2sp.org/tlog-cosignature), after the new size is written to\n"
	"DIR. Otherwise nothing is cosigned and the answer is 'GB_NAME: message':\n"
	"  400 a malformed body, note or checkpoint, or SIZE over the checkpoint's size\n"
	"  403 no valid signature by the log's key     404 a log not given by --log\n"
	"  409 SIZE is not the size last cosigned: the body is that size and a newline,\n"
	"      Content-Type text/x.tlog.size (ask again with it)\n"
	"  409 GB_ESPLITVIEW: the same size as the checkpoint cosigned, another root: the\n"
	"      log signed two histories. The request is kept in DIR as evidence\n"
	"      (DIR/HEX.splitview.*) and logged with SPLIT VIEW on stderr\n"
	"  413 a body over 19245 bytes   422 the consistency proof does not verify\n"
	"  500 the state could not be written\n"
	"One access log line per request on stderr (METHOD PATH STATUS BYTES MS), and\n"
	"the reason of every refusal. Limits: 64 connections (16 per address), 10 s\n"
	"idle, 30 s per request.\n"
	"\n"
	"DIR keeps, per log, the last checkpoint cosigned (DIR/HEX, HEX the SHA-256 of\n"
	"the origin; spec/WITNESS.md). Keep it: a witness that loses it could cosign a\n"
	"rolled-back tree. A damaged state file stops the witness (GB_ECORRUPT names\n"
	"it); it is never reset. One witness process per DIR (DIR/lock).\n"
	"\n"
	"  --key FILE       the witness's cosigning key (gongbao keygen --witness;\n"
	"                   passphrase from GONGBAO_PASSPHRASE), loaded once\n"
	"  --state DIR      the state directory (made, mode 0700, if missing)\n"
	"  --log VKEY       a log to witness: its checkpoint verifier key (gongbao vkey\n"
	"                   on the log's machine), whose name is the log's origin;\n"
	"                   repeat for each log, at most 64\n"
	"  --listen ADDR    IPV4:PORT or [IPV6]:PORT (default 127.0.0.1:8421; [::] takes\n"
	"                   IPv4 too); loopback only unless --public\n"
	"\n"
	"Example:\n"
	"  gongbao keygen --witness --name zs-eb-witness --out w.sec   # vkey for the charter\n"
	"  gongbao witness --key w.sec --state /srv/witness --log \"$(gongbao vkey)\"\n",
	witness_run,
};
