// SPDX-License-Identifier: MIT
/*
 * Every invalid request on a framebuffer device gets a defined answer and
 * leaves no kernel message above info level: mappings outside the
 * framebuffer or of absurd sizes, growing or half-moving a mapping,
 * pinning its pages (O_DIRECT, process_vm_readv/writev, vmsplice), ptrace
 * and /proc/PID/mem access, bad panning and mode requests, and I/O at and
 * past the end.
 *
 * Each request prints one line, "bad-input: REQUEST | ANSWER", and the
 * lab turns these lines into the README's table: the table is what the
 * kernel answered, checked here against what it must answer.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/fb.h>
#include <linux/kd.h>

#include "igt.h"

IGT_TEST_DESCRIPTION("Test that bad requests on the fbdev device fail cleanly");

static int fd = -1;
static int tty = -1;
static int kmsg = -1;
static size_t fb_size;
static long page;
static struct fb_var_screeninfo var;

/* Kernel messages more severe than info since the last call fail the test. */
static void expect_quiet_kernel(const char *request)
{
	char rec[8192];
	ssize_t n;

	if (kmsg < 0)
		return;
	while ((n = read(kmsg, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		unsigned int pri;

		if (n <= 0)
			continue;
		rec[n] = 0;
		/* "PRI,SEQ,TIME,FLAGS;TEXT": facility 0 is the kernel */
		if (sscanf(rec, "%u,", &pri) == 1 && pri >> 3 == 0 && (pri & 7) < 6)
			igt_assert_f(0, "%s: kernel said (level %u): %s", request, pri & 7,
				     strchr(rec, ';') ? strchr(rec, ';') + 1 : rec);
	}
}

static const char *answer(long ret, int err)
{
	static char buf[64];

	if (ret == -1)
		return strerrorname_np(err) ?: "unknown errno";
	snprintf(buf, sizeof(buf), "ok (%ld)", ret);
	return buf;
}

/* The answer to a call, errno read after the call returned. */
#define ANSWER(call) ({ long ret__ = (call); answer(ret__, errno); })

/* One row of the table: the request, the answer it must get, the answer. */
static void row(const char *request, const char *want, const char *got)
{
	fprintf(stderr, "bad-input: %s | %s\n", request, got);
	igt_assert_f(!strcmp(want, got), "%s: expected %s, got %s\n", request, want, got);
	expect_quiet_kernel(request);
}

static void mmap_row(const char *request, const char *want, size_t len, int prot,
		     int flags, off_t off)
{
	void *p = mmap(NULL, len, prot, flags, fd, off);
	int err = errno;

	if (p != MAP_FAILED)
		munmap(p, len);
	row(request, want, p == MAP_FAILED ? answer(-1, err) : "mapped");
}

static uint8_t *map_shared(size_t len)
{
	uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	igt_assert(p != MAP_FAILED);
	return p;
}

static void var_row(const char *request, const char *want, struct fb_var_screeninfo v)
{
	int ret = ioctl(fd, FBIOPUT_VSCREENINFO, &v);
	int err = errno;
	struct fb_var_screeninfo now;

	row(request, want, answer(ret, err));
	/* Whatever the answer, the mode in use is still the one we had. */
	igt_assert_eq(ioctl(fd, FBIOGET_VSCREENINFO, &now), 0);
	igt_assert_eq_u32(now.xres, var.xres);
	igt_assert_eq_u32(now.yres, var.yres);
	igt_assert_eq_u32(now.bits_per_pixel, var.bits_per_pixel);
}

igt_main
{
	igt_fixture {
		const char *path = getenv("IGT_FBDEV") ?: "/dev/fb0";
		struct fb_fix_screeninfo fix;

		fd = open(path, O_RDWR);
		igt_require_f(fd >= 0, "no framebuffer device at %s\n", path);
		igt_assert_eq(ioctl(fd, FBIOGET_VSCREENINFO, &var), 0);
		igt_assert_eq(ioctl(fd, FBIOGET_FSCREENINFO, &fix), 0);
		fb_size = fix.smem_len;
		page = sysconf(_SC_PAGESIZE);
		tty = open("/dev/tty0", O_RDWR);
		if (tty >= 0)
			ioctl(tty, KDSETMODE, KD_GRAPHICS);
		kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
		if (kmsg >= 0)
			lseek(kmsg, 0, SEEK_END);
	}

	igt_describe("mmap() outside the framebuffer or of absurd sizes fails.");
	igt_subtest("mmap") {
		size_t pages = (fb_size + page - 1) / page;

		mmap_row("mmap one page past the end", "EINVAL", pages * page + page,
			 PROT_READ | PROT_WRITE, MAP_SHARED, 0);
		mmap_row("mmap at the end offset", "EINVAL", page, PROT_READ | PROT_WRITE,
			 MAP_SHARED, pages * page);
		mmap_row("mmap of 1 TiB", "EINVAL", 1ul << 40, PROT_READ | PROT_WRITE,
			 MAP_SHARED, 0);
		mmap_row("mmap longer than the address space", "ENOMEM", 1ul << 62,
			 PROT_READ | PROT_WRITE, MAP_SHARED, 0);
		mmap_row("mmap at the largest page-aligned offset", "EINVAL", 2 * page,
			 PROT_READ | PROT_WRITE, MAP_SHARED, (off_t)(~0ul >> 1) & ~(page - 1));
		mmap_row("mmap at a negative offset", "EOVERFLOW", page,
			 PROT_READ | PROT_WRITE, MAP_SHARED, -page);
		mmap_row("mmap at an offset that is not page aligned", "EINVAL", page,
			 PROT_READ | PROT_WRITE, MAP_SHARED, 1);
		mmap_row("mmap of length 0", "EINVAL", 0, PROT_READ | PROT_WRITE,
			 MAP_SHARED, 0);
	}

	igt_describe("Writes through a private mapping never reach the framebuffer.");
	igt_subtest("private-write") {
		uint8_t *p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
		uint8_t before, after, flipped;

		igt_assert(p != MAP_FAILED);
		igt_assert_eq(pread(fd, &before, 1, 0), 1);
		flipped = before ^ 0xff;
		p[0] = flipped;
		igt_assert_eq(pread(fd, &after, 1, 0), 1);
		row("write through a MAP_PRIVATE mapping", "private copy, framebuffer unchanged",
		    after == before && p[0] == flipped ?
		    "private copy, framebuffer unchanged" : "framebuffer changed");
		munmap(p, page);
	}

	igt_describe("A read-only open cannot map the framebuffer for writing.");
	igt_subtest("read-only-open") {
		int ro = open(getenv("IGT_FBDEV") ?: "/dev/fb0", O_RDONLY);
		void *p;

		igt_assert(ro >= 0);
		p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0);
		row("shared writable mmap of a read-only open", "EACCES",
		    p == MAP_FAILED ? answer(-1, errno) : "mapped");
		close(ro);
	}

	igt_describe("A mapping cannot grow, nor move half of itself with MREMAP_DONTUNMAP.");
	igt_subtest("mremap") {
		uint8_t *p = map_shared(4 * page), *q;

		q = mremap(p, 4 * page, 8 * page, MREMAP_MAYMOVE);
		row("mremap growing a shared mapping", "EFAULT",
		    q == MAP_FAILED ? answer(-1, errno) : "moved");
		q = mremap(p, 4 * page, 4 * page, MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
		row("mremap with MREMAP_DONTUNMAP", "EINVAL",
		    q == MAP_FAILED ? answer(-1, errno) : "moved");
		munmap(p, 4 * page);
		p = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
		igt_assert(p != MAP_FAILED);
		q = mremap(p, 4 * page, 8 * page, MREMAP_MAYMOVE);
		row("mremap growing a private mapping", "EFAULT",
		    q == MAP_FAILED ? answer(-1, errno) : "moved");
		munmap(p, 4 * page);
	}

	igt_describe("Nothing can pin the pages of a mapping.");
	igt_subtest("pin") {
		uint8_t *p = map_shared(4 * page), buf[64];
		struct iovec local = { buf, sizeof(buf) }, remote = { p, sizeof(buf) };
		int pipefd[2], blk;
		void *mem;

		row("process_vm_readv from the mapping", "EFAULT",
		    ANSWER(process_vm_readv(getpid(), &local, 1, &remote, 1, 0)));
		row("process_vm_writev into the mapping", "EFAULT",
		    ANSWER(process_vm_writev(getpid(), &local, 1, &remote, 1, 0)));
		igt_assert_eq(pipe(pipefd), 0);
		remote.iov_len = page;
		row("vmsplice of the mapping into a pipe", "EFAULT",
		    ANSWER(vmsplice(pipefd[1], &remote, 1, 0)));
		close(pipefd[0]);
		close(pipefd[1]);
		blk = open("/dev/ram0", O_RDONLY | O_DIRECT);
		igt_require_f(blk >= 0, "no /dev/ram0 for O_DIRECT\n");
		igt_assert_eq(posix_memalign(&mem, page, page), 0);
		igt_assert_eq_s64(pread(blk, mem, page, 0), page);
		row("O_DIRECT read into the mapping", "EFAULT",
		    ANSWER(pread(blk, p, page, 0)));
		free(mem);
		close(blk);
		munmap(p, 4 * page);
	}

	igt_describe("ptrace and /proc/PID/mem cannot read the mapping of a process.");
	igt_subtest("ptrace") {
		uint8_t *p = map_shared(page);
		char path[64], b;
		int status, mem;
		pid_t pid = fork();
		long v;

		igt_assert(pid >= 0);
		if (pid == 0) {
			raise(SIGSTOP);
			_exit(0);
		}
		igt_assert_eq(waitpid(pid, &status, WUNTRACED), pid);
		igt_assert_eq(ptrace(PTRACE_ATTACH, pid, NULL, NULL), 0);
		igt_assert_eq(waitpid(pid, &status, 0), pid);
		errno = 0;
		v = ptrace(PTRACE_PEEKDATA, pid, p, NULL);
		row("ptrace PEEKDATA of the mapping", "EIO", answer(errno ? -1 : v, errno));
		v = ptrace(PTRACE_POKEDATA, pid, p, (void *)0x1234L);
		row("ptrace POKEDATA into the mapping", "EIO", answer(v, errno));
		snprintf(path, sizeof(path), "/proc/%d/mem", pid);
		mem = open(path, O_RDONLY);
		igt_assert(mem >= 0);
		row("read of the mapping through /proc/PID/mem", "EIO",
		    ANSWER(pread(mem, &b, 1, (off_t)(uintptr_t)p)));
		close(mem);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		munmap(p, page);
	}

	igt_describe("Panning and mode changes outside what the framebuffer holds fail.");
	igt_subtest("ioctl") {
		struct fb_var_screeninfo v = var;
		struct fb_cmap cmap = { 0 };

		v.yoffset = var.yres_virtual;
		row("FBIOPAN_DISPLAY past the virtual height", "EINVAL",
		    ANSWER(ioctl(fd, FBIOPAN_DISPLAY, &v)));
		v = var;
		v.xoffset = ~0u - var.xres + 2;
		row("FBIOPAN_DISPLAY with an offset that overflows", "EINVAL",
		    ANSWER(ioctl(fd, FBIOPAN_DISPLAY, &v)));
		v = var;
		v.xres_virtual = 1u << 30;
		v.yres_virtual = 1u << 30;
		var_row("FBIOPUT_VSCREENINFO with a 2^30 x 2^30 virtual screen", "EINVAL", v);
		v = var;
		v.xres = var.xres + 1;
		v.xres_virtual = var.xres_virtual + 1;
		var_row("FBIOPUT_VSCREENINFO wider than the framebuffer", "EINVAL", v);
		v = var;
		v.bits_per_pixel = var.bits_per_pixel * 2;
		var_row("FBIOPUT_VSCREENINFO with more bits per pixel", "EINVAL", v);
		v = var;
		v.xres = 0;
		var_row("FBIOPUT_VSCREENINFO with a width of 0", "EINVAL", v);
		cmap.start = ~0u;
		cmap.len = 16;
		row("FBIOGETCMAP past the end of the colour map", "EINVAL",
		    ANSWER(ioctl(fd, FBIOGETCMAP, &cmap)));
		row("unknown ioctl", "ENOTTY", ANSWER(ioctl(fd, _IO('F', 0x7f), 0)));
	}

	igt_describe("I/O at and past the end of the framebuffer.");
	igt_subtest("end") {
		/* a null pointer the compiler cannot see */
		void *volatile null = NULL;
		uint8_t b = 0;

		row("pread at the end", "ok (0)", ANSWER(pread(fd, &b, 1, fb_size)));
		row("pwrite at the end", "ENOSPC", ANSWER(pwrite(fd, &b, 1, fb_size)));
		row("pwrite past the end", "EFBIG", ANSWER(pwrite(fd, &b, 1, fb_size + 1)));
		row("read into a NULL buffer", "EFAULT", ANSWER(pread(fd, null, 1, 0)));
		row("write from a NULL buffer", "EFAULT", ANSWER(pwrite(fd, null, 1, 0)));
	}

	igt_fixture {
		if (tty >= 0) {
			ioctl(tty, KDSETMODE, KD_TEXT);
			close(tty);
		}
		if (kmsg >= 0)
			close(kmsg);
		close(fd);
	}
}
