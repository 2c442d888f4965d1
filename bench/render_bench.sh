#!/usr/bin/env bash
# Render engine benchmarks for issue 3's performance goals, side by side in
# one run: the 4.5 s edit against the naive single ffmpeg command (with
# SSIM), render.Render against the ffmpeg command it ran, the fast path
# against a plain `-c copy` remux, and the render side of a cache hit.
# Prints a Markdown section (paste it into docs/BENCHMARKS.md).
#
#   bench/render_bench.sh            # 3 runs per measurement, medians
#   RENDER_BENCH_RUNS=5 bench/render_bench.sh -keep /tmp/renderbench
#
# Needs ffmpeg with libx264 and a DejaVu (or similar) font. Timings are
# wall clock: run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
exec go run ./bench/renderbench -n "${RENDER_BENCH_RUNS:-3}" "$@"
