/*
 * rules_claims.c: money in and out: premium receipts and claims
 * (spec/TRANSACTIONS.md, "Money in and out"; the authority table is
 * spec/RULES.md).
 *
 * Every type here is signed by the lead of the policy it concerns (the lead
 * of the policy's own share table): the lead collects the premium and pays
 * claims first, and the posting sets make each follower's share of either
 * a debt between the lead and that follower. Every check runs before the
 * first write, so a rejected entry changes nothing even outside a ledger
 * transaction.
 *
 * Also the "claim/<id>" record (gongbao/claim.h).
 */
#include <assert.h>
#include <stddef.h>
#include <string.h>

#include "gongbao/books.h"
#include "gongbao/claim.h"
#include "gongbao/money.h"
#include "gongbao/policy.h"
#include "rules_internal.h"

/* Longest payer reference of a premium receipt, payee of an advance, reason of a rejection. */
#define PAYER_REF_MAX 128
#define PAYEE_MAX 256
#define REASON_MAX 1024
/* Dates as the entries carry them. */

/*
 * The posting set being built. It is about 41 KB, too big for a small
 * thread stack and built once per entry, so each thread keeps one.
 */
static _Thread_local gb_postings claims_ps;

/* ------------------------------------------------------------ messages */

/* Amounts in messages: GB_FEN and gb_fen_format (money.h). */

/* --------------------------------------------------------------- dates */

/* ------------------------------------------------------- claim records */

static const char *const status_names[] = { "open", "settled", "closed", "rejected" };

const char *gb_claim_status_name(int status)
{
	if (status < GB_CLAIM_OPEN || status > GB_CLAIM_REJECTED)
		return NULL;
	return status_names[status];
}

/* The state key of claim `id`; GB_EVALUE if the id is not one. */
static int claim_key(char key[sizeof GB_CLAIM_KEY_PREFIX + GB_CLAIM_ID_MAX], const char *id,
	gb_err *err)
{
	gb_str s = { id, strlen(id) };
	if (!gb_id_valid(s))
		return gb_err_set(err, GB_EVALUE, "claim: invalid id '%.*s'", (int)(s.len > 80 ? 80 : s.len), id);
	memcpy(key, GB_CLAIM_KEY_PREFIX, sizeof GB_CLAIM_KEY_PREFIX - 1);
	memcpy(key + sizeof GB_CLAIM_KEY_PREFIX - 1, id, s.len + 1);
	return 0;
}

/* Checks the fields of c as gb_claim_store documents. */
static int claim_check(const gb_claim *c, gb_err *err)
{
	gb_str pol = { c->policy, strnlen(c->policy, sizeof c->policy) };
	if (pol.len == sizeof c->policy || !gb_id_valid(pol))
		return gb_err_set(err, GB_EVALUE, "claim '%s': invalid policy number", c->id);
	if (!gb_date_valid(c->accident))
		return gb_err_set(err, GB_EVALUE, "claim '%s': accident %u is not a date", c->id,
			(unsigned)c->accident);
	if (c->deaths < 0 || c->deaths > GB_CLAIM_PERSONS_MAX || c->injuries < 0 ||
	    c->injuries > GB_CLAIM_PERSONS_MAX)
		return gb_err_set(err, GB_EVALUE, "claim '%s': deaths %lld or injuries %lld out of range",
			c->id, (long long)c->deaths, (long long)c->injuries);
	const int64_t amounts[4] = { c->estimate_fen, c->advanced_fen, c->settled_fen, c->paid_fen };
	for (size_t i = 0; i < 4; i++)
		if (amounts[i] < 0 || amounts[i] > GB_FEN_MAX)
			return gb_err_set(err, GB_EVALUE, "claim '%s': amount %s fen out of range", c->id,
				GB_FEN(amounts[i]));
	if (gb_claim_status_name(c->status) == NULL)
		return gb_err_set(err, GB_EVALUE, "claim '%s': unknown status %d", c->id, c->status);
	return 0;
}

int gb_claim_store(const gb_state *st, const gb_claim *c, gb_err *err)
{
	assert(st != NULL);
	assert(c != NULL);
	char key[sizeof GB_CLAIM_KEY_PREFIX + GB_CLAIM_ID_MAX];
	int rc = claim_key(key, c->id, err);
	rc = rc ? rc : claim_check(c, err);
	if (rc != 0)
		return rc;
	uint8_t buf[1024];
	gb_mpw w;
	gb_mpw_init(&w, buf, sizeof buf);
	gb_mpw_map(&w, 10); /* keys in bytewise order */
	gb_mpw_cstr(&w, "accident");
	gb_mpw_int(&w, c->accident);
	gb_mpw_cstr(&w, "advanced_fen");
	gb_mpw_int(&w, c->advanced_fen);
	gb_mpw_cstr(&w, "deaths");
	gb_mpw_int(&w, c->deaths);
	gb_mpw_cstr(&w, "estimate_fen");
	gb_mpw_int(&w, c->estimate_fen);
	gb_mpw_cstr(&w, "id");
	gb_mpw_cstr(&w, c->id);
	gb_mpw_cstr(&w, "injuries");
	gb_mpw_int(&w, c->injuries);
	gb_mpw_cstr(&w, "paid_fen");
	gb_mpw_int(&w, c->paid_fen);
	gb_mpw_cstr(&w, "policy");
	gb_mpw_cstr(&w, c->policy);
	gb_mpw_cstr(&w, "settled_fen");
	gb_mpw_int(&w, c->settled_fen);
	gb_mpw_cstr(&w, "status");
	gb_mpw_cstr(&w, status_names[c->status]);
	if (w.err != 0)
		return gb_err_set(err, w.err, "encoding '%s': %s", key, gb_strerror(w.err));
	rc = gb_state_put(st, key, buf, w.len);
	return rc ? gb_err_set(err, rc, "storing '%s': %s", key, gb_strerror(rc)) : 0;
}

static const char *const claim_record_fields[] = {
	"accident", "advanced_fen", "deaths", "estimate_fen", "id", "injuries", "paid_fen",
	"policy", "settled_fen", "status", NULL
};

/* Parses a stored claim record; any problem is the caller's GB_ECORRUPT. */
static int claim_parse(const uint8_t *p, size_t len, gb_claim *c, gb_err *err)
{
	static const gb_mp_limits lim = { 1, 256, 0, 16, false, false };
	gb_str id, pol, status;
	int64_t accident;
	int rc = gb_mp_check(p, len, &lim, err);
	rc = rc ? rc : gb_rules_known_keys(p, len, claim_record_fields, "claim", err);
	rc = rc ? rc : gb_field_str(p, len, "id", &id, GB_CLAIM_ID_MAX, err);
	rc = rc ? rc : gb_field_str(p, len, "policy", &pol, GB_POLICY_NO_MAX, err);
	rc = rc ? rc : gb_field_str(p, len, "status", &status, 16, err);
	rc = rc ? rc : gb_field_int(p, len, "accident", GB_DATE_MIN, GB_DATE_MAX, &accident, err);
	rc = rc ? rc : gb_field_int(p, len, "deaths", 0, GB_CLAIM_PERSONS_MAX, &c->deaths, err);
	rc = rc ? rc : gb_field_int(p, len, "injuries", 0, GB_CLAIM_PERSONS_MAX, &c->injuries, err);
	rc = rc ? rc : gb_field_fen(p, len, "estimate_fen", &c->estimate_fen, err);
	rc = rc ? rc : gb_field_fen(p, len, "advanced_fen", &c->advanced_fen, err);
	rc = rc ? rc : gb_field_fen(p, len, "settled_fen", &c->settled_fen, err);
	rc = rc ? rc : gb_field_fen(p, len, "paid_fen", &c->paid_fen, err);
	if (rc != 0)
		return rc;
	gb_str_copy(c->id, sizeof c->id, id);
	gb_str_copy(c->policy, sizeof c->policy, pol);
	c->accident = (uint32_t)accident;
	c->status = -1;
	for (int i = GB_CLAIM_OPEN; i <= GB_CLAIM_REJECTED; i++)
		if (gb_str_eq(status, status_names[i]))
			c->status = i;
	if (c->status < 0)
		return gb_err_set(err, GB_EVALUE, "unknown status '%.*s'", (int)status.len, status.ptr);
	return claim_check(c, err);
}

int gb_claim_load(const gb_state *st, const char *id, gb_claim *out, gb_err *err)
{
	assert(st != NULL);
	assert(out != NULL);
	char key[sizeof GB_CLAIM_KEY_PREFIX + GB_CLAIM_ID_MAX];
	int rc = claim_key(key, id, err);
	if (rc != 0)
		return rc;
	const uint8_t *p;
	size_t len;
	rc = gb_state_get(st, key, &p, &len);
	if (rc == GB_ENOTFOUND)
		return gb_err_set(err, GB_ENOTFOUND, "claim '%s' not found", id);
	if (rc != 0)
		return gb_err_set(err, rc, "reading '%s': %s", key, gb_strerror(rc));
	memset(out, 0, sizeof *out);
	rc = claim_parse(p, len, out, err);
	if (rc != 0) {
		gb_err_prefix(err, rc, "stored '%s': ", key);
		if (err != NULL)
			err->code = GB_ECORRUPT;
		return GB_ECORRUPT;
	}
	if (strcmp(out->id, id) != 0)
		return gb_err_set(err, GB_ECORRUPT, "stored '%s' holds claim '%s'", key, out->id);
	return 0;
}

/* ---------------------------------------------------------- common steps */

/* Reads the string field `key` as a valid id into out (1..cap-1 bytes). */
static int field_id(const gb_entry *e, const char *key, char *out, size_t cap, gb_err *err)
{
	gb_str s;
	int rc = gb_field_str(e->body, e->body_len, key, &s, cap - 1, err);
	if (rc != 0)
		return rc;
	if (!gb_id_valid(s))
		return gb_err_set(err, GB_EVALUE, "field '%s': invalid id '%.*s' (A-Z a-z 0-9 . _ : / -)",
			key, (int)s.len, s.ptr);
	gb_str_copy(out, cap, s);
	return 0;
}

/* Reads an amount in fen that must be above 0. */
static int field_fen_positive(const gb_entry *e, const char *key, int64_t *out, gb_err *err)
{
	int rc = gb_field_fen(e->body, e->body_len, key, out, err);
	if (rc == 0 && *out == 0)
		return gb_err_set(err, GB_EVALUE, "field '%s' must be above 0 fen", key);
	return rc;
}

/* Only the lead of the policy's share table signs money in and out of it. */
static int check_lead(const gb_entry *e, const gb_policy *p, gb_err *err)
{
	assert(p->shares.lead < p->shares.count);
	const char *lead = p->shares.id[p->shares.lead];
	if (!gb_str_eq(e->signer, lead))
		return gb_err_set(err, GB_EAUTH, "only the lead '%s' of policy '%s' may sign a '%.*s', not '%.*s'",
			lead, p->number, (int)e->type.len, e->type.ptr, (int)e->signer.len, e->signer.ptr);
	return 0;
}

/* Loads the policy named by field `key` and checks that the entry's signer leads it. */
static int policy_of_entry(gb_rules_env *env, const gb_entry *e, const char *key, gb_policy *p,
	gb_err *err)
{
	char no[GB_POLICY_NO_MAX + 1];
	int rc = field_id(e, key, no, sizeof no, err);
	rc = rc ? rc : gb_policy_load(env->state, no, p, err);
	return rc ? rc : check_lead(e, p, err);
}

/* Loads the claim named by field "claim", and its policy, whose lead must sign. */
static int claim_of_entry(gb_rules_env *env, const gb_entry *e, gb_claim *c, gb_policy *p,
	gb_err *err)
{
	char id[GB_CLAIM_ID_MAX + 1];
	int rc = field_id(e, "claim", id, sizeof id, err);
	rc = rc ? rc : gb_claim_load(env->state, id, c, err);
	if (rc != 0)
		return rc;
	rc = gb_policy_load(env->state, c->policy, p, err);
	if (rc == GB_ENOTFOUND) /* a claim is only ever written for an existing policy */
		return gb_err_set(err, GB_ECORRUPT, "claim '%s': its policy '%s' is missing", c->id, c->policy);
	return rc ? rc : check_lead(e, p, err);
}

/* The lead of p pays amount_fen on a claim: posts the claim-paid set as entry env->index. */
static int post_claim_paid(gb_rules_env *env, const gb_policy *p, int64_t amount_fen, gb_err *err)
{
	assert(amount_fen > 0);
	gb_postings *ps = &claims_ps;
	gb_postings_init(ps);
	int rc = gb_books_claim_paid(ps, &p->shares, amount_fen, err);
	return rc ? rc : gb_books_post(ps, env->state, env->index, err);
}

/* -------------------------------------------------------------- premium */

/*
 * premium.receive: the lead receives premium from the insured. Posts the
 * premium-received set at the charter's set-aside rate and adds the amount
 * to the policy's received_fen; never more than is still outstanding.
 */
static int apply_premium_receive(gb_rules_env *env, const gb_entry *e, gb_err *err)
{
	gb_policy p;
	gb_str ref;
	int64_t amount, outstanding, received;
	int rc = field_fen_positive(e, "amount_fen", &amount, err);
	rc = rc ? rc : gb_field_str_opt(e->body, e->body_len, "payer_ref", &ref, PAYER_REF_MAX, err);
	rc = rc ? rc : policy_of_entry(env, e, "policy", &p, err);
	if (rc != 0)
		return rc;
	if (p.status == GB_POLICY_CANCELLED)
		return gb_err_set(err, GB_ESTATE, "policy '%s' was cancelled on %u: it takes no premium",
			p.number, (unsigned)p.cancelled_on);
	if (gb_fen_sub(p.premium_fen, p.received_fen, &outstanding) != 0)
		return gb_err_set(err, GB_ECORRUPT, "policy '%s': premium or received out of range", p.number);
	if (amount > outstanding)
		return gb_err_set(err, GB_EVALUE,
			"amount_fen %s exceeds what policy '%s' still owes: premium %s less received %s is %s fen",
			GB_FEN(amount), p.number, GB_FEN(p.premium_fen), GB_FEN(p.received_fen), GB_FEN(outstanding));
	rc = gb_fen_add(p.received_fen, amount, &received);
	assert(rc == 0); /* received + amount <= premium <= GB_FEN_MAX */
	gb_params loaded;
	const gb_params *pr = env->params;
	if (pr == NULL) {
		rc = gb_params_load(env->state, &loaded, err);
		if (rc != 0)
			return rc;
		pr = &loaded;
	}
	gb_postings *ps = &claims_ps;
	gb_postings_init(ps);
	rc = gb_books_premium_received(ps, &p.shares, amount, pr->setaside_bps, err);
	rc = rc ? rc : gb_books_post(ps, env->state, env->index, err);
	if (rc != 0)
		return rc;
	p.received_fen = received;
	return gb_policy_store(env->state, &p, err);
}

/* --------------------------------------------------------------- claims */

/* Why p does not cover `date` (gb_policy_in_force(p, date) == 0). */
static int not_in_force(const gb_policy *p, uint32_t date, gb_err *err)
{
	if (date < p->start)
		return gb_err_set(err, GB_ESTATE, "policy '%s' is not in force on %u: it starts on %u",
			p->number, (unsigned)date, (unsigned)p->start);
	if (p->status == GB_POLICY_CANCELLED && date >= p->cancelled_on)
		return gb_err_set(err, GB_ESTATE, "policy '%s' is not in force on %u: it was cancelled on %u",
			p->number, (unsigned)date, (unsigned)p->cancelled_on);
	return gb_err_set(err, GB_ESTATE, "policy '%s' is not in force on %u: it expired, its last day was before %u",
		p->number, (unsigned)date, (unsigned)p->end);
}

/* Reads claim.report's own fields into c (status open, nothing paid). */
static int report_fields(const gb_entry *e, gb_claim *c, gb_err *err)
{
	int64_t accident;
	memset(c, 0, sizeof *c);
	int rc = field_id(e, "claim", c->id, sizeof c->id, err);
	rc = rc ? rc : field_id(e, "policy", c->policy, sizeof c->policy, err);
	rc = rc ? rc : gb_field_int(e->body, e->body_len, "accident", GB_DATE_MIN, GB_DATE_MAX, &accident, err);
	rc = rc ? rc : gb_field_int(e->body, e->body_len, "deaths", 0, GB_CLAIM_PERSONS_MAX, &c->deaths, err);
	rc = rc ? rc : gb_field_int(e->body, e->body_len, "injuries", 0, GB_CLAIM_PERSONS_MAX,
		&c->injuries, err);
	rc = rc ? rc : gb_field_fen(e->body, e->body_len, "estimate_fen", &c->estimate_fen, err);
	if (rc != 0)
		return rc;
	if (!gb_date_valid(accident))
		return gb_err_set(err, GB_EVALUE, "field 'accident': %lld is not a date YYYYMMDD",
			(long long)accident);
	uint64_t today = gb_date_of_time(e->time);
	if ((uint64_t)accident > today)
		return gb_err_set(err, GB_EVALUE, "field 'accident': %lld is after the entry's date %llu",
			(long long)accident, (unsigned long long)today);
	c->accident = (uint32_t)accident;
	c->status = GB_CLAIM_OPEN;
	return 0;
}

/*
 * claim.report: the lead records an accident under a policy in force on
 * its date. Writes "claim/<id>", open with nothing paid; posts nothing.
 */
static int apply_claim_report(gb_rules_env *env, const gb_entry *e, gb_err *err)
{
	gb_claim c, old;
	gb_policy p;
	int rc = report_fields(e, &c, err);
	rc = rc ? rc : policy_of_entry(env, e, "policy", &p, err);
	if (rc != 0)
		return rc;
	rc = gb_claim_load(env->state, c.id, &old, err);
	if (rc == 0)
		return gb_err_set(err, GB_EVALUE, "claim '%s' already exists (under policy '%s')", c.id,
			old.policy);
	if (rc != GB_ENOTFOUND)
		return rc;
	if (!gb_policy_in_force(&p, c.accident))
		return not_in_force(&p, c.accident, err);
	return gb_claim_store(env->state, &c, err);
}

/* An open claim, or GB_ESTATE saying what it is. */
static int claim_open(const gb_claim *c, const char *what, gb_err *err)
{
	if (c->status != GB_CLAIM_OPEN)
		return gb_err_set(err, GB_ESTATE, "claim '%s' is %s: it cannot be %s", c->id,
			status_names[c->status], what);
	return 0;
}

/*
 * claim.advance: the lead pays part of an open claim in advance to a named
 * payee. Posts the claim-paid set; advanced_fen and paid_fen grow.
 */
static int apply_claim_advance(gb_rules_env *env, const gb_entry *e, gb_err *err)
{
	gb_claim c;
	gb_policy p;
	gb_str payee;
	int64_t amount, advanced, paid;
	int rc = field_fen_positive(e, "amount_fen", &amount, err);
	rc = rc ? rc : gb_field_str(e->body, e->body_len, "payee", &payee, PAYEE_MAX, err);
	rc = rc ? rc : claim_of_entry(env, e, &c, &p, err);
	rc = rc ? rc : claim_open(&c, "paid in advance", err);
	if (rc != 0)
		return rc;
	if (gb_fen_add(c.paid_fen, amount, &paid) != 0 || gb_fen_add(c.advanced_fen, amount, &advanced) != 0)
		return gb_err_set(err, GB_EOVERFLOW, "amount_fen %s on claim '%s' takes its payments over %s fen",
			GB_FEN(amount), c.id, GB_FEN(GB_FEN_MAX));
	rc = post_claim_paid(env, &p, amount, err);
	if (rc != 0)
		return rc;
	c.advanced_fen = advanced;
	c.paid_fen = paid;
	return gb_claim_store(env->state, &c, err);
}

/*
 * claim.settle: the final amount of an open claim, never below what was
 * advanced; the lead pays the balance (final - paid) if above 0.
 */
static int apply_claim_settle(gb_rules_env *env, const gb_entry *e, gb_err *err)
{
	gb_claim c;
	gb_policy p;
	int64_t final_fen, balance;
	int rc = gb_field_fen(e->body, e->body_len, "final_fen", &final_fen, err);
	rc = rc ? rc : claim_of_entry(env, e, &c, &p, err);
	rc = rc ? rc : claim_open(&c, "settled", err);
	if (rc != 0)
		return rc;
	if (final_fen < c.advanced_fen)
		return gb_err_set(err, GB_EVALUE, "final_fen %s is below the %s fen advanced on claim '%s'",
			GB_FEN(final_fen), GB_FEN(c.advanced_fen), c.id);
	rc = gb_fen_sub(final_fen, c.paid_fen, &balance);
	assert(rc == 0); /* both within 0..GB_FEN_MAX */
	assert(balance >= 0); /* an open claim has paid only its advances */
	if (balance > 0 && (rc = post_claim_paid(env, &p, balance, err)) != 0)
		return rc;
	c.settled_fen = final_fen;
	c.paid_fen = final_fen;
	c.status = GB_CLAIM_SETTLED;
	return gb_claim_store(env->state, &c, err);
}

/* claim.close: a settled claim, or an open one with nothing paid, is closed. */
static int apply_claim_close(gb_rules_env *env, const gb_entry *e, gb_err *err)
{
	gb_claim c;
	gb_policy p;
	int rc = claim_of_entry(env, e, &c, &p, err);
	if (rc != 0)
		return rc;
	if (c.status == GB_CLAIM_OPEN && c.paid_fen != 0)
		return gb_err_set(err, GB_ESTATE, "claim '%s' has %s fen paid in advance: settle it before closing",
			c.id, GB_FEN(c.paid_fen));
	if (c.status != GB_CLAIM_OPEN && c.status != GB_CLAIM_SETTLED)
		return gb_err_set(err, GB_ESTATE, "claim '%s' is %s: it cannot be closed", c.id,
			status_names[c.status]);
	c.status = GB_CLAIM_CLOSED;
	return gb_claim_store(env->state, &c, err);
}

/* claim.reject: an open claim with nothing paid is refused, with a reason. */
static int apply_claim_reject(gb_rules_env *env, const gb_entry *e, gb_err *err)
{
	gb_claim c;
	gb_policy p;
	gb_str reason;
	int rc = gb_field_str(e->body, e->body_len, "reason", &reason, REASON_MAX, err);
	rc = rc ? rc : claim_of_entry(env, e, &c, &p, err);
	rc = rc ? rc : claim_open(&c, "rejected", err);
	if (rc != 0)
		return rc;
	if (c.paid_fen != 0)
		return gb_err_set(err, GB_ESTATE, "claim '%s' has %s fen paid in advance: it cannot be rejected",
			c.id, GB_FEN(c.paid_fen));
	c.status = GB_CLAIM_REJECTED;
	return gb_claim_store(env->state, &c, err);
}

static const char *const receive_fields[] = { "amount_fen", "payer_ref", "policy", NULL };
static const char *const report_fields_list[] = {
	"accident", "claim", "deaths", "estimate_fen", "injuries", "policy", NULL
};
static const char *const advance_fields[] = { "amount_fen", "claim", "payee", NULL };
static const char *const settle_fields[] = { "claim", "final_fen", NULL };
static const char *const close_fields[] = { "claim", NULL };
static const char *const reject_fields[] = { "claim", "reason", NULL };

/* Money in and out. Keep in step with spec/RULES.md and spec/TRANSACTIONS.md. */
const struct gb_type_rule gb_rules_claims[] = {
	{ "premium.receive", GB_ROLE_MEMBER, 1, receive_fields, apply_premium_receive },
	{ "claim.report", GB_ROLE_MEMBER, 1, report_fields_list, apply_claim_report },
	{ "claim.advance", GB_ROLE_MEMBER, 1, advance_fields, apply_claim_advance },
	{ "claim.settle", GB_ROLE_MEMBER, 1, settle_fields, apply_claim_settle },
	{ "claim.close", GB_ROLE_MEMBER, 1, close_fields, apply_claim_close },
	{ "claim.reject", GB_ROLE_MEMBER, 1, reject_fields, apply_claim_reject },
};
const size_t gb_rules_claims_count = sizeof gb_rules_claims / sizeof gb_rules_claims[0];
