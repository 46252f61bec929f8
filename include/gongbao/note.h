/*
 * gongbao/note.h: C2SP signed notes, checkpoints and cosignatures.
 *
 * A signed note (c2sp.org/signed-note) is UTF-8 text ending in a newline,
 * then a blank line, then one or more signature lines
 *   "\u2014 " name " " base64(keyid(4 bytes BE) || signature) "\n".
 * A checkpoint (c2sp.org/tlog-checkpoint) is a note whose text is
 *   origin "\n" decimal tree size "\n" base64(root hash) "\n" [extension lines].
 * A cosignature (c2sp.org/tlog-cosignature, version cosignature/v1) is a note
 * signature by a witness key with alg 0x04 over
 *   "cosignature/v1\ntime " decimal timestamp "\n" || checkpoint text
 * whose signature bytes are timestamp (8 bytes BE) || Ed25519 signature.
 * (Checked against c2sp.org/tlog-cosignature: the timestamp is POSIX seconds,
 * at most 2^63-1, written in the message in decimal without leading zeros.)
 * The formats as gongbao writes and accepts them are in spec/CHECKPOINT.md.
 *
 * Nothing here allocates; all text is in caller buffers. Opening, signing
 * and cosigning use about 20 KiB of stack for a note of GB_NOTE_MAX bytes.
 */
#ifndef GONGBAO_NOTE_H
#define GONGBAO_NOTE_H

#include <stddef.h>
#include <stdint.h>

#include "gongbao/error.h"
#include "gongbao/keys.h"
#include "gongbao/merkle.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest signed note accepted or produced, in bytes. */
#define GB_NOTE_MAX 16384
/* Most signature lines on one note. */
#define GB_NOTE_SIGS_MAX 32
/* Longest checkpoint origin, in bytes. */
#define GB_ORIGIN_MAX 255

/*
 * One signature line of a note, as parsed. sig holds the sig_len bytes after
 * the key id when they fit (always for alg 0x01 and 0x04 signatures); a
 * longer signature, from an algorithm gongbao does not know, is recorded by
 * its length only and sig is left zero.
 */
typedef struct gb_note_sig {
	char name[GB_NAME_MAX + 1];
	uint32_t keyid;
	uint8_t sig[8 + GB_SIG_BYTES]; /* up to timestamp || signature */
	size_t sig_len;
	int verified;                  /* 1 if a known verifier accepted it */
	size_t verifier;               /* index into the verifiers when verified */
} gb_note_sig;

/* A note opened by gb_note_open: pointers into the caller's message. */
typedef struct gb_note {
	const char *text;              /* the signed text, ending in '\n' */
	size_t text_len;
	size_t sig_count;
	gb_note_sig sigs[GB_NOTE_SIGS_MAX];
	size_t verified_count;         /* signatures that verified */
} gb_note;

/*
 * Signs `text` (text_len bytes, valid note text: UTF-8, ends with '\n', no
 * other control characters) with `key` (alg 0x01) and writes the complete
 * note (text, blank line, one signature line) to out, adding a NUL after it
 * when cap leaves room (not counted in *out_len). out may be text itself.
 * Returns 0, GB_EINVAL for text that is not valid note text or a key whose
 * alg is not 0x01, or GB_ETOOBIG if the note would exceed cap or GB_NOTE_MAX.
 */
int gb_note_sign(const char *text, size_t text_len, const gb_seckey *key,
	char *out, size_t cap, size_t *out_len, gb_err *err);

/*
 * Appends one more signature line by `key` to the note in buf (note_len
 * bytes, already signed by someone), in place. For alg 0x01 keys the line
 * is an ordinary note signature (timestamp unused); for alg 0x04 keys it is a
 * cosignature/v1 with the given timestamp (seconds since the Unix epoch, at
 * most 2^63-1), and the note's text must be a checkpoint. As Go's note.Sign,
 * an existing line with the key's name and key id is dropped first, so the
 * new line replaces it. The existing lines are parsed, not verified. A NUL is
 * added after the note when cap leaves room. Returns 0, GB_ENOTE (malformed
 * note, or a cosignature on text that is not a checkpoint), GB_EINVAL (bad
 * timestamp or alg) or GB_ETOOBIG (over cap, GB_NOTE_MAX or
 * GB_NOTE_SIGS_MAX lines); on failure buf is unchanged.
 */
int gb_note_add_signature(char *buf, size_t cap, size_t *note_len,
	const gb_seckey *key, uint64_t timestamp, gb_err *err);

/* Room for the longest signature line gongbao writes and a NUL: em dash and
 * space, a name of GB_NAME_MAX bytes, a space, base64 of 76 bytes (104
 * characters), '\n'. */
#define GB_NOTE_LINE_MAX (4 + GB_NAME_MAX + 1 + 104 + 1 + 1)

/*
 * Writes into line the one signature line ("\u2014 name base64\n") that
 * gb_note_add_signature would append for `key` and `timestamp` to a note
 * whose text is text[0..text_len), without a note around it: for a witness
 * answering add-checkpoint, whose answer is the line alone. Sets *line_len
 * (the '\n' included; a NUL follows it, not counted). Returns 0, GB_EINVAL (text that
 * is not note text, an alg other than 0x01 and 0x04, a timestamp over
 * 2^63-1) or GB_ENOTE (an alg 0x04 key and text that is not a checkpoint).
 */
int gb_note_signature_line(const char *text, size_t text_len, const gb_seckey *key,
	uint64_t timestamp, char line[GB_NOTE_LINE_MAX], size_t *line_len, gb_err *err);

/*
 * Appends an existing signature line (line_len bytes: exactly one line
 * ending in '\n', such as a witness's answer) to the note in buf, in place,
 * dropping first any line with the same key name and key id (as
 * gb_note_add_signature). The line is parsed (form, name, base64 of at least
 * 5 bytes), NOT verified: the caller must have verified it, for example with
 * gb_note_open on the note with the line appended. A NUL is added after the
 * note when cap leaves room. Returns 0, GB_ENOTE (malformed note or line) or
 * GB_ETOOBIG (over cap, GB_NOTE_MAX or GB_NOTE_SIGS_MAX lines); on failure
 * buf is unchanged.
 */
int gb_note_add_line(char *buf, size_t cap, size_t *note_len, const char *line,
	size_t line_len, gb_err *err);

/*
 * Parses the note in msg and verifies every signature line whose name and
 * key id match one of `verifiers` (alg 0x01: plain Ed25519 over the text;
 * alg 0x04: cosignature/v1). Lines by unknown keys are kept, unverified.
 * As Go's note.Open, a repeated line by an unknown key and any later line by
 * an already verified (name, key id) are dropped without being verified.
 * Returns 0 if at least one known signature verified and none failed;
 * GB_ENOTE if the note is malformed (including over GB_NOTE_MAX bytes or
 * GB_NOTE_SIGS_MAX signature lines); GB_ENOTESIG if a known signature does
 * not verify or no signature is by a known key (in this last case only,
 * `note` holds the parsed note with every signature unverified, as Go's
 * UnverifiedNoteError; after any other failure it is zeroed); GB_EINVAL if
 * two verifiers share a name and key id (Go's "ambiguous key"). The message
 * names the key.
 */
int gb_note_open(const char *msg, size_t len, const gb_pubkey *verifiers,
	size_t verifier_count, gb_note *note, gb_err *err)
	__attribute__((warn_unused_result));

/* A checkpoint's body. */
typedef struct gb_checkpoint {
	char origin[GB_ORIGIN_MAX + 1];
	uint64_t size;
	uint8_t root[GB_HASH_BYTES];
} gb_checkpoint;

/*
 * Formats the checkpoint text "origin\nsize\nbase64(root)\n" into out,
 * adding a NUL when cap leaves room (not counted in *out_len). Returns 0,
 * GB_EINVAL if the origin is empty, over GB_ORIGIN_MAX, or not note text
 * without '\n', or GB_ETOOBIG if it does not fit in cap.
 */
int gb_checkpoint_format(const gb_checkpoint *cp, char *out, size_t cap,
	size_t *out_len);

/*
 * Parses checkpoint text (the signed text of a note, not the whole note):
 * valid note text ending in '\n'; a non-empty origin of at most
 * GB_ORIGIN_MAX bytes; a decimal tree size without leading zeros that fits
 * uint64_t; a root that is standard base64 of exactly 32 bytes. Extension
 * lines after the root must be non-empty and are otherwise ignored. Returns
 * 0 or GB_ENOTE naming the bad line (cp is then zeroed).
 */
int gb_checkpoint_parse(const char *text, size_t len, gb_checkpoint *cp,
	gb_err *err);

#ifdef __cplusplus
}
#endif
#endif
