#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# fbtermcheck.sh: fbterm, the frame-buffer terminal, on /dev/fb0 and tty1; the
# host compares the screen.
#
#   fbtermcheck.sh
#
# The console below is cleared and its cursor hidden (fbcon keeps blinking
# it on the frame buffer under fbterm otherwise), then a shell inside fbterm
# clears fbterm's screen with one background colour of its palette, then
# with another. After each, fbterm's character grid (its rows and columns
# times the cell size) must be that colour and the margin right and below
# it, which fbterm leaves alone, the console's black.
# Prints "e2e fbterm: PASS|FAIL|SKIP (...)".
set -u
dir=${LAB_DIR:-/mnt/lab}
. "${0%/*}/lab.sh"
run=/tmp/fbterm
fb=/sys/class/graphics/fb0
mkdir -p $run
if ! command -v fbterm > /dev/null; then
	echo "e2e fbterm: FAIL (fbterm not installed)"
	exit 1
fi
bpp=$(cat $fb/bits_per_pixel)
case $bpp in
8 | 15 | 16 | 32) ;;
*)
	echo "e2e fbterm: SKIP (fbterm draws only at 8, 15, 16 and 32 bpp, not $bpp)"
	exit 0
	;;
esac
lab_fb_size
# fbterm's palette entries for ANSI blue (4) and red (1), as it sets them
# up (the Linux console's colours); at 16 bpp each channel keeps its top
# bits, so the expected colour is what 5-6-5 makes of it
colours="44:0000aa 41:aa0000"
expect() {
	rgb=$1
	if [ "$bpp" = 16 ]; then
		r=$((0x${rgb%????} & 0xf8))
		g=$((0x$(echo "$rgb" | cut -c3-4) & 0xfc))
		b=$((0x${rgb#????} & 0xf8))
		r=$((r | r >> 5))
		g=$((g | g >> 6))
		b=$((b | b >> 5))
		rgb=$(printf '%02x%02x%02x' $r $g $b)
	fi
	echo "$rgb"
}
# Each step waits for a file the test writes, so the screen is compared
# while fbterm shows that colour and not before.
cat > $run/steps <<EOF
stty size > $run/size.new && mv $run/size.new $run/size
for c in $colours; do
	printf '\033[%sm\033[2J' \${c%:*}
	touch $run/shown-\${c%:*}
	while [ ! -e $run/next-\${c%:*} ]; do sleep 0.1; done
done
EOF
export HOME=$run
printf '\033[?25l\033[40m\033[2J\033[H' > /dev/tty1
setsid sh -c "exec fbterm -- sh $run/steps < /dev/tty1 > /dev/tty1 2> $run/stderr" &
result=PASS
detail=""
for c in $colours; do
	code=${c%:*}
	rgb=$(expect "${c#*:}")
	i=0
	while [ ! -e "$run/shown-$code" ] && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if [ ! -e "$run/shown-$code" ]; then
		result=FAIL
		detail="$detail fbterm did not run its shell: $(head -c 200 $run/stderr 2> /dev/null);"
		break
	fi
	# rows and columns give the grid: a cell is the whole part of the
	# screen over them (exact with at least 32 columns at 1024
	# pixels and 28 rows at 768, as with any usable font size)
	read -r rows cols < $run/size
	gw=$((w / cols * cols))
	gh=$((h / rows * rows))
	printf 'size %s %s\nfill 0 0 %s %s 000000\nfill 0 0 %s %s %s\n' \
		"$w" "$h" "$w" "$h" "$gw" "$gh" "$rgb" > "$dir/fbterm-$code.spec"
	reply=$(lab_expect "fbterm-$code") || result=FAIL
	detail="$detail ESC[${code}m #$rgb: $reply;"
	touch "$run/next-$code"
done
i=0
while pgrep -x fbterm > /dev/null && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
pkill -x fbterm
printf '\033[?25h\033[2J\033[H' > /dev/tty1
echo "e2e fbterm: $result (${w}x${h}, $bpp bpp, grid ${gw:-?}x${gh:-?};$detail)"
[ $result = PASS ]
