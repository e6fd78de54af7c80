#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Agent footprint (issue 7 targets): resident memory of the idle daemon (< 10 MB) and the
# CPU time of one idle refresh cycle (< 20 ms): heartbeat, signed archive refresh, kernel
# log scan, nothing to load. The daemon runs against a fake /sys and /proc tree and the
# test fleet stub on loopback; see bench/agent/bench_agent.py.
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
agent=$build/cmd/agent/tuxtape-agent
exe=$build/cmd/tuxtape/tuxtape
if [ ! -x "$agent" ] || [ ! -x "$exe" ]; then
	echo "skip: $agent or $exe is not built"
	exit 0
fi
exec python3 bench/agent/bench_agent.py "$exe" "$agent"
