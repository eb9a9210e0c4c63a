#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and CI, owned by a non-root user and listening on
# loopback only: `start DIR PORT` creates (once) and starts it, prints its URL; `stop DIR` stops it.
set -euo pipefail
cmd=${1:?usage: pg-cluster.sh start DIR PORT | stop DIR}
dir=${2:?usage: pg-cluster.sh start DIR PORT | stop DIR}
port=${3:-55432}
mkdir -p "$dir" && dir=$(cd "$dir" && pwd) && cd /     # absolute, and a cwd the owner can read

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
[ -x "$bindir/pg_ctl" ] || bindir=$(dirname "$(command -v pg_ctl || echo /nonexistent/pg_ctl)")
if [ ! -x "$bindir/pg_ctl" ]; then
  echo "pg-cluster: PostgreSQL server programs not found (apt-get install postgresql)" >&2
  exit 3
fi

# PostgreSQL refuses to run as root: run it as PG_USER (default postgres, else nobody)
as_owner() { "$@"; }
if [ "$(id -u)" = 0 ]; then
  owner=${PG_USER:-$(getent passwd postgres >/dev/null && echo postgres || echo nobody)}
  as_owner() { runuser -u "$owner" -- "$@"; }
fi

case "$cmd" in
  start)
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown "$owner" "$dir"; fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_owner "$bindir/initdb" -D "$dir/data" -U tracegrade --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" start >/dev/null \
      || { tail -20 "$dir/server.log" >&2; exit 1; }
    echo "postgresql+psycopg://tracegrade@127.0.0.1:$port/postgres"
    ;;
  stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
      as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    fi
    ;;
  *) echo "pg-cluster: unknown command $cmd" >&2; exit 2 ;;
esac
