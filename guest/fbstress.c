// SPDX-License-Identifier: GPL-2.0
/*
 * fbstress: several processes write through their own shared mappings of
 * /dev/fb0 for a while.  Then the host must see exactly what the
 * framebuffer holds (a raw dump of it, "stress-live"): a write the kernel
 * never reported (a lost pfn_mkwrite race) leaves a stale line on the
 * screen.  Last one final pattern is drawn and must appear exactly.
 *
 *   fbstress PROCESSES SECONDS [DELAY_US]
 *
 * DELAY_US, where the helper offers it, is written to the helper's
 * fbdev_shadow_mkwrite_delay_us in debugfs for the run: it widens the
 * window in which a flush meets a write fault half done.
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab.h"

static void writer(unsigned int seed, double secs)
{
	struct lab_fb fb;
	double end;
	unsigned long n = 0;

	lab_fb_open(&fb, NULL);
	end = lab_now() + secs;
	srandom(seed);
	while (lab_now() < end) {
		/* Small writes all over: most land on a write-protected page. */
		unsigned int x = random() % (fb.var.xres - 4);
		unsigned int y = random() % (fb.var.yres - 4);

		lab_fb_fill(&fb, x, y, 4, 1, lab_fb_pixel(&fb, random() & 0xffffff));
		if (!(++n % 64))
			usleep(200);
	}
	printf("fbstress: writer %u: %lu writes\n", seed, n);
	fflush(stdout);
	lab_fb_close(&fb);
	_exit(0);
}

static void set_delay(unsigned int us)
{
	glob_t g;

	if (glob("/sys/kernel/debug/dri/*/fbdev_shadow_mkwrite_delay_us", 0, NULL, &g))
		return;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		FILE *f = fopen(g.gl_pathv[i], "w");

		if (f) {
			fprintf(f, "%u\n", us);
			fclose(f);
		}
	}
	globfree(&g);
}

int main(int argc, char **argv)
{
	unsigned int procs = argc > 1 ? atoi(argv[1]) : 4;
	double secs = argc > 2 ? atof(argv[2]) : 10;
	char reply[1024];
	struct lab_fb fb;
	FILE *spec;
	int ret, failed;
	void *copy;

	unsigned int delay = argc > 3 ? atoi(argv[3]) : 0;

	lab_vt_graphics(1);
	set_delay(delay);
	for (unsigned int i = 0; i < procs; i++)
		if (fork() == 0)
			writer(i + 1, secs);
	while (wait(NULL) > 0)
		;
	set_delay(0);

	lab_fb_open(&fb, NULL);
	/* The screen must converge to the framebuffer's own contents. */
	/*
	 * Through a copy: 9p pins the user buffer of a write (zero-copy), and
	 * pages of a VM_PFNMAP mapping cannot be pinned.
	 */
	copy = malloc(fb.size);
	if (!copy) {
		perror("fbstress");
		return 2;
	}
	memcpy(copy, fb.map, fb.size);
	spec = lab_run_file("stress-live.raw");
	if (fwrite(copy, fb.fix.line_length, fb.var.yres, spec) != fb.var.yres) {
		perror("stress-live.raw");
		return 2;
	}
	fclose(spec);
	free(copy);
	spec = lab_spec_open("stress-live", fb.var.xres, fb.var.yres);
	fprintf(spec, "raw stress-live.raw %u %u %u %u %u\n", fb.var.bits_per_pixel,
		fb.fix.line_length, fb.var.red.offset, fb.var.green.offset, fb.var.blue.offset);
	fclose(spec);
	ret = lab_host("EXPECT stress-live 8000", reply, sizeof(reply));
	printf("e2e stress-live-%up-%gs: %s (%s)\n", procs, secs, ret ? "FAIL" : "PASS", reply);
	failed = ret != 0;

	/* The final pattern: every page written once more. */
	spec = lab_spec_open("stress", fb.var.xres, fb.var.yres);
	/* 213042 survives RGB565 unchanged, so 16 bpp screens match exactly */
	fprintf(spec, "fill 0 0 %u %u 213042\nfill 100 100 200 100 ffffff\n",
		fb.var.xres, fb.var.yres);
	fclose(spec);
	lab_fb_fill(&fb, 0, 0, fb.var.xres, fb.var.yres, lab_fb_pixel(&fb, 0x213042));
	lab_fb_fill(&fb, 100, 100, 200, 100, lab_fb_pixel(&fb, 0xffffff));
	ret = lab_host("EXPECT stress 8000", reply, sizeof(reply));
	printf("e2e stress-%up-%gs: %s (%s)\n", procs, secs, ret ? "FAIL" : "PASS", reply);
	lab_vt_graphics(0);
	lab_fb_close(&fb);
	return failed || ret != 0;
}
