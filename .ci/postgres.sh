#!/usr/bin/env bash
# Sourced by .ci/run: a PostgreSQL cluster on 127.0.0.1 for the tests, from Debian's
# packages. Idempotent: installs the package only if missing, initialises the
# cluster once, starts it only if it is down. Exports TURMERIC_TEST_PG.
if [ -z "${TURMERIC_TEST_PG:-}" ]; then
  if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  _pgver=$(ls /usr/lib/postgresql | sort -V | tail -1)
  _pgbin=/usr/lib/postgresql/$_pgver/bin
  _pgdir=${TURMERIC_PG_DIR:-/var/tmp/turmeric-ci-pg}
  _pgport=${TURMERIC_PG_PORT:-5439}
  if [ "$(id -u)" = 0 ]; then _as() { su postgres -c "$*"; }; else _as() { bash -c "$*"; }; fi
  if [ ! -f "$_pgdir/data/PG_VERSION" ]; then
    mkdir -p "$_pgdir/data"
    [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$_pgdir"
    _as "$_pgbin/initdb -D $_pgdir/data -U postgres --auth=trust -E UTF8" >"$_pgdir/initdb.log"
  fi
  if ! _as "$_pgbin/pg_ctl -D $_pgdir/data status" >/dev/null 2>&1; then
    _as "$_pgbin/pg_ctl -D $_pgdir/data -l $_pgdir/server.log -w -o \"-c listen_addresses=127.0.0.1 -c port=$_pgport -c unix_socket_directories=$_pgdir\" start" >/dev/null
  fi
  _psql() { psql -h 127.0.0.1 -p "$_pgport" -U postgres -qAt "$@"; }
  _psql -c "SELECT 1 FROM pg_roles WHERE rolname = 'turmeric'" | grep -q 1 || _psql -c "CREATE ROLE turmeric LOGIN PASSWORD 'turmeric' CREATEDB"
  _psql -c "SELECT 1 FROM pg_database WHERE datname = 'turmeric_test'" | grep -q 1 || _psql -c "CREATE DATABASE turmeric_test OWNER turmeric"
  export TURMERIC_TEST_PG="postgresql://turmeric:turmeric@127.0.0.1:$_pgport/turmeric_test"
fi
