#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Patch-build benchmark: time to build a livepatch module for a real CVE fix
# (../shared/data/lpfix, CVE-2026-43492 in lib/mpi/mpicoder.c) against Debian's
# 6.1.0-47-amd64 with a prepared tree, each step beside the 60 s target.
#
# The first run fills the cache (Debian packages, source, prepared tree, kallsyms boot:
# a few minutes, reported apart); the measured runs start from that cache, as
# every build after the first one for a kernel does. TT_NO_DOWNLOAD=1 skips
# instead of filling a cold cache.
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."

abi=6.1.0-47-amd64
cve=CVE-2026-43492
runs=${TT_BENCH_RUNS:-3}
target=60
exe=$build/cmd/tuxtape/tuxtape
patch=${TT_SHARED_DATA:-$(pwd)/../shared/data}/lpfix/patches/$cve.patch
cache=${XDG_CACHE_HOME:-$HOME/.cache}/tuxtape/debian/$abi

skip() { echo "skip: $*"; exit 0; }
[ -x "$exe" ] || skip "$exe is not built"
[ -f "$patch" ] || skip "shared data absent ($patch)"
if [ ! -f "$cache/obj/.tuxtape-prepared" ] || [ ! -f "$cache/kallsyms" ]; then
	[ "${TT_NO_DOWNLOAD:-0}" = 1 ] && skip "no prepared tree for $abi (TT_NO_DOWNLOAD=1)"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

build_once() {
	"$exe" patch build --debian "$abi" --name bench_lpfix -o "$work/bench_lpfix.ko" \
		--json "$patch" >"$work/$1.json" 2>"$work/$1.err" ||
		{ cat "$work/$1.err" >&2; skip "the build failed (see above)"; }
}

echo "patch build of $cve ($abi), $runs runs with a prepared tree; target < ${target} s"
start=$(date +%s.%N)
build_once warmup
echo "cache fill / warm-up run: $(echo "$(date +%s.%N) - $start" | bc) s"
for i in $(seq 1 "$runs"); do build_once "run$i"; done

python3 - "$work" "$runs" "$target" <<'EOF'
import json, statistics, sys
work, runs, target = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
results = [json.load(open(f"{work}/run{i}.json")) for i in range(1, runs + 1)]
steps = [s["step"] for s in results[0]["steps"]]
print(f"{'step':<22}{'median s':>10}")
for name in steps:
    times = [next(s["seconds"] for s in r["steps"] if s["step"] == name) for r in results]
    print(f"{name:<22}{statistics.median(times):>10.2f}")
total = statistics.median(sum(s["seconds"] for s in r["steps"]) for r in results)
verdict = "met" if total < target else "MISSED"
print(f"{'total':<22}{total:>10.2f}   target < {target:.0f} s: {verdict}")
EOF
