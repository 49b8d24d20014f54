# SPDX-License-Identifier: GPL-2.0
"""Screendumps: PPM in, PNG out, and exact comparison against a drawing spec.

A spec is what a guest program says it drew, one operation a line, in
order:

    size W H
    fill X Y W H RRGGBB
    raw FILE BPP PITCH ROFF GOFF BOFF

The expected image is those operations on a black W x H screen; a
screendump matches when every pixel is equal.  "raw" paints the whole
screen from a dump of the framebuffer's memory (FILE, relative to the
spec's directory): BPP 24 or 32, 8-bit channels at bit offsets ROFF, GOFF,
BOFF of each little-endian pixel.
"""
import os

import struct
import zlib


class Image:
    def __init__(self, width, height, rgb):
        self.width = width
        self.height = height
        self.rgb = rgb  # bytes or bytearray, 3 bytes a pixel, row-major

    def pixel(self, x, y):
        i = (y * self.width + x) * 3
        return tuple(self.rgb[i:i + 3])


def read_ppm(path):
    with open(path, "rb") as f:
        data = f.read()
    fields = []
    pos = 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    pos += 1  # the single whitespace byte before the raster
    magic, w, h, maxval = fields[0], int(fields[1]), int(fields[2]), int(fields[3])
    if magic != b"P6" or maxval != 255:
        raise ValueError(f"{path}: not an 8-bit binary PPM")
    rgb = data[pos:pos + w * h * 3]
    if len(rgb) != w * h * 3:
        raise ValueError(f"{path}: truncated")
    return Image(w, h, rgb)


def write_png(path, img):
    def chunk(kind, payload):
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))

    stride = img.width * 3
    raw = bytearray()
    for y in range(img.height):
        raw.append(0)  # filter: none
        raw += img.rgb[y * stride:(y + 1) * stride]
    png = (b"\x89PNG\r\n\x1a\n" +
           chunk(b"IHDR", struct.pack(">IIBBBBB", img.width, img.height, 8, 2, 0, 0, 0)) +
           chunk(b"IDAT", zlib.compress(bytes(raw), 6)) +
           chunk(b"IEND", b""))
    with open(path, "wb") as f:
        f.write(png)


def ppm_to_png(ppm, png):
    write_png(png, read_ppm(ppm))


def parse_spec(text):
    size = None
    ops = []
    raw = None
    for n, line in enumerate(text.splitlines(), 1):
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if words[0] == "size" and len(words) == 3:
            size = (int(words[1]), int(words[2]))
        elif words[0] == "fill" and len(words) == 6:
            x, y, w, h = (int(v) for v in words[1:5])
            ops.append((x, y, w, h, bytes.fromhex(words[5])))
        elif words[0] == "raw" and len(words) == 7:
            raw = (words[1], *(int(v) for v in words[2:]))
        else:
            raise ValueError(f"spec line {n}: cannot parse {line!r}")
    if not size:
        raise ValueError("spec has no size line")
    return size, ops, raw


def _rgb565(data, width, height, pitch):
    """Widened the way QEMU's screendump widens it: the top bits repeat."""
    rgb = bytearray(width * height * 3)
    out = 0
    for y in range(height):
        for (v,) in struct.iter_unpack("<H", data[y * pitch:y * pitch + width * 2]):
            r, g, b = v >> 11, (v >> 5) & 0x3f, v & 0x1f
            rgb[out:out + 3] = bytes(((r << 3) | (r >> 2), (g << 2) | (g >> 4),
                                      (b << 3) | (b >> 2)))
            out += 3
    return rgb


def render_raw(path, width, height, bpp, pitch, roff, goff, boff):
    """RGB of a framebuffer dump: byte-aligned 8-bit channels, or RGB565."""
    rgb565 = bpp == 16 and (roff, goff, boff) == (11, 5, 0)
    if not rgb565 and (bpp not in (24, 32) or any(o % 8 for o in (roff, goff, boff))):
        raise ValueError(f"raw dump format bpp={bpp} {roff}/{goff}/{boff} not supported")
    cpp = bpp // 8
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < pitch * height:
        raise ValueError(f"{path}: {len(data)} bytes, need {pitch * height}")
    if rgb565:
        return _rgb565(data, width, height, pitch)
    rgb = bytearray(width * height * 3)
    for y in range(height):
        line = data[y * pitch:y * pitch + width * cpp]
        out = y * width * 3
        for c, off in enumerate((roff, goff, boff)):
            rgb[out + c:out + width * 3:3] = line[off // 8::cpp]
    return rgb


def render_spec(text, basedir="."):
    (width, height), ops, raw = parse_spec(text)
    if raw:
        rgb = render_raw(os.path.join(basedir, raw[0]), width, height, *raw[1:])
    else:
        rgb = bytearray(width * height * 3)
    stride = width * 3
    for x, y, w, h, colour in ops:
        if x < 0 or y < 0 or w <= 0 or h <= 0 or x + w > width or y + h > height:
            raise ValueError(f"fill {x} {y} {w} {h} is outside {width}x{height}")
        row = colour * w
        for yy in range(y, y + h):
            start = yy * stride + x * 3
            rgb[start:start + w * 3] = row
    return Image(width, height, rgb)


def same(actual, expected):
    """Whether the two images are equal, without saying where they differ."""
    return ((actual.width, actual.height) == (expected.width, expected.height) and
            actual.rgb == expected.rgb)


def compare(actual, expected):
    """None when equal, else a one-line description of the difference."""
    if (actual.width, actual.height) != (expected.width, expected.height):
        return (f"screen is {actual.width}x{actual.height}, "
                f"expected {expected.width}x{expected.height}")
    if actual.rgb == expected.rgb:
        return None
    stride = actual.width * 3
    count = 0
    first = None
    x0, y0, x1, y1 = actual.width, actual.height, -1, -1
    for y in range(actual.height):
        a = actual.rgb[y * stride:(y + 1) * stride]
        e = expected.rgb[y * stride:(y + 1) * stride]
        if a == e:
            continue
        for x in range(actual.width):
            if a[x * 3:x * 3 + 3] != e[x * 3:x * 3 + 3]:
                count += 1
                if first is None:
                    first = (x, y)
                x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
    fx, fy = first
    got = actual.pixel(fx, fy)
    want = expected.pixel(fx, fy)
    return (f"{count} pixels differ within ({x0},{y0})-({x1},{y1}); first at "
            f"({fx},{fy}): got #{bytes(got).hex()} want #{bytes(want).hex()}")
