/*
 * jobs.c - the watcher's journal (jobs) and heartbeats (watchers).
 * Every function is one statement, so each commits on its own or joins
 * the transaction the caller opened with store_begin().
 */
#include "jobs.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* Step a statement that returns no rows; finalize it either way. */
static int run(struct store *st, sqlite3_stmt *stmt, const char *what,
	       struct cr_err *err)
{
	int rc = store__step_done(st, stmt, what, err);

	sqlite3_finalize(stmt);
	return rc;
}

/* The statement changed exactly one row, or the job id was wrong. */
static int one_row(struct store *st, int64_t id, struct cr_err *err)
{
	if (sqlite3_changes(st->db) != 1)
		return cr_err_set(err, CR_ENOTFOUND, "no claimed job %lld",
				  (long long)id);
	return CR_OK;
}

int store_job_claim(struct store *st, struct store_job *job,
		    struct cr_err *err)
{
	static const char sql[] =
	    "INSERT INTO jobs(instance, inbox_path, spool_path, source,"
	    " doc_type_hint, size_bytes, claimed_ms)"
	    " VALUES (?1,?2,?3,?4,?5,?6,?7)";
	sqlite3_stmt *stmt;
	int rc;

	if (job->instance == NULL || job->inbox_path == NULL ||
	    job->spool_path == NULL)
		return cr_err_set(err, CR_EINVAL, "a job needs an instance, "
						  "an inbox path and a spool "
						  "path");
	if ((rc = store__prepare(st, sql, &stmt, err)) != CR_OK)
		return rc;
	store__bind_text(stmt, 1, job->instance);
	store__bind_text(stmt, 2, job->inbox_path);
	store__bind_text(stmt, 3, job->spool_path);
	store__bind_text(stmt, 4, job->source);
	store__bind_text(stmt, 5, job->doc_type_hint);
	sqlite3_bind_int64(stmt, 6, (sqlite3_int64)job->size_bytes);
	sqlite3_bind_int64(stmt, 7, job->claimed_ms ? job->claimed_ms
						    : cr_wall_ms());
	if ((rc = run(st, stmt, "cannot record a claimed file", err)))
		return rc;
	job->id = sqlite3_last_insert_rowid(st->db);
	return CR_OK;
}

int store_job_forget(struct store *st, int64_t id, struct cr_err *err)
{
	static const char sql[] =
	    "DELETE FROM jobs WHERE id = ?1 AND state = 'claimed'"
	    " AND document_id IS NULL";
	sqlite3_stmt *stmt;
	int rc;

	if ((rc = store__prepare(st, sql, &stmt, err)) != CR_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, id);
	return run(st, stmt, "cannot drop a claim", err);
}

#define JOB_COLUMNS                                                        \
	"id, instance, inbox_path, spool_path, source, doc_type_hint,"     \
	" size_bytes, state, outcome, document_id, attempts, next_try_ms," \
	" failed_path, reason, pages, claimed_ms, finished_ms"

static void job_from_row(sqlite3_stmt *s, struct store_job *j)
{
	memset(j, 0, sizeof(*j));
	j->id = sqlite3_column_int64(s, 0);
	j->instance = (const char *)sqlite3_column_text(s, 1);
	j->inbox_path = (const char *)sqlite3_column_text(s, 2);
	j->spool_path = (const char *)sqlite3_column_text(s, 3);
	j->source = (const char *)sqlite3_column_text(s, 4);
	j->doc_type_hint = (const char *)sqlite3_column_text(s, 5);
	j->size_bytes = (uint64_t)sqlite3_column_int64(s, 6);
	j->state = (const char *)sqlite3_column_text(s, 7);
	j->outcome = (const char *)sqlite3_column_text(s, 8);
	j->document_id = sqlite3_column_int64(s, 9);
	j->attempts = sqlite3_column_int(s, 10);
	j->next_try_ms = sqlite3_column_int64(s, 11);
	j->failed_path = (const char *)sqlite3_column_text(s, 12);
	j->reason = (const char *)sqlite3_column_text(s, 13);
	j->pages = sqlite3_column_int(s, 14);
	j->claimed_ms = sqlite3_column_int64(s, 15);
	j->finished_ms = sqlite3_column_int64(s, 16);
}

static int job_rows(struct store *st, sqlite3_stmt *stmt, store_job_cb cb,
		    void *ctx, int *found, struct cr_err *err)
{
	struct store_job j;
	int rc;

	*found = 0;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		int stop;
		job_from_row(stmt, &j);
		(*found)++;
		if ((stop = cb(ctx, &j)) != 0) {
			sqlite3_finalize(stmt);
			return stop;
		}
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return store__db_error(st, rc, "cannot read the job journal",
				       err);
	return CR_OK;
}

int store_job_each_open(struct store *st, const char *instance,
			store_job_cb cb, void *ctx, struct cr_err *err)
{
	static const char sql[] = "SELECT " JOB_COLUMNS " FROM jobs"
				  " WHERE state = 'claimed' AND instance = ?1"
				  " ORDER BY id";
	sqlite3_stmt *stmt;
	int rc, found;

	if ((rc = store__prepare(st, sql, &stmt, err)) != CR_OK)
		return rc;
	store__bind_text(stmt, 1, instance);
	return job_rows(st, stmt, cb, ctx, &found, err);
}

int store_job_by_spool(struct store *st, const char *spool_path,
		       store_job_cb cb, void *ctx, struct cr_err *err)
{
	static const char sql[] =
	    "SELECT " JOB_COLUMNS " FROM jobs WHERE spool_path = ?1";
	sqlite3_stmt *stmt;
	int rc, found;

	if ((rc = store__prepare(st, sql, &stmt, err)) != CR_OK)
		return rc;
	store__bind_text(stmt, 1, spool_path);
	rc = job_rows(st, stmt, cb, ctx, &found, err);
	return rc != CR_OK ? rc : found > 0;
}

/* The values an UPDATE of one claimed job may use: ?1 the id, ?2 and
 * ?3 text, ?4 and ?5 integers, ?6 the time now.  A statement names the
 * ones it needs; the unused numbers are gaps SQLite allows binding. */
struct job_set {
	const char *t2, *t3;
	int64_t n4, n5;
};

static int job_update(struct store *st, int64_t id, const char *sql,
		      const struct job_set *v, const char *what,
		      struct cr_err *err)
{
	sqlite3_stmt *stmt;
	int rc, np;

	if ((rc = store__prepare(st, sql, &stmt, err)) != CR_OK)
		return rc;
	np = sqlite3_bind_parameter_count(stmt);
	sqlite3_bind_int64(stmt, 1, id);
	if (np >= 2)
		store__bind_text(stmt, 2, v->t2);
	if (np >= 3)
		store__bind_text(stmt, 3, v->t3);
	if (np >= 4)
		sqlite3_bind_int64(stmt, 4, v->n4);
	if (np >= 5)
		sqlite3_bind_int64(stmt, 5, v->n5);
	if (np >= 6)
		sqlite3_bind_int64(stmt, 6, cr_wall_ms());
	if ((rc = run(st, stmt, what, err)) != CR_OK)
		return rc;
	return one_row(st, id, err);
}

int store_job_done(struct store *st, int64_t id, const char *outcome,
		   int64_t document_id, int pages, const char *reason,
		   struct cr_err *err)
{
	struct job_set v = {outcome, reason, document_id, pages};

	return job_update(st, id,
			  "UPDATE jobs SET state = 'done', outcome = ?2,"
			  " reason = ?3, document_id = nullif(?4, 0),"
			  " pages = ?5, finished_ms = ?6"
			  " WHERE id = ?1 AND state = 'claimed'",
			  &v, "cannot finish a job", err);
}

int store_job_failing(struct store *st, int64_t id, const char *failed_path,
		      const char *reason, struct cr_err *err)
{
	struct job_set v = {failed_path, reason, 0, 0};

	return job_update(st, id,
			  "UPDATE jobs SET failed_path = ?2, reason = ?3"
			  " WHERE id = ?1 AND state = 'claimed'",
			  &v, "cannot record a refused file", err);
}

int store_job_failed(struct store *st, int64_t id, const char *failed_path,
		     const char *reason, struct cr_err *err)
{
	struct job_set v = {failed_path, reason, 0, 0};

	return job_update(st, id,
			  "UPDATE jobs SET state = 'failed',"
			  " outcome = 'rejected', failed_path = ?2,"
			  " reason = ?3, finished_ms = ?6"
			  " WHERE id = ?1 AND state = 'claimed'",
			  &v, "cannot record a refused file", err);
}

int store_job_retry(struct store *st, int64_t id, int attempts,
		    int64_t next_try_ms, const char *reason,
		    struct cr_err *err)
{
	struct job_set v = {NULL, reason, attempts, next_try_ms};

	return job_update(st, id,
			  "UPDATE jobs SET reason = ?3, attempts = ?4,"
			  " next_try_ms = ?5"
			  " WHERE id = ?1 AND state = 'claimed'",
			  &v, "cannot record a retry", err);
}

/* ---- Status ------------------------------------------------------------ */

int store_watcher_beat(struct store *st, const struct store_watcher *w,
		       struct cr_err *err)
{
	static const char sql[] =
	    "INSERT INTO watchers(instance, host, pid, started_ms,"
	    " heartbeat_ms, state, waiting, in_progress)"
	    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8)"
	    " ON CONFLICT(instance) DO UPDATE SET host = ?2, pid = ?3,"
	    " started_ms = ?4, heartbeat_ms = ?5, state = ?6, waiting = ?7,"
	    " in_progress = ?8";
	sqlite3_stmt *stmt;
	int rc;

	if ((rc = store__prepare(st, sql, &stmt, err)) != CR_OK)
		return rc;
	store__bind_text(stmt, 1, w->instance);
	store__bind_text(stmt, 2, w->host);
	sqlite3_bind_int(stmt, 3, w->pid);
	sqlite3_bind_int64(stmt, 4, w->started_ms);
	sqlite3_bind_int64(stmt, 5, w->heartbeat_ms);
	store__bind_text(stmt, 6, w->state);
	sqlite3_bind_int(stmt, 7, w->waiting);
	sqlite3_bind_int(stmt, 8, w->in_progress);
	return run(st, stmt, "cannot record the watcher's heartbeat", err);
}

static int64_t count(struct store *st, const char *sql, int64_t arg,
		     struct cr_err *err)
{
	sqlite3_stmt *stmt;
	int64_t n = -1;
	int rc;

	if (store__prepare(st, sql, &stmt, err) != CR_OK)
		return -1;
	if (sqlite3_bind_parameter_count(stmt) > 0)
		sqlite3_bind_int64(stmt, 1, arg);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		n = sqlite3_column_int64(stmt, 0);
	else
		store__db_error(st, rc, "cannot count jobs", err);
	sqlite3_finalize(stmt);
	return n;
}

static char *dup_col(sqlite3_stmt *s, int i)
{
	const char *t = (const char *)sqlite3_column_text(s, i);

	return t ? strdup(t) : NULL;
}

int store_status_get(struct store *st, int64_t now_ms, int64_t window_ms,
		     struct store_status *out, struct cr_err *err)
{
	static const struct {
		const char *sql;
		size_t off;
	} counts[] = {
	    {"SELECT count(*) FROM jobs WHERE state = 'claimed'",
	     offsetof(struct store_status, claimed)},
	    {"SELECT count(*) FROM jobs WHERE state = 'claimed'"
	     " AND attempts > 0",
	     offsetof(struct store_status, retrying)},
	    {"SELECT count(*) FROM jobs WHERE outcome = 'filed'",
	     offsetof(struct store_status, filed)},
	    {"SELECT count(*) FROM jobs WHERE outcome = 'review'",
	     offsetof(struct store_status, review)},
	    {"SELECT count(*) FROM jobs WHERE outcome = 'duplicate'",
	     offsetof(struct store_status, duplicate)},
	    {"SELECT count(*) FROM jobs WHERE state = 'failed'",
	     offsetof(struct store_status, failed)},
	    {"SELECT count(*) FROM jobs WHERE finished_ms >= ?1",
	     offsetof(struct store_status, docs_window)},
	    {"SELECT coalesce(sum(pages), 0) FROM jobs"
	     " WHERE finished_ms >= ?1",
	     offsetof(struct store_status, pages_window)},
	};
	static const char wsql[] =
	    "SELECT instance, host, state, pid, started_ms, heartbeat_ms,"
	    " waiting, in_progress FROM watchers ORDER BY instance";
	sqlite3_stmt *stmt;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	out->window_ms = window_ms;
	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		int64_t n = count(st, counts[i].sql, now_ms - window_ms, err);
		if (n < 0)
			return err ? err->code : CR_EDB;
		*(int64_t *)((char *)out + counts[i].off) = n;
	}
	if ((rc = store__prepare(st, wsql, &stmt, err)) != CR_OK)
		return rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW &&
	       out->nwatchers < sizeof(out->watchers) / sizeof(out->watchers[0])) {
		struct store_watcher *w = &out->watchers[out->nwatchers++];
		w->instance = dup_col(stmt, 0);
		w->host = dup_col(stmt, 1);
		w->state = dup_col(stmt, 2);
		w->pid = sqlite3_column_int(stmt, 3);
		w->started_ms = sqlite3_column_int64(stmt, 4);
		w->heartbeat_ms = sqlite3_column_int64(stmt, 5);
		w->waiting = sqlite3_column_int(stmt, 6);
		w->in_progress = sqlite3_column_int(stmt, 7);
		if (w->state != NULL && strcmp(w->state, "stopped") != 0)
			out->waiting += w->waiting;
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		store_status_free(out);
		return store__db_error(st, rc, "cannot read the watchers", err);
	}
	return CR_OK;
}

void store_status_free(struct store_status *s)
{
	size_t i;

	for (i = 0; i < s->nwatchers; i++) {
		free((char *)s->watchers[i].instance);
		free((char *)s->watchers[i].host);
		free((char *)s->watchers[i].state);
	}
	s->nwatchers = 0;
}
