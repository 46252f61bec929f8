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
#include <stdio.h>
#include <stdlib.h>

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
