/*
 * gongbao/cosign.h: the log's side of c2sp.org/tlog-witness: collecting
 * cosignatures on its checkpoints from witnesses over HTTP (gongbao/client.h).
 *
 * A cosigner knows the witnesses' URLs and, per witness, the size of the
 * checkpoint that witness last cosigned (in memory: 0 at open). A round
 * sends one checkpoint, freshly signed by the log, to every witness at once
 * (one thread each), with a consistency proof from that size; a witness
 * answering 409 with Content-Type text/x.tlog.size is asked once more from
 * the size it names. Each answer's lines are verified against the witness
 * keys given (the charter's: participants with role witness whose key is an
 * alg 0x04 cosignature/v1 key); lines by other keys are not taken, a line
 * by a given key that does not verify makes the whole answer refused. The
 * verified lines are added to the note. A witness that is down, slow or
 * refuses costs only its own cosignature: its outcome says why.
 *
 * The requests and the checks are in spec/WITNESS.md, "The log's side".
 */
#ifndef GONGBAO_COSIGN_H
#define GONGBAO_COSIGN_H

#include <stddef.h>
#include <stdint.h>

#include "gongbao/error.h"
#include "gongbao/keys.h"
#include "gongbao/merkle.h"
#include "gongbao/note.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GB_COSIGN_WITNESSES_MAX 8       /* witnesses of one log */
#define GB_COSIGN_ANSWER_MAX 4096       /* largest witness answer taken, bytes */
#define GB_COSIGN_TIMEOUT_S 5           /* longest wait for one witness's answer */

typedef struct gb_cosigner gb_cosigner;

/* What one witness gave in a round. */
typedef struct gb_cosign_outcome {
	int code;                        /* 0: its cosignature is on the note */
	char msg[GB_ERR_MSG_MAX];        /* why not, when code != 0 */
	uint64_t old_size;               /* the old size of its last request */
	size_t lines;                    /* verified lines added to the note */
} gb_cosign_outcome;

/*
 * Writes the consistency proof of the log from size1 to size2 (0 < size1 <
 * size2 <= the log's size) into proof[0..*count). Called from the round's
 * threads, concurrently. Returns 0 or a GB_ code.
 */
typedef int (*gb_cosign_prove_fn)(void *ctx, uint64_t size1, uint64_t size2,
	uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES], size_t *count, gb_err *err);

/*
 * A cosigner of the witnesses at urls[0..count) (1..GB_COSIGN_WITNESSES_MAX
 * http:// or https:// base URLs; requests go to URL/add-checkpoint).
 * Returns 0, GB_EINVAL (a bad URL or count) or GB_ENOMEM.
 */
int gb_cosigner_open(const char *const *urls, size_t count, gb_cosigner **out, gb_err *err);

/* Frees the cosigner; NULL is allowed. */
void gb_cosigner_close(gb_cosigner *c);

/* The number of witnesses, and the URL of witness i. */
size_t gb_cosigner_count(const gb_cosigner *c);
const char *gb_cosigner_url(const gb_cosigner *c, size_t i);

/*
 * One round: sends the checkpoint note in buf (note_len bytes, signed by the
 * log) to every witness and appends the verified cosignature lines to it in
 * place (cap bytes; gb_note_add_line, so a witness's earlier line on the
 * note is replaced). keys[0..key_count) are the witness keys whose lines are
 * taken (keys of another alg than 0x04 are skipped). outcomes[i] is filled
 * for witness i. Returns 0 when the round ran (whatever the witnesses did:
 * see outcomes), GB_ENOTE if buf is not a checkpoint note, GB_ENOMEM.
 * One round at a time per cosigner.
 */
int gb_cosign_round(gb_cosigner *c, char *buf, size_t cap, size_t *note_len,
	const gb_pubkey *keys, size_t key_count, gb_cosign_prove_fn prove, void *ctx,
	gb_cosign_outcome *outcomes, gb_err *err);

/* ------------------------------------------------------------ the service */

#define GB_COSIGN_INTERVAL_MS 100       /* least time between two rounds' starts */
#define GB_COSIGN_RETRY_S 10            /* a round that a witness failed is retried */
#define GB_COSIGN_KEYS_MAX 256          /* witness keys a round considers */

/*
 * Signs a checkpoint of the log as it is now into note (cap bytes, sets
 * *len) and copies the charter's witness keys into keys (at most keys_cap;
 * sets *key_count). Called from the service's thread. Returns 0 or a code.
 */
typedef int (*gb_cosign_sign_fn)(void *ctx, char *note, size_t cap, size_t *len,
	gb_pubkey *keys, size_t keys_cap, size_t *key_count, gb_err *err);

typedef struct gb_cosign_service gb_cosign_service;

/*
 * Starts a thread that collects cosignatures for a log: a round (a note
 * from `sign`, then gb_cosign_round with `prove`) at start, after each
 * gb_cosign_service_kick (at most one round per GB_COSIGN_INTERVAL_MS, start
 * to start; kicks meanwhile make one round), and GB_COSIGN_RETRY_S after a
 * round that a witness failed, kicked or not. It keeps the note of the last
 * round that ran, with the lines it collected; before that, a note `sign`
 * made in the calling thread at start, without cosignatures, so that the
 * notes kept never go back to a smaller tree (the first round signs later).
 * One line per round on stderr,
 * "cosign: checkpoint of size N cosigned by K of M witnesses", and one per
 * failed witness, "cosign: URL: GB_NAME: message". Returns 0, GB_EINVAL (as
 * gb_cosigner_open), GB_ENOMEM, or the code of that first `sign`.
 */
int gb_cosign_service_start(const char *const *urls, size_t count, gb_cosign_sign_fn sign,
	gb_cosign_prove_fn prove, void *ctx, gb_cosign_service **out, gb_err *err);

/* Entries were committed: a round is due. Any thread. */
void gb_cosign_service_kick(gb_cosign_service *sv);

/*
 * Copies the note of the last round (before the first round ends: the note
 * signed at start) into out (cap >= GB_NOTE_MAX). Returns 1 and sets *len,
 * or 0 if there is none. Any thread.
 */
int gb_cosign_service_latest(gb_cosign_service *sv, char *out, size_t cap, size_t *len);

/*
 * Stops the thread (a round in flight ends first: each witness request is
 * bounded by GB_COSIGN_TIMEOUT_S) and frees the service. NULL is allowed.
 */
void gb_cosign_service_stop(gb_cosign_service *sv);

#ifdef __cplusplus
}
#endif
#endif
