/*
 * error.c: error codes, their fixed descriptions and the gb_err helpers.
 */
#include "gongbao/error.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct code_text {
	const char *name;
	const char *text;
};

/* Indexed by -code. Keep in the order of enum gb_error. */
static const struct code_text code_texts[] = {
	{ "GB_OK", "success" },
	{ "GB_ENOMEM", "out of memory" },
	{ "GB_EINVAL", "invalid argument" },
	{ "GB_EIO", "input/output error" },
	{ "GB_EMSGPACK", "malformed MessagePack" },
	{ "GB_ENONCANON", "non-canonical MessagePack encoding" },
	{ "GB_ETOOBIG", "size, length or count over its limit" },
	{ "GB_EDEPTH", "nesting too deep" },
	{ "GB_ETRAILING", "trailing bytes after the value" },
	{ "GB_EVERSION", "unknown format version" },
	{ "GB_EFIELD", "missing, unknown or wrongly typed field" },
	{ "GB_ESIG", "signature does not verify" },
	{ "GB_ENOSIG", "required signature missing" },
	{ "GB_EUNKNOWNKEY", "signer or key not in the charter" },
	{ "GB_EAUTH", "signer's role may not sign this type" },
	{ "GB_EIDREUSE", "id already used by this signer with different bytes" },
	{ "GB_EPASSPHRASE", "wrong passphrase" },
	{ "GB_EKEYFILE", "malformed secret key file" },
	{ "GB_ENOLEDGER", "no ledger at this directory" },
	{ "GB_ECORRUPT", "ledger is corrupt" },
	{ "GB_EMAPFULL", "ledger map is full" },
	{ "GB_EEXIST", "ledger already exists" },
	{ "GB_ERANGE", "index or size out of range" },
	{ "GB_EPROOF", "proof does not verify" },
	{ "GB_ENOTE", "malformed signed note" },
	{ "GB_ENOTESIG", "no known valid signature on the note" },
	{ "GB_EVKEY", "malformed verifier key" },
	{ "GB_EJSON", "malformed JSON" },
	{ "GB_ECHARTER", "invalid charter" },
	{ "GB_ETYPE", "unknown entry type" },
	{ "GB_ECONSORTIUM", "entry belongs to another consortium" },
	{ "GB_ELMDB", "unexpected LMDB failure" },
	{ "GB_EUSAGE", "bad usage" },
	{ "GB_EVALUE", "value out of its allowed set or range" },
	{ "GB_EOVERFLOW", "amount out of range" },
	{ "GB_ETIME", "time outside the allowed window" },
	{ "GB_ENOTFOUND", "referenced object not found" },
	{ "GB_ESTATE", "object not in a state that allows this" },
	{ "GB_EINVARIANT", "ledger invariant would break" },
	{ "GB_ENET", "network or HTTP failure" },
	{ "GB_ESPLITVIEW", "log history contradicts a trusted checkpoint" },
};

_Static_assert(sizeof code_texts / sizeof code_texts[0] == -GB_ERROR_LAST,
	"every error code needs a name and a text");

static const struct code_text *code_text(int code)
{
	if (code > 0 || code <= GB_ERROR_LAST)
		return NULL;
	return &code_texts[-code];
}

int gb_errcode(const char *name)
{
	assert(name != NULL);
	for (int code = -1; code > GB_ERROR_LAST; code--)
		if (strcmp(code_texts[-code].name, name) == 0)
			return code;
	return 0;
}

const char *gb_strerror(int code)
{
	const struct code_text *t = code_text(code);
	return t ? t->text : "unknown error code";
}

const char *gb_errname(int code)
{
	const struct code_text *t = code_text(code);
	return t ? t->name : "GB_EUNKNOWN";
}

int gb_err_set(gb_err *err, int code, const char *fmt, ...)
{
	if (err == NULL)
		return code;
	err->code = code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return code;
}

int gb_err_prefix(gb_err *err, int code_if_null, const char *fmt, ...)
{
	if (err == NULL)
		return code_if_null;
	char prefix[GB_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	/* Join by hand: the message may be cut, and that is fine. */
	const char *rest = err->msg[0] ? err->msg : gb_strerror(err->code);
	char joined[GB_ERR_MSG_MAX];
	size_t plen = strnlen(prefix, sizeof joined - 1);
	size_t rlen = strnlen(rest, sizeof joined - 1 - plen);
	memcpy(joined, prefix, plen);
	memcpy(joined + plen, rest, rlen);
	joined[plen + rlen] = '\0';
	memcpy(err->msg, joined, plen + rlen + 1);
	return err->code;
}

void gb_err_clear(gb_err *err)
{
	if (err == NULL)
		return;
	err->code = GB_OK;
	err->msg[0] = '\0';
}
