/*
 * rules_internal.h: what the rule families (rules_*.c) share with rules.c:
 * the shape of a type's rule, and readers for body fields that name the
 * field and quote the value in every message.
 */
#ifndef GONGBAO_RULES_INTERNAL_H
#define GONGBAO_RULES_INTERNAL_H

#include <stdint.h>

#include "gongbao/date.h"
#include "gongbao/entry.h"
#include "gongbao/error.h"
#include "gongbao/rules.h"

#define ROLE_ANY (GB_ROLE_ASSOCIATION | GB_ROLE_MEMBER | GB_ROLE_REGULATOR | GB_ROLE_WITNESS)

/*
 * One entry type. `apply` runs after the common checks (type known,
 * consortium, signature count, known fields, every signer a participant
 * with a valid key, the first signer's role) and does the type's own
 * checks, then its changes. It returns 0 or a code with a message.
 */
struct gb_type_rule {
	const char *type;
	unsigned signer_roles;          /* roles that may sign it (sigs[0]) */
	size_t sigs_max;                /* signatures it takes, co-signatures included */
	const char *const *fields;      /* its own fields, besides the common ones */
	int (*apply)(gb_rules_env *env, const gb_entry *e, gb_err *err);
};

/* Reads string field `key` of the map at [p, p+len): 1..max_len bytes. */
int gb_field_str(const uint8_t *p, size_t len, const char *key, gb_str *out,
	size_t max_len, gb_err *err);

/* Like gb_field_str, but an absent field gives 0 with out->len == 0. */
int gb_field_str_opt(const uint8_t *p, size_t len, const char *key, gb_str *out,
	size_t max_len, gb_err *err);

/* Reads integer field `key` within [min, max] (GB_EFIELD if absent or not an integer, GB_EVALUE if out of range). */
int gb_field_int(const uint8_t *p, size_t len, const char *key, int64_t min, int64_t max,
	int64_t *out, gb_err *err);

/* Like gb_field_int, but an absent field gives `dflt`. */
int gb_field_int_opt(const uint8_t *p, size_t len, const char *key, int64_t min, int64_t max,
	int64_t dflt, int64_t *out, gb_err *err);

/* Reads an amount in fen, 0..GB_FEN_MAX (GB_EOVERFLOW above). */
int gb_field_fen(const uint8_t *p, size_t len, const char *key, int64_t *out, gb_err *err);

/* Finds field `key` holding a value of `type`; *val/len get its bytes. */
int gb_field_raw(const uint8_t *p, size_t len, const char *key, enum gb_mp_type type,
	const uint8_t **val, size_t *val_len, gb_mp_item *item, gb_err *err);

/* Copies a borrowed string into a NUL-terminated buffer of cap bytes (len < cap). */
void gb_str_copy(char *dst, size_t cap, gb_str s);

/* Index of the signature by participant `id` on e, or -1. */
int gb_entry_sig_by(const gb_entry *e, const char *id);


/* Most dated share tables (shares.set) a consortium keeps. */
#define GB_SHARES_DATED_MAX 64

/* Parses a role name; 0 if unknown. */
unsigned gb_role_parse(gb_str s);

/* Rejects any key of the map at [p, p+len) not in `allowed` (GB_EFIELD, naming `where`). */
int gb_rules_known_keys(const uint8_t *p, size_t len, const char *const *allowed,
	const char *where, gb_err *err);

/*
 * Checks that every member of a share table is an active member of the
 * roster: GB_EVALUE for a non-member, GB_ESTATE for a suspended one.
 */
struct gb_shares;
int gb_rules_shares_active(const gb_roster *r, const struct gb_shares *s, gb_err *err);

/* The charter's params and shares: checked and stored (rules_members.c). */
int gb_members_charter_extras(gb_rules_env *env, const gb_entry *e, gb_err *err);

/* The rule families' type tables, joined in rules.c. */
extern const struct gb_type_rule gb_rules_log[];        /* charter, memo */
extern const size_t gb_rules_log_count;
extern const struct gb_type_rule gb_rules_members[];    /* participants, keys, shares */
extern const size_t gb_rules_members_count;
extern const struct gb_type_rule gb_rules_policy[];     /* rates.set, policy.* */
extern const size_t gb_rules_policy_count;
extern const struct gb_type_rule gb_rules_claims[];     /* premium.receive, claim.* */
extern const size_t gb_rules_claims_count;
extern const struct gb_type_rule gb_rules_fund[];       /* fund.withdraw, settle.pay, correction */
extern const size_t gb_rules_fund_count;

#endif
