#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The daemon's own CPU on this host, natively (no QEMU): hotmem run on a
# 256 MiB workload whose first 64 MiB stay hot (tests/kernel/hmwork), with
#   - loop:        the page-faults sampler only, which sees nothing once the
#                  buffer is filled: the monitor's loop, 10 ms samples,
#                  up to 200 regions, and nothing else;
#   - page_idle:   idle page tracking every 500 ms (the default) and every
#                  200 ms, against a sparse file laid out as the kernel's
#                  bitmap (neither kernel here has one). The kernel's own
#                  work behind a real bitmap (an rmap walk per page marked)
#                  is not in these figures.
# Kernel DAMON cannot run here: the host's kdamond is not ours to touch.
# utime + stime from /proc/PID/stat over 25 s after 3 s of warm-up. One JSON
# object per line on stdout, the loop as each case's reference. Needs root
# (pagemap's frame numbers); prints why and nothing else without it.
#
#   scripts/bench-daemon.sh HOTMEM HMWORK
set -u
hotmem=${1:?HOTMEM}
hmwork=${2:?HMWORK}
if [ "$(id -u)" != 0 ]; then
	echo "bench-daemon: skipped: the page_idle source needs root (pagemap frame numbers)" >&2
	exit 0
fi
dir=$(mktemp -d)
work=
trap '[ -n "$work" ] && kill "$work" 2>/dev/null; rm -rf "$dir"' EXIT
truncate -s 1G "$dir/bitmap"
"$hmwork" 256 0 "$dir/info" 256 0 64 >/dev/null 2>&1 &
work=$!
for _ in $(seq 100); do [ -s "$dir/info" ] && break; sleep 0.1; done
[ -s "$dir/info" ] || { echo "bench-daemon: the workload did not start" >&2; exit 1; }

head='{"version": 1, "monitor": {"sample_interval": "10ms", "aggr_interval": "200ms",
 "ops_update_interval": "1s", "min_nr_regions": 10, "max_nr_regions": 200},
 "schemes": [{"name": "hot", "action": "stat", "access_pattern":
 {"access_rate": ["50%", "100%"], "age": [0, "max"]}}],'
printf '%s "sources": [{"name": "page-faults"}]}\n' "$head" >"$dir/loop.json"
for ms in 500 200; do
	printf '%s "sources": [{"name": "page_idle"}], "daemon": {"page_idle": {"interval": "%sms", "bitmap": "%s"}}}\n' \
		"$head" "$ms" "$dir/bitmap" >"$dir/idle$ms.json"
done

cpu() {	# percent of one CPU the daemon used
	"$hotmem" run --config "$1" --pid "$work" --socket "$dir/s.sock" --duration 40 \
		2>"$dir/log" &
	local d=$! t0 t1 s0 s1
	sleep 3
	t0=$(awk '{print $14 + $15}' /proc/$d/stat 2>/dev/null) || return 1
	s0=$(date +%s.%N)
	sleep 25
	t1=$(awk '{print $14 + $15}' /proc/$d/stat 2>/dev/null) || return 1
	s1=$(date +%s.%N)
	kill $d
	wait $d
	awk -v a="$t0" -v b="$t1" -v x="$s0" -v y="$s1" -v hz="$(getconf CLK_TCK)" \
		'BEGIN { printf "%.3f", (b - a) / hz / (y - x) * 100 }'
}

base=$(cpu "$dir/loop.json") || { echo "bench-daemon: $(cat "$dir/log")" >&2; exit 1; }
printf '{"bench": "daemon", "case": "loop (host)", "value": %s, "unit": "%% CPU", "reference": %s, "ratio": 1}\n' \
	"$base" "$base"
for ms in 500 200; do
	v=$(cpu "$dir/idle$ms.json") || { echo "bench-daemon: $(cat "$dir/log")" >&2; exit 1; }
	printf '{"bench": "daemon", "case": "page_idle %s ms (host)", "value": %s, "unit": "%% CPU", "reference": %s, "ratio": %s}\n' \
		"$ms" "$v" "$base" "$(awk -v a="$v" -v b="$base" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')"
done
