import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDiscordEmulator, type DiscordEmulator } from '../emulators/discord/index.js';
import { startModelEmulator, type ModelEmulator } from '../emulators/model/index.js';

/**
 * `livetranslate start` in the default role on a SQLite store loads no Redis driver: bullmq and ioredis are for a
 * redis:// store and the gateway/worker roles only (issue 10's start-up target). The bot runs as a real process
 * with a loader hook that writes down every module it loads, until it says it is running.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const HOOK = join(ROOT, 'test/support/record-modules.mjs');

let discord: DiscordEmulator;
let model: ModelEmulator;
let dir: string;

beforeAll(async () => {
  [discord, model] = await Promise.all([startDiscordEmulator(), startModelEmulator()]);
  dir = mkdtempSync(join(tmpdir(), 'lt-start-modules-'));
});
afterAll(async () => {
  await Promise.all([discord.close(), model.close()]);
  rmSync(dir, { recursive: true, force: true });
});

/** The URLs of the modules `start` loaded until "livetranslate running". */
function modulesLoadedByStart(env: Record<string, string>): Promise<string[]> {
  const record = join(dir, 'modules.txt');
  const child = spawn(process.execPath, ['--import', HOOK, join(ROOT, 'bin/livetranslate.js'), 'start'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', PORT: '0', RECORD_MODULES_TO: record, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  return new Promise((done, fail) => {
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      if (stderr.includes('"msg":"livetranslate running"')) child.kill('SIGTERM');
    });
    child.on('exit', () => {
      if (!stderr.includes('livetranslate running')) fail(new Error(`the bot never ran: ${stderr.slice(-800)}`));
      else done(readFileSync(record, 'utf8').split('\n').filter(Boolean));
    });
  });
}

it('the default role on SQLite starts without loading bullmq or ioredis', async () => {
  const loaded = await modulesLoadedByStart({
    STORE_URL: `sqlite://${join(dir, 'bot.sqlite')}`, DASHSCOPE_API_KEY: 'test-key', DASHSCOPE_BASE_URL: model.baseUrl,
    DISCORD_TOKEN: discord.botToken, DISCORD_API_URL: discord.apiUrl, DISCORD_GUILD_ID: discord.createGuild().id,
  });
  const packages = loaded.map((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1]).filter(Boolean);
  // the hook sees packages loaded from node_modules (else the test below could not fail)
  expect(packages).toContain('discord.js');
  expect(packages).not.toContain('bullmq');
  expect(packages).not.toContain('ioredis');
  expect(packages).not.toContain('@keyv/redis');
});
