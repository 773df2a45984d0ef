/*
 * access_int.h - what access.c and audit.c share and nobody else sees:
 * the audit append that joins a transaction already open, the savepoint
 * name of their operations, and two small checks.  Like store_int.h,
 * only the .c files in store/ include it.
 */
#ifndef ACCESS_INT_H
#define ACCESS_INT_H

#include "access.h"
#include "store_int.h"

/* The savepoint access.c's and audit.c's operations use inside a batch
 * opened with store_begin() (store__tx_begin()). */
#define ACCESS_SP "access_op"

/* Start libsodium (safe to call again): 0, or CR_EIO with err filled. */
int access__sodium_ready(struct cr_err *err);

/* 1 when s is NULL or holds only printable characters (no control bytes,
 * so a name or reason cannot forge a line in a log or a terminal), else
 * 0.  Cannot fail. */
int access__printable(const char *s);

/*
 * Append e to the audit chain inside the transaction the caller opened
 * (with the write lock taken, so the chain stays linear); the entry
 * commits or rolls back with the caller's change.  e's strings are
 * borrowed for the call; e->at_ms 0 means now.  *id_out (optional) gets
 * the entry's id.  0 or a negative error with err filled.  In audit.c.
 */
int access__audit_append_tx(struct store *st, const struct access_audit *e,
                            int64_t *id_out, struct cr_err *err);

#endif /* ACCESS_INT_H */
