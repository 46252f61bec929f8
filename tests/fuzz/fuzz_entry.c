/*
 * fuzz_entry.c: libFuzzer target for the entry decoder and the canonical
 * codec. Every input goes through two paths:
 *   - as an entry: gb_entry_decode; when it succeeds, the envelope written
 *     back from the decoded fields must be the input byte for byte, the
 *     body must pass gb_mp_check, and body -> JSON -> body must give the
 *     same bytes;
 *   - as a bare value: when gb_mp_check accepts it within gb_body_limits,
 *     value -> JSON -> value must give the same bytes, and gb_mpr_skip must
 *     consume exactly the whole input.
 * Any mismatch aborts, which libFuzzer reports as a crash.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gongbao/codec.h"
#include "gongbao/entry.h"
#include "gongbao/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "fuzz_entry: check failed: %s "    \
				"(line %d)\n", #cond, __LINE__);           \
			abort();                                           \
		}                                                          \
	} while (0)

static uint8_t out[GB_ENTRY_MAX + 1024];

/* True if some unsigned integer in [p, p+len) is above INT64_MAX: the one
 * canonical value gb_mp_to_json may refuse. */
static bool has_big_uint(const uint8_t *p, size_t len)
{
	gb_mpr r;
	gb_mpr_init(&r, p, len);
	for (size_t n = 0; n < len && r.p < r.end; n++) {
		gb_mp_item it;
		if (gb_mpr_next(&r, &it, NULL) != 0)
			return false;
		if (it.type == GB_MP_UINT && it.v.u > (uint64_t)INT64_MAX)
			return true;
	}
	return false;
}

/* value -> JSON -> value must be the identity on values within the body
 * limits. `must` says the JSON conversion may not fail at all. */
static void check_json_roundtrip(const uint8_t *p, size_t len, bool must)
{
	json_t *j = gb_mp_to_json(p, len);
	if (j == NULL) {
		CHECK(!must);
		CHECK(has_big_uint(p, len));
		return;
	}
	gb_mpw w;
	gb_err err;
	gb_mpw_init(&w, out, sizeof out);
	int rc = gb_json_to_mp(j, &w, &err);
	if (rc != 0)
		fprintf(stderr, "fuzz_entry: %s\n", err.msg);
	CHECK(rc == 0);
	CHECK(w.len == len);
	CHECK(memcmp(out, p, len) == 0);
	json_decref(j);
}

/* Writes the envelope back from the decoded entry: it must be the input. */
static void check_envelope(const gb_entry *e, const uint8_t *data, size_t size)
{
	gb_mpw w;
	gb_mpw_init(&w, out, sizeof out);
	gb_mpw_map(&w, 2);
	gb_mpw_cstr(&w, "body");
	gb_mpw_bin(&w, e->body, e->body_len);
	gb_mpw_cstr(&w, "sigs");
	gb_mpw_array(&w, (uint32_t)e->sig_count);
	for (size_t i = 0; i < e->sig_count; i++) {
		gb_mpw_map(&w, 3);
		gb_mpw_cstr(&w, "keyid");
		gb_mpw_uint(&w, e->sigs[i].keyid);
		gb_mpw_cstr(&w, "sig");
		gb_mpw_bin(&w, e->sigs[i].sig, GB_SIG_BYTES);
		gb_mpw_cstr(&w, "signer");
		gb_mpw_str(&w, e->sigs[i].signer.ptr, e->sigs[i].signer.len);
	}
	CHECK(w.err == 0);
	CHECK(w.len == size);
	CHECK(memcmp(out, data, size) == 0);
}

/* The decoded common fields are what gb_mp_map_get finds in the body. */
static void check_fields(const gb_entry *e)
{
	static const char *const keys[] = { "type", "consortium", "signer",
		"id" };
	const gb_str *vals[] = { &e->type, &e->consortium, &e->signer, &e->id };
	for (size_t i = 0; i < 4; i++) {
		gb_mp_item it;
		CHECK(gb_mp_map_get(e->body, e->body_len, keys[i], &it, NULL,
			NULL) == 0);
		CHECK(it.type == GB_MP_STR);
		CHECK((const char *)it.v.str.ptr == vals[i]->ptr);
		CHECK(it.v.str.len == vals[i]->len);
		CHECK(vals[i]->len > 0 && vals[i]->len <= GB_ID_MAX);
	}
	CHECK(e->version == GB_ENTRY_VERSION);
	CHECK(e->sig_count >= 1 && e->sig_count <= GB_ENTRY_SIGS_MAX);
	CHECK(gb_str_eq(e->sigs[0].signer, "") == 0);
	CHECK(e->sigs[0].signer.len == e->signer.len);
	CHECK(memcmp(e->sigs[0].signer.ptr, e->signer.ptr, e->signer.len) == 0);
}

static void fuzz_as_entry(const uint8_t *data, size_t size)
{
	gb_entry e;
	gb_err err;
	gb_err_clear(&err);
	int rc = gb_entry_decode(data, size, &e, &err);
	if (rc != 0) {
		CHECK(rc < 0 && rc > GB_ERROR_LAST);
		CHECK(err.code == rc);
		CHECK(err.msg[0] != '\0');
		CHECK(e.raw == NULL);
		return;
	}
	CHECK(e.raw == data && e.raw_len == size);
	CHECK(e.body > data && e.body + e.body_len <= data + size);
	check_envelope(&e, data, size);
	check_fields(&e);
	CHECK(gb_mp_check(e.body, e.body_len, &gb_body_limits, NULL) == 0);
	check_json_roundtrip(e.body, e.body_len, true);
	json_t *j = gb_entry_to_json(&e);
	CHECK(j != NULL);
	json_decref(j);
}

static void fuzz_as_value(const uint8_t *data, size_t size)
{
	static const gb_mp_limits any = {
		.depth_max = GB_MP_DEPTH_MAX, .str_max = UINT32_MAX,
		.array_max = UINT32_MAX, .map_max = UINT32_MAX,
		.allow_bin = true, .allow_nil = true,
	};
	int rc = gb_mp_check(data, size, &any, NULL);
	if (rc == 0) {
		gb_mpr r;
		gb_mpr_init(&r, data, size);
		CHECK(gb_mpr_skip(&r, GB_MP_DEPTH_MAX, NULL) == 0);
		CHECK(r.p == r.end);
	}
	if (gb_mp_check(data, size, &gb_body_limits, NULL) == 0) {
		CHECK(rc == 0);  /* body limits are stricter than none */
		check_json_roundtrip(data, size, false);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_as_entry(data, size);
	fuzz_as_value(data, size);
	return 0;
}
