#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Every real CVE fix of ../shared/data/lpfix, built and boot-tested as a livepatch.

For each patch of lpfix/index.tsv: `tuxtape patch build --debian ABI --json`,
then, when it built, `tuxtape patch test --kernel ABI --json` with the modules
its fix lives in loaded after the livepatch (--load-after): the harder order,
where the livepatch must load without its target module and the livepatch
core patches the module as it loads (--preload-modules: loaded before, the
other order). One row per fix: built, loaded, transition done, clean
kernel log, or the specific reason it stopped. The success rate counts the
fixes that went all the way (the issue's target: 80 %).

Usage: lpfix_sweep.py TUXTAPE [--only CVE]... [--json FILE] [--keep DIR]
Exit status: 0 when the rate reaches the target, 1 when it does not, 77 when
../shared or the kernel packages are not available.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time

SKIP = 77
TARGET = 0.80
DOWNLOAD_FAILURES = ("apt-get download", "apt knows no version", "apt-get update",
                     "Temporary failure resolving")


def lpfix_dir():
    shared = os.environ.get("TT_SHARED_DATA") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data")
    return os.path.join(shared, "lpfix")


def module_name(cve):
    return "lp_" + cve.lower().replace("-", "_")


def first_line(text, limit=150):
    """The most telling line of an error: the last 'error:' line, shortened."""
    lines = [x.strip() for x in text.splitlines() if x.strip()]
    errors = [x for x in lines if "error" in x.lower() or "refused" in x.lower()]
    line = (errors or lines or ["(no output)"])[-1]
    line = line.removeprefix("tuxtape: error: ")
    return line if len(line) <= limit else line[:limit - 3] + "..."


def build(exe, abi, cve, patch, work):
    ko = os.path.join(work, module_name(cve) + ".ko")
    start = time.monotonic()
    p = subprocess.run([exe, "patch", "build", "--debian", abi, "--name", module_name(cve),
                        "-o", ko, "--json", patch], capture_output=True, text=True)
    seconds = time.monotonic() - start
    if p.returncode == 1 and any(s in p.stderr for s in DOWNLOAD_FAILURES):
        print(f"SKIP: the Debian packages of {abi} cannot be downloaded")
        sys.exit(SKIP)
    result = json.loads(p.stdout) if p.stdout.strip() else None
    row = {"build_exit": p.returncode, "build_seconds": round(seconds, 1), "ko": ko}
    if p.returncode == 0:
        row["objects"] = sorted({o["objname"] for o in result["objects"]
                                 if o["changed"] or o["added"]})
        row["functions"] = sum(len(o["changed"]) + len(o["added"]) for o in result["objects"])
    elif p.returncode == 5 and result:
        row["reason"] = "refused: " + first_line("\n".join(result["refusals"]))
    elif p.returncode == 3:
        row["reason"] = "nothing to patch: no function changed"
    else:
        row["reason"] = "build failed: " + first_line(p.stderr)
    return row


def boot(exe, abi, row, work, order):
    preloads = [x for o in row["objects"] if o != "vmlinux" for x in (order, o)]
    start = time.monotonic()
    p = subprocess.run([exe, "patch", "test", "--kernel", abi, "--json", "--workdir",
                        os.path.join(work, "boot-" + os.path.basename(row["ko"])), *preloads,
                        row["ko"]], capture_output=True, text=True)
    row["boot_seconds"] = round(time.monotonic() - start, 1)
    if p.returncode not in (0, 1) or not p.stdout.strip():
        row["reason"] = f"patch test exited {p.returncode}: " + first_line(p.stderr)
        return
    r = json.loads(p.stdout)
    m = next((x for x in r["modules"] if not x.get("preload")), {})
    row["loaded"] = bool(m.get("loaded"))
    row["enabled"] = bool(m.get("enabled"))
    row["transition"] = m.get("transition_finished") is True
    row["clean_log"] = not r["issues"]
    row["pass"] = bool(r["pass"])
    if not r["pass"]:
        row["reason"] = "boot test: " + "; ".join(r["reasons"])[:200]


def mark(v):
    return "yes" if v is True else ("no" if v is False else "-")


def print_table(rows, passed):
    print(f"\n{'CVE':<16}{'file':<34}{'built':>6}{'loaded':>7}{'trans':>6}{'clean':>6}"
          f"{'build s':>8}{'boot s':>7}  objects / reason")
    for r in rows:
        built = r["build_exit"] == 0
        extra = r.get("reason") or ",".join(r.get("objects", []))
        print(f"{r['cve']:<16}{r['files'][:33]:<34}{mark(built):>6}{mark(r.get('loaded')):>7}"
              f"{mark(r.get('transition')):>6}{mark(r.get('clean_log')):>6}"
              f"{r['build_seconds']:>8.1f}{r.get('boot_seconds', 0):>7.1f}  {extra}")
    n = len(rows)
    built = sum(r["build_exit"] == 0 for r in rows)
    print(f"\nbuilt {built}/{n}; loaded cleanly (loaded, enabled, transition done, clean log, "
          f"unloaded) {passed}/{n} = {100 * passed / max(n, 1):.0f} % "
          f"(target {100 * TARGET:.0f} %)")
    unexplained = [r["cve"] for r in rows if not r.get("pass") and not r.get("reason")]
    print("every failure carries a reason" if not unexplained
          else f"failures without a reason: {unexplained}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tuxtape")
    ap.add_argument("--abi", default="6.1.0-47-amd64")
    ap.add_argument("--only", action="append", default=[], help="just this CVE (repeatable)")
    ap.add_argument("--json", help="write the rows here as JSON")
    ap.add_argument("--keep", help="keep modules and boot logs in this directory")
    ap.add_argument("--preload-modules", action="store_true",
                    help="load the fixes' modules before the livepatch, not after")
    a = ap.parse_args()
    lpfix = lpfix_dir()
    if not os.path.isfile(os.path.join(lpfix, "index.tsv")):
        print(f"skip: shared data absent ({lpfix})")
        return SKIP
    with open(os.path.join(lpfix, "index.tsv"), newline="") as f:
        index = list(csv.DictReader(f, delimiter="\t"))
    if a.only:
        index = [x for x in index if x["cve"] in a.only]
    work = a.keep or tempfile.mkdtemp(prefix="tt-lpfix-")
    os.makedirs(work, exist_ok=True)
    rows = []
    for i, entry in enumerate(index, 1):
        cve = entry["cve"]
        row = {"cve": cve, "files": entry["files"]}
        row.update(build(a.tuxtape, a.abi, cve,
                         os.path.join(lpfix, "patches", cve + ".patch"), work))
        if row["build_exit"] == 0:
            boot(a.tuxtape, a.abi, row, work,
                 "--preload" if a.preload_modules else "--load-after")
        rows.append(row)
        state = "pass" if row.get("pass") else row.get("reason", "?")
        print(f"[{i}/{len(index)}] {cve}: {state}", flush=True)
    passed = sum(bool(r.get("pass")) for r in rows)
    print_table(rows, passed)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"abi": a.abi, "rows": rows, "passed": passed, "total": len(rows)}, f,
                      indent=1)
    if not a.keep:
        subprocess.run(["rm", "-rf", work])
    return 0 if passed >= TARGET * len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
