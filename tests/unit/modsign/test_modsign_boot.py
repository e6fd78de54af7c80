#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The kernel's own verdict on tuxtape's module signatures, under QEMU.

Boots Debian's 6.1.0-47-amd64 with module.sig_enforce=1 (through `tuxtape
patch test`) and loads four of its own small modules:

- crc8, as Debian signed it: loads (the baseline: enforcement is on and the
  kernel's key verifies);
- crc7, Debian's signature replaced by `tuxtape patch sign --resign` with a
  key made here: refused with "Loading of module with unavailable key is
  rejected", the kernel's answer to -ENOKEY. It parsed the trailer and the
  CMS and looked the signer (issuer + serial) up in its keyrings; a format it
  could not read would have been -EBADMSG or -ENOPKG instead;
- crc16 with its CMS corrupted: refused, "Bad message" (-EBADMSG): the check
  above is able to tell the difference;
- crc-itu-t with its signature stripped: "Loading of unsigned module is
  rejected".

A positive load of a tuxtape signature needs the key in the kernel's keyring
(a kernel build, or MOK under Secure Boot), which this test bed has not;
byte-identity with sign-file is checked by test_modsign_sign_file.py.
Skips (exit 77) when the kernel cannot be fetched or QEMU is missing.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
ABI = "6.1.0-47-amd64"
MAGIC = b"~Module signature appended~\n"
failures = []


def check(cond, what):
    print(("ok      " if cond else "FAILED  ") + what)
    if not cond:
        failures.append(what)


def run(*argv):
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True)


def cms_start(data):
    sig_len = int.from_bytes(data[-len(MAGIC) - 4:-len(MAGIC)], "big")
    return len(data) - len(MAGIC) - 12 - sig_len


def prepare(exe, modules_dir, d):
    """The four modules, each under its own name (the kernel and insmod report by name)."""
    lib = os.path.join(modules_dir, "kernel", "lib")
    key, cert = os.path.join(d, "key.pem"), os.path.join(d, "cert.x509")
    p = run("openssl", "req", "-new", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
            "-subj", "/CN=tuxtape boot test key", "-keyout", key, "-outform", "DER",
            "-out", cert)
    if p.returncode != 0:
        print("SKIP: openssl could not make a key: " + p.stderr)
        sys.exit(SKIP)
    debian = os.path.join(d, "crc8.ko")
    shutil.copyfile(os.path.join(lib, "crc8.ko"), debian)
    ours = os.path.join(d, "crc7.ko")
    p = run(exe, "patch", "sign", "--resign", "--key", key, "--cert", cert, "-o", ours,
            os.path.join(lib, "crc7.ko"))
    check(p.returncode == 0, "re-signed crc7 with a key of our own" +
          (": " + p.stderr.strip() if p.returncode else ""))
    with open(os.path.join(lib, "crc16.ko"), "rb") as f:
        data = bytearray(f.read())
    data[cms_start(data)] ^= 0x01  # the CMS's outer SEQUENCE tag no longer reads
    broken = os.path.join(d, "crc16.ko")
    with open(broken, "wb") as f:
        f.write(data)
    with open(os.path.join(lib, "crc-itu-t.ko"), "rb") as f:
        data = f.read()
    unsigned = os.path.join(d, "crc-itu-t.ko")
    with open(unsigned, "wb") as f:
        f.write(data[:cms_start(data)])
    return [debian, ours, broken, unsigned]


def main():
    exe = sys.argv[1]
    if not shutil.which("qemu-system-x86_64") or not shutil.which("openssl"):
        print("SKIP: qemu-system-x86_64 and openssl are needed")
        return SKIP
    p = run(exe, "patch", "kernel", ABI, "--json")
    if p.returncode != 0:
        print(f"SKIP: the Debian packages of {ABI} cannot be had:\n{p.stderr}")
        return SKIP
    kernel = json.loads(p.stdout)
    with tempfile.TemporaryDirectory(prefix="tt-modsign-boot-") as d:
        modules = prepare(exe, kernel["modules_dir"], d)
        work = os.path.join(d, "work")
        os.mkdir(work)
        p = run(exe, "patch", "test", "--kernel", ABI, "--append", "module.sig_enforce=1",
                "--keep-loaded", "--timeout", "240", "--workdir", work, "--json", *modules)
        report = json.loads(p.stdout or "{}")
        by_name = {m["name"]: m for m in report.get("modules", [])}
        with open(os.path.join(work, "console.log"), errors="replace") as f:
            console = f.read()

        def insmod(name):
            return by_name.get(name, {}).get("insmod_output") or ""

        check(by_name.get("crc8", {}).get("loaded") is True,
              "Debian's own signature: crc8 loads with module.sig_enforce=1")
        check(not by_name.get("crc7", {}).get("loaded")
              and "Key was rejected" in insmod("crc7")
              and "Loading of module with unavailable key is rejected" in console,
              "tuxtape's signature by an unknown key: parsed, signer looked up, -ENOKEY: "
              + insmod("crc7"))
        check(not by_name.get("crc16", {}).get("loaded") and "Bad message" in insmod("crc16"),
              "a corrupted CMS: -EBADMSG: " + insmod("crc16"))
        check(not by_name.get("crc_itu_t", {}).get("loaded")
              and "Loading of unsigned module is rejected" in console,
              "no signature: refused as unsigned")
    if failures:
        print(f"{len(failures)} checks failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
