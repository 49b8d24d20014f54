// SPDX-License-Identifier: GPL-2.0
/*
 * fbpattern: draw known patterns through a shared mapping of /dev/fb0 and
 * have the host check them in a screendump.
 *
 *   fbpattern [--negative] PATTERN...
 *
 * For each pattern the screen is cleared, the pattern drawn, the drawing
 * written as PATTERN.spec into the run directory, and the host asked to
 * compare (EXPECT).  With --negative the last element is left out of the
 * drawing but not of the spec, and the check passes only if the host sees
 * the difference: proof that the comparison can fail.
 */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "lab.h"

struct canvas {
	struct lab_fb fb;
	unsigned int w, h;
	unsigned int nops;
	struct { unsigned int x, y, w, h; uint32_t rgb; } ops[16];
};

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
	}
}

static int run(struct canvas *c, const char *name, int negative)
{
	char path[512], req[600], reply[1024];
	FILE *spec;
	int ret;

	c->nops = 0;
	pattern(c, name);
	if (!c->nops) {
		fprintf(stderr, "fbpattern: unknown pattern '%s'\n", name);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/%s.spec", lab_dir(), name);
	spec = fopen(path, "w");
	if (!spec) {
		perror(path);
		return 2;
	}
	fprintf(spec, "size %u %u\n", c->w, c->h);
	lab_fb_fill(&c->fb, 0, 0, c->w, c->h, lab_fb_pixel(&c->fb, 0));
	for (unsigned int i = 0; i < c->nops; i++) {
		fprintf(spec, "fill %u %u %u %u %06x\n", c->ops[i].x, c->ops[i].y,
			c->ops[i].w, c->ops[i].h, c->ops[i].rgb);
		if (negative && i == c->nops - 1)
			continue;
		lab_fb_fill(&c->fb, c->ops[i].x, c->ops[i].y, c->ops[i].w,
			    c->ops[i].h, lab_fb_pixel(&c->fb, c->ops[i].rgb));
	}
	fclose(spec);

	/* A negative check need not wait long for what will never come. */
	snprintf(req, sizeof(req), "EXPECT %s %d", name, negative ? 1500 : 8000);
	ret = lab_host(req, reply, sizeof(reply));
	if (ret < 0) {
		perror("fbpattern: host channel");
		return 2;
	}
	if (negative)
		ret = !ret;
	printf("e2e %s%s: %s (%s)\n", negative ? "negative-" : "", name,
	       ret ? "FAIL" : "PASS", reply);
	return ret;
}

int main(int argc, char **argv)
{
	struct canvas c = { };
	int negative = 0, failed = 0;

	if (argc > 1 && !strcmp(argv[1], "--negative")) {
		negative = 1;
		argv++;
		argc--;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: fbpattern [--negative] PATTERN...\n"
				"patterns: corners last-pixel line rects\n");
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
