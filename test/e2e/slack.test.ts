import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SlackMessageView } from '../emulators/slack/types.js';
import { ffmpegDecode, fixtures, frequencyOf } from '../support/media-fixtures.js';
import { startSlackStack, type SlackStack } from './slack-stack.js';

let s: SlackStack;
const wav = (seconds = 1) => ({ name: 'standup.wav', data: fixtures.wav(seconds), mimetype: 'audio/wav' });
const done = (m?: SlackMessageView) => !!m && (m.streaming ? m.streaming.state === 'stopped' : !m.text.includes('translating…')) && /characters|⚠️|:warning:/.test(m.text);

beforeAll(async () => {
  s = await startSlackStack();
});
afterAll(() => s.close());
beforeEach(() => s.model.reset());

function replyIn(channelId: string, ts: string) {
  return s.slack.waitFor(() => s.botReplies(channelId, ts).find((m) => !m.files.length && done(m)), 15_000);
}

describe('Slack: message shortcuts, reactions, modal', () => {
  it('"Translate" streams natively into the thread, then shares the speech as an MP3 that plays at the right pitch', async () => {
    // the service reports usage 1.5 s after its finish_reason: the MP3 is uploaded meanwhile, shared after the text
    s.model.configure({ text: 'こんにちは、みなさん。会議は三時に移ります。', audioSeconds: 2, chunkDelayMs: 40, usageDelayMs: 1_500 });
    const msg = s.slack.postUserMessage(s.channel.id, s.bob.id, { files: [wav(2)] });
    const d = await s.slack.messageShortcut({ userId: s.alice.id, channelId: s.channel.id, messageTs: msg.ts, callbackId: 'translate_message' });
    expect(d.acked).toBe(true);
    expect(d.timedOut).toBe(false);
    const reply = await replyIn(s.channel.id, msg.ts);
    expect(reply.streaming).toMatchObject({ state: 'stopped', recipientUserId: s.alice.id });
    expect(reply.streaming!.appends).toBeGreaterThanOrEqual(1);
    expect(reply.text).toContain('→ 🇯🇵 Japanese');
    expect(reply.text).toContain('こんにちは、みなさん。会議は三時に移ります。');
    expect(reply.text).toMatch(/characters · \d+ tokens · 2\.0 s of speech/);
    const file = await s.slack.waitFor(() => s.slack.files().find((f) => f.threadTs === msg.ts && f.name === 'translation.mp3'), 15_000);
    const { samples, stderr } = ffmpegDecode(file.bytes, 24000);
    expect(stderr).toBe('');
    // MP3 frames add up to ~0.07 s of encoder delay and padding
    expect(Math.abs(samples.length / 24000 - 2)).toBeLessThan(0.1);
    expect(frequencyOf(samples, 24000)).toBeCloseTo(440, 0);
    expect(s.slack.downloads.every((x) => x.authorized)).toBe(true);
    // the order users see: the stream (header first) ends with the whole text before the MP3 is shared in the thread
    expect(reply.streaming!.chunks[0]).toMatchObject({ text: expect.stringContaining('→ 🇯🇵 Japanese') });
    const stop = s.slack.calls.findIndex((c) => c.method === 'chat.stopStream' && c.args.ts === reply.ts);
    const shared = s.slack.calls.findIndex((c, i) => i > 0 && c.method === 'files.completeUploadExternal' && c.args.thread_ts === msg.ts);
    expect(stop).toBeGreaterThanOrEqual(0);
    expect(shared).toBeGreaterThan(stop);
    const uploaded = s.slack.calls.findIndex((c) => c.method === 'files.getUploadURLExternal' && c.args.filename === 'translation.mp3');
    expect(uploaded).toBeGreaterThanOrEqual(0);
    expect(uploaded).toBeLessThan(stop);
    expect(s.slack.calls.filter((c) => c.method === 'files.getUploadURLExternal')).toHaveLength(1);
  });

  it('waits out a 429 on chat.startStream and then streams: not taken as "no streaming here"', async () => {
    s.model.configure({ text: 'Rate limited, then streamed.', audioSeconds: 1, chunkDelayMs: 20 });
    s.slack.inject({ kind: '429', method: 'chat.startStream', retryAfter: 1 });
    const msg = s.slack.postUserMessage(s.channel.id, s.bob.id, { files: [wav(1)] });
    await s.slack.messageShortcut({ userId: s.alice.id, channelId: s.channel.id, messageTs: msg.ts, callbackId: 'translate_message' });
    const reply = await replyIn(s.channel.id, msg.ts);
    expect(reply.streaming).toMatchObject({ state: 'stopped' });
    expect(reply.text).toContain('Rate limited, then streamed.');
    const starts = s.slack.calls.filter((c) => c.method === 'chat.startStream' && c.args.thread_ts === msg.ts);
    expect(starts.map((c) => c.status)).toEqual([429, 200]);
    // a 429 longer than a reply may wait: that reply posts and edits, and the workspace still streams the next one
    s.slack.inject({ kind: '429', method: 'chat.startStream', retryAfter: 30 });
    const slow = s.slack.postUserMessage(s.channel.id, s.bob.id, { files: [wav(1)] });
    await s.slack.messageShortcut({ userId: s.alice.id, channelId: s.channel.id, messageTs: slow.ts, callbackId: 'translate_message' });
    const posted = await replyIn(s.channel.id, slow.ts);
    expect(posted.streaming).toBeUndefined();
    expect(posted.text).toContain('Rate limited, then streamed.');
    const next = s.slack.postUserMessage(s.channel.id, s.bob.id, { files: [wav(1)] });
    await s.slack.messageShortcut({ userId: s.alice.id, channelId: s.channel.id, messageTs: next.ts, callbackId: 'translate_message' });
    expect((await replyIn(s.channel.id, next.ts)).streaming).toMatchObject({ state: 'stopped' });
  }, 30_000);

  it('falls back to post + chat.update where native streaming is refused, and remembers it per workspace', async () => {
    const fallback = await startSlackStack({ nativeStreaming: false });
    try {
      fallback.model.configure({ text: 'Hello everyone, the meeting moves to three.', chunkDelayMs: 40, audioSeconds: 1 });
      for (const n of [1, 2]) {
        const msg = fallback.slack.postUserMessage(fallback.channel.id, fallback.bob.id, { files: [wav(1)] });
        await fallback.slack.messageShortcut({ userId: fallback.bob.id, channelId: fallback.channel.id, messageTs: msg.ts, callbackId: 'translate_message' });
        const reply = await fallback.slack.waitFor(() => fallback.botReplies(fallback.channel.id, msg.ts).find((m) => /characters/.test(m.text)), 15_000);
        expect(reply.streaming).toBeUndefined();
        expect(reply.history.map((v) => v.via)).toContain('chat.update');
        expect(reply.history[0]!.text).toContain('translating…');
        expect(reply.text).toContain('Hello everyone, the meeting moves to three.');
        expect(reply.text).not.toContain('translating…');
        expect(fallback.slack.calls.filter((c) => c.method === 'chat.startStream')).toHaveLength(1); // tried once, then remembered
        void n;
      }
      // while it runs, a Cancel button: the requester may press it, another user may not
      fallback.model.configure({ text: 'word '.repeat(80), chunkDelayMs: 80 });
      const slow = fallback.slack.postUserMessage(fallback.channel.id, fallback.bob.id, { files: [wav(1)] });
      await fallback.slack.messageShortcut({ userId: fallback.bob.id, channelId: fallback.channel.id, messageTs: slow.ts, callbackId: 'translate_message' });
      const running = await fallback.slack.waitFor(() => fallback.botReplies(fallback.channel.id, slow.ts).find((m) => m.text.includes('word')), 10_000);
      const cancelId = JSON.stringify(running.blocks).match(/lt:cancel:[\w-]+/)![0];
      await fallback.slack.blockAction({ userId: fallback.alice.id, actionId: cancelId, channelId: fallback.channel.id, messageTs: running.ts });
      await fallback.slack.waitFor(() => fallback.slack.ephemerals(fallback.channel.id).find((e) => e.user === fallback.alice.id && e.text.includes('Only the person')));
      await fallback.slack.blockAction({ userId: fallback.bob.id, actionId: cancelId, channelId: fallback.channel.id, messageTs: running.ts });
      const cancelled = await fallback.slack.waitFor(() => fallback.botReplies(fallback.channel.id, slow.ts).find((m) => m.text.includes('Cancelled.')), 10_000);
      expect(cancelled.text).not.toContain('translating…');
      expect(JSON.stringify(cancelled.blocks)).not.toContain('lt:cancel');
    } finally {
      await fallback.close();
    }
  });

  it('"Translate to…" asks in a modal first', async () => {
    s.model.configure({ text: 'Guten Morgen.' });
    const msg = s.slack.postUserMessage(s.channel.id, s.bob.id, { files: [wav(1)] });
    await s.slack.messageShortcut({ userId: s.bob.id, channelId: s.channel.id, messageTs: msg.ts, callbackId: 'translate_message_to' });
    const view = await s.slack.waitFor(() => s.slack.views().find((v) => !v.closed && v.userId === s.bob.id));
    await s.slack.viewSubmission({ userId: s.bob.id, viewId: view.id, values: { to: { to: 'de' } } });
    const reply = await replyIn(s.channel.id, msg.ts);
    expect(reply.text).toContain('→ 🇩🇪 German');
    expect(reply.text).toContain('Guten Morgen.');
  });

  it('/translate opens a modal with a file input and posts the result in the channel', async () => {
    s.model.configure({ text: 'Bonjour.', audioSeconds: 1 });
    await s.slack.slashCommand({ userId: s.bob.id, channelId: s.channel.id, command: '/translate' });
    const view = await s.slack.waitFor(() => s.slack.views().find((v) => !v.closed && v.userId === s.bob.id));
    expect(JSON.stringify(view.view)).toContain('file_input');
    await s.slack.viewSubmission({ userId: s.bob.id, viewId: view.id, values: { file: { file: [wav(1)] }, to: { to: 'fr' } } });
    const reply = await s.slack.waitFor(() => s.slack.messages(s.channel.id).find((m) => m.bot_id && !m.thread_ts && m.text.includes('Bonjour.') && /characters/.test(m.text)), 15_000);
    expect(reply.text).toContain('→ 🇫🇷 French');
    await s.slack.waitFor(() => s.slack.files().find((f) => f.threadTs === reply.ts && f.name === 'translation.mp3'), 15_000);
  });

  it('a flag reaction translates into the thread; the same flag twice runs once', async () => {
    s.model.configure({ text: 'Hola a todos.', chunkDelayMs: 40 });
    const msg = s.slack.postUserMessage(s.channel.id, s.bob.id, { files: [wav(1)] });
    await s.slack.addReaction(s.channel.id, msg.ts, s.alice.id, 'flag-mx');
    await s.slack.addReaction(s.channel.id, msg.ts, s.bob.id, 'es');
    const reply = await replyIn(s.channel.id, msg.ts);
    expect(reply.text).toContain('→ 🇪🇸 Spanish');
    await new Promise((r) => setTimeout(r, 300));
    expect(s.model.requests).toHaveLength(1);
  });

  it('translates a Slack audio clip (WebM), converted with ffmpeg', async () => {
    s.model.configure({ text: 'Clip translated.' });
    const msg = s.slack.postUserMessage(s.channel.id, s.bob.id, { files: [{ name: 'audio_message.webm', data: fixtures.webmAudio(2), mimetype: 'audio/webm', subtype: 'slack_audio' }] });
    await s.slack.addReaction(s.channel.id, msg.ts, s.alice.id, 'gb');
    const reply = await replyIn(s.channel.id, msg.ts);
    expect(reply.text).toContain('`audio clip`');
    expect(s.model.requests[0]!.input).toMatchObject({ sniffed: 'mp3' });
  });

  it('refuses a message without audio or video, ephemerally, and a non-media file in the thread', async () => {
    const plain = s.slack.postUserMessage(s.channel.id, s.bob.id, { text: 'no files here' });
    await s.slack.messageShortcut({ userId: s.alice.id, channelId: s.channel.id, messageTs: plain.ts, callbackId: 'translate_message' });
    const eph = await s.slack.waitFor(() => s.slack.ephemerals(s.channel.id).find((e) => e.user === s.alice.id && e.text.includes('no audio or video')));
    expect(eph.via).toBe('chat.postEphemeral');
    const fake = s.slack.postUserMessage(s.channel.id, s.bob.id, { files: [{ name: 'notes.mp3', data: Buffer.from('not audio, only words. '.repeat(20)), mimetype: 'audio/mpeg' }] });
    await s.slack.messageShortcut({ userId: s.alice.id, channelId: s.channel.id, messageTs: fake.ts, callbackId: 'translate_message' });
    const reply = await replyIn(s.channel.id, fake.ts);
    expect(reply.text).toContain('not audio or video');
    const huge = s.slack.postUserMessage(s.channel.id, s.bob.id, { files: [{ name: 'long.wav', data: Buffer.alloc(26 * 1024 * 1024), mimetype: 'audio/wav' }] });
    await s.slack.messageShortcut({ userId: s.alice.id, channelId: s.channel.id, messageTs: huge.ts, callbackId: 'translate_message' });
    await s.slack.waitFor(() => s.slack.ephemerals(s.channel.id).find((e) => e.user === s.alice.id && e.text.includes('That file is too large to translate. (long.wav: the limit is 25 MB)')));
    expect(s.botReplies(s.channel.id, huge.ts)).toHaveLength(0);
    expect(s.model.requests).toHaveLength(0);
  });

  it('keeps the partial text when the provider fails mid-stream', async () => {
    s.model.configure({ text: 'The first words arrive and then the stream breaks off before the end.', chunkDelayMs: 40 });
    s.model.inject({ kind: 'output-moderation', afterChunks: 5 });
    const msg = s.slack.postUserMessage(s.channel.id, s.bob.id, { files: [wav(1)] });
    await s.slack.messageShortcut({ userId: s.alice.id, channelId: s.channel.id, messageTs: msg.ts, callbackId: 'translate_message' });
    const reply = await replyIn(s.channel.id, msg.ts);
    expect(reply.text).toMatch(/The first/);
    expect(reply.text).toContain('output may contain inappropriate content');
    expect(reply.streaming?.state).toBe('stopped');
  });
});

describe('Slack: requests and budgets', () => {
  it('refuses unsigned, badly signed and stale requests with no side effects', async () => {
    const before = s.slack.calls.length;
    const body = 'payload=' + encodeURIComponent(JSON.stringify({ type: 'message_action', callback_id: 'translate_message' }));
    const ts = Math.floor(Date.now() / 1000);
    const unsigned = await s.slack.sendRaw(body, { 'content-type': 'application/x-www-form-urlencoded' });
    const bad = await s.slack.sendRaw(body, { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': 'v0=deadbeef' });
    const stale = await s.slack.sendRaw(body, { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts - 400), 'x-slack-signature': 'v0=deadbeef' });
    for (const r of [unsigned, bad, stale]) expect(r.status).toBeGreaterThanOrEqual(400);
    await new Promise((r) => setTimeout(r, 200));
    expect(s.slack.calls.length).toBe(before);
    expect(s.model.requests).toHaveLength(0);
  });

  it('a burst of jobs in one workspace all finish within the shared budget', async () => {
    const burst = await startSlackStack({ nativeStreaming: false, rateLimitWindowMs: 10_000 });
    try {
      burst.model.configure({ text: 'A sentence for the burst.', chunkDelayMs: 30, audioSeconds: 1 });
      const msgs = Array.from({ length: 6 }, () => burst.slack.postUserMessage(burst.channel.id, burst.bob.id, { files: [wav(1)] }));
      await Promise.all(msgs.map((m, i) => burst.slack.addReaction(burst.channel.id, m.ts, burst.alice.id, ['jp', 'fr', 'de', 'it', 'ru', 'kr'][i]!)));
      await burst.slack.waitFor(() => msgs.every((m) => burst.botReplies(burst.channel.id, m.ts).some((r) => /characters/.test(r.text))) || undefined, 60_000);
      await burst.slack.waitFor(() => burst.slack.files().filter((f) => f.name === 'translation.mp3').length === 6 || undefined, 30_000);
      expect(burst.slack.rateLimited.filter((c) => c.method === 'chat.update').length).toBeLessThanOrEqual(1);
    } finally {
      await burst.close();
    }
  }, 90_000);
});
