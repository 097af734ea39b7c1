/**
 * A flood of files is prepared a few at a time (issue 9): each job takes an intake slot before its download and
 * gives it back only once its model slot is held, so prepared files (a long recording's whole PCM) never pile up in
 * memory while they wait for the model. Six jobs, two intake slots, a model queue held shut by the test.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { FairQueue } from '../../src/jobs/fair-queue.js';
import { obtainResult } from '../../src/jobs/obtain-result.js';
import { planTranslation } from '../../src/plan.js';
import type { TranslationEvent, TranslatorLike } from '../../src/translator/types.js';
import { makeWav } from '../emulators/model/test-support.js';

const plan = planTranslation({ to: 'en', from: 'zh', textOnly: true }, { strict: false });
const usage = { inputTokens: 13, outputTokens: 5, totalTokens: 18, inputAudioTokens: 13, inputVideoTokens: 0, inputTextTokens: 0, outputAudioTokens: 0, outputTextTokens: 5 };
/** Downloads started whose model call has not: prepared files waiting in memory. */
let preparedNotRunning = 0;
const translator: TranslatorLike = {
  async *translate(): AsyncGenerator<TranslationEvent> {
    preparedNotRunning--;
    await Promise.resolve();
    yield { type: 'text', delta: 'Hello.' };
    yield { type: 'usage', usage };
    yield { type: 'end', finishReason: 'stop', truncated: false };
  },
};
const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

describe('intake slots', () => {
  it('six files at once: never more than two downloaded or prepared while the model queue is shut', async () => {
    let started = 0;
    let peak = 0;
    const doFetch = (async (url: string | URL | Request) => {
      started++;
      preparedNotRunning++;
      peak = Math.max(peak, preparedNotRunning);
      const hz = 200 + 37 * Number(String(url).split('/').pop());
      return new Response(new Uint8Array(makeWav(1, { hz })), { headers: { 'content-type': 'audio/wav' } });
    }) as typeof fetch;
    const queue = new FairQueue(1);
    const gate = await queue.acquire('gate');
    const intake = new FairQueue(2);
    const waiting: number[] = [];
    const jobs = Array.from({ length: 6 }, (_, i) => obtainResult(
      { source: { kind: 'url', url: `https://files.example/${i}` }, plan, scope: { platform: 'discord', serverId: `g${i % 3}`, userId: `u${i}` } },
      translator, { maxBytes: 1 << 20, fetch: doFetch, passUrls: false }, { queue, intake },
      {
        onText: () => undefined,
        onQueued: (p) => {
          if (p > 0 && !waiting.includes(i)) waiting.push(i);
        },
      },
      pino({ level: 'silent' }), new AbortController().signal,
    ));
    while (waiting.length < 2) await turns(1);
    await turns(50);
    // two prepared and waiting for the model; the other four have not even started downloading
    expect(started).toBe(2);
    gate();
    const results = await Promise.all(jobs);
    expect(results.map((r) => r.result.text)).toEqual(Array(6).fill('Hello.'));
    expect(started).toBe(6);
    expect(peak).toBeLessThanOrEqual(2);
  });
});
