#!/usr/bin/env bash
# Starts a local Redis (Debian's redis-server; installed if missing) for the shared limits store's tests, then
# prints the URL to use as TEST_REDIS_URL. Used by .ci/run; safe to run again (an answering Redis is reused).
set -euo pipefail
port=${REDIS_PORT:-6379}
if ! command -v redis-server >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq redis-server >/dev/null
fi
if ! redis-cli -p "$port" ping >/dev/null 2>&1; then
  # In memory only: the tests' buckets need no disk.
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes >&2
  for _ in $(seq 1 30); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.2; done
fi
redis-cli -p "$port" ping >&2
echo "redis://127.0.0.1:${port}"
