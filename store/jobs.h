/*
 * jobs.h - the watcher's journal in the store.  A job is one file taken
 * from an inbox: recorded here as "claimed" (with the spool name it is
 * about to get), then renamed into the watcher instance's spool folder
 * (the claim; a rename that fails drops the row), then ends "done"
 * (filed, review or duplicate: a document holds it) or "failed" (moved
 * to the failed folder with a reason).  A document and the end of the job that
 * produced it commit in one transaction (store_begin() ... store_commit()
 * around store_document_insert() and store_job_done()), so after a crash
 * a job is either still claimed, and is resumed, or finished, and its
 * spool file may go.
 *
 * Instances are named (default: the host name); each has its own spool
 * and resumes only its own claimed jobs.  Times are milliseconds since
 * the epoch (cr_wall_ms()).
 */
#ifndef STORE_JOBS_H
#define STORE_JOBS_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* One row of the journal; strings owned by the struct while it is
 * handed out (see each function). */
struct store_job {
	int64_t id;
	const char *instance;
	const char *inbox_path;  /* where the file was dropped */
	const char *spool_path;  /* where it is while claimed */
	const char *source;      /* station hint from the folder, or NULL */
	const char *doc_type_hint;
	uint64_t size_bytes;
	const char *state;       /* claimed, done, failed */
	const char *outcome;     /* filed, review, duplicate, rejected; NULL */
	int64_t document_id;     /* 0 when none */
	int attempts;
	int64_t next_try_ms;
	const char *failed_path;
	const char *reason;
	int pages;
	int64_t claimed_ms, finished_ms;
};

/* Record a claim; job->id receives the new id.  Needs instance,
 * inbox_path, spool_path; source, doc_type_hint optional. */
int store_job_claim(struct store *st, struct store_job *job,
		    struct cr_err *err);

/* Drop a claim that never happened: the row is written before the
 * rename that claims the file, so a rename that lost the race (another
 * watcher took the file) or never ran (crash) leaves a row to forget. */
int store_job_forget(struct store *st, int64_t id, struct cr_err *err);

/* Call cb for each claimed (unfinished) job of instance, oldest first.
 * Strings are borrowed for the call.  cb returns 0 to go on. */
typedef int (*store_job_cb)(void *ctx, const struct store_job *job);
int store_job_each_open(struct store *st, const char *instance,
			store_job_cb cb, void *ctx, struct cr_err *err);

/* The job whose spool file is spool_path: 1 and cb called, 0 if none. */
int store_job_by_spool(struct store *st, const char *spool_path,
		       store_job_cb cb, void *ctx, struct cr_err *err);

/* End a job as done with outcome (filed, review, duplicate) and the
 * document that holds it.  Call inside the document's transaction. */
int store_job_done(struct store *st, int64_t id, const char *outcome,
		   int64_t document_id, int pages, const char *reason,
		   struct cr_err *err);

/* Note where a refused file is about to be moved, before moving it, so a
 * crash in between can be finished on restart. */
int store_job_failing(struct store *st, int64_t id, const char *failed_path,
		      const char *reason, struct cr_err *err);

/* End a job as failed (outcome "rejected"): the file is in failed_path
 * beside its reason. */
int store_job_failed(struct store *st, int64_t id, const char *failed_path,
		     const char *reason, struct cr_err *err);

/* A transient failure: count the attempt and set the next try. */
int store_job_retry(struct store *st, int64_t id, int attempts,
		    int64_t next_try_ms, const char *reason,
		    struct cr_err *err);

/* ---- Status ------------------------------------------------------------ */

/* A running (or dead) watcher's last heartbeat. */
struct store_watcher {
	const char *instance, *host, *state;
	int pid;
	int64_t started_ms, heartbeat_ms;
	int waiting, in_progress;
};

/* Write instance's heartbeat: state is "running", "draining" or
 * "stopped"; waiting = files seen in its inboxes not yet claimed. */
int store_watcher_beat(struct store *st, const struct store_watcher *w,
		       struct cr_err *err);

struct store_status {
	int64_t claimed;            /* in progress or waiting for a retry */
	int64_t retrying;           /* of those, after a transient failure */
	int64_t filed, review, duplicate, failed; /* finished jobs */
	int64_t docs_window, pages_window; /* finished in the last window */
	int64_t window_ms;
	int64_t waiting;            /* sum over live watchers */
	size_t nwatchers;
	struct store_watcher watchers[16]; /* strings owned: free with
					      store_status_free() */
};

/* Counts for `chartroom status`; rates over the last window_ms. */
int store_status_get(struct store *st, int64_t now_ms, int64_t window_ms,
		     struct store_status *out, struct cr_err *err);
void store_status_free(struct store_status *s);

#endif /* STORE_JOBS_H */
