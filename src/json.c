/*
 * json.c: JSON for humans, to and from canonical MessagePack bodies
 * (spec/ENTRY.md, "JSON mapping").
 *
 * JSON to MessagePack sorts object keys bytewise and applies gb_body_limits
 * while writing, so its output always passes gb_mp_check with those limits.
 * MessagePack to JSON first runs gb_mp_check, then converts; the two are
 * exact inverses on bodies.
 */
#include "gongbao/json.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

/* The longest JSON path kept for messages ("$.a[2].b"). */
#define PATH_MAX_BYTES 128

/* A JSON path being built while descending; `len` excludes the NUL. */
struct jpath {
	char buf[PATH_MAX_BYTES];
	size_t len;
};

/* Appends ".key" (printable ASCII only, '?' for the rest) to the path and
 * returns the old length to restore. A path too long ends in "...". */
static size_t path_key(struct jpath *p, const char *key, size_t key_len)
{
	size_t old = p->len;
	assert(p->len < sizeof p->buf);
	if (p->len + 5 >= sizeof p->buf)
		return old;
	p->buf[p->len++] = '.';
	for (size_t i = 0; i < key_len; i++) {
		if (p->len + 4 >= sizeof p->buf) {
			memcpy(p->buf + p->len, "...", 3);
			p->len += 3;
			break;
		}
		unsigned char c = (unsigned char)key[i];
		p->buf[p->len++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	p->buf[p->len] = '\0';
	return old;
}

/* Appends "[i]" to the path and returns the old length to restore. */
static size_t path_index(struct jpath *p, size_t i)
{
	size_t old = p->len;
	int n = snprintf(p->buf + p->len, sizeof p->buf - p->len, "[%zu]", i);
	if (n > 0 && (size_t)n < sizeof p->buf - p->len)
		p->len += (size_t)n;
	else
		p->buf[p->len] = '\0';
	return old;
}

static void path_restore(struct jpath *p, size_t old)
{
	assert(old <= p->len);
	p->len = old;
	p->buf[old] = '\0';
}

/* An object member, for sorting. */
struct member {
	const char *key;
	size_t key_len;
	json_t *val;
};

/* Bytewise on the common prefix, then shorter first, as gb_mp_check wants. */
static int member_cmp(const struct member *a, const struct member *b)
{
	size_t n = a->key_len < b->key_len ? a->key_len : b->key_len;
	int c = n > 0 ? memcmp(a->key, b->key, n) : 0;
	if (c != 0)
		return c;
	return a->key_len < b->key_len ? -1 : a->key_len > b->key_len;
}

static int to_mp(const json_t *v, gb_mpw *w, int depth, struct jpath *path,
	gb_err *err);

/* Collects an object's members sorted by key (at most GB_BODY_MAP_MAX). */
static int sorted_members(const json_t *v, struct member *m, size_t *count,
	struct jpath *path, gb_err *err)
{
	size_t n = 0;
	assert(json_object_size(v) <= GB_BODY_MAP_MAX);
	for (void *it = json_object_iter((json_t *)v); it != NULL && n <
		GB_BODY_MAP_MAX; it = json_object_iter_next((json_t *)v, it)) {
		struct member cur = { json_object_iter_key(it),
			json_object_iter_key_len(it), json_object_iter_value(it) };
		if (cur.key_len > GB_BODY_STR_MAX)
			return gb_err_set(err, GB_EJSON, "%s: key of %zu bytes over "
				"the limit %d", path->buf, cur.key_len,
				GB_BODY_STR_MAX);
		if (!gb_utf8_valid((const uint8_t *)cur.key, cur.key_len))
			return gb_err_set(err, GB_EJSON, "%s: key is not valid "
				"UTF-8", path->buf);
		size_t j = n++;  /* insertion sort: n is at most 64 */
		for (; j > 0 && member_cmp(&m[j - 1], &cur) > 0; j--)
			m[j] = m[j - 1];
		m[j] = cur;
	}
	for (size_t j = 1; j < n; j++)
		assert(member_cmp(&m[j - 1], &m[j]) < 0);
	*count = n;
	return 0;
}

static int object_to_mp(const json_t *v, gb_mpw *w, int depth,
	struct jpath *path, gb_err *err)
{
	struct member m[GB_BODY_MAP_MAX];
	size_t n = json_object_size(v);
	if (n > GB_BODY_MAP_MAX)
		return gb_err_set(err, GB_ETOOBIG, "%s: object of %zu members "
			"over the limit %d", path->buf, n, GB_BODY_MAP_MAX);
	int rc = sorted_members(v, m, &n, path, err);
	if (rc != 0)
		return rc;
	gb_mpw_map(w, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		gb_mpw_str(w, m[i].key, m[i].key_len);
		size_t old = path_key(path, m[i].key, m[i].key_len);
		rc = to_mp(m[i].val, w, depth + 1, path, err);
		path_restore(path, old);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int array_to_mp(const json_t *v, gb_mpw *w, int depth,
	struct jpath *path, gb_err *err)
{
	size_t n = json_array_size(v);
	if (n > GB_BODY_ARRAY_MAX)
		return gb_err_set(err, GB_ETOOBIG, "%s: array of %zu elements "
			"over the limit %d", path->buf, n, GB_BODY_ARRAY_MAX);
	gb_mpw_array(w, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		size_t old = path_index(path, i);
		int rc = to_mp(json_array_get(v, i), w, depth + 1, path, err);
		path_restore(path, old);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int string_to_mp(const json_t *v, gb_mpw *w, struct jpath *path,
	gb_err *err)
{
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	if (n > GB_BODY_STR_MAX)
		return gb_err_set(err, GB_ETOOBIG, "%s: string of %zu bytes over "
			"the limit %d", path->buf, n, GB_BODY_STR_MAX);
	/* jansson checks UTF-8 when parsing, but not json_stringn_nocheck. */
	if (!gb_utf8_valid((const uint8_t *)s, n))
		return gb_err_set(err, GB_EJSON, "%s: string is not valid UTF-8",
			path->buf);
	gb_mpw_str(w, s, n);
	return 0;
}

/* Writes v at nesting `depth` (the containers around it). */
static int to_mp(const json_t *v, gb_mpw *w, int depth, struct jpath *path,
	gb_err *err)
{
	assert(v != NULL);
	assert(depth <= GB_BODY_DEPTH_MAX);
	switch (json_typeof(v)) {
	case JSON_OBJECT:
	case JSON_ARRAY:
		if (depth + 1 > GB_BODY_DEPTH_MAX)
			return gb_err_set(err, GB_EDEPTH, "%s: nesting deeper than "
				"%d levels", path->buf, GB_BODY_DEPTH_MAX);
		if (json_is_object(v))
			return object_to_mp(v, w, depth, path, err);
		return array_to_mp(v, w, depth, path, err);
	case JSON_STRING:
		return string_to_mp(v, w, path, err);
	case JSON_INTEGER:
		gb_mpw_int(w, (int64_t)json_integer_value(v));
		return 0;
	case JSON_TRUE:
	case JSON_FALSE:
		gb_mpw_bool(w, json_is_true(v));
		return 0;
	case JSON_REAL:
		return gb_err_set(err, GB_EJSON, "%s: real number %.17g not "
			"allowed, use an integer (amounts are in fen)", path->buf,
			json_real_value(v));
	case JSON_NULL:
		return gb_err_set(err, GB_EJSON, "%s: null not allowed",
			path->buf);
	}
	return gb_err_set(err, GB_EJSON, "%s: unknown JSON type", path->buf);
}

_Static_assert(sizeof(json_int_t) == sizeof(int64_t),
	"jansson integers must be 64-bit (JSON_INTEGER_IS_LONG_LONG)");

int gb_json_to_mp(const json_t *v, gb_mpw *w, gb_err *err)
{
	assert(v != NULL);
	assert(w != NULL);
	if (w->err != 0)
		return gb_err_set(err, w->err, "output buffer already failed");
	struct jpath path = { .buf = "$", .len = 1 };
	size_t start = w->len;
	int rc = to_mp(v, w, 0, &path, err);
	if (rc != 0)
		return rc;
	if (w->err != 0)
		return gb_err_set(err, GB_ETOOBIG, "value does not fit in the "
			"%zu bytes left", w->cap - start);
	return 0;
}

/* ---- MessagePack to JSON ---- */

/* Limits for gb_mp_to_json: any canonical value, nil and bin included. */
static const gb_mp_limits mp_any_limits = {
	.depth_max = GB_MP_DEPTH_MAX, .str_max = UINT32_MAX,
	.array_max = UINT32_MAX, .map_max = UINT32_MAX,
	.allow_bin = true, .allow_nil = true,
};

/* A base64 (original alphabet, padded) JSON string of the bytes. */
static json_t *base64_string(const uint8_t *p, size_t len)
{
	size_t cap = sodium_base64_ENCODED_LEN(len,
		sodium_base64_VARIANT_ORIGINAL);
	char *b64 = malloc(cap);
	if (b64 == NULL)
		return NULL;
	sodium_bin2base64(b64, cap, p, len, sodium_base64_VARIANT_ORIGINAL);
	json_t *s = json_stringn(b64, cap - 1);
	free(b64);
	return s;
}

static json_t *from_mp(gb_mpr *r);

/* Reads `count` elements (or pairs, for a map) into the container c. */
static json_t *fill_container(gb_mpr *r, json_t *c, bool is_map,
	uint32_t count)
{
	for (uint32_t i = 0; i < count && c != NULL; i++) {
		gb_mp_item k = { .type = GB_MP_NIL };
		if (is_map && (gb_mpr_next(r, &k, NULL) != 0 ||
			k.type != GB_MP_STR)) {
			json_decref(c);
			return NULL;
		}
		json_t *v = from_mp(r);
		int rc = v == NULL ? -1 : is_map
			? json_object_setn_new(c, (const char *)k.v.str.ptr,
				k.v.str.len, v)
			: json_array_append_new(c, v);
		if (rc != 0) {
			json_decref(c);
			c = NULL;
		}
	}
	return c;
}

/* Converts the value at r (already passed by gb_mp_check, so the recursion
 * is at most GB_MP_DEPTH_MAX deep). NULL for an unsigned integer above
 * INT64_MAX, or out of memory. */
static json_t *from_mp(gb_mpr *r)
{
	gb_mp_item it;
	if (gb_mpr_next(r, &it, NULL) != 0)
		return NULL;
	switch (it.type) {
	case GB_MP_NIL:
		return json_null();
	case GB_MP_BOOL:
		return json_boolean(it.v.b);
	case GB_MP_UINT:
		if (it.v.u > (uint64_t)INT64_MAX)
			return NULL;
		return json_integer((json_int_t)it.v.u);
	case GB_MP_INT:
		return json_integer((json_int_t)it.v.i);
	case GB_MP_STR:
		return json_stringn((const char *)it.v.str.ptr, it.v.str.len);
	case GB_MP_BIN:
		return base64_string(it.v.str.ptr, it.v.str.len);
	case GB_MP_ARRAY:
		return fill_container(r, json_array(), false, it.v.count);
	case GB_MP_MAP:
		return fill_container(r, json_object(), true, it.v.count);
	}
	return NULL;
}

json_t *gb_mp_to_json(const uint8_t *p, size_t len)
{
	assert(p != NULL || len == 0);
	if (gb_mp_check(p, len, &mp_any_limits, NULL) != 0)
		return NULL;
	gb_mpr r;
	gb_mpr_init(&r, p, len);
	json_t *v = from_mp(&r);
	assert(v == NULL || r.p == r.end);
	return v;
}

/* {"signer": str, "keyid": 8 hex digits, "sig": base64} */
static json_t *sig_to_json(const gb_entry_sig *s)
{
	char keyid[9];
	snprintf(keyid, sizeof keyid, "%08x", (unsigned)s->keyid);
	json_t *o = json_object();
	if (o == NULL ||
		json_object_set_new(o, "signer",
			json_stringn(s->signer.ptr, s->signer.len)) != 0 ||
		json_object_set_new(o, "keyid", json_string(keyid)) != 0 ||
		json_object_set_new(o, "sig",
			base64_string(s->sig, GB_SIG_BYTES)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *gb_entry_to_json(const gb_entry *e)
{
	assert(e != NULL);
	assert(e->sig_count <= GB_ENTRY_SIGS_MAX);
	json_t *o = json_object();
	json_t *sigs = json_array();
	if (o == NULL || sigs == NULL ||
		json_object_set_new(o, "body",
			gb_mp_to_json(e->body, e->body_len)) != 0) {
		json_decref(o);
		json_decref(sigs);
		return NULL;
	}
	for (size_t i = 0; i < e->sig_count; i++) {
		if (json_array_append_new(sigs, sig_to_json(&e->sigs[i])) != 0) {
			json_decref(o);
			json_decref(sigs);
			return NULL;
		}
	}
	if (json_object_set_new(o, "sigs", sigs) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* A 32-byte hash as a standard base64 JSON string. */
static json_t *hash_json(const uint8_t h[GB_HASH_BYTES])
{
	char buf[sodium_base64_ENCODED_LEN(GB_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL)];
	sodium_bin2base64(buf, sizeof buf, h, GB_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL);
	return json_string(buf);
}

/* Adds the two hashes and the proof's "hashes" to o; o is freed on failure. */
static json_t *proof_finish(json_t *o, const char *k1, const uint8_t *h1, const char *k2,
	const uint8_t *h2, const uint8_t proof[][GB_HASH_BYTES], size_t count)
{
	assert(count <= GB_PROOF_MAX);
	json_t *a = json_array();
	for (size_t i = 0; a != NULL && i < count; i++)
		json_array_append_new(a, hash_json(proof[i]));
	if (o == NULL || a == NULL || json_object_set_new(o, k1, hash_json(h1)) != 0 ||
	    json_object_set_new(o, k2, hash_json(h2)) != 0 || json_object_set_new(o, "hashes", a) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *gb_proof_inclusion_json(uint64_t index, uint64_t size,
	const uint8_t leaf_hash[GB_HASH_BYTES], const uint8_t root[GB_HASH_BYTES],
	const uint8_t proof[][GB_HASH_BYTES], size_t count)
{
	json_t *o = json_pack("{s:I, s:I}", "index", (json_int_t)index, "size", (json_int_t)size);
	return proof_finish(o, "leaf_hash", leaf_hash, "root", root, proof, count);
}

json_t *gb_proof_consistency_json(uint64_t size1, uint64_t size2,
	const uint8_t root1[GB_HASH_BYTES], const uint8_t root2[GB_HASH_BYTES],
	const uint8_t proof[][GB_HASH_BYTES], size_t count)
{
	json_t *o = json_pack("{s:I, s:I}", "size1", (json_int_t)size1, "size2", (json_int_t)size2);
	return proof_finish(o, "root1", root1, "root2", root2, proof, count);
}

char *gb_json_dumps_line(const json_t *v, size_t flags)
{
	assert(v != NULL);
	char *text = json_dumps(v, flags);
	if (text == NULL)
		return NULL;
	size_t len = strlen(text);
	char *buf = realloc(text, len + 2);
	if (buf == NULL) {
		free(text);
		return NULL;
	}
	buf[len] = '\n';
	buf[len + 1] = '\0';
	return buf;
}
