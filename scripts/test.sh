#!/usr/bin/env bash
# The project's one test command (README: `make test`). It installs what the
# tests need, vets the code and runs every test with the race detector.
set -euo pipefail
cd "$(dirname "$0")/.."

# Browser tests drive Debian's Chromium; install it when it is missing.
if ! command -v chromium >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "test: installing chromium for the browser tests"
		apt-get update -qq >/dev/null
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
	else
		echo "test: chromium is missing and cannot be installed here (need root and apt-get)" >&2
		exit 1
	fi
fi
export PARCELTRACK_CHROMIUM="$(command -v chromium)"

# Storage tests run the embedded database in a child process built without
# the race detector (see storage/storagetest); build it once for all packages.
bin="$(mktemp -d)"
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/ferretdbd" ./storage/storagetest/ferretdbd
export PARCELTRACK_TEST_FERRETDBD="$bin/ferretdbd"

go vet ./...
go test -race -count=1 -timeout 12m "$@" ./...
