/*
 * cr.h - what every Chartroom module shares: the error codes, the error
 * record that carries a human sentence back to the caller, logging to
 * stderr, and a few helpers (SHA-256 of a file, bounded string copies)
 * that would otherwise be written once per module.
 *
 * Shaped after libuv (negative codes from one enum) and SQLite (an OUT
 * error string the caller owns).  Nothing here knows about patients,
 * images or SQL, so every module may include it.
 */
#ifndef CR_H
#define CR_H

#include <stddef.h>
#include <stdint.h>

/* Result codes.  Fallible functions return 0 or one of these. */
enum cr_code {
	CR_OK = 0,
	CR_EINVAL = -1,    /* bad argument or malformed input data */
	CR_EIO = -2,       /* read/write/fsync/rename failed */
	CR_ENOMEM = -3,    /* allocation failed */
	CR_EFORMAT = -4,   /* not an image we read, or corrupt/truncated */
	CR_ELIMIT = -5,    /* exceeds a configured cap (pixels, pages, bytes) */
	CR_ENOTFOUND = -6, /* no such record / file */
	CR_EDB = -7,       /* database error */
	CR_EBUSY = -8,     /* database locked or resource busy: retryable */
	CR_ETIMEOUT = -9,  /* deadline passed */
	CR_EEXIST = -10,   /* already exists */
	CR_EOCR = -11,     /* OCR engine failed */
	CR_EPERM = -12,    /* permission denied */
	CR_EUNSUPPORTED = -13 /* a format or feature we do not handle */
};

/*
 * Error record.  Caller-owned, usually on the stack.  Functions that take a
 * "struct cr_err *err" accept NULL when the caller does not want the text.
 * The message is one sentence naming the file or record involved; it never
 * contains patient data.
 */
struct cr_err {
	int code;
	char msg[512];
};

/* Fill err (may be NULL) with code and a printf-style message.  Returns
 * code, so callers can write "return cr_err_set(err, CR_EIO, ...)". */
int cr_err_set(struct cr_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reset err to CR_OK with an empty message.  NULL-safe. */
void cr_err_clear(struct cr_err *err);

/* Short static name of a code ("I/O error", ...).  Cannot fail. */
const char *cr_strerror(int code);

/* Logging to stderr, one line per call, prefixed with time and level.
 * Thread-safe (one fprintf per line).  Never pass patient data. */
enum cr_log_level { CR_LOG_DEBUG, CR_LOG_INFO, CR_LOG_WARN, CR_LOG_ERROR };
void cr_log(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Messages below level are dropped.  Default CR_LOG_WARN. */
void cr_log_set_level(int level);

/* SHA-256 of a file's bytes as 64 lowercase hex digits plus NUL in
 * hex_out.  Reads in fixed-size chunks (memory does not grow with the
 * file).  If size_out is not NULL it receives the byte count.  Returns 0,
 * CR_EIO/CR_ENOTFOUND/CR_EPERM with err filled. */
int cr_sha256_file(const char *path, char hex_out[65], uint64_t *size_out,
		   struct cr_err *err);

/* SHA-256 of a buffer as hex (64 digits + NUL).  Cannot fail. */
void cr_sha256_hex(const void *data, size_t len, char hex_out[65]);

/* strdup that returns NULL for NULL.  Returns NULL on allocation failure. */
char *cr_strdup(const char *s);

/* Copy at most size-1 bytes and always NUL-terminate (OpenBSD strlcpy).
 * Returns strlen(src). */
size_t cr_strlcpy(char *dst, const char *src, size_t size);

/* fsync the directory that holds path (the parent of path).  Used after
 * rename() so the new name survives a crash.  Returns 0 or CR_EIO. */
int cr_fsync_parent(const char *path, struct cr_err *err);

/* Create dir and missing parents with mode 0750.  Existing is fine. */
int cr_mkdirs(const char *dir, struct cr_err *err);

/* Monotonic clock in milliseconds, for intervals.  Cannot fail. */
int64_t cr_now_ms(void);

/* Wall-clock time in milliseconds since the epoch, for times written to
 * the store and compared across processes and restarts. */
int64_t cr_wall_ms(void);

#endif /* CR_H */
