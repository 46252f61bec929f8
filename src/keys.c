/*
 * keys.c: Ed25519 keys, C2SP key names, key ids and verifier keys, and the
 * passphrase-encrypted secret key file (format in spec/KEYS.md).
 */
#include "gongbao/file.h"
#include "gongbao/keys.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#define KEYFILE_MAGIC "gongbao-secret-key v1"
#define KEYFILE_KDF "argon2id13"

/* The sealed plaintext: alg (1) || seed (32) || name (1..GB_NAME_MAX). */
#define SEALED_MIN (1 + GB_SEED_BYTES + 1)
#define SEALED_MAX (1 + GB_SEED_BYTES + GB_NAME_MAX)
#define BOX_OVERHEAD (crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
#define BOX_MAX (BOX_OVERHEAD + SEALED_MAX)

/* alg || 32-byte key, as in a vkey or a C2SP private key. */
#define ALGKEY_BYTES (1 + GB_PK_BYTES)

/* Longest C2SP private key text: "PRIVATE+KEY+" then a vkey-shaped tail. */
#define SKEY_MAX (12 + GB_VKEY_MAX)

/* Longest quoted value in an error message, in bytes of output. */
#define QUOTE_MAX 72

_Static_assert(GB_SEED_BYTES == crypto_sign_SEEDBYTES, "seed size");
_Static_assert(GB_PK_BYTES == crypto_sign_PUBLICKEYBYTES, "pk size");
_Static_assert(GB_SK_BYTES == crypto_sign_SECRETKEYBYTES, "sk size");
_Static_assert(GB_SIG_BYTES == crypto_sign_BYTES, "sig size");
_Static_assert(GB_KEYFILE_MEMLIMIT_MAX <= SIZE_MAX, "memlimit fits size_t");

/* Initialises libsodium once; later calls cost one atomic load. */
static int sodium_ready(void)
{
	static atomic_int ready;
	if (atomic_load_explicit(&ready, memory_order_acquire))
		return 0;
	if (sodium_init() < 0)
		return GB_ENOMEM;
	atomic_store_explicit(&ready, 1, memory_order_release);
	return 0;
}

/*
 * Decodes the UTF-8 sequence at s (len > 0 bytes). Returns its length (1-4)
 * and stores the code point, or returns 0 for anything that is not valid
 * UTF-8: a stray continuation byte, a truncated sequence, an overlong form,
 * a surrogate or a value above U+10FFFF.
 */
static size_t utf8_decode(const uint8_t *s, size_t len, uint32_t *cp)
{
	assert(s != NULL);
	assert(len > 0);
	uint8_t b0 = s[0];
	size_t n;
	uint32_t c, min;
	if (b0 < 0x80) {
		*cp = b0;
		return 1;
	} else if (b0 >= 0xc2 && b0 <= 0xdf) {
		n = 2, c = b0 & 0x1f, min = 0x80;
	} else if (b0 >= 0xe0 && b0 <= 0xef) {
		n = 3, c = b0 & 0x0f, min = 0x800;
	} else if (b0 >= 0xf0 && b0 <= 0xf4) {
		n = 4, c = b0 & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* Unicode White_Space (what Go's unicode.IsSpace reports). */
static int is_unicode_space(uint32_t cp)
{
	return (cp >= 0x09 && cp <= 0x0d) || cp == 0x20 || cp == 0x85 ||
		cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) ||
		cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f ||
		cp == 0x3000;
}

/*
 * The key name rule. Always: 1..GB_NAME_MAX bytes of UTF-8, no white space,
 * no '+', nothing below U+0020. With `strict`, also no U+007F-U+009F.
 */
static int name_check(const char *name, size_t len, int strict)
{
	assert(name != NULL);
	if (len == 0 || len > GB_NAME_MAX)
		return 0;
	const uint8_t *s = (const uint8_t *)name;
	size_t i = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);
		if (n == 0 || cp < 0x20 || cp == '+' || is_unicode_space(cp))
			return 0;
		if (strict && cp >= 0x7f && cp <= 0x9f)
			return 0;
		i += n;
	}
	return 1;
}

int gb_key_name_valid(const char *name)
{
	if (name == NULL)
		return 0;
	size_t len = strnlen(name, GB_NAME_MAX + 1);
	return name_check(name, len, 1);
}

int gb_key_name_valid_c2sp(const char *name, size_t len)
{
	assert(name != NULL || len == 0);
	if (name == NULL)
		return 0;
	return name_check(name, len, 0);
}

/*
 * Copies up to len bytes of untrusted text into out (QUOTE_MAX + 1 bytes) for
 * an error message: printable ASCII and valid non-control UTF-8 as is, other
 * bytes as \xNN, cut with "..." when too long. Returns out.
 */
static const char *quote(char out[QUOTE_MAX + 1], const char *text, size_t len)
{
	assert(out != NULL);
	assert(text != NULL || len == 0);
	const uint8_t *s = (const uint8_t *)text;
	size_t o = 0, i = 0;
	while (i < len) {
		uint32_t cp = 0;
		size_t n = utf8_decode(s + i, len - i, &cp);
		int plain = n > 0 && cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp <= 0x9f);
		size_t need = plain ? n : 4;
		if (o + need > QUOTE_MAX - 3) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (plain) {
			memcpy(out + o, s + i, n);
		} else {
			n = 1;
			snprintf(out + o, 5, "\\x%02x", s[i]);
		}
		o += need;
		i += n;
	}
	out[o] = '\0';
	return out;
}

uint32_t gb_key_id(const char *name, uint8_t alg, const uint8_t pk[GB_PK_BYTES])
{
	assert(name != NULL);
	assert(pk != NULL);
	crypto_hash_sha256_state st;
	uint8_t h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)name, strlen(name));
	crypto_hash_sha256_update(&st, (const uint8_t *)"\n", 1);
	crypto_hash_sha256_update(&st, &alg, 1);
	crypto_hash_sha256_update(&st, pk, GB_PK_BYTES);
	crypto_hash_sha256_final(&st, h);
	return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

int gb_seckey_from_seed(gb_seckey *key, const char *name, uint8_t alg,
	const uint8_t seed[GB_SEED_BYTES], gb_err *err)
{
	assert(key != NULL);
	assert(seed != NULL);
	sodium_memzero(key, sizeof *key);
	char q[QUOTE_MAX + 1];
	if (name == NULL || !gb_key_name_valid(name))
		return gb_err_set(err, GB_EINVAL, "invalid key name '%s'",
			name ? quote(q, name, strnlen(name, GB_NAME_MAX + 1)) : "(null)");
	if (alg != GB_ALG_ED25519 && alg != GB_ALG_COSIGNATURE_V1)
		return gb_err_set(err, GB_EINVAL, "unknown key algorithm 0x%02x for '%s'",
			alg, name);
	int rc = sodium_ready();
	if (rc != 0)
		return gb_err_set(err, rc, "libsodium failed to initialise");
	crypto_sign_seed_keypair(key->pub.pk, key->sk, seed);
	memcpy(key->pub.name, name, strlen(name) + 1);
	key->pub.alg = alg;
	key->pub.keyid = gb_key_id(name, alg, key->pub.pk);
	return 0;
}

int gb_seckey_generate(gb_seckey *key, const char *name, gb_err *err)
{
	assert(key != NULL);
	sodium_memzero(key, sizeof *key);
	int rc = sodium_ready();
	if (rc != 0)
		return gb_err_set(err, rc, "libsodium failed to initialise");
	uint8_t seed[GB_SEED_BYTES];
	randombytes_buf(seed, sizeof seed);
	rc = gb_seckey_from_seed(key, name, GB_ALG_ED25519, seed, err);
	sodium_memzero(seed, sizeof seed);
	return rc;
}

void gb_seckey_wipe(gb_seckey *key)
{
	if (key != NULL)
		sodium_memzero(key, sizeof *key);
}

void gb_seckey_sign(const gb_seckey *key, const uint8_t *msg, size_t len,
	uint8_t sig[GB_SIG_BYTES])
{
	assert(key != NULL);
	assert(msg != NULL || len == 0);
	assert(sig != NULL);
	crypto_sign_detached(sig, NULL, msg, len, key->sk);
}

int gb_pubkey_verify(const gb_pubkey *key, const uint8_t *msg, size_t len,
	const uint8_t sig[GB_SIG_BYTES])
{
	assert(key != NULL);
	assert(sig != NULL);
	assert(msg != NULL || len == 0);
	if (sodium_ready() != 0)
		return GB_ESIG;
	if (crypto_sign_verify_detached(sig, msg, len, key->pk) != 0)
		return GB_ESIG;
	return 0;
}

size_t gb_vkey_format(const gb_pubkey *key, char buf[GB_VKEY_MAX])
{
	assert(key != NULL);
	assert(gb_key_name_valid(key->name));
	uint8_t algkey[ALGKEY_BYTES];
	char b64[sodium_base64_ENCODED_LEN(ALGKEY_BYTES, sodium_base64_VARIANT_ORIGINAL)];
	algkey[0] = key->alg;
	memcpy(algkey + 1, key->pk, GB_PK_BYTES);
	sodium_bin2base64(b64, sizeof b64, algkey, sizeof algkey,
		sodium_base64_VARIANT_ORIGINAL);
	int n = snprintf(buf, GB_VKEY_MAX, "%s+%08" PRIx32 "+%s", key->name,
		key->keyid, b64);
	assert(n > 0 && (size_t)n < GB_VKEY_MAX);
	return (size_t)n;
}

/* Parses exactly 8 hex digits (either case) into *out. Returns 1 if valid. */
static int parse_hex8(const char *s, size_t len, uint32_t *out)
{
	assert(s != NULL);
	assert(out != NULL);
	if (len != 8)
		return 0;
	uint32_t v = 0;
	for (size_t i = 0; i < 8; i++) {
		char c = s[i];
		uint32_t d;
		if (c >= '0' && c <= '9')
			d = (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (uint32_t)(c - 'A' + 10);
		else
			return 0;
		v = v << 4 | d;
	}
	*out = v;
	return 1;
}

/* Decodes standard padded base64 (exactly, no spaces) into out. 0 or -1. */
static int b64_decode(uint8_t *out, size_t cap, size_t *out_len,
	const char *b64, size_t b64_len)
{
	assert(out != NULL);
	assert(out_len != NULL);
	const char *end = NULL;
	if (sodium_base642bin(out, cap, b64, b64_len, NULL, out_len, &end,
		    sodium_base64_VARIANT_ORIGINAL) != 0)
		return -1;
	if (end != b64 + b64_len)
		return -1;
	return 0;
}

/*
 * The fields of "name+hex8+base64(alg || key)" (a vkey, or a C2SP private key
 * after its "PRIVATE+KEY+" prefix): checks the shape, the name, the hex key id
 * and the base64, and decodes alg || key into algkey. `what` names the text
 * in messages ("vkey" or "private key"); `secret` keeps the key part out of
 * messages. Returns 0 or GB_EVKEY.
 */
static int split_key_text(const char *text, size_t len, const char *what,
	int secret, char name[GB_NAME_MAX + 1], uint32_t *keyid,
	uint8_t algkey[ALGKEY_BYTES], gb_err *err)
{
	assert(text != NULL);
	assert(what != NULL);
	char q[QUOTE_MAX + 1];
	const char *shown = secret ? "(secret)" : quote(q, text, len);
	const char *p1 = memchr(text, '+', len);
	const char *p2 = p1 ? memchr(p1 + 1, '+', len - (size_t)(p1 + 1 - text)) : NULL;
	if (p2 == NULL)
		return gb_err_set(err, GB_EVKEY, "%s has %d field%s, want name+keyid+key: '%s'",
			what, p1 ? 2 : 1, p1 ? "s" : "", shown);
	size_t name_len = (size_t)(p1 - text);
	if (!name_check(text, name_len, 1))
		return gb_err_set(err, GB_EVKEY, "invalid key name '%s' in %s",
			quote(q, text, name_len), what);
	memcpy(name, text, name_len);
	name[name_len] = '\0';
	if (!parse_hex8(p1 + 1, (size_t)(p2 - p1 - 1), keyid))
		return gb_err_set(err, GB_EVKEY, "key id '%s' in %s for '%s' is not 8 hex digits",
			quote(q, p1 + 1, (size_t)(p2 - p1 - 1)), what, name);
	const char *b64 = p2 + 1;
	size_t b64_len = len - (size_t)(b64 - text);
	uint8_t raw[GB_VKEY_MAX];
	size_t raw_len = 0;
	int bad = b64_decode(raw, sizeof raw, &raw_len, b64, b64_len);
	if (bad || raw_len == 0) {
		sodium_memzero(raw, sizeof raw);
		return gb_err_set(err, GB_EVKEY, "key in %s for '%s' is %s: '%s'", what,
			name, bad ? "not valid base64" : "empty",
			secret ? "(secret)" : quote(q, b64, b64_len));
	}
	uint8_t alg = raw[0];
	if (alg != GB_ALG_ED25519 && alg != GB_ALG_COSIGNATURE_V1) {
		sodium_memzero(raw, sizeof raw);
		return gb_err_set(err, GB_EVKEY, "unknown algorithm 0x%02x in %s for '%s'",
			alg, what, name);
	}
	if (raw_len != ALGKEY_BYTES) {
		sodium_memzero(raw, sizeof raw);
		return gb_err_set(err, GB_EVKEY, "key in %s for '%s' is %zu bytes, want %d",
			what, name, raw_len, ALGKEY_BYTES);
	}
	memcpy(algkey, raw, ALGKEY_BYTES);
	sodium_memzero(raw, sizeof raw);
	return 0;
}

int gb_vkey_parse(gb_pubkey *key, const char *vkey, gb_err *err)
{
	assert(key != NULL);
	assert(vkey != NULL);
	memset(key, 0, sizeof *key);
	size_t len = strnlen(vkey, GB_VKEY_MAX);
	if (len >= GB_VKEY_MAX)
		return gb_err_set(err, GB_EVKEY, "vkey is over %d bytes", GB_VKEY_MAX - 1);
	gb_pubkey k;
	memset(&k, 0, sizeof k);
	uint8_t algkey[ALGKEY_BYTES] = { 0 };
	int rc = split_key_text(vkey, len, "vkey", 0, k.name, &k.keyid, algkey, err);
	if (rc != 0)
		return rc;
	k.alg = algkey[0];
	memcpy(k.pk, algkey + 1, GB_PK_BYTES);
	uint32_t want = gb_key_id(k.name, k.alg, k.pk);
	if (want != k.keyid)
		return gb_err_set(err, GB_EVKEY,
			"key id %08" PRIx32 " in vkey for '%s' does not match its key (%08" PRIx32 ")",
			k.keyid, k.name, want);
	*key = k;
	return 0;
}

int gb_seckey_parse_c2sp(gb_seckey *key, const char *skey, gb_err *err)
{
	assert(key != NULL);
	assert(skey != NULL);
	sodium_memzero(key, sizeof *key);
	static const char prefix[] = "PRIVATE+KEY+";
	size_t len = strnlen(skey, SKEY_MAX);
	if (len >= SKEY_MAX)
		return gb_err_set(err, GB_EVKEY, "private key is over %d bytes", SKEY_MAX - 1);
	if (len < sizeof prefix - 1 || memcmp(skey, prefix, sizeof prefix - 1) != 0)
		return gb_err_set(err, GB_EVKEY, "private key does not start with '%s'", prefix);
	char name[GB_NAME_MAX + 1] = "";
	uint32_t keyid = 0;
	uint8_t algseed[ALGKEY_BYTES] = { 0 };
	int rc = split_key_text(skey + sizeof prefix - 1, len - (sizeof prefix - 1),
		"private key", 1, name, &keyid, algseed, err);
	if (rc == 0)
		rc = gb_seckey_from_seed(key, name, algseed[0], algseed + 1, err);
	sodium_memzero(algseed, sizeof algseed);
	if (rc != 0) {
		sodium_memzero(key, sizeof *key);
		return rc;
	}
	if (key->pub.keyid != keyid) {
		uint32_t want = key->pub.keyid;
		sodium_memzero(key, sizeof *key);
		return gb_err_set(err, GB_EVKEY,
			"key id %08" PRIx32 " in private key for '%s' does not match its key (%08" PRIx32 ")",
			keyid, name, want);
	}
	return 0;
}

/* ---- Encrypted key files ---- */

/* The parsed lines of a key file. */
struct keyfile {
	gb_pubkey pub;
	unsigned long long opslimit;
	size_t memlimit;
	uint8_t salt[crypto_pwhash_SALTBYTES];
	uint8_t box[BOX_MAX];
	size_t box_len;
};

/*
 * Parses a decimal number without sign or leading zeros ("0" itself is fine)
 * into *out. Returns 1 if valid and it fits uint64_t.
 */
static int parse_u64(const char *s, size_t len, uint64_t *out)
{
	assert(s != NULL || len == 0);
	assert(out != NULL);
	if (len == 0 || len > 20 || (len > 1 && s[0] == '0'))
		return 0;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		uint64_t d = (uint64_t)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	*out = v;
	return 1;
}

/*
 * Takes the next line of text[0..len) from *pos, which must start with
 * `prefix`; sets *val and *val_len to the rest of the line (without '\n').
 * Returns 0 or GB_EKEYFILE naming line `line_no`.
 */
static int next_line(const char *text, size_t len, size_t *pos, int line_no,
	const char *prefix, const char **val, size_t *val_len, gb_err *err)
{
	assert(*pos <= len);
	assert(prefix != NULL);
	const char *start = text + *pos;
	const char *nl = memchr(start, '\n', len - *pos);
	if (nl == NULL)
		return gb_err_set(err, GB_EKEYFILE, "line %d: %s (file truncated?)", line_no,
			*pos == len ? "missing" : "has no final newline");
	size_t line_len = (size_t)(nl - start);
	size_t plen = strlen(prefix);
	if (line_len < plen || memcmp(start, prefix, plen) != 0) {
		char q[QUOTE_MAX + 1];
		return gb_err_set(err, GB_EKEYFILE, "line %d does not start with '%s': '%s'",
			line_no, prefix, quote(q, start, line_len));
	}
	*val = start + plen;
	*val_len = line_len - plen;
	*pos += line_len + 1;
	return 0;
}

/* Parses line 4, "kdf argon2id13 <opslimit> <memlimit> <base64 salt>". */
static int parse_kdf_line(const char *v, size_t len, struct keyfile *kf, gb_err *err)
{
	assert(v != NULL);
	assert(kf != NULL);
	char q[QUOTE_MAX + 1];
	const char *f[3];
	size_t flen[3];
	const char *p = v, *end = v + len;
	for (int i = 0; i < 3; i++) {
		const char *sp = i < 2 ? memchr(p, ' ', (size_t)(end - p)) : end;
		if (sp == NULL)
			return gb_err_set(err, GB_EKEYFILE,
				"line 4: want 'kdf argon2id13 <opslimit> <memlimit> <salt>': '%s'",
				quote(q, v, len));
		f[i] = p;
		flen[i] = (size_t)(sp - p);
		p = sp < end ? sp + 1 : end;
	}
	uint64_t ops, mem;
	if (!parse_u64(f[0], flen[0], &ops) || ops < crypto_pwhash_argon2id_OPSLIMIT_MIN ||
	    ops > GB_KEYFILE_OPSLIMIT_MAX)
		return gb_err_set(err, GB_EKEYFILE, "line 4: opslimit '%s' is not a number from %u to %llu",
			quote(q, f[0], flen[0]), crypto_pwhash_argon2id_OPSLIMIT_MIN,
			GB_KEYFILE_OPSLIMIT_MAX);
	if (!parse_u64(f[1], flen[1], &mem) || mem < crypto_pwhash_argon2id_MEMLIMIT_MIN ||
	    mem > GB_KEYFILE_MEMLIMIT_MAX)
		return gb_err_set(err, GB_EKEYFILE, "line 4: memlimit '%s' is not a number from %u to %llu",
			quote(q, f[1], flen[1]), crypto_pwhash_argon2id_MEMLIMIT_MIN,
			GB_KEYFILE_MEMLIMIT_MAX);
	size_t salt_len = 0;
	if (b64_decode(kf->salt, sizeof kf->salt, &salt_len, f[2], flen[2]) != 0 ||
	    salt_len != sizeof kf->salt)
		return gb_err_set(err, GB_EKEYFILE, "line 4: salt '%s' is not base64 of %d bytes",
			quote(q, f[2], flen[2]), crypto_pwhash_SALTBYTES);
	kf->opslimit = ops;
	kf->memlimit = (size_t)mem;
	return 0;
}

/*
 * Parses the five lines of a key file (spec/KEYS.md) without decrypting.
 * Returns 0 or GB_EKEYFILE with a message naming the line.
 */
static int keyfile_parse(const char *text, size_t len, struct keyfile *kf, gb_err *err)
{
	assert(text != NULL);
	assert(kf != NULL);
	size_t pos = 0;
	const char *v = NULL;
	size_t vlen = 0;
	char q[QUOTE_MAX + 1];
	int rc = next_line(text, len, &pos, 1, KEYFILE_MAGIC, &v, &vlen, err);
	if (rc == 0 && vlen != 0)
		rc = gb_err_set(err, GB_EKEYFILE, "line 1: unknown key file version '%s'",
			quote(q, text, (size_t)(v - text) + vlen));
	if (rc != 0)
		return rc;
	if ((rc = next_line(text, len, &pos, 2, "name ", &v, &vlen, err)) != 0)
		return rc;
	if (!name_check(v, vlen, 1))
		return gb_err_set(err, GB_EKEYFILE, "line 2: invalid key name '%s'", quote(q, v, vlen));
	const char *name = v;
	size_t name_len = vlen;
	if ((rc = next_line(text, len, &pos, 3, "vkey ", &v, &vlen, err)) != 0)
		return rc;
	char vkey[GB_VKEY_MAX];
	if (vlen >= sizeof vkey)
		return gb_err_set(err, GB_EKEYFILE, "line 3: vkey is over %d bytes", GB_VKEY_MAX - 1);
	memcpy(vkey, v, vlen);
	vkey[vlen] = '\0';
	gb_err sub;
	if (gb_vkey_parse(&kf->pub, vkey, &sub) != 0)
		return gb_err_set(err, GB_EKEYFILE, "line 3: %s", sub.msg);
	if (strlen(kf->pub.name) != name_len || memcmp(kf->pub.name, name, name_len) != 0)
		return gb_err_set(err, GB_EKEYFILE, "line 3: vkey name '%s' differs from line 2",
			kf->pub.name);
	if ((rc = next_line(text, len, &pos, 4, "kdf " KEYFILE_KDF " ", &v, &vlen, err)) != 0)
		return rc;
	if ((rc = parse_kdf_line(v, vlen, kf, err)) != 0)
		return rc;
	if ((rc = next_line(text, len, &pos, 5, "box ", &v, &vlen, err)) != 0)
		return rc;
	if (b64_decode(kf->box, sizeof kf->box, &kf->box_len, v, vlen) != 0 ||
	    kf->box_len < BOX_OVERHEAD + SEALED_MIN)
		return gb_err_set(err, GB_EKEYFILE, "line 5: box is not base64 of %d to %d bytes",
			BOX_OVERHEAD + SEALED_MIN, BOX_MAX);
	if (pos != len)
		return gb_err_set(err, GB_EKEYFILE, "line 6: unexpected data after the box line");
	return 0;
}

/* Reads the whole file at path (at most GB_KEYFILE_MAX bytes) into buf. */
static int read_keyfile(const char *path, char buf[GB_KEYFILE_MAX + 1], size_t *len,
	gb_err *err)
{
	assert(path != NULL);
	assert(len != NULL);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return gb_err_set(err, GB_EIO, "cannot open key file '%s': %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return gb_err_set(err, GB_EIO, "key file '%s' is not a regular file", path);
	}
	size_t n = 0;
	/* Each pass reads at least one byte or ends the loop. */
	while (n <= GB_KEYFILE_MAX) {
		ssize_t r = read(fd, buf + n, GB_KEYFILE_MAX + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			return gb_err_set(err, GB_EIO, "cannot read key file '%s': %s", path, strerror(e));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n > GB_KEYFILE_MAX)
		return gb_err_set(err, GB_EKEYFILE, "key file '%s' is over %d bytes", path,
			GB_KEYFILE_MAX);
	*len = n;
	return 0;
}

/* Reads and parses the key file at path; messages are prefixed with the path. */
static int load_keyfile(const char *path, struct keyfile *kf, gb_err *err)
{
	assert(path != NULL);
	assert(kf != NULL);
	char buf[GB_KEYFILE_MAX + 1];
	size_t len = 0;
	memset(kf, 0, sizeof *kf);
	int rc = read_keyfile(path, buf, &len, err);
	if (rc != 0)
		return rc;
	if (memchr(buf, '\0', len) != NULL)
		return gb_err_set(err, GB_EKEYFILE, "key file '%s' contains a NUL byte", path);
	rc = keyfile_parse(buf, len, kf, err);
	if (rc != 0)
		return gb_err_prefix(err, rc, "key file '%s' ", path);
	return 0;
}

int gb_keyfile_read_public(const char *path, gb_pubkey *pub, gb_err *err)
{
	assert(path != NULL);
	assert(pub != NULL);
	memset(pub, 0, sizeof *pub);
	struct keyfile kf;
	int rc = load_keyfile(path, &kf, err);
	if (rc != 0)
		return rc;
	*pub = kf.pub;
	return 0;
}

/* Derives the secretbox key from the passphrase. Returns 0 or GB_ENOMEM. */
static int derive_key(uint8_t out[crypto_secretbox_KEYBYTES], const char *pass,
	size_t pass_len, const uint8_t salt[crypto_pwhash_SALTBYTES],
	unsigned long long opslimit, size_t memlimit, gb_err *err)
{
	assert(out != NULL);
	assert(salt != NULL);
	assert(opslimit <= GB_KEYFILE_OPSLIMIT_MAX);
	assert(memlimit <= GB_KEYFILE_MEMLIMIT_MAX);
	int rc = sodium_ready();
	if (rc != 0)
		return gb_err_set(err, rc, "libsodium failed to initialise");
	if (crypto_pwhash(out, crypto_secretbox_KEYBYTES, pass, pass_len, salt, opslimit,
		    memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return gb_err_set(err, GB_ENOMEM, "Argon2id with memlimit %zu failed (out of memory)",
			memlimit);
	return 0;
}

/*
 * Checks the opened box (alg || seed || name) against the vkey line and
 * builds the key. Returns 0 or GB_EKEYFILE (the file was tampered with).
 */
static int unseal(const uint8_t *sealed, size_t sealed_len, const gb_pubkey *pub,
	gb_seckey *key, gb_err *err)
{
	assert(sealed_len >= SEALED_MIN && sealed_len <= SEALED_MAX);
	assert(pub != NULL);
	size_t name_len = sealed_len - 1 - GB_SEED_BYTES;
	if (sealed[0] != pub->alg || name_len != strlen(pub->name) ||
	    memcmp(sealed + 1 + GB_SEED_BYTES, pub->name, name_len) != 0)
		return gb_err_set(err, GB_EKEYFILE,
			"sealed name or algorithm differs from the vkey line (file tampered)");
	int rc = gb_seckey_from_seed(key, pub->name, pub->alg, sealed + 1, err);
	if (rc != 0)
		return rc;
	if (sodium_memcmp(key->pub.pk, pub->pk, GB_PK_BYTES) != 0 || key->pub.keyid != pub->keyid) {
		sodium_memzero(key, sizeof *key);
		return gb_err_set(err, GB_EKEYFILE,
			"sealed key's public key differs from the vkey line (file tampered)");
	}
	return 0;
}

int gb_keyfile_read(const char *path, const char *passphrase, size_t pass_len,
	gb_seckey *key, gb_err *err)
{
	assert(path != NULL);
	assert(key != NULL);
	sodium_memzero(key, sizeof *key);
	if ((passphrase == NULL && pass_len != 0) || pass_len > GB_PASSPHRASE_MAX)
		return gb_err_set(err, GB_EINVAL, "passphrase is over %d bytes", GB_PASSPHRASE_MAX);
	struct keyfile kf;
	int rc = load_keyfile(path, &kf, err);
	if (rc != 0)
		return rc;
	uint8_t k[crypto_secretbox_KEYBYTES];
	uint8_t sealed[SEALED_MAX];
	size_t sealed_len = kf.box_len - BOX_OVERHEAD;
	rc = derive_key(k, passphrase ? passphrase : "", pass_len, kf.salt, kf.opslimit,
		kf.memlimit, err);
	if (rc == 0 && crypto_secretbox_open_easy(sealed, kf.box + crypto_secretbox_NONCEBYTES,
			   kf.box_len - crypto_secretbox_NONCEBYTES, kf.box, k) != 0)
		rc = gb_err_set(err, GB_EPASSPHRASE,
			"wrong passphrase for key file '%s' (or its box is damaged)", path);
	if (rc == 0)
		rc = unseal(sealed, sealed_len, &kf.pub, key, err);
	sodium_memzero(k, sizeof k);
	sodium_memzero(sealed, sizeof sealed);
	if (rc != 0) {
		sodium_memzero(key, sizeof *key);
		if (rc == GB_EKEYFILE)
			gb_err_prefix(err, rc, "key file '%s': ", path);
	}
	return rc;
}

/*
 * Formats the key file text for `key` under the passphrase into out
 * (GB_KEYFILE_MAX bytes). Returns 0 or a code.
 */
static int keyfile_format(const gb_seckey *key, const char *pass, size_t pass_len,
	char out[GB_KEYFILE_MAX], size_t *out_len, gb_err *err)
{
	assert(key != NULL);
	assert(out_len != NULL);
	const unsigned long long ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
	const size_t mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
	uint8_t salt[crypto_pwhash_SALTBYTES], k[crypto_secretbox_KEYBYTES];
	uint8_t sealed[SEALED_MAX], box[BOX_MAX];
	randombytes_buf(salt, sizeof salt);
	int rc = derive_key(k, pass, pass_len, salt, ops, mem, err);
	if (rc != 0)
		return rc;
	size_t name_len = strlen(key->pub.name);
	size_t sealed_len = 1 + GB_SEED_BYTES + name_len;
	sealed[0] = key->pub.alg;
	crypto_sign_ed25519_sk_to_seed(sealed + 1, key->sk);
	memcpy(sealed + 1 + GB_SEED_BYTES, key->pub.name, name_len);
	randombytes_buf(box, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, sealed, sealed_len, box, k);
	sodium_memzero(k, sizeof k);
	sodium_memzero(sealed, sizeof sealed);
	char vkey[GB_VKEY_MAX];
	char salt64[sodium_base64_ENCODED_LEN(sizeof salt, sodium_base64_VARIANT_ORIGINAL)];
	char box64[sodium_base64_ENCODED_LEN(BOX_MAX, sodium_base64_VARIANT_ORIGINAL)];
	gb_vkey_format(&key->pub, vkey);
	sodium_bin2base64(salt64, sizeof salt64, salt, sizeof salt, sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(box64, sizeof box64, box, BOX_OVERHEAD + sealed_len,
		sodium_base64_VARIANT_ORIGINAL);
	int n = snprintf(out, GB_KEYFILE_MAX, "%s\nname %s\nvkey %s\nkdf %s %llu %zu %s\nbox %s\n",
		KEYFILE_MAGIC, key->pub.name, vkey, KEYFILE_KDF, ops, mem, salt64, box64);
	assert(n > 0 && n < GB_KEYFILE_MAX);
	*out_len = (size_t)n;
	return 0;
}

int gb_keyfile_write(const char *path, const gb_seckey *key, const char *passphrase,
	size_t pass_len, gb_err *err)
{
	assert(path != NULL);
	assert(key != NULL);
	assert(gb_key_name_valid(key->pub.name));
	if (passphrase == NULL || pass_len == 0)
		return gb_err_set(err, GB_EINVAL, "empty passphrase for key file '%s'", path);
	if (pass_len > GB_PASSPHRASE_MAX)
		return gb_err_set(err, GB_EINVAL, "passphrase is over %d bytes", GB_PASSPHRASE_MAX);
	if (strnlen(path, PATH_MAX) >= PATH_MAX)
		return gb_err_set(err, GB_EINVAL, "key file path is over %d bytes", PATH_MAX - 1);
	char text[GB_KEYFILE_MAX];
	size_t len = 0;
	int rc = keyfile_format(key, passphrase, pass_len, text, &len, err);
	if (rc == 0)
		rc = gb_file_create(path, text, len, 0600, err);
	sodium_memzero(text, sizeof text);
	return rc;
}
