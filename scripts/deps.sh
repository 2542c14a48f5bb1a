#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The one place that knows which Debian packages hotmem needs.
#
#   scripts/deps.sh            install what is missing (root), or say what to install
#   scripts/deps.sh --check    only report; never install
#   scripts/deps.sh --list     print both lists and exit
#   scripts/deps.sh --has PKG  exit 0 if PKG is installed (used by tests that need optional parts)
#
# Required packages must be present to build and test. Optional ones enable extra
# tests (real-kernel tests under QEMU, plots, libFuzzer runs, CXL); the tests that
# need a missing optional package print SKIP with the reason instead of failing.
set -u

REQUIRED=(meson ninja-build pkg-config gcc libjson-c-dev libnuma-dev libcmocka-dev)
OPTIONAL=(
	clang                 # make fuzz: libFuzzer targets
	libclang-rt-14-dev    # make fuzz: the libFuzzer and sanitizer runtimes for clang 14
	qemu-system-x86       # real-kernel tests (a stock Debian kernel under QEMU)
	busybox-static        # real-kernel tests: the guest's shell and tools
	cpio                  # real-kernel tests: packing the guest's initramfs
	gnuplot-nox           # plots of records and simulator runs
	libcxl-dev            # CXL memdevs, regions and decoders through libcxl
)

has() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'; }

missing() {
	local p out=()
	for p in "$@"; do has "$p" || out+=("$p"); done
	echo "${out[@]:-}"
}

mode=install
case "${1:-}" in
--check) mode=check ;;
--list)
	echo "required: ${REQUIRED[*]}"
	echo "optional: ${OPTIONAL[*]}"
	exit 0 ;;
--has)
	[ -n "${2:-}" ] || { echo "deps.sh: --has needs a package name" >&2; exit 2; }
	has "$2"; exit $? ;;
"") ;;
-h|--help)
	sed -n '4,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
*)
	echo "deps.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "deps.sh: dpkg-query not found: hotmem's setup expects Debian 12 (bookworm) or a derivative" >&2
	exit 1
fi

req=$(missing "${REQUIRED[@]}")
opt=$(missing "${OPTIONAL[@]}")

if [ "$mode" = install ] && [ "$(id -u)" = 0 ] && [ -n "$req$opt" ]; then
	export DEBIAN_FRONTEND=noninteractive
	log=${TMPDIR:-/tmp}/hotmem-deps.log
	echo "deps.sh: installing $req $opt (apt output: $log)" >&2
	apt_get() {
		if ! apt-get "$@" >>"$log" 2>&1; then
			tail -n 5 "$log" | sed 's/^/  /' >&2
			return 1
		fi
	}
	: >"$log"
	apt_get update -qq || { echo "deps.sh: apt-get update failed" >&2; exit 1; }
	# shellcheck disable=SC2086
	if [ -n "$req" ] && ! apt_get install -y -qq --no-install-recommends $req; then
		echo "deps.sh: could not install required packages: $req" >&2
		exit 1
	fi
	for p in $opt; do
		apt_get install -y -qq --no-install-recommends "$p" ||
			echo "deps.sh: optional package $p not installed; what needs it will SKIP" >&2
	done
	req=$(missing "${REQUIRED[@]}")
	opt=$(missing "${OPTIONAL[@]}")
fi

if [ -n "$req" ]; then
	echo "deps.sh: missing required packages; install them with:" >&2
	echo "  sudo apt-get install -y $req" >&2
	exit 1
fi
if [ -n "$opt" ]; then
	echo "deps.sh: optional packages missing (their tests will SKIP): $opt" >&2
	echo "  sudo apt-get install -y $opt" >&2
fi
exit 0
