import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDiscordEmulator, type DiscordEmulator } from '../emulators/discord/index.js';
import { startModelEmulator, type ModelEmulator } from '../emulators/model/index.js';
import { startSlackEmulator, type SlackEmulator } from '../emulators/slack/index.js';
import { testRedisUrl } from '../support/redis-url.js';

/**
 * A worker (LIVETRANSLATE_ROLE=worker) has no gateway connection and no Slack endpoint, only REST clients: its
 * /healthz asks each configured platform's API whether the token still works, as the other roles do for Slack.
 * A real process against the emulators and the test Redis.
 */

const BIN = resolve(import.meta.dirname, '../../bin/livetranslate.js');

let discord: DiscordEmulator;
let slack: SlackEmulator;
let model: ModelEmulator;
beforeAll(async () => {
  [discord, slack, model] = await Promise.all([startDiscordEmulator(), startSlackEmulator(), startModelEmulator()]);
});
afterAll(async () => {
  await Promise.all([discord.close(), slack.close(), model.close()]);
});

it("a worker's /healthz checks the Discord and Slack tokens, not only the store", async () => {
  const bot = spawn(process.execPath, [BIN, 'start'], {
    env: {
      PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', PORT: '0', LIVETRANSLATE_ROLE: 'worker',
      STORE_URL: testRedisUrl(), DASHSCOPE_API_KEY: 'test-key', DASHSCOPE_BASE_URL: model.baseUrl,
      DISCORD_TOKEN: discord.botToken, DISCORD_API_URL: discord.apiUrl,
      SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: slack.signingSecret, SLACK_API_URL: slack.apiUrl,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  try {
    let log = '';
    const port = await new Promise<number>((done, fail) => {
      bot.stderr.on('data', (b: Buffer) => {
        log += b.toString();
        const running = /\{[^\n]*"msg":"livetranslate running"[^\n]*\}/.exec(log);
        if (running) done((JSON.parse(running[0]) as { port: number }).port);
      });
      bot.once('exit', (code) => fail(new Error(`the worker exited (${code}): ${log.slice(-800)}`)));
    });
    const [meBefore, authBefore] = [discord.calls.length, slack.calls.filter((c) => c.method === 'auth.test').length];
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(await health.json()).toMatchObject({ ok: true, checks: { store: { ok: true }, discord: { ok: true }, slack: { ok: true } } });
    expect(health.status).toBe(200);
    // each check asked its platform with the token
    expect(discord.calls.slice(meBefore).some((c) => c.path.endsWith('/users/@me') && c.status === 200)).toBe(true);
    expect(slack.calls.filter((c) => c.method === 'auth.test').length).toBeGreaterThan(authBefore);
  } finally {
    bot.kill('SIGTERM');
    if (bot.exitCode === null) await new Promise((r) => bot.once('exit', r));
  }
});
