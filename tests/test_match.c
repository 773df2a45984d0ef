/*
 * test_match.c - the comparators and the link decision, on the cases that
 * cause misfiles: look-alike names, twins, MRNs one digit apart, garbled
 * OCR digits, day/month swaps, a name alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "../match/match.h"

static struct match_roster *roster(void)
{
	static const struct match_patient pts[] = {
	    {"00482913", "O'Donnell", "Margaret", NULL, "1952-03-14", NULL},
	    {"00482914", "O'Donnell", "Thomas", NULL, "1950-07-02", NULL},
	    {"10293847", "Garcia", "Maria", NULL, "1980-05-09", NULL},
	    {"10293848", "Garcia", "Maria", NULL, "1975-11-23", NULL},
	    {"55500011", "Nguyen", "Anh", NULL, "2001-06-30", NULL},
	    {"55500012", "Nguyen", "Binh", NULL, "2001-06-30", NULL},
	    {"77700001", "Garcia-Lopez", "Elena", "Rosa", "1968-12-01",
	     NULL},
	    {"31415926", "Smith", "John", NULL, "1945-04-03", NULL},
	    {"31415962", "Smyth", "Jon", NULL, "1945-04-08", NULL},
	};
	struct match_roster *r = match_roster_new();
	size_t i;

	assert_non_null(r);
	for (i = 0; i < sizeof(pts) / sizeof(pts[0]); i++)
		assert_int_equal(match_roster_add(r, &pts[i]), 0);
	return r;
}

static void link(const struct match_roster *r, const struct match_reading *rd,
		 size_t n, struct match_result *out)
{
	match_link(r, NULL, rd, n, out);
}

static const char *best_mrn(const struct match_roster *r,
			    const struct match_result *m)
{
	return m->ncands ? match_roster_get(r, m->cands[0].patient)->mrn : "";
}

static void test_jaro_winkler(void **state)
{
	(void)state;
	assert_true(match_jaro_winkler("MARTHA", "MARHTA") > 0.96);
	assert_true(match_jaro_winkler("MARTHA", "MARHTA") < 0.97);
	assert_true(match_jaro_winkler("o'donnell", "ODONNELL") == 1.0);
	assert_true(match_jaro_winkler("Smith", "Jones") < 0.5);
	assert_true(match_jaro_winkler("", "") == 1.0);
	assert_true(match_jaro_winkler("A", "") == 0.0);
}

static void test_fold_digits(void **state)
{
	char out[32];

	(void)state;
	assert_int_equal(match_fold_digits("OU481Al3", out, sizeof(out)), 8);
	assert_string_equal(out, "00481413");
	match_fold_digits("5B-2Z-l0", out, sizeof(out));
	assert_string_equal(out, "582210");
	assert_int_equal(match_fold_digits("abc", out, 2), 1); /* bounded */
}

static void test_name_orders(void **state)
{
	struct match_roster *r = roster();
	const struct match_patient *m = match_roster_get(r, 0);
	const struct match_patient *e = match_roster_get(r, 6);

	(void)state;
	assert_true(match_name_similarity("O'Donnell, Margaret", m) > 0.99);
	assert_true(match_name_similarity("Margaret ODonnell", m) > 0.99);
	assert_true(match_name_similarity("O'DONNELL MARGARET", m) > 0.99);
	assert_true(match_name_similarity("Elena Garcia Lopez", e) > 0.99);
	assert_true(match_name_similarity("Elena Garcia-Lopez", e) > 0.99);
	assert_true(match_name_similarity("Thomas O'Donnell", m) < 0.8);
	/* one word is never a whole name */
	assert_true(match_name_similarity("O'Donnell", m) <= 0.5);
	match_roster_free(r);
}

static void test_mrn_and_dob_files(void **state)
{
	struct match_roster *r = roster();
	struct match_result m;
	struct match_reading rd[] = {
	    {MATCH_MRN, "00482913", 0.9, "label", 0, 0},
	    {MATCH_DOB, "1952-03-14", 0.9, "label", 0, 0},
	};

	(void)state;
	link(r, rd, 2, &m);
	assert_int_equal(m.filed, 1);
	assert_string_equal(best_mrn(r, &m), "00482913");
	assert_int_equal(m.cands[0].identifiers, 2);
	match_roster_free(r);
}

/* A name met in the text, with nothing saying it is the patient's, does
 * not contradict the label; a name the text says is the subject does. */
static void test_stray_prose_name(void **state)
{
	struct match_roster *r = roster();
	struct match_result m;
	struct match_reading rd[] = {
	    {MATCH_BARCODE, "00482913", 1.0, "barcode", 0, 0},
	    {MATCH_DOB, "1952-03-14", 0.9, "label", 0, 0},
	    {MATCH_NAME, "JOHN SMITH", 0.6, "prose", 0, 0},
	};

	(void)state;
	link(r, rd, 3, &m);
	assert_int_equal(m.filed, 1);
	assert_string_equal(best_mrn(r, &m), "00482913");
	assert_int_equal(m.cands[0].agree[MATCH_NAME], MATCH_ABSENT);
	rd[2].subject = 1; /* "my father John Smith" */
	link(r, rd, 3, &m);
	assert_int_equal(m.filed, 0);
	assert_int_equal(m.cands[0].agree[MATCH_NAME], MATCH_DISAGREE);
	match_roster_free(r);
}

static void test_garbled_mrn_still_files(void **state)
{
	struct match_roster *r = roster();
	struct match_result m;
	struct match_reading rd[] = {
	    {MATCH_MRN, "OO4829l3", 0.5, "label", 0, 0},
	    {MATCH_DOB, "1952-03-14", 0.7, "reread", 0, 0},
	    {MATCH_NAME, "Margaret O Donnell", 0.6, "label", 0, 0},
	};

	(void)state;
	link(r, rd, 3, &m);
	assert_int_equal(m.filed, 1);
	assert_string_equal(best_mrn(r, &m), "00482913");
	match_roster_free(r);
}

/* Part of the right MRN read is no contradiction; part of another is. */
static void test_truncated_mrn(void **state)
{
	struct match_roster *r = roster();
	struct match_result m;
	struct match_reading rd[] = {
	    {MATCH_MRN, "B2913", 0.5, "label", 0, 0},
	    {MATCH_DOB, "1952-03-14", 0.9, "label", 0, 0},
	    {MATCH_NAME, "Margaret O'Donnell", 0.9, "label", 0, 0},
	};

	(void)state;
	link(r, rd, 3, &m);
	assert_int_equal(m.filed, 1);
	assert_string_equal(best_mrn(r, &m), "00482913");
	assert_int_equal(m.cands[0].agree[MATCH_MRN], MATCH_PARTIAL);
	rd[0].value = "77001";
	link(r, rd, 3, &m);
	assert_int_equal(m.filed, 0);
	assert_string_equal(best_mrn(r, &m), "00482913");
	assert_int_equal(m.cands[0].agree[MATCH_MRN], MATCH_DISAGREE);
	match_roster_free(r);
}

static void test_mrn_one_digit_off_is_not_enough(void **state)
{
	struct match_roster *r = roster();
	struct match_result m;
	/* 00482915 is nobody's; it is one digit from two patients */
	struct match_reading rd[] = {
	    {MATCH_MRN, "00482915", 0.9, "label", 0, 0},
	    {MATCH_NAME, "Margaret O'Donnell", 0.9, "label", 0, 0},
	};

	(void)state;
	link(r, rd, 2, &m);
	assert_int_equal(m.filed, 0);
	assert_string_equal(best_mrn(r, &m), "00482913");
	match_roster_free(r);
}

static void test_name_alone_never_files(void **state)
{
	struct match_roster *r = roster();
	struct match_result m;
	struct match_reading rd[] = {
	    {MATCH_NAME, "John Smith", 0.99, "label", 0, 0},
	};

	(void)state;
	link(r, rd, 1, &m);
	assert_int_equal(m.filed, 0);
	assert_non_null(strstr(m.reason, "no birth date"));
	match_roster_free(r);
}

static void test_same_name_needs_dob(void **state)
{
	struct match_roster *r = roster();
	struct match_result m;
	struct match_reading rd[] = {
	    {MATCH_NAME, "Maria Garcia", 0.95, "label", 0, 0},
	};
	struct match_reading rd2[] = {
	    {MATCH_NAME, "Garcia, Maria", 0.95, "label", 0, 0},
	    {MATCH_DOB, "1975-11-23", 0.9, "label", 0, 0},
	};

	(void)state;
	link(r, rd, 1, &m);
	assert_int_equal(m.filed, 0);
	assert_non_null(strstr(m.reason, "two or more patients named"));
	link(r, rd2, 2, &m);
	assert_int_equal(m.filed, 1);
	assert_string_equal(best_mrn(r, &m), "10293848");
	match_roster_free(r);
}

static void test_twins(void **state)
{
	struct match_roster *r = roster();
	struct match_result m;
	struct match_reading ok[] = {
	    {MATCH_NAME, "Binh Nguyen", 0.9, "label", 0, 0},
	    {MATCH_DOB, "2001-06-30", 0.9, "label", 0, 0},
	};
	/* family name and birth date shared; the given name unreadable */
	struct match_reading bad[] = {
	    {MATCH_NAME, "Nguyen, Xq", 0.3, "label", 0, 0},
	    {MATCH_DOB, "2001-06-30", 0.9, "label", 0, 0},
	};

	(void)state;
	link(r, ok, 2, &m);
	assert_int_equal(m.filed, 1);
	assert_string_equal(best_mrn(r, &m), "55500012");
	link(r, bad, 2, &m);
	assert_int_equal(m.filed, 0);
	match_roster_free(r);
}

static void test_contradiction_goes_to_review(void **state)
{
	struct match_roster *r = roster();
	struct match_result m;
	struct match_reading rd[] = {
	    {MATCH_MRN, "00482913", 0.9, "label", 0, 0},
	    {MATCH_NAME, "Margaret O'Donnell", 0.9, "label", 0, 0},
	    {MATCH_DOB, "1990-01-01", 0.9, "label", 0, 0},
	};

	(void)state;
	link(r, rd, 3, &m);
	assert_int_equal(m.filed, 0);
	assert_non_null(strstr(m.reason, "birth date read contradicts"));
	match_roster_free(r);
}

/* An exact name with a birth date that contradicts it: not filed, but
 * the patient is shown to the operator with the contradiction named,
 * not "no roster patient matches". */
static void test_contradicted_name_still_a_candidate(void **state)
{
	struct match_roster *r = roster();
	struct match_result m;
	struct match_reading rd[] = {
	    {MATCH_NAME, "John Smith", 0.9, "label", 0, 0},
	    {MATCH_DOB, "1990-01-01", 0.9, "label", 0, 0},
	};

	(void)state;
	link(r, rd, 2, &m);
	assert_int_equal(m.filed, 0);
	assert_true(m.ncands >= 1);
	assert_string_equal(match_roster_get(r, m.cands[0].patient)->mrn,
			    "31415926");
	assert_string_equal(m.reason, "best match John Smith, but the birth "
				      "date read contradicts the roster");
	match_roster_free(r);
}

static void test_swapped_dob_is_partial(void **state)
{
	struct match_roster *r = roster();
	struct match_result m;
	struct match_reading rd[] = {
	    {MATCH_NAME, "Smith, John", 0.9, "label", 0, 0},
	    {MATCH_DOB, "1945-03-04", 0.9, "label", 0, 0},
	};

	(void)state;
	link(r, rd, 2, &m);
	assert_int_equal(m.filed, 0); /* partial is not agreement */
	assert_string_equal(best_mrn(r, &m), "31415926");
	assert_int_equal(m.cands[0].agree[MATCH_DOB], MATCH_PARTIAL);
	match_roster_free(r);
}

static void test_barcode_plus_dob(void **state)
{
	struct match_roster *r = roster();
	struct match_result m;
	struct match_reading rd[] = {
	    {MATCH_BARCODE, "MRN:77700001", 1.0, "barcode", 0, 0},
	    {MATCH_DOB, "12/01/1968", 0.4, "label", 0, 0}, /* raw, unparsed */
	};

	(void)state;
	link(r, rd, 2, &m);
	assert_int_equal(m.filed, 1);
	assert_string_equal(best_mrn(r, &m), "77700001");
	match_roster_free(r);
}

static void test_writer_name_ignored(void **state)
{
	struct match_roster *r = roster();
	struct match_result m;
	/* Thomas writes about Margaret: his name must not file it to him */
	struct match_reading rd[] = {
	    {MATCH_NAME, "Thomas O'Donnell", 0.9, "prose", -1, 0},
	    {MATCH_NAME, "Margaret O'Donnell", 0.9, "prose", 1, 0},
	    {MATCH_DOB, "1952-03-14", 0.9, "prose", 0, 0},
	};

	(void)state;
	link(r, rd, 3, &m);
	assert_int_equal(m.filed, 1);
	assert_string_equal(best_mrn(r, &m), "00482913");
	match_roster_free(r);
}

static void test_handwriting_shapes(void **state)
{
	struct match_roster *r = roster();
	const struct match_patient *m = match_roster_get(r, 0);
	const struct match_patient *t = match_roster_get(r, 1);
	struct match_result res;
	/* what Tesseract made of a handwritten "Margaret O'Donnell" */
	struct match_reading rd[] = {
	    {MATCH_NAME, "Nacapeet ODowell", 0.4, "label", 0, 0},
	    {MATCH_DOB, "1952-03-14", 0.8, "reread", 0, 0},
	};
	char key[32];

	(void)state;
	assert_int_equal(match_shape_key("Margaret", key, sizeof(key)), 8);
	assert_string_equal(key, "NACGACAI");
	assert_true(match_name_similarity("Nacapeet ODowell", m) < 0.85);
	assert_true(match_name_shape_similarity("Nacapeet ODowell", m) > 0.9);
	assert_true(match_name_shape_similarity("Nacapeet ODowell", t) < 0.8);
	link(r, rd, 2, &res);
	assert_int_equal(res.filed, 1);
	assert_string_equal(best_mrn(r, &res), "00482913");
	assert_int_equal(res.cands[0].agree[MATCH_NAME], MATCH_CONSISTENT);
	match_roster_free(r);
}

static void test_fuzzy_name_loses_to_exact_name(void **state)
{
	struct match_roster *r = roster();
	struct match_result m;
	/* "John Smith" exactly, but the birth date is Jon Smyth's: one of
	 * the two was misread, and nobody can tell which. */
	struct match_reading rd[] = {
	    {MATCH_NAME, "John Smith", 0.9, "label", 0, 0},
	    {MATCH_DOB, "1945-04-08", 0.9, "label", 0, 0},
	};

	(void)state;
	link(r, rd, 2, &m);
	assert_int_equal(m.filed, 0);
	match_roster_free(r);
}

static void test_exact_name_rival_outside_the_list(void **state)
{
	struct match_roster *r = match_roster_new();
	struct match_patient hull = {"90000001", "Hull", "Mary", NULL,
				     "1950-01-01", NULL};
	struct match_patient hall = {"90000002", "Hall", "Mary", NULL,
				     "1960-05-05", NULL};
	struct match_reading rd[] = {
	    {MATCH_NAME, "Mary Hall", 0.9, "label", 0, 0},
	    {MATCH_DOB, "1950-01-01", 0.9, "label", 0, 0},
	};
	struct match_result m;
	char mrn[16], dob[16];
	int i;

	(void)state;
	assert_int_equal(match_roster_add(r, &hull), 0);
	assert_int_equal(match_roster_add(r, &hall), 0);
	/* neighbours whose birth dates are one digit off push Mary Hall
	 * (the exact name, wrong date) out of the reported candidates */
	for (i = 0; i < 12; i++) {
		struct match_patient p = {mrn, "Other", "Person", NULL, dob,
					  NULL};
		snprintf(mrn, sizeof(mrn), "8000%04d", i);
		snprintf(dob, sizeof(dob), "1950-01-%02d", 2 + i);
		assert_int_equal(match_roster_add(r, &p), 0);
	}
	link(r, rd, 2, &m);
	assert_int_equal(m.filed, 0);
	assert_non_null(strstr(m.reason, "spelled exactly like"));
	match_roster_free(r);
}

static void test_family_exact_given_garbled(void **state)
{
	struct match_roster *r = match_roster_new();
	struct match_patient k = {"40000001", "Patel", "Kathleen", NULL,
				  "2004-06-04", NULL};
	struct match_patient o = {"40000002", "Patel", "Ravi", NULL,
				  "1970-01-01", NULL};
	struct match_patient twin = {"40000003", "Patel", "Kathryn", NULL,
				     "2004-06-04", NULL};
	struct match_reading rd[] = {
	    {MATCH_NAME, "lCakvuleen Patel", 0.5, "label", 0, 0},
	    {MATCH_DOB, "2004-06-04", 0.9, "label", 0, 0},
	};
	struct match_result m;

	(void)state;
	assert_int_equal(match_roster_add(r, &k), 0);
	assert_int_equal(match_roster_add(r, &o), 0);
	link(r, rd, 2, &m);
	assert_int_equal(m.filed, 1);
	assert_string_equal(best_mrn(r, &m), "40000001");
	/* with a twin of a similar given name, nobody can tell */
	assert_int_equal(match_roster_add(r, &twin), 0);
	link(r, rd, 2, &m);
	assert_int_equal(m.filed, 0);
	match_roster_free(r);
}

static void test_garbled_month_name_date(void **state)
{
	struct match_roster *r = match_roster_new();
	struct match_patient b = {"31690680", "Castillo", "Benjamin", NULL,
				  "1935-09-19", NULL};
	struct match_patient o = {"31690681", "Castillo", "Benjamin", NULL,
				  "1953-09-19", NULL};
	struct match_reading rd[] = {
	    {MATCH_NAME, "CASTILLO, BENJAMIN", 0.8, "label", 0, 0},
	    {MATCH_DOB, "19 SEP \\435", 0.3, "label", 0, 0},
	};
	struct match_result m;

	(void)state;
	assert_int_equal(match_roster_add(r, &b), 0);
	assert_int_equal(match_roster_add(r, &o), 0);
	link(r, rd, 2, &m);
	assert_int_equal(m.filed, 1);
	assert_string_equal(best_mrn(r, &m), "31690680");
	assert_int_equal(m.cands[0].agree[MATCH_DOB], MATCH_CONSISTENT);
	match_roster_free(r);
}

/* A value that may be another field's (read over a caption) weighs
 * nothing for or against a patient; a garbled birth date with digits lost
 * or made up contradicts nobody. */
static void test_support_only_and_garbled_dates(void **state)
{
	struct match_roster *r = roster();
	struct match_result m;
	struct match_reading rd[] = {
	    {MATCH_NAME, "SMITH, JOHN", 0.9, "label", 0, 0},
	    {MATCH_MRN, "31415926", 0.9, "label", 0, 0},
	    {MATCH_DOB, "1980-05-09", 0.8, "label", 0, 1},
	};
	struct match_reading agree[] = {
	    {MATCH_NAME, "SMITH, JOHN", 0.9, "label", 0, 0},
	    {MATCH_DOB, "1945-04-03", 0.8, "label", 0, 1},
	};
	struct match_reading guardian[] = {
	    {MATCH_NAME, "GARCIA, TOMAS", 0.9, "label", 0, 0},
	    {MATCH_NAME, "GARCIA, MARIA", 0.9, "label", 0, 1},
	    {MATCH_DOB, "1980-05-09", 0.9, "label", 0, 1},
	};
	struct match_reading garbled[] = {
	    {MATCH_NAME, "SMITH, JOHN", 0.9, "label", 0, 0},
	    {MATCH_MRN, "31415926", 0.9, "label", 0, 0},
	    {MATCH_DOB, "T0R. 3, 1945", 0.4, "label", 0, 0},
	};

	(void)state;
	link(r, rd, 3, &m);
	assert_int_equal(m.filed, 1);
	assert_string_equal(best_mrn(r, &m), "31415926");
	assert_int_equal(m.cands[0].agree[MATCH_DOB], MATCH_ABSENT);
	/* the same date as an ordinary reading contradicts him */
	rd[2].support_only = 0;
	link(r, rd, 3, &m);
	assert_int_equal(m.filed, 0);
	assert_int_equal(m.cands[0].agree[MATCH_DOB], MATCH_DISAGREE);

	/* agreeing, it is shown to the operator but is no identifier */
	link(r, agree, 2, &m);
	assert_int_equal(m.filed, 0);
	assert_string_equal(best_mrn(r, &m), "31415926");
	assert_int_equal(m.cands[0].agree[MATCH_DOB], MATCH_ABSENT);
	assert_non_null(strstr(m.cands[0].evidence,
			       "\"result\":\"agree (support only)\""));

	/* A guardian's row over the patient's caption: the guardian's name
	 * and birth date agree with a roster patient, the patient's own
	 * name with nobody.  Never filed to the guardian. */
	link(r, guardian, 3, &m);
	assert_int_equal(m.filed, 0);

	/* "T0R. 3, 1945" folds to 7031945: seven digits, no date */
	link(r, garbled, 3, &m);
	assert_int_equal(m.filed, 1);
	assert_int_equal(m.cands[0].agree[MATCH_DOB], MATCH_ABSENT);
	match_roster_free(r);
}

static void test_nothing_read(void **state)
{
	struct match_roster *r = roster();
	struct match_result m;

	(void)state;
	link(r, NULL, 0, &m);
	assert_int_equal(m.filed, 0);
	assert_int_equal(m.ncands, 0);
	assert_string_equal(m.reason,
			    "no patient name, birth date or MRN found");
	match_roster_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_jaro_winkler),
	    cmocka_unit_test(test_fold_digits),
	    cmocka_unit_test(test_name_orders),
	    cmocka_unit_test(test_mrn_and_dob_files),
	    cmocka_unit_test(test_stray_prose_name),
	    cmocka_unit_test(test_garbled_mrn_still_files),
	    cmocka_unit_test(test_truncated_mrn),
	    cmocka_unit_test(test_mrn_one_digit_off_is_not_enough),
	    cmocka_unit_test(test_name_alone_never_files),
	    cmocka_unit_test(test_same_name_needs_dob),
	    cmocka_unit_test(test_twins),
	    cmocka_unit_test(test_contradicted_name_still_a_candidate),
	    cmocka_unit_test(test_contradiction_goes_to_review),
	    cmocka_unit_test(test_swapped_dob_is_partial),
	    cmocka_unit_test(test_barcode_plus_dob),
	    cmocka_unit_test(test_writer_name_ignored),
	    cmocka_unit_test(test_handwriting_shapes),
	    cmocka_unit_test(test_fuzzy_name_loses_to_exact_name),
	    cmocka_unit_test(test_exact_name_rival_outside_the_list),
	    cmocka_unit_test(test_family_exact_given_garbled),
	    cmocka_unit_test(test_garbled_month_name_date),
	    cmocka_unit_test(test_support_only_and_garbled_dates),
	    cmocka_unit_test(test_nothing_read),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
