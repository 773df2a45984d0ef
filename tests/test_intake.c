/*
 * test_intake.c - the pieces of intake that need no OCR engine: date
 * spellings, the document-type rules, and labelled-field extraction from
 * hand-built word boxes (as Tesseract would return them).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../intake/extract.h"

static void expect_date(const char *in, int role, const char *iso,
			const char *alt)
{
	char a[11], b[11];

	if (iso == NULL) {
		if (date_parse(in, role, a, b))
			fail_msg("'%s' parsed as %s, expected no date", in, a);
		return;
	}
	if (!date_parse(in, role, a, b))
		fail_msg("'%s' did not parse", in);
	assert_string_equal(a, iso);
	assert_string_equal(b, alt ? alt : "");
}

static void test_dates(void **state)
{
	(void)state;
	expect_date("03/14/1952", DATE_BIRTH, "1952-03-14", NULL);
	expect_date("3-14-52", DATE_BIRTH, "1952-03-14", NULL);
	expect_date("March 14, 1952", DATE_BIRTH, "1952-03-14", NULL);
	expect_date("14 Mar 1952", DATE_BIRTH, "1952-03-14", NULL);
	expect_date("Sept. 3, 2024", DATE_DOCUMENT, "2024-09-03", NULL);
	expect_date("1952-03-14", DATE_BIRTH, "1952-03-14", NULL);
	expect_date("03141952", DATE_BIRTH, "1952-03-14", NULL);
	expect_date("O3/l4/l952", DATE_BIRTH, "1952-03-14", NULL);
	expect_date("04/03/1945", DATE_BIRTH, "1945-04-03", "1945-03-04");
	expect_date("Macch 14, 1952", DATE_BIRTH, "1952-03-14", NULL);
	expect_date("25/12/1960", DATE_BIRTH, "1960-12-25", NULL);
	expect_date("02/30/1952", DATE_BIRTH, NULL, NULL);
	expect_date("03/14/2999", DATE_BIRTH, NULL, NULL); /* future */
	expect_date("Marie 14 1952", DATE_BIRTH, NULL, NULL);
	expect_date("hello", DATE_BIRTH, NULL, NULL);
	expect_date("", DATE_BIRTH, NULL, NULL);
	expect_date("1/2", DATE_BIRTH, NULL, NULL);
	expect_date("March 14, 2147483", DATE_BIRTH, NULL, NULL);
	expect_date("14 Mar 99999999", DATE_BIRTH, NULL, NULL);
	expect_date("03/14/195", DATE_BIRTH, NULL, NULL);
}

static void test_doctype(void **state)
{
	(void)state;
	assert_string_equal(
	    doctype_classify("AUTHORIZATION FOR RELEASE OF MEDICAL "
			     "INFORMATION\nI hereby authorize ... revoke"),
	    "release_form");
	assert_string_equal(doctype_classify("PROGRESS NOTE\nSubjective: "
					     "cough\nAssessment: better\nPlan: "
					     "rest"),
			    "chart");
	assert_string_equal(
	    doctype_classify("March 3, 2024\nDear Dr. Whitaker,\nI am "
			     "writing about my mother.\nSincerely,\nTom"),
	    "correspondence");
	assert_string_equal(doctype_classify("grocery list: eggs, milk"),
			    "unknown");
	/* Handwriting OCR garbles every word; the shape of a letter stays:
	 * a short salutation to a doctor, a short closing with a comma. */
	assert_string_equal(
	    doctype_classify("09/23/2023\nDea Dr. Haddadin,\nN fate John "
			     "Wilson Qate of bith\n75 1143) was Seen by you "
			     "cecently Miter\nthe last visit ke started the "
			     "new ills\nBest ceaprds,\nBruce Davis"),
	    "correspondence");
	/* one of the two is not enough */
	assert_string_equal(
	    doctype_classify("Mis leffer is pol fo Loca\nHae Dx Haldalin,\n"
			     "He ony 4AS fs Cf for four\nwore 1A."),
	    "unknown");
	/* a form paragraph wraps at commas, in long lines */
	assert_string_equal(
	    doctype_classify("I accept full responsibility and release the "
			     "hospital, its staff,\nnurses and employees from "
			     "any liability for harm,\nthat may result from it "
			     "and I know I am welcome,\nSignature of patient\n"
			     "Witness"),
	    "release_form");
	/* a chart note by its SOAP headings */
	assert_string_equal(
	    doctype_classify("Northgate Clinic\nS: Rash on both forearms x 9 "
			     "days\nO: Papular rash\nA: Contact dermatitis\n"
			     "P: Triamcinolone cream BID"),
	    "chart");
	assert_string_equal(doctype_classify(""), "unknown");
	assert_string_equal(doctype_classify(NULL), "unknown");
}

/* Build a page from "line|word word word" rows, boxes laid out left to
 * right, 100 px per word, 50 px per line. */
static void make_page(struct ocr_page *pg, const char *const *lines,
		      size_t nlines, float conf)
{
	size_t i, cap = 64;

	memset(pg, 0, sizeof(*pg));
	pg->words = calloc(cap, sizeof(*pg->words));
	for (i = 0; i < nlines; i++) {
		char *copy = strdup(lines[i]), *p = copy, *w;
		int x = 10;
		while ((w = strsep(&p, " ")) != NULL) {
			struct ocr_word *ow = &pg->words[pg->nwords++];
			ow->text = strdup(w);
			ow->x0 = x;
			ow->x1 = x + 90;
			ow->y0 = 10 + (int)i * 50;
			ow->y1 = ow->y0 + 40;
			ow->conf = conf;
			ow->line = (int)i;
			x += 100;
		}
		free(copy);
	}
}

static void free_page(struct ocr_page *pg)
{
	size_t i;

	for (i = 0; i < pg->nwords; i++)
		free(pg->words[i].text);
	free(pg->words);
}

static const struct reading *find(const struct readings *rs, int field,
				  const char *source)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (rs->v[i].field == field &&
		    strcmp(rs->v[i].source, source) == 0)
			return &rs->v[i];
	return NULL;
}

static void test_labelled_form(void **state)
{
	static const char *const lines[] = {
	    "AUTHORIZATION FOR RELEASE",
	    "Patient Name: Margaret O'Donnell",
	    "Date of Birth: 03/14/1952 MRN: 00482913",
	    "Physician: Dr. Alan Whitaker",
	    "Date: 10/02/2025",
	};
	struct ocr_page pg;
	struct readings rs = {0};
	const struct reading *r;

	(void)state;
	make_page(&pg, lines, 5, 0.8f);
	assert_int_equal(extract_labelled(&pg, 0, &rs), 0);
	r = find(&rs, FIELD_NAME, "label");
	assert_non_null(r);
	assert_string_equal(r->value, "Margaret O'Donnell");
	assert_int_equal(r->x0, 210); /* box of the value, not the label */
	r = find(&rs, FIELD_DOB, "label");
	assert_non_null(r);
	assert_string_equal(r->value, "1952-03-14");
	r = find(&rs, FIELD_MRN, "label");
	assert_non_null(r);
	assert_string_equal(r->value, "00482913");
	r = find(&rs, FIELD_PHYSICIAN, "label");
	assert_non_null(r);
	assert_string_equal(r->value, "Alan Whitaker");
	r = find(&rs, FIELD_DOCDATE, "label");
	assert_non_null(r);
	assert_string_equal(r->value, "2025-10-02");
	readings_free(&rs);
	free_page(&pg);
}

static void test_label_variants_and_value_below(void **state)
{
	static const char *const lines[] = {
	    "NAME OF PATIENT:",
	    "GARCIA, MARIA",
	    "DOB 11/23/75 Record No. 10293848",
	};
	struct ocr_page pg;
	struct readings rs = {0};
	const struct reading *r;

	(void)state;
	make_page(&pg, lines, 3, 0.9f);
	assert_int_equal(extract_labelled(&pg, 0, &rs), 0);
	r = find(&rs, FIELD_NAME, "label");
	assert_non_null(r);
	assert_string_equal(r->value, "GARCIA, MARIA");
	r = find(&rs, FIELD_DOB, "label");
	assert_non_null(r);
	assert_string_equal(r->value, "1975-11-23");
	r = find(&rs, FIELD_MRN, "label");
	assert_non_null(r);
	assert_string_equal(r->value, "10293848");
	readings_free(&rs);
	free_page(&pg);
}

/* Two labels on one line, their values written under each; the first
 * carries a printed format hint, which is no value.  OCR's reading order
 * puts a ruled line's junk word between them. */
static void test_values_under_two_labels(void **state)
{
	static const char *const lines[] = {
	    "DOB (mm/dd/yyyy): MRN:",
	    "_",
	    "06/15/1933 ; 00482913",
	};
	struct ocr_page pg;
	struct readings rs = {0};
	const struct reading *r;

	(void)state;
	make_page(&pg, lines, 3, 0.9f);
	/* the rule: a letterless word spanning the page, between the lines */
	pg.words[3].x0 = 0;
	pg.words[3].x1 = 2000;
	pg.words[3].y0 = 55;
	pg.words[3].y1 = 110;
	assert_int_equal(extract_labelled(&pg, 0, &rs), 0);
	r = find(&rs, FIELD_DOB, "label");
	assert_non_null(r);
	assert_string_equal(r->value, "1933-06-15");
	r = find(&rs, FIELD_MRN, "label");
	assert_non_null(r);
	assert_string_equal(r->value, "00482913");
	readings_free(&rs);
	free_page(&pg);
}

/* Captions printed under the rule the value is written on: the value is
 * over its label.  The line over a label may as well be another field's
 * value (a guardian's row over the patient's caption), so what is read
 * there is support only, whether or not the line under it makes a value. */
static void test_values_over_captions(void **state)
{
	static const char *const caps[] = {
	    "PETERSON, KYLE",
	    "PATIENT NAME",
	    "9-26-42",
	    "'D OF BIRTH", /* "DATE" misread */
	    "Dr. Haddadin",
	    "ATTENDING PHYSICIAN",
	};
	static const char *const both[] = {
	    "Sara Moore",
	    "Patient Name:",
	    "Margaret Ellison",
	};
	static const char *const title[] = {
	    "Medical Records Department 04000",
	    "Release of Medical Record",
	    "Records requested: 82213",
	};
	struct ocr_page pg;
	struct readings rs = {0};
	const struct reading *r;
	size_t i, n = 0;

	(void)state;
	make_page(&pg, caps, 6, 0.9f);
	assert_int_equal(extract_labelled(&pg, 0, &rs), 0);
	r = find(&rs, FIELD_NAME, "label");
	assert_non_null(r);
	assert_string_equal(r->value, "PETERSON, KYLE");
	assert_int_equal(r->support_only, 1);
	r = find(&rs, FIELD_DOB, "label");
	assert_non_null(r);
	assert_string_equal(r->value, "1942-09-26");
	assert_int_equal(r->support_only, 1);
	r = find(&rs, FIELD_PHYSICIAN, "label");
	assert_non_null(r);
	assert_string_equal(r->value, "Haddadin");
	/* "Dr. Haddadin" under the birth date's caption is no date */
	for (i = 0; i < rs.n; i++)
		n += rs.v[i].field == FIELD_DOB;
	assert_int_equal(n, 1);
	readings_free(&rs);
	free_page(&pg);

	make_page(&pg, both, 3, 0.9f);
	assert_int_equal(extract_labelled(&pg, 0, &rs), 0);
	assert_int_equal(rs.n, 2);
	assert_string_equal(rs.v[0].value, "Margaret Ellison");
	assert_int_equal(rs.v[0].support_only, 0);
	assert_string_equal(rs.v[1].value, "Sara Moore");
	assert_int_equal(rs.v[1].support_only, 1);
	readings_free(&rs);
	free_page(&pg);

	/* A title that ends in a label's words is no field, and "Medical
	 * Records" (a department) is not "Medical Record" */
	make_page(&pg, title, 3, 0.9f);
	assert_int_equal(extract_labelled(&pg, 0, &rs), 0);
	assert_int_equal(rs.n, 0);
	readings_free(&rs);
	free_page(&pg);
}

/* A physician's name: a misread "Dr." dropped; a sentence or another
 * field's words are no name. */
static void test_physician_values(void **state)
{
	static const char *const lines[] = {
	    "Physician: De. Raman",
	    "Attending: Disclose to GREENWAY PHARMACY",
	    "Provider: Wr. Mensah",
	    "Doctor: to. Secial Oecucty Mwministeption",
	};
	struct ocr_page pg;
	struct readings rs = {0};

	(void)state;
	make_page(&pg, lines, 4, 0.9f);
	assert_int_equal(extract_labelled(&pg, 0, &rs), 0);
	assert_int_equal(rs.n, 2);
	assert_int_equal(rs.v[0].field, FIELD_PHYSICIAN);
	assert_string_equal(rs.v[0].value, "Raman");
	assert_string_equal(rs.v[1].value, "Mensah");
	readings_free(&rs);
	free_page(&pg);
}

/* A re-read name box is cleaned and checked like a labelled value. */
static void test_name_value(void **state)
{
	char out[96];

	(void)state;
	assert_int_equal(name_value("Patient Name: Joan  Rogers (Last, First)",
				    out, sizeof(out)),
			 1);
	assert_string_equal(out, "Joan Rogers");
	assert_int_equal(name_value("9-26-42", out, sizeof(out)), 0);
	assert_int_equal(name_value("ROGERS", out, sizeof(out)), 0);
}

static void test_document_dates_by_layout(void **state)
{
	static const char *const chart[] = {
	    "PROGRESS NOTES",
	    "03/14/1952 born",
	    "4/3/25 0852 Here for BP recheck",
	    "5/1/25 1010 Better",
	};
	struct ocr_page pg;
	struct readings rs = {0};
	struct reading dob = {.field = FIELD_DOB, .value = "1952-03-14"};
	const struct reading *r;

	(void)state;
	/* the first entry's date, not the birth date opening a line */
	make_page(&pg, chart, 4, 0.9f);
	readings_add(&rs, &dob);
	assert_int_equal(docdate_from_layout("chart", &pg, &rs), 0);
	r = find(&rs, FIELD_DOCDATE, "entry");
	assert_non_null(r);
	assert_string_equal(r->value, "2025-04-03");
	/* a labelled date wins: nothing added */
	assert_int_equal(docdate_from_layout("chart", &pg, &rs), 0);
	assert_int_equal(rs.n, 2);
	readings_free(&rs);
	free_page(&pg);
	/* a handwritten date OCR is unsure of is left out */
	make_page(&pg, chart, 4, 0.6f);
	assert_int_equal(docdate_from_layout("chart", &pg, &rs), 0);
	assert_null(find(&rs, FIELD_DOCDATE, "entry"));
	/* release forms have no such place */
	assert_int_equal(docdate_from_layout("release_form", &pg, &rs), 0);
	assert_int_equal(rs.n, 0);
	free_page(&pg);
	/* a letter's date has a line of its own; a sentence is not one */
	pg.text = "my son born Dec. 30, 2004. He would like\nMarch 3, 2024\n"
		  "Dear Dr. Whitaker,\n";
	pg.words = NULL;
	pg.nwords = 0;
	assert_int_equal(docdate_from_layout("correspondence", &pg, &rs), 0);
	r = find(&rs, FIELD_DOCDATE, "heading");
	assert_non_null(r);
	assert_string_equal(r->value, "2024-03-03");
	readings_free(&rs);
}

static void test_prose_is_not_a_label(void **state)
{
	static const char *const lines[] = {
	    "my name is on the date we agreed",
	    "the patient was seen",
	};
	struct ocr_page pg;
	struct readings rs = {0};

	(void)state;
	make_page(&pg, lines, 2, 0.9f);
	assert_int_equal(extract_labelled(&pg, 0, &rs), 0);
	assert_int_equal(rs.n, 0);
	readings_free(&rs);
	free_page(&pg);
}

static void test_prose_dates(void **state)
{
	struct readings rs = {0};

	(void)state;
	assert_int_equal(extract_prose_dates("my mother Margaret, born March "
					     "14, 1952, has been",
					     0, &rs),
			 0);
	assert_int_equal(rs.n, 1);
	assert_string_equal(rs.v[0].value, "1952-03-14");
	assert_string_equal(rs.v[0].source, "prose");
	readings_free(&rs);
	assert_int_equal(extract_prose_dates("date of birth: 7/2/50.", 0, &rs),
			 0);
	assert_true(rs.n >= 1);
	assert_string_equal(rs.v[0].value, "1950-07-02");
	readings_free(&rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dates),
	    cmocka_unit_test(test_doctype),
	    cmocka_unit_test(test_labelled_form),
	    cmocka_unit_test(test_label_variants_and_value_below),
	    cmocka_unit_test(test_values_under_two_labels),
	    cmocka_unit_test(test_values_over_captions),
	    cmocka_unit_test(test_physician_values),
	    cmocka_unit_test(test_name_value),
	    cmocka_unit_test(test_document_dates_by_layout),
	    cmocka_unit_test(test_prose_is_not_a_label),
	    cmocka_unit_test(test_prose_dates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
