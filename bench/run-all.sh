#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run every benchmark; each prints its figures beside its baseline.
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
status=0
for b in bench/bench-*.sh; do
	[ -e "$b" ] || continue
	echo "== $b"
	"$b" "$build" || status=1
done
exit $status
