/*
 * test_keys.c: key names, key ids, vkeys, C2SP private keys and encrypted key
 * files (spec/KEYS.md). Known answers come from tests/vectors/signed-note.
 */
#include "gongbao/keys.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cu.h"

#define VECTORS "tests/vectors/signed-note/vectors.json"
#define CHECKPOINT_VECTORS "tests/vectors/signed-note/checkpoint.json"

static const char PASS[] = "correct horse battery staple";
#define PASS_LEN (sizeof PASS - 1)

/* The worked example of spec/KEYS.md: the PeterNeumann vector key sealed
 * under PASS with salt 00 01 .. 0f and nonce 10 11 .. 27. */
static const char EXAMPLE_KEYFILE[] =
	"gongbao-secret-key v1\n"
	"name PeterNeumann\n"
	"vkey PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW\n"
	"kdf argon2id13 2 67108864 AAECAwQFBgcICQoLDA0ODw==\n"
	"box EBESExQVFhcYGRobHB0eHyAhIiMkJSYnfx1ndl0vki2Kp1igpESUY2jsR5Vr72ZDCrwEpvOLKFBr"
	"wLVe4on1mcnkb3PN0VWnwaNtAKHplUnsu9iCnA==\n";

/* Returns the string `key` of the JSON object in `path` (static copy). */
static const char *vec(const char *path, const char *key)
{
	static char buf[8][2048];
	static int next;
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr);
	if (root == NULL) {
		fprintf(stderr, "%s: %s\n", path, jerr.text);
		abort();
	}
	const char *s = json_string_value(json_object_get(root, key));
	if (s == NULL || strlen(s) >= sizeof buf[0]) {
		fprintf(stderr, "%s: no string '%s'\n", path, key);
		abort();
	}
	char *out = buf[next++ % 8];
	strcpy(out, s);
	json_decref(root);
	return out;
}

static void hex_decode(uint8_t *out, size_t len, const char *hex)
{
	size_t n = 0;
	CU_ASSERT_FATAL(sodium_hex2bin(out, len, hex, strlen(hex), NULL, &n, NULL) == 0);
	CU_ASSERT_FATAL(n == len);
}

/* A fresh temporary directory for key files; removed by tmp_cleanup. */
static char tmpdir[64];

static const char *tmp_path(const char *name)
{
	static char path[128];
	if (tmpdir[0] == '\0') {
		strcpy(tmpdir, "/tmp/gb-test-keys-XXXXXX");
		CU_ASSERT_FATAL(gb_test_tmpdir(tmpdir) != NULL);
	}
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	return path;
}

static void write_file(const char *path, const char *data, size_t len)
{
	unlink(path);
	FILE *f = fopen(path, "wb");
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_FATAL(fwrite(data, 1, len, f) == len);
	CU_ASSERT_FATAL(fclose(f) == 0);
}

static size_t read_file(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	CU_ASSERT_FATAL(f != NULL);
	size_t n = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[n] = '\0';
	return n;
}

static int all_zero(const void *p, size_t len)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < len; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

/* ---- names ---- */

static void test_names(void)
{
	char max[GB_NAME_MAX + 2];
	memset(max, 'a', GB_NAME_MAX);
	max[GB_NAME_MAX] = '\0';
	const char *good[] = { "a", "picc-zs", "example.com/foo", "PeterNeumann",
		"\xe4\xba\xba\xe4\xbf\x9d", "oid/1.2.840", "x=y:z@w", max };
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		CU_ASSERT(gb_key_name_valid(good[i]) == 1);
		CU_ASSERT(gb_key_name_valid_c2sp(good[i], strlen(good[i])) == 1);
	}
	max[GB_NAME_MAX] = 'a';
	max[GB_NAME_MAX + 1] = '\0';
	const char *bad[] = { "", "a b", "a+b", "+", "a\tb", "a\nb", "a\rb", "a\x01z",
		"a\xc2\x85z" /* NEL */, "a\xc2\xa0z" /* NBSP */, "a\xe1\x9a\x80z",
		"a\xe2\x80\x8az" /* U+200A */, "a\xe2\x80\xa8z", "a\xe3\x80\x80z",
		"\xff", "a\x80", "\xc0\xaf" /* overlong */, "\xe0\x80\xaf" /* overlong */,
		"\xf0\x80\x80\xaf" /* overlong */, "\xed\xa0\x80" /* surrogate */,
		"\xf4\x90\x80\x80" /* above U+10FFFF */, "\xe4\xba" /* truncated */, max };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CU_ASSERT(gb_key_name_valid(bad[i]) == 0);
		CU_ASSERT(gb_key_name_valid_c2sp(bad[i], strlen(bad[i])) == 0);
	}
	CU_ASSERT(gb_key_name_valid(NULL) == 0);
	/* Every Unicode White_Space character, encoded in UTF-8, inside a name. */
	const uint32_t spaces[] = { 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680,
		0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009,
		0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000 };
	for (size_t i = 0; i < sizeof spaces / sizeof spaces[0]; i++) {
		uint32_t c = spaces[i];
		char nm[8] = "a";
		size_t n = 1;
		if (c < 0x80) {
			nm[n++] = (char)c;
		} else if (c < 0x800) {
			nm[n++] = (char)(0xc0 | c >> 6);
			nm[n++] = (char)(0x80 | (c & 0x3f));
		} else {
			nm[n++] = (char)(0xe0 | c >> 12);
			nm[n++] = (char)(0x80 | ((c >> 6) & 0x3f));
			nm[n++] = (char)(0x80 | (c & 0x3f));
		}
		nm[n++] = 'z';
		nm[n] = '\0';
		CU_ASSERT(gb_key_name_valid(nm) == 0);
		CU_ASSERT(gb_key_name_valid_c2sp(nm, n) == 0);
	}
	/* Neighbours of white space are fine: U+2010, U+205E, U+3001. */
	CU_ASSERT(gb_key_name_valid("a\xe2\x80\x90z") == 1);
	CU_ASSERT(gb_key_name_valid("a\xe2\x81\x9ez") == 1);
	CU_ASSERT(gb_key_name_valid("a\xe3\x80\x81z") == 1);
	/* Control characters U+007F-U+009F: not gongbao names, but C2SP names. */
	const char *cc[] = { "a\x7fz", "a\xc2\x80z", "a\xc2\x9fz" };
	for (size_t i = 0; i < sizeof cc / sizeof cc[0]; i++) {
		CU_ASSERT(gb_key_name_valid(cc[i]) == 0);
		CU_ASSERT(gb_key_name_valid_c2sp(cc[i], strlen(cc[i])) == 1);
	}
	/* An embedded NUL is a control character. */
	CU_ASSERT(gb_key_name_valid_c2sp("a\0b", 3) == 0);
}

/* ---- key ids and vkeys ---- */

static void test_key_id_vector(void)
{
	gb_pubkey k;
	gb_err err;
	CU_ASSERT_FATAL(gb_vkey_parse(&k, vec(VECTORS, "vkey"), &err) == 0);
	CU_ASSERT_STRING_EQUAL(k.name, "PeterNeumann");
	CU_ASSERT(k.alg == GB_ALG_ED25519);
	CU_ASSERT(k.keyid == 0xc74f20a3);
	CU_ASSERT(gb_key_id("PeterNeumann", GB_ALG_ED25519, k.pk) == 0xc74f20a3);
	/* The same key as a cosignature key has another id (spec/KEYS.md). */
	CU_ASSERT(gb_key_id("PeterNeumann", GB_ALG_COSIGNATURE_V1, k.pk) == 0x18b9780b);
	gb_pubkey w = k;
	w.alg = GB_ALG_COSIGNATURE_V1;
	w.keyid = 0x18b9780b;
	char buf[GB_VKEY_MAX];
	gb_vkey_format(&w, buf);
	CU_ASSERT_STRING_EQUAL(buf, "PeterNeumann+18b9780b+BBpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
	CU_ASSERT(gb_key_id("PeterNeumanN", GB_ALG_ED25519, k.pk) != 0xc74f20a3);

	CU_ASSERT_FATAL(gb_vkey_parse(&k, vec(VECTORS, "second_vkey"), &err) == 0);
	CU_ASSERT(k.keyid == 0xaf0cfe78);
	CU_ASSERT_FATAL(gb_vkey_parse(&k, vec(VECTORS, "spec_example_vkey"), &err) == 0);
	CU_ASSERT_STRING_EQUAL(k.name, "example.com/foo");
	CU_ASSERT(k.keyid == 0x530d903a);
	/* A real cosignature/v1 witness vkey (transparency-dev/formats tests). */
	CU_ASSERT_FATAL(gb_vkey_parse(&k,
		"remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2", &err) == 0);
	CU_ASSERT(k.alg == GB_ALG_COSIGNATURE_V1);
	CU_ASSERT(k.keyid == 0xda77ade7);
}

static void test_vkey_round_trip(void)
{
	const char *vkeys[] = { vec(VECTORS, "vkey"), vec(VECTORS, "second_vkey"),
		vec(VECTORS, "spec_example_vkey"), vec(CHECKPOINT_VECTORS, "log_vkey"),
		vec(CHECKPOINT_VECTORS, "witness_vkey") };
	for (size_t i = 0; i < sizeof vkeys / sizeof vkeys[0]; i++) {
		gb_pubkey k;
		gb_err err;
		char buf[GB_VKEY_MAX];
		CU_ASSERT_FATAL(gb_vkey_parse(&k, vkeys[i], &err) == 0);
		size_t n = gb_vkey_format(&k, buf);
		CU_ASSERT(n == strlen(vkeys[i]));
		CU_ASSERT_STRING_EQUAL(buf, vkeys[i]);
	}
	/* A generated key round-trips too, with the longest name. */
	gb_seckey sk;
	char name[GB_NAME_MAX + 1];
	memset(name, 'n', GB_NAME_MAX);
	name[GB_NAME_MAX] = '\0';
	CU_ASSERT_FATAL(gb_seckey_generate(&sk, name, NULL) == 0);
	char buf[GB_VKEY_MAX];
	size_t n = gb_vkey_format(&sk.pub, buf);
	CU_ASSERT(n == GB_VKEY_MAX - 1);
	gb_pubkey k;
	CU_ASSERT_FATAL(gb_vkey_parse(&k, buf, NULL) == 0);
	CU_ASSERT(memcmp(&k, &sk.pub, sizeof k) == 0);
	gb_seckey_wipe(&sk);
}

static void expect_bad_vkey(const char *vkey, const char *why)
{
	gb_pubkey k;
	gb_err err = { 0, "" };
	memset(&k, 0x55, sizeof k);
	int rc = gb_vkey_parse(&k, vkey, &err);
	CU_ASSERT(rc == GB_EVKEY);
	CU_ASSERT(err.code == GB_EVKEY);
	CU_ASSERT(all_zero(&k, sizeof k));
	if (why != NULL && strstr(err.msg, why) == NULL) {
		fprintf(stderr, "\nvkey '%s': message '%s' lacks '%s'\n", vkey, err.msg, why);
		CU_FAIL("message does not say what is wrong");
	}
}

static void test_vkey_malformed(void)
{
	expect_bad_vkey("", "has 1 field");
	expect_bad_vkey("PeterNeumann", "has 1 field");
	expect_bad_vkey("PeterNeumann+c74f20a3", "has 2 fields");
	expect_bad_vkey("PeterNeumann+c74f20a3ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
		"has 2 fields");
	expect_bad_vkey("+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "invalid key name");
	expect_bad_vkey("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
		"invalid key name");
	expect_bad_vkey("PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
		"not 8 hex digits");
	expect_bad_vkey("PeterNeumann+c74f20a30+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
		"not 8 hex digits");
	expect_bad_vkey("PeterNeumann+c74f20g3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
		"not 8 hex digits");
	expect_bad_vkey("PeterNeumann+0xc74f20+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
		"not 8 hex digits");
	expect_bad_vkey("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
		"does not match its key (c74f20a3)");
	expect_bad_vkey("PeterNeumann+c74f20a3+", "is empty");
	expect_bad_vkey("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",
		"not valid base64");
	expect_bad_vkey("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW=",
		"not valid base64");
	expect_bad_vkey("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T!",
		"not valid base64");
	expect_bad_vkey("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW ",
		"not valid base64");
	/* From Go's note_test.go: wrong length and unknown algorithm, with the
	 * key hash adjusted so that only that is wrong. Go decodes "EY==" by
	 * ignoring its non-zero trailing bits; libsodium (and so gongbao) does
	 * not, so that key is not even base64 here. */
	expect_bad_vkey("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
		"not valid base64");
	expect_bad_vkey("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWAAAA",
		"is 36 bytes, want 33");
	expect_bad_vkey("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
		"unknown algorithm 0x65");
	expect_bad_vkey("PeterNeumann+c74f20a3+AhpcAA==", "unknown algorithm 0x02");
	expect_bad_vkey("PeterNeumann+c74f20a3+ARpc", "is 3 bytes, want 33");

	char longer[GB_VKEY_MAX + 8];
	memset(longer, 'a', sizeof longer - 1);
	longer[sizeof longer - 1] = '\0';
	expect_bad_vkey(longer, "over");

	/* Go accepts an upper-case key id, and so do we; formatting is lower. */
	gb_pubkey k;
	CU_ASSERT(gb_vkey_parse(&k,
		"PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", NULL) == 0);
	CU_ASSERT(k.keyid == 0xc74f20a3);

	/* As Go's TestNewVerifier: every proper substring and every byte
	 * changed by one must be rejected. */
	char v[GB_VKEY_MAX];
	strcpy(v, vec(VECTORS, "vkey"));
	size_t len = strlen(v);
	int accepted = 0;
	for (size_t i = 0; i <= len; i++) {
		for (size_t j = i + 1; j <= len; j++) {
			if (i == 0 && j == len)
				continue;
			char sub[GB_VKEY_MAX];
			memcpy(sub, v + i, j - i);
			sub[j - i] = '\0';
			accepted += gb_vkey_parse(&k, sub, NULL) == 0;
		}
	}
	for (size_t i = 0; i < len; i++) {
		v[i]++;
		accepted += gb_vkey_parse(&k, v, NULL) == 0;
		v[i]--;
	}
	CU_ASSERT(accepted == 0);
}

/* ---- secret keys ---- */

static void test_skey_parse(void)
{
	gb_seckey sk;
	gb_pubkey pk;
	gb_err err;
	CU_ASSERT_FATAL(gb_seckey_parse_c2sp(&sk, vec(VECTORS, "skey"), &err) == 0);
	CU_ASSERT_FATAL(gb_vkey_parse(&pk, vec(VECTORS, "vkey"), &err) == 0);
	CU_ASSERT(memcmp(&sk.pub, &pk, sizeof pk) == 0);
	char buf[GB_VKEY_MAX];
	gb_vkey_format(&sk.pub, buf);
	CU_ASSERT_STRING_EQUAL(buf, vec(VECTORS, "vkey"));

	/* A cosignature key in the same form (alg 0x04). */
	gb_seckey w;
	uint8_t seed[GB_SEED_BYTES];
	hex_decode(seed, sizeof seed, vec(CHECKPOINT_VECTORS, "witness_seed_hex"));
	CU_ASSERT_FATAL(gb_seckey_from_seed(&w, "gongbao.example/witness-1",
		GB_ALG_COSIGNATURE_V1, seed, &err) == 0);
	uint8_t algseed[33];
	char b64[64], skey[256];
	algseed[0] = GB_ALG_COSIGNATURE_V1;
	memcpy(algseed + 1, seed, 32);
	sodium_bin2base64(b64, sizeof b64, algseed, sizeof algseed, sodium_base64_VARIANT_ORIGINAL);
	snprintf(skey, sizeof skey, "PRIVATE+KEY+gongbao.example/witness-1+%08x+%s",
		(unsigned)w.pub.keyid, b64);
	gb_seckey w2;
	CU_ASSERT_FATAL(gb_seckey_parse_c2sp(&w2, skey, &err) == 0);
	CU_ASSERT(memcmp(&w, &w2, sizeof w) == 0);

	const char *bad[] = {
		"",
		"PRIVATE+KEY",
		"PRIVATE+KEY+PeterNeumann+c74f20a3",
		"private+key+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
		"PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
		"PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
		"PRIVATE+KEY+PeterNeumanN+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
		"PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDF",
		"PRIVATE+KEY+PeterNeumann+c74f20a3+AoEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
		"PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFzAA==",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&sk, 0x55, sizeof sk);
		err.msg[0] = '\0';
		CU_ASSERT(gb_seckey_parse_c2sp(&sk, bad[i], &err) == GB_EVKEY);
		CU_ASSERT(all_zero(&sk, sizeof sk));
		/* The message never quotes the secret part. */
		CU_ASSERT(strstr(err.msg, "AYEKFALV") == NULL);
		CU_ASSERT(strstr(err.msg, "AoEKFALV") == NULL);
	}
	/* Go's TestNewSigner: every proper substring and byte change fails. */
	char s[128];
	strcpy(s, vec(VECTORS, "skey"));
	size_t len = strlen(s);
	int accepted = 0;
	for (size_t i = 0; i <= len; i++) {
		for (size_t j = i + 1; j <= len; j++) {
			if (i == 0 && j == len)
				continue;
			char sub[128];
			memcpy(sub, s + i, j - i);
			sub[j - i] = '\0';
			accepted += gb_seckey_parse_c2sp(&sk, sub, NULL) == 0;
		}
	}
	for (size_t i = 0; i < len; i++) {
		s[i]++;
		accepted += gb_seckey_parse_c2sp(&sk, s, NULL) == 0;
		s[i]--;
	}
	CU_ASSERT(accepted == 0);
	gb_seckey_wipe(&w);
	gb_seckey_wipe(&w2);
}

static void test_from_seed(void)
{
	uint8_t seed[GB_SEED_BYTES];
	gb_seckey sk;
	gb_err err;
	char buf[GB_VKEY_MAX];
	/* The log key and witness key of checkpoint.json (made by Go). */
	hex_decode(seed, sizeof seed, vec(CHECKPOINT_VECTORS, "log_seed_hex"));
	CU_ASSERT_FATAL(gb_seckey_from_seed(&sk, "gongbao.example/log", GB_ALG_ED25519, seed,
		&err) == 0);
	gb_vkey_format(&sk.pub, buf);
	CU_ASSERT_STRING_EQUAL(buf, vec(CHECKPOINT_VECTORS, "log_vkey"));
	CU_ASSERT(memcmp(sk.sk, seed, 32) == 0);
	CU_ASSERT(memcmp(sk.sk + 32, sk.pub.pk, 32) == 0);

	hex_decode(seed, sizeof seed, vec(CHECKPOINT_VECTORS, "witness_seed_hex"));
	CU_ASSERT_FATAL(gb_seckey_from_seed(&sk, "gongbao.example/witness-1",
		GB_ALG_COSIGNATURE_V1, seed, &err) == 0);
	gb_vkey_format(&sk.pub, buf);
	CU_ASSERT_STRING_EQUAL(buf, vec(CHECKPOINT_VECTORS, "witness_vkey"));
	CU_ASSERT(sk.pub.keyid == 0x3f246b6e);

	memset(&sk, 0x55, sizeof sk);
	CU_ASSERT(gb_seckey_from_seed(&sk, "bad name", GB_ALG_ED25519, seed, &err) == GB_EINVAL);
	CU_ASSERT(strstr(err.msg, "'bad name'") != NULL);
	CU_ASSERT(all_zero(&sk, sizeof sk));
	CU_ASSERT(gb_seckey_from_seed(&sk, "ok", 0x02, seed, &err) == GB_EINVAL);
	CU_ASSERT(strstr(err.msg, "0x02") != NULL);
	CU_ASSERT(gb_seckey_from_seed(&sk, NULL, GB_ALG_ED25519, seed, &err) == GB_EINVAL);
	CU_ASSERT(gb_seckey_generate(&sk, "a+b", &err) == GB_EINVAL);
	CU_ASSERT(all_zero(&sk, sizeof sk));
}

static void test_sign_verify(void)
{
	gb_seckey a, b;
	CU_ASSERT_FATAL(gb_seckey_generate(&a, "picc-zs", NULL) == 0);
	CU_ASSERT_FATAL(gb_seckey_generate(&b, "picc-zs", NULL) == 0);
	CU_ASSERT(a.pub.alg == GB_ALG_ED25519);
	CU_ASSERT(memcmp(a.pub.pk, b.pub.pk, GB_PK_BYTES) != 0);
	CU_ASSERT(a.pub.keyid == gb_key_id("picc-zs", GB_ALG_ED25519, a.pub.pk));
	uint8_t msg[] = "premium 1200 fen", sig[GB_SIG_BYTES];
	gb_seckey_sign(&a, msg, sizeof msg, sig);
	CU_ASSERT(gb_pubkey_verify(&a.pub, msg, sizeof msg, sig) == 0);
	CU_ASSERT(gb_pubkey_verify(&b.pub, msg, sizeof msg, sig) == GB_ESIG);
	msg[0] ^= 1;
	CU_ASSERT(gb_pubkey_verify(&a.pub, msg, sizeof msg, sig) == GB_ESIG);
	msg[0] ^= 1;
	sig[63] ^= 0x10;
	CU_ASSERT(gb_pubkey_verify(&a.pub, msg, sizeof msg, sig) == GB_ESIG);
	/* The vector key's signature of "text" is the one in the vector note. */
	gb_seckey_wipe(&a);
	CU_ASSERT(all_zero(&a, sizeof a));
	gb_seckey_wipe(&b);
	gb_seckey_wipe(NULL);
}

/* ---- key files ---- */

static void test_keyfile_round_trip(void)
{
	gb_seckey k, r;
	gb_pubkey pub;
	gb_err err;
	CU_ASSERT_FATAL(gb_seckey_generate(&k, "picc-zs", &err) == 0);
	const char *path = tmp_path("rt.key");
	unlink(path);
	CU_ASSERT_FATAL(gb_keyfile_write(path, &k, PASS, PASS_LEN, &err) == 0);
	struct stat st;
	CU_ASSERT_FATAL(stat(path, &st) == 0);
	CU_ASSERT((st.st_mode & 0777) == 0600);

	char text[GB_KEYFILE_MAX + 1], vkey[GB_VKEY_MAX], want[512];
	size_t n = read_file(path, text, sizeof text);
	gb_vkey_format(&k.pub, vkey);
	snprintf(want, sizeof want,
		"gongbao-secret-key v1\nname picc-zs\nvkey %s\nkdf argon2id13 2 67108864 ", vkey);
	CU_ASSERT(strncmp(text, want, strlen(want)) == 0);
	/* salt: 24 base64 chars; box: 24 + 16 + 1 + 32 + 7 = 80 bytes = 108 chars. */
	CU_ASSERT(n == strlen(want) + 24 + 1 + 4 + 108 + 1);
	CU_ASSERT(strstr(text, "\nbox ") == text + strlen(want) + 24);
	CU_ASSERT(text[n - 1] == '\n');

	CU_ASSERT_FATAL(gb_keyfile_read(path, PASS, PASS_LEN, &r, &err) == 0);
	CU_ASSERT(memcmp(&k, &r, sizeof k) == 0);
	CU_ASSERT_FATAL(gb_keyfile_read_public(path, &pub, &err) == 0);
	CU_ASSERT(memcmp(&pub, &k.pub, sizeof pub) == 0);

	/* A cosignature key keeps its algorithm. */
	uint8_t seed[GB_SEED_BYTES];
	hex_decode(seed, sizeof seed, vec(CHECKPOINT_VECTORS, "witness_seed_hex"));
	CU_ASSERT_FATAL(gb_seckey_from_seed(&k, "gongbao.example/witness-1",
		GB_ALG_COSIGNATURE_V1, seed, &err) == 0);
	path = tmp_path("witness.key");
	unlink(path);
	CU_ASSERT_FATAL(gb_keyfile_write(path, &k, "w", 1, &err) == 0);
	CU_ASSERT_FATAL(gb_keyfile_read(path, "w", 1, &r, &err) == 0);
	CU_ASSERT(memcmp(&k, &r, sizeof k) == 0);
	CU_ASSERT(r.pub.alg == GB_ALG_COSIGNATURE_V1);
	gb_seckey_wipe(&k);
	gb_seckey_wipe(&r);
}

/* Builds the example file from spec/KEYS.md step by step with libsodium,
 * independently of keys.c, and checks keys.c reads it. */
static void test_keyfile_spec_example(void)
{
	uint8_t salt[16], nonce[24], key[32], seed[32];
	for (int i = 0; i < 16; i++)
		salt[i] = (uint8_t)i;
	for (int i = 0; i < 24; i++)
		nonce[i] = (uint8_t)(0x10 + i);
	gb_seckey sk;
	CU_ASSERT_FATAL(gb_seckey_parse_c2sp(&sk, vec(VECTORS, "skey"), NULL) == 0);
	memcpy(seed, sk.sk, 32);
	CU_ASSERT_FATAL(crypto_pwhash(key, 32, PASS, PASS_LEN, salt, 2, 67108864,
		crypto_pwhash_ALG_ARGON2ID13) == 0);
	/* The same key from the reference Argon2 (libargon2, t=2, m=65536 KiB, p=1). */
	uint8_t want_key[32];
	hex_decode(want_key, 32, "c05ce4c4dd7e0e45ee6011cc59d068ade47df1b01fc0cf9cd4678bdf68a5b7b0");
	CU_ASSERT(memcmp(key, want_key, 32) == 0);
	uint8_t sealed[1 + 32 + 12], box[24 + 16 + sizeof sealed];
	sealed[0] = 0x01;
	memcpy(sealed + 1, seed, 32);
	memcpy(sealed + 33, "PeterNeumann", 12);
	memcpy(box, nonce, 24);
	crypto_secretbox_easy(box + 24, sealed, sizeof sealed, nonce, key);
	char salt64[32], box64[160], text[1024];
	sodium_bin2base64(salt64, sizeof salt64, salt, 16, sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(box64, sizeof box64, box, sizeof box, sodium_base64_VARIANT_ORIGINAL);
	snprintf(text, sizeof text, "gongbao-secret-key v1\nname PeterNeumann\nvkey %s\n"
		"kdf argon2id13 2 67108864 %s\nbox %s\n", vec(VECTORS, "vkey"), salt64, box64);
	CU_ASSERT_STRING_EQUAL(text, EXAMPLE_KEYFILE);

	const char *path = tmp_path("example.key");
	write_file(path, EXAMPLE_KEYFILE, strlen(EXAMPLE_KEYFILE));
	gb_seckey r;
	gb_err err;
	CU_ASSERT_FATAL(gb_keyfile_read(path, PASS, PASS_LEN, &r, &err) == 0);
	CU_ASSERT(memcmp(&r, &sk, sizeof sk) == 0);
	CU_ASSERT(gb_keyfile_read(path, "correct horse battery stapler", PASS_LEN + 1, &r, &err)
		== GB_EPASSPHRASE);
	CU_ASSERT(all_zero(&r, sizeof r));
	gb_seckey_wipe(&sk);
}

static void test_keyfile_wrong_passphrase(void)
{
	gb_seckey k, r;
	gb_err err;
	CU_ASSERT_FATAL(gb_seckey_generate(&k, "pingan", &err) == 0);
	const char *path = tmp_path("pass.key");
	unlink(path);
	CU_ASSERT_FATAL(gb_keyfile_write(path, &k, PASS, PASS_LEN, &err) == 0);
	memset(&r, 0x55, sizeof r);
	CU_ASSERT(gb_keyfile_read(path, PASS, PASS_LEN - 1, &r, &err) == GB_EPASSPHRASE);
	CU_ASSERT(err.code == GB_EPASSPHRASE);
	CU_ASSERT(strstr(err.msg, "wrong passphrase") != NULL);
	CU_ASSERT(all_zero(&r, sizeof r));
	CU_ASSERT(gb_keyfile_read(path, "", 0, &r, &err) == GB_EPASSPHRASE);
	char huge[GB_PASSPHRASE_MAX + 1];
	memset(huge, 'p', sizeof huge);
	CU_ASSERT(gb_keyfile_read(path, huge, sizeof huge, &r, &err) == GB_EINVAL);
	/* Writing needs a passphrase of 1..GB_PASSPHRASE_MAX bytes. */
	const char *p2 = tmp_path("nopass.key");
	unlink(p2);
	CU_ASSERT(gb_keyfile_write(p2, &k, "", 0, &err) == GB_EINVAL);
	CU_ASSERT(gb_keyfile_write(p2, &k, huge, sizeof huge, &err) == GB_EINVAL);
	CU_ASSERT(access(p2, F_OK) != 0);
	gb_seckey_wipe(&k);
}

static void test_keyfile_exists(void)
{
	gb_seckey k;
	gb_err err;
	CU_ASSERT_FATAL(gb_seckey_generate(&k, "cpic", &err) == 0);
	const char *path = tmp_path("exists.key");
	write_file(path, "keep me\n", 8);
	CU_ASSERT(gb_keyfile_write(path, &k, PASS, PASS_LEN, &err) == GB_EEXIST);
	CU_ASSERT(strstr(err.msg, "already exists") != NULL);
	char buf[64];
	CU_ASSERT(read_file(path, buf, sizeof buf) == 8);
	CU_ASSERT_STRING_EQUAL(buf, "keep me\n");
	/* A dangling symlink is not followed either. */
	const char *link = tmp_path("link.key");
	unlink(link);
	CU_ASSERT_FATAL(symlink(tmp_path("target-does-not-exist"), link) == 0);
	CU_ASSERT(gb_keyfile_write(link, &k, PASS, PASS_LEN, &err) == GB_EEXIST);
	CU_ASSERT(access(tmp_path("target-does-not-exist"), F_OK) != 0);
	unlink(link);
	/* A missing directory is an I/O error. */
	CU_ASSERT(gb_keyfile_write("/nonexistent-dir/x.key", &k, PASS, PASS_LEN, &err) == GB_EIO);
	gb_seckey_wipe(&k);
}

/* Replaces the first occurrence of `from` in text with `to`. */
static void replace(char *text, size_t cap, const char *from, const char *to)
{
	char *p = strstr(text, from);
	CU_ASSERT_FATAL(p != NULL);
	size_t fl = strlen(from), tl = strlen(to), rest = strlen(p + fl);
	CU_ASSERT_FATAL((size_t)(p - text) + tl + rest < cap);
	memmove(p + tl, p + fl, rest + 1);
	memcpy(p, to, tl);
}

/* Writes text to a file and expects both readers to fail with `code`
 * (reading the secret with PASS fails with code_secret). */
static void expect_keyfile(const char *text, size_t len, int code_public, int code_secret,
	const char *why)
{
	const char *path = tmp_path("bad.key");
	write_file(path, text, len);
	gb_pubkey pub;
	gb_seckey sk;
	gb_err err = { 0, "" };
	int rc = gb_keyfile_read_public(path, &pub, &err);
	CU_ASSERT(rc == code_public);
	if (code_public != 0 && why != NULL && strstr(err.msg, why) == NULL) {
		fprintf(stderr, "\nmessage '%s' lacks '%s'\n", err.msg, why);
		CU_FAIL("public read message");
	}
	memset(&sk, 0x55, sizeof sk);
	rc = gb_keyfile_read(path, PASS, PASS_LEN, &sk, &err);
	CU_ASSERT(rc == code_secret);
	if (rc != code_secret)
		fprintf(stderr, "\nwant %d got %d: %s\n", code_secret, rc, err.msg);
	if (code_secret != 0) {
		CU_ASSERT(all_zero(&sk, sizeof sk));
		if (why != NULL && strstr(err.msg, why) == NULL) {
			fprintf(stderr, "\nmessage '%s' lacks '%s'\n", err.msg, why);
			CU_FAIL("secret read message");
		}
	}
}

static void test_keyfile_truncated(void)
{
	const char *ex = EXAMPLE_KEYFILE;
	size_t ex_len = strlen(ex);

	/* Every truncation is malformed, and found before any KDF work. */
	for (size_t n = 0; n < ex_len; n++) {
		const char *path = tmp_path("trunc.key");
		write_file(path, ex, n);
		gb_pubkey pub;
		gb_seckey sk;
		CU_ASSERT(gb_keyfile_read_public(path, &pub, NULL) == GB_EKEYFILE);
		CU_ASSERT(gb_keyfile_read(path, PASS, PASS_LEN, &sk, NULL) == GB_EKEYFILE);
	}
}

static void test_keyfile_bad_lines(void)
{
	char t[2048];
	const char *ex = EXAMPLE_KEYFILE;
	size_t ex_len = strlen(ex);
	expect_keyfile(ex, ex_len - 1, GB_EKEYFILE, GB_EKEYFILE, "line 5: has no final newline");
	expect_keyfile(ex, 0, GB_EKEYFILE, GB_EKEYFILE, "line 1: missing");

	strcpy(t, ex);
	strcat(t, "extra\n");
	expect_keyfile(t, strlen(t), GB_EKEYFILE, GB_EKEYFILE, "line 6");
	strcpy(t, ex);
	strcat(t, "\n");
	expect_keyfile(t, strlen(t), GB_EKEYFILE, GB_EKEYFILE, "line 6");

	strcpy(t, ex);
	replace(t, sizeof t, "v1", "v2");
	expect_keyfile(t, strlen(t), GB_EKEYFILE, GB_EKEYFILE, "line 1");
	strcpy(t, ex);
	replace(t, sizeof t, "v1", "v10");
	expect_keyfile(t, strlen(t), GB_EKEYFILE, GB_EKEYFILE, "line 1: unknown key file version");
	strcpy(t, ex);
	replace(t, sizeof t, "name ", "nome ");
	expect_keyfile(t, strlen(t), GB_EKEYFILE, GB_EKEYFILE, "line 2");
	strcpy(t, ex);
	replace(t, sizeof t, "name PeterNeumann", "name Peter Neumann");
	expect_keyfile(t, strlen(t), GB_EKEYFILE, GB_EKEYFILE, "line 2: invalid key name");
	strcpy(t, ex);
	replace(t, sizeof t, "name PeterNeumann", "name EnochRoot");
	expect_keyfile(t, strlen(t), GB_EKEYFILE, GB_EKEYFILE, "line 3: vkey name 'PeterNeumann' differs");
	/* A vkey line that is not a valid vkey: the vkey message, on line 3. */
	strcpy(t, ex);
	replace(t, sizeof t, "c74f20a3", "c74f20a4");
	expect_keyfile(t, strlen(t), GB_EKEYFILE, GB_EKEYFILE, "line 3: key id c74f20a4");
	strcpy(t, ex);
	replace(t, sizeof t, "kdf argon2id13", "kdf scrypt");
	expect_keyfile(t, strlen(t), GB_EKEYFILE, GB_EKEYFILE, "line 4");
	strcpy(t, ex);
	replace(t, sizeof t, "AAECAwQFBgcICQoLDA0ODw==", "AAECAwQFBgcICQoLDA0O");
	expect_keyfile(t, strlen(t), GB_EKEYFILE, GB_EKEYFILE, "line 4: salt");
	strcpy(t, ex);
	replace(t, sizeof t, " 67108864 AAEC", " 67108864  AAEC");
	expect_keyfile(t, strlen(t), GB_EKEYFILE, GB_EKEYFILE, "line 4: salt");
	strcpy(t, ex);
	replace(t, sizeof t, "box EBES", "box !BES");
	expect_keyfile(t, strlen(t), GB_EKEYFILE, GB_EKEYFILE, "line 5: box");
	strcpy(t, ex);
	replace(t, sizeof t, "box ", "bx ");
	expect_keyfile(t, strlen(t), GB_EKEYFILE, GB_EKEYFILE, "line 5");
	/* A box too short to hold alg, seed and a name. */
	strcpy(t, ex);
	char *box = strstr(t, "box ") + 4;
	strcpy(box, "EBESExQVFhcYGRobHB0eHyAhIiMkJSYnfx1ndl0vki2Kp1igpESUY2jsR5Vr72ZDCrwEpvOLKFBr\n");
	expect_keyfile(t, strlen(t), GB_EKEYFILE, GB_EKEYFILE, "line 5: box");
	/* A NUL byte. */
	memcpy(t, ex, ex_len);
	t[5] = '\0';
	expect_keyfile(t, ex_len, GB_EKEYFILE, GB_EKEYFILE, "NUL");
	/* CRLF line ends are not the format. */
	strcpy(t, ex);
	replace(t, sizeof t, "v1\n", "v1\r\n");
	expect_keyfile(t, strlen(t), GB_EKEYFILE, GB_EKEYFILE, "line 1");

}

static void test_keyfile_bad_files(void)
{
	/* Over GB_KEYFILE_MAX bytes. */
	static char big[GB_KEYFILE_MAX + 2];
	memset(big, 'x', sizeof big);
	expect_keyfile(big, GB_KEYFILE_MAX + 1, GB_EKEYFILE, GB_EKEYFILE, "over 4096 bytes");

	/* Missing file and a directory: I/O errors. */
	gb_pubkey pub;
	gb_seckey sk;
	gb_err err;
	CU_ASSERT(gb_keyfile_read_public(tmp_path("missing.key"), &pub, &err) == GB_EIO);
	CU_ASSERT(strstr(err.msg, "cannot open") != NULL);
	CU_ASSERT(gb_keyfile_read(tmp_path("missing.key"), PASS, PASS_LEN, &sk, &err) == GB_EIO);
	CU_ASSERT(gb_keyfile_read_public(tmpdir, &pub, &err) == GB_EIO);
}

static void test_keyfile_kdf_bounds(void)
{
	char t[2048];
	const char *ex = EXAMPLE_KEYFILE;
	struct { const char *from, *to, *why; } cases[] = {
		{ " 67108864 ", " 1099511627776 ", "memlimit '1099511627776'" }, /* 1 TiB */
		{ " 67108864 ", " 268435457 ", "memlimit" },    /* GB_KEYFILE_MEMLIMIT_MAX + 1 */
		{ " 67108864 ", " 18446744073709551616 ", "memlimit" }, /* 2^64 */
		{ " 67108864 ", " 8191 ", "memlimit" },          /* below libsodium's minimum */
		{ " 67108864 ", " 067108864 ", "memlimit" },     /* leading zero */
		{ " 67108864 ", " -67108864 ", "memlimit" },
		{ " 67108864 ", " 0x4000000 ", "memlimit" },
		{ " 67108864 ", " ", "memlimit" },
		{ "argon2id13 2 ", "argon2id13 0 ", "opslimit '0'" },
		{ "argon2id13 2 ", "argon2id13 17 ", "opslimit '17'" },
		{ "argon2id13 2 ", "argon2id13 4294967296 ", "opslimit" },
		{ "argon2id13 2 ", "argon2id13 02 ", "opslimit" },
		{ "argon2id13 2 ", "argon2id13 +2 ", "opslimit" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		strcpy(t, ex);
		replace(t, sizeof t, cases[i].from, cases[i].to);
		expect_keyfile(t, strlen(t), GB_EKEYFILE, GB_EKEYFILE, cases[i].why);
	}
	/* The bounds themselves are accepted (then the key differs: passphrase). */
	strcpy(t, ex);
	replace(t, sizeof t, "argon2id13 2 67108864", "argon2id13 1 8192");
	expect_keyfile(t, strlen(t), 0, GB_EPASSPHRASE, "wrong passphrase");
}

/* Decodes the box line of text, lets `edit` change it, re-encodes it. */
static void edit_box(char *text, size_t cap, size_t at, uint8_t xor)
{
	char *b64 = strstr(text, "\nbox ") + 5;
	char *end = strchr(b64, '\n');
	uint8_t box[256];
	size_t len = 0;
	CU_ASSERT_FATAL(sodium_base642bin(box, sizeof box, b64, (size_t)(end - b64), NULL, &len,
		NULL, sodium_base64_VARIANT_ORIGINAL) == 0);
	CU_ASSERT_FATAL(at < len);
	box[at] ^= xor;
	char enc[400];
	sodium_bin2base64(enc, sizeof enc, box, len, sodium_base64_VARIANT_ORIGINAL);
	CU_ASSERT_FATAL(strlen(enc) == (size_t)(end - b64));
	CU_ASSERT_FATAL((size_t)(end - text) < cap);
	memcpy(b64, enc, strlen(enc));
}

static void test_keyfile_tampered(void)
{
	char t[2048];
	const char *ex = EXAMPLE_KEYFILE;

	/* A flipped byte in the box (nonce, MAC, ciphertext) fails the MAC: it
	 * cannot be told from a wrong passphrase, so GB_EPASSPHRASE. */
	size_t at[] = { 0, 23, 24, 39, 40, 84 };
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
		strcpy(t, ex);
		edit_box(t, sizeof t, at[i], 0x01);
		expect_keyfile(t, strlen(t), 0, GB_EPASSPHRASE, "wrong passphrase");
	}
	/* A flipped bit in the salt changes the derived key: same. */
	strcpy(t, ex);
	replace(t, sizeof t, "AAECAwQF", "AQECAwQF");
	expect_keyfile(t, strlen(t), 0, GB_EPASSPHRASE, "wrong passphrase");

	/* The vkey line swapped for another key with the same name (a valid
	 * vkey): the public reader cannot tell, the secret reader must. */
	gb_seckey other;
	char vkey[GB_VKEY_MAX];
	CU_ASSERT_FATAL(gb_seckey_generate(&other, "PeterNeumann", NULL) == 0);
	gb_vkey_format(&other.pub, vkey);
	strcpy(t, ex);
	replace(t, sizeof t, vec(VECTORS, "vkey"), vkey);
	expect_keyfile(t, strlen(t), 0, GB_EKEYFILE, "public key differs from the vkey line");

	/* The same public key relabelled as a cosignature key. */
	gb_pubkey cos;
	CU_ASSERT_FATAL(gb_vkey_parse(&cos, vec(VECTORS, "vkey"), NULL) == 0);
	cos.alg = GB_ALG_COSIGNATURE_V1;
	cos.keyid = gb_key_id(cos.name, cos.alg, cos.pk);
	gb_vkey_format(&cos, vkey);
	strcpy(t, ex);
	replace(t, sizeof t, vec(VECTORS, "vkey"), vkey);
	expect_keyfile(t, strlen(t), 0, GB_EKEYFILE, "name or algorithm differs");

	/* The same public key renamed consistently on lines 2 and 3. */
	gb_pubkey ren;
	CU_ASSERT_FATAL(gb_vkey_parse(&ren, vec(VECTORS, "vkey"), NULL) == 0);
	strcpy(ren.name, "PeterNeumanX");
	ren.keyid = gb_key_id(ren.name, ren.alg, ren.pk);
	gb_vkey_format(&ren, vkey);
	strcpy(t, ex);
	replace(t, sizeof t, vec(VECTORS, "vkey"), vkey);
	replace(t, sizeof t, "name PeterNeumann", "name PeterNeumanX");
	expect_keyfile(t, strlen(t), 0, GB_EKEYFILE, "name or algorithm differs");
	gb_seckey_wipe(&other);
}

static void cleanup_tmpdir(void)
{
	if (tmpdir[0] == '\0')
		return;
	const char *names[] = { "rt.key", "witness.key", "example.key", "pass.key",
		"nopass.key", "exists.key", "link.key", "bad.key", "trunc.key" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		unlink(tmp_path(names[i]));
	CU_ASSERT(rmdir(tmpdir) == 0);
}

static void add_tests(CU_pSuite s)
{
	CU_add_test(s, "key names", test_names);
	CU_add_test(s, "key id of the vector keys", test_key_id_vector);
	CU_add_test(s, "vkey format/parse round trip", test_vkey_round_trip);
	CU_add_test(s, "malformed vkeys", test_vkey_malformed);
	CU_add_test(s, "C2SP private keys", test_skey_parse);
	CU_add_test(s, "keys from seeds", test_from_seed);
	CU_add_test(s, "sign and verify", test_sign_verify);
	CU_add_test(s, "key file round trip", test_keyfile_round_trip);
	CU_add_test(s, "key file spec example", test_keyfile_spec_example);
	CU_add_test(s, "key file wrong passphrase", test_keyfile_wrong_passphrase);
	CU_add_test(s, "key file exists", test_keyfile_exists);
	CU_add_test(s, "truncated key files", test_keyfile_truncated);
	CU_add_test(s, "malformed key file lines", test_keyfile_bad_lines);
	CU_add_test(s, "oversized, missing and odd key files", test_keyfile_bad_files);
	CU_add_test(s, "key file KDF bounds", test_keyfile_kdf_bounds);
	CU_add_test(s, "tampered key files", test_keyfile_tampered);
	CU_add_test(s, "cleanup", cleanup_tmpdir);
}

GB_CUNIT_MAIN("keys", add_tests)
