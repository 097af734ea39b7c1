#!/usr/bin/env bash
# Makes sure `espeak-ng` is there before the tests run (npm's `pretest` hook, and .ci/run): the long-recording tests
# build real speech from espeak-ng sentences (test/support/long-recording.ts). `ESPEAK_PATH` (an executable) or
# `espeak-ng` on PATH is used as it is. Otherwise, as root with apt-get (CI, the dev machines), installs Debian's
# espeak-ng package quietly; anywhere else it says in one line how to install it and exits 1.
set -euo pipefail

if [ -n "${ESPEAK_PATH:-}" ]; then
  if [ -x "$ESPEAK_PATH" ]; then exit 0; fi
  echo "ensure-espeak: ESPEAK_PATH=$ESPEAK_PATH is not an executable file" >&2
  exit 1
fi
if command -v espeak-ng >/dev/null 2>&1; then
  exit 0
fi

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-espeak: espeak-ng not found; installing Debian's espeak-ng package for the long-recording tests..."
  export DEBIAN_FRONTEND=noninteractive
  log="$(mktemp)"
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends espeak-ng; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "ensure-espeak: could not install espeak-ng with apt-get (output above)" >&2
    exit 1
  fi
  rm -f "$log"
  if command -v espeak-ng >/dev/null 2>&1; then
    echo "ensure-espeak: installed $(espeak-ng --version | head -n1 | cut -d' ' -f1-4)"
    exit 0
  fi
  echo "ensure-espeak: apt-get installed espeak-ng but it is still not on PATH" >&2
  exit 1
fi

echo "ensure-espeak: the long-recording tests need espeak-ng: install it (Debian/Ubuntu: 'sudo apt-get install espeak-ng', macOS: 'brew install espeak-ng') or set ESPEAK_PATH=/path/to/espeak-ng" >&2
exit 1
