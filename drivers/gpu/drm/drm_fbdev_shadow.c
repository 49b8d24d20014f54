// SPDX-License-Identifier: MIT

#include <linux/anon_inodes.h>
#include <linux/bitmap.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fb.h>
#include <linux/file.h>
#include <linux/kref.h>
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
#include <drm/drm_framebuffer.h>
#include <drm/drm_print.h>

#define CREATE_TRACE_POINTS
#include "drm_fbdev_shadow_trace.h"

/**
 * DOC: overview
 *
 * drm_fbdev_shadow is an fbdev emulation for DRM drivers whose fbdev
 * framebuffer lives in system memory with a kernel mapping in the vmalloc
 * range. It replaces fb_defio for them and never touches a struct page of
 * the framebuffer.
 *
 * A shared mapping of /dev/fbN is a VM_PFNMAP mapping of the pfns behind
 * the kernel's pinned vmap of the buffer. Faults insert read-only PTEs; the
 * first write to a page comes through &vm_operations_struct.pfn_mkwrite,
 * which records the page in a dirty bitmap and makes the PTE writable. A
 * worker then write-protects the pages again with wp_shared_mapping_range()
 * and turns runs of dirty pages into damage clips for the framebuffer's
 * &drm_framebuffer_funcs.dirty hook: whole scanlines, with exact horizontal
 * bounds where a run lies within one scanline, and several clips per flush.
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
 * type of every buffer the helper accepts: the vmap of a cached system
 * memory buffer. Write-combined buffers and I/O memory must not be mapped
 * to userspace this way.
 *
 * Counters are in debugfs as fbdev_shadow in the device's directory, and
 * the trace events drm_fbdev_shadow_write_fault and drm_fbdev_shadow_flush
 * report each recorded page and each flush.
 */

#define DRM_FBDEV_SHADOW_MAX_CLIPS 16
/* After idle: flush within one refresh period of a 60 Hz display. */
#define DRM_FBDEV_SHADOW_DELAY_MS 16
/* While writes keep coming: fb_defio's pace. */
#define DRM_FBDEV_SHADOW_BUSY_DELAY_MS 50
/* A flush less than this long ago means writes keep coming. */
#define DRM_FBDEV_SHADOW_BUSY_MS 40

struct drm_fbdev_shadow {
	struct drm_fb_helper helper;
	struct kref ref;		/* the helper and each VMA */

	void *vaddr;
	unsigned long npages;
	struct drm_fbdev_shadow_geometry geo;

	struct file *tracked;		/* shared mappings that may write */
	struct file *others;		/* read-only shared and private mappings */

	/*
	 * Protects @dirty and @dead, and is held while a PTE is made writable
	 * and while write protection is re-armed. See drm_fbdev_shadow_mkwrite().
	 */
	struct mutex lock;
	unsigned long *dirty;
	unsigned long *flushing;	/* only used by the flush worker */
	bool dead;
	struct delayed_work flush_work;
	unsigned long last_flush;	/* jiffies at the end of the last flush */

	atomic64_t faults;
	atomic64_t write_faults;
	atomic64_t flushes;
	atomic64_t dirty_pages;
	atomic64_t clips;
	atomic64_t pixels;
	struct dentry *debugfs;
	/* test hook: sleep at the end of the write-fault path (debugfs) */
	u32 mkwrite_delay_us;
};

static struct drm_fbdev_shadow *to_shadow(struct drm_fb_helper *helper)
{
	return container_of(helper, struct drm_fbdev_shadow, helper);
}

static void drm_fbdev_shadow_free(struct kref *ref)
{
	struct drm_fbdev_shadow *shadow = container_of(ref, struct drm_fbdev_shadow, ref);

	if (shadow->tracked)
		fput(shadow->tracked);
	if (shadow->others)
		fput(shadow->others);
	bitmap_free(shadow->dirty);
	bitmap_free(shadow->flushing);
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
 * Write tracking
 */

static unsigned long drm_fbdev_shadow_pfn(struct drm_fbdev_shadow *shadow, pgoff_t pgoff)
{
	return vmalloc_to_pfn(shadow->vaddr + (pgoff << PAGE_SHIFT));
}

static void drm_fbdev_shadow_flush_work(struct work_struct *work)
{
	struct drm_fbdev_shadow *shadow = container_of(to_delayed_work(work),
						       struct drm_fbdev_shadow, flush_work);
	struct drm_framebuffer *fb = shadow->helper.fb;
	struct drm_clip_rect clips[DRM_FBDEV_SHADOW_MAX_CLIPS];
	unsigned long first, last, pages, pixels = 0;
	unsigned int i, n;
	int idx;

	mutex_lock(&shadow->lock);
	first = find_first_bit(shadow->dirty, shadow->npages);
	if (shadow->dead || first >= shadow->npages) {
		mutex_unlock(&shadow->lock);
		return;
	}
	last = find_last_bit(shadow->dirty, shadow->npages);
	bitmap_copy(shadow->flushing, shadow->dirty, shadow->npages);
	bitmap_zero(shadow->dirty, shadow->npages);
	/*
	 * Write-protect the recorded pages again while holding the lock that
	 * drm_fbdev_shadow_mkwrite() makes PTEs writable under. A page is
	 * either recorded above and read-only after this, or made writable
	 * (and recorded for the next flush) only after this: no write can
	 * land in a writable page that no flush will report.
	 *
	 * Only the tracked file's address_space is walked. It holds nothing
	 * but shared mappings that may write, the VMAs the walk accepts: in
	 * 6.12 walk_page_mapping() stops at the first VMA its test_walk
	 * skips, so a read-only or private mapping in this tree would leave
	 * the writable mappings after it unprotected.
	 */
	wp_shared_mapping_range(shadow->tracked->f_mapping, first, last - first + 1);
	shadow->last_flush = jiffies;
	mutex_unlock(&shadow->lock);

	n = drm_fbdev_shadow_pages_to_clips(&shadow->geo, shadow->flushing, shadow->npages,
					    clips, ARRAY_SIZE(clips));
	for (i = 0; i < n; i++)
		pixels += (clips[i].x2 - clips[i].x1) * (clips[i].y2 - clips[i].y1);
	pages = bitmap_weight(shadow->flushing, shadow->npages);
	atomic64_inc(&shadow->flushes);
	atomic64_add(pages, &shadow->dirty_pages);
	atomic64_add(n, &shadow->clips);
	atomic64_add(pixels, &shadow->pixels);
	trace_drm_fbdev_shadow_flush(fb->dev->primary->index, first, last, pages, n, pixels);

	/*
	 * Between drm_dev_unplug() and the client's unregister, which stops
	 * this worker, the driver must not be asked to touch its hardware.
	 */
	if (n && fb->funcs->dirty && drm_dev_enter(fb->dev, &idx)) {
		fb->funcs->dirty(fb, NULL, 0, 0, clips, n);
		drm_dev_exit(idx);
	}
}

/*
 * After idle the first flush comes within a refresh period, so a small
 * write reaches the display quickly. While writes keep coming, every flush
 * re-arms write protection and each re-armed page costs the writer another
 * fault: flush at fb_defio's pace then.
 */
static unsigned long drm_fbdev_shadow_delay(struct drm_fbdev_shadow *shadow)
{
	unsigned long busy = shadow->last_flush + msecs_to_jiffies(DRM_FBDEV_SHADOW_BUSY_MS);

	if (shadow->last_flush && time_before(jiffies, busy))
		return msecs_to_jiffies(DRM_FBDEV_SHADOW_BUSY_DELAY_MS);
	return msecs_to_jiffies(DRM_FBDEV_SHADOW_DELAY_MS);
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
	ret = vmf_insert_mixed_mkwrite(vma, vmf->address, __pfn_to_pfn_t(pfn, PFN_SPECIAL));
	if (ret & VM_FAULT_ERROR)
		goto out;
	__set_bit(vmf->pgoff, shadow->dirty);
	atomic64_inc(&shadow->write_faults);
	trace_drm_fbdev_shadow_write_fault(shadow->helper.dev->primary->index, vmf->pgoff);
	schedule_delayed_work(&shadow->flush_work, drm_fbdev_shadow_delay(shadow));
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

static void drm_fbdev_shadow_vm_close(struct vm_area_struct *vma)
{
	struct drm_fbdev_shadow *shadow = vma->vm_private_data;

	kref_put(&shadow->ref, drm_fbdev_shadow_free);
}

static const struct vm_operations_struct drm_fbdev_shadow_vm_ops = {
	.open = drm_fbdev_shadow_vm_open,
	.close = drm_fbdev_shadow_vm_close,
	.fault = drm_fbdev_shadow_fault,
	.pfn_mkwrite = drm_fbdev_shadow_mkwrite,
};

static const struct file_operations drm_fbdev_shadow_file_fops = {
	.owner = THIS_MODULE,
};

/*
 * struct fb_ops
 */

static void drm_fbdev_shadow_damage_range(struct fb_info *info, off_t off, size_t len)
{
	struct drm_fbdev_shadow *shadow = to_shadow(info->par);
	struct drm_clip_rect clip;

	if (drm_fbdev_shadow_range_to_clip(&shadow->geo, off, len, &clip))
		drm_fb_helper_damage_area(info, clip.x1, clip.y1, clip.x2 - clip.x1,
					  clip.y2 - clip.y1);
}

FB_GEN_DEFAULT_DEFERRED_SYSMEM_OPS(drm_fbdev_shadow,
				   drm_fbdev_shadow_damage_range,
				   drm_fb_helper_damage_area);

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

static int drm_fbdev_shadow_fb_mmap(struct fb_info *info, struct vm_area_struct *vma)
{
	struct drm_fbdev_shadow *shadow = to_shadow(info->par);
	unsigned long pages = vma_pages(vma);
	bool writable = (vma->vm_flags & (VM_SHARED | VM_MAYWRITE)) == (VM_SHARED | VM_MAYWRITE);

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

static void drm_fbdev_shadow_kill(struct drm_fbdev_shadow *shadow)
{
	mutex_lock(&shadow->lock);
	shadow->dead = true;
	mutex_unlock(&shadow->lock);
	/* PTEs hold no reference: none may outlive the vmap. */
	if (shadow->tracked)
		unmap_mapping_range(shadow->tracked->f_mapping, 0, 0, 1);
	if (shadow->others)
		unmap_mapping_range(shadow->others->f_mapping, 0, 0, 1);
	cancel_delayed_work_sync(&shadow->flush_work);
	debugfs_remove(shadow->debugfs);
	shadow->debugfs = NULL;
	debugfs_lookup_and_remove("fbdev_shadow_mkwrite_delay_us",
				  shadow->helper.dev->debugfs_root);
}

static void drm_fbdev_shadow_fb_destroy(struct fb_info *info)
{
	struct drm_fb_helper *fb_helper = info->par;
	struct drm_fbdev_shadow *shadow = to_shadow(fb_helper);

	if (!fb_helper->dev)
		return;

	drm_fbdev_shadow_kill(shadow);
	drm_fb_helper_fini(fb_helper);
	drm_client_buffer_vunmap(fb_helper->buffer);
	drm_client_framebuffer_delete(fb_helper->buffer);
	drm_client_release(&fb_helper->client);
	drm_fb_helper_unprepare(fb_helper);
	kref_put(&shadow->ref, drm_fbdev_shadow_free);
}

static const struct fb_ops drm_fbdev_shadow_fb_ops = {
	.owner = THIS_MODULE,
	.fb_open = drm_fbdev_shadow_fb_open,
	.fb_release = drm_fbdev_shadow_fb_release,
	__FB_DEFAULT_DEFERRED_OPS_RDWR(drm_fbdev_shadow),
	DRM_FB_HELPER_DEFAULT_OPS,
	__FB_DEFAULT_DEFERRED_OPS_DRAW(drm_fbdev_shadow),
	.fb_mmap = drm_fbdev_shadow_fb_mmap,
	.fb_destroy = drm_fbdev_shadow_fb_destroy,
};

/*
 * debugfs
 */

static int drm_fbdev_shadow_stats_show(struct seq_file *m, void *unused)
{
	struct drm_fbdev_shadow *shadow = m->private;

	seq_printf(m, "faults %lld\n", atomic64_read(&shadow->faults));
	seq_printf(m, "write_faults %lld\n", atomic64_read(&shadow->write_faults));
	seq_printf(m, "flushes %lld\n", atomic64_read(&shadow->flushes));
	seq_printf(m, "dirty_pages %lld\n", atomic64_read(&shadow->dirty_pages));
	seq_printf(m, "clips %lld\n", atomic64_read(&shadow->clips));
	seq_printf(m, "pixels %lld\n", atomic64_read(&shadow->pixels));
	seq_printf(m, "pages %lu\n", shadow->npages);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(drm_fbdev_shadow_stats);

/*
 * struct drm_fb_helper_funcs
 */

/* Each file has its own inode, hence its own address_space. */
static int drm_fbdev_shadow_new_file(const char *name, struct file **file)
{
	struct file *f = anon_inode_create_getfile(name, &drm_fbdev_shadow_file_fops,
						   NULL, O_RDWR, NULL);

	if (IS_ERR(f))
		return PTR_ERR(f);
	*file = f;
	return 0;
}

static int drm_fbdev_shadow_helper_fb_probe(struct drm_fb_helper *fb_helper,
					    struct drm_fb_helper_surface_size *sizes)
{
	struct drm_fbdev_shadow *shadow = to_shadow(fb_helper);
	struct drm_client_dev *client = &fb_helper->client;
	struct drm_device *dev = fb_helper->dev;
	struct fb_info *info = fb_helper->info;
	struct drm_client_buffer *buffer;
	struct drm_framebuffer *fb;
	struct iosys_map map;
	u32 format;
	int ret;

	format = drm_driver_legacy_fb_format(dev, sizes->surface_bpp, sizes->surface_depth);
	buffer = drm_client_framebuffer_create(client, sizes->surface_width,
					       sizes->surface_height, format);
	if (IS_ERR(buffer))
		return PTR_ERR(buffer);
	fb = buffer->fb;

	ret = drm_client_buffer_vmap(buffer, &map);
	if (ret)
		goto err_delete;
	if (map.is_iomem || !is_vmalloc_addr(map.vaddr)) {
		drm_err(dev, "fbdev-shadow: buffer is not in the vmalloc range\n");
		ret = -ENODEV;
		goto err_vunmap;
	}

	shadow->vaddr = map.vaddr;
	shadow->npages = PAGE_ALIGN(sizes->surface_height * fb->pitches[0]) >> PAGE_SHIFT;
	shadow->geo.pitch = fb->pitches[0];
	shadow->geo.bpp = fb->format->cpp[0] * 8;
	shadow->geo.width = sizes->surface_width;
	shadow->geo.height = sizes->surface_height;
	shadow->dirty = bitmap_zalloc(shadow->npages, GFP_KERNEL);
	shadow->flushing = bitmap_zalloc(shadow->npages, GFP_KERNEL);
	if (!shadow->dirty || !shadow->flushing) {
		ret = -ENOMEM;
		goto err_vunmap;
	}
	ret = drm_fbdev_shadow_new_file("[drm-fbdev-shadow]", &shadow->tracked);
	if (ret)
		goto err_vunmap;
	ret = drm_fbdev_shadow_new_file("[drm-fbdev-shadow-ro]", &shadow->others);
	if (ret)
		goto err_vunmap;

	fb_helper->buffer = buffer;
	fb_helper->fb = fb;
	drm_fb_helper_fill_info(info, fb_helper, sizes);
	info->fbops = &drm_fbdev_shadow_fb_ops;
	info->flags |= FBINFO_VIRTFB | FBINFO_READS_FAST;
	info->screen_size = sizes->surface_height * fb->pitches[0];
	info->screen_buffer = map.vaddr;
	info->fix.smem_len = info->screen_size;

	shadow->debugfs = debugfs_create_file("fbdev_shadow", 0444, dev->debugfs_root,
					      shadow, &drm_fbdev_shadow_stats_fops);
	debugfs_create_u32("fbdev_shadow_mkwrite_delay_us", 0600, dev->debugfs_root,
			   &shadow->mkwrite_delay_us);
	return 0;

err_vunmap:
	drm_client_buffer_vunmap(buffer);
err_delete:
	drm_client_framebuffer_delete(buffer);
	return ret;
}

static int drm_fbdev_shadow_helper_fb_dirty(struct drm_fb_helper *helper,
					    struct drm_clip_rect *clip)
{
	struct drm_device *dev = helper->dev;
	int ret, idx;

	if (!(clip->x1 < clip->x2 && clip->y1 < clip->y2))
		return 0;
	if (!helper->fb->funcs->dirty || !drm_dev_enter(dev, &idx))
		return 0;
	ret = helper->fb->funcs->dirty(helper->fb, NULL, 0, 0, clip, 1);
	drm_dev_exit(idx);
	if (drm_WARN_ONCE(dev, ret, "Dirty helper failed: ret=%d\n", ret))
		return ret;
	return 0;
}

static const struct drm_fb_helper_funcs drm_fbdev_shadow_helper_funcs = {
	.fb_probe = drm_fbdev_shadow_helper_fb_probe,
	.fb_dirty = drm_fbdev_shadow_helper_fb_dirty,
};

/*
 * struct drm_client_funcs
 */

static void drm_fbdev_shadow_client_unregister(struct drm_client_dev *client)
{
	struct drm_fb_helper *fb_helper = drm_fb_helper_from_client(client);
	struct drm_fbdev_shadow *shadow = to_shadow(fb_helper);

	if (fb_helper->info) {
		/* The device goes now; open files may keep fb_info longer. */
		drm_fbdev_shadow_kill(shadow);
		drm_fb_helper_unregister_info(fb_helper);
	} else {
		drm_client_release(&fb_helper->client);
		drm_fb_helper_unprepare(fb_helper);
		kref_put(&shadow->ref, drm_fbdev_shadow_free);
	}
}

static int drm_fbdev_shadow_client_restore(struct drm_client_dev *client, bool force)
{
	drm_fb_helper_restore_fbdev_mode_unlocked(client->dev->fb_helper, force);
	return 0;
}

static int drm_fbdev_shadow_client_hotplug(struct drm_client_dev *client)
{
	struct drm_fb_helper *fb_helper = drm_fb_helper_from_client(client);
	struct drm_device *dev = client->dev;
	int ret;

	if (dev->fb_helper)
		return drm_fb_helper_hotplug_event(dev->fb_helper);

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
err:
	drm_err(dev, "fbdev-shadow: Failed to set up emulation (ret=%d)\n", ret);
	return ret;
}

static const struct drm_client_funcs drm_fbdev_shadow_client_funcs = {
	.owner = THIS_MODULE,
	.unregister = drm_fbdev_shadow_client_unregister,
	.restore = drm_fbdev_shadow_client_restore,
	.hotplug = drm_fbdev_shadow_client_hotplug,
};

/**
 * drm_fbdev_shadow_setup() - set up fbdev emulation with page-table write tracking
 * @dev: DRM device
 * @preferred_bpp: preferred bits per pixel, or 0 for 32
 *
 * Sets up fbdev emulation for drivers whose dumb buffers are cached system
 * memory with a kernel mapping in the vmalloc range (shmem-backed GEM
 * objects without map_wc, for instance) and whose framebuffers take damage
 * through &drm_framebuffer_funcs.dirty. Buffers in I/O memory or outside
 * the vmalloc range are refused.
 * Call it after drm_dev_register(). Restore, hotplug and teardown are taken
 * care of; the emulation goes away with drm_dev_unregister(), and user
 * mappings of the framebuffer are zapped then.
 *
 * It is safe to call without connectors: setup is retried on the next
 * hotplug event.
 */
void drm_fbdev_shadow_setup(struct drm_device *dev, unsigned int preferred_bpp)
{
	struct drm_fbdev_shadow *shadow;
	int ret;

	drm_WARN(dev, !dev->registered, "Device has not been registered.\n");
	drm_WARN(dev, dev->fb_helper, "fb_helper is already set!\n");

	shadow = kzalloc(sizeof(*shadow), GFP_KERNEL);
	if (!shadow)
		return;
	kref_init(&shadow->ref);
	mutex_init(&shadow->lock);
	INIT_DELAYED_WORK(&shadow->flush_work, drm_fbdev_shadow_flush_work);
	drm_fb_helper_prepare(dev, &shadow->helper, preferred_bpp,
			      &drm_fbdev_shadow_helper_funcs);

	ret = drm_client_init(dev, &shadow->helper.client, "fbdev",
			      &drm_fbdev_shadow_client_funcs);
	if (ret) {
		drm_err(dev, "Failed to register client: %d\n", ret);
		drm_fb_helper_unprepare(&shadow->helper);
		kref_put(&shadow->ref, drm_fbdev_shadow_free);
		return;
	}
	drm_client_register(&shadow->helper.client);
}
EXPORT_SYMBOL(drm_fbdev_shadow_setup);
