/*
 * recognize.c - turning a decoded page upright and straight and reading
 * it with Tesseract.
 *
 * An ocr_engine wraps one TessBaseAPI, initialised once (LSTM, eng) and
 * reused for every page, because loading the language model costs more
 * than reading a light page.  Page preparation measures everything on one
 * binary copy of the page at about 150 dpi, stripped of ruled lines,
 * barcode bars and solid blobs, and then rotates the real image at most
 * twice (a quarter turn, then the skew), leaving it upright in the
 * ocr_image so that word boxes, region re-reads and barcodes all refer
 * to the same page.
 *
 * Orientation is decided in two steps.  Which way the text lines run
 * comes from the skew finder's line score on the copy and on the copy
 * turned 90 degrees; the skew angle falls out of the same measurement.
 * Up or down then comes from Leptonica's ascender/descender count, and
 * where that is too weak (ruled forms filled in by hand, all-capital
 * headers), from reading one band of printed text both ways up with the
 * engine itself and keeping the clearly more confident way.  Tesseract's
 * OSD was measured on the test pages and rejected: it needs 250 ms to
 * load and several hundred per page, turned all-capital lab tables and
 * handwritten letters the wrong way (180 and 90/270 swaps) with
 * confidences of 2 to 7, and gave up on sparse pages.  Leptonica's own
 * decision rule (makeOrientDecision) was too timid: on plain upright
 * pages the sideways ascender signal is often half the upright one,
 * below the ratio it requires.  A page nothing can decide is left as it
 * was scanned, which is what most pages are.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tesseract/capi.h>

#include "ocr_int.h"

#define TIMEOUT_DEFAULT_MS 60000
/* Leptonica's own thresholds for trusting a skew measurement. */
#define SKEW_MIN_DEG 0.1f
#define SKEW_MIN_CONF 3.0f
#define LOWRES_DPI 200 /* pages below this are upscaled 2x */
#define SKEW_RANGE_DEG 7.0f
/*
 * Orientation evidence: the line score (skew confidence) needed to say
 * which way lines run, and its margin over the other direction (small,
 * since tables of capitals and digits also align into columns); failing
 * that, the margin of one ascender signal over the other; and the
 * ascender/descender confidence (a z-score) needed for up versus down,
 * counted over at least ORIENT_MIN_COUNT glyph hits.
 */
#define ORIENT_MIN_LINE_CONF 3.0f
#define ORIENT_LINE_RATIO 1.1f
#define ORIENT_SURE_LINE_CONF 40.0f /* sideways pages of print: 3-80 */
#define ORIENT_UP_RATIO 1.5f
#define ORIENT_MIN_UP_CONF 4.0f
#define ORIENT_SURE_DOWN_CONF 10.0f /* upright handwriting: down to -7 */
#define ORIENT_MIN_COUNT 10
/* Reading test: deadline per strip, and the confidence margin (points
 * of 100) one orientation needs over the other. */
#define ORIENT_OCR_TIMEOUT_MS 2000
#define ORIENT_OCR_MARGIN 10
#define ORIENT_OCR_SURE 85
#define ORIENT_OCR_MIN_GLYPHS 8
/* Pages smaller than this either way are not turned or deskewed. */
#define PREPARE_MIN_PX 64
/* Margin kept around a region, and white border added before reading. */
#define REGION_PAD_PX 4
#define REGION_BORDER_PX 10

struct ocr_engine {
	TessBaseAPI *api;
	char *datapath; /* NULL = Tesseract's default */
	char *lang;
	int timeout_ms;
};

/* Create and initialise one TessBaseAPI.  Returns NULL on failure. */
static TessBaseAPI *api_new(const char *datapath, const char *lang,
                            TessOcrEngineMode oem)
{
	TessBaseAPI *api;

	if ((api = TessBaseAPICreate()) == NULL)
		return NULL;
	/* Tesseract's tprintf() goes to debug_file; set before Init so
	 * that even loading messages stay off our stderr. */
	TessBaseAPISetVariable(api, "debug_file", "/dev/null");
	if (TessBaseAPIInit2(api, datapath, lang, oem) != 0) {
		TessBaseAPIDelete(api);
		return NULL;
	}
	TessBaseAPISetPageSegMode(api, PSM_AUTO);
	return api;
}

struct ocr_engine *ocr_engine_new(const struct ocr_engine_opts *opts,
                                  struct cr_err *err)
{
	struct ocr_engine *eng;
	const char *lang = "eng";

	ocr_quiet_libraries();
	if ((eng = calloc(1, sizeof(*eng))) == NULL)
		goto nomem;
	eng->timeout_ms = TIMEOUT_DEFAULT_MS;
	if (opts != NULL) {
		if (opts->lang != NULL)
			lang = opts->lang;
		if (opts->page_timeout_ms > 0)
			eng->timeout_ms = opts->page_timeout_ms;
		if (opts->datapath != NULL &&
		    (eng->datapath = strdup(opts->datapath)) == NULL)
			goto nomem;
	}
	if ((eng->lang = strdup(lang)) == NULL)
		goto nomem;
	eng->api = api_new(eng->datapath, eng->lang, OEM_LSTM_ONLY);
	if (eng->api == NULL) {
		cr_err_set(err, CR_EOCR,
		           "could not load Tesseract language data \"%s\" from "
		           "%s",
		           eng->lang,
		           eng->datapath ? eng->datapath
		                         : "the default folder");
		ocr_engine_free(eng);
		return NULL;
	}
	return eng;

nomem:
	ocr_engine_free(eng);
	cr_err_set(err, CR_ENOMEM, "out of memory starting the OCR engine");
	return NULL;
}

void ocr_engine_free(struct ocr_engine *eng)
{
	if (eng == NULL)
		return;
	if (eng->api != NULL) {
		TessBaseAPIEnd(eng->api);
		TessBaseAPIDelete(eng->api);
	}
	free(eng->datapath);
	free(eng->lang);
	free(eng);
}

/* ---- Page preparation ---------------------------------------------- */

/* Replace *pp by q when q is not NULL.  Returns 0, or -1 (and leaves *pp)
 * when the Leptonica call that made q failed. */
static int pix_replace(PIX **pp, PIX *q)
{
	if (q == NULL)
		return -1;
	pixDestroy(pp);
	*pp = q;
	return 0;
}

/*
 * A binary working copy of pix (1 or 8 bpp) at about 150 dpi for the
 * orientation and skew measurements.  *factor receives the reduction
 * (1 or 2).  Returns NULL on allocation failure.
 */
static PIX *binary_copy(PIX *pix, int dpi, int *factor)
{
	PIX *g = NULL, *b = NULL;

	*factor = dpi >= 250 ? 2 : 1;
	if (pixGetDepth(pix) == 1) {
		if (*factor == 1)
			return pixClone(pix);
		/* Rank 1 keeps thin strokes at half resolution. */
		return pixReduceRankBinary2(pix, 1, NULL);
	}
	g = *factor == 2 ? pixScaleAreaMap2(pix) : pixClone(pix);
	if (g == NULL)
		return NULL;
	/* One Otsu threshold for the whole page: cheap, and good enough to
	 * find text lines and ascenders. */
	if (pixOtsuAdaptiveThreshold(g, pixGetWidth(g), pixGetHeight(g), 0, 0,
	                             0.0, NULL, &b) != 0)
		b = NULL;
	pixDestroy(&g);
	return b;
}

/*
 * bin without what is not text: ruled lines and table borders (runs of a
 * third of an inch either way), barcode bars, and solid areas (punch
 * holes, the dark scanner lid around a page).  Rules and bars would
 * otherwise dominate the line score, and their corners and crossings
 * would pass for ascenders.  edpi is bin's resolution.  Returns a new
 * image or NULL.
 */
static PIX *text_only(PIX *bin, int edpi)
{
	PIX *out, *t;
	int run = edpi / 3 < 15 ? 15 : edpi / 3;
	int blob = edpi / 16 < 5 ? 5 : edpi / 16;

	if ((out = pixCopy(NULL, bin)) == NULL)
		return NULL;
	if ((t = pixOpenBrick(NULL, bin, run, 1)) == NULL)
		goto fail;
	pixSubtract(out, out, t);
	pixDestroy(&t);
	if ((t = pixOpenBrick(NULL, bin, 1, run)) == NULL)
		goto fail;
	pixSubtract(out, out, t);
	pixDestroy(&t);
	if ((t = pixOpenBrick(NULL, bin, blob, blob)) == NULL)
		goto fail;
	pixSubtract(out, out, t);
	pixDestroy(&t);
	return out;
fail:
	pixDestroy(&out);
	return NULL;
}

/*
 * Mean Tesseract word confidence (0..100) reading pix, or -1.  Used only
 * to compare two orientations of the same strip.
 */
static int strip_conf(TessBaseAPI *api, PIX *pix, int dpi)
{
	ETEXT_DESC *mon;
	int conf = -1;

	if ((mon = TessMonitorCreate()) == NULL)
		return -1;
	TessMonitorSetDeadlineMSecs(mon, ORIENT_OCR_TIMEOUT_MS);
	TessBaseAPISetPageSegMode(api, PSM_SPARSE_TEXT);
	TessBaseAPISetImage2(api, pix);
	TessBaseAPISetSourceResolution(api, dpi);
	if (TessBaseAPIRecognize(api, mon) == 0)
		conf = TessBaseAPIMeanTextConf(api);
	TessBaseAPIClear(api);
	TessMonitorDelete(mon);
	return conf;
}

/*
 * Top row of the inch-high band of up_img (lines running across) that
 * holds the most glyph-sized components: separate marks a twentieth to a
 * sixth of an inch tall and not much wider than tall, which is what
 * printed text is made of.  Handwriting joins letters into wider and
 * taller marks, so the band chosen is the printed one where there is
 * any.  Returns -1 when there are none.
 */
static int glyph_band(PIX *up_img, int edpi, int win)
{
	BOXA *boxes;
	int *hist, h = pixGetHeight(up_img), i, n, x, y, bw, bh, sum = 0;
	int best = -1, bsum = 0;

	if ((hist = calloc((size_t)h, sizeof(*hist))) == NULL)
		return -1;
	if ((boxes = pixConnCompBB(up_img, 8)) == NULL) {
		free(hist);
		return -1;
	}
	n = boxaGetCount(boxes);
	for (i = 0; i < n; i++) {
		if (boxaGetBoxGeometry(boxes, i, &x, &y, &bw, &bh) != 0)
			continue;
		if (bh >= edpi / 20 && bh <= edpi / 8 && bw <= 2 * bh &&
		    y + bh / 2 < h)
			hist[y + bh / 2]++;
	}
	boxaDestroy(&boxes);
	for (y = 0; y < h; y++) {
		sum += hist[y];
		if (y >= win)
			sum -= hist[y - win];
		if (y >= win - 1 && sum > bsum) {
			bsum = sum;
			best = y - win + 1;
		}
	}
	free(hist);
	return bsum >= ORIENT_OCR_MIN_GLYPHS ? best : -1;
}

/* Whether row y holds more than a speck of ink. */
static int row_inked(NUMA *rows, int y)
{
	int v = 0;

	numaGetIValue(rows, y, &v);
	return v > 2;
}

/*
 * The band of printed text glyph_band() finds in up_img, widened to blank
 * rows so that no line is cut in half; NULL when there is none.
 */
static PIX *text_band(PIX *up_img, int edpi)
{
	NUMA *rows;
	BOX *box;
	PIX *band;
	int h = pixGetHeight(up_img), w = pixGetWidth(up_img);
	int win = 2 * edpi / 5 < h ? 2 * edpi / 5 : h;
	int top, bot, lim;

	if ((top = glyph_band(up_img, edpi, win)) < 0)
		return NULL;
	bot = top + win;
	if ((rows = pixCountPixelsByRow(up_img, NULL)) != NULL) {
		lim = top - edpi / 6;
		while (top > 0 && top > lim && row_inked(rows, top - 1))
			top--;
		lim = bot + edpi / 6;
		while (bot < h && bot < lim && row_inked(rows, bot))
			bot++;
		numaDestroy(&rows);
	}
	if ((box = boxCreate(0, top, w, bot - top)) == NULL)
		return NULL;
	band = pixClipRectangle(up_img, box, NULL);
	boxDestroy(&box);
	return band;
}

/*
 * Up or down by reading: the band of printed text chosen by glyph_band()
 * is read as it is and turned 180 degrees, and the orientation Tesseract
 * is clearly more confident in wins.  This settles pages whose printed
 * text is too scarce, or too capital-heavy, for the ascender count:
 * ruled forms filled in by hand.  Returns 1 for upright, -1 for upside
 * down, 0 when the reading does not tell.
 */
static int updown_by_reading(TessBaseAPI *api, PIX *up_img, int edpi)
{
	PIX *band, *turned = NULL;
	int c_up, c_down, verdict = 0;

	if ((band = text_band(up_img, edpi)) == NULL)
		return 0;
	if ((turned = pixRotateOrth(band, 2)) == NULL)
		goto done;
	/* Upside-down text never reads with high confidence, so a sure
	 * upright reading (the common case) needs no second read. */
	c_up = strip_conf(api, band, edpi);
	c_down = c_up >= ORIENT_OCR_SURE ? -1 : strip_conf(api, turned, edpi);
	cr_log(CR_LOG_DEBUG, "ocr: reading confidence %d upright, %d turned",
	       c_up, c_down);
	if (c_up >= c_down + ORIENT_OCR_MARGIN)
		verdict = 1;
	else if (c_down >= c_up + ORIENT_OCR_MARGIN)
		verdict = -1;
done:
	pixDestroy(&turned);
	pixDestroy(&band);
	return verdict;
}

/*
 * Reading confidence of the text band of img (its lines across), -1 when
 * there is none to read.
 */
static int band_conf(TessBaseAPI *api, PIX *img, int edpi)
{
	PIX *band = text_band(img, edpi);
	int c = band != NULL ? strip_conf(api, band, edpi) : -1;

	pixDestroy(&band);
	return c;
}

/*
 * Up (1) or down (-1) for up_img, whose ascender signal is up, or 0 when
 * it cannot be told.  A weak signal is settled by reading.  So is a
 * moderate one saying "down": handwriting's loops and descenders give
 * upright letters -4 to -7, as much as some pages really upside down, and
 * a page is far more often fed upright; unless the reading says down too,
 * it stays as it is.  as_fed says up_img is the page as fed (not turned a
 * quarter, where neither way up is likelier).
 */
static int updown(TessBaseAPI *api, PIX *up_img, int edpi, float up,
		  int as_fed)
{
	int r;

	if (up >= ORIENT_MIN_UP_CONF)
		return 1;
	if (up <= -ORIENT_SURE_DOWN_CONF || (!as_fed && up <= -ORIENT_MIN_UP_CONF))
		return -1;
	r = updown_by_reading(api, up_img, edpi);
	if (up <= -ORIENT_MIN_UP_CONF)
		return r < 0 ? -1 : 1;
	return r;
}

/*
 * Orientation and skew of the binary copy bin (text only, edpi dots per
 * inch).  red is the reduction for the skew sweep (the search runs at
 * half of it).
 *
 * Returns the clockwise quarter turns that make the page upright (0..3),
 * or -1 when the evidence is too weak to turn it.  *skew_deg receives
 * the rotation that straightens the lines once turned, with confidence
 * *skew_conf (both 0 when the line direction is unknown).
 */
static int orient_detect(TessBaseAPI *api, PIX *bin, int edpi, int red,
                         float *skew_deg, float *skew_conf)
{
	PIX *side;
	l_float32 a0 = 0, c0 = 0, a1 = 0, c1 = 0, u0 = 0, u1 = 0, up;
	int sideways, quads = -1, verdict;

	*skew_deg = 0;
	*skew_conf = 0;
	if ((side = pixRotate90(bin, 1)) == NULL)
		return -1;
	if (pixFindSkewSweepAndSearch(bin, &a0, &c0, 2 * red, red,
	                              SKEW_RANGE_DEG, 1.0f, 0.01f) != 0)
		c0 = 0;
	if (pixFindSkewSweepAndSearch(side, &a1, &c1, 2 * red, red,
	                              SKEW_RANGE_DEG, 1.0f, 0.01f) != 0)
		c1 = 0;
	if (pixUpDownDetect(bin, &u0, ORIENT_MIN_COUNT, 0, 0) != 0)
		u0 = 0;
	if (pixUpDownDetect(side, &u1, ORIENT_MIN_COUNT, 0, 0) != 0)
		u1 = 0;
	cr_log(CR_LOG_DEBUG,
	       "ocr: line score %.1f/%.1f, ascender signal %.1f/%.1f "
	       "(as is/turned)",
	       c0, c1, u0, u1);

	if (c0 >= ORIENT_MIN_LINE_CONF && c0 >= ORIENT_LINE_RATIO * c1)
		sideways = 0;
	else if (c1 >= ORIENT_MIN_LINE_CONF && c1 >= ORIENT_LINE_RATIO * c0)
		sideways = 1;
	else if (fabsf(u0) >= ORIENT_UP_RATIO * fabsf(u1) && u0 != 0)
		sideways = 0;
	else if (fabsf(u1) >= ORIENT_UP_RATIO * fabsf(u0) && u1 != 0)
		sideways = 1;
	else
		goto done;
	*skew_deg = sideways ? a1 : a0;
	*skew_conf = sideways ? c1 : c0;
	up = sideways ? u1 : u0;
	verdict = updown(api, sideways ? side : bin, edpi, up, !sideways);
	/* Handwriting makes both measures weak and can tip them sideways
	 * (a handwritten letter, upright, was turned by its slanted strokes
	 * and a dotted margin).  Unless the lines are unmistakable, a
	 * quarter turn must also read better than the page as it is. */
	if (sideways && *skew_conf < ORIENT_SURE_LINE_CONF) {
		PIX *final = verdict > 0 ? pixClone(side) : pixRotateOrth(side, 2);
		int c_turn = final != NULL ? band_conf(api, final, edpi) : -1;
		int c_asis = band_conf(api, bin, edpi);
		pixDestroy(&final);
		cr_log(CR_LOG_DEBUG,
		       "ocr: reading confidence %d as is, %d turned a quarter",
		       c_asis, c_turn);
		if (c_turn < c_asis + ORIENT_OCR_MARGIN) {
			sideways = 0;
			*skew_deg = a0;
			*skew_conf = c0;
			verdict = updown(api, bin, edpi, u0, 1);
		}
	}
	/* side is bin turned 90 degrees clockwise: text upright there
	 * needs one quarter turn, upside down there needs three. */
	if (verdict != 0)
		quads = (sideways ? 1 : 0) + (verdict > 0 ? 0 : 2);
done:
	pixDestroy(&side);
	return quads;
}

/*
 * Turn img upright and straight in place; convert colour to grey, which
 * Tesseract would do anyway, so that the rotations move a quarter of the
 * bytes.  Returns 0 or CR_ENOMEM.
 */
static int page_prepare(struct ocr_engine *eng, struct ocr_image *img,
                        int *rotation_deg, float *skew_deg, struct cr_err *err)
{
	PIX *bin = NULL, *t;
	float skew = 0, conf = 0;
	int factor, quads, red;

	*rotation_deg = 0;
	*skew_deg = 0;
	if (pixGetDepth(img->pix) == 32 &&
	    pix_replace(&img->pix, pixConvertRGBToLuminance(img->pix)) != 0)
		goto nomem;
	/* A scrap smaller than this has no lines to measure. */
	if (pixGetWidth(img->pix) < PREPARE_MIN_PX ||
	    pixGetHeight(img->pix) < PREPARE_MIN_PX)
		return 0;
	/* Measuring failures (Leptonica refusing an odd image) leave the
	 * page as scanned; only failing to transform it is an error. */
	if ((bin = binary_copy(img->pix, img->dpi, &factor)) == NULL ||
	    pix_replace(&bin, text_only(bin, img->dpi / factor)) != 0) {
		pixDestroy(&bin);
		return 0;
	}
	/* Skew sweep at about 37 dpi, search at about 75 dpi. */
	red = img->dpi / factor >= 200 ? 2 : 1;
	quads =
	    orient_detect(eng->api, bin, img->dpi / factor, red, &skew, &conf);
	pixDestroy(&bin);

	if (quads > 0) {
		if (pix_replace(&img->pix, pixRotateOrth(img->pix, quads)) != 0)
			goto nomem;
		*rotation_deg = 90 * quads;
	}
	if (conf >= SKEW_MIN_CONF &&
	    (skew >= SKEW_MIN_DEG || skew <= -SKEW_MIN_DEG)) {
		t = pixRotate(img->pix, (l_float32)(skew * M_PI / 180.0),
		              L_ROTATE_AREA_MAP, L_BRING_IN_WHITE, 0, 0);
		if (pix_replace(&img->pix, t) != 0)
			goto nomem;
		*skew_deg = skew;
	}
	/* Below ~200 dpi Tesseract misreads even printed labels ("DOB:" as
	 * "bos:"): give it twice the pixels, smoothed, as a grey page. */
	if (img->dpi < LOWRES_DPI) {
		PIX *g = pixGetDepth(img->pix) == 1
			     ? pixConvert1To8(NULL, img->pix, 255, 0)
			     : pixClone(img->pix);
		t = g != NULL && pixGetDepth(g) == 8 && pixGetColormap(g) == NULL
			? pixScaleGrayLI(g, 2.0f, 2.0f)
			: NULL;
		pixDestroy(&g);
		if (t != NULL) { /* else: read it as it is */
			pix_replace(&img->pix, t);
			img->dpi *= 2;
		}
	}
	pixSetResolution(img->pix, img->dpi, img->dpi);
	return 0;

nomem:
	pixDestroy(&bin);
	return cr_err_set(err, CR_ENOMEM, "out of memory preparing a page");
}

/*
 * What Tesseract should read of a prepared page: pix with form rules, box
 * borders and barcode bars painted white.  Left in, they cost printed
 * labels their text: a sticker's bars pass for a picture and take the
 * lines beside them along (one garbled "word" for the whole label), and a
 * box border close above a line swallows it.  Rules are thin runs of a
 * third of an inch either way, found with a little slack across the run
 * (stickers are pasted askew of the page); bars are vertical strokes a
 * fifth of an inch tall standing together at least a third of an inch
 * wide.  Solid areas (punch holes, the scanner bed around a photographed
 * page) stay: painting them white would move Tesseract's global
 * threshold.  Returns a new image (8 bpp unless pix is 1 bpp), or NULL
 * when there is nothing to remove or no memory: read pix as it is.
 */
static PIX *without_rules(PIX *pix, int dpi)
{
	PIX *g = NULL, *b = NULL, *t = NULL, *mask = NULL, *k = NULL,
	    *out = NULL;
	int run = dpi / 3 < 15 ? 15 : dpi / 3;
	int slack = 2 * (dpi / 120) + 1, bar = dpi / 5 < 8 ? 8 : dpi / 5;
	int gap = dpi / 20 < 3 ? 3 : dpi / 20;
	int blob = dpi / 20 < 5 ? 5 : dpi / 20;
	l_int32 empty = 1;

	if (pixGetDepth(pix) == 1)
		b = pixClone(pix);
	else if ((g = pixConvertTo8(pix, 0)) != NULL)
		b = pixConvertTo1(g, 128);
	if (b == NULL)
		goto done;
	/* rules, either way */
	if ((t = pixDilateBrick(NULL, b, 1, slack)) == NULL ||
	    (mask = pixOpenBrick(NULL, t, run, 1)) == NULL)
		goto done;
	pixDestroy(&t);
	if ((t = pixDilateBrick(NULL, b, slack, 1)) == NULL ||
	    pixOpenBrick(t, t, 1, run) == NULL)
		goto done;
	pixOr(mask, mask, t);
	pixAnd(mask, mask, b);
	pixDestroy(&t);
	/* bars: tall strokes, closed into a block, wide enough */
	if ((t = pixOpenBrick(NULL, b, 1, bar)) == NULL ||
	    (k = pixCloseBrick(NULL, t, gap, 1)) == NULL ||
	    pixOpenBrick(k, k, run, bar) == NULL)
		goto done;
	pixOr(mask, mask, k);
	pixDestroy(&t);
	pixDestroy(&k);
	/* not solid areas */
	if ((t = pixOpenBrick(NULL, b, blob, blob)) == NULL ||
	    (k = pixDilateBrick(NULL, t, 2 * blob + 1, 2 * blob + 1)) == NULL)
		goto done;
	pixSubtract(mask, mask, k);
	if (pixZero(mask, &empty) != 0 || empty)
		goto done;
	/* and the grey fringe of what is removed */
	if (pixDilateBrick(mask, mask, 3, 3) == NULL)
		goto done;
	if (pixGetDepth(pix) == 1) {
		out = pixSubtract(NULL, pix, mask);
	} else if ((out = pixCopy(NULL, g)) != NULL &&
		   pixPaintThroughMask(out, mask, 0, 0, 255) != 0) {
		pixDestroy(&out);
	}
done:
	pixDestroy(&g);
	pixDestroy(&b);
	pixDestroy(&t);
	pixDestroy(&k);
	pixDestroy(&mask);
	return out;
}

/* ---- Recognition --------------------------------------------------- */

/* Run Recognize under the deadline.  Returns 0 (done), 1 (deadline hit;
 * partial results available) or -1 (failed). */
static int recognize_until(TessBaseAPI *api, int64_t deadline_ms)
{
	ETEXT_DESC *mon;
	int64_t left = deadline_ms - cr_now_ms();
	int r;

	if ((mon = TessMonitorCreate()) == NULL)
		return -1;
	TessMonitorSetDeadlineMSecs(mon, left > 1 ? (int)left : 1);
	r = TessBaseAPIRecognize(api, mon);
	TessMonitorDelete(mon);
	if (r == 0)
		return 0;
	return cr_now_ms() >= deadline_ms ? 1 : -1;
}

static int words_collect(TessBaseAPI *api, struct ocr_page *out)
{
	TessResultIterator *ri;
	TessPageIterator *pi;
	struct ocr_word *w, *nw;
	size_t cap = 0;
	char *text;
	int line = -1, block = -1, x0, y0, x1, y1;
	double sum = 0;

	if ((ri = TessBaseAPIGetIterator(api)) == NULL)
		return 0; /* no text on the page */
	pi = TessResultIteratorGetPageIterator(ri);
	do {
		if (TessPageIteratorIsAtBeginningOf(pi, RIL_BLOCK))
			block++;
		if (TessPageIteratorIsAtBeginningOf(pi, RIL_TEXTLINE))
			line++;
		if (!TessPageIteratorBoundingBox(pi, RIL_WORD, &x0, &y0, &x1,
		                                 &y1))
			continue;
		if ((text = TessResultIteratorGetUTF8Text(ri, RIL_WORD)) ==
		    NULL)
			continue;
		if (text[0] == '\0') {
			TessDeleteText(text);
			continue;
		}
		if (out->nwords == cap) {
			cap = cap ? 2 * cap : 64;
			nw = realloc(out->words, cap * sizeof(*nw));
			if (nw == NULL) {
				TessDeleteText(text);
				goto nomem;
			}
			out->words = nw;
		}
		w = &out->words[out->nwords];
		w->text = strdup(text);
		TessDeleteText(text);
		if (w->text == NULL)
			goto nomem;
		w->x0 = x0;
		w->y0 = y0;
		w->x1 = x1;
		w->y1 = y1;
		w->conf = TessResultIteratorConfidence(ri, RIL_WORD) / 100.0f;
		if (w->conf < 0)
			w->conf = 0;
		if (w->conf > 1)
			w->conf = 1;
		w->line = line < 0 ? 0 : line;
		w->block = block < 0 ? 0 : block;
		sum += w->conf;
		out->nwords++;
	} while (TessResultIteratorNext(ri, RIL_WORD));
	TessResultIteratorDelete(ri);
	out->mean_conf = out->nwords ? (float)(sum / out->nwords) : 0.0f;
	return 0;

nomem:
	TessResultIteratorDelete(ri);
	return CR_ENOMEM;
}

int ocr_page_recognize(struct ocr_engine *eng, struct ocr_image *img,
                       struct ocr_page *out, struct cr_err *err)
{
	int64_t t0 = cr_now_ms(), t1, deadline;
	char *text = NULL;
	int rc, r;

	if (out == NULL)
		return cr_err_set(err, CR_EINVAL, "no page to fill");
	memset(out, 0, sizeof(*out));
	if (eng == NULL || img == NULL || img->pix == NULL)
		return cr_err_set(err, CR_EINVAL, "no engine or image");
	deadline = t0 + eng->timeout_ms;
	pixDestroy(&img->text); /* of an earlier reading of img */

	if ((rc = page_prepare(eng, img, &out->rotation_deg, &out->skew_deg,
	                       err)) != 0)
		return rc;
	t1 = cr_now_ms();

	img->text = without_rules(img->pix, img->dpi);

	TessBaseAPISetPageSegMode(eng->api, PSM_AUTO);
	TessBaseAPISetImage2(eng->api, img->text ? img->text : img->pix);
	TessBaseAPISetSourceResolution(eng->api, img->dpi);
	r = recognize_until(eng->api, deadline);
	if (r < 0) {
		rc = cr_err_set(err, CR_EOCR, "Tesseract failed on the page");
		goto fail;
	}
	out->timed_out = r == 1;
	if ((rc = words_collect(eng->api, out)) != 0) {
		cr_err_set(err, rc, "out of memory collecting words");
		goto fail;
	}
	text = TessBaseAPIGetUTF8Text(eng->api);
	out->text = strdup(text != NULL ? text : "");
	TessDeleteText(text);
	if (out->text == NULL) {
		rc = cr_err_set(err, CR_ENOMEM, "out of memory copying text");
		goto fail;
	}
	out->width = pixGetWidth(img->pix);
	out->height = pixGetHeight(img->pix);
	out->dpi = img->dpi;
	TessBaseAPIClear(eng->api);
	cr_log(CR_LOG_DEBUG,
	       "ocr: page %dx%d prepared in %lld ms (turn %d, skew %.2f), "
	       "read in %lld ms, %zu words%s",
	       out->width, out->height, (long long)(t1 - t0), out->rotation_deg,
	       out->skew_deg, (long long)(cr_now_ms() - t1), out->nwords,
	       out->timed_out ? ", deadline hit" : "");
	return 0;

fail:
	TessBaseAPIClear(eng->api);
	ocr_page_clear(out);
	return rc;
}

void ocr_page_clear(struct ocr_page *page)
{
	size_t i;

	if (page == NULL)
		return;
	for (i = 0; i < page->nwords; i++)
		free(page->words[i].text);
	free(page->words);
	free(page->text);
	memset(page, 0, sizeof(*page));
}

/* Strip leading and trailing white space (including newlines) in place. */
static void trim(char *s)
{
	size_t n = strlen(s), i = 0;

	while (n > 0 &&
	       (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\t' ||
	        s[n - 1] == '\r' || s[n - 1] == '\f'))
		n--;
	s[n] = '\0';
	while (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r')
		i++;
	memmove(s, s + i, n - i + 1);
}

int ocr_region_read(struct ocr_engine *eng, const struct ocr_image *img, int x0,
                    int y0, int x1, int y1, const char *whitelist,
                    char **text_out, float *conf_out, struct cr_err *err)
{
	PIX *crop = NULL, *framed = NULL;
	BOX *box = NULL;
	char *text = NULL;
	int w, h, t, rc, r;

	if (text_out != NULL)
		*text_out = NULL;
	if (conf_out != NULL)
		*conf_out = 0;
	if (eng == NULL || img == NULL || img->pix == NULL ||
	    text_out == NULL || conf_out == NULL)
		return cr_err_set(err, CR_EINVAL, "no engine, image or output");
	if (x0 > x1) {
		t = x0;
		x0 = x1;
		x1 = t;
	}
	if (y0 > y1) {
		t = y0;
		y0 = y1;
		y1 = t;
	}
	w = pixGetWidth(img->pix);
	h = pixGetHeight(img->pix);
	x0 = x0 - REGION_PAD_PX < 0 ? 0 : x0 - REGION_PAD_PX;
	y0 = y0 - REGION_PAD_PX < 0 ? 0 : y0 - REGION_PAD_PX;
	x1 = x1 > w - REGION_PAD_PX ? w : x1 + REGION_PAD_PX;
	y1 = y1 > h - REGION_PAD_PX ? h : y1 + REGION_PAD_PX;
	if (x0 >= w || y0 >= h || x1 <= x0 || y1 <= y0)
		return cr_err_set(err, CR_EINVAL,
		                  "region %d,%d-%d,%d lies outside the %dx%d "
		                  "page",
		                  x0, y0, x1, y1, w, h);

	if ((box = boxCreate(x0, y0, x1 - x0, y1 - y0)) == NULL ||
	    (crop = pixClipRectangle(img->text ? img->text : img->pix, box,
	                             NULL)) == NULL ||
	    (framed = pixAddBlackOrWhiteBorder(
	         crop, REGION_BORDER_PX, REGION_BORDER_PX, REGION_BORDER_PX,
	         REGION_BORDER_PX, L_GET_WHITE_VAL)) == NULL) {
		rc = cr_err_set(err, CR_ENOMEM, "out of memory cropping");
		goto fail;
	}
	TessBaseAPISetPageSegMode(eng->api, PSM_SINGLE_LINE);
	if (whitelist != NULL)
		TessBaseAPISetVariable(eng->api, "tessedit_char_whitelist",
		                       whitelist);
	TessBaseAPISetImage2(eng->api, framed);
	TessBaseAPISetSourceResolution(eng->api, img->dpi);
	r = recognize_until(eng->api, cr_now_ms() + eng->timeout_ms);
	if (r < 0) {
		rc = cr_err_set(err, CR_EOCR, "Tesseract failed on a region");
		goto restore;
	}
	text = TessBaseAPIGetUTF8Text(eng->api);
	if ((*text_out = strdup(text != NULL ? text : "")) == NULL) {
		rc = cr_err_set(err, CR_ENOMEM, "out of memory copying text");
		goto restore;
	}
	trim(*text_out);
	r = TessBaseAPIMeanTextConf(eng->api);
	*conf_out = (*text_out)[0] == '\0' || r < 0 ? 0.0f : r / 100.0f;
	rc = 0;
restore:
	TessDeleteText(text);
	if (whitelist != NULL)
		TessBaseAPISetVariable(eng->api, "tessedit_char_whitelist", "");
	TessBaseAPISetPageSegMode(eng->api, PSM_AUTO);
	TessBaseAPIClear(eng->api);
fail:
	pixDestroy(&framed);
	pixDestroy(&crop);
	boxDestroy(&box);
	return rc;
}

/* ---- Searchable PDF ------------------------------------------------ */

int ocr_pdf_export(const char *image_path, const char *out_pdf,
                   const struct ocr_engine_opts *opts, struct cr_err *err)
{
	static unsigned long seq;
	struct cr_err oerr = {0};
	struct ocr_doc *doc;
	TessBaseAPI *api = NULL;
	TessResultRenderer *pdf = NULL;
	const char *lang = "eng", *datapath = NULL;
	char *base = NULL, *tmp = NULL;
	int timeout_ms = TIMEOUT_DEFAULT_MS, rc;
	size_t n;

	ocr_quiet_libraries();
	if (image_path == NULL || out_pdf == NULL || out_pdf[0] == '\0')
		return cr_err_set(err, CR_EINVAL, "no input or output file");
	/* Tesseract decodes the file itself: let it see only files that
	 * passed our caps. */
	if ((doc = ocr_doc_open(image_path, NULL, &oerr)) == NULL) {
		if (err != NULL)
			*err = oerr;
		return oerr.code;
	}
	if (opts != NULL) {
		if (opts->lang != NULL)
			lang = opts->lang;
		datapath = opts->datapath;
		if (opts->page_timeout_ms > 0)
			timeout_ms = opts->page_timeout_ms;
	}

	/* The renderer writes "<base>.pdf".  Write next to out_pdf under a
	 * private name, then rename: whatever out_pdf is called, and no
	 * half-written PDF is ever visible under it. */
	n = strlen(out_pdf) + 64;
	if ((base = malloc(n)) == NULL || (tmp = malloc(n + 4)) == NULL) {
		rc = cr_err_set(err, CR_ENOMEM, "out of memory");
		goto fail;
	}
	snprintf(base, n, "%s.%ld-%lu.tmp", out_pdf, (long)getpid(),
	         __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED));
	snprintf(tmp, n + 4, "%s.pdf", base);

	if ((api = api_new(datapath, lang, OEM_LSTM_ONLY)) == NULL) {
		rc = cr_err_set(err, CR_EOCR,
		                "could not load Tesseract language data "
		                "\"%s\"",
		                lang);
		goto fail;
	}
	pdf = TessPDFRendererCreate(base, TessBaseAPIGetDatapath(api), FALSE);
	if (pdf == NULL) {
		rc = cr_err_set(err, CR_EIO, "%s: could not be created",
		                out_pdf);
		goto fail;
	}
	/* Page by page, each prepared as for recognition (upright,
	 * straight), so a sideways scan gives an upright PDF page with a
	 * text layer that lines up.  The renderer is handed a file name
	 * that is no image, so it embeds our pixels, not the file's. */
	{
		struct ocr_engine eng = {api, NULL, NULL, timeout_ms};
		int i, npages = ocr_doc_page_count(doc), ok = 1;

		ok = TessResultRendererBeginDocument(pdf, "chartroom");
		for (i = 0; ok && i < npages; i++) {
			struct ocr_image *img = ocr_doc_load_page(doc, i, &oerr);
			int rot;
			float skew;
			if (img == NULL ||
			    page_prepare(&eng, img, &rot, &skew, &oerr) != 0) {
				ocr_image_free(img);
				ok = 0;
				break;
			}
			TessBaseAPISetSourceResolution(api, img->dpi);
			ok = TessBaseAPIProcessPage(api, img->pix, i, "page.pdf",
						    NULL, timeout_ms, pdf);
			ocr_image_free(img);
		}
		if (!TessResultRendererEndDocument(pdf))
			ok = 0;
		if (!ok) {
			rc = cr_err_set(err, CR_EOCR,
					"%s: could not make a searchable PDF "
					"of it%s%s",
					image_path, oerr.msg[0] ? ": " : "",
					oerr.msg);
			goto fail;
		}
	}
	TessDeleteResultRenderer(pdf); /* closes the file */
	pdf = NULL;
	if (rename(tmp, out_pdf) != 0) {
		rc = cr_err_set(err, CR_EIO, "%s: could not be written",
		                out_pdf);
		goto fail;
	}
	rc = cr_fsync_parent(out_pdf, err);
	goto done;

fail:
	if (tmp != NULL)
		unlink(tmp);
done:
	if (pdf != NULL)
		TessDeleteResultRenderer(pdf);
	if (api != NULL) {
		TessBaseAPIEnd(api);
		TessBaseAPIDelete(api);
	}
	ocr_doc_free(doc);
	free(tmp);
	free(base);
	return rc;
}
