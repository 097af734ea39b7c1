import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../../src/audio/wav.js';
import type { ModelEmulator } from '../emulators/model/index.js';
import { startModelEmulator } from '../emulators/model/index.js';
import { ffmpeg, ffmpegDecode } from '../support/audio-tools.js';
import { toneTimeline } from '../support/long-recording.js';
import { sentencesIn, sentenceWord } from '../support/segment-answers.js';
import { botMessages, startDiscordStack, type DiscordStack } from './discord-stack.js';
import { startSlackStack, type SlackStack } from './slack-stack.js';

/**
 * An 11-minute recording (tone "sentences" with pauses, as a voice message in Ogg Opus) through Discord /translate,
 * the Slack shortcut and the CLI: shown with progress, every sentence once and in order, the whole text in
 * translation.txt with time markers, and one voice note of all the speech.
 */

const timeline = toneTimeline({ durationSec: 11 * 60, seed: 11 });
const words = timeline.sentences.map(sentenceWord);
const ogg = (() => {
  const r = ffmpeg(['-f', 'wav', '-i', 'pipe:0', '-c:a', 'libopus', '-b:a', '24k', '-f', 'ogg', 'pipe:1'], encodeWav(timeline.pcm, 16000));
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
})();
const answerBySegment = (model: ModelEmulator) =>
  model.configure({ text: (input) => sentencesIn(input.bytes), chunkDelayMs: { min: 0, max: 20 }, audioSeconds: undefined, fragmentBytes: { min: 16_000, max: 32_000 } });
const saidInOrder = (text: string) => text.match(/S\d+\./g) ?? [];

describe('an 11-minute recording, end to end', () => {
  let d: DiscordStack;
  let s: SlackStack;
  beforeAll(async () => {
    [d, s] = await Promise.all([startDiscordStack(), startSlackStack()]);
  });
  afterAll(async () => {
    await Promise.all([d.close(), s.close()]);
  });

  it('Discord /translate: progress while it runs, 5 messages at most, translation.txt with markers, one voice message', async () => {
    answerBySegment(d.model);
    const h = await d.discord.slashCommand({ userId: d.alice.id, channelId: d.channel.id, name: 'translate', options: { to: 'en' }, attachments: { file: { name: 'meeting.ogg', data: ogg, contentType: 'audio/ogg' } } });
    const file = await d.discord.waitFor(() => botMessages(d).find((m) => m.attachments.some((a) => a.filename === 'translation.txt')), 120_000);
    const txt = d.discord.file(file.attachments[0]!.id)!.toString('utf8');
    // every sentence once, in order, each segment under its [hh:mm:ss] marker
    expect(saidInOrder(txt)).toEqual(words);
    const markers = txt.match(/^\[\d\d:\d\d:\d\d\]/gm) ?? [];
    expect(markers.length).toBe(d.model.requests.length);
    expect(markers[0]).toBe('[00:00:00]');
    const original = d.discord.interaction(h).original!;
    expect(original.history.some((v) => /Segment 1 of \d+ · 0:00 \/ 11:00/.test(v.content))).toBe(true);
    const replies = [original, ...d.discord.interaction(h).followups].filter((m) => !m.attachments.length && m.content.includes('S'));
    expect(replies.length).toBeLessThanOrEqual(5);
    expect(original.content).not.toContain('translating…');
    const voice = await d.discord.waitFor(() => botMessages(d).find((m) => m.voiceMessage), 60_000);
    const note = d.discord.file(voice.attachments[0]!.id)!;
    expect(note.length).toBeLessThan(10 * 1024 * 1024);
    const decoded = ffmpegDecode(note, 48000);
    expect(decoded.stderr).toBe('');
    // the segments' speech (as long as each segment, the emulator's rule) and a 0.4 s gap at each cut
    expect(decoded.samples.length / 48000).toBeCloseTo(timeline.durationSec + 0.4 * (d.model.requests.length - 1), 0);
  }, 180_000);

  it('Slack "Translate": every sentence in order in the thread\'s translation.txt, and the speech as one MP3', async () => {
    answerBySegment(s.model);
    const msg = s.slack.postUserMessage(s.channel.id, s.bob.id, { files: [{ name: 'meeting.ogg', data: ogg, mimetype: 'audio/ogg' }], deliver: false });
    await s.slack.messageShortcut({ userId: s.alice.id, channelId: s.channel.id, messageTs: msg.ts, callbackId: 'translate_message' });
    const txt = await s.slack.waitFor(() => s.slack.files().find((f) => f.threadTs === msg.ts && f.name === 'translation.txt'), 120_000);
    expect(saidInOrder(txt.bytes.toString('utf8'))).toEqual(words);
    const mp3 = await s.slack.waitFor(() => s.slack.files().find((f) => f.threadTs === msg.ts && f.name === 'translation.mp3'), 60_000);
    expect(ffmpegDecode(mp3.bytes, 24000).samples.length / 24000).toBeGreaterThan(timeline.durationSec);
  }, 180_000);
});

describe('the CLI on an 11-minute recording', () => {
  let model: ModelEmulator;
  beforeAll(async () => {
    model = await startModelEmulator();
    answerBySegment(model);
  });
  afterAll(() => model.close());

  it('prints every sentence once, in order, and --json adds one segment event per request', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lt-long-'));
    const input = join(dir, 'meeting.ogg');
    writeFileSync(input, ogg);
    const run = (args: string[]) => new Promise<{ code: number | null; out: string }>((done) => {
      const child = spawn(process.execPath, [resolve(import.meta.dirname, '../../bin/livetranslate.js'), 'translate', input, '--to', 'en', ...args], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, DASHSCOPE_API_KEY: 'test-key', DASHSCOPE_BASE_URL: model.baseUrl },
      });
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.on('exit', (code) => done({ code, out }));
    });
    const plain = await run([]);
    expect(plain.code).toBe(0);
    expect(saidInOrder(plain.out)).toEqual(words);
    const requests = model.requests.length;
    const json = await run(['--json']);
    expect(json.code).toBe(0);
    const segments = json.out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; index?: number; startSec?: number; text?: string }).filter((e) => e.type === 'segment');
    expect(segments.length).toBe(model.requests.length - requests);
    expect(segments.map((e) => e.index)).toEqual(segments.map((_, i) => i));
    expect(saidInOrder(segments.map((e) => e.text).join(' '))).toEqual(words);
  }, 180_000);
});
