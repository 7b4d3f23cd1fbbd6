#!/usr/bin/env bash
# deps.sh installs what Viva needs on a fresh Debian or Ubuntu machine. It installs only what is missing
# (running apt-get update only then), so running it again does nothing.
#
# Usage: scripts/deps.sh run|test|lint|docker-build|docker-runtime
#
#   run             build packages, runtime packages and Go, then go mod download
#   test            as run, plus PostgreSQL for the storage tests (internal/pgtest finds or starts it)
#   lint            build packages and Go, then go mod download
#   docker-build    build packages only (the Dockerfile's build stage; its image brings Go)
#   docker-runtime  runtime packages only (the Dockerfile's runtime stage)
#
# Go: the go on PATH, else /usr/local/go/bin/go, else Debian's golang-go. Any Go >= 1.21 fetches the version
# go.mod asks for from the module proxy by itself (GOTOOLCHAIN); an older one is replaced by a newer
# golang-1.NN-go from apt if there is one.
#
# scripts/dev.sh sources this file to reuse its functions; run directly, it calls deps_main.
set -euo pipefail

# Package lists, shared with the Dockerfile (which runs this script) so the image and a developer's machine
# install the same things.
#
# BUILD_PKGS: the compiler and the C libraries cgo links (PocketSphinx, libopus). RUNTIME_PKGS: what a built binary
# needs (PocketSphinx's libraries and its US-English model, libopus, and flite for the interviewer's voice). TEST_PKGS: PostgreSQL for the store tests, and
# flite, espeak-ng and sox, which make the speech the tests transcribe; chromium for the browser test.
BUILD_PKGS="gcc libc6-dev pkg-config make git ca-certificates libpocketsphinx-dev libsphinxbase-dev libopus-dev"
TEST_PKGS="postgresql postgresql-client procps flite espeak-ng sox chromium"
RUNTIME_PKGS="ca-certificates tzdata libpocketsphinx3 libsphinxbase3 pocketsphinx-en-us libopus0 flite"

# The oldest Go minor version that switches toolchains by itself.
DEPS_GO_MIN_MINOR=21

DEPS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEPS_APT_UPDATED=

deps_log() { printf 'deps: %s\n' "$*" >&2; }
deps_die() { printf 'deps: error: %s\n' "$*" >&2; exit 1; }

# deps_apt runs apt-get as root: directly when root, else through sudo.
deps_apt() {
	if [[ $(id -u) -eq 0 ]]; then
		DEBIAN_FRONTEND=noninteractive apt-get "$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo env DEBIAN_FRONTEND=noninteractive apt-get "$@"
	else
		deps_die "installing packages needs root: run as root or install sudo"
	fi
}

deps_apt_update() {
	if [[ -z $DEPS_APT_UPDATED ]]; then
		deps_log "apt-get update"
		deps_apt update -qq
		DEPS_APT_UPDATED=1
	fi
}

# deps_installed PKG succeeds if PKG is installed.
deps_installed() {
	[[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true) == "install ok installed" ]]
}

# deps_install PKG... installs those of the packages that are missing.
deps_install() {
	local pkg wanted=() missing=()
	for pkg in "$@"; do
		case " ${wanted[*]} " in
		*" $pkg "*) continue ;;
		esac
		wanted+=("$pkg")
		deps_installed "$pkg" || missing+=("$pkg")
	done
	if [[ ${#missing[@]} -eq 0 ]]; then
		deps_log "packages present: ${wanted[*]}"
		return
	fi
	command -v apt-get >/dev/null 2>&1 || deps_die "missing ${missing[*]}, and this is not a Debian or Ubuntu machine"
	deps_apt_update
	deps_log "installing ${missing[*]}"
	deps_apt install -y -qq --no-install-recommends "${missing[@]}"
}

# deps_path_add DIR [front] adds DIR to PATH, at the end unless told front.
deps_path_add() {
	case ":$PATH:" in
	*":$1:"*) return ;;
	esac
	if [[ ${2:-} == front ]]; then PATH="$1:$PATH"; else PATH="$PATH:$1"; fi
	export PATH
}

# deps_go_local_version prints the version of the go on PATH itself (go1.22.5), without switching toolchains.
deps_go_local_version() {
	(cd / && GOTOOLCHAIN=local go env GOVERSION 2>/dev/null) || true
}

# deps_version_lt A B succeeds if version A is older than version B (1.21.3, 1.26.8).
deps_version_lt() {
	[[ $1 != "$2" && $(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1) == "$1" ]]
}

# deps_go_usable succeeds if the go on PATH is at least 1.DEPS_GO_MIN_MINOR.
deps_go_usable() {
	command -v go >/dev/null 2>&1 || return 1
	local v
	v=$(deps_go_local_version)
	v=${v#go}
	[[ -n $v ]] || return 1              # go is broken
	[[ $v =~ ^1\.([0-9]+) ]] || return 0 # a devel build: assume it is new enough
	((BASH_REMATCH[1] >= DEPS_GO_MIN_MINOR))
}

# deps_go_path puts a usable Go on PATH without installing anything: the go already on PATH, else
# /usr/local/go/bin, else the newest Debian golang-1.NN-go; then adds $(go env GOPATH)/bin. It fails if none is
# usable.
deps_go_path() {
	if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
		deps_path_add /usr/local/go/bin
	fi
	if ! deps_go_usable; then
		local dir best="" best_minor=0 minor
		for dir in /usr/lib/go-1.*; do
			[[ -x $dir/bin/go && $dir =~ /go-1\.([0-9]+)$ ]] || continue
			minor=${BASH_REMATCH[1]}
			if ((minor >= DEPS_GO_MIN_MINOR && minor > best_minor)); then
				best=$dir best_minor=$minor
			fi
		done
		if [[ -n $best ]]; then deps_path_add "$best/bin" front; fi
	fi
	deps_go_usable || return 1
	local gopath
	gopath=$(cd / && GOTOOLCHAIN=local go env GOPATH)
	gopath=${gopath%%:*}
	if [[ -n $gopath && -d $gopath/bin ]]; then deps_path_add "$gopath/bin"; fi
	deps_go_toolchain
}

# deps_go_toolchain makes sure the go command may fetch the toolchain go.mod asks for when the local one is
# older: some distributions' go.env set GOTOOLCHAIN=local, which this overrides only if the user did not set
# GOTOOLCHAIN themselves.
deps_go_toolchain() {
	local want have effective
	want=$(awk '$1 == "go" { print $2; exit }' "$DEPS_ROOT/go.mod" 2>/dev/null || true)
	have=$(deps_go_local_version)
	have=${have#go}
	if [[ -z $want || ! $have =~ ^[0-9] ]] || ! deps_version_lt "$have" "$want"; then
		return 0
	fi
	effective=$(cd / && go env GOTOOLCHAIN)
	if [[ $effective != local* ]]; then
		return 0
	fi
	if [[ -n ${GOTOOLCHAIN:-} ]]; then
		deps_die "go.mod needs go$want but this is go$have and GOTOOLCHAIN=$GOTOOLCHAIN forbids fetching it; unset GOTOOLCHAIN or set it to auto"
	fi
	deps_log "go$have has GOTOOLCHAIN=local in its go.env; using GOTOOLCHAIN=auto to fetch go$want"
	export GOTOOLCHAIN=auto
}

# deps_go makes a usable Go available, installing one from apt if it must.
deps_go() {
	if deps_go_path; then
		deps_log "using $(deps_go_local_version) at $(command -v go)"
		return
	fi
	if ! command -v go >/dev/null 2>&1; then
		deps_install golang-go
		if deps_go_path; then
			deps_log "using $(deps_go_local_version) at $(command -v go)"
			return
		fi
	fi
	# Debian 12's golang-go is 1.19, too old to fetch a toolchain: look for a newer versioned package.
	local old pkg best="" best_minor=0 minor
	old=$(deps_go_local_version)
	deps_apt_update
	for pkg in $(apt-cache pkgnames golang-1. 2>/dev/null); do
		[[ $pkg =~ ^golang-1\.([0-9]+)-go$ ]] || continue
		minor=${BASH_REMATCH[1]}
		if ((minor >= DEPS_GO_MIN_MINOR && minor > best_minor)) &&
			[[ $(apt-cache policy "$pkg" | awk '/Candidate:/ { print $2 }') != "(none)" ]]; then
			best=$pkg best_minor=$minor
		fi
	done
	if [[ -n $best ]]; then
		deps_log "$old is older than go1.$DEPS_GO_MIN_MINOR; installing $best"
		deps_install "$best"
		if deps_go_path; then
			deps_log "using $(deps_go_local_version) at $(command -v go)"
			return
		fi
	fi
	deps_die "Go >= 1.$DEPS_GO_MIN_MINOR is needed (it fetches the version go.mod asks for from the module proxy by
itself), but the Go here is ${old:-missing} and apt offers nothing newer. Either:
  - on Debian 12, enable bookworm-backports, which has newer golang-1.NN-go packages:
      echo 'deb http://deb.debian.org/debian bookworm-backports main' | sudo tee /etc/apt/sources.list.d/backports.list
    then run this script again; or
  - install Go from https://go.dev/dl/ into /usr/local/go (this script and scripts/dev.sh look there)."
}

deps_go_mod_download() {
	deps_log "go mod download"
	(cd "$DEPS_ROOT" && go mod download)
}

deps_usage() {
	echo "usage: scripts/deps.sh run|test|lint|docker-build|docker-runtime" >&2
}

# deps_main MODE installs what MODE needs.
deps_main() {
	local mode=${1:-}
	# Word splitting of the package lists is intended.
	# shellcheck disable=SC2086
	case $mode in
	run)
		deps_install $BUILD_PKGS $RUNTIME_PKGS
		deps_go
		deps_go_mod_download
		;;
	test)
		deps_install $BUILD_PKGS $RUNTIME_PKGS $TEST_PKGS
		deps_go
		deps_go_mod_download
		;;
	lint)
		deps_install $BUILD_PKGS
		deps_go
		deps_go_mod_download
		;;
	docker-build) deps_install $BUILD_PKGS ;;
	docker-runtime) deps_install $RUNTIME_PKGS ;;
	*)
		deps_usage
		return 2
		;;
	esac
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	deps_main "$@"
fi
