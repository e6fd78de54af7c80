# SPDX-License-Identifier: GPL-2.0-or-later
"""A minimal stand-in for `tuxtape serve` (docs/fleet-api.md), used by the agent's
end-to-end test while the real server is not in the tree: enroll, heartbeat,
report, and the signed archive as static files under /archive/. Each instance
listens on its own loopback port and hands out its own "desired" list, so one
guest boot can run several scenarios."""
import http.server
import json
import os
import secrets
import threading


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
