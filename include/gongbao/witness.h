/*
 * gongbao/witness.h: a witness of C2SP tlog-witness v1.0.0
 * (c2sp.org/tlog-witness): the add-checkpoint decision and the durable state
 * behind it. No HTTP here: src/witness_http.c serves it.
 *
 * A witness has a cosigning key (alg 0x04, cosignature/v1) and a list of
 * logs it witnesses, each an origin and the log's checkpoint key (alg
 * 0x01). For each log it keeps the last checkpoint it cosigned, durably, in
 * one file of its state directory, and it cosigns a new checkpoint only if
 * it is signed by the log's key and provably extends that one (an RFC 9162
 * consistency proof from the size it cosigned). So it never cosigns two
 * inconsistent trees of one log, nor a smaller tree after a larger one,
 * across restarts. The request, the checks in their order, the statuses and
 * the state files are in spec/WITNESS.md.
 *
 * One gb_witness may be used from many threads: add-checkpoint calls are
 * serialised by one mutex, from the check of the old size to the durable
 * write of the new state (the atomicity tlog-witness requires). One process
 * at a time may use a state directory (an exclusive lock on DIR/lock).
 */
#ifndef GONGBAO_WITNESS_H
#define GONGBAO_WITNESS_H

#include <stddef.h>
#include <stdint.h>

#include "gongbao/error.h"
#include "gongbao/keys.h"
#include "gongbao/merkle.h"
#include "gongbao/note.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GB_WITNESS_LOGS_MAX 64          /* logs one witness witnesses */
#define GB_WITNESS_PROOF_MAX 63         /* consistency proof lines (the spec's limit) */
/* Largest add-checkpoint body: "old N\n" (at most 25 bytes), 63 proof lines of
 * 45 bytes, the empty line, and a note of GB_NOTE_MAX bytes. */
#define GB_WITNESS_BODY_MAX (25 + GB_WITNESS_PROOF_MAX * 45 + 1 + GB_NOTE_MAX)
#define GB_WITNESS_EVIDENCE_MAX 64      /* split-view evidence files written per open */
#define GB_WITNESS_ANSWER_MAX 320       /* an answer body, NUL included */

/* Content types of the answers. */
#define GB_WITNESS_CTYPE_SIZE "text/x.tlog.size"
#define GB_WITNESS_CTYPE_TEXT "text/plain; charset=utf-8"

/* One log the witness witnesses. */
typedef struct gb_witness_log {
	char origin[GB_ORIGIN_MAX + 1]; /* its checkpoints' first line */
	gb_pubkey key;                  /* its checkpoint key, alg 0x01 */
} gb_witness_log;

typedef struct gb_witness gb_witness;

/*
 * Opens the witness whose state is in directory `dir` (created, mode 0700,
 * if missing), cosigning with `key` (alg 0x04; copied, and wiped on close)
 * for the `count` (1..GB_WITNESS_LOGS_MAX) logs given (copied; origins
 * distinct, valid checkpoint origins). Reads the state file of every log
 * that has one. Returns 0 with *out open, or GB_EINVAL (a bad key, log or
 * count), GB_EIO (the directory cannot be made, opened or locked: another
 * witness holds it), GB_ECORRUPT (a state file that is not exactly as
 * spec/WITNESS.md says: the message names the file; it is never reset),
 * GB_ENOMEM.
 */
int gb_witness_open(const char *dir, const gb_seckey *key, const gb_witness_log *logs,
	size_t count, gb_witness **out, gb_err *err);

/* Releases the lock, wipes the key and frees the witness; NULL is allowed. */
void gb_witness_close(gb_witness *w);

/* The witness's cosigning (verifier) key. */
const gb_pubkey *gb_witness_key(const gb_witness *w);

/*
 * The answer to one add-checkpoint request: an HTTP status, its
 * Content-Type (a static string) and body. 200: the cosignature line
 * ("\u2014 NAME BASE64\n"); 409 GB_ESTATE: the size the witness last
 * cosigned for the origin, "SIZE\n", as GB_WITNESS_CTYPE_SIZE; otherwise the
 * error's name and message, "GB_NAME: message\n", as text.
 */
typedef struct gb_witness_answer {
	unsigned status;
	const char *ctype;
	char body[GB_WITNESS_ANSWER_MAX]; /* NUL-terminated, len bytes */
	size_t len;
} gb_witness_answer;

/*
 * Handles one add-checkpoint request body (len bytes) at time `now_s` (Unix
 * seconds, at most 2^63-1: the cosignature's timestamp). Returns 0 after
 * persisting the new state (written to a temporary file, fsynced, renamed
 * over the log's state file, directory fsynced), with a 200 answer; or the
 * code of the first check that failed, in the order of spec/WITNESS.md,
 * with err set and `a` filled for that status:
 *   GB_ETOOBIG      413  body over GB_WITNESS_BODY_MAX
 *   GB_EINVAL       400  malformed old line, proof lines or empty line
 *   GB_ENOTE        400  malformed note or checkpoint
 *   GB_ENOTFOUND    404  origin not witnessed here
 *   GB_ENOTESIG     403  no valid signature by the log's key, or a bad one
 *   GB_ERANGE       400  old size over the checkpoint's size
 *   GB_ESPLITVIEW   409  same size as the cosigned checkpoint, another root:
 *                        the request is kept as evidence (spec/WITNESS.md)
 *   GB_ESTATE       409  old size is not the size last cosigned
 *   GB_EPROOF       422  the consistency proof does not verify
 *   GB_EIO, ...     500  the state could not be written (nothing cosigned)
 * Nothing is cosigned or changed on any failure.
 */
int gb_witness_add_checkpoint(gb_witness *w, const char *body, size_t len, uint64_t now_s,
	gb_witness_answer *a, gb_err *err);

/*
 * The size and root of the last checkpoint cosigned for `origin`. Returns 0,
 * or GB_ENOTFOUND (origin not witnessed, or nothing cosigned for it yet).
 */
int gb_witness_latest(gb_witness *w, const char *origin, uint64_t *size,
	uint8_t root[GB_HASH_BYTES], gb_err *err);

/* The HTTP status of an add-checkpoint outcome (the table above). */
unsigned gb_witness_http_status(int code);

#ifdef __cplusplus
}
#endif
#endif
