// SPDX-License-Identifier: GPL-2.0
/*
 * fbpattern: draw known patterns through a shared mapping of /dev/fb0 and
 * have the host check them in a screendump.
 *
 *   fbpattern [--negative] [--via mmap|write|fork] PATTERN...
 *
 * For each pattern the screen is cleared, the pattern drawn, the drawing
 * written as PATTERN.spec into the run directory, and the host asked to
 * compare (EXPECT).  With --negative the last element is left out of the
 * drawing but not of the spec, and the check passes only if the host sees
 * the difference: proof that the comparison can fail.  --via write draws
 * with pwrite(2) instead of the mapping, --via fork has a forked child draw
 * through the parent's mapping.
 *
 * Pattern "pixel-after-idle" clears the screen, waits until the clearing
 * has been flushed, then writes one pixel: stock 6.12 never reports that
 * write when a page is exactly one scanline.
 *
 * Pattern "pan-aba" draws a mark, then, between two flushes, writes a
 * square, pans the display to where it is (a commit that shows the whole
 * buffer, square included) and writes the square back to black without a
 * new fault. A helper that compared the page with a copy taken before the
 * pan would find nothing changed and leave the square on the screen.
 *
 * Pattern "present-aba" does the same across the flush worker's own
 * present: with the helper's debugfs hook making the worker sleep before
 * and after it presents, it draws a mark, paints it over while the mark's
 * flush is about to present (the display reads the paint), and draws the
 * mark again once the display has read it, without a new fault. The
 * comparison then finds the mark unchanged: only the helper's knowledge
 * of what the display read gets the mark back on the screen. Without the
 * hook (the stock kernel) it runs the same steps unsynchronized.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab.h"

struct canvas {
	struct lab_fb fb;
	unsigned int w, h;
	unsigned int nops;
	int idle_first;		/* let the clear be flushed before drawing */
	int pan_aba;		/* then the square, the pan and the square undone */
	int present_aba;	/* the mark painted over while it is presented */
	struct op { unsigned int x, y, w, h; uint32_t rgb; } ops[16];
};

static const char *via = "mmap";

static void draw(struct canvas *c, unsigned int x, unsigned int y,
		 unsigned int w, unsigned int h, uint32_t rgb)
{
	c->ops[c->nops].x = x;
	c->ops[c->nops].y = y;
	c->ops[c->nops].w = w;
	c->ops[c->nops].h = h;
	c->ops[c->nops].rgb = rgb;
	c->nops++;
}

static void pattern(struct canvas *c, const char *name)
{
	unsigned int w = c->w, h = c->h;

	if (!strcmp(name, "corners")) {
		draw(c, 0, 0, 8, 8, 0xff0000);
		draw(c, w - 8, 0, 8, 8, 0x00ff00);
		draw(c, 0, h - 8, 8, 8, 0x0000ff);
		draw(c, w - 8, h - 8, 8, 8, 0xffff00);
		draw(c, 0, 0, 1, 1, 0xffffff);
		draw(c, w - 1, 0, 1, 1, 0xffffff);
		draw(c, 0, h - 1, 1, 1, 0xffffff);
		draw(c, w - 1, h - 1, 1, 1, 0xffffff);
	} else if (!strcmp(name, "last-pixel")) {
		draw(c, w - 1, h - 1, 1, 1, 0xffffff);
	} else if (!strcmp(name, "line")) {
		draw(c, 0, h / 3 + 1, w, 1, 0x00ffff);
		draw(c, 2 * w / 3 + 1, 0, 1, h, 0xff00ff);
	} else if (!strcmp(name, "rects")) {
		draw(c, 16, 16, 32, 32, 0xff0000);
		draw(c, w - 48, h - 48, 32, 32, 0x00ff00);
	} else if (!strcmp(name, "pixel-after-idle")) {
		c->idle_first = 1;
		draw(c, w / 2 + 3, h / 2 + 5, 1, 1, 0xffffff);
	} else if (!strcmp(name, "pan-aba")) {
		c->idle_first = 1;
		c->pan_aba = 1;
		draw(c, w / 4, h / 4, 4, 4, 0xffffff);
	} else if (!strcmp(name, "present-aba")) {
		c->idle_first = 1;
		c->present_aba = 1;
		draw(c, w / 3, h / 3, 16, 8, 0xffffff);
	}
}

/*
 * After the mark's flush (the next one comes at least a refresh period
 * later), the square, the pan, and the square cleared through the same,
 * now writable, mapping.
 */
static void pan_aba(struct canvas *c)
{
	struct lab_fb *fb = &c->fb;
	unsigned int x = c->w / 2, y = c->h / 2;

	usleep(20 * 1000);
	lab_fb_fill(fb, x, y, 8, 8, lab_fb_pixel(fb, 0xff00ff));
	if (ioctl(fb->fd, FBIOPAN_DISPLAY, &fb->var))
		perror("fbpattern: FBIOPAN_DISPLAY");
	lab_fb_fill(fb, x, y, 8, 8, lab_fb_pixel(fb, 0));
}

/* The helper's present delay (debugfs): 1 if set, 0 if there is none. */
static int present_delay(const char *us)
{
	return !lab_debugfs_write("fbdev_shadow_present_delay_us", us);
}

/*
 * Before the mark is drawn: draw it in greys until a flush has compared
 * every page it covers with a copy (a full-screen clear can leave its
 * pages without one, reported whole, which would bring the mark back
 * whatever the helper knows of the present). The flush of the mark then
 * finds it changed, so its present reads it. Only with the helper's
 * counters.
 */
static void present_aba_prepare(struct canvas *c)
{
	const struct op *m = &c->ops[c->nops - 1];
	unsigned long long pages, compared;

	if (!lab_counters_find())
		return;
	for (int i = 0; i < 20; i++) {
		pages = lab_counter("dirty_pages");
		compared = lab_counter("diff_pages");
		lab_fb_fill(&c->fb, m->x, m->y, m->w, m->h,
			    lab_fb_pixel(&c->fb, i & 1 ? 0x808080 : 0x404040));
		lab_sleep_ms(100);
		pages = lab_counter("dirty_pages") - pages;
		if (pages && lab_counter("diff_pages") - compared == pages)
			return;
	}
	fprintf(stderr, "fbpattern: present-aba: the mark's pages were never compared\n");
}

/*
 * The mark (the last op) was just drawn: wait for its flush to start (the
 * worker then sleeps 300 ms before presenting), paint it over, and draw it
 * again 150 ms into the sleep after the present. The hook is cleared
 * then: the next flush, which must bring the mark back, sleeps no more.
 */
static void present_aba(struct canvas *c, unsigned long long flushes, int hooked)
{
	struct lab_fb *fb = &c->fb;
	unsigned int i = c->nops - 1;
	double until = lab_now() + 3;

	while (hooked && lab_counter("flushes") == flushes && lab_now() < until)
		lab_sleep_ms(1);
	lab_fb_fill(fb, c->ops[i].x, c->ops[i].y, c->ops[i].w, c->ops[i].h,
		    lab_fb_pixel(fb, 0xff00ff));
	lab_sleep_ms(450);
	lab_fb_fill(fb, c->ops[i].x, c->ops[i].y, c->ops[i].w, c->ops[i].h,
		    lab_fb_pixel(fb, c->ops[i].rgb));
	present_delay("0");
}

/* One rectangle, through the chosen path. */
static void paint(struct lab_fb *fb, unsigned int x, unsigned int y, unsigned int w,
		  unsigned int h, uint32_t rgb)
{
	uint32_t px = lab_fb_pixel(fb, rgb);

	if (!strcmp(via, "write")) {
		uint8_t *row = malloc((size_t)w * fb->bpp);

		lab_fb_pack_row(fb, row, w, px);
		for (unsigned int r = y; r < y + h; r++)
			if (pwrite(fb->fd, row, (size_t)w * fb->bpp,
				   (off_t)r * fb->fix.line_length + (off_t)x * fb->bpp) < 0)
				perror("fbpattern: pwrite");
		free(row);
	} else if (!strcmp(via, "fork")) {
		pid_t pid = fork();

		if (pid == 0) {
			lab_fb_fill(fb, x, y, w, h, px);
			_exit(0);
		}
		waitpid(pid, NULL, 0);
	} else {
		lab_fb_fill(fb, x, y, w, h, px);
	}
}

static int run(struct canvas *c, const char *name, int negative)
{
	char req[600], reply[1024];
	unsigned long long flushes = 0;
	int ret, hooked = 0;
	FILE *spec;

	c->nops = 0;
	c->idle_first = 0;
	c->pan_aba = 0;
	c->present_aba = 0;
	pattern(c, name);
	if (!c->nops) {
		fprintf(stderr, "fbpattern: unknown pattern '%s'\n", name);
		return 2;
	}
	spec = lab_spec_open(name, c->w, c->h);
	paint(&c->fb, 0, 0, c->w, c->h, 0);
	if (c->idle_first)
		usleep(300 * 1000);
	/* the negative check leaves the mark out: nothing to paint over */
	if (c->present_aba && !negative) {
		present_aba_prepare(c);
		hooked = present_delay("300000");
		flushes = lab_counter("flushes");
	}
	for (unsigned int i = 0; i < c->nops; i++) {
		fprintf(spec, "fill %u %u %u %u %06x\n", c->ops[i].x, c->ops[i].y,
			c->ops[i].w, c->ops[i].h, c->ops[i].rgb);
		if (negative && i == c->nops - 1)
			continue;
		paint(&c->fb, c->ops[i].x, c->ops[i].y, c->ops[i].w, c->ops[i].h,
		      c->ops[i].rgb);
	}
	fclose(spec);
	if (c->pan_aba)
		pan_aba(c);
	if (c->present_aba && !negative)
		present_aba(c, flushes, hooked);

	/* A negative check need not wait long for what will never come. */
	snprintf(req, sizeof(req), "EXPECT %s %d", name, negative ? 1500 : 8000);
	ret = lab_host(req, reply, sizeof(reply));
	if (ret < 0) {
		perror("fbpattern: host channel");
		return 2;
	}
	if (negative)
		ret = !ret;
	printf("e2e %s%s%s%s: %s (%s)\n", negative ? "negative-" : "", name,
	       strcmp(via, "mmap") ? "-via-" : "", strcmp(via, "mmap") ? via : "",
	       ret ? "FAIL" : "PASS", reply);
	return ret;
}

int main(int argc, char **argv)
{
	struct canvas c = { };
	int negative = 0, failed = 0;

	while (argc > 1 && !strncmp(argv[1], "--", 2)) {
		if (!strcmp(argv[1], "--negative")) {
			negative = 1;
		} else if (!strcmp(argv[1], "--via") && argc > 2) {
			via = argv[2];
			argv++;
			argc--;
		} else {
			argc = 0;
			break;
		}
		argv++;
		argc--;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: fbpattern [--negative] [--via mmap|write|fork] PATTERN...\n"
				"patterns: corners last-pixel line rects pixel-after-idle pan-aba "
				"present-aba\n");
		return 2;
	}
	lab_fb_open(&c.fb, NULL);
	c.w = c.fb.var.xres;
	c.h = c.fb.var.yres;
	if (c.fb.var.yoffset || c.fb.var.xoffset) {
		c.fb.var.xoffset = 0;
		c.fb.var.yoffset = 0;
		ioctl(c.fb.fd, FBIOPAN_DISPLAY, &c.fb.var);
	}
	lab_vt_graphics(1);
	for (int i = 1; i < argc; i++)
		failed |= run(&c, argv[i], negative) != 0;
	lab_vt_graphics(0);
	lab_fb_close(&c.fb);
	return failed;
}
