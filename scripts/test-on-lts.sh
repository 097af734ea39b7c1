#!/usr/bin/env bash
# The CLI and the demo on the current Node LTS line (NODE_LTS, default 26), after `npm test` ran everything on the
# machine's Node: the same end-to-end test files, run by vitest under the LTS binary, so every `livetranslate`
# process they start (process.execPath) is that Node running dist/ — --help and --version of every command and usage
# errors (cli-help), translate against the model emulator (cli-translate), and demo, register-commands and start
# against the Discord emulator (discord-process). scripts/lts-node.sh fetches the binary and makes the native addons
# load on it.
set -euo pipefail
cd "$(dirname "$0")/.."

node="$(bash scripts/lts-node.sh)"
"$node" node_modules/vitest/vitest.mjs run \
  test/e2e/cli-help.test.ts test/e2e/cli-translate.test.ts test/e2e/discord-process.test.ts
