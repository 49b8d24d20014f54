#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside a lab guest: the benchmark workloads, one after the other,
# each with a fresh trace buffer.  The kernel's side is traced the same way
# on every kernel:
#   lab/dirtyfb   kprobe on drm_atomic_helper_dirtyfb(), the framebuffer's
#                 ->dirty() hook: every damage report reaching the driver,
#                 with its clip count and up to 16 clips
#   lab/dirtyfb_ret kretprobe on it: when the driver's update returns
#   lab/xfer      kprobe on virtio_gpu_cmd_transfer_to_host_2d(): each
#                 rectangle virtio-gpu transfers to the host (w, h)
#   lab/blit      kprobe on drm_fb_blit(): each clip simpledrm copies to
#                 its scanout (x1, y1, x2, y2)
#   lab/walk_*    k(ret)probes on the helper's page-table walks
#   lab/fbfault_* kprobes on the mapping's fault and mkwrite handlers,
#                 counted per workload in WORKLOAD.fbfaults, not traced
#   workqueue_execute_start/end: every work item run, to count flush
#                 workers and to split the kernel threads' time by work
# Results: WORKLOAD.json (fbbench) and WORKLOAD.trace in the run directory.
set -eu
SECS=${1:-60}
T=/sys/kernel/tracing

# CPU times come from the scheduler's clock. When a loaded host makes the
# TSC calibration against the PIT fail, the kernel falls back to jiffies
# and every CPU time is counted in whole ticks, or not at all: tell
# tools/bench to boot again (status 75).
cs=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)
if [ "$cs" != tsc ]; then
	echo "bench: clocksource is $cs, not tsc: CPU times would be wrong"
	exit 75
fi

echo 'p:lab/dirtyfb drm_atomic_helper_dirtyfb n=%r9:u32 clips=+0(%r8):u16[64]' > $T/kprobe_events
echo 'r:lab/dirtyfb_ret drm_atomic_helper_dirtyfb' >> $T/kprobe_events
echo mono > $T/trace_clock
echo 16384 > $T/buffer_size_kb
echo 'p:lab/xfer virtio_gpu_cmd_transfer_to_host_2d w=%dx:u32 h=%cx:u32' >> $T/kprobe_events
echo 'p:lab/blit drm_fb_blit clip=+0(%r9):s32[4]' >> $T/kprobe_events
# The helper's page-table walks (not in the stock kernel's build): the
# scan of dirty bits and the write protection, from call to return.
for f in clean_record_shared_mapping_range wp_shared_mapping_range \
	wp_clean_record_shared_mapping_range; do
	if grep -q " $f\$" /proc/kallsyms; then
		echo "p:lab/walk_$f $f" >> $T/kprobe_events
		echo "r:lab/walk_${f}_ret $f" >> $T/kprobe_events
	fi
done
# The mapping's fault handlers, on either kernel: what a real program's
# page fault count cannot tell apart from its own memory's faults.
for f in fb_deferred_io_fault fb_deferred_io_mkwrite drm_fbdev_shadow_fault \
	drm_fbdev_shadow_mkwrite; do
	if grep -q " $f\$" /proc/kallsyms; then
		echo "p:lab/fbfault_$f $f" >> $T/kprobe_events
	fi
done
echo 1 > $T/events/lab/enable
# The fault handlers are counted, not traced: kprobe_profile counts every
# hit, and a filter that takes no event keeps them out of the buffer. At
# 3840x2160 fb_defio takes about 8100 faults a frame, which would push the
# workload's own markers out of any buffer.
for e in $T/events/lab/fbfault_*; do
	[ -d "$e" ] && echo 'common_pid < 0' > "$e/filter"
done
echo 1 > $T/events/workqueue/workqueue_execute_start/enable
echo 1 > $T/events/workqueue/workqueue_execute_end/enable

# Calls of the mapping's fault and mkwrite handlers so far.
fbfaults() {
	awk '$1 ~ /fbfault_/ { n += $2 } END { print n + 0 }' $T/kprobe_profile
}

run() {
	name=$1
	shift
	echo "bench: $name ($*)"
	echo > $T/trace
	faults=$(fbfaults)
	echo 1 > $T/tracing_on
	fbbench "$@" > /tmp/$name.json
	# Stop tracing before writing over 9p: its own work items would be
	# traced while the buffer is being read.
	echo 0 > $T/tracing_on
	echo $(($(fbfaults) - faults)) > "$LAB_DIR/$name.fbfaults"
	cat $T/trace > /tmp/$name.trace
	cp /tmp/$name.json /tmp/$name.trace "$LAB_DIR/"
	rm /tmp/$name.trace
}

# tools/bench --flush-cost: only the cost of a flush against the pages it
# finds, one pixel in each of N pages spread over the buffer.
if [ "${2:-}" = flushcost ]; then
	npages=$(( $(cat /sys/class/graphics/fb0/stride) * $(cat /sys/class/graphics/fb0/virtual_size | cut -d, -f2) / 4096 ))
	for n in $FLUSHCOST_PAGES; do
		# no more pages than the buffer has (768 at 1024x768)
		[ "$n" -le "$npages" ] || continue
		run pages-$n pages "$SECS" 60 $n
	done
	echo "bench: done"
	exit 0
fi

run anim anim "$SECS" 60
run rects rects "$SECS" 60
run idle idle 10
run latency latency 200 100 2
run latency1px latency 50 100 1
run memset memset 10
# The same writer into anonymous memory: what its sleeps and the
# interrupts it takes cost in system time without any fbdev.
CSECS=$((SECS < 20 ? SECS : 20))
run control control "$CSECS" 60

# A real program: ffmpeg's fbdev output device playing a 30 frames/s clip
# full screen for FSECS seconds at its own pace (-re). The clip is one
# second of ffmpeg's test pattern, generated beforehand in the
# framebuffer's pixel format and looped, so that the player only copies.
FSECS=$((SECS < 20 ? SECS : 20))
fb=/sys/class/graphics/fb0
size=$(cat $fb/virtual_size)
w=${size%,*}
h=$(sed -n 's/^.*:\([0-9]*\)x\([0-9]*\).*$/\2/p' $fb/modes | head -n 1)
[ -n "$h" ] || h=${size#*,}
case $(cat $fb/bits_per_pixel) in
32) fmt=bgra ;;
24) fmt=bgr24 ;;
16) fmt=rgb565le ;;
esac
ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i "testsrc2=s=${w}x${h}:r=30" \
	-frames:v 30 -pix_fmt $fmt -f rawvideo /tmp/clip.raw
run ffmpeg program ffmpeg $((FSECS * 30)) -- ffmpeg -nostdin -hide_banner -loglevel error \
	-re -stream_loop -1 -f rawvideo -pix_fmt $fmt -s "${w}x${h}" -framerate 30 -i /tmp/clip.raw \
	-frames:v $((FSECS * 30)) -pix_fmt $fmt -f fbdev /dev/fb0
rm /tmp/clip.raw
# What the helper allocates for itself (debugfs, patched kernel only).
sed -n 's/^overhead_bytes //p' /sys/kernel/debug/dri/0/fbdev_shadow > "$LAB_DIR/overhead" \
	2>/dev/null || true
echo "bench: done"
