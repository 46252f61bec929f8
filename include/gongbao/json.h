/*
 * gongbao/json.h: JSON for humans, converted to and from canonical bodies.
 *
 * JSON objects become maps with keys sorted as gb_mp_check requires, arrays
 * stay arrays, strings stay strings, integers become the shortest integer,
 * true/false become booleans. JSON reals and null are rejected: money is an
 * integer number of fen and bodies carry no nil. The conversion back is exact.
 */
#ifndef GONGBAO_JSON_H
#define GONGBAO_JSON_H

#include <jansson.h>

#include "gongbao/codec.h"
#include "gongbao/entry.h"
#include "gongbao/error.h"
#include "gongbao/merkle.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Encodes the JSON value `v` as canonical MessagePack into w, within
 * gb_body_limits. Returns 0, GB_EJSON (a real, a null, a key too long;
 * the message gives the JSON path, e.g. "$.participants[2].vkey"),
 * GB_EDEPTH, GB_ETOOBIG.
 */
int gb_json_to_mp(const json_t *v, gb_mpw *w, gb_err *err);

/*
 * Decodes one canonical value at p into a new JSON value (bin becomes a
 * base64 string, nil becomes null). Returns NULL on malformed or
 * non-canonical input, for an unsigned integer above INT64_MAX (JSON
 * integers here are int64; no valid body holds one), or out of memory. The
 * caller owns the result (json_decref).
 */
json_t *gb_mp_to_json(const uint8_t *p, size_t len);

/*
 * The JSON view of a decoded entry:
 *   {"body": {...}, "sigs": [{"signer","keyid" (8 hex),"sig" (base64)}]}
 * Returns NULL on out of memory. The caller owns the result.
 */
json_t *gb_entry_to_json(const gb_entry *e);

/*
 * The JSON form of proofs (spec/PROOFS.md), the one that `gongbao prove`
 * prints and `gongbao serve` answers; hashes in standard base64:
 *   {"index", "size", "leaf_hash", "root", "hashes": [...]}
 *   {"size1", "size2", "root1", "root2", "hashes": [...]}
 * Returns a new value (the caller owns it), or NULL on out of memory.
 */
json_t *gb_proof_inclusion_json(uint64_t index, uint64_t size,
	const uint8_t leaf_hash[GB_HASH_BYTES], const uint8_t root[GB_HASH_BYTES],
	const uint8_t proof[][GB_HASH_BYTES], size_t count);
json_t *gb_proof_consistency_json(uint64_t size1, uint64_t size2,
	const uint8_t root1[GB_HASH_BYTES], const uint8_t root2[GB_HASH_BYTES],
	const uint8_t proof[][GB_HASH_BYTES], size_t count);

/*
 * json_dumps(v, flags) followed by a newline: the text of an answer or a
 * --json output. Returns a new NUL-terminated string (the caller frees it),
 * or NULL on out of memory.
 */
char *gb_json_dumps_line(const json_t *v, size_t flags);

#ifdef __cplusplus
}
#endif
#endif
