#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Count TAP results across meson test logs and print hotmem's summary line.

Each argument is a meson-logs/testlog.json. Every "ok"/"not ok" line of a
test program's output is one test. A program that failed without reporting
a failing test (a crash, a sanitizer abort, a missing plan) counts as one
failure. Skips print their reason (the "# skip: ..." line before them).
Lines "# note: ..." (what a test measured) are printed once, from the
plain build.
The last line is "N passed, N failed" plus ", N skipped" when any skipped.
Exit status: 0 when nothing failed.
"""
import json
import os
import re
import sys

TAP = re.compile(r'^(not )?ok\b\s*(\d+)?\s*(?:-\s*)?([^#]*)(?:#\s*(\w+)\s*(.*))?$')


def flavour(path):
    return os.path.basename(os.path.dirname(os.path.dirname(path)))


def main(paths):
    passed = failed = skipped = 0
    for path in paths:
        if not os.path.exists(path):
            print(f"FAIL {path}: no test log (did the build fail?)")
            failed += 1
            continue
        build = flavour(path)
        with open(path) as f:
            for line in f:
                t = json.loads(line)
                name = f"{build}:{t['name']}"
                out = t.get('stdout') or ''
                results = 0
                bad = 0
                reason = ''
                planned = None
                for l in out.splitlines():
                    if l.startswith('# note:'):
                        if build == 'build':
                            print(f"NOTE {name}: {l[len('# note:'):].strip()}")
                        continue
                    if l.startswith('# skip:'):
                        reason = l[len('# skip:'):].strip()
                        continue
                    m = re.match(r'^1\.\.(\d+)', l)
                    if m:
                        planned = int(m.group(1))
                        continue
                    m = TAP.match(l)
                    if not m:
                        continue
                    results += 1
                    desc = m.group(3).strip()
                    directive = (m.group(4) or '').upper()
                    if directive == 'SKIP':
                        skipped += 1
                        why = reason or m.group(5) or 'no reason given'
                        print(f"SKIP {name} {desc or m.group(5)}: {why}")
                    elif m.group(1):
                        failed += 1
                        bad += 1
                        print(f"FAIL {name} {desc}")
                    else:
                        passed += 1
                    reason = ''
                missing = (planned - results) if planned is not None else 0
                if t['result'] == 'OK' and results == 0:
                    passed += 1     # a test that does not speak TAP
                elif t['result'] == 'SKIP' and results == 0:
                    skipped += 1
                    print(f"SKIP {name}: {out.strip().splitlines()[-1] if out.strip() else 'skipped'}")
                elif t['result'] not in ('OK', 'SKIP') and bad == 0:
                    failed += max(1, missing)
                    err = (t.get('stderr') or '').strip().splitlines()[-5:]
                    print(f"FAIL {name}: {t['result']} (exit {t.get('returncode')}) " +
                          ' | '.join(err))
                elif missing > 0:
                    failed += missing
                    print(f"FAIL {name}: {missing} planned tests never reported")
    line = f"{passed} passed, {failed} failed"
    if skipped:
        line += f", {skipped} skipped"
    print(line)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
