# SPDX-License-Identifier: GPL-2.0-or-later
"""A store for the dashboard's tests: a few CVEs synced from a vulns tree made
here, two kernel profiles, operators (an admin, two reviewers, a viewer), and a
`tuxtape serve` on a free loopback port."""
import json
import os
import re
import subprocess
import tempfile
import shutil
import sys
import time
import uuid

SKIP = 77

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Vic Vulns", "GIT_AUTHOR_EMAIL": "vic@example.org",
    "GIT_COMMITTER_NAME": "Vic Vulns", "GIT_COMMITTER_EMAIL": "vic@example.org",
    "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
}
CVE = "CVE-2024-2000"


def git(cwd, *args):
    return subprocess.run(["git", *args], cwd=cwd, env=dict(os.environ, **GIT_ENV), check=True,
                          capture_output=True, text=True).stdout.strip()


def make_linux(root):
    """A tree with a base commit and the fix of CVE (its mainline fix): (path, base, fix)."""
    d = os.path.join(root, "linux")
    os.makedirs(os.path.join(d, "fs"))
    git(d, "init", "-q", "-b", "master")
    with open(os.path.join(d, "fs", "a.c"), "w") as f:
        f.write("int a(int x)\n{\n\treturn table[x];\n}\n")
    git(d, "add", ".")
    git(d, "commit", "-q", "-m", "fs: add a()")
    base = git(d, "rev-parse", "HEAD")
    with open(os.path.join(d, "fs", "a.c"), "w") as f:
        f.write("int a(int x)\n{\n\tif (x < 0)\n\t\treturn 0;\n\treturn table[x];\n}\n")
    git(d, "commit", "-q", "-am", "fs: a(): refuse a negative index\n\nA negative x read "
        "before the table.\n\nSigned-off-by: Vic Vulns <vic@example.org>")
    return d, base, git(d, "rev-parse", "HEAD")


def record(cve, title, score):
    return {
        "dataType": "CVE_RECORD", "dataVersion": "5.1",
        "cveMetadata": {"cveId": cve, "state": "PUBLISHED",
                        "assignerOrgId": "f4215fc3-5b6b-47ff-a258-f7189bd81038"},
        "containers": {"cna": {
            "providerMetadata": {"orgId": "f4215fc3-5b6b-47ff-a258-f7189bd81038"},
            "title": title,
            "descriptions": [{"lang": "en", "value": "In the Linux kernel: " + title}],
            "metrics": [{"cvssV3_1": {"version": "3.1", "baseScore": 7.8,
                                      "vectorString": "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"}}],
            "affected": [{"product": "Linux", "vendor": "Linux", "defaultStatus": "unaffected",
                          "programFiles": ["fs/a.c"], "versions": []}]}},
    }


def make_vulns(root, n, base, fix):
    """n CVEs: the first has <script> in its title (escaping) and its mainline fix in the
    tree; the others are fixed in 6.1.78 or never."""
    d = os.path.join(root, "vulns")
    p = os.path.join(d, "cve", "published", "2024")
    os.makedirs(p)
    git(d, "init", "-q", "-b", "master")
    for i in range(n):
        cve = "CVE-2024-%d" % (2000 + i)
        title = "fs: <script>alert(1)</script> overflow %d" % i if i == 0 else "fs: bug %d" % i
        stable = "6.1.78:%s" % ("%040x" % (i + 1)) if i % 3 else "0:0"
        with open(os.path.join(p, cve + ".json"), "w") as f:
            json.dump(record(cve, title, 5.0 + (i % 5)), f)
        with open(os.path.join(p, cve + ".dyad"), "w") as f:
            f.write("6.1.43:%s:%s\n" % (base, stable))
        with open(os.path.join(p, cve + ".sha1"), "w") as f:
            f.write("%s\n" % (fix if i == 0 else "%040x" % (i + 1)))
    git(d, "add", ".")
    git(d, "commit", "-q", "-m", "CVEs")
    return d


class Server:
    """A store and `tuxtape serve` over it (plain HTTP on loopback)."""

    def __init__(self, tuxtape, n_cves=6, backend="sqlite"):
        self.tuxtape = tuxtape
        self.root = tempfile.mkdtemp(prefix="tt-dash-")
        self.schema = None
        self.db = os.path.join(self.root, "store.db")
        if backend == "postgresql":
            self.db = self.pg_schema()
        self.env = dict(os.environ, XDG_CACHE_HOME=os.path.join(self.root, "cache"),
                        XDG_DATA_HOME=os.path.join(self.root, "data"))
        linux, base, fix = make_linux(self.root)
        vulns = make_vulns(self.root, n_cves, base, fix)
        self.run("cve", "sync", "--source", vulns, "--cache", os.path.join(self.root, "vc"), "-q")
        self.run("cve", "fix", CVE, "--linux-git", linux)
        self.run("kernel", "add", "web-6.1.50", "--version", "6.1.50", "--release",
                 "6.1.0-13-amd64")
        self.run("kernel", "add", "db-6.1.90", "--version", "6.1.90", "--release",
                 "6.1.0-21-amd64")
        self.tokens = {}
        for name, role in (("root", "admin"), ("alice", "reviewer"), ("bob", "reviewer"),
                           ("vera", "viewer")):
            out = self.run("server", "token", "create", "--role", role, "--name", name).stdout
            self.tokens[name] = re.search(r"tto_\S+", out).group(0)
        self.proc = None

    def pg_schema(self):
        """A fresh schema on the test server (tests/pg-server.sh); exits 77 without one."""
        url = os.environ.get("TT_TEST_PG_URL")
        if not url or not shutil.which("psql"):
            print("SKIP: no PostgreSQL server (%s)" %
                  os.environ.get("TT_TEST_PG_SKIP", "TT_TEST_PG_URL unset; make check runs "
                                 "the tests under tests/pg-server.sh"))
            shutil.rmtree(self.root, ignore_errors=True)
            sys.exit(SKIP)
        self.schema = "tt_dash_" + uuid.uuid4().hex[:12]
        self.psql("CREATE SCHEMA %s" % self.schema)
        sep = "&" if "?" in url else "?"
        return "%s%soptions=-csearch_path%%3D%s" % (url, sep, self.schema)

    def psql(self, sql):
        subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", os.environ["TT_TEST_PG_URL"],
                        "-c", "SET client_min_messages = warning; " + sql],
                       check=True, capture_output=True)

    def close(self):
        self.stop()
        if self.schema:
            self.psql("DROP SCHEMA %s CASCADE" % self.schema)
        shutil.rmtree(self.root, ignore_errors=True)

    def run(self, *args, expect=0):
        p = subprocess.run([self.tuxtape, "--db", self.db, *args], env=self.env,
                           capture_output=True, text=True, timeout=600)
        if expect is not None and p.returncode != expect:
            raise AssertionError("tuxtape %s: exit %d\n%s%s" %
                                 (" ".join(args), p.returncode, p.stdout, p.stderr))
        return p

    def start(self):
        self.log = open(os.path.join(self.root, "serve.log"), "w+")
        self.proc = subprocess.Popen(
            [self.tuxtape, "--db", self.db, "serve", "--insecure-http", "--port", "0",
             "--threads", "2"], env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while time.time() < deadline:
            self.log.seek(0)
            m = re.search(r"127\.0\.0\.1:(\d+)|port (\d+)", self.log.read())
            if m:
                self.url = "http://127.0.0.1:%s" % (m.group(1) or m.group(2))
                return self.url
            time.sleep(0.1)
        raise AssertionError("tuxtape serve did not start")

    def stop(self):
        """Stop the server; fail when a sanitizer build reported something in its log."""
        if not self.proc:
            return
        self.proc.terminate()
        self.proc.wait(timeout=20)
        self.proc = None
        self.log.seek(0)
        text = self.log.read()
        for mark in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            if mark in text:
                raise AssertionError("tuxtape serve: %s\n%s" % (mark, text[-6000:]))
