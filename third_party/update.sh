#!/usr/bin/env bash
# update.sh: re-create a trimmed copy of a dependency in third_party/ from
# the Go module proxy, the way it was made (see README.md for why each one
# is trimmed). go.mod's `replace` lines point at these directories.
#
#   third_party/update.sh bubbletea v1.3.10
#
# Then: set the same version in go.mod's require line, `go mod tidy`,
# `go build ./... && go test ./cmd/impress -run Terminal`, and read the
# upstream changes between the two versions for the file we drop.
set -euo pipefail
cd "$(dirname "$0")"

name=${1:-}
version=${2:-}
case $name in
bubbletea) module=github.com/charmbracelet/bubbletea ;;
*)
	echo "usage: $0 bubbletea VERSION" >&2
	exit 2
	;;
esac
if [[ -z $version ]]; then
	echo "usage: $0 $name VERSION (e.g. the version go.mod requires)" >&2
	exit 2
fi

# The module cache directory of that version (downloaded if needed).
src=$(go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
if [[ -z $src || ! -d $src ]]; then
	echo "update.sh: go mod download $module@$version gave no directory" >&2
	exit 1
fi

rm -rf "$name"
mkdir "$name"
# The package's own sources, its licence and go.mod: no tests, examples or
# pictures (nothing builds them here, and they bring their own
# dependencies).
for f in "$src"/*.go "$src/LICENSE" "$src/go.mod"; do
	case $f in
	*_test.go) continue ;;
	esac
	cp "$f" "$name/"
done
chmod -R u+w "$name"

case $name in
bubbletea)
	# The init() that asks the terminal for its background colour before
	# main runs. impress asks when `impress edit` starts instead
	# (tui.Run).
	rm "$name/tea_init.go"
	;;
esac
echo "third_party/$name: $module@$version, trimmed"
