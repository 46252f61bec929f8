/*
 * gongbao/entry.h: ledger entries (spec/ENTRY.md).
 *
 * An entry is the canonical MessagePack map
 *   { "body": bin(body bytes),
 *     "sigs": [ { "keyid": uint32, "sig": bin(64), "signer": str }, ... ] }
 * and the body is itself a canonical MessagePack map with the common fields
 *   "v" (uint, 1), "type" (str), "consortium" (str), "signer" (str),
 *   "id" (str, the client-chosen idempotency id), "time" (uint, Unix seconds)
 * and the type's own fields beside them. Bodies hold only maps, arrays,
 * strings, integers (within int64) and booleans, so they map one-to-one
 * onto JSON.
 *
 * Each signature is Ed25519 over the domain-separated message
 *   "gongbao/entry/v1" 0x00 || body bytes
 * (the NUL can never occur in a C2SP note, so entry signatures and note
 * signatures cannot be confused). sigs[0] is by body.signer; any further
 * signatures are co-signatures by other participants, each signer once,
 * sorted by signer name (bytewise, as map keys), so that the same
 * transaction with the same signatures is always the same bytes.
 *
 * Decoding checks structure, canonical form and limits only; whether the
 * signatures verify and the signers may sign is for the ledger and rules.
 */
#ifndef GONGBAO_ENTRY_H
#define GONGBAO_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include "gongbao/codec.h"
#include "gongbao/error.h"
#include "gongbao/keys.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GB_ENTRY_VERSION 1
#define GB_ENTRY_MAX 65536         /* largest entry, in bytes */
#define GB_ENTRY_SIGS_MAX 8        /* most signatures on one entry */
#define GB_BODY_DEPTH_MAX 8        /* deepest nesting inside a body */
#define GB_BODY_STR_MAX 16384      /* longest string in a body, in bytes */
#define GB_BODY_ARRAY_MAX 4096     /* most elements in one array of a body */
#define GB_BODY_MAP_MAX 64         /* most fields in one map of a body */
#define GB_ID_MAX 64               /* longest id, signer, consortium, in bytes */
#define GB_TYPE_MAX 32             /* longest type name, in bytes */

/* The signature domain prefix, including its NUL (17 bytes). */
#define GB_ENTRY_SIG_DOMAIN "gongbao/entry/v1"
#define GB_ENTRY_SIG_DOMAIN_LEN 17

/* A borrowed string (not NUL-terminated). */
typedef struct gb_str {
	const char *ptr;
	size_t len;
} gb_str;

typedef struct gb_entry_sig {
	gb_str signer;
	uint32_t keyid;
	const uint8_t *sig;        /* GB_SIG_BYTES bytes */
} gb_entry_sig;

/* A decoded entry. Every pointer points into the input bytes. */
typedef struct gb_entry {
	const uint8_t *raw;        /* the whole entry */
	size_t raw_len;
	const uint8_t *body;       /* the exact signed body bytes */
	size_t body_len;
	uint64_t version;
	gb_str type;
	gb_str consortium;
	gb_str signer;
	gb_str id;
	uint64_t time;
	size_t sig_count;
	gb_entry_sig sigs[GB_ENTRY_SIGS_MAX];
} gb_entry;

/* The limits applied to bodies (for gb_mp_check). */
extern const gb_mp_limits gb_body_limits;

/*
 * Decodes and checks an entry: size, canonical form of the envelope and the
 * body, limits, integers within int64, version, the common fields and their
 * types, signature count (1..GB_ENTRY_SIGS_MAX), sigs[0].signer ==
 * body.signer, no signer twice, co-signatures sorted by signer.
 * Returns 0 or a code (GB_ETOOBIG, GB_EMSGPACK, GB_ENONCANON, GB_EDEPTH,
 * GB_ETRAILING, GB_EVERSION, GB_EFIELD, GB_ENOSIG) with a message naming
 * the field. Pure: no allocation, no signature checks.
 */
int gb_entry_decode(const uint8_t *p, size_t len, gb_entry *e, gb_err *err);

/*
 * Builds the signature message for a body into msg (at least
 * GB_ENTRY_SIG_DOMAIN_LEN + body_len bytes). Returns its length.
 */
size_t gb_entry_sig_message(const uint8_t *body, size_t body_len, uint8_t *msg);

/*
 * Verifies signature `i` of `e` against `key`: the signer name and key id
 * must match the key's, and the signature must verify over the body.
 * Returns 0, GB_EUNKNOWNKEY (name or key id differ) or GB_ESIG.
 */
int gb_entry_verify_sig(const gb_entry *e, size_t i, const gb_pubkey *key,
	gb_err *err) __attribute__((warn_unused_result));

/*
 * Encodes a signed entry from a canonical body and the given keys (one
 * signature each, keys[0] first; their names are the signer ids) into out.
 * The co-signatures (keys[1..]) are written sorted by signer name whatever
 * their order in `keys`. Checks the body with gb_body_limits first, and the
 * finished entry with gb_entry_decode, so it never writes an entry the
 * decoder refuses. Returns 0, GB_ENOSIG (no key), GB_EINVAL (a key not
 * Ed25519), GB_ETOOBIG, the body's canonical-form error, or the decoder's
 * code (e.g. GB_EFIELD when keys[0] is not body.signer). *out_len is 0 on
 * failure.
 */
int gb_entry_sign(const uint8_t *body, size_t body_len,
	const gb_seckey *const *keys, size_t key_count,
	uint8_t *out, size_t cap, size_t *out_len, gb_err *err);

/*
 * Returns 1 if s is a valid id (also signer, consortium id, participant id):
 * 1 to GB_ID_MAX bytes of [A-Za-z0-9._:/-]. Else 0.
 */
int gb_id_valid(gb_str s);

/* Returns 1 if the borrowed string equals the NUL-terminated s. */
int gb_str_eq(gb_str a, const char *s);

#ifdef __cplusplus
}
#endif
#endif
