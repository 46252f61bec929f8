/*
 * gongbao/rules.h: who may sign what, and what each entry type must contain.
 *
 * The rules are pure: they read a decoded entry and the roster (the
 * participants and keys in force), and update the roster for the entry types
 * that change it. They know nothing of storage or transport, and do no
 * signature arithmetic: they say which key must have made each signature,
 * and the ledger verifies (in parallel, across cores).
 *
 * The authority table (role x type) here is the one in spec/RULES.md.
 */
#ifndef GONGBAO_RULES_H
#define GONGBAO_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "gongbao/codec.h"
#include "gongbao/entry.h"
#include "gongbao/error.h"
#include "gongbao/keys.h"
#include "gongbao/state.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Roles, as bits so that the authority table can hold a set of them. */
enum gb_role {
	GB_ROLE_ASSOCIATION = 1,
	GB_ROLE_MEMBER = 2,
	GB_ROLE_REGULATOR = 4,
	GB_ROLE_WITNESS = 8
};

/* Most participants a charter may name. */
#define GB_PARTICIPANTS_MAX 256
/* Longest consortium display name, in bytes. */
#define GB_CONSORTIUM_NAME_MAX 256
/* Longest memo text, in bytes. */
#define GB_MEMO_TEXT_MAX 4096

typedef struct gb_participant {
	char id[GB_ID_MAX + 1];
	unsigned role;                  /* one enum gb_role */
	gb_pubkey key;                  /* key.name == id; alg GB_ALG_ED25519, or for a
	                                 * witness GB_ALG_COSIGNATURE_V1 (which signs
	                                 * no entries, only cosignatures) */
	int suspended;                  /* a suspended member signs nothing until readmitted */
	int revoked;                    /* its key is revoked: it signs nothing until rotated */
} gb_participant;

/* The consortium's parameters (spec/TRANSACTIONS.md section 6), from the charter. */
typedef struct gb_params {
	int64_t setaside_bps;
	int64_t setaside_min_bps;
	int64_t setaside_max_bps;
	int64_t limit_floor_fen;
	int64_t commission_cap_bps;
	int below_floor_flag;           /* 1: "flag", 0: "reject" */
	int64_t skew_s;
} gb_params;

/* Reads the parameters from the state (the defaults if the charter set none). */
int gb_params_load(const gb_state *st, gb_params *out, gb_err *err);

/* The participants in force, sorted by id. Empty (count 0) before entry 0. */
typedef struct gb_roster {
	char consortium[GB_ID_MAX + 1];
	char name[GB_CONSORTIUM_NAME_MAX + 1];
	size_t count;
	gb_participant p[GB_PARTICIPANTS_MAX];
} gb_roster;

/* "association", "member", "regulator", "witness"; NULL for anything else. */
const char *gb_role_name(unsigned role);

/*
 * Returns 1 if a participant with `role` may have a key of algorithm `alg`:
 * every role an alg 0x01 (Ed25519) key; a witness also an alg 0x04
 * (cosignature/v1) key, with which it cosigns checkpoints but signs no
 * entries. Else 0.
 */
int gb_role_key_alg_allowed(unsigned role, uint8_t alg);

/* The rule of gb_role_key_alg_allowed for `role`, as a phrase for messages. */
const char *gb_role_key_alg_rule(unsigned role);

/* Finds a participant by id (binary search). NULL if absent. */
const gb_participant *gb_roster_find(const gb_roster *r, gb_str id);

/*
 * The key that signature `i` of `e` claims, if the roster has it: the
 * signer must be a participant whose key (alg 0x01, not revoked) has the
 * signature's key id. NULL otherwise. Used to verify signatures before the rules run.
 */
const gb_pubkey *gb_roster_key(const gb_roster *r, const gb_entry *e, size_t i);

/* Where an entry is applied: everything the rules may read and change. */
typedef struct gb_rules_env {
	gb_roster *roster;              /* participants and keys in force; changed by some types */
	const gb_state *state;          /* derived state, changed by the types that post or record */
	uint64_t index;                 /* the index the entry will get */
	uint64_t now;                   /* seconds since the epoch at append; 0 while replaying */
	int roster_changed;             /* set by a type that changed the roster */
	const gb_params *params;        /* the parameters in force, if the caller has them
	                                 * loaded (NULL: read from the state when needed) */
} gb_rules_env;

/*
 * Checks entry `e`, to become entry env->index, against the rules, and
 * applies it: to the roster (charter, participants) and to the derived
 * state (the types that record or post). On success fills
 * keys[0..e->sig_count) with the key that must have made each signature
 * (the caller verifies them before committing) and returns 0. On failure
 * returns the code (GB_ETYPE, GB_EFIELD, GB_EVALUE, GB_ECHARTER,
 * GB_ECONSORTIUM, GB_EUNKNOWNKEY, GB_EAUTH, GB_ENOSIG, ...) with a message
 * naming the field and value; the roster is then unchanged, but the state
 * may hold partial writes: the caller must discard the transaction.
 */
int gb_rules_apply(gb_rules_env *env, const gb_entry *e,
	gb_pubkey keys[GB_ENTRY_SIGS_MAX], gb_err *err);

/*
 * Encodes the roster as canonical MessagePack (the "roster" state value):
 *   {"consortium": str, "name": str, "participants": [{"id","role","vkey"}...]}
 */
void gb_roster_encode(const gb_roster *r, gb_mpw *w);

/* Decodes what gb_roster_encode wrote. Returns 0 or GB_ECORRUPT. */
int gb_roster_decode(gb_roster *r, const uint8_t *p, size_t len, gb_err *err);

#ifdef __cplusplus
}
#endif
#endif
