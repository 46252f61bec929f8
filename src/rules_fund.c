/*
 * rules_fund.c: the fund and settlement family: spending from the
 * accident-prevention fund, settlements between members, and corrections
 * (spec/TRANSACTIONS.md, "The prevention fund, settlements and
 * corrections"; spec/RULES.md).
 *
 * Each type checks everything first and then writes: its records, then its
 * posting set through gb_books_post (which checks the invariants again and
 * records the set under "post/<index>").
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "gongbao/books.h"
#include "gongbao/money.h"
#include "gongbao/shares.h"
#include "rules_internal.h"

/* Longest beneficiary name, plan reference, settlement reference and correction reason, in bytes. */
#define FUND_BENEFICIARY_MAX 256
#define FUND_PLAN_MAX 64
#define SETTLE_REFERENCE_MAX 64
#define CORRECTION_REASON_MAX 1024

/*
 * One posting set per thread: it is about 41 KB, too large for a small
 * thread stack, and the rules run on the appending thread only.
 */
static _Thread_local gb_postings scratch;

/* What the prevention fund may be spent on (DOMAIN.md; 专款专用). */
static const char *const fund_purposes[] = {
	"training", "risk_assessment", "hidden_danger", "drills", "rewards", "technology",
	"evaluation", "consulting", "publicity", NULL
};
#define FUND_PURPOSES_TEXT "training, risk_assessment, hidden_danger, drills, rewards, " \
	"technology, evaluation, consulting, publicity"

/* Loads the default share table ("shares"): GB_ESTATE if the charter set none. */
static int default_shares(const gb_state *st, gb_shares *t, gb_err *err)
{
	const uint8_t *p;
	size_t len;
	assert(st != NULL);
	assert(t != NULL);
	int rc = gb_state_get(st, "shares", &p, &len);
	if (rc == GB_ENOTFOUND)
		return gb_err_set(err, GB_ESTATE, "the consortium has no default share table");
	if (rc != 0)
		return gb_err_set(err, rc, "reading 'shares': %s", gb_strerror(rc));
	rc = gb_shares_parse(t, p, len, err);
	if (rc != 0) {
		gb_err_prefix(err, rc, "stored shares: ");
		if (err != NULL)
			err->code = GB_ECORRUPT;
		return GB_ECORRUPT;
	}
	return 0;
}

/* Index of the first co-signature (sigs[1..]) by a participant of `role`, or -1. */
static int cosig_by_role(const gb_rules_env *env, const gb_entry *e, unsigned role)
{
	assert(e->sig_count <= GB_ENTRY_SIGS_MAX);
	for (size_t i = 1; i < e->sig_count; i++) {
		const gb_participant *p = gb_roster_find(env->roster, e->sigs[i].signer);
		if (p != NULL && p->role == role)
			return (int)i;
	}
	return -1;
}

/* Reads an amount in fen that must be above 0. */
static int positive_fen(const gb_entry *e, const char *key, int64_t *out, gb_err *err)
{
	int rc = gb_field_fen(e->body, e->body_len, key, out, err);
	if (rc != 0)
		return rc;
	if (*out == 0)
		return gb_err_set(err, GB_EVALUE, "field '%s' is 0 fen, want more than 0", key);
	return 0;
}

/* Reads the withdrawal's fields: purpose from the allowed list, beneficiary, amount, plan. */
static int withdraw_fields(const gb_entry *e, int64_t *amount_fen, gb_err *err)
{
	gb_str purpose, beneficiary, plan;
	int rc = gb_field_str(e->body, e->body_len, "purpose", &purpose, 32, err);
	if (rc == GB_EVALUE) /* empty, or longer than any allowed purpose */
		return gb_err_set(err, GB_EVALUE, "field 'purpose' is empty or too long, want one of: "
			FUND_PURPOSES_TEXT);
	rc = rc ? rc : gb_field_str(e->body, e->body_len, "beneficiary", &beneficiary,
		FUND_BENEFICIARY_MAX, err);
	rc = rc ? rc : gb_field_str(e->body, e->body_len, "plan", &plan, FUND_PLAN_MAX, err);
	rc = rc ? rc : positive_fen(e, "amount", amount_fen, err);
	if (rc != 0)
		return rc;
	for (size_t i = 0; fund_purposes[i] != NULL; i++)
		if (gb_str_eq(purpose, fund_purposes[i]))
			return 0;
	return gb_err_set(err, GB_EVALUE, "field 'purpose' is '%.*s', want one of: " FUND_PURPOSES_TEXT,
		(int)purpose.len, purpose.ptr);
}

static int post_correctable(const gb_postings *ps, const gb_rules_env *env, gb_err *err);

/*
 * fund.withdraw: the lead of the default share table pays `amount` out of
 * the prevention fund, with the association's approval (co-signature). The
 * members are charged in proportion to their fund parts.
 */
static int apply_withdraw(gb_rules_env *env, const gb_entry *e, gb_err *err)
{
	assert(env != NULL && env->state != NULL);
	assert(e != NULL);
	int64_t amount_fen = 0;
	gb_shares t;
	int rc = withdraw_fields(e, &amount_fen, err);
	rc = rc ? rc : default_shares(env->state, &t, err);
	if (rc != 0)
		return rc;
	if (!gb_str_eq(e->signer, t.id[t.lead]))
		return gb_err_set(err, GB_EAUTH, "fund.withdraw is signed by the lead '%s', not '%.*s'",
			t.id[t.lead], (int)e->signer.len, e->signer.ptr);
	if (cosig_by_role(env, e, GB_ROLE_ASSOCIATION) < 0)
		return gb_err_set(err, GB_ENOSIG, "fund.withdraw needs the association's approval signature");
	gb_postings *ps = &scratch;
	gb_postings_init(ps);
	rc = gb_books_fund_withdrawal(ps, env->state, &t, amount_fen, err);
	return rc ? rc : post_correctable(ps, env, err);
}

/*
 * settle.pay: the signer (a member) pays `payee` (a member) `amount`
 * towards what it owes the payee; the payee acknowledges by co-signing.
 */
static int apply_settle(gb_rules_env *env, const gb_entry *e, gb_err *err)
{
	assert(env != NULL && env->state != NULL);
	assert(e != NULL);
	gb_str payee, reference;
	int64_t amount_fen = 0;
	int rc = gb_field_str(e->body, e->body_len, "payee", &payee, GB_ID_MAX, err);
	rc = rc ? rc : positive_fen(e, "amount", &amount_fen, err);
	rc = rc ? rc : gb_field_str(e->body, e->body_len, "reference", &reference,
		SETTLE_REFERENCE_MAX, err);
	if (rc != 0)
		return rc;
	const gb_participant *q = gb_roster_find(env->roster, payee);
	if (q == NULL)
		return gb_err_set(err, GB_ENOTFOUND, "payee '%.*s' is not in the roster",
			(int)payee.len, payee.ptr);
	if (q->role != GB_ROLE_MEMBER)
		return gb_err_set(err, GB_EVALUE, "payee '%s' is a %s, not a member", q->id,
			gb_role_name(q->role));
	if (gb_str_eq(e->signer, q->id))
		return gb_err_set(err, GB_EVALUE, "payee '%s' is the payer", q->id);
	int at = gb_entry_sig_by(e, q->id);
	if (at < 1)
		return gb_err_set(err, GB_ENOSIG, "settle.pay needs the acknowledgement (co-signature) of the payee '%s'",
			q->id);
	char payer[GB_ID_MAX + 1];
	gb_str_copy(payer, sizeof payer, e->signer);
	gb_postings *ps = &scratch;
	gb_postings_init(ps);
	rc = gb_books_settlement(ps, env->state, payer, q->id, amount_fen, err);
	return rc ? rc : post_correctable(ps, env, err);
}

/* "correction/<index>" (a correction's own record) or "corrected/<index>" (its target's mark). */
static void correction_key(char out[48], const char *prefix, uint64_t index)
{
	snprintf(out, 48, "%s/%" PRIu64, prefix, index);
}

/*
 * Posts a withdrawal's or a settlement's set and marks the entry
 * "correctable/<index>": these are the only entries a correction may undo,
 * because no record (a policy's received_fen, a claim's paid_fen) mirrors
 * their money and would be left disagreeing with the books.
 */
static int post_correctable(const gb_postings *ps, const gb_rules_env *env, gb_err *err)
{
	char key[48];
	int rc = gb_books_post(ps, env->state, env->index, err);
	if (rc != 0)
		return rc;
	correction_key(key, "correctable", env->index);
	rc = gb_state_put(env->state, key, "\xc3", 1); /* MessagePack true */
	return rc ? gb_err_set(err, rc, "storing '%s': %s", key, gb_strerror(rc)) : 0;
}

/* Whether `key` has a value: 1 yes, 0 no, or a negative code (with a message). */
static int state_has(const gb_state *st, const char *key, const uint8_t **val, size_t *len,
	gb_err *err)
{
	int rc = gb_state_get(st, key, val, len);
	if (rc == GB_ENOTFOUND)
		return 0;
	if (rc != 0)
		return gb_err_set(err, rc, "reading '%s': %s", key, gb_strerror(rc));
	return 1;
}

/*
 * Refuses a correction of entry k if entry k is itself a correction, or
 * has been corrected already (GB_ESTATE).
 */
static int correction_allowed(const gb_state *st, uint64_t k, gb_err *err)
{
	char key[48];
	const uint8_t *val;
	size_t len;
	correction_key(key, "correctable", k);
	int able = state_has(st, key, &val, &len, err);
	if (able < 0)
		return able;
	if (able == 0) {
		correction_key(key, "correction", k);
		if (state_has(st, key, &val, &len, NULL) > 0)
			return gb_err_set(err, GB_ESTATE,
				"entry %" PRIu64 " is a correction; corrections are not corrected", k);
		return gb_err_set(err, GB_ESTATE, "entry %" PRIu64 " cannot be corrected: only fund "
			"withdrawals and settlements between members can; a policy, premium or claim is put "
			"right by its own types (endorsement, cancellation) so that its record stays in step "
			"with the books", k);
	}
	correction_key(key, "correction", k);
	int rc = state_has(st, key, &val, &len, err);
	if (rc != 0)
		return rc < 0 ? rc : gb_err_set(err, GB_ESTATE,
			"entry %" PRIu64 " is a correction; corrections are not corrected", k);
	correction_key(key, "corrected", k);
	rc = state_has(st, key, &val, &len, err);
	if (rc <= 0)
		return rc;
	int64_t by = -1;
	if (gb_field_int(val, len, "by", 0, INT64_MAX, &by, NULL) != 0)
		return gb_err_set(err, GB_ECORRUPT, "'%s' does not parse", key);
	return gb_err_set(err, GB_ESTATE, "entry %" PRIu64 " was already corrected by entry %lld",
		k, (long long)by);
}

/*
 * The undoing set `ps` may not take any member's fund part above 0: that
 * happens when the set-aside it reverses has since been spent. GB_ESTATE
 * naming the member, before the books would call it GB_EINVARIANT.
 */
static int correction_fund_check(const gb_postings *ps, const gb_state *st, uint64_t k,
	gb_err *err)
{
	assert(ps->count <= GB_POSTINGS_MAX);
	for (size_t i = 0; i < ps->count; i++) {
		const gb_posting *l = &ps->line[i];
		if (l->kind != GB_ACCOUNT_FUND)
			continue;
		const char *m = ps->member[l->member];
		int64_t bal = 0, after = 0;
		int rc = gb_books_balance(st, m, GB_ACCOUNT_FUND, NULL, &bal, err);
		if (rc != 0)
			return rc;
		if (gb_fen_add(bal, l->amount_fen, &after) != 0)
			return gb_err_set(err, GB_EOVERFLOW, "correction of entry %" PRIu64
				": fund part of '%s' out of range", k, m);
		if (after > 0)
			return gb_err_set(err, GB_ESTATE, "correction of entry %" PRIu64 " would take the fund "
				"part of '%s' to %lld fen, above 0: its set-aside has been spent", k, m,
				(long long)after);
	}
	return 0;
}

/* Writes "correction/<index>" {"entry": k, "reason": r} and "corrected/<k>" {"by": index}. */
static int correction_records(const gb_rules_env *env, uint64_t k, gb_str reason, gb_err *err)
{
	uint8_t buf[CORRECTION_REASON_MAX + 64];
	char key[48];
	gb_mpw w;
	gb_mpw_init(&w, buf, sizeof buf);
	gb_mpw_map(&w, 2);
	gb_mpw_cstr(&w, "entry");
	gb_mpw_int(&w, (int64_t)k);
	gb_mpw_cstr(&w, "reason");
	gb_mpw_str(&w, reason.ptr, reason.len);
	correction_key(key, "correction", env->index);
	int rc = w.err ? w.err : gb_state_put(env->state, key, buf, w.len);
	if (rc == 0) {
		gb_mpw_init(&w, buf, sizeof buf);
		gb_mpw_map(&w, 1);
		gb_mpw_cstr(&w, "by");
		gb_mpw_int(&w, (int64_t)env->index);
		correction_key(key, "corrected", k);
		rc = w.err ? w.err : gb_state_put(env->state, key, buf, w.len);
	}
	return rc ? gb_err_set(err, rc, "storing '%s': %s", key, gb_strerror(rc)) : 0;
}

/*
 * correction: the association reverses the posting set of an earlier entry
 * (field "entry"), with a reason. Money only: records such as a policy's
 * received_fen are not changed.
 */
static int apply_correction(gb_rules_env *env, const gb_entry *e, gb_err *err)
{
	assert(env != NULL && env->state != NULL);
	assert(e != NULL);
	int64_t entry = 0;
	gb_str reason;
	int rc = gb_field_int(e->body, e->body_len, "entry", 0, INT64_MAX, &entry, err);
	rc = rc ? rc : gb_field_str(e->body, e->body_len, "reason", &reason, CORRECTION_REASON_MAX, err);
	if (rc != 0)
		return rc;
	uint64_t k = (uint64_t)entry;
	if (k >= env->index)
		return gb_err_set(err, GB_ENOTFOUND, "entry %" PRIu64 " is not in the log (it has %" PRIu64
			" entries)", k, env->index);
	gb_postings *ps = &scratch;
	rc = correction_allowed(env->state, k, err);
	rc = rc ? rc : gb_books_posted(ps, env->state, k, err);
	if (rc != 0)
		return rc;
	gb_postings_negate(ps);
	rc = correction_fund_check(ps, env->state, k, err);
	/* Post first: if the books refuse the set, no correction record may remain. */
	rc = rc ? rc : gb_books_post(ps, env->state, env->index, err);
	return rc ? rc : correction_records(env, k, reason, err);
}

static const char *const withdraw_fields_list[] = { "amount", "beneficiary", "plan", "purpose", NULL };
static const char *const settle_fields[] = { "amount", "payee", "reference", NULL };
static const char *const correction_fields[] = { "entry", "reason", NULL };

/* The fund and settlement family. Keep in step with spec/RULES.md. */
const struct gb_type_rule gb_rules_fund[] = {
	{ "fund.withdraw", GB_ROLE_MEMBER, 2, withdraw_fields_list, apply_withdraw },
	{ "settle.pay", GB_ROLE_MEMBER, 2, settle_fields, apply_settle },
	{ "correction", GB_ROLE_ASSOCIATION, 1, correction_fields, apply_correction },
};
const size_t gb_rules_fund_count = sizeof gb_rules_fund / sizeof gb_rules_fund[0];
