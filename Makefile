# SPDX-License-Identifier: GPL-2.0
#
# The lab.  `make run` and `make check` are the two commands; see README.md.

PY       := /usr/bin/python3
CC       := gcc
CFLAGS   := -O2 -g -Wall -Wextra -Werror -std=gnu11
DEVICE   ?= virtio
BUILD    := build
GUEST    := $(BUILD)/guest
IGT      := $(BUILD)/igt

GUEST_PROGS := labctl fbpattern fbdemo fbbench fbstress fbfuzz fbmm fbrace fbclient
GUEST_SCRIPTS := fbffmpeg fbxorg fbqt fbtermcheck fbplymouth
IGT_TESTS   := $(basename $(notdir $(wildcard igt-tests/*.c)))

.PHONY: all deps kernel kernel-stock programs run check bench ablate build-coverage bisect-check series docs check-debug check-kcsan stress clean distclean help
all: help

help:
	@echo "make run [DEVICE=virtio|simpledrm|bochs|qxl|cirrus] [MODE=WIDTHxHEIGHT|1080p|4k]"
	@echo "                                     build, boot, draw a demo, save a screenshot"
	@echo "make check                          build, boot and run every test"
	@echo "make check-debug                    the same on a KASAN/lockdep/DEBUG_VM/UBSAN kernel"
	@echo "make check-kcsan                    the same on a KCSAN kernel (data races in the helper fail)"
	@echo "make stress                         fbfuzz: 10^6 random operations, 24 unbind cycles (debug kernel)"
	@echo "make bench                          fb_defio baseline and ratios (stock vs patched),"
	@echo "                                     1024x768, 1920x1080, 3840x2160; flush cost chart"
	@echo "make ablate                         each hazard's test fails without its handling"
	@echo "make build-coverage                 W=1 and sparse build of the series' files, x86-64 and arm64"
	@echo "make bisect-check                   each patch builds; converted drivers boot to fbcon"
	@echo "make series                         format-patch series + cover letter in out/series, checked"
	@echo "make docs                           htmldocs of Documentation/gpu, no new warning"
	@echo "make kernel | programs | clean | distclean"

deps:
	@tools/deps

build-coverage: deps
	@tools/build-coverage

bisect-check: deps programs
	@tools/bisect-check

series: deps
	@tools/series

docs: deps
	@tools/docs

kernel: deps
	@tools/kernel build --variant patched

kernel-stock: deps
	@tools/kernel build --variant stock

programs: $(addprefix $(GUEST)/,$(GUEST_PROGS) $(GUEST_SCRIPTS) lab.sh) $(addprefix $(IGT)/,$(IGT_TESTS))

$(GUEST)/lab.sh: guest/lab.sh | $(GUEST)
	install -m 644 $< $@

$(GUEST)/%: guest/%.sh | $(GUEST)
	install -m 755 $< $@

$(GUEST)/%: guest/%.py | $(GUEST)
	install -m 755 $< $@

$(GUEST)/%: guest/%.c guest/lab.c guest/lab.h | $(GUEST)
	$(CC) $(CFLAGS) -Iguest -o $@ $< guest/lab.c -lm -lpthread

$(IGT)/%: igt-tests/%.c igt-tests/harness/igt_core.c igt-tests/harness/igt.h | $(IGT)
	$(CC) $(CFLAGS) -D_GNU_SOURCE -Iigt-tests/harness -o $@ $< igt-tests/harness/igt_core.c -lm

$(GUEST) $(IGT):
	mkdir -p $@

run: kernel programs
	@$(PY) tools/run-demo --device $(DEVICE) $(if $(MODE),--mode $(MODE))

check: kernel programs
	@$(PY) tools/check

check-debug: deps programs
	@tools/kernel build --variant debug
	@$(PY) tools/check --variant debug

check-kcsan: deps programs
	@tools/kernel build --variant kcsan
	@$(PY) tools/check --variant kcsan

stress: deps programs
	@$(PY) tools/stress

bench: deps programs
	@$(PY) tools/bench
	@$(PY) tools/bench --flush-cost --seconds 5

ablate: deps programs
	@$(PY) tools/ablate

clean:
	rm -rf out $(GUEST) $(IGT)

distclean:
	rm -rf out build
