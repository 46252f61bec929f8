/*
 * tests/test_merkle.c: the RFC 9162 Merkle tree module against the RFC
 * 6962/9162 test vectors (every file in tests/vectors/rfc6962), the reference
 * tree, a naive recursive MTH/PATH/SUBPROOF written from the RFC, Go's
 * stored-hash numbering, and the worked example printed in spec/PROOFS.md.
 */
#include "cu.h"
#include "gongbao/error.h"
#include "gongbao/merkle.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VECTOR_DIR "tests/vectors/rfc6962"
#define SPEC_PATH "spec/PROOFS.md"

/* The vector set: 197 json files, reference-tree.json plus 98 + 98 cases. */
#define VECTOR_INCLUSION_COUNT 98
#define VECTOR_CONSISTENCY_COUNT 98
#define VECTOR_CASE_COUNT 196
#define VECTOR_PASS_COUNT 12

/* The in-memory store: enough for STORE_LEAVES leaves. */
#define STORE_LEAVES 300
#define STORE_HASHES 600
#define EXHAUSTIVE_SIZE_MAX 70

/* Reports a mismatch in the big loops without flooding the output. */
static unsigned mismatch_count;

#define EXPECT(cond, ...)                                                   \
	do {                                                                \
		if (!(cond)) {                                              \
			if (mismatch_count++ < 20) {                        \
				fprintf(stderr, "\n%s:%d: ", __FILE__, __LINE__); \
				fprintf(stderr, __VA_ARGS__);               \
				fprintf(stderr, "\n");                      \
			}                                                   \
		}                                                           \
	} while (0)

/* ---------------------------------------------------------------- helpers */

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes lowercase hex into out (at most out_cap bytes); -1 on bad input. */
static long hex_decode(uint8_t *out, size_t out_cap, const char *hex)
{
	size_t hex_len = strlen(hex);
	if (hex_len % 2 != 0 || hex_len / 2 > out_cap)
		return -1;
	for (size_t i = 0; i < hex_len / 2; i++) {
		int hi = hex_value(hex[2 * i]);
		int lo = hex_value(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (long)(hex_len / 2);
}

static void hex_hash(uint8_t out[GB_HASH_BYTES], const char *hex)
{
	long n = hex_decode(out, GB_HASH_BYTES, hex);
	CU_ASSERT_FATAL(n == GB_HASH_BYTES);
}

static gb_bytes as_bytes(const uint8_t *p)
{
	gb_bytes b = { p, GB_HASH_BYTES };
	return b;
}

static int popcount64(uint64_t x)
{
	int n = 0;
	for (int i = 0; i < 64; i++)
		n += (int)((x >> i) & 1);
	return n;
}

/* The largest power of two strictly below n (n >= 2), by the RFC's words. */
static uint64_t rfc_k(uint64_t n)
{
	uint64_t k = 1;
	while (k * 2 < n)
		k *= 2;
	return k;
}

/* ------------------------------------------------------ in-memory store */

/*
 * Stored hashes in an array indexed by stored-hash index, filled by the
 * writer. The writer insists on consecutive increasing indexes (what LMDB's
 * MDB_APPEND needs); the reader refuses indexes never written.
 */
struct store {
	uint8_t hash[STORE_HASHES][GB_HASH_BYTES];
	uint64_t written;
	unsigned long reads;
	unsigned long writes;
	unsigned long fail_read_at;  /* 1-based call number that fails; 0 never */
	unsigned long fail_write_at;
	int fail_code;
	bool bad_index;
};

static struct store mem;

static int store_write(void *ctx, uint64_t index, const uint8_t hash[GB_HASH_BYTES])
{
	struct store *s = ctx;
	s->writes++;
	if (s->fail_write_at != 0 && s->writes == s->fail_write_at)
		return s->fail_code;
	if (index != s->written || index >= STORE_HASHES) {
		s->bad_index = true;
		return GB_EINVAL;
	}
	memcpy(s->hash[index], hash, GB_HASH_BYTES);
	s->written++;
	return 0;
}

static int store_read(void *ctx, uint64_t index, uint8_t out[GB_HASH_BYTES])
{
	struct store *s = ctx;
	s->reads++;
	if (s->fail_read_at != 0 && s->reads == s->fail_read_at)
		return s->fail_code;
	if (index >= s->written) {
		s->bad_index = true;
		return GB_ECORRUPT;
	}
	memcpy(out, s->hash[index], GB_HASH_BYTES);
	return 0;
}

/* Leaf i of the synthetic test tree: the 8 bytes of i, plus a byte. */
static void synthetic_leaf_hash(uint8_t out[GB_HASH_BYTES], uint64_t i)
{
	uint8_t data[9];
	for (int b = 0; b < 8; b++)
		data[b] = (uint8_t)(i >> (8 * b));
	data[8] = 0x5a;
	gb_merkle_leaf_hash(out, data, sizeof data);
}

static uint8_t leaf_hashes[STORE_LEAVES][GB_HASH_BYTES];
static gb_merkle_frontier frontiers[STORE_LEAVES + 1];

/* Appends STORE_LEAVES synthetic leaves to `mem`, keeping every frontier. */
static void store_fill(void)
{
	memset(&mem, 0, sizeof mem);
	gb_merkle_frontier f;
	gb_merkle_frontier_init(&f);
	frontiers[0] = f;
	for (uint64_t i = 0; i < STORE_LEAVES; i++) {
		synthetic_leaf_hash(leaf_hashes[i], i);
		int rc = gb_merkle_frontier_append(&f, leaf_hashes[i], store_write, &mem);
		CU_ASSERT_EQUAL_FATAL(rc, 0);
		frontiers[i + 1] = f;
	}
	CU_ASSERT_FATAL(!mem.bad_index);
	CU_ASSERT_EQUAL_FATAL(mem.written, gb_merkle_stored_count(STORE_LEAVES));
}

/* ------------------------------------------- naive RFC 9162 definitions */

/* MTH(D[lo:hi]) by the RFC's recursive definition, over leaf_hashes. */
static void naive_mth(uint64_t lo, uint64_t hi, uint8_t out[GB_HASH_BYTES])
{
	if (hi - lo == 1) {
		memcpy(out, leaf_hashes[lo], GB_HASH_BYTES);
		return;
	}
	uint64_t k = rfc_k(hi - lo);
	uint8_t left[GB_HASH_BYTES], right[GB_HASH_BYTES];
	naive_mth(lo, lo + k, left);
	naive_mth(lo + k, hi, right);
	gb_merkle_node_hash(out, left, right);
}

/* PATH(m, D[lo:hi]), appended to path[*n]; m is absolute. */
static void naive_path(uint64_t m, uint64_t lo, uint64_t hi,
	uint8_t path[GB_PROOF_MAX][GB_HASH_BYTES], size_t *n)
{
	if (hi - lo == 1)
		return;
	uint64_t k = rfc_k(hi - lo);
	if (m < lo + k) {
		naive_path(m, lo, lo + k, path, n);
		naive_mth(lo + k, hi, path[(*n)++]);
	} else {
		naive_path(m, lo + k, hi, path, n);
		naive_mth(lo, lo + k, path[(*n)++]);
	}
}

/* SUBPROOF(m, D[lo:hi], b), appended to path[*n]; m is absolute. */
static void naive_subproof(uint64_t m, uint64_t lo, uint64_t hi, bool b,
	uint8_t path[GB_PROOF_MAX][GB_HASH_BYTES], size_t *n)
{
	if (m == hi) {
		if (!b)
			naive_mth(lo, hi, path[(*n)++]);
		return;
	}
	uint64_t k = rfc_k(hi - lo);
	if (m <= lo + k) {
		naive_subproof(m, lo, lo + k, b, path, n);
		naive_mth(lo + k, hi, path[(*n)++]);
	} else {
		naive_subproof(m, lo + k, hi, false, path, n);
		naive_mth(lo, lo + k, path[(*n)++]);
	}
}

/* ------------------------------------------------- Go's index formulas */

/* Go's tlog.StoredHashIndex, transcribed loop for loop. */
static uint64_t go_stored_hash_index(int level, uint64_t n)
{
	for (int l = level; l > 0; l--)
		n = 2 * n + 1;
	uint64_t i = 0;
	for (; n > 0; n >>= 1)
		i += n;
	return i + (uint64_t)level;
}

/* Go's tlog.StoredHashCount, transcribed. */
static uint64_t go_stored_hash_count(uint64_t n)
{
	if (n == 0)
		return 0;
	uint64_t num_hash = go_stored_hash_index(0, n - 1) + 1;
	for (uint64_t i = n - 1; (i & 1) != 0; i >>= 1)
		num_hash++;
	return num_hash;
}

/* Go's tlog.SplitStoredHashIndex, transcribed (the inverse). */
static void go_split_stored_hash_index(uint64_t index, int *level, uint64_t *n)
{
	uint64_t m = index / 2;
	uint64_t index_m = go_stored_hash_index(0, m);
	CU_ASSERT_FATAL(index_m <= index);
	for (int i = 0; i < 130; i++) {
		uint64_t x = index_m + 1 + (uint64_t)__builtin_ctzll(m + 1);
		if (x > index)
			break;
		m++;
		index_m = x;
	}
	*level = (int)(index - index_m);
	*n = m >> *level;
}

/*
 * Printed by running Go's golang.org/x/mod/sumdb/tlog (StoredHashIndex and
 * StoredHashCount) on these arguments, so that the transcriptions above are
 * themselves checked against Go.
 */
static const struct {
	int level;
	uint64_t n;
	uint64_t index;
} go_index_values[] = {
	{ 0, 0, 0 }, { 0, 1, 1 }, { 1, 0, 2 }, { 0, 2, 3 }, { 0, 3, 4 },
	{ 1, 1, 5 }, { 2, 0, 6 }, { 0, 4, 7 }, { 0, 7, 11 }, { 3, 0, 14 },
	{ 0, 1000, 1994 }, { 5, 17, 1148 }, { 10, 3, 8188 },
	{ 0, 4611686018427387904ULL, 9223372036854775807ULL },
	{ 20, 12345, 25891438584ULL },
	{ 62, 1, 18446744073709551613ULL },
	{ 0, 9223372036854775807ULL, 18446744073709551551ULL },
	{ 7, 72057594037927935ULL, 18446744073709551558ULL },
};

static const struct {
	uint64_t size;
	uint64_t count;
} go_count_values[] = {
	{ 0, 0 }, { 1, 1 }, { 2, 3 }, { 3, 4 }, { 4, 7 }, { 5, 8 }, { 7, 11 },
	{ 8, 15 }, { 300, 596 }, { 1000000, 1999993 },
	{ 4611686018427387904ULL, 9223372036854775807ULL },
	{ 4611686018427400249ULL, 9223372036854800491ULL },
};

/* ------------------------------------------------------------ vectors */

/* Reads a whole small file into a NUL-terminated heap buffer. */
static char *read_text(const char *path)
{
	FILE *fp = fopen(path, "rb");
	if (fp == NULL)
		return NULL;
	size_t cap = 1 << 16;
	char *text = malloc(cap + 1);
	size_t len = text ? fread(text, 1, cap, fp) : 0;
	bool whole = text != NULL && feof(fp) && !ferror(fp);
	fclose(fp);
	if (!whole) {
		free(text);
		return NULL;
	}
	text[len] = '\0';
	return text;
}

/*
 * The value of the integer member `key` read from the raw JSON text, because
 * some vectors hold 2^64 - 1 (a wrapped -1), beyond jansson's json_int_t.
 */
static bool raw_u64(const char *text, const char *key, uint64_t *out)
{
	char quoted[64];
	snprintf(quoted, sizeof quoted, "\"%s\"", key);
	const char *p = text;
	for (int tries = 0; tries < 16 && (p = strstr(p, quoted)) != NULL; tries++) {
		p += strlen(quoted);
		const char *q = p + strspn(p, " \t\r\n");
		if (*q != ':')
			continue;
		q++;
		q += strspn(q, " \t\r\n");
		if (*q < '0' || *q > '9')
			return false;
		char *end;
		errno = 0;
		unsigned long long v = strtoull(q, &end, 10);
		if (errno != 0 || strchr(",} \t\r\n", *end) == NULL || *end == '\0')
			return false;
		*out = v;
		return true;
	}
	return false;
}

/* The integer member `key`: from the raw text, cross-checked with jansson. */
static uint64_t member_u64(json_t *j, const char *text, const char *key)
{
	uint64_t v = 0;
	CU_ASSERT_FATAL(raw_u64(text, key, &v));
	json_t *n = json_object_get(j, key);
	CU_ASSERT_FATAL(json_is_number(n));
	CU_ASSERT_EQUAL(json_number_value(n), (double)v);
	return v;
}

/*
 * A base64 member as the verifier must take it: decoded if it is valid
 * standard base64 (of any length), otherwise the raw text as-is.
 */
static gb_bytes b64_bytes(json_t *s, uint8_t *buf, size_t cap)
{
	CU_ASSERT_FATAL(json_is_string(s));
	const char *str = json_string_value(s);
	size_t str_len = json_string_length(s);
	size_t bin_len = 0;
	const char *end = NULL;
	if (sodium_base642bin(buf, cap, str, str_len, NULL, &bin_len, &end,
			sodium_base64_VARIANT_ORIGINAL) == 0 && end == str + str_len) {
		gb_bytes b = { buf, bin_len };
		return b;
	}
	gb_bytes raw = { (const uint8_t *)str, str_len };
	return raw;
}

#define VECTOR_PROOF_MAX 80
#define VECTOR_VALUE_MAX 128

struct vector_case {
	uint8_t a[VECTOR_VALUE_MAX];
	uint8_t b[VECTOR_VALUE_MAX];
	uint8_t proof[VECTOR_PROOF_MAX][VECTOR_VALUE_MAX];
	gb_bytes proof_bytes[VECTOR_PROOF_MAX];
	size_t count;
};

static struct vector_case vc;

/* "proof": null means no components; otherwise an array of base64. */
static void vector_proof(json_t *j)
{
	json_t *proof = json_object_get(j, "proof");
	vc.count = 0;
	if (json_is_null(proof))
		return;
	CU_ASSERT_FATAL(json_is_array(proof));
	CU_ASSERT_FATAL(json_array_size(proof) <= VECTOR_PROOF_MAX);
	for (size_t i = 0; i < json_array_size(proof); i++) {
		vc.proof_bytes[i] = b64_bytes(json_array_get(proof, i),
			vc.proof[i], VECTOR_VALUE_MAX);
	}
	vc.count = json_array_size(proof);
}

struct vector_counts {
	unsigned json_files;
	unsigned reference;
	unsigned inclusion;
	unsigned consistency;
	unsigned pass;
	unsigned null_proofs;
};

static void run_inclusion_vector(const char *path, json_t *j, const char *text,
	bool want_err)
{
	uint64_t index = member_u64(j, text, "leafIdx");
	uint64_t size = member_u64(j, text, "treeSize");
	gb_bytes leaf = b64_bytes(json_object_get(j, "leafHash"), vc.a, VECTOR_VALUE_MAX);
	gb_bytes root = b64_bytes(json_object_get(j, "root"), vc.b, VECTOR_VALUE_MAX);
	vector_proof(j);
	int rc = gb_merkle_verify_inclusion(index, size, leaf, vc.proof_bytes,
		vc.count, root);
	int want = !want_err ? 0 : index >= size ? GB_ERANGE : GB_EPROOF;
	EXPECT(rc == want, "%s: verify_inclusion gives %s, want %s", path,
		gb_errname(rc), gb_errname(want));
}

static void run_consistency_vector(const char *path, json_t *j, const char *text,
	bool want_err)
{
	uint64_t size1 = member_u64(j, text, "size1");
	uint64_t size2 = member_u64(j, text, "size2");
	gb_bytes root1 = b64_bytes(json_object_get(j, "root1"), vc.a, VECTOR_VALUE_MAX);
	gb_bytes root2 = b64_bytes(json_object_get(j, "root2"), vc.b, VECTOR_VALUE_MAX);
	vector_proof(j);
	int rc = gb_merkle_verify_consistency(size1, size2, root1, root2,
		vc.proof_bytes, vc.count);
	int want = !want_err ? 0 :
		size1 == 0 || size1 > size2 ? GB_ERANGE : GB_EPROOF;
	EXPECT(rc == want, "%s: verify_consistency gives %s, want %s", path,
		gb_errname(rc), gb_errname(want));
}

/* Runs one json file: an inclusion or consistency case, or the reference tree. */
static void run_vector_file(const char *path, struct vector_counts *c)
{
	c->json_files++;
	const char *base = strrchr(path, '/') + 1;
	if (strcmp(base, "reference-tree.json") == 0) {
		c->reference++;
		return;
	}
	char *text = read_text(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	json_error_t jerr;
	json_t *j = json_loads(text, JSON_DECODE_INT_AS_REAL, &jerr);
	EXPECT(j != NULL, "%s: %s", path, jerr.text);
	if (j == NULL) {
		free(text);
		return;
	}
	json_t *want = json_object_get(j, "wantErr");
	CU_ASSERT_FATAL(json_is_boolean(want));
	bool want_err = json_is_true(want);
	c->pass += want_err ? 0 : 1;
	c->null_proofs += json_is_null(json_object_get(j, "proof")) ? 1 : 0;
	if (strstr(path, "/inclusion/") != NULL) {
		c->inclusion++;
		run_inclusion_vector(path, j, text, want_err);
	} else if (strstr(path, "/consistency/") != NULL) {
		c->consistency++;
		run_consistency_vector(path, j, text, want_err);
	} else {
		EXPECT(false, "%s: neither an inclusion nor a consistency case", path);
	}
	json_decref(j);
	free(text);
}

/* Walks `dir` (depth-limited) with opendir/readdir, running every .json. */
static void walk_vectors(const char *dir, int depth, struct vector_counts *c)
{
	CU_ASSERT_FATAL(depth < 5);
	DIR *d = opendir(dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	struct dirent *e;
	for (int n = 0; n < 10000 && (e = readdir(d)) != NULL; n++) {
		if (e->d_name[0] == '.')
			continue;
		char path[1024];
		int path_len = snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		CU_ASSERT_FATAL(path_len > 0 && (size_t)path_len < sizeof path);
		DIR *sub = opendir(path);
		if (sub != NULL) {
			closedir(sub);
			walk_vectors(path, depth + 1, c);
			continue;
		}
		size_t name_len = strlen(e->d_name);
		if (name_len > 5 && strcmp(e->d_name + name_len - 5, ".json") == 0)
			run_vector_file(path, c);
	}
	closedir(d);
}

static void test_vectors(void)
{
	mismatch_count = 0;
	struct vector_counts c = { 0 };
	walk_vectors(VECTOR_DIR, 0, &c);
	CU_ASSERT_EQUAL(c.json_files, VECTOR_CASE_COUNT + 1);
	CU_ASSERT_EQUAL(c.reference, 1);
	CU_ASSERT_EQUAL(c.inclusion, VECTOR_INCLUSION_COUNT);
	CU_ASSERT_EQUAL(c.consistency, VECTOR_CONSISTENCY_COUNT);
	CU_ASSERT_EQUAL(c.inclusion + c.consistency, VECTOR_CASE_COUNT);
	CU_ASSERT_EQUAL(c.pass, VECTOR_PASS_COUNT);
	CU_ASSERT_EQUAL(c.null_proofs, 10);
	CU_ASSERT_EQUAL(mismatch_count, 0);
}

/* ------------------------------------------------------ reference tree */

static struct store ref;

static void test_reference_tree(void)
{
	char *text = read_text(VECTOR_DIR "/reference-tree.json");
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	json_t *j = json_loads(text, 0, NULL);
	free(text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	json_t *leaves = json_object_get(j, "leaves");
	json_t *roots = json_object_get(j, "roots");
	CU_ASSERT_EQUAL_FATAL(json_array_size(leaves), 8);
	CU_ASSERT_EQUAL_FATAL(json_array_size(roots), 9);
	uint8_t want[9][GB_HASH_BYTES];
	for (size_t i = 0; i < 9; i++)
		hex_hash(want[i], json_string_value(json_array_get(roots, i)));

	uint8_t got[GB_HASH_BYTES];
	gb_merkle_empty_root(got);
	CU_ASSERT_EQUAL(memcmp(got, want[0], GB_HASH_BYTES), 0);
	memset(&ref, 0, sizeof ref);
	gb_merkle_frontier f;
	gb_merkle_frontier_init(&f);
	gb_merkle_frontier_root(&f, got);
	CU_ASSERT_EQUAL(memcmp(got, want[0], GB_HASH_BYTES), 0);
	for (size_t i = 0; i < 8; i++) {
		uint8_t data[16], leaf[GB_HASH_BYTES];
		long len = hex_decode(data, sizeof data,
			json_string_value(json_array_get(leaves, i)));
		CU_ASSERT_FATAL(len >= 0);
		gb_merkle_leaf_hash(leaf, data, (size_t)len);
		CU_ASSERT_EQUAL_FATAL(gb_merkle_frontier_append(&f, leaf, store_write, &ref), 0);
		CU_ASSERT_EQUAL(f.size, i + 1);
		gb_merkle_frontier_root(&f, got);
		CU_ASSERT_EQUAL(memcmp(got, want[i + 1], GB_HASH_BYTES), 0);
	}
	CU_ASSERT_EQUAL(ref.written, gb_merkle_stored_count(8));
	for (uint64_t size = 0; size <= 8; size++) {
		memset(got, 0, sizeof got);
		ref.reads = 0;
		CU_ASSERT_EQUAL(gb_merkle_root(size, store_read, &ref, got), 0);
		CU_ASSERT_EQUAL(memcmp(got, want[size], GB_HASH_BYTES), 0);
		CU_ASSERT_EQUAL(ref.reads, (unsigned long)popcount64(size));
	}
	CU_ASSERT(!ref.bad_index);
	json_decref(j);
}

/* Fixed hashes: SHA-256(""), and leaf/node hashes of the reference tree. */
static void test_hash_functions(void)
{
	uint8_t want[GB_HASH_BYTES], got[GB_HASH_BYTES];
	gb_merkle_empty_root(got);
	hex_hash(want, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	CU_ASSERT_EQUAL(memcmp(got, want, GB_HASH_BYTES), 0);
	/* Leaf 0 of the reference tree is empty: its hash is the size-1 root. */
	gb_merkle_leaf_hash(got, NULL, 0);
	hex_hash(want, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
	CU_ASSERT_EQUAL(memcmp(got, want, GB_HASH_BYTES), 0);
	uint8_t leaf1[GB_HASH_BYTES];
	const uint8_t zero = 0x00;
	gb_merkle_leaf_hash(leaf1, &zero, 1);
	CU_ASSERT_NOT_EQUAL(memcmp(leaf1, got, GB_HASH_BYTES), 0);
	/* node(leaf0, leaf1) is the size-2 root; the output may alias an input. */
	gb_merkle_node_hash(got, got, leaf1);
	hex_hash(want, "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125");
	CU_ASSERT_EQUAL(memcmp(got, want, GB_HASH_BYTES), 0);
}

/* ------------------------------------------------ stored-hash numbering */

static void test_stored_index_go(void)
{
	for (size_t i = 0; i < sizeof go_index_values / sizeof go_index_values[0]; i++) {
		int level = go_index_values[i].level;
		uint64_t n = go_index_values[i].n;
		CU_ASSERT_EQUAL(gb_merkle_stored_index(level, n), go_index_values[i].index);
		CU_ASSERT_EQUAL(go_stored_hash_index(level, n), go_index_values[i].index);
	}
	for (size_t i = 0; i < sizeof go_count_values / sizeof go_count_values[0]; i++) {
		uint64_t size = go_count_values[i].size;
		CU_ASSERT_EQUAL(gb_merkle_stored_count(size), go_count_values[i].count);
		CU_ASSERT_EQUAL(go_stored_hash_count(size), go_count_values[i].count);
	}
	mismatch_count = 0;
	for (int level = 0; level <= 10; level++) {
		for (uint64_t n = 0; n < 1000; n++) {
			uint64_t index = gb_merkle_stored_index(level, n);
			EXPECT(index == go_stored_hash_index(level, n),
				"stored_index(%d, %llu)", level, (unsigned long long)n);
			int back_level;
			uint64_t back_n;
			go_split_stored_hash_index(index, &back_level, &back_n);
			EXPECT(back_level == level && back_n == n,
				"split(%llu)", (unsigned long long)index);
		}
	}
	for (uint64_t size = 0; size <= 5000; size++) {
		EXPECT(gb_merkle_stored_count(size) == go_stored_hash_count(size),
			"stored_count(%llu)", (unsigned long long)size);
	}
	CU_ASSERT_EQUAL(mismatch_count, 0);
}

/*
 * Every stored hash of the 300-leaf store sits at the index Go assigns to its
 * (level, n), holds the MTH of its leaves, and the indexes are exactly
 * 0 .. stored_count - 1 (the writer already insisted they arrive in order).
 */
static void test_store_layout(void)
{
	store_fill();
	mismatch_count = 0;
	static bool seen[STORE_HASHES];
	memset(seen, 0, sizeof seen);
	unsigned long seen_count = 0;
	for (int level = 0; level < 10; level++) {
		for (uint64_t n = 0; ((n + 1) << level) <= STORE_LEAVES; n++) {
			uint64_t index = gb_merkle_stored_index(level, n);
			CU_ASSERT_FATAL(index < mem.written);
			EXPECT(!seen[index], "index %llu used twice", (unsigned long long)index);
			seen[index] = true;
			seen_count++;
			uint8_t want[GB_HASH_BYTES];
			naive_mth(n << level, (n + 1) << level, want);
			EXPECT(memcmp(mem.hash[index], want, GB_HASH_BYTES) == 0,
				"stored hash (%d, %llu)", level, (unsigned long long)n);
		}
	}
	CU_ASSERT_EQUAL(seen_count, mem.written);
	CU_ASSERT_EQUAL(mem.written, 596);
	CU_ASSERT_EQUAL(mismatch_count, 0);
}

/* --------------------------------------------------- roots and frontier */

/* For every size 0..300: naive MTH = gb_merkle_root = frontier root. */
static void test_roots_naive(void)
{
	store_fill();
	mismatch_count = 0;
	for (uint64_t size = 0; size <= STORE_LEAVES; size++) {
		uint8_t want[GB_HASH_BYTES], got[GB_HASH_BYTES], front[GB_HASH_BYTES];
		if (size == 0)
			gb_merkle_empty_root(want);
		else
			naive_mth(0, size, want);
		mem.reads = 0;
		int rc = gb_merkle_root(size, store_read, &mem, got);
		EXPECT(rc == 0, "root(%llu) gives %s", (unsigned long long)size, gb_errname(rc));
		EXPECT(memcmp(got, want, GB_HASH_BYTES) == 0, "root(%llu)", (unsigned long long)size);
		EXPECT(mem.reads == (unsigned long)popcount64(size), "root(%llu) made %lu reads",
			(unsigned long long)size, mem.reads);
		gb_merkle_frontier_root(&frontiers[size], front);
		EXPECT(memcmp(front, want, GB_HASH_BYTES) == 0,
			"frontier root(%llu)", (unsigned long long)size);
		EXPECT(frontiers[size].size == size, "frontier size");
	}
	CU_ASSERT(!mem.bad_index);
	CU_ASSERT_EQUAL(mismatch_count, 0);
	uint8_t out[GB_HASH_BYTES];
	CU_ASSERT_EQUAL(gb_merkle_root(((uint64_t)1 << 63) + 1, store_read, &mem, out), GB_ERANGE);
	CU_ASSERT_EQUAL(gb_merkle_root(UINT64_MAX, store_read, &mem, out), GB_ERANGE);
}

/* Levels whose bit is set in the size carry the frontier; compare those. */
static bool frontier_equal(const gb_merkle_frontier *a, const gb_merkle_frontier *b)
{
	if (a->size != b->size)
		return false;
	for (int level = 0; level < 64; level++) {
		if (((a->size >> level) & 1) != 0 &&
			memcmp(a->hash[level], b->hash[level], GB_HASH_BYTES) != 0)
			return false;
	}
	return true;
}

static void test_frontier_load(void)
{
	store_fill();
	mismatch_count = 0;
	for (uint64_t size = 0; size <= STORE_LEAVES; size++) {
		gb_merkle_frontier g;
		memset(&g, 0xa5, sizeof g);
		mem.reads = 0;
		int rc = gb_merkle_frontier_load(&g, size, store_read, &mem);
		EXPECT(rc == 0, "load(%llu)", (unsigned long long)size);
		EXPECT(frontier_equal(&g, &frontiers[size]), "load(%llu) differs",
			(unsigned long long)size);
		EXPECT(mem.reads == (unsigned long)popcount64(size), "load reads");
		/* Appending to the loaded frontier continues the tree. */
		if (size < STORE_LEAVES) {
			struct store scratch_sink;
			memset(&scratch_sink, 0, sizeof scratch_sink);
			scratch_sink.written = gb_merkle_stored_count(size);
			rc = gb_merkle_frontier_append(&g, leaf_hashes[size], store_write,
				&scratch_sink);
			EXPECT(rc == 0 && frontier_equal(&g, &frontiers[size + 1]),
				"append after load(%llu)", (unsigned long long)size);
		}
	}
	CU_ASSERT_EQUAL(mismatch_count, 0);

	/* A failing read returns its code and leaves the frontier alone. */
	gb_merkle_frontier g = frontiers[5];
	mem.reads = 0;
	mem.fail_read_at = 3;
	mem.fail_code = GB_ELMDB;
	CU_ASSERT_EQUAL(gb_merkle_frontier_load(&g, 7, store_read, &mem), GB_ELMDB);
	CU_ASSERT(frontier_equal(&g, &frontiers[5]));
	mem.fail_read_at = 0;
	CU_ASSERT_EQUAL(gb_merkle_frontier_load(&g, ((uint64_t)1 << 63) + 1,
		store_read, &mem), GB_ERANGE);
	CU_ASSERT(frontier_equal(&g, &frontiers[5]));
	CU_ASSERT(!mem.bad_index);
}

/*
 * A writer failing at its k-th call, for every k an append makes: the append
 * returns the writer's code and the frontier is byte-for-byte unchanged; the
 * retried append then produces the right tree.
 */
static void test_frontier_writer_failure(void)
{
	store_fill();
	static const uint64_t sizes[] = { 0, 1, 2, 3, 6, 7, 15, 31, 255 };
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		uint64_t size = sizes[s];
		int calls = 1 + __builtin_ctzll(~size);
		for (int k = 1; k <= calls; k++) {
			gb_merkle_frontier f = frontiers[size];
			gb_merkle_frontier before = f;
			struct store *sink = calloc(1, sizeof *sink);
			CU_ASSERT_PTR_NOT_NULL_FATAL(sink);
			sink->written = gb_merkle_stored_count(size);
			sink->fail_write_at = (unsigned long)k;
			sink->fail_code = GB_EMAPFULL;
			int rc = gb_merkle_frontier_append(&f, leaf_hashes[size],
				store_write, sink);
			CU_ASSERT_EQUAL(rc, GB_EMAPFULL);
			CU_ASSERT_EQUAL(sink->writes, (unsigned long)k);
			CU_ASSERT_EQUAL(memcmp(&f, &before, sizeof f), 0);
			/* Retry, as after an aborted transaction. */
			sink->written = gb_merkle_stored_count(size);
			sink->fail_write_at = 0;
			sink->writes = 0;
			rc = gb_merkle_frontier_append(&f, leaf_hashes[size], store_write, sink);
			CU_ASSERT_EQUAL(rc, 0);
			CU_ASSERT_EQUAL(sink->writes, (unsigned long)calls);
			CU_ASSERT(frontier_equal(&f, &frontiers[size + 1]));
			CU_ASSERT(!sink->bad_index);
			free(sink);
		}
	}
	/* A full tree refuses another leaf without calling the writer. */
	gb_merkle_frontier full;
	gb_merkle_frontier_init(&full);
	full.size = (uint64_t)1 << 63;
	struct store *sink = calloc(1, sizeof *sink);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sink);
	CU_ASSERT_EQUAL(gb_merkle_frontier_append(&full, leaf_hashes[0], store_write, sink),
		GB_ERANGE);
	CU_ASSERT_EQUAL(sink->writes, 0);
	CU_ASSERT_EQUAL(full.size, (uint64_t)1 << 63);
	free(sink);
}

/* ---------------------------------------------------------------- proofs */

static uint8_t roots[STORE_LEAVES + 1][GB_HASH_BYTES];

static void roots_fill(void)
{
	for (uint64_t size = 0; size <= STORE_LEAVES; size++)
		CU_ASSERT_EQUAL_FATAL(gb_merkle_root(size, store_read, &mem, roots[size]), 0);
}

/* A proof as the verifiers take it, with room to add components. */
struct proof_view {
	gb_bytes b[GB_PROOF_MAX + 2];
	size_t count;
};

static void view_of(struct proof_view *v, uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES],
	size_t count)
{
	for (size_t i = 0; i < count; i++)
		v->b[i] = as_bytes(proof[i]);
	v->count = count;
}

static int incl(uint64_t index, uint64_t size, const uint8_t *leaf,
	const struct proof_view *v, const uint8_t *root)
{
	return gb_merkle_verify_inclusion(index, size, as_bytes(leaf), v->b, v->count,
		as_bytes(root));
}

static int cons(uint64_t size1, uint64_t size2, const uint8_t *root1,
	const uint8_t *root2, const struct proof_view *v)
{
	return gb_merkle_verify_consistency(size1, size2, as_bytes(root1), as_bytes(root2),
		v->b, v->count);
}

static const uint8_t extra_hash[GB_HASH_BYTES] = { 0x42 };

/* Every way of corrupting a proof that must make verification fail. */
static void inclusion_mutations(uint64_t i, uint64_t n, struct proof_view *v)
{
	const uint8_t *leaf = leaf_hashes[i];
	uint8_t flipped[GB_HASH_BYTES];
	for (size_t c = 0; c < v->count; c++) {
		gb_bytes saved = v->b[c];
		memcpy(flipped, saved.ptr, GB_HASH_BYTES);
		flipped[(c * 7 + i) % GB_HASH_BYTES] ^= (uint8_t)(1u << ((c + n) % 8));
		v->b[c] = as_bytes(flipped);
		EXPECT(incl(i, n, leaf, v, roots[n]) == GB_EPROOF, "incl(%llu,%llu) flip %zu",
			(unsigned long long)i, (unsigned long long)n, c);
		saved.len = GB_HASH_BYTES - 1;
		v->b[c] = saved;
		EXPECT(incl(i, n, leaf, v, roots[n]) == GB_EPROOF, "short component");
		saved.len = GB_HASH_BYTES;
		v->b[c] = saved;
	}
	memcpy(flipped, leaf, GB_HASH_BYTES);
	flipped[i % GB_HASH_BYTES] ^= 0x10;
	EXPECT(incl(i, n, flipped, v, roots[n]) == GB_EPROOF, "flipped leaf");
	memcpy(flipped, roots[n], GB_HASH_BYTES);
	flipped[n % GB_HASH_BYTES] ^= 0x01;
	EXPECT(incl(i, n, leaf, v, flipped) == GB_EPROOF, "flipped root");
	/* Neighbouring index in the same tree, neighbouring tree size. */
	EXPECT(incl(i + 1, n, leaf, v, roots[n]) == (i + 1 < n ? GB_EPROOF : GB_ERANGE),
		"incl(%llu,%llu) index+1", (unsigned long long)i, (unsigned long long)n);
	if (i > 0)
		EXPECT(incl(i - 1, n, leaf, v, roots[n]) == GB_EPROOF, "index-1");
	EXPECT(incl(i, n + 1, leaf, v, roots[n + 1]) == GB_EPROOF,
		"incl(%llu,%llu) size+1", (unsigned long long)i, (unsigned long long)n);
	EXPECT(incl(i, n - 1, leaf, v, roots[n - 1]) == (i < n - 1 ? GB_EPROOF : GB_ERANGE),
		"incl(%llu,%llu) size-1", (unsigned long long)i, (unsigned long long)n);
	/* One component fewer or more, at either end. */
	if (v->count > 0) {
		v->count--;
		EXPECT(incl(i, n, leaf, v, roots[n]) == GB_EPROOF, "drop last");
		v->count++;
		struct proof_view tail = *v;
		memmove(tail.b, tail.b + 1, (tail.count - 1) * sizeof tail.b[0]);
		tail.count--;
		EXPECT(incl(i, n, leaf, &tail, roots[n]) == GB_EPROOF, "drop first");
	}
	struct proof_view more = *v;
	more.b[more.count++] = as_bytes(extra_hash);
	EXPECT(incl(i, n, leaf, &more, roots[n]) == GB_EPROOF, "add last");
	/* Even with the root that the extra component would lead to. */
	uint8_t fake_root[GB_HASH_BYTES];
	gb_merkle_node_hash(fake_root, extra_hash, roots[n]);
	EXPECT(incl(i, n, leaf, &more, fake_root) == GB_EPROOF, "add last, fake root");
	gb_merkle_node_hash(fake_root, roots[n], extra_hash);
	EXPECT(incl(i, n, leaf, &more, fake_root) == GB_EPROOF, "add last, fake root");
	more = *v;
	memmove(more.b + 1, more.b, more.count * sizeof more.b[0]);
	more.b[0] = as_bytes(extra_hash);
	more.count++;
	EXPECT(incl(i, n, leaf, &more, roots[n]) == GB_EPROOF, "add first");
}

/*
 * Every inclusion proof in every tree of 1..70 leaves: equal to the RFC's
 * PATH, verified, O(log n) reads, and rejected after each corruption.
 */
static void test_inclusion_exhaustive(void)
{
	store_fill();
	roots_fill();
	mismatch_count = 0;
	unsigned long proofs = 0;
	for (uint64_t n = 1; n <= EXHAUSTIVE_SIZE_MAX; n++) {
		for (uint64_t i = 0; i < n; i++) {
			uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES], want[GB_PROOF_MAX][GB_HASH_BYTES];
			size_t count = 99, want_count = 0;
			mem.reads = 0;
			int rc = gb_merkle_prove_inclusion(i, n, store_read, &mem, proof, &count);
			EXPECT(rc == 0, "prove_inclusion(%llu, %llu)", (unsigned long long)i,
				(unsigned long long)n);
			naive_path(i, 0, n, want, &want_count);
			EXPECT(count == want_count && memcmp(proof, want, count * GB_HASH_BYTES) == 0,
				"PATH(%llu, %llu)", (unsigned long long)i, (unsigned long long)n);
			EXPECT(mem.reads <= count + (unsigned long)popcount64(n), "reads");
			struct proof_view v;
			view_of(&v, proof, count);
			EXPECT(incl(i, n, leaf_hashes[i], &v, roots[n]) == 0, "verify(%llu, %llu)",
				(unsigned long long)i, (unsigned long long)n);
			inclusion_mutations(i, n, &v);
			proofs++;
		}
	}
	CU_ASSERT_EQUAL(proofs, EXHAUSTIVE_SIZE_MAX * (EXHAUSTIVE_SIZE_MAX + 1) / 2);
	CU_ASSERT(!mem.bad_index);
	CU_ASSERT_EQUAL(mismatch_count, 0);
}

static void consistency_mutations(uint64_t m, uint64_t n, struct proof_view *v)
{
	uint8_t flipped[GB_HASH_BYTES];
	for (size_t c = 0; c < v->count; c++) {
		gb_bytes saved = v->b[c];
		memcpy(flipped, saved.ptr, GB_HASH_BYTES);
		flipped[(c * 5 + m) % GB_HASH_BYTES] ^= (uint8_t)(1u << ((c + n) % 8));
		v->b[c] = as_bytes(flipped);
		EXPECT(cons(m, n, roots[m], roots[n], v) == GB_EPROOF,
			"cons(%llu,%llu) flip %zu", (unsigned long long)m, (unsigned long long)n, c);
		saved.len = GB_HASH_BYTES + 1;
		v->b[c] = saved;
		EXPECT(cons(m, n, roots[m], roots[n], v) == GB_EPROOF, "long component");
		saved.len = GB_HASH_BYTES;
		v->b[c] = saved;
	}
	memcpy(flipped, roots[m], GB_HASH_BYTES);
	flipped[m % GB_HASH_BYTES] ^= 0x80;
	EXPECT(cons(m, n, flipped, roots[n], v) == GB_EPROOF, "flipped root1");
	memcpy(flipped, roots[n], GB_HASH_BYTES);
	flipped[n % GB_HASH_BYTES] ^= 0x04;
	EXPECT(cons(m, n, roots[m], flipped, v) == GB_EPROOF, "flipped root2");
	if (m != n)
		EXPECT(cons(m, n, roots[n], roots[m], v) == GB_EPROOF, "swapped roots");
	/* Neighbouring sizes, each with its own true root. */
	EXPECT(cons(m - 1, n, roots[m - 1], roots[n], v) == (m > 1 ? GB_EPROOF : GB_ERANGE),
		"cons(%llu,%llu) size1-1", (unsigned long long)m, (unsigned long long)n);
	EXPECT(cons(m + 1, n, roots[m + 1], roots[n], v) == (m < n ? GB_EPROOF : GB_ERANGE),
		"cons(%llu,%llu) size1+1", (unsigned long long)m, (unsigned long long)n);
	EXPECT(cons(m, n + 1, roots[m], roots[n + 1], v) == GB_EPROOF,
		"cons(%llu,%llu) size2+1", (unsigned long long)m, (unsigned long long)n);
	EXPECT(cons(m, n - 1, roots[m], roots[n - 1], v) == (m < n ? GB_EPROOF : GB_ERANGE),
		"cons(%llu,%llu) size2-1", (unsigned long long)m, (unsigned long long)n);
	if (v->count > 0) {
		v->count--;
		EXPECT(cons(m, n, roots[m], roots[n], v) == GB_EPROOF, "drop last");
		v->count++;
		struct proof_view tail = *v;
		memmove(tail.b, tail.b + 1, (tail.count - 1) * sizeof tail.b[0]);
		tail.count--;
		EXPECT(cons(m, n, roots[m], roots[n], &tail) == GB_EPROOF, "drop first");
	}
	struct proof_view more = *v;
	more.b[more.count++] = as_bytes(extra_hash);
	EXPECT(cons(m, n, roots[m], roots[n], &more) == GB_EPROOF, "add last");
	/* Even with the roots that the extra component would lead to. */
	uint8_t fake1[GB_HASH_BYTES], fake2[GB_HASH_BYTES];
	gb_merkle_node_hash(fake1, extra_hash, roots[m]);
	gb_merkle_node_hash(fake2, extra_hash, roots[n]);
	EXPECT(cons(m, n, roots[m], fake2, &more) == GB_EPROOF, "add last, fake root2");
	EXPECT(cons(m, n, fake1, fake2, &more) == GB_EPROOF, "add last, fake roots");
	more = *v;
	memmove(more.b + 1, more.b, more.count * sizeof more.b[0]);
	more.b[0] = as_bytes(extra_hash);
	more.count++;
	EXPECT(cons(m, n, roots[m], roots[n], &more) == GB_EPROOF, "add first");
}

/*
 * Every consistency proof between trees of 0 < m <= n <= 70 leaves: equal to
 * the RFC's PROOF, verified, O(log n) reads, rejected after each corruption.
 */
static void test_consistency_exhaustive(void)
{
	store_fill();
	roots_fill();
	mismatch_count = 0;
	unsigned long proofs = 0;
	for (uint64_t n = 1; n <= EXHAUSTIVE_SIZE_MAX; n++) {
		for (uint64_t m = 1; m <= n; m++) {
			uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES], want[GB_PROOF_MAX][GB_HASH_BYTES];
			size_t count = 99, want_count = 0;
			mem.reads = 0;
			int rc = gb_merkle_prove_consistency(m, n, store_read, &mem, proof, &count);
			EXPECT(rc == 0, "prove_consistency(%llu, %llu)", (unsigned long long)m,
				(unsigned long long)n);
			naive_subproof(m, 0, n, true, want, &want_count);
			EXPECT(count == want_count && memcmp(proof, want, count * GB_HASH_BYTES) == 0,
				"PROOF(%llu, %llu)", (unsigned long long)m, (unsigned long long)n);
			EXPECT((m == n) == (count == 0), "empty iff equal sizes");
			EXPECT(mem.reads <= count + (unsigned long)(popcount64(m) + popcount64(n)),
				"reads");
			struct proof_view v;
			view_of(&v, proof, count);
			EXPECT(cons(m, n, roots[m], roots[n], &v) == 0, "verify(%llu, %llu)",
				(unsigned long long)m, (unsigned long long)n);
			consistency_mutations(m, n, &v);
			proofs++;
		}
	}
	CU_ASSERT_EQUAL(proofs, EXHAUSTIVE_SIZE_MAX * (EXHAUSTIVE_SIZE_MAX + 1) / 2);
	CU_ASSERT(!mem.bad_index);
	CU_ASSERT_EQUAL(mismatch_count, 0);
}

/* Out-of-range arguments to the provers, and the equal-size proof. */
static void test_prove_ranges(void)
{
	store_fill();
	uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES];
	size_t count = 99;
	uint64_t too_big = ((uint64_t)1 << 63) + 1;
	CU_ASSERT_EQUAL(gb_merkle_prove_inclusion(0, 0, store_read, &mem, proof, &count), GB_ERANGE);
	CU_ASSERT_EQUAL(count, 0);
	CU_ASSERT_EQUAL(gb_merkle_prove_inclusion(5, 5, store_read, &mem, proof, &count), GB_ERANGE);
	CU_ASSERT_EQUAL(gb_merkle_prove_inclusion(UINT64_MAX, 5, store_read, &mem, proof, &count),
		GB_ERANGE);
	CU_ASSERT_EQUAL(gb_merkle_prove_inclusion(0, too_big, store_read, &mem, proof, &count),
		GB_ERANGE);
	CU_ASSERT_EQUAL(gb_merkle_prove_consistency(0, 5, store_read, &mem, proof, &count), GB_ERANGE);
	CU_ASSERT_EQUAL(gb_merkle_prove_consistency(0, 0, store_read, &mem, proof, &count), GB_ERANGE);
	CU_ASSERT_EQUAL(gb_merkle_prove_consistency(6, 5, store_read, &mem, proof, &count), GB_ERANGE);
	CU_ASSERT_EQUAL(gb_merkle_prove_consistency(1, too_big, store_read, &mem, proof, &count),
		GB_ERANGE);
	CU_ASSERT_EQUAL(count, 0);
	count = 99;
	mem.reads = 0;
	CU_ASSERT_EQUAL(gb_merkle_prove_consistency(5, 5, store_read, &mem, proof, &count), 0);
	CU_ASSERT_EQUAL(count, 0);
	CU_ASSERT_EQUAL(mem.reads, 0);
	count = 99;
	CU_ASSERT_EQUAL(gb_merkle_prove_inclusion(0, 1, store_read, &mem, proof, &count), 0);
	CU_ASSERT_EQUAL(count, 0);
	CU_ASSERT_EQUAL(mem.reads, 0);
}

/* A reader failing at its k-th call, for every k: its code comes back. */
static void test_reader_failure(void)
{
	store_fill();
	uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES], out[GB_HASH_BYTES];
	size_t count;
	mem.reads = 0;
	CU_ASSERT_EQUAL_FATAL(gb_merkle_prove_inclusion(5, 71, store_read, &mem, proof, &count), 0);
	unsigned long incl_reads = mem.reads;
	mem.reads = 0;
	CU_ASSERT_EQUAL_FATAL(gb_merkle_prove_consistency(13, 71, store_read, &mem, proof, &count), 0);
	unsigned long cons_reads = mem.reads;
	CU_ASSERT(incl_reads >= 4 && cons_reads >= 4);
	for (unsigned long k = 1; k <= incl_reads; k++) {
		mem.reads = 0;
		mem.fail_read_at = k;
		mem.fail_code = GB_ELMDB;
		count = 99;
		CU_ASSERT_EQUAL(gb_merkle_prove_inclusion(5, 71, store_read, &mem, proof, &count),
			GB_ELMDB);
		CU_ASSERT_EQUAL(count, 0);
		CU_ASSERT_EQUAL(mem.reads, k);
	}
	for (unsigned long k = 1; k <= cons_reads; k++) {
		mem.reads = 0;
		mem.fail_read_at = k;
		mem.fail_code = GB_EIO;
		count = 99;
		CU_ASSERT_EQUAL(gb_merkle_prove_consistency(13, 71, store_read, &mem, proof, &count),
			GB_EIO);
		CU_ASSERT_EQUAL(count, 0);
		CU_ASSERT_EQUAL(mem.reads, k);
	}
	for (unsigned long k = 1; k <= 3; k++) {
		mem.reads = 0;
		mem.fail_read_at = k;
		mem.fail_code = GB_ECORRUPT;
		CU_ASSERT_EQUAL(gb_merkle_root(7, store_read, &mem, out), GB_ECORRUPT);
	}
	mem.fail_read_at = 0;
	CU_ASSERT(!mem.bad_index);
}

/* GB_PROOF_MAX + 1 well-formed (32-byte) components. */
static void many_fill(gb_bytes many[GB_PROOF_MAX + 1])
{
	for (size_t i = 0; i <= GB_PROOF_MAX; i++)
		many[i] = as_bytes(extra_hash);
}

/* Inclusion inputs that are malformed rather than merely wrong. */
static void test_verify_inclusion_malformed(void)
{
	store_fill();
	roots_fill();
	uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES];
	size_t count;
	CU_ASSERT_EQUAL_FATAL(gb_merkle_prove_inclusion(6, 11, store_read, &mem, proof, &count), 0);
	CU_ASSERT_EQUAL_FATAL(count, 4);
	struct proof_view v;
	view_of(&v, proof, count);
	CU_ASSERT_EQUAL(incl(6, 11, leaf_hashes[6], &v, roots[11]), 0);
	gb_bytes null32 = { NULL, GB_HASH_BYTES };
	gb_bytes empty = { leaf_hashes[6], 0 };
	gb_bytes long33 = { leaf_hashes[6], GB_HASH_BYTES + 1 };
	CU_ASSERT_EQUAL(gb_merkle_verify_inclusion(6, 11, null32, v.b, count, as_bytes(roots[11])),
		GB_EPROOF);
	CU_ASSERT_EQUAL(gb_merkle_verify_inclusion(6, 11, empty, v.b, count, as_bytes(roots[11])),
		GB_EPROOF);
	CU_ASSERT_EQUAL(gb_merkle_verify_inclusion(6, 11, as_bytes(leaf_hashes[6]), v.b, count,
		long33), GB_EPROOF);
	CU_ASSERT_EQUAL(gb_merkle_verify_inclusion(6, 11, as_bytes(leaf_hashes[6]), NULL, count,
		as_bytes(roots[11])), GB_EPROOF);
	CU_ASSERT_EQUAL(gb_merkle_verify_inclusion(6, 11, as_bytes(leaf_hashes[6]), v.b, 0,
		as_bytes(roots[11])), GB_EPROOF);
	/* The range check comes first, whatever the rest looks like. */
	CU_ASSERT_EQUAL(gb_merkle_verify_inclusion(11, 11, null32, NULL, 5, empty), GB_ERANGE);
	CU_ASSERT_EQUAL(gb_merkle_verify_inclusion(0, 0, null32, NULL, 0, empty), GB_ERANGE);
	/* More components than any tree needs. */
	gb_bytes many[GB_PROOF_MAX + 1];
	many_fill(many);
	CU_ASSERT_EQUAL(gb_merkle_verify_inclusion(UINT64_MAX - 1, UINT64_MAX,
		as_bytes(extra_hash), many, GB_PROOF_MAX + 1, as_bytes(extra_hash)), GB_EPROOF);
	CU_ASSERT_EQUAL(gb_merkle_verify_inclusion(UINT64_MAX - 1, UINT64_MAX,
		as_bytes(extra_hash), many, GB_PROOF_MAX, as_bytes(extra_hash)), GB_EPROOF);
}

/* Consistency inputs that are malformed, and the empty-tree and equal-size policies. */
static void test_verify_consistency_malformed(void)
{
	store_fill();
	roots_fill();
	uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES];
	size_t count;
	struct proof_view v;
	gb_bytes null32 = { NULL, GB_HASH_BYTES };
	gb_bytes empty = { leaf_hashes[6], 0 };
	gb_bytes long33 = { leaf_hashes[6], GB_HASH_BYTES + 1 };
	gb_bytes many[GB_PROOF_MAX + 1];
	many_fill(many);
	const uint8_t *r5 = roots[5], *r9 = roots[9];
	CU_ASSERT_EQUAL(gb_merkle_verify_consistency(0, 9, as_bytes(roots[0]), as_bytes(r9),
		NULL, 0), GB_ERANGE);
	CU_ASSERT_EQUAL(gb_merkle_verify_consistency(0, 0, as_bytes(roots[0]), as_bytes(roots[0]),
		NULL, 0), GB_ERANGE);
	CU_ASSERT_EQUAL(gb_merkle_verify_consistency(9, 5, as_bytes(r9), as_bytes(r5), NULL, 0),
		GB_ERANGE);
	CU_ASSERT_EQUAL(gb_merkle_verify_consistency(5, 5, as_bytes(r5), as_bytes(r5), NULL, 0), 0);
	CU_ASSERT_EQUAL(gb_merkle_verify_consistency(5, 5, as_bytes(r5), as_bytes(r9), NULL, 0),
		GB_EPROOF);
	CU_ASSERT_EQUAL(gb_merkle_verify_consistency(5, 5, as_bytes(r5), as_bytes(r5), many, 1),
		GB_EPROOF);
	CU_ASSERT_EQUAL(gb_merkle_verify_consistency(5, 5, as_bytes(r5), long33, NULL, 0),
		GB_EPROOF);
	/* Equal sizes compare the roots as byte strings, of any length. */
	static const uint8_t twelve_a[12] = "don't care", twelve_b[12] = "don't care";
	gb_bytes a12 = { twelve_a, 12 }, b12 = { twelve_b, 12 }, b11 = { twelve_b, 11 };
	CU_ASSERT_EQUAL(gb_merkle_verify_consistency(1, 1, a12, b12, NULL, 0), 0);
	CU_ASSERT_EQUAL(gb_merkle_verify_consistency(1, 1, a12, b11, NULL, 0), GB_EPROOF);
	CU_ASSERT_EQUAL(gb_merkle_verify_consistency(1, 1, a12, b12, many, 1), GB_EPROOF);
	CU_ASSERT_EQUAL(gb_merkle_verify_consistency(1, 2, a12, b12, many, 1), GB_EPROOF);
	CU_ASSERT_EQUAL(gb_merkle_verify_consistency(5, 9, as_bytes(r5), as_bytes(r9), NULL, 0),
		GB_EPROOF);
	CU_ASSERT_EQUAL(gb_merkle_verify_consistency(4, 8, as_bytes(roots[4]), as_bytes(roots[8]),
		NULL, 0), GB_EPROOF);
	CU_ASSERT_EQUAL(gb_merkle_prove_consistency(5, 9, store_read, &mem, proof, &count), 0);
	view_of(&v, proof, count);
	CU_ASSERT_EQUAL(cons(5, 9, r5, r9, &v), 0);
	CU_ASSERT_EQUAL(gb_merkle_verify_consistency(5, 9, null32, as_bytes(r9), v.b, count),
		GB_EPROOF);
	CU_ASSERT_EQUAL(gb_merkle_verify_consistency(5, 9, as_bytes(r5), empty, v.b, count),
		GB_EPROOF);
	CU_ASSERT_EQUAL(gb_merkle_verify_consistency(5, 9, as_bytes(r5), as_bytes(r9), NULL, count),
		GB_EPROOF);
	CU_ASSERT_EQUAL(gb_merkle_verify_consistency(1, UINT64_MAX, as_bytes(extra_hash),
		as_bytes(extra_hash), many, GB_PROOF_MAX + 1), GB_EPROOF);
	CU_ASSERT_EQUAL(gb_merkle_verify_consistency(UINT64_MAX - 1, UINT64_MAX,
		as_bytes(extra_hash), as_bytes(extra_hash), many, GB_PROOF_MAX), GB_EPROOF);
}

/* ------------------------------------------------------------ big trees */

/*
 * A tree of up to 2^63 identical leaves is consistent without storing it:
 * every complete subtree at level l has the same hash. The reader finds the
 * level of a stored index with Go's SplitStoredHashIndex.
 */
static uint8_t uniform[64][GB_HASH_BYTES];

static int uniform_read(void *ctx, uint64_t index, uint8_t out[GB_HASH_BYTES])
{
	unsigned long *reads = ctx;
	(*reads)++;
	int level;
	uint64_t n;
	go_split_stored_hash_index(index, &level, &n);
	if (level < 0 || level > 63 || ((n + 1) << level) > ((uint64_t)1 << 63) ||
		((n + 1) << level) == 0)
		return GB_ECORRUPT;
	memcpy(out, uniform[level], GB_HASH_BYTES);
	return 0;
}

/* Length of PATH(m, D[lo:hi]) and of SUBPROOF(m, D[lo:hi], b), per the RFC. */
static size_t naive_path_len(uint64_t m, uint64_t lo, uint64_t hi)
{
	if (hi - lo == 1)
		return 0;
	uint64_t k = rfc_k(hi - lo);
	return 1 + (m < lo + k ? naive_path_len(m, lo, lo + k) : naive_path_len(m, lo + k, hi));
}

static size_t naive_subproof_len(uint64_t m, uint64_t lo, uint64_t hi, bool b)
{
	if (m == hi)
		return b ? 0 : 1;
	uint64_t k = rfc_k(hi - lo);
	return 1 + (m <= lo + k ? naive_subproof_len(m, lo, lo + k, b) :
		naive_subproof_len(m, lo + k, hi, false));
}

static void test_big_trees(void)
{
	const uint8_t leaf_input[1] = { 0x07 };
	gb_merkle_leaf_hash(uniform[0], leaf_input, 1);
	for (int l = 1; l < 64; l++)
		gb_merkle_node_hash(uniform[l], uniform[l - 1], uniform[l - 1]);
	const uint64_t top = (uint64_t)1 << 63;
	uint8_t root[GB_HASH_BYTES], root1[GB_HASH_BYTES];
	unsigned long reads = 0;
	CU_ASSERT_EQUAL(gb_merkle_root(top, uniform_read, &reads, root), 0);
	CU_ASSERT_EQUAL(memcmp(root, uniform[63], GB_HASH_BYTES), 0);

	static const uint64_t incl_cases[][2] = {
		{ 0, (uint64_t)1 << 63 }, { ((uint64_t)1 << 63) - 1, (uint64_t)1 << 63 },
		{ 12345678901ULL, ((uint64_t)1 << 63) - 1 }, { ((uint64_t)1 << 63) - 2, ((uint64_t)1 << 63) - 1 },
		{ (uint64_t)1 << 62, ((uint64_t)1 << 62) + 5 }, { 0, ((uint64_t)1 << 62) + 5 },
	};
	uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES];
	size_t count;
	struct proof_view v;
	for (size_t c = 0; c < sizeof incl_cases / sizeof incl_cases[0]; c++) {
		uint64_t i = incl_cases[c][0], n = incl_cases[c][1];
		CU_ASSERT_EQUAL_FATAL(gb_merkle_root(n, uniform_read, &reads, root), 0);
		CU_ASSERT_EQUAL_FATAL(gb_merkle_prove_inclusion(i, n, uniform_read, &reads, proof,
			&count), 0);
		CU_ASSERT_EQUAL(count, naive_path_len(i, 0, n));
		view_of(&v, proof, count);
		CU_ASSERT_EQUAL(incl(i, n, uniform[0], &v, root), 0);
		v.count--;
		CU_ASSERT_EQUAL(incl(i, n, uniform[0], &v, root), GB_EPROOF);
	}
	CU_ASSERT_EQUAL_FATAL(gb_merkle_prove_inclusion(top - 1, top, uniform_read, &reads, proof,
		&count), 0);
	CU_ASSERT_EQUAL(count, 63);

	static const uint64_t cons_cases[][2] = {
		{ ((uint64_t)1 << 63) - 1, (uint64_t)1 << 63 }, { 1, (uint64_t)1 << 63 },
		{ ((uint64_t)1 << 62) + 5, (uint64_t)1 << 63 }, { 3, ((uint64_t)1 << 63) - 1 },
		{ (uint64_t)1 << 40, ((uint64_t)1 << 62) + 3 }, { 6, 7 },
	};
	for (size_t c = 0; c < sizeof cons_cases / sizeof cons_cases[0]; c++) {
		uint64_t m = cons_cases[c][0], n = cons_cases[c][1];
		CU_ASSERT_EQUAL_FATAL(gb_merkle_root(m, uniform_read, &reads, root1), 0);
		CU_ASSERT_EQUAL_FATAL(gb_merkle_root(n, uniform_read, &reads, root), 0);
		CU_ASSERT_EQUAL_FATAL(gb_merkle_prove_consistency(m, n, uniform_read, &reads, proof,
			&count), 0);
		CU_ASSERT_EQUAL(count, naive_subproof_len(m, 0, n, true));
		view_of(&v, proof, count);
		CU_ASSERT_EQUAL(cons(m, n, root1, root, &v), 0);
		v.count--;
		CU_ASSERT_EQUAL(cons(m, n, root1, root, &v), GB_EPROOF);
	}
	/* The longest proof there is: exactly GB_PROOF_MAX components. */
	CU_ASSERT_EQUAL_FATAL(gb_merkle_prove_consistency(top - 1, top, uniform_read, &reads,
		proof, &count), 0);
	CU_ASSERT_EQUAL(count, GB_PROOF_MAX);
	CU_ASSERT(reads > 0);
}

/* ------------------------------------------------------ worked example */

/*
 * The worked example of spec/PROOFS.md: the reference tree's values that the
 * spec prints. Each is computed here and compared with the constant, and each
 * "key = hex" line must appear in the spec's worked-example block, which must
 * hold no other such line.
 */
static const struct {
	const char *key;
	const char *hex;
} worked[] = {
	{ "leaf_hash(2)", "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7" },
	{ "leaf_hash(3)", "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7" },
	{ "root(2)", "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125" },
	{ "root(3)", "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77" },
	{ "root(4)", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" },
	{ "root(7)", "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c" },
	{ "inclusion(2,3).hashes[0]", "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125" },
	{ "inclusion(2,3).r1", "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77" },
	{ "consistency(3,7).hashes[0]", "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7" },
	{ "consistency(3,7).hashes[1]", "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7" },
	{ "consistency(3,7).hashes[2]", "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125" },
	{ "consistency(3,7).hashes[3]", "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e" },
	{ "consistency(3,7).sr1", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e" },
	{ "consistency(3,7).fr2", "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77" },
	{ "consistency(3,7).sr2", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" },
	{ "consistency(3,7).sr3", "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c" },
};

#define WORKED_COUNT (sizeof worked / sizeof worked[0])

static const char *const reference_inputs[8] = {
	"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
	"606162636465666768696a6b6c6d6e6f",
};

/* Computes the worked example's values, in the order of `worked`. */
static void worked_compute(uint8_t got[WORKED_COUNT][GB_HASH_BYTES])
{
	memset(&ref, 0, sizeof ref);
	gb_merkle_frontier f;
	gb_merkle_frontier_init(&f);
	uint8_t leaf[8][GB_HASH_BYTES];
	for (int i = 0; i < 8; i++) {
		uint8_t data[16];
		long len = hex_decode(data, sizeof data, reference_inputs[i]);
		CU_ASSERT_FATAL(len >= 0);
		gb_merkle_leaf_hash(leaf[i], data, (size_t)len);
		CU_ASSERT_EQUAL_FATAL(gb_merkle_frontier_append(&f, leaf[i], store_write, &ref), 0);
	}
	memcpy(got[0], leaf[2], GB_HASH_BYTES);
	memcpy(got[1], leaf[3], GB_HASH_BYTES);
	static const uint64_t root_sizes[4] = { 2, 3, 4, 7 };
	for (int i = 0; i < 4; i++)
		CU_ASSERT_EQUAL_FATAL(gb_merkle_root(root_sizes[i], store_read, &ref, got[2 + i]), 0);
	uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES];
	size_t count;
	CU_ASSERT_EQUAL_FATAL(gb_merkle_prove_inclusion(2, 3, store_read, &ref, proof, &count), 0);
	CU_ASSERT_EQUAL_FATAL(count, 1);
	memcpy(got[6], proof[0], GB_HASH_BYTES);
	/* fn = sn = 2: r = H(0x01 || p || r), then fn and sn reach 0. */
	gb_merkle_node_hash(got[7], proof[0], leaf[2]);
	CU_ASSERT_EQUAL_FATAL(gb_merkle_prove_consistency(3, 7, store_read, &ref, proof, &count), 0);
	CU_ASSERT_EQUAL_FATAL(count, 4);
	for (int i = 0; i < 4; i++)
		memcpy(got[8 + i], proof[i], GB_HASH_BYTES);
	/* fr = sr = c0; c1: fn=2 sn=6 (fn even, fn != sn): sr = H(sr || c1). */
	gb_merkle_node_hash(got[12], proof[0], proof[1]);
	/* c2: fn=1 sn=3 (fn odd): fr = H(c2 || fr), sr = H(c2 || sr). */
	gb_merkle_node_hash(got[13], proof[2], proof[0]);
	gb_merkle_node_hash(got[14], proof[2], got[12]);
	/* c3: fn=0 sn=1 (fn even, fn != sn): sr = H(sr || c3); then sn = 0. */
	gb_merkle_node_hash(got[15], got[14], proof[3]);
}

static void test_worked_example(void)
{
	uint8_t got[WORKED_COUNT][GB_HASH_BYTES];
	worked_compute(got);
	for (size_t i = 0; i < WORKED_COUNT; i++) {
		uint8_t want[GB_HASH_BYTES];
		hex_hash(want, worked[i].hex);
		CU_ASSERT_EQUAL(memcmp(got[i], want, GB_HASH_BYTES), 0);
	}
	/* The traced values are what the verifiers accept. */
	uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES];
	struct proof_view v;
	memcpy(proof[0], got[6], GB_HASH_BYTES);
	view_of(&v, proof, 1);
	CU_ASSERT_EQUAL(incl(2, 3, got[0], &v, got[3]), 0);
	for (int i = 0; i < 4; i++)
		memcpy(proof[i], got[8 + i], GB_HASH_BYTES);
	view_of(&v, proof, 4);
	CU_ASSERT_EQUAL(cons(3, 7, got[3], got[5], &v), 0);

	char *spec = read_text(SPEC_PATH);
	CU_ASSERT_PTR_NOT_NULL_FATAL(spec);
	/* The inclusion proof as the CLI's JSON, also quoted in the spec. */
	char b64[3][sodium_base64_ENCODED_LEN(GB_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL)];
	sodium_bin2base64(b64[0], sizeof b64[0], got[0], GB_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(b64[1], sizeof b64[1], got[3], GB_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(b64[2], sizeof b64[2], got[6], GB_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL);
	char json[400];
	snprintf(json, sizeof json, "`{\"index\": 2, \"size\": 3, \"leaf_hash\": \"%s\", "
		"\"root\": \"%s\", \"hashes\": [\"%s\"]}`", b64[0], b64[1], b64[2]);
	if (strstr(spec, json) == NULL)
		fprintf(stderr, "\n%s: missing %s\n", SPEC_PATH, json);
	CU_ASSERT_PTR_NOT_NULL(strstr(spec, json));
	char *begin = strstr(spec, "<!-- worked-example:begin -->");
	char *end = begin ? strstr(begin, "<!-- worked-example:end -->") : NULL;
	CU_ASSERT_PTR_NOT_NULL_FATAL(end);
	*end = '\0';
	for (size_t i = 0; i < WORKED_COUNT; i++) {
		char line[160];
		snprintf(line, sizeof line, "\n%s = %s\n", worked[i].key, worked[i].hex);
		if (strstr(begin, line) == NULL)
			fprintf(stderr, "\n%s: missing line%s", SPEC_PATH, line);
		CU_ASSERT_PTR_NOT_NULL(strstr(begin, line));
	}
	size_t lines = 0;
	for (const char *p = begin; (p = strstr(p, " = ")) != NULL && lines < 1000; p += 3)
		lines++;
	CU_ASSERT_EQUAL(lines, WORKED_COUNT);
	free(spec);
}

/*
 * spec/PROOFS.md section 5, "one size, one root": the proof of leaf 0 in the
 * 4-leaf tree also verifies leaf 0 of a 3-leaf tree whose root is the 4-leaf
 * root (its third leaf hash being MTH(2:4)). A verifier must take size and
 * root from one checkpoint; this pins down the documented behaviour.
 */
static void test_size_shapes_path_only(void)
{
	store_fill();
	roots_fill();
	uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES];
	size_t count;
	CU_ASSERT_EQUAL_FATAL(gb_merkle_prove_inclusion(0, 4, store_read, &mem, proof, &count), 0);
	struct proof_view v;
	view_of(&v, proof, count);
	CU_ASSERT_EQUAL(incl(0, 4, leaf_hashes[0], &v, roots[4]), 0);
	CU_ASSERT_EQUAL(incl(0, 3, leaf_hashes[0], &v, roots[4]), 0);
	CU_ASSERT_EQUAL(incl(0, 3, leaf_hashes[0], &v, roots[3]), GB_EPROOF);
}

static void add_tests(CU_pSuite s)
{
	CU_add_test(s, "hash functions", test_hash_functions);
	CU_add_test(s, "reference tree roots 0..8", test_reference_tree);
	CU_add_test(s, "stored index and count vs Go", test_stored_index_go);
	CU_add_test(s, "store layout of 300 leaves", test_store_layout);
	CU_add_test(s, "roots 0..300 vs naive MTH", test_roots_naive);
	CU_add_test(s, "frontier load", test_frontier_load);
	CU_add_test(s, "frontier writer failure", test_frontier_writer_failure);
	CU_add_test(s, "all RFC 6962 vectors", test_vectors);
	CU_add_test(s, "prove out of range", test_prove_ranges);
	CU_add_test(s, "reader failure", test_reader_failure);
	CU_add_test(s, "verify inclusion: malformed input", test_verify_inclusion_malformed);
	CU_add_test(s, "verify consistency: malformed input, policies",
		test_verify_consistency_malformed);
	CU_add_test(s, "inclusion proofs n <= 70", test_inclusion_exhaustive);
	CU_add_test(s, "consistency proofs n <= 70", test_consistency_exhaustive);
	CU_add_test(s, "trees near 2^63 leaves", test_big_trees);
	CU_add_test(s, "size shapes the path only", test_size_shapes_path_only);
	CU_add_test(s, "spec worked example", test_worked_example);
}

GB_CUNIT_MAIN("merkle", add_tests)
