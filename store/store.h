/*
 * store.h - the Chartroom store: one folder holding an SQLite database
 * (WAL mode, versioned schema) and a content-addressed folder of original
 * scans.  Patients (the roster), documents, their pages and extracted
 * fields, the review candidates, the link history, and an FTS5 index of
 * page text all live here.
 *
 * This is the only module that includes <sqlite3.h>.  It knows nothing
 * about images.  Originals are immutable: store_original_put() writes a
 * copy named by its SHA-256 and fsyncs it (and its folder) before it
 * returns, so a document row that points at it can only commit after the
 * bytes are safe.
 *
 * Threads: a struct store is one SQLite connection; use it from one thread
 * at a time.  Several processes may open the same store (WAL + busy
 * timeout).
 *
 * Strings in the structs below are borrowed (const char *) when passed in,
 * and owned by the struct when handed out; each "get" says how to free.
 * Dates are ISO "YYYY-MM-DD" strings.  Document ids are positive int64.
 */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>
#include <stdint.h>

#include "../common/cr.h"

struct store;

/* Flags for store_open(). */
#define STORE_CREATE 1 /* create the folder and schema when missing */

/* The schema version (PRAGMA user_version) this build creates and
 * migrates to.  A store with a newer version is refused (CR_EDB). */
#define STORE_SCHEMA_VERSION 3

/*
 * Open the store in folder dir ("<dir>/chartroom.db", "<dir>/originals/").
 * With STORE_CREATE, creates what is missing and is idempotent; without it
 * a missing store is CR_ENOTFOUND with a message that says to run
 * "chartroom init".  Migrates an older schema forward.  Returns a handle
 * (caller frees with store_close()) or NULL with err filled.
 */
struct store *store_open(const char *dir, int flags, struct cr_err *err);
void store_close(struct store *st);

/* The folder the store lives in.  Borrowed. */
const char *store_dir(const struct store *st);

/* Explicit transactions, for batches (roster import).  Nesting is not
 * supported.  Return 0 or CR_EDB/CR_EBUSY. */
int store_begin(struct store *st, struct cr_err *err);
int store_commit(struct store *st, struct cr_err *err);
int store_rollback(struct store *st);

/* ---- Patients -------------------------------------------------------- */

struct store_patient {
	const char *mrn;         /* required, unique */
	const char *family_name; /* required */
	const char *given_name;  /* required */
	const char *middle_name; /* optional (NULL) */
	const char *birth_date;  /* required, YYYY-MM-DD */
	const char *sex;         /* optional */
	const char *physician;   /* optional, physician of record */
};

/* Insert or update by MRN.  *added (optional) is 1 when inserted, 0 when
 * updated.  Validates the required fields (CR_EINVAL with the reason). */
int store_patient_upsert(struct store *st, const struct store_patient *p,
			 int *added, struct cr_err *err);

/* Call cb for every patient (strings borrowed for the call only).  cb
 * returns 0 to go on, non-zero to stop (that value is returned). */
typedef int (*store_patient_cb)(void *ctx, const struct store_patient *p);
int store_patient_each(struct store *st, store_patient_cb cb, void *ctx,
		       struct cr_err *err);

/* Look one patient up by MRN and call cb once.  CR_ENOTFOUND if none. */
int store_patient_get(struct store *st, const char *mrn, store_patient_cb cb,
		      void *ctx, struct cr_err *err);

/* ---- Originals ------------------------------------------------------- */

/*
 * Copy src_path into the originals folder as originals/<aa>/<sha256>,
 * where sha256 is the caller-computed hash (64 hex).  Write to a temporary
 * name, fsync, rename, fsync the folder; an existing file of that name is
 * kept (content-addressed, so it is the same bytes).  *stored_path_out
 * (optional; caller frees with free()) receives the final path.
 */
int store_original_put(struct store *st, const char *src_path,
		       const char *sha256, char **stored_path_out,
		       struct cr_err *err);

/* Path of the original for sha256 (caller frees with free()); NULL when
 * out of memory or when sha256 is not 64 lowercase hex digits (so a
 * crafted hash cannot name a path outside the store).  Does not check
 * existence. */
char *store_original_path(const struct store *st, const char *sha256);

/*
 * Remove the temporary copies a crash left in the originals folder
 * (".<sha>.<pid>.<n>.tmp" whose process is gone from this host; a live
 * writer's are kept).  *removed (optional) counts them.  Best effort:
 * returns 0, or CR_EIO when the folder cannot be read.
 */
int store_sweep_temp(struct store *st, size_t *removed, struct cr_err *err);

/* ---- Documents ------------------------------------------------------- */

struct store_page {
	int index; /* 0-based */
	int width, height, dpi, rotation_deg;
	double mean_conf;  /* 0..1 */
	const char *text;
};

struct store_field {
	const char *name;  /* "patient_name", "birth_date", "mrn", ... */
	const char *value;
	double conf;       /* 0..1 */
	int page;          /* 0-based, -1 when not from a page box */
	int x0, y0, x1, y1;
	const char *source; /* "ocr", "reread", "barcode", "prose"; NULL ok */
};

/* A ranked candidate patient for a document in review. */
struct store_candidate {
	const char *mrn;
	double score;         /* 0..1 */
	const char *evidence; /* JSON text, free-form per field */
};

struct store_document {
	int64_t id;              /* OUT of store_document_insert */
	const char *file;        /* the name it arrived under */
	const char *sha256;      /* 64 hex */
	uint64_t size_bytes;
	const char *original_path;
	const char *status;      /* "filed", "review", "rejected" */
	const char *doc_type;    /* "chart", "release_form", ... */
	const char *patient_mrn; /* NULL unless filed */
	const char *document_date;
	int pages;
	double confidence;       /* 0..1 */
	const char *reason;      /* NULL when filed straight through */
	const char *source;      /* scanning station / folder hint; NULL ok */
	const char *actor;       /* who filed it: "intake" or a user */
};

/*
 * Insert a document with its pages, fields and review candidates in one
 * transaction, and index its page text.  doc->id receives the new id.
 * A second document with the same sha256 is CR_EEXIST (use
 * store_document_by_sha() first).  Records the initial link in the history
 * with doc->actor.
 */
int store_document_insert(struct store *st, struct store_document *doc,
			  const struct store_page *pages, size_t npages,
			  const struct store_field *fields, size_t nfields,
			  const struct store_candidate *cands, size_t ncands,
			  struct cr_err *err);

/* Find the document holding these bytes.  0 and *id_out set, or
 * CR_ENOTFOUND. */
int store_document_by_sha(struct store *st, const char *sha256,
			  int64_t *id_out, struct cr_err *err);

/* ---- Search ---------------------------------------------------------- */

struct store_query {
	const char *mrn;    /* exact */
	const char *name;   /* words matched against patient names */
	const char *text;   /* full text; plain words, FTS syntax is quoted */
	const char *type;   /* doc_type */
	const char *from;   /* document_date >= */
	const char *to;     /* document_date <= */
	const char *status;
	int limit;          /* 0 = 100 */
};

/* One search result; strings borrowed for the callback only.  The patient
 * fields are NULL when the document is not linked. */
struct store_hit {
	int64_t id;
	const char *file, *sha256, *status, *doc_type, *document_date;
	const char *patient_mrn, *patient_family, *patient_given;
	const char *patient_birth_date;
	const char *snippet; /* NULL unless text was searched */
	const char *created_at;
	int pages;
	double confidence;
	const char *reason;  /* why it is in review/rejected; else NULL */
};

typedef int (*store_hit_cb)(void *ctx, const struct store_hit *hit);

/*
 * Documents matching every given filter.  Ranked by relevance when text is
 * given, else newest first (document date, then arrival).  Calls cb per
 * hit; cb returns non-zero to stop.  Returns 0 or an error (CR_EINVAL for
 * a bad date filter).
 */
int store_search(struct store *st, const struct store_query *q,
		 store_hit_cb cb, void *ctx, struct cr_err *err);

/* ---- One document in full -------------------------------------------- */

/* Everything about one document; owned, free with store_docview_free(). */
struct store_docview {
	struct store_document doc;   /* strings owned by the view; actor
				      * is who made the current link */
	const char *created_at;
	const char *patient_family, *patient_given, *patient_birth_date;
	struct store_page *pages;    size_t npages;
	struct store_field *fields;  size_t nfields;
	struct store_candidate *cands; size_t ncands;
};

/* Load document id.  Returns a view or NULL with err (CR_ENOTFOUND). */
struct store_docview *store_document_get(struct store *st, int64_t id,
					 struct cr_err *err);
void store_docview_free(struct store_docview *v);

/* ---- Linking after intake (review queue, refile) --------------------- */

/*
 * Link document id to patient mrn (status becomes "filed") or, with mrn
 * NULL, set it to new_status ("review" or "rejected") with reason.  The
 * previous link is kept in the history with actor and reason.  CR_ENOTFOUND
 * for an unknown document or patient.  With from_status, the document
 * must still have that status when the write lock is held, else
 * CR_EEXIST: two people deciding one review item at once, or a decision
 * made on what was read before someone else's change, must not both go
 * through.
 */
int store_document_relink(struct store *st, int64_t id,
			  const char *from_status, const char *mrn,
			  const char *new_status, const char *actor,
			  const char *reason, struct cr_err *err);

/* One entry of a document's link history; strings borrowed for the call. */
struct store_link_event {
	const char *at, *actor, *status, *mrn, *reason;
};
typedef int (*store_link_cb)(void *ctx, const struct store_link_event *e);
int store_document_history(struct store *st, int64_t id, store_link_cb cb,
			   void *ctx, struct cr_err *err);

#endif /* STORE_H */
