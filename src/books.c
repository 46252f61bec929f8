/*
 * books.c: accounts, share tables, posting sets, the standard posting sets
 * and their application to the balances (gongbao/books.h,
 * spec/TRANSACTIONS.md sections 2-4).
 *
 * A posting set keeps its members in a small table and each line as
 * (member index, kind, other index, amount), so a line is 16 bytes and two
 * lines are on the same account exactly when their packed keys are equal.
 * A hash index (linear probing) finds the line of an account, so building
 * and applying a set is linear in its lines; gb_postings_check() proves the
 * index right (every line's key leads to that line) before apply trusts it.
 * Looking a member up is a linear scan of at most GB_BOOKS_MEMBERS_MAX ids.
 */
#include "gongbao/books.h"
#include "gongbao/money.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gongbao/codec.h"

/* Per-member sums of a set's lines cannot overflow int64. */
_Static_assert(GB_POSTINGS_MAX <= INT64_MAX / GB_FEN_MAX, "posting sums must fit in int64");
_Static_assert(GB_BOOKS_MEMBERS_MAX <= GB_POSTING_NO_OTHER, "member indexes must fit in uint16");
_Static_assert(GB_BALANCE_KEY_MAX <= GB_STATE_KEY_MAX, "balance keys must fit the state");
_Static_assert(GB_SHARES_MAX <= GB_BOOKS_MEMBERS_MAX, "a share table fits in a posting set");
_Static_assert((GB_POSTINGS_SLOTS & (GB_POSTINGS_SLOTS - 1)) == 0, "slots: a power of two");
_Static_assert(GB_POSTINGS_SLOTS >= GB_POSTINGS_MAX * 3 / 2, "slots: load at most 2/3");
_Static_assert(GB_POSTINGS_MAX < UINT16_MAX, "line numbers + 1 must fit in uint16");

static const char *const kind_names[GB_ACCOUNT_KIND_COUNT] = {
	"cash", "receivable", "premium", "setaside", "fund", "claims", "due_from", "due_to"
};

/* ------------------------------------------------------------- messages */

/* Amounts in messages: GB_FEN and gb_fen_format (money.h). */

/* ------------------------------------------------------------- accounts */

const char *gb_account_kind_name(int kind)
{
	if (kind < 0 || kind >= GB_ACCOUNT_KIND_COUNT)
		return NULL;
	return kind_names[kind];
}

static int kind_parse(const char *s, size_t len)
{
	for (int k = 0; k < GB_ACCOUNT_KIND_COUNT; k++)
		if (strlen(kind_names[k]) == len && memcmp(kind_names[k], s, len) == 0)
			return k;
	return -1;
}

int gb_books_id_valid(const char *id)
{
	if (id == NULL)
		return 0;
	size_t len = strnlen(id, GB_ID_MAX + 1);
	if (len == 0 || len > GB_ID_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = id[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
			|| c == '.' || c == '_' || c == ':' || c == '-';
		if (!ok)
			return 0;
	}
	return 1;
}

/* Checks the parts of an account name. Returns 0 or GB_EVALUE. */
static int account_check(const char *member, int kind, const char *other, gb_err *err)
{
	if (!gb_books_id_valid(member))
		return gb_err_set(err, GB_EVALUE, "account: member id '%.80s' is not valid",
			member ? member : "(null)");
	if (kind < 0 || kind >= GB_ACCOUNT_KIND_COUNT)
		return gb_err_set(err, GB_EVALUE, "account of '%s': kind %d is not an account kind",
			member, kind);
	if (kind < GB_ACCOUNT_OWN_KINDS) {
		if (other != NULL)
			return gb_err_set(err, GB_EVALUE, "account 'm/%s/%s' names no other member, got '%.80s'",
				member, kind_names[kind], other);
		return 0;
	}
	if (!gb_books_id_valid(other))
		return gb_err_set(err, GB_EVALUE, "account 'm/%s/%s': other member id '%.80s' is not valid",
			member, kind_names[kind], other ? other : "(null)");
	if (strcmp(member, other) == 0)
		return gb_err_set(err, GB_EVALUE, "account 'm/%s/%s/%s' names its own member",
			member, kind_names[kind], other);
	return 0;
}

/* Appends len bytes of s at *p (within the caller's checked capacity). */
static void put_bytes(char **p, const char *s, size_t len)
{
	memcpy(*p, s, len);
	*p += len;
}

/* Writes the (checked) account name into out[0..cap); returns its length. */
static size_t account_format(char *out, size_t cap, const char *member, int kind, const char *other)
{
	assert(kind >= 0 && kind < GB_ACCOUNT_KIND_COUNT);
	size_t ml = strlen(member), kl = strlen(kind_names[kind]);
	size_t ol = other != NULL ? strlen(other) : 0;
	size_t len = 2 + ml + 1 + kl + (other != NULL ? 1 + ol : 0);
	assert(len < cap);
	char *p = out;
	put_bytes(&p, "m/", 2);
	put_bytes(&p, member, ml);
	put_bytes(&p, "/", 1);
	put_bytes(&p, kind_names[kind], kl);
	if (other != NULL) {
		put_bytes(&p, "/", 1);
		put_bytes(&p, other, ol);
	}
	*p = '\0';
	return len;
}

/* Writes "bal/" + the (checked) account name into key. */
static void balance_key(char key[GB_BALANCE_KEY_MAX + 1], const char *member, int kind,
	const char *other)
{
	size_t plen = strlen(GB_BALANCE_KEY_PREFIX);
	memcpy(key, GB_BALANCE_KEY_PREFIX, plen);
	account_format(key + plen, GB_BALANCE_KEY_MAX + 1 - plen, member, kind, other);
}

int gb_account_name(char out[GB_ACCOUNT_MAX + 1], const char *member, int kind,
	const char *other, gb_err *err)
{
	assert(out != NULL);
	out[0] = '\0';
	int rc = account_check(member, kind, other, err);
	if (rc != 0)
		return rc;
	account_format(out, GB_ACCOUNT_MAX + 1, member, kind, other);
	return 0;
}

/* Copies s[0..len) into out as an id of at most GB_ID_MAX bytes; 0 or -1. */
static int id_copy(char out[GB_ID_MAX + 1], const char *s, size_t len)
{
	if (len > GB_ID_MAX)
		return -1;
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}

int gb_account_parse(const char *name, char member[GB_ID_MAX + 1], int *kind,
	char other[GB_ID_MAX + 1], gb_err *err)
{
	assert(name != NULL);
	assert(member != NULL && kind != NULL && other != NULL);
	member[0] = other[0] = '\0';
	*kind = -1;
	size_t len = strnlen(name, GB_ACCOUNT_MAX + 1);
	if (len > GB_ACCOUNT_MAX || strncmp(name, "m/", 2) != 0)
		return gb_err_set(err, GB_EVALUE, "account name '%.80s' is not m/<member>/<kind>[/<other>]", name);
	const char *m = name + 2, *slash = strchr(m, '/');
	if (slash == NULL || id_copy(member, m, (size_t)(slash - m)) != 0)
		return gb_err_set(err, GB_EVALUE, "account name '%.80s' is not m/<member>/<kind>[/<other>]", name);
	const char *k = slash + 1, *slash2 = strchr(k, '/');
	*kind = kind_parse(k, slash2 != NULL ? (size_t)(slash2 - k) : strlen(k));
	if (*kind < 0)
		return gb_err_set(err, GB_EVALUE, "account name '%.80s': unknown kind", name);
	if (slash2 != NULL && id_copy(other, slash2 + 1, strlen(slash2 + 1)) != 0)
		return gb_err_set(err, GB_EVALUE, "account name '%.80s': other member id too long", name);
	int rc = account_check(member, *kind, slash2 != NULL ? other : NULL, err);
	if (rc != 0)
		return gb_err_prefix(err, rc, "account name '%.80s': ", name);
	return 0;
}

/* --------------------------------------------------------- share tables */

/* Checks t's member list: 1..GB_SHARES_MAX account-owning ids, strictly ascending. */
static int members_check(const gb_shares *t, gb_err *err)
{
	assert(t != NULL);
	if (t->count == 0)
		return gb_err_set(err, GB_EVALUE, "share table is empty");
	if (t->count > GB_SHARES_MAX)
		return gb_err_set(err, GB_EVALUE, "share table has %zu members, limit %d",
			t->count, GB_SHARES_MAX);
	for (size_t i = 0; i < t->count; i++) {
		const char *id = t->id[i];
		if (memchr(id, '\0', GB_ID_MAX + 1) == NULL || !gb_books_id_valid(id))
			return gb_err_set(err, GB_EVALUE, "share table member %zu: id '%.64s' cannot own accounts",
				i, id);
		if (i > 0 && strcmp(t->id[i - 1], id) >= 0)
			return gb_err_set(err, GB_EVALUE,
				"share table member %zu: '%s' does not follow '%s' (ids ascending, unique)",
				i, id, t->id[i - 1]);
	}
	return 0;
}

int gb_books_shares_check(const gb_shares *t, gb_err *err)
{
	assert(t != NULL);
	int rc = members_check(t, err);
	if (rc != 0)
		return rc;
	int64_t sum_bps = 0;
	for (size_t i = 0; i < t->count; i++) {
		if (t->bps[i] < 0 || t->bps[i] > GB_BPS_WHOLE)
			return gb_err_set(err, GB_EVALUE, "share of '%s' is %s bps, want 0 to 10,000",
				t->id[i], GB_FEN(t->bps[i]));
		sum_bps += t->bps[i];
	}
	if (sum_bps != GB_BPS_WHOLE)
		return gb_err_set(err, GB_EVALUE, "shares sum to %s bps, want 10,000", GB_FEN(sum_bps));
	if (t->lead >= t->count)
		return gb_err_set(err, GB_EVALUE, "share table has no lead (index %zu of %zu members)",
			t->lead, t->count);
	if (t->bps[t->lead] == 0)
		return gb_err_set(err, GB_EVALUE, "lead '%s' has a share of 0 bps", t->id[t->lead]);
	return 0;
}

/* ---------------------------------------------------------- posting sets */

/* One number per account within a set: member, kind, other. */
static uint32_t line_key(uint16_t member, int kind, uint16_t other)
{
	assert(member < GB_BOOKS_MEMBERS_MAX);
	assert(kind >= 0 && kind < GB_ACCOUNT_KIND_COUNT);
	return (uint32_t)member << 20 | (uint32_t)kind << 16 | other;
}

static uint32_t posting_key(const gb_posting *l)
{
	return line_key(l->member, l->kind, l->other);
}

/* The other member's id of line l, or NULL for the own kinds. */
static const char *line_other(const gb_postings *ps, const gb_posting *l)
{
	return l->other == GB_POSTING_NO_OTHER ? NULL : ps->member[l->other];
}

/* First slot to probe for key (Fibonacci hashing). */
static size_t slot_home(uint32_t key)
{
	return (size_t)((key * UINT32_C(2654435769)) >> 21) & (GB_POSTINGS_SLOTS - 1);
}

/* The line on the account with this key, or ps->count. Never trusts a slot blindly. */
static size_t line_lookup(const gb_postings *ps, uint32_t key)
{
	size_t h = slot_home(key);
	for (size_t n = 0; n < GB_POSTINGS_SLOTS; n++) {
		size_t s = ps->slot[h];
		if (s == 0)
			return ps->count;
		if (s - 1 < ps->count && posting_key(&ps->line[s - 1]) == key)
			return s - 1;
		h = (h + 1) & (GB_POSTINGS_SLOTS - 1);
	}
	return ps->count;
}

/* Records line i (not yet indexed) in the first free slot from its home. */
static void slot_insert(gb_postings *ps, size_t i)
{
	assert(i < ps->count);
	size_t h = slot_home(posting_key(&ps->line[i]));
	for (size_t n = 0; n < GB_POSTINGS_SLOTS; n++) {
		if (ps->slot[h] == 0) {
			ps->slot[h] = (uint16_t)(i + 1);
			return;
		}
		h = (h + 1) & (GB_POSTINGS_SLOTS - 1);
	}
	assert(0 && "the index has room for every line");
}

/* Rebuilds the index after lines moved (a line merged to 0). */
static void index_rebuild(gb_postings *ps)
{
	assert(ps->count <= GB_POSTINGS_MAX);
	memset(ps->slot, 0, sizeof ps->slot);
	for (size_t i = 0; i < ps->count; i++)
		slot_insert(ps, i);
}

void gb_postings_init(gb_postings *ps)
{
	assert(ps != NULL);
	ps->member_count = 0;
	ps->count = 0;
	memset(ps->slot, 0, sizeof ps->slot);
}

/* Index of id in ps's member table, or ps->member_count. */
static size_t member_lookup(const gb_postings *ps, const char *id)
{
	assert(ps->member_count <= GB_BOOKS_MEMBERS_MAX);
	for (size_t i = 0; i < ps->member_count; i++)
		if (strcmp(ps->member[i], id) == 0)
			return i;
	return ps->member_count;
}

/* *index = id's index in ps's member table, adding it if new (id checked). */
static int member_intern(gb_postings *ps, const char *id, uint16_t *index, gb_err *err)
{
	assert(gb_books_id_valid(id));
	size_t i = member_lookup(ps, id);
	if (i == ps->member_count) {
		if (i == GB_BOOKS_MEMBERS_MAX)
			return gb_err_set(err, GB_ETOOBIG, "posting set already names %d members: '%s' is one too many",
				GB_BOOKS_MEMBERS_MAX, id);
		memcpy(ps->member[i], id, strlen(id) + 1);
		ps->member_count++;
	}
	*index = (uint16_t)i;
	return 0;
}

void gb_postings_account(const gb_postings *ps, size_t i, char out[GB_ACCOUNT_MAX + 1])
{
	assert(ps != NULL);
	assert(i < ps->count);
	const gb_posting *l = &ps->line[i];
	account_format(out, GB_ACCOUNT_MAX + 1, ps->member[l->member], l->kind, line_other(ps, l));
}

/* Adds amount to line i; drops the line if it comes to 0. */
static int line_merge(gb_postings *ps, size_t i, int64_t amount_fen, gb_err *err)
{
	assert(i < ps->count);
	int64_t sum;
	if (gb_fen_add(ps->line[i].amount_fen, amount_fen, &sum) != 0) {
		char account[GB_ACCOUNT_MAX + 1];
		gb_postings_account(ps, i, account);
		return gb_err_set(err, GB_EOVERFLOW, "posting to '%s' out of range: %s fen + %s fen",
			account, GB_FEN(ps->line[i].amount_fen), GB_FEN(amount_fen));
	}
	if (sum != 0) {
		ps->line[i].amount_fen = sum;
		return 0;
	}
	memmove(&ps->line[i], &ps->line[i + 1], (ps->count - i - 1) * sizeof ps->line[0]);
	ps->count--;
	index_rebuild(ps);
	return 0;
}

/* Posts amount to (member, kind, other) given as indexes, merging. */
static int line_add(gb_postings *ps, uint16_t member, int kind, uint16_t other,
	int64_t amount_fen, gb_err *err)
{
	assert(member < ps->member_count);
	assert(amount_fen >= -GB_FEN_MAX && amount_fen <= GB_FEN_MAX);
	if (amount_fen == 0)
		return 0;
	size_t i = line_lookup(ps, line_key(member, kind, other));
	if (i < ps->count)
		return line_merge(ps, i, amount_fen, err);
	if (ps->count == GB_POSTINGS_MAX)
		return gb_err_set(err, GB_ETOOBIG, "posting set full (%d lines): cannot post to 'm/%s/%s'",
			GB_POSTINGS_MAX, ps->member[member], kind_names[kind]);
	ps->line[ps->count++] = (gb_posting){ member, other, (uint8_t)kind, amount_fen };
	slot_insert(ps, ps->count - 1);
	return 0;
}

int gb_postings_add(gb_postings *ps, const char *member, int kind, const char *other,
	int64_t amount_fen, gb_err *err)
{
	assert(ps != NULL);
	assert(ps->count <= GB_POSTINGS_MAX);
	int rc = account_check(member, kind, other, err);
	if (rc != 0)
		return rc;
	if (amount_fen < -GB_FEN_MAX || amount_fen > GB_FEN_MAX)
		return gb_err_set(err, GB_EOVERFLOW, "posting of %s fen to 'm/%s/%s' is over GB_FEN_MAX",
			GB_FEN(amount_fen), member, kind_names[kind]);
	uint16_t m, o = GB_POSTING_NO_OTHER;
	rc = member_intern(ps, member, &m, err);
	if (rc == 0 && other != NULL)
		rc = member_intern(ps, other, &o, err);
	if (rc != 0)
		return rc;
	return line_add(ps, m, kind, o, amount_fen, err);
}

int gb_postings_add_account(gb_postings *ps, const char *account, int64_t amount_fen,
	gb_err *err)
{
	assert(ps != NULL);
	assert(account != NULL);
	char member[GB_ID_MAX + 1], other[GB_ID_MAX + 1];
	int kind;
	int rc = gb_account_parse(account, member, &kind, other, err);
	if (rc != 0)
		return rc;
	return gb_postings_add(ps, member, kind, other[0] ? other : NULL, amount_fen, err);
}

int64_t gb_postings_amount(const gb_postings *ps, const char *member, int kind,
	const char *other)
{
	assert(ps != NULL && member != NULL);
	assert(kind >= 0 && kind < GB_ACCOUNT_KIND_COUNT);
	size_t m = member_lookup(ps, member);
	size_t o = other != NULL ? member_lookup(ps, other) : GB_POSTING_NO_OTHER;
	if (m == ps->member_count || o == ps->member_count)
		return 0;
	size_t i = line_lookup(ps, line_key((uint16_t)m, kind, (uint16_t)o));
	return i < ps->count ? ps->line[i].amount_fen : 0;
}

void gb_postings_negate(gb_postings *ps)
{
	assert(ps != NULL);
	assert(ps->count <= GB_POSTINGS_MAX);
	for (size_t i = 0; i < ps->count; i++)
		ps->line[i].amount_fen = -ps->line[i].amount_fen;
}

/* ------------------------------------------------------ check and apply */

#define MEMBER_SLOTS 512

/* FNV-1a of a (checked) id, reduced to a slot of a MEMBER_SLOTS table. */
static size_t member_home(const char *id)
{
	uint32_t h = UINT32_C(2166136261);
	for (size_t i = 0; id[i] != '\0' && i < GB_ID_MAX; i++)
		h = (h ^ (uint8_t)id[i]) * UINT32_C(16777619);
	return h & (MEMBER_SLOTS - 1);
}

/* Finds member i's id among the earlier ones (hash table `seen`), then records it. */
static int member_seen(const gb_postings *ps, uint16_t *seen, size_t i)
{
	size_t h = member_home(ps->member[i]);
	for (size_t n = 0; n < MEMBER_SLOTS; n++) {
		if (seen[h] == 0) {
			seen[h] = (uint16_t)(i + 1);
			return 0;
		}
		if (strcmp(ps->member[seen[h] - 1], ps->member[i]) == 0)
			return 1;
		h = (h + 1) & (MEMBER_SLOTS - 1);
	}
	assert(0 && "MEMBER_SLOTS has room for every member");
	return 1;
}

/* The member table: valid, NUL-terminated ids, each once. */
static int check_members(const gb_postings *ps, gb_err *err)
{
	_Static_assert(MEMBER_SLOTS >= 2 * GB_BOOKS_MEMBERS_MAX, "member slots: load at most 1/2");
	if (ps->member_count > GB_BOOKS_MEMBERS_MAX || ps->count > GB_POSTINGS_MAX)
		return gb_err_set(err, GB_EINVARIANT, "posting set has %zu members and %zu lines, limits %d and %d",
			ps->member_count, ps->count, GB_BOOKS_MEMBERS_MAX, GB_POSTINGS_MAX);
	uint16_t seen[MEMBER_SLOTS] = { 0 };
	for (size_t i = 0; i < ps->member_count; i++) {
		if (memchr(ps->member[i], '\0', GB_ID_MAX + 1) == NULL || !gb_books_id_valid(ps->member[i]))
			return gb_err_set(err, GB_EINVARIANT, "posting set member %zu: id '%.64s' is not valid",
				i, ps->member[i]);
		if (member_seen(ps, seen, i))
			return gb_err_set(err, GB_EINVARIANT, "posting set names member '%s' twice",
				ps->member[i]);
	}
	return 0;
}

/* Line i's fields: indexes, kind, other iff a due kind, amount. */
static int check_line(const gb_postings *ps, size_t i, gb_err *err)
{
	const gb_posting *l = &ps->line[i];
	if (l->member >= ps->member_count || l->kind >= GB_ACCOUNT_KIND_COUNT)
		return gb_err_set(err, GB_EINVARIANT, "posting line %zu: member %u or kind %u out of range",
			i, (unsigned)l->member, (unsigned)l->kind);
	int due = l->kind >= GB_ACCOUNT_OWN_KINDS;
	if (due ? l->other >= ps->member_count || l->other == l->member : l->other != GB_POSTING_NO_OTHER)
		return gb_err_set(err, GB_EINVARIANT, "posting line %zu: other member %u does not fit kind '%s'",
			i, (unsigned)l->other, kind_names[l->kind]);
	if (l->amount_fen == 0 || l->amount_fen < -GB_FEN_MAX || l->amount_fen > GB_FEN_MAX)
		return gb_err_set(err, GB_EINVARIANT, "posting line %zu: amount %s fen is 0 or over GB_FEN_MAX",
			i, GB_FEN(l->amount_fen));
	return 0;
}

/*
 * The index finds line i (all lines' fields checked) at its own number. Once
 * that holds for every line, no two lines share an account (one key, one
 * answer), and apply may trust the index.
 */
static int check_indexed(const gb_postings *ps, size_t i, gb_err *err)
{
	size_t j = line_lookup(ps, posting_key(&ps->line[i]));
	if (j == i)
		return 0;
	char account[GB_ACCOUNT_MAX + 1];
	gb_postings_account(ps, i, account);
	if (j < ps->count)
		return gb_err_set(err, GB_EINVARIANT, "posting line %zu: account '%s' already has line %zu",
			i, account, j);
	return gb_err_set(err, GB_EINVARIANT, "posting line %zu: account '%s' missing from the index",
		i, account);
}

/* The lines sum to 0 overall and for every member. */
static int check_sums(const gb_postings *ps, gb_err *err)
{
	int64_t member_sum[GB_BOOKS_MEMBERS_MAX] = { 0 }, total = 0;
	for (size_t i = 0; i < ps->count; i++) {
		member_sum[ps->line[i].member] += ps->line[i].amount_fen;
		total += ps->line[i].amount_fen;
	}
	if (total != 0)
		return gb_err_set(err, GB_EINVARIANT, "postings sum to %s fen, want 0", GB_FEN(total));
	for (size_t m = 0; m < ps->member_count; m++)
		if (member_sum[m] != 0)
			return gb_err_set(err, GB_EINVARIANT, "postings for '%s' sum to %s fen, want 0",
				ps->member[m], GB_FEN(member_sum[m]));
	return 0;
}

int gb_postings_check(const gb_postings *ps, gb_err *err)
{
	assert(ps != NULL);
	int rc = check_members(ps, err);
	for (size_t i = 0; rc == 0 && i < ps->count; i++)
		rc = check_line(ps, i, err);
	for (size_t i = 0; rc == 0 && i < ps->count; i++)
		rc = check_indexed(ps, i, err);
	if (rc == 0)
		rc = check_sums(ps, err);
	return rc;
}

/* Reads one balance; a state failure keeps its code and names the key. */
static int read_balance(const gb_state *st, const char *key, int64_t *out, gb_err *err)
{
	assert(st != NULL);
	assert(out != NULL);
	int rc = gb_state_get_i64(st, key, out);
	if (rc != 0)
		return gb_err_set(err, rc, "reading balance '%s': %s", key, gb_strerror(rc));
	/* apply never writes such a balance: the state is damaged. */
	if (*out < -GB_FEN_MAX || *out > GB_FEN_MAX)
		return gb_err_set(err, GB_ECORRUPT, "balance '%s' is %s fen, beyond GB_FEN_MAX",
			key, GB_FEN(*out));
	return 0;
}

/* The state key of line i. */
static void line_balance_key(const gb_postings *ps, size_t i, char key[GB_BALANCE_KEY_MAX + 1])
{
	const gb_posting *l = &ps->line[i];
	balance_key(key, ps->member[l->member], l->kind, line_other(ps, l));
}

/* next[i] = the balance of line i's account after the line, for every line. */
static int apply_compute(const gb_postings *ps, const gb_state *st, int64_t *next, gb_err *err)
{
	char key[GB_BALANCE_KEY_MAX + 1];
	for (size_t i = 0; i < ps->count; i++) {
		line_balance_key(ps, i, key);
		int64_t cur;
		int rc = read_balance(st, key, &cur, err);
		if (rc != 0)
			return rc;
		if (gb_fen_add(cur, ps->line[i].amount_fen, &next[i]) != 0)
			return gb_err_set(err, GB_EOVERFLOW, "balance of '%s' out of range: %s fen + %s fen",
				key + strlen(GB_BALANCE_KEY_PREFIX), GB_FEN(cur), GB_FEN(ps->line[i].amount_fen));
	}
	return 0;
}

/* Invariant 3 for line i (a due line): its mirror, in ps or in st, is -next[i]. */
static int apply_mirror(const gb_postings *ps, const gb_state *st, const int64_t *next,
	size_t i, gb_err *err)
{
	const gb_posting *l = &ps->line[i];
	int mkind = l->kind == GB_ACCOUNT_DUE_FROM ? GB_ACCOUNT_DUE_TO : GB_ACCOUNT_DUE_FROM;
	char key[GB_BALANCE_KEY_MAX + 1];
	balance_key(key, ps->member[l->other], mkind, ps->member[l->member]);
	size_t j = line_lookup(ps, line_key(l->other, mkind, l->member));
	int64_t mirror;
	if (j < ps->count) {
		mirror = next[j];
	} else {
		int rc = read_balance(st, key, &mirror, err);
		if (rc != 0)
			return rc;
	}
	if (mirror == -next[i])
		return 0;
	char account[GB_ACCOUNT_MAX + 1];
	gb_postings_account(ps, i, account);
	return gb_err_set(err, GB_EINVARIANT, "mirror broken: '%s' would be %s fen but '%s' %s fen",
		account, GB_FEN(next[i]), key + strlen(GB_BALANCE_KEY_PREFIX), GB_FEN(mirror));
}

/* Invariants 2 and 3 of section 4 on the accounts ps touches. */
static int apply_invariants(const gb_postings *ps, const gb_state *st, const int64_t *next,
	gb_err *err)
{
	for (size_t i = 0; i < ps->count; i++) {
		const gb_posting *l = &ps->line[i];
		if (l->kind == GB_ACCOUNT_FUND && next[i] > 0)
			return gb_err_set(err, GB_EINVARIANT, "fund part of '%s' would be %s fen, above 0",
				ps->member[l->member], GB_FEN(next[i]));
		if (l->kind >= GB_ACCOUNT_OWN_KINDS) {
			int rc = apply_mirror(ps, st, next, i, err);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

int gb_postings_apply(const gb_postings *ps, const gb_state *st, gb_err *err)
{
	assert(ps != NULL);
	assert(st != NULL);
	int64_t next[GB_POSTINGS_MAX];
	int rc = gb_postings_check(ps, err);
	if (rc == 0)
		rc = apply_compute(ps, st, next, err);
	if (rc == 0)
		rc = apply_invariants(ps, st, next, err);
	if (rc != 0)
		return rc;
	/* Everything is checked; only a failure of the state itself stops us now. */
	char key[GB_BALANCE_KEY_MAX + 1];
	for (size_t i = 0; i < ps->count; i++) {
		line_balance_key(ps, i, key);
		rc = gb_state_put_i64(st, key, next[i]);
		if (rc != 0)
			return gb_err_set(err, rc, "writing balance '%s': %s", key, gb_strerror(rc));
	}
	return 0;
}

/* ------------------------------------------------- standard posting sets */

/* A builder's amount: within +-GB_FEN_MAX, and not negative unless signed_ok. */
static int amount_check(const char *what, int64_t amount_fen, int signed_ok, gb_err *err)
{
	if (amount_fen < -GB_FEN_MAX || amount_fen > GB_FEN_MAX)
		return gb_err_set(err, GB_EOVERFLOW, "%s of %s fen is over GB_FEN_MAX", what, GB_FEN(amount_fen));
	if (amount_fen < 0 && !signed_ok)
		return gb_err_set(err, GB_EVALUE, "%s of %s fen is negative", what, GB_FEN(amount_fen));
	return 0;
}

/* idx[i] = the index in ps of t's member i (t checked), adding them as needed. */
static int intern_table(gb_postings *ps, const gb_shares *t, uint16_t *idx, gb_err *err)
{
	assert(t->count <= GB_SHARES_MAX);
	if (ps->member_count == 0) {
		/* The usual case, a fresh set: t's ids are unique, so copy them in order. */
		_Static_assert(sizeof ps->member[0] == sizeof t->id[0], "same id buffers");
		memcpy(ps->member, t->id, t->count * sizeof t->id[0]);
		ps->member_count = t->count;
		for (size_t i = 0; i < t->count; i++)
			idx[i] = (uint16_t)i;
		return 0;
	}
	for (size_t i = 0; i < t->count; i++) {
		int rc = member_intern(ps, t->id[i], &idx[i], err);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Checks t and the amount, splits it by t's shares into part[], interns t's members. */
static int shares_prepare(gb_postings *ps, const gb_shares *t, const char *what,
	int64_t amount_fen, int signed_ok, int64_t *part, uint16_t *idx, gb_err *err)
{
	assert(ps != NULL);
	assert(t != NULL);
	int rc = gb_books_shares_check(t, err);
	if (rc == 0)
		rc = amount_check(what, amount_fen, signed_ok, err);
	if (rc != 0)
		return rc;
	rc = gb_fen_split(amount_fen, t->bps, t->count, t->lead, part);
	assert(rc == 0);
	return intern_table(ps, t, idx, err);
}

/* m/M/receivable +x_M, m/M/premium -x_M for every member. */
static int premium_lines(gb_postings *ps, const gb_shares *t, const char *what,
	int64_t amount_fen, int signed_ok, gb_err *err)
{
	int64_t part[GB_SHARES_MAX];
	uint16_t idx[GB_SHARES_MAX];
	int rc = shares_prepare(ps, t, what, amount_fen, signed_ok, part, idx, err);
	for (size_t i = 0; rc == 0 && i < t->count; i++) {
		rc = line_add(ps, idx[i], GB_ACCOUNT_RECEIVABLE, GB_POSTING_NO_OTHER, part[i], err);
		if (rc == 0)
			rc = line_add(ps, idx[i], GB_ACCOUNT_PREMIUM, GB_POSTING_NO_OTHER, -part[i], err);
	}
	return rc;
}

int gb_books_premium_written(gb_postings *ps, const gb_shares *t, int64_t premium_fen,
	gb_err *err)
{
	return premium_lines(ps, t, "premium written", premium_fen, 0, err);
}

int gb_books_premium_endorsed(gb_postings *ps, const gb_shares *t, int64_t delta_fen,
	gb_err *err)
{
	return premium_lines(ps, t, "premium change", delta_fen, 1, err);
}

/* One member's lines of a premium receipt: its share r, owed by the lead, and its set-aside. */
static int received_member(gb_postings *ps, const uint16_t *idx, size_t lead, size_t i,
	int64_t r, int64_t setaside_bps, gb_err *err)
{
	int64_t s;
	int rc = gb_fen_apply_bps(r, setaside_bps, &s);
	assert(rc == 0);
	rc = line_add(ps, idx[i], GB_ACCOUNT_RECEIVABLE, GB_POSTING_NO_OTHER, -r, err);
	if (rc == 0 && i != lead)
		rc = line_add(ps, idx[i], GB_ACCOUNT_DUE_FROM, idx[lead], r, err);
	if (rc == 0 && i != lead)
		rc = line_add(ps, idx[lead], GB_ACCOUNT_DUE_TO, idx[i], -r, err);
	if (rc == 0)
		rc = line_add(ps, idx[i], GB_ACCOUNT_SETASIDE, GB_POSTING_NO_OTHER, s, err);
	if (rc == 0)
		rc = line_add(ps, idx[i], GB_ACCOUNT_FUND, GB_POSTING_NO_OTHER, -s, err);
	return rc;
}

int gb_books_premium_received(gb_postings *ps, const gb_shares *t, int64_t received_fen,
	int64_t setaside_bps, gb_err *err)
{
	if (setaside_bps < 0 || setaside_bps > GB_BPS_WHOLE)
		return gb_err_set(err, GB_EVALUE, "set-aside rate of %s bps, want 0 to 10,000",
			GB_FEN(setaside_bps));
	int64_t part[GB_SHARES_MAX];
	uint16_t idx[GB_SHARES_MAX];
	int rc = shares_prepare(ps, t, "premium received", received_fen, 0, part, idx, err);
	if (rc == 0)
		rc = line_add(ps, idx[t->lead], GB_ACCOUNT_CASH, GB_POSTING_NO_OTHER, received_fen, err);
	for (size_t i = 0; rc == 0 && i < t->count; i++)
		rc = received_member(ps, idx, t->lead, i, part[i], setaside_bps, err);
	return rc;
}

/*
 * The lead pays amount_fen, member M's part being part[M]: m/L/cash -amount;
 * m/M/<kind> +part_M; for M != L, m/M/due_to/L -part_M, m/L/due_from/M +part_M.
 */
static int lead_pays(gb_postings *ps, const uint16_t *idx, size_t n, size_t lead, int kind,
	int64_t amount_fen, const int64_t *part, gb_err *err)
{
	assert(lead < n);
	assert(kind < GB_ACCOUNT_OWN_KINDS);
	int rc = line_add(ps, idx[lead], GB_ACCOUNT_CASH, GB_POSTING_NO_OTHER, -amount_fen, err);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		rc = line_add(ps, idx[i], kind, GB_POSTING_NO_OTHER, part[i], err);
		if (rc == 0 && i != lead)
			rc = line_add(ps, idx[i], GB_ACCOUNT_DUE_TO, idx[lead], -part[i], err);
		if (rc == 0 && i != lead)
			rc = line_add(ps, idx[lead], GB_ACCOUNT_DUE_FROM, idx[i], part[i], err);
	}
	return rc;
}

int gb_books_claim_paid(gb_postings *ps, const gb_shares *t, int64_t paid_fen, gb_err *err)
{
	int64_t part[GB_SHARES_MAX];
	uint16_t idx[GB_SHARES_MAX];
	int rc = shares_prepare(ps, t, "claim payment", paid_fen, 0, part, idx, err);
	if (rc != 0)
		return rc;
	return lead_pays(ps, idx, t->count, t->lead, GB_ACCOUNT_CLAIMS, paid_fen, part, err);
}

/* part[i] = -m/<t.member[i]>/fund in st (>= 0), *total_fen = their sum. */
static int fund_parts(const gb_state *st, const gb_shares *t, int64_t *part, int64_t *total_fen,
	gb_err *err)
{
	assert(st != NULL);
	assert(t->count <= GB_SHARES_MAX);
	char key[GB_BALANCE_KEY_MAX + 1];
	int64_t total = 0;
	for (size_t i = 0; i < t->count; i++) {
		int64_t bal;
		balance_key(key, t->id[i], GB_ACCOUNT_FUND, NULL);
		int rc = read_balance(st, key, &bal, err);
		if (rc != 0)
			return rc;
		if (bal > 0)
			return gb_err_set(err, GB_EINVARIANT, "fund part of '%s' is %s fen, above 0",
				t->id[i], GB_FEN(bal));
		if (gb_fen_sub(total, bal, &total) != 0)
			return gb_err_set(err, GB_EOVERFLOW, "prevention fund balance over GB_FEN_MAX at '%s'",
				t->id[i]);
		part[i] = -bal;
	}
	*total_fen = total;
	return 0;
}

int gb_books_fund_withdrawal(gb_postings *ps, const gb_state *st, const gb_shares *t,
	int64_t amount_fen, gb_err *err)
{
	assert(ps != NULL);
	assert(t != NULL);
	int64_t part[GB_SHARES_MAX], fund[GB_SHARES_MAX], total;
	uint16_t idx[GB_SHARES_MAX];
	int rc = gb_books_shares_check(t, err);
	if (rc == 0)
		rc = amount_check("withdrawal", amount_fen, 0, err);
	if (rc == 0)
		rc = fund_parts(st, t, fund, &total, err);
	if (rc != 0)
		return rc;
	if (amount_fen > total)
		return gb_err_set(err, GB_ESTATE, "withdrawal of %s fen exceeds the prevention fund's balance of %s fen",
			GB_FEN(amount_fen), GB_FEN(total));
	if (amount_fen == 0)
		return 0;
	rc = gb_fen_split(amount_fen, fund, t->count, t->lead, part);
	assert(rc == 0);
	rc = intern_table(ps, t, idx, err);
	if (rc != 0)
		return rc;
	return lead_pays(ps, idx, t->count, t->lead, GB_ACCOUNT_FUND, amount_fen, part, err);
}

/* Interns payer and payee and adds the four lines of a settlement. */
static int settlement_lines(gb_postings *ps, const char *payer, const char *payee,
	int64_t amount_fen, gb_err *err)
{
	uint16_t p, q;
	int rc = member_intern(ps, payer, &p, err);
	if (rc == 0)
		rc = member_intern(ps, payee, &q, err);
	if (rc == 0)
		rc = line_add(ps, p, GB_ACCOUNT_CASH, GB_POSTING_NO_OTHER, -amount_fen, err);
	if (rc == 0)
		rc = line_add(ps, p, GB_ACCOUNT_DUE_TO, q, amount_fen, err);
	if (rc == 0)
		rc = line_add(ps, q, GB_ACCOUNT_CASH, GB_POSTING_NO_OTHER, amount_fen, err);
	if (rc == 0)
		rc = line_add(ps, q, GB_ACCOUNT_DUE_FROM, p, -amount_fen, err);
	return rc;
}

int gb_books_settlement(gb_postings *ps, const gb_state *st, const char *payer,
	const char *payee, int64_t amount_fen, gb_err *err)
{
	assert(ps != NULL);
	assert(st != NULL);
	if (!gb_books_id_valid(payer) || !gb_books_id_valid(payee))
		return gb_err_set(err, GB_EVALUE, "settlement: payer '%.80s' or payee '%.80s' is not a valid member id",
			payer ? payer : "(null)", payee ? payee : "(null)");
	if (strcmp(payer, payee) == 0)
		return gb_err_set(err, GB_EVALUE, "settlement: '%s' pays itself", payer);
	int rc = amount_check("settlement", amount_fen, 0, err);
	int64_t due;
	if (rc == 0)
		rc = gb_books_balance(st, payer, GB_ACCOUNT_DUE_TO, payee, &due, err);
	if (rc != 0)
		return rc;
	int64_t owed = -due;      /* read_balance keeps |due| <= GB_FEN_MAX */
	if (amount_fen > owed)
		return gb_err_set(err, GB_ESTATE, "settlement of %s fen overpays: '%s' owes '%s' %s fen",
			GB_FEN(amount_fen), payer, payee, GB_FEN(owed));
	return settlement_lines(ps, payer, payee, amount_fen, err);
}

/* ---------------------------------------------------------------- readers */

int gb_books_balance(const gb_state *st, const char *member, int kind, const char *other,
	int64_t *out, gb_err *err)
{
	assert(st != NULL);
	assert(out != NULL);
	int rc = account_check(member, kind, other, err);
	if (rc != 0)
		return rc;
	char key[GB_BALANCE_KEY_MAX + 1];
	balance_key(key, member, kind, other);
	return read_balance(st, key, out, err);
}

/* Reads member's due_from and due_to against every other member of t. */
static int member_dues(const gb_state *st, const gb_shares *t, const char *member,
	gb_member_balances *out, gb_err *err)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < t->count; i++) {
		if (strcmp(t->id[i], member) == 0)
			continue;
		rc = gb_books_balance(st, member, GB_ACCOUNT_DUE_FROM, t->id[i], &out->due_from_fen[i], err);
		if (rc == 0)
			rc = gb_books_balance(st, member, GB_ACCOUNT_DUE_TO, t->id[i], &out->due_to_fen[i], err);
	}
	return rc;
}

int gb_books_member_balances(const gb_state *st, const gb_shares *t, const char *member,
	gb_member_balances *out, gb_err *err)
{
	assert(st != NULL);
	assert(out != NULL);
	memset(out, 0, sizeof *out);
	int rc = members_check(t, err);
	for (int k = 0; rc == 0 && k < GB_ACCOUNT_OWN_KINDS; k++)
		rc = gb_books_balance(st, member, k, NULL, &out->own_fen[k], err);
	if (rc == 0)
		rc = member_dues(st, t, member, out, err);
	if (rc != 0)
		return rc;
	out->count = t->count;
	/* At most 6 + 2 x 256 balances of at most 10^15 each: no overflow. */
	for (int k = 0; k < GB_ACCOUNT_OWN_KINDS; k++)
		out->total_fen += out->own_fen[k];
	for (size_t i = 0; i < t->count; i++)
		out->total_fen += out->due_from_fen[i] + out->due_to_fen[i];
	return 0;
}

int gb_books_fund_total(const gb_state *st, const gb_shares *t, int64_t *out, gb_err *err)
{
	assert(st != NULL);
	assert(out != NULL);
	int64_t part[GB_SHARES_MAX];
	int rc = members_check(t, err);
	if (rc == 0)
		rc = fund_parts(st, t, part, out, err);
	return rc;
}

/* ------------------------------------------------ recorded posting sets */

static void posted_key(char out[32], uint64_t index)
{
	snprintf(out, 32, "post/%" PRIu64, index);
}

int gb_books_post(const gb_postings *ps, const gb_state *st, uint64_t index, gb_err *err)
{
	assert(ps != NULL && st != NULL);
	int rc = gb_postings_apply(ps, st, err);
	if (rc != 0 || ps->count == 0)
		return rc;
	size_t cap = 16 + ps->count * (GB_ACCOUNT_MAX + 16);
	uint8_t *buf = malloc(cap);
	if (buf == NULL)
		return gb_err_set(err, GB_ENOMEM, "out of memory recording the postings of entry %" PRIu64, index);
	gb_mpw w;
	gb_mpw_init(&w, buf, cap);
	gb_mpw_array(&w, (uint32_t)ps->count);
	for (size_t i = 0; i < ps->count; i++) {
		char account[GB_ACCOUNT_MAX + 1];
		gb_postings_account(ps, i, account);
		gb_mpw_array(&w, 2);
		gb_mpw_cstr(&w, account);
		gb_mpw_int(&w, ps->line[i].amount_fen);
	}
	char key[32];
	posted_key(key, index);
	rc = w.err ? w.err : gb_state_put(st, key, buf, w.len);
	free(buf);
	return rc ? gb_err_set(err, rc, "recording the postings of entry %" PRIu64 ": %s", index,
		gb_strerror(rc)) : 0;
}

int gb_books_posted(gb_postings *ps, const gb_state *st, uint64_t index, gb_err *err)
{
	char key[32];
	posted_key(key, index);
	const uint8_t *p;
	size_t len;
	gb_postings_init(ps);
	int rc = gb_state_get(st, key, &p, &len);
	if (rc == GB_ENOTFOUND)
		return gb_err_set(err, rc, "entry %" PRIu64 " posted nothing", index);
	if (rc != 0)
		return gb_err_set(err, rc, "reading '%s': %s", key, gb_strerror(rc));
	gb_mpr rd;
	gb_mp_item it;
	gb_mpr_init(&rd, p, len);
	rc = gb_mpr_next(&rd, &it, NULL);
	if (rc != 0 || it.type != GB_MP_ARRAY || it.v.count > GB_POSTINGS_MAX)
		return gb_err_set(err, GB_ECORRUPT, "'%s' is not a posting set", key);
	for (uint32_t i = 0; i < it.v.count; i++) {
		gb_mp_item pair, acct, amt;
		char account[GB_ACCOUNT_MAX + 1];
		if (gb_mpr_next(&rd, &pair, NULL) != 0 || pair.type != GB_MP_ARRAY || pair.v.count != 2 ||
		    gb_mpr_next(&rd, &acct, NULL) != 0 || acct.type != GB_MP_STR ||
		    acct.v.str.len > GB_ACCOUNT_MAX || gb_mpr_next(&rd, &amt, NULL) != 0 ||
		    (amt.type != GB_MP_INT && amt.type != GB_MP_UINT))
			return gb_err_set(err, GB_ECORRUPT, "'%s': line %u is not [account, amount]", key, i);
		memcpy(account, acct.v.str.ptr, acct.v.str.len);
		account[acct.v.str.len] = '\0';
		int64_t amount = amt.type == GB_MP_INT ? amt.v.i : (int64_t)amt.v.u;
		if (amt.type == GB_MP_UINT && amt.v.u > INT64_MAX)
			return gb_err_set(err, GB_ECORRUPT, "'%s': line %u amount out of range", key, i);
		rc = gb_postings_add_account(ps, account, amount, err);
		if (rc != 0)
			return gb_err_prefix(err, GB_ECORRUPT, "'%s': ", key);
	}
	return 0;
}
