/*
 * ocr_int.h - what the files of the ocr module share and nobody else sees:
 * the layout of a decoded page and the one-time quieting of the libraries'
 * own stderr chatter.  Only files under ocr/ include this header, so the
 * Leptonica types it names never leak into the rest of Chartroom.
 */
#ifndef OCR_INT_H
#define OCR_INT_H

#include <leptonica/allheaders.h>

#include "ocr.h"

/* One decoded page.  pix is always 1, 8 or 32 bpp without a colormap
 * (load.c converts everything else), so Tesseract, zbar and the PNG
 * writer can take it as is.  The resolution is also stored in pix.
 * Preparing a page turns pix upright and straight in place. */
struct ocr_image {
	PIX *pix;
	int dpi;
	PIX *text; /* pix as Tesseract reads it (rules and bars painted
		      out), set by ocr_page_recognize(); NULL: read pix */
};

/* Silence Leptonica and libtiff messages on stderr (they would otherwise
 * print a line per corrupt file).  Idempotent and thread-safe. */
void ocr_quiet_libraries(void);

#endif /* OCR_INT_H */
