/* SPDX-License-Identifier: MIT */

#ifndef DRM_FBDEV_SHADOW_H
#define DRM_FBDEV_SHADOW_H

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
 */
struct drm_fbdev_shadow_tracking {
	bool scan;
	unsigned int streak;
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

#ifdef CONFIG_DRM_FBDEV_SHADOW
void drm_fbdev_shadow_setup(struct drm_device *dev, unsigned int preferred_bpp);
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
#endif

unsigned int drm_fbdev_shadow_pages_to_clips(const struct drm_fbdev_shadow_geometry *geo,
					     const unsigned long *pages,
					     unsigned long npages,
					     struct drm_clip_rect *clips,
					     unsigned int max_clips);
unsigned int drm_fbdev_shadow_diff_to_clips(const struct drm_fbdev_shadow_geometry *geo,
					    const void *buf, void *copy, unsigned long *valid,
					    const unsigned long *pages, unsigned long npages,
					    struct drm_clip_rect *clips, unsigned int max_clips);
bool drm_fbdev_shadow_range_to_clip(const struct drm_fbdev_shadow_geometry *geo,
				    unsigned long off, unsigned long len,
				    struct drm_clip_rect *clip);
bool drm_fbdev_shadow_tracking_update(struct drm_fbdev_shadow_tracking *t,
				      unsigned long dirty, unsigned long npages);
void drm_fbdev_shadow_blit(const struct drm_fbdev_shadow_geometry *geo,
			   struct iosys_map *dst, const void *src,
			   const struct drm_clip_rect *clips, unsigned int n);

#endif
