/* SPDX-License-Identifier: MIT */

#ifndef DRM_FBDEV_SHADOW_H
#define DRM_FBDEV_SHADOW_H

#include <linux/bits.h>
#include <linux/limits.h>
#include <linux/types.h>

struct drm_clip_rect;
struct drm_device;
struct drm_fb_helper;
struct drm_fb_helper_funcs;
struct drm_fb_helper_surface_size;
struct fb_info;
struct iosys_map;
struct vm_area_struct;

/**
 * struct drm_fbdev_shadow_geometry - how a framebuffer lies in memory
 * @pitch: bytes from the start of one scanline to the next
 * @bpp: bits per pixel
 * @width: visible pixels per scanline
 * @height: visible scanlines
 */
struct drm_fbdev_shadow_geometry {
	u32 pitch;
	u32 bpp;
	u32 width;
	u32 height;
};

/**
 * struct drm_fbdev_shadow_tracking - how writes to a mapping are found
 * @scan: false while each page's first write after a flush faults
 *	(write-protect mode), true while pages stay writable and each flush
 *	collects the page tables' dirty bits (scan mode)
 * @streak: flushes in a row that asked for the other mode
 * @full: scan-mode flushes in a row whose walk, made one flush after the
 *	walk before it, found nearly every page written
 * @skip: scan-mode flushes left that report the whole buffer without a walk
 * @stale: a flush skipped its walk since the last walk, so the next walk
 *	finds the writes of more than one flush interval
 */
struct drm_fbdev_shadow_tracking {
	bool scan;
	unsigned int streak;
	unsigned int full;
	unsigned int skip;
	bool stale;
};

/* No slot in &drm_fbdev_shadow_copies, or no page in a slot */
#define DRM_FBDEV_SHADOW_NO_SLOT U32_MAX

/**
 * struct drm_fbdev_shadow_copies - copies of some pages as the display got them
 * @mem: @slots pages, each the copy of one page of the framebuffer
 * @slot: for each page of the framebuffer, the slot of @mem that holds its
 *	copy, or %DRM_FBDEV_SHADOW_NO_SLOT
 * @page: for each slot, the page whose copy it holds, or
 *	%DRM_FBDEV_SHADOW_NO_SLOT
 * @last: for each slot, the @round in which its page was last compared or
 *	copied
 * @valid: pages whose copy holds what the display was last given
 * @reread: pages written while the display read the clips in @read: the
 *	display may hold a write that the page has undone since, so their
 *	part inside @read is damaged at their next comparison
 * @read: the clips the display last read for a flush, @n_read of them
 * @n_read: number of clips in @read
 * @changed: NULL, or the pages whose comparison found a change at the
 *	last call of drm_fbdev_shadow_diff_to_clips()
 * @slots: number of slots, fewer than the pages of the framebuffer when
 *	memory is bounded
 * @hand: the next slot drm_fbdev_shadow_copy_slot() looks at
 * @round: number of the current round, one per flush that compares
 * @budget: slots drm_fbdev_shadow_copy_slot() may still look at this round
 */
struct drm_fbdev_shadow_copies {
	void *mem;
	u32 *slot;
	u32 *page;
	u32 *last;
	unsigned long *valid;
	unsigned long *reread;
	const struct drm_clip_rect *read;
	unsigned int n_read;
	unsigned long *changed;
	u32 slots;
	u32 hand;
	u32 round;
	u32 budget;
};

/**
 * struct drm_fbdev_shadow_hot - pages that stay writable in write-protect mode
 * @pages: bitmap of the hot pages, whose PTEs stay writable after a flush
 * @counting: bitmap of the other pages whose @streak is not zero
 * @streak: for each page: for a hot page, the flushes in a row that found
 *	it clean; for another, the flushes in a row that found it written
 * @count: number of hot pages
 */
struct drm_fbdev_shadow_hot {
	unsigned long *pages;
	unsigned long *counting;
	u8 *streak;
	unsigned long count;
};

/**
 * enum drm_fbdev_shadow_memory - the memory of a driver's dumb buffers
 * @DRM_FBDEV_SHADOW_SYSTEM: cached system memory with a kernel mapping in
 *	the vmalloc range, such as shmem GEM objects. Userspace maps it and
 *	its writes are tracked in the page tables.
 * @DRM_FBDEV_SHADOW_IO: memory that must not be mapped to userspace page
 *	by page: I/O memory, or buffers that may move, such as TTM objects.
 *	Userspace maps a vmalloc shadow whose damage is blitted to the buffer.
 * @DRM_FBDEV_SHADOW_DMA: memory the DMA API owns. If the driver's
 *	framebuffers take damage, as @DRM_FBDEV_SHADOW_IO; if not, the
 *	hardware scans the buffer out directly and userspace maps it through
 *	the GEM object's mmap, untracked.
 */
enum drm_fbdev_shadow_memory {
	DRM_FBDEV_SHADOW_SYSTEM,
	DRM_FBDEV_SHADOW_IO,
	DRM_FBDEV_SHADOW_DMA,
};

/* The most damage clips the helper gives the driver per flush */
#define DRM_FBDEV_SHADOW_MAX_CLIPS 16

/**
 * DRM_FBDEV_SHADOW_DIRTY_READS_CLIPS - the driver reads the damage only
 *
 * For drm_fbdev_shadow_setup_flags(): the framebuffer's
 * &drm_framebuffer_funcs.dirty, given at most %DRM_FBDEV_SHADOW_MAX_CLIPS
 * clips, reads the framebuffer inside those clips only, clip by clip. Reads
 * that go on after it returns are fenced in the reservation of the
 * framebuffer's GEM object. Sub-page damage is then kept for the pages
 * written while it reads, as described in the overview.
 */
#define DRM_FBDEV_SHADOW_DIRTY_READS_CLIPS	BIT(0)

#ifdef CONFIG_DRM_FBDEV_SHADOW
void drm_fbdev_shadow_setup(struct drm_device *dev, unsigned int preferred_bpp);
void drm_fbdev_shadow_setup_flags(struct drm_device *dev, unsigned int preferred_bpp,
				  unsigned int flags);
void drm_fbdev_shadow_setup_funcs(struct drm_device *dev, unsigned int preferred_bpp,
				  const struct drm_fb_helper_funcs *funcs);
int drm_fbdev_shadow_probe(struct drm_fb_helper *fb_helper,
			   struct drm_fb_helper_surface_size *sizes,
			   enum drm_fbdev_shadow_memory mem);
int drm_fbdev_shadow_init_blit(struct drm_fb_helper *fb_helper,
			       struct drm_fb_helper_surface_size *sizes,
			       const struct iosys_map *dst);
void drm_fbdev_shadow_fini(struct drm_fb_helper *fb_helper);
int drm_fbdev_shadow_fb_mmap(struct fb_info *info, struct vm_area_struct *vma);
#else
static inline void drm_fbdev_shadow_setup(struct drm_device *dev,
					  unsigned int preferred_bpp)
{
}

static inline void drm_fbdev_shadow_setup_flags(struct drm_device *dev,
						unsigned int preferred_bpp,
						unsigned int flags)
{
}
#endif

unsigned int drm_fbdev_shadow_pages_to_clips(const struct drm_fbdev_shadow_geometry *geo,
					     const unsigned long *pages,
					     unsigned long npages,
					     struct drm_clip_rect *clips,
					     unsigned int max_clips);
unsigned int drm_fbdev_shadow_diff_to_clips(const struct drm_fbdev_shadow_geometry *geo,
					    const void *buf,
					    struct drm_fbdev_shadow_copies *copies,
					    const unsigned long *pages, unsigned long npages,
					    struct drm_clip_rect *clips, unsigned int max_clips);
void drm_fbdev_shadow_copies_round(struct drm_fbdev_shadow_copies *copies);
void *drm_fbdev_shadow_copy_slot(struct drm_fbdev_shadow_copies *copies, unsigned long page);
unsigned long drm_fbdev_shadow_hot_update(struct drm_fbdev_shadow_hot *hot,
					  const unsigned long *written,
					  unsigned long npages, bool busy);
unsigned long drm_fbdev_shadow_hot_promote(struct drm_fbdev_shadow_hot *hot,
					   const unsigned long *faulted,
					   unsigned long npages, bool busy);
bool drm_fbdev_shadow_range_to_clip(const struct drm_fbdev_shadow_geometry *geo,
				    unsigned long off, unsigned long len,
				    struct drm_clip_rect *clip);
bool drm_fbdev_shadow_tracking_update(struct drm_fbdev_shadow_tracking *t,
				      unsigned long dirty, unsigned long npages);
bool drm_fbdev_shadow_tracking_skip(struct drm_fbdev_shadow_tracking *t);
void drm_fbdev_shadow_blit(const struct drm_fbdev_shadow_geometry *geo,
			   struct iosys_map *dst, const void *src,
			   const struct drm_clip_rect *clips, unsigned int n);

#endif
