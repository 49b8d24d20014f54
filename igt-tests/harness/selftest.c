// SPDX-License-Identifier: MIT
/*
 * Exercises the harness itself: every outcome a test can have.  Run on
 * the host by tools/lab/selftest.py, which checks each result line and
 * the exit status (98: something failed).
 */
#include "igt.h"

static int fixture_ran;

static void helper_fails(void)
{
	igt_assert_eq(1 + 1, 3);
}

igt_main
{
	igt_fixture
		fixture_ran = 1;

	igt_subtest("pass")
		igt_assert(fixture_ran);

	igt_subtest("fail-assert")
		igt_assert(0);

	igt_subtest("fail-in-helper") {
		helper_fails();
		igt_assert(!"not reached");
	}

	igt_subtest("skip-require")
		igt_require(0);

	igt_subtest_f("formatted-%d", 7)
		igt_assert_eq_u64(7, 7);

	igt_subtest_group {
		igt_fixture
			igt_require_f(0, "group requirement not met\n");

		igt_subtest("group-skipped")
			igt_assert(!"not reached");
	}

	igt_subtest_group {
		igt_fixture
			igt_assert_f(0, "group fixture fails\n");

		igt_subtest("group-failed")
			igt_assert(!"not reached");
	}

	igt_subtest("after-groups")
		igt_assert(fixture_ran);
}
