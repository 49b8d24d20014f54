// SPDX-License-Identifier: GPL-2.0
/*
 * fbrace: races between writers on every CPU and the helper's flushes,
 * ended by an exact check of the screen.
 *
 *   fbrace [--seconds S] MODE...
 *
 * One writer thread is pinned to each online CPU, so whichever CPU the
 * flush worker runs on, writers keep storing on the others while it
 * collects the dirty pages, re-arms write protection (and waits for every
 * CPU's TLB to drop the writable entries) and compares pages with what
 * the display got. Each writer owns one pixel in each of 64 rows spread
 * over the screen, so all writers share the same pages, and stores an
 * increasing sequence number into its pixels, one colour per number, each
 * colour different from the one before. When the writers stop, the last
 * number of every pixel must be on the screen: a store the helper did not
 * see leaves the colour of the number before it.
 *
 * Modes:
 *   wp      write-protect mode: the pixels' pages are about a tenth of the
 *           buffer, between the thresholds of the tracking modes, so it
 *           stays as it starts
 *   scan    the same after full frames have switched the helper to scan
 *           mode, where it stays
 *   switch  wp, while another thread writes a pixel of every page (none of
 *           the writers' pixels) in bursts of frames and pauses, so the
 *           helper switches modes again and again under the writers. The
 *           writers keep to every few of the 64 rows, so that their pages
 *           are at most 1/32 of the buffer, below the 1/16 under which
 *           scan mode ends in a pause. The race goes on for up to four
 *           times its time until four mode switches; fewer fail the test
 *   full    scan, while another thread writes a pixel of every page (none of
 *           the writers' pixels) at every frame, so that every page is
 *           written between any two flushes and most flushes report the
 *           whole buffer without reading the page tables (debugfs
 *           scan_skips, which must grow); the writers' stores meanwhile
 *           are left in the dirty bits for the next walk to find
 *   delay   wp with fbdev_shadow_mkwrite_delay_us at 200: each write fault
 *           sleeps after recording its page, with the PTE writable
 *   held    each writer owns one page and stores one number into it in
 *           turn with the others, after the helper has gone idle, with
 *           fbdev_shadow_mkwrite_delay_us at 20000: the flush its write
 *           fault asks for runs on another CPU while the fault is still
 *           held, after the page was recorded. With only that page dirty,
 *           a PTE made writable outside the helper's lock would take the
 *           store after the flush had re-armed and collected the page,
 *           and nothing would ever report it
 *   write   wp, while a thread pinned to another CPU than the writers'
 *           rewrites a band of rows with write(): the fbdev damage worker
 *           presents what write() changed while the flush worker presents
 *           what the writers changed, on the same framebuffer
 *   churn   wp, while a thread pinned to another CPU than the writers'
 *           splits and merges their mapping with mprotect() on pages they
 *           do not write, adds and drops PROT_EXEC on the whole mapping
 *           (which makes the mm upgrade read-only but dirty PTEs to
 *           writable), moves a second mapping with mremap(), writes it
 *           and unmaps it, and forks children that map, write and exit
 *
 * In write-protect mode each flush compares the recorded pages with what
 * the display got while the writers keep faulting and storing into them,
 * so wp, switch, delay, churn and write also race the sub-page comparison
 * against stores into the page being compared ("pages compared" below).
 *
 * Prints "e2e race-MODE: PASS|FAIL (...)" with the stores, the flushes,
 * the pages compared and the mode switches seen, and the CPUs the flushes
 * ran on. A failure adds the pages still hot, the presents that failed
 * since boot (debugfs present_errors), when the flushes ran against the
 * writers' stop, and whether msync() then brings the screen right:
 * damage that was late rather than lost.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"

#define ROWS 64
#define MAX_WRITERS 16

/* Seven colours; number n takes colour n % 7, never the colour of n - 1. */
static const uint32_t colours[7] = {
	0xff0000, 0x00ff00, 0x0000ff, 0xffff00, 0x00ffff, 0xff00ff, 0xffffff,
};

struct race {
	struct lab_fb fb;
	unsigned int w, h;
	unsigned int rows[ROWS];
	unsigned int step;	/* the writers store into every step-th row */
	int ncpus, cpus[MAX_WRITERS];
	atomic_int stop;
	double seconds;
	const char *mode;
	/* the churn thread's own pixels */
	unsigned int churn_row;
	unsigned long churn_seq;
	int exec_ok;		/* mprotect(PROT_EXEC) works on the mapping */
	/*
	 * The last colour the switch or full thread gave its pixels: one in
	 * each page, none of them the writers'
	 */
	uint32_t side_rgb;
	unsigned int *page_x, *page_y, npages;
	/* held: whose turn it is to store */
	atomic_uint turn;
	/* write: the band that write() rewrites, and the last number written */
	unsigned int band_row;
	unsigned long band_seq;
};

#define BAND_ROWS 4

struct writer {
	struct race *r;
	int index, cpu;
	unsigned long seq;	/* the last number stored */
	pthread_t thread;
};

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		perror("fbrace: sched_setaffinity");
}

static unsigned int pixel_x(int writer, unsigned int row)
{
	return 32 + writer * 24 + row % 16;
}

static void put(struct lab_fb *fb, uint8_t *map, unsigned int x, unsigned int y, uint32_t rgb)
{
	uint32_t px = lab_fb_pixel(fb, rgb);
	volatile uint8_t *p = map + (size_t)y * fb->fix.line_length + (size_t)x * fb->bpp;

	for (unsigned int i = 0; i < fb->bpp; i++)
		p[i] = px >> (8 * i);
}

/* held: the row whose page writer @index owns, one page per writer */
static unsigned int held_row(const struct race *r, int index)
{
	return r->rows[index * (ROWS / r->ncpus)];
}

static void held_main(struct writer *wr)
{
	struct race *r = wr->r;

	while (!atomic_load(&r->stop)) {
		if (atomic_load(&r->turn) % r->ncpus != (unsigned int)wr->index) {
			lab_sleep_ms(1);
			continue;
		}
		put(&r->fb, r->fb.map, pixel_x(wr->index, held_row(r, wr->index)),
		    held_row(r, wr->index), colours[(wr->seq + 1) % 7]);
		wr->seq++;
		/* long enough for the helper to flush and go idle */
		lab_sleep_ms(150);
		atomic_fetch_add(&r->turn, 1);
	}
}

static void *writer_main(void *arg)
{
	struct writer *wr = arg;
	struct race *r = wr->r;

	pin(wr->cpu);
	if (!strcmp(r->mode, "held")) {
		held_main(wr);
		return NULL;
	}
	while (!atomic_load(&r->stop)) {
		unsigned long n = wr->seq + 1;

		for (int i = 0; i < ROWS; i += r->step)
			put(&r->fb, r->fb.map, pixel_x(wr->index, r->rows[i]), r->rows[i],
			    colours[n % 7]);
		wr->seq = n;
		/* Let the other CPU's worker and writers in now and then. */
		if (!(n % 64))
			sched_yield();
	}
	return NULL;
}

static int is_writer_row(const struct race *r, unsigned int y)
{
	for (int i = 0; i < ROWS; i += r->step)
		if (r->rows[i] == y)
			return 1;
	return 0;
}

/* switch and full: one frame, the pixels of full_pixels() in @rgb */
static void side_frame(struct race *r, uint32_t rgb)
{
	for (unsigned int i = 0; i < r->npages; i++)
		put(&r->fb, r->fb.map, r->page_x[i], r->page_y[i], rgb);
	r->side_rgb = rgb;
	lab_sleep_ms(16);
}

/*
 * Write the pixels of full_pixels() in bursts of frames, then pause long
 * enough for scan mode to end: up to four flushes that skip their walk,
 * the walk after them and four walks that find little. One pixel a page
 * keeps a frame short at every mode.
 */
static void *switch_main(void *arg)
{
	struct race *r = arg;
	unsigned int frame = 0;

	pin(0);
	while (!atomic_load(&r->stop)) {
		for (int f = 0; f < 12 && !atomic_load(&r->stop); f++)
			side_frame(r, colours[frame++ % 7]);
		lab_sleep_ms(700);
	}
	return NULL;
}

/* Whether (@x, @y) is a pixel some writer stores into. */
static int is_writer_pixel(const struct race *r, unsigned int x, unsigned int y)
{
	if (!is_writer_row(r, y))
		return 0;
	for (int i = 0; i < r->ncpus; i++)
		if (x == pixel_x(i, y))
			return 1;
	return 0;
}

/*
 * full and switch: the first pixel that starts in each page, unless the
 * writers store into it, whose stores keep that page written anyway.
 */
static void full_pixels(struct race *r)
{
	size_t pitch = r->fb.fix.line_length, page = sysconf(_SC_PAGESIZE);

	r->npages = 0;
	r->page_x = calloc(r->fb.size / page + 1, sizeof(*r->page_x));
	r->page_y = calloc(r->fb.size / page + 1, sizeof(*r->page_y));
	for (size_t off = 0; off < r->fb.size; off += page) {
		unsigned int y = off / pitch;
		unsigned int x = (off % pitch + r->fb.bpp - 1) / r->fb.bpp;

		if (x >= r->w) {
			x = 0;
			y++;
		}
		if (y >= r->h || (size_t)y * pitch + (size_t)x * r->fb.bpp >= off + page ||
		    is_writer_pixel(r, x, y))
			continue;
		r->page_x[r->npages] = x;
		r->page_y[r->npages++] = y;
	}
}

/* switch: the writers' rows, every @step-th of them, touch this many pages */
static size_t writer_pages(const struct race *r, unsigned int step)
{
	size_t page = sysconf(_SC_PAGESIZE), pitch = r->fb.fix.line_length;
	size_t n = 0, last = (size_t)-1;

	for (int i = 0; i < ROWS; i += step)
		for (int k = 0; k < r->ncpus; k++) {
			size_t off = (size_t)r->rows[i] * pitch +
				     (size_t)pixel_x(k, r->rows[i]) * r->fb.bpp;

			if (off / page != last)
				n++;
			last = off / page;
		}
	return n;
}

/* full: write the pixel of each page in the next colour, at every frame. */
static void *full_main(void *arg)
{
	struct race *r = arg;
	unsigned int frame = 0;

	pin(0);
	while (!atomic_load(&r->stop))
		side_frame(r, colours[frame++ % 7]);
	return NULL;
}

/*
 * Split and merge the writers' mapping, move, write and drop a second
 * one, and fork children that map, write and exit. Its pixels are in
 * churn_row, which no writer uses.
 */
static void *churn_main(void *arg)
{
	struct race *r = arg;
	size_t pitch = r->fb.fix.line_length, page = sysconf(_SC_PAGESIZE);
	size_t size = r->fb.size;
	/* a page of the writers' mapping that holds none of their rows */
	size_t quiet = ((size_t)r->churn_row * pitch / page) * page;

	pin(0);
	while (!atomic_load(&r->stop)) {
		unsigned long n = r->churn_seq + 1;
		uint8_t *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, r->fb.fd, 0);
		void *to;
		pid_t pid;

		if (mprotect(r->fb.map + quiet + page, page, PROT_READ) ||
		    mprotect(r->fb.map + quiet + page, page, PROT_READ | PROT_WRITE))
			perror("fbrace: mprotect");
		/*
		 * Changing the protection of the pages being written, with
		 * write access kept, makes the mm upgrade every read-only but
		 * dirty PTE to writable without a fault, while flushes re-arm.
		 */
		for (unsigned int i = 0; i < 16 && r->exec_ok; i++) {
			if (mprotect(r->fb.map, size, PROT_READ | PROT_WRITE | PROT_EXEC) ||
			    mprotect(r->fb.map, size, PROT_READ | PROT_WRITE)) {
				perror("fbrace: mprotect(PROT_EXEC)");
				r->exec_ok = 0;
			}
		}
		if (m == MAP_FAILED) {
			perror("fbrace: mmap");
			break;
		}
		to = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		m = mremap(m, size, size, MREMAP_MAYMOVE | MREMAP_FIXED, to);
		if (m == MAP_FAILED) {
			perror("fbrace: mremap");
			break;
		}
		for (unsigned int x = 0; x < 8; x++)
			put(&r->fb, m, x, r->churn_row, colours[n % 7]);
		munmap(m, size);
		/* A child writes the next number and exits at once. */
		pid = fork();
		if (pid == 0) {
			uint8_t *c = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
					  r->fb.fd, 0);

			if (c == MAP_FAILED)
				_exit(1);
			for (unsigned int x = 0; x < 8; x++)
				put(&r->fb, c, x, r->churn_row, colours[(n + 1) % 7]);
			_exit(0);
		}
		if (pid > 0)
			waitpid(pid, NULL, 0);
		r->churn_seq = n + 1;
	}
	return NULL;
}

/* Rewrite a band of rows with write(), one number after another. */
static void *band_main(void *arg)
{
	struct race *r = arg;
	size_t pitch = r->fb.fix.line_length, len = BAND_ROWS * pitch;
	uint8_t *buf = malloc(len);

	pin(0);
	while (buf && !atomic_load(&r->stop)) {
		unsigned long n = r->band_seq + 1;

		memset(buf, 0, len);
		for (unsigned int y = 0; y < BAND_ROWS; y++)
			lab_fb_pack_row(&r->fb, buf + y * pitch, r->w,
					lab_fb_pixel(&r->fb, colours[n % 7]));
		if (pwrite(r->fb.fd, buf, len, (off_t)r->band_row * pitch) != (ssize_t)len) {
			perror("fbrace: write");
			break;
		}
		r->band_seq = n;
	}
	free(buf);
	return NULL;
}

/*
 * The flush events in the trace buffer (on the monotonic clock): "cpus"
 * gets their count per CPU, as "cpu0:N cpu1:N", and "times" when they
 * ran against @stop, the time the writers stopped, for a failure's line.
 */
static void read_flushes(double stop, char *cpus, size_t cpus_len, char *times,
			 size_t times_len)
{
	unsigned long per[64] = { 0 }, before = 0, after = 0;
	double t, first = 0, last = 0;
	char line[512];
	size_t n = 0;
	FILE *f = fopen("/sys/kernel/tracing/trace", "r");

	cpus[0] = 0;
	times[0] = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *b = strstr(line, ": drm_fbdev_shadow_flush:");
		char *c = strchr(line, '[');
		int cpu;

		if (!b)
			continue;
		if (c && sscanf(c, "[%d]", &cpu) == 1 && cpu >= 0 && cpu < 64)
			per[cpu]++;
		while (b > line && b[-1] != ' ')
			b--;
		if (sscanf(b, "%lf", &t) != 1)
			continue;
		if (!first)
			first = t;
		last = t;
		if (t < stop)
			before++;
		else
			after++;
	}
	fclose(f);
	for (int i = 0; i < 64; i++)
		if (per[i])
			n += snprintf(cpus + n, cpus_len - n, "%scpu%d:%lu", n ? " " : "", i,
				      per[i]);
	snprintf(times, times_len, "%lu flushes from %+.3f s to the writers' stop, the last at "
		 "%+.3f s, %lu after it", before, first - stop, last - stop, after);
}

/* msync() in a child, which a blocked flush cannot keep for ever. */
static int sync_within(struct race *r, int seconds)
{
	pid_t pid = fork();
	int status;

	if (pid < 0) {
		perror("fbrace: fork");
		return -1;
	}
	if (!pid)
		_exit(msync(r->fb.map, r->fb.size, MS_SYNC) ? 1 : 0);
	for (int i = 0; i < seconds * 10; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
		lab_sleep_ms(100);
	}
	printf("fbrace: msync() still blocked after %d s\n", seconds);
	return -1;
}

static int tracefs(const char *file, const char *value)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/tracing/%s", file);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(value, f);
	return fclose(f);
}

static int set_delay(const char *value)
{
	return lab_debugfs_write("fbdev_shadow_mkwrite_delay_us", value);
}

static int run(struct race *r, const char *mode)
{
	struct writer wr[MAX_WRITERS];
	pthread_t side;
	int has_side = 0, ret, nrows;
	unsigned long long fl0, sw0, wf0, dp0, sk0, skipped;
	char name[64], req[128], reply[1024], after[1024], flushes[256], why[1400];
	char cpus[256], tracking[64] = "?";
	unsigned long long faults, flushed, compared, switched, hot, failed;
	double stopped;
	unsigned long stores = 0;
	uint32_t bg = 0x000000;
	FILE *spec;

	r->mode = mode;
	r->step = 1;
	if (!strcmp(mode, "switch"))
		while (r->step < ROWS &&
		       writer_pages(r, r->step) * 32 > r->fb.size / sysconf(_SC_PAGESIZE))
			r->step++;
	atomic_store(&r->stop, 0);
	r->churn_seq = 0;
	r->band_seq = 0;
	atomic_store(&r->turn, 0);
	lab_fb_fill(&r->fb, 0, 0, r->w, r->h, lab_fb_pixel(&r->fb, bg));
	lab_sleep_ms(300);
	if (!strcmp(mode, "scan") || !strcmp(mode, "full")) {
		for (int f = 0; f < 180; f++) {
			lab_fb_fill(&r->fb, 0, 0, r->w, r->h, lab_fb_pixel(&r->fb, bg));
			lab_sleep_ms(16);
			if (f >= 20 && !lab_counter_word("tracking", tracking) &&
			    !strcmp(tracking, "scan"))
				break;
		}
	} else if (strcmp(mode, "wp") && strcmp(mode, "switch") && strcmp(mode, "delay") &&
		   strcmp(mode, "held") && strcmp(mode, "churn") && strcmp(mode, "write")) {
		fprintf(stderr, "fbrace: unknown mode '%s'\n", mode);
		return 1;
	}
	if ((!strcmp(mode, "delay") && set_delay("200")) ||
	    (!strcmp(mode, "held") && set_delay("20000")))
		perror("fbrace: fbdev_shadow_mkwrite_delay_us");
	tracefs("trace", "");
	tracefs("trace_clock", "mono");
	tracefs("events/drm_fbdev_shadow/drm_fbdev_shadow_flush/enable", "1");
	fl0 = lab_counter("flushes");
	sw0 = lab_counter("switches");
	wf0 = lab_counter("write_faults");
	dp0 = lab_counter("diff_pages");
	sk0 = lab_counter("scan_skips");
	r->side_rgb = bg;
	for (int i = 0; i < r->ncpus; i++) {
		wr[i] = (struct writer){ .r = r, .index = i, .cpu = r->cpus[i] };
		pthread_create(&wr[i].thread, NULL, writer_main, &wr[i]);
	}
	if (!strcmp(mode, "switch"))
		has_side = !pthread_create(&side, NULL, switch_main, r);
	else if (!strcmp(mode, "full"))
		has_side = !pthread_create(&side, NULL, full_main, r);
	else if (!strcmp(mode, "churn"))
		has_side = !pthread_create(&side, NULL, churn_main, r);
	else if (!strcmp(mode, "write"))
		has_side = !pthread_create(&side, NULL, band_main, r);
	lab_sleep_ms((int)(r->seconds * 1000));
	/* where a frame takes long (3840x2160 in write-protect mode), go on */
	for (int i = 0; !strcmp(mode, "switch") && lab_counter("switches") - sw0 < 4 &&
	     i < r->seconds * 30; i++)
		lab_sleep_ms(100);
	atomic_store(&r->stop, 1);
	for (int i = 0; i < r->ncpus; i++) {
		pthread_join(wr[i].thread, NULL);
		stores += wr[i].seq;
	}
	stopped = lab_now();
	if (has_side)
		pthread_join(side, NULL);
	if (!strcmp(mode, "delay") || !strcmp(mode, "held"))
		set_delay("0");
	lab_counter_word("tracking", tracking);

	snprintf(name, sizeof(name), "race-%s", mode);
	snprintf(req, sizeof(req), "%s.spec", name);
	spec = lab_run_file(req);
	fprintf(spec, "size %u %u\n", r->w, r->h);
	if ((!strcmp(mode, "switch") || !strcmp(mode, "full")) && r->side_rgb != bg)
		for (unsigned int i = 0; i < r->npages; i++)
			fprintf(spec, "fill %u %u 1 1 %06x\n", r->page_x[i], r->page_y[i],
				r->side_rgb);
	for (int i = 0; i < r->ncpus; i++)
		for (int k = 0; k < ROWS; k += r->step)
			if (wr[i].seq && (strcmp(mode, "held") || r->rows[k] == held_row(r, i)))
				fprintf(spec, "fill %u %u 1 1 %06x\n",
					pixel_x(i, r->rows[k]), r->rows[k],
					colours[wr[i].seq % 7]);
	if (r->band_seq)
		fprintf(spec, "fill 0 %u %u %u %06x\n", r->band_row, r->w, BAND_ROWS,
			colours[r->band_seq % 7]);
	if (r->churn_seq)
		fprintf(spec, "fill 0 %u 8 1 %06x\n", r->churn_row, colours[r->churn_seq % 7]);
	fclose(spec);
	snprintf(req, sizeof(req), "EXPECT %s 8000", name);
	ret = lab_host(req, reply, sizeof(reply));
	if (ret < 0) {
		perror("fbrace: host channel");
		ret = 1;
	}
	tracefs("events/drm_fbdev_shadow/drm_fbdev_shadow_flush/enable", "0");
	read_flushes(stopped, cpus, sizeof(cpus), flushes, sizeof(flushes));
	/* before a failure's msync() flushes again */
	faults = lab_counter("write_faults") - wf0;
	flushed = lab_counter("flushes") - fl0;
	compared = lab_counter("diff_pages") - dp0;
	switched = lab_counter("switches") - sw0;
	hot = lab_counter("hot_pages");
	failed = lab_counter("present_errors");
	skipped = lab_counter("scan_skips") - sk0;
	why[0] = 0;
	/* the screen may be right with every walk made: full tests the skips */
	if (!ret && !strcmp(mode, "full") && !skipped) {
		snprintf(why, sizeof(why), "; no flush skipped its walk");
		ret = 1;
	}
	/* nor switch the mode switches */
	if (!ret && !strcmp(mode, "switch") && switched < 4) {
		snprintf(why, sizeof(why), "; fewer than 4 mode switches");
		ret = 1;
	}
	if (ret && !why[0]) {
		/*
		 * What the failure needs explained: the pages still hot, when
		 * the flushes ran, where a worker of the helper is blocked,
		 * what the drivers said; then whether msync(), which flushes
		 * what the helper still holds, brings the screen right (damage
		 * late) or not (damage lost). The figures go on the result
		 * line, which is all make check shows of a failure; the stacks
		 * and kernel messages go to the output.
		 */
		fflush(stdout);
		if (system("for s in /proc/[0-9]*/stack; do grep -q fbdev_shadow $s 2>/dev/null && "
			   "{ echo \"fbrace: blocked: $(cat ${s%/stack}/comm)\"; "
			   "sed 's/^/fbrace:   /' $s; }; done; "
			   "dmesg | grep -iE 'qxl|drm|fbdev|bochs|virtio|object_init' | tail -n 5 | "
			   "sed 's/^/fbrace: kernel: /'"))
			fprintf(stderr, "fbrace: the diagnostics' shell failed\n");
		snprintf(req, sizeof(req), "EXPECT %s 3000", name);
		if (sync_within(r, 20) || lab_host(req, after, sizeof(after)) < 0)
			snprintf(after, sizeof(after), "no answer");
		snprintf(why, sizeof(why), "; %llu hot pages, %llu failed presents; %s; "
			 "after msync(): %s", hot, failed, flushes, after);
	}
	tracefs("trace_clock", "local");
	/* held: each writer stores into one row */
	nrows = strcmp(mode, "held") ? (ROWS + (int)r->step - 1) / (int)r->step : 1;
	printf("e2e %s: %s (%d writers on CPUs %d..%d in %d rows, %lu rounds, %llu write faults, "
	       "%llu flushes [%s], %llu pages compared, %llu mode switches, %llu unwalked, "
	       "%lu churn rounds, %lu writes, ends in %s; %s%s)\n",
	       name, ret ? "FAIL" : "PASS", r->ncpus, r->cpus[0], r->cpus[r->ncpus - 1],
	       nrows, stores, faults, flushed, cpus, compared, switched, skipped, r->churn_seq,
	       r->band_seq, tracking, reply, why);
	fflush(stdout);
	/* Let scan mode end before the next mode starts. */
	for (int i = 0; i < 30; i++) {
		lab_sleep_ms(100);
		if (i >= 4 && !lab_counter_word("tracking", tracking) &&
		    strcmp(tracking, "scan"))
			break;
	}
	return ret != 0;
}

int main(int argc, char **argv)
{
	struct race r = { .seconds = 3 };
	int failed = 0, a = 1;
	cpu_set_t online;

	if (argc > 2 && !strcmp(argv[1], "--seconds")) {
		r.seconds = atof(argv[2]);
		a = 3;
	}
	if (a >= argc) {
		fprintf(stderr, "usage: fbrace [--seconds S] "
			"wp|scan|switch|full|delay|held|churn|write...\n");
		return 2;
	}
	if (!lab_counters_find()) {
		fprintf(stderr, "fbrace: no fbdev_shadow counters in debugfs\n");
		return 2;
	}
	if (sched_getaffinity(0, sizeof(online), &online))
		CPU_ZERO(&online);
	for (int c = 0; c < CPU_SETSIZE && r.ncpus < MAX_WRITERS; c++)
		if (CPU_ISSET(c, &online))
			r.cpus[r.ncpus++] = c;
	if (r.ncpus < 2) {
		fprintf(stderr, "fbrace: %d CPU online, the races need two\n", r.ncpus);
		for (int i = a; i < argc; i++)
			printf("e2e race-%s: FAIL (one CPU online)\n", argv[i]);
		return 1;
	}
	lab_fb_open(&r.fb, NULL);
	r.w = r.fb.var.xres;
	r.h = r.fb.var.yres;
	for (int i = 0; i < ROWS; i++)
		r.rows[i] = 3 + i * ((r.h - 8) / ROWS);
	r.churn_row = r.rows[ROWS / 2] + 2;
	r.band_row = r.rows[ROWS / 4] + 2;
	r.exec_ok = 1;
	r.step = 1;
	full_pixels(&r);
	lab_vt_graphics(1);
	for (; a < argc; a++)
		failed |= run(&r, argv[a]);
	lab_vt_graphics(0);
	lab_fb_close(&r.fb);
	free(r.page_x);
	free(r.page_y);
	return failed;
}
