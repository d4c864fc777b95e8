#!/usr/bin/env bash
# Starts (or reuses) a private PostgreSQL cluster for PmoLedger on 127.0.0.1 only.
# Usage: ./db.sh [database-name]   — ensures the cluster runs and the database exists.
# Installs the Debian 'postgresql' package when no server binaries are found.
# PostgreSQL refuses to run as root, so as root the cluster belongs to the 'postgres' user.
set -euo pipefail

PGPORT="${PMOLEDGER_PGPORT:-5433}"
PGDATA="${PMOLEDGER_PGDATA:-/tmp/pmoledger-$(id -un)/pg-$PGPORT}"
DB="${1:-pmoledger}"
DB_USER=pmoledger
DB_PASSWORD=pmoledger

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

BIN="$(find_bin)"
if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
  echo "db: PostgreSQL server binaries not found; installing the Debian package 'postgresql'..." >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >&2
  # The package starts a system cluster on 5432; ours is separate and needs nothing from it.
  BIN="$(find_bin)"
fi

if [ "$(id -u)" -eq 0 ]; then
  OWNER=postgres
  as_owner() { runuser -u postgres -- "$@"; }
else
  OWNER="$(id -un)"
  as_owner() { "$@"; }
fi

mkdir -p "$(dirname "$PGDATA")"
[ "$(id -u)" -eq 0 ] && chown "$OWNER" "$(dirname "$PGDATA")" && chmod 755 "$(dirname "$PGDATA")"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  echo "db: creating a cluster in $PGDATA" >&2
  as_owner mkdir -p "$PGDATA"
  as_owner "$BIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  cat <<CONF | as_owner tee -a "$PGDATA/postgresql.conf" >/dev/null
listen_addresses = '127.0.0.1'
port = $PGPORT
unix_socket_directories = '$PGDATA'
max_connections = 200
shared_buffers = 256MB
fsync = on
CONF
fi

if ! as_owner "$BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
  echo "db: starting PostgreSQL on 127.0.0.1:$PGPORT" >&2
  as_owner "$BIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 60 start >/dev/null
fi

psql_admin() { as_owner "$BIN/psql" -h "$PGDATA" -p "$PGPORT" -U postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
if [ "$(psql_admin -c "select 1 from pg_roles where rolname = '$DB_USER'")" != "1" ]; then
  psql_admin -c "create role $DB_USER login password '$DB_PASSWORD' createdb" >/dev/null
fi
if [ "$(psql_admin -c "select 1 from pg_database where datname = '$DB'")" != "1" ]; then
  psql_admin -c "create database \"$DB\" owner $DB_USER" >/dev/null
fi

echo "Host=127.0.0.1;Port=$PGPORT;Database=$DB;Username=$DB_USER;Password=$DB_PASSWORD"
