/*
 * test_note.c: signed notes, checkpoints and cosignatures against the
 * known-answer vectors in tests/vectors/signed-note (vectors.json from Go's
 * note package tests; checkpoint.json made by gen_checkpoint.go with Go).
 */
#include "gongbao/note.h"

#include <jansson.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cu.h"

#define VECTORS "tests/vectors/signed-note/vectors.json"
#define CP_VECTORS "tests/vectors/signed-note/checkpoint.json"

#define EM_DASH "\xe2\x80\x94"

/* The C2SP tlog-cosignature example (its keys are not published). */
static const char SPEC_COSIGNED[] =
	"example.com/behind-the-sofa\n"
	"20852163\n"
	"CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
	"\n"
	EM_DASH " example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
	EM_DASH " witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n";

/* Returns the string `key` of the JSON object in `path` (a static copy). */
static const char *vec(const char *path, const char *key)
{
	static char buf[8][4096];
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

static gb_pubkey vkey(const char *path, const char *key)
{
	gb_pubkey k;
	gb_err err;
	if (gb_vkey_parse(&k, vec(path, key), &err) != 0) {
		fprintf(stderr, "%s %s: %s\n", path, key, err.msg);
		abort();
	}
	return k;
}

static gb_seckey seed_key(const char *name, uint8_t alg, const char *seed_hex)
{
	uint8_t seed[GB_SEED_BYTES];
	size_t n = 0;
	gb_seckey k;
	if (sodium_hex2bin(seed, sizeof seed, seed_hex, strlen(seed_hex), NULL, &n, NULL) != 0 ||
	    n != sizeof seed || gb_seckey_from_seed(&k, name, alg, seed, NULL) != 0)
		abort();
	return k;
}

static gb_seckey log_key(void)
{
	return seed_key("gongbao.example/log", GB_ALG_ED25519, vec(CP_VECTORS, "log_seed_hex"));
}

static gb_seckey witness_key(void)
{
	return seed_key("gongbao.example/witness-1", GB_ALG_COSIGNATURE_V1,
		vec(CP_VECTORS, "witness_seed_hex"));
}

/* Opens msg and expects `code`, with `why` in the message when given. */
static void expect_open(const char *msg, size_t len, const gb_pubkey *v, size_t count,
	int code, const char *why)
{
	gb_note note;
	gb_err err = { 0, "" };
	int rc = gb_note_open(msg, len, v, count, &note, &err);
	CU_ASSERT(rc == code);
	if (rc != code)
		fprintf(stderr, "\nwant %s got %s: %s\n", gb_errname(code), gb_errname(rc), err.msg);
	if (code != 0 && why != NULL && strstr(err.msg, why) == NULL) {
		fprintf(stderr, "\nmessage '%s' lacks '%s'\n", err.msg, why);
		CU_FAIL("message does not say what is wrong");
	}
}

/* ---- signed notes ---- */

static void test_sign_vector(void)
{
	gb_seckey k;
	gb_err err;
	CU_ASSERT_FATAL(gb_seckey_parse_c2sp(&k, vec(VECTORS, "skey"), &err) == 0);
	const char *text = vec(VECTORS, "text");
	const char *want = vec(VECTORS, "signed");
	char out[GB_NOTE_MAX];
	size_t len = 0;
	CU_ASSERT_FATAL(gb_note_sign(text, strlen(text), &k, out, sizeof out, &len, &err) == 0);
	CU_ASSERT(len == strlen(want));
	CU_ASSERT(memcmp(out, want, strlen(want)) == 0);
	CU_ASSERT(out[len] == '\0');
	/* Exactly enough room: no NUL, same bytes. */
	char exact[512];
	memset(exact, 'Z', sizeof exact);
	CU_ASSERT_FATAL(gb_note_sign(text, strlen(text), &k, exact, strlen(want), &len, &err) == 0);
	CU_ASSERT(memcmp(exact, want, strlen(want)) == 0);
	CU_ASSERT(exact[strlen(want)] == 'Z');
	/* In place. */
	char inplace[512];
	strcpy(inplace, text);
	CU_ASSERT_FATAL(gb_note_sign(inplace, strlen(text), &k, inplace, sizeof inplace, &len,
		&err) == 0);
	CU_ASSERT_STRING_EQUAL(inplace, want);
	gb_seckey_wipe(&k);
}

static void test_open_vector(void)
{
	const char *msg = vec(VECTORS, "signed");
	const char *text = vec(VECTORS, "text");
	gb_pubkey v = vkey(VECTORS, "vkey");
	gb_note note;
	gb_err err;
	CU_ASSERT_FATAL(gb_note_open(msg, strlen(msg), &v, 1, &note, &err) == 0);
	CU_ASSERT(note.text == msg);
	CU_ASSERT(note.text_len == strlen(text));
	CU_ASSERT(memcmp(note.text, text, strlen(text)) == 0);
	CU_ASSERT(note.sig_count == 1);
	CU_ASSERT(note.verified_count == 1);
	CU_ASSERT_STRING_EQUAL(note.sigs[0].name, "PeterNeumann");
	CU_ASSERT(note.sigs[0].keyid == 0xc74f20a3);
	CU_ASSERT(note.sigs[0].sig_len == 64);
	CU_ASSERT(note.sigs[0].verified == 1);
	CU_ASSERT(note.sigs[0].verifier == 0);
}

static void test_second_signature(void)
{
	char msg[1024];
	snprintf(msg, sizeof msg, "%s%s", vec(VECTORS, "signed"),
		vec(VECTORS, "second_signature_line"));
	gb_pubkey v[2] = { vkey(VECTORS, "vkey"), vkey(VECTORS, "second_vkey") };
	gb_note note;
	gb_err err;
	CU_ASSERT_FATAL(gb_note_open(msg, strlen(msg), v, 2, &note, &err) == 0);
	CU_ASSERT(note.sig_count == 2);
	CU_ASSERT(note.verified_count == 2);
	CU_ASSERT_STRING_EQUAL(note.sigs[1].name, "EnochRoot");
	CU_ASSERT(note.sigs[1].keyid == 0xaf0cfe78);
	CU_ASSERT(note.sigs[1].verified == 1);
	CU_ASSERT(note.sigs[1].verifier == 1);

	/* Only the second verifier: Peter's line is kept, unverified. */
	CU_ASSERT_FATAL(gb_note_open(msg, strlen(msg), &v[1], 1, &note, &err) == 0);
	CU_ASSERT(note.sig_count == 2);
	CU_ASSERT(note.verified_count == 1);
	CU_ASSERT(note.sigs[0].verified == 0);
	CU_ASSERT(note.sigs[0].keyid == 0xc74f20a3);
	CU_ASSERT(note.sigs[1].verified == 1);
	CU_ASSERT(note.sigs[1].verifier == 0);
	CU_ASSERT(note.text_len == strlen(vec(VECTORS, "text")));

	/* No known key: GB_ENOTESIG, with the parsed note. */
	CU_ASSERT(gb_note_open(msg, strlen(msg), NULL, 0, &note, &err) == GB_ENOTESIG);
	CU_ASSERT(strstr(err.msg, "no signature on the note is by a known key") != NULL);
	CU_ASSERT(note.sig_count == 2);
	CU_ASSERT(note.verified_count == 0);
	CU_ASSERT(note.text_len == strlen(vec(VECTORS, "text")));

	/* Adding a signature by a new key, then opening with both. */
	gb_seckey k;
	CU_ASSERT_FATAL(gb_seckey_generate(&k, "picc-zs", NULL) == 0);
	char buf[2048];
	size_t len = strlen(vec(VECTORS, "signed"));
	memcpy(buf, vec(VECTORS, "signed"), len);
	CU_ASSERT_FATAL(gb_note_add_signature(buf, sizeof buf, &len, &k, 0, &err) == 0);
	CU_ASSERT(buf[len] == '\0');
	CU_ASSERT(strncmp(buf, vec(VECTORS, "signed"), strlen(vec(VECTORS, "signed"))) == 0);
	CU_ASSERT(strncmp(buf + strlen(vec(VECTORS, "signed")), EM_DASH " picc-zs ", 12) == 0);
	gb_pubkey both[2] = { v[0], k.pub };
	CU_ASSERT_FATAL(gb_note_open(buf, len, both, 2, &note, &err) == 0);
	CU_ASSERT(note.verified_count == 2);
	CU_ASSERT(note.sigs[1].verifier == 1);

	/* Re-signing by Peter replaces his line: deterministic Ed25519 puts the
	 * same line back, now after the others (as Go's note.Sign). */
	gb_seckey peter;
	CU_ASSERT_FATAL(gb_seckey_parse_c2sp(&peter, vec(VECTORS, "skey"), NULL) == 0);
	memcpy(buf, msg, strlen(msg));
	len = strlen(msg);
	CU_ASSERT_FATAL(gb_note_add_signature(buf, sizeof buf, &len, &peter, 0, &err) == 0);
	char want[1024];
	const char *signed_msg = vec(VECTORS, "signed");
	const char *text = vec(VECTORS, "text");
	snprintf(want, sizeof want, "%s\n%s%s", text, vec(VECTORS, "second_signature_line"),
		signed_msg + strlen(text) + 1);
	CU_ASSERT(len == strlen(want));
	CU_ASSERT(strcmp(buf, want) == 0);
	gb_seckey_wipe(&k);
	gb_seckey_wipe(&peter);
}

static void test_open_failures(void)
{
	const char *signed_msg = vec(VECTORS, "signed");
	const char *text = vec(VECTORS, "text");
	gb_pubkey peter = vkey(VECTORS, "vkey"), enoch = vkey(VECTORS, "second_vkey");
	char peter_line[256], enoch_line[256], m[GB_NOTE_MAX + 64];
	strcpy(peter_line, signed_msg + strlen(text) + 1);
	strcpy(enoch_line, vec(VECTORS, "second_signature_line"));
	size_t n = strlen(signed_msg);

	/* A wrong key: unknown. A key with the right name and id but another
	 * public key: the signature does not verify. */
	expect_open(signed_msg, n, &enoch, 1, GB_ENOTESIG, "no signature on the note is by a known key");
	gb_pubkey forged = peter;
	forged.pk[0] ^= 1;
	expect_open(signed_msg, n, &forged, 1, GB_ENOTESIG, "'PeterNeumann+c74f20a3' does not verify");
	gb_note zeroed;
	CU_ASSERT(gb_note_open(signed_msg, n, &forged, 1, &zeroed, NULL) == GB_ENOTESIG);
	CU_ASSERT(zeroed.sig_count == 0);
	CU_ASSERT(zeroed.text == NULL);
	/* A bit flipped in the text. */
	strcpy(m, signed_msg);
	m[0] ^= 0x01;
	expect_open(m, n, &peter, 1, GB_ENOTESIG, "does not verify");
	/* A bit flipped in the signature (base64 char 20: past the key id). */
	strcpy(m, signed_msg);
	char *b64 = strstr(m, "PeterNeumann ") + 13;
	b64[20] = b64[20] == 'A' ? 'B' : 'A';
	expect_open(m, n, &peter, 1, GB_ENOTESIG, "does not verify");
	/* A bit flipped in the key id: the line is by an unknown key. */
	strcpy(m, signed_msg);
	b64 = strstr(m, "PeterNeumann ") + 13;
	b64[1] = b64[1] == 'A' ? 'B' : 'A';
	expect_open(m, n, &peter, 1, GB_ENOTESIG, "no signature on the note is by a known key");
	/* Go's case: "ABCD" inserted into the signature (67 bytes after the id). */
	snprintf(m, sizeof m, "%s\n%.60sABCD%s", text, peter_line, peter_line + 60);
	expect_open(m, strlen(m), &peter, 1, GB_ENOTESIG, "does not verify");
}

static void test_open_malformed(void)
{
	const char *signed_msg = vec(VECTORS, "signed");
	const char *text = vec(VECTORS, "text");
	gb_pubkey peter = vkey(VECTORS, "vkey"), enoch = vkey(VECTORS, "second_vkey");
	char peter_line[256], enoch_line[256], m[GB_NOTE_MAX + 64];
	strcpy(peter_line, signed_msg + strlen(text) + 1);
	strcpy(enoch_line, vec(VECTORS, "second_signature_line"));
	size_t n = strlen(signed_msg);

	/* Missing blank line. */
	snprintf(m, sizeof m, "%s%s", text, peter_line);
	expect_open(m, strlen(m), &peter, 1, GB_ENOTE, "no blank line");
	/* Trailing garbage line. */
	snprintf(m, sizeof m, "%sUnexpected line.\n", signed_msg);
	expect_open(m, strlen(m), &peter, 1, GB_ENOTE, "signature line 2 does not start with an em dash");
	/* Trailing blank line: the signatures move into the text. */
	snprintf(m, sizeof m, "%s\n", signed_msg);
	expect_open(m, strlen(m), &peter, 1, GB_ENOTE, "no signature line");
	/* Not UTF-8, and a control character. */
	snprintf(m, sizeof m, "\xff%s", signed_msg);
	expect_open(m, strlen(m), &peter, 1, GB_ENOTE, "invalid UTF-8 at byte 0");
	const char *bad_utf8[] = { "\xc0\xa0", "\xe0\x80\xa0", "\xf0\x80\x80\xa0",
		"\xed\xa0\x80", "\xf4\x90\x80\x80", "\x80", "\xe2\x80", "\xf8\x88\x80\x80\x80" };
	for (size_t i = 0; i < sizeof bad_utf8 / sizeof bad_utf8[0]; i++) {
		snprintf(m, sizeof m, "If you%sthink%s", bad_utf8[i], signed_msg + 6);
		expect_open(m, strlen(m), &peter, 1, GB_ENOTE, "invalid UTF-8 at byte 6");
	}
	/* U+FFFD itself, U+10FFFF and DEL are fine in text (the signature then fails). */
	snprintf(m, sizeof m, "If you\xef\xbf\xbd\xf4\x8f\xbf\xbf\x7fthink%s", signed_msg + 6);
	expect_open(m, strlen(m), &peter, 1, GB_ENOTESIG, "does not verify");
	snprintf(m, sizeof m, "\x01%s", signed_msg);
	expect_open(m, strlen(m), &peter, 1, GB_ENOTE, "control character 0x01 at byte 0");
	snprintf(m, sizeof m, "%.*s\r\n\n%s", (int)strlen(text) - 1, text, peter_line);
	expect_open(m, strlen(m), &peter, 1, GB_ENOTE, "control character 0x0d");
	/* Bad base64 in the signature. */
	snprintf(m, sizeof m, "%s\n" EM_DASH " PeterNeumann x08go/ZJkuBS9!\n", text);
	expect_open(m, strlen(m), &peter, 1, GB_ENOTE, "not valid base64");
	/* Valid base64 of 6 bytes by a known key: too short to verify. */
	snprintf(m, sizeof m, "%s\n" EM_DASH " PeterNeumann x08go/ZJ\n", text);
	expect_open(m, strlen(m), &peter, 1, GB_ENOTESIG, "does not verify");
	snprintf(m, sizeof m, "%s\n" EM_DASH " PeterNeumann x08go/Z\n", text);
	expect_open(m, strlen(m), &peter, 1, GB_ENOTE, "not valid base64");
	/* Shorter than key id + 1 byte. */
	snprintf(m, sizeof m, "%s\n" EM_DASH " PeterNeumann x08gow==\n", text);
	expect_open(m, strlen(m), &peter, 1, GB_ENOTE, "4 bytes, want at least 5");
	/* No signature after the name, or an empty one. */
	snprintf(m, sizeof m, "%s\n" EM_DASH " PeterNeumann\n", text);
	expect_open(m, strlen(m), &peter, 1, GB_ENOTE, "has no signature");
	snprintf(m, sizeof m, "%s\n" EM_DASH " PeterNeumann \n", text);
	expect_open(m, strlen(m), &peter, 1, GB_ENOTE, "has no signature");
	/* Go's "Bad Name" case and other bad names. */
	snprintf(m, sizeof m, "%s\n" EM_DASH " Bad Name %s", text, peter_line + 17);
	expect_open(m, strlen(m), &peter, 1, GB_ENOTE, "not valid base64");
	snprintf(m, sizeof m, "%s\n" EM_DASH " Peter+Neumann %s", text, peter_line + 17);
	expect_open(m, strlen(m), &peter, 1, GB_ENOTE, "invalid key name 'Peter+Neumann'");
	snprintf(m, sizeof m, "%s\n" EM_DASH "  %s", text, peter_line + 17);
	expect_open(m, strlen(m), &peter, 1, GB_ENOTE, "invalid key name ''");
	snprintf(m, sizeof m, "%s\n- PeterNeumann %s", text, peter_line + 17);
	expect_open(m, strlen(m), &peter, 1, GB_ENOTE, "does not start with an em dash");
	snprintf(m, sizeof m, "%s\n" EM_DASH "PeterNeumann %s", text, peter_line + 17);
	expect_open(m, strlen(m), &peter, 1, GB_ENOTE, "does not start with an em dash");
	char longname[GB_NAME_MAX + 2];
	memset(longname, 'n', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	snprintf(m, sizeof m, "%s%s" EM_DASH " %s %s", signed_msg, "", longname, peter_line + 17);
	expect_open(m, strlen(m), &peter, 1, GB_ENOTE, "129 bytes, over the limit of 128");
	/* No final newline; text only; text and blank line only; empty. */
	expect_open(signed_msg, n - 1, &peter, 1, GB_ENOTE, "does not end with a newline");
	expect_open(text, strlen(text), &peter, 1, GB_ENOTE, "no blank line");
	snprintf(m, sizeof m, "%s\n", text);
	expect_open(m, strlen(m), &peter, 1, GB_ENOTE, "no signature line");
	expect_open("", 0, &peter, 1, GB_ENOTE, "does not end with a newline");
	expect_open("\n\n", 2, &peter, 1, GB_ENOTE, "no signature line");
	/* Over GB_NOTE_MAX bytes. */
	memset(m, 'a', GB_NOTE_MAX + 1);
	expect_open(m, GB_NOTE_MAX + 1, &peter, 1, GB_ENOTE, "over the limit of 16384");

	/* Ambiguous verifiers (Go: "ambiguous key"), unless not used. */
	gb_pubkey three[3] = { enoch, peter, enoch };
	snprintf(m, sizeof m, "%s\n%s", text, enoch_line);
	expect_open(m, strlen(m), three, 3, GB_EINVAL, "ambiguous key EnochRoot+af0cfe78");
	expect_open(signed_msg, n, three, 3, 0, NULL);
}

static void test_duplicates_and_limits(void)
{
	const char *signed_msg = vec(VECTORS, "signed");
	const char *text = vec(VECTORS, "text");
	gb_pubkey peter = vkey(VECTORS, "vkey");
	char peter_line[256], enoch_line[256], enoch_abcd[260], m[GB_NOTE_MAX + 64];
	strcpy(peter_line, signed_msg + strlen(text) + 1);
	strcpy(enoch_line, vec(VECTORS, "second_signature_line"));
	snprintf(enoch_abcd, sizeof enoch_abcd, "%.60sABCD%s", enoch_line, enoch_line + 60);
	gb_note note;
	gb_err err;

	/* Go's case: repeated verified and unverified lines are dropped. */
	snprintf(m, sizeof m, "%s\n%s%s%s%s%s", text, peter_line, peter_line, enoch_line,
		enoch_line, enoch_abcd);
	CU_ASSERT_FATAL(gb_note_open(m, strlen(m), &peter, 1, &note, &err) == 0);
	CU_ASSERT(note.sig_count == 3);
	CU_ASSERT(note.verified_count == 1);
	CU_ASSERT(note.sigs[0].verified == 1);
	CU_ASSERT_STRING_EQUAL(note.sigs[1].name, "EnochRoot");
	CU_ASSERT(note.sigs[1].verified == 0);
	CU_ASSERT(note.sigs[1].sig_len == 64);
	CU_ASSERT(note.sigs[2].verified == 0);
	CU_ASSERT(note.sigs[2].sig_len == 67);

	/* A second line by a verified key is dropped unverified, as in Go. */
	char bad_peter[260];
	snprintf(bad_peter, sizeof bad_peter, "%.60sABCD%s", peter_line, peter_line + 60);
	snprintf(m, sizeof m, "%s\n%s%s", text, peter_line, bad_peter);
	CU_ASSERT(gb_note_open(m, strlen(m), &peter, 1, &note, &err) == 0);
	CU_ASSERT(note.sig_count == 1);
	/* But a bad line first is an error. */
	snprintf(m, sizeof m, "%s\n%s%s", text, bad_peter, peter_line);
	expect_open(m, strlen(m), &peter, 1, GB_ENOTESIG, "signature line 1 by 'PeterNeumann+c74f20a3'");

	/* GB_NOTE_SIGS_MAX lines are fine; one more is not (even repeats). */
	size_t len = (size_t)snprintf(m, sizeof m, "%s\n", text);
	for (int i = 0; i < GB_NOTE_SIGS_MAX; i++)
		len += (size_t)snprintf(m + len, sizeof m - len, "%s", peter_line);
	CU_ASSERT(gb_note_open(m, len, &peter, 1, &note, &err) == 0);
	CU_ASSERT(note.sig_count == 1);
	len += (size_t)snprintf(m + len, sizeof m - len, "%s", peter_line);
	expect_open(m, len, &peter, 1, GB_ENOTE, "over 32 signature lines");

	/* Unknown keys: names that C2SP allows but gongbao would not give a
	 * key (DEL), and signatures of unknown algorithms and any length. */
	uint8_t raw[4 + 200];
	memset(raw, 0x42, sizeof raw);
	char b64[300];
	sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
	snprintf(m, sizeof m, "%s" EM_DASH " odd\x7fname %s\n" EM_DASH " pq.example %s\n",
		signed_msg, "QkJCQkI=", b64);
	CU_ASSERT_FATAL(gb_note_open(m, strlen(m), &peter, 1, &note, &err) == 0);
	CU_ASSERT(note.sig_count == 3);
	CU_ASSERT_STRING_EQUAL(note.sigs[1].name, "odd\x7fname");
	CU_ASSERT(note.sigs[1].keyid == 0x42424242);
	CU_ASSERT(note.sigs[1].sig_len == 1);
	CU_ASSERT(note.sigs[1].sig[0] == 0x42);
	CU_ASSERT(note.sigs[2].sig_len == 200);
	CU_ASSERT(note.sigs[2].sig[0] == 0);
}

static void test_sign_failures(void)
{
	gb_seckey k;
	gb_err err;
	CU_ASSERT_FATAL(gb_seckey_parse_c2sp(&k, vec(VECTORS, "skey"), NULL) == 0);
	char out[GB_NOTE_MAX + 16];
	size_t len = 0;
	CU_ASSERT(gb_note_sign("abc", 3, &k, out, sizeof out, &len, &err) == GB_EINVAL);
	CU_ASSERT(strstr(err.msg, "does not end with a newline") != NULL);
	CU_ASSERT(gb_note_sign("", 0, &k, out, sizeof out, &len, &err) == GB_EINVAL);
	CU_ASSERT(gb_note_sign("a\tb\n", 4, &k, out, sizeof out, &len, &err) == GB_EINVAL);
	CU_ASSERT(strstr(err.msg, "control character 0x09 at byte 1") != NULL);
	CU_ASSERT(gb_note_sign("a\r\n", 3, &k, out, sizeof out, &len, &err) == GB_EINVAL);
	CU_ASSERT(gb_note_sign("caf\xe9\n", 5, &k, out, sizeof out, &len, &err) == GB_EINVAL);
	CU_ASSERT(strstr(err.msg, "invalid UTF-8 at byte 3") != NULL);
	CU_ASSERT(gb_note_sign("a\0b\n", 4, &k, out, sizeof out, &len, &err) == GB_EINVAL);
	/* Text may hold blank lines and look like signatures; the note still
	 * opens to the same text. */
	const char *tricky = "a\n\n" EM_DASH " PeterNeumann x08go/ZJ\n\n";
	CU_ASSERT_FATAL(gb_note_sign(tricky, strlen(tricky), &k, out, sizeof out, &len, &err) == 0);
	gb_note note;
	CU_ASSERT_FATAL(gb_note_open(out, len, &k.pub, 1, &note, &err) == 0);
	CU_ASSERT(note.text_len == strlen(tricky));
	CU_ASSERT(note.sig_count == 1);
	CU_ASSERT_FATAL(gb_note_sign("\n", 1, &k, out, sizeof out, &len, &err) == 0);
	CU_ASSERT_FATAL(gb_note_open(out, len, &k.pub, 1, &note, &err) == 0);
	CU_ASSERT(note.text_len == 1);
	/* Too big for cap, or for GB_NOTE_MAX. */
	const char *text = vec(VECTORS, "text");
	size_t want = strlen(vec(VECTORS, "signed"));
	CU_ASSERT(gb_note_sign(text, strlen(text), &k, out, want - 1, &len, &err) == GB_ETOOBIG);
	static char big[GB_NOTE_MAX + 16];
	memset(big, 'a', sizeof big);
	size_t room = GB_NOTE_MAX - 1 - (want - strlen(text) - 1);
	big[room - 1] = '\n';
	CU_ASSERT(gb_note_sign(big, room, &k, out, sizeof out, &len, &err) == 0);
	CU_ASSERT(len == GB_NOTE_MAX);
	CU_ASSERT(gb_note_open(out, len, &k.pub, 1, &note, &err) == 0);
	big[room - 1] = 'a';
	big[room] = '\n';
	CU_ASSERT(gb_note_sign(big, room + 1, &k, out, sizeof out, &len, &err) == GB_ETOOBIG);
	CU_ASSERT(gb_note_sign(big, GB_NOTE_MAX + 1, &k, out, sizeof out, &len, &err) == GB_ETOOBIG);
	/* Notes are signed with alg 0x01 keys only. */
	gb_seckey w = witness_key();
	CU_ASSERT(gb_note_sign(text, strlen(text), &w, out, sizeof out, &len, &err) == GB_EINVAL);
	CU_ASSERT(strstr(err.msg, "alg 0x04") != NULL);
	gb_seckey_wipe(&k);
	gb_seckey_wipe(&w);
}

/* ---- checkpoints ---- */

static gb_checkpoint vector_checkpoint(void)
{
	gb_checkpoint cp;
	memset(&cp, 0, sizeof cp);
	strcpy(cp.origin, vec(CP_VECTORS, "checkpoint_origin"));
	cp.size = strtoull(vec(CP_VECTORS, "checkpoint_size"), NULL, 10);
	const char *hex = vec(CP_VECTORS, "checkpoint_root_hex");
	size_t n = 0;
	if (sodium_hex2bin(cp.root, sizeof cp.root, hex, strlen(hex), NULL, &n, NULL) != 0 ||
	    n != GB_HASH_BYTES)
		abort();
	return cp;
}

static void test_checkpoint_vector(void)
{
	gb_checkpoint cp = vector_checkpoint(), got;
	char text[512];
	size_t len = 0;
	gb_err err;
	CU_ASSERT_FATAL(gb_checkpoint_format(&cp, text, sizeof text, &len) == 0);
	CU_ASSERT_STRING_EQUAL(text, vec(CP_VECTORS, "checkpoint_text"));
	CU_ASSERT(len == strlen(text));
	CU_ASSERT_FATAL(gb_checkpoint_parse(text, len, &got, &err) == 0);
	CU_ASSERT(memcmp(&got, &cp, sizeof cp) == 0);

	/* Signed by the log key, byte for byte what Go's note.Sign made. */
	gb_seckey k = log_key();
	char note_buf[GB_NOTE_MAX];
	size_t note_len = 0;
	CU_ASSERT_FATAL(gb_note_sign(text, len, &k, note_buf, sizeof note_buf, &note_len, &err) == 0);
	CU_ASSERT_STRING_EQUAL(note_buf, vec(CP_VECTORS, "signed_checkpoint"));
	gb_pubkey v = vkey(CP_VECTORS, "log_vkey");
	gb_note note;
	CU_ASSERT_FATAL(gb_note_open(note_buf, note_len, &v, 1, &note, &err) == 0);
	CU_ASSERT_FATAL(gb_checkpoint_parse(note.text, note.text_len, &got, &err) == 0);
	CU_ASSERT(got.size == 1000000);
	gb_seckey_wipe(&k);

	/* The spec's example checkpoint parses. */
	CU_ASSERT_FATAL(gb_checkpoint_parse(SPEC_COSIGNED, strchr(SPEC_COSIGNED, '=') + 2 - SPEC_COSIGNED,
		&got, &err) == 0);
	CU_ASSERT_STRING_EQUAL(got.origin, "example.com/behind-the-sofa");
	CU_ASSERT(got.size == 20852163);
	CU_ASSERT(got.root[0] == 0x0a);
	CU_ASSERT(got.root[31] == 0x62);
}

static void test_checkpoint_round_trip(void)
{
	gb_checkpoint cp = vector_checkpoint(), got;
	char text[512];
	size_t len = 0;
	gb_err err;
	uint64_t sizes[] = { 0, 1, 9, 10, UINT64_MAX };
	const char *want[] = { "\n0\n", "\n1\n", "\n9\n", "\n10\n", "\n18446744073709551615\n" };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		cp.size = sizes[i];
		CU_ASSERT_FATAL(gb_checkpoint_format(&cp, text, sizeof text, &len) == 0);
		CU_ASSERT(strstr(text, want[i]) == text + strlen(cp.origin));
		CU_ASSERT_FATAL(gb_checkpoint_parse(text, len, &got, &err) == 0);
		CU_ASSERT(got.size == sizes[i]);
		CU_ASSERT(memcmp(&got, &cp, sizeof cp) == 0);
	}
	/* Longest origin; extension lines are accepted and ignored. */
	memset(cp.origin, 'o', GB_ORIGIN_MAX);
	cp.origin[GB_ORIGIN_MAX] = '\0';
	CU_ASSERT_FATAL(gb_checkpoint_format(&cp, text, sizeof text, &len) == 0);
	CU_ASSERT(len == GB_ORIGIN_MAX + 1 + 20 + 1 + 44 + 1);
	strcat(text, "extension one\n\xe2\x80\x94 ext two\n");
	CU_ASSERT_FATAL(gb_checkpoint_parse(text, strlen(text), &got, &err) == 0);
	CU_ASSERT(memcmp(&got, &cp, sizeof cp) == 0);
	/* Format: exact room works (no NUL), one byte less does not. */
	char exact[GB_ORIGIN_MAX + 80];
	memset(exact, 'Z', sizeof exact);
	CU_ASSERT(gb_checkpoint_format(&cp, exact, len, &len) == 0);
	CU_ASSERT(exact[len] == 'Z');
	CU_ASSERT(gb_checkpoint_format(&cp, exact, len - 1, &len) == GB_ETOOBIG);
	/* Format: bad origins. */
	cp.origin[0] = '\0';
	CU_ASSERT(gb_checkpoint_format(&cp, text, sizeof text, &len) == GB_EINVAL);
	strcpy(cp.origin, "two\nlines");
	CU_ASSERT(gb_checkpoint_format(&cp, text, sizeof text, &len) == GB_EINVAL);
	strcpy(cp.origin, "tab\there");
	CU_ASSERT(gb_checkpoint_format(&cp, text, sizeof text, &len) == GB_EINVAL);
	strcpy(cp.origin, "bad\xffutf8");
	CU_ASSERT(gb_checkpoint_format(&cp, text, sizeof text, &len) == GB_EINVAL);
	memset(cp.origin, 'o', sizeof cp.origin); /* no NUL within GB_ORIGIN_MAX + 1 */
	CU_ASSERT(gb_checkpoint_format(&cp, text, sizeof text, &len) == GB_EINVAL);
}

static void expect_cp(const char *text, const char *why)
{
	gb_checkpoint cp;
	gb_err err = { 0, "" };
	memset(&cp, 0x55, sizeof cp);
	int rc = gb_checkpoint_parse(text, strlen(text), &cp, &err);
	CU_ASSERT(rc == GB_ENOTE);
	CU_ASSERT(err.code == GB_ENOTE);
	if (why != NULL && strstr(err.msg, why) == NULL) {
		fprintf(stderr, "\ncheckpoint: message '%s' lacks '%s'\n", err.msg, why);
		CU_FAIL("message does not say what is wrong");
	}
	gb_checkpoint zero;
	memset(&zero, 0, sizeof zero);
	CU_ASSERT(memcmp(&cp, &zero, sizeof cp) == 0);
}

static void test_checkpoint_malformed(void)
{
#define ROOT "MB7n0g54IdLiGKVACrc5rYD2FFWLnYX+ydvs1KJ8DrA="
	expect_cp("o\n01\n" ROOT "\n", "line 2: tree size '01' has a leading zero");
	expect_cp("o\n00\n" ROOT "\n", "has a leading zero");
	expect_cp("o\n18446744073709551616\n" ROOT "\n", "does not fit in 64 bits");
	expect_cp("o\n99999999999999999999\n" ROOT "\n", "does not fit in 64 bits");
	expect_cp("o\n-1\n" ROOT "\n", "is not a decimal number");
	expect_cp("o\n+1\n" ROOT "\n", "is not a decimal number");
	expect_cp("o\n 1\n" ROOT "\n", "is not a decimal number");
	expect_cp("o\n1 \n" ROOT "\n", "is not a decimal number");
	expect_cp("o\n0x10\n" ROOT "\n", "is not a decimal number");
	expect_cp("o\n\n" ROOT "\n", "line 2: tree size '' is empty");
	/* 31 bytes (with padding), 33 bytes (44 chars, no padding), bad base64. */
	expect_cp("o\n1\nMB7n0g54IdLiGKVACrc5rYD2FFWLnYX+ydvs1KJ8Dg==\n", "line 3: root hash");
	expect_cp("o\n1\nMB7n0g54IdLiGKVACrc5rYD2FFWLnYX+ydvs1KJ8DrAA\n", "line 3: root hash");
	expect_cp("o\n1\nMB7n0g54IdLiGKVACrc5rYD2FFWLnYX+ydvs1KJ8DrA\n", "line 3: root hash");
	expect_cp("o\n1\nMB7n0g54IdLiGKVACrc5rYD2FFWLnYX+ydvs1KJ8DrA=x\n", "line 3: root hash");
	expect_cp("o\n1\nMB7n0g54IdLiGKVACrc5rYD2FFWLnYX-ydvs1KJ8DrA=\n", "line 3: root hash");
	expect_cp("o\n1\nMB7n0g54IdLiGKVACrc5rYD2FFWLnYX+ydvs1KJ8DrB=\n", "line 3: root hash");
	expect_cp("o\n1\n\n", "line 3: root hash");
	expect_cp("\n1\n" ROOT "\n", "line 1: empty origin");
	char m[600];
	memset(m, 'o', GB_ORIGIN_MAX + 1);
	snprintf(m + GB_ORIGIN_MAX + 1, sizeof m - GB_ORIGIN_MAX - 1, "\n1\n%s\n", ROOT);
	expect_cp(m, "line 1: origin is 256 bytes, over the limit of 255");
	expect_cp("o\n1\n" ROOT, "does not end with a newline");
	expect_cp("", "does not end with a newline");
	expect_cp("o\n1\n", "has 2 lines, want at least 3");
	expect_cp("o\n", "has 1 line, want at least 3");
	expect_cp("o\n1\n" ROOT "\n\n", "line 4: empty extension line");
	expect_cp("o\n1\n" ROOT "\next\n\nmore\n", "line 5: empty extension line");
	expect_cp("o\r\n1\n" ROOT "\n", "control character 0x0d at byte 1");
	expect_cp("o\xff\n1\n" ROOT "\n", "invalid UTF-8 at byte 1");
#undef ROOT
}

/* ---- cosignatures ---- */

static void test_cosignature_vector(void)
{
	gb_seckey w = witness_key();
	gb_err err;
	char buf[GB_NOTE_MAX];
	const char *signed_cp = vec(CP_VECTORS, "signed_checkpoint");
	const char *want = vec(CP_VECTORS, "cosigned_checkpoint");
	size_t len = strlen(signed_cp);
	memcpy(buf, signed_cp, len);
	CU_ASSERT_FATAL(gb_note_add_signature(buf, sizeof buf, &len, &w, 1700000000, &err) == 0);
	CU_ASSERT(len == strlen(want));
	CU_ASSERT_STRING_EQUAL(buf, want);
	CU_ASSERT_STRING_EQUAL(buf + strlen(signed_cp), vec(CP_VECTORS, "cosignature_line"));

	gb_pubkey v[2] = { vkey(CP_VECTORS, "log_vkey"), vkey(CP_VECTORS, "witness_vkey") };
	CU_ASSERT(v[1].alg == GB_ALG_COSIGNATURE_V1);
	gb_note note;
	CU_ASSERT_FATAL(gb_note_open(buf, len, v, 2, &note, &err) == 0);
	CU_ASSERT(note.verified_count == 2);
	CU_ASSERT(note.sigs[1].sig_len == 72);
	CU_ASSERT(note.sigs[1].keyid == 0x3f246b6e);
	/* The timestamp is the first 8 bytes, big-endian: 1700000000 = 0x6553f100. */
	const uint8_t ts[8] = { 0, 0, 0, 0, 0x65, 0x53, 0xf1, 0x00 };
	CU_ASSERT(memcmp(note.sigs[1].sig, ts, 8) == 0);
	CU_ASSERT_FATAL(gb_note_open(buf, len, &v[1], 1, &note, &err) == 0);
	CU_ASSERT(note.verified_count == 1);
	CU_ASSERT(note.sigs[0].verified == 0);

	/* The signed message is exactly the documented one. */
	const char *msg = vec(CP_VECTORS, "cosigned_message");
	uint8_t raw[80];
	size_t raw_len = 0;
	const char *b64 = strrchr(buf, ' ') + 1;
	CU_ASSERT_FATAL(sodium_base642bin(raw, sizeof raw, b64, strlen(b64) - 1, NULL, &raw_len,
		NULL, sodium_base64_VARIANT_ORIGINAL) == 0);
	CU_ASSERT_FATAL(raw_len == 76);
	CU_ASSERT(gb_pubkey_verify(&v[1], (const uint8_t *)msg, strlen(msg), raw + 12) == 0);

	/* Cosigning again replaces the witness line (new timestamp). */
	CU_ASSERT_FATAL(gb_note_add_signature(buf, sizeof buf, &len, &w, 1700000001, &err) == 0);
	CU_ASSERT(len == strlen(want));
	CU_ASSERT(strncmp(buf, want, strlen(signed_cp)) == 0);
	CU_ASSERT(strcmp(buf, want) != 0);
	CU_ASSERT_FATAL(gb_note_open(buf, len, v, 2, &note, &err) == 0);
	CU_ASSERT(note.sig_count == 2);
	CU_ASSERT(note.sigs[1].sig[7] == 0x01);
	gb_seckey_wipe(&w);
}

/* Rewrites the last signature line of buf with raw bytes (key id included). */
static void set_last_sig(char *buf, const uint8_t *raw, size_t raw_len)
{
	char *b64 = strrchr(buf, ' ') + 1;
	sodium_bin2base64(b64, 200, raw, raw_len, sodium_base64_VARIANT_ORIGINAL);
	strcat(b64, "\n");
}

static void test_cosignature_failures(void)
{
	const char *cosigned = vec(CP_VECTORS, "cosigned_checkpoint");
	const char *text = vec(CP_VECTORS, "checkpoint_text");
	gb_pubkey logv = vkey(CP_VECTORS, "log_vkey"), wv = vkey(CP_VECTORS, "witness_vkey");
	gb_seckey w = witness_key();
	char m[GB_NOTE_MAX];
	uint8_t raw[80];
	size_t raw_len = 0;
	const char *b64 = strrchr(cosigned, ' ') + 1;
	CU_ASSERT_FATAL(sodium_base642bin(raw, sizeof raw, b64, strlen(b64) - 1, NULL, &raw_len,
		NULL, sodium_base64_VARIANT_ORIGINAL) == 0);

	/* Tampered timestamp: the signature no longer verifies. */
	strcpy(m, cosigned);
	raw[11] ^= 1;
	set_last_sig(m, raw, raw_len);
	expect_open(m, strlen(m), &wv, 1, GB_ENOTESIG, "'gongbao.example/witness-1+3f246b6e' does not verify");
	raw[11] ^= 1;
	/* A timestamp over 2^63-1 is rejected even when it is really signed. */
	char cmsg[512];
	uint8_t big_ts[80];
	int cn = snprintf(cmsg, sizeof cmsg, "cosignature/v1\ntime 9223372036854775808\n%s", text);
	memcpy(big_ts, raw, 4);
	memset(big_ts + 4, 0, 8);
	big_ts[4] = 0x80;
	gb_seckey_sign(&w, (const uint8_t *)cmsg, (size_t)cn, big_ts + 12);
	set_last_sig(m, big_ts, 76);
	expect_open(m, strlen(m), &wv, 1, GB_ENOTESIG, "does not verify");
	/* The same construction at 2^63-1 verifies, so only the bound differs. */
	cn = snprintf(cmsg, sizeof cmsg, "cosignature/v1\ntime 9223372036854775807\n%s", text);
	memset(big_ts + 4, 0xff, 8);
	big_ts[4] = 0x7f;
	gb_seckey_sign(&w, (const uint8_t *)cmsg, (size_t)cn, big_ts + 12);
	set_last_sig(m, big_ts, 76);
	expect_open(m, strlen(m), &wv, 1, 0, NULL);
	/* Tampered checkpoint text: neither signature verifies. */
	strcpy(m, cosigned);
	m[strlen("gongbao.example/log\n")] = '2';
	expect_open(m, strlen(m), &wv, 1, GB_ENOTESIG, "does not verify");
	expect_open(m, strlen(m), &logv, 1, GB_ENOTESIG, "does not verify");

	gb_seckey_wipe(&w);
}

static void test_cosignature_cross_alg(void)
{
	const char *cosigned = vec(CP_VECTORS, "cosigned_checkpoint");
	const char *text = vec(CP_VECTORS, "checkpoint_text");
	gb_pubkey wv = vkey(CP_VECTORS, "witness_vkey");
	gb_seckey w = witness_key();
	char m[GB_NOTE_MAX];
	uint8_t raw[80];
	size_t raw_len = 0;
	const char *b64 = strrchr(cosigned, ' ') + 1;
	CU_ASSERT_FATAL(sodium_base642bin(raw, sizeof raw, b64, strlen(b64) - 1, NULL, &raw_len,
		NULL, sodium_base64_VARIANT_ORIGINAL) == 0);

	/* A cosignature by an 0x04 key is not a plain note signature by the
	 * same key as 0x01: the key id differs, so the line is unknown... */
	gb_seckey as_plain = seed_key("gongbao.example/witness-1", GB_ALG_ED25519,
		vec(CP_VECTORS, "witness_seed_hex"));
	CU_ASSERT(as_plain.pub.keyid != wv.keyid);
	expect_open(cosigned, strlen(cosigned), &as_plain.pub, 1, GB_ENOTESIG,
		"no signature on the note is by a known key");
	/* ...and relabelled with the 0x01 key id it fails to verify: 72 bytes
	 * over the cosignature message are not an Ed25519 signature of the text. */
	uint8_t relabel[80];
	memcpy(relabel, raw, raw_len);
	relabel[0] = (uint8_t)(as_plain.pub.keyid >> 24), relabel[1] = (uint8_t)(as_plain.pub.keyid >> 16);
	relabel[2] = (uint8_t)(as_plain.pub.keyid >> 8), relabel[3] = (uint8_t)as_plain.pub.keyid;
	strcpy(m, cosigned);
	set_last_sig(m, relabel, raw_len);
	expect_open(m, strlen(m), &as_plain.pub, 1, GB_ENOTESIG, "does not verify");
	/* ...nor its bare 64-byte signature (over the cosignature message). */
	memmove(relabel + 4, relabel + 12, 64);
	set_last_sig(m, relabel, 68);
	expect_open(m, strlen(m), &as_plain.pub, 1, GB_ENOTESIG, "does not verify");
	/* Conversely, a plain signature of the text by the witness key under the
	 * 0x04 key id is not a cosignature: wrong length, then wrong message. */
	uint8_t plain[80];
	memcpy(plain, raw, 4);
	gb_seckey_sign(&w, (const uint8_t *)text, strlen(text), plain + 4);
	strcpy(m, cosigned);
	set_last_sig(m, plain, 68);
	expect_open(m, strlen(m), &wv, 1, GB_ENOTESIG, "does not verify");
	memmove(plain + 12, plain + 4, 64);
	memset(plain + 4, 0, 8);
	set_last_sig(m, plain, 76);
	expect_open(m, strlen(m), &wv, 1, GB_ENOTESIG, "does not verify");

	gb_seckey_wipe(&w);
	gb_seckey_wipe(&as_plain);
}

static void test_cosign_add_failures(void)
{
	const char *cosigned = vec(CP_VECTORS, "cosigned_checkpoint");
	const char *text = vec(CP_VECTORS, "checkpoint_text");
	gb_pubkey logv = vkey(CP_VECTORS, "log_vkey"), wv = vkey(CP_VECTORS, "witness_vkey");
	gb_seckey w = witness_key();
	char m[GB_NOTE_MAX];
	uint8_t raw[80];
	size_t raw_len = 0;
	const char *b64 = strrchr(cosigned, ' ') + 1;
	CU_ASSERT_FATAL(sodium_base642bin(raw, sizeof raw, b64, strlen(b64) - 1, NULL, &raw_len,
		NULL, sodium_base64_VARIANT_ORIGINAL) == 0);

	/* Cosigning needs a checkpoint, a sane timestamp, a note, and room. */
	const char *signed_msg = vec(VECTORS, "signed");
	size_t len = strlen(signed_msg);
	memcpy(m, signed_msg, len + 1);
	gb_err err;
	CU_ASSERT(gb_note_add_signature(m, sizeof m, &len, &w, 1, &err) == GB_ENOTE);
	CU_ASSERT(strstr(err.msg, "cosignature/v1 signs only checkpoints: checkpoint has 2 lines") != NULL);
	CU_ASSERT(strcmp(m, signed_msg) == 0);
	const char *signed_cp = vec(CP_VECTORS, "signed_checkpoint");
	len = strlen(signed_cp);
	memcpy(m, signed_cp, len + 1);
	CU_ASSERT(gb_note_add_signature(m, sizeof m, &len, &w, (uint64_t)INT64_MAX + 1, &err)
		== GB_EINVAL);
	CU_ASSERT(gb_note_add_signature(m, sizeof m, &len, &w, INT64_MAX, &err) == 0);
	gb_note note;
	CU_ASSERT_FATAL(gb_note_open(m, len, &wv, 1, &note, &err) == 0);
	len = strlen(signed_cp);
	memcpy(m, signed_cp, len + 1);
	size_t cap = strlen(cosigned) - 1;
	CU_ASSERT(gb_note_add_signature(m, cap, &len, &w, 1700000000, &err) == GB_ETOOBIG);
	CU_ASSERT(len == strlen(signed_cp));
	CU_ASSERT(strcmp(m, signed_cp) == 0);
	len = strlen(text);
	memcpy(m, text, len + 1);
	CU_ASSERT(gb_note_add_signature(m, sizeof m, &len, &w, 1, &err) == GB_ENOTE);
	CU_ASSERT(strcmp(m, text) == 0);

	/* A note with GB_NOTE_SIGS_MAX lines takes no more, but a
	 * replacement is fine. */
	len = (size_t)snprintf(m, sizeof m, "%s", signed_cp);
	for (int i = 1; i < GB_NOTE_SIGS_MAX; i++)
		len += (size_t)snprintf(m + len, sizeof m - len, EM_DASH " other%d QkJCQkI=\n", i);
	CU_ASSERT(gb_note_add_signature(m, sizeof m, &len, &w, 1, &err) == GB_ETOOBIG);
	gb_seckey logk = log_key();
	size_t before = len;
	CU_ASSERT(gb_note_add_signature(m, sizeof m, &len, &logk, 0, &err) == 0);
	CU_ASSERT(len == before);
	/* The log's line moved to the end, unchanged. */
	const char *log_line = strstr(signed_cp, "\n\n") + 2;
	CU_ASSERT(strcmp(m + len - strlen(log_line), log_line) == 0);
	CU_ASSERT(strncmp(m + strlen(text) + 1, EM_DASH " other1 ", 11) == 0);
	CU_ASSERT_FATAL(gb_note_open(m, len, &logv, 1, &note, &err) == 0);
	CU_ASSERT(note.sig_count == GB_NOTE_SIGS_MAX);
	CU_ASSERT(note.sigs[GB_NOTE_SIGS_MAX - 1].verified == 1);
	gb_seckey_wipe(&w);
	gb_seckey_wipe(&logk);
}

static void test_spec_cosigned_example(void)
{
	gb_note note;
	gb_err err;
	size_t len = strlen(SPEC_COSIGNED);
	CU_ASSERT(gb_note_open(SPEC_COSIGNED, len, NULL, 0, &note, &err) == GB_ENOTESIG);
	CU_ASSERT(note.sig_count == 2);
	CU_ASSERT(note.sigs[0].keyid == 0x033de0ae);
	CU_ASSERT(note.sigs[0].sig_len == 64);
	CU_ASSERT_STRING_EQUAL(note.sigs[1].name, "witness.example.com/w1");
	CU_ASSERT(note.sigs[1].keyid == 0x8d66cf3f);
	CU_ASSERT(note.sigs[1].sig_len == 72);
	/* time 1679315147 = 0x6418 50cb, as in the spec's signed message. */
	const uint8_t ts[8] = { 0, 0, 0, 0, 0x64, 0x18, 0x50, 0xcb };
	CU_ASSERT(memcmp(note.sigs[1].sig, ts, 8) == 0);
}

/* gb_note_signature_line makes exactly the line gb_note_add_signature appends. */
static void test_signature_line(void)
{
	gb_seckey w = witness_key(), logk = log_key();
	const char *text = vec(CP_VECTORS, "checkpoint_text");
	const char *signed_cp = vec(CP_VECTORS, "signed_checkpoint");
	char line[GB_NOTE_LINE_MAX];
	size_t len = 0;
	gb_err err;
	CU_ASSERT_FATAL(gb_note_signature_line(text, strlen(text), &w, 1700000000, line, &len, &err) == 0);
	CU_ASSERT(len == strlen(line));
	CU_ASSERT_STRING_EQUAL(line, vec(CP_VECTORS, "cosignature_line"));
	/* An alg 0x01 key gives the log's plain signature line (the timestamp is unused). */
	CU_ASSERT_FATAL(gb_note_signature_line(text, strlen(text), &logk, 99, line, &len, &err) == 0);
	CU_ASSERT_STRING_EQUAL(line, strstr(signed_cp, "\n\n") + 2);
	/* The longest name fits. */
	char name[GB_NAME_MAX + 1];
	memset(name, 'n', GB_NAME_MAX);
	name[GB_NAME_MAX] = '\0';
	gb_seckey longw = seed_key(name, GB_ALG_COSIGNATURE_V1, vec(CP_VECTORS, "witness_seed_hex"));
	CU_ASSERT_FATAL(gb_note_signature_line(text, strlen(text), &longw, INT64_MAX, line, &len, &err) == 0);
	CU_ASSERT(len == GB_NOTE_LINE_MAX - 1);
	/* Failures: not a checkpoint for a cosignature, not note text, a timestamp too large. */
	const char *plain = "hello\n";
	CU_ASSERT(gb_note_signature_line(plain, strlen(plain), &w, 1, line, &len, &err) == GB_ENOTE);
	CU_ASSERT(strstr(err.msg, "cosignature/v1 signs only checkpoints") != NULL);
	CU_ASSERT(gb_note_signature_line(plain, strlen(plain), &logk, 1, line, &len, &err) == 0);
	CU_ASSERT(gb_note_signature_line(text, strlen(text) - 1, &w, 1, line, &len, &err) == GB_EINVAL);
	CU_ASSERT(strstr(err.msg, "does not end with a newline") != NULL);
	CU_ASSERT(gb_note_signature_line("a\tb\n", 4, &logk, 1, line, &len, &err) == GB_EINVAL);
	CU_ASSERT(strstr(err.msg, "control character 0x09 at byte 1") != NULL);
	CU_ASSERT(gb_note_signature_line(text, strlen(text), &w, (uint64_t)INT64_MAX + 1, line, &len,
		&err) == GB_EINVAL);
	gb_seckey_wipe(&w);
	gb_seckey_wipe(&logk);
	gb_seckey_wipe(&longw);
}

/* gb_note_add_line appends a line made elsewhere, replacing its key's line. */
static void test_add_line(void)
{
	const char *signed_cp = vec(CP_VECTORS, "signed_checkpoint");
	const char *cosigned = vec(CP_VECTORS, "cosigned_checkpoint");
	const char *cline = vec(CP_VECTORS, "cosignature_line");
	char m[GB_NOTE_MAX];
	size_t len = strlen(signed_cp);
	memcpy(m, signed_cp, len + 1);
	gb_err err;
	CU_ASSERT_FATAL(gb_note_add_line(m, sizeof m, &len, cline, strlen(cline), &err) == 0);
	CU_ASSERT(len == strlen(cosigned));
	CU_ASSERT_STRING_EQUAL(m, cosigned);
	/* The same key again replaces its line: a later cosignature by the witness. */
	gb_seckey w = witness_key();
	const char *text = vec(CP_VECTORS, "checkpoint_text");
	char line2[GB_NOTE_LINE_MAX];
	size_t line2_len = 0;
	CU_ASSERT_FATAL(gb_note_signature_line(text, strlen(text), &w, 1700000001, line2, &line2_len, &err) == 0);
	CU_ASSERT_FATAL(gb_note_add_line(m, sizeof m, &len, line2, line2_len, &err) == 0);
	CU_ASSERT(len == strlen(cosigned));
	CU_ASSERT_STRING_EQUAL(m + strlen(signed_cp), line2);
	gb_pubkey v[2] = { vkey(CP_VECTORS, "log_vkey"), vkey(CP_VECTORS, "witness_vkey") };
	gb_note note;
	CU_ASSERT_FATAL(gb_note_open(m, len, v, 2, &note, &err) == 0);
	CU_ASSERT(note.verified_count == 2);
	/* A line by a key the note does not know is added as it is (not verified here). */
	const char *other = EM_DASH " other.example/w9 QkJCQkI=\n";
	CU_ASSERT_FATAL(gb_note_add_line(m, sizeof m, &len, other, strlen(other), &err) == 0);
	CU_ASSERT(len == strlen(cosigned) + strlen(other));
	CU_ASSERT_STRING_EQUAL(m + len - strlen(other), other);

	/* Malformed lines are refused and leave the note unchanged. */
	static const char *const bad[] = {
		EM_DASH " w QkJCQkI=",                    /* no newline */
		EM_DASH " w QkJCQkI=\n" EM_DASH " w QkJCQkI=\n", /* two lines */
		"- w QkJCQkI=\n",                         /* no em dash */
		EM_DASH " w QkJCQkI\n",                   /* bad base64 */
		EM_DASH " w QkJC\n",                      /* 3 bytes: no key id and signature */
		EM_DASH " w+x QkJCQkI=\n",                /* '+' in the name */
		EM_DASH " w \x01QkJCQkI=\n",              /* control character */
		"\n",                                     /* empty */
	};
	char before[GB_NOTE_MAX];
	memcpy(before, m, len + 1);
	size_t before_len = len;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = gb_note_add_line(m, sizeof m, &len, bad[i], strlen(bad[i]), &err);
		CU_ASSERT(rc == GB_ENOTE);
		if (rc != GB_ENOTE)
			fprintf(stderr, "\nbad line %zu: %s\n", i, gb_errname(rc));
		CU_ASSERT(len == before_len);
		CU_ASSERT(memcmp(m, before, len) == 0);
	}
	/* No room: GB_ETOOBIG, unchanged; not a note: GB_ENOTE. */
	len = strlen(signed_cp);
	memcpy(m, signed_cp, len + 1);
	CU_ASSERT(gb_note_add_line(m, strlen(cosigned) - 1, &len, cline, strlen(cline), &err) == GB_ETOOBIG);
	CU_ASSERT(len == strlen(signed_cp));
	CU_ASSERT_STRING_EQUAL(m, signed_cp);
	len = strlen(text);
	memcpy(m, text, len + 1);
	CU_ASSERT(gb_note_add_line(m, sizeof m, &len, cline, strlen(cline), &err) == GB_ENOTE);
	gb_seckey_wipe(&w);
}

static void add_tests(CU_pSuite s)
{
	CU_add_test(s, "sign the vector text", test_sign_vector);
	CU_add_test(s, "open the vector note", test_open_vector);
	CU_add_test(s, "second signature", test_second_signature);
	CU_add_test(s, "open failures", test_open_failures);
	CU_add_test(s, "malformed notes", test_open_malformed);
	CU_add_test(s, "duplicates and limits", test_duplicates_and_limits);
	CU_add_test(s, "sign failures", test_sign_failures);
	CU_add_test(s, "checkpoint vector", test_checkpoint_vector);
	CU_add_test(s, "checkpoint round trip", test_checkpoint_round_trip);
	CU_add_test(s, "malformed checkpoints", test_checkpoint_malformed);
	CU_add_test(s, "cosignature vector", test_cosignature_vector);
	CU_add_test(s, "cosignature failures", test_cosignature_failures);
	CU_add_test(s, "cosignature is not a note signature", test_cosignature_cross_alg);
	CU_add_test(s, "cosigning failures", test_cosign_add_failures);
	CU_add_test(s, "spec cosigned example", test_spec_cosigned_example);
	CU_add_test(s, "one signature line", test_signature_line);
	CU_add_test(s, "add an existing line", test_add_line);
}

GB_CUNIT_MAIN("note", add_tests)
