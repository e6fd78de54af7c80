#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""tuxtape-agent against the real `tuxtape serve` on loopback, on a fake host tree
(--root), without a guest: enrollment over HTTPS with a private CA (--ca-file),
an API call through an HTTP proxy (--proxy), `check`'s exit codes, `status --json` with a kill switch, a refused patch
reported, and the command line's usage errors.

Nothing here can load a module into this machine: the only patch the server
wants and the kernel (fake) lacks is not in the signed archive, so it is refused
before any download. Skips (77) when the binary has no `serve` command or
openssl is missing.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fleet_stub import RealServer  # noqa: E402

RELEASE = "6.1.0-47-amd64"
failures, passes = [], []


def check(cond, what):
    print(("ok      " if cond else "FAILED  ") + what)
    (passes if cond else failures).append(what)


def run(*argv, env=None):
    return subprocess.run(list(argv), capture_output=True, text=True, env=env)


def write(root, rel, text):
    os.makedirs(os.path.dirname(root + rel), exist_ok=True)
    with open(root + rel, "w") as f:
        f.write(text)


def fake_host(root):
    write(root, "/proc/sys/kernel/osrelease", RELEASE + "\n")
    write(root, "/proc/sys/kernel/random/boot_id", "8d4c7a51-0000-4000-8000-000000000002\n")
    write(root, "/proc/sys/kernel/ftrace_enabled", "1\n")
    write(root, "/proc/cmdline", "quiet\n")
    write(root, "/etc/machine-id", "1a2b1a2b1a2b1a2b1a2b1a2b1a2b1a2b\n")
    write(root, "/dev/kmsg", "")
    write(root, "/sys/kernel/livepatch/tt_lp_have/enabled", "1\n")
    write(root, "/sys/kernel/livepatch/tt_lp_have/transition", "0\n")


def self_signed(tmp):
    cert, key = os.path.join(tmp, "server.pem"), os.path.join(tmp, "server.key")
    p = run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
            "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert)
    assert p.returncode == 0, p.stderr
    return cert, key


class ConnectProxy:
    """An HTTP proxy that only tunnels (CONNECT), counting the tunnels it opened."""

    def __init__(self):
        import select
        import socket
        import socketserver
        proxy = self
        self.tunnels = []

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                request = self.rfile.readline().decode()
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                method, target = request.split()[:2]
                if method != "CONNECT":
                    self.wfile.write(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n")
                    return
                host, port = target.rsplit(":", 1)
                upstream = socket.create_connection((host, int(port)))
                proxy.tunnels.append(target)
                self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                self.wfile.flush()
                ends = [self.connection, upstream]
                while True:
                    ready = select.select(ends, [], [], 10)[0]
                    if not ready:
                        break
                    data = b""
                    for r in ready:
                        data = r.recv(65536)
                        if not data:
                            break
                        (upstream if r is self.connection else self.connection).sendall(data)
                    if not data:
                        break
                upstream.close()

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        import threading
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def main():
    tuxtape, agent = sys.argv[1], sys.argv[2]
    if run(tuxtape, "serve", "--help").returncode != 0:
        print("SKIP: this tuxtape has no serve command")
        return 77
    if not shutil.which("openssl"):
        print("SKIP: openssl is not installed")
        return 77
    with tempfile.TemporaryDirectory(prefix="tt-agent-cli-") as tmp:
        root, state, arch = (os.path.join(tmp, d) for d in ("root", "state", "archive"))
        fake_host(root)
        assert run(tuxtape, "archive", "init", arch).returncode == 0
        have = {"name": "tt_lp_have", "target": f"{RELEASE}/tt_lp_have.ko", "sha256": "a" * 64}
        srv = RealServer(tuxtape, os.path.join(tmp, "srv"), arch, [have], RELEASE,
                         archive_host="127.0.0.1", tls=self_signed(tmp))
        try:
            url = f"https://127.0.0.1:{srv.port}/"
            opts = ["--root", root, "--state-dir", state, "--kill-file", "/etc/tuxtape/disable",
                    "--archive-root", os.path.join(arch, "metadata", "1.root.json")]
            p = run(agent, "enroll", "--server", url, "--token", srv.token(), *opts)
            check(p.returncode == 1 and "certificate" in p.stderr.lower(),
                  f"HTTPS with an unknown CA is refused: {p.stderr.strip()[:120]}")
            ca = ["--ca-file", os.path.join(tmp, "server.pem")]
            p = run(agent, "enroll", "--server", url, "--token", srv.token(), *opts, *ca)
            check(p.returncode == 0 and "enrolled" in p.stdout,
                  f"enrolls over HTTPS with --ca-file: {p.stderr.strip()[:120]}")
            creds = os.path.join(state, "credentials.json")
            check(os.stat(creds).st_mode & 0o077 == 0, "credentials.json is private (0600)")
            p = run(agent, "check", *opts, *ca)
            check(p.returncode == 0 and "up to date" in p.stdout,
                  f"check: up to date (exit 0): {p.returncode} {p.stdout.strip()}")
            srv._server("release", "--patch", "tt_lp_missing", "--target",
                        f"{RELEASE}/tt_lp_missing.ko", "--sha256", "b" * 64,
                        "--kernel-release", RELEASE)
            p = run(agent, "check", *opts, *ca)
            check(p.returncode == 3 and "tt_lp_missing" in p.stdout,
                  f"check: updates pending (exit 3): {p.returncode} {p.stdout.strip()}")
            # The archive library's fetcher takes no CA: its trust is in the signatures,
            # so here it is read from a file:// URL (a mirror would do the same).
            p = run(agent, "apply", *opts, *ca, "--archive-url", "file://" + arch + "/")
            rep = srv.reports_of("verification_failed", "tt_lp_missing")
            check(p.returncode == 1 and rep and "not listed" in rep[0]["message"],
                  f"a patch the signed archive does not list is refused and reported: "
                  f"{p.stdout.strip()[-200:]}")
            p = run(agent, "check", *opts)
            check(p.returncode == 1, f"check without the CA: error (exit 1): {p.returncode}")
            proxy = ConnectProxy()
            env = {k: v for k, v in os.environ.items() if k.lower() != "no_proxy"}
            p = run(agent, "check", *opts, *ca, "--proxy", f"http://127.0.0.1:{proxy.port}/",
                    env=env)
            proxy.close()
            check(p.returncode == 3 and proxy.tunnels == [f"127.0.0.1:{srv.port}"],
                  f"--proxy: the API call goes through the proxy: {proxy.tunnels}")
            write(root, "/proc/sys/kernel/ftrace_enabled", "0\n")
            p = run(agent, "check", *opts, *ca)
            check(p.returncode == 4 and "ftrace" in p.stdout,
                  f"check: unsupported kernel (exit 4): {p.returncode}")
            write(root, "/proc/sys/kernel/ftrace_enabled", "1\n")
            write(root, "/proc/cmdline", "quiet tuxtape.enable=0\n")
            st = json.loads(run(agent, "status", "--json", *opts).stdout)
            check(st["enabled"] is False and "tuxtape.enable=0" in st["kill_switch"],
                  "status --json shows the command-line kill switch")
            check(st["other_livepatches"] == ["tt_lp_have"] and st["enrolled"] is True,
                  "status --json: a livepatch the agent did not load is listed apart")
            p = run(agent, "apply", *opts, *ca)
            check(p.returncode == 1 and "tuxtape.enable=0" in p.stderr,
                  "apply with the kill switch loads nothing and says why")
        finally:
            srv.close()
        p = run(agent, "frobnicate")
        check(p.returncode == 2 and "unknown command" in p.stderr, "unknown command: exit 2")
        p = run(agent, "status", "--interval", "soon", "--root", root, "--state-dir", state)
        check(p.returncode == 2 and "interval" in p.stderr, "a bad option value: exit 2")
        p = run(agent, "unload", "--root", root, "--state-dir", state)
        check(p.returncode == 2, "unload without a name: exit 2")
        for cmd in ("run", "boot", "apply", "status", "check", "patches", "blocking", "uname",
                    "enroll", "unload"):
            p = run(agent, cmd, "--help")
            if p.returncode != 0 or "Usage: tuxtape-agent " + cmd not in p.stdout:
                check(False, f"{cmd} --help")
                break
        else:
            check(True, "every command has its --help")
    print(f"{len(passes)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
