/*
 * barcode.c - finding the barcodes on patient labels with zbar.
 *
 * zbar wants one 8-bit grey plane without row padding (Y800), so the page
 * is copied once into that layout.  A 300 dpi page is scanned as it is;
 * when nothing is found it is scanned again at half size, because zbar's
 * edge detector misses wide, blurred or noisy bars that a 2x reduction
 * sharpens.  Only the symbologies that appear on medical labels and
 * wristbands are enabled, so that text and ruled lines do not turn into
 * phantom codes.
 */
#include <stdlib.h>
#include <string.h>

#include <zbar.h>

#include "ocr_int.h"

/* Copy pix (1, 8 or 32 bpp) into a new w*h grey buffer.  pix is only
 * read (not even cloned: Leptonica's reference counts are not atomic),
 * so several threads may scan one image. */
static unsigned char *y800_from_pix(PIX *pix, int *w_out, int *h_out)
{
	PIX *conv = NULL, *g = pix;
	unsigned char *buf;
	l_uint32 *data, *line;
	int w, h, wpl, x, y;

	if (pixGetDepth(pix) == 32)
		g = conv = pixConvertRGBToLuminance(pix);
	else if (pixGetDepth(pix) != 8 || pixGetColormap(pix) != NULL)
		g = conv = pixConvertTo8(pix, 0);
	if (g == NULL)
		return NULL;
	w = pixGetWidth(g);
	h = pixGetHeight(g);
	wpl = pixGetWpl(g);
	data = pixGetData(g);
	if ((buf = malloc((size_t)w * (size_t)h)) != NULL) {
		for (y = 0; y < h; y++) {
			line = data + (size_t)y * wpl;
			for (x = 0; x < w; x++)
				buf[(size_t)y * w + x] =
				    (unsigned char)GET_DATA_BYTE(line, x);
		}
		*w_out = w;
		*h_out = h;
	}
	pixDestroy(&conv);
	return buf;
}

static zbar_image_scanner_t *scanner_new(void)
{
	static const zbar_symbol_type_t kinds[] = {
	    ZBAR_CODE128, ZBAR_CODE39, ZBAR_CODE93, ZBAR_QRCODE, ZBAR_EAN13,
	    ZBAR_EAN8,    ZBAR_UPCA,   ZBAR_UPCE,   ZBAR_I25,    ZBAR_CODABAR,
	};
	zbar_image_scanner_t *sc;
	size_t i;

	if ((sc = zbar_image_scanner_create()) == NULL)
		return NULL;
	zbar_image_scanner_set_config(sc, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		zbar_image_scanner_set_config(sc, kinds[i], ZBAR_CFG_ENABLE, 1);
	return sc;
}

/*
 * Scan one grey plane.  Found symbols are appended to out[*n..max),
 * with coordinates multiplied by scale.  Returns the number zbar found
 * (possibly more than fitted), or -1.
 */
static int scan_plane(zbar_image_scanner_t *sc, unsigned char *buf, int w,
                      int h, int scale, struct ocr_barcode *out, int max,
                      int *n)
{
	const zbar_symbol_t *sym;
	struct ocr_barcode *b;
	zbar_image_t *zi;
	const char *name, *data;
	unsigned i, k, dlen;
	int found, x, y;

	if ((zi = zbar_image_create()) == NULL)
		return -1;
	zbar_image_set_format(zi, zbar_fourcc('Y', '8', '0', '0'));
	zbar_image_set_size(zi, (unsigned)w, (unsigned)h);
	zbar_image_set_data(zi, buf, (unsigned long)w * (unsigned long)h, NULL);
	found = zbar_scan_image(sc, zi);
	for (sym = found > 0 ? zbar_image_first_symbol(zi) : NULL;
	     sym != NULL && *n < max; sym = zbar_symbol_next(sym)) {
		b = &out[*n];
		memset(b, 0, sizeof(*b));
		name = zbar_get_symbol_name(zbar_symbol_get_type(sym));
		cr_strlcpy(b->type, name != NULL ? name : "unknown",
		           sizeof(b->type));
		data = zbar_symbol_get_data(sym);
		dlen = zbar_symbol_get_data_length(sym);
		if (dlen >= sizeof(b->data))
			dlen = sizeof(b->data) - 1;
		if (data != NULL)
			memcpy(b->data, data, dlen);
		b->data[dlen] = '\0';
		b->x0 = b->y0 = -1;
		k = zbar_symbol_get_loc_size(sym);
		for (i = 0; i < k; i++) {
			x = zbar_symbol_get_loc_x(sym, i) * scale;
			y = zbar_symbol_get_loc_y(sym, i) * scale;
			if (b->x0 < 0 || x < b->x0)
				b->x0 = x;
			if (b->y0 < 0 || y < b->y0)
				b->y0 = y;
			if (x > b->x1)
				b->x1 = x;
			if (y > b->y1)
				b->y1 = y;
		}
		if (b->x0 < 0)
			b->x0 = b->y0 = 0;
		(*n)++;
	}
	zbar_image_destroy(zi);
	return found < 0 ? -1 : found;
}

int ocr_barcodes_scan(const struct ocr_image *img, struct ocr_barcode *out,
                      int max, struct cr_err *err)
{
	zbar_image_scanner_t *sc = NULL;
	unsigned char *buf = NULL;
	PIX *half = NULL;
	int w, h, n = 0, rc;

	if (img == NULL || img->pix == NULL || (out == NULL && max > 0) ||
	    max < 0)
		return cr_err_set(err, CR_EINVAL, "no image to scan");
	if ((sc = scanner_new()) == NULL ||
	    (buf = y800_from_pix(img->pix, &w, &h)) == NULL) {
		rc = cr_err_set(err, CR_ENOMEM, "out of memory scanning");
		goto fail;
	}
	if (scan_plane(sc, buf, w, h, 1, out, max, &n) < 0) {
		rc = cr_err_set(err, CR_EINVAL, "barcode scan failed");
		goto fail;
	}
	free(buf);
	buf = NULL;

	if (n == 0 && w >= 64 && h >= 64) {
		half = pixGetDepth(img->pix) == 1 ? pixScaleToGray2(img->pix)
		                                  : pixScaleAreaMap2(img->pix);
		if (half == NULL ||
		    (buf = y800_from_pix(half, &w, &h)) == NULL) {
			rc = cr_err_set(err, CR_ENOMEM,
			                "out of memory scanning");
			goto fail;
		}
		if (scan_plane(sc, buf, w, h, 2, out, max, &n) < 0) {
			rc = cr_err_set(err, CR_EINVAL, "barcode scan failed");
			goto fail;
		}
	}
	rc = n;
fail:
	free(buf);
	pixDestroy(&half);
	if (sc != NULL)
		zbar_image_scanner_destroy(sc);
	return rc;
}
