/*
 * gongbao/bundle.h: a portable bundle: a log's entries with a signed
 * checkpoint, in one file, for an audit on a machine with no ledger.
 *
 * The format (spec/AUDIT.md) is a MessagePack stream: one header map
 *   { "format": "gongbao-bundle-v1", "origin": str, "log_vkey": str,
 *     "size": uint, "checkpoint": str }
 * in that key order, then exactly `size` bin values, entries 0 .. size-1,
 * each of 1..GB_ENTRY_MAX bytes, and nothing after. The checkpoint is a
 * signed note for a tree of `size` entries by the log key `log_vkey`. The
 * bundle is not trusted by its reader: the audit checks everything.
 */
#ifndef GONGBAO_BUNDLE_H
#define GONGBAO_BUNDLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gongbao/error.h"
#include "gongbao/keys.h"
#include "gongbao/ledger.h"
#include "gongbao/note.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GB_BUNDLE_FORMAT "gongbao-bundle-v1"
/* Largest header: origin, vkey and a checkpoint note with its signatures. */
#define GB_BUNDLE_HEADER_MAX (GB_NOTE_MAX + 1024)

/*
 * Writes a bundle of the open ledger `l` to `path` (replacing it, through a
 * temporary file and a rename): the entries 0 .. cp.size-1 of the signed
 * checkpoint `note` (note_len bytes), which must verify with the ledger's
 * log key, name its origin, and match the stored tree's root at its size.
 * Every entry is read with gb_ledger_get, so a damaged entry fails the
 * export (GB_ECORRUPT). Returns 0, GB_ENOTESIG, GB_ENOTE, GB_ERANGE, GB_EIO
 * or a code of reading the ledger.
 */
int gb_bundle_write(gb_ledger *l, const char *note, size_t note_len, const char *path,
	gb_err *err);

/* A bundle open for reading. */
typedef struct gb_bundle {
	FILE *f;
	char origin[GB_ORIGIN_MAX + 1];
	char log_vkey[GB_VKEY_MAX];
	gb_pubkey log_key;              /* log_vkey, parsed */
	uint64_t size;
	char checkpoint[GB_NOTE_MAX + 1];
	size_t checkpoint_len;
	uint64_t next;                  /* the index gb_bundle_next reads next */
} gb_bundle;

/*
 * Opens the bundle at `path` and reads its header into *b (release with
 * gb_bundle_close). Returns 0, GB_EIO, or GB_ECORRUPT naming what is wrong
 * with the header. The checkpoint is not verified here.
 */
int gb_bundle_open(const char *path, gb_bundle *b, gb_err *err);

/*
 * Reads the next entry into buf (GB_ENTRY_MAX bytes), its length in *len.
 * Returns 0, GB_ERANGE after the last entry (when the file then ends
 * there), or GB_ECORRUPT (truncated, not a bin, too long, trailing bytes).
 */
int gb_bundle_next(gb_bundle *b, uint8_t *buf, size_t *len, gb_err *err);

/* Closes the file; NULL-safe. */
void gb_bundle_close(gb_bundle *b);

#ifdef __cplusplus
}
#endif
#endif
