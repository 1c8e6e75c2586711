/* test-common.h: shared helpers of the Check suites: temp dirs and the main() of a suite. */
#pragma once

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "util.h"

/* A fresh world-readable temp dir (libvirt's QEMU user must traverse it); removed by the caller. */
static inline char *test_tmpdir(void)
{
	char *dir = xstrdup("/tmp/compatlab-test-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	chmod(dir, 0755);
	return dir;
}

static inline char *test_data(const char *rel)
{
	return xasprintf("%s/%s", TEST_DATA_DIR, rel);
}

#define TEST_MAIN(suite_fn) \
	int main(void) \
	{ \
		SRunner *sr = srunner_create(suite_fn()); \
		srunner_run_all(sr, CK_NORMAL); \
		int failed = srunner_ntests_failed(sr); \
		srunner_free(sr); \
		return failed ? EXIT_FAILURE : EXIT_SUCCESS; \
	}
