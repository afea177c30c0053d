# Entry points for people and CI. Both targets install what they need first.
SHELL := /bin/bash
export PATH := $(PATH):$(CURDIR)/.tools/bin
SWIFT_BUILD_FLAGS ?=

.PHONY: setup build demo test clean

setup:
	@scripts/setup

build: setup
	swift build $(SWIFT_BUILD_FLAGS)

## demo: set up, then show crossgo's main job on Examples/hello
demo: build
	@scripts/demo

## test: set up, then run the whole test suite
test: build
	swift test $(SWIFT_BUILD_FLAGS)

clean:
	rm -rf .build Examples/hello/dist
