/**
 * The fault matrix: one row per fault, each asserting what the user sees in Discord and that nothing is lost (the
 * text shown stays, nothing is left "translating…", a Retry is offered where retrying can help). The bot runs as
 * `livetranslate start` wires it, against the Discord and model emulators.
 * Rows covered by their own files: SIGKILL + restart and SIGTERM with jobs running (recovery.test.ts), duplicate
 * triggers (discord.test.ts "the same flag twice"), Slack's 429 storm (slack.test.ts burst).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MessageView } from '../emulators/discord/index.js';
import { startThrowawayRedis } from '../support/redis-server.js';
import { fixtures } from '../support/media-fixtures.js';
import { startDiscordStack, type DiscordStack } from './discord-stack.js';

let s: DiscordStack;
let n = 0;
const finished = (m?: MessageView) => !!m && !m.loading && !m.content.includes('translating…') && m.content.length > 0 && /characters|⚠️|Cancelled/.test(m.content);
const buttons = (m: MessageView) => (m.components as { components: { label: string }[] }[]).flatMap((r) => r.components.map((c) => c.label));

/** Runs one /translate (fresh bytes, so no cache) and returns the reply once it has ended. */
async function translate(opts: { to?: string } = {}): Promise<MessageView> {
  const h = await s.discord.slashCommand({ userId: s.bob.id, channelId: s.channel.id, name: 'translate', options: { to: opts.to ?? 'en' }, attachments: { file: { name: 'a.wav', data: fixtures.wav(1 + ++n / 1000), contentType: 'audio/wav' } } });
  return s.discord.waitFor(() => { const o = s.discord.interaction(h).original; return finished(o) ? o : undefined; }, 20_000);
}

beforeAll(async () => {
  s = await startDiscordStack({ env: { LIVETRANSLATE_MODEL_IDLE_TIMEOUT_S: '0.5' } });
});
afterAll(() => s.close());
beforeEach(() => s.model.reset());

describe('fault matrix (Discord)', () => {
  const partial = 'Partial words that reach the user before the fault happens.';
  const rows: [string, () => void, RegExp, { retry: boolean; keepsText: boolean }][] = [
    ['model 429 beyond the SDK retries', () => s.model.inject({ kind: 'status', status: 429, retryAfter: 0, times: 5 }), /busy \(rate limit reached\)/, { retry: true, keepsText: false }],
    ['model 500', () => s.model.inject({ kind: 'status', status: 500, times: 10 }), /having problems right now/, { retry: true, keepsText: false }],
    ['model stalls (timeout)', () => s.model.inject({ kind: 'stall', afterChunks: 3, times: 2 }), /did not answer in time/, { retry: true, keepsText: true }],
    ['model stream cut', () => s.model.inject({ kind: 'cut', afterChunks: 4 }), /broke off/, { retry: true, keepsText: true }],
    ['model moderation mid-stream', () => s.model.inject({ kind: 'output-moderation', afterChunks: 4 }), /output may contain inappropriate content/, { retry: false, keepsText: true }],
    ['model refuses the input (moderation)', () => s.model.inject({ kind: 'input-moderation' }), /refused this recording/, { retry: false, keepsText: false }],
  ];
  it.each(rows)('%s', async (_name, arrange, message, { retry, keepsText }) => {
    s.model.configure({ text: partial, chunkDelayMs: 20 });
    arrange();
    const reply = await translate();
    expect(reply.content, reply.content).toMatch(message);
    expect(buttons(reply)).toEqual(retry ? ['Retry'] : []);
    if (keepsText) expect(reply.content).toMatch(/Partial/);
    expect(s.discord.messages(s.channel.id).some((m) => m.content.includes('translating…'))).toBe(false);
  });

  it('platform 429 storm on edits: the final edit still lands, nothing left translating', async () => {
    s.model.configure({ text: partial, chunkDelayMs: 30 });
    s.discord.inject({ kind: '429', route: /PATCH \/webhooks/, retryAfter: 0.3, times: 4 });
    const reply = await translate();
    expect(reply.content).toContain(partial);
    expect(reply.content).toMatch(/characters/);
  });

  it('platform 5xx on edits: retried, the final edit lands', async () => {
    s.model.configure({ text: partial, chunkDelayMs: 30 });
    s.discord.inject({ kind: '5xx', route: /PATCH \/webhooks/, status: 502, times: 4 });
    const reply = await translate();
    expect(reply.content).toContain(partial);
    expect(reply.content).toMatch(/characters/);
  });

  it('missing permission for voice messages: the speech comes as an audio file', async () => {
    s.model.configure({ text: 'Hello.', audioSeconds: 1 });
    const quiet = s.discord.createChannel(s.guild.id, { allowVoiceMessages: false });
    const h = await s.discord.slashCommand({ userId: s.bob.id, channelId: quiet.id, name: 'translate', options: { to: 'en' }, attachments: { file: { name: 'a.wav', data: fixtures.wav(1.2), contentType: 'audio/wav' } } });
    const audio = await s.discord.waitFor(() => s.discord.messages(quiet.id).find((m) => m.attachments.some((a) => a.filename === 'translation.ogg')), 15_000);
    expect(audio.voiceMessage).toBe(false);
    expect(finished(s.discord.interaction(h).original)).toBe(true);
  });

  it('expired interaction token: the job continues on the bot token', async () => {
    s.model.configure({ text: 'slow '.repeat(20), chunkDelayMs: 80, audioSeconds: 1 });
    const h = await s.discord.slashCommand({ userId: s.bob.id, channelId: s.channel.id, name: 'translate', options: { to: 'en' }, attachments: { file: { name: 'a.wav', data: fixtures.wav(1.3), contentType: 'audio/wav' } } });
    await s.discord.waitFor(() => s.discord.interaction(h).original?.content.includes('slow') || undefined, 10_000);
    s.advance(16 * 60_000);
    const reply = await s.discord.waitFor(() => { const o = s.discord.interaction(h).original; return o && /characters/.test(o.content) ? o : undefined; }, 15_000);
    expect(reply.content).not.toContain('translating…');
  });
});

describe('fault matrix (store)', () => {
  it('store unavailable at start: one clear line naming STORE_URL, exit 1', async () => {
    const bin = resolve(import.meta.dirname, '../../bin/livetranslate.js');
    const run = await new Promise<{ code: number; stderr: string }>((done) => execFile(process.execPath, [bin, 'start'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DISCORD_TOKEN: 'x', DASHSCOPE_API_KEY: 'k', STORE_URL: 'redis://127.0.0.1:1', PORT: '0' },
    }, (err, _out, stderr) => done({ code: err ? Number(err.code) : 0, stderr })));
    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^livetranslate: The bot's storage is not reachable right now\. \(STORE_URL=redis:\/\/127\.0\.0\.1:1/);
  });

  it('store lost mid-run (Redis stopped): triggers are refused at once with a clear message (fails closed), no model call', async () => {
    const redis = await startThrowawayRedis(mkdtempSync(join(tmpdir(), 'lt-redis-')));
    const stack = await startDiscordStack({ storeUrl: redis.url });
    try {
      stack.model.configure({ text: 'Still translated.', audioSeconds: 1 });
      await redis.stop();
      const h = await stack.discord.slashCommand({ userId: stack.bob.id, channelId: stack.channel.id, name: 'translate', options: { to: 'en' }, attachments: { file: { name: 'a.wav', data: fixtures.wav(1), contentType: 'audio/wav' } } });
      // the allow-list and budgets cannot be read, so nothing is allowed; the refusal still beats the 3 s deadline
      const refusal = await stack.discord.waitFor(() => stack.discord.interaction(h).responses[0], 15_000);
      expect(refusal).toMatchObject({ type: 4, status: 204 });
      expect(JSON.stringify(refusal.data)).toContain("The bot's storage is not reachable right now.");
      expect(stack.model.requests).toHaveLength(0);
    } finally {
      await stack.close().catch(() => undefined);
    }
  });
});
