// SPDX-License-Identifier: GPL-2.0
/*
 * fbmm: the mm's own operations on a used mapping of /dev/fb0, checked on
 * the screen.
 *
 *   fbmm [--scan] OP...
 *
 * For each operation: map /dev/fb0 shared, fill the whole screen through
 * the mapping, let the fill reach the display, do the operation, draw new
 * content (rectangles in the corners and the middle, a full-width line and
 * the last pixel) and have the host compare the screen with what was
 * drawn (EXPECT). Each operation fills with another colour, so a page of
 * the fill that is lost shows as well as a lost rectangle.
 *
 * Without --scan the fill has been flushed and write protection re-armed
 * before the operation (write-protect mode). With --scan the whole screen
 * is rewritten at every frame until the helper reads the page tables'
 * dirty bits instead of taking write faults (scan mode), and the
 * operation comes right after the last full frame, before its flush.
 *
 * Operations: mprotect (read-only, none, read-write), mprotect-rw
 * (read-only, read-write), pkey-mprotect, mremap-move, mremap-shrink,
 * munmap-partial, fork-exit (a child draws and exits, then the parent
 * draws), madvise (every advice, whatever each answers), msync (which
 * must succeed), clear-refs (every value of /proc/self/clear_refs),
 * userfaultfd (registering the mapping must be refused), mlock,
 * read-upgrade (a read-only shared mapping made writable), and
 * private-mprotect (a private mapping made writable: its writes must
 * reach neither the framebuffer nor the screen).
 *
 * Prints "e2e mm-OP[-scan]: PASS|FAIL (detail)" for each.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/userfaultfd.h>

#include "lab.h"

/* A mapped part of the framebuffer: bytes [off, off + len) at @base. */
struct seg {
	uint8_t *base;
	size_t off, len;
};

struct ctx {
	struct lab_fb fb;
	unsigned int w, h;
	size_t pitch, size;
	struct seg seg[2];
	unsigned int nseg;
	FILE *spec;
	int scan;
	char why[256];		/* first reason for failing, empty if none */
};

static void failf(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->why[0])
		return;
	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
}

/* Wait until no flush has started for 150 ms: nothing is under way or due. */
static void settle(void)
{
	for (int i = 0; i < 40; i++) {
		unsigned long long fl = lab_counter("flushes");

		lab_sleep_ms(150);
		if (lab_counter("flushes") == fl)
			return;
	}
}

/* Whether row @y is mapped whole; its address if so. */
static uint8_t *row_at(struct ctx *c, unsigned int y)
{
	size_t lo = (size_t)y * c->pitch, hi = lo + c->pitch;

	for (unsigned int i = 0; i < c->nseg; i++) {
		struct seg *s = &c->seg[i];

		if (lo >= s->off && hi <= s->off + s->len)
			return s->base + (lo - s->off);
	}
	return NULL;
}

/*
 * Draw a rectangle through the mapped segments, row by row, and record
 * the runs of rows it reached in the spec.
 */
/*
 * A channel of @rgb as the screendump shows it: cut to the bits the
 * format keeps, then widened back by repeating its top bits (RGB565 on
 * cirrus turns 0x80 into 0x84).
 */
static uint32_t shown_channel(uint32_t v8, const struct fb_bitfield *f)
{
	unsigned int len = f->length;
	uint32_t v;

	if (!len || len >= 8)
		return len ? v8 : 0;
	v = v8 >> (8 - len);
	v = v << (8 - len);
	for (unsigned int have = len; have < 8; have += len)
		v |= v >> have;
	return v & 0xff;
}

static uint32_t shown(const struct ctx *c, uint32_t rgb)
{
	return shown_channel((rgb >> 16) & 0xff, &c->fb.var.red) << 16 |
	       shown_channel((rgb >> 8) & 0xff, &c->fb.var.green) << 8 |
	       shown_channel(rgb & 0xff, &c->fb.var.blue);
}

static void rect(struct ctx *c, unsigned int x, unsigned int y, unsigned int w,
		 unsigned int h, uint32_t rgb)
{
	uint32_t px = lab_fb_pixel(&c->fb, rgb);
	size_t bytes = (size_t)w * c->fb.bpp;
	uint8_t *row = malloc(bytes);
	unsigned int run = 0;

	lab_fb_pack_row(&c->fb, row, w, px);
	for (unsigned int r = y; r <= y + h; r++) {
		uint8_t *p = r < y + h ? row_at(c, r) : NULL;

		if (p) {
			memcpy(p + (size_t)x * c->fb.bpp, row, bytes);
			run++;
			continue;
		}
		if (run)
			fprintf(c->spec, "fill %u %u %u %u %06x\n", x, r - run, w, run,
				shown(c, rgb));
		run = 0;
	}
	free(row);
}

/* Start the spec anew with the whole screen filled with @rgb. */
static void fill_all(struct ctx *c, uint32_t rgb)
{
	rewind(c->spec);
	if (ftruncate(fileno(c->spec), 0))
		perror("fbmm: truncate spec");
	fprintf(c->spec, "size %u %u\n", c->w, c->h);
	rect(c, 0, 0, c->w, c->h, rgb);
}

/* The new content: every corner, the middle, a line, the last pixel. */
static void draw_new(struct ctx *c, uint32_t rgb)
{
	unsigned int w = c->w, h = c->h, s = 40;

	rect(c, 16, 16, s, s, rgb);
	rect(c, w - 16 - s, 16, s, s, rgb ^ 0xffff00);
	rect(c, 16, h - 16 - s, s, s, rgb ^ 0x00ffff);
	rect(c, w - 16 - s, h - 16 - s, s, s, rgb ^ 0xff00ff);
	rect(c, w / 2 - s / 2, h / 2 - s / 2, s, s, rgb);
	rect(c, 0, h / 3 + 1, w, 1, rgb ^ 0xffffff);
	rect(c, w - 1, h - 1, 1, 1, 0xffffff);
}

static void map_whole(struct ctx *c)
{
	uint8_t *p = mmap(NULL, c->size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fb.fd, 0);

	if (p == MAP_FAILED) {
		perror("fbmm: mmap");
		exit(2);
	}
	c->seg[0] = (struct seg){ p, 0, c->size };
	c->nseg = 1;
}

static void unmap_all(struct ctx *c)
{
	for (unsigned int i = 0; i < c->nseg; i++)
		munmap(c->seg[i].base, c->seg[i].len);
	c->nseg = 0;
}

static size_t page_down(size_t v)
{
	return v & ~((size_t)sysconf(_SC_PAGESIZE) - 1);
}

/*
 * The operations. Each gets the whole framebuffer mapped in c->seg[0],
 * filled and flushed (or in scan mode), does its operation and draws the
 * new content with @rgb.
 */

static void op_mprotect(struct ctx *c, uint32_t rgb)
{
	struct seg *s = &c->seg[0];

	if (mprotect(s->base, s->len, PROT_READ) || mprotect(s->base, s->len, PROT_NONE) ||
	    mprotect(s->base, s->len, PROT_READ | PROT_WRITE))
		failf(c, "mprotect: %s", strerror(errno));
	draw_new(c, rgb);
}

static void op_mprotect_rw(struct ctx *c, uint32_t rgb)
{
	struct seg *s = &c->seg[0];

	if (mprotect(s->base, s->len, PROT_READ) ||
	    mprotect(s->base, s->len, PROT_READ | PROT_WRITE))
		failf(c, "mprotect: %s", strerror(errno));
	draw_new(c, rgb);
}

/* With a protection key if the CPU has them, else the default key (-1). */
static void op_pkey_mprotect(struct ctx *c, uint32_t rgb)
{
	struct seg *s = &c->seg[0];
	long key = syscall(SYS_pkey_alloc, 0, 0);
	long k = key < 0 ? -1 : key;

	if (syscall(SYS_pkey_mprotect, s->base, s->len, PROT_READ, k) ||
	    syscall(SYS_pkey_mprotect, s->base, s->len, PROT_READ | PROT_WRITE, k))
		failf(c, "pkey_mprotect (key %ld): %s", k, strerror(errno));
	draw_new(c, rgb);
	if (key >= 0)
		syscall(SYS_pkey_free, key);
	printf("fbmm: pkey_mprotect with key %ld\n", k);
}

/* Move or resize the first segment with mremap(), then draw. */
static void remap(struct ctx *c, size_t len, int flags, void *to, uint32_t rgb)
{
	struct seg *s = &c->seg[0];
	void *p = to == MAP_FAILED ? MAP_FAILED : mremap(s->base, s->len, len, flags, to);

	if (p == MAP_FAILED) {
		failf(c, "mremap: %s", strerror(errno));
		return;
	}
	s->base = p;
	s->len = len;
	draw_new(c, rgb);
}

static void op_mremap_move(struct ctx *c, uint32_t rgb)
{
	size_t len = c->seg[0].len;

	remap(c, len, MREMAP_MAYMOVE | MREMAP_FIXED,
	      mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), rgb);
}

static void op_mremap_shrink(struct ctx *c, uint32_t rgb)
{
	remap(c, page_down(c->seg[0].len / 2), 0, NULL, rgb);
}

static void op_munmap_partial(struct ctx *c, uint32_t rgb)
{
	struct seg *s = &c->seg[0];
	size_t third = page_down(s->len / 3);

	if (munmap(s->base + third, third)) {
		failf(c, "munmap: %s", strerror(errno));
		return;
	}
	c->seg[1] = (struct seg){ s->base + 2 * third, 2 * third, s->len - 2 * third };
	s->len = third;
	c->nseg = 2;
	draw_new(c, rgb);
}

/* A child draws and exits at once (its PTEs zapped by exit), then the parent. */
static void op_fork_exit(struct ctx *c, uint32_t rgb)
{
	int status;
	pid_t pid;

	fflush(c->spec);
	pid = fork();
	if (pid == 0) {
		rect(c, 16, 16, 40, 40, rgb);
		rect(c, c->w - 56, c->h - 56, 40, 40, rgb ^ 0xff00ff);
		fflush(c->spec);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
		failf(c, "fork child failed");
		return;
	}
	fseek(c->spec, 0, SEEK_END);
	draw_new(c, rgb);
}

static void op_madvise(struct ctx *c, uint32_t rgb)
{
	static const struct { int advice; const char *name; } advices[] = {
		{ MADV_NORMAL, "NORMAL" }, { MADV_RANDOM, "RANDOM" },
		{ MADV_SEQUENTIAL, "SEQUENTIAL" }, { MADV_WILLNEED, "WILLNEED" },
		{ MADV_DONTNEED, "DONTNEED" }, { MADV_FREE, "FREE" },
		{ MADV_REMOVE, "REMOVE" }, { MADV_DONTFORK, "DONTFORK" },
		{ MADV_DOFORK, "DOFORK" }, { MADV_MERGEABLE, "MERGEABLE" },
		{ MADV_HUGEPAGE, "HUGEPAGE" }, { MADV_NOHUGEPAGE, "NOHUGEPAGE" },
		{ MADV_DONTDUMP, "DONTDUMP" }, { MADV_DODUMP, "DODUMP" },
		{ MADV_WIPEONFORK, "WIPEONFORK" }, { MADV_KEEPONFORK, "KEEPONFORK" },
		{ MADV_COLD, "COLD" }, { MADV_PAGEOUT, "PAGEOUT" },
		{ MADV_POPULATE_READ, "POPULATE_READ" },
		{ MADV_POPULATE_WRITE, "POPULATE_WRITE" },
		{ 4 /* MADV_DONTNEED_LOCKED */, "DONTNEED_LOCKED" },
		{ 25 /* MADV_COLLAPSE */, "COLLAPSE" },
	};
	struct seg *s = &c->seg[0];
	char line[1024];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(advices) / sizeof(advices[0]); i++) {
		int r = madvise(s->base, s->len, advices[i].advice);

		n += snprintf(line + n, sizeof(line) - n, " %s=%s", advices[i].name,
			      r ? strerrorname_np(errno) : "0");
	}
	printf("fbmm: madvise%s\n", line);
	draw_new(c, rgb);
}

/* msync() must succeed, as on fb_defio, and lose nothing. */
static void op_msync(struct ctx *c, uint32_t rgb)
{
	struct seg *s = &c->seg[0];

	if (msync(s->base, s->len, MS_ASYNC))
		failf(c, "msync(MS_ASYNC): %s", strerror(errno));
	if (msync(s->base, s->len, MS_INVALIDATE))
		failf(c, "msync(MS_INVALIDATE): %s", strerror(errno));
	draw_new(c, rgb);
	if (msync(s->base, s->len, MS_SYNC))
		failf(c, "msync(MS_SYNC): %s", strerror(errno));
}

static void op_clear_refs(struct ctx *c, uint32_t rgb)
{
	char line[256];
	size_t n = 0;

	for (int v = 1; v <= 5; v++) {
		int fd = open("/proc/self/clear_refs", O_WRONLY);
		char val = '0' + v;
		int r = fd < 0 ? -1 : (int)write(fd, &val, 1);

		n += snprintf(line + n, sizeof(line) - n, " %d=%s", v,
			      r == 1 ? "0" : strerrorname_np(errno));
		if (fd >= 0)
			close(fd);
	}
	printf("fbmm: clear_refs%s\n", line);
	draw_new(c, rgb);
}

/* Registering the mapping with userfaultfd must be refused. */
static void op_userfaultfd(struct ctx *c, uint32_t rgb)
{
	struct seg *s = &c->seg[0];
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {
		.range = { (unsigned long)s->base, s->len },
		.mode = UFFDIO_REGISTER_MODE_WP | UFFDIO_REGISTER_MODE_MISSING,
	};
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);

	if (fd < 0) {
		printf("fbmm: userfaultfd: %s\n", strerrorname_np(errno));
	} else {
		if (ioctl(fd, UFFDIO_API, &api))
			printf("fbmm: UFFDIO_API: %s\n", strerrorname_np(errno));
		else if (!ioctl(fd, UFFDIO_REGISTER, &reg))
			failf(c, "UFFDIO_REGISTER of the mapping succeeded");
		else
			printf("fbmm: UFFDIO_REGISTER: %s\n", strerrorname_np(errno));
		close(fd);
	}
	draw_new(c, rgb);
}

static void op_mlock(struct ctx *c, uint32_t rgb)
{
	struct seg *s = &c->seg[0];

	if (mlock(s->base, s->len) || munlock(s->base, s->len))
		printf("fbmm: mlock: %s\n", strerrorname_np(errno));
	draw_new(c, rgb);
}

/* A read-only shared mapping, read whole, then made writable. */
static void op_read_upgrade(struct ctx *c, uint32_t rgb)
{
	uint8_t *p = mmap(NULL, c->size, PROT_READ, MAP_SHARED, c->fb.fd, 0);
	volatile uint8_t sum = 0;

	if (p == MAP_FAILED) {
		failf(c, "mmap: %s", strerror(errno));
		return;
	}
	for (size_t i = 0; i < c->size; i += 64)
		sum += p[i];
	if (mprotect(p, c->size, PROT_READ | PROT_WRITE)) {
		failf(c, "mprotect: %s", strerror(errno));
		munmap(p, c->size);
		return;
	}
	munmap(c->seg[0].base, c->seg[0].len);
	c->seg[0].base = p;
	draw_new(c, rgb);
}

/*
 * A private mapping, read whole, made writable and written: the writes
 * stay private. A mark drawn through the shared mapping afterwards shows
 * that the display was updated since.
 */
static void op_private_mprotect(struct ctx *c, uint32_t rgb)
{
	uint8_t *p = mmap(NULL, c->size, PROT_READ, MAP_PRIVATE, c->fb.fd, 0);
	struct seg shared = c->seg[0];
	volatile uint8_t sum = 0;
	long spec_end = ftell(c->spec);

	if (p == MAP_FAILED) {
		failf(c, "mmap: %s", strerror(errno));
		return;
	}
	for (size_t i = 0; i < c->size; i += 64)
		sum += p[i];
	if (mprotect(p, c->size, PROT_READ | PROT_WRITE))
		failf(c, "mprotect: %s", strerror(errno));
	c->seg[0].base = p;
	draw_new(c, rgb);
	c->seg[0] = shared;
	if (!memcmp(p + c->pitch * (c->h / 3 + 1), shared.base + c->pitch * (c->h / 3 + 1),
		    c->pitch))
		failf(c, "a private write reached the framebuffer");
	munmap(p, c->size);
	/* Not on the screen: the spec keeps the fill and the mark only. */
	fflush(c->spec);
	if (ftruncate(fileno(c->spec), spec_end))
		perror("fbmm: truncate spec");
	fseek(c->spec, spec_end, SEEK_SET);
	rect(c, c->w / 4, c->h / 4, 8, 8, 0xffffff);
}

static const struct {
	const char *name;
	void (*run)(struct ctx *c, uint32_t rgb);
} ops[] = {
	{ "mprotect", op_mprotect },
	{ "mprotect-rw", op_mprotect_rw },
	{ "pkey-mprotect", op_pkey_mprotect },
	{ "mremap-move", op_mremap_move },
	{ "mremap-shrink", op_mremap_shrink },
	{ "munmap-partial", op_munmap_partial },
	{ "fork-exit", op_fork_exit },
	{ "madvise", op_madvise },
	{ "msync", op_msync },
	{ "clear-refs", op_clear_refs },
	{ "userfaultfd", op_userfaultfd },
	{ "mlock", op_mlock },
	{ "read-upgrade", op_read_upgrade },
	{ "private-mprotect", op_private_mprotect },
};

/* Fill colours, one per operation, and the colour of the new content. */
static const uint32_t fills[] = { 0x0000ff, 0x00ff00, 0xff0000, 0x00ffff, 0xff00ff, 0xffff00 };

static int run(struct ctx *c, unsigned int i, unsigned int seq)
{
	uint32_t base = fills[seq % 6], rgb = fills[(seq + 3) % 6] ^ 0x808080;
	char name[64], file[80], req[128], reply[1024], mode[64] = "?";
	int ret;

	snprintf(name, sizeof(name), "mm-%s%s", ops[i].name, c->scan ? "-scan" : "");
	snprintf(file, sizeof(file), "%s.spec", name);
	c->spec = lab_run_file(file);
	c->why[0] = 0;
	map_whole(c);
	if (c->scan) {
		/* Whole frames at 60 Hz until the helper scans, at most 3 s. */
		for (int f = 0; f < 180; f++) {
			fill_all(c, f & 1 ? base : base ^ 0x808080);
			lab_sleep_ms(16);
			if (f >= 20 && !lab_counter_word("tracking", mode) && !strcmp(mode, "scan"))
				break;
		}
		fill_all(c, base);
		lab_counter_word("tracking", mode);
		if (strcmp(mode, "scan"))
			failf(c, "tracking is %s, not scan, before the operation", mode);
	} else {
		fill_all(c, base);
		settle();
		/*
		 * The previous operation's fill and this one can be two full
		 * flushes in a row, which switch to scan mode; it ends four
		 * flushes after the writes stop and re-arms every page.
		 */
		for (int t = 0; t < 60; t++) {
			if (!lab_counter_word("tracking", mode) && !strcmp(mode, "write-protect"))
				break;
			lab_sleep_ms(50);
		}
		lab_counter_word("tracking", mode);
		if (strcmp(mode, "write-protect"))
			failf(c, "tracking is %s, not write-protect, before the operation", mode);
	}
	ops[i].run(c, rgb);
	fclose(c->spec);
	snprintf(req, sizeof(req), "EXPECT %s 8000", name);
	ret = lab_host(req, reply, sizeof(reply));
	if (ret < 0) {
		perror("fbmm: host channel");
		ret = 1;
	}
	if (c->why[0])
		ret = 1;
	printf("e2e %s: %s (%s%s%s)\n", name, ret ? "FAIL" : "PASS", c->why,
	       c->why[0] ? "; " : "", reply);
	fflush(stdout);
	unmap_all(c);
	return ret;
}

int main(int argc, char **argv)
{
	struct ctx c = { };
	int failed = 0, first = 1;
	unsigned int seq = 0;

	if (argc > 1 && !strcmp(argv[1], "--scan")) {
		c.scan = 1;
		first = 2;
	}
	if (first >= argc) {
		fprintf(stderr, "usage: fbmm [--scan] OP...\noperations:");
		for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
			fprintf(stderr, " %s", ops[i].name);
		fprintf(stderr, "\n");
		return 2;
	}
	if (!lab_counters_find()) {
		fprintf(stderr, "fbmm: no fbdev_shadow counters in debugfs\n");
		return 2;
	}
	lab_fb_open(&c.fb, NULL);
	c.w = c.fb.var.xres;
	c.h = c.fb.var.yres;
	c.pitch = c.fb.fix.line_length;
	c.size = c.fb.size;
	lab_vt_graphics(1);
	for (int a = first; a < argc; a++) {
		size_t i;

		for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
			if (!strcmp(argv[a], ops[i].name))
				break;
		if (i == sizeof(ops) / sizeof(ops[0])) {
			fprintf(stderr, "fbmm: unknown operation '%s'\n", argv[a]);
			failed = 1;
			continue;
		}
		failed |= run(&c, i, seq++);
	}
	lab_vt_graphics(0);
	lab_fb_close(&c.fb);
	return failed;
}
