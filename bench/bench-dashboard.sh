#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Dashboard benchmark (issue 8 target): every page of `tuxtape serve`'s dashboard renders in
# under 200 ms with ~15,000 CVEs, 20 kernel profiles and 10,000 hosts in the store.
#
# Data: the real CVEs of ../shared/data/vulns.bundle, synced once by bench-scan.sh into
# ~/.cache/tuxtape/bench/scan.db (this script syncs them itself when that store is absent);
# Debian's 6.1 config from linux-headers-6.1.0-47-amd64 for the 20 profiles. The store is
# copied to ~/.cache/tuxtape/bench/dashboard.db and filled with generated hosts, jobs and
# releases (bench/dashboard/bench_dashboard.py), then served on loopback and timed.
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."

data=${TT_SHARED_DATA:-$(pwd)/../shared/data}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/tuxtape
exe=$build/cmd/tuxtape/tuxtape
scan_db=$cache/bench/scan.db
db=$cache/bench/dashboard.db
headers=linux-headers-6.1.0-47-amd64

skip() { echo "skip: $*"; exit 0; }

[ -x "$exe" ] || skip "$exe is not built"
mkdir -p "$cache/bench"

if [ ! -f "$scan_db" ]; then
	[ -f "$data/vulns.bundle" ] || skip "shared data absent ($data)"
	echo "syncing the CVEs once into $scan_db"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	git clone -q --bare "$data/vulns.bundle" "$tmp/src.git"
	"$exe" --db "$scan_db.tmp" -q cve sync --source "$tmp/src.git" --cache "$tmp/cache" ||
		[ $? = 3 ]
	mv "$scan_db.tmp" "$scan_db"
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

if [ ! -f "$db" ] || [ "$scan_db" -nt "$db" ]; then
	echo "copying the CVE store to $db"
	rm -f "$db" "$db-wal" "$db-shm"
	sqlite3 "$scan_db" ".backup '$db'"
fi
exec python3 bench/dashboard/bench_dashboard.py "$exe" "$db" "$config"
