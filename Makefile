# slackbot: a Slack bot in one static binary (musl libc + BearSSL).
#
#   make            build ./slackbot (static, stripped)
#   make test       install what is missing, build, run every test
#   make fuzz       run each libFuzzer target for FUZZ_SECONDS
#   make bench      benchmarks (throughput, sizes)
#   make clean
#
# Three builds of the same sources: musl (the product and its unit tests),
# asan (clang, glibc, ASan + UBSan: the unit tests again) and fuzz (clang,
# libFuzzer).  Objects live under build/<variant>/.

CC	= musl-gcc
SANCC	= clang
HOSTCC	= cc
ARCH	:= $(shell gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
BEARSSL	= /usr/lib/$(ARCH)/libbearssl.a
SHARED	= ../shared
FUZZ_SECONDS = 60
BENCH_RUNS = 7

WARN	= -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes \
	  -Wmissing-prototypes -Wmissing-declarations -Wvla -Wformat=2 \
	  -Wundef -Wcast-align
STD	= -std=c99 -D_DEFAULT_SOURCE
# The build date lower-bounds the real date: a certificate "not yet valid"
# on a clock before it means the clock is wrong (tls.c).
BUILD_EPOCH := $(or $(SOURCE_DATE_EPOCH),$(shell git log -1 --format=%ct 2>/dev/null),$(shell date +%s))
INC	= -isystem /usr/include/bearssl -I. -Ibuild
CFLAGS	= $(STD) -Os $(WARN) -Wno-format-truncation $(INC) -DBUILD_EPOCH=$(BUILD_EPOCH) -ffunction-sections -fdata-sections -MMD -MP
LDFLAGS	= -static -Wl,--gc-sections -Wl,-z,noseparate-code
SANFLAGS = $(STD) -g -O1 $(WARN) $(INC) -DBUILD_EPOCH=$(BUILD_EPOCH) -fsanitize=address,undefined \
	  -fno-sanitize-recover=all -fno-omit-frame-pointer -MMD -MP
FUZZFLAGS = $(STD) -g -O1 $(INC) -fsanitize=fuzzer,address,undefined \
	  -fno-sanitize-recover=all

# The program: main, its commands and the loop of `run`.  Every other
# top-level .c but the musl-only shim is library code.
PROGSRC	= slackbot.c run.c check.c setup.c
PROGOBJ	= $(PROGSRC:%.c=build/musl/%.o)
LIBSRC	= $(sort $(filter-out $(PROGSRC) fortify.c,$(wildcard *.c)) build/anchors.c)
UNIT	= $(patsubst tests/%.c,%,$(wildcard tests/t_*.c))
FUZZ	= $(patsubst tests/%.c,%,$(wildcard tests/fuzz_*.c))

MUSLOBJ	= $(patsubst %.c,build/musl/%.o,$(notdir $(LIBSRC)))
SANOBJ	= $(patsubst %.c,build/asan/%.o,$(notdir $(LIBSRC)))

# Roots compiled into the binary for machines without a CA bundle
# (README.md, "Trust").  Taken from Debian's ca-certificates at build time.
ROOTDIR	= /usr/share/ca-certificates/mozilla
ROOTS	= ISRG_Root_X1 ISRG_Root_X2 DigiCert_Global_Root_CA \
	  DigiCert_Global_Root_G2 Amazon_Root_CA_1 Amazon_Root_CA_3 \
	  Starfield_Services_Root_Certificate_Authority_-_G2

# make V=1 shows every command.
Q	= $(if $(V),,@)
E	= $(if $(V),@:,@printf '  %-7s %s\n')

all: slackbot

slackbot: $(PROGOBJ) build/musl/lib.a build/musl/fortify.o
	$(E) LD $@
	$(Q)$(CC) $(LDFLAGS) -s -o $@ $(PROGOBJ) build/musl/lib.a \
	    build/musl/fortify.o $(BEARSSL)
	@ls -l $@ | awk '{ print "slackbot: " $$5 " bytes" }'

build/musl/lib.a: $(MUSLOBJ)
	$(E) AR $@
	$(Q)rm -f $@ && ar rcs $@ $(MUSLOBJ)

build/asan/lib.a: $(SANOBJ)
	$(E) AR $@
	$(Q)rm -f $@ && ar rcs $@ $(SANOBJ)

# The code every event goes through is built for speed, the rest for size.
HOT	= json ws slack
$(HOT:%=build/musl/%.o): CFLAGS += -O2

build/musl/%.o: %.c | build/musl
	$(E) CC $@
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

build/musl/anchors.o: build/anchors.c | build/musl
	$(E) CC $@
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

build/asan/%.o: %.c | build/asan
	$(E) CC $@
	$(Q)$(SANCC) $(SANFLAGS) -c -o $@ $<

build/asan/anchors.o: build/anchors.c | build/asan
	$(E) CC $@
	$(Q)$(SANCC) $(SANFLAGS) -c -o $@ $<

build/mkanchors: tools/mkanchors.c ta.c ta.h | build
	$(E) LD $@
	$(Q)$(HOSTCC) $(STD) -O2 $(WARN) $(INC) -o $@ tools/mkanchors.c ta.c -lbearssl

build/anchors.c: build/mkanchors Makefile
	$(E) GEN $@
	$(Q)build/mkanchors $(ROOTS:%=$(ROOTDIR)/%.crt) > $@.tmp && mv $@.tmp $@

build build/asan build/fuzz:
	mkdir -p $@

build/musl:
	@scripts/setup --check
	mkdir -p $@

# Unit tests: tests/t_NAME.c, one per module, linked against the library.
build/t_%: tests/t_%.c tests/harness.h tests/testutil.h build/musl/lib.a build/musl/fortify.o
	$(E) LD $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< build/musl/lib.a \
	    build/musl/fortify.o $(BEARSSL)

build/asan/t_%: tests/t_%.c tests/harness.h tests/testutil.h build/asan/lib.a
	$(E) LD $@
	$(Q)$(SANCC) $(SANFLAGS) -o $@ $< build/asan/lib.a -lbearssl

build/jsoncheck: tests/jsoncheck.c build/musl/lib.a build/musl/fortify.o
	$(E) LD $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< build/musl/lib.a \
	    build/musl/fortify.o $(BEARSSL)

build/fuzz/%: tests/%.c $(LIBSRC) | build/fuzz
	$(E) LD $@
	$(Q)$(SANCC) $(FUZZFLAGS) -o $@ $< $(LIBSRC) -lbearssl

TESTBINS = $(UNIT:%=build/%) $(UNIT:%=build/asan/%) \
	   $(if $(wildcard tests/jsoncheck.c),build/jsoncheck)

test: deps-install
	@$(MAKE) --no-print-directory slackbot $(TESTBINS)
	@tests/run $(UNIT:%=build/%) $(UNIT:%=build/asan/%) \
	    $(if $(wildcard tests/jsonsuite),"tests/jsonsuite $(SHARED)/testdata/jsontestsuite") \
	    $(wildcard tests/e2e/test_*)

deps-install:
	@scripts/setup

# A scripted conversation with the stand-in of Slack; no workspace needed.
demo: deps-install
	@$(MAKE) --no-print-directory slackbot
	@tests/demo

fuzz: deps-install $(FUZZ:%=build/fuzz/%)
	@tests/fuzz-all $(FUZZ_SECONDS) $(FUZZ:%=build/fuzz/%)

bench: deps-install
	@$(MAKE) --no-print-directory slackbot build/bench_json build/bench_api \
	    build/flood build/hflood
	@tests/bench $(BENCH_RUNS)

# The soak test: 1000 refreshes and 1000 TCP resets under one stream of
# events, then no event lost or doubled, descriptors and RSS flat (several
# minutes; not part of make test).
soak: deps-install
	@$(MAKE) --no-print-directory slackbot
	@tests/soak

.PHONY: soak

build/bench_api: tests/bench_api.c build/musl/lib.a build/musl/fortify.o
	$(E) LD $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< build/musl/lib.a \
	    build/musl/fortify.o $(BEARSSL)

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

clean:
	rm -rf build slackbot

.PHONY: all deps-install test fuzz bench demo clean
.SECONDARY:

-include $(wildcard build/musl/*.d build/asan/*.d)
