/*
 * cmd_serve.c: gongbao serve, the ledger over HTTP (gongbao/server.h).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "gongbao/server.h"

/* Loads the log key: --log-key, else DIR/log.sec if it exists. 0, 1 (none) or a code. */
static int load_log_key(const char *dir, const char *path, gb_seckey *key, gb_err *err)
{
	char def[4200];
	if (path == NULL) {
		snprintf(def, sizeof def, "%s/log.sec", dir);
		if (access(def, F_OK) != 0)
			return 1;
		path = def;
	}
	return cli_load_key(path, key, err);
}

/* The --witness URLs. */
struct witnesses {
	const char *url[GB_SERVER_WITNESSES_MAX];
	size_t count;
};

/* Serves until SIGTERM or SIGINT, then stops cleanly. */
static int serve(const char *dir, gb_server_config *cfg, const char *listen, const char *key_path,
	const struct witnesses *wit)
{
	gb_err err;
	gb_seckey key;
	int rc = load_log_key(dir, key_path, &key, &err);
	if (rc < 0)
		return cli_fail(&err);
	gb_ledger *l;
	int orc = cli_open_ledger("serve", dir, 0, &l);
	if (orc != CLI_OK) {
		gb_seckey_wipe(&key);
		return orc;
	}
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* the server's threads inherit it */
	cfg->log_key = rc == 0 ? &key : NULL;
	cfg->witness_urls = wit->url;
	cfg->witness_count = wit->count;
	gb_server *s;
	rc = gb_server_start(cfg, l, &s, &err);
	cfg->log_key = NULL;
	gb_seckey_wipe(&key);
	if (rc != 0) {
		gb_ledger_close(l);
		return cli_fail(&err);
	}
	fprintf(stderr, "gongbao serve: listening on http://%s/ (%s)\n", listen, dir);
	int sig = 0;
	sigwait(&set, &sig);
	fprintf(stderr, "gongbao serve: signal %d: finishing what is queued\n", sig);
	gb_server_stop(s);
	gb_ledger_close(l);
	fprintf(stderr, "gongbao serve: stopped\n");
	return CLI_OK;
}

static int serve_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ledger", required_argument, NULL, 'l' },
		{ "listen", required_argument, NULL, 'a' },
		{ "log-key", required_argument, NULL, 'k' },
		{ "public", no_argument, NULL, 'p' },
		{ "witness", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	struct witnesses wit = { .count = 0 };
	const char *ledger_opt = NULL, *listen = "127.0.0.1:8080", *key_path = NULL;
	int public = 0, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'l': ledger_opt = optarg; break;
		case 'a': listen = optarg; break;
		case 'k': key_path = optarg; break;
		case 'p': public = 1; break;
		case 'w':
			if (wit.count == GB_SERVER_WITNESSES_MAX)
				return cli_usage("serve", "at most %d --witness", GB_SERVER_WITNESSES_MAX);
			wit.url[wit.count++] = optarg;
			break;
		default: return cli_usage("serve", "unknown option");
		}
	}
	const char *dir = cli_ledger_dir(ledger_opt);
	if (dir == NULL || optind != argc)
		return cli_usage("serve", "want --ledger DIR (or GONGBAO_LEDGER)");
	gb_server_config cfg = { 0 };
	if (gb_listen_parse(listen, &cfg.listen) != 0)
		return cli_usage("serve", "--listen '%s': want IPV4:PORT or [IPV6]:PORT", listen);
	if (!public && !gb_listen_is_loopback(&cfg.listen))
		return cli_usage("serve", "--listen '%s' is not a loopback address: add --public", listen);
	return serve(dir, &cfg, listen, key_path, &wit);
}

const struct cli_cmd cli_cmd_serve = {
	"serve", "serve the ledger over HTTP (entries in; checkpoints, entries, proofs and reports out)",
	"Usage: gongbao serve [--ledger DIR] [--listen IP:PORT|[IPV6]:PORT] [--log-key FILE.sec] [--public]\n"
	"                     [--witness URL ...]\n"
	"\n"
	"Serves the ledger over HTTP/1.1 until SIGTERM or SIGINT, which stop accepting\n"
	"connections, answer what is in flight, commit what is queued and exit 0.\n"
	"spec/API.md describes every endpoint exactly.\n"
	"  POST /v1/entries       a signed entry (Content-Type application/msgpack), a\n"
	"                         MessagePack array of bin entries (at most 16384, 1 MiB),\n"
	"                         or one entry as application/json {\"entry\": \"<base64>\"}\n"
	"                         -> {\"index\": N, \"duplicate\": bool} (an array for a batch)\n"
	"  GET /v1/checkpoint     the signed checkpoint (needs the log key); with --witness,\n"
	"                         the one of the last cosigning round, with the witnesses'\n"
	"                         cosignatures (it may lag the log by the entries committed\n"
	"                         since that round began)\n"
	"  GET /v1/entries?start=S&end=E   entries [S, E), at most 1000, MessagePack array of bin\n"
	"  GET /v1/proof/inclusion?index=I&size=N, /v1/proof/consistency?size1=M&size2=N\n"
	"                         JSON as 'gongbao prove'\n"
	"  GET /v1/health         {\"size\": N}\n"
	"  GET /v1/member?id=ID, /v1/policy?id=NO, /v1/claim?id=ID, /v1/account?id=NAME,\n"
	"      /v1/fund, /v1/members, /v1/reconcile, /v1/undercut (with loss_ratio_bps=,\n"
	"      expense_bps=, credibility_k=, member_bps=), each with an optional\n"
	"      as_of=INDEX|YYYY-MM-DD: exactly what 'gongbao show|reconcile|undercut\n"
	"      --json' print for this ledger (404 unknown id, 400 bad arguments)\n"
	"Errors: {\"code\": \"GB_...\", \"message\": \"...\"} with 400 (malformed or badly signed,\n"
	"bad arguments), 409 (GB_EIDREUSE, GB_ESTATE), 422 (other rule failures), 413 (too\n"
	"big), 404, 405, 415, 503 (queue full). Entries are answered only after their\n"
	"durable commit; concurrent posts share commits. One access log line per request\n"
	"on stderr: METHOD PATH STATUS BYTES MS (status 0: closed without an answer).\n"
	"\n"
	"Limits: 256 connections; an idle connection is closed after 30 s; a request\n"
	"that has not arrived whole (line, headers, body) 60 s after its connection was\n"
	"accepted or its previous answer sent is cut off without an answer, however\n"
	"steadily its bytes come; at most 4096 submissions wait for the writer.\n"
	"\n"
	"  --listen ADDR:PORT  IPv4 (127.0.0.1:8080, the default) or IPv6 in brackets\n"
	"                    ([::1]:8080; [::] also takes IPv4 clients). Loopback only\n"
	"                    (127.0.0.0/8, ::1) unless --public\n"
	"  --public          allow a non-loopback address\n"
	"  --log-key FILE    the log's secret key for checkpoints (default DIR/log.sec if\n"
	"                    present; passphrase from GONGBAO_PASSPHRASE), loaded once\n"
	"  --witness URL     a witness (gongbao witness, or any c2sp.org/tlog-witness) to\n"
	"                    collect cosignatures from, at URL/add-checkpoint; repeat, at\n"
	"                    most 8. Needs the log key. A round sends a freshly signed\n"
	"                    checkpoint to every witness at start, after commits (at most\n"
	"                    one round per 100 ms) and 10 s after a round a witness failed;\n"
	"                    only cosignatures by the charter's witnesses (role witness,\n"
	"                    an alg 0x04 key: gongbao keygen --witness) are kept. A witness\n"
	"                    that is down or refuses costs only its own cosignature; each\n"
	"                    round logs 'cosign: ...' lines on stderr\n"
	"  --ledger DIR      the ledger (else $GONGBAO_LEDGER)\n",
	serve_run,
};
