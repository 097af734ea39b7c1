import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SlackMessageView } from '../emulators/slack/types.js';
import { fixtures } from '../support/media-fixtures.js';
import { startSlackStack, type SlackStack } from './slack-stack.js';

/** Issue 8 end to end on Slack: one trigger pipeline, whatever the way in. */

const sqliteUrl = () => `sqlite://${join(mkdtempSync(join(tmpdir(), 'lt-strig-')), 'bot.sqlite')}`;
const wav = (seconds = 1, name = 'note.wav') => ({ name, data: fixtures.wav(seconds), mimetype: 'audio/wav' });
const done = (m?: SlackMessageView) => !!m && (m.streaming ? m.streaming.state === 'stopped' : !m.text.includes('translating…')) && /characters|:warning:/.test(m.text);

let s: SlackStack;
beforeAll(async () => {
  s = await startSlackStack({ storeUrl: sqliteUrl() });
});
afterAll(() => s.close());
beforeEach(() => s.model.reset());

describe('Slack: every trigger through one pipeline', () => {
  it('six different flags on six voice notes within one second: six translations, all finished, no 429s', async () => {
    s.model.configure({ text: 'Hello from the meeting.', audioSeconds: 1, chunkDelayMs: 30 });
    const channel = s.slack.createChannel({ name: 'catch-up' });
    const notes = [0, 1, 2, 3, 4, 5].map((i) => s.slack.postUserMessage(channel.id, s.bob.id, { files: [wav(1 + i / 10)], deliver: false }));
    const flags = ['jp', 'fr', 'de', 'es', 'it', 'kr'];
    const limitedBefore = s.slack.rateLimited.length;
    await Promise.all(notes.map((note, i) => s.slack.addReaction(channel.id, note.ts, s.alice.id, flags[i]!)));
    const replies = await s.slack.waitFor(() => {
      const r = notes.map((n) => s.botReplies(channel.id, n.ts).find((m) => !m.files.length && done(m)));
      return r.every(Boolean) ? (r as SlackMessageView[]) : undefined;
    }, 60_000);
    expect(replies.map((r) => /→ \S+ (\w+)/.exec(r.text)?.[1])).toEqual(['Japanese', 'French', 'German', 'Spanish', 'Italian', 'Korean']);
    for (const r of replies) expect(r.text).toContain('Hello from the meeting.');
    await s.slack.waitFor(() => s.slack.files().filter((f) => notes.some((n) => f.threadTs === n.ts)).length === 6 || undefined, 30_000);
    expect(s.model.requests).toHaveLength(6);
    expect(s.slack.ephemerals(channel.id).filter((e) => e.user === s.alice.id)).toEqual([]);
    expect(s.slack.rateLimited.length - limitedBefore).toBe(0);
  }, 90_000);

  it('the channel allow-list refuses on every path, ephemerally, with no model call', async () => {
    const closed = s.slack.createChannel({ name: 'closed' });
    await s.store!.settings.setServer('slack', s.slack.teamId, { channels: [s.channel.id] });
    try {
      const note = s.slack.postUserMessage(closed.id, s.bob.id, { files: [wav()], deliver: false });
      const refusals = () => s.slack.ephemerals(closed.id).filter((e) => e.user === s.alice.id && e.text.includes('not enabled in this channel')).length;
      await s.slack.messageShortcut({ userId: s.alice.id, channelId: closed.id, messageTs: note.ts, callbackId: 'translate_message' });
      await s.slack.waitFor(() => refusals() === 1 || undefined);
      // "Translate to…" refuses before opening its form
      const viewsBefore = s.slack.views().length;
      await s.slack.messageShortcut({ userId: s.alice.id, channelId: closed.id, messageTs: note.ts, callbackId: 'translate_message_to' });
      await s.slack.waitFor(() => refusals() === 2 || undefined);
      expect(s.slack.views().length).toBe(viewsBefore);
      // /translate refuses before opening its form, like both "Translate to…" paths
      await s.slack.slashCommand({ userId: s.alice.id, channelId: closed.id, command: '/translate' });
      await s.slack.waitFor(() => refusals() === 3 || undefined);
      expect(s.slack.views().length).toBe(viewsBefore);
      await s.slack.addReaction(closed.id, note.ts, s.alice.id, 'jp');
      await s.slack.waitFor(() => refusals() === 4 || undefined);
      expect(s.model.requests).toHaveLength(0);
      expect(s.slack.messages(closed.id).filter((m) => m.bot_id)).toEqual([]);
    } finally {
      await s.store!.settings.setServer('slack', s.slack.teamId, { channels: undefined });
    }
  });

  it('a flag on a thread reply translates that reply\'s file, not the thread parent\'s', async () => {
    s.model.configure({ text: 'The reply, translated.', audioSeconds: 1 });
    const parent = s.slack.postUserMessage(s.channel.id, s.bob.id, { files: [wav(1, 'parent.wav')], deliver: false });
    const reply = s.slack.postUserMessage(s.channel.id, s.bob.id, { files: [{ name: 'reply.mp3', data: fixtures.mp3(1), mimetype: 'audio/mpeg' }], threadTs: parent.ts, deliver: false });
    await s.slack.addReaction(s.channel.id, reply.ts, s.alice.id, 'fr');
    const answer = await s.slack.waitFor(() => s.botReplies(s.channel.id, parent.ts).find((m) => !m.files.length && done(m)), 15_000);
    expect(answer.text).toContain('`reply.mp3`');
    expect(s.model.requests.map((r) => r.input?.sniffed)).toEqual(['mp3']);
  });

  it('a form with spoken language = target gets an error on its field: nothing posted, no model call', async () => {
    const note = s.slack.postUserMessage(s.channel.id, s.bob.id, { files: [wav()], deliver: false });
    await s.slack.messageShortcut({ userId: s.bob.id, channelId: s.channel.id, messageTs: note.ts, callbackId: 'translate_message_to' });
    const view = await s.slack.waitFor(() => s.slack.views().find((v) => !v.closed && v.userId === s.bob.id));
    const d = await s.slack.viewSubmission({ userId: s.bob.id, viewId: view.id, values: { to: { to: 'de' }, from: { from: 'de' } } });
    expect(d.response).toMatchObject({ response_action: 'errors', errors: { from: expect.stringContaining('source and target language are the same') } });
    expect(s.slack.views().find((v) => v.id === view.id)).toMatchObject({ closed: false });
    await new Promise((r) => setTimeout(r, 300));
    expect(s.model.requests).toHaveLength(0);
    expect(s.botReplies(s.channel.id, note.ts)).toEqual([]);
  });

  it('a second identical request is told it is already running (as on Discord)', async () => {
    s.model.configure({ text: 'word '.repeat(30), chunkDelayMs: 40, audioSeconds: 1 });
    const note = s.slack.postUserMessage(s.channel.id, s.bob.id, { files: [wav(1.7)], deliver: false });
    await s.slack.addReaction(s.channel.id, note.ts, s.alice.id, 'jp');
    await s.slack.addReaction(s.channel.id, note.ts, s.bob.id, 'jp');
    // the two deliveries are handled concurrently: whichever lost the race is the one told
    const told = await s.slack.waitFor(() => s.slack.ephemerals(s.channel.id).find((e) => e.text.includes('already being translated')));
    expect([s.alice.id, s.bob.id]).toContain(told.user);
    await s.slack.waitFor(() => s.botReplies(s.channel.id, note.ts).find((m) => !m.files.length && done(m)), 15_000);
    expect(s.model.requests).toHaveLength(1);
  });
  it('a streamed reply that fails ends with a Retry button, and Retry translates it again', async () => {
    s.model.configure({ text: 'Second time lucky, after the connection broke.', chunkDelayMs: 30, audioSeconds: 1 });
    s.model.inject({ kind: 'cut', afterChunks: 3 });
    const note = s.slack.postUserMessage(s.channel.id, s.bob.id, { files: [wav(1.3)], deliver: false });
    await s.slack.addReaction(s.channel.id, note.ts, s.alice.id, 'fr');
    const failed = await s.slack.waitFor(() => s.botReplies(s.channel.id, note.ts).find((m) => !m.files.length && done(m)), 15_000);
    expect(failed.streaming?.state).toBe('stopped');
    expect(failed.text).toContain(':warning:');
    const retryId = JSON.stringify(failed.blocks ?? []).match(/lt:retry:[\w-]+/)?.[0];
    expect(retryId).toBeDefined();
    await s.slack.blockAction({ userId: s.alice.id, channelId: s.channel.id, messageTs: failed.ts, actionId: retryId! });
    const again = await s.slack.waitFor(() => s.botReplies(s.channel.id, note.ts).find((m) => m.ts !== failed.ts && !m.files.length && done(m) && m.text.includes('Second time lucky')), 15_000);
    expect(again.text).not.toContain(':warning:');
    expect(s.model.requests).toHaveLength(2);
  });
  it('past the abuse limit (20 a minute by default) the user is told why, ephemerally', async () => {
    const carol = s.slack.createUser({ name: 'carol', locale: 'en-US' });
    const pdf = s.slack.postUserMessage(s.channel.id, s.bob.id, { files: [{ name: 'notes.pdf', data: Buffer.from('%PDF-1.4'), mimetype: 'application/pdf' }], deliver: false });
    const told = (what: string) => s.slack.ephemerals(s.channel.id).filter((e) => e.user === carol.id && e.text.includes(what));
    // each of these counts (the limit is checked before the files are): 20 are answered "no audio"
    for (let i = 0; i < 20; i++) await s.slack.messageShortcut({ userId: carol.id, channelId: s.channel.id, messageTs: pdf.ts, callbackId: 'translate_message' });
    await s.slack.waitFor(() => told('no audio or video').length === 20 || undefined, 15_000);
    const note = s.slack.postUserMessage(s.channel.id, s.bob.id, { files: [wav()], deliver: false });
    await s.slack.addReaction(s.channel.id, note.ts, carol.id, 'fr');
    const refusal = await s.slack.waitFor(() => told('too many translations')[0]);
    expect(refusal.text).toMatch(/^:warning: You have asked for too many translations in a short time\. \(More than 20 a minute; try again in \d+ s\.\)$/);
    expect(s.model.requests).toHaveLength(0);
    expect(s.botReplies(s.channel.id, note.ts)).toEqual([]);
  });
  it('a flag on a message that cannot be fetched tells the reacting user so, instead of nothing', async () => {
    const note = s.slack.postUserMessage(s.channel.id, s.bob.id, { files: [wav()], deliver: false });
    s.slack.inject({ kind: 'error', method: 'conversations.replies', error: 'ratelimited' });
    await s.slack.addReaction(s.channel.id, note.ts, s.bob.id, 'de');
    const told = await s.slack.waitFor(() => s.slack.ephemerals(s.channel.id).find((e) => e.user === s.bob.id && e.text.includes('could not be read')));
    expect(told.text).toBe(':warning: That message could not be read, so it was not translated; try again in a moment.');
    expect(s.model.requests).toHaveLength(0);
  });
});
