#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Runs every build/bench/bench_* with --json, prints them for humans, and
# writes all results, one JSON object per line, to bench/results/latest.json
# plus a dated copy (bench/results/YYYY-MM-DD.json). Each line carries the
# machine it ran on, so committed results say where they came from.
set -eu
cd "$(dirname "$0")/.."

out=bench/results
mkdir -p "$out"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
host="$(uname -m) $(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
stamp=$(date -u +%Y-%m-%dT%H:%M:%SZ)

for b in build/bench/bench_*; do
	[ -f "$b" ] && [ -x "$b" ] || continue
	echo "== $b" >&2
	"$b" --json | while IFS= read -r line; do
		printf '%s\n' "${line%\}}, \"machine\": \"$host\", \"when\": \"$stamp\"}"
	done >>"$tmp"
done
cp "$tmp" "$out/latest.json"
cp "$tmp" "$out/$(date -u +%Y-%m-%d).json"

python3 - "$out/latest.json" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print(f"{r['bench']:6} {r['case']:26} {r['value']:12.4g} {r['unit']:10} "
          f"reference {r['reference']:10.4g}  ratio {r['ratio']:8.3f}")
PY
echo "results: $out/latest.json and $out/$(date -u +%Y-%m-%d).json" >&2

# The daemon's own CPU on this host, natively (scripts/bench-daemon.sh; root
# only): bench/results/host-daemon.json, one JSON object per line.
if [ -x build/hotmem ] && [ -x build/tests/kernel/hmwork ]; then
	echo "== scripts/bench-daemon.sh (about 1.5 minutes)" >&2
	scripts/bench-daemon.sh build/hotmem build/tests/kernel/hmwork | while IFS= read -r line; do
		printf '%s\n' "${line%\}}, \"machine\": \"$host\", \"when\": \"$stamp\"}"
	done >"$tmp"
	if [ -s "$tmp" ]; then
		cp "$tmp" "$out/host-daemon.json"
		cat "$out/host-daemon.json"
	fi
fi

# The daemon's overhead on a real kernel: the QEMU guest's overhead group
# (docs/daemon.md); reported, never asserted. Skipped without QEMU.
if command -v qemu-system-x86_64 >/dev/null && [ -x build/tests/kernel/hotmem-static ]; then
	echo "== tests/kernel overhead (QEMU guest, about 2 minutes)" >&2
	rm -f "$out/kernel-overhead.json"
	HM_ONLY=overhead HM_OVERHEAD_JSON="$out/kernel-overhead.json" \
		HOTMEM_STATIC=build/tests/kernel/hotmem-static HMWORK=build/tests/kernel/hmwork \
		HMMOVE=build/tests/kernel/hmmove tests/kernel/run.sh >/dev/null 2>&1 || true
	if [ -s "$out/kernel-overhead.json" ]; then
		cat "$out/kernel-overhead.json"
	else
		echo "kernel overhead: the guest run gave no figures" >&2
	fi
else
	echo "kernel overhead: skipped (no qemu-system-x86_64 or no static hotmem)" >&2
fi
