/*
 * extract.h - internal to intake: reading fields out of OCR results.
 * Labelled fields on forms and labels, dates in their common spellings,
 * and the document-type rules.  Nothing here touches the store.
 */
#ifndef INTAKE_EXTRACT_H
#define INTAKE_EXTRACT_H

#include <stddef.h>

#include "../ocr/ocr.h"

enum field_id {
	FIELD_NAME,
	FIELD_DOB,
	FIELD_MRN,
	FIELD_PHYSICIAN,
	FIELD_DOCDATE,
	FIELD_COUNT
};

/* Report names of the fields ("patient_name", ...). */
extern const char *const field_names[FIELD_COUNT];

/* One reading of one field.  value is normalised: dates ISO, MRN as read
 * (the matcher folds it), names with single spaces. */
struct reading {
	int field;        /* enum field_id */
	char value[96];
	char raw[96];     /* the OCR text it came from */
	double conf;      /* 0..1 */
	int page;
	int x0, y0, x1, y1;
	char source[12];  /* "label", "reread", "barcode", "prose" */
	int subject;      /* prose names: 1 subject, -1 writer, 0 unknown */
	int support_only; /* a value whose label may be another's (read
			     over a caption that may sit under its own
			     rule): shown where it agrees with a patient,
			     weighs nothing in the decision */
};

struct readings {
	struct reading *v;
	size_t n, cap;
};

/* Append r; returns 0 or CR_ENOMEM. */
int readings_add(struct readings *rs, const struct reading *r);
void readings_free(struct readings *rs);

/*
 * Labelled fields of one recognised page into rs.  Each found value box is
 * reported; values are validated (a date must parse, an MRN must have
 * enough digits).  Returns 0 or CR_ENOMEM.
 */
int extract_labelled(const struct ocr_page *pg, int page, struct readings *rs);

/*
 * Dates written in prose ("born March 14, 1952", "DOB 3/14/52"): readings
 * of FIELD_DOB near birth words.  Returns 0 or CR_ENOMEM.
 */
int extract_prose_dates(const char *text, int page, struct readings *rs);

/* A patient's name as written in raw, cleaned of form words, hints and
 * stray marks, into out; returns 1 when it can be a name (two to five
 * words), else 0. */
int name_value(const char *raw, char *out, size_t sz);

/* The runs of letters and digits in s[0..len) (stopping at a NUL). */
int count_words(const char *s, size_t len);

/* Is w[0..len) a word of form vocabulary ("date", "patient", "copies"),
 * never part of a person's name?  Case-insensitive. */
int is_form_word(const char *w, size_t len);

/* Date roles decide the two-digit-year pivot and plausibility. */
enum date_role { DATE_BIRTH, DATE_DOCUMENT };

/*
 * Parse a written date (03/14/1952, 3-14-52, March 14, 1952, 14 Mar 1952,
 * 1952-03-14, OCR-confusable digits) into iso (YYYY-MM-DD).  When day and
 * month could be either way round, alt receives the other reading, else
 * alt[0] = 0.  Returns 1 when parsed and plausible for role, 0 otherwise.
 */
int date_parse(const char *s, int role, char iso[11], char alt[11]);

/*
 * Unlabelled document dates where the document type puts them: a
 * letter's heading date, a chart entry's opening date (docdate.c).  Adds
 * at most one FIELD_DOCDATE reading to rs, and none when rs already holds
 * one.  Returns 0 or CR_ENOMEM.
 */
int docdate_from_layout(const char *doc_type, const struct ocr_page *pg,
			struct readings *rs);

/* Document type from the whole text: "chart", "release_form",
 * "correspondence" or "unknown".  Static string.  Rules in doctype.c. */
const char *doctype_classify(const char *text);

/* The document type a folder name stands for ("Release Forms",
 * "correspondence", "charts" ...), or NULL.  Borrowed, static. */
const char *doctype_name(const char *folder);

#endif /* INTAKE_EXTRACT_H */
