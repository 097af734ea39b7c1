#!/usr/bin/env bash
# Makes sure an ffmpeg is there before the tests run (npm's `pretest` hook, and .ci/run): the bot converts every
# format it does not decode in-process (WebM, M4A, FLAC, AIFF, CAF, WMA, MPEG-TS, AVI...) and measures durations
# with the system's ffmpeg, and the tests make their fixtures with it. `FFMPEG_PATH` (an executable) or `ffmpeg` on
# PATH is used as it is; otherwise Debian's maintained ffmpeg package is installed (scripts/lib/apt-install.sh).
set -euo pipefail
source "$(dirname "$0")/lib/apt-install.sh"

if [ -n "${FFMPEG_PATH:-}" ]; then
  if [ -x "$FFMPEG_PATH" ]; then exit 0; fi
  echo "ensure-ffmpeg: FFMPEG_PATH=$FFMPEG_PATH is not an executable file" >&2
  exit 1
fi
if command -v ffmpeg >/dev/null 2>&1; then exit 0; fi
apt_install ensure-ffmpeg ffmpeg ffmpeg "" \
  "the bot and its tests need ffmpeg: install it (Debian/Ubuntu: 'sudo apt-get install ffmpeg', macOS: 'brew install ffmpeg') or set FFMPEG_PATH=/path/to/ffmpeg"
