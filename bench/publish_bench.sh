#!/usr/bin/env bash
# Publish benchmarks for issue 5's performance goals, printed as Markdown
# (paste into docs/BENCHMARKS.md):
#
#   - 50 publishes with 100 ms injected into every Meta call, 8 at a time,
#     against the ideal ceil(50/8) × calls per publish × 100 ms
#     (bench/publishbench: an in-process daemon against the sandbox);
#   - hashing and uploading a 1 GiB (sparse) file: the daemon's peak RSS
#     growth, to stay under 32 MiB (BenchmarkPublishUpload1GiB in ./daemon).
#
#   bench/publish_bench.sh                 # 3 runs, median
#   PUBLISH_BENCH_RUNS=5 bench/publish_bench.sh
#
# Wall-clock numbers: run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)" >&2
go run ./bench/publishbench -runs "${PUBLISH_BENCH_RUNS:-3}"
echo
echo "## Publishing: peak RSS while hashing and uploading a 1 GiB file"
echo
echo "Goal (issue 5): the daemon's peak RSS grows by less than 32 MiB."
echo
echo '`go test ./daemon -run '"'"'^$'"'"' -bench PublishUpload1GiB -benchtime 1x`:'
echo
echo '```'
go test ./daemon -run '^$' -bench PublishUpload1GiB -benchtime 1x -count "${PUBLISH_BENCH_RUNS:-3}" | grep -E '^(Benchmark|cpu:)'
echo '```'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)" >&2
