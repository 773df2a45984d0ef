/*
 * sql.c - the SQL helpers every file of the store module shares
 * (declared in store_int.h): error mapping, prepare, exec, transactions
 * that nest as savepoints, binding and stepping, a lookup, and the date
 * check.
 */
#include "store_int.h"

#include <stdio.h>
#include <string.h>

int store__db_error(struct store *st, int rc, const char *what,
                    struct cr_err *err)
{
	int prim = rc & 0xff;
	int code = CR_EDB;

	if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
		code = CR_EBUSY;
	else if (prim == SQLITE_NOMEM)
		code = CR_ENOMEM;
	return cr_err_set(err, code, "%s in %s: %s", what, st->db_path,
	                  sqlite3_errmsg(st->db));
}

int store__prepare(struct store *st, const char *sql, sqlite3_stmt **out,
                   struct cr_err *err)
{
	int rc = sqlite3_prepare_v2(st->db, sql, -1, out, NULL);

	if (rc != SQLITE_OK) {
		*out = NULL;
		return store__db_error(st, rc, "cannot prepare a statement",
		                       err);
	}
	return CR_OK;
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int store__valid_date(const char *s)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30,
	                            31, 31, 30, 31, 30, 31};
	int i, y, m, d, max;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1 || m < 1 || m > 12 || d < 1)
		return 0;
	max = mdays[m - 1] + (m == 2 && is_leap(y));
	return d <= max;
}

int store__exec(struct store *st, const char *sql, const char *what,
                struct cr_err *err)
{
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return store__db_error(st, rc, what, err);
	return CR_OK;
}

int store__tx_begin(struct store *st, const char *sp, int *own,
                    struct cr_err *err)
{
	char sql[64];

	*own = sqlite3_get_autocommit(st->db);
	if (*own)
		return store__exec(st, "BEGIN IMMEDIATE",
		                   "cannot start a transaction", err);
	snprintf(sql, sizeof(sql), "SAVEPOINT %s", sp);
	return store__exec(st, sql, "cannot start a transaction", err);
}

int store__tx_commit(struct store *st, const char *sp, int own,
                     struct cr_err *err)
{
	char sql[64];

	if (own)
		return store__exec(st, "COMMIT", "cannot commit", err);
	snprintf(sql, sizeof(sql), "RELEASE %s", sp);
	return store__exec(st, sql, "cannot commit", err);
}

void store__tx_rollback(struct store *st, const char *sp, int own)
{
	char sql[128];

	if (own) {
		if (!sqlite3_get_autocommit(st->db))
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	} else {
		snprintf(sql, sizeof(sql), "ROLLBACK TO %s; RELEASE %s", sp,
		         sp);
		sqlite3_exec(st->db, sql, NULL, NULL, NULL);
	}
}

int store__step_done(struct store *st, sqlite3_stmt *stmt, const char *what,
                     struct cr_err *err)
{
	int rc = sqlite3_step(stmt);

	if (rc != SQLITE_DONE)
		return store__db_error(st, rc, what, err);
	return CR_OK;
}

int store__bind_text(sqlite3_stmt *stmt, int i, const char *s)
{
	if (s == NULL)
		return sqlite3_bind_null(stmt, i);
	return sqlite3_bind_text(stmt, i, s, -1, SQLITE_TRANSIENT);
}

const char *store__col_text(sqlite3_stmt *stmt, int i)
{
	return (const char *)sqlite3_column_text(stmt, i);
}

int store__exists(struct store *st, const char *sql, int64_t id,
                  const char *key, struct cr_err *err)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = store__prepare(st, sql, &stmt, err)) != CR_OK)
		return rc;
	if (key != NULL)
		store__bind_text(stmt, 1, key);
	else
		sqlite3_bind_int64(stmt, 1, id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		rc = 1;
	else if (rc == SQLITE_DONE)
		rc = 0;
	else
		rc = store__db_error(st, rc, "cannot look a record up", err);
	sqlite3_finalize(stmt);
	return rc;
}
