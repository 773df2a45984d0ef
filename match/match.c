/*
 * match.c - the roster and the link decision.
 *
 * Every patient in the roster is scored against the document's readings
 * (a roster of tens of thousands scores in milliseconds, so every patient
 * is a candidate and no blocking key can hide the right one).  For each
 * identifier kind the best-agreeing reading counts; its agreement level
 * adds a weight in the Fellegi-Sunter spirit (log2 of how much likelier
 * that outcome is for the true patient than for a random one, rounded to
 * round numbers an operator can reason about).  The sum becomes a 0..1
 * score through a logistic curve.  The decision rules that keep misfiles
 * at zero are in decide(), in one place.
 */
#include "match.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct match_roster {
	struct match_patient *p;
	size_t n, cap;
};

/* Weights per kind and agreement level: absent, disagree, partial,
 * consistent, agree.  A name agreement is weaker than a birth date's
 * (names repeat), an MRN's is strong, a barcode's stronger still.  A name
 * that is only consistent with the patient through handwriting confusions
 * weighs less than one spelled right. */
static const double weights[MATCH_KIND_COUNT][5] = {
	[MATCH_NAME] = {0, -4, 2, 4, 5},
	[MATCH_DOB] = {0, -5, 2, 5, 6},
	[MATCH_MRN] = {0, -4, 1, 7, 8},
	[MATCH_BARCODE] = {0, -10, 0, 10, 10},
};
/* Weight at which the score is 0.5: one strong identifier is not enough. */
#define SCORE_MIDPOINT 6.5

/* Keys of the evidence JSON, and the same in words for the reasons an
 * operator reads. */
static const char *kind_names[MATCH_KIND_COUNT] = {"name", "birth_date", "mrn",
						   "barcode"};
static const char *kind_words[MATCH_KIND_COUNT] = {"name", "birth date", "MRN",
						   "barcode"};

void match_config_default(struct match_config *c)
{
	c->autolink_score = 0.90;
	c->min_margin = 0.30;
	c->min_identifiers = 2;
	c->max_candidates = 5;
}

struct match_roster *match_roster_new(void)
{
	return calloc(1, sizeof(struct match_roster));
}

static void patient_free(struct match_patient *p)
{
	free((char *)p->mrn);
	free((char *)p->family_name);
	free((char *)p->given_name);
	free((char *)p->middle_name);
	free((char *)p->birth_date);
	free((char *)p->physician);
}

void match_roster_free(struct match_roster *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++)
		patient_free(&r->p[i]);
	free(r->p);
	free(r);
}

int match_roster_add(struct match_roster *r, const struct match_patient *p)
{
	struct match_patient c;

	if (p->mrn == NULL || p->family_name == NULL || p->given_name == NULL ||
	    p->birth_date == NULL)
		return CR_EINVAL;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 256;
		struct match_patient *np = realloc(r->p, cap * sizeof(*np));
		if (np == NULL)
			return CR_ENOMEM;
		r->p = np;
		r->cap = cap;
	}
	memset(&c, 0, sizeof(c));
	c.mrn = cr_strdup(p->mrn);
	c.family_name = cr_strdup(p->family_name);
	c.given_name = cr_strdup(p->given_name);
	c.middle_name = cr_strdup(p->middle_name);
	c.birth_date = cr_strdup(p->birth_date);
	c.physician = cr_strdup(p->physician);
	if (c.mrn == NULL || c.family_name == NULL || c.given_name == NULL ||
	    c.birth_date == NULL) {
		patient_free(&c);
		return CR_ENOMEM;
	}
	r->p[r->n++] = c;
	return CR_OK;
}

size_t match_roster_count(const struct match_roster *r)
{
	return r->n;
}

const struct match_patient *match_roster_get(const struct match_roster *r,
					     size_t i)
{
	return i < r->n ? &r->p[i] : NULL;
}

/* ---- Per-identifier comparisons ------------------------------------- */

static int hamming1(const char *a, const char *b)
{
	int diff = 0;

	if (strlen(a) != strlen(b))
		return 0;
	for (; *a; a++, b++)
		diff += *a != *b;
	return diff == 1;
}

static const char *skip_zeros(const char *s)
{
	while (*s == '0' && s[1] != '\0')
		s++;
	return s;
}

static int compare_mrn(const char *reading, const char *mrn)
{
	char a[64], b[64];

	match_fold_digits(reading, a, sizeof(a));
	match_fold_digits(mrn, b, sizeof(b));
	if (a[0] == '\0')
		return MATCH_ABSENT;
	if (strcmp(skip_zeros(a), skip_zeros(b)) == 0)
		return MATCH_AGREE;
	/* One misread digit: suggestive, never decisive (look-alike MRNs). */
	if (hamming1(a, b))
		return MATCH_PARTIAL;
	/* Part of the number read ("A7778" of 48547778: the start ran into
	 * a rule or a stain) does not contradict it; another number does. */
	if (strlen(a) >= 4 && strlen(a) < strlen(b) && strstr(b, a) != NULL)
		return MATCH_PARTIAL;
	return MATCH_DISAGREE;
}

static int compare_barcode(const char *data, const char *mrn)
{
	char a[128];
	size_t i, n = 0;

	/* Labels may carry a prefix ("MRN00482913", "PID|00482913"): take the
	 * longest digit run. */
	for (i = 0; data[i] != '\0'; i++) {
		size_t j = i;
		while (data[j] >= '0' && data[j] <= '9')
			j++;
		if (j - i > n && j - i < sizeof(a)) {
			n = j - i;
			memcpy(a, data + i, n);
			a[n] = '\0';
		}
		if (j > i)
			i = j - 1;
	}
	if (n == 0)
		return MATCH_ABSENT;
	return strcmp(skip_zeros(a), skip_zeros(mrn)) == 0 ? MATCH_AGREE
							   : MATCH_DISAGREE;
}

/*
 * A birth date OCR could not parse ("19 SEP \435") still says something:
 * if its tokens hold the patient's day, the patient's month (a number or
 * its name) and a number ending in the patient's two-digit year, each a
 * different token, it is consistent with that birth date.  By chance
 * that is about 1 in 37000 for a random patient.
 */
static int raw_date_consistent(const char *raw, const char *dob)
{
	static const char *const mon[] = {"jan", "feb", "mar", "apr",
					  "may", "jun", "jul", "aug",
					  "sep", "oct", "nov", "dec"};
	int y = atoi(dob), m = atoi(dob + 5), d = atoi(dob + 8);
	int day_at = -1, mon_at = -1, year_at = -1, i = 0;
	const char *p = raw;

	if (m < 1 || m > 12)
		return 0;
	while (*p) {
		char tok[32], dig[32];
		size_t n = 0, nd;
		int alpha = 1;
		while (*p && !isalnum((unsigned char)*p) && *p != '\\' &&
		       *p != '|')
			p++;
		while (*p && (isalnum((unsigned char)*p) || *p == '\\' ||
			      *p == '|') && n + 1 < sizeof(tok)) {
			alpha &= isalpha((unsigned char)*p) != 0;
			tok[n++] = *p++;
		}
		while (*p && (isalnum((unsigned char)*p) || *p == '\\'))
			p++;
		tok[n] = '\0';
		if (n == 0)
			break;
		if (alpha) {
			if (n >= 3 && strncasecmp(tok, mon[m - 1], 3) == 0 &&
			    mon_at < 0)
				mon_at = i;
		} else {
			nd = match_fold_digits(tok, dig, sizeof(dig));
			if (nd > 0 && nd <= 2 && atoi(dig) == d && day_at < 0)
				day_at = i;
			else if (nd > 0 && nd <= 2 && atoi(dig) == m &&
				 mon_at < 0)
				mon_at = i;
			else if (nd >= 2 && atoi(dig + nd - 2) == y % 100 &&
				 year_at < 0)
				year_at = i;
		}
		i++;
	}
	return day_at >= 0 && mon_at >= 0 && year_at >= 0;
}

static int compare_dob(const char *reading, const char *dob)
{
	char a[16], b[16];

	/* Both ISO: exact, swapped day/month, or one digit apart. */
	if (strlen(reading) == 10 && reading[4] == '-' && reading[7] == '-') {
		if (strcmp(reading, dob) == 0)
			return MATCH_AGREE;
		if (strncmp(reading, dob, 5) == 0 &&
		    strncmp(reading + 5, dob + 8, 2) == 0 &&
		    strncmp(reading + 8, dob + 5, 2) == 0)
			return MATCH_PARTIAL;
		match_fold_digits(reading, a, sizeof(a));
		match_fold_digits(dob, b, sizeof(b));
		return hamming1(a, b) ? MATCH_PARTIAL : MATCH_DISAGREE;
	}
	/* A raw unparsed reading: compare its folded digits with the US
	 * spellings MMDDYYYY and MMDDYY of the birth date. */
	if (raw_date_consistent(reading, dob))
		return MATCH_CONSISTENT;
	match_fold_digits(reading, a, sizeof(a));
	/* Fewer digits than a date, or a count neither MMDDYY nor MMDDYYYY
	 * has ("TON. 1, 2022" folds to 7012022): characters were lost or
	 * made up, and what is left cannot contradict anyone. */
	if (strlen(a) != 6 && strlen(a) != 8)
		return MATCH_ABSENT;
	snprintf(b, sizeof(b), "%.2s%.2s%.4s", dob + 5, dob + 8, dob);
	if (strcmp(a, b) == 0)
		return MATCH_AGREE;
	if (hamming1(a, b))
		return MATCH_PARTIAL;
	snprintf(b, sizeof(b), "%.2s%.2s%.2s", dob + 5, dob + 8, dob + 2);
	if (strcmp(a, b) == 0)
		return MATCH_AGREE;
	return hamming1(a, b) ? MATCH_PARTIAL : MATCH_DISAGREE;
}

/* *same_family is set when the family name read is this patient's. */
static int compare_name(const char *reading, const struct match_patient *p,
			int *same_family)
{
	double fam, giv;
	double s = match_name_parts(reading, p, &fam, &giv);
	double shape = match_name_shape_similarity(reading, p);

	*same_family = fam >= 0.95;
	if (s >= 0.93)
		return MATCH_AGREE;
	/* Same shapes (r read as c, g as p...) and most letters right. */
	if (shape >= 0.90 && s >= 0.70)
		return MATCH_CONSISTENT;
	/* The family name as spelled and a given name that does not
	 * contradict it ("lCakvuleen Patel" for Kathleen Patel).  Twins
	 * score the same way and then fail the margin rule. */
	if (fam >= 0.95 && giv >= 0.72)
		return MATCH_CONSISTENT;
	if (s >= 0.82 || shape >= 0.88)
		return MATCH_PARTIAL;
	return s < 0.5 && shape < 0.6 ? MATCH_DISAGREE : MATCH_ABSENT;
}

static int compare(const struct match_reading *rd,
		   const struct match_patient *p, int *same_family)
{
	switch (rd->kind) {
	case MATCH_NAME:
		return compare_name(rd->value, p, same_family);
	case MATCH_DOB:
		return compare_dob(rd->value, p->birth_date);
	case MATCH_MRN:
		return compare_mrn(rd->value, p->mrn);
	case MATCH_BARCODE:
		return compare_barcode(rd->value, p->mrn);
	}
	return MATCH_ABSENT;
}

/* Score one patient: for each kind the best agreement over its readings.
 * A name read from a letter's signature (the writer) is not evidence
 * about the subject and is skipped. */
static void score_patient(const struct match_patient *p, size_t idx,
			  const struct match_reading *rd, size_t n,
			  struct match_candidate *c)
{
	const struct match_reading *used[MATCH_KIND_COUNT] = {0};
	const struct match_reading *sup_used[MATCH_KIND_COUNT] = {0};
	int sup[MATCH_KIND_COUNT] = {0};
	double w = 0;
	size_t i;
	int k, len, shown[MATCH_KIND_COUNT];

	memset(c, 0, sizeof(*c));
	c->patient = idx;
	for (i = 0; i < n; i++) {
		int a, fam = 0;
		if (rd[i].kind < 0 || rd[i].kind >= MATCH_KIND_COUNT ||
		    rd[i].value == NULL || rd[i].subject < 0)
			continue;
		a = compare(&rd[i], p, &fam);
		/* A name found in the text by searching for roster names,
		 * with nothing saying whom the page is about, is evidence
		 * for the patient it was found for and none against the
		 * others: pages mention relatives, doctors, and words that
		 * look like some patient's name ("DATE NOTES"). */
		if (a == MATCH_DISAGREE &&
		    (rd[i].support_only ||
		     (rd[i].subject == 0 && rd[i].source != NULL &&
		      strcmp(rd[i].source, "prose") == 0)))
			a = MATCH_ABSENT;
		c->same_family |= fam;
		/* A value that may be another field's (a guardian's name
		 * over the patient's caption) is kept apart: it is shown as
		 * evidence and weighs nothing, for or against. */
		if (rd[i].support_only) {
			if (a > sup[rd[i].kind]) {
				sup[rd[i].kind] = a;
				sup_used[rd[i].kind] = &rd[i];
			}
			continue;
		}
		if (a > c->agree[rd[i].kind] ||
		    (a == MATCH_DISAGREE && c->agree[rd[i].kind] == 0)) {
			c->agree[rd[i].kind] = a;
			used[rd[i].kind] = &rd[i];
		}
	}
	for (k = 0; k < MATCH_KIND_COUNT; k++)
		w += weights[k][c->agree[k]];
	c->score = 1.0 / (1.0 + exp2(SCORE_MIDPOINT - w));
	c->identifiers = (c->agree[MATCH_NAME] >= MATCH_CONSISTENT) +
			 (c->agree[MATCH_DOB] >= MATCH_CONSISTENT) +
			 (c->agree[MATCH_MRN] >= MATCH_CONSISTENT ||
			  c->agree[MATCH_BARCODE] >= MATCH_CONSISTENT);
	/* The operator sees a support-only agreement where nothing else
	 * was read for the field; it weighs nothing. */
	for (k = 0; k < MATCH_KIND_COUNT; k++) {
		shown[k] = c->agree[k];
		if (used[k] == NULL && sup_used[k] != NULL) {
			used[k] = sup_used[k];
			shown[k] = sup[k];
		}
	}

	static const char *levels[] = {"absent", "disagree", "partial",
				       "consistent", "agree"};
	len = snprintf(c->evidence, sizeof(c->evidence), "{");
	for (k = 0; k < MATCH_KIND_COUNT; k++) {
		char val[48];
		size_t j, m = 0;
		if (used[k] == NULL || len >= (int)sizeof(c->evidence))
			continue;
		/* JSON-safe copy: drop quotes, backslashes, control bytes */
		for (j = 0; used[k]->value[j] && m + 1 < sizeof(val); j++) {
			unsigned char ch = (unsigned char)used[k]->value[j];
			if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
				val[m++] = (char)ch;
		}
		val[m] = '\0';
		len += snprintf(c->evidence + len, sizeof(c->evidence) - len,
				"%s\"%s\":{\"read\":\"%s\",\"source\":\"%s\","
				"\"result\":\"%s%s\"}",
				len > 1 ? "," : "", kind_names[k], val,
				used[k]->source ? used[k]->source : "ocr",
				levels[shown[k]],
				used[k]->support_only ? " (support only)" : "");
	}
	if (len < (int)sizeof(c->evidence) - 1)
		strcat(c->evidence, "}");
	else
		cr_strlcpy(c->evidence, "{}", sizeof(c->evidence));
}

static int by_score(const void *a, const void *b)
{
	const struct match_candidate *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return x->patient < y->patient ? -1 : x->patient > y->patient;
}

static int dominated(const struct match_candidate *c,
		     const struct match_candidate *best)
{
	int k, lower = 0;

	for (k = 0; k < MATCH_KIND_COUNT; k++) {
		if (c->agree[k] > best->agree[k])
			return 0;
		/* a missing reading is no weaker than a contradicted one */
		if (c->agree[k] < best->agree[k] && c->agree[k] != MATCH_ABSENT)
			lower = 1;
	}
	return lower;
}

static void full_name(const struct match_patient *p, char *out, size_t sz)
{
	snprintf(out, sz, "%s %s", p->given_name, p->family_name);
}

/* Does one identifier read agree exactly with this candidate? */
static int agrees_somewhere(const struct match_candidate *c)
{
	int k;

	for (k = 0; k < MATCH_KIND_COUNT; k++)
		if (c->agree[k] == MATCH_AGREE)
			return 1;
	return 0;
}

/*
 * The decision rules, in order.  Any one failing sends the document to
 * review with a sentence saying which.
 */
static void decide(const struct match_roster *r, const struct match_config *cfg,
		   const int have[MATCH_KIND_COUNT], size_t exact_names,
		   size_t exact_name_at, struct match_result *out)
{
	const struct match_candidate *best = &out->cands[0];
	const struct match_candidate *next =
	    out->ncands > 1 ? &out->cands[1] : NULL;
	char bname[128], nname[128];
	int k;

	out->filed = 0;
	if (out->ncands == 0 || (best->score < 0.05 && !agrees_somewhere(best))) {
		char what[64] = "";
		if (have[MATCH_NAME])
			strcat(what, "name");
		if (have[MATCH_DOB])
			strcat(what, what[0] ? ", birth date" : "birth date");
		if (have[MATCH_MRN] || have[MATCH_BARCODE])
			strcat(what, what[0] ? ", MRN" : "MRN");
		snprintf(out->reason, sizeof(out->reason),
			 "no roster patient matches what was read (%s)", what);
		return;
	}
	full_name(&r->p[best->patient], bname, sizeof(bname));
	if (next != NULL)
		full_name(&r->p[next->patient], nname, sizeof(nname));
	for (k = 0; k < MATCH_KIND_COUNT; k++) {
		if (best->agree[k] == MATCH_DISAGREE &&
		    best->identifiers >= 1) {
			snprintf(out->reason, sizeof(out->reason),
				 "best match %s, but the %s read contradicts "
				 "the roster",
				 bname, kind_words[k]);
			return;
		}
	}
	if (best->identifiers < cfg->min_identifiers) {
		if (!have[MATCH_DOB])
			snprintf(out->reason, sizeof(out->reason),
				 "%s%s; no birth date found",
				 next && next->identifiers >= 1 &&
					 best->agree[MATCH_NAME] ==
					     MATCH_AGREE &&
					 next->agree[MATCH_NAME] == MATCH_AGREE
				     ? "two or more patients named "
				     : "only one identifier matches ",
				 bname);
		else
			snprintf(out->reason, sizeof(out->reason),
				 "only %d identifier%s agree%s with %s; two "
				 "are needed",
				 best->identifiers,
				 best->identifiers == 1 ? "" : "s",
				 best->identifiers == 1 ? "s" : "", bname);
		return;
	}
	if (best->score < cfg->autolink_score) {
		snprintf(out->reason, sizeof(out->reason),
			 "best match %s scores %.2f, below the auto-link "
			 "threshold %.2f",
			 bname, best->score, cfg->autolink_score);
		return;
	}
	/* A name only consistent through handwriting confusions does not
	 * outweigh a patient whose name is spelled exactly as read. */
	if (best->agree[MATCH_NAME] == MATCH_CONSISTENT && exact_names > 0) {
		/* exact_name_at is some patient, anywhere in the roster, whose
		 * name matches as read: it may rank far below the best. */
		full_name(&r->p[exact_name_at], nname, sizeof(nname));
		snprintf(out->reason, sizeof(out->reason),
			 "the name read is spelled exactly like %s's, not like "
			 "the best match %s",
			 nname, bname);
		return;
	}
	/* When the best's name is only consistent, and a rival agrees just
	 * as well on everything else (twins: family name and birth date),
	 * the name alone must decide, and a consistent name cannot. */
	if (best->agree[MATCH_NAME] == MATCH_CONSISTENT) {
		size_t i;
		for (i = 1; i < out->ncands; i++) {
			const struct match_candidate *c = &out->cands[i];
			if ((c->agree[MATCH_NAME] >= MATCH_PARTIAL ||
			     c->same_family) &&
			    c->agree[MATCH_DOB] == best->agree[MATCH_DOB] &&
			    c->agree[MATCH_MRN] == best->agree[MATCH_MRN] &&
			    c->agree[MATCH_BARCODE] ==
				best->agree[MATCH_BARCODE]) {
				full_name(&r->p[c->patient], nname,
					  sizeof(nname));
				snprintf(out->reason, sizeof(out->reason),
					 "%s and %s match equally but for a "
					 "name that is hard to read",
					 bname, nname);
				return;
			}
		}
	}
	/* The margin is over the first rival the evidence does not already
	 * rule out: one that agrees no better on any identifier and worse on
	 * some (a twin whose given name is merely not contradicted, when the
	 * best's is read exactly) is no rival. */
	while (next != NULL && dominated(next, best))
		next = next + 1 < out->cands + out->ncands ? next + 1 : NULL;
	if (next != NULL)
		full_name(&r->p[next->patient], nname, sizeof(nname));
	if (next != NULL && best->score - next->score < cfg->min_margin) {
		snprintf(out->reason, sizeof(out->reason),
			 "two patients are close: %s (%.2f) and %s (%.2f)",
			 bname, best->score, nname, next->score);
		return;
	}
	out->filed = 1;
	out->reason[0] = '\0';
}

void match_link(const struct match_roster *r, const struct match_config *cfg,
		const struct match_reading *rd, size_t n,
		struct match_result *out)
{
	struct match_config def;
	struct match_candidate c;
	int have[MATCH_KIND_COUNT] = {0};
	size_t i, max, exact_names = 0, exact_name_at = 0;

	if (cfg == NULL) {
		match_config_default(&def);
		cfg = &def;
	}
	max = cfg->max_candidates > 0 &&
		      cfg->max_candidates <= MATCH_MAX_CANDIDATES
		  ? (size_t)cfg->max_candidates
		  : MATCH_MAX_CANDIDATES;
	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++)
		if (rd[i].kind >= 0 && rd[i].kind < MATCH_KIND_COUNT &&
		    rd[i].value != NULL && rd[i].subject >= 0)
			have[rd[i].kind] = 1;
	if (!have[MATCH_NAME] && !have[MATCH_DOB] && !have[MATCH_MRN] &&
	    !have[MATCH_BARCODE]) {
		snprintf(out->reason, sizeof(out->reason),
			 "no patient name, birth date or MRN found");
		return;
	}
	/* Keep the top max+1 by insertion; the extra one is the runner-up
	 * that the margin rule needs even when max is 1. */
	for (i = 0; r != NULL && i < r->n; i++) {
		size_t keep = max + 1 <= MATCH_MAX_CANDIDATES
				  ? max + 1
				  : MATCH_MAX_CANDIDATES;
		score_patient(&r->p[i], i, rd, n, &c);
		if (c.agree[MATCH_NAME] == MATCH_AGREE) {
			exact_names++;
			exact_name_at = i;
		}
		/* nothing in common at all (score of a zero weight sum); a
		 * patient something agrees with exactly stays, even when
		 * something else contradicts him: the operator must see
		 * "the name is Patrick O'Donnell's, the birth date is not" */
		if (c.score < 0.02 && !agrees_somewhere(&c))
			continue;
		if (out->ncands < keep) {
			out->cands[out->ncands++] = c;
		} else if (c.score > out->cands[keep - 1].score) {
			out->cands[keep - 1] = c;
		} else {
			continue;
		}
		qsort(out->cands, out->ncands, sizeof(c), by_score);
	}
	/* Only patients other than the best count as exact-name rivals. */
	if (out->ncands > 0 && exact_names == 1 &&
	    exact_name_at == out->cands[0].patient)
		exact_names = 0;
	decide(r, cfg, have, exact_names, exact_name_at, out);
	if (out->ncands > max)
		out->ncands = max;
}
