#!/usr/bin/env bash
# Benchmarks through the built binary (issue 13): `impress render`,
# `impress publish --manifest`, `impress project list` with warm and cold
# daemons, side by side with the plain ffmpeg commands (bench/clibench).
# Prints Markdown for docs/BENCHMARKS.md ("Through the CLI").
#
#   bench/cli_bench.sh                                   # bin/impress (make build)
#   CLI_BENCH_BEFORE=main bench/cli_bench.sh             # side by side with main
#   CLI_BENCH_ROUNDS=9 CLI_BENCH_EDIT_ROUNDS=5 bench/cli_bench.sh
#   CLI_BENCH_ONLY=render,fast bench/cli_bench.sh
#
# CLI_BENCH_BEFORE is a binary or a git revision (built here). About 6
# minutes with the defaults on a 2-core machine; wall-clock figures want
# an otherwise idle machine (each section gives the load average).
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/common.bash
bench_setup "${CLI_BENCH_BEFORE:-}" clibench

echo "## Through the CLI (bench/cli_bench.sh)"
echo
go run ./bench/clibench -impress "$impress" ${before[@]+"${before[@]}"} \
	-n "${CLI_BENCH_ROUNDS:-5}" -edit-n "${CLI_BENCH_EDIT_ROUNDS:-3}" ${CLI_BENCH_ONLY:+-only "$CLI_BENCH_ONLY"}
