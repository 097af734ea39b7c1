import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MessageView } from '../emulators/discord/index.js';
import { fixtures } from '../support/media-fixtures.js';
import { botMessages, startDiscordStack, type DiscordStack } from './discord-stack.js';

/** Issue 8 end to end on Discord: one trigger pipeline, whatever the way in. */

const MANAGE_GUILD = 1n << 5n;
const sqliteUrl = () => `sqlite://${join(mkdtempSync(join(tmpdir(), 'lt-trig-')), 'bot.sqlite')}`;
const finished = (m?: MessageView) => !!m && !m.loading && /characters|⚠️/.test(m.content) && !m.content.includes('translating…');
const wav = (name = 'a.wav', seconds = 1) => ({ name, data: fixtures.wav(seconds), contentType: 'audio/wav' });

/** The JSON body of the bot's message POST whose content is `content`. */
const sentBody = (stack: DiscordStack, content: string) =>
  stack.discord.calls.find((c) => c.method === 'POST' && /\/messages$/.test(c.path) && (c.body as { content?: string })?.content === content)?.body;

let s: DiscordStack;
beforeAll(async () => {
  s = await startDiscordStack({ storeUrl: sqliteUrl(), noticeTtlMs: 1_000 });
});
afterAll(() => s.close());
beforeEach(() => s.model.reset());

describe('Discord: every trigger through one pipeline', () => {
  it('six different flags on six voice notes within one second: six translations, all finished, no 429s', async () => {
    s.model.configure({ text: 'Hello from the meeting.', audioSeconds: 1, chunkDelayMs: 30 });
    const channel = s.discord.createChannel(s.guild.id, { name: 'catch-up' });
    const notes = [0, 1, 2, 3, 4, 5].map((i) => s.postVoiceMessage(s.bob, channel, 1 + i / 10));
    const flags = ['🇯🇵', '🇫🇷', '🇩🇪', '🇪🇸', '🇮🇹', '🇰🇷'];
    const limitedBefore = s.discord.rateLimited.length;
    notes.forEach((note, i) => s.discord.addReaction(channel.id, note.id, s.alice.id, flags[i]!));
    const replies = await s.discord.waitFor(() => {
      const done = notes.map((n) => botMessages(s, channel).find((m) => m.referencedMessageId === n.id && m.content.includes('→') && finished(m)));
      return done.every(Boolean) ? (done as MessageView[]) : undefined;
    }, 60_000);
    expect(replies.map((r) => /→ \S+ (\w+)/.exec(r.content)?.[1])).toEqual(['Japanese', 'French', 'German', 'Spanish', 'Italian', 'Korean']);
    for (const r of replies) expect(r.content).toContain('Hello from the meeting.');
    await s.discord.waitFor(() => botMessages(s, channel).filter((m) => m.voiceMessage).length === 6 || undefined, 30_000);
    // one model call each, none refused, nobody told to wait a moment
    expect(s.model.requests).toHaveLength(6);
    expect(botMessages(s, channel).filter((m) => m.content.includes('⚠️'))).toEqual([]);
    expect(s.discord.rateLimited.length - limitedBefore).toBe(0);
  }, 90_000);

  it('the channel allow-list refuses on every path, visibly, with no model call', async () => {
    const admin = s.discord.createUser({ username: 'admin' });
    s.discord.setMemberPermissions(s.guild.id, admin.id, MANAGE_GUILD);
    const allowed = s.discord.createChannel(s.guild.id, { name: 'translations' });
    const closed = s.discord.createChannel(s.guild.id, { name: 'closed' });
    const setting = async (enabled: boolean) => {
      const h = await s.discord.slashCommand({ userId: admin.id, channelId: allowed.id, name: 'settings', options: { subcommand: 'channel', channel: allowed.id, enabled } });
      await s.discord.waitFor(() => s.discord.interaction(h).responses[0]);
    };
    await setting(true);
    try {
      const note = s.postVoiceMessage(s.bob, closed, 1);
      const said = (h: Awaited<ReturnType<typeof s.discord.slashCommand>>) =>
        s.discord.waitFor(() => JSON.stringify(s.discord.interaction(h).responses.map((r) => r.data) ?? '').includes('not enabled in this channel') || undefined);
      await said(await s.discord.slashCommand({ userId: s.alice.id, channelId: closed.id, name: 'translate', options: { to: 'en' }, attachments: { file: wav() } }));
      await said(await s.discord.messageCommand({ userId: s.alice.id, channelId: closed.id, name: 'Translate', targetMessageId: note.id }));
      // "Translate to…" refuses before offering a language menu
      const to = await s.discord.messageCommand({ userId: s.alice.id, channelId: closed.id, name: 'Translate to…', targetMessageId: note.id });
      await said(to);
      expect(JSON.stringify(s.discord.interaction(to).responses)).not.toContain('Choose a language');
      // a flag: a short reply to the reacting user alone
      s.discord.addReaction(closed.id, note.id, s.alice.id, '🇯🇵');
      const told = await s.discord.waitFor(() => botMessages(s, closed).find((m) => !m.ephemeral && m.content.includes('not enabled in this channel')));
      expect(told.content).toBe(`<@${s.alice.id}> ⚠️ The translator is not enabled in this channel.`);
      expect(told.referencedMessageId).toBe(note.id);
      // it can mention nobody but that user (the body as Discord received it)
      expect(sentBody(s, told.content)).toMatchObject({ allowed_mentions: { users: [s.alice.id], replied_user: false } });
      expect((sentBody(s, told.content) as { allowed_mentions: { parse?: unknown } }).allowed_mentions.parse).toBeUndefined();
      // and it cleans up after itself
      await s.discord.waitFor(() => s.discord.message(told.id)?.deleted || undefined, 5_000);
      expect(s.model.requests).toHaveLength(0);
      expect(botMessages(s, closed).filter((m) => m.content.includes('→'))).toEqual([]);
    } finally {
      await setting(false);
    }
  });

  it('a private translation stays private when retried', async () => {
    s.model.configure({ text: 'Only for you, even the second time.', chunkDelayMs: 30 });
    s.model.inject({ kind: 'cut', afterChunks: 3 });
    const h = await s.discord.slashCommand({ userId: s.alice.id, channelId: s.channel.id, name: 'translate', options: { to: 'en', private: true, text_only: true }, attachments: { file: wav('secret.wav', 1.3) } });
    const failed = await s.discord.waitFor(() => { const o = s.discord.interaction(h).original; return finished(o) ? o : undefined; }, 10_000);
    expect(failed.ephemeral).toBe(true);
    const retryId = JSON.stringify(failed.components).match(/lt:retry:[\w-]+/)![0];
    const publicBefore = botMessages(s).filter((m) => !m.ephemeral).length;
    const retry = await s.discord.clickButton({ userId: s.alice.id, channelId: s.channel.id, messageId: failed.id, customId: retryId });
    const again = await s.discord.waitFor(() => { const o = s.discord.interaction(retry).original; return o && /characters/.test(o.content) ? o : undefined; }, 10_000);
    expect(again.content).toContain('Only for you, even the second time.');
    expect(again.ephemeral).toBe(true);
    expect(s.discord.interaction(retry).responses[0]!.data).toMatchObject({ flags: 64 });
    expect(botMessages(s).filter((m) => !m.ephemeral).length).toBe(publicBefore);
  });
  it('a flood past the abuse limit (LIVETRANSLATE_USER_TRIGGERS_PER_MIN) is told to the reacting user alone', async () => {
    const small = await startDiscordStack({ storeUrl: sqliteUrl(), env: { LIVETRANSLATE_USER_TRIGGERS_PER_MIN: '2' } });
    try {
      small.model.configure({ text: 'Within the limit.', audioSeconds: 1 });
      const notes = [1, 1.1, 1.2].map((secs) => small.postVoiceMessage(small.bob, small.channel, secs));
      for (const note of notes) small.discord.addReaction(small.channel.id, note.id, small.alice.id, '🇫🇷');
      const told = await small.discord.waitFor(() => botMessages(small).find((m) => m.content.includes('too many translations')), 15_000);
      expect(told.content).toMatch(new RegExp(`^<@${small.alice.id}> ⚠️ You have asked for too many translations in a short time\\. \\(More than 2 a minute; try again in \\d+ s\\.\\)$`));
      // the three reactions are handled concurrently: whichever came third is the one refused, and only it
      expect(sentBody(small, told.content)).toMatchObject({ allowed_mentions: { users: [small.alice.id], replied_user: false } });
      const replies = await small.discord.waitFor(() => {
        const done = notes.filter((n) => n.id !== told.referencedMessageId).map((n) => botMessages(small).find((m) => m.referencedMessageId === n.id && m.content.includes('→') && finished(m)));
        return done.every(Boolean) ? done : undefined;
      }, 15_000);
      expect(replies).toHaveLength(2);
      expect(small.model.requests).toHaveLength(2);
      expect(botMessages(small).filter((m) => m.referencedMessageId === told.referencedMessageId && m.content.includes('→'))).toEqual([]);
    } finally {
      await small.close();
    }
  });
});
