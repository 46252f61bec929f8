/*
 * bundle.c: portable bundles of a log's entries with a signed checkpoint
 * (gongbao/bundle.h, spec/AUDIT.md).
 */
#include "gongbao/bundle.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "gongbao/codec.h"
#include "gongbao/entry.h"

/* Checks the note against the ledger: signature, origin, size, root. */
static int check_note(gb_ledger *l, const char *note, size_t note_len, gb_checkpoint *cp,
	gb_err *err)
{
	gb_note *n = malloc(sizeof *n);
	if (n == NULL)
		return gb_err_set(err, GB_ENOMEM, "out of memory reading a checkpoint");
	uint8_t root[GB_HASH_BYTES];
	uint64_t have;
	int rc = gb_note_open(note, note_len, gb_ledger_log_key(l), 1, n, err);
	rc = rc ? rc : gb_checkpoint_parse(n->text, n->text_len, cp, err);
	free(n);
	if (rc != 0)
		return gb_err_prefix(err, rc, "checkpoint: ");
	if (strcmp(cp->origin, gb_ledger_origin(l)) != 0)
		return gb_err_set(err, GB_ENOTE, "checkpoint: origin '%s' is not the ledger's '%s'",
			cp->origin, gb_ledger_origin(l));
	rc = gb_ledger_size(l, &have, err);
	if (rc == 0 && (cp->size == 0 || cp->size > have))
		return gb_err_set(err, GB_ERANGE, "checkpoint: size %llu, the ledger has %llu entries",
			(unsigned long long)cp->size, (unsigned long long)have);
	rc = rc ? rc : gb_ledger_root(l, cp->size, root, err);
	if (rc == 0 && sodium_memcmp(root, cp->root, GB_HASH_BYTES) != 0)
		return gb_err_set(err, GB_EPROOF, "checkpoint: its root is not the stored tree's at size %llu",
			(unsigned long long)cp->size);
	return rc;
}

/* Writes the header map to f. */
static int write_header(gb_ledger *l, const gb_checkpoint *cp, const char *note,
	size_t note_len, FILE *f, gb_err *err)
{
	uint8_t *buf = malloc(GB_BUNDLE_HEADER_MAX);
	if (buf == NULL)
		return gb_err_set(err, GB_ENOMEM, "out of memory for a bundle header");
	char vkey[GB_VKEY_MAX];
	size_t vkey_len = gb_vkey_format(gb_ledger_log_key(l), vkey);
	gb_mpw w;
	gb_mpw_init(&w, buf, GB_BUNDLE_HEADER_MAX);
	gb_mpw_map(&w, 5);
	gb_mpw_cstr(&w, "format");
	gb_mpw_cstr(&w, GB_BUNDLE_FORMAT);
	gb_mpw_cstr(&w, "origin");
	gb_mpw_cstr(&w, gb_ledger_origin(l));
	gb_mpw_cstr(&w, "log_vkey");
	gb_mpw_str(&w, vkey, vkey_len);
	gb_mpw_cstr(&w, "size");
	gb_mpw_uint(&w, cp->size);
	gb_mpw_cstr(&w, "checkpoint");
	gb_mpw_str(&w, note, note_len);
	int rc = w.err ? gb_err_set(err, GB_ETOOBIG, "bundle header over %d bytes", GB_BUNDLE_HEADER_MAX)
		: fwrite(buf, 1, w.len, f) != w.len ? gb_err_set(err, GB_EIO, "writing the bundle header") : 0;
	free(buf);
	return rc;
}

/* Writes entries 0 .. size-1 as bin values. */
static int write_entries(gb_ledger *l, uint64_t size, FILE *f, gb_err *err)
{
	uint8_t head[8];
	int rc = 0;
	for (uint64_t i = 0; rc == 0 && i < size; i++) {
		uint8_t *p;
		size_t len;
		rc = gb_ledger_get(l, i, &p, &len, err);
		if (rc != 0)
			break;
		assert(len > 0 && len <= GB_ENTRY_MAX);
		size_t hl; /* the bin header in its shortest form, as gb_mpw_bin writes it */
		if (len <= 0xff) {
			head[0] = 0xc4, head[1] = (uint8_t)len, hl = 2;
		} else if (len <= 0xffff) {
			head[0] = 0xc5, head[1] = (uint8_t)(len >> 8), head[2] = (uint8_t)len, hl = 3;
		} else {
			head[0] = 0xc6, head[1] = (uint8_t)(len >> 24), head[2] = (uint8_t)(len >> 16);
			head[3] = (uint8_t)(len >> 8), head[4] = (uint8_t)len, hl = 5;
		}
		if (fwrite(head, 1, hl, f) != hl || fwrite(p, 1, len, f) != len)
			rc = gb_err_set(err, GB_EIO, "writing entry %llu to the bundle", (unsigned long long)i);
		free(p);
	}
	return rc;
}

int gb_bundle_write(gb_ledger *l, const char *note, size_t note_len, const char *path,
	gb_err *err)
{
	assert(l != NULL && note != NULL);
	assert(path != NULL);
	gb_checkpoint cp;
	int rc = check_note(l, note, note_len, &cp, err);
	if (rc != 0)
		return rc;
	char tmp[4200];
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
		return gb_err_set(err, GB_EINVAL, "bundle path '%s' is too long", path);
	FILE *f = fopen(tmp, "wb");
	if (f == NULL)
		return gb_err_set(err, GB_EIO, "cannot create '%s'", tmp);
	rc = write_header(l, &cp, note, note_len, f, err);
	rc = rc ? rc : write_entries(l, cp.size, f, err);
	if (fclose(f) != 0 && rc == 0)
		rc = gb_err_set(err, GB_EIO, "writing '%s'", tmp);
	if (rc == 0 && rename(tmp, path) != 0)
		rc = gb_err_set(err, GB_EIO, "cannot rename '%s' to '%s'", tmp, path);
	if (rc != 0)
		remove(tmp);
	return rc;
}

/* Reads the next header key, which must be want_key, and its value into *v. */
static int header_item(gb_mpr *r, const char *want_key, gb_mp_item *v, gb_err *err)
{
	gb_mp_item k;
	int rc = gb_mpr_next(r, &k, NULL);
	if (rc != 0 || k.type != GB_MP_STR || k.v.str.len != strlen(want_key) ||
	    memcmp(k.v.str.ptr, want_key, k.v.str.len) != 0)
		return gb_err_set(err, GB_ECORRUPT, "bundle header: want the key '%s' next", want_key);
	if (gb_mpr_next(r, v, NULL) != 0)
		return gb_err_set(err, GB_ECORRUPT, "bundle header: '%s' is malformed", want_key);
	return 0;
}

/* Reads the next header item of a string type into out (NUL-terminated). */
static int header_str(gb_mpr *r, const char *want_key, char *out, size_t cap, gb_err *err)
{
	gb_mp_item v;
	int rc = header_item(r, want_key, &v, err);
	if (rc != 0)
		return rc;
	if (v.type != GB_MP_STR || v.v.str.len >= cap || memchr(v.v.str.ptr, 0, v.v.str.len))
		return gb_err_set(err, GB_ECORRUPT, "bundle header: '%s' is not a string under %zu bytes",
			want_key, cap);
	memcpy(out, v.v.str.ptr, v.v.str.len);
	out[v.v.str.len] = '\0';
	return 0;
}

/* Parses the header in buf; *used gets its length. */
static int parse_header(gb_bundle *b, const uint8_t *buf, size_t len, size_t *used, gb_err *err)
{
	gb_mpr r;
	gb_mp_item it;
	char format[32];
	gb_mpr_init(&r, buf, len);
	if (gb_mpr_next(&r, &it, NULL) != 0 || it.type != GB_MP_MAP || it.v.count != 5)
		return gb_err_set(err, GB_ECORRUPT, "bundle header: not a map of 5 fields");
	int rc = header_str(&r, "format", format, sizeof format, err);
	if (rc == 0 && strcmp(format, GB_BUNDLE_FORMAT) != 0)
		return gb_err_set(err, GB_ECORRUPT, "bundle header: format '%s', want '%s'", format,
			GB_BUNDLE_FORMAT);
	rc = rc ? rc : header_str(&r, "origin", b->origin, sizeof b->origin, err);
	rc = rc ? rc : header_str(&r, "log_vkey", b->log_vkey, sizeof b->log_vkey, err);
	if (rc == 0 && gb_vkey_parse(&b->log_key, b->log_vkey, err) != 0)
		return gb_err_prefix(err, GB_ECORRUPT, "bundle header: log_vkey: ");
	rc = rc ? rc : header_item(&r, "size", &it, err);
	if (rc == 0 && it.type != GB_MP_UINT)
		return gb_err_set(err, GB_ECORRUPT, "bundle header: 'size' is not an unsigned integer");
	b->size = rc == 0 ? it.v.u : 0;
	rc = rc ? rc : header_str(&r, "checkpoint", b->checkpoint, sizeof b->checkpoint, err);
	if (rc == 0 && b->size == 0)
		rc = gb_err_set(err, GB_ECORRUPT, "bundle header: size 0, want at least entry 0");
	b->checkpoint_len = strlen(b->checkpoint);
	*used = (size_t)(r.p - buf);
	return rc;
}

int gb_bundle_open(const char *path, gb_bundle *b, gb_err *err)
{
	assert(path != NULL && b != NULL);
	memset(b, 0, sizeof *b);
	uint8_t *buf = malloc(GB_BUNDLE_HEADER_MAX);
	if (buf == NULL)
		return gb_err_set(err, GB_ENOMEM, "out of memory opening a bundle");
	b->f = fopen(path, "rb");
	if (b->f == NULL) {
		free(buf);
		return gb_err_set(err, GB_EIO, "cannot open bundle '%s'", path);
	}
	size_t len = fread(buf, 1, GB_BUNDLE_HEADER_MAX, b->f), used = 0;
	int rc = parse_header(b, buf, len, &used, err);
	if (rc == 0 && fseek(b->f, (long)used, SEEK_SET) != 0)
		rc = gb_err_set(err, GB_EIO, "cannot seek in bundle '%s'", path);
	free(buf);
	if (rc != 0) {
		gb_err_prefix(err, rc, "%s: ", path);
		gb_bundle_close(b);
	}
	return rc;
}

int gb_bundle_next(gb_bundle *b, uint8_t *buf, size_t *len, gb_err *err)
{
	assert(b->f != NULL);
	assert(buf != NULL && len != NULL);
	int c = fgetc(b->f);
	if (b->next >= b->size)
		return c == EOF ? GB_ERANGE
			: gb_err_set(err, GB_ECORRUPT, "bundle: bytes after its %llu entries",
				(unsigned long long)b->size);
	int nlen = c == 0xc4 ? 1 : c == 0xc5 ? 2 : c == 0xc6 ? 4 : 0;
	uint8_t h[4];
	if (nlen == 0 || fread(h, 1, (size_t)nlen, b->f) != (size_t)nlen)
		return gb_err_set(err, GB_ECORRUPT, "bundle: entry %llu is missing or not a bin",
			(unsigned long long)b->next);
	uint64_t n = 0;
	for (int i = 0; i < nlen; i++)
		n = n << 8 | h[i];
	if ((c == 0xc5 && n < 0x100) || (c == 0xc6 && n < 0x10000))
		return gb_err_set(err, GB_ECORRUPT, "bundle: entry %llu's length is not in its shortest form",
			(unsigned long long)b->next);
	if (n == 0 || n > GB_ENTRY_MAX)
		return gb_err_set(err, GB_ECORRUPT, "bundle: entry %llu has %llu bytes, want 1 to %d",
			(unsigned long long)b->next, (unsigned long long)n, GB_ENTRY_MAX);
	if (fread(buf, 1, (size_t)n, b->f) != n)
		return gb_err_set(err, GB_ECORRUPT, "bundle: entry %llu is truncated",
			(unsigned long long)b->next);
	*len = (size_t)n;
	b->next++;
	return 0;
}

void gb_bundle_close(gb_bundle *b)
{
	if (b == NULL || b->f == NULL)
		return;
	fclose(b->f);
	b->f = NULL;
}
