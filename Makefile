# gongbao: build, test, demo, bench, fuzz, install.
#
#   make            library, program and tools (warnings are errors)
#   make demo       installs what is missing, then runs the main job
#   make test       installs what is missing, then runs every test
#   make bench      measurements (bench: NAME VALUE UNIT lines)
#   make fuzz       the entry decoder under libFuzzer, a fixed number of runs
#   make install    PREFIX=/usr/local DESTDIR=
#   SANITIZE=address,undefined make test   a sanitized build in build-san/

PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
VERSION = 0.1.0

# Debian packages: to build, to test (interop, fuzz).
DEPS_BUILD = gcc make pkg-config liblmdb-dev libsodium-dev libmsgpack-dev libjansson-dev libmicrohttpd-dev \
             libcurl4-openssl-dev
DEPS_TEST = $(DEPS_BUILD) libcunit1-dev golang-go golang-golang-x-mod-dev clang libclang-rt-14-dev \
            ledger beancount curl

PKGS = lmdb libsodium msgpack jansson libmicrohttpd libcurl
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN = -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes \
       -Wmissing-prototypes -Wvla -Wformat=2 -Wno-unused-parameter
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) $(CFLAGS) \
             -Iinclude $(PKG_CFLAGS) -fPIC -pthread
LDLIBS = $(PKG_LIBS) -pthread

ifneq ($(SANITIZE),)
BUILD ?= build-san
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
else
BUILD ?= build
endif

LIB_SRC = $(wildcard src/*.c)
CLI_SRC = $(wildcard src/cli/*.c)
LIB_OBJ = $(LIB_SRC:src/%.c=$(BUILD)/obj/%.o)
CLI_OBJ = $(CLI_SRC:src/cli/%.c=$(BUILD)/obj/cli/%.o)
TEST_SRC = $(wildcard tests/test_*.c)
TEST_BIN = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TOOL_SRC = $(wildcard tools/*.c)
TOOL_BIN = $(TOOL_SRC:tools/%.c=$(BUILD)/tools/%)
HEADERS = $(wildcard include/gongbao/*.h)

LIB_A = $(BUILD)/libgongbao.a
LIB_SO = $(BUILD)/libgongbao.so
PROG = $(BUILD)/gongbao

.PHONY: all deps deps-test demo demo-run test test-run check-unit check-install check-sim check-reconcile check-audit check-coverage check-undercut check-serve check-mirror check-witness check-cli check-interop \
        bench bench-run fuzz install uninstall clean

all: $(LIB_A) $(LIB_SO) $(PROG) $(TOOL_BIN)

deps:
	@sh tools/deps.sh $(DEPS_BUILD)

deps-test:
	@sh tools/deps.sh $(DEPS_TEST)

$(BUILD)/obj/%.o: src/%.c $(HEADERS) src/*.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Isrc -c -o $@ $<

$(BUILD)/obj/cli/%.o: src/cli/%.c $(HEADERS) $(wildcard src/cli/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Isrc -Isrc/cli -c -o $@ $<

$(LIB_A): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIB_SO): $(LIB_OBJ)
	$(CC) -shared $(LDFLAGS) -Wl,-soname,libgongbao.so.0 -o $@ $^ $(LDLIBS)

$(PROG): $(CLI_OBJ) $(LIB_A)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB_A) $(LDLIBS)

$(BUILD)/tests/%: tests/%.c tests/cu.h $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Isrc -Itests $(LDFLAGS) -o $@ $< $(LIB_A) $(LDLIBS) -lcunit

$(BUILD)/tools/%: tools/%.c $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Isrc $(LDFLAGS) -o $@ $< $(LIB_A) $(LDLIBS)

# ---- the two README commands ----

demo: deps
	@$(MAKE) --no-print-directory demo-run

demo-run: all
	@sh tools/demo.sh $(PROG)

test: deps-test
	@$(MAKE) --no-print-directory test-run

# Fuzzing first, so that the run closes on the suites' "N passed, N failed" lines.
test-run:
	@$(MAKE) --no-print-directory fuzz
	@$(MAKE) --no-print-directory check-unit
	@$(MAKE) --no-print-directory check-install
	@$(MAKE) --no-print-directory check-sim
	@$(MAKE) --no-print-directory check-reconcile
	@$(MAKE) --no-print-directory check-audit
	@$(MAKE) --no-print-directory check-coverage
	@$(MAKE) --no-print-directory check-undercut
	@$(MAKE) --no-print-directory check-serve
	@$(MAKE) --no-print-directory check-mirror
	@$(MAKE) --no-print-directory check-witness
	@$(MAKE) --no-print-directory check-cli
	@$(MAKE) --no-print-directory check-interop

# Some suites run the program too (test_server_review runs build/gongbao --server).
check-unit: $(TEST_BIN) $(PROG)
	@set -e; for t in $(TEST_BIN); do echo "== $$t"; $$t; done

check-install: all
	@sh tests/install.sh

check-sim: all
	@sh tests/sim.sh $(BUILD)/tools/sim

check-reconcile: all
	@sh tests/reconcile.sh $(PROG) $(BUILD)/tools/sim

check-audit: all $(BUILD)/tests/audit_tamper
	@sh tests/audit.sh $(PROG) $(BUILD)/tools/sim $(BUILD)/tests/audit_tamper

check-coverage: all
	@sh tests/coverage.sh $(PROG) $(BUILD)/tools/sim

check-undercut: all
	@sh tests/undercut.sh $(PROG) $(BUILD)/tools/sim

check-serve: all $(BUILD)/tests/memos
	@sh tests/serve.sh $(PROG) $(BUILD)/tests/memos $(BUILD)/tools/sim

check-mirror: all
	@sh tests/mirror.sh $(PROG)

check-witness: all
	@sh tests/witness.sh $(PROG)

check-cli: all
	@sh tests/cli.sh $(PROG)

check-interop: all
	@sh tests/interop/run.sh $(PROG)

# ---- measurement and fuzzing ----

bench: deps
	@$(MAKE) --no-print-directory bench-run

bench-run: all
	@$(BUILD)/tools/bench

FUZZ_RUNS ?= 200000
FUZZ_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 -Iinclude -Isrc \
              $(PKG_CFLAGS) -fsanitize=fuzzer,address,undefined
fuzz: $(BUILD)/fuzz/fuzz_entry
	@mkdir -p $(BUILD)/fuzz/corpus
	$(BUILD)/fuzz/fuzz_entry -runs=$(FUZZ_RUNS) -seed=1 -max_len=4096 \
		$(BUILD)/fuzz/corpus tests/fuzz/corpus_entry

$(BUILD)/fuzz/fuzz_entry: tests/fuzz/fuzz_entry.c $(LIB_SRC) $(HEADERS)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz_entry.c $(LIB_SRC) $(PKG_LIBS) -pthread

# ---- install ----

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
		$(DESTDIR)$(PREFIX)/include/gongbao
	install -m 0755 $(PROG) $(DESTDIR)$(PREFIX)/bin/gongbao
	install -m 0644 $(LIB_A) $(DESTDIR)$(PREFIX)/lib/libgongbao.a
	install -m 0755 $(LIB_SO) $(DESTDIR)$(PREFIX)/lib/libgongbao.so.$(VERSION)
	ln -sf libgongbao.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libgongbao.so.0
	ln -sf libgongbao.so.0 $(DESTDIR)$(PREFIX)/lib/libgongbao.so
	install -m 0644 $(HEADERS) $(DESTDIR)$(PREFIX)/include/gongbao/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' gongbao.pc.in \
		> $(DESTDIR)$(PREFIX)/lib/pkgconfig/gongbao.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/gongbao $(DESTDIR)$(PREFIX)/lib/libgongbao.* \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig/gongbao.pc
	rm -rf $(DESTDIR)$(PREFIX)/include/gongbao

clean:
	rm -rf build build-san
