import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { startModelEmulator, type ModelEmulator } from '../../test/emulators/model/index.js';
import { fixtures } from '../../test/support/media-fixtures.js';
import type { VoiceNote } from '../audio/voice-encoder.js';
import { RecordingSurface } from '../../test/support/recording-surface.js';
import { EditBudget } from '../reply/edit-budget.js';
import { Translator } from '../translator/translator.js';
import { runChatJob } from './chat-job.js';
import { JobRegistry } from './job-registry.js';
import type { ChatJobDeps, ChatJobRequest, ChatSurface, ReplyHeader } from './types.js';

/** The recording fake surface plus what a chat surface adds: header, voice note, notices, in call order. */
class RecordingChatSurface extends RecordingSurface implements ChatSurface<number> {
  readonly headers: ReplyHeader[] = [];
  readonly voiceNotes: VoiceNote[] = [];
  readonly notices: string[] = [];
  readonly order: string[] = [];
  failVoice = false;

  setHeader(header: ReplyHeader): void {
    this.headers.push(header);
  }
  override async post(view: Parameters<RecordingSurface['post']>[0]) {
    const id = await super.post(view);
    this.order.push(`post ${view.final ? view.outcome?.status ?? 'final' : 'open'}`);
    return id;
  }
  override async edit(message: number, view: Parameters<RecordingSurface['edit']>[1]) {
    await super.edit(message, view);
    this.order.push(`edit ${view.final ? view.outcome?.status ?? 'final' : 'open'}`);
  }
  async postVoiceNote(note: VoiceNote): Promise<void> {
    if (this.failVoice) throw new Error('upload refused');
    this.voiceNotes.push(note);
    this.order.push('voice');
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
    expect(s.headers.at(-1)).toEqual({ languages: '🇨🇳 Chinese → 🇺🇸 English', voice: 'Cherry', fileName: 'note.wav', notices: [], targetName: 'English' });
    expect(s.last()).toMatchObject({ text: 'Dinner is at eight.', final: true, outcome: { status: 'done' } });
    const footer = (s.last().outcome as { footer: string }).footer;
    expect(footer).toMatch(/^19 characters · \d+ tokens · 1\.5 s of speech$/);
    expect(s.order.at(-1)).toBe('voice');
    expect(s.order.indexOf('voice')).toBeGreaterThan(s.order.indexOf('edit done'));
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
