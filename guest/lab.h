/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the programs that run inside a lab guest: the mapped
 * framebuffer, pixel packing, and the control channel to the host.
 */
#ifndef LAB_H
#define LAB_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <linux/fb.h>

struct lab_fb {
	int fd;
	struct fb_var_screeninfo var;
	struct fb_fix_screeninfo fix;
	unsigned int bpp;	/* bytes per pixel */
	size_t size;		/* bytes of the mapping: line_length * yres */
	uint8_t *map;
};

/* Open and map the framebuffer (shared mapping); exits on failure. */
void lab_fb_open(struct lab_fb *fb, const char *path);
void lab_fb_close(struct lab_fb *fb);
/* Pack 0xRRGGBB into the framebuffer's pixel format. */
uint32_t lab_fb_pixel(const struct lab_fb *fb, uint32_t rgb);
void lab_fb_put(struct lab_fb *fb, unsigned int x, unsigned int y, uint32_t px);
/* Fill @row with @w pixels of value @px in the framebuffer's layout. */
void lab_fb_pack_row(const struct lab_fb *fb, uint8_t *row, unsigned int w, uint32_t px);
void lab_fb_fill(struct lab_fb *fb, unsigned int x, unsigned int y,
		 unsigned int w, unsigned int h, uint32_t px);
/* The same into @base, memory laid out as the framebuffer (pitch, bpp). */
void lab_fb_fill_at(const struct lab_fb *fb, uint8_t *base, unsigned int x, unsigned int y,
		    unsigned int w, unsigned int h, uint32_t px);

/* Switch the VT to graphics mode so fbcon stops drawing (1) or back (0). */
int lab_vt_graphics(int on);

/*
 * Send one request line to the host over /dev/ttyS1 and read one reply
 * line into @reply.  Returns 0 when the reply starts with "OK" or "PASS",
 * 1 for any other reply, -1 (errno set) when there is no channel.
 */
int lab_host(const char *request, char *reply, size_t len);

/* Where the run directory shared with the host is mounted. */
const char *lab_dir(void);

/*
 * Create @name in the run directory for writing; exits with status 2 when
 * it cannot. lab_spec_open() creates NAME.spec, the picture the host
 * compares the screen with, and writes its "size" line.
 */
FILE *lab_run_file(const char *name);
FILE *lab_spec_open(const char *name, unsigned int width, unsigned int height);

double lab_now(void);	/* CLOCK_MONOTONIC in seconds */
void lab_sleep_ms(int ms);

/*
 * The helper's counters in debugfs (fbdev_shadow of the first DRM device
 * that has them). lab_counters_find() returns their path, or NULL when
 * there are none; lab_counter_word() reads the value of @name as a word
 * (0, or -1 when absent), lab_counter() as a number (0 when absent).
 */
const char *lab_counters_find(void);
int lab_counter_word(const char *name, char value[64]);
unsigned long long lab_counter(const char *name);

/*
 * Write @value to the helper's debugfs file @name, next to its counters
 * (a test hook such as fbdev_shadow_mkwrite_delay_us). Returns 0, or -1
 * with errno set when the file is absent or the write fails.
 */
int lab_debugfs_write(const char *name, const char *value);

#endif
