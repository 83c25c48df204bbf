# SPDX-License-Identifier: GPL-2.0-only
# krepro - kernel regression and reproduction suite.
#
#   make          build the reproducers (static) and the krepro command
#   make setup    install what the project needs from Debian's archive
#   make run      setup + build + run every default case on the default kernels
#   make check    setup + build + all tests
#   make validate setup + build, then the proof on kernels built from source
#   make bench    setup + build, then every figure of BENCHMARKS.md (run it alone)
#   make SANITIZE=1 check   the same as check with the harness under ASan and UBSan

CC      ?= gcc
CFLAGS  ?= -O2 -g
CFLAGS  += -Wall -Wextra -Wno-unused-parameter -std=gnu11 -Werror=implicit-function-declaration
B       := build
# The harness's libraries: JSON is libjansson's (run.json, compare --format json).
HARNESS_LIBS := -ljansson -lm

# SANITIZE=1: the harness (lib/, vm/, harness/, krepro, its unit tests and
# the reproducers' helper tests) under ASan and UBSan, any UB fatal.  The
# reproducers stay as they are: they are static, which ASan cannot be.
# The flags are kept in $(B)/.flags, so switching rebuilds what they touch.
ifeq ($(SANITIZE),1)
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
# krepro exits without freeing what it built for the run: leaks are not
# bugs here (valgrind on compare looks at them: README, Reliability).
SAN_ENV   := ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1
endif

# Debian packages the project needs at build, run or test time (lz4, zstd,
# gzip, bzip2, xz-utils: the decompressors of a bzImage's kernel, vm/pvh.h).
PACKAGES := gcc make libc6-dev libcap-dev libjansson-dev busybox-static qemu-system-x86 \
	linux-source-6.12 cpio xz-utils zstd lz4 gzip bzip2 kmod e2fsprogs xfsprogs util-linux \
	tar systemd bats hyperfine python3 perl python3-yaml python3-junitparser \
	libxml2-utils chromium valgrind

# Reproducers: one C file each in repro/, sharing repro/lib/.
REPROS     := $(patsubst repro/%.c,%,$(wildcard repro/*.c))
REPRO_BINS := $(addprefix $(B)/repro/,$(REPROS))
# The sequential stopping rules of a race use the harness's own statistics
# (lib/stats.c), so the guest and compare read an interval the same way.
REPRO_LIB  := $(wildcard repro/lib/*.c) lib/stats.c
REPRO_HDRS := $(wildcard repro/lib/*.h) lib/wire.h lib/stats.h
KSFT_DIR   := $(B)/include
KSFT_HDRS  := $(KSFT_DIR)/kselftest_harness.h $(KSFT_DIR)/kselftest.h

# The harness in three layers, each compiled with only the include paths
# of the layers below it, so an upward include does not build (the
# layering check; ci/layers.sh checks the rules inside harness/):
#   lib/ (util, spawn, the wire contract)  <-  vm/ (targets, kernels)  <-  harness/
LIB_SRCS     := $(wildcard lib/*.c)
VM_SRCS      := $(wildcard vm/*.c)
HARNESS_SRCS := $(filter-out harness/krepro.c,$(wildcard harness/*.c))
LIB_OBJS     := $(patsubst %.c,$(B)/obj/%.o,$(LIB_SRCS))
VM_OBJS      := $(patsubst %.c,$(B)/obj/%.o,$(VM_SRCS))
HARNESS_OBJS := $(patsubst %.c,$(B)/obj/%.o,$(HARNESS_SRCS))
CORE_OBJS    := $(HARNESS_OBJS) $(VM_OBJS) $(LIB_OBJS)
LIB_HDRS     := $(wildcard lib/*.h)
VM_HDRS      := $(wildcard vm/*.h) $(LIB_HDRS)
HARNESS_HDRS := $(wildcard harness/*.h) $(VM_HDRS)
UNIT_SRCS    := $(wildcard harness/tests/test_*.c)
UNIT_BINS    := $(patsubst harness/tests/%.c,$(B)/tests/%,$(UNIT_SRCS))
# The reproducers' shared helpers have kselftest-harness tests of their own.
LIB_TEST_SRCS := $(wildcard repro/lib/tests/test_*.c)
LIB_TEST_BINS := $(patsubst repro/lib/tests/%.c,$(B)/lib-tests/%,$(LIB_TEST_SRCS))

.PHONY: all setup run check unit bats host-check vm-check bench clean fuzz fuzz-setup validate stress FORCE
# Programs the guest image carries besides busybox and the reproducer.
GUEST_BINS := $(patsubst vm/guest/%.c,$(B)/guest/%,$(wildcard vm/guest/*.c))
all: $(B)/krepro $(REPRO_BINS) $(GUEST_BINS)

setup:
	@sh vm/setup-packages.sh $(PACKAGES)

# The harness headers come from Debian's kernel source tarball at build
# time; they are never committed.
$(KSFT_HDRS) &:
	@src=$$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1); \
	if [ -z "$$src" ]; then echo "krepro: cannot find /usr/src/linux-source-*.tar.xz (run make setup)" >&2; exit 2; fi; \
	top=$$(basename $$src .tar.xz); mkdir -p $(KSFT_DIR); \
	tar -xJf $$src -C $(KSFT_DIR) --strip-components=4 \
		$$top/tools/testing/selftests/kselftest_harness.h \
		$$top/tools/testing/selftests/kselftest.h
	@touch $(KSFT_HDRS)

$(B)/repro/%: repro/%.c $(REPRO_LIB) $(REPRO_HDRS) $(KSFT_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -static -Wno-clobbered -I$(KSFT_DIR) -Irepro -Ilib -o $@ $< $(REPRO_LIB) -lcap -lm

$(B)/guest/%: vm/guest/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -static -o $@ $<

$(B)/.flags: FORCE
	@mkdir -p $(B)
	@echo '$(CFLAGS) $(SAN_FLAGS)' | cmp -s - $@ || echo '$(CFLAGS) $(SAN_FLAGS)' > $@

$(B)/obj/lib/%.o: lib/%.c $(LIB_HDRS) $(B)/.flags
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN_FLAGS) -Ilib -c -o $@ $<

$(B)/obj/vm/%.o: vm/%.c $(VM_HDRS) $(B)/.flags
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN_FLAGS) -Ivm -Ilib -c -o $@ $<

$(B)/obj/harness/%.o: harness/%.c $(HARNESS_HDRS) $(B)/.flags
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN_FLAGS) -Iharness -Ivm -Ilib -c -o $@ $<

$(B)/krepro: harness/krepro.c $(CORE_OBJS) $(HARNESS_HDRS) $(B)/.flags
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN_FLAGS) -Iharness -Ivm -Ilib -o $@ harness/krepro.c $(CORE_OBJS) $(HARNESS_LIBS)

$(B)/tests/%: harness/tests/%.c $(CORE_OBJS) $(HARNESS_HDRS) $(KSFT_HDRS) $(B)/.flags
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN_FLAGS) -Wno-clobbered -I$(KSFT_DIR) -Iharness -Ivm -Ilib -o $@ $< $(CORE_OBJS) $(HARNESS_LIBS)

# Every default case on the default kernels, then their comparison (the
# older kernel is the baseline).  The exit status is the worse of the two.
run: setup all
	@out=results/$$(date +%Y%m%d-%H%M%S); \
	$(B)/krepro run -o $$out; rc=$$?; \
	echo; $(B)/krepro compare $$out; crc=$$?; \
	[ $$rc -ne 0 ] && exit $$rc; exit $$crc

$(B)/lib-tests/%: repro/lib/tests/%.c $(REPRO_LIB) $(REPRO_HDRS) $(KSFT_HDRS) $(B)/.flags
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN_FLAGS) -Wno-clobbered -I$(KSFT_DIR) -Irepro -Ilib -o $@ $< $(REPRO_LIB) -lcap -lm

unit: $(UNIT_BINS) $(LIB_TEST_BINS)
	@rc=0; for t in $(UNIT_BINS) $(LIB_TEST_BINS); do $(SAN_ENV) $$t || rc=1; done; exit $$rc

bats: all
	$(SAN_ENV) bats ci/

# The layering check, unit tests, then the command line, host mode and VM
# tests (bats).
check: setup all
	sh ci/layers.sh
	sh ci/known-bad.sh
	$(MAKE) --no-print-directory unit
	$(SAN_ENV) bats ci/

# Fuzzing the parsers the harness owns (case declarations, KTAP and its
# statistics lines, the guest channel, run.json) with libFuzzer from
# Debian's clang, under ASan and UBSan; FUZZ_SECONDS per target.  The
# seeds live in fuzz/corpus/; the corpus grows in build/fuzz/ only.
FUZZ_SECONDS ?= 600
FUZZ_TARGETS := $(patsubst fuzz/%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_SRCS    := $(HARNESS_SRCS) $(VM_SRCS) $(LIB_SRCS)
FUZZ_CFLAGS  := -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 -Wall -Wno-unused-parameter

fuzz-setup:
	@sh vm/setup-packages.sh clang libclang-rt-14-dev

$(B)/fuzz/%: fuzz/%.c fuzz/fuzz.h $(FUZZ_SRCS) $(HARNESS_HDRS) | fuzz-setup
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -Iharness -Ivm -Ilib -o $@ $< $(FUZZ_SRCS) $(HARNESS_LIBS)

# The harness is a short-lived command that frees little: no leak checks.
fuzz: $(addprefix $(B)/fuzz/,$(FUZZ_TARGETS))
	@rc=0; for t in $(FUZZ_TARGETS); do \
		c=$(B)/fuzz/corpus-$${t#fuzz_}; mkdir -p $$c; cp fuzz/corpus/$${t#fuzz_}/* $$c/; \
		echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
		ASAN_OPTIONS=detect_leaks=0 $(B)/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) \
			-print_final_stats=1 -artifact_prefix=$(B)/fuzz/$$t- $$c \
			>$(B)/fuzz/$$t.log 2>&1 || rc=1; \
		grep -E "stat::number_of_executed_units|^Done|ERROR: |SUMMARY: " $(B)/fuzz/$$t.log; \
	done; exit $$rc

# Kernels built from Debian's linux-source-6.1: the fragment's fidelity
# against the Debian kernel of the same version, each vm/known-bad patch
# failing exactly the subtests that name it, --negative, then bisection
# over a list and git bisect run over a history ending in a known-bad
# commit (about an hour on 2 cores; krepro build installs what it needs).
validate: setup all
	@rc=0; sh vm/known-bad/validate.sh || rc=1; sh vm/known-bad/bisect.sh || rc=1; exit $$rc

# Reliability tests longer than CI allows: bad kernels (built to panic or
# hang before init, a boot header on random bytes) in a matrix with a good
# one, and the hang kernel against the boot deadline; SIGKILL trials (host
# and VM, every case, cold caches); two runs and two builds at once on one
# cold cache.
stress: setup all
	@rc=0; for t in ci/stress/*.sh; do sh $$t || rc=1; done; exit $$rc

# The figures of BENCHMARKS.md (about 30 min on 2 cores, 50 with
# MATRIX_J1_ALL=1 for -j 1 over every kernel; run it alone):
# harness overhead, cold start, one kernel, restoring snapshots against
# booting, the gate, the kernel matrix, guest memory per case, bisection.
bench: setup all
	sh bench/run.sh
	sh bench/speed.sh
	sh bench/memory.sh
	sh bench/bisect.sh

clean:
	rm -rf $(B)
