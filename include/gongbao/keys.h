/*
 * gongbao/keys.h: Ed25519 keys, C2SP verifier keys and encrypted key files.
 *
 * A key has a name (a participant id such as "picc-zs", or the log's origin)
 * and a 32-bit key id, computed as in C2SP signed-note:
 *   keyid = first 4 bytes, big-endian, of SHA-256(name || 0x0A || alg || pk)
 * where alg is GB_ALG_ED25519 (0x01) for note and entry signatures, or
 * GB_ALG_COSIGNATURE_V1 (0x04) for C2SP tlog-cosignature/v1 witness keys.
 * A verifier key ("vkey") is the text  name+hex8(keyid)+base64(alg || pk).
 *
 * Secret keys live in files encrypted with a passphrase: the passphrase is
 * stretched with crypto_pwhash (Argon2id) and the 32-byte seed sealed with
 * crypto_secretbox. The file format is in spec/KEYS.md.
 */
#ifndef GONGBAO_KEYS_H
#define GONGBAO_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "gongbao/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GB_ALG_ED25519 0x01
#define GB_ALG_COSIGNATURE_V1 0x04

#define GB_PK_BYTES 32
#define GB_SK_BYTES 64
#define GB_SEED_BYTES 32
#define GB_SIG_BYTES 64

/* Longest key name in bytes (without NUL). Names are non-empty UTF-8 with no
 * whitespace, no '+' and no control characters. */
#define GB_NAME_MAX 128

/* Room for a formatted vkey: name + '+' + 8 hex + '+' + base64(33 bytes) + NUL. */
#define GB_VKEY_MAX (GB_NAME_MAX + 1 + 8 + 1 + 44 + 1)

/* Longest passphrase accepted, in bytes. */
#define GB_PASSPHRASE_MAX 1024

/* Largest secret key file read, in bytes. */
#define GB_KEYFILE_MAX 4096

/*
 * Argon2id cost bounds accepted when reading a key file (spec/KEYS.md).
 * gb_keyfile_write uses libsodium's OPSLIMIT_INTERACTIVE (2) and
 * MEMLIMIT_INTERACTIVE (64 MiB); a file asking for more than these bounds is
 * rejected as GB_EKEYFILE before any memory is allocated, so a hostile file
 * cannot make a reader allocate gigabytes or spin for minutes.
 */
#define GB_KEYFILE_OPSLIMIT_MAX 16ULL
#define GB_KEYFILE_MEMLIMIT_MAX (256ULL * 1024 * 1024)

/* A public (verifier) key. */
typedef struct gb_pubkey {
	char name[GB_NAME_MAX + 1];
	uint8_t alg;              /* GB_ALG_ED25519 or GB_ALG_COSIGNATURE_V1 */
	uint32_t keyid;
	uint8_t pk[GB_PK_BYTES];
} gb_pubkey;

/* A secret (signing) key with its public half. Wipe with gb_seckey_wipe(). */
typedef struct gb_seckey {
	gb_pubkey pub;
	uint8_t sk[GB_SK_BYTES];  /* libsodium's seed || pk form */
} gb_seckey;

/*
 * Returns 1 if `name` (NUL-terminated) is a valid key name, else 0: 1 to
 * GB_NAME_MAX bytes of valid UTF-8, no Unicode white space, no '+', no
 * control character (U+0000-U+001F, U+007F-U+009F).
 */
int gb_key_name_valid(const char *name);

/*
 * Returns 1 if the `len` bytes at `name` are a key name under the C2SP
 * signed-note rule, else 0: 1 to GB_NAME_MAX bytes of valid UTF-8, no Unicode
 * white space, no '+', and no character below U+0020 (which a note may not
 * contain). Unlike gb_key_name_valid it allows U+007F-U+009F. gb_note_open
 * applies it to the names on signature lines, which may belong to keys
 * gongbao does not know. (Added to the contract by the keys/note module.)
 */
int gb_key_name_valid_c2sp(const char *name, size_t len);

/* The C2SP key id of (name, alg, pk). */
uint32_t gb_key_id(const char *name, uint8_t alg, const uint8_t pk[GB_PK_BYTES]);

/*
 * Makes a new random key (alg GB_ALG_ED25519) named `name`.
 * Returns 0, or GB_EINVAL if the name is invalid.
 */
int gb_seckey_generate(gb_seckey *key, const char *name, gb_err *err);

/* Derives the key named `name` with algorithm `alg` from a 32-byte seed. */
int gb_seckey_from_seed(gb_seckey *key, const char *name, uint8_t alg,
	const uint8_t seed[GB_SEED_BYTES], gb_err *err);

/*
 * Parses a C2SP private key "PRIVATE+KEY+name+hex8+base64(alg || seed)",
 * where alg is 0x01 (as Go's note.NewSigner) or 0x04 (a cosignature/v1
 * witness key, as transparency-dev/formats writes them), checking that the
 * key id matches. Returns 0 or GB_EVKEY; the message never quotes the seed.
 */
int gb_seckey_parse_c2sp(gb_seckey *key, const char *skey, gb_err *err);

/* Zeroes the secret key material (sodium_memzero). */
void gb_seckey_wipe(gb_seckey *key);

/* Signs msg with `key` (detached Ed25519). */
void gb_seckey_sign(const gb_seckey *key, const uint8_t *msg, size_t len,
	uint8_t sig[GB_SIG_BYTES]);

/* Verifies a detached Ed25519 signature. Returns 0 or GB_ESIG. */
int gb_pubkey_verify(const gb_pubkey *key, const uint8_t *msg, size_t len,
	const uint8_t sig[GB_SIG_BYTES]) __attribute__((warn_unused_result));

/*
 * Formats `key` as a C2SP vkey into buf (at least GB_VKEY_MAX bytes).
 * Returns the length written (without NUL).
 */
size_t gb_vkey_format(const gb_pubkey *key, char buf[GB_VKEY_MAX]);

/*
 * Parses a C2SP vkey. Accepts alg 0x01 and 0x04 with a 32-byte key; checks
 * that the key id in the text matches the one computed from name, alg and pk.
 * The key id may be upper or lower case hex (as Go); the base64 must be
 * canonical (spec/KEYS.md section 4). Returns 0 or GB_EVKEY with a message
 * naming what is wrong; on failure `key` is zeroed.
 */
int gb_vkey_parse(gb_pubkey *key, const char *vkey, gb_err *err);

/*
 * Writes `key` to a new file at `path`, encrypted under `passphrase`
 * (pass_len bytes, 1 to GB_PASSPHRASE_MAX). Refuses to overwrite an existing
 * file (GB_EEXIST). The file is created with mode 0600 and fsynced, and so is
 * its directory. Returns 0, GB_EINVAL (empty or overlong passphrase),
 * GB_EEXIST, GB_ENOMEM (Argon2id could not allocate) or GB_EIO; on failure
 * no file is left behind.
 */
int gb_keyfile_write(const char *path, const gb_seckey *key,
	const char *passphrase, size_t pass_len, gb_err *err);

/*
 * Reads and decrypts the key file at `path`. Returns 0, GB_EIO (cannot read),
 * GB_EKEYFILE (malformed, names the line; or tampered: the sealed key does
 * not match the vkey line), or GB_EPASSPHRASE (the passphrase does not open
 * the box; a damaged box is indistinguishable from a wrong passphrase and
 * gives the same code). GB_EINVAL if pass_len > GB_PASSPHRASE_MAX, GB_ENOMEM
 * if Argon2id cannot allocate. On failure `key` is zeroed.
 */
int gb_keyfile_read(const char *path, const char *passphrase, size_t pass_len,
	gb_seckey *key, gb_err *err);

/*
 * Reads only the public part (name and vkey) of the key file at `path`,
 * without a passphrase. Every line is still checked for form, but without
 * the passphrase a vkey line swapped for another valid one cannot be
 * detected (gb_keyfile_read detects it). Returns 0, GB_EIO or GB_EKEYFILE.
 */
int gb_keyfile_read_public(const char *path, gb_pubkey *pub, gb_err *err);

#ifdef __cplusplus
}
#endif
#endif
