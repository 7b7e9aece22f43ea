# stamp: one Makefile for the whole tree (GNU make; make -j2 safe).
#
# Layout it relies on, so that adding a file never means editing this one:
#   common/*.c            -> $(O)/libstamp.a (no main() here)
#   DIR/stamp-*.c         -> the program $(O)/bin/stamp-* (DIR is one of PROGDIRS)
#   DIR/other.c           -> $(O)/DIR/lib.a, linked into that folder's programs
#   tests/unit/check_*.c  -> $(O)/tests/check_* (check suites, linked with every lib)
#   tests/fuzz/fuzz_*.c   -> $(O)/tests/fuzz/fuzz_* (replay a corpus; libFuzzer with `make fuzz`)
#
# O is the build folder; SAN=1 builds with AddressSanitizer and UBSan.
# `make install INSTALL_SENDMAIL=1` also links /usr/sbin/sendmail,
# /usr/lib/sendmail and /usr/bin/mailq to stamp-inject (never over another
# MTA's file).

O          ?= build
SAN        ?=
PREFIX     ?= /usr/local
STAMP_HOME ?= /var/stamp
DESTDIR    ?=
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man

CC         ?= gcc
PKG_CONFIG ?= pkg-config
PKGS        = libbsd-overlay libtls libcrypto

WARN     = -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes -Werror
HARDEN   = -fstack-protector-strong -fPIE
ifeq ($(FUZZ),1)
OPT      = -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
else ifeq ($(SAN),1)
OPT      = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
else
OPT      = -O2 -g
HARDEN  += -D_FORTIFY_SOURCE=2
endif
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
CHECK_LIBS := $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

CPPFLAGS += -I. -Icommon -I$(O)/gen -D_GNU_SOURCE
CFLAGS   += -std=gnu11 $(OPT) $(WARN) $(HARDEN) $(PKG_CFLAGS) -MMD -MP
LDFLAGS  += -pie -Wl,-z,relro,-z,now -Wl,--as-needed $(if $(filter 1,$(SAN) $(FUZZ)),-fsanitize=address$(,)undefined)
LDLIBS   += $(PKG_LIBS) -lresolv -lcrypt
, := ,

PROGDIRS   = smtpd queue deliver popd auth admin
COMMON_SRC = $(wildcard common/*.c)
COMMON_LIB = $(O)/libstamp.a

# Per folder: its programs (stamp-*.c hold main()) and its library (the rest).
mains_of   = $(wildcard $(1)/stamp-*.c)
libsrc_of  = $(filter-out $(call mains_of,$(1)),$(wildcard $(1)/*.c))
lib_of     = $(if $(call libsrc_of,$(1)),$(O)/$(1)/lib.a)
obj        = $(patsubst %.c,$(O)/%.o,$(1))

PROGRAMS   = $(foreach d,$(PROGDIRS),$(patsubst $(d)/%.c,$(O)/bin/%,$(call mains_of,$(d))))
DIR_LIBS   = $(foreach d,$(PROGDIRS),$(call lib_of,$(d)))
UNIT_SRC   = $(wildcard tests/unit/check_*.c)
UNIT_TESTS = $(patsubst tests/unit/%.c,$(O)/tests/%,$(UNIT_SRC))
TEST_HELPERS = $(patsubst tests/helpers/%.c,$(O)/tests/bin/%,$(wildcard tests/helpers/*.c))
FUZZ_SRC   = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS  = $(patsubst tests/fuzz/%.c,$(O)/tests/fuzz/%,$(FUZZ_SRC))

.PHONY: all deps check unit integration probes install uninstall run clean fuzz fuzz-bins unit-bins test-bins FORCE
.DEFAULT_GOAL := all

all: $(PROGRAMS)

# Compile-time paths: rewritten only when they change, so a rebuild is minimal.
$(O)/gen/paths.h: FORCE
	@mkdir -p $(@D)
	@printf '#define STAMP_HOME_DEFAULT "%s"\n#define STAMP_SBINDIR "%s"\n' \
	  '$(STAMP_HOME)' '$(SBINDIR)' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

$(O)/%.o: %.c | $(O)/gen/paths.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(COMMON_LIB): $(call obj,$(COMMON_SRC))
	@rm -f $@
	$(AR) rcs $@ $^

define dir_rules
ifneq ($(call libsrc_of,$(1)),)
$(O)/$(1)/lib.a: $(call obj,$(call libsrc_of,$(1)))
	@rm -f $$@
	$$(AR) rcs $$@ $$^
endif
$(O)/bin/%: $(O)/$(1)/%.o $(call lib_of,$(1)) $(COMMON_LIB)
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach d,$(PROGDIRS),$(eval $(call dir_rules,$(d))))

# Small helper programs used only by tests (never installed).
$(O)/tests/bin/%: $(O)/tests/helpers/%.o $(DIR_LIBS) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/tests/check_%: $(O)/tests/unit/check_%.o $(DIR_LIBS) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< -Wl,--start-group $(DIR_LIBS) $(COMMON_LIB) -Wl,--end-group $(LDLIBS) $(CHECK_LIBS)

# Fuzz harnesses: with libFuzzer under FUZZ=1 (make fuzz), else with
# tests/fuzz/driver.c, which replays a corpus (make check does).
FUZZ_MAIN = $(if $(filter 1,$(FUZZ)),-fsanitize=fuzzer,$(O)/tests/fuzz/driver.o)
$(O)/tests/fuzz/fuzz_%: $(O)/tests/fuzz/fuzz_%.o $(if $(filter 1,$(FUZZ)),,$(O)/tests/fuzz/driver.o) $(DIR_LIBS) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(FUZZ_MAIN) -Wl,--start-group $(DIR_LIBS) $(COMMON_LIB) -Wl,--end-group $(LDLIBS)

unit-bins: $(UNIT_TESTS)
test-bins: $(PROGRAMS) $(UNIT_TESTS) $(TEST_HELPERS) $(FUZZ_BINS)
fuzz-bins: $(FUZZ_BINS)

# ---- set-up --------------------------------------------------------------
deps:
	@sh etc/deps.sh

# ---- tests ---------------------------------------------------------------
# The normal build, then the sanitizer build in its own folder; both run the
# unit suites and the integration tests. The last line is `N passed, N failed`.
check: deps
	@$(MAKE) --no-print-directory O=build test-bins
	@$(MAKE) --no-print-directory O=build-san SAN=1 test-bins
	@sh tests/check.sh build build-san

# `make fuzz`: each harness under libFuzzer for FUZZ_SECONDS, from its corpus.
FUZZ_SECONDS ?= 60
fuzz:
	@command -v clang >/dev/null 2>&1 || { echo "fuzz: needs clang and libFuzzer:" \
	  "apt-get install clang libclang-rt-14-dev" >&2; exit 1; }
	@$(MAKE) --no-print-directory O=build-fuzz CC=clang FUZZ=1 fuzz-bins
	@sh tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

unit: $(UNIT_TESTS)
	@sh tests/check.sh --unit-only $(O)

integration: test-bins
	@sh tests/check.sh --integration-only $(O)

# The hostile-client probes alone (make check runs them after the integration tests).
probes: all
	@python3 tests/probes/run.py --build $(O)

# ---- install -------------------------------------------------------------
install: all
	@sh etc/install.sh --bindir '$(O)/bin' --destdir '$(DESTDIR)' \
	  --sbindir '$(SBINDIR)' --mandir '$(MANDIR)' --home '$(STAMP_HOME)' $(INSTALL_FLAGS) \
	  $(if $(filter 1,$(INSTALL_SENDMAIL)),--sendmail-links)

uninstall:
	@sh etc/install.sh --uninstall --destdir '$(DESTDIR)' --sbindir '$(SBINDIR)' --mandir '$(MANDIR)'

# `make run`: install into ./run and run the suite there in the foreground.
# An ordinary user owns everything; root installs as `make install` does
# (with the stamp users), so that no daemon keeps running as root.
RUN_FLAGS = $(if $(filter 0,$(shell id -u)),,--as-invoker)
run: deps
	@$(MAKE) --no-print-directory install PREFIX='$(CURDIR)/run' STAMP_HOME='$(CURDIR)/run/home' \
	  INSTALL_FLAGS='$(RUN_FLAGS)'
	@exec '$(CURDIR)/run/sbin/stamp-run' --home '$(CURDIR)/run/home'

clean:
	rm -rf build build-san build-fuzz run

-include $(shell find $(O) -name '*.d' 2>/dev/null)
