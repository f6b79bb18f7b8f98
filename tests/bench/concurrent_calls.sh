#!/bin/sh
# Concurrent Opus echo calls (docs/BENCHMARKS.md, "Concurrent calls"):
# 100, 500 and 1,000 calls, each against a raw UDP + SRTP echo baseline at
# the same packet rate, parrot pinned to CPU 0 and the callers to CPU 1.
# About 2.5 minutes. Usage: tests/bench/concurrent_calls.sh [build dir] [bench options]
#   --janus   the same calls through Janus's EchoTest too, side by side
#             (Debian's janus; root or CAP_NET_ADMIN, for a network namespace)
#   --video   VP8 calls (~1 Mbit/s each) instead of Opus
#   e.g. tests/bench/concurrent_calls.sh build-test --janus --calls 200,400
set -eu
build=${1:-build-test}
[ $# -gt 0 ] && shift
bench="$build/tests/concurrent_calls_bench"
if [ ! -x "$bench" ]; then
  echo "concurrent_calls.sh: $bench not built (cmake --build $build --target concurrent_calls_bench)" >&2
  exit 2
fi
# Each default stands unless the options given name it (CLI11 refuses a
# repeated --warmup and would add a second --calls list to the first).
calls="--calls 100,500,1000" warmup="--warmup 3" seconds="--seconds 15"
for option in "$@"; do
  case "$option" in
    --calls|--calls=*) calls="" ;;
    --warmup|--warmup=*) warmup="" ;;
    --seconds|--seconds=*) seconds="" ;;
  esac
  if [ "$option" = "--janus" ]; then
    if [ ! -x /usr/bin/janus ]; then
      echo "concurrent_calls.sh: --janus needs Debian's janus (deploy/install-deps.sh installs it)" >&2
      exit 2
    fi
    if [ "$(id -u)" != 0 ]; then
      echo "concurrent_calls.sh: --janus needs root (or CAP_NET_ADMIN) for its network namespace" >&2
      exit 2
    fi
  fi
done
# shellcheck disable=SC2086  # each default is two words or none
exec "$bench" $calls $warmup $seconds "$@"
