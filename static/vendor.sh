#!/usr/bin/env bash
# Re-fetches the vendored front-end files from the npm registry at their pinned
# versions. Run it after changing a version below; `./vendor.sh --check` only
# verifies that the committed files are exactly the pinned releases.
#
# The files are committed (and embedded into the binary), so neither the build
# nor CI needs npm.
set -euo pipefail

HTMX_VERSION=2.0.11 # npm package htmx.org
PICO_VERSION=2.1.1  # npm package @picocss/pico (we use the classless build)

here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack --silent "htmx.org@${HTMX_VERSION}" "@picocss/pico@${PICO_VERSION}" >/dev/null)
mkdir -p "$tmp/htmx" "$tmp/pico"
tar -xzf "$tmp/htmx.org-${HTMX_VERSION}.tgz" -C "$tmp/htmx"
tar -xzf "$tmp/picocss-pico-${PICO_VERSION}.tgz" -C "$tmp/pico"

# source in the package -> destination under static/
files=(
	"htmx/package/dist/htmx.min.js js/htmx.min.js"
	"htmx/package/LICENSE js/htmx.LICENSE"
	"pico/package/css/pico.classless.min.css css/pico.classless.min.css"
	"pico/package/LICENSE.md css/pico.LICENSE"
)

status=0
for pair in "${files[@]}"; do
	read -r src dst <<<"$pair"
	if [[ "${1:-}" == "--check" ]]; then
		if cmp -s "$tmp/$src" "$here/$dst"; then
			echo "ok       $dst"
		else
			echo "MISMATCH $dst (differs from $src)" >&2
			status=1
		fi
	else
		mkdir -p "$(dirname "$here/$dst")"
		cp "$tmp/$src" "$here/$dst"
		echo "wrote $dst ($(sha256sum "$here/$dst" | cut -c1-10))"
	fi
done
exit "$status"
