#!/usr/bin/env bash
# Makes sure `redis-server` is on PATH before the tests run (npm's `pretest` hook): the store's tests run every
# behaviour on a real, throwaway Redis as well as on SQLite (the tests start their own server on a free port, even
# where the package also starts a system service). TEST_REDIS_URL set: that Redis is used instead.
set -euo pipefail
source "$(dirname "$0")/lib/apt-install.sh"

if [ -n "${TEST_REDIS_URL:-}" ] || command -v redis-server >/dev/null 2>&1; then exit 0; fi
apt_install ensure-redis redis-server redis-server "for the store tests" \
  "the store tests need redis-server on PATH: install it (Debian/Ubuntu: 'sudo apt-get install redis-server', macOS: 'brew install redis') or set TEST_REDIS_URL=redis://host:port"
