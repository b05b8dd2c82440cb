# SPDX-License-Identifier: Apache-2.0
# faultline: plain GNU Makefile with pkg-config. Sources are found by wildcard, so adding a file
# under src/<module>/ or tests/unit/<module>/ needs no edit here.
#
#   make            build build/faultline (installs missing Debian packages when run as root)
#   make test       unit tests, data-driven cases, fuzz corpus replay, integration tests
#   make asan       the same tests under AddressSanitizer + UBSan (in build-asan/)
#   make fuzz       libFuzzer binaries (clang) in build-fuzz/
#   make bench      benchmarks; see docs/PERFORMANCE.md

BUILD    ?= build
ifeq ($(origin CC),default)
CC       := gcc
endif
PKGS     := libmicrohttpd libcurl sqlite3 jansson yaml-0.1 zlib libxml-2.0 libgvc libcmark-gfm
TEST_PKGS := criterion
WERROR   ?=
OPT      ?= -O2 -g
SAN      ?=

ifeq ($(filter clean distclean,$(MAKECMDGOALS)),)
DEPS_OK := $(shell pkg-config --exists $(PKGS) $(TEST_PKGS) && echo yes)
ifneq ($(DEPS_OK),yes)
ifeq ($(shell id -u),0)
$(info faultline: missing build dependencies, running scripts/install-deps)
DEPS_RUN := $(shell scripts/install-deps >&2 && echo ok)
ifneq ($(DEPS_RUN),ok)
$(error scripts/install-deps failed)
endif
else
$(error missing build dependencies; run: sudo $(shell scripts/install-deps --print))
endif
endif
endif

CFLAGS_STD := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra -Wshadow \
              -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla $(WERROR)
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS)) -lcmark-gfm-extensions -lpthread -lm
CFLAGS  += $(CFLAGS_STD) $(OPT) $(SAN) $(PKG_CFLAGS) -Isrc -MMD -MP
LDFLAGS += $(SAN)

ifneq ($(SAN),)
CFLAGS += -fno-omit-frame-pointer
endif

LIB_SRC  := $(filter-out src/cli/%,$(wildcard src/*/*.c))
CLI_SRC  := $(wildcard src/cli/*.c)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
LIB      := $(BUILD)/libfaultline.a
BIN      := $(BUILD)/faultline
# The web UI's embedded files (rules below, docs/UI.md).
UI_FILES  := $(wildcard web/*.html web/*.css web/*.svg web/js/*.js)
UI_VENDOR := web/node_modules/uplot/dist/uPlot.iife.min.js web/node_modules/uplot/dist/uPlot.min.css
UI_GEN    := $(BUILD)/gen/ui_assets.c
UI_OBJ    := $(BUILD)/obj/gen/ui_assets.o

SIM_SRC  := $(wildcard sim/*.c)
SIM_OBJ  := $(SIM_SRC:%.c=$(BUILD)/obj/%.o)
SIM_BIN  := $(if $(SIM_SRC),$(BUILD)/faultline-sim)

UNIT_MODS := $(notdir $(wildcard tests/unit/*))
UNIT_BINS := $(UNIT_MODS:%=$(BUILD)/tests/unit_%)
TEST_CFLAGS := $(shell pkg-config --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS   := $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null)

FUZZ_SRC   := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)
REPLAY_BINS := $(FUZZ_NAMES:%=$(BUILD)/fuzz-replay/%)

BENCH_SRC  := $(wildcard bench/*.c)
BENCH_BINS := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

.PHONY: all test unit cases fuzz-replay integration asan fuzz bench clean check-docs demo
all: $(BIN) $(SIM_BIN)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ) $(UI_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# ---- the web UI (docs/UI.md), compiled into the library ----
# scripts/embed-assets turns web/'s files and uPlot's dist files into one C source under
# $(BUILD)/gen/ (bytes + a gzip copy + Content-Type + ETag per file); src/server/routes_ui.c serves
# it. uPlot comes from the npm registry as locked in web/package-lock.json: `npm ci` runs when
# web/node_modules is missing or older than the lock file. Nothing generated lands outside build/.

web/node_modules/.package-lock.json: web/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "error: npm not found; the web UI needs it once to" \
	  "fetch uPlot (web/package-lock.json). Install Node.js and npm (scripts/install-deps)." >&2; \
	  exit 1; }
	npm ci --prefix web --no-audit --no-fund
	@touch $@

$(UI_GEN): scripts/embed-assets $(UI_FILES) web/node_modules/.package-lock.json
	@mkdir -p $(dir $@)
	/usr/bin/python3 scripts/embed-assets -o $@ --root web $(UI_FILES) --vendor $(UI_VENDOR)

$(UI_OBJ): $(UI_GEN)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BIN): $(CLI_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(PKG_LIBS)

$(BUILD)/faultline-sim: $(SIM_OBJ) $(BUILD)/libfaultline.a
	$(CC) $(LDFLAGS) -o $@ $(SIM_OBJ) $(BUILD)/obj/src/core/*.o $(PKG_LIBS)

# One Criterion binary per module directory under tests/unit/.
.SECONDEXPANSION:
$(BUILD)/tests/unit_%: $$(wildcard tests/unit/%/*.c) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(TEST_CFLAGS) -Itests -o $@ $(filter %.c,$^) $(LIB) $(TEST_LIBS) $(PKG_LIBS)

# The simulator's tests link its objects (not main.o) and the core helpers, never the engine.
SIM_TEST_OBJ := $(filter-out $(BUILD)/obj/sim/main.o,$(SIM_OBJ))
$(BUILD)/tests/unit_sim: $(wildcard tests/unit/sim/*.c) $(SIM_TEST_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(TEST_CFLAGS) -Itests -o $@ $(filter %.c,$^) $(SIM_TEST_OBJ) \
	  $(BUILD)/obj/src/core/*.o $(TEST_LIBS) $(PKG_LIBS)

# Fuzz targets replayed over their corpus by a plain driver (no clang needed).
$(BUILD)/fuzz-replay/%: tests/fuzz/fuzz_%.c tests/fuzz/replay_main.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< tests/fuzz/replay_main.c $(LIB) $(PKG_LIBS)

$(BUILD)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O3 -o $@ $< $(LIB) $(PKG_LIBS)

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t --jobs 2 $(CRITERION_ARGS); done

cases: $(BIN)
	@scripts/run-cases $(BIN)

fuzz-replay: $(REPLAY_BINS)
	@set -e; for n in $(FUZZ_NAMES); do \
	  $(BUILD)/fuzz-replay/$$n tests/fuzz/corpus/$$n; done

integration: $(BIN) $(SIM_BIN)
	@scripts/run-integration $(BUILD)

check-docs: $(BIN)
	@scripts/check-docs $(BIN)

test: all unit cases fuzz-replay check-docs integration
	@echo "all tests passed"

asan:
	$(MAKE) BUILD=build-asan OPT="-O1 -g" SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" \
	  unit cases fuzz-replay integration

FUZZ_CFLAGS := $(CFLAGS_STD) -O1 -g -fsanitize=fuzzer-no-link,address,undefined $(PKG_CFLAGS) -Isrc
FUZZ_OBJ := $(LIB_SRC:%.c=build-fuzz/obj/%.o) build-fuzz/obj/gen/ui_assets.o
build-fuzz/obj/gen/ui_assets.o: build-fuzz/gen/ui_assets.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -c $< -o $@
build-fuzz/gen/ui_assets.c: scripts/embed-assets $(UI_FILES) web/node_modules/.package-lock.json
	@mkdir -p $(dir $@)
	/usr/bin/python3 scripts/embed-assets -o $@ --root web $(UI_FILES) --vendor $(UI_VENDOR)
build-fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -c $< -o $@
build-fuzz/%: tests/fuzz/fuzz_%.c $(FUZZ_OBJ)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJ) $(PKG_LIBS)
	@echo "built $@ (run: $@ tests/fuzz/corpus/$*)"
.SECONDARY: $(FUZZ_OBJ)
fuzz: $(FUZZ_NAMES:%=build-fuzz/%)

bench: $(BIN) $(BENCH_BINS)
	@scripts/run-bench $(BUILD)

demo: $(BIN) $(SIM_BIN)
	@scripts/demo

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
