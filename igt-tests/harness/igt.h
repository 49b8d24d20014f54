/* SPDX-License-Identifier: MIT */
/*
 * A small stand-in for the subset of the IGT API the tests in igt-tests/
 * use, so they build and run without an igt-gpu-tools tree and drop into
 * one unchanged.  Result lines follow IGT's format:
 *
 *   Starting subtest: NAME
 *   Subtest NAME: SUCCESS (0.123s)      (or FAIL, SKIP)
 *
 * Exit status: 0 when every subtest that ran passed, 77 when all were
 * skipped, 79 when --run-subtest matched nothing, otherwise the code of
 * the first failure: 98 for a failed assertion, 128 + the signal for a
 * crash, a failed igt_fork() child's own code.
 *
 * As in IGT, handlers for fatal signals are installed at start. SIGSEGV,
 * SIGBUS or SIGFPE inside a subtest ends it as CRASH and the program goes
 * on with the next subtest; other fatal signals, or a crash outside a
 * subtest, print what came and kill the process with the signal. A child
 * made with plain fork() inherits the handlers and the running subtest:
 * a child that is meant to die of a signal must reset the handler first,
 * or it reports the crash and runs the rest of the program itself.
 * Children of igt_fork() exit 98 on a failed assertion and may not skip.
 */
#ifndef LAB_IGT_H
#define LAB_IGT_H

#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IGT_EXIT_SUCCESS 0
#define IGT_EXIT_SKIP 77
#define IGT_EXIT_INVALID 79
#define IGT_EXIT_FAILURE 98

#define IGT_TEST_DESCRIPTION(str) \
	static const char *igt_test_description __attribute__((unused)) = str

extern sigjmp_buf igt__jmp;

void igt__init(int argc, char **argv);
void igt_exit(void) __attribute__((noreturn));

/* Blocks: each returns whether its body should run now. */
bool igt__subtest_enter(const char *name);
void igt__subtest_leave(void);
bool igt__fixture_enter(void);
void igt__fixture_leave(void);
int igt__group_push(void);
int igt__group_pop(void);
const char *igt__fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Outcomes: these leave the current subtest or fixture. */
void igt__fail(const char *file, int line, const char *func, const char *expr,
	       const char *fmt, ...) __attribute__((noreturn, format(printf, 5, 6)));
void igt__skip(const char *file, int line, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));
void igt_fail(int exitcode) __attribute__((noreturn));
void igt_success(void);

void igt_describe(const char *description);

/*
 * igt_fork(child, n) { body } runs body in n child processes, child
 * being 0..n-1 in each; igt_waitchildren() waits for all of them and
 * fails the subtest with the first child that failed or died.
 */
bool igt__fork(void);
void igt_waitchildren(void);

#define igt_fork(child, num) \
	for (int child = 0; child < (num); child++) \
		for (; igt__fork(); exit(IGT_EXIT_SUCCESS))
void igt_log(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

bool igt_only_list_subtests(void);

#define igt__cat2(a, b) a##b
#define igt__cat(a, b) igt__cat2(a, b)
#define igt__tmp igt__cat(igt__tmp_, __LINE__)

#define igt_main \
	static void igt__main_body(void); \
	int main(int argc, char **argv) \
	{ \
		igt__init(argc, argv); \
		igt__main_body(); \
		igt_exit(); \
	} \
	static void igt__main_body(void)

/*
 * The body runs after sigsetjmp() returned 0; a failure or skip inside it
 * siglongjmp()s back, the if skips the body and the loop ends.
 */
#define igt_subtest(name) \
	for (const char *igt__tmp = (name); igt__subtest_enter(igt__tmp); \
	     igt__subtest_leave()) \
		if (sigsetjmp(igt__jmp, 1) == 0)

#define igt_subtest_f(...) igt_subtest(igt__fmt(__VA_ARGS__))

#define igt_fixture \
	for (; igt__fixture_enter(); igt__fixture_leave()) \
		if (sigsetjmp(igt__jmp, 1) == 0)

#define igt_subtest_group \
	for (int igt__tmp = igt__group_push(); igt__tmp; igt__tmp = igt__group_pop())

#define igt_assert_f(expr, ...) do { \
	if (!(expr)) \
		igt__fail(__FILE__, __LINE__, __func__, #expr, __VA_ARGS__); \
} while (0)

#define igt_assert(expr) igt_assert_f(expr, "%s", "")

#define igt__assert_cmp(type, pfmt, a, op, b) do { \
	type igt__a = (a), igt__b = (b); \
	if (!(igt__a op igt__b)) \
		igt__fail(__FILE__, __LINE__, __func__, #a " " #op " " #b, \
			  "%" pfmt " " #op " %" pfmt " is false", igt__a, igt__b); \
} while (0)

#define igt_assert_eq(a, b) igt__assert_cmp(int, "d", a, ==, b)
#define igt_assert_neq(a, b) igt__assert_cmp(int, "d", a, !=, b)
#define igt_assert_lt(a, b) igt__assert_cmp(int, "d", a, <, b)
#define igt_assert_lte(a, b) igt__assert_cmp(int, "d", a, <=, b)
#define igt_assert_eq_u32(a, b) igt__assert_cmp(uint32_t, PRIu32, a, ==, b)
#define igt_assert_eq_u64(a, b) igt__assert_cmp(uint64_t, PRIu64, a, ==, b)
#define igt_assert_eq_s64(a, b) igt__assert_cmp(int64_t, PRId64, a, ==, b)
#define igt_assert_lte_u64(a, b) igt__assert_cmp(uint64_t, PRIu64, a, <=, b)
#define igt_assert_lt_u64(a, b) igt__assert_cmp(uint64_t, PRIu64, a, <, b)

#define igt_skip(...) igt__skip(__FILE__, __LINE__, __VA_ARGS__)
#define igt_skip_on_f(expr, ...) do { if (expr) igt_skip(__VA_ARGS__); } while (0)
#define igt_skip_on(expr) igt_skip_on_f(expr, "Test requirement not met: !(%s)\n", #expr)
#define igt_require_f(expr, ...) igt_skip_on_f(!(expr), __VA_ARGS__)
#define igt_require(expr) igt_skip_on_f(!(expr), "Test requirement not met: %s\n", #expr)

#define igt_info(...) igt_log("INFO", __VA_ARGS__)
#define igt_debug(...) igt_log("DEBUG", __VA_ARGS__)
#define igt_warn(...) igt_log("WARNING", __VA_ARGS__)
#define igt_critical(...) igt_log("CRITICAL", __VA_ARGS__)

#endif
