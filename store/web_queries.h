/*
 * web_queries.h - store reads the web app needs and the command line
 * does not: finding patients by what a person types into one search box
 * (name words, an MRN, a birth date).
 *
 * Kept apart from store.h so the CLI's view of the store stays small;
 * it is still the store module (the only one that speaks SQL).
 */
#ifndef WEB_QUERIES_H
#define WEB_QUERIES_H

#include "store.h"

#define STORE_PATIENT_FIND_MAX 1000 /* largest limit honoured */

/*
 * Patients matching every word of q, in name order.  A word matches when
 * it is the start of a part of the family, given or middle name, or the
 * whole MRN, or the birth date (written YYYY-MM-DD or MM/DD/YYYY).  Words
 * are separated by white space and commas; at most 8 words and 256
 * bytes, else CR_EINVAL.  Values are bound, never pasted into SQL, and
 * LIKE wildcards in q are plain characters.  limit 0 means 50.  cb
 * returns non-zero to stop (that value is returned); strings are
 * borrowed for the call.  q with no words matches nothing (returns 0).
 */
int store_patient_find(struct store *st, const char *q, int limit,
                       store_patient_cb cb, void *ctx, struct cr_err *err);

#endif /* WEB_QUERIES_H */
