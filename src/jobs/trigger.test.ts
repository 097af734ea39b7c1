import { createHash } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../audio/wav.js';
import { TranslateError } from '../errors.js';
import { openStore } from '../store/open-store.js';
import type { Platform, Store } from '../store/types.js';
import type { TranslationEvent, TranslatorLike } from '../translator/types.js';
import { ChatJobs } from './chat-jobs.js';
import type { Trigger, TriggerFile, TriggerResult } from './trigger.js';
import { triggerNotice } from './trigger-notice.js';
import type { ChatSurface } from './types.js';

/**
 * The trigger pipeline as one table: every trigger kind × every policy outcome, against a real SQLite store, the real
 * intake (downloads through an injected fetch) and a translator that answers at once. What is asserted is what an
 * adapter would render: the result, whether it acknowledged, where replies went, and how many model calls ran.
 */

type Kind = Trigger<Place>['kind'];
interface Place { n: number; private: boolean }

/**
 * One second of tone, different for every URL so no two files share a result-cache entry: the URL's SHA-256 is written
 * into the first 32 samples (a 997-value seed once let two URLs collide and a "one model call" test read 0 from cache).
 */
const wavFor = (url: string) => {
  const digest = createHash('sha256').update(url).digest();
  const samples = new Int16Array(16_000).map((_, i) => (i < digest.length ? digest[i]! * 64 : Math.round(4000 * Math.sin(i / 5))));
  return encodeWav(samples, 16_000);
};
const WAV = wavFor('');
const file = (id: string, over: Partial<TriggerFile> = {}): TriggerFile => ({
  id, label: `${id}.wav`, name: `${id}.wav`, contentType: 'audio/wav', size: WAV.length, url: `https://cdn.example/${id}.wav`, ...over,
});

/** A translator that says "ok" — or, with `hold`, waits until released (to keep a job running). */
class QuickTranslator implements TranslatorLike {
  calls = 0;
  private gate: Promise<void> = Promise.resolve();
  private open: () => void = () => undefined;
  hold(): void {
    this.gate = new Promise((r) => (this.open = r));
  }
  release(): void {
    this.open();
  }
  /** The next call breaks off (a retryable failure: its reply offers Retry). */
  failNext(): void {
    this.failing = true;
  }
  private failing = false;
  async *translate(_request: unknown, signal?: AbortSignal): AsyncIterable<TranslationEvent> {
    this.calls++;
    if (this.failing) {
      this.failing = false;
      throw new TranslateError('STREAM_CUT');
    }
    signal?.throwIfAborted();
    await Promise.race([this.gate, new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason), { once: true }))]);
    yield { type: 'text', delta: 'ok' };
    yield { type: 'end', finishReason: 'stop', truncated: false };
  }
}

/** Replies as a surface records them (the platform's rendering is the adapters' business). */
const posted: Array<{ jobId: string; place: Place; outcome?: string }> = [];
function surfaceFor(place: Place, jobId: string): ChatSurface<string> {
  return {
    maxTextLength: 1000,
    setHeader: () => undefined,
    post: async (view) => {
      posted.push({ jobId, place, outcome: view.outcome?.status });
      return `${jobId}:${view.part}`;
    },
    edit: async (_m, view) => {
      const p = posted.find((x) => x.jobId === jobId);
      if (p && view.outcome) p.outcome = view.outcome.status;
    },
    postVoiceNote: async () => undefined,
    postNotice: async () => undefined,
    postTextFile: async () => undefined,
  };
}

let store: Store;
let translator: QuickTranslator;
let jobs: ChatJobs<Place>;
let acks: boolean[];

function makeJobs(platform: Platform, over: { store?: Store; triggersPerMinute?: number } = {}): ChatJobs<Place> {
  return new ChatJobs<Place>({
    platform,
    deps: {
      translator, logger: pino({ level: 'silent' }), minIntervalMs: 0,
      intake: { maxBytes: 1_000_000, passUrls: false, fetch: async (url) => new Response(new Uint8Array(wavFor(String(url)))) },
      services: { store: over.store ?? store },
    },
    limits: { writes: 1000, perMs: 1000 },
    surfaceFor, scopeOf: () => 'scope', triggersPerMinute: over.triggersPerMinute ?? 0,
  });
}

/** A trigger of `kind` in server g1, #general, by alice, on one voice note (retries point at `jobId`). */
function triggerOn(platform: Platform, kind: Kind, over: Partial<Trigger<Place>> = {}, jobId = ''): Trigger<Place> {
  const target: Trigger<Place>['target'] = kind === 'reaction' ? { kind: 'flag', language: 'ja' }
    : kind === 'auto' ? { kind: 'auto' }
    : kind === 'retry' ? { kind: 'retry', jobId }
    : kind === 'menu' || kind === 'shortcut' ? { kind: 'default' }
    : { kind: 'ask', ask: { to: 'ja' } };
  return {
    kind, platform, serverId: 'g1', channelId: 'general', userId: 'alice', target,
    files: kind === 'retry' ? [] : [file(`f-${platform}-${kind}-${Math.random().toString(36).slice(2, 8)}`)],
    placeFor: (n, isPrivate) => ({ n, private: isPrivate }),
    acknowledge: async (isPrivate) => void acks.push(isPrivate),
    ...over,
  };
}

const settle = async (r: TriggerResult) => (r.status === 'started' ? r.done : undefined);
const KINDS: Kind[] = ['slash', 'menu', 'shortcut', 'modal', 'reaction', 'auto', 'retry'];
const PLATFORMS: Platform[] = ['discord', 'slack'];

beforeAll(async () => {
  store = await openStore('sqlite://:memory:');
  for (const platform of PLATFORMS) await store.settings.setServer(platform, 'g1', { autoTranslate: { general: ['ja'], closed: ['ja'] } });
});
afterAll(() => store.close());

describe.each(PLATFORMS)('%s', (platform) => {
const make = (over: { store?: Store; triggersPerMinute?: number } = {}) => makeJobs(platform, over);
const trigger = (kind: Kind, over: Partial<Trigger<Place>> = {}, jobId = '') => triggerOn(platform, kind, over, jobId);

/** A finished job of `kind`'s request to retry (Retry needs a job the registry remembers). */
async function finishedJob(over: Partial<Trigger<Place>> = {}): Promise<string> {
  posted.length = 0;
  await settle(await jobs.trigger(trigger('slash', over)));
  return posted[0]!.jobId;
}

describe('ChatJobs.trigger: every kind × every policy outcome', () => {
  beforeAll(() => {
    translator = new QuickTranslator();
    jobs = make();
  });

  it.each(KINDS)('%s: starts, acknowledges once, replies where the adapter said', async (kind) => {
    acks = [];
    const jobId = kind === 'retry' ? await finishedJob() : '';
    posted.length = 0;
    const result = await jobs.trigger(trigger(kind, {}, jobId));
    expect(result).toMatchObject({ status: 'started', jobs: 1, duplicates: 0 });
    expect(await settle(result)).toMatchObject([{ status: 'done' }]);
    expect(acks.at(-1)).toBe(false);
    expect(posted).toMatchObject([{ place: { n: 0, private: false }, outcome: 'done' }]);
  });

  it.each(KINDS)('%s: in a channel outside the allow-list → refused (auto: ignored), no model call', async (kind) => {
    const jobId = kind === 'retry' ? await finishedJob({ channelId: 'closed' }) : '';
    await store.settings.setServer(platform, 'g1', { channels: ['elsewhere'] });
    try {
      acks = [];
      const calls = translator.calls;
      const result = await jobs.trigger(trigger(kind, { channelId: 'closed' }, jobId));
      if (kind === 'auto') expect(result).toEqual({ status: 'ignored' });
      else expect(result).toMatchObject({ status: 'refused', reason: { code: 'CHANNEL_NOT_ALLOWED' } });
      expect(acks).toEqual([]);
      expect(translator.calls).toBe(calls);
    } finally {
      await store.settings.setServer(platform, 'g1', { channels: undefined });
    }
  });

  it.each(KINDS)('%s: past the abuse limit → refused with the wait (auto is never limited)', async (kind) => {
    const limited = make({ triggersPerMinute: 2 });
    const jobId = kind === 'retry' ? (await settle(await limited.trigger(trigger('slash', { userId: 'bob' }))), posted.at(-1)!.jobId) : '';
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await limited.trigger(trigger(kind, { userId: kind === 'retry' ? 'bob' : 'carol' }, jobId)));
    await Promise.all(results.map(settle));
    const last = results.at(-1)!;
    if (kind === 'auto') expect(last.status).toBe('started');
    else if (kind === 'retry') expect(last).toMatchObject({ status: 'refused', reason: { code: 'TOO_MANY_TRIGGERS' } }); // bob: 1 + 2 retries
    else expect(last).toMatchObject({ status: 'refused', reason: { code: 'TOO_MANY_TRIGGERS', message: expect.stringMatching(/More than 2 a minute; try again in \d+ s/) } });
  });

  it('a flood of flags past the abuse limit is told once a minute, not once per reaction (an interaction is always answered)', async () => {
    const limited = make({ triggersPerMinute: 1 });
    const results: TriggerResult[] = [];
    for (let i = 0; i < 4; i++) results.push(await limited.trigger(trigger('reaction', { userId: 'erin' })));
    await Promise.all(results.map(settle));
    expect(results.map((r) => r.status)).toEqual(['started', 'refused', 'refused', 'refused']);
    expect(results.map((r) => triggerNotice(r)?.warning)).toEqual([undefined, true, undefined, undefined]);
    const slash = await limited.trigger(trigger('slash', { userId: 'erin' }));
    expect(triggerNotice(slash)).toEqual({ warning: true, text: expect.stringContaining('too many translations') });
  });

  it.each(KINDS.filter((k) => k !== 'retry'))('%s: a message with no audio or video → refused (reaction, auto: ignored)', async (kind) => {
    const result = await jobs.trigger(trigger(kind, { files: [file('doc', { name: 'notes.pdf', label: 'notes.pdf', contentType: 'application/pdf' })] }));
    if (kind === 'reaction' || kind === 'auto') expect(result).toEqual({ status: 'ignored' });
    else expect(result).toMatchObject({ status: 'refused', field: 'file', reason: { code: 'NO_MEDIA' } });
  });

  it.each(KINDS.filter((k) => k !== 'retry'))('%s: a file over the size limit → refused before any download', async (kind) => {
    const calls = translator.calls;
    const result = await jobs.trigger(trigger(kind, { files: [file('big', { size: 5_000_000 })] }));
    expect(result).toMatchObject({ status: 'refused', field: 'file', reason: { code: 'FILE_TOO_LARGE', message: expect.stringContaining('big.wav: the limit is 1 MB') } });
    expect(translator.calls).toBe(calls);
  });

  it.each(KINDS.filter((k) => k !== 'retry'))('%s: the same file and language while it runs → deduplicated, one model call', async (kind) => {
    translator.hold();
    const same = file(`dup-${platform}-${kind}`);
    const calls = translator.calls;
    const first = await jobs.trigger(trigger(kind, { files: [same] }));
    const second = await jobs.trigger(trigger(kind, { files: [same], userId: 'bob' }));
    translator.release();
    await settle(first);
    expect(first.status).toBe('started');
    expect(second).toEqual({ status: 'deduplicated' });
    expect(translator.calls - calls).toBe(1);
  });

  it.each(KINDS)('%s: a store that cannot be read → refused (fails closed; auto: ignored, nobody asked)', async (kind) => {
    const jobId = kind === 'retry' ? await finishedJob() : '';
    const down = { ...store, settings: { ...store.settings, getServer: () => Promise.reject(new Error('connection refused')) } } as Store;
    const broken = kind === 'retry' ? jobs : make({ store: down });
    // a Retry is remembered by the jobs that ran it: break the store under those
    const restore = store.settings.getServer;
    if (kind === 'retry') store.settings.getServer = down.settings.getServer;
    try {
      const result = await broken.trigger(trigger(kind, {}, jobId));
      if (kind === 'auto') expect(result).toEqual({ status: 'ignored' });
      else expect(result).toMatchObject({ status: 'refused', reason: { code: 'STORE_UNAVAILABLE' } });
    } finally {
      store.settings.getServer = restore;
    }
  });
  it('retry: the same Retry clicked twice while it runs → deduplicated, one model call', async () => {
    translator.failNext();
    const jobId = await finishedJob();
    expect(posted[0]!.outcome).toBe('failed');
    translator.hold();
    const calls = translator.calls;
    const first = await jobs.trigger(trigger('retry', {}, jobId));
    const second = await jobs.trigger(trigger('retry', { userId: 'bob' }, jobId));
    translator.release();
    expect(first).toMatchObject({ status: 'started', jobs: 1 });
    expect(second).toEqual({ status: 'deduplicated' });
    await settle(first);
    expect(translator.calls - calls).toBe(1);
  });

  it('the allow-list comes before everything a trigger carries: a Retry of an unknown id, hidden files', async () => {
    await store.settings.setServer(platform, 'g1', { channels: ['elsewhere'] });
    try {
      expect(await jobs.trigger(trigger('retry', { channelId: 'closed' }, 'no-such-job'))).toMatchObject({ status: 'refused', reason: { code: 'CHANNEL_NOT_ALLOWED' } });
      expect(await jobs.trigger(trigger('reaction', { channelId: 'closed', files: [], filesHidden: true }))).toMatchObject({ status: 'refused', reason: { code: 'CHANNEL_NOT_ALLOWED' } });
    } finally {
      await store.settings.setServer(platform, 'g1', { channels: undefined });
    }
  });

  it('the abuse limit comes before a Retry\'s id is looked up', async () => {
    const limited = make({ triggersPerMinute: 1 });
    await settle(await limited.trigger(trigger('slash', { userId: 'dave' })));
    expect(await limited.trigger(trigger('retry', { userId: 'dave' }, 'no-such-job'))).toMatchObject({ status: 'refused', reason: { code: 'TOO_MANY_TRIGGERS' } });
    expect(await jobs.trigger(trigger('retry', { userId: 'dave' }, 'no-such-job'))).toMatchObject({ status: 'refused', reason: { code: 'RETRY_GONE' } });
  });
});

describe('ChatJobs: Retry and Cancel belong to their place', () => {
  beforeAll(() => {
    translator = new QuickTranslator();
    jobs = make();
  });

  it('a private job is retried by its requester only (someone else clicking a typed id is refused)', async () => {
    const jobId = await finishedJob({ private: true });
    const calls = translator.calls;
    expect(await jobs.trigger(trigger('retry', { userId: 'bob' }, jobId))).toMatchObject({
      status: 'refused', reason: { code: 'RETRY_GONE', message: expect.stringContaining('Only the person who asked for a private translation') },
    });
    expect(translator.calls).toBe(calls);
  });

  it('a private job is retried privately', async () => {
    acks = [];
    const jobId = await finishedJob({ private: true });
    posted.length = 0;
    const result = await jobs.trigger(trigger('retry', {}, jobId));
    await settle(result);
    expect(acks).toEqual([true, true]);
    expect(posted).toMatchObject([{ place: { private: true }, outcome: 'done' }]);
  });

  it('a Retry or Cancel clicked in another server or channel (a typed component id) is refused', async () => {
    const jobId = await finishedJob();
    for (const where of [{ serverId: 'g2' }, { channelId: 'other' }, { serverId: undefined }]) {
      expect(await jobs.trigger(trigger('retry', where, jobId))).toMatchObject({ status: 'refused', reason: { code: 'RETRY_GONE' } });
    }
    translator.hold();
    const running = await jobs.trigger(trigger('slash'));
    while (posted.length < 2) await new Promise((r) => setTimeout(r, 5)); // the running job's first reply
    const runningId = posted.at(-1)!.jobId;
    const click = { platform, serverId: 'g1', channelId: 'general', userId: 'alice', jobId: runningId, isModerator: () => true };
    expect(await jobs.cancel({ ...click, serverId: 'g2' })).toMatchObject({ status: 'refused' });
    expect(await jobs.cancel({ ...click, channelId: 'other' })).toMatchObject({ status: 'refused' });
    expect(await jobs.cancel({ ...click, userId: 'bob', isModerator: () => false })).toEqual({ status: 'refused', notice: expect.stringContaining('Only the person') });
    expect(await jobs.cancel(click)).toEqual({ status: 'cancelled' });
    translator.release();
    expect(await settle(running)).toMatchObject([{ status: 'cancelled' }]);
  });

  it('an ask the model cannot do names its field before anything is posted', async () => {
    acks = [];
    const cases: Array<[Trigger<Place>['target'], string, string]> = [
      [{ kind: 'ask', ask: { to: 'klingon' } }, 'to', 'UNKNOWN_LANGUAGE'],
      [{ kind: 'ask', ask: { to: 'ja', from: 'ja' } }, 'from', 'SAME_LANGUAGE'],
      [{ kind: 'ask', ask: { to: 'ja', from: 'xx' } }, 'from', 'UNKNOWN_LANGUAGE'],
      [{ kind: 'ask', ask: { to: 'ja', voice: 'Nobody' } }, 'voice', 'UNKNOWN_VOICE'],
    ];
    for (const [target, field, code] of cases) {
      expect(await jobs.trigger(trigger('modal', { target }))).toMatchObject({ status: 'refused', field, reason: { code } });
    }
    expect(acks).toEqual([]);
  });

  it('a flag on a message whose files the bot cannot see says what works instead', async () => {
    expect(await jobs.trigger(trigger('reaction', { files: [], filesHidden: true }))).toMatchObject({ status: 'refused', reason: { code: 'FILES_HIDDEN' } });
    expect(await jobs.trigger(trigger('auto', { byBot: true }))).toEqual({ status: 'ignored' });
  });
});
});
