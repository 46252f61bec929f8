/*
 * rules_members.c: the members family: participants and their keys over
 * time, share tables, and the charter's parameters (spec/RULES.md,
 * spec/TRANSACTIONS.md section 6).
 *
 * The roster changes only here (and in the charter); every change is kept
 * in the state as a new version of "roster" by the ledger.
 */
#include <assert.h>
#include <stddef.h>
#include <string.h>

#include "gongbao/money.h"
#include "gongbao/shares.h"
#include "rules_internal.h"

static const gb_params params_default = {
	.setaside_bps = 1500,
	.setaside_min_bps = 1500,
	.setaside_max_bps = 2100,
	.limit_floor_fen = INT64_C(40000000),
	.commission_cap_bps = 500,
	.below_floor_flag = 0,
	.skew_s = 86400,
};

static const char *const params_fields[] = {
	"below_floor", "commission_cap_bps", "limit_floor_fen", "setaside_bps",
	"setaside_max_bps", "setaside_min_bps", "skew_s", NULL
};

/* Reads a params map over the defaults; checks the bounds. */
static int params_parse(gb_params *pr, const uint8_t *p, size_t len, gb_err *err)
{
	*pr = params_default;
	gb_str mode;
	int rc = gb_field_int_opt(p, len, "setaside_min_bps", 0, GB_BPS_WHOLE, pr->setaside_min_bps,
		&pr->setaside_min_bps, err);
	rc = rc ? rc : gb_field_int_opt(p, len, "setaside_max_bps", 0, GB_BPS_WHOLE,
		pr->setaside_max_bps, &pr->setaside_max_bps, err);
	rc = rc ? rc : gb_field_int_opt(p, len, "setaside_bps", 0, GB_BPS_WHOLE, pr->setaside_bps,
		&pr->setaside_bps, err);
	rc = rc ? rc : gb_field_int_opt(p, len, "limit_floor_fen", 0, GB_FEN_MAX, pr->limit_floor_fen,
		&pr->limit_floor_fen, err);
	rc = rc ? rc : gb_field_int_opt(p, len, "commission_cap_bps", 0, GB_BPS_WHOLE,
		pr->commission_cap_bps, &pr->commission_cap_bps, err);
	rc = rc ? rc : gb_field_int_opt(p, len, "skew_s", 0, 366 * 86400, pr->skew_s, &pr->skew_s, err);
	rc = rc ? rc : gb_field_str_opt(p, len, "below_floor", &mode, 16, err);
	if (rc != 0)
		return gb_err_prefix(err, rc, "params: ");
	if (mode.len > 0 && !gb_str_eq(mode, "reject") && !gb_str_eq(mode, "flag"))
		return gb_err_set(err, GB_EVALUE, "params: below_floor is '%.*s', want 'reject' or 'flag'",
			(int)mode.len, mode.ptr);
	pr->below_floor_flag = gb_str_eq(mode, "flag");
	if (pr->setaside_min_bps > pr->setaside_max_bps ||
	    pr->setaside_bps < pr->setaside_min_bps || pr->setaside_bps > pr->setaside_max_bps)
		return gb_err_set(err, GB_EVALUE,
			"params: setaside_bps %lld must lie within %lld..%lld bps",
			(long long)pr->setaside_bps, (long long)pr->setaside_min_bps,
			(long long)pr->setaside_max_bps);
	return 0;
}

static void params_encode(const gb_params *pr, gb_mpw *w)
{
	gb_mpw_map(w, 7);
	gb_mpw_cstr(w, "below_floor");
	gb_mpw_cstr(w, pr->below_floor_flag ? "flag" : "reject");
	gb_mpw_cstr(w, "commission_cap_bps");
	gb_mpw_int(w, pr->commission_cap_bps);
	gb_mpw_cstr(w, "limit_floor_fen");
	gb_mpw_int(w, pr->limit_floor_fen);
	gb_mpw_cstr(w, "setaside_bps");
	gb_mpw_int(w, pr->setaside_bps);
	gb_mpw_cstr(w, "setaside_max_bps");
	gb_mpw_int(w, pr->setaside_max_bps);
	gb_mpw_cstr(w, "setaside_min_bps");
	gb_mpw_int(w, pr->setaside_min_bps);
	gb_mpw_cstr(w, "skew_s");
	gb_mpw_int(w, pr->skew_s);
}

int gb_params_load(const gb_state *st, gb_params *out, gb_err *err)
{
	const uint8_t *p;
	size_t len;
	int rc = gb_state_get(st, "params", &p, &len);
	if (rc == GB_ENOTFOUND) {
		*out = params_default;
		return 0;
	}
	if (rc != 0)
		return gb_err_set(err, rc, "reading params: %s", gb_strerror(rc));
	rc = params_parse(out, p, len, err);
	return rc ? gb_err_prefix(err, GB_ECORRUPT, "stored ") : 0;
}

/* Writes a small encoded value to the state; the buffer bounds every record here. */
static int put_encoded(const gb_state *st, const char *key, const uint8_t *buf, const gb_mpw *w,
	gb_err *err)
{
	if (w->err != 0)
		return gb_err_set(err, w->err, "encoding '%s': %s", key, gb_strerror(w->err));
	int rc = gb_state_put(st, key, buf, w->len);
	return rc ? gb_err_set(err, rc, "storing '%s': %s", key, gb_strerror(rc)) : 0;
}

int gb_rules_shares_active(const gb_roster *r, const gb_shares *s, gb_err *err)
{
	for (size_t i = 0; i < s->count; i++) {
		gb_str id = { s->id[i], strlen(s->id[i]) };
		const gb_participant *p = gb_roster_find(r, id);
		if (p == NULL || p->role != GB_ROLE_MEMBER)
			return gb_err_set(err, GB_EVALUE, "shares: '%s' is not a member of the consortium", s->id[i]);
		if (p->suspended)
			return gb_err_set(err, GB_ESTATE, "shares: member '%s' is suspended", s->id[i]);
	}
	return 0;
}

int gb_members_charter_extras(gb_rules_env *env, const gb_entry *e, gb_err *err)
{
	uint8_t buf[8192];
	gb_mpw w;
	gb_params pr = params_default;
	const uint8_t *val;
	size_t val_len;
	gb_mp_item it;
	int rc = 0;
	if (gb_mp_map_get(e->body, e->body_len, "params", &it, &val, &val_len) == 0) {
		if (it.type != GB_MP_MAP)
			return gb_err_set(err, GB_ECHARTER, "charter: params: want a map");
		rc = gb_rules_known_keys(val, val_len, params_fields, "params", err);
		rc = rc ? rc : params_parse(&pr, val, val_len, err);
		if (rc != 0)
			return gb_err_prefix(err, GB_ECHARTER, "charter: ");
	}
	gb_mpw_init(&w, buf, sizeof buf);
	params_encode(&pr, &w);
	rc = put_encoded(env->state, "params", buf, &w, err);
	if (rc != 0 || gb_mp_map_get(e->body, e->body_len, "shares", &it, &val, &val_len) != 0)
		return rc;
	gb_shares s;
	if (it.type != GB_MP_MAP || (rc = gb_shares_parse(&s, val, val_len, err)) != 0 ||
	    (rc = gb_rules_shares_active(env->roster, &s, err)) != 0)
		return gb_err_prefix(err, GB_ECHARTER, "charter: ");
	gb_mpw_init(&w, buf, sizeof buf);
	gb_shares_encode(&s, &w);
	return put_encoded(env->state, "shares", buf, &w, err);
}

/* The participant an entry names in its "participant" field. */
static int named_participant(gb_rules_env *env, const gb_entry *e, gb_participant **out, gb_err *err)
{
	gb_str id;
	int rc = gb_field_str(e->body, e->body_len, "participant", &id, GB_ID_MAX, err);
	if (rc != 0)
		return rc;
	gb_participant *p = (gb_participant *)gb_roster_find(env->roster, id);
	if (p == NULL)
		return gb_err_set(err, GB_ENOTFOUND, "participant '%.*s' is not in the roster",
			(int)id.len, id.ptr);
	*out = p;
	return 0;
}

/*
 * The new vkey of participant `id` with `role` in field "vkey": named by the
 * participant, alg 0x01 (or 0x04 for a witness: gb_role_key_alg_allowed).
 */
static int new_vkey(const gb_entry *e, const char *id, unsigned role, gb_pubkey *key,
	gb_err *err)
{
	gb_str vk;
	char buf[GB_VKEY_MAX];
	int rc = gb_field_str(e->body, e->body_len, "vkey", &vk, GB_VKEY_MAX - 1, err);
	if (rc != 0)
		return rc;
	gb_str_copy(buf, sizeof buf, vk);
	if (gb_vkey_parse(key, buf, err) != 0)
		return gb_err_prefix(err, GB_EVKEY, "vkey: ");
	if (strcmp(key->name, id) != 0)
		return gb_err_set(err, GB_EVKEY, "vkey must be named '%s', not '%s'", id, key->name);
	if (!gb_role_key_alg_allowed(role, key->alg))
		return gb_err_set(err, GB_EVKEY, "vkey of '%s' has alg 0x%02x; %s", id, key->alg,
			gb_role_key_alg_rule(role));
	return 0;
}

/* member.admit: the association adds a participant. */
static int apply_admit(gb_rules_env *env, const gb_entry *e, gb_err *err)
{
	gb_roster *r = env->roster;
	gb_str id, role;
	int rc = gb_field_str(e->body, e->body_len, "participant", &id, GB_ID_MAX, err);
	rc = rc ? rc : gb_field_str(e->body, e->body_len, "role", &role, 16, err);
	if (rc != 0)
		return rc;
	/* Participant ids name accounts ("m/<id>/cash"), so they may not hold a '/'. */
	if (!gb_id_valid(id) || memchr(id.ptr, '/', id.len) != NULL)
		return gb_err_set(err, GB_EVALUE, "participant: invalid id '%.*s' (A-Z a-z 0-9 . _ : -)",
			(int)id.len, id.ptr);
	if (gb_roster_find(r, id) != NULL)
		return gb_err_set(err, GB_EVALUE, "participant '%.*s' is already in the roster", (int)id.len, id.ptr);
	if (r->count == GB_PARTICIPANTS_MAX)
		return gb_err_set(err, GB_ETOOBIG, "the roster is full (%d participants)", GB_PARTICIPANTS_MAX);
	gb_participant np = { 0 };
	gb_str_copy(np.id, sizeof np.id, id);
	np.role = gb_role_parse(role);
	if (np.role == 0)
		return gb_err_set(err, GB_EVALUE, "role: unknown role '%.*s'", (int)role.len, role.ptr);
	rc = new_vkey(e, np.id, np.role, &np.key, err);
	if (rc != 0)
		return rc;
	size_t at = 0; /* keep the roster sorted by id */
	while (at < r->count && strcmp(r->p[at].id, np.id) < 0)
		at++;
	memmove(&r->p[at + 1], &r->p[at], (r->count - at) * sizeof r->p[0]);
	r->p[at] = np;
	r->count++;
	env->roster_changed = 1;
	return 0;
}

/* key.rotate: a new key for a participant, signed by its old key or the association. */
static int apply_rotate(gb_rules_env *env, const gb_entry *e, gb_err *err)
{
	gb_participant *p = NULL;
	int rc = named_participant(env, e, &p, err);
	if (rc != 0)
		return rc;
	const gb_participant *signer = gb_roster_find(env->roster, e->signer);
	assert(signer != NULL);
	if (signer != p && signer->role != GB_ROLE_ASSOCIATION)
		return gb_err_set(err, GB_EAUTH, "only '%s' itself or the association may rotate its key", p->id);
	gb_pubkey key;
	rc = new_vkey(e, p->id, p->role, &key, err);
	if (rc != 0)
		return rc;
	if (memcmp(key.pk, p->key.pk, GB_PK_BYTES) == 0)
		return gb_err_set(err, GB_EVALUE, "vkey: '%s' already has this key", p->id);
	p->key = key;
	p->revoked = 0;
	env->roster_changed = 1;
	return 0;
}

enum status_field { REVOKED, SUSPENDED };

/* key.revoke, member.suspend, member.readmit: the association changes a status. */
static int set_status(gb_rules_env *env, const gb_entry *e, enum status_field which, int to,
	const char *what, gb_err *err)
{
	gb_participant *p = NULL;
	int rc = named_participant(env, e, &p, err);
	if (rc != 0)
		return rc;
	int *f = which == REVOKED ? &p->revoked : &p->suspended;
	if (*f == to)
		return gb_err_set(err, GB_ESTATE, "participant '%s' cannot be %s: it is already", p->id, what);
	if (which == SUSPENDED && p->role != GB_ROLE_MEMBER)
		return gb_err_set(err, GB_EVALUE, "participant '%s' is a %s; only members are suspended",
			p->id, gb_role_name(p->role));
	*f = to;
	env->roster_changed = 1;
	return 0;
}

static int apply_revoke(gb_rules_env *env, const gb_entry *e, gb_err *err)
{
	return set_status(env, e, REVOKED, 1, "revoked", err);
}

static int apply_suspend(gb_rules_env *env, const gb_entry *e, gb_err *err)
{
	return set_status(env, e, SUSPENDED, 1, "suspended", err);
}

static int apply_readmit(gb_rules_env *env, const gb_entry *e, gb_err *err)
{
	return set_status(env, e, SUSPENDED, 0, "readmitted", err);
}

/*
 * Appends {"from", "shares"} to the dated share tables ("shares/dated", an
 * array ascending by from): a table stays in force for the policies that
 * start from its date until the next one's. A new table must start after
 * the last one (GB_EVALUE), so history is never rewritten.
 */
static int shares_dated_add(const gb_state *st, int64_t from, const gb_shares *s, gb_err *err)
{
	const uint8_t *old = NULL;
	size_t old_len = 0;
	uint32_t count = 0;
	int64_t last = 0;
	int rc = gb_state_get(st, "shares/dated", &old, &old_len);
	if (rc != 0 && rc != GB_ENOTFOUND)
		return gb_err_set(err, rc, "reading shares/dated: %s", gb_strerror(rc));
	gb_mpr rd;
	gb_mp_item it;
	if (rc == 0) {
		gb_mpr_init(&rd, old, old_len);
		if (gb_mpr_next(&rd, &it, NULL) != 0 || it.type != GB_MP_ARRAY || it.v.count == 0)
			return gb_err_set(err, GB_ECORRUPT, "stored shares/dated is not a list");
		count = it.v.count;
		for (uint32_t i = 0; i < count; i++) {
			const uint8_t *start = rd.p;
			if (gb_mpr_skip(&rd, 4, NULL) != 0 ||
			    gb_field_int(start, (size_t)(rd.p - start), "from", 0, INT64_MAX, &last, NULL) != 0)
				return gb_err_set(err, GB_ECORRUPT, "stored shares/dated[%u] does not parse", i);
		}
	}
	if (count >= GB_SHARES_DATED_MAX)
		return gb_err_set(err, GB_ETOOBIG, "already %u dated share tables, the most there may be", count);
	if (count > 0 && from <= last)
		return gb_err_set(err, GB_EVALUE, "field 'from' is %lld; a new share table must start after the last one's %lld",
			(long long)from, (long long)last);
	static uint8_t buf[GB_SHARES_DATED_MAX * 4096];
	gb_mpw w;
	gb_mpw_init(&w, buf, sizeof buf);
	gb_mpw_array(&w, count + 1);
	if (count > 0) { /* the old elements, as they were: after the array header */
		gb_mpr_init(&rd, old, old_len);
		rc = gb_mpr_next(&rd, &it, NULL);
		assert(rc == 0);
		gb_mpw_raw(&w, rd.p, (size_t)(rd.end - rd.p));
	}
	gb_mpw_map(&w, 2);
	gb_mpw_cstr(&w, "from");
	gb_mpw_int(&w, from);
	gb_mpw_cstr(&w, "shares");
	gb_shares_encode(s, &w);
	return put_encoded(st, "shares/dated", buf, &w, err);
}

/*
 * shares.set: a new default share table for policies starting on or after
 * "from", with the consent (co-signature) of every member in it.
 */
static int apply_shares_set(gb_rules_env *env, const gb_entry *e, gb_err *err)
{
	int64_t from;
	const uint8_t *val;
	size_t val_len;
	gb_shares s;
	int rc = gb_field_int(e->body, e->body_len, "from", 19700101, 99991231, &from, err);
	if (rc == 0 && !gb_date_valid(from))
		return gb_err_set(err, GB_EVALUE, "field 'from' is %lld, not a calendar date", (long long)from);
	rc = rc ? rc : gb_field_raw(e->body, e->body_len, "shares", GB_MP_MAP, &val, &val_len, NULL, err);
	rc = rc ? rc : gb_shares_parse(&s, val, val_len, err);
	rc = rc ? rc : gb_rules_shares_active(env->roster, &s, err);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < s.count; i++)
		if (gb_entry_sig_by(e, s.id[i]) < 0)
			return gb_err_set(err, GB_ENOSIG, "shares.set needs the consent signature of '%s'", s.id[i]);
	return shares_dated_add(env->state, from, &s, err);
}

static const char *const admit_fields[] = { "participant", "role", "vkey", NULL };
static const char *const rotate_fields[] = { "participant", "vkey", NULL };
static const char *const status_fields[] = { "participant", NULL };
static const char *const shares_fields[] = { "from", "shares", NULL };

/* The members family. Keep in step with spec/RULES.md. */
const struct gb_type_rule gb_rules_members[] = {
	{ "member.admit", GB_ROLE_ASSOCIATION, 1, admit_fields, apply_admit },
	{ "key.rotate", ROLE_ANY, 1, rotate_fields, apply_rotate },
	{ "key.revoke", GB_ROLE_ASSOCIATION, 1, status_fields, apply_revoke },
	{ "member.suspend", GB_ROLE_ASSOCIATION, 1, status_fields, apply_suspend },
	{ "member.readmit", GB_ROLE_ASSOCIATION, 1, status_fields, apply_readmit },
	{ "shares.set", GB_ROLE_ASSOCIATION, GB_ENTRY_SIGS_MAX, shares_fields, apply_shares_set },
};
const size_t gb_rules_members_count = sizeof gb_rules_members / sizeof gb_rules_members[0];
