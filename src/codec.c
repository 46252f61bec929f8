/*
 * codec.c: canonical MessagePack (spec/ENTRY.md, "Canonical MessagePack").
 *
 * Writing goes through msgpack-c's packer, whose 4.0 release already picks
 * the shortest form of every integer and header (tests/test_codec.c pins the
 * exact bytes). Reading is our own strict pull reader: it allocates nothing,
 * rejects every non-shortest form, and refuses a declared element count that
 * the remaining bytes could not hold, so a ten-byte input cannot make anyone
 * reserve gigabytes.
 */
#include "gongbao/codec.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include <msgpack.h>

/* ---- writing ---- */

/* The packer's write callback: appends to the gb_mpw buffer or fails. */
static int mpw_append(void *data, const char *buf, size_t len)
{
	gb_mpw *w = data;
	assert(w != NULL);
	assert(w->len <= w->cap);
	if (w->err != 0)
		return -1;
	if (len > w->cap - w->len) {
		w->err = GB_ETOOBIG;
		return -1;
	}
	if (len > 0)
		memcpy(w->buf + w->len, buf, len);
	w->len += len;
	return 0;
}

/* Sets up a packer that writes into w. A packer is two pointers: cheap. */
static void mpw_packer(gb_mpw *w, msgpack_packer *pk)
{
	assert(w != NULL);
	msgpack_packer_init(pk, w, mpw_append);
}

void gb_mpw_init(gb_mpw *w, uint8_t *buf, size_t cap)
{
	assert(w != NULL);
	assert(buf != NULL || cap == 0);
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->err = 0;
}

void gb_mpw_map(gb_mpw *w, uint32_t count)
{
	msgpack_packer pk;
	if (w->err != 0)
		return;
	mpw_packer(w, &pk);
	msgpack_pack_map(&pk, count);
}

void gb_mpw_array(gb_mpw *w, uint32_t count)
{
	msgpack_packer pk;
	if (w->err != 0)
		return;
	mpw_packer(w, &pk);
	msgpack_pack_array(&pk, count);
}

void gb_mpw_str(gb_mpw *w, const void *s, size_t len)
{
	msgpack_packer pk;
	assert(s != NULL || len == 0);
	if (w->err != 0)
		return;
	/* msgpack-c would silently truncate the length to 32 bits. */
	if (len > UINT32_MAX) {
		w->err = GB_ETOOBIG;
		return;
	}
	mpw_packer(w, &pk);
	msgpack_pack_str_with_body(&pk, s, len);
}

void gb_mpw_cstr(gb_mpw *w, const char *s)
{
	assert(s != NULL);
	gb_mpw_str(w, s, strlen(s));
}

void gb_mpw_bin(gb_mpw *w, const void *p, size_t len)
{
	msgpack_packer pk;
	assert(p != NULL || len == 0);
	if (w->err != 0)
		return;
	if (len > UINT32_MAX) {
		w->err = GB_ETOOBIG;
		return;
	}
	mpw_packer(w, &pk);
	msgpack_pack_bin_with_body(&pk, p, len);
}

void gb_mpw_uint(gb_mpw *w, uint64_t v)
{
	msgpack_packer pk;
	if (w->err != 0)
		return;
	mpw_packer(w, &pk);
	msgpack_pack_uint64(&pk, v);
}

/* msgpack_pack_int64 writes non-negative values in the unsigned forms,
 * which is what the canonical rules ask for. */
void gb_mpw_int(gb_mpw *w, int64_t v)
{
	msgpack_packer pk;
	if (w->err != 0)
		return;
	mpw_packer(w, &pk);
	msgpack_pack_int64(&pk, v);
}

void gb_mpw_bool(gb_mpw *w, bool v)
{
	msgpack_packer pk;
	if (w->err != 0)
		return;
	mpw_packer(w, &pk);
	if (v)
		msgpack_pack_true(&pk);
	else
		msgpack_pack_false(&pk);
}

void gb_mpw_nil(gb_mpw *w)
{
	msgpack_packer pk;
	if (w->err != 0)
		return;
	mpw_packer(w, &pk);
	msgpack_pack_nil(&pk);
}

void gb_mpw_raw(gb_mpw *w, const void *p, size_t len)
{
	assert(w != NULL);
	assert(p != NULL || len == 0);
	mpw_append(w, p, len);
}

/* ---- reading ---- */

/* The number of big-endian bytes after type byte t (a length, a count or an
 * integer), 0 for the fix forms and single-byte types. */
static size_t field_bytes(uint8_t t)
{
	switch (t) {
	case 0xc4: case 0xcc: case 0xd0: case 0xd9:
		return 1;
	case 0xc5: case 0xcd: case 0xd1: case 0xda: case 0xdc: case 0xde:
		return 2;
	case 0xc6: case 0xce: case 0xd2: case 0xdb: case 0xdd: case 0xdf:
		return 4;
	case 0xcf: case 0xd3:
		return 8;
	default:
		return 0;
	}
}

/* What an unsupported type byte is, for messages; NULL if supported. */
static const char *unsupported_type(uint8_t t)
{
	if (t == 0xc1)
		return "never used";
	if (t == 0xca || t == 0xcb)
		return "float";
	if ((t >= 0xc7 && t <= 0xc9) || (t >= 0xd4 && t <= 0xd8))
		return "ext";
	return NULL;
}

static uint64_t load_be(const uint8_t *p, size_t n)
{
	uint64_t x = 0;
	assert(n <= 8);
	for (size_t i = 0; i < n; i++)
		x = (x << 8) | p[i];
	return x;
}

/* Sign-extends the low `bits` bits of x, portably. */
static int64_t sign_extend(uint64_t x, unsigned bits)
{
	assert(bits == 8 || bits == 16 || bits == 32 || bits == 64);
	if (bits == 64)
		return x <= (uint64_t)INT64_MAX ? (int64_t)x : -(int64_t)(~x) - 1;
	assert(x < (1ULL << bits));
	if ((x & (1ULL << (bits - 1))) == 0)
		return (int64_t)x;
	return (int64_t)x - (int64_t)(1ULL << bits);
}

/* Decodes an unsigned-integer form; `min` is the least value that needs it. */
static int item_uint(uint8_t t, uint64_t x, uint64_t min, gb_mp_item *it,
	gb_err *err)
{
	if (x < min)
		return gb_err_set(err, GB_ENONCANON,
			"integer %llu in form 0x%02x, not the shortest",
			(unsigned long long)x, t);
	it->type = GB_MP_UINT;
	it->v.u = x;
	return 0;
}

/* Decodes a signed-integer form: canonical only for a negative value below
 * `above`, the least value the next shorter form holds. */
static int item_int(uint8_t t, uint64_t x, unsigned bits, int64_t above,
	gb_mp_item *it, gb_err *err)
{
	int64_t v = sign_extend(x, bits);
	if (v >= 0)
		return gb_err_set(err, GB_ENONCANON,
			"non-negative integer %lld in signed form 0x%02x",
			(long long)v, t);
	if (v >= above)
		return gb_err_set(err, GB_ENONCANON,
			"integer %lld in form 0x%02x, not the shortest",
			(long long)v, t);
	it->type = GB_MP_INT;
	it->v.i = v;
	return 0;
}

/* A str, bin, array or map header: `min` is the least length or count the
 * form may carry. */
static int item_len(uint8_t t, uint64_t x, uint64_t min, enum gb_mp_type type,
	gb_mp_item *it, gb_err *err)
{
	static const char *const names[] = {
		[GB_MP_STR] = "string", [GB_MP_BIN] = "bin",
		[GB_MP_ARRAY] = "array", [GB_MP_MAP] = "map",
	};
	assert(x <= UINT32_MAX);
	if (x < min)
		return gb_err_set(err, GB_ENONCANON,
			"%s of length %llu in form 0x%02x, not the shortest",
			names[type], (unsigned long long)x, t);
	it->type = type;
	if (type == GB_MP_STR || type == GB_MP_BIN) {
		it->v.str.ptr = NULL;
		it->v.str.len = (uint32_t)x;
	} else {
		it->v.count = (uint32_t)x;
	}
	return 0;
}

/* Turns type byte t and its field x into an item, checking the form. */
static int decode_item(uint8_t t, uint64_t x, gb_mp_item *it, gb_err *err)
{
	if (t <= 0x7f)
		return item_uint(t, t, 0, it, err);
	if (t >= 0xe0)
		return item_int(t, t, 8, 0, it, err);
	if (t <= 0x8f)
		return item_len(t, t & 0x0fu, 0, GB_MP_MAP, it, err);
	if (t <= 0x9f)
		return item_len(t, t & 0x0fu, 0, GB_MP_ARRAY, it, err);
	if (t <= 0xbf)
		return item_len(t, t & 0x1fu, 0, GB_MP_STR, it, err);
	switch (t) {
	case 0xc0: it->type = GB_MP_NIL; return 0;
	case 0xc2: it->type = GB_MP_BOOL; it->v.b = false; return 0;
	case 0xc3: it->type = GB_MP_BOOL; it->v.b = true; return 0;
	case 0xc4: return item_len(t, x, 0, GB_MP_BIN, it, err);
	case 0xc5: return item_len(t, x, 1u << 8, GB_MP_BIN, it, err);
	case 0xc6: return item_len(t, x, 1u << 16, GB_MP_BIN, it, err);
	case 0xcc: return item_uint(t, x, 1u << 7, it, err);
	case 0xcd: return item_uint(t, x, 1u << 8, it, err);
	case 0xce: return item_uint(t, x, 1u << 16, it, err);
	case 0xcf: return item_uint(t, x, 1ULL << 32, it, err);
	case 0xd0: return item_int(t, x, 8, -32, it, err);
	case 0xd1: return item_int(t, x, 16, -128, it, err);
	case 0xd2: return item_int(t, x, 32, -32768, it, err);
	case 0xd3: return item_int(t, x, 64, -2147483648LL, it, err);
	case 0xd9: return item_len(t, x, 32, GB_MP_STR, it, err);
	case 0xda: return item_len(t, x, 1u << 8, GB_MP_STR, it, err);
	case 0xdb: return item_len(t, x, 1u << 16, GB_MP_STR, it, err);
	case 0xdc: return item_len(t, x, 16, GB_MP_ARRAY, it, err);
	case 0xdd: return item_len(t, x, 1u << 16, GB_MP_ARRAY, it, err);
	case 0xde: return item_len(t, x, 16, GB_MP_MAP, it, err);
	case 0xdf: return item_len(t, x, 1u << 16, GB_MP_MAP, it, err);
	default: break;
	}
	/* Unsupported bytes are refused by the caller before this point. */
	assert(!"unreachable type byte");
	return gb_err_set(err, GB_EMSGPACK, "type byte 0x%02x not supported", t);
}

void gb_mpr_init(gb_mpr *r, const uint8_t *p, size_t len)
{
	assert(r != NULL);
	assert(p != NULL || len == 0);
	r->p = p;
	r->end = p + len;
}

/* Checks that what follows a header fits the remaining `avail` bytes: a
 * str or bin payload, or the elements of a container (each element takes at
 * least one byte, so a count larger than the bytes left fails at once). */
static int check_payload(const gb_mp_item *it, size_t avail, gb_err *err)
{
	uint64_t need = 0;
	const char *what = NULL;
	switch (it->type) {
	case GB_MP_STR: need = it->v.str.len; what = "string bytes"; break;
	case GB_MP_BIN: need = it->v.str.len; what = "bin bytes"; break;
	case GB_MP_ARRAY: need = it->v.count; what = "array elements"; break;
	case GB_MP_MAP: need = 2 * (uint64_t)it->v.count; what = "map items"; break;
	default: return 0;
	}
	if (need <= avail)
		return 0;
	return gb_err_set(err, GB_EMSGPACK, "truncated: %llu %s declared but "
		"only %zu bytes left", (unsigned long long)need, what, avail);
}

int gb_mpr_next(gb_mpr *r, gb_mp_item *it, gb_err *err)
{
	assert(r != NULL);
	assert(it != NULL);
	assert(r->p <= r->end);
	it->type = GB_MP_NIL;  /* defined even on failure */
	size_t avail = (size_t)(r->end - r->p);
	if (avail == 0)
		return gb_err_set(err, GB_EMSGPACK, "truncated: input ends "
			"where a value should start");
	uint8_t t = r->p[0];
	const char *bad = unsupported_type(t);
	if (bad != NULL)
		return gb_err_set(err, GB_EMSGPACK,
			"type byte 0x%02x (%s) not supported", t, bad);
	size_t fb = field_bytes(t);
	if (fb > avail - 1)
		return gb_err_set(err, GB_EMSGPACK, "truncated: type byte 0x%02x "
			"needs %zu more bytes, %zu left", t, fb, avail - 1);
	int rc = decode_item(t, load_be(r->p + 1, fb), it, err);
	if (rc != 0)
		return rc;
	const uint8_t *next = r->p + 1 + fb;
	rc = check_payload(it, (size_t)(r->end - next), err);
	if (rc != 0)
		return rc;
	if (it->type == GB_MP_STR || it->type == GB_MP_BIN) {
		it->v.str.ptr = next;
		next += it->v.str.len;
	}
	r->p = next;
	return 0;
}

static int clamp_depth(int depth_max)
{
	assert(depth_max >= 0);
	return depth_max > GB_MP_DEPTH_MAX ? GB_MP_DEPTH_MAX : depth_max;
}

/* The number of items inside a container header (pairs count twice). */
static uint64_t item_children(const gb_mp_item *it)
{
	if (it->type == GB_MP_ARRAY)
		return it->v.count;
	if (it->type == GB_MP_MAP)
		return 2 * (uint64_t)it->v.count;
	return 0;
}

int gb_mpr_skip(gb_mpr *r, int depth_max, gb_err *err)
{
	assert(r != NULL);
	assert(r->p <= r->end);
	depth_max = clamp_depth(depth_max);
	uint64_t pending[GB_MP_DEPTH_MAX + 1];
	int depth = 0;
	pending[0] = 1;
	/* Each pass reads one item of at least one byte: bounded by the input. */
	size_t items_max = (size_t)(r->end - r->p) + 1;
	for (size_t n = 0; n < items_max; n++) {
		gb_mp_item it;
		int rc = gb_mpr_next(r, &it, err);
		if (rc != 0)
			return rc;
		pending[depth]--;
		if (it.type == GB_MP_ARRAY || it.type == GB_MP_MAP) {
			if (depth + 1 > depth_max)
				return gb_err_set(err, GB_EDEPTH,
					"nesting deeper than %d levels",
					depth_max);
			if (item_children(&it) > 0)
				pending[++depth] = item_children(&it);
		}
		while (depth > 0 && pending[depth] == 0)
			depth--;
		if (depth == 0 && pending[0] == 0)
			return 0;
	}
	assert(!"gb_mpr_skip read more items than bytes");
	return gb_err_set(err, GB_EMSGPACK, "truncated value");
}

/* ---- the canonical checker ---- */

/* Orders map keys: bytewise on the common prefix, then shorter first. */
static int key_cmp(const uint8_t *a, size_t a_len, const uint8_t *b,
	size_t b_len)
{
	size_t n = a_len < b_len ? a_len : b_len;
	int c = n > 0 ? memcmp(a, b, n) : 0;
	if (c != 0)
		return c;
	return a_len < b_len ? -1 : a_len > b_len ? 1 : 0;
}

/* One open container while checking. Frame 0 stands for the top level. */
struct frame {
	bool is_map;
	uint32_t count;         /* elements, or pairs */
	uint64_t left;          /* items still to read (a pair is two) */
	uint32_t index;         /* the array element being read */
	const uint8_t *key;     /* the map's last key read, or NULL */
	uint32_t key_len;
};

/* Appends `n` bytes of s to buf (capacity cap, used *len) for a message,
 * with anything outside printable ASCII as \xNN. */
static void quote_bytes(char *buf, size_t cap, size_t *len,
	const uint8_t *s, size_t n)
{
	assert(cap > 0);
	assert(*len < cap);
	for (size_t i = 0; i < n && *len + 5 < cap; i++) {
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\'' && s[i] != '\\')
			buf[(*len)++] = (char)s[i];
		else
			*len += (size_t)snprintf(buf + *len, cap - *len,
				"\\x%02x", s[i]);
	}
	buf[*len] = '\0';
}

/* Writes where frames 1..depth are ("participants[2].vkey") into buf. The
 * innermost map's key is left out while a key itself is being read. */
static void frame_path(const struct frame *st, int depth, bool at_key,
	char *buf, size_t cap)
{
	size_t len = 0;
	buf[0] = '\0';
	for (int d = 1; d <= depth && len + 16 < cap; d++) {
		const struct frame *f = &st[d];
		if (!f->is_map) {
			len += (size_t)snprintf(buf + len, cap - len, "[%u]",
				f->index);
			continue;
		}
		if (f->key == NULL || (d == depth && at_key))
			continue;
		if (len > 0)
			buf[len++] = '.';
		quote_bytes(buf, cap, &len, f->key,
			f->key_len > 40 ? 40 : f->key_len);
	}
}

/* Prefixes err with the byte offset and, inside a map, the key path. */
static int located(gb_err *err, int code, size_t offset,
	const struct frame *st, int depth, bool at_key)
{
	char path[160];
	frame_path(st, depth, at_key, path, sizeof path);
	if (path[0] != '\0')
		return gb_err_prefix(err, code, "at byte %zu, key '%s': ",
			offset, path);
	return gb_err_prefix(err, code, "at byte %zu: ", offset);
}

/* Checks a map key: a string, after the previous key of the same map. */
static int check_key(struct frame *f, const gb_mp_item *it, gb_err *err)
{
	char q[96];
	size_t q_len = 0;
	if (it->type != GB_MP_STR)
		return gb_err_set(err, GB_ENONCANON, "map key is not a string");
	int c = f->key != NULL ? key_cmp(f->key, f->key_len, it->v.str.ptr,
		it->v.str.len) : -1;
	if (c >= 0) { /* quoted only for the message: this runs per key */
		quote_bytes(q, sizeof q, &q_len, it->v.str.ptr,
			it->v.str.len > 40 ? 40 : it->v.str.len);
		return gb_err_set(err, GB_ENONCANON, c == 0 ?
			"duplicate map key '%s'" : "map key '%s' out of order", q);
	}
	f->key = it->v.str.ptr;
	f->key_len = it->v.str.len;
	return 0;
}

/* Checks one item against the limits and the allowed types. */
static int check_limits(const gb_mp_item *it, const gb_mp_limits *lim,
	gb_err *err)
{
	switch (it->type) {
	case GB_MP_NIL:
		if (!lim->allow_nil)
			return gb_err_set(err, GB_EMSGPACK, "nil not allowed");
		return 0;
	case GB_MP_BIN:
		if (!lim->allow_bin)
			return gb_err_set(err, GB_EMSGPACK, "bin not allowed");
		/* fall through */
	case GB_MP_STR:
		if (it->v.str.len > lim->str_max)
			return gb_err_set(err, GB_ETOOBIG, "%s of %u bytes over "
				"the limit %u", it->type == GB_MP_STR ? "string"
				: "bin", it->v.str.len, lim->str_max);
		if (it->type == GB_MP_STR &&
			!gb_utf8_valid(it->v.str.ptr, it->v.str.len))
			return gb_err_set(err, GB_EMSGPACK,
				"string is not valid UTF-8");
		return 0;
	case GB_MP_ARRAY:
		if (it->v.count > lim->array_max)
			return gb_err_set(err, GB_ETOOBIG, "array of %u elements "
				"over the limit %u", it->v.count, lim->array_max);
		return 0;
	case GB_MP_MAP:
		if (it->v.count > lim->map_max)
			return gb_err_set(err, GB_ETOOBIG, "map of %u pairs over "
				"the limit %u", it->v.count, lim->map_max);
		return 0;
	default:
		return 0;
	}
}

/* Reads and checks the next item of frame st[*depth], opening a frame for
 * a container. Returns 0 or a located error. */
static int check_one(gb_mpr *r, const uint8_t *start, struct frame *st,
	int *depth, int depth_max, const gb_mp_limits *lim, gb_err *err)
{
	struct frame *f = &st[*depth];
	bool at_key = f->is_map && f->left % 2 == 0;
	size_t offset = (size_t)(r->p - start);
	if (!f->is_map)
		f->index = (uint32_t)(f->count - f->left);
	gb_mp_item it = { .type = GB_MP_NIL };
	int rc = gb_mpr_next(r, &it, err);
	if (rc == 0 && at_key)
		rc = check_key(f, &it, err);
	if (rc == 0)
		rc = check_limits(&it, lim, err);
	bool open = rc == 0 && (it.type == GB_MP_ARRAY || it.type == GB_MP_MAP);
	if (open && *depth + 1 > depth_max)
		rc = gb_err_set(err, GB_EDEPTH, "nesting deeper than %d levels",
			depth_max);
	if (rc != 0)
		return located(err, rc, offset, st, *depth, at_key);
	f->left--;
	if (open && item_children(&it) > 0) {
		struct frame *c = &st[++*depth];
		c->is_map = it.type == GB_MP_MAP;
		c->count = it.v.count;
		c->left = item_children(&it);
		c->index = 0;
		c->key = NULL;
		c->key_len = 0;
	}
	return 0;
}

int gb_mp_check(const uint8_t *p, size_t len, const gb_mp_limits *lim,
	gb_err *err)
{
	assert(p != NULL || len == 0);
	assert(lim != NULL);
	int depth_max = clamp_depth(lim->depth_max);
	struct frame st[GB_MP_DEPTH_MAX + 1];
	int depth = 0;
	st[0] = (struct frame){ .is_map = false, .count = 1, .left = 1 };
	gb_mpr r;
	gb_mpr_init(&r, p, len);
	/* Each pass reads one item of at least one byte: bounded by len. */
	for (size_t n = 0; n <= len; n++) {
		int rc = check_one(&r, p, st, &depth, depth_max, lim, err);
		if (rc != 0)
			return rc;
		while (depth > 0 && st[depth].left == 0)
			depth--;
		if (depth == 0 && st[0].left == 0)
			break;
	}
	assert(depth == 0);
	assert(st[0].left == 0);
	if (r.p != r.end)
		return gb_err_set(err, GB_ETRAILING,
			"at byte %zu: %zu trailing bytes after the value",
			(size_t)(r.p - p), (size_t)(r.end - r.p));
	return 0;
}

int gb_mp_map_get(const uint8_t *p, size_t len, const char *key,
	gb_mp_item *item, const uint8_t **val, size_t *val_len)
{
	assert(p != NULL || len == 0);
	assert(key != NULL);
	gb_mpr r;
	gb_mp_item h;
	gb_mpr_init(&r, p, len);
	if (gb_mpr_next(&r, &h, NULL) != 0 || h.type != GB_MP_MAP)
		return GB_EMSGPACK;
	size_t key_len = strlen(key);
	for (uint32_t i = 0; i < h.v.count; i++) {
		gb_mp_item k;
		int rc = gb_mpr_next(&r, &k, NULL);
		if (rc != 0)
			return rc;
		if (k.type != GB_MP_STR)
			return GB_EMSGPACK;
		int c = key_cmp(k.v.str.ptr, k.v.str.len,
			(const uint8_t *)key, key_len);
		if (c > 0)
			break;  /* keys are sorted: it would have come already */
		const uint8_t *start = r.p;
		if (c == 0 && item != NULL) {
			gb_mpr first = r;
			rc = gb_mpr_next(&first, item, NULL);
			if (rc != 0)
				return rc;
		}
		rc = gb_mpr_skip(&r, GB_MP_DEPTH_MAX, NULL);
		if (rc != 0)
			return rc;
		if (c == 0) {
			if (val != NULL)
				*val = start;
			if (val_len != NULL)
				*val_len = (size_t)(r.p - start);
			return 0;
		}
	}
	return GB_EFIELD;
}

int gb_utf8_valid(const uint8_t *p, size_t len)
{
	assert(p != NULL || len == 0);
	size_t i = 0;
	while (i < len) {  /* i grows by at least one each pass */
		uint8_t c = p[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t more;
		uint32_t cp, min;
		if ((c & 0xe0) == 0xc0) {
			more = 1; cp = c & 0x1fu; min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			more = 2; cp = c & 0x0fu; min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			more = 3; cp = c & 0x07u; min = 0x10000;
		} else {
			return 0;  /* a continuation byte, or 0xf8..0xff */
		}
		if (more > len - i - 1)
			return 0;
		for (size_t k = 1; k <= more; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3fu);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += more + 1;
	}
	return 1;
}
