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

struct intake_opts {
	int workers;            /* 0 = one per online core */
	int page_timeout_ms;    /* 0 = OCR default */
	const char *tessdata;   /* NULL = Tesseract default */
	struct ocr_limits limits;
	struct match_config match;
	const char *source;     /* scanning station or folder hint, or NULL */
	const char *actor;      /* recorded in the link history; NULL=intake */
	int reread;             /* re-read weak value regions (default 1) */
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
	const char *file;       /* as given */
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
