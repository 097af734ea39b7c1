import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testRedisUrl } from '../support/redis-url.js';
import { fixtures } from '../support/media-fixtures.js';
import { startSlackStack } from './slack-stack.js';

const backends = [
  { name: 'SQLite', url: () => `sqlite://${join(mkdtempSync(join(tmpdir(), 'lt-slack-')), 'bot.sqlite')}` },
  { name: 'Redis', url: testRedisUrl },
];

describe.each(backends)('Slack with memory on $name', (backend) => {
  it('/translate settings and usage, a saved language for the Translate shortcut, and the cache', async () => {
    const s = await startSlackStack({ storeUrl: backend.url() });
    try {
      const ask = async (text: string) => {
        const d = await s.slack.slashCommand({ userId: s.bob.id, channelId: s.channel.id, command: '/translate', text });
        return JSON.stringify(d.response);
      };
      expect(await ask('settings language pt')).toContain('language: Portuguese');
      expect(await ask('settings server-language de')).toContain('Only server admins');
      s.model.configure({ text: 'Olá a todos.', audioSeconds: 1 });
      const msg = s.slack.postUserMessage(s.channel.id, s.alice.id, { files: [{ name: 'a.wav', data: fixtures.wav(1), mimetype: 'audio/wav' }] });
      await s.slack.messageShortcut({ userId: s.bob.id, channelId: s.channel.id, messageTs: msg.ts, callbackId: 'translate_message' });
      const first = await s.slack.waitFor(() => s.botReplies(s.channel.id, msg.ts).find((m) => /characters/.test(m.text)), 15_000);
      expect(first.text).toContain('→ 🇵🇹 Portuguese');
      await s.slack.waitFor(() => s.slack.files().find((f) => f.threadTs === msg.ts) && s.bot.jobs.running === 0 || undefined, 15_000);
      await s.slack.addReaction(s.channel.id, msg.ts, s.alice.id, 'flag-br');
      const cached = await s.slack.waitFor(() => s.botReplies(s.channel.id, msg.ts).find((m) => m.text.includes('from the cache')), 15_000);
      expect(cached.text).toContain('Olá a todos.');
      expect(s.model.requests).toHaveLength(1);
      expect(await ask('usage')).toMatch(/this server: 1 translation ·/);

      // auto-translate: a workspace admin turns it on for a channel; a file posted there is translated unasked
      const admin = s.slack.createUser({ name: 'admin', isAdmin: true });
      const team = s.slack.createChannel({ name: 'team-voice' });
      const set = await s.slack.slashCommand({ userId: admin.id, channelId: team.id, command: '/translate', text: `settings auto-translate <#${team.id}|team-voice> en, ja` });
      expect(JSON.stringify(set.response)).toContain('English, Japanese');
      s.model.configure({ text: 'Auto.' });
      const note = s.slack.postUserMessage(team.id, s.alice.id, { files: [{ name: 'b.wav', data: fixtures.wav(1.1), mimetype: 'audio/wav' }] });
      const replies = await s.slack.waitFor(() => {
        const r = s.botReplies(team.id, note.ts).filter((m) => /characters/.test(m.text));
        return r.length === 2 ? r : undefined;
      }, 20_000);
      expect(replies.map((r) => (r.text.includes('English') ? 'en' : 'ja')).sort()).toEqual(['en', 'ja']);
      // the bot's own MP3s in that channel are not translated again
      await s.slack.waitFor(() => s.slack.files().filter((f) => f.threadTs === note.ts && f.name === 'translation.mp3').length === 2 || undefined, 15_000);
      await new Promise((r) => setTimeout(r, 500));
      expect(s.model.requests).toHaveLength(3);
    } finally {
      await s.close();
    }
  });
});
