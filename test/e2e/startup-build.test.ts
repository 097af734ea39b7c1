import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * bin/livetranslate.js and scripts/build.mjs around a missing or old build: each runs from a copy in a throwaway
 * tree (its own dist/, sources and no TypeScript), so the repository's own build is never touched.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const trees: string[] = [];
afterEach(() => {
  for (const dir of trees.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'lt-build-check-'));
  trees.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    if (text.startsWith('copy:')) copyFileSync(join(ROOT, text.slice(5)), join(dir, path));
    else writeFileSync(join(dir, path), text);
  }
  return dir;
}

const at = (dir: string, path: string, seconds: number) => utimesSync(join(dir, path), seconds, seconds);
const run = (dir: string, script: string, ...args: string[]) =>
  spawnSync(process.execPath, [join(dir, script), ...args], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH } });
/** Runs with its output on a terminal (util-linux `script` gives it one): what it printed, both streams, as lines. */
const onTerminal = (dir: string, ...args: string[]) => {
  const command = [process.execPath, join(dir, 'bin/livetranslate.js'), ...args].map((a) => `'${a}'`).join(' ');
  const r = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH } });
  return { status: r.status, lines: r.stdout.split(/\r?\n/).filter(Boolean) };
};

describe('bin/livetranslate.js', () => {
  const built = () => tree({
    'bin/livetranslate.js': 'copy:bin/livetranslate.js',
    'dist/cli/main.js': "process.stdout.write('ran\\n');\n",
    'dist/.build-stamp': '',
    'src/jobs/job.ts': 'export {};\n',
    'cli/main.ts': 'export {};\n',
  });

  it('refuses to start without dist/, in one line naming npm run build', () => {
    const dir = tree({ 'bin/livetranslate.js': 'copy:bin/livetranslate.js' });
    const r = run(dir, 'bin/livetranslate.js', 'start');
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('npm run build');
  });

  it('warns a person at a terminal in one line when a source is newer than the build, and still runs', () => {
    const dir = built();
    at(dir, 'dist/.build-stamp', 1_000_000);
    at(dir, 'src/jobs/job.ts', 1_000_100);
    const r = onTerminal(dir, 'start');
    expect(r.status).toBe(0);
    expect(r.lines).toHaveLength(2);
    expect(r.lines[0]).toMatch(/^livetranslate: warning: .*newer than dist\/.*npm run build/);
    expect(r.lines[1]).toBe('ran');
    // output read by a program keeps its exact lines
    const piped = run(dir, 'bin/livetranslate.js', 'start');
    expect(piped.stdout).toBe('ran\n');
    expect(piped.stderr).toBe('');
  });

  it('says nothing when the build is newer than every source, nor for --help', () => {
    const dir = built();
    at(dir, 'src/jobs/job.ts', 1_000_000);
    at(dir, 'cli/main.ts', 1_000_000);
    at(dir, 'dist/.build-stamp', 1_000_100);
    expect(onTerminal(dir, 'start').lines).toEqual(['ran']);
    at(dir, 'cli/main.ts', 1_000_200);
    expect(onTerminal(dir, '--help').lines).toEqual(['ran']);
  });
});

describe('scripts/build.mjs without TypeScript (npm ci --omit=dev)', () => {
  const bare = () => tree({ 'scripts/build.mjs': 'copy:scripts/build.mjs', 'package.json': '{"type":"module"}' });

  it('as the prepare step: skips the build in one line, exit 0, so the install goes on', () => {
    const dir = bare();
    const r = run(dir, 'scripts/build.mjs', '--prepare');
    expect(r.status).toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/build skipped: TypeScript is not installed/);
    expect(existsSync(join(dir, 'dist'))).toBe(false);
  });

  it('as npm run build: fails in one line', () => {
    const r = run(bare(), 'scripts/build.mjs');
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
