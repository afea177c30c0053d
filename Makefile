# Entry points for people and CI. Both targets install what they need first.
SHELL := /bin/bash
export PATH := $(PATH):$(CURDIR)/.tools/bin
SWIFT_BUILD_FLAGS ?=
PREFIX ?= /usr/local

.PHONY: setup build demo test install clean

setup:
	@scripts/setup

build: setup
	swift build $(SWIFT_BUILD_FLAGS)

## demo: set up, then show crossgo's main job on Examples/hello
demo: build
	@scripts/demo

## test: set up, then run the whole test suite (on linux/amd64, the CI host kind, fails if any test was skipped)
test:
	@scripts/setup --all
	swift build $(SWIFT_BUILD_FLAGS)
	@scripts/test

## install: the release build (Swift runtime linked in), shell completions and a man page under PREFIX
install:
	@scripts/install "$(PREFIX)"

clean:
	rm -rf .build Examples/*/dist
