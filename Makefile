# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# xdptag build.  `make` builds the BPF objects, their skeletons, the CLI and
# the tests; `make deps` installs what the build and tests need; `make test`
# runs every tier; `make demo` runs the lab demo.  V=1 shows full commands.

.DELETE_ON_ERROR:
.SUFFIXES:
# Skeletons and objects are inputs of later steps, not temporaries.
.SECONDARY:

BUILD	?= build
CLANG	?= clang
BPFTOOL	?= bpftool
CC	?= cc

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# Debian keeps asm/ under the multiarch directory; -idirafter so that the
# BPF target's own headers win.  Expanded when a BPF object is compiled, not
# when make reads this file: `make deps test` and `make demo` install the
# compiler between the two.
ARCH_INC = /usr/include/$(shell $(CC) -dumpmachine)

# The version lives in debian/changelog's first line and nowhere else.
VERSION := $(shell awk 'NR == 1 { gsub(/[()]/, " "); print $$2; exit }' debian/changelog)

# make install: Debian's layout under PREFIX, staged under DESTDIR.  Units
# go where systemd looks: /lib/systemd/system for PREFIX=/usr (Debian 12's
# debhelper puts them there), else PREFIX/lib/systemd/system.
PREFIX	?= /usr/local
SBINDIR	?= $(PREFIX)/sbin
DATADIR	?= $(PREFIX)/share
MANDIR	?= $(DATADIR)/man
DOCDIR	?= $(DATADIR)/doc/xdptag
COMPLETIONDIR ?= $(DATADIR)/bash-completion/completions
UNITDIR	?= $(if $(filter /usr,$(PREFIX)),/lib,$(PREFIX)/lib)/systemd/system
SCDOC	?= scdoc

# -mcpu=v3: 32-bit ALU and jumps (kernel 5.1 and later), so clang emits no
# zero-extension pairs around 32-bit values: 0.6-2.7 ns less on the stateful
# frames (docs/performance.md, "BPF ISA v3"; the cpu-v1 variant).
BPF_CFLAGS = -g -O2 -target bpf -mcpu=v3 -Wall -Werror -Iinclude -Ibpf/lib \
	      -idirafter $(ARCH_INC) -MMD -MP
XT_CFLAGS := -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	     -Wno-missing-field-initializers -D_GNU_SOURCE \
	     -Iinclude -Iuser -Ibpf/lib -I$(BUILD) -MMD -MP $(CFLAGS)
LDLIBS	:= -lbpf -lxdp -lelf -lz -lyaml -lpcap -lmicrohttpd -ljansson -lm
# dpkg-buildflags' hardening (fortify, relro, bindnow) when a package is built.
XT_CFLAGS += $(CPPFLAGS)
XT_LDFLAGS := $(LDFLAGS)

BPF_OBJS := $(BUILD)/xdptag.bpf.o $(BUILD)/xdptag_tc.bpf.o \
	    $(BUILD)/xdptag_live.bpf.o
SKELS	 := $(BUILD)/xdptag.skel.h $(BUILD)/xdptag_tc.skel.h \
	    $(BUILD)/xdptag_live.skel.h

# Every user/*.c but the entry point goes into a library the tests link.
LIB_SRCS := $(filter-out user/main.c,$(wildcard user/*.c))
LIB_OBJS := $(patsubst user/%.c,$(BUILD)/user/%.o,$(LIB_SRCS))
LIB	 := $(BUILD)/libxdptag.a
BIN	 := $(BUILD)/xdptag

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
PROG_SRCS := $(wildcard tests/prog/test_*.c)
TEST_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(UNIT_SRCS) $(PROG_SRCS))
# Helpers the e2e tests run (tests/tools/): not tests themselves.
TEST_TOOLS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/tools/*.c))
TEST_BPF  := $(patsubst tests/bpf/%.bpf.c,$(BUILD)/tests/bpf/%.bpf.o,\
		$(wildcard tests/bpf/*.bpf.c))

MAN	:= $(BUILD)/man/xdptag.8
UNITS	:= xdptag@.service xdptag-exporter.service

.PHONY: all deps test test-unit test-prog test-pcap test-e2e test-detect demo \
	bench bench-trace test-kernels test-kernel-6.1 test-kernel-6.12 test-fresh fuzz \
	clean xdptag install uninstall deb test-service

all: $(BIN) $(MAN) $(TEST_BINS) $(TEST_TOOLS) $(TEST_BPF) $(BUILD)/fuzz/fuzz_parse \
	$(BUILD)/fuzz/pcap_seeds $(BUILD)/fuzz/fuzz_rules \
	$(BUILD)/fuzz/fuzz_prefix_file $(BUILD)/fuzz/fuzz_nft

$(BUILD)/xdptag.bpf.o: bpf/xdp/xdptag.bpf.c
$(BUILD)/xdptag_tc.bpf.o: bpf/tc/xdptag_tc.bpf.c
$(BUILD)/xdptag_live.bpf.o: bpf/live/xdptag_live.bpf.c
$(BPF_OBJS):
	$(call msg,BPF,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MF $(@:.o=.d) -c $< -o $@

$(BUILD)/tests/bpf/%.bpf.o: tests/bpf/%.bpf.c
	$(call msg,BPF,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MF $(@:.o=.d) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst .bpf.o,,$(notdir $<)) > $@

$(BUILD)/user/%.o: user/%.c $(SKELS)
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(XT_CFLAGS) -c $< -o $@

# The built-in ruleset is embedded with .incbin.
$(BUILD)/user/rules_default.o: rules/default.yaml

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# `xdptag --version` prints VERSION.
$(BUILD)/user/main.o: XT_CFLAGS += -DXT_VERSION='"$(VERSION)"'
$(BUILD)/user/main.o: debian/changelog

$(BIN): $(BUILD)/user/main.o $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(XT_CFLAGS) $(XT_LDFLAGS) $^ $(LDLIBS) -o $@

# The binary and its man page: what make install and the package need,
# without the tests' and fuzzers' build dependencies.
xdptag: $(BIN) $(MAN)

$(MAN): dist/man/xdptag.8.scd debian/changelog
	$(call msg,SCDOC,$@)
	@mkdir -p $(@D)
	$(Q)sed 's/@VERSION@/$(VERSION)/' $< | $(SCDOC) > $@

install: xdptag
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -D -m 0755 $(BIN) $(DESTDIR)$(SBINDIR)/xdptag
	$(Q)install -D -m 0644 $(MAN) $(DESTDIR)$(MANDIR)/man8/xdptag.8
	$(Q)install -D -m 0644 dist/bash-completion/xdptag \
		$(DESTDIR)$(COMPLETIONDIR)/xdptag
	$(Q)install -d $(DESTDIR)$(UNITDIR)
	$(Q)for u in $(UNITS); do \
		sed 's|@SBINDIR@|$(SBINDIR)|g' dist/systemd/$$u.in \
			> $(DESTDIR)$(UNITDIR)/$$u && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	$(Q)install -D -m 0644 dist/examples/IFACE.yaml \
		$(DESTDIR)$(DOCDIR)/examples/IFACE.yaml
	$(Q)install -D -m 0644 rules/default.yaml \
		$(DESTDIR)$(DATADIR)/xdptag/default.yaml

uninstall:
	$(call msg,UNINSTALL,$(DESTDIR)$(PREFIX))
	$(Q)rm -f $(DESTDIR)$(SBINDIR)/xdptag $(DESTDIR)$(MANDIR)/man8/xdptag.8 \
		$(DESTDIR)$(COMPLETIONDIR)/xdptag \
		$(addprefix $(DESTDIR)$(UNITDIR)/,$(UNITS)) \
		$(DESTDIR)$(DOCDIR)/examples/IFACE.yaml \
		$(DESTDIR)$(DATADIR)/xdptag/default.yaml
	$(Q)rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(DATADIR)/xdptag 2>/dev/null || true

# xdptag_VERSION_amd64.deb in $(BUILD)/deb, built by dpkg-buildpackage from
# a copy of the tree (debian/ writes its stamps and staging there).
DEB	:= $(BUILD)/deb/xdptag_$(VERSION)_$(shell dpkg --print-architecture 2>/dev/null || echo amd64).deb
DEB_SRCS := $(shell find Makefile debian dist include bpf user rules -type f \
		! -name '*~' 2>/dev/null)

deb: $(DEB)

$(DEB): $(DEB_SRCS) scripts/deb.sh
	$(Q)BUILD=$(BUILD) scripts/deb.sh

# The package under systemd in a Debian 12 VM (tests/service/run.sh).
test-service: $(DEB)
	$(Q)BUILD=$(BUILD) tests/service/run.sh

$(BUILD)/tests/%: tests/%.c $(LIB) $(SKELS)
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(XT_CFLAGS) $(XT_LDFLAGS) -Itests $< $(LIB) $(LDLIBS) -lcmocka -o $@

$(BUILD)/tests/tools/%: tests/tools/%.c $(LIB)
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(XT_CFLAGS) $< $(LIB) $(LDLIBS) -o $@

# Fuzzing: the BPF parser header compiled for user space under libFuzzer.
# Alignment is not checked: headers after a 14-byte Ethernet header are
# 2-byte aligned by nature, and BPF packet loads on x86 may be unaligned
# (the verifier allows it where the architecture does).
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined \
	       -fno-sanitize=alignment -fno-sanitize-recover=all \
	       -Iinclude -Ibpf/lib
$(BUILD)/fuzz/fuzz_parse: fuzz/fuzz_parse.c Makefile
	$(call msg,FUZZ-CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -MMD -MP -MF $@.d $< -o $@

# The rules-file loader and compiler, no BPF: libyaml is fuzzed with them.
FUZZ_RULES_SRCS := fuzz/fuzz_rules.c user/rules_file.c user/rules.c user/num.c \
		   user/names.c user/rules_default.c
$(BUILD)/fuzz/fuzz_rules: $(FUZZ_RULES_SRCS) rules/default.yaml Makefile
	$(call msg,FUZZ-CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -Wall -Werror -D_GNU_SOURCE -Iuser \
		$(FUZZ_RULES_SRCS) \
		-lyaml -o $@

# The prefix-file reader, through the same loader.
FUZZ_PREFIX_SRCS := fuzz/fuzz_prefix_file.c user/rules_file.c user/rules.c user/num.c \
		    user/names.c user/rules_default.c
$(BUILD)/fuzz/fuzz_prefix_file: $(FUZZ_PREFIX_SRCS) rules/default.yaml Makefile
	$(call msg,FUZZ-CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -Wall -Werror -D_GNU_SOURCE -Iuser \
		$(FUZZ_PREFIX_SRCS) \
		-lyaml -o $@

# The quoting of names in `xdptag nft`.
FUZZ_NFT_SRCS := fuzz/fuzz_nft.c user/nft_quote.c
$(BUILD)/fuzz/fuzz_nft: $(FUZZ_NFT_SRCS) Makefile
	$(call msg,FUZZ-CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -Wall -Werror -D_GNU_SOURCE -Iuser \
		$(FUZZ_NFT_SRCS) -o $@

$(BUILD)/fuzz/pcap_seeds: fuzz/pcap_seeds.c
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(XT_CFLAGS) $< -lpcap -o $@

fuzz: $(BUILD)/fuzz/fuzz_parse $(BUILD)/fuzz/pcap_seeds $(BUILD)/fuzz/fuzz_rules \
	$(BUILD)/fuzz/fuzz_prefix_file $(BUILD)/fuzz/fuzz_nft
	$(Q)BUILD=$(BUILD) fuzz/run.sh

deps:
	$(Q)scripts/deps.sh

# The README's test command: every tier, one summary line at the end.
test: all
	$(Q)tests/run.sh

test-unit test-prog test-pcap test-e2e test-detect: all
	$(Q)tests/run.sh $(subst test-,,$@)

# Built by a second make so that nothing is built before deps has run, even
# under -j.
demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/demo.sh

# The bench harness (bench/*.c) and its BPF programs (bench/bpf/).  The
# built-in default rules are used once user/rules_file.c exists.
BENCH_BPF  := $(patsubst bench/bpf/%.bpf.c,$(BUILD)/bench/bpf/%.bpf.o,\
		$(wildcard bench/bpf/*.bpf.c))
BENCH_BINS := $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c))

# Variants of the XDP stage, each with one suspect cost left out or added
# (bpf/xdp/xdptag.bpf.c says what each flag does): name, then its flags.
# xt_bench measures every one in the peer tier, beside the shipped object.
BENCH_VARIANT_FLAGS_meta-call := -DXT_BENCH_META_CALL
BENCH_VARIANT_FLAGS_no-stats  := -DXT_BENCH_NO_MEMO -DXT_BENCH_NO_STATS
BENCH_VARIANT_FLAGS_no-pfx    := -DXT_BENCH_NO_PFX
BENCH_VARIANT_FLAGS_v6-inline := -DXT_BENCH_V6_INLINE
BENCH_VARIANT_FLAGS_pfx-hash2 := -DXT_BENCH_PFX_HASH2
BENCH_VARIANT_FLAGS_pfx-call2 := -DXT_BENCH_PFX_CALL2
BENCH_VARIANT_FLAGS_pfx-fixed := -DXT_BENCH_PFX_FIXED=262144
BENCH_VARIANT_FLAGS_pfx-chain := -DXT_BENCH_PFX_CHAIN
BENCH_VARIANT_FLAGS_pfx-hash24 := -DXT_BENCH_PFX_HASH24
BENCH_VARIANT_FLAGS_pfx-hash6 := -DXT_BENCH_PFX_HASH6
BENCH_VARIANT_FLAGS_l1-whole := -DXT_BENCH_L1_WHOLE
BENCH_VARIANT_FLAGS_score-nopeel := -DXT_BENCH_NO_MEMO -DXT_BENCH_SCORE_NOPEEL
BENCH_VARIANT_FLAGS_parse-fields := -DXT_BENCH_PARSE_FIELDS
BENCH_VARIANT_FLAGS_base-old := -DXT_BENCH_NO_MEMO -DXT_BENCH_SCORE_NOPEEL -DXT_BENCH_PARSE_FIELDS
BENCH_VARIANT_FLAGS_no-capture := -DXT_BENCH_NO_CAPTURE
BENCH_VARIANT_FLAGS_cap-lookup := -DXT_BENCH_CAP_LOOKUP
BENCH_VARIANT_FLAGS_pad-ind := -DXT_BENCH_PAD_IND
BENCH_VARIANT_FLAGS_pad-dep := -DXT_BENCH_PAD_DEP
BENCH_VARIANT_FLAGS_parse-only := -DXT_BENCH_PARSE_ONLY
BENCH_VARIANT_FLAGS_no-classify := -DXT_BENCH_NO_CLASSIFY
BENCH_VARIANT_FLAGS_st-no-clock := -DXT_BENCH_STATE_NO_CLOCK
BENCH_VARIANT_FLAGS_st-no-lookup := -DXT_BENCH_STATE_NO_LOOKUP
BENCH_VARIANT_FLAGS_st-coarse := -DXT_BENCH_STATE_COARSE
BENCH_VARIANT_FLAGS_st-no-hold := -DXT_BENCH_STATE_NO_HOLD
BENCH_VARIANT_FLAGS_st-no-count := -DXT_BENCH_STATE_NO_COUNT
BENCH_VARIANT_FLAGS_st-skip := -DXT_BENCH_STATE_SKIP
BENCH_VARIANT_FLAGS_st-loop := -DXT_BENCH_STATE_LOOP
BENCH_VARIANT_FLAGS_st-roll2 := -DXT_BENCH_STATE_ROLL2
BENCH_VARIANT_FLAGS_st-count-held := -DXT_BENCH_STATE_COUNT_HELD
BENCH_VARIANT_FLAGS_st-no-memo := -DXT_BENCH_STATE_NO_MEMO
BENCH_VARIANT_FLAGS_st-way-loop := -DXT_BENCH_STATE_WAY_LOOP
BENCH_VARIANT_FLAGS_st-memo-miss := -DXT_BENCH_STATE_MEMO_MISS
BENCH_VARIANT_FLAGS_no-hits := -DXT_BENCH_NO_MEMO -DXT_BENCH_NO_HITS
BENCH_VARIANT_FLAGS_no-score := -DXT_BENCH_NO_MEMO -DXT_BENCH_NO_SCORE
BENCH_VARIANT_FLAGS_score-old := -DXT_BENCH_NO_MEMO -DXT_BENCH_SCORE_OLD
BENCH_VARIANT_FLAGS_no-dims := -DXT_BENCH_NO_DIMS
BENCH_VARIANT_FLAGS_call2 := -DXT_BENCH_CALL2
BENCH_VARIANT_FLAGS_no-vcount := -DXT_BENCH_NO_MEMO -DXT_BENCH_NO_VCOUNT
BENCH_VARIANT_FLAGS_no-addr := -DXT_BENCH_NO_ADDR
BENCH_VARIANT_FLAGS_no-memo := -DXT_BENCH_NO_MEMO
BENCH_VARIANT_FLAGS_memo-miss := -DXT_BENCH_MEMO_MISS
BENCH_VARIANT_FLAGS_cls-empty := -DXT_BENCH_NO_MEMO -DXT_BENCH_CLS_EMPTY
BENCH_VARIANT_FLAGS_cls-call := -DXT_BENCH_CLS_CALL
BENCH_VARIANT_FLAGS_cpu-v1 := -mcpu=v1
BENCH_VARIANT_FLAGS_frags := -DXT_BENCH_FRAGS
BENCH_VARIANTS := $(sort $(patsubst BENCH_VARIANT_FLAGS_%,%,\
		    $(filter BENCH_VARIANT_FLAGS_%,$(.VARIABLES))))
BENCH_BPF  += $(patsubst %,$(BUILD)/bench/bpf/xdptag-%.bpf.o,$(BENCH_VARIANTS))
# The variants of the table above that the TC stage has too
# (bpf/tc/xdptag_tc.bpf.c), built from its source with the same flags:
# xt_bench measures them in its tc tier, in the tc bridge mode.
BENCH_TC_VARIANTS := cls-call
BENCH_BPF  += $(patsubst %,$(BUILD)/bench/bpf/xdptag_tc-%.bpf.o,\
		$(BENCH_TC_VARIANTS))

# Before the generic rule: make takes the first pattern that matches.
$(BUILD)/bench/bpf/xdptag-%.bpf.o: bpf/xdp/xdptag.bpf.c
	$(call msg,BPF,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(BENCH_VARIANT_FLAGS_$*) -MF $(@:.o=.d) \
		-c $< -o $@

$(BUILD)/bench/bpf/xdptag_tc-%.bpf.o: bpf/tc/xdptag_tc.bpf.c
	$(call msg,BPF,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(BENCH_VARIANT_FLAGS_$*) -MF $(@:.o=.d) \
		-c $< -o $@

$(BUILD)/bench/bpf/%.bpf.o: bench/bpf/%.bpf.c
	$(call msg,BPF,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MF $(@:.o=.d) -c $< -o $@

$(BUILD)/bench/%: bench/%.c $(LIB) $(SKELS)
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(XT_CFLAGS) -Itests \
		$(if $(wildcard user/rules_file.c),-DXT_HAVE_RULES_FILE) \
		-DXT_PEER_DIR='"/usr/lib/$(shell $(CC) -dumpmachine)/bpf"' \
		$< $(LIB) $(LDLIBS) -o $@

# The peer tier's harness is built with everything else, so that the
# suite can run it (tests/prog/test_bench.sh) on every machine CI builds on;
# the variants, which only make bench runs, are not.
all: $(BENCH_BINS) $(BUILD)/bench/bpf/null_xdp.bpf.o

bench: all $(BENCH_BPF) $(BENCH_BINS)
	$(Q)BUILD=$(BUILD) XT_VARIANTS="$(BENCH_VARIANTS)" \
		XT_TC_VARIANTS="$(BENCH_TC_VARIANTS)" bench/run.sh

# Where each frame's instructions go, function by function (bench/trace.sh).
bench-trace: all $(BENCH_BPF) $(BENCH_BINS)
	$(Q)BUILD=$(BUILD) bench/trace.sh

# Debian 12's own kernels under qemu (docs/kernels.md): 6.1, its release
# kernel, runs every tier that loads BPF (the cls_bpf TC path); 6.12, from
# bookworm-security, proves the tcx path, the datapath and multi-buffer XDP
# on a Debian kernel.
TESTS_6_12 = tests/e2e/test_coexist.sh tests/e2e/test_datapath.sh \
	     tests/e2e/test_libxdp.sh tests/e2e/test_jumbo.sh

test-kernels: test-kernel-6.1 test-kernel-6.12

test-kernel-6.1: all
	$(Q)tests/vm/run.sh

test-kernel-6.12: all
	$(Q)XT_VM_KERNEL=6.12 XT_VM_TIERS='$(TESTS_6_12)' tests/vm/run.sh

# The README's two commands on a pristine Debian 12 root (mmdebstrap), from
# a fresh clone of HEAD: what CI relies on to catch a missing install step.
test-fresh:
	$(Q)tests/fresh/run.sh

clean:
	$(call msg,CLEAN,$(BUILD))
	$(Q)rm -rf $(BUILD)

-include $(wildcard $(BUILD)/*.d $(BUILD)/user/*.d $(BUILD)/tests/*/*.d \
	$(BUILD)/tests/bpf/*.d $(BUILD)/fuzz/*.d $(BUILD)/bench/*.d \
	$(BUILD)/bench/bpf/*.d)
