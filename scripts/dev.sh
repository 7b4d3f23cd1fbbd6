#!/usr/bin/env bash
# dev.sh runs Viva's everyday tasks; the Makefile's targets call it.
#
# Usage: scripts/dev.sh COMMAND [ARGS...]
#
#   run [FLAGS...]  install what is missing (deps.sh run), then go run ./cmd/viva serve FLAGS...
#   test            install what is missing (deps.sh test), go vet, then every test with -race
#   race            every test three times with -race
#   lint            install what is missing (deps.sh lint), go vet, then staticcheck
#   bench           every benchmark, with allocations
#   fuzz            every fuzz target for FUZZTIME (default 20s) each
#   build           go build -o bin/viva ./cmd/viva
#   clean           remove bin/ and the test cache
#
# Tests that need PostgreSQL use TEST_DATABASE_URL when it is set, and otherwise find or start one themselves
# (internal/pgtest).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# deps.sh, sourced, only defines its functions: deps_main installs, deps_go_path puts Go
# (/usr/local/go/bin, $(go env GOPATH)/bin) on PATH for this shell.
# shellcheck source=scripts/deps.sh
source "$root/scripts/deps.sh"

usage() {
	sed -n '4,13s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
}

need_go() {
	deps_go_path || deps_die "no Go >= 1.$DEPS_GO_MIN_MINOR found; run scripts/deps.sh test"
}

fuzz() {
	local fuzztime=${FUZZTIME:-20s} pkg list name
	for pkg in $(go list ./...); do
		list=$(go test -list '^Fuzz' "$pkg")
		for name in $(grep '^Fuzz' <<<"$list" || true); do
			echo "fuzz: $pkg $name for $fuzztime"
			go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "$pkg"
		done
	done
}

cmd=${1:-}
if [[ $# -gt 0 ]]; then shift; fi

case $cmd in
run)
	deps_main run
	go run ./cmd/viva serve "$@"
	;;
test)
	deps_main test
	if [[ -n ${TEST_DATABASE_URL:-} ]]; then export TEST_DATABASE_URL; fi
	go vet ./...
	go test -race -count=1 -timeout 30m ./...
	;;
race)
	need_go
	go test -race -count=3 ./...
	;;
lint)
	deps_main lint
	go vet ./...
	go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
	;;
bench)
	need_go
	go test -run '^$' -bench . -benchmem ./...
	;;
fuzz)
	need_go
	fuzz
	;;
build)
	need_go
	go build -o bin/viva ./cmd/viva
	;;
clean)
	rm -rf bin
	if deps_go_path; then go clean -testcache; fi
	;;
-h | --help | help)
	usage
	;;
*)
	usage
	exit 2
	;;
esac
