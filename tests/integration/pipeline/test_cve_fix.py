#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`tuxtape cve fix` against a stable tree made here, then the deployable patch's
history and the approval policy, end to end on SQLite."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pipeline_env as pe  # noqa: E402


def check_fix(e):
    fix = e.json("cve", "fix", pe.CVE, "--linux-git", e.linux, "--branch", "6.1", "--json",
                 "--print")
    assert fix["commit"] == e.stable, fix
    assert fix["branch"] == "6.1" and fix["author"] == "Ann Author <ann@example.org>", fix
    assert fix["authored_at"] == "2024-02-20T10:00:00Z", fix
    text = fix["text"]
    assert text.startswith("From %s " % e.stable), text[:80]
    assert "Subject: [PATCH] fs: fix a thing" in text, text
    assert "Upstream commit" in text and "+\tif (x < 0)" in text and "diff --git a/fs/a.c" in text
    # The same diff as git format-patch writes (only the version signature differs).
    git_mail = pe.git(e.linux, "format-patch", "-1", "--stdout", e.stable)
    ours = text[text.index("diff --git"):text.rindex("\n--\n")]
    theirs = git_mail[git_mail.index("diff --git"):git_mail.rindex("\n-- \n")]
    assert ours == theirs, (ours, theirs)
    assert text[:text.index("\n---\n")] == git_mail[:git_mail.index("\n---\n")]
    main = e.json("cve", "fix", pe.CVE, "--linux-git", e.linux, "--json")
    assert main["commit"] == e.mainline and main["branch"] == "mainline", main
    print("cve fix: 6.1 and mainline fixes stored")


def check_fix_errors(e):
    p = e.run("cve", "fix", "CVE-2024-4242", "--linux-git", e.linux, expect=1)
    assert "not in the store" in p.stderr, p.stderr
    p = e.run("cve", "fix", pe.CVE, "--linux-git", e.linux, "--branch", "5.15", expect=1)
    assert "no fix on the 5.15 branch" in p.stderr and "6.1" in p.stderr, p.stderr
    p = e.run("cve", "fix", pe.CVE, "--linux-git", e.linux, "--branch", "5.10", expect=1)
    assert "not fixed on the 5.10 branch" in p.stderr, p.stderr
    p = e.run("cve", "fix", "CVE-2024-1001", "--linux-git", e.linux, "--branch", "6.1", expect=1)
    assert "is not in" in p.stderr and "fetch" in p.stderr, p.stderr
    p = e.run("cve", "fix", pe.CVE, "--linux-git", e.root, expect=1)
    assert "not a git repository" in p.stderr, p.stderr
    e.run("cve", "fix", pe.CVE, expect=2)
    print("cve fix: errors name the cause")


def check_history(e):
    raw = e.json("cve", "fix", pe.CVE, "--linux-git", e.linux, "--branch", "6.1", "--json",
                 "--print")["text"]
    p1 = os.path.join(e.root, "p1.patch")
    with open(p1, "w") as f:
        f.write(raw)
    r1 = e.json("patch", "revise", pe.CVE, "--file", p1, "--author", "Ann Author",
                "-m", "the stable fix as it is", "--json")
    with open(p1, "a") as f:
        f.write("# livepatch: no change to the data layout\n")
    r2 = e.json("patch", "revise", pe.CVE, "--file", p1, "--author", "Bob Builder",
                "-m", "note the data layout", "--json")
    assert (r1["rev"], r2["rev"]) == (1, 2) and r1["sha256"] != r2["sha256"], (r1, r2)
    h = e.json("patch", "history", pe.CVE, "--json")
    revs = [(r["rev"], r["author"], r["message"]) for r in h["revisions"]]
    assert revs == [(1, "Ann Author", "the stable fix as it is"),
                    (2, "Bob Builder", "note the data layout")], revs
    assert h["raw"]["commit"] == e.stable, h
    assert e.run("patch", "history", pe.CVE, "--rev", "1").stdout == raw
    e.run("patch", "revise", "CVE-2024-4242", "--file", p1, "--author", "A", "-m", "x", expect=1)
    print("patch revise/history: two revisions with authors and messages")


def check_approval(e):
    fake = os.path.join(e.root, "fake.sh")
    with open(fake, "w") as f:
        f.write("#!/bin/sh\nset -e\n[ \"$1\" = build ] && echo module > \"$2\"\necho \"$1 ok\"\n")
    os.chmod(fake, 0o755)
    jobs = e.json("patch", "queue", pe.CVE, "--kernel", "6.1.0-47-amd64", "--json")["jobs"]
    e.run("worker", "--until-empty", "--workdir", os.path.join(e.root, "work"),
          "--build-cmd", fake + " build {module}", "--test-cmd", fake + " test {module}", "-q")
    job = e.json("patch", "job", str(jobs[0]), "--json")
    assert job["state"] == "passed" and job["author"] == "Bob Builder", job
    assert job["build_log"] == "build ok\n" and job["test_log"] == "test ok\n", job
    p = e.run("patch", "approve", str(jobs[0]), "--reviewer", " bob builder ", expect=1)
    assert "cannot also approve" in p.stderr, p.stderr
    archive = os.path.join(e.root, "archive")
    e.run("archive", "init", archive)
    a = e.json("patch", "approve", str(jobs[0]), "--reviewer", "Carol Checker", "--archive",
               archive, "--json")
    assert a["archived"] is True, a
    assert os.path.exists(os.path.join(archive, "targets")), os.listdir(archive)
    job = e.json("patch", "job", str(jobs[0]), "--json")
    assert job["approved_by"] == "Carol Checker" and job["approved_at"], job
    p = e.run("patch", "approve", str(jobs[0]), "--reviewer", "Dan", expect=1)
    assert "already approved" in p.stderr, p.stderr
    print("patch approve: author refused, second person approved and archived")


def main():
    e = pe.Env(sys.argv[1], "sqlite")
    try:
        e.setup_cves()
        check_fix(e)
        check_fix_errors(e)
        check_history(e)
        check_approval(e)
    finally:
        e.close()


if __name__ == "__main__":
    main()
