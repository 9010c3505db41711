#!/usr/bin/env bash
# Makes sure the PostgreSQL the tests use (127.0.0.1:5432, trust auth, database `test`) is up.
# Installs and starts it from Debian's packages when missing; fails loudly when it cannot.
set -euo pipefail

ready() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "ensure-postgres: PostgreSQL is not installed; installing it from Debian's packages"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi

if ! ready; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  echo "ensure-postgres: starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
fi

for _ in $(seq 1 30); do
  ready && break
  sleep 1
done
if ! ready; then
  echo "ensure-postgres: PostgreSQL is not reachable on 127.0.0.1:5432" >&2
  exit 1
fi

# Trust auth for local TCP and the `test` database, as the tests expect.
if ! psql -h 127.0.0.1 -U postgres -d test -Atc 'select 1' >/dev/null 2>&1; then
  su postgres -c "psql -Atc \"select 1 from pg_database where datname='test'\"" | grep -q 1 \
    || su postgres -c "createdb test"
fi
psql -h 127.0.0.1 -U postgres -d test -Atc 'select version()' | head -n 1
