/*
 * tests/cu.h: the shared CUnit runner. A suite file defines
 *   static void add_tests(CU_pSuite s) { CU_add_test(s, "name", fn); ... }
 * and ends with GB_CUNIT_MAIN("suite name", add_tests).
 * The runner reads the failure count before CU_cleanup_registry() (which
 * resets it) and exits non-zero on any failure or framework error.
 */
#ifndef GONGBAO_TESTS_CU_H
#define GONGBAO_TESTS_CU_H

#include <CUnit/Basic.h>
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>

/* The directories gb_test_tmpdir made, removed when the suite exits. */
static char *gb_test_tmpdirs[8];

/* Removes path and, for a directory, what is in it, at most `depth` levels down. */
static void gb_test_rm_tree(const char *path, int depth)
{
	struct stat sb;
	if (lstat(path, &sb) != 0)
		return;
	if (S_ISDIR(sb.st_mode) && depth > 0) {
		DIR *d = opendir(path);
		struct dirent *de;
		while (d != NULL && (de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			char child[4096];
			snprintf(child, sizeof child, "%s/%s", path, de->d_name);
			gb_test_rm_tree(child, depth - 1);
		}
		if (d != NULL)
			closedir(d);
	}
	remove(path);
}

static void gb_test_rm_all(void)
{
	for (int i = 0; i < 8 && gb_test_tmpdirs[i] != NULL; i++)
		gb_test_rm_tree(gb_test_tmpdirs[i], 8);
}

/*
 * mkdtemp(tmpl) whose directory, and everything in it, is removed when the
 * suite exits. Returns tmpl, or NULL if mkdtemp failed.
 */
static __attribute__((unused)) char *gb_test_tmpdir(char *tmpl)
{
	static int registered;
	if (mkdtemp(tmpl) == NULL)
		return NULL;
	for (int i = 0; i < 8; i++) {
		if (gb_test_tmpdirs[i] == NULL) {
			gb_test_tmpdirs[i] = tmpl;
			break;
		}
	}
	if (!registered++)
		atexit(gb_test_rm_all);
	return tmpl;
}

#define GB_CUNIT_MAIN(suite_name, add_fn)                                  \
	int main(void)                                                     \
	{                                                                  \
		if (CU_initialize_registry() != CUE_SUCCESS)               \
			return 2;                                          \
		CU_pSuite s = CU_add_suite(suite_name, NULL, NULL);        \
		if (s == NULL)                                             \
			return 2;                                          \
		add_fn(s);                                                 \
		CU_basic_set_mode(CU_BRM_NORMAL);                          \
		CU_basic_run_tests();                                      \
		unsigned failed = CU_get_number_of_failures();             \
		unsigned run = CU_get_number_of_tests_run();               \
		int cu_err = CU_get_error();                               \
		CU_cleanup_registry();                                     \
		if (run == 0) {                                            \
			fprintf(stderr, "%s: no test ran\n", suite_name);  \
			return 2;                                          \
		}                                                          \
		return failed != 0 || cu_err != CUE_SUCCESS ? 1 : 0;       \
	}

#endif
