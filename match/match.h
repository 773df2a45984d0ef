/*
 * match.h - deciding which roster patient a scan is about, or that nobody
 * can be sure.  The roster is held in memory; each document's extracted
 * readings (possibly several per field, possibly garbled by OCR) are scored
 * against every patient in the Fellegi-Sunter spirit: per-identifier
 * agreement weights, comparisons that know OCR confusions and day/month
 * swaps, Jaro-Winkler on names.  A document is linked only when at least
 * two independent identifiers agree with one patient, the score clears the
 * auto-link threshold and the runner-up is far behind; otherwise it goes to
 * review with ranked candidates and the evidence for each.
 *
 * This module knows nothing of images, SQL or files: it takes strings and
 * returns a decision.  A roster is immutable once built and may be shared
 * by threads; match_link() is thread-safe.
 */
#ifndef MATCH_H
#define MATCH_H

#include <stddef.h>

#include "../common/cr.h"

/* Identifier kinds a reading can carry. */
enum match_kind {
	MATCH_NAME,    /* a full name as written: "Smith, John" or "John Smith" */
	MATCH_DOB,     /* a birth date reading: ISO when parsed, else raw */
	MATCH_MRN,     /* an MRN reading from text (may be garbled) */
	MATCH_BARCODE, /* a decoded barcode payload (exact bytes) */
	MATCH_KIND_COUNT
};

/* One reading of one identifier.  Strings borrowed for the call. */
struct match_reading {
	int kind;           /* enum match_kind */
	const char *value;  /* as read (DOB: ISO YYYY-MM-DD when parsed) */
	double conf;        /* OCR confidence 0..1 */
	const char *source; /* "label", "reread", "barcode", "prose", ... */
	int subject;        /* prose names: 1 subject, 0 unknown, -1 writer */
	int support_only;   /* 1: a value that may be another field's (read
			       over a caption): shown as evidence where it
			       agrees, weighs nothing for or against */
};

struct match_patient {
	const char *mrn, *family_name, *given_name, *middle_name;
	const char *birth_date; /* YYYY-MM-DD */
	const char *physician;
};

struct match_roster;

/* An empty roster (caller frees with match_roster_free()), or NULL. */
struct match_roster *match_roster_new(void);
void match_roster_free(struct match_roster *r);

/* Copy p into the roster.  Returns 0, CR_ENOMEM or CR_EINVAL (missing
 * mrn, name or birth date). */
int match_roster_add(struct match_roster *r, const struct match_patient *p);
size_t match_roster_count(const struct match_roster *r);

/* Borrowed view of patient i (0 <= i < count), valid while r lives. */
const struct match_patient *match_roster_get(const struct match_roster *r,
					     size_t i);

/* Thresholds; match_config_default() gives the safe defaults. */
struct match_config {
	double autolink_score; /* best candidate's score must reach this */
	double min_margin;     /* ... and beat the runner-up by this much */
	int min_identifiers;   /* independent identifiers that must agree */
	int max_candidates;    /* how many candidates to report */
};
void match_config_default(struct match_config *c);

/* Per-identifier outcome for one candidate. */
enum match_agreement {
	MATCH_ABSENT = 0,   /* nothing read for this identifier */
	MATCH_DISAGREE,     /* read, and it contradicts the patient */
	MATCH_PARTIAL,      /* close (one OCR confusion, day/month swap) */
	MATCH_CONSISTENT,   /* names: not the same letters, but what OCR of
			       handwriting makes of this name */
	MATCH_AGREE         /* agrees (allowing known OCR confusions) */
};

struct match_candidate {
	size_t patient;            /* index into the roster */
	double score;              /* 0..1 */
	int agree[MATCH_KIND_COUNT]; /* enum match_agreement per kind */
	int identifiers;           /* independent identifiers that agree */
	int same_family;           /* a name read has this family name */
	char evidence[512];        /* JSON object: per field, the reading used */
};

#define MATCH_MAX_CANDIDATES 8

struct match_result {
	int filed;   /* 1: link to candidates[0]; 0: review */
	size_t ncands;
	struct match_candidate cands[MATCH_MAX_CANDIDATES];
	char reason[512]; /* for review: why, in an operator's words */
};

/*
 * Score the readings against the roster and decide.  Never fails: with no
 * usable reading the result is review with a reason.  Thread-safe.
 */
void match_link(const struct match_roster *r, const struct match_config *cfg,
		const struct match_reading *readings, size_t n,
		struct match_result *out);

/* ---- Comparators, public for tests and for the extractor ------------ */

/* Jaro-Winkler similarity of two strings, case- and accent-insensitive
 * over ASCII letters, ignoring punctuation.  0..1.  Cannot fail. */
double match_jaro_winkler(const char *a, const char *b);

/* Fold OCR-confusable characters to the digit they are most often misread
 * from (O/D/Q->0, l/I/|/i/!->1, Z->2, S/s->5, G/b->6, T->7, B->8, g/q->9)
 * and drop separators; writes at most outsz-1 chars.  Returns length. */
size_t match_fold_digits(const char *in, char *out, size_t outsz);

/* Name similarity 0..1 of a written full name against a patient, trying
 * "Family, Given", "Given Family" and "Given Middle Family" orders,
 * ignoring hyphens, apostrophes and case.  Letters only. */
double match_name_similarity(const char *written,
			     const struct match_patient *p);

/* The same, but comparing letter shapes: handwriting OCR turns r into c,
 * g into p, M into N, a into e...  Both sides are mapped to shape classes
 * first, so "Nacapeet" is close to "Margaret".  Always compared together
 * with match_name_similarity(), and worth less. */
double match_name_shape_similarity(const char *written,
				   const struct match_patient *p);

/* match_name_similarity(), also giving the family and given-name
 * similarity (0..1 each) of the order that scored best; both 0 when
 * nothing was written. */
double match_name_parts(const char *written, const struct match_patient *p,
			double *family, double *given);

/* Map ASCII letters of in to their shape class (upper case), dropping
 * everything else; at most outsz-1 chars.  Returns the length. */
size_t match_shape_key(const char *in, char *out, size_t outsz);

#endif /* MATCH_H */
