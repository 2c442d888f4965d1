#!/usr/bin/env bash
# Start-up benchmark (issue 13): how long impress takes to start, through
# the built binary, against warm daemons; where the time of a 1,000-project
# `impress project list` goes; package init from GODEBUG=inittrace=1.
# Prints Markdown (docs/BENCHMARKS.md, "Start-up", quotes it). Needs only
# Go: bench/startupbench times the runs itself (medians of interleaved
# rounds), no hyperfine.
#
#   bench/startup_bench.sh                          # bin/impress (make build)
#   STARTUP_BENCH_BEFORE=main bench/startup_bench.sh   # side by side with main
#   STARTUP_BENCH_BEFORE=/tmp/impress-old STARTUP_BENCH_ROUNDS=80 bench/startup_bench.sh
#
# STARTUP_BENCH_BEFORE is a binary or a git revision (built here). `make
# bench` sets IMPRESS to bin/impress. Wall-clock numbers: run it on an
# otherwise idle machine; the empty-program row shows how fast this one is.
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/common.bash
bench_setup "${STARTUP_BENCH_BEFORE:-}" startupbench

echo "## Start-up (bench/startup_bench.sh)"
echo
go run ./bench/startupbench -impress "$impress" ${before[@]+"${before[@]}"} -n "${STARTUP_BENCH_ROUNDS:-40}"
