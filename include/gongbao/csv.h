/*
 * gongbao/csv.h: an RFC 4180 CSV record reader over a buffer in memory.
 *
 * Fields are separated by commas, records end with CRLF or LF (a lone CR
 * inside an unquoted field is data), and a field that starts with a double
 * quote runs to the matching closing quote: commas, CR, LF and doubled
 * quotes ("") inside it are data. A UTF-8 byte order mark at the very start
 * is skipped. Every field must be valid UTF-8 without NUL bytes.
 *
 * A malformed record is reported (GB_EVALUE, with its reason and the line
 * it starts on) and the reader moves past it to the next record, so a caller
 * can list every bad record of a file; only an unterminated quote ends the
 * file, since everything after the opening quote belongs to that field.
 * Nothing here allocates: a record's fields are unescaped into the caller's
 * gb_csv_record.
 */
#ifndef GONGBAO_CSV_H
#define GONGBAO_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "gongbao/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest record, in bytes as it stands in the file (quotes and line ends included). */
#define GB_CSV_RECORD_MAX 4096
/* Most fields in one record. */
#define GB_CSV_FIELDS_MAX 16

/* Why a record is malformed (gb_csv_record.reason when gb_csv_next returns GB_EVALUE). */
enum gb_csv_reason {
	GB_CSV_OK = 0,
	GB_CSV_TOO_LONG = 1,            /* more than GB_CSV_RECORD_MAX bytes */
	GB_CSV_TOO_MANY_FIELDS = 2,     /* more than GB_CSV_FIELDS_MAX fields */
	GB_CSV_UNTERMINATED = 3,        /* a quoted field runs to the end of the input */
	GB_CSV_BARE_QUOTE = 4,          /* a double quote inside an unquoted field */
	GB_CSV_AFTER_QUOTE = 5,         /* text between a closing quote and the next comma or line end */
	GB_CSV_BAD_UTF8 = 6,            /* a field is not valid UTF-8, or holds a NUL byte */
	GB_CSV_EMPTY_LINE = 7           /* a line with nothing on it */
};

/* The reader: a cursor over [p, p+len). */
typedef struct gb_csv {
	const char *p;
	size_t len;
	size_t pos;                     /* offset of the next record */
	uint32_t line;                  /* physical line number (from 1) of the next record */
} gb_csv;

/* One record: fields unescaped, each NUL-terminated, in buf. */
typedef struct gb_csv_record {
	uint32_t line;                  /* the line the record starts on */
	int reason;                     /* enum gb_csv_reason; GB_CSV_OK for a good record */
	size_t field_count;
	const char *field[GB_CSV_FIELDS_MAX];
	size_t field_len[GB_CSV_FIELDS_MAX];
	char buf[GB_CSV_RECORD_MAX + GB_CSV_FIELDS_MAX];
} gb_csv_record;

/* Starts reading [p, p+len), skipping a UTF-8 byte order mark at the start. */
void gb_csv_init(gb_csv *c, const char *p, size_t len);

/*
 * Reads the next record into *r. Returns 1 for a good record, 0 at the end
 * of the input (a final line end is not a record), or GB_EVALUE for a
 * malformed one: r->reason and r->line say why and where, err says it in
 * words ("line 7: unterminated quoted field"), and the reader has moved past
 * the record, so the next call reads the one after it. After
 * GB_CSV_UNTERMINATED the next call returns 0.
 */
int gb_csv_next(gb_csv *c, gb_csv_record *r, gb_err *err);

/* A fixed description of a reason ("unterminated quoted field"). */
const char *gb_csv_reason_text(int reason);

#ifdef __cplusplus
}
#endif
#endif
