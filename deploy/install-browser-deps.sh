#!/usr/bin/env bash
# What the real-browser tests (tests/interop/test_browser.py) and the
# browser ramp benchmark need beyond Debian's packages in install-deps.sh:
# Node.js with npm, and the pinned npm packages of tests/interop/browser
# (playwright-core, StanzaJS, esbuild; package-lock.json) via `npm ci`.
# Called by install-deps.sh; idempotent (skips npm ci while the lock file is
# unchanged since the last install).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian 12's nodejs (18) and npm are enough; a machine that already has a
# node with its own npm (e.g. NodeSource's) keeps it.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-browser-deps: node and npm are missing; run as root or install them" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi

# Installing Debian's janus (the benchmark's reference peer) enables its
# system service; the benchmark runs its own instance with a private config.
if command -v systemctl >/dev/null && systemctl is-enabled janus.service >/dev/null 2>&1; then
  systemctl disable --now janus.service >/dev/null 2>&1 || true
fi

browser=tests/interop/browser
stamp=$browser/node_modules/.parrot-package-lock
if ! cmp -s "$browser/package-lock.json" "$stamp"; then
  echo "install-browser-deps: npm ci in $browser"
  (cd "$browser" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$browser/package-lock.json" "$stamp"
fi
