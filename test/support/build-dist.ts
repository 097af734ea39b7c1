import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
/** What tsconfig.build.json compiles, and the files that change how. */
const SOURCES = ['src', 'cli', 'adapters', 'commands', 'test/emulators'];
const CONFIGS = ['tsconfig.json', 'tsconfig.build.json', 'package.json'];
/** Written after each build here; its mtime is when dist/ was last brought up to date. */
const STAMP = join(ROOT, 'dist', '.build-stamp');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (/\.(ts|mjs|json)$/.test(entry.name) && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

const mtime = (path: string) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
};

/**
 * vitest globalSetup: the tests that run `bin/livetranslate.js` as a real process run the build in dist/, so it is
 * brought up to date first. `tsc -p tsconfig.build.json` (incremental) runs only when a file it compiles, or a
 * config, is newer than the last build. Type errors do not stop the tests (tsc still emits, exit 2;
 * `npm run typecheck` reports them); a build that emitted nothing does.
 */
export default function setup(): void {
  const newest = Math.max(...SOURCES.map((d) => newestSource(join(ROOT, d))), ...CONFIGS.map((f) => mtime(join(ROOT, f))));
  // npm ci's prepare step builds without the stamp; tsc rewrites its build info whenever it emitted
  if (newest < Math.max(mtime(STAMP), mtime(join(ROOT, 'dist', '.tsbuildinfo')))) return;
  const started = Date.now();
  const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
  if (tsc.status !== 0 && tsc.status !== 2) throw new Error(`the build for the CLI tests failed:\n${tsc.stdout}${tsc.stderr}`);
  if (tsc.status === 2) process.stderr.write(`build-dist: dist/ emitted with type errors (npm run typecheck shows them)\n`);
  writeFileSync(STAMP, '');
  const now = new Date(started);
  utimesSync(STAMP, now, now);
}
