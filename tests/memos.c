/*
 * tests/memos.c: signs many memo entries fast, for the server's load and
 * crash tests (tests/serve.sh), where `gongbao post` would spend most of
 * its time opening the key file (Argon2id) once per entry.
 *
 *   memos KEY.sec CONSORTIUM TIME COUNT PREFIX OUTDIR
 *
 * Decrypts KEY.sec once (passphrase from GONGBAO_PASSPHRASE) and writes
 * OUTDIR/PREFIX-N.bin for N = 1..COUNT: the signed entry of the body
 * {"type": "memo", "id": "PREFIX-N", "text": "load memo PREFIX-N",
 *  "time": TIME, "consortium": CONSORTIUM, "signer": <the key's name>, "v": 1}.
 * Exits 0, 1 on a failure (printed), 2 on bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "gongbao/entry.h"
#include "gongbao/json.h"
#include "gongbao/keys.h"

#define MEMOS_MAX 100000

/* Signs memo number n and writes it to OUTDIR/PREFIX-n.bin. */
static int write_memo(const gb_seckey *key, const char *consortium, long long t, long n,
	const char *prefix, const char *dir, gb_err *err)
{
	static uint8_t body[GB_ENTRY_MAX], entry[GB_ENTRY_MAX];
	char id[GB_ID_MAX + 1], text[128], path[4096];
	snprintf(id, sizeof id, "%s-%ld", prefix, n);
	snprintf(text, sizeof text, "load memo %s", id);
	json_t *j = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:i}", "type", "memo", "id", id, "text", text,
		"time", (json_int_t)t, "consortium", consortium, "signer", key->pub.name, "v", 1);
	if (j == NULL)
		return gb_err_set(err, GB_ENOMEM, "memo %ld: out of memory", n);
	gb_mpw w;
	gb_mpw_init(&w, body, sizeof body);
	int rc = gb_json_to_mp(j, &w, err);
	json_decref(j);
	const gb_seckey *keys[1] = { key };
	size_t len = 0;
	if (rc == 0)
		rc = gb_entry_sign(body, w.len, keys, 1, entry, sizeof entry, &len, err);
	if (rc != 0)
		return rc;
	snprintf(path, sizeof path, "%s/%s.bin", dir, id);
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(entry, 1, len, f) != len || fclose(f) != 0)
		return gb_err_set(err, GB_EIO, "cannot write '%s'", path);
	return 0;
}

int main(int argc, char **argv)
{
	gb_err err = { 0, "" };
	gb_seckey key;
	const char *pass = getenv("GONGBAO_PASSPHRASE");
	if (argc != 7 || pass == NULL) {
		fprintf(stderr, "usage: GONGBAO_PASSPHRASE=... memos KEY.sec CONSORTIUM TIME COUNT PREFIX OUTDIR\n");
		return 2;
	}
	long long t = atoll(argv[3]);
	long count = atol(argv[4]);
	if (sodium_init() < 0 || count < 1 || count > MEMOS_MAX || t <= 0) {
		fprintf(stderr, "memos: want TIME > 0 and COUNT in 1..%d\n", MEMOS_MAX);
		return 2;
	}
	int rc = gb_keyfile_read(argv[1], pass, strlen(pass), &key, &err);
	for (long n = 1; rc == 0 && n <= count; n++)
		rc = write_memo(&key, argv[2], t, n, argv[5], argv[6], &err);
	gb_seckey_wipe(&key);
	if (rc != 0) {
		fprintf(stderr, "memos: %s: %s\n", gb_errname(rc), err.msg);
		return 1;
	}
	return 0;
}
