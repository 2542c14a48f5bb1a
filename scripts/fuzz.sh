#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# scripts/fuzz.sh BUILD_DIR SECONDS: runs each libFuzzer target for SECONDS,
# starting from a copy of its corpus under BUILD_DIR (new inputs stay out of
# the source tree; copy the interesting ones to tests/fuzz/corpus/ by hand).
set -eu
cd "$(dirname "$0")/.."
dir=${1:?usage: fuzz.sh BUILD_DIR SECONDS}
secs=${2:?usage: fuzz.sh BUILD_DIR SECONDS}
status=0
for f in "$dir"/tests/fuzz_*; do
	case "$f" in *_replay|*.p) continue ;; esac
	[ -x "$f" ] || continue
	name=${f##*/fuzz_}
	corpus="$dir/corpus-$name"
	mkdir -p "$corpus"
	cp -n tests/fuzz/corpus/"$name"/* "$corpus"/ 2>/dev/null || true
	dict=()
	[ -f "tests/fuzz/$name.dict" ] && dict=(-dict="tests/fuzz/$name.dict")
	echo "== fuzz_$name for ${secs}s (corpus: $corpus)"
	if ! "$f" -max_total_time="$secs" -print_final_stats=1 "${dict[@]}" "$corpus"; then
		echo "fuzz_$name: crash; the input is in the current directory (crash-*)"
		status=1
	fi
done
exit $status
