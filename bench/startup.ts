/**
 * Issue 10 figure: how long `livetranslate` takes to start, the build (dist/, plain node) against the TypeScript
 * sources run through tsx (how bin/livetranslate.js ran every command before), in the same run. Each figure is the
 * median over fresh processes: `--help` and `--version` until exit, and `start` (the Discord bot against the
 * Discord and model emulators on loopback, SQLite store) until it logs "livetranslate running". Bare `node -e 0` is
 * the floor. With BENCH_OTHER_NODE set to another node binary (scripts/lts-node.sh prints the LTS one), the build is
 * also timed on it. Printed, never asserted; `npm run build` must have run (npm ci does).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startDiscordEmulator } from '../test/emulators/discord/index.js';
import { startModelEmulator } from '../test/emulators/model/index.js';

const ROOT = resolve(import.meta.dirname, '..');
const BUILT = [join(ROOT, 'bin/livetranslate.js')];
const TSX = ['--import', 'tsx', join(ROOT, 'cli/main.ts')];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Milliseconds from spawn until the process exits, or until `ready` matches a line of its stderr (then SIGTERM). */
function timed(args: string[], env: NodeJS.ProcessEnv, ready?: RegExp, node = process.execPath): Promise<number> {
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(node, args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let ms: number | undefined;
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      if (ready && ms === undefined && ready.test(stderr)) {
        ms = performance.now() - started;
        child.kill('SIGTERM');
      }
    });
    child.on('error', fail);
    child.on('exit', (code) => {
      if (ready && ms === undefined) fail(new Error(`never ready (exit ${code}): ${stderr.slice(-500)}`));
      else if (!ready && code !== 0) fail(new Error(`exit ${code}: ${stderr.slice(-500)}`));
      else done(ms ?? performance.now() - started);
    });
  });
}

async function medianOf(runs: number, measure: () => Promise<number>): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) xs.push(await measure());
  return median(xs);
}

export async function startupBench(runs: number): Promise<string[]> {
  if (!existsSync(join(ROOT, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const env = { PATH: process.env.PATH, HOME: process.env.HOME };
  const model = await startModelEmulator();
  const discord = await startDiscordEmulator();
  const dir = mkdtempSync(join(tmpdir(), 'lt-bench-startup-'));
  const guild = discord.createGuild();
  const bot = {
    ...env, LOG_LEVEL: 'info', PORT: '0', STORE_URL: `sqlite://${join(dir, 'bot.sqlite')}`,
    DISCORD_TOKEN: discord.botToken, DISCORD_API_URL: discord.apiUrl, DISCORD_GUILD_ID: guild.id,
    DASHSCOPE_API_KEY: 'test-key', DASHSCOPE_BASE_URL: model.baseUrl,
  };
  const running = /"msg":"livetranslate running"/;
  const other = process.env.BENCH_OTHER_NODE;
  const otherVersion = other ? execFileSync(other, ['--version'], { encoding: 'utf8' }).trim() : undefined;
  try {
    const floor = await medianOf(runs, () => timed(['-e', '0'], env));
    const rows = [`| bare \`node -e 0\` (the floor) | ${floor.toFixed(0)} ms | | |`];
    const cases: [string, string[], NodeJS.ProcessEnv, RegExp?][] = [
      ['`livetranslate --help`', ['--help'], env],
      ['`livetranslate --version`', ['--version'], env],
      ['`livetranslate translate --help`', ['translate', '--help'], env],
      ['`livetranslate start` until "running" (Discord, SQLite)', ['start'], bot, running],
    ];
    for (const [name, args, caseEnv, ready] of cases) {
      // alternated, so a slow moment of the machine hits both the same
      const built: number[] = [];
      const tsx: number[] = [];
      for (let i = 0; i < runs; i++) {
        built.push(await timed([...BUILT, ...args], caseEnv, ready));
        tsx.push(await timed([...TSX, ...args], caseEnv, ready));
      }
      const [b, t] = [median(built), median(tsx)];
      rows.push(`| ${name} | ${b.toFixed(0)} ms | ${t.toFixed(0)} ms | ${(t / b).toFixed(1)}× faster |`);
      if (other) {
        const o = await medianOf(runs, () => timed([...BUILT, ...args], caseEnv, ready, other));
        rows.push(`| ${name}, built, on node ${otherVersion} | ${o.toFixed(0)} ms | | |`);
      }
    }
    return rows;
  } finally {
    await discord.close();
    await model.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
