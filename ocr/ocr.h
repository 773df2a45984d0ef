/*
 * ocr.h - reading scans: open an image file safely, decode its pages one
 * at a time, turn each page upright and straight, and recognise it with
 * Tesseract, keeping word boxes and confidences.
 *
 * This module knows nothing of patients or SQL.  It is the only one that
 * includes Tesseract, Leptonica, libtiff or zbar headers; everything it
 * hands out is either a plain documented struct or an opaque handle.
 *
 * Safety: every file is untrusted.  ocr_doc_open() reads only headers and
 * checks every page against the caps in struct ocr_limits before any pixel
 * buffer is allocated, so a header claiming 200000x200000 pixels is
 * refused with CR_ELIMIT instead of exhausting memory.
 *
 * Threads: an ocr_doc may be shared read-only by several threads, each
 * calling ocr_doc_load_page() for a different page.  An ocr_engine belongs
 * to one thread at a time (one engine per worker).
 */
#ifndef OCR_H
#define OCR_H

#include <stddef.h>
#include <stdint.h>

#include "../common/cr.h"

/* Caps applied before decoding.  ocr_limits_default() fills safe values. */
struct ocr_limits {
	uint64_t max_file_bytes; /* default 512 MiB */
	uint64_t max_page_pixels; /* width*height per page, default 100 Mpx */
	uint32_t max_page_dim;    /* either side, default 30000 px */
	int max_pages;            /* default 1000 */
};

/* Fill l with the defaults above.  Cannot fail. */
void ocr_limits_default(struct ocr_limits *l);

/* ---- Scan files ------------------------------------------------------ */

struct ocr_doc; /* an opened, validated scan file */

/*
 * Open path, sniff its format from the magic bytes (TIFF, PNG, JPEG; PDF
 * and anything else is refused), count its pages and check each page's
 * header against lim (NULL = defaults).  No pixel data is decoded.
 * Returns a handle (caller frees with ocr_doc_free()) or NULL with err
 * filled: CR_ENOTFOUND, CR_EPERM, CR_EIO (unreadable), CR_EFORMAT (empty,
 * not an image, truncated or corrupt header), CR_EUNSUPPORTED (PDF and
 * other known-but-unhandled formats), CR_ELIMIT (too big / too many
 * pages).  The message names the file and the problem in plain words.
 */
struct ocr_doc *ocr_doc_open(const char *path, const struct ocr_limits *lim,
			     struct cr_err *err);
void ocr_doc_free(struct ocr_doc *doc);

/* Number of pages (>= 1).  Cannot fail. */
int ocr_doc_page_count(const struct ocr_doc *doc);

/* "tiff", "png" or "jpeg".  Borrowed, valid while doc lives. */
const char *ocr_doc_format(const struct ocr_doc *doc);

struct ocr_image; /* one decoded page */

/*
 * Decode page index (0-based).  Thread-safe for distinct calls on the same
 * doc (each call opens the file on its own).  Returns an image (caller
 * frees with ocr_image_free()) or NULL with err filled (CR_EFORMAT for a
 * page that fails to decode, e.g. a truncated strip).  The image's dpi is
 * the file's resolution, or 300 when absent or implausible (< 70 or >
 * 1200).
 */
struct ocr_image *ocr_doc_load_page(const struct ocr_doc *doc, int index,
				    struct cr_err *err);

/* Decode an image from memory (first page only), applying lim (NULL =
 * defaults) exactly as ocr_doc_open() does.  For the fuzz target and
 * tests.  Returns an image or NULL with err filled. */
struct ocr_image *ocr_image_from_memory(const void *data, size_t len,
					const struct ocr_limits *lim,
					struct cr_err *err);

void ocr_image_free(struct ocr_image *img);
int ocr_image_width(const struct ocr_image *img);
int ocr_image_height(const struct ocr_image *img);
int ocr_image_dpi(const struct ocr_image *img);

/*
 * Write img as PNG scaled to width_px (keeping aspect; 0 = as is) into
 * *png_out (caller frees with free()).  Returns 0 or an error.  Used for
 * page images and thumbnails.
 */
int ocr_image_png(const struct ocr_image *img, int width_px,
		  unsigned char **png_out, size_t *len_out, struct cr_err *err);

/* ---- Recognition ----------------------------------------------------- */

struct ocr_engine_opts {
	const char *datapath;  /* tessdata folder; NULL = Tesseract default */
	const char *lang;      /* NULL = "eng" */
	int page_timeout_ms;   /* per-page deadline; 0 = default 60000 */
};

struct ocr_engine; /* one Tesseract instance; one per worker thread */

/* Initialise Tesseract (LSTM, eng) once.  Returns an engine (caller frees
 * with ocr_engine_free()) or NULL with err filled (CR_EOCR when the
 * language data is missing).  Call from the thread that will use it or
 * hand it over; never use one engine from two threads at once. */
struct ocr_engine *ocr_engine_new(const struct ocr_engine_opts *opts,
				  struct cr_err *err);
void ocr_engine_free(struct ocr_engine *eng);

/* One recognised word.  Box in pixels of the upright, deskewed page. */
struct ocr_word {
	char *text;     /* UTF-8 */
	int x0, y0, x1, y1;
	float conf;     /* 0..1 */
	int line;       /* line number on the page, 0-based, reading order */
	int block;      /* block number on the page */
};

/* One recognised page.  Zero-initialise, fill with ocr_page_recognize(),
 * release with ocr_page_clear(). */
struct ocr_page {
	int width, height, dpi;  /* of the upright page */
	int rotation_deg;        /* 0/90/180/270 applied to turn it upright
				  * (clockwise: a page scanned turned 90
				  * degrees clockwise gets 270) */
	float skew_deg;          /* skew corrected, degrees: the rotation
				  * applied after the quarter turn,
				  * clockwise positive (a sheet fed 3
				  * degrees clockwise gets -3); 0 when the
				  * page was left as it was */
	float mean_conf;         /* 0..1, mean word confidence */
	int timed_out;           /* 1 when the deadline stopped recognition */
	char *text;              /* UTF-8 page text, lines separated by \n */
	struct ocr_word *words;
	size_t nwords;
};

/*
 * Prepare img in place (turn upright when sideways or upside-down,
 * deskew, binarise when needed) and recognise it.  Tesseract reads a copy
 * with form rules, box borders and barcode bars painted out (img keeps
 * them: barcodes are scanned and page images drawn from it).  On success fills out
 * (which owns its strings) and returns 0.  A page that hits the deadline
 * returns 0 with out->timed_out = 1 and whatever was recognised.  Errors:
 * CR_EOCR, CR_ENOMEM.
 */
int ocr_page_recognize(struct ocr_engine *eng, struct ocr_image *img,
		       struct ocr_page *out, struct cr_err *err);

/* Free everything inside page and zero it.  NULL-safe. */
void ocr_page_clear(struct ocr_page *page);

/*
 * Re-read one region of an already prepared image (the same img passed to
 * ocr_page_recognize(), so boxes line up, and read without its rules as
 * the page was) as a single text line, with
 * an optional character whitelist (NULL = any).  *text_out is caller-freed
 * with free(); *conf_out is 0..1.  Returns 0 or an error.
 */
int ocr_region_read(struct ocr_engine *eng, const struct ocr_image *img,
		    int x0, int y0, int x1, int y1, const char *whitelist,
		    char **text_out, float *conf_out, struct cr_err *err);

/* ---- Barcodes -------------------------------------------------------- */

struct ocr_barcode {
	char type[16];   /* "CODE-128", "CODE-39", "QR-Code", ... */
	char data[128];  /* decoded text, NUL-terminated, truncated if longer */
	int x0, y0, x1, y1;
};

/* Scan img for barcodes with zbar.  Fills up to max entries of out and
 * returns how many were found (>= 0, never more than max), or a negative
 * error.  Coordinates are pixels of img as it is now (after
 * ocr_page_recognize(), the upright page).  Does not modify img; any
 * number of threads may scan one image at once. */
int ocr_barcodes_scan(const struct ocr_image *img, struct ocr_barcode *out,
		      int max, struct cr_err *err);

/* ---- Export ---------------------------------------------------------- */

/*
 * Write a searchable PDF (page images with an invisible text layer, by
 * Tesseract's PDF renderer) of the scan at image_path to out_pdf.
 * Returns 0 or an error naming the file.
 */
int ocr_pdf_export(const char *image_path, const char *out_pdf,
		   const struct ocr_engine_opts *opts, struct cr_err *err);

#endif /* OCR_H */
