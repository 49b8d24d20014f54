// SPDX-License-Identifier: MIT
/*
 * The lab's implementation of the IGT API subset declared in igt.h.
 *
 * Each subtest and fixture body runs behind a sigsetjmp(); a failed
 * assertion or a skip records the outcome, prints the result line and
 * jumps back, which ends the block.  A failure or skip in a fixture
 * applies to every later subtest of the enclosing group.  Fatal signals
 * and child processes are handled as igt.h describes.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fnmatch.h>
#include <getopt.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "igt.h"

sigjmp_buf igt__jmp;

enum block_state { IDLE, RUNNING, FINISHED };

struct group {
	bool skipped;
	bool failed;
};

#define MAX_DEPTH 16
#define MAX_CHILDREN 64

static struct {
	bool list_only;
	const char *filter;
	unsigned int matched, passed, failed, skipped;
	int exitcode;		/* of the first failure, 0 while none */

	pid_t children[MAX_CHILDREN];
	int nchildren;
	bool test_child;	/* an igt_fork() child */

	enum block_state subtest, fixture;
	char name[256];
	double start;
	const char *description;

	struct group group[MAX_DEPTH];
	int depth;
} igt;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(const char *prog, FILE *f)
{
	fprintf(f, "Usage: %s [--list-subtests] [--run-subtest PATTERN]\n", prog);
}

static void failure(int code)
{
	if (!igt.exitcode)
		igt.exitcode = code;
}

/* Stop and reap the igt_fork() children still running. */
static void kill_children(void)
{
	for (int i = 0; i < igt.nchildren; i++) {
		if (igt.children[i] > 0) {
			kill(igt.children[i], SIGKILL);
			waitpid(igt.children[i], NULL, 0);
		}
	}
	igt.nchildren = 0;
}

static void result(const char *what);

static const struct {
	int sig;
	const char *name;	/* NULL: ends the process without a word */
} fatal_signals[] = {
	{ SIGINT, NULL }, { SIGHUP, NULL }, { SIGPIPE, NULL }, { SIGTERM, NULL },
	{ SIGQUIT, "SIGQUIT" }, { SIGABRT, "SIGABRT" },
	{ SIGSEGV, "SIGSEGV" }, { SIGBUS, "SIGBUS" }, { SIGFPE, "SIGFPE" },
};

static void on_fatal_signal(int sig)
{
	const char *name = NULL;
	char line[64];
	size_t i;

	for (i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++)
		if (fatal_signals[i].sig == sig)
			name = fatal_signals[i].name;
	if (name) {
		int n = snprintf(line, sizeof(line), "Received signal %s.\n", name);

		if (write(STDERR_FILENO, line, n) < 0)
			line[0] = 0;
	}
	if (sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE) {
		failure(128 + sig);
		if (igt.subtest == RUNNING) {
			/* the subtest crashed; the program goes on */
			igt.failed++;
			kill_children();
			result("CRASH");
			siglongjmp(igt__jmp, 1);
		}
	}
	/* Die of the signal, delivered once this handler returns. */
	for (i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++)
		signal(fatal_signals[i].sig, SIG_DFL);
	raise(sig);
}

static void install_handlers(void)
{
	for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++)
		signal(fatal_signals[i].sig, on_fatal_signal);
}

bool igt__fork(void)
{
	pid_t pid;

	if (igt.subtest != RUNNING || igt.test_child || igt.nchildren == MAX_CHILDREN) {
		fprintf(stderr, "igt_fork() outside a subtest, in a child or too often\n");
		abort();
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	igt_assert_f(pid >= 0, "fork failed\n");
	if (pid == 0) {
		igt.test_child = true;
		igt.nchildren = 0;
		return true;
	}
	igt.children[igt.nchildren++] = pid;
	return false;
}

void igt_waitchildren(void)
{
	int err = 0, status;

	for (int i = 0; i < igt.nchildren; i++) {
		if (waitpid(igt.children[i], &status, 0) != igt.children[i])
			continue;
		igt.children[i] = 0;
		if (err)
			continue;
		if (WIFEXITED(status) && WEXITSTATUS(status)) {
			printf("child %i failed with exit status %i\n", i, WEXITSTATUS(status));
			err = WEXITSTATUS(status);
		} else if (WIFSIGNALED(status)) {
			printf("child %i died with signal %i, %s\n", i, WTERMSIG(status),
			       strsignal(WTERMSIG(status)));
			err = 128 + WTERMSIG(status);
		}
		if (err)
			kill_children();
	}
	igt.nchildren = 0;
	if (err)
		igt_fail(err);
}

void igt__init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "list-subtests", no_argument, NULL, 'l' },
		{ "run-subtest", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	int c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			igt.list_only = true;
			break;
		case 'r':
			igt.filter = optarg;
			break;
		case 'h':
			usage(argv[0], stdout);
			exit(IGT_EXIT_SUCCESS);
		default:
			usage(argv[0], stderr);
			exit(IGT_EXIT_INVALID);
		}
	}
	install_handlers();
	if (!igt.list_only)
		printf("IGT-Version: lab harness (%s)\n", program_invocation_short_name);
}

bool igt_only_list_subtests(void)
{
	return igt.list_only;
}

const char *igt__fmt(const char *fmt, ...)
{
	static char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return buf;
}

void igt_describe(const char *description)
{
	igt.description = description;
}

static void result(const char *what)
{
	printf("Subtest %s: %s (%.3fs)\n", igt.name, what, now() - igt.start);
	igt.subtest = FINISHED;
}

bool igt__subtest_enter(const char *name)
{
	struct group *g = &igt.group[igt.depth];

	if (igt.subtest == FINISHED) {
		igt.subtest = IDLE;
		return false;
	}
	snprintf(igt.name, sizeof(igt.name), "%s", name);
	igt.description = NULL;
	if (igt.list_only) {
		printf("%s\n", igt.name);
		return false;
	}
	if (igt.filter && fnmatch(igt.filter, igt.name, 0))
		return false;
	igt.matched++;
	printf("Starting subtest: %s\n", igt.name);
	igt.start = now();
	if (g->failed) {
		igt.failed++;
		failure(IGT_EXIT_FAILURE);
		result("FAIL");
		igt.subtest = IDLE;
		return false;
	}
	if (g->skipped) {
		igt.skipped++;
		result("SKIP");
		igt.subtest = IDLE;
		return false;
	}
	igt.subtest = RUNNING;
	return true;
}

void igt__subtest_leave(void)
{
	if (igt.subtest == RUNNING) {
		igt.passed++;
		result("SUCCESS");
	}
}

bool igt__fixture_enter(void)
{
	struct group *g = &igt.group[igt.depth];

	if (igt.fixture == FINISHED) {
		igt.fixture = IDLE;
		return false;
	}
	if (igt.list_only || g->skipped || g->failed)
		return false;
	igt.fixture = RUNNING;
	return true;
}

void igt__fixture_leave(void)
{
	igt.fixture = FINISHED;
}

int igt__group_push(void)
{
	if (igt.depth + 1 >= MAX_DEPTH) {
		fprintf(stderr, "igt: subtest groups nested too deeply\n");
		exit(IGT_EXIT_INVALID);
	}
	igt.group[igt.depth + 1] = igt.group[igt.depth];
	igt.depth++;
	return 1;
}

int igt__group_pop(void)
{
	igt.depth--;
	return 0;
}

void igt_log(const char *level, const char *fmt, ...)
{
	va_list ap;

	/* Debug output is kept out of the result stream. */
	if (!strcmp(level, "DEBUG") && !getenv("IGT_LOG_LEVEL"))
		return;
	fflush(stdout);
	fprintf(stderr, "(%s:%d) %s: ", program_invocation_short_name, getpid(), level);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static void __attribute__((noreturn)) leave_block(bool failed, int code)
{
	if (igt.test_child) {
		/* igt_waitchildren() in the parent reports it */
		if (failed)
			exit(code);
		fprintf(stderr, "skips are not allowed in igt_fork() children\n");
		abort();
	}
	if (igt.subtest == RUNNING) {
		kill_children();
		if (failed) {
			failure(code);
			igt.failed++;
		} else {
			igt.skipped++;
		}
		result(failed ? "FAIL" : "SKIP");
	} else if (igt.fixture == RUNNING) {
		if (failed)
			igt.group[igt.depth].failed = true;
		else
			igt.group[igt.depth].skipped = true;
		igt.fixture = FINISHED;
	} else {
		exit(failed ? code : IGT_EXIT_SKIP);
	}
	siglongjmp(igt__jmp, 1);
}

void igt__fail(const char *file, int line, const char *func, const char *expr,
	       const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "(%s:%d) CRITICAL: Test assertion failure function %s, file %s:%d:\n",
		program_invocation_short_name, getpid(), func, file, line);
	fprintf(stderr, "(%s:%d) CRITICAL: Failed assertion: %s\n",
		program_invocation_short_name, getpid(), expr);
	if (err)
		fprintf(stderr, "(%s:%d) CRITICAL: Last errno: %d, %s\n",
			program_invocation_short_name, getpid(), err, strerror(err));
	if (fmt[0] && !(fmt[0] == '%' && fmt[1] == 's' && !fmt[2])) {
		fprintf(stderr, "(%s:%d) CRITICAL: ", program_invocation_short_name, getpid());
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	leave_block(true, IGT_EXIT_FAILURE);
}

void igt__skip(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "(%s:%d) SKIP at %s:%d: ", program_invocation_short_name,
		getpid(), file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	leave_block(false, 0);
}

void igt_fail(int exitcode)
{
	leave_block(true, exitcode);
}

void igt_success(void)
{
}

void igt_exit(void)
{
	if (igt.list_only)
		exit(IGT_EXIT_SUCCESS);
	if (igt.filter && !igt.matched) {
		fprintf(stderr, "Unknown subtest: %s\n", igt.filter);
		exit(IGT_EXIT_INVALID);
	}
	if (igt.exitcode)
		exit(igt.exitcode);
	if (!igt.passed && igt.skipped)
		exit(IGT_EXIT_SKIP);
	exit(IGT_EXIT_SUCCESS);
}
