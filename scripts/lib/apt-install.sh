# Sourced by scripts/ensure-*.sh: installs one Debian package quietly when a program the tests (or the bot) need is
# missing. As root with apt-get (CI, the dev machines) it installs the package and checks the program is then on
# PATH; anywhere else it prints the one line `how` (how to install it by hand) and exits 1.
#   apt_install <name> <package> <program> <what it is for> <how>
apt_install() {
  local name="$1" package="$2" program="$3" purpose="$4" how="$5"
  if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "$name: $how" >&2
    exit 1
  fi
  echo "$name: $program not found; installing Debian's $package package $purpose..."
  export DEBIAN_FRONTEND=noninteractive
  local log
  log="$(mktemp)"
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "$package"; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "$name: could not install $package with apt-get (output above)" >&2
    exit 1
  fi
  rm -f "$log"
  if ! command -v "$program" >/dev/null 2>&1; then
    echo "$name: apt-get installed $package but $program is still not on PATH" >&2
    exit 1
  fi
  echo "$name: installed $({ "$program" --version 2>/dev/null || "$program" -version 2>/dev/null; } | head -n1 | cut -c1-60)"
}
