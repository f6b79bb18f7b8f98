#!/usr/bin/env bash
# parrot out of the box: installs what it needs, builds, starts a throwaway
# Prosody on 127.0.0.1 (domain "localhost", its own CA), starts parrot
# against it, runs a self-check you can watch, then keeps running until
# Ctrl-C and cleans up. Works on a fresh Debian 12 machine as root.
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >/dev/null
cmake --build build -j"$(nproc)" --target parrot
exec /usr/bin/python3 deploy/local/local.py build/bot/parrot
