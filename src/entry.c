/*
 * entry.c: ledger entries (spec/ENTRY.md): the strict decoder, the
 * signature message, signing and verifying one signature.
 *
 * Decoding is pure and bounded: every pointer in a gb_entry points into the
 * caller's bytes, nothing is allocated, and each step reads at most the
 * entry's GB_ENTRY_MAX bytes a constant number of times.
 */
#include "gongbao/entry.h"

#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

_Static_assert(sizeof GB_ENTRY_SIG_DOMAIN == GB_ENTRY_SIG_DOMAIN_LEN,
	"the domain prefix is 16 characters and its NUL");

const gb_mp_limits gb_body_limits = {
	.depth_max = GB_BODY_DEPTH_MAX,
	.str_max = GB_BODY_STR_MAX,
	.array_max = GB_BODY_ARRAY_MAX,
	.map_max = GB_BODY_MAP_MAX,
	.allow_bin = false,
	.allow_nil = false,
};

/* The envelope is checked for canonical form only; which keys and types it
 * holds is checked field by field afterwards, so that a wrong type or key
 * gets GB_EFIELD rather than a form error. Its size bounds everything. */
static const gb_mp_limits envelope_limits = {
	.depth_max = 3,   /* envelope map, sigs array, one sig map */
	.str_max = GB_ENTRY_MAX,
	.array_max = GB_ENTRY_MAX,
	.map_max = GB_ENTRY_MAX,
	.allow_bin = true,
	.allow_nil = true,
};

/* The largest signature message: the domain prefix and a body. */
#define SIG_MESSAGE_MAX (GB_ENTRY_SIG_DOMAIN_LEN + GB_ENTRY_MAX)

/* Copies up to 48 bytes of s into out as printable ASCII for a message
 * (anything else becomes '?', a longer value ends in "..."). */
static const char *quoted(char out[56], const void *s, size_t len)
{
	const uint8_t *b = s;
	size_t n = len > 48 ? 48 : len;
	assert(s != NULL || len == 0);
	for (size_t i = 0; i < n; i++)
		out[i] = b[i] >= 0x20 && b[i] < 0x7f ? (char)b[i] : '?';
	strcpy(out + n, len > n ? "..." : "");
	return out;
}

int gb_str_eq(gb_str a, const char *s)
{
	assert(s != NULL);
	assert(a.ptr != NULL || a.len == 0);
	size_t n = strlen(s);
	return n == a.len && (n == 0 || memcmp(a.ptr, s, n) == 0);
}

static bool str_same(gb_str a, gb_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* Orders signer names as map keys are ordered: bytewise, then shorter
 * first. */
static int str_cmp(gb_str a, gb_str b)
{
	size_t n = a.len < b.len ? a.len : b.len;
	int c = n > 0 ? memcmp(a.ptr, b.ptr, n) : 0;
	if (c != 0)
		return c;
	return a.len < b.len ? -1 : a.len > b.len;
}

/* The characters of ids, signer names, consortium ids and type names. */
static bool id_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' ||
		c == '/' || c == '-';
}

int gb_id_valid(gb_str s)
{
	if (s.len == 0 || s.len > GB_ID_MAX)
		return 0;
	for (size_t i = 0; i < s.len; i++)
		if (!id_char((uint8_t)s.ptr[i]))
			return 0;
	return 1;
}

/* Checks an id-like string item (non-empty, at most len_max bytes of
 * id_char) and returns it in *out. `what` names it for messages. */
static int check_id(const gb_mp_item *it, const char *what, size_t len_max,
	gb_str *out, gb_err *err)
{
	char q[56];
	assert(it != NULL);
	assert(out != NULL);
	if (it->type != GB_MP_STR)
		return gb_err_set(err, GB_EFIELD, "%s is not a string", what);
	if (it->v.str.len == 0)
		return gb_err_set(err, GB_EFIELD, "%s is empty", what);
	if (it->v.str.len > len_max)
		return gb_err_set(err, GB_ETOOBIG, "%s '%s' is %u bytes, over "
			"the limit %zu", what, quoted(q, it->v.str.ptr,
			it->v.str.len), it->v.str.len, len_max);
	for (uint32_t i = 0; i < it->v.str.len; i++) {
		if (!id_char(it->v.str.ptr[i]))
			return gb_err_set(err, GB_EFIELD, "%s '%s' has byte 0x%02x "
				"at %u, allowed are A-Z a-z 0-9 . _ : / -", what,
				quoted(q, it->v.str.ptr, it->v.str.len),
				it->v.str.ptr[i], i);
	}
	out->ptr = (const char *)it->v.str.ptr;
	out->len = it->v.str.len;
	return 0;
}

/* One expected key of a map with a fixed key set. */
struct field {
	const char *name;
	bool seen;
	gb_mp_item item;            /* the value's first item */
	const uint8_t *val;         /* the whole value */
	size_t val_len;
};

/* Reads, at r, a map (already passed by gb_mp_check) holding exactly the
 * keys f[0..n); fills each field and leaves r after the map. */
static int read_fields(gb_mpr *r, struct field *f, size_t n,
	const char *where, gb_err *err)
{
	char q[56];
	gb_mp_item h;
	assert(n > 0);
	int rc = gb_mpr_next(r, &h, err);
	if (rc != 0)
		return rc;
	if (h.type != GB_MP_MAP)
		return gb_err_set(err, GB_EFIELD, "%s is not a map", where);
	for (uint32_t i = 0; i < h.v.count; i++) {
		gb_mp_item k;
		if ((rc = gb_mpr_next(r, &k, err)) != 0)
			return rc;
		assert(k.type == GB_MP_STR);  /* gb_mp_check saw to it */
		size_t j = 0;
		while (j < n && !(strlen(f[j].name) == k.v.str.len &&
			memcmp(f[j].name, k.v.str.ptr, k.v.str.len) == 0))
			j++;
		if (j == n)
			return gb_err_set(err, GB_EFIELD, "unknown key '%s' in %s",
				quoted(q, k.v.str.ptr, k.v.str.len), where);
		gb_mpr first = *r;
		f[j].val = r->p;
		if ((rc = gb_mpr_next(&first, &f[j].item, err)) != 0 ||
			(rc = gb_mpr_skip(r, GB_MP_DEPTH_MAX, err)) != 0)
			return rc;
		f[j].val_len = (size_t)(r->p - f[j].val);
		f[j].seen = true;
	}
	for (size_t j = 0; j < n; j++) {
		if (!f[j].seen)
			return gb_err_set(err, GB_EFIELD, "missing key '%s' in %s",
				f[j].name, where);
	}
	return 0;
}

/* Rejects an unsigned integer above INT64_MAX anywhere in the body, so that
 * every body maps one-to-one onto JSON (whose integers are int64 here). */
static int check_body_ints(const uint8_t *body, size_t len, gb_err *err)
{
	gb_mpr r;
	gb_mpr_init(&r, body, len);
	/* Each pass reads one item of at least one byte. */
	for (size_t n = 0; n < len && r.p < r.end; n++) {
		const uint8_t *at = r.p;
		gb_mp_item it;
		int rc = gb_mpr_next(&r, &it, err);
		if (rc != 0)
			return rc;
		if (it.type == GB_MP_UINT && it.v.u > (uint64_t)INT64_MAX)
			return gb_err_set(err, GB_ETOOBIG, "body: at byte %zu: "
				"integer %llu over the limit %lld", (size_t)(at - body),
				(unsigned long long)it.v.u, (long long)INT64_MAX);
	}
	assert(r.p == r.end);
	return 0;
}

/* Finds a body field that must be present. */
static int body_field(const gb_entry *e, const char *key, gb_mp_item *it,
	gb_err *err)
{
	int rc = gb_mp_map_get(e->body, e->body_len, key, it, NULL, NULL);
	if (rc == GB_EFIELD)
		return gb_err_set(err, GB_EFIELD, "body field '%s' missing", key);
	if (rc != 0)
		return gb_err_set(err, rc, "body field '%s' unreadable", key);
	return 0;
}

/* Decodes the body's common fields into e. */
static int decode_common(gb_entry *e, gb_err *err)
{
	gb_mp_item it;
	int rc = body_field(e, "v", &it, err);
	if (rc != 0)
		return rc;
	if (it.type != GB_MP_UINT)
		return gb_err_set(err, GB_EFIELD, "body field 'v' is not an "
			"unsigned integer");
	if (it.v.u != GB_ENTRY_VERSION)
		return gb_err_set(err, GB_EVERSION, "unknown format version %llu",
			(unsigned long long)it.v.u);
	e->version = it.v.u;
	static const struct {
		const char *key, *what;
		size_t len_max;
		size_t offset;
	} ids[] = {
		{ "type", "body field 'type'", GB_TYPE_MAX, offsetof(gb_entry, type) },
		{ "consortium", "body field 'consortium'", GB_ID_MAX, offsetof(gb_entry, consortium) },
		{ "signer", "body field 'signer'", GB_ID_MAX, offsetof(gb_entry, signer) },
		{ "id", "body field 'id'", GB_ID_MAX, offsetof(gb_entry, id) },
	};
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		if ((rc = body_field(e, ids[i].key, &it, err)) != 0 ||
			(rc = check_id(&it, ids[i].what, ids[i].len_max,
			(gb_str *)((char *)e + ids[i].offset), err)) != 0)
			return rc;
	}
	if ((rc = body_field(e, "time", &it, err)) != 0)
		return rc;
	if (it.type != GB_MP_UINT)
		return gb_err_set(err, GB_EFIELD, "body field 'time' is not an "
			"unsigned integer");
	e->time = it.v.u;
	return 0;
}

/* Checks the body bytes e->body: canonical within gb_body_limits, a map,
 * integers within int64, and the common fields. */
static int decode_body(gb_entry *e, gb_err *err)
{
	gb_mp_item it;
	gb_mpr r;
	int rc = gb_mp_check(e->body, e->body_len, &gb_body_limits, err);
	if (rc != 0)
		return gb_err_prefix(err, rc, "body: ");
	gb_mpr_init(&r, e->body, e->body_len);
	if ((rc = gb_mpr_next(&r, &it, err)) != 0)
		return rc;
	if (it.type != GB_MP_MAP)
		return gb_err_set(err, GB_EFIELD, "body is not a map");
	if ((rc = check_body_ints(e->body, e->body_len, err)) != 0)
		return rc;
	return decode_common(e, err);
}

/* Decodes signature i from the sigs array reader r into e->sigs[i]. */
static int decode_sig(gb_mpr *r, gb_entry *e, size_t i, gb_err *err)
{
	/* Labels for messages, fixed so that a good entry formats none. */
	static const char *const wheres[] = { "sigs[0]", "sigs[1]", "sigs[2]", "sigs[3]",
		"sigs[4]", "sigs[5]", "sigs[6]", "sigs[7]" };
	static const char *const signers[] = { "sigs[0]: 'signer'", "sigs[1]: 'signer'",
		"sigs[2]: 'signer'", "sigs[3]: 'signer'", "sigs[4]: 'signer'", "sigs[5]: 'signer'",
		"sigs[6]: 'signer'", "sigs[7]: 'signer'" };
	_Static_assert(sizeof wheres / sizeof wheres[0] == GB_ENTRY_SIGS_MAX, "a label per signature");
	_Static_assert(sizeof signers / sizeof signers[0] == GB_ENTRY_SIGS_MAX, "a label per signature");
	char q[56], q2[56];
	struct field f[3] = { { .name = "keyid" }, { .name = "sig" },
		{ .name = "signer" } };
	gb_entry_sig *s = &e->sigs[i];
	assert(i < GB_ENTRY_SIGS_MAX);
	const char *where = wheres[i];
	int rc = read_fields(r, f, 3, where, err);
	if (rc != 0)
		return rc;
	if (f[0].item.type != GB_MP_UINT || f[0].item.v.u > UINT32_MAX)
		return gb_err_set(err, GB_EFIELD, "%s: 'keyid' is not a 32-bit "
			"unsigned integer", where);
	s->keyid = (uint32_t)f[0].item.v.u;
	if (f[1].item.type != GB_MP_BIN || f[1].item.v.str.len != GB_SIG_BYTES)
		return gb_err_set(err, GB_EFIELD, "%s: 'sig' is not bin of %d "
			"bytes", where, GB_SIG_BYTES);
	s->sig = f[1].item.v.str.ptr;
	if ((rc = check_id(&f[2].item, signers[i], GB_ID_MAX, &s->signer, err)) != 0)
		return rc;
	if (i == 0 && !str_same(s->signer, e->signer))
		return gb_err_set(err, GB_EFIELD, "sigs[0]: signer '%s' is not "
			"the body's signer '%s'", quoted(q, s->signer.ptr,
			s->signer.len), quoted(q2, e->signer.ptr,
			e->signer.len));
	for (size_t j = 0; j < i; j++) {
		if (str_same(s->signer, e->sigs[j].signer))
			return gb_err_set(err, GB_EFIELD, "%s: signer '%s' already "
				"signed as sigs[%zu]", where, quoted(q,
				s->signer.ptr, s->signer.len), j);
	}
	/* Co-signatures in one order only, so that the same transaction with
	 * the same signatures is always the same bytes. */
	if (i >= 2 && str_cmp(e->sigs[i - 1].signer, s->signer) > 0)
		return gb_err_set(err, GB_ENONCANON, "%s: co-signer '%s' out of "
			"order, co-signatures are sorted by signer", where,
			quoted(q, s->signer.ptr, s->signer.len));
	return 0;
}

/* Decodes the sigs array (bytes already passed by gb_mp_check). */
static int decode_sigs(const uint8_t *p, size_t len, gb_entry *e,
	gb_err *err)
{
	gb_mpr r;
	gb_mp_item h;
	gb_mpr_init(&r, p, len);
	int rc = gb_mpr_next(&r, &h, err);
	if (rc != 0)
		return rc;
	assert(h.type == GB_MP_ARRAY);
	if (h.v.count == 0)
		return gb_err_set(err, GB_ENOSIG, "entry has no signature");
	if (h.v.count > GB_ENTRY_SIGS_MAX)
		return gb_err_set(err, GB_ETOOBIG, "entry has %u signatures, "
			"over the limit %d", h.v.count, GB_ENTRY_SIGS_MAX);
	for (size_t i = 0; i < h.v.count; i++) {
		if ((rc = decode_sig(&r, e, i, err)) != 0)
			return rc;
	}
	assert(r.p == r.end);
	e->sig_count = h.v.count;
	return 0;
}

int gb_entry_decode(const uint8_t *p, size_t len, gb_entry *e, gb_err *err)
{
	assert(p != NULL || len == 0);
	assert(e != NULL);
	memset(e, 0, sizeof *e);
	if (len > GB_ENTRY_MAX)
		return gb_err_set(err, GB_ETOOBIG, "entry of %zu bytes over the "
			"limit %d", len, GB_ENTRY_MAX);
	int rc = gb_mp_check(p, len, &envelope_limits, err);
	if (rc != 0)
		return gb_err_prefix(err, rc, "entry: ");
	struct field f[2] = { { .name = "body" }, { .name = "sigs" } };
	gb_mpr r;
	gb_mpr_init(&r, p, len);
	if ((rc = read_fields(&r, f, 2, "entry", err)) != 0)
		return rc;
	if (f[0].item.type != GB_MP_BIN)
		return gb_err_set(err, GB_EFIELD, "entry key 'body' is not bin");
	if (f[1].item.type != GB_MP_ARRAY)
		return gb_err_set(err, GB_EFIELD, "entry key 'sigs' is not an "
			"array");
	e->raw = p;
	e->raw_len = len;
	e->body = f[0].item.v.str.ptr;
	e->body_len = f[0].item.v.str.len;
	if ((rc = decode_body(e, err)) != 0 ||
		(rc = decode_sigs(f[1].val, f[1].val_len, e, err)) != 0) {
		memset(e, 0, sizeof *e);
		return rc;
	}
	return 0;
}

size_t gb_entry_sig_message(const uint8_t *body, size_t body_len, uint8_t *msg)
{
	assert(msg != NULL);
	assert(body != NULL || body_len == 0);
	memcpy(msg, GB_ENTRY_SIG_DOMAIN, GB_ENTRY_SIG_DOMAIN_LEN);
	if (body_len > 0)
		memcpy(msg + GB_ENTRY_SIG_DOMAIN_LEN, body, body_len);
	return GB_ENTRY_SIG_DOMAIN_LEN + body_len;
}

int gb_entry_verify_sig(const gb_entry *e, size_t i, const gb_pubkey *key,
	gb_err *err)
{
	char q[56];
	assert(e != NULL);
	assert(key != NULL);
	assert(i < e->sig_count);
	assert(e->body_len <= GB_ENTRY_MAX);
	const gb_entry_sig *s = &e->sigs[i];
	if (!gb_str_eq(s->signer, key->name))
		return gb_err_set(err, GB_EUNKNOWNKEY, "sigs[%zu]: signer '%s' "
			"is not the key's name '%s'", i,
			quoted(q, s->signer.ptr, s->signer.len), key->name);
	if (key->alg != GB_ALG_ED25519 || s->keyid != key->keyid)
		return gb_err_set(err, GB_EUNKNOWNKEY, "sigs[%zu]: key id %08x "
			"is not the id %08x of %s's key", i, (unsigned)s->keyid,
			(unsigned)key->keyid, key->name);
	/* Ed25519 needs the whole message in one piece; 64 KiB of stack. */
	uint8_t msg[SIG_MESSAGE_MAX];
	size_t n = gb_entry_sig_message(e->body, e->body_len, msg);
	if (gb_pubkey_verify(key, msg, n, s->sig) != 0)
		return gb_err_set(err, GB_ESIG, "sigs[%zu]: signature by '%s' "
			"does not verify", i, key->name);
	return 0;
}

/* Writes the envelope for body with one signature per key into w. */
static void write_envelope(gb_mpw *w, const uint8_t *body, size_t body_len,
	const gb_seckey *const *keys, size_t key_count)
{
	uint8_t msg[SIG_MESSAGE_MAX];
	size_t n = gb_entry_sig_message(body, body_len, msg);
	assert(key_count <= GB_ENTRY_SIGS_MAX);
	gb_mpw_map(w, 2);
	gb_mpw_cstr(w, "body");
	gb_mpw_bin(w, body, body_len);
	gb_mpw_cstr(w, "sigs");
	gb_mpw_array(w, (uint32_t)key_count);
	for (size_t i = 0; i < key_count; i++) {
		uint8_t sig[GB_SIG_BYTES];
		gb_seckey_sign(keys[i], msg, n, sig);
		gb_mpw_map(w, 3);
		gb_mpw_cstr(w, "keyid");
		gb_mpw_uint(w, keys[i]->pub.keyid);
		gb_mpw_cstr(w, "sig");
		gb_mpw_bin(w, sig, sizeof sig);
		gb_mpw_cstr(w, "signer");
		gb_mpw_cstr(w, keys[i]->pub.name);
	}
}

int gb_entry_sign(const uint8_t *body, size_t body_len,
	const gb_seckey *const *keys, size_t key_count,
	uint8_t *out, size_t cap, size_t *out_len, gb_err *err)
{
	assert(body != NULL || body_len == 0);
	assert(keys != NULL || key_count == 0);
	assert(out_len != NULL);
	*out_len = 0;
	if (body_len > GB_ENTRY_MAX)
		return gb_err_set(err, GB_ETOOBIG, "body of %zu bytes over the "
			"limit %d", body_len, GB_ENTRY_MAX);
	if (key_count == 0)
		return gb_err_set(err, GB_ENOSIG, "no key to sign with");
	if (key_count > GB_ENTRY_SIGS_MAX)
		return gb_err_set(err, GB_ETOOBIG, "%zu keys, over the limit %d "
			"signatures", key_count, GB_ENTRY_SIGS_MAX);
	for (size_t i = 0; i < key_count; i++) {
		if (keys[i]->pub.alg != GB_ALG_ED25519)
			return gb_err_set(err, GB_EINVAL, "key '%s' is not an "
				"Ed25519 signing key", keys[i]->pub.name);
	}
	int rc = gb_mp_check(body, body_len, &gb_body_limits, err);
	if (rc != 0)
		return gb_err_prefix(err, rc, "body: ");
	/* keys[0] first, the co-signers in their canonical order */
	const gb_seckey *sorted[GB_ENTRY_SIGS_MAX];
	sorted[0] = keys[0];
	for (size_t i = 1; i < key_count; i++) {
		size_t j = i;
		for (; j > 1 && strcmp(sorted[j - 1]->pub.name,
			keys[i]->pub.name) > 0; j--)
			sorted[j] = sorted[j - 1];
		sorted[j] = keys[i];
	}
	gb_mpw w;
	gb_mpw_init(&w, out, cap);
	write_envelope(&w, body, body_len, sorted, key_count);
	if (w.err != 0)
		return gb_err_set(err, GB_ETOOBIG, "signed entry does not fit in "
			"%zu bytes", cap);
	/* Never hand out an entry the decoder would refuse (a bad common
	 * field, keys[0] not the body's signer, a signer twice). */
	gb_entry e;
	if ((rc = gb_entry_decode(out, w.len, &e, err)) != 0)
		return rc;
	*out_len = w.len;
	return 0;
}
