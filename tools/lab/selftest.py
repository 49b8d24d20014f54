# SPDX-License-Identifier: GPL-2.0
"""Tests of the lab's own machinery, run on the host by `make check`:
the IGT-API harness, the screendump comparison, the trace reduction and
the ablation diffs.
"""
import os
import subprocess
import struct
import tempfile
import unittest

from . import guest, image, util

HARNESS = os.path.join(util.ROOT, "build", "igt-selftest")


class Harness(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        h = os.path.join(util.ROOT, "igt-tests", "harness")
        subprocess.run(["gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-std=gnu11", "-D_GNU_SOURCE", "-I", h,
                        "-o", HARNESS, os.path.join(h, "selftest.c"),
                        os.path.join(h, "igt_core.c")], check=True)
        cls.run_ = subprocess.run([HARNESS], capture_output=True, text=True)
        cls.results = {}
        for line in cls.run_.stdout.splitlines():
            if line.startswith("Subtest "):
                name, rest = line[len("Subtest "):].split(": ", 1)
                cls.results[name] = rest.split()[0]

    def test_outcomes(self):
        self.assertEqual(self.results, {
            "pass": "SUCCESS", "fail-assert": "FAIL", "fail-in-helper": "FAIL",
            "skip-require": "SKIP", "formatted-7": "SUCCESS", "group-skipped": "SKIP",
            "group-failed": "FAIL", "after-groups": "SUCCESS", "crash": "CRASH",
            "after-crash": "SUCCESS", "fork-pass": "SUCCESS", "fork-fail": "FAIL",
            "fork-signal": "FAIL", "handler-inherited": "SUCCESS",
            "reset-in-child": "SUCCESS", "plain-fork-crash": "SUCCESS"})

    def sub(self, name):
        return subprocess.run([HARNESS, "--run-subtest", name], capture_output=True, text=True)

    def test_crash_goes_on_and_sets_the_exit_status(self):
        # as IGT: CRASH, the next subtest runs, exit 128 + SIGSEGV
        self.assertIn("Received signal SIGSEGV.", self.run_.stderr)
        self.assertEqual(self.sub("crash").returncode, 139)
        both = self.sub("*crash")
        self.assertIn("Subtest after-crash: SUCCESS", both.stdout)
        self.assertEqual(both.returncode, 139)

    def test_fork_children(self):
        self.assertIn("child 1 failed with exit status 98", self.run_.stdout)
        self.assertIn("child 0 died with signal 7, Bus error", self.run_.stdout)
        self.assertEqual(self.sub("fork-pass").returncode, 0)
        self.assertEqual(self.sub("fork-fail").returncode, 98)
        self.assertEqual(self.sub("fork-signal").returncode, 128 + 7)

    def test_plain_fork_child_inherits_the_handlers(self):
        # The child of a plain fork() that crashes reports the subtest as
        # CRASH and goes on as a test process; its parent then passes.
        out = self.sub("plain-fork-crash").stdout
        self.assertIn("Subtest plain-fork-crash: CRASH", out)
        self.assertIn("Subtest plain-fork-crash: SUCCESS", out)

    def test_exit_status_on_failure(self):
        self.assertEqual(self.run_.returncode, 98)

    def test_failure_message(self):
        self.assertIn("Failed assertion: 1 + 1 == 3", self.run_.stderr)
        self.assertIn("2 == 3 is false", self.run_.stderr)

    def test_list_and_select(self):
        out = subprocess.run([HARNESS, "--list-subtests"], capture_output=True, text=True)
        self.assertEqual(out.returncode, 0)
        self.assertEqual(out.stdout.split()[:2], ["pass", "fail-assert"])
        one = subprocess.run([HARNESS, "--run-subtest", "pass"], capture_output=True, text=True)
        self.assertEqual(one.returncode, 0)
        self.assertIn("Subtest pass: SUCCESS", one.stdout)
        self.assertNotIn("fail-assert", one.stdout)
        skip = subprocess.run([HARNESS, "--run-subtest", "skip-*"], capture_output=True)
        self.assertEqual(skip.returncode, 77)
        none = subprocess.run([HARNESS, "--run-subtest", "nonexistent"], capture_output=True)
        self.assertEqual(none.returncode, 79)


class Images(unittest.TestCase):
    SPEC = "size 8 4\nfill 0 0 2 2 ff0000\nfill 7 3 1 1 ffffff\n"

    def test_render_and_compare(self):
        want = image.render_spec(self.SPEC)
        self.assertEqual(want.pixel(1, 1), (255, 0, 0))
        self.assertEqual(want.pixel(2, 2), (0, 0, 0))
        self.assertEqual(want.pixel(7, 3), (255, 255, 255))
        self.assertIsNone(image.compare(want, image.render_spec(self.SPEC)))

    def test_one_pixel_difference_is_found(self):
        got = image.render_spec(self.SPEC.replace("fill 7 3 1 1 ffffff\n", ""))
        diff = image.compare(got, image.render_spec(self.SPEC))
        self.assertIn("1 pixels differ", diff)
        self.assertIn("(7,3)", diff)

    def test_same_is_compare_without_the_account(self):
        want = image.render_spec(self.SPEC)
        self.assertTrue(image.same(image.render_spec(self.SPEC), want))
        self.assertFalse(image.same(image.render_spec(self.SPEC.replace("ffffff", "fffffe")),
                                    want))
        self.assertFalse(image.same(image.render_spec("size 4 8\n"),
                                    image.render_spec("size 8 4\n")))

    def test_size_mismatch(self):
        self.assertIn("8x4", image.compare(image.render_spec("size 4 4\n"),
                                           image.render_spec(self.SPEC)))

    def test_spec_outside_screen_rejected(self):
        with self.assertRaises(ValueError):
            image.render_spec("size 4 4\nfill 3 3 2 1 ffffff\n")

    @staticmethod
    def render_raw(data, spec):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "fb.raw"), "wb") as f:
                f.write(data)
            return image.render_spec(spec, d)

    def test_raw_dump(self):
        # 3x2 at 32 bpp, XRGB8888 in memory as B G R X, pitch 16 (padded)
        px = {(0, 0): (1, 2, 3), (2, 1): (250, 251, 252)}
        data = bytearray(16 * 2)
        for (x, y), (r, g, b) in px.items():
            data[y * 16 + x * 4:y * 16 + x * 4 + 3] = bytes((b, g, r))
        img = self.render_raw(data, "size 3 2\nraw fb.raw 32 16 16 8 0\n")
        self.assertEqual(img.pixel(0, 0), (1, 2, 3))
        self.assertEqual(img.pixel(2, 1), (250, 251, 252))
        self.assertEqual(img.pixel(1, 0), (0, 0, 0))

    def test_raw_dump_rgb565(self):
        # 2x1 at 16 bpp, pitch 4: full red, and 0x213042 as RGB565
        data = struct.pack("<HH", 0xf800, (4 << 11) | (12 << 5) | 8)
        img = self.render_raw(data, "size 2 1\nraw fb.raw 16 4 11 5 0\n")
        self.assertEqual(img.pixel(0, 0), (255, 0, 0))
        self.assertEqual(img.pixel(1, 0), (0x21, 0x30, 0x42))

    def test_ppm_png_round_trip(self):
        img = image.render_spec(self.SPEC)
        with tempfile.TemporaryDirectory() as d:
            ppm = os.path.join(d, "a.ppm")
            with open(ppm, "wb") as f:
                f.write(b"P6\n# comment\n8 4\n255\n" + bytes(img.rgb))
            back = image.read_ppm(ppm)
            self.assertIsNone(image.compare(back, img))
            png = os.path.join(d, "a.png")
            image.ppm_to_png(ppm, png)
            with open(png, "rb") as f:
                self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")


def load_tool(name):
    import importlib.machinery
    import importlib.util
    path = os.path.join(util.ROOT, "tools", name)
    modname = "lab_" + name.replace("-", "_")
    loader = importlib.machinery.SourceFileLoader(modname, path)
    spec = importlib.util.spec_from_loader(modname, loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def load_bench():
    return load_tool("bench")


class Modes(unittest.TestCase):
    def test_named_and_numeric_modes(self):
        self.assertEqual(guest.parse_mode("4k"), (3840, 2160))
        self.assertEqual(guest.parse_mode("1080p"), (1920, 1080))
        self.assertEqual(guest.parse_mode("1280x800"), (1280, 800))
        for bad in ("", "4K", "1280", "0x768", "1280x99999", "12.5x8"):
            with self.assertRaises(ValueError):
                guest.parse_mode(bad)

    def test_mode_goes_to_the_device(self):
        args = guest.DEVICES["virtio"].qemu_args((3840, 2160))
        self.assertEqual(args[-1], "virtio-gpu-pci,xres=3840,yres=2160")
        self.assertEqual(guest.DEVICES["bochs"].qemu_args((1920, 1080))[-1],
                         "VGA,xres=1920,yres=1080")
        self.assertEqual(guest.DEVICES["virtio"].qemu_args(None)[-1],
                         "virtio-gpu-pci,xres=1024,yres=768")

    def test_device_without_modes_refuses_one(self):
        with self.assertRaisesRegex(guest.GuestError, "takes no mode"):
            guest.Guest(__file__, "simpledrm", mode=(1920, 1080))


class BuildCoverage(unittest.TestCase):
    """make build-coverage finds a file's warnings in an O= build log."""

    def test_warnings_of(self):
        cov = load_tool("build-coverage")
        log = ("/w/build/src-patched/drivers/gpu/drm/a.c:12:3: warning: unused "
               "variable 'x' [-Wunused-variable]\n"
               "/w/build/src-patched/drivers/gpu/drm/b.c:1:1: warning: other\n"
               "/w/build/src-patched/drivers/gpu/drm/a.c:40:1: note: not a warning\n"
               "drivers/gpu/drm/a.c:50:9: warning: incorrect type in argument 1 "
               "(different address spaces)\n"
               "drivers/gpu/drm/a.c:60:9: error: sparse error\n"
               "/w/build/src-patched/include/drm/h.h:7:1: warning: in a header\n")
        self.assertEqual(cov.warnings_of(log, "drivers/gpu/drm/a.c"),
                         {("drivers/gpu/drm/a.c",
                           "unused variable 'x' [-Wunused-variable]"),
                          ("drivers/gpu/drm/a.c",
                           "incorrect type in argument 1 (different address spaces)"),
                          ("drivers/gpu/drm/a.c", "sparse error")})
        self.assertEqual(cov.warnings_of(log, "drivers/gpu/drm/c.c"), set())
        self.assertEqual(cov.warnings_of(log, "drivers/gpu/drm/c.c", ("include/drm/h.h",)),
                         {("include/drm/h.h", "in a header")})


class Trace(unittest.TestCase):
    TRACE = """\
 kworker/0:1-9 [000] .....  1.000000: dirtyfb: (drm_atomic_helper_dirtyfb+0x4/0x216) n=1 clips={0,0,1024,768,5,5,5,5}
 fbbench-61 [000] .....  2.000000: tracing_mark_write: lab-begin
 kworker/0:1-9 [000] .....  2.100000: workqueue_execute_start: work struct (____ptrval____): function fb_deferred_io_work
 kworker/0:1-9 [000] .....  2.100000: workqueue_execute_start: work struct (____ptrval____): function vmstat_update
 kworker/0:1-9 [001] .....  2.150000: dirtyfb: (drm_atomic_helper_dirtyfb+0x4/0x216) n=2 clips={0,0,10,10,20,20,30,40,9,9,9,9}
 kworker/0:1-9 [001] .....  2.160000: xfer: (virtio_gpu_cmd_transfer_to_host_2d+0x0/0x1c0) w=30 h=40
 kworker/0:1-9 [001] .....  2.170000: blit: (drm_fb_blit+0x0/0x3a0) clip={0,0,10,10}
 fbbench-61 [000] .....  3.000000: tracing_mark_write: lab-end
 kworker/0:1-9 [000] .....  3.100000: dirtyfb: (drm_atomic_helper_dirtyfb+0x4/0x216) n=1 clips={0,0,1024,768,0,0,0,0}
 kworker/0:1-9 [000] .....  3.110000: xfer: (virtio_gpu_cmd_transfer_to_host_2d+0x0/0x1c0) w=1024 h=768
"""

    def test_window_clips_and_workers(self):
        bench = load_bench()
        with tempfile.NamedTemporaryFile("w", suffix=".trace") as f:
            f.write(self.TRACE)
            f.flush()
            begin, end, damage, work, moved = bench.parse_trace(f.name)
        self.assertEqual((begin, end), (2.0, 3.0))
        self.assertEqual(len(damage), 1)
        self.assertEqual(damage[0][2], [(0, 0, 10, 10), (20, 20, 30, 40)])
        self.assertEqual(bench.pixels(damage[0][2]), 100 + 200)
        self.assertEqual([w[1] for w in work], ["fb_deferred_io_work"])
        # driver transfers and blits inside the window only
        self.assertEqual(moved, 30 * 40 + 10 * 10)

    TIMED = """\
 fbbench-61 [000] .....  2.000000: tracing_mark_write: lab-begin
 kworker/0:1-9 [000] .....  2.100000: workqueue_execute_start: work struct (____ptrval____): function drm_fbdev_shadow_flush_work
 kworker/0:1-9 [000] .....  2.110000: walk_clean_record_shared_mapping_range: (clean_record_shared_mapping_range+0x0/0x80)
 kworker/0:2-12 [001] .....  2.115000: workqueue_execute_start: work struct (____ptrval____): function virtio_gpu_dequeue_ctrl_func
 kworker/0:1-9 [000] .....  2.120000: walk_clean_record_shared_mapping_range_ret: (drm_fbdev_shadow_flush_work+0x1/0x2 <- clean_record_shared_mapping_range)
 kworker/0:1-9 [000] .....  2.130000: dirtyfb: (drm_atomic_helper_dirtyfb+0x4/0x216) n=1 clips={0,0,10,10}
 kworker/0:2-12 [001] .....  2.135000: workqueue_execute_end: work struct (____ptrval____): function virtio_gpu_dequeue_ctrl_func
 kworker/0:1-9 [000] .....  2.160000: dirtyfb_ret: (drm_fbdev_shadow_present+0x1/0x2 <- drm_atomic_helper_dirtyfb)
 kworker/0:1-9 [000] .....  2.200000: workqueue_execute_end: work struct (____ptrval____): function drm_fbdev_shadow_flush_work
 fbbench-61 [000] .....  3.000000: tracing_mark_write: lab-end
 kworker/0:1-9 [000] .....  3.100000: workqueue_execute_start: work struct (____ptrval____): function drm_fbdev_shadow_flush_work
 kworker/0:1-9 [000] .....  3.200000: workqueue_execute_end: work struct (____ptrval____): function drm_fbdev_shadow_flush_work
"""

    def test_timed_calls_and_work_items(self):
        """Each call and work item from its start to its end on the same
        thread, counted when it starts inside the window."""
        bench = load_bench()
        with tempfile.NamedTemporaryFile("w", suffix=".trace") as f:
            f.write(self.TIMED)
            f.flush()
            driver = bench.driver_update_seconds(f.name, 2.0, 3.0)
            walks = bench.walk_seconds(f.name, 2.0, 3.0)
            works = bench.work_seconds(f.name, 2.0, 3.0)
        self.assertAlmostEqual(driver, 0.03)
        self.assertAlmostEqual(walks, 0.01)
        self.assertEqual(sorted(works), ["drm_fbdev_shadow_flush_work",
                                         "virtio_gpu_dequeue_ctrl_func"])
        self.assertAlmostEqual(works["drm_fbdev_shadow_flush_work"], 0.1)
        self.assertAlmostEqual(works["virtio_gpu_dequeue_ctrl_func"], 0.02)

    def test_percentile(self):
        bench = load_bench()
        self.assertEqual(bench.percentile(list(range(1, 101)), 50), 51)
        self.assertEqual(bench.percentile([5.0], 99), 5.0)
        self.assertIsNone(bench.percentile([], 50))


class KernelLog(unittest.TestCase):
    """Splat detection, and the expected reports of injected failures."""
    CACHE_FAILURE = """\
[  5.1] __kmem_cache_create_args(virtio-gpu-vbufs-0) failed with error -12
[  5.1] CPU: 0 UID: 0 PID: 83 Comm: fbdev_faultinjec Not tainted 6.12.117-lab-debug #2
[  5.1] Hardware name: QEMU Standard PC (i440FX + PIIX, 1996)
[  5.1] Call Trace:
[  5.1]  <TASK>
[  5.1]  dump_stack_lvl+0x5d/0x80
[  5.1]  </TASK>
"""

    def inject(self, text):
        return (f"[  5.0] {guest.INJECT_BEGIN}\n{text}"
                f"[  6.0] {guest.INJECT_END}\n")

    def test_splat_found(self):
        log = "[ 1.0] ok\n[ 1.1] WARNING: CPU: 0 PID: 1 at mm/x.c:1 f\n[ 1.2] Call Trace:\n"
        self.assertEqual(len(guest.splats(log)), 2)

    def test_expected_cache_failure_while_injecting(self):
        self.assertEqual(guest.splats(self.inject(self.CACHE_FAILURE)), [])

    def test_expected_vmalloc_failure_while_injecting(self):
        log = ("[  1.0] fbdev_faultinje: vmalloc error: size 8000, vm_struct allocation failed, "
               "mode:0xdc0(GFP_KERNEL|__GFP_ZERO), nodemask=(null)\n"
               "[  1.0] CPU: 0 UID: 0 PID: 428 Comm: fbdev_faultinje Not tainted 6.12.117\n"
               "[  1.0] Call Trace:\n[  1.0]  <TASK>\n[  1.0]  warn_alloc+0x175/0x29c\n")
        self.assertEqual(guest.splats(self.inject(log)), [])
        self.assertEqual(len(guest.splats(log)), 1)

    def test_cache_failure_without_injection_is_a_splat(self):
        self.assertEqual(len(guest.splats(self.CACHE_FAILURE)), 1)
        after = self.inject("") + self.CACHE_FAILURE
        self.assertEqual(len(guest.splats(after)), 1)

    def test_other_splats_while_injecting(self):
        log = self.inject(self.CACHE_FAILURE + "[  5.2] BUG: KASAN: slab-use-after-free\n"
                          "[  5.2] Call Trace:\n")
        self.assertEqual(len(guest.splats(log)), 2)


class Ktap(unittest.TestCase):
    LOG = """\
[    1.0] KTAP version 1
[    1.0] 1..2
[    1.1]     KTAP version 1
[    1.1] clocksource: Switched to clocksource tsc
[    1.1]     # Subtest: suite
[    1.1]     1..1
[    1.1]     # case: EXPECTATION FAILED at x.c:1
[    1.1]     Expected a == b, but
[    1.1]         a == 1
[    1.1]     not ok 1 case
[    1.2] random: crng init done
[    1.2] not ok 1 suite
[    1.2] # Totals: pass:0 fail:1 skip:0 total:1
"""

    def test_kernel_messages_dropped(self):
        out = guest.ktap_lines(self.LOG)
        self.assertNotIn("clocksource", out)
        self.assertNotIn("crng", out)

    def test_test_output_kept(self):
        out = guest.ktap_lines(self.LOG).splitlines()
        self.assertEqual(len(out), len(self.LOG.splitlines()) - 2)
        self.assertIn("[    1.1]         a == 1", out)
        self.assertIn("[    1.2] # Totals: pass:0 fail:1 skip:0 total:1", out)


class Kmemleak(unittest.TestCase):
    REPORT = """\
=== kmemleak
unreferenced object 0xffff8880069ee400 (size 32):
  comm "fbdev_faultinje", pid 426, jiffies 4294929140
  backtrace (crc 92df53c1):
    kstrdup+0x30/0x54
    kobject_init_and_add+0xb8/0x11d
    sysfs_slab_add+0x13d/0x18e
    __kmem_cache_create_args+0x317/0x433
unreferenced object 0xffff888006000000 (size 64):
  comm "fbdev_faultinje", pid 426, jiffies 4294929150
  backtrace (crc 12345678):
    drm_fbdev_shadow_init+0x10/0x100
=== kmemleak end
"""

    def test_known_leak_is_not_counted(self):
        leaks = guest.kmemleak_leaks(self.REPORT)
        self.assertEqual(leaks, ["unreferenced object 0xffff888006000000 (size 64):"])
        leaks, known = guest.kmemleak_report(self.REPORT)
        self.assertEqual(len(leaks) + len(known), 2)

    def test_no_report(self):
        self.assertIsNone(guest.kmemleak_leaks("nothing"))
        self.assertEqual(guest.kmemleak_leaks("=== kmemleak\n=== kmemleak end\n"), [])


class Kcsan(unittest.TestCase):
    @staticmethod
    def report(title, first, second):
        bar = "[  9.0] " + "=" * 66 + "\n"
        return (bar + f"[  9.0] BUG: KCSAN: {title}\n[  9.0] \n"
                f"[  9.0] write to 0xffff888004000000 of 4 bytes by task 70 on cpu 1:\n"
                f"[  9.0]  {first}+0x10/0x40\n[  9.0] \n"
                f"[  9.0] read to 0xffff888004000000 of 4 bytes by task 71 on cpu 0:\n"
                f"[  9.0]  {second}+0x20/0x80\n[  9.0] \n"
                "[  9.0] Reported by Kernel Concurrency Sanitizer on:\n"
                "[  9.0] CPU: 0 UID: 0 PID: 71 Comm: kworker/0:1 Not tainted 6.12.117\n" + bar)

    def test_reports_classified(self):
        log = ("[  1.0] ok\n"
               + self.report("data-race in tick_sched_do_timer / tick_nohz_idle_stop_tick",
                             "tick_sched_do_timer", "tick_nohz_idle_stop_tick")
               + self.report("data-race in memcmp / sys_imageblit", "sys_imageblit",
                             "drm_fbdev_shadow_diff_page")
               + self.report("data-race in drm_fbdev_shadow_kick / drm_fbdev_shadow_flush_work",
                             "drm_fbdev_shadow_kick", "drm_fbdev_shadow_flush_work"))
        self.assertEqual(guest.kcsan_reports(log), [
            ("data-race in tick_sched_do_timer / tick_nohz_idle_stop_tick", False),
            ("data-race in memcmp / sys_imageblit", True),
            ("data-race in drm_fbdev_shadow_kick / drm_fbdev_shadow_flush_work", True)])

    def test_verdict(self):
        log = (self.report("data-race in a / b", "a", "b") * 2
               + self.report("data-race in c / d", "c", "drm_fbdev_shadow_scan")
               + self.report("data-race in e / f", "e", "f"))
        self.assertEqual(guest.kcsan_verdict(log),
                         (["data-race in c / d"],
                          ["2 x data-race in a / b", "1 x data-race in e / f"]))

    def test_ownership_by_the_accessing_frames(self):
        """The helper deep in a stack is only a caller (the race cirrus
        showed under make check-kcsan: x86's TLB flush reading the mm's CPU
        mask under a copy-on-write fault that read() took on the user's
        buffer); a helper frame just under a library routine made the
        access."""
        mm = ["smp_call_function_many_cond", "on_each_cpu_cond_mask", "__flush_tlb_multi",
              "flush_tlb_mm_range", "ptep_clear_flush", "do_wp_page", "handle_mm_fault",
              "exc_page_fault", "_copy_to_user", "fb_sys_read",
              "drm_fbdev_shadow_defio_read", "fb_read", "vfs_read"]
        unknown = ("[126.0] BUG: KCSAN: data-race in smp_call_function_many_cond+0x9a/0x598\n"
                   "[126.0] \n[126.0] race at unknown origin, with read to 0xffff8880006efc40 "
                   "of 8 bytes by task 251 on cpu 1:\n"
                   + "".join(f"[126.0]  {f}+0x1/0x2\n" for f in mm)
                   + "[126.0] \n[126.0] value changed: 0x3 -> 0x2\n[126.0] " + "=" * 66 + "\n")
        library = self.report("data-race in memcmp / foo", "foo", "memcmp+0x1/0x2\n"
                              "[  9.0]  drm_fbdev_shadow_diff_page")
        walk = self.report("data-race in wp_clean_record_pte / bar", "bar", "wp_clean_record_pte")
        self.assertEqual(guest.kcsan_reports(unknown + library + walk), [
            ("data-race in smp_call_function_many_cond+0x9a/0x598", False),
            ("data-race in memcmp / foo", True),
            ("data-race in wp_clean_record_pte / bar", True)])

    def test_reports_are_not_splats(self):
        log = self.report("data-race in a / b", "a", "b")
        self.assertEqual(guest.splats(log), [])
        self.assertEqual(len(guest.splats(log + "[ 10.0] BUG: KASAN: use-after-free\n")), 1)

    def test_report_cut_short(self):
        log = "[  9.0] BUG: KCSAN: data-race in a / b\n[  9.0]  drm_fbdev_shadow_scan+0x1/0x2\n"
        self.assertEqual(guest.kcsan_reports(log), [("data-race in a / b", True)])


class Ablations(unittest.TestCase):
    """Every diff in tests/ablations/ still applies to the project's files
    and names the tests it must break, or for a variant the tests it must
    pass (make ablate runs them)."""

    def test_each_ablation_applies(self):
        from . import kernel
        names = kernel.ablation_names()
        self.assertTrue(names)
        for name in names:
            path = os.path.join(kernel.ABLATIONS, name + ".diff")
            text = util.read_text(path)
            self.assertRegex(text, r"(?m)^Expect-(fail|pass): \S+/\S+", name)
            res = subprocess.run(["git", "-C", util.ROOT, "apply", "--check", path],
                                 capture_output=True, text=True)
            self.assertEqual(res.returncode, 0, f"{name}: {res.stderr.strip()}")
