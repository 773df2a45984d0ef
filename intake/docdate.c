/*
 * docdate.c - the date of a document from where it is written.
 *
 * Labelled dates ("Date of Service:", "Date Signed:") are found with the
 * other labelled fields (extract.c).  This file reads the dates that carry
 * no label but sit where their kind of document puts them: a letter's
 * date on a line of its own near the top, a chart note's date at the start
 * of its entry.  Either is only a candidate: a date also read as the birth
 * date is not the document's, and the caller's choice prefers a labelled
 * date when there is one.
 */
#include "extract.h"

#include <stdio.h>
#include <string.h>

#define ENTRY_DATE_CONF 0.85 /* misread handwritten dates scored 0.14-0.79 */

static int add_docdate(struct readings *rs, const char *iso, const char *raw,
			const char *source, double conf)
{
	struct reading r;

	memset(&r, 0, sizeof(r));
	r.field = FIELD_DOCDATE;
	cr_strlcpy(r.value, iso, sizeof(r.value));
	cr_strlcpy(r.raw, raw, sizeof(r.raw));
	cr_strlcpy(r.source, source, sizeof(r.source));
	r.conf = conf;
	r.x0 = r.y0 = r.x1 = r.y1 = -1;
	return readings_add(rs, &r);
}

/* Is this date also read as a birth date?  Then it is not the
 * document's. */
static int is_birth_date(const struct readings *rs, const char *iso)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (rs->v[i].field == FIELD_DOB &&
		    strcmp(rs->v[i].value, iso) == 0)
			return 1;
	return 0;
}

/* Letters put their date on a line of its own near the top ("a line of
 * its own": a few words, not a sentence that mentions a date). */
static int letter_date(struct readings *rs, const struct ocr_page *pg)
{
	const char *p = pg->text;
	int line;

	for (line = 0; p != NULL && *p && line < 8; line++) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char buf[64], iso[11], alt[11];
		if (n > 4 && n < sizeof(buf)) {
			memcpy(buf, p, n);
			buf[n] = '\0';
			if (count_words(buf, n) <= 4 &&
			    date_parse(buf, DATE_DOCUMENT, iso, alt) &&
			    !is_birth_date(rs, iso)) {
				return add_docdate(rs, iso, buf, "heading", 0.6);
			}
		}
		p = e ? e + 1 : NULL;
	}
	return CR_OK;
}

/* Chart notes start each entry with its date ("4/3/25 0852 Here for BP
 * recheck"): the first line that opens with a numeric date followed by
 * more writing dates the note.  A date alone on its line is more likely a
 * birth date written under its label; a handwritten date OCR is unsure
 * of is more likely misread than not, and no date beats a wrong one. */
static int entry_date(struct readings *rs, const struct ocr_page *pg)
{
	size_t i;

	for (i = 0; i < pg->nwords; i++) {
		const struct ocr_word *w = &pg->words[i];
		const char *t = w->text;
		char iso[11], alt[11];
		if (i > 0 && pg->words[i - 1].line == w->line)
			continue; /* not the first word of its line */
		while (*t && strchr("|:;.'\"", *t))
			t++;
		if (strlen(t) < 6 || (!strchr(t, '/') && !strchr(t, '-')) ||
		    i + 1 >= pg->nwords || pg->words[i + 1].line != w->line)
			continue;
		if (!date_parse(t, DATE_DOCUMENT, iso, alt) ||
		    is_birth_date(rs, iso))
			continue;
		if (w->conf >= ENTRY_DATE_CONF)
			return add_docdate(rs, iso, t, "entry", w->conf);
		return CR_OK;
	}
	return CR_OK;
}

int docdate_from_layout(const char *doc_type, const struct ocr_page *pg,
			struct readings *rs)
{
	size_t i;

	if (doc_type == NULL || pg == NULL)
		return CR_OK;
	for (i = 0; i < rs->n; i++)
		if (rs->v[i].field == FIELD_DOCDATE)
			return CR_OK; /* a labelled date wins */
	if (strcmp(doc_type, "correspondence") == 0)
		return letter_date(rs, pg);
	if (strcmp(doc_type, "chart") == 0)
		return entry_date(rs, pg);
	return CR_OK;
}
