/*
 * file.c: small files written durably (gongbao/file.h).
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gongbao/file.h"

/* Writes all of buf to fd. Returns 0 or an errno value. */
static int write_all(int fd, const uint8_t *buf, size_t len)
{
	size_t done = 0;
	assert(fd >= 0 && (buf != NULL || len == 0));
	while (done < len) { /* each pass writes at least one byte or returns */
		ssize_t w = write(fd, buf + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? errno : EIO;
		done += (size_t)w;
	}
	return 0;
}

/* fsyncs the directory that holds path. Returns 0 or an errno value. */
static int fsync_parent(const char *path)
{
	char copy[PATH_MAX];
	size_t len = strnlen(path, sizeof copy);
	assert(len < sizeof copy);
	memcpy(copy, path, len + 1);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	int e = fsync(fd) != 0 ? errno : 0;
	close(fd);
	return e;
}

/* Writes and fsyncs an open file, then closes it; names the failing step. */
static int write_sync_close(int fd, const void *data, size_t len, const char **step)
{
	int e = write_all(fd, data, len);
	*step = "write";
	if (e == 0 && fsync(fd) != 0)
		e = errno, *step = "fsync";
	if (close(fd) != 0 && e == 0)
		e = errno, *step = "close";
	return e;
}

int gb_file_create(const char *path, const void *data, size_t len, unsigned mode, gb_err *err)
{
	const char *step;
	assert(path != NULL && (data != NULL || len == 0));
	if (strnlen(path, PATH_MAX) >= PATH_MAX)
		return gb_err_set(err, GB_EINVAL, "path '%.64s...' is over %d bytes", path, PATH_MAX - 1);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, (mode_t)mode);
	if (fd < 0 && errno == EEXIST)
		return gb_err_set(err, GB_EEXIST, "'%s' already exists", path);
	if (fd < 0)
		return gb_err_set(err, GB_EIO, "cannot create '%s': %s", path, strerror(errno));
	int e = write_sync_close(fd, data, len, &step);
	if (e == 0 && (e = fsync_parent(path)) != 0)
		step = "fsync the directory of";
	if (e != 0) {
		unlink(path);
		return gb_err_set(err, GB_EIO, "cannot %s '%s': %s", step, path, strerror(e));
	}
	return 0;
}

int gb_file_replace(const char *path, const void *data, size_t len, unsigned mode, gb_err *err)
{
	char tmp[PATH_MAX];
	const char *step;
	assert(path != NULL && (data != NULL || len == 0));
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
		return gb_err_set(err, GB_EINVAL, "path '%.64s...' is over %d bytes", path, PATH_MAX - 5);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, (mode_t)mode);
	if (fd < 0)
		return gb_err_set(err, GB_EIO, "cannot create '%s': %s", tmp, strerror(errno));
	int e = write_sync_close(fd, data, len, &step);
	if (e == 0 && rename(tmp, path) != 0)
		e = errno, step = "rename into place";
	if (e == 0 && (e = fsync_parent(path)) != 0)
		step = "fsync the directory of";
	if (e != 0) {
		unlink(tmp);
		return gb_err_set(err, GB_EIO, "cannot %s '%s': %s", step, path, strerror(e));
	}
	return 0;
}

int gb_file_read(const char *path, size_t max, uint8_t **out, size_t *len, gb_err *err)
{
	assert(path != NULL && out != NULL && len != NULL && max < SIZE_MAX);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return gb_err_set(err, errno == ENOENT ? GB_ENOTFOUND : GB_EIO, "cannot open '%s': %s", path,
			strerror(errno));
	uint8_t *buf = malloc(max + 1);
	size_t n = 0;
	int e = buf ? 0 : ENOMEM;
	while (e == 0 && n <= max) { /* each pass reads at least one byte or stops */
		ssize_t r = read(fd, buf + n, max + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			e = errno;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	int rc = e ? gb_err_set(err, e == ENOMEM ? GB_ENOMEM : GB_EIO, "cannot read '%s': %s", path, strerror(e))
		: n > max ? gb_err_set(err, GB_ETOOBIG, "'%s' is over %zu bytes", path, max) : 0;
	if (rc != 0) {
		free(buf);
		return rc;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}
