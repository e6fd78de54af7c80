#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Embed a text file in the library as a C string: embed.py IN OUT.c SYMBOL."""
import sys

src, out, symbol = sys.argv[1:4]
text = open(src, encoding="utf-8").read()
lines = "".join("\t\"" + line.replace("\\", "\\\\").replace("\"", "\\\"") + "\\n\"\n"
                for line in text.splitlines())
with open(out, "w", encoding="utf-8") as f:
    f.write(f"/* Generated from {src.split('/')[-1]} by scripts/embed.py: do not edit. */\n"
            f"const char {symbol}[] =\n{lines};\n")
