/* SPDX-License-Identifier: MIT */

#ifndef DRM_FBDEV_SHADOW_H
#define DRM_FBDEV_SHADOW_H

#include <linux/types.h>

struct drm_clip_rect;
struct drm_device;

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

#ifdef CONFIG_DRM_FBDEV_SHADOW
void drm_fbdev_shadow_setup(struct drm_device *dev, unsigned int preferred_bpp);
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
bool drm_fbdev_shadow_range_to_clip(const struct drm_fbdev_shadow_geometry *geo,
				    unsigned long off, unsigned long len,
				    struct drm_clip_rect *clip);

#endif
