/*
 * merkle.c: the RFC 9162 Merkle tree. Hashing, the stored-hash numbering of
 * Go's tlog package, the frontier that appends need, roots, and inclusion and
 * consistency proofs with their verifiers. spec/PROOFS.md is the normative
 * description; this file follows it step by step.
 *
 * Nothing here allocates or recurses: the RFC's recursive definitions (MTH,
 * PATH, SUBPROOF) are walked top-down in loops bounded by the tree height.
 * SHA-256 is libsodium's crypto_hash_sha256, which needs no sodium_init().
 */
#include "gongbao/merkle.h"

#include "gongbao/error.h"

#include <assert.h>
#include <stdbool.h>
#include <string.h>

#include <sodium.h>

/*
 * The largest tree this module builds, roots or proves over: 2^63 leaves, the
 * limit of Go's int64 tree sizes. Its proofs have at most 64 components, which
 * is GB_PROOF_MAX, and its stored-hash indexes fit in 64 bits.
 */
#define TREE_SIZE_MAX ((uint64_t)1 << 63)

/* One level per bit of a tree size: 0 (leaves) .. 63. */
#define LEVEL_COUNT 64

_Static_assert(LEVEL_COUNT == sizeof ((gb_merkle_frontier *)0)->hash /
	sizeof ((gb_merkle_frontier *)0)->hash[0], "one frontier hash per level");

void gb_merkle_leaf_hash(uint8_t out[GB_HASH_BYTES], const uint8_t *data, size_t len)
{
	assert(out != NULL);
	assert(data != NULL || len == 0);
	static const uint8_t prefix = 0x00;
	crypto_hash_sha256_state state;
	crypto_hash_sha256_init(&state);
	crypto_hash_sha256_update(&state, &prefix, 1);
	if (len > 0)
		crypto_hash_sha256_update(&state, data, len);
	crypto_hash_sha256_final(&state, out);
}

/* `out` may be the same buffer as `left` or `right`. */
void gb_merkle_node_hash(uint8_t out[GB_HASH_BYTES],
	const uint8_t left[GB_HASH_BYTES], const uint8_t right[GB_HASH_BYTES])
{
	assert(out != NULL);
	assert(left != NULL);
	assert(right != NULL);
	uint8_t input[1 + 2 * GB_HASH_BYTES];
	input[0] = 0x01;
	memcpy(input + 1, left, GB_HASH_BYTES);
	memcpy(input + 1 + GB_HASH_BYTES, right, GB_HASH_BYTES);
	crypto_hash_sha256(out, input, sizeof input);
}

void gb_merkle_empty_root(uint8_t out[GB_HASH_BYTES])
{
	assert(out != NULL);
	static const uint8_t nothing[1] = { 0 };
	crypto_hash_sha256(out, nothing, 0);
}

/*
 * Go's StoredHashIndex: level L's n-th hash is stored right after level
 * L-1's (2n+1)-th, so the subtree is numbered after its last leaf, which is
 * leaf ((n+1) << level) - 1; leaf m's hash is stored at m + m/2 + m/4 + ...
 * The subtree must lie inside a tree of TREE_SIZE_MAX leaves.
 */
uint64_t gb_merkle_stored_index(int level, uint64_t n)
{
	assert(level >= 0);
	assert(level < LEVEL_COUNT);
	assert(n < (TREE_SIZE_MAX >> level));
	uint64_t leaf = ((n + 1) << level) - 1;
	uint64_t index = 0;
	for (int bit = 0; bit < LEVEL_COUNT && leaf != 0; bit++) {
		index += leaf;
		leaf >>= 1;
	}
	return index + (uint64_t)level;
}

/*
 * Go's StoredHashCount: everything up to the last leaf's hash, plus the
 * parents that leaf completes (one per trailing 1 bit of size - 1).
 */
uint64_t gb_merkle_stored_count(uint64_t size)
{
	assert(size <= TREE_SIZE_MAX);
	if (size == 0)
		return 0;
	uint64_t last = size - 1;
	uint64_t count = gb_merkle_stored_index(0, last) + 1 +
		(uint64_t)__builtin_ctzll(~last);
	assert(count == 2 * size - (uint64_t)__builtin_popcountll(size));
	return count;
}

/* The largest power of two strictly smaller than `width` (RFC 9162's k). */
static uint64_t split_point(uint64_t width)
{
	assert(width >= 2);
	uint64_t k = (uint64_t)1 << (63 - __builtin_clzll(width - 1));
	assert(k < width);
	assert(width <= 2 * k);
	return k;
}

/*
 * MTH of leaves [lo, hi) from the stored hashes. The RFC recursion only forms
 * ranges whose `lo` is a multiple of the largest power of two not above the
 * width, so the range is the complete subtrees given by the set bits of the
 * width, largest first. They are read smallest (rightmost) first and folded
 * leftwards: popcount(hi - lo) reads. Returns 0 or the reader's error.
 */
static int subtree_hash(uint64_t lo, uint64_t hi, gb_merkle_reader read,
	void *ctx, uint8_t out[GB_HASH_BYTES])
{
	assert(lo < hi);
	assert(hi <= TREE_SIZE_MAX);
	uint64_t width = hi - lo;
	assert((lo & (((uint64_t)1 << (63 - __builtin_clzll(width))) - 1)) == 0);
	uint64_t right = hi;
	bool first = true;
	uint8_t part[GB_HASH_BYTES];
	for (int level = 0; level < LEVEL_COUNT; level++) {
		if (((width >> level) & 1) == 0)
			continue;
		right -= (uint64_t)1 << level;
		uint64_t index = gb_merkle_stored_index(level, right >> level);
		int rc = read(ctx, index, first ? out : part);
		if (rc != 0)
			return rc;
		if (!first)
			gb_merkle_node_hash(out, part, out);
		first = false;
	}
	assert(right == lo);
	return 0;
}

void gb_merkle_frontier_init(gb_merkle_frontier *f)
{
	assert(f != NULL);
	memset(f, 0, sizeof *f);
}

/*
 * Reads the complete subtrees of a `size`-leaf tree, left to right (one per
 * set bit of size, largest first), into a copy, so that a failed read leaves
 * `f` as it was.
 */
int gb_merkle_frontier_load(gb_merkle_frontier *f, uint64_t size,
	gb_merkle_reader read, void *ctx)
{
	assert(f != NULL);
	assert(read != NULL);
	if (size > TREE_SIZE_MAX)
		return GB_ERANGE;
	gb_merkle_frontier loaded;
	gb_merkle_frontier_init(&loaded);
	uint64_t lo = 0;
	for (int level = LEVEL_COUNT - 1; level >= 0; level--) {
		if (((size >> level) & 1) == 0)
			continue;
		uint64_t index = gb_merkle_stored_index(level, lo >> level);
		int rc = read(ctx, index, loaded.hash[level]);
		if (rc != 0)
			return rc;
		lo += (uint64_t)1 << level;
	}
	assert(lo == size);
	loaded.size = size;
	*f = loaded;
	return 0;
}

/*
 * Leaf n = f->size completes one subtree per trailing 1 bit of n: each is the
 * frontier hash at that level joined with the hash built so far. Their
 * stored indexes follow the leaf's consecutively. `f` changes only after
 * every write succeeded.
 */
int gb_merkle_frontier_append(gb_merkle_frontier *f,
	const uint8_t leaf_hash[GB_HASH_BYTES], gb_merkle_writer write, void *ctx)
{
	assert(f != NULL);
	assert(leaf_hash != NULL);
	assert(write != NULL);
	if (f->size >= TREE_SIZE_MAX)
		return GB_ERANGE;
	uint64_t n = f->size;
	uint64_t index = gb_merkle_stored_index(0, n);
	uint8_t hash[GB_HASH_BYTES];
	memcpy(hash, leaf_hash, sizeof hash);
	int rc = write(ctx, index, hash);
	if (rc != 0)
		return rc;
	int level = 0;
	for (; level < LEVEL_COUNT - 1 && ((n >> level) & 1) != 0; level++) {
		gb_merkle_node_hash(hash, f->hash[level], hash);
		rc = write(ctx, index + (uint64_t)level + 1, hash);
		if (rc != 0)
			return rc;
	}
	assert(index + (uint64_t)level + 1 == gb_merkle_stored_count(n + 1));
	/* The subtrees below `level` are now inside the new one. */
	memset(f->hash, 0, (size_t)level * GB_HASH_BYTES);
	memcpy(f->hash[level], hash, sizeof hash);
	f->size = n + 1;
	return 0;
}

/* Folds the frontier from its smallest (rightmost) subtree leftwards. */
void gb_merkle_frontier_root(const gb_merkle_frontier *f, uint8_t out[GB_HASH_BYTES])
{
	assert(f != NULL);
	assert(out != NULL);
	if (f->size == 0) {
		gb_merkle_empty_root(out);
		return;
	}
	uint8_t hash[GB_HASH_BYTES];
	bool first = true;
	for (int level = 0; level < LEVEL_COUNT; level++) {
		if (((f->size >> level) & 1) == 0)
			continue;
		if (first)
			memcpy(hash, f->hash[level], sizeof hash);
		else
			gb_merkle_node_hash(hash, f->hash[level], hash);
		first = false;
	}
	memcpy(out, hash, sizeof hash);
}

int gb_merkle_root(uint64_t size, gb_merkle_reader read, void *ctx,
	uint8_t out[GB_HASH_BYTES])
{
	assert(read != NULL);
	assert(out != NULL);
	if (size > TREE_SIZE_MAX)
		return GB_ERANGE;
	if (size == 0) {
		gb_merkle_empty_root(out);
		return 0;
	}
	return subtree_hash(0, size, read, ctx, out);
}

/* Reverses proof[0..count): the walks below go top-down, the RFC bottom-up. */
static void proof_reverse(uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES], size_t count)
{
	assert(count <= GB_PROOF_MAX);
	uint8_t tmp[GB_HASH_BYTES];
	for (size_t i = 0; i < count / 2; i++) {
		memcpy(tmp, proof[i], sizeof tmp);
		memcpy(proof[i], proof[count - 1 - i], sizeof tmp);
		memcpy(proof[count - 1 - i], tmp, sizeof tmp);
	}
}

/*
 * PATH(index, D[0:size]) (RFC 9162 2.1.3.1) walked from the root down: at
 * each node [lo, hi) split at k, keep the side holding `index` and emit the
 * MTH of the other side. Each step at least halves the width, so a tree of
 * at most 2^63 leaves gives at most 63 components.
 */
int gb_merkle_prove_inclusion(uint64_t index, uint64_t size,
	gb_merkle_reader read, void *ctx,
	uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES], size_t *count)
{
	assert(read != NULL);
	assert(proof != NULL);
	assert(count != NULL);
	*count = 0;
	if (index >= size || size > TREE_SIZE_MAX)
		return GB_ERANGE;
	uint64_t lo = 0;
	uint64_t hi = size;
	size_t n = 0;
	for (; n < GB_PROOF_MAX && hi - lo > 1; n++) {
		uint64_t k = split_point(hi - lo);
		int rc;
		if (index < lo + k) {
			rc = subtree_hash(lo + k, hi, read, ctx, proof[n]);
			hi = lo + k;
		} else {
			rc = subtree_hash(lo, lo + k, read, ctx, proof[n]);
			lo += k;
		}
		if (rc != 0)
			return rc;
	}
	assert(lo == index);
	assert(hi == lo + 1);
	proof_reverse(proof, n);
	*count = n;
	return 0;
}

/*
 * PROOF(size1, D[0:size2]) = SUBPROOF(size1, D[0:size2], true) (RFC 9162
 * 2.1.4.1) walked from the root down: while size1 is not the right edge of
 * the current node, keep the side holding leaf size1 - 1 and emit the MTH of
 * the other side; going right means the old tree is no longer a whole
 * subtree here (b = false), so the node reached last is emitted too.
 */
int gb_merkle_prove_consistency(uint64_t size1, uint64_t size2,
	gb_merkle_reader read, void *ctx,
	uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES], size_t *count)
{
	assert(read != NULL);
	assert(proof != NULL);
	assert(count != NULL);
	*count = 0;
	if (size1 == 0 || size1 > size2 || size2 > TREE_SIZE_MAX)
		return GB_ERANGE;
	uint64_t lo = 0;
	uint64_t hi = size2;
	bool whole = true;
	size_t n = 0;
	for (; n < GB_PROOF_MAX && size1 != hi; n++) {
		uint64_t k = split_point(hi - lo);
		int rc;
		if (size1 <= lo + k) {
			rc = subtree_hash(lo + k, hi, read, ctx, proof[n]);
			hi = lo + k;
		} else {
			rc = subtree_hash(lo, lo + k, read, ctx, proof[n]);
			lo += k;
			whole = false;
		}
		if (rc != 0)
			return rc;
	}
	assert(size1 == hi);
	assert(lo < hi);
	if (!whole) {
		assert(n < GB_PROOF_MAX);
		int rc = subtree_hash(lo, hi, read, ctx, proof[n]);
		if (rc != 0)
			return rc;
		n++;
	}
	proof_reverse(proof, n);
	*count = n;
	return 0;
}

/* A component from outside is usable only if it is exactly one hash. */
static bool is_hash(gb_bytes b)
{
	return b.ptr != NULL && b.len == GB_HASH_BYTES;
}

/* The proof's shape: not too long, and every component one hash. */
static bool proof_well_formed(const gb_bytes *proof, size_t count)
{
	if (count > GB_PROOF_MAX)
		return false;
	if (count > 0 && proof == NULL)
		return false;
	for (size_t i = 0; i < count; i++) {
		if (!is_hash(proof[i]))
			return false;
	}
	return true;
}

/*
 * RFC 9162's "right-shift fn and sn equally until LSB(fn) is set or fn is 0"
 * (with stop_at_set) or "until LSB(fn) is not set" (without).
 */
static void shift_while(uint64_t *fn, uint64_t *sn, bool stop_at_set)
{
	assert(fn != NULL);
	assert(sn != NULL);
	for (int i = 0; i < LEVEL_COUNT && *fn != 0; i++) {
		if (((*fn & 1) != 0) == stop_at_set)
			return;
		*fn >>= 1;
		*sn >>= 1;
	}
}

/* RFC 9162 section 2.1.3.2, steps 1 to 5. */
int gb_merkle_verify_inclusion(uint64_t index, uint64_t size, gb_bytes leaf_hash,
	const gb_bytes *proof, size_t count, gb_bytes root)
{
	if (index >= size)
		return GB_ERANGE;
	if (!is_hash(leaf_hash) || !is_hash(root) || !proof_well_formed(proof, count))
		return GB_EPROOF;
	uint64_t fn = index;
	uint64_t sn = size - 1;
	uint8_t r[GB_HASH_BYTES];
	memcpy(r, leaf_hash.ptr, sizeof r);
	for (size_t i = 0; i < count; i++) {
		if (sn == 0)
			return GB_EPROOF;
		if ((fn & 1) != 0 || fn == sn) {
			gb_merkle_node_hash(r, proof[i].ptr, r);
			shift_while(&fn, &sn, true);
		} else {
			gb_merkle_node_hash(r, r, proof[i].ptr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0 || memcmp(r, root.ptr, sizeof r) != 0)
		return GB_EPROOF;
	return 0;
}

/*
 * RFC 9162 section 2.1.4.2, steps 2 to 7, for 0 < size1 < size2 and a
 * non-empty, well-formed proof. Step 2's prepending of first_hash when size1
 * is a power of two is done by indexing, not copying.
 */
static int consistency_run(uint64_t size1, uint64_t size2, const uint8_t *root1,
	const uint8_t *root2, const gb_bytes *proof, size_t count)
{
	assert(0 < size1);
	assert(size1 < size2);
	assert(count > 0);
	assert(count <= GB_PROOF_MAX);
	bool prepend = (size1 & (size1 - 1)) == 0;
	size_t total = count + (prepend ? 1 : 0);
	uint64_t fn = size1 - 1;
	uint64_t sn = size2 - 1;
	shift_while(&fn, &sn, false);
	uint8_t fr[GB_HASH_BYTES];
	uint8_t sr[GB_HASH_BYTES];
	memcpy(fr, prepend ? root1 : proof[0].ptr, sizeof fr);
	memcpy(sr, fr, sizeof sr);
	for (size_t i = 1; i < total; i++) {
		const uint8_t *c = proof[prepend ? i - 1 : i].ptr;
		if (sn == 0)
			return GB_EPROOF;
		if ((fn & 1) != 0 || fn == sn) {
			gb_merkle_node_hash(fr, c, fr);
			gb_merkle_node_hash(sr, c, sr);
			shift_while(&fn, &sn, true);
		} else {
			gb_merkle_node_hash(sr, sr, c);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0 || memcmp(fr, root1, sizeof fr) != 0 ||
		memcmp(sr, root2, sizeof sr) != 0)
		return GB_EPROOF;
	return 0;
}

/* Byte strings of the same length with the same bytes. */
static bool bytes_equal(gb_bytes a, gb_bytes b)
{
	if (a.len != b.len)
		return false;
	if (a.len == 0)
		return true;
	return a.ptr != NULL && b.ptr != NULL && memcmp(a.ptr, b.ptr, a.len) == 0;
}

/*
 * RFC 9162 section 2.1.4.2 with the empty-tree and equal-size policies. For
 * equal sizes the roots are compared as byte strings, whatever their length
 * (as transparency-dev/merkle does, and as the vector
 * consistency/additional/sizes-are-equal-one-and-proof-is-empty requires):
 * the statement "this tree is a prefix of itself" needs no hashing.
 */
int gb_merkle_verify_consistency(uint64_t size1, uint64_t size2,
	gb_bytes root1, gb_bytes root2, const gb_bytes *proof, size_t count)
{
	if (size1 == 0 || size1 > size2)
		return GB_ERANGE;
	if (!proof_well_formed(proof, count))
		return GB_EPROOF;
	if (size1 == size2)
		return count == 0 && bytes_equal(root1, root2) ? 0 : GB_EPROOF;
	if (!is_hash(root1) || !is_hash(root2))
		return GB_EPROOF;
	/* Step 1: nothing can show that a smaller tree is a prefix. */
	if (count == 0)
		return GB_EPROOF;
	return consistency_run(size1, size2, root1.ptr, root2.ptr, proof, count);
}
