// `npm run build` and npm's `prepare` step: compiles the bot to dist/ (tsc -p tsconfig.build.json), then writes
// dist/.build-stamp, whose mtime is when the build started: bin/livetranslate.js warns when a source is newer.
// With --prepare, a machine without TypeScript (a production `npm ci --omit=dev`) skips the build with one line
// instead of failing the install with "tsc: not found"; dist/ must then come from a build made elsewhere.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import process from 'node:process';

const ROOT = resolve(import.meta.dirname, '..');
const STAMP = join(ROOT, 'dist', '.build-stamp');

let tsc;
try {
  tsc = createRequire(join(ROOT, 'package.json')).resolve('typescript/bin/tsc');
} catch {
  if (process.argv.includes('--prepare')) {
    process.stderr.write('livetranslate: build skipped: TypeScript is not installed (a dev dependency); bin/livetranslate.js needs dist/ built elsewhere (`npm run build`).\n');
    process.exit(0);
  }
  process.stderr.write('livetranslate: cannot build: TypeScript is not installed (run `npm ci` with the dev dependencies).\n');
  process.exit(1);
}

const started = new Date();
const run = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
if (run.status !== 0) process.exit(run.status ?? 1);
mkdirSync(join(ROOT, 'dist'), { recursive: true });
closeSync(openSync(STAMP, 'w'));
utimesSync(STAMP, started, started);
