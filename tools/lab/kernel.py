# SPDX-License-Identifier: GPL-2.0
"""Prepare and build the guest kernels.

The variants share one recipe:

  stock    Debian's linux-source-6.12 exactly as packaged (the baseline)
  patched  the same source with patches/series applied and the project's
           kernel files (drivers/, include/, Documentation/, mm/) overlaid
  ablated  patched, then one diff from tests/ablations/ that removes the
           handling of one hazard (LAB_ABLATION=NAME selects it); only
           tools/ablate uses it, to show the hazard's test failing
  bisect   the first LAB_SERIES_UPTO patches of the series with the
           overlay; only tools/bisect-check uses it, to build and boot
           each step of the series
  debug    the patched source (it shares build/src-patched) built with
           config/debug.config on top: KASAN, lockdep, DEBUG_VM, UBSAN,
           debug objects, kmemleak and fault injection (make check-debug)
  kcsan    the patched source built with config/kcsan.config on top: the
           KCSAN data race detector, which cannot share a kernel with
           KASAN (make check-kcsan)

Each variant has its own source tree (build/src-VARIANT, a git repository
whose first commit is the pristine extraction) and its own object tree
(build/obj-VARIANT).  Preparation is skipped when nothing it depends on has
changed, and files whose content comes out identical keep their old mtime,
so kbuild only rebuilds what really changed.
"""

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import time

from . import util

PKG = "linux-source-6.12"
TARBALL = "/usr/src/linux-source-6.12.tar.xz"
OVERLAY_ROOTS = ("drivers", "include", "Documentation", "mm")
VARIANTS = ("stock", "patched", "ablated", "bisect", "debug", "kcsan")
# Variants that are the patched source built with one more config fragment.
CONFIGS = {"debug": "debug.config", "kcsan": "kcsan.config"}
ABLATIONS = os.path.join(util.ROOT, "tests", "ablations")


class KernelError(Exception):
    pass


def src_dir(variant):
    # The debug and KCSAN kernels are the patched source with another config.
    return os.path.join(util.BUILD, "src-" + ("patched" if variant in CONFIGS else variant))


def obj_dir(variant):
    return os.path.join(util.BUILD, "obj-" + variant)


def image(variant):
    return os.path.join(obj_dir(variant), "arch/x86/boot/bzImage")


def package_version():
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", PKG],
                             capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        raise KernelError(f"{PKG} is not installed (run: make deps)")
    return out.stdout.strip()


def base_version(tree):
    """Return 'Linux X.Y.Z' read from the top-level Makefile of a tree."""
    fields = {}
    with open(os.path.join(tree, "Makefile")) as f:
        for line in f:
            for key in ("VERSION", "PATCHLEVEL", "SUBLEVEL", "EXTRAVERSION"):
                if line.startswith(key + " ="):
                    fields[key] = line.split("=", 1)[1].strip()
            if len(fields) == 4:
                break
    return "Linux {VERSION}.{PATCHLEVEL}.{SUBLEVEL}{EXTRAVERSION}".format(**fields)


def describe(variant):
    tree = src_dir(variant)
    return f"{base_version(tree)} (Debian {PKG} {package_version()}), {variant}"


def git(tree, *args, **kw):
    """git in a kernel tree, as the lab's committer; raises on failure
    unless check=False."""
    kw.setdefault("check", True)
    return subprocess.run(["git", "-C", tree, "-c", "core.fileMode=false",
                           "-c", "user.name=lab", "-c", "user.email=lab@localhost",
                           *args], **kw)


def ensure_source(variant):
    """Extract the Debian source once per package version."""
    tree = src_dir(variant)
    marker = os.path.join(tree, ".lab-base")
    want = package_version()
    if util.read_text(marker) == want:
        return tree
    if os.path.exists(tree):
        util.step(f"{variant}: package version changed, extracting again")
        shutil.rmtree(tree)
    shutil.rmtree(obj_dir(variant), ignore_errors=True)
    util.step(f"{variant}: extracting {TARBALL} ({want}) into {tree}")
    extract(tree)
    util.write_text(marker, want)
    return tree


def extract(tree):
    """Extract the Debian source into a new git repository at tree, whose
    one commit (tagged lab-base) is the pristine package."""
    want = package_version()
    tmp = tree + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    subprocess.run(["tar", "-xJf", TARBALL, "-C", tmp, "--strip-components=1"],
                   check=True)
    util.step(f"recording the pristine {PKG} {want} as the git base")
    git(tmp, "init", "-q")
    # Record the executable bits too: trees cloned or checked out from this
    # commit must be able to run scripts/.
    git(tmp, "-c", "core.fileMode=true", "add", "-A", "-f", ".")
    git(tmp, "commit", "-q", "--no-verify", "-m", f"{PKG} {want}")
    git(tmp, "tag", "lab-base")
    os.rename(tmp, tree)


def series():
    """The patches listed in patches/series, in order, as (name, path)."""
    out = []
    listing = os.path.join(util.ROOT, "patches", "series")
    for raw in util.read_text(listing, "").splitlines():
        name = raw.split("#", 1)[0].strip()
        if not name:
            continue
        path = os.path.join(util.ROOT, "patches", name)
        if not os.path.isfile(path):
            raise KernelError(f"patches/series names '{name}', "
                              f"but patches/{name} does not exist")
        out.append((name, path))
    return out


def ablation():
    """The ablation diff for the ablated variant, as (name, path)."""
    name = os.environ.get("LAB_ABLATION", "")
    path = os.path.join(ABLATIONS, name + ".diff")
    if not name or not os.path.isfile(path):
        raise KernelError(f"the ablated variant needs LAB_ABLATION set to one of: "
                          f"{', '.join(ablation_names()) or '(none)'}")
    return name, path


def series_upto():
    """How many patches the bisect variant applies (LAB_SERIES_UPTO)."""
    n = len(series())
    try:
        upto = int(os.environ.get("LAB_SERIES_UPTO", ""))
    except ValueError:
        upto = -1
    if not 0 <= upto <= n:
        raise KernelError(f"the bisect variant needs LAB_SERIES_UPTO set to 0..{n}")
    return upto


def ablation_names():
    if not os.path.isdir(ABLATIONS):
        return []
    return sorted(f[:-5] for f in os.listdir(ABLATIONS) if f.endswith(".diff"))


def overlay_files():
    """Project files that live at kernel paths (tracked or new, not ignored)."""
    out = subprocess.run(["git", "-C", util.ROOT, "ls-files", "-z", "--cached",
                          "--others", "--exclude-standard", "--", *OVERLAY_ROOTS],
                         capture_output=True, check=True).stdout
    files = sorted({p for p in out.decode().split("\0") if p})
    return [p for p in files if os.path.isfile(os.path.join(util.ROOT, p))]


def _inputs_digest(patches, overlay):
    h = hashlib.sha256()
    for name, path in patches:
        h.update(b"P" + name.encode() + b"\0" + util.file_digest(path).encode())
    for rel in overlay:
        h.update(b"O" + rel.encode() + b"\0" +
                 util.file_digest(os.path.join(util.ROOT, rel)).encode())
    return h.hexdigest()


def _modified_files(tree):
    """Files of the tree that differ from the base: path -> (digest, mtime_ns)."""
    # Debian's top-level .gitignore ignores everything ("/*"), so new files
    # only show up as ignored ones.
    out = git(tree, "status", "--porcelain", "-z", "--untracked-files=all",
               "--ignored=matching", capture_output=True).stdout.decode()
    state = {}
    for entry in out.split("\0"):
        if len(entry) < 4:
            continue
        rel = entry[3:]
        if rel.startswith(".lab-"):
            continue
        path = os.path.join(tree, rel)
        if os.path.isfile(path):
            state[rel] = (util.file_digest(path), os.stat(path).st_mtime_ns)
    return state


def apply(variant):
    """Bring the source tree of a variant to base + series + overlay."""
    tree = ensure_source(variant)
    patches, overlay = ([], []) if variant == "stock" else (series(), overlay_files())
    if variant == "bisect":
        patches = patches[:series_upto()]
    after = [ablation()] if variant == "ablated" else []
    digest = _inputs_digest(patches + after, overlay)
    stamp = os.path.join(tree, ".lab-applied")
    if util.read_text(stamp) == digest:
        util.step(f"{variant}: source up to date ({len(patches)} patches, "
                  f"{len(overlay)} overlay files)")
        return tree
    before = _modified_files(tree)
    util.remove(stamp)
    git(tree, "reset", "-q", "--hard", "lab-base")
    git(tree, "clean", "-q", "-fdx", "-e", ".lab-base")
    for name, path in patches:
        util.step(f"{variant}: applying {name}")
        res = subprocess.run(["git", "-C", tree, "apply", "--whitespace=nowarn",
                              path], capture_output=True, text=True)
        if res.returncode != 0:
            raise KernelError(
                f"patch '{name}' does not apply to {base_version(tree)} "
                f"(Debian {PKG} {package_version()}):\n{res.stderr.strip()}")
    for rel in overlay:
        dst = os.path.join(tree, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copyfile(os.path.join(util.ROOT, rel), dst)
    if overlay:
        util.step(f"{variant}: overlaid {len(overlay)} project kernel files")
    for name, path in after:
        util.step(f"{variant}: applying ablation {name}")
        res = subprocess.run(["git", "-C", tree, "apply", path], capture_output=True,
                             text=True)
        if res.returncode != 0:
            raise KernelError(f"ablation '{name}' does not apply to the project's "
                              f"files:\n{res.stderr.strip()}")
    # Files whose content came out as before keep their old mtime.
    kept = 0
    for rel, (old_digest, old_mtime) in before.items():
        path = os.path.join(tree, rel)
        if os.path.isfile(path) and util.file_digest(path) == old_digest:
            os.utime(path, ns=(old_mtime, old_mtime))
            kept += 1
    util.write_text(stamp, digest)
    util.step(f"{variant}: source prepared ({len(patches)} patches, "
              f"{len(overlay)} overlay files, {kept} unchanged files kept)")
    return tree


def fragments(variant):
    frags = [os.path.join(util.ROOT, "config", "guest.config")]
    if variant in CONFIGS:
        frags.append(os.path.join(util.ROOT, "config", CONFIGS[variant]))
    return frags


def _requested_symbols(paths):
    want = {}
    for path in paths:
        for line in util.read_text(path).splitlines():
            line = line.strip()
            if line.startswith("CONFIG_") and "=" in line:
                key, val = line.split("=", 1)
                want[key] = val
            elif line.startswith("# CONFIG_") and line.endswith(" is not set"):
                want[line[2:].split()[0]] = "n"
    return want


def _read_config(path):
    have = {}
    for line in util.read_text(path, "").splitlines():
        if line.startswith("CONFIG_") and "=" in line:
            key, val = line.split("=", 1)
            have[key] = val
    return have


def configure(variant):
    tree = apply(variant)
    obj = obj_dir(variant)
    os.makedirs(obj, exist_ok=True)
    frags = fragments(variant)
    local = os.path.join(obj, "lab-local.config")
    util.write_text(local, f'CONFIG_LOCALVERSION="-lab-{variant}"\n'
                    "# CONFIG_LOCALVERSION_AUTO is not set\n")
    h = hashlib.sha256()
    for path in frags + [local]:
        h.update(util.file_digest(path).encode())
    h.update(util.read_text(os.path.join(tree, ".lab-applied"), "").encode())
    digest = h.hexdigest()
    stamp = os.path.join(obj, ".lab-config")
    config = os.path.join(obj, ".config")
    if util.read_text(stamp) == digest and os.path.exists(config):
        return obj
    util.step(f"{variant}: configuring (tinyconfig + {', '.join(util.rel(f) for f in frags)})")
    make_config(tree, obj, frags + [local])
    util.write_text(stamp, digest)
    return obj


def make_config(tree, obj, frags):
    """obj/.config: tinyconfig with the fragments merged on top; every
    symbol a fragment asks for must come out as asked."""
    config = os.path.join(obj, ".config")
    make = ["make", "-s", "-C", tree, f"O={obj}"]
    subprocess.run(make + ["tinyconfig"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([os.path.join(tree, "scripts/kconfig/merge_config.sh"), "-m",
                    "-O", obj, config, *frags], check=True,
                   stdout=subprocess.DEVNULL, cwd=tree)
    subprocess.run(make + ["olddefconfig"], check=True, stdout=subprocess.DEVNULL)
    want = _requested_symbols(frags)
    have = _read_config(config)
    lost = [f"{k}={v} (got {have.get(k, 'n')})" for k, v in want.items()
            if have.get(k, "n") != v]
    if lost:
        raise KernelError("the config fragment did not take effect for:\n  " +
                          "\n  ".join(lost))


def _lock(variant):
    """Hold an exclusive lock on a variant's trees for this process's life.
    Variants that share a source tree share its lock."""
    os.makedirs(util.BUILD, exist_ok=True)
    name = os.path.basename(src_dir(variant))[len("src-"):]
    f = open(os.path.join(util.BUILD, f".lock-{name}"), "w")
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        util.step(f"{variant}: another build holds {util.rel(f.name)}, waiting")
        fcntl.flock(f, fcntl.LOCK_EX)
    return f


def build(variant, jobs=None, extra=()):
    obj = configure(variant)
    tree = src_dir(variant)
    util.step(f"{variant}: base {describe(variant)}")
    img = image(variant)
    before = os.stat(img).st_mtime_ns if os.path.exists(img) else None
    jobs = jobs or os.cpu_count() or 2
    util.step(f"{variant}: make -j{jobs} bzImage")
    proc = subprocess.Popen(["make", "-C", tree, f"O={obj}", f"-j{jobs}", "LOCALVERSION=",
                             *extra, "bzImage"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, errors="replace")
    compiled, last, shown, tail = 0, "", time.monotonic(), []
    for line in proc.stdout:
        words = line.split()
        tail = (tail + [line.rstrip()])[-30:]
        if len(words) == 2 and words[0] in ("CC", "AS", "LD", "AR"):
            compiled += words[0] in ("CC", "AS")
            last = words[1]
        elif "warning:" in line or "error:" in line or "Error " in line:
            print("  " + line.rstrip(), flush=True)
        if time.monotonic() - shown > 20:
            util.step(f"{variant}: make: {compiled} files compiled (now {last})")
            shown = time.monotonic()
    if proc.wait() != 0:
        print("\n".join("  " + t for t in tail), file=sys.stderr)
        raise KernelError(f"{variant}: kernel build failed (last lines above)")
    after = os.stat(img).st_mtime_ns
    state = "up to date" if before == after else "built"
    util.step(f"{variant}: kernel {state}: {util.rel(img)}")
    return img


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(prog="tools/kernel", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("action", choices=("prepare", "config", "build", "version"))
    ap.add_argument("--variant", choices=VARIANTS, default="patched")
    ap.add_argument("-j", "--jobs", type=int)
    args = ap.parse_args(argv)
    lock = _lock(args.variant)  # released when the process exits
    try:
        if args.action == "prepare":
            apply(args.variant)
        elif args.action == "config":
            configure(args.variant)
        elif args.action == "build":
            build(args.variant, args.jobs)
        else:
            ensure_source(args.variant)
            print(describe(args.variant))
    except KernelError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    finally:
        lock.close()
    return 0
