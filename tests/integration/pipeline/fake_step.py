#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A stand-in for `tuxtape patch build` / `patch test` in the queue tests: it records
each run (one appended line: step, job, process) and fails on purpose for some jobs.
Usage: fake_step.py build|test RECORD JOB MODULE"""
import os
import random
import sys
import time

step, record, job, module = sys.argv[1:5]
# O_APPEND writes of one short line land whole, whichever worker writes.
fd = os.open(record, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
os.write(fd, ("%s %s %d\n" % (step, job, os.getppid())).encode())
os.close(fd)
time.sleep(random.uniform(0.005, 0.03))
n = int(job)
if step == "build":
    if n % 10 == 0:
        print("fake build: error: job %d fails to build" % n)
        sys.exit(2)
    with open(module, "w") as f:
        f.write("module of job %d\n" % n)
    print("fake build: ok")
else:
    if n % 10 == 5:
        print("fake test: BUG: job %d oopsed" % n)
        sys.exit(1)
    print("fake test: passed")
