#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Copy the sysfs files hotmem's topology reader uses into a tree that
# `hotmem tiers --sysfs DIR` and the tests can read: node states, per-node
# CPUs, meminfo, distances and HMAT access classes, and the kernel's memory
# tiers. Read only; POSIX sh, so it also runs in the busybox guest.
#
#   scripts/capture-sysfs.sh OUTDIR [SYSROOT]     (SYSROOT defaults to /sys)
set -eu
[ $# -ge 1 ] || { echo "usage: capture-sysfs.sh OUTDIR [SYSROOT]" >&2; exit 2; }
out=$1
sys=${2:-/sys}
[ -d "$sys/devices/system/node" ] || { echo "capture-sysfs.sh: $sys/devices/system/node: not a directory" >&2; exit 1; }

copy() {	# copy REL if it exists
	[ -f "$sys/$1" ] || return 0
	mkdir -p "$out/$(dirname "$1")"
	cat "$sys/$1" > "$out/$1"
}

N=devices/system/node
for f in online possible has_cpu has_memory has_normal_memory; do copy $N/$f; done
for d in "$sys/$N"/node[0-9]*; do
	n=${d##*/}
	for f in cpulist meminfo distance; do copy $N/$n/$f; done
	for a in "$d"/access[0-9]*; do
		[ -d "$a" ] || continue
		acc=${a##*/}
		for f in read_latency write_latency read_bandwidth write_bandwidth; do
			copy $N/$n/$acc/initiators/$f
		done
		for l in "$a"/initiators/node[0-9]* "$a"/targets/node[0-9]*; do
			[ -e "$l" ] || continue
			rel=$N/$n/$acc/${l#"$a"/}
			mkdir -p "$out/$(dirname "$rel")"
			ln -sfn "../../../${l##*/}" "$out/$rel"
		done
	done
done
T=devices/virtual/memory_tiering
for t in "$sys/$T"/memory_tier[0-9]*; do
	[ -d "$t" ] && copy $T/${t##*/}/nodelist
done
copy kernel/mm/numa/demotion_enabled
