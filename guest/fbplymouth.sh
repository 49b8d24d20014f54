#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# fbplymouth.sh: plymouth, the boot splash, drawing with its frame-buffer
# renderer on /dev/fb0; the host compares the screen.
#
#   fbplymouth.sh
#
# plymouthd runs a theme of our own on the script plugin whose background
# is one solid colour; "plymouth update --status" then has the theme's
# script change it to another. After each, the whole screen must be that
# colour. Then "plymouth quit", and the console below, cleared and with
# its cursor hidden beforehand, must be back: the whole screen black.
# Prints "e2e plymouth: PASS|FAIL|SKIP (...)".
#
# How plymouthd (22.02) is made to use the frame-buffer renderer here:
# it finds displays through udev, which the guest does not run, so it is
# told plymouth.ignore-udev (on the fake kernel command line it takes as
# an option); it then tries its renderer plugins in turn, x11, drm,
# frame-buffer, the first that opens its device winning. Hiding /dev/dri
# is not enough: once drm.so has loaded, the renderer keeps the device
# name drm's backend chose (/dev/dri/card0) and hands it to the
# frame-buffer plugin too, which then fails to open it. So plymouthd runs
# in a mount namespace of its own where every renderer plugin but
# frame-buffer.so is an empty file that does not load; frame-buffer then
# gets no device name and takes /dev/fb0. The theme directory there is
# ours (a bind mount over plymouth's; nothing is written outside /tmp),
# and plymouth.splash names the theme. The console on ttyS0 would make
# plymouthd show only its text on the serial console, hence
# --ignore-serial-consoles. Its trace is streamed to a file (given only a
# debug file, it traces onto tty1 as well, over the screen). That the
# frame-buffer renderer drew is checked: the trace names the plugin and
# the device it opened, and plymouthd has /dev/fb0 mapped.
#
# The theme's colours are given as (N + 0.5) / 255 per channel, which the
# script plugin turns back into N. They are exact in 5-6-5 as well: at
# 16 bpp plymouth dithers, carrying each pixel's rounding error into the
# next, so only such colours stay one solid colour.
set -u
. "${0%/*}/lab.sh"
run=/tmp/fbplymouth
fb=/sys/class/graphics/fb0
theme=labfb
colours="ff8200 2141c6"
if ! command -v plymouthd > /dev/null || ! command -v plymouth > /dev/null; then
	echo "e2e plymouth: FAIL (plymouth not installed)"
	exit 1
fi
plugins=$(plymouth --get-splash-plugin-path)
for p in renderers/frame-buffer.so script.so; do
	if [ ! -e "$plugins/$p" ]; then
		echo "e2e plymouth: FAIL (no $plugins/$p)"
		exit 1
	fi
done
if plymouth --ping 2> /dev/null; then
	echo "e2e plymouth: FAIL (a plymouthd is running already)"
	exit 1
fi
bpp=$(cat $fb/bits_per_pixel)
case $bpp in
16 | 24 | 32) ;;
*)
	echo "e2e plymouth: SKIP (plymouth draws only true colour at 16 bpp or more, not $bpp bpp)"
	exit 0
	;;
esac
lab_fb_size
rm -rf $run
mkdir -p $run/themes/$theme
# a colour as the theme script's three arguments
channels() {
	printf '(%d + 0.5) / 255, (%d + 0.5) / 255, (%d + 0.5) / 255' \
		"0x$(echo "$1" | cut -c1-2)" "0x$(echo "$1" | cut -c3-4)" "0x$(echo "$1" | cut -c5-6)"
}
cat > $run/themes/$theme/$theme.plymouth <<EOF
[Plymouth Theme]
Name=lab frame-buffer check
Description=A solid background, changed on a status update.
ModuleName=script

[script]
ImageDir=/usr/share/plymouth/themes/$theme
ScriptFile=/usr/share/plymouth/themes/$theme/$theme.script
EOF
{
	# the script plugin's drawing takes the first of its sprites without
	# looking (22.02 crashes without one): one with no image, never drawn
	echo "blank = Sprite ();"
	echo "fun paint (red, green, blue) {"
	echo "	Window.SetBackgroundTopColor (red, green, blue);"
	echo "	Window.SetBackgroundBottomColor (red, green, blue);"
	echo "}"
	i=0
	for c in $colours; do
		i=$((i + 1))
		[ $i = 1 ] && echo "paint ($(channels "$c"));"
	done
	echo "fun status (text) {"
	i=0
	for c in $colours; do
		i=$((i + 1))
		echo "	if (text == \"lab-$i\") paint ($(channels "$c"));"
	done
	echo "}"
	echo "Plymouth.SetUpdateStatusFunction (status);"
} > $run/themes/$theme/$theme.script
printf '\033[?25l\033[40m\033[2J\033[H' > /dev/tty1
# an empty file over each renderer plugin but frame-buffer.so
: > $run/none.so
hide=""
for p in "$plugins"/renderers/*.so; do
	[ "${p##*/}" = frame-buffer.so ] || hide="$hide $p"
done
unshare -m sh -c 'run=$1 theme=$2
	shift 2
	for p in "$@"; do mount --bind $run/none.so "$p" || exit 1; done
	mount --bind $run/themes /usr/share/plymouth/themes || exit 1
	exec plymouthd --mode=boot --no-boot-log --ignore-serial-consoles \
		--pid-file=$run/pid --debug --debug-file=$run/debug.log \
		--kernel-command-line="splash plymouth.ignore-udev plymouth.splash=$theme plymouth.debug=stream:$run/trace"' \
	sh $run $theme $hide > $run/stdout 2>&1
pid=$(cat $run/pid 2> /dev/null)
if [ -z "$pid" ] || ! plymouth --ping; then
	echo "e2e plymouth: FAIL (plymouthd did not start: $(head -c 200 $run/stdout))"
	printf '\033[?25h\033[2J\033[H' > /dev/tty1
	exit 1
fi
plymouth show-splash
result=PASS
detail=""
renderer=""
device=""
i=0
for c in $colours; do
	i=$((i + 1))
	[ $i -gt 1 ] && plymouth update --status=lab-$i
	lab_fill_spec plymouth-$i $c
	reply=$(lab_expect plymouth-$i) || result=FAIL
	detail="$detail #$c: $reply;"
	if [ $i = 1 ]; then
		# while the splash shows: the renderer plugin and device
		# plymouthd's trace says it opened, and its shared mapping of
		# the frame buffer (the helper's own file when it tracks writes)
		renderer=$(sed -n 's|.*opened renderer plugin .*/renderers/\([^ /]*\.so\).*|\1|p' \
			$run/trace | head -n 1)
		device=$(sed -n 's|.*creating renderer backend for device \([^ ]*\).*|\1|p' \
			$run/trace | tail -n 1)
		if ! grep -q -E ' (/dev/fb0|anon_inode:\[drm-fbdev-shadow\])$' /proc/$pid/maps; then
			result=FAIL
			detail="$detail plymouthd has no mapping of /dev/fb0;"
		fi
	fi
done
timeout 60 plymouth quit
i=0
while kill -0 "$pid" 2> /dev/null && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
if kill -0 "$pid" 2> /dev/null; then
	result=FAIL
	detail="$detail plymouthd did not quit;"
	kill "$pid"
fi
lab_fill_spec plymouth-quit 000000
reply=$(lab_expect plymouth-quit) || result=FAIL
detail="$detail console after quit #000000: $reply;"
printf '\033[?25h\033[2J\033[H' > /dev/tty1
if [ "$renderer" != frame-buffer.so ] || [ "$device" != /dev/fb0 ]; then
	result=FAIL
fi
echo "e2e plymouth: $result (${w}x${h}, $bpp bpp, renderer ${renderer:-?} on ${device:-?};$detail)"
[ $result = PASS ]
