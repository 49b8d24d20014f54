# SPDX-License-Identifier: GPL-2.0
#
# lab.sh: what the guest's shell checks share; sourced, not run.

# Sets w and h: the visible screen (the mode's height; the virtual one
# is taller where the buffer is overallocated for panning).
lab_fb_size() {
	size=$(cat /sys/class/graphics/fb0/virtual_size)
	w=${size%,*}
	h=$(sed -n 's/^.*:\([0-9]*\)x\([0-9]*\).*$/\2/p' /sys/class/graphics/fb0/modes | head -n 1)
	[ -n "$h" ] || h=${size#*,}
}

# lab_fill_spec NAME RGB: NAME's spec is the whole screen in one colour.
lab_fill_spec() {
	printf 'size %s %s\nfill 0 0 %s %s %s\n' "$w" "$h" "$w" "$h" "$2" \
		> "${LAB_DIR:-/mnt/lab}/$1.spec"
}

# lab_expect NAME: the host compares NAME's spec with the screen; prints
# its verdict and succeeds when it is PASS.
lab_expect() {
	reply=$(labctl host EXPECT "$1" 8000)
	echo "$reply"
	case $reply in
	PASS*) return 0 ;;
	esac
	return 1
}
