/*
 * gongbao/error.h: error codes and error details.
 *
 * Every gongbao function that can fail returns 0 on success or one of the
 * negative GB_E* codes below. Codes are part of the public contract: they are
 * never renumbered and never removed; new codes are added at the end, just
 * before GB_ERROR_LAST.
 *
 * Functions that can say more than the code (which field, which entry) take a
 * `gb_err *` and fill it in: the code plus a one-line message that says what
 * is wrong first and where, quoting the offending value, without a trailing
 * full stop: "entry 17: signature by 'picc-zs' does not verify".
 */
#ifndef GONGBAO_ERROR_H
#define GONGBAO_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum gb_error {
	GB_OK = 0,
	GB_ENOMEM = -1,         /* out of memory */
	GB_EINVAL = -2,         /* invalid argument (a caller bug or bad usage) */
	GB_EIO = -3,            /* I/O error reading or writing a file */
	GB_EMSGPACK = -4,       /* malformed MessagePack */
	GB_ENONCANON = -5,      /* non-canonical MessagePack encoding */
	GB_ETOOBIG = -6,        /* a size, length or count over its limit */
	GB_EDEPTH = -7,         /* nesting deeper than the limit */
	GB_ETRAILING = -8,      /* trailing bytes after a complete value */
	GB_EVERSION = -9,       /* unknown format version */
	GB_EFIELD = -10,        /* missing, unknown or wrongly typed field */
	GB_ESIG = -11,          /* a signature does not verify */
	GB_ENOSIG = -12,        /* a required signature is missing */
	GB_EUNKNOWNKEY = -13,   /* signer or key not named in the charter */
	GB_EAUTH = -14,         /* the signer's role may not sign this type */
	GB_EIDREUSE = -15,      /* an id reused by the same signer with other bytes */
	GB_EPASSPHRASE = -16,   /* wrong passphrase for a secret key file */
	GB_EKEYFILE = -17,      /* malformed secret key file */
	GB_ENOLEDGER = -18,     /* no ledger at the given directory */
	GB_ECORRUPT = -19,      /* the ledger's files are corrupt */
	GB_EMAPFULL = -20,      /* the LMDB map is full */
	GB_EEXIST = -21,        /* a ledger already exists there */
	GB_ERANGE = -22,        /* an index or tree size out of range */
	GB_EPROOF = -23,        /* a Merkle proof does not verify */
	GB_ENOTE = -24,         /* malformed signed note or checkpoint */
	GB_ENOTESIG = -25,      /* no known, valid signature on a note */
	GB_EVKEY = -26,         /* malformed verifier key */
	GB_EJSON = -27,         /* malformed JSON input */
	GB_ECHARTER = -28,      /* invalid charter */
	GB_ETYPE = -29,         /* unknown entry type */
	GB_ECONSORTIUM = -30,   /* entry for another consortium */
	GB_ELMDB = -31,         /* unexpected LMDB failure */
	GB_EUSAGE = -32,        /* bad command-line usage */
	GB_EVALUE = -33,        /* a field's value is out of its allowed set or range */
	GB_EOVERFLOW = -34,     /* an amount or a sum of amounts out of range */
	GB_ETIME = -35,         /* a time outside the allowed window */
	GB_ENOTFOUND = -36,     /* a referenced policy, claim or participant does not exist */
	GB_ESTATE = -37,        /* the referenced object is not in a state that allows this */
	GB_EINVARIANT = -38,    /* a ledger invariant would break (a bug, never user error) */
	GB_ENET = -39,          /* a network or HTTP failure talking to a server */
	GB_ESPLITVIEW = -40,    /* a log's history contradicts a checkpoint already trusted */
	GB_ERROR_LAST = -41     /* one past the last code; not an error */
};

/* Longest message a gb_err carries, including the terminating NUL. */
#define GB_ERR_MSG_MAX 256

/* An error code with its one-line message. */
typedef struct gb_err {
	int code;
	char msg[GB_ERR_MSG_MAX];
} gb_err;

/*
 * Returns the fixed description of `code` ("signature does not verify").
 * Never NULL; an unknown code gives "unknown error code".
 */
const char *gb_strerror(int code);

/*
 * Returns the stable name of `code` ("GB_ESIG"), for logs, JSON and exit
 * reports. Never NULL; an unknown code gives "GB_EUNKNOWN".
 */
const char *gb_errname(int code);

/*
 * The code named `name` ("GB_ESIG" -> GB_ESIG), for clients reading a
 * server's error answers; 0 for a name that is no code's.
 */
int gb_errcode(const char *name);

/*
 * Sets err->code and formats err->msg (printf-style, truncated to fit).
 * `err` may be NULL, in which case only the code is returned. Returns `code`
 * so that callers can write `return gb_err_set(err, GB_ESIG, "...", ...)`.
 */
int gb_err_set(gb_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Prefixes err->msg with a context ("entry 17: "), keeping the code.
 * Does nothing if `err` is NULL. Returns err->code (or `code_if_null`).
 */
int gb_err_prefix(gb_err *err, int code_if_null, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Clears `err` to GB_OK with an empty message. `err` may be NULL. */
void gb_err_clear(gb_err *err);

#ifdef __cplusplus
}
#endif
#endif
