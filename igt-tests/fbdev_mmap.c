// SPDX-License-Identifier: MIT
/*
 * What userspace sees of mmap() on a framebuffer device whose writes are
 * tracked in the page tables (drm_fbdev_shadow): bounds, private and
 * read-only mappings, several opens and device nodes, fork, partial unmap,
 * mremap, mprotect, get_user_pages and O_DIRECT on the mapping, and the
 * helper's trace events.
 *
 * Subtests that check write tracking read the helper's counters from
 * debugfs (dri/N/fbdev_shadow) and skip where there are none.
 */
#include <fcntl.h>
#include <glob.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/fb.h>
#include <linux/kd.h>

#include "igt.h"

IGT_TEST_DESCRIPTION("Test mmap of the fbdev device: tracking, sharing and limits");

static const char *fb_path;
static int fd = -1;
static int tty = -1;
static size_t fb_size;
static long page;
static unsigned int pitch, cpp, xres;	/* bytes a line, bytes a pixel, pixels a line */
static char counters[256];

static bool find_counters(void)
{
	glob_t g;
	bool found;

	if (glob("/sys/kernel/debug/dri/*/fbdev_shadow", 0, NULL, &g))
		return false;
	found = g.gl_pathc > 0;
	if (found)
		snprintf(counters, sizeof(counters), "%s", g.gl_pathv[0]);
	globfree(&g);
	return found;
}

/*
 * The value of the counters' line @name ("name value" lines; some values,
 * such as "mode" and "tracking", are words) into @value.
 */
static void counter_word(const char *name, char value[64])
{
	char line[128], key[64];
	FILE *f = fopen(counters, "r");

	igt_assert_f(f, "cannot open %s\n", counters);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %63s", key, value) == 2 && !strcmp(key, name)) {
			fclose(f);
			return;
		}
	}
	fclose(f);
	igt_assert_f(0, "no counter %s in %s\n", name, counters);
}

static uint64_t counter(const char *name)
{
	char value[64];

	counter_word(name, value);
	return strtoull(value, NULL, 10);
}

/* Whether the counters' line @name has the word @word for a value. */
static bool counter_is(const char *name, const char *word)
{
	char value[64];

	counter_word(name, value);
	return !strcmp(value, word);
}

static void *race_write(void *p)
{
	*(volatile uint8_t *)p ^= 0x5a;
	return NULL;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Rewrite the whole mapping at every frame, 60 frames a second. */
static void full_frames(uint8_t *p, int frames)
{
	for (int frame = 0; frame < frames; frame++) {
		memset(p, frame, fb_size);
		sleep_ms(16);
	}
}

/* Wait until a flush has started since @flushes was read, at most 2 s. */
static void await_flush_since(uint64_t flushes)
{
	for (int i = 0; i < 2000 && counter("flushes") == flushes; i++)
		sleep_ms(1);
	igt_assert_f(counter("flushes") != flushes, "no flush within 2 s\n");
}

/* Wait until the flush worker has run since @flushes was read. */
static void wait_flush(uint64_t flushes)
{
	await_flush_since(flushes);
	/* Let a flush that was already running when we looked finish. */
	sleep_ms(50);
}

/*
 * Wait until no flush has run for 150 ms, so none is under way or due
 * (closing a writable mapping schedules one): the next flush is then the
 * one the caller's write asks for.
 */
static void settle(void)
{
	uint64_t fl;

	for (int i = 0; i < 20; i++) {
		fl = counter("flushes");
		sleep_ms(150);
		if (counter("flushes") == fl && counter_is("tracking", "write-protect"))
			return;
	}
	igt_assert_f(0, "flushes did not stop\n");
}

/*
 * The write must fault (its page was write-protected), and after the
 * flush the same page must fault again: tracking is re-armed.
 */
static void expect_tracked(volatile uint8_t *p)
{
	for (int round = 0; round < 2; round++) {
		uint64_t wf, fl;

		settle();
		wf = counter("write_faults");
		fl = counter("flushes");

		*p = *p + 1;
		/*
		 * At least one: a flush that re-protects the page before the
		 * faulting instruction is retried makes it fault once more.
		 */
		igt_assert_f(counter("write_faults") > wf,
			     "write at %p did not fault (round %d)\n", (void *)p, round);
		wait_flush(fl);
	}
}

#define TRACEFS "/sys/kernel/tracing"

static bool tracefs_write(const char *file, const char *value, int flags)
{
	char path[128];
	int f, n;

	snprintf(path, sizeof(path), TRACEFS "/%s", file);
	f = open(path, O_WRONLY | flags);
	if (f < 0)
		return false;
	n = write(f, value, strlen(value));
	close(f);
	return n == (int)strlen(value);
}

/* The trace buffer as text, NUL-terminated; free() it. */
static char *trace_text(void)
{
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap);
	int f = open(TRACEFS "/trace", O_RDONLY);
	ssize_t n;

	igt_assert(buf && f >= 0);
	while ((n = read(f, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 4096) {
			cap *= 2;
			buf = realloc(buf, cap);
			igt_assert(buf);
		}
	}
	close(f);
	buf[len] = 0;
	return buf;
}

static uint8_t *map(int f, size_t len, int prot, int flags, off_t off)
{
	return mmap(NULL, len, prot, flags, f, off);
}

/* Run @fn in a child; return the signal that ended it, or 0. */
static int child_signal(void (*fn)(uint8_t *), uint8_t *arg)
{
	int status;
	pid_t pid = fork();

	igt_assert(pid >= 0);
	if (pid == 0) {
		/* die of the signal: IGT's handler would go on as the test */
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		fn(arg);
		_exit(0);
	}
	igt_assert_eq(waitpid(pid, &status, 0), pid);
	return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

static void poke(uint8_t *p)
{
	*(volatile uint8_t *)p = 0x42;
}

static void fill(uint8_t *buf, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 7 + seed);
}

igt_main
{
	igt_fixture {
		struct fb_var_screeninfo var;
		struct fb_fix_screeninfo fix;

		fb_path = getenv("IGT_FBDEV") ?: "/dev/fb0";
		fd = open(fb_path, O_RDWR);
		igt_require_f(fd >= 0, "no framebuffer device at %s\n", fb_path);
		igt_assert_eq(ioctl(fd, FBIOGET_VSCREENINFO, &var), 0);
		igt_assert_eq(ioctl(fd, FBIOGET_FSCREENINFO, &fix), 0);
		fb_size = fix.smem_len;
		page = sysconf(_SC_PAGESIZE);
		pitch = fix.line_length;
		cpp = var.bits_per_pixel / 8;
		xres = var.xres;
		tty = open("/dev/tty0", O_RDWR);
		if (tty >= 0)
			ioctl(tty, KDSETMODE, KD_GRAPHICS);
	}

	igt_describe("Mappings outside the framebuffer fail with EINVAL.");
	igt_subtest("bounds") {
		size_t pages = (fb_size + page - 1) / page;
		uint8_t *p;

		p = map(fd, pages * page, PROT_READ, MAP_SHARED, 0);
		igt_assert(p != MAP_FAILED);
		munmap(p, pages * page);
		p = map(fd, page, PROT_READ, MAP_SHARED, (off_t)(pages - 1) * page);
		igt_assert(p != MAP_FAILED);
		munmap(p, page);

		p = map(fd, (pages + 1) * page, PROT_READ, MAP_SHARED, 0);
		igt_assert(p == MAP_FAILED && errno == EINVAL);
		p = map(fd, page, PROT_READ, MAP_SHARED, (off_t)pages * page);
		igt_assert(p == MAP_FAILED && errno == EINVAL);
		p = map(fd, 2 * page, PROT_READ, MAP_SHARED, (off_t)(pages - 1) * page);
		igt_assert(p == MAP_FAILED && errno == EINVAL);
	}

	igt_describe("A private mapping reads the framebuffer; its writes stay private.");
	igt_subtest("private") {
		uint8_t *ref = malloc(2 * page), *out = malloc(2 * page), *p;

		igt_assert(ref && out);
		fill(ref, 2 * page, 1);
		igt_assert_eq_s64(pwrite(fd, ref, 2 * page, 0), 2 * page);
		p = map(fd, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
		igt_assert(p != MAP_FAILED);
		igt_assert(!memcmp(p, ref, 2 * page));
		memset(p, 0xee, 2 * page);
		igt_assert_eq_s64(pread(fd, out, 2 * page, 0), 2 * page);
		igt_assert(!memcmp(out, ref, 2 * page));
		igt_assert_eq(p[page + 5], 0xee);
		munmap(p, 2 * page);
		free(ref);
		free(out);
	}

	igt_subtest_group {
		igt_fixture
			igt_require_f(find_counters(), "no fbdev_shadow counters in debugfs\n");

		igt_describe("Writes through a shared mapping are tracked after every flush.");
		igt_subtest("tracked") {
			uint8_t *p = map(fd, fb_size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);

			igt_assert(p != MAP_FAILED);
			expect_tracked(p);
			expect_tracked(p + fb_size - 1);
			munmap(p, fb_size);
		}

		igt_describe("A read-only mapping made first does not stop tracking of a writable one.");
		igt_subtest("read-only-first") {
			int ro = open(fb_path, O_RDONLY);
			uint8_t *r, *w;

			igt_assert(ro >= 0);
			r = map(ro, fb_size, PROT_READ, MAP_SHARED, 0);
			igt_assert(r != MAP_FAILED);
			w = map(fd, fb_size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
			igt_assert(w != MAP_FAILED);
			igt_assert_eq(r[3 * page], r[3 * page]);
			expect_tracked(w + 3 * page);
			igt_assert_eq(r[3 * page], w[3 * page]);
			munmap(w, fb_size);
			munmap(r, fb_size);
			close(ro);
		}

		igt_describe("A private mapping made first does not stop tracking of a shared one.");
		igt_subtest("private-first") {
			uint8_t *priv = map(fd, fb_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
			uint8_t *w = map(fd, fb_size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);

			igt_assert(priv != MAP_FAILED && w != MAP_FAILED);
			priv[0] = 1;
			expect_tracked(w + 7 * page);
			munmap(w, fb_size);
			munmap(priv, fb_size);
		}

		igt_describe("Mappings from two opens and a second device node are all tracked.");
		igt_subtest("two-opens-two-nodes") {
			struct stat st;
			const char *alias = "/tmp/igt-fbdev-alias";
			int fd2 = open(fb_path, O_RDWR), fd3;
			uint8_t *a, *b, *c;

			igt_assert(fd2 >= 0);
			igt_assert_eq(fstat(fd, &st), 0);
			unlink(alias);
			igt_require_f(mknod(alias, S_IFCHR | 0600, st.st_rdev) == 0,
				      "cannot create a second device node\n");
			fd3 = open(alias, O_RDWR);
			igt_assert(fd3 >= 0);
			a = map(fd, fb_size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
			b = map(fd2, fb_size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
			c = map(fd3, fb_size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
			igt_assert(a != MAP_FAILED && b != MAP_FAILED && c != MAP_FAILED);
			/* Each page written through one mapping, then another. */
			expect_tracked(a + 10 * page);
			expect_tracked(b + 10 * page);
			expect_tracked(c + 10 * page);
			expect_tracked(a + 10 * page);
			igt_assert_eq(a[10 * page], c[10 * page]);
			munmap(a, fb_size);
			munmap(b, fb_size);
			munmap(c, fb_size);
			close(fd2);
			close(fd3);
			unlink(alias);
		}

		igt_describe("A forked child's writes are tracked and seen by the parent.");
		igt_subtest("fork") {
			uint8_t *p = map(fd, fb_size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
			uint64_t wf;
			int status;
			pid_t pid;

			igt_assert(p != MAP_FAILED);
			expect_tracked(p + 20 * page);
			wf = counter("write_faults");
			pid = fork();
			igt_assert(pid >= 0);
			if (pid == 0) {
				p[20 * page] = 0x5a;
				_exit(0);
			}
			igt_assert_eq(waitpid(pid, &status, 0), pid);
			igt_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
			igt_assert_eq(p[20 * page], 0x5a);
			igt_assert(counter("write_faults") > wf);
			munmap(p, fb_size);
		}

		igt_describe("After a partial munmap the rest stays mapped and tracked.");
		igt_subtest("partial-munmap") {
			uint8_t *p = map(fd, 8 * page, PROT_READ | PROT_WRITE, MAP_SHARED, 0);

			igt_assert(p != MAP_FAILED);
			igt_assert_eq(munmap(p + 2 * page, 3 * page), 0);
			expect_tracked(p + page);
			expect_tracked(p + 6 * page);
			igt_assert_eq(child_signal(poke, p + 3 * page), SIGSEGV);
			munmap(p, 2 * page);
			munmap(p + 5 * page, 3 * page);
		}

		igt_describe("A flush between recording a write and the PTE becoming writable loses nothing.");
		igt_subtest("mkwrite-race") {
			uint8_t *p = map(fd, fb_size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
			char knob[sizeof(counters) + 32], *slash;
			pthread_t writer;
			uint64_t wf, fl;
			FILE *f;

			snprintf(knob, sizeof(knob), "%s", counters);
			slash = strrchr(knob, '/');
			igt_assert(slash);
			strcpy(slash + 1, "fbdev_shadow_mkwrite_delay_us");
			igt_require_f(access(knob, W_OK) == 0, "no %s\n", knob);
			igt_assert(p != MAP_FAILED);
			expect_tracked(p + 9 * page);
			/*
			 * Hold the writer in the write fault, after the page is
			 * recorded, for longer than the flush delay after idle:
			 * the flush runs inside that window every time.
			 */
			f = fopen(knob, "w");
			igt_assert(f);
			fprintf(f, "30000\n");
			fclose(f);
			wf = counter("write_faults");
			fl = counter("flushes");
			igt_assert_eq(pthread_create(&writer, NULL, race_write, p + 9 * page), 0);
			/*
			 * Once a flush has run, let the writer go: while held,
			 * it would meet a flush in every fault it retries.
			 */
			wait_flush(fl);
			f = fopen(knob, "w");
			igt_assert(f);
			fprintf(f, "0\n");
			fclose(f);
			igt_assert_eq(pthread_join(writer, NULL), 0);
			igt_assert(counter("write_faults") > wf);
			sleep_ms(200);
			/*
			 * The write landed after that flush. If it landed in a PTE
			 * the flush had not protected, no later write to the page
			 * would ever fault and its damage would never be reported.
			 */
			expect_tracked(p + 9 * page);
			munmap(p, fb_size);
		}

		igt_describe("Trace events report the write fault and the flush, matching the counters.");
		igt_subtest("trace-events") {
			uint8_t *p = map(fd, fb_size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
			uint64_t fl, px;
			char *text, *ev;
			unsigned long first, last, pages, pixels;
			unsigned int clips;

			igt_require_f(access(TRACEFS "/events/drm_fbdev_shadow/enable", W_OK) == 0,
				      "no drm_fbdev_shadow trace events\n");
			igt_assert(p != MAP_FAILED);
			/* Start from a quiet helper: nothing dirty, no flush due. */
			expect_tracked(p + 5 * page);
			igt_assert(tracefs_write("trace", "", O_TRUNC));
			igt_assert(tracefs_write("events/drm_fbdev_shadow/enable", "1", 0));
			fl = counter("flushes");
			px = counter("pixels");
			p[5 * page] ^= 0xff;
			wait_flush(fl);
			igt_assert(tracefs_write("events/drm_fbdev_shadow/enable", "0", 0));
			text = trace_text();
			igt_assert_f(strstr(text, "drm_fbdev_shadow_write_fault: minor=") &&
				     strstr(text, " page=5\n"),
				     "no write-fault event for page 5 in:\n%s", text);
			ev = strstr(text, "drm_fbdev_shadow_flush: ");
			igt_assert_f(ev, "no flush event in:\n%s", text);
			igt_assert_eq(sscanf(strchr(ev, ' ') + 1,
					     "minor=%*d first=%lu last=%lu pages=%lu clips=%u pixels=%lu",
					     &first, &last, &pages, &clips, &pixels), 5);
			igt_assert_eq_u64(first, 5);
			igt_assert_eq_u64(last, 5);
			igt_assert_eq_u64(pages, 1);
			igt_assert_eq(clips, 1);
			igt_assert_eq_u64(pixels, counter("pixels") - px);
			igt_assert_f(!strstr(ev + 1, "drm_fbdev_shadow_flush: "),
				     "two flushes for one write:\n%s", text);
			free(text);
			munmap(p, fb_size);
		}

		igt_describe("Rewriting the whole buffer at every frame switches to dirty-bit "
			     "scanning: no more write faults, every write still flushed; "
			     "idle switches back and stops the worker.");
		igt_subtest("adaptive-tracking") {
			uint8_t *p = map(fd, fb_size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
			uint64_t sw, wf, scans, found, fl, pages = counter("pages");
			int i;

			igt_assert(p != MAP_FAILED);
			igt_assert(counter_is("tracking", "write-protect"));
			sw = counter("switches");
			full_frames(p, 30);
			igt_assert_f(counter_is("tracking", "scan"),
				     "still write-protecting after 30 full frames\n");
			igt_assert_eq_u64(counter("switches"), sw + 1);
			wf = counter("write_faults");
			scans = counter("scans");
			full_frames(p, 30);
			igt_info("30 scanned frames: %llu write faults, %llu scans (%llu pages)\n",
				 (unsigned long long)(counter("write_faults") - wf),
				 (unsigned long long)(counter("scans") - scans),
				 (unsigned long long)pages);
			igt_assert_f(counter("write_faults") - wf < pages / 4,
				     "%llu write faults in scan mode\n",
				     (unsigned long long)(counter("write_faults") - wf));
			igt_assert(counter("scans") > scans);
			/*
			 * A single byte written in scan mode is found by the
			 * next scan. Full frames let flushes skip their walk:
			 * frames of an eighth of the buffer bring the walks
			 * back without ending scan mode, and the walk after
			 * them finds their last writes, the one after it the
			 * byte alone.
			 */
			scans = counter("scans");
			for (i = 0; i < 200 && counter("scans") < scans + 2; i++) {
				memset(p, i, fb_size / 8);
				sleep_ms(16);
			}
			scans = counter("scans");
			for (i = 0; i < 1000 && counter("scans") == scans; i++)
				sleep_ms(1);
			/* the walk that started has counted its pages */
			sleep_ms(10);
			igt_assert(counter_is("tracking", "scan"));
			found = counter("scan_pages");
			fl = counter("flushes");
			p[fb_size / 2] ^= 0xff;
			wait_flush(fl);
			igt_assert(counter("scan_pages") > found);
			/* Idle: back to write protection within a second, then quiet. */
			for (i = 0; i < 100 && !counter_is("tracking", "write-protect"); i++)
				sleep_ms(10);
			igt_assert_f(counter_is("tracking", "write-protect"),
				     "still scanning a second after the writes stopped\n");
			igt_assert_eq_u64(counter("switches"), sw + 2);
			sleep_ms(100);
			scans = counter("scans");
			fl = counter("flushes");
			sleep_ms(500);
			igt_assert_eq_u64(counter("scans"), scans);
			igt_assert_eq_u64(counter("flushes"), fl);
			/* and a write faults again */
			expect_tracked(p + 7 * page);
			munmap(p, fb_size);
		}

		igt_describe("In scan mode a write followed at once by munmap() is still "
			     "flushed: the unmap takes the dirty bit with the PTE.");
		igt_subtest("scan-munmap") {
			uint8_t *p = map(fd, fb_size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
			uint8_t *q;
			uint64_t fl, dp;
			int frame;

			igt_assert(p != MAP_FAILED);
			for (frame = 0; frame < 30 && !counter_is("tracking", "scan"); frame++)
				full_frames(p, 1);
			igt_assert(counter_is("tracking", "scan"));
			/* a second mapping, written once after a scan cleaned it */
			q = map(fd, 4 * page, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
			igt_assert(q != MAP_FAILED);
			/*
			 * Read before the write: once its flush has run, the
			 * flushes that follow find nothing and are not counted.
			 */
			fl = counter("flushes");
			q[page] ^= 0xff;
			wait_flush(fl);
			fl = counter("flushes");
			dp = counter("dirty_pages");
			q[page] ^= 0xff;
			munmap(q, 4 * page);
			wait_flush(fl);
			igt_assert_f(counter("dirty_pages") > dp,
				     "the write before munmap() was not flushed\n");
			munmap(p, fb_size);
		}

		igt_describe("A write within a page is reported as the pixels of the words "
			     "it changed, a write of what was there is not reported, and a "
			     "page written around a pan is reported whole.");
		igt_subtest("sub-page-damage") {
			uint8_t *p = map(fd, fb_size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
			volatile uint8_t *v = p + 10 * pitch + 100 * cpp;	/* (100, 10) */
			struct fb_var_screeninfo var;
			uint64_t px, dp, fl;

			igt_assert(p != MAP_FAILED);
			igt_require_f(cpp, "less than a byte a pixel\n");
			/* The page's first flush reports it whole and copies it. */
			settle();
			fl = counter("flushes");
			*v ^= 0xff;
			wait_flush(fl);

			settle();
			px = counter("pixels");
			dp = counter("diff_pages");
			fl = counter("flushes");
			*v ^= 0x0f;
			wait_flush(fl);
			igt_info("one byte changed at %u bpp: %llu pixels reported\n", 8 * cpp,
				 (unsigned long long)(counter("pixels") - px));
			igt_assert(counter("diff_pages") > dp);
			/* the pixels a word overlaps, partial ones at both ends included */
			igt_assert_f(counter("pixels") > px &&
				     counter("pixels") - px <= (sizeof(long) - 1) / cpp + 2,
				     "%llu pixels for one changed byte\n",
				     (unsigned long long)(counter("pixels") - px));

			settle();
			px = counter("pixels");
			fl = counter("flushes");
			*v = *v;
			wait_flush(fl);
			igt_assert_eq_u64(counter("pixels"), px);

			/*
			 * Right after a flush (the next is a refresh period or
			 * more away): write, pan, which shows the whole buffer,
			 * and write back what the page's copy holds.
			 */
			settle();
			fl = counter("flushes");
			p[0] ^= 0xff;
			await_flush_since(fl);
			sleep_ms(2);	/* the flush counts its pixels after itself */
			px = counter("pixels");
			fl = counter("flushes");
			*v ^= 0xff;
			igt_assert_eq(ioctl(fd, FBIOGET_VSCREENINFO, &var), 0);
			igt_assert_eq(ioctl(fd, FBIOPAN_DISPLAY, &var), 0);
			*v ^= 0xff;
			wait_flush(fl);
			igt_info("written around a pan: %llu pixels reported\n",
				 (unsigned long long)(counter("pixels") - px));
			igt_assert_f(counter("pixels") - px >= xres,
				     "a page written around a pan was not reported whole\n");
			munmap(p, fb_size);
		}

		igt_describe("mprotect() is honoured and tracking resumes after it.");
		igt_subtest("mprotect") {
			uint8_t *p = map(fd, 4 * page, PROT_READ | PROT_WRITE, MAP_SHARED, 0);

			igt_assert(p != MAP_FAILED);
			expect_tracked(p);
			igt_assert_eq(mprotect(p, 4 * page, PROT_READ), 0);
			igt_assert_eq(child_signal(poke, p), SIGSEGV);
			igt_assert_eq(mprotect(p, 4 * page, PROT_READ | PROT_WRITE), 0);
			expect_tracked(p + page);
			munmap(p, 4 * page);
		}
	}

	igt_describe("A mapping cannot grow with mremap; a shared one can shrink.");
	igt_subtest("mremap") {
		uint8_t *p = map(fd, 4 * page, PROT_READ | PROT_WRITE, MAP_SHARED, 0), *q;

		igt_assert(p != MAP_FAILED);
		q = mremap(p, 4 * page, 8 * page, MREMAP_MAYMOVE);
		igt_assert(q == MAP_FAILED);
		q = mremap(p, 4 * page, 2 * page, 0);
		igt_assert(q == p);
		poke(p + page);
		munmap(p, 2 * page);

		/* A private mapping cannot grow either. */
		p = map(fd, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
		igt_assert(p != MAP_FAILED);
		q = mremap(p, 4 * page, 8 * page, MREMAP_MAYMOVE);
		igt_assert(q == MAP_FAILED);
		munmap(p, 4 * page);
	}

	igt_describe("get_user_pages on the mapping fails; copies from it work.");
	igt_subtest("gup") {
		uint8_t *p = map(fd, 4 * page, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
		uint8_t buf[64], out[64];
		struct iovec local = { buf, sizeof(buf) }, remote = { p, sizeof(buf) };
		int pipefd[2], tmp;

		igt_require_f(find_counters(), "only for page-table tracked mappings\n");
		igt_assert(p != MAP_FAILED);
		fill(p, 4 * page, 3);
		/* Pinning pages of a VM_PFNMAP mapping is refused. */
		igt_assert_eq_s64(process_vm_readv(getpid(), &local, 1, &remote, 1, 0), -1);
		igt_assert_eq(errno, EFAULT);
		igt_assert_eq(pipe(pipefd), 0);
		remote.iov_len = page;
		igt_assert_eq_s64(vmsplice(pipefd[1], &remote, 1, 0), -1);
		igt_assert_eq(errno, EFAULT);
		close(pipefd[0]);
		close(pipefd[1]);
		/* write(2) from the mapping copies through uaccess. */
		tmp = open("/tmp", O_TMPFILE | O_RDWR, 0600);
		igt_assert(tmp >= 0);
		igt_assert_eq_s64(write(tmp, p, sizeof(buf)), sizeof(buf));
		igt_assert_eq_s64(pread(tmp, out, sizeof(out), 0), sizeof(out));
		igt_assert(!memcmp(out, p, sizeof(out)));
		close(tmp);
		munmap(p, 4 * page);
	}

	igt_describe("An O_DIRECT read into the mapping fails with EFAULT; into memory it works.");
	igt_subtest("o-direct") {
		uint8_t *p = map(fd, 4 * page, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
		int blk = open("/dev/ram0", O_RDONLY | O_DIRECT);
		void *mem;

		igt_require_f(find_counters(), "only for page-table tracked mappings\n");
		igt_require_f(blk >= 0, "no /dev/ram0 for O_DIRECT\n");
		igt_assert(p != MAP_FAILED);
		igt_assert_eq(posix_memalign(&mem, page, page), 0);
		/* The same read into ordinary memory goes through. */
		igt_assert_eq_s64(pread(blk, mem, page, 0), page);
		/* Direct I/O would pin the pages: VM_PFNMAP has none to pin. */
		igt_assert_eq_s64(pread(blk, p, page, 0), -1);
		igt_assert_eq(errno, EFAULT);
		free(mem);
		close(blk);
		munmap(p, 4 * page);
	}

	igt_fixture {
		if (tty >= 0) {
			ioctl(tty, KDSETMODE, KD_TEXT);
			close(tty);
		}
		close(fd);
	}
}
