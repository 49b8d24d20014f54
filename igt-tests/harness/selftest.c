// SPDX-License-Identifier: MIT
/*
 * Exercises the harness itself: every outcome a test can have.  Run on
 * the host by tools/lab/selftest.py, which checks each result line and
 * the exit status (98: something failed).
 */
#include <sys/wait.h>
#include <unistd.h>

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

	igt_subtest("crash")
		raise(SIGSEGV);

	igt_subtest("after-crash")
		igt_assert(fixture_ran);

	igt_subtest("fork-pass") {
		igt_fork(child, 3)
			igt_assert(child < 3);
		igt_waitchildren();
	}

	igt_subtest("fork-fail") {
		igt_fork(child, 2)
			igt_assert_eq(child, 0);
		igt_waitchildren();
	}

	igt_subtest("fork-signal") {
		igt_fork(child, 1) {
			signal(SIGBUS, SIG_DFL);
			raise(SIGBUS);
		}
		igt_waitchildren();
	}

	igt_subtest("handler-inherited") {
		int status;
		pid_t pid = fork();

		igt_assert(pid >= 0);
		if (pid == 0) {
			void (*old)(int) = signal(SIGSEGV, SIG_DFL);

			_exit(old == SIG_DFL || old == SIG_IGN);
		}
		igt_assert_eq(waitpid(pid, &status, 0), pid);
		igt_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}

	igt_subtest("reset-in-child") {
		int status;
		pid_t pid = fork();

		igt_assert(pid >= 0);
		if (pid == 0) {
			signal(SIGSEGV, SIG_DFL);
			raise(SIGSEGV);
			_exit(0);
		}
		igt_assert_eq(waitpid(pid, &status, 0), pid);
		igt_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
	}

	/*
	 * Last: the child reports the crash as this subtest's result and,
	 * like IGT's, goes on with the rest of the program (nothing here).
	 */
	igt_subtest("plain-fork-crash") {
		int status;
		pid_t pid = fork();

		igt_assert(pid >= 0);
		if (pid == 0)
			raise(SIGSEGV);
		igt_assert_eq(waitpid(pid, &status, 0), pid);
		igt_assert(WIFEXITED(status));
	}
}
