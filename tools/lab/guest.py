# SPDX-License-Identifier: GPL-2.0
"""Boot a kernel in QEMU (TCG), run one command inside, collect the results.

The guest's root is the host's / over virtio-9p, read-only; writable paths
are tmpfs.  The run directory is shared read-write as the 9p tag "lab": the
command goes in as "cmd", and "output", "status" and "dmesg" come back.

The second serial port (ttyS1 in the guest) is a line-based control
channel served here:

    SHOT NAME             screendump to NAME.ppm and NAME.png   -> OK PATH
    EXPECT NAME [MS]      compare screendumps with NAME.spec until equal or
                          MS milliseconds pass                  -> PASS / FAIL why
    PING                                                        -> PONG
"""

import argparse
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
import threading
import time

from . import image, util

QEMU = "qemu-system-x86_64"

class Device:
    """A QEMU display device: its QEMU arguments, extra kernel command
    line, the fix.id of the /dev/fb0 its driver registers, the path
    drm_fbdev_shadow takes for its memory (the "mode" line in debugfs),
    and whether QEMU can give it a preferred mode (the xres and yres
    properties its EDID reports, which the fbdev emulation takes)."""

    def __init__(self, qemu, append, fb_name, fb_mode, sized=False):
        self.qemu, self.append, self.fb_name, self.fb_mode = qemu, append, fb_name, fb_mode
        self.sized = sized

    def qemu_args(self, mode=None):
        if not mode:
            return self.qemu
        w, h = mode
        dev = re.sub(r",[xy]res=\d+", "", self.qemu[-1])
        return self.qemu[:-1] + [f"{dev},xres={w},yres={h}"]


DEVICES = {
    "virtio": Device(["-device", "virtio-gpu-pci,xres=1024,yres=768"], "",
                     "virtio_gpudrmfb", "map", sized=True),
    # The VESA mode set up at boot, with bochs kept off the VGA device.
    "simpledrm": Device(["-device", "VGA"], "vga=0x318 bochs.modeset=0",
                        "simpledrmdrmfb", "map"),
    # The same device driven by bochs (TTM, VRAM): fbdev through a shadow.
    "bochs": Device(["-device", "VGA"], "", "bochs-drmdrmfb", "blit", sized=True),
    "qxl": Device(["-device", "qxl-vga"], "", "qxldrmfb", "blit", sized=True),
    "cirrus": Device(["-device", "cirrus-vga"], "", "cirrusdrmfb", "map"),
}

# Named modes for --mode; any WIDTHxHEIGHT is taken as well.
MODES = {"1080p": (1920, 1080), "4k": (3840, 2160)}


def parse_mode(text):
    """(width, height) from "1080p", "4k" or "WIDTHxHEIGHT"; ValueError if neither."""
    if text in MODES:
        return MODES[text]
    m = re.fullmatch(r"(\d+)x(\d+)", text or "")
    if not m or not (0 < int(m.group(1)) <= 8192 and 0 < int(m.group(2)) <= 8192):
        raise ValueError(f"mode {text!r}: give WIDTHxHEIGHT (at most 8192x8192) "
                         f"or one of {', '.join(MODES)}")
    return int(m.group(1)), int(m.group(2))


def check_device(device, mode=None):
    """GuestError unless DEVICE is a lab device that can take MODE."""
    if device not in DEVICES:
        raise GuestError(f"unknown device '{device}' (choose from {', '.join(DEVICES)})")
    if mode and not DEVICES[device].sized:
        sized = ", ".join(d for d in DEVICES if DEVICES[d].sized)
        raise GuestError(f"{device} takes no mode in the lab (modes for: {sized})")


def mode_type(text):
    """parse_mode() for argparse's type=: a bad mode is a usage error."""
    try:
        return parse_mode(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


# vCPUs of a guest: make check and the benchmark run 2, the long and slow
# runs (make check-debug, make check-kcsan, make stress) run 4 (MANY_CPUS).
# QEMU's multi-threaded TCG runs them on the host's cores.
CPUS = 2
MANY_CPUS = 4

# Printed by a guest script (CPU_SCRIPT) and judged by smp_verdict().
CPU_SCRIPT = ('echo "cpus-online: $(grep -c ^processor /proc/cpuinfo) '
              '$(cat /sys/devices/system/cpu/online)"; echo "kernel-version: $(uname -v)"')


def smp_verdict(output, cpus):
    """(ok, detail): the guest brought up all @cpus vCPUs and its kernel
    preempts fully (uname -v says PREEMPT or PREEMPT_RT; PREEMPT_DYNAMIC
    kernels must be booted with preempt=full, which uname cannot tell)."""
    m = re.search(r"^cpus-online: (\d+) (\S*)$", output, re.M)
    if not m:
        return False, "the guest did not report its CPUs"
    online = int(m.group(1))
    v = re.search(r"^kernel-version: (.*)$", output, re.M)
    words = v.group(1).split() if v else []
    if online != cpus:
        return False, f"{online} CPUs online ({m.group(2)}), QEMU gave {cpus}"
    if not ({"PREEMPT", "PREEMPT_RT"} & set(words)):
        return False, f"kernel without full preemption: {' '.join(words)}"
    return True, f"{online} CPUs, {' '.join(words[:3])}"


def slow_kernel_append(kernel):
    """PCI interrupts of the debug and KCSAN kernels are routed without
    ACPI. Their AML interpreter is so slow under TCG that QEMU's _PRT
    method (a loop over every slot) runs past ACPICA's 30 s loop timeout
    (AE_AML_LOOP_TIMEOUT): every virtio device then came up without an
    interrupt, and the guest hung on its 9p root. The BIOS's PIRQ table
    routes them as the kernels without ACPI always did."""
    parts = os.path.normpath(kernel).split(os.sep)
    return "acpi=noirq" if "obj-debug" in parts or "obj-kcsan" in parts else ""


class GuestError(Exception):
    pass


class Result:
    def __init__(self, status, output, dmesg, console, rundir, timed_out, checks):
        self.status = status          # exit status of the command, None if unknown
        self.output = output          # what the command printed
        self.dmesg = dmesg            # the guest's kernel log at the end
        self.console = console        # everything on the serial console
        self.rundir = rundir
        self.timed_out = timed_out    # False, or "command" / "power-off" where it hung
        self.checks = checks          # [(name, passed, detail)] from EXPECT requests


class QMP:
    def __init__(self, path, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise GuestError(f"QMP socket {path} did not come up")
                time.sleep(0.05)
        self.file = self.sock.makefile("rwb")
        self.lock = threading.Lock()
        self._read()  # greeting
        self.command("qmp_capabilities")

    def _read(self):
        while True:
            line = self.file.readline()
            if not line:
                raise GuestError("QMP connection closed")
            msg = json.loads(line)
            if "event" not in msg:
                return msg

    def command(self, name, **args):
        with self.lock:
            self.file.write(json.dumps({"execute": name, "arguments": args}).encode() + b"\n")
            self.file.flush()
            reply = self._read()
        if "error" in reply:
            raise GuestError(f"QMP {name}: {reply['error'].get('desc')}")
        return reply.get("return")

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Guest:
    def __init__(self, kernel, device="virtio", rundir=None, timeout=300,
                 append="", kunit=False, memory=1024, echo=None, cpus=CPUS, mode=None):
        check_device(device, mode)
        if not os.path.exists(kernel):
            raise GuestError(f"no kernel image at {kernel}")
        self.kernel = kernel
        self.device = device
        self.rundir = os.path.abspath(rundir or tempfile.mkdtemp(prefix="lab-run-"))
        self.timeout = timeout
        self.append = append
        self.kunit = kunit
        self.memory = memory
        self.cpus = cpus              # vCPUs; the guest must bring up every one
        self.mode = mode              # (width, height) the display prefers, or None
        self.echo = echo              # callable(line) for live console lines
        self.checks = []
        self.proc = None
        self.qmp = None
        self.sockdir = None

    # ---- screendumps -------------------------------------------------
    def screendump(self, name):
        ppm = os.path.join(self.rundir, name + ".ppm")
        self.qmp.command("screendump", filename=ppm)
        return ppm

    def expect(self, name, timeout_ms=5000):
        """Poll screendumps until one equals NAME.spec; (passed, detail)."""
        spec = util.read_text(os.path.join(self.rundir, name + ".spec"), None)
        if spec is None:
            return False, f"no {name}.spec in the run directory"
        try:
            want = image.render_spec(spec, self.rundir)
        except ValueError as e:
            return False, f"bad spec: {e}"
        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            ppm = self.screendump(name)
            got = image.read_ppm(ppm)
            # The pixel-by-pixel account only for the last screen: at 4K
            # it takes seconds, longer than the wait for a late flush.
            if image.same(got, want):
                diff = None
                break
            if time.monotonic() > deadline:
                diff = image.compare(got, want)
                break
            time.sleep(0.1)
        image.write_png(os.path.join(self.rundir, name + ".png"), got)
        if diff is not None:
            image.write_png(os.path.join(self.rundir, name + ".expected.png"), want)
        return diff is None, diff or "screen equals the spec"

    def _handle(self, line):
        words = line.split()
        if not words:
            return "ERR empty request"
        try:
            if words[0] == "PING":
                return "PONG"
            if words[0] == "SHOT" and len(words) == 2:
                ppm = self.screendump(words[1])
                png = ppm[:-4] + ".png"
                image.ppm_to_png(ppm, png)
                return f"OK {png}"
            if words[0] == "EXPECT" and len(words) in (2, 3):
                ok, detail = self.expect(words[1], int(words[2]) if len(words) == 3 else 5000)
                self.checks.append((words[1], ok, detail))
                return ("PASS " if ok else "FAIL ") + detail
        except (GuestError, OSError, ValueError) as e:
            return f"ERR {e}"
        return f"ERR unknown request: {line}"

    def _serve_control(self, path):
        try:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            deadline = time.monotonic() + 30
            while True:
                try:
                    sock.connect(path)
                    break
                except OSError:
                    if time.monotonic() > deadline or self.proc.poll() is not None:
                        return
                    time.sleep(0.05)
            buf = b""
            while True:
                data = sock.recv(4096)
                if not data:
                    return
                buf += data
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    reply = self._handle(line.decode(errors="replace").strip("\r"))
                    sock.sendall(reply.encode() + b"\n")
        except OSError:
            return

    # ---- the run -----------------------------------------------------
    def cmdline(self):
        init = os.path.join(util.ROOT, "guest", "init")
        parts = ["console=ttyS0", "root=/dev/root", "rootfstype=9p",
                 "rootflags=trans=virtio,version=9p2000.L,msize=262144,cache=loose",
                 "ro", f"init={init}", "panic=-1", "log_buf_len=4M",
                 f"kunit.enable={1 if self.kunit else 0}", DEVICES[self.device].append,
                 slow_kernel_append(self.kernel), self.append]
        return " ".join(p for p in parts if p)

    def qemu_args(self):
        con = os.path.join(self.rundir, "console.log")
        return [QEMU, "-accel", "tcg", "-smp", str(self.cpus), "-m", str(self.memory),
                "-nodefaults", "-no-reboot", "-display", "none",
                "-kernel", self.kernel, "-append", self.cmdline(),
                "-chardev", f"file,id=con,path={con}", "-serial", "chardev:con",
                "-chardev", f"socket,id=ctl,path={self.sockdir}/ctl,server=on,wait=off",
                "-serial", "chardev:ctl",
                "-qmp", f"unix:{self.sockdir}/qmp,server=on,wait=off",
                "-fsdev", "local,id=root,path=/,security_model=none,readonly=on,multidevs=remap",
                "-device", "virtio-9p-pci,fsdev=root,mount_tag=/dev/root",
                "-fsdev", f"local,id=lab,path={self.rundir},security_model=none",
                "-device", "virtio-9p-pci,fsdev=lab,mount_tag=lab",
                *DEVICES[self.device].qemu_args(self.mode)]

    def run(self, command):
        """Run a shell command in the guest; returns a Result."""
        os.makedirs(self.rundir, exist_ok=True)
        for name in ("output", "status", "dmesg", "console.log", "qemu.log"):
            util.remove(os.path.join(self.rundir, name))
        util.write_text(os.path.join(self.rundir, "cmd"), command + "\n")
        # Unix socket paths are short; keep them out of deep checkouts.
        self.sockdir = tempfile.mkdtemp(prefix="lab-")
        args = self.qemu_args()
        util.write_text(os.path.join(self.rundir, "qemu.cmd"),
                        " ".join(shlex.quote(a) for a in args) + "\n")
        timed_out = False
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            self.qmp = QMP(os.path.join(self.sockdir, "qmp"))
            ctl = threading.Thread(target=self._serve_control,
                                   args=(os.path.join(self.sockdir, "ctl"),), daemon=True)
            ctl.start()
            timed_out = self._wait_and_echo()
        finally:
            if self.proc.poll() is None:
                self.proc.kill()  # only the QEMU this object started
            qemu_out = self.proc.communicate()[0].decode(errors="replace")
            if self.qmp:
                self.qmp.close()
            shutil.rmtree(self.sockdir, ignore_errors=True)
        if qemu_out.strip():
            util.write_text(os.path.join(self.rundir, "qemu.log"), qemu_out)
        status = util.read_text(os.path.join(self.rundir, "status"), "").strip()
        return Result(int(status) if status.lstrip("-").isdigit() else None,
                      util.read_text(os.path.join(self.rundir, "output")),
                      util.read_text(os.path.join(self.rundir, "dmesg")),
                      util.read_text(os.path.join(self.rundir, "console.log")),
                      self.rundir, timed_out, list(self.checks))

    def _wait_and_echo(self):
        """Wait for QEMU to exit, echoing console lines. False when it did;
        on a timeout, "command", or "power-off" if the guest was done.
        Once the guest's init has said it is done, a guest that does not
        power off within POWEROFF_GRACE seconds (after an oops, say) is
        stopped: its results are all written by then."""
        con = os.path.join(self.rundir, "console.log")
        deadline = time.monotonic() + self.timeout
        pos = 0
        pending = b""
        done = False
        while True:
            exited = self.proc.poll() is not None
            if os.path.exists(con):
                with open(con, "rb") as f:
                    f.seek(pos)
                    data = f.read()
                pos += len(data)
                pending += data
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    text = line.decode(errors="replace").rstrip("\r")
                    if self.echo:
                        self.echo(text)
                    if not done and text.startswith(GUEST_DONE):
                        done = True
                        deadline = min(deadline, time.monotonic() + POWEROFF_GRACE)
            if exited:
                return False
            if time.monotonic() > deadline:
                return "power-off" if done else "command"
            time.sleep(0.1)


# guest/init's last line, and how long a guest may take to power off after it
GUEST_DONE = "lab: guest done"
POWEROFF_GRACE = 60


# Leaks are not among them: kmemleak only scans when KMEMLEAK_SCRIPT asks,
# and kmemleak_leaks() judges its report, known leaks set apart.
SPLAT_MARKERS = ("WARNING:", "BUG:", "Oops", "Kernel panic", "general protection fault",
                 "possible circular locking", "possible recursive locking",
                 "INFO: task", "UBSAN:", "KASAN:", "RCU stall",
                 "Call Trace:", "inconsistent lock state")


# Ends a guest script on a kernel with kmemleak: two scans (a leak must
# stay unreferenced across both), then the report between markers.
KMEMLEAK_SCRIPT = ("if [ -e /sys/kernel/debug/kmemleak ]; then "
                   "echo scan > /sys/kernel/debug/kmemleak; sleep 6; "
                   "echo scan > /sys/kernel/debug/kmemleak; echo '=== kmemleak'; "
                   "cat /sys/kernel/debug/kmemleak; echo '=== kmemleak end'; fi")


# Leaks in code outside the series that fault injection reaches: the
# backtrace frames that identify each, and why it stays unfixed here.
KNOWN_LEAKS = (
    (("kobject_init_and_add", "sysfs_slab_add", "__kmem_cache_create_args"),
     "mm/slub (stock 6.12): when kobject_init_and_add() fails in sysfs_slab_add(), "
     "the kobject's name stays allocated; putting the kobject there would free "
     "the cache a second time in do_kmem_cache_create()'s error path"),
)


def kmemleak_report(output):
    """The report KMEMLEAK_SCRIPT left in output, as (leaks, known): the
    first lines ("unreferenced object ...") of the leaks that are not
    KNOWN_LEAKS, and (first line, reason) of those that are. None without
    a report."""
    m = re.search(r"^=== kmemleak\n(.*?)^=== kmemleak end", output or "", re.M | re.S)
    if not m:
        return None
    leaks, known = [], []
    for block in re.split(r"^(?=unreferenced object )", m.group(1), flags=re.M):
        if not block.startswith("unreferenced object "):
            continue
        why = next((why for frames, why in KNOWN_LEAKS if all(f in block for f in frames)),
                   None)
        first = block.splitlines()[0]
        if why:
            known.append((first, why))
        else:
            leaks.append(first)
    return leaks, known


def kmemleak_leaks(output):
    """The first lines of the leaks in output's kmemleak report that are not
    KNOWN_LEAKS, or None without a report."""
    report = kmemleak_report(output)
    return report[0] if report else None


# fbdev_faultinject writes these around the requests whose allocations it
# fails. Between them, the reports that the kernel makes by design for a
# failed allocation, with a stack dump, are not kernel problems: a failed
# kmem_cache_create(), and warn_alloc() for a vmalloc or page allocation.
INJECT_BEGIN = "fbdev_faultinject: allocation failures begin"
INJECT_END = "fbdev_faultinject: allocation failures end"
EXPECTED_FAILURE_RE = re.compile(r"__kmem_cache_create_args\(.*\) failed with error -12$"
                                 r"|: vmalloc error: size \d+, .*, mode:0x"
                                 r"|: page allocation failure: order:\d+, mode:0x")


def splats(log):
    """Lines of a kernel log that report a kernel problem. KCSAN's data
    race reports are left to kcsan_reports()."""
    bad, injecting, expected_trace = [], False, 0
    for line in log.splitlines():
        if KCSAN_TITLE in line:
            continue
        if INJECT_BEGIN in line or INJECT_END in line:
            injecting = INJECT_BEGIN in line
        elif injecting and EXPECTED_FAILURE_RE.search(line.rstrip()):
            expected_trace = 4  # "CPU:", "Hardware name:", then "Call Trace:"
        elif expected_trace and "Call Trace:" in line:
            expected_trace = 0
        else:
            expected_trace = max(0, expected_trace - 1)
            if any(m in line for m in SPLAT_MARKERS):
                bad.append(line)
    return bad


# A KCSAN report runs from its title line to the line of "=" that closes
# it; it names both racing accesses (or one, "race at unknown origin"),
# each with the stack that made it. A race is the helper's when one of
# the accesses was made by the helper's code: a function of the helper
# (HELPER_PREFIX) or of its page-table walk in mm/mapping_dirty_helpers.c
# (patch 0002) within the first HELPER_FRAMES frames of that access's
# stack, where the library routines it calls (memcmp, bitmap and copy
# routines) come before it. Deeper down it is only a caller: an mm or
# scheduler race under a fault the helper's read() took on the user's
# buffer, or under the TLB flush of its walk, belongs to that code.
# A KTAP line at the top level of the console: every line of a test's
# own output (nested tests, diagnostics) is indented.
KTAP_TOP_RE = re.compile(r"^(\[\s*[\d.]+\] )?(KTAP version|TAP version|1\.\.|ok |not ok |#|\s|$)")


def ktap_lines(console):
    """The console without the kernel's own unindented messages.

    The kernel prints where it likes, even between a suite's "KTAP version"
    line and its header ("clocksource: Switched to clocksource tsc" at the
    first suite), and kunit.py's parser then misreads every suite after
    it. Test output is KTAP: unindented lines are KTAP's own, the rest is
    indented, so dropping the other unindented lines leaves it whole.
    """
    return "".join(line for line in console.splitlines(keepends=True)
                   if KTAP_TOP_RE.match(line))


KCSAN_TITLE = "BUG: KCSAN: "
HELPER_PREFIX = "drm_fbdev_shadow"
HELPER_FUNCS = (HELPER_PREFIX, "wp_clean_record_")
HELPER_FRAMES = 3
KCSAN_ACCESS_RE = re.compile(r"(read|write)( \(marked\))? to 0x[0-9a-f]+ of \d+ bytes by ")
KCSAN_FRAME_RE = re.compile(r"(?:^|\] ) ([A-Za-z_][\w.]*)\+0x[0-9a-f]+/0x[0-9a-f]+")


def kcsan_reports(log):
    """KCSAN's reports in a kernel log, as (title, ours) in the order they
    came: title is what follows "BUG: KCSAN: ", ours is whether the helper
    made one of the racing accesses (see HELPER_FRAMES)."""
    reports, current, depth = [], None, None
    for line in log.splitlines():
        if KCSAN_TITLE in line:
            if current:
                reports.append(current)
            title = line.split(KCSAN_TITLE, 1)[1].strip()
            current = [title, any(f in title for f in HELPER_FUNCS)]
            depth = 0  # a report cut short may have lost its access lines
        elif current:
            if re.search(r"(^|\] )={20,}\s*$", line):
                reports.append(current)
                current = None
            elif KCSAN_ACCESS_RE.search(line):
                depth = 0
            elif depth is not None:
                m = KCSAN_FRAME_RE.search(line)
                if not m:
                    depth = None  # the blank line that ends a stack
                    continue
                depth += 1
                if depth <= HELPER_FRAMES and m.group(1).startswith(HELPER_FUNCS):
                    current[1] = True
    if current:
        reports.append(current)
    return [tuple(r) for r in reports]


def kcsan_verdict(log):
    """(ours, others) for a kernel log: the titles of KCSAN's reports in the
    helper, and the other reports as lines "COUNT x TITLE", most frequent
    first."""
    ours, others = [], {}
    for title, in_helper in kcsan_reports(log):
        if in_helper:
            ours.append(title)
        else:
            others[title] = others.get(title, 0) + 1
    ranked = sorted(others.items(), key=lambda kv: (-kv[1], kv[0]))
    return ours, [f"{n} x {title}" for title, n in ranked]
