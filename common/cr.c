/*
 * cr.c - the shared error record, logging, and small file helpers used by
 * every module.  Hashing uses libsodium's streaming SHA-256 so that a
 * scan of any size is hashed in constant memory.
 */
#define _POSIX_C_SOURCE 200809L
#include "cr.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int log_level = CR_LOG_WARN;

int cr_err_set(struct cr_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

void cr_err_clear(struct cr_err *err)
{
	if (err == NULL)
		return;
	err->code = CR_OK;
	err->msg[0] = '\0';
}

const char *cr_strerror(int code)
{
	switch (code) {
	case CR_OK: return "success";
	case CR_EINVAL: return "invalid input";
	case CR_EIO: return "I/O error";
	case CR_ENOMEM: return "out of memory";
	case CR_EFORMAT: return "unreadable or corrupt file";
	case CR_ELIMIT: return "limit exceeded";
	case CR_ENOTFOUND: return "not found";
	case CR_EDB: return "database error";
	case CR_EBUSY: return "busy";
	case CR_ETIMEOUT: return "timed out";
	case CR_EEXIST: return "already exists";
	case CR_EOCR: return "OCR failed";
	case CR_EPERM: return "permission denied";
	case CR_EUNSUPPORTED: return "unsupported";
	}
	return "unknown error";
}

void cr_log_set_level(int level)
{
	log_level = level;
}

void cr_log(int level, const char *fmt, ...)
{
	static const char *names[] = {"debug", "info", "warn", "error"};
	char line[1024];
	char stamp[32];
	struct tm tm;
	time_t now;
	va_list ap;
	int n;

	if (level < log_level)
		return;
	if (level < CR_LOG_DEBUG || level > CR_LOG_ERROR)
		level = CR_LOG_ERROR;
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(line, sizeof(line), "%s chartroom %s: ", stamp,
		     names[level]);
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(line))
		vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s\n", line);
}

static void hex_encode(const unsigned char *bin, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[bin[i] >> 4];
		out[2 * i + 1] = digits[bin[i] & 15];
	}
	out[2 * len] = '\0';
}

static int errno_code(int e)
{
	if (e == ENOENT)
		return CR_ENOTFOUND;
	if (e == EACCES || e == EPERM)
		return CR_EPERM;
	if (e == ENOMEM)
		return CR_ENOMEM;
	return CR_EIO;
}

int cr_sha256_file(const char *path, char hex_out[65], uint64_t *size_out,
		   struct cr_err *err)
{
	crypto_hash_sha256_state st;
	unsigned char digest[crypto_hash_sha256_BYTES];
	unsigned char buf[65536];
	uint64_t total = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 && errno == ELOOP)
		return cr_err_set(err, CR_EPERM,
				  "%s is a symbolic link; links are not "
				  "followed (copy the scan itself)",
				  path);
	if (fd < 0)
		return cr_err_set(err, errno_code(errno), "cannot open %s: %s",
				  path, strerror(errno));
	crypto_hash_sha256_init(&st);
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			return cr_err_set(err, errno_code(e),
					  "cannot read %s: %s", path,
					  strerror(e));
		}
		if (n == 0)
			break;
		crypto_hash_sha256_update(&st, buf, (unsigned long long)n);
		total += (uint64_t)n;
	}
	close(fd);
	crypto_hash_sha256_final(&st, digest);
	hex_encode(digest, sizeof(digest), hex_out);
	if (size_out != NULL)
		*size_out = total;
	return CR_OK;
}

void cr_sha256_hex(const void *data, size_t len, char hex_out[65])
{
	unsigned char digest[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(digest, data, len);
	hex_encode(digest, sizeof(digest), hex_out);
}

char *cr_strdup(const char *s)
{
	return s == NULL ? NULL : strdup(s);
}

size_t cr_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

int cr_fsync_parent(const char *path, struct cr_err *err)
{
	char *copy = strdup(path);
	int fd, rc = CR_OK;

	if (copy == NULL)
		return cr_err_set(err, CR_ENOMEM, "out of memory");
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0)
		rc = cr_err_set(err, CR_EIO, "cannot sync folder of %s: %s",
				path, strerror(errno));
	if (fd >= 0)
		close(fd);
	free(copy);
	return rc;
}

int cr_mkdirs(const char *dir, struct cr_err *err)
{
	char path[4096];
	size_t i, len;

	if (cr_strlcpy(path, dir, sizeof(path)) >= sizeof(path))
		return cr_err_set(err, CR_EINVAL, "path too long: %s", dir);
	len = strlen(path);
	for (i = 1; i <= len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0750) != 0 && errno != EEXIST)
			return cr_err_set(err, errno_code(errno),
					  "cannot create folder %s: %s", path,
					  strerror(errno));
		if (i < len)
			path[i] = '/';
	}
	return CR_OK;
}

int64_t cr_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t cr_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
