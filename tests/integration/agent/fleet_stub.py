# SPDX-License-Identifier: GPL-2.0-or-later
"""The fleet server for the agent's end-to-end test and benchmark: the real
`tuxtape serve` (RealServer) when the binary has it, else a minimal stand-in
speaking docs/fleet-api.md (FleetStub: enroll, heartbeat, report, and the
signed archive as static files under /archive/). Each instance listens on its
own loopback port and hands out its own "desired" list, so one guest boot can
run several scenarios."""
import http.server
import json
import os
import secrets
import threading
import time


class FleetStub:
    def __init__(self, archive_dir, desired, tier="canary"):
        self.archive_dir = os.path.realpath(archive_dir)
        self.desired = desired
        self.tier = tier
        self.hosts = {}          # machine_id -> {"host_id", "secret"}
        self.heartbeats = []     # request bodies, in order
        self.reports = []
        self.lock = threading.Lock()
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def reply(self, status, obj):
                data = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def error(self, status, code, msg):
                self.reply(status, {"error": {"code": code, "message": msg}})

            def do_GET(self):
                if not self.path.startswith("/archive/"):
                    return self.error(404, "not_found", self.path)
                path = os.path.realpath(os.path.join(stub.archive_dir, self.path[9:]))
                if not path.startswith(stub.archive_dir + os.sep) or not os.path.isfile(path):
                    return self.error(404, "not_found", self.path)
                data = open(path, "rb").read()
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def body(self):
                n = int(self.headers.get("Content-Length", "0"))
                return json.loads(self.rfile.read(n) or b"{}")

            def host(self, body):
                token = self.headers.get("Authorization", "")[7:]
                h = stub.hosts.get(body.get("machine_id"))
                return h if h and h["secret"] == token else None

            def do_POST(self):
                body = self.body()
                with stub.lock:
                    if self.path == "/api/v1/enroll":
                        h = {"host_id": "h_" + secrets.token_hex(4),
                             "secret": "tth_" + secrets.token_hex(16)}
                        stub.hosts[body["machine_id"]] = h
                        return self.reply(201, dict(h, heartbeat_interval=300))
                    if not self.host(body):
                        return self.error(401, "unauthorized", "unknown host or secret")
                    if self.path == "/api/v1/heartbeat":
                        stub.heartbeats.append(body)
                        return self.reply(200, {
                            "host_id": stub.hosts[body["machine_id"]]["host_id"],
                            "tier": stub.tier, "heartbeat_interval": 300,
                            "archive_url": "", "desired": stub.desired, "remove": []})
                    if self.path == "/api/v1/report":
                        stub.reports.append(body)
                        return self.reply(201, {"id": len(stub.reports)})
                return self.error(404, "not_found", self.path)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def last_patches(self):
        """name -> state from the last heartbeat."""
        if not self.heartbeats:
            return {}
        return {p["name"]: p["state"] for p in self.heartbeats[-1]["patches"]}

    def reports_of(self, kind, patch=None):
        return [r for r in self.reports if r["kind"] == kind and
                (patch is None or r.get("patch") == patch)]

    def close(self):
        self.httpd.shutdown()

    def token(self):
        return "tte_test"


class RealServer:
    """`tuxtape serve --insecure-http` on a loopback port with its own SQLite store,
    one tier taking every host, and a release per desired patch; queried through
    `tuxtape server` for what the hosts said. Same interface as FleetStub."""

    def __init__(self, tuxtape, workdir, archive_dir, desired, kernel_release,
                 archive_host="10.0.2.2", tls=None):
        import socket
        import subprocess
        self.tuxtape, self.db = tuxtape, os.path.join(workdir, "fleet.db")
        os.makedirs(workdir, exist_ok=True)
        tiers = os.path.join(workdir, "tiers.json")
        with open(tiers, "w") as f:
            json.dump({"tiers": [{"name": "all", "percent": 100}]}, f)
        self._server("tiers", "set", tiers)
        for d in desired:
            self._server("release", "--patch", d["name"], "--target", d["target"],
                         "--sha256", d["sha256"], "--kernel-release", kernel_release)
        with socket.socket() as s:  # a free port, named up front for --archive-url
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.log = open(os.path.join(workdir, "serve.log"), "w")
        # tls: (certificate, key) for HTTPS; the archive URL names the host agents use.
        transport = ["--tls-cert", tls[0], "--tls-key", tls[1]] if tls else ["--insecure-http"]
        scheme = "https" if tls else "http"
        self.proc = subprocess.Popen(
            [tuxtape, "--db", self.db, "serve", *transport, "--port", str(self.port),
             "--archive", archive_dir, "--stop-threshold", "0",
             "--archive-url", f"{scheme}://{archive_host}:{self.port}/archive/"],
            stdout=self.log, stderr=self.log)
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise SystemExit(f"tuxtape serve did not start: {open(self.log.name).read()}")

    def _server(self, *args):
        import subprocess
        p = subprocess.run([self.tuxtape, "--db", self.db, "server", *args],
                           capture_output=True, text=True)
        if p.returncode != 0:
            raise SystemExit(f"tuxtape server {' '.join(args)}: {p.stderr}")
        return p.stdout

    def token(self):
        return self._server("enroll-token").strip()

    def last_patches(self):
        hosts = json.loads(self._server("hosts", "--json"))
        return {p["name"]: p["state"] for h in hosts for p in h.get("patches", [])}

    def reports_of(self, kind, patch=None):
        return [r for r in json.loads(self._server("reports", "--json"))
                if r["kind"] == kind and (patch is None or r.get("patch") == patch)]

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.log.close()
