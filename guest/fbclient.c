// SPDX-License-Identifier: GPL-2.0
/*
 * fbclient: draw the way real fbdev programs do, then have the host check
 * the last frame in a screendump.
 *
 *   fbclient [--frames N] splash|lvgl...
 *
 * splash  a boot splash with double buffering, as psplash does: ask for a
 *         virtual height of twice the screen with FBIOPUT_VSCREENINFO,
 *         then for each frame draw the progress bar into the hidden half,
 *         FBIO_WAITFORVSYNC and FBIOPAN_DISPLAY to it. When the request
 *         is refused, or the virtual height comes back smaller, or the
 *         first pan fails, it falls back as psplash does: one buffer,
 *         drawn in place.
 *   lvgl    a GUI toolkit's fbdev flush, as LVGL's driver does: copy the
 *         area that changed (a square moving over a background, its old
 *         place cleared) into the mapping row by row, then
 *         FBIOPUT_VSCREENINFO with FB_ACTIVATE_NOW | FB_ACTIVATE_FORCE
 *         and FBIO_WAITFORVSYNC after each flush.
 *
 * Errors of FBIO_WAITFORVSYNC are ignored (the programs ignore them); any
 * other refused request the program has no fallback for fails the run.
 * Prints "e2e client-NAME: PASS|FAIL (...)" with what the emulation
 * granted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lab.h"

#ifndef FBIO_WAITFORVSYNC
#define FBIO_WAITFORVSYNC _IOW('F', 0x20, __u32)
#endif

/* Only full-intensity colours: exact at every depth the lab's devices use. */
#define BACKGROUND 0x0000ff
#define BAR_FRAME 0xffffff
#define BAR 0x00ff00
#define SQUARE 0xffff00

static unsigned int frames = 60;
static int vsync_errno = -1;	/* of the first FBIO_WAITFORVSYNC, 0 if it worked */

struct client {
	struct lab_fb fb;	/* fb.map is the first screen's mapping */
	unsigned int w, h;
	uint8_t *map;		/* the whole buffer, both halves when doubled */
	size_t map_len;
	char note[256];
};

static void fill(struct client *c, uint8_t *base, unsigned int x, unsigned int y,
		 unsigned int w, unsigned int h, uint32_t rgb)
{
	lab_fb_fill_at(&c->fb, base, x, y, w, h, lab_fb_pixel(&c->fb, rgb));
}

static void vsync(struct client *c)
{
	__u32 crtc = 0;
	int r = ioctl(c->fb.fd, FBIO_WAITFORVSYNC, &crtc);

	if (vsync_errno < 0)
		vsync_errno = r ? errno : 0;
}

/* The splash's picture: background, bar frame, bar filled to @done of @all. */
static void splash_frame(struct client *c, uint8_t *base, unsigned int done, unsigned int all,
			 int background)
{
	unsigned int bw = c->w / 2, bx = c->w / 4, by = c->h * 3 / 4, bh = 16;

	if (background)
		fill(c, base, 0, 0, c->w, c->h, BACKGROUND);
	fill(c, base, bx - 2, by - 2, bw + 4, bh + 4, BAR_FRAME);
	fill(c, base, bx, by, bw, bh, BACKGROUND);
	fill(c, base, bx, by, bw * done / all, bh, BAR);
}

static void splash_spec(struct client *c, FILE *spec)
{
	unsigned int bw = c->w / 2, bx = c->w / 4, by = c->h * 3 / 4, bh = 16;

	fprintf(spec, "fill 0 0 %u %u %06x\n", c->w, c->h, BACKGROUND);
	fprintf(spec, "fill %u %u %u %u %06x\n", bx - 2, by - 2, bw + 4, bh + 4, BAR_FRAME);
	fprintf(spec, "fill %u %u %u %u %06x\n", bx, by, bw, bh, BAR);
}

static int splash(struct client *c)
{
	struct fb_var_screeninfo var = c->fb.var;
	size_t half = (size_t)c->fb.fix.line_length * c->h;
	int doubled = 1, back = 1;

	var.yres_virtual = 2 * c->h;
	var.yoffset = 0;
	if (ioctl(c->fb.fd, FBIOPUT_VSCREENINFO, &var)) {
		snprintf(c->note, sizeof(c->note), "virtual height %u refused (%s), one buffer",
			 2 * c->h, strerror(errno));
		doubled = 0;
	} else if (ioctl(c->fb.fd, FBIOGET_VSCREENINFO, &var) || var.yres_virtual < 2 * c->h) {
		snprintf(c->note, sizeof(c->note), "virtual height came back %u, one buffer",
			 var.yres_virtual);
		doubled = 0;
	}
	if (doubled) {
		struct fb_fix_screeninfo fix;

		if (ioctl(c->fb.fd, FBIOGET_FSCREENINFO, &fix) || fix.smem_len < 2 * half) {
			snprintf(c->note, sizeof(c->note), "buffer of %u bytes, one buffer",
				 fix.smem_len);
			doubled = 0;
		}
	}
	c->map_len = doubled ? 2 * half : half;
	c->map = mmap(NULL, c->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, c->fb.fd, 0);
	if (c->map == MAP_FAILED) {
		snprintf(c->note, sizeof(c->note), "mmap of %zu bytes: %s", c->map_len,
			 strerror(errno));
		c->map = NULL;
		return 1;
	}
	if (doubled) {
		/* both halves start with the background, then the first pan */
		splash_frame(c, c->map, 0, frames, 1);
		splash_frame(c, c->map + half, 0, frames, 1);
		var.yoffset = 0;
		if (ioctl(c->fb.fd, FBIOPAN_DISPLAY, &var)) {
			snprintf(c->note, sizeof(c->note), "pan refused (%s), one buffer",
				 strerror(errno));
			doubled = 0;
		} else {
			snprintf(c->note, sizeof(c->note), "double-buffered, %u frames panned",
				 frames);
		}
	}
	if (!doubled) {
		splash_frame(c, c->map, 0, frames, 1);
		for (unsigned int f = 1; f <= frames; f++) {
			splash_frame(c, c->map, f, frames, 0);
			vsync(c);
			usleep(16 * 1000);
		}
		return 0;
	}
	for (unsigned int f = 1; f <= frames; f++) {
		splash_frame(c, c->map + back * half, f, frames, 0);
		vsync(c);
		var.yoffset = back * c->h;
		if (ioctl(c->fb.fd, FBIOPAN_DISPLAY, &var)) {
			snprintf(c->note, sizeof(c->note), "pan to %u refused at frame %u: %s",
				 var.yoffset, f, strerror(errno));
			return 1;
		}
		back = !back;
		usleep(16 * 1000);
	}
	return 0;
}

/* Copy the area x, y, w, h of @src (a whole frame) into the mapping. */
static void lvgl_flush(struct client *c, const uint8_t *src, unsigned int x, unsigned int y,
		       unsigned int w, unsigned int h)
{
	size_t pitch = c->fb.fix.line_length, bpp = c->fb.bpp;
	struct fb_var_screeninfo var;

	for (unsigned int r = y; r < y + h; r++)
		memcpy(c->map + r * pitch + x * bpp, src + r * pitch + x * bpp, w * bpp);
	if (!ioctl(c->fb.fd, FBIOGET_VSCREENINFO, &var)) {
		var.activate = FB_ACTIVATE_NOW | FB_ACTIVATE_FORCE;
		if (ioctl(c->fb.fd, FBIOPUT_VSCREENINFO, &var) && !c->note[0])
			snprintf(c->note, sizeof(c->note), "FBIOPUT_VSCREENINFO(FORCE): %s",
				 strerror(errno));
	}
	vsync(c);
}

static void lvgl_square_at(const struct client *c, unsigned int f, unsigned int *x,
			   unsigned int *y)
{
	*x = 8 + f * (c->w - 48) / frames;
	*y = 8 + f * (c->h - 48) / frames;
}

static int lvgl(struct client *c)
{
	size_t len = (size_t)c->fb.fix.line_length * c->h;
	uint8_t *frame = malloc(len);
	unsigned int x, y, px = 0, py = 0;

	if (!frame)
		return 1;
	c->map = c->fb.map;
	fill(c, frame, 0, 0, c->w, c->h, BACKGROUND);
	lvgl_flush(c, frame, 0, 0, c->w, c->h);
	for (unsigned int f = 0; f <= frames; f++) {
		lvgl_square_at(c, f, &x, &y);
		if (f) {
			fill(c, frame, px, py, 32, 32, BACKGROUND);
			lvgl_flush(c, frame, px, py, 32, 32);
		}
		fill(c, frame, x, y, 32, 32, SQUARE);
		lvgl_flush(c, frame, x, y, 32, 32);
		px = x;
		py = y;
		usleep(16 * 1000);
	}
	free(frame);
	c->map = NULL;
	if (!c->note[0])
		snprintf(c->note, sizeof(c->note), "%u flushes, each forced", 2 * frames + 2);
	return 0;
}

static int run(const char *name)
{
	struct client c = { };
	char spec_name[64], req[128], reply[1024];
	unsigned int x, y;
	FILE *spec;
	int ret;

	lab_fb_open(&c.fb, NULL);
	c.w = c.fb.var.xres;
	c.h = c.fb.var.yres;
	snprintf(spec_name, sizeof(spec_name), "client-%s", name);
	if (!strcmp(name, "splash")) {
		ret = splash(&c);
	} else if (!strcmp(name, "lvgl")) {
		ret = lvgl(&c);
	} else {
		fprintf(stderr, "fbclient: unknown client '%s'\n", name);
		lab_fb_close(&c.fb);
		return 2;
	}
	spec = lab_spec_open(spec_name, c.w, c.h);
	if (!strcmp(name, "splash")) {
		splash_spec(&c, spec);
	} else {
		lvgl_square_at(&c, frames, &x, &y);
		fprintf(spec, "fill 0 0 %u %u %06x\n", c.w, c.h, BACKGROUND);
		fprintf(spec, "fill %u %u 32 32 %06x\n", x, y, SQUARE);
	}
	fclose(spec);
	if (!ret) {
		snprintf(req, sizeof(req), "EXPECT %s 8000", spec_name);
		ret = lab_host(req, reply, sizeof(reply));
		if (ret < 0) {
			perror("fbclient: host channel");
			ret = 1;
		}
	} else {
		snprintf(reply, sizeof(reply), "not compared");
	}
	printf("e2e %s: %s (%s; FBIO_WAITFORVSYNC %s; %s)\n", spec_name, ret ? "FAIL" : "PASS",
	       c.note, vsync_errno > 0 ? strerror(vsync_errno) : "waits", reply);
	vsync_errno = -1;
	fflush(stdout);
	if (c.map && c.map != c.fb.map)
		munmap(c.map, c.map_len);
	/* back to the mode and the first screen it started with */
	c.fb.var.yoffset = 0;
	ioctl(c.fb.fd, FBIOPUT_VSCREENINFO, &c.fb.var);
	lab_fb_close(&c.fb);
	return ret != 0;
}

int main(int argc, char **argv)
{
	int failed = 0, a = 1;

	if (argc > 2 && !strcmp(argv[1], "--frames")) {
		frames = strtoul(argv[2], NULL, 0);
		a = 3;
	}
	if (a >= argc || !frames) {
		fprintf(stderr, "usage: fbclient [--frames N] splash|lvgl...\n");
		return 2;
	}
	lab_vt_graphics(1);
	for (; a < argc; a++)
		failed |= run(argv[a]);
	lab_vt_graphics(0);
	return failed;
}
