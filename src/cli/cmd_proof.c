/*
 * cmd_proof.c: gongbao checkpoint, prove and verify.
 *
 * Proofs are printed and read as JSON (spec/PROOFS.md):
 *   {"index": I, "size": N, "leaf_hash": B64, "root": B64, "hashes": [B64, ...]}
 *   {"size1": M, "size2": N, "root1": B64, "root2": B64, "hashes": [B64, ...]}
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"
#include "gongbao/json.h"
#include "gongbao/note.h"

/* checkpoint --server: the note the server serves, as it is. */
static int checkpoint_from_server(const char *ledger_opt, const char *server_opt)
{
	struct cli_target t;
	int rc = cli_open_target("checkpoint", ledger_opt, server_opt, 1, &t);
	if (rc != CLI_OK)
		return rc;
	static char note[GB_NOTE_MAX + 1];
	size_t len = 0;
	gb_err err;
	rc = gb_client_checkpoint(t.client, note, sizeof note, &len, &err);
	cli_close_target(&t);
	if (rc != 0)
		return cli_fail(&err);
	fwrite(note, 1, len, stdout);
	return CLI_OK;
}

static int checkpoint_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ledger", required_argument, NULL, 'l' },
		{ "log-key", required_argument, NULL, 'k' },
		{ "server", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	const char *ledger_opt = NULL, *key_path = NULL, *server_opt = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'l')
			ledger_opt = optarg;
		else if (c == 'k')
			key_path = optarg;
		else if (c == 's')
			server_opt = optarg;
		else
			return cli_usage("checkpoint", "unknown option");
	}
	if (server_opt != NULL)
		return key_path || optind != argc ? cli_usage("checkpoint", "--server takes no --log-key and no arguments")
			: checkpoint_from_server(ledger_opt, server_opt);
	const char *dir = cli_ledger_dir(ledger_opt);
	if (dir == NULL || optind != argc)
		return cli_usage("checkpoint", "want --ledger DIR (or GONGBAO_LEDGER)");
	char default_key[4200];
	if (key_path == NULL) {
		snprintf(default_key, sizeof default_key, "%s/log.sec", dir);
		key_path = default_key;
	}
	gb_ledger *l;
	int rc = cli_open_ledger("checkpoint", dir, 1, &l);
	if (rc != CLI_OK)
		return rc;
	gb_err err;
	gb_seckey key;
	char note[GB_NOTE_MAX];
	size_t len = 0;
	rc = cli_load_key(key_path, &key, &err);
	if (rc == 0) {
		rc = gb_ledger_checkpoint(l, &key, note, sizeof note, &len, &err);
		gb_seckey_wipe(&key);
	}
	gb_ledger_close(l);
	if (rc != 0)
		return cli_fail(&err);
	fwrite(note, 1, len, stdout);
	return CLI_OK;
}

const struct cli_cmd cli_cmd_checkpoint = {
	"checkpoint", "print a signed checkpoint (C2SP signed note) of the log as it is now",
	"Usage: gongbao checkpoint [--ledger DIR] [--log-key FILE.sec]\n"
	"       gongbao checkpoint --server URL\n"
	"\n"
	"Prints the log's current checkpoint, signed with the log key:\n"
	"  ORIGIN\\nSIZE\\nBASE64(ROOT)\\n\\n\\u2014 KEYNAME BASE64(KEYID || SIGNATURE)\\n\n"
	"(c2sp.org/tlog-checkpoint in a c2sp.org/signed-note; spec/CHECKPOINT.md). Anyone\n"
	"with the log's verifier key ('gongbao vkey') can check it: 'gongbao verify\n"
	"checkpoint', or Go's golang.org/x/mod/sumdb/note, with no gongbao code.\n"
	"\n"
	"  --log-key FILE  the log's secret key (default DIR/log.sec, kept by 'init');\n"
	"                  passphrase from GONGBAO_PASSPHRASE or the terminal\n"
	"  --server URL    print the checkpoint a 'gongbao serve' serves (with any\n"
	"                  witness cosignatures), unchanged; check it with 'verify'\n",
	checkpoint_run,
};


static int prove_inclusion(gb_ledger *l, int argc, char **argv, uint64_t size, gb_err *err)
{
	uint64_t index;
	if (argc != 1 || cli_parse_u64(argv[0], &index) != 0)
		return gb_err_set(err, GB_EUSAGE, "prove inclusion: want one INDEX");
	if (size == 0 && gb_ledger_size(l, &size, err) != 0)
		return err->code;
	uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES], leaf[GB_HASH_BYTES], root[GB_HASH_BYTES];
	size_t count;
	int rc = gb_ledger_prove_inclusion(l, index, size, proof, &count, leaf, root, err);
	if (rc != 0)
		return rc;
	json_t *o = gb_proof_inclusion_json(index, size, leaf, root, (const uint8_t (*)[GB_HASH_BYTES])proof, count);
	if (o == NULL)
		return gb_err_set(err, GB_ENOMEM, "out of memory");
	cli_print_json(o, 0);
	json_decref(o);
	return 0;
}

static int prove_consistency(gb_ledger *l, int argc, char **argv, gb_err *err)
{
	uint64_t size1, size2;
	if (argc != 2 || cli_parse_u64(argv[0], &size1) != 0 || cli_parse_u64(argv[1], &size2) != 0)
		return gb_err_set(err, GB_EUSAGE, "prove consistency: want OLD NEW (tree sizes)");
	uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES], root1[GB_HASH_BYTES], root2[GB_HASH_BYTES];
	size_t count;
	int rc = gb_ledger_prove_consistency(l, size1, size2, proof, &count, root1, root2, err);
	if (rc != 0)
		return rc;
	json_t *o = gb_proof_consistency_json(size1, size2, root1, root2, (const uint8_t (*)[GB_HASH_BYTES])proof, count);
	if (o == NULL)
		return gb_err_set(err, GB_ENOMEM, "out of memory");
	cli_print_json(o, 0);
	json_decref(o);
	return 0;
}

/* prove --server: the server's proof JSON (the same producer as here), printed alike. */
static int prove_from_server(gb_client *c, int is_incl, char **args, uint64_t size, gb_err *err)
{
	uint64_t a, b;
	char path[128];
	cli_parse_u64(args[0], &a);
	if (is_incl && size == 0 && gb_client_size(c, &size, err) != 0)
		return err->code;
	if (is_incl)
		snprintf(path, sizeof path, "/v1/proof/inclusion?index=%llu&size=%llu",
			(unsigned long long)a, (unsigned long long)size);
	else if (cli_parse_u64(args[1], &b) == 0)
		snprintf(path, sizeof path, "/v1/proof/consistency?size1=%llu&size2=%llu",
			(unsigned long long)a, (unsigned long long)b);
	json_t *o;
	int rc = gb_client_get_json(c, path, &o, err);
	if (rc != 0)
		return rc;
	cli_print_json(o, 0);
	json_decref(o);
	return 0;
}

static int prove_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ledger", required_argument, NULL, 'l' },
		{ "size", required_argument, NULL, 's' },
		{ "server", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 }
	};
	const char *ledger_opt = NULL, *server_opt = NULL;
	uint64_t size = 0;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'l')
			ledger_opt = optarg;
		else if (c == 'S')
			server_opt = optarg;
		else if (c == 's' && cli_parse_u64(optarg, &size) == 0 && size > 0)
			continue;
		else
			return cli_usage("prove", "bad option");
	}
	if (optind >= argc)
		return cli_usage("prove", "want 'inclusion INDEX' or 'consistency OLD NEW'");
	const char *kind = argv[optind];
	int is_incl = strcmp(kind, "inclusion") == 0, is_cons = strcmp(kind, "consistency") == 0;
	if (!is_incl && !is_cons)
		return cli_usage("prove", "unknown proof '%s': want inclusion or consistency", kind);
	int rest = argc - optind - 1;
	char **args = argv + optind + 1;
	uint64_t n;
	if (is_incl && (rest != 1 || cli_parse_u64(args[0], &n) != 0))
		return cli_usage("prove", "prove inclusion: want one INDEX");
	if (is_cons && (rest != 2 || cli_parse_u64(args[0], &n) != 0 || cli_parse_u64(args[1], &n) != 0))
		return cli_usage("prove", "prove consistency: want OLD NEW (tree sizes)");
	struct cli_target t;
	int rc = cli_open_target("prove", ledger_opt, server_opt, 1, &t);
	if (rc != CLI_OK)
		return rc;
	gb_err err;
	if (t.client != NULL)
		rc = prove_from_server(t.client, is_incl, args, size, &err);
	else
		rc = is_incl ? prove_inclusion(t.ledger, rest, args, size, &err)
			: prove_consistency(t.ledger, rest, args, &err);
	cli_close_target(&t);
	if (rc == GB_EUSAGE)
		return cli_usage("prove", "%s", err.msg);
	return rc ? cli_fail(&err) : CLI_OK;
}

const struct cli_cmd cli_cmd_prove = {
	"prove", "print an inclusion or consistency proof as JSON",
	"Usage: gongbao prove inclusion [--ledger DIR | --server URL] INDEX [--size N]\n"
	"       gongbao prove consistency [--ledger DIR | --server URL] OLD NEW\n"
	"\n"
	"inclusion: proves entry INDEX is in the tree of the first N entries (default:\n"
	"the whole log). Prints\n"
	"  {\"index\": I, \"size\": N, \"leaf_hash\": B64, \"root\": B64, \"hashes\": [B64, ...]}\n"
	"consistency: proves the tree of OLD entries is a prefix of the tree of NEW\n"
	"entries (0 < OLD <= NEW). Prints\n"
	"  {\"size1\": OLD, \"size2\": NEW, \"root1\": B64, \"root2\": B64, \"hashes\": [B64, ...]}\n"
	"Hashes are RFC 9162 (SHA-256, standard base64), in RFC order; check them with\n"
	"'gongbao verify' or any RFC 9162 verifier (spec/PROOFS.md).\n"
	"With --server URL the proof comes from a 'gongbao serve' (http://HOST:PORT),\n"
	"unchecked: a proof proves nothing until 'verify' checks it against a signed\n"
	"checkpoint.\n",
	prove_run,
};

/* ---- verify ---- */

#define VKEYS_MAX 16

struct verify_args {
	const char *vkeys[VKEYS_MAX];
	size_t nvkeys;
	const char *checkpoint, *old_cp, *entry;
	int json;
};

/* Opens a checkpoint note from a file with the given vkeys. */
static int open_checkpoint(const char *path, const struct verify_args *va, gb_checkpoint *cp,
	gb_note *note, gb_err *err)
{
	if (va->nvkeys == 0)
		return gb_err_set(err, GB_EUSAGE, "checking a checkpoint needs --vkey VKEY");
	gb_pubkey keys[VKEYS_MAX];
	for (size_t i = 0; i < va->nvkeys; i++)
		if (gb_vkey_parse(&keys[i], va->vkeys[i], err) != 0)
			return gb_err_prefix(err, GB_EVKEY, "--vkey '%s': ", va->vkeys[i]);
	uint8_t *text;
	size_t len;
	int rc = cli_read_input(path, GB_NOTE_MAX, &text, &len, err);
	if (rc != 0)
		return rc;
	rc = gb_note_open((const char *)text, len, keys, va->nvkeys, note, err);
	if (rc == 0)
		rc = gb_checkpoint_parse(note->text, note->text_len, cp, err);
	free(text);
	if (rc != 0)
		gb_err_prefix(err, rc, "%s: ", path);
	return rc;
}

/* Decodes base64 into buf (any length up to cap); returns the gb_bytes view. */
static gb_bytes b64_bytes(const json_t *s, uint8_t *buf, size_t cap)
{
	gb_bytes b = { buf, 0 };
	const char *str = json_string_value(s);
	if (str == NULL || sodium_base642bin(buf, cap, str, strlen(str), NULL, &b.len, NULL,
			sodium_base64_VARIANT_ORIGINAL) != 0)
		b.len = cap + 1; /* unreadable: a length no hash has */
	if (b.len > cap)
		b.len = 0, b.ptr = NULL;
	return b;
}

/* Reads the proof JSON and its "hashes" (at most GB_PROOF_MAX). */
static json_t *load_proof(const char *path, gb_bytes *hashes, uint8_t bufs[GB_PROOF_MAX][64],
	size_t *count, gb_err *err)
{
	uint8_t *text;
	size_t len;
	if (cli_read_input(path, CLI_INPUT_MAX, &text, &len, err) != 0)
		return NULL;
	json_error_t jerr;
	json_t *o = json_loadb((const char *)text, len, JSON_REJECT_DUPLICATES, &jerr);
	free(text);
	json_t *a = o ? json_object_get(o, "hashes") : NULL;
	if (o == NULL || !json_is_array(a) || json_array_size(a) > GB_PROOF_MAX) {
		gb_err_set(err, GB_EJSON, "%s: want a proof object with at most %d \"hashes\"%s%s", path,
			GB_PROOF_MAX, o ? "" : ": ", o ? "" : jerr.text);
		json_decref(o);
		return NULL;
	}
	*count = json_array_size(a);
	for (size_t i = 0; i < *count; i++)
		hashes[i] = b64_bytes(json_array_get(a, i), bufs[i], 64);
	return o;
}

static int get_u64(const json_t *o, const char *key, uint64_t *out, gb_err *err)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return gb_err_set(err, GB_EJSON, "proof: want a non-negative integer \"%s\"", key);
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int verify_inclusion(const char *path, const struct verify_args *va, gb_err *err)
{
	gb_bytes hashes[GB_PROOF_MAX];
	uint8_t bufs[GB_PROOF_MAX][64], leaf_buf[64], root_buf[64];
	size_t count;
	json_t *o = load_proof(path, hashes, bufs, &count, err);
	if (o == NULL)
		return err->code;
	uint64_t index, size;
	int rc = get_u64(o, "index", &index, err);
	rc = rc ? rc : get_u64(o, "size", &size, err);
	gb_bytes leaf = b64_bytes(json_object_get(o, "leaf_hash"), leaf_buf, 64);
	gb_bytes root = b64_bytes(json_object_get(o, "root"), root_buf, 64);
	json_decref(o);
	if (rc != 0)
		return rc;
	uint8_t entry_leaf[GB_HASH_BYTES];
	if (va->entry != NULL) { /* the proof must be about these bytes */
		uint8_t *p;
		size_t len;
		if ((rc = cli_read_input(va->entry, CLI_INPUT_MAX, &p, &len, err)) != 0)
			return rc;
		gb_merkle_leaf_hash(entry_leaf, p, len);
		free(p);
		if (leaf.len != GB_HASH_BYTES || memcmp(leaf.ptr, entry_leaf, GB_HASH_BYTES) != 0)
			return gb_err_set(err, GB_EPROOF, "%s: the proof's leaf_hash is not the hash of '%s'",
				path, va->entry);
	}
	gb_checkpoint cp;
	gb_note note;
	if (va->checkpoint != NULL) { /* and about the tree the log signed */
		if ((rc = open_checkpoint(va->checkpoint, va, &cp, &note, err)) != 0)
			return rc;
		if (cp.size != size || root.len != GB_HASH_BYTES || memcmp(root.ptr, cp.root, GB_HASH_BYTES) != 0)
			return gb_err_set(err, GB_EPROOF, "%s: the proof is for size %llu and another root than the checkpoint (size %llu)",
				path, (unsigned long long)size, (unsigned long long)cp.size);
	}
	rc = gb_merkle_verify_inclusion(index, size, leaf, hashes, count, root);
	if (rc != 0)
		return gb_err_set(err, rc, "%s: inclusion proof of entry %llu in tree size %llu does not verify",
			path, (unsigned long long)index, (unsigned long long)size);
	printf("inclusion of entry %llu in tree size %llu: verified%s\n", (unsigned long long)index,
		(unsigned long long)size, va->checkpoint ? " against the signed checkpoint" : "");
	return 0;
}

static int verify_consistency(const char *path, const struct verify_args *va, gb_err *err)
{
	gb_bytes hashes[GB_PROOF_MAX];
	uint8_t bufs[GB_PROOF_MAX][64], r1_buf[64], r2_buf[64];
	size_t count;
	json_t *o = load_proof(path, hashes, bufs, &count, err);
	if (o == NULL)
		return err->code;
	uint64_t size1, size2;
	int rc = get_u64(o, "size1", &size1, err);
	rc = rc ? rc : get_u64(o, "size2", &size2, err);
	gb_bytes root1 = b64_bytes(json_object_get(o, "root1"), r1_buf, 64);
	gb_bytes root2 = b64_bytes(json_object_get(o, "root2"), r2_buf, 64);
	json_decref(o);
	if (rc != 0)
		return rc;
	const char *cps[2] = { va->old_cp, va->checkpoint };
	const uint64_t sizes[2] = { size1, size2 };
	const gb_bytes roots[2] = { root1, root2 };
	for (int i = 0; i < 2; i++) {
		gb_checkpoint cp;
		gb_note note;
		if (cps[i] == NULL)
			continue;
		if ((rc = open_checkpoint(cps[i], va, &cp, &note, err)) != 0)
			return rc;
		if (cp.size != sizes[i] || roots[i].len != GB_HASH_BYTES ||
		    memcmp(roots[i].ptr, cp.root, GB_HASH_BYTES) != 0)
			return gb_err_set(err, GB_EPROOF, "%s: size%d/root%d do not match the checkpoint in %s",
				path, i + 1, i + 1, cps[i]);
	}
	rc = gb_merkle_verify_consistency(size1, size2, root1, root2, hashes, count);
	if (rc != 0)
		return gb_err_set(err, rc, "%s: consistency proof from size %llu to %llu does not verify",
			path, (unsigned long long)size1, (unsigned long long)size2);
	printf("consistency of tree size %llu with %llu: verified\n", (unsigned long long)size1,
		(unsigned long long)size2);
	return 0;
}

static int verify_checkpoint(const char *path, const struct verify_args *va, gb_err *err)
{
	gb_checkpoint cp;
	gb_note note;
	int rc = open_checkpoint(path, va, &cp, &note, err);
	if (rc != 0)
		return rc;
	char root[64];
	sodium_bin2base64(root, sizeof root, cp.root, GB_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL);
	if (!va->json) {
		printf("origin %s\nsize %llu\nroot %s\nverified by %zu of %zu signatures\n", cp.origin,
			(unsigned long long)cp.size, root, note.verified_count, note.sig_count);
		return 0;
	}
	json_t *sigs = json_array();
	for (size_t i = 0; i < note.sig_count; i++) {
		char keyid[9];
		snprintf(keyid, sizeof keyid, "%08x", (unsigned)note.sigs[i].keyid);
		json_array_append_new(sigs, json_pack("{s:s, s:s, s:b}", "name", note.sigs[i].name,
			"keyid", keyid, "verified", note.sigs[i].verified));
	}
	json_t *o = json_pack("{s:s, s:I, s:s, s:o}", "origin", cp.origin, "size", (json_int_t)cp.size,
		"root", root, "signatures", sigs);
	cli_print_json(o, 1);
	json_decref(o);
	return 0;
}

static int verify_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "vkey", required_argument, NULL, 'v' },
		{ "checkpoint", required_argument, NULL, 'c' },
		{ "old-checkpoint", required_argument, NULL, 'o' },
		{ "entry", required_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct verify_args va = { .nvkeys = 0 };
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'v':
			if (va.nvkeys == VKEYS_MAX)
				return cli_usage("verify", "at most %d --vkey", VKEYS_MAX);
			va.vkeys[va.nvkeys++] = optarg;
			break;
		case 'c': va.checkpoint = optarg; break;
		case 'o': va.old_cp = optarg; break;
		case 'e': va.entry = optarg; break;
		case 'j': va.json = 1; break;
		default: return cli_usage("verify", "unknown option");
		}
	}
	if (optind != argc - 2)
		return cli_usage("verify", "want 'checkpoint NOTE', 'inclusion PROOF.json' or 'consistency PROOF.json'");
	const char *kind = argv[optind], *path = argv[optind + 1];
	gb_err err;
	int rc;
	if (strcmp(kind, "checkpoint") == 0)
		rc = verify_checkpoint(path, &va, &err);
	else if (strcmp(kind, "inclusion") == 0)
		rc = verify_inclusion(path, &va, &err);
	else if (strcmp(kind, "consistency") == 0)
		rc = verify_consistency(path, &va, &err);
	else
		return cli_usage("verify", "unknown kind '%s'", kind);
	if (rc == GB_EUSAGE)
		return cli_usage("verify", "%s", err.msg);
	return rc ? cli_fail(&err) : CLI_OK;
}

const struct cli_cmd cli_cmd_verify = {
	"verify", "check a signed checkpoint, an inclusion proof or a consistency proof",
	"Usage: gongbao verify checkpoint --vkey VKEY [--vkey VKEY ...] [--json] NOTE|-\n"
	"       gongbao verify inclusion [--entry ENTRY] [--checkpoint NOTE --vkey VKEY] PROOF.json|-\n"
	"       gongbao verify consistency [--old-checkpoint NOTE] [--checkpoint NOTE --vkey VKEY] PROOF.json|-\n"
	"\n"
	"Needs no ledger: everything is checked from the files and keys given.\n"
	"checkpoint: the note must carry a valid signature by at least one of the\n"
	"  --vkey keys and no invalid one by them (other signatures are listed, unchecked).\n"
	"  Prints origin, size and root (or JSON with each signature's status).\n"
	"  Cosigning witness keys (alg 0x04, c2sp.org/tlog-cosignature) may be given too.\n"
	"inclusion: checks the proof ('gongbao prove inclusion' output). With --entry,\n"
	"  the proof must be about those exact bytes ('get --raw'); with --checkpoint,\n"
	"  about the tree the log signed.\n"
	"consistency: checks the proof ('gongbao prove consistency' output); with\n"
	"  --old-checkpoint and --checkpoint, that it links those two signed trees.\n"
	"\n"
	"Exit status 0 when everything verifies, 1 otherwise (GB_EPROOF, GB_ENOTESIG, ...).\n",
	verify_run,
};
