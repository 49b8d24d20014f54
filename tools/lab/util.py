# SPDX-License-Identifier: GPL-2.0
"""Small helpers shared by the lab tools."""

import hashlib
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("LAB_BUILD", os.path.join(ROOT, "build"))
OUT = os.environ.get("LAB_OUT", os.path.join(ROOT, "out"))

_T0 = time.monotonic()


def step(msg):
    """Progress line with the time since the tool started."""
    t = time.monotonic() - _T0
    print(f"[{int(t) // 60:02d}:{int(t) % 60:02d}] {msg}", flush=True)


class Results:
    """PASS/FAIL lines as checks finish, and the "N passed, N failed" end."""

    def __init__(self):
        self.passed = self.failed = 0

    def add(self, name, ok, detail=""):
        ok = bool(ok)
        print(f"  {'PASS' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}",
              flush=True)
        self.passed += ok
        self.failed += not ok

    def finish(self):
        """Print the totals; the exit status for them."""
        print(f"{self.passed} passed, {self.failed} failed")
        return 1 if self.failed else 0


def rel(path):
    try:
        r = os.path.relpath(path, ROOT)
    except ValueError:
        return path
    return path if r.startswith("..") else r


def read_text(path, default=""):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return default


def write_text(path, text):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def file_digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def die(msg, code=1):
    print(f"error: {msg}", file=sys.stderr)
    sys.exit(code)
