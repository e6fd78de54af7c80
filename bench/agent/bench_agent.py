#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Footprint of `tuxtape-agent run` when there is nothing to do.

A fake host tree (one livepatch already enabled, which the server keeps
wanting), a published archive and the fleet stub of the agent's end-to-end
test. The daemon runs with --interval 1 --jitter 0; after warm-up cycles (the
first downloads the metadata), the CPU time the process spent (utime+stime
from /proc/PID/stat) is divided by the cycles the server saw (two heartbeats
each), and VmRSS is sampled between cycles."""
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(ROOT, "tests", "integration", "agent"))
from fleet_stub import FleetStub  # noqa: E402

WARMUP, MEASURED = 3, 20
TICK = os.sysconf("SC_CLK_TCK")


def write(root, rel, text):
    path = root + rel
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def fake_host(root):
    write(root, "/proc/sys/kernel/osrelease", "6.1.0-47-amd64\n")
    write(root, "/proc/sys/kernel/random/boot_id", "8d4c7a51-0000-4000-8000-000000000001\n")
    write(root, "/proc/sys/kernel/ftrace_enabled", "1\n")
    write(root, "/proc/cmdline", "quiet\n")
    write(root, "/proc/uptime", "100.0 100.0\n")
    write(root, "/etc/machine-id", "0f3c0f3c0f3c0f3c0f3c0f3c0f3c0f3c\n")
    write(root, "/dev/kmsg", "6,1,100,-;Linux version 6.1.0-47-amd64\n")
    write(root, "/sys/kernel/livepatch/tt_lp_idle/enabled", "1\n")
    write(root, "/sys/kernel/livepatch/tt_lp_idle/transition", "0\n")


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / TICK  # self and waited-for children


def rss_kb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def wait_heartbeats(srv, n, proc, limit=120):
    end = time.monotonic() + limit
    while len(srv.heartbeats) < n:
        if proc.poll() is not None or time.monotonic() > end:
            raise SystemExit(f"the daemon stopped or stalled: {proc.poll()}")
        time.sleep(0.05)


def main():
    tuxtape, agent = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="tt-bench-agent-") as tmp:
        root, state, arch = (os.path.join(tmp, d) for d in ("root", "state", "archive"))
        fake_host(root)
        subprocess.run([tuxtape, "archive", "init", arch], check=True, capture_output=True)
        srv = FleetStub(arch, [{"name": "tt_lp_idle", "target": "6.1.0-47-amd64/tt_lp_idle.ko",
                                "sha256": "", "replace": False}])
        common = ["--root", root, "--state-dir", state, "--kill-file", "/etc/tuxtape/disable",
                  "--archive-root", os.path.join(arch, "metadata", "1.root.json")]
        url = f"http://127.0.0.1:{srv.port}/"
        subprocess.run([agent, "enroll", "--server", url, "--token", "tte_bench", *common],
                       check=True, capture_output=True)
        proc = subprocess.Popen([agent, "run", "--interval", "1", "--jitter", "0", *common],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_heartbeats(srv, 2 * WARMUP, proc)
            start_cpu, start_hb = cpu_seconds(proc.pid), len(srv.heartbeats)
            rss = []
            while len(srv.heartbeats) < start_hb + 2 * MEASURED:
                wait_heartbeats(srv, len(srv.heartbeats) + 1, proc)
                time.sleep(0.3)  # between cycles: the daemon is idle
                rss.append(rss_kb(proc.pid))
            cycles = (len(srv.heartbeats) - start_hb) / 2
            cpu_ms = (cpu_seconds(proc.pid) - start_cpu) * 1000 / cycles
        finally:
            proc.terminate()
            err = proc.communicate(timeout=10)[1].decode(errors="replace")
        srv.close()
        if "error" in err.lower() or "cannot" in err:
            print(err[-2000:])
        peak = max(rss) / 1024
        print(f"idle daemon RSS:          {peak:6.1f} MB   (target < 10 MB: "
              f"{'met' if peak < 10 else 'MISSED'})")
        print(f"CPU per idle refresh cycle: {cpu_ms:5.1f} ms  (target < 20 ms: "
              f"{'met' if cpu_ms < 20 else 'MISSED'}; {cycles:.0f} cycles measured)")


if __name__ == "__main__":
    main()
