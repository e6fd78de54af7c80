#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The queue through `tuxtape serve` (SQLite or PostgreSQL, the argument after the binary):
two `tuxtape worker --server` processes with fake build and test steps share a queue; no
job runs twice, every built module arrives with its hash; the revision's author may not
approve, another reviewer may, which signs the module into the archive and releases it
to the first tier; stopping the release pulls it from the archive's metadata."""
import collections
import hashlib
import http.client
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pipeline_env as pe  # noqa: E402

# Larger runs by hand: TT_PIPELINE_JOBS=200 TT_PIPELINE_WORKERS=4.
N_JOBS = int(os.environ.get("TT_PIPELINE_JOBS", "20"))
N_WORKERS = int(os.environ.get("TT_PIPELINE_WORKERS", "2"))
KERNELS = ["6.1.0-%d-amd64" % i for i in range(N_JOBS)]
# Every third module is padded past one upload piece (60 KiB), so uploads come in parts.
PAD = 150 * 1024
STEP = """import subprocess, sys
step, record, job, module = sys.argv[1:5]
r = subprocess.run([sys.executable, %r, *sys.argv[1:5]]).returncode
if r == 0 and step == "build" and int(job) %% 3 == 0:
    with open(module, "ab") as f:
        f.write(bytes(i %% 251 for i in range(%d)))
sys.exit(r)
"""
failures = []


def check(cond, what):
    print(("ok      " if cond else "FAILED  ") + what, flush=True)
    if not cond:
        failures.append(what)


class Server:
    """tuxtape serve on a free loopback port, plain HTTP."""

    def __init__(self, e, archive, artifacts):
        args = [e.tuxtape, "--db", e.db, "serve", "--insecure-http", "--port", "0",
                "--threads", "2", "--archive-repo", archive,
                "--artifacts", artifacts]
        self.proc = subprocess.Popen(args, env=e.env, stderr=subprocess.PIPE, text=True)
        line = self.proc.stderr.readline()
        if "listening on" not in line:
            self.proc.kill()
            raise SystemExit("tuxtape serve did not start: " + line + self.proc.stderr.read())
        self.port = int(line.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
        self.url = "http://127.0.0.1:%d" % self.port

    def api(self, method, path, body=None, token=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        h = {"Content-Type": "application/json"}
        if token:
            h["Authorization"] = "Bearer " + token
        c.request(method, "/api/v1/" + path,
                  body=json.dumps(body).encode() if body is not None else None, headers=h)
        res = c.getresponse()
        payload = res.read()
        c.close()
        return res.status, json.loads(payload) if payload else None

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        return self.proc.returncode


def queue_jobs(e):
    patch = os.path.join(e.root, "fix.patch")
    with open(patch, "w") as f:
        f.write("--- a/fs/a.c\n+++ b/fs/a.c\n")
    e.run("patch", "revise", pe.CVE, "--file", patch, "--author", "alice", "-m", "first")
    args = [a for k in KERNELS for a in ("--kernel", k)]
    return e.json("patch", "queue", pe.CVE, *args, "--json")["jobs"]


def tokens(e, srv):
    admin = e.run("server", "token", "create", "--role", "admin", "--name", "root",
                  "-q").stdout.strip()
    made = {}
    for name, role in (("builder", "worker"), ("alice", "reviewer"), ("bob", "reviewer")):
        status, out = srv.api("POST", "operator-tokens", {"name": name, "role": role}, admin)
        check(status == 201, "an admin creates the %s token %s (%d)" % (role, name, status))
        made[name] = out["token"]
    made["root"] = admin
    return made


def module_bytes(job):
    data = b"module of job %d\n" % job
    return data + bytes(i % 251 for i in range(PAD)) if job % 3 == 0 else data


def run_workers(e, srv, token, record):
    fake = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fake_step.py")
    script = os.path.join(e.root, "step.py")
    with open(script, "w") as f:
        f.write(STEP % (fake, PAD))
    step = "%s %s %%s %s {job} {module}" % (sys.executable, script, record)
    env = dict(e.env, TUXTAPE_TOKEN=token)
    workers = [subprocess.Popen(
        [e.tuxtape, "worker", "--server", srv.url, "--until-empty", "--name", "w%d" % i,
         "--json", "--workdir", os.path.join(e.root, "work%d" % i),
         "--build-cmd", step % "build", "--test-cmd", step % "test"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i in range(N_WORKERS)]
    totals = []
    for w in workers:
        out, err = w.communicate(timeout=600)
        check(w.returncode == 0, "a worker over HTTP ends cleanly (%d) %s" %
              (w.returncode, err[-300:] if w.returncode else ""))
        totals.append(json.loads(out) if w.returncode == 0 else {})
    return totals


def check_runs(record, jobs):
    runs = collections.Counter()
    with open(record) as f:
        for line in f:
            step, job, _pid = line.split()
            runs[(step, int(job))] += 1
    check(all(n == 1 for n in runs.values()), "no job's build or test ran twice")
    check({j for (s, j) in runs if s == "build"} == set(jobs), "every job was built")
    check({j for (s, j) in runs if s == "test"} == {j for j in jobs if j % 10 != 0},
          "every built job was boot-tested")


def check_jobs(srv, tok, jobs, artifacts):
    status, out = srv.api("GET", "jobs", token=tok["bob"])
    check(status == 200 and len(out["jobs"]) == len(jobs), "GET /jobs lists every job")
    by_id = {j["id"]: j for j in out["jobs"]}
    want = {j: "failed" if j % 10 in (0, 5) else "passed" for j in jobs}
    check(all(by_id[j]["state"] == want[j] for j in jobs), "each job ends as its steps said")
    check(all(by_id[j]["attempts"] == 1 for j in jobs), "each job was claimed once")
    good = True
    for j in jobs:
        if j % 10 == 0:
            continue
        sha = hashlib.sha256(module_bytes(j)).hexdigest()
        path = [p for p in os.listdir(artifacts) if p.startswith("job-%d-" % j)
                and p.endswith(".ko")]
        on_disk = (hashlib.sha256(open(os.path.join(artifacts, path[0]), "rb").read())
                   .hexdigest() if len(path) == 1 else None)
        good = good and by_id[j]["module_sha256"] == sha and on_disk == sha
    check(good, "every built module (some in several pieces) is on the server with its hash")
    status, one = srv.api("GET", "jobs/%d" % jobs[1], token=tok["bob"])
    check(status == 200 and "fake build: ok" in (one["build_log"] or ""),
          "a job's build log reached the server")
    return [j for j in jobs if want[j] == "passed"]


def check_refusals(srv, tok, job):
    status, _ = srv.api("POST", "jobs/claim", {"worker": "x"}, tok["bob"])
    check(status == 403, "a reviewer's token cannot claim jobs (%d)" % status)
    status, _ = srv.api("POST", "jobs/%d/approve" % job, None, tok["builder"])
    check(status == 403, "a worker's token cannot approve (%d)" % status)
    status, _ = srv.api("GET", "hosts", token=tok["builder"])
    check(status == 403, "a worker's token cannot read what a viewer may (%d)" % status)
    status, out = srv.api("POST", "jobs/%d/approve" % job, None, tok["alice"])
    check(status == 403, "the revision's author may not approve it (%d %s)" % (status, out))
    status, _ = srv.api("POST", "jobs/%d/result" % job,
                        {"attempt": 1, "worker": "w0", "state": "passed"}, tok["builder"])
    check(status == 409, "a result for a job no longer claimed is a conflict (%d)" % status)


def put(srv, path, data, token):
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
    c.request("PUT", "/api/v1/" + path, body=data, headers={"Authorization": "Bearer " + token})
    res = c.getresponse()
    out = json.loads(res.read())
    c.close()
    return res.status, out


def check_uploads(e, srv, tok):
    """A claim by hand: uploads by others, out of order or with the wrong hash are refused."""
    job = e.json("patch", "queue", pe.CVE, "--kernel", "6.1.0-99-amd64", "--json")["jobs"][0]
    status, out = srv.api("POST", "jobs/claim", {"worker": "hand"}, tok["builder"])
    check(status == 200 and out["job"]["id"] == job and out["job"]["worker"] == "builder/hand"
          and "fs/a.c" in out["job"]["patch_text"], "a claim names the job, its claim and patch")
    attempt = out["job"]["attempt"] if status == 200 else 1
    path = "jobs/%d/artifact?attempt=%d&worker=%%s&offset=%%d" % (job, attempt)
    status, _ = put(srv, path % ("other", 0), b"x", tok["builder"])
    check(status == 409, "a worker that does not hold the claim cannot upload (%d)" % status)
    status, _ = put(srv, path % ("hand", 0), b"abc", tok["builder"])
    check(status == 200, "the holder uploads a first piece (%d)" % status)
    status, _ = put(srv, path % ("hand", 10), b"def", tok["builder"])
    check(status == 409, "a piece that skips bytes is refused (%d)" % status)
    status, out = put(srv, path % ("hand", 3), b"def", tok["builder"])
    check(status == 200 and out["received"] == 6, "the next piece goes on from the last")
    result = {"attempt": attempt, "worker": "hand", "state": "built", "log": "ok",
              "module_sha256": hashlib.sha256(b"abcdeX").hexdigest()}
    status, _ = srv.api("POST", "jobs/%d/result" % job, result, tok["builder"])
    check(status == 400, "a build whose module has another hash is refused (%d)" % status)
    result["module_sha256"] = hashlib.sha256(b"abcdef").hexdigest()
    status, out = srv.api("POST", "jobs/%d/result" % job, result, tok["builder"])
    check(status == 200 and out["state"] == "built", "with the right hash it is built (%d)" %
          status)
    result.update(state="failed", error="boot test: oops")
    status, _ = srv.api("POST", "jobs/%d/result" % job, result, tok["builder"])
    status, one = srv.api("GET", "jobs/%d" % job, token=tok["bob"])
    check(one["state"] == "failed" and one["error"] == "boot test: oops",
          "a failed boot test is recorded with its reason")


def archive_targets(e, archive):
    p = e.run("archive", "verify", archive, "--json", expect=None)
    check(p.returncode == 0, "the archive verifies (%s)" % p.stderr.strip())
    with open(os.path.join(archive, "metadata", "targets.json")) as f:
        return json.load(f)["signed"]["targets"]


def approve_and_stop(e, srv, tok, job, archive):
    status, out = srv.api("POST", "jobs/%d/approve" % job, None, tok["bob"])
    check(status == 201 and out["archived"] and out["tier"] == "canary",
          "a second reviewer approves: archived, released to canary (%d %s)" % (status, out))
    if status != 201:
        return
    targets = archive_targets(e, archive)
    check(out["target"] in targets and targets[out["target"]]["hashes"]["sha256"] ==
          out["sha256"], "the module is in the signed archive with its hash")
    status, again = srv.api("POST", "jobs/%d/approve" % job, None, tok["bob"])
    check(status == 409, "a job is approved once (%d)" % status)
    status, rels = srv.api("GET", "releases", token=tok["bob"])
    check(any(r["id"] == out["release"] and r["tier"] == "canary" for r in rels["releases"]),
          "the release is listed in the canary tier")
    status, stop = srv.api("POST", "releases/%d/stop" % out["release"], None, tok["bob"])
    check(status == 200 and stop["archive_removed"], "stopping the release (%d %s)" %
          (status, stop))
    check(out["target"] not in archive_targets(e, archive),
          "a stopped release is gone from the archive's metadata")
    status, audit = srv.api("GET", "audit?limit=1000", token=tok["root"])
    actions = collections.Counter(a["action"] for a in audit["audit"])
    check(all(actions[a] >= 1 for a in ("job.claim", "job.built", "job.passed", "job.failed",
                                        "job.approve", "archive.add", "release.create",
                                        "release.stop", "archive.remove")),
          "every change is in the audit log: %s" % dict(actions))


def main():
    tuxtape, backend = sys.argv[1], sys.argv[2]
    e = pe.Env(tuxtape, backend)
    srv = None
    try:
        e.setup_cves()
        jobs = queue_jobs(e)
        archive = os.path.join(e.root, "archive")
        artifacts = os.path.join(e.root, "artifacts")
        e.run("archive", "init", archive)
        srv = Server(e, archive, artifacts)
        tok = tokens(e, srv)
        record = os.path.join(e.root, "runs")
        totals = run_workers(e, srv, tok["builder"], record)
        print("workers: %s" % totals)
        check_runs(record, jobs)
        passed = check_jobs(srv, tok, jobs, artifacts)
        check_refusals(srv, tok, passed[0])
        check_uploads(e, srv, tok)
        approve_and_stop(e, srv, tok, passed[0], archive)
        check(srv.stop() == 0, "tuxtape serve stops cleanly")
        srv = None
    finally:
        if srv:
            srv.stop()
        e.close()
    if failures:
        print("%d checks failed" % len(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
