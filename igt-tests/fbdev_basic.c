// SPDX-License-Identifier: MIT
/*
 * Basic behaviour of a framebuffer device as userspace sees it: screen
 * information, panning, read(2)/write(2) with their end-of-file rules,
 * bad user pointers, and a shared mapping that reads back what was
 * written through it and through write(2).
 *
 * The device is /dev/fb0 unless IGT_FBDEV names another node.
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/fb.h>
#include <linux/kd.h>

#include "igt.h"

IGT_TEST_DESCRIPTION("Test the fbdev interface: info, pan, read, write, eof and mmap");

static int fd = -1;
static int tty = -1;
static struct fb_var_screeninfo var;
static struct fb_fix_screeninfo fix;
static size_t fb_size;

/* The size read(2), write(2) and mmap(2) work on. */
static size_t framebuffer_size(void)
{
	return (size_t)fix.line_length * var.yres_virtual;
}

static void fill_pattern(uint8_t *buf, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)((i * 31 + seed * 17) ^ (i >> 9));
}

static uint8_t *alloc_buf(size_t len)
{
	uint8_t *buf = malloc(len);

	igt_assert(buf);
	return buf;
}

static void pan_to(unsigned int x, unsigned int y, int expect_errno)
{
	struct fb_var_screeninfo v = var;
	int ret;

	v.xoffset = x;
	v.yoffset = y;
	ret = ioctl(fd, FBIOPAN_DISPLAY, &v);
	if (expect_errno) {
		igt_assert_eq(ret, -1);
		igt_assert_eq(errno, expect_errno);
	} else {
		igt_assert_eq(ret, 0);
	}
}

igt_main
{
	igt_fixture {
		const char *path = getenv("IGT_FBDEV") ?: "/dev/fb0";

		fd = open(path, O_RDWR);
		igt_require_f(fd >= 0, "no framebuffer device at %s\n", path);
		igt_assert_eq(ioctl(fd, FBIOGET_VSCREENINFO, &var), 0);
		igt_assert_eq(ioctl(fd, FBIOGET_FSCREENINFO, &fix), 0);
		fb_size = framebuffer_size();

		/* Keep fbcon from drawing while the contents are compared. */
		tty = open("/dev/tty0", O_RDWR);
		if (tty >= 0)
			ioctl(tty, KDSETMODE, KD_GRAPHICS);
	}

	igt_describe("Check that the screen information is consistent.");
	igt_subtest("info") {
		unsigned int bpp = var.bits_per_pixel;

		igt_assert(var.xres > 0 && var.yres > 0);
		igt_assert(var.xres_virtual >= var.xres);
		igt_assert(var.yres_virtual >= var.yres);
		igt_assert(bpp == 8 || bpp == 16 || bpp == 24 || bpp == 32);
		igt_assert_lte(var.xres_virtual * (bpp / 8), fix.line_length);
		igt_assert_eq(fix.type, FB_TYPE_PACKED_PIXELS);
		igt_assert_lte_u64(framebuffer_size(), fix.smem_len);
		/* Colour channels fit in the pixel and do not overlap. */
		igt_assert_lte(var.red.offset + var.red.length, bpp);
		igt_assert_lte(var.green.offset + var.green.length, bpp);
		igt_assert_lte(var.blue.offset + var.blue.length, bpp);
		igt_assert(!(((1ull << var.red.length) - 1) << var.red.offset &
			     ((1ull << var.green.length) - 1) << var.green.offset));
		igt_assert(fix.id[0] != '\0');
	}

	igt_describe("Check panning inside the virtual screen and its limits.");
	igt_subtest("pan") {
		unsigned int ymax = var.yres_virtual - var.yres;
		unsigned int xmax = var.xres_virtual - var.xres;

		pan_to(0, 0, 0);
		if (ymax && fix.ypanstep) {
			pan_to(0, ymax, 0);
			pan_to(0, 0, 0);
		}
		pan_to(0, ymax + 1, EINVAL);
		pan_to(xmax + 1, 0, EINVAL);
		pan_to(0, ~0u, EINVAL);
	}

	igt_describe("Check that read(2) returns what was written, in one call.");
	igt_subtest("read") {
		uint8_t *in = alloc_buf(fb_size), *out = alloc_buf(fb_size);

		fill_pattern(in, fb_size, 1);
		igt_assert_eq_s64(pwrite(fd, in, fb_size, 0), fb_size);
		memset(out, 0, fb_size);
		igt_assert_eq_s64(pread(fd, out, fb_size, 0), fb_size);
		igt_assert(!memcmp(in, out, fb_size));
		free(in);
		free(out);
	}

	igt_describe("Check read(2) at offsets and lengths that are not aligned.");
	igt_subtest("unaligned-read") {
		static const size_t offsets[] = { 1, 3, 4095, 4097, 12345 };
		uint8_t *in = alloc_buf(fb_size), *out = alloc_buf(fb_size);

		fill_pattern(in, fb_size, 2);
		igt_assert_eq_s64(pwrite(fd, in, fb_size, 0), fb_size);
		for (unsigned int i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
			size_t off = offsets[i], len = 7 + 1000 * i;

			memset(out, 0, len + 2);
			igt_assert_eq_s64(pread(fd, out + 1, len, off), len);
			igt_assert(!memcmp(in + off, out + 1, len));
			igt_assert_eq(out[0], 0);
			igt_assert_eq(out[len + 1], 0);
		}
		free(in);
		free(out);
	}

	igt_describe("Check that write(2) changes exactly the bytes written.");
	igt_subtest("write") {
		uint8_t *in = alloc_buf(fb_size), *out = alloc_buf(fb_size);

		memset(in, 0, fb_size);
		igt_assert_eq_s64(pwrite(fd, in, fb_size, 0), fb_size);
		fill_pattern(in, fb_size, 3);
		igt_assert_eq_s64(write(fd, in, 0), 0);
		igt_assert_eq_s64(pwrite(fd, in, fb_size, 0), fb_size);
		igt_assert_eq_s64(pread(fd, out, fb_size, 0), fb_size);
		igt_assert(!memcmp(in, out, fb_size));
		free(in);
		free(out);
	}

	igt_describe("Check write(2) at offsets and lengths that are not aligned.");
	igt_subtest("unaligned-write") {
		static const size_t offsets[] = { 1, 3, 4095, 4097, 12345 };
		uint8_t *ref = alloc_buf(fb_size), *out = alloc_buf(fb_size);
		uint8_t src[8192];

		memset(ref, 0x5a, fb_size);
		igt_assert_eq_s64(pwrite(fd, ref, fb_size, 0), fb_size);
		for (unsigned int i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
			size_t off = offsets[i], len = 5 + 1500 * i;

			fill_pattern(src, len, 10 + i);
			igt_assert_eq_s64(pwrite(fd, src, len, off), len);
			memcpy(ref + off, src, len);
		}
		igt_assert_eq_s64(pread(fd, out, fb_size, 0), fb_size);
		igt_assert(!memcmp(ref, out, fb_size));
		free(ref);
		free(out);
	}

	igt_describe("Check read(2) and write(2) at and beyond the end of the framebuffer.");
	igt_subtest("eof") {
		uint8_t *buf = alloc_buf(fb_size + 1);

		memset(buf, 0, fb_size + 1);
		/* Reads at or past the end return 0, across it are short. */
		igt_assert_eq_s64(pread(fd, buf, 1, fb_size), 0);
		igt_assert_eq_s64(pread(fd, buf, 1, fb_size + 4096), 0);
		igt_assert_eq_s64(pread(fd, buf, 10, fb_size - 5), 5);
		/* A write across the end is short, at the end ENOSPC ... */
		igt_assert_eq_s64(pwrite(fd, buf, 10, fb_size - 5), 5);
		igt_assert_eq_s64(pwrite(fd, buf, 1, fb_size), -1);
		igt_assert_eq(errno, ENOSPC);
		/* ... and past the end EFBIG. */
		igt_assert_eq_s64(pwrite(fd, buf, 1, fb_size + 1), -1);
		igt_assert_eq(errno, EFBIG);
		/* Nothing to write is not an error, even at the end. */
		igt_assert_eq_s64(pwrite(fd, buf, 0, fb_size), 0);
		/* A write larger than the framebuffer fills it. */
		igt_assert_eq_s64(pwrite(fd, buf, fb_size + 1, 0), fb_size);
		free(buf);
	}

	igt_describe("Check that NULL user buffers fail with EFAULT.");
	igt_subtest("nullptr") {
		igt_assert_eq_s64(pread(fd, NULL, fb_size, 0), -1);
		igt_assert_eq(errno, EFAULT);
		igt_assert_eq_s64(pwrite(fd, NULL, fb_size, 0), -1);
		igt_assert_eq(errno, EFAULT);
	}

	igt_describe("Check that writes through a shared mapping read back, both ways.");
	igt_subtest("mmap-write-read") {
		uint8_t *in = alloc_buf(fb_size), *out = alloc_buf(fb_size);
		uint8_t *map;

		map = mmap(NULL, fb_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		igt_assert(map != MAP_FAILED);

		/* mmap -> read(2) */
		fill_pattern(in, fb_size, 4);
		memcpy(map, in, fb_size);
		igt_assert_eq_s64(pread(fd, out, fb_size, 0), fb_size);
		igt_assert(!memcmp(in, out, fb_size));

		/* write(2) -> mmap, at the first and the last byte too */
		fill_pattern(in, fb_size, 5);
		igt_assert_eq_s64(pwrite(fd, in, fb_size, 0), fb_size);
		igt_assert(!memcmp(in, map, fb_size));
		map[0] ^= 0xff;
		map[fb_size - 1] ^= 0xff;
		igt_assert_eq_s64(pread(fd, out, 1, 0), 1);
		igt_assert_eq(out[0], in[0] ^ 0xff);
		igt_assert_eq_s64(pread(fd, out, 1, fb_size - 1), 1);
		igt_assert_eq(out[0], in[fb_size - 1] ^ 0xff);

		igt_assert_eq(munmap(map, fb_size), 0);
		free(in);
		free(out);
	}

	igt_fixture {
		if (tty >= 0) {
			ioctl(tty, KDSETMODE, KD_TEXT);
			close(tty);
		}
		close(fd);
	}
}
