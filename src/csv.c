/*
 * csv.c: an RFC 4180 record reader (gongbao/csv.h).
 *
 * One pass over the bytes of a record with a four-state machine. A record
 * found malformed is still scanned to its end by the same rules (so a quoted
 * line end inside it does not start a new record), but nothing more of it is
 * stored: the first reason found is the one reported.
 */
#include <assert.h>
#include <string.h>

#include "gongbao/csv.h"

enum csv_state { AT_FIELD, UNQUOTED, QUOTED, CLOSED };

void gb_csv_init(gb_csv *c, const char *p, size_t len)
{
	assert(c != NULL);
	assert(p != NULL || len == 0);
	c->p = p;
	c->len = len;
	c->pos = len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	c->line = 1;
}

const char *gb_csv_reason_text(int reason)
{
	static const char *const text[] = {
		"well formed", "record longer than 4096 bytes", "more than 16 fields",
		"unterminated quoted field", "double quote inside an unquoted field",
		"text after a closing quote", "not valid UTF-8 (or a NUL byte)", "empty line"
	};
	if (reason < 0 || reason >= (int)(sizeof text / sizeof text[0]))
		return "unknown reason";
	return text[reason];
}

/* Returns 1 if [p, p+len) is valid UTF-8 (shortest forms, no surrogates) without NUL. */
static int utf8_valid(const unsigned char *p, size_t len)
{
	size_t i = 0;
	while (i < len) {
		unsigned c = p[i];
		size_t n;
		unsigned min;
		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			n = 1, min = 0x80;
		else if (c >= 0xE0 && c <= 0xEF)
			n = 2, min = 0x800;
		else if (c >= 0xF0 && c <= 0xF4)
			n = 3, min = 0x10000;
		else
			return 0;
		if (len - i <= n)
			return 0;
		unsigned cp = c & (0x3Fu >> n);
		for (size_t k = 1; k <= n; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3Fu);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += n + 1;
	}
	return 1;
}

/* The record being read: where its fields go, and the first reason it is bad. */
struct rec_out {
	gb_csv_record *r;
	size_t used;                    /* bytes of r->buf in use */
};

static void mark(gb_csv_record *r, int reason)
{
	if (r->reason == GB_CSV_OK)
		r->reason = reason;
}

/* Appends one byte to the current field, unless the record is already bad. */
static void put(struct rec_out *o, char ch)
{
	if (o->r->reason != GB_CSV_OK)
		return;
	assert(o->used < sizeof o->r->buf - 1);
	o->r->buf[o->used++] = ch;
}

/* Ends the current field and, if there is room, starts the next one. */
static void end_field(struct rec_out *o, int more)
{
	gb_csv_record *r = o->r;
	if (r->reason != GB_CSV_OK)
		return;
	r->field_len[r->field_count - 1] = (size_t)(&r->buf[o->used] - r->field[r->field_count - 1]);
	r->buf[o->used++] = '\0';
	if (!more)
		return;
	if (r->field_count == GB_CSV_FIELDS_MAX) {
		mark(r, GB_CSV_TOO_MANY_FIELDS);
		return;
	}
	r->field[r->field_count++] = &r->buf[o->used];
}

/* Returns 1 if the bytes at i are a line end (LF or CRLF); sets *n to its length. */
static int line_end(const gb_csv *c, size_t i, size_t *n)
{
	if (c->p[i] == '\n') {
		*n = 1;
		return 1;
	}
	if (c->p[i] == '\r' && i + 1 < c->len && c->p[i + 1] == '\n') {
		*n = 2;
		return 1;
	}
	return 0;
}

/* Scans one record from c->pos; returns the offset just past it. */
static size_t scan(gb_csv *c, struct rec_out *o)
{
	gb_csv_record *r = o->r;
	int state = AT_FIELD;
	size_t i = c->pos, n;
	for (; i < c->len; i++) {
		char ch = c->p[i];
		if (i - c->pos >= GB_CSV_RECORD_MAX)
			mark(r, GB_CSV_TOO_LONG);
		if (ch == '\n')
			c->line++;
		if (state == QUOTED) {
			if (ch == '"')
				state = CLOSED;
			else
				put(o, ch);
			continue;
		}
		if (line_end(c, i, &n)) {
			if (n == 2)
				c->line++;      /* the LF is not visited */
			if (i + n - c->pos > GB_CSV_RECORD_MAX)
				mark(r, GB_CSV_TOO_LONG);
			end_field(o, 0);
			return i + n;
		}
		if (ch == ',') {
			end_field(o, 1);
			state = AT_FIELD;
		} else if (ch == '"' && state == AT_FIELD) {
			state = QUOTED;
		} else if (ch == '"' && state == CLOSED) {
			put(o, '"');    /* a doubled quote inside a quoted field */
			state = QUOTED;
		} else {
			mark(r, state == CLOSED ? GB_CSV_AFTER_QUOTE : ch == '"' ? GB_CSV_BARE_QUOTE : GB_CSV_OK);
			put(o, ch);
			state = UNQUOTED;
		}
	}
	if (state == QUOTED)
		mark(r, GB_CSV_UNTERMINATED);
	end_field(o, 0);
	return i;
}

int gb_csv_next(gb_csv *c, gb_csv_record *r, gb_err *err)
{
	assert(c != NULL);
	assert(r != NULL);
	assert(c->pos <= c->len);
	r->line = c->line;
	r->reason = GB_CSV_OK;
	r->field_count = 0;
	if (c->pos >= c->len)
		return 0;
	size_t start = c->pos, n;
	r->field[r->field_count++] = r->buf;
	struct rec_out o = { r, 0 };
	if (line_end(c, start, &n)) {
		/* A line with nothing on it: RFC 4180 would read one empty field. */
		c->pos = start + n;
		c->line++;
		r->reason = GB_CSV_EMPTY_LINE;
	} else {
		c->pos = scan(c, &o);
		if (r->reason == GB_CSV_OK &&
		    !utf8_valid((const unsigned char *)c->p + start, c->pos - start))
			r->reason = GB_CSV_BAD_UTF8;
	}
	if (r->reason == GB_CSV_OK)
		return 1;
	r->field_count = 0;
	return gb_err_set(err, GB_EVALUE, "line %u: %s", (unsigned)r->line, gb_csv_reason_text(r->reason));
}
