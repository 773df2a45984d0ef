/*
 * fuzz_image.c - fuzz target for the image loader: whatever bytes come
 * in must be refused with an error or decoded within the caps, never
 * crash, hang or allocate beyond them.  Small caps (4 Mpx a page) keep
 * each run fast.  A decoded image is also written back as a thumbnail,
 * which exercises the scaling of every pixel depth the loader produces.
 *
 * Built as a libFuzzer target with clang (-fsanitize=fuzzer), or linked
 * with tests/fuzz_driver.c, which replays a corpus and mutations of it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "../ocr/ocr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ocr_limits lim;
	struct ocr_image *img;
	unsigned char *png = NULL;
	size_t len = 0;

	ocr_limits_default(&lim);
	lim.max_page_pixels = 4000000;
	lim.max_page_dim = 8000;
	lim.max_pages = 50;
	lim.max_file_bytes = 16 << 20;
	img = ocr_image_from_memory(data, size, &lim, NULL);
	if (img == NULL)
		return 0;
	if (ocr_image_png(img, 64, &png, &len, NULL) == 0)
		free(png);
	ocr_image_free(img);
	return 0;
}
