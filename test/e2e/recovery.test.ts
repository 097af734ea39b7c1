import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordEmulator, type Channel, type DiscordEmulator, type User } from '../emulators/discord/index.js';
import { startModelEmulator, type ModelEmulator } from '../emulators/model/index.js';
import { openStore } from '../../src/store/open-store.js';
import { fixtures } from '../support/media-fixtures.js';

const BIN = resolve(import.meta.dirname, '../../bin/livetranslate.js');

interface Bot { child: ChildProcess; log: () => string; port: number }

describe('crash recovery and shutdown (real processes, SQLite store)', () => {
  let discord: DiscordEmulator;
  let model: ModelEmulator;
  let channel: Channel;
  let user: User;
  let env: NodeJS.ProcessEnv;
  const running: ChildProcess[] = [];

  beforeAll(async () => {
    discord = await startDiscordEmulator();
    model = await startModelEmulator();
    const guild = discord.createGuild();
    channel = discord.createChannel(guild.id);
    user = discord.createUser({ locale: 'en-US' });
    env = {
      PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', PORT: '0', LIVETRANSLATE_SHUTDOWN_GRACE_S: '1',
      STORE_URL: `sqlite://${join(mkdtempSync(join(tmpdir(), 'lt-recovery-')), 'bot.sqlite')}`,
      DISCORD_TOKEN: discord.botToken, DISCORD_API_URL: discord.apiUrl, DISCORD_GUILD_ID: guild.id,
      DASHSCOPE_API_KEY: 'test-key', DASHSCOPE_BASE_URL: model.baseUrl,
    };
  });
  afterAll(async () => {
    for (const c of running) if (c.exitCode === null) c.kill('SIGKILL');
    await discord.close();
    await model.close();
  });

  async function start(): Promise<Bot> {
    const child = spawn(process.execPath, [BIN, 'start'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    running.push(child);
    let log = '';
    child.stderr!.on('data', (b: Buffer) => (log += b.toString()));
    const line = await discord.waitFor(() => log.split('\n').map((l) => { try { return JSON.parse(l) as { msg?: string; port?: number }; } catch { return undefined; } }).find((l) => l?.msg === 'livetranslate running'), 20_000);
    return { child, log: () => log, port: line.port! };
  }

  let calls = 0;
  async function slowTranslation(options: Record<string, string | boolean> = {}) {
    // different bytes each time, so an earlier result in the cache does not answer at once
    const seconds = 1 + ++calls / 100;
    model.configure({ text: 'These words arrive slowly, one after another, and the process dies before the end. '.repeat(3), chunkDelayMs: 150, audioSeconds: 1 });
    const h = await discord.slashCommand({ userId: user.id, channelId: channel.id, name: 'translate', options: { to: 'en', ...options }, attachments: { file: { name: 'a.wav', data: fixtures.wav(seconds), contentType: 'audio/wav' } } });
    await discord.waitFor(() => discord.interaction(h).original?.content.includes('These words') || undefined, 15_000);
    return h;
  }

  it('serves /healthz and /metrics on PORT', async () => {
    const bot = await start();
    try {
      const health = await fetch(`http://127.0.0.1:${bot.port}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ ok: true, checks: { store: { ok: true }, discord: { ok: true } } });
      const metrics = await (await fetch(`http://127.0.0.1:${bot.port}/metrics`)).text();
      expect(metrics).toContain('livetranslate_queue_depth');
      expect(metrics).toContain('process_cpu_user_seconds_total');
    } finally {
      bot.child.kill('SIGTERM');
      await new Promise((r) => bot.child.once('exit', r));
    }
  });

  it('SIGKILL mid-stream, then restart: the reply ends as interrupted, keeps its text, and Retry works', async () => {
    const first = await start();
    const h = await slowTranslation();
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    const stuck = discord.interaction(h).original!;
    expect(stuck.content).toContain('translating…');
    const shown = stuck.content;

    const second = await start();
    try {
      const ended = await discord.waitFor(() => { const o = discord.interaction(h).original; return o?.content.includes('interrupted') ? o : undefined; }, 15_000);
      expect(ended.content).not.toContain('translating…');
      expect(ended.content).toContain('⚠️ The translation was interrupted because the bot restarted.');
      expect(ended.content).toContain('→ 🇺🇸 English'); // the header survives too
      // the text that was on screen is still there
      const words = shown.split('\n').find((l) => l.startsWith('These words'))!;
      expect(ended.content).toContain(words);
      const retry = (ended.components as { components: { custom_id: string; label: string }[] }[])[0]!.components[0]!;
      expect(retry.label).toBe('Retry');
      model.configure({ text: 'Retried to the end.', chunkDelayMs: 5 });
      const r = await discord.clickButton({ userId: user.id, channelId: channel.id, messageId: ended.id, customId: retry.custom_id });
      const again = await discord.waitFor(() => { const o = discord.interaction(r).original; return o && /characters/.test(o.content) ? o : undefined; }, 15_000);
      expect(again.content).toContain('Retried to the end.');
    } finally {
      second.child.kill('SIGTERM');
      await new Promise((r) => second.child.once('exit', r));
    }
  }, 60_000);

  it('SIGTERM with a job running: drains for the grace period, then ends it as interrupted with Retry', async () => {
    const bot = await start();
    const h = await slowTranslation();
    bot.child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => bot.child.once('exit', r));
    expect(code).toBe(0);
    const ended = discord.interaction(h).original!;
    expect(ended.content).toContain('interrupted because the bot restarted');
    expect(ended.content).not.toContain('translating…');
    expect(JSON.stringify(ended.components)).toContain('Retry');
    expect(bot.log()).toContain('shutting down');
  }, 60_000);

  it('restart after a crash with a private reply whose token has since expired: starts, drops the entry, keeps its own token', async () => {
    const first = await start();
    const h = await slowTranslation({ private: true });
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    // the bot was down for 20 minutes: Discord answers the old interaction token with 401 (50027)
    discord.advanceTime(20 * 60_000);
    const second = await start();
    try {
      await discord.waitFor(() => second.log().includes('could not finish an interrupted reply; dropped') || undefined, 10_000);
      const store = await openStore(env.STORE_URL!);
      try {
        expect(await store.journal.list('default:discord')).toEqual([]);
      } finally {
        await store.close();
      }
      expect(discord.interaction(h).original!.content).toContain('translating…'); // nothing could reach it
      // the 401 on the interaction token did not take the bot's own token: a new job goes through
      model.configure({ text: 'After the restart.', chunkDelayMs: 5, audioSeconds: 1 });
      const next = await discord.slashCommand({ userId: user.id, channelId: channel.id, name: 'translate', options: { to: 'en' }, attachments: { file: { name: 'b.wav', data: fixtures.wav(1.37), contentType: 'audio/wav' } } });
      const done = await discord.waitFor(() => { const o = discord.interaction(next).original; return o && /characters/.test(o.content) ? o : undefined; }, 15_000);
      expect(done.content).toContain('After the restart.');
      await discord.waitFor(() => discord.messages(channel.id).find((m) => m.voiceMessage && m.referencedMessageId === done.id), 15_000);
    } finally {
      second.child.kill('SIGTERM');
      await new Promise((r) => second.child.once('exit', r));
    }
  }, 60_000);
});
