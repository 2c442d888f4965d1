#!/usr/bin/env bash
# update.sh: re-create a trimmed copy of a dependency in third_party/ from
# the Go module proxy, the way it was made (see README.md for why each one
# is trimmed). go.mod's `replace` lines point at these directories.
#
#   third_party/update.sh bubbletea v1.3.10
#   third_party/update.sh ffmpeg-go v0.5.0
#   third_party/update.sh ffmpeg-go v0.5.0 diff   # after editing the copy
#
# The third form writes patches/ffmpeg-go.patch again from the copy as it
# is now, against the same release: edit third_party/ffmpeg-go, run it,
# then the second form must give back the same files.
#
# Then: set the same version in go.mod's require line, `go mod tidy`,
# `go build ./... && go test ./cmd/impress ./tui ./render`, and read the
# upstream changes between the two versions for what we change.
set -euo pipefail
cd "$(dirname "$0")"

name=${1:-}
version=${2:-}
mode=${3:-make}
case $name in
bubbletea) module=github.com/charmbracelet/bubbletea ;;
ffmpeg-go) module=github.com/u2takey/ffmpeg-go ;;
*)
	echo "usage: $0 bubbletea|ffmpeg-go VERSION [diff]" >&2
	exit 2
	;;
esac
if [[ -z $version ]]; then
	echo "usage: $0 $name VERSION (e.g. the version go.mod requires)" >&2
	exit 2
fi
if [[ $mode != make && ! ($mode == diff && -f patches/$name.patch) ]]; then
	echo "usage: $0 $name VERSION [diff] (diff: only for a copy made with a patch)" >&2
	exit 2
fi

# The module cache directory of that version (downloaded if needed).
src=$(go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
if [[ -z $src || ! -d $src ]]; then
	echo "update.sh: go mod download $module@$version gave no directory" >&2
	exit 1
fi

# release DIR copies the package's own sources, its licence and go.mod
# into DIR: no tests, examples or pictures (nothing builds them here, and
# they bring their own dependencies).
release() {
	mkdir "$1"
	for f in "$src"/*.go "$src/LICENSE" "$src/go.mod"; do
		case $f in
		*_test.go) continue ;;
		esac
		cp "$f" "$1/"
	done
	chmod -R u+w "$1"
}

# trim DIR removes the files impress leaves out of a copy.
trim() {
	case $name in
	bubbletea)
		# The init() that asks the terminal for its background colour
		# before main runs. impress asks when `impress edit` starts
		# instead (tui.Run).
		rm "$1/tea_init.go"
		;;
	ffmpeg-go)
		# Linux cgroup limits for Run, which impress never calls (it
		# runs ffmpeg itself); they brought go-utils/rand and its init.
		rm "$1/run_linux.go"
		;;
	esac
}

if [[ $mode == diff ]]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	release "$tmp/a"
	trim "$tmp/a"
	for f in $(cd "$tmp/a" && ls); do
		# diff exits 1 when the files differ
		diff -u --label "a/$f" --label "b/$f" "$tmp/a/$f" "$name/$f" || [[ $? == 1 ]]
	done >"patches/$name.patch"
	echo "third_party/patches/$name.patch: third_party/$name against $module@$version"
	exit 0
fi

rm -rf "$name"
release "$name"
trim "$name"
if [[ -f patches/$name.patch ]]; then
	# ffmpeg-go: README.md lists each change (no s3:// output helper and
	# so no aws-sdk-go v1, nodes identified by a unique number, option
	# values escaped, the argv written without remaking maps per lookup).
	patch -s -p1 -d "$name" <"patches/$name.patch"
fi
echo "third_party/$name: $module@$version, trimmed"
