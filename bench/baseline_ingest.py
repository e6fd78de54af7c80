#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Baseline for the ingest benchmark: Python's standard library only.

Reads the same files tuxtape ingests (cve/published/*/CVE-*.json, .dyad,
.sha1, .vulnerable, .message and cve/rejected/*/CVE-*.json) from a vulns.git
checkout and writes the same facts, in the same table shapes, into SQLite in
one transaction: CVE rows with inline commit and reference lists and dyad
pairs (with their stable branches, for filtering), program files, affected
blocks with their versions as JSON. It is written
plainly and efficiently (json.loads, executemany, one transaction, the same
page size) so the comparison is fair. It does not compute CVSS scores from
vectors or read .cvss rationale files, which tuxtape does.

usage: baseline_ingest.py CHECKOUT DB
"""
import json
import os
import sqlite3
import sys

# The same shape tuxtape stores: lists read whole inline, affected versions as JSON.
SCHEMA = """
PRAGMA page_size=16384;
CREATE TABLE cve (id TEXT PRIMARY KEY, state TEXT, title TEXT, description TEXT,
  cvss_vector TEXT, cvss_score REAL, cvss_rationale TEXT, files TEXT,
  fix_commits TEXT, vulnerable_commits TEXT, refs TEXT,
  dyads TEXT, dyad_branches TEXT, dyad_count INTEGER);
CREATE TABLE cve_file (cve_id TEXT, path TEXT, PRIMARY KEY (cve_id, path)) WITHOUT ROWID;
CREATE TABLE cve_affected_block (cve_id TEXT, block INTEGER, vendor TEXT, product TEXT,
  repo TEXT, default_status TEXT, program_files TEXT, versions TEXT,
  PRIMARY KEY (cve_id, block));
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


def branch(pair):
    """A pair's stable branch: its fix's version, else its origin's; major.minor (2.6.x)."""
    v = pair[2] or pair[0]
    if not v:
        return ""
    parts = v.split("-")[0].split(".")
    return ".".join(parts[:3] if v.startswith("2.6.") else parts[:2])


def dyad_columns(pairs):
    """The cve row's dyads (a line per pair, tab-separated, empty for none), branches, count."""
    text = "\n".join("\t".join(f or "" for f in p) for p in pairs)
    branches = []
    for p in pairs:
        b = branch(p)
        if b and b not in branches:
            branches.append(b)
    return text, ",".join(branches), len(pairs)


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
        pf = block.get("programFiles", [])
        files.update(pf)
        rows["affected"].append((cid, b, block.get("vendor"), block.get("product"),
                                 block.get("repo"), block.get("defaultStatus"), ",".join(pf),
                                 json.dumps(block.get("versions", []), separators=(",", ":"))))
    for f in sorted(files):
        rows["file"].append((cid, f))
    refs = "\n".join(r.get("url", "") for r in cna.get("references", []))
    pairs = dyads(read(f"{base}/{cid}.dyad"))
    rows["pairs"] += len(pairs)
    commits = ["\n".join((read(f"{base}/{cid}.{ext}") or "").split())
               for ext in ("sha1", "vulnerable")]
    if state == "rejected":
        desc = next((d.get("value") for d in cna.get("rejectedReasons", [])), desc)
    rows["cve"].append((cid, state, cna.get("title"), desc, vector, score, rationale,
                        ",".join(sorted(files)), commits[0], commits[1], refs)
                       + dyad_columns(pairs))


def main():
    checkout, db = sys.argv[1], sys.argv[2]
    rows = {k: [] for k in ("cve", "file", "affected")}
    rows["pairs"] = 0
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
    con.execute("PRAGMA journal_mode=TRUNCATE")
    con.executescript(SCHEMA)
    with con:
        con.executemany("INSERT OR REPLACE INTO cve VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        rows["cve"])
        con.executemany("INSERT OR IGNORE INTO cve_file VALUES (?,?)", rows["file"])
        con.executemany("INSERT OR REPLACE INTO cve_affected_block VALUES (?,?,?,?,?,?,?,?)",
                        rows["affected"])
    con.close()
    print(f"{len(rows['cve'])} CVEs, {rows['pairs']} dyad pairs")


if __name__ == "__main__":
    main()
