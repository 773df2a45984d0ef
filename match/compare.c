/*
 * compare.c - the comparators the matcher is built from: Jaro-Winkler on
 * names, OCR-confusion folding for numbers, and name similarity that is
 * indifferent to order ("Smith, John" / "John Smith"), case, hyphens and
 * apostrophes.  Kept apart from the decision logic so each can be tested
 * on its own.
 */
#include "match.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define NAME_MAX_LEN 96

/* Upper-case ASCII letters only; everything else dropped. */
static size_t letters_only(const char *in, char *out, size_t outsz)
{
	size_t n = 0;

	for (; in != NULL && *in != '\0' && n + 1 < outsz; in++) {
		unsigned char c = (unsigned char)*in;
		if (isalpha(c))
			out[n++] = (char)toupper(c);
	}
	out[n] = '\0';
	return n;
}

static double jaro_winkler_raw(const char *a, size_t la, const char *b,
			       size_t lb)
{
	char amatch[NAME_MAX_LEN], bmatch[NAME_MAX_LEN];
	size_t i, j, k, m = 0, t = 0, window, prefix = 0;
	double jaro;

	if (la >= NAME_MAX_LEN)
		la = NAME_MAX_LEN - 1;
	if (lb >= NAME_MAX_LEN)
		lb = NAME_MAX_LEN - 1;
	if (la == 0 && lb == 0)
		return 1.0;
	if (la == 0 || lb == 0)
		return 0.0;
	memset(amatch, 0, sizeof(amatch));
	memset(bmatch, 0, sizeof(bmatch));
	window = (la > lb ? la : lb) / 2;
	window = window > 0 ? window - 1 : 0;
	for (i = 0; i < la; i++) {
		size_t lo = i > window ? i - window : 0;
		size_t hi = i + window + 1 < lb ? i + window + 1 : lb;
		for (j = lo; j < hi; j++) {
			if (bmatch[j] || a[i] != b[j])
				continue;
			amatch[i] = bmatch[j] = 1;
			m++;
			break;
		}
	}
	if (m == 0)
		return 0.0;
	for (i = 0, k = 0; i < la; i++) {
		if (!amatch[i])
			continue;
		while (!bmatch[k])
			k++;
		if (a[i] != b[k])
			t++;
		k++;
	}
	jaro = ((double)m / la + (double)m / lb +
		((double)m - t / 2.0) / m) / 3.0;
	while (prefix < 4 && prefix < la && prefix < lb && a[prefix] == b[prefix])
		prefix++;
	return jaro + prefix * 0.1 * (1.0 - jaro);
}

double match_jaro_winkler(const char *a, const char *b)
{
	char x[NAME_MAX_LEN], y[NAME_MAX_LEN];
	size_t lx = letters_only(a, x, sizeof(x));
	size_t ly = letters_only(b, y, sizeof(y));

	return jaro_winkler_raw(x, lx, y, ly);
}

size_t match_fold_digits(const char *in, char *out, size_t outsz)
{
	size_t n = 0;

	if (outsz == 0)
		return 0;
	for (; in != NULL && *in != '\0' && n + 1 < outsz; in++) {
		char c = *in, d;
		if (c >= '0' && c <= '9')
			d = c;
		else if (strchr("ODQUo", c) != NULL)
			d = '0';
		else if (strchr("lIi|!L[]", c) != NULL)
			d = '1';
		else if (c == 'Z' || c == 'z')
			d = '2';
		else if (c == 'S' || c == 's' || c == '$')
			d = '5';
		else if (c == 'G' || c == 'b')
			d = '6';
		else if (c == 'T')
			d = '7';
		else if (c == 'B')
			d = '8';
		else if (c == 'g' || c == 'q')
			d = '9';
		else if (c == 'A')
			d = '4';
		else
			continue; /* separators and unknown glyphs */
		out[n++] = d;
	}
	out[n] = '\0';
	return n;
}

/* Split a written name into up to max letter-only tokens. */
static int name_tokens(const char *s, char tok[][NAME_MAX_LEN], int max,
		       int *comma_at)
{
	int n = 0;
	size_t len = 0;

	*comma_at = -1;
	for (;; s++) {
		unsigned char c = (unsigned char)*s;
		int end = c == '\0' || isspace(c) || c == ',' || c == ';';
		if (!end && isalpha(c) && len + 1 < NAME_MAX_LEN && n < max)
			tok[n][len++] = (char)toupper(c);
		/* hyphens and apostrophes join: O'Donnell, Garcia-Lopez */
		if (end && len > 0 && n < max) {
			tok[n][len] = '\0';
			n++;
			len = 0;
		}
		if (c == ',' && *comma_at < 0)
			*comma_at = n;
		if (c == '\0')
			break;
	}
	return n;
}

/* Letter-shape classes of handwriting OCR: letters in one class are
 * often read as one another.  Vowels collapse, as do r/c, g/p/q, m/n/h/w,
 * i/l/j/t, b/d, v/y, k/x, s/z. */
static char shape_of(int c)
{
	switch (toupper(c)) {
	case 'M': case 'N': case 'H': case 'W': return 'N';
	case 'R': case 'C': return 'C';
	case 'G': case 'P': case 'Q': return 'G';
	case 'A': case 'E': case 'O': case 'U': return 'A';
	case 'I': case 'L': case 'J': case 'T': return 'I';
	case 'B': case 'D': return 'B';
	case 'V': case 'Y': return 'V';
	case 'K': case 'X': return 'K';
	case 'S': case 'Z': return 'S';
	}
	return (char)toupper(c);
}

size_t match_shape_key(const char *in, char *out, size_t outsz)
{
	size_t n = 0;

	if (outsz == 0)
		return 0;
	for (; in != NULL && *in != '\0' && n + 1 < outsz; in++)
		if (isalpha((unsigned char)*in))
			out[n++] = shape_of((unsigned char)*in);
	out[n] = '\0';
	return n;
}

/* written is already upper-case letters (a token); shape says whether to
 * compare shape keys instead of letters. */
static double jw_norm_mode(const char *written, const char *roster, int shape)
{
	char x[2 * NAME_MAX_LEN], y[NAME_MAX_LEN];
	size_t lx, ly;

	if (!shape) {
		ly = letters_only(roster, y, sizeof(y));
		return jaro_winkler_raw(written, strlen(written), y, ly);
	}
	lx = match_shape_key(written, x, sizeof(x));
	ly = match_shape_key(roster, y, sizeof(y));
	return jaro_winkler_raw(x, lx, y, ly);
}

/* The family and given similarity of the best-scoring order, recorded by
 * name_similarity() for match_name_parts(). */
struct parts {
	double fam, giv;
};

/* Both parts must agree: the weaker one dominates. */
static double pair_score_raw(double fam, double giv)
{
	double lo = fam < giv ? fam : giv, hi = fam < giv ? giv : fam;

	return 0.75 * lo + 0.25 * hi;
}

static double pair_score_rec(double fam, double giv, struct parts *best,
			     double *best_score)
{
	double s = pair_score_raw(fam, giv);

	if (best != NULL && s > *best_score) {
		best->fam = fam;
		best->giv = giv;
		*best_score = s;
	}
	return s;
}

static double name_similarity(const char *written,
			      const struct match_patient *p, int shape,
			      struct parts *parts)
{
	double rec = -1;
#define pair_score(f, g) pair_score_rec((f), (g), parts, &rec)
	char tok[6][NAME_MAX_LEN];
	int comma_at, n, i;
	double best = 0.0, s;

	n = name_tokens(written, tok, 6, &comma_at);
	if (n == 0)
		return 0.0;
	if (n == 1)
		/* one word is at most half a name */
		return 0.5 * jw_norm_mode(tok[0], p->family_name, shape);
	if (comma_at > 0 && comma_at < n) {
		/* "Family, Given [Middle]" */
		char fam[NAME_MAX_LEN] = "";
		for (i = 0; i < comma_at; i++)
			strncat(fam, tok[i], sizeof(fam) - strlen(fam) - 1);
		s = pair_score(jw_norm_mode(fam, p->family_name, shape),
			       jw_norm_mode(tok[comma_at], p->given_name, shape));
		if (s > best)
			best = s;
	}
	/* "Given [Middle] Family" and "FAMILY GIVEN" (label order) */
	s = pair_score(jw_norm_mode(tok[n - 1], p->family_name, shape),
		       jw_norm_mode(tok[0], p->given_name, shape));
	if (s > best)
		best = s;
	s = pair_score(jw_norm_mode(tok[0], p->family_name, shape),
		       jw_norm_mode(tok[n - 1], p->given_name, shape));
	if (s > best)
		best = s;
	if (n >= 3) {
		/* compound family name split by OCR: "Garcia Lopez" */
		char fam[2 * NAME_MAX_LEN];
		snprintf(fam, sizeof(fam), "%s%s", tok[n - 2], tok[n - 1]);
		s = pair_score(jw_norm_mode(fam, p->family_name, shape),
			       jw_norm_mode(tok[0], p->given_name, shape));
		if (s > best)
			best = s;
	}
	return best;
}
#undef pair_score

double match_name_similarity(const char *written,
			     const struct match_patient *p)
{
	return name_similarity(written, p, 0, NULL);
}

double match_name_parts(const char *written, const struct match_patient *p,
			double *family, double *given)
{
	struct parts pt = {0, 0};
	double s = name_similarity(written, p, 0, &pt);

	*family = pt.fam;
	*given = pt.giv;
	return s;
}

double match_name_shape_similarity(const char *written,
				   const struct match_patient *p)
{
	return name_similarity(written, p, 1, NULL);
}
