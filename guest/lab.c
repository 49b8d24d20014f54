// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <glob.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <linux/kd.h>

#include "lab.h"

static void fatal(const char *what)
{
	fprintf(stderr, "lab: %s: %s\n", what, strerror(errno));
	exit(2);
}

void lab_fb_open(struct lab_fb *fb, const char *path)
{
	memset(fb, 0, sizeof(*fb));
	fb->fd = open(path ? path : "/dev/fb0", O_RDWR);
	if (fb->fd < 0)
		fatal("open framebuffer");
	if (ioctl(fb->fd, FBIOGET_VSCREENINFO, &fb->var) ||
	    ioctl(fb->fd, FBIOGET_FSCREENINFO, &fb->fix))
		fatal("framebuffer screeninfo");
	fb->bpp = (fb->var.bits_per_pixel + 7) / 8;
	fb->size = (size_t)fb->fix.line_length * fb->var.yres;
	fb->map = mmap(NULL, fb->size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       fb->fd, 0);
	if (fb->map == MAP_FAILED)
		fatal("mmap framebuffer");
}

void lab_fb_close(struct lab_fb *fb)
{
	munmap(fb->map, fb->size);
	close(fb->fd);
}

static uint32_t scale(uint32_t v8, const struct fb_bitfield *f)
{
	if (!f->length)
		return 0;
	return ((v8 >> (8 - (f->length > 8 ? 8 : f->length))) << f->offset);
}

uint32_t lab_fb_pixel(const struct lab_fb *fb, uint32_t rgb)
{
	return scale((rgb >> 16) & 0xff, &fb->var.red) |
	       scale((rgb >> 8) & 0xff, &fb->var.green) |
	       scale(rgb & 0xff, &fb->var.blue);
}

void lab_fb_put(struct lab_fb *fb, unsigned int x, unsigned int y, uint32_t px)
{
	uint8_t *p = fb->map + (size_t)y * fb->fix.line_length + x * fb->bpp;

	/* Byte by byte: 24 bpp pixels are not aligned. */
	for (unsigned int i = 0; i < fb->bpp; i++)
		p[i] = px >> (8 * i);
}

void lab_fb_pack_row(const struct lab_fb *fb, uint8_t *row, unsigned int w, uint32_t px)
{
	for (unsigned int i = 0; i < w; i++)
		for (unsigned int b = 0; b < fb->bpp; b++)
			row[i * fb->bpp + b] = px >> (8 * b);
}

void lab_fb_fill_at(const struct lab_fb *fb, uint8_t *base, unsigned int x, unsigned int y,
		    unsigned int w, unsigned int h, uint32_t px)
{
	uint8_t *row = malloc((size_t)w * fb->bpp);

	if (!row)
		fatal("malloc");
	/* Pack one row, then copy it: fast for 24 bpp too. */
	lab_fb_pack_row(fb, row, w, px);
	for (unsigned int r = y; r < y + h; r++)
		memcpy(base + (size_t)r * fb->fix.line_length + (size_t)x * fb->bpp,
		       row, (size_t)w * fb->bpp);
	free(row);
}

void lab_fb_fill(struct lab_fb *fb, unsigned int x, unsigned int y,
		 unsigned int w, unsigned int h, uint32_t px)
{
	lab_fb_fill_at(fb, fb->map, x, y, w, h, px);
}

int lab_vt_graphics(int on)
{
	int fd = open("/dev/tty0", O_RDWR);
	int ret;

	if (fd < 0)
		return -1;
	ret = ioctl(fd, KDSETMODE, on ? KD_GRAPHICS : KD_TEXT);
	close(fd);
	return ret;
}

int lab_host(const char *request, char *reply, size_t len)
{
	static int fd = -1;
	size_t n = 0;

	if (fd < 0) {
		struct termios t;

		fd = open("/dev/ttyS1", O_RDWR | O_NOCTTY);
		if (fd < 0)
			return -1;
		/* Raw, or the tty echoes the host's replies back to it. */
		if (tcgetattr(fd, &t) == 0) {
			cfmakeraw(&t);
			cfsetspeed(&t, B115200);
			tcsetattr(fd, TCSANOW, &t);
		}
		tcflush(fd, TCIOFLUSH);
	}
	if (dprintf(fd, "%s\n", request) < 0)
		return -1;
	while (n + 1 < len) {
		char c;
		ssize_t r = read(fd, &c, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		if (c == '\n')
			break;
		reply[n++] = c;
	}
	reply[n] = '\0';
	return strncmp(reply, "OK", 2) && strncmp(reply, "PASS", 4) ? 1 : 0;
}

const char *lab_dir(void)
{
	const char *d = getenv("LAB_DIR");

	return d ? d : "/mnt/lab";
}

FILE *lab_run_file(const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", lab_dir(), name);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(2);
	}
	return f;
}

FILE *lab_spec_open(const char *name, unsigned int width, unsigned int height)
{
	char file[256];
	FILE *f;

	snprintf(file, sizeof(file), "%s.spec", name);
	f = lab_run_file(file);
	fprintf(f, "size %u %u\n", width, height);
	return f;
}

double lab_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void lab_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static char counters_path[256];

const char *lab_counters_find(void)
{
	glob_t g;

	if (glob("/sys/kernel/debug/dri/*/fbdev_shadow", 0, NULL, &g) || !g.gl_pathc)
		return NULL;
	snprintf(counters_path, sizeof(counters_path), "%s", g.gl_pathv[0]);
	globfree(&g);
	return counters_path;
}

int lab_counter_word(const char *name, char value[64])
{
	char line[128], key[64];
	FILE *f = counters_path[0] ? fopen(counters_path, "r") : NULL;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %63s", key, value) == 2 && !strcmp(key, name)) {
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	return -1;
}

unsigned long long lab_counter(const char *name)
{
	char v[64];

	return lab_counter_word(name, v) ? 0 : strtoull(v, NULL, 10);
}

int lab_debugfs_write(const char *name, const char *value)
{
	const char *counters = lab_counters_find();
	char path[512], *slash;
	FILE *f;

	if (!counters) {
		errno = ENOENT;
		return -1;
	}
	snprintf(path, sizeof(path), "%s", counters);
	slash = strrchr(path, '/');
	snprintf(slash + 1, sizeof(path) - (slash + 1 - path), "%s", name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(value, f);
	return fclose(f) ? -1 : 0;
}
