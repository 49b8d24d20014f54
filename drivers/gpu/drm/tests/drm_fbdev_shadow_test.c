// SPDX-License-Identifier: MIT
/*
 * KUnit tests for drm_fbdev_shadow: the damage geometry (byte ranges,
 * dirty pages, and the written bytes of dirty pages to clips), the blit
 * from a shadow buffer to the real one, the path of I/O and DMA memory,
 * which QEMU cannot show for DMA memory, the choice between write-protect
 * and scan tracking, the pages that stay writable in write-protect mode,
 * and the slots of the bounded copies.
 */

#include <kunit/test.h>
#include <kunit/visibility.h>

#include <linux/bitmap.h>
#include <linux/iosys-map.h>

#include <drm/drm_fbdev_shadow.h>
#include <drm/drm_mode.h>

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/* 1024x768: 32 bpp with a page per line, 24 bpp, 16 bpp, and padded lines */
static const struct drm_fbdev_shadow_geometry geo32 = { 4096, 32, 1024, 768 };
static const struct drm_fbdev_shadow_geometry geo24 = { 3072, 24, 1024, 768 };
static const struct drm_fbdev_shadow_geometry geo16 = { 2048, 16, 1024, 768 };
static const struct drm_fbdev_shadow_geometry geo_pad = { 4096, 32, 1000, 768 };
/* 4096x768 at 32 bpp: four pages a line */
static const struct drm_fbdev_shadow_geometry geo_wide = { 16384, 32, 4096, 768 };

static void expect_clip(struct kunit *test, const struct drm_clip_rect *c,
			u16 x1, u16 y1, u16 x2, u16 y2)
{
	KUNIT_EXPECT_EQ(test, c->x1, x1);
	KUNIT_EXPECT_EQ(test, c->y1, y1);
	KUNIT_EXPECT_EQ(test, c->x2, x2);
	KUNIT_EXPECT_EQ(test, c->y2, y2);
}

static void range_inside_one_line(struct kunit *test)
{
	struct drm_clip_rect c;

	KUNIT_ASSERT_TRUE(test, drm_fbdev_shadow_range_to_clip(&geo32, 3 * 4096 + 400, 8, &c));
	expect_clip(test, &c, 100, 3, 102, 4);
	/* A partial pixel counts whole. */
	KUNIT_ASSERT_TRUE(test, drm_fbdev_shadow_range_to_clip(&geo24, 3072 + 4, 1, &c));
	expect_clip(test, &c, 1, 1, 2, 2);
}

static void range_whole_line(struct kunit *test)
{
	struct drm_clip_rect c;

	/* Ends exactly at the end of the line: the full width, not x2 = 0. */
	KUNIT_ASSERT_TRUE(test, drm_fbdev_shadow_range_to_clip(&geo32, 5 * 4096, 4096, &c));
	expect_clip(test, &c, 0, 5, 1024, 6);
}

static void range_across_lines(struct kunit *test)
{
	struct drm_clip_rect c;

	KUNIT_ASSERT_TRUE(test,
			  drm_fbdev_shadow_range_to_clip(&geo32, 2 * 4096 + 10, 2 * 4096, &c));
	expect_clip(test, &c, 0, 2, 1024, 5);
	/* One page of a 24 bpp buffer spans parts of two lines. */
	KUNIT_ASSERT_TRUE(test, drm_fbdev_shadow_range_to_clip(&geo24, 4096, 4096, &c));
	expect_clip(test, &c, 0, 1, 1024, 3);
}

static void range_outside(struct kunit *test)
{
	struct drm_clip_rect c;

	KUNIT_EXPECT_FALSE(test, drm_fbdev_shadow_range_to_clip(&geo32, 768 * 4096, 4096, &c));
	KUNIT_EXPECT_FALSE(test, drm_fbdev_shadow_range_to_clip(&geo32, 0, 0, &c));
	/* Line padding past the visible width has no pixels. */
	KUNIT_EXPECT_FALSE(test, drm_fbdev_shadow_range_to_clip(&geo_pad, 4000, 96, &c));
	/* A range running past the end is cut at the last line. */
	KUNIT_ASSERT_TRUE(test, drm_fbdev_shadow_range_to_clip(&geo32, 767 * 4096, 8192, &c));
	expect_clip(test, &c, 0, 767, 1024, 768);
}

static unsigned int clips_of(const struct drm_fbdev_shadow_geometry *geo,
			     const unsigned int *pages, unsigned int n,
			     struct drm_clip_rect *clips, unsigned int max)
{
	DECLARE_BITMAP(bits, 768);

	bitmap_zero(bits, 768);
	while (n--)
		__set_bit(pages[n], bits);
	return drm_fbdev_shadow_pages_to_clips(geo, bits, 768, clips, max);
}

static void pages_two_runs(struct kunit *test)
{
	static const unsigned int pages[] = { 0, 1, 700 };
	struct drm_clip_rect clips[4];

	KUNIT_ASSERT_EQ(test, clips_of(&geo32, pages, 3, clips, 4), 2);
	expect_clip(test, &clips[0], 0, 0, 1024, 2);
	expect_clip(test, &clips[1], 0, 700, 1024, 701);
}

static void pages_16bpp(struct kunit *test)
{
	static const unsigned int pages[] = { 10 };
	struct drm_clip_rect clips[4];

	/* A page holds two 16 bpp lines. */
	KUNIT_ASSERT_EQ(test, clips_of(&geo16, pages, 1, clips, 4), 1);
	expect_clip(test, &clips[0], 0, 20, 1024, 22);
}

static void pages_sharing_a_line(struct kunit *test)
{
	static const unsigned int pages[] = { 0, 2, 5 };
	struct drm_clip_rect clips[4];

	/* Pages 0 and 2 lie in line 0 (exact x each): one clip for the line. */
	KUNIT_ASSERT_EQ(test, clips_of(&geo_wide, pages, 3, clips, 4), 2);
	expect_clip(test, &clips[0], 0, 0, 3072, 1);
	expect_clip(test, &clips[1], 1024, 1, 2048, 2);
}

static void pages_clip_limit(struct kunit *test)
{
	static const unsigned int pages[] = { 0, 10, 12, 100, 400 };
	struct drm_clip_rect clips[3];

	/* Five runs into three clips: the closest (10 and 12), then 0 joins. */
	KUNIT_ASSERT_EQ(test, clips_of(&geo32, pages, 5, clips, 3), 3);
	expect_clip(test, &clips[0], 0, 0, 1024, 13);
	expect_clip(test, &clips[1], 0, 100, 1024, 101);
	expect_clip(test, &clips[2], 0, 400, 1024, 401);
}

static void pages_none(struct kunit *test)
{
	struct drm_clip_rect clips[2];

	KUNIT_EXPECT_EQ(test, clips_of(&geo32, NULL, 0, clips, 2), 0);
}

/* A small framebuffer with padded lines: 10 pixels, 48-byte pitch, 4 lines. */
#define BLIT_PITCH 48
#define BLIT_LINES 4

struct blit_bufs {
	u8 *src;
	u8 *dst;
};

/* Blit clips from a numbered source into a zeroed destination. */
static void blit(struct kunit *test, struct blit_bufs *b, u32 bpp, u32 width,
		 const struct drm_clip_rect *clips, unsigned int n, bool io)
{
	const struct drm_fbdev_shadow_geometry geo = { BLIT_PITCH, bpp, width, BLIT_LINES };
	struct iosys_map map;
	unsigned int i;

	b->src = kunit_kmalloc(test, BLIT_PITCH * BLIT_LINES, GFP_KERNEL);
	b->dst = kunit_kzalloc(test, BLIT_PITCH * BLIT_LINES, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b->src);
	KUNIT_ASSERT_NOT_NULL(test, b->dst);
	for (i = 0; i < BLIT_PITCH * BLIT_LINES; i++)
		b->src[i] = i + 1;
	/* The I/O accessors, as for VRAM; on this memory they copy bytes. */
	if (io)
		iosys_map_set_vaddr_iomem(&map, (void __iomem *)b->dst);
	else
		iosys_map_set_vaddr(&map, b->dst);
	drm_fbdev_shadow_blit(&geo, &map, b->src, clips, n);
}

/* Bytes [x1, x2) of lines [y1, y2) were copied, and nothing else. */
static void expect_copied(struct kunit *test, const struct blit_bufs *b,
			  unsigned int x1, unsigned int y1, unsigned int x2, unsigned int y2)
{
	unsigned int x, y, bad = 0;

	for (y = 0; y < BLIT_LINES; y++) {
		for (x = 0; x < BLIT_PITCH; x++) {
			bool in = y >= y1 && y < y2 && x >= x1 && x < x2;
			u8 want = in ? b->src[y * BLIT_PITCH + x] : 0;

			if (b->dst[y * BLIT_PITCH + x] != want)
				bad++;
		}
	}
	KUNIT_EXPECT_EQ_MSG(test, bad, 0, "bytes [%u,%u) of lines [%u,%u)", x1, x2, y1, y2);
}

static void blit_32bpp(struct kunit *test)
{
	struct drm_clip_rect clip = { .x1 = 2, .y1 = 1, .x2 = 5, .y2 = 3 };
	struct blit_bufs b;

	blit(test, &b, 32, 10, &clip, 1, false);
	expect_copied(test, &b, 8, 1, 20, 3);
}

static void blit_io_memory(struct kunit *test)
{
	struct drm_clip_rect clip = { .x1 = 0, .y1 = 0, .x2 = 10, .y2 = 4 };
	struct blit_bufs b;

	blit(test, &b, 16, 10, &clip, 1, true);
	expect_copied(test, &b, 0, 0, 20, 4);
}

static void blit_sub_byte_pixels(struct kunit *test)
{
	struct drm_clip_rect clip = { .x1 = 9, .y1 = 2, .x2 = 17, .y2 = 3 };
	struct blit_bufs b;

	/* Pixels 9..16 at 1 bpp: bytes 1 and 2, each copied whole. */
	blit(test, &b, 1, 80, &clip, 1, false);
	expect_copied(test, &b, 1, 2, 3, 3);
}

static void blit_several_clips(struct kunit *test)
{
	struct drm_clip_rect clips[] = {
		{ .x1 = 0, .y1 = 0, .x2 = 1, .y2 = 1 },
		{ .x1 = 9, .y1 = 3, .x2 = 10, .y2 = 4 },
	};
	struct blit_bufs b;
	unsigned int i, copied = 0;

	blit(test, &b, 32, 10, clips, ARRAY_SIZE(clips), false);
	/* First and last pixel, and not one byte of the padding or between. */
	KUNIT_EXPECT_MEMEQ(test, b.dst, b.src, 4);
	KUNIT_EXPECT_MEMEQ(test, b.dst + 3 * BLIT_PITCH + 36, b.src + 3 * BLIT_PITCH + 36, 4);
	for (i = 0; i < BLIT_PITCH * BLIT_LINES; i++)
		copied += b.dst[i] != 0;
	KUNIT_EXPECT_EQ(test, copied, 8);
}

static void blit_nothing(struct kunit *test)
{
	struct blit_bufs b;

	blit(test, &b, 32, 10, NULL, 0, false);
	expect_copied(test, &b, 0, 0, 0, 0);
}

/* Feeds flushes with @dirty of 768 pages; returns the mode after them. */
static bool track(struct drm_fbdev_shadow_tracking *t, unsigned long dirty, unsigned int flushes)
{
	while (flushes--)
		drm_fbdev_shadow_tracking_update(t, dirty, 768);
	return t->scan;
}

static void tracking_enters_scan_after_two_dense_flushes(struct kunit *test)
{
	struct drm_fbdev_shadow_tracking t = {};

	KUNIT_EXPECT_FALSE(test, drm_fbdev_shadow_tracking_update(&t, 768, 768));
	KUNIT_EXPECT_FALSE(test, t.scan);
	KUNIT_EXPECT_TRUE(test, drm_fbdev_shadow_tracking_update(&t, 768, 768));
	KUNIT_EXPECT_TRUE(test, t.scan);
	/* a quarter is dense enough */
	t = (struct drm_fbdev_shadow_tracking){};
	KUNIT_EXPECT_TRUE(test, track(&t, 192, 2));
	/* just under a quarter is not, however long it lasts */
	t = (struct drm_fbdev_shadow_tracking){};
	KUNIT_EXPECT_FALSE(test, track(&t, 191, 100));
}

static void tracking_dense_flushes_must_follow_each_other(struct kunit *test)
{
	struct drm_fbdev_shadow_tracking t = {};

	/* dense, sparse, dense, sparse...: never two dense in a row */
	for (int i = 0; i < 50; i++) {
		drm_fbdev_shadow_tracking_update(&t, 768, 768);
		drm_fbdev_shadow_tracking_update(&t, 10, 768);
	}
	KUNIT_EXPECT_FALSE(test, t.scan);
}

static void tracking_leaves_scan_after_four_sparse_flushes(struct kunit *test)
{
	struct drm_fbdev_shadow_tracking t = { .scan = true };

	KUNIT_EXPECT_TRUE(test, track(&t, 0, 3));
	KUNIT_EXPECT_TRUE(test, drm_fbdev_shadow_tracking_update(&t, 0, 768));
	KUNIT_EXPECT_FALSE(test, t.scan);
	/* under a sixteenth is sparse */
	t = (struct drm_fbdev_shadow_tracking){ .scan = true };
	KUNIT_EXPECT_FALSE(test, track(&t, 47, 4));
	/* a sixteenth is not */
	t = (struct drm_fbdev_shadow_tracking){ .scan = true };
	KUNIT_EXPECT_TRUE(test, track(&t, 48, 100));
}

static void tracking_hysteresis(struct kunit *test)
{
	struct drm_fbdev_shadow_tracking t = {};

	/* Between a sixteenth and a quarter the mode stays as it is. */
	KUNIT_EXPECT_FALSE(test, track(&t, 100, 100));
	KUNIT_EXPECT_TRUE(test, track(&t, 768, 2));
	KUNIT_EXPECT_TRUE(test, track(&t, 100, 100));
	/* a dense flush breaks a sparse streak */
	track(&t, 0, 3);
	track(&t, 768, 1);
	KUNIT_EXPECT_TRUE(test, track(&t, 0, 3));
	KUNIT_EXPECT_FALSE(test, track(&t, 0, 1));
	/* and the streak starts again after a switch */
	KUNIT_EXPECT_FALSE(test, track(&t, 768, 1));
	KUNIT_EXPECT_TRUE(test, track(&t, 768, 1));
	KUNIT_EXPECT_EQ(test, t.streak, 0);
}

static void tracking_tiny_buffer(struct kunit *test)
{
	struct drm_fbdev_shadow_tracking t = {};

	/* One page: one dirty page is dense, none is sparse. */
	drm_fbdev_shadow_tracking_update(&t, 1, 1);
	KUNIT_EXPECT_TRUE(test, drm_fbdev_shadow_tracking_update(&t, 1, 1));
	KUNIT_EXPECT_TRUE(test, t.scan);
	for (int i = 0; i < 4; i++)
		drm_fbdev_shadow_tracking_update(&t, 0, 1);
	KUNIT_EXPECT_FALSE(test, t.scan);
}

/*
 * One flush as the worker makes it, with @dirty of 768 pages written since
 * the last walk. Returns true if it skipped its walk.
 */
static bool flush(struct drm_fbdev_shadow_tracking *t, unsigned long dirty)
{
	if (t->scan && drm_fbdev_shadow_tracking_skip(t))
		return true;
	drm_fbdev_shadow_tracking_update(t, dirty, 768);
	return false;
}

static void tracking_skips_after_two_full_walks(struct kunit *test)
{
	struct drm_fbdev_shadow_tracking t = { .scan = true };

	KUNIT_EXPECT_FALSE(test, flush(&t, 768));
	KUNIT_EXPECT_FALSE(test, flush(&t, 768));
	for (int i = 0; i < 4; i++)
		KUNIT_EXPECT_TRUE(test, flush(&t, 768));
	/* the walk after the skipped flushes, then two to measure again */
	KUNIT_EXPECT_FALSE(test, flush(&t, 768));
	KUNIT_EXPECT_FALSE(test, flush(&t, 768));
	KUNIT_EXPECT_FALSE(test, flush(&t, 768));
	KUNIT_EXPECT_TRUE(test, flush(&t, 768));
	KUNIT_EXPECT_TRUE(test, t.scan);
	/* fifteen sixteenths is nearly every page */
	t = (struct drm_fbdev_shadow_tracking){ .scan = true };
	flush(&t, 720);
	flush(&t, 720);
	KUNIT_EXPECT_TRUE(test, flush(&t, 720));
	/* one page less is not, however long it lasts */
	t = (struct drm_fbdev_shadow_tracking){ .scan = true };
	for (int i = 0; i < 100; i++)
		KUNIT_EXPECT_FALSE(test, flush(&t, 719));
}

static void tracking_skipped_walk_does_not_count(struct kunit *test)
{
	struct drm_fbdev_shadow_tracking t = { .scan = true };

	flush(&t, 768);
	flush(&t, 768);
	for (int i = 0; i < 4; i++)
		flush(&t, 768);
	KUNIT_EXPECT_TRUE(test, t.stale);
	/* finds several intervals' writes: not a measure of one */
	KUNIT_EXPECT_FALSE(test, flush(&t, 768));
	KUNIT_EXPECT_FALSE(test, t.stale);
	KUNIT_EXPECT_EQ(test, t.full, 0);
	KUNIT_EXPECT_FALSE(test, flush(&t, 768));
	KUNIT_EXPECT_EQ(test, t.full, 1);
	/* a walk that finds less breaks the run */
	KUNIT_EXPECT_FALSE(test, flush(&t, 719));
	KUNIT_EXPECT_EQ(test, t.full, 0);
	KUNIT_EXPECT_FALSE(test, flush(&t, 768));
	KUNIT_EXPECT_FALSE(test, flush(&t, 768));
	KUNIT_EXPECT_TRUE(test, flush(&t, 0));
}

static void tracking_skip_needs_full_walks_in_a_row(struct kunit *test)
{
	struct drm_fbdev_shadow_tracking t = { .scan = true };

	/* a program that redraws everything at every other flush */
	for (int i = 0; i < 50; i++) {
		KUNIT_EXPECT_FALSE(test, flush(&t, 768));
		KUNIT_EXPECT_FALSE(test, flush(&t, 0));
	}
	KUNIT_EXPECT_TRUE(test, t.scan);
	/* and never outside scan mode */
	t = (struct drm_fbdev_shadow_tracking){};
	KUNIT_EXPECT_FALSE(test, flush(&t, 768));
	KUNIT_EXPECT_FALSE(test, flush(&t, 768));
	KUNIT_EXPECT_TRUE(test, t.scan);
	/* the walk that switched says nothing of a scan interval */
	KUNIT_EXPECT_EQ(test, t.full, 0);
	KUNIT_EXPECT_FALSE(test, flush(&t, 768));
	KUNIT_EXPECT_FALSE(test, flush(&t, 768));
	KUNIT_EXPECT_TRUE(test, flush(&t, 768));
}

/*
 * Two full walks, @skipped flushes without a walk, then the last writes,
 * to @late pages; returns the number of flushes after them until scan mode
 * ends.
 */
static unsigned int flushes_to_leave(struct kunit *test, unsigned int skipped,
				     unsigned long late)
{
	struct drm_fbdev_shadow_tracking t = { .scan = true };
	unsigned long since_walk = late;
	unsigned int n = 0;

	flush(&t, 768);
	flush(&t, 768);
	for (unsigned int i = 0; i < skipped; i++)
		KUNIT_EXPECT_TRUE(test, flush(&t, 768));
	while (t.scan && n < 100) {
		if (!flush(&t, since_walk))
			since_walk = 0;
		n++;
	}
	KUNIT_EXPECT_EQ(test, t.skip, 0);
	KUNIT_EXPECT_EQ(test, t.full, 0);
	KUNIT_EXPECT_FALSE(test, t.stale);
	return n;
}

static void tracking_skipping_ends_with_the_writes(struct kunit *test)
{
	/* five flushes with a walk at each: one finds the late writes, four nothing */
	KUNIT_EXPECT_EQ(test, flushes_to_leave(test, 4, 768), 5);
	/* at most four more while walks are skipped */
	KUNIT_EXPECT_EQ(test, flushes_to_leave(test, 0, 768), 9);
	KUNIT_EXPECT_EQ(test, flushes_to_leave(test, 0, 0), 8);
	KUNIT_EXPECT_EQ(test, flushes_to_leave(test, 3, 768), 6);
	KUNIT_EXPECT_EQ(test, flushes_to_leave(test, 3, 0), 5);
}

/*
 * Sub-page damage: four pages of a framebuffer, the copies of its pages,
 * and the bitmap of dirty pages. With @valid, page i has a valid copy in
 * slot i, so d->copy is laid out as d->buf. The geometries here assume
 * 4 KiB pages, like the ones above.
 */
struct diff_bufs {
	u8 *buf;
	u8 *copy;
	u32 slot[4], page[4], last[4];
	DECLARE_BITMAP(valid, 4);
	DECLARE_BITMAP(pages, 4);
	DECLARE_BITMAP(reread, 4);
	struct drm_fbdev_shadow_copies copies;
};

static void copies_init(struct drm_fbdev_shadow_copies *c, void *mem, u32 *slot, u32 *page,
			u32 *last, unsigned long *valid, u32 slots, unsigned long npages)
{
	memset(slot, 0xff, npages * sizeof(u32));
	memset(page, 0xff, slots * sizeof(u32));
	memset(last, 0, slots * sizeof(u32));
	bitmap_zero(valid, npages);
	*c = (struct drm_fbdev_shadow_copies){
		.mem = mem, .slot = slot, .page = page, .last = last,
		.valid = valid, .slots = slots,
	};
	drm_fbdev_shadow_copies_round(c);
}

static struct diff_bufs *diff_setup(struct kunit *test, bool valid)
{
	struct diff_bufs *d;

	if (PAGE_SIZE != 4096)
		kunit_skip(test, "the geometries assume 4 KiB pages");
	d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, d);
	d->buf = kunit_kzalloc(test, 4 * PAGE_SIZE, GFP_KERNEL);
	d->copy = kunit_kzalloc(test, 4 * PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, d->buf);
	KUNIT_ASSERT_NOT_NULL(test, d->copy);
	copies_init(&d->copies, d->copy, d->slot, d->page, d->last, d->valid, 4, 4);
	if (valid) {
		for (int i = 0; i < 4; i++) {
			KUNIT_ASSERT_PTR_EQ(test, drm_fbdev_shadow_copy_slot(&d->copies, i),
					    (void *)(d->copy + i * PAGE_SIZE));
			__set_bit(i, d->valid);
		}
	}
	bitmap_zero(d->pages, 4);
	return d;
}

static unsigned int diff(const struct drm_fbdev_shadow_geometry *geo, struct diff_bufs *d,
			 struct drm_clip_rect *clips, unsigned int max)
{
	drm_fbdev_shadow_copies_round(&d->copies);
	return drm_fbdev_shadow_diff_to_clips(geo, d->buf, &d->copies, d->pages, 4, clips, max);
}

/* 32 bpp, a page per line; 16 bpp, two lines a page; 24 bpp, 1500-byte lines */
static const struct drm_fbdev_shadow_geometry geo32_4 = { 4096, 32, 1024, 4 };
static const struct drm_fbdev_shadow_geometry geo16_8 = { 2048, 16, 1024, 8 };
static const struct drm_fbdev_shadow_geometry geo24_odd = { 1500, 24, 500, 10 };

static void diff_pixels_of_changed_words(struct kunit *test)
{
	struct diff_bufs *d = diff_setup(test, true);
	struct drm_clip_rect clips[4];

	/* Pixel 101 of line 2: its word also holds pixel 100. */
	d->buf[2 * 4096 + 101 * 4] = 0xff;
	__set_bit(2, d->pages);
	KUNIT_ASSERT_EQ(test, diff(&geo32_4, d, clips, 4), 1);
	expect_clip(test, &clips[0], 100, 2, 102, 3);
	/* The copy took the change: the same page again has no damage. */
	KUNIT_EXPECT_EQ(test, d->copy[2 * 4096 + 101 * 4], 0xff);
	KUNIT_EXPECT_EQ(test, diff(&geo32_4, d, clips, 4), 0);
}

/*
 * Pages are compared eight words at a time: a change in any word of a
 * group, the page's first and last words included, is found alone.
 */
static void diff_each_word_of_a_group(struct kunit *test)
{
	const unsigned int size = sizeof(long), words = 4096 / sizeof(long);
	struct diff_bufs *d = diff_setup(test, true);
	struct drm_clip_rect clips[4];
	unsigned int w;

	__set_bit(1, d->pages);
	for (w = 0; w < 16; w++) {
		/* the page's first eight words, then its last eight */
		unsigned int word = w < 8 ? w : words - 16 + w;

		d->buf[4096 + (word + 1) * size - 1] = w + 1;
		KUNIT_ASSERT_EQ(test, diff(&geo32_4, d, clips, 4), 1);
		expect_clip(test, &clips[0], word * size / 4, 1, (word + 1) * size / 4, 2);
		KUNIT_EXPECT_EQ(test, diff(&geo32_4, d, clips, 4), 0);
	}
}

static void diff_unchanged_page(struct kunit *test)
{
	struct diff_bufs *d = diff_setup(test, true);
	struct drm_clip_rect clips[4];

	/* Dirty but rewritten with what it held: no damage. */
	bitmap_fill(d->pages, 4);
	KUNIT_EXPECT_EQ(test, diff(&geo32_4, d, clips, 4), 0);
}

static void diff_page_without_copy(struct kunit *test)
{
	struct diff_bufs *d = diff_setup(test, false);
	struct drm_clip_rect clips[4];

	/* No copy yet: the page is damaged whole, then copied. */
	d->buf[3 * 4096 + 8] = 1;
	__set_bit(3, d->pages);
	KUNIT_ASSERT_EQ(test, diff(&geo32_4, d, clips, 4), 1);
	expect_clip(test, &clips[0], 0, 3, 1024, 4);
	KUNIT_EXPECT_TRUE(test, test_bit(3, d->valid));
	KUNIT_EXPECT_FALSE(test, test_bit(2, d->valid));
	/* the first free slot */
	KUNIT_EXPECT_EQ(test, d->slot[3], 0);
	KUNIT_EXPECT_EQ(test, d->copy[8], 1);
	KUNIT_EXPECT_EQ(test, diff(&geo32_4, d, clips, 4), 0);
}

static void diff_page_without_a_slot(struct kunit *test)
{
	struct diff_bufs *d = diff_setup(test, false);
	struct drm_clip_rect clips[4];

	/* One slot, taken by page 0 in this round: page 2 is reported whole. */
	d->copies.slots = 1;
	d->buf[0] = 1;
	d->buf[2 * 4096 + 4] = 1;
	__set_bit(0, d->pages);
	__set_bit(2, d->pages);
	KUNIT_ASSERT_EQ(test, diff(&geo32_4, d, clips, 4), 2);
	expect_clip(test, &clips[0], 0, 0, 1024, 1);
	expect_clip(test, &clips[1], 0, 2, 1024, 3);
	KUNIT_EXPECT_TRUE(test, test_bit(0, d->valid));
	KUNIT_EXPECT_FALSE(test, test_bit(2, d->valid));
	KUNIT_EXPECT_EQ(test, d->slot[2], DRM_FBDEV_SHADOW_NO_SLOT);
	/* page 0 keeps its copy while it is written: exact damage again */
	d->buf[8] = 1;
	KUNIT_ASSERT_EQ(test, diff(&geo32_4, d, clips, 4), 2);
	expect_clip(test, &clips[0], 2, 0, 4, 1);
	expect_clip(test, &clips[1], 0, 2, 1024, 3);
}

static void copies_keep_the_pages_in_use(struct kunit *test)
{
	static u8 mem[2][PAGE_SIZE];
	struct drm_fbdev_shadow_copies c;
	u32 slot[8], page[2], last[2];
	DECLARE_BITMAP(valid, 8);

	copies_init(&c, mem, slot, page, last, valid, 2, 8);
	KUNIT_EXPECT_PTR_EQ(test, drm_fbdev_shadow_copy_slot(&c, 5), (void *)mem[0]);
	KUNIT_EXPECT_PTR_EQ(test, drm_fbdev_shadow_copy_slot(&c, 6), (void *)mem[1]);
	__set_bit(5, valid);
	__set_bit(6, valid);
	/* both slots taken in this round: page 7 gets none */
	KUNIT_EXPECT_NULL(test, drm_fbdev_shadow_copy_slot(&c, 7));
	drm_fbdev_shadow_copies_round(&c);
	/* page 5 is used again, page 6 was used in the round before */
	KUNIT_EXPECT_PTR_EQ(test, drm_fbdev_shadow_copy_slot(&c, 5), (void *)mem[0]);
	KUNIT_EXPECT_NULL(test, drm_fbdev_shadow_copy_slot(&c, 7));
	/* page 6 unused for a whole round: its slot goes to page 7 */
	drm_fbdev_shadow_copies_round(&c);
	KUNIT_EXPECT_PTR_EQ(test, drm_fbdev_shadow_copy_slot(&c, 5), (void *)mem[0]);
	KUNIT_EXPECT_PTR_EQ(test, drm_fbdev_shadow_copy_slot(&c, 7), (void *)mem[1]);
	KUNIT_EXPECT_EQ(test, slot[6], DRM_FBDEV_SHADOW_NO_SLOT);
	KUNIT_EXPECT_FALSE(test, test_bit(6, valid));
	KUNIT_EXPECT_FALSE(test, test_bit(7, valid));
	KUNIT_EXPECT_TRUE(test, test_bit(5, valid));
	KUNIT_EXPECT_EQ(test, page[1], 7);
}

static void copies_look_at_each_slot_once_a_round(struct kunit *test)
{
	static u8 mem[4][PAGE_SIZE];
	struct drm_fbdev_shadow_copies c;
	u32 slot[64], page[4], last[4];
	DECLARE_BITMAP(valid, 64);
	int i;

	copies_init(&c, mem, slot, page, last, valid, 4, 64);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_NOT_NULL(test, drm_fbdev_shadow_copy_slot(&c, i));
	/* four slots looked at: the other pages of the round get none */
	for (i = 4; i < 64; i++)
		KUNIT_EXPECT_NULL(test, drm_fbdev_shadow_copy_slot(&c, i));
	KUNIT_EXPECT_EQ(test, c.budget, 0);
	/* a page that has a slot still finds it */
	KUNIT_EXPECT_PTR_EQ(test, drm_fbdev_shadow_copy_slot(&c, 2), (void *)mem[2]);
	/* two rounds on, all four are free to take again */
	drm_fbdev_shadow_copies_round(&c);
	drm_fbdev_shadow_copies_round(&c);
	for (i = 10; i < 14; i++)
		KUNIT_EXPECT_NOT_NULL(test, drm_fbdev_shadow_copy_slot(&c, i));
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, slot[i], DRM_FBDEV_SHADOW_NO_SLOT);
}

static void diff_two_corners(struct kunit *test)
{
	struct diff_bufs *d = diff_setup(test, true);
	struct drm_clip_rect clips[4];

	/* 32 pixels at the start of line 0, 32 at the end of line 3 */
	memset(d->buf, 0x40, 32 * 4);
	memset(d->buf + 3 * 4096 + 992 * 4, 0x40, 32 * 4);
	bitmap_fill(d->pages, 4);
	KUNIT_ASSERT_EQ(test, diff(&geo32_4, d, clips, 4), 2);
	expect_clip(test, &clips[0], 0, 0, 32, 1);
	expect_clip(test, &clips[1], 992, 3, 1024, 4);
}

static void diff_consecutive_lines_merge(struct kunit *test)
{
	struct diff_bufs *d = diff_setup(test, true);
	struct drm_clip_rect clips[4];

	/* 16 bpp, words of four pixels: pixel 10 of line 2, pixel 20 of line 3 */
	d->buf[2 * 2048 + 10 * 2] = 1;
	d->buf[3 * 2048 + 20 * 2] = 1;
	__set_bit(1, d->pages);
	KUNIT_ASSERT_EQ(test, diff(&geo16_8, d, clips, 4), 1);
	expect_clip(test, &clips[0], 8, 2, 24, 4);
}

static void diff_line_shared_with_a_clean_page(struct kunit *test)
{
	struct diff_bufs *d = diff_setup(test, true);
	struct drm_clip_rect clips[4];

	/*
	 * Page 1 starts at byte 1096 of line 2 (pixel 365 and a third). Only
	 * page 1 is dirty: a change in page 0's part of line 2 is not seen.
	 */
	d->buf[4096] = 1;
	d->buf[4000] = 1;
	__set_bit(1, d->pages);
	KUNIT_ASSERT_EQ(test, diff(&geo24_odd, d, clips, 4), 1);
	expect_clip(test, &clips[0], 365, 2, 368, 3);
	KUNIT_EXPECT_EQ(test, d->copy[4000], 0);
}

static void diff_word_across_lines(struct kunit *test)
{
	struct diff_bufs *d = diff_setup(test, true);
	struct drm_clip_rect clips[4];

	/* Bytes 1496-1503: the last pixels of line 0 and the first of line 1 */
	d->buf[1501] = 1;
	__set_bit(0, d->pages);
	KUNIT_ASSERT_EQ(test, diff(&geo24_odd, d, clips, 4), 1);
	expect_clip(test, &clips[0], 0, 0, 500, 2);
}

/* The display read @read: the pages in d->reread were written meanwhile. */
static void diff_read(struct diff_bufs *d, const struct drm_clip_rect *read, unsigned int n)
{
	d->copies.reread = d->reread;
	d->copies.read = read;
	d->copies.n_read = n;
}

/*
 * Pages written while the display read a present's clips: each is damaged
 * inside those clips as well as where it changed, the rest of its lines
 * staying out of the damage, and only when compared.
 */
static void diff_reread_inside_the_clips_read(struct kunit *test)
{
	static const struct drm_clip_rect read[] = {
		{ .x1 = 16, .y1 = 0, .x2 = 48, .y2 = 4 },	/* pages 0 to 3 */
		{ .x1 = 900, .y1 = 3, .x2 = 910, .y2 = 4 },	/* page 3 */
	};
	struct diff_bufs *d = diff_setup(test, true);
	struct drm_clip_rect clips[4];

	diff_read(d, read, ARRAY_SIZE(read));
	/* written back to what the copies hold: no comparison finds anything */
	bitmap_fill(d->reread, 4);
	bitmap_fill(d->pages, 4);
	KUNIT_ASSERT_EQ(test, diff(&geo32_4, d, clips, 4), 1);
	expect_clip(test, &clips[0], 16, 0, 910, 4);
	/* a page not dirty is not compared, so not damaged either */
	bitmap_zero(d->pages, 4);
	__set_bit(1, d->pages);
	__set_bit(2, d->pages);
	KUNIT_ASSERT_EQ(test, diff(&geo32_4, d, clips, 4), 1);
	expect_clip(test, &clips[0], 16, 1, 48, 3);
	/* with a change, and outside the pages marked */
	bitmap_zero(d->reread, 4);
	__set_bit(1, d->reread);
	d->buf[2 * 4096 + 600 * 4] = 1;
	KUNIT_ASSERT_EQ(test, diff(&geo32_4, d, clips, 4), 1);
	expect_clip(test, &clips[0], 16, 1, 602, 3);
	/* no clips read, no mark: only what changed */
	d->copies.n_read = 0;
	d->buf[2 * 4096 + 700 * 4] = 1;
	KUNIT_ASSERT_EQ(test, diff(&geo32_4, d, clips, 4), 1);
	expect_clip(test, &clips[0], 700, 2, 702, 3);
}

/* The pages whose comparison found a change, for the hot pages' rule. */
static void diff_tells_the_pages_changed(struct kunit *test)
{
	struct diff_bufs *d = diff_setup(test, true);
	struct drm_clip_rect clips[4];
	DECLARE_BITMAP(changed, 4);

	d->copies.changed = changed;
	bitmap_fill(changed, 4);
	d->buf[1 * 4096 + 40] = 1;
	__set_bit(0, d->pages);
	__set_bit(1, d->pages);
	KUNIT_ASSERT_EQ(test, diff(&geo32_4, d, clips, 4), 1);
	/* page 0 unchanged, page 1 changed; pages not compared keep their bits */
	KUNIT_EXPECT_FALSE(test, test_bit(0, changed));
	KUNIT_EXPECT_TRUE(test, test_bit(1, changed));
	KUNIT_EXPECT_TRUE(test, test_bit(2, changed));
	/* a page without a copy, reported whole, was not compared: unchanged */
	__clear_bit(0, d->valid);
	__set_bit(0, changed);
	KUNIT_ASSERT_EQ(test, diff(&geo32_4, d, clips, 4), 1);
	KUNIT_EXPECT_FALSE(test, test_bit(0, changed));
	KUNIT_EXPECT_FALSE(test, test_bit(1, changed));
}

/* Lines that do not start on a page: each line's part in the page only. */
static void diff_reread_part_of_lines(struct kunit *test)
{
	static const struct drm_clip_rect read[] = {
		{ .x1 = 100, .y1 = 0, .x2 = 400, .y2 = 10 },
	};
	struct diff_bufs *d = diff_setup(test, true);
	struct drm_clip_rect clips[4];

	diff_read(d, read, ARRAY_SIZE(read));
	/*
	 * Page 1 holds bytes 4096-8191: line 2 from pixel 365 and a third,
	 * lines 3 and 4, line 5 up to pixel 230 and a third. Only line 2
	 * and line 5 within the page are damaged, the latter to pixel 231.
	 */
	__set_bit(1, d->reread);
	__set_bit(1, d->pages);
	KUNIT_ASSERT_EQ(test, diff(&geo24_odd, d, clips, 4), 1);
	expect_clip(test, &clips[0], 100, 2, 400, 6);
	/* in line 2 alone: from the page's first pixel */
	d->copies.read = &(const struct drm_clip_rect){ 0, 2, 500, 3 };
	KUNIT_ASSERT_EQ(test, diff(&geo24_odd, d, clips, 4), 1);
	expect_clip(test, &clips[0], 365, 2, 500, 3);
	/* in line 5 alone: to the page's last pixel */
	d->copies.read = &(const struct drm_clip_rect){ 0, 5, 500, 6 };
	KUNIT_ASSERT_EQ(test, diff(&geo24_odd, d, clips, 4), 1);
	expect_clip(test, &clips[0], 0, 5, 231, 6);
}

static void diff_padding(struct kunit *test)
{
	static const struct drm_fbdev_shadow_geometry geo = { 4096, 32, 1000, 4 };
	struct diff_bufs *d = diff_setup(test, true);
	struct drm_clip_rect clips[4];

	/* Past the visible width of line 1: taken into the copy, no pixels */
	d->buf[4096 + 4000] = 1;
	__set_bit(1, d->pages);
	KUNIT_EXPECT_EQ(test, diff(&geo, d, clips, 4), 0);
	KUNIT_EXPECT_EQ(test, d->copy[4096 + 4000], 1);
}

static void diff_clip_limit(struct kunit *test)
{
	struct diff_bufs *d = diff_setup(test, true);
	struct drm_clip_rect clips[2];

	/* 16 bpp: changes in lines 0, 2 and 6 into two clips, 0 and 2 joined */
	d->buf[0] = 1;
	d->buf[2 * 2048 + 40] = 1;
	d->buf[6 * 2048 + 80] = 1;
	bitmap_fill(d->pages, 4);
	KUNIT_ASSERT_EQ(test, diff(&geo16_8, d, clips, 2), 2);
	expect_clip(test, &clips[0], 0, 0, 24, 3);
	expect_clip(test, &clips[1], 40, 6, 44, 7);
}

/* Hot pages of a 130-page buffer (three words of bitmap, the last partial) */
struct hot_state {
	DECLARE_BITMAP(pages, 130);
	DECLARE_BITMAP(counting, 130);
	DECLARE_BITMAP(written, 130);
	u8 streak[130];
	struct drm_fbdev_shadow_hot hot;
};

static struct hot_state *hot_setup(struct kunit *test)
{
	struct hot_state *h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, h);
	h->hot = (struct drm_fbdev_shadow_hot){
		.pages = h->pages, .counting = h->counting, .streak = h->streak,
	};
	return h;
}

/* @flushes flushes that each find @page written (or not); returns the pages that left */
static unsigned long hot_flushes(struct hot_state *h, long page, int flushes, bool busy)
{
	unsigned long left = 0;

	bitmap_zero(h->written, 130);
	if (page >= 0)
		__set_bit(page, h->written);
	while (flushes--)
		left += drm_fbdev_shadow_hot_update(&h->hot, h->written, 130, busy);
	return left;
}

static void hot_after_three_busy_flushes(struct kunit *test)
{
	struct hot_state *h = hot_setup(test);

	hot_flushes(h, 129, 2, true);
	KUNIT_EXPECT_FALSE(test, test_bit(129, h->pages));
	KUNIT_EXPECT_TRUE(test, test_bit(129, h->counting));
	KUNIT_EXPECT_EQ(test, h->streak[129], 2);
	hot_flushes(h, 129, 1, true);
	KUNIT_EXPECT_TRUE(test, test_bit(129, h->pages));
	KUNIT_EXPECT_FALSE(test, test_bit(129, h->counting));
	KUNIT_EXPECT_EQ(test, h->hot.count, 1);
	KUNIT_EXPECT_EQ(test, bitmap_weight(h->pages, 130), 1);
	/* written all along: it stays hot */
	KUNIT_EXPECT_EQ(test, hot_flushes(h, 129, 100, true), 0);
	KUNIT_EXPECT_EQ(test, h->hot.count, 1);
}

static void hot_streak_must_not_break(struct kunit *test)
{
	struct hot_state *h = hot_setup(test);

	/* written, written, clean: the count starts again */
	for (int i = 0; i < 20; i++) {
		hot_flushes(h, 64, 2, true);
		hot_flushes(h, -1, 1, true);
	}
	KUNIT_EXPECT_EQ(test, h->hot.count, 0);
	KUNIT_EXPECT_EQ(test, h->streak[64], 0);
	KUNIT_EXPECT_TRUE(test, bitmap_empty(h->counting, 130));
}

static void hot_pause_starts_the_count_again(struct kunit *test)
{
	struct hot_state *h = hot_setup(test);

	/* a blinking cursor: each write comes after a pause */
	hot_flushes(h, 3, 10, false);
	KUNIT_EXPECT_EQ(test, h->hot.count, 0);
	KUNIT_EXPECT_EQ(test, h->streak[3], 1);
	/* busy flushes count on from the one after the pause */
	hot_flushes(h, 3, 1, true);
	KUNIT_EXPECT_EQ(test, h->hot.count, 0);
	hot_flushes(h, 3, 1, true);
	KUNIT_EXPECT_EQ(test, h->hot.count, 1);
}

static void hot_leaves_after_four_clean_flushes(struct kunit *test)
{
	struct hot_state *h = hot_setup(test);

	hot_flushes(h, 70, 3, true);
	KUNIT_ASSERT_EQ(test, h->hot.count, 1);
	KUNIT_EXPECT_EQ(test, hot_flushes(h, -1, 3, true), 0);
	KUNIT_EXPECT_TRUE(test, test_bit(70, h->pages));
	/* one write puts the count back to zero */
	hot_flushes(h, 70, 1, true);
	KUNIT_EXPECT_EQ(test, hot_flushes(h, -1, 3, true), 0);
	KUNIT_EXPECT_EQ(test, hot_flushes(h, -1, 1, true), 1);
	KUNIT_EXPECT_FALSE(test, test_bit(70, h->pages));
	KUNIT_EXPECT_EQ(test, h->hot.count, 0);
	KUNIT_EXPECT_EQ(test, h->streak[70], 0);
	/* and it takes three busy flushes again to come back */
	hot_flushes(h, 70, 2, true);
	KUNIT_EXPECT_EQ(test, h->hot.count, 0);
}

static void hot_promote_before_protect(struct kunit *test)
{
	struct hot_state *h = hot_setup(test);
	DECLARE_BITMAP(faulted, 130) = {};

	/* page 100 found written by two busy flushes, page 101 by one */
	hot_flushes(h, 100, 1, true);
	__set_bit(101, h->written);
	drm_fbdev_shadow_hot_update(&h->hot, h->written, 130, true);
	KUNIT_ASSERT_EQ(test, h->streak[100], 2);
	KUNIT_ASSERT_EQ(test, h->streak[101], 1);
	__clear_bit(101, h->written);

	/* no fault in page 100 yet, page 101 a flush short: nothing */
	__set_bit(5, faulted);
	__set_bit(101, faulted);
	KUNIT_EXPECT_EQ(test, drm_fbdev_shadow_hot_promote(&h->hot, faulted, 130, true), 0);
	__set_bit(100, faulted);
	/* after a pause the count starts again */
	KUNIT_EXPECT_EQ(test, drm_fbdev_shadow_hot_promote(&h->hot, faulted, 130, false), 0);
	KUNIT_EXPECT_EQ(test, h->hot.count, 0);
	/* the third busy flush: hot before the comparison */
	KUNIT_EXPECT_EQ(test, drm_fbdev_shadow_hot_promote(&h->hot, faulted, 130, true), 1);
	KUNIT_EXPECT_TRUE(test, test_bit(100, h->pages));
	KUNIT_EXPECT_FALSE(test, test_bit(100, h->counting));
	KUNIT_EXPECT_EQ(test, h->streak[100], 0);
	KUNIT_EXPECT_FALSE(test, test_bit(101, h->pages));
	KUNIT_EXPECT_FALSE(test, test_bit(5, h->pages));
	KUNIT_EXPECT_EQ(test, h->hot.count, 1);

	/* the comparison found page 100 changed: one hot page, not two */
	KUNIT_EXPECT_EQ(test, drm_fbdev_shadow_hot_update(&h->hot, h->written, 130, true), 0);
	KUNIT_EXPECT_EQ(test, h->hot.count, 1);
	KUNIT_EXPECT_EQ(test, bitmap_weight(h->pages, 130), 1);
	KUNIT_EXPECT_EQ(test, h->streak[100], 0);
	/* and it leaves as any hot page does */
	KUNIT_EXPECT_EQ(test, hot_flushes(h, -1, 3, true), 0);
	KUNIT_EXPECT_EQ(test, hot_flushes(h, -1, 1, true), 1);
	KUNIT_EXPECT_EQ(test, h->hot.count, 0);
}

static void hot_pages_apart(struct kunit *test)
{
	struct hot_state *h = hot_setup(test);
	int i;

	/* two rectangles redrawn at every flush: every fourth page of 130 */
	bitmap_zero(h->written, 130);
	for (i = 0; i < 130; i += 4)
		__set_bit(i, h->written);
	for (i = 0; i < 3; i++)
		drm_fbdev_shadow_hot_update(&h->hot, h->written, 130, true);
	KUNIT_EXPECT_EQ(test, h->hot.count, 33);
	KUNIT_EXPECT_TRUE(test, bitmap_equal(h->pages, h->written, 130));
	/* the writes stop: four flushes later every page is protected */
	bitmap_zero(h->written, 130);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test,
				drm_fbdev_shadow_hot_update(&h->hot, h->written, 130, true),
				i == 3 ? 33 : 0);
	KUNIT_EXPECT_TRUE(test, bitmap_empty(h->pages, 130));
	KUNIT_EXPECT_EQ(test, h->hot.count, 0);
}

static struct kunit_case drm_fbdev_shadow_tests[] = {
	KUNIT_CASE(range_inside_one_line),
	KUNIT_CASE(range_whole_line),
	KUNIT_CASE(range_across_lines),
	KUNIT_CASE(range_outside),
	KUNIT_CASE(pages_two_runs),
	KUNIT_CASE(pages_16bpp),
	KUNIT_CASE(pages_sharing_a_line),
	KUNIT_CASE(pages_clip_limit),
	KUNIT_CASE(pages_none),
	KUNIT_CASE(diff_pixels_of_changed_words),
	KUNIT_CASE(diff_each_word_of_a_group),
	KUNIT_CASE(diff_unchanged_page),
	KUNIT_CASE(diff_page_without_copy),
	KUNIT_CASE(diff_page_without_a_slot),
	KUNIT_CASE(copies_keep_the_pages_in_use),
	KUNIT_CASE(copies_look_at_each_slot_once_a_round),
	KUNIT_CASE(diff_two_corners),
	KUNIT_CASE(diff_consecutive_lines_merge),
	KUNIT_CASE(diff_line_shared_with_a_clean_page),
	KUNIT_CASE(diff_word_across_lines),
	KUNIT_CASE(diff_reread_inside_the_clips_read),
	KUNIT_CASE(diff_reread_part_of_lines),
	KUNIT_CASE(diff_tells_the_pages_changed),
	KUNIT_CASE(diff_padding),
	KUNIT_CASE(diff_clip_limit),
	KUNIT_CASE(blit_32bpp),
	KUNIT_CASE(blit_io_memory),
	KUNIT_CASE(blit_sub_byte_pixels),
	KUNIT_CASE(blit_several_clips),
	KUNIT_CASE(blit_nothing),
	KUNIT_CASE(tracking_enters_scan_after_two_dense_flushes),
	KUNIT_CASE(tracking_dense_flushes_must_follow_each_other),
	KUNIT_CASE(tracking_leaves_scan_after_four_sparse_flushes),
	KUNIT_CASE(tracking_hysteresis),
	KUNIT_CASE(tracking_tiny_buffer),
	KUNIT_CASE(tracking_skips_after_two_full_walks),
	KUNIT_CASE(tracking_skipped_walk_does_not_count),
	KUNIT_CASE(tracking_skip_needs_full_walks_in_a_row),
	KUNIT_CASE(tracking_skipping_ends_with_the_writes),
	KUNIT_CASE(hot_after_three_busy_flushes),
	KUNIT_CASE(hot_streak_must_not_break),
	KUNIT_CASE(hot_pause_starts_the_count_again),
	KUNIT_CASE(hot_leaves_after_four_clean_flushes),
	KUNIT_CASE(hot_promote_before_protect),
	KUNIT_CASE(hot_pages_apart),
	{ }
};

static struct kunit_suite drm_fbdev_shadow_suite = {
	.name = "drm_fbdev_shadow",
	.test_cases = drm_fbdev_shadow_tests,
};

kunit_test_suite(drm_fbdev_shadow_suite);

MODULE_DESCRIPTION("KUnit tests for drm_fbdev_shadow");
MODULE_LICENSE("Dual MIT/GPL");
