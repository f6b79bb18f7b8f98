#!/bin/sh
# Concurrent Opus echo calls (docs/BENCHMARKS.md, "Concurrent calls"):
# 100, 500 and 1,000 calls, each against a raw UDP + SRTP echo baseline at
# the same packet rate, parrot pinned to CPU 0 and the callers to CPU 1.
# About 2.5 minutes. Usage: tests/bench/concurrent_calls.sh [build dir] [bench options]
set -eu
build=${1:-build-test}
[ $# -gt 0 ] && shift
bench="$build/tests/concurrent_calls_bench"
if [ ! -x "$bench" ]; then
  echo "concurrent_calls.sh: $bench not built (cmake --build $build --target concurrent_calls_bench)" >&2
  exit 2
fi
exec "$bench" --calls 100,500,1000 --warmup 3 --seconds 15 "$@"
