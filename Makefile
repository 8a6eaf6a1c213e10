# slackbot: a Slack bot in one static binary (musl libc + BearSSL).
#
#   make            build ./slackbot (static, stripped) for x86_64
#   make TARGET=T   build build/T/slackbot for T (see targets.mk)
#   make dist       every target into dist/, with sizes and sha256
#   make test       install what is missing, build, run every test
#   make test-cross the cross-target tests, every target under qemu
#   make install    PREFIX=/usr/local, DESTDIR; make uninstall
#   make fuzz       run each libFuzzer target for FUZZ_SECONDS
#   make fuzz-long  10 million executions of each, two at a time (45 min)
#   make corpus     the fuzz targets' seeds again, from the unit tests
#   make bench      benchmarks (throughput, sizes)
#   make memtable   README.md's memory table, from the link
#   make clean      (make distclean: also the fetched sources and libraries)
#
# Three builds of the same sources: musl (the product and its unit tests),
# asan (clang, glibc, ASan + UBSan: the unit tests again) and fuzz (clang,
# libFuzzer).  Objects live under build/<variant>/.
#
# The product is built for TARGET (x86_64 unless told) with Debian's gcc
# for that target against musl and BearSSL built from Debian's sources by
# scripts/toolchain into build/tc/TARGET (README.md, "Targets").  x86_64
# objects live in build/musl and the binary is ./slackbot; any other
# target's in build/TARGET, binary build/TARGET/slackbot.

include targets.mk

TARGET	= x86_64
ifeq ($(filter $(TARGET),$(TARGETS)),)
$(error TARGET=$(TARGET): not one of $(TARGETS))
endif
TC	= build/tc/$(TARGET)
CC	= $($(TARGET)_CROSS)gcc -specs=$(TC)/gcc.specs $($(TARGET)_ARCH) $($(TARGET)_CODE)
bdir	= $(if $(filter x86_64,$(1)),build/musl,build/$(1))
bin	= $(if $(filter x86_64,$(1)),slackbot,build/$(1)/slackbot)
B	= $(call bdir,$(TARGET))
BIN	= $(call bin,$(TARGET))
SANCC	= clang
HOSTCC	= cc
SHARED	= ../shared
VERSION	:= $(shell sed -n 's/^\#define SLACKBOT_VERSION[^"]*"\(.*\)"/\1/p' config.h)
PREFIX	= /usr/local
DESTDIR	=
FUZZ_SECONDS = 60
FUZZ_LONG_RUNS = 10000000
FUZZ_LONG_SECONDS = 7200
BENCH_RUNS = 7

WARN	= -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes \
	  -Wmissing-prototypes -Wmissing-declarations -Wvla -Wformat=2 \
	  -Wundef -Wcast-align
STD	= -std=c99 -D_DEFAULT_SOURCE
# The build date lower-bounds the real date: a certificate "not yet valid"
# on a clock before it means the clock is wrong (tls.c).
BUILD_EPOCH := $(or $(SOURCE_DATE_EPOCH),$(shell git log -1 --format=%ct 2>/dev/null),$(shell date +%s))
INC	= -I. -Ibuild
# Host builds (ASan, fuzz, tools) use Debian's BearSSL; musl builds the
# one in build/tc/TARGET/include, through gcc.specs.
HOSTINC	= -isystem /usr/include/bearssl $(INC)
# -Oz (smallest, at some cost in speed) but for the code every event
# passes through, which stays at -Os: the JSON tokenizer, the WebSocket
# framing and the event scanner.  BearSSL, musl and libgcc are built at
# -Os (scripts/toolchain).
OPT	= -Oz
HOT	= json ws slack
CFLAGS	= $(STD) $(OPT) $(WARN) -Wno-format-truncation $(INC) -DBUILD_EPOCH=$(BUILD_EPOCH) \
	  -ffunction-sections -fdata-sections -fno-pie -fno-stack-protector \
	  -fno-unwind-tables -fno-asynchronous-unwind-tables -MMD -MP
# -u malloc: only the C library calls malloc(), after lib.a is searched, so
# malloc.c's is named here to take its place (malloc.c); likewise qsort,
# for libc.c.  No padding between code and data in the file: no RELRO (a
# static musl program never write-protects it; it cost a page's
# alignment), pages shared in the file (common-page-size), no build id
# (nothing reads it).
LDFLAGS	= -static -no-pie -Wl,--gc-sections -Wl,-z,noseparate-code \
	  -Wl,-u,malloc -Wl,-u,qsort -Wl,-z,norelro -Wl,-z,common-page-size=64 \
	  -Wl,--build-id=none
SANFLAGS = $(STD) -g -O1 $(WARN) $(HOSTINC) -DBUILD_EPOCH=$(BUILD_EPOCH) -fsanitize=address,undefined \
	  -fno-sanitize-recover=all -fno-omit-frame-pointer -MMD -MP
# Fuzzing: the library instrumented for coverage, the targets (the
# oracles) only checked by the sanitizers, so that their checks neither
# slow each run down with coverage callbacks nor count as coverage.
FUZZSAN	= -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZFLAGS = $(STD) -g -O1 $(WARN) $(HOSTINC) $(FUZZSAN) -fsanitize=fuzzer-no-link \
	  -MMD -MP
FUZZTFLAGS = $(STD) -g -O1 $(WARN) $(HOSTINC) -Itests $(FUZZSAN) -MMD -MP

# The program: main, its commands and the loop of `run`.  Every other
# top-level .c is library code.
PROGSRC	= slackbot.c run.c check.c setup.c
PROGOBJ	= $(PROGSRC:%.c=$(B)/%.o)
LIBSRC	= $(sort $(filter-out $(PROGSRC),$(wildcard *.c)) build/anchors.c)
UNIT	= $(patsubst tests/%.c,%,$(wildcard tests/t_*.c))
FUZZ	= $(patsubst tests/%.c,%,$(wildcard tests/fuzz_*.c))

MUSLOBJ	= $(patsubst %.c,$(B)/%.o,$(notdir $(LIBSRC)))
# malloc.c stands in for the C library's allocator in the static build only:
# the sanitizers watch the C library's; libc.c for three more functions.
SANOBJ	= $(patsubst %.c,build/asan/%.o,$(notdir $(filter-out malloc.c libc.c,$(LIBSRC))))
# printf.c stands in for the C library's printf family (it has no floating
# point, which libFuzzer's own output needs).
FUZZOBJ	= $(patsubst %.c,build/fuzz/%.o,$(notdir $(filter-out printf.c malloc.c libc.c,$(LIBSRC))))

# Roots compiled into the binary for machines without a CA bundle
# (README.md, "Trust").  Taken from Debian's ca-certificates at build time.
ROOTDIR	= /usr/share/ca-certificates/mozilla
ROOTS	= ISRG_Root_X1 ISRG_Root_X2 DigiCert_Global_Root_CA \
	  DigiCert_Global_Root_G2 Amazon_Root_CA_1 Amazon_Root_CA_3 \
	  Starfield_Services_Root_Certificate_Authority_-_G2

# make V=1 shows every command.
Q	= $(if $(V),,@)
E	= $(if $(V),@:,@printf '  %-7s %s\n')

all: $(BIN)

# The link also writes its map: where each byte went, before stripping
# (scripts/memtable, scripts/sizes); and the binary with its symbols,
# slackbot.elf, which tells MIPS16e code from MIPS32 code for a
# disassembler (tests/e2e/test_targets.py).  The product is it stripped.
$(BIN) $(B)/slackbot.map $(B)/slackbot.elf &: $(PROGOBJ) $(B)/lib.a
	$(E) LD $(BIN)
	$(Q)$(CC) $(LDFLAGS) -Wl,-Map,$(B)/slackbot.map -o $(B)/slackbot.elf \
	    $(PROGOBJ) $(B)/lib.a
	$(Q)$($(TARGET)_CROSS)strip -o $(BIN) $(B)/slackbot.elf
	@ls -l $(BIN) | awk '{ print "$(BIN) ($(TARGET)): " $$5 " bytes" }'

$(B)/lib.a: $(MUSLOBJ)
	$(E) AR $@
	$(Q)rm -f $@ && ar rcs $@ $(MUSLOBJ)

build/asan/lib.a: $(SANOBJ)
	$(E) AR $@
	$(Q)rm -f $@ && ar rcs $@ $(SANOBJ)

build/fuzz/lib.a: $(FUZZOBJ)
	$(E) AR $@
	$(Q)rm -f $@ && ar rcs $@ $(FUZZOBJ)

$(B)/%.o: %.c $(TC)/specs.ok | $(B)
	$(E) CC $@
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(HOT:%=$(B)/%.o): OPT = -Os

$(B)/anchors.o: build/anchors.c $(TC)/specs.ok | $(B)
	$(E) CC $@
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

# musl, BearSSL and libgcc of the target (quick when they are built).
$(TC)/specs.ok: FORCE | $(B)
	@scripts/toolchain $(TARGET) $($(TARGET)_CROSS) '$($(TARGET)_ARCH)' \
	    $(or $($(TARGET)_LIBGCC),debian) '$($(TARGET)_CODE)'

build/asan/%.o: %.c | build/asan
	$(E) CC $@
	$(Q)$(SANCC) $(SANFLAGS) -c -o $@ $<

build/asan/anchors.o: build/anchors.c | build/asan
	$(E) CC $@
	$(Q)$(SANCC) $(SANFLAGS) -c -o $@ $<

build/fuzz/%.o: %.c | build/fuzz
	$(E) CC $@
	$(Q)$(SANCC) $(FUZZFLAGS) -c -o $@ $<

build/fuzz/anchors.o: build/anchors.c | build/fuzz
	$(E) CC $@
	$(Q)$(SANCC) $(FUZZFLAGS) -c -o $@ $<

build/mkanchors: tools/mkanchors.c ta.c ta.h | build
	$(E) LD $@
	$(Q)$(HOSTCC) $(STD) -O2 $(WARN) $(HOSTINC) -o $@ tools/mkanchors.c ta.c -lbearssl

# The help texts, packed (help.h).
build/mkhelp: tools/mkhelp.c help.h help.def | build
	$(E) LD $@
	$(Q)$(HOSTCC) $(STD) -O2 $(WARN) -o $@ tools/mkhelp.c

build/help-lz.h: build/mkhelp
	$(E) GEN $@
	$(Q)build/mkhelp > $@.tmp && mv $@.tmp $@

$(B)/help.o build/asan/help.o build/fuzz/help.o: build/help-lz.h

build/anchors.c: build/mkanchors Makefile
	$(E) GEN $@
	$(Q)build/mkanchors $(ROOTS:%=$(ROOTDIR)/%.crt) > $@.tmp && mv $@.tmp $@

build build/asan build/fuzz:
	mkdir -p $@

$(B):
	@scripts/setup --check
	mkdir -p $@

# Unit tests: tests/t_NAME.c, one per module, linked against the library.
$(B)/t_%: tests/t_%.c tests/harness.h tests/testutil.h $(B)/lib.a
	$(E) LD $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/lib.a

build/asan/t_%: tests/t_%.c tests/harness.h tests/testutil.h build/asan/lib.a
	$(E) LD $@
	$(Q)$(SANCC) $(SANFLAGS) -o $@ $< build/asan/lib.a -lbearssl

# The program itself under ASan and UBSan, for the end-to-end tests that
# look for memory errors (tests/e2e/test_run_life.py).
build/asan/slackbot: $(PROGSRC:%.c=build/asan/%.o) build/asan/lib.a
	$(E) LD $@
	$(Q)$(SANCC) $(SANFLAGS) -o $@ $^ -lbearssl

build/jsoncheck: tests/jsoncheck.c $(B)/lib.a
	$(E) LD $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/lib.a

build/fuzz/fuzz_%.o: tests/fuzz_%.c | build/fuzz
	$(E) CC $@
	$(Q)$(SANCC) $(FUZZTFLAGS) -c -o $@ $<

build/fuzz/fuzz_%: build/fuzz/fuzz_%.o build/fuzz/lib.a
	$(E) LD $@
	$(Q)$(SANCC) $(FUZZSAN) -fsanitize=fuzzer -o $@ $< build/fuzz/lib.a \
	    -lbearssl

TESTBINS = $(UNIT:%=build/musl/%) $(UNIT:%=build/asan/%) \
	   $(if $(wildcard tests/jsoncheck.c),build/jsoncheck) \
	   build/musl/slackbot-clock build/asan/slackbot

# make test runs the cross tests of these targets too (32-bit big-endian
# soft-float MIPS, 32-bit little-endian ARMv6); make test-cross, of all.
TEST_TARGETS = mips armv6

# The cross targets' libraries and binaries build in the background, at a
# low priority, while the host's tests run (those mostly wait on sockets
# and timers); tests/built then waits for that build, and counts as one
# test, before the cross tests run.
test: deps-install
	@$(MAKE) --no-print-directory slackbot $(TESTBINS)
	@rm -f build/cross-bins.status; \
	( ( for t in $(TEST_TARGETS); do \
	    nice -n 19 $(MAKE) --no-print-directory TARGET=$$t cross-bins || \
	    exit 1; done ) >build/cross-bins.log 2>&1 </dev/null; \
	echo $$? >build/cross-bins.status.tmp; \
	mv build/cross-bins.status.tmp build/cross-bins.status ) & \
	tests/run $(UNIT:%=build/musl/%) $(UNIT:%=build/asan/%) \
	    $(if $(wildcard tests/jsonsuite),"tests/jsonsuite $(SHARED)/testdata/jsontestsuite") \
	    $(wildcard tests/e2e/test_*) "tests/built build/cross-bins" \
	    $(foreach t,$(TEST_TARGETS),$(call CROSSTESTS,$(t))) \
	    "tests/qemu x86_64:qemu64 tests/e2e/test_targets.py"

test-cross: deps-install
	@for t in $(TARGETS); do \
	    $(MAKE) --no-print-directory TARGET=$$t cross-bins || exit 1; done
	@tests/run $(foreach t,$(TARGETS),$(call CROSSTESTS,$(t)))

# What runs for one target: its unit tests, then the end-to-end tests
# that matter most, each under qemu (tests/qemu) unless the target is
# the machine's own.
CROSSTESTS = $(foreach u,$(UNIT),"tests/qemu $(1) $(call bdir,$(1))/$(u)") \
	"tests/qemu $(1) tests/e2e/test_targets.py"

cross-bins: $(BIN) $(UNIT:%=$(B)/%) $(B)/slackbot-clock

# The binary with a clock the tests can set (tls.c, TLS_TEST_CLOCK).
$(B)/slackbot-clock: $(PROGOBJ) $(B)/lib.a $(B)/tls-clock.o
	$(E) LD $@
	$(Q)$(CC) $(LDFLAGS) -s -o $@ $(PROGOBJ) $(B)/tls-clock.o $(B)/lib.a

$(B)/tls-clock.o: tls.c $(TC)/specs.ok | $(B)
	$(E) CC $@
	$(Q)$(CC) $(CFLAGS) -DTLS_TEST_CLOCK -c -o $@ $<

# slackbot with the tests' CA among its built-in roots: alone in an empty
# root directory, it reaches the stand-in (tests/e2e/test_service.py).
build/musl/slackbot-testroots: $(PROGOBJ) build/musl/anchors-test.o build/musl/lib.a
	$(E) LD $@
	$(Q)$(CC) $(LDFLAGS) -s -o $@ $(PROGOBJ) build/musl/anchors-test.o \
	    build/musl/lib.a

build/anchors-test.c: build/mkanchors build/test-certs/ca.pem
	$(E) GEN $@
	$(Q)build/mkanchors $(ROOTS:%=$(ROOTDIR)/%.crt) build/test-certs/ca.pem \
	    > $@.tmp && mv $@.tmp $@

build/musl/anchors-test.o: build/anchors-test.c $(TC)/specs.ok | $(B)
	$(E) CC $@
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

dist: deps-install
	@for t in $(TARGETS); do \
	    $(MAKE) --no-print-directory TARGET=$$t all || exit 1; done
	@scripts/dist $(VERSION) $(foreach t,$(TARGETS),$(t):$(call bin,$(t)))

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/slackbot
	install -m 644 slackbot.1 $(DESTDIR)$(PREFIX)/share/man/man1/slackbot.1

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/slackbot \
	    $(DESTDIR)$(PREFIX)/share/man/man1/slackbot.1

deps-install:
	@scripts/setup

# A scripted conversation with the stand-in of Slack; no workspace needed.
demo: deps-install
	@$(MAKE) --no-print-directory slackbot
	@tests/demo

fuzz: deps-install $(FUZZ:%=build/fuzz/%)
	@tests/fuzz-all $(FUZZ_SECONDS) $(FUZZ:%=build/fuzz/%)

# Every target until FUZZ_LONG_RUNS executions (FUZZ_LONG_SECONDS at
# most, in case the machine is busy), two at a time, the slowest (pem)
# first: 45 minutes on 2 cores shared with other work, pem 29 of them
# (README.md has the counts).
fuzz-long: deps-install $(FUZZ:%=build/fuzz/%)
	@FUZZ_JOBS=2 FUZZ_RUNS=$(FUZZ_LONG_RUNS) tests/fuzz-all \
	    $(FUZZ_LONG_SECONDS) $(filter %pem,$(FUZZ:%=build/fuzz/%)) \
	    $(filter-out %pem,$(FUZZ:%=build/fuzz/%))

# The fuzz targets' seeds in tests/corpus/TARGET/, written by the unit
# tests from their cases (t_seed() in tests/harness.h).
corpus: $(UNIT:%=build/%)
	@rm -rf tests/corpus
	@for t in $(FUZZ:fuzz_%=%); do mkdir -p tests/corpus/$$t; done
	@for t in $(UNIT:%=build/%); do \
	    T_SEEDS=tests/corpus $$t >/dev/null || exit 1; done
	@for t in $(FUZZ:fuzz_%=%); do rmdir tests/corpus/$$t 2>/dev/null; \
	    done; true
	@du -sh tests/corpus; ls tests/corpus | while read -r t; do \
	    echo "  $$t: $$(ls tests/corpus/$$t | wc -l) seeds"; done

bench: deps-install
	@$(MAKE) --no-print-directory slackbot build/bench_json build/bench_api \
	    build/flood build/hflood
	@tests/bench $(BENCH_RUNS)

# README.md's memory table again, from the x86_64 link's map (its test is
# in tests/e2e/test_readme.py).
memtable:
	@$(MAKE) --no-print-directory TARGET=x86_64 build/musl/slackbot.map
	@scripts/memtable -w README.md build/musl/slackbot.map

# The soak test: 1000 refreshes and 1000 TCP resets under one stream of
# events, then no event lost or doubled, descriptors and RSS flat (several
# minutes; not part of make test).
soak: deps-install
	@$(MAKE) --no-print-directory slackbot
	@tests/soak

.PHONY: soak

build/bench_api: tests/bench_api.c $(B)/lib.a
	$(E) LD $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/lib.a

# Both tokenizers built alike (host compiler, -O2) so the race is fair.
build/bench_json: tests/bench_json.c json.c json.h | build
	$(HOSTCC) $(STD) -O2 -I. -o $@ tests/bench_json.c json.c

# The Socket Mode flood source for tests/bench-flood: host compiler, glibc.
build/flood: tests/flood.c | build
	$(E) LD $@
	$(Q)$(HOSTCC) $(STD) -O2 $(WARN) -o $@ tests/flood.c -lbearssl

# The request URL load generator for tests/bench-http: host compiler, glibc.
build/hflood: tests/hflood.c | build
	$(E) LD $@
	$(Q)$(HOSTCC) $(STD) -O2 $(WARN) -isystem /usr/include/bearssl -o $@ \
	    tests/hflood.c -lbearssl

# clean keeps the sources and the targets' libraries (build/src, build/tc:
# minutes to make again); distclean removes them too.
clean:
	rm -rf slackbot dist $(filter-out build/src build/tc,$(wildcard build/*))

distclean:
	rm -rf build slackbot dist

.PHONY: all deps-install test test-cross cross-bins dist install uninstall \
	fuzz fuzz-long corpus bench memtable demo clean distclean FORCE
.SECONDARY:

-include $(wildcard $(B)/*.d build/asan/*.d build/fuzz/*.d)
