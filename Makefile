# Every target delegates to scripts/dev.sh, which installs what is missing (scripts/deps.sh) and finds Go.
.DEFAULT_GOAL := help

DEV := bash scripts/dev.sh

.PHONY: help run test race lint bench fuzz build clean

help: ## list the targets
	@awk 'BEGIN { FS = ":.*## " } /^[a-z]+:.*## / { printf "  %-6s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

run: ## run the server (extra flags: make run ARGS="--addr 127.0.0.1:9000")
	$(DEV) run $(ARGS)

test: ## install test dependencies, go vet, then all tests with -race
	$(DEV) test

race: ## all tests three times with -race
	$(DEV) race

lint: ## go vet and staticcheck
	$(DEV) lint

bench: ## all benchmarks, with allocations
	$(DEV) bench

fuzz: ## every fuzz target for FUZZTIME each (default 20s)
	$(DEV) fuzz

build: ## build bin/viva
	$(DEV) build

clean: ## remove bin/ and the test cache
	$(DEV) clean
