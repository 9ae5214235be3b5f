# cvpc: plain Makefile. `make V=1` shows the commands.
CC ?= gcc
ifeq ($(origin CC),default)
CC := gcc
endif
CLANG ?= clang
PREFIX ?= /usr/local
BUILD ?= build
FUZZ_SECONDS ?= 60

OPTFLAGS ?= -O2 -g
WARNFLAGS := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wpointer-arith -Wformat=2 -Wno-format-nonliteral
CPPFLAGS += -D_GNU_SOURCE -Isrc -I/usr/include/postgresql
CFLAGS ?=
CFLAGS += -std=gnu11 $(OPTFLAGS) $(WARNFLAGS) -fno-strict-aliasing -pthread -MMD -MP
# The control plane: libevent (HTTP, TLS streams, DNS sockets), jansson,
# SQLite and libpq (the store), libcurl (the CLI and agent as clients).
LIBS := -levent_openssl -levent_pthreads -levent -ljansson -lsqlite3 -lpq -lcurl \
	-lssl -lcrypto -lmnl -pthread
TEST_LIBS := -lcmocka

SRC := $(shell find src -name '*.c' | sort)
LIB_SRC := $(filter-out src/main.c,$(SRC))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC := $(sort $(wildcard tests/tools/*.c))
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/%)

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-6s %s\n' $(1) $(2)
endif

.PHONY: all unit netns netns-fallback netns-asan asan asan-unit fuzz fuzz-run test demo bench bench-handshake install clean
all: $(BUILD)/cvpc $(BUILD)/cvpc-wg

$(BUILD)/%.o: %.c
	$(call msg,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/libcvpc.a: $(LIB_OBJ)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/cvpc: $(BUILD)/src/main.o $(BUILD)/libcvpc.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/cvpc-wg: $(BUILD)/cvpc
	$(Q)ln -sf cvpc $@

# A test's own link flags, if any, go in LDFLAGS_<test name>.
LDFLAGS_test_timers := -Wl,--wrap=now_ns -Wl,--wrap=clock_gettime

# Every unit test links the helpers they share (tests/unit/testutil.h),
# compiled once per BUILD dir by the %.o rule above.
TESTUTIL_OBJ := $(BUILD)/tests/unit/testutil.o

$(UNIT_BIN): $(BUILD)/tests/%: tests/unit/%.c $(TESTUTIL_OBJ) $(BUILD)/libcvpc.a
	$(call msg,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) $(LDFLAGS_$*) -o $@ $< $(TESTUTIL_OBJ) $(BUILD)/libcvpc.a $(LIBS) $(TEST_LIBS)

$(BUILD)/tools/%: tests/tools/%.c $(BUILD)/libcvpc.a
	$(call msg,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libcvpc.a $(LIBS)

# Unit tests: every cmocka binary runs; the first failure stops the build.
# The AEAD users run again on OpenSSL's ChaCha20-Poly1305, the path a CPU
# without AVX-512 IFMA takes.
unit: $(UNIT_BIN)
	$(Q)set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done
	$(Q)set -e; for t in test_crypto test_noise test_send; do \
		echo "== $(BUILD)/tests/$$t with CVPC_NO_AVX512=1"; \
		CVPC_NO_AVX512=1 $(BUILD)/tests/$$t; done

# Network tests need root: real namespaces, TUN devices, wg and wireguard-go.
netns: all $(TOOL_BIN)
	$(Q)CVPC=$(abspath $(BUILD)/cvpc) TOOLS=$(abspath $(BUILD)/tools) prove -v tests/netns/*.t

ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
asan:
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan OPTFLAGS="$(ASAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" all

# The network tests with every kernel offload refused and OpenSSL's AEAD
# (the fallback paths), then the transfer tests with each offload refused
# alone.
OFFLOADS := tun-tso tun-uso tun-gro udp-gso udp-gro
netns-fallback: all $(TOOL_BIN)
	$(Q)CVPC_NO_OFFLOAD=all CVPC_NO_AVX512=1 CVPC=$(abspath $(BUILD)/cvpc) TOOLS=$(abspath $(BUILD)/tools) \
		prove tests/netns/*.t
	$(Q)set -e; for o in $(OFFLOADS); do echo "== without $$o"; \
		CVPC_NO_OFFLOAD=$$o CVPC=$(abspath $(BUILD)/cvpc) TOOLS=$(abspath $(BUILD)/tools) \
		prove tests/netns/01-*.t tests/netns/02-*.t tests/netns/03-*.t; done

# The network tests again, against the sanitized binary; any report it
# writes (memory error, UB, leak at exit) fails the run.
netns-asan:
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan OPTFLAGS="$(ASAN_FLAGS)" \
		LDFLAGS="-fsanitize=address,undefined" all $(TOOL_BIN:$(BUILD)/%=build-asan/%)
	$(Q)rm -rf build-asan/reports && mkdir -p build-asan/reports
	$(Q)ASAN_OPTIONS=detect_leaks=1:log_path=$(abspath build-asan/reports/asan) \
		UBSAN_OPTIONS=print_stacktrace=1:log_path=$(abspath build-asan/reports/ubsan) \
		FORGE_RATE=30000 CVPC=$(abspath build-asan/cvpc) TOOLS=$(abspath build-asan/tools) prove tests/netns/*.t
	$(Q)if ls build-asan/reports/* >/dev/null 2>&1; then \
		cat build-asan/reports/*; echo "sanitizer reports above"; exit 1; fi

asan-unit:
	$(Q)ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		$(MAKE) --no-print-directory BUILD=build-asan OPTFLAGS="$(ASAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" unit

# libFuzzer targets are built with clang into build-fuzz/ and linked with
# the whole library compiled the same way.
# Every UBSan report is fatal, so libFuzzer stops and saves the input.
FUZZ_OPTFLAGS := -O1 -g -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer
fuzz:
	$(Q)$(MAKE) --no-print-directory BUILD=build-fuzz CC=$(CLANG) \
		OPTFLAGS="$(FUZZ_OPTFLAGS)" build-fuzz/libcvpc.a
	$(Q)$(MAKE) --no-print-directory BUILD=build-fuzz CC=$(CLANG) \
		OPTFLAGS="$(FUZZ_OPTFLAGS)" fuzz-bins

fuzz-bins: $(FUZZ_BIN)
build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c build-fuzz/libcvpc.a
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(CPPFLAGS) -std=gnu11 -O1 -g $(WARNFLAGS) -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-o $@ $< build-fuzz/libcvpc.a $(LIBS)

fuzz-run: fuzz
	$(Q)set -e; for f in $(FUZZ_BIN); do \
		name=$$(basename $$f); mkdir -p build-fuzz/corpus/$$name; \
		echo "== $$name for $(FUZZ_SECONDS) s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			build-fuzz/corpus/$$name tests/fuzz/corpus/$$name 2>build-fuzz/$$name.log \
			|| { tail -50 build-fuzz/$$name.log; exit 1; }; \
		grep -E '^(stat::number_of_executed_units|#[0-9]+[[:space:]]+DONE|Done)' \
			build-fuzz/$$name.log; \
	done

# The whole suite, as the README and CI run it.
test: all
	$(Q)$(MAKE) --no-print-directory unit
	$(Q)$(MAKE) --no-print-directory netns
	$(Q)$(MAKE) --no-print-directory netns-fallback
	$(Q)$(MAKE) --no-print-directory asan-unit
	$(Q)$(MAKE) --no-print-directory netns-asan
	$(Q)$(MAKE) --no-print-directory fuzz-run

demo: all
	$(Q)CVPC=$(abspath $(BUILD)/cvpc) scripts/demo-wg.sh

bench: all
	$(Q)CVPC=$(abspath $(BUILD)/cvpc) bench/throughput.sh

# Handshakes per second on one core, beside the crypto primitives
# (HANDSHAKE_SECONDS per operation; no root needed).
$(BUILD)/bench/handshake: bench/handshake.c $(BUILD)/libcvpc.a
	$(call msg,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libcvpc.a $(LIBS)

bench-handshake: $(BUILD)/bench/handshake
	$(Q)BUILD=$(BUILD) bench/handshake.sh

install: all
	install -D -m 0755 $(BUILD)/cvpc $(DESTDIR)$(PREFIX)/bin/cvpc
	ln -sf cvpc $(DESTDIR)$(PREFIX)/bin/cvpc-wg

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
