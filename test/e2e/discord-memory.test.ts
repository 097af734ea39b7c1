import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { InteractionHandle, MessageView } from '../emulators/discord/index.js';
import { testRedisUrl } from '../support/redis-url.js';
import { fixtures } from '../support/media-fixtures.js';
import { botMessages, startDiscordStack, type DiscordStack } from './discord-stack.js';

const sqliteUrl = () => `sqlite://${join(mkdtempSync(join(tmpdir(), 'lt-mem-')), 'bot.sqlite')}`;
const backends = [
  { name: 'SQLite', url: sqliteUrl },
  { name: 'Redis', url: testRedisUrl },
];
const finished = (m?: MessageView) => !!m && /characters|⚠️/.test(m.content) && !m.content.includes('translating…');
const MANAGE_GUILD = 1n << 5n;

describe.each(backends)('Discord with memory on $name', (backend) => {
  let s: DiscordStack;
  beforeAll(async () => {
    s = await startDiscordStack({ storeUrl: backend.url() });
  });
  afterAll(() => s.close());
  beforeEach(() => s.model.reset());

  async function settings(userId: string, sub: string, options: Record<string, string | boolean> = {}) {
    const h = await s.discord.slashCommand({ userId, channelId: s.channel.id, name: 'settings', options: { subcommand: sub, ...options } });
    const r = await s.discord.waitFor(() => s.discord.interaction(h).responses[0]);
    return JSON.stringify(r.data);
  }

  it('a saved language wins over the client locale; a server default over the locale; only admins set it', async () => {
    s.model.configure({ text: 'Translated.' });
    expect(await settings(s.bob.id, 'language', { to: 'ko' })).toContain('language: Korean');
    const note = s.postVoiceMessage(s.alice);
    const h = await s.discord.messageCommand({ userId: s.bob.id, channelId: s.channel.id, name: 'Translate', targetMessageId: note.id });
    expect((await s.discord.waitFor(() => { const o = s.discord.interaction(h).original; return finished(o) ? o : undefined; }, 10_000)).content).toContain('→ 🇰🇷 Korean');

    expect(await settings(s.alice.id, 'server-language', { to: 'de' })).toContain('Only server admins');
    const admin = s.discord.createUser({ username: 'admin', locale: 'en-US' });
    s.discord.setMemberPermissions(s.guild.id, admin.id, MANAGE_GUILD);
    expect(await settings(admin.id, 'server-language', { to: 'de' })).toContain('language: German');
    const carol = s.discord.createUser({ username: 'carol', locale: 'fr' });
    const h2 = await s.discord.messageCommand({ userId: carol.id, channelId: s.channel.id, name: 'Translate', targetMessageId: note.id });
    expect((await s.discord.waitFor(() => { const o = s.discord.interaction(h2).original; return finished(o) ? o : undefined; }, 10_000)).content).toContain('→ 🇩🇪 German');
    await settings(admin.id, 'server-language', {});
  });

  it('never pays twice: the same voice note into the same language again comes from the cache', async () => {
    s.model.configure({ text: 'Cached words.', audioSeconds: 1 });
    const channel = s.discord.createChannel(s.guild.id, { name: 'cache' });
    const note = s.postVoiceMessage(s.bob, channel, 1);
    s.discord.addReaction(channel.id, note.id, s.alice.id, '🇮🇹');
    await s.discord.waitFor(() => botMessages(s, channel).filter((m) => m.voiceMessage).length === 1 || undefined, 15_000);
    // the same flag while the first job still runs would be the same job (deduplicated): wait until it is over
    await s.discord.waitFor(() => s.bot.jobs.running === 0 || undefined);
    s.discord.addReaction(channel.id, note.id, s.bob.id, '🇮🇹');
    const second = await s.discord.waitFor(() => botMessages(s, channel).find((m) => m.content.includes('from the cache')), 15_000);
    expect(second.content).toContain('Cached words.');
    await s.discord.waitFor(() => botMessages(s, channel).filter((m) => m.voiceMessage).length === 2 || undefined, 15_000);
    expect(s.model.requests).toHaveLength(1);
    const usage = await s.discord.slashCommand({ userId: s.alice.id, channelId: channel.id, name: 'usage' });
    const report = JSON.stringify((await s.discord.waitFor(() => s.discord.interaction(usage).responses[0])).data);
    expect(report).toMatch(/this server: \d+ translations? · [\d,]+ tokens in/);
  });

  it('auto-translates voice notes posted in a configured channel into each language', async () => {
    s.model.configure({ text: 'Automatic.', audioSeconds: 1 });
    const admin = s.discord.createUser({ username: 'admin2' });
    s.discord.setMemberPermissions(s.guild.id, admin.id, MANAGE_GUILD);
    const team = s.discord.createChannel(s.guild.id, { name: 'team-voice' });
    const h = await s.discord.slashCommand({ userId: admin.id, channelId: s.channel.id, name: 'settings', options: { subcommand: 'auto-translate', channel: team.id, languages: 'en, ja' } });
    expect(JSON.stringify((await s.discord.waitFor(() => s.discord.interaction(h).responses[0])).data)).toContain('English, Japanese');
    const note = s.postVoiceMessage(s.bob, team, 1);
    const replies = await s.discord.waitFor(() => {
      const r = botMessages(s, team).filter((m) => m.referencedMessageId === note.id && finished(m));
      return r.length === 2 ? r : undefined;
    }, 20_000);
    expect(replies.map((r) => /→ (.*?)\*\*/.exec(r.content)?.[1]).sort()).toEqual(['🇯🇵 Japanese', '🇺🇸 English']);
  });

  it('refuses commands outside the channels the bot is allowed in', async () => {
    const admin = s.discord.createUser({ username: 'admin3' });
    s.discord.setMemberPermissions(s.guild.id, admin.id, MANAGE_GUILD);
    const allowed = s.discord.createChannel(s.guild.id, { name: 'translations' });
    await settings(admin.id, 'channel', { channel: allowed.id, enabled: true });
    const h = await s.discord.slashCommand({ userId: s.bob.id, channelId: s.channel.id, name: 'translate', options: { to: 'en' }, attachments: { file: { name: 'a.wav', data: fixtures.wav(1), contentType: 'audio/wav' } } });
    const r = await s.discord.waitFor(() => s.discord.interaction(h).responses[0]);
    expect(JSON.stringify(r.data)).toContain('not enabled in this channel');
    expect(s.model.requests).toHaveLength(0);
    await settings(admin.id, 'channel', { channel: allowed.id, enabled: false });
  });
});

describe('Discord budgets and fairness (SQLite)', () => {
  it('refuses a job over the daily allowance, naming the limit and the reset', async () => {
    const s = await startDiscordStack({ storeUrl: sqliteUrl(), env: { LIVETRANSLATE_USER_DAILY_TOKENS: '40' } });
    try {
      s.model.configure({ text: 'One.', audioSeconds: 1 });
      const send = async (seconds: number) => {
        const h = await s.discord.slashCommand({ userId: s.bob.id, channelId: s.channel.id, name: 'translate', options: { to: 'en', text_only: true }, attachments: { file: { name: 'a.wav', data: fixtures.wav(seconds), contentType: 'audio/wav' } } });
        return s.discord.waitFor(() => { const o = s.discord.interaction(h).original; return finished(o) ? o : undefined; }, 10_000);
      };
      expect((await send(1.5)).content).toContain('One.');
      const refused = await send(1.6); // other bytes: not in the cache
      expect(refused.content).toMatch(/⚠️ This translation would go over the usage budget\. \(You have used \d+ of your 40 tokens for today; .* It resets \d{4}-\d\d-\d\d 00:00 UTC\.\)/);
      expect(s.model.requests).toHaveLength(1);
    } finally {
      await s.close();
    }
  });

  it('over the concurrency cap, queued replies show their place in line and all finish', async () => {
    const s = await startDiscordStack({ storeUrl: sqliteUrl(), env: { LIVETRANSLATE_MAX_CONCURRENT: '1' } });
    try {
      s.model.configure({ text: 'word '.repeat(10), chunkDelayMs: 60, audioSeconds: 1 });
      const handles: InteractionHandle[] = [];
      for (let i = 0; i < 3; i++) {
        const file = { name: `n${i}.wav`, data: fixtures.wav(1 + i / 10), contentType: 'audio/wav' };
        handles.push(await s.discord.slashCommand({ userId: s.bob.id, channelId: s.channel.id, name: 'translate', options: { to: 'en' }, attachments: { file } }));
      }
      const done = await s.discord.waitFor(() => {
        const replies = handles.map((h) => s.discord.interaction(h).original);
        return replies.every((o) => o && /characters/.test(o.content)) ? replies : undefined;
      }, 40_000);
      const sawQueue = done.some((o) => o!.history.some((v) => /Waiting for the translator: [12](st|nd) in line/.test(v.content)));
      expect(sawQueue).toBe(true);
      for (const o of done) expect(o!.content).not.toMatch(/in line/);
      expect(s.model.requests).toHaveLength(3);
    } finally {
      await s.close();
    }
  }, 60_000);
});
