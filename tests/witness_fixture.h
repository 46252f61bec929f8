/*
 * tests/witness_fixture.h: what the witness and cosigning suites share: a log
 * key, another key of the same name, a witness key, an in-memory Merkle tree
 * and a fork of it, signed checkpoints and add-checkpoint bodies.
 * Header-only (static functions), included by one suite each.
 */
#ifndef GONGBAO_TESTS_WITNESS_FIXTURE_H
#define GONGBAO_TESTS_WITNESS_FIXTURE_H

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "cu.h"
#include "gongbao/merkle.h"
#include "gongbao/note.h"

#define ORIGIN "gongbao.test/witness"
#define NOW 1767225600
#define LEAVES_MAX 64
#define EM_DASH "\xe2\x80\x94"

static gb_seckey log_key, other_key, wit_key;

/* An in-memory Merkle tree of up to LEAVES_MAX leaves. */
struct tree {
	size_t stored;
	uint8_t hashes[2 * LEAVES_MAX][GB_HASH_BYTES];
};

static int tree_write(void *ctx, uint64_t index, const uint8_t hash[GB_HASH_BYTES])
{
	struct tree *t = ctx;
	CU_ASSERT_FATAL(index == t->stored && index < 2 * LEAVES_MAX);
	memcpy(t->hashes[index], hash, GB_HASH_BYTES);
	t->stored++;
	return 0;
}

static int tree_read(void *ctx, uint64_t index, uint8_t out[GB_HASH_BYTES])
{
	struct tree *t = ctx;
	if (index >= t->stored)
		return GB_ERANGE;
	memcpy(out, t->hashes[index], GB_HASH_BYTES);
	return 0;
}

/* Builds n leaves: "leaf I" before `fork`, "fork leaf I" from it on. */
static void tree_build(struct tree *t, uint64_t n, uint64_t fork)
{
	gb_merkle_frontier f;
	gb_merkle_frontier_init(&f);
	t->stored = 0;
	for (uint64_t i = 0; i < n; i++) {
		char leaf[64];
		int len = snprintf(leaf, sizeof leaf, "%sleaf %" PRIu64, i < fork ? "" : "fork ", i);
		uint8_t h[GB_HASH_BYTES];
		gb_merkle_leaf_hash(h, (const uint8_t *)leaf, (size_t)len);
		CU_ASSERT_FATAL(gb_merkle_frontier_append(&f, h, tree_write, t) == 0);
	}
}

static struct tree main_tree, fork_tree;

static __attribute__((unused)) void root_of(struct tree *t, uint64_t size, uint8_t out[GB_HASH_BYTES])
{
	CU_ASSERT_FATAL(gb_merkle_root(size, tree_read, t, out) == 0);
}

/* A checkpoint note of (origin, size, root) signed by k; returns its length. */
static __attribute__((unused)) size_t make_note(char *out, const gb_seckey *k, const char *origin, uint64_t size,
	const uint8_t root[GB_HASH_BYTES])
{
	gb_checkpoint cp = { .size = size };
	snprintf(cp.origin, sizeof cp.origin, "%s", origin);
	memcpy(cp.root, root, GB_HASH_BYTES);
	char text[512];
	size_t text_len = 0, len = 0;
	CU_ASSERT_FATAL(gb_checkpoint_format(&cp, text, sizeof text, &text_len) == 0);
	CU_ASSERT_FATAL(gb_note_sign(text, text_len, k, out, GB_NOTE_MAX, &len, NULL) == 0);
	return len;
}

/* Appends "old N\n", the consistency proof of t from old to size (when 0 < old < size), "\n". */
static __attribute__((unused)) size_t put_head(char *out, uint64_t old, struct tree *t, uint64_t size)
{
	size_t len = (size_t)sprintf(out, "old %" PRIu64 "\n", old);
	if (old > 0 && old < size) {
		uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES];
		size_t count = 0;
		CU_ASSERT_FATAL(gb_merkle_prove_consistency(old, size, tree_read, t, proof, &count) == 0);
		for (size_t i = 0; i < count; i++) {
			sodium_bin2base64(out + len, 64, proof[i], GB_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL);
			len += 44;
			out[len++] = '\n';
		}
	}
	out[len++] = '\n';
	return len;
}

/* A request body: the head for tree t, then a checkpoint of t at `size` signed by k. */
static __attribute__((unused)) size_t make_body(char *out, uint64_t old, struct tree *t, uint64_t size, const gb_seckey *k)
{
	uint8_t root[GB_HASH_BYTES];
	root_of(t, size, root);
	size_t len = put_head(out, old, t, size);
	len += make_note(out + len, k, ORIGIN, size, root);
	out[len] = '\0';
	return len;
}

/* Makes the keys and the trees; call first. */
static void wf_setup(void)
{
	CU_ASSERT_FATAL(sodium_init() >= 0);
	uint8_t seed[GB_SEED_BYTES];
	memset(seed, 0x11, sizeof seed);
	CU_ASSERT_FATAL(gb_seckey_from_seed(&log_key, ORIGIN, GB_ALG_ED25519, seed, NULL) == 0);
	memset(seed, 0x22, sizeof seed);
	CU_ASSERT_FATAL(gb_seckey_from_seed(&other_key, ORIGIN, GB_ALG_ED25519, seed, NULL) == 0);
	memset(seed, 0x33, sizeof seed);
	CU_ASSERT_FATAL(gb_seckey_from_seed(&wit_key, "gongbao.test/w1", GB_ALG_COSIGNATURE_V1, seed, NULL) == 0);
	tree_build(&main_tree, LEAVES_MAX, LEAVES_MAX);
	tree_build(&fork_tree, LEAVES_MAX, 7); /* shares leaves 0..6 with main_tree */
}

#endif
