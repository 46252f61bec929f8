/*
 * gongbao/merkle.h: the RFC 9162 Merkle tree over the log's entries.
 *
 * Hashing is SHA-256 with RFC 9162 domain separation: a leaf hashes as
 * H(0x00 || entry bytes), an interior node as H(0x01 || left || right), and the
 * empty tree's root is H("") (the SHA-256 of the empty string).
 *
 * Storage layout. Every complete subtree (a "stored hash") is kept once, under
 * its stored-hash index: the position at which it is produced when leaves are
 * appended in order. This is the numbering of Go's golang.org/x/mod/sumdb/tlog
 * (StoredHashIndex): appending leaf n produces the leaf hash and then one
 * parent for each trailing 1 bit of n, and their indexes are consecutive and
 * increasing, so a key-ordered store (LMDB with MDB_APPEND) takes them in
 * order. After n leaves, exactly gb_merkle_stored_count(n) hashes exist.
 *
 * This module knows nothing about storage: proofs and roots read stored
 * hashes through a gb_merkle_reader callback, and appends report the hashes
 * to store through a callback. Nothing here allocates.
 */
#ifndef GONGBAO_MERKLE_H
#define GONGBAO_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GB_HASH_BYTES 32

/* A proof never has more components than this (trees up to 2^63 leaves). */
#define GB_PROOF_MAX 64

/* Hash of a leaf: SHA-256(0x00 || data). */
void gb_merkle_leaf_hash(uint8_t out[GB_HASH_BYTES], const uint8_t *data, size_t len);

/* Hash of an interior node: SHA-256(0x01 || left || right). */
void gb_merkle_node_hash(uint8_t out[GB_HASH_BYTES],
	const uint8_t left[GB_HASH_BYTES], const uint8_t right[GB_HASH_BYTES]);

/* Root of the empty tree: SHA-256 of the empty string. */
void gb_merkle_empty_root(uint8_t out[GB_HASH_BYTES]);

/*
 * Stored-hash index of the complete subtree at `level` (0 = leaves) whose
 * leftmost leaf is n << level. Same numbering as Go's tlog.StoredHashIndex.
 */
uint64_t gb_merkle_stored_index(int level, uint64_t n);

/* Number of stored hashes that exist once `size` leaves are appended. */
uint64_t gb_merkle_stored_count(uint64_t size);

/*
 * Reads the stored hash with the given stored-hash index into `out`.
 * Returns 0 or a negative GB_E* code, which is passed back to the caller.
 */
typedef int (*gb_merkle_reader)(void *ctx, uint64_t stored_index,
	uint8_t out[GB_HASH_BYTES]);

/*
 * The right edge of the tree: the roots of the complete subtrees that make up
 * a tree of `size` leaves (at most one per level). It is all that an append
 * needs, so appends read nothing. Copy it by value to snapshot and restore.
 */
typedef struct gb_merkle_frontier {
	uint64_t size;
	uint8_t hash[64][GB_HASH_BYTES]; /* hash[level] valid iff bit `level` of size is set */
} gb_merkle_frontier;

/* Initialises `f` to the empty tree. */
void gb_merkle_frontier_init(gb_merkle_frontier *f);

/*
 * Rebuilds `f` for a tree of `size` leaves by reading its O(log size) complete
 * subtree roots through `read`. Returns 0 or the reader's error.
 */
int gb_merkle_frontier_load(gb_merkle_frontier *f, uint64_t size,
	gb_merkle_reader read, void *ctx);

/*
 * Receives one new stored hash produced by an append. Called in increasing
 * stored-index order. Returns 0 or a negative code, which aborts the append.
 */
typedef int (*gb_merkle_writer)(void *ctx, uint64_t stored_index,
	const uint8_t hash[GB_HASH_BYTES]);

/*
 * Appends the leaf whose leaf hash is `leaf_hash` as leaf number f->size.
 * Calls `write` for the leaf hash and each completed parent (1 + the number
 * of trailing 1 bits of the old size), then advances `f`. O(log n) hashing.
 * If `write` fails, returns its code and leaves `f` unchanged.
 */
int gb_merkle_frontier_append(gb_merkle_frontier *f,
	const uint8_t leaf_hash[GB_HASH_BYTES], gb_merkle_writer write, void *ctx);

/* Root of the tree described by `f` (the empty root if f->size is 0). */
void gb_merkle_frontier_root(const gb_merkle_frontier *f, uint8_t out[GB_HASH_BYTES]);

/*
 * Root of the tree made of the first `size` leaves, read through `read`.
 * The caller guarantees the store holds at least `size` leaves.
 * O(log size) reads. Returns 0 or the reader's error.
 */
int gb_merkle_root(uint64_t size, gb_merkle_reader read, void *ctx,
	uint8_t out[GB_HASH_BYTES]);

/*
 * RFC 9162 inclusion proof (audit path) for leaf `index` in the tree of the
 * first `size` leaves. Writes the components to proof[0..*count) in RFC order
 * (bottom-up). Returns GB_ERANGE unless index < size, or the reader's error.
 */
int gb_merkle_prove_inclusion(uint64_t index, uint64_t size,
	gb_merkle_reader read, void *ctx,
	uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES], size_t *count);

/*
 * RFC 9162 consistency proof between the trees of the first `size1` and
 * `size2` leaves. Returns GB_ERANGE unless 0 < size1 <= size2 (an empty proof
 * when the sizes are equal), or the reader's error.
 */
int gb_merkle_prove_consistency(uint64_t size1, uint64_t size2,
	gb_merkle_reader read, void *ctx,
	uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES], size_t *count);

/*
 * A borrowed byte string. Verifiers take hashes as byte strings of any length
 * because proofs arrive from outside: a component that is not 32 bytes long
 * is a failed proof, never a crash or an out-of-bounds read.
 */
typedef struct gb_bytes {
	const uint8_t *ptr;
	size_t len;
} gb_bytes;

/*
 * Verifies that `leaf_hash` is leaf `index` of the tree of `size` leaves
 * whose root is `root` (RFC 9162 section 2.1.3.2). Returns 0, GB_EPROOF if
 * the proof is wrong or malformed (wrong component length, wrong component
 * count), or GB_ERANGE if index >= size.
 */
int gb_merkle_verify_inclusion(uint64_t index, uint64_t size, gb_bytes leaf_hash,
	const gb_bytes *proof, size_t count, gb_bytes root)
	__attribute__((warn_unused_result));

/*
 * Verifies that the tree of `size1` leaves with root `root1` is a prefix of
 * the tree of `size2` leaves with root `root2` (RFC 9162 section 2.1.4.2).
 * Policy for the empty tree: size1 == 0 is rejected with GB_ERANGE, because
 * every tree extends the empty tree and such a proof proves nothing. Equal
 * sizes verify iff the proof is empty and the roots are byte-for-byte equal.
 * Returns 0, GB_EPROOF or GB_ERANGE (size1 > size2 or size1 == 0).
 */
int gb_merkle_verify_consistency(uint64_t size1, uint64_t size2,
	gb_bytes root1, gb_bytes root2, const gb_bytes *proof, size_t count)
	__attribute__((warn_unused_result));

#ifdef __cplusplus
}
#endif
#endif
