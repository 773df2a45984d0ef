/*
 * store_int.h - what the files of the store module share and nobody else
 * sees: the handle's fields, the SQLite error mapping, and the date
 * check.  Like SQLite's btreeInt.h next to btree.h, only the .c files in
 * store/ include it, so <sqlite3.h> stays inside the module.
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

/* 1 if a row matches sql with ?1 bound to key (text) or, when key is
 * NULL, to id; 0 if none; or a negative error with err filled. */
int store__exists(struct store *st, const char *sql, int64_t id,
                  const char *key, struct cr_err *err);

/* 1 when s is a real calendar date written YYYY-MM-DD (so 2023-02-30 and
 * 1952/03/14 are not), else 0.  Cannot fail. */
int store__valid_date(const char *s);

#endif /* STORE_INT_H */
