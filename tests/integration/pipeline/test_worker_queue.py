#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Two `tuxtape worker` processes on one queue of 50 jobs (SQLite or PostgreSQL, the
first argument after the binary): every job runs exactly once and all of them end."""
import collections
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pipeline_env as pe  # noqa: E402

# Larger runs by hand: TT_PIPELINE_JOBS=200 TT_PIPELINE_WORKERS=4.
N_JOBS = int(os.environ.get("TT_PIPELINE_JOBS", "50"))
N_WORKERS = int(os.environ.get("TT_PIPELINE_WORKERS", "2"))
KERNELS = ["6.1.0-%d-amd64" % i for i in range(N_JOBS)]


def queue_jobs(e):
    patch = os.path.join(e.root, "fix.patch")
    with open(patch, "w") as f:
        f.write("--- a/fs/a.c\n+++ b/fs/a.c\n")
    e.run("patch", "revise", pe.CVE, "--file", patch, "--author", "Ann", "-m", "first")
    args = [a for k in KERNELS for a in ("--kernel", k)]
    jobs = e.json("patch", "queue", pe.CVE, *args, "--json")["jobs"]
    assert len(jobs) == N_JOBS and len(set(jobs)) == N_JOBS, jobs
    return jobs


def run_workers(e, record):
    fake = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fake_step.py")
    step = "%s %s %%s %s {job} {module}" % (sys.executable, fake, record)
    workers = [e.popen("worker", "--until-empty", "--name", "w%d" % i, "--json",
                       "--workdir", os.path.join(e.root, "work%d" % i),
                       "--build-cmd", step % "build", "--test-cmd", step % "test")
               for i in range(N_WORKERS)]
    totals = []
    for w in workers:
        out, err = w.communicate(timeout=600)
        assert w.returncode == 0, (w.returncode, err)
        totals.append(pe.json.loads(out))
    return totals


def check_records(record, jobs):
    runs = collections.Counter()
    with open(record) as f:
        for line in f:
            step, job, _pid = line.split()
            runs[(step, int(job))] += 1
    twice = [k for k, n in runs.items() if n != 1]
    assert not twice, "ran more than once: %s" % twice
    built = {j for (s, j) in runs if s == "build"}
    tested = {j for (s, j) in runs if s == "test"}
    assert built == set(jobs), set(jobs) ^ built
    assert tested == {j for j in jobs if j % 10 != 0}, tested


def check_states(e, jobs):
    listed = {j["id"]: j for j in e.json("patch", "jobs", "--json")}
    for j in jobs:
        want = "failed" if j % 10 in (0, 5) else "passed"
        got = listed[j]
        assert got["state"] == want, got
        assert got["attempts"] == 1, got
        if want == "passed":
            assert got["module"] and os.path.exists(got["module"]), got
            assert len(got["module_sha256"]) == 64, got
        else:
            assert "status" in got["error"], got
    log = e.json("patch", "job", str(jobs[9]), "--json")
    assert "fails to build" in log["build_log"], log


def main():
    backend = sys.argv[2] if len(sys.argv) > 2 else "sqlite"
    e = pe.Env(sys.argv[1], backend)
    try:
        e.setup_cves()
        jobs = queue_jobs(e)
        record = os.path.join(e.root, "runs.txt")
        totals = run_workers(e, record)
        check_records(record, jobs)
        check_states(e, jobs)
        claimed = [t["claimed"] for t in totals]
        assert sum(claimed) == N_JOBS, totals
        print("%s: %d jobs, each run once; workers claimed %s" % (backend, N_JOBS, claimed))
    finally:
        e.close()


if __name__ == "__main__":
    main()
