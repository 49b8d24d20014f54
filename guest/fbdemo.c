// SPDX-License-Identifier: GPL-2.0
/*
 * fbdemo: draw a small test card through a shared mapping of /dev/fb0,
 * next to whatever fbcon shows, for `make run`.
 */
#include <stdio.h>
#include <unistd.h>

#include "lab.h"

int main(void)
{
	static const uint32_t bars[] = {
		0xffffff, 0xffff00, 0x00ffff, 0x00ff00,
		0xff00ff, 0xff0000, 0x0000ff, 0x000000,
	};
	struct lab_fb fb;
	unsigned int x0, y0 = 40, w, h = 400, bw;

	lab_fb_open(&fb, NULL);
	w = fb.var.xres / 2;
	x0 = fb.var.xres - w - 40;
	bw = w / 8;

	/* Frame, colour bars, grey ramp, and a box in each corner. */
	lab_fb_fill(&fb, x0 - 4, y0 - 4, w + 8, h + 8, lab_fb_pixel(&fb, 0xc0c0c0));
	for (unsigned int i = 0; i < 8; i++)
		lab_fb_fill(&fb, x0 + i * bw, y0, bw, h / 2, lab_fb_pixel(&fb, bars[i]));
	for (unsigned int x = 0; x < w; x++) {
		uint32_t v = x * 255 / (w - 1);

		lab_fb_fill(&fb, x0 + x, y0 + h / 2, 1, h / 4,
			    lab_fb_pixel(&fb, v << 16 | v << 8 | v));
	}
	for (unsigned int i = 0; i < 4; i++)
		lab_fb_fill(&fb, x0 + i * w / 4 + 8, y0 + 3 * h / 4 + 8, w / 4 - 16,
			    h / 4 - 16, lab_fb_pixel(&fb, bars[i + 2]));
	/* Let the damage reach the display before the host looks. */
	usleep(300 * 1000);
	printf("fbdemo: drew a %ux%u test card at (%u,%u) on a %ux%u %u bpp framebuffer\n",
	       w, h, x0, y0, fb.var.xres, fb.var.yres, fb.var.bits_per_pixel);
	lab_fb_close(&fb);
	return 0;
}
