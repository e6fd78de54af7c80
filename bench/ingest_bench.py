#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Benchmark: CVE ingest from the real vulns.git tip, beside its baseline.

Measures, median of N runs each (wall clock; tuxtape's and the baseline's
full ingests alternate), on one checkout of the tip of
../shared/data/vulns.bundle:
  - tuxtape full ingest   `tuxtape cve sync --full --offline` into a new store
  - baseline full ingest  bench/baseline_ingest.py (Python standard library)
                          reading the same files from the same checkout
  - tuxtape incremental   a store synced to the 2nd snapshot, synced to the tip
and the peak resident memory of each tuxtape run. Targets (issue 2): full
ingest >= 5x faster than the baseline and under 1 s; incremental faster than
a full ingest; peak RSS under 200 MB.

usage: ingest_bench.py TUXTAPE [RUNS]
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

SECOND = "bc711ca4eeac6b4707ce55d450486d9f270c9cdf"
HERE = os.path.dirname(os.path.abspath(__file__))


def prepare(cache_root, bundle):
    bare = os.path.join(cache_root, "vulns-bare.git")
    checkout = os.path.join(cache_root, "vulns-checkout")
    if not os.path.isdir(bare):
        subprocess.run(["git", "clone", "-q", "--bare", bundle, bare], check=True)
    if not os.path.isdir(checkout):
        print(f"preparing the checkout {checkout} (once)", flush=True)
        subprocess.run(["git", "clone", "-q", bare, checkout], check=True)
    return bare, checkout


def timed(cmd):
    """Run cmd under GNU time; return (wall seconds, peak RSS in MB, CPU seconds)."""
    t0 = time.monotonic()
    p = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", *cmd], capture_output=True, text=True)
    wall = time.monotonic() - t0
    if p.returncode not in (0, 3):
        sys.stderr.write(p.stderr)
        raise SystemExit(f"{cmd[0]} failed with {p.returncode}")
    rss_kb, user, system = p.stderr.strip().splitlines()[-1].split()
    return wall, int(rss_kb) / 1024, float(user) + float(system)


def summary(results):
    """Median wall, peak RSS, all walls, median CPU (user + system) of timed() results."""
    walls = [w for w, _, _ in results]
    return (statistics.median(walls), max(r for _, r, _ in results), walls,
            statistics.median(c for _, _, c in results))


def runs(n, setup, cmd):
    """summary() of n runs of cmd, each after setup()."""
    out = []
    for _ in range(n):
        setup()
        out.append(timed(cmd))
    return summary(out)


def paired_runs(n, first, second):
    """n runs of each of two (setup, cmd) pairs, alternating: on a shared machine a
    busy spell then slows both contenders, not whichever ran during it."""
    out = ([], [])
    for _ in range(n):
        for k, (setup, cmd) in enumerate((first, second)):
            setup()
            out[k].append(timed(cmd))
    return summary(out[0]), summary(out[1])


def main():
    exe = os.path.abspath(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    data = os.environ.get("TT_SHARED_DATA") or os.path.join(HERE, "..", "..", "shared", "data")
    bundle = os.path.join(data, "vulns.bundle")
    if not os.path.exists(bundle):
        print(f"SKIP: {bundle} not found; the ingest benchmark needs ../shared/data")
        return 0
    cache_root = os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")),
                              "tuxtape", "bench")
    os.makedirs(cache_root, exist_ok=True)
    bare, checkout = prepare(cache_root, bundle)
    tmp = tempfile.mkdtemp(prefix="tt-bench-")
    db = os.path.join(tmp, "store.db")
    base_db = os.path.join(tmp, "baseline.db")
    sync = [exe, "--db", db, "-q", "cve", "sync", "--source", bare, "--cache", checkout,
            "--offline"]

    def fresh(path):
        return lambda: [os.remove(p) for p in (path, path + "-journal") if os.path.exists(p)]

    try:
        # Warm the page cache once so every contender reads from memory.
        subprocess.run(sync + ["--full"], capture_output=True)
        baseline = [sys.executable, os.path.join(HERE, "baseline_ingest.py"), checkout,
                    base_db]
        (full, full_rss, full_all, full_cpu), (base, base_rss, base_all, base_cpu) = \
            paired_runs(n, (fresh(db), sync + ["--full"]), (fresh(base_db), baseline))
        template = os.path.join(tmp, "second.db")
        fresh(db)()
        subprocess.run(sync + ["--rev", SECOND, "--full"], capture_output=True, check=False)
        shutil.copy(db, template)
        inc, inc_rss, inc_all, inc_cpu = runs(n, lambda: shutil.copy(template, db), sync)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    speedup = base / full
    print(f"\nCVE ingest of the vulns.git tip (14,626 published + rejected ids), "
          f"median of {n}, {os.cpu_count()} CPUs")
    print(f"{'measure':34} {'tuxtape':>10} {'baseline':>10} {'ratio':>8}   target")
    print(f"{'full ingest, wall (s)':34} {full:10.3f} {base:10.3f} {speedup:7.1f}x   "
          f">= 5x faster, < 1 s")
    print(f"{'incremental 2nd -> tip, wall (s)':34} {inc:10.3f} {full:10.3f} "
          f"{full / inc:7.1f}x   faster than full (baseline column: tuxtape full)")
    print(f"{'peak RSS (MB)':34} {max(full_rss, inc_rss):10.1f} {base_rss:10.1f} "
          f"{'':8}   < 200 MB")
    # CPU moves less than wall on a shared machine: a steadier figure to compare changes by.
    print(f"{'full ingest, CPU user+sys (s)':34} {full_cpu:10.3f} {base_cpu:10.3f} "
          f"{base_cpu / full_cpu:7.1f}x   (for comparison; the target is on wall)")
    print("runs (s): full " + " ".join(f"{x:.3f}" for x in full_all)
          + " | baseline " + " ".join(f"{x:.3f}" for x in base_all)
          + " | incremental " + " ".join(f"{x:.3f}" for x in inc_all))
    verdict = {
        "full >= 5x baseline": speedup >= 5,
        "full < 1 s": full < 1.0,
        "incremental < full": inc < full,
        "RSS < 200 MB": max(full_rss, inc_rss) < 200,
    }
    for k, ok in verdict.items():
        print(f"  {'met   ' if ok else 'MISSED'} {k}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
