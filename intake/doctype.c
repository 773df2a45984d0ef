/*
 * doctype.c - the document-type rules, in one readable table.
 *
 * Each rule is a phrase and the type it votes for, with a weight.  A
 * phrase in the first lines of the page (the title) counts three times.
 * Layout adds its own votes (layout_votes()): a letter has a short
 * salutation line at the top and a short closing line at the bottom, each
 * ending in a comma, even when OCR garbles every word of them; a chart
 * note has "S:", "O:", "A:", "P:" at the starts of its lines.  The type
 * with the most votes wins if it has at least MIN_VOTES and clearly beats
 * the next; otherwise the type is "unknown" and nobody is misled.
 */
#include "extract.h"
#include "../match/match.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

struct rule {
	const char *phrase; /* lower-case; matched on word starts */
	int type;
	int weight;
};

enum { T_CHART, T_RELEASE, T_LETTER, T_COUNT };
static const char *const type_names[T_COUNT] = {"chart", "release_form",
						"correspondence"};

static const struct rule rules[] = {
    /* release forms */
    {"authorization for release", T_RELEASE, 4},
    {"authorization to release", T_RELEASE, 4},
    {"authorization for use", T_RELEASE, 4},
    {"release of information", T_RELEASE, 4},
    {"release of medical", T_RELEASE, 4},
    {"release of liability", T_RELEASE, 4},
    {"release form", T_RELEASE, 4},
    {"liability waiver", T_RELEASE, 4},
    {"waiver", T_RELEASE, 2},
    {"consent", T_RELEASE, 2},
    {"i hereby authorize", T_RELEASE, 3},
    {"hereby authorize", T_RELEASE, 2},
    {"authorize", T_RELEASE, 1},
    {"hipaa", T_RELEASE, 2},
    {"revoke", T_RELEASE, 1},
    {"expiration", T_RELEASE, 1},
    {"signature of patient", T_RELEASE, 2},
    {"legal representative", T_RELEASE, 2},
    {"hold harmless", T_RELEASE, 3},
    {"consent to", T_RELEASE, 3},
    {"consent for", T_RELEASE, 3},
    {"i give permission", T_RELEASE, 3},
    {"permission", T_RELEASE, 1},
    {"disclose", T_RELEASE, 2},
    {"disclosure", T_RELEASE, 2},
    {"request for release", T_RELEASE, 4},
    {"records requested", T_RELEASE, 3},
    {"release the hospital", T_RELEASE, 3},
    {"withdraw this consent", T_RELEASE, 3},
    {"signature of", T_RELEASE, 1},
    {"witness", T_RELEASE, 1},
    {"guardian", T_RELEASE, 1},
    /* charts */
    {"progress note", T_CHART, 4},
    {"discharge summary", T_CHART, 4},
    {"history and physical", T_CHART, 4},
    {"nursing note", T_CHART, 4},
    {"physician orders", T_CHART, 4},
    {"physician's orders", T_CHART, 4},
    {"operative report", T_CHART, 4},
    {"consultation", T_CHART, 2},
    {"chief complaint", T_CHART, 3},
    {"assessment", T_CHART, 2},
    {"plan:", T_CHART, 2},
    {"diagnosis", T_CHART, 2},
    {"medications", T_CHART, 2},
    {"vital signs", T_CHART, 2},
    {"allergies", T_CHART, 2},
    {"subjective", T_CHART, 2},
    {"objective", T_CHART, 1},
    {"blood pressure", T_CHART, 1},
    {"admitted", T_CHART, 1},
    {"clinic note", T_CHART, 4},
    {"office visit", T_CHART, 3},
    {"visit note", T_CHART, 4},
    {"emergency department", T_CHART, 3},
    {"history of present illness", T_CHART, 4},
    {"physical exam", T_CHART, 3},
    {"review of systems", T_CHART, 3},
    {"impression", T_CHART, 2},
    {"medication administration", T_CHART, 4},
    {"nursing", T_CHART, 2},
    {"interdisciplinary", T_CHART, 2},
    {"sign every entry", T_CHART, 2},
    {"vitals", T_CHART, 2},
    {"orders", T_CHART, 2},
    {"prescribed", T_CHART, 1},
    {"follow-up", T_CHART, 1},
    {"follow up", T_CHART, 1},
    {"progress", T_CHART, 2},
    {"encounter", T_CHART, 2},
    {"outpatient", T_CHART, 2},
    {"inpatient", T_CHART, 2},
    {"patient identification", T_CHART, 1},
    {"sign and date every entry", T_CHART, 3},
    {"date / time", T_CHART, 1},
    {"date/time", T_CHART, 1},
    /* correspondence */
    {"dear ", T_LETTER, 4},
    {"to whom it may concern", T_LETTER, 4},
    {"to whom", T_LETTER, 2},
    {"may concern", T_LETTER, 2},
    {"with thanks", T_LETTER, 3},
    {"love,", T_LETTER, 3},
    {"yours,", T_LETTER, 3},
    {"yours", T_LETTER, 2},
    {"i wanted to", T_LETTER, 2},
    {"i would like to", T_LETTER, 2},
    {"please let me know", T_LETTER, 2},
    {"thank you", T_LETTER, 2},
    {"sincerely", T_LETTER, 4},
    {"yours truly", T_LETTER, 4},
    {"best regards", T_LETTER, 3},
    {"kind regards", T_LETTER, 3},
    {"warm regards", T_LETTER, 3},
    {"with love", T_LETTER, 3},
    {"thank you for", T_LETTER, 2},
    {"i am writing", T_LETTER, 3},
    {"i'm writing", T_LETTER, 3},
    {"my mother", T_LETTER, 2},
    {"my father", T_LETTER, 2},
    {"my husband", T_LETTER, 2},
    {"my wife", T_LETTER, 2},
    {"my son", T_LETTER, 2},
    {"my daughter", T_LETTER, 2},
    {"my grandmother", T_LETTER, 2},
    {"my grandfather", T_LETTER, 2},
};
#define NRULES (sizeof(rules) / sizeof(rules[0]))
#define MIN_VOTES 4
#define TITLE_CHARS 300 /* roughly the first few lines */

/* Count occurrences of phrase at word starts in hay (lower-cased). */
static int count_at_word_start(const char *hay, size_t len, const char *phrase,
			       int *in_title)
{
	size_t plen = strlen(phrase), i;
	int n = 0;

	*in_title = 0;
	for (i = 0; i + plen <= len; i++) {
		if (i > 0 && isalnum((unsigned char)hay[i - 1]))
			continue;
		if (memcmp(hay + i, phrase, plen) != 0)
			continue;
		n++;
		if (i < TITLE_CHARS)
			*in_title = 1;
	}
	return n;
}

/* Letters mapped to their handwriting-OCR shape class, lower-cased;
 * everything else kept. */
static void shape_text(const char *in, size_t len, char *out)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char one[2] = {in[i], '\0'}, k[2];
		if (match_shape_key(one, k, sizeof(k)) == 1)
			out[i] = (char)tolower((unsigned char)k[0]);
		else
			out[i] = in[i];
	}
	out[len] = '\0';
}

/* One line of the text with its edges trimmed of scanner dust ("| ",
 * "- ", quotes), and the number of words in it. */
struct tline {
	const char *s;
	size_t len;
	int words;
};

static size_t text_lines(const char *text, struct tline *v, size_t max)
{
	size_t n = 0;
	const char *p = text;

	while (*p && n < max) {
		const char *e = strchr(p, '\n');
		const char *a = p, *b = e ? e : p + strlen(p);
		int words;
		while (a < b && strchr(" \t|;:-_.'\"`~*", *a))
			a++;
		while (b > a && strchr(" \t|)'\"`~*", b[-1]))
			b--;
		if ((words = count_words(a, (size_t)(b - a))) > 0) {
			v[n].s = a;
			v[n].len = (size_t)(b - a);
			v[n].words = words;
			n++;
		}
		p = e ? e + 1 : b;
	}
	return n;
}

static int addressed(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i + 2 < len; i++) {
		if (i > 0 && isalnum((unsigned char)s[i - 1]))
			continue;
		if (toupper((unsigned char)s[i]) == 'D' &&
		    strchr("rRe-", s[i + 1]) != NULL &&
		    !isalnum((unsigned char)s[i + 2]))
			return 1;
		if (strncasecmp(s + i, "doctor", 6) == 0)
			return 1;
	}
	return 0;
}

/*
 * Votes from the shape of the page rather than its words.  Letters:
 * within the first four lines a short one (at most six words) that ends
 * in a comma or a dash ("Dea Dr. Haddadin,", "To who ik Mary COnCemn,"),
 * and within the last five a very short one (at most three words) that
 * ends in a comma ("Best ceaprds,").  Form paragraphs wrap at commas too,
 * but in long lines.  Chart notes: two or more lines opening with the
 * SOAP headings.
 */
static void layout_votes(const char *text, int votes[T_COUNT])
{
	struct tline v[400];
	size_t n = text_lines(text, v, sizeof(v) / sizeof(v[0])), i;
	int soap = 0, seen[4] = {0};
	size_t body = 0; /* the closing comes after the salutation's line */

	for (i = 0; i < n && i < 4; i++) {
		char last = v[i].s[v[i].len - 1];
		if (v[i].words <= 6 && v[i].words >= 2 &&
		    (last == ',' || last == '-')) {
			/* addressed to a doctor: "Dr", or its usual misreads
			 * "De" and "D-" */
			votes[T_LETTER] += addressed(v[i].s, v[i].len) ? 4 : 3;
			body = i + 2;
			break;
		}
	}
	for (i = n > 5 && n - 5 > body ? n - 5 : body; i < n; i++) {
		if (v[i].words <= 3 && v[i].s[v[i].len - 1] == ',') {
			votes[T_LETTER] += 3;
			break;
		}
	}
	for (i = 0; i < n; i++) {
		const char *h = strchr("SOAP", toupper((unsigned char)v[i].s[0]));
		if (h != NULL && v[i].len > 2 &&
		    (v[i].s[1] == ':' || v[i].s[1] == ';') && !seen[h - "SOAP"]) {
			seen[h - "SOAP"] = 1;
			soap++;
		}
	}
	if (soap >= 2)
		votes[T_CHART] += 2 * soap;
}

const char *doctype_classify(const char *text)
{
	int votes[T_COUNT] = {0};
	static _Thread_local char buf[16384], shape[16384];
	size_t len, i;
	int best = -1, second = 0, t;

	if (text == NULL)
		return "unknown";
	for (len = 0; text[len] && len + 1 < sizeof(buf); len++)
		buf[len] = (char)tolower((unsigned char)text[len]);
	buf[len] = '\0';
	shape_text(buf, len, shape);
	for (i = 0; i < NRULES; i++) {
		char pshape[64];
		size_t plen = strlen(rules[i].phrase);
		int title, stitle, n, ns;

		n = count_at_word_start(buf, len, rules[i].phrase, &title);
		/* repeated words count, but not without bound */
		if (n > 0)
			votes[rules[i].type] += rules[i].weight *
						((n > 3 ? 3 : n) + (title ? 2 : 0));
		/* Handwriting: "Deac" for Dear, "Sincecely".  The same phrase
		 * on letter shapes, for what the exact pass missed, at half
		 * weight: shapes are less specific than letters. */
		if (plen < 5 || plen >= sizeof(pshape))
			continue;
		shape_text(rules[i].phrase, plen, pshape);
		ns = count_at_word_start(shape, len, pshape, &stitle) - n;
		if (ns > 0)
			votes[rules[i].type] +=
			    rules[i].weight * ((ns > 3 ? 3 : ns) +
					       (stitle && !title ? 2 : 0)) / 2;
	}
	layout_votes(text, votes);
	for (t = 0; t < T_COUNT; t++) {
		if (best < 0 || votes[t] > votes[best]) {
			if (best >= 0)
				second = votes[best];
			best = t;
		} else if (votes[t] > second) {
			second = votes[t];
		}
	}
	if (votes[best] < MIN_VOTES || votes[best] < second * 5 / 4)
		return "unknown";
	return type_names[best];
}

const char *doctype_name(const char *folder)
{
	static const struct {
		const char *word;
		int type;
	} names[] = {
	    {"chart", T_CHART},
	    {"charts", T_CHART},
	    {"release", T_RELEASE},
	    {"releases", T_RELEASE},
	    {"release_form", T_RELEASE},
	    {"release_forms", T_RELEASE},
	    {"correspondence", T_LETTER},
	    {"letter", T_LETTER},
	    {"letters", T_LETTER},
	};
	char k[32];
	size_t i, n;

	if (folder == NULL)
		return NULL;
	/* "Release Forms", "release-forms" and "RELEASE_FORMS" alike */
	for (n = 0; folder[n] && n + 1 < sizeof(k); n++)
		k[n] = folder[n] == ' ' || folder[n] == '-'
			   ? '_'
			   : (char)tolower((unsigned char)folder[n]);
	if (folder[n])
		return NULL;
	k[n] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(k, names[i].word) == 0)
			return type_names[names[i].type];
	return NULL;
}
