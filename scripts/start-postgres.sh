#!/usr/bin/env bash
# Starts a local PostgreSQL (Debian's package; installed if missing) and creates the test database,
# then prints the URL to use as TEST_DATABASE_URL. Used by .ci/run; safe to run again.
set -euo pipefail
if ! command -v pg_lsclusters >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
fi
read -r version cluster port _ < <(pg_lsclusters --no-header | head -1) || true
if [[ -z "${version:-}" ]]; then
  version=$(ls /usr/lib/postgresql | sort -n | tail -1)
  cluster=main
  port=5432
  pg_createcluster "$version" "$cluster" >&2
fi
pg_ctlcluster "$version" "$cluster" start >/dev/null 2>&1 || true
for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p "$port" && break; sleep 1; done
pg_isready -h 127.0.0.1 -p "$port" >&2
as_postgres() { if [[ $(id -un) == postgres ]]; then "$@"; else su postgres -c "$(printf '%q ' "$@")"; fi; }
as_postgres psql -p "$port" -q -v ON_ERROR_STOP=1 -c "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tandem') THEN CREATE ROLE tandem LOGIN PASSWORD 'tandem'; END IF; END\$\$;" >&2
as_postgres psql -p "$port" -q -tAc "SELECT 1 FROM pg_database WHERE datname = 'tandem_test'" | grep -q 1 || as_postgres createdb -p "$port" -O tandem tandem_test
echo "postgres://tandem:tandem@127.0.0.1:${port}/tandem_test"
