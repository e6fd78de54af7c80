#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""End-to-end: `tuxtape serve` on a free loopback port, on SQLite or PostgreSQL.

usage: test_server.py TUXTAPE --backend sqlite|postgresql

Checks enrollment (one-time tokens), a host speaking for another, operator
roles, malformed and oversize bodies (4xx, nothing changed), concurrent
heartbeats (none lost), rollout (tiers by label and by machine-id hash,
promotion, automatic stop), the archive's static files (no way out of the
directory), the refusal of plain HTTP off loopback, and TLS with a
self-signed certificate. PostgreSQL needs TT_TEST_PG_URL (tests/pg-server.sh,
as make check runs it); without it the run is skipped (exit 77).
"""
import hashlib
import http.client
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time

SKIP = 77
failures = []
passes = []
started = []  # every server process, killed at the end whatever happens


def check(cond, what):
    print(("ok      " if cond else "FAILED  ") + what, flush=True)
    (passes if cond else failures).append(what)


def machine_id(n):
    return hashlib.sha256(b"machine %d" % n).hexdigest()[:32]


def bucket(mid):
    return int.from_bytes(hashlib.sha256(mid.encode()).digest()[:4], "big") % 100


class Store:
    """A fresh store: a SQLite file, or a PostgreSQL schema of its own."""

    def __init__(self, backend, tmp):
        self.backend = backend
        self.schema = None
        if backend == "sqlite":
            self.location = os.path.join(tmp, "fleet.db")
            return
        url = os.environ.get("TT_TEST_PG_URL")
        self.schema = "tt_server_test_%d" % os.getpid()
        self.psql(url, "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s" % (self.schema, self.schema))
        sep = "&" if "?" in url else "?"
        self.location = "%s%soptions=-csearch_path%%3D%s" % (url, sep, self.schema)

    @staticmethod
    def psql(url, sql):
        subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", sql], check=True,
                       capture_output=True)

    def drop(self):
        if self.schema:
            self.psql(os.environ["TT_TEST_PG_URL"], "DROP SCHEMA %s CASCADE" % self.schema)


class Server:
    """tuxtape serve in the background; port 0 lets the kernel pick a free one."""

    def __init__(self, exe, store, *extra, tls=None):
        self.exe, self.store, self.tls = exe, store, tls
        args = [exe, "--db", store.location, "serve", "--listen", "127.0.0.1", "--port", "0",
                "--threads", "2", "--stop-threshold", "3", *extra]
        args += ["--tls-cert", tls[0], "--tls-key", tls[1]] if tls else ["--insecure-http"]
        self.proc = subprocess.Popen(args, stderr=subprocess.PIPE, text=True)
        started.append(self.proc)
        line = self.proc.stderr.readline()
        if "listening on" not in line:
            self.proc.kill()
            raise SystemExit("tuxtape serve did not start: " + line + self.proc.stderr.read())
        self.port = int(line.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])

    def connection(self, timeout=30):
        if self.tls:
            ctx = ssl.create_default_context(cafile=self.tls[0])
            return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout,
                                               context=ctx)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, token=None, raw=None, headers=None, conn=None):
        """(status, JSON answer or None, content type). body: an object sent as JSON."""
        c = conn or self.connection()
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        if data is not None and "Content-Type" not in h:
            h["Content-Type"] = "application/json"
        c.request(method, path, body=data, headers=h)
        res = c.getresponse()
        payload = res.read()
        if not conn:
            c.close()
        ctype = res.getheader("Content-Type") or ""
        value = json.loads(payload) if ctype.startswith("application/json") and payload else payload
        return res.status, value, ctype

    def api(self, method, path, body=None, token=None, **kw):
        status, value, _ = self.request(method, "/api/v1/" + path, body, token, **kw)
        return status, value

    def cli(self, *args):
        p = subprocess.run([self.exe, "--db", self.store.location, "-q", *args],
                           capture_output=True, text=True)
        if p.returncode != 0:
            raise SystemExit("tuxtape %s: %s" % (" ".join(args), p.stderr))
        return p.stdout.strip()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        check(self.proc.returncode == 0, "tuxtape serve stops cleanly on SIGTERM")


class Fleet:
    """The operator tokens and hosts a scenario builds on."""

    def __init__(self, srv, admin="admin"):
        self.srv = srv
        self.admin = srv.cli("server", "token", "create", "--role", "admin", "--name", admin)
        self.hosts = {}

    def operator(self, name, role):
        status, out = self.srv.api("POST", "operator-tokens", {"name": name, "role": role},
                                   self.admin)
        assert status == 201, (status, out)
        return out["token"]

    def enroll_token(self, **body):
        status, out = self.srv.api("POST", "enrollment-tokens", body, self.admin)
        assert status == 201, (status, out)
        return out["token"]

    def enroll(self, n, labels=None, kernel="6.1.0-47-amd64"):
        mid = machine_id(n)
        status, out = self.srv.api("POST", "enroll", {
            "enrollment_token": self.enroll_token(), "machine_id": mid, "hostname": "host-%d" % n,
            "labels": labels or {}, "kernel_release": kernel})
        assert status == 201, (status, out)
        self.hosts[n] = (mid, out["secret"], out["host_id"])
        return self.hosts[n]

    def heartbeat(self, n, patches=(), kernel="6.1.0-47-amd64", conn=None):
        mid, secret, _ = self.hosts[n]
        return self.srv.api("POST", "heartbeat", {
            "machine_id": mid, "kernel_release": kernel, "kernel_build_id": "",
            "agent_version": "0.1.0", "uptime": 100, "boot_id": "b",
            "patches": [{"name": p, "target": "", "sha256": "", "state": "enabled",
                         "transition": False} for p in patches]}, secret, conn=conn)

    def audit_count(self):
        status, out = self.srv.api("GET", "audit", token=self.admin)
        return len(out["audit"])

    def host(self, n):
        return self.srv.api("GET", "hosts/" + self.hosts[n][2], token=self.admin)[1]


def scenario_enrollment(srv, fleet):
    token = fleet.enroll_token(labels={"dc": "fra"})
    body = {"enrollment_token": token, "machine_id": machine_id(1), "hostname": "web-1",
            "labels": {"role": "web", "dc": "ams"}, "kernel_release": "6.1.0-47-amd64"}
    status, out = srv.api("POST", "enroll", body)
    check(status == 201 and out["secret"].startswith("tth_" + out["host_id"] + "_"),
          "enrollment with a fresh token: 201 and a host secret")
    fleet.hosts[1] = (machine_id(1), out["secret"], out["host_id"])
    status, out = srv.api("POST", "enroll", dict(body, machine_id=machine_id(2)))
    check(status == 409 and out["error"]["code"] == "conflict",
          "an enrollment token used once is refused the second time (409)")
    check(fleet.host(1)["labels"] == {"role": "web", "dc": "fra"},
          "the labels of the enrollment token override the host's own")
    bad = token[:-1] + ("0" if token[-1] != "0" else "1")
    status, _ = srv.api("POST", "enroll", dict(body, enrollment_token=bad))
    check(status == 401, "an enrollment token with a wrong secret is refused (401)")
    short = fleet.enroll_token(expires_in=1)
    time.sleep(2.1)
    status, out = srv.api("POST", "enroll", dict(body, enrollment_token=short,
                                                 machine_id=machine_id(3)))
    check(status == 401 and "expired" in out["error"]["message"],
          "an expired enrollment token is refused (401)")
    # A reinstalled machine: same machine id, fresh token -> same host id, new secret.
    old_secret = fleet.hosts[1][1]
    status, out = srv.api("POST", "enroll", dict(body, enrollment_token=fleet.enroll_token()))
    check(status == 201 and out["host_id"] == fleet.hosts[1][2] and out["secret"] != old_secret,
          "re-enrolling a machine keeps its host id and replaces its secret")
    fleet.hosts[1] = (machine_id(1), out["secret"], out["host_id"])
    status, _ = srv.api("POST", "heartbeat", {"machine_id": machine_id(1),
                                              "kernel_release": "6.1.0-47-amd64"}, old_secret)
    check(status == 401, "the replaced secret no longer authenticates (401)")


def scenario_impersonation(srv, fleet):
    fleet.enroll(10)
    fleet.enroll(11)
    mid10, secret10, _ = fleet.hosts[10]
    mid11, secret11, id11 = fleet.hosts[11]
    before = fleet.audit_count()
    status, out = srv.api("POST", "heartbeat", {"machine_id": mid10,
                                                "kernel_release": "6.1.0-47-amd64"}, secret11)
    check(status == 403 and out["error"]["code"] == "forbidden",
          "a host heartbeating as another machine is refused (403)")
    status, _ = srv.api("POST", "report", {"machine_id": mid10, "kind": "oops"}, secret11)
    check(status == 403, "a host reporting as another machine is refused (403)")
    status, _ = srv.api("POST", "heartbeat", {"machine_id": mid11, "kernel_release": "6.1"},
                        fleet.admin)
    check(status == 401, "an operator token is not a host secret (401)")
    status, _ = srv.api("POST", "heartbeat", {"machine_id": mid11, "kernel_release": "6.1"})
    check(status == 401, "a heartbeat without credentials is refused (401)")
    forged = "tth_%s_%s" % (id11, "0" * 64)
    status, _ = srv.api("POST", "heartbeat", {"machine_id": mid11, "kernel_release": "6.1"},
                        forged)
    check(status == 401, "a host id with a wrong secret is refused (401)")
    check(fleet.audit_count() == before and fleet.host(10)["heartbeats"] == 0,
          "refused host requests changed nothing (audit, heartbeat counts)")


def scenario_roles(srv, fleet):
    viewer = fleet.operator("vera", "viewer")
    reviewer = fleet.operator("rick", "reviewer")
    release = {"patch": "tt_role_test", "target": "k/tt_role_test.ko", "sha256": "a" * 64,
               "kernel_release": "6.1.0-47-amd64"}
    status, _ = srv.api("GET", "hosts", token=viewer)
    check(status == 200, "a viewer lists hosts")
    status, out = srv.api("POST", "releases", release, viewer)
    check(status == 403 and out["error"]["code"] == "forbidden",
          "a viewer may not create a release (403)")
    status, _ = srv.api("GET", "audit", token=reviewer)
    check(status == 403, "a reviewer may not read the audit log (403)")
    status, _ = srv.api("POST", "enrollment-tokens", {}, reviewer)
    check(status == 403, "a reviewer may not issue enrollment tokens (403)")
    status, _ = srv.api("PUT", "tiers", {"tiers": [{"name": "all"}]}, reviewer)
    check(status == 403, "a reviewer may not change the tiers (403)")
    status, _ = srv.api("POST", "operator-tokens", {"name": "eve", "role": "admin"}, reviewer)
    check(status == 403, "a reviewer may not create operator tokens (403)")
    status, _ = srv.api("GET", "hosts")
    check(status == 401, "no token: 401")
    status, _ = srv.api("GET", "hosts", token="tto_0000000000000000_" + "0" * 64)
    check(status == 401, "an unknown operator token: 401")
    status, out = srv.api("POST", "operator-tokens", {"name": "vera", "role": "admin"},
                          fleet.admin)
    check(status == 409, "an operator name in use is refused (409)")
    status, out = srv.api("POST", "releases", release, reviewer)
    check(status == 201, "a reviewer creates a release")
    victim = fleet.operator("gone", "viewer")
    vid = victim.split("_")[1]
    status, _ = srv.api("DELETE", "operator-tokens/" + vid, token=fleet.admin)
    check(status == 200, "an admin revokes an operator token")
    status, _ = srv.api("GET", "hosts", token=victim)
    check(status == 401, "a revoked operator token is refused (401)")
    status, out = srv.api("GET", "audit", token=fleet.admin)
    actions = [(e["actor"], e["action"]) for e in out["audit"]]
    check(("operator:rick", "release.create") in actions and
          ("operator:admin", "operator_token.revoke") in actions,
          "the audit log names who did what")


def scenario_malformed(srv, fleet):
    fleet.enroll(20)
    mid, secret, _ = fleet.hosts[20]
    etoken = fleet.enroll_token()
    before_audit, before_host = fleet.audit_count(), fleet.host(20)
    cases = [
        ("heartbeat", b"{not json", secret, 400),
        ("heartbeat", b"[1, 2]", secret, 400),
        ("heartbeat", b"", secret, 400),
        ("heartbeat", json.dumps({"machine_id": mid}).encode(), secret, 400),
        ("heartbeat", json.dumps({"machine_id": mid, "kernel_release": "6.1",
                                  "patches": [{"name": "x", "state": "bogus"}]}).encode(),
         secret, 400),
        ("heartbeat", b'{"machine_id": "%s", "machine_id": "%s", "kernel_release": "6.1"}'
         % (mid.encode(), mid.encode()), secret, 400),
        ("report", json.dumps({"machine_id": mid, "kind": "nonsense"}).encode(), secret, 400),
        ("enroll", json.dumps({"enrollment_token": etoken, "machine_id": "XYZ"}).encode(),
         None, 400),
        ("enroll", b"\xff\xfe garbage", None, 400),
    ]
    for path, raw, token, want in cases:
        status, out = srv.api("POST", path, token=token, raw=raw)
        check(status == want and out["error"]["code"] == "bad_request",
              "malformed %s body %r: %d" % (path, raw[:40], want))
    big = json.dumps({"machine_id": mid, "kernel_release": "6.1",
                      "pad": "x" * (70 * 1024)}).encode()
    status, out = srv.api("POST", "heartbeat", token=secret, raw=big)
    check(status == 413 and out["error"]["code"] == "too_large",
          "a 70 KiB heartbeat body is refused (413)")
    status, out = srv.api("POST", "enroll", raw=big)
    check(status == 413, "a 70 KiB enrollment body is refused (413)")
    # The same without Content-Length: chunked, so the limit is found while reading.
    c = srv.connection()
    c.putrequest("POST", "/api/v1/heartbeat")
    c.putheader("Authorization", "Bearer " + secret)
    c.putheader("Transfer-Encoding", "chunked")
    c.endheaders()
    for i in range(0, len(big), 8192):
        chunk = big[i:i + 8192]
        c.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    c.send(b"0\r\n\r\n")
    res = c.getresponse()
    res.read()
    c.close()
    check(res.status == 413, "a chunked 70 KiB body is refused (413)")
    check(fleet.audit_count() == before_audit, "malformed and oversize bodies left no audit entry")
    after = fleet.host(20)
    check(after["heartbeats"] == before_host["heartbeats"] and after["patches"] == [],
          "malformed and oversize bodies changed no host")
    status, out = srv.api("POST", "enroll", {"enrollment_token": etoken, "machine_id": machine_id(21)})
    check(status == 201, "the enrollment token of a malformed enrollment is still unused")
    status, _ = srv.api("GET", "nothing-here", token=fleet.admin)
    check(status == 404, "an unknown API path: 404")
    status, _ = srv.api("DELETE", "heartbeat", token=fleet.admin)
    check(status == 405, "a known path with the wrong method: 405")


def scenario_concurrent(srv, fleet):
    hosts = list(range(100, 116))
    for n in hosts:
        fleet.enroll(n)
    threads_n, per_thread = 8, 40
    errors = []

    def worker(t):
        conn = srv.connection()
        for i in range(per_thread):
            n = hosts[(t * per_thread + i) % len(hosts)]
            try:
                status, _ = fleet.heartbeat(n, patches=["p%d" % (i % 3)], conn=conn)
            except Exception as e:  # a dropped connection is a loss too
                errors.append(repr(e))
                conn = srv.connection()
                continue
            if status != 200:
                errors.append(status)
        conn.close()

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = sum(fleet.host(n)["heartbeats"] for n in hosts)
    check(not errors, "%d concurrent heartbeats all answered 200 (%s)" % (
        threads_n * per_thread, errors[:3]))
    check(total == threads_n * per_thread,
          "no heartbeat lost: %d counted of %d sent" % (total, threads_n * per_thread))
    expected = {}
    for t in range(threads_n):
        for i in range(per_thread):
            n = hosts[(t * per_thread + i) % len(hosts)]
            expected[n] = expected.get(n, 0) + 1
    check(all(fleet.host(n)["heartbeats"] == expected[n] for n in hosts),
          "each host counted exactly its own heartbeats")


def scenario_rollout(srv, fleet):
    reviewer = fleet.operator("rita", "reviewer")
    viewer = fleet.operator("vic", "viewer")
    tiers = [{"name": "canary", "labels": {"ring": "canary"}},
             {"name": "early", "percent": 50}, {"name": "stable"}]
    status, _ = srv.api("PUT", "tiers", {"tiers": tiers}, fleet.admin)
    check(status == 200, "an admin sets the tiers")
    status, out = srv.api("PUT", "tiers", {"tiers": [{"name": "x", "percent": 200}]}, fleet.admin)
    check(status == 400, "invalid tiers are refused (400)")
    fleet.enroll(200, labels={"ring": "canary"}, kernel="6.1.0-99-amd64")
    for n in range(201, 221):
        fleet.enroll(n, kernel="6.1.0-99-amd64")
    want = {200: "canary"}
    for n in range(201, 221):
        want[n] = "early" if bucket(machine_id(n)) < 50 else "stable"
    got = {n: fleet.heartbeat(n, kernel="6.1.0-99-amd64")[1]["tier"] for n in want}
    check(got == want, "tiers assigned by label, then by the machine id's hash (%d early)" %
          list(want.values()).count("early"))
    early = next(n for n in want if want[n] == "early")
    stable = next(n for n in want if want[n] == "stable")
    patch = {"patch": "tt_cve_2026_4242", "target": "6.1.0-99-amd64/tt_cve_2026_4242.ko",
             "sha256": "b" * 64, "kernel_release": "6.1.0-99-amd64", "tier": "canary"}
    status, out = srv.api("POST", "releases", patch, reviewer)
    rid = out["id"]

    def desired(n, loaded=()):
        out = fleet.heartbeat(n, patches=loaded, kernel="6.1.0-99-amd64")[1]
        return [d["name"] for d in out["desired"]], out["remove"]

    check(desired(200)[0] == ["tt_cve_2026_4242"] and desired(early)[0] == [] and
          desired(stable)[0] == [], "a canary release goes to the canary host only")
    other = fleet.heartbeat(200, kernel="6.1.0-1-amd64")[1]
    check(other["desired"] == [], "a release is only for its kernel release")
    fleet.heartbeat(200, kernel="6.1.0-99-amd64")
    status, _ = srv.api("POST", "releases/%d/promote" % rid, token=viewer)
    check(status == 403, "a viewer may not promote (403)")
    status, out = srv.api("POST", "releases/%d/promote" % rid, token=reviewer)
    check(status == 200 and out["tier"] == "early", "a reviewer promotes canary -> early")
    check(desired(early)[0] == ["tt_cve_2026_4242"] and desired(stable)[0] == [] and
          desired(200)[0] == ["tt_cve_2026_4242"], "after promotion: canary and early hosts")
    status, out = srv.api("POST", "releases/%d/promote" % rid, token=reviewer)
    check(status == 200 and out["tier"] == "stable" and
          desired(stable)[0] == ["tt_cve_2026_4242"], "promoted to stable: every host")
    status, _ = srv.api("POST", "releases/%d/promote" % rid, token=reviewer)
    check(status == 409, "promoting past the last tier: 409")
    status, _ = srv.api("POST", "releases/9999/promote", token=reviewer)
    check(status == 404, "promoting an unknown release: 404")
    # Automatic stop: info reports do not count, the third error report stops the release.
    mid, secret, _ = fleet.hosts[early]
    report = {"machine_id": mid, "patch": "tt_cve_2026_4242", "message": "m",
              "excerpt": "[  12.3] livepatch: failed", "time": "2026-12-03T19:00:00Z"}
    srv.api("POST", "report", dict(report, kind="info"), secret)
    for kind in ("load_failure", "oops"):
        status, _ = srv.api("POST", "report", dict(report, kind=kind), secret)
    rel = [r for r in srv.api("GET", "releases", token=viewer)[1]["releases"] if r["id"] == rid][0]
    check(status == 201 and rel["state"] == "active" and rel["errors"] == 2,
          "two error reports (and an info) do not stop the release")
    srv.api("POST", "report", dict(report, kind="kernel_warning"), secret)
    rel = [r for r in srv.api("GET", "releases", token=viewer)[1]["releases"] if r["id"] == rid][0]
    check(rel["state"] == "stopped" and "threshold" in (rel["stop_reason"] or ""),
          "the third error report stops the release automatically")
    want_gone, remove = desired(stable, loaded=["tt_cve_2026_4242", "unrelated"])
    check(want_gone == [] and remove == ["tt_cve_2026_4242"],
          "a stopped release is no longer desired, and hosts that load it are told to remove it")
    audit = srv.api("GET", "audit", token=fleet.admin)[1]["audit"]
    check(any(e["actor"] == "server" and e["action"] == "release.stop" for e in audit),
          "the automatic stop is in the audit log")
    status, out = srv.api("GET", "reports?patch=tt_cve_2026_4242", token=viewer)
    check(status == 200 and len(out["reports"]) == 4 and
          out["reports"][0]["excerpt"].startswith("[  12.3]"),
          "the reports are listed with their excerpts")
    status, _ = srv.api("POST", "releases/%d/stop" % rid, token=reviewer)
    check(status == 409, "stopping a stopped release: 409")


def scenario_archive(exe, store, tmp):
    archive = os.path.join(tmp, "archive")
    os.makedirs(os.path.join(archive, "metadata"))
    os.makedirs(os.path.join(archive, "targets", "6.1"))
    with open(os.path.join(archive, "metadata", "timestamp.json"), "w") as f:
        f.write('{"signed": {}}')
    with open(os.path.join(archive, "targets", "6.1", "fix.ko"), "wb") as f:
        f.write(b"\x7fELF module")
    with open(os.path.join(tmp, "secret.txt"), "w") as f:
        f.write("outside")
    srv = Server(exe, store, "--archive", archive)
    status, body, ctype = srv.request("GET", "/archive/metadata/timestamp.json")
    check(status == 200 and ctype == "application/json" and body == {"signed": {}},
          "archive metadata served as application/json")
    status, body, ctype = srv.request("GET", "/archive/targets/6.1/fix.ko")
    check(status == 200 and ctype == "application/octet-stream" and body == b"\x7fELF module",
          "a module served as application/octet-stream")
    for path in ("/archive/../secret.txt", "/archive/%2e%2e/secret.txt",
                 "/archive/targets/../../secret.txt", "/archive/targets/%2E%2E/%2e%2e/secret.txt",
                 "/archive/", "/archive/targets", "/archive/.hidden", "/archive//etc/passwd",
                 "/archive/targets/6.1/fix.ko/"):
        status, _, _ = srv.request("GET", path)
        check(status == 404, "no file outside the archive or of another kind: %s -> 404" % path)
    status, _, _ = srv.request("PUT", "/archive/metadata/timestamp.json", raw=b"x")
    check(status == 405, "the archive is read-only (405)")
    fleet = Fleet(srv, admin="archive-admin")
    fleet.enroll(300)
    out = fleet.heartbeat(300)[1]
    check(out["archive_url"] == "http://127.0.0.1:%d/archive/" % srv.port,
          "the heartbeat answer points at the archive")
    srv.stop()


def scenario_refusals(exe, store):
    p = subprocess.run([exe, "--db", store.location, "serve", "--insecure-http", "--listen",
                        "0.0.0.0", "--port", "0"], capture_output=True, text=True, timeout=30)
    check(p.returncode == 1 and "loopback" in p.stderr,
          "plain HTTP on a non-loopback address is refused, saying why")
    p = subprocess.run([exe, "--db", store.location, "serve", "--port", "0"],
                       capture_output=True, text=True, timeout=30)
    check(p.returncode == 1 and "--tls-cert" in p.stderr, "no TLS and no --insecure-http: refused")


def scenario_tls(exe, store, tmp):
    if not shutil.which("openssl"):
        check(False, "openssl is needed to make the test certificate")
        return
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key,
                    "-out", cert], check=True, capture_output=True)
    srv = Server(exe, store, tls=(cert, key))
    fleet = Fleet(srv, admin="tls-admin")
    fleet.enroll(400)
    status, out = fleet.heartbeat(400)
    check(status == 200 and out["tier"], "enrollment and heartbeat over TLS (certificate verified)")
    plain = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    try:
        plain.request("GET", "/api/v1/hosts")
        plain_status = plain.getresponse().status
    except Exception:
        plain_status = None
    check(plain_status is None or plain_status >= 400, "plain HTTP to the TLS port gets no answer")
    srv.stop()


def main():
    if len(sys.argv) != 4 or sys.argv[2] != "--backend":
        raise SystemExit(__doc__)
    exe, backend = sys.argv[1], sys.argv[3]
    if backend == "postgresql" and not os.environ.get("TT_TEST_PG_URL"):
        print("SKIP: no PostgreSQL server: %s" % (os.environ.get("TT_TEST_PG_SKIP") or
              "TT_TEST_PG_URL is not set (run through tests/pg-server.sh, as make check does)"))
        return SKIP
    tmp = tempfile.mkdtemp(prefix="tt-server-test-")
    store = Store(backend, tmp)
    try:
        srv = Server(exe, store)
        fleet = Fleet(srv)
        for scenario in (scenario_enrollment, scenario_impersonation, scenario_roles,
                         scenario_malformed, scenario_concurrent, scenario_rollout):
            print("--", scenario.__name__[len("scenario_"):], flush=True)
            scenario(srv, fleet)
        srv.stop()
        print("-- archive, refusals, TLS", flush=True)
        scenario_archive(exe, store, tmp)
        scenario_refusals(exe, store)
        scenario_tls(exe, store, tmp)
    finally:
        for proc in started:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        store.drop()
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (len(passes), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
