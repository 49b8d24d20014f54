/* SPDX-License-Identifier: MIT */

#undef TRACE_SYSTEM
#define TRACE_SYSTEM drm_fbdev_shadow

#if !defined(_DRM_FBDEV_SHADOW_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _DRM_FBDEV_SHADOW_TRACE_H

#include <linux/tracepoint.h>

/*
 * A write to a write-protected page of a shared mapping: the page is
 * recorded for the next flush.
 */
TRACE_EVENT(drm_fbdev_shadow_write_fault,
	    TP_PROTO(int minor, unsigned long pgoff),
	    TP_ARGS(minor, pgoff),
	    TP_STRUCT__entry(__field(int, minor)
			     __field(unsigned long, pgoff)),
	    TP_fast_assign(__entry->minor = minor;
			   __entry->pgoff = pgoff;),
	    TP_printk("minor=%d page=%lu", __entry->minor, __entry->pgoff)
);

/*
 * One flush: the dirty pages between @first and @last (inclusive) were
 * write-protected again and sent to the driver as @clips damage clips
 * covering @pixels pixels.
 */
TRACE_EVENT(drm_fbdev_shadow_flush,
	    TP_PROTO(int minor, unsigned long first, unsigned long last,
		     unsigned long pages, unsigned int clips, unsigned long pixels),
	    TP_ARGS(minor, first, last, pages, clips, pixels),
	    TP_STRUCT__entry(__field(int, minor)
			     __field(unsigned long, first)
			     __field(unsigned long, last)
			     __field(unsigned long, pages)
			     __field(unsigned int, clips)
			     __field(unsigned long, pixels)),
	    TP_fast_assign(__entry->minor = minor;
			   __entry->first = first;
			   __entry->last = last;
			   __entry->pages = pages;
			   __entry->clips = clips;
			   __entry->pixels = pixels;),
	    TP_printk("minor=%d first=%lu last=%lu pages=%lu clips=%u pixels=%lu",
		      __entry->minor, __entry->first, __entry->last,
		      __entry->pages, __entry->clips, __entry->pixels)
);

#endif /* _DRM_FBDEV_SHADOW_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE drm_fbdev_shadow_trace
#include <trace/define_trace.h>
