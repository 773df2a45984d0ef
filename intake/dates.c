/*
 * dates.c - written dates to ISO.  Handles the spellings found on forms and
 * in letters (03/14/1952, 3-14-52, 3.14.1952, 03141952, March 14, 1952,
 * 14 Mar 1952, 1952-03-14) and the digits OCR confuses with letters.  US
 * order (month first) is assumed unless the first number cannot be a
 * month; when both orders are valid the other one is offered as alt, so
 * the matcher can give a day/month swap partial credit.
 */
#include "extract.h"
#include "../match/match.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const months[] = {
    "january", "february", "march",     "april",   "may",      "june",
    "july",    "august",   "september", "october", "november", "december"};

static int days_in_month(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30,
				31, 31, 30, 31, 30, 31};
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

static void today(int *y, int *m, int *d)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	*y = tm.tm_year + 1900;
	*m = tm.tm_mon + 1;
	*d = tm.tm_mday;
}

static int expand_year(int y, int ndigits, int role)
{
	int ty, tm, td;

	if (ndigits == 4)
		return y;
	if (ndigits != 2)
		return -1; /* "March 14, 2147483" is no date */
	today(&ty, &tm, &td);
	/* Birth dates: a two-digit year after this year's is last century.
	 * Document dates: the recent past. */
	if (role == DATE_BIRTH)
		return y <= ty % 100 ? 2000 + y : 1900 + y;
	return 2000 + y <= ty ? 2000 + y : 1900 + y;
}

static int valid(int y, int m, int d, int role)
{
	int ty, tm, td;

	today(&ty, &tm, &td);
	if (y < 1880 || y > ty || m < 1 || m > 12 || d < 1 ||
	    d > days_in_month(y, m))
		return 0;
	if (y * 10000 + m * 100 + d > ty * 10000 + tm * 100 + td)
		return 0; /* neither births nor documents are in the future */
	(void)role;
	return 1;
}

static void fmt(char out[11], int y, int m, int d)
{
	/* callers pass validated values: 1880 <= y <= 9999, m 1..12, d 1..31 */
	out[0] = (char)('0' + y / 1000 % 10);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10 % 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10 % 10);
	out[9] = (char)('0' + d % 10);
	out[10] = '\0';
}

/* Digit value of an OCR glyph inside a number, or -1. */
static int glyph_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	switch (c) {
	case 'O': case 'o': case 'D': case 'Q': case 'U': return 0;
	case 'l': case 'I': case 'i': case '|': case '!': case 'L': return 1;
	case 'Z': case 'z': return 2;
	case 'S': case 's': case '$': return 5;
	case 'G': case 'b': return 6;
	case 'T': return 7;
	case 'B': return 8;
	case 'g': case 'q': return 9;
	}
	return -1;
}

static int month_word(const char *s, size_t *len)
{
	size_t n = 0;
	char w[12];
	int i;

	while (isalpha((unsigned char)s[n]) && n < sizeof(w) - 1) {
		w[n] = (char)tolower((unsigned char)s[n]);
		n++;
	}
	w[n] = '\0';
	*len = n;
	if (n < 3)
		return 0;
	for (i = 0; i < 12; i++)
		if (strncmp(w, months[i], n) == 0)
			return i + 1; /* "Mar", "Sept", "March" */
	/* Handwriting OCR: "Macch" for March.  A whole month name with the
	 * same letter shapes counts. */
	if (n >= 4) {
		char a[16], b[16];
		match_shape_key(w, a, sizeof(a));
		for (i = 0; i < 12; i++) {
			match_shape_key(months[i], b, sizeof(b));
			if (strcmp(a, b) == 0)
				return i + 1;
		}
	}
	return 0;
}

/* Numbers (with their digit counts) in s, reading OCR glyphs as digits
 * only inside tokens that are mostly digits. */
static int numbers(const char *s, int val[], int ndig[], int max)
{
	int n = 0;
	const char *p = s;

	while (*p && n < max) {
		const char *q = p;
		int digits = 0, glyphs = 0, v = 0, k = 0;
		while (*q && !isspace((unsigned char)*q) && !strchr("/-.,:;", *q))
			q++;
		for (const char *c = p; c < q; c++) {
			if (isdigit((unsigned char)*c))
				digits++;
			else if (glyph_digit(*c) >= 0)
				glyphs++;
		}
		if (q > p && digits > 0 && digits + glyphs == q - p &&
		    digits >= glyphs) {
			for (const char *c = p; c < q && k < 9; c++, k++)
				v = v * 10 + glyph_digit(*c);
			val[n] = v;
			ndig[n++] = k;
		}
		p = *q ? q + 1 : q;
	}
	return n;
}

int date_parse(const char *s, int role, char iso[11], char alt[11])
{
	int val[6], nd[6], n, y, m = 0, d, i;
	size_t mlen = 0;

	iso[0] = alt[0] = '\0';
	if (s == NULL)
		return 0;
	/* Month names: "March 14, 1952" / "14 Mar 1952" / "Mar. 14 '52" */
	for (i = 0; s[i]; i++) {
		if (isalpha((unsigned char)s[i]) &&
		    (i == 0 || !isalpha((unsigned char)s[i - 1])) &&
		    (m = month_word(s + i, &mlen)) != 0)
			break;
	}
	if (m != 0) {
		char head[64];
		int after[2], anddig[2], nb, na;

		snprintf(head, sizeof(head), "%.*s", i < 63 ? i : 63, s);
		nb = numbers(head, val, nd, 6);
		na = numbers(s + i + mlen, after, anddig, 2);
		if (na == 2 && anddig[0] <= 2 && anddig[1] >= 2) {
			d = after[0]; /* March 14, 1952 */
			y = expand_year(after[1], anddig[1], role);
		} else if (nb >= 1 && nd[nb - 1] <= 2 && na >= 1 &&
			   anddig[0] >= 2) {
			d = val[nb - 1]; /* 14 Mar 1952 */
			y = expand_year(after[0], anddig[0], role);
		} else {
			return 0;
		}
		if (!valid(y, m, d, role))
			return 0;
		fmt(iso, y, m, d);
		return 1;
	}
	n = numbers(s, val, nd, 6);
	if (n == 1 && nd[0] == 8) {
		/* 03141952 */
		int v = val[0];
		val[0] = v / 1000000;
		val[1] = v / 10000 % 100;
		val[2] = v % 10000;
		nd[0] = nd[1] = 2;
		nd[2] = 4;
		n = 3;
	}
	if (n < 3)
		return 0;
	if (nd[0] == 4) {
		y = val[0];
		m = val[1];
		d = val[2];
		if (!valid(y, m, d, role))
			return 0;
		fmt(iso, y, m, d);
		return 1;
	}
	if (nd[0] > 2 || nd[1] > 2 || (nd[2] != 2 && nd[2] != 4))
		return 0;
	y = expand_year(val[2], nd[2], role);
	if (valid(y, val[0], val[1], role)) {
		fmt(iso, y, val[0], val[1]);
		if (val[0] != val[1] && valid(y, val[1], val[0], role))
			fmt(alt, y, val[1], val[0]);
		return 1;
	}
	if (valid(y, val[1], val[0], role)) {
		fmt(iso, y, val[1], val[0]);
		return 1;
	}
	return 0;
}
