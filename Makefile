# mcp-kubernetes: the two commands are `make run` and `make test`.
#   make run   ARGS="--transport=streamable-http"  installs what is missing, builds, starts the server
#   make test                                       installs, builds, starts the test cluster, runs every test
#   make test-asan                                  the unit tests and the e2e suite under ASan+UBSan (build-asan/)
#   make fuzz  FUZZ_SECONDS=60                      the libFuzzer targets of fuzz/, each for 60 s (clang, build-fuzz/)
#   make build | make unit | make lint | make format | make bench | make cluster-up | make cluster-down | make clean
SHELL := /bin/bash
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
BIN := $(BUILD_DIR)/src/app/mcp-kubernetes
ARGS ?=

.PHONY: all deps build run test test-asan fuzz unit lint format bench cluster-up cluster-down clean

all: build

deps:
	@scripts/install-deps build

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

build: deps $(BUILD_DIR)/build.ninja
	@ninja -C $(BUILD_DIR)

run: build
	$(BIN) serve $(ARGS)

unit: build
	@cd $(BUILD_DIR) && ctest --output-on-failure

test:
	@scripts/test-all

test-asan:
	@scripts/test-asan

fuzz:
	@scripts/fuzz

lint: deps
	@scripts/lint

format: deps
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

bench: build
	@tests/cluster/build all
	@kc=$$(tests/cluster/up --name bench --no-build) && \
	  { $(BUILD_DIR)/bench/mcpk-bench --kubeconfig "$$kc" --calls 1000; rc=$$?; tests/cluster/down --name bench; exit $$rc; }

cluster-up:
	@tests/cluster/up

cluster-down:
	@tests/cluster/down

clean:
	rm -rf $(BUILD_DIR) build-asan build-fuzz
