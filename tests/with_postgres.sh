#!/usr/bin/env bash
# Runs a command beside a throwaway PostgreSQL server: its own data
# directory, socket directory and a free port on 127.0.0.1, nothing
# system-wide. The command finds the database in PARROT_TEST_PG_URL
# (postgresql://parrot@127.0.0.1:PORT/parrot, trust authentication).
# Exits 77 (CTest's skip code) when PostgreSQL is not installed, else with
# the command's status. Durability is off (fsync, full pages): tests only.
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "with_postgres: PostgreSQL server not installed (deploy/install-deps.sh installs it)" >&2
  exit 77
fi
dir=$(mktemp -d /tmp/parrot-pg.XXXXXX)
# initdb refuses to run as root: the server runs as the postgres user.
as_server=()
if [ "$(id -u)" -eq 0 ]; then
  owner=postgres
  id "$owner" >/dev/null 2>&1 || owner=nobody
  chown "$owner" "$dir"
  as_server=(runuser -u "$owner" --)
fi
stop() {
  "${as_server[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"${as_server[@]}" "$bin/initdb" -D "$dir/data" -A trust -U parrot --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 ||
  { cat "$dir/initdb.log" >&2; exit 1; }
"${as_server[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
"$bin/psql" -q -X "postgresql://parrot@127.0.0.1:$port/postgres" -c 'CREATE DATABASE parrot' >/dev/null
export PARROT_TEST_PG_URL="postgresql://parrot@127.0.0.1:$port/parrot"
status=0
"$@" || status=$?
exit "$status"
