#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""End to end: tuxtape-agent in a Debian 6.1.0-47-amd64 guest under QEMU (TCG).

The host builds five hand-written modules against the cached kernel headers
(modules/), publishes them with `tuxtape archive`, and serves the fleet API and
the archive on loopback ports (`tuxtape serve --insecure-http`, or the stand-in
in fleet_stub.py when the binary has no serve command);
the guest reaches them through QEMU user networking at 10.0.2.2. The guest
gets busybox, the agent binary with its shared libraries, e1000.ko and an
/init that runs the scenarios and prints TTAGENT: markers.

Boot 1 (several agents, each with its own state directory and server):
  main     a good patch is fetched, verified, loaded and reported (the server's
           last heartbeat shows it enabled); a patch whose replacement WARNs
           is reported with the excerpt and disabled by policy; a patch whose
           transition cannot finish (a kthread sleeps inside the patched
           function) is shown by `blocking`, signalled, reversed in time and
           reported with the blocking task's stack; status --json, check's
           exit code, the kill file;
  tamper   a module altered after signing is refused and reported;
  expired  with the clock 3 days ahead the timestamp has expired: refused.
Boots 2 and 3: the guest crashes (sysrq c) while finit_module of a slow patch
runs; the state directory, carried to the next boot, makes the agent hold
that patch and report it instead of loading it again.

Skips (exit 77, saying why) when QEMU, a static busybox, make or the Debian
packages are missing.
"""
import base64
import gzip
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fleet_stub import FleetStub, RealServer  # noqa: E402

SKIP = 77
ABI = "6.1.0-47-amd64"
HOST = "10.0.2.2"
failures, passes = [], []


def check(cond, what):
    print(("ok      " if cond else "FAILED  ") + what)
    (passes if cond else failures).append(what)


def skip(why):
    print("SKIP: " + why)
    sys.exit(SKIP)


def run(*argv, **kw):
    return subprocess.run(list(argv), capture_output=True, text=True, **kw)


# ---- prerequisites ----

def prerequisites(tuxtape):
    for prog in ("qemu-system-x86_64", "make", "gcc-12"):
        if not shutil.which(prog):
            skip(f"{prog} is not installed")
    busybox = "/bin/busybox"
    if not os.path.exists(busybox) or b"statically linked" not in run_bytes("file", busybox):
        skip("no static /bin/busybox (apt-get install busybox-static)")
    p = run(tuxtape, "patch", "kernel", ABI, "--json")
    if p.returncode != 0:
        skip(f"the Debian packages of {ABI} are not available:\n{p.stderr}")
    return json.loads(p.stdout)


def run_bytes(*argv):
    try:
        return subprocess.run(list(argv), capture_output=True).stdout
    except FileNotFoundError:
        return b""


# ---- modules and archive ----

def build_modules(k, tmp):
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "modules")
    mods = os.path.join(tmp, "modules")
    shutil.copytree(src, mods)
    start = time.monotonic()
    p = run("make", "-C", k["build_dir"], f"M={mods}", "modules")
    if p.returncode != 0:
        sys.stderr.write(p.stdout + p.stderr)
        raise SystemExit("building the test modules failed")
    print(f"module build: {time.monotonic() - start:.1f} s")
    return {n: os.path.join(mods, n + ".ko") for n in
            ("tt_lp_good", "tt_lp_warn", "tt_lp_slow", "tt_stuck_target", "tt_lp_stuck")}


def sha256_of(path):
    import hashlib
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def publish(tuxtape, ko, tmp):
    arch = os.path.join(tmp, "archive")
    p = run(tuxtape, "archive", "init", arch)
    assert p.returncode == 0, p.stderr
    patches = [("tt_lp_good", ko["tt_lp_good"], "CVE-2026-0001", 1),
               ("tt_lp_warn", ko["tt_lp_warn"], "CVE-2026-0002", 2),
               ("tt_lp_stuck", ko["tt_lp_stuck"], "CVE-2026-0003", 3),
               ("tt_lp_slow", ko["tt_lp_slow"], "CVE-2026-0004", 4),
               # signed as published, then altered on the server below
               ("tt_lp_tamper", ko["tt_lp_good"], "CVE-2026-0005", 5)]
    desired = {}
    for name, path, cve, version in patches:
        target = f"{ABI}/{name}.ko"
        p = run(tuxtape, "archive", "add", arch, path, "--name", target, "--kernel-release",
                ABI, "--patch-version", str(version), "--cve", cve, "--tier", "canary")
        assert p.returncode == 0, p.stderr
        desired[name] = {"name": name, "target": target, "sha256": sha256_of(path),
                         "replace": False}
    tdir = os.path.join(arch, "targets", ABI)
    tampered = [f for f in os.listdir(tdir) if f.endswith("tt_lp_tamper.ko")]
    for f in tampered:
        path = os.path.join(tdir, f)
        data = bytearray(open(path, "rb").read())
        data[len(data) // 2] ^= 0xff  # same length, different bytes
        open(path, "wb").write(bytes(data))
    check(len(tampered) == 1, "one published module altered after signing")
    return arch, desired


# ---- the guest ----

def cpio_newc(entries):
    """entries: (name, mode, data) in order; a gzip'd newc archive."""
    out = io.BytesIO()
    for ino, (name, mode, data) in enumerate(entries + [("TRAILER!!!", 0, b"")], 1):
        nm = name.encode() + b"\0"
        fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(nm), 0]
        out.write(b"070701" + b"".join(b"%08x" % f for f in fields) + nm)
        out.write(b"\0" * ((-(110 + len(nm))) % 4) + data + b"\0" * ((-len(data)) % 4))
    return gzip.compress(out.getvalue(), compresslevel=1)


def shared_libraries(exe):
    libs = []
    for line in run("ldd", exe).stdout.splitlines():
        parts = line.split()
        if "=>" in parts and len(parts) >= 3 and parts[2].startswith("/"):
            libs.append(parts[2])
        elif parts and parts[0].startswith("/"):
            libs.append(parts[0])
    return libs


class Guest:
    """Files of one initramfs: directories are added as needed."""

    def __init__(self):
        self.entries, self.dirs = [], set()

    def _dirs(self, path):
        parts = path.strip("/").split("/")[:-1]
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d not in self.dirs:
                self.dirs.add(d)
                self.entries.append((d, 0o040755, b""))

    def add(self, path, data, mode=0o100644):
        self._dirs(path)
        self.entries.append((path.strip("/"), mode, data))

    def add_file(self, path, host_path, mode=0o100755):
        self.add(path, open(host_path, "rb").read(), mode)

    def build(self, out):
        open(out, "wb").write(cpio_newc(self.entries))


def base_guest(agent, k, ko, arch, init_body, machine_id):
    g = Guest()
    g.add_file("/bin/busybox", "/bin/busybox")
    g.add_file("/usr/bin/tuxtape-agent", agent)
    for lib in shared_libraries(agent):
        g.add_file(lib, os.path.realpath(lib))
    e1000 = os.path.join(k["modules_dir"], "kernel/drivers/net/ethernet/intel/e1000/e1000.ko")
    g.add_file("/lib/tt/e1000.ko", e1000, 0o100644)
    g.add_file("/lib/tt/tt_stuck_target.ko", ko["tt_stuck_target"], 0o100644)
    g.add_file("/etc/tuxtape/root.json", os.path.join(arch, "metadata", "1.root.json"), 0o100644)
    g.add("/etc/machine-id", (machine_id + "\n").encode())
    for name in ("main", "tamper", "expired", "crash"):
        state = "/var/lib/tuxtape" if name == "crash" else f"/var/lib/tuxtape-{name}"
        g.add(f"/etc/tuxtape/{name}.conf", (
            f"# agent test scenario {name}\n"
            f"state_dir = {state}\n"
            "archive_root = /etc/tuxtape/root.json\n"
            "signal_after = 2\nrevert_after = 6\npoll_interval = 0.2\n"
            "on_warning = disable\nhttp_timeout = 20\n").encode())
    init = INIT_HEAD + init_body + "echo TTAGENT:END\npoweroff -f\n"
    g.add("/init", init.encode(), 0o100755)
    return g


INIT_HEAD = """#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin LD_LIBRARY_PATH=/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu
mkdir -p /proc /sys /dev
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
mkdir -p /tmp /var/lib
echo TTAGENT:BEGIN
insmod /lib/tt/e1000.ko
ifconfig eth0 10.0.2.15 netmask 255.255.255.0 up
ag() { c=$1; shift; /usr/bin/tuxtape-agent --config /etc/tuxtape/$c.conf "$@"; }
mark() { echo "TTAGENT:$*"; }
json() { mark JSON-BEGIN $1; shift; "$@"; mark JSON-END; }
enroll() {
  for i in 1 2 3 4 5 6 7 8 9 10; do
    ag $1 enroll --server http://10.0.2.2:$2/ --token $3 && return 0
    sleep 0.5
  done
  return 1
}
"""


def boot(k, initrd, what, timeout=240):
    start = time.monotonic()
    argv = ["qemu-system-x86_64", "-accel", "tcg", "-cpu", "max", "-m", "512", "-nographic",
            "-no-reboot", "-nic", "user,model=e1000", "-kernel", k["vmlinuz"], "-initrd", initrd,
            "-append", "console=ttyS0 quiet panic=-1"]
    try:
        p = subprocess.run(argv, capture_output=True, timeout=timeout)
        out = p.stdout.decode(errors="replace")
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace")
    secs = time.monotonic() - start
    print(f"boot {what}: {secs:.1f} s")
    out = out.replace("\r", "")
    logs = os.environ.get("TT_AGENT_TEST_LOGS")  # keep the consoles for a look
    if logs:
        os.makedirs(logs, exist_ok=True)
        open(os.path.join(logs, os.path.basename(initrd) + ".log"), "w").write(out)
    return out, secs


def markers(console):
    """RC lines -> {name: code}, JSON blocks -> {name: object}, all lines."""
    rcs, blocks, lines, cur = {}, {}, console.split("\n"), None
    buf = []
    for line in lines:
        i = line.find("TTAGENT:")
        tag = line[i + 8:].strip() if i >= 0 else None
        if tag and tag.startswith("RC "):
            _, name, code = tag.split()
            rcs[name] = int(code)
        elif tag and tag.startswith("JSON-BEGIN "):
            cur, buf = tag.split()[1], []
        elif tag == "JSON-END" and cur:
            try:
                blocks[cur] = json.loads("\n".join(buf))
            except ValueError:
                blocks[cur] = None
            cur = None
        elif cur:
            buf.append(line)
    return rcs, blocks


# ---- the scenarios ----

MAIN_BODY = """insmod /lib/tt/tt_stuck_target.ko
enroll main {main} {main_token}; mark RC enroll-main $?
ag main apply >/tmp/apply-main.log 2>&1 &
apply=$!
i=0
while [ "$(cat /sys/kernel/livepatch/tt_lp_stuck/transition 2>/dev/null)" != 1 ] && [ $i -lt 300 ]; do
  sleep 0.1; i=$((i+1))
done
mark BLOCKING-BEGIN; ag main blocking; mark BLOCKING-END
wait $apply; mark RC apply-main $?
cat /tmp/apply-main.log
mark CMDLINE $(cat /proc/cmdline)
cat /proc/version >/dev/null
ag main apply; mark RC apply-main-2 $?
json main-status ag main status --json
ag main status
ag main check; mark RC check-main $?
mark UNAME $(ag main uname)
ag main patches -v
touch /etc/tuxtape/disable
ag main apply; mark RC apply-killed $?
rm /etc/tuxtape/disable
enroll tamper {tamper} {tamper_token}; ag tamper apply; mark RC apply-tamper $?
json tamper-status ag tamper status --json
date -s "{future}" >/dev/null
enroll expired {expired} {expired_token}; ag expired apply; mark RC apply-expired $?
json expired-status ag expired status --json
"""

CRASH1_BODY = """enroll crash {crash} {crash_token}; mark RC enroll-crash $?
ag crash apply >/tmp/apply.log 2>&1 &
i=0
while ! grep -q tt_lp_slow /var/lib/tuxtape/state.json 2>/dev/null && [ $i -lt 300 ]; do
  sleep 0.2; i=$((i+1))
done
sleep 1
mark LOADING $(grep -c tt_lp_slow /proc/modules)
mark STATE-BEGIN
tar c -C /var/lib/tuxtape . | base64
mark STATE-END
echo c > /proc/sysrq-trigger
"""

CRASH2_BODY = """mkdir -p /var/lib/tuxtape && tar x -C /var/lib/tuxtape -f /state.tar
ag crash boot; mark RC boot-crash $?
ag crash apply; mark RC apply-crash $?
mark MODULES $(grep -c tt_lp_slow /proc/modules)
json crash-status ag crash status --json
"""


def patch_of(status, name):
    return next((p for p in (status or {}).get("patches", []) if p["name"] == name), {})


def check_main(console, rcs, blocks, main):
    check(rcs.get("enroll-main") == 0, "the agent enrolls with the server")
    check("tuxtape_agent_good_patch_applied" in console,
          "the good patch is live: /proc/cmdline shows its marker")
    st = main.last_patches()
    check(st.get("tt_lp_good") == "enabled",
          f"the server's last heartbeat shows tt_lp_good enabled: {st}")
    s = blocks.get("main-status") or {}
    good = patch_of(s, "tt_lp_good")
    check(good.get("state") == "enabled" and (good.get("kernel") or {}).get("enabled") is True,
          "status --json: tt_lp_good enabled, and the kernel agrees")
    check(good.get("cves") == ["CVE-2026-0001"] and s.get("patch_level", 0) >= 1,
          "status --json: CVEs from the signed metadata, patch level")
    check(s.get("status_version") == 1 and s.get("kernel", {}).get("release") == ABI,
          "status --json: status_version 1, kernel release")
    stalled = main.reports_of("transition_stalled", "tt_lp_stuck")
    reverted = main.reports_of("transition_reverted", "tt_lp_stuck")
    check(len(stalled) >= 1, "the stuck transition was signalled and reported")
    ex = reverted[0].get("excerpt", "") if reverted else ""
    check(bool(reverted) and "tt_stuck" in ex and "tt_stuck_wait" in ex,
          f"the transition was reversed and reported with the blocking kthread's stack: {ex[:300]!r}")
    i, j = console.find("TTAGENT:BLOCKING-BEGIN"), console.find("TTAGENT:BLOCKING-END")
    blocking = console[i:j] if 0 <= i < j else ""
    check("tt_lp_stuck: patching transition" in blocking and "tt_stuck_wait" in blocking,
          f"`blocking` during the stuck transition names the kthread and its stack: "
          f"{blocking[22:200]!r}")
    stuck = patch_of(s, "tt_lp_stuck")
    check(stuck.get("state") == "reverted" and stuck.get("hold") is True and
          stuck.get("kernel") is None, "tt_lp_stuck reverted, held, gone from the kernel")
    warn = main.reports_of("kernel_warning", "tt_lp_warn")
    wex = warn[0].get("excerpt", "") if warn else ""
    check(bool(warn) and "WARNING" in wex and "tt_lp_warn" in wex,
          f"the WARNING is reported with its excerpt: {wex[:200]!r}")
    w = patch_of(s, "tt_lp_warn")
    check(w.get("hold") is True and (w.get("kernel") is None or
                                     not w["kernel"].get("enabled")),
          "on_warning = disable took tt_lp_warn out and holds it")
    check(rcs.get("check-main") == 3, f"check: updates pending (exit 3): {rcs.get('check-main')}")
    check(rcs.get("apply-killed") == 1 and "kill file" in console,
          "with the kill file present apply loads nothing and says why")


def check_faults(console, rcs, blocks, tamper, expired):
    rep = tamper.reports_of("verification_failed", "tt_lp_tamper")
    check(rcs.get("apply-tamper") == 1 and bool(rep),
          f"the tampered module is refused and reported: {rep[:1]}")
    t = patch_of(blocks.get("tamper-status"), "tt_lp_tamper")
    check(t.get("state") == "failed" and t.get("kernel") is None,
          "the tampered module was never loaded")
    rep = expired.reports_of("verification_failed")
    check(rcs.get("apply-expired") == 1 and any("expired" in r["message"] for r in rep),
          f"an expired timestamp is refused and reported: {[r['message'] for r in rep][:1]}")
    check(not (blocks.get("expired-status") or {}).get("patches"),
          "nothing was loaded from the expired archive")


def state_from(console):
    i, j = console.find("TTAGENT:STATE-BEGIN"), console.find("TTAGENT:STATE-END")
    if i < 0 or j < 0:
        return None
    body = console[console.index("\n", i) + 1:j]
    body = body[:body.rfind("\n")] if "\n" in body else body
    lines = [ln.strip() for ln in body.split("\n") if ln.strip()]
    try:
        return base64.b64decode("".join(lines))
    except ValueError:
        return None


def pick_server(tuxtape, tmp):
    """The real `tuxtape serve` when this build has it, else the stand-in."""
    if run(tuxtape, "serve", "--help").returncode == 0:
        print("server: tuxtape serve --insecure-http")
        return lambda name, arch, desired: RealServer(
            tuxtape, os.path.join(tmp, "server-" + name), arch, desired, ABI)
    print("server: fleet_stub.py (this tuxtape has no serve command)")
    return lambda name, arch, desired: FleetStub(arch, desired)


def main():
    tuxtape, agent = sys.argv[1], sys.argv[2]
    k = prerequisites(tuxtape)
    total = time.monotonic()
    boot_secs = []
    with tempfile.TemporaryDirectory(prefix="tt-agent-boot-") as tmp:
        ko = build_modules(k, tmp)
        arch, d = publish(tuxtape, ko, tmp)
        server = pick_server(tuxtape, tmp)
        main_srv = server("main", arch, [d["tt_lp_good"], d["tt_lp_warn"], d["tt_lp_stuck"]])
        tamper = server("tamper", arch, [d["tt_lp_tamper"]])
        expired = server("expired", arch, [d["tt_lp_good"]])
        crash = server("crash", arch, [d["tt_lp_slow"]])
        machine_id = os.urandom(16).hex()
        future = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() + 3 * 86400))
        body = MAIN_BODY.format(main=main_srv.port, tamper=tamper.port,
                                expired=expired.port, future=future,
                                main_token=main_srv.token(), tamper_token=tamper.token(),
                                expired_token=expired.token())
        initrd = os.path.join(tmp, "main.gz")
        base_guest(agent, k, ko, arch, body, machine_id).build(initrd)
        console, secs = boot(k, initrd, "1 (main, tamper, expired)")
        boot_secs.append(secs)
        open(os.path.join(tmp, "console-main.log"), "w").write(console)
        rcs, blocks = markers(console)
        if "TTAGENT:END" not in console:
            print(console[-6000:])
        check("TTAGENT:END" in console, "boot 1 ran its /init to the end")
        check_main(console, rcs, blocks, main_srv)
        check_faults(console, rcs, blocks, tamper, expired)

        initrd = os.path.join(tmp, "crash1.gz")
        body = CRASH1_BODY.format(crash=crash.port, crash_token=crash.token())
        base_guest(agent, k, ko, arch, body, machine_id).build(initrd)
        console, secs = boot(k, initrd, "2 (crash during load)")
        boot_secs.append(secs)
        check("TTAGENT:LOADING 1" in console, "the guest crashed while tt_lp_slow was loading")
        saved = state_from(console)
        check(saved is not None, "the state directory was saved before the crash")
        g = base_guest(agent, k, ko, arch, CRASH2_BODY, machine_id)
        g.add("/state.tar", saved or b"")
        initrd = os.path.join(tmp, "crash2.gz")
        g.build(initrd)
        console, secs = boot(k, initrd, "3 (after the crash)")
        boot_secs.append(secs)
        rcs, blocks = markers(console)
        check("TTAGENT:MODULES 0" in console, "after the reboot tt_lp_slow was not loaded again")
        rep = crash.reports_of("reboot_after_patch", "tt_lp_slow")
        check(bool(rep), "the crash during its load is reported (reboot_after_patch)")
        s = patch_of(blocks.get("crash-status"), "tt_lp_slow")
        check(s.get("hold") is True, "status shows tt_lp_slow held")
        for srv in (main_srv, tamper, expired, crash):
            srv.close()
    print(f"boots: {', '.join(f'{s:.1f}' for s in boot_secs)} s; "
          f"total {time.monotonic() - total:.1f} s")
    print(f"{len(passes)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
