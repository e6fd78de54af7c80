#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Baseline for the ingest benchmark: Python's standard library only.

Reads the same files tuxtape ingests (cve/published/*/CVE-*.json, .dyad,
.sha1, .vulnerable, .message, .cvss and cve/rejected/*/CVE-*.json) from a
vulns.git checkout and writes the same facts into SQLite in one transaction:
CVE rows, program files, dyad pairs, fix/vulnerable commits, affected
blocks and versions, references. It is written plainly and efficiently
(json.loads, executemany, one transaction) so the comparison is fair.

usage: baseline_ingest.py CHECKOUT DB
"""
import json
import os
import sqlite3
import sys

SCHEMA = """
CREATE TABLE cve (id TEXT PRIMARY KEY, state TEXT, title TEXT, description TEXT,
  cvss_vector TEXT, cvss_score REAL, cvss_rationale TEXT, files TEXT);
CREATE TABLE cve_file (cve_id TEXT, path TEXT, PRIMARY KEY (cve_id, path));
CREATE TABLE cve_dyad (cve_id TEXT, seq INTEGER, vuln_version TEXT, vuln_commit TEXT,
  fix_version TEXT, fix_commit TEXT, PRIMARY KEY (cve_id, seq));
CREATE TABLE cve_commit (cve_id TEXT, kind TEXT, seq INTEGER, commit_id TEXT,
  PRIMARY KEY (cve_id, kind, seq));
CREATE TABLE cve_affected (cve_id TEXT, block INTEGER, seq INTEGER, version TEXT,
  less_than TEXT, less_than_or_equal TEXT, status TEXT, version_type TEXT,
  PRIMARY KEY (cve_id, block, seq));
CREATE TABLE cve_reference (cve_id TEXT, seq INTEGER, url TEXT, PRIMARY KEY (cve_id, seq));
"""


def read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        return None


def dyads(text):
    out = []
    for line in (text or "").splitlines():
        if not line or line.startswith("#"):
            continue
        parts = line.split(":")
        if len(parts) != 4:
            continue
        vv, vc, fv, fc = [None if p == "0" else p for p in parts]
        out.append((vv, vc, fv, fc))
    return out


def ingest_one(base, cid, state, rows):
    rec = json.loads(read(f"{base}/{cid}.json"))
    cna = rec.get("containers", {}).get("cna", {})
    desc = next((d.get("value") for d in cna.get("descriptions", []) if d.get("lang") == "en"), None)
    message = read(f"{base}/{cid}.message")
    if message is not None:
        desc = message
    vector = score = rationale = None
    for m in cna.get("metrics", []):
        if "cvssV3_1" in m:
            vector = m["cvssV3_1"].get("vectorString")
            score = m["cvssV3_1"].get("baseScore")
            rationale = "\n".join(s.get("value", "") for s in m.get("scenarios", []))
    files = set()
    for b, block in enumerate(cna.get("affected", [])):
        files.update(block.get("programFiles", []))
        for i, v in enumerate(block.get("versions", [])):
            rows["affected"].append((cid, b, i, v.get("version"), v.get("lessThan"),
                                     v.get("lessThanOrEqual"), v.get("status"),
                                     v.get("versionType")))
    for f in sorted(files):
        rows["file"].append((cid, f))
    for i, r in enumerate(cna.get("references", [])):
        rows["ref"].append((cid, i, r.get("url")))
    for i, d in enumerate(dyads(read(f"{base}/{cid}.dyad"))):
        rows["dyad"].append((cid, i) + d)
    for kind, ext in (("fix", "sha1"), ("vulnerable", "vulnerable")):
        for i, c in enumerate((read(f"{base}/{cid}.{ext}") or "").split()):
            rows["commit"].append((cid, kind, i, c))
    if state == "rejected":
        desc = next((d.get("value") for d in cna.get("rejectedReasons", [])), desc)
    rows["cve"].append((cid, state, cna.get("title"), desc, vector, score, rationale,
                        ",".join(sorted(files))))


def main():
    checkout, db = sys.argv[1], sys.argv[2]
    rows = {k: [] for k in ("cve", "file", "dyad", "commit", "affected", "ref")}
    for state in ("published", "rejected"):
        root = os.path.join(checkout, "cve", state)
        for year in sorted(os.listdir(root)):
            base = os.path.join(root, year)
            if not os.path.isdir(base):
                continue
            for name in sorted(os.listdir(base)):
                if name.endswith(".json"):
                    ingest_one(base, name[:-5], state, rows)
    con = sqlite3.connect(db)
    con.executescript(SCHEMA)
    with con:
        con.executemany("INSERT OR REPLACE INTO cve VALUES (?,?,?,?,?,?,?,?)", rows["cve"])
        con.executemany("INSERT OR IGNORE INTO cve_file VALUES (?,?)", rows["file"])
        con.executemany("INSERT INTO cve_dyad VALUES (?,?,?,?,?,?)", rows["dyad"])
        con.executemany("INSERT OR IGNORE INTO cve_commit VALUES (?,?,?,?)", rows["commit"])
        con.executemany("INSERT INTO cve_affected VALUES (?,?,?,?,?,?,?,?)", rows["affected"])
        con.executemany("INSERT INTO cve_reference VALUES (?,?,?)", rows["ref"])
    con.close()
    print(f"{len(rows['cve'])} CVEs, {len(rows['dyad'])} dyad pairs")


if __name__ == "__main__":
    main()
