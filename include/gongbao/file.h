/*
 * gongbao/file.h: small files written durably: key files, a mirror's
 * trusted checkpoint, a witness's per-log state. A file is either wholly
 * the old one or wholly the new one after a crash, never a mix.
 */
#ifndef GONGBAO_FILE_H
#define GONGBAO_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "gongbao/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Creates `path`, which must not exist (GB_EEXIST), with `mode`, holding
 * len bytes of data, then fsyncs it and its directory. On failure the file
 * is removed. GB_EIO names the step and the path.
 */
int gb_file_create(const char *path, const void *data, size_t len, unsigned mode, gb_err *err);

/*
 * Replaces `path` (or creates it) atomically and durably: writes
 * "PATH.tmp", fsyncs it, renames it over path and fsyncs the directory.
 */
int gb_file_replace(const char *path, const void *data, size_t len, unsigned mode, gb_err *err);

/*
 * Reads the whole of `path`, at most max bytes (GB_ETOOBIG over), into a
 * new NUL-terminated buffer (*out; *len excludes the NUL). GB_ENOTFOUND if
 * it does not exist, GB_EIO for other failures, each naming the path.
 */
int gb_file_read(const char *path, size_t max, uint8_t **out, size_t *len, gb_err *err);

#ifdef __cplusplus
}
#endif
#endif
