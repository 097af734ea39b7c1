#!/usr/bin/env bash
# Makes sure `redis-server` is on PATH before the tests run (npm's `pretest` hook): the store's tests run every
# behaviour on a real, throwaway Redis as well as on SQLite. As root with apt-get (CI, the dev machines), installs
# Debian's redis-server package quietly; otherwise says in one line how to install it and exits 1.
set -euo pipefail

if [ -n "${TEST_REDIS_URL:-}" ] || command -v redis-server >/dev/null 2>&1; then
  exit 0
fi

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-redis: redis-server not found; installing Debian's redis-server package for the store tests..."
  export DEBIAN_FRONTEND=noninteractive
  log="$(mktemp)"
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends redis-server; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "ensure-redis: could not install redis-server with apt-get (output above)" >&2
    exit 1
  fi
  rm -f "$log"
  # The package starts a system service where an init system runs; the tests start their own server on a free port.
  if command -v redis-server >/dev/null 2>&1; then
    echo "ensure-redis: installed $(redis-server --version | cut -d' ' -f1-3)"
    exit 0
  fi
  echo "ensure-redis: apt-get installed redis-server but it is still not on PATH" >&2
  exit 1
fi

echo "ensure-redis: the store tests need redis-server on PATH: install it (Debian/Ubuntu: 'sudo apt-get install redis-server', macOS: 'brew install redis') or set TEST_REDIS_URL=redis://host:port" >&2
exit 1
