/*
 * rules.c: the authority table, the charter and the memo (gongbao/rules.h).
 *
 * Every check names the field and quotes the value it rejects. A failed
 * check leaves the roster as it was: the charter is built in a scratch
 * roster and copied in only once it is whole.
 */
#include "gongbao/rules.h"
#include "gongbao/money.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "rules_internal.h"

/* Fields every body has (spec/ENTRY.md). */
static const char *const common_fields[] = {
	"consortium", "id", "signer", "time", "type", "v", NULL
};

static int apply_charter(gb_rules_env *env, const gb_entry *e, gb_err *err);
static int apply_memo(gb_rules_env *env, const gb_entry *e, gb_err *err);

static const char *const charter_fields[] = { "name", "params", "participants", "shares", NULL };
static const char *const memo_fields[] = { "doc_sha256", "text", NULL };

/* The log's own types; the consortium families add theirs (rules_*.c). */
const struct gb_type_rule gb_rules_log[] = {
	{ "charter", GB_ROLE_ASSOCIATION, 1, charter_fields, apply_charter },
	{ "memo", ROLE_ANY, 1, memo_fields, apply_memo },
};
const size_t gb_rules_log_count = sizeof gb_rules_log / sizeof gb_rules_log[0];

/* Every family's table: together, the authority table of spec/RULES.md. */
static const struct {
	const struct gb_type_rule *rules;
	const size_t *count;
} families[] = {
	{ gb_rules_log, &gb_rules_log_count },
	{ gb_rules_members, &gb_rules_members_count },
	{ gb_rules_policy, &gb_rules_policy_count },
	{ gb_rules_claims, &gb_rules_claims_count },
	{ gb_rules_fund, &gb_rules_fund_count },
};

static const char *const role_names[] = { "association", "member", "regulator", "witness" };

const char *gb_role_name(unsigned role)
{
	for (unsigned i = 0; i < 4; i++)
		if (role == 1u << i)
			return role_names[i];
	return NULL;
}

unsigned gb_role_parse(gb_str s)
{
	for (unsigned i = 0; i < 4; i++)
		if (gb_str_eq(s, role_names[i]))
			return 1u << i;
	return 0;
}

static int cmp_str(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int c = memcmp(a, b, n);
	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

const gb_participant *gb_roster_find(const gb_roster *r, gb_str id)
{
	assert(r != NULL);
	assert(r->count <= GB_PARTICIPANTS_MAX);
	size_t lo = 0, hi = r->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_str(id.ptr, id.len, r->p[mid].id, strlen(r->p[mid].id));
		if (c == 0)
			return &r->p[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const gb_pubkey *gb_roster_key(const gb_roster *r, const gb_entry *e, size_t i)
{
	assert(i < e->sig_count);
	const gb_participant *p = gb_roster_find(r, e->sigs[i].signer);
	if (p == NULL || p->revoked || p->key.keyid != e->sigs[i].keyid ||
	    p->key.alg != GB_ALG_ED25519)
		return NULL;
	return &p->key;
}

int gb_role_key_alg_allowed(unsigned role, uint8_t alg)
{
	if (alg == GB_ALG_ED25519)
		return 1;
	return role == GB_ROLE_WITNESS && alg == GB_ALG_COSIGNATURE_V1;
}

const char *gb_role_key_alg_rule(unsigned role)
{
	if (role == GB_ROLE_WITNESS)
		return "a witness's key must be alg 0x01 (Ed25519) or 0x04 (cosignature/v1)";
	return "want alg 0x01 (Ed25519); only a witness may have an alg 0x04 key";
}

static int in_list(const char *const *list, const uint8_t *p, size_t len)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (strlen(list[i]) == len && memcmp(list[i], p, len) == 0)
			return 1;
	return 0;
}

int gb_rules_known_keys(const uint8_t *p, size_t len, const char *const *allowed,
	const char *where, gb_err *err)
{
	gb_mpr rd;
	gb_mp_item it;
	gb_mpr_init(&rd, p, len);
	int rc = gb_mpr_next(&rd, &it, err);
	if (rc != 0 || it.type != GB_MP_MAP)
		return rc ? rc : gb_err_set(err, GB_EFIELD, "%s: not a map", where);
	for (uint32_t i = 0; i < it.v.count; i++) {
		gb_mp_item key;
		rc = gb_mpr_next(&rd, &key, err);
		if (rc != 0)
			return rc;
		if (key.type != GB_MP_STR || !in_list(allowed, key.v.str.ptr, key.v.str.len))
			return gb_err_set(err, GB_EFIELD, "%s: unknown field '%.*s'", where,
				(int)key.v.str.len, (const char *)key.v.str.ptr);
		rc = gb_mpr_skip(&rd, GB_BODY_DEPTH_MAX, err);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Rejects any body field that is neither common nor the type's own. */
static int check_known_fields(const gb_entry *e, const char *const *fields, gb_err *err)
{
	gb_mpr rd;
	gb_mp_item it;
	gb_mpr_init(&rd, e->body, e->body_len);
	int rc = gb_mpr_next(&rd, &it, err);
	if (rc != 0 || it.type != GB_MP_MAP)
		return rc ? rc : gb_err_set(err, GB_EFIELD, "body: not a map");
	for (uint32_t i = 0; i < it.v.count; i++) {
		gb_mp_item key;
		rc = gb_mpr_next(&rd, &key, err);
		if (rc != 0)
			return rc;
		assert(key.type == GB_MP_STR);
		if (!in_list(common_fields, key.v.str.ptr, key.v.str.len) &&
		    !in_list(fields, key.v.str.ptr, key.v.str.len))
			return gb_err_set(err, GB_EFIELD, "unknown field '%.*s' in a '%.*s' body",
				(int)key.v.str.len, (const char *)key.v.str.ptr,
				(int)e->type.len, e->type.ptr);
		rc = gb_mpr_skip(&rd, GB_BODY_DEPTH_MAX, err);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int gb_field_str(const uint8_t *p, size_t len, const char *key, gb_str *out,
	size_t max_len, gb_err *err)
{
	gb_mp_item it;
	const uint8_t *val;
	size_t val_len;
	if (gb_mp_map_get(p, len, key, &it, &val, &val_len) != 0)
		return gb_err_set(err, GB_EFIELD, "missing field '%s'", key);
	if (it.type != GB_MP_STR)
		return gb_err_set(err, GB_EFIELD, "field '%s' must be a string", key);
	if (it.v.str.len == 0 || it.v.str.len > max_len)
		return gb_err_set(err, GB_EVALUE, "field '%s' must be 1 to %zu bytes, got %u",
			key, max_len, (unsigned)it.v.str.len);
	out->ptr = (const char *)it.v.str.ptr;
	out->len = it.v.str.len;
	return 0;
}

void gb_str_copy(char *dst, size_t cap, gb_str s)
{
	assert(s.len < cap);
	memcpy(dst, s.ptr, s.len);
	dst[s.len] = '\0';
}

/* Parses one participant map at [p, p+len) into *out. */
/* Reads an optional boolean flag of a stored participant. */
static int stored_flag(const uint8_t *p, size_t len, const char *key)
{
	gb_mp_item it;
	return gb_mp_map_get(p, len, key, &it, NULL, NULL) == 0 && it.type == GB_MP_BOOL && it.v.b;
}

/*
 * Parses one participant map. A charter's has exactly id, role, vkey; a
 * stored roster's (stored != 0) may also carry revoked and suspended flags.
 */
static int parse_participant(const uint8_t *p, size_t len, size_t n, gb_participant *out,
	int stored, gb_err *err)
{
	static const char *const fields[] = { "id", "role", "vkey", NULL };
	static const char *const stored_fields[] = { "id", "revoked", "role", "suspended", "vkey", NULL };
	gb_mpr rd;
	gb_mp_item it;
	gb_mpr_init(&rd, p, len);
	if (gb_mpr_next(&rd, &it, NULL) != 0 || it.type != GB_MP_MAP ||
	    gb_rules_known_keys(p, len, stored ? stored_fields : fields, "participant", NULL) != 0 ||
	    (!stored && it.v.count != 3))
		return gb_err_set(err, GB_ECHARTER, "participants[%zu]: want a map of id, role, vkey", n);
	out->revoked = stored && stored_flag(p, len, "revoked");
	out->suspended = stored && stored_flag(p, len, "suspended");
	gb_str id, role, vkey;
	int rc = gb_field_str(p, len, fields[0], &id, GB_ID_MAX, err);
	rc = rc ? rc : gb_field_str(p, len, fields[1], &role, 16, err);
	rc = rc ? rc : gb_field_str(p, len, fields[2], &vkey, GB_VKEY_MAX - 1, err);
	if (rc != 0)
		return gb_err_prefix(err, rc, "participants[%zu]: ", n);
	/* Participant ids name accounts ("m/<id>/cash"), so they may not hold a '/'. */
	if (!gb_id_valid(id) || memchr(id.ptr, '/', id.len) != NULL)
		return gb_err_set(err, GB_ECHARTER, "participants[%zu]: invalid id '%.*s' (A-Z a-z 0-9 . _ : -)", n,
			(int)id.len, id.ptr);
	gb_str_copy(out->id, sizeof out->id, id);
	out->role = gb_role_parse(role);
	if (out->role == 0)
		return gb_err_set(err, GB_ECHARTER, "participants[%zu]: unknown role '%.*s'", n,
			(int)role.len, role.ptr);
	char vk[GB_VKEY_MAX];
	gb_str_copy(vk, sizeof vk, vkey);
	rc = gb_vkey_parse(&out->key, vk, err);
	if (rc != 0)
		return gb_err_prefix(err, GB_ECHARTER, "participants[%zu]: vkey: ", n);
	if (strcmp(out->key.name, out->id) != 0)
		return gb_err_set(err, GB_ECHARTER,
			"participants[%zu]: vkey must be named '%s', not '%s'", n,
			out->id, out->key.name);
	if (!gb_role_key_alg_allowed(out->role, out->key.alg))
		return gb_err_set(err, GB_ECHARTER,
			"participants[%zu]: vkey of '%s' has alg 0x%02x; %s", n, out->id,
			out->key.alg, gb_role_key_alg_rule(out->role));
	return 0;
}

static int cmp_participant(const void *a, const void *b)
{
	return strcmp(((const gb_participant *)a)->id, ((const gb_participant *)b)->id);
}

/* Parses the participants array of a charter body into r (unsorted on failure). */
static int parse_participants(gb_roster *r, const gb_entry *e, int stored, gb_err *err)
{
	gb_mp_item it;
	const uint8_t *val;
	size_t val_len;
	if (gb_mp_map_get(e->body, e->body_len, "participants", &it, &val, &val_len) != 0 ||
	    it.type != GB_MP_ARRAY)
		return gb_err_set(err, GB_ECHARTER, "missing array 'participants'");
	if (it.v.count == 0 || it.v.count > GB_PARTICIPANTS_MAX)
		return gb_err_set(err, GB_ECHARTER, "participants: want 1 to %d, got %u",
			GB_PARTICIPANTS_MAX, (unsigned)it.v.count);
	gb_mpr rd;
	gb_mpr_init(&rd, val, val_len);
	int rc = gb_mpr_next(&rd, &it, err);
	assert(rc == 0);
	for (size_t n = 0; n < it.v.count; n++) {
		const uint8_t *start = rd.p;
		rc = gb_mpr_skip(&rd, GB_BODY_DEPTH_MAX, err);
		if (rc != 0)
			return rc;
		rc = parse_participant(start, (size_t)(rd.p - start), n, &r->p[n], stored, err);
		if (rc != 0)
			return rc;
	}
	r->count = it.v.count;
	qsort(r->p, r->count, sizeof r->p[0], cmp_participant);
	for (size_t n = 1; n < r->count; n++)
		if (strcmp(r->p[n - 1].id, r->p[n].id) == 0)
			return gb_err_set(err, GB_ECHARTER, "participant '%s' listed twice", r->p[n].id);
	return 0;
}

/* Entry 0: builds the roster from the charter; the charter certifies its own key. */
static int apply_charter(gb_rules_env *env, const gb_entry *e, gb_err *err)
{
	gb_roster *r = env->roster;
	uint64_t index = env->index;
	if (index != 0 || r->count != 0)
		return gb_err_set(err, GB_ECHARTER, "a charter must be entry 0, not entry %llu",
			(unsigned long long)index);
	gb_roster *next = calloc(1, sizeof *next);
	if (next == NULL)
		return gb_err_set(err, GB_ENOMEM, "out of memory reading the charter");
	gb_str name;
	int rc = gb_field_str(e->body, e->body_len, "name", &name, GB_CONSORTIUM_NAME_MAX, err);
	if (rc == 0)
		rc = parse_participants(next, e, 0, err);
	if (rc == 0) {
		gb_str_copy(next->name, sizeof next->name, name);
		gb_str_copy(next->consortium, sizeof next->consortium, e->consortium);
		const gb_participant *signer = gb_roster_find(next, e->signer);
		if (signer == NULL || signer->role != GB_ROLE_ASSOCIATION)
			rc = gb_err_set(err, GB_ECHARTER,
				"the charter must be signed by an association it names, not '%.*s'",
				(int)e->signer.len, e->signer.ptr);
	}
	if (rc == 0) {
		memcpy(r, next, sizeof *r);
		env->roster_changed = 1;
		rc = gb_members_charter_extras(env, e, err);
		if (rc != 0) { /* it was empty: leave it so */
			memset(r, 0, sizeof *r);
			env->roster_changed = 0;
		}
	}
	free(next);
	return rc;
}

static int is_lower_hex(gb_str s)
{
	for (size_t i = 0; i < s.len; i++)
		if (!((s.ptr[i] >= '0' && s.ptr[i] <= '9') || (s.ptr[i] >= 'a' && s.ptr[i] <= 'f')))
			return 0;
	return 1;
}

/* A memo: free text with the optional SHA-256 of an attached document. */
static int apply_memo(gb_rules_env *env, const gb_entry *e, gb_err *err)
{
	gb_str text, sha;
	int rc = gb_field_str(e->body, e->body_len, "text", &text, GB_MEMO_TEXT_MAX, err);
	if (rc != 0)
		return rc;
	gb_mp_item it;
	const uint8_t *val;
	size_t val_len;
	if (gb_mp_map_get(e->body, e->body_len, "doc_sha256", &it, &val, &val_len) != 0)
		return 0;
	rc = gb_field_str(e->body, e->body_len, "doc_sha256", &sha, 64, err);
	if (rc != 0)
		return rc;
	if (sha.len != 64 || !is_lower_hex(sha))
		return gb_err_set(err, GB_EVALUE, "field 'doc_sha256' must be 64 lowercase hex digits, got '%.*s'",
			(int)sha.len, sha.ptr);
	return 0;
}

/* The entry's time must be within the charter's skew of the ledger's clock (when it has one). */
static int check_time(const gb_rules_env *env, const gb_entry *e, gb_err *err)
{
	if (env->now == 0)
		return 0; /* replaying: the clock at append is not known */
	gb_params loaded;
	const gb_params *pr = env->params;
	if (pr == NULL) {
		int rc = gb_params_load(env->state, &loaded, err);
		if (rc != 0)
			return rc;
		pr = &loaded;
	}
	uint64_t skew = (uint64_t)pr->skew_s;
	if (e->time + skew < env->now || e->time > env->now + skew)
		return gb_err_set(err, GB_ETIME, "time %llu is more than %llu s from the ledger's clock %llu",
			(unsigned long long)e->time, (unsigned long long)skew, (unsigned long long)env->now);
	return 0;
}

static const struct gb_type_rule *find_type(gb_str type)
{
	for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
		for (size_t i = 0; i < *families[f].count; i++)
			if (gb_str_eq(type, families[f].rules[i].type))
				return &families[f].rules[i];
	return NULL;
}

/* Resolves the key of every signature, and checks the signer's role. */
static int resolve_keys(const gb_roster *r, const struct gb_type_rule *t, const gb_entry *e,
	gb_pubkey keys[GB_ENTRY_SIGS_MAX], gb_err *err)
{
	for (size_t i = 0; i < e->sig_count; i++) {
		const gb_entry_sig *s = &e->sigs[i];
		const gb_participant *p = gb_roster_find(r, s->signer);
		if (p == NULL)
			return gb_err_set(err, GB_EUNKNOWNKEY, "signature %zu: '%.*s' is not a participant",
				i, (int)s->signer.len, s->signer.ptr);
		if (p->revoked)
			return gb_err_set(err, GB_EUNKNOWNKEY, "signature %zu: the key of '%s' is revoked",
				i, p->id);
		if (p->suspended)
			return gb_err_set(err, GB_EAUTH, "signature %zu: member '%s' is suspended", i, p->id);
		if (p->key.alg != GB_ALG_ED25519)
			return gb_err_set(err, GB_EUNKNOWNKEY,
				"signature %zu: the key of '%s' is a witness cosigning key (alg 0x%02x), which signs no entries",
				i, p->id, p->key.alg);
		if (p->key.keyid != s->keyid)
			return gb_err_set(err, GB_EUNKNOWNKEY,
				"signature %zu: key %08x is not the key of '%s' (%08x)", i,
				(unsigned)s->keyid, p->id, (unsigned)p->key.keyid);
		if (i == 0 && !(p->role & t->signer_roles))
			return gb_err_set(err, GB_EAUTH, "a %s ('%s') may not sign a '%s'",
				gb_role_name(p->role), p->id, t->type);
		keys[i] = p->key;
	}
	return 0;
}

int gb_rules_apply(gb_rules_env *env, const gb_entry *e,
	gb_pubkey keys[GB_ENTRY_SIGS_MAX], gb_err *err)
{
	assert(env != NULL && env->roster != NULL);
	assert(e != NULL && e->sig_count >= 1);
	gb_roster *r = env->roster;
	const struct gb_type_rule *t = find_type(e->type);
	if (t == NULL)
		return gb_err_set(err, GB_ETYPE, "unknown type '%.*s'", (int)e->type.len, e->type.ptr);
	if (r->count == 0 && t->apply != apply_charter)
		return gb_err_set(err, GB_ECHARTER, "entry 0 must be a charter, not a '%s'", t->type);
	if (r->count != 0 && !gb_str_eq(e->consortium, r->consortium))
		return gb_err_set(err, GB_ECONSORTIUM, "consortium '%.*s' is not this ledger's '%s'",
			(int)e->consortium.len, e->consortium.ptr, r->consortium);
	if (e->sig_count > t->sigs_max)
		return gb_err_set(err, GB_EFIELD, "a '%s' takes %zu signature(s), got %zu",
			t->type, t->sigs_max, e->sig_count);
	int rc = check_known_fields(e, t->fields, err);
	if (rc != 0)
		return rc;
	if (t->apply == apply_charter) {
		/* The charter names the keys that sign it: build, then resolve. */
		rc = apply_charter(env, e, err);
		if (rc == 0 && ((rc = resolve_keys(r, t, e, keys, err)) != 0 ||
				(rc = check_time(env, e, err)) != 0)) {
			memset(r, 0, sizeof *r); /* it was empty: leave it so */
			env->roster_changed = 0;
		}
		return rc;
	}
	rc = resolve_keys(r, t, e, keys, err);
	rc = rc ? rc : t->apply(env, e, err);
	return rc ? rc : check_time(env, e, err);
}

int gb_field_str_opt(const uint8_t *p, size_t len, const char *key, gb_str *out,
	size_t max_len, gb_err *err)
{
	gb_mp_item it;
	out->ptr = NULL;
	out->len = 0;
	if (gb_mp_map_get(p, len, key, &it, NULL, NULL) != 0)
		return 0;
	return gb_field_str(p, len, key, out, max_len, err);
}

int gb_field_int(const uint8_t *p, size_t len, const char *key, int64_t min, int64_t max,
	int64_t *out, gb_err *err)
{
	assert(min <= max);
	gb_mp_item it;
	if (gb_mp_map_get(p, len, key, &it, NULL, NULL) != 0)
		return gb_err_set(err, GB_EFIELD, "missing field '%s'", key);
	int64_t v;
	if (it.type == GB_MP_INT)
		v = it.v.i;
	else if (it.type == GB_MP_UINT && it.v.u <= INT64_MAX)
		v = (int64_t)it.v.u;
	else
		return gb_err_set(err, GB_EFIELD, "field '%s' must be an integer", key);
	if (v < min || v > max)
		return gb_err_set(err, GB_EVALUE, "field '%s' is %lld, want %lld to %lld", key,
			(long long)v, (long long)min, (long long)max);
	*out = v;
	return 0;
}

int gb_field_int_opt(const uint8_t *p, size_t len, const char *key, int64_t min, int64_t max,
	int64_t dflt, int64_t *out, gb_err *err)
{
	gb_mp_item it;
	if (gb_mp_map_get(p, len, key, &it, NULL, NULL) != 0) {
		*out = dflt;
		return 0;
	}
	return gb_field_int(p, len, key, min, max, out, err);
}

int gb_field_fen(const uint8_t *p, size_t len, const char *key, int64_t *out, gb_err *err)
{
	int rc = gb_field_int(p, len, key, 0, INT64_MAX, out, err);
	if (rc == GB_EVALUE)
		return gb_err_set(err, GB_EVALUE, "field '%s' must not be negative", key);
	if (rc == 0 && *out > GB_FEN_MAX)
		return gb_err_set(err, GB_EOVERFLOW, "field '%s' is %lld fen, over the limit %lld",
			key, (long long)*out, (long long)GB_FEN_MAX);
	return rc;
}

int gb_field_raw(const uint8_t *p, size_t len, const char *key, enum gb_mp_type type,
	const uint8_t **val, size_t *val_len, gb_mp_item *item, gb_err *err)
{
	gb_mp_item it;
	if (gb_mp_map_get(p, len, key, &it, val, val_len) != 0)
		return gb_err_set(err, GB_EFIELD, "missing field '%s'", key);
	if (it.type != type)
		return gb_err_set(err, GB_EFIELD, "field '%s' has the wrong type", key);
	if (item != NULL)
		*item = it;
	return 0;
}

int gb_entry_sig_by(const gb_entry *e, const char *id)
{
	for (size_t i = 0; i < e->sig_count; i++)
		if (gb_str_eq(e->sigs[i].signer, id))
			return (int)i;
	return -1;
}

void gb_roster_encode(const gb_roster *r, gb_mpw *w)
{
	assert(r->count <= GB_PARTICIPANTS_MAX);
	gb_mpw_map(w, 3);
	gb_mpw_cstr(w, "consortium");
	gb_mpw_cstr(w, r->consortium);
	gb_mpw_cstr(w, "name");
	gb_mpw_cstr(w, r->name);
	gb_mpw_cstr(w, "participants");
	gb_mpw_array(w, (uint32_t)r->count);
	for (size_t i = 0; i < r->count; i++) {
		char vk[GB_VKEY_MAX];
		gb_vkey_format(&r->p[i].key, vk);
		const gb_participant *p = &r->p[i];
		gb_mpw_map(w, 3 + (uint32_t)(p->revoked != 0) + (uint32_t)(p->suspended != 0));
		gb_mpw_cstr(w, "id");
		gb_mpw_cstr(w, p->id);
		if (p->revoked) {
			gb_mpw_cstr(w, "revoked");
			gb_mpw_bool(w, true);
		}
		gb_mpw_cstr(w, "role");
		gb_mpw_cstr(w, gb_role_name(p->role));
		if (p->suspended) {
			gb_mpw_cstr(w, "suspended");
			gb_mpw_bool(w, true);
		}
		gb_mpw_cstr(w, "vkey");
		gb_mpw_cstr(w, vk);
	}
}

int gb_roster_decode(gb_roster *r, const uint8_t *p, size_t len, gb_err *err)
{
	static const gb_mp_limits lim = { 4, GB_VKEY_MAX, GB_PARTICIPANTS_MAX, 8, false, false };
	memset(r, 0, sizeof *r);
	gb_str consortium, name;
	int rc = gb_mp_check(p, len, &lim, err);
	rc = rc ? rc : gb_field_str(p, len, "consortium", &consortium, GB_ID_MAX, err);
	rc = rc ? rc : gb_field_str(p, len, "name", &name, GB_CONSORTIUM_NAME_MAX, err);
	if (rc != 0) {
		gb_err_prefix(err, rc, "stored roster: ");
		if (err != NULL)
			err->code = GB_ECORRUPT;
		return GB_ECORRUPT;
	}
	/* Reuse the charter parser on a body-shaped view of the roster. */
	gb_entry view = { 0 };
	view.body = p;
	view.body_len = len;
	rc = parse_participants(r, &view, 1, err);
	if (rc != 0) {
		memset(r, 0, sizeof *r);
		gb_err_prefix(err, rc, "stored roster: ");
		if (err != NULL)
			err->code = GB_ECORRUPT;
		return GB_ECORRUPT;
	}
	gb_str_copy(r->consortium, sizeof r->consortium, consortium);
	gb_str_copy(r->name, sizeof r->name, name);
	return 0;
}
