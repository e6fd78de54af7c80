# SPDX-License-Identifier: GPL-2.0-or-later
# The front door. Meson + Ninja do the building underneath; this file names the jobs.
#
#   make            build (build/)
#   make check      -Werror build, unit + integration tests, then again under ASan+UBSan;
#                   each pass starts a throwaway PostgreSQL server for the store's tests
#                   (tests/pg-server.sh)
#   make bench      benchmarks, each printed beside its baseline
#   make fuzz       build the libFuzzer harnesses with clang and run each for FUZZ_SECONDS
#   make demo       sync the kernel CVE list, enrich it, show what touches this kernel
#   make format     apply .clang-format to all C code
#
# Every target first makes sure the Debian packages it needs are installed
# (scripts/deps.sh: installs as root, otherwise prints the apt-get line and stops).

BUILD        ?= build
BUILD_CHECK  ?= build-check
BUILD_SAN    ?= build-san
BUILD_FUZZ   ?= build-fuzz
FUZZ_SECONDS ?= 60
MESON_TEST   ?= meson test --print-errorlogs --num-processes 2

.PHONY: all build check check-build check-san bench fuzz demo format deps clean

all: build

deps:
	@scripts/deps.sh check

build:
	@scripts/deps.sh build
	@[ -d $(BUILD) ] || meson setup $(BUILD) --buildtype=release >/dev/null
	ninja -C $(BUILD)

check: check-build check-san

check-build:
	@scripts/deps.sh check
	@[ -d $(BUILD_CHECK) ] || meson setup $(BUILD_CHECK) --werror >/dev/null
	ninja -C $(BUILD_CHECK)
	tests/pg-server.sh $(MESON_TEST) -C $(BUILD_CHECK)

check-san:
	@scripts/deps.sh check
	@[ -d $(BUILD_SAN) ] || meson setup $(BUILD_SAN) --werror -Db_sanitize=address,undefined \
		-Db_lundef=false -Dc_args=-fno-sanitize-recover=undefined >/dev/null
	ninja -C $(BUILD_SAN)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
		tests/pg-server.sh $(MESON_TEST) -C $(BUILD_SAN) --no-suite slow --no-suite boot

bench: build
	@scripts/deps.sh bench
	bench/run-all.sh $(BUILD)

fuzz:
	@scripts/deps.sh fuzz
	@[ -d $(BUILD_FUZZ) ] || CC=clang meson setup $(BUILD_FUZZ) -Dfuzz=true -Db_lundef=false \
		-Dc_args=-fsanitize=fuzzer-no-link,address,undefined >/dev/null
	ninja -C $(BUILD_FUZZ)
	fuzz/run-all.sh $(BUILD_FUZZ) $(FUZZ_SECONDS)

demo: build
	@scripts/deps.sh demo
	scripts/demo.sh $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(BUILD_CHECK) $(BUILD_SAN) $(BUILD_FUZZ)
