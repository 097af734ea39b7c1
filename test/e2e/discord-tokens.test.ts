import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtures } from '../support/media-fixtures.js';
import { startDiscordStack, type DiscordStack } from './discord-stack.js';

/**
 * Interaction tokens live 15 minutes. A private (ephemeral) reply can only be written with its token, so a job that
 * would outlive it is ended honestly just before; and a 401 on an expired token never costs the bot its own token.
 */

let s: DiscordStack;
beforeAll(async () => {
  s = await startDiscordStack();
});
afterAll(() => s.close());

const slowPrivate = async (seconds: number) => {
  s.model.configure({ text: 'A long private recording, translated slowly. '.repeat(40), chunkDelayMs: 100, audioSeconds: 1 });
  const h = await s.discord.slashCommand({ userId: s.alice.id, channelId: s.channel.id, name: 'translate', options: { to: 'en', private: true }, attachments: { file: { name: 'long.wav', data: fixtures.wav(seconds), contentType: 'audio/wav' } } });
  // the whole phrase the first test asserts: under load a streamed edit can stop mid-phrase ("A long private ")
  await s.discord.waitFor(() => s.discord.interaction(h).original?.content.includes('A long private recording') || undefined, 10_000);
  return h;
};

const newJob = async (seconds: number) => {
  s.model.configure({ text: 'A new job after the old token died.', chunkDelayMs: 5, audioSeconds: 1 });
  const h = await s.discord.slashCommand({ userId: s.bob.id, channelId: s.channel.id, name: 'translate', options: { to: 'en' }, attachments: { file: { name: 'next.wav', data: fixtures.wav(seconds), contentType: 'audio/wav' } } });
  return s.discord.waitFor(() => { const o = s.discord.interaction(h).original; return o && /characters/.test(o.content) ? o : undefined; }, 15_000);
};

describe('Discord: private replies and their 15-minute token', () => {
  it('a private reply still running at 14 minutes is ended with a note while its token works; the next job succeeds', async () => {
    const h = await slowPrivate(1.11);
    s.advance(14 * 60_000 + 5_000);
    const ended = await s.discord.waitFor(() => { const o = s.discord.interaction(h).original; return o && !o.content.includes('translating…') ? o : undefined; }, 10_000);
    expect(ended.ephemeral).toBe(true);
    expect(ended.content).toContain('⚠️ A private reply can only be updated for 15 minutes, so this one stops here');
    expect(ended.content).toContain('A long private recording');
    expect(ended.components).toEqual([]);
    expect((await newJob(1.12)).content).toContain('A new job after the old token died.');
  });

  it('a private reply whose token is already dead (the clock jumped past 15 minutes) meets 401s without losing the bot token', async () => {
    const h = await slowPrivate(1.13);
    const before = s.discord.calls.length;
    s.advance(16 * 60_000);
    // the job is ended; its final edit is refused by Discord (50027) — on the webhook route, without the bot token
    await s.discord.waitFor(() => s.discord.calls.slice(before).find((c) => c.path.includes(`/webhooks/`) && c.status === 401), 10_000);
    const refused = s.discord.calls.slice(before).filter((c) => c.status === 401);
    expect(refused.every((c) => c.auth === 'none')).toBe(true);
    expect(s.discord.interaction(h).original!.content).toContain('translating…'); // nothing can reach it any more
    const next = await newJob(1.14);
    expect(next.content).toContain('A new job after the old token died.');
    await s.discord.waitFor(() => s.discord.messages(s.channel.id).find((m) => m.voiceMessage && m.referencedMessageId === next.id), 15_000);
  });
});
