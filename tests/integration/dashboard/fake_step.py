#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Stands in for `tuxtape patch build` and `patch test` in the dashboard's browser
test, so a job passes in a second instead of a kernel build and a QEMU boot.
Usage: fake_step.py build|test MODULE KERNEL"""
import sys

step, module, kernel = sys.argv[1:4]
if step == "build":
    with open(module, "wb") as f:
        f.write(b"fake livepatch module for " + kernel.encode() + b"\n")
    print("fake build: %s built for %s" % (module, kernel))
else:
    print("fake boot test: %s loaded and enabled on %s, no warning" % (module, kernel))
