/*
 * web_queries.c - the patient search box of the web app.
 *
 * One statement is assembled from fixed fragments, one per word typed,
 * and every word is bound as a parameter: the text a person types is
 * never SQL.  Each word must match some identifier of the patient (a
 * name part's beginning, the MRN, the birth date), so "smith 1961-07-22"
 * narrows to one person the way a records clerk expects.
 */
#define _POSIX_C_SOURCE 200809L
#include "store_int.h"
#include "web_queries.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIND_WORDS_MAX 8
#define FIND_LEN_MAX 256
#define FIND_LIMIT_DEFAULT 50

/* Same haystack as search.c: name parts with hyphens split, padded by
 * spaces so "% smi%" finds a part that starts with "smi". */
#define NAME_HAYSTACK                                                          \
	"(' ' || replace(family_name,'-',' ') || ' ' ||"                       \
	" replace(given_name,'-',' ') || ' ' ||"                               \
	" replace(COALESCE(middle_name,''),'-',' ') || ' ')"

static int is_sep(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' ||
	       c == '\f' || c == '\v';
}

/* "MM/DD/YYYY" or "M/D/YYYY" as "YYYY-MM-DD" into out; else a copy of
 * w.  The store checks nothing here: a non-date simply matches no
 * birth date. */
static void date_form(const char *w, size_t n, char out[16])
{
	unsigned m, d, y;
	char tail;
	char tmp[FIND_LEN_MAX + 1];

	memcpy(tmp, w, n);
	tmp[n] = '\0';
	if (n <= 10 && sscanf(tmp, "%u/%u/%u%c", &m, &d, &y, &tail) == 3 &&
	    m >= 1 && m <= 12 && d >= 1 && d <= 31 && y >= 1000 && y <= 9999)
		snprintf(out, 16, "%04u-%02u-%02u", y, m, d);
	else
		cr_strlcpy(out, n < 16 ? tmp : "", 16);
}

int store_patient_find(struct store *st, const char *q, int limit,
                       store_patient_cb cb, void *ctx, struct cr_err *err)
{
	char sql[4096], like[FIND_WORDS_MAX][FIND_LEN_MAX * 2 + 4];
	char word[FIND_WORDS_MAX][FIND_LEN_MAX + 1], date[FIND_WORDS_MAX][16];
	int nrows;
	sqlite3_stmt *stmt = NULL;
	const char *s = q, *w;
	size_t len = 0;
	int nw = 0, i, rc;

	if (q == NULL || cb == NULL)
		return cr_err_set(err, CR_EINVAL, "no patient query given");
	if (strlen(q) > FIND_LEN_MAX)
		return cr_err_set(err, CR_EINVAL,
		                  "patient search longer than %d bytes",
		                  FIND_LEN_MAX);
	for (;;) {
		size_t n, o = 0, k;
		while (*s != '\0' && is_sep(*s))
			s++;
		if (*s == '\0')
			break;
		for (w = s; *s != '\0' && !is_sep(*s); s++)
			;
		if (nw == FIND_WORDS_MAX)
			return cr_err_set(err, CR_EINVAL,
			                  "patient search has more than %d "
			                  "words",
			                  FIND_WORDS_MAX);
		n = (size_t)(s - w);
		memcpy(word[nw], w, n);
		word[nw][n] = '\0';
		date_form(w, n, date[nw]);
		like[nw][o++] = '%';
		like[nw][o++] = ' ';
		for (k = 0; k < n; k++) {
			if (w[k] == '\\' || w[k] == '%' || w[k] == '_')
				like[nw][o++] = '\\';
			like[nw][o++] = w[k];
		}
		like[nw][o++] = '%';
		like[nw][o] = '\0';
		nw++;
	}
	if (nw == 0)
		return CR_OK;
	if (limit <= 0)
		limit = FIND_LIMIT_DEFAULT;
	if (limit > STORE_PATIENT_FIND_MAX)
		limit = STORE_PATIENT_FIND_MAX;

	len = (size_t)snprintf(sql, sizeof(sql),
	                       "SELECT mrn, family_name, given_name,"
	                       " middle_name, birth_date, sex, physician"
	                       " FROM patients WHERE 1");
	for (i = 0; i < nw; i++)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len,
		                        " AND (" NAME_HAYSTACK
		                        " LIKE ?%d ESCAPE '\\'"
		                        " OR mrn = ?%d OR birth_date = ?%d)",
		                        3 * i + 1, 3 * i + 2, 3 * i + 3);
	len += (size_t)snprintf(sql + len, sizeof(sql) - len,
	                        " ORDER BY family_name COLLATE NOCASE,"
	                        " given_name COLLATE NOCASE, mrn LIMIT %d",
	                        limit);
	if (len >= sizeof(sql))
		return cr_err_set(err, CR_EINVAL, "patient search too complex");
	if ((rc = store__prepare(st, sql, &stmt, err)) != CR_OK)
		return rc;
	for (i = 0; i < nw; i++) {
		sqlite3_bind_text(stmt, 3 * i + 1, like[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 3 * i + 2, word[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 3 * i + 3, date[i], -1, SQLITE_STATIC);
	}
	rc = store__patient_rows(st, stmt, cb, ctx, &nrows, err);
	sqlite3_finalize(stmt);
	return rc;
}
