/*
 * cmd_keys.c: gongbao keygen and gongbao vkey.
 */
#include <assert.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"

/*
 * Makes a new random key named `name`: an Ed25519 signing key (alg 0x01),
 * or with `witness` a cosignature/v1 witness key (alg 0x04).
 */
static int new_key(gb_seckey *key, const char *name, int witness, gb_err *err)
{
	assert(key != NULL);
	assert(name != NULL);
	if (!witness)
		return gb_seckey_generate(key, name, err);
	uint8_t seed[GB_SEED_BYTES];
	randombytes_buf(seed, sizeof seed);
	int rc = gb_seckey_from_seed(key, name, GB_ALG_COSIGNATURE_V1, seed, err);
	sodium_memzero(seed, sizeof seed);
	return rc;
}

static int keygen_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "out", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "witness", no_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	const char *name = NULL, *out = NULL;
	int json = 0, witness = 0, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'n')
			name = optarg;
		else if (c == 'o')
			out = optarg;
		else if (c == 'j')
			json = 1;
		else if (c == 'w')
			witness = 1;
		else
			return cli_usage("keygen", "unknown option");
	}
	if (name == NULL || out == NULL || optind != argc)
		return cli_usage("keygen", "want --name NAME --out FILE");
	gb_err err;
	gb_seckey key;
	char pass[GB_PASSPHRASE_MAX + 2];
	size_t pass_len = 0;
	int rc = new_key(&key, name, witness, &err);
	rc = rc ? rc : cli_new_passphrase(out, pass, sizeof pass, &pass_len, &err);
	rc = rc ? rc : gb_keyfile_write(out, &key, pass, pass_len, &err);
	sodium_memzero(pass, sizeof pass);
	if (rc != 0) {
		gb_seckey_wipe(&key);
		return cli_fail(&err);
	}
	char vkey[GB_VKEY_MAX];
	gb_vkey_format(&key.pub, vkey);
	if (json) {
		char keyid[9];
		snprintf(keyid, sizeof keyid, "%08x", (unsigned)key.pub.keyid);
		json_t *o = json_pack("{s:s, s:s, s:i, s:s, s:s}", "name", key.pub.name, "keyid", keyid,
			"alg", (int)key.pub.alg, "vkey", vkey, "file", out);
		cli_print_json(o, 1);
		json_decref(o);
	} else {
		puts(vkey);
	}
	gb_seckey_wipe(&key);
	return CLI_OK;
}

const struct cli_cmd cli_cmd_keygen = {
	"keygen", "make a signing or witness key, saved encrypted; prints its verifier key",
	"Usage: gongbao keygen --name NAME --out FILE.sec [--witness] [--json]\n"
	"\n"
	"Makes a new Ed25519 key named NAME (a participant id such as 'picc-zs', or the\n"
	"log's origin for a checkpoint key), writes it to FILE.sec encrypted with a\n"
	"passphrase (Argon2id + XSalsa20-Poly1305, spec/KEYS.md), and prints its C2SP\n"
	"verifier key, NAME+KEYID+BASE64, for the charter or for verifiers.\n"
	"\n"
	"With --witness the key is a witness's cosigning key (alg 0x04,\n"
	"c2sp.org/tlog-cosignature cosignature/v1; its vkey's base64 starts with 'B'):\n"
	"for 'gongbao witness --key', and for the charter as the vkey of a participant\n"
	"with role witness. It cosigns checkpoints only: it cannot sign entries, and\n"
	"an ordinary key (alg 0x01, base64 starting with 'A') cannot cosign.\n"
	"\n"
	"The passphrase comes from GONGBAO_PASSPHRASE, or is asked twice on the terminal.\n"
	"FILE.sec must not exist yet; it is created with mode 0600.\n"
	"\n"
	"  --name NAME   key name: no spaces, no '+', at most 128 bytes\n"
	"  --out FILE    where to write the encrypted key\n"
	"  --witness     a witness cosigning key (alg 0x04) instead of a signing key\n"
	"  --json        print {\"name\",\"keyid\",\"alg\",\"vkey\",\"file\"} instead of the\n"
	"                bare vkey (alg 1 or 4)\n"
	"\n"
	"Examples:\n"
	"  GONGBAO_PASSPHRASE=... gongbao keygen --name picc-zs --out picc.sec\n"
	"  GONGBAO_PASSPHRASE=... gongbao keygen --witness --name zs-eb-witness --out w.sec\n",
	keygen_run,
};

static int vkey_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ledger", required_argument, NULL, 'l' },
		{ "key", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 }
	};
	const char *ledger_opt = NULL, *key_path = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'l')
			ledger_opt = optarg;
		else if (c == 'k')
			key_path = optarg;
		else
			return cli_usage("vkey", "unknown option");
	}
	if (optind != argc)
		return cli_usage("vkey", "unexpected argument '%s'", argv[optind]);
	gb_err err;
	gb_pubkey pub;
	char vkey[GB_VKEY_MAX];
	if (key_path != NULL) {
		if (gb_keyfile_read_public(key_path, &pub, &err) != 0)
			return cli_fail(&err);
		gb_vkey_format(&pub, vkey);
		puts(vkey);
		return CLI_OK;
	}
	gb_ledger *l;
	int rc = cli_open_ledger("vkey", ledger_opt, 1, &l);
	if (rc != CLI_OK)
		return rc;
	gb_vkey_format(gb_ledger_log_key(l), vkey);
	puts(vkey);
	gb_ledger_close(l);
	return CLI_OK;
}

const struct cli_cmd cli_cmd_vkey = {
	"vkey", "print the log's checkpoint verifier key (or a key file's)",
	"Usage: gongbao vkey [--ledger DIR]\n"
	"       gongbao vkey --key FILE.sec\n"
	"\n"
	"Prints the C2SP verifier key (NAME+KEYID+BASE64) that checks the ledger's signed\n"
	"checkpoints: give it to anyone who verifies them (gongbao verify, Go's\n"
	"golang.org/x/mod/sumdb/note). With --key, prints the verifier key of a secret key\n"
	"file, without asking for its passphrase.\n"
	"\n"
	"  --ledger DIR  the ledger (default: $GONGBAO_LEDGER)\n"
	"  --key FILE    a secret key file made by gongbao keygen\n",
	vkey_run,
};
