#!/usr/bin/env bash
# The one list of Debian 12 packages parrot needs to build, run and test.
# Used by deploy/local.sh, tests/run.sh and so by CI. Idempotent; needs root.
#   install-deps.sh           everything: build, tests, benchmarks
#   install-deps.sh --build   only what building parrot and its .deb needs
#                             (deploy/container/Containerfile's build stage)
set -euo pipefail

build_only=0
case "${1:-}" in
  --build) build_only=1 ;;
  "") ;;
  *) echo "usage: $0 [--build]" >&2; exit 2 ;;
esac

build_packages=(
  # build (dpkg-dev, in build-essential, has dpkg-shlibdeps for the .deb)
  build-essential cmake pkg-config
  libgloox-dev libglib2.0-dev libgnutls28-dev
  libfmt-dev libspdlog-dev libcli11-dev nlohmann-json3-dev
  libsrtp2-dev libopus-dev libvpx-dev libnice-dev libssl-dev libsqlite3-dev
  libcurl4-openssl-dev
  # the report pages' HTTP server (--http-listen)
  libcpp-httplib-dev
  # the shared store (--store postgresql://...)
  libpq-dev
)
test_packages=(
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  prosody lua-unbound openssl ca-certificates
  python3 python3-slixmpp python3-aiortc python3-aiohttp curl
  # tests/package: the compose and Kubernetes files parse
  python3-yaml
  # NAT tests (tests/interop, network namespaces): STUN/TURN server, NAT
  coturn iptables iproute2
  # libpurple interop (tests/interop/purple_client.cpp): Pidgin's core with
  # farstream and the GStreamer plugins a Pidgin install recommends
  libpurple-dev libfarstream-0.2-dev libgstreamer1.0-dev gstreamer1.0-nice
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  # fuzzing (tests/fuzz/run_bounded.sh): clang's libFuzzer and sanitizers
  clang libclang-rt-14-dev
  # real-browser tests (tests/interop/test_browser.py); node and npm
  # packages come from install-browser-deps.sh below
  chromium
  # benchmarks (tests/bench); janus for browser_ramp_bench.py and
  # concurrent_calls_bench --janus (its EchoTest is the reference server)
  valgrind janus
  procps
  # a throwaway PostgreSQL server for the shared store's tests
  # (tests/with_postgres.sh)
  postgresql-15
  # component mode scaled out: a two-node ejabberd cluster in the tests
  ejabberd erlang-base
)

packages=("${build_packages[@]}")
[ "$build_only" -eq 1 ] || packages+=("${test_packages[@]}")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -ne 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages (${missing[*]}); run as root or install them" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # PostgreSQL's and ejabberd's postinst would start system-wide servers
  # (and make a cluster on port 5432): the tests start their own, on free
  # ports. A policy-rc.d that answers 101 keeps services down during the
  # install; the createcluster setting keeps postgresql-15 from making one.
  mkdir -p /etc/postgresql-common
  grep -qs '^create_main_cluster *= *false' /etc/postgresql-common/createcluster.conf ||
    echo 'create_main_cluster = false' >>/etc/postgresql-common/createcluster.conf
  policy=/usr/sbin/policy-rc.d
  policy_was_ours=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && policy_was_ours=1
    trap 'rm -f "$policy"' EXIT  # also when apt-get fails
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ "$policy_was_ours" -eq 0 ] || rm -f "$policy"
fi
[ "$build_only" -eq 1 ] || "$(dirname "$0")/install-browser-deps.sh"
