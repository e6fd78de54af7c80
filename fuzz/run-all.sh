#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run each libFuzzer harness for N seconds on its seed corpus; fail on the first crash.
set -euo pipefail
build=${1:-build-fuzz}
seconds=${2:-60}
cd "$(dirname "$0")/.."
status=0
for exe in "$build"/fuzz/fuzz_*; do
	# meson keeps each target's objects in a NAME.p directory beside it
	[ -f "$exe" ] && [ -x "$exe" ] || continue
	name=$(basename "$exe")
	seeds=fuzz/corpus/${name#fuzz_}
	work=$build/fuzz/corpus-run/$name
	mkdir -p "$work"
	echo "== $name for ${seconds}s (seeds: $seeds)"
	if ! "$exe" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$build/fuzz/$name-" "$work" $( [ -d "$seeds" ] && echo "$seeds" ) \
		>"$build/fuzz/$name.log" 2>&1; then
		echo "FAILED: $name (log: $build/fuzz/$name.log)"
		tail -30 "$build/fuzz/$name.log"
		status=1
	else
		grep -E '^(#[0-9]+|Done)' "$build/fuzz/$name.log" | tail -1
	fi
done
exit $status
