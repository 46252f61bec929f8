/*
 * cmd_mirror.c: gongbao mirror, a verifying copy of a served log
 * (gongbao/mirror.h).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "cli.h"
#include "gongbao/mirror.h"

#define INTERVAL_MAX_S 86400   /* longest --interval */
#define BACKOFF_MAX_S 60       /* longest wait after a network failure */

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/* Prints one round's outcome: a line, or a JSON object. */
static void print_round(const gb_mirror_result *res, int json)
{
	char root[sodium_base64_ENCODED_LEN(GB_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL)];
	sodium_bin2base64(root, sizeof root, res->root, GB_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL);
	if (json) {
		json_t *o = json_pack("{s:I, s:I, s:I, s:s, s:b, s:I}", "size", (json_int_t)res->size,
			"fetched", (json_int_t)res->fetched, "trusted_size", (json_int_t)res->trusted_size,
			"root", root, "created", res->created, "cosignatures", (json_int_t)res->cosignatures);
		cli_print_json(o, 1);
		json_decref(o);
	} else {
		printf("mirror: %llu entries (%llu new), checkpoint of size %llu verified, root %s, %zu cosignatures\n",
			(unsigned long long)res->size, (unsigned long long)res->fetched,
			(unsigned long long)res->trusted_size, root, res->cosignatures);
	}
	fflush(stdout);
}

/* Sleeps `s` seconds unless a signal comes first. */
static void nap(unsigned s)
{
	struct timespec ts = { (time_t)s, 0 };
	while (!stop_signal && nanosleep(&ts, &ts) != 0) /* EINTR: the signal ends it */
		;
}

/* Rounds until a signal (--follow) or once. Network failures are retried when following. */
static int run_rounds(gb_client *c, const char *dir, const gb_mirror_trust *trust, int follow,
	unsigned interval_s, int json)
{
	gb_ledger_opts opts = cli_ledger_opts(0);
	gb_mirror_result res;
	gb_err err;
	unsigned backoff = 1;
	for (;;) {
		int rc = gb_mirror_sync(c, dir, trust, &opts, &res, &err);
		if (rc == GB_EUSAGE)
			return cli_usage("mirror", "%s", err.msg);
		if (rc != 0 && !(follow && rc == GB_ENET))
			return cli_fail(&err);
		if (rc == 0) {
			print_round(&res, json);
			backoff = 1;
		} else {
			fprintf(stderr, "gongbao mirror: %s: %s; retrying in %u s\n", gb_errname(rc), err.msg, backoff);
		}
		if (!follow)
			return CLI_OK;
		nap(rc == 0 ? interval_s : backoff);
		if (rc != 0 && backoff < BACKOFF_MAX_S)
			backoff *= 2;
		if (stop_signal) {
			fprintf(stderr, "gongbao mirror: signal %d: stopped\n", (int)stop_signal);
			return CLI_OK;
		}
	}
}

static int mirror_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "ledger", required_argument, NULL, 'l' },
		{ "vkey", required_argument, NULL, 'k' },
		{ "follow", no_argument, NULL, 'F' },
		{ "interval", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "witness", required_argument, NULL, 'w' },
		{ "quorum", required_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 }
	};
	const char *from = NULL, *ledger_opt = NULL, *vkey = NULL;
	int follow = 0, json = 0, c;
	uint64_t interval = 2, quorum = UINT64_MAX;
	static gb_pubkey witnesses[GB_MIRROR_WITNESSES_MAX];
	size_t nwit = 0;
	gb_err err;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': from = optarg; break;
		case 'l': ledger_opt = optarg; break;
		case 'k': vkey = optarg; break;
		case 'F': follow = 1; break;
		case 'j': json = 1; break;
		case 'w':
			if (nwit == GB_MIRROR_WITNESSES_MAX)
				return cli_usage("mirror", "at most %d --witness keys", GB_MIRROR_WITNESSES_MAX);
			if (gb_vkey_parse(&witnesses[nwit], optarg, &err) != 0 ||
					witnesses[nwit].alg != GB_ALG_COSIGNATURE_V1)
				return cli_usage("mirror", "--witness '%s': want a witness's cosignature (alg 0x04) vkey", optarg);
			for (size_t i = 0; i < nwit; i++)
				if (memcmp(witnesses[i].pk, witnesses[nwit].pk, GB_PK_BYTES) == 0)
					return cli_usage("mirror", "--witness '%s': the key of '%s' under another name (one witness counts once)",
						witnesses[nwit].name, witnesses[i].name);
			nwit++;
			break;
		case 'q':
			if (cli_parse_u64(optarg, &quorum) != 0)
				return cli_usage("mirror", "--quorum '%s': want a count", optarg);
			break;
		case 'i':
			if (cli_parse_u64(optarg, &interval) != 0 || interval == 0 || interval > INTERVAL_MAX_S)
				return cli_usage("mirror", "--interval '%s': want 1 to %d seconds", optarg, INTERVAL_MAX_S);
			break;
		default: return cli_usage("mirror", "unknown option");
		}
	}
	const char *dir = cli_ledger_dir(ledger_opt);
	if (from == NULL || dir == NULL || optind != argc)
		return cli_usage("mirror", "want --from URL and --ledger DIR (or GONGBAO_LEDGER)");
	if (quorum == UINT64_MAX)
		quorum = nwit;
	if (quorum > nwit)
		return cli_usage("mirror", "--quorum %llu: more than the %zu --witness keys", (unsigned long long)quorum, nwit);
	gb_pubkey key;
	if (vkey != NULL && gb_vkey_parse(&key, vkey, &err) != 0)
		return cli_usage("mirror", "--vkey '%s': %s", vkey, err.msg);
	gb_client *client;
	if (gb_client_open(from, &client, &err) != 0)
		return cli_usage("mirror", "%s", err.msg);
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	gb_mirror_trust trust = { .log_key = vkey ? &key : NULL, .witnesses = witnesses,
		.witness_count = nwit, .quorum = (size_t)quorum };
	int rc = run_rounds(client, dir, &trust, follow, (unsigned)interval, json);
	gb_client_close(client);
	return rc;
}

const struct cli_cmd cli_cmd_mirror = {
	"mirror", "keep a verified copy of a served log: every signature, rule and proof checked",
	"Usage: gongbao mirror --from URL --ledger DIR [--vkey VKEY] [--witness VKEY ... [--quorum N]]\n"
	"                      [--follow [--interval S]] [--json]\n"
	"\n"
	"Copies the log served at URL ('gongbao serve') into the ledger DIR, trusting\n"
	"nothing the server says until it is checked (spec/MIRROR.md):\n"
	"  - the server's checkpoint must be signed by the log's key;\n"
	"  - it must extend the checkpoint the mirror trusted last: a smaller tree\n"
	"    (rollback), another root for the same size, or a consistency proof that\n"
	"    does not verify stop the mirror with GB_ESPLITVIEW;\n"
	"  - entries are fetched 1000 at a time, and each chunk is proved part of the\n"
	"    signed tree before it is stored;\n"
	"  - every entry then goes through the same code as on the log: canonical form,\n"
	"    signatures, the charter's keys, every rule, the derived state (all but the\n"
	"    check of entry times against the clock, which the log made on append).\n"
	"On any mismatch the mirror stops with exit 1, naming the entry or size, and\n"
	"keeps everything it had verified. The trusted checkpoint (as the log signed it,\n"
	"with any witness cosignatures) is kept in DIR/mirror-checkpoint. The mirror is\n"
	"an ordinary ledger: 'show', 'reconcile', 'audit', 'prove' all work on it.\n"
	"\n"
	"  --from URL      the server (http://HOST:PORT)\n"
	"  --ledger DIR    the mirror (default: $GONGBAO_LEDGER); made on the first run\n"
	"  --vkey VKEY     the log's verifier key ('gongbao vkey' of the log key):\n"
	"                  needed to make the mirror; afterwards it must match\n"
	"  --witness VKEY  a witness's cosignature (alg 0x04) vkey; repeatable, at most\n"
	"                  16. The server's checkpoint must then carry valid\n"
	"                  cosignatures by --quorum of them (default: all), so that\n"
	"                  a log cannot show this mirror a history the witnesses\n"
	"                  have not seen; fewer is GB_ENOTESIG. One key under two\n"
	"                  names is refused: it is one witness\n"
	"  --follow        keep following: a round every --interval seconds (default\n"
	"                  2) until SIGTERM or SIGINT; network failures are retried\n"
	"                  with backoff, any mismatch still stops it\n"
	"  --json          one JSON object per round: {\"size\", \"fetched\",\n"
	"                  \"trusted_size\", \"root\", \"created\", \"cosignatures\"}\n",
	mirror_run,
};
