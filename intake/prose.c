/*
 * prose.c - finding the patient in a letter's prose.
 *
 * A family letter names its subject in sentences ("my mother Margaret
 * O'Donnell, born ...") and its writer in the signature; the writer is
 * often a relative and may be a patient too.  OCR garbles handwriting, so
 * we do not try to parse names out of the text: we ask, for each roster
 * patient, whether their family name and given name both appear close
 * together (Jaro-Winkler, tolerant of misreads), and classify each such
 * mention by its context: after a relation word or "regarding" it is the
 * subject; after a closing ("Sincerely,") or "my name is", or in the last
 * lines, it is the writer.  Each mention becomes a name reading for the
 * matcher, which ignores the writer's.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "prose.h"

#define TOK_MAX 32
#define MAX_TOKENS 4000

struct tok {
	char w[TOK_MAX];   /* upper-case letters only */
	char lower[TOK_MAX];
	int line;
	int len;
	char shape0;       /* shape class of the first letter: a cheap key */
};

static const char *const subject_cues[] = {
    "mother", "father", "mom", "dad", "wife", "husband", "son", "daughter",
    "brother", "sister", "grandmother", "grandfather", "grandson",
    "granddaughter", "aunt", "uncle", "niece", "nephew", "patient",
    "regarding", "re", "about", "concerning", "resident", "partner",
    "spouse", "child", "mum", "grandma", "grandpa", NULL};
static const char *const writer_cues[] = {
    "sincerely", "regards", "love", "truly", "yours", "thanks", "thank",
    "respectfully", "cordially", "signed", "from",
    /* not the subject either: the physician addressed or named */
    "dr", "doctor", "physician", NULL};

static int in_list(const char *w, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(w, *list) == 0)
			return 1;
	return 0;
}

static size_t tokenize(const char *text, struct tok *t, size_t max,
		       int *nlines)
{
	size_t n = 0, len = 0;
	int line = 0;

	for (;; text++) {
		unsigned char c = (unsigned char)*text;
		if (isalpha(c) && len + 1 < TOK_MAX) {
			t[n].w[len] = (char)toupper(c);
			t[n].lower[len] = (char)tolower(c);
			len++;
			continue;
		}
		if (c == '\'' || c == '-') /* O'Donnell, Garcia-Lopez */
			continue;
		if (len > 0) {
			char k[2];
			t[n].w[len] = t[n].lower[len] = '\0';
			t[n].line = line;
			t[n].len = (int)len;
			match_shape_key((char[]){t[n].w[0], '\0'}, k,
					sizeof(k));
			t[n].shape0 = k[0];
			len = 0;
			if (++n == max)
				break;
		}
		if (c == '\n' || c == '\f')
			line++;
		if (c == '\0')
			break;
	}
	*nlines = line + 1;
	return n;
}

static double jw_tok(const char *tok, const char *name)
{
	return match_jaro_winkler(tok, name);
}

/* Is token i a plausible spelling of name?  Short names must be exact:
 * Jaro-Winkler is generous with three letters. */
static int same_name(const char *tok, const char *name)
{
	char n[TOK_MAX];
	size_t k = 0;

	for (; *name && k + 1 < sizeof(n); name++)
		if (isalpha((unsigned char)*name))
			n[k++] = (char)toupper((unsigned char)*name);
	n[k] = '\0';
	if (k == 0 || tok[0] == '\0')
		return 0;
	if (k <= 4)
		return strcmp(tok, n) == 0;
	if (abs((int)strlen(tok) - (int)k) > 2)
		return 0;
	if (jw_tok(tok, n) >= 0.90)
		return 1;
	/* handwriting: same letter shapes, most letters right */
	{
		char a[TOK_MAX], b[TOK_MAX];
		match_shape_key(tok, a, sizeof(a));
		match_shape_key(n, b, sizeof(b));
		return jw_tok(a, b) >= 0.90 && jw_tok(tok, n) >= 0.65;
	}
}

static int context(const struct tok *t, size_t at, int nlines)
{
	size_t k, from = at > 5 ? at - 5 : 0;
	int subject = 0;

	/* "I, Daniel Nguyen, ..." introduces the writer */
	if (at >= 1 && strcmp(t[at - 1].lower, "i") == 0)
		return -1;
	/* nearest cue before the mention decides */
	for (k = at; k-- > from;) {
		if (in_list(t[k].lower, subject_cues)) {
			subject = 1;
			break;
		}
		if (in_list(t[k].lower, writer_cues)) {
			subject = -1;
			break;
		}
		if (k >= 1 && strcmp(t[k].lower, "is") == 0 &&
		    strcmp(t[k - 1].lower, "name") == 0) {
			subject = -1;
			break;
		}
		if (k >= 1 && strcmp(t[k].lower, "am") == 0 &&
		    strcmp(t[k - 1].lower, "i") == 0) {
			subject = -1;
			break;
		}
	}
	/* a name alone in the last lines is the signature */
	if (subject == 0 && nlines > 6 && t[at].line >= nlines - 3)
		subject = -1;
	return subject;
}

int prose_find_names(const char *text, const struct match_roster *roster,
		     int page, struct readings *rs)
{
	struct tok *t;
	size_t n, i, p, count;
	int nlines, rc = CR_OK;

	if (text == NULL || roster == NULL)
		return CR_OK;
	t = calloc(MAX_TOKENS, sizeof(*t));
	if (t == NULL)
		return CR_ENOMEM;
	n = tokenize(text, t, MAX_TOKENS, &nlines);
	count = match_roster_count(roster);
	for (p = 0; p < count && rc == CR_OK; p++) {
		const struct match_patient *pt = match_roster_get(roster, p);
		char fam[TOK_MAX];
		size_t k = 0;
		const char *s;

		for (s = pt->family_name; *s && k + 1 < sizeof(fam); s++)
			if (isalpha((unsigned char)*s))
				fam[k++] = (char)toupper((unsigned char)*s);
		fam[k] = '\0';
		char fam0[2];
		match_shape_key(fam, fam0, sizeof(fam0));
		for (i = 0; i < n; i++) {
			size_t g, lo, hi, start;
			struct reading r;
			/* cheap keys first: a roster of thousands times a
			 * letter of hundreds of words */
			if (t[i].shape0 != fam0[0] ||
			    abs(t[i].len - (int)k) > 2 ||
			    is_form_word(t[i].w, (size_t)t[i].len) ||
			    !same_name(t[i].w, fam))
				continue;
			/* given name within two words either side */
			lo = i > 2 ? i - 2 : 0;
			hi = i + 3 < n ? i + 3 : n;
			for (g = lo; g < hi; g++)
				if (g != i &&
				    !is_form_word(t[g].w, (size_t)t[g].len) &&
				    same_name(t[g].w, pt->given_name))
					break;
			if (g == hi)
				continue;
			start = g < i ? g : i;
			memset(&r, 0, sizeof(r));
			r.field = FIELD_NAME;
			r.page = page;
			r.conf = 0.6;
			r.x0 = r.y0 = r.x1 = r.y1 = -1;
			snprintf(r.value, sizeof(r.value), "%s %s",
				 g < i ? t[g].w : t[i].w,
				 g < i ? t[i].w : t[g].w);
			if (g > i) /* "O'Donnell, Margaret" */
				snprintf(r.value, sizeof(r.value), "%s, %s",
					 t[i].w, t[g].w);
			cr_strlcpy(r.raw, r.value, sizeof(r.raw));
			cr_strlcpy(r.source, "prose", sizeof(r.source));
			r.subject = context(t, start, nlines);
			rc = readings_add(rs, &r);
		}
	}
	free(t);
	return rc;
}
