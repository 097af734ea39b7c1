import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startModelEmulator } from '../emulators/model/index.js';
import { startSlackEmulator } from '../emulators/slack/index.js';
import { fixtures } from '../support/media-fixtures.js';
import { startSlackStack } from './slack-stack.js';

const BIN = resolve(import.meta.dirname, '../../bin/livetranslate.js');
const wav = () => ({ name: 'a.wav', data: fixtures.wav(1), mimetype: 'audio/wav' });

describe('Slack as `npm start` runs it', () => {
  let bot: ChildProcess | undefined;
  afterAll(async () => {
    bot?.kill('SIGTERM');
    if (bot) await new Promise((r) => bot!.once('exit', r));
  });

  it('HTTP mode: the real process verifies signatures at POST /slack/events and answers a shortcut', async () => {
    const slack = await startSlackEmulator();
    const model = await startModelEmulator();
    try {
      const channel = slack.createChannel();
      const user = slack.createUser({ locale: 'fr-FR' });
      bot = spawn(process.execPath, [BIN, 'start'], {
        env: {
          PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', LOG_LEVEL: 'info',
          STORE_URL: `sqlite://${join(mkdtempSync(join(tmpdir(), 'lt-store-')), 'bot.sqlite')}`,
          SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: slack.signingSecret, SLACK_API_URL: slack.apiUrl,
          DASHSCOPE_API_KEY: 'test-key', DASHSCOPE_BASE_URL: model.baseUrl,
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let log = '';
      bot.stderr!.on('data', (b: Buffer) => (log += b.toString()));
      const ready = await slack.waitFor(() => log.split('\n').map((l) => { try { return JSON.parse(l) as { msg?: string; port?: number }; } catch { return undefined; } }).find((l) => l?.msg === 'slack ready'), 20_000);
      slack.setBotEndpoint(`http://127.0.0.1:${ready.port}/slack/events`);
      model.configure({ text: 'Bonjour à tous.' });
      const msg = slack.postUserMessage(channel.id, user.id, { files: [wav()] });
      const d = await slack.messageShortcut({ userId: user.id, channelId: channel.id, messageTs: msg.ts, callbackId: 'translate_message' });
      expect(d.status).toBe(200);
      const reply = await slack.waitFor(() => slack.thread(channel.id, msg.ts).find((m) => m.bot_id && /characters/.test(m.text)), 15_000);
      expect(reply.text).toContain('→ 🇫🇷 French');
      expect(log).not.toContain(slack.botToken);
      expect(log).not.toContain(slack.signingSecret);
      // /healthz on the same port as /slack/events covers Slack too (auth.test answered)
      const health = await fetch(`http://127.0.0.1:${ready.port}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ ok: true, checks: { store: { ok: true }, slack: { ok: true } } });
      expect(slack.calls.some((c) => c.method === 'auth.test')).toBe(true);
    } finally {
      bot?.kill('SIGTERM');
      if (bot) await new Promise((r) => bot!.once('exit', r));
      bot = undefined;
      await slack.close();
      await model.close();
    }
  });
});

describe('Slack in Socket Mode, and without a channel to post in', () => {
  it('Socket Mode: a reaction arrives over the socket, is acked, and translated into the thread', async () => {
    const s = await startSlackStack({ socketMode: true });
    try {
      s.model.configure({ text: 'Ciao a tutti.' });
      const msg = s.slack.postUserMessage(s.channel.id, s.bob.id, { files: [wav()] });
      await s.slack.addReaction(s.channel.id, msg.ts, s.alice.id, 'it');
      const reply = await s.slack.waitFor(() => s.botReplies(s.channel.id, msg.ts).find((m) => /characters/.test(m.text)), 15_000);
      expect(reply.text).toContain('Ciao a tutti.');
      expect(s.slack.socketMode.acks.length).toBeGreaterThan(0);
    } finally {
      await s.close();
    }
  });

  it('/translate in a channel the bot is not in answers in a DM with the requester', async () => {
    const s = await startSlackStack();
    try {
      s.model.configure({ text: 'Private answer.' });
      const outside = s.slack.createChannel({ name: 'outside', isMember: false });
      await s.slack.slashCommand({ userId: s.bob.id, channelId: outside.id, command: '/translate' });
      const view = await s.slack.waitFor(() => s.slack.views().find((v) => !v.closed && v.userId === s.bob.id));
      await s.slack.viewSubmission({ userId: s.bob.id, viewId: view.id, values: { file: { file: [wav()] }, to: { to: 'en' } } });
      const dm = await s.slack.waitFor(() => s.slack.calls.find((c) => c.method === 'chat.postMessage' && (c.args as { channel?: string }).channel === s.bob.id && c.ok), 15_000);
      expect(dm).toBeDefined();
      expect(s.slack.calls.some((c) => c.method === 'chat.postMessage' && (c.args as { channel?: string }).channel === outside.id && c.error === 'not_in_channel')).toBe(true);
    } finally {
      await s.close();
    }
  });
});
