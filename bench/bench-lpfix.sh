#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The lpfix sweep: every real CVE fix of ../shared/data/lpfix built as a
# livepatch for Debian's 6.1.0-47-amd64 and boot-tested under QEMU, as a table
# with the success rate beside the target (issue 5: >= 80 % load cleanly, every
# failure with a specific reason). A few minutes with a warm cache; the first
# run fills it (Debian packages, source, prepared tree, kallsyms boot).
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
exe=$build/cmd/tuxtape/tuxtape
[ -x "$exe" ] || { echo "skip: $exe is not built"; exit 0; }
status=0
python3 bench/lpfix_sweep.py "$exe" ${TT_LPFIX_JSON:+--json "$TT_LPFIX_JSON"} || status=$?
[ $status = 77 ] && exit 0
exit $status
