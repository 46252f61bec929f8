/*
 * test_entry.c: entries (decode, sign, verify), the JSON mapping, and the
 * normative vectors in spec/vectors/entry-v1.json.
 */
#include "gongbao/entry.h"
#include "gongbao/json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "cu.h"

#define VECTORS "spec/vectors/entry-v1.json"

static uint8_t entry_buf[GB_ENTRY_MAX + 1024];
static uint8_t body_buf[GB_ENTRY_MAX + 1024];

static size_t from_hex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	CU_ASSERT_FATAL(sodium_hex2bin(out, cap, hex, strlen(hex), NULL, &n,
		NULL) == 0);
	return n;
}

static int bytes_eq_hex(const uint8_t *p, size_t n, const char *hex)
{
	static char buf[2 * (GB_ENTRY_MAX + 1024) + 1];
	if (2 * n + 1 > sizeof buf)
		return 0;
	sodium_bin2hex(buf, sizeof buf, p, n);
	return strcmp(buf, hex) == 0;
}

static void key_from(gb_seckey *k, const char *name, int seed_byte)
{
	uint8_t seed[GB_SEED_BYTES];
	gb_err err;
	for (size_t i = 0; i < sizeof seed; i++)
		seed[i] = (uint8_t)(seed_byte + i);
	CU_ASSERT_FATAL(gb_seckey_from_seed(k, name, GB_ALG_ED25519, seed,
		&err) == 0);
}

/* Converts JSON text to a canonical body in body_buf; returns the length
 * or 0 (with err set) on failure. */
static size_t body_of(const char *text, gb_err *err)
{
	json_error_t je;
	json_t *j = json_loads(text, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
	CU_ASSERT_FATAL(j != NULL);
	gb_mpw w;
	gb_mpw_init(&w, body_buf, sizeof body_buf);
	int rc = gb_json_to_mp(j, &w, err);
	json_decref(j);
	return rc == 0 ? w.len : 0;
}

static const char *const minimal_body =
	"{\"v\":1,\"type\":\"claim.open\",\"consortium\":\"sh-agri-2025\","
	"\"signer\":\"picc-sh\",\"id\":\"claim-42\",\"time\":1735689600,"
	"\"amount_fen\":-5}";

/* ---- the normative vectors ---- */

static json_t *load_vectors(void)
{
	json_error_t je;
	json_t *v = json_load_file(VECTORS, JSON_REJECT_DUPLICATES, &je);
	if (v == NULL)
		fprintf(stderr, "\n  %s:%d: %s\n", VECTORS, je.line, je.text);
	CU_ASSERT_FATAL(v != NULL);
	return v;
}

/* Checks the decoded common fields against the body given as JSON. */
static void check_fields(const gb_entry *e, const json_t *body)
{
	CU_ASSERT_EQUAL(e->version, 1);
	CU_ASSERT(gb_str_eq(e->type, json_string_value(
		json_object_get(body, "type"))));
	CU_ASSERT(gb_str_eq(e->consortium, json_string_value(
		json_object_get(body, "consortium"))));
	CU_ASSERT(gb_str_eq(e->signer, json_string_value(
		json_object_get(body, "signer"))));
	CU_ASSERT(gb_str_eq(e->id, json_string_value(
		json_object_get(body, "id"))));
	CU_ASSERT_EQUAL(e->time, (uint64_t)json_integer_value(
		json_object_get(body, "time")));
}

/* Everything in one valid vector: keys, body bytes from the JSON, the
 * signature message, signing, decoding, verifying, leaf hash, JSON view. */
static void check_valid_vector(const json_t *v)
{
	gb_seckey keys[GB_ENTRY_SIGS_MAX];
	const gb_seckey *kp[GB_ENTRY_SIGS_MAX];
	const json_t *jkeys = json_object_get(v, "keys");
	size_t nk = json_array_size(jkeys);
	gb_err err;
	CU_ASSERT_FATAL(nk >= 1 && nk <= GB_ENTRY_SIGS_MAX);
	for (size_t i = 0; i < nk; i++) {
		const json_t *k = json_array_get(jkeys, i);
		uint8_t seed[GB_SEED_BYTES];
		char id[9];
		CU_ASSERT_FATAL(from_hex(json_string_value(json_object_get(k,
			"seed")), seed, sizeof seed) == GB_SEED_BYTES);
		CU_ASSERT_FATAL(gb_seckey_from_seed(&keys[i], json_string_value(
			json_object_get(k, "name")), GB_ALG_ED25519, seed,
			&err) == 0);
		kp[i] = &keys[i];
		CU_ASSERT(bytes_eq_hex(keys[i].pub.pk, GB_PK_BYTES,
			json_string_value(json_object_get(k, "public_key"))));
		snprintf(id, sizeof id, "%08x", (unsigned)keys[i].pub.keyid);
		CU_ASSERT_STRING_EQUAL(id, json_string_value(
			json_object_get(k, "keyid")));
	}
	/* the body from its JSON form, and back */
	const json_t *bj = json_object_get(v, "body_json");
	gb_mpw w;
	gb_mpw_init(&w, body_buf, sizeof body_buf);
	CU_ASSERT_FATAL(gb_json_to_mp(bj, &w, &err) == 0);
	size_t body_len = w.len;
	CU_ASSERT(bytes_eq_hex(body_buf, body_len,
		json_string_value(json_object_get(v, "body"))));
	json_t *back = gb_mp_to_json(body_buf, body_len);
	CU_ASSERT(json_equal(back, (json_t *)bj));
	json_decref(back);
	/* the signature message */
	static uint8_t msg[GB_ENTRY_SIG_DOMAIN_LEN + GB_ENTRY_MAX];
	size_t msg_len = gb_entry_sig_message(body_buf, body_len, msg);
	CU_ASSERT(bytes_eq_hex(msg, msg_len,
		json_string_value(json_object_get(v, "sig_message"))));
	/* signing is deterministic: the same entry bytes */
	size_t n = 0;
	CU_ASSERT_FATAL(gb_entry_sign(body_buf, body_len, kp, nk, entry_buf,
		sizeof entry_buf, &n, &err) == 0);
	CU_ASSERT(bytes_eq_hex(entry_buf, n,
		json_string_value(json_object_get(v, "entry"))));
	/* decode, fields, signatures */
	gb_entry e;
	CU_ASSERT_FATAL(gb_entry_decode(entry_buf, n, &e, &err) == 0);
	check_fields(&e, bj);
	CU_ASSERT(e.body == entry_buf + 8 || e.body == entry_buf + 9);
	CU_ASSERT_EQUAL(e.body_len, body_len);
	CU_ASSERT(memcmp(e.body, body_buf, body_len) == 0);
	CU_ASSERT_EQUAL(e.sig_count, nk);
	const json_t *sigs = json_object_get(v, "sigs");
	for (size_t i = 0; i < nk && i < e.sig_count; i++) {
		CU_ASSERT(bytes_eq_hex(e.sigs[i].sig, GB_SIG_BYTES,
			json_string_value(json_array_get(sigs, i))));
		CU_ASSERT_EQUAL(e.sigs[i].keyid, keys[i].pub.keyid);
		CU_ASSERT(gb_str_eq(e.sigs[i].signer, keys[i].pub.name));
		CU_ASSERT_EQUAL(gb_entry_verify_sig(&e, i, &keys[i].pub, &err), 0);
	}
	/* the RFC 9162 leaf hash */
	uint8_t leaf[32];
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)"", 1);
	crypto_hash_sha256_update(&st, entry_buf, n);
	crypto_hash_sha256_final(&st, leaf);
	CU_ASSERT(bytes_eq_hex(leaf, sizeof leaf,
		json_string_value(json_object_get(v, "leaf_hash"))));
	json_t *ej = gb_entry_to_json(&e);
	CU_ASSERT(json_equal(ej, json_object_get(v, "entry_json")));
	json_decref(ej);
	for (size_t i = 0; i < nk; i++)
		gb_seckey_wipe(&keys[i]);
}

static void test_vectors_valid(void)
{
	json_t *root = load_vectors();
	const json_t *valid = json_object_get(root, "valid");
	CU_ASSERT(json_array_size(valid) >= 2);
	for (size_t i = 0; i < json_array_size(valid); i++)
		check_valid_vector(json_array_get(valid, i));
	json_decref(root);
}

static void test_vectors_invalid(void)
{
	json_t *root = load_vectors();
	const json_t *inv = json_object_get(root, "invalid");
	CU_ASSERT(json_array_size(inv) >= 30);
	for (size_t i = 0; i < json_array_size(inv); i++) {
		const json_t *c = json_array_get(inv, i);
		const char *name = json_string_value(json_object_get(c, "name"));
		const char *want = json_string_value(json_object_get(c, "error"));
		size_t n = from_hex(json_string_value(json_object_get(c,
			"entry")), entry_buf, sizeof entry_buf);
		gb_entry e;
		gb_err err;
		gb_err_clear(&err);
		int rc = gb_entry_decode(entry_buf, n, &e, &err);
		CU_ASSERT_STRING_EQUAL(gb_errname(rc), want);
		CU_ASSERT_EQUAL(err.code, rc);
		CU_ASSERT(err.msg[0] != '\0');
		CU_ASSERT(e.raw == NULL && e.sig_count == 0);
		if (strcmp(gb_errname(rc), want) != 0)
			fprintf(stderr, "\n  %s: got %s (%s)\n", name,
				gb_errname(rc), err.msg);
	}
	json_decref(root);
}

/* ---- sign, decode, verify ---- */

static void test_roundtrip(void)
{
	gb_seckey k, other, same_name, cosig;
	gb_err err;
	key_from(&k, "picc-sh", 1);
	key_from(&other, "cpic-sh", 2);
	key_from(&same_name, "picc-sh", 3);
	uint8_t seed[GB_SEED_BYTES] = { 1 };
	CU_ASSERT_FATAL(gb_seckey_from_seed(&cosig, "picc-sh",
		GB_ALG_COSIGNATURE_V1, seed, &err) == 0);
	size_t bl = body_of(minimal_body, &err);
	CU_ASSERT_FATAL(bl > 0);
	const gb_seckey *kp[] = { &k };
	size_t n;
	CU_ASSERT_FATAL(gb_entry_sign(body_buf, bl, kp, 1, entry_buf,
		sizeof entry_buf, &n, &err) == 0);
	gb_entry e;
	CU_ASSERT_FATAL(gb_entry_decode(entry_buf, n, &e, &err) == 0);
	CU_ASSERT(e.raw == entry_buf);
	CU_ASSERT_EQUAL(e.raw_len, n);
	CU_ASSERT(gb_str_eq(e.type, "claim.open"));
	CU_ASSERT(gb_str_eq(e.consortium, "sh-agri-2025"));
	CU_ASSERT(gb_str_eq(e.signer, "picc-sh"));
	CU_ASSERT(gb_str_eq(e.id, "claim-42"));
	CU_ASSERT_EQUAL(e.time, 1735689600u);
	CU_ASSERT_EQUAL(e.sig_count, 1);
	CU_ASSERT_EQUAL(e.sigs[0].keyid, k.pub.keyid);
	CU_ASSERT_EQUAL(gb_entry_verify_sig(&e, 0, &k.pub, &err), 0);
	/* the wrong key: another name, same name with another key id, the
	 * cosignature algorithm */
	CU_ASSERT_EQUAL(gb_entry_verify_sig(&e, 0, &other.pub, &err),
		GB_EUNKNOWNKEY);
	CU_ASSERT_STRING_EQUAL(err.msg, "sigs[0]: signer 'picc-sh' is not the "
		"key's name 'cpic-sh'");
	CU_ASSERT_EQUAL(gb_entry_verify_sig(&e, 0, &same_name.pub, &err),
		GB_EUNKNOWNKEY);
	CU_ASSERT_EQUAL(gb_entry_verify_sig(&e, 0, &cosig.pub, &err),
		GB_EUNKNOWNKEY);
	/* a matching name and key id with another public key: ESIG */
	gb_pubkey forged = same_name.pub;
	forged.keyid = k.pub.keyid;
	CU_ASSERT_EQUAL(gb_entry_verify_sig(&e, 0, &forged, &err), GB_ESIG);
	/* a flipped signature bit, a flipped body bit */
	static uint8_t copy[GB_ENTRY_MAX];
	memcpy(copy, entry_buf, n);
	gb_entry e2;
	CU_ASSERT_FATAL(gb_entry_decode(copy, n, &e2, &err) == 0);
	copy[e2.sigs[0].sig - copy + 10] ^= 0x01;
	CU_ASSERT_EQUAL(gb_entry_verify_sig(&e2, 0, &k.pub, &err), GB_ESIG);
	CU_ASSERT_STRING_EQUAL(err.msg,
		"sigs[0]: signature by 'picc-sh' does not verify");
	memcpy(copy, entry_buf, n);
	/* "claim-42" -> "claim-43": still a valid entry, no longer signed */
	uint8_t *idp = NULL;
	for (size_t i = 0; i + 8 <= n && idp == NULL; i++)
		if (memcmp(copy + i, "claim-42", 8) == 0)
			idp = copy + i;
	CU_ASSERT_FATAL(idp != NULL);
	idp[7] = '3';
	CU_ASSERT_FATAL(gb_entry_decode(copy, n, &e2, &err) == 0);
	CU_ASSERT_EQUAL(gb_entry_verify_sig(&e2, 0, &k.pub, &err), GB_ESIG);
	/* sigs of the wrong type */
	gb_mpw w;
	gb_mpw_init(&w, copy, sizeof copy);
	gb_mpw_map(&w, 2);
	gb_mpw_cstr(&w, "body");
	gb_mpw_bin(&w, body_buf, bl);
	gb_mpw_cstr(&w, "sigs");
	gb_mpw_map(&w, 0);
	CU_ASSERT_EQUAL(gb_entry_decode(copy, w.len, &e2, &err), GB_EFIELD);
	CU_ASSERT_STRING_EQUAL(err.msg, "entry key 'sigs' is not an array");
	gb_seckey_wipe(&k);
}

/* Eight signers, each verifying; keys[0] must be the body's signer. */
static void test_cosigned(void)
{
	gb_seckey keys[GB_ENTRY_SIGS_MAX + 1];
	const gb_seckey *kp[GB_ENTRY_SIGS_MAX + 1];
	gb_err err;
	key_from(&keys[0], "picc-sh", 0);
	kp[0] = &keys[0];
	for (int i = 1; i <= GB_ENTRY_SIGS_MAX; i++) {
		char name[24];
		snprintf(name, sizeof name, "member-%d", i);
		key_from(&keys[i], name, 10 * i);
		kp[i] = &keys[i];
	}
	size_t bl = body_of(minimal_body, &err), n;
	CU_ASSERT_FATAL(gb_entry_sign(body_buf, bl, kp, GB_ENTRY_SIGS_MAX,
		entry_buf, sizeof entry_buf, &n, &err) == 0);
	gb_entry e;
	CU_ASSERT_FATAL(gb_entry_decode(entry_buf, n, &e, &err) == 0);
	CU_ASSERT_EQUAL(e.sig_count, GB_ENTRY_SIGS_MAX);
	for (size_t i = 0; i < e.sig_count; i++) {
		CU_ASSERT_EQUAL(gb_entry_verify_sig(&e, i, &keys[i].pub, &err), 0);
		CU_ASSERT(gb_str_eq(e.sigs[i].signer, keys[i].pub.name));
	}
	/* co-signers given in any order are written sorted */
	static uint8_t first[8192];
	size_t first_len = n;
	memcpy(first, entry_buf, n);
	const gb_seckey *rev[GB_ENTRY_SIGS_MAX];
	rev[0] = kp[0];
	for (int i = 1; i < GB_ENTRY_SIGS_MAX; i++)
		rev[i] = kp[GB_ENTRY_SIGS_MAX - i];
	CU_ASSERT_FATAL(gb_entry_sign(body_buf, bl, rev, GB_ENTRY_SIGS_MAX,
		entry_buf, sizeof entry_buf, &n, &err) == 0);
	CU_ASSERT_EQUAL(n, first_len);
	CU_ASSERT(memcmp(entry_buf, first, n) == 0);
	/* a co-signer whose name is a prefix of another's sorts first */
	gb_seckey pre[3];
	key_from(&pre[0], "picc-sh", 0);
	key_from(&pre[1], "member-10", 1);
	key_from(&pre[2], "member-1", 2);
	const gb_seckey *pp[] = { &pre[0], &pre[1], &pre[2] };
	CU_ASSERT_FATAL(gb_entry_sign(body_buf, bl, pp, 3, entry_buf,
		sizeof entry_buf, &n, &err) == 0);
	CU_ASSERT_FATAL(gb_entry_decode(entry_buf, n, &e, &err) == 0);
	CU_ASSERT(gb_str_eq(e.sigs[1].signer, "member-1"));
	CU_ASSERT(gb_str_eq(e.sigs[2].signer, "member-10"));
	/* a co-signature checked against its neighbour's key */
	CU_ASSERT_EQUAL(gb_entry_verify_sig(&e, 2, &keys[3].pub, &err),
		GB_EUNKNOWNKEY);
	/* nine keys, none, keys[0] not the signer, a signer twice */
	CU_ASSERT_EQUAL(gb_entry_sign(body_buf, bl, kp, GB_ENTRY_SIGS_MAX + 1,
		entry_buf, sizeof entry_buf, &n, &err), GB_ETOOBIG);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL(gb_entry_sign(body_buf, bl, kp, 0, entry_buf,
		sizeof entry_buf, &n, &err), GB_ENOSIG);
	CU_ASSERT_EQUAL(gb_entry_sign(body_buf, bl, kp + 1, 1, entry_buf,
		sizeof entry_buf, &n, &err), GB_EFIELD);
	CU_ASSERT_STRING_EQUAL(err.msg,
		"sigs[0]: signer 'member-1' is not the body's signer 'picc-sh'");
	const gb_seckey *twice[] = { &keys[0], &keys[1], &keys[0] };
	CU_ASSERT_EQUAL(gb_entry_sign(body_buf, bl, twice, 3, entry_buf,
		sizeof entry_buf, &n, &err), GB_EFIELD);
	CU_ASSERT_STRING_EQUAL(err.msg,
		"sigs[2]: signer 'picc-sh' already signed as sigs[0]");
	CU_ASSERT_EQUAL(n, 0);
}

static void test_sign_errors(void)
{
	gb_seckey k, cosig;
	gb_err err;
	key_from(&k, "picc-sh", 1);
	uint8_t seed[GB_SEED_BYTES] = { 0 };
	CU_ASSERT_FATAL(gb_seckey_from_seed(&cosig, "picc-sh",
		GB_ALG_COSIGNATURE_V1, seed, &err) == 0);
	const gb_seckey *kp[] = { &k };
	const gb_seckey *cp[] = { &cosig };
	size_t bl = body_of(minimal_body, &err), n = 1;
	CU_ASSERT_EQUAL(gb_entry_sign(body_buf, bl, cp, 1, entry_buf,
		sizeof entry_buf, &n, &err), GB_EINVAL);
	/* a buffer one byte short, then exactly right */
	size_t full;
	CU_ASSERT_FATAL(gb_entry_sign(body_buf, bl, kp, 1, entry_buf,
		sizeof entry_buf, &full, &err) == 0);
	CU_ASSERT_EQUAL(gb_entry_sign(body_buf, bl, kp, 1, entry_buf,
		full - 1, &n, &err), GB_ETOOBIG);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL(gb_entry_sign(body_buf, bl, kp, 1, entry_buf, full, &n,
		&err), 0);
	CU_ASSERT_EQUAL(n, full);
	/* bodies with a float, a nil, a bin, a non-shortest integer */
	static const char *const bad[] = {
		"81 a1 61 cb 3f f0 00 00 00 00 00 00", "81 a1 61 c0",
		"81 a1 61 c4 01 00", "81 a1 61 cc 01", "81 a1 61 01 00",
	};
	static const int codes[] = { GB_EMSGPACK, GB_EMSGPACK, GB_EMSGPACK,
		GB_ENONCANON, GB_ETRAILING };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint8_t b[32];
		size_t m = 0;
		for (const char *h = bad[i]; *h != '\0'; h += h[2] ? 3 : 2)
			CU_ASSERT_FATAL(sscanf(h, "%2hhx", &b[m++]) == 1);
		CU_ASSERT_EQUAL(gb_entry_sign(b, m, kp, 1, entry_buf,
			sizeof entry_buf, &n, &err), codes[i]);
		CU_ASSERT(strncmp(err.msg, "body: at byte 3", 15) == 0 ||
			codes[i] == GB_ETRAILING);
	}
	/* a body over the entry limit, before anything else */
	CU_ASSERT_EQUAL(gb_entry_sign(body_buf, GB_ENTRY_MAX + 1, kp, 1,
		entry_buf, sizeof entry_buf, &n, &err), GB_ETOOBIG);
	CU_ASSERT_STRING_EQUAL(err.msg,
		"body of 65537 bytes over the limit 65536");
	/* a body that is canonical but lacks the common fields */
	CU_ASSERT_EQUAL(gb_entry_sign((const uint8_t *)"\x80", 1, kp, 1,
		entry_buf, sizeof entry_buf, &n, &err), GB_EFIELD);
	CU_ASSERT_STRING_EQUAL(err.msg, "body field 'v' missing");
}

/* Writes {"body": body, "sigs": [one signature by k]} into entry_buf
 * without any check (gb_entry_sign would refuse what we want to test). */
static size_t write_entry(const uint8_t *body, size_t bl, const gb_seckey *k)
{
	static uint8_t msg[GB_ENTRY_SIG_DOMAIN_LEN + GB_ENTRY_MAX + 1024];
	uint8_t sig[GB_SIG_BYTES];
	gb_seckey_sign(k, msg, gb_entry_sig_message(body, bl, msg), sig);
	gb_mpw w;
	gb_mpw_init(&w, entry_buf, sizeof entry_buf);
	gb_mpw_map(&w, 2);
	gb_mpw_cstr(&w, "body");
	gb_mpw_bin(&w, body, bl);
	gb_mpw_cstr(&w, "sigs");
	gb_mpw_array(&w, 1);
	gb_mpw_map(&w, 3);
	gb_mpw_cstr(&w, "keyid");
	gb_mpw_uint(&w, k->pub.keyid);
	gb_mpw_cstr(&w, "sig");
	gb_mpw_bin(&w, sig, sizeof sig);
	gb_mpw_cstr(&w, "signer");
	gb_mpw_cstr(&w, k->pub.name);
	CU_ASSERT_FATAL(w.err == 0);
	return w.len;
}

/* Writes into body_buf a valid body padded with `pad` bytes of strings. */
static size_t padded_body(size_t pad)
{
	gb_mpw w;
	static char s[GB_BODY_STR_MAX];
	memset(s, 'x', sizeof s);
	gb_mpw_init(&w, body_buf, sizeof body_buf);
	gb_mpw_map(&w, 10);
	gb_mpw_cstr(&w, "consortium"); gb_mpw_cstr(&w, "c");
	gb_mpw_cstr(&w, "id"); gb_mpw_cstr(&w, "i");
	for (int i = 0; i < 4; i++) {
		char key[16];
		size_t part = pad > GB_BODY_STR_MAX ? GB_BODY_STR_MAX : pad;
		snprintf(key, sizeof key, "pad%d", i);
		gb_mpw_cstr(&w, key);
		gb_mpw_str(&w, s, part);
		pad -= part;
	}
	CU_ASSERT_FATAL(pad == 0);
	gb_mpw_cstr(&w, "signer"); gb_mpw_cstr(&w, "picc-sh");
	gb_mpw_cstr(&w, "time"); gb_mpw_uint(&w, 0);
	gb_mpw_cstr(&w, "type"); gb_mpw_cstr(&w, "t");
	gb_mpw_cstr(&w, "v"); gb_mpw_uint(&w, 1);
	CU_ASSERT_FATAL(w.err == 0);
	return w.len;
}

/* GB_ENTRY_MAX bytes exactly pass; one more fails first with GB_ETOOBIG,
 * before anything else is looked at. */
static void test_size_limit(void)
{
	gb_seckey k;
	gb_err err;
	gb_entry e;
	key_from(&k, "picc-sh", 1);
	const gb_seckey *kp[] = { &k };
	size_t base = write_entry(body_buf, padded_body(60000), &k);
	CU_ASSERT_FATAL(base > 60000 && base < GB_ENTRY_MAX);
	size_t pad = 60000 + (GB_ENTRY_MAX - base);
	size_t bl = padded_body(pad), n;
	CU_ASSERT_EQUAL_FATAL(write_entry(body_buf, bl, &k), GB_ENTRY_MAX);
	CU_ASSERT_EQUAL(gb_entry_decode(entry_buf, GB_ENTRY_MAX, &e, &err), 0);
	CU_ASSERT_EQUAL(gb_entry_verify_sig(&e, 0, &k.pub, &err), 0);
	CU_ASSERT_EQUAL(gb_entry_sign(body_buf, bl, kp, 1, entry_buf,
		sizeof entry_buf, &n, &err), 0);
	CU_ASSERT_EQUAL(n, GB_ENTRY_MAX);
	/* one byte more: the same entry otherwise */
	bl = padded_body(pad + 1);
	CU_ASSERT_EQUAL_FATAL(write_entry(body_buf, bl, &k), GB_ENTRY_MAX + 1);
	CU_ASSERT_EQUAL(gb_entry_decode(entry_buf, GB_ENTRY_MAX + 1, &e, &err),
		GB_ETOOBIG);
	CU_ASSERT_STRING_EQUAL(err.msg,
		"entry of 65537 bytes over the limit 65536");
	CU_ASSERT_EQUAL(gb_entry_sign(body_buf, bl, kp, 1, entry_buf,
		sizeof entry_buf, &n, &err), GB_ETOOBIG);
	CU_ASSERT_EQUAL(n, 0);
	/* garbage over the limit is refused for its size alone */
	memset(entry_buf, 0xc1, GB_ENTRY_MAX + 1);
	CU_ASSERT_EQUAL(gb_entry_decode(entry_buf, GB_ENTRY_MAX + 1, &e, &err),
		GB_ETOOBIG);
	CU_ASSERT_EQUAL(gb_entry_decode(entry_buf, GB_ENTRY_MAX, &e, &err),
		GB_EMSGPACK);
}

/* Exact messages of a few decode failures. */
static void test_decode_messages(void)
{
	gb_seckey k;
	gb_err err;
	gb_entry e;
	key_from(&k, "picc-sh", 1);
	const gb_seckey *kp[] = { &k };
	static const struct {
		const char *body;
		int code;
		const char *msg;
	} cases[] = {
		{ "{\"v\":2,\"type\":\"t\",\"consortium\":\"c\",\"signer\":"
			"\"picc-sh\",\"id\":\"i\",\"time\":0}", GB_EVERSION,
			"unknown format version 2" },
		{ "{\"v\":1,\"type\":\"a b\",\"consortium\":\"c\",\"signer\":"
			"\"picc-sh\",\"id\":\"i\",\"time\":0}", GB_EFIELD,
			"body field 'type' 'a b' has byte 0x20 at 1, allowed are "
			"A-Z a-z 0-9 . _ : / -" },
		{ "{\"v\":1,\"type\":\"t\",\"consortium\":\"c\",\"signer\":"
			"\"picc-sh\",\"id\":\"\\u4e2d\",\"time\":0}", GB_EFIELD,
			"body field 'id' '\?\?\?' has byte 0xe4 at 0, allowed are "
			"A-Z a-z 0-9 . _ : / -" },
		{ "{\"v\":1,\"type\":\"t\",\"consortium\":\"c\",\"signer\":"
			"\"picc-sh\",\"id\":\"i\",\"time\":\"now\"}", GB_EFIELD,
			"body field 'time' is not an unsigned integer" },
		{ "{\"v\":1,\"type\":\"t\",\"consortium\":\"c\",\"signer\":"
			"\"picc-sh\",\"id\":\"i\"}", GB_EFIELD,
			"body field 'time' missing" },
		{ "{\"v\":\"1\",\"type\":\"t\",\"consortium\":\"c\",\"signer\":"
			"\"picc-sh\",\"id\":\"i\",\"time\":0}", GB_EFIELD,
			"body field 'v' is not an unsigned integer" },
		{ "{\"v\":1,\"type\":\"t\",\"consortium\":[],\"signer\":"
			"\"picc-sh\",\"id\":\"i\",\"time\":0}", GB_EFIELD,
			"body field 'consortium' is not a string" },
		{ "{\"v\":1,\"type\":\"t\",\"consortium\":\"c\",\"signer\":"
			"\"picc-sh\",\"id\":\"i\",\"time\":0,\"x\":{\"b\":{\"c\":"
			"[1,2,\"\\u0000\"]}}}", 0, "" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t bl = body_of(cases[i].body, &err), n;
		CU_ASSERT_FATAL(bl > 0);
		gb_err_clear(&err);
		CU_ASSERT_EQUAL(gb_entry_sign(body_buf, bl, kp, 1, entry_buf,
			sizeof entry_buf, &n, &err), cases[i].code);
		CU_ASSERT_STRING_EQUAL(err.msg, cases[i].msg);
	}
	/* limits: the longest id and type pass */
	char body[512];
	snprintf(body, sizeof body, "{\"v\":1,\"type\":\"%.*s\",\"consortium\":"
		"\"%.*s\",\"signer\":\"picc-sh\",\"id\":\"%.*s\",\"time\":"
		"18446744073709551615}", GB_TYPE_MAX, "abcdefghijklmnopqrstuvwxyz"
		"0123456789", GB_ID_MAX, "a.b_c:d/e-f0123456789ABCDEFGHIJKLMNOPQRST"
		"UVWXYZabcdefghijklmnopqrstuvwxyz", GB_ID_MAX, "0123456789"
		"0123456789012345678901234567890123456789012345678901234567890123");
	json_error_t je;
	CU_ASSERT(json_loads(body, 0, &je) == NULL);  /* 2^64-1: not int64 */
	snprintf(strstr(body, "18446744073709551615"), 32,
		"9223372036854775807}");
	size_t bl = body_of(body, &err), n;
	CU_ASSERT_FATAL(bl > 0);
	CU_ASSERT_EQUAL(gb_entry_sign(body_buf, bl, kp, 1, entry_buf,
		sizeof entry_buf, &n, &err), 0);
	CU_ASSERT_FATAL(gb_entry_decode(entry_buf, n, &e, &err) == 0);
	CU_ASSERT_EQUAL(e.type.len, GB_TYPE_MAX);
	CU_ASSERT_EQUAL(e.consortium.len, GB_ID_MAX);
	CU_ASSERT_EQUAL(e.id.len, GB_ID_MAX);
	CU_ASSERT_EQUAL(e.time, (uint64_t)INT64_MAX);
}

static void test_sig_message(void)
{
	uint8_t msg[32];
	size_t n = gb_entry_sig_message((const uint8_t *)"\x80", 1, msg);
	CU_ASSERT_EQUAL(n, 18);
	CU_ASSERT(memcmp(msg, "gongbao/entry/v1\0\x80", 18) == 0);
	CU_ASSERT_EQUAL(gb_entry_sig_message(NULL, 0, msg), 17);
	gb_str s = { "abc", 3 };
	CU_ASSERT(gb_str_eq(s, "abc"));
	CU_ASSERT(!gb_str_eq(s, "ab"));
	CU_ASSERT(!gb_str_eq(s, "abcd"));
	CU_ASSERT(!gb_str_eq(s, "abd"));
	gb_str empty = { NULL, 0 };
	CU_ASSERT(gb_str_eq(empty, ""));
	CU_ASSERT(!gb_str_eq(empty, "a"));
}

/* ---- JSON ---- */

static int json_mp_code(const char *text, gb_err *err)
{
	json_error_t je;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &je);
	CU_ASSERT_FATAL(j != NULL);
	gb_mpw w;
	gb_mpw_init(&w, body_buf, sizeof body_buf);
	gb_err_clear(err);
	int rc = gb_json_to_mp(j, &w, err);
	json_decref(j);
	return rc;
}

static void test_json_roundtrip(void)
{
	static const char *const docs[] = {
		"{\"a\":[1,-1,127,128,-32,-33,255,256,65535,65536,4294967295,"
		"4294967296,9223372036854775807,-9223372036854775808],"
		"\"b\":{\"\":true,\"x\":false,\"y\":\"\\u00e9\\u4e2d\\ud834\\udd1e\"},"
		"\"c\":[],\"d\":{},\"e\":\"a\\u0000b\"}",
		"[[[[[[[[1]]]]]]]]", "7", "\"s\"", "true", "-9223372036854775808",
	};
	for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
		json_error_t je;
		gb_err err;
		json_t *j = json_loads(docs[i], JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
		CU_ASSERT_FATAL(j != NULL);
		gb_mpw w;
		gb_mpw_init(&w, body_buf, sizeof body_buf);
		CU_ASSERT_EQUAL(gb_json_to_mp(j, &w, &err), 0);
		CU_ASSERT_EQUAL(gb_mp_check(body_buf, w.len, &gb_body_limits,
			&err), 0);
		json_t *back = gb_mp_to_json(body_buf, w.len);
		CU_ASSERT(json_equal(j, back));
		/* and back to the same bytes */
		static uint8_t again[4096];
		gb_mpw w2;
		gb_mpw_init(&w2, again, sizeof again);
		CU_ASSERT_EQUAL(gb_json_to_mp(back, &w2, &err), 0);
		CU_ASSERT_EQUAL(w2.len, w.len);
		CU_ASSERT(memcmp(again, body_buf, w.len) == 0);
		json_decref(back);
		json_decref(j);
	}
}

/* Keys inserted in any order give the same bytes, sorted bytewise. */
static void test_json_key_order(void)
{
	static const char *const keys[] = {
		"b", "a", "ab", "B", "", "a\xc3\xa9", "\xe4\xb8\xad", "aa",
		"Z", "~", "0", "a0", "ba", "\x7f",
	};
	enum { N = sizeof keys / sizeof keys[0] };
	uint8_t ref[512];
	size_t ref_len = 0;
	uint64_t rng = 0x243f6a8885a308d3ull;
	for (int round = 0; round < 200; round++) {
		size_t order[N];
		for (size_t i = 0; i < N; i++)
			order[i] = i;
		for (size_t i = N - 1; i > 0; i--) {
			rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
			size_t j = (size_t)(rng % (i + 1)), t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		json_t *o = json_object(), *inner = json_object();
		for (size_t i = 0; i < N; i++) {
			json_object_set_new(o, keys[order[i]],
				json_integer((json_int_t)order[i]));
			json_object_set_new(inner, keys[order[N - 1 - i]],
				json_true());
		}
		json_object_set_new(o, "zz", inner);
		uint8_t out[512];
		gb_mpw w;
		gb_err err;
		gb_mpw_init(&w, out, sizeof out);
		CU_ASSERT_FATAL(gb_json_to_mp(o, &w, &err) == 0);
		json_decref(o);
		if (round == 0) {
			memcpy(ref, out, w.len);
			ref_len = w.len;
			CU_ASSERT_EQUAL(gb_mp_check(out, w.len, &gb_body_limits,
				&err), 0);
		}
		CU_ASSERT_EQUAL(w.len, ref_len);
		CU_ASSERT(memcmp(out, ref, ref_len) == 0);
	}
	/* the order itself, bytewise: "zz" before "~" (0x7a < 0x7e), and
	 * UTF-8 above 0x7f last */
	static const char *const sorted[] = {
		"", "0", "B", "Z", "a", "a0", "aa", "ab", "a\xc3\xa9", "b", "ba",
		"zz", "~", "\x7f", "\xe4\xb8\xad",
	};
	gb_mpr r;
	gb_mp_item it;
	gb_mpr_init(&r, ref, ref_len);
	CU_ASSERT_FATAL(gb_mpr_next(&r, &it, NULL) == 0);
	CU_ASSERT_EQUAL_FATAL(it.v.count, N + 1);
	for (size_t i = 0; i < N + 1; i++) {
		CU_ASSERT_FATAL(gb_mpr_next(&r, &it, NULL) == 0);
		CU_ASSERT_EQUAL(it.type, GB_MP_STR);
		CU_ASSERT_EQUAL(it.v.str.len, strlen(sorted[i]));
		CU_ASSERT(memcmp(it.v.str.ptr, sorted[i], it.v.str.len) == 0);
		CU_ASSERT_FATAL(gb_mpr_skip(&r, 8, NULL) == 0);
	}
}

static void test_json_errors(void)
{
	gb_err err;
	CU_ASSERT_EQUAL(json_mp_code("{\"participants\":[{},{},{\"vkey\":1.5}]}",
		&err), GB_EJSON);
	CU_ASSERT_STRING_EQUAL(err.msg, "$.participants[2].vkey: real number "
		"1.5 not allowed, use an integer (amounts are in fen)");
	CU_ASSERT_EQUAL(json_mp_code("{\"a\":{\"b\":null}}", &err), GB_EJSON);
	CU_ASSERT_STRING_EQUAL(err.msg, "$.a.b: null not allowed");
	CU_ASSERT_EQUAL(json_mp_code("1.0", &err), GB_EJSON);
	CU_ASSERT_EQUAL(json_mp_code("null", &err), GB_EJSON);
	CU_ASSERT_STRING_EQUAL(err.msg, "$: null not allowed");
	CU_ASSERT_EQUAL(json_mp_code("[[[[[[[[[]]]]]]]]]", &err), GB_EDEPTH);
	CU_ASSERT_STRING_EQUAL(err.msg,
		"$[0][0][0][0][0][0][0][0]: nesting deeper than 8 levels");
	CU_ASSERT_EQUAL(json_mp_code("[[[[[[[[]]]]]]]]", &err), 0);
	/* sizes: array, object, string, key */
	json_t *a = json_array();
	for (int i = 0; i <= GB_BODY_ARRAY_MAX; i++)
		json_array_append_new(a, json_integer(i));
	gb_mpw w;
	gb_mpw_init(&w, body_buf, sizeof body_buf);
	CU_ASSERT_EQUAL(gb_json_to_mp(a, &w, &err), GB_ETOOBIG);
	CU_ASSERT_STRING_EQUAL(err.msg, "$: array of 4097 elements over the "
		"limit 4096");
	json_array_remove(a, 0);
	gb_mpw_init(&w, body_buf, sizeof body_buf);
	CU_ASSERT_EQUAL(gb_json_to_mp(a, &w, &err), 0);
	json_decref(a);
	json_t *o = json_object();
	for (int i = 0; i <= GB_BODY_MAP_MAX; i++) {
		char k[16];
		snprintf(k, sizeof k, "k%d", i);
		json_object_set_new(o, k, json_true());
	}
	gb_mpw_init(&w, body_buf, sizeof body_buf);
	CU_ASSERT_EQUAL(gb_json_to_mp(o, &w, &err), GB_ETOOBIG);
	json_object_del(o, "k0");
	gb_mpw_init(&w, body_buf, sizeof body_buf);
	CU_ASSERT_EQUAL(gb_json_to_mp(o, &w, &err), 0);
	json_decref(o);
	static char big[GB_BODY_STR_MAX + 2];
	memset(big, 'x', GB_BODY_STR_MAX + 1);
	json_t *s = json_string(big);
	gb_mpw_init(&w, body_buf, sizeof body_buf);
	CU_ASSERT_EQUAL(gb_json_to_mp(s, &w, &err), GB_ETOOBIG);
	json_t *ko = json_object();
	json_object_set_new(ko, big, json_true());
	gb_mpw_init(&w, body_buf, sizeof body_buf);
	CU_ASSERT_EQUAL(gb_json_to_mp(ko, &w, &err), GB_EJSON);
	json_decref(ko);
	big[GB_BODY_STR_MAX] = '\0';
	json_string_set(s, big);
	gb_mpw_init(&w, body_buf, sizeof body_buf);
	CU_ASSERT_EQUAL(gb_json_to_mp(s, &w, &err), 0);
	/* the output buffer too small */
	uint8_t small[8];
	gb_mpw_init(&w, small, sizeof small);
	CU_ASSERT_EQUAL(gb_json_to_mp(s, &w, &err), GB_ETOOBIG);
	json_decref(s);
	/* a long path is cut short in messages, never overflows */
	json_t *deep = json_pack("{s:{s:{s:[f]}}}", big + 16000 - 100,
		big + 16000 - 60, "k", 2.5);
	CU_ASSERT_FATAL(deep != NULL);
	gb_mpw_init(&w, body_buf, sizeof body_buf);
	CU_ASSERT_EQUAL(gb_json_to_mp(deep, &w, &err), GB_EJSON);
	CU_ASSERT(strncmp(err.msg, "$.xxxxxxxxxx", 12) == 0);
	CU_ASSERT(strstr(err.msg, "...") != NULL);
	CU_ASSERT(strstr(err.msg, ": real number 2.5 not allowed") != NULL);
	json_decref(deep);
	/* a writer that already failed */
	gb_mpw_init(&w, small, sizeof small);
	w.err = GB_ETOOBIG;
	CU_ASSERT_EQUAL(gb_json_to_mp(json_true(), &w, &err), GB_ETOOBIG);
	/* a key that is not UTF-8 (jansson's check bypassed) */
	json_t *bk = json_object();
	json_object_setn_new_nocheck(bk, "\xff", 1, json_true());
	gb_mpw_init(&w, body_buf, sizeof body_buf);
	CU_ASSERT_EQUAL(gb_json_to_mp(bk, &w, &err), GB_EJSON);
	CU_ASSERT_STRING_EQUAL(err.msg, "$: key is not valid UTF-8");
	json_decref(bk);
	/* bad UTF-8 slipped in without jansson's check */
	json_t *bad = json_stringn_nocheck("\xed\xa0\x80", 3);
	gb_mpw_init(&w, body_buf, sizeof body_buf);
	CU_ASSERT_EQUAL(gb_json_to_mp(bad, &w, &err), GB_EJSON);
	json_decref(bad);
	/* integers beyond int64 never reach us: jansson refuses them */
	json_error_t je;
	CU_ASSERT(json_loads("9223372036854775808", JSON_DECODE_ANY, &je)
		== NULL);
	CU_ASSERT(json_loads("-9223372036854775809", JSON_DECODE_ANY, &je)
		== NULL);
}

static void test_mp_to_json(void)
{
	/* bin becomes base64, nil null; uint64 above INT64_MAX and anything
	 * non-canonical give NULL */
	json_t *j = gb_mp_to_json((const uint8_t *)"\x92\xc4\x03\x01\x02\x03"
		"\xc0", 7);
	CU_ASSERT_FATAL(j != NULL);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(j, 0)), "AQID");
	CU_ASSERT(json_is_null(json_array_get(j, 1)));
	json_decref(j);
	CU_ASSERT(gb_mp_to_json((const uint8_t *)"\xcf\x80\0\0\0\0\0\0\0", 9)
		== NULL);
	j = gb_mp_to_json((const uint8_t *)"\xcf\x7f\xff\xff\xff\xff\xff\xff"
		"\xff", 9);
	CU_ASSERT(json_integer_value(j) == INT64_MAX);
	json_decref(j);
	CU_ASSERT(gb_mp_to_json((const uint8_t *)"\xcc\x01", 2) == NULL);
	/* a too-big integer deep inside an array or a map */
	CU_ASSERT(gb_mp_to_json((const uint8_t *)"\x92\x01\xcf\x80\0\0\0\0\0"
		"\0\0", 11) == NULL);
	CU_ASSERT(gb_mp_to_json((const uint8_t *)"\x81\xa1" "a\x91\xcf\xff\xff"
		"\xff\xff\xff\xff\xff\xff", 13) == NULL);
	CU_ASSERT(gb_mp_to_json((const uint8_t *)"\x01\x01", 2) == NULL);
	CU_ASSERT(gb_mp_to_json((const uint8_t *)"\x82\xa1" "b\x01\xa1" "a\x01",
		7) == NULL);
	CU_ASSERT(gb_mp_to_json((const uint8_t *)"", 0) == NULL);
	CU_ASSERT(gb_mp_to_json((const uint8_t *)"\x91\x81\xa1" "a\xcb", 5)
		== NULL);
	/* a key with a NUL survives, both ways */
	json_t *o = json_object();
	json_object_setn_new(o, "a\0", 2, json_integer(1));
	json_object_setn_new(o, "a", 1, json_integer(2));
	uint8_t out[16];
	gb_mpw w;
	gb_mpw_init(&w, out, sizeof out);
	CU_ASSERT_EQUAL(gb_json_to_mp(o, &w, NULL), 0);
	CU_ASSERT_EQUAL(w.len, 8);
	CU_ASSERT(memcmp(out, "\x82\xa1" "a\x02\xa2" "a\0\x01", 8) == 0);
	json_decref(o);
	j = gb_mp_to_json((const uint8_t *)"\x81\xa2" "a\0\x01", 5);
	CU_ASSERT_FATAL(j != NULL);
	CU_ASSERT(json_integer_value(json_object_getn(j, "a\0", 2)) == 1);
	json_decref(j);
}

static void test_entry_to_json(void)
{
	gb_seckey k;
	gb_err err;
	gb_entry e;
	key_from(&k, "picc-sh", 1);
	const gb_seckey *kp[] = { &k };
	size_t bl = body_of(minimal_body, &err), n;
	CU_ASSERT_FATAL(gb_entry_sign(body_buf, bl, kp, 1, entry_buf,
		sizeof entry_buf, &n, &err) == 0);
	CU_ASSERT_FATAL(gb_entry_decode(entry_buf, n, &e, &err) == 0);
	json_t *j = gb_entry_to_json(&e);
	CU_ASSERT_FATAL(j != NULL);
	json_t *body = json_loads(minimal_body, 0, NULL);
	CU_ASSERT(json_equal(json_object_get(j, "body"), body));
	json_decref(body);
	json_t *s0 = json_array_get(json_object_get(j, "sigs"), 0);
	char id[9], b64[sodium_base64_ENCODED_LEN(64,
		sodium_base64_VARIANT_ORIGINAL)];
	snprintf(id, sizeof id, "%08x", (unsigned)k.pub.keyid);
	sodium_bin2base64(b64, sizeof b64, e.sigs[0].sig, 64,
		sodium_base64_VARIANT_ORIGINAL);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(s0, "keyid")),
		id);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(s0, "sig")),
		b64);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(s0,
		"signer")), "picc-sh");
	CU_ASSERT_EQUAL(json_object_size(s0), 3);
	CU_ASSERT_EQUAL(json_object_size(j), 2);
	json_decref(j);
}

static void add_tests(CU_pSuite s)
{
	CU_add_test(s, "vectors: valid", test_vectors_valid);
	CU_add_test(s, "vectors: invalid", test_vectors_invalid);
	CU_add_test(s, "sign, decode, verify", test_roundtrip);
	CU_add_test(s, "co-signatures", test_cosigned);
	CU_add_test(s, "sign errors", test_sign_errors);
	CU_add_test(s, "size limit", test_size_limit);
	CU_add_test(s, "decode messages", test_decode_messages);
	CU_add_test(s, "signature message", test_sig_message);
	CU_add_test(s, "json round trip", test_json_roundtrip);
	CU_add_test(s, "json key order", test_json_key_order);
	CU_add_test(s, "json errors", test_json_errors);
	CU_add_test(s, "mp to json", test_mp_to_json);
	CU_add_test(s, "entry to json", test_entry_to_json);
}

GB_CUNIT_MAIN("entry", add_tests)
