#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# hotmem's real-kernel tests: boot the current Debian 6.12 kernel under QEMU
# (TCG, one vCPU) with a DRAM node and a CPU-less slow node described by
# HMAT, run tests/kernel/init in a busybox initramfs with a static hotmem,
# and judge the serial console with tests/kernel/verdict.py. Prints TAP.
#
#   tests/kernel/run.sh [--capture-fixture DIR]
#
# env: HOTMEM_STATIC, HMWORK (the static binaries; meson passes them),
#      HM_KERNEL_CACHE (default: .cache/kernel in the source tree),
#      HM_KERNEL_LOGS (default: the cache's ../kernel-logs), TRIES (3),
#      TIMEOUT (900 s per boot), HM_ONLY (base, daemon, overhead, or regimes:
#      one group; regimes runs only the interleaving example),
#      HM_OVERHEAD_JSON (write the measured overhead there).
# Nothing here touches the host's kernel state: everything that writes
# kernel state runs inside the guest.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
capture=
[ "${1:-}" = --capture-fixture ] && capture=${2:?--capture-fixture needs a DIR}

skip() {
	echo "1..1"
	echo "# skip: $*"
	echo "ok 1 - real-kernel tests under QEMU # SKIP $*"
	exit 0
}
bail() {
	echo "1..1"
	echo "not ok 1 - real-kernel tests under QEMU: $*"
	exit 1
}

for tool in qemu-system-x86_64 cpio gzip dpkg-deb python3; do
	command -v $tool >/dev/null || skip "$tool not found (scripts/deps.sh lists qemu-system-x86 and cpio)"
done
[ -x /bin/busybox ] || skip "no /bin/busybox (package busybox-static)"
ldd /bin/busybox >/dev/null 2>&1 && skip "/bin/busybox is dynamic; the guest needs busybox-static"
: "${HOTMEM_STATIC:?HOTMEM_STATIC: the static hotmem (built by meson as tests/kernel/hotmem-static)}"
: "${HMWORK:?HMWORK: the static test workload}"
[ -x "$HOTMEM_STATIC" ] || bail "$HOTMEM_STATIC: not built"

# The kernel: the version linux-image-6.12-amd64 points to now, extracted
# (never installed) and cached; an earlier cached one if apt cannot answer.
cache=${HM_KERNEL_CACHE:-$src/.cache/kernel}
mkdir -p "$cache" || bail "cannot create $cache"
pkg=$(apt-cache depends linux-image-6.12-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-6\.12[^ ]*\)$/\1/p' | head -n1)
kver=${pkg#linux-image-}
if [ -n "$kver" ] && [ ! -f "$cache/vmlinuz-$kver" ]; then
	tmp=$(mktemp -d)
	t0=$(date +%s.%N)
	if (cd "$tmp" && apt-get download "$pkg" >/dev/null 2>&1) &&
	   dpkg-deb -x "$tmp"/*.deb "$tmp/x" &&
	   cp "$tmp/x/boot/vmlinuz-$kver" "$tmp/x/boot/config-$kver" "$cache/"; then
		echo "# kernel $kver downloaded and extracted in $(echo "$(date +%s.%N) $t0" | awk '{printf "%.1f", $1 - $2}') s"
	else
		echo "# could not download $pkg"
	fi
	rm -rf "$tmp"
fi
if [ -z "$kver" ] || [ ! -f "$cache/vmlinuz-$kver" ]; then
	last=$(ls "$cache"/vmlinuz-6.12* 2>/dev/null | sort -V | tail -n1)
	[ -n "$last" ] || skip "no 6.12 kernel: apt-cache knows no linux-image-6.12-amd64 (is bookworm-security in the apt sources?) and $cache holds none"
	kver=${last##*/vmlinuz-}
	echo "# using the cached kernel $kver"
fi
echo "# kernel $kver"

logs=${HM_KERNEL_LOGS:-$(dirname "$cache")/kernel-logs}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,proc,sys,dev,run,boot,etc} "$logs"
cp /bin/busybox "$HOTMEM_STATIC" "$HMWORK" "$root/bin/"
HMMOVE=${HMMOVE:-$(dirname "$HMWORK")/hmmove}
[ -x "$HMMOVE" ] && cp "$HMMOVE" "$root/bin/"
HMCHMU=$(dirname "$HMWORK")/hmchmu
[ -x "$HMCHMU" ] && cp "$HMCHMU" "$root/bin/"
[ "$(basename "$HOTMEM_STATIC")" = hotmem ] || mv "$root/bin/$(basename "$HOTMEM_STATIC")" "$root/bin/hotmem"
cp "$src/scripts/capture-sysfs.sh" "$root/bin/"
mkdir -p "$root/etc/hm"
cp "$here"/conf/*.json "$src"/examples/run-*.json "$root/etc/hm/"
cp "$here/init" "$root/init"
chmod +x "$root/init" "$root/bin/capture-sysfs.sh"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initrd.gz" || bail "cpio failed"

boot() {	# boot LOG
	timeout "${TIMEOUT:-900}" qemu-system-x86_64 \
		-machine q35,hmat=on -accel tcg,thread=single -cpu max -m 2G -smp 1 \
		-nodefaults -net none -display none -monitor none -serial stdio -no-reboot \
		-object memory-backend-ram,size=1G,id=m0 \
		-object memory-backend-ram,size=1G,id=m1 \
		-numa node,nodeid=0,cpus=0,memdev=m0 \
		-numa node,nodeid=1,memdev=m1,initiator=0 \
		-numa dist,src=0,dst=1,val=20 \
		-numa hmat-lb,initiator=0,target=0,hierarchy=memory,data-type=access-latency,latency=10 \
		-numa hmat-lb,initiator=0,target=0,hierarchy=memory,data-type=access-bandwidth,bandwidth=10G \
		-numa hmat-lb,initiator=0,target=1,hierarchy=memory,data-type=access-latency,latency=40 \
		-numa hmat-lb,initiator=0,target=1,hierarchy=memory,data-type=access-bandwidth,bandwidth=5G \
		-kernel "$cache/vmlinuz-$kver" -initrd "$work/initrd.gz" \
		-append "console=ttyS0 loglevel=4 panic=-1 mitigations=off edd=off rdinit=/init${HM_ONLY:+ hm.only=$HM_ONLY}" \
		< /dev/null > "$1" 2>&1
}

for try in $(seq 1 "${TRIES:-3}"); do
	log=$logs/guest.try$try.log
	t0=$(date +%s.%N)
	boot "$log"
	echo "# boot $try: $(echo "$(date +%s.%N) $t0" | awk '{printf "%.1f", $1 - $2}') s, log $log"
	if grep -q '^@@ END' "$log"; then
		exec python3 "$here/verdict.py" "$log" --hotmem "$HOTMEM_STATIC" ${capture:+--capture "$capture"} \
			${HM_OVERHEAD_JSON:+--overhead-json "$HM_OVERHEAD_JSON"}
	fi
	if grep -qE 'Oops|Kernel panic|BUG:' "$log"; then
		echo "# the guest kernel oopsed on boot $try; retrying"
		continue
	fi
	tail -n 20 "$log" | sed 's/^/# /'
	bail "the guest did not reach its end marker (log $log)"
done
bail "the guest kernel oopsed on all ${TRIES:-3} boots (logs in $logs)"
