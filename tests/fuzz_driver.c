/*
 * fuzz_driver.c - a stand-in for libFuzzer's main() in gcc builds.
 *
 *	fuzz_image [--seconds N] [--seed S] FILE|DIR...
 *
 * Reads every file named, and every file in a named folder and in its
 * immediate subfolders (files over 4 MiB are skipped), runs each once
 * through LLVMFuzzerTestOneInput(), then keeps feeding it mutated copies
 * until N seconds (default 10) have passed: bit flips, bytes set to 0x00,
 * 0xff or 0x7f, 32-bit fields set to boundary values, truncation, and a
 * duplicated chunk.  The PRNG is seeded, so a run is repeatable for a
 * given corpus.  Prints the number of executions and exits 0; a crash or
 * sanitizer report is the failure.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define FUZZ_MAX_INPUT (4 << 20)
#define FUZZ_MAX_MUTANT (8 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
	unsigned char *data;
	size_t len;
};

static struct input *inputs;
static size_t ninputs, cap;
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

static size_t below(size_t n)
{
	return n ? (size_t)(next() % n) : 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void add_input(unsigned char *data, size_t len)
{
	struct input *n;

	if (ninputs == cap) {
		cap = cap ? 2 * cap : 64;
		if ((n = realloc(inputs, cap * sizeof(*n))) == NULL) {
			fprintf(stderr, "fuzz_image: out of memory\n");
			exit(1);
		}
		inputs = n;
	}
	inputs[ninputs].data = data;
	inputs[ninputs].len = len;
	ninputs++;
}

static void add_file(const char *path)
{
	struct stat st;
	unsigned char *buf;
	FILE *fp;

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > FUZZ_MAX_INPUT)
		return;
	if ((fp = fopen(path, "rb")) == NULL)
		return;
	buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
	if (buf != NULL &&
	    fread(buf, 1, (size_t)st.st_size, fp) == (size_t)st.st_size)
		add_input(buf, (size_t)st.st_size);
	else
		free(buf);
	fclose(fp);
}

/* Add path: a file, or a folder's files (depth levels of subfolders). */
static void add_path(const char *path, int depth)
{
	struct dirent *de;
	struct stat st;
	char sub[4096];
	DIR *d;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "fuzz_image: %s: %s\n", path, strerror(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		add_file(path);
		return;
	}
	if ((d = opendir(path)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		if (stat(sub, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (depth > 0)
				add_path(sub, depth - 1);
		} else {
			add_file(sub);
		}
	}
	closedir(d);
}

/* Apply one to four mutations to buf[0..*len) (capacity FUZZ_MAX_MUTANT). */
static void mutate(unsigned char *buf, size_t *len)
{
	static const uint32_t edge[] = {
	    0, 1, 0x7f, 0xff, 0xffff, 0x7fffffff, 0x80000000u, 0xffffffffu};
	static const unsigned char bytes[] = {0x00, 0xff, 0x7f};
	unsigned char chunk[4096];
	size_t n = 1 + below(4), pos, from, clen;
	uint32_t v;

	while (n-- > 0 && *len > 0) {
		pos = below(*len);
		switch (below(6)) {
		case 0: /* flip a bit */
			buf[pos] ^= (unsigned char)(1u << below(8));
			break;
		case 1: /* set a byte */
			buf[pos] = bytes[below(3)];
			break;
		case 2: /* a 32-bit field (either byte order) at an edge */
			if (*len - pos < 4)
				break;
			v = edge[below(8)];
			if (next() & 1)
				v = (v >> 24) | ((v >> 8) & 0xff00) |
				    ((v << 8) & 0xff0000) | (v << 24);
			memcpy(buf + pos, &v, 4);
			break;
		case 3: /* truncate */
			*len = pos;
			break;
		case 4: /* duplicate a chunk at pos */
			from = below(*len);
			clen =
			    1 + below(*len - from < 4096 ? *len - from : 4096);
			if (*len + clen > FUZZ_MAX_MUTANT)
				break;
			memcpy(chunk, buf + from, clen);
			memmove(buf + pos + clen, buf + pos, *len - pos);
			memcpy(buf + pos, chunk, clen);
			*len += clen;
			break;
		default: /* random byte */
			buf[pos] = (unsigned char)next();
		}
	}
}

int main(int argc, char **argv)
{
	static const unsigned char seed_tiff[] = "II*\0\x08\0\0\0";
	static const unsigned char seed_png[] = "\x89PNG\r\n\x1a\n";
	static const unsigned char seed_jpeg[] = "\xff\xd8\xff\xe0";
	unsigned char *buf;
	unsigned long long execs = 0;
	double seconds = 10, t0;
	size_t i, len;

	for (i = 1; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "--seconds") == 0 && i + 1 < (size_t)argc)
			seconds = atof(argv[++i]);
		else if (strcmp(argv[i], "--seed") == 0 && i + 1 < (size_t)argc)
			rng = strtoull(argv[++i], NULL, 0) | 1;
		else
			add_path(argv[i], 1);
	}
	/* With no corpus (or an empty folder), start from bare magics. */
	if (ninputs == 0) {
		add_input(memcpy(malloc(8), seed_tiff, 8), 8);
		add_input(memcpy(malloc(8), seed_png, 8), 8);
		add_input(memcpy(malloc(4), seed_jpeg, 4), 4);
	}

	t0 = now_s();
	for (i = 0; i < ninputs; i++, execs++)
		LLVMFuzzerTestOneInput(inputs[i].data, inputs[i].len);
	if ((buf = malloc(FUZZ_MAX_MUTANT)) == NULL)
		return 1;
	while (now_s() - t0 < seconds) {
		i = below(ninputs);
		len = inputs[i].len;
		memcpy(buf, inputs[i].data, len);
		mutate(buf, &len);
		LLVMFuzzerTestOneInput(buf, len);
		execs++;
	}
	printf("fuzz_image: %zu inputs, %llu executions in %.1f s\n", ninputs,
	       execs, now_s() - t0);
	free(buf);
	for (i = 0; i < ninputs; i++)
		free(inputs[i].data);
	free(inputs);
	return 0;
}
