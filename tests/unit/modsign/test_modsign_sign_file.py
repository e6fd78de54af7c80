#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`tuxtape patch sign` against the kernel's own scripts/sign-file, byte for byte.

RSA PKCS#1 v1.5 signatures in a CMS without signed attributes are
deterministic, so both tools must write the same bytes for the same module,
key, certificate and hash. sign-file is taken from $TT_SIGN_FILE, a
linux-kbuild or linux-headers package, or the Debian kernel that
`tuxtape patch kernel` caches; without one the test skips (exit 77) and says
so. The modules: a synthetic ELF file, an object compiled now when a C
compiler is present, and a real Debian module (already signed by Debian) from
the cache when there is one.

With the Debian kernel cached, the verifier also meets the kernel's own
signatures: the build key's certificate is taken from the image (vmlinuz,
xz-compressed, certificate found by its subject), and every module shipped
with that kernel must verify against it, as the kernel itself checks them.

Also checked through the command line: each tool's output verifies with
`tuxtape patch verify-signature`, in text and JSON; a flipped byte fails it;
signing twice is refused, --resign is accepted; usage errors exit 2.
"""
import glob
import json
import lzma
import os
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
failures = []


def check(cond, what, detail=b""):
    print(("ok      " if cond else "FAILED  ") + what)
    if not cond:
        failures.append(what)
        if detail:
            print("        " + detail.decode(errors="replace").strip())


def run(*argv):
    return subprocess.run([str(a) for a in argv], capture_output=True)


def cache_dir():
    return os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")


def find_sign_file():
    explicit = os.environ.get("TT_SIGN_FILE")
    if explicit:
        if not os.access(explicit, os.X_OK):
            print(f"SKIP: TT_SIGN_FILE={explicit} is not an executable file")
            sys.exit(SKIP)
        return explicit
    patterns = ["/usr/lib/linux-kbuild-*/scripts/sign-file",
                "/usr/src/linux-headers-*/scripts/sign-file",
                os.path.join(cache_dir(), "tuxtape/debian/*/root/usr/lib/linux-kbuild-*/scripts/sign-file")]
    for pattern in patterns:
        for path in sorted(glob.glob(pattern)):
            if os.access(path, os.X_OK):
                return path
    return None


def make_keys(d):
    """An RSA key and its self-signed certificate (DER, as the kernel build writes it)."""
    key, cert = os.path.join(d, "signing_key.pem"), os.path.join(d, "signing_key.x509")
    p = run("openssl", "req", "-new", "-x509", "-newkey", "rsa:3072", "-nodes", "-days", "30",
            "-subj", "/CN=tuxtape sign-file comparison/O=tuxtape", "-keyout", key,
            "-outform", "DER", "-out", cert)
    if p.returncode != 0:
        print("SKIP: openssl could not make a key:\n" + p.stderr.decode(errors="replace"))
        sys.exit(SKIP)
    return key, cert


def synthetic_elf(d):
    path = os.path.join(d, "synthetic.ko")
    with open(path, "wb") as f:
        f.write(b"\x7fELF\x02\x01\x01" + bytes(57) + bytes((i * 13) & 255 for i in range(5000)))
    return path


def compiled_object(d):
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        return None
    src, obj = os.path.join(d, "m.c"), os.path.join(d, "compiled.ko")
    with open(src, "w") as f:
        f.write("int tuxtape_modsign_probe(int x) { return x * 3 + 1; }\n")
    return obj if run(cc, "-c", "-O2", src, "-o", obj).returncode == 0 else None


def debian_module(d):
    """A real module from the cached Debian kernel; it carries Debian's signature."""
    found = sorted(glob.glob(os.path.join(
        cache_dir(), "tuxtape/debian/*/root/lib/modules/*/kernel/lib/crc8.ko")))
    if not found:
        return None
    path = os.path.join(d, "debian-crc8.ko")
    shutil.copyfile(found[0], path)
    return path


def strip_signature(data):
    """The module without its trailer, by the kernel's layout (for sign-file's input)."""
    magic = b"~Module signature appended~\n"
    while data.endswith(magic):
        sig_len = int.from_bytes(data[-len(magic) - 4:-len(magic)], "big")
        data = data[:-len(magic) - 12 - sig_len]
    return data


def compare(exe, sign_file, key, cert, module, hash_name, d):
    name = os.path.basename(module)
    with open(module, "rb") as f:
        original = f.read()
    plain = os.path.join(d, f"plain-{hash_name}-{name}")
    with open(plain, "wb") as f:
        f.write(strip_signature(original))
    theirs, ours = plain + ".sign-file", plain + ".tuxtape"
    p = run(sign_file, hash_name, key, cert, plain, theirs)
    check(p.returncode == 0, f"sign-file {hash_name} {name}", p.stderr)
    resign = ["--resign"] if original != strip_signature(original) else []
    p = run(exe, "patch", "sign", "--key", key, "--cert", cert, "--hash", hash_name, *resign,
            "-o", ours, module)
    check(p.returncode == 0, f"tuxtape patch sign {hash_name} {name}", p.stderr)
    with open(theirs, "rb") as a, open(ours, "rb") as b:
        same = a.read() == b.read()
    check(same, f"{name} {hash_name}: tuxtape's bytes are sign-file's bytes")
    for path in (theirs, ours):
        p = run(exe, "patch", "verify-signature", "--cert", cert, path)
        check(p.returncode == 0, f"verify-signature accepts {os.path.basename(path)}",
              p.stdout + p.stderr)
    return ours


def command_line_checks(exe, cert, key, signed, d):
    p = run(exe, "patch", "verify-signature", "--json", "--cert", cert, signed)
    doc = json.loads(p.stdout or b"{}")
    mod = (doc.get("modules") or [{}])[0]
    check(p.returncode == 0 and doc.get("valid") is True and mod.get("digest") == "sha256"
          and mod.get("signature_algorithm") == "rsaEncryption"
          and "tuxtape sign-file comparison" in (mod.get("signer") or {}).get("issuer", ""),
          "verify-signature --json reports the signer, digest and algorithm")
    flipped = os.path.join(d, "flipped.ko")
    with open(signed, "rb") as f:
        data = bytearray(f.read())
    data[200] ^= 1
    with open(flipped, "wb") as f:
        f.write(data)
    p = run(exe, "patch", "verify-signature", "--cert", cert, flipped)
    check(p.returncode == 1 and b"does not match" in p.stdout, "a flipped byte fails, exit 1")
    p = run(exe, "patch", "sign", "--key", key, "--cert", cert, signed)
    check(p.returncode == 1 and b"already signed" in p.stderr, "signing twice is refused")
    p = run(exe, "patch", "sign", "--key", key, "--cert", cert, "--resign", signed)
    check(p.returncode == 0, "--resign replaces the signature in place")
    p = run(exe, "patch", "verify-signature", "--cert", cert, signed)
    check(p.returncode == 0, "the re-signed module verifies")
    for argv in (["sign", signed], ["sign", "--key", key, "--cert", cert, "--hash", "md5", signed],
                 ["verify-signature", signed], ["verify-signature", "--cert", cert]):
        p = run(exe, "patch", *argv)
        check(p.returncode == 2, f"usage error exits 2: patch {' '.join(argv[:1])} ...")
    p = run(exe, "patch", "sign", "--help")
    check(p.returncode == 0 and b"sign-file" in p.stdout, "patch sign --help")


def debian_kernel_cert(root, d):
    """The module signing certificate built into a cached Debian kernel image, or None."""
    images = glob.glob(os.path.join(root, "boot/vmlinuz-*"))
    if not images:
        return None
    with open(images[0], "rb") as f:
        image = f.read()
    start = image.find(b"\xfd7zXZ\x00")
    if start < 0:
        return None
    kernel = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(image[start:])
    subject = kernel.find(b"Build time autogenerated kernel key")
    if subject < 0:
        return None
    # the certificate is the DER SEQUENCE (30 82 len) that starts shortly before its subject
    for at in range(subject, max(0, subject - 4096), -1):
        if kernel[at:at + 2] != b"\x30\x82" or kernel[at + 4:at + 6] != b"\x30\x82":
            continue
        end = at + 4 + int.from_bytes(kernel[at + 2:at + 4], "big")
        if end > subject:
            path = os.path.join(d, "debian-kernel.x509")
            with open(path, "wb") as f:
                f.write(kernel[at:end])
            return path
    return None


def debian_kernel_checks(exe, d):
    roots = sorted(glob.glob(os.path.join(cache_dir(), "tuxtape/debian/*/root")))
    cert = debian_kernel_cert(roots[0], d) if roots else None
    if not cert:
        print("skipped: no cached Debian kernel with an xz image and its signing certificate")
        return
    modules = sorted(glob.glob(os.path.join(roots[0], "lib/modules/*/kernel/**/*.ko"),
                               recursive=True))
    p = run(exe, "patch", "verify-signature", "--json", "--cert", cert, *modules)
    doc = json.loads(p.stdout or b"{}")
    valid = sum(1 for m in doc.get("modules", []) if m.get("valid"))
    check(p.returncode == 0 and modules and valid == len(modules),
          f"Debian's own signatures: {valid} of {len(modules)} modules verify against the "
          "certificate in its vmlinuz")
    altered = os.path.join(d, "debian-altered.ko")
    with open(modules[0], "rb") as f:
        data = bytearray(f.read())
    data[64] ^= 0x10
    with open(altered, "wb") as f:
        f.write(data)
    p = run(exe, "patch", "verify-signature", "--cert", cert, altered)
    check(p.returncode == 1, "an altered Debian module no longer verifies")


def fetch_kbuild(exe):
    """Debian's kbuild package (it holds sign-file), as `tuxtape patch kernel` caches it."""
    p = run(exe, "patch", "kernel", "6.1.0-47-amd64")
    if p.returncode != 0:
        print("(fetching the Debian kernel for its sign-file failed: %s)"
              % p.stderr.decode(errors="replace").strip()[-300:])


def main():
    exe = sys.argv[1]
    sign_file = find_sign_file()
    if not sign_file and not os.environ.get("TT_SIGN_FILE"):
        fetch_kbuild(exe)  # a fresh machine: the boot tests have not filled the cache yet
        sign_file = find_sign_file()
    if not sign_file:
        print("SKIP: the kernel's scripts/sign-file is not here (install linux-kbuild-6.1, or "
              "run `tuxtape patch kernel 6.1.0-47-amd64` once, or set TT_SIGN_FILE)")
        return SKIP
    if not shutil.which("openssl"):
        print("SKIP: the openssl command is needed to make a test key")
        return SKIP
    print(f"sign-file: {sign_file}")
    with tempfile.TemporaryDirectory(prefix="tt-modsign-") as d:
        key, cert = make_keys(d)
        modules = [m for m in (synthetic_elf(d), compiled_object(d), debian_module(d)) if m]
        signed = None
        for module in modules:
            for hash_name in ("sha256", "sha384", "sha512"):
                out = compare(exe, sign_file, key, cert, module, hash_name, d)
                if hash_name == "sha256" and module == modules[0]:
                    signed = out
        command_line_checks(exe, cert, key, signed, d)
        debian_kernel_checks(exe, d)
        print(f"{len(modules)} modules compared byte for byte, 3 hashes each")
    if failures:
        print(f"{len(failures)} checks failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
