/*
 * watch.h - the watcher service: inbox folders in, filed documents out,
 * never losing or duplicating a scan.
 *
 * A file is taken when its size and mtime have been stable for the settle
 * window and its structure parses (a half-copied TIFF does not).  It is
 * claimed by rename() into this instance's spool folder inside the inbox
 * (same filesystem, so the rename is atomic and two watchers on one share
 * cannot both take it), after a journal row saying so has committed.  The
 * document and the end of its job commit together; only then is the
 * spool copy removed.  Refused files go to the failed folder with a
 * <name>.reason.txt beside them.  On start, the instance's unfinished jobs
 * are resumed.  See docs/watch.md.
 */
#ifndef INTAKE_WATCH_H
#define INTAKE_WATCH_H

#include <stddef.h>

#include "intake.h"

enum watch_poll { WATCH_POLL_AUTO, WATCH_POLL_ALWAYS, WATCH_POLL_NEVER };

struct watch_config {
	char *config_path;     /* the INI file, re-read on SIGHUP; or NULL */
	char *store;           /* store folder; NULL = the caller's default */
	char **inboxes;
	size_t ninboxes;
	char *instance;        /* NULL = the host name */
	char *failed_dir;      /* NULL = "failed" beside each inbox */
	char **ignore;         /* extra fnmatch() patterns on file names */
	size_t nignore;
	int workers;           /* 0 = one per core */
	int settle_ms;         /* size+mtime stable this long (2000) */
	int incomplete_ms;     /* a file that does not parse is waited for
				  this long after its last change (60000) */
	int poll_ms;           /* scan period when polling (2000) */
	int rescan_ms;         /* full rescan even with inotify (60000) */
	enum watch_poll poll;
	int retry_max;         /* attempts after a transient failure (5) */
	int retry_base_ms;     /* first backoff, doubled each time (2000) */
	int retry_cap_ms;      /* longest backoff (300000) */
	int page_timeout_ms;   /* 0 = OCR default */
	double autolink_score; /* matcher thresholds (0 = matcher default) */
	double min_margin;
	int exit_when_idle;    /* stop once the inboxes are empty (tests) */
	int settle_fixed;      /* settle_ms came from the command line: a
				  SIGHUP re-read keeps it */
	int progress;          /* a progress line on stderr */
};

/* Defaults above; inboxes empty.  Cannot fail. */
void watch_config_default(struct watch_config *c);

/* Read an INI file into c (see docs/watch.md); later keys override, and
 * "inbox" and "ignore" may repeat.  CR_ENOTFOUND/CR_EINVAL with the file,
 * line and key named. */
int watch_config_load(struct watch_config *c, const char *path,
		      struct cr_err *err);

/* Add a copy of s to a string list.  0 or CR_ENOMEM. */
int watch_config_add(char ***list, size_t *n, const char *s);

void watch_config_free(struct watch_config *c);

/*
 * Run until SIGTERM or SIGINT (drain: finish what is in flight, claim
 * nothing new) or, with exit_when_idle, until there is nothing left to
 * do.  SIGHUP re-reads config_path (timings, patterns, thresholds; not
 * the inboxes or the store).  Returns 0, or an error that stopped the
 * service (store unusable, an inbox missing, another watcher running
 * under the same instance name).
 */
int watch_run(struct store *st, const struct watch_config *c,
	      struct cr_err *err);

#endif /* INTAKE_WATCH_H */
