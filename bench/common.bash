# Sourced by bench/cli_bench.sh and bench/startup_bench.sh (not a .sh:
# `make bench` runs every bench/*.sh). Sets:
#   impress  the binary to measure: $IMPRESS, else bin/impress (it must be built)
#   before   (-before BIN) when $1 names an older binary or a git revision
#            (built here from a clean export of that tree), else ()
# $2 is the calling script's name for messages and temporary directories.
bench_setup() {
	local want=$1 name=$2
	impress=${IMPRESS:-bin/impress}
	if [[ ! -x $impress ]]; then
		echo "$name: $impress is not built; run make build (or set IMPRESS)" >&2
		exit 1
	fi
	before=()
	[[ -n $want ]] || return 0
	if [[ -x $want ]]; then
		before=(-before "$want")
		return 0
	fi
	bench_tmp=$(mktemp -d "${TMPDIR:-/tmp}/$name.XXXXXX")
	trap 'rm -rf "$bench_tmp"' EXIT
	local rev
	rev=$(git rev-parse --short "$want")
	git archive "$rev" | tar -x -C "$bench_tmp"
	(cd "$bench_tmp" && go build -o "impress-$rev" ./cmd/impress)
	before=(-before "$bench_tmp/impress-$rev")
}
