#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""End-to-end: real CVE fixes from ../shared/data/lpfix as livepatches for Debian's 6.1.0-47-amd64.

Each fix is a whole-file diff between Debian's 6.1.170-3 and 6.1.176-1
sources (see lpfix's README). For the fixes in CVES (built-in code, single
hunk first, as index.tsv says), `tuxtape patch build --debian` must build a
module whose changed functions include the one the fix is about; then one
QEMU boot loads all of them together: each must load, be enabled, finish
its transition, unpatch and unload, and the kernel must log no WARNING,
BUG, Oops or livepatch error.

Then the cumulative case: the same three fixes and two more built into one
atomic-replace module (--replace), loaded in a second boot over the first
fix's own module. The cumulative patch must take over (the earlier one is
reported replaced and leaves /sys/kernel/livepatch), carry every changed
function of the five fixes, and unpatch and unload cleanly.

Fixes inside loadable modules (CVE-2026-46053 in rds, CVE-2026-53268 in
nf_conntrack_irc, which also calls exports of nf_conntrack): their
livepatches are loaded before the modules, with `patch test --load-after`,
so they must load without them (the modules' symbols they use, exported ones
included, are livepatch relocations), and the livepatch core must patch each
module as it loads ("applying patch ... to loading module ..."; the object
reads patched=1).

Skips (exit 77), saying why, when ../shared/data/lpfix is absent or the
Debian packages cannot be downloaded.
"""
import csv
import json
import os
import subprocess
import sys
import tempfile
import time

SKIP = 77
ABI = "6.1.0-47-amd64"
# CVE -> a function its fix changes (the diff may also list callers that inline it), and
# .klp.sym symbols its module must have: the running kernel's statics and unexported globals.
CVES = {
    # lib/mpi/mpicoder.c: everything it calls is exported
    "CVE-2026-43492": ("mpi_read_raw_from_sgl", []),
    # kernel/bpf/local_storage.c: an unexported global function
    "CVE-2026-45838": ("cgroup_storage_get_next_key", ["cgroup_storage_lookup,0"]),
    # net/ipv6/xfrm6_protocol.c: static variables of the file
    "CVE-2026-46172": ("xfrm6_rcv_encap", ["esp6_handlers,0", "ah6_handlers,0"]),
}
# Two more built-in fixes for the cumulative patch (with the three above: five).
CUMULATIVE_EXTRA = ["CVE-2026-64002", "CVE-2026-31586"]
DOWNLOAD_FAILURES = ("apt-get download", "apt knows no version", "apt-get update",
                     "apt-cache", "Temporary failure resolving")

failures = []
passes = []


def check(cond, what):
    print(("ok      " if cond else "FAILED  ") + what)
    (passes if cond else failures).append(what)


def run(*argv):
    return subprocess.run(list(argv), capture_output=True, text=True)


def lpfix_dir():
    shared = os.environ.get("TT_SHARED_DATA") or os.path.join(
        os.environ.get("TT_SOURCE_ROOT", "."), "..", "shared", "data")
    return os.path.join(shared, "lpfix")


def index_rows(lpfix):
    with open(os.path.join(lpfix, "index.tsv"), newline="") as f:
        return {row["cve"]: row for row in csv.DictReader(f, delimiter="\t")}


def build(exe, lpfix, cve, tmp):
    name = cve.lower().replace("-", "_")
    ko = os.path.join(tmp, name + ".ko")
    start = time.monotonic()
    p = run(exe, "-v", "patch", "build", "--debian", ABI, "--name", name, "-o", ko, "--json",
            os.path.join(lpfix, "patches", cve + ".patch"))
    print(f"build {cve}: {time.monotonic() - start:.1f} s, exit {p.returncode}")
    sys.stdout.write("".join("    " + line + "\n" for line in p.stderr.splitlines()))
    if p.returncode == 1 and any(s in p.stderr for s in DOWNLOAD_FAILURES):
        print(f"SKIP: the Debian packages of {ABI} cannot be downloaded")
        sys.exit(SKIP)
    r = json.loads(p.stdout) if p.stdout.strip() else {}
    changed = [f for o in r.get("objects", []) for f in o["changed"]]
    func, klp_syms = CVES[cve]
    check(p.returncode == 0 and r.get("outcome") == "built" and os.path.exists(ko),
          f"{cve}: built (exit {p.returncode}, refusals {r.get('refusals')})")
    check(func in changed, f"{cve}: {func} is among the changed functions {changed}")
    if p.returncode != 0:
        return None
    symbols = run("readelf", "-sW", ko).stdout
    for sym in klp_syms:
        check(f".klp.sym.vmlinux.{sym}" in symbols,
              f"{cve}: the running kernel's {sym.split(',')[0]} through .klp.sym.vmlinux.{sym}")
    return ko


def boot_all(exe, kos):
    start = time.monotonic()
    p = run(exe, "patch", "test", "--kernel", ABI, "--json", *kos)
    print(f"boot of {len(kos)} livepatches: {time.monotonic() - start:.1f} s, exit {p.returncode}")
    if p.returncode not in (0, 1):
        sys.stderr.write(p.stderr)
        raise SystemExit(f"tuxtape patch test exited {p.returncode}")
    r = json.loads(p.stdout)
    check(p.returncode == 0 and r["pass"], f"the boot test passes: {r['reasons']}")
    for m in r["modules"]:
        check(m["loaded"] and m["enabled"] and m["transition_finished"] is True,
              f"{m['name']}: loaded, enabled, transition finished")
        check(m["unpatch_transition_finished"] is True and m["rmmod_status"] == 0,
              f"{m['name']}: unpatched and removed")
    check(r["issues"] == [], f"no WARNING, BUG, Oops or livepatch error: {r['issues']}")


CUMULATIVE_CHECK = """#!/bin/sh
ls /sys/kernel/livepatch
[ "$1" = unpatched ] && exit 0
[ "$(ls /sys/kernel/livepatch)" = lp_cumulative ] || { echo "not alone"; exit 1; }
for f in %s; do
    ls /sys/kernel/livepatch/lp_cumulative/vmlinux | grep -q "^$f," || { echo "no $f"; exit 1; }
done
"""


def test_cumulative(exe, lpfix, earlier_ko, tmp):
    """Five fixes in one --replace module, loaded over an earlier livepatch."""
    cves = list(CVES) + CUMULATIVE_EXTRA
    ko = os.path.join(tmp, "lp_cumulative.ko")
    start = time.monotonic()
    p = run(exe, "patch", "build", "--debian", ABI, "--name", "lp_cumulative", "--replace",
            "-o", ko, "--json", *[os.path.join(lpfix, "patches", c + ".patch") for c in cves])
    print(f"build of the cumulative patch: {time.monotonic() - start:.1f} s, "
          f"exit {p.returncode}")
    r = json.loads(p.stdout) if p.stdout.strip() else {}
    check(p.returncode == 0 and r.get("outcome") == "built",
          f"five fixes build into one atomic-replace module: {p.stderr.strip()[-300:]}")
    if p.returncode != 0:
        return
    funcs = sorted({f for o in r["objects"] if o["objname"] == "vmlinux" for f in o["changed"]})
    objects = [o["object"] for o in r["objects"] if o["changed"] or o["added"]]
    check(len(objects) == 5, f"one object per fix takes part: {objects}")
    # mm/backing-dev.c's fix calls static functions of the running kernel.
    symbols = run("readelf", "-sW", ko).stdout
    check(".klp.sym.vmlinux.wb_shutdown,0" in symbols and
          ".klp.sym.vmlinux.release_bdi,0" in symbols,
          "static functions of the running kernel through livepatch relocations")
    script = os.path.join(tmp, "check-cumulative.sh")
    with open(script, "w") as f:
        f.write(CUMULATIVE_CHECK % " ".join(funcs))
    start = time.monotonic()
    p = run(exe, "patch", "test", "--kernel", ABI, "--json", "--check", script, earlier_ko, ko)
    print(f"boot of the cumulative patch over {os.path.basename(earlier_ko)}: "
          f"{time.monotonic() - start:.1f} s, exit {p.returncode}")
    if p.returncode not in (0, 1):
        sys.stderr.write(p.stderr)
        raise SystemExit(f"tuxtape patch test exited {p.returncode}")
    t = json.loads(p.stdout)
    mods = {m["name"]: m for m in t["modules"]}
    earlier = mods.get(os.path.basename(earlier_ko)[:-3], {})
    cumulative = mods.get("lp_cumulative", {})
    check(t["pass"], f"the boot test passes: {t['reasons']}")
    check(earlier.get("enabled") and earlier.get("replaced") is True and
          earlier.get("rmmod_status") == 0,
          "the earlier livepatch loaded, was replaced, and was removed")
    check(cumulative.get("transition_finished") is True and not cumulative.get("replaced") and
          cumulative.get("unpatch_transition_finished") is True,
          "the cumulative patch took over, then unpatched")
    check(t["check"]["patched_status"] == 0,
          f"only the cumulative patch is left, with all {len(funcs)} functions: "
          f"{(t['check'].get('output') or '').strip()}")


# Fixes inside loadable modules: CVE -> (module, livepatch name). The irc fix also calls
# exports of nf_conntrack, a module its module depends on.
MODULE_FIXES = {"CVE-2026-46053": ("rds", "lp_rds"),
                "CVE-2026-53268": ("nf_conntrack_irc", "lp_irc")}


def test_modules_loaded_later(exe, lpfix, tmp):
    kos = []
    for cve, (module, name) in MODULE_FIXES.items():
        ko = os.path.join(tmp, name + ".ko")
        p = run(exe, "patch", "build", "--debian", ABI, "--name", name, "-o", ko, "--json",
                os.path.join(lpfix, "patches", cve + ".patch"))
        r = json.loads(p.stdout) if p.stdout.strip() else {}
        objnames = sorted({o["objname"] for o in r.get("objects", []) if o["changed"]})
        check(p.returncode == 0 and objnames == [module],
              f"{cve}: built as a patch of {module}: {objnames} {p.stderr.strip()[-200:]}")
        if p.returncode == 0:
            kos.append(ko)
    if len(kos) != len(MODULE_FIXES):
        return
    symbols = run("readelf", "-sW", kos[1]).stdout
    check(".klp.sym.nf_conntrack.nf_ct_expect_init,0" in symbols,
          "nf_conntrack's export used by the irc fix is a livepatch relocation")
    start = time.monotonic()
    late = [x for module, _ in MODULE_FIXES.values() for x in ("--load-after", module)]
    p = run(exe, "patch", "test", "--kernel", ABI, "--json", *late, *kos)
    print(f"boot with the modules loaded after the patches: {time.monotonic() - start:.1f} s, "
          f"exit {p.returncode}")
    t = json.loads(p.stdout) if p.stdout.strip() else {"pass": False, "reasons": [p.stderr],
                                                        "modules": []}
    mods = {m["name"]: m for m in t["modules"]}
    check(t["pass"], f"the boot test passes: {t['reasons']}")
    for module, name in MODULE_FIXES.values():
        lp, target = mods.get(name, {}), mods.get(module, {})
        check(lp.get("loaded") and target.get("loaded_after") and target.get("loaded"),
              f"{name} loads without {module}, and {module} loads after it")
        check(lp.get("objects") == {module: True},
              f"{module} is patched as it loads: {lp.get('objects')}")
        check(any(f"applying patch '{name}' to loading module '{module}'" in m
                  for m in lp.get("kernel_messages", [])),
              f"the kernel says it applied {name} to the loading {module}")


def main():
    exe = sys.argv[1]
    lpfix = lpfix_dir()
    if not os.path.exists(os.path.join(lpfix, "index.tsv")):
        print(f"SKIP: {lpfix} not found (../shared is absent); lpfix test not run")
        return SKIP
    rows = index_rows(lpfix)
    for cve in CVES:
        check(cve in rows and "builtin" in rows[cve]["per_file_config_build"],
              f"{cve}: in index.tsv, built-in code")
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tt-lpfix-") as tmp:
        kos = [ko for ko in (build(exe, lpfix, cve, tmp) for cve in CVES) if ko]
        check(len(kos) >= 3, f"at least three real fixes built: {len(kos)}")
        if kos:
            boot_all(exe, kos)
        if kos and kos[0].endswith("cve_2026_43492.ko"):
            test_cumulative(exe, lpfix, kos[0], tmp)
        test_modules_loaded_later(exe, lpfix, tmp)
    print(f"{len(passes)} passed, {len(failures)} failed, {time.monotonic() - start:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
