#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Embed a text file in C: embed.py NAME INPUT OUTPUT writes
# "static const char NAME[] = ..." with the file's bytes as a string literal.
import sys

name, src, dst = sys.argv[1:4]
data = open(src, 'rb').read()
out = ['/* generated from %s by scripts/embed.py; do not edit */' % src.split('/')[-1],
       'static const char %s[] =' % name]
for line in data.decode('utf-8').splitlines(True):
    esc = line.replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n')
    out.append('\t"%s"' % esc)
out[-1] += ';'
open(dst, 'w').write('\n'.join(out) + '\n')
