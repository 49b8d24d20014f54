// SPDX-License-Identifier: GPL-2.0
/*
 * fbbench: the benchmark workloads, run inside a guest against a shared
 * mapping of /dev/fb0.
 *
 *   fbbench anim SECONDS FPS      rewrite every visible pixel each frame
 *   fbbench rects SECONDS FPS     two 32x32 rectangles in opposite corners
 *   fbbench pages SECONDS FPS N   one pixel in each of N pages spread evenly
 *                                 over the buffer: the cost of a flush
 *                                 against the number of pages it finds
 *   fbbench idle SECONDS          one second of anim, then nothing
 *   fbbench latency SAMPLES GAPMS SIZE
 *                                 a SIZExSIZE write after GAPMS of idle
 *   fbbench memset SECONDS        memset of the whole mapping vs anonymous
 *   fbbench control SECONDS FPS   anim into anonymous memory of the same
 *                                 size: the kernel time the writer costs
 *                                 (sleeps, interrupts) with no fbdev at all
 *   fbbench program NAME FRAMES -- COMMAND [ARG]...
 *                                 a real program drawing FRAMES frames; its
 *                                 faults and CPU are the child's, as
 *                                 getrusage(RUSAGE_CHILDREN) counts them
 *
 * Prints one JSON object.  The kernel's side (damage reported to the
 * driver, worker runs) is read by the host from the trace buffer; the
 * workload marks its measuring window with "lab-begin"/"lab-end" in
 * trace_marker.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"

struct sample {
	double t;
	long minflt;
	double utime, stime;
	double kthreads;		/* on-CPU seconds of all kernel threads */
	unsigned long long cpu[8];	/* /proc/stat: user nice system idle iowait irq softirq steal */
};

/*
 * Exact on-CPU time (schedstat, ns) summed over kernel threads: kthreadd
 * and its children, which include every flush and damage worker.  Threads
 * that exit during the run lose their share; kworkers rarely do.
 */
static double kthread_seconds(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	double sum = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char path[64], buf[512], *p;
		unsigned long long ns;
		int pid = atoi(e->d_name), ppid = -1;
		FILE *f;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		f = fopen(path, "r");
		if (!f)
			continue;
		p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
		fclose(f);
		if (!p || sscanf(p + 2, "%*c %d", &ppid) != 1 || (pid != 2 && ppid != 2))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/schedstat", pid);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%llu", &ns) == 1)
			sum += ns / 1e9;
		fclose(f);
	}
	closedir(d);
	return sum;
}

static int marker_fd = -1;

static void mark(const char *what)
{
	if (marker_fd < 0)
		marker_fd = open("/sys/kernel/tracing/trace_marker", O_WRONLY);
	if (marker_fd >= 0 && write(marker_fd, what, strlen(what)) < 0)
		perror("trace_marker");
}

/* Whose faults and CPU time a sample counts: ours, or our children's. */
static int rusage_who = RUSAGE_SELF;

static double tv(struct timeval t)
{
	return t.tv_sec + t.tv_usec / 1e6;
}

static void take(struct sample *s)
{
	struct rusage ru;
	FILE *f = fopen("/proc/stat", "r");

	memset(s->cpu, 0, sizeof(s->cpu));
	if (f) {
		if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &s->cpu[0],
			   &s->cpu[1], &s->cpu[2], &s->cpu[3], &s->cpu[4], &s->cpu[5],
			   &s->cpu[6], &s->cpu[7]) != 8)
			memset(s->cpu, 0, sizeof(s->cpu));
		fclose(f);
	}
	s->kthreads = kthread_seconds();
	getrusage(rusage_who, &ru);
	s->minflt = ru.ru_minflt;
	s->utime = tv(ru.ru_utime);
	s->stime = tv(ru.ru_stime);
	s->t = lab_now();
}

/* The common part of every result: what happened between two samples. */
static void report(const char *name, const struct sample *a, const struct sample *b,
		   const struct lab_fb *fb, long frames, const char *extra)
{
	double hz = sysconf(_SC_CLK_TCK);
	unsigned long long d[8];

	for (int i = 0; i < 8; i++)
		d[i] = b->cpu[i] - a->cpu[i];
	printf("{\"workload\": \"%s\", \"xres\": %u, \"yres\": %u, \"bpp\": %u, "
	       "\"line_length\": %u, \"t_begin\": %.6f, \"t_end\": %.6f, "
	       "\"seconds\": %.6f, \"frames\": %ld, \"minflt\": %ld, "
	       "\"task_user_s\": %.6f, \"task_sys_s\": %.6f, \"kthreads_s\": %.6f, "
	       "\"sys_user_s\": %.4f, \"sys_kernel_s\": %.4f, \"sys_busy_s\": %.4f%s%s}\n",
	       name, fb->var.xres, fb->var.yres, fb->var.bits_per_pixel,
	       fb->fix.line_length, a->t, b->t, b->t - a->t, frames,
	       b->minflt - a->minflt, b->utime - a->utime, b->stime - a->stime,
	       b->kthreads - a->kthreads,
	       (d[0] + d[1]) / hz, (d[2] + d[5] + d[6]) / hz,
	       (d[0] + d[1] + d[2] + d[5] + d[6] + d[7]) / hz,
	       extra ? ", " : "", extra ? extra : "");
}

static void sleep_until(double t)
{
	struct timespec ts = { (time_t)t, (long)((t - (time_t)t) * 1e9) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL))
		;
}

static void fill_screen(struct lab_fb *fb, uint32_t px)
{
	lab_fb_fill(fb, 0, 0, fb->var.xres, fb->var.yres, px);
}

/* Pages written by each frame of the "pages" workload. */
static long spread_pages;

static void frame(struct lab_fb *fb, int rects, long n)
{
	uint32_t px = lab_fb_pixel(fb, ((n * 0x10307) & 0xffffff) | 0x404040);

	if (spread_pages) {
		size_t pages = fb->size / 4096;

		for (long i = 0; i < spread_pages; i++) {
			size_t off = (size_t)i * pages / spread_pages * 4096;

			memcpy(fb->map + off, &px, fb->bpp);
		}
	} else if (rects) {
		lab_fb_fill(fb, 0, 0, 32, 32, px);
		lab_fb_fill(fb, fb->var.xres - 32, fb->var.yres - 32, 32, 32, px);
	} else {
		fill_screen(fb, px);
	}
}

static void animate(struct lab_fb *fb, const char *name, int rects, double secs,
		    double fps)
{
	struct sample a, b;
	double next, period = 1.0 / fps;
	long n = 0, late = 0;
	char extra[128];

	fill_screen(fb, 0);
	sleep_until(lab_now() + 0.5);
	mark("lab-begin");
	take(&a);
	next = a.t;
	while (lab_now() < a.t + secs) {
		frame(fb, rects, n++);
		next += period;
		if (lab_now() > next)
			late++;
		else
			sleep_until(next);
	}
	take(&b);
	mark("lab-end");
	snprintf(extra, sizeof(extra), "\"fps_target\": %.1f, \"late_frames\": %ld",
		 fps, late);
	report(name, &a, &b, fb, n, extra);
}

/* anim's writer and frames, into private memory the kernel never tracks. */
static void control(struct lab_fb *fb, double secs, double fps)
{
	struct lab_fb anon = *fb;

	anon.map = mmap(NULL, fb->size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (anon.map == MAP_FAILED) {
		perror("mmap anonymous");
		exit(1);
	}
	animate(&anon, "control", 0, secs, fps);
	munmap(anon.map, fb->size);
}

static void idle(struct lab_fb *fb, double secs)
{
	struct sample a, b;
	double end = lab_now() + 1.0;
	long n = 0;

	while (lab_now() < end) {
		frame(fb, 0, n++);
		sleep_until(lab_now() + 1.0 / 60);
	}
	mark("lab-begin");
	take(&a);
	sleep_until(a.t + secs);
	take(&b);
	mark("lab-end");
	report("idle", &a, &b, fb, 0, NULL);
}

static void latency(struct lab_fb *fb, const char *name, int samples, int gap_ms,
		    unsigned int size)
{
	struct sample a, b;
	double *t = calloc(samples, sizeof(*t));
	unsigned int *xy = calloc(2 * samples, sizeof(*xy));
	char *extra = malloc(48 * samples + 64), *p;
	uint32_t white = lab_fb_pixel(fb, 0xffffff), black = lab_fb_pixel(fb, 0);
	uint32_t red = lab_fb_pixel(fb, 0xff0000);

	fill_screen(fb, black);
	sleep_until(lab_now() + 0.5);
	mark("lab-begin");
	take(&a);
	for (int i = 0; i < samples; i++) {
		/* A different place each time, away from the previous one. */
		unsigned int x = (i * 97) % (fb->var.xres - size);
		unsigned int y = (i * 389) % (fb->var.yres - size);

		sleep_until(lab_now() + gap_ms / 1000.0);
		t[i] = lab_now();
		/*
		 * On black, and never black: a write that changes no pixel
		 * need not reach the driver, and a helper that compares with
		 * what the display has does not report it.
		 */
		lab_fb_fill(fb, x, y, size, size, (i & 1) ? red : white);
		xy[2 * i] = x;
		xy[2 * i + 1] = y;
	}
	sleep_until(lab_now() + 0.3);
	take(&b);
	mark("lab-end");
	p = extra + sprintf(extra, "\"gap_ms\": %d, \"size\": %u, \"writes\": [",
			    gap_ms, size);
	for (int i = 0; i < samples; i++)
		p += sprintf(p, "%s[%.6f, %u, %u]", i ? ", " : "", t[i], xy[2 * i],
			     xy[2 * i + 1]);
	strcpy(p, "]");
	report(name, &a, &b, fb, samples, extra);
	free(t);
	free(xy);
	free(extra);
}

static double memset_rate(uint8_t *buf, size_t len, double secs, long *rounds)
{
	double t0 = lab_now(), t;
	long n = 0;

	do {
		memset(buf, (int)(n & 0xff), len);
		n++;
		t = lab_now();
	} while (t < t0 + secs);
	*rounds += n;
	return (double)len * n / (t - t0);
}

static void memset_bench(struct lab_fb *fb, double secs)
{
	struct sample a, b;
	size_t len = fb->size;
	uint8_t *anon = mmap(NULL, len, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	double fb_bytes = 0, anon_bytes = 0, slice = secs / 10;
	long fb_rounds = 0, anon_rounds = 0;
	char extra[256];

	if (anon == MAP_FAILED) {
		perror("mmap anonymous");
		exit(1);
	}
	memset(anon, 1, len);
	mark("lab-begin");
	take(&a);
	/* Interleaved slices, so both see the same machine. */
	for (int i = 0; i < 5; i++) {
		anon_bytes += memset_rate(anon, len, slice, &anon_rounds) * slice;
		fb_bytes += memset_rate(fb->map, len, slice, &fb_rounds) * slice;
	}
	take(&b);
	mark("lab-end");
	snprintf(extra, sizeof(extra),
		 "\"bytes\": %zu, \"fb_MBps\": %.1f, \"anon_MBps\": %.1f, "
		 "\"fb_rounds\": %ld, \"anon_rounds\": %ld",
		 len, fb_bytes / (5 * slice) / 1e6, anon_bytes / (5 * slice) / 1e6,
		 fb_rounds, anon_rounds);
	report("memset", &a, &b, fb, fb_rounds, extra);
	munmap(anon, len);
}

/*
 * A real program as the writer: it runs with the VT in graphics mode like
 * the other workloads, and the sample counts what it and its children did.
 */
static int program(struct lab_fb *fb, const char *name, long frames, char **cmd)
{
	struct sample a, b;
	int status;
	pid_t pid;

	rusage_who = RUSAGE_CHILDREN;
	fill_screen(fb, 0);
	sleep_until(lab_now() + 0.5);
	fflush(stdout);
	mark("lab-begin");
	take(&a);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (!pid) {
		/* the program's output must not mix with our JSON */
		dup2(STDERR_FILENO, STDOUT_FILENO);
		execvp(cmd[0], cmd);
		perror(cmd[0]);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			perror("waitpid");
			return 1;
		}
	take(&b);
	mark("lab-end");
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "fbbench: %s: %s %d\n", cmd[0],
			WIFEXITED(status) ? "exit status" : "killed by signal",
			WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		return 1;
	}
	report(name, &a, &b, fb, frames, NULL);
	return 0;
}

int main(int argc, char **argv)
{
	struct lab_fb fb;
	const char *w = argc > 1 ? argv[1] : "";
	double a1 = argc > 2 ? atof(argv[2]) : 0, a2 = argc > 3 ? atof(argv[3]) : 0;

	if (argc < 3) {
		fprintf(stderr, "usage: fbbench anim|rects SECONDS FPS | pages SECONDS FPS N | "
				"idle SECONDS | "
				"latency SAMPLES GAPMS SIZE | memset SECONDS | "
				"control SECONDS FPS | "
				"program NAME FRAMES -- COMMAND [ARG]...\n");
		return 2;
	}
	if (!strcmp(w, "program") && (argc < 6 || strcmp(argv[4], "--"))) {
		fprintf(stderr, "usage: fbbench program NAME FRAMES -- COMMAND [ARG]...\n");
		return 2;
	}
	lab_fb_open(&fb, NULL);
	lab_vt_graphics(1);
	if (!strcmp(w, "program")) {
		int ret = program(&fb, argv[2], atol(argv[3]), argv + 5);

		lab_vt_graphics(0);
		lab_fb_close(&fb);
		return ret;
	}
	if (!strcmp(w, "anim") || !strcmp(w, "rects"))
		animate(&fb, w, w[0] == 'r', a1, a2 > 0 ? a2 : 60);
	else if (!strcmp(w, "pages") && argc > 4 && atol(argv[4]) > 0 &&
		 (size_t)atol(argv[4]) <= fb.size / 4096) {
		spread_pages = atol(argv[4]);
		animate(&fb, w, 0, a1, a2 > 0 ? a2 : 60);
	}
	else if (!strcmp(w, "idle"))
		idle(&fb, a1);
	else if (!strcmp(w, "latency"))
		latency(&fb, argc > 4 && atoi(argv[4]) == 1 ? "latency1px" : "latency",
			(int)a1, a2 > 0 ? (int)a2 : 100, argc > 4 ? atoi(argv[4]) : 2);
	else if (!strcmp(w, "memset"))
		memset_bench(&fb, a1);
	else if (!strcmp(w, "control"))
		control(&fb, a1, a2 > 0 ? a2 : 60);
	else
		return 2;
	lab_vt_graphics(0);
	lab_fb_close(&fb);
	return 0;
}
