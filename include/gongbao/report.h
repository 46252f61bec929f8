/*
 * gongbao/report.h: the JSON reports on the derived state, the one producer
 * of what `gongbao show|reconcile|undercut --json` print and `gongbao serve`
 * answers on GET /v1/member, /v1/policy, ... (spec/API.md).
 *
 * A report is read in one gb_ledger_read snapshot as of one entry index and
 * built as a JSON object (amounts are integers in fen, in fields ending
 * _fen); gb_report_dumps turns it into the exact text both print. Each
 * report's fields are listed in the help of the command that prints it and
 * in spec/API.md.
 *
 * Thread safety: a gb_ledger is used by one thread at a time, and the
 * reconcile report decodes the roster into a static buffer
 * (gb_reconcile_members): build reports from one thread at a time.
 */
#ifndef GONGBAO_REPORT_H
#define GONGBAO_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "gongbao/error.h"
#include "gongbao/ledger.h"
#include "gongbao/undercut.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The reports. The first five are `gongbao show KIND`, as is "members". */
enum gb_report_kind {
	GB_REPORT_MEMBER,       /* one participant: role, status, key; a member's balances */
	GB_REPORT_POLICY,       /* one policy record */
	GB_REPORT_CLAIM,        /* one claim record */
	GB_REPORT_FUND,         /* the prevention fund and each member's part */
	GB_REPORT_ACCOUNT,      /* one balance, by account name */
	GB_REPORT_MEMBERS,      /* every participant with role and status */
	GB_REPORT_RECONCILE,    /* gongbao reconcile (spec/TRANSACTIONS.md section 11) */
	GB_REPORT_UNDERCUT,     /* gongbao undercut (section 12) */
	GB_REPORT_KINDS
};

/* The figures of a reconcile member object, in their order ("premium_written_fen", ...). */
#define GB_REPORT_RECONCILE_FIGURES 10
extern const char *const gb_report_reconcile_figures[GB_REPORT_RECONCILE_FIGURES];

/* What to report on. */
typedef struct gb_report_req {
	int kind;                       /* enum gb_report_kind */
	const char *id;                 /* member, policy, claim, account: the id or
	                                 * account name; NULL for the others */
	uint64_t as_of;                 /* the entry index the report is as of */
	gb_undercut_params undercut;    /* GB_REPORT_UNDERCUT only (gb_undercut_params_default) */
} gb_report_req;

/* "member", "policy", ..., "undercut"; NULL for anything else. */
const char *gb_report_kind_name(int kind);

/* 1 if the kind takes an id (member, policy, claim, account), else 0. */
int gb_report_kind_has_id(int kind);

/*
 * Checks the syntax of an as-of value: an entry index (decimal, at most 19
 * digits) or a UTC date YYYY-MM-DD. Returns 0 or GB_EINVAL (the message
 * quotes s and says what is wanted).
 */
int gb_report_as_of_check(const char *s, gb_err *err);

/*
 * Resolves an as-of value to an entry index: NULL is the newest entry, an
 * index must be below the log's size (else GB_ERANGE), a date gives the last
 * entry whose time falls on or before that UTC day (GB_ENOTFOUND if none
 * does). Returns 0, GB_EINVAL for a value gb_report_as_of_check refuses, or
 * a read failure.
 */
int gb_report_as_of(gb_ledger *l, const char *s, uint64_t *index, gb_err *err);

/*
 * Builds the report `q` asks for as of entry q->as_of (which must be below
 * the log's size). On success *out is a new JSON object the caller owns
 * (json_decref). Returns 0 or: GB_ENOTFOUND for an unknown participant,
 * policy, claim or account holder (and for an undercut of a ledger with no
 * dated entry), GB_EVALUE for a malformed account name, an id that is not
 * UTF-8 or an undercut parameter out of range, GB_ERANGE for an as-of past
 * the log, GB_EINVARIANT for reconcile debts that do not mirror each other,
 * GB_ECORRUPT, GB_ENOMEM. Nothing is printed.
 */
int gb_report_build(gb_ledger *l, const gb_report_req *q, json_t **out, gb_err *err);

/*
 * The text form of a report, as `--json` prints it and the server answers:
 * indented by two spaces, keys in the order built, and a final newline.
 * Returns a new NUL-terminated string (the caller frees it) or NULL on out
 * of memory.
 */
char *gb_report_dumps(const json_t *report);

#ifdef __cplusplus
}
#endif
#endif
