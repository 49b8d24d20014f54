#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# fbffmpeg.sh: ffmpeg's fbdev output device on /dev/fb0, the screen
# checked by the host.
#
#   fbffmpeg.sh
#
# solid    a solid colour, ten frames at 30 frames/s, full screen
# pattern  60 frames of ffmpeg's moving test pattern (testsrc2, with its
#          frame counter) at 30 frames/s, full screen; the screen must
#          then equal frame 59 rendered by the same ffmpeg into a file
#
# Prints "e2e ffmpeg-NAME: PASS|FAIL (...)" for each.
set -u
dir=${LAB_DIR:-/mnt/lab}
. "${0%/*}/lab.sh"
fb=/sys/class/graphics/fb0
if ! command -v ffmpeg > /dev/null; then
	echo "e2e ffmpeg-solid: FAIL (no ffmpeg installed)"
	echo "e2e ffmpeg-pattern: FAIL (no ffmpeg installed)"
	exit 1
fi
lab_fb_size
bpp=$(cat $fb/bits_per_pixel)
# ffmpeg's pixel format for the framebuffer's layout, and the channels'
# bit offsets the host's raw dump reader needs
case $bpp in
32) fmt=bgra; offs="16 8 0" ;;
24) fmt=bgr24; offs="16 8 0" ;;
16) fmt=rgb565le; offs="11 5 0" ;;
*)
	echo "e2e ffmpeg-solid: FAIL (no ffmpeg format for $bpp bpp)"
	echo "e2e ffmpeg-pattern: FAIL (no ffmpeg format for $bpp bpp)"
	exit 1
	;;
esac
failed=0

# Ask the host to compare NAME.spec with the screen; print the verdict.
check() {
	name=$1
	shift
	if reply=$(lab_expect "$name"); then
		echo "e2e $name: PASS ($* ; $reply)"
	else
		echo "e2e $name: FAIL ($* ; $reply)"
		failed=1
	fi
}

labctl graphics on
err=$(ffmpeg -nostdin -hide_banner -loglevel error -re -f lavfi \
	-i "color=c=0xff00ff:s=${w}x${h}:r=30,format=$fmt" -frames:v 10 -pix_fmt $fmt \
	-f fbdev /dev/fb0 2>&1)
lab_fill_spec ffmpeg-solid ff00ff
check ffmpeg-solid "${w}x${h} $fmt, 10 frames${err:+, ffmpeg: $err}"

err=$(ffmpeg -nostdin -hide_banner -loglevel error -re -f lavfi \
	-i "testsrc2=s=${w}x${h}:r=30" -frames:v 60 -pix_fmt $fmt \
	-f fbdev /dev/fb0 2>&1)
ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i "testsrc2=s=${w}x${h}:r=30" \
	-vf 'select=eq(n\,59)' -frames:v 1 -pix_fmt $fmt -f rawvideo "$dir/ffmpeg-pattern.raw"
printf 'size %s %s\nraw ffmpeg-pattern.raw %s %s %s\n' "$w" "$h" "$bpp" \
	$((w * bpp / 8)) "$offs" > "$dir/ffmpeg-pattern.spec"
check ffmpeg-pattern "${w}x${h} $fmt, 60 frames, the last one rendered apart${err:+, ffmpeg: $err}"
labctl graphics off
exit $failed
