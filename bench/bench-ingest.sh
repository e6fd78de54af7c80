#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# CVE ingest benchmark (issue 2 targets), beside its Python baseline.
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
exec python3 bench/ingest_bench.py "$build/cmd/tuxtape/tuxtape" "${BENCH_RUNS:-5}"
