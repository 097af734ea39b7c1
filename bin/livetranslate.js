#!/usr/bin/env node
// Entry point of `livetranslate` / `npx livetranslate`: the compiled CLI in dist/ (`npm run build`, which `npm ci`
// runs as the prepare step). No TypeScript is compiled at run time.
import { existsSync, readdirSync, statSync } from 'node:fs';
import module from 'node:module';

// Node 22.1+ keeps V8's compiled code of every module loaded here in a cache on disk (under the OS temp dir), so
// later starts skip compiling discord.js and the rest again; older Node lines have no such cache.
module.enableCompileCache?.();

const ROOT = new URL('../', import.meta.url);
const main = new URL('dist/cli/main.js', ROOT);
/** What tsconfig.build.json compiles for the bot (test/emulators aside). */
const SOURCES = ['src', 'cli', 'adapters', 'commands'];

const mtime = (url) => {
  try {
    return statSync(url).mtimeMs;
  } catch {
    return 0;
  }
};

/** The newest mtime of the compiled sources under `dir` (a URL ending in /); 0 when there are none. */
function newestSource(dir) {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(new URL(`${entry.name}/`, dir)));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, mtime(new URL(entry.name, dir)));
  }
  return newest;
}

/** One line when a source was changed after the last build (dist/ runs the old code). */
function warnIfStale() {
  // when the build was made: the stamp `npm run build` writes, or tsc's build info
  const built = Math.max(mtime(new URL('dist/.build-stamp', ROOT)), mtime(new URL('dist/.tsbuildinfo', ROOT)));
  if (built === 0) return;
  const newest = Math.max(...SOURCES.map((d) => newestSource(new URL(`${d}/`, ROOT))));
  if (newest > built) process.stderr.write('livetranslate: warning: a source file is newer than dist/; run `npm run build` to run your changes.\n');
}

const args = process.argv.slice(2);
if (!existsSync(main)) {
  process.stderr.write('livetranslate: dist/ is missing; run `npm run build` (needs the dev dependencies) and try again.\n');
  process.exitCode = 1;
} else {
  // Said to a person at a terminal only: output read by programs (tests, log collectors) keeps its exact lines, and a
  // test run that edits nothing would else warn whenever someone saves a file meanwhile. Help and version answer at
  // once: only a command that runs the bot's code is worth the look at the sources.
  const runsCode = args.length > 0 && !args.some((a) => ['--help', '-h', 'help', '--version', '-v'].includes(a));
  if (process.stderr.isTTY && runsCode) warnIfStale();
  await import(main.href);
}
