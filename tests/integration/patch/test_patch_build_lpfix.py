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
    print(f"{len(passes)} passed, {len(failures)} failed, {time.monotonic() - start:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
