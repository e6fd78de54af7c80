#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""End-to-end: `tuxtape patch build` on Debian's 6.1.0-47-amd64 (6.1.170-3), proven by booting.

Uses the hand-written patches of tests/fixtures/patchbuild/ against the
kernel's own source (fetched and prepared once, cached in
$XDG_CACHE_HOME/tuxtape/debian/6.1.0-47-amd64/):

- meminfo-string.patch changes a label printed by meminfo_proc_show(): the
  module builds, and under QEMU the new label is in /proc/meminfo while the
  patch is enabled and gone after `echo 0 > enabled`; the module unloads;
- cmdline-static-helper.patch makes cmdline_proc_show() call a static helper
  of fs/proc/cmdline.c: the .ko carries the helper, a .klp.rela.vmlinux.*
  section and a .klp.sym.vmlinux.NAME,POS symbol for the running kernel's
  unexported saved_command_line, and /proc/cmdline shows the helper's text;
- meminfo-string.patch again, signed with a throwaway key (--sign-key,
  --sign-cert) and named by a relative path: the module ends with the
  kernel's signature trailer, OpenSSL verifies the CMS in it over the module
  bytes, and --explain / --json say why meminfo_proc_show was taken;
- meminfo-hooks.patch uses <tuxtape/livepatch-hooks.h>: four callbacks that
  log their names and a shadow counter attached to init_task: under QEMU
  /proc/meminfo counts its readers while patched, the kernel log shows
  pre_patch and post_patch, then pre_unpatch and post_unpatch, in order;
- proc-internal-header.patch changes an inline of fs/proc/internal.h: every
  fs/proc object that includes it is compared, only fs/proc/inode.o's
  proc_reg_open changed and is patched, and the guest logs from the patched
  open; --max-header-objects below that count refuses with the count;
- the exit statuses: a change to __init code is refused (5) with the
  function named, a comment-only patch builds nothing (3), a patch that does
  not apply fails (1) naming it, usage errors are 2.

Skips (exit 77), saying why, when the Debian packages cannot be downloaded.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

SKIP = 77
ABI = "6.1.0-47-amd64"
FIXTURES = os.path.join(os.environ.get("TT_FIXTURES", ""), "patchbuild")
DOWNLOAD_FAILURES = ("apt-get download", "apt knows no version", "apt-get update",
                     "apt-cache", "Temporary failure resolving")

failures = []
passes = []


def check(cond, what):
    print(("ok      " if cond else "FAILED  ") + what)
    (passes if cond else failures).append(what)


def run(*argv):
    return subprocess.run(list(argv), capture_output=True, text=True)


def build(exe, name, out, *patches, extra=(), cwd=None):
    """tuxtape patch build --json; returns (exit status, result or None, stderr)."""
    start = time.monotonic()
    paths = patches if cwd else [os.path.join(FIXTURES, x) for x in patches]
    p = subprocess.run([exe, "-v", "patch", "build", "--debian", ABI, "--name", name, "-o", out,
                        "--json", *extra, *paths], capture_output=True, text=True, cwd=cwd)
    print(f"build {name}: {time.monotonic() - start:.1f} s, exit {p.returncode}")
    sys.stdout.write("".join("    " + line + "\n" for line in p.stderr.splitlines()))
    if p.returncode == 1 and any(s in p.stderr for s in DOWNLOAD_FAILURES):
        print(f"SKIP: the Debian packages of {ABI} cannot be downloaded")
        sys.exit(SKIP)
    result = json.loads(p.stdout) if p.stdout.strip() else None
    return p.returncode, result, p.stderr


def build_ok(exe, tag, name, ko, patch):
    """A build that must produce the module: its result, or None (the failure is recorded)."""
    code, r, err = build(exe, name, ko, patch)
    built = code == 0 and r and r["outcome"] == "built" and os.path.exists(ko)
    check(built, f"{tag}: built (exit {code}) {err.strip()[-300:] if code else ''}")
    return r if built else None


def boot(exe, ko, script_text, tmp, tag):
    script = os.path.join(tmp, f"check-{tag}.sh")
    with open(script, "w") as f:
        f.write(script_text)
    start = time.monotonic()
    p = run(exe, "patch", "test", "--kernel", ABI, "--json", "--check", script, ko)
    print(f"boot {tag}: {time.monotonic() - start:.1f} s, exit {p.returncode}")
    if p.returncode not in (0, 1):
        sys.stderr.write(p.stderr)
        raise SystemExit(f"tuxtape patch test exited {p.returncode}")
    return p.returncode, json.loads(p.stdout)


def check_boot(code, r, name, marker):
    m = next((x for x in r["modules"] if not x["preload"]), {})
    check(code == 0 and r["pass"], f"{name}: the boot test passes: {r['reasons']}")
    check(m.get("loaded") and m.get("enabled") and m.get("transition_finished") is True,
          f"{name}: loaded, enabled, transition finished")
    check(marker in (r["check"]["output"] or ""), f"{name}: '{marker}' seen while patched")
    check(r["check"]["unpatched_status"] == 0, f"{name}: gone again after enabled=0")
    check(m.get("unpatch_transition_finished") is True and m.get("rmmod_status") == 0,
          f"{name}: unpatching finished and rmmod succeeded")
    check(r["issues"] == [], f"{name}: no WARNING, BUG, Oops or livepatch error")


MEMINFO_CHECK = """#!/bin/sh
grep ^MemTotal /proc/meminfo
if [ "$1" = patched ]; then grep -q '^MemTotalTT: ' /proc/meminfo
else grep -q '^MemTotal: ' /proc/meminfo && ! grep -q MemTotalTT /proc/meminfo; fi
"""

CMDLINE_CHECK = """#!/bin/sh
cat /proc/cmdline
if [ "$1" = patched ]; then grep -q tuxtape_static_helper_ok /proc/cmdline
else ! grep -q tuxtape_static_helper_ok /proc/cmdline; fi
"""


def test_meminfo(exe, tmp):
    ko = os.path.join(tmp, "tt_meminfo.ko")
    r = build_ok(exe, "meminfo", "tt_meminfo", ko, "meminfo-string.patch")
    if not r:
        return
    obj = r["objects"][0]
    check(obj["object"] == "fs/proc/meminfo.o" and obj["objname"] == "vmlinux" and
          "meminfo_proc_show" in obj["changed"], "meminfo: meminfo_proc_show changed in vmlinux")
    steps = [s["step"] for s in r["steps"]]
    check("build orig" in steps and "postlink" in steps, f"meminfo: step times: {steps}")
    check_boot(*boot(exe, ko, MEMINFO_CHECK, tmp, "meminfo"), "meminfo", "MemTotalTT:")


def klp_sections_and_symbols(ko):
    sections = run("readelf", "-SW", ko).stdout
    symbols = run("readelf", "-sW", ko).stdout
    rela = re.findall(r"\s(\.klp\.rela\.vmlinux\.\S+)", sections)
    syms = re.findall(r"\s(\.klp\.sym\.vmlinux\.[A-Za-z0-9_.]+,\d+)\s*$", symbols, re.M)
    helper = re.search(r"FUNC\s+LOCAL\s+DEFAULT\s+\d+\s+cmdline_show_marker$", symbols, re.M)
    return rela, syms, helper


def test_cmdline(exe, tmp):
    ko = os.path.join(tmp, "tt_cmdline.ko")
    r = build_ok(exe, "cmdline", "tt_cmdline", ko, "cmdline-static-helper.patch")
    if not r:
        return
    obj = r["objects"][0]
    check("cmdline_proc_show" in obj["changed"] and "cmdline_show_marker" in obj["added"],
          f"cmdline: changed {obj['changed']}, new {obj['added']}")
    rela, syms, helper = klp_sections_and_symbols(ko)
    check(bool(rela), f"cmdline: the .ko has livepatch relocation sections: {rela}")
    check(".klp.sym.vmlinux.saved_command_line,0" in syms,
          f"cmdline: .klp.sym.vmlinux.NAME,POS for the unexported variable: {syms}")
    check(helper is not None, "cmdline: the static helper is a local function of the .ko")
    check(r["klp_relocations"] >= 1 and r["klp_symbols"] >= 1,
          f"cmdline: postlink wrote {r['klp_relocations']} relocation(s)")
    check_boot(*boot(exe, ko, CMDLINE_CHECK, tmp, "cmdline"), "cmdline",
               "tuxtape_static_helper_ok")


MAGIC = b"~Module signature appended~\n"


def split_signed_module(data):
    """(module bytes, CMS DER, info block) as the kernel splits a signed module, or None."""
    if not data.endswith(MAGIC):
        return None
    info = data[-len(MAGIC) - 12:-len(MAGIC)]
    sig_len = int.from_bytes(info[8:12], "big")
    end = len(data) - len(MAGIC) - 12
    return data[:end - sig_len], data[end - sig_len:end], info


def test_signed_and_explained(exe, tmp):
    key, cert = os.path.join(tmp, "key.pem"), os.path.join(tmp, "cert.der")
    p = run("openssl", "req", "-new", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=tuxtape test", "-keyout", key, "-outform", "DER", "-out", cert)
    check(p.returncode == 0, "a throwaway signing key" + (f": {p.stderr.strip()[-200:]}" if p.returncode else ""))
    ko = os.path.join(tmp, "tt_signed.ko")
    code, r, err = build(exe, "tt_signed", ko, "meminfo-string.patch", cwd=FIXTURES,
                         extra=("--sign-key", key, "--sign-cert", cert))
    check(code == 0 and r and r["signed"] is True,
          f"signed build from a relative patch path (exit {code}) {err.strip()[-300:] if code else ''}")
    if code != 0:
        return
    parts = split_signed_module(open(ko, "rb").read())
    check(parts is not None, "the module ends with the signature magic")
    if parts is None:
        return
    module, cms, info = parts
    check(info[:8] == bytes([0, 0, 2, 0, 0, 0, 0, 0]),
          f"signature info block: id_type 2 (PKCS#7), all else zero: {info.hex()}")
    check(module[:4] == b"\x7fELF", "the signed bytes are the ELF module")
    for name, blob in (("mod.bin", module), ("sig.der", cms)):
        with open(os.path.join(tmp, name), "wb") as f:
            f.write(blob)
    p = run("openssl", "cms", "-verify", "-binary", "-inform", "DER",
            "-in", os.path.join(tmp, "sig.der"), "-content", os.path.join(tmp, "mod.bin"),
            "-certfile", cert, "-noverify", "-out", os.devnull)
    check(p.returncode == 0, f"OpenSSL verifies the CMS over the module: {p.stderr.strip()}")
    p = run("openssl", "cms", "-cmsout", "-print", "-inform", "DER",
            "-in", os.path.join(tmp, "sig.der"))
    check("eContent: <ABSENT>" in p.stdout and "signedAttrs:\n          <ABSENT>" in p.stdout,
          "detached CMS without signed attributes, as sign-file writes")
    funcs = r["objects"][0]["functions"]
    check(any(f["name"] == "meminfo_proc_show" and f["status"] == "changed" and
              "MemTotalTT" in f["reason"] for f in funcs),
          f"--json says why meminfo_proc_show was taken: {funcs}")
    needs = {n["name"]: n["kind"] for n in r["objects"][0]["needs"]}
    check(needs.get("arch_report_meminfo") == "global" and needs.get("seq_printf") == "undefined",
          f"--json says how the changed code reaches what it needs: {sorted(needs.items())[:6]}")
    p = subprocess.run([exe, "patch", "build", "--debian", ABI, "--name", "tt_explain", "-o",
                        os.path.join(tmp, "tt_explain.ko"), "--explain",
                        "meminfo-string.patch"], capture_output=True, text=True, cwd=FIXTURES)
    check(p.returncode == 0 and re.search(r"taken\s+meminfo_proc_show \(changed\): .*MemTotalTT",
                                          p.stdout) is not None,
          f"--explain prints each function taken and why:\n{p.stdout[:600]}")
    p = run(exe, "patch", "build", "--debian", ABI, "--name", "x", "-o", ko, "--sign-key", key,
            os.path.join(FIXTURES, "meminfo-string.patch"))
    check(p.returncode == 2 and "--sign-cert" in p.stderr, "--sign-key without --sign-cert: 2")
    p = run(exe, "patch", "build", "--debian", ABI, "--name", "x", "-o", ko, "--sign-key", cert,
            "--sign-cert", cert, os.path.join(FIXTURES, "meminfo-string.patch"))
    check(p.returncode == 1 and "build orig" not in p.stderr,
          f"a bad signing key fails before anything is built: {p.stderr.strip()[-200:]}")


HOOKS_CHECK = """#!/bin/sh
hooks() { dmesg | grep -o 'tuxtape-hooks: [a-z_]*' | awk '{printf "%s ", $2}'; }
if [ "$1" = patched ]; then
    grep TuxtapeShows /proc/meminfo; grep TuxtapeShows /proc/meminfo
    [ "$(grep TuxtapeShows /proc/meminfo | awk '{print $2}')" = 3 ] || exit 1
    echo "hooks: $(hooks)"; [ "$(hooks)" = "pre_patch post_patch " ]
else
    ! grep -q TuxtapeShows /proc/meminfo || exit 1
    [ "$(hooks)" = "pre_patch post_patch pre_unpatch post_unpatch " ]
fi
"""


def test_hooks(exe, tmp):
    ko = os.path.join(tmp, "tt_hooks.ko")
    r = build_ok(exe, "hooks", "tt_hooks", ko, "meminfo-hooks.patch")
    if not r:
        return
    added = r["objects"][0]["added"]
    check(len([f for f in added if f.startswith("__tuxtape_hook_")]) == 4,
          f"hooks: the four hook functions are carried: {added}")
    code, t = boot(exe, ko, HOOKS_CHECK, tmp, "hooks")
    check(code == 0 and t["pass"], f"hooks: the boot test passes: {t['reasons']}")
    check(t["check"]["patched_status"] == 0 and "TuxtapeShows:   2" in
          (t["check"]["output"] or ""),
          "hooks: the shadow counter counts while patched; pre_patch, post_patch logged")
    check(t["check"]["unpatched_status"] == 0,
          "hooks: after enabled=0, pre_unpatch and post_unpatch logged, the counter gone")


HEADER_CHECK = """#!/bin/sh
cat /proc/meminfo >/dev/null
dmesg | grep tuxtape-header
[ "$1" = unpatched ] || dmesg | grep -q "tuxtape-header: opened /proc/"
"""


def test_header(exe, tmp):
    ko = os.path.join(tmp, "tt_header.ko")
    r = build_ok(exe, "header", "tt_header", ko, "proc-internal-header.patch")
    if not r:
        return
    compared = [o["object"] for o in r["objects"]]
    changed = [o["object"] for o in r["objects"] if o["changed"] or o["added"]]
    proc = [o for o in compared if o.startswith("fs/proc/")]
    check(len(proc) >= 15 and "fs/proc/meminfo.o" in compared and "fs/proc/inode.o" in compared,
          f"header: every fs/proc object including it is compared ({len(compared)}): "
          f"{compared[:6]}...")
    inode = next(o for o in r["objects"] if o["object"] == "fs/proc/inode.o")
    check(changed == ["fs/proc/inode.o"] and "proc_reg_open" in inode["changed"],
          f"header: only proc_reg_open of inode.o takes part: {changed} {inode['changed']}")
    code, t = boot(exe, ko, HEADER_CHECK, tmp, "header")
    check(code == 0 and t["pass"], f"header: the boot test passes: {t['reasons']}")
    out = os.path.join(tmp, "x.ko")
    p = run(exe, "patch", "build", "--debian", ABI, "--name", "tt_hdr_cap", "-o", out,
            "--max-header-objects", "3", os.path.join(FIXTURES, "proc-internal-header.patch"))
    check(p.returncode == 1 and re.search(r"which \d+ objects of this kernel include", p.stderr)
          and "--object" in p.stderr and not os.path.exists(out),
          f"header: over --max-header-objects, refused with the count: {p.stderr.strip()[-250:]}")


def test_exit_statuses(exe, tmp):
    out = os.path.join(tmp, "x.ko")
    code, r, err = build(exe, "tt_init", out, "cmdline-init-refused.patch")
    refusals = r["refusals"] if r else []
    check(code == 5 and r["outcome"] == "refused" and not os.path.exists(out),
          f"a change to __init code is refused, exit 5 (got {code})")
    check(any("proc_cmdline_init" in x and "__init" in x for x in refusals),
          f"the refusal names the function and why: {refusals}")
    code, r, err = build(exe, "tt_comment", out, "cmdline-comment-only.patch")
    check(code == 3 and r["outcome"] == "nothing" and r["module"] is None,
          f"a comment-only patch: nothing to patch, exit 3 (got {code})")
    bad = os.path.join(tmp, "bad.patch")
    with open(os.path.join(FIXTURES, "meminfo-string.patch")) as f:
        text = f.read().replace('"MemTotal:       "', '"MemTotal:  XX   "', 1)
    with open(bad, "w") as f:
        f.write(text)
    code, r, err = build(exe, "tt_bad", out, bad)
    check(code == 1 and "does not apply" in err and "bad.patch" in err,
          f"a patch that does not apply: exit 1, named (got {code})")
    kept = re.search(r"the work directory is kept: (\S+)", err)
    check(kept and os.path.exists(os.path.join(kept.group(1), "logs", "patch-dry-run.log")),
          "a failed build keeps its logs and says where")
    if kept:
        shutil.rmtree(kept.group(1), ignore_errors=True)
    p = run(exe, "patch", "build", "--help")
    check(p.returncode == 0 and "Exit status:" in p.stdout, "patch build --help")
    p = run(exe, "patch", "build", "--debian", ABI, "--name", "x", "-o", out)
    check(p.returncode == 2 and "no patch" in p.stderr, "no patch: usage error (2)")
    p = run(exe, "patch", "build", "--name", "x", "-o", out, bad)
    check(p.returncode == 2, "no kernel: usage error (2)")
    p = run(exe, "patch", "build", "--debian", ABI, "--name", "Bad-Name", "-o", out, bad)
    check(p.returncode == 1 and "a-z, 0-9" in p.stderr, "a bad module name is refused")


def main():
    exe = os.path.abspath(sys.argv[1])  # some builds run with cwd elsewhere
    if not os.path.isdir(FIXTURES):
        print(f"SKIP: {FIXTURES} not found")
        return SKIP
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tt-patch-build-") as tmp:
        test_cmdline(exe, tmp)
        test_meminfo(exe, tmp)
        test_signed_and_explained(exe, tmp)
        test_hooks(exe, tmp)
        test_header(exe, tmp)
        test_exit_statuses(exe, tmp)
    print(f"{len(passes)} passed, {len(failures)} failed, {time.monotonic() - start:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
