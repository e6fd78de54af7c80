#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Enroll N hosts on a running tuxtape serve and release one patch for their kernel.

usage: enroll.py PORT ADMIN_TOKEN N HOSTS_FILE
Writes "MACHINE_ID SECRET" per host to HOSTS_FILE, for bench/server/heartbeat.lua.
"""
import hashlib
import http.client
import json
import sys


def call(conn, method, path, body, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    conn.request(method, path, body=json.dumps(body), headers=headers)
    res = conn.getresponse()
    out = json.loads(res.read())
    if res.status >= 300:
        raise SystemExit("%s %s: %d %s" % (method, path, res.status, out))
    return out


def main():
    port, admin, n, hosts_file = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    call(conn, "POST", "/api/v1/releases", {
        "patch": "tt_cve_2026_1", "target": "6.1.0-47-amd64/tt_cve_2026_1.ko",
        "sha256": "ab" * 32, "kernel_release": "6.1.0-47-amd64", "tier": "stable"}, admin)
    with open(hosts_file, "w") as out:
        for i in range(n):
            token = call(conn, "POST", "/api/v1/enrollment-tokens", {}, admin)["token"]
            mid = hashlib.sha256(b"bench host %d" % i).hexdigest()[:32]
            host = call(conn, "POST", "/api/v1/enroll", {
                "enrollment_token": token, "machine_id": mid, "hostname": "bench-%d" % i,
                "kernel_release": "6.1.0-47-amd64"})
            out.write("%s %s\n" % (mid, host["secret"]))


if __name__ == "__main__":
    main()
