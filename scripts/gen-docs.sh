#!/usr/bin/env bash
# gen-docs.sh: generate man pages (man/*.1 and man/*.1.gz) and shell
# completions (completions/impress.{bash,zsh,fish}) from the cobra tree.
#
# Used by `make man`, `make completions` (IMPRESS=bin/impress) and by
# goreleaser's before hooks (IMPRESS unset: built from ./cmd/impress here).
# Man pages come from internal/gendocs, a program of its own, so that
# cobra/doc and its markdown renderers stay out of bin/impress.
#
# Usage: scripts/gen-docs.sh [man|completions|all] [VERSION]
# VERSION (goreleaser passes {{ .Version }}, make the git description) is
# stamped into the man pages' header and into the build used when IMPRESS
# is unset; without it, `git describe` as `make build` does.
set -euo pipefail
cd "$(dirname "$0")/.."

what=${1:-all}
case $what in
man | completions | all) ;;
*)
	echo "usage: $0 [man|completions|all] [VERSION]" >&2
	exit 2
	;;
esac

version=${2:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
ldflags=(-ldflags "-X github.com/impress-dev/impress/internal/version.Version=$version")

if [[ -n ${IMPRESS:-} ]]; then
	impress=("$IMPRESS")
elif [[ $what != man ]]; then
	# Build the source being released once (three `go run`s would link
	# three times).
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/impress-docs.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	go build "${ldflags[@]}" -o "$tmp/impress" ./cmd/impress
	impress=("$tmp/impress")
fi

if [[ $what == man || $what == all ]]; then
	# The date in the man page header is the last commit's (cobra/doc reads
	# SOURCE_DATE_EPOCH), so regenerating the pages changes nothing.
	if [[ -z ${SOURCE_DATE_EPOCH:-} ]] && epoch=$(git log -1 --format=%ct 2>/dev/null); then
		export SOURCE_DATE_EPOCH=$epoch
	fi
	# Start empty so pages of removed commands do not linger.
	rm -rf man
	go run "${ldflags[@]}" ./internal/gendocs man
	# Packages install gzipped pages (Debian policy); -n leaves the name and
	# time out of the gzip header so the result is reproducible.
	pages=(man/*.1)
	for page in "${pages[@]}"; do
		gzip -9 -n -c "$page" >"$page.gz"
	done
	echo "man: ${#pages[@]} pages in man/"
fi

if [[ $what == completions || $what == all ]]; then
	mkdir -p completions
	for sh in bash zsh fish; do
		"${impress[@]}" completion "$sh" >"completions/impress.$sh"
	done
	echo "completions: completions/impress.{bash,zsh,fish}"
fi
