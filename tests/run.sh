#!/usr/bin/env bash
# Builds parrot and runs every test through CTest (unit, fuzz corpora,
# layering, and interop against a real Prosody with slixmpp clients), then
# fuzzes every parser for a bounded time under ASan/UBSan.
# Works on a fresh Debian 12 machine as root: installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/install-deps.sh
build=${PARROT_BUILD_DIR:-build-test}
# Line tables only (-g1): failures and sanitizer traces still name file and
# line, and the objects shrink from 733 to 175 MB, less to write and link on
# CI's two cores within its 20-minute budget. Build your own tree with -g to
# step through it.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
  -DBUILD_TESTING=ON -DPARROT_WERROR=ON
cmake --build "$build" -j"$(nproc)"
# The fuzzers' clang + ASan build (about 6 minutes on two cores) runs beside
# the tests at the lowest priority: the interop tests mostly wait on the
# network and timers, so it takes the CPU they leave and never theirs. Its
# own process group, so a failing test run stops it too.
fuzz_log="$build/fuzz-build.log"
setsid nice -n 19 ./tests/fuzz/run_bounded.sh --build-only >"$fuzz_log" 2>&1 &
fuzz_build=$!
trap 'kill -- -"$fuzz_build" 2>/dev/null || true' EXIT
# Three at a time on two cores: most interop tests wait on the network and
# timers, not the CPU; the Chromium ones reserve two slots (PROCESSORS 2).
(cd "$build" && ctest --output-on-failure -j3 --timeout 300)
wait "$fuzz_build" || { cat "$fuzz_log" >&2; echo "run.sh: the fuzzers' build failed" >&2; exit 1; }
trap - EXIT
./tests/fuzz/run_bounded.sh "${PARROT_FUZZ_SECONDS:-60}"
