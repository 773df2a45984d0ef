/*
 * load.c - opening scan files safely and decoding their pages.
 *
 * Every scan is untrusted, so a file is validated in two steps.  First
 * its format is sniffed from the magic bytes and every page header (TIFF
 * directories, the PNG IHDR, the JPEG SOF) is read by hand or through
 * libtiff and checked against struct ocr_limits: nothing proportional to
 * the claimed pixel count is allocated until the claim has passed the
 * caps.  Only then does Leptonica decode one page.  Header reads use
 * pread() on a descriptor (or a memory buffer) through one small "src"
 * abstraction, so the same checks serve files and the fuzz target.  A
 * page load opens the file on its own, re-checks that page's header on
 * the very descriptor it then decodes from, and so needs no shared state:
 * two threads may load two pages of one ocr_doc at once.
 *
 * Decoded pages are normalised to 1, 8 or 32 bpp without a colormap,
 * which is what Tesseract, zbar and the PNG writer all accept.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tiffio.h>

#include "ocr_int.h"

#define DPI_DEFAULT 300
#define DPI_MIN 70
#define DPI_MAX 1200
/* A PNG with more chunks than this is refused rather than walked. */
#define PNG_MAX_CHUNKS 1000000
/* libtiff may not allocate more than this at once while reading headers
 * (tag arrays, strip tables); real scans need a few kilobytes. */
#define TIFF_MAX_HEADER_ALLOC (64 << 20)

enum fmt { FMT_TIFF, FMT_PNG, FMT_JPEG };
static const char *const fmt_names[] = {"tiff", "png", "jpeg"};

struct ocr_doc {
	char *path;
	enum fmt fmt;
	int npages;
	struct ocr_limits lim;
};

/*
 * Bytes under validation: an open file read with pread() (which leaves
 * the FILE position the decoders use alone) or a caller's buffer.
 */
struct src {
	const char *name; /* for messages: the path, or "image in memory" */
	int fd;           /* -1 for a buffer */
	const unsigned char *mem;
	uint64_t len;
};

/* Read exactly n bytes at off.  Returns 0, or -1 past the end or on an
 * I/O error (both mean "not there" to a header parser). */
static int src_read(const struct src *s, uint64_t off, void *buf, size_t n)
{
	unsigned char *p = buf;
	ssize_t r;

	if (off > s->len || n > s->len - off)
		return -1;
	if (s->fd < 0) {
		memcpy(p, s->mem + off, n);
		return 0;
	}
	while (n > 0) {
		r = pread(s->fd, p, n, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		off += (uint64_t)r;
		n -= (size_t)r;
	}
	return 0;
}

/* ---- Library quieting ---------------------------------------------- */

static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;

/* Leptonica's remaining stderr output (a few messages ignore the
 * severity level) goes to our debug log instead.  It names functions
 * and sizes, never image content. */
static void lept_to_log(const char *msg)
{
	size_t n = strlen(msg);

	while (n > 0 && msg[n - 1] == '\n')
		n--;
	cr_log(CR_LOG_DEBUG, "leptonica: %.*s", (int)n, msg);
}

static void quiet_init(void)
{
	/* Leptonica reports each corrupt file on stderr by default, and
	 * libtiff's global handlers (used by Leptonica's own TIFF opens)
	 * do the same; we turn failures into cr_err sentences instead. */
	setMsgSeverity(L_SEVERITY_NONE);
	leptSetStderrHandler(lept_to_log);
	TIFFSetErrorHandler(NULL);
	TIFFSetWarningHandler(NULL);
}

void ocr_quiet_libraries(void)
{
	pthread_once(&quiet_once, quiet_init);
}

void ocr_limits_default(struct ocr_limits *l)
{
	l->max_file_bytes = (uint64_t)512 << 20;
	l->max_page_pixels = 100000000;
	l->max_page_dim = 30000;
	l->max_pages = 1000;
}

/* ---- Format sniffing ----------------------------------------------- */

static int sniff(const struct src *s, enum fmt *fmt, struct cr_err *err)
{
	unsigned char m[12];
	const char *other = NULL;
	size_t n;

	if (s->len == 0)
		return cr_err_set(err, CR_EFORMAT, "%s: empty file (0 bytes)",
		                  s->name);
	memset(m, 0, sizeof(m));
	n = s->len < sizeof(m) ? (size_t)s->len : sizeof(m);
	if (src_read(s, 0, m, n) != 0)
		return cr_err_set(err, CR_EIO, "%s: could not be read",
		                  s->name);

	if ((m[0] == 'I' && m[1] == 'I' && (m[2] == 42 || m[2] == 43) &&
	     m[3] == 0) ||
	    (m[0] == 'M' && m[1] == 'M' && m[2] == 0 &&
	     (m[3] == 42 || m[3] == 43))) {
		*fmt = FMT_TIFF;
		return 0;
	}
	if (memcmp(m, "\x89PNG\r\n\x1a\n", 8) == 0) {
		*fmt = FMT_PNG;
		return 0;
	}
	if (m[0] == 0xff && m[1] == 0xd8 && m[2] == 0xff) {
		*fmt = FMT_JPEG;
		return 0;
	}
	if (memcmp(m, "%PDF", 4) == 0)
		return cr_err_set(err, CR_EUNSUPPORTED,
		                  "%s: PDF scans are not supported yet; "
		                  "re-scan as TIFF",
		                  s->name);
	if (memcmp(m, "GIF8", 4) == 0)
		other = "GIF";
	else if (m[0] == 'B' && m[1] == 'M')
		other = "BMP";
	else if (memcmp(m, "RIFF", 4) == 0 && memcmp(m + 8, "WEBP", 4) == 0)
		other = "WebP";
	else if (memcmp(m, "\0\0\0\x0cjP  ", 8) == 0 ||
	         memcmp(m, "\xff\x4f\xff\x51", 4) == 0)
		other = "JPEG 2000";
	else if (memcmp(m + 4, "ftyp", 4) == 0)
		other = "HEIF";
	if (other != NULL)
		return cr_err_set(err, CR_EUNSUPPORTED,
		                  "%s: %s images are not supported; "
		                  "re-scan as TIFF",
		                  s->name, other);
	return cr_err_set(err, CR_EFORMAT, "%s: not an image (unknown format)",
	                  s->name);
}

/* Check one page's claimed size against the caps.  page is 0-based. */
static int check_dims(const struct src *s, const struct ocr_limits *lim,
                      int page, uint64_t w, uint64_t h, struct cr_err *err)
{
	if (w == 0 || h == 0)
		return cr_err_set(err, CR_EFORMAT,
		                  "%s: page %d header is corrupt (%llu x %llu "
		                  "pixels)",
		                  s->name, page + 1, (unsigned long long)w,
		                  (unsigned long long)h);
	if (w > lim->max_page_dim || h > lim->max_page_dim ||
	    w * h > lim->max_page_pixels)
		return cr_err_set(err, CR_ELIMIT,
		                  "%s: page %d is %llu x %llu pixels, over the "
		                  "limit (%lu px a side, %llu px a page)",
		                  s->name, page + 1, (unsigned long long)w,
		                  (unsigned long long)h,
		                  (unsigned long)lim->max_page_dim,
		                  (unsigned long long)lim->max_page_pixels);
	return 0;
}

/* ---- TIFF headers through libtiff ----------------------------------- */

struct tsrc {
	const struct src *s;
	uint64_t pos;
	int failed; /* libtiff reported an error */
};

static tmsize_t t_read(thandle_t h, void *buf, tmsize_t n)
{
	struct tsrc *t = h;
	uint64_t avail;

	if (n <= 0 || t->pos >= t->s->len)
		return 0;
	avail = t->s->len - t->pos;
	if ((uint64_t)n > avail)
		n = (tmsize_t)avail;
	if (src_read(t->s, t->pos, buf, (size_t)n) != 0)
		return -1;
	t->pos += (uint64_t)n;
	return n;
}

static tmsize_t t_write(thandle_t h, void *buf, tmsize_t n)
{
	(void)h;
	(void)buf;
	(void)n;
	return -1;
}

static toff_t t_seek(thandle_t h, toff_t off, int whence)
{
	struct tsrc *t = h;

	switch (whence) {
	case SEEK_SET:
		t->pos = off;
		break;
	case SEEK_CUR:
		t->pos += off;
		break;
	case SEEK_END:
		t->pos = t->s->len + off;
		break;
	default:
		return (toff_t)-1;
	}
	return t->pos;
}

static int t_close(thandle_t h)
{
	(void)h;
	return 0;
}

static toff_t t_size(thandle_t h)
{
	return ((struct tsrc *)h)->s->len;
}

static int t_map(thandle_t h, void **base, toff_t *size)
{
	(void)h;
	(void)base;
	(void)size;
	return 0;
}

static void t_unmap(thandle_t h, void *base, toff_t size)
{
	(void)h;
	(void)base;
	(void)size;
}

static int t_error(TIFF *tif, void *user, const char *module, const char *fmt,
                   va_list ap)
{
	(void)tif;
	(void)module;
	(void)fmt;
	(void)ap;
	((struct tsrc *)user)->failed = 1;
	return 1; /* handled: do not call the global handler */
}

static int t_warning(TIFF *tif, void *user, const char *module, const char *fmt,
                     va_list ap)
{
	(void)tif;
	(void)user;
	(void)module;
	(void)fmt;
	(void)ap;
	return 1;
}

static int tiff_comp_ok(unsigned comp)
{
	switch (comp) {
	case COMPRESSION_NONE:
	case COMPRESSION_CCITTRLE:
	case COMPRESSION_CCITTFAX3:
	case COMPRESSION_CCITTFAX4:
	case COMPRESSION_LZW:
	case COMPRESSION_JPEG:
	case COMPRESSION_ADOBE_DEFLATE:
	case COMPRESSION_DEFLATE:
	case COMPRESSION_PACKBITS:
		return 1;
	}
	return 0;
}

/* Check the current directory of tif as page number page. */
static int tiff_check_dir(const struct src *s, TIFF *tif,
                          const struct ocr_limits *lim, int page, uint32_t *w,
                          uint32_t *h, struct cr_err *err)
{
	uint16_t bps = 1, spp = 1, comp = 1, photo = 0, fmt = 1, planar = 1;
	int rc;

	if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, w) ||
	    !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, h))
		return cr_err_set(err, CR_EFORMAT,
		                  "%s: page %d header has no image size",
		                  s->name, page + 1);
	if ((rc = check_dims(s, lim, page, *w, *h, err)) != 0)
		return rc;
	TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bps);
	TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
	TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &comp);
	TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &fmt);
	TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &planar);
	if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photo))
		photo = spp >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISWHITE;
	if (!tiff_comp_ok(comp))
		return cr_err_set(err, CR_EUNSUPPORTED,
		                  "%s: page %d uses TIFF compression %u, "
		                  "which is not supported; re-scan with G4, "
		                  "LZW, Deflate, JPEG or PackBits",
		                  s->name, page + 1, comp);
	if (bps != 1 && bps != 2 && bps != 4 && bps != 8 && bps != 16)
		return cr_err_set(err, CR_EUNSUPPORTED,
		                  "%s: page %d has %u bits per sample, which "
		                  "is not supported",
		                  s->name, page + 1, bps);
	if (spp < 1 || spp > 4 || (spp == 2 && bps != 8) ||
	    fmt != SAMPLEFORMAT_UINT)
		return cr_err_set(err, CR_EUNSUPPORTED,
		                  "%s: page %d has an unsupported pixel layout "
		                  "(%u samples per pixel)",
		                  s->name, page + 1, spp);
	if (planar != PLANARCONFIG_CONTIG && spp > 1)
		return cr_err_set(err, CR_EUNSUPPORTED,
		                  "%s: page %d stores colour planes "
		                  "separately, which is not supported",
		                  s->name, page + 1);
	if (TIFFIsTiled(tif))
		return cr_err_set(err, CR_EUNSUPPORTED,
		                  "%s: page %d is a tiled TIFF, which is not "
		                  "supported; re-scan as a striped TIFF",
		                  s->name, page + 1);
	switch (photo) {
	case PHOTOMETRIC_MINISWHITE:
	case PHOTOMETRIC_MINISBLACK:
	case PHOTOMETRIC_RGB:
	case PHOTOMETRIC_PALETTE:
	case PHOTOMETRIC_YCBCR:
		break;
	default:
		return cr_err_set(err, CR_EUNSUPPORTED,
		                  "%s: page %d uses colour model %u, which is "
		                  "not supported",
		                  s->name, page + 1, photo);
	}
	return 0;
}

/*
 * Validate TIFF pages.  page < 0: every page, counting them into
 * *npages; otherwise only that page.  *w, *h receive the size of page
 * max(page, 0).
 */
static int tiff_check(const struct src *s, const struct ocr_limits *lim,
                      int page, int *npages, uint32_t *w, uint32_t *h,
                      struct cr_err *err)
{
	TIFFOpenOptions *opts = NULL;
	struct tsrc t = {s, 0, 0};
	TIFF *tif = NULL;
	uint32_t pw, ph;
	int n, rc;

	opts = TIFFOpenOptionsAlloc();
	if (opts == NULL)
		return cr_err_set(err, CR_ENOMEM, "%s: out of memory", s->name);
	TIFFOpenOptionsSetMaxSingleMemAlloc(opts, TIFF_MAX_HEADER_ALLOC);
	TIFFOpenOptionsSetErrorHandlerExtR(opts, t_error, &t);
	TIFFOpenOptionsSetWarningHandlerExtR(opts, t_warning, &t);
	/* "m": no mmap; "O": read strip tables on demand, so a directory
	 * claiming millions of strips costs nothing here. */
	tif = TIFFClientOpenExt(s->name, "rmO", &t, t_read, t_write, t_seek,
	                        t_close, t_size, t_map, t_unmap, opts);
	if (tif == NULL) {
		rc = cr_err_set(err, CR_EFORMAT,
		                "%s: TIFF header is truncated or corrupt",
		                s->name);
		goto fail;
	}

	if (page >= 0) {
		if (page > 0 && !TIFFSetDirectory(tif, (tdir_t)page)) {
			rc = cr_err_set(err, CR_EFORMAT,
			                "%s: page %d header is truncated or "
			                "corrupt",
			                s->name, page + 1);
			goto fail;
		}
		rc = tiff_check_dir(s, tif, lim, page, w, h, err);
		goto done;
	}

	n = 0;
	for (;;) {
		if (n >= lim->max_pages) {
			rc = cr_err_set(err, CR_ELIMIT,
			                "%s: has more than %d pages", s->name,
			                lim->max_pages);
			goto fail;
		}
		rc = tiff_check_dir(s, tif, lim, n, &pw, &ph, err);
		if (rc != 0)
			goto fail;
		if (n == 0) {
			*w = pw;
			*h = ph;
		}
		n++;
		t.failed = 0;
		if (!TIFFReadDirectory(tif))
			break;
	}
	if (t.failed) {
		/* A next-page pointer that leads nowhere: refuse the file
		 * rather than file a document with pages missing. */
		rc = cr_err_set(err, CR_EFORMAT,
		                "%s: page %d header is truncated or corrupt",
		                s->name, n + 1);
		goto fail;
	}
	*npages = n;
	rc = 0;
done:
fail:
	if (tif != NULL)
		TIFFClose(tif);
	TIFFOpenOptionsFree(opts);
	return rc;
}

/* ---- PNG and JPEG headers by hand ---------------------------------- */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
	uint32_t c;
	int i, k;

	for (i = 0; i < 256; i++) {
		c = (uint32_t)i;
		for (k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

/* CRC-32 of one chunk's type and data (PNG spec, ISO 3309). */
static int png_chunk_crc(const struct src *s, uint64_t off, uint32_t len,
                         uint32_t *crc_out)
{
	unsigned char buf[8192];
	uint64_t left = (uint64_t)len + 4; /* type + data */
	uint32_t c = 0xffffffffu;
	size_t n, i;

	pthread_once(&crc_once, crc_init);
	while (left > 0) {
		n = left < sizeof(buf) ? (size_t)left : sizeof(buf);
		if (src_read(s, off, buf, n) != 0)
			return -1;
		for (i = 0; i < n; i++)
			c = crc_table[(c ^ buf[i]) & 0xff] ^ (c >> 8);
		off += n;
		left -= n;
	}
	*crc_out = c ^ 0xffffffffu;
	return 0;
}

/*
 * Validate a PNG: the IHDR against the caps, then the chunk list up to
 * IEND, so that a truncated file is refused here in plain words rather
 * than inside libpng.  With verify_crc every chunk's CRC is checked too
 * (this reads the whole file; done just before decoding, when the bytes
 * are about to be read anyway).
 */
static int png_check(const struct src *s, const struct ocr_limits *lim,
                     int verify_crc, uint32_t *w, uint32_t *h,
                     struct cr_err *err)
{
	unsigned char b[33];
	uint64_t off;
	uint32_t len, crc;
	unsigned depth, ctype;
	int ok, rc, nchunks, idat = 0;

	if (src_read(s, 0, b, sizeof(b)) != 0 || be32(b + 8) != 13 ||
	    memcmp(b + 12, "IHDR", 4) != 0)
		return cr_err_set(err, CR_EFORMAT,
		                  "%s: PNG header is truncated or corrupt",
		                  s->name);
	*w = be32(b + 16);
	*h = be32(b + 20);
	depth = b[24];
	ctype = b[25];
	if (*w > 0x7fffffffu || *h > 0x7fffffffu)
		return cr_err_set(err, CR_EFORMAT,
		                  "%s: PNG header is corrupt (impossible "
		                  "size)",
		                  s->name);
	if ((rc = check_dims(s, lim, 0, *w, *h, err)) != 0)
		return rc;
	switch (ctype) {
	case 0:
		ok = depth == 1 || depth == 2 || depth == 4 || depth == 8 ||
		     depth == 16;
		break;
	case 3:
		ok = depth == 1 || depth == 2 || depth == 4 || depth == 8;
		break;
	case 2:
	case 4:
	case 6:
		ok = depth == 8 || depth == 16;
		break;
	default:
		ok = 0;
	}
	if (!ok || b[26] != 0 || b[27] != 0 || b[28] > 1)
		return cr_err_set(err, CR_EFORMAT,
		                  "%s: PNG header is corrupt (bad pixel "
		                  "format)",
		                  s->name);

	off = 8;
	for (nchunks = 0; nchunks < PNG_MAX_CHUNKS; nchunks++) {
		if (src_read(s, off, b, 8) != 0)
			return cr_err_set(err, CR_EFORMAT,
			                  "%s: PNG file is truncated", s->name);
		len = be32(b);
		if (len > 0x7fffffffu)
			return cr_err_set(err, CR_EFORMAT,
			                  "%s: PNG file is corrupt", s->name);
		if (off + 12 + len > s->len)
			return cr_err_set(err, CR_EFORMAT,
			                  "%s: PNG file is truncated", s->name);
		if (verify_crc) {
			if (png_chunk_crc(s, off + 4, len, &crc) != 0 ||
			    src_read(s, off + 8 + len, b + 8, 4) != 0)
				return cr_err_set(err, CR_EIO,
				                  "%s: could not be read",
				                  s->name);
			if (crc != be32(b + 8))
				return cr_err_set(err, CR_EFORMAT,
				                  "%s: PNG file is corrupt "
				                  "(checksum mismatch)",
				                  s->name);
		}
		if (memcmp(b + 4, "IDAT", 4) == 0)
			idat = 1;
		if (memcmp(b + 4, "IEND", 4) == 0) {
			if (!idat)
				return cr_err_set(err, CR_EFORMAT,
				                  "%s: PNG file has no image "
				                  "data",
				                  s->name);
			return 0;
		}
		off += 12 + (uint64_t)len;
	}
	return cr_err_set(err, CR_EFORMAT, "%s: PNG file has too many chunks",
	                  s->name);
}

static int jpeg_is_sof(unsigned m)
{
	return m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc;
}

/*
 * Whether an end-of-image marker follows offset from within the last
 * 64 KiB of the file.  A JPEG cut short (the usual damage of a copy
 * interrupted on a network share) has none; catching that here keeps
 * libjpeg from printing its own warning on stderr.
 */
static int jpeg_has_eoi(const struct src *s, uint64_t from)
{
	unsigned char buf[4096];
	uint64_t off = s->len > 65536 ? s->len - 65536 : 0;
	int prev = 0;
	size_t n, i;

	if (off < from)
		off = from;
	while (off < s->len) {
		n = s->len - off < sizeof(buf) ? (size_t)(s->len - off)
		                               : sizeof(buf);
		if (src_read(s, off, buf, n) != 0)
			return 0;
		for (i = 0; i < n; i++) {
			if (prev == 0xff && buf[i] == 0xd9)
				return 1;
			prev = buf[i];
		}
		off += n;
	}
	return 0;
}

/* Walk JPEG markers up to the frame header and check its size; with
 * verify, also require an end marker after it. */
static int jpeg_check(const struct src *s, const struct ocr_limits *lim,
                      int verify, uint32_t *w, uint32_t *h, struct cr_err *err)
{
	int rc;

	unsigned char b[8];
	uint64_t off = 2;
	unsigned m, len;

	for (;;) {
		if (src_read(s, off, b, 2) != 0)
			return cr_err_set(err, CR_EFORMAT,
			                  "%s: JPEG file is truncated before "
			                  "its image header",
			                  s->name);
		if (b[0] != 0xff)
			return cr_err_set(err, CR_EFORMAT,
			                  "%s: JPEG header is corrupt",
			                  s->name);
		m = b[1];
		if (m == 0xff) { /* fill byte */
			off++;
			continue;
		}
		off += 2;
		if (m == 0x01 || (m >= 0xd0 && m <= 0xd8))
			continue; /* markers without a length */
		if (m == 0xd9 || m == 0xda)
			return cr_err_set(err, CR_EFORMAT,
			                  "%s: JPEG file has no image header",
			                  s->name);
		if (src_read(s, off, b, 2) != 0)
			return cr_err_set(err, CR_EFORMAT,
			                  "%s: JPEG file is truncated before "
			                  "its image header",
			                  s->name);
		len = (unsigned)b[0] << 8 | b[1];
		if (len < 2)
			return cr_err_set(err, CR_EFORMAT,
			                  "%s: JPEG header is corrupt",
			                  s->name);
		if (jpeg_is_sof(m)) {
			if (len < 8 || src_read(s, off + 2, b, 6) != 0)
				return cr_err_set(err, CR_EFORMAT,
				                  "%s: JPEG header is "
				                  "truncated or corrupt",
				                  s->name);
			*h = (uint32_t)b[1] << 8 | b[2];
			*w = (uint32_t)b[3] << 8 | b[4];
			if (m != 0xc0 && m != 0xc1 && m != 0xc2 && m != 0xc9 &&
			    m != 0xca)
				return cr_err_set(err, CR_EUNSUPPORTED,
				                  "%s: lossless or "
				                  "hierarchical JPEG is not "
				                  "supported",
				                  s->name);
			if (b[5] != 1 && b[5] != 3 && b[5] != 4)
				return cr_err_set(err, CR_EUNSUPPORTED,
				                  "%s: JPEG with %u colour "
				                  "components is not supported",
				                  s->name, b[5]);
			if (*h == 0)
				return cr_err_set(err, CR_EUNSUPPORTED,
				                  "%s: JPEG without a height "
				                  "in its header is not "
				                  "supported",
				                  s->name);
			if ((rc = check_dims(s, lim, 0, *w, *h, err)) != 0)
				return rc;
			if (verify && !jpeg_has_eoi(s, off + len))
				return cr_err_set(err, CR_EFORMAT,
				                  "%s: JPEG file is truncated "
				                  "(no end marker)",
				                  s->name);
			return 0;
		}
		off += len;
	}
}

/*
 * Validate a sniffed file.  page < 0: every page (count into *npages);
 * else only that page.  *w, *h: the size of page max(page, 0).
 * verify: also check data integrity where it is cheap to do by hand
 * (PNG CRCs); used right before decoding.
 */
static int validate(const struct src *s, enum fmt fmt,
                    const struct ocr_limits *lim, int page, int verify,
                    int *npages, uint32_t *w, uint32_t *h, struct cr_err *err)
{
	if (npages != NULL)
		*npages = 1;
	switch (fmt) {
	case FMT_TIFF:
		return tiff_check(s, lim, page, npages, w, h, err);
	case FMT_PNG:
		return png_check(s, lim, verify, w, h, err);
	case FMT_JPEG:
		return jpeg_check(s, lim, verify, w, h, err);
	}
	return cr_err_set(err, CR_EFORMAT, "%s: not an image", s->name);
}

/* ---- Decoding ------------------------------------------------------ */

/* Convert pix (consumed) to 1, 8 or 32 bpp without colormap or alpha.
 * Returns the new pix or NULL. */
static PIX *normalise(PIX *pix)
{
	PIX *p2 = NULL;
	int d;

	if (pixGetColormap(pix) != NULL) {
		p2 = pixRemoveColormap(pix, REMOVE_CMAP_BASED_ON_SRC);
		pixDestroy(&pix);
		if ((pix = p2) == NULL)
			return NULL;
	}
	d = pixGetDepth(pix);
	switch (d) {
	case 1:
	case 8:
		return pix;
	case 2:
	case 4:
		p2 = pixConvertTo8(pix, 0);
		break;
	case 16:
		p2 = pixConvert16To8(pix, L_MS_BYTE);
		break;
	case 24:
		p2 = pixConvert24To32(pix);
		break;
	case 32:
		if (pixGetSpp(pix) != 4)
			return pix;
		/* Scans with transparency: put white behind them. */
		p2 = pixAlphaBlendUniform(pix, 0xffffff00);
		if (p2 != NULL)
			pixSetSpp(p2, 3);
		break;
	default:
		p2 = NULL;
	}
	pixDestroy(&pix);
	return p2;
}

/*
 * Turn a freshly decoded pix (consumed) of claimed size w x h into an
 * ocr_image: check the decoder agreed with the header, normalise the
 * depth and settle the resolution.
 */
static struct ocr_image *image_finish(PIX *pix, const struct src *s, int page,
                                      uint32_t w, uint32_t h,
                                      struct cr_err *err)
{
	struct ocr_image *img;
	int pw, ph, dpi;

	if (pix == NULL) {
		cr_err_set(err, CR_EFORMAT,
		           "%s: page %d could not be decoded (the file is "
		           "truncated or corrupt)",
		           s->name, page + 1);
		return NULL;
	}
	pw = pixGetWidth(pix);
	ph = pixGetHeight(pix);
	if (!((uint32_t)pw == w && (uint32_t)ph == h) &&
	    !((uint32_t)pw == h && (uint32_t)ph == w)) {
		pixDestroy(&pix);
		cr_err_set(err, CR_EFORMAT,
		           "%s: page %d decoded to a different size than its "
		           "header claims",
		           s->name, page + 1);
		return NULL;
	}
	dpi = pixGetXRes(pix);
	if (dpi < DPI_MIN || dpi > DPI_MAX)
		dpi = DPI_DEFAULT;
	if ((pix = normalise(pix)) == NULL) {
		cr_err_set(err, CR_EFORMAT,
		           "%s: page %d has a pixel format that could not be "
		           "converted",
		           s->name, page + 1);
		return NULL;
	}
	pixSetResolution(pix, dpi, dpi);
	if ((img = calloc(1, sizeof(*img))) == NULL) {
		pixDestroy(&pix);
		cr_err_set(err, CR_ENOMEM, "%s: out of memory", s->name);
		return NULL;
	}
	img->pix = pix;
	img->dpi = dpi;
	return img;
}

static PIX *decode_stream(FILE *fp, enum fmt fmt, int page)
{
	l_int32 nwarn = 0;

	rewind(fp);
	switch (fmt) {
	case FMT_TIFF:
		return pixReadStreamTiff(fp, page);
	case FMT_PNG:
		return pixReadStreamPng(fp);
	case FMT_JPEG:
		/* hint 0: fail on corrupt data instead of returning a
		 * partly grey page. */
		return pixReadStreamJpeg(fp, 0, 1, &nwarn, 0);
	}
	return NULL;
}

static PIX *decode_mem(const unsigned char *data, size_t len, enum fmt fmt)
{
	l_int32 nwarn = 0;

	switch (fmt) {
	case FMT_TIFF:
		return pixReadMemTiff(data, len, 0);
	case FMT_PNG:
		return pixReadMemPng(data, len);
	case FMT_JPEG:
		return pixReadMemJpeg(data, len, 0, 1, &nwarn, 0);
	}
	return NULL;
}

/* ---- Public: documents --------------------------------------------- */

static int open_error(const char *path, struct cr_err *err)
{
	int e = errno;

	if (e == ENOENT || e == ENOTDIR)
		return cr_err_set(err, CR_ENOTFOUND, "%s: no such file", path);
	if (e == EACCES || e == EPERM)
		return cr_err_set(err, CR_EPERM, "%s: permission denied", path);
	if (e == ELOOP)
		return cr_err_set(err, CR_EPERM, "%s is a symbolic link; links "
		                  "are not followed", path);
	return cr_err_set(err, CR_EIO, "%s: could not be opened (%s)", path,
	                  strerror(e));
}

/* Stat an open descriptor into s, applying the file-size cap. */
static int src_stat(struct src *s, const struct ocr_limits *lim,
                    struct cr_err *err)
{
	struct stat st;

	if (fstat(s->fd, &st) != 0)
		return cr_err_set(err, CR_EIO, "%s: could not be read (%s)",
		                  s->name, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return cr_err_set(err, CR_EFORMAT, "%s: not a regular file",
		                  s->name);
	s->len = (uint64_t)st.st_size;
	if (s->len > lim->max_file_bytes)
		return cr_err_set(err, CR_ELIMIT,
		                  "%s: file is %llu bytes, over the limit of "
		                  "%llu",
		                  s->name, (unsigned long long)s->len,
		                  (unsigned long long)lim->max_file_bytes);
	return 0;
}

struct ocr_doc *ocr_doc_open(const char *path, const struct ocr_limits *lim,
                             struct cr_err *err)
{
	struct ocr_limits l;
	struct ocr_doc *doc = NULL;
	struct src s = {path, -1, NULL, 0};
	enum fmt fmt;
	uint32_t w, h;
	int npages = 0;

	ocr_quiet_libraries();
	if (path == NULL) {
		cr_err_set(err, CR_EINVAL, "no file name given");
		return NULL;
	}
	if (lim != NULL)
		l = *lim;
	else
		ocr_limits_default(&l);
	/* O_NONBLOCK: a FIFO dropped into the watched folder must not
	 * hang us; src_stat() then refuses anything but a regular file. */
	if ((s.fd = open(path,
	                 O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW)) < 0) {
		open_error(path, err);
		return NULL;
	}
	if (src_stat(&s, &l, err) != 0 || sniff(&s, &fmt, err) != 0 ||
	    validate(&s, fmt, &l, -1, 0, &npages, &w, &h, err) != 0)
		goto fail;
	if ((doc = calloc(1, sizeof(*doc))) == NULL ||
	    (doc->path = strdup(path)) == NULL) {
		cr_err_set(err, CR_ENOMEM, "%s: out of memory", path);
		goto fail;
	}
	doc->fmt = fmt;
	doc->npages = npages;
	doc->lim = l;
	close(s.fd);
	return doc;

fail:
	ocr_doc_free(doc);
	close(s.fd);
	return NULL;
}

void ocr_doc_free(struct ocr_doc *doc)
{
	if (doc == NULL)
		return;
	free(doc->path);
	free(doc);
}

int ocr_doc_page_count(const struct ocr_doc *doc)
{
	return doc->npages;
}

const char *ocr_doc_format(const struct ocr_doc *doc)
{
	return fmt_names[doc->fmt];
}

struct ocr_image *ocr_doc_load_page(const struct ocr_doc *doc, int index,
                                    struct cr_err *err)
{
	struct src s = {NULL, -1, NULL, 0};
	struct ocr_image *img = NULL;
	FILE *fp = NULL;
	enum fmt fmt;
	uint32_t w, h;

	if (doc == NULL || index < 0 || index >= doc->npages) {
		cr_err_set(err, CR_EINVAL, "%s: there is no page %d",
		           doc != NULL ? doc->path : "(no file)", index + 1);
		return NULL;
	}
	s.name = doc->path;
	/* Our own FILE: Leptonica decodes from it, and the header is
	 * re-checked on the same descriptor, so a file replaced since
	 * ocr_doc_open() cannot slip past the caps. */
	if ((s.fd = open(doc->path,
	                 O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW)) < 0) {
		open_error(doc->path, err);
		return NULL;
	}
	if (src_stat(&s, &doc->lim, err) != 0) {
		close(s.fd);
		return NULL;
	}
	if ((fp = fdopen(s.fd, "rb")) == NULL) {
		cr_err_set(err, CR_ENOMEM, "%s: out of memory", doc->path);
		close(s.fd);
		return NULL;
	}
	if (sniff(&s, &fmt, err) != 0)
		goto done;
	if (fmt != doc->fmt) {
		cr_err_set(err, CR_EFORMAT,
		           "%s: file changed since it was opened", doc->path);
		goto done;
	}
	if (validate(&s, fmt, &doc->lim, index, 1, NULL, &w, &h, err) != 0)
		goto done;
	img = image_finish(decode_stream(fp, fmt, index), &s, index, w, h, err);
done:
	fclose(fp);
	return img;
}

struct ocr_image *ocr_image_from_memory(const void *data, size_t len,
                                        const struct ocr_limits *lim,
                                        struct cr_err *err)
{
	struct src s = {"image in memory", -1, data, len};
	struct ocr_limits l;
	enum fmt fmt;
	uint32_t w, h;
	int npages;

	ocr_quiet_libraries();
	if (lim != NULL)
		l = *lim;
	else
		ocr_limits_default(&l);
	if (data == NULL)
		s.len = 0;
	if (s.len > l.max_file_bytes) {
		cr_err_set(err, CR_ELIMIT, "%s is %zu bytes, over the limit",
		           s.name, len);
		return NULL;
	}
	if (sniff(&s, &fmt, err) != 0 ||
	    validate(&s, fmt, &l, -1, 1, &npages, &w, &h, err) != 0)
		return NULL;
	return image_finish(decode_mem(data, len, fmt), &s, 0, w, h, err);
}

/* ---- Public: images ------------------------------------------------ */

void ocr_image_free(struct ocr_image *img)
{
	if (img == NULL)
		return;
	pixDestroy(&img->pix);
	pixDestroy(&img->text);
	free(img);
}

int ocr_image_width(const struct ocr_image *img)
{
	return pixGetWidth(img->pix);
}

int ocr_image_height(const struct ocr_image *img)
{
	return pixGetHeight(img->pix);
}

int ocr_image_dpi(const struct ocr_image *img)
{
	return img->dpi;
}

int ocr_image_png(const struct ocr_image *img, int width_px,
                  unsigned char **png_out, size_t *len_out, struct cr_err *err)
{
	PIX *scaled = NULL, *src;
	l_uint8 *data = NULL;
	size_t size = 0;
	double scale, nh;
	int w, h;

	*png_out = NULL;
	*len_out = 0;
	if (img == NULL || img->pix == NULL || width_px < 0)
		return cr_err_set(err, CR_EINVAL, "no image to write");
	w = pixGetWidth(img->pix);
	h = pixGetHeight(img->pix);
	/* img is only read, never cloned (Leptonica's reference counts are
	 * not atomic), so pages may be written from several threads. */
	src = img->pix;
	if (width_px != 0 && width_px != w) {
		scale = (double)width_px / w;
		nh = h * scale;
		/* A thin sliver scaled up to a wide thumbnail could ask
		 * for gigapixels; keep output within the page caps. */
		if (width_px > 30000 || nh > 30000.0 ||
		    (double)width_px * nh > 100e6)
			return cr_err_set(err, CR_ELIMIT,
			                  "a %d px wide copy of a %d x %d "
			                  "image would be too large",
			                  width_px, w, h);
		/* 1 bpp pages shrink to grey, which keeps thin strokes;
		 * pixScaleToGray() refuses tiny results, pixScale() not. */
		if (nh < 1.0)
			scaled = pixScaleToSize(src, width_px, 1);
		else if (pixGetDepth(src) == 1 && scale < 1.0)
			scaled = pixScaleToGray(src, (l_float32)scale);
		if (scaled == NULL)
			scaled =
			    pixScale(src, (l_float32)scale, (l_float32)scale);
		if (scaled == NULL)
			return cr_err_set(err, CR_ENOMEM,
			                  "out of memory scaling the image");
		src = scaled;
	}
	if (pixWriteMemPng(&data, &size, src, 0.0) != 0 || data == NULL) {
		free(data);
		pixDestroy(&scaled);
		return cr_err_set(err, CR_ENOMEM, "could not encode the PNG");
	}
	pixDestroy(&scaled);
	*png_out = data; /* Leptonica allocates with malloc() */
	*len_out = size;
	return 0;
}
