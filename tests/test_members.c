/*
 * test_members.c: the charter's shares and parameters, and the members
 * family: admit, key rotation and revocation, suspension, share tables.
 */
#include "fixture.h"
#include "gongbao/rules.h"

#define MEMO(id) "{\"type\":\"memo\",\"id\":\"" id "\",\"text\":\"hello\"}"

static void test_charter_params_and_shares(void)
{
	gb_ledger *l = fx_ledger();
	CU_ASSERT_EQUAL(fx_state_int(l, "params", "setaside_bps"), 1500);
	CU_ASSERT_EQUAL(fx_state_int(l, "params", "setaside_max_bps"), 2100);
	CU_ASSERT_EQUAL(fx_state_int(l, "params", "limit_floor_fen"), 40000000);
	CU_ASSERT_EQUAL(fx_state_int(l, "params", "commission_cap_bps"), 500);
	json_t *s = fx_state(l, "shares", UINT64_MAX);
	CU_ASSERT_FATAL(s != NULL);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(s, "lead")), "picc-zs");
	CU_ASSERT_EQUAL(json_array_size(json_object_get(s, "members")), 2);
	json_decref(s);
	gb_ledger_close(l);

	/* Parameters given override the defaults. */
	gb_err err;
	CU_ASSERT_EQUAL_FATAL(fx_ledger_with(&l, &err, ",\"params\":{\"setaside_bps\":2000,\"below_floor\":\"flag\"}"), 0);
	CU_ASSERT_EQUAL(fx_state_int(l, "params", "setaside_bps"), 2000);
	json_t *p = fx_state(l, "params", UINT64_MAX);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(p, "below_floor")), "flag");
	json_decref(p);
	gb_ledger_close(l);
}

static void test_charter_rejections(void)
{
	static const struct { const char *extra; const char *needle; int code; } bad[] = {
		{ ",\"params\":{\"setaside_bps\":2500}", "setaside_bps", GB_EVALUE },
		{ ",\"params\":{\"setaside_min_bps\":1000,\"setaside_bps\":900}", "setaside_bps", GB_EVALUE },
		{ ",\"params\":{\"below_floor\":\"ignore\"}", "below_floor", GB_EVALUE },
		{ ",\"params\":{\"colour\":1}", "colour", GB_EFIELD },
		{ ",\"params\":7", "params", GB_ECHARTER },
		{ ",\"shares\":{\"lead\":\"picc-zs\",\"members\":[{\"id\":\"cpic-zs\",\"bps\":4000},{\"id\":\"picc-zs\",\"bps\":5990}]}", "9990", GB_EVALUE },
		{ ",\"shares\":{\"lead\":\"zs-eb\",\"members\":[{\"id\":\"picc-zs\",\"bps\":10000}]}", "lead", GB_EVALUE },
		{ ",\"shares\":{\"lead\":\"zs-eb\",\"members\":[{\"id\":\"zs-eb\",\"bps\":10000}]}", "not a member", GB_EVALUE },
		{ ",\"shares\":{\"lead\":\"picc-zs\",\"members\":[{\"id\":\"picc-zs\",\"bps\":6000},{\"id\":\"cpic-zs\",\"bps\":4000}]}", "ascending", GB_EVALUE },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		gb_ledger *l;
		gb_err err;
		int rc = fx_ledger_with(&l, &err, bad[i].extra);
		if (rc != bad[i].code)
			fprintf(stderr, "case %zu: %s: %s\n", i, gb_errname(rc), err.msg);
		CU_ASSERT_EQUAL(rc, bad[i].code);
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "charter: "));
		CU_ASSERT_PTR_NULL(l);
		if (rc != 0 && strstr(err.msg, bad[i].needle) == NULL)
			fprintf(stderr, "case %zu: message '%s' lacks '%s'\n", i, err.msg, bad[i].needle);
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, bad[i].needle));
	}
}

static void test_admit(void)
{
	gb_ledger *l = fx_ledger();
	gb_err err;
	/* Not in the roster yet. */
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PINGAN, MEMO("p1")), GB_EUNKNOWNKEY);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, "{\"type\":\"member.admit\",\"id\":\"a1\","
		"\"participant\":\"pingan-zs\",\"role\":\"member\",\"vkey\":\"%s\"}", fx_vkey(FX_PINGAN)), GB_EAUTH);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_ASSOC, "{\"type\":\"member.admit\",\"id\":\"a2\","
		"\"participant\":\"pingan-zs\",\"role\":\"member\",\"vkey\":\"%s\"}", fx_vkey(FX_PICC)), GB_EVKEY);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_ASSOC, "{\"type\":\"member.admit\",\"id\":\"a3\","
		"\"participant\":\"pingan-zs\",\"role\":\"insurer\",\"vkey\":\"%s\"}", fx_vkey(FX_PINGAN)), GB_EVALUE);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_ASSOC, "{\"type\":\"member.admit\",\"id\":\"a4\","
		"\"participant\":\"pingan-zs\",\"role\":\"member\",\"vkey\":\"%s\"}", fx_vkey(FX_PINGAN)), 0);
	CU_ASSERT_EQUAL(gb_ledger_roster(l)->count, 5);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PINGAN, MEMO("p2")), 0);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_ASSOC, "{\"type\":\"member.admit\",\"id\":\"a5\","
		"\"participant\":\"pingan-zs\",\"role\":\"member\",\"vkey\":\"%s\"}", fx_vkey(FX_PINGAN)), GB_EVALUE);
	/* The roster as of entry 0 did not have it; as of now it does. */
	json_t *r0 = fx_state(l, "roster", 0), *r1 = fx_state(l, "roster", UINT64_MAX);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(r0, "participants")), 4);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(r1, "participants")), 5);
	json_decref(r0);
	json_decref(r1);
	gb_ledger_close(l);
}

static void test_rotate_and_revoke(void)
{
	gb_ledger *l = fx_ledger();
	gb_err err;
	/* cpic rotates to a new key (pingan's seed, named cpic-zs). */
	uint8_t seed[GB_SEED_BYTES];
	memset(seed, 0x77, sizeof seed);
	gb_seckey newkey;
	CU_ASSERT_FATAL(gb_seckey_from_seed(&newkey, "cpic-zs", GB_ALG_ED25519, seed, NULL) == 0);
	char vk[GB_VKEY_MAX];
	gb_vkey_format(&newkey.pub, vk);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, "{\"type\":\"key.rotate\",\"id\":\"r0\","
		"\"participant\":\"cpic-zs\",\"vkey\":\"%s\"}", vk), GB_EAUTH);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_CPIC, "{\"type\":\"key.rotate\",\"id\":\"r1\","
		"\"participant\":\"cpic-zs\",\"vkey\":\"%s\"}", fx_vkey(FX_CPIC)), GB_EVALUE);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_CPIC, "{\"type\":\"key.rotate\",\"id\":\"r2\","
		"\"participant\":\"cpic-zs\",\"vkey\":\"%s\"}", vk), 0);
	/* The old key signs no more; the new one does. */
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_CPIC, MEMO("old")), GB_EUNKNOWNKEY);
	gb_seckey saved = fx_key[FX_CPIC];
	fx_key[FX_CPIC] = newkey;
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_CPIC, MEMO("new")), 0);
	/* Revoked, it signs nothing, not even a rotation of its own. */
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_ASSOC, "{\"type\":\"key.revoke\",\"id\":\"v1\",\"participant\":\"cpic-zs\"}"), 0);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_ASSOC, "{\"type\":\"key.revoke\",\"id\":\"v2\",\"participant\":\"cpic-zs\"}"), GB_ESTATE);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_CPIC, MEMO("revoked")), GB_EUNKNOWNKEY);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "revoked"));
	fx_key[FX_CPIC] = saved;
	/* The association rotates it back to the first key, which then signs again. */
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_ASSOC, "{\"type\":\"key.rotate\",\"id\":\"r3\","
		"\"participant\":\"cpic-zs\",\"vkey\":\"%s\"}", fx_vkey(FX_CPIC)), 0);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_CPIC, MEMO("back")), 0);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_ASSOC, "{\"type\":\"key.revoke\",\"id\":\"v3\",\"participant\":\"nobody\"}"), GB_ENOTFOUND);
	gb_ledger_close(l);
}

static void test_suspend_readmit(void)
{
	gb_ledger *l = fx_ledger();
	gb_err err;
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, "{\"type\":\"member.suspend\",\"id\":\"s0\",\"participant\":\"cpic-zs\"}"), GB_EAUTH);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_ASSOC, "{\"type\":\"member.suspend\",\"id\":\"s1\",\"participant\":\"zs-eb\"}"), GB_EVALUE);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_ASSOC, "{\"type\":\"member.suspend\",\"id\":\"s2\",\"participant\":\"cpic-zs\"}"), 0);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_CPIC, MEMO("m1")), GB_EAUTH);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "suspended"));
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_ASSOC, "{\"type\":\"member.suspend\",\"id\":\"s3\",\"participant\":\"cpic-zs\"}"), GB_ESTATE);
	/* A suspended member cannot be given a share. */
	int who[2] = { FX_ASSOC, FX_PICC };
	CU_ASSERT_EQUAL(fx_post_co(l, &err, who, 2, "{\"type\":\"shares.set\",\"id\":\"t0\",\"from\":20270101,"
		"\"shares\":" FX_SHARES "}"), GB_ESTATE);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_ASSOC, "{\"type\":\"member.readmit\",\"id\":\"s4\",\"participant\":\"cpic-zs\"}"), 0);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_CPIC, MEMO("m2")), 0);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_ASSOC, "{\"type\":\"member.readmit\",\"id\":\"s5\",\"participant\":\"cpic-zs\"}"), GB_ESTATE);
	gb_ledger_close(l);
}

static void test_shares_set(void)
{
	gb_ledger *l = fx_ledger();
	gb_err err;
	const char *next = "{\"lead\":\"cpic-zs\",\"members\":[{\"id\":\"cpic-zs\",\"bps\":5000},{\"id\":\"picc-zs\",\"bps\":5000}]}";
	int one[2] = { FX_ASSOC, FX_PICC }, all[3] = { FX_ASSOC, FX_PICC, FX_CPIC };
	CU_ASSERT_EQUAL(fx_post_co(l, &err, one, 2, "{\"type\":\"shares.set\",\"id\":\"t1\",\"from\":20270101,\"shares\":%s}", next), GB_ENOSIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "cpic-zs"));
	CU_ASSERT_EQUAL(fx_post_co(l, &err, all, 3, "{\"type\":\"shares.set\",\"id\":\"t2\",\"from\":20270101,"
		"\"shares\":{\"lead\":\"cpic-zs\",\"members\":[{\"id\":\"cpic-zs\",\"bps\":5000},{\"id\":\"picc-zs\",\"bps\":4000}]}}"), GB_EVALUE);
	CU_ASSERT_EQUAL(fx_post_co(l, &err, all, 3, "{\"type\":\"shares.set\",\"id\":\"t3\",\"from\":20270101,\"shares\":%s}", next), 0);
	json_t *dated = fx_state(l, "shares/dated", UINT64_MAX);
	CU_ASSERT_EQUAL(json_array_size(dated), 1);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_array_get(dated, 0), "from")), 20270101);
	json_decref(dated);
	/* A later table is added; one not after the last is refused; impossible dates too. */
	CU_ASSERT_EQUAL(fx_post_co(l, &err, all, 3, "{\"type\":\"shares.set\",\"id\":\"t5\",\"from\":20270101,\"shares\":%s}", next), GB_EVALUE);
	CU_ASSERT_EQUAL(fx_post_co(l, &err, all, 3, "{\"type\":\"shares.set\",\"id\":\"t6\",\"from\":20270230,\"shares\":%s}", next), GB_EVALUE);
	CU_ASSERT_EQUAL(fx_post_co(l, &err, all, 3, "{\"type\":\"shares.set\",\"id\":\"t7\",\"from\":20280101,\"shares\":" FX_SHARES "}"), 0);
	dated = fx_state(l, "shares/dated", UINT64_MAX);
	CU_ASSERT_EQUAL(json_array_size(dated), 2);
	json_decref(dated);
	/* A member may not set shares; the regulator's co-signature is not a member's consent. */
	int bad[3] = { FX_PICC, FX_CPIC, FX_REG };
	CU_ASSERT_EQUAL(fx_post_co(l, &err, bad, 3, "{\"type\":\"shares.set\",\"id\":\"t4\",\"from\":20270101,\"shares\":%s}", next), GB_EAUTH);
	gb_ledger_close(l);
}

/* The day index: entries on 2026-01-01 and 2026-01-03 (the clock allows a day either side). */
static void test_index_at_date(void)
{
	gb_ledger *l = fx_ledger();
	gb_err err;
	uint64_t index = 99;
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, "{\"type\":\"memo\",\"id\":\"d1\",\"time\":%d,\"text\":\"x\"}",
		FX_CLOCK + 86000), 0); /* 2026-01-01 23:53 */
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, "{\"type\":\"memo\",\"id\":\"d0\",\"time\":%d,\"text\":\"x\"}",
		FX_CLOCK - 3600), 0); /* 2025-12-31 23:00 */
	CU_ASSERT_EQUAL(gb_ledger_index_at_date(l, 20251230, &index, &err), GB_ENOTFOUND);
	CU_ASSERT_EQUAL(gb_ledger_index_at_date(l, 20251231, &index, &err), 0);
	CU_ASSERT_EQUAL(index, 2);
	CU_ASSERT_EQUAL(gb_ledger_index_at_date(l, 20260101, &index, &err), 0);
	CU_ASSERT_EQUAL(index, 1); /* the charter (index 0) and d1 are of that day; d1 is the last */
	/* As of a later date: the last entry of the latest day with entries (2026-01-01), which
	 * is 1 although entry 2 is older in time: exact to within the skew (TRANSACTIONS.md 6). */
	CU_ASSERT_EQUAL(gb_ledger_index_at_date(l, 20260301, &index, &err), 0);
	CU_ASSERT_EQUAL(index, 1);
	gb_ledger_close(l);
}

/* A key named `name` with `alg` from a fixed seed (0x61, or 0x62 for alg 0x01). */
static gb_seckey witness_key(const char *name, uint8_t alg)
{
	uint8_t seed[GB_SEED_BYTES];
	memset(seed, alg == GB_ALG_ED25519 ? 0x62 : 0x61, sizeof seed);
	gb_seckey k;
	CU_ASSERT_FATAL(gb_seckey_from_seed(&k, name, alg, seed, NULL) == 0);
	return k;
}

/* A ledger whose charter has the fixture's participants plus `extra` (JSON). */
static int ledger_with_participant(gb_ledger **out, gb_err *err, const char *extra)
{
	char parts[8192];
	snprintf(parts, sizeof parts, "%.*s,%s]", (int)strlen(fx_participants()) - 1,
		fx_participants(), extra);
	static uint8_t buf[GB_ENTRY_MAX];
	size_t len = fx_sign(buf, sizeof buf, FX_ASSOC,
		"{\"type\":\"charter\",\"id\":\"charter\",\"name\":\"Witnessed\",\"participants\":%s}",
		parts);
	static int seq;
	char dir[256];
	snprintf(dir, sizeof dir, "%s/w%d", fx_root, ++seq);
	gb_ledger_opts opts = { .clock_s = FX_CLOCK };
	*out = NULL;
	return gb_ledger_create(dir, "gongbao.test/zs", &fx_key[FX_LOG].pub, buf, len, &opts, out, err);
}

/*
 * A witness may hold a cosignature/v1 key (alg 0x04) in the charter; no other
 * role may, and such a key signs no entries.
 */
static void test_witness_cosigning_key(void)
{
	fx_setup();
	gb_seckey w4 = witness_key("zs-witness", GB_ALG_COSIGNATURE_V1);
	char vk4[GB_VKEY_MAX], extra[512];
	gb_vkey_format(&w4.pub, vk4);
	gb_ledger *l;
	gb_err err;
	/* A member or regulator with an alg 0x04 key: the charter is refused. */
	snprintf(extra, sizeof extra, "{\"id\":\"zs-witness\",\"role\":\"member\",\"vkey\":\"%s\"}", vk4);
	CU_ASSERT_EQUAL(ledger_with_participant(&l, &err, extra), GB_ECHARTER);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "participants[4]: vkey of 'zs-witness' has alg 0x04"));
	snprintf(extra, sizeof extra, "{\"id\":\"zs-witness\",\"role\":\"regulator\",\"vkey\":\"%s\"}", vk4);
	CU_ASSERT_EQUAL(ledger_with_participant(&l, &err, extra), GB_ECHARTER);
	/* A witness with it: accepted, and the roster keeps the key across a reopen. */
	snprintf(extra, sizeof extra, "{\"id\":\"zs-witness\",\"role\":\"witness\",\"vkey\":\"%s\"}", vk4);
	int rc = ledger_with_participant(&l, &err, extra);
	if (rc != 0)
		fprintf(stderr, "witness charter: %s\n", err.msg);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	const gb_participant *p = gb_roster_find(gb_ledger_roster(l), (gb_str){ "zs-witness", 10 });
	CU_ASSERT_FATAL(p != NULL);
	CU_ASSERT_EQUAL(p->role, GB_ROLE_WITNESS);
	CU_ASSERT_EQUAL(p->key.alg, GB_ALG_COSIGNATURE_V1);
	CU_ASSERT_EQUAL(p->key.keyid, w4.pub.keyid);
	/* An alg 0x01 key of the witness's name signs a memo as the witness: refused, nothing stored. */
	gb_seckey saved = fx_key[FX_STRANGER];
	fx_key[FX_STRANGER] = witness_key("zs-witness", GB_ALG_ED25519);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_STRANGER,
		"{\"type\":\"memo\",\"id\":\"w1\",\"signer\":\"zs-witness\",\"text\":\"hi\"}"), GB_EUNKNOWNKEY);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "'zs-witness' is a witness cosigning key (alg 0x04)"));
	CU_ASSERT_EQUAL(fx_log_size(l), 1);
	/* The association may rotate it to an alg 0x01 key, which then signs. */
	char vk1[GB_VKEY_MAX];
	gb_vkey_format(&fx_key[FX_STRANGER].pub, vk1);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_ASSOC, "{\"type\":\"key.rotate\",\"id\":\"r1\","
		"\"participant\":\"zs-witness\",\"vkey\":\"%s\"}", vk1), 0);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_STRANGER,
		"{\"type\":\"memo\",\"id\":\"w2\",\"signer\":\"zs-witness\",\"text\":\"hi\"}"), 0);
	/* And back to the alg 0x04 key (by the witness itself, while it can sign). */
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_STRANGER, "{\"type\":\"key.rotate\",\"id\":\"r2\","
		"\"signer\":\"zs-witness\",\"participant\":\"zs-witness\",\"vkey\":\"%s\"}", vk4), 0);
	CU_ASSERT_EQUAL(gb_roster_find(gb_ledger_roster(l), (gb_str){ "zs-witness", 10 })->key.alg,
		GB_ALG_COSIGNATURE_V1);
	fx_key[FX_STRANGER] = saved;
	/* A member may not rotate to an alg 0x04 key, nor be admitted with one. */
	gb_seckey m4 = witness_key("cpic-zs", GB_ALG_COSIGNATURE_V1);
	gb_vkey_format(&m4.pub, vk4);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_CPIC, "{\"type\":\"key.rotate\",\"id\":\"r3\","
		"\"participant\":\"cpic-zs\",\"vkey\":\"%s\"}", vk4), GB_EVKEY);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "only a witness may have an alg 0x04 key"));
	gb_seckey n4 = witness_key("pingan-zs", GB_ALG_COSIGNATURE_V1);
	gb_vkey_format(&n4.pub, vk4);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_ASSOC, "{\"type\":\"member.admit\",\"id\":\"a1\","
		"\"participant\":\"pingan-zs\",\"role\":\"member\",\"vkey\":\"%s\"}", vk4), GB_EVKEY);
	/* ... but a new witness may. */
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_ASSOC, "{\"type\":\"member.admit\",\"id\":\"a2\","
		"\"participant\":\"pingan-zs\",\"role\":\"witness\",\"vkey\":\"%s\"}", vk4), 0);
	CU_ASSERT_EQUAL(fx_log_size(l), 5);
	gb_ledger_close(l);
}

static void add_tests(CU_pSuite s)
{
	CU_add_test(s, "index at date", test_index_at_date);
	CU_add_test(s, "charter params and shares", test_charter_params_and_shares);
	CU_add_test(s, "charter rejections", test_charter_rejections);
	CU_add_test(s, "admit", test_admit);
	CU_add_test(s, "rotate and revoke", test_rotate_and_revoke);
	CU_add_test(s, "suspend and readmit", test_suspend_readmit);
	CU_add_test(s, "shares.set", test_shares_set);
	CU_add_test(s, "witness cosigning key", test_witness_cosigning_key);
}

GB_CUNIT_MAIN("members", add_tests)
