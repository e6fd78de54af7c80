#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The dashboard's acceptance test in headless Chromium (driven by playwright-core
from npm, installed on first use into ~/.cache/tuxtape/node): log in, exposure,
CVE, upload, a worker builds and boot-tests it, approval by a second reviewer,
release in the canary tier. Screenshots of each page go to the directory given
as the second argument. Skips (77) without chromium or npm.

Two modes:
- fake (default, suite integration): a `tuxtape worker --db` on the same store
  whose build and test steps are stand-ins answering in a second, so the page
  flow runs in every sanitizer pass;
- --real (suite boot): the uploaded patch is tests/fixtures/patchbuild/
  meminfo-string.patch for Debian's 6.1.0-47-amd64, and a `tuxtape worker
  --server URL` with a worker token claims the job over HTTP, runs the real
  `tuxtape patch build --debian` and `tuxtape patch test` (QEMU), and uploads
  the module; the page must show the real build and boot logs. Skips (77)
  when the Debian packages cannot be fetched.

Usage: test_dashboard_browser.py TUXTAPE SCREENSHOT_DIR [--real]"""
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dash_fixture  # noqa: E402

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
PLAYWRIGHT_VERSION = "1.65.2"


def node_modules():
    """playwright-core's node_modules, installed on first use; None when npm cannot."""
    cache = os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache"))
    prefix = os.path.join(cache, "tuxtape", "node")
    modules = os.path.join(prefix, "node_modules")
    if os.path.isdir(os.path.join(modules, "playwright-core")):
        return modules
    os.makedirs(prefix, exist_ok=True)
    p = subprocess.run(["npm", "install", "--prefix", prefix, "--no-audit", "--no-fund",
                        "--silent", "playwright-core@" + PLAYWRIGHT_VERSION],
                       capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        print("npm install playwright-core failed:\n" + p.stdout + p.stderr)
        return None
    return modules


def tools():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium or not shutil.which("node") or not shutil.which("npm"):
        print("SKIP: the browser test needs chromium, node and npm "
              "(scripts/deps.sh check installs chromium; npm from Debian's npm package)")
        sys.exit(SKIP)
    modules = node_modules()
    if not modules:
        print("SKIP: playwright-core could not be installed from npm (offline?)")
        sys.exit(SKIP)
    return chromium, modules


REAL_KERNEL = "6.1.0-47-amd64"
REAL_PATCH = os.path.join(os.environ.get("TT_FIXTURES", os.path.join(HERE, "..", "..", "fixtures")),
                          "patchbuild", "meminfo-string.patch")


def real_worker_ready(tuxtape):
    """The kernel's packages in the shared cache (fetched once), or exit 77 without them."""
    if not os.path.exists(REAL_PATCH):
        print("SKIP: %s not found" % REAL_PATCH)
        sys.exit(SKIP)
    p = subprocess.run([tuxtape, "patch", "kernel", REAL_KERNEL], capture_output=True,
                       text=True, timeout=1800)
    if p.returncode != 0:
        print("SKIP: the Debian packages of %s cannot be fetched:\n%s" % (REAL_KERNEL, p.stderr))
        sys.exit(SKIP)


def start_real_worker(srv):
    """A worker that talks to the server only, with the real build and boot test."""
    out = srv.run("server", "token", "create", "--role", "worker", "--name", "builder").stdout
    token = re.search(r"tto_\S+", out).group(0)
    # The user's cache: the prepared kernel tree and kallsyms are reused, not fetched again.
    env = dict(os.environ, XDG_DATA_HOME=os.path.join(srv.root, "worker-data"),
               TUXTAPE_TOKEN=token)
    return subprocess.Popen(
        [srv.tuxtape, "worker", "--server", srv.url, "--name", "browser-real-worker",
         "--workdir", os.path.join(srv.root, "work"), "--poll", "0.5"],
        env=env, stdout=subprocess.DEVNULL, stderr=open(os.path.join(srv.root, "worker.log"), "w"))


def start_worker(srv):
    fake = [sys.executable, os.path.join(HERE, "fake_step.py")]
    return subprocess.Popen(
        [srv.tuxtape, "--db", srv.db, "worker", "--name", "browser-test-worker",
         "--workdir", os.path.join(srv.root, "work"), "--poll", "0.3",
         "--build-cmd", " ".join(fake + ["build", "{module}", "{kernel}"]),
         "--test-cmd", " ".join(fake + ["test", "{module}", "{kernel}"])],
        env=srv.env, stdout=subprocess.DEVNULL, stderr=open(os.path.join(srv.root, "worker.log"), "w"))


def run_browser(srv, chromium, modules, shots, real):
    env = dict(os.environ, TT_URL=srv.url, TT_SHOTS=shots, TT_TOKENS=json.dumps(srv.tokens),
               TT_CVE=dash_fixture.CVE, TT_PROFILE="web-6.1.50",
               TT_KERNEL=REAL_KERNEL if real else "6.1.0-13-amd64",
               TT_CHROMIUM=chromium, TT_NODE_MODULES=modules)
    if real:
        with open(REAL_PATCH) as f:
            env.update(TT_PATCH_TEXT=f.read(), TT_PATCH_MARK="fs/proc/meminfo.c",
                       TT_BUILD_MARK="livepatch relocation", TT_TEST_MARK="PASS",
                       TT_JOB_SECONDS="900")
    p = subprocess.run(["node", os.path.join(HERE, "browser_flow.mjs")], env=env,
                       capture_output=True, text=True, timeout=1200 if real else 300)
    print(p.stdout + p.stderr)
    return p.returncode == 0 and p.stdout.strip().endswith("ok")


def main():
    tuxtape, shots = sys.argv[1], os.path.abspath(sys.argv[2])
    real = "--real" in sys.argv[3:]
    chromium, modules = tools()
    if real:
        real_worker_ready(tuxtape)
    shutil.rmtree(shots, ignore_errors=True)
    os.makedirs(shots)
    srv = dash_fixture.Server(tuxtape)
    worker = None
    try:
        srv.start()
        worker = start_real_worker(srv) if real else start_worker(srv)
        ok = run_browser(srv, chromium, modules, shots, real)
        releases = json.loads(srv.run("server", "releases", "--json").stdout)
        rel = releases["releases"] if isinstance(releases, dict) else releases
        kernel = REAL_KERNEL if real else "6.1.0-13-amd64"
        ok = ok and any(r["tier"] == "canary" and r["kernel_release"] == kernel for r in rel)
        con = sqlite3.connect(srv.db)
        texts = [t for (t,) in con.execute("SELECT text FROM patch_revision")]
        con.close()
        if not texts or any("\r" in t for t in texts):
            print("the uploaded patch was not stored with LF line ends: %r" % texts)
            ok = False
        print("screenshots of each page: %s" % shots)
        if not ok:
            with open(os.path.join(srv.root, "serve.log")) as f:
                print("serve.log:\n" + f.read()[-3000:])
            with open(os.path.join(srv.root, "worker.log")) as f:
                print("worker.log:\n" + f.read()[-3000:])
            return 1
        print("dashboard browser test: ok")
        return 0
    finally:
        if worker:
            worker.terminate()
            worker.wait(timeout=30)
        if os.environ.get("TT_KEEP") is None:
            srv.close()
        else:
            srv.stop()


if __name__ == "__main__":
    sys.exit(main())
