// SPDX-License-Identifier: MIT
/*
 * Unbinding the driver of a framebuffer while a process writes through a
 * shared mapping of it: the mapping is torn down (the writer gets SIGBUS,
 * the kernel uses nothing freed) and a rebound driver brings a working
 * /dev/fb0 back.  Needs root and sysfs; it replaces the device under test,
 * so run it last.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/fb.h>

#include "igt.h"

IGT_TEST_DESCRIPTION("Test unbinding the fbdev's driver under a writing mapping");

static char device[PATH_MAX], driver[PATH_MAX];

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static bool sysfs_write(const char *dir, const char *file, const char *value)
{
	char path[PATH_MAX + 16];
	int f, n;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = open(path, O_WRONLY);
	if (f < 0)
		return false;
	n = write(f, value, strlen(value));
	close(f);
	return n == (int)strlen(value);
}

static bool helper_present(void)
{
	glob_t g;
	bool found;

	if (glob("/sys/kernel/debug/dri/*/fbdev_shadow", 0, NULL, &g))
		return false;
	found = g.gl_pathc > 0;
	globfree(&g);
	return found;
}

/* Pin the calling process to @cpu, if the kernel has it. */
static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void writer(uint8_t *p, size_t len, int cpu)
{
	long page = sysconf(_SC_PAGESIZE);

	pin(cpu);
	/* Keep touching every page until the mapping goes away. */
	for (int round = 0; round < 1000000; round++)
		for (size_t off = 0; off < len; off += page)
			p[off] = (uint8_t)round;
	_exit(0);
}

/* Write @p's first byte, or read every page, in a child: the signal it got. */
static int child_signal_on(uint8_t *p, size_t read_len)
{
	long page = sysconf(_SC_PAGESIZE);
	int status;
	pid_t pid = fork();

	igt_assert(pid >= 0);
	if (pid == 0) {
		uint8_t sum = 0;

		/* die of the signal: IGT's handler would go on as the test */
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);

		if (!read_len)
			*(volatile uint8_t *)p = 1;
		for (size_t off = 0; off < read_len; off += page)
			sum += *(volatile uint8_t *)(p + off);
		_exit(sum & 0);
	}
	igt_assert_eq(waitpid(pid, &status, 0), pid);
	return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

/* Fault every page in for reading. */
static void touch(const uint8_t *p, size_t len)
{
	long page = sysconf(_SC_PAGESIZE);
	uint8_t sum = 0;

	for (size_t off = 0; off < len; off += page)
		sum += *(volatile const uint8_t *)(p + off);
	(void)sum;
}

/* Bind the driver again and open its new /dev/fb0. */
static int rebind(const char *name, struct fb_fix_screeninfo *fix)
{
	int fd;

	igt_assert_f(sysfs_write(driver, "bind", name), "cannot bind %s again\n", name);
	for (int i = 0; i < 100 && access("/dev/fb0", F_OK); i++)
		sleep_ms(50);
	fd = open("/dev/fb0", O_RDWR);
	igt_assert_f(fd >= 0, "no /dev/fb0 after rebinding\n");
	igt_assert_eq(ioctl(fd, FBIOGET_FSCREENINFO, fix), 0);
	return fd;
}

igt_main
{
	igt_fixture {
		igt_require_f(realpath("/sys/class/graphics/fb0/device", device),
			      "fb0 has no device in sysfs\n");
		igt_require_f(realpath("/sys/class/graphics/fb0/device/driver", driver),
			      "fb0's device has no driver\n");
		igt_require_f(helper_present(), "only for drm_fbdev_shadow\n");
	}

	igt_describe("Unbind under a writer on every other CPU: SIGBUS, no use after "
		     "free; rebind works.");
	igt_subtest("unbind-while-writing") {
		struct fb_fix_screeninfo fix;
		char *name = basename(device);
		int fd = open("/dev/fb0", O_RDWR), status;
		int cpus = sysconf(_SC_NPROCESSORS_ONLN);
		int writers = cpus > 1 ? cpus - 1 : 1;
		uint8_t *p, *ro, *priv;
		pid_t pids[64];
		size_t len;

		igt_assert(fd >= 0);
		igt_assert_eq(ioctl(fd, FBIOGET_FSCREENINFO, &fix), 0);
		len = fix.smem_len;
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		ro = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
		priv = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
		igt_assert(p != MAP_FAILED && ro != MAP_FAILED && priv != MAP_FAILED);
		/* Every kind of mapping has PTEs in place when the device goes. */
		touch(p, len);
		touch(ro, len);
		touch(priv, len);
		/* The unbind on CPU 0, a writer on each of the others. */
		pin(0);
		igt_assert(writers <= 64);
		for (int i = 0; i < writers; i++) {
			pids[i] = fork();
			igt_assert(pids[i] >= 0);
			if (pids[i] == 0) {
				signal(SIGBUS, SIG_DFL);
				writer(p, len, cpus > 1 ? i + 1 : 0);
			}
		}
		sleep_ms(300);

		igt_assert_f(sysfs_write(driver, "unbind", name), "cannot unbind %s\n", name);
		for (int i = 0; i < writers; i++) {
			igt_assert_eq(waitpid(pids[i], &status, 0), pids[i]);
			igt_assert_f(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS,
				     "writer %d ended with status %#x, not SIGBUS\n", i, status);
		}
		/*
		 * No PTE may survive: a read through any of them would read
		 * memory the device has freed. Every page of every mapping
		 * faults, and the fault gets SIGBUS.
		 */
		igt_assert_eq(child_signal_on(p, 0), SIGBUS);
		igt_assert_eq(child_signal_on(p, len), SIGBUS);
		igt_assert_eq(child_signal_on(ro, len), SIGBUS);
		igt_assert_eq(child_signal_on(priv, len), SIGBUS);
		/* The old file still answers, the framebuffer is gone. */
		munmap(p, len);
		munmap(ro, len);
		munmap(priv, len);
		close(fd);

		fd = rebind(name, &fix);
		p = mmap(NULL, fix.smem_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		igt_assert(p != MAP_FAILED);
		p[0] = 0x11;
		igt_assert_eq(p[0], 0x11);
		munmap(p, fix.smem_len);
		close(fd);
	}

	igt_describe("write() and drawing through a file of an unbound fbdev reach no "
		     "memory of the device; rebind works.");
	igt_subtest("write-after-unbind") {
		struct fb_fix_screeninfo fix;
		char *name = basename(device);
		int fd = open("/dev/fb0", O_RDWR);
		uint8_t line[4096];
		size_t len;

		igt_assert(fd >= 0);
		igt_assert_eq(ioctl(fd, FBIOGET_FSCREENINFO, &fix), 0);
		len = fix.smem_len;
		igt_assert_f(sysfs_write(driver, "unbind", name), "cannot unbind %s\n", name);
		/*
		 * The fbdev lives on while the file is open: each write()
		 * schedules its damage, which must not reach the device's
		 * memory, unmapped by now. Several rounds, each left time to
		 * be flushed.
		 */
		memset(line, 0x5a, sizeof(line));
		for (int round = 0; round < 20; round++) {
			off_t off = (off_t)(round * 7919 * 64) % (off_t)(len - sizeof(line));

			igt_assert(pwrite(fd, line, sizeof(line), off) >= 0 || errno == ENODEV);
			sleep_ms(30);
		}
		close(fd);

		fd = rebind(name, &fix);
		igt_assert_eq(pwrite(fd, line, 64, 0), 64);
		close(fd);
	}
}
