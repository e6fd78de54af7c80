#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""End-to-end: `tuxtape patch kernel` and `tuxtape patch test` on Debian's 6.1.0-47-amd64.

Fetches (once; cached in $XDG_CACHE_HOME/tuxtape/debian/) the image, headers
and kbuild packages with apt-get, builds the hand-written livepatch in
tests/fixtures/livepatch/cmdline against the cached headers, and boots twice
under QEMU/TCG:

- the good module with a check script: loaded, enabled, transition finished,
  /proc/cmdline shows the marker, then after `echo 0 > enabled` the marker is
  gone, rmmod succeeds, and the kernel logged no WARNING/BUG/Oops; exit 0;
- the same module with its vermagic altered: reported as not loaded with the
  kernel's "version magic" message, the check fails; exit 1.

Plus the command-line contract without a boot (usage errors, a missing
module, a missing QEMU). Skips (exit 77), saying why, only when the Debian
packages cannot be downloaded.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

SKIP = 77
ABI = "6.1.0-47-amd64"
MARKER = "tuxtape_livepatch_cmdline_ok"
CHECK = f"""#!/bin/sh
# $1 is 'patched' or 'unpatched': the marker must be there exactly when patched.
cat /proc/cmdline
if [ "$1" = patched ]; then grep -q {MARKER} /proc/cmdline; else ! grep -q {MARKER} /proc/cmdline; fi
"""
# What the fetch says when apt cannot get the packages (no network, no such version).
DOWNLOAD_FAILURES = ("apt-get download", "apt knows no version", "apt-get update",
                     "apt-cache", "not found in PATH")

failures = []
passes = []


def check(cond, what):
    print(("ok      " if cond else "FAILED  ") + what)
    (passes if cond else failures).append(what)


def run(*argv, **kw):
    return subprocess.run(list(argv), capture_output=True, text=True, **kw)


def fetch_kernel(exe):
    """The cached kernel's paths; exits 77 when the packages cannot be downloaded."""
    start = time.monotonic()
    p = run(exe, "patch", "kernel", ABI, "--json")
    if p.returncode != 0:
        if any(s in p.stderr for s in DOWNLOAD_FAILURES):
            print(f"SKIP: the Debian packages of {ABI} cannot be downloaded:\n{p.stderr}")
            sys.exit(SKIP)
        sys.stderr.write(p.stderr)
        raise SystemExit(f"tuxtape patch kernel {ABI} exited {p.returncode}")
    k = json.loads(p.stdout)
    print(f"fetch: {time.monotonic() - start:.1f} s (downloaded: {k['downloaded']})")
    again = run(exe, "patch", "kernel", ABI, "--json")
    check(again.returncode == 0 and json.loads(again.stdout)["downloaded"] is False,
          "a second fetch comes from the cache")
    check(k["version"] == "6.1.170-3" and len(k["debs"]) == 4,
          "image, headers, common headers and kbuild at the image's version 6.1.170-3")
    check(all(os.path.exists(k[x]) for x in ("vmlinuz", "config", "build_dir")),
          "vmlinuz, config and build dir exist")
    link = os.path.join(k["modules_dir"], "build")
    check(os.path.realpath(link) == os.path.realpath(k["build_dir"]),
          "lib/modules/ABI/build points inside the cache, not at /usr/src")
    return k


def build_module(k, tmp):
    src = os.path.join(os.environ["TT_FIXTURES"], "livepatch", "cmdline")
    mod = os.path.join(tmp, "cmdline")
    shutil.copytree(src, mod)
    start = time.monotonic()
    p = run("make", "-C", k["build_dir"], f"M={mod}", "modules")
    if p.returncode != 0:
        sys.stderr.write(p.stdout + p.stderr)
        raise SystemExit("building the fixture livepatch failed")
    print(f"module build: {time.monotonic() - start:.1f} s")
    return os.path.join(mod, "tt_lp_cmdline.ko")


def patch_test(exe, *args):
    start = time.monotonic()
    p = run(exe, "patch", "test", "--kernel", ABI, "--json", *args)
    print(f"boot: {time.monotonic() - start:.1f} s, exit {p.returncode}")
    if p.returncode not in (0, 1):
        sys.stderr.write(p.stderr)
        raise SystemExit(f"tuxtape patch test exited {p.returncode}")
    return p.returncode, json.loads(p.stdout)


def check_good(exe, ko, script, tmp):
    # xfs needs libcrc32c (a depends=), which needs crc32c at init (a softdep: crc32c_generic).
    code, r = patch_test(exe, "--check", script, "--workdir", os.path.join(tmp, "good"),
                         "--preload", "xfs", ko)
    pre = [x["name"] for x in r["modules"] if x["preload"] and x["loaded"]]
    check(pre == ["crc32c_generic", "libcrc32c", "xfs"],
          f"--preload loads the kernel's modules with their dependencies first: {pre}")
    m = next((x for x in r["modules"] if not x["preload"]), {})
    check(code == 0 and r["pass"] and not r["reasons"], f"good module passes: {r['reasons']}")
    check(m.get("name") == "tt_lp_cmdline" and m.get("loaded") and m.get("enabled"),
          "loaded, livepatch enabled")
    check(m.get("transition_finished") is True, "patching transition finished")
    check(r["check"]["patched_status"] == 0 and MARKER in (r["check"]["output"] or ""),
          "the check saw the marker in /proc/cmdline with the patch applied")
    check(m.get("unpatch_transition_finished") is True and r["check"]["unpatched_status"] == 0,
          "after echo 0 > enabled the unpatching finished and the marker is gone")
    check(m.get("rmmod_status") == 0, "rmmod succeeded")
    check(r["issues"] == [], "no WARNING, BUG, Oops, panic, stall or livepatch error")
    check(any("patching complete" in x for x in m.get("kernel_messages", [])),
          "the kernel's 'patching complete' is in the module's messages")
    check(r["finished"] and not r["timed_out"], "/init ran to its end; QEMU powered off")
    check(os.path.exists(os.path.join(tmp, "good", "console.log")),
          "--workdir keeps the console log")


def check_bad(exe, ko, script, tmp):
    bad = os.path.join(tmp, "bad_vermagic.ko")
    data = open(ko, "rb").read()
    check(b" SMP preempt " in data, "the fixture's vermagic is where expected")
    # With modversions the kernel compares vermagic after the release: change a flag word.
    open(bad, "wb").write(data.replace(b" SMP preempt ", b" XMP preempt ", 1))
    code, r = patch_test(exe, "--check", script, bad)
    m = next((x for x in r["modules"] if not x["preload"]), {})
    check(code == 1 and not r["pass"], "a module with a bad vermagic fails the test (exit 1)")
    check(m.get("name") == "tt_lp_cmdline" and m.get("loaded") is False,
          "reported as not loaded, under its .modinfo name")
    check(any("version magic" in x for x in m.get("kernel_messages", [])),
          "with the kernel's 'version magic' message")
    check(r["check"]["patched_status"] not in (0, None), "the check failed")
    check(any("did not load" in x for x in r["reasons"]) and
          any("check failed" in x for x in r["reasons"]), "both reasons are given")


def check_cli(exe, ko, tmp):
    p = run(exe, "patch", "test", "--help")
    check(p.returncode == 0 and "Exit status:" in p.stdout, "patch test --help")
    p = run(exe, "patch", "test", "--kernel", ABI)
    check(p.returncode == 2 and "no module" in p.stderr, "no module: usage error (exit 2)")
    p = run(exe, "patch", "test", ko)
    check(p.returncode == 2, "no kernel: usage error (exit 2)")
    p = run(exe, "patch", "test", "--kernel", ABI, os.path.join(tmp, "missing.ko"))
    check(p.returncode == 5 and "missing.ko" in p.stderr, "a missing module: could not run (5)")
    p = run(exe, "patch", "test", "--kernel", ABI, "--qemu", "tuxtape-no-qemu", ko)
    check(p.returncode == 5 and "qemu-system-x86" in p.stderr,
          "no QEMU: could not run (5), says which package to install")
    p = run(exe, "patch", "kernel", "6.1.0")
    check(p.returncode == 1 and "not a Debian kernel ABI" in p.stderr, "a malformed ABI name")


def main():
    exe = sys.argv[1]
    k = fetch_kernel(exe)
    with tempfile.TemporaryDirectory(prefix="tt-patch-boot-") as tmp:
        ko = build_module(k, tmp)
        script = os.path.join(tmp, "check.sh")
        with open(script, "w") as f:
            f.write(CHECK)
        check_cli(exe, ko, tmp)
        check_good(exe, ko, script, tmp)
        check_bad(exe, ko, script, tmp)
    print(f"{len(passes)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
