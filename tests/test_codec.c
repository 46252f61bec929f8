/*
 * test_codec.c: canonical MessagePack writer, strict reader and checker.
 */
#include "gongbao/codec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cu.h"

/* Limits that allow everything, for tests of the form rules alone. */
static const gb_mp_limits any_limits = {
	.depth_max = GB_MP_DEPTH_MAX, .str_max = UINT32_MAX,
	.array_max = UINT32_MAX, .map_max = UINT32_MAX,
	.allow_bin = true, .allow_nil = true,
};

/* Decodes hex (spaces allowed) into out; returns the length. */
static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = 0;
	while (*h != '\0') {
		if (*h == ' ') {
			h++;
			continue;
		}
		unsigned v;
		CU_ASSERT_FATAL(sscanf(h, "%2x", &v) == 1);
		CU_ASSERT_FATAL(n < cap);
		out[n++] = (uint8_t)v;
		h += 2;
	}
	return n;
}

/* Asserts that the writer produced exactly the hex bytes. */
static void assert_bytes(const gb_mpw *w, const char *hex)
{
	uint8_t want[64];
	size_t n = unhex(hex, want, sizeof want);
	CU_ASSERT_EQUAL(w->err, 0);
	CU_ASSERT_EQUAL(w->len, n);
	if (w->len == n)
		CU_ASSERT(memcmp(w->buf, want, n) == 0);
	if (w->len != n || memcmp(w->buf, want, n) != 0)
		fprintf(stderr, "\n  want %s\n", hex);
}

/* Checks hex with any_limits and returns the code. */
static int check_hex(const char *hex, gb_err *err)
{
	static uint8_t buf[1024];
	size_t n = unhex(hex, buf, sizeof buf);
	return gb_mp_check(buf, n, &any_limits, err);
}

static const struct {
	uint64_t v;
	const char *hex;
} uint_cases[] = {
	{ 0, "00" }, { 1, "01" }, { 127, "7f" }, { 128, "cc 80" },
	{ 255, "cc ff" }, { 256, "cd 01 00" }, { 65535, "cd ff ff" },
	{ 65536, "ce 00 01 00 00" }, { 4294967295u, "ce ff ff ff ff" },
	{ 4294967296ull, "cf 00 00 00 01 00 00 00 00" },
	{ 9223372036854775807ull, "cf 7f ff ff ff ff ff ff ff" },
	{ 9223372036854775808ull, "cf 80 00 00 00 00 00 00 00" },
	{ UINT64_MAX, "cf ff ff ff ff ff ff ff ff" },
};

static const struct {
	int64_t v;
	const char *hex;
} int_cases[] = {
	{ 0, "00" }, { 127, "7f" }, { 128, "cc 80" }, { 255, "cc ff" },
	{ 256, "cd 01 00" }, { 65535, "cd ff ff" }, { 65536, "ce 00 01 00 00" },
	{ 4294967295ll, "ce ff ff ff ff" },
	{ 4294967296ll, "cf 00 00 00 01 00 00 00 00" },
	{ INT64_MAX, "cf 7f ff ff ff ff ff ff ff" },
	{ -1, "ff" }, { -32, "e0" }, { -33, "d0 df" }, { -128, "d0 80" },
	{ -129, "d1 ff 7f" }, { -32768, "d1 80 00" },
	{ -32769, "d2 ff ff 7f ff" }, { -2147483648ll, "d2 80 00 00 00" },
	{ -2147483649ll, "d3 ff ff ff ff 7f ff ff ff" },
	{ INT64_MIN, "d3 80 00 00 00 00 00 00 00" },
};

/* Every integer boundary, written through msgpack-c, gives these bytes and
 * reads back as the same value. */
static void test_write_integers(void)
{
	uint8_t buf[16];
	gb_mpw w;
	for (size_t i = 0; i < sizeof uint_cases / sizeof uint_cases[0]; i++) {
		gb_mpw_init(&w, buf, sizeof buf);
		gb_mpw_uint(&w, uint_cases[i].v);
		assert_bytes(&w, uint_cases[i].hex);
		gb_mpr r;
		gb_mp_item it;
		gb_mpr_init(&r, buf, w.len);
		CU_ASSERT_EQUAL(gb_mpr_next(&r, &it, NULL), 0);
		CU_ASSERT_EQUAL(it.type, GB_MP_UINT);
		CU_ASSERT_EQUAL(it.v.u, uint_cases[i].v);
		CU_ASSERT(r.p == r.end);
	}
	for (size_t i = 0; i < sizeof int_cases / sizeof int_cases[0]; i++) {
		gb_mpw_init(&w, buf, sizeof buf);
		gb_mpw_int(&w, int_cases[i].v);
		assert_bytes(&w, int_cases[i].hex);
		gb_mpr r;
		gb_mp_item it;
		gb_mpr_init(&r, buf, w.len);
		CU_ASSERT_EQUAL(gb_mpr_next(&r, &it, NULL), 0);
		if (int_cases[i].v >= 0) {
			CU_ASSERT_EQUAL(it.type, GB_MP_UINT);
			CU_ASSERT_EQUAL(it.v.u, (uint64_t)int_cases[i].v);
		} else {
			CU_ASSERT_EQUAL(it.type, GB_MP_INT);
			CU_ASSERT_EQUAL(it.v.i, int_cases[i].v);
		}
		CU_ASSERT_EQUAL(gb_mp_check(buf, w.len, &any_limits, NULL), 0);
	}
}

static void test_write_scalars(void)
{
	uint8_t buf[16];
	gb_mpw w;
	gb_mpw_init(&w, buf, sizeof buf);
	gb_mpw_nil(&w);
	gb_mpw_bool(&w, false);
	gb_mpw_bool(&w, true);
	gb_mpw_cstr(&w, "");
	gb_mpw_bin(&w, NULL, 0);
	gb_mpw_array(&w, 0);
	gb_mpw_map(&w, 0);
	gb_mpw_raw(&w, "\x01\x02", 2);
	assert_bytes(&w, "c0 c2 c3 a0 c4 00 90 80 01 02");
	gb_mpw_init(&w, buf, sizeof buf);
	gb_mpw_cstr(&w, "abc");
	gb_mpw_bin(&w, "\xff", 1);
	assert_bytes(&w, "a3 61 62 63 c4 01 ff");
}

/* Writes a str (or bin) of len bytes and compares the header. */
static void assert_len_header(int kind, size_t len, const char *hex)
{
	static uint8_t body[70000], out[70016];
	uint8_t want[8];
	size_t n = unhex(hex, want, sizeof want);
	gb_mpw w;
	gb_mpw_init(&w, out, sizeof out);
	if (kind == 's' || kind == 'b')
		memset(body, 'x', len);
	if (kind == 's')
		gb_mpw_str(&w, body, len);
	else if (kind == 'b')
		gb_mpw_bin(&w, body, len);
	else if (kind == 'a')
		gb_mpw_array(&w, (uint32_t)len);
	else
		gb_mpw_map(&w, (uint32_t)len);
	CU_ASSERT_EQUAL(w.err, 0);
	size_t payload = kind == 's' || kind == 'b' ? len : 0;
	CU_ASSERT_EQUAL(w.len, n + payload);
	CU_ASSERT(memcmp(out, want, n) == 0);
	if (kind == 's' || kind == 'b')
		CU_ASSERT_EQUAL(gb_mp_check(out, w.len, &any_limits, NULL), 0);
}

/* str8 for 32..255 bytes, bin8 below 256, the 16-bit forms below 65536:
 * msgpack-c 4.0 does emit the shortest header everywhere. */
static void test_write_headers(void)
{
	assert_len_header('s', 0, "a0");
	assert_len_header('s', 31, "bf");
	assert_len_header('s', 32, "d9 20");
	assert_len_header('s', 255, "d9 ff");
	assert_len_header('s', 256, "da 01 00");
	assert_len_header('s', 65535, "da ff ff");
	assert_len_header('s', 65536, "db 00 01 00 00");
	assert_len_header('b', 0, "c4 00");
	assert_len_header('b', 255, "c4 ff");
	assert_len_header('b', 256, "c5 01 00");
	assert_len_header('b', 65535, "c5 ff ff");
	assert_len_header('b', 65536, "c6 00 01 00 00");
	assert_len_header('a', 0, "90");
	assert_len_header('a', 15, "9f");
	assert_len_header('a', 16, "dc 00 10");
	assert_len_header('a', 65535, "dc ff ff");
	assert_len_header('a', 65536, "dd 00 01 00 00");
	assert_len_header('a', UINT32_MAX, "dd ff ff ff ff");
	assert_len_header('m', 0, "80");
	assert_len_header('m', 15, "8f");
	assert_len_header('m', 16, "de 00 10");
	assert_len_header('m', 65535, "de ff ff");
	assert_len_header('m', 65536, "df 00 01 00 00");
}

/* After the buffer fills, the first error sticks and nothing more is
 * written. */
static void test_write_sticky(void)
{
	uint8_t buf[4];
	gb_mpw w;
	gb_mpw_init(&w, buf, 3);
	gb_mpw_uint(&w, 256);
	CU_ASSERT_EQUAL(w.err, 0);
	CU_ASSERT_EQUAL(w.len, 3);
	gb_mpw_uint(&w, 1);
	CU_ASSERT_EQUAL(w.err, GB_ETOOBIG);
	CU_ASSERT_EQUAL(w.len, 3);
	gb_mpw_nil(&w);
	gb_mpw_cstr(&w, "");
	gb_mpw_raw(&w, "", 0);
	CU_ASSERT_EQUAL(w.err, GB_ETOOBIG);
	CU_ASSERT_EQUAL(w.len, 3);
	/* a string whose header fits but whose body does not */
	gb_mpw_init(&w, buf, 4);
	gb_mpw_cstr(&w, "abcd");
	CU_ASSERT_EQUAL(w.err, GB_ETOOBIG);
	CU_ASSERT(w.len <= 4);
	gb_mpw_init(&w, NULL, 0);
	gb_mpw_bool(&w, true);
	CU_ASSERT_EQUAL(w.err, GB_ETOOBIG);
	CU_ASSERT_EQUAL(w.len, 0);
	/* every writer does nothing once an error is set */
	gb_mpw_init(&w, buf, sizeof buf);
	w.err = GB_ETOOBIG;
	gb_mpw_map(&w, 1);
	gb_mpw_array(&w, 1);
	gb_mpw_str(&w, "a", 1);
	gb_mpw_bin(&w, "a", 1);
	gb_mpw_uint(&w, 1);
	gb_mpw_int(&w, -1);
	gb_mpw_bool(&w, false);
	gb_mpw_nil(&w);
	gb_mpw_raw(&w, "a", 1);
	CU_ASSERT_EQUAL(w.len, 0);
	CU_ASSERT_EQUAL(w.err, GB_ETOOBIG);
	/* lengths beyond 32 bits are refused before any byte is read */
	gb_mpw_init(&w, buf, sizeof buf);
	gb_mpw_str(&w, buf, (size_t)UINT32_MAX + 1);
	CU_ASSERT_EQUAL(w.err, GB_ETOOBIG);
	CU_ASSERT_EQUAL(w.len, 0);
	gb_mpw_init(&w, buf, sizeof buf);
	gb_mpw_bin(&w, buf, (size_t)UINT32_MAX + 1);
	CU_ASSERT_EQUAL(w.err, GB_ETOOBIG);
	CU_ASSERT_EQUAL(w.len, 0);
}

/* Every non-shortest alternative of a value the reader could meet. */
static const char *const noncanon[] = {
	"cc 00", "cc 05", "cc 7f",                  /* fit positive fixint */
	"cd 00 00", "cd 00 ff",                     /* fit uint8 */
	"ce 00 00 00 00", "ce 00 00 ff ff",         /* fit uint16 */
	"cf 00 00 00 00 00 00 00 00", "cf 00 00 00 00 ff ff ff ff",
	"d0 00", "d0 05", "d0 7f",                  /* non-negative, signed */
	"d1 00 05", "d1 7f ff", "d2 00 00 00 05", "d3 00 00 00 00 00 00 00 05",
	"d3 7f ff ff ff ff ff ff ff",
	"d0 f0", "d0 e0", "d0 ff",                  /* fit negative fixint */
	"d1 ff ff", "d1 ff e0", "d1 ff df", "d1 ff 80", /* fit fixint, int8 */
	"d2 ff ff ff ff", "d2 ff ff ff 80", "d2 ff ff 80 00",
	"d3 ff ff ff ff ff ff ff ff", "d3 ff ff ff ff ff ff ff 80",
	"d3 ff ff ff ff ff ff 80 00", "d3 ff ff ff ff 80 00 00 00",
	"d9 00", "d9 01 61",                        /* str8 for < 32 bytes */
	("d9 1f 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61"
	" 61 61 61 61 61 61 61 61 61 61 61"),
	"da 00 00", "da 00 01 61", "da 00 ff",      /* str16 for < 256 */
	"db 00 00 00 00", "db 00 00 ff ff",         /* str32 for < 65536 */
	"c5 00 00", "c5 00 01 00", "c5 00 ff",      /* bin16 for < 256 */
	"c6 00 00 00 00", "c6 00 00 ff ff",         /* bin32 for < 65536 */
	"dc 00 00", "dc 00 01 01", "dc 00 0f",      /* array16 for < 16 */
	"dd 00 00 00 00", "dd 00 00 ff ff",         /* array32 for < 65536 */
	"de 00 00", "de 00 01 a1 61 01", "de 00 0f",/* map16 for < 16 */
	"df 00 00 00 00", "df 00 00 ff ff",         /* map32 for < 65536 */
};

static void test_read_noncanonical(void)
{
	for (size_t i = 0; i < sizeof noncanon / sizeof noncanon[0]; i++) {
		uint8_t buf[64];
		size_t n = unhex(noncanon[i], buf, sizeof buf);
		gb_mpr r;
		gb_mp_item it;
		gb_err err;
		gb_err_clear(&err);
		gb_mpr_init(&r, buf, n);
		int rc = gb_mpr_next(&r, &it, &err);
		CU_ASSERT_EQUAL(rc, GB_ENONCANON);
		CU_ASSERT_EQUAL(err.code, GB_ENONCANON);
		CU_ASSERT(err.msg[0] != '\0');
		CU_ASSERT(r.p == buf);  /* a failed read does not advance */
		CU_ASSERT_EQUAL(gb_mp_check(buf, n, &any_limits, NULL),
			GB_ENONCANON);
		if (rc != GB_ENONCANON)
			fprintf(stderr, "\n  accepted %s\n", noncanon[i]);
	}
	gb_err err;
	CU_ASSERT_EQUAL(check_hex("cc 05", &err), GB_ENONCANON);
	CU_ASSERT_STRING_EQUAL(err.msg,
		"at byte 0: integer 5 in form 0xcc, not the shortest");
	CU_ASSERT_EQUAL(check_hex("d0 05", &err), GB_ENONCANON);
	CU_ASSERT_STRING_EQUAL(err.msg,
		"at byte 0: non-negative integer 5 in signed form 0xd0");
	CU_ASSERT_EQUAL(check_hex("d0 f0", &err), GB_ENONCANON);
	CU_ASSERT_STRING_EQUAL(err.msg,
		"at byte 0: integer -16 in form 0xd0, not the shortest");
}

/* The shortest form of each boundary is accepted (the neighbours of the
 * rejected ones above). */
static void test_read_canonical_edges(void)
{
	static const char *const ok[] = {
		"7f", "cc 80", "cd 01 00", "ce 00 01 00 00",
		"cf 00 00 00 01 00 00 00 00", "e0", "ff", "d0 df", "d0 80",
		"d1 ff 7f", "d1 80 00", "d2 ff ff 7f ff", "d2 80 00 00 00",
		"d3 ff ff ff ff 7f ff ff ff", "d3 80 00 00 00 00 00 00 00",
		"c4 00", "c0", "c2", "c3", "90", "80", "a0",
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		gb_err err;
		CU_ASSERT_EQUAL(check_hex(ok[i], &err), 0);
	}
}

/* Floats, ext and 0xc1 are refused as malformed, with the type named. */
static void test_read_unsupported(void)
{
	static const char *const bad[] = {
		"c1", "ca 00 00 00 00", "cb 00 00 00 00 00 00 00 00",
		"c7 01 00 00", "c8 00 01 00 00", "c9 00 00 00 01 00 00",
		"d4 00 00", "d5 00 00 00", "d6 00 00 00 00 00",
		"d7 00 00 00 00 00 00 00 00 00",
		"d8 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		gb_err err;
		CU_ASSERT_EQUAL(check_hex(bad[i], &err), GB_EMSGPACK);
	}
	gb_err err;
	CU_ASSERT_EQUAL(check_hex("81 a1 61 cb 3f f0 00 00 00 00 00 00", &err),
		GB_EMSGPACK);
	CU_ASSERT_STRING_EQUAL(err.msg,
		"at byte 3, key 'a': type byte 0xcb (float) not supported");
}

/* Every type byte followed by every second byte: whatever the reader
 * accepts, the writer encodes to exactly the bytes read, so the reader
 * accepts only canonical forms. The same for longer forms, sampled. */
static void test_read_accepts_only_canonical(void)
{
	uint8_t in[16], out[32];
	unsigned long accepted = 0;
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	for (unsigned long k = 0; k < 65536 + 2000000; k++) {
		size_t n;
		if (k < 65536) {
			in[0] = (uint8_t)(k >> 8);
			in[1] = (uint8_t)k;
			n = 2;
		} else {
			for (size_t j = 0; j < 9; j++) {
				rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
				in[j] = (uint8_t)rng;
			}
			/* bias towards the multi-byte integer and header forms,
			 * with leading bytes near the boundaries */
			in[0] = (uint8_t)(0xcc + (k % 20));
			if (k % 3 == 0)
				in[1] = in[1] & 1 ? 0x00 : 0xff;
			n = 9;
		}
		gb_mpr r;
		gb_mp_item it;
		gb_mpr_init(&r, in, n);
		if (gb_mpr_next(&r, &it, NULL) != 0)
			continue;
		accepted++;
		gb_mpw w;
		gb_mpw_init(&w, out, sizeof out);
		switch (it.type) {
		case GB_MP_NIL: gb_mpw_nil(&w); break;
		case GB_MP_BOOL: gb_mpw_bool(&w, it.v.b); break;
		case GB_MP_UINT: gb_mpw_uint(&w, it.v.u); break;
		case GB_MP_INT: gb_mpw_int(&w, it.v.i); break;
		case GB_MP_STR: gb_mpw_str(&w, it.v.str.ptr, it.v.str.len); break;
		case GB_MP_BIN: gb_mpw_bin(&w, it.v.str.ptr, it.v.str.len); break;
		case GB_MP_ARRAY: gb_mpw_array(&w, it.v.count); break;
		case GB_MP_MAP: gb_mpw_map(&w, it.v.count); break;
		}
		size_t used = (size_t)(r.p - in);
		CU_ASSERT_EQUAL(w.err, 0);
		if (w.len != used || memcmp(out, in, used) != 0) {
			CU_FAIL("reader accepted a non-canonical form");
			fprintf(stderr, "\n  %02x %02x ...\n", in[0], in[1]);
			break;
		}
	}
	CU_ASSERT(accepted > 30000);
}

static void test_utf8(void)
{
	static const char *const good[] = {
		"", "a", "\x7f", "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80",
		"\xe2\x82\xac", "\xed\x9f\xbf", "\xee\x80\x80", "\xef\xbf\xbf",
		"\xf0\x90\x80\x80", "\xf0\x9d\x84\x9e", "\xf4\x8f\xbf\xbf",
		"\xe4\xb8\xad\xe5\x9b\xbd",
	};
	static const char *const bad[] = {
		"\x80", "\xbf", "\xc0\x80", "\xc1\xbf", "\xe0\x80\x80",
		"\xe0\x9f\xbf", "\xf0\x80\x80\x80", "\xf0\x8f\xbf\xbf",
		"\xed\xa0\x80", "\xed\xbf\xbf", "\xf4\x90\x80\x80",
		"\xf5\x80\x80\x80", "\xf8\x88\x80\x80\x80", "\xff", "\xfe",
		"\xe2\x82", "\xc2", "\xf0\x9d\x84", "a\xc2", "\xc2\x41",
		"\xe2\x28\xa1",
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		CU_ASSERT_EQUAL(gb_utf8_valid((const uint8_t *)good[i],
			strlen(good[i])), 1);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t n = strlen(bad[i]);
		CU_ASSERT_EQUAL(gb_utf8_valid((const uint8_t *)bad[i], n), 0);
		uint8_t buf[16];
		buf[0] = (uint8_t)(0xa0 | n);
		memcpy(buf + 1, bad[i], n);
		CU_ASSERT_EQUAL(gb_mp_check(buf, n + 1, &any_limits, NULL),
			GB_EMSGPACK);
	}
	/* a NUL inside a string is valid UTF-8 */
	CU_ASSERT_EQUAL(gb_utf8_valid((const uint8_t *)"a\0b", 3), 1);
	gb_err err;
	CU_ASSERT_EQUAL(check_hex("82 a1 61 01 a1 62 a2 ed a0", &err),
		GB_EMSGPACK);
	CU_ASSERT_STRING_EQUAL(err.msg,
		"at byte 6, key 'b': string is not valid UTF-8");
}

static void test_map_keys(void)
{
	gb_err err;
	/* sorted, a prefix first, bytes compared unsigned */
	CU_ASSERT_EQUAL(check_hex("83 a1 61 01 a2 61 62 02 a1 62 03", &err), 0);
	CU_ASSERT_EQUAL(check_hex("82 a1 7f 01 a2 c2 80 02", &err), 0);
	CU_ASSERT_EQUAL(check_hex("82 a0 01 a1 00 02", &err), 0);
	/* out of order */
	CU_ASSERT_EQUAL(check_hex("82 a1 62 01 a1 61 02", &err), GB_ENONCANON);
	CU_ASSERT_STRING_EQUAL(err.msg,
		"at byte 4: map key 'a' out of order");
	CU_ASSERT_EQUAL(check_hex("82 a2 61 62 01 a1 61 02", &err),
		GB_ENONCANON);
	CU_ASSERT_EQUAL(check_hex("82 a2 c2 80 01 a1 7f 02", &err),
		GB_ENONCANON);
	CU_ASSERT_EQUAL(check_hex("82 a1 00 01 a0 02", &err), GB_ENONCANON);
	/* duplicates */
	CU_ASSERT_EQUAL(check_hex("82 a1 61 01 a1 61 02", &err), GB_ENONCANON);
	CU_ASSERT_STRING_EQUAL(err.msg, "at byte 4: duplicate map key 'a'");
	CU_ASSERT_EQUAL(check_hex("82 a0 01 a0 02", &err), GB_ENONCANON);
	/* non-string keys */
	CU_ASSERT_EQUAL(check_hex("81 01 02", &err), GB_ENONCANON);
	CU_ASSERT_STRING_EQUAL(err.msg, "at byte 1: map key is not a string");
	CU_ASSERT_EQUAL(check_hex("81 c4 01 61 02", &err), GB_ENONCANON);
	CU_ASSERT_EQUAL(check_hex("81 c0 02", &err), GB_ENONCANON);
	CU_ASSERT_EQUAL(check_hex("81 90 02", &err), GB_ENONCANON);
	CU_ASSERT_EQUAL(check_hex("81 80 02", &err), GB_ENONCANON);
	/* keys are per map: an inner map may reuse an outer key */
	CU_ASSERT_EQUAL(check_hex("82 a1 61 81 a1 61 01 a1 62 81 a1 61 02",
		&err), 0);
	/* nested: the path of keys and indices is named */
	CU_ASSERT_EQUAL(check_hex("81 a1 61 81 a1 62 92 01 cc 05", &err),
		GB_ENONCANON);
	CU_ASSERT_STRING_EQUAL(err.msg, "at byte 8, key 'a.b[1]': integer 5 "
		"in form 0xcc, not the shortest");
	CU_ASSERT_EQUAL(check_hex("81 a1 61 81 a1 62 92 01 82 a1 79 01 a1 78 02",
		&err), GB_ENONCANON);
	CU_ASSERT_STRING_EQUAL(err.msg, "at byte 12, key 'a.b[1]': map key "
		"'x' out of order");
	/* unprintable key bytes are escaped in messages */
	CU_ASSERT_EQUAL(check_hex("81 a2 27 0a cc 01", &err), GB_ENONCANON);
	CU_ASSERT_STRING_EQUAL(err.msg, "at byte 4, key '\\x27\\x0a': integer "
		"1 in form 0xcc, not the shortest");
}

/* Builds `levels` nested arrays ending in an empty one. */
static size_t nested(uint8_t *buf, int levels)
{
	for (int i = 0; i < levels - 1; i++)
		buf[i] = 0x91;
	buf[levels - 1] = 0x90;
	return (size_t)levels;
}

static void test_depth(void)
{
	uint8_t buf[200];
	gb_mp_limits lim = any_limits;
	gb_err err;
	lim.depth_max = 8;
	CU_ASSERT_EQUAL(gb_mp_check(buf, nested(buf, 8), &lim, &err), 0);
	CU_ASSERT_EQUAL(gb_mp_check(buf, nested(buf, 9), &lim, &err), GB_EDEPTH);
	CU_ASSERT_STRING_EQUAL(err.msg,
		"at byte 8, key '[0][0][0][0][0][0][0][0]': nesting deeper "
		"than 8 levels");
	/* maps count as levels too */
	CU_ASSERT_EQUAL(check_hex("81 a1 61 81 a1 62 90", &err), 0);
	lim.depth_max = 2;
	CU_ASSERT_EQUAL(gb_mp_check((const uint8_t *)"\x81\xa1" "a\x81\xa1"
		"b\x90", 7, &lim, &err), GB_EDEPTH);
	CU_ASSERT_STRING_EQUAL(err.msg,
		"at byte 6, key 'a.b': nesting deeper than 2 levels");
	/* depth 0 allows scalars only, even an empty container fails */
	lim.depth_max = 0;
	CU_ASSERT_EQUAL(gb_mp_check((const uint8_t *)"\x01", 1, &lim, &err), 0);
	CU_ASSERT_EQUAL(gb_mp_check((const uint8_t *)"\x90", 1, &lim, &err),
		GB_EDEPTH);
	/* anything above GB_MP_DEPTH_MAX is clamped to it */
	lim.depth_max = 1000;
	CU_ASSERT_EQUAL(gb_mp_check(buf, nested(buf, GB_MP_DEPTH_MAX), &lim,
		&err), 0);
	CU_ASSERT_EQUAL(gb_mp_check(buf, nested(buf, GB_MP_DEPTH_MAX + 1), &lim,
		&err), GB_EDEPTH);
	CU_ASSERT_EQUAL(gb_mp_check(buf, nested(buf, 150), &lim, &err),
		GB_EDEPTH);
	/* gb_mpr_skip applies the same rule */
	gb_mpr r;
	size_t n = nested(buf, 5);
	gb_mpr_init(&r, buf, n);
	CU_ASSERT_EQUAL(gb_mpr_skip(&r, 5, NULL), 0);
	CU_ASSERT(r.p == buf + n);
	gb_mpr_init(&r, buf, n);
	CU_ASSERT_EQUAL(gb_mpr_skip(&r, 4, NULL), GB_EDEPTH);
	gb_mpr_init(&r, buf, nested(buf, 150));
	CU_ASSERT_EQUAL(gb_mpr_skip(&r, 1000, NULL), GB_EDEPTH);
}

/* A declared count or length larger than the bytes left fails at once. */
static void test_count_bombs(void)
{
	static const char *const bombs[] = {
		"dd ff ff ff ff 01 02 03", "df ff ff ff ff 01 02 03",
		"db ff ff ff ff 61 62 63", "c6 ff ff ff ff 01 02 03",
		"dc ff ff 01 02 03", "de ff ff a1 61 01", "9f 01 02",
		"82 a1 61 01 a1 62", "81 a1 61", "c4 05 01", "a5 61",
		"91 dd 00 01 00 00 01",
	};
	for (size_t i = 0; i < sizeof bombs / sizeof bombs[0]; i++) {
		gb_err err;
		CU_ASSERT_EQUAL(check_hex(bombs[i], &err), GB_EMSGPACK);
	}
	gb_err err;
	uint8_t buf[8];
	size_t n = unhex("dd ff ff ff ff 01 02 03", buf, sizeof buf);
	gb_mpr r;
	gb_mp_item it;
	gb_mpr_init(&r, buf, n);
	CU_ASSERT_EQUAL(gb_mpr_next(&r, &it, &err), GB_EMSGPACK);
	CU_ASSERT_STRING_EQUAL(err.msg, "truncated: 4294967295 array elements "
		"declared but only 3 bytes left");
	gb_mpr_init(&r, buf, n);
	CU_ASSERT_EQUAL(gb_mpr_skip(&r, 8, NULL), GB_EMSGPACK);
	/* the map form needs two bytes a pair: 2 pairs in 3 bytes fail */
	n = unhex("82 01 02 03", buf, sizeof buf);
	gb_mpr_init(&r, buf, n);
	CU_ASSERT_EQUAL(gb_mpr_next(&r, &it, NULL), GB_EMSGPACK);
	n = unhex("82 01 02 03 04", buf, sizeof buf);
	gb_mpr_init(&r, buf, n);
	CU_ASSERT_EQUAL(gb_mpr_next(&r, &it, NULL), 0);
	CU_ASSERT_EQUAL(it.type, GB_MP_MAP);
	CU_ASSERT_EQUAL(it.v.count, 2);
}

static void test_trailing(void)
{
	gb_err err;
	CU_ASSERT_EQUAL(check_hex("01 02", &err), GB_ETRAILING);
	CU_ASSERT_STRING_EQUAL(err.msg,
		"at byte 1: 1 trailing bytes after the value");
	CU_ASSERT_EQUAL(check_hex("81 a1 61 01 00 00", &err), GB_ETRAILING);
	CU_ASSERT_EQUAL(check_hex("90 c1", &err), GB_ETRAILING);
	CU_ASSERT_EQUAL(check_hex("", &err), GB_EMSGPACK);
}

/* A value using most forms; every proper prefix of it is truncated. */
static size_t sample_value(uint8_t *buf, size_t cap)
{
	static uint8_t blob[300];
	gb_mpw w;
	gb_mpw_init(&w, buf, cap);
	gb_mpw_map(&w, 5);
	gb_mpw_cstr(&w, "a");
	gb_mpw_array(&w, 4);
	gb_mpw_int(&w, -40000);
	gb_mpw_uint(&w, 1ull << 40);
	gb_mpw_bool(&w, true);
	gb_mpw_nil(&w);
	gb_mpw_cstr(&w, "b");
	gb_mpw_bin(&w, blob, sizeof blob);
	gb_mpw_cstr(&w, "c");
	gb_mpw_cstr(&w, "a string of more than thirty-two bytes");
	gb_mpw_cstr(&w, "d");
	gb_mpw_map(&w, 1);
	gb_mpw_cstr(&w, "\xe4\xb8\xad");
	gb_mpw_int(&w, -5);
	gb_mpw_cstr(&w, "e");
	gb_mpw_array(&w, 0);
	CU_ASSERT_FATAL(w.err == 0);
	return w.len;
}

static void test_truncation(void)
{
	uint8_t buf[512];
	size_t n = sample_value(buf, sizeof buf);
	CU_ASSERT_EQUAL(gb_mp_check(buf, n, &any_limits, NULL), 0);
	gb_mpr r;
	gb_mpr_init(&r, buf, n);
	CU_ASSERT_EQUAL(gb_mpr_skip(&r, 8, NULL), 0);
	CU_ASSERT(r.p == buf + n);
	unsigned failures = 0;
	for (size_t len = 0; len < n; len++) {
		uint8_t *copy = malloc(len ? len : 1);  /* ASan sees overreads */
		CU_ASSERT_FATAL(copy != NULL);
		memcpy(copy, buf, len);
		if (gb_mp_check(copy, len, &any_limits, NULL) != GB_EMSGPACK)
			failures++;
		gb_mpr_init(&r, copy, len);
		if (gb_mpr_skip(&r, 8, NULL) != GB_EMSGPACK)
			failures++;
		free(copy);
	}
	CU_ASSERT_EQUAL(failures, 0);
}

static void test_limits(void)
{
	gb_mp_limits lim = any_limits;
	gb_err err;
	uint8_t buf[64];
	lim.str_max = 3;
	size_t n = unhex("92 a3 61 62 63 a4 61 62 63 64", buf, sizeof buf);
	CU_ASSERT_EQUAL(gb_mp_check(buf, n, &lim, &err), GB_ETOOBIG);
	CU_ASSERT_STRING_EQUAL(err.msg,
		"at byte 5, key '[1]': string of 4 bytes over the limit 3");
	n = unhex("c4 04 00 00 00 00", buf, sizeof buf);
	CU_ASSERT_EQUAL(gb_mp_check(buf, n, &lim, &err), GB_ETOOBIG);
	n = unhex("81 a4 61 62 63 64 01", buf, sizeof buf);
	CU_ASSERT_EQUAL(gb_mp_check(buf, n, &lim, &err), GB_ETOOBIG);
	lim = any_limits;
	lim.array_max = 2;
	n = unhex("92 01 02", buf, sizeof buf);
	CU_ASSERT_EQUAL(gb_mp_check(buf, n, &lim, &err), 0);
	n = unhex("93 01 02 03", buf, sizeof buf);
	CU_ASSERT_EQUAL(gb_mp_check(buf, n, &lim, &err), GB_ETOOBIG);
	CU_ASSERT_STRING_EQUAL(err.msg,
		"at byte 0: array of 3 elements over the limit 2");
	lim = any_limits;
	lim.map_max = 1;
	n = unhex("82 a1 61 01 a1 62 02", buf, sizeof buf);
	CU_ASSERT_EQUAL(gb_mp_check(buf, n, &lim, &err), GB_ETOOBIG);
	lim = any_limits;
	lim.allow_bin = false;
	n = unhex("81 a1 61 c4 00", buf, sizeof buf);
	CU_ASSERT_EQUAL(gb_mp_check(buf, n, &lim, &err), GB_EMSGPACK);
	CU_ASSERT_STRING_EQUAL(err.msg, "at byte 3, key 'a': bin not allowed");
	lim.allow_nil = false;
	n = unhex("91 c0", buf, sizeof buf);
	CU_ASSERT_EQUAL(gb_mp_check(buf, n, &lim, &err), GB_EMSGPACK);
	CU_ASSERT_STRING_EQUAL(err.msg, "at byte 1, key '[0]': nil not allowed");
}

static void test_map_get(void)
{
	uint8_t buf[64];
	size_t n = unhex("84 a1 61 01 a2 61 62 92 01 02 a1 63 a1 78 a1 65 d0 df",
		buf, sizeof buf);
	CU_ASSERT_FATAL(gb_mp_check(buf, n, &any_limits, NULL) == 0);
	gb_mp_item it;
	const uint8_t *v;
	size_t v_len;
	CU_ASSERT_EQUAL(gb_mp_map_get(buf, n, "a", &it, &v, &v_len), 0);
	CU_ASSERT_EQUAL(it.type, GB_MP_UINT);
	CU_ASSERT_EQUAL(it.v.u, 1);
	CU_ASSERT(v == buf + 3);
	CU_ASSERT_EQUAL(v_len, 1);
	CU_ASSERT_EQUAL(gb_mp_map_get(buf, n, "ab", &it, &v, &v_len), 0);
	CU_ASSERT_EQUAL(it.type, GB_MP_ARRAY);
	CU_ASSERT_EQUAL(it.v.count, 2);
	CU_ASSERT(v == buf + 7);
	CU_ASSERT_EQUAL(v_len, 3);
	CU_ASSERT_EQUAL(gb_mp_map_get(buf, n, "c", &it, NULL, NULL), 0);
	CU_ASSERT_EQUAL(it.type, GB_MP_STR);
	CU_ASSERT_EQUAL(it.v.str.len, 1);
	CU_ASSERT_EQUAL(it.v.str.ptr[0], 'x');
	CU_ASSERT_EQUAL(gb_mp_map_get(buf, n, "e", &it, &v, &v_len), 0);
	CU_ASSERT_EQUAL(it.type, GB_MP_INT);
	CU_ASSERT_EQUAL(it.v.i, -33);
	CU_ASSERT_EQUAL(v_len, 2);
	CU_ASSERT_EQUAL(gb_mp_map_get(buf, n, "", &it, &v, &v_len), GB_EFIELD);
	CU_ASSERT_EQUAL(gb_mp_map_get(buf, n, "b", &it, &v, &v_len), GB_EFIELD);
	CU_ASSERT_EQUAL(gb_mp_map_get(buf, n, "d", &it, &v, &v_len), GB_EFIELD);
	CU_ASSERT_EQUAL(gb_mp_map_get(buf, n, "z", &it, &v, &v_len), GB_EFIELD);
	CU_ASSERT_EQUAL(gb_mp_map_get(buf, n, "abc", NULL, NULL, NULL),
		GB_EFIELD);
	CU_ASSERT_EQUAL(gb_mp_map_get(buf, 1, "a", NULL, NULL, NULL),
		GB_EMSGPACK);  /* truncated */
	n = unhex("92 01 02", buf, sizeof buf);
	CU_ASSERT_EQUAL(gb_mp_map_get(buf, n, "a", &it, &v, &v_len),
		GB_EMSGPACK);
	/* malformed maps (never passed by gb_mp_check) fail, not crash */
	n = unhex("81 01 02", buf, sizeof buf);
	CU_ASSERT_EQUAL(gb_mp_map_get(buf, n, "a", &it, &v, &v_len),
		GB_EMSGPACK);
	n = unhex("82 a1 61 cc 01 a1 62 01", buf, sizeof buf);
	CU_ASSERT_EQUAL(gb_mp_map_get(buf, n, "b", &it, &v, &v_len),
		GB_ENONCANON);
	CU_ASSERT_EQUAL(gb_mp_map_get(buf, n, "a", &it, &v, &v_len),
		GB_ENONCANON);
	n = unhex("82 a1 61 01 a1", buf, sizeof buf);
	CU_ASSERT_EQUAL(gb_mp_map_get(buf, n, "b", &it, &v, &v_len),
		GB_EMSGPACK);
	CU_ASSERT_EQUAL(gb_mp_map_get(buf, 0, "a", &it, &v, &v_len),
		GB_EMSGPACK);
}

/* Random integers: written in the length an independent rule predicts,
 * read back equal, accepted by the checker. */
static void test_integers_random(void)
{
	uint64_t rng = 88172645463325252ull;
	unsigned bad = 0;
	for (int k = 0; k < 200000; k++) {
		rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
		uint64_t u = rng >> (rng % 64);
		int64_t i = (k & 1) ? -(int64_t)(u >> 1) - 1 : (int64_t)(u >> 1);
		uint8_t buf[16];
		gb_mpw w;
		gb_mpw_init(&w, buf, sizeof buf);
		gb_mpw_int(&w, i);
		size_t want;
		if (i >= 0)
			want = i < 128 ? 1 : i < 256 ? 2 : i < 65536 ? 3
				: i <= 4294967295ll ? 5 : 9;
		else
			want = i >= -32 ? 1 : i >= -128 ? 2 : i >= -32768 ? 3
				: i >= -2147483648ll ? 5 : 9;
		gb_mpr r;
		gb_mp_item it;
		gb_mpr_init(&r, buf, w.len);
		int rc = gb_mpr_next(&r, &it, NULL);
		int64_t got = it.type == GB_MP_INT ? it.v.i : (int64_t)it.v.u;
		if (w.len != want || rc != 0 || got != i || r.p != r.end)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static void add_tests(CU_pSuite s)
{
	CU_add_test(s, "write integer boundaries", test_write_integers);
	CU_add_test(s, "write scalars", test_write_scalars);
	CU_add_test(s, "write header boundaries", test_write_headers);
	CU_add_test(s, "writer errors are sticky", test_write_sticky);
	CU_add_test(s, "reader rejects non-canonical", test_read_noncanonical);
	CU_add_test(s, "reader accepts shortest edges",
		test_read_canonical_edges);
	CU_add_test(s, "reader rejects float, ext, 0xc1",
		test_read_unsupported);
	CU_add_test(s, "reader accepts only canonical",
		test_read_accepts_only_canonical);
	CU_add_test(s, "utf-8", test_utf8);
	CU_add_test(s, "map keys", test_map_keys);
	CU_add_test(s, "depth", test_depth);
	CU_add_test(s, "count bombs", test_count_bombs);
	CU_add_test(s, "trailing bytes", test_trailing);
	CU_add_test(s, "truncation at every prefix", test_truncation);
	CU_add_test(s, "limits", test_limits);
	CU_add_test(s, "map get", test_map_get);
	CU_add_test(s, "random integers", test_integers_random);
}

GB_CUNIT_MAIN("codec", add_tests)
