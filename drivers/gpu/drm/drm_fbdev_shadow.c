// SPDX-License-Identifier: MIT

#include <linux/anon_inodes.h>
#include <linux/bitmap.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/dma-resv.h>
#include <linux/fb.h>
#include <linux/file.h>
#include <linux/iosys-map.h>
#include <linux/kref.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pagewalk.h>
#include <linux/pfn_t.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include <kunit/visibility.h>

#include <drm/drm_client.h>
#include <drm/drm_crtc_helper.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_fb_helper.h>
#include <drm/drm_fbdev_shadow.h>
#include <drm/drm_fourcc.h>
#include <drm/drm_framebuffer.h>
#include <drm/drm_gem.h>
#include <drm/drm_modes.h>
#include <drm/drm_prime.h>
#include <drm/drm_print.h>

#define CREATE_TRACE_POINTS
#include "drm_fbdev_shadow_trace.h"

/**
 * DOC: overview
 *
 * drm_fbdev_shadow is the fbdev emulation of DRM drivers. It never maps
 * framebuffer memory through fb_defio and never touches a struct page of
 * it. What userspace maps depends on the memory the driver declares (see
 * &enum drm_fbdev_shadow_memory):
 *
 * - Cached system memory with a kernel mapping in the vmalloc range (shmem
 *   GEM objects) is mapped directly.
 * - Memory that must not be mapped to userspace page by page (I/O memory,
 *   buffers that may move, memory the DMA API owns) is shadowed: userspace
 *   and fbcon write to a vmalloc buffer, and its damaged clips are blitted
 *   to the real buffer on each flush.
 * - DMA memory of drivers that take no damage is mapped through the GEM
 *   object's own mmap, untracked, as the hardware scans it out directly.
 *
 * In the first two cases a shared mapping of /dev/fbN is a VM_PFNMAP
 * mapping of the pfns behind the vmalloc memory. Faults insert read-only
 * PTEs; the first write to a page comes through
 * &vm_operations_struct.pfn_mkwrite, which records the page in a dirty
 * bitmap and makes the PTE writable. A worker then write-protects and
 * cleans the pages again with wp_clean_record_shared_mapping_range() (one
 * update per PTE, see drm_fbdev_shadow_rearm()) and turns runs of dirty
 * pages into damage clips for the framebuffer's &drm_framebuffer_funcs.dirty hook:
 * whole scanlines, with exact horizontal bounds where a run lies within one
 * scanline, and several clips per flush. Flushes follow the display's
 * refresh rate: the first within a frame of a write after idle, then one
 * about every 50 ms in whole refresh periods (every third at 60 Hz) while
 * writes keep coming, never two in one period. While most of the buffer is
 * rewritten between flushes, pages stay writable and each flush reads the
 * dirty bits of the page tables instead of taking a fault per page (scan
 * mode, see drm_fbdev_shadow_tracking_update()); while nearly all of it is,
 * most flushes report the whole buffer without reading them (see
 * drm_fbdev_shadow_tracking_skip()). Where a few pages are
 * rewritten between every two flushes, a clock or a moving cursor, those
 * pages alone stay writable, and each flush compares them with their
 * copies (see below) without touching their PTEs, while the rest of the
 * buffer stays write-protected (hot pages, see
 * drm_fbdev_shadow_hot_update()).
 *
 * A dirty page says little about what changed in it: at a 4096-byte pitch
 * it is a whole scanline. In write-protect mode the helper keeps copies of
 * what the display was last given of the pages being written and compares
 * each dirty page with its copy, so the clips cover the written pixels
 * only (see drm_fbdev_shadow_diff_to_clips()). All the helper allocates for
 * itself, copies and bookkeeping, stays within a sixteenth of the
 * framebuffer plus 1 MiB (overhead_bytes in debugfs); a dirty page that
 * finds no free slot for its copy is reported whole. Pages written while
 * the display may have been reading the buffer (a flush being presented, a
 * pan, a modeset, fbcon's own damage), and pages the kernel wrote (fbcon,
 * write()), are reported whole at their next flush, as the display may
 * hold something the copy does not. Where the helper knows what the
 * display read, because the flush worker presented by blitting its clips
 * from the shadow or the driver reads nothing but the clips
 * (%DRM_FBDEV_SHADOW_DIRTY_READS_CLIPS), a page written during that
 * present is reported as its comparison finds plus its part inside those
 * clips, so a cursor or a clock written at any time stays small damage.
 * A driver whose reads go on after its update returns fences them in the
 * buffer's reservation; the present then lasts, for this purpose, until
 * those fences signal, and the next flush waits for them first.
 * Scan mode, where most of the buffer changes anyway, reports pages whole.
 *
 * Every mapping of the framebuffer, from any open file or device node, is
 * moved onto one of two anonymous files owned by the helper, so one
 * address_space holds all mappings that can be written (and is the one the
 * worker walks) and another holds the read-only and private ones. Both are
 * zapped when the device goes away; later faults raise SIGBUS.
 *
 * Private mappings keep the semantics fbdev always had: they read the
 * framebuffer and their writes are copied into private anonymous pages,
 * never reaching the screen.
 *
 * User mappings get the default (cached) memory type, which is the memory
 * type of all memory the helper maps this way: cached system memory or its
 * own vmalloc shadow.
 *
 * On architectures without special PTEs (32-bit ARM without LPAE, for
 * instance) a read-only PTE is replaced rather than upgraded on the first
 * write, and the pages a private mapping reads are referenced like any
 * page cache page. Without an MMU, fbcon and read()/write() work, and
 * mmap() fails with ENODEV unless the GEM object is mapped.
 *
 * Counters are in debugfs as fbdev_shadow in the device's directory, and
 * the trace events drm_fbdev_shadow_write_fault and drm_fbdev_shadow_flush
 * report each recorded page and each flush.
 */

/* A write after idle is flushed this soon, with the writes that follow it. */
#define DRM_FBDEV_SHADOW_COALESCE_MS 4
/* The refresh rate assumed when no CRTC has a mode. */
#define DRM_FBDEV_SHADOW_DEFAULT_HZ 60
/* While writes keep coming, a flush about this often, in whole refresh periods. */
#define DRM_FBDEV_SHADOW_BUSY_MS 50
/* Hysteresis of the tracking modes, see drm_fbdev_shadow_tracking_update(). */
#define DRM_FBDEV_SHADOW_SCAN_ENTER 2
#define DRM_FBDEV_SHADOW_SCAN_LEAVE 4
#define DRM_FBDEV_SHADOW_SCAN_FULL 2
#define DRM_FBDEV_SHADOW_SCAN_SKIP 4
/* Hysteresis of the hot pages, see drm_fbdev_shadow_hot_update(). */
#define DRM_FBDEV_SHADOW_HOT_ENTER 3
#define DRM_FBDEV_SHADOW_HOT_LEAVE 4
/* The longest wait for the display to finish reading the buffer. */
#define DRM_FBDEV_SHADOW_READ_TIMEOUT_MS 50
/* Presents still read the buffer, see drm_fbdev_shadow_reads_done(). */
#define DRM_FBDEV_SHADOW_READING_CLIPS	BIT(0)	/* the worker's, inside @read */
#define DRM_FBDEV_SHADOW_READING_ALL	BIT(1)	/* one outside the worker */

#define DRM_FBDEV_SHADOW_CAN_TRACK IS_ENABLED(CONFIG_MMU)
#define DRM_FBDEV_SHADOW_PTE_SPECIAL IS_ENABLED(CONFIG_ARCH_HAS_PTE_SPECIAL)

enum drm_fbdev_shadow_mode {
	DRM_FBDEV_SHADOW_MODE_MAP,	/* userspace maps the buffer's vmap */
	DRM_FBDEV_SHADOW_MODE_BLIT,	/* userspace maps a shadow, blitted on flush */
	DRM_FBDEV_SHADOW_MODE_GEM,	/* the GEM object's own mmap, untracked */
};

struct drm_fbdev_shadow {
	struct kref ref;		/* the fbdev and each VMA */
	struct drm_fb_helper *helper;	/* until drm_fbdev_shadow_fini() */
	/* the helper's funcs before the probe replaced them */
	const struct drm_fb_helper_funcs *setup_funcs;
	enum drm_fbdev_shadow_mode mode;
	bool damage;			/* something to do with damage */
	bool vmapped;			/* the client buffer is vmapped for good */
	/* a present reads the buffer inside its clips only */
	bool reads_clips;
	int minor;

	void *vaddr;			/* the memory userspace and fbcon write to */
	unsigned long npages;
	struct drm_fbdev_shadow_geometry geo;
	/* blit target; a null map means the client buffer, mapped per blit */
	struct iosys_map dst;
	/*
	 * Held across a present: the flush worker and the damage worker must
	 * not blit or call the driver's dirty callback at the same time.
	 */
	struct mutex present_lock;

	struct file *tracked;		/* shared mappings that may write */
	struct file *others;		/* read-only shared and private mappings */

	/*
	 * Protects @dirty and @dead, and is held while a PTE is made writable
	 * and while write protection is re-armed. See drm_fbdev_shadow_mkwrite().
	 */
	struct mutex lock;
	unsigned long *dirty;
	unsigned long *flushing;	/* only used by the flush worker */
	unsigned long *closed;		/* covered by writable mappings that closed */
	bool dead;
	bool sync;			/* msync(): flush now, whatever the period */
	struct drm_fbdev_shadow_tracking track;
	struct drm_fbdev_shadow_hot hot;	/* under @lock */
	/*
	 * Sub-page damage in write-protect mode, see
	 * drm_fbdev_shadow_presented(). @copies belongs to the flush worker,
	 * @untrusted is under @lock, @stale takes atomic bit operations.
	 * @copies.mem is NULL if there are none.
	 */
	struct drm_fbdev_shadow_copies copies;
	unsigned long *untrusted;	/* written while the display read the buffer */
	unsigned long *stale;		/* written by the kernel */
	/* the clips of the flush worker's last present, see presented() */
	struct drm_clip_rect read[DRM_FBDEV_SHADOW_MAX_CLIPS];
	size_t overhead;		/* bytes the helper allocated for its own use */
	atomic_t outside;		/* odd while presenting outside the worker */
	/* presents that returned before their reads ended, under @lock */
	unsigned int reading;
	struct delayed_work flush_work;
	ktime_t last_flush;		/* start of the last flush, 0 before the first */
	u64 period_ns;			/* refresh period of the fastest display */
	u64 busy_ns;			/* flush interval while writes keep coming */
	unsigned int refresh_hz;

	atomic64_t faults;
	atomic64_t write_faults;
	atomic64_t flushes;
	atomic64_t dirty_pages;
	atomic64_t clips;
	atomic64_t pixels;
	atomic64_t blits;
	atomic64_t scans;		/* flushes that read the dirty bits */
	atomic64_t scan_pages;		/* dirty PTEs the scans found */
	atomic64_t scan_skips;		/* scan-mode flushes that reported all, unwalked */
	atomic64_t switches;		/* changes of the tracking mode */
	atomic64_t diff_pages;		/* dirty pages compared with their copy */
	atomic64_t hot_changes;		/* pages that became hot or stopped being hot */
	atomic64_t present_errors;	/* presents the blit or the driver failed */
	struct dentry *debugfs;
	/* test hook: sleep at the end of the write-fault path (debugfs) */
	u32 mkwrite_delay_us;
	/* test hook: sleep before and after the flush worker's present (debugfs) */
	u32 present_delay_us;
};

static struct drm_fbdev_shadow *to_shadow(struct drm_fb_helper *helper)
{
	return helper->shadow;
}

/*
 * Links the helper's files to their shadow: a file can outlive it, see
 * drm_fbdev_shadow_file_fsync().
 */
static DEFINE_SPINLOCK(drm_fbdev_shadow_files_lock);

static void drm_fbdev_shadow_free(struct kref *ref)
{
	struct drm_fbdev_shadow *shadow = container_of(ref, struct drm_fbdev_shadow, ref);

	spin_lock(&drm_fbdev_shadow_files_lock);
	if (shadow->tracked)
		shadow->tracked->private_data = NULL;
	if (shadow->others)
		shadow->others->private_data = NULL;
	spin_unlock(&drm_fbdev_shadow_files_lock);
	if (shadow->tracked)
		fput(shadow->tracked);
	if (shadow->others)
		fput(shadow->others);
	bitmap_free(shadow->dirty);
	bitmap_free(shadow->flushing);
	bitmap_free(shadow->closed);
	bitmap_free(shadow->hot.pages);
	bitmap_free(shadow->hot.counting);
	kvfree(shadow->hot.streak);
	vfree(shadow->copies.mem);
	kvfree(shadow->copies.slot);
	kvfree(shadow->copies.page);
	kvfree(shadow->copies.last);
	bitmap_free(shadow->copies.valid);
	bitmap_free(shadow->copies.reread);
	bitmap_free(shadow->copies.changed);
	bitmap_free(shadow->untrusted);
	bitmap_free(shadow->stale);
	if (shadow->mode == DRM_FBDEV_SHADOW_MODE_BLIT)
		vfree(shadow->vaddr);
	mutex_destroy(&shadow->present_lock);
	mutex_destroy(&shadow->lock);
	kfree(shadow);
}

/*
 * Damage geometry
 */

/**
 * drm_fbdev_shadow_range_to_clip - convert a byte range into a damage clip
 * @geo: geometry of the framebuffer
 * @off: offset of the first byte
 * @len: number of bytes
 * @clip: the clip, on success
 *
 * A range within one scanline gives its exact pixels, a range across
 * scanlines gives those scanlines whole. Bytes past the visible area are
 * ignored.
 *
 * Returns:
 * True if the range covers visible pixels and @clip was set.
 */
bool drm_fbdev_shadow_range_to_clip(const struct drm_fbdev_shadow_geometry *geo,
				    unsigned long off, unsigned long len,
				    struct drm_clip_rect *clip)
{
	unsigned long limit = (unsigned long)geo->pitch * geo->height;
	unsigned long end, line;
	u32 x1 = 0, x2 = geo->width;
	u32 y1, y2;

	if (!len || off >= limit || !geo->bpp)
		return false;
	end = min(limit, off + len);
	y1 = off / geo->pitch;
	y2 = DIV_ROUND_UP(end, geo->pitch);
	if (y2 - y1 == 1) {
		/* Measured from the start of the line, so a range that ends
		 * exactly at the end of the line keeps its full width.
		 */
		line = (unsigned long)y1 * geo->pitch;
		x1 = (off - line) * 8 / geo->bpp;
		x2 = min_t(unsigned long, geo->width,
			   DIV_ROUND_UP((end - line) * 8, geo->bpp));
	}
	if (x1 >= x2)
		return false;
	clip->x1 = x1;
	clip->y1 = y1;
	clip->x2 = x2;
	clip->y2 = y2;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(drm_fbdev_shadow_range_to_clip);

static void drm_fbdev_shadow_merge(struct drm_clip_rect *a, const struct drm_clip_rect *b)
{
	a->x1 = min(a->x1, b->x1);
	a->y1 = min(a->y1, b->y1);
	a->x2 = max(a->x2, b->x2);
	a->y2 = max(a->y2, b->y2);
}

static void drm_fbdev_shadow_add_clip(struct drm_clip_rect *clips, unsigned int *n,
				      unsigned int max, const struct drm_clip_rect *c)
{
	unsigned int i, best;
	u32 gap, best_gap;

	/* Clips arrive sorted by y1. One sharing a scanline with the last
	 * one would make the driver update that line twice: merge them.
	 */
	if (*n && c->y1 < clips[*n - 1].y2) {
		drm_fbdev_shadow_merge(&clips[*n - 1], c);
		return;
	}
	if (*n < max) {
		clips[(*n)++] = *c;
		return;
	}
	/* Full: merge the two vertically closest neighbours, counting the
	 * new clip as the last neighbour.
	 */
	best = max - 1;
	best_gap = c->y1 - clips[max - 1].y2;
	for (i = 0; i + 1 < max; i++) {
		gap = clips[i + 1].y1 - clips[i].y2;
		if (gap < best_gap) {
			best_gap = gap;
			best = i;
		}
	}
	if (best == max - 1) {
		drm_fbdev_shadow_merge(&clips[max - 1], c);
		return;
	}
	drm_fbdev_shadow_merge(&clips[best], &clips[best + 1]);
	memmove(&clips[best + 1], &clips[best + 2], (max - best - 2) * sizeof(*clips));
	clips[max - 1] = *c;
}

/**
 * drm_fbdev_shadow_pages_to_clips - convert dirty pages into damage clips
 * @geo: geometry of the framebuffer
 * @pages: bitmap of dirty pages, bit 0 for the first page of the buffer
 * @npages: number of bits in @pages
 * @clips: array for the clips
 * @max_clips: size of @clips, at least 1
 *
 * Each run of dirty pages becomes a clip as drm_fbdev_shadow_range_to_clip()
 * describes. Clips that share a scanline are merged; when there are more
 * runs than @max_clips, the vertically closest clips are merged.
 *
 * Returns:
 * The number of clips written to @clips, sorted by their first scanline.
 */
unsigned int drm_fbdev_shadow_pages_to_clips(const struct drm_fbdev_shadow_geometry *geo,
					     const unsigned long *pages,
					     unsigned long npages,
					     struct drm_clip_rect *clips,
					     unsigned int max_clips)
{
	unsigned int start, end, n = 0;
	struct drm_clip_rect c;

	for_each_set_bitrange(start, end, pages, npages) {
		if (drm_fbdev_shadow_range_to_clip(geo, (unsigned long)start << PAGE_SHIFT,
						   (unsigned long)(end - start) << PAGE_SHIFT,
						   &c))
			drm_fbdev_shadow_add_clip(clips, &n, max_clips, &c);
	}
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(drm_fbdev_shadow_pages_to_clips);

/*
 * Clips of consecutive scanlines, collected in order: a clip that touches
 * or overlaps the pending one vertically is merged into it, any other
 * makes the pending one final.
 */
struct drm_fbdev_shadow_rows {
	struct drm_clip_rect *clips;
	unsigned int n, max;
	struct drm_clip_rect pending;
	bool has_pending;
};

static void drm_fbdev_shadow_rows_add(struct drm_fbdev_shadow_rows *rows,
				      const struct drm_clip_rect *c)
{
	if (rows->has_pending && c->y1 <= rows->pending.y2) {
		drm_fbdev_shadow_merge(&rows->pending, c);
		return;
	}
	if (rows->has_pending)
		drm_fbdev_shadow_add_clip(rows->clips, &rows->n, rows->max, &rows->pending);
	rows->pending = *c;
	rows->has_pending = true;
}

/* The span [@lo, @hi) of bytes of one scanline changed. */
static void drm_fbdev_shadow_rows_span(struct drm_fbdev_shadow_rows *rows,
				       const struct drm_fbdev_shadow_geometry *geo,
				       unsigned long lo, unsigned long hi)
{
	struct drm_clip_rect c;

	if (drm_fbdev_shadow_range_to_clip(geo, lo, hi - lo, &c))
		drm_fbdev_shadow_rows_add(rows, &c);
}

/* Whether eight words equal their copies: one branch for the common case. */
static bool drm_fbdev_shadow_same8(const unsigned long *buf, const unsigned long *copy)
{
	return !((READ_ONCE(buf[0]) ^ copy[0]) | (READ_ONCE(buf[1]) ^ copy[1]) |
		 (READ_ONCE(buf[2]) ^ copy[2]) | (READ_ONCE(buf[3]) ^ copy[3]) |
		 (READ_ONCE(buf[4]) ^ copy[4]) | (READ_ONCE(buf[5]) ^ copy[5]) |
		 (READ_ONCE(buf[6]) ^ copy[6]) | (READ_ONCE(buf[7]) ^ copy[7]));
}

/*
 * Compare one page with its copy, eight words at a time and then word by
 * word where they differ, taking each word that differs into the copy as
 * it was read, and report the span of each scanline from the first to the
 * last byte of the words that differ. A word that changes back between
 * the two reads equals its copy again and is not reported.
 */
static bool drm_fbdev_shadow_diff_page(struct drm_fbdev_shadow_rows *rows,
				       const struct drm_fbdev_shadow_geometry *geo,
				       const unsigned long *buf, unsigned long *copy,
				       unsigned long page)
{
	const unsigned long words = PAGE_SIZE / sizeof(long);
	unsigned long line = ULONG_MAX, lo = 0, hi = 0;
	unsigned long i, off, last, y;

	buf += page * words;
	for (i = 0; i < words; i++) {
		unsigned long v;

		if (!(i % 8) && drm_fbdev_shadow_same8(buf + i, copy + i)) {
			i += 7;
			continue;
		}
		v = READ_ONCE(buf[i]);
		if (v == copy[i])
			continue;
		copy[i] = v;
		off = ((page * words) + i) * sizeof(long);
		last = off + sizeof(long) - 1;
		/* a word ends in the next scanline if the pitch is not a multiple of it */
		for (y = off / geo->pitch; y <= last / geo->pitch; y++) {
			unsigned long from = max(off, y * geo->pitch);
			unsigned long to = min(last + 1, (y + 1) * geo->pitch);

			if (y != line) {
				if (line != ULONG_MAX)
					drm_fbdev_shadow_rows_span(rows, geo, lo, hi);
				line = y;
				lo = from;
			}
			hi = to;
		}
	}
	if (line != ULONG_MAX)
		drm_fbdev_shadow_rows_span(rows, geo, lo, hi);
	return line != ULONG_MAX;
}

/*
 * Damage the part of a page inside the clips the display last read: the
 * page was written while they were read, so the display may hold a write
 * that the page has undone since, which no comparison can find.
 */
static void drm_fbdev_shadow_reread_page(struct drm_fbdev_shadow_rows *rows,
					 const struct drm_fbdev_shadow_geometry *geo,
					 const struct drm_fbdev_shadow_copies *copies,
					 unsigned long page)
{
	unsigned long start = page << PAGE_SHIFT, end = start + PAGE_SIZE;
	unsigned long y, row, lo, hi;
	unsigned int i;

	for (y = start / geo->pitch; y < geo->height; y++) {
		row = y * geo->pitch;
		if (row >= end)
			break;
		for (i = 0; i < copies->n_read; i++) {
			const struct drm_clip_rect *c = &copies->read[i];

			if (y < c->y1 || y >= c->y2)
				continue;
			lo = max(start, row + (unsigned long)c->x1 * geo->bpp / 8);
			hi = min(end, row + DIV_ROUND_UP((unsigned long)c->x2 * geo->bpp, 8));
			if (lo < hi)
				drm_fbdev_shadow_rows_span(rows, geo, lo, hi);
		}
	}
}

/**
 * drm_fbdev_shadow_copies_round - start a round of comparisons
 * @copies: the copies of a framebuffer
 *
 * Called before each flush that compares pages with their copies, see
 * drm_fbdev_shadow_copy_slot().
 */
void drm_fbdev_shadow_copies_round(struct drm_fbdev_shadow_copies *copies)
{
	copies->round++;
	copies->budget = copies->slots;
}
EXPORT_SYMBOL_IF_KUNIT(drm_fbdev_shadow_copies_round);

/**
 * drm_fbdev_shadow_copy_slot - find or take the slot of a page's copy
 * @copies: the copies of a framebuffer
 * @page: a page of the framebuffer
 *
 * A page that has a slot keeps it. For one that has none, a clock hand
 * goes round the slots and takes the first that is free or whose page was
 * neither compared nor copied in this round or the one before; that page
 * loses its copy, and is reported whole the next time it is written. Pages
 * written at every flush keep their copies this way, and a page written
 * once gives its slot up two rounds later. The hand looks at each slot at
 * most once a round: when more pages are being written than there are
 * slots, the pages without one are reported whole instead of taking each
 * other's slots at every flush.
 *
 * Returns:
 * The page of @copies->mem for @page, or NULL if it has no slot. It holds
 * the copy of @page only if @page is in @copies->valid.
 */
void *drm_fbdev_shadow_copy_slot(struct drm_fbdev_shadow_copies *copies, unsigned long page)
{
	u32 s = copies->slot[page], old;

	while (s == DRM_FBDEV_SHADOW_NO_SLOT) {
		if (!copies->budget)
			return NULL;
		copies->budget--;
		s = copies->hand;
		copies->hand = s + 1 < copies->slots ? s + 1 : 0;
		old = copies->page[s];
		if (old != DRM_FBDEV_SHADOW_NO_SLOT) {
			if (copies->round - copies->last[s] < 2) {
				s = DRM_FBDEV_SHADOW_NO_SLOT;
				continue;
			}
			copies->slot[old] = DRM_FBDEV_SHADOW_NO_SLOT;
			__clear_bit(old, copies->valid);
		}
		copies->page[s] = page;
		copies->slot[page] = s;
		__clear_bit(page, copies->valid);
	}
	copies->last[s] = copies->round;
	return copies->mem + ((size_t)s << PAGE_SHIFT);
}
EXPORT_SYMBOL_IF_KUNIT(drm_fbdev_shadow_copy_slot);

/**
 * drm_fbdev_shadow_diff_to_clips - convert the written bytes of dirty pages into clips
 * @geo: geometry of the framebuffer
 * @buf: the framebuffer memory, @npages pages
 * @copies: copies of pages of @buf as the display last got them
 * @pages: bitmap of dirty pages
 * @npages: number of pages of @buf and bits of the bitmaps
 * @clips: array for the clips
 * @max_clips: size of @clips, at least 1
 *
 * Each dirty page in @copies->valid is compared with its copy eight words
 * at a time, then word by word inside a group that differs. The words that
 * differ are taken into the copy as they were read, and for each scanline
 * the pixels from the first to the last of them become damage. A dirty
 * page not in @copies->valid is damaged whole, as in
 * drm_fbdev_shadow_pages_to_clips(); if drm_fbdev_shadow_copy_slot()
 * gives it a slot, it is copied there and added to @copies->valid. The
 * damage of consecutive scanlines is merged into one clip, and clips are
 * then merged as drm_fbdev_shadow_pages_to_clips() describes. A compared
 * page in @copies->reread is also damaged inside the clips in
 * @copies->read, whatever the comparison finds. If @copies->changed is
 * not NULL, the bit of each page in @pages is set there if its comparison
 * found a change, and cleared if it found none or the page had no copy to
 * compare with.
 *
 * A word written while it is being compared is either taken into @copy and
 * reported, or found by a later comparison. A write the display may have
 * seen after the comparison is the caller's to handle, by leaving the page
 * out of @valid at the next call.
 *
 * Returns:
 * The number of clips written to @clips, sorted by their first scanline.
 */
unsigned int drm_fbdev_shadow_diff_to_clips(const struct drm_fbdev_shadow_geometry *geo,
					    const void *buf,
					    struct drm_fbdev_shadow_copies *copies,
					    const unsigned long *pages, unsigned long npages,
					    struct drm_clip_rect *clips, unsigned int max_clips)
{
	struct drm_fbdev_shadow_rows rows = {
		.clips = clips,
		.max = max_clips,
	};
	struct drm_clip_rect c;
	unsigned long page;
	bool changed;

	if (!geo->pitch)
		return 0;
	for_each_set_bit(page, pages, npages) {
		unsigned long off = page << PAGE_SHIFT;
		void *copy = drm_fbdev_shadow_copy_slot(copies, page);

		if (copy && test_bit(page, copies->valid)) {
			changed = drm_fbdev_shadow_diff_page(&rows, geo, buf, copy, page);
			if (copies->changed)
				__assign_bit(page, copies->changed, changed);
			if (copies->reread && test_bit(page, copies->reread))
				drm_fbdev_shadow_reread_page(&rows, geo, copies, page);
			continue;
		}
		if (copies->changed)
			__clear_bit(page, copies->changed);
		if (copy) {
			memcpy(copy, buf + off, PAGE_SIZE);
			__set_bit(page, copies->valid);
		}
		if (drm_fbdev_shadow_range_to_clip(geo, off, PAGE_SIZE, &c))
			drm_fbdev_shadow_rows_add(&rows, &c);
	}
	if (rows.has_pending)
		drm_fbdev_shadow_add_clip(clips, &rows.n, max_clips, &rows.pending);
	return rows.n;
}
EXPORT_SYMBOL_IF_KUNIT(drm_fbdev_shadow_diff_to_clips);

/*
 * Write tracking
 */

static unsigned long drm_fbdev_shadow_pfn(struct drm_fbdev_shadow *shadow, pgoff_t pgoff)
{
	return vmalloc_to_pfn(shadow->vaddr + (pgoff << PAGE_SHIFT));
}

/**
 * drm_fbdev_shadow_blit - copy clips of a framebuffer from one mapping to another
 * @geo: geometry of the framebuffer, the same in both mappings
 * @dst: mapping of the destination buffer, system or I/O memory
 * @src: the source buffer
 * @clips: the clips to copy, within @geo
 * @n: number of clips
 *
 * Copies the bytes of each scanline of each clip. Pixels smaller than a
 * byte are copied with the rest of their bytes.
 */
void drm_fbdev_shadow_blit(const struct drm_fbdev_shadow_geometry *geo,
			   struct iosys_map *dst, const void *src,
			   const struct drm_clip_rect *clips, unsigned int n)
{
	unsigned int i, y;
	size_t x1, x2, off;

	for (i = 0; i < n; i++) {
		x1 = (size_t)clips[i].x1 * geo->bpp / 8;
		x2 = DIV_ROUND_UP((size_t)clips[i].x2 * geo->bpp, 8);
		off = (size_t)clips[i].y1 * geo->pitch;
		for (y = clips[i].y1; y < clips[i].y2; y++, off += geo->pitch)
			iosys_map_memcpy_to(dst, off + x1, src + off + x1, x2 - x1);
	}
}
EXPORT_SYMBOL_IF_KUNIT(drm_fbdev_shadow_blit);

/*
 * Copy the clips from the shadow into the buffer: its lasting kernel
 * mapping if the driver gave one, else the client buffer mapped for this
 * blit only. Only fbdev modesets could move the client buffer, and they
 * hold the helper's lock.
 */
static int drm_fbdev_shadow_blit_to_buffer(struct drm_fbdev_shadow *shadow,
					   const struct drm_clip_rect *clips, unsigned int n)
{
	struct drm_fb_helper *helper = shadow->helper;
	bool local = iosys_map_is_null(&shadow->dst);
	struct iosys_map map = shadow->dst;
	int ret = 0;

	mutex_lock(&helper->lock);
	if (local)
		ret = drm_client_buffer_vmap_local(helper->buffer, &map);
	if (!ret) {
		drm_fbdev_shadow_blit(&shadow->geo, &map, shadow->vaddr, clips, n);
		atomic64_inc(&shadow->blits);
		if (local)
			drm_client_buffer_vunmap_local(helper->buffer);
	}
	mutex_unlock(&helper->lock);
	return ret;
}

/*
 * Bring the damage to the screen: blit it from the shadow, if there is
 * one, then tell the driver. Between drm_dev_unplug() and the client's
 * unregister, which stops the flush worker, the hardware (and the I/O
 * memory a blit would write) must not be touched.
 */
static int drm_fbdev_shadow_present(struct drm_fbdev_shadow *shadow,
				    struct drm_clip_rect *clips, unsigned int n)
{
	struct drm_framebuffer *fb = shadow->helper->fb;
	int ret = 0, idx;

	/*
	 * Nor once the helper is dead: a driver that does not unplug (qxl)
	 * unmaps the buffer's memory right after unregistering, while files
	 * still open can write() and so schedule the damage worker.
	 * drm_fbdev_shadow_kill() waits for both workers after setting @dead.
	 */
	if (!n || READ_ONCE(shadow->dead) || !drm_dev_enter(fb->dev, &idx))
		return 0;
	/*
	 * One present at a time, as fb_defio's single worker did: drivers
	 * do not all expect their dirty callback to run twice at once. qxl's
	 * maps the buffer without its reservation, and a concurrent blit's
	 * vunmap_local() then unmapped the memory that dirty was reading.
	 */
	mutex_lock(&shadow->present_lock);
	if (shadow->mode == DRM_FBDEV_SHADOW_MODE_BLIT)
		ret = drm_fbdev_shadow_blit_to_buffer(shadow, clips, n);
	if (!ret && fb->funcs->dirty)
		ret = fb->funcs->dirty(fb, NULL, 0, 0, clips, n);
	mutex_unlock(&shadow->present_lock);
	drm_dev_exit(idx);
	if (ret)
		atomic64_inc(&shadow->present_errors);
	return ret;
}

/**
 * drm_fbdev_shadow_tracking_update - choose how writes are found after a flush
 * @t: tracking state of a framebuffer
 * @dirty: pages the flush found written
 * @npages: pages of the framebuffer
 *
 * A write fault per page costs more than reading that page's PTE, so when
 * most of the buffer is rewritten between flushes the PTEs stay writable
 * and each flush reads and clears their dirty bits instead (scan mode).
 * Write-protect mode switches to scan mode after two flushes in a row that
 * each found at least a quarter of the pages written. Scan mode switches
 * back after four flushes in a row that each found less than a sixteenth,
 * so it ends four flushes after writes stop; then nothing runs until the
 * next write fault. Between the two thresholds the mode stays as it is, so
 * a workload near one of them does not flip the mode at every flush.
 *
 * In scan mode it is called only for flushes that walked the page tables,
 * and also counts the walks that found at least fifteen sixteenths of the
 * pages written over one flush interval: after two in a row, the next four
 * flushes skip their walk (see drm_fbdev_shadow_tracking_skip()). The walk
 * after skipped flushes finds the writes of several intervals, so it may
 * end scan mode but does not count towards skipping again.
 *
 * Returns:
 * True if the mode changed.
 */
bool drm_fbdev_shadow_tracking_update(struct drm_fbdev_shadow_tracking *t,
				      unsigned long dirty, unsigned long npages)
{
	bool other;

	if (t->scan) {
		other = dirty * 16 < npages;
		if (t->stale || dirty * 16 < npages * 15) {
			t->full = 0;
		} else if (++t->full >= DRM_FBDEV_SHADOW_SCAN_FULL) {
			t->full = 0;
			t->skip = DRM_FBDEV_SHADOW_SCAN_SKIP;
		}
		t->stale = false;
	} else {
		other = dirty && dirty * 4 >= npages;
	}
	if (!other) {
		t->streak = 0;
		return false;
	}
	if (++t->streak < (t->scan ? DRM_FBDEV_SHADOW_SCAN_LEAVE : DRM_FBDEV_SHADOW_SCAN_ENTER))
		return false;
	t->scan = !t->scan;
	t->streak = 0;
	t->full = 0;
	t->skip = 0;
	t->stale = false;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(drm_fbdev_shadow_tracking_update);

/**
 * drm_fbdev_shadow_tracking_skip - whether a flush in scan mode skips its walk
 * @t: tracking state of a framebuffer in scan mode
 *
 * Each walk in scan mode cleans the dirty bits it reads, and so flushes
 * the TLB entries of the pages on every CPU that runs the writer: an
 * interrupt to each of them, and a wait for it, at every flush. While a
 * program keeps rewriting nearly the whole buffer, as an animation or a
 * video does, the walk finds what reporting the whole buffer without a
 * walk would report. So after two walks in a row that find nearly every
 * page written, the next four flushes report the whole buffer and leave
 * the page tables alone. Their writes stay in the dirty bits, and the walk
 * after them finds whatever was written since the last walk; then one more
 * walk measures a single interval again. A program that rewrites the whole
 * buffer less often than every flush makes walks that find nothing
 * between those that find everything, so it never skips; one that stops
 * costs at most four flushes of the whole buffer, and scan mode ends at
 * most four flushes later than it would with a walk at every flush.
 *
 * Returns:
 * True if this flush reports the whole buffer without a walk;
 * drm_fbdev_shadow_tracking_update() is not called for it.
 */
bool drm_fbdev_shadow_tracking_skip(struct drm_fbdev_shadow_tracking *t)
{
	if (!t->skip)
		return false;
	t->skip--;
	t->stale = true;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(drm_fbdev_shadow_tracking_skip);

/**
 * drm_fbdev_shadow_hot_update - choose the pages that stay writable after a flush
 * @hot: the hot pages of a framebuffer
 * @written: pages the flush found written
 * @npages: pages of the framebuffer
 * @busy: the flush came within twice the busy interval of the one before
 *
 * In write-protect mode a page written between every two flushes, under a
 * clock or a cursor that moves, would take a write fault after every flush.
 * A page found written by three busy flushes in a row becomes hot instead:
 * its PTE stays writable, the walks that protect the other pages leave it
 * alone, and each flush compares it with its copy, as it compares the
 * pages written with a fault. A hot page found unchanged by four flushes
 * in a row is write-protected again, so four flushes after the writes stop
 * every page is protected and nothing runs until the next write fault. A
 * flush after a pause starts the count of the other pages again: a page
 * written once a second, a blinking cursor, costs a fault per write rather
 * than a flush every busy interval.
 *
 * Returns:
 * The number of pages that stopped being hot; the caller protects them.
 */
unsigned long drm_fbdev_shadow_hot_update(struct drm_fbdev_shadow_hot *hot,
					  const unsigned long *written,
					  unsigned long npages, bool busy)
{
	unsigned long w, bits, page, left = 0;

	for (w = 0; w < BITS_TO_LONGS(npages); w++) {
		bits = written[w] | hot->pages[w] | hot->counting[w];
		if (w == BITS_TO_LONGS(npages) - 1 && npages % BITS_PER_LONG)
			bits &= BITMAP_LAST_WORD_MASK(npages);
		for (; bits; bits &= bits - 1) {
			page = w * BITS_PER_LONG + __ffs(bits);
			if (test_bit(page, hot->pages)) {
				if (test_bit(page, written)) {
					hot->streak[page] = 0;
				} else if (++hot->streak[page] >= DRM_FBDEV_SHADOW_HOT_LEAVE) {
					hot->streak[page] = 0;
					__clear_bit(page, hot->pages);
					hot->count--;
					left++;
				}
			} else if (!test_bit(page, written)) {
				hot->streak[page] = 0;
				__clear_bit(page, hot->counting);
			} else {
				hot->streak[page] = busy ? hot->streak[page] + 1 : 1;
				if (hot->streak[page] < DRM_FBDEV_SHADOW_HOT_ENTER) {
					__set_bit(page, hot->counting);
					continue;
				}
				hot->streak[page] = 0;
				__clear_bit(page, hot->counting);
				__set_bit(page, hot->pages);
				hot->count++;
			}
		}
	}
	return left;
}
EXPORT_SYMBOL_IF_KUNIT(drm_fbdev_shadow_hot_update);

/**
 * drm_fbdev_shadow_hot_promote - make pages hot before the flush protects them
 * @hot: the hot pages of a framebuffer
 * @faulted: pages written with a fault since the flush before
 * @npages: pages of the framebuffer
 * @busy: the flush came within twice the busy interval of the one before
 *
 * A page written with a fault counts as written whatever its comparison
 * finds, so a busy flush knows before it protects the recorded pages which
 * of them drm_fbdev_shadow_hot_update() will make hot: those whose third
 * busy flush in a row this is. Made hot here, they keep the writable PTEs
 * their faults gave them, which saves each of them the fault that
 * protecting it would cost at once. drm_fbdev_shadow_hot_update() then
 * finds them hot, with a streak of zero.
 *
 * Returns:
 * The number of pages that became hot.
 */
unsigned long drm_fbdev_shadow_hot_promote(struct drm_fbdev_shadow_hot *hot,
					   const unsigned long *faulted,
					   unsigned long npages, bool busy)
{
	unsigned long page, n = 0;

	if (!busy)
		return 0;
	for_each_set_bit(page, hot->counting, npages) {
		if (!test_bit(page, faulted) ||
		    hot->streak[page] + 1 < DRM_FBDEV_SHADOW_HOT_ENTER)
			continue;
		hot->streak[page] = 0;
		__clear_bit(page, hot->counting);
		__set_bit(page, hot->pages);
		n++;
	}
	hot->count += n;
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(drm_fbdev_shadow_hot_promote);

/* Forget the hot pages, under shadow->lock: scan mode keeps every page writable. */
static void drm_fbdev_shadow_hot_reset(struct drm_fbdev_shadow *shadow)
{
	struct drm_fbdev_shadow_hot *hot = &shadow->hot;

	if (!hot->pages)
		return;
	bitmap_zero(hot->pages, shadow->npages);
	bitmap_zero(hot->counting, shadow->npages);
	memset(hot->streak, 0, shadow->npages);
	hot->count = 0;
}

/*
 * Record the pages whose PTEs the CPU marked dirty and clean those PTEs,
 * under shadow->lock. The walk flushes the TLB entries of the PTEs it
 * cleans, so the next write to such a page marks it dirty again. Where the
 * CPU has no dirty bit, a clean PTE is read-only and the next write comes
 * through drm_fbdev_shadow_mkwrite() instead.
 */
static void drm_fbdev_shadow_scan(struct drm_fbdev_shadow *shadow)
{
	pgoff_t start = 0, end = 0;
	unsigned long found;

	if (!DRM_FBDEV_SHADOW_CAN_TRACK)
		return;
	found = clean_record_shared_mapping_range(shadow->tracked->f_mapping, 0,
						  shadow->npages, 0, shadow->dirty,
						  &start, &end);
	atomic64_add(found, &shadow->scan_pages);
}

/*
 * Schedule the flush worker unless it is already pending, under
 * shadow->lock. After idle it runs COALESCE_MS after the write that asks
 * for it, so a small change reaches the display within a frame and writes
 * that come together are flushed together, but not before a refresh period
 * has passed since the last flush. While writes keep coming (the last flush
 * is less than busy_ns plus a period old) it runs busy_ns after the last
 * flush: the whole number of refresh periods closest to BUSY_MS, three at
 * 60 Hz and four at 75 Hz. Each flush costs the driver an update and, in
 * write-protect mode, the writer a fault per page it writes again; about
 * 20 flushes a second is fb_defio's rate, and about the display rate of
 * most fbdev programs. The delay is rounded up to whole jiffies, plus one
 * for the jiffy already under way.
 */
static void drm_fbdev_shadow_kick(struct drm_fbdev_shadow *shadow)
{
	unsigned long delay = msecs_to_jiffies(DRM_FBDEV_SHADOW_COALESCE_MS);
	s64 period = shadow->period_ns, busy = shadow->busy_ns, since, left;

	if (delayed_work_pending(&shadow->flush_work))
		return;
	if (shadow->last_flush) {
		since = ktime_to_ns(ktime_sub(ktime_get(), shadow->last_flush));
		left = period - since;
		if (since < busy + period)
			left = busy - since;
		if (left > 0)
			delay = max_t(unsigned long, delay,
				      DIV_ROUND_UP_ULL(left, NSEC_PER_SEC / HZ) + 1);
	}
	schedule_delayed_work(&shadow->flush_work, delay);
}

/*
 * Write-protect the pages from @first to @last again and clean their dirty
 * bits, recording the dirty ones, under shadow->lock. Write protection
 * alone is not enough: mprotect() makes a read-only PTE of a shared
 * mapping writable without any fault when it is dirty
 * (can_change_pte_writable(): the file system has been told about the
 * write already), so after mprotect(PROT_READ) and back to
 * PROT_READ | PROT_WRITE every page written before would take writes that
 * no flush reports. Nor are two walks, one that write-protects and one
 * that cleans: mprotect() holds neither shadow->lock nor the mapping's
 * i_mmap_rwsem, and could upgrade a PTE between them. One walk changes
 * both bits in one update under the page table lock, which mprotect()
 * takes too; a clean, read-only PTE becomes writable only through
 * drm_fbdev_shadow_mkwrite(). The dirty bits it finds are those of pages
 * already recorded, or of writes in scan mode that it records now.
 */
static unsigned long drm_fbdev_shadow_rearm(struct drm_fbdev_shadow *shadow,
					    pgoff_t first, pgoff_t last)
{
	const unsigned long *hot = shadow->hot.count ? shadow->hot.pages : NULL;
	pgoff_t start = first, end = first;

	if (!DRM_FBDEV_SHADOW_CAN_TRACK || first > last)
		return 0;
	return wp_clean_record_shared_mapping_range(shadow->tracked->f_mapping, first,
						    last - first + 1, 0, shadow->dirty, hot,
						    &start, &end);
}

/*
 * In write-protect mode, re-arm write protection on the recorded pages in
 * one walk from the first to the last of them, under shadow->lock. Hot
 * pages among them stay as they are (see drm_fbdev_shadow_rearm()). When
 * only hot pages are written, nothing is walked and no TLB is flushed.
 */
static void drm_fbdev_shadow_protect(struct drm_fbdev_shadow *shadow)
{
	unsigned long n = shadow->npages, first;

	first = find_first_bit(shadow->dirty, n);
	if (first < n)
		drm_fbdev_shadow_rearm(shadow, first, find_last_bit(shadow->dirty, n));
}

/*
 * The display has read the buffer: a flush was presented, or something
 * outside the worker committed the framebuffer (a pan, a modeset, fbcon's
 * damage). It may hold a write to a page in the dirty bitmap that was
 * overwritten since, without a fault, by what the copy holds: the next
 * comparison would find no change, and the display would keep the old
 * write. So the pages now in the bitmap are reported whole at their
 * flush, or, where the flush worker presented @n @clips and the present
 * reads nothing else (a blit from the shadow, or a driver that set up the
 * helper with %DRM_FBDEV_SHADOW_DIRTY_READS_CLIPS), their parts inside
 * those clips are damaged besides what their comparison finds: the
 * display read nothing else of them. Writes to hot pages take no fault
 * and leave no trace: every hot page counts as written. Where something
 * outside the worker presents, @outside is odd from before it reads the
 * buffer until after this: a flush that takes the bitmap meanwhile
 * compares nothing.
 *
 * Comparisons are only made by flushes that start and end in
 * write-protect mode, where every write to a page after its flush either
 * faults and enters the bitmap or lands in a hot page, which every flush
 * compares. Flushes in scan mode report their pages whole and forget
 * their copies.
 */
static struct dma_resv *drm_fbdev_shadow_resv(struct drm_fbdev_shadow *shadow)
{
	return shadow->helper->fb->obj[0]->resv;
}

/* Wait, for a while, until the display has read the buffer. */
static long drm_fbdev_shadow_wait_reads(struct dma_resv *resv)
{
	return dma_resv_wait_timeout(resv, DMA_RESV_USAGE_READ, false,
				     msecs_to_jiffies(DRM_FBDEV_SHADOW_READ_TIMEOUT_MS));
}

/*
 * Mark the pages written since the last flush took them, under
 * shadow->lock: to be reported @whole, or compared with the clips the
 * display last read damaged, see drm_fbdev_shadow_presented().
 */
static void drm_fbdev_shadow_mark_written(struct drm_fbdev_shadow *shadow, bool whole)
{
	unsigned long *marks = whole ? shadow->untrusted : shadow->copies.reread;

	bitmap_or(marks, marks, shadow->dirty, shadow->npages);
	if (shadow->hot.count)
		bitmap_or(marks, marks, shadow->hot.pages, shadow->npages);
}

static void drm_fbdev_shadow_presented(struct drm_fbdev_shadow *shadow,
				       const struct drm_clip_rect *clips, unsigned int n)
{
	struct drm_fbdev_shadow_copies *copies = &shadow->copies;
	bool clipped = clips && shadow->reads_clips;

	if (clipped) {
		memcpy(shadow->read, clips, n * sizeof(*clips));
		copies->n_read = n;
	}
	mutex_lock(&shadow->lock);
	drm_fbdev_shadow_mark_written(shadow, !clipped);
	/* the pages written until the reads end are marked later */
	if (shadow->mode != DRM_FBDEV_SHADOW_MODE_BLIT &&
	    !dma_resv_test_signaled(drm_fbdev_shadow_resv(shadow), DMA_RESV_USAGE_READ))
		WRITE_ONCE(shadow->reading, shadow->reading |
			   (clipped ? DRM_FBDEV_SHADOW_READING_CLIPS :
				      DRM_FBDEV_SHADOW_READING_ALL));
	mutex_unlock(&shadow->lock);
}

/*
 * A driver may return from its update before the display has read the
 * buffer (virtio-gpu queues transfers that the host handles later). It
 * then fences those reads in the buffer's reservation, as it does for any
 * reader of a buffer, and drm_fbdev_shadow_presented() finds the fences
 * unsignaled. Every write the display may have read since is in a page
 * written after the comparison that last took it into its copy: a page in
 * the dirty bitmap, or a hot one. Once the reads are over, those pages are
 * marked as drm_fbdev_shadow_presented() marks the pages written during a
 * present: compared again with the read clips damaged, or reported whole.
 * The first write fault that finds the fences signaled marks them, before
 * its own page is recorded, so a write long after the reads is not
 * marked. Otherwise the next flush waits for the fences before it takes
 * the pages written, and marks them then; if the display takes longer
 * than DRM_FBDEV_SHADOW_READ_TIMEOUT_MS, the pages are reported whole.
 * Normally a flush comes a refresh period or more after the last one and
 * finds the fences signaled without sleeping.
 */
static void drm_fbdev_shadow_reads_done(struct drm_fbdev_shadow *shadow)
{
	unsigned int reading;

	/* a present that sets it after this look is marked at the next flush */
	if (!READ_ONCE(shadow->reading))
		return;
	mutex_lock(&shadow->lock);
	reading = shadow->reading;
	WRITE_ONCE(shadow->reading, 0);
	mutex_unlock(&shadow->lock);
	if (drm_fbdev_shadow_wait_reads(drm_fbdev_shadow_resv(shadow)) <= 0)
		reading = DRM_FBDEV_SHADOW_READING_ALL;
	mutex_lock(&shadow->lock);
	drm_fbdev_shadow_mark_written(shadow, reading & DRM_FBDEV_SHADOW_READING_ALL);
	mutex_unlock(&shadow->lock);
}

/* Around a commit outside the worker; @shadow may be NULL before the probe. */
static void drm_fbdev_shadow_outside_begin(struct drm_fbdev_shadow *shadow)
{
	if (!shadow || !shadow->copies.mem)
		return;
	atomic_inc(&shadow->outside);
	/* odd before the display reads; pairs with the flush worker's smp_mb() */
	smp_mb__after_atomic();
}

static void drm_fbdev_shadow_outside_end(struct drm_fbdev_shadow *shadow)
{
	if (!shadow || !shadow->copies.mem)
		return;
	drm_fbdev_shadow_presented(shadow, NULL, 0);
	/* even again only once the pages are marked */
	smp_mb__before_atomic();
	atomic_inc(&shadow->outside);
}

/* Forget the copies of the pages the kernel wrote. */
static void drm_fbdev_shadow_take_stale(struct drm_fbdev_shadow *shadow)
{
	unsigned long i;

	for (i = 0; i < BITS_TO_LONGS(shadow->npages); i++)
		shadow->copies.valid[i] &= ~xchg(&shadow->stale[i], 0);
}

/* The kernel wrote these bytes; they reach the display without the worker. */
static void drm_fbdev_shadow_kernel_wrote(struct drm_fbdev_shadow *shadow,
					  unsigned long off, unsigned long len)
{
	unsigned long page, end;

	if (!shadow->copies.mem || !len)
		return;
	end = min(shadow->npages, DIV_ROUND_UP(off + len, PAGE_SIZE));
	for (page = off >> PAGE_SHIFT; page < end; page++)
		set_bit(page, shadow->stale);
}

/*
 * After a flush that compared its pages, choose the hot pages of the next
 * round from the pages the flush found written, under shadow->lock, and
 * protect the pages that stopped being hot, recording their dirty bits for
 * the next flush. A page written with a fault counts as written; a hot
 * page only if its comparison found a change. A hot page without a valid
 * copy (no slot was free, or the display may have read it outside the
 * worker) was not compared and counts as unchanged, so one reported whole
 * at every flush leaves after four of them instead of keeping the worker
 * busy for ever. @written is the flush's bitmap of pages and is changed
 * into that of the pages written.
 */
static void drm_fbdev_shadow_choose_hot(struct drm_fbdev_shadow *shadow,
					unsigned long *written, bool busy)
{
	const struct drm_fbdev_shadow_copies *copies = &shadow->copies;
	struct drm_fbdev_shadow_hot *hot = &shadow->hot;
	unsigned long n = shadow->npages, before = hot->count, first = 0, last = 0, left;

	if (!hot->pages || !copies->mem)
		return;
	if (before) {
		first = find_first_bit(hot->pages, n);
		last = find_last_bit(hot->pages, n);
		/* a change found implies a copy that was valid */
		bitmap_replace(written, written, copies->changed, hot->pages, n);
	}
	left = drm_fbdev_shadow_hot_update(hot, written, n, busy);
	if (left)
		drm_fbdev_shadow_rearm(shadow, first, last);
	/* the pages that left, and those that came: count - (before - left) */
	atomic64_add(2 * left + hot->count - before, &shadow->hot_changes);
}

static void drm_fbdev_shadow_flush_work(struct work_struct *work)
{
	struct drm_fbdev_shadow *shadow = container_of(to_delayed_work(work),
						       struct drm_fbdev_shadow, flush_work);
	struct drm_clip_rect clips[DRM_FBDEV_SHADOW_MAX_CLIPS];
	unsigned long first, last, pages, pixels = 0;
	ktime_t now = ktime_get();
	unsigned int i, n;
	bool scanned, busy, diff;

	if (READ_ONCE(shadow->dead))
		return;
	drm_fbdev_shadow_reads_done(shadow);
	mutex_lock(&shadow->lock);
	if (shadow->dead) {
		mutex_unlock(&shadow->lock);
		return;
	}
	/*
	 * At most one flush per refresh period: a write can schedule the
	 * worker while it runs, before it takes the lock and moves last_flush.
	 * msync() asks for a flush now.
	 */
	if (!shadow->sync && shadow->last_flush &&
	    ktime_before(now, ktime_add_ns(shadow->last_flush, shadow->period_ns))) {
		drm_fbdev_shadow_kick(shadow);
		mutex_unlock(&shadow->lock);
		return;
	}
	shadow->sync = false;
	/*
	 * A flush kicked busy_ns after the last one starts up to a couple of
	 * jiffies later, more when the machine is loaded: within twice
	 * busy_ns it still belongs to the writes that keep coming.
	 */
	busy = shadow->last_flush &&
	       ktime_to_ns(ktime_sub(now, shadow->last_flush)) <= 2 * shadow->busy_ns;
	scanned = shadow->track.scan;
	if (scanned && drm_fbdev_shadow_tracking_skip(&shadow->track)) {
		atomic64_inc(&shadow->scan_skips);
		bitmap_set(shadow->dirty, 0, shadow->npages);
	} else {
		if (scanned) {
			atomic64_inc(&shadow->scans);
			drm_fbdev_shadow_scan(shadow);
		}
		/* hot pages count as written, see drm_fbdev_shadow_presented() */
		pages = bitmap_weight(shadow->dirty, shadow->npages) + shadow->hot.count;
		if (drm_fbdev_shadow_tracking_update(&shadow->track, pages, shadow->npages))
			atomic64_inc(&shadow->switches);
	}
	/*
	 * In write-protect mode the recorded pages are write-protected again
	 * while holding the lock that drm_fbdev_shadow_mkwrite() makes PTEs
	 * writable under. A page is either recorded here and read-only after
	 * this, or made writable (and recorded for the next flush) only after
	 * this: no write can land in a writable page that no flush will
	 * report. Leaving scan mode protects every page, then collects the
	 * dirty bits of writes that landed before the protection took hold.
	 * Entering it cleans the dirty bits that the write faults of this
	 * round left in the PTEs they made writable. The walk leaves hot pages
	 * alone: they are compared at every flush instead, so they join the
	 * recorded pages here. Pages this flush makes hot for their faults
	 * become hot before the walk (drm_fbdev_shadow_hot_promote()). After
	 * the comparison, staying in write-protect mode chooses the other hot
	 * pages of the next round and protects the pages that stopped being
	 * hot (see drm_fbdev_shadow_choose_hot()).
	 *
	 * Only the tracked file's address_space is walked. It holds nothing
	 * but shared mappings that may write, the VMAs the walks accept: in
	 * 6.12 walk_page_mapping() stops at the first VMA its test_walk
	 * skips, so a read-only or private mapping in this tree would leave
	 * the writable mappings after it unprotected.
	 */
	if (scanned && !shadow->track.scan) {
		atomic64_add(drm_fbdev_shadow_rearm(shadow, 0, shadow->npages - 1),
			     &shadow->scan_pages);
	} else if (shadow->track.scan) {
		if (!scanned) {
			drm_fbdev_shadow_hot_reset(shadow);
			drm_fbdev_shadow_scan(shadow);
		}
	} else {
		if (shadow->hot.pages && shadow->copies.mem)
			atomic64_add(drm_fbdev_shadow_hot_promote(&shadow->hot, shadow->dirty,
								  shadow->npages, busy),
				     &shadow->hot_changes);
		drm_fbdev_shadow_protect(shadow);
		if (shadow->hot.count)
			bitmap_or(shadow->dirty, shadow->dirty, shadow->hot.pages, shadow->npages);
	}
	bitmap_or(shadow->dirty, shadow->dirty, shadow->closed, shadow->npages);
	bitmap_zero(shadow->closed, shadow->npages);
	shadow->last_flush = now;
	/* Scan mode and hot pages keep looking, at the busy pace, until they end. */
	if (shadow->track.scan || shadow->hot.count)
		drm_fbdev_shadow_kick(shadow);
	first = find_first_bit(shadow->dirty, shadow->npages);
	if (first >= shadow->npages) {
		mutex_unlock(&shadow->lock);
		return;
	}
	last = find_last_bit(shadow->dirty, shadow->npages);
	bitmap_copy(shadow->flushing, shadow->dirty, shadow->npages);
	bitmap_zero(shadow->dirty, shadow->npages);
	/* see drm_fbdev_shadow_presented() */
	diff = shadow->copies.mem && !scanned && !shadow->track.scan;
	if (diff) {
		/* pages protected before @outside is read, see outside_begin() */
		smp_mb();
		diff = !(atomic_read(&shadow->outside) & 1);
	}
	if (shadow->copies.mem) {
		bitmap_andnot(shadow->copies.valid, shadow->copies.valid, shadow->untrusted,
			      shadow->npages);
		bitmap_zero(shadow->untrusted, shadow->npages);
	}
	mutex_unlock(&shadow->lock);

	if (diff) {
		drm_fbdev_shadow_take_stale(shadow);
		drm_fbdev_shadow_copies_round(&shadow->copies);
		atomic64_add(bitmap_weight_and(shadow->flushing, shadow->copies.valid,
					       shadow->npages), &shadow->diff_pages);
		n = drm_fbdev_shadow_diff_to_clips(&shadow->geo, shadow->vaddr, &shadow->copies,
						   shadow->flushing, shadow->npages, clips,
						   ARRAY_SIZE(clips));
	} else {
		if (shadow->copies.mem)
			bitmap_andnot(shadow->copies.valid, shadow->copies.valid,
				      shadow->flushing, shadow->npages);
		n = drm_fbdev_shadow_pages_to_clips(&shadow->geo, shadow->flushing,
						    shadow->npages, clips, ARRAY_SIZE(clips));
	}
	/* all of them were in @flushing: the last present's marks are used */
	if (shadow->copies.mem)
		bitmap_zero(shadow->copies.reread, shadow->npages);
	if (diff) {
		mutex_lock(&shadow->lock);
		if (!shadow->dead && !shadow->track.scan)
			drm_fbdev_shadow_choose_hot(shadow, shadow->flushing, busy);
		mutex_unlock(&shadow->lock);
	}
	for (i = 0; i < n; i++)
		pixels += (clips[i].x2 - clips[i].x1) * (clips[i].y2 - clips[i].y1);
	pages = bitmap_weight(shadow->flushing, shadow->npages);
	atomic64_inc(&shadow->flushes);
	atomic64_add(pages, &shadow->dirty_pages);
	atomic64_add(n, &shadow->clips);
	atomic64_add(pixels, &shadow->pixels);
	trace_drm_fbdev_shadow_flush(shadow->minor, first, last, pages, n, pixels);
	if (shadow->present_delay_us)
		fsleep(shadow->present_delay_us);
	drm_fbdev_shadow_present(shadow, clips, n);
	if (shadow->present_delay_us)
		fsleep(shadow->present_delay_us);
	if (shadow->copies.mem)
		drm_fbdev_shadow_presented(shadow, clips, n);
}

/*
 * Without special PTEs (32-bit ARM without LPAE, for instance) the core
 * would take the pfn for a refcounted page in vmf_insert_mixed_mkwrite().
 * vmf_insert_pfn_prot() is safe there but never upgrades a PTE, so the
 * read-only one goes first.
 */
static vm_fault_t drm_fbdev_shadow_insert_writable(struct vm_area_struct *vma,
						   unsigned long addr, unsigned long pfn)
{
	if (DRM_FBDEV_SHADOW_PTE_SPECIAL)
		return vmf_insert_mixed_mkwrite(vma, addr, __pfn_to_pfn_t(pfn, PFN_SPECIAL));
	zap_vma_ptes(vma, addr, PAGE_SIZE);
	return vmf_insert_pfn_prot(vma, addr, pfn, vm_get_page_prot(vma->vm_flags));
}

/*
 * Record the page and make its PTE writable, both under shadow->lock.
 * The core would otherwise make the PTE writable only after pfn_mkwrite
 * returns, outside any lock of ours: a flush running in between would take
 * the dirty bit, find the PTE still read-only, and the write that follows
 * would land in a writable page nobody reports again.
 */
static vm_fault_t drm_fbdev_shadow_mkwrite(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct drm_fbdev_shadow *shadow = vma->vm_private_data;
	unsigned long pfn;
	vm_fault_t ret;

	/* vmf->pgoff is in bounds: the fault handler checked it, and
	 * pfn_mkwrite only sees PTEs the fault handler inserted.
	 */
	mutex_lock(&shadow->lock);
	if (shadow->dead) {
		ret = VM_FAULT_SIGBUS;
		goto out;
	}
	pfn = drm_fbdev_shadow_pfn(shadow, vmf->pgoff);
	ret = drm_fbdev_shadow_insert_writable(vma, vmf->address, pfn);
	if (ret & VM_FAULT_ERROR)
		goto out;
	/* before this page is recorded, see drm_fbdev_shadow_reads_done() */
	if (shadow->reading &&
	    dma_resv_test_signaled(drm_fbdev_shadow_resv(shadow), DMA_RESV_USAGE_READ)) {
		drm_fbdev_shadow_mark_written(shadow,
					      shadow->reading & DRM_FBDEV_SHADOW_READING_ALL);
		WRITE_ONCE(shadow->reading, 0);
	}
	__set_bit(vmf->pgoff, shadow->dirty);
	atomic64_inc(&shadow->write_faults);
	trace_drm_fbdev_shadow_write_fault(shadow->minor, vmf->pgoff);
	drm_fbdev_shadow_kick(shadow);
out:
	mutex_unlock(&shadow->lock);
	/*
	 * The race test widens the window after the page is recorded: with
	 * the PTE already writable, a flush in between must lose nothing.
	 */
	if (READ_ONCE(shadow->mkwrite_delay_us))
		usleep_range(shadow->mkwrite_delay_us, shadow->mkwrite_delay_us + 10);
	return ret;
}

static vm_fault_t drm_fbdev_shadow_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct drm_fbdev_shadow *shadow = vma->vm_private_data;
	unsigned long pfn;
	vm_fault_t ret;

	if (vmf->pgoff >= shadow->npages)
		return VM_FAULT_SIGBUS;
	atomic64_inc(&shadow->faults);
	/* A first write to a shared page needs no second fault. */
	if ((vma->vm_flags & VM_SHARED) && (vmf->flags & FAULT_FLAG_WRITE))
		return drm_fbdev_shadow_mkwrite(vmf);

	/* Under the lock, so the teardown's zap cannot miss this PTE. */
	mutex_lock(&shadow->lock);
	if (shadow->dead) {
		ret = VM_FAULT_SIGBUS;
	} else {
		pfn = drm_fbdev_shadow_pfn(shadow, vmf->pgoff);
		/*
		 * Private mappings are VM_MIXEDMAP: the special, read-only PTE
		 * makes a write copy the page into private anonymous memory.
		 */
		if (vma->vm_flags & VM_MIXEDMAP)
			ret = vmf_insert_mixed(vma, vmf->address, __pfn_to_pfn_t(pfn, PFN_DEV));
		else
			ret = vmf_insert_pfn(vma, vmf->address, pfn);
	}
	mutex_unlock(&shadow->lock);
	return ret;
}

static void drm_fbdev_shadow_vm_open(struct vm_area_struct *vma)
{
	struct drm_fbdev_shadow *shadow = vma->vm_private_data;

	kref_get(&shadow->ref);
}

/*
 * munmap() and exit zap the PTEs before they close the VMA, and a zapped
 * PTE takes its dirty bit with it. In scan mode a page written since the
 * last scan is recorded nowhere else, and the zap may come just before the
 * worker leaves scan mode. So whatever the mode, the pages a writable
 * mapping covered count as written when it closes: one flush more, and no
 * write lost. They are kept apart until the flush has chosen the tracking
 * mode, as they say nothing about how much is being written.
 */
static void drm_fbdev_shadow_vm_close(struct vm_area_struct *vma)
{
	struct drm_fbdev_shadow *shadow = vma->vm_private_data;
	unsigned long first = vma->vm_pgoff, pages = vma_pages(vma);

	if (vma->vm_file == shadow->tracked && first < shadow->npages) {
		mutex_lock(&shadow->lock);
		if (!shadow->dead) {
			bitmap_set(shadow->closed, first, min(pages, shadow->npages - first));
			drm_fbdev_shadow_kick(shadow);
		}
		mutex_unlock(&shadow->lock);
	}
	kref_put(&shadow->ref, drm_fbdev_shadow_free);
}

static const struct vm_operations_struct drm_fbdev_shadow_vm_ops = {
	.open = drm_fbdev_shadow_vm_open,
	.close = drm_fbdev_shadow_vm_close,
	.fault = drm_fbdev_shadow_fault,
	.pfn_mkwrite = drm_fbdev_shadow_mkwrite,
};

/*
 * Flush now and wait until the damage has been handed to the driver and
 * the display has read it (see drm_fbdev_shadow_reads_done()).
 */
static void drm_fbdev_shadow_sync(struct drm_fbdev_shadow *shadow)
{
	struct drm_framebuffer *fb;

	mutex_lock(&shadow->lock);
	if (shadow->dead) {
		mutex_unlock(&shadow->lock);
		return;
	}
	shadow->sync = true;
	/* alive until drm_fbdev_shadow_kill() sets @dead */
	fb = shadow->helper->fb;
	drm_framebuffer_get(fb);
	mod_delayed_work(system_wq, &shadow->flush_work, 0);
	mutex_unlock(&shadow->lock);
	flush_delayed_work(&shadow->flush_work);
	drm_fbdev_shadow_wait_reads(fb->obj[0]->resv);
	drm_framebuffer_put(fb);
}

/*
 * msync(MS_SYNC) on a shared mapping calls fsync on the mapping's file,
 * which is the helper's: without this it would fail with EINVAL, where
 * fb_defio flushes at once. msync() holds the file, not the mapping, so
 * the last mapping may be unmapped and the shadow freed meanwhile; the
 * file finds its shadow under drm_fbdev_shadow_files_lock.
 */
static int drm_fbdev_shadow_file_fsync(struct file *file, loff_t start, loff_t end,
				       int datasync)
{
	struct drm_fbdev_shadow *shadow;

	spin_lock(&drm_fbdev_shadow_files_lock);
	shadow = file->private_data;
	if (shadow && !kref_get_unless_zero(&shadow->ref))
		shadow = NULL;
	spin_unlock(&drm_fbdev_shadow_files_lock);
	if (!shadow)
		return 0;
	drm_fbdev_shadow_sync(shadow);
	kref_put(&shadow->ref, drm_fbdev_shadow_free);
	return 0;
}

static const struct file_operations drm_fbdev_shadow_file_fops = {
	.owner = THIS_MODULE,
	.fsync = drm_fbdev_shadow_file_fsync,
};

/*
 * struct fb_ops
 */

static void drm_fbdev_shadow_damage_range(struct fb_info *info, off_t off, size_t len)
{
	struct drm_fbdev_shadow *shadow = to_shadow(info->par);
	struct drm_clip_rect clip;

	drm_fbdev_shadow_kernel_wrote(shadow, off, len);
	if (shadow->damage && drm_fbdev_shadow_range_to_clip(&shadow->geo, off, len, &clip))
		drm_fb_helper_damage_area(info, clip.x1, clip.y1, clip.x2 - clip.x1,
					  clip.y2 - clip.y1);
}

static void drm_fbdev_shadow_damage_area(struct fb_info *info, u32 x, u32 y, u32 width,
					 u32 height)
{
	struct drm_fbdev_shadow *shadow = to_shadow(info->par);
	unsigned long pitch = shadow->geo.pitch;

	if (width && height)
		drm_fbdev_shadow_kernel_wrote(shadow, y * pitch,
					      (height - 1) * pitch +
					      DIV_ROUND_UP((x + width) * shadow->geo.bpp, 8));
	if (shadow->damage)
		drm_fb_helper_damage_area(info, x, y, width, height);
}

FB_GEN_DEFAULT_DEFERRED_SYSMEM_OPS(drm_fbdev_shadow,
				   drm_fbdev_shadow_damage_range,
				   drm_fbdev_shadow_damage_area);

static int drm_fbdev_shadow_fb_open(struct fb_info *info, int user)
{
	struct drm_fb_helper *fb_helper = info->par;

	/* fbcon unbinds before unregistering and needs no reference */
	if (user && !try_module_get(fb_helper->dev->driver->fops->owner))
		return -ENODEV;
	return 0;
}

static int drm_fbdev_shadow_fb_release(struct fb_info *info, int user)
{
	struct drm_fb_helper *fb_helper = info->par;

	if (user)
		module_put(fb_helper->dev->driver->fops->owner);
	return 0;
}

/**
 * drm_fbdev_shadow_fb_mmap - &fb_ops.fb_mmap of drm_fbdev_shadow
 * @info: fbdev of a DRM device, set up by drm_fbdev_shadow_probe() or
 *        drm_fbdev_shadow_init_blit()
 * @vma: the new mapping
 *
 * For drivers with their own &struct fb_ops. Maps the framebuffer as the
 * overview describes.
 *
 * Returns:
 * 0 on success, -EINVAL for a range outside the framebuffer, -ENODEV once
 * the device is gone or where the page tables cannot track writes.
 */
int drm_fbdev_shadow_fb_mmap(struct fb_info *info, struct vm_area_struct *vma)
{
	struct drm_fb_helper *fb_helper = info->par;
	struct drm_fbdev_shadow *shadow = to_shadow(fb_helper);
	unsigned long pages = vma_pages(vma);
	bool writable = (vma->vm_flags & (VM_SHARED | VM_MAYWRITE)) == (VM_SHARED | VM_MAYWRITE);

	if (shadow->mode == DRM_FBDEV_SHADOW_MODE_GEM)
		return drm_gem_prime_mmap(fb_helper->buffer->gem, vma);
	if (!DRM_FBDEV_SHADOW_CAN_TRACK)
		return -ENODEV;
	if (vma->vm_pgoff >= shadow->npages || pages > shadow->npages - vma->vm_pgoff)
		return -EINVAL;
	if (READ_ONCE(shadow->dead))
		return -ENODEV;

	/* VM_PFNMAP cannot be copy-on-write with scattered pfns */
	if (vma->vm_flags & VM_SHARED)
		vm_flags_set(vma, VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	else
		vm_flags_set(vma, VM_MIXEDMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &drm_fbdev_shadow_vm_ops;
	vma->vm_private_data = shadow;
	kref_get(&shadow->ref);
	/*
	 * One address_space for all mappings of the framebuffer, whichever
	 * file or device node they came from, so the flush worker and the
	 * teardown find every PTE.
	 */
	vma_set_file(vma, writable ? shadow->tracked : shadow->others);
	return 0;
}
EXPORT_SYMBOL(drm_fbdev_shadow_fb_mmap);

static void drm_fbdev_shadow_kill(struct drm_fbdev_shadow *shadow)
{
	mutex_lock(&shadow->lock);
	WRITE_ONCE(shadow->dead, true);
	mutex_unlock(&shadow->lock);
	/* PTEs hold no reference: none may outlive the memory. */
	if (shadow->tracked)
		unmap_mapping_range(shadow->tracked->f_mapping, 0, 0, 1);
	if (shadow->others)
		unmap_mapping_range(shadow->others->f_mapping, 0, 0, 1);
	cancel_delayed_work_sync(&shadow->flush_work);
	/* A damage worker that saw the helper alive presents before this returns. */
	cancel_work_sync(&shadow->helper->damage_work);
	/* Once: the fbdev may outlive the device's debugfs directory. */
	if (!shadow->debugfs)
		return;
	debugfs_remove(shadow->debugfs);
	shadow->debugfs = NULL;
	debugfs_lookup_and_remove("fbdev_shadow_mkwrite_delay_us",
				  shadow->helper->dev->debugfs_root);
	debugfs_lookup_and_remove("fbdev_shadow_present_delay_us",
				  shadow->helper->dev->debugfs_root);
}

/**
 * drm_fbdev_shadow_fini - release what drm_fbdev_shadow_init_blit() set up
 * @fb_helper: the fbdev helper
 *
 * For drivers with their own &fb_ops.fb_destroy: call it after
 * drm_fb_helper_fini() and before the framebuffer's memory goes. It zaps
 * every user mapping, stops the flush worker, gives the helper back the
 * funcs it had before the probe, and frees the shadow buffer once no
 * mapping refers to it.
 */
void drm_fbdev_shadow_fini(struct drm_fb_helper *fb_helper)
{
	struct drm_fbdev_shadow *shadow = to_shadow(fb_helper);

	if (!shadow)
		return;
	drm_fbdev_shadow_kill(shadow);
	/*
	 * When the fbdev failed to register, the next hotplug probes again
	 * through the funcs the helper was set up with.
	 */
	fb_helper->funcs = shadow->setup_funcs;
	fb_helper->shadow = NULL;
	shadow->helper = NULL;
	kref_put(&shadow->ref, drm_fbdev_shadow_free);
}
EXPORT_SYMBOL(drm_fbdev_shadow_fini);

/* Undo what drm_fbdev_shadow_probe() made, after drm_fb_helper_fini(). */
static void drm_fbdev_shadow_unprobe(struct drm_fb_helper *fb_helper)
{
	struct drm_client_buffer *buffer = fb_helper->buffer;
	bool vmapped = to_shadow(fb_helper)->vmapped;

	drm_fbdev_shadow_fini(fb_helper);
	if (vmapped)
		drm_client_buffer_vunmap(buffer);
	drm_client_framebuffer_delete(buffer);
	fb_helper->buffer = NULL;
	fb_helper->fb = NULL;
}

static void drm_fbdev_shadow_fb_destroy(struct fb_info *info)
{
	struct drm_fb_helper *fb_helper = info->par;

	if (!fb_helper->dev)
		return;

	drm_fb_helper_fini(fb_helper);
	drm_fbdev_shadow_unprobe(fb_helper);
	drm_client_release(&fb_helper->client);
	drm_fb_helper_unprepare(fb_helper);
	kfree(fb_helper);
}

/*
 * The fb_ops that commit the framebuffer, so the display reads it outside
 * the flush worker; see drm_fbdev_shadow_presented().
 */
static int drm_fbdev_shadow_fb_set_par(struct fb_info *info)
{
	struct drm_fbdev_shadow *shadow = to_shadow(info->par);
	int ret;

	drm_fbdev_shadow_outside_begin(shadow);
	ret = drm_fb_helper_set_par(info);
	drm_fbdev_shadow_outside_end(shadow);
	return ret;
}

static int drm_fbdev_shadow_fb_setcmap(struct fb_cmap *cmap, struct fb_info *info)
{
	struct drm_fbdev_shadow *shadow = to_shadow(info->par);
	int ret;

	drm_fbdev_shadow_outside_begin(shadow);
	ret = drm_fb_helper_setcmap(cmap, info);
	drm_fbdev_shadow_outside_end(shadow);
	return ret;
}

static int drm_fbdev_shadow_fb_blank(int blank, struct fb_info *info)
{
	struct drm_fbdev_shadow *shadow = to_shadow(info->par);
	int ret;

	drm_fbdev_shadow_outside_begin(shadow);
	ret = drm_fb_helper_blank(blank, info);
	drm_fbdev_shadow_outside_end(shadow);
	return ret;
}

static int drm_fbdev_shadow_fb_pan_display(struct fb_var_screeninfo *var,
					   struct fb_info *info)
{
	struct drm_fbdev_shadow *shadow = to_shadow(info->par);
	int ret;

	drm_fbdev_shadow_outside_begin(shadow);
	ret = drm_fb_helper_pan_display(var, info);
	drm_fbdev_shadow_outside_end(shadow);
	return ret;
}

static const struct fb_ops drm_fbdev_shadow_fb_ops = {
	.owner = THIS_MODULE,
	.fb_open = drm_fbdev_shadow_fb_open,
	.fb_release = drm_fbdev_shadow_fb_release,
	__FB_DEFAULT_DEFERRED_OPS_RDWR(drm_fbdev_shadow),
	.fb_check_var = drm_fb_helper_check_var,
	.fb_set_par = drm_fbdev_shadow_fb_set_par,
	.fb_setcmap = drm_fbdev_shadow_fb_setcmap,
	.fb_blank = drm_fbdev_shadow_fb_blank,
	.fb_pan_display = drm_fbdev_shadow_fb_pan_display,
	.fb_debug_enter = drm_fb_helper_debug_enter,
	.fb_debug_leave = drm_fb_helper_debug_leave,
	.fb_ioctl = drm_fb_helper_ioctl,
	__FB_DEFAULT_DEFERRED_OPS_DRAW(drm_fbdev_shadow),
	.fb_mmap = drm_fbdev_shadow_fb_mmap,
	.fb_destroy = drm_fbdev_shadow_fb_destroy,
};

/*
 * debugfs
 */

static int drm_fbdev_shadow_stats_show(struct seq_file *m, void *unused)
{
	static const char * const modes[] = {
		[DRM_FBDEV_SHADOW_MODE_MAP] = "map",
		[DRM_FBDEV_SHADOW_MODE_BLIT] = "blit",
		[DRM_FBDEV_SHADOW_MODE_GEM] = "gem",
	};
	struct drm_fbdev_shadow *shadow = m->private;

	seq_printf(m, "mode %s\n", modes[shadow->mode]);
	seq_printf(m, "faults %lld\n", atomic64_read(&shadow->faults));
	seq_printf(m, "write_faults %lld\n", atomic64_read(&shadow->write_faults));
	seq_printf(m, "flushes %lld\n", atomic64_read(&shadow->flushes));
	seq_printf(m, "dirty_pages %lld\n", atomic64_read(&shadow->dirty_pages));
	seq_printf(m, "clips %lld\n", atomic64_read(&shadow->clips));
	seq_printf(m, "pixels %lld\n", atomic64_read(&shadow->pixels));
	seq_printf(m, "blits %lld\n", atomic64_read(&shadow->blits));
	seq_printf(m, "pages %lu\n", shadow->npages);
	seq_printf(m, "tracking %s\n", READ_ONCE(shadow->track.scan) ? "scan" : "write-protect");
	seq_printf(m, "scans %lld\n", atomic64_read(&shadow->scans));
	seq_printf(m, "scan_pages %lld\n", atomic64_read(&shadow->scan_pages));
	seq_printf(m, "scan_skips %lld\n", atomic64_read(&shadow->scan_skips));
	seq_printf(m, "switches %lld\n", atomic64_read(&shadow->switches));
	seq_printf(m, "diff_pages %lld\n", atomic64_read(&shadow->diff_pages));
	mutex_lock(&shadow->lock);
	seq_printf(m, "hot_pages %lu\n", shadow->hot.count);
	mutex_unlock(&shadow->lock);
	seq_printf(m, "hot_changes %lld\n", atomic64_read(&shadow->hot_changes));
	seq_printf(m, "present_errors %lld\n", atomic64_read(&shadow->present_errors));
	seq_printf(m, "copy_slots %u\n", shadow->copies.slots);
	seq_printf(m, "overhead_bytes %zu\n", shadow->overhead);
	seq_printf(m, "refresh_hz %u\n", shadow->refresh_hz);
	seq_printf(m, "busy_ms %llu\n", div_u64(shadow->busy_ns, NSEC_PER_MSEC));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(drm_fbdev_shadow_stats);

/*
 * struct drm_fb_helper_funcs
 */

static int drm_fbdev_shadow_helper_fb_dirty(struct drm_fb_helper *helper,
					    struct drm_clip_rect *clip)
{
	int ret;

	if (!(clip->x1 < clip->x2 && clip->y1 < clip->y2))
		return 0;
	drm_fbdev_shadow_outside_begin(to_shadow(helper));
	ret = drm_fbdev_shadow_present(to_shadow(helper), clip, 1);
	drm_fbdev_shadow_outside_end(to_shadow(helper));
	if (drm_WARN_ONCE(helper->dev, ret, "Damage update failed: ret=%d\n", ret))
		return ret;
	return 0;
}

/* After the probe: the probe replaces the funcs the helper was set up with. */
static const struct drm_fb_helper_funcs drm_fbdev_shadow_helper_funcs = {
	.fb_dirty = drm_fbdev_shadow_helper_fb_dirty,
};

/* The highest refresh rate of the displays the fbdev is shown on. */
static unsigned int drm_fbdev_shadow_refresh(struct drm_fb_helper *fb_helper)
{
	struct drm_mode_set *modeset;
	int hz = 0;

	mutex_lock(&fb_helper->client.modeset_mutex);
	drm_client_for_each_modeset(modeset, &fb_helper->client)
		if (modeset->mode)
			hz = max(hz, drm_mode_vrefresh(modeset->mode));
	mutex_unlock(&fb_helper->client.modeset_mutex);
	return hz > 0 ? hz : DRM_FBDEV_SHADOW_DEFAULT_HZ;
}

/*
 * The copies for sub-page damage, within the helper's bound on its own
 * memory: a sixteenth of the framebuffer plus 1 MiB. What the bookkeeping
 * of the pages leaves of it holds the copies of as many pages, in slots
 * that the pages being written take (see drm_fbdev_shadow_copy_slot()).
 * A copy of the whole buffer would double its memory, for pages most of
 * which are either never written or, when most of the buffer is written,
 * reported whole in scan mode anyway. Without copies, or for a page
 * without a slot, dirty pages are reported whole.
 */
static void drm_fbdev_shadow_alloc_copies(struct drm_fbdev_shadow *shadow, size_t size)
{
	struct drm_fbdev_shadow_copies *c = &shadow->copies;
	unsigned long n = shadow->npages;
	size_t fixed = shadow->overhead + 5 * bitmap_size(n) + n * sizeof(u32);
	size_t limit = size / 16 + SZ_1M, slots;

	if (fixed >= limit)
		return;
	slots = min_t(size_t, n, (limit - fixed) / (PAGE_SIZE + 2 * sizeof(u32)));
	if (!slots)
		return;
	c->mem = __vmalloc(slots << PAGE_SHIFT, GFP_KERNEL | __GFP_NOWARN);
	c->slot = kvmalloc_array(n, sizeof(u32), GFP_KERNEL);
	c->page = kvmalloc_array(slots, sizeof(u32), GFP_KERNEL);
	c->last = kvcalloc(slots, sizeof(u32), GFP_KERNEL);
	c->valid = bitmap_zalloc(n, GFP_KERNEL);
	c->reread = bitmap_zalloc(n, GFP_KERNEL);
	c->changed = bitmap_zalloc(n, GFP_KERNEL);
	shadow->untrusted = bitmap_zalloc(n, GFP_KERNEL);
	shadow->stale = bitmap_zalloc(n, GFP_KERNEL);
	if (!c->mem || !c->slot || !c->page || !c->last || !c->valid || !c->reread || !c->changed ||
	    !shadow->untrusted || !shadow->stale) {
		vfree(c->mem);
		kvfree(c->slot);
		kvfree(c->page);
		kvfree(c->last);
		bitmap_free(c->valid);
		bitmap_free(c->reread);
		bitmap_free(c->changed);
		bitmap_free(shadow->untrusted);
		bitmap_free(shadow->stale);
		*c = (struct drm_fbdev_shadow_copies){};
		shadow->untrusted = NULL;
		shadow->stale = NULL;
		return;
	}
	memset(c->slot, 0xff, n * sizeof(u32));
	memset(c->page, 0xff, slots * sizeof(u32));
	c->slots = slots;
	c->read = shadow->read;
	shadow->overhead = fixed + slots * (PAGE_SIZE + 2 * sizeof(u32));
}

/* Each file has its own inode, hence its own address_space. */
static int drm_fbdev_shadow_new_file(struct drm_fbdev_shadow *shadow, const char *name,
				     struct file **file)
{
	struct file *f = anon_inode_create_getfile(name, &drm_fbdev_shadow_file_fops,
						   shadow, O_RDWR, NULL);

	if (IS_ERR(f))
		return PTR_ERR(f);
	*file = f;
	return 0;
}

static int drm_fbdev_shadow_init(struct drm_fb_helper *fb_helper,
				 struct drm_fb_helper_surface_size *sizes,
				 enum drm_fbdev_shadow_mode mode, void *vaddr,
				 const struct iosys_map *dst)
{
	struct drm_framebuffer *fb = fb_helper->fb;
	struct drm_device *dev = fb_helper->dev;
	struct fb_info *info = fb_helper->info;
	size_t size = (size_t)fb->height * fb->pitches[0];
	struct drm_fbdev_shadow *shadow;
	int ret = -ENOMEM;
	u64 periods;

	shadow = kzalloc(sizeof(*shadow), GFP_KERNEL);
	if (!shadow)
		return -ENOMEM;
	shadow->overhead = sizeof(*shadow);
	kref_init(&shadow->ref);
	mutex_init(&shadow->lock);
	mutex_init(&shadow->present_lock);
	INIT_DELAYED_WORK(&shadow->flush_work, drm_fbdev_shadow_flush_work);
	shadow->helper = fb_helper;
	shadow->mode = mode;
	shadow->minor = dev->primary->index;
	shadow->damage = mode == DRM_FBDEV_SHADOW_MODE_BLIT || fb->funcs->dirty;
	/* a blit reads the shadow inside the clips; then the driver reads the buffer */
	shadow->reads_clips = mode == DRM_FBDEV_SHADOW_MODE_BLIT;
	shadow->npages = PAGE_ALIGN(size) >> PAGE_SHIFT;
	shadow->geo.pitch = fb->pitches[0];
	shadow->geo.bpp = drm_format_info_bpp(fb->format, 0);
	shadow->geo.width = fb->width;
	shadow->geo.height = fb->height;
	shadow->refresh_hz = drm_fbdev_shadow_refresh(fb_helper);
	shadow->period_ns = div_u64(NSEC_PER_SEC, shadow->refresh_hz);
	periods = DIV_ROUND_CLOSEST_ULL(DRM_FBDEV_SHADOW_BUSY_MS * NSEC_PER_MSEC,
					shadow->period_ns);
	shadow->busy_ns = shadow->period_ns * max_t(u64, periods, 1);

	if (mode == DRM_FBDEV_SHADOW_MODE_BLIT) {
		shadow->vaddr = vzalloc(shadow->npages << PAGE_SHIFT);
		if (!shadow->vaddr)
			goto err;
		if (dst)
			shadow->dst = *dst;
	} else {
		shadow->vaddr = vaddr;
	}
	if (mode != DRM_FBDEV_SHADOW_MODE_GEM) {
		shadow->dirty = bitmap_zalloc(shadow->npages, GFP_KERNEL);
		shadow->flushing = bitmap_zalloc(shadow->npages, GFP_KERNEL);
		shadow->closed = bitmap_zalloc(shadow->npages, GFP_KERNEL);
		shadow->hot.pages = bitmap_zalloc(shadow->npages, GFP_KERNEL);
		shadow->hot.counting = bitmap_zalloc(shadow->npages, GFP_KERNEL);
		shadow->hot.streak = kvzalloc(shadow->npages, GFP_KERNEL);
		if (!shadow->dirty || !shadow->flushing || !shadow->closed || !shadow->hot.pages ||
		    !shadow->hot.counting || !shadow->hot.streak)
			goto err;
		shadow->overhead += 5 * bitmap_size(shadow->npages) +
				    shadow->npages;
		if (DRM_FBDEV_SHADOW_CAN_TRACK && shadow->damage)
			drm_fbdev_shadow_alloc_copies(shadow, size);
		ret = drm_fbdev_shadow_new_file(shadow, "[drm-fbdev-shadow]", &shadow->tracked);
		if (ret)
			goto err;
		ret = drm_fbdev_shadow_new_file(shadow, "[drm-fbdev-shadow-ro]",
						&shadow->others);
		if (ret)
			goto err;
	}

	fb_helper->shadow = shadow;
	shadow->setup_funcs = fb_helper->funcs;
	fb_helper->funcs = &drm_fbdev_shadow_helper_funcs;
	drm_fb_helper_fill_info(info, fb_helper, sizes);
	info->fbops = &drm_fbdev_shadow_fb_ops;
	info->flags |= FBINFO_VIRTFB;
	if (mode != DRM_FBDEV_SHADOW_MODE_GEM)
		info->flags |= FBINFO_READS_FAST;
	info->screen_buffer = shadow->vaddr;
	info->screen_size = size;
	info->fix.smem_len = size;

	shadow->debugfs = debugfs_create_file("fbdev_shadow", 0444, dev->debugfs_root,
					      shadow, &drm_fbdev_shadow_stats_fops);
	debugfs_create_u32("fbdev_shadow_mkwrite_delay_us", 0600, dev->debugfs_root,
			   &shadow->mkwrite_delay_us);
	debugfs_create_u32("fbdev_shadow_present_delay_us", 0600, dev->debugfs_root,
			   &shadow->present_delay_us);
	return 0;

err:
	kref_put(&shadow->ref, drm_fbdev_shadow_free);
	return ret;
}

/**
 * drm_fbdev_shadow_probe - create the fbdev framebuffer of a DRM device
 * @fb_helper: the fbdev helper
 * @sizes: the surface to create
 * @mem: the kind of memory of the driver's dumb buffers
 *
 * Implements &drm_fb_helper_funcs.fb_probe and &drm_driver.fbdev_probe for
 * the fbdev emulations of the memory managers: creates a dumb buffer and a
 * framebuffer, maps them as @mem allows, and fills in the fbdev.
 *
 * Returns:
 * 0 on success or a negative errno.
 */
int drm_fbdev_shadow_probe(struct drm_fb_helper *fb_helper,
			   struct drm_fb_helper_surface_size *sizes,
			   enum drm_fbdev_shadow_memory mem)
{
	struct drm_device *dev = fb_helper->dev;
	enum drm_fbdev_shadow_mode mode;
	struct drm_client_buffer *buffer;
	struct iosys_map map;
	u32 format;
	int ret;

	format = drm_driver_legacy_fb_format(dev, sizes->surface_bpp, sizes->surface_depth);
	buffer = drm_client_framebuffer_create(&fb_helper->client, sizes->surface_width,
					       sizes->surface_height, format);
	if (IS_ERR(buffer))
		return PTR_ERR(buffer);
	fb_helper->buffer = buffer;
	fb_helper->fb = buffer->fb;

	if (mem == DRM_FBDEV_SHADOW_SYSTEM)
		mode = DRM_FBDEV_SHADOW_MODE_MAP;
	else if (mem == DRM_FBDEV_SHADOW_DMA && !buffer->fb->funcs->dirty)
		mode = DRM_FBDEV_SHADOW_MODE_GEM;
	else
		mode = DRM_FBDEV_SHADOW_MODE_BLIT;

	iosys_map_clear(&map);
	if (mode != DRM_FBDEV_SHADOW_MODE_BLIT) {
		ret = drm_client_buffer_vmap(buffer, &map);
		if (ret)
			goto err_delete;
		if (map.is_iomem || (mode == DRM_FBDEV_SHADOW_MODE_MAP &&
				     !is_vmalloc_addr(map.vaddr))) {
			/* Not memory that may be mapped page by page. */
			drm_client_buffer_vunmap(buffer);
			iosys_map_clear(&map);
			mode = DRM_FBDEV_SHADOW_MODE_BLIT;
		}
	}

	ret = drm_fbdev_shadow_init(fb_helper, sizes, mode, map.vaddr, NULL);
	if (ret)
		goto err_vunmap;
	fb_helper->shadow->vmapped = !iosys_map_is_null(&map);
	return 0;

err_vunmap:
	if (!iosys_map_is_null(&map))
		drm_client_buffer_vunmap(buffer);
err_delete:
	fb_helper->fb = NULL;
	fb_helper->buffer = NULL;
	drm_client_framebuffer_delete(buffer);
	return ret;
}
EXPORT_SYMBOL(drm_fbdev_shadow_probe);

/**
 * drm_fbdev_shadow_init_blit - fill in an fbdev that blits into a driver's buffer
 * @fb_helper: the fbdev helper, with &drm_fb_helper.fb set
 * @sizes: the surface of @fb_helper's framebuffer
 * @dst: a kernel mapping of the framebuffer's memory, valid until
 *       drm_fbdev_shadow_fini()
 *
 * For drivers that create the fbdev framebuffer themselves, from their
 * &drm_fb_helper_funcs.fb_probe. fbcon and userspace write to a vmalloc
 * shadow; on each flush its damaged clips are copied to @dst and reported
 * to the framebuffer's &drm_framebuffer_funcs.dirty. The fbdev gets the
 * helper's &struct fb_ops; drivers that replace them use
 * drm_fbdev_shadow_fb_mmap() for &fb_ops.fb_mmap, report damage with
 * drm_fb_helper_damage_range() and drm_fb_helper_damage_area(), and call
 * drm_fbdev_shadow_fini() from their &fb_ops.fb_destroy.
 *
 * Returns:
 * 0 on success or a negative errno.
 */
int drm_fbdev_shadow_init_blit(struct drm_fb_helper *fb_helper,
			       struct drm_fb_helper_surface_size *sizes,
			       const struct iosys_map *dst)
{
	return drm_fbdev_shadow_init(fb_helper, sizes, DRM_FBDEV_SHADOW_MODE_BLIT, NULL, dst);
}
EXPORT_SYMBOL(drm_fbdev_shadow_init_blit);

static int drm_fbdev_shadow_probe_system(struct drm_fb_helper *fb_helper,
					 struct drm_fb_helper_surface_size *sizes)
{
	return drm_fbdev_shadow_probe(fb_helper, sizes, DRM_FBDEV_SHADOW_SYSTEM);
}

static const struct drm_fb_helper_funcs drm_fbdev_shadow_system_funcs = {
	.fb_probe = drm_fbdev_shadow_probe_system,
};

static int drm_fbdev_shadow_probe_system_clips(struct drm_fb_helper *fb_helper,
					       struct drm_fb_helper_surface_size *sizes)
{
	int ret = drm_fbdev_shadow_probe(fb_helper, sizes, DRM_FBDEV_SHADOW_SYSTEM);

	if (!ret)
		fb_helper->shadow->reads_clips = true;
	return ret;
}

/* DRM_FBDEV_SHADOW_DIRTY_READS_CLIPS */
static const struct drm_fb_helper_funcs drm_fbdev_shadow_system_clips_funcs = {
	.fb_probe = drm_fbdev_shadow_probe_system_clips,
};

/*
 * struct drm_client_funcs
 */

static void drm_fbdev_shadow_client_unregister(struct drm_client_dev *client)
{
	struct drm_fb_helper *fb_helper = drm_fb_helper_from_client(client);

	if (fb_helper->info) {
		/* The device goes now; open files may keep fb_info longer. */
		if (fb_helper->shadow)
			drm_fbdev_shadow_kill(fb_helper->shadow);
		drm_fb_helper_unregister_info(fb_helper);
	} else {
		drm_client_release(&fb_helper->client);
		drm_fb_helper_unprepare(fb_helper);
		kfree(fb_helper);
	}
}

static int drm_fbdev_shadow_client_restore(struct drm_client_dev *client, bool force)
{
	struct drm_fb_helper *fb_helper = client->dev->fb_helper;
	struct drm_fbdev_shadow *shadow = fb_helper ? to_shadow(fb_helper) : NULL;

	drm_fbdev_shadow_outside_begin(shadow);
	drm_fb_helper_restore_fbdev_mode_unlocked(fb_helper, force);
	drm_fbdev_shadow_outside_end(shadow);
	return 0;
}

static int drm_fbdev_shadow_client_hotplug(struct drm_client_dev *client)
{
	struct drm_fb_helper *fb_helper = drm_fb_helper_from_client(client);
	struct drm_device *dev = client->dev;
	int ret;

	if (dev->fb_helper) {
		struct drm_fbdev_shadow *shadow = to_shadow(dev->fb_helper);

		drm_fbdev_shadow_outside_begin(shadow);
		ret = drm_fb_helper_hotplug_event(dev->fb_helper);
		drm_fbdev_shadow_outside_end(shadow);
		return ret;
	}

	ret = drm_fb_helper_init(dev, fb_helper);
	if (ret)
		goto err;
	if (!drm_drv_uses_atomic_modeset(dev))
		drm_helper_disable_unused_functions(dev);
	ret = drm_fb_helper_initial_config(fb_helper);
	if (ret)
		goto err_fini;
	return 0;

err_fini:
	drm_fb_helper_fini(fb_helper);
	/*
	 * The probe may have run and the registration failed: then no
	 * fb_destroy will come, and the flush worker must stop here.
	 */
	if (fb_helper->shadow)
		drm_fbdev_shadow_unprobe(fb_helper);
err:
	drm_err(dev, "fbdev: Failed to set up emulation (ret=%d)\n", ret);
	return ret;
}

static const struct drm_client_funcs drm_fbdev_shadow_client_funcs = {
	.owner = THIS_MODULE,
	.unregister = drm_fbdev_shadow_client_unregister,
	.restore = drm_fbdev_shadow_client_restore,
	.hotplug = drm_fbdev_shadow_client_hotplug,
};

/**
 * drm_fbdev_shadow_setup_funcs - set up fbdev emulation with a driver's probe
 * @dev: DRM device
 * @preferred_bpp: preferred bits per pixel, or 0 for 32
 * @funcs: helper functions whose &drm_fb_helper_funcs.fb_probe creates the
 *         framebuffer with drm_fbdev_shadow_probe() or
 *         drm_fbdev_shadow_init_blit()
 *
 * As drm_fbdev_shadow_setup(), for the fbdev emulations of the memory
 * managers and for drivers that create their fbdev framebuffer themselves.
 */
void drm_fbdev_shadow_setup_funcs(struct drm_device *dev, unsigned int preferred_bpp,
				  const struct drm_fb_helper_funcs *funcs)
{
	struct drm_fb_helper *fb_helper;
	int ret;

	drm_WARN(dev, !dev->registered, "Device has not been registered.\n");
	drm_WARN(dev, dev->fb_helper, "fb_helper is already set!\n");

	fb_helper = kzalloc(sizeof(*fb_helper), GFP_KERNEL);
	if (!fb_helper)
		return;
	drm_fb_helper_prepare(dev, fb_helper, preferred_bpp, funcs);

	ret = drm_client_init(dev, &fb_helper->client, "fbdev",
			      &drm_fbdev_shadow_client_funcs);
	if (ret) {
		drm_err(dev, "Failed to register client: %d\n", ret);
		drm_fb_helper_unprepare(fb_helper);
		kfree(fb_helper);
		return;
	}
	drm_client_register(&fb_helper->client);
}
EXPORT_SYMBOL(drm_fbdev_shadow_setup_funcs);

/**
 * drm_fbdev_shadow_setup() - set up fbdev emulation with page-table write tracking
 * @dev: DRM device
 * @preferred_bpp: preferred bits per pixel, or 0 for 32
 *
 * Sets up fbdev emulation for drivers whose dumb buffers are cached system
 * memory with a kernel mapping in the vmalloc range (shmem-backed GEM
 * objects without map_wc, for instance) and whose framebuffers take damage
 * through &drm_framebuffer_funcs.dirty. Buffers in I/O memory or outside
 * the vmalloc range get a shadow buffer instead.
 * Call it after drm_dev_register(). Restore, hotplug and teardown are taken
 * care of; the emulation goes away with drm_dev_unregister(), and user
 * mappings of the framebuffer are zapped then.
 *
 * It is safe to call without connectors: setup is retried on the next
 * hotplug event.
 */
void drm_fbdev_shadow_setup(struct drm_device *dev, unsigned int preferred_bpp)
{
	drm_fbdev_shadow_setup_flags(dev, preferred_bpp, 0);
}
EXPORT_SYMBOL(drm_fbdev_shadow_setup);

/**
 * drm_fbdev_shadow_setup_flags() - set up fbdev emulation, telling the helper more
 * @dev: DRM device
 * @preferred_bpp: preferred bits per pixel, or 0 for 32
 * @flags: what the helper may assume of the driver: 0, or
 *         %DRM_FBDEV_SHADOW_DIRTY_READS_CLIPS
 *
 * As drm_fbdev_shadow_setup(). Unknown flags are refused with a warning
 * and set nothing up.
 */
void drm_fbdev_shadow_setup_flags(struct drm_device *dev, unsigned int preferred_bpp,
				  unsigned int flags)
{
	if (drm_WARN(dev, flags & ~DRM_FBDEV_SHADOW_DIRTY_READS_CLIPS,
		     "Unknown fbdev shadow flags %#x\n", flags))
		return;
	drm_fbdev_shadow_setup_funcs(dev, preferred_bpp,
				     flags & DRM_FBDEV_SHADOW_DIRTY_READS_CLIPS ?
				     &drm_fbdev_shadow_system_clips_funcs :
				     &drm_fbdev_shadow_system_funcs);
}
EXPORT_SYMBOL(drm_fbdev_shadow_setup_flags);
