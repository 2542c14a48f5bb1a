#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Runs every test of every build and prints one summary. Called by `make check`
# after the builds exist:
#   build        all suites (unit, stress, cli, fuzz replay, bench smoke)
#   build-asan   unit, stress and fuzz replay under AddressSanitizer + UBSan
#   build-tsan   the ring stress test under ThreadSanitizer (serially)
# Each test program prints TAP; scripts/tap_summary.py counts the "ok" and
# "not ok" lines of all of them, prints every failure and every skip with its
# reason, and ends with "N passed, N failed[, N skipped]".
set -u
cd "$(dirname "$0")/.."

logs=()
run() {	# run DIR [meson test args...]
	local dir=$1
	shift
	[ -d "$dir" ] || return 0
	echo "== meson test -C $dir $*"
	meson test -C "$dir" --no-rebuild --print-errorlogs "$@" >"$dir/check.log" 2>&1
	tail -n 12 "$dir/check.log" | grep -E '^(Ok|Fail|Skipped|Timeout):' | tr '\n' ' '
	echo
	logs+=("$dir/meson-logs/testlog.json")
}

run build
run build-asan --suite unit --suite stress --suite fuzz
if [ -d build-tsan ]; then
	run build-tsan --suite stress
else
	echo "== build-tsan: not built"
fi
exec python3 scripts/tap_summary.py "${logs[@]}"
