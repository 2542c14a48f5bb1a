# SPDX-License-Identifier: MIT
#
# The front door. Each target first runs scripts/deps.sh, which installs
# missing Debian packages when run as root, or prints the apt-get line.
#
#   make          build build/hotmem, build/libhotmem.{a,so}, build/bench/*
#   make demo     build, then run the main job (hotmem demo)
#   make check    build (plain, ASan+UBSan, TSan) and run every test
#   make bench    run the benchmarks; results in bench/results/
#   make fuzz     run the libFuzzer targets for FUZZ_SECONDS each (clang)
#   make clean    remove every build directory

FUZZ_SECONDS ?= 60
SAN_ARGS := -Db_lundef=false -Dc_args=-fno-sanitize-recover=all \
	    -Dc_link_args=-fno-sanitize-recover=all

.PHONY: all deps build demo check bench fuzz fuzz-tools clean

all: build

deps:
	@scripts/deps.sh

# meson setup once per directory; ninja decides what to rebuild.
build/build.ninja:
	meson setup build
build-asan/build.ninja:
	meson setup build-asan -Db_sanitize=address,undefined $(SAN_ARGS)
# TSan does not model standalone fences (gcc warns with -Wtsan). The rings use
# them only for the pending-bit handshake between atomics; report data is
# ordered by release/acquire on head and tail, which TSan does check.
build-tsan/build.ninja:
	meson setup build-tsan -Db_sanitize=thread -Db_lundef=false -Dc_args=-Wno-tsan
build-fuzz/build.ninja:
	CC=clang meson setup build-fuzz -Dfuzz=true \
		-Db_sanitize=address,undefined $(SAN_ARGS)

build: deps build/build.ninja
	ninja -C build

demo: build
	./build/hotmem demo

check: build build-asan/build.ninja build-tsan/build.ninja
	ninja -C build-asan
	ninja -C build-tsan tests/test_ring_stress
	scripts/check.sh

bench: build
	scripts/bench.sh

fuzz: deps fuzz-tools build-fuzz/build.ninja
	@# regenerate first, so that the target list includes new fuzz targets
	ninja -C build-fuzz build.ninja
	ninja -C build-fuzz $$(ninja -C build-fuzz -t targets all | \
		sed -n 's|^\(tests/fuzz_[a-z_]*\): .*|\1|p' | grep -v replay)
	scripts/fuzz.sh build-fuzz $(FUZZ_SECONDS)

fuzz-tools:
	@command -v clang >/dev/null && scripts/deps.sh --has libclang-rt-14-dev || { \
		echo "make fuzz: needs clang and libclang-rt-14-dev (the libFuzzer runtime):" >&2; \
		echo "  sudo apt-get install -y clang libclang-rt-14-dev" >&2; exit 1; }

clean:
	rm -rf build build-asan build-tsan build-fuzz
