#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""End-to-end: `tuxtape cve sync` on the real vulns.git snapshots.

Uses ../shared/data/vulns.bundle (three real snapshots of the kernel CNA's
vulns.git). Skips, saying why, when it is absent.

Checks:
- syncing the first snapshot, then the tip, gives exactly the store a --full
  sync of the tip gives (every CNA table compared row by row);
- the tip holds 14,626 published CVEs;
- spot checks against the real data: CVE-2024-26581's dyad pairs and file, a
  CVE whose 6.1 branch was never fixed, a CVE with a 0:0 origin, an id that
  was rejected between two snapshots;
- a second sync with nothing new changes nothing;
- a sync that fails midway (bad --rev) leaves the store as it was;
- `cve enrich` loads the real KEV, EPSS, vulnrichment and NVD samples, and
  `cve show` / `cve list --kev` report them.
"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

SKIP = 77
FIRST = "c845de076bca57527c75eca5230e0792ea6386ff"
SECOND = "bc711ca4eeac6b4707ce55d450486d9f270c9cdf"
TIP = "f40280da88a0549562ab90d94e8f62674ba76cca"
TABLES = {
    "cve": "id",
    "cve_first_seen": "cve_id",
    "cve_file": "cve_id, path",
    "cve_affected_block": "cve_id, block",
}

failures = []
passes = []


def check(cond, what):
    print(("ok      " if cond else "FAILED  ") + what)
    (passes if cond else failures).append(what)


def tuxtape(exe, db, *args, expect=(0, 3)):
    p = subprocess.run([exe, "--db", db, "-q", *args], capture_output=True, text=True)
    if p.returncode not in expect:
        sys.stderr.write(p.stderr)
        raise SystemExit(f"tuxtape {' '.join(args)} exited {p.returncode}")
    return p


def sync(exe, db, src, cache, *extra):
    p = tuxtape(exe, db, "cve", "sync", "--source", src, "--cache", cache, "--json", *extra)
    return json.loads(p.stdout)


def dump(db):
    con = sqlite3.connect(db)
    out = {t: con.execute(f"SELECT * FROM {t} ORDER BY {k}").fetchall() for t, k in TABLES.items()}
    con.close()
    return out


def show(exe, db, cve):
    return json.loads(tuxtape(exe, db, "cve", "show", "--json", cve).stdout)


def spot_checks(exe, db):
    rec = show(exe, db, "CVE-2024-26581")
    check(rec["program_files"] == ["net/netfilter/nft_set_rbtree.c"],
          "CVE-2024-26581 names net/netfilter/nft_set_rbtree.c")
    pairs = {(f["branch"], f["introduced"], f["fixed"]) for f in rec["fixes"]}
    check(len(rec["fixes"]) == 9, f"CVE-2024-26581 has its 9 dyad pairs (got {len(rec['fixes'])})")
    check(("6.1", "6.1.43", "6.1.78") in pairs, "CVE-2024-26581: 6.1 introduced 6.1.43, fixed 6.1.78")
    check(("6.4", "6.4.8", None) in pairs, "CVE-2024-26581: 6.4 never fixed")
    check(("6.8", "6.5", "6.8") in pairs, "CVE-2024-26581: fixed in mainline 6.8")
    check(rec["cvss"] and rec["cvss"]["base_score"] == 7.8, "CVE-2024-26581 CNA CVSS 7.8")
    rec = show(exe, db, "CVE-2023-52490")
    never = [f for f in rec["fixes"] if f["branch"] == "6.1"]
    check(len(never) == 1 and never[0]["never_fixed"] and never[0]["introduced"] == "6.1.116",
          "CVE-2023-52490: the 6.1 branch (from 6.1.116) was never fixed")
    rec = show(exe, db, "CVE-2022-49420")
    check(any(f["introduced"] is None and f["fixed"] == "5.19" for f in rec["fixes"]),
          "CVE-2022-49420: a 0:0 origin (introduced before git history)")
    rec = show(exe, db, "CVE-2021-47504")
    check(rec["state"] == "rejected", "CVE-2021-47504 is marked rejected, not deleted")


def enrich_checks(exe, db, data, tmp):
    feeds = os.path.join(data, "feeds")
    vr = os.path.join(tmp, "vulnrichment")
    os.makedirs(vr)
    subprocess.run(["tar", "-xJf", os.path.join(feeds, "vulnrichment-linux.tar.xz"), "-C", vr],
                   check=True)
    nvd = sorted(os.path.join(data, "nvd", f) for f in os.listdir(os.path.join(data, "nvd"))
                 if f.endswith(".json"))
    p = tuxtape(exe, db, "cve", "enrich", "--json",
                os.path.join(feeds, "known_exploited_vulnerabilities.json"),
                os.path.join(feeds, "epss_scores-2026-08-16.csv.gz"), vr, *nvd, expect=(0,))
    loaded = {r["kind"]: r for r in json.loads(p.stdout)}
    check(loaded["kev"]["entries"] == 1404, "KEV: 1,404 entries loaded")
    check(loaded["epss"]["entries"] == 360142, "EPSS: 360,142 scores loaded")
    check(loaded["vulnrichment"]["entries"] == 3660, "vulnrichment: 3,660 SSVC records loaded")
    e = show(exe, db, "CVE-2024-36971")["enrichment"]
    check(e.get("kev", {}).get("date_added") == "2024-08-07", "CVE-2024-36971 is in KEV (2024-08-07)")
    check(e.get("ssvc", {}).get("exploitation") == "active", "CVE-2024-36971: SSVC exploitation active")
    check(abs(e.get("epss", {}).get("score", 0) - 0.02701) < 1e-9, "CVE-2024-36971: EPSS 0.02701")
    check(e.get("nvd", {}).get("cwes") == "CWE-416", "CVE-2024-36971: NVD CWE-416")
    kev = json.loads(tuxtape(exe, db, "cve", "list", "--kev", "--json").stdout)
    check(len(kev) == 5 and all(c["kev"] for c in kev),
          f"cve list --kev: the 5 KEV CVEs the kernel CNA published (got {len(kev)})")
    status = json.loads(tuxtape(exe, db, "cve", "status", "--json").stdout)
    feeds_by = {f["name"]: f for f in status["feeds"]}
    check(feeds_by["nvd"]["entries"] == len(nvd), "NVD records accumulate over loads")


def main():
    exe = sys.argv[1]
    data = os.environ.get("TT_SHARED_DATA", "")
    bundle = os.path.join(data, "vulns.bundle")
    if not os.path.exists(bundle):
        print(f"SKIP: {bundle} not found (../shared is absent); real-data sync test not run")
        return SKIP
    tmp = tempfile.mkdtemp(prefix="tt-sync-")
    try:
        src = os.path.join(tmp, "src.git")
        subprocess.run(["git", "clone", "-q", "--bare", bundle, src], check=True)
        inc, full = os.path.join(tmp, "inc.db"), os.path.join(tmp, "full.db")
        cache_a = os.path.join(tmp, "cache")

        r1 = sync(exe, inc, src, cache_a, "--rev", FIRST)
        check(not r1["incremental"] and r1["store"]["published"] == 10991,
              f"first snapshot: 10,991 published (got {r1['store']['published']})")
        r2 = sync(exe, inc, src, cache_a)
        check(r2["incremental"] and r2["to_commit"] == TIP, "second sync is incremental, to the tip")
        check(r2["store"]["published"] == 14626,
              f"tip: 14,626 published (got {r2['store']['published']})")
        check(r2["rejected"] > 0 and r2["added"] > 0, "incremental sync added and rejected ids")

        r3 = sync(exe, full, src, cache_a, "--full")
        check(r3["store"]["published"] == 14626, "full sync of the tip: 14,626 published")
        a, b = dump(inc), dump(full)
        for t in TABLES:
            check(a[t] == b[t], f"incremental and full stores agree on {t} ({len(a[t])} rows)")
        spot_checks(exe, full)
        enrich_checks(exe, full, data, tmp)

        r4 = sync(exe, inc, src, cache_a)
        check(r4["examined"] == 0 and r4["added"] == 0 and r4["updated"] == 0,
              "a sync with nothing new reads nothing")
        before = dump(inc)
        p = subprocess.run([exe, "--db", inc, "-q", "cve", "sync", "--source", src, "--cache",
                            cache_a, "--rev", "no-such-rev"], capture_output=True, text=True)
        check(p.returncode == 1 and "no-such-rev" in p.stderr,
              "a bad --rev fails with exit 1 and names the revision")
        check(dump(inc) == before, "a failed sync leaves the store unchanged")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{len(passes)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
