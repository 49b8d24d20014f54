#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""fbqt: a Qt program on Qt's linuxfb platform plugin draws known shapes on
/dev/fb0, then the host compares the screen with them.

  fbqt

The window fills the screen: a background, four rectangles at the corners
and a bar across the middle, in full-intensity colours (exact at 16, 24
and 32 bpp), no antialiasing. Qt paints into its own backing store and
copies each dirty rectangle into the mapping, as every linuxfb program
does. Prints "e2e qt-linuxfb: PASS|FAIL (...)".
"""
import fcntl
import os
import struct
import subprocess
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "linuxfb:fb=/dev/fb0")
# No keyboard or mouse in the lab's guests; Qt must not wait for them.
os.environ.setdefault("QT_QPA_FB_DISABLE_INPUT", "1")
if "XDG_RUNTIME_DIR" not in os.environ:
    os.makedirs("/tmp/fbqt-runtime", mode=0o700, exist_ok=True)
    os.environ["XDG_RUNTIME_DIR"] = "/tmp/fbqt-runtime"

try:
    from PyQt5.QtCore import QT_VERSION_STR, QTimer, Qt
    from PyQt5.QtGui import QColor, QPainter
    from PyQt5.QtWidgets import QApplication, QWidget
except ImportError as e:
    print(f"e2e qt-linuxfb: FAIL (PyQt5 missing: {e})")
    sys.exit(1)

BACKGROUND = "0000ff"
SHAPES = []  # (x, y, w, h, rrggbb), filled in once the size is known


def shapes(w, h):
    return [(0, 0, 64, 48, "ff0000"), (w - 64, 0, 64, 48, "00ff00"),
            (0, h - 48, 64, 48, "ffff00"), (w - 64, h - 48, 64, 48, "ffffff"),
            (w // 4, h // 2 - 8, w // 2, 16, "00ffff")]


class Canvas(QWidget):
    def paintEvent(self, event):
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing, False)
        p.fillRect(self.rect(), QColor("#" + BACKGROUND))
        for x, y, w, h, rgb in SHAPES:
            p.fillRect(x, y, w, h, QColor("#" + rgb))
        p.end()


FBIOGET_VSCREENINFO = 0x4600


def qt_swaps_red_blue():
    """Qt 5's linuxfb plugin takes a 24 bpp framebuffer with red at bits
    16-23 (DRM's RGB888, bytes B, G, R) for its RGB888 image format, whose
    bytes are R, G, B: red and blue land swapped on the screen, on fb_defio
    as here. The test expects what Qt writes."""
    with open("/dev/fb0", "rb") as fb:
        var = fcntl.ioctl(fb, FBIOGET_VSCREENINFO, bytes(160))
    # bits_per_pixel is the 7th word, red.offset the 9th
    bpp, _, red_offset = struct.unpack_from("=3I", var, 24)
    return bpp == 24 and red_offset == 16 and QT_VERSION_STR.startswith("5.")


def swapped(rgb):
    return rgb[4:6] + rgb[2:4] + rgb[0:2]


def check(app, win):
    w, h = win.width(), win.height()
    lab = os.environ.get("LAB_DIR", "/mnt/lab")
    swap = qt_swaps_red_blue()
    paint = swapped if swap else (lambda rgb: rgb)
    with open(os.path.join(lab, "qt-linuxfb.spec"), "w") as f:
        f.write(f"size {w} {h}\nfill 0 0 {w} {h} {paint(BACKGROUND)}\n")
        for x, y, sw, sh, rgb in SHAPES:
            f.write(f"fill {x} {y} {sw} {sh} {paint(rgb)}\n")
    r = subprocess.run(["labctl", "host", "EXPECT", "qt-linuxfb", "8000"],
                       capture_output=True, text=True)
    reply = (r.stdout or r.stderr).strip()
    ok = reply.startswith("PASS")
    note = f"Qt {QT_VERSION_STR} swaps red and blue at 24 bpp; " if swap else ""
    print(f"e2e qt-linuxfb: {'PASS' if ok else 'FAIL'} ({w}x{h}, "
          f"{app.primaryScreen().depth()} bpp screen; {note}{reply})", flush=True)
    app.exit(0 if ok else 1)


def main():
    app = QApplication(sys.argv)
    screen = app.primaryScreen().geometry()
    SHAPES.extend(shapes(screen.width(), screen.height()))
    win = Canvas()
    win.setWindowFlags(Qt.FramelessWindowHint)
    win.setGeometry(screen)
    win.show()
    # Qt paints and copies into the framebuffer from its event loop.
    QTimer.singleShot(1500, lambda: check(app, win))
    return app.exec_()


if __name__ == "__main__":
    sys.exit(main())
