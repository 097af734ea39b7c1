#!/usr/bin/env bash
# Makes sure an ffmpeg is there before the tests run (npm's `pretest` hook, and .ci/run): the bot converts every
# format it does not decode in-process (WebM, M4A, FLAC, AIFF, CAF, WMA, MPEG-TS, AVI...) and measures durations
# with the system's ffmpeg, and the tests make their fixtures with it. `FFMPEG_PATH` (an executable) or `ffmpeg` on
# PATH is used as it is. Otherwise, as root with apt-get (CI, the dev machines), installs Debian's maintained ffmpeg
# package quietly; anywhere else it says in one line how to install it and exits 1.
set -euo pipefail

if [ -n "${FFMPEG_PATH:-}" ]; then
  if [ -x "$FFMPEG_PATH" ]; then exit 0; fi
  echo "ensure-ffmpeg: FFMPEG_PATH=$FFMPEG_PATH is not an executable file" >&2
  exit 1
fi
if command -v ffmpeg >/dev/null 2>&1; then
  exit 0
fi

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-ffmpeg: ffmpeg not found; installing Debian's ffmpeg package..."
  export DEBIAN_FRONTEND=noninteractive
  log="$(mktemp)"
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends ffmpeg; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "ensure-ffmpeg: could not install ffmpeg with apt-get (output above)" >&2
    exit 1
  fi
  rm -f "$log"
  if command -v ffmpeg >/dev/null 2>&1; then
    echo "ensure-ffmpeg: installed $(ffmpeg -version | head -n1 | cut -d' ' -f1-3)"
    exit 0
  fi
  echo "ensure-ffmpeg: apt-get installed ffmpeg but it is still not on PATH" >&2
  exit 1
fi

echo "ensure-ffmpeg: the bot and its tests need ffmpeg: install it (Debian/Ubuntu: 'sudo apt-get install ffmpeg', macOS: 'brew install ffmpeg') or set FFMPEG_PATH=/path/to/ffmpeg" >&2
exit 1
