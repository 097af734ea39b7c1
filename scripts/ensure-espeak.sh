#!/usr/bin/env bash
# Makes sure `espeak-ng` is there before the tests run (npm's `pretest` hook, and .ci/run): the long-recording tests
# build real speech from espeak-ng sentences (test/support/long-recording.ts). `ESPEAK_PATH` (an executable) or
# `espeak-ng` on PATH is used as it is; otherwise Debian's espeak-ng package is installed (scripts/lib/apt-install.sh).
set -euo pipefail
source "$(dirname "$0")/lib/apt-install.sh"

if [ -n "${ESPEAK_PATH:-}" ]; then
  if [ -x "$ESPEAK_PATH" ]; then exit 0; fi
  echo "ensure-espeak: ESPEAK_PATH=$ESPEAK_PATH is not an executable file" >&2
  exit 1
fi
if command -v espeak-ng >/dev/null 2>&1; then exit 0; fi
apt_install ensure-espeak espeak-ng espeak-ng "for the long-recording tests" \
  "the long-recording tests need espeak-ng: install it (Debian/Ubuntu: 'sudo apt-get install espeak-ng', macOS: 'brew install espeak-ng') or set ESPEAK_PATH=/path/to/espeak-ng"
