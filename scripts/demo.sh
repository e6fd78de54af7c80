#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `make demo`: the main job end to end on this machine.
#  1. sync the kernel CNA's vulns.git (from ../shared/data/vulns.bundle when present,
#     else from git.kernel.org),
#  2. enrich it with CISA KEV, CISA vulnrichment (SSVC), EPSS and NVD records,
#  3. show the newest CVEs on the running kernel's version line,
#  4. profile this machine's kernel and print its prioritized CVE report.
# Uses the default store (~/.local/share/tuxtape/tuxtape.db) so you can go on
# with `tuxtape cve list`, `tuxtape cve show CVE-...` afterwards.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
tuxtape="$root/$build/cmd/tuxtape/tuxtape"
shared="$root/../shared/data"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/tuxtape/demo"
mkdir -p "$cache"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# tuxtape exits 3 when it skipped some input; that is worth a look, not a stop.
run() {
	local rc=0
	"$@" || rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then
		echo "demo: '$*' failed (exit $rc)" >&2
		exit "$rc"
	fi
}

step "Sync the kernel CNA's CVE list (vulns.git)"
if [ -f "$shared/vulns.bundle" ]; then
	src="$cache/vulns-src.git"
	[ -d "$src" ] || git clone -q --bare "$shared/vulns.bundle" "$src"
	run "$tuxtape" cve sync --source "$src"
else
	echo "(../shared/data is absent: syncing from git.kernel.org)"
	run "$tuxtape" cve sync
fi

step "Enrich with CISA KEV, CISA vulnrichment (SSVC), EPSS and NVD"
if [ -d "$shared/feeds" ]; then
	vr="$cache/vulnrichment"
	if [ ! -d "$vr" ]; then
		mkdir -p "$vr.tmp" && tar -xJf "$shared/feeds/vulnrichment-linux.tar.xz" -C "$vr.tmp"
		mv "$vr.tmp" "$vr"
	fi
	run "$tuxtape" cve enrich "$shared/feeds/known_exploited_vulnerabilities.json" \
		"$shared/feeds/epss_scores-2026-08-16.csv.gz" "$vr" "$shared"/nvd/CVE-*.json
else
	run "$tuxtape" cve enrich \
		https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json \
		https://epss.empiricalsecurity.com/epss_scores-current.csv.gz
fi

step "What the store holds"
run "$tuxtape" cve status

release=$(uname -r)
line=$(echo "$release" | cut -d. -f1,2)
step "Newest CVEs on this kernel's version line ($release -> branch $line)"
run "$tuxtape" cve list --branch "$line" --limit 15
step "Known exploited (CISA KEV) kernel CVEs with a fix on the $line branch"
run "$tuxtape" cve list --branch "$line" --kev --sort cvss --limit 10

step "This machine as a kernel profile ($release)"
run "$tuxtape" kernel add this-host --running --replace

step "Prioritized report for this machine: the CVEs that apply, most urgent first"
# scan exits 4 when CVEs apply: that is the report, not a failure.
rc=0
"$tuxtape" scan this-host --limit 25 || rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ] && [ "$rc" -ne 4 ]; then
	echo "demo: 'tuxtape scan this-host' failed (exit $rc)" >&2
	exit "$rc"
fi

echo
echo "Next: tuxtape scan this-host --explain CVE-ID, tuxtape cve show CVE-ID,"
echo "      tuxtape scan this-host --format openvex, tuxtape --help"
