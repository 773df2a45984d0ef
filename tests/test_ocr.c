/*
 * test_ocr.c - unit tests of the ocr module on the committed fixtures in
 * tests/data (made by tests/data/make-fixtures.sh).
 *
 * The tests assert on what was read, not only on return codes: words of
 * a printed note, the quarter turn that made a sideways page upright,
 * the measured skew, barcode contents, refusal codes of hostile files.
 * One Tesseract engine is shared by the whole group, as a worker would.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../ocr/ocr.h"

static struct ocr_engine *eng;

/* Path of a fixture; a static buffer, valid until the next call. */
static const char *fixture(const char *name)
{
	static char path[4096];
	const char *src = getenv("CHARTROOM_SOURCE_DIR");

	snprintf(path, sizeof(path), "%s/tests/data/%s", src ? src : "..",
	         name);
	return path;
}

/* Whole fixture in memory (caller frees). */
static unsigned char *slurp(const char *name, size_t *len)
{
	FILE *fp = fopen(fixture(name), "rb");
	unsigned char *buf;
	long n;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	rewind(fp);
	buf = malloc(n > 0 ? (size_t)n : 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

static struct ocr_image *load1(const char *name)
{
	struct cr_err err = {0};
	struct ocr_doc *doc;
	struct ocr_image *img;

	doc = ocr_doc_open(fixture(name), NULL, &err);
	if (doc == NULL)
		fail_msg("%s: %s", name, err.msg);
	img = ocr_doc_load_page(doc, 0, &err);
	if (img == NULL)
		fail_msg("%s: %s", name, err.msg);
	ocr_doc_free(doc);
	return img;
}

/* Recognise page 1 of a fixture into *page; returns the prepared image. */
static struct ocr_image *read1(const char *name, struct ocr_page *page)
{
	struct cr_err err = {0};
	struct ocr_image *img = load1(name);

	if (ocr_page_recognize(eng, img, page, &err) != 0)
		fail_msg("%s: %s", name, err.msg);
	return img;
}

static const struct ocr_word *find_word(const struct ocr_page *p,
                                        const char *needle)
{
	size_t i;

	for (i = 0; i < p->nwords; i++)
		if (strstr(p->words[i].text, needle) != NULL)
			return &p->words[i];
	return NULL;
}

static void assert_contains(const char *hay, const char *needle)
{
	if (hay == NULL || strstr(hay, needle) == NULL)
		fail_msg("\"%s\" not found in:\n%s", needle,
		         hay ? hay : "(null)");
}

/* Open must fail with code, or open and page 1 must fail with code. */
static void assert_refused(const char *name, int code)
{
	struct cr_err err = {0};
	struct ocr_doc *doc;
	struct ocr_image *img;

	doc = ocr_doc_open(fixture(name), NULL, &err);
	if (doc != NULL) {
		img = ocr_doc_load_page(doc, 0, &err);
		ocr_image_free(img);
		ocr_doc_free(doc);
		if (img != NULL)
			fail_msg("%s: was not refused", name);
	}
	if (err.code != code)
		fail_msg("%s: code %d (%s), wanted %d", name, err.code, err.msg,
		         code);
	/* Every refusal names the file. */
	assert_contains(err.msg, name);
}

static int group_setup(void **state)
{
	struct cr_err err = {0};

	(void)state;
	eng = ocr_engine_new(NULL, &err);
	if (eng == NULL) {
		fprintf(stderr, "engine: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	ocr_engine_free(eng);
	return 0;
}

/* ---- Loading --------------------------------------------------------- */

static void test_limits_default(void **state)
{
	struct ocr_limits l;

	(void)state;
	ocr_limits_default(&l);
	assert_int_equal(l.max_file_bytes, (uint64_t)512 << 20);
	assert_int_equal(l.max_page_pixels, 100000000);
	assert_int_equal(l.max_page_dim, 30000);
	assert_int_equal(l.max_pages, 1000);
}

static void test_open_printed_tiff(void **state)
{
	struct cr_err err = {0};
	struct ocr_doc *doc;
	struct ocr_image *img;

	(void)state;
	doc = ocr_doc_open(fixture("text.tif"), NULL, &err);
	assert_non_null(doc);
	assert_string_equal(ocr_doc_format(doc), "tiff");
	assert_int_equal(ocr_doc_page_count(doc), 1);
	img = ocr_doc_load_page(doc, 0, &err);
	assert_non_null(img);
	assert_int_equal(ocr_image_width(img), 2550);
	assert_int_equal(ocr_image_height(img), 1650);
	assert_int_equal(ocr_image_dpi(img), 300);
	assert_null(ocr_doc_load_page(doc, 1, &err));
	assert_int_equal(err.code, CR_EINVAL);
	assert_null(ocr_doc_load_page(doc, -1, &err));
	ocr_image_free(img);
	ocr_doc_free(doc);
}

static void test_huge_headers_refused_fast(void **state)
{
	static const char *const names[] = {"huge.tif", "huge.png", "huge.jpg"};
	struct cr_err err = {0};
	unsigned char *buf;
	size_t i, len;
	int64_t t0;

	(void)state;
	for (i = 0; i < 3; i++) {
		t0 = cr_now_ms();
		assert_null(ocr_doc_open(fixture(names[i]), NULL, &err));
		assert_int_equal(err.code, CR_ELIMIT);
		assert_contains(err.msg, "over the limit");
		buf = slurp(names[i], &len);
		assert_null(ocr_image_from_memory(buf, len, NULL, &err));
		assert_int_equal(err.code, CR_ELIMIT);
		free(buf);
		/* Refused from the header: no 5 GB pixel buffer, no time. */
		assert_true(cr_now_ms() - t0 < 1000);
	}
	assert_contains(err.msg, "60000 x 60000");
}

static void test_limits_applied(void **state)
{
	struct cr_err err = {0};
	struct ocr_limits l;
	struct ocr_doc *doc;

	(void)state;
	ocr_limits_default(&l);
	l.max_pages = 2;
	assert_null(ocr_doc_open(fixture("multi.tif"), &l, &err));
	assert_int_equal(err.code, CR_ELIMIT);
	l.max_pages = 3;
	doc = ocr_doc_open(fixture("multi.tif"), &l, &err);
	assert_non_null(doc);
	ocr_doc_free(doc);

	ocr_limits_default(&l);
	l.max_page_dim = 2000;
	assert_null(ocr_doc_open(fixture("text.tif"), &l, &err));
	assert_int_equal(err.code, CR_ELIMIT);

	ocr_limits_default(&l);
	l.max_page_pixels = 2550 * 1650 - 1;
	assert_null(ocr_doc_open(fixture("text.tif"), &l, &err));
	assert_int_equal(err.code, CR_ELIMIT);

	ocr_limits_default(&l);
	l.max_file_bytes = 1000;
	assert_null(ocr_doc_open(fixture("text.tif"), &l, &err));
	assert_int_equal(err.code, CR_ELIMIT);
}

static void test_refusals(void **state)
{
	char dir[] = "/tmp/test_ocr.XXXXXX", fifo[64];
	struct cr_err err = {0};

	(void)state;
	assert_refused("empty.tif", CR_EFORMAT);
	assert_null(ocr_doc_open(fixture("empty.tif"), NULL, &err));
	assert_contains(err.msg, "empty file (0 bytes)");

	assert_refused("scan.pdf", CR_EUNSUPPORTED);
	assert_null(ocr_doc_open(fixture("scan.pdf"), NULL, &err));
	assert_contains(err.msg, "PDF scans are not supported yet");

	assert_refused("notimage.txt", CR_EFORMAT);
	assert_null(ocr_doc_open(fixture("notimage.txt"), NULL, &err));
	assert_contains(err.msg, "not an image (unknown format)");

	assert_refused("tiled.tif", CR_EUNSUPPORTED);

	assert_null(ocr_doc_open(fixture("no-such-file.tif"), NULL, &err));
	assert_int_equal(err.code, CR_ENOTFOUND);
	assert_null(ocr_doc_open(fixture(""), NULL, &err)); /* a folder */
	assert_int_equal(err.code, CR_EFORMAT);

	/* A FIFO in the watched folder is refused, not waited on. */
	assert_non_null(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/scan.tif", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_null(ocr_doc_open(fifo, NULL, &err));
	assert_int_equal(err.code, CR_EFORMAT);
	assert_contains(err.msg, "not a regular file");
	unlink(fifo);
	rmdir(dir);
}

static void test_truncated(void **state)
{
	static const char *const names[] = {"trunc.tif", "trunc-strip.tif",
	                                    "trunc.png", "trunc.jpg"};
	struct cr_err err = {0};
	struct ocr_doc *doc;
	unsigned char *buf;
	size_t i, len;

	(void)state;
	for (i = 0; i < 4; i++) {
		assert_refused(names[i], CR_EFORMAT);
		buf = slurp(names[i], &len);
		assert_null(ocr_image_from_memory(buf, len, NULL, &err));
		assert_int_equal(err.code, CR_EFORMAT);
		free(buf);
	}
	/* The strip-truncated TIFF has a sound header: it opens, and only
	 * decoding the page fails. */
	doc = ocr_doc_open(fixture("trunc-strip.tif"), NULL, &err);
	assert_non_null(doc);
	assert_null(ocr_doc_load_page(doc, 0, &err));
	assert_int_equal(err.code, CR_EFORMAT);
	assert_contains(err.msg, "truncated or corrupt");
	ocr_doc_free(doc);
}

struct loader {
	const struct ocr_doc *doc;
	int ok;
};

static void *load_all(void *arg)
{
	struct loader *ld = arg;
	struct ocr_image *img;
	int round, i;

	for (round = 0; round < 5; round++)
		for (i = 0; i < 3; i++) {
			img = ocr_doc_load_page(ld->doc, (i + round) % 3, NULL);
			if (img != NULL && ocr_image_width(img) == 1275)
				ld->ok++;
			ocr_image_free(img);
		}
	return NULL;
}

static void test_multipage(void **state)
{
	static const char *const words[] = {"one", "two", "three"};
	struct cr_err err = {0};
	struct ocr_page page = {0};
	struct ocr_doc *doc;
	struct ocr_image *img;
	struct loader a, b;
	pthread_t ta, tb;
	int i;

	(void)state;
	doc = ocr_doc_open(fixture("multi.tif"), NULL, &err);
	assert_non_null(doc);
	assert_int_equal(ocr_doc_page_count(doc), 3);
	for (i = 0; i < 3; i++) {
		img = ocr_doc_load_page(doc, i, &err);
		assert_non_null(img);
		assert_int_equal(ocr_image_width(img), 1275);
		assert_int_equal(ocr_image_height(img), 825);
		assert_int_equal(ocr_image_dpi(img), 150);
		assert_int_equal(ocr_page_recognize(eng, img, &page, &err), 0);
		assert_contains(page.text, "Page");
		assert_contains(page.text, words[i]);
		ocr_page_clear(&page);
		ocr_image_free(img);
	}
	/* Two threads loading pages of one doc at once. */
	a.doc = b.doc = doc;
	a.ok = b.ok = 0;
	assert_int_equal(pthread_create(&ta, NULL, load_all, &a), 0);
	assert_int_equal(pthread_create(&tb, NULL, load_all, &b), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	assert_int_equal(a.ok, 15);
	assert_int_equal(b.ok, 15);
	ocr_doc_free(doc);
}

static void test_dpi(void **state)
{
	struct ocr_image *img;

	(void)state;
	img = load1("nodpi.png"); /* no pHYs chunk */
	assert_int_equal(ocr_image_dpi(img), 300);
	ocr_image_free(img);
	img = load1("dpi200.png");
	assert_int_equal(ocr_image_dpi(img), 200);
	ocr_image_free(img);
	img = load1("dpi5.tif"); /* implausible: 5 dpi */
	assert_int_equal(ocr_image_dpi(img), 300);
	ocr_image_free(img);
	img = load1("multi.tif");
	assert_int_equal(ocr_image_dpi(img), 150);
	ocr_image_free(img);
}

/* Every supported flavour decodes to an image Tesseract can read. */
static void test_flavours(void **state)
{
	static const char *const names[] = {"rgb-lzw.tif",  "rgb-deflate.tif",
	                                    "rgb-jpeg.tif", "grey-packbits.tif",
	                                    "palette.tif",  "grey16.tif",
	                                    "g3.tif",       "grey16.png",
	                                    "palette.png",  "colour.jpg"};
	struct cr_err err = {0};
	struct ocr_page page = {0};
	struct ocr_image *img;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		img = load1(names[i]);
		assert_int_equal(ocr_image_width(img), 240);
		assert_int_equal(ocr_image_height(img), 120);
		assert_int_equal(ocr_page_recognize(eng, img, &page, &err), 0);
		if (strstr(page.text, "colour") == NULL)
			fail_msg("%s read as \"%s\"", names[i], page.text);
		ocr_page_clear(&page);
		ocr_image_free(img);
	}
}

static void test_from_memory_and_png(void **state)
{
	struct cr_err err = {0};
	struct ocr_limits l;
	struct ocr_image *img, *back;
	unsigned char *buf, *png;
	size_t len, plen;

	(void)state;
	buf = slurp("text.tif", &len);
	img = ocr_image_from_memory(buf, len, NULL, &err);
	assert_non_null(img);
	assert_int_equal(ocr_image_width(img), 2550);
	assert_int_equal(ocr_image_dpi(img), 300);
	ocr_limits_default(&l);
	l.max_page_pixels = 1000000;
	assert_null(ocr_image_from_memory(buf, len, &l, &err));
	assert_int_equal(err.code, CR_ELIMIT);
	free(buf);

	assert_int_equal(ocr_image_png(img, 64, &png, &plen, &err), 0);
	assert_true(plen > 8);
	assert_memory_equal(png, "\x89PNG\r\n\x1a\n", 8);
	back = ocr_image_from_memory(png, plen, NULL, &err);
	assert_non_null(back);
	assert_int_equal(ocr_image_width(back), 64);
	assert_in_range(ocr_image_height(back), 40, 42); /* 64*1650/2550 */
	ocr_image_free(back);
	free(png);

	assert_int_equal(ocr_image_png(img, 0, &png, &plen, &err), 0);
	back = ocr_image_from_memory(png, plen, NULL, &err);
	assert_non_null(back);
	assert_int_equal(ocr_image_width(back), 2550);
	assert_int_equal(ocr_image_height(back), 1650);
	ocr_image_free(back);
	free(png);
	ocr_image_free(img);
}

/* ---- Recognition ----------------------------------------------------- */

static void test_recognize_printed(void **state)
{
	struct ocr_page page = {0};
	struct ocr_image *img;
	const struct ocr_word *w;
	size_t i;

	(void)state;
	img = read1("text.tif", &page);
	assert_contains(page.text, "PROGRESS NOTE");
	assert_contains(page.text, "Margaret Ellison");
	assert_contains(page.text, "03/14/1952");
	assert_contains(page.text, "00482913");
	assert_contains(page.text, "improved breathing since the last visit");
	assert_int_equal(page.rotation_deg, 0);
	assert_true(fabsf(page.skew_deg) < 0.5f);
	assert_int_equal(page.width, 2550);
	assert_int_equal(page.height, 1650);
	assert_int_equal(page.dpi, 300);
	assert_int_equal(page.timed_out, 0);
	assert_true(page.mean_conf > 0.8f && page.mean_conf <= 1.0f);
	assert_in_range(page.nwords, 40, 60);

	/* Boxes are page pixels: "Patient:" was drawn at x=200, with its
	 * baseline at y=420. */
	w = find_word(&page, "Patient");
	assert_non_null(w);
	assert_in_range(w->x0, 190, 215);
	assert_in_range(w->y1, 410, 435);
	assert_true(w->y0 < w->y1 && w->x0 < w->x1);
	assert_true(w->conf > 0.8f);
	/* Lines in reading order: title, patient, date of birth... */
	assert_int_equal(find_word(&page, "PROGRESS")->line, 0);
	assert_int_equal(w->line, 1);
	assert_int_equal(find_word(&page, "1952")->line, 2);
	assert_int_equal(find_word(&page, "ward")->line, 7);
	for (i = 1; i < page.nwords; i++)
		assert_true(page.words[i].line >= page.words[i - 1].line);
	ocr_page_clear(&page);
	assert_null(page.text);
	assert_int_equal(page.nwords, 0);
	ocr_page_clear(&page); /* twice is harmless */
	ocr_image_free(img);
}

static void test_blank_page(void **state)
{
	struct ocr_page page = {0};
	struct ocr_image *img;
	struct ocr_barcode bc[2];
	struct cr_err err = {0};

	(void)state;
	img = read1("blank.png", &page);
	assert_int_equal(page.nwords, 0);
	assert_null(page.words);
	assert_non_null(page.text);
	assert_string_equal(page.text, "");
	assert_int_equal(page.rotation_deg, 0);
	assert_true(page.skew_deg == 0.0f);
	assert_true(page.mean_conf == 0.0f);
	/* a 150 dpi page is read at twice the pixels */
	assert_int_equal(page.width, 2550);
	assert_int_equal(page.dpi, 300);
	assert_int_equal(ocr_barcodes_scan(img, bc, 2, &err), 0);
	ocr_page_clear(&page);
	ocr_image_free(img);
}

/* Scraps too small to measure or read are empty pages, not errors. */
static void test_tiny_images(void **state)
{
	static const int widths[] = {1, 3, 40};
	struct cr_err err = {0};
	struct ocr_page page = {0};
	struct ocr_image *img, *tiny;
	unsigned char *png;
	size_t i, len;

	(void)state;
	img = load1("text.tif");
	for (i = 0; i < 3; i++) {
		assert_int_equal(
		    ocr_image_png(img, widths[i], &png, &len, &err), 0);
		tiny = ocr_image_from_memory(png, len, NULL, &err);
		free(png);
		assert_non_null(tiny);
		assert_int_equal(ocr_image_width(tiny), widths[i]);
		assert_true(ocr_image_height(tiny) >= 1);
		assert_int_equal(ocr_page_recognize(eng, tiny, &page, &err), 0);
		assert_int_equal(page.rotation_deg, 0);
		assert_non_null(page.text);
		ocr_page_clear(&page);
		ocr_image_free(tiny);
	}
	ocr_image_free(img);
}

static void test_rotated_pages(void **state)
{
	static const struct {
		const char *name;
		int deg;
	} cases[] = {
	    {"rot90.tif", 270}, {"rot180.tif", 180}, {"rot270.tif", 90}};
	struct ocr_page page = {0};
	struct ocr_image *img;
	struct cr_err err = {0};
	const struct ocr_word *w;
	char *text;
	float conf;
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		img = read1(cases[i].name, &page);
		if (page.rotation_deg != cases[i].deg)
			fail_msg("%s: turned %d, wanted %d", cases[i].name,
			         page.rotation_deg, cases[i].deg);
		/* The image itself is left upright. */
		assert_int_equal(page.width, 2550);
		assert_int_equal(page.height, 1650);
		assert_int_equal(ocr_image_width(img), 2550);
		assert_contains(page.text, "Margaret Ellison");
		assert_contains(page.text, "improved breathing");
		/* ...so word boxes can be re-read from it. */
		w = find_word(&page, "1952");
		assert_non_null(w);
		assert_int_equal(ocr_region_read(eng, img, w->x0, w->y0, w->x1,
		                                 w->y1, "0123456789/", &text,
		                                 &conf, &err),
		                 0);
		assert_string_equal(text, "03/14/1952");
		free(text);
		ocr_page_clear(&page);
		ocr_image_free(img);
	}
}

/* Upside down with too few printed ascenders to count: the header has
 * to be read both ways up. */
static void test_upside_down_form(void **state)
{
	struct ocr_page page = {0};
	struct ocr_image *img;

	(void)state;
	img = read1("handform180.tif", &page);
	assert_int_equal(page.rotation_deg, 180);
	assert_contains(page.text, "RIVERBEND COMMUNITY HOSPITAL");
	assert_contains(page.text, "WARD ROUND NOTES");
	ocr_page_clear(&page);
	ocr_image_free(img);
}

/* An upright handwritten letter with a dotted margin: its weak, wavering
 * lines once measured as a page turned sideways.  A quarter turn must
 * read clearly better than the page as it is. */
static void test_upright_handwriting_not_turned(void **state)
{
	struct ocr_page page = {0};
	struct ocr_image *img;

	(void)state;
	img = read1("letter200.tif", &page);
	assert_int_equal(page.rotation_deg, 0);
	assert_int_equal(page.width, 1700);
	ocr_page_clear(&page);
	ocr_image_free(img);
	/* ...and one whose hand counts as upside down by its ascenders: a
	 * page fed as it is turns over only when it reads better so. */
	img = read1("letter300.tif", &page);
	assert_int_equal(page.rotation_deg, 0);
	assert_contains(page.text, "LINDHOLM"); /* Humor Sans is all capitals */
	ocr_page_clear(&page);
	ocr_image_free(img);
}

static void test_skew_corrected(void **state)
{
	struct ocr_page page = {0};
	struct ocr_image *img;

	(void)state;
	/* Made by turning the page 3 degrees clockwise; straightening it
	 * takes 3 degrees anticlockwise. */
	img = read1("skew3.tif", &page);
	if (page.skew_deg < -4.0f || page.skew_deg > -2.0f)
		fail_msg("skew %.2f, wanted -3 +- 1", page.skew_deg);
	assert_int_equal(page.rotation_deg, 0);
	assert_contains(page.text, "Margaret Ellison");
	assert_contains(page.text, "03/14/1952");
	ocr_page_clear(&page);
	ocr_image_free(img);
}

static void test_region_read(void **state)
{
	struct cr_err err = {0};
	struct ocr_page page = {0};
	struct ocr_image *img;
	char *text;
	float conf;

	(void)state;
	img = read1("text.tif", &page);
	/* The date as drawn by make-fixtures.sh: x 700.., baseline 560. */
	assert_int_equal(ocr_region_read(eng, img, 690, 505, 1010, 575,
	                                 "0123456789/-", &text, &conf, &err),
	                 0);
	assert_string_equal(text, "03/14/1952");
	assert_true(conf > 0.5f && conf <= 1.0f);
	free(text);
	/* Without a whitelist, on the MRN line, reversed corners. */
	assert_int_equal(ocr_region_read(eng, img, 1300, 720, 190, 640, NULL,
	                                 &text, &conf, &err),
	                 0);
	assert_contains(text, "00482913");
	assert_contains(text, "Medical record");
	free(text);
	/* The whitelist was reset: a full page still reads letters. */
	ocr_page_clear(&page);
	assert_int_equal(ocr_page_recognize(eng, img, &page, &err), 0);
	assert_contains(page.text, "Margaret Ellison");
	ocr_page_clear(&page);
	/* Clipped to the page; wholly outside is an error. */
	assert_int_equal(ocr_region_read(eng, img, 2400, 1500, 9000, 9000, NULL,
	                                 &text, &conf, &err),
	                 0);
	free(text);
	assert_int_equal(ocr_region_read(eng, img, 5000, 5000, 6000, 6000, NULL,
	                                 &text, &conf, &err),
	                 CR_EINVAL);
	assert_null(text);
	ocr_image_free(img);
}

static void test_timeout(void **state)
{
	struct ocr_engine_opts opts = {NULL, NULL, 1};
	struct cr_err err = {0};
	struct ocr_page page = {0};
	struct ocr_engine *quick;
	struct ocr_image *img;

	(void)state;
	quick = ocr_engine_new(&opts, &err);
	assert_non_null(quick);
	img = load1("text.tif");
	assert_int_equal(ocr_page_recognize(quick, img, &page, &err), 0);
	assert_int_equal(page.timed_out, 1);
	assert_true(page.nwords < 48);
	ocr_page_clear(&page);
	ocr_image_free(img);
	ocr_engine_free(quick);
}

static void test_engine_missing_data(void **state)
{
	struct ocr_engine_opts opts = {"/nonexistent/tessdata", NULL, 0};
	struct cr_err err = {0};

	(void)state;
	assert_null(ocr_engine_new(&opts, &err));
	assert_int_equal(err.code, CR_EOCR);
	assert_contains(err.msg, "/nonexistent/tessdata");
}

/* ---- Barcodes -------------------------------------------------------- */

static void test_barcodes(void **state)
{
	struct cr_err err = {0};
	struct ocr_barcode bc[4];
	struct ocr_image *img;

	(void)state;
	img = load1("code128.png");
	assert_int_equal(ocr_barcodes_scan(img, bc, 4, &err), 1);
	assert_string_equal(bc[0].type, "CODE-128");
	assert_string_equal(bc[0].data, "MRN00482913");
	ocr_image_free(img);

	img = load1("qr.png");
	assert_int_equal(ocr_barcodes_scan(img, bc, 4, &err), 1);
	assert_string_equal(bc[0].type, "QR-Code");
	assert_string_equal(bc[0].data, "CR:00482913:19520314");
	ocr_image_free(img);

	/* A Code 39 label pasted at (1500, 1300) on a 1-bit page. */
	img = load1("label-page.tif");
	assert_int_equal(ocr_barcodes_scan(img, bc, 4, &err), 1);
	assert_string_equal(bc[0].type, "CODE-39");
	assert_string_equal(bc[0].data, "A1234567");
	assert_in_range(bc[0].x0, 1480, 1560);
	assert_in_range(bc[0].y0, 1280, 1400);
	assert_true(bc[0].x1 > bc[0].x0 + 300);
	assert_int_equal(ocr_barcodes_scan(img, bc, 0, &err), 0);
	ocr_image_free(img);

	img = load1("text.tif"); /* text is not a barcode */
	assert_int_equal(ocr_barcodes_scan(img, bc, 4, &err), 0);
	ocr_image_free(img);
}

/* A patient label in a ruled box over its barcode, stuck on askew: its
 * lines are read (bars and border are painted out of what Tesseract
 * reads), the page's title with them, and the barcode still scans from
 * the image, which keeps them. */
static void test_label_in_box(void **state)
{
	struct cr_err err = {0};
	struct ocr_page page = {0};
	struct ocr_barcode bc[4];
	const struct ocr_word *w;
	struct ocr_image *img;

	(void)state;
	img = read1("label-box.tif", &page);
	assert_contains(page.text, "Progress Notes");
	assert_contains(page.text, "HOLLAND, PETRA");
	assert_contains(page.text, "30571948");
	assert_contains(page.text, "07/19/1961");
	assert_contains(page.text, "OKAFOR");
	w = find_word(&page, "HOLLAND");
	assert_non_null(w);
	assert_in_range(w->x0, 240, 320); /* where the label was stuck */
	assert_in_range(w->y0, 320, 380);
	assert_int_equal(ocr_barcodes_scan(img, bc, 4, &err), 1);
	assert_string_equal(bc[0].data, "30571948");
	ocr_page_clear(&page);
	ocr_image_free(img);
}

/* ---- Export ---------------------------------------------------------- */

static void check_pdf(const char *path)
{
	char head[5] = {0};
	FILE *fp = fopen(path, "rb");

	if (fp == NULL)
		fail_msg("%s was not written", path);
	assert_int_equal(fread(head, 1, 4, fp), 4);
	fclose(fp);
	assert_string_equal(head, "%PDF");
}

static void test_pdf_export(void **state)
{
	char dir[] = "/tmp/test_ocr.XXXXXX", out[256];
	struct cr_err err = {0};
	struct dirent *de;
	DIR *d;
	int n = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(out, sizeof(out), "%s/note.pdf", dir);
	assert_int_equal(ocr_pdf_export(fixture("multi.tif"), out, NULL, &err),
	                 0);
	check_pdf(out);
	unlink(out);
	/* A name without ".pdf" is written exactly as given. */
	snprintf(out, sizeof(out), "%s/note-export", dir);
	assert_int_equal(ocr_pdf_export(fixture("text.tif"), out, NULL, &err),
	                 0);
	check_pdf(out);
	/* Refused input: nothing written, the file named. */
	snprintf(out, sizeof(out), "%s/bad.pdf", dir);
	assert_int_equal(ocr_pdf_export(fixture("huge.tif"), out, NULL, &err),
	                 CR_ELIMIT);
	assert_contains(err.msg, "huge.tif");
	/* Exactly one file left: no temporaries. */
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	assert_int_equal(n, 1);
	snprintf(out, sizeof(out), "%s/note-export", dir);
	unlink(out);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_limits_default),
	    cmocka_unit_test(test_huge_headers_refused_fast),
	    cmocka_unit_test(test_open_printed_tiff),
	    cmocka_unit_test(test_limits_applied),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_multipage),
	    cmocka_unit_test(test_dpi),
	    cmocka_unit_test(test_flavours),
	    cmocka_unit_test(test_from_memory_and_png),
	    cmocka_unit_test(test_recognize_printed),
	    cmocka_unit_test(test_blank_page),
	    cmocka_unit_test(test_tiny_images),
	    cmocka_unit_test(test_rotated_pages),
	    cmocka_unit_test(test_upside_down_form),
	    cmocka_unit_test(test_upright_handwriting_not_turned),
	    cmocka_unit_test(test_skew_corrected),
	    cmocka_unit_test(test_region_read),
	    cmocka_unit_test(test_timeout),
	    cmocka_unit_test(test_engine_missing_data),
	    cmocka_unit_test(test_barcodes),
	    cmocka_unit_test(test_label_in_box),
	    cmocka_unit_test(test_pdf_export),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
