#!/usr/bin/env node
// Entry point of `livetranslate` / `npx livetranslate`: the compiled CLI in dist/ (`npm run build`, which `npm ci`
// runs as the prepare step). No TypeScript is compiled at run time.
import { existsSync } from 'node:fs';
import module from 'node:module';

// Node 22.1+ keeps V8's compiled code of every module loaded here in a cache on disk (under the OS temp dir), so
// later starts skip compiling discord.js and the rest again; older Node lines have no such cache.
module.enableCompileCache?.();

const main = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(main)) {
  await import(main.href);
} else {
  process.stderr.write('livetranslate: not built yet; run `npm run build` (npm ci runs it) and try again.\n');
  process.exitCode = 1;
}
