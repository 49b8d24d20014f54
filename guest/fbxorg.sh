#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# fbxorg.sh: the X server with its fbdev driver on /dev/fb0 (ShadowFB, as
# distributions configure it), an X client drawing, the host comparing.
#
#   fbxorg.sh
#
# No input devices. xsetroot paints the root window one colour, then
# another; after each the whole screen must be that colour. Prints
# "e2e xorg-fbdev: PASS|FAIL (...)".
#
# The fbdev driver's plain probe refuses a framebuffer whose sysfs path
# runs through a PCI device (it leaves those to its PCI probe, which only
# takes the boot VGA device): virtio-gpu-pci, and simpledrm's platform
# device, whose parent is the VGA device. For those the server runs in a
# mount namespace of its own where /sys/class/graphics/fb0 points outside
# the PCI tree and /sys/bus/pci/devices is empty, so it drives /dev/fb0 as
# a plain framebuffer, as on boards without PCI.
set -u
. "${0%/*}/lab.sh"
run=/tmp/fbxorg
fb=/sys/class/graphics/fb0
mkdir -p $run
if ! command -v Xorg > /dev/null || ! command -v xsetroot > /dev/null; then
	echo "e2e xorg-fbdev: FAIL (Xorg or xsetroot not installed)"
	exit 1
fi
bpp=$(cat $fb/bits_per_pixel)
if [ "$bpp" = 24 ]; then
	# the server asks the driver for depth 24 at 32 bpp, which a packed
	# 24 bpp framebuffer cannot give (the same on fb_defio)
	echo "e2e xorg-fbdev: SKIP (the fbdev driver does not drive 24 bpp framebuffers)"
	exit 0
fi
lab_fb_size
cat > $run/xorg.conf <<EOF
Section "ServerFlags"
	Option "AutoAddDevices" "false"
	Option "AutoEnableDevices" "false"
EndSection
Section "Device"
	Identifier "fb"
	Driver "fbdev"
	Option "fbdev" "/dev/fb0"
	Option "ShadowFB" "on"
EndSection
Section "Screen"
	Identifier "screen"
	Device "fb"
EndSection
EOF
adjust=0
case $(readlink /sys/class/graphics/fb0) in
*devices/pci*) [ "$(cat $fb/device/boot_vga 2> /dev/null)" = 1 ] || adjust=1 ;;
esac
set -- :1 -config $run/xorg.conf -logfile $run/Xorg.log -nolisten tcp -nocursor \
	-noreset -keeptty -novtswitch vt1
if [ $adjust = 1 ]; then
	unshare -m sh -c 'mount -t tmpfs lab /sys/class/graphics &&
		ln -s ../../devices/platform/lab/graphics/fb0 /sys/class/graphics/fb0 &&
		mount -t tmpfs lab /sys/bus/pci/devices && exec Xorg "$@"' \
		Xorg "$@" > $run/stdout 2>&1 &
else
	Xorg "$@" > $run/stdout 2>&1 &
fi
xpid=$!
up=0
for i in $(seq 1 600); do
	if xsetroot -display :1 -solid black 2> /dev/null; then
		up=1
		break
	fi
	kill -0 $xpid 2> /dev/null || break
	sleep 0.1
done
if [ $up = 0 ]; then
	why=$(grep -E '\(EE\)' $run/Xorg.log 2> /dev/null | grep -v 'Warning\|Error' | head -n 3 |
		tr '\n' ' ')
	echo "e2e xorg-fbdev: FAIL (the X server did not come up: ${why:-see its log})"
	cat $run/Xorg.log 2> /dev/null | tail -n 20
	kill $xpid 2> /dev/null
	exit 1
fi
depth=$(sed -n 's/.*FBDEV(0): Depth \([0-9]*\).*/\1/p' $run/Xorg.log | head -n 1)
result=PASS
detail=""
for colour in ff00ff 00ffff; do
	xsetroot -display :1 -solid "#$colour"
	lab_fill_spec "xorg-fbdev-$colour" $colour
	reply=$(lab_expect "xorg-fbdev-$colour") || result=FAIL
	detail="$detail #$colour: $reply;"
done
kill $xpid
wait $xpid 2> /dev/null
[ $adjust = 1 ] && detail=" sysfs's PCI tree hidden from the server;$detail"
echo "e2e xorg-fbdev: $result (${w}x${h}, depth ${depth:-?};$detail)"
[ $result = PASS ]
