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
# The fuzzers' clang + ASan build (about 6 minutes on two cores) starts
# beside the tests as an idle-class job (SCHED_IDLE): the interop tests
# mostly wait on the network and timers, so it takes only the CPU they
# leave, and gives it back the moment a test wants it (at nice 19 alone a
# Chromium call under 20% loss once starved). When the tests are done it is
# stopped, and run_bounded.sh finishes it. Its own process group, so a
# failing test run stops it too.
idle=(nice -n 19)
chrt --idle 0 true 2>/dev/null && idle=(chrt --idle 0 nice -n 19)  # a container may refuse SCHED_IDLE
setsid "${idle[@]}" ./tests/fuzz/run_bounded.sh --build-only \
  >"$build/fuzz-build.log" 2>&1 &
fuzz_build=$!
stop_fuzz_build() { kill -- -"$fuzz_build" 2>/dev/null || true; wait "$fuzz_build" 2>/dev/null || true; }
trap stop_fuzz_build EXIT
# Three at a time on two cores: most interop tests wait on the network and
# timers, not the CPU; the Chromium ones reserve two slots (PROCESSORS 2).
(cd "$build" && ctest --output-on-failure -j3 --timeout 300)
stop_fuzz_build
trap - EXIT
./tests/fuzz/run_bounded.sh "${PARROT_FUZZ_SECONDS:-60}"
