/*
 * roster.c - importing the patient roster from CSV.
 *
 * A small RFC 4180 reader (quoted fields, doubled quotes, embedded
 * newlines, CRLF) feeds rows to the store's upsert inside one transaction.
 * Columns are found by header name so exports from different systems work
 * as they are.  Each refused row is reported with its line number and the
 * store's reason; the reason never repeats the row's patient data.
 */
#include "intake.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COLS 64
#define MAX_FIELD 1024

struct csv {
	FILE *f;
	size_t line;       /* line the current row started on */
	size_t next_line;  /* line the next character is on */
	char *cell[MAX_COLS];
	int ncells;
	char buf[MAX_COLS][MAX_FIELD];
};

/* Read one row.  Returns 1 for a row, 0 at end of file, -1 on a row that
 * is malformed (too many columns, a field too long). */
static int csv_row(struct csv *c)
{
	int ch, quoted = 0, bad = 0;
	size_t len = 0;

	c->ncells = 0;
	c->line = c->next_line;
	ch = fgetc(c->f);
	if (ch == EOF)
		return 0;
	for (;; ch = fgetc(c->f)) {
		if (quoted) {
			if (ch == EOF) {
				/* an open quote at the end of the file */
				c->ncells = 0;
				return -1;
			} else if (ch == '"') {
				int nx = fgetc(c->f);
				if (nx == '"') {
					ch = '"';
				} else {
					quoted = 0;
					ungetc(nx, c->f);
					continue;
				}
			} else if (ch == '\n') {
				c->next_line++;
			}
			if (quoted) {
				if (len + 1 < MAX_FIELD &&
				    c->ncells < MAX_COLS)
					c->buf[c->ncells][len++] = (char)ch;
				else
					bad = 1;
				continue;
			}
		}
		if (ch == '"' && len == 0) {
			quoted = 1;
			continue;
		}
		if (ch == ',' || ch == '\n' || ch == EOF) {
			if (c->ncells < MAX_COLS) {
				while (len > 0 &&
				       (c->buf[c->ncells][len - 1] == '\r' ||
					c->buf[c->ncells][len - 1] == ' '))
					len--;
				c->buf[c->ncells][len] = '\0';
				c->cell[c->ncells] = c->buf[c->ncells];
				/* trim leading spaces */
				while (*c->cell[c->ncells] == ' ')
					c->cell[c->ncells]++;
				c->ncells++;
			} else {
				bad = 1;
			}
			len = 0;
			if (ch != ',') {
				c->next_line++;
				return bad ? -1 : 1;
			}
			continue;
		}
		if (len + 1 < MAX_FIELD && c->ncells < MAX_COLS)
			c->buf[c->ncells][len++] = (char)ch;
		else
			bad = 1;
	}
}

enum col { C_MRN, C_FAMILY, C_GIVEN, C_DOB, C_SEX, C_MIDDLE, C_PHYS, C_N };
static const char *const col_names[C_N] = {
    "mrn", "family_name", "given_name", "birth_date",
    "sex", "middle_name", "physician"};

static const char *cell(const struct csv *c, const int idx[C_N], int col)
{
	if (idx[col] < 0 || idx[col] >= c->ncells)
		return NULL;
	return c->cell[idx[col]][0] ? c->cell[idx[col]] : NULL;
}

struct identity {
	const struct store_patient *row;
	int differs;
};

static int same_text(const char *a, const char *b)
{
	return strcasecmp(a ? a : "", b ? b : "") == 0;
}

static int compare_identity(void *ctx, const struct store_patient *p)
{
	struct identity *id = ctx;

	id->differs = !same_text(p->family_name, id->row->family_name) ||
		      !same_text(p->given_name, id->row->given_name) ||
		      !same_text(p->birth_date, id->row->birth_date);
	return 0;
}

static int exists_cb(void *ctx, const struct store_patient *p)
{
	(void)p;
	*(int *)ctx = 1;
	return 0;
}

/*
 * Another roster MRN with the same digits but other leading zeros
 * ("482913" beside "00482913"), as a spreadsheet makes of a numeric
 * column: a second record of one patient, which would make every label
 * of his ambiguous.  Writes that MRN into other and returns 1, else 0.
 */
static int zeros_twin(struct store *st, const char *mrn, char *other,
		      size_t n)
{
	char cand[32];
	const char *digits = mrn;
	size_t len, k, pad;

	for (k = 0; mrn[k]; k++)
		if (mrn[k] < '0' || mrn[k] > '9')
			return 0;
	while (*digits == '0' && digits[1])
		digits++;
	len = strlen(digits);
	for (pad = 0; len + pad <= 16; pad++) {
		int found = 0;
		if (pad + len >= sizeof(cand))
			break;
		memset(cand, '0', pad);
		memcpy(cand + pad, digits, len + 1);
		if (strcmp(cand, mrn) == 0)
			continue;
		if (store_patient_get(st, cand, exists_cb, &found, NULL) ==
			CR_OK &&
		    found) {
			snprintf(other, n, "%s", cand);
			return 1;
		}
	}
	return 0;
}

int intake_roster_import(struct store *st, const char *path,
			 int allow_identity_change,
			 struct intake_import_stats *stats,
			 intake_row_cb bad_row, void *ctx, struct cr_err *err)
{
	struct csv *c;
	int idx[C_N], i, j, rc, r;

	memset(stats, 0, sizeof(*stats));
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return cr_err_set(err, CR_ENOMEM, "out of memory");
	c->next_line = 1;
	c->f = fopen(path, "r");
	if (c->f == NULL) {
		rc = cr_err_set(err, CR_ENOTFOUND, "cannot open %s", path);
		goto out;
	}
	if (csv_row(c) != 1) {
		rc = cr_err_set(err, CR_EINVAL, "%s: no header row", path);
		goto out;
	}
	for (i = 0; i < C_N; i++) {
		idx[i] = -1;
		for (j = 0; j < c->ncells; j++) {
			char h[64];
			size_t k;
			/* header names are case-insensitive; strip a BOM */
			const char *s = c->cell[j];
			if (strncmp(s, "\xEF\xBB\xBF", 3) == 0)
				s += 3;
			for (k = 0; s[k] && k + 1 < sizeof(h); k++)
				h[k] = (char)tolower((unsigned char)s[k]);
			h[k] = '\0';
			if (strcmp(h, col_names[i]) == 0)
				idx[i] = j;
		}
		if (i <= C_DOB && idx[i] < 0) {
			rc = cr_err_set(err, CR_EINVAL,
					"%s: the header has no \"%s\" column",
					path, col_names[i]);
			goto out;
		}
	}
	rc = store_begin(st, err);
	if (rc != CR_OK)
		goto out;
	while ((r = csv_row(c)) != 0) {
		struct store_patient p;
		struct cr_err rowerr;
		int added = 0;

		if (r < 0) {
			stats->refused++;
			if (bad_row)
				bad_row(ctx, c->line,
					"malformed row (too many columns, a "
					"field too long, or an open quote)");
			continue;
		}
		if (c->ncells == 1 && c->cell[0][0] == '\0')
			continue; /* blank line */
		p.mrn = cell(c, idx, C_MRN);
		p.family_name = cell(c, idx, C_FAMILY);
		p.given_name = cell(c, idx, C_GIVEN);
		p.birth_date = cell(c, idx, C_DOB);
		p.sex = cell(c, idx, C_SEX);
		p.middle_name = cell(c, idx, C_MIDDLE);
		p.physician = cell(c, idx, C_PHYS);
		cr_err_clear(&rowerr);
		if (!allow_identity_change && p.mrn != NULL) {
			struct identity id = {&p, 0};
			if (store_patient_get(st, p.mrn, compare_identity, &id,
					      NULL) == CR_OK &&
			    id.differs) {
				stats->refused++;
				if (bad_row)
					bad_row(ctx, c->line,
						"this MRN already belongs to a "
						"patient with another name or "
						"birth date (an identity change "
						"needs --allow-identity-change)");
				continue;
			}
		}
		if (!allow_identity_change && p.mrn != NULL) {
			char other[32], msg[200];
			if (zeros_twin(st, p.mrn, other, sizeof(other))) {
				stats->refused++;
				snprintf(msg, sizeof(msg),
					 "MRN %s is %s with other leading zeros "
					 "(a spreadsheet drops them): fix the "
					 "file; if they really are two patients, "
					 "use --allow-identity-change",
					 p.mrn, other);
				if (bad_row)
					bad_row(ctx, c->line, msg);
				continue;
			}
		}
		if (store_patient_upsert(st, &p, &added, &rowerr) != CR_OK) {
			stats->refused++;
			if (bad_row)
				bad_row(ctx, c->line, rowerr.msg);
			continue;
		}
		if (added)
			stats->added++;
		else
			stats->updated++;
	}
	rc = store_commit(st, err);
	if (rc != CR_OK)
		store_rollback(st);
out:
	if (c->f != NULL)
		fclose(c->f);
	free(c);
	return rc;
}
