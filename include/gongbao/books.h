/*
 * gongbao/books.h: the consortium's books (spec/TRANSACTIONS.md sections 2-4).
 *
 * Accounts, share tables, posting sets, the standard posting sets of the
 * consortium's transactions, and applying a posting set to the balances with
 * the invariants checked. Pure: nothing here knows about entries, storage or
 * transport. Balances live in a gb_state as int64 fen under the key
 * "bal/" + account name ("bal/m/picc-zs/cash"); an absent key is 0.
 *
 * Nothing here allocates. The posting set (about 41 KB) is a caller-owned
 * fixed-size struct: keep one per worker rather than one per call on a small
 * thread stack. Its fields are public so that they can be read (and, in
 * tests, forged); change them only through the functions below, which keep
 * them consistent. gb_postings_check() and gb_postings_apply() re-check
 * every field, so a forged set cannot corrupt the balances.
 *
 * Messages name the member or account and quote the amount in fen with
 * thousands separators: "shares sum to 9,990 bps, want 10,000".
 */
#ifndef GONGBAO_BOOKS_H
#define GONGBAO_BOOKS_H

#include <stddef.h>
#include <stdint.h>

#include "gongbao/entry.h"
#include "gongbao/error.h"
#include "gongbao/money.h"
#include "gongbao/shares.h"
#include "gongbao/state.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Most members in a posting set (a share table holds at most GB_SHARES_MAX). */
#define GB_BOOKS_MEMBERS_MAX GB_SPLIT_MAX
/* Longest account name: "m/" M "/due_from/" N, with 64-byte ids (140). */
#define GB_ACCOUNT_MAX (2 + GB_ID_MAX + 10 + GB_ID_MAX)
/* Prefix of a balance's state key, and the longest such key (144). */
#define GB_BALANCE_KEY_PREFIX "bal/"
#define GB_BALANCE_KEY_MAX (4 + GB_ACCOUNT_MAX)
/*
 * Most lines in a posting set: 5 per member. The largest standard set, a
 * premium receipt, has 5 x members - 1 lines (receivable, set-aside and fund
 * for each member, due_from for each follower and the lead's due_to to each,
 * and the lead's cash): 319 for a full share table, 1,279 for 256 members.
 */
#define GB_POSTINGS_MAX (5 * GB_BOOKS_MEMBERS_MAX)

/* The kinds of account (spec/TRANSACTIONS.md section 2). */
enum gb_account_kind {
	GB_ACCOUNT_CASH = 0,
	GB_ACCOUNT_RECEIVABLE = 1,
	GB_ACCOUNT_PREMIUM = 2,
	GB_ACCOUNT_SETASIDE = 3,
	GB_ACCOUNT_FUND = 4,
	GB_ACCOUNT_CLAIMS = 5,
	GB_ACCOUNT_DUE_FROM = 6,        /* m/M/due_from/N: what N owes M */
	GB_ACCOUNT_DUE_TO = 7,          /* m/M/due_to/N: what M owes N */
	GB_ACCOUNT_KIND_COUNT = 8
};
/* The kinds below this name no other member (cash ... claims). */
#define GB_ACCOUNT_OWN_KINDS 6

/* "cash", "receivable", ..., "due_to"; NULL for anything else. */
const char *gb_account_kind_name(int kind);

/*
 * Returns 1 if `id` may own accounts: 1 to GB_ID_MAX bytes of
 * [A-Za-z0-9._:-]. A participant id (gb_id_valid) may also hold '/', which
 * would make account names ambiguous, so a member's id may not. Else 0.
 */
int gb_books_id_valid(const char *id);

/*
 * Writes the account name "m/<member>/<kind>" or, for DUE_FROM and DUE_TO,
 * "m/<member>/<kind>/<other>" into out. `other` is required (and must differ
 * from `member`) for those two kinds and must be NULL for the others.
 * Returns 0 or GB_EVALUE (bad id, kind or other), leaving out[0] = '\0'.
 */
int gb_account_name(char out[GB_ACCOUNT_MAX + 1], const char *member, int kind,
	const char *other, gb_err *err);

/*
 * Parses an account name that gb_account_name() would write. Fills member,
 * *kind and other (other = "" for the own kinds). Returns 0 or GB_EVALUE.
 */
int gb_account_parse(const char *name, char member[GB_ID_MAX + 1], int *kind,
	char other[GB_ID_MAX + 1], gb_err *err);

/* ------------------------------------------------------------ share tables */

/*
 * Share tables are gongbao/shares.h's gb_shares (members ascending by id,
 * bps, the lead's index). The books accept a table when it passes this
 * check: 1 to GB_SHARES_MAX members whose ids can own accounts
 * (gb_books_id_valid: no '/'), strictly ascending, each share within
 * 0..10,000 bps, the shares summing to exactly 10,000, and a lead among the
 * members with a share above 0. Returns 0 or GB_EVALUE naming the member or
 * the sum ("shares sum to 9,990 bps, want 10,000"). Every table that
 * gb_shares_parse accepts passes, unless a member's id holds a '/'.
 */
int gb_books_shares_check(const gb_shares *t, gb_err *err);

/* ------------------------------------------------------------ posting sets */

/* gb_posting.other for the own kinds. */
#define GB_POSTING_NO_OTHER 0xffff

/* One line: member and other are indexes into the set's member table. */
typedef struct gb_posting {
	uint16_t member;
	uint16_t other;                 /* GB_POSTING_NO_OTHER for the own kinds */
	uint8_t kind;                   /* enum gb_account_kind */
	int64_t amount_fen;             /* never 0, |amount| <= GB_FEN_MAX */
} gb_posting;

/* Slots of a posting set's account index: a power of two, 1.6 x GB_POSTINGS_MAX. */
#define GB_POSTINGS_SLOTS 2048

/*
 * A posting set: at most one line per account, in the order the accounts
 * were first posted to. Lines on the same account merge; a line that merges
 * to 0 is dropped, so a set is exactly its net effect. `slot` indexes the
 * lines by account (open addressing; line number + 1, 0 = empty) so that
 * building and applying a set cost time linear in its lines; it is private
 * to books.c, and gb_postings_check() verifies it against the lines.
 */
typedef struct gb_postings {
	size_t member_count;
	char member[GB_BOOKS_MEMBERS_MAX][GB_ID_MAX + 1];
	size_t count;
	gb_posting line[GB_POSTINGS_MAX];
	uint16_t slot[GB_POSTINGS_SLOTS];
} gb_postings;

/* Empties ps (clearing its 4 KB index): call it before building each set. */
void gb_postings_init(gb_postings *ps);

/*
 * Adds amount_fen to the account (member, kind, other) (see
 * gb_account_name), merging with a line already on it. Returns 0, GB_EVALUE
 * (bad account), GB_EOVERFLOW (|amount| or the merged line over GB_FEN_MAX)
 * or GB_ETOOBIG (GB_POSTINGS_MAX lines or GB_BOOKS_MEMBERS_MAX members).
 * On GB_EVALUE and GB_EOVERFLOW the lines are unchanged.
 */
int gb_postings_add(gb_postings *ps, const char *member, int kind, const char *other,
	int64_t amount_fen, gb_err *err);

/* As gb_postings_add, with the account given by name ("m/a/due_to/b"). */
int gb_postings_add_account(gb_postings *ps, const char *account, int64_t amount_fen,
	gb_err *err);

/* The account name of line i (< ps->count). */
void gb_postings_account(const gb_postings *ps, size_t i, char out[GB_ACCOUNT_MAX + 1]);

/* The amount on account (member, kind, other) in ps; 0 if it has no line. */
int64_t gb_postings_amount(const gb_postings *ps, const char *member, int kind,
	const char *other);

/* Negates every line: the set that undoes ps (a correction, section 3). */
void gb_postings_negate(gb_postings *ps);

/*
 * Checks that ps is well formed (indexes, kinds, amounts, one line per
 * account) and balances: the lines sum to 0, overall and for every member.
 * Returns 0 or GB_EINVARIANT naming the line or the member
 * ("postings for 'a' sum to 5 fen, want 0").
 */
int gb_postings_check(const gb_postings *ps, gb_err *err) __attribute__((warn_unused_result));

/*
 * Applies ps to the balances in st. First, with nothing written: checks ps
 * (gb_postings_check), reads every balance it touches and adds the line
 * (GB_EOVERFLOW naming the account if a balance would leave +-GB_FEN_MAX),
 * then checks invariants 2 and 3 of section 4 on the touched accounts: no
 * member's fund part above 0, and m/M/due_from/N = -m/N/due_to/M
 * (GB_EINVARIANT). Only then writes every new balance. So a rejected set
 * changes nothing. A failure of the state itself (a read, or GB_ENOMEM or an
 * LMDB error while writing) is passed back; after a failed write the state
 * is partly written and the caller must abort its transaction (the ledger
 * does). Allocates nothing beyond what the state's put does.
 */
int gb_postings_apply(const gb_postings *ps, const gb_state *st, gb_err *err)
	__attribute__((warn_unused_result));

/*
 * Applies ps (gb_postings_apply) as the posting set of entry `index`, and
 * records it in the state under "post/<index>" as the canonical array
 * [[account, amount], ...] in line order, so that a correction can undo it
 * and the audit can compare it. An empty set is applied and not recorded.
 * Returns 0 or the code of apply or of the state.
 */
int gb_books_post(const gb_postings *ps, const gb_state *st, uint64_t index, gb_err *err)
	__attribute__((warn_unused_result));

/*
 * Loads the posting set recorded for entry `index` into ps (initialised
 * here). Returns 0, GB_ENOTFOUND if that entry posted nothing, or
 * GB_ECORRUPT if the record does not parse.
 */
int gb_books_posted(gb_postings *ps, const gb_state *st, uint64_t index, gb_err *err);

/* ---------------------------------------------------- standard posting sets */

/*
 * Each builder adds the lines of one standard posting set of section 3 to ps
 * (normally freshly initialised). A share table must pass
 * gb_books_shares_check; its error is returned. Amounts over GB_FEN_MAX are
 * GB_EOVERFLOW, negative ones GB_EVALUE (except an endorsement's change).
 * GB_ETOOBIG if ps is full.
 * On failure ps may hold part of the set: discard it (gb_postings_init).
 * The builders that read balances read st as it is: lines already in ps and
 * not yet applied are not seen.
 */

/* Policy issued, premium W >= 0: m/M/receivable +W_M, m/M/premium -W_M. */
int gb_books_premium_written(gb_postings *ps, const gb_shares *t, int64_t premium_fen,
	gb_err *err);

/* Endorsement, premium change delta (either sign): as premium written. */
int gb_books_premium_endorsed(gb_postings *ps, const gb_shares *t, int64_t delta_fen,
	gb_err *err);

/*
 * Premium R >= 0 received by the lead L: m/L/cash +R; m/M/receivable -R_M;
 * for M != L, m/M/due_from/L +R_M and m/L/due_to/M -R_M; and the set-aside
 * S_M = apply_bps(R_M, setaside_bps): m/M/setaside +S_M, m/M/fund -S_M.
 * setaside_bps outside 0..10,000 is GB_EVALUE.
 */
int gb_books_premium_received(gb_postings *ps, const gb_shares *t, int64_t received_fen,
	int64_t setaside_bps, gb_err *err);

/*
 * Claim payment P >= 0 by the lead L: m/L/cash -P; m/M/claims +P_M; for
 * M != L, m/M/due_to/L -P_M and m/L/due_from/M +P_M.
 */
int gb_books_claim_paid(gb_postings *ps, const gb_shares *t, int64_t paid_fen, gb_err *err);

/*
 * Prevention-fund withdrawal W >= 0 paid by t's lead. The weights are the
 * fund parts -m/M/fund of t's members, read from st (t's shares are not
 * used); F_M = split(W) by those weights: m/L/cash -W; m/M/fund +F_M; for
 * M != L, m/M/due_to/L -F_M and m/L/due_from/M +F_M. W above the fund's
 * balance (the sum of the parts) is GB_ESTATE ("withdrawal of 101 fen
 * exceeds the prevention fund's balance of 100 fen"); a fund part that is
 * negative in st is GB_EINVARIANT; a read failure is passed back.
 */
int gb_books_fund_withdrawal(gb_postings *ps, const gb_state *st, const gb_shares *t,
	int64_t amount_fen, gb_err *err);

/*
 * Settlement: `payer` pays `payee` X >= 0: m/P/cash -X, m/P/due_to/Q +X,
 * m/Q/cash +X, m/Q/due_from/P -X. X above what the payer owes the payee
 * (-m/P/due_to/Q in st) is GB_ESTATE ("settlement of 5 fen overpays: 'p'
 * owes 'q' 4 fen"). Bad ids, or payer = payee, are GB_EVALUE.
 */
int gb_books_settlement(gb_postings *ps, const gb_state *st, const char *payer,
	const char *payee, int64_t amount_fen, gb_err *err);

/* ---------------------------------------------------------------- readers */

/* *out = the balance of account (member, kind, other) in st (0 if absent). */
int gb_books_balance(const gb_state *st, const char *member, int kind, const char *other,
	int64_t *out, gb_err *err);

/* All of one member's balances, against the members of a share table. */
typedef struct gb_member_balances {
	int64_t own_fen[GB_ACCOUNT_OWN_KINDS];           /* by kind: cash ... claims */
	size_t count;                                    /* the table's member count */
	int64_t due_from_fen[GB_SHARES_MAX];             /* [i]: m/<member>/due_from/<t.id[i]> */
	int64_t due_to_fen[GB_SHARES_MAX];               /* [i]: m/<member>/due_to/<t.id[i]> */
	int64_t total_fen;                               /* sum of the above: 0 when they balance */
} gb_member_balances;

/*
 * Reads every balance of `member` (who need not be in t): the own kinds,
 * and due_from / due_to against each member of t (0 against itself). Only
 * t's member ids are used; they must pass the id and order checks of
 * gb_books_shares_check (GB_EVALUE).
 * Accounts against members not in t are not read.
 */
int gb_books_member_balances(const gb_state *st, const gb_shares *t, const char *member,
	gb_member_balances *out, gb_err *err);

/*
 * *out = the prevention fund's balance held for t's members: -sum m/M/fund.
 * GB_EINVARIANT if a member's m/M/fund is above 0 in st.
 */
int gb_books_fund_total(const gb_state *st, const gb_shares *t, int64_t *out, gb_err *err);

#ifdef __cplusplus
}
#endif
#endif
