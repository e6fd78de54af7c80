#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Install the Debian packages tuxtape needs to build, test, benchmark and fuzz.
# Idempotent: only missing packages are installed. As root it installs them;
# otherwise it prints the exact apt-get command and fails, so nothing half-works.
#
# usage: scripts/deps.sh [build|check|bench|fuzz|demo]...   (default: check)
set -eu

build_pkgs="gcc make meson ninja-build pkg-config git ca-certificates \
libsqlite3-dev libgit2-dev libjansson-dev libjsmn-dev libcurl4-openssl-dev \
libssl-dev zlib1g-dev libzstd-dev libelf-dev libmicrohttpd-dev libpq-dev libxxhash-dev \
libjemalloc-dev"
# The livepatch boot test (tests/integration/test_patch_boot.py): QEMU, a static busybox
# for the initramfs, gcc-12 (Debian's kernel Makefile names it) to build the test module.
boot_pkgs="qemu-system-x86 busybox-static gcc-12 make"
# tuxtape patch build (tests/integration/patch): preparing a Debian kernel tree and building
# objects in it (bc flex bison libssl-dev libelf-dev), pahole so the config keeps BTF, patch,
# xz-utils for the source tarball.
patchbuild_pkgs="bc flex bison libssl-dev libelf-dev dwarves patch xz-utils"
# postgresql: make check runs the store's tests against a throwaway server too.
check_pkgs="$build_pkgs libcmocka-dev python3 sqlite3 xz-utils postgresql chromium $boot_pkgs $patchbuild_pkgs"
bench_pkgs="$check_pkgs python3 time wrk"
fuzz_pkgs="$check_pkgs clang libclang-rt-14-dev"
demo_pkgs="$build_pkgs xz-utils"

want=""
[ $# -eq 0 ] && set -- check
for target in "$@"; do
	case "$target" in
	build) want="$want $build_pkgs" ;;
	check) want="$want $check_pkgs" ;;
	bench) want="$want $bench_pkgs" ;;
	fuzz) want="$want $fuzz_pkgs" ;;
	demo) want="$want $demo_pkgs" ;;
	*) echo "deps.sh: unknown target '$target' (build, check, bench, fuzz, demo)" >&2; exit 2 ;;
	esac
done

missing=""
for p in $(printf '%s\n' $want | sort -u); do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = "installed" ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "tuxtape needs these Debian packages:$missing" >&2
	echo "Run as root:  apt-get update && $cmd" >&2
	exit 1
fi
echo "deps.sh: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have empty package lists; refresh them before installing.
apt-get update -qq >&2 || echo "deps.sh: apt-get update failed; trying the install anyway" >&2
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >&2
