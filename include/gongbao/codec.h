/*
 * gongbao/codec.h: canonical MessagePack.
 *
 * Canonical means one encoding per value, so that the same transaction can
 * never hash two ways (spec/ENTRY.md gives the full rules):
 *   - integers in the shortest form: non-negative values as positive fixint,
 *     uint8, uint16, uint32 or uint64; negative values as negative fixint,
 *     int8, int16, int32 or int64; always the smallest that holds the value;
 *   - str, bin, array and map headers in the shortest form (fixstr, str8,
 *     str16, str32; bin8, bin16, bin32; fixarray, array16, array32; ...);
 *   - strings are valid UTF-8;
 *   - map keys are strings, in strictly increasing bytewise order (a key
 *     that is a prefix of another sorts first), so no key appears twice;
 *   - no floats, no ext types, no trailing bytes.
 *
 * Writing goes through msgpack-c's packer, which already picks the shortest
 * forms; map key order is the writer's caller's duty. Reading uses a strict
 * pull reader of our own (gb_mpr): msgpack-c's unpacker accepts
 * non-canonical input and allocates by the declared element count before
 * reading the elements, which an untrusted 10-byte input could abuse.
 */
#ifndef GONGBAO_CODEC_H
#define GONGBAO_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gongbao/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The deepest nesting any reader function here follows (gb_mpr_skip,
 * gb_mp_check, gb_mp_map_get): a larger depth_max is treated as this, so
 * that the checker's fixed-size stack can never overflow.
 */
#define GB_MP_DEPTH_MAX 64

/* ---- writing ---- */

/*
 * A writer into a caller-owned buffer. Errors are sticky: after the first
 * failure (GB_ETOOBIG when the buffer is full) every call does nothing and
 * `err` keeps the first code. Check w->err once at the end.
 */
typedef struct gb_mpw {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int err;
} gb_mpw;

void gb_mpw_init(gb_mpw *w, uint8_t *buf, size_t cap);
void gb_mpw_map(gb_mpw *w, uint32_t count);
void gb_mpw_array(gb_mpw *w, uint32_t count);
void gb_mpw_str(gb_mpw *w, const void *s, size_t len);
void gb_mpw_cstr(gb_mpw *w, const char *s);
void gb_mpw_bin(gb_mpw *w, const void *p, size_t len);
void gb_mpw_uint(gb_mpw *w, uint64_t v);
void gb_mpw_int(gb_mpw *w, int64_t v);
void gb_mpw_bool(gb_mpw *w, bool v);
void gb_mpw_nil(gb_mpw *w);
/* Copies already-encoded MessagePack bytes verbatim. */
void gb_mpw_raw(gb_mpw *w, const void *p, size_t len);

/* ---- reading ---- */

enum gb_mp_type {
	GB_MP_NIL = 1,
	GB_MP_BOOL,
	GB_MP_UINT,   /* a non-negative integer: .u */
	GB_MP_INT,    /* a negative integer: .i */
	GB_MP_STR,    /* .str points into the input, not NUL-terminated */
	GB_MP_BIN,    /* .str likewise */
	GB_MP_ARRAY,  /* .count elements follow */
	GB_MP_MAP     /* .count key/value pairs follow */
};

/* One item: a scalar, or the header of a container. */
typedef struct gb_mp_item {
	enum gb_mp_type type;
	union {
		bool b;
		uint64_t u;
		int64_t i;
		struct {
			const uint8_t *ptr;
			uint32_t len;
		} str;
		uint32_t count;
	} v;
} gb_mp_item;

/* A strict pull reader over input bytes [p, end). */
typedef struct gb_mpr {
	const uint8_t *p;
	const uint8_t *end;
} gb_mpr;

void gb_mpr_init(gb_mpr *r, const uint8_t *p, size_t len);

/*
 * Reads the next item. Returns 0; GB_EMSGPACK for truncated input or an
 * unsupported type byte (floats, ext, 0xc1); GB_ENONCANON for a value not in
 * its shortest form. Does not check UTF-8 or key order (gb_mp_check does).
 */
int gb_mpr_next(gb_mpr *r, gb_mp_item *item, gb_err *err);

/*
 * Skips one complete value (a container with everything in it), with at most
 * `depth_max` levels of nesting. Returns 0 or the code of the first problem.
 */
int gb_mpr_skip(gb_mpr *r, int depth_max, gb_err *err);

/* Limits for gb_mp_check. */
typedef struct gb_mp_limits {
	int depth_max;          /* containers nested deeper than this fail */
	uint32_t str_max;       /* longest str or bin, in bytes */
	uint32_t array_max;     /* most elements in one array */
	uint32_t map_max;       /* most pairs in one map */
	bool allow_bin;         /* bin values allowed (the envelope), or not (bodies) */
	bool allow_nil;         /* nil allowed */
} gb_mp_limits;

/*
 * Checks that [p, p+len) holds exactly one canonical value within `lim`:
 * shortest forms, valid UTF-8 strings, string map keys in strictly
 * increasing order, allowed types only, no trailing bytes. Returns 0 or the
 * first problem's code (GB_EMSGPACK, GB_ENONCANON, GB_ETOOBIG, GB_EDEPTH,
 * GB_ETRAILING) with a message giving the byte offset and, inside maps, the
 * key ("at byte 41, key 'amount': integer not in shortest form").
 */
int gb_mp_check(const uint8_t *p, size_t len, const gb_mp_limits *lim,
	gb_err *err);

/*
 * Looks up `key` in the canonical map that starts at p (a value already
 * passed by gb_mp_check). On success sets *item to the value's first item,
 * and *val, *val_len to the bytes of the whole value (item, val and val_len
 * may each be NULL when not wanted). Returns 0, GB_EFIELD if the key is
 * absent, or GB_EMSGPACK if p is not a map.
 */
int gb_mp_map_get(const uint8_t *p, size_t len, const char *key,
	gb_mp_item *item, const uint8_t **val, size_t *val_len);

/* Returns 1 if [p, p+len) is valid UTF-8 (no overlongs, no surrogates). */
int gb_utf8_valid(const uint8_t *p, size_t len);

#ifdef __cplusplus
}
#endif
#endif
