#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Kbuild benchmark: the compiled set predicted from a .config and a source tree (recall,
# precision, time) beside the exact set read from a real build's .cmd files. Data: the x86_64
# defconfig build of Debian's linux-source 6.1.192 in ../shared/data/kbuild.
#
# The source tree is not in the repository. When it is missing it is fetched once with apt
# into ~/.cache/tuxtape (set TT_NO_DOWNLOAD=1 to skip instead, or TT_KERNEL_SRC=DIR to use
# another unpacked tree of the same version).
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."

data=${TT_SHARED_DATA:-$(pwd)/../shared/data}/kbuild
cache=${XDG_CACHE_HOME:-$HOME/.cache}/tuxtape
deb_version=6.1.192-1
src=${TT_KERNEL_SRC:-$cache/src/linux-source-$deb_version/linux-source-6.1}
exe=$build/bench/kernel/bench_kbuild

skip() { echo "skip: $*"; exit 0; }

[ -x "$exe" ] || skip "$exe is not built"
[ -f "$data/x86_64-defconfig-6.1.192.sources.txt" ] || skip "shared data absent ($data)"

# Explicit, cached download step: Debian's linux-source-6.1 package, unpacked under the cache.
fetch_source() {
	local debdir=$cache/deb-linux-source-$deb_version
	local deb=$cache/linux-source-6.1_${deb_version}_all.deb
	command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || return 1
	mkdir -p "$cache/src/linux-source-$deb_version"
	if [ ! -f "$deb" ]; then
		echo "fetching linux-source-6.1=$deb_version into $cache (once)"
		(cd "$cache" && apt-get download "linux-source-6.1=$deb_version") || return 1
	fi
	rm -rf "$debdir" && mkdir -p "$debdir"
	dpkg-deb -x "$deb" "$debdir"
	echo "unpacking linux-source-6.1.tar.xz"
	tar -xJf "$debdir/usr/src/linux-source-6.1.tar.xz" -C "$cache/src/linux-source-$deb_version"
	rm -rf "$debdir"
}

if [ ! -f "$src/Kbuild" ]; then
	[ "${TT_NO_DOWNLOAD:-0}" = 1 ] && skip "no kernel source tree at $src (TT_NO_DOWNLOAD=1)"
	fetch_source || skip "no kernel source tree at $src and it could not be fetched"
fi

# The build tree's .cmd files, extracted once next to the source.
tree=$cache/kbuild/x86_64-defconfig-6.1.192
if [ ! -f "$tree/.config" ]; then
	mkdir -p "$tree"
	tar -xJf "$data/x86_64-defconfig-6.1.192.cmd-files.tar.xz" -C "$tree"
fi

echo "Debian linux-source $deb_version, x86_64 defconfig ($(nproc) cores)"
"$exe" --source "$src" --config "$data/x86_64-defconfig-6.1.192.config" \
	--expected "$data/x86_64-defconfig-6.1.192.sources.txt" --build-tree "$tree" \
	--runs "${BENCH_RUNS:-5}"
