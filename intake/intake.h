/*
 * intake.h - turning scan files into filed documents.  For each file:
 * hash it (duplicates stop here), open and validate it, OCR its pages on a
 * pool of workers (one Tesseract engine each), extract who and what it is
 * about, decide the patient with the matcher, keep the original and commit
 * the document.  Results come back in input order even though pages are
 * recognised in parallel.
 *
 * intake depends on ocr, match and store; nothing depends on intake but
 * the command line and the watcher.
 */
#ifndef INTAKE_H
#define INTAKE_H

#include <stddef.h>
#include <stdint.h>

#include "../common/cr.h"
#include "../match/match.h"
#include "../ocr/ocr.h"
#include "../store/store.h"

struct intake_input;

/*
 * Called inside the transaction that commits a filed or review document,
 * so whatever it writes (the watcher's journal) commits or rolls back
 * with the document.  Returns 0, or an error (err filled) that rolls the
 * document back; the file is then reported as "error".
 */
typedef int (*intake_commit_cb)(void *ctx, struct store *st,
				const struct intake_input *in,
				int64_t document_id, const char *status,
				int pages, struct cr_err *err);

struct intake_opts {
	int workers;            /* 0 = one per online core */
	int page_timeout_ms;    /* 0 = OCR default */
	const char *tessdata;   /* NULL = Tesseract default */
	struct ocr_limits limits;
	struct match_config match;
	const char *source;     /* scanning station or folder hint, or NULL */
	const char *actor;      /* recorded in the link history; NULL=intake */
	int reread;             /* re-read weak value regions (default 1) */
	intake_commit_cb on_commit; /* NULL: none */
	void *commit_ctx;
};

/* One file to take in. */
struct intake_input {
	const char *path;          /* where the bytes are read from */
	const char *name;          /* recorded as the document's file (the
				      name it was dropped under); NULL=path */
	const char *source;        /* station; NULL = the options' source */
	const char *doc_type_hint; /* chart, release_form, correspondence:
				      used when the text does not tell */
	void *user;                /* the caller's, handed back */
};

/* Defaults for everything above.  Cannot fail. */
void intake_opts_default(struct intake_opts *o);

/* One extracted field as reported (the best reading per name). */
struct intake_field {
	const char *name;  /* patient_name, birth_date, mrn, physician,
			      document_date */
	const char *value;
	double conf;
	int page;
};

/* The outcome for one input file; everything borrowed for the callback. */
struct intake_result {
	const char *file;       /* as given (the input's name) */
	const struct intake_input *input;
	const char *status;     /* filed, review, duplicate, rejected; or
				   error: could not be stored (our failure,
				   not the scan's; retry) */
	int64_t document_id;    /* 0 only when rejected or error */
	const char *mrn;        /* linked patient, or NULL */
	const char *doc_type;
	int pages;
	const struct intake_field *fields;
	size_t nfields;
	double confidence;
	const char *reason;     /* NULL when filed */
	int error_code;         /* CR_* for rejected, else 0 */
	const struct match_result *match; /* NULL for duplicate/rejected */
	const struct match_roster *roster;
};

typedef void (*intake_result_cb)(void *ctx, const struct intake_result *r);

/*
 * Process files[0..n) into st, calling cb once per file in input order.
 * Rejected files do not stop the batch.  Returns 0 when the batch ran
 * (whatever each file's outcome), or an error that stopped it (store
 * unusable, no OCR engine could start) with err filled.
 */
int intake_files(struct store *st, const char *const *files, size_t n,
		 const struct intake_opts *o, intake_result_cb cb, void *ctx,
		 struct cr_err *err);

/* ---- A long-running intake (the watcher) ----------------------------- */

struct intake;

/*
 * Keep the roster and the OCR engines between batches: open once, then
 * stream files through intake_stream() for as long as the service runs.
 * The store and options are borrowed until intake_close().  NULL with err
 * filled when the roster cannot be read.
 */
struct intake *intake_open(struct store *st, const struct intake_opts *o,
			   struct cr_err *err);
void intake_close(struct intake *in);

/* Read the roster again (it changed under a running service). */
int intake_reload_roster(struct intake *in, struct cr_err *err);

/*
 * The next file to take in, or NULL when none is ready now.  Called
 * whenever there is room in the window (after each result), so it may
 * also look for new files; the input must stay valid until its result
 * has been reported.
 */
typedef const struct intake_input *(*intake_next_cb)(void *ctx);

/*
 * Take files from next() and report each through cb, in the order next()
 * gave them, until next() returns NULL with nothing left in flight.
 * Returns 0, or an error that stops the service (no OCR engine could
 * start).
 */
int intake_stream(struct intake *in, intake_next_cb next, intake_result_cb cb,
		  void *ctx, struct cr_err *err);


/* ---- Roster import --------------------------------------------------- */

/* Counts from a roster import. */
struct intake_import_stats {
	size_t added, updated, refused;
};

/* Called for each refused row: 1-based line number and the reason. */
typedef void (*intake_row_cb)(void *ctx, size_t line, const char *reason);

/*
 * Import a roster CSV (RFC 4180: header row, quoted fields, CRLF or LF)
 * into st: columns found by name (mrn, family_name, given_name, birth_date
 * required; sex, middle_name, physician optional; others ignored), upsert
 * by MRN, all in one transaction.  A bad row is reported through bad_row
 * and does not stop the others.  A row that would give an existing MRN a
 * different family name, given name or birth date is refused unless
 * allow_identity_change: every document filed to that MRN would silently
 * become another person's.  Returns 0, or an error when the file
 * cannot be read or lacks a required column.
 */
int intake_roster_import(struct store *st, const char *path,
			 int allow_identity_change,
			 struct intake_import_stats *stats,
			 intake_row_cb bad_row, void *ctx, struct cr_err *err);
#endif /* INTAKE_H */
