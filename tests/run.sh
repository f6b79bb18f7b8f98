#!/usr/bin/env bash
# Builds parrot and runs every test through CTest (unit, fuzz corpora,
# layering, and interop against a real Prosody with slixmpp clients), then
# fuzzes every parser for a bounded time under ASan/UBSan.
# Works on a fresh Debian 12 machine as root: installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/install-deps.sh
build=${PARROT_BUILD_DIR:-build-test}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=ON -DPARROT_WERROR=ON
cmake --build "$build" -j"$(nproc)"
# Three at a time on two cores: most interop tests wait on the network and
# timers, not the CPU; the Chromium ones reserve two slots (PROCESSORS 2).
(cd "$build" && ctest --output-on-failure -j3 --timeout 300)
./tests/fuzz/run_bounded.sh "${PARROT_FUZZ_SECONDS:-60}"
