/*
 * extract.c - labelled fields from OCR word boxes.
 *
 * Forms and patient labels print a label ("Patient Name:", "DOB",
 * "Medical Record #") and put the value after it on the same line, or
 * under it.  Labels are printed, so OCR reads them well; values are often
 * handwritten and come back garbled.  We therefore find labels by their
 * words (a table below, longest match first, tolerant of case and
 * trailing punctuation), take the words up to the next label as the
 * value, and validate each value for its field (a date must parse, an MRN
 * must be mostly digits).  Every plausible value is kept as a reading with
 * its box and confidence; deciding between readings is the matcher's job.
 */
#include "extract.h"
#include "../match/match.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const field_names[FIELD_COUNT] = {
    "patient_name", "birth_date", "mrn", "physician", "document_date"};

/* Label vocabulary.  Words are matched after lower-casing and dropping
 * punctuation ("D.O.B." -> "dob", "#" kept).  "colon" means the label only
 * counts when followed by ':' (or the value is on the same line in caps),
 * for words that also occur in prose. */
struct label {
	int field;
	int colon;
	const char *words[5];
};

static const struct label labels[] = {
    {FIELD_NAME, 0, {"patient", "name"}},
    {FIELD_NAME, 0, {"patients", "name"}},
    {FIELD_NAME, 0, {"name", "of", "patient"}},
    {FIELD_NAME, 0, {"pt", "name"}},
    {FIELD_NAME, 1, {"patient"}},
    {FIELD_NAME, 1, {"name"}},
    {FIELD_NAME, 1, {"re"}},
    {FIELD_DOB, 0, {"date", "of", "birth"}},
    {FIELD_DOB, 0, {"birth", "date"}},
    {FIELD_DOB, 0, {"birthdate"}},
    {FIELD_DOB, 0, {"of", "birth"}}, /* "Date" misread: "'D OF BIRTH" */
    {FIELD_DOB, 0, {"dob"}},
    {FIELD_DOB, 0, {"born"}},
    {FIELD_MRN, 0, {"medical", "record", "number"}},
    {FIELD_MRN, 0, {"medical", "record", "no"}},
    {FIELD_MRN, 0, {"medical", "record", "#"}},
    {FIELD_MRN, 0, {"medical", "record"}},
    {FIELD_MRN, 0, {"record", "number"}},
    {FIELD_MRN, 0, {"record", "no"}},
    {FIELD_MRN, 0, {"record", "#"}},
    {FIELD_MRN, 0, {"chart", "no"}},
    {FIELD_MRN, 0, {"chart", "#"}},
    {FIELD_MRN, 0, {"mr", "#"}},
    {FIELD_MRN, 0, {"mr", "no"}},
    {FIELD_MRN, 0, {"mrn"}},
    {FIELD_MRN, 0, {"mrn#"}},
    {FIELD_MRN, 1, {"patient", "id"}},
    {FIELD_PHYSICIAN, 0, {"attending", "physician"}},
    {FIELD_PHYSICIAN, 0, {"physician", "of", "record"}},
    {FIELD_PHYSICIAN, 0, {"primary", "physician"}},
    {FIELD_PHYSICIAN, 0, {"referring", "physician"}},
    {FIELD_PHYSICIAN, 1, {"physician"}},
    {FIELD_PHYSICIAN, 1, {"attending"}},
    {FIELD_PHYSICIAN, 1, {"att"}},
    {FIELD_PHYSICIAN, 1, {"provider"}},
    {FIELD_PHYSICIAN, 1, {"doctor"}},
    {FIELD_DOCDATE, 0, {"date", "of", "service"}},
    {FIELD_DOCDATE, 0, {"service", "date"}},
    {FIELD_DOCDATE, 0, {"date", "of", "visit"}},
    {FIELD_DOCDATE, 0, {"visit", "date"}},
    {FIELD_DOCDATE, 0, {"admission", "date"}},
    {FIELD_DOCDATE, 0, {"date", "of", "admission"}},
    {FIELD_DOCDATE, 0, {"discharge", "date"}},
    {FIELD_DOCDATE, 0, {"date", "of", "discharge"}},
    {FIELD_DOCDATE, 0, {"date", "signed"}},
    {FIELD_DOCDATE, 1, {"signed", "on"}},
    {FIELD_DOCDATE, 1, {"date"}},
    {FIELD_DOCDATE, 1, {"dated"}},
};
#define NLABELS (sizeof(labels) / sizeof(labels[0]))

int readings_add(struct readings *rs, const struct reading *r)
{
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 16;
		struct reading *v = realloc(rs->v, cap * sizeof(*v));
		if (v == NULL)
			return CR_ENOMEM;
		rs->v = v;
		rs->cap = cap;
	}
	rs->v[rs->n++] = *r;
	return CR_OK;
}

void readings_free(struct readings *rs)
{
	free(rs->v);
	rs->v = NULL;
	rs->n = rs->cap = 0;
}

/* Lower-case letters, digits and '#' of a word; reports a trailing ':' */
static void norm_word(const char *w, char *out, size_t sz, int *colon)
{
	size_t n = 0;

	*colon = 0;
	for (; *w && n + 1 < sz; w++) {
		unsigned char c = (unsigned char)*w;
		if (isalnum(c) || c == '#')
			out[n++] = (char)tolower(c);
		else if (c == ':')
			*colon = 1;
	}
	out[n] = '\0';
}

struct line {
	size_t first, count; /* word range in the page's word array */
};

/* Does label l start at word i of the line?  Returns words used, or 0. */
static int label_at(const struct ocr_page *pg, const struct line *ln,
		    size_t i, const struct label *l, int *colon)
{
	int k;

	*colon = 0;
	for (k = 0; l->words[k] != NULL; k++) {
		char w[32];
		int c;
		if (i + k >= ln->count)
			return 0;
		norm_word(pg->words[ln->first + i + k].text, w, sizeof(w), &c);
		size_t lw = strlen(l->words[k]);
		if (strcmp(w, l->words[k]) != 0 &&
		    !(lw >= 5 && strlen(w) >= 5 &&
		      match_jaro_winkler(w, l->words[k]) >= 0.85 &&
		      !(strncmp(w, l->words[k], lw) == 0 &&
			strcmp(w + lw, "s") == 0))) {
			/* (long label words may come back misread: "Sirth";
			 * but "Medical Records" is a department) */
			/* "MRN#" or "DOB:" read as one token with '#'. */
			size_t len = strlen(l->words[k]);
			if (!(l->words[k + 1] == NULL &&
			      strncmp(w, l->words[k], len) == 0 &&
			      strcmp(w + len, "#") == 0))
				return 0;
		}
		*colon |= c;
	}
	/* A colon may also be its own token: "Name :" */
	if (i + k < ln->count &&
	    strcmp(pg->words[ln->first + i + k].text, ":") == 0) {
		*colon = 1;
		k++;
	}
	return k;
}

/* Longest label at word i; returns its index in labels[] or -1. */
static int find_label(const struct ocr_page *pg, const struct line *ln,
		      size_t i, int *used)
{
	int best = -1, best_len = 0;
	size_t j;

	for (j = 0; j < NLABELS; j++) {
		int colon, n = label_at(pg, ln, i, &labels[j], &colon);
		if (n == 0 || n <= best_len)
			continue;
		if (labels[j].colon && !colon)
			continue;
		best = (int)j;
		best_len = n;
	}
	*used = best_len;
	return best;
}

static int value_ok_name(const char *v)
{
	int letters = 0, words = 0, inword = 0;

	for (; *v; v++) {
		if (isalpha((unsigned char)*v)) {
			letters++;
			if (!inword)
				words++;
			inword = 1;
		} else if (*v == ' ' || *v == ',') {
			inword = 0;
		}
	}
	return letters >= 4 && words >= 2 && words <= 5;
}

static int value_ok_mrn(const char *v)
{
	int digits = 0, other = 0;

	for (; *v; v++) {
		if (isdigit((unsigned char)*v))
			digits++;
		else if (isalpha((unsigned char)*v))
			other++;
	}
	return digits >= 4 && digits >= 2 * other;
}

/* Form words that are never part of a name: when a value runs into the
 * next (misread) label or a printed hint, they are dropped. */
static const char *const not_name[] = {
    "date", "birth", "birthdate", "dob", "medical", "record", "mrn", "name", "patient",
    "physician", "signature", "sex", "age", "first", "last", "middle",
    "report", "copies", "send", "number", "phone", "address", "print",
    "please", "sign", "here", "witness", "relationship", "notes", "records",
    "hospital", "clinic", "department", "service", "signed", "attending",
    "provider", "information", "release", "consent", "authorization", NULL};

int count_words(const char *s, size_t len)
{
	int n = 0, in = 0;
	size_t i;

	for (i = 0; i < len && s[i]; i++) {
		int al = isalnum((unsigned char)s[i]) != 0;
		n += al && !in;
		in = al;
	}
	return n;
}

int is_form_word(const char *w, size_t len)
{
	const char *const *p;

	for (p = not_name; *p; p++)
		if (strlen(*p) == len && strncasecmp(w, *p, len) == 0)
			return 1;
	return 0;
}

/* Keep letters, spaces, hyphens, apostrophes, commas and periods; squeeze
 * spaces; drop "(hints)" and form words. */
static void clean_name(const char *in, char *out, size_t sz)
{
	size_t n = 0;
	int paren = 0;

	for (; *in && n + 1 < sz; in++) {
		unsigned char c = (unsigned char)*in;
		if (c == '(' || c == '[') {
			paren = 1;
			continue;
		}
		if (paren) {
			paren = c != ')' && c != ']';
			continue;
		}
		if (isalpha(c) && (n == 0 || !isalpha((unsigned char)out[n - 1]))) {
			size_t len = 0;
			while (isalpha((unsigned char)in[len]))
				len++;
			if (is_form_word(in, len)) {
				in += len - 1;
				continue;
			}
		}
		if (isalpha(c) || c == '-' || c == '\'' || c == ',' ||
		    c == '.')
			out[n++] = (char)c;
		else if (isspace(c) && n > 0 && out[n - 1] != ' ')
			out[n++] = ' ';
	}
	while (n > 0 && strchr(" ,.-", out[n - 1]))
		n--;
	out[n] = '\0';
}

int name_value(const char *raw, char *out, size_t sz)
{
	clean_name(raw, out, sz);
	return value_ok_name(out);
}

static void strip_parens(char *s)
{
	char *o = s;
	int depth = 0;

	for (; *s; s++) {
		if (*s == '(')
			depth++;
		else if (*s == ')' && depth > 0)
			depth--;
		else if (depth == 0)
			*o++ = *s;
	}
	*o = '\0';
}

/* "De. Raman", "Wr. Mensah", "V- Saber": a handwritten "Dr." misread, a
 * token of one or two letters and a dot or dash, then a name. */
static int title_misread(const char *v)
{
	size_t n = 0;

	while (isalpha((unsigned char)v[n]))
		n++;
	if (n == 0 || n > 2 || (v[n] != '.' && v[n] != '-'))
		return 0;
	while (v[n] == '.' || v[n] == '-')
		n++;
	return v[n] == ' ' && isalpha((unsigned char)v[n + 1]);
}

/* A physician's name (form words already cleaned out) is a few words,
 * none of them the words of the sentence or field a caption's neighbour
 * may hold ("Disclose to GREENWAY PHARMACY", "Treatment refused reason
 * ..."). */
static int value_ok_physician(const char *v)
{
	static const char *const prose[] = {
	    "to",  "the",    "of",       "and",  "for",   "may",  "be",
	    "is",  "in",     "until",    "this", "that",  "by",   "with",
	    "on",  "at",     "from",     "or",   "not",   "does", "reason",
	    "disclose", "refused", "treatment", "used", "effect", NULL};
	const char *p = v;
	int words = 0, i;

	while (*p) {
		size_t n = 0;
		while (*p && !isalpha((unsigned char)*p))
			p++;
		while (isalpha((unsigned char)p[n]))
			n++;
		if (n == 0)
			break;
		words++;
		for (i = 0; prose[i] != NULL; i++)
			if (strlen(prose[i]) == n &&
			    strncasecmp(p, prose[i], n) == 0)
				return 0;
		p += n;
	}
	return words >= 1 && words <= 4;
}

/* Could s be a garbled date: three digits, or a month's name? */
static int datelike(const char *s)
{
	static const char *const mon[] = {"jan", "feb", "mar", "apr", "may",
					  "jun", "jul", "aug", "sep", "oct",
					  "nov", "dec", NULL};
	const char *p;
	int digits = 0, i;

	for (p = s; *p; p++)
		digits += isdigit((unsigned char)*p) != 0;
	if (digits >= 3)
		return 1;
	for (i = 0; mon[i] != NULL; i++)
		if (strcasestr(s, mon[i]) != NULL)
			return 1;
	return 0;
}

static int add_value(const struct ocr_page *pg, size_t from, size_t to,
		     int field, int page, int support_only,
		     struct readings *rs)
{
	struct reading r;
	size_t i, len = 0;
	double conf = 0;

	if (to <= from)
		return CR_OK;
	memset(&r, 0, sizeof(r));
	r.field = field;
	r.page = page;
	r.support_only = support_only;
	r.x0 = pg->words[from].x0;
	r.y0 = pg->words[from].y0;
	r.x1 = pg->words[from].x1;
	r.y1 = pg->words[from].y1;
	for (i = from; i < to; i++) {
		const struct ocr_word *w = &pg->words[i];
		int n = snprintf(r.raw + len, sizeof(r.raw) - len, "%s%s",
				 len ? " " : "", w->text);
		if (n < 0 || (size_t)n >= sizeof(r.raw) - len)
			break;
		len += (size_t)n;
		conf += w->conf;
		if (w->x0 < r.x0) r.x0 = w->x0;
		if (w->y0 < r.y0) r.y0 = w->y0;
		if (w->x1 > r.x1) r.x1 = w->x1;
		if (w->y1 > r.y1) r.y1 = w->y1;
	}
	r.conf = conf / (double)(to - from);
	cr_strlcpy(r.source, "label", sizeof(r.source));
	switch (field) {
	case FIELD_NAME:
		if (!name_value(r.raw, r.value, sizeof(r.value)))
			return CR_OK;
		break;
	case FIELD_PHYSICIAN:
		clean_name(r.raw, r.value, sizeof(r.value));
		if (!value_ok_physician(r.value))
			return CR_OK;
		if (strncasecmp(r.value, "dr. ", 4) == 0 ||
		    strncasecmp(r.value, "dr ", 3) == 0 ||
		    title_misread(r.value))
			memmove(r.value, strchr(r.value, ' ') + 1,
				strlen(strchr(r.value, ' ')));
		if (strlen(r.value) < 3)
			return CR_OK;
		break;
	case FIELD_DOB:
	case FIELD_DOCDATE: {
		char alt[11];
		/* a printed format hint is not the value: "(mm/dd/yyyy)" */
		strip_parens(r.raw);
		int role = field == FIELD_DOB ? DATE_BIRTH : DATE_DOCUMENT;
		if (!date_parse(r.raw, role, r.value, alt)) {
			/* keep a garbled birth date raw: the matcher folds it;
			 * but not words with no date in them ("Dr. Haddadin",
			 * another field's value) */
			if (field != FIELD_DOB || strlen(r.raw) < 6 ||
			    !datelike(r.raw))
				return CR_OK;
			cr_strlcpy(r.value, r.raw, sizeof(r.value));
			r.conf *= 0.5;
		}
		/* An ambiguous 04/03/1952 is kept in US order only: the
		 * matcher gives a day/month swap partial credit, never full
		 * agreement, so it must not see the swap as a reading. */
		break;
	}
	case FIELD_MRN: {
		/* the first mostly-digit run of tokens */
		char *p = r.raw, *tok;
		r.value[0] = '\0';
		while ((tok = strsep(&p, " ")) != NULL) {
			if (value_ok_mrn(tok) || (r.value[0] && strlen(tok) > 1 &&
						  value_ok_mrn(tok)))
				strncat(r.value, tok,
					sizeof(r.value) - strlen(r.value) - 1);
			else if (r.value[0])
				break;
		}
		/* strsep cut raw; rebuild it for the report */
		for (i = 0; i + 1 < len; i++)
			if (r.raw[i] == '\0')
				r.raw[i] = ' ';
		if (!value_ok_mrn(r.value))
			return CR_OK;
		break;
	}
	}
	return readings_add(rs, &r);
}

/* Too little on the label's line to be its value ("Birth Date: * |}"):
 * forms often put the value under the label instead.  A printed format
 * hint ("(mm/dd/yyyy):") is part of the label, not a value. */
static int weak_value(const struct ocr_page *pg, size_t from, size_t to)
{
	int alnum = 0, paren = 0;
	size_t i;
	const char *c;

	for (i = from; i < to; i++)
		for (c = pg->words[i].text; *c; c++) {
			if (*c == '(' || *c == '[')
				paren = 1;
			else if (*c == ')' || *c == ']')
				paren = 0;
			else if (!paren)
				alnum += isalnum((unsigned char)*c) != 0;
		}
	return alnum < 3;
}

/*
 * The value written under a label (dir 1), or over it (dir -1: a caption
 * printed under the rule the value is written on): the words of the
 * nearest line that start within the label's column.  Lines are taken by
 * position, not by OCR's reading order (which may visit a form's columns
 * in turn).  The column runs from the label's left edge to the next label
 * on its line (right_limit), or a generous width when it is the last.  A
 * line below must begin within four label heights (handwriting is large,
 * captions small); a line above must end within two, a caption hugging
 * its rule.  Sets *from and *to to a run of words, or leaves them.
 */
static void value_near(const struct ocr_page *pg, const struct ocr_word *lw,
		       int right_limit, int dir, size_t *from, size_t *to)
{
	int h = lw->y1 - lw->y0, best_y = -1, line = -1;
	int half = (lw->y0 + lw->y1) / 2;
	size_t i, a = 0, b = 0;

	if (h < 10)
		h = 10;
	for (i = 0; i < pg->nwords; i++) {
		const struct ocr_word *w = &pg->words[i];
		int mid = (w->y0 + w->y1) / 2;
		const char *c = w->text;
		/* rules and specks come back as words without letters */
		while (*c && !isalnum((unsigned char)*c))
			c++;
		if (*c == '\0' || w->x1 < lw->x0 - h || w->x0 >= right_limit)
			continue;
		if (dir > 0) {
			if (mid <= lw->y1 || w->y0 <= half ||
			    w->y0 > lw->y1 + 4 * h)
				continue;
			if (best_y < 0 || w->y0 < best_y) {
				best_y = w->y0;
				line = w->line;
			}
		} else {
			if (mid >= lw->y0 || w->y1 >= half ||
			    w->y1 < lw->y0 - 2 * h)
				continue;
			if (best_y < 0 || w->y1 > best_y) {
				best_y = w->y1;
				line = w->line;
			}
		}
	}
	if (line < 0)
		return;
	/* that line's words inside the column, in order, at most six */
	for (i = 0; i < pg->nwords; i++) {
		const struct ocr_word *w = &pg->words[i];
		if (w->line != line)
			continue;
		if (w->x1 < lw->x0 - h || w->x0 >= right_limit) {
			if (b > a)
				break;
			continue;
		}
		if (b == a)
			a = b = i;
		if (b - a >= 6)
			break;
		b = i + 1;
	}
	if (b > a) {
		*from = a;
		*to = b;
	}
}

int extract_labelled(const struct ocr_page *pg, int page, struct readings *rs)
{
	struct line *lines = NULL;
	size_t nlines = 0, i, li;
	int rc = CR_OK;

	if (pg->nwords == 0)
		return CR_OK;
	lines = calloc(pg->nwords, sizeof(*lines));
	if (lines == NULL)
		return CR_ENOMEM;
	for (i = 0; i < pg->nwords; i++) {
		if (i == 0 || pg->words[i].line != pg->words[i - 1].line) {
			lines[nlines].first = i;
			nlines++;
		}
		lines[nlines - 1].count++;
	}
	for (li = 0; li < nlines && rc == CR_OK; li++) {
		const struct line *ln = &lines[li];
		size_t w = 0;
		int cur = -1, in_text = 0;
		size_t vstart = 0, lstart = 0;

		while (w <= ln->count && rc == CR_OK) {
			int used = 0;
			int lab = w < ln->count ? find_label(pg, ln, w, &used)
						: -1;
			if (lab < 0 && w < ln->count) {
				w++;
				continue;
			}
			if (cur >= 0) {
				size_t from = ln->first + vstart;
				size_t to = ln->first + w;
				if (weak_value(pg, from, to) && !in_text) {
					/* value under the label, in its
					 * column: up to the next label; or
					 * over it, when the label is a
					 * caption under the value's rule.
					 * The words cannot tell which, and
					 * the line over a label may be
					 * another's value (a guardian's row
					 * over the patient's): the one over
					 * it is support only. */
					const struct ocr_word *lw =
					    &pg->words[ln->first + lstart];
					int right = w < ln->count
							? pg->words[ln->first + w].x0
							: pg->width > 0 ? pg->width
									: 1 << 30;
					size_t af = from, at = from;
					value_near(pg, lw, right, 1, &from,
						   &to);
					value_near(pg, lw, right, -1, &af, &at);
					rc = add_value(pg, from, to,
						       labels[cur].field, page,
						       0, rs);
					if (rc == CR_OK && at > af && af != from)
						rc = add_value(pg, af, at,
							       labels[cur].field,
							       page, 1, rs);
				} else {
					rc = add_value(pg, from, to,
						       labels[cur].field, page,
						       0, rs);
				}
			}
			if (w == ln->count)
				break;
			/* A label after words that are no label's value is
			 * running text ("Request for Release of Medical
			 * Records"): not a field whose value is elsewhere. */
			in_text = cur < 0 && !weak_value(pg, ln->first,
							 ln->first + w);
			cur = lab;
			lstart = w;
			w += (size_t)used;
			vstart = w;
		}
	}
	free(lines);
	return rc;
}

int extract_prose_dates(const char *text, int page, struct readings *rs)
{
	static const char *const cues[] = {"born", "birth", "dob", "d.o.b",
					   NULL};
	const char *p;
	int i;

	for (i = 0; cues[i] != NULL; i++) {
		for (p = strcasestr(text, cues[i]); p != NULL;
		     p = strcasestr(p + 1, cues[i])) {
			struct reading r;
			char alt[11];
			const char *s = p + strlen(cues[i]);
			/* skip "on", "date of", ":" up to the date */
			char window[48];
			size_t k;
			while (*s && (isspace((unsigned char)*s) ||
				      strchr(":,", *s) ||
				      strncasecmp(s, "on ", 3) == 0 ||
				      strncasecmp(s, "date", 4) == 0 ||
				      strncasecmp(s, "of ", 3) == 0)) {
				if (isalpha((unsigned char)*s))
					while (isalpha((unsigned char)*s))
						s++;
				else
					s++;
			}
			for (k = 0; k + 1 < sizeof(window) && s[k] &&
				    s[k] != '\n' && s[k] != ';';
			     k++)
				window[k] = s[k];
			window[k] = '\0';
			/* stop at the end of the date: cut after a 4-digit
			 * year or a second separator group */
			memset(&r, 0, sizeof(r));
			for (k = strlen(window); k >= 6; k--) {
				window[k] = '\0';
				if (date_parse(window, DATE_BIRTH, r.value, alt))
					break;
			}
			if (r.value[0] == '\0' || k < 6)
				continue;
			r.field = FIELD_DOB;
			r.page = page;
			r.conf = 0.6;
			r.x0 = r.y0 = r.x1 = r.y1 = -1;
			cr_strlcpy(r.raw, window, sizeof(r.raw));
			cr_strlcpy(r.source, "prose", sizeof(r.source));
			if (readings_add(rs, &r) != CR_OK)
				return CR_ENOMEM;
		}
	}
	return CR_OK;
}
