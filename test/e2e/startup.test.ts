import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordEmulator, type DiscordEmulator } from '../emulators/discord/index.js';
import { startModelEmulator, type ModelEmulator } from '../emulators/model/index.js';
import { startSlackEmulator, type SlackEmulator } from '../emulators/slack/index.js';

/**
 * `livetranslate start` fails loud and whole: every configured platform is checked before the bot says it runs, and
 * a bad credential, a missing secret or a busy port is one line naming what to fix, exit 1, and no process left.
 */

const BIN = resolve(import.meta.dirname, '../../bin/livetranslate.js');

interface Run { code: number | null; stdout: string; stderr: string; ms: number }

function start(env: Record<string, string>, timeoutMs = 20_000): Promise<Run> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [BIN, 'start'], {
    env: {
      PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', PORT: '0', DASHSCOPE_API_KEY: 'test-key',
      STORE_URL: `sqlite://${join(mkdtempSync(join(tmpdir(), 'lt-start-')), 'bot.sqlite')}`, ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((done) => child.on('exit', (code) => {
    clearTimeout(timer);
    done({ code, stdout, stderr, ms: Date.now() - t0 });
  }));
}

let discord: DiscordEmulator;
let slack: SlackEmulator;
let model: ModelEmulator;
let busy: Server;
let busyPort: number;

beforeAll(async () => {
  [discord, slack, model] = await Promise.all([startDiscordEmulator(), startSlackEmulator(), startModelEmulator()]);
  busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  busyPort = (busy.address() as { port: number }).port;
});
afterAll(async () => {
  busy.close();
  await Promise.all([discord.close(), slack.close(), model.close()]);
});

const discordEnv = () => ({ DISCORD_TOKEN: discord.botToken, DISCORD_API_URL: discord.apiUrl, DASHSCOPE_BASE_URL: model.baseUrl });
const slackEnv = () => ({ SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: slack.signingSecret, SLACK_API_URL: slack.apiUrl });

describe('livetranslate start: all or nothing', () => {
  const cases: Array<[string, () => Record<string, string>, RegExp]> = [
    ['an invalid Discord token', () => ({ ...discordEnv(), DISCORD_TOKEN: 'not-a-token' }), /DISCORD_TOKEN/],
    ['an invalid Slack token', () => ({ ...slackEnv(), SLACK_BOT_TOKEN: 'xoxb-not-valid' }), /SLACK_BOT_TOKEN/],
    ['a Slack token without a signing secret', () => ({ SLACK_BOT_TOKEN: slack.botToken, SLACK_API_URL: slack.apiUrl }), /SLACK_SIGNING_SECRET/],
    ['a busy port (Slack HTTP mode)', () => ({ ...slackEnv(), PORT: String(busyPort) }), /PORT/],
    ['a busy port (Discord only, ops server)', () => ({ ...discordEnv(), PORT: String(busyPort) }), /PORT/],
    ['a busy port with both platforms (Discord must not stay logged in)', () => ({ ...discordEnv(), ...slackEnv(), PORT: String(busyPort) }), /PORT/],
    ['a DISCORD_GUILD_ID the bot is not in', () => ({ ...discordEnv(), DISCORD_GUILD_ID: '123456789012345678' }), /DISCORD_GUILD_ID 123456789012345678 is not a server this bot is in/],
    ['a good Discord token but an invalid Slack token', () => ({ ...discordEnv(), ...slackEnv(), SLACK_BOT_TOKEN: 'xoxb-not-valid' }), /SLACK_BOT_TOKEN/],
  ];

  it.each(cases)('%s: one line naming what to fix, exit 1, nothing left running', async (_name, env, names) => {
    const run = await start(env());
    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^livetranslate: /);
    expect(lines[0]).toMatch(names);
    expect(lines[0]).not.toMatch(/Something went wrong|at .*\.ts:\d+/);
    expect(run.stdout).not.toContain('livetranslate running');
    expect(run.ms).toBeLessThan(15_000);
    // a Discord session opened before the failure was closed, not left behind
    await discord.waitFor(() => discord.gateway.connected === 0 || undefined, 5_000);
  });
});
