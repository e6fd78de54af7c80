# SPDX-License-Identifier: GPL-2.0-or-later
"""Shared by the pipeline's end-to-end tests: a tiny stable tree, a tiny
vulns.git naming its commits, a store synced from it, and the queue's
backends (a SQLite file, or a fresh schema on TT_TEST_PG_URL)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid

SKIP = 77
CVE = "CVE-2024-1000"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Ann Author", "GIT_AUTHOR_EMAIL": "ann@example.org",
    "GIT_COMMITTER_NAME": "Ann Author", "GIT_COMMITTER_EMAIL": "ann@example.org",
    "GIT_AUTHOR_DATE": "2024-02-20T10:00:00Z", "GIT_COMMITTER_DATE": "2024-02-20T10:00:00Z",
    "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
}


def git(cwd, *args):
    env = dict(os.environ, **GIT_ENV)
    out = subprocess.run(["git", *args], cwd=cwd, env=env, check=True,
                         capture_output=True, text=True)
    return out.stdout.strip()


def make_linux(root):
    """A stable tree: a base commit, the 6.1 fix, and the mainline fix. Returns their ids."""
    d = os.path.join(root, "linux")
    os.makedirs(os.path.join(d, "fs"))
    git(d, "init", "-q", "-b", "master")
    with open(os.path.join(d, "fs", "a.c"), "w") as f:
        f.write("int a(int x)\n{\n\treturn x;\n}\n")
    git(d, "add", ".")
    git(d, "commit", "-q", "-m", "fs: base")
    base = git(d, "rev-parse", "HEAD")
    with open(os.path.join(d, "fs", "a.c"), "w") as f:
        f.write("int a(int x)\n{\n\tif (x < 0)\n\t\treturn 0;\n\treturn x;\n}\n")
    git(d, "commit", "-q", "-am",
        "fs: fix a thing\n\nA negative x overflowed the table.\n\nSigned-off-by: Ann Author <ann@example.org>")
    mainline = git(d, "rev-parse", "HEAD")
    git(d, "checkout", "-q", "-b", "linux-6.1.y", base)
    with open(os.path.join(d, "fs", "a.c"), "w") as f:
        f.write("int a(int x)\n{\n\tif (x < 0)\n\t\treturn 0;\n\treturn x;\n}\n")
    git(d, "commit", "-q", "-am", "fs: fix a thing\n\n[ Upstream commit %s ]" % mainline)
    stable = git(d, "rev-parse", "HEAD")
    return d, base, mainline, stable


RECORD = {
    "dataType": "CVE_RECORD", "dataVersion": "5.1",
    "cveMetadata": {"cveId": None, "state": "PUBLISHED",
                    "assignerOrgId": "f4215fc3-5b6b-47ff-a258-f7189bd81038"},
    "containers": {"cna": {
        "providerMetadata": {"orgId": "f4215fc3-5b6b-47ff-a258-f7189bd81038"},
        "descriptions": [{"lang": "en", "value":
                          "In the Linux kernel, the following vulnerability has been "
                          "resolved:\n\nfs: fix a thing"}],
        "affected": [{"product": "Linux", "vendor": "Linux", "defaultStatus": "unaffected",
                      "programFiles": ["fs/a.c"], "versions": []}]}},
}


def write_cve(d, cve, dyads, sha1):
    year = cve.split("-")[1]
    p = os.path.join(d, "cve", "published", year)
    os.makedirs(p, exist_ok=True)
    rec = json.loads(json.dumps(RECORD))
    rec["cveMetadata"]["cveId"] = cve
    with open(os.path.join(p, cve + ".json"), "w") as f:
        json.dump(rec, f)
    with open(os.path.join(p, cve + ".dyad"), "w") as f:
        f.write("".join(line + "\n" for line in dyads))
    with open(os.path.join(p, cve + ".sha1"), "w") as f:
        f.write(sha1 + "\n")


def make_vulns(root, base, mainline, stable):
    """CVE_2024-1000 fixed by the tree's commits; CVE-2024-1001 by one the clone lacks."""
    d = os.path.join(root, "vulns")
    os.makedirs(d)
    git(d, "init", "-q", "-b", "master")
    write_cve(d, CVE, ["6.1.43:%s:6.1.78:%s" % (base, stable),
                       "6.1.43:%s:6.8:%s" % (base, mainline),
                       "5.10.1:%s:0:0" % base], mainline)
    write_cve(d, "CVE-2024-1001", ["6.1.43:%s:6.1.79:%s" % (base, "e" * 40)], "f" * 40)
    git(d, "add", ".")
    git(d, "commit", "-q", "-m", "add CVEs")
    return d


class Env:
    """A scratch directory with the tuxtape binary and one store location."""

    def __init__(self, tuxtape, backend):
        self.tuxtape = tuxtape
        self.root = tempfile.mkdtemp(prefix="tt-pipeline-")
        self.schema = None
        if backend == "postgresql":
            url = os.environ.get("TT_TEST_PG_URL")
            if not url or not shutil.which("psql"):
                print("SKIP: no PostgreSQL server (TT_TEST_PG_URL unset; run under "
                      "tests/pg-server.sh as make check does) or no psql")
                sys.exit(SKIP)
            self.schema = "tt_pipe_" + uuid.uuid4().hex[:12]
            self.psql("CREATE SCHEMA %s" % self.schema)
            sep = "&" if "?" in url else "?"
            self.db = "%s%soptions=-csearch_path%%3D%s" % (url, sep, self.schema)
        else:
            self.db = os.path.join(self.root, "store.db")
        self.env = dict(os.environ, XDG_CACHE_HOME=os.path.join(self.root, "cache"),
                        XDG_DATA_HOME=os.path.join(self.root, "data"))

    def psql(self, sql):
        subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", os.environ["TT_TEST_PG_URL"],
                        "-c", "SET client_min_messages = warning; " + sql],
                       check=True, capture_output=True)

    def run(self, *args, expect=0):
        p = subprocess.run([self.tuxtape, "--db", self.db, *args], env=self.env,
                           capture_output=True, text=True, timeout=600)
        if expect is not None and p.returncode != expect:
            raise AssertionError("tuxtape %s: exit %d, wanted %d\nstdout: %s\nstderr: %s" %
                                 (" ".join(args), p.returncode, expect, p.stdout, p.stderr))
        return p

    def json(self, *args):
        return json.loads(self.run(*args).stdout)

    def popen(self, *args):
        return subprocess.Popen([self.tuxtape, "--db", self.db, *args], env=self.env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def setup_cves(self):
        """The stable tree and a store holding the CVEs that name its commits."""
        self.linux, self.base, self.mainline, self.stable = make_linux(self.root)
        vulns = make_vulns(self.root, self.base, self.mainline, self.stable)
        self.run("cve", "sync", "--source", vulns, "--cache", os.path.join(self.root, "vc"),
                 "-q")

    def close(self):
        if self.schema:
            self.psql("DROP SCHEMA %s CASCADE" % self.schema)
        shutil.rmtree(self.root, ignore_errors=True)
