/*
 * store_int.h - what the files of the store module share and nobody else
 * sees: the handle's fields, the SQLite error mapping, the statement and
 * transaction helpers every file uses, and the date check.  Like SQLite's
 * btreeInt.h next to btree.h, only the .c files in store/ include it, so
 * <sqlite3.h> stays inside the module.
 */
#ifndef STORE_INT_H
#define STORE_INT_H

#include <sqlite3.h>

#include "store.h"

struct store {
	sqlite3 *db;
	char *dir;     /* the store folder, as given to store_open() */
	char *db_path; /* "<dir>/chartroom.db", for error messages */
};

/*
 * Fill err for a failed SQLite call on st and return the code: CR_EBUSY
 * for SQLITE_BUSY/SQLITE_LOCKED (retryable), CR_ENOMEM for SQLITE_NOMEM,
 * else CR_EDB.  The message names the operation ("what") and the
 * database file and carries sqlite3_errmsg(), which names tables and
 * columns but never the values bound to them.
 */
int store__db_error(struct store *st, int rc, const char *what,
                    struct cr_err *err);

/* Prepare sql on st's connection; 0 or the mapped error.  The statement
 * is the caller's to sqlite3_finalize(). */
int store__prepare(struct store *st, const char *sql, sqlite3_stmt **out,
                   struct cr_err *err);

/* Run sql (no bindings, no rows wanted) on st's connection; 0 or the
 * mapped error, named by what. */
int store__exec(struct store *st, const char *sql, const char *what,
                struct cr_err *err);

/*
 * Start the writes of one operation.  Outside a batch this is BEGIN
 * IMMEDIATE (take the write lock now, waiting up to the busy timeout);
 * inside store_begin() it is SAVEPOINT sp, so a failed operation undoes
 * only itself.  *own tells store__tx_commit() and store__tx_rollback()
 * which; give them the same sp.  sp is a fixed name of the calling file
 * (STORE_SP, ACCESS_SP), never data: it is pasted into the SQL.
 */
int store__tx_begin(struct store *st, const char *sp, int *own,
                    struct cr_err *err);
int store__tx_commit(struct store *st, const char *sp, int own,
                     struct cr_err *err);

/* Undo the operation.  Errors are ignored: SQLite may already have rolled
 * the transaction back by itself (SQLITE_FULL, I/O errors). */
void store__tx_rollback(struct store *st, const char *sp, int own);

/* Step stmt, which returns no rows: 0 on SQLITE_DONE, else the mapped
 * error named by what.  The statement stays the caller's to finalize. */
int store__step_done(struct store *st, sqlite3_stmt *stmt, const char *what,
                     struct cr_err *err);

/* Bind s (copied) to parameter i, or NULL when s is NULL; the SQLite
 * result code. */
int store__bind_text(sqlite3_stmt *stmt, int i, const char *s);

/* Column i of the current row as text, NULL for SQL NULL; borrowed,
 * valid until the next step, reset or finalize of stmt. */
const char *store__col_text(sqlite3_stmt *stmt, int i);

/* 1 if a row matches sql with ?1 bound to key (text) or, when key is
 * NULL, to id; 0 if none; or a negative error with err filled. */
int store__exists(struct store *st, const char *sql, int64_t id,
                  const char *key, struct cr_err *err);

/* 1 when s is a real calendar date written YYYY-MM-DD (so 2023-02-30 and
 * 1952/03/14 are not), else 0.  Cannot fail. */
int store__valid_date(const char *s);

/* Step stmt (columns mrn, family_name, given_name, middle_name,
 * birth_date, sex, physician) calling cb per row; *nrows counts them.
 * Returns 0, cb's non-zero value, or the mapped error.  The statement
 * stays the caller's to finalize. */
int store__patient_rows(struct store *st, sqlite3_stmt *stmt,
                        store_patient_cb cb, void *ctx, int *nrows,
                        struct cr_err *err);

#endif /* STORE_INT_H */
