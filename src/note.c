/*
 * note.c: C2SP signed notes (c2sp.org/signed-note), checkpoints
 * (c2sp.org/tlog-checkpoint) and Ed25519 cosignatures (c2sp.org/
 * tlog-cosignature, cosignature/v1). Parsing follows Go's
 * golang.org/x/mod/sumdb/note: the same notes are accepted and rejected,
 * within the limits of note.h. The formats are in spec/CHECKPOINT.md.
 */
#include "gongbao/note.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

/* Every signature line starts with an em dash (U+2014) and a space. */
#define SIG_PREFIX "\xe2\x80\x94 "
#define SIG_PREFIX_LEN 4

/* The cosignature/v1 signed message starts with these two lines. */
#define COSIG_HEADER "cosignature/v1\ntime "
#define COSIG_TS_BYTES 8
#define COSIG_MSG_MAX (sizeof COSIG_HEADER - 1 + 20 + 1 + GB_NOTE_MAX)

/* Most bytes a signature line's base64 can decode to inside a note. */
#define RAW_SIG_MAX (GB_NOTE_MAX / 4 * 3)

/* Raw bytes of a line we write: key id || [timestamp ||] signature. */
#define OWN_RAW_MAX (4 + COSIG_TS_BYTES + GB_SIG_BYTES)
#define OWN_B64_MAX sodium_base64_ENCODED_LEN(OWN_RAW_MAX, sodium_base64_VARIANT_ORIGINAL)
#define OWN_LINE_MAX (SIG_PREFIX_LEN + GB_NAME_MAX + 1 + OWN_B64_MAX + 1)

/* Longest quoted value in a message, in bytes. */
#define SHOW_MAX 64

#define ROOT_B64_LEN 44

_Static_assert(sizeof ((gb_note_sig *)0)->sig == COSIG_TS_BYTES + GB_SIG_BYTES,
	"gb_note_sig holds a cosignature");

/*
 * Length of the valid UTF-8 sequence at s (len > 0 bytes), or 0 if it is not
 * valid UTF-8 (stray continuation, truncated, overlong, surrogate, or above
 * U+10FFFF): the rule of Go's utf8.DecodeRune.
 */
static size_t utf8_len(const uint8_t *s, size_t len)
{
	assert(s != NULL);
	assert(len > 0);
	uint8_t b0 = s[0];
	size_t n;
	uint32_t c, min;
	if (b0 < 0x80)
		return 1;
	if (b0 >= 0xc2 && b0 <= 0xdf)
		n = 2, c = b0 & 0x1f, min = 0x80;
	else if (b0 >= 0xe0 && b0 <= 0xef)
		n = 3, c = b0 & 0x0f, min = 0x800;
	else if (b0 >= 0xf0 && b0 <= 0xf4)
		n = 4, c = b0 & 0x07, min = 0x10000;
	else
		return 0;
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return n;
}

enum text_fault { TEXT_OK, TEXT_BAD_UTF8, TEXT_CONTROL };

/*
 * Checks the signed-note text rule on s[0..len): valid UTF-8 and no ASCII
 * control character other than '\n'. On a fault, *bad is its byte offset.
 */
static enum text_fault text_check(const char *s, size_t len, size_t *bad)
{
	assert(s != NULL || len == 0);
	assert(bad != NULL);
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0;
	while (i < len) {
		if (p[i] < 0x20 && p[i] != '\n') {
			*bad = i;
			return TEXT_CONTROL;
		}
		size_t n = utf8_len(p + i, len - i);
		if (n == 0) {
			*bad = i;
			return TEXT_BAD_UTF8;
		}
		i += n;
	}
	return TEXT_OK;
}

/* Sets err for a text fault found by text_check in `what`. */
static int text_fault_err(gb_err *err, int code, const char *what,
	enum text_fault fault, const char *s, size_t bad)
{
	assert(fault != TEXT_OK);
	assert(what != NULL);
	if (fault == TEXT_CONTROL)
		return gb_err_set(err, code, "%s has control character 0x%02x at byte %zu",
			what, (unsigned)(uint8_t)s[bad], bad);
	return gb_err_set(err, code, "%s has invalid UTF-8 at byte %zu", what, bad);
}

/* How many bytes of valid UTF-8 s[0..len) to show: at most SHOW_MAX, whole characters. */
static int show_len(const char *s, size_t len)
{
	assert(s != NULL || len == 0);
	if (len <= SHOW_MAX)
		return (int)len;
	size_t n = SHOW_MAX;
	/* Back off at most three continuation bytes. */
	for (int i = 0; i < 3 && n > 0 && ((uint8_t)s[n] & 0xc0) == 0x80; i++)
		n--;
	return (int)n;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

/*
 * Checks the whole note and finds its text: msg must be at most GB_NOTE_MAX
 * bytes of note text ending in '\n' in which the last blank line is followed
 * by at least one line. Sets *text_len (the text includes its final '\n').
 * Returns 0 or GB_ENOTE.
 */
static int note_split(const char *msg, size_t len, size_t *text_len, gb_err *err)
{
	assert(msg != NULL || len == 0);
	assert(text_len != NULL);
	if (len > GB_NOTE_MAX)
		return gb_err_set(err, GB_ENOTE, "note is %zu bytes, over the limit of %d",
			len, GB_NOTE_MAX);
	size_t bad = 0;
	enum text_fault fault = text_check(msg, len, &bad);
	if (fault != TEXT_OK)
		return text_fault_err(err, GB_ENOTE, "note", fault, msg, bad);
	if (len == 0 || msg[len - 1] != '\n')
		return gb_err_set(err, GB_ENOTE, "note does not end with a newline");
	size_t j = len - 1;
	/* Find the last "\n\n"; j only decreases. */
	while (j > 0 && !(msg[j] == '\n' && msg[j - 1] == '\n'))
		j--;
	if (j == 0)
		return gb_err_set(err, GB_ENOTE, "note has no blank line before its signatures");
	if (j + 1 == len)
		return gb_err_set(err, GB_ENOTE, "note has no signature line after its blank line");
	*text_len = j;
	return 0;
}

/*
 * Parses one signature line (without its '\n'), "— name base64", into sig
 * (verified = 0). The line is valid note text. Returns 0 or GB_ENOTE.
 */
static int sig_line_parse(const char *line, size_t len, size_t line_no,
	gb_note_sig *sig, gb_err *err)
{
	assert(line != NULL);
	assert(sig != NULL);
	memset(sig, 0, sizeof *sig);
	if (len < SIG_PREFIX_LEN || memcmp(line, SIG_PREFIX, SIG_PREFIX_LEN) != 0)
		return gb_err_set(err, GB_ENOTE,
			"signature line %zu does not start with an em dash and a space: '%.*s'",
			line_no, show_len(line, len), line);
	const char *name = line + SIG_PREFIX_LEN;
	size_t rest = len - SIG_PREFIX_LEN;
	const char *sp = memchr(name, ' ', rest);
	size_t name_len = sp ? (size_t)(sp - name) : rest;
	const char *b64 = sp ? sp + 1 : name + rest;
	size_t b64_len = rest - (size_t)(b64 - name);
	if (name_len > GB_NAME_MAX)
		return gb_err_set(err, GB_ENOTE,
			"signature line %zu: key name is %zu bytes, over the limit of %d",
			line_no, name_len, GB_NAME_MAX);
	if (!gb_key_name_valid_c2sp(name, name_len))
		return gb_err_set(err, GB_ENOTE, "signature line %zu: invalid key name '%.*s'",
			line_no, show_len(name, name_len), name);
	memcpy(sig->name, name, name_len);
	sig->name[name_len] = '\0';
	uint8_t raw[RAW_SIG_MAX];
	size_t raw_len = 0;
	const char *end = NULL;
	if (b64_len == 0)
		return gb_err_set(err, GB_ENOTE, "signature line %zu by '%s' has no signature",
			line_no, sig->name);
	if (sodium_base642bin(raw, sizeof raw, b64, b64_len, NULL, &raw_len, &end,
		    sodium_base64_VARIANT_ORIGINAL) != 0 || end != b64 + b64_len)
		return gb_err_set(err, GB_ENOTE,
			"signature line %zu by '%s': signature is not valid base64: '%.*s'",
			line_no, sig->name, show_len(b64, b64_len), b64);
	if (raw_len < 5)
		return gb_err_set(err, GB_ENOTE,
			"signature line %zu by '%s': signature is %zu bytes, want at least 5",
			line_no, sig->name, raw_len);
	sig->keyid = get_be32(raw);
	sig->sig_len = raw_len - 4;
	/* Longer signatures (unknown algorithms) are kept by length only. */
	if (sig->sig_len <= sizeof sig->sig)
		memcpy(sig->sig, raw + 4, sig->sig_len);
	return 0;
}

/* Writes "cosignature/v1\ntime <ts>\n" || text into out. Returns its length. */
static size_t cosig_message(char out[COSIG_MSG_MAX], uint64_t ts, const char *text,
	size_t text_len)
{
	assert(out != NULL);
	assert(text_len <= GB_NOTE_MAX);
	int n = snprintf(out, COSIG_MSG_MAX, COSIG_HEADER "%" PRIu64 "\n", ts);
	assert(n > 0 && (size_t)n + text_len <= COSIG_MSG_MAX);
	memcpy(out + n, text, text_len);
	return (size_t)n + text_len;
}

/*
 * Verifies sig over the note text with `key`: plain Ed25519 for alg 0x01,
 * cosignature/v1 for alg 0x04. Returns 0 or GB_ESIG.
 */
static int sig_verify(const gb_pubkey *key, const char *text, size_t text_len,
	const gb_note_sig *sig)
{
	assert(key != NULL);
	assert(sig != NULL);
	if (key->alg == GB_ALG_ED25519) {
		if (sig->sig_len != GB_SIG_BYTES)
			return GB_ESIG;
		return gb_pubkey_verify(key, (const uint8_t *)text, text_len, sig->sig);
	}
	if (key->alg != GB_ALG_COSIGNATURE_V1 || sig->sig_len != COSIG_TS_BYTES + GB_SIG_BYTES)
		return GB_ESIG;
	uint64_t ts = get_be64(sig->sig);
	if (ts > INT64_MAX)
		return GB_ESIG;
	char msg[COSIG_MSG_MAX];
	size_t msg_len = cosig_message(msg, ts, text, text_len);
	return gb_pubkey_verify(key, (const uint8_t *)msg, msg_len, sig->sig + COSIG_TS_BYTES);
}

/*
 * Finds the verifier with sig's name and key id. Returns 0 and sets *index,
 * 1 if there is none, or GB_EINVAL if there are several (as Go's
 * "ambiguous key"): the caller's list is then not to be trusted.
 */
static int find_verifier(const gb_pubkey *verifiers, size_t count,
	const gb_note_sig *sig, size_t *index, gb_err *err)
{
	assert(verifiers != NULL || count == 0);
	assert(index != NULL);
	int found = 0;
	for (size_t i = 0; i < count; i++) {
		if (verifiers[i].keyid != sig->keyid || strcmp(verifiers[i].name, sig->name) != 0)
			continue;
		if (found)
			return gb_err_set(err, GB_EINVAL,
				"ambiguous key %s+%08" PRIx32 ": verifiers %zu and %zu share name and key id",
				sig->name, sig->keyid, *index, i);
		found = 1;
		*index = i;
	}
	return found ? 0 : 1;
}

/* Returns 1 if a stored signature already has (name, keyid) and was verified. */
static int seen_verified(const gb_note *note, const gb_note_sig *sig)
{
	assert(note != NULL);
	assert(note->sig_count <= GB_NOTE_SIGS_MAX);
	for (size_t i = 0; i < note->sig_count; i++)
		if (note->sigs[i].verified && note->sigs[i].keyid == sig->keyid &&
		    strcmp(note->sigs[i].name, sig->name) == 0)
			return 1;
	return 0;
}

/* Line offsets of the signatures stored in a gb_note, for duplicate checks. */
struct line_refs {
	const char *line[GB_NOTE_SIGS_MAX];
	size_t len[GB_NOTE_SIGS_MAX];
};

/* Returns 1 if an identical unverified line is already stored. */
static int seen_line(const gb_note *note, const struct line_refs *refs,
	const char *line, size_t len)
{
	assert(note != NULL);
	assert(refs != NULL);
	for (size_t i = 0; i < note->sig_count; i++)
		if (!note->sigs[i].verified && refs->len[i] == len &&
		    memcmp(refs->line[i], line, len) == 0)
			return 1;
	return 0;
}

/*
 * Handles one parsed signature line of an opened note: stores it unless it
 * repeats one already stored, and verifies it if it is by a known key.
 */
static int note_take_sig(gb_note *note, struct line_refs *refs, const gb_note_sig *sig,
	const char *line, size_t line_len, size_t line_no, const gb_pubkey *verifiers,
	size_t verifier_count, gb_err *err)
{
	assert(note->sig_count < GB_NOTE_SIGS_MAX);
	assert(line != NULL);
	size_t v = 0;
	int rc = find_verifier(verifiers, verifier_count, sig, &v, err);
	if (rc < 0)
		return rc;
	/* Go drops repeated lines by unknown keys and repeated known keys. */
	if (rc == 1 && seen_line(note, refs, line, line_len))
		return 0;
	if (rc == 0 && seen_verified(note, sig))
		return 0;
	gb_note_sig *out = &note->sigs[note->sig_count];
	*out = *sig;
	if (rc == 0) {
		if (sig_verify(&verifiers[v], note->text, note->text_len, sig) != 0)
			return gb_err_set(err, GB_ENOTESIG,
				"signature line %zu by '%s+%08" PRIx32 "' does not verify",
				line_no, sig->name, sig->keyid);
		out->verified = 1;
		out->verifier = v;
		note->verified_count++;
	}
	refs->line[note->sig_count] = line;
	refs->len[note->sig_count] = line_len;
	note->sig_count++;
	return 0;
}

int gb_note_open(const char *msg, size_t len, const gb_pubkey *verifiers,
	size_t verifier_count, gb_note *note, gb_err *err)
{
	assert(msg != NULL || len == 0);
	assert(note != NULL);
	assert(verifiers != NULL || verifier_count == 0);
	memset(note, 0, sizeof *note);
	size_t text_len = 0;
	int rc = note_split(msg, len, &text_len, err);
	if (rc != 0)
		return rc;
	note->text = msg;
	note->text_len = text_len;
	struct line_refs refs;
	memset(&refs, 0, sizeof refs);
	size_t pos = text_len + 1, line_no = 0;
	/* Each pass consumes one line; there are at most GB_NOTE_SIGS_MAX. */
	while (pos < len) {
		const char *line = msg + pos;
		const char *nl = memchr(line, '\n', len - pos);
		assert(nl != NULL);
		size_t line_len = (size_t)(nl - line);
		if (++line_no > GB_NOTE_SIGS_MAX) {
			memset(note, 0, sizeof *note);
			return gb_err_set(err, GB_ENOTE, "note has over %d signature lines",
				GB_NOTE_SIGS_MAX);
		}
		gb_note_sig sig;
		rc = sig_line_parse(line, line_len, line_no, &sig, err);
		if (rc == 0)
			rc = note_take_sig(note, &refs, &sig, line, line_len, line_no, verifiers,
				verifier_count, err);
		if (rc != 0) {
			memset(note, 0, sizeof *note);
			return rc;
		}
		pos += line_len + 1;
	}
	if (note->verified_count == 0)
		return gb_err_set(err, GB_ENOTESIG,
			"no signature on the note is by a known key (%zu signature line%s)",
			line_no, line_no == 1 ? "" : "s");
	return 0;
}

/*
 * Formats the signature line by `key` over text into line (OWN_LINE_MAX
 * bytes): plain Ed25519 for alg 0x01, cosignature/v1 at `ts` for alg 0x04.
 * Returns its length (the line ends in '\n').
 */
static size_t sig_line_make(const gb_seckey *key, const char *text, size_t text_len,
	uint64_t ts, char line[OWN_LINE_MAX])
{
	assert(key != NULL);
	assert(text_len <= GB_NOTE_MAX);
	uint8_t raw[OWN_RAW_MAX];
	size_t raw_len;
	put_be32(raw, key->pub.keyid);
	if (key->pub.alg == GB_ALG_ED25519) {
		gb_seckey_sign(key, (const uint8_t *)text, text_len, raw + 4);
		raw_len = 4 + GB_SIG_BYTES;
	} else {
		assert(key->pub.alg == GB_ALG_COSIGNATURE_V1);
		assert(ts <= INT64_MAX);
		char msg[COSIG_MSG_MAX];
		size_t msg_len = cosig_message(msg, ts, text, text_len);
		put_be64(raw + 4, ts);
		gb_seckey_sign(key, (const uint8_t *)msg, msg_len, raw + 4 + COSIG_TS_BYTES);
		raw_len = OWN_RAW_MAX;
	}
	char b64[OWN_B64_MAX];
	sodium_bin2base64(b64, sizeof b64, raw, raw_len, sodium_base64_VARIANT_ORIGINAL);
	int n = snprintf(line, OWN_LINE_MAX, SIG_PREFIX "%s %s\n", key->pub.name, b64);
	assert(n > 0 && n < (int)OWN_LINE_MAX);
	return (size_t)n;
}

int gb_note_sign(const char *text, size_t text_len, const gb_seckey *key,
	char *out, size_t cap, size_t *out_len, gb_err *err)
{
	assert(text != NULL || text_len == 0);
	assert(key != NULL);
	assert(out != NULL);
	assert(out_len != NULL);
	if (key->pub.alg != GB_ALG_ED25519)
		return gb_err_set(err, GB_EINVAL,
			"key '%s' has alg 0x%02x; notes are signed with alg 0x01 keys",
			key->pub.name, key->pub.alg);
	if (text_len > GB_NOTE_MAX)
		return gb_err_set(err, GB_ETOOBIG, "note text is %zu bytes, over the limit of %d",
			text_len, GB_NOTE_MAX);
	size_t bad = 0;
	enum text_fault fault = text_check(text, text_len, &bad);
	if (fault != TEXT_OK)
		return text_fault_err(err, GB_EINVAL, "note text", fault, text, bad);
	if (text_len == 0 || text[text_len - 1] != '\n')
		return gb_err_set(err, GB_EINVAL, "note text does not end with a newline");
	char line[OWN_LINE_MAX];
	size_t line_len = sig_line_make(key, text, text_len, 0, line);
	size_t total = text_len + 1 + line_len;
	if (total > GB_NOTE_MAX || total > cap)
		return gb_err_set(err, GB_ETOOBIG, "signed note is %zu bytes, over the limit of %zu",
			total, cap < GB_NOTE_MAX ? cap : (size_t)GB_NOTE_MAX);
	memmove(out, text, text_len);
	out[text_len] = '\n';
	memcpy(out + text_len + 1, line, line_len);
	if (total < cap)
		out[total] = '\0';
	*out_len = total;
	return 0;
}

/* The signature lines of a note being extended. */
struct note_lines {
	size_t count;
	size_t off[GB_NOTE_SIGS_MAX];
	size_t len[GB_NOTE_SIGS_MAX];  /* including the '\n' */
	int replaced[GB_NOTE_SIGS_MAX]; /* by key: the new line replaces it */
};

/*
 * Parses the signature lines of the note buf[0..len) whose text is
 * text_len bytes, marking those by key's name and key id. Returns 0 or
 * GB_ENOTE.
 */
static int note_lines_scan(const char *buf, size_t len, size_t text_len,
	const gb_pubkey *key, struct note_lines *nl, gb_err *err)
{
	assert(buf != NULL);
	assert(nl != NULL);
	memset(nl, 0, sizeof *nl);
	size_t pos = text_len + 1;
	/* Each pass consumes one line; there are at most GB_NOTE_SIGS_MAX. */
	while (pos < len) {
		const char *end = memchr(buf + pos, '\n', len - pos);
		assert(end != NULL);
		size_t line_len = (size_t)(end - (buf + pos));
		if (nl->count == GB_NOTE_SIGS_MAX)
			return gb_err_set(err, GB_ENOTE, "note has over %d signature lines",
				GB_NOTE_SIGS_MAX);
		gb_note_sig sig;
		int rc = sig_line_parse(buf + pos, line_len, nl->count + 1, &sig, err);
		if (rc != 0)
			return rc;
		nl->off[nl->count] = pos;
		nl->len[nl->count] = line_len + 1;
		nl->replaced[nl->count] = sig.keyid == key->keyid && strcmp(sig.name, key->name) == 0;
		nl->count++;
		pos += line_len + 1;
	}
	return 0;
}

/* Checks that key may add its line to the note whose text is given. */
static int add_check_key(const gb_seckey *key, const char *text, size_t text_len,
	uint64_t timestamp, gb_err *err)
{
	assert(key != NULL);
	assert(text != NULL);
	if (key->pub.alg == GB_ALG_ED25519)
		return 0;
	if (key->pub.alg != GB_ALG_COSIGNATURE_V1)
		return gb_err_set(err, GB_EINVAL, "key '%s' has unknown alg 0x%02x",
			key->pub.name, key->pub.alg);
	if (timestamp > INT64_MAX)
		return gb_err_set(err, GB_EINVAL, "cosignature timestamp %" PRIu64 " is over 2^63-1",
			timestamp);
	gb_checkpoint cp;
	int rc = gb_checkpoint_parse(text, text_len, &cp, err);
	if (rc != 0)
		return gb_err_prefix(err, rc, "cosignature/v1 signs only checkpoints: ");
	return 0;
}

/*
 * Replaces the signature lines of the note buf[0..*note_len) (text_len bytes
 * of text; its lines scanned into nl) by those not marked replaced, then
 * `line` (line_len bytes, ending in '\n'). On failure buf is unchanged.
 */
static int note_splice(char *buf, size_t cap, size_t *note_len, size_t text_len,
	const struct note_lines *nl, const char *line, size_t line_len, gb_err *err)
{
	assert(buf != NULL);
	assert(nl != NULL && line != NULL);
	size_t kept = 0, new_len = text_len + 1 + line_len;
	for (size_t i = 0; i < nl->count; i++) {
		if (!nl->replaced[i]) {
			kept++;
			new_len += nl->len[i];
		}
	}
	if (kept + 1 > GB_NOTE_SIGS_MAX)
		return gb_err_set(err, GB_ETOOBIG, "note already has %zu signature lines, the limit",
			kept);
	if (new_len > GB_NOTE_MAX || new_len > cap)
		return gb_err_set(err, GB_ETOOBIG, "signed note would be %zu bytes, over the limit of %zu",
			new_len, cap < GB_NOTE_MAX ? cap : (size_t)GB_NOTE_MAX);
	/* Drop the lines the new one replaces (as Go's note.Sign), then append. */
	size_t w = text_len + 1;
	for (size_t i = 0; i < nl->count; i++) {
		if (nl->replaced[i])
			continue;
		memmove(buf + w, buf + nl->off[i], nl->len[i]);
		w += nl->len[i];
	}
	memcpy(buf + w, line, line_len);
	w += line_len;
	assert(w == new_len);
	if (w < cap)
		buf[w] = '\0';
	*note_len = w;
	return 0;
}

int gb_note_add_signature(char *buf, size_t cap, size_t *note_len,
	const gb_seckey *key, uint64_t timestamp, gb_err *err)
{
	assert(buf != NULL);
	assert(note_len != NULL);
	assert(key != NULL);
	assert(*note_len <= cap);
	size_t len = *note_len, text_len = 0;
	struct note_lines nl;
	int rc = note_split(buf, len, &text_len, err);
	if (rc == 0)
		rc = note_lines_scan(buf, len, text_len, &key->pub, &nl, err);
	if (rc == 0)
		rc = add_check_key(key, buf, text_len, timestamp, err);
	if (rc != 0)
		return rc;
	char line[OWN_LINE_MAX];
	size_t line_len = sig_line_make(key, buf, text_len, timestamp, line);
	return note_splice(buf, cap, note_len, text_len, &nl, line, line_len, err);
}

int gb_note_signature_line(const char *text, size_t text_len, const gb_seckey *key,
	uint64_t timestamp, char line[GB_NOTE_LINE_MAX], size_t *line_len, gb_err *err)
{
	assert(text != NULL || text_len == 0);
	assert(key != NULL);
	assert(line != NULL && line_len != NULL);
	_Static_assert(OWN_LINE_MAX <= GB_NOTE_LINE_MAX, "GB_NOTE_LINE_MAX holds our lines");
	if (text_len > GB_NOTE_MAX)
		return gb_err_set(err, GB_EINVAL, "note text is %zu bytes, over the limit of %d",
			text_len, GB_NOTE_MAX);
	size_t bad = 0;
	enum text_fault fault = text_check(text, text_len, &bad);
	if (fault != TEXT_OK)
		return text_fault_err(err, GB_EINVAL, "note text", fault, text, bad);
	if (text_len == 0 || text[text_len - 1] != '\n')
		return gb_err_set(err, GB_EINVAL, "note text does not end with a newline");
	int rc = add_check_key(key, text, text_len, timestamp, err);
	if (rc != 0)
		return rc;
	*line_len = sig_line_make(key, text, text_len, timestamp, line);
	return 0;
}

int gb_note_add_line(char *buf, size_t cap, size_t *note_len, const char *line,
	size_t line_len, gb_err *err)
{
	assert(buf != NULL && note_len != NULL);
	assert(line != NULL || line_len == 0);
	assert(*note_len <= cap);
	size_t text_len = 0, bad = 0;
	int rc = note_split(buf, *note_len, &text_len, err);
	if (rc != 0)
		return rc;
	if (line_len == 0 || line_len > GB_NOTE_MAX || line[line_len - 1] != '\n' ||
	    memchr(line, '\n', line_len - 1) != NULL)
		return gb_err_set(err, GB_ENOTE, "signature line to add is not one line ending in a newline");
	enum text_fault fault = text_check(line, line_len, &bad);
	if (fault != TEXT_OK)
		return text_fault_err(err, GB_ENOTE, "signature line to add", fault, line, bad);
	gb_note_sig sig;
	rc = sig_line_parse(line, line_len - 1, 1, &sig, err);
	if (rc != 0)
		return gb_err_prefix(err, rc, "signature line to add: ");
	gb_pubkey id = { .keyid = sig.keyid };
	memcpy(id.name, sig.name, sizeof id.name);
	struct note_lines nl;
	rc = note_lines_scan(buf, *note_len, text_len, &id, &nl, err);
	if (rc != 0)
		return rc;
	return note_splice(buf, cap, note_len, text_len, &nl, line, line_len, err);
}

/* ---- Checkpoints ---- */

int gb_checkpoint_format(const gb_checkpoint *cp, char *out, size_t cap, size_t *out_len)
{
	assert(cp != NULL);
	assert(out != NULL);
	assert(out_len != NULL);
	size_t origin_len = strnlen(cp->origin, GB_ORIGIN_MAX + 1);
	size_t bad = 0;
	if (origin_len == 0 || origin_len > GB_ORIGIN_MAX ||
	    memchr(cp->origin, '\n', origin_len) != NULL ||
	    text_check(cp->origin, origin_len, &bad) != TEXT_OK)
		return GB_EINVAL;
	char size[24];
	int size_len = snprintf(size, sizeof size, "%" PRIu64, cp->size);
	assert(size_len > 0 && (size_t)size_len < sizeof size);
	char root[ROOT_B64_LEN + 1];
	sodium_bin2base64(root, sizeof root, cp->root, GB_HASH_BYTES,
		sodium_base64_VARIANT_ORIGINAL);
	size_t total = origin_len + 1 + (size_t)size_len + 1 + ROOT_B64_LEN + 1;
	if (total > cap)
		return GB_ETOOBIG;
	size_t w = 0;
	memcpy(out, cp->origin, origin_len);
	w += origin_len;
	out[w++] = '\n';
	memcpy(out + w, size, (size_t)size_len);
	w += (size_t)size_len;
	out[w++] = '\n';
	memcpy(out + w, root, ROOT_B64_LEN);
	w += ROOT_B64_LEN;
	out[w++] = '\n';
	assert(w == total);
	if (total < cap)
		out[total] = '\0';
	*out_len = total;
	return 0;
}

/*
 * Parses a tree size: ASCII decimal, no sign, no leading zero unless it is
 * "0", at most UINT64_MAX. Returns NULL or what is wrong.
 */
static const char *parse_size(const char *s, size_t len, uint64_t *out)
{
	assert(s != NULL || len == 0);
	assert(out != NULL);
	if (len == 0)
		return "is empty";
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return "is not a decimal number";
		uint64_t d = (uint64_t)(s[i] - '0');
		if (i == 1 && s[0] == '0')
			return "has a leading zero";
		if (v > (UINT64_MAX - d) / 10)
			return "does not fit in 64 bits";
		v = v * 10 + d;
	}
	*out = v;
	return NULL;
}

/* Parses the checkpoint's first three lines (given) into cp. */
static int checkpoint_fields(const char *line[3], const size_t line_len[3],
	gb_checkpoint *cp, gb_err *err)
{
	assert(line != NULL);
	assert(cp != NULL);
	if (line_len[0] == 0)
		return gb_err_set(err, GB_ENOTE, "checkpoint line 1: empty origin");
	if (line_len[0] > GB_ORIGIN_MAX)
		return gb_err_set(err, GB_ENOTE,
			"checkpoint line 1: origin is %zu bytes, over the limit of %d",
			line_len[0], GB_ORIGIN_MAX);
	const char *why = parse_size(line[1], line_len[1], &cp->size);
	if (why != NULL)
		return gb_err_set(err, GB_ENOTE, "checkpoint line 2: tree size '%.*s' %s",
			show_len(line[1], line_len[1]), line[1], why);
	size_t root_len = 0;
	const char *end = NULL;
	if (line_len[2] != ROOT_B64_LEN ||
	    sodium_base642bin(cp->root, sizeof cp->root, line[2], line_len[2], NULL,
		    &root_len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != line[2] + line_len[2] || root_len != GB_HASH_BYTES)
		return gb_err_set(err, GB_ENOTE,
			"checkpoint line 3: root hash '%.*s' is not base64 of %d bytes",
			show_len(line[2], line_len[2]), line[2], GB_HASH_BYTES);
	memcpy(cp->origin, line[0], line_len[0]);
	cp->origin[line_len[0]] = '\0';
	return 0;
}

int gb_checkpoint_parse(const char *text, size_t len, gb_checkpoint *cp, gb_err *err)
{
	assert(text != NULL || len == 0);
	assert(cp != NULL);
	memset(cp, 0, sizeof *cp);
	if (len > GB_NOTE_MAX)
		return gb_err_set(err, GB_ENOTE, "checkpoint is %zu bytes, over the limit of %d",
			len, GB_NOTE_MAX);
	size_t bad = 0;
	enum text_fault fault = text_check(text, len, &bad);
	if (fault != TEXT_OK)
		return text_fault_err(err, GB_ENOTE, "checkpoint", fault, text, bad);
	if (len == 0 || text[len - 1] != '\n')
		return gb_err_set(err, GB_ENOTE, "checkpoint does not end with a newline");
	const char *line[3];
	size_t line_len[3], pos = 0, line_no = 0;
	/* Each pass consumes one line of text[0..len), which ends in '\n'. */
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		assert(nl != NULL);
		size_t n = (size_t)(nl - (text + pos));
		if (line_no < 3) {
			line[line_no] = text + pos;
			line_len[line_no] = n;
		} else if (n == 0) {
			return gb_err_set(err, GB_ENOTE, "checkpoint line %zu: empty extension line",
				line_no + 1);
		}
		line_no++;
		pos += n + 1;
	}
	if (line_no < 3)
		return gb_err_set(err, GB_ENOTE, "checkpoint has %zu line%s, want at least 3",
			line_no, line_no == 1 ? "" : "s");
	int rc = checkpoint_fields(line, line_len, cp, err);
	if (rc != 0)
		memset(cp, 0, sizeof *cp);
	return rc;
}
