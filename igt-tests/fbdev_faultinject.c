// SPDX-License-Identifier: MIT
/*
 * Allocation failures on the way to a framebuffer mapping. With the
 * kernel's fault injection (failslab and fail_page_alloc, driven through
 * /proc/thread-self/fail-nth), the n-th allocation of a request fails,
 * for every n up to 32 and every 17th after that, until the request no
 * longer allocates: binding the driver
 * (probe and fbdev setup) and mapping and writing the framebuffer. Each
 * must fail cleanly or succeed, and afterwards the device must work: it
 * binds, /dev/fb0 appears, and a mapping writes what read(2) reads back.
 * A bind that ends without an fbdev is followed by a connector reprobe:
 * on a driver that polls its connectors, the hotplug it causes sets the
 * fbdev up again, which must work too.
 *
 * Needs CONFIG_FAULT_INJECTION_DEBUG_FS, FAILSLAB and FAIL_PAGE_ALLOC (the
 * debug kernel of make check-debug); skips elsewhere. The driver is
 * unbound and bound again, so this runs after the other tests.
 */
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/fb.h>

#include "igt.h"

IGT_TEST_DESCRIPTION("Test fbdev setup and mapping under allocation failures");

#define FB "/dev/fb0"
/* Far more allocations than a bind or a mapping makes. */
#define MAX_NTH 4000
/* the lab's log check (tools/lab/guest.py) knows these two lines */
#define INJECT_BEGIN "fbdev_faultinject: allocation failures begin"
#define INJECT_END "fbdev_faultinject: allocation failures end"
/*
 * Every allocation up to DENSE, then every STRIDE-th: a bind makes about a
 * thousand, and each try rebinds the device (seconds on a debug kernel).
 */
#define DENSE 32
#define STRIDE 17

static unsigned int next_nth(unsigned int n)
{
	return n < DENSE ? n + 1 : n + STRIDE;
}

static char device[PATH_MAX], driver[PATH_MAX];
static const char *name;
static int nth = -1;	/* this thread's /proc/thread-self/fail-nth */

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static bool file_write(const char *path, const char *value)
{
	int f = open(path, O_WRONLY);
	int n;

	if (f < 0)
		return false;
	n = write(f, value, strlen(value));
	close(f);
	return n == (int)strlen(value);
}

/* Make the n-th fault-injectable call of this thread fail. */
static void fail_nth(int fd, unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	igt_assert_eq(pwrite(fd, buf, len, 0), len);
}

/* 0 once the injected failure happened, what is left of n if it did not. */
static unsigned int nth_left(int fd)
{
	char buf[16] = "";

	igt_assert(pread(fd, buf, sizeof(buf) - 1, 0) > 0);
	return strtoul(buf, NULL, 10);
}

static bool fb_present(void)
{
	int fd = open(FB, O_RDWR);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static bool wait_fb_ms(bool present, int ms)
{
	for (int i = 0; i < ms / 10; i++) {
		if (fb_present() == present)
			return true;
		sleep_ms(10);
	}
	return false;
}

static bool wait_fb(bool present)
{
	return wait_fb_ms(present, 5000);
}

/*
 * Reprobe every connector of the device: forcing one off changes its
 * status, and a driver that polls its connectors (qxl) then sends a
 * hotplug event, on which an fbdev that failed to set up tries again.
 */
static void reprobe_connectors(void)
{
	glob_t g;

	if (glob("/sys/class/drm/card*-*/status", 0, NULL, &g))
		return;
	for (size_t i = 0; i < g.gl_pathc; i++)
		file_write(g.gl_pathv[i], "off");
	for (size_t i = 0; i < g.gl_pathc; i++)
		file_write(g.gl_pathv[i], "detect");
	globfree(&g);
}

/* The device works: /dev/fb0 maps, and what is written reads back. */
static void expect_working(void)
{
	struct fb_fix_screeninfo fix;
	uint8_t back[64], *p;
	int fd;

	igt_assert_f(wait_fb(true), "no %s after binding\n", FB);
	fd = open(FB, O_RDWR);
	igt_assert(fd >= 0);
	igt_assert_eq(ioctl(fd, FBIOGET_FSCREENINFO, &fix), 0);
	p = mmap(NULL, fix.smem_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	igt_assert(p != MAP_FAILED);
	for (int i = 0; i < 64; i++)
		p[fix.smem_len - 64 + i] = (uint8_t)(i * 3 + 1);
	igt_assert_eq(pread(fd, back, 64, fix.smem_len - 64), 64);
	igt_assert(!memcmp(back, p + fix.smem_len - 64, 64));
	munmap(p, fix.smem_len);
	close(fd);
}

static void unbind(void)
{
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/unbind", driver);
	igt_assert_f(file_write(path, name), "cannot unbind %s\n", name);
	igt_assert(wait_fb(false));
}

/*
 * Marks in the kernel log where allocations fail on purpose: the lab's log
 * check accepts the reports of expected allocation failures between them
 * (kmem_cache_create() dumps a stack when it fails).
 */
static void injecting(bool on)
{
	igt_assert(file_write("/dev/kmsg", on ? INJECT_BEGIN : INJECT_END));
}

static void setup_injection(void)
{
	/* Fail GFP_KERNEL allocations too, of any order, and say nothing. */
	static const char *const settings[][2] = {
		{ "failslab/ignore-gfp-wait", "N" },
		{ "failslab/verbose", "0" },
		{ "failslab/probability", "0" },
		{ "fail_page_alloc/ignore-gfp-wait", "N" },
		{ "fail_page_alloc/ignore-gfp-highmem", "N" },
		{ "fail_page_alloc/min-order", "0" },
		{ "fail_page_alloc/verbose", "0" },
		{ "fail_page_alloc/probability", "0" },
	};
	char path[128];

	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		snprintf(path, sizeof(path), "/sys/kernel/debug/%s", settings[i][0]);
		igt_require_f(file_write(path, settings[i][1]), "no %s\n", path);
	}
}

igt_main
{
	igt_fixture {
		igt_require_f(access("/proc/thread-self/fail-nth", W_OK) == 0,
			      "no fault injection in this kernel\n");
		igt_require_f(realpath("/sys/class/graphics/fb0/device", device),
			      "fb0 has no device in sysfs\n");
		igt_require_f(realpath("/sys/class/graphics/fb0/device/driver", driver),
			      "fb0's device has no driver\n");
		name = strrchr(device, '/') + 1;
		setup_injection();
		nth = open("/proc/thread-self/fail-nth", O_RDWR);
		igt_assert(nth >= 0);
	}

	igt_describe("Binding fails cleanly at every allocation, and binds afterwards.");
	igt_subtest("bind") {
		char path[PATH_MAX + 16];
		unsigned int n, failed = 0, degraded = 0, retried = 0;
		char drv[PATH_MAX + 16];
		int fd;

		snprintf(path, sizeof(path), "%s/bind", driver);
		injecting(true);
		for (n = 1; n < MAX_NTH; n = next_nth(n)) {
			bool bound, left;

			unbind();
			fd = open(path, O_WRONLY);
			igt_assert(fd >= 0);
			fail_nth(nth, n);
			bound = write(fd, name, strlen(name)) >= 0;
			left = nth_left(nth) != 0;
			fail_nth(nth, 0);
			close(fd);
			if (!bound) {
				failed++;
			} else if (!wait_fb(true)) {
				/*
				 * Bound without an fbdev: clean too. A hotplug
				 * may set it up now; either way, start over.
				 */
				degraded++;
				reprobe_connectors();
				if (wait_fb_ms(true, 1500)) {
					retried++;
					expect_working();
				}
				snprintf(drv, sizeof(drv), "%s/unbind", driver);
				igt_assert(file_write(drv, name));
			}
			snprintf(drv, sizeof(drv), "%s/driver", device);
			if (access(drv, F_OK) != 0)
				igt_assert_f(file_write(path, name),
					     "no bind after failure %u\n", n);
			expect_working();
			if (left)
				break;	/* the bind made fewer than n allocations */
		}
		injecting(false);
		igt_info("bind: fewer than %u allocations; %u binds failed, %u without fbdev, %u of them set up on a hotplug\n",
			 n, failed, degraded, retried);
		igt_assert_f(n > 1 && n < MAX_NTH, "bind made %u allocations\n", n - 1);
		expect_working();
	}

	igt_describe("Mapping and writing fail cleanly at every allocation.");
	igt_subtest("mmap") {
		unsigned int n, failed = 0;

		injecting(true);
		for (n = 1; n < MAX_NTH; n = next_nth(n)) {
			int status, left;
			pid_t pid = fork();

			igt_assert(pid >= 0);
			if (pid == 0) {
				int fd = open(FB, O_RDWR);
				int self = open("/proc/thread-self/fail-nth", O_RDWR);
				uint8_t *p;

				/* a fault that fails must end it with the signal */
				signal(SIGSEGV, SIG_DFL);
				signal(SIGBUS, SIG_DFL);
				if (fd < 0 || self < 0)
					_exit(3);
				fail_nth(self, n);
				p = mmap(NULL, 64 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
				if (p != MAP_FAILED)
					for (int i = 0; i < 64; i++)
						p[i * 4096] = (uint8_t)i;
				left = nth_left(self);
				_exit(p == MAP_FAILED ? 1 : left ? 2 : 0);
			}
			igt_assert_eq(waitpid(pid, &status, 0), pid);
			igt_assert_f(WIFEXITED(status), "child %u ended with status %#x\n", n, status);
			igt_assert_neq(WEXITSTATUS(status), 3);
			failed += WEXITSTATUS(status) == 1;
			if (WEXITSTATUS(status) == 2)
				break;	/* the mapping made fewer than n allocations */
			expect_working();
		}
		injecting(false);
		igt_info("mmap: fewer than %u allocations; %u mmaps failed\n", n, failed);
		igt_assert_f(n > 1 && n < MAX_NTH, "mmap made %u allocations\n", n - 1);
		expect_working();
	}

	igt_fixture {
		if (nth >= 0)
			close(nth);
	}
}
