#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Triage benchmark (issue 3 targets): scan one kernel profile against every published CVE
# (target < 100 ms) and 100 profiles (target < 5 s), beside the one-time load of the CVEs.
#
# Data: the kernel CNA's vulns.git bundle and feeds in ../shared/data, synced once into a
# store cached at ~/.cache/tuxtape/bench/scan.db; Debian's 6.1.170 config from the
# linux-headers-6.1.0-47-amd64 package (fetched once with apt into ~/.cache/tuxtape). With a
# Debian linux-source-6.1 tree in the cache (bench-kbuild.sh fetches one) the profile also
# carries a predicted compiled-file set, which is the heavier case; otherwise versions only.
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."

data=${TT_SHARED_DATA:-$(pwd)/../shared/data}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/tuxtape
exe=$build/cmd/tuxtape/tuxtape
bench=$build/bench/triage/bench_scan
db=$cache/bench/scan.db
headers=linux-headers-6.1.0-47-amd64

skip() { echo "skip: $*"; exit 0; }

[ -x "$exe" ] && [ -x "$bench" ] || skip "$exe or $bench is not built"
[ -f "$data/vulns.bundle" ] || skip "shared data absent ($data)"
mkdir -p "$cache/bench"

if [ ! -f "$db" ]; then
	echo "building the benchmark store once: sync + enrich into $db"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	git clone -q --bare "$data/vulns.bundle" "$tmp/src.git"
	"$exe" --db "$db.tmp" -q cve sync --source "$tmp/src.git" --cache "$tmp/cache" || [ $? = 3 ]
	"$exe" --db "$db.tmp" -q cve enrich "$data/feeds/known_exploited_vulnerabilities.json" \
		"$data/feeds/epss_scores-2026-08-16.csv.gz"
	mkdir -p "$tmp/vr" && tar -xJf "$data/feeds/vulnrichment-linux.tar.xz" -C "$tmp/vr"
	"$exe" --db "$db.tmp" -q cve enrich "$tmp/vr"
	mv "$db.tmp" "$db"
fi

deb=$(ls "$cache"/${headers}_*_amd64.deb 2>/dev/null | tail -1 || true)
if [ -z "$deb" ]; then
	[ "${TT_NO_DOWNLOAD:-0}" = 1 ] && skip "no $headers package in $cache (TT_NO_DOWNLOAD=1)"
	(cd "$cache" && apt-get download "$headers") || skip "cannot download $headers"
	deb=$(ls "$cache"/${headers}_*_amd64.deb | tail -1)
fi
cfgdir=$cache/bench/$headers
[ -f "$cfgdir/usr/src/$headers/.config" ] || dpkg-deb -x "$deb" "$cfgdir"
config=$cfgdir/usr/src/$headers/.config

src=$(ls -d "$cache"/src/linux-source-6.1*/linux-source-6.1 2>/dev/null | tail -1 || true)
if [ -n "$src" ] && [ -f "$src/Kbuild" ]; then
	"$exe" --db "$db" -q kernel add bench-deb --replace --config "$config" --version 6.1.170 \
		--source "$src" >/dev/null
	echo "profile: Debian 6.1.170 config, compiled files predicted from $src"
else
	"$exe" --db "$db" -q kernel add bench-deb --replace --config "$config" --version 6.1.170 \
		>/dev/null
	echo "profile: Debian 6.1.170 config, no source tree in $cache/src: versions only"
fi

echo "($(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg))"
"$bench" --db "$db" --profile bench-deb --profiles 100 --runs "${BENCH_RUNS:-5}"

# The command line end to end: open the store, load the CVEs, scan, print JSON.
start=$(date +%s.%N)
"$exe" --db "$db" -q scan bench-deb --verdict all --format json >/dev/null || [ $? = 4 ]
end=$(date +%s.%N)
printf "tuxtape scan bench-deb --verdict all --format json: %.2f s end to end\n" \
	"$(echo "$end - $start" | bc)"
