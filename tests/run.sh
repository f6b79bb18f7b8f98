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
# Three at a time on two cores: most interop tests wait on the network and
# timers, not the CPU; the Chromium ones reserve two slots (PROCESSORS 2).
# The fuzzers' build runs after them, not beside: even as an idle-class job
# it made the Chromium loss test miss frames.
(cd "$build" && ctest --output-on-failure -j3 --timeout 300)
./tests/fuzz/run_bounded.sh "${PARROT_FUZZ_SECONDS:-60}"
