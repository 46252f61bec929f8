/*
 * gongbao/coverage.h: the regulator's coverage report (spec/TRANSACTIONS.md
 * section 13): which enterprises on the register of those that must insure
 * have no policy in force on a date, grouped by industry and district, and
 * which policies in force name an enterprise missing from the register or
 * an industry other than the register's.
 *
 * Two steps. gb_register_parse reads the register (CSV, gongbao/csv.h) into
 * rows, listing every malformed line with its reason; gb_coverage_run reads
 * the policies from a gb_state in one pass (gb_state_each over "policy/")
 * and fills a gb_coverage. Nothing here prints or knows about storage.
 */
#ifndef GONGBAO_COVERAGE_H
#define GONGBAO_COVERAGE_H

#include <stddef.h>
#include <stdint.h>

#include "gongbao/error.h"
#include "gongbao/policy.h"
#include "gongbao/state.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Most data rows (good and malformed) in a register. */
#define GB_REGISTER_ROWS_MAX 1000000
/* Largest register file, in bytes. */
#define GB_REGISTER_BYTES_MAX (256u << 20)
/* Longest district, in bytes of UTF-8. */
#define GB_DISTRICT_MAX 64
/* Malformed rows listed one by one; beyond this they are only counted. */
#define GB_REGISTER_BAD_LIST_MAX 10000
/* Longest description of a malformed row, with its NUL. */
#define GB_REGISTER_WHY_MAX 160

/* Why a register row is malformed. */
enum gb_register_reason {
	GB_REG_CSV = 1,                 /* the CSV itself (gongbao/csv.h reason in csv_reason) */
	GB_REG_FIELD_COUNT = 2,         /* not exactly 4 fields */
	GB_REG_BAD_USCI = 3,            /* gb_usci_valid says no */
	GB_REG_UNKNOWN_INDUSTRY = 4,    /* not one of the nine industry ids */
	GB_REG_DUPLICATE_USCI = 5,      /* the USCI is on an earlier line */
	GB_REG_BAD_NAME = 6,            /* name empty or over GB_ENTERPRISE_MAX bytes */
	GB_REG_BAD_DISTRICT = 7,        /* district empty or over GB_DISTRICT_MAX bytes */
	GB_REG_NO_HEADER = 8,           /* line 1 is a data row, or not 4 fields */
	GB_REG_TOO_MANY_ROWS = 9        /* past GB_REGISTER_ROWS_MAX: this and every later line */
};

/* One enterprise on the register. name and district point into the register's text. */
typedef struct gb_register_row {
	char usci[GB_USCI_LEN + 1];
	char industry[GB_INDUSTRY_MAX + 1];
	const char *name;
	const char *district;
	uint32_t line;                  /* its line in the file (from 1) */
} gb_register_row;

/* One malformed line. */
typedef struct gb_register_bad {
	uint32_t line;
	int reason;                     /* enum gb_register_reason */
	int csv_reason;                 /* enum gb_csv_reason when reason is GB_REG_CSV */
	char why[GB_REGISTER_WHY_MAX];  /* "bad USCI '9133...'" */
} gb_register_bad;

/*
 * A parsed register. The good rows in file order; the malformed lines in
 * file order (the first GB_REGISTER_BAD_LIST_MAX of them; bad_count counts
 * them all). A duplicate USCI keeps its first line as the row and reports
 * the later ones. Free with gb_register_release.
 */
typedef struct gb_register {
	gb_register_row *rows;
	size_t row_count;
	gb_register_bad *bad;
	size_t bad_listed;
	size_t bad_count;
	char *text;                     /* the fields' storage */
	uint32_t *slot;                 /* USCI hash index: row index + 1, 0 empty */
	size_t slot_count;              /* a power of two, > 2 x row_count */
} gb_register;

/*
 * Parses a register: a header line (4 fields, the first not a valid USCI:
 * its names are free, e.g. "usci,name,industry,district"), then one row per
 * enterprise: usci, name, industry (mining, chemicals, fireworks, transport,
 * construction, explosives, smelting, fishery, other), district. Malformed
 * lines do not fail the parse: they are listed in reg->bad. Returns 0,
 * GB_ETOOBIG if len exceeds GB_REGISTER_BYTES_MAX, or GB_ENOMEM. On failure
 * reg holds nothing to free.
 */
int gb_register_parse(gb_register *reg, const char *text, size_t len, gb_err *err);

/* The row with this USCI, or NULL. */
const gb_register_row *gb_register_find(const gb_register *reg, const char *usci);

/* Frees what reg holds and zeroes it. A zeroed register is allowed. */
void gb_register_release(gb_register *reg);

/* A description of a reason ("bad USCI"). */
const char *gb_register_reason_text(int reason);

/* Counts for one group; uninsured_bps = uninsured / registered in basis points, half up. */
typedef struct gb_coverage_count {
	uint64_t registered_count;
	uint64_t uninsured_count;
	uint32_t uninsured_bps;
} gb_coverage_count;

/* One (industry, district) group, or a subtotal: district NULL for an industry's, industry "" for a district's. */
typedef struct gb_coverage_group {
	char industry[GB_INDUSTRY_MAX + 1];
	const char *district;
	gb_coverage_count n;
} gb_coverage_group;

/* What is wrong with a policy in force, as the register sees it. */
enum gb_coverage_problem {
	GB_COV_NOT_REGISTERED = 1,      /* its USCI is not on the register */
	GB_COV_INDUSTRY_DIFFERS = 2     /* the register gives another industry */
};

typedef struct gb_coverage_policy {
	char number[GB_POLICY_NO_MAX + 1];
	char usci[GB_USCI_LEN + 1];
	char enterprise[GB_ENTERPRISE_MAX + 1];
	char industry[GB_INDUSTRY_MAX + 1];             /* the policy's */
	char register_industry[GB_INDUSTRY_MAX + 1];    /* "" if not registered */
	uint32_t register_line;                         /* 0 if not registered */
	int problem;                                    /* enum gb_coverage_problem */
} gb_coverage_policy;

/*
 * The report. uninsured: indexes into reg->rows, sorted by industry,
 * district, then line. groups: every (industry, district) pair with a
 * registered row, sorted the same way; industries, districts: the
 * subtotals, sorted by name; total over all good rows. policies: the
 * policies in force on the date with a problem, by policy number.
 * Free with gb_coverage_release.
 */
typedef struct gb_coverage {
	uint32_t date;                  /* YYYYMMDD */
	uint64_t policy_count;          /* policies read */
	uint64_t in_force_count;        /* of them, in force on the date */
	size_t *uninsured;
	size_t uninsured_count;
	gb_coverage_group *groups;
	size_t group_count;
	gb_coverage_group *industries;
	size_t industry_count;
	gb_coverage_group *districts;
	size_t district_count;
	gb_coverage_count total;
	gb_coverage_policy *policies;
	size_t policy_problem_count;
} gb_coverage;

/*
 * Builds the report for `date` (YYYYMMDD): a register row is insured when
 * at least one policy with its USCI is in force on the date
 * (gb_policy_in_force); reads every "policy/" record of st once (st must
 * iterate). reg must outlive out (groups point at its districts). Returns
 * 0, GB_EINVAL if st cannot iterate, GB_ECORRUPT for a record that does not
 * parse, GB_ENOMEM; on failure out holds nothing to free.
 */
int gb_coverage_run(const gb_state *st, const gb_register *reg, uint32_t date, gb_coverage *out,
	gb_err *err);

/* Frees what c holds and zeroes it. */
void gb_coverage_release(gb_coverage *c);

#ifdef __cplusplus
}
#endif
#endif
