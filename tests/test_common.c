/*
 * test_common.c - the shared helpers: error records, SHA-256 of files
 * (against a known vector), folder creation, bounded copies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/cr.h"

static void test_err(void **state)
{
	struct cr_err e;

	(void)state;
	assert_int_equal(cr_err_set(&e, CR_EIO, "cannot read %s", "x.tif"),
			 CR_EIO);
	assert_int_equal(e.code, CR_EIO);
	assert_string_equal(e.msg, "cannot read x.tif");
	assert_int_equal(cr_err_set(NULL, CR_EFORMAT, "ignored"), CR_EFORMAT);
	cr_err_clear(&e);
	assert_int_equal(e.code, 0);
	assert_string_equal(e.msg, "");
	assert_string_equal(cr_strerror(CR_ELIMIT), "limit exceeded");
	assert_string_equal(cr_strerror(12345), "unknown error");
}

static void test_sha256(void **state)
{
	char path[] = "/tmp/cr_test_XXXXXX", hex[65];
	uint64_t size = 0;
	struct cr_err e;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "abc", 3), 3);
	close(fd);
	assert_int_equal(cr_sha256_file(path, hex, &size, &e), 0);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
				 "b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(size, 3);
	cr_sha256_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
				 "b00361a396177a9cb410ff61f20015ad");
	unlink(path);
	assert_int_equal(cr_sha256_file(path, hex, NULL, &e), CR_ENOTFOUND);
	assert_non_null(strstr(e.msg, path));
}

static void test_mkdirs_and_strlcpy(void **state)
{
	char base[] = "/tmp/cr_dir_XXXXXX", deep[256], buf[4];
	struct stat sb;

	(void)state;
	assert_non_null(mkdtemp(base));
	snprintf(deep, sizeof(deep), "%s/a/b/c", base);
	assert_int_equal(cr_mkdirs(deep, NULL), 0);
	assert_int_equal(cr_mkdirs(deep, NULL), 0); /* existing is fine */
	assert_int_equal(stat(deep, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(cr_fsync_parent(deep, NULL), 0);
	assert_int_equal(cr_strlcpy(buf, "abcdef", sizeof(buf)), 6);
	assert_string_equal(buf, "abc");
	assert_null(cr_strdup(NULL));
	snprintf(deep, sizeof(deep), "rm -rf %s", base);
	assert_int_equal(system(deep), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_err),
	    cmocka_unit_test(test_sha256),
	    cmocka_unit_test(test_mkdirs_and_strlcpy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
