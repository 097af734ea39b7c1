import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { startModelEmulator, type ModelEmulator } from '../../test/emulators/model/index.js';
import { fixtures } from '../../test/support/media-fixtures.js';
import type { VoiceNote } from '../audio/voice-encoder.js';
import { RecordingSurface } from '../../test/support/recording-surface.js';
import { EditBudget } from '../reply/edit-budget.js';
import { Translator } from '../translator/translator.js';
import { runChatJob } from './chat-job.js';
import { JobRegistry } from './job-registry.js';
import { FairQueue } from './fair-queue.js';
import type { ChatJobDeps, ChatJobRequest, ChatSurface, ReplyHeader, SpeechFeed } from './types.js';

/**
 * The recording fake surface plus what a chat surface adds: header, voice note, notices. `order` is what a user
 * sees, in order: a write of the reply when it is SENT (`edit done`: the final view with the whole text is on its
 * way), and when it LANDED (`edit done landed`); a voice note, notice or file when it is posted. `headerAtPost` is
 * the header each post carried.
 */
class RecordingChatSurface extends RecordingSurface implements ChatSurface<number> {
  readonly headers: ReplyHeader[] = [];
  readonly headerAtPost: (ReplyHeader | undefined)[] = [];
  readonly voiceNotes: VoiceNote[] = [];
  readonly notices: string[] = [];
  readonly order: string[] = [];
  failVoice = false;
  /** Holds each voice note's post until this resolves (a slow upload). */
  voiceLatency: (() => Promise<void>) | undefined;

  setHeader(header: ReplyHeader): void {
    this.headers.push(header);
  }
  override async post(view: Parameters<RecordingSurface['post']>[0]) {
    const what = `post ${view.final ? view.outcome?.status ?? 'final' : 'open'}`;
    this.order.push(what);
    this.headerAtPost.push(this.headers.at(-1));
    const id = await super.post(view);
    this.order.push(`${what} landed`);
    return id;
  }
  override async edit(message: number, view: Parameters<RecordingSurface['edit']>[1]) {
    const what = `edit ${view.final ? view.outcome?.status ?? 'final' : 'open'}`;
    this.order.push(what);
    await super.edit(message, view);
    this.order.push(`${what} landed`);
  }
  async postVoiceNote(note: VoiceNote): Promise<void> {
    if (this.failVoice) throw new Error('upload refused');
    this.order.push('voice');
    await this.voiceLatency?.();
    this.voiceNotes.push(note);
    this.order.push('voice landed');
  }
  /** Set `speech` to record what the job feeds a surface that encodes the speech as it streams. */
  speech: { opened: number[]; samples: number; ended: boolean; aborted: boolean } | undefined;
  openSpeech?(sampleRate: number): SpeechFeed | undefined;
  withSpeechFeed(): this {
    const rec = { opened: [] as number[], samples: 0, ended: false, aborted: false };
    this.speech = rec;
    this.openSpeech = (rate) => {
      rec.opened.push(rate);
      this.order.push('speech opened');
      return {
        write: (pcm) => void (rec.samples += pcm.length),
        end: () => {
          rec.ended = true;
          this.order.push('speech ended');
        },
        abort: () => void (rec.aborted = true),
      };
    };
    return this;
  }
  async postNotice(text: string): Promise<void> {
    this.notices.push(text);
    this.order.push('notice');
  }
  readonly textFiles: { name: string; text: string }[] = [];
  async postTextFile(name: string, text: string): Promise<void> {
    this.textFiles.push({ name, text });
    this.order.push('text file');
  }
  last() {
    return [...this.shown.values()].at(-1)!;
  }
}

let emu: ModelEmulator;
let deps: ChatJobDeps;
const wav = fixtures.wav(2);
type Spec = Pick<ChatJobRequest, 'source' | 'fileName' | 'ask' | 'fileKey' | 'scope'> & { id: string };
const spec = (over: Partial<Spec> = {}): Spec => ({
  id: 'job1', source: { kind: 'bytes', data: wav }, fileName: 'note.wav', ask: { to: 'en', from: 'zh' },
  scope: { platform: 'discord', serverId: 'g1', userId: 'u1' }, ...over,
});
const surface = () => new RecordingChatSurface({ maxTextLength: 1500 });

beforeAll(async () => {
  emu = await startModelEmulator();
  deps = {
    translator: new Translator({ apiKey: 'test-key', baseUrl: emu.baseUrl, model: 'qwen3-livetranslate-flash', maxRetries: 0, streamRetries: 0 }),
    intake: { maxBytes: 10 * 1024 * 1024 },
    budget: new EditBudget({ writes: 1000, perMs: 1000 }),
    logger: pino({ level: 'silent' }),
    minIntervalMs: 0,
  };
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

describe('runChatJob (core against a recording surface, model emulator behind)', () => {
  it('shows the reply at once, streams the text, ends with a footer, then posts the voice note', async () => {
    emu.configure({ text: 'Dinner is at eight.', audioSeconds: 1.5 });
    const s = surface();
    const outcome = await runChatJob(spec(), s, deps, new AbortController().signal);
    expect(outcome).toMatchObject({ status: 'done', text: 'Dinner is at eight.', voice: 'posted', truncated: false });
    expect(s.calls[0]).toMatchObject({ kind: 'post', view: { text: '', final: false } });
    // the header is in the first post itself (not an empty post followed by an edit for it)
    expect(s.headerAtPost[0]).toMatchObject({ languages: '🇨🇳 Chinese → 🇺🇸 English', voice: 'Cherry', fileName: 'note.wav' });
    expect(s.headers.at(-1)).toEqual({ languages: '🇨🇳 Chinese → 🇺🇸 English', voice: 'Cherry', fileName: 'note.wav', notices: [], targetName: 'English' });
    expect(s.last()).toMatchObject({ text: 'Dinner is at eight.', final: true, outcome: { status: 'done' } });
    const footer = (s.last().outcome as { footer: string }).footer;
    expect(footer).toMatch(/^19 characters · \d+ tokens · 1\.5 s of speech$/);
    // what users see: the reply first, the final view (whole text) sent, and only then the voice note
    expect(s.order[0]).toBe('post open');
    expect(s.order.indexOf('voice')).toBeGreaterThan(s.order.indexOf('post open landed'));
    expect(s.order.indexOf('voice')).toBeGreaterThan(s.order.indexOf('edit done'));
    expect(s.order.filter((o) => o === 'voice')).toHaveLength(1);
    expect(s.voiceNotes[0]!.durationSecs).toBeCloseTo(1.5, 3);
  });

  it('gives a text-only language the text and a notice, no voice note', async () => {
    const s = surface();
    const outcome = await runChatJob(spec({ ask: { to: 'hi' } }), s, deps, new AbortController().signal);
    expect(outcome).toMatchObject({ status: 'done', voice: 'none' });
    expect(s.headers.at(-1)!.notices).toEqual(['Hindi can be written but not spoken: text only.']);
    expect(s.voiceNotes).toHaveLength(0);
    expect((emu.requests[0]!.body as { modalities: string[] }).modalities).toEqual(['text']);
  });

  it('ends the reply with a clear error for a file that is not media, without calling the model', async () => {
    const s = surface();
    const outcome = await runChatJob(spec({ source: { kind: 'bytes', data: Buffer.from('just text, no audio here at all '.repeat(10)) } }), s, deps, new AbortController().signal);
    expect(outcome).toEqual({ status: 'failed', code: 'NOT_MEDIA', retryable: false });
    expect(s.last()).toMatchObject({ final: true, outcome: { status: 'failed' } });
    expect(emu.requests).toHaveLength(0);
  });

  it('keeps the partial text when the model stops mid-stream', async () => {
    emu.configure({ text: 'One two three four five six seven eight nine ten.', chunkDelayMs: 5 });
    emu.inject({ kind: 'output-moderation', afterChunks: 3 });
    const s = surface();
    const outcome = await runChatJob(spec(), s, deps, new AbortController().signal);
    expect(outcome).toEqual({ status: 'failed', code: 'OUTPUT_MODERATED', retryable: false });
    expect(s.last().text.length).toBeGreaterThan(0);
    expect('One two three four five six seven eight nine ten.'.startsWith(s.last().text)).toBe(true);
    expect(s.last()).toMatchObject({ final: true, outcome: { status: 'failed' } });
    expect(s.voiceNotes).toHaveLength(0);
  });

  it('ends as cancelled when its signal aborts mid-stream', async () => {
    emu.configure({ chunkDelayMs: 30 });
    const controller = new AbortController();
    const s = surface();
    setTimeout(() => controller.abort(), 150);
    const outcome = await runChatJob(spec(), s, deps, controller.signal);
    expect(outcome).toEqual({ status: 'cancelled' });
    expect(s.last()).toMatchObject({ final: true, outcome: { status: 'cancelled' } });
    expect(s.voiceNotes).toHaveLength(0);
  });

  it('attaches a long translation as a text file too, and a short one not', async () => {
    const long = 'A long sentence that keeps going. '.repeat(150);
    emu.configure({ text: long, chunkDelayMs: 0 });
    const s = surface();
    await runChatJob(spec({ ask: { to: 'en', textOnly: true } }), s, deps, new AbortController().signal);
    expect(s.textFiles).toEqual([{ name: 'translation.txt', text: long }]);
    expect(s.finalTexts().join('')).toBe(long);
    const short = surface();
    emu.configure({ text: 'Short.' });
    await runChatJob(spec({ ask: { to: 'en', textOnly: true } }), short, deps, new AbortController().signal);
    expect(short.textFiles).toEqual([]);
  });

  it('shares one model call between identical requests in flight', async () => {
    emu.configure({ text: 'Shared once.', chunkDelayMs: 20 });
    const data = fixtures.wav(1.7);
    const [a, b] = [surface(), surface()];
    const [ra, rb] = await Promise.all([
      runChatJob(spec({ id: 'a', source: { kind: 'bytes', data } }), a, deps, new AbortController().signal),
      runChatJob(spec({ id: 'b', source: { kind: 'bytes', data } }), b, deps, new AbortController().signal),
    ]);
    expect(emu.requests).toHaveLength(1);
    expect([ra, rb].map((r) => (r.status === 'done' ? r.from : r.status)).sort()).toEqual(['model', 'shared']);
    expect(a.last().text).toBe('Shared once.');
    expect(b.last().text).toBe('Shared once.');
    const footers = [a, b].map((x) => (x.last().outcome as { footer: string }).footer);
    expect(footers.some((f) => f.includes('shared with an identical request'))).toBe(true);
    expect(a.voiceNotes).toHaveLength(1);
    expect(b.voiceNotes).toHaveLength(1);
  });

  it('posts the voice note while the final edit is in flight: after the reply exists and its whole text was sent', async () => {
    emu.configure({ text: 'Dinner is at eight, and bring the plates.', audioSeconds: 1.5, chunkDelayMs: 10 });
    // slow writes, the per-reply interval of the platforms, and a budget the first writes spend (the final waits for it)
    const s = new RecordingChatSurface({ maxTextLength: 1500, latencyMs: 150 });
    let uploaded!: () => void;
    s.voiceLatency = () => new Promise<void>((r) => (uploaded = r));
    const slow = { ...deps, minIntervalMs: 1_000, budget: new EditBudget({ writes: 2, perMs: 700 }) };
    const job = runChatJob(spec({ id: 'parallel' }), s, slow, new AbortController().signal);
    await vi.waitFor(() => expect(s.order).toContain('voice'), { timeout: 10_000 });
    // the voice note went out once the final view was sent, without waiting for it to land
    expect(s.order.indexOf('voice')).toBeGreaterThan(s.order.indexOf('edit done'));
    expect(s.order.indexOf('voice')).toBeGreaterThan(s.order.indexOf('post open landed'));
    // ...in parallel with it: the upload started before the final edit landed
    await vi.waitFor(() => expect(s.order).toContain('edit done landed'), { timeout: 10_000 });
    expect(s.order.indexOf('voice')).toBeLessThan(s.order.indexOf('edit done landed'));
    uploaded();
    expect(await job).toMatchObject({ status: 'done', voice: 'posted' });
    expect(s.order.at(-1)).toBe('voice landed');
  });

  it('feeds the speech to a surface that encodes it as it streams, and ends the feed before the voice note', async () => {
    emu.configure({ text: 'Dinner is at eight.', audioSeconds: 1.5, chunkDelayMs: 5 });
    const s = surface().withSpeechFeed();
    const outcome = await runChatJob(spec({ id: 'speech' }), s, deps, new AbortController().signal);
    expect(outcome).toMatchObject({ status: 'done', voice: 'posted' });
    expect(s.speech).toMatchObject({ opened: [24_000], ended: true, samples: s.voiceNotes[0]!.samples });
    expect(s.order.indexOf('speech ended')).toBeLessThan(s.order.indexOf('voice'));
    // a failed job's feed is aborted, and a text-only one never opens
    emu.configure({ text: 'One two three four five six seven eight nine ten.', audioSeconds: 2, chunkDelayMs: 5 });
    emu.inject({ kind: 'output-moderation', afterChunks: 6 });
    const failed = surface().withSpeechFeed();
    await runChatJob(spec({ id: 'speech-failed' }), failed, deps, new AbortController().signal);
    expect(failed.speech!.ended).toBe(false);
    if (failed.speech!.opened.length) expect(failed.speech!.aborted).toBe(true);
    const text = surface().withSpeechFeed();
    await runChatJob(spec({ id: 'speech-text', ask: { to: 'en', textOnly: true } }), text, deps, new AbortController().signal);
    expect(text.speech!.opened).toEqual([]);
  });

  it('ends the speech feed and finishes the voice note when the model says it has finished, not when its stream closes', async () => {
    // the service reports usage 400 ms after its finish_reason; the speech must not wait for it
    emu.configure({ text: 'Dinner is at eight.', audioSeconds: 1.5, usageDelayMs: 400 });
    const s = surface().withSpeechFeed();
    let openAtEnd: boolean | undefined;
    const feed = s.openSpeech!;
    s.openSpeech = (rate) => {
      const f = feed(rate)!;
      return { ...f, end: () => ((openAtEnd ??= emu.requests.at(-1)!.closedAt === undefined), f.end()) };
    };
    const outcome = await runChatJob(spec({ id: 'finish-early' }), s, deps, new AbortController().signal);
    expect(outcome).toMatchObject({ status: 'done', voice: 'posted' });
    expect(openAtEnd).toBe(true);
    expect(s.speech!.samples).toBe(s.voiceNotes[0]!.samples);
    expect(s.voiceNotes[0]!.durationSecs).toBeCloseTo(1.5, 3);
  });

  it('shows a waiting job its place in the model queue at once, then not on every move (at most every 5 s)', async () => {
    emu.configure({ text: 'Queued.', audioSeconds: 0.5, chunkDelayMs: 30 });
    const queue = new FairQueue(1);
    const surfaces = Array.from({ length: 8 }, () => surface());
    const queued = { ...deps, services: { queue } };
    await Promise.all(surfaces.map((s, i) => runChatJob(spec({ id: `q${i}`, source: { kind: 'bytes', data: fixtures.wav(0.5 + i / 100) } }), s, queued, new AbortController().signal)));
    const rewrites = surfaces.map((s) => s.calls.filter((c) => c.kind === 'edit' && c.view.text === '' && !c.view.final).length);
    const places = surfaces.map((s) => s.headers.filter((h) => h.progress?.startsWith('Waiting')).map((h) => h.progress));
    // the last job waited at 7th, 6th, ... 1st: shown at once, then held by the 5 s interval (the queue moves faster)
    expect(places[7]![0]).toBe('Waiting for the translator: 7th in line');
    for (const [i, n] of rewrites.entries()) expect(n, `job ${i}: ${places[i]!.join(' / ')}`).toBeLessThanOrEqual(2);
    expect(rewrites.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(places.reduce((a, p) => a + p.length, 0));
    expect(places.slice(1).every((p) => p.length >= 1 && p.length <= 2)).toBe(true);
    // the turn coming drops the line without a rewrite of its own: the first text carries it
    for (const s of surfaces) expect(s.headers.at(-1)!.progress).toBeUndefined();
  });

  it('tells the user when the voice note cannot be posted', async () => {
    const s = surface();
    s.failVoice = true;
    const outcome = await runChatJob(spec(), s, deps, new AbortController().signal);
    expect(outcome).toMatchObject({ status: 'done', voice: 'failed' });
    expect(s.notices).toEqual(['The translated speech could not be posted here.']);
  });
});

describe('JobRegistry', () => {
  it('runs one job per dedupe key, cancels, and remembers finished requests for Retry', async () => {
    const jobs = new JobRegistry<string>();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = jobs.start('req', 'u1', 'msg1:ja', async (job) => {
      await gate;
      return job.controller.signal.aborted;
    });
    expect(first).toBeDefined();
    expect(jobs.start('req', 'u2', 'msg1:ja', async () => false)).toBeUndefined();
    expect(jobs.cancel(first!.job.id)).toBe(true);
    release();
    expect(await first!.done).toBe(true);
    expect(jobs.cancel(first!.job.id)).toBe(false);
    expect(jobs.retryRequest(first!.job.id)).toEqual({ request: 'req', requesterId: 'u1' });
    expect(jobs.start('req', 'u2', 'msg1:ja', async () => 1)).toBeDefined();
  });

  it('lets the requester or a moderator cancel, asking about moderators only for someone else', async () => {
    const jobs = new JobRegistry<string>();
    const asked: string[] = [];
    const run = jobs.start('req', 'owner', undefined, (job) => new Promise<boolean>((r) => job.controller.signal.addEventListener('abort', () => r(true))))!;
    expect(await jobs.cancelBy(run.job.id, 'stranger', () => (asked.push('stranger'), false))).toBe('not-allowed');
    expect(await jobs.cancelBy(run.job.id, 'owner', () => (asked.push('owner'), false))).toBe('cancelled');
    expect(asked).toEqual(['stranger']);
    expect(await run.done).toBe(true);
    expect(await jobs.cancelBy(run.job.id, 'mod', async () => true)).toBe('finished');
  });
});
